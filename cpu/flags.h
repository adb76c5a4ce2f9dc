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

/* PF for the low byte of v. */
static inline uint32_t parity_flag(uint32_t v) {
  return (0x9669u >> ((v ^ (v >> 4)) & 0xF) & 1) ? F_PF : 0;
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
/* The result, or an operand, shifted so that its sign bit is bit 31: the
 * record's values need no masking to the operand size then. */
static inline uint32_t lf_top(const LazyFlags *l, uint32_t v) { return v << (32 - l->size * 8); }

/* The conditions Jcc/SETcc/CMOVcc test, from the lazy record where it
 * suffices (SZP hold for the result of every operation; CMP/SUB compare
 * their operands directly; logic operations clear CF and OF). */
static inline bool flags_zf(const Cpu *c) {
  return c->lf.op == LF_NONE ? c->flags & F_ZF : lf_top(&c->lf, c->lf.res) == 0;
}
static inline bool flags_sf(const Cpu *c) {
  return c->lf.op == LF_NONE ? c->flags & F_SF : (int32_t)lf_top(&c->lf, c->lf.res) < 0;
}
static inline bool flags_pf(const Cpu *c) {
  return c->lf.op == LF_NONE ? c->flags & F_PF : parity_flag(c->lf.res & 0xFF);
}
static inline bool flags_of(Cpu *c) {
  if (c->lf.op == LF_LOGIC) return false;
  flags_materialize(c);
  return c->flags & F_OF;
}
/* CF (B), with CMP/SUB's operands compared directly. */
static inline bool flags_b(const Cpu *c) {
  const LazyFlags *l = &c->lf;
  if (l->op == LF_SUB) return lf_top(l, l->a) < lf_top(l, l->b);
  return flags_cf(c);
}
/* CF or ZF (BE). */
static inline bool flags_cf_zf(const Cpu *c) {
  const LazyFlags *l = &c->lf;
  if (l->op == LF_SUB) return lf_top(l, l->a) <= lf_top(l, l->b);
  return flags_cf(c) || flags_zf(c);
}
/* SF != OF (L). */
static inline bool flags_lt(Cpu *c) {
  const LazyFlags *l = &c->lf;
  if (l->op == LF_SUB) return (int32_t)lf_top(l, l->a) < (int32_t)lf_top(l, l->b);
  if (l->op == LF_LOGIC) return flags_sf(c);
  flags_materialize(c);
  return !(c->flags & F_SF) != !(c->flags & F_OF);
}
/* ZF or SF != OF (LE). */
static inline bool flags_le(Cpu *c) {
  const LazyFlags *l = &c->lf;
  if (l->op == LF_SUB) return (int32_t)lf_top(l, l->a) <= (int32_t)lf_top(l, l->b);
  if (l->op == LF_LOGIC) return flags_sf(c) || flags_zf(c);
  flags_materialize(c);
  return (c->flags & F_ZF) || !(c->flags & F_SF) != !(c->flags & F_OF);
}

/* Condition cc 0..15 (O NO B AE E NE BE A S NS P NP L GE LE G); inline,
 * for handlers that know cc (a constant folds the switch away). */
static inline bool flags_test(Cpu *c, int cc) {
  bool r;
  switch (cc >> 1) {
  case 0: r = flags_of(c); break;
  case 1: r = flags_b(c); break;
  case 2: r = flags_zf(c); break;
  case 3: r = flags_cf_zf(c); break;
  case 4: r = flags_sf(c); break;
  case 5: r = flags_pf(c); break;
  case 6: r = flags_lt(c); break;
  default: r = flags_le(c); break;
  }
  return r ^ (cc & 1);
}
/* The same, out of line, for handlers that read cc from the instruction. */
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
/* SF, ZF and PF of a result of size bytes. */
static inline uint32_t szp_flags(uint32_t res, int size) {
  uint32_t m = size_mask(size);
  uint32_t f = parity_flag(res & 0xFF);
  if (!(res & m)) f |= F_ZF;
  if (res & (1u << (size * 8 - 1))) f |= F_SF;
  return f;
}

#endif
