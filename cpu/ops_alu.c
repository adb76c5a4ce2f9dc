/* Two-operand arithmetic and logic, INC/DEC/NEG/NOT, the flag-only
 * instructions and the accumulator conversions (CBW/CWD/SALC/LAHF/SAHF).
 *
 * Every handler computes into a local LazyFlags and commits it only after
 * its last memory write, so a fault on that write leaves EFLAGS as it was. */
#include "cpu/exec.h"

enum { ALU_ADD, ALU_OR, ALU_ADC, ALU_SBB, ALU_AND, ALU_SUB, ALU_XOR, ALU_CMP };

static inline LazyFlags lazy(LazyOp op, int size, uint32_t a, uint32_t b, uint32_t res,
                             bool carry) {
  return (LazyFlags){.res = res, .a = a, .b = b, .op = (uint8_t)op,
                     .size = (uint8_t)size, .carry = carry};
}

/* a OP b at size; the flags it produces go to *lf. Inlined into each
 * per-operation handler below, where op is a constant. */
static inline __attribute__((always_inline)) uint32_t alu(Cpu *c, int op, int size, uint32_t a,
                                                          uint32_t b, LazyFlags *lf) {
  uint32_t m = size_mask(size), r;
  bool cin;
  switch (op) {
  case ALU_ADD: r = (a + b) & m; *lf = lazy(LF_ADD, size, a, b, r, 0); break;
  case ALU_OR: r = (a | b) & m; *lf = lazy(LF_LOGIC, size, a, b, r, 0); break;
  case ALU_ADC:
    cin = flags_cf(c);
    r = (a + b + cin) & m;
    *lf = lazy(LF_ADC, size, a, b, r, cin);
    break;
  case ALU_SBB:
    cin = flags_cf(c);
    r = (a - b - cin) & m;
    *lf = lazy(LF_SBB, size, a, b, r, cin);
    break;
  case ALU_AND: r = a & b & m; *lf = lazy(LF_LOGIC, size, a, b, r, 0); break;
  case ALU_XOR: r = (a ^ b) & m; *lf = lazy(LF_LOGIC, size, a, b, r, 0); break;
  default: /* SUB, CMP */ r = (a - b) & m; *lf = lazy(LF_SUB, size, a, b, r, 0); break;
  }
  return r;
}

/* The four operand forms of each operation: E,G  G,E  AL/eAX,imm  E,imm
 * (group 1). CMP writes nothing back. */
#define ALU_HANDLERS(name, op)                                                         \
  void name##_EG(Cpu *c, const Insn *in) {                                             \
    int size = in->size;                                                               \
    Loc l = loc_E(c, in, size, op == ALU_CMP ? SEG_OK_R : SEG_OK_RW);                  \
    LazyFlags lf;                                                                      \
    uint32_t r = alu(c, op, size, loc_read(c, l, size), reg_get(c, in->reg, size), &lf); \
    if (op != ALU_CMP) loc_write(c, l, size, r);                                       \
    c->lf = lf;                                                                        \
  }                                                                                    \
  void name##_GE(Cpu *c, const Insn *in) {                                             \
    int size = in->size;                                                               \
    LazyFlags lf;                                                                      \
    uint32_t r = alu(c, op, size, reg_get(c, in->reg, size), read_E(c, in), &lf);      \
    if (op != ALU_CMP) reg_set(c, in->reg, size, r);                                   \
    c->lf = lf;                                                                        \
  }                                                                                    \
  void name##_AI(Cpu *c, const Insn *in) {                                             \
    int size = in->size;                                                               \
    LazyFlags lf;                                                                      \
    uint32_t r = alu(c, op, size, reg_get(c, EAX, size), in->imm & size_mask(size), &lf); \
    if (op != ALU_CMP) reg_set(c, EAX, size, r);                                       \
    c->lf = lf;                                                                        \
  }                                                                                    \
  void name##_EI(Cpu *c, const Insn *in) {                                             \
    int size = in->size;                                                               \
    Loc l = loc_E(c, in, size, op == ALU_CMP ? SEG_OK_R : SEG_OK_RW);                  \
    LazyFlags lf;                                                                      \
    uint32_t r = alu(c, op, size, loc_read(c, l, size), in->imm & size_mask(size), &lf); \
    if (op != ALU_CMP) loc_write(c, l, size, r);                                       \
    c->lf = lf;                                                                        \
  }

