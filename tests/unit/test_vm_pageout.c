/*
 * test_vm_pageout.c - the page daemon, with real mappings: pages of one
 * object mapped by a real pmap, references and modifications being the
 * A and M bits of the leaf entries, set and cleared by hand.
 *
 * Every case: kmfix memory of 1024 frames, the kernel owns [1, 1024)
 * (free_min 8, free_target 16).  Object pages 0..n-1 are grabbed first
 * (ACTIVE queue in pindex order: the head is page 0), each gets distinct
 * words, then is mapped at
 *
 *   va = 0x40000000 + pindex * 4 KiB      (one page table holds them all)
 *
 * with read/write rights and no access (A and M clear).  Then the cap
 * makes free = 16 - shortage, and each case predicts the run exactly
 * (vm_pageout.c states the rule):
 *   pass 1/2 deactivate: A0 = active count, goal = A0 / 2 + shortage;
 *                        from the ACTIVE head while inactive < goal
 *   pass 1/2 reclaim:    from the INACTIVE head (I0 at most) while short
 *   pass 3:              inactive filled up to the shortage without
 *                        looking, reclaimed regardless of references
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kernel-model/pmap.h"
#include "kernel-model/vm_object.h"
#include "kernel-model/vm_pageout.h"
#include "tests/lib/kmfix.h"

#define WORDS (PAGE_SIZE / sizeof(uint64_t))
#define FRAMES 1024
#define VA0 UINT64_C(0x40000000)
#define NPG 8
#define ADDR_MASK UINT64_C(0x000ffffffffff000)

struct fx {
	struct kmfix f;
	struct vm_kern *k;
	struct pmap pm;
	struct vm_object o;
	bool up_pm, up_o;
	uint64_t pfn[NPG];      /* frame of page i as first grabbed */
};

static int fx_setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	*state = fx;
	return fx ? 0 : -1;
}

static int fx_teardown(void **state)
{
	struct fx *fx = *state;

	if (fx->up_o)
		vm_object_fini(&fx->o);
	if (fx->up_pm)
		pmap_fini(&fx->pm);
	kmfix_stop(&fx->f);
	free(fx);
	return 0;
}

static uint64_t word(unsigned pindex, unsigned i)
{
	return (uint64_t)(pindex + 1) << 32 | (i * 7 + 1);
}

/* check_content - page pindex in frame pfn holds its words */
static void check_content(struct fx *fx, unsigned pindex, uint64_t pfn)
{
	uint64_t buf[WORDS];
	bool zero;

	assert_int_equal(vm_kern_page_read(fx->k, pfn, buf, &zero), 0);
	for (unsigned i = 0; i < WORDS; i++)
		assert_int_equal(buf[i], i % 61 == 0 ? word(pindex, i) : 0);
}

/*
 * start_as - the object, n pages grabbed, written and mapped (pmap `type`
 * with `flags`), and swap of `swap` pages.  With `clean` each page went
 * out to swap and came back before it was mapped: clean, with a copy.
 * Nothing is short yet.
 */
static void start_as(struct fx *fx, unsigned n, uint64_t swap, enum pmap_type type,
		     unsigned flags, bool clean)
{
	enum vm_grab how;

	kmfix_start(&fx->f, FRAMES, swap);
	fx->k = &fx->f.k;
	assert_int_equal(vm_object_init(&fx->o, fx->k, 64), 0);
	fx->up_o = true;
	for (unsigned p = 0; p < n; p++) {
		assert_int_equal(vm_object_grab(&fx->o, p, &fx->pfn[p], &how), 0);
		assert_int_equal(how, VMO_GRAB_ZERO);
		for (unsigned i = 0; i < WORDS; i += 61)
			assert_int_equal(vm_kern_write64(fx->k, fx->pfn[p] * PAGE_SIZE + 8 * i,
							 word(p, i)), 0);
	}
	for (unsigned p = 0; clean && p < n; p++)
		assert_int_equal(vm_object_pageout(fx->k, fx->pfn[p]), 0);
	for (unsigned p = 0; clean && p < n; p++) {
		assert_int_equal(vm_object_grab(&fx->o, p, &fx->pfn[p], &how), 0);
		assert_int_equal(how, VMO_GRAB_SWAPIN);
	}
	assert_int_equal(pmap_init(&fx->pm, type, fx->k, 46, 4, flags), 0);
	fx->up_pm = true;
	for (unsigned p = 0; p < n; p++)
		assert_int_equal(pmap_enter(&fx->pm, VA0 + p * PAGE_SIZE, fx->pfn[p],
					    VM_PROT_READ | VM_PROT_WRITE, 0, 0), 0);
}

