/* Soft x87: the non-basic arithmetic instructions — FPREM, FPREM1, FRNDINT,
 * FSCALE, FXTRACT — and the comparisons FCOM/FUCOM/FTST/FXAM.
 * Precision control does not apply to any of these. */
#include "cpu/fpu/float80_impl.h"

static void set_cc(F80Env *env, uint16_t cc)
{
    env->sw = (uint16_t)((env->sw & ~F80_CC_MASK) | cc);
}

/* Long division of ma by mb (both with bit 63 set) developing `bits` quotient
 * bits: *q = floor(ma * 2^(bits-1) / mb) (low 64 bits), returns the
 * remainder, which is < mb. The partial remainder needs 65 bits: `top`. */
static uint64_t long_divide(uint64_t ma, uint64_t mb, int bits, uint64_t *q)
{
    uint64_t rem = ma, quo = 0;
    int top = 0;
    for (int i = 0; i < bits; i++) {
        if (i) {
            top = (int)(rem >> 63);
            rem <<= 1;
        }
        quo <<= 1;
        if (top || rem >= mb) {
            rem -= mb;
            quo |= 1;
        }
    }
    *q = quo;
    return rem;
}

/* FPREM/FPREM1. With exponent difference D < 64 the whole quotient is
 * developed and the remainder is exact and final (C2 = 0; C0, C3, C1 get
 * quotient bits 2, 1, 0). Otherwise the x87 only reduces the exponent
 * difference: on the processors measured it develops N = 32 + (D mod 32)
 * quotient bits, truncating even for FPREM1, and reports C2 = 1 with C0, C1
 * and C3 cleared, leaving a partial remainder for the next iteration. */
static F80 prem_common(F80Env *env, F80 a, F80 b, int nearest)
{
    env_begin(env);
    set_cc(env, 0);
    Kind ka = f80_kind(a), kb = f80_kind(b);
    F80 r;
    if (special_operands(env, a, ka, b, kb, &r)) return r;
    if (ka == K_INF || kb == K_ZERO) return f80_invalid(env);
    if (denormal_stop(env, ka, kb)) return a;
    if (ka == K_ZERO) return a;
    if (kb == K_INF) { /* quotient 0, remainder a; a pseudo-denormal comes out normal */
        if (ka == K_DENORMAL && (a.mant & F80_INT_BIT)) a.sign_exp |= 1;
        return a;
    }

    Norm na = f80_normalize(a), nb = f80_normalize(b);
    int sign = na.sign;
    int32_t d = na.exp - nb.exp;
    uint64_t q = 0;

    if (d >= 64) {
        int n = 32 + (d & 31);
        uint64_t rem = long_divide(na.mant, nb.mant, n + 1, &q);
        set_cc(env, F80_C2);
        if (rem == 0) return f80_zero(sign);
        return round_pack_f80(env, sign, nb.exp + (d - n), u128(rem, 0), 64);
    }

    U128 rem;     /* remainder, value = rem * 2^(rexp - 127) */
    int32_t rexp;
    if (d >= 0) {
        rem = u128(long_divide(na.mant, nb.mant, d + 1, &q), 0);
        rexp = nb.exp;
        if (nearest) {
            /* Round the quotient to nearest-even: take b - r when r > b/2. */
            U128 twice = u128(rem.hi >> 63, rem.hi << 1); /* 2r, 65 bits */
            int c = u128_cmp(twice, u128(0, nb.mant));
            if (c > 0 || (c == 0 && (q & 1))) {
                rem = u128(nb.mant - rem.hi, 0);
                q++;
                sign ^= 1;
            }
        }
    } else {
        /* |a| < |b|: quotient 0, except that FPREM1 rounds a quotient in
         * (1/2, 1) up to 1 (exactly 1/2 goes to the even 0). */
        rem = u128(na.mant, 0);
        rexp = na.exp;
        if (nearest && d == -1 && na.mant > nb.mant) {
            /* b - a = (2 mb - ma) * 2^(ea-63), up to 65 bits */
            U128 two_mb = u128(nb.mant >> 63, nb.mant << 1);
            U128 diff = u128_sub(two_mb, u128(0, na.mant));
            rem = u128_shl(diff, 63);
            rexp = na.exp + 1;
            q = 1;
            sign ^= 1;
        }
    }
    set_cc(env, (uint16_t)(((q & 4) ? F80_C0 : 0) | ((q & 2) ? F80_C3 : 0) |
                           ((q & 1) ? F80_C1 : 0)));
    if (u128_is_zero(rem)) return f80_zero(na.sign);
    uint16_t cc = env->sw & F80_CC_MASK;
    F80 res = round_pack_f80(env, sign, rexp, rem, 64); /* exact */
    set_cc(env, cc);
    return res;
}

