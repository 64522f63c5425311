/*
 * tlb.h - the TLB hierarchy of one (v)CPU: an L1 data TLB and a unified
 * second-level TLB (STLB), each a set-associative array with LRU
 * replacement and geometry from the machine preset.
 *
 * An entry caches one 4 KiB translation: virtual page number to physical
 * frame number, with the effective rights and the dirty state of the walk
 * that filled it (SDM Vol. 3A §4.10.2).  A write through an entry whose
 * dirty flag is clear must walk again to set D in memory, so the pipeline
 * treats that as a miss, as does a rights mismatch (§4.10.4.1: a #PF
 * invalidates the entries for its address).
 *
 * Hot path: tlb_lookup() is inline and probes L1 first; the set scan is a
 * short loop over `ways` entries.  Filling and invalidation are out of line.
 */
#ifndef EPTSIM_SIM_TLB_TLB_H
#define EPTSIM_SIM_TLB_TLB_H

#include "sim/base.h"

struct tlb_entry {
	uint64_t te_vpn;        /* virtual page number (va >> 12); a walk cache's tag */
	uint64_t te_pfn;        /* physical frame number */
	uint64_t te_stamp;      /* LRU: last use, from ta_clock; 0 = invalid */
	uint64_t te_aux;        /* walk caches: see sim/mmu/mmu.h */
	uint8_t te_perm;        /* MMU_PERM_* of the translation */
	uint8_t te_eperm;       /* MMU_EPERM_* (walk caches under EPT) */
	bool te_dirty;          /* D was set when this entry was filled */
	bool te_global;         /* G of the leaf */
};

struct tlb_array {
	uint32_t ta_sets;       /* power of two */
	uint32_t ta_ways;
	uint64_t ta_clock;      /* bumped at every use; stamps are never 0 */
	struct tlb_entry *ta_ent; /* ta_sets * ta_ways, set-major */
};

struct tlb_geom {
	uint32_t entries;       /* total entries; entries / ways is a power of two */
	uint32_t ways;
};

/* which level answered a lookup */
enum tlb_level { TLB_MISS = 0, TLB_HIT_L1, TLB_HIT_L2 };

struct tlb {
	struct tlb_array tlb_l1d;
	struct tlb_array tlb_stlb;
};

/* tlb_geom_check - 0 if `g` is a valid geometry, else -EINVAL. */
int tlb_geom_check(const struct tlb_geom *g) MUST_CHECK;

int tlb_array_init(struct tlb_array *ta, const struct tlb_geom *g) MUST_CHECK;
void tlb_array_fini(struct tlb_array *ta);

/*
 * tlb_array_on - whether `ta` has entries.  Walk caches may be switched
 * off (zeroed, never initialized); probe, fill and flush need an array
 * that is on.
 */
static inline bool tlb_array_on(const struct tlb_array *ta)
{
	return ta->ta_ways != 0;
}

/*
 * tlb_array_probe - the entry for `vpn` in `ta`, or NULL.  A hit becomes
 * the most recently used entry of its set.
 */
static inline struct tlb_entry *tlb_array_probe(struct tlb_array *ta,
						uint64_t vpn)
{
	struct tlb_entry *set =
		&ta->ta_ent[(size_t)(vpn & (ta->ta_sets - 1)) * ta->ta_ways];

	for (uint32_t w = 0; w < ta->ta_ways; w++) {
		if (set[w].te_stamp != 0 && set[w].te_vpn == vpn) {
			set[w].te_stamp = ++ta->ta_clock;
			return &set[w];
		}
	}
	return NULL;
}

/*
 * tlb_array_fill - insert `e` (its stamp is ignored), replacing an entry
 * for the same vpn if present, else an invalid way, else the least recently
 * used way of the set.  Returns the entry written.
 */
struct tlb_entry *tlb_array_fill(struct tlb_array *ta,
				 const struct tlb_entry *e);

/* tlb_array_flush_vpn - drop the entry for `vpn`, if any (INVLPG). */
void tlb_array_flush_vpn(struct tlb_array *ta, uint64_t vpn);

/* tlb_array_flush_all - drop every entry; with keep_global, keep G ones. */
void tlb_array_flush_all(struct tlb_array *ta, bool keep_global);

int tlb_init(struct tlb *t, const struct tlb_geom *l1d,
	     const struct tlb_geom *stlb) MUST_CHECK;
void tlb_fini(struct tlb *t);

/*
 * tlb_lookup - probe L1 then the STLB for `vpn`.  On an STLB hit the entry
 * is copied into L1 (the STLB refills L1).  *out is the entry found (the
 * L1 copy after a refill), NULL on a miss.
 */
enum tlb_level tlb_lookup_slow(struct tlb *t, uint64_t vpn,
			       struct tlb_entry **out);

static inline enum tlb_level tlb_lookup(struct tlb *t, uint64_t vpn,
					struct tlb_entry **out)
{
	struct tlb_entry *e = tlb_array_probe(&t->tlb_l1d, vpn);

	if (likely(e != NULL)) {
		*out = e;
		return TLB_HIT_L1;
	}
	return tlb_lookup_slow(t, vpn, out);
}

/* tlb_fill - after a walk: insert `e` into the STLB and L1. Returns the L1 copy. */
struct tlb_entry *tlb_fill(struct tlb *t, const struct tlb_entry *e);

/* tlb_flush_vpn / tlb_flush_all - the same operations on both levels. */
void tlb_flush_vpn(struct tlb *t, uint64_t vpn);
void tlb_flush_all(struct tlb *t, bool keep_global);

#endif
