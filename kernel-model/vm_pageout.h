/*
 * vm_pageout.h - the page daemon of one kernel: two queues, second chance.
 *
 *   allocation (vm_object_grab)  -->  tail of ACTIVE
 *   deactivation: from the head of ACTIVE, pmap_ts_referenced:
 *        referenced   --> tail of ACTIVE  (cleared: it must be used again to stay)
 *        not          --> tail of INACTIVE
 *   reclaim: from the head of INACTIVE, pmap_ts_referenced:
 *        referenced   --> tail of ACTIVE
 *        not          --> pmap_remove_all; modified (pmap_is_modified or
 *                         VMP_A_MODIFIED) or without a swap copy: written
 *                         to swap; the frame freed
 *
 * A run frees until vk_free_target frames are free, breaking partially
 * populated reservations first (oldest first).  Clearing a reference
 * bit goes through the pmap, which invalidates (for an EPT: a new EPT
 * generation and IPIs).  Two passes over the queues honour references;
 * if they free too little (nvmm on an EPT without A/D: every page looks
 * referenced) a third takes inactive pages in order regardless, counted
 * as `forced`.  A dirty page that finds swap full stays (swap_full).
 */
#ifndef EPTSIM_KERNEL_MODEL_VM_PAGEOUT_H
#define EPTSIM_KERNEL_MODEL_VM_PAGEOUT_H

#include "kernel-model/vm_kern.h"

/*
 * vm_pageout - run the daemon of `k` until vk_free_target frames are free
 * or nothing more can be freed; *freed (if not NULL) counts the frames it
 * freed.  Does nothing when called from inside itself.  0, -ENOMEM (a
 * guest kernel's memory could not be reached through its host).
 */
int vm_pageout(struct vm_kern *k, uint64_t *freed) MUST_CHECK;

/*
 * vm_pageout_needed - whether an allocation now should wake the daemon
 * (fewer than vk_free_min frames free).
 */
static inline bool vm_pageout_needed(const struct vm_kern *k)
{
	return vm_kern_free_frames(k) < k->vk_free_min;
}

#endif
