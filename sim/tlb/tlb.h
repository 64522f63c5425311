/*
 * tlb.h - the TLB hierarchy of one logical processor, and the tagged
 * set-associative array that it, the walk caches (sim/mmu) and the
 * page-table line cache are built from.
 *
 *   lookup(side, va, tag)
 *     L1[side]: the 4 KiB array (inline), then 2 MiB, then 1 GiB
 *     STLB (unified for instructions and data): its arrays by page size
 *       hit --> the entry is copied into L1[side] (split to a size L1 holds)
 *     miss --> the caller walks (sim/mmu) and calls tlb_fill()
 *
 * Tags (SDM Vol. 3C §29.4.1, Vol. 3A §4.10.1).  Every entry remembers the
 * context it was made in: the VPID (0 in VMX root operation and natively,
 * or with "enable VPID" off), the PCID (0 unless CR4.PCIDE), and, if EPT
 * was in use, the EP4TA (EPTP bits 51:12).  In the SDM's words an entry
 * made without EPT is a linear mapping, one made with EPT a combined
 * mapping (guest-virtual to host-physical); the nested TLB and the EPT
 * paging-structure caches hold guest-physical mappings, which carry only
 * the EP4TA (VPID and PCID are 0 in their tags).  A lookup uses only
 * entries of its own context; a global entry (G in the leaf, CR4.PGE)
 * matches any PCID, never another VPID or EP4TA.
 *
 * Page sizes.  A level has up to three arrays, one per page size; an
 * array may hold two sizes (Skylake's STLB keeps 4 KiB and 2 MiB pages in
 * one array).  An entry covers 2^te_shift bytes and is tagged with
 * addr >> te_shift.  A translation is cached at each level in the largest
 * size that level holds that is not larger than the translation's page
 * (under EPT the smaller of the guest and EPT page sizes, §29.4.2): the
 * piece that contains the address, as processors split ("fracture") pages
 * their TLB cannot hold whole.
 *
 * Replacement (one policy for every array of a TLB): LRU; FIFO; NRU (one
 * referenced bit per way, the bit-PLRU of many cores); RANDOM from a seed.
 *
 * Invalidation is by selection (struct tlb_sel): every entry the
 * selection matches is dropped.  The rules of each instruction (INVLPG,
 * INVPCID, MOV to CR3, INVVPID, INVEPT, VM entry and exit) are in
 * sim/vmx/inv.c; this file only knows how to find entries.
 *
 * Hot path: tlb_array_probe() and tlb_lookup() are inline and probe the L1
 * 4 KiB array first; everything else is out of line.
 */
#ifndef EPTSIM_SIM_TLB_TLB_H
#define EPTSIM_SIM_TLB_TLB_H

#include "sim/base.h"

/* page sizes a TLB caches */
enum tlb_psize { TLB_4K, TLB_2M, TLB_1G, TLB_NPSIZE };

/* tlb_psize_shift - 12, 21 or 30 */
static inline unsigned tlb_psize_shift(enum tlb_psize p)
{
	return 12u + 9u * (unsigned)p;
}

enum tlb_policy { TLB_LRU, TLB_FIFO, TLB_NRU, TLB_RANDOM, TLB_NPOLICY };

/* the context a lookup is made in, and an entry was made in */
struct tlb_tag {
	uint16_t tg_vpid;
	uint16_t tg_pcid;       /* 12 bits */
	bool tg_ept;            /* EPT in use: a combined or guest-physical mapping */
	uint64_t tg_ep4ta;      /* EPTP bits 51:12, as an address (0 unless tg_ept) */
};

struct tlb_entry {
	uint64_t te_vpn;        /* address >> te_shift */
	uint64_t te_pfn;        /* host frame (4 KiB units) of the first byte covered */
	uint64_t te_stamp;      /* replacement state; 0 = invalid */
	uint64_t te_aux;        /* walk caches: see sim/mmu/mmu.h */
	uint64_t te_ep4ta;      /* tag: see struct tlb_tag */
	uint16_t te_vpid;       /* tag */
	uint16_t te_pcid;       /* tag */
	uint8_t te_shift;       /* bytes covered: 2^te_shift */
	uint8_t te_perm;        /* MMU_PERM_* of the translation */
	uint8_t te_eperm;       /* MMU_EPERM_* (walk caches under EPT) */
	bool te_ept;            /* tag: made with EPT in use */
	bool te_dirty;          /* D was set when this entry was filled */
	bool te_global;         /* G of the leaf: matches every PCID */
};

struct tlb_geom {
	uint32_t entries;       /* total entries; entries / ways is a power of two */
	uint32_t ways;
};

