/*
 * test_pwc.c - the walk caches of mmu_translate (SDM Vol. 3A §4.10.3
 * paging-structure caches, Vol. 3C §29.4 cached EPT information): what a
 * repeated walk still costs with each cache on, counted from the rules in
 * sim/mmu/mmu.h, and that only successful walks fill them.
 *
 *   guest PSC hit at level L   skips guest levels >= L and their EPT walks;
 *                              a combined entry (§29.4.2): it holds the HPA
 *                              of the next table, so that table's GPA needs
 *                              no translation either
 *   EPT PSC hit at level L     skips EPT levels >= L of one GPA's walk
 *   nested TLB hit             a GPA page's HPA with no reference at all
 *
 * Layout (tests/lib/mmufix.h), fresh for every case: MAXPHYADDR 40, 4-level
 * guest under 4-level EPT unless a case says; every array 64 entries,
 * fully associative, so nothing is evicted.
 *
 *   VA0 = 0x00007f1274567000  -> GPA G0 = MF_GPA_DATA + 0x1234000
 *   VA0 + 4 KiB (same PT)     -> G0 + 0x1000    (the neighbour page)
 *   VA0 + 2 MiB (same PD, its own PT) -> G0 + 0x2000
 *   each GPA page -> its own 4 KiB EPT page (R W X UX, WB); all three are
 *   under one EPT PT, as are the guest tables (GPA 0x100000 up, under
 *   another EPT PT).  Natively the G addresses are host addresses.
 *
 * The numbers, with nothing cached a 4-level walk under 4-level EPT costs
 * 4 x (4 + 1) + 4 = 24 references.  After one walk to VA0, a walk to the
 * neighbour page costs:
 *   all caches   guest PSC[2] hit (the PT's HPA), 1 guest PTE, nested TLB
 *                miss for the new page, EPT PSC[2] hit + 1 EPT PTE = 2
 *                (22 references saved, 92 %)
 *   nested TLB   4 table pages hit, 4 guest entries, final 4 EPT = 8
 *   guest PSC    1 PTE, 4 EPT for the final GPA = 5
 *   EPT PSC      4 x (1 EPT PTE + 1 guest entry) + 1 EPT PTE = 9
 *   PSC + TLB    1 PTE + 4 EPT = 5 (the nested TLB adds nothing here)
 * and 5-level under 5-level: 35 cold, 2 for the neighbour (33 saved).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/lib/mmufix.h"

#define VA0 UINT64_C(0x00007f1274567000)
#define OFF UINT64_C(0x89a)
#define G0 (MF_GPA_DATA + 0x1234000)
#define NEXT_PAGE (VA0 + PAGE_SIZE)
#define NEXT_PT (VA0 + (UINT64_C(1) << 21))

#define ALL (MF_PSC | MF_EPSC | MF_NTLB)
#define EPT_AD (1u << 8) /* machine(): the EPTP enables EPT A/D */

/* the machine of the layout above, caches `which` on */
static void machine(struct mmufix *f, unsigned glevels, unsigned elevels,
		    unsigned which)
{
	static const struct {
		uint64_t va, gpa;
	} pages[] = {
		{ VA0, G0 },
		{ NEXT_PAGE, G0 + 0x1000 },
		{ NEXT_PT, G0 + 0x2000 },
	};

	mmufix_start(f, glevels, elevels, 0);
	f->ept_ad = (which & EPT_AD) != 0;
	for (unsigned i = 0; i < 3; i++) {
		mf_map_guest(f, pages[i].va, pages[i].gpa, 12, MF_G_ALL);
		if (elevels)
			mf_map_ept_data(f, pages[i].gpa, 12, MF_E_ALL);
	}
	mmufix_go(f);
	if (which & ALL)
		mmufix_pwc(f, which & ALL);
}

/* walk - translate and check it succeeded with `refs` references */
static void walk(struct mmufix *f, uint64_t va, enum mmu_acc acc,
		 unsigned refs, struct mmu_walk *w)
{
	mf_xlate(f, va | OFF, acc, false, w);
	assert_int_equal(w->stop, MMU_OK);
	if (w->mem_refs != refs)
		fail_msg("walk to %#llx: %u references, want %u",
			 (unsigned long long)va, w->mem_refs, refs);
}

