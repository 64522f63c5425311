/*
 * tlb.c - the out-of-line half of the TLB (see tlb.h): geometry, filling
 * with LRU replacement, the STLB-to-L1 refill, and invalidation.
 *
 * An array is `ta_sets` sets of `ta_ways` entries, set-major, indexed by the
 * low bits of the vpn.  LRU is kept as a stamp per entry from a per-array
 * clock that every probe and fill bumps; the victim of a full set is the
 * way with the smallest stamp.  With at most 64 ways a linear scan is as
 * fast as any list and keeps the entry a plain struct that tests can read.
 * A stamp of 0 marks an invalid entry, so invalidation is a store of 0
 * and the clock, which starts at 0 and is bumped before use, never hands
 * out 0 (it would take 2^64 uses to wrap).
 */
#include "sim/tlb/tlb.h"

#include <errno.h>
#include <stdlib.h>

#define TLB_MAX_WAYS 64u
#define TLB_MAX_ENTRIES 65536u

int tlb_geom_check(const struct tlb_geom *g)
{
	uint32_t sets;

	if (g->entries == 0 || g->ways == 0 || g->ways > g->entries)
		return -EINVAL;
	if (g->ways > TLB_MAX_WAYS || g->entries > TLB_MAX_ENTRIES)
		return -EINVAL;
	if (g->entries % g->ways != 0)
		return -EINVAL;
	sets = g->entries / g->ways;
	/* the set index is vpn & (sets - 1) */
	if ((sets & (sets - 1)) != 0)
		return -EINVAL;
	return 0;
}

int tlb_array_init(struct tlb_array *ta, const struct tlb_geom *g)
{
	int rc;

	*ta = (struct tlb_array){ 0 };
	rc = tlb_geom_check(g);
	if (rc < 0)
		return rc;
	ta->ta_ent = calloc(g->entries, sizeof(*ta->ta_ent));
	if (!ta->ta_ent)
		return -ENOMEM;
	ta->ta_sets = g->entries / g->ways;
	ta->ta_ways = g->ways;
	return 0;
}

void tlb_array_fini(struct tlb_array *ta)
{
	free(ta->ta_ent);
	*ta = (struct tlb_array){ 0 };
}

static struct tlb_entry *tlb_set(struct tlb_array *ta, uint64_t vpn)
{
	return &ta->ta_ent[(size_t)(vpn & (ta->ta_sets - 1)) * ta->ta_ways];
}

/*
 * tlb_victim - the way `vpn` goes to in `set`: the entry that already holds
 * vpn (so a vpn is never cached twice), else the first invalid way, else
 * the least recently used one.
 */
static struct tlb_entry *tlb_victim(struct tlb_array *ta,
				    struct tlb_entry *set, uint64_t vpn)
{
	struct tlb_entry *free_way = NULL, *lru = NULL;

	for (uint32_t w = 0; w < ta->ta_ways; w++) {
		if (set[w].te_stamp == 0) {
			if (!free_way)
				free_way = &set[w];
			continue;
		}
		if (set[w].te_vpn == vpn)
			return &set[w];
		if (!lru || set[w].te_stamp < lru->te_stamp)
			lru = &set[w];
	}
	return free_way ? free_way : lru;
}

struct tlb_entry *tlb_array_fill(struct tlb_array *ta,
				 const struct tlb_entry *e)
{
	struct tlb_entry *v = tlb_victim(ta, tlb_set(ta, e->te_vpn), e->te_vpn);

	*v = *e;
	v->te_stamp = ++ta->ta_clock;
	return v;
}

void tlb_array_flush_vpn(struct tlb_array *ta, uint64_t vpn)
{
	struct tlb_entry *set = tlb_set(ta, vpn);

	for (uint32_t w = 0; w < ta->ta_ways; w++) {
		if (set[w].te_stamp != 0 && set[w].te_vpn == vpn) {
			set[w] = (struct tlb_entry){ 0 };
			return; /* tlb_array_fill never caches a vpn twice */
		}
	}
}

void tlb_array_flush_all(struct tlb_array *ta, bool keep_global)
{
	size_t n = (size_t)ta->ta_sets * ta->ta_ways;

	for (size_t i = 0; i < n; i++) {
		if (keep_global && ta->ta_ent[i].te_global)
			continue;
		ta->ta_ent[i] = (struct tlb_entry){ 0 };
	}
}

int tlb_init(struct tlb *t, const struct tlb_geom *l1d,
	     const struct tlb_geom *stlb)
{
	int rc;

	*t = (struct tlb){ 0 };
	rc = tlb_array_init(&t->tlb_l1d, l1d);
	if (rc < 0)
		return rc;
	rc = tlb_array_init(&t->tlb_stlb, stlb);
	if (rc < 0)
		tlb_array_fini(&t->tlb_l1d);
	return rc;
}

void tlb_fini(struct tlb *t)
{
	tlb_array_fini(&t->tlb_l1d);
	tlb_array_fini(&t->tlb_stlb);
}

/*
 * The inline tlb_lookup() has already missed in L1, so only the STLB is
 * probed here.  Called on its own for a vpn that L1 holds, it still answers
 * correctly: the refill replaces L1's entry for the same vpn.
 */
enum tlb_level tlb_lookup_slow(struct tlb *t, uint64_t vpn,
			       struct tlb_entry **out)
{
	struct tlb_entry *e = tlb_array_probe(&t->tlb_stlb, vpn);

	if (!e) {
		*out = NULL;
		return TLB_MISS;
	}
	*out = tlb_array_fill(&t->tlb_l1d, e);
	return TLB_HIT_L2;
}

struct tlb_entry *tlb_fill(struct tlb *t, const struct tlb_entry *e)
{
	tlb_array_fill(&t->tlb_stlb, e);
	return tlb_array_fill(&t->tlb_l1d, e);
}

void tlb_flush_vpn(struct tlb *t, uint64_t vpn)
{
	tlb_array_flush_vpn(&t->tlb_l1d, vpn);
	tlb_array_flush_vpn(&t->tlb_stlb, vpn);
}

void tlb_flush_all(struct tlb *t, bool keep_global)
{
	tlb_array_flush_all(&t->tlb_l1d, keep_global);
	tlb_array_flush_all(&t->tlb_stlb, keep_global);
}