/* Their forms with a register or a 32-bit-addressed memory operand of
 * size bytes (cpu/forms.def; r and m name them: r32/m32, r8/m8). A memory
 * form that cannot take the fast path runs the generic handler. */
#define ALU_FORM_HANDLERS(name, op, size, r, m)                                       \
  void name##_EG_##r(Cpu *c, const Insn *in) {                                        \
    LazyFlags lf;                                                                     \
    uint32_t a = reg_get(c, in->rm, size), b = reg_get(c, in->reg, size);           \
    uint32_t v = alu(c, op, size, a, b, &lf);                                         \
    if (op != ALU_CMP) reg_set(c, in->rm, size, v);                                   \
    c->lf = lf;                                                                       \
  }                                                                                   \
  void name##_EG_##m(Cpu *c, const Insn *in) {                                        \
    uint8_t *p = ea32_host(c, in, size, op == ALU_CMP ? SEG_OK_R : SEG_OK_RW);        \
    if (UNLIKELY(!p)) {                                                               \
      name##_EG(c, in);                                                               \
      return;                                                                         \
    }                                                                                 \
    LazyFlags lf;                                                                     \
    uint32_t a = host_read(p, size), b = reg_get(c, in->reg, size);                  \
    uint32_t v = alu(c, op, size, a, b, &lf);                                         \
    if (op != ALU_CMP) host_write(p, size, v);                                        \
    c->lf = lf;                                                                       \
  }                                                                                   \
  void name##_GE_##r(Cpu *c, const Insn *in) {                                        \
    LazyFlags lf;                                                                     \
    uint32_t a = reg_get(c, in->reg, size), b = reg_get(c, in->rm, size);           \
    uint32_t v = alu(c, op, size, a, b, &lf);                                         \
    if (op != ALU_CMP) reg_set(c, in->reg, size, v);                                  \
    c->lf = lf;                                                                       \
  }                                                                                   \
  void name##_GE_##m(Cpu *c, const Insn *in) {                                        \
    const uint8_t *p = ea32_host(c, in, size, SEG_OK_R);                              \
    if (UNLIKELY(!p)) {                                                               \
      name##_GE(c, in);                                                               \
      return;                                                                         \
    }                                                                                 \
    LazyFlags lf;                                                                     \
    uint32_t a = reg_get(c, in->reg, size), b = host_read(p, size);                  \
    uint32_t v = alu(c, op, size, a, b, &lf);                                         \
    if (op != ALU_CMP) reg_set(c, in->reg, size, v);                                  \
    c->lf = lf;                                                                       \
  }                                                                                   \
  void name##_EI_##r(Cpu *c, const Insn *in) {                                        \
    LazyFlags lf;                                                                     \
    uint32_t a = reg_get(c, in->rm, size), b = in->imm & size_mask(size);           \
    uint32_t v = alu(c, op, size, a, b, &lf);                                         \
    if (op != ALU_CMP) reg_set(c, in->rm, size, v);                                   \
    c->lf = lf;                                                                       \
  }                                                                                   \
  void name##_EI_##m(Cpu *c, const Insn *in) {                                        \
    uint8_t *p = ea32_host(c, in, size, op == ALU_CMP ? SEG_OK_R : SEG_OK_RW);        \
    if (UNLIKELY(!p)) {                                                               \
      name##_EI(c, in);                                                               \
      return;                                                                         \
    }                                                                                 \
    LazyFlags lf;                                                                     \
    uint32_t a = host_read(p, size), b = in->imm & size_mask(size);                  \
    uint32_t v = alu(c, op, size, a, b, &lf);                                         \
    if (op != ALU_CMP) host_write(p, size, v);                                        \
    c->lf = lf;                                                                       \
  }                                                                                   \
  void name##_AI_##r(Cpu *c, const Insn *in) {                                        \
    LazyFlags lf;                                                                     \
    uint32_t a = reg_get(c, EAX, size), b = in->imm & size_mask(size);              \
    uint32_t v = alu(c, op, size, a, b, &lf);                                         \
    if (op != ALU_CMP) reg_set(c, EAX, size, v);                                      \
    c->lf = lf;                                                                       \
  }

