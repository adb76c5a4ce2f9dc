/* Deriving EFLAGS from the lazy record; see flags.h. */
#include "cpu/flags.h"

void flags_materialize(Cpu *c) {
  const LazyFlags *l = &c->lf;
  if (l->op == LF_NONE) return;
  uint32_t sign = 1u << (l->size * 8 - 1);
  uint32_t a = l->a, b = l->b, r = l->res;
  uint32_t f = szp_flags(r, l->size);
  if (flags_cf(c)) f |= F_CF;
  switch (l->op) {
  case LF_ADD: case LF_ADC:
    if ((a ^ b ^ r) & 0x10) f |= F_AF;
    if ((a ^ r) & (b ^ r) & sign) f |= F_OF;
    break;
  case LF_SUB: case LF_SBB:
    if ((a ^ b ^ r) & 0x10) f |= F_AF;
    if ((a ^ b) & (a ^ r) & sign) f |= F_OF;
    break;
  case LF_INC:
    if ((r & 0xF) == 0) f |= F_AF;
    if ((r & size_mask(l->size)) == sign) f |= F_OF;
    break;
  case LF_DEC:
    if ((r & 0xF) == 0xF) f |= F_AF;
    if ((r & size_mask(l->size)) == sign - 1) f |= F_OF;
    break;
  case LF_SHL: /* AF is cleared by shifts; OF: see ops_shift.c */
    if (!(r & sign) != !(f & F_CF)) f |= F_OF;
    break;
  case LF_SHR:
    if (b == 1 && (a & sign)) f |= F_OF;
    break;
  case LF_MUL: /* CF = OF = a significant high half; SZP of the low half */
    if (b) f |= F_OF;
    break;
  default:
    break;
  }
  c->flags = (c->flags & ~F_ARITH) | f;
  c->lf.op = LF_NONE;
}

bool flags_cond(Cpu *c, int cc) { return flags_test(c, cc); }
