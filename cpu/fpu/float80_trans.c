/* Soft x87 transcendentals: FSIN, FCOS, FSINCOS, FPTAN, FPATAN, F2XM1, FYL2X,
 * FYL2XP1 (see float80.h).
 *
 * The functions are evaluated in a small 128-bit-significand floating point
 * ("XF", integer arithmetic only) and rounded once into the 80-bit format by
 * round_pack_f80() at 64-bit precision, so the results are correctly rounded
 * except in the (astronomically rare) cases where the true value lies within
 * about 2^-120 relative of a rounding boundary. The P6 and later x87 are
 * accurate to within one ulp and are correctly rounded in the vast majority
 * of cases, which is what makes this match them.
 *
 * Argument reduction for the trigonometric functions uses pi rounded to 66
 * bits, as the x87 does: the reduced argument is exact with respect to that
 * constant, so large arguments and arguments near multiples of pi/2 reproduce
 * the hardware's (mathematically inaccurate) results. */
#include "cpu/fpu/float80_impl.h"

/* value = m * 2^(exp - 127); m has bit 127 set, or m == 0 for zero.
 * inexact: the value is not exactly the mathematical result. */
typedef struct {
    int sign;
    int32_t exp;
    U128 m;
    int inexact;
} XF;

static XF xf_zero(void)
{
    XF r = { 0, 0, { 0, 0 }, 0 };
    return r;
}

static int xf_is_zero(XF a) { return u128_is_zero(a.m); }

static XF xf_norm(XF a)
{
    if (u128_is_zero(a.m)) return a;
    int lz = u128_clz(a.m);
    a.m = u128_shl(a.m, lz);
    a.exp -= lz;
    return a;
}

static XF xf_from_u64(int sign, uint64_t v, int32_t exp2) /* v * 2^exp2 */
{
    XF r = { sign, exp2 + 63, u128(v, 0), 0 };
    return xf_norm(r);
}

static XF xf_from_f80(F80 a)
{
    if ((a.sign_exp & 0x7FFF) == 0 && a.mant == 0) return xf_zero();
    Norm n = f80_normalize(a);
    XF r = { n.sign, n.exp, u128(n.mant, 0), 0 };
    return r;
}

static XF xf_neg(XF a)
{
    a.sign ^= 1;
    return a;
}

static U128 u128_shr(U128 a, int n) /* 0 <= n < 128 */
{
    if (n == 0) return a;
    if (n >= 64) return u128(0, a.hi >> (n - 64));
    return u128(a.hi >> n, (a.lo >> n) | (a.hi << (64 - n)));
}

/* Right shift; *lost records whether nonzero bits fell off. */
static U128 shr_lost(U128 a, int n, int *lost)
{
    if (n <= 0) return a;
    if (n >= 128) {
        *lost |= !u128_is_zero(a);
        return u128(0, 0);
    }
    U128 r = u128_shr(a, n);
    *lost |= u128_cmp(u128_shl(r, n), a) != 0;
    return r;
}

static XF xf_add(XF a, XF b)
{
    if (xf_is_zero(a)) { b.inexact |= a.inexact; return b; }
    if (xf_is_zero(b)) { a.inexact |= b.inexact; return a; }
    if (a.exp < b.exp || (a.exp == b.exp && u128_cmp(a.m, b.m) < 0)) {
        XF t = a; a = b; b = t;
    }
    int lost = 0;
    XF r;
    r.inexact = a.inexact | b.inexact;
    r.sign = a.sign;
    r.exp = a.exp;
    U128 bm = shr_lost(b.m, (int)(a.exp - b.exp), &lost);
    if (a.sign == b.sign) {
        r.m = u128_add(a.m, bm);
        if (u128_cmp(r.m, a.m) < 0) { /* carry out */
            lost |= (int)(r.m.lo & 1);
            r.m = u128_shr(r.m, 1);
            r.m.hi |= F80_INT_BIT;
            r.exp += 1;
        }
    } else {
        r.m = u128_sub(a.m, bm);
        if (lost) r.m = u128_sub(r.m, u128(0, 1)); /* the true difference is a bit less */
    }
    r.inexact |= lost;
    if (u128_is_zero(r.m)) {
        XF z = xf_zero();
        z.inexact = r.inexact;
        return z;
    }
    return xf_norm(r);
}

static XF xf_sub(XF a, XF b) { return xf_add(a, xf_neg(b)); }

