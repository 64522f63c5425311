/*
 * test_vm_object.c - anonymous objects: grab (zero fill, resident, swap
 * in), pageout and the swap round trip of a page's content, superpage
 * reservations (population, full, broken, emptied), page_remove, the
 * sparse directory, and the kernel's frame allocation path.
 *
 * Every case: kmfix memory of 4096 frames, the kernel owns [1, 4096)
 * (free_min 15, target 30), swap as the case says.  With superpages on,
 * the first order-9 block comes from the bump at 512 and the frames
 * before it spill onto the free lists, one block per order:
 *
 *   pfn:  0 | 1 | 2-3 | 4-7 | ... | 256-511 | 512-1023 | 1024-1535 | ...
 *           |o0 | o1  | o2  |     |   o8    | 1st rsv  | 2nd rsv   |
 *
 * Without superpages, frames come one by one from the bump: 1, 2, 3, ...
 * No page here is mapped, so pmap_remove_all has nothing to do.
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
#define FRAMES 4096

struct fx {
	struct kmfix f;
	struct vm_object o[2];
	bool up[2];
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

	for (int i = 0; i < 2; i++)
		if (fx->up[i])
			vm_object_fini(&fx->o[i]);
	kmfix_stop(&fx->f);
	free(fx);
	return 0;
}

static struct vm_kern *start(struct fx *fx, uint64_t swap_pages, bool superpages)
{
	kmfix_start(&fx->f, FRAMES, swap_pages);
	fx->f.k.vk_superpages = superpages;
	return &fx->f.k;
}

static struct vm_object *obj(struct fx *fx, int i, uint64_t size)
{
	assert_int_equal(vm_object_init(&fx->o[i], &fx->f.k, size), 0);
	fx->up[i] = true;
	return &fx->o[i];
}

static uint64_t grab(struct vm_object *o, uint64_t pindex, enum vm_grab want)
{
	enum vm_grab how;
	uint64_t pfn = 0;

	assert_int_equal(vm_object_grab(o, pindex, &pfn, &how), 0);
	assert_int_equal(how, want);
	return pfn;
}

static struct vm_page *pg(struct vm_kern *k, uint64_t pfn)
{
	return vm_phys_page(&k->vk_phys, pfn);
}

/* write_words - word i of the frame gets seed * 4096 + i for a few i */
static void write_words(struct vm_kern *k, uint64_t pfn, uint64_t seed)
{
	for (unsigned i = 0; i < WORDS; i += 37)
		assert_int_equal(vm_kern_write64(k, pfn * PAGE_SIZE + 8 * i,
						 seed * 4096 + i), 0);
}

static void check_words(struct vm_kern *k, uint64_t pfn, uint64_t seed)
{
	uint64_t buf[WORDS];
	bool zero;

	assert_int_equal(vm_kern_page_read(k, pfn, buf, &zero), 0);
	assert_int_equal(zero, seed == 0);
	for (unsigned i = 0; i < WORDS; i++)
		assert_int_equal(buf[i], seed && i % 37 == 0 ? seed * 4096 + i : 0);
}

/* ---- grab ------------------------------------------------------------- */

/*
 * Frame 1 is dirtied and freed first, so the first grab (LIFO) gets it and
 * must zero it.  pindex 3 -> frame 1, pindex 7 -> frame 2.
 */
