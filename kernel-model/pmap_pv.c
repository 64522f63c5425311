/*
 * pmap_pv.c - reverse mappings, and what the page daemon and the
 * hypervisor do through them.
 *
 * Every mapping of a managed page (a VMP_DATA frame) has a pv_entry on the
 * page's vmp_pv list, whatever the pmap's type: a host page mapped by a
 * process (PT_X86) and by a guest's EPT is found both ways, and its
 * reference and modify state is the OR over both formats and the page's
 * vmp_aflags (NetBSD's combined attributes, seed 000).  A 2 MiB mapping
 * keeps one pv entry per 4 KiB page, at that page's address, so demotion
 * and promotion never touch the lists.  New entries go on the head: the
 * order of a list is a pure function of the order of calls.
 *
 * The last part is bhyve's A/D emulation (seed 001): the EPT violation
 * handler's cheap path before vm_fault.
 */
#include <errno.h>
#include <stdlib.h>

#include "kernel-model/pmap_int.h"

/* ---- pv entries --------------------------------------------------------- */

/* pmap_pv_alloc - `n` pv entries chained by pv_next, or NULL (none kept) */
struct pv_entry *pmap_pv_alloc(unsigned n)
{
	struct pv_entry *head = NULL, *pv;

	for (unsigned i = 0; i < n; i++) {
		pv = malloc(sizeof(*pv));
		if (!pv) {
			pmap_pv_free_list(head);
			return NULL;
		}
		pv->pv_next = head;
		head = pv;
	}
	return head;
}

void pmap_pv_free_list(struct pv_entry *pv)
{
	while (pv) {
		struct pv_entry *next = pv->pv_next;

		free(pv);
		pv = next;
	}
}

/* pmap_pv_insert - `pv` records that `pm` maps page `m` at `va` */
void pmap_pv_insert(struct vm_page *m, struct pv_entry *pv, struct pmap *pm,
		    uint64_t va)
{
	pv->pv_pmap = pm;
	pv->pv_va = va;
	pv->pv_next = m->vmp_pv;
	m->vmp_pv = pv;
}

/* pmap_pv_remove - free the pv entry of `pm` at `va` on page `m` (it must exist) */
void pmap_pv_remove(struct vm_page *m, struct pmap *pm, uint64_t va)
{
	struct pv_entry **pp = &m->vmp_pv, *pv;

	while (*pp && ((*pp)->pv_pmap != pm || (*pp)->pv_va != va))
		pp = &(*pp)->pv_next;
	ES_ASSERT(*pp != NULL, "no pv entry for va=%#llx", (unsigned long long)va);
	pv = *pp;
	*pp = pv->pv_next;
	free(pv);
}

/* pmap_data_page - the managed page `pfn` of `k` */
static struct vm_page *pmap_data_page(struct vm_kern *k, uint64_t pfn)
{
	struct vm_page *m = vm_phys_page(&k->vk_phys, pfn);

	ES_ASSERT(m->vmp_kind == VMP_DATA, "pfn=%#llx kind=%u",
		  (unsigned long long)pfn, m->vmp_kind);
	return m;
}

/*
 * pmap_pv_leaf - walk to the leaf pv records (4 KiB or 2 MiB), which must
 * be there.  0 or -ENOMEM.
 */
static int pmap_pv_leaf(const struct pv_entry *pv, struct pmap_walk *w)
{
	struct pmap *pm = pv->pv_pmap;
	int rc = pmap_walk(pm, pv->pv_va, 1, false, w);

	if (rc < 0)
		return rc;
	ES_ASSERT(pmap_is_leaf(pm, w->w_e, w->w_level), "va=%#llx level=%u "
		  "entry=%#llx: a pv entry without its mapping",
		  (unsigned long long)pv->pv_va, w->w_level,
		  (unsigned long long)w->w_e);
	return 0;
}

/*
 * pmap_pv_demote - the mapping of pv is 2 MiB in w: make it 4 KiB and walk
 * to it again.  1 when the superpage had to be removed instead (pv is
 * gone), 0, -ENOMEM.
 */
static int pmap_pv_demote(const struct pv_entry *pv, struct pmap_walk *w)
{
	struct pmap *pm = pv->pv_pmap;
	uint64_t va = pv->pv_va;
	int rc = pmap_demote_walk(pm, w, va);

	if (rc != 0)
		return rc;
	rc = pmap_walk(pm, va, 1, false, w);
	return rc < 0 ? rc : 0;
}

/*
 * pmap_pv_remove_4k - remove pv's 4 KiB mapping (in w), free the tables it
 * empties and invalidate it.  0 or -ENOMEM.
 */
static int pmap_pv_remove_4k(struct pmap *pm, struct pmap_walk *w, uint64_t va)
{
	bool cached = false;
	int rc = pmap_remove_leaf(pm, w, va);

	if (rc >= 0) {
		cached = rc;
		rc = pmap_free_empty(pm, w, va, 1, &cached);
	}
	if (cached)
		pmap_inval_page(pm, va);
	return rc < 0 ? rc : 0;
}

