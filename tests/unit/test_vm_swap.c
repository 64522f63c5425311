/*
 * test_vm_swap.c - the swap device (slot order, zero pages without
 * storage, full device) and a kernel's page-granular access to its own
 * physical memory (vm_kern_page_read / _write / _zero, read64 / write64).
 *
 * Slots: 0 is "none"; a device of n pages has slots 1..n, handed out from
 * a bump pointer, then LIFO from released ones:
 *
 *   slot:  0      1      2      3     ...   n
 *        +------+------+------+------+-----+------+
 *        | none | bump ->                          |
 *        +------+------+------+------+-----+------+
 *
 * Memory for the vm_kern cases: kmfix, 16 frames, the kernel owns [1, 16).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kernel-model/vm_kern.h"
#include "kernel-model/vm_swap.h"
#include "tests/lib/kmfix.h"

#define WORDS (PAGE_SIZE / sizeof(uint64_t))

/* fill - a page whose word i is seed * 1000 + i (never all zero) */
static void fill(uint64_t *page, uint64_t seed)
{
	for (unsigned i = 0; i < WORDS; i++)
		page[i] = seed * 1000 + i;
}

/* ---- the device ------------------------------------------------------- */

/* one row per sequence of writes and releases on a 4-page device */
enum sw_op { SW_END, SW_WRITE, SW_ZERO, SW_RELEASE };

struct sw_step {
	enum sw_op op;
	uint64_t slot;  /* SW_WRITE / SW_ZERO: expected slot (0: -ENOSPC); SW_RELEASE: the slot */
};

struct sw_case {
	const char *name;
	uint64_t pages;
	struct sw_step steps[12];
};

static const struct sw_case sw_cases[] = {
	{ "slots_lowest_first_then_enospc", 4,
	  { { SW_WRITE, 1 }, { SW_WRITE, 2 }, { SW_ZERO, 3 }, { SW_WRITE, 4 },
	    { SW_WRITE, 0 }, { SW_ZERO, 0 }, { SW_END, 0 } } },
	{ "released_slots_come_back_lifo", 4,
	  { { SW_WRITE, 1 }, { SW_WRITE, 2 }, { SW_WRITE, 3 },
	    { SW_RELEASE, 2 }, { SW_RELEASE, 1 }, { SW_WRITE, 1 },
	    { SW_ZERO, 2 }, { SW_WRITE, 4 }, { SW_WRITE, 0 },
	    { SW_RELEASE, 4 }, { SW_WRITE, 4 }, { SW_END, 0 } } },
	{ "no_device_has_no_slot", 0, { { SW_WRITE, 0 }, { SW_ZERO, 0 }, { SW_END, 0 } } },
};

/*
 * Each written page has distinct content (seed = step); after the script
 * every used slot reads back exactly what was last written to it, and a
 * zero page has no storage.
 */
static void run_sw_case(void **state)
{
	const struct sw_case *c = *state;
	struct vm_swap sw;
	uint64_t page[WORDS], back[WORDS], seed_of[16] = { 0 };
	bool zero_of[16] = { false };

	assert_int_equal(vm_swap_init(&sw, c->pages * PAGE_SIZE), 0);
	for (const struct sw_step *s = c->steps; s->op != SW_END; s++) {
		uint64_t seed = (uint64_t)(s - c->steps) + 1, slot = 0, used = sw.sw_used;

		switch (s->op) {
		case SW_WRITE:
		case SW_ZERO:
			fill(page, seed);
			if (s->slot == 0) {
				assert_int_equal(vm_swap_write(&sw, s->op == SW_ZERO ? NULL : page,
							       &slot), -ENOSPC);
				assert_int_equal(sw.sw_used, used);
				break;
			}
			assert_int_equal(vm_swap_write(&sw, s->op == SW_ZERO ? NULL : page,
						       &slot), 0);
			assert_int_equal(slot, s->slot);
			assert_int_equal(sw.sw_used, used + 1);
			seed_of[slot] = seed;
			zero_of[slot] = s->op == SW_ZERO;
			break;
		case SW_RELEASE:
			vm_swap_release(&sw, s->slot);
			assert_int_equal(sw.sw_used, used - 1);
			seed_of[s->slot] = 0;
			break;
		case SW_END:
			break;
		}
		assert_int_equal(vm_swap_free_slots(&sw), c->pages - sw.sw_used);
	}
	for (uint64_t slot = 1; slot <= c->pages; slot++) {
		if (seed_of[slot] == 0)
			continue;
		fill(page, seed_of[slot]);
		assert_int_equal(vm_swap_read(&sw, slot, back), zero_of[slot]);
		if (zero_of[slot]) {
			assert_null(sw.sw_dir[0][slot].ss_data);
			memset(page, 0, sizeof(page));
		}
		assert_memory_equal(back, page, PAGE_SIZE);
	}
	vm_swap_fini(&sw);
}

