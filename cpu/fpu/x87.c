/* The x87 instruction set (escape opcodes D8-DF) and FXSAVE/FXRSTOR, on top
 * of the soft-float core (float80.h): the register stack and its tags,
 * stack faults, the control/status words, exception signalling (#MF or
 * FERR#), the environment and save-area layouts. */
#include <string.h>

#include "cpu/exec.h"
#include "cpu/fpu/float80_impl.h"
#include "cpu/fpu/x87.h"

/* Status bits an operation's F80Env carries in and out. */
#define ENV_BITS (F80_EXC_MASK | X87_SW_SF | F80_CC_MASK)

/* ---- register stack ------------------------------------------------------ */

static inline int top(const X87 *f) { return (f->sw >> X87_SW_TOP_SHIFT) & 7; }
static inline void set_top(X87 *f, int t) {
  f->sw = (uint16_t)((f->sw & ~X87_SW_TOP) | ((t & 7) << X87_SW_TOP_SHIFT));
}
static inline int phys(const X87 *f, int i) { return (top(f) + i) & 7; }
static inline bool empty(const X87 *f, int i) { return !(f->full >> phys(f, i) & 1); }
static inline F80 st(const X87 *f, int i) { return f->st[phys(f, i)]; }
static inline void st_set(X87 *f, int i, F80 v) {
  int p = phys(f, i);
  f->st[p] = v;
  f->full |= (uint8_t)(1u << p);
}
static inline void fpop(X87 *f) {
  f->full &= (uint8_t)~(1u << top(f));
  set_top(f, top(f) + 1);
}
static inline void fpush(X87 *f, F80 v) {
  set_top(f, top(f) - 1);
  st_set(f, 0, v);
}

/* Tag of physical register p as FSTENV reports it. */
static int tag_of(const X87 *f, int p) {
  if (!(f->full >> p & 1)) return X87_TAG_EMPTY;
  F80 v = f->st[p];
  int e = v.sign_exp & 0x7FFF;
  if (e == 0) return v.mant ? X87_TAG_SPECIAL : X87_TAG_ZERO;
  if (e == 0x7FFF || !(v.mant & F80_INT_BIT)) return X87_TAG_SPECIAL;
  return X87_TAG_VALID;
}

static uint16_t full_tag_word(const X87 *f) {
  uint16_t tw = 0;
  for (int p = 0; p < 8; p++) tw |= (uint16_t)(tag_of(f, p) << (2 * p));
  return tw;
}

/* ---- exceptions ------------------------------------------------------------ */

static void set_ferr(Cpu *c, bool level) {
  X87 *f = &c->fpu;
  if (f->ferr_level == level) return;
  f->ferr_level = level;
  if (f->ferr) f->ferr(f->ferr_opaque, level);
}

/* ES and B follow the unmasked exception flags. */
static void update_es(Cpu *c) {
  X87 *f = &c->fpu;
  if (f->sw & ~f->cw & F80_EXC_MASK) {
    f->sw |= X87_SW_ES | X87_SW_B;
  } else {
    f->sw &= (uint16_t)~(X87_SW_ES | X87_SW_B);
    set_ferr(c, false);
  }
}

bool x87_check_pending(Cpu *c) {
  X87 *f = &c->fpu;
  if (!(f->sw & X87_SW_ES)) return true;
  if (c->cr[0] & CR0_NE) cpu_fault(c, EXC_MF, -1);
  /* CR0.NE = 0: the x87 freezes at this instruction and asserts FERR#
   * (IRQ 13 on a PC). The interrupt is taken before the instruction; once
   * FERR# is asserted (the handler did not clear the exception, IGNNE#),
   * it proceeds. */
  if (!f->ferr_level && f->ferr) {
    set_ferr(c, true);
    c->eip = c->insn_eip;
    c->events |= EV_IRQ;
    return false;
  }
  f->ferr_level = true;
  return true;
}

void x87_reset(Cpu *c) {
  X87 *f = &c->fpu;
  f->cw = F80_CW_DEFAULT;
  f->sw = 0;
  f->full = 0;
  f->fop = 0;
  f->fip = f->fdp = 0;
  f->fcs = f->fds = 0;
  set_ferr(c, false);
}

static void env_start(const Cpu *c, F80Env *e) {
  e->cw = c->fpu.cw;
  e->sw = c->fpu.sw & ENV_BITS;
  e->raised = 0;
}

static void env_end(Cpu *c, const F80Env *e) {
  c->fpu.sw = (uint16_t)((c->fpu.sw & ~ENV_BITS) | (e->sw & ENV_BITS));
  update_es(c);
}

/* Stack overflow (push onto a full register) or underflow (read of an
 * empty one): IE and SF, C1 says which. Returns true when IE is masked
 * (the instruction then goes on with the indefinite). */
static bool stack_fault(const Cpu *c, F80Env *e, bool overflow) {
  e->raised |= F80_IE;
  e->sw = (uint16_t)((e->sw & ~F80_C1) | F80_IE | X87_SW_SF | (overflow ? F80_C1 : 0));
  return c->fpu.cw & F80_IE;
}

static void set_c1(F80Env *e, bool v) { e->sw = (uint16_t)((e->sw & ~F80_C1) | (v ? F80_C1 : 0)); }

/* ---- memory ----------------------------------------------------------------- */

static uint32_t operand_lin(Cpu *c, const Insn *in, int n, int acc) {
  return seg_linear(c, in->seg, ea_offset(c, in), n, acc);
}

