/*
 * test_vm_fault.c - the page-fault handler: first touch zero-fills a page
 * and maps it with the region's rights (the access setting A, and D for a
 * write), illegal accesses are -EFAULT, a repeated fault is spurious, a
 * page with too few rights is entered again, a paged-out page comes back
 * from swap, a fully touched 2 MiB-aligned range is promoted, and the
 * address space frees everything at the end.
 *
 * Every test gets a fresh kernel and a fresh vmspace with these regions
 * (the SP row tests add a 2 MiB-aligned one at 0x40000000):
 *
 *   0x400000 +-----------+ 0x402000   text    R X
 *   0x600000 +-----------+ 0x604000   data    R W
 *   0x800000 +-----------+ 0x801000   rodata  R
 *
 * The first fault of an empty PT_X86 pmap allocates three tables (PDPT,
 * PD, PT) below the root vmspace_init made.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>

#include <cmocka.h>

#include "kernel-model/vm_fault.h"
#include "kernel-model/vm_object.h"
#include "sim/mmu/ept.h"
#include "sim/mmu/pte.h"
#include "tests/lib/kmfix.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define MAXPHYADDR 46u
#define R VM_PROT_READ
#define W VM_PROT_WRITE
#define X VM_PROT_EXEC
#define TEXT 0x400000u
#define DATA 0x600000u
#define RODATA 0x800000u
#define SP_VA UINT64_C(0x40000000)
#define SP_SIZE (UINT64_C(2) << 20)
#define SP_NPAGES 512u
/* the leaf bits the rows look at */
#define PTE_RIGHTS (PTE_P | PTE_RW | PTE_US | PTE_A | PTE_D | PTE_XD)

struct fixture {
	const void *fx_row;
	bool fx_vs_up;
	struct kmfix fx_km;
	struct vmspace fx_vs;
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
	kmfix_stop(&fx->fx_km);
	free(fx);
	return 0;
}

/*
 * fx_start - a kernel of `frames` frames and `swap` swap pages, with
 * superpages on or off, and the vmspace drawn above in a pmap of `type`.
 */
static struct fixture *fx_start(void **state, uint64_t frames, uint64_t swap,
				enum pmap_type type, bool sp)
{
	struct fixture *fx = *state;
	struct vm_map *m = &fx->fx_vs.vs_map;

	kmfix_start(&fx->fx_km, frames, swap);
	fx->fx_km.k.vk_superpages = sp;
	assert_int_equal(vmspace_init(&fx->fx_vs, &fx->fx_km.k, type,
				      MAXPHYADDR, 4, sp ? PMAP_SUPERPAGES : 0),
			 0);
	fx->fx_vs_up = true;
	assert_int_equal(vm_map_insert(m, TEXT, TEXT + 0x2000, R | X, NULL, 0),
			 0);
	assert_int_equal(vm_map_insert(m, DATA, DATA + 0x4000, R | W, NULL, 0),
			 0);
	assert_int_equal(vm_map_insert(m, RODATA, RODATA + 0x1000, R, NULL, 0),
			 0);
	return fx;
}

static struct vm_kstats *st(struct fixture *fx)
{
	return &fx->fx_km.k.vk_st;
}

/* fault - vm_fault at `va` must succeed with `want` */
static void fault(struct fixture *fx, uint64_t va, uint32_t type,
		  enum vm_fault_result want)
{
	enum vm_fault_result res = 99;

	assert_int_equal(vm_fault(&fx->fx_vs, va, type, &res), 0);
	assert_int_equal(res, want);
}

/* leaf - the leaf entry mapping `va` (must be mapped) and its level */
static uint64_t leaf(struct fixture *fx, uint64_t va, unsigned *level)
{
	uint64_t pa = 0, pte = 0;
	unsigned lv = 0;

	assert_int_equal(pmap_extract(&fx->fx_vs.vs_pmap, va, &pa, &pte, &lv),
			 0);
	if (level)
		*level = lv;
	return pte;
}

