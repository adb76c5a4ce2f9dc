/* Portable x87 80-bit extended-precision arithmetic, bit-exact with a P6-or-later
 * Intel x87 (results, the six exception flags and the condition codes).
 *
 * Only integer arithmetic is used (no host x87, no long double, no __int128):
 * the emulator must give the same answers on any host.
 *
 * Conventions
 *  - F80 is the in-memory layout of an x87 register: 64-bit significand with an
 *    explicit integer bit, then sign (bit 15) and 15-bit biased exponent.
 *  - F80Env carries the x87 control word in and the status bits out, in the
 *    exact bit positions of FCW/FSW so the CPU core can copy them directly.
 *  - Every operation ORs the exceptions it raises into env->sw (they are
 *    sticky, like FSW), and also records them alone in env->raised.
 *  - Operations define C1 (0, or 1 when the result was rounded up in
 *    magnitude); compare/FXAM/FPREM also define C0/C2/C3. Condition bits an
 *    operation leaves undefined are left unchanged.
 *  - Masked exceptions give the hardware's default response. For unmasked
 *    exceptions: if f80_must_not_write() is true after the call, the
 *    destination must be left untouched (invalid, divide-by-zero, denormal
 *    operand, and for memory stores also overflow/underflow); unmasked
 *    overflow/underflow on register results return the rounded value with the
 *    exponent wrapped by 24576 (0x6000) as the x87 delivers it to the handler.
 *    Raising #MF is the caller's business (check env->raised & ~mask).
 */
#ifndef HOLO86_CPU_FPU_FLOAT80_H
#define HOLO86_CPU_FPU_FLOAT80_H

#include <stdbool.h>
#include <stdint.h>

typedef struct {
    uint64_t mant;      /* explicit integer bit in bit 63 */
    uint16_t sign_exp;  /* bit 15 sign, bits 14..0 biased exponent (bias 16383) */
} F80;

/* FSW bits. */
enum {
    F80_IE = 0x0001, /* invalid operation */
    F80_DE = 0x0002, /* denormal operand */
    F80_ZE = 0x0004, /* divide by zero */
    F80_OE = 0x0008, /* overflow */
    F80_UE = 0x0010, /* underflow */
    F80_PE = 0x0020, /* precision (inexact) */
    F80_EXC_MASK = 0x003F,
    F80_C0 = 0x0100,
    F80_C1 = 0x0200,
    F80_C2 = 0x0400,
    F80_C3 = 0x4000,
    F80_CC_MASK = F80_C0 | F80_C1 | F80_C2 | F80_C3,
};

/* FCW fields. */
enum {
    F80_PC_SHIFT = 8, F80_PC_24 = 0, F80_PC_53 = 2, F80_PC_64 = 3,
    F80_RC_SHIFT = 10, F80_RC_NEAREST = 0, F80_RC_DOWN = 1, F80_RC_UP = 2, F80_RC_ZERO = 3,
    F80_CW_DEFAULT = 0x037F, /* FNINIT value: all masked, 64-bit, nearest */
};

typedef struct {
    uint16_t cw;     /* in: control word (masks bits 0-5, PC 8-9, RC 10-11) */
    uint16_t sw;     /* in/out: sticky exception bits and C0-C3 */
    uint16_t raised; /* out: exceptions raised by the last operation only */
} F80Env;

/* Result of a comparison. */
enum { F80_CMP_LT = 0, F80_CMP_EQ = 1, F80_CMP_GT = 2, F80_CMP_UN = 3 };

/* Useful constants. */
extern const F80 f80_indefinite; /* FFFF C000000000000000: masked invalid result */

static inline F80 f80_make(uint16_t sign_exp, uint64_t mant)
{
    F80 r = { mant, sign_exp };
    return r;
}

void f80_env_init(F80Env *env, uint16_t cw);
/* True when the last operation raised an unmasked exception that suppresses
 * the write of the destination (store_to_memory: FST/FIST/FBSTP). */
bool f80_must_not_write(const F80Env *env, bool store_to_memory);

/* Basic arithmetic: precision control (PC) and rounding control (RC) apply. */
F80 f80_add(F80Env *env, F80 a, F80 b);
F80 f80_sub(F80Env *env, F80 a, F80 b); /* a - b */
F80 f80_mul(F80Env *env, F80 a, F80 b);
F80 f80_div(F80Env *env, F80 a, F80 b); /* a / b */
F80 f80_sqrt(F80Env *env, F80 a);

/* The six forms of the arithmetic instructions, as one operation code. */
typedef enum {
    F80_OP_ADD, F80_OP_SUB, F80_OP_SUBR, F80_OP_MUL, F80_OP_DIV, F80_OP_DIVR
} F80ArithOp;

