/* Internals shared by the soft-x87 source files (not part of the API). */
#ifndef HOLO86_CPU_FPU_FLOAT80_IMPL_H
#define HOLO86_CPU_FPU_FLOAT80_IMPL_H

#include "cpu/fpu/float80.h"
#include "cpu/fpu/u128.h"

#define F80_BIAS 16383
#define F80_EMIN (-16382)  /* unbiased exponent of the smallest normal */
#define F80_EMAX 16383
#define F80_WRAP 24576     /* exponent adjustment for unmasked OE/UE results */
#define F80_INT_BIT 0x8000000000000000ull
#define F80_QUIET_BIT 0x4000000000000000ull

/* Operand classes as the P6 x87 sees them. Encodings the 387 accepted but the
 * P6 rejects (unnormals, pseudo-NaNs, pseudo-infinities: an exponent that is
 * not zero with the integer bit clear) are "unsupported" and invalid.
 * Pseudo-denormals (exponent 0 with integer bit set) are still accepted and
 * behave like denormals (DE) of the same value. */
typedef enum { K_ZERO, K_NORMAL, K_DENORMAL, K_INF, K_QNAN, K_SNAN, K_UNSUPPORTED } Kind;

static inline int f80_sign(F80 a) { return a.sign_exp >> 15; }
static inline int f80_bexp(F80 a) { return a.sign_exp & 0x7FFF; }

static inline Kind f80_kind(F80 a)
{
    int e = f80_bexp(a);
    if (e == 0) return a.mant == 0 ? K_ZERO : K_DENORMAL;
    if (!(a.mant & F80_INT_BIT)) return K_UNSUPPORTED;
    if (e == 0x7FFF) {
        if ((a.mant << 1) == 0) return K_INF;
        return (a.mant & F80_QUIET_BIT) ? K_QNAN : K_SNAN;
    }
    return K_NORMAL;
}

static inline int kind_is_nan(Kind k) { return k == K_QNAN || k == K_SNAN; }

static inline F80 f80_pack(int sign, int bexp, uint64_t mant)
{
    return f80_make((uint16_t)((sign ? 0x8000 : 0) | bexp), mant);
}

static inline F80 f80_zero(int sign) { return f80_pack(sign, 0, 0); }
static inline F80 f80_inf(int sign) { return f80_pack(sign, 0x7FFF, F80_INT_BIT); }

/* Finite nonzero operand normalised so that value = mant * 2^(exp - 63) with
 * bit 63 of mant set (denormals get an exponent below F80_EMIN). */
typedef struct {
    int sign;
    int32_t exp;
    uint64_t mant;
} Norm;

static inline Norm f80_normalize(F80 a)
{
    Norm n;
    n.sign = f80_sign(a);
    n.exp = f80_bexp(a) ? f80_bexp(a) - F80_BIAS : F80_EMIN;
    int lz = clz64(a.mant);
    n.mant = a.mant << lz;
    n.exp -= lz;
    return n;
}

static inline int env_rc(const F80Env *env) { return (env->cw >> F80_RC_SHIFT) & 3; }
static inline int env_masked(const F80Env *env, uint16_t exc) { return (env->cw & exc) == exc; }

static inline void env_raise(F80Env *env, uint16_t exc)
{
    env->raised |= exc;
    env->sw |= exc;
}

static inline void env_set_c1(F80Env *env, int up)
{
    env->sw = (uint16_t)((env->sw & ~F80_C1) | (up ? F80_C1 : 0));
}

/* Start an operation: nothing raised yet, C1 cleared. */
static inline void env_begin(F80Env *env)
{
    env->raised = 0;
    env_set_c1(env, 0);
}

/* Result classes of round_value(). */
enum { R_ZERO, R_FINITE, R_INF };

/* A destination format: significand precision and exponent range. */
typedef struct {
    int prec;
    int32_t emin, emax;
    int32_t wrap; /* exponent adjustment for unmasked OE/UE (0: memory store) */
} Format;

/* Round sig * 2^(exp - 127) (sig may have leading zeros; a jammed sticky bit
 * in bit 0 is fine) to fmt, by env's RC, raising OE/UE/PE and setting C1.
 * On R_FINITE, *oexp and *omant give value = omant * 2^(oexp - 63); a denormal
 * result has oexp == emin and bit 63 of omant clear. */
int round_value(F80Env *env, int sign, int32_t exp, U128 sig, const Format *fmt,
                int32_t *oexp, uint64_t *omant);
/* round_value() into the extended format, with precision prec. */
F80 round_pack_f80(F80Env *env, int sign, int32_t exp, U128 sig, int prec);
/* Rounding increment decision for a value whose discarded part compares to
 * one half ulp as cmp (<0, 0, >0) and is nonzero when inexact. */
int round_increment(int rc, int sign, int lsb, int cmp, int inexact);

/* FADD/FSUB/.../FDIVR with explicit operand classes (see float80.c). */
F80 arith_k(F80Env *env, F80ArithOp op, F80 a, Kind ka, F80 b, Kind kb);
int compare_k(F80Env *env, F80 a, Kind ka, F80 b, Kind kb, bool quiet);

F80 f80_invalid(F80Env *env);                 /* raise IE, return indefinite */
F80 f80_propagate_nan(F80Env *env, F80 a, F80 b); /* at least one is a NaN */
F80 f80_quiet(F80Env *env, F80 a);            /* one NaN operand */
F80 f80_from_u64(int sign, uint64_t mag);     /* exact */

/* Round |a| (finite) to an integer by rc. Returns 0 with *mag set when the
 * integer fits in 64 bits, 1 when it is >= 2^64. Sets *inexact and *up. */
int round_to_integer(F80 a, int rc, uint64_t *mag, int *inexact, int *up);

/* Signal DE when an operand is denormal. Returns true if DE is unmasked: the
 * x87 then abandons the instruction before computing anything. */
static inline int denormal_stop(F80Env *env, Kind ka, Kind kb)
{
    if (ka != K_DENORMAL && kb != K_DENORMAL) return 0;
    env_raise(env, F80_DE);
    return !env_masked(env, F80_DE);
}

/* Unsupported encodings and NaNs decide the result before anything else. */
static inline int special_operands(F80Env *env, F80 a, Kind ka, F80 b, Kind kb, F80 *r)
{
    if (ka == K_UNSUPPORTED || kb == K_UNSUPPORTED) {
        *r = f80_invalid(env);
        return 1;
    }
    if (kind_is_nan(ka) || kind_is_nan(kb)) {
        *r = f80_propagate_nan(env, a, b);
        return 1;
    }
    return 0;
}

#endif
