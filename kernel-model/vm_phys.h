/*
 * vm_phys.h - the physical frame allocator of one kernel instance, the
 * per-frame metadata (vm_page) and the page queues of the page daemon.
 *
 * Allocation is by order: 2^order contiguous frames, naturally aligned,
 * order 0 (4 KiB) to VM_NORDERS - 1 (2 MiB, a superpage reservation).
 * Order 1 is an 8 KiB pair (Akaros's page-table pages).  A buddy
 * allocator over free lists per order, LIFO, in front of a bump pointer
 * over never-used frames: the order of allocations is a pure function of
 * the order of calls, and memory never touched has no metadata (it is
 * kept in chunks of 512 frames made on first use), so a guest of tens of
 * GiB costs only what it uses.  Frame 0 is never handed out (0 means
 * "none" throughout the model).
 *
 * A cap (vp_cap) bounds the frames in use below the memory size: host
 * memory pressure ("at access N only M MiB are free") lowers it.
 */
#ifndef EPTSIM_KERNEL_MODEL_VM_PHYS_H
#define EPTSIM_KERNEL_MODEL_VM_PHYS_H

#include "sim/base.h"

#define VM_NORDERS 10u          /* orders 0 (4 KiB) .. 9 (2 MiB) */
#define VM_SP_ORDER 9u          /* a 2 MiB superpage */
#define VM_SP_PAGES (1u << VM_SP_ORDER)

enum vm_page_kind {
	VMP_FREE = 0,
	VMP_DATA,               /* backs an object's page */
	VMP_PTPAGE,             /* holds a paging structure */
	VMP_RESERVED,           /* inside a reservation, not yet populated */
	VMP_KINDS
};

/* the page daemon's queues */
enum vm_pqueue { PQ_NONE = 0, PQ_ACTIVE, PQ_INACTIVE, PQ_COUNT };

/* vmp_aflags: attributes gathered from every mapping of the page, whatever its pmap type */
#define VMP_A_REFERENCED 0x1u   /* FreeBSD PGA_REFERENCED, NetBSD PP_ATTRS_U */
#define VMP_A_MODIFIED 0x2u     /* the page differs from its swap copy (or has none) */

struct vm_object;
struct pv_entry;

struct vm_page {
	uint8_t vmp_kind;       /* enum vm_page_kind */
	uint8_t vmp_queue;      /* enum vm_pqueue */
	uint8_t vmp_aflags;     /* VMP_A_* */
	uint8_t vmp_order;      /* free block head: its order; allocated block head: its order */
	uint32_t vmp_wire;      /* >0: never reclaimed (page-table pages are wired) */
	struct vm_object *vmp_object;   /* owner of a VMP_DATA page, else NULL */
	uint64_t vmp_pindex;    /* page index in vmp_object */
	uint64_t vmp_swslot;    /* a swap slot holding an up-to-date copy, 0: none */
	struct pv_entry *vmp_pv; /* the mappings of this page (pmap.c) */
	uint64_t vmp_prev, vmp_next; /* queue or free-list links (pfn, 0 = none) */
};

struct vm_pq {
	uint64_t pq_head, pq_tail;      /* pfn, 0 = empty; head is the oldest */
	uint64_t pq_count;
};

struct vm_phys {
	uint64_t vp_first;      /* first frame managed */
	uint64_t vp_frames;     /* one past the last frame managed */
	uint64_t vp_bump;       /* next never-used frame */
	uint64_t vp_free[VM_NORDERS]; /* heads of the free lists per order, 0 = empty */
	uint64_t vp_count[VMP_KINDS]; /* frames by kind; [VMP_FREE] can still be allocated (cap aside) */
	uint64_t vp_cap;        /* at most this many frames in use (pressure); starts at all */
	struct vm_pq vp_q[PQ_COUNT]; /* [PQ_ACTIVE], [PQ_INACTIVE] */
	uint64_t vp_nchunks;
	struct vm_page **vp_chunks; /* vp_chunks[pfn >> 9][pfn & 511] */
};