/* pa_of - the physical address `va` maps to (must be mapped) */
static uint64_t pa_of(struct fixture *fx, uint64_t va)
{
	uint64_t pa = 0, pte;
	unsigned lv;

	assert_int_equal(pmap_extract(&fx->fx_vs.vs_pmap, va, &pa, &pte, &lv),
			 0);
	return pa;
}

static void assert_unmapped(struct fixture *fx, uint64_t va)
{
	uint64_t pa, pte;
	unsigned lv;

	assert_int_equal(pmap_extract(&fx->fx_vs.vs_pmap, va, &pa, &pte, &lv),
			 -ENOENT);
}

/* one first fault on a fresh vmspace */
struct fault_row {
	const char *name;
	uint64_t va;
	uint32_t type;
	int want;
	uint64_t leaf_bits; /* PTE_RIGHTS of the new leaf, when want == 0 */
};

static const struct fault_row fault_rows[] = {
	{ "read_in_data_maps_rw_nx_accessed", DATA + 0x10, R, 0,
	  PTE_P | PTE_US | PTE_RW | PTE_XD | PTE_A },
	{ "write_in_data_last_byte_maps_dirty", DATA + 0x3fff, W, 0,
	  PTE_P | PTE_US | PTE_RW | PTE_XD | PTE_A | PTE_D },
	{ "exec_in_text_maps_readonly_exec", TEXT, X, 0, PTE_P | PTE_US | PTE_A },
	{ "read_in_text_maps_readonly_exec", TEXT + 0x1008, R, 0,
	  PTE_P | PTE_US | PTE_A },
	{ "read_in_rodata_maps_readonly_nx", RODATA + 0xfff, R, 0,
	  PTE_P | PTE_US | PTE_XD | PTE_A },
	{ "read_at_address_0_efault", 0x0, R, -EFAULT, 0 },
	{ "read_below_text_efault", TEXT - 1, R, -EFAULT, 0 },
	{ "read_at_end_of_text_efault", TEXT + 0x2000, R, -EFAULT, 0 },
	{ "read_in_gap_efault", 0x500000, R, -EFAULT, 0 },
	{ "read_above_every_region_efault", RODATA + 0x1000, R, -EFAULT, 0 },
	{ "write_to_rodata_efault", RODATA, W, -EFAULT, 0 },
	{ "write_to_text_efault", TEXT + 0x100, W, -EFAULT, 0 },
	{ "exec_in_data_efault", DATA, X, -EFAULT, 0 },
	{ "exec_in_rodata_efault", RODATA, X, -EFAULT, 0 },
};

static void test_fault_row(void **state)
{
	struct fixture *fx = fx_start(state, 64, 0, PT_X86, false);
	const struct fault_row *row = fx->fx_row;
	struct vm_phys *vp = &fx->fx_km.k.vk_phys;
	uint64_t pt0 = st(fx)->pt_allocs;
	enum vm_fault_result res = 99;
	uint64_t pte;
	unsigned level;

	assert_int_equal(vm_fault(&fx->fx_vs, row->va, row->type, &res),
			 row->want);
	assert_int_equal(st(fx)->faults, 1);
	if (row->want != 0) {
		assert_int_equal(st(fx)->zero_fills, 0);
		assert_int_equal(st(fx)->pt_allocs, pt0);
		assert_int_equal(vp->vp_count[VMP_DATA], 0);
		assert_int_equal(fx->fx_vs.vs_pmap.pm_resident, 0);
		assert_unmapped(fx, row->va);
		return;
	}
	assert_int_equal(res, VM_FAULT_MAPPED);
	assert_int_equal(st(fx)->zero_fills, 1);
	assert_int_equal(st(fx)->pt_allocs - pt0, 3);
	assert_int_equal(vp->vp_count[VMP_DATA], 1);
	assert_int_equal(fx->fx_vs.vs_pmap.pm_resident, 1);
	pte = leaf(fx, row->va, &level);
	assert_int_equal(level, 1);
	assert_int_equal(pte & PTE_RIGHTS, row->leaf_bits);
}

