/*
 * test_vm_fault.c - the page-fault handler: first touch maps a zeroed frame
 * with the region's rights, illegal accesses are -EFAULT, a repeated fault
 * is spurious, running out of frames is -ENOMEM with nothing leaked.
 *
 * Every test gets fresh physical memory and a fresh vmspace with three
 * regions:
 *
 *   0x400000 +-----------+ 0x402000   text    R X
 *   0x600000 +-----------+ 0x604000   data    R W
 *   0x800000 +-----------+ 0x801000   rodata  R
 *
 * Frames: pfn 1 is the PML4 (vmspace_init).  The first fault takes the data
 * frame first (pfn 2), then the PDPT, PD and PT (pfns 3, 4, 5).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>

#include <cmocka.h>

#include "kernel-model/vm_fault.h"
#include "sim/mmu/pte.h"
#include "tests/lib/kmfix.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define MAXPHYADDR 46u
#define PA(pfn) ((uint64_t)(pfn) << PAGE_SHIFT)
#define R VM_PROT_READ
#define W VM_PROT_WRITE
#define X VM_PROT_EXEC
#define TEXT 0x400000u
#define DATA 0x600000u
#define RODATA 0x800000u
#define PFN_DATA 2u
#define PFN_PT 5u

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

/* fx_start - memory of `frames` frames and the vmspace drawn above */
static struct fixture *fx_start(void **state, uint64_t frames)
{
	struct fixture *fx = *state;
	struct vm_map *m = &fx->fx_vs.vs_map;

	kmfix_start(&fx->fx_km, frames);
	assert_int_equal(vmspace_init(&fx->fx_vs, &fx->fx_km.vp, MAXPHYADDR, 4),
			 0);
	fx->fx_vs_up = true;
	assert_int_equal(vm_map_insert(m, TEXT, TEXT + 0x2000, R | X), 0);
	assert_int_equal(vm_map_insert(m, DATA, DATA + 0x4000, R | W), 0);
	assert_int_equal(vm_map_insert(m, RODATA, RODATA + 0x1000, R), 0);
	return fx;
}

/* one first fault on a fresh vmspace */
struct fault_row {
	const char *name;
	uint64_t va;
	uint32_t type;
	int want;
	uint64_t leaf_bits; /* rights of the new leaf, when want == 0 */
};

static const struct fault_row fault_rows[] = {
	{ "read_in_data_maps_rw_nx", DATA + 0x10, R, 0,
	  PTE_P | PTE_US | PTE_RW | PTE_XD },
	{ "write_in_data_last_byte_maps_rw_nx", DATA + 0x3fff, W, 0,
	  PTE_P | PTE_US | PTE_RW | PTE_XD },
	{ "exec_in_text_maps_readonly_exec", TEXT, X, 0, PTE_P | PTE_US },
	{ "read_in_text_maps_readonly_exec", TEXT + 0x1008, R, 0,
	  PTE_P | PTE_US },
	{ "read_in_rodata_maps_readonly_nx", RODATA + 0xfff, R, 0,
	  PTE_P | PTE_US | PTE_XD },
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
	struct fixture *fx = fx_start(state, 32);
	const struct fault_row *row = fx->fx_row;
	struct vm_fault_info info = { 99, 99 };
	uint64_t pa = 0;

	assert_int_equal(vm_fault(&fx->fx_vs, row->va, row->type, &info),
			 row->want);
	if (row->want != 0) {
		assert_int_equal(info.vfi_zeroed, 0);
		assert_int_equal(info.vfi_ptpages, 0);
		assert_int_equal(fx->fx_km.vp.vp_count[VMP_DATA], 0);
		assert_int_equal(fx->fx_km.vp.vp_count[VMP_PTPAGE], 1);
		assert_int_equal(fx->fx_vs.vs_pmap.pm_resident, 0);
		assert_int_equal(pmap_extract(&fx->fx_vs.vs_pmap, row->va, &pa),
				 -ENOENT);
		return;
	}
	assert_int_equal(info.vfi_zeroed, 1);
	assert_int_equal(info.vfi_ptpages, 3);
	assert_int_equal(fx->fx_km.vp.vp_count[VMP_DATA], 1);
	assert_int_equal(fx->fx_km.vp.vp_count[VMP_PTPAGE], 4);
	assert_int_equal(fx->fx_vs.vs_pmap.pm_resident, 1);
	assert_int_equal(pmap_extract(&fx->fx_vs.vs_pmap, row->va, &pa), 0);
	assert_int_equal(pa, PA(PFN_DATA) | (row->va & PAGE_MASK));
	assert_int_equal(pmem_read64(&fx->fx_km.mem,
				     PA(PFN_PT) + pt_index(row->va, 1) * 8u),
			 PA(PFN_DATA) | row->leaf_bits);
}

