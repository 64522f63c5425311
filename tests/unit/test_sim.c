/*
 * test_sim.c - the access pipeline on a fresh machine per case: the paths
 * a synthetic source never takes (SIGSEGV outside the process's memory, a
 * non-canonical address) and the dirty-bit assist.
 *
 * Layout: built-in machine, 16 MiB of memory; the process has one
 * read/write region [0x10000000, 0x10010000) (16 pages).  The VM cases
 * give the guest 8 MiB of guest-physical memory, which the host backs
 * page by page when first touched; every frame the guest kernel takes
 * here lies in the first 2 MiB of it: the PML4 (made at start), then, at
 * the first fault, the data page, PDPT, PD and PT.
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

static int setup_with(void **state, const char *const *sets, size_t n)
{
	struct eptsim_error err;
	struct cfg *c = calloc(1, sizeof(*c));
	struct sim *s = calloc(1, sizeof(*s));

	if (!c || !s || cfg_load(c, NULL, sets, n, NULL, &err) != 0 ||
	    sim_init(s, c, &err) != 0) {
		fprintf(stderr, "setup: %s\n", err.msg);
		return -1;
	}
	*state = s;
	return 0;
}

static int setup(void **state)
{
	static const char *const sets[] = { "memory=16MiB", "source.footprint=64KiB" };

	return setup_with(state, sets, 2);
}

static int setup_sp(void **state)
{
	static const char *const sets[] = { "memory=16MiB", "source.footprint=2MiB" };

	return setup_with(state, sets, 2);
}

static int setup_vm_4k(void **state)
{
	static const char *const sets[] = { "memory=16MiB", "source.footprint=64KiB",
					    "vm.enabled=true", "vm.memory=8MiB" };

	return setup_with(state, sets, 4);
}

static int setup_vm_2m(void **state)
{
	static const char *const sets[] = { "memory=16MiB", "source.footprint=64KiB",
					    "vm.enabled=true", "vm.memory=8MiB",
					    "vm.ept_page=2m" };

	return setup_with(state, sets, 5);
}

/* one access by CPU 0, and its counters */
static int sim_access0(struct sim *s, uint64_t va, enum mmu_acc acc)
{
	struct vcpu *vc = &s->s_vm.vm_vcpus[0];

	s->s_tag = mmu_tag(&vc->vc_mmu);
	s->s_cur = vc;
	s->s_host.h_cur = vc;
	return sim_access(s, vc, va, acc);
}

#define K(s) ((s)->s_vm.vm_vcpus[0].vc_ctr)

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

	assert_int_equal(sim_access0(s, 0x10010000, MMU_READ), 1);
	assert_int_equal(s->s_stop.st_status, EPTSIM_KILLED);
	assert_int_equal(s->s_stop.st_va, 0x10010000);
	assert_int_equal(K(s)[CTR_SEGV], 1);
	assert_int_equal(K(s)[CTR_PAGE_FAULTS], 1);
	assert_int_equal(K(s)[CTR_ZERO_FILLS], 0);
}

static void noncanonical_address_is_sigsegv_without_a_walk_reference(void **state)
{
	struct sim *s = *state;

	assert_int_equal(sim_access0(s, 0x0000800000000000ull, MMU_WRITE), 1);
	assert_int_equal(s->s_stop.st_status, EPTSIM_KILLED);
	assert_int_equal(K(s)[CTR_WALK_REFS], 0);
	assert_int_equal(K(s)[CTR_PAGE_FAULTS], 0);
}

static void first_touch_faults_then_hits(void **state)
{
	struct sim *s = *state;

	assert_int_equal(sim_access0(s, 0x10000008, MMU_READ), 0);
	assert_int_equal(K(s)[CTR_PAGE_FAULTS], 1);
	assert_int_equal(K(s)[CTR_WALKS], 2);
	assert_int_equal(sim_access0(s, 0x10000010, MMU_READ), 0);
	assert_int_equal(K(s)[CTR_WALKS], 2);
	assert_int_equal(K(s)[CTR_L1D_HITS_4K], 1);
	/* the page-size mix: one 4 KiB entry in the L1 dTLB, one in the STLB */
	sim_snapshot(s);
	assert_int_equal(s->s_ctr[CTR_TLB_ENTRIES_4K], 2);
	assert_int_equal(s->s_ctr[CTR_TLB_ENTRIES_2M], 0);
}

/*
 * Natively, with superpages: touching all 512 pages of the 2 MiB-aligned
 * region fills its reservation, and the kernel promotes it (the range
 * invalidated).  The next access walks to the 2 MiB entry, and the TLBs
 * hold it as one 2 MiB entry in each level.
 */
static void a_full_reservation_is_promoted_and_cached_as_2m(void **state)
{
	struct sim *s = *state;

	for (uint64_t p = 0; p < 512; p++)
		assert_int_equal(sim_access0(s, 0x10000000 + p * PAGE_SIZE, MMU_WRITE), 0);
	assert_int_equal(s->s_gk.vk_st.promotions, 1);
	assert_int_equal(sim_access0(s, 0x10000008, MMU_READ), 0);
	assert_int_equal(K(s)[CTR_WALK_DONE_2M], 1);
	sim_snapshot(s);
	assert_int_equal(s->s_ctr[CTR_TLB_ENTRIES_2M], 2);
	assert_int_equal(s->s_ctr[CTR_KG_promotions], 1);
}

