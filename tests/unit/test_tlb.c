/*
 * test_tlb.c - the TLB arrays and the two-level hierarchy (sim/tlb/tlb.c):
 * geometry rules, LRU replacement within a set, set indexing, the STLB
 * refilling L1, and invalidation (SDM Vol. 3A §4.10.4: INVLPG drops one
 * page; a CR3 write drops all but global entries).
 *
 * Each test builds its own TLB.  Geometry used, unless a test says other:
 *   SMALL2 - 8 entries, 2 ways: 4 sets, vpn & 3 selects the set, so vpns
 *            0x10, 0x14, 0x18 all share set 0.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>

#include "sim/mmu/mmu.h"
#include "sim/tlb/tlb.h"

static const struct tlb_geom SMALL2 = { .entries = 8, .ways = 2 };

/* three vpns of set 0 in SMALL2 */
#define VPN_A UINT64_C(0x10)
#define VPN_B UINT64_C(0x14)
#define VPN_C UINT64_C(0x18)

static struct tlb_entry ent(uint64_t vpn, uint64_t pfn)
{
	return (struct tlb_entry){ .te_vpn = vpn, .te_pfn = pfn,
				   .te_perm = MMU_PERM_W | MMU_PERM_U };
}

/* fill - insert vpn -> pfn into `ta` */
static void fill(struct tlb_array *ta, uint64_t vpn, uint64_t pfn)
{
	struct tlb_entry e = ent(vpn, pfn);
	struct tlb_entry *got = tlb_array_fill(ta, &e);

	assert_non_null(got);
	assert_int_equal(got->te_vpn, vpn);
	assert_int_equal(got->te_pfn, pfn);
	assert_int_not_equal(got->te_stamp, 0);
}

/* cached - whether `ta` holds vpn (probing makes it most recently used) */
static bool cached(struct tlb_array *ta, uint64_t vpn)
{
	return tlb_array_probe(ta, vpn) != NULL;
}

/* pfn_of - the pfn `ta` caches for vpn, failing the test on a miss */
static uint64_t pfn_of(struct tlb_array *ta, uint64_t vpn)
{
	struct tlb_entry *e = tlb_array_probe(ta, vpn);

	assert_non_null(e);
	return e->te_pfn;
}

/* count_valid - valid entries in `ta` with vpn `vpn` (never probes) */
static unsigned count_valid(const struct tlb_array *ta, uint64_t vpn)
{
	unsigned n = 0;

	for (size_t i = 0; i < (size_t)ta->ta_sets * ta->ta_ways; i++)
		n += ta->ta_ent[i].te_stamp != 0 && ta->ta_ent[i].te_vpn == vpn;
	return n;
}

/* Geometry rules, one row each. */
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

	assert_int_equal(tlb_geom_check(&c->g), c->want);
	/* init agrees with the check, and a refused array owns nothing */
	rc = tlb_array_init(&ta, &c->g);
	assert_int_equal(rc, c->want);
	if (rc < 0) {
		assert_null(ta.ta_ent);
		return;
	}
	assert_int_equal(ta.ta_sets * ta.ta_ways, c->g.entries);
	tlb_array_fini(&ta);
}

static void miss_then_hit(void **state)
{
	struct tlb_array ta;
	struct tlb_entry *e;

	(void)state;
	assert_int_equal(tlb_array_init(&ta, &SMALL2), 0);
	assert_null(tlb_array_probe(&ta, VPN_A));
	fill(&ta, VPN_A, 0x1234);
	e = tlb_array_probe(&ta, VPN_A);
	assert_non_null(e);
	assert_int_equal(e->te_pfn, 0x1234);
	assert_int_equal(e->te_perm, MMU_PERM_W | MMU_PERM_U);
	/* vpn 0 has an invalid entry's zero vpn in every way: still a miss */
	assert_null(tlb_array_probe(&ta, 0));
	assert_null(tlb_array_probe(&ta, VPN_B));
	tlb_array_fini(&ta);
}

/* 2-way set 0: the least recently used way goes, a probe counts as use. */
static void lru_evicts_least_recently_used(void **state)
{
	struct tlb_array ta;

	(void)state;
	assert_int_equal(tlb_array_init(&ta, &SMALL2), 0);
	fill(&ta, VPN_A, 1);
	fill(&ta, VPN_B, 2);
	assert_true(cached(&ta, VPN_A));  /* A is now newer than B */
	fill(&ta, VPN_C, 3);              /* evicts B */
	assert_int_equal(count_valid(&ta, VPN_B), 0);
	assert_int_equal(count_valid(&ta, VPN_A), 1);
	assert_int_equal(count_valid(&ta, VPN_C), 1);
	fill(&ta, VPN_B, 2);              /* evicts A: C was filled after */
	assert_int_equal(count_valid(&ta, VPN_A), 0);
	assert_int_equal(count_valid(&ta, VPN_B), 1);
	assert_int_equal(count_valid(&ta, VPN_C), 1);
	tlb_array_fini(&ta);
}