static void grab_zero_fills_then_finds_resident(void **state)
{
	struct fx *fx = *state;
	struct vm_kern *k = start(fx, 0, false);
	struct vm_object *o = obj(fx, 0, 16);
	uint64_t pfn;

	assert_int_equal(vm_phys_alloc(&k->vk_phys, VMP_PTPAGE, &pfn), 0);
	write_words(k, pfn, 9);
	vm_phys_free(&k->vk_phys, pfn);

	assert_int_equal(grab(o, 3, VMO_GRAB_ZERO), 1);
	check_words(k, 1, 0);
	assert_int_equal(k->vk_st.zero_fills, 1);
	assert_ptr_equal(pg(k, 1)->vmp_object, o);
	assert_int_equal(pg(k, 1)->vmp_pindex, 3);
	assert_int_equal(pg(k, 1)->vmp_kind, VMP_DATA);
	assert_int_equal(pg(k, 1)->vmp_aflags, VMP_A_MODIFIED);
	assert_int_equal(pg(k, 1)->vmp_queue, PQ_ACTIVE);
	assert_int_equal(o->vo_resident, 1);

	assert_int_equal(grab(o, 3, VMO_GRAB_RESIDENT), 1);
	assert_int_equal(grab(o, 7, VMO_GRAB_ZERO), 2);
	assert_int_equal(k->vk_st.zero_fills, 2);
	assert_int_equal(k->vk_phys.vp_q[PQ_ACTIVE].pq_head, 1);
	assert_int_equal(k->vk_phys.vp_q[PQ_ACTIVE].pq_tail, 2);
	assert_int_equal(k->vk_phys.vp_count[VMP_DATA], 2);

	assert_int_equal(vm_object_lookup(o, 7, &pfn), 0);
	assert_int_equal(pfn, 2);
	assert_int_equal(vm_object_lookup(o, 4, &pfn), -ENOENT);
	assert_int_equal(vm_object_lookup(o, 16, &pfn), -ENOENT);
	assert_int_equal(k->vk_st.daemon_runs, 0);
}

/* ---- swap round trip -------------------------------------------------- */

struct rt_case {
	const char *name;
	uint64_t seed;          /* content written; 0: none (a zero page) */
};

static const struct rt_case rt_cases[] = {
	{ "swap_round_trip_keeps_content", 5 },
	{ "swap_round_trip_of_a_zero_page_stores_nothing", 0 },
};

/*
 * pindex 2 of a 4-page object: out (slot 1), in (new frame, same slot,
 * clean), out again without a write (clean with a copy), in, dirtied by
 * hand, out with a write: the stale slot is released first and reused
 * (LIFO), and the new content is what comes back.
 */
static void run_rt_case(void **state)
{
	const struct rt_case *c = *state;
	struct kmfix f = { 0 };
	struct vm_kern *k;
	struct vm_object o;
	uint64_t pfn, got;

	kmfix_start(&f, FRAMES, 8);
	k = &f.k;
	assert_int_equal(vm_object_init(&o, k, 4), 0);
	pfn = grab(&o, 2, VMO_GRAB_ZERO);
	if (c->seed)
		write_words(k, pfn, c->seed);
	assert_int_equal(vm_object_pageout(k, pfn), 0);
	assert_int_equal(k->vk_st.swap_outs, 1);
	assert_int_equal(o.vo_dir[0]->oc_slot[2], (1u << 1) | VMO_SWAPPED);
	assert_int_equal(o.vo_resident, 0);
	assert_int_equal(o.vo_swapped, 1);
	assert_int_equal(k->vk_phys.vp_count[VMP_DATA], 0);
	assert_int_equal(k->vk_phys.vp_q[PQ_ACTIVE].pq_count, 0);
	assert_int_equal(k->vk_swap.sw_used, 1);
	if (c->seed)
		assert_non_null(k->vk_swap.sw_dir[0][1].ss_data);
	else
		assert_null(k->vk_swap.sw_dir[0][1].ss_data);
	assert_int_equal(vm_object_lookup(&o, 2, &got), -ENOENT);

	pfn = grab(&o, 2, VMO_GRAB_SWAPIN);
	check_words(k, pfn, c->seed);
	assert_int_equal(k->vk_st.swap_ins, 1);
	assert_int_equal(pg(k, pfn)->vmp_swslot, 1);
	assert_int_equal(pg(k, pfn)->vmp_aflags, 0);
	assert_int_equal(o.vo_resident, 1);
	assert_int_equal(o.vo_swapped, 0);

	assert_int_equal(vm_object_pageout(k, pfn), 0); /* clean, has a copy */
	assert_int_equal(k->vk_st.swap_outs, 1);
	assert_int_equal(o.vo_dir[0]->oc_slot[2], (1u << 1) | VMO_SWAPPED);

	pfn = grab(&o, 2, VMO_GRAB_SWAPIN);
	check_words(k, pfn, c->seed);
	write_words(k, pfn, 77);
	pg(k, pfn)->vmp_aflags |= VMP_A_MODIFIED;
	assert_int_equal(vm_object_pageout(k, pfn), 0);
	assert_int_equal(k->vk_st.swap_outs, 2);
	assert_int_equal(k->vk_swap.sw_used, 1);
	assert_int_equal(o.vo_dir[0]->oc_slot[2], (1u << 1) | VMO_SWAPPED);
	pfn = grab(&o, 2, VMO_GRAB_SWAPIN);
	check_words(k, pfn, 77);
	assert_int_equal(k->vk_st.swap_ins, 3);
	assert_int_equal(k->vk_st.zero_fills, 1);

	vm_object_fini(&o);
	assert_int_equal(k->vk_swap.sw_used, 0);
	assert_int_equal(vm_phys_used(&k->vk_phys), 0);
	kmfix_stop(&f);
}

