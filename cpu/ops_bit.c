/* Bit tests (BT BTS BTR BTC) and scans (BSF BSR). */
#include "cpu/exec.h"

enum { BT, BTS, BTR, BTC };

/* Apply the operation to bit `bit` of v; returns the new value. */
static uint32_t bit_op(int op, uint32_t v, unsigned bit) {
  switch (op) {
  case BTS: return v | (1u << bit);
  case BTR: return v & ~(1u << bit);
  case BTC: return v ^ (1u << bit);
  default: return v;
  }
}

/* Only CF is defined; the P6 leaves the other flags as they were. */
static void bit_test(Cpu *c, const Insn *in, Loc l, unsigned bit) {
  uint32_t v = loc_read(c, l, in->size);
  if (in->aux != BT) loc_write(c, l, in->size, bit_op(in->aux, v, bit));
  flags_set_arith(c, F_CF, (v >> bit) & 1 ? F_CF : 0);
}

/* With a register bit offset and a memory operand, the offset is signed
 * and selects any bit relative to the operand's address. */
void bt_EG(Cpu *c, const Insn *in) {
  int bits = in->size * 8;
  uint32_t off = reg_get(c, in->reg, in->size);
  if (in->mod == 3) {
    bit_test(c, in, (Loc){in->rm, 0}, off & (bits - 1));
    return;
  }
  int32_t soff = in->size == 2 ? (int16_t)off : (int32_t)off;
  int32_t unit = soff >= 0 ? soff / bits : -((-(soff + 1)) / bits) - 1;
  uint32_t ea = ea_offset(c, in) + (uint32_t)(unit * (bits / 8));
  if (!in->a32) ea &= 0xFFFF;
  Loc l = {-1, seg_linear(c, in->seg, ea, in->size, in->aux == BT ? SEG_OK_R : SEG_OK_RW)};
  bit_test(c, in, l, (uint32_t)soff & (bits - 1));
}

void bt_EI(Cpu *c, const Insn *in) {
  bit_test(c, in, loc_E(c, in, in->size, in->aux == BT ? SEG_OK_R : SEG_OK_RW), in->imm & (in->size * 8 - 1));
}

/* BSF/BSR: a zero source sets ZF and leaves the destination unchanged. */
static void bit_scan(Cpu *c, const Insn *in, bool reverse) {
  uint32_t v = read_E(c, in);
  if (!v) {
    flags_set_arith(c, F_ARITH, F_ZF);
    return;
  }
  unsigned i = reverse ? 31u - (unsigned)__builtin_clz(v) : (unsigned)__builtin_ctz(v);
  reg_set(c, in->reg, in->size, i);
  flags_set_arith(c, F_ARITH, szp_flags(i, in->size) & ~F_ZF);
}

void bsf(Cpu *c, const Insn *in) { bit_scan(c, in, false); }
void bsr(Cpu *c, const Insn *in) { bit_scan(c, in, true); }