static XF xf_mul(XF a, XF b)
{
    XF r;
    r.inexact = a.inexact | b.inexact;
    if (xf_is_zero(a) || xf_is_zero(b)) {
        XF z = xf_zero();
        z.inexact = r.inexact;
        return z;
    }
    r.sign = a.sign ^ b.sign;
    U128 hh = u128_mul64(a.m.hi, b.m.hi), hl = u128_mul64(a.m.hi, b.m.lo);
    U128 lh = u128_mul64(a.m.lo, b.m.hi), ll = u128_mul64(a.m.lo, b.m.lo);
    /* 256-bit sum: w3 w2 w1 w0 */
    uint64_t w0 = ll.lo, w1 = ll.hi, w2 = hh.lo, w3 = hh.hi, c;
    w1 += hl.lo; c = w1 < hl.lo; w2 += c; w3 += w2 < c;
    w2 += hl.hi; w3 += w2 < hl.hi;
    w1 += lh.lo; c = w1 < lh.lo; w2 += c; w3 += w2 < c;
    w2 += lh.hi; w3 += w2 < lh.hi;
    r.exp = a.exp + b.exp + 1;
    U128 top = u128(w3, w2);
    uint64_t low_hi = w1, low_lo = w0;
    if (!(w3 >> 63)) {
        top = u128((w3 << 1) | (w2 >> 63), (w2 << 1) | (w1 >> 63));
        low_hi = w1 << 1;
        r.exp -= 1;
    }
    r.inexact |= (low_hi | low_lo) != 0;
    r.m = top;
    return r;
}

/* a / b by restoring division, 128 quotient bits plus the remainder. */
static XF xf_div(XF a, XF b)
{
    XF r;
    r.inexact = a.inexact | b.inexact;
    if (xf_is_zero(a)) {
        XF z = xf_zero();
        z.inexact = r.inexact;
        return z;
    }
    r.sign = a.sign ^ b.sign;
    r.exp = a.exp - b.exp;
    U128 rem = a.m, q = u128(0, 0);
    int top = 0; /* the remainder's bit 128 */
    if (u128_cmp(rem, b.m) < 0) {
        /* first quotient bit would be 0: pre-shift */
        top = (int)(rem.hi >> 63);
        rem = u128_shl(rem, 1);
        r.exp -= 1;
    }
    for (int i = 0; i < 128; i++) {
        q = u128_shl(q, 1);
        if (top || u128_cmp(rem, b.m) >= 0) {
            rem = u128_sub(rem, b.m);
            q.lo |= 1;
        }
        top = (int)(rem.hi >> 63);
        rem = u128_shl(rem, 1);
    }
    r.inexact |= top || !u128_is_zero(rem);
    r.m = q;
    return r;
}

/* a / n for a small positive integer n. */
static XF xf_div_small(XF a, uint32_t n)
{
    return xf_div(a, xf_from_u64(0, n, 0));
}

static XF xf_sqrt(XF a) /* a > 0 */
{
    /* Newton from a double-precision-ish start: s = (s + a/s) / 2 */
    XF s = a;
    s.exp = a.exp / 2;
    s.m = u128(0xB504F333F9DE6484ull, 0); /* ~sqrt(2)/... any start in range */
    s = xf_norm(s);
    for (int i = 0; i < 12; i++) {
        XF t = xf_add(s, xf_div(a, s));
        t.exp -= 1;
        s = t;
    }
    s.inexact = 1;
    return s;
}

/* Constants to 128 bits. */
static XF xf_const(uint64_t hi, uint64_t lo, int32_t exp)
{
    XF r = { 0, exp, { hi, lo }, 1 };
    return r;
}
#define XF_PI_2 xf_const(0xC90FDAA22168C234ull, 0xC4C6628B80DC1CD1ull, 0)
#define XF_PI xf_const(0xC90FDAA22168C234ull, 0xC4C6628B80DC1CD1ull, 1)
#define XF_LN2 xf_const(0xB17217F7D1CF79ABull, 0xC9E3B39803F2F6AFull, -1)

/* ---- series ---------------------------------------------------------------------- */

/* sin(r) and cos(r) for |r| <= pi/4 (roughly). */
static XF sin_series(XF r)
{
    if (xf_is_zero(r)) return r;
    XF r2 = xf_mul(r, r), term = r, sum = r;
    for (uint32_t k = 1; k < 40; k++) {
        term = xf_div_small(xf_mul(term, r2), (2 * k) * (2 * k + 1));
        term.sign ^= 1;
        /* add even a negligible term: its sign decides a directed rounding */
        sum = xf_add(sum, term);
        if (xf_is_zero(term) || term.exp < sum.exp - 140) break;
    }
    sum.inexact = 1;
    return sum;
}