/*
 * A second fault that the mapping already allows is spurious, in both
 * pmap types: after a read fault in data (RW) a write is allowed, after
 * an exec fault in text a read is.
 */
struct spurious_row {
	const char *name;
	enum pmap_type type;
	uint64_t va;
	uint32_t first, second;
};

static const struct spurious_row spurious_rows[] = {
	{ "x86_read_then_read_spurious", PT_X86, DATA + 8, R, R },
	{ "x86_read_then_write_spurious", PT_X86, DATA + 8, R, W },
	{ "x86_exec_then_read_spurious", PT_X86, TEXT, X, R },
	{ "x86_read_then_exec_in_text_spurious", PT_X86, TEXT, R, X },
	{ "ept_read_then_write_spurious", PT_EPT, DATA + 8, R, W },
	{ "ept_write_then_read_spurious", PT_EPT, DATA + 0x3000, W, R },
	{ "ept_read_then_exec_in_text_spurious", PT_EPT, TEXT + 0x1000, R, X },
};

static void test_spurious_row(void **state)
{
	const struct spurious_row *row = ((struct fixture *)*state)->fx_row;
	struct fixture *fx = fx_start(state, 64, 0, row->type, false);
	uint64_t pa;

	fault(fx, row->va, row->first, VM_FAULT_MAPPED);
	pa = pa_of(fx, row->va);
	fault(fx, row->va, row->second, VM_FAULT_SPURIOUS);
	assert_int_equal(pa_of(fx, row->va), pa);
	assert_int_equal(st(fx)->faults, 2);
	assert_int_equal(st(fx)->zero_fills, 1);
	assert_int_equal(fx->fx_km.k.vk_phys.vp_count[VMP_DATA], 1);
}

/*
 * A mapping made before its region's rights were raised (mprotect raises
 * the map only) lacks the new right: the fault for it enters the page
 * again with the region's rights, in both pmap types.  `bit` is the leaf
 * bit that says the right: set after (or, for x86's XD, clear after).
 */
struct reenter_row {
	const char *name;
	enum pmap_type type;
	uint64_t va;
	uint32_t raise_to, second;
	uint64_t bit;
	bool set_after;
};

static const struct reenter_row reenter_rows[] = {
	{ "x86_exec_after_raising_data_to_rwx", PT_X86, DATA, R | W | X, X,
	  PTE_XD, false },
	{ "ept_exec_after_raising_data_to_rwx", PT_EPT, DATA, R | W | X, X,
	  EPT_X, true },
	{ "x86_write_after_raising_rodata_to_rw", PT_X86, RODATA, R | W, W,
	  PTE_RW, true },
	{ "ept_write_after_raising_rodata_to_rw", PT_EPT, RODATA, R | W, W,
	  EPT_W, true },
};

static void test_reenter_row(void **state)
{
	const struct reenter_row *row = ((struct fixture *)*state)->fx_row;
	struct fixture *fx = fx_start(state, 64, 0, row->type, false);
	uint64_t pa;

	fault(fx, row->va, R, VM_FAULT_MAPPED);
	pa = pa_of(fx, row->va);
	assert_int_equal(leaf(fx, row->va, NULL) & row->bit,
			 row->set_after ? 0 : row->bit);
	vm_map_lookup(&fx->fx_vs.vs_map, row->va)->vme_prot = row->raise_to;
	fault(fx, row->va, row->second, VM_FAULT_MAPPED);
	assert_int_equal(leaf(fx, row->va, NULL) & row->bit,
			 row->set_after ? row->bit : 0);
	assert_int_equal(pa_of(fx, row->va), pa);
	assert_int_equal(st(fx)->zero_fills, 1);
	fault(fx, row->va, row->second, VM_FAULT_SPURIOUS);
}