/* ---- the page's mappings ------------------------------------------------ */

/*
 * A 2 MiB mapping is demoted before one of its pages is unmapped, as
 * FreeBSD's pmap_remove_all does.
 */
int pmap_remove_all(struct vm_kern *k, uint64_t pfn)
{
	struct vm_page *m = pmap_data_page(k, pfn);
	struct pmap_walk w;
	struct pv_entry *pv;
	int rc;

	while ((pv = m->vmp_pv) != NULL) {
		struct pmap *pm = pv->pv_pmap;
		uint64_t va = pv->pv_va;

		rc = pmap_pv_leaf(pv, &w);
		if (rc == 0 && w.w_level > 1)
			rc = pmap_pv_demote(pv, &w);
		if (rc == 1)
			continue;
		if (rc == 0)
			rc = pmap_pv_remove_4k(pm, &w, va);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/*
 * pmap_page_test - whether page `m` or one of its mappings has the state
 * `flag` (VMP_A_REFERENCED or VMP_A_MODIFIED).  0 or -ENOMEM.
 */
static int pmap_page_test(struct vm_page *m, unsigned flag, bool *yes)
{
	struct pmap_walk w;
	int rc;

	*yes = (m->vmp_aflags & flag) != 0;
	for (const struct pv_entry *pv = m->vmp_pv; pv && !*yes; pv = pv->pv_next) {
		rc = pmap_pv_leaf(pv, &w);
		if (rc < 0)
			return rc;
		*yes = flag == VMP_A_MODIFIED ? pmap_leaf_mod(pv->pv_pmap, w.w_e)
					      : pmap_leaf_ref(pv->pv_pmap, w.w_e);
	}
	return 0;
}

int pmap_is_modified(struct vm_kern *k, uint64_t pfn, bool *yes)
{
	return pmap_page_test(pmap_data_page(k, pfn), VMP_A_MODIFIED, yes);
}

int pmap_is_referenced(struct vm_kern *k, uint64_t pfn, bool *yes)
{
	return pmap_page_test(pmap_data_page(k, pfn), VMP_A_REFERENCED, yes);
}

/*
 * A 2 MiB mapping with M is demoted and M cleared in the one 4 KiB entry
 * (FreeBSD).  With emulated A/D M is the hardware W: clearing it
 * write-protects, and the next write is a dirty emulation.  With
 * PMAP_ASSUME_AD every mapping is invalidated: the hardware records
 * nothing, so a cached writable translation is all there is to drop.
 */
int pmap_clear_modify(struct vm_kern *k, uint64_t pfn)
{
	struct vm_page *m = pmap_data_page(k, pfn);
	struct pv_entry *pv, *next;
	struct pmap_walk w;
	int rc;

	m->vmp_aflags &= (uint8_t)~VMP_A_MODIFIED;
	for (pv = m->vmp_pv; pv; pv = next) {
		struct pmap *pm = pv->pv_pmap;
		const uint64_t PG_M = pm->pm_bits[PMAP_BIT_M];

		next = pv->pv_next;
		rc = pmap_pv_leaf(pv, &w);
		if (rc < 0)
			return rc;
		if (w.w_e & PG_M) {
			if (w.w_level > 1) {
				rc = pmap_pv_demote(pv, &w);
				if (rc < 0)
					return rc;
				if (rc == 1)
					continue;
			}
			rc = pmap_store(pm, w.w_epa, 1, true, w.w_e & ~PG_M);
			if (rc < 0)
				return rc;
		} else if (!(pm->pm_flags & PMAP_ASSUME_AD)) {
			continue;
		}
		pmap_inval_page(pm, pv->pv_va);
	}
	return 0;
}

/*
 * pmap_safe_to_clear_ref - whether A can be cleared from leaf `e` without
 * making an EPT misconfiguration (FreeBSD's safe_to_clear_referenced).
 * Only emulated A/D is at risk, where A is the hardware R: W without R is
 * always a misconfiguration, X without R unless the processor supports
 * execute-only entries (SDM Vol. 3C §29.3.3.1).
 */
static bool pmap_safe_to_clear_ref(const struct pmap *pm, uint64_t e)
{
	/* with emulated A/D, M is the hardware W */
	if (!(pm->pm_flags & PMAP_EMULATE_AD))
		return true;
	if (e & pm->pm_bits[PMAP_BIT_M])
		return false;
	return !(e & pm->pm_bits[PMAP_BIT_X]) || (pm->pm_flags & PMAP_EXEC_ONLY);
}

/*
 * pmap_clear_ref - clear A of the leaf in w (mapping `va`) and invalidate
 * it (with PMAP_ASSUME_AD A may be clear already: invalidate all the
 * same).  0 or -ENOMEM.
 */
static int pmap_clear_ref(struct pmap *pm, const struct pmap_walk *w,
			  uint64_t va)
{
	const uint64_t PG_A = pm->pm_bits[PMAP_BIT_A];
	int rc = 0;

	if (w->w_e & PG_A)
		rc = pmap_store(pm, w->w_epa, w->w_level, true, w->w_e & ~PG_A);
	if (rc == 0)
		pmap_inval_page(pm, va);
	return rc;
}

/*
 * pmap_ts_ref_2m - ts_referenced of one page of a 2 MiB mapping (w).  Its
 * A stands for all 512 pages, so only one of them, picked by a hash of
 * the frame and the superpage number, clears it (FreeBSD; FreeBSD also
 * hashes the pmap's address, which would make runs differ).  Where
 * clearing is unsafe that page is demoted and unmapped instead.
 */
static int pmap_ts_ref_2m(const struct pv_entry *pv, uint64_t pfn,
			  struct pmap_walk *w)
{
	struct pmap *pm = pv->pv_pmap;
	uint64_t va = pv->pv_va;
	int rc;

	if (((pfn ^ (va >> PMAP_SP_SHIFT)) & (VM_SP_PAGES - 1)) != 0)
		return 0;
	if (pmap_safe_to_clear_ref(pm, w->w_e))
		return pmap_clear_ref(pm, w, va);
	rc = pmap_pv_demote(pv, w);
	if (rc == 0)
		rc = pmap_pv_remove_4k(pm, w, va);
	return rc < 0 ? rc : 0;
}

/*
 * Each referenced mapping counts one, and so does VMP_A_REFERENCED; all
 * are cleared.  With PMAP_ASSUME_AD a mapping always counts and is always
 * invalidated, and stays (NetBSD).  The attribute is cleared last: a
 * mapping removed here folds its A into it, and was counted already.
 */
int pmap_ts_referenced(struct vm_kern *k, uint64_t pfn, unsigned *count)
{
	struct vm_page *m = pmap_data_page(k, pfn);
	struct pv_entry *pv, *next;
	struct pmap_walk w;
	int rc;

	*count = (m->vmp_aflags & VMP_A_REFERENCED) ? 1 : 0;
	for (pv = m->vmp_pv; pv; pv = next) {
		struct pmap *pm = pv->pv_pmap;

		next = pv->pv_next;
		rc = pmap_pv_leaf(pv, &w);
		if (rc < 0)
			return rc;
		if (!pmap_leaf_ref(pm, w.w_e))
			continue;
		(*count)++;
		if (w.w_level > 1)
			rc = pmap_ts_ref_2m(pv, pfn, &w);
		else if (pmap_safe_to_clear_ref(pm, w.w_e))
			rc = pmap_clear_ref(pm, &w, pv->pv_va);
		else
			rc = pmap_pv_remove_4k(pm, &w, pv->pv_va);
		if (rc < 0)
			return rc;
	}
	m->vmp_aflags &= (uint8_t)~VMP_A_REFERENCED;
	return 0;
}

/* ---- EPT A/D emulation -------------------------------------------------- */

/*
 * bhyve's pmap_emulate_accessed_dirty: the violation is an A/D case when
 * the software bits allow the access (52 valid, 53 for a write, hardware
 * X for a fetch) and the hardware bits it needs are missing.  Granting
 * them needs no invalidation: the violation already dropped what the
 * processor cached for the address (SDM Vol. 3C §29.4.3.1).  A violation
 * whose bits are all there was spurious; vm_fault sorts that out.
 */
int pmap_emulate_accessed_dirty(struct pmap *pm, uint64_t va, uint32_t ftype,
				uint32_t *what)
{
	const uint64_t PG_RW = pm->pm_bits[PMAP_BIT_RW];
	const uint64_t PG_A = pm->pm_bits[PMAP_BIT_A];
	const uint64_t PG_M = pm->pm_bits[PMAP_BIT_M];
	const uint64_t PG_X = pm->pm_bits[PMAP_BIT_X];
	bool write = (ftype & VM_PROT_WRITE) != 0;
	struct pmap_walk w;
	uint64_t e;
	int rc;

	if (!(pm->pm_flags & PMAP_EMULATE_AD))
		return -ENOTSUP;
	if (!pmap_va_ok(pm, va))
		return -EFAULT;
	rc = pmap_walk(pm, va & ~PAGE_MASK, 1, false, &w);
	if (rc < 0)
		return rc;
	if (!pmap_is_leaf(pm, w.w_e, w.w_level) || (write && !(w.w_e & PG_RW)) ||
	    ((ftype & VM_PROT_EXEC) && !(w.w_e & PG_X)))
		return -EFAULT;
	e = w.w_e | PG_A | (write ? PG_M : 0);
	if (e == w.w_e)
		return -EFAULT;
	rc = pmap_store(pm, w.w_epa, w.w_level, true, e);
	if (rc < 0)
		return rc;
	if (write) {
		pmap_kern(pm)->vk_st.ad_dirty++;
		*what = VM_PROT_WRITE;
	} else {
		pmap_kern(pm)->vk_st.ad_accessed++;
		*what = VM_PROT_READ;
	}
	return 0;
}
