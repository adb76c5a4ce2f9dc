/* Soft x87: rounding, NaN handling and the basic arithmetic (add, sub, mul,
 * div, sqrt). See float80.h for the conventions.
 *
 * Every operation computes the exact result as a wide integer significand
 * (with a "jammed" sticky bit standing for any nonzero tail) and rounds it
 * exactly once, in round_value(). Because the x87 applies precision control
 * by rounding the significand to 24/53 bits while keeping the 15-bit
 * extended exponent range, PC only changes the rounding position: there is
 * no double rounding, and underflow/denormalisation happen at the extended
 * exponent range, not at the float/double one. */
#include "cpu/fpu/float80_impl.h"

const F80 f80_indefinite = { 0xC000000000000000ull, 0xFFFF };

void f80_env_init(F80Env *env, uint16_t cw)
{
    env->cw = cw;
    env->sw = 0;
    env->raised = 0;
}

bool f80_must_not_write(const F80Env *env, bool store_to_memory)
{
    uint16_t unmasked = env->raised & ~env->cw & F80_EXC_MASK;
    uint16_t blocking = F80_IE | F80_DE | F80_ZE;
    if (store_to_memory) blocking |= F80_OE | F80_UE;
    return (unmasked & blocking) != 0;
}

/* Precision control: 00 = 24 bits, 10 = 53 bits, 11 = 64 bits. The reserved
 * encoding 01 behaves as 64 bits on the processors we compare against. */
static int env_prec(const F80Env *env)
{
    switch ((env->cw >> F80_PC_SHIFT) & 3) {
    case F80_PC_24: return 24;
    case F80_PC_53: return 53;
    default: return 64;
    }
}

int round_increment(int rc, int sign, int lsb, int cmp, int inexact)
{
    switch (rc) {
    case F80_RC_NEAREST: return cmp > 0 || (cmp == 0 && lsb);
    case F80_RC_DOWN: return inexact && sign;
    case F80_RC_UP: return inexact && !sign;
    default: return 0;
    }
}

/* Keep the top prec bits of sig (bit 127 first) and round them by rc.
 * *carry is set when rounding up overflowed into bit prec (the returned
 * significand is then renormalised to 2^(prec-1)). */
static uint64_t round_sig(U128 sig, int prec, int rc, int sign, int *inexact, int *up,
                          int *carry)
{
    int drop = 64 - prec; /* low bits of sig.hi below the kept ones */
    uint64_t m, rest_hi;
    int cmp;
    if (drop == 0) {
        m = sig.hi;
        rest_hi = 0;
        cmp = sig.lo > F80_INT_BIT ? 1 : sig.lo < F80_INT_BIT ? -1 : 0;
    } else {
        uint64_t half = 1ull << (drop - 1);
        m = sig.hi >> drop;
        rest_hi = sig.hi & ((1ull << drop) - 1);
        cmp = rest_hi > half ? 1 : rest_hi < half ? -1 : (sig.lo != 0);
    }
    *inexact = (rest_hi | sig.lo) != 0;
    *up = round_increment(rc, sign, (int)(m & 1), cmp, *inexact);
    *carry = 0;
    if (*up) {
        m++;
        if (m == 0 || (prec < 64 && (m >> prec))) { /* carried out of the field */
            m = 1ull << (prec - 1);
            *carry = 1;
        }
    }
    return m;
}

