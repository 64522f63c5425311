/*
 * vm_kern.h - one kernel instance of the model: its physical memory
 * (frames and their metadata), its swap device, its page queues and
 * reservations, its statistics, and how it reads and writes its own
 * physical memory.
 *
 * The model runs this twice in a VM (DESIGN.md "The kernel model"):
 *
 *   host kernel   physical addresses are host-physical (HPA); it reads and
 *                 writes them in the machine's pmem directly (vk_gpa NULL)
 *   guest kernel  physical addresses are guest-physical (GPA); every read
 *                 or write of its memory (a page-table entry, zeroing a
 *                 frame, a page going to swap) goes through vk_gpa, which
 *                 asks the host for the HPA backing the GPA and may make
 *                 the host fault it in first (a VM exit: the guest kernel
 *                 itself runs under EPT)
 *
 * and once natively (one kernel on host-physical memory, vk_gpa NULL).
 *
 * Every kernel operation counts what it did into vk_st; the simulator
 * charges cycles from the differences (sim.c), so the kernel model knows
 * nothing of the cycle model.
 */
#ifndef EPTSIM_KERNEL_MODEL_VM_KERN_H
#define EPTSIM_KERNEL_MODEL_VM_KERN_H

#include "kernel-model/vm_phys.h"
#include "kernel-model/vm_swap.h"
#include "sim/base.h"
#include "sim/pmem.h"

/*
 * What one kernel did, cumulative.  The simulator reports each under
 * kernel.<guest|host>.<name> (sim/stats.h) and charges cycles for the
 * differences around every call into the kernel.
 */
#define VM_KSTATS(X, a, b, c)                                                           \
	X(faults, "vm_fault calls (page faults the kernel handled)", a, b, c)             \
	X(zero_fills, "pages allocated and zero-filled", a, b, c)                         \
	X(swap_ins, "pages read back from swap", a, b, c)                                 \
	X(swap_outs, "pages written to swap", a, b, c)                                    \
	X(swap_full, "dirty pages the page daemon could not write: swap was full", a, b, c) \
	X(daemon_runs, "page daemon runs", a, b, c)                                       \
	X(scanned, "pages the page daemon examined", a, b, c)                             \
	X(scan_referenced, "examined pages found referenced (kept)", a, b, c)             \
	X(scan_modified, "reclaimed pages found modified (written to swap)", a, b, c)     \
	X(deactivated, "pages moved from the active to the inactive queue", a, b, c)      \
	X(reclaimed, "pages the page daemon freed", a, b, c)                              \
	X(forced, "pages reclaimed although referenced: two passes freed too little", a, b, c) \
	X(pt_allocs, "page-table pages allocated", a, b, c)                               \
	X(pt_frees, "page-table pages freed", a, b, c)                                    \
	X(promotions, "2 MiB superpage promotions", a, b, c)                              \
	X(demotions, "2 MiB superpage demotions", a, b, c)                                \
	X(reservations, "2 MiB reservations made", a, b, c)                               \
	X(reserv_breaks, "reservations broken to free their unused frames", a, b, c)      \
	X(inval_page, "pmap invalidations of one page", a, b, c)                          \
	X(inval_range, "pmap invalidations of a range", a, b, c)                          \
	X(inval_all, "pmap invalidations of a whole address space", a, b, c)              \
	X(ad_accessed, "A/D emulation: accessed-bit emulations (host, bhyve without EPT A/D)", a, b, c) \
	X(ad_dirty, "A/D emulation: dirty-bit emulations (host, bhyve without EPT A/D)", a, b, c) \
	X(copy_walks, "software walks of a guest page table by copyin/copyout (dragonfly)", a, b, c) \
	X(copy_bytes, "bytes copied by copyin/copyout", a, b, c)

struct vm_kstats {
#define VM_KSTATS_FIELD(name, doc, a, b, c) uint64_t name;
	VM_KSTATS(VM_KSTATS_FIELD, _, _, _)
#undef VM_KSTATS_FIELD
};

