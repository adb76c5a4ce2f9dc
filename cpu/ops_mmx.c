/* MMX (0F 60-7F, 0F D1-FE): 64-bit integer SIMD on registers that alias
 * the x87 significands. Every MMX instruction but EMMS sets TOP to 0 and
 * marks all registers valid; a written register's exponent field becomes
 * all ones. EMMS sets TOP to 0 and empties the tag word. With a 66, F2 or F3 prefix these
 * opcodes are SSE instructions of later CPUs: #UD on a Pentium II. */
#include "cpu/exec.h"

/* #UD (CR0.EM, SSE prefixes), #NM (CR0.TS), then a pending x87 exception.
 * Returns false when the instruction must be retried (FERR# path). */
static bool mmx_enter(Cpu *c, const Insn *in) {
  bool opsize_prefix = (in->size == 4) != c->code32;
  if ((c->cr[0] & CR0_EM) || opsize_prefix || in->rep) cpu_fault(c, EXC_UD, -1);
  if (c->cr[0] & CR0_TS) cpu_fault(c, EXC_NM, -1);
  return x87_check_pending(c);
}

static void mmx_touch(Cpu *c) {
  c->fpu.sw &= (uint16_t)~X87_SW_TOP;
  c->fpu.full = 0xFF;
}

static uint64_t mm_get(const Cpu *c, int r) { return c->fpu.st[r].mant; }
static void mm_set(Cpu *c, int r, uint64_t v) {
  c->fpu.st[r].mant = v;
  c->fpu.st[r].sign_exp = 0xFFFF;
}

static uint64_t read64(Cpu *c, const Insn *in) {
  uint32_t lin = seg_linear(c, in->seg, ea_offset(c, in), 8, SEG_OK_R);
  uint64_t lo = lin_read(c, lin, 4);
  return lo | (uint64_t)lin_read(c, lin + 4, 4) << 32;
}

/* The mm/m64 source (m32 for the PUNPCKL forms). */
static uint64_t src_operand(Cpu *c, const Insn *in, int size) {
  if (in->mod == 3) return mm_get(c, in->rm);
  if (size == 4) return mem_read(c, in->seg, ea_offset(c, in), 4);
  return read64(c, in);
}

/* Lanes. */
static inline uint64_t lane(uint64_t v, int i, int bits) {
  return (v >> (i * bits)) & (bits == 64 ? ~0ull : (1ull << bits) - 1);
}
static inline int64_t slane(uint64_t v, int i, int bits) {
  uint64_t u = lane(v, i, bits);
  return bits == 64 ? (int64_t)u : (int64_t)(u << (64 - bits)) >> (64 - bits);
}
static inline uint64_t put(uint64_t acc, int i, int bits, uint64_t x) {
  uint64_t m = bits == 64 ? ~0ull : (1ull << bits) - 1;
  return acc | (x & m) << (i * bits);
}

static int64_t sat_s(int64_t x, int bits) {
  int64_t hi = (1ll << (bits - 1)) - 1, lo = -hi - 1;
  return x > hi ? hi : x < lo ? lo : x;
}
static int64_t sat_u(int64_t x, int bits) {
  int64_t hi = (1ll << bits) - 1;
  return x > hi ? hi : x < 0 ? 0 : x;
}

enum { ADD, ADDS, ADDUS, SUB, SUBS, SUBUS, CMPEQ, CMPGT };

static uint64_t lanewise(int kind, int bits, uint64_t a, uint64_t b) {
  uint64_t r = 0;
  for (int i = 0; i < 64 / bits; i++) {
    int64_t sa = slane(a, i, bits), sb = slane(b, i, bits);
    int64_t ua = (int64_t)lane(a, i, bits), ub = (int64_t)lane(b, i, bits);
    int64_t x;
    switch (kind) {
    case ADD: x = ua + ub; break;
    case ADDS: x = sat_s(sa + sb, bits); break;
    case ADDUS: x = sat_u(ua + ub, bits); break;
    case SUB: x = ua - ub; break;
    case SUBS: x = sat_s(sa - sb, bits); break;
    case SUBUS: x = sat_u(ua - ub, bits); break;
    case CMPEQ: x = ua == ub ? -1 : 0; break;
    default: x = sa > sb ? -1 : 0; break;
    }
    r = put(r, i, bits, (uint64_t)x);
  }
  return r;
}