int round_value(F80Env *env, int sign, int32_t exp, U128 sig, const Format *fmt,
                int32_t *oexp, uint64_t *omant)
{
    int rc = env_rc(env), prec = fmt->prec;
    int inexact, up, carry;
    if (u128_is_zero(sig)) {
        *oexp = 0;
        *omant = 0;
        return R_ZERO;
    }
    int lz = u128_clz(sig);
    sig = u128_shl(sig, lz);
    exp -= lz;

    /* Round with an unbounded exponent first: overflow and tininess are both
     * judged on this value (Intel SDM "numeric underflow": tiny after
     * rounding with unbounded exponent). */
    uint64_t m = round_sig(sig, prec, rc, sign, &inexact, &up, &carry);
    int32_t e = exp + carry;

    if (e > fmt->emax) {
        if (env_masked(env, F80_OE)) {
            /* Masked response: infinity when rounding goes away from zero
             * in this direction, else the largest finite number. */
            int to_inf = rc == F80_RC_NEAREST || (rc == F80_RC_UP && !sign) ||
                         (rc == F80_RC_DOWN && sign);
            env_raise(env, F80_OE | F80_PE);
            env_set_c1(env, to_inf);
            if (to_inf) return R_INF;
            *oexp = fmt->emax;
            *omant = ~0ull << (64 - prec);
            return R_FINITE;
        }
        /* Unmasked, memory destination: nothing is stored, only OE shows. */
        if (!fmt->wrap) {
            env_raise(env, F80_OE);
            return R_INF;
        }
        /* Unmasked, register destination: the handler gets the rounded
         * significand with the exponent brought back into range by the wrap
         * constant; if even that is too large (only FSCALE gets there), an
         * infinity whatever the rounding mode. */
        if (e - fmt->wrap > fmt->emax) {
            env_raise(env, F80_OE | F80_PE);
            env_set_c1(env, 1);
            return R_INF;
        }
        env_raise(env, F80_OE | (inexact ? F80_PE : 0));
        env_set_c1(env, up);
        *oexp = e - fmt->wrap;
        *omant = m << (64 - prec);
        return R_FINITE;
    }

    if (e < fmt->emin) {
        if (!env_masked(env, F80_UE)) { /* as for overflow, mirrored */
            if (!fmt->wrap) {
                env_raise(env, F80_UE);
                return R_ZERO;
            }
            if (e + fmt->wrap < fmt->emin) {
                env_raise(env, F80_UE | F80_PE);
                return R_ZERO;
            }
            env_raise(env, F80_UE | (inexact ? F80_PE : 0));
            env_set_c1(env, up);
            *oexp = e + fmt->wrap;
            *omant = m << (64 - prec);
            return R_FINITE;
        }
        /* Masked: denormalise, i.e. round again from the exact value at the
         * fixed position that the smallest exponent leaves for the prec-bit
         * significand. UE is reported only if this loses accuracy. */
        U128 d = u128_shr_jam(sig, fmt->emin - exp);
        m = round_sig(d, prec, rc, sign, &inexact, &up, &carry);
        if (inexact) env_raise(env, F80_UE | F80_PE);
        env_set_c1(env, up);
        if (m == 0) return R_ZERO;
        *oexp = fmt->emin;
        *omant = m << (64 - prec);
        return R_FINITE;
    }

    if (inexact) env_raise(env, F80_PE);
    env_set_c1(env, up);
    /* A value that was below the normal range before rounding may round up
     * to exactly 2^emin; it is then a normal number and not tiny. */
    *oexp = e;
    *omant = m << (64 - prec);
    return R_FINITE;
}

F80 round_pack_f80(F80Env *env, int sign, int32_t exp, U128 sig, int prec)
{
    /* the extended exponent range whatever the precision */
    const Format ext = { prec, F80_EMIN, F80_EMAX, F80_WRAP };
    int32_t e;
    uint64_t m;
    switch (round_value(env, sign, exp, sig, &ext, &e, &m)) {
    case R_ZERO: return f80_zero(sign);
    case R_INF: return f80_inf(sign);
    default:
        if (!(m & F80_INT_BIT)) return f80_pack(sign, 0, m);
        return f80_pack(sign, (int)((e + F80_BIAS) & 0x7FFF), m);
    }
}

F80 f80_invalid(F80Env *env)
{
    env_raise(env, F80_IE);
    return f80_indefinite;
}

F80 f80_quiet(F80Env *env, F80 a)
{
    if (f80_kind(a) == K_SNAN) env_raise(env, F80_IE);
    a.mant |= F80_QUIET_BIT;
    return a;
}

/* NaN operands: the result is a NaN operand, quieted, and IE is raised when
 * any of them is signalling. A QNaN is preferred to an SNaN; with two NaNs of
 * the same kind the x87 delivers the one with the larger significand. Operand order cannot be used: the register operands
 * of FADD/FSUBR/... reach the arithmetic unit in an order that depends on
 * the instruction form, so a magnitude comparison is the only choice that
 * gives every form the same NaN. */
F80 f80_propagate_nan(F80Env *env, F80 a, F80 b)
{
    Kind ka = f80_kind(a), kb = f80_kind(b);
    if (ka == K_SNAN || kb == K_SNAN) env_raise(env, F80_IE);
    F80 r;
    if (ka != kb && kind_is_nan(ka) && kind_is_nan(kb)) {
        r = ka == K_QNAN ? a : b; /* a QNaN beats an SNaN */
    } else if (kind_is_nan(ka) && kind_is_nan(kb)) {
        if (a.mant != b.mant) r = a.mant > b.mant ? a : b;
        else r = (a.sign_exp <= b.sign_exp) ? a : b; /* tie: the positive one */
    } else {
        r = kind_is_nan(ka) ? a : b;
    }
    r.mant |= F80_QUIET_BIT;
    return r;
}