/* a read fills a clean entry; the first write walks again to set D */
static void write_after_read_is_one_assist(void **state)
{
	struct sim *s = *state;

	assert_int_equal(sim_access0(s, 0x10001000, MMU_READ), 0);
	assert_int_equal(K(s)[CTR_WALK_ASSISTS], 0);
	assert_int_equal(sim_access0(s, 0x10001008, MMU_WRITE), 0);
	assert_int_equal(K(s)[CTR_WALK_ASSISTS], 1);
	assert_int_equal(K(s)[CTR_WALKS], 3);
	assert_int_equal(sim_access0(s, 0x10001010, MMU_WRITE), 0);
	assert_int_equal(K(s)[CTR_WALK_ASSISTS], 1);
	assert_int_equal(K(s)[CTR_WALKS], 3);
}

/*
 * With 4 KiB EPT pages each guest-physical page is its own EPT violation
 * the first time anything touches it.  The guest kernel made the PML4
 * (guest frame 1) while the VM was built, so the host backed it then,
 * without an exit.  The first walk finds the PML4E not present: #PF.  The
 * guest kernel's fault handler zeroes the data page, then the PDPT, the
 * PD and the PT it allocates: four new guest pages, four EPT violations of
 * the guest kernel's own writes.  The walk that follows succeeds.
 */
static void vm_first_touch_exits_once_per_new_guest_page(void **state)
{
	struct sim *s = *state;

	assert_int_equal(K(s)[CTR_VM_ENTRIES], 1);      /* the first entry */
	assert_int_equal(sim_access0(s, 0x10000008, MMU_READ), 0);
	assert_int_equal(K(s)[CTR_PAGE_FAULTS], 1);
	assert_int_equal(K(s)[CTR_EXIT_EPT_VIOLATION], 4);
	assert_int_equal(K(s)[CTR_VM_EXITS], 4);
	assert_int_equal(K(s)[CTR_VM_ENTRIES], 5);
	assert_int_equal(K(s)[CTR_HOST_FILLS], 4);
	assert_int_equal(K(s)[CTR_WALKS], 2);
	assert_int_equal(K(s)[CTR_WALK_FAULTS], 1);
	assert_int_equal(K(s)[CTR_WALK_DONE_4K], 1);
	sim_snapshot(s);
	/* EPT root + PDPT + PD + PT for GPAs below 2 MiB */
	assert_int_equal(s->s_ctr[CTR_EPT_FRAMES], 4);
	assert_int_equal(s->s_ctr[CTR_CYCLES],
			 s->s_ctr[CTR_CYC_BASE] + s->s_ctr[CTR_CYC_TLB] +
				 s->s_ctr[CTR_CYC_WALK] + s->s_ctr[CTR_CYC_EXIT] +
				 s->s_ctr[CTR_CYC_FAULT] + s->s_ctr[CTR_CYC_INV]);
	assert_int_equal(s->s_ctr[CTR_CYC_EXIT], 4 * s->s_cfg->machine.cycles.vm_exit +
						  5 * s->s_cfg->machine.cycles.vm_entry);
	/* a second page of the same PT: only its data page is new */
	assert_int_equal(sim_access0(s, 0x10001000, MMU_WRITE), 0);
	assert_int_equal(K(s)[CTR_EXIT_EPT_VIOLATION], 5);
	assert_int_equal(K(s)[CTR_PAGE_FAULTS], 2);
}

/*
 * With vm.ept_page 2m the host faults in a whole 2 MiB at a time and,
 * the reservation full, maps it with one 2 MiB EPT entry.  Building the
 * VM touched the first 2 MiB of guest memory (the PML4), and every frame
 * the guest kernel takes here lies in it: no EPT violation at all.
 */
static void vm_2m_ept_pages_back_the_first_2m_at_once(void **state)
{
	struct sim *s = *state;

	assert_int_equal(sim_access0(s, 0x10000008, MMU_READ), 0);
	assert_int_equal(K(s)[CTR_PAGE_FAULTS], 1);
	assert_int_equal(K(s)[CTR_EXIT_EPT_VIOLATION], 0);
	assert_int_equal(K(s)[CTR_WALKS], 2);
	/* a 4 KiB guest page over a 2 MiB EPT page: a 4 KiB TLB entry */
	assert_int_equal(K(s)[CTR_WALK_DONE_4K], 1);
	assert_int_equal(sim_access0(s, 0x10001000, MMU_WRITE), 0);
	assert_int_equal(K(s)[CTR_EXIT_EPT_VIOLATION], 0);
	sim_snapshot(s);
	/* EPT root, PDPT, PD: no EPT page table below a 2 MiB page */
	assert_int_equal(s->s_ctr[CTR_EPT_FRAMES], 3);
	assert_int_equal(s->s_ctr[CTR_KH_promotions], 1);
	assert_int_equal(s->s_ctr[CTR_HOST_DATA_FRAMES], 512);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(access_outside_the_region_is_sigsegv, setup, teardown),
		cmocka_unit_test_setup_teardown(noncanonical_address_is_sigsegv_without_a_walk_reference, setup, teardown),
		cmocka_unit_test_setup_teardown(first_touch_faults_then_hits, setup, teardown),
		cmocka_unit_test_setup_teardown(write_after_read_is_one_assist, setup, teardown),
		cmocka_unit_test_setup_teardown(a_full_reservation_is_promoted_and_cached_as_2m, setup_sp, teardown),
		cmocka_unit_test_setup_teardown(vm_first_touch_exits_once_per_new_guest_page, setup_vm_4k, teardown),
		cmocka_unit_test_setup_teardown(vm_2m_ept_pages_back_the_first_2m_at_once, setup_vm_2m, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
