/*
 * test_pmap.c - PT_X86 pmaps: the bit table, the tables pmap_enter links
 * and the entries it writes at each level, rights per protection,
 * replacement, running out of frames midway, pmap_extract, and pmap_fini
 * giving every table back.
 *
 * Every test gets fresh physical memory (MAXPHYADDR 46) and a fresh pmap.
 * Frames are handed out lowest first, so the layout is known:
 *
 *   pfn 1: PML4 (root, allocated by pmap_init)
 *   pfn 2: the data frame the test maps (allocated by the test)
 *   pfn 3: PDPT, pfn 4: PD, pfn 5: PT   (allocated by the first pmap_enter)
 *
 * The first mapping is at VA_A, whose index differs at every level so an
 * entry in the wrong slot cannot pass:
 *
 *   VA_A = PML4[3] PDPT[5] PD[7] PT[9] = 0x181_40e0_9000
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>

#include <cmocka.h>

#include "kernel-model/pmap.h"
#include "sim/mmu/pte.h"
#include "sim/mmu/mmu.h"
#include "tests/lib/kmfix.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define MAXPHYADDR 46u
/* the address with these indices at PML4, PDPT, PD and PT (user half) */
#define VA(l4, l3, l2, l1)                                                     \
	(((uint64_t)(l4) << 39) | ((uint64_t)(l3) << 30) |                     \
	 ((uint64_t)(l2) << 21) | ((uint64_t)(l1) << 12))
#define VA_A VA(3, 5, 7, 9)
#define PFN_ROOT 1u
#define PFN_DATA 2u
#define PFN_PDPT 3u
#define PFN_PD 4u
#define PFN_PT 5u
#define PA(pfn) ((uint64_t)(pfn) << PAGE_SHIFT)
#define TABLE_BITS (PTE_P | PTE_RW | PTE_US) /* every intermediate entry */

struct fixture {
	const void *fx_row;
	bool fx_pmap_up;
	struct kmfix fx_km;
	struct pmap fx_pm;
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

	if (fx->fx_pmap_up)
		pmap_fini(&fx->fx_pm);
	kmfix_stop(&fx->fx_km);
	free(fx);
	return 0;
}

/* fx_start - memory of `frames` frames, its allocator, and an empty pmap */
static struct fixture *fx_start(void **state, uint64_t frames)
{
	struct fixture *fx = *state;

	kmfix_start(&fx->fx_km, frames);
	assert_int_equal(pmap_init(&fx->fx_pm, PT_X86, &fx->fx_km.vp,
				   MAXPHYADDR, 4), 0);
	fx->fx_pmap_up = true;
	return fx;
}

/* the entry for `va` at `level` of the table at physical address `table` */
static uint64_t entry_at(struct fixture *fx, uint64_t table, uint64_t va,
			 unsigned level)
{
	return pmem_read64(&fx->fx_km.mem, table + pt_index(va, level) * 8u);
}

static uint64_t take_data(struct fixture *fx)
{
	uint64_t pfn = 0;

	assert_int_equal(vm_phys_alloc(&fx->fx_km.vp, VMP_DATA, &pfn), 0);
	return pfn;
}

static void init_allocates_root_and_x86_bits(void **state)
{
	struct fixture *fx = fx_start(state, 16);
	struct pmap *pm = &fx->fx_pm;

	assert_int_equal(pm->pm_type, PT_X86);
	assert_int_equal(pm->pm_root, PA(PFN_ROOT));
	assert_int_equal(pm->pm_levels, 4);
	assert_int_equal(pm->pm_maxphyaddr, MAXPHYADDR);
	assert_int_equal(pm->pm_ptpages, 1);
	assert_int_equal(pm->pm_resident, 0);
	assert_int_equal(fx->fx_km.vp.vp_count[VMP_PTPAGE], 1);
	assert_int_equal(pm->pm_bits[PMAP_BIT_V], PTE_P);
	assert_int_equal(pm->pm_bits[PMAP_BIT_RW], PTE_RW);
	assert_int_equal(pm->pm_bits[PMAP_BIT_U], PTE_US);
	assert_int_equal(pm->pm_bits[PMAP_BIT_A], PTE_A);
	assert_int_equal(pm->pm_bits[PMAP_BIT_M], PTE_D);
	assert_int_equal(pm->pm_bits[PMAP_BIT_NX], PTE_XD);
	assert_int_equal(pm->pm_bits[PMAP_BIT_PS], PTE_PS);
}