/* repeat - cold walk to VA0 (`cold` refs), then to `va`: `want` refs */
static void repeat(unsigned glevels, unsigned elevels, unsigned which,
		   unsigned cold, uint64_t va, unsigned want, const char *what)
{
	struct mmufix f = { 0 };
	struct mmu_walk w;

	machine(&f, glevels, elevels, which);
	walk(&f, VA0, MMU_READ, cold, &w);
	assert_int_equal(w.psc_hits + w.epsc_hits + w.ntlb_hits, 0);
	walk(&f, va, MMU_READ, want, &w);
	print_message("%s: %u references instead of %u (%u saved)\n", what,
		      want, cold, cold - want);
	mmufix_stop(&f);
}

static void all_caches_neighbour_page_costs_2_of_24(void **state)
{
	struct mmufix f = { 0 };
	struct mmu_walk w;
	const struct mmu_step *s = w.steps;

	(void)state;
	machine(&f, 4, 4, ALL);
	walk(&f, VA0, MMU_READ, 24, &w);
	walk(&f, NEXT_PAGE, MMU_READ, 2, &w);
	assert_int_equal(w.psc_hits, 1);
	assert_int_equal(w.ntlb_hits, 0);
	assert_int_equal(w.epsc_hits, 1);
	assert_int_equal(w.refs[MMU_DIM_GUEST][1], 1);
	assert_int_equal(w.refs[MMU_DIM_EPT][1], 1);
	assert_int_equal(w.pa, mf_hpa_data(G0 + 0x1000) | OFF);
	/* the steps: PSC hit giving the PT's HPA, the PTE, EPT PSC hit, EPT PTE */
	assert_int_equal(w.nsteps, 4);
	assert_int_equal(s[0].ms_kind, MMU_STEP_PSC_HIT);
	assert_int_equal(s[0].ms_dim, MMU_DIM_GUEST);
	assert_int_equal(s[0].ms_level, 2);
	assert_int_equal(s[0].ms_addr, mf_gentry(&f, NEXT_PAGE, 1) & ~PAGE_MASK);
	assert_int_equal(s[1].ms_kind, MMU_STEP_REF);
	assert_int_equal(s[1].ms_dim, MMU_DIM_GUEST);
	assert_int_equal(s[1].ms_level, 1);
	assert_int_equal(s[1].ms_addr, mf_gentry(&f, NEXT_PAGE, 1));
	assert_int_equal(s[2].ms_kind, MMU_STEP_PSC_HIT);
	assert_int_equal(s[2].ms_dim, MMU_DIM_EPT);
	assert_int_equal(s[2].ms_level, 2);
	assert_int_equal(s[2].ms_addr, mf_eentry(&f, G0 + 0x1000, 1) & ~PAGE_MASK);
	assert_int_equal(s[3].ms_kind, MMU_STEP_REF);
	assert_int_equal(s[3].ms_dim, MMU_DIM_EPT);
	assert_int_equal(s[3].ms_level, 1);
	assert_int_equal(s[3].ms_glevel, 0);
	assert_int_equal(s[3].ms_addr, mf_eentry(&f, G0 + 0x1000, 1));
	print_message("all caches, neighbour page: 2 references instead of 24 (22 saved)\n");
	mmufix_stop(&f);
}

static void all_caches_same_page_again_costs_1(void **state)
{
	struct mmufix f = { 0 };
	struct mmu_walk w;

	(void)state;
	machine(&f, 4, 4, ALL);
	walk(&f, VA0, MMU_READ, 24, &w);
	walk(&f, VA0, MMU_READ, 1, &w);
	assert_int_equal(w.psc_hits, 1);
	assert_int_equal(w.ntlb_hits, 1); /* the final page; the PSC gave the PT's HPA */
	assert_int_equal(w.epsc_hits, 0);
	assert_int_equal(w.pa, mf_hpa_data(G0) | OFF);
	mmufix_stop(&f);
}

static void all_caches_neighbour_pt_costs_4(void **state)
{
	struct mmufix f = { 0 };
	struct mmu_walk w;

	(void)state;
	/* PSC[3] hit (the PD's HPA), PDE, EPT PSC[2] + PTE for the new PT page, PTE, EPT PSC[2] + PTE */
	machine(&f, 4, 4, ALL);
	walk(&f, VA0, MMU_READ, 24, &w);
	walk(&f, NEXT_PT, MMU_READ, 4, &w);
	assert_int_equal(w.psc_hits, 1);
	assert_int_equal(w.ntlb_hits, 0);
	assert_int_equal(w.epsc_hits, 2);
	assert_int_equal(w.refs[MMU_DIM_GUEST][2], 1);
	assert_int_equal(w.refs[MMU_DIM_GUEST][1], 1);
	assert_int_equal(w.refs[MMU_DIM_EPT][1], 2);
	mmufix_stop(&f);
}