/* the page next door shares the page table: no table allocated */
static void neighbour_page_needs_no_table(void **state)
{
	struct fixture *fx = fx_start(state, 64, 0, PT_X86, false);
	uint64_t pt;

	fault(fx, DATA, W, VM_FAULT_MAPPED);
	pt = st(fx)->pt_allocs;
	fault(fx, DATA + PAGE_SIZE, W, VM_FAULT_MAPPED);
	assert_int_equal(st(fx)->pt_allocs, pt);
	assert_int_equal(st(fx)->zero_fills, 2);
	assert_int_equal(fx->fx_vs.vs_pmap.pm_resident, 2);
	assert_int_not_equal(pa_of(fx, DATA), pa_of(fx, DATA + PAGE_SIZE));
	/* one object for the region, made at the first fault */
	assert_non_null(vm_map_lookup(&fx->fx_vs.vs_map, DATA)->vme_obj);
	assert_null(vm_map_lookup(&fx->fx_vs.vs_map, RODATA)->vme_obj);
}

/*
 * A page mapped with fewer rights than its region (write-protected by the
 * pmap) is entered again on a write: same frame, now writable and dirty.
 */
static void write_to_write_protected_page_reenters_it(void **state)
{
	struct fixture *fx = fx_start(state, 64, 0, PT_X86, false);
	uint64_t pa, pte;

	fault(fx, DATA + 0x1000, R, VM_FAULT_MAPPED);
	pa = pa_of(fx, DATA + 0x1000);
	assert_int_equal(pmap_protect(&fx->fx_vs.vs_pmap, DATA + 0x1000,
				      DATA + 0x2000, R),
			 0);
	assert_int_equal(leaf(fx, DATA + 0x1000, NULL) & PTE_RW, 0);
	fault(fx, DATA + 0x1000, R, VM_FAULT_SPURIOUS);
	fault(fx, DATA + 0x1000, W, VM_FAULT_MAPPED);
	pte = leaf(fx, DATA + 0x1000, NULL);
	assert_int_equal(pte & (PTE_RW | PTE_D), PTE_RW | PTE_D);
	assert_int_equal(pa_of(fx, DATA + 0x1000), pa);
	assert_int_equal(st(fx)->zero_fills, 1);
	assert_int_equal(fx->fx_vs.vs_pmap.pm_resident, 1);
}

/*
 * A page written, then paged out (unmapped everywhere, written to swap,
 * frame freed), comes back from swap on the next fault with its content.
 */
static void paged_out_page_is_swapped_in(void **state)
{
	struct fixture *fx = fx_start(state, 64, 16, PT_X86, false);
	struct vm_kern *k = &fx->fx_km.k;
	const struct vm_map_entry *e;
	uint64_t pa, pfn;

	fault(fx, DATA + 0x2000, W, VM_FAULT_MAPPED);
	pa = pa_of(fx, DATA + 0x2000);
	assert_int_equal(pmem_write64(&fx->fx_km.mem, pa + 0x18, 0xfeedf00d), 0);
	assert_int_equal(pmap_remove_all(k, pa >> PAGE_SHIFT), 0);
	assert_int_equal(vm_object_pageout(k, pa >> PAGE_SHIFT), 0);
	assert_int_equal(st(fx)->swap_outs, 1);
	assert_int_equal(k->vk_phys.vp_count[VMP_DATA], 0);
	assert_unmapped(fx, DATA + 0x2000);
	e = vm_map_lookup(&fx->fx_vs.vs_map, DATA);
	assert_int_equal(vm_object_lookup(&e->vme_obj->or_obj,
					  e->vme_offset + 2, &pfn),
			 -ENOENT);

	fault(fx, DATA + 0x2018, R, VM_FAULT_MAPPED);
	assert_int_equal(st(fx)->swap_ins, 1);
	assert_int_equal(st(fx)->zero_fills, 1);
	pa = pa_of(fx, DATA + 0x2018);
	assert_int_equal(pmem_read64(&fx->fx_km.mem, pa), 0xfeedf00d);
}