F80 f80_from_u64(int sign, uint64_t mag)
{
    if (mag == 0) return f80_zero(sign);
    int lz = clz64(mag);
    return f80_pack(sign, F80_BIAS + 63 - lz, mag << lz);
}

F80 f80_chs(F80 a)
{
    a.sign_exp ^= 0x8000;
    return a;
}

F80 f80_abs(F80 a)
{
    a.sign_exp &= 0x7FFF;
    return a;
}

/* The arithmetic cores take the operand classes from the caller: a memory
 * operand widened from single/double keeps the class of its source (a
 * denormal float is a normal extended number, yet still reports DE). */
static F80 add_k(F80Env *env, F80 a, Kind ka, F80 b, Kind kb, int flip_b)
{
    env_begin(env);
    F80 r;
    if (special_operands(env, a, ka, b, kb, &r)) return r;
    int sa = f80_sign(a), sb = f80_sign(b) ^ flip_b;
    if (ka == K_INF || kb == K_INF) {
        if (ka == K_INF && kb == K_INF && sa != sb) return f80_invalid(env);
        if (denormal_stop(env, ka, kb)) return a;
        return f80_inf(ka == K_INF ? sa : sb);
    }
    if (denormal_stop(env, ka, kb)) return a;
    int prec = env_prec(env);
    if (ka == K_ZERO && kb == K_ZERO) /* exact zero sum: -0 only if both are, or RC=down */
        return f80_zero(sa == sb ? sa : env_rc(env) == F80_RC_DOWN);
    if (ka == K_ZERO || kb == K_ZERO) { /* still rounded to PC */
        Norm n = f80_normalize(ka == K_ZERO ? b : a);
        return round_pack_f80(env, ka == K_ZERO ? sb : sa, n.exp, u128(n.mant, 0), prec);
    }
    Norm na = f80_normalize(a), nb = f80_normalize(b);
    na.sign = sa;
    nb.sign = sb;
    if (na.exp < nb.exp || (na.exp == nb.exp && na.mant < nb.mant)) {
        Norm t = na;
        na = nb;
        nb = t;
    }
    /* |a| >= |b|. Both significands go one bit below the top of a 128-bit
     * field so the sum cannot carry out; b is aligned with a sticky bit. */
    U128 x = u128(na.mant >> 1, na.mant << 63);
    U128 y = u128_shr_jam(u128(nb.mant >> 1, nb.mant << 63), na.exp - nb.exp);
    U128 s = na.sign == nb.sign ? u128_add(x, y) : u128_sub(x, y);
    if (u128_is_zero(s)) return f80_zero(env_rc(env) == F80_RC_DOWN);
    return round_pack_f80(env, na.sign, na.exp + 1, s, prec);
}

static F80 mul_k(F80Env *env, F80 a, Kind ka, F80 b, Kind kb)
{
    env_begin(env);
    F80 r;
    if (special_operands(env, a, ka, b, kb, &r)) return r;
    int s = f80_sign(a) ^ f80_sign(b);
    if (ka == K_INF || kb == K_INF) {
        if (ka == K_ZERO || kb == K_ZERO) return f80_invalid(env);
        if (denormal_stop(env, ka, kb)) return a;
        return f80_inf(s);
    }
    if (denormal_stop(env, ka, kb)) return a;
    if (ka == K_ZERO || kb == K_ZERO) return f80_zero(s);
    Norm na = f80_normalize(a), nb = f80_normalize(b);
    /* ma*mb*2^(ea+eb-126) = P * 2^((ea+eb+1) - 127) */
    return round_pack_f80(env, s, na.exp + nb.exp + 1, u128_mul64(na.mant, nb.mant),
                          env_prec(env));
}

