/*
 * tlb.c - the out-of-line half of the TLB (see tlb.h): geometry,
 * replacement, selection for invalidation, and the hierarchy's lookup,
 * fill and invalidation.
 *
 * An array is `ta_sets` sets of `ta_ways` entries, set-major, indexed by
 * the low bits of the entry's vpn (address >> te_shift).  With at most 64
 * ways a linear scan is as fast as any list and keeps the entry a plain
 * struct that tests can read.  The replacement state is one stamp per
 * entry, and a stamp of 0 marks an invalid entry, so invalidation is a
 * store of 0:
 *
 *   policy   stamp of a valid entry             victim in a full set
 *   LRU      ++ta_clock at fill and at hit      the smallest stamp
 *   FIFO     ++ta_clock at fill                 the smallest stamp
 *   NRU      1 not referenced, 2 referenced     the first way at 1; none:
 *                                               all to 1, way 0
 *   RANDOM   1                                  xorshift64(ta_rng) % ways
 *
 * The clock starts at 0 and is bumped before use, so it never hands out 0
 * (it would take 2^64 uses to wrap).  NRU is the bit-PLRU of many cores:
 * a fill or a hit marks its way referenced, and when that leaves every
 * valid way of the set referenced the others are cleared, so a full set of
 * two ways or more always has a way at 1.
 */
#include "sim/tlb/tlb.h"

#include "sim/rng.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define TLB_MAX_WAYS 64u
#define TLB_MAX_ENTRIES 65536u

/* NRU stamps */
#define TLB_NRU_OLD UINT64_C(1)  /* valid, not referenced since a clear */
#define TLB_NRU_REF UINT64_C(2)  /* valid, referenced */
/* RANDOM keeps no state per entry: every valid entry has this stamp */
#define TLB_RANDOM_VALID UINT64_C(1)

/* mixed into the RANDOM seed so that seed 0 gives a usable state */
#define TLB_RNG_MIX UINT64_C(0x9E3779B97F4A7C15)

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

int tlb_array_init(struct tlb_array *ta, const struct tlb_geom *g,
		   enum tlb_policy policy, uint64_t seed)
{
	int rc;