/*
 * One slot of swap: pindex 0 goes out; pindex 1 finds swap full and
 * nothing changes (still resident, queued, counted, its slot empty).
 */
static void pageout_with_swap_full_changes_nothing(void **state)
{
	struct fx *fx = *state;
	struct vm_kern *k = start(fx, 1, false);
	struct vm_object *o = obj(fx, 0, 4);
	uint64_t p0 = grab(o, 0, VMO_GRAB_ZERO), p1 = grab(o, 1, VMO_GRAB_ZERO), got;

	write_words(k, p1, 3);
	assert_int_equal(vm_object_pageout(k, p0), 0);
	assert_int_equal(vm_object_pageout(k, p1), -ENOSPC);
	assert_int_equal(vm_object_lookup(o, 1, &got), 0);
	assert_int_equal(got, p1);
	assert_int_equal(pg(k, p1)->vmp_queue, PQ_ACTIVE);
	assert_int_equal(pg(k, p1)->vmp_aflags, VMP_A_MODIFIED);
	assert_int_equal(pg(k, p1)->vmp_swslot, 0);
	assert_ptr_equal(pg(k, p1)->vmp_object, o);
	assert_int_equal(o->vo_resident, 1);
	assert_int_equal(o->vo_swapped, 1);
	assert_int_equal(k->vk_st.swap_outs, 1);
	check_words(k, p1, 3);
	/* a page with a stale copy frees its slot first: it always fits */
	assert_int_equal(vm_object_page_remove(o, 0, 1), 0);
	assert_int_equal(vm_object_pageout(k, p1), 0);
	assert_int_equal(grab(o, 1, VMO_GRAB_SWAPIN), p1);
	pg(k, p1)->vmp_aflags |= VMP_A_MODIFIED;
	assert_int_equal(grab(o, 0, VMO_GRAB_ZERO), p0);
	assert_int_equal(vm_object_pageout(k, p1), 0);
	assert_int_equal(vm_object_pageout(k, p0), -ENOSPC);
	assert_int_equal(k->vk_st.swap_outs, 3);
}

/* ---- reservations ----------------------------------------------------- */

/*
 * Object of 1124 pages: groups 0 (0-511) and 1 (512-1023) lie inside and
 * get reservations at 512 and 1024; group 2 (1024-1123) is cut by the end
 * and gets ordinary frames (the lowest free one: 1, a spilled block).
 */
