/*
 * vm_pageout.c - the page daemon of one kernel (see vm_pageout.h).
 *
 * A run, exactly (a test predicts it from the queues alone):
 *
 *   short := vm_kern_free_frames(k) < vk_free_target, checked before every
 *   page; while short and a partially populated reservation exists, the
 *   oldest is broken first (its unused frames are the cheapest to free, as
 *   FreeBSD's vm_page_alloc reclaims reservations before it waits).
 *
 *   passes 1 and 2 (references honoured), each while short:
 *     deactivate: A0 = active count, goal = A0 / 2 + shortage (target -
 *       free, both at the start of the step); examine at most A0 pages from
 *       the ACTIVE head while the inactive count < goal:
 *         pmap_ts_referenced > 0  -> ACTIVE tail    (scan_referenced)
 *         else                    -> INACTIVE tail  (deactivated)
 *     reclaim: examine at most I0 (inactive count at the start) pages from
 *       the INACTIVE head while short:
 *         pmap_ts_referenced > 0  -> ACTIVE tail    (scan_referenced)
 *         else reclaim (below)
 *   pass 3 (forced), only while still short:
 *     deactivate without looking: ACTIVE head -> INACTIVE tail while the
 *       inactive count < shortage (deactivated);
 *     reclaim from the INACTIVE head, at most I0 pages while short, with no
 *       regard for references: pmap_ts_referenced > 0 counts `forced`.
 *
 *   reclaim of page p: without a swap copy while swap is full: swap_full,
 *   p stays mapped and goes to the ACTIVE tail (FreeBSD activates a page
 *   the pager could not write).  Else pmap_remove_all (M of every mapping,
 *   and NetBSD's "every page is modified" without EPT A/D, folded into
 *   VMP_A_MODIFIED), vm_object_pageout: written if modified or without a
 *   copy (scan_modified), freed (reclaimed).  A dirty page with a copy
 *   always fits: its stale slot is released first.
 *
 * Every examined page counts `scanned`; wired pages are stepped over
 * without being examined.  Order comes from the queues only.
 */
#include "kernel-model/vm_pageout.h"

#include <errno.h>

#include "kernel-model/pmap.h"
#include "kernel-model/vm_object.h"

static uint64_t pd_shortage(const struct vm_kern *k)
{
	uint64_t free = vm_kern_free_frames(k);

	return free < k->vk_free_target ? k->vk_free_target - free : 0;
}

/* pd_short - whether frames are still wanted, after breaking reservations */
static bool pd_short(struct vm_kern *k)
{
	while (pd_shortage(k) > 0)
		if (!vm_reserv_break_one(k))
			return true;
	return false;
}

static void pd_move(struct vm_kern *k, uint64_t pfn, enum vm_pqueue q)
{
	vm_pq_remove(&k->vk_phys, pfn);
	vm_pq_insert(&k->vk_phys, pfn, q);
}

/*
 * pd_examine - whether page `pfn` is examined at all (not wired), and if
 * so its references (cleared): *refs.
 */
static int pd_examine(struct vm_kern *k, uint64_t pfn, bool *skip,
		      unsigned *refs)
{
	*skip = vm_phys_page(&k->vk_phys, pfn)->vmp_wire > 0;
	*refs = 0;
	if (*skip)
		return 0;
	k->vk_st.scanned++;
	return pmap_ts_referenced(k, pfn, refs);
}

/* pd_deactivate - passes 1-2 (look = true) and 3 (look = false) */
static int pd_deactivate(struct vm_kern *k, bool look)
{
	struct vm_phys *vp = &k->vk_phys;
	uint64_t a0 = vp->vp_q[PQ_ACTIVE].pq_count;
	uint64_t goal = (look ? a0 / 2 : 0) + pd_shortage(k);
	uint64_t pfn = vp->vp_q[PQ_ACTIVE].pq_head;

	for (uint64_t n = 0; n < a0 && pfn && vp->vp_q[PQ_INACTIVE].pq_count < goal;
	     n++) {
		uint64_t next = vm_phys_page(vp, pfn)->vmp_next;
		unsigned refs = 0;
		bool skip = false;
		int rc;

		if (look) {
			rc = pd_examine(k, pfn, &skip, &refs);
			if (rc < 0)
				return rc;
		} else {
			skip = vm_phys_page(vp, pfn)->vmp_wire > 0;
		}
		if (skip) {
			pfn = next;
			continue;
		}
		if (refs > 0) {
			k->vk_st.scan_referenced++;
			pd_move(k, pfn, PQ_ACTIVE);
		} else {
			k->vk_st.deactivated++;
			pd_move(k, pfn, PQ_INACTIVE);
		}
		pfn = next;
	}
	return 0;
}

