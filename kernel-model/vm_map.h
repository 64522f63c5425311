/*
 * vm_map.h - the address map of one process: non-overlapping page-aligned
 * regions with their protection, kept sorted by start address.
 *
 * Only anonymous, demand-zero regions exist so far; the fault path maps a
 * zeroed frame on first touch.
 */
#ifndef EPTSIM_KERNEL_MODEL_VM_MAP_H
#define EPTSIM_KERNEL_MODEL_VM_MAP_H

#include "sim/base.h"

struct vm_map_entry {
	uint64_t vme_start;     /* first byte, page aligned */
	uint64_t vme_end;       /* one past the last byte, page aligned */
	uint32_t vme_prot;      /* VM_PROT_* */
};

struct vm_map {
	struct vm_map_entry *vm_ent; /* sorted by vme_start */
	size_t vm_nent;
	size_t vm_cap;
};

void vm_map_init(struct vm_map *m);
void vm_map_fini(struct vm_map *m);

/*
 * vm_map_insert - add the region [start, end) with `prot`.
 * Returns 0, -EINVAL if not page aligned or empty, -EEXIST if it overlaps
 * an existing region, -ENOMEM if the host is out of memory.
 */
int vm_map_insert(struct vm_map *m, uint64_t start, uint64_t end,
		  uint32_t prot) MUST_CHECK;

/* vm_map_lookup - the region containing `va`, or NULL. */
const struct vm_map_entry *vm_map_lookup(const struct vm_map *m, uint64_t va);

#endif
