/* Lazy arithmetic flags. An ALU instruction stores its operands and result
 * (one store each) instead of computing six flags; the flags are derived
 * when a Jcc, PUSHF, ADC or similar needs them — most never are. */
#ifndef HOLO86_FLAGS_H
#define HOLO86_FLAGS_H

#include "cpu/cpu.h"

static inline void lazy_set(Cpu *c, LazyOp op, int size, uint32_t a,
                            uint32_t b, uint32_t res) {
  c->lf.op = (uint8_t)op;
  c->lf.size = (uint8_t)size;
  c->lf.a = a;
  c->lf.b = b;
  c->lf.res = res;
}

/* Fold pending lazy flags into c->flags. */
void flags_materialize(Cpu *c);
/* Carry flag alone (cheaper than materialising all six). */
static inline bool flags_cf(const Cpu *c) {
  const LazyFlags *l = &c->lf;
  uint32_t m = size_mask(l->size);
  uint32_t a = l->a & m, b = l->b & m, r = l->res & m;
  switch (l->op) {
  case LF_ADD: return r < a;
  case LF_ADC: return l->carry ? r <= a : r < a;
  case LF_SUB: return a < b;
  case LF_SBB: return l->carry ? a <= b : a < b;
  case LF_LOGIC: return false;
  case LF_INC: case LF_DEC: return l->carry;
  case LF_SHL: return b <= l->size * 8u ? (a >> (l->size * 8 - b)) & 1 : 0;
  case LF_SHR: return (a >> (b - 1)) & 1;
  case LF_MUL: return b;
  case LF_SAR: {
    int shift = 32 - l->size * 8;
    return ((int32_t)(a << shift) >> shift >> (b - 1)) & 1;
  }
  default: return c->flags & F_CF;
  }
}
/* Jcc/SETcc/CMOVcc condition 0..15 (O NO B AE E NE BE A S NS P NP L GE LE G). */
bool flags_cond(Cpu *c, int cc);
/* Replace the arithmetic flags selected by mask (eager update). When all
 * six are replaced (shifts, MUL...), the lazy record is simply dropped:
 * computing the old flags first would be wasted. */
static inline void flags_set_arith(Cpu *c, uint32_t mask, uint32_t bits) {
  if (c->lf.op != LF_NONE) {
    if ((mask & F_ARITH) == F_ARITH) c->lf.op = LF_NONE;
    else flags_materialize(c);
  }
  c->flags = (c->flags & ~mask) | (bits & mask);
}
/* PF for the low byte of v. */
static inline uint32_t parity_flag(uint32_t v) {
  return (0x9669u >> ((v ^ (v >> 4)) & 0xF) & 1) ? F_PF : 0;
}
/* SF, ZF and PF of a result of size bytes. */
static inline uint32_t szp_flags(uint32_t res, int size) {
  uint32_t m = size_mask(size);
  uint32_t f = parity_flag(res & 0xFF);
  if (!(res & m)) f |= F_ZF;
  if (res & (1u << (size * 8 - 1))) f |= F_SF;
  return f;
}

#endif