static void lin_get(Cpu *c, uint32_t lin, uint8_t *b, int n) {
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    uint32_t v = lin_read(c, lin + (uint32_t)i, 4);
    b[i] = (uint8_t)v, b[i + 1] = (uint8_t)(v >> 8), b[i + 2] = (uint8_t)(v >> 16),
    b[i + 3] = (uint8_t)(v >> 24);
  }
  for (; i < n; i++) b[i] = (uint8_t)lin_read(c, lin + (uint32_t)i, 1);
}

/* Stores touch the last byte first (rewriting what is there), so a fault on
 * a second page happens before anything changed. */
static void lin_put(Cpu *c, uint32_t lin, const uint8_t *b, int n) {
  uint32_t last = lin + (uint32_t)n - 1;
  if ((last ^ lin) & ~0xFFFu) lin_write(c, last, 1, lin_read(c, last, 1));
  int i = 0;
  for (; i + 4 <= n; i += 4)
    lin_write(c, lin + (uint32_t)i, 4,
              (uint32_t)b[i] | (uint32_t)b[i + 1] << 8 | (uint32_t)b[i + 2] << 16 |
                  (uint32_t)b[i + 3] << 24);
  for (; i < n; i++) lin_write(c, lin + (uint32_t)i, 1, b[i]);
}

static uint64_t le64(const uint8_t *b) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--) v = v << 8 | b[i];
  return v;
}

static void put_le(uint8_t *b, uint64_t v, int n) {
  for (int i = 0; i < n; i++) b[i] = (uint8_t)(v >> (8 * i));
}

static F80 f80_from_bytes(const uint8_t *b) {
  return f80_make((uint16_t)(b[8] | b[9] << 8), le64(b));
}

static void f80_to_bytes(uint8_t *b, F80 v) {
  put_le(b, v.mant, 8);
  put_le(b + 8, v.sign_exp, 2);
}

/* ---- arithmetic --------------------------------------------------------------- */

/* FADD..FDIVR as encoded in ModRM.reg of D8/DC/DA/DE (2/3 are compares). */
static const F80ArithOp reg_op[8] = {F80_OP_ADD, F80_OP_MUL, 0, 0,
                                     F80_OP_SUB, F80_OP_SUBR, F80_OP_DIV, F80_OP_DIVR};

static F80 arith(F80Env *e, F80ArithOp op, F80 a, F80 b) {
  switch (op) {
  case F80_OP_ADD: return f80_add(e, a, b);
  case F80_OP_SUB: return f80_sub(e, a, b);
  case F80_OP_SUBR: return f80_sub(e, b, a);
  case F80_OP_MUL: return f80_mul(e, a, b);
  case F80_OP_DIV: return f80_div(e, a, b);
  default: return f80_div(e, b, a);
  }
}

/* Compare result to C3/C2/C0. */
static void set_cmp_cc(F80Env *e, int r) {
  static const uint16_t cc[4] = {F80_C0, F80_C3, 0, F80_C3 | F80_C2 | F80_C0};
  e->sw = (uint16_t)((e->sw & ~(F80_C0 | F80_C2 | F80_C3 | F80_C1)) | cc[r]);
}

/* ST(dst) = ST(dst) op src, with the pops of the P forms. */
static void arith_reg(Cpu *c, F80ArithOp op, int dst, int srci, int pops) {
  X87 *f = &c->fpu;
  F80Env e;
  env_start(c, &e);
  if (empty(f, dst) || empty(f, srci)) {
    if (!stack_fault(c, &e, false)) { env_end(c, &e); return; }
    st_set(f, dst, f80_indefinite);
  } else {
    F80 r = arith(&e, op, st(f, dst), st(f, srci));
    if (f80_must_not_write(&e, false)) { env_end(c, &e); return; }
    st_set(f, dst, r);
  }
  env_end(c, &e);
  while (pops--) fpop(f);
}

/* FCOM/FUCOM family on ST0 and a value; pops 0..2. */
static void compare_pop(Cpu *c, F80Env *e, int r, int pops) {
  set_cmp_cc(e, r);
  env_end(c, e);
  if (f80_must_not_write(e, false)) return;
  while (pops--) fpop(&c->fpu);
}

static void com_reg(Cpu *c, int i, bool quiet, int pops) {
  X87 *f = &c->fpu;
  F80Env e;
  env_start(c, &e);
  int r;
  if (empty(f, 0) || empty(f, i)) {
    stack_fault(c, &e, false);
    r = F80_CMP_UN;
  } else {
    r = f80_compare(&e, st(f, 0), st(f, i), quiet);
  }
  compare_pop(c, &e, r, pops);
}

/* FCOMI/FUCOMI(P): the result in ZF/PF/CF (OF, SF, AF cleared). */
static void comi(Cpu *c, int i, bool quiet, bool popit) {
  X87 *f = &c->fpu;
  F80Env e;
  env_start(c, &e);
  uint16_t keep = e.sw & F80_CC_MASK; /* C1 too, unless a stack fault */
  int r;
  if (empty(f, 0) || empty(f, i)) {
    stack_fault(c, &e, false);
    keep &= (uint16_t)~F80_C1;
    r = F80_CMP_UN;
  } else {
    r = f80_compare(&e, st(f, 0), st(f, i), quiet);
  }
  e.sw = (uint16_t)((e.sw & ~F80_CC_MASK) | keep);
  env_end(c, &e);
  /* EFLAGS are set even when an unmasked exception suppresses the pop */
  static const uint32_t fl[4] = {F_CF, F_ZF, 0, F_ZF | F_PF | F_CF};
  flags_set_arith(c, F_ARITH, fl[r]);
  if (popit && !f80_must_not_write(&e, false)) fpop(f);
}