struct tlb_array {
	uint32_t ta_sets;       /* power of two */
	uint32_t ta_ways;       /* 0: the array is off (never initialized) */
	uint8_t ta_policy;      /* enum tlb_policy */
	uint8_t ta_sizes;       /* bit p: may hold entries of size enum tlb_psize p;
				   0: see ta_shift */
	uint8_t ta_shift;       /* with ta_sizes 0: the one te_shift of every entry
				   (a walk cache of one level); 0: any (scan all) */
	uint64_t ta_clock;      /* LRU and FIFO stamps; bumped before use, never 0 */
	uint64_t ta_rng;        /* TLB_RANDOM: xorshift64 state, never 0 */
	struct tlb_entry *ta_ent; /* ta_sets * ta_ways, set-major */
};

/* tlb_geom_check - 0 if `g` is a valid geometry, else -EINVAL. */
int tlb_geom_check(const struct tlb_geom *g) MUST_CHECK;

/*
 * tlb_array_init - an empty array of geometry `g` replacing by `policy`;
 * `seed` seeds TLB_RANDOM (any value, 0 included).  0, -EINVAL, -ENOMEM.
 */
int tlb_array_init(struct tlb_array *ta, const struct tlb_geom *g,
		   enum tlb_policy policy, uint64_t seed) MUST_CHECK;
/* tlb_array_fini - free the entries; the array is off afterwards */
void tlb_array_fini(struct tlb_array *ta);

/* tlb_array_on - whether `ta` has entries (probe, fill and invalidate need it) */
static inline bool tlb_array_on(const struct tlb_array *ta)
{
	return ta->ta_ways != 0;
}

/* tlb_tag_match - whether entry `e` serves a lookup in context `t` */
static inline bool tlb_tag_match(const struct tlb_entry *e,
				 const struct tlb_tag *t)
{
	return e->te_vpid == t->tg_vpid &&
	       (e->te_pcid == t->tg_pcid || e->te_global) &&
	       e->te_ept == t->tg_ept && e->te_ep4ta == t->tg_ep4ta;
}

/* tlb_entry_tag - give `e` the tag `t` (the context it is made in) */
static inline void tlb_entry_tag(struct tlb_entry *e, const struct tlb_tag *t)
{
	e->te_vpid = t->tg_vpid;
	e->te_pcid = t->tg_pcid;
	e->te_ept = t->tg_ept;
	e->te_ep4ta = t->tg_ep4ta;
}

/* tlb_touch_slow - NRU bookkeeping on a hit (out of line: it may scan the set) */
void tlb_touch_slow(struct tlb_array *ta, struct tlb_entry *e);

/*
 * tlb_array_probe - the entry of size 2^shift covering `addr` in context
 * `tag`, or NULL.  A hit counts as a use for the replacement policy.
 */
static inline struct tlb_entry *tlb_array_probe(struct tlb_array *ta,
						uint64_t addr, unsigned shift,
						const struct tlb_tag *tag)
{
	const uint64_t vpn = addr >> shift;
	struct tlb_entry *set =
		&ta->ta_ent[(size_t)(vpn & (ta->ta_sets - 1)) * ta->ta_ways];

	for (uint32_t w = 0; w < ta->ta_ways; w++) {
		struct tlb_entry *e = &set[w];

		if (e->te_stamp != 0 && e->te_vpn == vpn &&
		    e->te_shift == shift && tlb_tag_match(e, tag)) {
			if (ta->ta_policy == TLB_LRU)
				e->te_stamp = ++ta->ta_clock;
			else if (ta->ta_policy == TLB_NRU)
				tlb_touch_slow(ta, e);
			return e;
		}
	}
	return NULL;
}

/*
 * tlb_array_fill - insert `e` (te_vpn and te_shift set; te_stamp ignored).
 * It replaces an entry with the same vpn, size and tag if there is one,
 * else takes an invalid way, else the policy's victim.  Returns the entry
 * written.
 */
struct tlb_entry *tlb_array_fill(struct tlb_array *ta,
				 const struct tlb_entry *e);

/*
 * Selection of entries to invalidate: an entry is selected when every
 * condition in ts_flags holds.  No flags: everything.
 */
struct tlb_sel {
	unsigned ts_flags;
	uint16_t ts_vpid;
	uint16_t ts_pcid;
	uint64_t ts_ep4ta;
	uint64_t ts_addr;
};

#define TLB_SEL_VPID (1u << 0)      /* te_vpid == ts_vpid */
#define TLB_SEL_NOT_VPID0 (1u << 1) /* te_vpid != 0 */
#define TLB_SEL_PCID (1u << 2)      /* te_pcid == ts_pcid */
#define TLB_SEL_PCID_OR_GLOBAL (1u << 3) /* te_pcid == ts_pcid, or te_global */
#define TLB_SEL_NONGLOBAL (1u << 4) /* !te_global */
#define TLB_SEL_LINEAR (1u << 5)    /* !te_ept: made without EPT */
#define TLB_SEL_EPT (1u << 6)       /* te_ept: made with EPT (any EP4TA) */
#define TLB_SEL_EP4TA (1u << 7)     /* te_ept && te_ep4ta == ts_ep4ta */
#define TLB_SEL_ADDR (1u << 8)      /* the entry covers ts_addr: ts_addr >> te_shift == te_vpn */

