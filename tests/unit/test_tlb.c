/*
 * test_tlb.c - the tagged TLB arrays and the L1/STLB hierarchy
 * (sim/tlb/tlb.c): geometry rules; each replacement policy's victim in a
 * full set; set indexing; tags (SDM Vol. 3C §29.4.1, Vol. 3A §4.10.1: an
 * entry serves only its own VPID, PCID and EP4TA, a global one any PCID,
 * and linear and combined mappings never serve each other); per-size and
 * shared 4K/2M arrays; splitting a page into the sizes a level holds
 * (§29.4.2); invalidation by selection.
 *
 * Each test builds its own arrays.  Array geometries:
 *   SET4    8 entries, 4 ways: 2 sets; the even vpns share set 0
 *   SMALL2  8 entries, 2 ways: 4 sets; vpn & 3 is the set
 * Hierarchies, by the arrays (entries/ways) of each level:
 *            L1 data              L1 instruction       STLB
 *   FULL    4K 64/4 2M 32/4      4K 128/8 2M 8/8      4K 1024/8 2M 1024/8
 *           1G 4/4               1G 4/4               1G 16/4
 *   SKL     4K 64/4 2M 32/4      4K 128/8 2M 8/8      4K+2M shared 1536/12
 *           1G 4/4               (no 1G)              1G 16/4
 *   TINY    4K 64/4              4K 64/4              4K 512/4 2M 32/4
 *
 * The translations the hierarchy tests cache contain
 *   VA  0x00007f127456789a
 * as a 4 KiB page at host frame 0x12345, a 2 MiB page at frame 0x12400,
 * or a 1 GiB page at frame 0x80000 (HPA 2 GiB).  VA's offset in the 1 GiB
 * page is 0x3456789a: its 2 MiB piece starts 0x34400 frames in, its 4 KiB
 * piece 0x34567; in the 2 MiB page its 4 KiB piece is 0x167 frames in.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim/mmu/mmu.h"
#include "sim/tlb/tlb.h"
#include "tests/lib/vcfix.h"
#include "tests/lib/tltab.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const struct tlb_geom SET4 = { .entries = 8, .ways = 4 };
static const struct tlb_geom SMALL2 = { .entries = 8, .ways = 2 };

#define VA UINT64_C(0x00007f127456789a)
#define PFN_4K UINT64_C(0x12345)
#define PFN_2M UINT64_C(0x12400)
#define PFN_1G UINT64_C(0x80000)

static const struct tlb_config FULL = {
	.l1 = {
		[TLB_DATA] = { .size = { { 64, 4 }, { 32, 4 }, { 4, 4 } } },
		[TLB_INSN] = { .size = { { 128, 8 }, { 8, 8 }, { 4, 4 } } },
	},
	.stlb = { .size = { { 1024, 8 }, { 1024, 8 }, { 16, 4 } } },
	.policy = TLB_LRU,
};

/* SKL: tests/lib/vcfix.c */
#define SKL vcfix_skylake_tlb

static const struct tlb_config TINY = {
	.l1 = {
		[TLB_DATA] = { .size = { { 64, 4 }, { 0, 0 }, { 0, 0 } } },
		[TLB_INSN] = { .size = { { 64, 4 }, { 0, 0 }, { 0, 0 } } },
	},
	.stlb = { .size = { { 512, 4 }, { 32, 4 }, { 0, 0 } } },
	.policy = TLB_LRU,
};

/* ---- helpers ---------------------------------------------------------- */

/* tagged - a translation of `shift` for `addr` made in context `tag` */
static struct tlb_entry tagged(uint64_t addr, unsigned shift, uint64_t pfn,
			       const struct tlb_tag *tag)
{
	struct tlb_entry e = {
		.te_vpn = addr >> shift,
		.te_pfn = pfn,
		.te_shift = (uint8_t)shift,
		.te_perm = MMU_PERM_W | MMU_PERM_U,
	};

	tlb_entry_tag(&e, tag);
	return e;
}

/* fill4k - vpn -> pfn, 4 KiB, context 0, into `ta`; returns the way written */
static struct tlb_entry *fill4k(struct tlb_array *ta, uint64_t vpn,
				uint64_t pfn)
{
	struct tlb_entry e = tagged(vpn << 12, 12, pfn, &(struct tlb_tag){ 0 });
	struct tlb_entry *got = tlb_array_fill(ta, &e);

	assert_non_null(got);
	assert_int_equal(got->te_vpn, vpn);
	assert_int_equal(got->te_pfn, pfn);
	assert_int_not_equal(got->te_stamp, 0);
	return got;
}

/* probe4k - the 4 KiB entry of context 0 for vpn (a use for the policy) */
static struct tlb_entry *probe4k(struct tlb_array *ta, uint64_t vpn)
{
	return tlb_array_probe(ta, vpn << 12, 12, &(struct tlb_tag){ 0 });
}

/* count_in - valid entries of `ta` for vpn at `shift` (never probes) */
static unsigned count_in(const struct tlb_array *ta, uint64_t vpn,
			 unsigned shift)
{
	unsigned n = 0;

	for (size_t i = 0; i < (size_t)ta->ta_sets * ta->ta_ways; i++)
		n += ta->ta_ent[i].te_stamp != 0 && ta->ta_ent[i].te_vpn == vpn &&
		     ta->ta_ent[i].te_shift == shift;
	return n;
}

/* valid_in - valid entries of `ta` */
static unsigned valid_in(const struct tlb_array *ta)
{
	unsigned n = 0;

	for (size_t i = 0; i < (size_t)ta->ta_sets * ta->ta_ways; i++)
		n += ta->ta_ent[i].te_stamp != 0;
	return n;
}

/* valid_level - valid entries in every array of `lv` */
static unsigned valid_level(const struct tlb_level *lv)
{
	unsigned n = 0;

	for (unsigned p = 0; p < TLB_NPSIZE; p++)
		n += valid_in(&lv->tl_arr[p]);
	return n;
}

/* in_array - whether `e` is one of `ta`'s entries */
static bool in_array(const struct tlb_array *ta, const struct tlb_entry *e)
{
	return e >= ta->ta_ent &&
	       e < ta->ta_ent + (size_t)ta->ta_sets * ta->ta_ways;
}

/*
 * level_holds - whether some array of `lv` holds the page of `shift` at
 * addr made in exactly context `tag` (never probes)
 */
static bool level_holds(const struct tlb_level *lv, uint64_t addr,
			unsigned shift, const struct tlb_tag *tag)
{
	for (unsigned p = 0; p < TLB_NPSIZE; p++) {
		const struct tlb_array *ta = &lv->tl_arr[p];

		for (size_t i = 0; i < (size_t)ta->ta_sets * ta->ta_ways; i++) {
			const struct tlb_entry *e = &ta->ta_ent[i];

			if (e->te_stamp != 0 && e->te_vpn == addr >> shift &&
			    e->te_shift == shift && e->te_vpid == tag->tg_vpid &&
			    e->te_pcid == tag->tg_pcid &&
			    e->te_ept == tag->tg_ept &&
			    e->te_ep4ta == tag->tg_ep4ta)
				return true;
		}
	}
	return false;
}