/* ---- loads and stores --------------------------------------------------------- */

/* Push a loaded value whose conversion used e (stack overflow first). */
static void push_loaded(Cpu *c, F80Env *e, F80 v) {
  X87 *f = &c->fpu;
  if (!empty(f, 7)) {
    e->raised = 0;
    e->sw &= (uint16_t)~(F80_EXC_MASK & ~c->fpu.sw); /* the conversion did not happen */
    if (stack_fault(c, e, true)) fpush(f, f80_indefinite);
    env_end(c, e);
    return;
  }
  /* an unmasked DE does not stop a load (the value is exact) */
  if ((e->raised & F80_IE) && !(f->cw & F80_IE)) { env_end(c, e); return; }
  fpush(f, v);
  env_end(c, e);
}

enum { S_F32, S_F64, S_F80, S_I16, S_I32, S_I64, S_BCD };
static const int store_size[] = {4, 8, 10, 2, 4, 8, 10};

/* Convert ST0 to a memory format into b; returns false if nothing may be
 * written (unmasked exception). */
static bool store_convert(Cpu *c, F80Env *e, int kind, uint8_t *b) {
  X87 *f = &c->fpu;
  if (empty(f, 0)) {
    if (!stack_fault(c, e, false)) return false;
    switch (kind) {
    case S_F32: put_le(b, 0xFFC00000u, 4); break;
    case S_F64: put_le(b, 0xFFF8000000000000ull, 8); break;
    case S_F80: f80_to_bytes(b, f80_indefinite); break;
    case S_I16: put_le(b, 0x8000, 2); break;
    case S_I32: put_le(b, 0x80000000u, 4); break;
    case S_I64: put_le(b, 0x8000000000000000ull, 8); break;
    default: memset(b, 0, 10); b[7] = 0xC0; b[8] = b[9] = 0xFF; break;
    }
    return true;
  }
  F80 a = st(f, 0);
  switch (kind) {
  case S_F32: put_le(b, f80_to_f32(e, a), 4); break;
  case S_F64: put_le(b, f80_to_f64(e, a), 8); break;
  case S_F80: set_c1(e, false); f80_to_bytes(b, a); break;
  case S_I16: put_le(b, (uint16_t)f80_to_i16(e, a, false), 2); break;
  case S_I32: put_le(b, (uint32_t)f80_to_i32(e, a, false), 4); break;
  case S_I64: put_le(b, (uint64_t)f80_to_i64(e, a, false), 8); break;
  default: f80_to_bcd(e, a, b); break;
  }
  return !f80_must_not_write(e, true);
}

static void store_mem(Cpu *c, const Insn *in, int kind, bool popit) {
  int n = store_size[kind];
  uint32_t lin = operand_lin(c, in, n, SEG_OK_W);
  F80Env e;
  env_start(c, &e);
  uint8_t b[10];
  if (store_convert(c, &e, kind, b)) {
    lin_put(c, lin, b, n);
    env_end(c, &e);
    if (popit) fpop(&c->fpu);
  } else {
    env_end(c, &e);
  }
}

/* Load a memory operand (kind) as an F80 for arithmetic or FLD. */
static F80 load_mem(Cpu *c, const Insn *in, int kind, F80Env *e) {
  int n = store_size[kind];
  uint8_t b[10];
  lin_get(c, operand_lin(c, in, n, SEG_OK_R), b, n);
  switch (kind) {
  case S_F32: return f80_from_f32(e, (uint32_t)le64((uint8_t[8]){b[0], b[1], b[2], b[3]}));
  case S_F64: return f80_from_f64(e, le64(b));
  case S_F80: return f80_from_bytes(b);
  case S_I16: return f80_from_i16((int16_t)(b[0] | b[1] << 8));
  case S_I32: return f80_from_i32((int32_t)(b[0] | b[1] << 8 | b[2] << 16 | (uint32_t)b[3] << 24));
  case S_I64: return f80_from_i64((int64_t)le64(b));
  default: return f80_from_bcd(b);
  }
}

static void load_push(Cpu *c, const Insn *in, int kind) {
  F80Env e;
  env_start(c, &e);
  set_c1(&e, false);
  F80 v = load_mem(c, in, kind, &e);
  push_loaded(c, &e, v);
}

