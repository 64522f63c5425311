/*
 * kmfix.h - the fixture the kernel-model unit suites share: fresh simulated
 * physical memory and the frame allocator over it.  A suite keeps its own
 * parts on top (a pmap, a vmspace) and finalizes them before kmfix_stop.
 */
#ifndef EPTSIM_TESTS_KMFIX_H
#define EPTSIM_TESTS_KMFIX_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel-model/vm_phys.h"
#include "sim/pmem.h"

struct kmfix {
	bool up_mem, up_phys;   /* what kmfix_stop must finalize */
	struct pmem mem;
	struct vm_phys vp;
};

/*
 * kmfix_start - memory of `frames` frames and an allocator over it.
 * `f` must be zeroed (or stopped) beforehand.  On failure the running
 * cmocka test fails; each part is marked up as soon as it is, so
 * kmfix_stop finalizes exactly what was set up.
 */
void kmfix_start(struct kmfix *f, uint64_t frames);

/*
 * kmfix_stop - finalize what kmfix_start set up, allocator before memory.
 * Safe on a zeroed or partly started fixture; leaves `f` stopped.
 */
void kmfix_stop(struct kmfix *f);

#endif