/* drop_l1 - empty both L1 levels, as if they had evicted everything */
static void drop_l1(struct tlb *t)
{
	for (unsigned s = 0; s < TLB_NSIDE; s++)
		for (unsigned p = 0; p < TLB_NPSIZE; p++)
			if (tlb_array_on(&t->tlb_l1[s].tl_arr[p]))
				(void)tlb_array_invalidate(&t->tlb_l1[s].tl_arr[p],
							   &(struct tlb_sel){ 0 });
}

/* ---- geometry ---------------------------------------------------------- */

struct geom_case {
	const char *name;
	struct tlb_geom g;
	int want;
};

static const struct geom_case geom_cases[] = {
	{ "64 entries, 4 ways: 16 sets", { 64, 4 }, 0 },
	{ "1536 entries, 12 ways: 128 sets", { 1536, 12 }, 0 },
	{ "direct mapped: 16 entries, 1 way", { 16, 1 }, 0 },
	{ "fully associative: 64 entries, 64 ways", { 64, 64 }, 0 },
	{ "one entry", { 1, 1 }, 0 },
	{ "largest: 65536 entries, 64 ways", { 65536, 64 }, 0 },
	{ "zero entries", { 0, 1 }, -EINVAL },
	{ "zero ways", { 16, 0 }, -EINVAL },
	{ "more ways than entries", { 4, 8 }, -EINVAL },
	{ "entries not a multiple of ways: 48 / 5", { 48, 5 }, -EINVAL },
	{ "sets not a power of two: 48 / 4 = 12", { 48, 4 }, -EINVAL },
	{ "more than 64 ways", { 128, 128 }, -EINVAL },
	{ "more than 65536 entries", { 131072, 4 }, -EINVAL },
};

static void run_geom_case(void **state)
{
	const struct geom_case *c = *state;
	struct tlb_array ta;
	int rc;

	TL_EXPECT(c, "tlb_geom_check", (int64_t)tlb_geom_check(&c->g),
		  (int64_t)c->want);
	/* init agrees with the check, and a refused array owns nothing */
	rc = tlb_array_init(&ta, &c->g, TLB_LRU, 0);
	TL_EXPECT(c, "tlb_array_init", (int64_t)rc, (int64_t)c->want);
	if (rc < 0) {
		assert_null(ta.ta_ent);
		assert_false(tlb_array_on(&ta));
		return;
	}
	TL_EXPECT(c, "sets x ways", ta.ta_sets * ta.ta_ways, c->g.entries);
	TL_EXPECT(c, "ta_sizes", ta.ta_sizes, 0);
	tlb_array_fini(&ta);
	assert_false(tlb_array_on(&ta));
}

static void array_init_refuses_unknown_policy(void **state)
{
	struct tlb_array ta;

	(void)state;
	assert_int_equal(tlb_array_init(&ta, &SET4, TLB_NPOLICY, 0), -EINVAL);
	assert_null(ta.ta_ent);
}

/* ---- one array: fill, probe, set indexing ------------------------------ */

static void miss_then_hit(void **state)
{
	struct tlb_array ta;
	struct tlb_entry *e;

	(void)state;
	assert_int_equal(tlb_array_init(&ta, &SMALL2, TLB_LRU, 0), 0);
	assert_null(probe4k(&ta, 0x10));
	fill4k(&ta, 0x10, 0x1234);
	e = probe4k(&ta, 0x10);
	assert_non_null(e);
	assert_int_equal(e->te_pfn, 0x1234);
	assert_int_equal(e->te_perm, MMU_PERM_W | MMU_PERM_U);
	/* vpn 0 matches the zero vpn of the invalid ways: still a miss */
	assert_null(probe4k(&ta, 0));
	assert_null(probe4k(&ta, 0x14));
	tlb_array_fini(&ta);
}

/* The set is vpn & (sets - 1), whatever the entry's size. */
static void set_is_vpn_mod_sets(void **state)
{
	const struct tlb_tag t0 = { 0 };
	struct tlb_entry e = tagged(VA, 21, PFN_2M, &t0), *got;
	struct tlb_array ta;

	(void)state;
	assert_int_equal(tlb_array_init(&ta, &SMALL2, TLB_LRU, 0), 0);
	for (uint64_t vpn = 0x20; vpn < 0x28; vpn++) {
		got = fill4k(&ta, vpn, vpn + 0x100);
		assert_int_equal((size_t)(got - ta.ta_ent) / ta.ta_ways, vpn & 3);
	}
	/* VA >> 21 = 0x3f893a2: set 2 */
	got = tlb_array_fill(&ta, &e);
	assert_int_equal((size_t)(got - ta.ta_ent) / ta.ta_ways, 2);
	tlb_array_fini(&ta);
}

/* vpns in different sets never evict each other, however many. */
static void sets_are_independent(void **state)
{
	struct tlb_array ta;

	(void)state;
	assert_int_equal(tlb_array_init(&ta, &SMALL2, TLB_LRU, 0), 0);
	/* two vpns in each of the 4 sets: the array is exactly full */
	for (uint64_t vpn = 0x20; vpn < 0x28; vpn++)
		fill4k(&ta, vpn, vpn + 0x100);
	for (uint64_t vpn = 0x20; vpn < 0x28; vpn++)
		assert_int_equal(probe4k(&ta, vpn)->te_pfn, vpn + 0x100);
	/* a third vpn of set 1 evicts one of set 1's two, no other */
	fill4k(&ta, 0x29, 0x129);
	assert_int_equal(count_in(&ta, 0x21, 12) + count_in(&ta, 0x25, 12), 1);
	for (uint64_t vpn = 0x20; vpn < 0x28; vpn++)
		if ((vpn & 3) != 1)
			assert_int_equal(count_in(&ta, vpn, 12), 1);
	tlb_array_fini(&ta);
}

/* Refilling a cached page replaces its entry: one copy, the new contents. */
static void same_page_refill_replaces(void **state)
{
	const struct tlb_tag t0 = { 0 };
	struct tlb_entry e = tagged(0x10 << 12, 12, 7, &t0), *got;
	struct tlb_array ta;

	(void)state;
	assert_int_equal(tlb_array_init(&ta, &SMALL2, TLB_LRU, 0), 0);
	fill4k(&ta, 0x14, 2);
	fill4k(&ta, 0x10, 1);
	e.te_dirty = true;
	got = tlb_array_fill(&ta, &e); /* 0x14 is the LRU way but must survive */
	assert_true(got->te_dirty);
	assert_int_equal(count_in(&ta, 0x10, 12), 1);
	assert_int_equal(count_in(&ta, 0x14, 12), 1);
	assert_int_equal(probe4k(&ta, 0x10)->te_pfn, 7);
	tlb_array_fini(&ta);
}

/* The same page in two contexts is two entries, each its own. */
static void same_page_other_context_is_another_entry(void **state)
{
	const struct tlb_tag p1 = { .tg_pcid = 1 }, p2 = { .tg_pcid = 2 };
	struct tlb_entry a = tagged(0x10 << 12, 12, 1, &p1);
	struct tlb_entry b = tagged(0x10 << 12, 12, 2, &p2);
	struct tlb_array ta;

	(void)state;
	assert_int_equal(tlb_array_init(&ta, &SMALL2, TLB_LRU, 0), 0);
	tlb_array_fill(&ta, &a);
	tlb_array_fill(&ta, &b);
	assert_int_equal(count_in(&ta, 0x10, 12), 2);
	assert_int_equal(tlb_array_probe(&ta, 0x10 << 12, 12, &p1)->te_pfn, 1);
	assert_int_equal(tlb_array_probe(&ta, 0x10 << 12, 12, &p2)->te_pfn, 2);
	tlb_array_fini(&ta);
}

