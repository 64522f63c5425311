/*
 * synth.c - the synthetic access source (see synth.h).
 *
 * A stream is a pure function of its params.  At init the generator is
 * seeded from `seed` and its first four outputs become the Feistel round
 * keys; after that every access draws, in this order, what its pattern
 * needs for the address (nothing for sequential, strided and chase) and
 * then exactly one value for the read/write decision.  Changing that order
 * changes every stream, and so every report: treat it as a format.
 */
#include "sim/synth.h"

#include <errno.h>
#include <string.h>

#include "sim/rng.h"

/* the canonical lower half: user addresses are below 2^47 */
#define SYNTH_VA_LIMIT (UINT64_C(1) << 47)

#define SYNTH_FEISTEL_ROUNDS 4
#define SYNTH_ZIPF_S_MAX 100.0

/* sy_z[] slots of the Zipf sampler */
enum {
	SZ_S,           /* exponent */
	SZ_N,           /* pages, as a double */
	SZ_HX1,         /* H(1.5) - 1 */
	SZ_HN,          /* H(N + 0.5) */
	SZ_SQUEEZE,     /* accept without the test when k - x <= this */
};

static bool is_pow2(uint64_t x)
{
	return x != 0 && (x & (x - 1)) == 0;
}

int synth_params_check(const struct synth_params *p, const char **why)
{
	const char *w = NULL;

	if (p->pattern != SYN_SEQUENTIAL && p->pattern != SYN_STRIDED &&
	    p->pattern != SYN_UNIFORM && p->pattern != SYN_ZIPF &&
	    p->pattern != SYN_CHASE)
		w = "source.pattern must be sequential, strided, uniform, zipf or chase";
	else if (p->footprint == 0 || (p->footprint & PAGE_MASK) != 0)
		w = "source.footprint must be a positive multiple of 4096";
	else if ((p->base & PAGE_MASK) != 0)
		w = "source.base must be 4096-aligned";
	else if (p->base >= SYNTH_VA_LIMIT ||
		 p->footprint > SYNTH_VA_LIMIT - p->base)
		w = "source.base + source.footprint must not pass 0x800000000000 (the canonical user half)";
	else if (!is_pow2(p->access_size) || p->access_size > PAGE_SIZE)
		w = "source.access_size must be a power of two between 1 and 4096";
	/* access_size <= PAGE_SIZE <= footprint: it always fits the footprint */
	else if (p->pattern == SYN_STRIDED &&
		 (p->stride == 0 || p->stride % p->access_size != 0))
		w = "source.stride must be a positive multiple of source.access_size";
	else if (!(p->write_fraction >= 0.0 && p->write_fraction <= 1.0))
		w = "source.write_fraction must be between 0 and 1";
	else if (p->pattern == SYN_ZIPF &&
		 !(p->zipf_s > 0.0 && p->zipf_s <= SYNTH_ZIPF_S_MAX))
		w = "source.zipf_s must be greater than 0 and at most 100";
	if (why)
		*why = w;
	return w ? -EINVAL : 0;
}

/*
 * The permutation: a Feistel network over [0, 2^bits), the smallest power
 * of two covering the slots, made a permutation of [0, slots) by cycle
 * walking (apply again until the value lands in range; since the domain is
 * under twice the slots, that takes fewer than two rounds on average).  It
 * costs O(1) memory where a shuffled array would cost 8 bytes a slot.
 *
 * `bits` may be odd, so the network is unbalanced: x = L:R with R the low
 * `lo` bits; a round maps it to R:(L ^ F(R)), which swaps the two widths,
 * and stays a bijection whatever the widths are.
 */