/*
 * pd_reclaim_page - unmap, write if dirty, free; swap full: activate.
 * pmap_remove_all folds the M of every mapping (and NetBSD's "always
 * modified" without EPT A/D) into VMP_A_MODIFIED, which is therefore
 * pmap_is_modified's answer once the page is unmapped: no separate walk.
 */
static int pd_reclaim_page(struct vm_kern *k, uint64_t pfn)
{
	struct vm_page *pg = vm_phys_page(&k->vk_phys, pfn);
	bool dirty;
	int rc;

	if (pg->vmp_swslot == 0 && vm_swap_free_slots(&k->vk_swap) == 0) {
		k->vk_st.swap_full++;
		pd_move(k, pfn, PQ_ACTIVE);
		return 0;
	}
	rc = pmap_remove_all(k, pfn);
	if (rc < 0)
		return rc;
	dirty = pg->vmp_swslot == 0 || (pg->vmp_aflags & VMP_A_MODIFIED);
	rc = vm_object_pageout(k, pfn);
	if (rc == -ENOSPC) {
		k->vk_st.swap_full++;
		pd_move(k, pfn, PQ_ACTIVE);
		return 0;
	}
	if (rc < 0)
		return rc;
	if (dirty)
		k->vk_st.scan_modified++;
	k->vk_st.reclaimed++;
	return 0;
}

/* pd_reclaim - one reclaim step over the inactive queue */
static int pd_reclaim(struct vm_kern *k, bool force)
{
	struct vm_phys *vp = &k->vk_phys;
	uint64_t i0 = vp->vp_q[PQ_INACTIVE].pq_count;
	uint64_t pfn = vp->vp_q[PQ_INACTIVE].pq_head;

	for (uint64_t n = 0; n < i0 && pfn && pd_short(k); n++) {
		uint64_t next = vm_phys_page(vp, pfn)->vmp_next;
		unsigned refs;
		bool skip;
		int rc = pd_examine(k, pfn, &skip, &refs);

		if (rc < 0)
			return rc;
		if (!skip && refs > 0 && !force) {
			k->vk_st.scan_referenced++;
			pd_move(k, pfn, PQ_ACTIVE);
		} else if (!skip) {
			if (refs > 0)
				k->vk_st.forced++;
			rc = pd_reclaim_page(k, pfn);
			if (rc < 0)
				return rc;
		}
		pfn = next;
	}
	return 0;
}

static int pd_run(struct vm_kern *k)
{
	int rc = 0;

	for (int pass = 0; pass < 2 && rc == 0 && pd_short(k); pass++) {
		rc = pd_deactivate(k, true);
		if (rc == 0)
			rc = pd_reclaim(k, false);
	}
	if (rc == 0 && pd_short(k)) {
		rc = pd_deactivate(k, false);
		if (rc == 0)
			rc = pd_reclaim(k, true);
	}
	return rc;
}

int vm_pageout(struct vm_kern *k, uint64_t *freed)
{
	uint64_t before = k->vk_phys.vp_count[VMP_FREE], after;
	int rc;

	if (freed)
		*freed = 0;
	if (k->vk_in_daemon)
		return 0;
	k->vk_in_daemon++;
	k->vk_st.daemon_runs++;
	rc = pd_run(k);
	k->vk_in_daemon--;
	after = k->vk_phys.vp_count[VMP_FREE];
	if (freed)
		*freed = after > before ? after - before : 0;
	return rc;
}
