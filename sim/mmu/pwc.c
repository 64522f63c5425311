/*
 * pwc.c - the walk caches' lifetime and invalidation (see mmu.h): the
 * guest and EPT paging-structure caches and the nested TLB are tagged
 * set-associative LRU arrays (sim/tlb/tlb.h); walk.c and ept.c probe and
 * fill them.  An array with no entries stays zeroed: switched off.
 */
#include "sim/mmu/mmu.h"

#include "sim/mmu/pte.h"

#include <errno.h>
#include <string.h>

/* an array of walk-cache entries that all cover 2^shift bytes */
static int pwc_array_init(struct tlb_array *ta, const struct tlb_geom *g,
			  unsigned shift)
{
	int rc;

	if (g->entries == 0) {
		memset(ta, 0, sizeof(*ta));
		return 0;
	}
	rc = tlb_array_init(ta, g, TLB_LRU, 0);
	if (rc == 0)
		ta->ta_shift = (uint8_t)shift;
	return rc;
}

int mmu_pwc_init(struct mmu_pwc *pw, const struct mmu_pwc_geom *g)
{
	int rc = 0;

	memset(pw, 0, sizeof(*pw));
	for (unsigned l = 2; rc == 0 && l <= MMU_MAX_LEVELS; l++) {
		rc = pwc_array_init(&pw->pw_psc[l], &g->psc[l], pt_level_shift(l));
		if (rc == 0)
			rc = pwc_array_init(&pw->pw_epsc[l], &g->epsc[l], pt_level_shift(l));
	}
	if (rc == 0)
		rc = pwc_array_init(&pw->pw_ntlb, &g->ntlb, PAGE_SHIFT);
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
			tlb_array_invalidate(&pw->pw_psc[l], &(struct tlb_sel){ 0 });
		if (tlb_array_on(&pw->pw_epsc[l]))
			tlb_array_invalidate(&pw->pw_epsc[l], &(struct tlb_sel){ 0 });
	}
	if (tlb_array_on(&pw->pw_ntlb))
		tlb_array_invalidate(&pw->pw_ntlb, &(struct tlb_sel){ 0 });
}

unsigned mmu_pwc_invalidate(struct mmu_pwc *pw, const struct tlb_sel *lin,
			    const struct tlb_sel *gp)
{
	unsigned n = 0;

	for (unsigned l = 2; l <= MMU_MAX_LEVELS; l++) {
		if (lin && tlb_array_on(&pw->pw_psc[l]))
			n += tlb_array_invalidate(&pw->pw_psc[l], lin);
		if (gp && tlb_array_on(&pw->pw_epsc[l]))
			n += tlb_array_invalidate(&pw->pw_epsc[l], gp);
	}
	if (gp && tlb_array_on(&pw->pw_ntlb))
		n += tlb_array_invalidate(&pw->pw_ntlb, gp);
	return n;
}