/* D8/DC/DA/DE with a memory operand: ST0 op m32fp/m64fp/m32int/m16int. */
static void arith_mem(Cpu *c, const Insn *in, int kind) {
  X87 *f = &c->fpu;
  int n = store_size[kind];
  uint8_t b[8];
  lin_get(c, operand_lin(c, in, n, SEG_OK_R), b, n);
  F80Env e;
  env_start(c, &e);
  int op = in->reg;
  if (empty(f, 0)) {
    bool masked = stack_fault(c, &e, false);
    if (op == 2 || op == 3) {
      compare_pop(c, &e, F80_CMP_UN, op == 3);
      return;
    }
    if (masked) st_set(f, 0, f80_indefinite);
    env_end(c, &e);
    return;
  }
  F80 a = st(f, 0), r;
  if (op == 2 || op == 3) {
    int res;
    if (kind == S_F32) res = f80_compare_f32(&e, a, (uint32_t)le64((uint8_t[8]){b[0], b[1], b[2], b[3]}));
    else if (kind == S_F64) res = f80_compare_f64(&e, a, le64(b));
    else {
      F80 v = kind == S_I32 ? f80_from_i32((int32_t)(b[0] | b[1] << 8 | b[2] << 16 | (uint32_t)b[3] << 24))
                            : f80_from_i16((int16_t)(b[0] | b[1] << 8));
      res = f80_compare(&e, a, v, false);
    }
    compare_pop(c, &e, res, op == 3);
    return;
  }
  if (kind == S_F32) r = f80_arith_f32(&e, reg_op[op], a, (uint32_t)le64((uint8_t[8]){b[0], b[1], b[2], b[3]}));
  else if (kind == S_F64) r = f80_arith_f64(&e, reg_op[op], a, le64(b));
  else {
    F80 v = kind == S_I32 ? f80_from_i32((int32_t)(b[0] | b[1] << 8 | b[2] << 16 | (uint32_t)b[3] << 24))
                          : f80_from_i16((int16_t)(b[0] | b[1] << 8));
    r = arith(&e, reg_op[op], a, v);
  }
  if (!f80_must_not_write(&e, false)) st_set(f, 0, r);
  env_end(c, &e);
}

/* ---- environment ---------------------------------------------------------------- */

/* FSTENV/FLDENV image: 14 bytes (16-bit) or 28 bytes (32-bit), in the
 * real-mode layout (linear instruction/operand addresses) or the protected
 * one (offset and selector). */
static int env_size(const Insn *in) { return in->size == 4 ? 28 : 14; }

static void env_store(Cpu *c, const Insn *in, uint8_t *b) {
  X87 *f = &c->fpu;
  bool pm = cpu_pm(c);
  uint16_t tw = full_tag_word(f);
  if (in->size == 4) {
    put_le(b, 0xFFFF0000u | f->cw, 4);
    put_le(b + 4, 0xFFFF0000u | f->sw, 4);
    put_le(b + 8, 0xFFFF0000u | tw, 4);
    if (pm) {
      put_le(b + 12, f->fip, 4);
      put_le(b + 16, (uint32_t)f->fcs | (uint32_t)(f->fop & 0x7FF) << 16, 4);
      put_le(b + 20, f->fdp, 4);
      put_le(b + 24, 0xFFFF0000u | f->fds, 4);
    } else {
      uint32_t ip = f->fip + ((uint32_t)f->fcs << 4), dp = f->fdp + ((uint32_t)f->fds << 4);
      put_le(b + 12, 0xFFFF0000u | (ip & 0xFFFF), 4);
      put_le(b + 16, (ip >> 16) << 12 | (f->fop & 0x7FF), 4);
      put_le(b + 20, 0xFFFF0000u | (dp & 0xFFFF), 4);
      put_le(b + 24, (dp >> 16) << 12, 4);
    }
  } else {
    put_le(b, f->cw, 2);
    put_le(b + 2, f->sw, 2);
    put_le(b + 4, tw, 2);
    if (pm) {
      put_le(b + 6, f->fip, 2);
      put_le(b + 8, f->fcs, 2);
      put_le(b + 10, f->fdp, 2);
      put_le(b + 12, f->fds, 2);
    } else {
      uint32_t ip = f->fip + ((uint32_t)f->fcs << 4), dp = f->fdp + ((uint32_t)f->fds << 4);
      put_le(b + 6, ip, 2);
      put_le(b + 8, ((ip >> 16) & 0xF) << 12 | (f->fop & 0x7FF), 2);
      put_le(b + 10, dp, 2);
      put_le(b + 12, ((dp >> 16) & 0xF) << 12, 2);
    }
  }
}

static void env_load(Cpu *c, const Insn *in, const uint8_t *b) {
  X87 *f = &c->fpu;
  bool pm = cpu_pm(c);
  uint16_t tw;
  if (in->size == 4) {
    f->cw = (uint16_t)(b[0] | b[1] << 8);
    f->sw = (uint16_t)(b[4] | b[5] << 8);
    tw = (uint16_t)(b[8] | b[9] << 8);
    uint32_t w3 = (uint32_t)le64((uint8_t[8]){b[12], b[13], b[14], b[15]});
    uint32_t w4 = (uint32_t)le64((uint8_t[8]){b[16], b[17], b[18], b[19]});
    uint32_t w5 = (uint32_t)le64((uint8_t[8]){b[20], b[21], b[22], b[23]});
    uint32_t w6 = (uint32_t)le64((uint8_t[8]){b[24], b[25], b[26], b[27]});
    if (pm) {
      f->fip = w3, f->fcs = (uint16_t)w4, f->fop = (uint16_t)(w4 >> 16) & 0x7FF;
      f->fdp = w5, f->fds = (uint16_t)w6;
    } else {
      f->fip = (w3 & 0xFFFF) | ((w4 >> 12) & 0xFFFF) << 16, f->fcs = 0;
      f->fop = (uint16_t)(w4 & 0x7FF);
      f->fdp = (w5 & 0xFFFF) | ((w6 >> 12) & 0xFFFF) << 16, f->fds = 0;
    }
  } else {
    f->cw = (uint16_t)(b[0] | b[1] << 8);
    f->sw = (uint16_t)(b[2] | b[3] << 8);
    tw = (uint16_t)(b[4] | b[5] << 8);
    uint16_t w3 = (uint16_t)(b[6] | b[7] << 8), w4 = (uint16_t)(b[8] | b[9] << 8);
    uint16_t w5 = (uint16_t)(b[10] | b[11] << 8), w6 = (uint16_t)(b[12] | b[13] << 8);
    if (pm) {
      f->fip = w3, f->fcs = w4, f->fdp = w5, f->fds = w6;
    } else {
      f->fip = w3 | (uint32_t)(w4 >> 12) << 16, f->fcs = 0, f->fop = w4 & 0x7FF;
      f->fdp = w5 | (uint32_t)(w6 >> 12) << 16, f->fds = 0;
    }
  }
  f->full = 0;
  for (int p = 0; p < 8; p++)
    if (((tw >> (2 * p)) & 3) != X87_TAG_EMPTY) f->full |= (uint8_t)(1u << p);
  update_es(c);
}