/*
 * 2 MiB-aligned regions at SP_VA with superpages on: how many of the 512
 * pages a row touches, and whether the 2 MiB is then one PS entry.
 */
struct sp_row {
	const char *name;
	uint32_t second;        /* not 0: the 2 MiB is two regions of one object, the second with these rights */
	uint64_t pad;           /* the region starts this much below SP_VA and ends as much above */
	unsigned touch;         /* pages touched: from the first up (two regions: down to the first) */
	uint32_t type;
	bool promoted;
};

static const struct sp_row sp_rows[] = {
	{ "all_512_written_promotes", 0, 0, SP_NPAGES, W, true },
	{ "all_512_read_promotes", 0, 0, SP_NPAGES, R, true },
	{ "511_touched_does_not_promote", 0, 0, SP_NPAGES - 1, W, false },
	{ "two_protections_do_not_promote", R, 0, SP_NPAGES, R, false },
	/* the pmap could, but the rule is one region over the whole 2 MiB */
	{ "two_regions_same_rights_do_not_promote", R | W, 0, SP_NPAGES, R,
	  false },
	{ "unaligned_region_promotes_the_2m_inside", 0, 0x3000, SP_NPAGES, W,
	  true },
};

static void test_sp_row(void **state)
{
	struct fixture *fx = fx_start(state, 2048, 0, PT_X86, true);
	const struct sp_row *row = fx->fx_row;
	struct vm_map *m = &fx->fx_vs.vs_map;
	struct pmap *pm = &fx->fx_vs.vs_pmap;
	uint64_t pt_frees, pte;
	unsigned level;

	if (row->second) {
		/* one object behind both halves, so its reservation fills */
		struct vm_objref *o;

		assert_int_equal(vm_objref_new(&fx->fx_km.k, SP_NPAGES, &o), 0);
		assert_int_equal(vm_map_insert(m, SP_VA, SP_VA + SP_SIZE / 2,
					       R | W, o, 0),
				 0);
		assert_int_equal(vm_map_insert(m, SP_VA + SP_SIZE / 2,
					       SP_VA + SP_SIZE, row->second, o,
					       SP_NPAGES / 2),
				 0);
		vm_objref_rele(o);
	} else {
		assert_int_equal(vm_map_insert(m, SP_VA - row->pad,
					       SP_VA + SP_SIZE + row->pad, R | W,
					       NULL, 0),
				 0);
	}
	/* two regions: top down, so the last fault is in the first region */
	pt_frees = 0;
	for (unsigned i = 0; i < row->touch; i++) {
		unsigned page = row->second ? row->touch - 1 - i : i;

		if (i + 1 == row->touch) {
			assert_int_equal(st(fx)->promotions, 0);
			pt_frees = st(fx)->pt_frees;
		}
		fault(fx, SP_VA + (uint64_t)page * PAGE_SIZE, row->type,
		      VM_FAULT_MAPPED);
	}
	assert_int_equal(st(fx)->reservations, 1);
	assert_int_equal(st(fx)->zero_fills, row->touch);
	pte = leaf(fx, SP_VA + 0x1234, &level);
	if (!row->promoted) {
		assert_int_equal(level, 1);
		assert_int_equal(st(fx)->promotions, 0);
		assert_int_equal(pm->pm_superpages, 0);
		return;
	}
	assert_int_equal(level, 2);
	assert_int_equal(pte & PTE_PS, PTE_PS);
	assert_int_equal(st(fx)->promotions, 1);
	assert_int_equal(st(fx)->pt_frees - pt_frees, 1); /* the PT page */
	assert_int_equal(pm->pm_superpages, 1);
	assert_int_equal(pm->pm_resident, SP_NPAGES);
	/* one frame block: page i of the 2 MiB is frame base + i */
	assert_int_equal(pa_of(fx, SP_VA + SP_SIZE - 8) - pa_of(fx, SP_VA),
			 SP_SIZE - 8);
}

