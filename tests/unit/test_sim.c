/*
 * test_sim.c - the access pipeline on a fresh machine per case: the paths
 * a synthetic source never takes (SIGSEGV outside the process's memory, a
 * non-canonical address) and the dirty-bit assist.
 *
 * Layout: built-in machine, 16 MiB of memory; the process has one
 * read/write region [0x10000000, 0x10010000) (16 pages).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sim/cfg_load.h"
#include "sim/sim.h"

static int setup(void **state)
{
	static const char *const sets[] = { "memory=16MiB", "source.footprint=64KiB" };
	struct eptsim_error err;
	struct cfg *c = calloc(1, sizeof(*c));
	struct sim *s = calloc(1, sizeof(*s));

	if (!c || !s || cfg_load(c, NULL, sets, 2, NULL, &err) != 0 ||
	    sim_init(s, c, &err) != 0)
		return -1;
	*state = s;
	return 0;
}

static int teardown(void **state)
{
	struct sim *s = *state;

	free((void *)s->s_cfg);
	sim_fini(s);
	free(s);
	return 0;
}

static void access_outside_the_region_is_sigsegv(void **state)
{
	struct sim *s = *state;

	assert_int_equal(sim_access(s, 0x10010000, MMU_READ), 1);
	assert_int_equal(s->s_stop.st_status, EPTSIM_KILLED);
	assert_int_equal(s->s_stop.st_va, 0x10010000);
	assert_int_equal(s->s_ctr[CTR_SEGV], 1);
	assert_int_equal(s->s_ctr[CTR_PAGE_FAULTS], 1);
	assert_int_equal(s->s_ctr[CTR_ZERO_FILLS], 0);
}

static void noncanonical_address_is_sigsegv_without_a_walk_reference(void **state)
{
	struct sim *s = *state;

	assert_int_equal(sim_access(s, 0x0000800000000000ull, MMU_WRITE), 1);
	assert_int_equal(s->s_stop.st_status, EPTSIM_KILLED);
	assert_int_equal(s->s_ctr[CTR_WALK_REFS], 0);
	assert_int_equal(s->s_ctr[CTR_PAGE_FAULTS], 0);
}

static void first_touch_faults_then_hits(void **state)
{
	struct sim *s = *state;

	assert_int_equal(sim_access(s, 0x10000008, MMU_READ), 0);
	assert_int_equal(s->s_ctr[CTR_PAGE_FAULTS], 1);
	assert_int_equal(s->s_ctr[CTR_WALKS], 2);
	assert_int_equal(sim_access(s, 0x10000010, MMU_READ), 0);
	assert_int_equal(s->s_ctr[CTR_WALKS], 2);
	assert_int_equal(s->s_ctr[CTR_L1D_HITS], 1);
}

/* a read fills a clean entry; the first write walks again to set D */
static void write_after_read_is_one_assist(void **state)
{
	struct sim *s = *state;

	assert_int_equal(sim_access(s, 0x10001000, MMU_READ), 0);
	assert_int_equal(s->s_ctr[CTR_WALK_ASSISTS], 0);
	assert_int_equal(sim_access(s, 0x10001008, MMU_WRITE), 0);
	assert_int_equal(s->s_ctr[CTR_WALK_ASSISTS], 1);
	assert_int_equal(s->s_ctr[CTR_WALKS], 3);
	assert_int_equal(sim_access(s, 0x10001010, MMU_WRITE), 0);
	assert_int_equal(s->s_ctr[CTR_WALK_ASSISTS], 1);
	assert_int_equal(s->s_ctr[CTR_WALKS], 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(access_outside_the_region_is_sigsegv, setup, teardown),
		cmocka_unit_test_setup_teardown(noncanonical_address_is_sigsegv_without_a_walk_reference, setup, teardown),
		cmocka_unit_test_setup_teardown(first_touch_faults_then_hits, setup, teardown),
		cmocka_unit_test_setup_teardown(write_after_read_is_one_assist, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