static void fstenv(Cpu *c, const Insn *in) {
  int n = env_size(in);
  uint32_t lin = operand_lin(c, in, n, SEG_OK_W);
  uint8_t b[28];
  env_store(c, in, b);
  lin_put(c, lin, b, n);
  c->fpu.cw |= F80_EXC_MASK; /* FSTENV masks all exceptions */
  update_es(c);
}

static void fldenv(Cpu *c, const Insn *in) {
  int n = env_size(in);
  uint8_t b[28];
  lin_get(c, operand_lin(c, in, n, SEG_OK_R), b, n);
  env_load(c, in, b);
}

static void fsave(Cpu *c, const Insn *in) {
  int n = env_size(in);
  uint32_t lin = operand_lin(c, in, n + 80, SEG_OK_W);
  uint8_t b[108];
  env_store(c, in, b);
  for (int i = 0; i < 8; i++) f80_to_bytes(b + n + 10 * i, st(&c->fpu, i));
  lin_put(c, lin, b, n + 80);
  x87_reset(c);
}

static void frstor(Cpu *c, const Insn *in) {
  int n = env_size(in);
  uint8_t b[108];
  lin_get(c, operand_lin(c, in, n + 80, SEG_OK_R), b, n + 80);
  env_load(c, in, b);
  for (int i = 0; i < 8; i++) c->fpu.st[phys(&c->fpu, i)] = f80_from_bytes(b + n + 10 * i);
}

/* ---- the D9 register forms ----------------------------------------------------------- */

/* The constants to 68 bits: significand (64), the next 4 bits, exponent. */
static const struct { uint64_t mant; uint8_t extra; uint16_t exp; } consts[7] = {
  {0x8000000000000000ull, 0x0, 0x3FFF}, /* 1 */
  {0xD49A784BCD1B8AFEull, 0x4, 0x4000}, /* log2(10) */
  {0xB8AA3B295C17F0BBull, 0xB, 0x3FFF}, /* log2(e) */
  {0xC90FDAA22168C234ull, 0xC, 0x4000}, /* pi */
  {0x9A209A84FBCFF798ull, 0x8, 0x3FFD}, /* log10(2) */
  {0xB17217F7D1CF79ABull, 0xC, 0x3FFE}, /* ln(2) */
  {0, 0, 0},                            /* +0 */
};

static F80 constant(int rc, int k) {
  uint64_t m = consts[k].mant;
  uint8_t x = consts[k].extra;
  bool up = rc == F80_RC_NEAREST ? (x & 8) != 0 : rc == F80_RC_UP ? x != 0 : false;
  return f80_make(consts[k].exp, m + up);
}

/* One-operand ST0 functions. */
static void unary(Cpu *c, int which) {
  X87 *f = &c->fpu;
  F80Env e;
  env_start(c, &e);
  if (empty(f, 0)) {
    if (which == 4 || which == 5) e.sw &= (uint16_t)~F80_C2; /* FSIN FCOS */
    if (stack_fault(c, &e, false)) st_set(f, 0, f80_indefinite);
    env_end(c, &e);
    return;
  }
  F80 a = st(f, 0), r;
  switch (which) {
  case 0: r = f80_chs(a); set_c1(&e, false); break;
  case 1: r = f80_abs(a); set_c1(&e, false); break;
  case 2: r = f80_sqrt(&e, a); break;
  case 3: r = f80_rndint(&e, a); break;
  case 4: r = f80_sin(&e, a); break;
  case 5: r = f80_cos(&e, a); break;
  default: r = f80_2xm1(&e, a); break;
  }
  if (!f80_must_not_write(&e, false)) st_set(f, 0, r);
  env_end(c, &e);
}

/* ST1 = fn(ST1, ST0), pop (FPATAN, FYL2X, FYL2XP1); or ST0 = fn(ST0, ST1)
 * without pop (FPREM, FPREM1, FSCALE). */
static void binary(Cpu *c, int which) {
  X87 *f = &c->fpu;
  F80Env e;
  env_start(c, &e);
  bool pops = which <= 2;
  int dst = pops ? 1 : 0;
  if (empty(f, 0) || empty(f, 1)) {
    if (which == 3 || which == 4) e.sw &= (uint16_t)~F80_C2;
    if (!stack_fault(c, &e, false)) { env_end(c, &e); return; }
    st_set(f, dst, f80_indefinite);
    env_end(c, &e);
    if (pops) fpop(f);
    return;
  }
  F80 a = st(f, 0), b = st(f, 1), r;
  uint16_t c03 = e.sw & (F80_C0 | F80_C3);
  switch (which) {
  case 0: r = f80_atan2(&e, b, a); break;
  case 1: r = f80_yl2x(&e, b, a); break;
  case 2: r = f80_yl2xp1(&e, b, a); break;
  case 3: r = f80_prem(&e, a, b); break;
  case 4: r = f80_prem1(&e, a, b); break;
  default: r = f80_scale(&e, a, b); break;
  }
  /* FPREM/FPREM1 on NaN or invalid operands leave C0 and C3 alone */
  if ((which == 3 || which == 4) &&
      ((e.raised & F80_IE) || f80_kind(r) == K_QNAN || f80_must_not_write(&e, false)))
    e.sw = (uint16_t)((e.sw & ~(F80_C0 | F80_C3)) | c03);
  if (f80_must_not_write(&e, false)) { env_end(c, &e); return; }
  st_set(f, dst, r);
  env_end(c, &e);
  if (pops) fpop(f);
}

