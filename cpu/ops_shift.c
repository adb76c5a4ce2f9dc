/* Shifts and rotates (group 2) and the double shifts SHLD/SHRD. The count
 * is masked to 5 bits as on every CPU since the 80186; a masked count of 0
 * changes neither the operand nor the flags. Flags are computed eagerly:
 * they depend on bits the lazy record does not keep. */
#include "cpu/exec.h"

enum { ROL, ROR, RCL, RCR, SHL, SHR, SAL, SAR };

static unsigned shift_count(Cpu *c, const Insn *in) {
  switch (in->op) {
  case 0xD0: case 0xD1: return 1;
  case 0xD2: case 0xD3: return c->r[ECX] & 0x1F;
  default: return in->imm & 0x1F;
  }
}

/* Rotates change only CF and OF; shifts also set SF/ZF/PF and clear AF.
 * OF is defined by the SDM for 1-bit counts only; for larger counts we
 * give what a CPU that shifts one bit at a time ends with (the 80286's
 * measured behaviour): the OF of the last 1-bit step. */
void shift_E(Cpu *c, const Insn *in) {
  int size = in->size, bits = size * 8;
  unsigned n = shift_count(c, in);
  if (!n) {
    loc_E(c, in, size, SEG_OK_RW); /* the operand is still checked for a fault */
    return;
  }
  Loc l = loc_E(c, in, size, SEG_OK_RW);
  uint32_t m = size_mask(size), msb = 1u << (bits - 1);
  uint32_t a = loc_read(c, l, size), r;
  uint32_t mask = F_CF | F_OF, f = 0;
  bool cf;
  switch (in->aux) {
  case ROL: {
    unsigned k = n % bits;
    r = k ? ((a << k) | (a >> (bits - k))) & m : a;
    cf = r & 1;
    if (!!(r & msb) != cf) f |= F_OF;
    break;
  }
  case ROR: {
    unsigned k = n % bits;
    r = k ? ((a >> k) | (a << (bits - k))) & m : a;
    cf = r & msb;
    if (((r >> (bits - 1)) ^ (r >> (bits - 2))) & 1) f |= F_OF;
    break;
  }
  case RCL: {
    unsigned k = n % (bits + 1);
    uint64_t wide = (uint64_t)a | (uint64_t)flags_cf(c) << bits; /* CF:operand */
    for (unsigned i = 0; i < k; i++)
      wide = ((wide << 1) | (wide >> bits)) & ((2ull << bits) - 1);
    r = (uint32_t)wide & m;
    cf = (wide >> bits) & 1;
    if (!!(r & msb) != cf) f |= F_OF;
    break;
  }
  case RCR: {
    unsigned k = n % (bits + 1);
    bool cin = flags_cf(c);
    uint64_t wide = (uint64_t)a | (uint64_t)cin << bits;
    for (unsigned i = 0; i < k; i++)
      wide = ((wide >> 1) | ((wide & 1) << bits)) & ((2ull << bits) - 1);
    r = (uint32_t)wide & m;
    cf = (wide >> bits) & 1;
    /* The last 1-bit step's MSB(before) ^ CF(before), read off the result. */
    if (((r >> (bits - 1)) ^ (r >> (bits - 2))) & 1) f |= F_OF;
    break;
  }
  /* Shifts leave their flags lazy (flags.c derives CF, OF and SZP from the
   * operand, count and result; AF is cleared). SHR's OF is the operand's
   * sign for a count of 1, 0 after: later steps shift in zeros. SAR's OF
   * is 0. */
  case SHL: case SAL:
    r = (uint32_t)((uint64_t)a << n) & m;
    loc_write(c, l, size, r);
    lazy_set(c, LF_SHL, size, a, n, r);
    return;
  case SHR:
    r = a >> n;
    loc_write(c, l, size, r);
    lazy_set(c, LF_SHR, size, a, n, r);
    return;
  default: { /* SAR */
    int32_t s = (int32_t)(a << (32 - bits)) >> (32 - bits);
    r = (uint32_t)(s >> n) & m;
    loc_write(c, l, size, r);
    lazy_set(c, LF_SAR, size, a, n, r);
    return;
  }
  }
  if (cf) f |= F_CF;
  loc_write(c, l, size, r);
  flags_set_arith(c, mask, f);
}