static void nested_tlb_alone_neighbour_costs_8(void **state)
{
	(void)state;
	repeat(4, 4, MF_NTLB, 24, NEXT_PAGE, 8, "nested TLB only, neighbour page");
}

static void guest_psc_alone_neighbour_costs_5(void **state)
{
	(void)state;
	repeat(4, 4, MF_PSC, 24, NEXT_PAGE, 5, "guest PSC only, neighbour page");
}

static void ept_psc_alone_neighbour_costs_9(void **state)
{
	struct mmufix f = { 0 };
	struct mmu_walk w;

	(void)state;
	repeat(4, 4, MF_EPSC, 24, NEXT_PAGE, 9, "EPT PSC only, neighbour page");
	machine(&f, 4, 4, MF_EPSC);
	walk(&f, VA0, MMU_READ, 24, &w);
	walk(&f, NEXT_PAGE, MMU_READ, 9, &w);
	assert_int_equal(w.epsc_hits, 5); /* four guest entries' GPAs and the final GPA */
	mmufix_stop(&f);
}

static void guest_psc_and_nested_tlb_neighbour_costs_5(void **state)
{
	(void)state;
	repeat(4, 4, MF_PSC | MF_NTLB, 24, NEXT_PAGE, 5,
	       "guest PSC + nested TLB, neighbour page");
}

static void caches_off_neighbour_costs_24_again(void **state)
{
	(void)state;
	repeat(4, 4, 0, 24, NEXT_PAGE, 24, "no walk caches, neighbour page");
}

static void five_under_five_neighbour_costs_2_of_35(void **state)
{
	(void)state;
	repeat(5, 5, ALL, 35, NEXT_PAGE, 2, "5-level under 5-level, neighbour page");
}

static void native_psc_neighbour_costs_1_of_4(void **state)
{
	(void)state;
	repeat(4, 0, MF_PSC, 4, NEXT_PAGE, 1, "native, guest PSC, neighbour page");
}

static void flush_empties_every_cache(void **state)
{
	struct mmufix f = { 0 };
	struct mmu_walk w;

	(void)state;
	machine(&f, 4, 4, ALL);
	walk(&f, VA0, MMU_READ, 24, &w);
	mmu_pwc_flush(&f.pwc);
	walk(&f, VA0, MMU_READ, 24, &w);
	assert_int_equal(w.psc_hits + w.epsc_hits + w.ntlb_hits, 0);
	mmufix_stop(&f);
}

/* an EPT violation on the final GPA: nothing the walk learnt is kept */
static void failed_walk_fills_nothing(void **state)
{
	struct mmufix f = { 0 };
	uint64_t pte;
	struct mmu_walk w;

	(void)state;
	machine(&f, 4, 4, ALL);
	pte = mf_eentry(&f, G0, 1);
	mf_mod(&f, pte, 0, EPT_RWX | EPT_UX);
	mf_xlate(&f, VA0 | OFF, MMU_READ, false, &w);
	assert_int_equal(w.stop, MMU_EPT_VIOLATION);
	assert_int_equal(w.mem_refs, 24);
	mf_mod(&f, pte, EPT_RWX | EPT_UX, 0);
	walk(&f, VA0, MMU_READ, 24, &w);
	assert_int_equal(w.psc_hits + w.epsc_hits + w.ntlb_hits, 0);
	mmufix_stop(&f);
}

/* a guest #PF (user access, U/S = 0 in the PDPTE) fills nothing either */
static void guest_fault_fills_nothing(void **state)
{
	struct mmufix f = { 0 };
	struct mmu_walk w;

	(void)state;
	machine(&f, 4, 4, ALL);
	mf_mod(&f, mf_gentry(&f, VA0, 3), 0, PTE_US);
	mf_xlate(&f, VA0 | OFF, MMU_READ, true, &w);
	assert_int_equal(w.stop, MMU_PROTECTION);
	assert_int_equal(w.mem_refs, 20);
	walk(&f, VA0, MMU_READ, 24, &w);
	mmufix_stop(&f);
}

