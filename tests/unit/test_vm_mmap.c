/*
 * test_vm_mmap.c - the memory system calls of a vmspace: mmap placement
 * (fixed, top-down, 2 MiB alignment), munmap (whole, split, holes, pages
 * freed only when no region maps them), mprotect (page tables lowered at
 * once, raised at the next fault, superpages demoted), madvise(DONTNEED)
 * (pages and swap copies dropped, zero after) and brk.
 *
 * A fresh kernel and vmspace (PT_X86, 4 levels) per case.  Addresses:
 *
 *   TOP = VM_MMAP_TOP = 0x7f0000000000: non-fixed mmaps go below, top-down
 *
 *        TOP-0x10000   TOP-0x5000  TOP-0x3000   TOP
 *   ... ----+--------------+ gap  +-----------+
 *           |   low (RW)   | 8 K  | high (RW) |        "gap" rows premap these
 *   ... ----+--------------+      +-----------+
 *
 *   A = 0x10000000: the region munmap, mprotect and madvise work on,
 *       16 pages (A + 0x0000 .. A + 0xffff), RW, every page written
 *   S = 0x40000000: a 2 MiB-aligned region for the superpage cases
 *   heap: brk base 0x1000123 (rounded to 0x1001000 = H)
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>

#include <cmocka.h>

#include "kernel-model/vm_fault.h"
#include "kernel-model/vm_object.h"
#include "sim/mmu/pte.h"
#include "tests/lib/kmfix.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define MAXPHYADDR 46u
#define R VM_PROT_READ
#define W VM_PROT_WRITE
#define X VM_PROT_EXEC
#define RW (R | W)
#define TOP VM_MMAP_TOP
#define MB2 (UINT64_C(2) << 20)
#define A UINT64_C(0x10000000)
#define A_PAGES 16u
#define S UINT64_C(0x40000000)
#define H UINT64_C(0x1001000)
#define P(n) ((uint64_t)(n) * PAGE_SIZE)
#define USER_TOP (UINT64_C(1) << 47)

struct fixture {
	const void *fx_row;
	bool fx_vs_up;
	struct kmfix fx_km;
	struct vmspace fx_vs;
	struct vm_objref *fx_ref; /* an outside reference the test holds, or NULL */
};

static int fx_setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	fx->fx_row = *state;
	*state = fx;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fixture *fx = *state;

	if (fx->fx_vs_up)
		vmspace_fini(&fx->fx_vs);
	vm_objref_rele(fx->fx_ref);
	kmfix_stop(&fx->fx_km);
	free(fx);
	return 0;
}

/* fx_start - a kernel of `frames` frames, `swap` swap pages, superpages on/off */
static struct fixture *fx_start(void **state, uint64_t frames, uint64_t swap,
				bool sp)
{
	struct fixture *fx = *state;

	kmfix_start(&fx->fx_km, frames, swap);
	fx->fx_km.k.vk_superpages = sp;
	assert_int_equal(vmspace_init(&fx->fx_vs, &fx->fx_km.k, PT_X86,
				      MAXPHYADDR, 4, sp ? PMAP_SUPERPAGES : 0),
			 0);
	fx->fx_vs_up = true;
	return fx;
}

static struct vm_kstats *st(struct fixture *fx)
{
	return &fx->fx_km.k.vk_st;
}

static uint64_t data_pages(struct fixture *fx)
{
	return fx->fx_km.k.vk_phys.vp_count[VMP_DATA];
}

static void fault(struct fixture *fx, uint64_t va, uint32_t type,
		  enum vm_fault_result want)
{
	enum vm_fault_result res = 99;

	assert_int_equal(vm_fault(&fx->fx_vs, va, type, &res), 0);
	assert_int_equal(res, want);
}

static int fault_rc(struct fixture *fx, uint64_t va, uint32_t type)
{
	enum vm_fault_result res;

	return vm_fault(&fx->fx_vs, va, type, &res);
}

/* extract - pmap_extract of `va`: its rc, and the leaf and level */
static int extract(struct fixture *fx, uint64_t va, uint64_t *pa,
		   uint64_t *pte, unsigned *level)
{
	uint64_t p, e;
	unsigned l;

	return pmap_extract(&fx->fx_vs.vs_pmap, va, pa ? pa : &p,
			    pte ? pte : &e, level ? level : &l);
}

static uint64_t pte_of(struct fixture *fx, uint64_t va, unsigned *level)
{
	uint64_t pte = 0;

	assert_int_equal(extract(fx, va, NULL, &pte, level), 0);
	return pte;
}