static void second_fault_on_a_page_is_spurious(void **state)
{
	struct fixture *fx = fx_start(state, 32);
	struct vm_fault_info info;

	assert_int_equal(vm_fault(&fx->fx_vs, DATA + 8, R, &info), 0);
	assert_int_equal(vm_fault(&fx->fx_vs, DATA + 0x800, W, &info), 0);
	assert_int_equal(info.vfi_zeroed, 0);
	assert_int_equal(info.vfi_ptpages, 0);
	assert_int_equal(vm_fault(&fx->fx_vs, DATA, R, NULL), 0);
	assert_int_equal(fx->fx_km.vp.vp_count[VMP_DATA], 1);
	assert_int_equal(fx->fx_km.vp.vp_count[VMP_PTPAGE], 4);
	assert_int_equal(fx->fx_vs.vs_pmap.pm_resident, 1);
}

static void neighbour_page_needs_no_table(void **state)
{
	struct fixture *fx = fx_start(state, 32);
	struct vm_fault_info info;
	uint64_t pa = 0;

	assert_int_equal(vm_fault(&fx->fx_vs, DATA, W, &info), 0);
	assert_int_equal(vm_fault(&fx->fx_vs, DATA + PAGE_SIZE, W, &info), 0);
	assert_int_equal(info.vfi_zeroed, 1);
	assert_int_equal(info.vfi_ptpages, 0);
	assert_int_equal(fx->fx_vs.vs_pmap.pm_resident, 2);
	assert_int_equal(pmap_extract(&fx->fx_vs.vs_pmap, DATA + PAGE_SIZE,
				      &pa), 0);
	assert_int_equal(pa, PA(6)); /* after the data frame and 3 tables */
}

/* a frame that held data before is mapped zeroed */
static void fault_maps_a_reused_frame_zeroed(void **state)
{
	struct fixture *fx = fx_start(state, 32);
	struct vm_fault_info info;
	uint64_t pfn = 0, pa = 0;

	assert_int_equal(vm_phys_alloc(&fx->fx_km.vp, VMP_DATA, &pfn), 0);
	assert_int_equal(pmem_write64(&fx->fx_km.mem, PA(pfn) + 0x40, 0xdead),
			 0);
	vm_phys_free(&fx->fx_km.vp, pfn);
	assert_int_equal(vm_fault(&fx->fx_vs, DATA + 0x40, R, &info), 0);
	assert_int_equal(pmap_extract(&fx->fx_vs.vs_pmap, DATA + 0x40, &pa), 0);
	assert_int_equal(pa, PA(pfn) + 0x40);
	assert_int_equal(pmem_read64(&fx->fx_km.mem, pa), 0);
}

/*
 * Five frames: root 1, data 2, PDPT 3, PD 4, and none for the PT.  The
 * data frame goes back; the two linked tables stay.
 */