/*
 * A #PF drops the PSC entries that would serve its linear address (SDM
 * Vol. 3A §4.10.4.1), and only those.  After a cold walk to VA0 fills
 * every cache, the neighbour's PTE is cleared: its walk hits PSC[2] and
 * faults on the PTE (1 reference).  Then VA0 again: its guest PSC entries
 * (shared with the neighbour: same PML4E, PDPTE, PDE) are gone, so it
 * walks all 4 guest levels, but the EPT side (nested TLB for the table
 * pages and the final page) still hits: 4 references, no guest PSC hit.
 */
static void page_fault_drops_the_psc_entries_of_its_address(void **state)
{
	struct mmufix f = { 0 };
	struct mmu_walk w;

	(void)state;
	machine(&f, 4, 4, ALL);
	walk(&f, VA0, MMU_READ, 24, &w);
	mf_mod(&f, mf_gentry(&f, NEXT_PAGE, 1), 0, PTE_P);
	mf_xlate(&f, NEXT_PAGE | OFF, MMU_READ, true, &w);
	assert_int_equal(w.stop, MMU_NOT_PRESENT);
	assert_int_equal(w.psc_hits, 1);
	assert_int_equal(w.mem_refs, 1);
	walk(&f, VA0, MMU_READ, 4, &w);
	assert_int_equal(w.psc_hits, 0);
	assert_int_equal(w.ntlb_hits, 5);
	mmufix_stop(&f);
}

/*
 * An EPT violation drops the nested TLB and EPT PSC entries for its GPA and
 * the combined (guest PSC) entries for its linear address (SDM Vol. 3C
 * §29.4.3.1).  The neighbour's final GPA loses its EPT PTE (not present):
 * its walk (guest PSC[2] hit, 1 guest PTE, EPT PSC[2] hit, 1 EPT PTE) is a
 * violation.
 * Its EPT PSC[2] entry also served G0 (same EPT PT), so VA0 again walks the
 * guest fully (4 guest references, each table page a nested TLB hit) and
 * finds G0 in the nested TLB, which the violation did not touch: 4.
 * The neighbour itself, mapped again: VA0's walk refilled the guest PSC
 * entries the two share, so 1 guest PTE; its final GPA is in no cache (the
 * violation dropped the EPT PSC entries on its path at every level), so
 * the EPT is walked in full: 1 + 4 = 5.
 */
static void ept_violation_drops_the_entries_of_its_gpa_and_address(void **state)
{
	struct mmufix f = { 0 };
	uint64_t pte;
	struct mmu_walk w;

	(void)state;
	machine(&f, 4, 4, ALL);
	walk(&f, VA0, MMU_READ, 24, &w);
	pte = mf_eentry(&f, G0 + 0x1000, 1);
	mf_mod(&f, pte, 0, EPT_RWX | EPT_UX);
	mf_xlate(&f, NEXT_PAGE | OFF, MMU_READ, false, &w);
	assert_int_equal(w.stop, MMU_EPT_VIOLATION);
	assert_int_equal(w.mem_refs, 2);
	walk(&f, VA0, MMU_READ, 4, &w);
	assert_int_equal(w.psc_hits, 0);
	assert_int_equal(w.ntlb_hits, 5);
	mf_mod(&f, pte, EPT_RWX | EPT_UX, 0);
	walk(&f, NEXT_PAGE, MMU_READ, 5, &w);
	assert_int_equal(w.psc_hits, 1);
	assert_int_equal(w.epsc_hits, 0);
	mmufix_stop(&f);
}

/*
 * A guest PSC entry carries the rights of the levels it skips (mmu.h):
 * U/S = 0 in the PDPTE still denies a user access that hits PSC[2].  The
 * PTE is read (1 reference), the rights fault comes before the final GPA.
 */
static void psc_hit_keeps_upper_rights(void **state)
{
	struct mmufix f = { 0 };
	struct mmu_walk w;

	(void)state;
	machine(&f, 4, 4, ALL);
	mf_mod(&f, mf_gentry(&f, VA0, 3), 0, PTE_US);
	walk(&f, VA0, MMU_READ, 24, &w); /* supervisor: allowed */
	assert_int_equal(w.perm & MMU_PERM_U, 0);
	mf_xlate(&f, NEXT_PAGE | OFF, MMU_READ, true, &w);
	assert_int_equal(w.stop, MMU_PROTECTION);
	assert_int_equal(w.error_code, PF_EC_P | PF_EC_U);
	assert_int_equal(w.psc_hits, 1);
	assert_int_equal(w.mem_refs, 1);
	mmufix_stop(&f);
}