/* poke / peek - write or read the word at mapped `va` through its frame */
static void poke(struct fixture *fx, uint64_t va, uint64_t v)
{
	uint64_t pa = 0;

	assert_int_equal(extract(fx, va, &pa, NULL, NULL), 0);
	assert_int_equal(pmem_write64(&fx->fx_km.mem, pa, v), 0);
}

static uint64_t peek(struct fixture *fx, uint64_t va)
{
	uint64_t pa = 0;

	assert_int_equal(extract(fx, va, &pa, NULL, NULL), 0);
	return pmem_read64(&fx->fx_km.mem, pa);
}

static void mmap_fixed(struct fixture *fx, uint64_t addr, uint64_t len,
		       uint32_t prot)
{
	uint64_t a = addr;

	assert_int_equal(vmspace_mmap(&fx->fx_vs, &a, len, prot, true), 0);
	assert_int_equal(a, addr);
}

/* region A, every page written with its index + 1 at offset 8 */
static void map_a(struct fixture *fx)
{
	mmap_fixed(fx, A, P(A_PAGES), RW);
	for (unsigned i = 0; i < A_PAGES; i++) {
		fault(fx, A + P(i), W, VM_FAULT_MAPPED);
		poke(fx, A + P(i) + 8, i + 1);
	}
	assert_int_equal(data_pages(fx), A_PAGES);
}

/* S, 2 MiB, fully written and promoted */
static void map_s_promoted(struct fixture *fx)
{
	unsigned level;

	mmap_fixed(fx, S, MB2, RW);
	for (unsigned i = 0; i < 512; i++)
		fault(fx, S + P(i), W, VM_FAULT_MAPPED);
	(void)pte_of(fx, S, &level);
	assert_int_equal(level, 2);
	assert_int_equal(st(fx)->promotions, 1);
}

/* ------------------------------------------------------------------ mmap */

struct premap {
	uint64_t addr, len;     /* len 0: none */
};

struct mmap_row {
	const char *name;
	struct premap pre[2];
	uint64_t mmap_base;     /* 0: the default, VM_MMAP_TOP */
	uint64_t addr, len;
	uint32_t prot;
	bool fixed;
	int want;
	uint64_t want_addr;
	size_t want_nent;
};

#define GAP_PRE { { TOP - 0x3000, 0x3000 }, { TOP - 0x10000, 0xb000 } }

static const struct mmap_row mmap_rows[] = {
	{ "nonfixed_goes_just_below_the_top", { { 0 } }, 0, 0, 0x3000, RW,
	  false, 0, TOP - 0x3000, 1 },
	{ "nonfixed_len_rounded_up_to_pages", { { 0 } }, 0, 0, 0x2001, RW,
	  false, 0, TOP - 0x3000, 1 },
	{ "nonfixed_2m_multiple_is_2m_aligned", { { TOP - 0x1000, 0x1000 } }, 0,
	  0, 2 * MB2, RW, false, 0, TOP - 3 * MB2, 2 },
	{ "nonfixed_other_len_is_not_aligned", { { TOP - 0x1000, 0x1000 } }, 0,
	  0, MB2 + 0x1000, RW, false, 0, TOP - 0x1000 - MB2 - 0x1000, 2 },
	{ "nonfixed_fills_a_gap_that_fits", GAP_PRE, 0, 0, 0x2000, RW, false, 0,
	  TOP - 0x5000, 3 },
	{ "nonfixed_skips_a_gap_too_small", GAP_PRE, 0, 0, 0x3000, RW, false, 0,
	  TOP - 0x13000, 3 },
	{ "nonfixed_below_a_lowered_base", { { 0 } }, 0x20000000, 0, 0x1000, R,
	  false, 0, 0x1ffff000, 1 },
	{ "nonfixed_no_room_above_the_floor_enomem", { { 0 } },
	  VM_MMAP_MIN + 0x1000, 0, 0x2000, RW, false, -ENOMEM, 0, 0 },
	{ "nonfixed_at_the_floor_fits", { { 0 } }, VM_MMAP_MIN + 0x2000, 0,
	  0x2000, RW, false, 0, VM_MMAP_MIN, 1 },
	{ "fixed_in_empty_space", { { 0 } }, 0, 0x400000, 0x2000, R | X, true, 0,
	  0x400000, 1 },
	{ "fixed_over_a_region_replaces_its_middle", { { 0x400000, 0x4000 } }, 0,
	  0x401000, 0x1000, R, true, 0, 0x401000, 3 },
	{ "fixed_over_two_regions_and_a_gap", { { 0x400000, 0x2000 },
						{ 0x404000, 0x2000 } },
	  0, 0x401000, 0x4000, R, true, 0, 0x401000, 3 },
	{ "fixed_misaligned_einval", { { 0 } }, 0, 0x400800, 0x1000, RW, true,
	  -EINVAL, 0, 0 },
	{ "fixed_below_the_floor_einval", { { 0 } }, 0, VM_MMAP_MIN - 0x1000,
	  0x1000, RW, true, -EINVAL, 0, 0 },
	{ "fixed_past_user_space_einval", { { 0 } }, 0, USER_TOP - 0x1000, 0x2000,
	  RW, true, -EINVAL, 0, 0 },
	{ "fixed_ending_at_user_top_ok", { { 0 } }, 0, USER_TOP - 0x1000, 0x1000,
	  RW, true, 0, USER_TOP - 0x1000, 1 },
	{ "len_0_einval", { { 0 } }, 0, 0, 0, RW, false, -EINVAL, 0, 0 },
	{ "unknown_prot_bits_einval", { { 0 } }, 0, 0, 0x1000, 0x8, false,
	  -EINVAL, 0, 0 },
	{ "huge_len_enomem", { { 0 } }, 0, 0, UINT64_MAX - 10, RW, false,
	  -ENOMEM, 0, 0 },
};