/* FADD/FSUB/FSUBR/FMUL/FDIV/FDIVR ST0, m32fp/m64fp. Not the same as
 * converting the operand first: an SNaN in memory must still lose against a
 * QNaN in ST0, and a denormal float operand (normal once widened) still
 * raises DE. Integer operands (FIADD...) convert exactly: use
 * f80_from_i32() and the register functions. */
F80 f80_arith_f32(F80Env *env, F80ArithOp op, F80 st0, uint32_t m32);
F80 f80_arith_f64(F80Env *env, F80ArithOp op, F80 st0, uint64_t m64);
/* FCOM m32fp/m64fp */
int f80_compare_f32(F80Env *env, F80 st0, uint32_t m32);
int f80_compare_f64(F80Env *env, F80 st0, uint64_t m64);

/* FPREM (truncating quotient) and FPREM1 (IEEE, nearest quotient) of a=ST0 by
 * b=ST1. Sets C2 when the reduction is incomplete, else C0/C3/C1 = Q2/Q1/Q0. */
F80 f80_prem(F80Env *env, F80 a, F80 b);
F80 f80_prem1(F80Env *env, F80 a, F80 b);
F80 f80_rndint(F80Env *env, F80 a);           /* FRNDINT, by RC */
F80 f80_scale(F80Env *env, F80 a, F80 b);     /* FSCALE: a * 2^trunc(b) */
/* FXTRACT: *exponent goes to ST1, *significand to ST0. */
void f80_xtract(F80Env *env, F80 a, F80 *exponent, F80 *significand);

/* FCOM (quiet=false: any NaN is invalid) / FUCOM (quiet=true: only SNaN).
 * Sets C3/C2/C0 as FCOM does, clears C1, returns F80_CMP_*. The same result
 * drives FCOMI/FUCOMI (ZF=C3, PF=C2, CF=C0). */
int f80_compare(F80Env *env, F80 a, F80 b, bool quiet);
int f80_tst(F80Env *env, F80 a);              /* FTST: compare with +0.0 */
/* FXAM class in C3/C2/C0 with C1 = sign (C0..C3 in FSW positions). The
 * caller handles an empty register (C3|C0, C1 = sign). */
uint16_t f80_xam(F80 a);
void f80_xam_env(F80Env *env, F80 a);         /* same, written into env->sw */

F80 f80_chs(F80 a);
F80 f80_abs(F80 a);

/* Integer conversions. Loads are exact and raise nothing (FILD and FBLD
 * just clear C1, which is the caller's job as these take no env). Stores round by RC (or truncate, for
 * FISTTP); out-of-range/NaN/infinity give the integer indefinite and IE. */
F80 f80_from_i64(int64_t v);
F80 f80_from_i32(int32_t v);
F80 f80_from_i16(int16_t v);
int64_t f80_to_i64(F80Env *env, F80 a, bool truncate);
int32_t f80_to_i32(F80Env *env, F80 a, bool truncate);
int16_t f80_to_i16(F80Env *env, F80 a, bool truncate);

/* IEEE single/double (raw bit patterns). Loads: SNaN -> IE and quieted,
 * denormal -> DE. Stores round by RC to the destination format. */
F80 f80_from_f32(F80Env *env, uint32_t v);
F80 f80_from_f64(F80Env *env, uint64_t v);
uint32_t f80_to_f32(F80Env *env, F80 a);
uint64_t f80_to_f64(F80Env *env, F80 a);

/* Packed BCD (FBLD/FBSTP): 18 digits, bytes 0..8 low digit first, byte 9
 * bit 7 = sign. */
F80 f80_from_bcd(const uint8_t bcd[10]);
void f80_to_bcd(F80Env *env, F80 a, uint8_t bcd[10]);

/* Transcendentals (float80_trans.c). Computed with about 128 bits of internal
 * precision and rounded once by RC to 64 bits (precision control does not
 * apply to them, as on the hardware). FSIN/FCOS/FPTAN reduce the argument
 * with the 66-bit approximation of pi the x87 uses; for |a| >= 2^63 they set
 * C2 and return a unchanged, otherwise clear C2. */
F80 f80_sin(F80Env *env, F80 a);
F80 f80_cos(F80Env *env, F80 a);
void f80_sincos(F80Env *env, F80 a, F80 *sin_out, F80 *cos_out);
F80 f80_tan(F80Env *env, F80 a);              /* FPTAN's ST0 (1.0 pushed by the caller) */
F80 f80_atan2(F80Env *env, F80 y, F80 x);     /* FPATAN: y = ST1, x = ST0 */
F80 f80_2xm1(F80Env *env, F80 a);             /* F2XM1 */
F80 f80_yl2x(F80Env *env, F80 y, F80 x);      /* FYL2X: y * log2(x) */
F80 f80_yl2xp1(F80Env *env, F80 y, F80 x);    /* FYL2XP1: y * log2(x + 1) */

#endif