static void init_ept_is_enotsup_and_allocates_nothing(void **state)
{
	struct fixture *fx = *state;
	struct pmap pm;

	kmfix_start(&fx->fx_km, 16);
	assert_int_equal(pmap_init(&pm, PT_EPT, &fx->fx_km.vp, MAXPHYADDR, 4),
			 -ENOTSUP);
	assert_int_equal(fx->fx_km.vp.vp_count[VMP_PTPAGE], 0);
	assert_int_equal(fx->fx_km.vp.vp_count[VMP_FREE], 15);
}

static void init_without_a_frame_is_enomem(void **state)
{
	struct fixture *fx = *state;
	struct pmap pm;

	/* frame 0 only */
	kmfix_start(&fx->fx_km, 1);
	assert_int_equal(pmap_init(&pm, PT_X86, &fx->fx_km.vp, MAXPHYADDR, 4),
			 -ENOMEM);
	pmap_fini(&pm); /* a failed init leaves a pmap fini accepts */
}

static void first_mapping_links_three_new_tables(void **state)
{
	struct fixture *fx = fx_start(state, 16);
	struct pmap *pm = &fx->fx_pm;
	unsigned made = 99;

	assert_int_equal(take_data(fx), PFN_DATA);
	assert_int_equal(pmap_enter(pm, VA_A, PA(PFN_DATA), VM_PROT_READ,
				    &made), 0);
	assert_int_equal(made, 3);
	assert_int_equal(pm->pm_ptpages, 4);
	assert_int_equal(fx->fx_km.vp.vp_count[VMP_PTPAGE], 4);
	assert_int_equal(pm->pm_resident, 1);
	assert_int_equal(entry_at(fx, PA(PFN_ROOT), VA_A, 4),
			 PA(PFN_PDPT) | TABLE_BITS);
	assert_int_equal(entry_at(fx, PA(PFN_PDPT), VA_A, 3),
			 PA(PFN_PD) | TABLE_BITS);
	assert_int_equal(entry_at(fx, PA(PFN_PD), VA_A, 2),
			 PA(PFN_PT) | TABLE_BITS);
	assert_int_equal(entry_at(fx, PA(PFN_PT), VA_A, 1),
			 PA(PFN_DATA) | PTE_P | PTE_US | PTE_XD);
	/* nothing else was written: one entry per table */
	assert_int_equal(fx->fx_km.mem.pm_stored, 4);
	assert_int_equal(entry_at(fx, PA(PFN_PT), VA_A + PAGE_SIZE, 1), 0);
}

/* rights at the leaf per protection; intermediate entries never change */
struct prot_row {
	const char *name;
	uint32_t prot;
	uint64_t leaf_bits;
};

static const struct prot_row prot_rows[] = {
	{ "prot_r_is_readonly_nx", VM_PROT_READ, PTE_P | PTE_US | PTE_XD },
	{ "prot_rw_is_writable_nx", VM_PROT_READ | VM_PROT_WRITE,
	  PTE_P | PTE_US | PTE_RW | PTE_XD },
	{ "prot_rx_is_readonly_exec", VM_PROT_READ | VM_PROT_EXEC,
	  PTE_P | PTE_US },
	{ "prot_rwx_is_writable_exec",
	  VM_PROT_READ | VM_PROT_WRITE | VM_PROT_EXEC,
	  PTE_P | PTE_US | PTE_RW },
	{ "prot_w_alone_is_writable_nx", VM_PROT_WRITE,
	  PTE_P | PTE_US | PTE_RW | PTE_XD },
	{ "prot_x_alone_is_readonly_exec", VM_PROT_EXEC, PTE_P | PTE_US },
};