/* FXTRACT, FPTAN, FSINCOS: ST0 replaced and one value pushed. */
static void two_results(Cpu *c, int which) {
  X87 *f = &c->fpu;
  F80Env e;
  env_start(c, &e);
  if (empty(f, 0) || !empty(f, 7)) {
    bool over = !empty(f, 0);
    if (which) e.sw &= (uint16_t)~F80_C2; /* FPTAN FSINCOS */
    if (stack_fault(c, &e, over)) {
      st_set(f, 0, f80_indefinite);
      fpush(f, f80_indefinite);
    }
    env_end(c, &e);
    return;
  }
  F80 a = st(f, 0), r0, r1;
  switch (which) {
  case 0: f80_xtract(&e, a, &r0, &r1); break;
  case 1:
    r0 = f80_tan(&e, a);
    r1 = f80_kind(r0) == K_QNAN ? r0 : f80_from_i16(1); /* a NaN is pushed twice */
    break;
  default: f80_sincos(&e, a, &r0, &r1); break;
  }
  if (f80_must_not_write(&e, false)) { env_end(c, &e); return; }
  if (which && (e.sw & F80_C2)) { env_end(c, &e); return; } /* out of range */
  st_set(f, 0, r0);
  fpush(f, r1);
  env_end(c, &e);
}

static void d9_reg(Cpu *c, const Insn *in) {
  X87 *f = &c->fpu;
  F80Env e;
  int i = in->rm;
  switch (in->reg) {
  case 0: /* FLD ST(i) */
    env_start(c, &e);
    set_c1(&e, false);
    if (empty(f, i)) {
      if (stack_fault(c, &e, false)) fpush(f, f80_indefinite);
    } else if (!empty(f, 7)) {
      if (stack_fault(c, &e, true)) fpush(f, f80_indefinite);
    } else {
      fpush(f, st(f, i));
    }
    env_end(c, &e);
    return;
  case 1: { /* FXCH ST(i) */
    env_start(c, &e);
    set_c1(&e, false);
    if (empty(f, 0) || empty(f, i)) {
      if (!stack_fault(c, &e, false)) { env_end(c, &e); return; }
      if (empty(f, 0)) st_set(f, 0, f80_indefinite);
      if (empty(f, i)) st_set(f, i, f80_indefinite);
    }
    F80 t = st(f, 0);
    st_set(f, 0, st(f, i));
    st_set(f, i, t);
    env_end(c, &e);
    return;
  }
  case 2:
    if (i != 0) cpu_fault(c, EXC_UD, -1);
    return; /* FNOP */
  case 3: /* FSTP1 ST(i): a reserved alias of FSTP ST(i) that does not
            * check for an empty ST0 (then it only pops) */
    if (!empty(f, 0)) st_set(f, i, st(f, 0));
    f->sw &= (uint16_t)~F80_C1;
    fpop(f);
    return;
  case 4:
    switch (i) {
    case 0: unary(c, 0); return;
    case 1: unary(c, 1); return;
    case 4: case 5:
      env_start(c, &e);
      if (empty(f, 0)) {
        if (i == 4) {
          stack_fault(c, &e, false);
          set_cmp_cc(&e, F80_CMP_UN);
        } else {
          e.sw = (uint16_t)((e.sw & ~F80_CC_MASK) | F80_C3 | F80_C0 |
                            (st(f, 0).sign_exp & 0x8000 ? F80_C1 : 0));
        }
      } else if (i == 4) {
        f80_tst(&e, st(f, 0));
      } else {
        f80_xam_env(&e, st(f, 0));
      }
      env_end(c, &e);
      return;
    default: cpu_fault(c, EXC_UD, -1);
    }
  case 5:
    if (i == 7) cpu_fault(c, EXC_UD, -1);
    env_start(c, &e);
    set_c1(&e, false);
    if (!empty(f, 7)) {
      if (stack_fault(c, &e, true)) fpush(f, f80_indefinite);
    } else {
      fpush(f, constant((f->cw >> F80_RC_SHIFT) & 3, i));
    }
    env_end(c, &e);
    return;
  case 6:
    switch (i) {
    case 0: unary(c, 6); return;            /* F2XM1 */
    case 1: binary(c, 1); return;           /* FYL2X */
    case 2: two_results(c, 1); return;      /* FPTAN */
    case 3: binary(c, 0); return;           /* FPATAN */
    case 4: two_results(c, 0); return;      /* FXTRACT */
    case 5: binary(c, 4); return;           /* FPREM1 */
    case 6: case 7:                         /* FDECSTP FINCSTP */
      set_top(f, top(f) + (i == 6 ? -1 : 1));
      f->sw &= (uint16_t)~F80_C1;
      return;
    }
    return;
  default:
    switch (i) {
    case 0: binary(c, 3); return;           /* FPREM */
    case 1: binary(c, 2); return;           /* FYL2XP1 */
    case 2: unary(c, 2); return;            /* FSQRT */
    case 3: two_results(c, 2); return;      /* FSINCOS */
    case 4: unary(c, 3); return;            /* FRNDINT */
    case 5: binary(c, 5); return;           /* FSCALE */
    case 6: unary(c, 4); return;            /* FSIN */
    default: unary(c, 5); return;           /* FCOS */
    }
  }
}