/* without PMAP_SUPERPAGES the full reservation stays mapped by 4 KiB pages */
static void no_promotion_without_pmap_superpages(void **state)
{
	struct fixture *fx = *state;
	unsigned level;

	kmfix_start(&fx->fx_km, 2048, 0);
	fx->fx_km.k.vk_superpages = true;
	assert_int_equal(vmspace_init(&fx->fx_vs, &fx->fx_km.k, PT_X86,
				      MAXPHYADDR, 4, 0),
			 0);
	fx->fx_vs_up = true;
	assert_int_equal(vm_map_insert(&fx->fx_vs.vs_map, SP_VA, SP_VA + SP_SIZE,
				       R | W, NULL, 0),
			 0);
	for (unsigned i = 0; i < SP_NPAGES; i++)
		fault(fx, SP_VA + (uint64_t)i * PAGE_SIZE, W, VM_FAULT_MAPPED);
	(void)leaf(fx, SP_VA, &level);
	assert_int_equal(level, 1);
	assert_int_equal(st(fx)->promotions, 0);
}

/*
 * A read-only 2 MiB region, promoted, then made writable (the map only, as
 * mprotect raising rights does): a write demotes the 2 MiB entry and
 * enters the written page alone, writable; its neighbours stay read-only.
 */
static void write_to_readonly_superpage_demotes_and_reenters(void **state)
{
	struct fixture *fx = fx_start(state, 2048, 0, PT_X86, true);
	struct vm_map_entry *e;
	unsigned level;

	assert_int_equal(vm_map_insert(&fx->fx_vs.vs_map, SP_VA, SP_VA + SP_SIZE,
				       R, NULL, 0),
			 0);
	for (unsigned i = 0; i < SP_NPAGES; i++)
		fault(fx, SP_VA + (uint64_t)i * PAGE_SIZE, R, VM_FAULT_MAPPED);
	(void)leaf(fx, SP_VA, &level);
	assert_int_equal(level, 2);
	e = vm_map_lookup(&fx->fx_vs.vs_map, SP_VA);
	e->vme_prot = R | W; /* what mprotect does to the region, no more */
	fault(fx, SP_VA + 0x5000, W, VM_FAULT_MAPPED);
	assert_int_equal(st(fx)->demotions, 1);
	assert_int_equal(leaf(fx, SP_VA + 0x5000, &level) & PTE_RW, PTE_RW);
	assert_int_equal(level, 1);
	assert_int_equal(leaf(fx, SP_VA + 0x6000, NULL) & PTE_RW, 0);
	assert_int_equal(st(fx)->zero_fills, SP_NPAGES);
}

/*
 * Too little memory for the page tables: four usable frames hold the
 * root, the data page, the PDPT and the PD; the PT fails, nothing can be
 * paged out (no swap, the page is wired), -ENOMEM, and fini frees all.
 */
static void no_frame_for_a_table_is_enomem(void **state)
{
	struct fixture *fx = fx_start(state, 5, 0, PT_X86, false);
	struct vm_phys *vp = &fx->fx_km.k.vk_phys;
	enum vm_fault_result res;

	assert_int_equal(vm_fault(&fx->fx_vs, DATA, W, &res), -ENOMEM);
	assert_unmapped(fx, DATA);
	vmspace_fini(&fx->fx_vs);
	fx->fx_vs_up = false;
	assert_int_equal(vm_phys_used(vp), 0);
}

static void vmspace_init_without_a_frame_is_enomem(void **state)
{
	struct fixture *fx = *state;
	struct vmspace vs;

	kmfix_start(&fx->fx_km, 1, 0); /* frame 0 only */
	assert_int_equal(vmspace_init(&vs, &fx->fx_km.k, PT_X86, MAXPHYADDR, 4,
				      0),
			 -ENOMEM);
	assert_null(vs.vs_map.vm_ent);
}