#define ALU_OPERATION(name, op)               \
  ALU_HANDLERS(name, op)                      \
  ALU_FORM_HANDLERS(name, op, 4, r32, m32)    \
  ALU_FORM_HANDLERS(name, op, 1, r8, m8)
ALU_OPERATION(add, ALU_ADD)
ALU_OPERATION(or, ALU_OR)
ALU_OPERATION(adc, ALU_ADC)
ALU_OPERATION(sbb, ALU_SBB)
ALU_OPERATION(and, ALU_AND)
ALU_OPERATION(sub, ALU_SUB)
ALU_OPERATION(xor, ALU_XOR)
ALU_OPERATION(cmp, ALU_CMP)

static inline void test(Cpu *c, int size, uint32_t a, uint32_t b) {
  c->lf = lazy(LF_LOGIC, size, a, b, a & b & size_mask(size), 0);
}

void test_EG(Cpu *c, const Insn *in) { test(c, in->size, read_E(c, in), reg_get(c, in->reg, in->size)); }
void test_AI(Cpu *c, const Insn *in) { test(c, in->size, reg_get(c, EAX, in->size), in->imm); }
void test_EI(Cpu *c, const Insn *in) { test(c, in->size, read_E(c, in), in->imm); }

void test_EG_r32(Cpu *c, const Insn *in) { test(c, 4, c->r[in->rm], c->r[in->reg]); }
void test_EI_r32(Cpu *c, const Insn *in) { test(c, 4, c->r[in->rm], in->imm); }
void test_EG_m32(Cpu *c, const Insn *in) {
  const uint8_t *p = ea32_host(c, in, 4, SEG_OK_R);
  if (UNLIKELY(!p)) test_EG(c, in);
  else test(c, 4, ld32(p), c->r[in->reg]);
}
void test_EI_m32(Cpu *c, const Insn *in) {
  const uint8_t *p = ea32_host(c, in, 4, SEG_OK_R);
  if (UNLIKELY(!p)) test_EI(c, in);
  else test(c, 4, ld32(p), in->imm);
}

/* INC and DEC keep CF: it is captured into the record as it stands now. */
static inline uint32_t incdec(Cpu *c, bool dec, int size, uint32_t a, LazyFlags *lf) {
  uint32_t r = (dec ? a - 1 : a + 1) & size_mask(size);
  *lf = lazy(dec ? LF_DEC : LF_INC, size, a, 1, r, flags_cf(c));
  return r;
}

static void incdec_r(Cpu *c, const Insn *in, bool dec) {
  LazyFlags lf;
  reg_set(c, in->aux, in->size, incdec(c, dec, in->size, reg_get(c, in->aux, in->size), &lf));
  c->lf = lf;
}

void inc_r(Cpu *c, const Insn *in) { incdec_r(c, in, false); }
void dec_r(Cpu *c, const Insn *in) { incdec_r(c, in, true); }

static void incdec_E(Cpu *c, const Insn *in, bool dec) {
  Loc l = loc_E(c, in, in->size, SEG_OK_RW);
  LazyFlags lf;
  loc_write(c, l, in->size, incdec(c, dec, in->size, loc_read(c, l, in->size), &lf));
  c->lf = lf;
}