static void start(struct fx *fx, unsigned n, uint64_t swap, enum pmap_type type,
		  unsigned flags)
{
	start_as(fx, n, swap, type, flags, false);
}

/* pte_pa - physical address of the 4 KiB leaf entry of `va` (mapped) */
static uint64_t pte_pa(struct fx *fx, uint64_t va)
{
	uint64_t table = fx->pm.pm_root, e = 0;

	for (unsigned l = fx->pm.pm_levels; l >= 1; l--) {
		uint64_t pa = table + 8 * ((va >> (12 + 9 * (l - 1))) & 511);

		if (l == 1)
			return pa;
		assert_int_equal(vm_kern_read64(fx->k, pa, &e), 0);
		assert_true(e & fx->pm.pm_bits[PMAP_BIT_V]);
		table = e & ADDR_MASK;
	}
	return 0;
}

/* set_bits - OR `bits` into page p's leaf (a processor's access) */
static void set_bits(struct fx *fx, unsigned p, uint64_t bits)
{
	uint64_t pa = pte_pa(fx, VA0 + p * PAGE_SIZE), e;

	assert_int_equal(vm_kern_read64(fx->k, pa, &e), 0);
	assert_true(e & fx->pm.pm_bits[PMAP_BIT_V]);
	assert_int_equal(vm_kern_write64(fx->k, pa, e | bits), 0);
}

static uint64_t leaf(struct fx *fx, unsigned p)
{
	uint64_t e;

	assert_int_equal(vm_kern_read64(fx->k, pte_pa(fx, VA0 + p * PAGE_SIZE), &e), 0);
	return e;
}

static bool mapped(struct fx *fx, unsigned p)
{
	uint64_t pa, pte;
	unsigned level;
	int rc = pmap_extract(&fx->pm, VA0 + p * PAGE_SIZE, &pa, &pte, &level);

	assert_true(rc == 0 || rc == -ENOENT);
	return rc == 0;
}

/* short_by - make exactly vk_free_target - n frames free */
static void short_by(struct fx *fx, uint64_t n)
{
	vm_phys_set_free_frames(&fx->k->vk_phys, fx->k->vk_free_target - n);
	assert_int_equal(vm_kern_free_frames(fx->k), fx->k->vk_free_target - n);
}

/* queue_is - queue q holds exactly these page indexes, head first */
static void queue_is(struct fx *fx, enum vm_pqueue q, const int *want, unsigned n)
{
	struct vm_phys *vp = &fx->k->vk_phys;
	uint64_t pfn = vp->vp_q[q].pq_head;

	assert_int_equal(vp->vp_q[q].pq_count, n);
	for (unsigned i = 0; i < n; i++) {
		assert_int_not_equal(pfn, 0);
		assert_int_equal(vm_phys_page(vp, pfn)->vmp_pindex, want[i]);
		pfn = vm_phys_page(vp, pfn)->vmp_next;
	}
	assert_int_equal(pfn, 0);
}

#define Q(...) (const int[]){ __VA_ARGS__ }, sizeof((const int[]){ __VA_ARGS__ }) / sizeof(int)

struct counts {
	uint64_t scanned, scan_referenced, deactivated, reclaimed, scan_modified,
		forced, swap_full, swap_outs;
};

static void counts_are(struct fx *fx, struct counts c)
{
	const struct vm_kstats *s = &fx->k->vk_st;

	assert_int_equal(s->scanned, c.scanned);
	assert_int_equal(s->scan_referenced, c.scan_referenced);
	assert_int_equal(s->deactivated, c.deactivated);
	assert_int_equal(s->reclaimed, c.reclaimed);
	assert_int_equal(s->scan_modified, c.scan_modified);
	assert_int_equal(s->forced, c.forced);
	assert_int_equal(s->swap_full, c.swap_full);
	assert_int_equal(s->swap_outs, c.swap_outs);
}