/* An invalid way is used before any valid one, however old. */
static void fill_prefers_invalid_way(void **state)
{
	struct tlb_array ta;

	(void)state;
	assert_int_equal(tlb_array_init(&ta, &SMALL2), 0);
	fill(&ta, VPN_A, 1);
	fill(&ta, VPN_B, 2);
	assert_true(cached(&ta, VPN_A)); /* B is the LRU way */
	tlb_array_flush_vpn(&ta, VPN_A); /* A's way is now invalid */
	fill(&ta, VPN_C, 3);
	assert_int_equal(count_valid(&ta, VPN_B), 1);
	assert_int_equal(count_valid(&ta, VPN_C), 1);
	tlb_array_fini(&ta);
}

/* Refilling a cached vpn replaces its entry: one copy, the new contents. */
static void same_vpn_refill_replaces(void **state)
{
	struct tlb_array ta;
	struct tlb_entry e = ent(VPN_A, 7), *got;

	(void)state;
	assert_int_equal(tlb_array_init(&ta, &SMALL2), 0);
	fill(&ta, VPN_B, 2);
	fill(&ta, VPN_A, 1);
	e.te_dirty = true;
	got = tlb_array_fill(&ta, &e); /* B is LRU but must survive */
	assert_true(got->te_dirty);
	assert_int_equal(count_valid(&ta, VPN_A), 1);
	assert_int_equal(count_valid(&ta, VPN_B), 1);
	assert_int_equal(pfn_of(&ta, VPN_A), 7);
	tlb_array_fini(&ta);
}

/* vpns in different sets never evict each other, however many. */
static void sets_are_independent(void **state)
{
	struct tlb_array ta;

	(void)state;
	assert_int_equal(tlb_array_init(&ta, &SMALL2), 0);
	/* two vpns in each of the 4 sets: the array is exactly full */
	for (uint64_t vpn = 0x20; vpn < 0x28; vpn++)
		fill(&ta, vpn, vpn + 0x100);
	for (uint64_t vpn = 0x20; vpn < 0x28; vpn++)
		assert_int_equal(pfn_of(&ta, vpn), vpn + 0x100);
	/* a third vpn of set 1 evicts one of set 1's two, no other */
	fill(&ta, 0x29, 0x129);
	assert_int_equal(count_valid(&ta, 0x21) + count_valid(&ta, 0x25), 1);
	for (uint64_t vpn = 0x20; vpn < 0x28; vpn++)
		if ((vpn & 3) != 1)
			assert_int_equal(count_valid(&ta, vpn), 1);
	tlb_array_fini(&ta);
}

static void flush_vpn_drops_only_that_page(void **state)
{
	struct tlb_array ta;

	(void)state;
	assert_int_equal(tlb_array_init(&ta, &SMALL2), 0);
	fill(&ta, VPN_A, 1);
	fill(&ta, VPN_B, 2);
	fill(&ta, 0x11, 3);
	tlb_array_flush_vpn(&ta, VPN_A);
	tlb_array_flush_vpn(&ta, 0x99); /* not cached: nothing happens */
	assert_false(cached(&ta, VPN_A));
	assert_true(cached(&ta, VPN_B));
	assert_true(cached(&ta, 0x11));
	tlb_array_fini(&ta);
}

/* fill_globals - A and 0x12 global (in sets 0 and 2), B and 0x11 not */
static void fill_globals(struct tlb_array *ta)
{
	static const struct tlb_entry ents[] = {
		{ .te_vpn = VPN_A, .te_pfn = 1, .te_global = true },
		{ .te_vpn = VPN_B, .te_pfn = 2 },
		{ .te_vpn = 0x11, .te_pfn = 3 },
		{ .te_vpn = 0x12, .te_pfn = 4, .te_global = true },
	};

	for (size_t i = 0; i < sizeof(ents) / sizeof(ents[0]); i++)
		tlb_array_fill(ta, &ents[i]);
}

static void flush_all_drops_everything(void **state)
{
	struct tlb_array ta;

	(void)state;
	assert_int_equal(tlb_array_init(&ta, &SMALL2), 0);
	fill_globals(&ta);
	tlb_array_flush_all(&ta, false);
	assert_false(cached(&ta, VPN_A));
	assert_false(cached(&ta, VPN_B));
	assert_false(cached(&ta, 0x11));
	assert_false(cached(&ta, 0x12));
	tlb_array_fini(&ta);
}

static void flush_all_keep_global_keeps_global(void **state)
{
	struct tlb_array ta;

	(void)state;
	assert_int_equal(tlb_array_init(&ta, &SMALL2), 0);
	fill_globals(&ta);
	tlb_array_flush_all(&ta, true);
	assert_true(cached(&ta, VPN_A));
	assert_false(cached(&ta, VPN_B));
	assert_false(cached(&ta, 0x11));
	assert_true(cached(&ta, 0x12));
	tlb_array_fini(&ta);
}