/* FST/FSTP ST(i). */
static void fst_reg(Cpu *c, int i, bool popit) {
  X87 *f = &c->fpu;
  F80Env e;
  env_start(c, &e);
  set_c1(&e, false);
  if (empty(f, 0)) {
    if (!stack_fault(c, &e, false)) { env_end(c, &e); return; }
    st_set(f, i, f80_indefinite);
  } else {
    st_set(f, i, st(f, 0));
  }
  env_end(c, &e);
  if (popit) fpop(f);
}

static void fcmov(Cpu *c, int i, bool cond) {
  X87 *f = &c->fpu;
  F80Env e;
  env_start(c, &e);
  if (empty(f, 0) || empty(f, i)) {
    if (stack_fault(c, &e, false)) st_set(f, 0, f80_indefinite); /* whatever the condition */
  } else if (cond) {
    st_set(f, 0, st(f, i));
  }
  env_end(c, &e);
}

static bool fcmov_cond(Cpu *c, int reg) {
  static const uint8_t cc[4] = {2, 4, 6, 10}; /* B, E, BE, P */
  return flags_cond(c, cc[reg & 3]);
}

/* ---- dispatch ---------------------------------------------------------------------- */

/* Instructions that do not check for a pending exception (FNxxx), and the
 * control instructions that leave FIP/FOP/FDP alone. */
static bool no_wait(const Insn *in) {
  int esc = in->op & 7;
  if (in->mod != 3) {
    return (esc == 1 && in->reg >= 6) || (esc == 5 && in->reg >= 6);
  }
  return (esc == 3 && in->reg == 4 && in->rm <= 4) ||
         (esc == 7 && in->reg == 4 && in->rm == 0);
}

static bool is_control(const Insn *in) {
  int esc = in->op & 7;
  if (in->mod != 3) return (esc == 1 && in->reg >= 4) || (esc == 5 && (in->reg == 4 || in->reg >= 6));
  return (esc == 3 && in->reg == 4) || (esc == 7 && in->reg == 4 && in->rm == 0);
}