static XF cos_series(XF r)
{
    XF one = xf_from_u64(0, 1, 0);
    if (xf_is_zero(r)) return one;
    XF r2 = xf_mul(r, r), term = one, sum = one;
    for (uint32_t k = 1; k < 40; k++) {
        term = xf_div_small(xf_mul(term, r2), (2 * k - 1) * (2 * k));
        term.sign ^= 1;
        /* add even a negligible term: its sign decides a directed rounding */
        sum = xf_add(sum, term);
        if (xf_is_zero(term) || term.exp < sum.exp - 140) break;
    }
    sum.inexact = 1;
    return sum;
}

/* atanh(s) = s + s^3/3 + s^5/5 + ... for small |s|. */
static XF atanh_series(XF s)
{
    if (xf_is_zero(s)) return s;
    XF s2 = xf_mul(s, s), p = s, sum = s;
    for (uint32_t k = 1; k < 200; k++) {
        p = xf_mul(p, s2);
        XF term = xf_div_small(p, 2 * k + 1);
        /* add even a negligible term: its sign decides a directed rounding */
        sum = xf_add(sum, term);
        if (xf_is_zero(term) || term.exp < sum.exp - 140) break;
    }
    sum.inexact = 1;
    return sum;
}

/* atan(t) for 0 <= t <= 1: three argument halvings, then the series. */
static XF atan_small(XF t)
{
    if (xf_is_zero(t)) return t;
    XF one = xf_from_u64(0, 1, 0);
    int halvings = 0;
    while (t.exp > -5 && halvings < 6) {
        XF d = xf_add(one, xf_sqrt(xf_add(one, xf_mul(t, t))));
        t = xf_div(t, d);
        halvings++;
    }
    XF t2 = xf_mul(t, t), p = t, sum = t;
    for (uint32_t k = 1; k < 200; k++) {
        p = xf_mul(p, t2);
        p.sign ^= 1;
        XF term = xf_div_small(p, 2 * k + 1);
        /* add even a negligible term: its sign decides a directed rounding */
        sum = xf_add(sum, term);
        if (xf_is_zero(term) || term.exp < sum.exp - 140) break;
    }
    sum.exp += halvings;
    sum.inexact = 1;
    return sum;
}

/* expm1(y) for |y| <= ~0.7. */
static XF expm1_series(XF y)
{
    if (xf_is_zero(y)) return y;
    XF term = y, sum = y;
    for (uint32_t k = 2; k < 60; k++) {
        term = xf_div_small(xf_mul(term, y), k);
        /* add even a negligible term: its sign decides a directed rounding */
        sum = xf_add(sum, term);
        if (xf_is_zero(term) || term.exp < sum.exp - 140) break;
    }
    sum.inexact = 1;
    return sum;
}

/* log2(x) for finite x > 0. */
static XF log2_xf(XF x)
{
    /* x = m * 2^e with m in [sqrt(1/2), sqrt(2)) */
    int32_t e = x.exp;
    XF m = x;
    m.exp = 0;
    if (u128_cmp(m.m, u128(0xB504F333F9DE6484ull, 0x597D89B3754ABE9Full)) >= 0) {
        m.exp = -1;
        e += 1;
    }
    XF one = xf_from_u64(0, 1, 0);
    XF num = xf_sub(m, one);
    XF ln;
    if (xf_is_zero(num)) ln = xf_zero();
    else {
        XF s = xf_div(num, xf_add(m, one));
        ln = atanh_series(s);
        ln.exp += 1;
    }
    XF r = xf_div(ln, XF_LN2);
    if (xf_is_zero(ln)) r = xf_zero();
    XF ei = xf_from_u64(e < 0, (uint64_t)(e < 0 ? -(int64_t)e : e), 0);
    if (e == 0) ei = xf_zero();
    return xf_add(ei, r);
}

/* ---- rounding out ---------------------------------------------------------------- */

static F80 xf_round(F80Env *env, XF v, int zero_sign)
{
    if (xf_is_zero(v)) {
        if (v.inexact) env_raise(env, F80_PE | F80_UE);
        return f80_zero(zero_sign);
    }
    U128 m = v.m;
    if (v.inexact) m.lo |= 1;
    return round_pack_f80(env, v.sign, v.exp, m, 64);
}