static F80 div_k(F80Env *env, F80 a, Kind ka, F80 b, Kind kb)
{
    env_begin(env);
    F80 r;
    if (special_operands(env, a, ka, b, kb, &r)) return r;
    int s = f80_sign(a) ^ f80_sign(b);
    if (ka == K_INF) {
        if (kb == K_INF) return f80_invalid(env);
        if (denormal_stop(env, ka, kb)) return a;
        return f80_inf(s);
    }
    if (kb == K_INF) {
        if (denormal_stop(env, ka, kb)) return a;
        return f80_zero(s);
    }
    if (kb == K_ZERO) {
        if (ka == K_ZERO) return f80_invalid(env);
        /* divide-by-zero outranks the denormal operand: no DE here */
        env_raise(env, F80_ZE);
        if (!env_masked(env, F80_ZE)) return a;
        return f80_inf(s);
    }
    if (denormal_stop(env, ka, kb)) return a;
    if (ka == K_ZERO) return f80_zero(s);
    Norm na = f80_normalize(a), nb = f80_normalize(b);
    /* Restoring division giving 66 quotient bits of ma/mb * 2^65 (the first
     * one is the integer bit, which may be 0); the remainder is the sticky
     * bit. The partial remainder needs 65 bits: `top` holds bit 64. */
    uint64_t rem = na.mant;
    int top = 0;
    U128 q = u128(0, 0);
    for (int i = 0; i < 66; i++) {
        q = u128_shl(q, 1);
        if (top || rem >= nb.mant) {
            rem -= nb.mant;
            q.lo |= 1;
        }
        top = (int)(rem >> 63);
        rem <<= 1;
    }
    U128 sig = u128_shl(q, 62);
    sig.lo |= (rem != 0 || top);
    return round_pack_f80(env, s, na.exp - nb.exp, sig, env_prec(env));
}

F80 arith_k(F80Env *env, F80ArithOp op, F80 a, Kind ka, F80 b, Kind kb)
{
    switch (op) {
    case F80_OP_ADD: return add_k(env, a, ka, b, kb, 0);
    case F80_OP_SUB: return add_k(env, a, ka, b, kb, 1);
    case F80_OP_SUBR: return add_k(env, b, kb, a, ka, 1);
    case F80_OP_MUL: return mul_k(env, a, ka, b, kb);
    case F80_OP_DIV: return div_k(env, a, ka, b, kb);
    default: return div_k(env, b, kb, a, ka);
    }
}

F80 f80_add(F80Env *env, F80 a, F80 b) { return add_k(env, a, f80_kind(a), b, f80_kind(b), 0); }
F80 f80_sub(F80Env *env, F80 a, F80 b) { return add_k(env, a, f80_kind(a), b, f80_kind(b), 1); }
F80 f80_mul(F80Env *env, F80 a, F80 b) { return mul_k(env, a, f80_kind(a), b, f80_kind(b)); }
F80 f80_div(F80Env *env, F80 a, F80 b) { return div_k(env, a, f80_kind(a), b, f80_kind(b)); }

F80 f80_sqrt(F80Env *env, F80 a)
{
    env_begin(env);
    Kind k = f80_kind(a);
    if (k == K_UNSUPPORTED) return f80_invalid(env);
    if (kind_is_nan(k)) return f80_quiet(env, a);
    if (k == K_ZERO) return a; /* sqrt(-0) = -0 */
    if (f80_sign(a)) return f80_invalid(env);
    if (k == K_INF) return a;
    if (denormal_stop(env, k, k)) return a;
    Norm n = f80_normalize(a);
    /* value = (m / 2^63) * 2^e. Make the exponent even by doubling m, then
     * take the integer square root of X * 2^67 (X = m or 2m, up to 65 bits),
     * which has 66 bits with the integer bit at bit 65, digit by digit. */
    int odd = n.exp & 1;
    int32_t half = (n.exp - odd) / 2;
    uint64_t xlo = odd ? n.mant << 1 : n.mant, xhi = odd ? n.mant >> 63 : 0;
    U128 rem = u128(0, 0), root = u128(0, 0);
    for (int i = 65; i >= 0; i--) {
        /* bits 2i+1 and 2i of X << 67, i.e. bits 2i-66 and 2i-67 of X */
        unsigned pair = 0;
        for (int j = 1; j >= 0; j--) {
            int bit = 2 * i + j - 67;
            unsigned v = 0;
            if (bit == 64) v = (unsigned)xhi;
            else if (bit >= 0) v = (unsigned)((xlo >> bit) & 1);
            pair = (pair << 1) | v;
        }
        rem = u128_shl(rem, 2);
        rem.lo |= pair;
        U128 trial = u128_shl(root, 2);
        trial.lo |= 1;
        root = u128_shl(root, 1);
        if (u128_cmp(rem, trial) >= 0) {
            rem = u128_sub(rem, trial);
            root.lo |= 1;
        }
    }
    U128 sig = u128_shl(root, 62);
    sig.lo |= !u128_is_zero(rem);
    return round_pack_f80(env, 0, half, sig, env_prec(env));
}
