/*
 * test_vm_map.c - region insertion (alignment, emptiness, overlap) and
 * lookup at region boundaries.  One fresh map per row.
 *
 * Insert rows start from this map (R = read, W = write, X = exec):
 *
 *   0x10000        0x20000        0x40000        0x50000
 *      +--------------+              +--------------+
 *      |   A  (RW)    |     gap      |   B  (R)     |
 *      +--------------+              +--------------+
 *
 * Lookup rows use this one (C directly follows A):
 *
 *   0x10000        0x20000        0x30000   0x40000  0x41000
 *      +--------------+--------------+         +--------+
 *      |   A  (RW)    |   C  (R)     |   gap   | D  (X) |
 *      +--------------+--------------+         +--------+
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>

#include <cmocka.h>

#include "kernel-model/vm_map.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define RW (VM_PROT_READ | VM_PROT_WRITE)
#define R VM_PROT_READ
#define X VM_PROT_EXEC

struct fixture {
	const void *fx_row;
	struct vm_map fx_map;
};

static int fx_setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	fx->fx_row = *state; /* the row, when there is one */
	vm_map_init(&fx->fx_map);
	*state = fx;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fixture *fx = *state;

	vm_map_fini(&fx->fx_map);
	free(fx);
	return 0;
}

/* the map must be sorted and non-overlapping */
static void check_sorted(const struct vm_map *m)
{
	for (size_t i = 0; i < m->vm_nent; i++) {
		assert_true(m->vm_ent[i].vme_start < m->vm_ent[i].vme_end);
		if (i > 0)
			assert_true(m->vm_ent[i - 1].vme_end <=
				    m->vm_ent[i].vme_start);
	}
}

struct insert_row {
	const char *name;
	uint64_t start, end;
	int want;
};

static const struct insert_row insert_rows[] = {
	{ "insert_aligned_in_gap_ok", 0x30000, 0x32000, 0 },
	{ "insert_at_address_0_ok", 0x0, 0x1000, 0 },
	{ "insert_adjacent_below_ok", 0x8000, 0x10000, 0 },
	{ "insert_adjacent_above_ok", 0x20000, 0x21000, 0 },
	{ "insert_filling_gap_exactly_ok", 0x20000, 0x40000, 0 },
	{ "insert_after_last_ok", 0x50000, 0x60000, 0 },
	{ "insert_misaligned_start_einval", 0x30001, 0x32000, -EINVAL },
	{ "insert_misaligned_end_einval", 0x30000, 0x32800, -EINVAL },
	{ "insert_empty_einval", 0x30000, 0x30000, -EINVAL },
	{ "insert_inverted_einval", 0x32000, 0x30000, -EINVAL },
	{ "insert_overlap_left_eexist", 0x8000, 0x11000, -EEXIST },
	{ "insert_overlap_right_eexist", 0x1f000, 0x21000, -EEXIST },
	{ "insert_inside_eexist", 0x12000, 0x13000, -EEXIST },
	{ "insert_containing_eexist", 0x8000, 0x28000, -EEXIST },
	{ "insert_identical_eexist", 0x10000, 0x20000, -EEXIST },
	{ "insert_same_start_shorter_eexist", 0x10000, 0x11000, -EEXIST },
	{ "insert_spanning_two_regions_eexist", 0x18000, 0x48000, -EEXIST },
	{ "insert_overlap_last_byte_of_b_eexist", 0x4f000, 0x51000, -EEXIST },
};

static void test_insert_row(void **state)
{
	struct fixture *fx = *state;
	const struct insert_row *row = fx->fx_row;
	struct vm_map *m = &fx->fx_map;
	const struct vm_map_entry *e;

	assert_int_equal(vm_map_insert(m, 0x10000, 0x20000, RW), 0);
	assert_int_equal(vm_map_insert(m, 0x40000, 0x50000, R), 0);
	assert_int_equal(vm_map_insert(m, row->start, row->end, X), row->want);
	check_sorted(m);
	if (row->want != 0) {
		assert_int_equal(m->vm_nent, 2); /* unchanged */
		return;
	}
	assert_int_equal(m->vm_nent, 3);
	e = vm_map_lookup(m, row->start);
	assert_non_null(e);
	assert_int_equal(e->vme_start, row->start);
	assert_int_equal(e->vme_end, row->end);
	assert_int_equal(e->vme_prot, X);
}

