/* Operand generator for the differential test. Random operands almost never
 * hit the interesting cases of an FPU (exact halfway points, denormal
 * results, NaN payload ties, unsupported encodings), so most operands are
 * built deliberately from a menu of edge cases, mixed with plain random
 * ones. Deterministic: a fixed xorshift generator seeded by gen_seed(). */
#include "tests/fpu/fpu_test.h"

static uint64_t state;

void gen_seed(uint64_t seed) { state = seed ? seed : 1; }

uint64_t gen_u64(void) /* xorshift64* */
{
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    return state * 0x2545F4914F6CDD1Dull;
}

unsigned gen_below(unsigned n) { return (unsigned)((gen_u64() >> 32) % n); }

static F80 mk(int sign, unsigned bexp, uint64_t mant)
{
    F80 r = { mant, (uint16_t)((sign ? 0x8000 : 0) | (bexp & 0x7FFF)) };
    return r;
}

/* Significand patterns for normal numbers (integer bit set). The cut points
 * 40 and 11 are where 24- and 53-bit precision control round; 0 is where
 * 64-bit rounding of a wider intermediate happens. */
static uint64_t gen_mant(void)
{
    static const int cuts[] = { 40, 11, 1, 2, 3 };
    uint64_t m = gen_u64();
    switch (gen_below(8)) {
    case 0:
    case 1: break; /* fully random */
    case 2: { /* only the top k bits set: exact or halfway results */
        int k = 1 + (int)gen_below(64);
        m = k == 64 ? m : m & ~(~0ull >> k);
        break;
    }
    case 3:
    case 4: { /* low bits just below/at/above a rounding cut */
        int c = cuts[gen_below(5)];
        uint64_t low = (1ull << c) - 1, half = 1ull << (c - 1);
        static const int pat[] = { 0, 1, 2, 3, 4, 5 };
        uint64_t v;
        switch (pat[gen_below(6)]) {
        case 0: v = half - 1; break;       /* ...0111 */
        case 1: v = half; break;           /* ...1000 exact half */
        case 2: v = half + 1; break;       /* ...1001 */
        case 3: v = 0; break;
        case 4: v = low; break;
        default: v = gen_u64() & low; break;
        }
        m = (m & ~low) | (v & low);
        break;
    }
    case 5: m = ~0ull - gen_below(4); break; /* all ones: carries */
    case 6: m = gen_below(4); break;         /* 1.000...0x */
    default: m = (m & 0xFFFFFF0000000000ull) | (gen_below(2) ? 0xFFFFFFFFFFull : 0); break;
    }
    return m | 0x8000000000000000ull;
}

F80 gen_f80_range(int lo, int hi)
{
    unsigned e = (unsigned)(lo + (int)gen_below((unsigned)(hi - lo + 1)));
    return mk((int)gen_below(2), e, gen_mant());
}

static F80 gen_nan(int quiet)
{
    uint64_t m = gen_u64();
    switch (gen_below(4)) {
    case 0: m = 0; break;                       /* indefinite-like */
    case 1: m &= 0xFFull << gen_below(56); break; /* few payload bits */
    default: break;
    }
    m &= 0x3FFFFFFFFFFFFFFFull;
    if (!quiet && m == 0) m = 1ull << gen_below(62);
    return mk((int)gen_below(2), 0x7FFF, 0x8000000000000000ull | (quiet ? 1ull << 62 : 0) | m);
}

static uint64_t shr(uint64_t x, unsigned n) { return n >= 64 ? 0 : x >> n; }

F80 gen_f80(void)
{
    int s = (int)gen_below(2);
    switch (gen_below(24)) {
    case 0: return mk(s, 0, 0);
    case 1: return mk(s, 0x7FFF, 0x8000000000000000ull);
    case 2: return gen_nan(1);
    case 3: return gen_nan(0);
    case 4: return mk(s, 0, gen_u64() >> (1 + gen_below(63)));          /* denormal */
    case 5: return mk(s, 0, gen_mant());                                /* pseudo-denormal */
    case 6: return mk(s, 1 + gen_below(0x7FFE), shr(gen_u64(), 1 + gen_below(64))); /* unnormal */
    case 7: return mk(s, 0x7FFF, shr(gen_u64(), 1 + gen_below(64)));     /* pseudo-NaN/inf */
    case 8: return mk(s, 1, 0x8000000000000000ull | (gen_below(2) ? 0 : gen_u64() >> 40));
    case 9: return mk(s, 0x7FFE, ~0ull - (gen_below(2) ? 0 : gen_u64() >> 40));
    case 10: return gen_f80_range(1, 130);
    case 11: return gen_f80_range(0x7FFE - 130, 0x7FFE);
    case 12: { /* random bits, anything */
        F80 r = { gen_u64(), (uint16_t)gen_u64() };
        return r;
    }
    case 13: case 14: return gen_f80_range(1, 0x7FFE);
    default: return gen_f80_range(16383 - 70, 16383 + 70);
    }
}

