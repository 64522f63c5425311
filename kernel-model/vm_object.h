/*
 * vm_object.h - anonymous memory objects: the pages behind a mapping, by
 * page index, each resident in a frame, in swap, or absent (reads as
 * zero, made on first touch).  FreeBSD's OBJT_DEFAULT / OBJT_SWAP.
 *
 * Superpage reservations (FreeBSD's vm_reserv).  When the kernel has
 * vk_superpages on and a page index's naturally aligned 512-page group
 * lies inside the object, the first page of the group allocated takes a
 * whole 2 MiB block (order 9) for the group: page index p lives in frame
 * block + (p & 511).  Unpopulated frames of a reservation are VMP_RESERVED.
 * When all 512 are populated the group can be mapped by one 2 MiB entry
 * (the fault path promotes).  Under memory pressure the oldest partially
 * populated reservation is broken: its unpopulated frames are freed.
 *
 * The storage is sparse: a directory of chunks of 512 page slots, made on
 * first use, so an object of tens of GiB costs what is touched.
 */
#ifndef EPTSIM_KERNEL_MODEL_VM_OBJECT_H
#define EPTSIM_KERNEL_MODEL_VM_OBJECT_H

#include "kernel-model/vm_kern.h"
#include "sim/base.h"

/*
 * One page slot: 0 absent; (pfn << 1) resident in frame pfn; (slot << 1) | 1
 * in swap slot `slot` (not resident).  A resident page keeps its swap copy's
 * slot, if it has one, in vm_page.vmp_swslot.
 */
#define VMO_SWAPPED 1u

struct vm_reserv {
	struct vm_object *rv_object;
	uint64_t rv_pindex;     /* first page index of the group (512-aligned) */
	uint64_t rv_pfn;        /* first frame of the 2 MiB block */
	unsigned rv_popcnt;     /* populated frames */
	uint64_t rv_popmap[VM_SP_PAGES / 64];
	struct vm_reserv *rv_prev, *rv_next; /* the kernel's partial list (popcnt < 512) */
	bool rv_listed;
};

struct vm_object_chunk {
	uint64_t oc_slot[VM_SP_PAGES];
	struct vm_reserv *oc_rv;        /* the reservation of this group, or NULL */
	unsigned oc_used;               /* non-zero slots */
};

struct vm_object {
	struct vm_kern *vo_kern;
	uint64_t vo_size;       /* pages */
	uint64_t vo_resident;   /* pages in frames */
	uint64_t vo_swapped;    /* pages only in swap */
	uint64_t vo_ndir;
	struct vm_object_chunk **vo_dir; /* vo_dir[pindex >> 9] */
};

/* how vm_object_grab found or made a page */
enum vm_grab {
	VMO_GRAB_RESIDENT,      /* it was in memory */
	VMO_GRAB_ZERO,          /* it was absent: a zero-filled page */
	VMO_GRAB_SWAPIN,        /* it was in swap: read back */
};

/* vm_object_init - an empty object of `size` pages in kernel `k`. 0 or -ENOMEM. */
int vm_object_init(struct vm_object *o, struct vm_kern *k, uint64_t size) MUST_CHECK;

/*
 * vm_object_fini - free every page (unmapping it from every pmap first),
 * every swap slot and reservation.
 */
void vm_object_fini(struct vm_object *o);

/*
 * vm_object_lookup - *pfn of page `pindex` if resident (0), -ENOENT if
 * absent or only in swap.
 */
int vm_object_lookup(const struct vm_object *o, uint64_t pindex,
		     uint64_t *pfn) MUST_CHECK;

/*
 * vm_object_grab - make page `pindex` resident and return its frame: an
 * absent page is allocated (from its reservation where there is one, or
 * a new one when superpages are on) and zero-filled (counted zero_fills,
 * VMP_A_MODIFIED set: an anonymous page has no copy anywhere); a swapped
 * page is read back (swap_ins; its slot is kept in vmp_swslot, the page
 * clean).  A new frame is VMP_DATA, owned, on the active queue's tail.
 * When no frame is free the kernel breaks a reservation, then runs the
 * page daemon (vm_pageout), then gives up.  0, -ENOMEM.
 */
int vm_object_grab(struct vm_object *o, uint64_t pindex, uint64_t *pfn,
		   enum vm_grab *how) MUST_CHECK;

/*
 * vm_object_page_remove - free pages [start, end): unmap each resident one
 * everywhere (pmap_remove_all), free its frame (back to its reservation
 * if it is in one), release swap slots.  madvise(DONTNEED), munmap of the
 * last mapping.  0 or -ENOMEM (a guest's memory could not be reached).
 */
int vm_object_page_remove(struct vm_object *o, uint64_t start,
			  uint64_t end) MUST_CHECK;

/*
 * vm_object_reserv_full - whether page `pindex` lies in a reservation whose
 * 512 pages are all populated (the fault path then tries to promote).
 */
bool vm_object_reserv_full(const struct vm_object *o, uint64_t pindex);

/*
 * vm_page_alloc_frame - 2^order frames of `kind` for kernel `k`, zeroed
 * with vm_kern_page_zero, breaking reservations while none is free.  It
 * never runs the page daemon (the pmap allocates through it in the middle
 * of changing page tables; vm_object_grab runs the daemon).  The path
 * every allocation of the kernel takes (pmap's page-table pages too).
 * 0 or -ENOMEM.
 */
int vm_page_alloc_frame(struct vm_kern *k, enum vm_page_kind kind,
			unsigned order, uint64_t *pfn) MUST_CHECK;

/*
 * vm_reserv_break_one - break the oldest partially populated reservation
 * of `k`.  Returns whether there was one.
 */
bool vm_reserv_break_one(struct vm_kern *k);

/*
 * vm_object_pageout - the page daemon's last step for resident page `pfn`
 * of its object, already unmapped everywhere: write it to swap if it is
 * modified or has no swap copy, then free the frame; the slot becomes
 * (slot << 1) | 1.  0, -ENOSPC (swap is full: the page stays resident and
 * nothing changed), -ENOMEM.
 */
int vm_object_pageout(struct vm_kern *k, uint64_t pfn) MUST_CHECK;

#endif