static void reservations_populate_and_fill(void **state)
{
	struct fx *fx = *state;
	struct vm_kern *k = start(fx, 0, true);
	struct vm_object *o = obj(fx, 0, 1124);
	struct vm_phys *vp = &k->vk_phys;
	struct vm_reserv *r0;

	assert_int_equal(grab(o, 5, VMO_GRAB_ZERO), 512 + 5);
	r0 = o->vo_dir[0]->oc_rv;
	assert_non_null(r0);
	assert_int_equal(r0->rv_pfn, 512);
	assert_int_equal(r0->rv_pindex, 0);
	assert_int_equal(r0->rv_popcnt, 1);
	assert_int_equal(k->vk_st.reservations, 1);
	assert_int_equal(vp->vp_count[VMP_RESERVED], 511);
	assert_int_equal(vp->vp_count[VMP_DATA], 1);
	assert_ptr_equal(k->vk_rv_head, r0);

	assert_int_equal(grab(o, 600, VMO_GRAB_ZERO), 1024 + 88);
	assert_int_equal(k->vk_st.reservations, 2);
	assert_ptr_equal(k->vk_rv_head, r0);
	assert_ptr_equal(k->vk_rv_tail, o->vo_dir[1]->oc_rv);
	assert_int_equal(grab(o, 1030, VMO_GRAB_ZERO), 1);
	assert_null(o->vo_dir[2]->oc_rv);
	assert_int_equal(k->vk_st.reservations, 2);

	for (uint64_t p = 0; p < 512; p++) {
		assert_false(vm_object_reserv_full(o, 0));
		assert_int_equal(grab(o, p, p == 5 ? VMO_GRAB_RESIDENT : VMO_GRAB_ZERO),
				 512 + p);
	}
	assert_true(vm_object_reserv_full(o, 0));
	assert_true(vm_object_reserv_full(o, 511));
	assert_false(vm_object_reserv_full(o, 512));
	assert_false(vm_object_reserv_full(o, 1030));
	assert_false(r0->rv_listed);
	assert_ptr_equal(k->vk_rv_head, o->vo_dir[1]->oc_rv);
	assert_ptr_equal(k->vk_rv_tail, o->vo_dir[1]->oc_rv);
	assert_int_equal(vp->vp_count[VMP_RESERVED], 511);
	assert_int_equal(vp->vp_count[VMP_DATA], 512 + 2);
	assert_int_equal(k->vk_st.zero_fills, 512 + 2);
}

/*
 * Group 0 populated at 0, 1, 2 (frames 512-514), then broken: the 509
 * other frames are free again, the three pages stay where they are, and
 * the next page of the group gets an ordinary frame (515, the last
 * order-0 block freed by the break: LIFO) and no new reservation.
 */
static void break_returns_unused_frames(void **state)
{
	struct fx *fx = *state;
	struct vm_kern *k = start(fx, 0, true);
	struct vm_object *o = obj(fx, 0, 512);
	struct vm_phys *vp = &k->vk_phys;
	uint64_t before, got;

	for (uint64_t p = 0; p < 3; p++)
		grab(o, p, VMO_GRAB_ZERO);
	before = vm_phys_free_count(vp);
	assert_true(vm_reserv_break_one(k));
	assert_false(vm_reserv_break_one(k));
	assert_int_equal(k->vk_st.reserv_breaks, 1);
	assert_null(o->vo_dir[0]->oc_rv);
	assert_null(k->vk_rv_head);
	assert_null(k->vk_rv_tail);
	assert_int_equal(vm_phys_free_count(vp), before + 509);
	assert_int_equal(vp->vp_count[VMP_RESERVED], 0);
	assert_int_equal(vp->vp_count[VMP_DATA], 3);
	for (uint64_t p = 0; p < 3; p++) {
		assert_int_equal(vm_object_lookup(o, p, &got), 0);
		assert_int_equal(got, 512 + p);
		assert_int_equal(pg(k, got)->vmp_order, 0);
	}
	assert_int_equal(grab(o, 3, VMO_GRAB_ZERO), 515);
	assert_int_equal(k->vk_st.reservations, 1);
	assert_false(vm_object_reserv_full(o, 3));
	assert_int_equal(vm_object_page_remove(o, 0, 512), 0);
	assert_int_equal(vm_phys_used(vp), 0);
	assert_int_equal(vp->vp_free[9], 512); /* everything merged back */
}

/*
 * Objects A (rsv 512) and B (rsv 1024).  A fills up and leaves the
 * partial list; losing page 7 brings it back at the tail (behind B), so
 * the oldest partial one, B, is broken first.  A's pages removed one by
 * one: the last one frees the whole block, whole again on vp_free[9].
 */