static void test_mmap_row(void **state)
{
	struct fixture *fx = fx_start(state, 64, 0, false);
	const struct mmap_row *row = fx->fx_row;
	size_t pre = 0;
	uint64_t addr = row->addr;
	const struct vm_map_entry *e;

	for (size_t i = 0; i < ARRAY_SIZE(row->pre) && row->pre[i].len; i++) {
		mmap_fixed(fx, row->pre[i].addr, row->pre[i].len, RW);
		pre++;
	}
	if (row->mmap_base)
		fx->fx_vs.vs_mmap_base = row->mmap_base;
	assert_int_equal(vmspace_mmap(&fx->fx_vs, &addr, row->len, row->prot,
				      row->fixed),
			 row->want);
	if (row->want != 0) {
		assert_int_equal(addr, row->addr); /* untouched */
		assert_int_equal(fx->fx_vs.vs_map.vm_nent, pre);
		return;
	}
	assert_int_equal(addr, row->want_addr);
	assert_int_equal(fx->fx_vs.vs_map.vm_nent, row->want_nent);
	e = vm_map_lookup(&fx->fx_vs.vs_map, addr);
	assert_non_null(e);
	assert_int_equal(e->vme_start, addr);
	assert_int_equal(e->vme_end, addr + ((row->len + PAGE_MASK) & ~PAGE_MASK));
	assert_int_equal(e->vme_prot, row->prot);
	assert_null(e->vme_obj);
}

/* a fixed mmap over touched pages frees them; the new mapping reads zero */
static void fixed_mmap_frees_what_it_replaces(void **state)
{
	struct fixture *fx = fx_start(state, 64, 0, false);
	uint64_t zf;

	map_a(fx);
	mmap_fixed(fx, A + P(2), P(3), RW);
	assert_int_equal(data_pages(fx), A_PAGES - 3);
	assert_int_equal(extract(fx, A + P(3), NULL, NULL, NULL), -ENOENT);
	zf = st(fx)->zero_fills;
	fault(fx, A + P(3), R, VM_FAULT_MAPPED);
	assert_int_equal(st(fx)->zero_fills, zf + 1);
	assert_int_equal(peek(fx, A + P(3) + 8), 0);
	assert_int_equal(peek(fx, A + P(5) + 8), 6); /* next door kept */
}

/* ---------------------------------------------------------------- munmap */

struct munmap_row {
	const char *name;
	bool holes;             /* A is first cut to pages 0..3 and 8..11 */
	uint64_t addr, len;
	int want;
	size_t nent;
	uint32_t mapped;        /* bit i: page i of A still mapped, with its content */
};