/*
 * An entry answers only for its own size: a 2 MiB entry and a 4 KiB entry
 * with the same vpn (different addresses) are two entries of one set.
 */
static void entries_answer_for_their_size(void **state)
{
	const struct tlb_tag t0 = { 0 };
	const uint64_t vpn = 0x3f893a2; /* VA >> 21 */
	struct tlb_entry big = tagged(VA, 21, PFN_2M, &t0);
	struct tlb_entry small = tagged(vpn << 12, 12, PFN_4K, &t0);
	struct tlb_array ta;

	(void)state;
	assert_int_equal(tlb_array_init(&ta, &SMALL2, TLB_LRU, 0), 0);
	tlb_array_fill(&ta, &big);
	tlb_array_fill(&ta, &small);
	assert_int_equal(count_in(&ta, vpn, 21), 1);
	assert_int_equal(count_in(&ta, vpn, 12), 1);
	assert_int_equal(tlb_array_probe(&ta, VA, 21, &t0)->te_pfn, PFN_2M);
	/* another 4 KiB page of the 2 MiB page, probed as 2 MiB */
	assert_int_equal(tlb_array_probe(&ta, VA ^ 0x1ff000, 21, &t0)->te_pfn,
			 PFN_2M);
	assert_null(tlb_array_probe(&ta, VA, 12, &t0));
	assert_int_equal(tlb_array_probe(&ta, vpn << 12, 12, &t0)->te_pfn, PFN_4K);
	tlb_array_fini(&ta);
}

/* ---- replacement -------------------------------------------------------
 *
 * SET4, and one row per case: `ops` is a sequence of "A" fill page A, "a"
 * probe page A (it must hit), "!A" invalidate page A; spaces are ignored.
 * Page A is vpn 2, B vpn 4, ...: all in set 0.  Vpn 1 (set 1) is filled
 * first and must outlive every row.  `cached`: the pages of set 0 cached
 * at the end; every other page the row named is gone.
 */
struct repl_case {
	const char *name;
	enum tlb_policy policy;
	uint32_t ways;          /* 0: SET4; else 2 x ways entries */
	const char *ops;
	const char *cached;
};

static const struct repl_case repl_cases[] = {
	{ "LRU: with no hits the first filled goes", TLB_LRU, 0,
	  "ABCD E", "BCDE" },
	{ "LRU: a hit saves the least recently used way", TLB_LRU, 0,
	  "ABCD a E", "ACDE" },
	{ "LRU: refilling a cached page renews it", TLB_LRU, 0,
	  "ABCD A E", "ACDE" },
	{ "LRU: hits on A and B make C and D the victims", TLB_LRU, 0,
	  "ABCD ab E F", "ABEF" },
	{ "LRU: the least recent of dcba is d", TLB_LRU, 0,
	  "ABCD dcba E", "ABCE" },
	{ "FIFO: a hit does not save the oldest way", TLB_FIFO, 0,
	  "ABCD a E", "BCDE" },
	{ "FIFO: hits on A and B still leave A and B the victims", TLB_FIFO, 0,
	  "ABCD ab E F", "CDEF" },
	{ "FIFO: refilling a cached page is a new fill", TLB_FIFO, 0,
	  "ABCD A E", "ACDE" },
	{ "NRU: with no hits the first filled goes", TLB_NRU, 0,
	  "ABCD E", "BCDE" },
	{ "NRU: a hit on the last unreferenced way clears the others",
	  TLB_NRU, 0, "ABCD a E", "ACDE" },
	{ "NRU: the first unreferenced way goes, not the least recent",
	  TLB_NRU, 0, "ABCD dcba E", "ACDE" },
	{ "NRU: a hit on a referenced way changes nothing", TLB_NRU, 0,
	  "ABCD c E", "BCDE" },
	{ "NRU: after a clear, later hits protect their ways", TLB_NRU, 0,
	  "ABCD a E c F", "ACEF" },
	{ "NRU, one way: the referenced way is taken", TLB_NRU, 1,
	  "A a B", "B" },
	{ "LRU: an invalid way before the victim", TLB_LRU, 0,
	  "ABCD !C E", "ABDE" },
	{ "FIFO: an invalid way before the victim", TLB_FIFO, 0,
	  "ABCD !C E", "ABDE" },
	{ "NRU: an invalid way before the victim", TLB_NRU, 0,
	  "ABCD !C E", "ABDE" },
	{ "RANDOM: an invalid way before the victim", TLB_RANDOM, 0,
	  "ABCD !C E", "ABDE" },
};

static uint64_t repl_vpn(char page)
{
	return 2 * (uint64_t)(page - 'A' + 1);
}

static void run_repl_case(void **state)
{
	const struct repl_case *c = *state;
	const struct tlb_geom g = c->ways ? (struct tlb_geom){ 2 * c->ways, c->ways }
					  : SET4;
	bool named[26] = { false };
	struct tlb_array ta;

	assert_int_equal(tlb_array_init(&ta, &g, c->policy, 0), 0);
	fill4k(&ta, 1, 0x999);
	for (const char *op = c->ops; *op; op++) {
		if (*op == ' ')
			continue;
		if (*op == '!') {
			const struct tlb_sel s = { .ts_flags = TLB_SEL_ADDR,
						   .ts_addr = repl_vpn(op[1]) << 12 };

			TL_EXPECT(c, "invalidated", tlb_array_invalidate(&ta, &s), 1);
			op++;
		} else if (*op >= 'A' && *op <= 'Z') {
			named[*op - 'A'] = true;
			fill4k(&ta, repl_vpn(*op), 0x100 + repl_vpn(*op));
		} else {
			if (!probe4k(&ta, repl_vpn((char)(*op - 'a' + 'A'))))
				fail_msg("%s: probe of %c missed", c->name, *op);
		}
	}
	for (char p = 'A'; p <= 'Z'; p++) {
		bool want = strchr(c->cached, p) != NULL;

		if (!named[p - 'A'] && !want)
			continue;
		if (count_in(&ta, repl_vpn(p), 12) != (want ? 1u : 0u))
			fail_msg("%s: page %c is %s, want %s", c->name, p,
				 want ? "gone" : "cached", want ? "cached" : "gone");
	}
	TL_EXPECT(c, "set 1's bystander", count_in(&ta, 1, 12), 1);
	tlb_array_fini(&ta);
}

/* NRU's stamps are the referenced bits: 1 not referenced, 2 referenced. */
static void nru_stamps_are_referenced_bits(void **state)
{
	static const uint64_t after_fills[4] = { 1, 2, 2, 2 };
	static const uint64_t after_hit[4] = { 2, 1, 1, 1 };
	struct tlb_array ta;

	(void)state;
	assert_int_equal(tlb_array_init(&ta, &SET4, TLB_NRU, 0), 0);
	for (uint64_t i = 0; i < 4; i++)
		fill4k(&ta, 2 * i, i);
	for (unsigned w = 0; w < 4; w++)
		assert_int_equal(ta.ta_ent[w].te_stamp, after_fills[w]);
	assert_non_null(probe4k(&ta, 0));
	for (unsigned w = 0; w < 4; w++)
		assert_int_equal(ta.ta_ent[w].te_stamp, after_hit[w]);
	tlb_array_fini(&ta);
}