F80 f80_prem(F80Env *env, F80 a, F80 b) { return prem_common(env, a, b, 0); }
F80 f80_prem1(F80Env *env, F80 a, F80 b) { return prem_common(env, a, b, 1); }

int round_to_integer(F80 a, int rc, uint64_t *mag, int *inexact, int *up)
{
    *inexact = *up = 0;
    *mag = 0;
    if (f80_kind(a) == K_ZERO) return 0;
    Norm n = f80_normalize(a);
    if (n.exp >= 64) return 1;
    if (n.exp == 63) {
        *mag = n.mant;
        return 0;
    }
    /* integer part in .hi, fraction (with sticky) in .lo */
    U128 v = u128_shr_jam(u128(n.mant, 0), 63 - n.exp);
    int cmp = v.lo > F80_INT_BIT ? 1 : v.lo < F80_INT_BIT ? -1 : 0;
    *inexact = v.lo != 0;
    *up = round_increment(rc, n.sign, (int)(v.hi & 1), cmp, *inexact);
    *mag = v.hi + (uint64_t)*up;
    return 0;
}

F80 f80_rndint(F80Env *env, F80 a)
{
    env_begin(env);
    Kind k = f80_kind(a);
    if (k == K_UNSUPPORTED) return f80_invalid(env);
    if (kind_is_nan(k)) return f80_quiet(env, a);
    if (k == K_ZERO || k == K_INF) return a;
    if (denormal_stop(env, k, k)) return a;
    if (k == K_NORMAL && f80_bexp(a) - F80_BIAS >= 63) return a;
    uint64_t mag;
    int inexact, up;
    round_to_integer(a, env_rc(env), &mag, &inexact, &up);
    if (inexact) env_raise(env, F80_PE);
    env_set_c1(env, up);
    return f80_from_u64(f80_sign(a), mag);
}

F80 f80_scale(F80Env *env, F80 a, F80 b)
{
    env_begin(env);
    Kind ka = f80_kind(a), kb = f80_kind(b);
    F80 r;
    if (special_operands(env, a, ka, b, kb, &r)) return r;
    int sa = f80_sign(a), sb = f80_sign(b);
    if (kb == K_INF) {
        /* 0 * 2^+inf and inf * 2^-inf have no meaningful value */
        if ((ka == K_ZERO && !sb) || (ka == K_INF && sb)) return f80_invalid(env);
        if (denormal_stop(env, ka, kb)) return a;
        if (ka == K_ZERO || ka == K_INF) return a;
        return sb ? f80_zero(sa) : f80_inf(sa);
    }
    if (denormal_stop(env, ka, kb)) return a;
    if (ka == K_ZERO || ka == K_INF) return a;
    if (kb == K_ZERO) { /* a passes unrounded (even an unmasked-UE denormal) */
        if (ka == K_DENORMAL && (a.mant & F80_INT_BIT)) a.sign_exp |= 1;
        return a;
    }
    /* trunc(b), clamped well beyond any exponent that can still matter */
    int32_t n = 0;
    Norm nb = f80_normalize(b);
    if (nb.exp >= 20) n = 1 << 20;
    else if (nb.exp >= 0) n = (int32_t)(nb.mant >> (63 - nb.exp));
    if (sb) n = -n;
    Norm na = f80_normalize(a);
    return round_pack_f80(env, sa, na.exp + n, u128(na.mant, 0), 64);
}