static const struct munmap_row munmap_rows[] = {
	{ "whole_region", false, A, P(16), 0, 0, 0x0000 },
	{ "head", false, A, P(4), 0, 1, 0xfff0 },
	{ "tail", false, A + P(12), P(4), 0, 1, 0x0fff },
	{ "middle_splits_in_two", false, A + P(4), P(4), 0, 2, 0xff0f },
	{ "len_rounded_up_to_a_page", false, A, 1, 0, 1, 0xfffe },
	{ "more_than_the_region", false, A - P(16), P(64), 0, 0, 0x0000 },
	{ "range_with_holes", true, A, P(16), 0, 0, 0x0000 },
	{ "hole_only_is_fine", true, A + P(4), P(4), 0, 2, 0x0f0f },
	{ "misaligned_einval", false, A + 8, P(1), -EINVAL, 1, 0xffff },
	{ "len_0_einval", false, A, 0, -EINVAL, 1, 0xffff },
	{ "past_user_space_einval", false, USER_TOP - P(1), P(2), -EINVAL, 1,
	  0xffff },
};

static void test_munmap_row(void **state)
{
	struct fixture *fx = fx_start(state, 64, 0, false);
	const struct munmap_row *row = fx->fx_row;

	map_a(fx);
	if (row->holes) {
		assert_int_equal(vmspace_munmap(&fx->fx_vs, A + P(4), P(4)), 0);
		assert_int_equal(vmspace_munmap(&fx->fx_vs, A + P(12), P(4)), 0);
		assert_int_equal(fx->fx_vs.vs_map.vm_nent, 2);
		assert_int_equal(data_pages(fx), 8);
	}
	assert_int_equal(vmspace_munmap(&fx->fx_vs, row->addr, row->len),
			 row->want);
	assert_int_equal(fx->fx_vs.vs_map.vm_nent, row->nent);
	assert_int_equal(data_pages(fx), __builtin_popcount(row->mapped));
	assert_int_equal(fx->fx_vs.vs_pmap.pm_resident,
			 __builtin_popcount(row->mapped));
	for (unsigned i = 0; i < A_PAGES; i++) {
		bool kept = (row->mapped >> i) & 1;

		assert_int_equal(extract(fx, A + P(i), NULL, NULL, NULL),
				 kept ? 0 : -ENOENT);
		assert_int_equal(vm_map_lookup(&fx->fx_vs.vs_map, A + P(i)) != NULL,
				 kept);
		if (kept)
			assert_int_equal(peek(fx, A + P(i) + 8), i + 1);
	}
}

/* the second half after a split still maps the same pages at the right offset */
static void munmap_middle_keeps_offsets_of_the_tail(void **state)
{
	struct fixture *fx = fx_start(state, 64, 0, false);
	const struct vm_map_entry *lo, *hi;

	map_a(fx);
	assert_int_equal(vmspace_munmap(&fx->fx_vs, A + P(4), P(4)), 0);
	lo = vm_map_lookup(&fx->fx_vs.vs_map, A);
	hi = vm_map_lookup(&fx->fx_vs.vs_map, A + P(8));
	assert_ptr_equal(lo->vme_obj, hi->vme_obj);
	assert_int_equal(hi->vme_offset, lo->vme_offset + 8);
	assert_int_equal(lo->vme_obj->or_refs, 2);
	/* a page of the tail that was unmapped by someone comes back the same */
	assert_int_equal(pmap_remove(&fx->fx_vs.vs_pmap, A + P(9), A + P(10)), 0);
	fault(fx, A + P(9), R, VM_FAULT_MAPPED);
	assert_int_equal(peek(fx, A + P(9) + 8), 10);
}

/*
 * An object another address space also references keeps its pages when
 * this one unmaps them (the last holder frees them), and frees them when
 * that reference goes.
 */
static void munmap_of_a_shared_object_leaves_its_pages(void **state)
{
	struct fixture *fx = fx_start(state, 64, 0, false);
	struct vm_map_entry *e;

	map_a(fx);
	e = vm_map_lookup(&fx->fx_vs.vs_map, A);
	fx->fx_ref = e->vme_obj;
	fx->fx_ref->or_refs++;
	assert_int_equal(vmspace_munmap(&fx->fx_vs, A + P(4), P(4)), 0);
	assert_int_equal(data_pages(fx), A_PAGES);
	assert_int_equal(extract(fx, A + P(5), NULL, NULL, NULL), -ENOENT);
	assert_int_equal(vmspace_munmap(&fx->fx_vs, A, P(16)), 0);
	assert_int_equal(data_pages(fx), A_PAGES);
	assert_int_equal(fx->fx_ref->or_refs, 1);
	vm_objref_rele(fx->fx_ref);
	fx->fx_ref = NULL;
	assert_int_equal(data_pages(fx), 0);
}

