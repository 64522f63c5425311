/*
 * rng.h - deterministic random numbers: splitmix64 to expand a seed,
 * xoshiro256** (Blackman & Vigna) for the stream, and the few libm-free
 * floating helpers that variates such as Zipf need.
 *
 * The generator state is a bare `uint64_t s[4]` passed first, so a module
 * embeds it in its own struct with no extra type.
 *
 * Why our own exp/log: a stream must be bit-identical on every x86-64
 * machine, and glibc chooses FMA or non-FMA variants of exp/log at run
 * time, which may differ in the last bit.  The helpers below use only
 * + - * / on doubles (exactly rounded by IEEE 754 under SSE2, and the
 * build does not contract to FMA), so they give the same bits everywhere.
 * They are accurate to a few ulp, far inside the 1e-12 the samplers need.
 */
#ifndef EPTSIM_SIM_RNG_H
#define EPTSIM_SIM_RNG_H

#include <math.h> /* INFINITY and NAN only: no libm function is called */

#include "sim/base.h"

__extension__ typedef unsigned __int128 rng_u128;

/* rng_splitmix64 - advance `*x` and return its next splitmix64 output. */
static inline uint64_t rng_splitmix64(uint64_t *x)
{
	uint64_t z = (*x += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/*
 * rng_seed - fill xoshiro state `s` from `seed` with splitmix64, as the
 * xoshiro authors recommend.  Any seed, 0 included, gives a usable state.
 */
static inline void rng_seed(uint64_t s[4], uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		s[i] = rng_splitmix64(&seed);
	/* four consecutive splitmix64 outputs are never all zero */
	ES_ASSERT((s[0] | s[1] | s[2] | s[3]) != 0, "seed=%#llx",
		  (unsigned long long)seed);
}

static inline uint64_t rng_rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/* rng_next - the next 64 uniformly distributed bits (xoshiro256**). */
static inline uint64_t rng_next(uint64_t s[4])
{
	uint64_t r = rng_rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rng_rotl(s[3], 45);
	return r;
}

/*
 * rng_below - uniform in [0, n), n > 0, without modulo bias (Lemire 2019,
 * "Fast random integer generation in an interval").  Usually one draw;
 * a rejected draw costs another, so the count of draws is not fixed.
 */
static inline uint64_t rng_below(uint64_t s[4], uint64_t n)
{
	rng_u128 m;
	uint64_t lo;

	ES_ASSERT(n > 0, "n=%llu", (unsigned long long)n);
	m = (rng_u128)rng_next(s) * n;
	lo = (uint64_t)m;
	if (unlikely(lo < n)) {
		uint64_t floor = -n % n; /* 2^64 mod n */

		while (lo < floor) {
			m = (rng_u128)rng_next(s) * n;
			lo = (uint64_t)m;
		}
	}
	return (uint64_t)(m >> 64);
}

/* rng_unit - uniform in [0, 1) on the 2^-53 grid; one draw. */
static inline double rng_unit(uint64_t s[4])
{
	return (double)(rng_next(s) >> 11) * 0x1p-53;
}

/*
 * Floating helpers.  ln 2 is split Cody-Waite style: RNG_LN2_HI has its
 * low mantissa bits clear, so k * RNG_LN2_HI is exact for |k| < 2^20.
 */
#define RNG_LN2_HI 6.93147180369123816490e-01 /* 0x3fe62e42fee00000 */
#define RNG_LN2_LO 1.90821492927058770002e-10 /* ln 2 - RNG_LN2_HI */
#define RNG_INV_LN2 1.44269504088896338700e+00
#define RNG_SQRT2 1.41421356237309514547e+00

/* rng_ldexp - y * 2^k, in steps so that no power of two overflows. */
static inline double rng_ldexp(double y, int k)
{
	union {
		double d;
		uint64_t u;
	} p;

	while (k > 1023) {
		y *= 0x1p1023;
		k -= 1023;
	}
	while (k < -1022) {
		y *= 0x1p-1022;
		k += 1022;
	}
	p.u = (uint64_t)(k + 1023) << 52;
	return y * p.d;
}

/*
 * rng_reduce - split x = k ln2 + r with |r| <= ln2 / 2 (plus rounding);
 * returns r, stores k.  Only for |x| < 750.
 */
static inline double rng_reduce(double x, int *k)
{
	double kd = x * RNG_INV_LN2;

	*k = (int)(kd < 0 ? kd - 0.5 : kd + 0.5);
	return (x - *k * RNG_LN2_HI) - *k * RNG_LN2_LO;
}

/*
 * rng_expm1_series - e^r - 1 for |r| <= 0.35 by its Taylor series, nested
 * as r (1 + r/2 (1 + r/3 (...))).  The first omitted term, r^16/16!, is
 * below 1e-20 relative.
 */
static inline double rng_expm1_series(double r)
{
	double p = 1.0;

	for (int n = 15; n >= 2; n--)
		p = 1.0 + r * p / n;
	return r * p;
}

/* rng_exp - e^x; +inf above the double range, 0 below it, NaN for NaN. */
static inline double rng_exp(double x)
{
	double r;
	int k;

	if (x != x)
		return x;
	if (x > 709.782712893384)
		return INFINITY;
	if (x < -745.2)
		return 0.0;
	r = rng_reduce(x, &k);
	return rng_ldexp(1.0 + rng_expm1_series(r), k);
}

/* rng_expm1 - e^x - 1, accurate near 0 where e^x - 1 would cancel. */
static inline double rng_expm1(double x)
{
	if (x > -0.34 && x < 0.34)
		return rng_expm1_series(x);
	return rng_exp(x) - 1.0;
}

/*
 * rng_log_atanh - log((1 + f) / (1 - f)) = 2 atanh f for |f| <= 0.18, by
 * 2 (f + f^3/3 + f^5/5 + ...); the first omitted term is below 1e-25.
 */
static inline double rng_log_atanh(double f)
{
	double f2 = f * f;
	double p = 1.0 / 33;

	for (int j = 15; j >= 0; j--)
		p = p * f2 + 1.0 / (2 * j + 1);
	return 2.0 * f * p;
}

/* rng_log - natural log; -inf at 0, NaN below 0 or for NaN. */
static inline double rng_log(double x)
{
	union {
		double d;
		uint64_t u;
	} v;
	int e = 0;
	double m;

	if (x != x || x < 0)
		return NAN;
	if (x == 0)
		return -INFINITY;
	if (x == INFINITY)
		return x;
	if (x < 0x1p-1022) { /* subnormal: make the exponent field honest */
		x *= 0x1p54;
		e = -54;
	}
	v.d = x;
	e += (int)(v.u >> 52) - 1023;
	v.u = (v.u & ((UINT64_C(1) << 52) - 1)) | (UINT64_C(1023) << 52);
	m = v.d; /* x = m 2^e, m in [1, 2) */
	if (m > RNG_SQRT2) {
		m *= 0.5;
		e++;
	}
	/* m - 1 is exact here (Sterbenz); |f| <= 0.1716 */
	return e * RNG_LN2_HI + (rng_log_atanh((m - 1.0) / (m + 1.0)) +
				 e * RNG_LN2_LO);
}

/* rng_log1p - log(1 + x), accurate near 0; -inf at -1, NaN below -1. */
static inline double rng_log1p(double x)
{
	if (x != x || x < -1.0)
		return NAN;
	if (x > -0.25 && x < 0.25) /* 1 + x = (1 + f) / (1 - f) */
		return rng_log_atanh(x / (2.0 + x));
	return rng_log(1.0 + x);
}

#endif
