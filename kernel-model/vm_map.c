/*
 * vm_map.c - the address map of one process (see vm_map.h).
 *
 * A sorted array, not a tree: processes of the workloads have a handful of
 * regions, lookups (one per fault) are a binary search, and an insert that
 * moves the tail is cheap at this size.  If workloads grow to thousands of
 * regions with frequent inserts, this is the place for a tree.
 */
#include "kernel-model/vm_map.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define VM_MAP_MIN_CAP 8u

void vm_map_init(struct vm_map *m)
{
	memset(m, 0, sizeof(*m));
}

void vm_map_fini(struct vm_map *m)
{
	free(m->vm_ent);
	memset(m, 0, sizeof(*m));
}

/* vm_map_upper - index of the first region that starts above `va`. */
static size_t vm_map_upper(const struct vm_map *m, uint64_t va)
{
	size_t lo = 0, hi = m->vm_nent;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->vm_ent[mid].vme_start <= va)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* vm_map_grow - room for one more entry.  0 or -ENOMEM. */
static int vm_map_grow(struct vm_map *m)
{
	struct vm_map_entry *ent;
	size_t cap;

	if (m->vm_nent < m->vm_cap)
		return 0;
	cap = m->vm_cap ? m->vm_cap * 2 : VM_MAP_MIN_CAP;
	if (cap < m->vm_cap || cap > SIZE_MAX / sizeof(*ent))
		return -ENOMEM;
	ent = realloc(m->vm_ent, cap * sizeof(*ent));
	if (!ent)
		return -ENOMEM;
	m->vm_ent = ent;
	m->vm_cap = cap;
	return 0;
}

int vm_map_insert(struct vm_map *m, uint64_t start, uint64_t end,
		  uint32_t prot)
{
	size_t i;
	int err;

	if ((start & PAGE_MASK) != 0 || (end & PAGE_MASK) != 0 || start >= end)
		return -EINVAL;
	/* regions before i start at or below `start`; only i-1 can reach it */
	i = vm_map_upper(m, start);
	if (i > 0 && m->vm_ent[i - 1].vme_end > start)
		return -EEXIST;
	if (i < m->vm_nent && m->vm_ent[i].vme_start < end)
		return -EEXIST;
	err = vm_map_grow(m);
	if (err)
		return err;
	memmove(&m->vm_ent[i + 1], &m->vm_ent[i],
		(m->vm_nent - i) * sizeof(*m->vm_ent));
	m->vm_ent[i] = (struct vm_map_entry){
		.vme_start = start,
		.vme_end = end,
		.vme_prot = prot,
	};
	m->vm_nent++;
	return 0;
}

const struct vm_map_entry *vm_map_lookup(const struct vm_map *m, uint64_t va)
{
	size_t i = vm_map_upper(m, va);

	if (i == 0 || va >= m->vm_ent[i - 1].vme_end)
		return NULL;
	return &m->vm_ent[i - 1];
}