/* SHL/SHR/SAR of a register of size bytes by an immediate, 1 or CL
 * (cpu/forms.def): shift_E's results and lazy flags, without its switches.
 * A masked count of 0 changes nothing (a register operand cannot fault). */
static inline void shift_reg(Cpu *c, const Insn *in, int size, unsigned n, int op) {
  if (!n) return;
  int unused = 32 - size * 8;
  uint32_t a = reg_get(c, in->rm, size), r;
  LazyOp lf;
  if (op == SHR) {
    r = a >> n;
    lf = LF_SHR;
  } else if (op == SAR) {
    r = (uint32_t)((int32_t)(a << unused) >> unused >> n) & size_mask(size);
    lf = LF_SAR;
  } else {
    r = (uint32_t)((uint64_t)a << n) & size_mask(size);
    lf = LF_SHL;
  }
  reg_set(c, in->rm, size, r);
  lazy_set(c, lf, size, a, n, r);
}

#define SHIFT_FORMS(name, op)                                                                 \
  void name##_r32_ib(Cpu *c, const Insn *in) { shift_reg(c, in, 4, in->imm & 0x1F, op); }     \
  void name##_r32_1(Cpu *c, const Insn *in) { shift_reg(c, in, 4, 1, op); }                    \
  void name##_r32_cl(Cpu *c, const Insn *in) { shift_reg(c, in, 4, c->r[ECX] & 0x1F, op); }   \
  void name##_r16_ib(Cpu *c, const Insn *in) { shift_reg(c, in, 2, in->imm & 0x1F, op); }
SHIFT_FORMS(shl, SHL)
SHIFT_FORMS(shr, SHR)
SHIFT_FORMS(sar, SAR)

/* SHLD/SHRD E, G, imm8/CL. The 16-bit forms with counts above 16 shift
 * through the 32-bit concatenation, as the P6 does. */
static void double_shift(Cpu *c, const Insn *in, bool left) {
  int size = in->size, bits = size * 8;
  unsigned n = (in->aux ? c->r[ECX] : in->imm) & 0x1F;
  Loc l = loc_E(c, in, size, SEG_OK_RW);
  if (!n) return;
  uint32_t a = loc_read(c, l, size), b = reg_get(c, in->reg, size);
  uint32_t m = size_mask(size), msb = 1u << (bits - 1), r;
  bool cf;
  if (left) {
    /* dest:src (:dest again for the 16-bit overshoot) shifted left */
    uint64_t wide = bits == 32 ? ((uint64_t)a << 32) | b
                               : ((uint64_t)a << 48) | ((uint64_t)b << 32) | ((uint64_t)a << 16);
    uint64_t shifted = wide << n;
    r = (uint32_t)(shifted >> (64 - bits)) & m;
    cf = (wide >> (64 - n)) & 1;
  } else {
    uint64_t wide = bits == 32 ? ((uint64_t)b << 32) | a
                               : ((uint64_t)a << 32) | ((uint64_t)b << 16) | a;
    r = (uint32_t)(wide >> n) & m;
    cf = (wide >> (n - 1)) & 1;
  }
  uint32_t f = szp_flags(r, size) | (cf ? F_CF : 0);
  if ((r ^ a) & msb) f |= F_OF;
  loc_write(c, l, size, r);
  flags_set_arith(c, F_ARITH, f);
}

void shld(Cpu *c, const Insn *in) { double_shift(c, in, true); }
void shrd(Cpu *c, const Insn *in) { double_shift(c, in, false); }