static void depopulated_reservation_requeues_and_empties(void **state)
{
	struct fx *fx = *state;
	struct vm_kern *k = start(fx, 0, true);
	struct vm_object *a = obj(fx, 0, 512), *b = obj(fx, 1, 512);
	struct vm_phys *vp = &k->vk_phys;
	struct vm_reserv *ra, *rb;

	assert_int_equal(grab(a, 0, VMO_GRAB_ZERO), 512);
	assert_int_equal(grab(b, 0, VMO_GRAB_ZERO), 1024);
	ra = a->vo_dir[0]->oc_rv;
	rb = b->vo_dir[0]->oc_rv;
	assert_ptr_equal(k->vk_rv_head, ra);
	assert_ptr_equal(ra->rv_next, rb);
	for (uint64_t p = 1; p < 512; p++)
		grab(a, p, VMO_GRAB_ZERO);
	assert_ptr_equal(k->vk_rv_head, rb);
	assert_int_equal(vm_object_page_remove(a, 7, 8), 0);
	assert_int_equal(ra->rv_popcnt, 511);
	assert_int_equal(pg(k, 519)->vmp_kind, VMP_RESERVED);
	assert_null(pg(k, 519)->vmp_object);
	assert_ptr_equal(k->vk_rv_head, rb);
	assert_ptr_equal(k->vk_rv_tail, ra);
	assert_int_equal(grab(a, 7, VMO_GRAB_ZERO), 519); /* back into its frame */
	assert_true(vm_object_reserv_full(a, 7));
	assert_int_equal(vm_object_page_remove(a, 7, 8), 0);

	assert_true(vm_reserv_break_one(k));
	assert_null(b->vo_dir[0]->oc_rv);
	assert_ptr_equal(k->vk_rv_head, ra);
	for (uint64_t p = 0; p < 512; p++) {
		assert_int_equal(vm_object_page_remove(a, p, p + 1), 0);
		if (p < 511)
			assert_int_equal(vp->vp_count[VMP_RESERVED],
					 p < 7 ? p + 2 : p + 1);
	}
	assert_null(a->vo_dir[0]);
	assert_null(k->vk_rv_head);
	assert_int_equal(vp->vp_count[VMP_RESERVED], 0);
	assert_int_equal(vp->vp_count[VMP_DATA], 1); /* B's page 0 */
	assert_int_equal(vp->vp_free[9], 512);
	assert_int_equal(vm_phys_page(vp, 1024)->vmp_kind, VMP_DATA);
	assert_int_equal(k->vk_st.reserv_breaks, 1);
}

/* ---- removal ---------------------------------------------------------- */

/*
 * Object of 2048 pages (chunks 0..3): pages 0-9 and 600 resident, 2 and 3
 * swapped out, 4 swapped out and back (its copy kept).  Removing [2, 601)
 * releases the three slots, frees 5-9 and 600 and chunk 1; 0 and 1 stay.
 */
static void page_remove_frees_frames_slots_and_chunks(void **state)
{
	struct fx *fx = *state;
	struct vm_kern *k = start(fx, 8, false);
	struct vm_object *o = obj(fx, 0, 2048);
	uint64_t pfn, got;

	for (uint64_t p = 0; p < 10; p++)
		grab(o, p, VMO_GRAB_ZERO);
	pfn = grab(o, 600, VMO_GRAB_ZERO);
	for (uint64_t p = 2; p <= 4; p++) {
		assert_int_equal(vm_object_lookup(o, p, &got), 0);
		assert_int_equal(vm_object_pageout(k, got), 0);
	}
	grab(o, 4, VMO_GRAB_SWAPIN);
	assert_int_equal(k->vk_swap.sw_used, 3);
	assert_int_equal(o->vo_resident, 9);
	assert_int_equal(o->vo_swapped, 2);
	assert_non_null(o->vo_dir[1]);
	write_words(k, pfn, 4);

	assert_int_equal(vm_object_page_remove(o, 2, 601), 0);
	assert_int_equal(k->vk_swap.sw_used, 0);
	assert_int_equal(o->vo_resident, 2);
	assert_int_equal(o->vo_swapped, 0);
	assert_int_equal(k->vk_phys.vp_count[VMP_DATA], 2);
	assert_int_equal(k->vk_phys.vp_q[PQ_ACTIVE].pq_count, 2);
	assert_null(o->vo_dir[1]);
	assert_non_null(o->vo_dir[0]);
	assert_int_equal(o->vo_dir[0]->oc_used, 2);
	assert_int_equal(vm_object_lookup(o, 5, &got), -ENOENT);
	assert_int_equal(vm_object_lookup(o, 1, &got), 0);
	/* a removed page comes back as zeroes */
	pfn = grab(o, 600, VMO_GRAB_ZERO);
	check_words(k, pfn, 0);
	/* an empty range and one past the end are fine */
	assert_int_equal(vm_object_page_remove(o, 100, 100), 0);
	assert_int_equal(vm_object_page_remove(o, 2000, 5000), 0);
	vm_object_fini(o);
	fx->up[0] = false;
	assert_int_equal(vm_phys_used(&k->vk_phys), 0);
}