/* A finite value whose exponent is within spread of a's, so that sums
 * cancel, quotients stay near 1, FPREM completes, etc. */
F80 gen_near(F80 a, int spread)
{
    int e = a.sign_exp & 0x7FFF;
    if (e == 0 || e == 0x7FFF) e = 16383;
    e += (int)gen_below((unsigned)(2 * spread + 1)) - spread;
    if (e < 1) e = 1;
    if (e > 0x7FFE) e = 0x7FFE;
    F80 r = mk((int)gen_below(2), (unsigned)e, gen_mant());
    if (gen_below(4) == 0) r.mant = (a.mant & ~(0xFFFFull >> gen_below(16))) | gen_below(2);
    return r;
}

static uint64_t short_mant(int bits) /* random significand with exactly `bits` bits */
{
    uint64_t m = gen_u64() | 0x8000000000000000ull;
    m &= ~0ull << (64 - bits);
    m |= 1ull << (64 - bits); /* lowest kept bit set: exactly `bits` bits */
    return m;
}

void gen_exact_quotient(F80 *a, F80 *b)
{
    static const int qbits[] = { 24, 25, 26, 53, 54, 55, 30, 12 };
    int qb = qbits[gen_below(8)], bb = 1 + (int)gen_below((unsigned)(64 - qb));
    uint64_t q = short_mant(qb), d = short_mant(bb);
    /* product of a qb-bit and a bb-bit integer fits in 64 bits */
    uint64_t p = (q >> (64 - qb)) * (d >> (64 - bb));
    int lz = __builtin_clzll(p);
    int eb = 16383 + (int)gen_below(200) - 100, eq = (int)gen_below(40) - 20;
    *b = mk((int)gen_below(2), (unsigned)eb, d);
    /* value(a) = q * d; its exponent is about eq + eb */
    *a = mk((int)gen_below(2), (unsigned)(eb + eq + (63 - lz) - (qb - 1) - (bb - 1) + 0), p << lz);
}

F80 gen_square(void)
{
    int bits = 1 + (int)gen_below(32);
    uint64_t q = short_mant(bits) >> (64 - bits);
    uint64_t p = q * q;
    int lz = __builtin_clzll(p);
    return mk(0, (unsigned)(16383 + (int)gen_below(400) - 200), p << lz);
}

uint32_t gen_f32_bits(void)
{
    uint32_t s = (uint32_t)gen_below(2) << 31, f = (uint32_t)gen_u64() & 0x7FFFFF;
    switch (gen_below(6)) {
    case 0: return s | (gen_below(2) ? 0x7F800000 : 0) | (gen_below(2) ? 0 : f); /* inf/NaN/zero/denormal */
    case 1: return s | (f >> gen_below(23));                                  /* denormal */
    default: return (uint32_t)gen_u64();
    }
}

uint64_t gen_f64_bits(void)
{
    uint64_t s = (uint64_t)gen_below(2) << 63, f = gen_u64() & 0xFFFFFFFFFFFFFull;
    switch (gen_below(6)) {
    case 0: return s | (gen_below(2) ? 0x7FF0000000000000ull : 0) | (gen_below(2) ? 0 : f);
    case 1: return s | (f >> gen_below(52));
    default: return gen_u64();
    }
}

void gen_bcd(uint8_t bcd[10])
{
    int invalid = gen_below(8) == 0, ndig = 1 + (int)gen_below(18);
    for (int i = 0; i < 9; i++) {
        uint8_t lo = (uint8_t)gen_below(invalid ? 16 : 10), hi = (uint8_t)gen_below(invalid ? 16 : 10);
        if (2 * i >= ndig) lo = 0;
        if (2 * i + 1 >= ndig) hi = 0;
        bcd[i] = (uint8_t)(lo | hi << 4);
    }
    bcd[9] = (uint8_t)(gen_below(2) ? 0x80 : 0) | (gen_below(8) == 0 ? (uint8_t)gen_below(128) : 0);
}

/* Values whose magnitude is near 2^(bits-1) (the end of a signed integer
 * range), with fractional parts, or near 10^18 for BCD (bits = 60). */
F80 gen_integer_valued(int bits)
{
    int e = 16383 + (int)gen_below((unsigned)bits + 3) - 2;
    if (gen_below(3) == 0) e = 16383 + bits - 2 + (int)gen_below(3);
    F80 r = mk((int)gen_below(2), (unsigned)e, gen_mant());
    if (bits == 60 && gen_below(2)) { /* 999999999999999999 +- a bit */
        r.sign_exp = (uint16_t)((r.sign_exp & 0x8000) | (16383 + 59));
        r.mant = (999999999999999999ull << 4) + (gen_u64() % 64) - 32;
    }
    if (gen_below(4) == 0) { /* exactly -2^(bits-1) and neighbours */
        r.sign_exp = (uint16_t)((r.sign_exp & 0x8000) | (16383 + bits - 1));
        r.mant = 0x8000000000000000ull + (gen_below(3) == 0 ? (gen_u64() >> 40) : gen_below(3));
    }
    return r;
}
