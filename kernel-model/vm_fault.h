/*
 * vm_fault.h - an address space (vmspace: a vm_map, its pmap, its
 * kernel), its memory system calls, and the page-fault handler.
 *
 * The system calls have Linux's semantics where they differ between
 * kernels (the workloads are Linux programs): mmap of anonymous memory
 * (fixed or not), munmap, mprotect, madvise(MADV_DONTNEED: the pages are
 * dropped and read as zero after), brk.  Each works on the map, the
 * objects and the pmap together, so the page tables never map what the
 * map does not.
 */
#ifndef EPTSIM_KERNEL_MODEL_VM_FAULT_H
#define EPTSIM_KERNEL_MODEL_VM_FAULT_H

#include "kernel-model/pmap.h"
#include "kernel-model/vm_map.h"

struct vmspace {
	struct vm_map vs_map;
	struct pmap vs_pmap;
	struct vm_kern *vs_kern;
	uint64_t vs_brk_base;   /* start of the heap; 0: no heap yet */
	uint64_t vs_brk;        /* current break */
	uint64_t vs_mmap_base;  /* non-fixed mmaps are placed below this, top-down */
};

/* the lowest and highest user addresses a non-fixed mmap may use */
#define VM_MMAP_MIN UINT64_C(0x10000)
#define VM_MMAP_TOP UINT64_C(0x7f0000000000)

/* the most the heap may grow above vs_brk_base (Linux: RLIMIT_DATA) */
#define VM_BRK_LIMIT (UINT64_C(64) << 30)

/*
 * vmspace_init - an empty address space in kernel `k` whose pmap has
 * `type`, `levels` and `pmap_flags` (pmap_init).  0, -EINVAL, -ENOMEM.
 */
int vmspace_init(struct vmspace *vs, struct vm_kern *k, enum pmap_type type,
		 unsigned maxphyaddr, unsigned levels,
		 unsigned pmap_flags) MUST_CHECK;

/* vmspace_fini - unmap everything, free the objects no one else maps, free the tables */
void vmspace_fini(struct vmspace *vs);

/*
 * vmspace_mmap - map `len` bytes (rounded up to pages) of new anonymous
 * zero-fill memory with `prot`.  fixed: exactly at *addr, replacing what
 * was there (MAP_FIXED); else the highest free range below vs_mmap_base
 * that fits, aligned to 2 MiB when len is a multiple of 2 MiB (so
 * superpages are possible), and *addr is set.  0, -EINVAL (len 0, a fixed
 * address not page aligned or outside user space), -ENOMEM (no room, or
 * host memory).
 */
int vmspace_mmap(struct vmspace *vs, uint64_t *addr, uint64_t len,
		 uint32_t prot, bool fixed) MUST_CHECK;

/*
 * vmspace_munmap - unmap [addr, addr + len): page tables (demoting a
 * superpage partly inside), then the map; pages of an object no region
 * maps any more are freed.  Unmapped holes in the range are fine.
 * 0, -EINVAL (not page aligned, len 0), -ENOMEM.
 */
int vmspace_munmap(struct vmspace *vs, uint64_t addr, uint64_t len) MUST_CHECK;

/*
 * vmspace_mprotect - set the protection of [addr, addr + len) (every page
 * must be mapped, else -ENOMEM as Linux returns), clipping regions;
 * lowering rights lowers the page tables' (pmap_protect), raising them
 * takes effect at the next fault.  0, -EINVAL, -ENOMEM, -EACCES (above
 * maxprot).
 */
int vmspace_mprotect(struct vmspace *vs, uint64_t addr, uint64_t len,
		     uint32_t prot) MUST_CHECK;

/*
 * vmspace_madvise_dontneed - madvise(MADV_DONTNEED) on [addr, addr + len):
 * unmap the pages and free them (and their swap copies); the next touch
 * zero-fills.  Every page must be mapped (-ENOMEM otherwise).
 */
int vmspace_madvise_dontneed(struct vmspace *vs, uint64_t addr,
			     uint64_t len) MUST_CHECK;

/*
 * vmspace_brk - Linux brk(2): with `want` 0 (or outside [base, base +
 * VM_BRK_LIMIT]) return the current break in *cur; else move it there, mapping
 * or unmapping whole pages (read/write), and *cur = want.  The heap starts
 * at vs_brk_base, which vmspace_set_brk_base sets (the loader, after the
 * program's last segment).  Linux never fails brk: on failure *cur is the
 * old break.  0 always, except -ENOMEM for the host running eptsim.
 */
void vmspace_set_brk_base(struct vmspace *vs, uint64_t base);
int vmspace_brk(struct vmspace *vs, uint64_t want, uint64_t *cur) MUST_CHECK;

/* what a fault did: see vm_kern's vk_st for the counts */
enum vm_fault_result {
	VM_FAULT_MAPPED,        /* a page was mapped: retry */
	VM_FAULT_SPURIOUS,      /* already mapped with the rights: retry */
};

/*
 * vm_fault - handle a fault at `va` for an access of `type`
 * (VM_PROT_READ, VM_PROT_WRITE or VM_PROT_EXEC).  Looks up the region
 * (none, or no right for `type`: -EFAULT, the process gets SIGSEGV),
 * makes the page resident (vm_object_grab: zero fill, swap in) and maps it
 * with the region's protection and `type` as the access (pmap_enter);
 * when its reservation is then fully populated and the region covers the
 * whole 2 MiB, promotes (pmap_promote_pde).  Counts vk_st.faults.
 * 0 (*res says what), -EFAULT, -ENOMEM (no frame left even after the
 * page daemon ran).
 */
int vm_fault(struct vmspace *vs, uint64_t va, uint32_t type,
	     enum vm_fault_result *res) MUST_CHECK;

#endif