/* Common operand screening for one operand: returns 1 with *r set when done. */
static int screen1(F80Env *env, F80 a, Kind k, F80 *r)
{
    if (k == K_UNSUPPORTED) { *r = f80_invalid(env); return 1; }
    if (kind_is_nan(k)) { *r = f80_quiet(env, a); return 1; }
    return 0;
}

static int denormal_check(F80Env *env, Kind ka, Kind kb)
{
    if (ka == K_DENORMAL || kb == K_DENORMAL) {
        env_raise(env, F80_DE);
        if (!env_masked(env, F80_DE)) return 1;
    }
    return 0;
}

static void set_c2(F80Env *env, int v)
{
    env->sw = (uint16_t)((env->sw & ~F80_C2) | (v ? F80_C2 : 0));
}

/* Reduce |a| by pi66/2: *q gets the quadrant (0..3), the result is the
 * reduced argument (exact with respect to pi66). a finite, |a| < 2^63. */
static XF trig_reduce(F80 a, int *q)
{
    XF x = xf_from_f80(a);
    *q = 0;
    int sign = x.sign;
    x.sign = 0;
    /* |x| <= pi/4: nothing to do */
    if (x.exp < -1 || (x.exp == -1 && u128_cmp(x.m, u128(0xC90FDAA22168C234ull, 0)) <= 0)) {
        x.sign = sign;
        return x;
    }
    /* P = pi66 * 2^66, a 68-bit integer (low two bits zero); pi66/2 = P * 2^-67.
     * X = |a| * 2^67 = M * 2^(E + 67), remainder X mod P bit-serially. */
    const U128 P = u128(0xC, 0x90FDAA22168C234Cull);
    Norm n = f80_normalize(a);
    int32_t E = n.exp - 63; /* |a| = mant * 2^E */
    int shift = E + 67;     /* >= 3 here */
    U128 R = u128(0, 0);
    unsigned quo = 0;
    for (int i = 63; i >= 0; i--) {
        R = u128_shl(R, 1);
        R.lo |= (n.mant >> i) & 1;
        quo <<= 1;
        if (u128_cmp(R, P) >= 0) { R = u128_sub(R, P); quo |= 1; }
    }
    for (int i = 0; i < shift; i++) {
        R = u128_shl(R, 1);
        quo <<= 1;
        if (u128_cmp(R, P) >= 0) { R = u128_sub(R, P); quo |= 1; }
    }
    /* nearest multiple: remainder in [-P/2, P/2] */
    int rsign = 0;
    U128 half = u128(0x6, 0x487ED5110B461A26ull);
    if (u128_cmp(R, half) > 0) {
        R = u128_sub(P, R);
        rsign = 1;
        quo += 1;
    }
    *q = (int)(quo & 3);
    XF r = xf_zero();
    if (!u128_is_zero(R)) {
        r.sign = rsign;
        r.exp = 127 - 67;
        r.m = R;
        r = xf_norm(r);
    }
    if (sign) {
        r.sign ^= 1;
        *q = (4 - *q) & 3;
    }
    return r;
}

/* sin and cos of a finite in-range a. */
static void sincos_xf(F80 a, XF *s, XF *c)
{
    int q;
    XF r = trig_reduce(a, &q);
    XF sr = sin_series(r), cr = cos_series(r);
    switch (q) {
    case 0: *s = sr; *c = cr; break;
    case 1: *s = cr; *c = xf_neg(sr); break;
    case 2: *s = xf_neg(sr); *c = xf_neg(cr); break;
    default: *s = xf_neg(cr); *c = sr; break;
    }
}

/* which: 0 sin, 1 cos, 2 tan; both: sincos. Returns 1 when handled as a
 * special case (results in r0/r1). */