/* the names and doc lines of struct vm_kstats's fields, in order */
#define VM_NKSTATS (sizeof(struct vm_kstats) / sizeof(uint64_t))
extern const char *const vm_kstats_names[];
extern const char *const vm_kstats_docs[];

struct vm_reserv;

/*
 * vk_gpa - a guest kernel's access to its physical address `pa`: store in
 * *hpa the host-physical address of that byte.  `write` says whether the
 * access writes.  The host may fault the page in (a VM exit, charged to
 * the vCPU whose turn it is).  0, or -ENOMEM when the host cannot back it.
 */
typedef int (*vm_gpa_fn)(void *ctx, uint64_t pa, bool write, uint64_t *hpa);

struct vm_kern {
	const char *vk_name;            /* "guest", "host" or "native": messages */
	struct pmem *vk_mem;            /* the machine's memory (host-physical) */
	struct vm_phys vk_phys;         /* this kernel's frames */
	struct vm_swap vk_swap;         /* its swap device (0 slots: none) */
	struct vm_kstats vk_st;
	bool vk_superpages;             /* reservations and 2 MiB promotion on */
	vm_gpa_fn vk_gpa;               /* NULL: physical addresses are HPAs */
	void *vk_gpa_ctx;
	/* partially populated reservations, oldest first (vm_object.c) */
	struct vm_reserv *vk_rv_head, *vk_rv_tail;
	/*
	 * The page daemon (vm_pageout.c) runs when an allocation would leave
	 * fewer than vk_free_min frames free, and frees until vk_free_target
	 * are.  Both are set by vm_kern_init from the memory size.
	 */
	uint64_t vk_free_min, vk_free_target;
	unsigned vk_in_daemon;          /* nesting guard: no daemon inside the daemon */
};

/*
 * vm_kern_init - a kernel named `name` owning frames [first, end) of `mem`
 * (frame 0 never) with a swap device of `swap_bytes` (a multiple of
 * PAGE_SIZE; 0 for none).  vk_gpa is NULL (set it for a guest kernel).
 * 0 or -ENOMEM.
 */
int vm_kern_init(struct vm_kern *k, const char *name, struct pmem *mem,
		 uint64_t first, uint64_t end, uint64_t swap_bytes) MUST_CHECK;
void vm_kern_fini(struct vm_kern *k);

/*
 * vm_kern_read64 / vm_kern_write64 - the 8-byte word at this kernel's
 * physical address `pa` (8-byte aligned).  0, or -ENOMEM (the host could
 * not back a guest page, or could not give a frame storage).
 */
int vm_kern_read64(struct vm_kern *k, uint64_t pa, uint64_t *v) MUST_CHECK;
int vm_kern_write64(struct vm_kern *k, uint64_t pa, uint64_t v) MUST_CHECK;

/*
 * vm_kern_page_zero - the kernel zeroes frame `pfn` (a write of the whole
 * page).  0 or -ENOMEM.
 */
int vm_kern_page_zero(struct vm_kern *k, uint64_t pfn) MUST_CHECK;

/*
 * vm_kern_page_read - the 512 words of frame `pfn` into `buf`; *zero is
 * true when the frame reads as all zero (then buf is zeroed too).  0 or
 * -ENOMEM.
 */
int vm_kern_page_read(struct vm_kern *k, uint64_t pfn, uint64_t *buf,
		      bool *zero) MUST_CHECK;

/*
 * vm_kern_page_write - frame `pfn` gets the 512 words of `buf` (NULL: all
 * zero).  0 or -ENOMEM.
 */
int vm_kern_page_write(struct vm_kern *k, uint64_t pfn,
		       const uint64_t *buf) MUST_CHECK;

/* vm_kern_free_frames - frames this kernel can still allocate */
static inline uint64_t vm_kern_free_frames(const struct vm_kern *k)
{
	return vm_phys_free_count(&k->vk_phys);
}

#endif
