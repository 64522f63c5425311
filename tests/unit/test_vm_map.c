/*
 * test_vm_map.c - the address map: insertion (alignment, emptiness,
 * overlap), lookup at region boundaries, clipping and deletion with the
 * object references they move, and the last reference freeing the object.
 * One fresh kernel (for the objects) and map per row.
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
 *
 * Clip and delete rows use this one: A is backed by object O (32 pages)
 * from page 5, B by nothing yet.  The test holds one reference to O of
 * its own, so O has 2 at the start.
 *
 *   0x10000   0x14000   0x18000   0x1c000  0x20000   0x40000   0x44000   0x50000
 *      +---------+---------+---------+--------+         +---------+---------+
 *      |  A (RW), O pages 5 .. 20                |   gap   |  B (R), no object |
 *      +---------+---------+---------+--------+         +---------+---------+
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>

#include <cmocka.h>

#include "kernel-model/vm_map.h"
#include "tests/lib/kmfix.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define RW (VM_PROT_READ | VM_PROT_WRITE)
#define R VM_PROT_READ
#define X VM_PROT_EXEC
#define ALL (VM_PROT_READ | VM_PROT_WRITE | VM_PROT_EXEC)

struct fixture {
	const void *fx_row;
	struct kmfix fx_km;
	struct vm_map fx_map;
	struct vm_objref *fx_obj; /* the test's own reference, or NULL */
};

static int fx_setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	fx->fx_row = *state; /* the row, when there is one */
	kmfix_start(&fx->fx_km, 64, 0);
	vm_map_init(&fx->fx_map);
	*state = fx;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fixture *fx = *state;

	vm_map_fini(&fx->fx_map);
	vm_objref_rele(fx->fx_obj);
	kmfix_stop(&fx->fx_km);
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

/* rows insert with the test's object at page 3: a reference each time it works */
static void test_insert_row(void **state)
{
	struct fixture *fx = *state;
	const struct insert_row *row = fx->fx_row;
	struct vm_map *m = &fx->fx_map;
	const struct vm_map_entry *e;

	assert_int_equal(vm_objref_new(&fx->fx_km.k, 64, &fx->fx_obj), 0);
	assert_int_equal(vm_map_insert(m, 0x10000, 0x20000, RW, NULL, 0), 0);
	assert_int_equal(vm_map_insert(m, 0x40000, 0x50000, R, NULL, 0), 0);
	assert_int_equal(vm_map_insert(m, row->start, row->end, X, fx->fx_obj,
				       3),
			 row->want);
	check_sorted(m);
	if (row->want != 0) {
		assert_int_equal(m->vm_nent, 2); /* unchanged */
		assert_int_equal(fx->fx_obj->or_refs, 1);
		return;
	}
	assert_int_equal(m->vm_nent, 3);
	assert_int_equal(fx->fx_obj->or_refs, 2);
	e = vm_map_lookup(m, row->start);
	assert_non_null(e);
	assert_int_equal(e->vme_start, row->start);
	assert_int_equal(e->vme_end, row->end);
	assert_int_equal(e->vme_prot, X);
	assert_int_equal(e->vme_maxprot, ALL);
	assert_ptr_equal(e->vme_obj, fx->fx_obj);
	assert_int_equal(e->vme_offset, 3);
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
	assert_int_equal(vm_map_insert(m, 0x40000, 0x41000, X, NULL, 0), 0);
	assert_int_equal(vm_map_insert(m, 0x10000, 0x20000, RW, NULL, 0), 0);
	assert_int_equal(vm_map_insert(m, 0x20000, 0x30000, R, NULL, 0), 0);
	e = vm_map_lookup(m, row->va);
	if (row->want_start == 0) {
		assert_null(e);
		return;
	}
	assert_non_null(e);
	assert_int_equal(e->vme_start, row->want_start);
	assert_true(e->vme_start <= row->va && row->va < e->vme_end);
}

/* what a clip or delete row expects the map to be after */
struct ent_want {
	uint64_t start, end;
	uint32_t prot;
	bool obj;               /* backed by O (else by nothing) */
	uint64_t offset;        /* in O, when obj */
};