/* regrab - page p comes back from swap with its words */
static void regrab(struct fx *fx, unsigned p)
{
	enum vm_grab how;
	uint64_t pfn;

	assert_int_equal(vm_object_grab(&fx->o, p, &pfn, &how), 0);
	assert_int_equal(how, VMO_GRAB_SWAPIN);
	check_content(fx, p, pfn);
}

/* ---- cases ------------------------------------------------------------ */

/*
 * Second chance.  Pages 0..7; 0, 2, 5 referenced (A set); short by 4.
 * Pass 1 deactivate: goal 8/2 + 4 = 8, all 8 examined: 0 2 5 back to the
 * ACTIVE tail (A cleared), 1 3 4 6 7 inactive.  Reclaim: 1 3 4 6 (dirty:
 * written), target reached before 7.
 * Second run, short by 1, 7 referenced again: deactivate A0 = 3, goal
 * 3/2 + 1 = 2 (inactive holds 7): 0 examined, unreferenced -> inactive.
 * Reclaim: 7 referenced -> ACTIVE tail; 0 reclaimed.
 */
static void second_chance_keeps_referenced_pages(void **state)
{
	struct fx *fx = *state;
	uint64_t A;
	uint64_t freed = 0;

	start(fx, NPG, 32, PT_X86, 0);
	A = fx->pm.pm_bits[PMAP_BIT_A];
	set_bits(fx, 0, A);
	set_bits(fx, 2, A);
	set_bits(fx, 5, A);
	short_by(fx, 4);
	assert_int_equal(vm_pageout(fx->k, &freed), 0);
	assert_int_equal(freed, 4);
	assert_int_equal(fx->k->vk_st.daemon_runs, 1);
	counts_are(fx, (struct counts){ .scanned = 8 + 4, .scan_referenced = 3,
					.deactivated = 5, .reclaimed = 4,
					.scan_modified = 4, .swap_outs = 4 });
	queue_is(fx, PQ_ACTIVE, Q(0, 2, 5));
	queue_is(fx, PQ_INACTIVE, Q(7));
	assert_int_equal(vm_kern_free_frames(fx->k), fx->k->vk_free_target);
	assert_false(leaf(fx, 0) & A);
	assert_true(mapped(fx, 0) && mapped(fx, 7));
	assert_false(mapped(fx, 1) || mapped(fx, 3) || mapped(fx, 4) || mapped(fx, 6));
	assert_int_equal(fx->o.vo_resident, 4);
	assert_int_equal(fx->o.vo_swapped, 4);

	set_bits(fx, 7, A);
	short_by(fx, 1);
	assert_int_equal(vm_pageout(fx->k, &freed), 0);
	assert_int_equal(freed, 1);
	counts_are(fx, (struct counts){ .scanned = 12 + 1 + 2, .scan_referenced = 4,
					.deactivated = 6, .reclaimed = 5,
					.scan_modified = 5, .swap_outs = 5 });
	queue_is(fx, PQ_ACTIVE, Q(2, 5, 7));
	queue_is(fx, PQ_INACTIVE, Q());
	assert_false(mapped(fx, 0));

	/* everything reclaimed comes back with its words */
	vm_phys_set_free_frames(&fx->k->vk_phys, 100);
	for (unsigned p = 0; p < NPG; p++)
		if (p != 2 && p != 5 && p != 7)
			regrab(fx, p);
	assert_int_equal(fx->k->vk_st.swap_ins, 5);
}

/*
 * Dirty versus clean with a copy.  Pages 0..3 went out and came back
 * (clean, each keeps its slot), then were mapped; page 1 is written
 * through its mapping (A and M set, a new word).  Short by 4.
 * Pass 1: deactivate goal 4/2 + 4 = 6: 1 referenced -> ACTIVE, 0 2 3
 * inactive; reclaim 0 2 3 without a write.  Pass 2: deactivate A0 = 1,
 * goal 0 + 1: page 1 (A now clear) inactive; reclaim: M -> written.
 * With the last mapping gone, the pmap frees the emptied page table, page
 * directory and PDPT: 4 + 3 frames freed.
 */
