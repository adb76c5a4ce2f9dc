/* Soft x87: conversions between the extended format and the memory formats
 * the x87 loads and stores — integers (FILD/FIST/FISTTP), IEEE single and
 * double (FLD/FST) and 18-digit packed BCD (FBLD/FBSTP). */
#include "cpu/fpu/float80_impl.h"

/* Note: stores (FIST, FISTTP, FST m32/m64, FBSTP) of a denormal or
 * pseudo-denormal register do not report the denormal-operand exception on
 * the x87; only arithmetic on such operands does. */

/* ---- integers ---------------------------------------------------------- */

F80 f80_from_i64(int64_t v)
{
    return v < 0 ? f80_from_u64(1, 0 - (uint64_t)v) : f80_from_u64(0, (uint64_t)v);
}
F80 f80_from_i32(int32_t v) { return f80_from_i64(v); }
F80 f80_from_i16(int16_t v) { return f80_from_i64(v); }

/* The "integer indefinite" (most negative value) is what a masked invalid
 * store writes, so out-of-range results are recognisable afterwards. */
static int64_t to_int(F80Env *env, F80 a, int bits, bool truncate)
{
    int64_t indefinite = (int64_t)((uint64_t)-1 << (bits - 1));
    env_begin(env);
    Kind k = f80_kind(a);
    if (k == K_UNSUPPORTED || k == K_INF || kind_is_nan(k)) {
        env_raise(env, F80_IE);
        return indefinite;
    }
    uint64_t mag;
    int inexact, up, sign = f80_sign(a);
    int over = round_to_integer(a, truncate ? F80_RC_ZERO : env_rc(env), &mag, &inexact, &up);
    uint64_t limit = (1ull << (bits - 1)) - (sign ? 0 : 1);
    if (over || mag > limit) {
        env_raise(env, F80_IE);
        return indefinite;
    }
    if (inexact) env_raise(env, F80_PE);
    env_set_c1(env, up);
    return sign ? (int64_t)(0 - mag) : (int64_t)mag;
}

int64_t f80_to_i64(F80Env *env, F80 a, bool truncate) { return to_int(env, a, 64, truncate); }
int32_t f80_to_i32(F80Env *env, F80 a, bool truncate) { return (int32_t)to_int(env, a, 32, truncate); }
int16_t f80_to_i16(F80Env *env, F80 a, bool truncate) { return (int16_t)to_int(env, a, 16, truncate); }

/* ---- IEEE single and double -------------------------------------------- */

typedef struct {
    int frac_bits, exp_bits, bias;
    Format fmt;
} Ieee;

static const Ieee ieee32 = { 23, 8, 127, { 24, -126, 127, 0 } };
static const Ieee ieee64 = { 52, 11, 1023, { 53, -1022, 1023, 0 } };

/* Every single/double value is exactly representable in the extended format,
 * so widening only re-encodes. It keeps an SNaN signalling and reports the
 * class of the source (a denormal source becomes a normal F80). */
static F80 widen_ieee(uint64_t v, const Ieee *f, Kind *kind)
{
    int sign = (int)(v >> (f->frac_bits + f->exp_bits));
    int e = (int)((v >> f->frac_bits) & ((1u << f->exp_bits) - 1));
    uint64_t frac = v & ((1ull << f->frac_bits) - 1);
    int shift = 63 - f->frac_bits;
    if (e == (1 << f->exp_bits) - 1) {
        *kind = frac == 0 ? K_INF : (frac >> (f->frac_bits - 1)) ? K_QNAN : K_SNAN;
        return f80_pack(sign, 0x7FFF, F80_INT_BIT | (frac << shift));
    }
    if (e == 0) {
        *kind = frac == 0 ? K_ZERO : K_DENORMAL;
        if (frac == 0) return f80_zero(sign);
        int lz = clz64(frac);
        /* value = frac * 2^(1 - bias - frac_bits) */
        return f80_pack(sign, F80_BIAS + 1 - f->bias - f->frac_bits + 63 - lz, frac << lz);
    }
    *kind = K_NORMAL;
    return f80_pack(sign, e - f->bias + F80_BIAS, F80_INT_BIT | (frac << shift));
}

static F80 from_ieee(F80Env *env, uint64_t v, const Ieee *f)
{
    env_begin(env);
    Kind k;
    F80 r = widen_ieee(v, f, &k);
    if (k == K_DENORMAL) env_raise(env, F80_DE);
    if (kind_is_nan(k)) r = f80_quiet(env, r);
    return r;
}

static F80 arith_ieee(F80Env *env, F80ArithOp op, F80 st0, uint64_t v, const Ieee *f)
{
    Kind k;
    F80 m = widen_ieee(v, f, &k);
    return arith_k(env, op, st0, f80_kind(st0), m, k);
}