/*
 * Two regions of this map share an object (mprotect split A); unmapping
 * one frees its pages, not the other's.
 */
static void munmap_one_of_two_regions_of_an_object(void **state)
{
	struct fixture *fx = fx_start(state, 64, 0, false);

	map_a(fx);
	assert_int_equal(vmspace_mprotect(&fx->fx_vs, A + P(8), P(8), R), 0);
	assert_int_equal(fx->fx_vs.vs_map.vm_nent, 2);
	assert_int_equal(vmspace_munmap(&fx->fx_vs, A + P(8), P(8)), 0);
	assert_int_equal(data_pages(fx), 8);
	assert_int_equal(peek(fx, A + P(7) + 8), 8);
	assert_int_equal(vmspace_munmap(&fx->fx_vs, A, P(3)), 0);
	assert_int_equal(data_pages(fx), 5);
}

/* unmapping one page of a promoted 2 MiB demotes it, the rest stays mapped */
static void munmap_inside_a_superpage_demotes(void **state)
{
	struct fixture *fx = fx_start(state, 2048, 0, true);
	unsigned level;

	map_s_promoted(fx);
	assert_int_equal(vmspace_munmap(&fx->fx_vs, S + P(7), P(1)), 0);
	assert_int_equal(st(fx)->demotions, 1);
	assert_int_equal(extract(fx, S + P(7), NULL, NULL, NULL), -ENOENT);
	(void)pte_of(fx, S + P(8), &level);
	assert_int_equal(level, 1);
	assert_int_equal(fx->fx_vs.vs_pmap.pm_resident, 511);
	assert_int_equal(data_pages(fx), 511);
}

/* -------------------------------------------------------------- mprotect */

/* lowering: the page-table entries lose RW at once; writes now -EFAULT */
static void mprotect_lower_clears_rw_in_the_pte(void **state)
{
	struct fixture *fx = fx_start(state, 64, 0, false);
	uint64_t pte;

	map_a(fx);
	assert_int_equal(pte_of(fx, A + P(5), NULL) & PTE_RW, PTE_RW);
	assert_int_equal(vmspace_mprotect(&fx->fx_vs, A + P(4), P(4), R), 0);
	assert_int_equal(fx->fx_vs.vs_map.vm_nent, 3);
	for (unsigned i = 0; i < A_PAGES; i++) {
		pte = pte_of(fx, A + P(i), NULL);
		assert_int_equal(pte & PTE_P, PTE_P);
		assert_int_equal(pte & PTE_RW, i >= 4 && i < 8 ? 0 : PTE_RW);
	}
	assert_int_equal(fault_rc(fx, A + P(5), W), -EFAULT);
	fault(fx, A + P(5), R, VM_FAULT_SPURIOUS);
	fault(fx, A + P(8), W, VM_FAULT_SPURIOUS);
	assert_int_equal(peek(fx, A + P(5) + 8), 6);
}

/* raising: nothing changes in the tables until the next write fault */
static void mprotect_raise_takes_effect_at_the_next_fault(void **state)
{
	struct fixture *fx = fx_start(state, 64, 0, false);
	uint64_t pa, pa2;

	mmap_fixed(fx, A, P(4), R);
	fault(fx, A + P(1), R, VM_FAULT_MAPPED);
	assert_int_equal(extract(fx, A + P(1), &pa, NULL, NULL), 0);
	assert_int_equal(fault_rc(fx, A + P(1), W), -EFAULT);
	assert_int_equal(vmspace_mprotect(&fx->fx_vs, A, P(4), RW), 0);
	assert_int_equal(pte_of(fx, A + P(1), NULL) & PTE_RW, 0);
	fault(fx, A + P(1), W, VM_FAULT_MAPPED);
	assert_int_equal(pte_of(fx, A + P(1), NULL) & (PTE_RW | PTE_D),
			 PTE_RW | PTE_D);
	assert_int_equal(extract(fx, A + P(1), &pa2, NULL, NULL), 0);
	assert_int_equal(pa2, pa);
	assert_int_equal(st(fx)->zero_fills, 1);
}