static void dirty_is_written_clean_with_copy_is_not(void **state)
{
	struct fx *fx = *state;
	struct pmap *pm = &fx->pm;
	uint64_t freed, pfn[4], slot1;
	enum vm_grab how;

	kmfix_start(&fx->f, FRAMES, 32);
	fx->k = &fx->f.k;
	assert_int_equal(vm_object_init(&fx->o, fx->k, 64), 0);
	fx->up_o = true;
	for (unsigned p = 0; p < 4; p++) {
		assert_int_equal(vm_object_grab(&fx->o, p, &pfn[p], &how), 0);
		for (unsigned i = 0; i < WORDS; i += 61)
			assert_int_equal(vm_kern_write64(fx->k, pfn[p] * PAGE_SIZE + 8 * i,
							 word(p, i)), 0);
		assert_int_equal(vm_object_pageout(fx->k, pfn[p]), 0);
	}
	for (unsigned p = 0; p < 4; p++) {
		assert_int_equal(vm_object_grab(&fx->o, p, &pfn[p], &how), 0);
		assert_int_equal(how, VMO_GRAB_SWAPIN);
	}
	assert_int_equal(pmap_init(pm, PT_X86, fx->k, 46, 4, 0), 0);
	fx->up_pm = true;
	for (unsigned p = 0; p < 4; p++)
		assert_int_equal(pmap_enter(pm, VA0 + p * PAGE_SIZE, pfn[p],
					    VM_PROT_READ | VM_PROT_WRITE, 0, 0), 0);
	slot1 = vm_phys_page(&fx->k->vk_phys, pfn[1])->vmp_swslot;
	set_bits(fx, 1, pm->pm_bits[PMAP_BIT_A] | pm->pm_bits[PMAP_BIT_M]);
	assert_int_equal(vm_kern_write64(fx->k, pfn[1] * PAGE_SIZE + 8, 0x5eed), 0);
	assert_int_equal(fx->k->vk_st.swap_outs, 4);

	short_by(fx, 4);
	assert_int_equal(vm_pageout(fx->k, &freed), 0);
	assert_int_equal(freed, 4 + 3);
	counts_are(fx, (struct counts){ .scanned = 4 + 3 + 1 + 1, .scan_referenced = 1,
					.deactivated = 4, .reclaimed = 4,
					.scan_modified = 1, .swap_outs = 5 });
	assert_int_equal(fx->k->vk_swap.sw_used, 4);
	/* pages 0 2 3 kept their slots; 1 rewrote its own (released first, LIFO) */
	assert_int_equal(fx->o.vo_dir[0]->oc_slot[1], (slot1 << 1) | VMO_SWAPPED);

	vm_phys_set_free_frames(&fx->k->vk_phys, 100);
	assert_int_equal(vm_object_grab(&fx->o, 1, &pfn[1], &how), 0);
	assert_int_equal(how, VMO_GRAB_SWAPIN);
	{
		uint64_t v;

		assert_int_equal(vm_kern_read64(fx->k, pfn[1] * PAGE_SIZE + 8, &v), 0);
		assert_int_equal(v, 0x5eed);
		assert_int_equal(vm_kern_read64(fx->k, pfn[1] * PAGE_SIZE + 61 * 8, &v), 0);
		assert_int_equal(v, word(1, 61));
	}
	regrab(fx, 0);
	regrab(fx, 3);
}

/*
 * Swap of 2 pages, pages 0..3 dirty, unreferenced; short by 3.
 * Pass 1: all 4 inactive (goal 2 + 3); 0 and 1 written; 2 and 3 find swap
 * full: they stay mapped, to the ACTIVE tail.  Pass 2 (short by 1):
 * goal 1 + 1: 2 and 3 inactive, both swap full again.  Pass 3: 2
 * deactivated (up to the shortage, 1), swap full a fifth time.
 */