/*
 * vm_phys_init - manage frames [first, end) (frame 0 never) of this
 * kernel's physical address space: host-physical for a host or native
 * kernel, guest-physical for a guest.  0 or -ENOMEM.
 */
int vm_phys_init(struct vm_phys *vp, uint64_t first, uint64_t end) MUST_CHECK;
void vm_phys_fini(struct vm_phys *vp);

/* frames in use: allocated for any kind but VMP_FREE (reserved frames count) */
static inline uint64_t vm_phys_used(const struct vm_phys *vp)
{
	return vp->vp_count[VMP_DATA] + vp->vp_count[VMP_PTPAGE] +
	       vp->vp_count[VMP_RESERVED];
}

/* vm_phys_free_count - frames that can still be allocated, the cap considered */
static inline uint64_t vm_phys_free_count(const struct vm_phys *vp)
{
	uint64_t used = vm_phys_used(vp);
	uint64_t room = vp->vp_cap > used ? vp->vp_cap - used : 0;

	return room < vp->vp_count[VMP_FREE] ? room : vp->vp_count[VMP_FREE];
}

/*
 * vm_phys_alloc_order - take 2^order contiguous, 2^order-aligned frames
 * for `kind` (every frame of the block gets that kind; the head, *pfn,
 * records the order).  vm_phys knows nothing of the frames' contents:
 * the caller zeroes what it needs zeroed (vm_kern_page_zero).  0, or
 * -ENOMEM when no block of that order is free or the cap would be passed.
 */
int vm_phys_alloc_order(struct vm_phys *vp, enum vm_page_kind kind,
			unsigned order, uint64_t *pfn) MUST_CHECK;

/* vm_phys_alloc - one frame: vm_phys_alloc_order(vp, kind, 0, pfn) */
int vm_phys_alloc(struct vm_phys *vp, enum vm_page_kind kind,
		  uint64_t *pfn) MUST_CHECK;

/*
 * vm_phys_free_order - return the block whose head is `pfn` (allocated
 * with that order); merges with free buddies.  The frames must be off
 * every queue, unowned and unmapped.
 */
void vm_phys_free_order(struct vm_phys *vp, uint64_t pfn, unsigned order);

/* vm_phys_free - return one frame allocated with order 0 */
void vm_phys_free(struct vm_phys *vp, uint64_t pfn);

/*
 * vm_phys_split - turn the allocated block of `order` at `pfn` into 2^order
 * allocated order-0 frames (kinds kept), so they can be freed one by one:
 * a reservation that is broken gives back its unpopulated frames.
 */
void vm_phys_split(struct vm_phys *vp, uint64_t pfn, unsigned order);

/*
 * vm_phys_set_kind - change the kind of one allocated frame (a reserved
 * frame becomes VMP_DATA when its object populates it, and back), keeping
 * the counts right.  Frames of one block may have different kinds.
 */
void vm_phys_set_kind(struct vm_phys *vp, uint64_t pfn, enum vm_page_kind kind);

/* vm_phys_page - metadata of an allocated (not free) frame. */
struct vm_page *vm_phys_page(struct vm_phys *vp, uint64_t pfn);

/*
 * vm_phys_set_free_frames - memory pressure: set the cap so that exactly
 * `frames` more frames can be allocated (the cap only limits; it never
 * frees anything itself).
 */
void vm_phys_set_free_frames(struct vm_phys *vp, uint64_t frames);

/*
 * The page queues.  vm_pq_insert puts an allocated VMP_DATA page on the
 * tail of `q` (it must be on none); vm_pq_remove takes it off whatever
 * queue it is on (no-op on PQ_NONE).  Both O(1).
 */
void vm_pq_insert(struct vm_phys *vp, uint64_t pfn, enum vm_pqueue q);
void vm_pq_remove(struct vm_phys *vp, uint64_t pfn);

#endif