static void vmspace_init_sets_the_mmap_base(void **state)
{
	struct fixture *fx = fx_start(state, 64, 0, PT_X86, false);

	assert_int_equal(fx->fx_vs.vs_mmap_base, VM_MMAP_TOP);
	assert_ptr_equal(fx->fx_vs.vs_kern, &fx->fx_km.k);
	assert_int_equal(fx->fx_vs.vs_brk_base, 0);
}

/* fini frees tables and every object's pages; one shared object survives */
static void vmspace_fini_frees_pages_and_tables(void **state)
{
	struct fixture *fx = fx_start(state, 64, 0, PT_X86, false);
	struct vm_phys *vp = &fx->fx_km.k.vk_phys;
	struct vm_objref *o;

	assert_int_equal(vm_objref_new(&fx->fx_km.k, 4, &o), 0);
	assert_int_equal(vm_map_insert(&fx->fx_vs.vs_map, 0xa00000, 0xa04000,
				       R | W, o, 0),
			 0);
	fault(fx, TEXT, X, VM_FAULT_MAPPED);
	fault(fx, DATA, W, VM_FAULT_MAPPED);
	fault(fx, RODATA, R, VM_FAULT_MAPPED);
	fault(fx, 0xa01000, W, VM_FAULT_MAPPED);
	assert_int_equal(vp->vp_count[VMP_DATA], 4);
	vmspace_fini(&fx->fx_vs);
	fx->fx_vs_up = false;
	assert_int_equal(vp->vp_count[VMP_PTPAGE], 0);
	assert_int_equal(vp->vp_count[VMP_DATA], 1); /* o's page */
	assert_int_equal(o->or_refs, 1);
	assert_int_equal(o->or_obj.vo_resident, 1);
	vm_objref_rele(o);
	assert_int_equal(vm_phys_used(vp), 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, fx_setup, fx_teardown)
#define ROW(rows, i, fn)                                                       \
	((struct CMUnitTest){ (rows)[i].name, fn, fx_setup, fx_teardown,       \
			      (void *)&(rows)[i] })

int main(void)
{
	static const struct CMUnitTest fixed[] = {
		T(neighbour_page_needs_no_table),
		T(write_to_write_protected_page_reenters_it),
		T(paged_out_page_is_swapped_in),
		T(no_promotion_without_pmap_superpages),
		T(write_to_readonly_superpage_demotes_and_reenters),
		T(no_frame_for_a_table_is_enomem),
		T(vmspace_init_without_a_frame_is_enomem),
		T(vmspace_init_sets_the_mmap_base),
		T(vmspace_fini_frees_pages_and_tables),
	};
	struct CMUnitTest tests[ARRAY_SIZE(fault_rows) + ARRAY_SIZE(spurious_rows) +
			       ARRAY_SIZE(reenter_rows) + ARRAY_SIZE(sp_rows) +
			       ARRAY_SIZE(fixed)];
	size_t n = 0;

	for (size_t i = 0; i < ARRAY_SIZE(fault_rows); i++)
		tests[n++] = ROW(fault_rows, i, test_fault_row);
	for (size_t i = 0; i < ARRAY_SIZE(spurious_rows); i++)
		tests[n++] = ROW(spurious_rows, i, test_spurious_row);
	for (size_t i = 0; i < ARRAY_SIZE(reenter_rows); i++)
		tests[n++] = ROW(reenter_rows, i, test_reenter_row);
	for (size_t i = 0; i < ARRAY_SIZE(sp_rows); i++)
		tests[n++] = ROW(sp_rows, i, test_sp_row);
	for (size_t i = 0; i < ARRAY_SIZE(fixed); i++)
		tests[n++] = fixed[i];
	return cmocka_run_group_tests_name("vm_fault", tests, NULL, NULL);
}