static void swap_full_keeps_dirty_pages_mapped(void **state)
{
	struct fx *fx = *state;
	uint64_t freed;

	start(fx, 4, 2, PT_X86, 0);
	short_by(fx, 3);
	assert_int_equal(vm_pageout(fx->k, &freed), 0);
	assert_int_equal(freed, 2);
	counts_are(fx, (struct counts){ .scanned = 4 + 4 + 2 + 2 + 1,
					.deactivated = 4 + 2 + 1, .reclaimed = 2,
					.scan_modified = 2, .swap_full = 5, .swap_outs = 2 });
	assert_true(mapped(fx, 2) && mapped(fx, 3));
	assert_false(mapped(fx, 0) || mapped(fx, 1));
	queue_is(fx, PQ_ACTIVE, Q(3, 2));
	queue_is(fx, PQ_INACTIVE, Q());
	check_content(fx, 2, fx->pfn[2]);
	assert_int_equal(vm_kern_free_frames(fx->k), fx->k->vk_free_target - 1);
}

/*
 * nvmm on an EPT without A/D: every mapped page counts referenced (and
 * modified) each time.  Pages 0..3 in a PMAP_ASSUME_AD EPT pmap, short by
 * 2.  Passes 1 and 2 keep all four active (8 referenced); pass 3 moves 0
 * and 1 to the inactive queue and reclaims them, counted forced, written
 * because they count modified.
 */
static void forced_pass_when_everything_looks_referenced(void **state)
{
	struct fx *fx = *state;
	uint64_t freed;

	start(fx, 4, 8, PT_EPT, PMAP_ASSUME_AD);
	short_by(fx, 2);
	assert_int_equal(vm_pageout(fx->k, &freed), 0);
	assert_int_equal(freed, 2);
	counts_are(fx, (struct counts){ .scanned = 4 + 4 + 2, .scan_referenced = 8,
					.deactivated = 2, .reclaimed = 2, .forced = 2,
					.scan_modified = 2, .swap_outs = 2 });
	queue_is(fx, PQ_ACTIVE, Q(2, 3));
	assert_false(mapped(fx, 0) || mapped(fx, 1));
	vm_phys_set_free_frames(&fx->k->vk_phys, 100);
	regrab(fx, 0);
	regrab(fx, 1);
}

/*
 * The same with pages that are clean with a swap copy: without EPT A/D
 * they count modified too, so the forced pages are written again.
 */
static void assume_ad_pages_count_modified(void **state)
{
	struct fx *fx = *state;
	uint64_t freed;

	start_as(fx, 4, 8, PT_EPT, PMAP_ASSUME_AD, true);
	assert_int_equal(fx->k->vk_st.swap_outs, 4);
	short_by(fx, 2);
	assert_int_equal(vm_pageout(fx->k, &freed), 0);
	counts_are(fx, (struct counts){ .scanned = 4 + 4 + 2, .scan_referenced = 8,
					.deactivated = 2, .reclaimed = 2, .forced = 2,
					.scan_modified = 2, .swap_outs = 4 + 2 });
	vm_phys_set_free_frames(&fx->k->vk_phys, 100);
	regrab(fx, 0);
	regrab(fx, 1);
}

/*
 * Nothing to do: enough free frames, no page examined.  A wired page at
 * the ACTIVE head is stepped over, never examined nor moved: short by 2,
 * page 0 wired; goal 4/2 + 2 = 4 but only 3 can move; 1 and 2 reclaimed.
 */
static void target_reached_and_wired_pages_untouched(void **state)
{
	struct fx *fx = *state;
	uint64_t freed = 99;

	start(fx, 4, 8, PT_X86, 0);
	assert_int_equal(vm_pageout(fx->k, &freed), 0);
	assert_int_equal(freed, 0);
	assert_int_equal(fx->k->vk_st.daemon_runs, 1);
	counts_are(fx, (struct counts){ 0 });

	vm_phys_page(&fx->k->vk_phys, fx->pfn[0])->vmp_wire = 1;
	short_by(fx, 2);
	assert_int_equal(vm_pageout(fx->k, &freed), 0);
	assert_int_equal(freed, 2);
	counts_are(fx, (struct counts){ .scanned = 3 + 2, .deactivated = 3,
					.reclaimed = 2, .scan_modified = 2, .swap_outs = 2 });
	queue_is(fx, PQ_ACTIVE, Q(0));
	queue_is(fx, PQ_INACTIVE, Q(3));
	assert_true(mapped(fx, 0));
	vm_phys_page(&fx->k->vk_phys, fx->pfn[0])->vmp_wire = 0;
}

