/* 128-bit unsigned integer helpers for the soft x87, built from uint64_t only
 * (64x64->128 multiply written with 32-bit halves) so that the arithmetic
 * does not depend on a compiler's __int128 support. */
#ifndef HOLO86_CPU_FPU_U128_H
#define HOLO86_CPU_FPU_U128_H

#include <stdint.h>

typedef struct {
    uint64_t hi, lo;
} U128;

static inline U128 u128(uint64_t hi, uint64_t lo)
{
    U128 r = { hi, lo };
    return r;
}

static inline int u128_is_zero(U128 a) { return (a.hi | a.lo) == 0; }

static inline int clz64(uint64_t x) /* x != 0 */
{
#if defined(__GNUC__)
    return __builtin_clzll(x);
#else
    int n = 0;
    while (!(x & 0x8000000000000000ull)) { x <<= 1; n++; }
    return n;
#endif
}

static inline int u128_clz(U128 a) /* a != 0 */
{
    return a.hi ? clz64(a.hi) : 64 + clz64(a.lo);
}

static inline U128 u128_shl(U128 a, int n) /* 0 <= n < 128 */
{
    if (n == 0) return a;
    if (n >= 64) return u128(a.lo << (n - 64), 0);
    return u128((a.hi << n) | (a.lo >> (64 - n)), a.lo << n);
}

/* Shift right, ORing every bit shifted out into bit 0 ("jamming"). A jammed
 * bit below the rounding point is all that rounding needs to know about the
 * discarded tail: whether it was exactly zero. */
static inline U128 u128_shr_jam(U128 a, int n) /* n >= 0 */
{
    if (n == 0) return a;
    if (n >= 128) return u128(0, u128_is_zero(a) ? 0 : 1);
    U128 r;
    uint64_t lost;
    if (n >= 64) {
        lost = (n == 64) ? a.lo : (a.lo | (a.hi << (128 - n)));
        r = u128(0, n == 64 ? a.hi : a.hi >> (n - 64));
    } else {
        lost = a.lo << (64 - n);
        r = u128(a.hi >> n, (a.lo >> n) | (a.hi << (64 - n)));
    }
    r.lo |= lost != 0;
    return r;
}

static inline U128 u128_add(U128 a, U128 b)
{
    U128 r = u128(a.hi + b.hi, a.lo + b.lo);
    r.hi += r.lo < a.lo;
    return r;
}

static inline U128 u128_sub(U128 a, U128 b)
{
    U128 r = u128(a.hi - b.hi, a.lo - b.lo);
    r.hi -= a.lo < b.lo;
    return r;
}

static inline int u128_cmp(U128 a, U128 b)
{
    if (a.hi != b.hi) return a.hi < b.hi ? -1 : 1;
    if (a.lo != b.lo) return a.lo < b.lo ? -1 : 1;
    return 0;
}

static inline U128 u128_mul64(uint64_t a, uint64_t b)
{
    uint64_t a0 = a & 0xFFFFFFFFu, a1 = a >> 32;
    uint64_t b0 = b & 0xFFFFFFFFu, b1 = b >> 32;
    uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
    uint64_t mid = (p00 >> 32) + (p01 & 0xFFFFFFFFu) + (p10 & 0xFFFFFFFFu);
    return u128(p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32),
                (mid << 32) | (p00 & 0xFFFFFFFFu));
}

#endif