static void test_prot_row(void **state)
{
	struct fixture *fx = fx_start(state, 16);
	const struct prot_row *row = fx->fx_row;

	assert_int_equal(take_data(fx), PFN_DATA);
	assert_int_equal(pmap_enter(&fx->fx_pm, VA_A, PA(PFN_DATA), row->prot,
				    NULL), 0);
	assert_int_equal(entry_at(fx, PA(PFN_ROOT), VA_A, 4),
			 PA(PFN_PDPT) | TABLE_BITS);
	assert_int_equal(entry_at(fx, PA(PFN_PDPT), VA_A, 3),
			 PA(PFN_PD) | TABLE_BITS);
	assert_int_equal(entry_at(fx, PA(PFN_PD), VA_A, 2),
			 PA(PFN_PT) | TABLE_BITS);
	assert_int_equal(entry_at(fx, PA(PFN_PT), VA_A, 1),
			 PA(PFN_DATA) | row->leaf_bits);
}

/* a second mapping after VA_A: how many new tables it needs */
struct second_row {
	const char *name;
	uint64_t va;
	unsigned want_new;
};

static const struct second_row second_rows[] = {
	{ "second_in_same_4k_page_replaces_0_tables", VA_A + 0x123, 0 },
	{ "second_next_page_same_2m_0_tables", VA(3, 5, 7, 10), 0 },
	{ "second_last_page_of_same_2m_0_tables", VA(3, 5, 7, 511), 0 },
	{ "second_next_2m_same_1g_1_table", VA(3, 5, 8, 9), 1 },
	{ "second_next_1g_same_512g_2_tables", VA(3, 6, 7, 9), 2 },
	{ "second_other_pml4_slot_3_tables", VA(4, 5, 7, 9), 3 },
	{ "second_at_va_0_3_tables", 0, 3 },
	{ "second_top_of_user_half_3_tables", VA(255, 511, 511, 511), 3 },
	{ "second_in_kernel_half_3_tables", UINT64_C(0xffff800000000000), 3 },
};

static void test_second_row(void **state)
{
	struct fixture *fx = fx_start(state, 32);
	const struct second_row *row = fx->fx_row;
	struct pmap *pm = &fx->fx_pm;
	uint64_t d1 = take_data(fx), d2 = take_data(fx), pa;
	bool same_page = (row->va & ~PAGE_MASK) == VA_A;
	unsigned made = 99;

	assert_int_equal(pmap_enter(pm, VA_A, PA(d1), VM_PROT_READ, NULL), 0);
	assert_int_equal(pmap_enter(pm, row->va, PA(d2), VM_PROT_READ, &made),
			 0);
	assert_int_equal(made, row->want_new);
	assert_int_equal(pm->pm_ptpages, 4 + row->want_new);
	assert_int_equal(fx->fx_km.vp.vp_count[VMP_PTPAGE], 4 + row->want_new);
	assert_int_equal(pm->pm_resident, same_page ? 1 : 2);
	assert_int_equal(pmap_extract(pm, row->va & ~PAGE_MASK, &pa), 0);
	assert_int_equal(pa, PA(d2));
	assert_int_equal(pmap_extract(pm, VA_A, &pa), 0);
	assert_int_equal(pa, same_page ? PA(d2) : PA(d1));
}

static void replacement_rewrites_leaf_not_resident(void **state)
{
	struct fixture *fx = fx_start(state, 16);
	struct pmap *pm = &fx->fx_pm;
	uint64_t d1 = take_data(fx), d2 = take_data(fx), pa;
	unsigned made = 99;

	assert_int_equal(pmap_enter(pm, VA_A, PA(d1), VM_PROT_READ, NULL), 0);
	assert_int_equal(pmap_enter(pm, VA_A, PA(d2),
				    VM_PROT_READ | VM_PROT_WRITE | VM_PROT_EXEC,
				    &made), 0);
	assert_int_equal(made, 0);
	assert_int_equal(pm->pm_resident, 1);
	assert_int_equal(pm->pm_ptpages, 4);
	assert_int_equal(pmap_extract(pm, VA_A, &pa), 0);
	assert_int_equal(pa, PA(d2));
	/* root 1, data 2 and 3, PDPT 4, PD 5, PT 6 */
	assert_int_equal(entry_at(fx, PA(6), VA_A, 1),
			 PA(d2) | PTE_P | PTE_US | PTE_RW);
}