/*
 * RANDOM: the victim of a full set is x % ways for successive states x of
 * xorshift64 (13, 7, 17) started at seed ^ 0x9E3779B97F4A7C15 (1 if that
 * is 0).  One row per seed; 4 entries, 4 ways (one set).
 */
struct rand_case {
	const char *name;
	uint64_t seed;
};

static const struct rand_case rand_cases[] = {
	{ "RANDOM, seed 0: victims from xorshift64", 0 },
	{ "RANDOM, seed 1: victims from xorshift64", 1 },
	{ "RANDOM, seed 12345: victims from xorshift64", 12345 },
	{ "RANDOM, seed 0x9E3779B97F4A7C15: the state would be 0, starts at 1",
	  UINT64_C(0x9E3779B97F4A7C15) },
};

static uint64_t xorshift64(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* rand_ways - the ways `n` fills after the first 4 go to in a RANDOM array */
static void rand_ways(uint64_t seed, unsigned n, unsigned *way)
{
	const struct tlb_geom g = { 4, 4 };
	struct tlb_array ta;

	assert_int_equal(tlb_array_init(&ta, &g, TLB_RANDOM, seed), 0);
	for (uint64_t vpn = 0; vpn < 4; vpn++)
		assert_ptr_equal(fill4k(&ta, vpn, vpn), &ta.ta_ent[vpn]);
	for (unsigned i = 0; i < n; i++) {
		uint64_t vpn = 4 + i;
		struct tlb_entry *got = fill4k(&ta, vpn, vpn);

		way[i] = (unsigned)(got - ta.ta_ent);
		assert_int_equal(got->te_stamp, 1);
		assert_int_equal(valid_in(&ta), 4);
	}
	tlb_array_fini(&ta);
}

static void run_rand_case(void **state)
{
	const struct rand_case *c = *state;
	uint64_t x = c->seed ^ UINT64_C(0x9E3779B97F4A7C15);
	unsigned way[64];

	if (x == 0)
		x = 1;
	rand_ways(c->seed, 64, way);
	for (unsigned i = 0; i < 64; i++)
		TL_EXPECT(c, "victim way", way[i], xorshift64(&x) % 4);
}

static void random_is_deterministic_per_seed(void **state)
{
	unsigned a[64], b[64], other[64];

	(void)state;
	rand_ways(1, 64, a);
	rand_ways(1, 64, b);
	rand_ways(2, 64, other);
	assert_memory_equal(a, b, sizeof(a));
	assert_memory_not_equal(a, other, sizeof(a));
}

/* ---- tags --------------------------------------------------------------
 *
 * One row per case: an entry made in context `made` (global or not) and a
 * probe of the same address in context `used`.
 */
struct tag_case {
	const char *name;
	struct tlb_tag made;
	bool global;
	struct tlb_tag used;
	bool hit;
};

#define EP4TA_X UINT64_C(0x1000000)
#define EP4TA_Y UINT64_C(0x2000000)

static const struct tag_case tag_cases[] = {
	{ "same VPID and PCID: hit", { 1, 5, false, 0 }, false,
	  { 1, 5, false, 0 }, true },
	{ "another VPID: miss", { 1, 5, false, 0 }, false,
	  { 2, 5, false, 0 }, false },
	{ "another PCID: miss", { 1, 5, false, 0 }, false,
	  { 1, 6, false, 0 }, false },
	{ "same EP4TA: hit", { 1, 5, true, EP4TA_X }, false,
	  { 1, 5, true, EP4TA_X }, true },
	{ "another EP4TA: miss", { 1, 5, true, EP4TA_X }, false,
	  { 1, 5, true, EP4TA_Y }, false },
	{ "global: another PCID hits", { 1, 5, false, 0 }, true,
	  { 1, 6, false, 0 }, true },
	{ "global: another PCID under the same EP4TA hits",
	  { 1, 5, true, EP4TA_X }, true, { 1, 6, true, EP4TA_X }, true },
	{ "global: another VPID misses", { 1, 5, false, 0 }, true,
	  { 2, 5, false, 0 }, false },
	{ "global: another EP4TA misses", { 1, 5, true, EP4TA_X }, true,
	  { 1, 6, true, EP4TA_Y }, false },
	{ "linear entry, lookup with EPT: miss", { 0, 0, false, 0 }, false,
	  { 0, 0, true, 0 }, false },
	{ "combined entry, lookup without EPT: miss", { 0, 0, true, 0 }, false,
	  { 0, 0, false, 0 }, false },
	{ "global linear entry, lookup with EPT: miss", { 1, 5, false, 0 }, true,
	  { 1, 5, true, 0 }, false },
	{ "guest-physical entry (EP4TA only): hit in its EP4TA",
	  { 0, 0, true, EP4TA_X }, false, { 0, 0, true, EP4TA_X }, true },
};

static void run_tag_case(void **state)
{
	const struct tag_case *c = *state;
	struct tlb_entry e = tagged(VA, 12, PFN_4K, &c->made);
	struct tlb_entry *got;
	struct tlb_array ta;

	assert_int_equal(tlb_array_init(&ta, &SMALL2, TLB_LRU, 0), 0);
	e.te_global = c->global;
	tlb_array_fill(&ta, &e);
	got = tlb_array_probe(&ta, VA, 12, &c->used);
	TL_EXPECT(c, "hit", got != NULL, c->hit);
	if (got)
		TL_EXPECT(c, "pfn", got->te_pfn, PFN_4K);
	/* the context it was made in always hits */
	TL_EXPECT(c, "own context hits",
		  tlb_array_probe(&ta, VA, 12, &c->made) != NULL, 1);
	tlb_array_fini(&ta);
}

/* ---- the hierarchy: configuration -------------------------------------- */

/*
 * FULL with one change per row: size `psize` of `level` (0 L1 data, 1 L1
 * instruction, 2 STLB) set to `g`, and share_2m there if `share`.
 */
struct cfg_case {
	const char *name;
	unsigned level;
	enum tlb_psize psize;
	struct tlb_geom g;
	bool share;
	int want;
	const char *why;        /* what *why says */
};

static const struct cfg_case cfg_cases[] = {
	{ "FULL as it is", 0, TLB_4K, { 64, 4 }, false, 0, NULL },
	{ "L1 data without 1 GiB pages", 0, TLB_1G, { 0, 0 }, false, 0, NULL },
	{ "a size of 0 entries is off whatever its ways", 2, TLB_1G, { 0, 4 },
	  false, 0, NULL },
	{ "STLB keeping 2 MiB pages in the 4 KiB array", 2, TLB_2M, { 0, 0 },
	  true, 0, NULL },
	{ "L1 data without a 4 KiB array", 0, TLB_4K, { 0, 0 }, false, -EINVAL,
	  "L1 data TLB: the 4 KiB array is required" },
	{ "L1 instruction without a 4 KiB array", 1, TLB_4K, { 0, 0 }, false,
	  -EINVAL, "L1 instruction TLB: the 4 KiB array is required" },
	{ "STLB without a 4 KiB array", 2, TLB_4K, { 0, 0 }, false, -EINVAL,
	  "STLB: the 4 KiB array is required" },
	{ "share_2m beside a 2 MiB array", 2, TLB_2M, { 1024, 8 }, true,
	  -EINVAL, "STLB: share_2m" },
	{ "STLB 2 MiB array of 12 sets", 2, TLB_2M, { 48, 4 }, false, -EINVAL,
	  "STLB 2 MiB: " },
	{ "L1 data 1 GiB array of 128 ways", 0, TLB_1G, { 128, 128 }, false,
	  -EINVAL, "L1 data TLB 1 GiB: " },
	{ "L1 instruction 2 MiB array, 48 entries in 5 ways", 1, TLB_2M,
	  { 48, 5 }, false, -EINVAL, "L1 instruction TLB 2 MiB: " },
};

static void run_cfg_case(void **state)
{
	const struct cfg_case *c = *state;
	struct tlb_config cfg = FULL;
	struct tlb_level_geom *lg = c->level < TLB_NSIDE ? &cfg.l1[c->level]
							 : &cfg.stlb;
	const char *why = NULL;
	struct tlb_level *lv;
	struct tlb t;
	int rc;

	lg->size[c->psize] = c->g;
	lg->share_2m = c->share;
	TL_EXPECT(c, "tlb_config_check", (int64_t)tlb_config_check(&cfg, &why),
		  (int64_t)c->want);
	if (c->want < 0 && (!why || !strstr(why, c->why)))
		fail_msg("%s: why is \"%s\", want \"%s\"", c->name,
			 why ? why : "(null)", c->why);
	rc = tlb_init(&t, &cfg);
	TL_EXPECT(c, "tlb_init", (int64_t)rc, (int64_t)c->want);
	if (rc < 0) {
		for (unsigned p = 0; p < TLB_NPSIZE; p++) {
			assert_null(t.tlb_l1[TLB_DATA].tl_arr[p].ta_ent);
			assert_null(t.tlb_l1[TLB_INSN].tl_arr[p].ta_ent);
			assert_null(t.tlb_stlb.tl_arr[p].ta_ent);
		}
		return;
	}
	lv = c->level < TLB_NSIDE ? &t.tlb_l1[c->level] : &t.tlb_stlb;
	TL_EXPECT(c, "the changed array is on",
		  tlb_array_on(&lv->tl_arr[c->psize]), c->g.entries != 0);
	tlb_fini(&t);
}

static void config_refuses_unknown_policy(void **state)
{
	struct tlb_config cfg = FULL;
	const char *why = NULL;
	struct tlb t;

	(void)state;
	cfg.policy = TLB_NPOLICY;
	assert_int_equal(tlb_config_check(&cfg, &why), -EINVAL);
	assert_non_null(why);
	assert_int_equal(tlb_init(&t, &cfg), -EINVAL);
}

/* tl_home names each size's array; ta_sizes the sizes each array holds. */
static void init_sets_homes_and_sizes(void **state)
{
	static const int8_t home[3][TLB_NPSIZE] = {
		{ 0, 1, 2 },    /* L1 data */
		{ 0, 1, -1 },   /* L1 instruction: no 1 GiB */
		{ 0, 0, 2 },    /* STLB: 2 MiB in the 4 KiB array */
	};
	static const uint8_t sizes[3][TLB_NPSIZE] = {
		{ 1, 2, 4 },
		{ 1, 2, 0 },
		{ 3, 0, 4 },
	};
	struct tlb t;

	(void)state;
	assert_int_equal(tlb_init(&t, &SKL), 0);
	for (unsigned i = 0; i < 3; i++) {
		const struct tlb_level *lv = i < 2 ? &t.tlb_l1[i] : &t.tlb_stlb;

		for (unsigned p = 0; p < TLB_NPSIZE; p++) {
			assert_int_equal(lv->tl_home[p], home[i][p]);
			assert_int_equal(lv->tl_arr[p].ta_sizes, sizes[i][p]);
			assert_int_equal(tlb_array_on(&lv->tl_arr[p]),
					 sizes[i][p] != 0);
		}
	}
	assert_int_equal(t.tlb_stlb.tl_arr[TLB_4K].ta_sets, 128);
	tlb_fini(&t);
	assert_false(tlb_array_on(&t.tlb_stlb.tl_arr[TLB_4K]));
}

/* ---- the hierarchy: lookup and fill ------------------------------------ */

static void miss_fill_hit_and_other_side(void **state)
{
	const struct tlb_tag tag = { .tg_vpid = 1, .tg_pcid = 3 };
	struct tlb_entry e = tagged(VA, 12, PFN_4K, &tag), *out;
	unsigned shift = 99;
	struct tlb t;

	(void)state;
	assert_int_equal(tlb_init(&t, &FULL), 0);
	assert_int_equal(tlb_lookup(&t, TLB_DATA, VA, &tag, &out, &shift), TLB_MISS);
	assert_null(out);
	assert_int_equal(shift, 0);
	e.te_vpn = 0x5555; /* ignored by tlb_fill */
	out = tlb_fill(&t, TLB_DATA, VA, &e);
	assert_true(in_array(&t.tlb_l1[TLB_DATA].tl_arr[TLB_4K], out));
	assert_int_equal(out->te_vpn, VA >> 12);
	assert_int_equal(valid_level(&t.tlb_l1[TLB_DATA]), 1);
	assert_int_equal(valid_level(&t.tlb_l1[TLB_INSN]), 0);
	assert_int_equal(valid_level(&t.tlb_stlb), 1);
	assert_true(level_holds(&t.tlb_stlb, VA, 12, &tag));

	assert_int_equal(tlb_lookup(&t, TLB_DATA, VA, &tag, &out, &shift), TLB_HIT_L1);
	assert_int_equal(shift, 12);
	assert_int_equal(out->te_pfn, PFN_4K);
	/* the instruction side finds it in the STLB, and keeps a copy */
	assert_int_equal(tlb_lookup(&t, TLB_INSN, VA, &tag, &out, &shift), TLB_HIT_L2);
	assert_int_equal(shift, 12);
	assert_true(in_array(&t.tlb_l1[TLB_INSN].tl_arr[TLB_4K], out));
	assert_int_equal(out->te_pfn, PFN_4K);
	assert_int_equal(tlb_lookup(&t, TLB_INSN, VA, &tag, &out, &shift), TLB_HIT_L1);
	/* another context misses at every level */
	assert_int_equal(tlb_lookup(&t, TLB_DATA, VA,
				    &(struct tlb_tag){ .tg_vpid = 1, .tg_pcid = 4 },
				    &out, &shift), TLB_MISS);
	tlb_fini(&t);
}

/* A 2 MiB entry in L1 serves every 4 KiB page of its 2 MiB. */
static void l1_large_entry_serves_its_whole_page(void **state)
{
	const struct tlb_tag t0 = { 0 };
	struct tlb_entry e = tagged(VA, 21, PFN_2M, &t0), *out;
	unsigned shift;
	struct tlb t;

	(void)state;
	assert_int_equal(tlb_init(&t, &FULL), 0);
	tlb_fill(&t, TLB_DATA, VA, &e);
	assert_int_equal(tlb_lookup(&t, TLB_DATA, (VA & ~UINT64_C(0x1fffff)) | 0x1ff000,
				    &t0, &out, &shift), TLB_HIT_L1);
	assert_int_equal(shift, 21);
	assert_int_equal(out->te_pfn, PFN_2M);
	assert_int_equal(tlb_lookup(&t, TLB_DATA, VA + 0x200000, &t0, &out, &shift),
			 TLB_MISS);
	tlb_fini(&t);
}

/*
 * Splitting: one row per case, a translation of `shift` at frame `pfn`
 * for VA filled through `side`; what the STLB and L1[side] then hold, and
 * what an STLB hit copies into an emptied L1.
 */
struct split_case {
	const char *name;
	const struct tlb_config *cfg;
	enum tlb_side side;
	unsigned shift;
	uint64_t pfn;
	unsigned stlb_shift;    /* the STLB entry: size, array, frame */
	unsigned stlb_arr;
	uint64_t stlb_pfn;
	unsigned l1_shift;      /* the L1 entry */
	uint64_t l1_pfn;
};

static const struct split_case split_cases[] = {
	{ "4 KiB page: 4 KiB entries", &FULL, TLB_DATA, 12, PFN_4K,
	  12, TLB_4K, PFN_4K, 12, PFN_4K },
	{ "2 MiB page, 2 MiB arrays: 2 MiB entries", &FULL, TLB_DATA, 21, PFN_2M,
	  21, TLB_2M, PFN_2M, 21, PFN_2M },
	{ "2 MiB page in SKL: the STLB's shared 4 KiB array", &SKL, TLB_DATA,
	  21, PFN_2M, 21, TLB_4K, PFN_2M, 21, PFN_2M },
	{ "2 MiB page, L1 of 4 KiB only: the 4 KiB piece in L1", &TINY,
	  TLB_DATA, 21, PFN_2M, 21, TLB_2M, PFN_2M, 12, 0x12567 },
	{ "1 GiB page, 1 GiB arrays: 1 GiB entries", &FULL, TLB_DATA, 30, PFN_1G,
	  30, TLB_1G, PFN_1G, 30, PFN_1G },
	{ "1 GiB page, L1 instruction without 1 GiB: the 2 MiB piece in L1",
	  &SKL, TLB_INSN, 30, PFN_1G, 30, TLB_1G, PFN_1G, 21, 0xb4400 },
	{ "1 GiB page, no 1 GiB array: 2 MiB piece in the STLB, 4 KiB in L1",
	  &TINY, TLB_DATA, 30, PFN_1G, 21, TLB_2M, 0xb4400, 12, 0xb4567 },
	{ "1 GiB page through L1 instruction of TINY: the 4 KiB piece",
	  &TINY, TLB_INSN, 30, PFN_1G, 21, TLB_2M, 0xb4400, 12, 0xb4567 },
};

/* one_entry - the single valid entry of `lv`, checking it is in array `arr` */
static const struct tlb_entry *one_entry(const struct split_case *c,
					 const struct tlb_level *lv,
					 unsigned arr, const char *what)
{
	const struct tlb_array *ta = &lv->tl_arr[arr];
	const struct tlb_entry *found = NULL;

	TL_EXPECT(c, what, valid_level(lv), 1);
	for (size_t i = 0; i < (size_t)ta->ta_sets * ta->ta_ways; i++)
		if (ta->ta_ent[i].te_stamp != 0)
			found = &ta->ta_ent[i];
	if (!found)
		fail_msg("%s: %s: no entry in array %u", c->name, what, arr);
	return found;
}

/* beside - an address of the same 2^big page as VA, outside VA's 2^small piece */
static uint64_t beside(unsigned big, unsigned small)
{
	uint64_t mask = (UINT64_C(1) << big) - 1;

	return (VA & ~mask) | ((VA + (UINT64_C(1) << small)) & mask);
}

static void run_split_case(void **state)
{
	const struct split_case *c = *state;
	const struct tlb_tag tag = { .tg_vpid = 7, .tg_ept = true,
				     .tg_ep4ta = EP4TA_X };
	const enum tlb_side other = c->side == TLB_DATA ? TLB_INSN : TLB_DATA;
	const unsigned l1_arr = c->l1_shift == 12 ? 0 : c->l1_shift == 21 ? 1 : 2;
	struct tlb_entry e = tagged(VA, c->shift, c->pfn, &tag), *out;
	const struct tlb_entry *s, *l;
	unsigned shift;
	struct tlb t;

	assert_int_equal(tlb_init(&t, c->cfg), 0);
	out = tlb_fill(&t, c->side, VA, &e);
	s = one_entry(c, &t.tlb_stlb, c->stlb_arr, "STLB entries");
	TL_EXPECT(c, "STLB te_shift", s->te_shift, c->stlb_shift);
	TL_EXPECT(c, "STLB te_vpn", s->te_vpn, VA >> c->stlb_shift);
	TL_EXPECT(c, "STLB te_pfn", s->te_pfn, c->stlb_pfn);
	TL_EXPECT(c, "STLB te_vpid", s->te_vpid, 7);
	l = one_entry(c, &t.tlb_l1[c->side], l1_arr, "L1 entries");
	TL_EXPECT(c, "tlb_fill returns the L1 entry", out == l, 1);
	TL_EXPECT(c, "L1 te_shift", l->te_shift, c->l1_shift);
	TL_EXPECT(c, "L1 te_vpn", l->te_vpn, VA >> c->l1_shift);
	TL_EXPECT(c, "L1 te_pfn", l->te_pfn, c->l1_pfn);
	TL_EXPECT(c, "L1 te_ep4ta", l->te_ep4ta, EP4TA_X);
	TL_EXPECT(c, "other side's entries", valid_level(&t.tlb_l1[other]), 0);

	/* an STLB hit refills the emptied L1 with the same piece */
	drop_l1(&t);
	TL_EXPECT(c, "refill: lookup",
		  tlb_lookup(&t, c->side, VA, &tag, &out, &shift), TLB_HIT_L2);
	TL_EXPECT(c, "refill: hit_shift", shift, c->stlb_shift);
	TL_EXPECT(c, "refill: in L1",
		  in_array(&t.tlb_l1[c->side].tl_arr[l1_arr], out), 1);
	TL_EXPECT(c, "refill: te_shift", out->te_shift, c->l1_shift);
	TL_EXPECT(c, "refill: te_vpn", out->te_vpn, VA >> c->l1_shift);
	TL_EXPECT(c, "refill: te_pfn", out->te_pfn, c->l1_pfn);
	TL_EXPECT(c, "refill: L1 entries", valid_level(&t.tlb_l1[c->side]), 1);
	TL_EXPECT(c, "again: lookup",
		  tlb_lookup(&t, c->side, VA, &tag, &out, &shift), TLB_HIT_L1);
	TL_EXPECT(c, "again: hit_shift", shift, c->l1_shift);

	/* only the piece holding VA was cached */
	if (c->stlb_shift < c->shift)
		TL_EXPECT(c, "same page, outside the STLB piece",
			  tlb_lookup(&t, c->side, beside(c->shift, c->stlb_shift),
				     &tag, &out, &shift), TLB_MISS);
	if (c->l1_shift < c->stlb_shift)
		TL_EXPECT(c, "same STLB piece, outside the L1 piece",
			  tlb_lookup(&t, c->side, beside(c->stlb_shift, c->l1_shift),
				     &tag, &out, &shift), TLB_HIT_L2);
	tlb_fini(&t);
}

/* ---- invalidation ------------------------------------------------------
 *
 * FULL, filled through L1 data with seven translations (every one in the
 * STLB and L1 data, at its own size):
 *
 *   #  address      size  VPID PCID  EPT EP4TA  global
 *   0  PA           4K    0    0     -   -      -
 *   1  PA + 4K      4K    1    1     -   -      -
 *   2  PA + 8K      4K    1    2     -   -      yes
 *   3  PD           2M    1    1     yes X      -
 *   4  PA + 12K     4K    2    1     yes Y      yes
 *   5  PA           4K    1    1     yes X      -
 *   6  PF           1G    0    0     yes X      -
 *
 * One row per selection: `gone` the entries it drops (bit i: entry i).
 */
#define PA UINT64_C(0x400000)
#define PD UINT64_C(0x40000000)
#define PF UINT64_C(0x8000000000)

static const struct {
	uint64_t addr;
	unsigned shift;
	struct tlb_tag tag;
	bool global;
} inv_pop[] = {
	{ PA, 12, { 0, 0, false, 0 }, false },
	{ PA + 0x1000, 12, { 1, 1, false, 0 }, false },
	{ PA + 0x2000, 12, { 1, 2, false, 0 }, true },
	{ PD, 21, { 1, 1, true, EP4TA_X }, false },
	{ PA + 0x3000, 12, { 2, 1, true, EP4TA_Y }, true },
	{ PA, 12, { 1, 1, true, EP4TA_X }, false },
	{ PF, 30, { 0, 0, true, EP4TA_X }, false },
};

struct inv_case {
	const char *name;
	struct tlb_sel sel;
	unsigned gone;
};

/* SEL(flags, other fields) - a struct tlb_sel initializer */
#define SEL(...) { .ts_flags = __VA_ARGS__ }

static const struct inv_case inv_cases[] = {
	{ "no flags: every entry", SEL(0), 0x7f },
	{ "VPID 1", SEL(TLB_SEL_VPID, .ts_vpid = 1), 0x2e },
	{ "VPID 0", SEL(TLB_SEL_VPID, .ts_vpid = 0), 0x41 },
	{ "not VPID 0", SEL(TLB_SEL_NOT_VPID0), 0x3e },
	{ "PCID 1", SEL(TLB_SEL_PCID, .ts_pcid = 1), 0x3a },
	{ "PCID 2", SEL(TLB_SEL_PCID, .ts_pcid = 2), 0x04 },
	{ "PCID 2 or global", SEL(TLB_SEL_PCID_OR_GLOBAL, .ts_pcid = 2), 0x14 },
	{ "PCID 0 or global", SEL(TLB_SEL_PCID_OR_GLOBAL, .ts_pcid = 0), 0x55 },
	{ "non-global", SEL(TLB_SEL_NONGLOBAL), 0x6b },
	{ "linear: made without EPT", SEL(TLB_SEL_LINEAR), 0x07 },
	{ "EPT: made with EPT, any EP4TA", SEL(TLB_SEL_EPT), 0x78 },
	{ "EP4TA X", SEL(TLB_SEL_EP4TA, .ts_ep4ta = EP4TA_X), 0x68 },
	{ "EP4TA Y", SEL(TLB_SEL_EP4TA, .ts_ep4ta = EP4TA_Y), 0x10 },
	{ "EP4TA 0 selects no linear entry", SEL(TLB_SEL_EP4TA, .ts_ep4ta = 0), 0 },
	{ "address PA: the page in every context",
	  SEL(TLB_SEL_ADDR, .ts_addr = PA + 0xfff), 0x21 },
	{ "address in the 2 MiB page at PD",
	  SEL(TLB_SEL_ADDR, .ts_addr = PD + 0x1ff000), 0x08 },
	{ "address in the 1 GiB page at PF",
	  SEL(TLB_SEL_ADDR, .ts_addr = PF + 0x3ffff000), 0x40 },
	{ "address cached nowhere", SEL(TLB_SEL_ADDR, .ts_addr = PA + 0x4000), 0 },
	{ "VPID 1, PCID 1, address PA", SEL(TLB_SEL_VPID | TLB_SEL_PCID | TLB_SEL_ADDR,
					     .ts_vpid = 1, .ts_pcid = 1, .ts_addr = PA),
	  0x20 },
	{ "VPID 1, non-global", SEL(TLB_SEL_VPID | TLB_SEL_NONGLOBAL, .ts_vpid = 1),
	  0x2a },
	{ "linear, VPID 1, PCID 1", SEL(TLB_SEL_LINEAR | TLB_SEL_VPID | TLB_SEL_PCID,
					 .ts_vpid = 1, .ts_pcid = 1), 0x02 },
	{ "EP4TA X, not VPID 0", SEL(TLB_SEL_EP4TA | TLB_SEL_NOT_VPID0,
				      .ts_ep4ta = EP4TA_X), 0x28 },
	{ "EPT, address PA", SEL(TLB_SEL_EPT | TLB_SEL_ADDR, .ts_addr = PA), 0x20 },
};

static void run_inv_case(void **state)
{
	const struct inv_case *c = *state;
	unsigned want = 0;
	struct tlb t;

	assert_int_equal(tlb_init(&t, &FULL), 0);
	for (unsigned i = 0; i < NELEM(inv_pop); i++) {
		const uint64_t pfn = 0x100000 * (i + 1);
		struct tlb_entry e = tagged(inv_pop[i].addr, inv_pop[i].shift,
					    pfn, &inv_pop[i].tag);

		e.te_global = inv_pop[i].global;
		tlb_fill(&t, TLB_DATA, inv_pop[i].addr, &e);
		want += (c->gone >> i) & 1;
	}
	TL_EXPECT(c, "entries cached", valid_level(&t.tlb_stlb) +
					       valid_level(&t.tlb_l1[TLB_DATA]),
		  2 * NELEM(inv_pop));
	/* each selected translation is dropped from the STLB and from L1 */
	TL_EXPECT(c, "count", tlb_invalidate(&t, &c->sel), 2 * want);
	for (unsigned i = 0; i < NELEM(inv_pop); i++) {
		bool stays = !((c->gone >> i) & 1);
		char what[48];

		snprintf(what, sizeof(what), "entry %u in the STLB", i);
		TL_EXPECT(c, what, level_holds(&t.tlb_stlb, inv_pop[i].addr,
					       inv_pop[i].shift, &inv_pop[i].tag),
			  stays);
		snprintf(what, sizeof(what), "entry %u in L1 data", i);
		TL_EXPECT(c, what, level_holds(&t.tlb_l1[TLB_DATA], inv_pop[i].addr,
					       inv_pop[i].shift, &inv_pop[i].tag),
			  stays);
	}
	tlb_fini(&t);
}

/*
 * SKL's STLB keeps 2 MiB pages in its 4 KiB array (128 sets): an address
 * selects both the set of its 4 KiB page (0x40605: set 5) and that of its
 * 2 MiB page (0x203: set 3).
 */
static void addr_invalidation_in_shared_array_finds_2m_entries(void **state)
{
	const struct tlb_tag t0 = { 0 };
	const uint64_t big = 0x40600000, other_big = 0x40800000;
	const struct tlb_sel s = { .ts_flags = TLB_SEL_ADDR,
				   .ts_addr = big + 0x5123 };
	struct tlb_entry e;
	struct tlb_array *shared;
	struct tlb t;

	(void)state;
	assert_int_equal(tlb_init(&t, &SKL), 0);
	shared = &t.tlb_stlb.tl_arr[TLB_4K];
	e = tagged(big, 21, PFN_2M, &t0);
	tlb_fill(&t, TLB_DATA, big, &e);
	e = tagged(other_big, 21, PFN_2M + 0x200, &t0);
	tlb_fill(&t, TLB_DATA, other_big, &e);
	e = tagged(big + 0x5000, 12, PFN_4K, &t0);
	tlb_fill(&t, TLB_DATA, big + 0x5000, &e);
	e = tagged(big + 0x6000, 12, PFN_4K + 1, &t0);
	tlb_fill(&t, TLB_DATA, big + 0x6000, &e);
	assert_int_equal(valid_in(shared), 4);

	assert_int_equal(tlb_array_invalidate(shared, &s), 2);
	assert_int_equal(count_in(shared, big >> 21, 21), 0);
	assert_int_equal(count_in(shared, (big + 0x5000) >> 12, 12), 0);
	assert_int_equal(count_in(shared, other_big >> 21, 21), 1);
	assert_int_equal(count_in(shared, (big + 0x6000) >> 12, 12), 1);
	/* L1 data still holds the two; the whole hierarchy drops them */
	assert_int_equal(tlb_invalidate(&t, &s), 2);
	assert_int_equal(valid_level(&t.tlb_l1[TLB_DATA]), 2);
	assert_int_equal(valid_level(&t.tlb_stlb), 2);
	tlb_fini(&t);
}

/*
 * An array that does not say its sizes (a walk cache, ta_sizes 0) holds
 * entries of any shift: an address drops every entry covering it, in
 * whatever set.
 */
static void addr_invalidation_in_walk_cache_scans_all(void **state)
{
	static const struct {
		unsigned shift;
		uint64_t delta;         /* added to VA >> shift */
		bool covers;
	} ents[] = {
		{ 21, 0, true }, { 30, 0, true }, { 39, 0, true }, { 48, 0, true },
		{ 6, 0, true }, { 21, 1, false }, { 39, 1, false }, { 6, 1, false },
	};
	const struct tlb_geom g = { 64, 4 };
	const struct tlb_sel s = { .ts_flags = TLB_SEL_ADDR, .ts_addr = VA };
	const struct tlb_tag t0 = { 0 };
	struct tlb_array ta;

	(void)state;
	assert_int_equal(tlb_array_init(&ta, &g, TLB_LRU, 0), 0);
	assert_int_equal(ta.ta_sizes, 0);
	for (unsigned i = 0; i < NELEM(ents); i++) {
		struct tlb_entry e = tagged(0, ents[i].shift, i, &t0);

		e.te_vpn = (VA >> ents[i].shift) + ents[i].delta;
		tlb_array_fill(&ta, &e);
	}
	assert_int_equal(tlb_array_invalidate(&ta, &s), 5);
	for (unsigned i = 0; i < NELEM(ents); i++)
		assert_int_equal(count_in(&ta, (VA >> ents[i].shift) + ents[i].delta,
					  ents[i].shift),
				 ents[i].covers ? 0 : 1);
	tlb_array_fini(&ta);
}

/* tlb_sel_match agrees with the table above, entry by entry, for one row. */
static void sel_match_one_entry(void **state)
{
	struct tlb_entry e = tagged(PD, 21, PFN_2M, &inv_pop[3].tag);

	(void)state;
	e.te_stamp = 1;
	assert_true(tlb_sel_match(&(struct tlb_sel){ 0 }, &e));
	assert_true(tlb_sel_match(&(struct tlb_sel){ .ts_flags = TLB_SEL_ADDR,
						     .ts_addr = PD + 0x100000 }, &e));
	assert_false(tlb_sel_match(&(struct tlb_sel){ .ts_flags = TLB_SEL_ADDR,
						      .ts_addr = PD + 0x200000 }, &e));
	assert_false(tlb_sel_match(&(struct tlb_sel)SEL(TLB_SEL_LINEAR), &e));
	assert_true(tlb_sel_match(&(struct tlb_sel)SEL(TLB_SEL_EPT), &e));
}

/*
 * LINEAR with EPT (or EP4TA) asks for entries made both without and with
 * EPT: a caller's bug, so it aborts naming the function.  Run in a child.
 */
static void expect_abort(unsigned flags, bool whole_tlb)
{
	char buf[2048];
	size_t len = 0;
	ssize_t n;
	int fds[2], status;
	pid_t pid;

	assert_int_equal(pipe(fds), 0);
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		const struct tlb_sel s = { .ts_flags = flags };
		struct tlb t;

		signal(SIGABRT, SIG_DFL);
		close(fds[0]);
		if (dup2(fds[1], STDERR_FILENO) < 0)
			_exit(3);
		if (whole_tlb) {
			if (tlb_init(&t, &FULL) < 0)
				_exit(4);
			(void)tlb_invalidate(&t, &s); /* an empty TLB still checks */
		} else {
			(void)tlb_sel_match(&s, &(struct tlb_entry){ .te_stamp = 1 });
		}
		_exit(0); /* did not abort: the parent fails the test */
	}
	close(fds[1]);
	while (len < sizeof(buf) - 1 &&
	       (n = read(fds[0], buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);
	if (!strstr(buf, "tlb_sel"))
		fail_msg("abort message lacks the function: %s", buf);
}

static void linear_with_ept_selection_aborts(void **state)
{
	(void)state;
	expect_abort(TLB_SEL_LINEAR | TLB_SEL_EPT, false);
	expect_abort(TLB_SEL_LINEAR | TLB_SEL_EP4TA, false);
	expect_abort(TLB_SEL_LINEAR | TLB_SEL_EPT, true);
}

int main(void)
{
	static const struct CMUnitTest singles[] = {
		cmocka_unit_test(array_init_refuses_unknown_policy),
		cmocka_unit_test(miss_then_hit),
		cmocka_unit_test(set_is_vpn_mod_sets),
		cmocka_unit_test(sets_are_independent),
		cmocka_unit_test(same_page_refill_replaces),
		cmocka_unit_test(same_page_other_context_is_another_entry),
		cmocka_unit_test(entries_answer_for_their_size),
		cmocka_unit_test(nru_stamps_are_referenced_bits),
		cmocka_unit_test(random_is_deterministic_per_seed),
		cmocka_unit_test(config_refuses_unknown_policy),
		cmocka_unit_test(init_sets_homes_and_sizes),
		cmocka_unit_test(miss_fill_hit_and_other_side),
		cmocka_unit_test(l1_large_entry_serves_its_whole_page),
		cmocka_unit_test(addr_invalidation_in_shared_array_finds_2m_entries),
		cmocka_unit_test(addr_invalidation_in_walk_cache_scans_all),
		cmocka_unit_test(sel_match_one_entry),
		cmocka_unit_test(linear_with_ept_selection_aborts),
	};
	struct tl_tests ts = { 0 };

	TL_ROWS(&ts, geom_cases, run_geom_case);
	TL_ROWS(&ts, repl_cases, run_repl_case);
	TL_ROWS(&ts, rand_cases, run_rand_case);
	TL_ROWS(&ts, tag_cases, run_tag_case);
	TL_ROWS(&ts, cfg_cases, run_cfg_case);
	TL_ROWS(&ts, split_cases, run_split_case);
	TL_ROWS(&ts, inv_cases, run_inv_case);
	tl_tests_add(&ts, singles, NELEM(singles));
	return tl_tests_run(&ts, "tlb");
}
