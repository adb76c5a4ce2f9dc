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

bool flags_cond(Cpu *c, int cc) {
  const LazyFlags *l = &c->lf;
  /* The common CMP/SUB + Jcc pair compares the operands directly. */
  if (l->op == LF_SUB) {
    uint32_t m = size_mask(l->size);
    uint32_t a = l->a & m, b = l->b & m;
    int shift = 32 - l->size * 8;
    int32_t sa = (int32_t)(a << shift), sb = (int32_t)(b << shift);
    bool r;
    switch (cc >> 1) {
    case 1: r = a < b; break;
    case 2: r = a == b; break;
    case 3: r = a <= b; break;
    case 6: r = sa < sb; break;
    case 7: r = sa <= sb; break;
    default: goto slow;
    }
    return r ^ (cc & 1);
  }
  /* ZF and SF come straight from the result whatever the operation. */
  if (l->op != LF_NONE && ((cc >> 1) == 2 || (cc >> 1) == 4)) {
    uint32_t r = l->res & size_mask(l->size);
    bool v = (cc >> 1) == 2 ? r == 0 : r >> (l->size * 8 - 1);
    return v ^ (cc & 1);
  }
slow:
  flags_materialize(c);
  uint32_t f = c->flags;
  bool r;
  switch (cc >> 1) {
  case 0: r = f & F_OF; break;
  case 1: r = f & F_CF; break;
  case 2: r = f & F_ZF; break;
  case 3: r = f & (F_CF | F_ZF); break;
  case 4: r = f & F_SF; break;
  case 5: r = f & F_PF; break;
  case 6: r = !(f & F_SF) != !(f & F_OF); break;
  default: r = (f & F_ZF) || (!(f & F_SF) != !(f & F_OF)); break;
  }
  return r ^ (cc & 1);
}