void inc_E(Cpu *c, const Insn *in) { incdec_E(c, in, false); }
void dec_E(Cpu *c, const Insn *in) { incdec_E(c, in, true); }

/* The 32-bit forms (cpu/forms.def). */
void inc_r_r32(Cpu *c, const Insn *in) {
  LazyFlags lf;
  c->r[in->aux] = incdec(c, false, 4, c->r[in->aux], &lf);
  c->lf = lf;
}
void dec_r_r32(Cpu *c, const Insn *in) {
  LazyFlags lf;
  c->r[in->aux] = incdec(c, true, 4, c->r[in->aux], &lf);
  c->lf = lf;
}

static inline void incdec_E_m32(Cpu *c, const Insn *in, bool dec) {
  uint8_t *p = ea32_host(c, in, 4, SEG_OK_RW);
  if (UNLIKELY(!p)) {
    incdec_E(c, in, dec);
    return;
  }
  LazyFlags lf;
  st32(p, incdec(c, dec, 4, ld32(p), &lf));
  c->lf = lf;
}
void inc_E_m32(Cpu *c, const Insn *in) { incdec_E_m32(c, in, false); }
void dec_E_m32(Cpu *c, const Insn *in) { incdec_E_m32(c, in, true); }

void not_E(Cpu *c, const Insn *in) {
  Loc l = loc_E(c, in, in->size, SEG_OK_RW);
  loc_write(c, l, in->size, ~loc_read(c, l, in->size));
}

/* NEG is 0 - x, flags and all. */
void neg_E(Cpu *c, const Insn *in) {
  Loc l = loc_E(c, in, in->size, SEG_OK_RW);
  uint32_t a = loc_read(c, l, in->size);
  uint32_t r = (0 - a) & size_mask(in->size);
  loc_write(c, l, in->size, r);
  c->lf = lazy(LF_SUB, in->size, 0, a, r, 0);
}

/* Flag instructions. */
void clc(Cpu *c, const Insn *in) { (void)in; flags_set_arith(c, F_CF, 0); }
void stc(Cpu *c, const Insn *in) { (void)in; flags_set_arith(c, F_CF, F_CF); }
void cmc(Cpu *c, const Insn *in) {
  (void)in;
  flags_set_arith(c, F_CF, flags_cf(c) ? 0 : F_CF);
}
void cld(Cpu *c, const Insn *in) { (void)in; c->flags &= ~F_DF; }
void std(Cpu *c, const Insn *in) { (void)in; c->flags |= F_DF; }

/* LAHF/SAHF move SF ZF AF PF CF (bit 1 reads as 1). */
void lahf(Cpu *c, const Insn *in) {
  (void)in;
  reg_set(c, 4, 1, (cpu_get_flags(c) & 0xD5) | 2);
}
void sahf(Cpu *c, const Insn *in) {
  (void)in;
  flags_set_arith(c, F_SF | F_ZF | F_AF | F_PF | F_CF, reg_get(c, 4, 1));
}

/* SALC (undocumented, present on every Intel CPU): AL = CF ? 0xFF : 0. */
void salc(Cpu *c, const Insn *in) {
  (void)in;
  reg_set(c, EAX, 1, flags_cf(c) ? 0xFF : 0);
}

/* CBW / CWDE: sign-extend the lower half of the accumulator. */
void cbw(Cpu *c, const Insn *in) {
  if (in->size == 2) reg_set(c, EAX, 2, (uint32_t)(int32_t)(int8_t)c->r[EAX]);
  else c->r[EAX] = (uint32_t)(int32_t)(int16_t)c->r[EAX];
}

/* CWD / CDQ: fill DX/EDX with the accumulator's sign. */
void cwd(Cpu *c, const Insn *in) {
  uint32_t sign = reg_get(c, EAX, in->size) >> (in->size * 8 - 1);
  reg_set(c, EDX, in->size, sign ? 0xFFFFFFFFu : 0);
}