void f80_xtract(F80Env *env, F80 a, F80 *exponent, F80 *significand)
{
    env_begin(env);
    Kind k = f80_kind(a);
    switch (k) {
    case K_UNSUPPORTED:
        *exponent = *significand = f80_invalid(env);
        return;
    case K_QNAN:
    case K_SNAN:
        *exponent = *significand = f80_quiet(env, a);
        return;
    case K_ZERO:
        /* log2(0) = -inf, reported as a division by zero */
        env_raise(env, F80_ZE);
        *exponent = f80_inf(1);
        *significand = a;
        return;
    case K_INF:
        *exponent = f80_inf(0);
        *significand = a;
        return;
    default:
        break;
    }
    if (denormal_stop(env, k, k)) {
        *exponent = *significand = a;
        return;
    }
    Norm n = f80_normalize(a);
    *exponent = f80_from_i64(n.exp);
    *significand = f80_pack(n.sign, F80_BIAS, n.mant);
}

static int compare_values(F80 a, Kind ka, F80 b, Kind kb)
{
    int sa = f80_sign(a), sb = f80_sign(b);
    if (ka == K_ZERO && kb == K_ZERO) return F80_CMP_EQ; /* +0 == -0 */
    if (ka == K_ZERO) return sb ? F80_CMP_GT : F80_CMP_LT;
    if (kb == K_ZERO) return sa ? F80_CMP_LT : F80_CMP_GT;
    if (sa != sb) return sa ? F80_CMP_LT : F80_CMP_GT;
    int mag; /* compare magnitudes */
    if (ka == K_INF || kb == K_INF) {
        mag = (ka == K_INF) - (kb == K_INF);
    } else {
        /* normalise so that pseudo-denormals compare equal to their normal twins */
        Norm na = f80_normalize(a), nb = f80_normalize(b);
        if (na.exp != nb.exp) mag = na.exp < nb.exp ? -1 : 1;
        else mag = na.mant < nb.mant ? -1 : na.mant > nb.mant;
    }
    if (sa) mag = -mag;
    return mag < 0 ? F80_CMP_LT : mag > 0 ? F80_CMP_GT : F80_CMP_EQ;
}

int compare_k(F80Env *env, F80 a, Kind ka, F80 b, Kind kb, bool quiet)
{
    static const uint16_t cc[4] = { F80_C0, F80_C3, 0, F80_C3 | F80_C2 | F80_C0 };
    env_begin(env);
    int res;
    if (ka == K_UNSUPPORTED || kb == K_UNSUPPORTED || kind_is_nan(ka) || kind_is_nan(kb)) {
        /* FCOM: any NaN is invalid; FUCOM: only signalling NaNs */
        if (!quiet || ka == K_UNSUPPORTED || kb == K_UNSUPPORTED || ka == K_SNAN ||
            kb == K_SNAN)
            env_raise(env, F80_IE);
        res = F80_CMP_UN;
    } else {
        denormal_stop(env, ka, kb);
        res = compare_values(a, ka, b, kb);
    }
    set_cc(env, cc[res]);
    return res;
}

int f80_compare(F80Env *env, F80 a, F80 b, bool quiet)
{
    return compare_k(env, a, f80_kind(a), b, f80_kind(b), quiet);
}

int f80_tst(F80Env *env, F80 a) { return f80_compare(env, a, f80_zero(0), false); }

uint16_t f80_xam(F80 a)
{
    uint16_t c1 = f80_sign(a) ? F80_C1 : 0;
    switch (f80_kind(a)) {
    case K_UNSUPPORTED: return c1;
    case K_QNAN:
    case K_SNAN: return c1 | F80_C0;
    case K_NORMAL: return c1 | F80_C2;
    case K_INF: return c1 | F80_C2 | F80_C0;
    case K_ZERO: return c1 | F80_C3;
    default: return c1 | F80_C3 | F80_C2; /* denormal */
    }
}

void f80_xam_env(F80Env *env, F80 a)
{
    env->raised = 0;
    set_cc(env, f80_xam(a));
}
