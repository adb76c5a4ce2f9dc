/* Shared declarations of the soft-x87 differential test (tests/fpu). */
#ifndef HOLO86_TESTS_FPU_TEST_H
#define HOLO86_TESTS_FPU_TEST_H

#include <stdint.h>

#include "cpu/fpu/float80.h"

/* Host x87 reference (fpu_hw.c). Each call starts from FNINIT, loads cw,
 * runs one instruction and reports the status word it left. */
void hw_binary(int op, const F80 *a, const F80 *b, uint16_t cw, F80 *r, uint16_t *sw);
void hw_unary(int op, const F80 *a, uint16_t cw, F80 *r, uint16_t *sw);
void hw_xtract(const F80 *a, uint16_t cw, F80 *exp, F80 *sig, uint16_t *sw);
/* stores of ST0 = a to memory: STORE_* ops, writes up to 10 bytes */
void hw_store(int op, const F80 *a, uint16_t cw, uint8_t mem[10], uint16_t *sw);
/* loads from memory: LOAD_* ops */
void hw_load(int op, const uint8_t mem[10], uint16_t cw, F80 *r, uint16_t *sw);

/* ST0 = a (op) m32/m64 (dbl): MEM_* ops, in the order of F80ArithOp. */
void hw_mem_arith(int op, int dbl, const F80 *a, const void *mem, uint16_t cw, F80 *r,
                  uint16_t *sw);

/* The same with some exceptions unmasked: *st0 is the register stack top
 * after the instruction (the destination), memory as left by the store. */
void hw_binary_unmasked(int op, const F80 *a, const F80 *b, uint16_t cw, F80 *st0, uint16_t *sw);
void hw_unary_unmasked(int op, const F80 *a, uint16_t cw, F80 *st0, uint16_t *sw);
void hw_store_unmasked(int op, const F80 *a, uint16_t cw, uint8_t mem[10], uint16_t *sw);

enum { BIN_ADD, BIN_SUB, BIN_MUL, BIN_DIV, BIN_PREM, BIN_PREM1, BIN_SCALE, BIN_COM, BIN_UCOM };
enum { MEM_ADD, MEM_SUB, MEM_SUBR, MEM_MUL, MEM_DIV, MEM_DIVR, MEM_COM };
enum { UN_SQRT, UN_RNDINT, UN_TST, UN_XAM };
enum { ST_I16, ST_I32, ST_I64, ST_TI16, ST_TI32, ST_TI64, ST_F32, ST_F64, ST_BCD };
enum { LD_I16, LD_I32, LD_I64, LD_F32, LD_F64, LD_BCD };

/* Operand generator (fpu_gen.c); deterministic for a given seed. */
void gen_seed(uint64_t seed);
uint64_t gen_u64(void);
unsigned gen_below(unsigned n);
F80 gen_f80(void);                /* any encoding, weighted towards edge cases */
F80 gen_near(F80 a, int spread);  /* finite value with exponent within spread of a */
F80 gen_f80_range(int lo_exp, int hi_exp); /* normal, biased exponent in [lo, hi] */
void gen_exact_quotient(F80 *a, F80 *b); /* a/b exact or halfway at some precision */
F80 gen_square(void);             /* exact square of a short significand */
uint32_t gen_f32_bits(void);
uint64_t gen_f64_bits(void);
void gen_bcd(uint8_t bcd[10]);
F80 gen_integer_valued(int bits); /* around the range of an integer type */

/* Instruction-level differential test of holo86's x87/MMX (insn_diff.c):
 * about `cases` cases, adds to *pass / *fail. */
void insn_diff_run(long cases, int max_printed, long *pass, long *fail);

#endif