/*
 * Six frames: root 1, the data frame 2, a filler 3, then PDPT 4 and PD 5;
 * the PT finds no frame.  The linked tables stay (valid, empty), nothing
 * is mapped.  Once the filler is freed the same enter needs only the PT.
 */
static void enomem_midway_keeps_linked_tables(void **state)
{
	struct fixture *fx = fx_start(state, 6);
	struct pmap *pm = &fx->fx_pm;
	uint64_t d = take_data(fx), filler = take_data(fx), pa = 0;
	unsigned made = 99;

	assert_int_equal(d, 2);
	assert_int_equal(filler, 3);
	assert_int_equal(pmap_enter(pm, VA_A, PA(d), VM_PROT_READ, &made),
			 -ENOMEM);
	assert_int_equal(made, 2);
	assert_int_equal(pm->pm_ptpages, 3);
	assert_int_equal(pm->pm_resident, 0);
	assert_int_equal(fx->fx_km.vp.vp_count[VMP_PTPAGE], 3);
	assert_int_equal(pmap_extract(pm, VA_A, &pa), -ENOENT);
	assert_int_equal(entry_at(fx, PA(PFN_ROOT), VA_A, 4),
			 PA(4) | TABLE_BITS);
	assert_int_equal(entry_at(fx, PA(4), VA_A, 3), PA(5) | TABLE_BITS);
	assert_int_equal(entry_at(fx, PA(5), VA_A, 2), 0);

	vm_phys_free(&fx->fx_km.vp, filler);
	assert_int_equal(pmap_enter(pm, VA_A, PA(d), VM_PROT_READ, &made), 0);
	assert_int_equal(made, 1);
	assert_int_equal(entry_at(fx, PA(5), VA_A, 2), PA(3) | TABLE_BITS);
	assert_int_equal(entry_at(fx, PA(3), VA_A, 1),
			 PA(d) | PTE_P | PTE_US | PTE_XD);
	assert_int_equal(pm->pm_resident, 1);
	assert_int_equal(pm->pm_ptpages, 4);
}

static void extract_finds_only_what_was_entered(void **state)
{
	struct fixture *fx = fx_start(state, 16);
	struct pmap *pm = &fx->fx_pm;
	uint64_t d = take_data(fx), pa = 0;

	assert_int_equal(pmap_extract(pm, VA_A, &pa), -ENOENT);
	assert_int_equal(pmap_enter(pm, VA_A, PA(d), VM_PROT_READ, NULL), 0);
	assert_int_equal(pmap_extract(pm, VA_A, &pa), 0);
	assert_int_equal(pa, PA(d));
	assert_int_equal(pmap_extract(pm, VA_A + 0xabc, &pa), 0);
	assert_int_equal(pa, PA(d) + 0xabc);
	/* same PT, PD, PDPT, PML4 but an empty slot at each level */
	assert_int_equal(pmap_extract(pm, VA(3, 5, 7, 8), &pa), -ENOENT);
	assert_int_equal(pmap_extract(pm, VA(3, 5, 6, 9), &pa), -ENOENT);
	assert_int_equal(pmap_extract(pm, VA(3, 4, 7, 9), &pa), -ENOENT);
	assert_int_equal(pmap_extract(pm, VA(2, 5, 7, 9), &pa), -ENOENT);
	/* VA_A with bit 48 set is not canonical: no alias of VA_A */
	assert_int_equal(pmap_extract(pm, VA_A | (UINT64_C(1) << 48), &pa),
			 -ENOENT);
}

/*
 * Mappings spread over two PML4 slots, three 1 GiB and four 2 MiB ranges:
 * 1 + (2 PDPTs + 3 PDs + 4 PTs) = 10 tables.  pmap_fini gives back every
 * one and none of the data frames.
 */