/*
 * Pages 0 and 1 mapped twice: by a native pmap at 0x1000 + p * 4 KiB and
 * by an EPT pmap at 0x200000 + p * 4 KiB (a page shared by a process and
 * a VM, NetBSD's case).  Removing page 0 unmaps it from both and frees it;
 * page 1 stays mapped in both; fini unmaps and frees page 1 too.
 */
static void page_remove_unmaps_from_every_pmap(void **state)
{
	struct fx *fx = *state;
	struct vm_kern *k = start(fx, 0, false);
	struct vm_object *o = obj(fx, 0, 4);
	struct pmap px, pe;
	uint64_t p0 = grab(o, 0, VMO_GRAB_ZERO), p1 = grab(o, 1, VMO_GRAB_ZERO);
	uint64_t pa, pte;
	unsigned level;

	assert_int_equal(pmap_init(&px, PT_X86, k, 46, 4, 0), 0);
	assert_int_equal(pmap_init(&pe, PT_EPT, k, 46, 4, 0), 0);
	for (uint64_t p = 0; p < 2; p++) {
		uint64_t pfn = p ? p1 : p0;

		assert_int_equal(pmap_enter(&px, 0x1000 + p * PAGE_SIZE, pfn,
					    VM_PROT_READ | VM_PROT_WRITE, VM_PROT_WRITE, 0), 0);
		assert_int_equal(pmap_enter(&pe, 0x200000 + p * PAGE_SIZE, pfn,
					    VM_PROT_READ | VM_PROT_WRITE, VM_PROT_READ, 0), 0);
	}
	assert_int_equal(px.pm_resident, 2);
	assert_int_equal(vm_object_page_remove(o, 0, 1), 0);
	assert_int_equal(pmap_extract(&px, 0x1000, &pa, &pte, &level), -ENOENT);
	assert_int_equal(pmap_extract(&pe, 0x200000, &pa, &pte, &level), -ENOENT);
	assert_int_equal(pmap_extract(&px, 0x2000, &pa, &pte, &level), 0);
	assert_int_equal(pa, p1 << PAGE_SHIFT);
	assert_int_equal(pmap_extract(&pe, 0x201000, &pa, &pte, &level), 0);
	assert_int_equal(px.pm_resident, 1);
	assert_int_equal(pe.pm_resident, 1);
	assert_int_equal(k->vk_phys.vp_count[VMP_DATA], 1);

	vm_object_fini(o);
	fx->up[0] = false;
	assert_int_equal(px.pm_resident, 0);
	assert_int_equal(pe.pm_resident, 0);
	assert_int_equal(k->vk_phys.vp_count[VMP_DATA], 0);
	assert_int_equal(pmap_extract(&pe, 0x201000, &pa, &pte, &level), -ENOENT);
	pmap_fini(&px);
	pmap_fini(&pe);
	assert_int_equal(vm_phys_used(&k->vk_phys), 0);
}

static int gpa_fail(void *ctx, uint64_t pa, bool write, uint64_t *hpa)
{
	(void)ctx;
	(void)pa;
	(void)write;
	(void)hpa;
	return -ENOMEM;
}

/*
 * A guest kernel whose host cannot back its memory: the page tables
 * cannot be read, so page_remove stops at the first mapped page with
 * -ENOMEM and changes nothing.  fini goes on regardless: pages 0-2 (in
 * the reservation at 512, which therefore ends: 509 frames back) are
 * abandoned still mapped, their frames leaked until the pmap is gone.
 */