/*
 * The hierarchy: L1 of SMALL2 (8 entries), STLB of 64 entries, 4 ways
 * (16 sets).
 */
static const struct tlb_geom STLB = { .entries = 64, .ways = 4 };

static void hierarchy_miss_fill_hit(void **state)
{
	struct tlb_entry e = ent(VPN_A, 0x42), *out = &e;
	struct tlb t;

	(void)state;
	assert_int_equal(tlb_init(&t, &SMALL2, &STLB), 0);
	assert_int_equal(tlb_lookup(&t, VPN_A, &out), TLB_MISS);
	assert_null(out);
	out = tlb_fill(&t, &e);
	assert_int_equal(count_valid(&t.tlb_l1d, VPN_A), 1);
	assert_int_equal(count_valid(&t.tlb_stlb, VPN_A), 1);
	/* the copy returned is L1's */
	assert_true(out >= t.tlb_l1d.ta_ent && out < t.tlb_l1d.ta_ent + 8);
	assert_int_equal(tlb_lookup(&t, VPN_A, &out), TLB_HIT_L1);
	assert_int_equal(out->te_pfn, 0x42);
	tlb_fini(&t);
}

static void stlb_hit_refills_l1(void **state)
{
	struct tlb_entry e = ent(VPN_A, 0x42), *out;
	struct tlb t;

	(void)state;
	assert_int_equal(tlb_init(&t, &SMALL2, &STLB), 0);
	tlb_fill(&t, &e);
	tlb_array_flush_vpn(&t.tlb_l1d, VPN_A); /* as if L1 had evicted it */
	assert_int_equal(tlb_lookup(&t, VPN_A, &out), TLB_HIT_L2);
	assert_int_equal(out->te_pfn, 0x42);
	assert_true(out >= t.tlb_l1d.ta_ent && out < t.tlb_l1d.ta_ent + 8);
	assert_int_equal(tlb_lookup(&t, VPN_A, &out), TLB_HIT_L1);
	tlb_fini(&t);
}

static void hierarchy_flushes_reach_both_levels(void **state)
{
	struct tlb_entry a = ent(VPN_A, 1), b = ent(VPN_B, 2), *out;
	struct tlb t;

	(void)state;
	assert_int_equal(tlb_init(&t, &SMALL2, &STLB), 0);
	a.te_global = true;
	tlb_fill(&t, &a);
	tlb_fill(&t, &b);
	tlb_flush_vpn(&t, VPN_B);
	assert_int_equal(tlb_lookup(&t, VPN_B, &out), TLB_MISS);
	tlb_fill(&t, &b);
	tlb_flush_all(&t, true);
	assert_int_equal(tlb_lookup(&t, VPN_B, &out), TLB_MISS);
	assert_int_equal(tlb_lookup(&t, VPN_A, &out), TLB_HIT_L1);
	tlb_flush_all(&t, false);
	assert_int_equal(tlb_lookup(&t, VPN_A, &out), TLB_MISS);
	tlb_fini(&t);
}

static void init_with_bad_stlb_fails_clean(void **state)
{
	static const struct tlb_geom bad = { .entries = 48, .ways = 4 };
	struct tlb t;

	(void)state;
	assert_int_equal(tlb_init(&t, &SMALL2, &bad), -EINVAL);
	assert_null(t.tlb_l1d.ta_ent);
	assert_null(t.tlb_stlb.ta_ent);
}

int main(void)
{
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(miss_then_hit),
		cmocka_unit_test(lru_evicts_least_recently_used),
		cmocka_unit_test(fill_prefers_invalid_way),
		cmocka_unit_test(same_vpn_refill_replaces),
		cmocka_unit_test(sets_are_independent),
		cmocka_unit_test(flush_vpn_drops_only_that_page),
		cmocka_unit_test(flush_all_drops_everything),
		cmocka_unit_test(flush_all_keep_global_keeps_global),
		cmocka_unit_test(hierarchy_miss_fill_hit),
		cmocka_unit_test(stlb_hit_refills_l1),
		cmocka_unit_test(hierarchy_flushes_reach_both_levels),
		cmocka_unit_test(init_with_bad_stlb_fails_clean),
	};
	enum { NGEOM = sizeof(geom_cases) / sizeof(geom_cases[0]),
	       NFIXED = sizeof(fixed) / sizeof(fixed[0]) };
	struct CMUnitTest tests[NGEOM + NFIXED];
	size_t n = 0;

	/* one cmocka test per geometry row, named for what it proves */
	for (size_t i = 0; i < NGEOM; i++)
		tests[n++] = (struct CMUnitTest){
			.name = geom_cases[i].name,
			.test_func = run_geom_case,
			.initial_state = (void *)&geom_cases[i],
		};
	for (size_t i = 0; i < NFIXED; i++)
		tests[n++] = fixed[i];
	return _cmocka_run_group_tests("tlb", tests, n, NULL, NULL);
}