/* PROT_NONE removes the mappings but keeps the pages; back to RW finds them */
static void mprotect_none_unmaps_but_keeps_pages(void **state)
{
	struct fixture *fx = fx_start(state, 64, 0, false);

	map_a(fx);
	assert_int_equal(vmspace_mprotect(&fx->fx_vs, A, P(16), 0), 0);
	assert_int_equal(extract(fx, A + P(3), NULL, NULL, NULL), -ENOENT);
	assert_int_equal(fault_rc(fx, A + P(3), R), -EFAULT);
	assert_int_equal(data_pages(fx), A_PAGES);
	assert_int_equal(vmspace_mprotect(&fx->fx_vs, A, P(16), RW), 0);
	fault(fx, A + P(3), R, VM_FAULT_MAPPED);
	assert_int_equal(peek(fx, A + P(3) + 8), 4);
	assert_int_equal(st(fx)->zero_fills, A_PAGES);
}

struct mprotect_err_row {
	const char *name;
	uint64_t addr, len;
	uint32_t prot;
	uint32_t maxprot;       /* given to A before the call */
	int want;
};

static const struct mprotect_err_row mprotect_err_rows[] = {
	{ "range_over_a_hole_enomem", A + P(12), P(8), R, R | W | X, -ENOMEM },
	{ "range_below_a_enomem", A - P(1), P(2), R, R | W | X, -ENOMEM },
	{ "misaligned_einval", A + 4, P(1), R, R | W | X, -EINVAL },
	{ "unknown_prot_bits_einval", A, P(1), 0x10, R | W | X, -EINVAL },
	{ "above_maxprot_eacces", A + P(2), P(2), R | X, R | W, -EACCES },
	{ "len_0_is_a_noop", A + P(2), 0, R, R | W | X, 0 },
	{ "at_maxprot_ok_but_no_split_when_whole", A, P(16), R | W, R | W, 0 },
};

/* a failing mprotect changes nothing: no clip, no lowered entry */
static void test_mprotect_err_row(void **state)
{
	struct fixture *fx = fx_start(state, 64, 0, false);
	const struct mprotect_err_row *row = fx->fx_row;
	struct vm_map_entry *e;

	map_a(fx);
	e = vm_map_lookup(&fx->fx_vs.vs_map, A);
	e->vme_maxprot = row->maxprot;
	assert_int_equal(vmspace_mprotect(&fx->fx_vs, row->addr, row->len,
					  row->prot),
			 row->want);
	assert_int_equal(fx->fx_vs.vs_map.vm_nent, 1);
	assert_int_equal(vm_map_lookup(&fx->fx_vs.vs_map, A)->vme_prot, RW);
	for (unsigned i = 0; i < A_PAGES; i++)
		assert_int_equal(pte_of(fx, A + P(i), NULL) & PTE_RW, PTE_RW);
}

/* write-protecting one page of a promoted 2 MiB demotes it */
static void mprotect_inside_a_superpage_demotes(void **state)
{
	struct fixture *fx = fx_start(state, 2048, 0, true);
	unsigned level;

	map_s_promoted(fx);
	assert_int_equal(vmspace_mprotect(&fx->fx_vs, S + P(100), P(1), R), 0);
	assert_int_equal(st(fx)->demotions, 1);
	assert_int_equal(pte_of(fx, S + P(100), &level) & PTE_RW, 0);
	assert_int_equal(level, 1);
	assert_int_equal(pte_of(fx, S + P(101), NULL) & PTE_RW, PTE_RW);
	assert_int_equal(fx->fx_vs.vs_pmap.pm_resident, 512);
	assert_int_equal(fault_rc(fx, S + P(100), W), -EFAULT);
}

/* --------------------------------------------------------------- madvise */

/* DONTNEED frees the pages: the next touch zero-fills a new one */
static void madvise_dontneed_drops_pages_and_reads_zero_after(void **state)
{
	struct fixture *fx = fx_start(state, 64, 0, false);
	uint64_t zf;

	map_a(fx);
	assert_int_equal(vmspace_madvise_dontneed(&fx->fx_vs, A + P(2), P(3)), 0);
	assert_int_equal(data_pages(fx), A_PAGES - 3);
	assert_int_equal(extract(fx, A + P(2), NULL, NULL, NULL), -ENOENT);
	assert_int_equal(fx->fx_vs.vs_map.vm_nent, 1); /* the map is unchanged */
	zf = st(fx)->zero_fills;
	fault(fx, A + P(3), R, VM_FAULT_MAPPED);
	assert_int_equal(st(fx)->zero_fills, zf + 1);
	assert_int_equal(peek(fx, A + P(3) + 8), 0);
	assert_int_equal(peek(fx, A + P(5) + 8), 6);
	assert_int_equal(peek(fx, A + P(1) + 8), 2);
}