static void unreachable_memory_stops_remove_and_fini_abandons(void **state)
{
	struct fx *fx = *state;
	struct vm_kern *k = start(fx, 0, true);
	struct vm_object *o = obj(fx, 0, 512);
	struct pmap px;

	assert_int_equal(pmap_init(&px, PT_X86, k, 46, 4, 0), 0);
	for (uint64_t p = 0; p < 3; p++)
		assert_int_equal(pmap_enter(&px, 0x1000 + p * PAGE_SIZE,
					    grab(o, p, VMO_GRAB_ZERO),
					    VM_PROT_READ, VM_PROT_READ, 0), 0);
	k->vk_gpa = gpa_fail;
	assert_int_equal(vm_object_page_remove(o, 0, 3), -ENOMEM);
	assert_int_equal(o->vo_resident, 3);
	assert_int_equal(px.pm_resident, 3);
	assert_int_equal(o->vo_dir[0]->oc_rv->rv_popcnt, 3);

	vm_object_fini(o);
	fx->up[0] = false;
	assert_int_equal(k->vk_st.reserv_breaks, 1);
	assert_int_equal(k->vk_phys.vp_count[VMP_RESERVED], 0);
	assert_int_equal(k->vk_phys.vp_count[VMP_DATA], 3);
	assert_int_equal(k->vk_phys.vp_q[PQ_ACTIVE].pq_count, 0);
	assert_null(vm_phys_page(&k->vk_phys, 513)->vmp_object);

	k->vk_gpa = NULL;
	pmap_fini(&px);
	for (uint64_t pfn = 512; pfn < 515; pfn++)
		vm_phys_free(&k->vk_phys, pfn);
	assert_int_equal(vm_phys_used(&k->vk_phys), 0);
}

/* a 64 GiB object (2^24 pages) touched at three places costs three chunks */
static void object_directory_is_sparse(void **state)
{
	struct fx *fx = *state;
	struct vm_kern *k = start(fx, 0, false);
	struct vm_object *o = obj(fx, 0, UINT64_C(1) << 24);
	uint64_t made = 0;

	(void)k;
	assert_int_equal(o->vo_ndir, 32768);
	grab(o, 0, VMO_GRAB_ZERO);
	grab(o, 5 << 20, VMO_GRAB_ZERO);
	grab(o, (UINT64_C(1) << 24) - 1, VMO_GRAB_ZERO);
	grab(o, 1, VMO_GRAB_ZERO);
	for (uint64_t i = 0; i < o->vo_ndir; i++)
		made += o->vo_dir[i] != NULL;
	assert_int_equal(made, 3);
}

/* fini with resident, swapped and reserved pages leaves nothing behind */
static void fini_releases_everything(void **state)
{
	struct fx *fx = *state;
	struct vm_kern *k = start(fx, 4, true);
	struct vm_object *o = obj(fx, 0, 1000);
	uint64_t got;

	grab(o, 3, VMO_GRAB_ZERO);             /* reservation 512 */
	grab(o, 700, VMO_GRAB_ZERO);           /* cut group: frame 1 */
	grab(o, 4, VMO_GRAB_ZERO);
	assert_int_equal(vm_object_lookup(o, 4, &got), 0);
	assert_int_equal(vm_object_pageout(k, got), 0);
	assert_int_equal(vm_object_lookup(o, 700, &got), 0);
	assert_int_equal(vm_object_pageout(k, got), 0);
	vm_object_fini(o);
	fx->up[0] = false;
	assert_int_equal(vm_phys_used(&k->vk_phys), 0);
	assert_int_equal(k->vk_swap.sw_used, 0);
	assert_null(k->vk_rv_head);
	assert_int_equal(k->vk_phys.vp_q[PQ_ACTIVE].pq_count, 0);
}

/* ---- the kernel's frame path ------------------------------------------ */

/*
 * vm_page_alloc_frame zeroes what it hands out (order 0 and 1), breaks a
 * reservation when nothing is free (cap 0), fails when there is none left
 * to break, and never runs the page daemon.
 */
