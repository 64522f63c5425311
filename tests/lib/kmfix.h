/*
 * kmfix.h - the fixture the kernel-model unit suites share: fresh simulated
 * physical memory and one kernel instance (vm_kern: frames, swap) over it,
 * with physical addresses = host-physical (vk_gpa NULL).  A suite keeps its
 * own parts on top (a pmap, a vmspace) and finalizes them before
 * kmfix_stop.
 */
#ifndef EPTSIM_TESTS_KMFIX_H
#define EPTSIM_TESTS_KMFIX_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel-model/vm_kern.h"
#include "sim/pmem.h"

struct kmfix {
	bool up_mem, up_kern;   /* what kmfix_stop must finalize */
	struct pmem mem;
	struct vm_kern k;
};

/*
 * kmfix_start - memory of `frames` frames and a kernel "test" owning
 * frames [1, frames) with `swap_pages` pages of swap.  `f` must be zeroed
 * (or stopped) beforehand.  On failure the running cmocka test fails;
 * each part is marked up as soon as it is, so kmfix_stop finalizes
 * exactly what was set up.
 */
void kmfix_start(struct kmfix *f, uint64_t frames, uint64_t swap_pages);

/*
 * kmfix_stop - finalize what kmfix_start set up, kernel before memory.
 * Safe on a zeroed or partly started fixture; leaves `f` stopped.
 */
void kmfix_stop(struct kmfix *f);

#endif