/*
 * The daemon from a grab: free below free_min (8) wakes it; it frees up
 * to the target.  Free = 7 (short by 9): 8 pages, goal 8/2 + 9: all
 * inactive; 0..7 reclaimed, the last one emptying the page table, page
 * directory and PDPT (freed too: 7 + 8 + 3 = 18 free), and the
 * allocation takes one frame: 17 left.
 */
static void grab_wakes_daemon(void **state)
{
	struct fx *fx = *state;
	enum vm_grab how;
	uint64_t pfn;

	start(fx, NPG, 16, PT_X86, 0);
	short_by(fx, 9);
	assert_true(vm_pageout_needed(fx->k));
	assert_int_equal(vm_object_grab(&fx->o, 20, &pfn, &how), 0);
	assert_int_equal(how, VMO_GRAB_ZERO);
	assert_int_equal(fx->k->vk_st.daemon_runs, 1);
	assert_int_equal(fx->k->vk_st.reclaimed, 8);
	assert_int_equal(vm_kern_free_frames(fx->k), fx->k->vk_free_target + 1);
	vm_phys_set_free_frames(&fx->k->vk_phys, 100);
	for (unsigned p = 0; p < NPG; p++)
		regrab(fx, p);
	assert_int_equal(fx->k->vk_st.daemon_runs, 1);
}

/*
 * No swap device, every page dirty, no frame free: each run examines the
 * 4 pages in each deactivation (passes 1, 2) and reclaim (1, 2, 3),
 * deactivates them in all three passes and finds swap full in every
 * reclaim (12 per run); the grab runs the daemon before allocating and
 * again after the allocation failed, then gives up.  Nothing changed.
 */
static void grab_fails_when_nothing_can_be_freed(void **state)
{
	struct fx *fx = *state;
	enum vm_grab how;
	uint64_t pfn;

	start(fx, 4, 0, PT_X86, 0);
	vm_phys_set_free_frames(&fx->k->vk_phys, 0);
	assert_int_equal(vm_object_grab(&fx->o, 20, &pfn, &how), -ENOMEM);
	assert_int_equal(fx->k->vk_st.daemon_runs, 2);
	counts_are(fx, (struct counts){ .scanned = 2 * 5 * 4, .deactivated = 2 * 3 * 4,
					.swap_full = 2 * 3 * 4 });
	assert_int_equal(fx->o.vo_resident, 4);
	for (unsigned p = 0; p < 4; p++)
		assert_true(mapped(fx, p));
	assert_int_equal(vm_object_lookup(&fx->o, 20, &pfn), -ENOENT);
}

/* the daemon never runs inside itself (2 pages + 3 emptied tables freed) */
static void daemon_does_not_nest(void **state)
{
	struct fx *fx = *state;
	uint64_t freed = 5;

	start(fx, 2, 8, PT_X86, 0);
	short_by(fx, 2);
	fx->k->vk_in_daemon = 1;
	assert_int_equal(vm_pageout(fx->k, &freed), 0);
	assert_int_equal(freed, 0);
	assert_int_equal(fx->k->vk_st.daemon_runs, 0);
	fx->k->vk_in_daemon = 0;
	assert_int_equal(vm_pageout(fx->k, &freed), 0);
	assert_int_equal(freed, 2 + 3);
	assert_int_equal(fx->k->vk_in_daemon, 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, fx_setup, fx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(second_chance_keeps_referenced_pages),
		T(dirty_is_written_clean_with_copy_is_not),
		T(swap_full_keeps_dirty_pages_mapped),
		T(forced_pass_when_everything_looks_referenced),
		T(assume_ad_pages_count_modified),
		T(target_reached_and_wired_pages_untouched),
		T(grab_wakes_daemon),
		T(grab_fails_when_nothing_can_be_freed),
		T(daemon_does_not_nest),
	};

	return cmocka_run_group_tests_name("vm_pageout", tests, NULL, NULL);
}