/* Shifts by a 64-bit count: 0 shift left, 1 logical right, 2 arithmetic right. */
static uint64_t shift(int kind, int bits, uint64_t a, uint64_t count) {
  uint64_t r = 0;
  for (int i = 0; i < 64 / bits; i++) {
    uint64_t u = lane(a, i, bits);
    uint64_t x;
    if (kind == 2) {
      int64_t s = slane(a, i, bits);
      x = (uint64_t)(count >= (uint64_t)bits ? (s < 0 ? -1 : 0) : s >> count);
    } else if (count >= (uint64_t)bits) {
      x = 0;
    } else {
      x = kind == 0 ? u << count : u >> count;
    }
    r = put(r, i, bits, x);
  }
  return r;
}

static uint64_t pack(int bits, bool unsig, uint64_t a, uint64_t b) {
  int n = 64 / bits, half = bits / 2;
  uint64_t r = 0;
  for (int i = 0; i < n; i++) {
    int64_t x = slane(a, i, bits), y = slane(b, i, bits);
    r = put(r, i, half, (uint64_t)(unsig ? sat_u(x, half) : sat_s(x, half)));
    r = put(r, i + n, half, (uint64_t)(unsig ? sat_u(y, half) : sat_s(y, half)));
  }
  return r;
}

static uint64_t unpack(int bits, bool high, uint64_t a, uint64_t b) {
  int n = 32 / bits, base = high ? n : 0;
  uint64_t r = 0;
  for (int i = 0; i < n; i++) {
    r = put(r, 2 * i, bits, lane(a, base + i, bits));
    r = put(r, 2 * i + 1, bits, lane(b, base + i, bits));
  }
  return r;
}

static uint64_t mul16(int kind, uint64_t a, uint64_t b) {
  uint64_t r = 0;
  if (kind == 2) { /* PMADDWD */
    for (int i = 0; i < 2; i++) {
      int64_t x = slane(a, 2 * i, 16) * slane(b, 2 * i, 16) +
                  slane(a, 2 * i + 1, 16) * slane(b, 2 * i + 1, 16);
      r = put(r, i, 32, (uint64_t)x);
    }
    return r;
  }
  for (int i = 0; i < 4; i++) {
    int64_t p = slane(a, i, 16) * slane(b, i, 16);
    r = put(r, i, 16, (uint64_t)(kind ? p >> 16 : p));
  }
  return r;
}