/* an all-zero buffer is stored as "zero" like a NULL page: no storage */
static void zero_content_is_stored_without_data(void **state)
{
	struct vm_swap sw;
	uint64_t page[WORDS] = { 0 }, back[WORDS], slot;

	(void)state;
	assert_int_equal(vm_swap_init(&sw, 2 * PAGE_SIZE), 0);
	assert_int_equal(vm_swap_write(&sw, page, &slot), 0);
	assert_null(sw.sw_dir[0][slot].ss_data);
	memset(back, 0xff, sizeof(back));
	assert_true(vm_swap_read(&sw, slot, back));
	assert_memory_equal(back, page, PAGE_SIZE);
	page[WORDS - 1] = 1;    /* one non-zero word: stored */
	assert_int_equal(vm_swap_write(&sw, page, &slot), 0);
	assert_non_null(sw.sw_dir[0][slot].ss_data);
	assert_false(vm_swap_read(&sw, slot, back));
	assert_int_equal(back[WORDS - 1], 1);
	vm_swap_fini(&sw);
}

/* ---- a kernel's page access ------------------------------------------- */

static int km_setup(void **state)
{
	struct kmfix *f = calloc(1, sizeof(*f));

	*state = f;
	return f ? 0 : -1;
}

static int km_teardown(void **state)
{
	kmfix_stop(*state);
	free(*state);
	return 0;
}

/*
 * frame 3 gets a page of distinct words through vm_kern_page_write; the
 * words read back one by one and as a page; page_zero drops the storage.
 */
static void page_write_read_zero_round_trip(void **state)
{
	struct kmfix *f = *state;
	uint64_t page[WORDS], back[WORDS], v;
	bool zero = false;

	kmfix_start(f, 16, 0);
	fill(page, 7);
	page[5] = 0;            /* zero words stay without a write */
	assert_int_equal(vm_kern_page_write(&f->k, 3, page), 0);
	assert_int_equal(f->mem.pm_stored, 1);
	for (unsigned i = 0; i < WORDS; i += 97) {
		assert_int_equal(vm_kern_read64(&f->k, 3 * PAGE_SIZE + 8 * i, &v), 0);
		assert_int_equal(v, page[i]);
	}
	assert_int_equal(vm_kern_page_read(&f->k, 3, back, &zero), 0);
	assert_false(zero);
	assert_memory_equal(back, page, PAGE_SIZE);
	assert_int_equal(vm_kern_write64(&f->k, 3 * PAGE_SIZE + 8, 0xabc), 0);
	assert_int_equal(vm_kern_page_read(&f->k, 3, back, &zero), 0);
	assert_int_equal(back[1], 0xabc);

	assert_int_equal(vm_kern_page_zero(&f->k, 3), 0);
	assert_int_equal(f->mem.pm_stored, 0);
	memset(back, 0xff, sizeof(back));
	assert_int_equal(vm_kern_page_read(&f->k, 3, back, &zero), 0);
	assert_true(zero);
	memset(page, 0, sizeof(page));
	assert_memory_equal(back, page, PAGE_SIZE);
}

/*
 * page_write(NULL) zeroes an old page; a stored page of zeroes reads as
 * zero; one non-zero word anywhere makes it non-zero.
 */