static uint64_t synth_mix(uint64_t x, uint64_t key)
{
	x ^= key;
	x = (x ^ (x >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	x = (x ^ (x >> 27)) * UINT64_C(0x94d049bb133111eb);
	return x ^ (x >> 31);
}

static uint64_t synth_feistel(const struct synth *s, uint64_t x)
{
	unsigned lo = (unsigned)s->sy_perm_bits / 2;
	unsigned hi = (unsigned)s->sy_perm_bits - lo;

	for (int r = 0; r < SYNTH_FEISTEL_ROUNDS; r++) {
		uint64_t left = x >> lo;
		uint64_t right = x & ((UINT64_C(1) << lo) - 1);
		uint64_t f = synth_mix(right, s->sy_perm_keys[r]);
		unsigned t;

		x = right << hi | ((left ^ f) & ((UINT64_C(1) << hi) - 1));
		t = lo;
		lo = hi;
		hi = t;
	}
	return x;
}

/* synth_perm - the image of `x` < sy_slots under the seeded bijection. */
static uint64_t synth_perm(const struct synth *s, uint64_t x)
{
	do
		x = synth_feistel(s, x);
	while (x >= s->sy_slots);
	return x;
}

/*
 * The Zipf sampler: rejection-inversion (Hormann & Derflinger 1996,
 * "Rejection-inversion to generate variates from monotone discrete
 * distributions"), as Apache Commons RNG writes it.  P(k) ~ h(k) = k^-s
 * for k in 1..N.  It inverts the integral H of h over a continuous hat and
 * rejects rarely, so a sample costs O(1) and no table of N entries.
 *
 * H(x) = (x^(1-s) - 1) / (1-s), which tends to log x as s -> 1; written
 * as expm1((1-s) log x) / ((1-s) log x) * log x it has no special case
 * at s == 1.  Both helpers take their limit near 0 by a short series.
 */
static double zipf_helper1(double x) /* log1p(x) / x */
{
	if (x > 1e-8 || x < -1e-8)
		return rng_log1p(x) / x;
	return 1.0 - x * (0.5 - x * (1.0 / 3 - 0.25 * x));
}

static double zipf_helper2(double x) /* expm1(x) / x */
{
	if (x > 1e-8 || x < -1e-8)
		return rng_expm1(x) / x;
	return 1.0 + x * 0.5 * (1.0 + x * (1.0 / 3) * (1.0 + 0.25 * x));
}

static double zipf_h(double s, double x)
{
	return rng_exp(-s * rng_log(x));
}

static double zipf_hint(double s, double x)
{
	double lx = rng_log(x);

	return zipf_helper2((1.0 - s) * lx) * lx;
}

static double zipf_hint_inv(double s, double x)
{
	double t = x * (1.0 - s);

	if (t < -1.0) /* only by rounding; H^-1 is defined down to -1 */
		t = -1.0;
	return rng_exp(zipf_helper1(t) * x);
}

static void zipf_init(struct synth *s, double exponent, uint64_t n)
{
	double *z = s->sy_z;

	z[SZ_S] = exponent;
	z[SZ_N] = (double)n;
	z[SZ_HX1] = zipf_hint(exponent, 1.5) - 1.0;
	z[SZ_HN] = zipf_hint(exponent, (double)n + 0.5);
	z[SZ_SQUEEZE] = 2.0 - zipf_hint_inv(exponent, zipf_hint(exponent, 2.5) -
						     zipf_h(exponent, 2.0));
}

/* zipf_rank - a rank in 1..N, rank 1 the most likely. */
static uint64_t zipf_rank(struct synth *s)
{
	const double *z = s->sy_z;

	for (;;) {
		double u = z[SZ_HN] + rng_unit(s->sy_rng) * (z[SZ_HX1] - z[SZ_HN]);
		double x = zipf_hint_inv(z[SZ_S], u);
		double kx = x + 0.5;
		double k;

		/* clamp in floating point: kx may be huge or NaN */
		if (!(kx >= 1.0))
			k = 1.0;
		else if (kx >= z[SZ_N] + 1.0)
			k = z[SZ_N];
		else
			k = (double)(uint64_t)kx;
		if (k - x <= z[SZ_SQUEEZE] ||
		    u >= zipf_hint(z[SZ_S], k + 0.5) - zipf_h(z[SZ_S], k))
			return (uint64_t)k;
	}
}

int synth_init(struct synth *s, const struct synth_params *p)
{
	const char *why;
	int err;

	memset(s, 0, sizeof(*s));
	err = synth_params_check(p, &why);
	if (err)
		return err;
	s->sy_p = *p;
	rng_seed(s->sy_rng, p->seed);
	for (int r = 0; r < SYNTH_FEISTEL_ROUNDS; r++)
		s->sy_perm_keys[r] = rng_next(s->sy_rng);
	/* exact: scaling by a power of two; 1.0 gives 2^53, above every draw */
	s->sy_wthresh = (uint64_t)(p->write_fraction * 0x1p53);

	switch (p->pattern) {
	case SYN_ZIPF:
		s->sy_slots = p->footprint >> PAGE_SHIFT;
		zipf_init(s, p->zipf_s, s->sy_slots);
		break;
	case SYN_UNIFORM:
	case SYN_CHASE:
		s->sy_slots = p->footprint / p->access_size;
		break;
	default:
		break;
	}
	while ((UINT64_C(1) << s->sy_perm_bits) < s->sy_slots)
		s->sy_perm_bits++;
	return 0;
}

bool synth_next(struct synth *s, struct synth_access *a)
{
	const struct synth_params *p = &s->sy_p;
	uint64_t off;

	if (s->sy_done >= p->accesses)
		return false;
	switch (p->pattern) {
	case SYN_SEQUENTIAL:
	case SYN_STRIDED:
		off = s->sy_pos;
		s->sy_pos += p->pattern == SYN_SEQUENTIAL ?
				     p->access_size :
				     p->stride % p->footprint;
		if (s->sy_pos >= p->footprint)
			s->sy_pos -= p->footprint;
		break;
	case SYN_UNIFORM:
		off = rng_below(s->sy_rng, s->sy_slots) * p->access_size;
		break;
	case SYN_ZIPF:
		off = synth_perm(s, zipf_rank(s) - 1) << PAGE_SHIFT;
		off += rng_below(s->sy_rng, PAGE_SIZE / p->access_size) *
		       p->access_size;
		break;
	case SYN_CHASE:
		off = synth_perm(s, s->sy_pos) * p->access_size;
		if (++s->sy_pos == s->sy_slots)
			s->sy_pos = 0;
		break;
	default:
		ES_ASSERT(0, "pattern=%d", (int)p->pattern);
	}
	a->va = p->base + off;
	a->size = p->access_size;
	a->write = (rng_next(s->sy_rng) >> 11) < s->sy_wthresh;
	s->sy_done++;
	return true;
}
