/*
 * vm_phys.c - the physical frame allocator of one kernel instance (see
 * vm_phys.h).
 *
 * Frames [first, vp_bump) have been handed out at least once and have
 * metadata (first is 1, or what vm_phys_init_range was given); frames
 * [vp_bump, vp_frames) never were, and their metadata chunk may not
 * exist yet.  A returned frame goes on the head of a LIFO list threaded
 * through vmp_next, so the order of allocations is a pure function of the
 * order of calls.  vp_count[VMP_FREE] is the number of frames that can still
 * be allocated (frame 0 is in no count: it is never free and never used).
 *
 * A frame is zeroed when it is allocated, not when it is freed: pmem drops
 * the frame's storage, which is what zeroing costs here, and a freed frame
 * that is never reused costs nothing more.
 */
#include "kernel-model/vm_phys.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define VMP_CHUNK_SHIFT 9u
#define VMP_CHUNK_FRAMES (1u << VMP_CHUNK_SHIFT)

int vm_phys_init(struct vm_phys *vp, struct pmem *mem)
{
	return vm_phys_init_range(vp, mem, 1, mem->pm_frames);
}

int vm_phys_init_range(struct vm_phys *vp, struct pmem *mem, uint64_t first,
		       uint64_t end)
{
	ES_ASSERT(first <= end && end <= mem->pm_frames,
		  "first=%llu end=%llu frames=%llu", (unsigned long long)first,
		  (unsigned long long)end, (unsigned long long)mem->pm_frames);
	memset(vp, 0, sizeof(*vp));
	vp->vp_mem = mem;
	vp->vp_frames = end;
	vp->vp_bump = first ? first : 1; /* frame 0 means "none" */
	vp->vp_count[VMP_FREE] = end > vp->vp_bump ? end - vp->vp_bump : 0;
	vp->vp_nchunks =
		(vp->vp_frames + VMP_CHUNK_FRAMES - 1) >> VMP_CHUNK_SHIFT;
	if (vp->vp_nchunks == 0)
		return 0;
	vp->vp_chunks = calloc(vp->vp_nchunks, sizeof(*vp->vp_chunks));
	return vp->vp_chunks ? 0 : -ENOMEM;
}

void vm_phys_fini(struct vm_phys *vp)
{
	for (uint64_t c = 0; vp->vp_chunks && c < vp->vp_nchunks; c++)
		free(vp->vp_chunks[c]);
	free(vp->vp_chunks);
	memset(vp, 0, sizeof(*vp));
}

/* vmp_meta - the metadata slot of a frame whose chunk exists. */
static struct vm_page *vmp_meta(struct vm_phys *vp, uint64_t pfn)
{
	struct vm_page *chunk = vp->vp_chunks[pfn >> VMP_CHUNK_SHIFT];

	return &chunk[pfn & (VMP_CHUNK_FRAMES - 1)];
}

/*
 * vmp_take_new - the next never-used frame, creating its metadata chunk on
 * first use.  -ENOMEM if there is none left or the host cannot hold the
 * chunk (then vp_bump is unchanged, so a later call can retry).
 */
static int vmp_take_new(struct vm_phys *vp, uint64_t *pfn)
{
	struct vm_page **chunk;

	if (vp->vp_bump >= vp->vp_frames)
		return -ENOMEM;
	chunk = &vp->vp_chunks[vp->vp_bump >> VMP_CHUNK_SHIFT];
	if (!*chunk) {
		*chunk = calloc(VMP_CHUNK_FRAMES, sizeof(**chunk));
		if (!*chunk)
			return -ENOMEM;
	}
	*pfn = vp->vp_bump++;
	return 0;
}

int vm_phys_alloc(struct vm_phys *vp, enum vm_page_kind kind, uint64_t *pfn)
{
	struct vm_page *pg;
	uint64_t n;
	int err;

	ES_ASSERT(kind > VMP_FREE && kind < VMP_KINDS, "kind=%d", (int)kind);
	if (vp->vp_free != 0) {
		n = vp->vp_free;
		pg = vmp_meta(vp, n);
		ES_ASSERT(pg->vmp_kind == VMP_FREE, "pfn=%llu kind=%u",
			  (unsigned long long)n, (unsigned)pg->vmp_kind);
		vp->vp_free = pg->vmp_next;
	} else {
		err = vmp_take_new(vp, &n);
		if (err)
			return err;
		pg = vmp_meta(vp, n);
	}
	pmem_zero_frame(vp->vp_mem, n);
	pg->vmp_kind = (uint8_t)kind;
	pg->vmp_next = 0;
	vp->vp_count[VMP_FREE]--;
	vp->vp_count[kind]++;
	*pfn = n;
	return 0;
}

void vm_phys_free(struct vm_phys *vp, uint64_t pfn)
{
	struct vm_page *pg = vm_phys_page(vp, pfn);

	ES_ASSERT(vp->vp_count[pg->vmp_kind] > 0, "pfn=%llu kind=%u",
		  (unsigned long long)pfn, (unsigned)pg->vmp_kind);
	vp->vp_count[pg->vmp_kind]--;
	vp->vp_count[VMP_FREE]++;
	pg->vmp_kind = VMP_FREE;
	pg->vmp_next = vp->vp_free;
	vp->vp_free = pfn;
}

struct vm_page *vm_phys_page(struct vm_phys *vp, uint64_t pfn)
{
	struct vm_page *pg;

	ES_ASSERT(pfn != 0 && pfn < vp->vp_bump,
		  "pfn=%llu not an allocated frame (bump=%llu frames=%llu)",
		  (unsigned long long)pfn, (unsigned long long)vp->vp_bump,
		  (unsigned long long)vp->vp_frames);
	pg = vmp_meta(vp, pfn);
	ES_ASSERT(pg->vmp_kind != VMP_FREE, "pfn=%llu is free",
		  (unsigned long long)pfn);
	return pg;
}