static void fini_returns_every_table(void **state)
{
	static const uint64_t vas[] = {
		VA(3, 5, 7, 9), VA(3, 5, 7, 10), VA(3, 5, 8, 0),
		VA(3, 6, 0, 0), VA(200, 0, 0, 511),
	};
	struct fixture *fx = fx_start(state, 32);
	struct pmap *pm = &fx->fx_pm;

	for (size_t i = 0; i < ARRAY_SIZE(vas); i++)
		assert_int_equal(pmap_enter(pm, vas[i], PA(take_data(fx)),
					    VM_PROT_READ, NULL), 0);
	assert_int_equal(pm->pm_ptpages, 10);
	assert_int_equal(fx->fx_km.vp.vp_count[VMP_PTPAGE], 10);
	assert_int_equal(pm->pm_resident, ARRAY_SIZE(vas));
	pmap_fini(pm);
	fx->fx_pmap_up = false;
	assert_int_equal(fx->fx_km.vp.vp_count[VMP_PTPAGE], 0);
	assert_int_equal(fx->fx_km.vp.vp_count[VMP_DATA], ARRAY_SIZE(vas));
	assert_int_equal(fx->fx_km.vp.vp_count[VMP_FREE], 31 - ARRAY_SIZE(vas));
}

/* the simulated MMU finds what pmap_enter made, where pmap_extract does */
static void mmu_walk_agrees_with_extract(void **state)
{
	struct fixture *fx = fx_start(state, 16);
	struct pmap *pm = &fx->fx_pm;
	uint64_t d = take_data(fx), pa = 0;
	struct mmu m = {
		.mu_mem = &fx->fx_km.mem,
		.mu_caps = { .maxphyaddr = MAXPHYADDR, .page1g = true },
		.mu_regs = { .cr3 = pm->pm_root, .wp = true, .nxe = true },
	};
	const struct mmu_req req = {
		.va = VA_A + 0x18, .acc = MMU_WRITE, .user = true,
	};
	struct mmu_walk w;

	assert_int_equal(pmap_enter(pm, VA_A, PA(d),
				    VM_PROT_READ | VM_PROT_WRITE, NULL), 0);
	assert_int_equal(pmap_extract(pm, req.va, &pa), 0);
	mmu_translate(&m, &req, &w);
	assert_int_equal(w.stop, MMU_OK);
	assert_int_equal(w.pa, pa);
	assert_int_equal(w.page_shift, PAGE_SHIFT);
	assert_int_equal(w.mem_refs, 4);
	assert_int_equal(w.perm, MMU_PERM_W | MMU_PERM_U);
}

#define T(f) cmocka_unit_test_setup_teardown(f, fx_setup, fx_teardown)
#define ROW(rows, i, fn)                                                       \
	((struct CMUnitTest){ (rows)[i].name, fn, fx_setup, fx_teardown,       \
			      (void *)&(rows)[i] })

int main(void)
{
	static const struct CMUnitTest fixed[] = {
		T(init_allocates_root_and_x86_bits),
		T(init_ept_is_enotsup_and_allocates_nothing),
		T(init_without_a_frame_is_enomem),
		T(first_mapping_links_three_new_tables),
		T(replacement_rewrites_leaf_not_resident),
		T(enomem_midway_keeps_linked_tables),
		T(extract_finds_only_what_was_entered),
		T(fini_returns_every_table),
		T(mmu_walk_agrees_with_extract),
	};
	struct CMUnitTest tests[ARRAY_SIZE(fixed) + ARRAY_SIZE(prot_rows) +
			       ARRAY_SIZE(second_rows)];
	size_t n = 0;

	for (size_t i = 0; i < ARRAY_SIZE(fixed); i++)
		tests[n++] = fixed[i];
	for (size_t i = 0; i < ARRAY_SIZE(prot_rows); i++)
		tests[n++] = ROW(prot_rows, i, test_prot_row);
	for (size_t i = 0; i < ARRAY_SIZE(second_rows); i++)
		tests[n++] = ROW(second_rows, i, test_second_row);
	return cmocka_run_group_tests_name("pmap", tests, NULL, NULL);
}
