/* Multiplication and division. MUL/IMUL set CF=OF when the result does not
 * fit the lower half; SF/ZF/PF follow the low half and AF is cleared (the
 * SDM leaves them undefined). Division faults with #DE, before anything is
 * written, on a zero divisor or a quotient that does not fit. */
#include "cpu/exec.h"

static int64_t sext(uint32_t v, int size) {
  int shift = 32 - size * 8;
  return (int32_t)(v << shift) >> shift;
}

static inline void mul_flags(Cpu *c, uint32_t low, int size, bool overflow) {
  lazy_set(c, LF_MUL, size, low, overflow, low);
}

/* Write a double-width result: AX for bytes, DX:AX or EDX:EAX otherwise. */
static void set_wide(Cpu *c, int size, uint64_t v) {
  if (size == 1) {
    reg_set(c, EAX, 2, (uint32_t)v);
  } else {
    reg_set(c, EAX, size, (uint32_t)v);
    reg_set(c, EDX, size, (uint32_t)(v >> (size * 8)));
  }
}

static uint64_t get_wide(const Cpu *c, int size) {
  if (size == 1) return c->r[EAX] & 0xFFFF;
  return (uint64_t)reg_get(c, EDX, size) << (size * 8) | reg_get(c, EAX, size);
}

void mul_E(Cpu *c, const Insn *in) {
  int size = in->size;
  uint64_t r = (uint64_t)read_E(c, in) * reg_get(c, EAX, size);
  set_wide(c, size, r);
  mul_flags(c, (uint32_t)r, size, r >> (size * 8) != 0);
}

void imul_E(Cpu *c, const Insn *in) {
  int size = in->size;
  int64_t r = sext(read_E(c, in), size) * sext(reg_get(c, EAX, size), size);
  set_wide(c, size, (uint64_t)r);
  mul_flags(c, (uint32_t)r, size, r != sext((uint32_t)r, size));
}

static void imul_to_reg(Cpu *c, const Insn *in, uint32_t a, uint32_t b) {
  int size = in->size;
  int64_t r = sext(a, size) * sext(b, size);
  reg_set(c, in->reg, size, (uint32_t)r);
  mul_flags(c, (uint32_t)r, size, r != sext((uint32_t)r, size));
}

void imul_GE(Cpu *c, const Insn *in) { imul_to_reg(c, in, reg_get(c, in->reg, in->size), read_E(c, in)); }
void imul_GEI(Cpu *c, const Insn *in) { imul_to_reg(c, in, read_E(c, in), in->imm); }

/* The 32-bit forms (cpu/forms.def). */
static inline void imul32_to_reg(Cpu *c, const Insn *in, uint32_t a, uint32_t b) {
  int64_t r = (int64_t)(int32_t)a * (int32_t)b;
  c->r[in->reg] = (uint32_t)r;
  mul_flags(c, (uint32_t)r, 4, r != (int32_t)r);
}

void imul_GE_r32(Cpu *c, const Insn *in) { imul32_to_reg(c, in, c->r[in->reg], c->r[in->rm]); }
void imul_GEI_r32(Cpu *c, const Insn *in) { imul32_to_reg(c, in, c->r[in->rm], in->imm); }
void imul_GE_m32(Cpu *c, const Insn *in) {
  const uint8_t *p = ea32_host(c, in, 4, SEG_OK_R);
  if (UNLIKELY(!p)) imul_GE(c, in);
  else imul32_to_reg(c, in, c->r[in->reg], ld32(p));
}
void imul_GEI_m32(Cpu *c, const Insn *in) {
  const uint8_t *p = ea32_host(c, in, 4, SEG_OK_R);
  if (UNLIKELY(!p)) imul_GEI(c, in);
  else imul32_to_reg(c, in, ld32(p), in->imm);
}

void div_E(Cpu *c, const Insn *in) {
  int size = in->size;
  uint64_t divisor = read_E(c, in);
  if (!divisor) cpu_fault(c, EXC_DE, -1);
  uint64_t dividend = get_wide(c, size);
  uint64_t q = dividend / divisor, rem = dividend % divisor;
  if (q > size_mask(size)) cpu_fault(c, EXC_DE, -1);
  if (size == 1) reg_set(c, EAX, 2, (uint32_t)(rem << 8 | q));
  else {
    reg_set(c, EAX, size, (uint32_t)q);
    reg_set(c, EDX, size, (uint32_t)rem);
  }
}

void idiv_E(Cpu *c, const Insn *in) {
  int size = in->size;
  int64_t divisor = sext(read_E(c, in), size);
  if (!divisor) cpu_fault(c, EXC_DE, -1);
  uint64_t raw = get_wide(c, size);
  int64_t dividend = size == 4 ? (int64_t)raw : sext((uint32_t)raw, size * 2);
  /* INT64_MIN / -1 would trap on the host; its quotient overflows anyway. */
  if (size == 4 && dividend == INT64_MIN && divisor == -1) cpu_fault(c, EXC_DE, -1);
  int64_t q = dividend / divisor, rem = dividend % divisor;
  int64_t lim = (int64_t)1 << (size * 8 - 1);
  if (q >= lim || q < -lim) cpu_fault(c, EXC_DE, -1);
  if (size == 1) reg_set(c, EAX, 2, (uint32_t)((rem & 0xFF) << 8 | (q & 0xFF)));
  else {
    reg_set(c, EAX, size, (uint32_t)q);
    reg_set(c, EDX, size, (uint32_t)rem);
  }
}
