/*
 * pwc.c - the walk caches' lifetime (see mmu.h): the guest and EPT
 * paging-structure caches and the nested TLB are set-associative LRU
 * arrays (sim/tlb/tlb.h) with their own tags; walk.c and ept.c probe and
 * fill them.  An array with no entries stays zeroed: switched off.
 */
#include "sim/mmu/mmu.h"

#include "sim/mmu/pte.h"

#include <errno.h>
#include <string.h>

static int pwc_array_init(struct tlb_array *ta, const struct tlb_geom *g)
{
	if (g->entries == 0) {
		memset(ta, 0, sizeof(*ta));
		return 0;
	}
	return tlb_array_init(ta, g);
}

int mmu_pwc_init(struct mmu_pwc *pw, const struct mmu_pwc_geom *g)
{
	int rc = 0;

	memset(pw, 0, sizeof(*pw));
	for (unsigned l = 2; rc == 0 && l <= MMU_MAX_LEVELS; l++) {
		rc = pwc_array_init(&pw->pw_psc[l], &g->psc[l]);
		if (rc == 0)
			rc = pwc_array_init(&pw->pw_epsc[l], &g->epsc[l]);
	}
	if (rc == 0)
		rc = pwc_array_init(&pw->pw_ntlb, &g->ntlb);
	if (rc < 0)
		mmu_pwc_fini(pw);
	return rc;
}

void mmu_pwc_fini(struct mmu_pwc *pw)
{
	for (unsigned l = 0; l <= MMU_MAX_LEVELS; l++) {
		tlb_array_fini(&pw->pw_psc[l]);
		tlb_array_fini(&pw->pw_epsc[l]);
	}
	tlb_array_fini(&pw->pw_ntlb);
}

void mmu_pwc_flush(struct mmu_pwc *pw)
{
	for (unsigned l = 0; l <= MMU_MAX_LEVELS; l++) {
		if (tlb_array_on(&pw->pw_psc[l]))
			tlb_array_flush_all(&pw->pw_psc[l], false);
		if (tlb_array_on(&pw->pw_epsc[l]))
			tlb_array_flush_all(&pw->pw_epsc[l], false);
	}
	if (tlb_array_on(&pw->pw_ntlb))
		tlb_array_flush_all(&pw->pw_ntlb, false);
}

void mmu_pwc_flush_va(struct mmu_pwc *pw, uint64_t va)
{
	for (unsigned l = 2; l <= MMU_MAX_LEVELS; l++)
		if (tlb_array_on(&pw->pw_psc[l]))
			tlb_array_flush_vpn(&pw->pw_psc[l], va >> pt_level_shift(l));
}

void mmu_pwc_flush_gpa(struct mmu_pwc *pw, uint64_t gpa)
{
	for (unsigned l = 2; l <= MMU_MAX_LEVELS; l++)
		if (tlb_array_on(&pw->pw_epsc[l]))
			tlb_array_flush_vpn(&pw->pw_epsc[l], gpa >> pt_level_shift(l));
	if (tlb_array_on(&pw->pw_ntlb))
		tlb_array_flush_vpn(&pw->pw_ntlb, gpa >> PAGE_SHIFT);
}