static void alloc_frame_zeroes_and_breaks_but_never_runs_daemon(void **state)
{
	struct fx *fx = *state;
	struct vm_kern *k = start(fx, 0, true);
	struct vm_object *o = obj(fx, 0, 512);
	uint64_t pfn, pair;

	assert_int_equal(vm_phys_alloc_order(&k->vk_phys, VMP_PTPAGE, 1, &pair), 0);
	write_words(k, pair, 1);
	write_words(k, pair + 1, 2);
	vm_phys_free_order(&k->vk_phys, pair, 1);
	assert_int_equal(vm_page_alloc_frame(k, VMP_PTPAGE, 1, &pfn), 0);
	assert_int_equal(pfn, pair);
	check_words(k, pair, 0);
	check_words(k, pair + 1, 0);
	assert_int_equal(fx->f.mem.pm_stored, 0);

	grab(o, 0, VMO_GRAB_ZERO);              /* reservation at 512 */
	vm_phys_set_free_frames(&k->vk_phys, 0);
	assert_int_equal(vm_page_alloc_frame(k, VMP_PTPAGE, 0, &pfn), 0);
	assert_int_equal(k->vk_st.reserv_breaks, 1);
	assert_int_equal(pg(k, pfn)->vmp_kind, VMP_PTPAGE);
	vm_phys_set_free_frames(&k->vk_phys, 0);
	assert_int_equal(vm_page_alloc_frame(k, VMP_PTPAGE, 0, &pfn), -ENOMEM);
	assert_int_equal(k->vk_st.daemon_runs, 0);
}

/*
 * Under pressure a grab runs the daemon first, and the daemon breaks the
 * partial reservation (509 frames) before it examines any page: nothing
 * is scanned.
 */
static void grab_under_pressure_breaks_reservation_in_daemon(void **state)
{
	struct fx *fx = *state;
	struct vm_kern *k = start(fx, 0, true);
	struct vm_object *a = obj(fx, 0, 512), *b = obj(fx, 1, 16);

	for (uint64_t p = 0; p < 3; p++)
		grab(a, p, VMO_GRAB_ZERO);
	vm_phys_set_free_frames(&k->vk_phys, 2);
	assert_true(vm_pageout_needed(k));
	assert_int_equal(grab(b, 0, VMO_GRAB_ZERO), 515); /* freed by the break */
	assert_int_equal(k->vk_st.daemon_runs, 1);
	assert_int_equal(k->vk_st.reserv_breaks, 1);
	assert_int_equal(k->vk_st.scanned, 0);
	assert_int_equal(a->vo_resident, 3);
	assert_int_equal(vm_phys_free_count(&k->vk_phys), 2 + 509 - 1);
}

#define T(f) cmocka_unit_test_setup_teardown(f, fx_setup, fx_teardown)

int main(void)
{
	static const struct CMUnitTest fixed[] = {
		T(grab_zero_fills_then_finds_resident),
		T(pageout_with_swap_full_changes_nothing),
		T(reservations_populate_and_fill),
		T(break_returns_unused_frames),
		T(depopulated_reservation_requeues_and_empties),
		T(page_remove_frees_frames_slots_and_chunks),
		T(page_remove_unmaps_from_every_pmap),
		T(unreachable_memory_stops_remove_and_fini_abandons),
		T(object_directory_is_sparse),
		T(fini_releases_everything),
		T(alloc_frame_zeroes_and_breaks_but_never_runs_daemon),
		T(grab_under_pressure_breaks_reservation_in_daemon),
	};
	struct CMUnitTest tests[sizeof(fixed) / sizeof(fixed[0]) +
				sizeof(rt_cases) / sizeof(rt_cases[0])];
	size_t n = 0;

	for (size_t i = 0; i < sizeof(rt_cases) / sizeof(rt_cases[0]); i++)
		tests[n++] = (struct CMUnitTest){ .name = rt_cases[i].name,
						  .test_func = run_rt_case,
						  .initial_state = (void *)&rt_cases[i] };
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		tests[n++] = fixed[i];
	return _cmocka_run_group_tests("vm_object", tests, n, NULL, NULL);
}