static int trig_special(F80Env *env, F80 a, int which, F80 *r0, F80 *r1)
{
    Kind k = f80_kind(a);
    set_c2(env, 0);
    if (screen1(env, a, k, r0)) { *r1 = *r0; return 1; }
    if (k == K_INF) { *r0 = *r1 = f80_invalid(env); return 1; }
    if (denormal_check(env, k, k)) { *r0 = *r1 = a; return 1; }
    if (k == K_ZERO) {
        *r0 = which == 1 ? f80_from_i16(1) : a;
        *r1 = f80_from_i16(1);
        return 1;
    }
    if (f80_bexp(a) >= F80_BIAS + 63) {
        set_c2(env, 1);
        *r0 = *r1 = a;
        return 1;
    }
    if (f80_bexp(a) < F80_BIAS - 40) {
        /* tiny: the x87 returns sin = tan = x and cos = 1 (inexact, C1 = 0)
         * whatever the rounding control */
        env_raise(env, F80_PE);
        if (k == K_DENORMAL && (a.mant & F80_INT_BIT)) a.sign_exp |= 1; /* pseudo-denormal */
        else if (k == K_DENORMAL && which != 1) {
            env_raise(env, F80_UE);
            if (!env_masked(env, F80_UE)) { /* delivered with the exponent wrapped */
                Norm n = f80_normalize(a);
                a = f80_pack(n.sign, n.exp + F80_BIAS + F80_WRAP, n.mant);
            }
        }
        *r0 = which == 1 ? f80_from_i16(1) : a;
        *r1 = f80_from_i16(1);
        return 1;
    }
    return 0;
}

F80 f80_sin(F80Env *env, F80 a)
{
    env_begin(env);
    F80 r0, r1;
    if (trig_special(env, a, 0, &r0, &r1)) return r0;
    XF s, c;
    sincos_xf(a, &s, &c);
    return xf_round(env, s, f80_sign(a));
}

F80 f80_cos(F80Env *env, F80 a)
{
    env_begin(env);
    F80 r0, r1;
    if (trig_special(env, a, 1, &r0, &r1)) return r0;
    XF s, c;
    sincos_xf(a, &s, &c);
    return xf_round(env, c, 0);
}

void f80_sincos(F80Env *env, F80 a, F80 *sin_out, F80 *cos_out)
{
    env_begin(env);
    if (trig_special(env, a, 3, sin_out, cos_out)) return;
    XF s, c;
    sincos_xf(a, &s, &c);
    /* C1 reports the rounding of the cosine (the value pushed last) */
    F80Env e2 = *env;
    *sin_out = xf_round(&e2, s, f80_sign(a));
    *cos_out = xf_round(env, c, 0);
    env->sw |= e2.sw & F80_EXC_MASK;
    env->raised |= e2.raised;
}

F80 f80_tan(F80Env *env, F80 a)
{
    env_begin(env);
    F80 r0, r1;
    if (trig_special(env, a, 2, &r0, &r1)) return r0;
    XF s, c;
    sincos_xf(a, &s, &c);
    return xf_round(env, xf_div(s, c), f80_sign(a));
}

/* ---- FPATAN ---------------------------------------------------------------------- */

F80 f80_atan2(F80Env *env, F80 y, F80 x)
{
    env_begin(env);
    Kind ky = f80_kind(y), kx = f80_kind(x);
    if (ky == K_UNSUPPORTED || kx == K_UNSUPPORTED) return f80_invalid(env);
    if (kind_is_nan(ky) || kind_is_nan(kx)) return f80_propagate_nan(env, y, x);
    if (denormal_check(env, ky, kx)) return x;
    int sy = f80_sign(y), sx = f80_sign(x);
    XF r;
    if (ky == K_ZERO) {
        if (!sx) return f80_zero(sy);
        r = XF_PI;
    } else if (ky == K_INF) {
        if (kx == K_INF) {
            r = XF_PI_2;
            r.exp -= 1; /* pi/4 */
            if (sx) r = xf_sub(XF_PI, r);
        } else {
            r = XF_PI_2;
        }
    } else if (kx == K_INF) {
        if (!sx) return f80_zero(sy);
        r = XF_PI;
    } else if (kx == K_ZERO) {
        r = XF_PI_2;
    } else {
        XF ay = xf_from_f80(y), ax = xf_from_f80(x);
        ay.sign = ax.sign = 0;
        int swap = ay.exp > ax.exp || (ay.exp == ax.exp && u128_cmp(ay.m, ax.m) > 0);
        XF t = swap ? xf_div(ax, ay) : xf_div(ay, ax);
        r = atan_small(t);
        if (swap) r = xf_sub(XF_PI_2, r);
        if (sx) r = xf_sub(XF_PI, r);
        r.inexact = 1;
    }
    r.sign = sy;
    return xf_round(env, r, sy);
}

/* ---- F2XM1 ------------------------------------------------------------------------- */