#define MAXENT 4

struct edit_row {
	const char *name;
	bool del;               /* vm_map_delete [a, b), else vm_map_clip(a) */
	uint64_t a, b;
	size_t nent;
	struct ent_want ent[MAXENT];
	unsigned refs;          /* O's references after, the test's included */
};

#define A_WHOLE { 0x10000, 0x20000, RW, true, 5 }
#define B_WHOLE { 0x40000, 0x50000, R, false, 0 }

static const struct edit_row edit_rows[] = {
	{ "clip_inside_a_splits_it_sharing_o", false, 0x14000, 0, 3,
	  { { 0x10000, 0x14000, RW, true, 5 }, { 0x14000, 0x20000, RW, true, 9 },
	    B_WHOLE }, 3 },
	{ "clip_at_last_page_of_a", false, 0x1f000, 0, 3,
	  { { 0x10000, 0x1f000, RW, true, 5 }, { 0x1f000, 0x20000, RW, true, 20 },
	    B_WHOLE }, 3 },
	{ "clip_at_start_of_a_is_a_noop", false, 0x10000, 0, 2,
	  { A_WHOLE, B_WHOLE }, 2 },
	{ "clip_at_end_of_a_is_a_noop", false, 0x20000, 0, 2,
	  { A_WHOLE, B_WHOLE }, 2 },
	{ "clip_in_gap_is_a_noop", false, 0x30000, 0, 2, { A_WHOLE, B_WHOLE }, 2 },
	{ "clip_inside_b_splits_it_unbacked", false, 0x44000, 0, 3,
	  { A_WHOLE, { 0x40000, 0x44000, R, false, 0 },
	    { 0x44000, 0x50000, R, false, 0 } }, 2 },
	{ "delete_whole_a_drops_its_reference", true, 0x10000, 0x20000, 1,
	  { B_WHOLE }, 1 },
	{ "delete_middle_of_a_leaves_two_halves", true, 0x14000, 0x18000, 3,
	  { { 0x10000, 0x14000, RW, true, 5 }, { 0x18000, 0x20000, RW, true, 13 },
	    B_WHOLE }, 3 },
	{ "delete_head_of_a_moves_the_offset", true, 0x10000, 0x14000, 2,
	  { { 0x14000, 0x20000, RW, true, 9 }, B_WHOLE }, 2 },
	{ "delete_across_the_gap_trims_both", true, 0x1c000, 0x44000, 2,
	  { { 0x10000, 0x1c000, RW, true, 5 }, { 0x44000, 0x50000, R, false, 0 } },
	  2 },
	{ "delete_gap_only_is_a_noop", true, 0x20000, 0x40000, 2,
	  { A_WHOLE, B_WHOLE }, 2 },
	{ "delete_empty_range_is_a_noop", true, 0x14000, 0x14000, 2,
	  { A_WHOLE, B_WHOLE }, 2 },
	{ "delete_everything", true, 0x0, 0x100000, 0, { { 0 } }, 1 },
};