/* Two-operand MMX instructions: mm = mm op mm/m64. */
void mmx_binop(Cpu *c, const Insn *in) {
  if (!mmx_enter(c, in)) return;
  int op = in->op & 0xFF;
  bool low_unpack = op >= 0x60 && op <= 0x62;
  uint64_t b = src_operand(c, in, low_unpack ? 4 : 8);
  uint64_t a = mm_get(c, in->reg), r;
  switch (op) {
  case 0x60: r = unpack(8, false, a, b); break;
  case 0x61: r = unpack(16, false, a, b); break;
  case 0x62: r = unpack(32, false, a, b); break;
  case 0x63: r = pack(16, false, a, b); break;
  case 0x64: r = lanewise(CMPGT, 8, a, b); break;
  case 0x65: r = lanewise(CMPGT, 16, a, b); break;
  case 0x66: r = lanewise(CMPGT, 32, a, b); break;
  case 0x67: r = pack(16, true, a, b); break;
  case 0x68: r = unpack(8, true, a, b); break;
  case 0x69: r = unpack(16, true, a, b); break;
  case 0x6A: r = unpack(32, true, a, b); break;
  case 0x6B: r = pack(32, false, a, b); break;
  case 0x6F: r = b; break; /* MOVQ mm, mm/m64 */
  case 0x74: r = lanewise(CMPEQ, 8, a, b); break;
  case 0x75: r = lanewise(CMPEQ, 16, a, b); break;
  case 0x76: r = lanewise(CMPEQ, 32, a, b); break;
  case 0xD1: r = shift(1, 16, a, b); break;
  case 0xD2: r = shift(1, 32, a, b); break;
  case 0xD3: r = shift(1, 64, a, b); break;
  case 0xD5: r = mul16(0, a, b); break;
  case 0xD8: r = lanewise(SUBUS, 8, a, b); break;
  case 0xD9: r = lanewise(SUBUS, 16, a, b); break;
  case 0xDB: r = a & b; break;
  case 0xDC: r = lanewise(ADDUS, 8, a, b); break;
  case 0xDD: r = lanewise(ADDUS, 16, a, b); break;
  case 0xDF: r = ~a & b; break;
  case 0xE1: r = shift(2, 16, a, b); break;
  case 0xE2: r = shift(2, 32, a, b); break;
  case 0xE5: r = mul16(1, a, b); break;
  case 0xE8: r = lanewise(SUBS, 8, a, b); break;
  case 0xE9: r = lanewise(SUBS, 16, a, b); break;
  case 0xEB: r = a | b; break;
  case 0xEC: r = lanewise(ADDS, 8, a, b); break;
  case 0xED: r = lanewise(ADDS, 16, a, b); break;
  case 0xEF: r = a ^ b; break;
  case 0xF1: r = shift(0, 16, a, b); break;
  case 0xF2: r = shift(0, 32, a, b); break;
  case 0xF3: r = shift(0, 64, a, b); break;
  case 0xF5: r = mul16(2, a, b); break;
  case 0xF8: r = lanewise(SUB, 8, a, b); break;
  case 0xF9: r = lanewise(SUB, 16, a, b); break;
  case 0xFA: r = lanewise(SUB, 32, a, b); break;
  case 0xFC: r = lanewise(ADD, 8, a, b); break;
  case 0xFD: r = lanewise(ADD, 16, a, b); break;
  default: r = lanewise(ADD, 32, a, b); break; /* 0xFE */
  }
  mmx_touch(c);
  mm_set(c, in->reg, r);
}

/* 0F 71/72/73: shifts of mm (ModRM.rm, register only) by imm8. */
void mmx_shift_imm(Cpu *c, const Insn *in) {
  static const int8_t kinds[8] = {-1, -1, 1, -1, 2, -1, 0, -1};
  int bits = in->op == 0x171 ? 16 : in->op == 0x172 ? 32 : 64;
  int kind = kinds[in->reg];
  if (in->mod != 3 || kind < 0 || (bits == 64 && kind == 2)) cpu_fault(c, EXC_UD, -1);
  if (!mmx_enter(c, in)) return;
  uint64_t r = shift(kind, bits, mm_get(c, in->rm), in->imm & 0xFF);
  mmx_touch(c);
  mm_set(c, in->rm, r);
}

/* 0F 6E MOVD mm, r/m32 */
void mmx_movd_load(Cpu *c, const Insn *in) {
  if (!mmx_enter(c, in)) return;
  uint32_t v = loc_read(c, loc_E(c, in, 4, SEG_OK_R), 4);
  mmx_touch(c);
  mm_set(c, in->reg, v);
}

/* 0F 7E MOVD r/m32, mm */
void mmx_movd_store(Cpu *c, const Insn *in) {
  if (!mmx_enter(c, in)) return;
  loc_write(c, loc_E(c, in, 4, SEG_OK_W), 4, (uint32_t)mm_get(c, in->reg));
  mmx_touch(c);
}

/* 0F 7F MOVQ mm/m64, mm */
void mmx_movq_store(Cpu *c, const Insn *in) {
  if (!mmx_enter(c, in)) return;
  uint64_t v = mm_get(c, in->reg);
  if (in->mod == 3) {
    mmx_touch(c);
    mm_set(c, in->rm, v);
    return;
  }
  uint32_t lin = seg_linear(c, in->seg, ea_offset(c, in), 8, SEG_OK_W);
  lin_write(c, lin + 4, 4, (uint32_t)(v >> 32));
  lin_write(c, lin, 4, (uint32_t)v);
  mmx_touch(c);
}

/* 0F 77 EMMS */
void emms(Cpu *c, const Insn *in) {
  if (!mmx_enter(c, in)) return;
  c->fpu.sw &= (uint16_t)~X87_SW_TOP;
  c->fpu.full = 0;
}