struct lookup_row {
	const char *name;
	uint64_t va;
	uint64_t want_start; /* 0: no region */
};

static const struct lookup_row lookup_rows[] = {
	{ "lookup_address_0_none", 0x0, 0 },
	{ "lookup_below_first_none", 0xffff, 0 },
	{ "lookup_first_byte_of_a", 0x10000, 0x10000 },
	{ "lookup_last_byte_of_a", 0x1ffff, 0x10000 },
	{ "lookup_end_of_a_is_first_byte_of_c", 0x20000, 0x20000 },
	{ "lookup_last_byte_of_c", 0x2ffff, 0x20000 },
	{ "lookup_end_of_c_in_gap_none", 0x30000, 0 },
	{ "lookup_last_byte_of_gap_none", 0x3ffff, 0 },
	{ "lookup_first_byte_of_d", 0x40000, 0x40000 },
	{ "lookup_last_byte_of_d", 0x40fff, 0x40000 },
	{ "lookup_end_of_d_none", 0x41000, 0 },
	{ "lookup_top_of_address_space_none", UINT64_MAX, 0 },
};

static void test_lookup_row(void **state)
{
	struct fixture *fx = *state;
	const struct lookup_row *row = fx->fx_row;
	struct vm_map *m = &fx->fx_map;
	const struct vm_map_entry *e;

	/* inserted out of order on purpose */
	assert_int_equal(vm_map_insert(m, 0x40000, 0x41000, X), 0);
	assert_int_equal(vm_map_insert(m, 0x10000, 0x20000, RW), 0);
	assert_int_equal(vm_map_insert(m, 0x20000, 0x30000, R), 0);
	e = vm_map_lookup(m, row->va);
	if (row->want_start == 0) {
		assert_null(e);
		return;
	}
	assert_non_null(e);
	assert_int_equal(e->vme_start, row->want_start);
	assert_true(e->vme_start <= row->va && row->va < e->vme_end);
}

static void lookup_in_empty_map_finds_nothing(void **state)
{
	struct fixture *fx = *state;

	assert_null(vm_map_lookup(&fx->fx_map, 0));
	assert_null(vm_map_lookup(&fx->fx_map, 0x10000));
}

/*
 * 300 one-page regions, every other page from 0x100000, inserted from the
 * top down (each insert goes to the front): the array grows past its
 * first capacity several times and stays sorted.
 */
static void many_inserts_stay_sorted_and_found(void **state)
{
	struct fixture *fx = *state;
	struct vm_map *m = &fx->fx_map;
	const uint64_t base = 0x100000;

	for (int i = 299; i >= 0; i--) {
		uint64_t s = base + (uint64_t)i * 2 * PAGE_SIZE;

		assert_int_equal(vm_map_insert(m, s, s + PAGE_SIZE, R), 0);
	}
	assert_int_equal(m->vm_nent, 300);
	check_sorted(m);
	for (uint64_t i = 0; i < 300; i++) {
		uint64_t s = base + i * 2 * PAGE_SIZE;
		const struct vm_map_entry *e = vm_map_lookup(m, s + 8);

		assert_non_null(e);
		assert_int_equal(e->vme_start, s);
		assert_null(vm_map_lookup(m, s + PAGE_SIZE));
	}
}

#define T(f) cmocka_unit_test_setup_teardown(f, fx_setup, fx_teardown)
#define ROW(rows, i, fn)                                                       \
	((struct CMUnitTest){ (rows)[i].name, fn, fx_setup, fx_teardown,       \
			      (void *)&(rows)[i] })

int main(void)
{
	static const struct CMUnitTest fixed[] = {
		T(lookup_in_empty_map_finds_nothing),
		T(many_inserts_stay_sorted_and_found),
	};
	struct CMUnitTest tests[ARRAY_SIZE(fixed) + ARRAY_SIZE(insert_rows) +
			       ARRAY_SIZE(lookup_rows)];
	size_t n = 0;

	for (size_t i = 0; i < ARRAY_SIZE(insert_rows); i++)
		tests[n++] = ROW(insert_rows, i, test_insert_row);
	for (size_t i = 0; i < ARRAY_SIZE(lookup_rows); i++)
		tests[n++] = ROW(lookup_rows, i, test_lookup_row);
	for (size_t i = 0; i < ARRAY_SIZE(fixed); i++)
		tests[n++] = fixed[i];
	return cmocka_run_group_tests_name("vm_map", tests, NULL, NULL);
}
