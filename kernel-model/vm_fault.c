/*
 * vm_fault.c - address spaces and the page-fault handler (see vm_fault.h).
 * The memory system calls are in vm_mmap.c.
 *
 * A fault finds the region, makes the page resident through the region's
 * object (vm_object_grab: zero fill, swap in, or already there) and maps
 * it with all the region allows, so a later access of any allowed type
 * needs no second fault.  A mapping with fewer rights than the region
 * (mprotect raised them, or the pmap write-protected the page to track
 * modification) is simply entered again: pmap_enter replaces it.
 *
 * Objects are made on first fault, sized to the region and "coloured" as
 * FreeBSD colours them (vm_object_color): page index p of the object
 * backs the page whose virtual page number is p modulo 512, so the
 * object's naturally aligned 512-page groups (its superpage reservations)
 * are exactly the region's 2 MiB-aligned virtual ranges, wherever the
 * region starts.  The pages below the region's offset are never used and
 * cost nothing (objects are sparse).
 */
#include "kernel-model/vm_fault.h"

#include <errno.h>
#include <string.h>

#define SP_SIZE ((uint64_t)VM_SP_PAGES << PAGE_SHIFT)
#define SP_MASK (SP_SIZE - 1)

int vmspace_init(struct vmspace *vs, struct vm_kern *k, enum pmap_type type,
		 unsigned maxphyaddr, unsigned levels, unsigned pmap_flags)
{
	int err;

	memset(vs, 0, sizeof(*vs));
	vs->vs_kern = k;
	vs->vs_mmap_base = VM_MMAP_TOP;
	vm_map_init(&vs->vs_map);
	err = pmap_init(&vs->vs_pmap, type, k, maxphyaddr, levels, pmap_flags);
	if (err)
		vm_map_fini(&vs->vs_map);
	return err;
}

/*
 * Mappings go first, through pmap_remove, so each page's M and A reach
 * its vm_page (an object another vmspace still maps keeps that state);
 * then the references, the last of each freeing its object's pages and
 * swap; then the tables.  The pmap's invalidation hooks must still work
 * while this runs.  A pmap_remove that fails (a guest's memory out of
 * reach) leaves its mappings to vm_object_fini, which unmaps every page
 * it frees, and to pmap_fini.
 */
void vmspace_fini(struct vmspace *vs)
{
	struct vm_map *m = &vs->vs_map;

	for (size_t i = 0; i < m->vm_nent; i++) {
		int rc = pmap_remove(&vs->vs_pmap, m->vm_ent[i].vme_start,
				     m->vm_ent[i].vme_end);

		(void)rc; /* see above */
	}
	vm_map_fini(m);
	pmap_fini(&vs->vs_pmap);
	vs->vs_kern = NULL;
}

/* vm_fault_pte_allows - whether leaf entry `pte` of `pm` allows an access of `type` */
static bool vm_fault_pte_allows(const struct pmap *pm, uint64_t pte,
				uint32_t type)
{
	const uint64_t PG_V = pm->pm_bits[PMAP_BIT_V];
	const uint64_t PG_RW = pm->pm_bits[PMAP_BIT_RW];
	const uint64_t PG_NX = pm->pm_bits[PMAP_BIT_NX];
	const uint64_t PG_X = pm->pm_bits[PMAP_BIT_X];

	if ((pte & PG_V) != PG_V)
		return false;
	switch (type) {
	case VM_PROT_WRITE:
		return (pte & PG_RW) != 0;
	case VM_PROT_EXEC:
		if (PG_NX != 0 && (pte & PG_NX) != 0)
			return false;
		return PG_X == 0 || (pte & PG_X) != 0;
	default:
		return true;
	}
}

/* vm_fault_object - back region `e` by a new object, coloured (see the top) */
static int vm_fault_object(struct vmspace *vs, struct vm_map_entry *e)
{
	uint64_t color = (e->vme_start & SP_MASK) >> PAGE_SHIFT;
	uint64_t pages = (e->vme_end - e->vme_start) >> PAGE_SHIFT;
	struct vm_objref *r;
	int err;

	err = vm_objref_new(vs->vs_kern, color + pages, &r);
	if (err)
		return err;
	e->vme_obj = r;
	e->vme_offset = color;
	return 0;
}

/*
 * vm_fault_sp_fits - whether region [start, end) mapped from page `offset`
 * covers the whole 2 MiB around `va` with page indexes congruent to the
 * virtual pages: the condition for mapping that 2 MiB by one entry.
 */
static bool vm_fault_sp_fits(uint64_t start, uint64_t end, uint64_t offset,
			     uint64_t va)
{
	uint64_t sva = va & ~SP_MASK;

	return sva >= start && end - sva >= SP_SIZE &&
	       ((start >> PAGE_SHIFT) & (VM_SP_PAGES - 1)) ==
		       (offset & (VM_SP_PAGES - 1));
}

/*
 * -ENOMEM leaves what was done: a page made resident stays in its object
 * (it is on the active queue, the daemon may take it), tables allocated
 * stay linked; the counts say what it cost.
 */
int vm_fault(struct vmspace *vs, uint64_t va, uint32_t type,
	     enum vm_fault_result *res)
{
	struct vm_kern *k = vs->vs_kern;
	struct pmap *pm = &vs->vs_pmap;
	struct vm_map_entry *e;
	struct vm_object *o;
	uint64_t pindex, pfn, pa, pte, start, end, offset;
	uint32_t prot;
	unsigned level;
	enum vm_grab how;
	int err;

	ES_ASSERT(type == VM_PROT_READ || type == VM_PROT_WRITE ||
		  type == VM_PROT_EXEC, "va=%#llx type=%#x",
		  (unsigned long long)va, type);
	k->vk_st.faults++;
	e = vm_map_lookup(&vs->vs_map, va);
	if (!e || !(e->vme_prot & type))
		return -EFAULT;
	err = pmap_extract(pm, va, &pa, &pte, &level);
	if (err == 0 && vm_fault_pte_allows(pm, pte, type)) {
		*res = VM_FAULT_SPURIOUS;
		return 0;
	}
	if (err != 0 && err != -ENOENT)
		return err;
	if (!e->vme_obj) {
		err = vm_fault_object(vs, e);
		if (err)
			return err;
	}
	/* values, not the entry: it is a pointer into the map's array */
	start = e->vme_start;
	end = e->vme_end;
	offset = e->vme_offset;
	prot = e->vme_prot;
	o = &e->vme_obj->or_obj;
	pindex = offset + ((va - start) >> PAGE_SHIFT);
	err = vm_object_grab(o, pindex, &pfn, &how);
	if (err)
		return err;
	/*
	 * Between the grab and the entry the page is on no pv list, so the
	 * daemon could take it; it cannot run here: vm_page_alloc_frame,
	 * pmap_enter's allocator, never runs it (vm_object.c).  A 2 MiB
	 * mapping with too few rights is demoted by pmap_enter, which then
	 * enters this page alone.
	 */
	err = pmap_enter(pm, va & ~PAGE_MASK, pfn, prot, type, 0);
	if (err)
		return err;
	*res = VM_FAULT_MAPPED;
	if (k->vk_superpages && (pm->pm_flags & PMAP_SUPERPAGES) != 0 &&
	    vm_fault_sp_fits(start, end, offset, va) &&
	    vm_object_reserv_full(o, pindex)) {
		err = pmap_promote_pde(pm, va & ~SP_MASK);
		if (err == -EAGAIN)
			err = 0; /* not yet: a page unmapped, or rights differ */
	}
	return err;
}