/* tlb_sel_match - whether `s` selects `e` (a valid entry) */
bool tlb_sel_match(const struct tlb_sel *s, const struct tlb_entry *e);

/*
 * tlb_array_invalidate - drop every entry of `ta` that `s` selects.  With
 * TLB_SEL_ADDR only the set(s) that could hold the address are scanned,
 * for each entry size the array holds.  Returns how many were dropped.
 */
unsigned tlb_array_invalidate(struct tlb_array *ta, const struct tlb_sel *s);

/* ---- the hierarchy ---------------------------------------------------- */

enum tlb_side { TLB_DATA, TLB_INSN, TLB_NSIDE };

/*
 * One level's geometry: an array per page size.  A size with 0 entries is
 * not cached at this level, unless share_2m puts 2 MiB pages in the 4 KiB
 * array (then size[TLB_2M] must have 0 entries).
 */
struct tlb_level_geom {
	struct tlb_geom size[TLB_NPSIZE];
	bool share_2m;
};

struct tlb_config {
	struct tlb_level_geom l1[TLB_NSIDE];    /* [enum tlb_side] */
	struct tlb_level_geom stlb;
	enum tlb_policy policy;
	uint64_t seed;
};

struct tlb_level {
	struct tlb_array tl_arr[TLB_NPSIZE];    /* by page size; off if not cached */
	int8_t tl_home[TLB_NPSIZE];             /* the array holding size p, or -1 */
};

struct tlb {
	struct tlb_level tlb_l1[TLB_NSIDE];
	struct tlb_level tlb_stlb;
};

/* which level answered a lookup */
enum tlb_hit { TLB_MISS = 0, TLB_HIT_L1, TLB_HIT_L2 };

/*
 * tlb_config_check - 0 if `c` can be built: every geometry valid or 0
 * entries, share_2m only with a 2 MiB size of 0 entries, the 4 KiB arrays
 * of L1 (both sides) and of the STLB present.  Else -EINVAL and *why.
 */
int tlb_config_check(const struct tlb_config *c, const char **why) MUST_CHECK;

/* tlb_init - an empty hierarchy; 0, -EINVAL (see tlb_config_check), -ENOMEM */
int tlb_init(struct tlb *t, const struct tlb_config *c) MUST_CHECK;
void tlb_fini(struct tlb *t);

/*
 * tlb_level_probe - the entry of `lv` that covers `va` in context `tag`,
 * trying its sizes from 4 KiB up, or NULL.
 */
struct tlb_entry *tlb_level_probe(struct tlb_level *lv, uint64_t va,
				  const struct tlb_tag *tag);

/*
 * tlb_lookup_slow - the rest of a lookup after the L1 4 KiB array missed:
 * the larger L1 arrays, then the STLB.  An STLB hit is copied into
 * L1[side].  *out: the entry to use (the L1 copy after a refill), NULL on
 * a miss; *hit_shift: the size of the entry that hit, at the level that
 * hit (before any split into L1).
 */
enum tlb_hit tlb_lookup_slow(struct tlb *t, enum tlb_side side, uint64_t va,
			     const struct tlb_tag *tag, struct tlb_entry **out,
			     unsigned *hit_shift);

/* tlb_lookup - probe L1[side] 4 KiB inline, then tlb_lookup_slow() */
static inline enum tlb_hit tlb_lookup(struct tlb *t, enum tlb_side side,
				      uint64_t va, const struct tlb_tag *tag,
				      struct tlb_entry **out,
				      unsigned *hit_shift)
{
	struct tlb_entry *e = tlb_array_probe(&t->tlb_l1[side].tl_arr[TLB_4K],
					      va, 12, tag);

	if (likely(e != NULL)) {
		*out = e;
		*hit_shift = 12;
		return TLB_HIT_L1;
	}
	return tlb_lookup_slow(t, side, va, tag, out, hit_shift);
}

/*
 * tlb_fill - after a walk for `va`: cache the translation `e` describes in
 * the STLB and L1[side].  e->te_shift is the size the translation allows
 * (12, 21, 30), e->te_pfn the host frame of the first byte of that page;
 * tags, rights and flags as they are to be cached; te_vpn is ignored.
 * Each level caches the piece of the page containing va in the largest
 * size it holds that is not larger (see the top of this file).  Returns
 * the L1 entry.
 */
struct tlb_entry *tlb_fill(struct tlb *t, enum tlb_side side, uint64_t va,
			   const struct tlb_entry *e);

/* tlb_invalidate - drop every entry of every level that `s` selects; returns the count */
unsigned tlb_invalidate(struct tlb *t, const struct tlb_sel *s);

/*
 * tlb_count - add the valid entries of every array of `t` (both L1s and
 * the STLB) to n[enum tlb_psize] by the size they cover: the page-size mix.
 */
void tlb_count(const struct tlb *t, uint64_t n[TLB_NPSIZE]);

#endif
