/* pmem.c - sparse simulated physical memory (see pmem.h). */
#include "sim/pmem.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int pmem_init(struct pmem *pm, uint64_t bytes)
{
	memset(pm, 0, sizeof(*pm));
	if (bytes == 0 || (bytes & PAGE_MASK) != 0)
		return -EINVAL;
	pm->pm_frames = bytes >> PAGE_SHIFT;
	pm->pm_ndir = (pm->pm_frames + PMEM_CHUNK_FRAMES - 1) >> PMEM_CHUNK_SHIFT;
	pm->pm_dir = calloc(pm->pm_ndir, sizeof(*pm->pm_dir));
	return pm->pm_dir ? 0 : -ENOMEM;
}

void pmem_fini(struct pmem *pm)
{
	for (uint64_t c = 0; pm->pm_dir && c < pm->pm_ndir; c++) {
		if (!pm->pm_dir[c])
			continue;
		for (unsigned i = 0; i < PMEM_CHUNK_FRAMES; i++)
			free(pm->pm_dir[c][i]);
		free(pm->pm_dir[c]);
	}
	free(pm->pm_dir);
	memset(pm, 0, sizeof(*pm));
}

int pmem_write64(struct pmem *pm, uint64_t pa, uint64_t v)
{
	uint64_t pfn = pa >> PAGE_SHIFT;
	uint64_t ***chunk;
	uint64_t **frame;

	ES_ASSERT(pfn < pm->pm_frames && (pa & 7) == 0,
		  "pa=%#llx frames=%llu", (unsigned long long)pa,
		  (unsigned long long)pm->pm_frames);
	chunk = &pm->pm_dir[pfn >> PMEM_CHUNK_SHIFT];
	if (!*chunk) {
		if (v == 0)
			return 0; /* storing zero where memory reads zero */
		*chunk = calloc(PMEM_CHUNK_FRAMES, sizeof(**chunk));
		if (!*chunk)
			return -ENOMEM;
	}
	frame = &(*chunk)[pfn & (PMEM_CHUNK_FRAMES - 1)];
	if (!*frame) {
		if (v == 0)
			return 0;
		*frame = calloc(PAGE_SIZE / sizeof(uint64_t), sizeof(uint64_t));
		if (!*frame)
			return -ENOMEM;
		pm->pm_stored++;
	}
	(*frame)[(pa & PAGE_MASK) >> 3] = v;
	return 0;
}

void pmem_zero_frame(struct pmem *pm, uint64_t pfn)
{
	uint64_t **chunk;

	ES_ASSERT(pfn < pm->pm_frames, "pfn=%llu frames=%llu",
		  (unsigned long long)pfn, (unsigned long long)pm->pm_frames);
	chunk = pm->pm_dir[pfn >> PMEM_CHUNK_SHIFT];
	if (!chunk || !chunk[pfn & (PMEM_CHUNK_FRAMES - 1)])
		return;
	free(chunk[pfn & (PMEM_CHUNK_FRAMES - 1)]);
	chunk[pfn & (PMEM_CHUNK_FRAMES - 1)] = NULL;
	pm->pm_stored--;
}