F80 f80_2xm1(F80Env *env, F80 a)
{
    env_begin(env);
    Kind k = f80_kind(a);
    F80 r;
    if (screen1(env, a, k, &r)) return r;
    if (k == K_INF) return f80_sign(a) ? f80_from_i16(-1) : a;
    if (denormal_check(env, k, k)) return a;
    if (k == K_ZERO) return a;
    XF x = xf_from_f80(a);
    /* exact cases: x = 1 and x = -1 */
    if (x.exp == 0 && x.m.hi == F80_INT_BIT && x.m.lo == 0)
        return x.sign ? f80_pack(1, F80_BIAS - 1, F80_INT_BIT) : f80_from_i16(1);
    XF y = xf_mul(x, XF_LN2);
    if (y.exp > 0) {
        /* |x| > 1: outside the defined range; 2^x - 1 computed anyway */
        XF h = y;
        h.exp -= 4;
        XF e = expm1_series(h); /* (e+1)^16 - 1 */
        XF one = xf_from_u64(0, 1, 0);
        XF p = xf_add(e, one);
        for (int i = 0; i < 4; i++) p = xf_mul(p, p);
        return xf_round(env, xf_sub(p, one), f80_sign(a));
    }
    return xf_round(env, expm1_series(y), f80_sign(a));
}

/* ---- FYL2X, FYL2XP1 ------------------------------------------------------------------ */

/* y * L where L = log2(...) has been computed as l (finite), with the
 * special operand rules shared by both instructions. */
static F80 times_log(F80Env *env, F80 y, Kind ky, XF l)
{
    int sy = f80_sign(y);
    if (ky == K_INF) {
        if (xf_is_zero(l)) return f80_invalid(env);
        return f80_inf(sy ^ l.sign);
    }
    if (ky == K_ZERO) return f80_zero(sy ^ l.sign);
    XF r = xf_mul(xf_from_f80(y), l);
    return xf_round(env, r, sy ^ l.sign);
}

F80 f80_yl2x(F80Env *env, F80 y, F80 x)
{
    env_begin(env);
    Kind ky = f80_kind(y), kx = f80_kind(x);
    if (ky == K_UNSUPPORTED || kx == K_UNSUPPORTED) return f80_invalid(env);
    if (kind_is_nan(ky) || kind_is_nan(kx)) return f80_propagate_nan(env, y, x);
    int sx = f80_sign(x), sy = f80_sign(y);
    if (sx && kx != K_ZERO) return f80_invalid(env);
    if (kx != K_ZERO && denormal_check(env, ky, kx)) return y;
    if (kx == K_ZERO) { /* no denormal-operand check here */
        if (ky == K_ZERO) return f80_invalid(env);
        if (ky != K_INF) {
            env_raise(env, F80_ZE);
            if (!env_masked(env, F80_ZE)) return y;
        }
        return f80_inf(!sy);
    }
    if (kx == K_INF) {
        if (ky == K_ZERO) return f80_invalid(env);
        return f80_inf(sy);
    }
    return times_log(env, y, ky, log2_xf(xf_from_f80(x)));
}

F80 f80_yl2xp1(F80Env *env, F80 y, F80 x)
{
    env_begin(env);
    Kind ky = f80_kind(y), kx = f80_kind(x);
    if (ky == K_UNSUPPORTED || kx == K_UNSUPPORTED) return f80_invalid(env);
    if (kind_is_nan(ky) || kind_is_nan(kx)) return f80_propagate_nan(env, y, x);
    int sx = f80_sign(x);
    if (kx == K_INF && (sx || ky == K_ZERO)) return f80_invalid(env);
    if (denormal_check(env, ky, kx)) return y;
    if (kx == K_INF) return f80_inf(f80_sign(y));
    XF l;
    if (kx == K_ZERO) {
        l = xf_zero();
        l.sign = sx;
    } else {
        XF xv = xf_from_f80(x);
        XF one = xf_from_u64(0, 1, 0);
        XF opx = xf_add(one, xv);
        if (opx.sign || xf_is_zero(opx)) return f80_invalid(env); /* x <= -1 */
        if (xv.exp >= -2) {
            l = log2_xf(opx);
        } else {
            XF s = xf_div(xv, xf_add(xf_from_u64(0, 2, 0), xv));
            l = xf_div(atanh_series(s), XF_LN2);
            l.exp += 1;
        }
    }
    return times_log(env, y, ky, l);
}