	*ta = (struct tlb_array){ 0 };
	if ((unsigned)policy >= TLB_NPOLICY)
		return -EINVAL;
	rc = tlb_geom_check(g);
	if (rc < 0)
		return rc;
	ta->ta_ent = calloc(g->entries, sizeof(*ta->ta_ent));
	if (!ta->ta_ent)
		return -ENOMEM;
	ta->ta_sets = g->entries / g->ways;
	ta->ta_ways = g->ways;
	ta->ta_policy = (uint8_t)policy;
	/* xorshift64 is stuck at 0 */
	ta->ta_rng = seed ^ TLB_RNG_MIX;
	if (ta->ta_rng == 0)
		ta->ta_rng = 1;
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
 * tlb_nru_ref - mark `e`, a way of `set`, referenced; if no valid way is
 * left unreferenced, clear every other one.
 */
static void tlb_nru_ref(struct tlb_array *ta, struct tlb_entry *set,
			struct tlb_entry *e)
{
	e->te_stamp = TLB_NRU_REF;
	for (uint32_t w = 0; w < ta->ta_ways; w++)
		if (set[w].te_stamp == TLB_NRU_OLD)
			return;
	for (uint32_t w = 0; w < ta->ta_ways; w++)
		if (&set[w] != e && set[w].te_stamp != 0)
			set[w].te_stamp = TLB_NRU_OLD;
}

void tlb_touch_slow(struct tlb_array *ta, struct tlb_entry *e)
{
	size_t i = (size_t)(e - ta->ta_ent);

	ES_ASSERT(ta->ta_policy == TLB_NRU &&
		  i < (size_t)ta->ta_sets * ta->ta_ways,
		  "policy=%u entry=%zu of %u x %u", ta->ta_policy, i,
		  ta->ta_sets, ta->ta_ways);
	tlb_nru_ref(ta, &ta->ta_ent[i - i % ta->ta_ways], e);
}

/* tlb_xorshift64 - the next state of Marsaglia's xorshift64 (13, 7, 17) */
static uint64_t tlb_xorshift64(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* tlb_victim - the way the policy evicts from `set`, which is full */
static struct tlb_entry *tlb_victim(struct tlb_array *ta, struct tlb_entry *set)
{
	struct tlb_entry *v = &set[0];

	switch (ta->ta_policy) {
	case TLB_LRU:
	case TLB_FIFO:
		for (uint32_t w = 1; w < ta->ta_ways; w++)
			if (set[w].te_stamp < v->te_stamp)
				v = &set[w];
		return v;
	case TLB_NRU:
		for (uint32_t w = 0; w < ta->ta_ways; w++)
			if (set[w].te_stamp == TLB_NRU_OLD)
				return &set[w];
		/* every way referenced: only a set of one way gets here */
		for (uint32_t w = 0; w < ta->ta_ways; w++)
			set[w].te_stamp = TLB_NRU_OLD;
		return v;
	case TLB_RANDOM:
		return &set[tlb_xorshift64(&ta->ta_rng) % ta->ta_ways];
	}
	ES_ASSERT(false, "policy=%u", ta->ta_policy);
	return v;
}

/* tlb_same - whether `a` and `b` cache the same page in the same context */
static bool tlb_same(const struct tlb_entry *a, const struct tlb_entry *b)
{
	return a->te_vpn == b->te_vpn && a->te_shift == b->te_shift &&
	       a->te_vpid == b->te_vpid && a->te_pcid == b->te_pcid &&
	       a->te_ept == b->te_ept && a->te_ep4ta == b->te_ep4ta;
}

/*
 * tlb_way - the way `e` goes to in `set`: the entry that already caches
 * its page in its context (so nothing is cached twice), else the first
 * invalid way, else the policy's victim.
 */
static struct tlb_entry *tlb_way(struct tlb_array *ta, struct tlb_entry *set,
				 const struct tlb_entry *e)
{
	struct tlb_entry *free_way = NULL;

	for (uint32_t w = 0; w < ta->ta_ways; w++) {
		if (set[w].te_stamp == 0) {
			if (!free_way)
				free_way = &set[w];
		} else if (tlb_same(&set[w], e)) {
			return &set[w];
		}
	}
	return free_way ? free_way : tlb_victim(ta, set);
}

struct tlb_entry *tlb_array_fill(struct tlb_array *ta,
				 const struct tlb_entry *e)
{
	struct tlb_entry *set = tlb_set(ta, e->te_vpn);
	struct tlb_entry *v = tlb_way(ta, set, e);

	*v = *e;
	switch (ta->ta_policy) {
	case TLB_LRU:
	case TLB_FIFO:
		v->te_stamp = ++ta->ta_clock;
		break;
	case TLB_NRU:
		tlb_nru_ref(ta, set, v);
		break;
	case TLB_RANDOM:
		v->te_stamp = TLB_RANDOM_VALID;
		break;
	default:
		ES_ASSERT(false, "policy=%u", ta->ta_policy);
	}
	return v;
}

/* ---- selection ---------------------------------------------------------
 *
 * A selection is a conjunction, so each flag is one test that may reject
 * the entry.  Without EPT and with EPT are opposite conditions on te_ept
 * (EP4TA implies with EPT): a selection asking for both would select
 * nothing, and is a bug in the caller, not a request.
 */

static void tlb_sel_assert(const struct tlb_sel *s)
{
	ES_ASSERT(!((s->ts_flags & TLB_SEL_LINEAR) &&
		    (s->ts_flags & (TLB_SEL_EPT | TLB_SEL_EP4TA))),
		  "flags=%#x", s->ts_flags);
}

/* sel_match - tlb_sel_match without the check of `s`: the invalidation loops check it once */
static inline bool sel_match(const struct tlb_sel *s, const struct tlb_entry *e)
{
	const unsigned f = s->ts_flags;

	/* the address first: it rules out most entries of a set */
	if ((f & TLB_SEL_ADDR) && (s->ts_addr >> e->te_shift) != e->te_vpn)
		return false;
	if ((f & TLB_SEL_VPID) && e->te_vpid != s->ts_vpid)
		return false;
	if ((f & TLB_SEL_NOT_VPID0) && e->te_vpid == 0)
		return false;
	if ((f & TLB_SEL_PCID) && e->te_pcid != s->ts_pcid)
		return false;
	if ((f & TLB_SEL_PCID_OR_GLOBAL) && e->te_pcid != s->ts_pcid &&
	    !e->te_global)
		return false;
	if ((f & TLB_SEL_NONGLOBAL) && e->te_global)
		return false;
	if ((f & TLB_SEL_LINEAR) && e->te_ept)
		return false;
	if ((f & TLB_SEL_EPT) && !e->te_ept)
		return false;
	if ((f & TLB_SEL_EP4TA) && (!e->te_ept || e->te_ep4ta != s->ts_ep4ta))
		return false;
	return true;
}

bool tlb_sel_match(const struct tlb_sel *s, const struct tlb_entry *e)
{
	tlb_sel_assert(s);
	return sel_match(s, e);
}

/* tlb_drop - invalidate the `n` entries at `ent` that `s` selects; the count */
static unsigned tlb_drop(struct tlb_entry *ent, size_t n,
			 const struct tlb_sel *s)
{
	unsigned dropped = 0;

	for (size_t i = 0; i < n; i++) {
		if (ent[i].te_stamp != 0 && sel_match(s, &ent[i])) {
			ent[i] = (struct tlb_entry){ 0 };
			dropped++;
		}
	}
	return dropped;
}

/*
 * An address selects, for each size the array holds, the one set an entry
 * of that size covering it would be in.  An array that does not say which
 * sizes it holds; an array of one known shift (ta_shift, a walk cache of
 * one level) only the set for that shift; any other array is scanned
 * whole.
 */
unsigned tlb_array_invalidate(struct tlb_array *ta, const struct tlb_sel *s)
{
	unsigned n = 0;

	tlb_sel_assert(s);
	if ((s->ts_flags & TLB_SEL_ADDR) && ta->ta_sizes == 0 && ta->ta_shift != 0)
		return tlb_drop(tlb_set(ta, s->ts_addr >> ta->ta_shift),
				ta->ta_ways, s);
	if (!(s->ts_flags & TLB_SEL_ADDR) || ta->ta_sizes == 0)
		return tlb_drop(ta->ta_ent,
				(size_t)ta->ta_sets * ta->ta_ways, s);
	for (unsigned p = 0; p < TLB_NPSIZE; p++) {
		if (!(ta->ta_sizes & (1u << p)))
			continue;
		n += tlb_drop(tlb_set(ta, s->ts_addr >> tlb_psize_shift(p)),
			      ta->ta_ways, s);
	}
	return n;
}

/* ---- the hierarchy -----------------------------------------------------
 *
 * A level is three arrays indexed by page size, and tl_home[], which names
 * the array that holds each size (-1: none).  Sharing is only a home: with
 * share_2m, tl_home[TLB_2M] = TLB_4K and tl_arr[TLB_2M] stays off.  So a
 * probe or fill by size never asks whether the level shares, and walking
 * tl_arr[] visits every array once.
 *
 * Splitting.  A level caches the piece of a page that contains the
 * address, at the largest size it holds that is not larger than the page.
 * In a page of 2^S bytes at host frame F, the piece of 2^s bytes holding
 * va starts at frame F + ((va mod 2^S) >> s << (s - 12)).
 */

/* the levels in order: L1 data, L1 instruction (enum tlb_side), STLB */
enum { TLB_NLEVEL = TLB_NSIDE + 1 };

static struct tlb_level *tlb_level_at(struct tlb *t, unsigned i)
{
	return i < TLB_NSIDE ? &t->tlb_l1[i] : &t->tlb_stlb;
}

static const struct tlb_level_geom *
tlb_level_geom_at(const struct tlb_config *c, unsigned i)
{
	return i < TLB_NSIDE ? &c->l1[i] : &c->stlb;
}

#define TLB_GEOM_RULE                                                          \
	"entries must be a multiple of ways, with ways at most 64, entries "  \
	"at most 65536 and entries / ways a power of two"

#define TLB_WHY_LEVEL(lv)                                                      \
	{                                                                      \
		lv ": the 4 KiB array is required (entries > 0)",              \
		{ lv " 4 KiB: " TLB_GEOM_RULE, lv " 2 MiB: " TLB_GEOM_RULE,    \
		  lv " 1 GiB: " TLB_GEOM_RULE },                               \
		lv ": share_2m keeps 2 MiB pages in the 4 KiB array, so "      \
		   "the 2 MiB array must have 0 entries",                      \
	}

/* why tlb_config_check refuses, by level (tlb_level_at order) */
static const struct {
	const char *no_4k;
	const char *bad_geom[TLB_NPSIZE];
	const char *share;
} tlb_why[TLB_NLEVEL] = {
	TLB_WHY_LEVEL("L1 data TLB"),
	TLB_WHY_LEVEL("L1 instruction TLB"),
	TLB_WHY_LEVEL("STLB"),
};

int tlb_config_check(const struct tlb_config *c, const char **why)
{
	if ((unsigned)c->policy >= TLB_NPOLICY) {
		*why = "TLB replacement policy unknown";
		return -EINVAL;
	}
	for (unsigned i = 0; i < TLB_NLEVEL; i++) {
		const struct tlb_level_geom *lg = tlb_level_geom_at(c, i);

		for (unsigned p = 0; p < TLB_NPSIZE; p++) {
			if (lg->size[p].entries != 0 &&
			    tlb_geom_check(&lg->size[p]) < 0) {
				*why = tlb_why[i].bad_geom[p];
				return -EINVAL;
			}
		}
		if (lg->size[TLB_4K].entries == 0) {
			*why = tlb_why[i].no_4k;
			return -EINVAL;
		}
		if (lg->share_2m && lg->size[TLB_2M].entries != 0) {
			*why = tlb_why[i].share;
			return -EINVAL;
		}
	}
	return 0;
}

/*
 * Each array slot draws its own RANDOM seed from c->seed through
 * splitmix64, built or not, so an array's stream depends only on the seed
 * and its place, not on which other arrays exist.
 */
int tlb_init(struct tlb *t, const struct tlb_config *c)
{
	uint64_t seeds = c->seed;
	const char *why;
	int rc;

	memset(t, 0, sizeof(*t));
	for (unsigned i = 0; i < TLB_NLEVEL; i++)
		memset(tlb_level_at(t, i)->tl_home, -1,
		       sizeof(tlb_level_at(t, i)->tl_home));
	rc = tlb_config_check(c, &why);
	if (rc < 0)
		return rc;
	for (unsigned i = 0; i < TLB_NLEVEL; i++) {
		const struct tlb_level_geom *lg = tlb_level_geom_at(c, i);
		struct tlb_level *lv = tlb_level_at(t, i);

		for (unsigned p = 0; p < TLB_NPSIZE; p++) {
			uint64_t seed = rng_splitmix64(&seeds);

			if (lg->size[p].entries == 0)
				continue;
			rc = tlb_array_init(&lv->tl_arr[p], &lg->size[p],
					    c->policy, seed);
			if (rc < 0)
				goto fail;
			lv->tl_arr[p].ta_sizes = (uint8_t)(1u << p);
			lv->tl_home[p] = (int8_t)p;
		}
		if (lg->share_2m) {
			lv->tl_arr[TLB_4K].ta_sizes |= 1u << TLB_2M;
			lv->tl_home[TLB_2M] = TLB_4K;
		}
	}
	return 0;

fail:
	tlb_fini(t);
	return rc;
}

void tlb_fini(struct tlb *t)
{
	for (unsigned i = 0; i < TLB_NLEVEL; i++) {
		struct tlb_level *lv = tlb_level_at(t, i);

		for (unsigned p = 0; p < TLB_NPSIZE; p++) {
			tlb_array_fini(&lv->tl_arr[p]);
			lv->tl_home[p] = -1;
		}
	}
}

/* tlb_probe_from - tlb_level_probe over the sizes from `first` up */
static struct tlb_entry *tlb_probe_from(struct tlb_level *lv,
					enum tlb_psize first, uint64_t va,
					const struct tlb_tag *tag)
{
	for (unsigned p = first; p < TLB_NPSIZE; p++) {
		struct tlb_entry *e;

		if (lv->tl_home[p] < 0)
			continue;
		e = tlb_array_probe(&lv->tl_arr[lv->tl_home[p]], va,
				    tlb_psize_shift(p), tag);
		if (e)
			return e;
	}
	return NULL;
}

struct tlb_entry *tlb_level_probe(struct tlb_level *lv, uint64_t va,
				  const struct tlb_tag *tag)
{
	return tlb_probe_from(lv, TLB_4K, va, tag);
}

/*
 * tlb_level_put - cache in `lv` the piece of the page `e` describes (its
 * te_shift and te_pfn) that contains `va`, at the largest size `lv` holds
 * that is not larger than the page.  Returns the entry written.
 */
static struct tlb_entry *tlb_level_put(struct tlb_level *lv, uint64_t va,
				       const struct tlb_entry *e)
{
	const uint64_t off = va & ((UINT64_C(1) << e->te_shift) - 1);
	unsigned p = TLB_1G, shift;
	struct tlb_entry piece = *e;

	while (p > TLB_4K &&
	       (lv->tl_home[p] < 0 || tlb_psize_shift(p) > e->te_shift))
		p--;
	ES_ASSERT(lv->tl_home[p] >= 0, "no 4 KiB array: home=%d",
		  lv->tl_home[p]);
	shift = tlb_psize_shift(p);
	piece.te_shift = (uint8_t)shift;
	piece.te_vpn = va >> shift;
	piece.te_pfn = e->te_pfn + ((off >> shift) << (shift - PAGE_SHIFT));
	return tlb_array_fill(&lv->tl_arr[lv->tl_home[p]], &piece);
}

/*
 * The inline tlb_lookup() has already probed L1's 4 KiB size, so L1 is
 * probed from 2 MiB up.  Called on its own for an address L1 holds at
 * 4 KiB, it still answers correctly: the STLB hit's refill replaces L1's
 * entry for the same page and context.
 */
enum tlb_hit tlb_lookup_slow(struct tlb *t, enum tlb_side side, uint64_t va,
			     const struct tlb_tag *tag, struct tlb_entry **out,
			     unsigned *hit_shift)
{
	struct tlb_level *l1 = &t->tlb_l1[side];
	struct tlb_entry *e = tlb_probe_from(l1, TLB_2M, va, tag);

	if (e) {
		*out = e;
		*hit_shift = e->te_shift;
		return TLB_HIT_L1;
	}
	e = tlb_level_probe(&t->tlb_stlb, va, tag);
	if (!e) {
		*out = NULL;
		*hit_shift = 0;
		return TLB_MISS;
	}
	*hit_shift = e->te_shift;
	*out = tlb_level_put(l1, va, e);
	return TLB_HIT_L2;
}

struct tlb_entry *tlb_fill(struct tlb *t, enum tlb_side side, uint64_t va,
			   const struct tlb_entry *e)
{
	const unsigned s = e->te_shift;

	/* pieces are offsets from te_pfn: it must be the page's first frame */
	ES_ASSERT((s == 12 || s == 21 || s == 30) &&
		  (e->te_pfn & ((UINT64_C(1) << (s - PAGE_SHIFT)) - 1)) == 0,
		  "te_shift=%u te_pfn=%#llx", s, (unsigned long long)e->te_pfn);
	tlb_level_put(&t->tlb_stlb, va, e);
	return tlb_level_put(&t->tlb_l1[side], va, e);
}

unsigned tlb_invalidate(struct tlb *t, const struct tlb_sel *s)
{
	unsigned n = 0;

	tlb_sel_assert(s);
	for (unsigned i = 0; i < TLB_NLEVEL; i++) {
		struct tlb_level *lv = tlb_level_at(t, i);

		for (unsigned p = 0; p < TLB_NPSIZE; p++)
			if (tlb_array_on(&lv->tl_arr[p]))
				n += tlb_array_invalidate(&lv->tl_arr[p], s);
	}
	return n;
}

static void tlb_level_count(const struct tlb_level *lv, uint64_t n[TLB_NPSIZE])
{
	for (unsigned a = 0; a < TLB_NPSIZE; a++) {
		const struct tlb_array *ta = &lv->tl_arr[a];

		for (uint64_t i = 0; i < (uint64_t)ta->ta_sets * ta->ta_ways; i++) {
			const struct tlb_entry *e = &ta->ta_ent[i];

			if (e->te_stamp != 0)
				n[(e->te_shift - PAGE_SHIFT) / 9]++;
		}
	}
}

void tlb_count(const struct tlb *t, uint64_t n[TLB_NPSIZE])
{
	for (unsigned s = 0; s < TLB_NSIDE; s++)
		tlb_level_count(&t->tlb_l1[s], n);
	tlb_level_count(&t->tlb_stlb, n);
}