static void page_write_null_and_zero_page_read_as_zero(void **state)
{
	struct kmfix *f = *state;
	uint64_t page[WORDS], back[WORDS];
	bool zero = false;

	kmfix_start(f, 16, 0);
	fill(page, 3);
	assert_int_equal(vm_kern_page_write(&f->k, 9, page), 0);
	assert_int_equal(vm_kern_page_write(&f->k, 9, NULL), 0);
	assert_int_equal(f->mem.pm_stored, 0);
	assert_int_equal(vm_kern_page_read(&f->k, 9, back, &zero), 0);
	assert_true(zero);
	/* a stored frame whose words are all zero also says zero */
	assert_int_equal(vm_kern_write64(&f->k, 9 * PAGE_SIZE, 5), 0);
	assert_int_equal(vm_kern_write64(&f->k, 9 * PAGE_SIZE, 0), 0);
	assert_int_equal(vm_kern_page_read(&f->k, 9, back, &zero), 0);
	assert_true(zero);
	/* only the last word set: not zero */
	assert_int_equal(vm_kern_write64(&f->k, 9 * PAGE_SIZE + PAGE_SIZE - 8, 1), 0);
	assert_int_equal(vm_kern_page_read(&f->k, 9, back, &zero), 0);
	assert_false(zero);
	assert_int_equal(back[WORDS - 1], 1);
}

/*
 * A page through the device and back into another frame: frame 2's
 * content goes to swap, frame 4 receives it; a zero frame takes a slot
 * with no storage and comes back zero.
 */
static void page_through_swap_into_another_frame(void **state)
{
	struct kmfix *f = *state;
	uint64_t page[WORDS], buf[WORDS], back[WORDS], s1, s2;
	bool zero;

	kmfix_start(f, 16, 2);
	fill(page, 11);
	assert_int_equal(vm_kern_page_write(&f->k, 2, page), 0);
	assert_int_equal(vm_kern_page_read(&f->k, 2, buf, &zero), 0);
	assert_int_equal(vm_swap_write(&f->k.vk_swap, zero ? NULL : buf, &s1), 0);
	assert_int_equal(vm_kern_page_read(&f->k, 5, buf, &zero), 0);
	assert_true(zero);
	assert_int_equal(vm_swap_write(&f->k.vk_swap, NULL, &s2), 0);
	assert_int_equal(f->k.vk_swap.sw_used, 2);
	assert_int_equal(vm_swap_free_slots(&f->k.vk_swap), 0);

	assert_false(vm_swap_read(&f->k.vk_swap, s1, buf));
	assert_int_equal(vm_kern_page_write(&f->k, 4, buf), 0);
	assert_int_equal(vm_kern_page_read(&f->k, 4, back, &zero), 0);
	assert_memory_equal(back, page, PAGE_SIZE);
	assert_true(vm_swap_read(&f->k.vk_swap, s2, buf));
	assert_int_equal(vm_kern_page_write(&f->k, 6, NULL), 0);
	assert_int_equal(f->mem.pm_stored, 2); /* frames 2 and 4 */
	vm_swap_release(&f->k.vk_swap, s1);
	vm_swap_release(&f->k.vk_swap, s2);
	assert_int_equal(f->k.vk_swap.sw_used, 0);
}

int main(void)
{
	struct CMUnitTest tests[sizeof(sw_cases) / sizeof(sw_cases[0]) + 4];
	size_t n = 0;

	for (size_t i = 0; i < sizeof(sw_cases) / sizeof(sw_cases[0]); i++)
		tests[n++] = (struct CMUnitTest){ .name = sw_cases[i].name,
						  .test_func = run_sw_case,
						  .initial_state = (void *)&sw_cases[i] };
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(zero_content_is_stored_without_data);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test_setup_teardown(
		page_write_read_zero_round_trip, km_setup, km_teardown);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test_setup_teardown(
		page_write_null_and_zero_page_read_as_zero, km_setup, km_teardown);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test_setup_teardown(
		page_through_swap_into_another_frame, km_setup, km_teardown);
	return _cmocka_run_group_tests("vm_swap", tests, n, NULL, NULL);
}