static void oom_in_tables_gives_back_the_data_frame(void **state)
{
	struct fixture *fx = fx_start(state, 5);
	struct vm_fault_info info;
	uint64_t pa = 0;

	assert_int_equal(vm_fault(&fx->fx_vs, DATA, W, &info), -ENOMEM);
	assert_int_equal(info.vfi_zeroed, 1);
	assert_int_equal(info.vfi_ptpages, 2);
	assert_int_equal(fx->fx_km.vp.vp_count[VMP_DATA], 0);
	assert_int_equal(fx->fx_km.vp.vp_count[VMP_PTPAGE], 3);
	assert_int_equal(fx->fx_km.vp.vp_count[VMP_FREE], 1);
	assert_int_equal(fx->fx_vs.vs_pmap.pm_resident, 0);
	assert_int_equal(pmap_extract(&fx->fx_vs.vs_pmap, DATA, &pa), -ENOENT);
}

static void oom_for_the_data_frame_does_nothing(void **state)
{
	struct fixture *fx = fx_start(state, 2); /* the root takes pfn 1 */
	struct vm_fault_info info = { 99, 99 };

	assert_int_equal(vm_fault(&fx->fx_vs, DATA, R, &info), -ENOMEM);
	assert_int_equal(info.vfi_zeroed, 0);
	assert_int_equal(info.vfi_ptpages, 0);
	assert_int_equal(fx->fx_km.vp.vp_count[VMP_PTPAGE], 1);
	assert_int_equal(fx->fx_km.vp.vp_count[VMP_DATA], 0);
}

static void vmspace_init_without_a_frame_is_enomem(void **state)
{
	struct fixture *fx = *state;
	struct vmspace vs;

	/* frame 0 only */
	kmfix_start(&fx->fx_km, 1);
	assert_int_equal(vmspace_init(&vs, &fx->fx_km.vp, MAXPHYADDR, 4), -ENOMEM);
	assert_null(vs.vs_map.vm_ent);
}

/* the data frames stay allocated: no vm_object owns them yet */
static void vmspace_fini_returns_every_table(void **state)
{
	struct fixture *fx = fx_start(state, 32);

	assert_int_equal(vm_fault(&fx->fx_vs, TEXT, X, NULL), 0);
	assert_int_equal(vm_fault(&fx->fx_vs, DATA, W, NULL), 0);
	assert_int_equal(vm_fault(&fx->fx_vs, RODATA, R, NULL), 0);
	assert_int_equal(fx->fx_km.vp.vp_count[VMP_PTPAGE], 6);
	vmspace_fini(&fx->fx_vs);
	fx->fx_vs_up = false;
	assert_int_equal(fx->fx_km.vp.vp_count[VMP_PTPAGE], 0);
	assert_int_equal(fx->fx_km.vp.vp_count[VMP_DATA], 3);
}

#define T(f) cmocka_unit_test_setup_teardown(f, fx_setup, fx_teardown)
#define ROW(rows, i, fn)                                                       \
	((struct CMUnitTest){ (rows)[i].name, fn, fx_setup, fx_teardown,       \
			      (void *)&(rows)[i] })

int main(void)
{
	static const struct CMUnitTest fixed[] = {
		T(second_fault_on_a_page_is_spurious),
		T(neighbour_page_needs_no_table),
		T(fault_maps_a_reused_frame_zeroed),
		T(oom_in_tables_gives_back_the_data_frame),
		T(oom_for_the_data_frame_does_nothing),
		T(vmspace_init_without_a_frame_is_enomem),
		T(vmspace_fini_returns_every_table),
	};
	struct CMUnitTest tests[ARRAY_SIZE(fault_rows) + ARRAY_SIZE(fixed)];
	size_t n = 0;

	for (size_t i = 0; i < ARRAY_SIZE(fault_rows); i++)
		tests[n++] = ROW(fault_rows, i, test_fault_row);
	for (size_t i = 0; i < ARRAY_SIZE(fixed); i++)
		tests[n++] = fixed[i];
	return cmocka_run_group_tests_name("vm_fault", tests, NULL, NULL);
}
