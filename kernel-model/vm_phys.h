/*
 * vm_phys.h - the physical frame allocator of one kernel instance and the
 * per-frame metadata (vm_page).
 *
 * Frames are handed out lowest-first from a bump pointer, then from a LIFO
 * free list of returned frames: deterministic, O(1).  Frame 0 is never
 * handed out (a zero frame number means "none" throughout the model).
 * Metadata is kept in chunks of 512 frames allocated on first use, so a
 * large memory that is barely touched costs little.
 */
#ifndef EPTSIM_KERNEL_MODEL_VM_PHYS_H
#define EPTSIM_KERNEL_MODEL_VM_PHYS_H

#include "sim/base.h"
#include "sim/pmem.h"

enum vm_page_kind {
	VMP_FREE = 0,
	VMP_DATA,               /* backs process memory */
	VMP_PTPAGE,             /* holds a paging structure */
	VMP_KINDS
};

struct vm_page {
	uint8_t vmp_kind;       /* enum vm_page_kind */
	uint64_t vmp_next;      /* free list link (pfn), when free */
};

struct vm_phys {
	struct pmem *vp_mem;    /* storage; zeroed on allocation */
	uint64_t vp_frames;     /* frames in this memory */
	uint64_t vp_bump;       /* next never-used frame */
	uint64_t vp_free;       /* head of the free list, 0 = empty */
	uint64_t vp_count[VMP_KINDS]; /* frames by kind */
	uint64_t vp_nchunks;
	struct vm_page **vp_chunks; /* vp_chunks[pfn >> 9][pfn & 511] */
};

/* vm_phys_init - manage all frames of `mem`. */
int vm_phys_init(struct vm_phys *vp, struct pmem *mem) MUST_CHECK;

/*
 * vm_phys_init_range - manage frames [first, end) of `mem` only (frame 0
 * never): a VM's guest memory and the host's own frames share one pmem.
 */
int vm_phys_init_range(struct vm_phys *vp, struct pmem *mem, uint64_t first,
		       uint64_t end) MUST_CHECK;
void vm_phys_fini(struct vm_phys *vp);

/*
 * vm_phys_alloc - take one zeroed frame for `kind` (not VMP_FREE).
 * Returns 0 and *pfn, or -ENOMEM when memory is exhausted.
 */
int vm_phys_alloc(struct vm_phys *vp, enum vm_page_kind kind,
		  uint64_t *pfn) MUST_CHECK;

/* vm_phys_free - return an allocated frame. */
void vm_phys_free(struct vm_phys *vp, uint64_t pfn);

/* vm_phys_page - metadata of an allocated frame. */
struct vm_page *vm_phys_page(struct vm_phys *vp, uint64_t pfn);

#endif
