/*
 * synth.h - the synthetic access source: a deterministic stream of data
 * accesses over a footprint, for workloads that need no program or trace.
 *
 * Patterns (offsets are relative to `base`, aligned to `access_size`):
 *   sequential  i * access_size, wrapping at the footprint
 *   strided     i * stride, wrapping at the footprint
 *   uniform     uniformly random over the footprint
 *   zipf        pages drawn from a Zipf distribution with exponent zipf_s
 *               (rank 1 the hottest), ranks scattered over the footprint by
 *               a seeded permutation; offset in the page uniform
 *   chase       a pointer chase: slots of `access_size` bytes visited in
 *               the order of one random cyclic permutation of all slots
 * Each access is a write with probability write_fraction.  Everything is
 * drawn from a seeded generator and integer or self-contained floating
 * arithmetic, never libm, so a stream is the same on every machine.
 */
#ifndef EPTSIM_SIM_SYNTH_H
#define EPTSIM_SIM_SYNTH_H

#include "sim/base.h"

enum synth_pattern {
	SYN_SEQUENTIAL,
	SYN_STRIDED,
	SYN_UNIFORM,
	SYN_ZIPF,
	SYN_CHASE,
};

struct synth_params {
	enum synth_pattern pattern;
	uint64_t base;          /* first byte, PAGE_SIZE aligned */
	uint64_t footprint;     /* bytes, a positive multiple of PAGE_SIZE */
	uint64_t accesses;      /* accesses in the stream */
	uint64_t stride;        /* strided: bytes between accesses, > 0, a multiple of access_size */
	uint32_t access_size;   /* bytes, a power of two, 1..PAGE_SIZE */
	double write_fraction;  /* 0.0 .. 1.0 */
	double zipf_s;          /* zipf: exponent, > 0 */
	uint64_t seed;
};

struct synth_access {
	uint64_t va;
	uint32_t size;
	bool write;
};

/*
 * struct synth - generator state.  Fields are private to synth.c; the
 * struct is here only so callers can embed it.
 */
struct synth {
	struct synth_params sy_p;
	uint64_t sy_done;       /* accesses produced */
	uint64_t sy_rng[4];     /* xoshiro256** state */
	uint64_t sy_wthresh;    /* write if (rng >> 11) < sy_wthresh */
	uint64_t sy_slots;      /* chase: slots; zipf: pages */
	uint64_t sy_pos;        /* sequential/strided/chase position */
	uint64_t sy_perm_bits;  /* permutation domain is 2^bits >= sy_slots */
	uint64_t sy_perm_keys[4]; /* Feistel round keys */
	double sy_z[6];         /* zipf: precomputed sampler constants */
};

/* synth_params_check - 0, or -EINVAL with a reason in `why` (static text). */
int synth_params_check(const struct synth_params *p, const char **why) MUST_CHECK;

/* synth_init - start a stream; `p` must pass synth_params_check. */
int synth_init(struct synth *s, const struct synth_params *p) MUST_CHECK;

/* synth_next - the next access; false once `accesses` were produced. */
bool synth_next(struct synth *s, struct synth_access *a);

#endif