/* a page in swap loses its swap copy too */
static void madvise_dontneed_frees_swap_copies(void **state)
{
	struct fixture *fx = fx_start(state, 64, 8, false);
	struct vm_kern *k = &fx->fx_km.k;
	uint64_t pa = 0, swapins;

	map_a(fx);
	assert_int_equal(extract(fx, A + P(6), &pa, NULL, NULL), 0);
	assert_int_equal(pmap_remove_all(k, pa >> PAGE_SHIFT), 0);
	assert_int_equal(vm_object_pageout(k, pa >> PAGE_SHIFT), 0);
	assert_int_equal(k->vk_swap.sw_used, 1);
	assert_int_equal(vmspace_madvise_dontneed(&fx->fx_vs, A + P(4), P(4)), 0);
	assert_int_equal(k->vk_swap.sw_used, 0);
	swapins = st(fx)->swap_ins;
	fault(fx, A + P(6), R, VM_FAULT_MAPPED);
	assert_int_equal(st(fx)->swap_ins, swapins);
	assert_int_equal(peek(fx, A + P(6) + 8), 0);
}

static void madvise_over_a_hole_is_enomem(void **state)
{
	struct fixture *fx = fx_start(state, 64, 0, false);

	map_a(fx);
	assert_int_equal(vmspace_madvise_dontneed(&fx->fx_vs, A + P(8), P(16)),
			 -ENOMEM);
	assert_int_equal(data_pages(fx), A_PAGES);
	assert_int_equal(vmspace_madvise_dontneed(&fx->fx_vs, A + 1, P(1)),
			 -EINVAL);
}

/* ------------------------------------------------------------------- brk */

struct brk_step {
	uint64_t want;          /* the argument */
	uint64_t cur;           /* the break it must return */
};

#define MAXSTEP 4

struct brk_row {
	const char *name;
	uint64_t base;          /* vmspace_set_brk_base; 0: never called */
	bool blocker;           /* a region at H + 0x10000 .. H + 0x11000 */
	struct brk_step step[MAXSTEP];
	uint64_t heap_end;      /* the heap region ends here (0: none) */
};

static const struct brk_row brk_rows[] = {
	{ "query_gives_the_rounded_base", 0x1000123, false,
	  { { 0, H } }, 0 },
	{ "grow_moves_the_break", 0x1000123, false,
	  { { H + 0x5010, H + 0x5010 }, { 0, H + 0x5010 } }, H + 0x6000 },
	{ "grow_twice_extends_one_region", 0x1000123, false,
	  { { H + 0x2000, H + 0x2000 }, { H + 0x9000, H + 0x9000 } }, H + 0x9000 },
	{ "shrink_unmaps_whole_pages", 0x1000123, false,
	  { { H + 0x9000, H + 0x9000 }, { H + 0x3800, H + 0x3800 } }, H + 0x4000 },
	{ "shrink_to_the_base_leaves_no_heap", 0x1000123, false,
	  { { H + 0x9000, H + 0x9000 }, { H, H } }, 0 },
	{ "below_the_base_fails_softly", 0x1000123, false,
	  { { H + 0x2000, H + 0x2000 }, { H - 0x1000, H + 0x2000 } }, H + 0x2000 },
	{ "past_the_limit_fails_softly", 0x1000123, false,
	  { { H + VM_BRK_LIMIT + 1, H } }, 0 },
	{ "up_to_the_limit_ok", 0x1000123, false,
	  { { H + VM_BRK_LIMIT, H + VM_BRK_LIMIT } }, H + VM_BRK_LIMIT },
	{ "into_another_region_fails_softly", 0x1000123, true,
	  { { H + 0x8000, H + 0x8000 }, { H + 0x10001, H + 0x8000 },
	    { H + 0x10000, H + 0x10000 } }, H + 0x10000 },
	{ "no_heap_without_a_base", 0, false,
	  { { 0, 0 }, { H + 0x1000, 0 } }, 0 },
};

