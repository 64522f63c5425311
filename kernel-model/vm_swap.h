/*
 * vm_swap.h - a simulated swap device: numbered slots of one page each.
 *
 * A slot holds exactly the 4 KiB a page had when it was written, so a page
 * (a data page, or a guest page-table page seen from the host) that goes
 * out and comes back reads the same.  A page that reads as all zero is
 * kept as "zero" without storage, like pmem, so swapping out untouched
 * synthetic data costs no host memory.
 *
 * Slots are handed out lowest-first from a bump pointer, then LIFO from
 * returned ones: deterministic.  Slot 0 is never handed out ("no slot").
 */
#ifndef EPTSIM_KERNEL_MODEL_VM_SWAP_H
#define EPTSIM_KERNEL_MODEL_VM_SWAP_H

#include "sim/base.h"

struct vm_swap_slot {
	uint64_t *ss_data;      /* 512 words, or NULL: the page was all zero */
	uint64_t ss_next;       /* free-list link when free */
	bool ss_used;
};

struct vm_swap {
	uint64_t sw_slots;      /* slots on the device, slot 0 included */
	uint64_t sw_used;       /* slots holding a page */
	uint64_t sw_bump;       /* next never-used slot */
	uint64_t sw_free;       /* head of the free list, 0 = empty */
	uint64_t sw_ndir;
	struct vm_swap_slot **sw_dir; /* sw_dir[slot >> 9][slot & 511], made on first use */
};

/* vm_swap_init - a device of `bytes` (a multiple of PAGE_SIZE; 0: none). 0 or -ENOMEM. */
int vm_swap_init(struct vm_swap *sw, uint64_t bytes) MUST_CHECK;
void vm_swap_fini(struct vm_swap *sw);

/* vm_swap_free_slots - slots that can still be allocated */
static inline uint64_t vm_swap_free_slots(const struct vm_swap *sw)
{
	return sw->sw_slots > 1 ? sw->sw_slots - 1 - sw->sw_used : 0;
}

/*
 * vm_swap_write - write a page (`page`: 512 words, NULL: all zero) to a new
 * slot; *slot is its number.  0, -ENOSPC (the device is full), -ENOMEM.
 */
int vm_swap_write(struct vm_swap *sw, const uint64_t *page,
		  uint64_t *slot) MUST_CHECK;

/*
 * vm_swap_read - the page in `slot` (allocated) into `page` (512 words);
 * returns whether it is all zero (then `page` is zeroed).
 */
bool vm_swap_read(const struct vm_swap *sw, uint64_t slot, uint64_t *page);

/* vm_swap_release - give back an allocated slot */
void vm_swap_release(struct vm_swap *sw, uint64_t slot);

#endif
