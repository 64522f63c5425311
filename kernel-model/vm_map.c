/*
 * vm_map.c - the address map of one address space (see vm_map.h).
 *
 * A sorted array, not a tree: processes of the workloads have a handful of
 * regions, lookups (one per fault) are a binary search, and an insert that
 * moves the tail is cheap at this size.  If workloads grow to thousands of
 * regions with frequent inserts, this is the place for a tree.
 *
 * Objects are shared by reference.  Clipping a region in two keeps one
 * object behind both halves (a reference each, the second half's offset
 * moved on), FreeBSD's vm_map_clip_start; so does DragonFly's second
 * vmspace mapping the same memory.  The map never touches pages or page
 * tables: vmspace (vm_mmap.c) unmaps and frees before it deletes.
 */
#include "kernel-model/vm_map.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define VM_MAP_MIN_CAP 8u
#define VM_PROT_ALL (VM_PROT_READ | VM_PROT_WRITE | VM_PROT_EXEC)

void vm_map_init(struct vm_map *m)
{
	memset(m, 0, sizeof(*m));
}

void vm_map_fini(struct vm_map *m)
{
	for (size_t i = 0; i < m->vm_nent; i++)
		vm_objref_rele(m->vm_ent[i].vme_obj);
	free(m->vm_ent);
	memset(m, 0, sizeof(*m));
}

size_t vm_map_after(const struct vm_map *m, uint64_t va)
{
	size_t lo = 0, hi = m->vm_nent;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->vm_ent[mid].vme_end <= va)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * vm_map_upper - index of the first region that starts above `va`: the
 * first that ends above it, or the one after if that one contains va
 * (regions do not overlap).
 */
static size_t vm_map_upper(const struct vm_map *m, uint64_t va)
{
	size_t i = vm_map_after(m, va);

	return i < m->vm_nent && m->vm_ent[i].vme_start <= va ? i + 1 : i;
}

/* vm_map_lower - index of the first region that starts at or above `va`. */
static size_t vm_map_lower(const struct vm_map *m, uint64_t va)
{
	size_t i = vm_map_after(m, va);

	return i < m->vm_nent && m->vm_ent[i].vme_start < va ? i + 1 : i;
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
		  uint32_t prot, struct vm_objref *obj, uint64_t offset)
{
	size_t i;
	int err;

	if ((start & PAGE_MASK) != 0 || (end & PAGE_MASK) != 0 || start >= end)
		return -EINVAL;
	ES_ASSERT(!obj || offset + ((end - start) >> PAGE_SHIFT) <=
				  obj->or_obj.vo_size,
		  "start=%#llx end=%#llx offset=%llu size=%llu",
		  (unsigned long long)start, (unsigned long long)end,
		  (unsigned long long)offset,
		  (unsigned long long)obj->or_obj.vo_size);
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
		.vme_maxprot = VM_PROT_ALL,
		.vme_obj = obj,
		.vme_offset = obj ? offset : 0,
	};
	if (obj)
		obj->or_refs++;
	m->vm_nent++;
	return 0;
}

struct vm_map_entry *vm_map_lookup(const struct vm_map *m, uint64_t va)
{
	size_t i = vm_map_upper(m, va);

	if (i == 0 || va >= m->vm_ent[i - 1].vme_end)
		return NULL;
	return &m->vm_ent[i - 1];
}

int vm_map_clip(struct vm_map *m, uint64_t addr)
{
	struct vm_map_entry *e;
	size_t i;
	int err;

	ES_ASSERT((addr & PAGE_MASK) == 0, "addr=%#llx",
		  (unsigned long long)addr);
	i = vm_map_upper(m, addr);
	if (i == 0 || addr >= m->vm_ent[i - 1].vme_end ||
	    addr == m->vm_ent[i - 1].vme_start)
		return 0; /* outside every region, or a boundary already */
	err = vm_map_grow(m); /* may move the array: index, not pointer */
	if (err)
		return err;
	memmove(&m->vm_ent[i + 1], &m->vm_ent[i],
		(m->vm_nent - i) * sizeof(*m->vm_ent));
	m->vm_nent++;
	e = &m->vm_ent[i - 1];
	m->vm_ent[i] = *e;
	m->vm_ent[i].vme_start = addr;
	e->vme_end = addr;
	if (e->vme_obj) {
		m->vm_ent[i].vme_offset += (addr - e->vme_start) >> PAGE_SHIFT;
		e->vme_obj->or_refs++;
	}
	return 0;
}

int vm_map_delete(struct vm_map *m, uint64_t start, uint64_t end)
{
	size_t i, j;
	int err;

	ES_ASSERT((start & PAGE_MASK) == 0 && (end & PAGE_MASK) == 0,
		  "start=%#llx end=%#llx", (unsigned long long)start,
		  (unsigned long long)end);
	if (start >= end)
		return 0;
	err = vm_map_clip(m, start);
	if (!err)
		err = vm_map_clip(m, end);
	if (err)
		return err; /* a clip that was made is harmless: same mapping */
	/* [i, j): the regions inside [start, end) now that the ends are boundaries */
	i = vm_map_lower(m, start);
	j = vm_map_lower(m, end);
	if (i == j)
		return 0; /* nothing there (the array may not even exist) */
	for (size_t k = i; k < j; k++)
		vm_objref_rele(m->vm_ent[k].vme_obj);
	memmove(&m->vm_ent[i], &m->vm_ent[j],
		(m->vm_nent - j) * sizeof(*m->vm_ent));
	m->vm_nent -= j - i;
	return 0;
}

int vm_objref_new(struct vm_kern *k, uint64_t size, struct vm_objref **out)
{
	struct vm_objref *r = calloc(1, sizeof(*r));
	int err;

	*out = NULL;
	if (!r)
		return -ENOMEM;
	err = vm_object_init(&r->or_obj, k, size);
	if (err) {
		free(r);
		return err;
	}
	r->or_refs = 1;
	*out = r;
	return 0;
}

/* vm_objref_rele - NULL is allowed (a region not backed yet) */
void vm_objref_rele(struct vm_objref *r)
{
	if (!r)
		return;
	ES_ASSERT(r->or_refs > 0, "objref=%p refs=%u", (void *)r, r->or_refs);
	if (--r->or_refs > 0)
		return;
	vm_object_fini(&r->or_obj);
	free(r);
}