static void test_brk_row(void **state)
{
	struct fixture *fx = fx_start(state, 64, 0, false);
	const struct brk_row *row = fx->fx_row;
	const struct vm_map_entry *e;
	uint64_t cur;

	if (row->base)
		vmspace_set_brk_base(&fx->fx_vs, row->base);
	if (row->blocker)
		mmap_fixed(fx, H + 0x10000, 0x1000, R);
	for (size_t i = 0; i < MAXSTEP && (i == 0 || row->step[i].want); i++) {
		cur = 12345;
		assert_int_equal(vmspace_brk(&fx->fx_vs, row->step[i].want, &cur),
				 0);
		assert_int_equal(cur, row->step[i].cur);
	}
	e = vm_map_lookup(&fx->fx_vs.vs_map, H);
	if (row->heap_end == 0) {
		assert_null(e);
		return;
	}
	assert_non_null(e);
	assert_int_equal(e->vme_start, H);
	assert_int_equal(e->vme_end, row->heap_end);
	assert_int_equal(e->vme_prot, RW);
	fault(fx, row->heap_end - 8, W, VM_FAULT_MAPPED);
	if (!row->blocker)
		assert_int_equal(fault_rc(fx, row->heap_end, R), -EFAULT);
}

/* shrink frees the pages; growing again gives zero pages */
static void brk_shrink_frees_and_regrow_reads_zero(void **state)
{
	struct fixture *fx = fx_start(state, 64, 0, false);
	uint64_t cur;

	vmspace_set_brk_base(&fx->fx_vs, H);
	assert_int_equal(vmspace_brk(&fx->fx_vs, H + P(8), &cur), 0);
	for (unsigned i = 0; i < 8; i++) {
		fault(fx, H + P(i), W, VM_FAULT_MAPPED);
		poke(fx, H + P(i), 0xabc + i);
	}
	assert_int_equal(data_pages(fx), 8);
	assert_int_equal(vmspace_brk(&fx->fx_vs, H + P(3), &cur), 0);
	assert_int_equal(data_pages(fx), 3);
	assert_int_equal(fx->fx_vs.vs_map.vm_nent, 1);
	assert_int_equal(vmspace_brk(&fx->fx_vs, H + P(8), &cur), 0);
	assert_int_equal(fx->fx_vs.vs_map.vm_nent, 1);
	fault(fx, H + P(5), R, VM_FAULT_MAPPED);
	assert_int_equal(peek(fx, H + P(5)), 0);
	assert_int_equal(peek(fx, H + P(2)), 0xabc + 2);
}

#define T(f) cmocka_unit_test_setup_teardown(f, fx_setup, fx_teardown)
#define ROW(rows, i, fn)                                                       \
	((struct CMUnitTest){ (rows)[i].name, fn, fx_setup, fx_teardown,       \
			      (void *)&(rows)[i] })

int main(void)
{
	static const struct CMUnitTest fixed[] = {
		T(fixed_mmap_frees_what_it_replaces),
		T(munmap_middle_keeps_offsets_of_the_tail),
		T(munmap_of_a_shared_object_leaves_its_pages),
		T(munmap_one_of_two_regions_of_an_object),
		T(munmap_inside_a_superpage_demotes),
		T(mprotect_lower_clears_rw_in_the_pte),
		T(mprotect_raise_takes_effect_at_the_next_fault),
		T(mprotect_none_unmaps_but_keeps_pages),
		T(mprotect_inside_a_superpage_demotes),
		T(madvise_dontneed_drops_pages_and_reads_zero_after),
		T(madvise_dontneed_frees_swap_copies),
		T(madvise_over_a_hole_is_enomem),
		T(brk_shrink_frees_and_regrow_reads_zero),
	};
	struct CMUnitTest tests[ARRAY_SIZE(mmap_rows) + ARRAY_SIZE(munmap_rows) +
			       ARRAY_SIZE(mprotect_err_rows) +
			       ARRAY_SIZE(brk_rows) + ARRAY_SIZE(fixed)];
	size_t n = 0;

	for (size_t i = 0; i < ARRAY_SIZE(mmap_rows); i++)
		tests[n++] = ROW(mmap_rows, i, test_mmap_row);
	for (size_t i = 0; i < ARRAY_SIZE(munmap_rows); i++)
		tests[n++] = ROW(munmap_rows, i, test_munmap_row);
	for (size_t i = 0; i < ARRAY_SIZE(mprotect_err_rows); i++)
		tests[n++] = ROW(mprotect_err_rows, i, test_mprotect_err_row);
	for (size_t i = 0; i < ARRAY_SIZE(brk_rows); i++)
		tests[n++] = ROW(brk_rows, i, test_brk_row);
	for (size_t i = 0; i < ARRAY_SIZE(fixed); i++)
		tests[n++] = fixed[i];
	return cmocka_run_group_tests_name("vm_mmap", tests, NULL, NULL);
}
