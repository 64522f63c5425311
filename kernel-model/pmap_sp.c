/*
 * pmap_sp.c - 2 MiB superpages: promotion of a full page table into one
 * 2 MiB entry and demotion back (FreeBSD's pmap_promote_pde and
 * pmap_demote_pde).
 *
 * Neither touches the pv lists: a 2 MiB mapping keeps the pv entries of
 * its 512 pages (pmap_pv.c).  Promotion invalidates the range (the 4 KiB
 * translations and the paging-structure-cache entry for the page table
 * go); demotion does not, because the 512 new entries translate exactly
 * as the 2 MiB one did, and a processor holding either size gets the
 * same answer (SDM Vol. 3A §4.10.2.3).
 */
#include <errno.h>

#include "kernel-model/pmap_int.h"

/*
 * pmap_sp_attr - the bits of a leaf that must agree among the 512 entries
 * of a promotable table: everything but the frame, A and M (and the bits
 * the hardware ignores are ours, all compared).
 */
static uint64_t pmap_sp_attr(const struct pmap *pm, uint64_t e)
{
	return e & ~(pmap_addr_mask(pm) | pm->pm_bits[PMAP_BIT_A] |
		     pm->pm_bits[PMAP_BIT_M]);
}

/*
 * The first entry decides: valid, referenced (A; always with
 * PMAP_ASSUME_AD), its frame 2 MiB aligned; every other entry i maps
 * first + i with the same attributes and is referenced too.  Only then is
 * anything written.
 */
int pmap_promote_pde(struct pmap *pm, uint64_t va)
{
	const uint64_t PG_A = pm->pm_bits[PMAP_BIT_A];
	const uint64_t PG_M = pm->pm_bits[PMAP_BIT_M];
	uint64_t base = va & ~PMAP_SP_MASK, pt, first = 0, e, m_any = 0;
	struct pmap_walk w;
	int rc;

	if (!(pm->pm_flags & PMAP_SUPERPAGES))
		return -ENOTSUP;
	if (!pmap_va_ok(pm, va))
		return -EAGAIN;
	rc = pmap_walk(pm, base, PMAP_SP_LEVEL, false, &w);
	if (rc < 0)
		return rc;
	if (w.w_level != PMAP_SP_LEVEL || !pmap_is_table(pm, w.w_e, w.w_level))
		return -EAGAIN;
	pt = w.w_e & pmap_addr_mask(pm);
	for (unsigned i = 0; i < PT_ENTRIES; i++) {
		rc = pmap_load(pm, pt + i * PMAP_PTE_SIZE, 1, &e);
		if (rc < 0)
			return rc;
		if (i == 0)
			first = e;
		if (!pmap_is_leaf(pm, e, 1) || !pmap_leaf_ref(pm, e) ||
		    (pmap_leaf_pa(pm, first, 1) & PMAP_SP_MASK) != 0 ||
		    pmap_leaf_pa(pm, e, 1) != pmap_leaf_pa(pm, first, 1) + i * PAGE_SIZE ||
		    pmap_sp_attr(pm, e) != pmap_sp_attr(pm, first))
			return -EAGAIN;
		m_any |= e & PG_M;
	}
	e = pmap_leaf_pa(pm, first, 1) | pmap_sp_attr(pm, first) |
	    pm->pm_bits[PMAP_BIT_PS] | PG_A | m_any;
	rc = pmap_store(pm, w.w_epa, PMAP_SP_LEVEL, true, e);
	if (rc < 0)
		return rc;
	pmap_ptpage_free(pm, pt);
	pm->pm_superpages++;
	pmap_kern(pm)->vk_st.promotions++;
	pmap_inval_range(pm, base, base + PMAP_SP_SIZE);
	return 0;
}

/*
 * pmap_demote_walk - replace the 2 MiB leaf w describes (holding `va`) by
 * a page table of 512 4 KiB leaves with its attributes, A and M.  When no
 * page-table page can be had, the 2 MiB mapping is removed instead (its
 * A/M folded into its pages, invalidated if it may be cached) and 1 is
 * returned, as FreeBSD does.  0 when demoted, 1, or a negative errno when
 * the tables could not be written (then nothing changed).
 */
int pmap_demote_walk(struct pmap *pm, struct pmap_walk *w, uint64_t va)
{
	const uint64_t PG_PS = pm->pm_bits[PMAP_BIT_PS];
	uint64_t base = va & ~PMAP_SP_MASK, e = w->w_e, pt, pa, attr;
	bool cached = false;
	int rc;

	ES_ASSERT(w->w_level == PMAP_SP_LEVEL && pmap_is_leaf(pm, e, w->w_level),
		  "va=%#llx level=%u entry=%#llx", (unsigned long long)va,
		  w->w_level, (unsigned long long)e);
	rc = pmap_ptpage_alloc(pm, &pt);
	if (rc == -ENOMEM) {
		rc = pmap_remove_leaf(pm, w, base);
		if (rc >= 0) {
			cached = rc;
			rc = pmap_free_empty(pm, w, base, PMAP_SP_LEVEL, &cached);
		}
		if (cached)
			pmap_inval_range(pm, base, base + PMAP_SP_SIZE);
		return rc < 0 ? rc : 1;
	}
	if (rc < 0)
		return rc;
	pa = pmap_leaf_pa(pm, e, PMAP_SP_LEVEL);
	attr = e & ~(pmap_addr_mask(pm) | PG_PS);
	for (unsigned i = 0; i < PT_ENTRIES && rc == 0; i++)
		rc = pmap_store(pm, pt + i * PMAP_PTE_SIZE, 1, false,
				(pa + i * PAGE_SIZE) | attr);
	if (rc == 0)
		rc = pmap_store(pm, w->w_epa, PMAP_SP_LEVEL, true,
				pt | pmap_pde_bits(pm));
	if (rc < 0) {
		pmap_ptpage_free(pm, pt);
		return rc;
	}
	pm->pm_superpages--;
	pmap_kern(pm)->vk_st.demotions++;
	return 0;
}

int pmap_demote_pde(struct pmap *pm, uint64_t va)
{
	struct pmap_walk w;
	int rc;

	if (!pmap_va_ok(pm, va))
		return -ENOENT;
	rc = pmap_walk(pm, va & ~PAGE_MASK, PMAP_SP_LEVEL, false, &w);
	if (rc < 0)
		return rc;
	if (w.w_level != PMAP_SP_LEVEL || !pmap_is_leaf(pm, w.w_e, w.w_level))
		return -ENOENT;
	rc = pmap_demote_walk(pm, &w, va);
	return rc == 1 ? -ENOMEM : rc;
}
