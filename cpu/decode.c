/* The decoder; see decode.h. Prefixes first, then the opcode (one, two or
 * three bytes), then ModRM/SIB/displacement, then immediates, all shaped
 * by the entry opcodes.def gives for the opcode. */
#include "cpu/decode.h"

#include <stdio.h>
#include <stdlib.h>

typedef struct OpEntry {
  Handler fn;
  uint8_t shape;
  uint8_t imm;
  uint8_t aux;
  bool defined;
  uint16_t forms; /* index + 1 of the first forms.def row for fn, 0: none */
} OpEntry;

#define MAP_SIZE 0x400
static OpEntry plain[MAP_SIZE];
static OpEntry group[MAP_SIZE][8];

/* forms.def, with the rows of each generic handler chained. */
typedef struct FormRow {
  Handler generic, variant;
  int16_t op, aux;
  uint8_t form;
  uint16_t next; /* index + 1 of the next row for the same generic handler */
} FormRow;

static FormRow forms[] = {
#define FORM(generic, op, aux, form, variant) \
  {generic, variant, (int16_t)(op), (int16_t)(aux), FORM_##form, 0},
#include "cpu/forms.def"
#undef FORM
};
#define N_FORMS (sizeof forms / sizeof forms[0])

/* Chain the rows of each generic handler and point the table entries
 * that name it at the first. */
static void link_forms(void) {
  for (unsigned i = 0; i < N_FORMS; i++)
    for (unsigned j = i + 1; j < N_FORMS; j++)
      if (forms[j].generic == forms[i].generic) {
        forms[i].next = (uint16_t)(j + 1);
        break;
      }
  for (unsigned op = 0; op < MAP_SIZE; op++)
    for (int sel = -1; sel < 8; sel++) {
      OpEntry *e = sel < 0 ? &plain[op] : &group[op][sel];
      for (unsigned i = 0; i < N_FORMS && e->fn; i++)
        if (forms[i].generic == e->fn) {
          e->forms = (uint16_t)(i + 1);
          break;
        }
    }
}

/* The variant of e's handler for the operand form of in, or the handler. */
static Handler specialise(const OpEntry *e, const Insn *in) {
  int form;
  if (in->mod == 3) form = in->size == 1 ? FORM_R8 : in->size == 2 ? FORM_R16 : FORM_R32;
  else if (in->a32) form = in->size == 1 ? FORM_M8 : in->size == 2 ? FORM_M16 : FORM_M32;
  else return e->fn;
  for (unsigned i = e->forms; i; i = forms[i - 1].next) {
    const FormRow *f = &forms[i - 1];
    if (f->form == form && (f->op < 0 || f->op == in->op) && (f->aux < 0 || f->aux == in->aux))
      return f->variant;
  }
  return e->fn;
}

Handler decode_handler(const Insn *in) {
  if (in->fn == op_ud) return op_ud;
  const OpEntry *e = &plain[in->op];
  return e->shape & D_GROUP ? group[in->op][in->reg].fn : e->fn;
}

void decode_init(void) {
  static bool done;
  if (done) return;
  done = true;
#define OP(opcode, sel, shp, im, handler, ax)                                 \
  {                                                                           \
    OpEntry e = {.fn = handler, .shape = (uint8_t)(shp), .imm = (uint8_t)(im), \
                 .aux = (uint8_t)(ax), .defined = true};                      \
    if ((sel) == ANY) plain[opcode] = e;                                      \
    else {                                                                    \
      plain[opcode].shape = D_M | D_GROUP;                                    \
      plain[opcode].defined = true;                                           \
      group[opcode][(sel) & 7] = e;                                           \
    }                                                                         \
  }
#include "cpu/opcodes.def"
#undef OP
  link_forms();
}

static bool is_prefix(uint8_t b) {
  switch (b) {
  case 0x26: case 0x2E: case 0x36: case 0x3E: case 0x64: case 0x65:
  case 0x66: case 0x67: case 0xF0: case 0xF2: case 0xF3:
    return true;
  default:
    return false;
  }
}

/* Little-endian immediate of n bytes. */
static uint32_t fetch_le(const uint8_t *p, int n) {
  uint32_t v = 0;
  for (int i = n - 1; i >= 0; i--) v = (v << 8) | p[i];
  return v;
}

/* Default segment of a memory operand: SS when based on (E)BP or (E)SP. */
static void decode_modrm16(Insn *in, uint8_t rm, int *disp_len) {
  static const uint8_t base[8] = {EBX, EBX, EBP, EBP, ESI, EDI, EBP, EBX};
  static const uint8_t index[8] = {ESI, EDI, ESI, EDI, REG_ZERO, REG_ZERO, REG_ZERO, REG_ZERO};
  in->base = base[rm];
  in->index = index[rm];
  in->scale = 0;
  in->seg = (rm == 2 || rm == 3 || rm == 6) ? SEG_SS : SEG_DS;
  if (in->mod == 0 && rm == 6) {
    in->base = REG_ZERO;
    in->seg = SEG_DS;
    *disp_len = 2;
  } else {
    *disp_len = in->mod == 1 ? 1 : in->mod == 2 ? 2 : 0;
  }
}

int decode(Insn *in, const uint8_t *buf, int avail, bool code32) {
  int pos = 0;
  bool o32 = code32, a32 = code32;
  int seg = -1;
  uint8_t rep = 0, lock = 0;
  *in = (Insn){0};

  /* A byte past 15 makes the instruction too long however it continues. */
#define NEED(n)                                     \
  do {                                              \
    if (pos + (n) > 15) return DECODE_TOO_LONG;     \
    if (pos + (n) > avail) return DECODE_MORE;      \
  } while (0)

  for (;;) {
    NEED(1);
    uint8_t b = buf[pos];
    if (!is_prefix(b)) break;
    pos++;
    switch (b) {
    case 0x26: seg = SEG_ES; break;
    case 0x2E: seg = SEG_CS; break;
    case 0x36: seg = SEG_SS; break;
    case 0x3E: seg = SEG_DS; break;
    case 0x64: seg = SEG_FS; break;
    case 0x65: seg = SEG_GS; break;
    case 0x66: o32 = !code32; break;
    case 0x67: a32 = !code32; break;
    case 0xF0: lock = 1; break;
    default: rep = b; break; /* the last of F2/F3 wins */
    }
  }

  unsigned op = buf[pos++];
  if (op == 0x0F) {
    NEED(1);
    op = 0x100 | buf[pos++];
    if (op == 0x138 || op == 0x13A) {
      NEED(1);
      op = (op == 0x138 ? 0x200 : 0x300) | buf[pos++];
    }
  }
  const OpEntry *e = &plain[op];
  uint8_t shape = e->shape;

  in->op = (uint16_t)op;
  in->a32 = a32;
  in->rep = rep;
  in->lock = lock;
  in->base = in->index = REG_ZERO;
  in->seg = SEG_DS;
  in->mod = 3;

  if (shape & D_M) {
    NEED(1);
    uint8_t modrm = buf[pos++];
    in->mod = modrm >> 6;
    in->reg = (modrm >> 3) & 7;
    in->rm = modrm & 7;
    if (shape & D_GROUP) {
      e = &group[op][in->reg];
      shape = e->shape | D_M;
    }
    if (shape & D_MODREG) in->mod = 3;
    if (in->mod != 3) {
      int disp_len;
      if (!a32) {
        decode_modrm16(in, in->rm, &disp_len);
      } else {
        in->seg = SEG_DS;
        disp_len = in->mod == 1 ? 1 : in->mod == 2 ? 4 : 0;
        if (in->rm == 4) {
          NEED(1);
          uint8_t sib = buf[pos++];
          in->scale = sib >> 6;
          in->index = ((sib >> 3) & 7) == 4 ? REG_ZERO : (sib >> 3) & 7;
          in->base = sib & 7;
          if (in->base == 5 && in->mod == 0) {
            in->base = REG_ZERO;
            disp_len = 4;
          }
        } else if (in->rm == 5 && in->mod == 0) {
          disp_len = 4;
        } else {
          in->base = in->rm;
        }
        if (in->base == ESP || in->base == EBP) in->seg = SEG_SS;
      }
      NEED(disp_len);
      uint32_t d = fetch_le(buf + pos, disp_len);
      if (disp_len == 1) d = (uint32_t)(int32_t)(int8_t)d;
      else if (disp_len == 2) d = (uint32_t)(int32_t)(int16_t)d;
      in->disp = d;
      pos += disp_len;
    }
  }

  in->size = (shape & D_BYTE) ? 1 : (shape & D_W16) ? 2 : o32 ? 4 : 2;
  int vsize = in->size;
  switch (e->imm) {
  case I_B:
    NEED(1);
    in->imm = buf[pos++];
    break;
  case I_SB:
    NEED(1);
    in->imm = (uint32_t)(int32_t)(int8_t)buf[pos++];
    break;
  case I_W:
    NEED(2);
    in->imm = fetch_le(buf + pos, 2);
    pos += 2;
    break;
  case I_V:
    NEED(vsize);
    in->imm = fetch_le(buf + pos, vsize);
    pos += vsize;
    break;
  case I_A: {
    int n = a32 ? 4 : 2;
    NEED(n);
    in->disp = fetch_le(buf + pos, n);
    pos += n;
    break;
  }
  case I_P:
    NEED(vsize + 2);
    in->imm = fetch_le(buf + pos, vsize);
    in->imm2 = (uint16_t)fetch_le(buf + pos + vsize, 2);
    pos += vsize + 2;
    break;
  case I_WB:
    NEED(3);
    in->imm = fetch_le(buf + pos, 2);
    in->imm2 = buf[pos + 2];
    pos += 3;
    break;
  default:
    break;
  }
#undef NEED

  in->len = (uint8_t)pos;
  in->fn = e->fn;
  in->aux = e->aux;
  in->dflags = shape;
  if (seg >= 0) {
    in->seg = (uint8_t)seg;
    in->segovr = 1;
  }
  if (!e->defined || (shape & D_MEM && in->mod == 3) ||
      (lock && (!(shape & D_LOCK) || in->mod == 3))) {
    in->fn = op_ud;
  }
  if (in->fn == op_ud) in->dflags |= D_END;
  else if (e->forms) in->fn = specialise(e, in);
  return DECODE_OK;
}