/*
 * A nested TLB entry carries the EPT rights of its page: a read through
 * EPT R|X fills it; a write to the same page is an EPT violation on the
 * final GPA with rights R and X in the exit qualification.  Whether the
 * entry lacking W is used to fault at once (1 reference: the guest PTE)
 * or the EPT is walked again first (2: the PTE and, through the EPT PSC,
 * the EPT PTE) is the processor's choice; the exit is the same.
 */
static void nested_tlb_entry_keeps_ept_rights(void **state)
{
	struct mmufix f = { 0 };
	struct mmu_walk w;

	(void)state;
	machine(&f, 4, 4, ALL);
	mf_mod(&f, mf_eentry(&f, G0, 1), 0, EPT_W);
	walk(&f, VA0, MMU_READ, 24, &w);
	mf_xlate(&f, VA0 | OFF, MMU_WRITE, false, &w);
	assert_int_equal(w.stop, MMU_EPT_VIOLATION);
	assert_int_equal(w.exit_qual,
			 EPT_EQ_WRITE | EPT_EQ_READABLE | EPT_EQ_EXECUTABLE |
				 EPT_EQ_GLA_VALID | EPT_EQ_GLA_FINAL);
	assert_int_equal(w.fault_gpa, G0 | OFF);
	assert_false(w.fault_paging);
	assert_in_range(w.mem_refs, 1, 2);
	mmufix_stop(&f);
}

/*
 * EPT A/D (§29.3.5): a write sets D in the EPT leaf of the final GPA even
 * when a read cached the translation before; the guest D is set as well
 * (the guest PTE is read again: PSCs hold upper levels only).
 */
static void ept_ad_write_after_cached_read_sets_both_d(void **state)
{
	struct mmufix f = { 0 };
	uint64_t eleaf, gleaf;
	struct mmu_walk w;

	(void)state;
	machine(&f, 4, 4, ALL | EPT_AD);
	eleaf = mf_eentry(&f, G0, 1);
	gleaf = mf_gentry(&f, VA0, 1);
	walk(&f, VA0, MMU_READ, 24, &w);
	assert_int_equal(mf_rd(&f, eleaf) & (EPT_A | EPT_D), EPT_A);
	assert_int_equal(mf_rd(&f, gleaf) & (PTE_A | PTE_D), PTE_A);
	mf_xlate(&f, VA0 | OFF, MMU_WRITE, false, &w);
	assert_int_equal(w.stop, MMU_OK);
	assert_true(w.dirty);
	assert_int_equal(mf_rd(&f, eleaf) & (EPT_A | EPT_D), EPT_A | EPT_D);
	assert_int_equal(mf_rd(&f, gleaf) & (PTE_A | PTE_D), PTE_A | PTE_D);
	mmufix_stop(&f);
}

int main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test(all_caches_neighbour_page_costs_2_of_24),
		cmocka_unit_test(all_caches_same_page_again_costs_1),
		cmocka_unit_test(all_caches_neighbour_pt_costs_4),
		cmocka_unit_test(nested_tlb_alone_neighbour_costs_8),
		cmocka_unit_test(guest_psc_alone_neighbour_costs_5),
		cmocka_unit_test(ept_psc_alone_neighbour_costs_9),
		cmocka_unit_test(guest_psc_and_nested_tlb_neighbour_costs_5),
		cmocka_unit_test(caches_off_neighbour_costs_24_again),
		cmocka_unit_test(five_under_five_neighbour_costs_2_of_35),
		cmocka_unit_test(native_psc_neighbour_costs_1_of_4),
		cmocka_unit_test(flush_empties_every_cache),
		cmocka_unit_test(failed_walk_fills_nothing),
		cmocka_unit_test(guest_fault_fills_nothing),
		cmocka_unit_test(page_fault_drops_the_psc_entries_of_its_address),
		cmocka_unit_test(ept_violation_drops_the_entries_of_its_gpa_and_address),
		cmocka_unit_test(psc_hit_keeps_upper_rights),
		cmocka_unit_test(nested_tlb_entry_keeps_ept_rights),
		cmocka_unit_test(ept_ad_write_after_cached_read_sets_both_d),
	};

	return cmocka_run_group_tests_name("pwc", tests, NULL, NULL);
}