static void test_edit_row(void **state)
{
	struct fixture *fx = *state;
	const struct edit_row *row = fx->fx_row;
	struct vm_map *m = &fx->fx_map;

	assert_int_equal(vm_objref_new(&fx->fx_km.k, 32, &fx->fx_obj), 0);
	assert_int_equal(vm_map_insert(m, 0x10000, 0x20000, RW, fx->fx_obj, 5),
			 0);
	assert_int_equal(vm_map_insert(m, 0x40000, 0x50000, R, NULL, 0), 0);
	assert_int_equal(fx->fx_obj->or_refs, 2);
	if (row->del)
		assert_int_equal(vm_map_delete(m, row->a, row->b), 0);
	else
		assert_int_equal(vm_map_clip(m, row->a), 0);
	check_sorted(m);
	assert_int_equal(m->vm_nent, row->nent);
	for (size_t i = 0; i < row->nent; i++) {
		const struct vm_map_entry *e = &m->vm_ent[i];
		const struct ent_want *w = &row->ent[i];

		assert_int_equal(e->vme_start, w->start);
		assert_int_equal(e->vme_end, w->end);
		assert_int_equal(e->vme_prot, w->prot);
		assert_ptr_equal(e->vme_obj, w->obj ? fx->fx_obj : NULL);
		if (w->obj)
			assert_int_equal(e->vme_offset, w->offset);
	}
	assert_int_equal(fx->fx_obj->or_refs, row->refs);
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

		assert_int_equal(vm_map_insert(m, s, s + PAGE_SIZE, R, NULL, 0),
				 0);
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

/*
 * O backs 0x10000-0x14000 only (no test reference) and has one resident
 * page; clipped in two it has two references; deleting the first half
 * keeps the page, deleting the second frees O and its page.
 */
static void last_reference_frees_the_object_and_its_pages(void **state)
{
	struct fixture *fx = *state;
	struct vm_map *m = &fx->fx_map;
	struct vm_objref *o;
	struct vm_phys *vp = &fx->fx_km.k.vk_phys;
	enum vm_grab how;
	uint64_t pfn;

	assert_int_equal(vm_objref_new(&fx->fx_km.k, 4, &o), 0);
	assert_int_equal(vm_map_insert(m, 0x10000, 0x14000, RW, o, 0), 0);
	vm_objref_rele(o); /* the region's is the only one now */
	assert_int_equal(o->or_refs, 1);
	assert_int_equal(vm_object_grab(&o->or_obj, 3, &pfn, &how), 0);
	assert_int_equal(how, VMO_GRAB_ZERO);
	assert_int_equal(vp->vp_count[VMP_DATA], 1);
	assert_int_equal(vm_map_clip(m, 0x12000), 0);
	assert_int_equal(o->or_refs, 2);
	assert_int_equal(vm_map_delete(m, 0x10000, 0x12000), 0);
	assert_int_equal(o->or_refs, 1);
	assert_int_equal(vp->vp_count[VMP_DATA], 1);
	assert_int_equal(vm_map_delete(m, 0x12000, 0x14000), 0);
	assert_int_equal(m->vm_nent, 0);
	assert_int_equal(vp->vp_count[VMP_DATA], 0); /* o is gone (ASan checks) */
}

/* vm_map_fini drops every reference: a shared object survives it */
static void fini_drops_every_reference(void **state)
{
	struct fixture *fx = *state;
	struct vm_map *m = &fx->fx_map;

	assert_int_equal(vm_objref_new(&fx->fx_km.k, 16, &fx->fx_obj), 0);
	assert_int_equal(vm_map_insert(m, 0x10000, 0x20000, RW, fx->fx_obj, 0),
			 0);
	assert_int_equal(vm_map_clip(m, 0x18000), 0);
	assert_int_equal(fx->fx_obj->or_refs, 3);
	vm_map_fini(m);
	assert_int_equal(fx->fx_obj->or_refs, 1);
	assert_int_equal(m->vm_nent, 0);
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
		T(last_reference_frees_the_object_and_its_pages),
		T(fini_drops_every_reference),
	};
	struct CMUnitTest tests[ARRAY_SIZE(fixed) + ARRAY_SIZE(insert_rows) +
			       ARRAY_SIZE(lookup_rows) + ARRAY_SIZE(edit_rows)];
	size_t n = 0;

	for (size_t i = 0; i < ARRAY_SIZE(insert_rows); i++)
		tests[n++] = ROW(insert_rows, i, test_insert_row);
	for (size_t i = 0; i < ARRAY_SIZE(lookup_rows); i++)
		tests[n++] = ROW(lookup_rows, i, test_lookup_row);
	for (size_t i = 0; i < ARRAY_SIZE(edit_rows); i++)
		tests[n++] = ROW(edit_rows, i, test_edit_row);
	for (size_t i = 0; i < ARRAY_SIZE(fixed); i++)
		tests[n++] = fixed[i];
	return cmocka_run_group_tests_name("vm_map", tests, NULL, NULL);
}
