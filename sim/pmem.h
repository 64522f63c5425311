/*
 * pmem.h - simulated physical memory: the storage behind physical frames.
 *
 * Sparse by design: a frame has storage only once something non-zero was
 * written to it (in practice: page-table pages).  Data pages of synthetic
 * workloads never get storage, so a footprint of tens of GiB costs only the
 * page tables that map it.  Unwritten memory reads as zero.
 *
 * pmem knows nothing of who owns a frame; the kernel model's allocator
 * (kernel-model/vm_phys) decides that.  The MMU reads entries through
 * pmem_entry(), which is the hot path of every walk.
 */
#ifndef EPTSIM_SIM_PMEM_H
#define EPTSIM_SIM_PMEM_H

#include "sim/base.h"

#define PMEM_CHUNK_SHIFT 9u /* frames per directory chunk: 512 */
#define PMEM_CHUNK_FRAMES (1u << PMEM_CHUNK_SHIFT)

struct pmem {
	uint64_t pm_frames;     /* frames of physical memory */
	uint64_t pm_ndir;       /* chunks in pm_dir */
	uint64_t ***pm_dir;     /* pm_dir[pfn >> 9][pfn & 511]: 512 words or NULL */
	uint64_t pm_stored;     /* frames that have storage */
};

/* pmem_init - physical memory of `bytes` (a multiple of PAGE_SIZE, > 0). */
int pmem_init(struct pmem *pm, uint64_t bytes) MUST_CHECK;
void pmem_fini(struct pmem *pm);

/*
 * pmem_frame - the 512 words of frame `pfn`, or NULL if it has no storage
 * (it reads as zero).  pfn must be below pm_frames.
 */
static inline uint64_t *pmem_frame(const struct pmem *pm, uint64_t pfn)
{
	uint64_t **chunk = pm->pm_dir[pfn >> PMEM_CHUNK_SHIFT];

	return chunk ? chunk[pfn & (PMEM_CHUNK_FRAMES - 1)] : NULL;
}

/*
 * pmem_entry - pointer to the 8-byte word at physical address `pa` (8-byte
 * aligned, below the memory size), or NULL if its frame has no storage.
 */
static inline uint64_t *pmem_entry(const struct pmem *pm, uint64_t pa)
{
	uint64_t *f = pmem_frame(pm, pa >> PAGE_SHIFT);

	return f ? &f[(pa & PAGE_MASK) >> 3] : NULL;
}

/* pmem_read64 - the word at `pa`; zero where there is no storage. */
static inline uint64_t pmem_read64(const struct pmem *pm, uint64_t pa)
{
	const uint64_t *p = pmem_entry(pm, pa);

	return p ? *p : 0;
}

/*
 * pmem_write64 - store `v` at `pa`, giving the frame storage if it has none.
 * Returns 0, or -ENOMEM if the host cannot allocate the storage.
 */
int pmem_write64(struct pmem *pm, uint64_t pa, uint64_t v) MUST_CHECK;

/* pmem_zero_frame - make frame `pfn` read as zero again (drops storage). */
void pmem_zero_frame(struct pmem *pm, uint64_t pfn);

#endif