F80 f80_arith_f32(F80Env *env, F80ArithOp op, F80 st0, uint32_t m32)
{
    return arith_ieee(env, op, st0, m32, &ieee32);
}

F80 f80_arith_f64(F80Env *env, F80ArithOp op, F80 st0, uint64_t m64)
{
    return arith_ieee(env, op, st0, m64, &ieee64);
}

/* Likewise FCOM m32/m64: a denormal memory operand raises DE only when the
 * comparison is ordered. */
static int compare_ieee(F80Env *env, F80 st0, uint64_t v, const Ieee *f)
{
    Kind k;
    F80 m = widen_ieee(v, f, &k);
    return compare_k(env, st0, f80_kind(st0), m, k, false);
}

int f80_compare_f32(F80Env *env, F80 st0, uint32_t m32) { return compare_ieee(env, st0, m32, &ieee32); }
int f80_compare_f64(F80Env *env, F80 st0, uint64_t m64) { return compare_ieee(env, st0, m64, &ieee64); }

static uint64_t to_ieee(F80Env *env, F80 a, const Ieee *f)
{
    env_begin(env);
    uint64_t sign = (uint64_t)f80_sign(a) << (f->frac_bits + f->exp_bits);
    uint64_t exp_all = ((1ull << f->exp_bits) - 1) << f->frac_bits;
    uint64_t quiet = 1ull << (f->frac_bits - 1);
    int shift = 63 - f->frac_bits;
    uint64_t frac_mask = (1ull << f->frac_bits) - 1;
    Kind k = f80_kind(a);
    switch (k) {
    case K_UNSUPPORTED:
        env_raise(env, F80_IE);
        return (1ull << (f->frac_bits + f->exp_bits)) | exp_all | quiet; /* indefinite */
    case K_QNAN:
    case K_SNAN:
        /* the payload keeps its top bits; the quiet bit guarantees a NaN */
        a = f80_quiet(env, a);
        return sign | exp_all | ((a.mant >> shift) & frac_mask);
    case K_INF: return sign | exp_all;
    case K_ZERO: return sign;
    default: break;
    }
    Norm n = f80_normalize(a);
    int32_t e;
    uint64_t m;
    switch (round_value(env, n.sign, n.exp, u128(n.mant, 0), &f->fmt, &e, &m)) {
    case R_ZERO: return sign;
    case R_INF: return sign | exp_all;
    default:
        if (!(m & F80_INT_BIT)) return sign | (m >> shift); /* denormal */
        return sign | ((uint64_t)(e + f->bias) << f->frac_bits) | ((m >> shift) & frac_mask);
    }
}

F80 f80_from_f32(F80Env *env, uint32_t v) { return from_ieee(env, v, &ieee32); }
F80 f80_from_f64(F80Env *env, uint64_t v) { return from_ieee(env, v, &ieee64); }
uint32_t f80_to_f32(F80Env *env, F80 a) { return (uint32_t)to_ieee(env, a, &ieee32); }
uint64_t f80_to_f64(F80Env *env, F80 a) { return to_ieee(env, a, &ieee64); }

/* ---- packed BCD -------------------------------------------------------- */

F80 f80_from_bcd(const uint8_t bcd[10])
{
    /* Digits are not validated: nibbles A-F are weighted like the
     * hardware's multiply-accumulate does (undefined per the SDM). */
    uint64_t v = 0;
    for (int i = 8; i >= 0; i--) {
        v = v * 10 + (bcd[i] >> 4);
        v = v * 10 + (bcd[i] & 15);
    }
    return f80_from_u64(bcd[9] >> 7, v);
}

void f80_to_bcd(F80Env *env, F80 a, uint8_t bcd[10])
{
    static const uint8_t indefinite[10] = { 0, 0, 0, 0, 0, 0, 0, 0xC0, 0xFF, 0xFF };
    env_begin(env);
    Kind k = f80_kind(a);
    uint64_t mag = 0;
    int inexact = 0, up = 0, bad = k == K_UNSUPPORTED || k == K_INF || kind_is_nan(k);
    if (!bad) bad = round_to_integer(a, env_rc(env), &mag, &inexact, &up) ||
                    mag > 999999999999999999ull;
    if (bad) {
        env_raise(env, F80_IE);
        for (int i = 0; i < 10; i++) bcd[i] = indefinite[i];
        return;
    }
    if (inexact) env_raise(env, F80_PE);
    env_set_c1(env, up);
    for (int i = 0; i < 9; i++) {
        uint8_t lo = (uint8_t)(mag % 10);
        mag /= 10;
        bcd[i] = (uint8_t)(lo | (mag % 10) << 4);
        mag /= 10;
    }
    bcd[9] = f80_sign(a) ? 0x80 : 0;
}