void x87_exec(Cpu *c, const Insn *in) {
  X87 *f = &c->fpu;
  int esc = in->op & 7;
  if (!no_wait(in) && !x87_check_pending(c)) return;
  if (!is_control(in)) {
    f->fop = (uint16_t)(esc << 8 | in->mod << 6 | in->reg << 3 | in->rm);
    f->fcs = c->seg[SEG_CS].sel;
    f->fip = c->insn_eip;
    if (in->mod != 3) {
      f->fds = c->seg[in->seg].sel;
      f->fdp = ea_offset(c, in);
    }
  }
  if (in->mod != 3) {
    switch (esc << 3 | in->reg) {
    case 000: case 001: case 002: case 003: case 004: case 005: case 006: case 007:
      arith_mem(c, in, S_F32); return;
    case 010: load_push(c, in, S_F32); return;
    case 012: store_mem(c, in, S_F32, false); return;
    case 013: store_mem(c, in, S_F32, true); return;
    case 014: fldenv(c, in); return;
    case 015: {
      uint16_t cw = (uint16_t)mem_read(c, in->seg, ea_offset(c, in), 2);
      f->cw = (uint16_t)(cw | 0x0040); /* bit 6 reads as one */
      update_es(c);
      return;
    }
    case 016: fstenv(c, in); return;
    case 017: mem_write(c, in->seg, ea_offset(c, in), 2, f->cw); return;
    case 020: case 021: case 022: case 023: case 024: case 025: case 026: case 027:
      arith_mem(c, in, S_I32); return;
    case 030: load_push(c, in, S_I32); return;
    case 032: store_mem(c, in, S_I32, false); return;
    case 033: store_mem(c, in, S_I32, true); return;
    case 035: load_push(c, in, S_F80); return;
    case 037: store_mem(c, in, S_F80, true); return;
    case 040: case 041: case 042: case 043: case 044: case 045: case 046: case 047:
      arith_mem(c, in, S_F64); return;
    case 050: load_push(c, in, S_F64); return;
    case 052: store_mem(c, in, S_F64, false); return;
    case 053: store_mem(c, in, S_F64, true); return;
    case 054: frstor(c, in); return;
    case 056: fsave(c, in); return;
    case 057: mem_write(c, in->seg, ea_offset(c, in), 2, f->sw); return;
    case 060: case 061: case 062: case 063: case 064: case 065: case 066: case 067:
      arith_mem(c, in, S_I16); return;
    case 070: load_push(c, in, S_I16); return;
    case 072: store_mem(c, in, S_I16, false); return;
    case 073: store_mem(c, in, S_I16, true); return;
    case 074: load_push(c, in, S_BCD); return;
    case 075: load_push(c, in, S_I64); return;
    case 076: store_mem(c, in, S_BCD, true); return;
    case 077: store_mem(c, in, S_I64, true); return;
    default: cpu_fault(c, EXC_UD, -1); /* FISTTP (SSE3) and reserved */
    }
  }
  int i = in->rm, reg = in->reg;
  switch (esc) {
  case 0:
    if (reg == 2 || reg == 3) com_reg(c, i, false, reg == 3);
    else arith_reg(c, reg_op[reg], 0, i, 0);
    return;
  case 1: d9_reg(c, in); return;
  case 2:
    if (reg < 4) fcmov(c, i, fcmov_cond(c, reg));
    else if (reg == 5 && i == 1) com_reg(c, 1, true, 2); /* FUCOMPP */
    else cpu_fault(c, EXC_UD, -1);
    return;
  case 3:
    if (reg < 4) fcmov(c, i, !fcmov_cond(c, reg));
    else if (reg == 5) comi(c, i, true, false);
    else if (reg == 6) comi(c, i, false, false);
    else if (reg == 4 && i == 2) { /* FNCLEX */
      f->sw &= (uint16_t)~(F80_EXC_MASK | X87_SW_SF | X87_SW_ES | X87_SW_B);
      update_es(c);
    } else if (reg == 4 && i == 3) {
      x87_reset(c); /* FNINIT */
    } else if (reg == 4 && (i == 0 || i == 1 || i == 4)) {
      /* FNENI, FNDISI, FSETPM: no-ops since the 80387 */
    } else {
      cpu_fault(c, EXC_UD, -1);
    }
    return;
  case 4:
    if (reg == 2 || reg == 3) com_reg(c, i, false, reg == 3);
    else arith_reg(c, reg_op[reg >= 4 ? reg ^ 1 : reg], i, 0, 0);
    return;
  case 5:
    switch (reg) {
    case 0: /* FFREE */
      f->full &= (uint8_t)~(1u << phys(f, i));
      f->sw &= (uint16_t)~F80_C1;
      return;
    case 1: d9_reg(c, &(Insn){.rm = in->rm, .reg = 1, .mod = 3}); return; /* FXCH4 */
    case 2: fst_reg(c, i, false); return;
    case 3: fst_reg(c, i, true); return;
    case 4: com_reg(c, i, true, 0); return;
    case 5: com_reg(c, i, true, 1); return;
    default: cpu_fault(c, EXC_UD, -1);
    }
  case 6:
    if (reg == 2) com_reg(c, i, false, 1);
    else if (reg == 3) {
      if (i != 1) cpu_fault(c, EXC_UD, -1);
      com_reg(c, 1, false, 2); /* FCOMPP */
    } else {
      arith_reg(c, reg_op[reg >= 4 ? reg ^ 1 : reg], i, 0, 1);
    }
    return;
  default:
    switch (reg) {
    case 0: /* FFREEP */
      f->full &= (uint8_t)~(1u << phys(f, i));
      f->sw &= (uint16_t)~F80_C1;
      fpop(f);
      return;
    case 1: d9_reg(c, &(Insn){.rm = in->rm, .reg = 1, .mod = 3}); return; /* FXCH7 */
    case 2: case 3: fst_reg(c, i, true); return;                          /* FSTP8/9 */
    case 4:
      if (i != 0) cpu_fault(c, EXC_UD, -1);
      reg_set(c, EAX, 2, f->sw); /* FNSTSW AX */
      return;
    case 5: comi(c, i, true, true); return;
    case 6: comi(c, i, false, true); return;
    default: cpu_fault(c, EXC_UD, -1);
    }
  }
}

/* ---- FXSAVE / FXRSTOR ------------------------------------------------------------------ */

static uint32_t fxsr_lin(Cpu *c, const Insn *in, int acc) {
  if (c->cr[0] & (CR0_EM | CR0_TS)) cpu_fault(c, EXC_NM, -1);
  uint32_t lin = operand_lin(c, in, 512, acc);
  if (lin & 15) cpu_fault(c, EXC_GP, 0);
  return lin;
}

void fxsave(Cpu *c, const Insn *in) {
  X87 *f = &c->fpu;
  uint32_t lin = fxsr_lin(c, in, SEG_OK_W);
  uint8_t b[160];
  memset(b, 0, sizeof b);
  put_le(b, f->cw, 2);
  put_le(b + 2, f->sw, 2);
  b[4] = f->full;
  put_le(b + 6, f->fop & 0x7FF, 2);
  put_le(b + 8, f->fip, 4);
  put_le(b + 12, f->fcs, 2);
  put_le(b + 16, f->fdp, 4);
  put_le(b + 20, f->fds, 2);
  for (int i = 0; i < 8; i++) f80_to_bytes(b + 32 + 16 * i, st(f, i));
  lin_put(c, lin, b, 160);
}

void fxrstor(Cpu *c, const Insn *in) {
  X87 *f = &c->fpu;
  uint32_t lin = fxsr_lin(c, in, SEG_OK_R);
  uint8_t b[160];
  lin_get(c, lin, b, 160);
  f->cw = (uint16_t)(b[0] | b[1] << 8);
  f->sw = (uint16_t)(b[2] | b[3] << 8);
  f->full = b[4];
  f->fop = (uint16_t)(b[6] | b[7] << 8) & 0x7FF;
  f->fip = (uint32_t)le64((uint8_t[8]){b[8], b[9], b[10], b[11]});
  f->fcs = (uint16_t)(b[12] | b[13] << 8);
  f->fdp = (uint32_t)le64((uint8_t[8]){b[16], b[17], b[18], b[19]});
  f->fds = (uint16_t)(b[20] | b[21] << 8);
  for (int i = 0; i < 8; i++) f->st[phys(f, i)] = f80_from_bytes(b + 32 + 16 * i);
  update_es(c);
}
