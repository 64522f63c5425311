/*
 * vm_map.h - the address map of one address space: non-overlapping
 * page-aligned regions, sorted by start address, each naming the object
 * behind it and the offset into it, with its protection and the most it
 * may ever be given (FreeBSD's vm_map_entry: protection, max_protection).
 *
 * An object may be mapped by several entries (a region split by mprotect
 * keeps one object; DragonFly's second vmspace maps the same objects);
 * entries hold a reference, and the last one gone frees it.  The map
 * only keeps the list: vmspace (vm_fault.h) does the system calls.
 */
#ifndef EPTSIM_KERNEL_MODEL_VM_MAP_H
#define EPTSIM_KERNEL_MODEL_VM_MAP_H

#include "kernel-model/vm_object.h"
#include "sim/base.h"

/* a reference-counted object, shared by the entries that map it */
struct vm_objref {
	struct vm_object or_obj;
	unsigned or_refs;
};

struct vm_map_entry {
	uint64_t vme_start;     /* first byte, page aligned */
	uint64_t vme_end;       /* one past the last byte, page aligned */
	uint32_t vme_prot;      /* VM_PROT_* */
	uint32_t vme_maxprot;
	struct vm_objref *vme_obj; /* NULL: not backed yet (made on first fault) */
	uint64_t vme_offset;    /* page index in the object of vme_start */
};

struct vm_map {
	struct vm_map_entry *vm_ent; /* sorted by vme_start */
	size_t vm_nent;
	size_t vm_cap;
};

void vm_map_init(struct vm_map *m);

/* vm_map_fini - drop every entry's object reference (an object freed with its last one) */
void vm_map_fini(struct vm_map *m);

/*
 * vm_map_insert - add the region [start, end) with `prot` (maxprot: all),
 * backed by `obj` at page `offset` (a reference is taken), or by nothing
 * yet (obj NULL).  0, -EINVAL if not page aligned or empty, -EEXIST if it
 * overlaps a region, -ENOMEM.
 */
int vm_map_insert(struct vm_map *m, uint64_t start, uint64_t end,
		  uint32_t prot, struct vm_objref *obj,
		  uint64_t offset) MUST_CHECK;

/* vm_map_after - index in vm_ent of the first region that ends above `va` (vm_nent if none) */
size_t vm_map_after(const struct vm_map *m, uint64_t va);

/* vm_map_lookup - the region containing `va`, or NULL. */
struct vm_map_entry *vm_map_lookup(const struct vm_map *m, uint64_t va);

/*
 * vm_map_clip - split regions so that `addr` (page aligned) is a region
 * boundary if a region contains it.  0 or -ENOMEM.
 */
int vm_map_clip(struct vm_map *m, uint64_t addr) MUST_CHECK;

/*
 * vm_map_delete - remove the regions in [start, end) (clipping partial
 * ones), dropping their object references.  It does not touch pages or
 * page tables: vmspace_munmap does that first.  0 or -ENOMEM.
 */
int vm_map_delete(struct vm_map *m, uint64_t start, uint64_t end) MUST_CHECK;

/*
 * vm_objref_new - a new anonymous object of `size` pages in `k` with one
 * reference; vm_objref_rele drops one (freeing the object with the last).
 */
int vm_objref_new(struct vm_kern *k, uint64_t size,
		  struct vm_objref **out) MUST_CHECK;
void vm_objref_rele(struct vm_objref *r);

#endif
