/*
 * vm_mmap.c - the memory system calls of a vmspace: mmap, munmap,
 * mprotect, madvise(MADV_DONTNEED), brk (see vm_fault.h).
 *
 * Each changes the map, the objects and the pmap together, in the order
 * that keeps the page tables from ever mapping what the map does not:
 * clip the regions (the only step that can fail on host memory before
 * anything changed), then the page tables, then the pages, then the map.
 *
 * Freeing on munmap.  A page of an object must go when no region maps it
 * any more.  This map knows its own regions but not other address spaces
 * (DragonFly's second vmspace maps the same objects), so the rule is:
 * when every reference to the object is a region of this map, free the
 * pages of the unmapped part that no remaining region of this map maps;
 * when another address space holds a reference, free nothing and leave
 * the pages to the last holder (vm_object_fini).  Pages of a shared
 * object that no one maps any more are thus kept until the object dies,
 * a leak bounded by the object, and never a page freed under a mapping.
 *
 * The heap.  brk keeps the heap one region backed by one object that is
 * sized for the whole VM_BRK_LIMIT (objects are sparse: only touched
 * pages cost) and coloured like the fault path's objects (page index
 * congruent to the virtual page modulo 512), so growing extends the
 * region in place instead of adding a region and an object per call,
 * and a large heap can use superpages.
 */
#include "kernel-model/vm_fault.h"

#include <errno.h>

#define VM_PROT_ALL (VM_PROT_READ | VM_PROT_WRITE | VM_PROT_EXEC)
#define SP_SIZE ((uint64_t)VM_SP_PAGES << PAGE_SHIFT)
#define SP_MASK (SP_SIZE - 1)

/* vs_user_top - one past the highest user address: the lower canonical half */
static uint64_t vs_user_top(const struct vmspace *vs)
{
	return UINT64_C(1) << (PAGE_SHIFT + 9 * vs->vs_pmap.pm_levels - 1);
}

/* vs_round - `len` rounded up to whole pages; 0 when that overflows */
static uint64_t vs_round(uint64_t len)
{
	return len > UINT64_MAX - PAGE_MASK ? 0 : (len + PAGE_MASK) & ~PAGE_MASK;
}

/* vs_covered - 0 if every page of [sva, eva) is in a region, else -ENOMEM */
static int vs_covered(const struct vmspace *vs, uint64_t sva, uint64_t eva)
{
	const struct vm_map *m = &vs->vs_map;
	uint64_t cur = sva;

	for (size_t i = vm_map_after(m, sva); cur < eva; i++) {
		if (i >= m->vm_nent || m->vm_ent[i].vme_start > cur)
			return -ENOMEM;
		cur = m->vm_ent[i].vme_end;
	}
	return 0;
}

/* vs_pages - the page range of the object that region `e` maps */
static void vs_pages(const struct vm_map_entry *e, uint64_t *lo, uint64_t *hi)
{
	*lo = e->vme_offset;
	*hi = e->vme_offset + ((e->vme_end - e->vme_start) >> PAGE_SHIFT);
}

/*
 * vs_release_pages - regions [i, j) are going: free the pages [lo, hi) of
 * `r` that no other region of the map maps, under the rule at the top.
 */
static int vs_release_pages(struct vmspace *vs, struct vm_objref *r,
			    uint64_t lo, uint64_t hi, size_t i, size_t j)
{
	const struct vm_map *m = &vs->vs_map;
	unsigned here = 0, kept = 0;
	uint64_t cur = lo;
	int err;

	for (size_t k = 0; k < m->vm_nent; k++) {
		if (m->vm_ent[k].vme_obj != r)
			continue;
		here++;
		kept += k < i || k >= j;
	}
	if (here != r->or_refs || kept == 0)
		return 0; /* another space maps it, or it dies with the map entries */
	while (cur < hi) {
		uint64_t next = hi, elo, ehi;
		bool covered = false;

		for (size_t k = 0; k < m->vm_nent && !covered; k++) {
			if (m->vm_ent[k].vme_obj != r || (k >= i && k < j))
				continue;
			vs_pages(&m->vm_ent[k], &elo, &ehi);
			if (elo <= cur && cur < ehi) {
				cur = ehi;
				covered = true;
			} else if (elo > cur && elo < next) {
				next = elo;
			}
		}
		if (covered)
			continue;
		err = vm_object_page_remove(&r->or_obj, cur, next);
		if (err)
			return err;
		cur = next;
	}
	return 0;
}

/* vs_unmap - munmap of [sva, eva), page aligned, holes allowed */
static int vs_unmap(struct vmspace *vs, uint64_t sva, uint64_t eva)
{
	struct vm_map *m = &vs->vs_map;
	uint64_t lo, hi;
	size_t i, j;
	int err;

	err = vm_map_clip(m, sva);
	if (!err)
		err = vm_map_clip(m, eva);
	if (err)
		return err;
	i = vm_map_after(m, sva);
	for (j = i; j < m->vm_nent && m->vm_ent[j].vme_start < eva; j++) {
		err = pmap_remove(&vs->vs_pmap, m->vm_ent[j].vme_start,
				  m->vm_ent[j].vme_end);
		if (err)
			return err;
	}
	for (size_t k = i; k < j; k++) {
		struct vm_objref *r = m->vm_ent[k].vme_obj;

		if (!r)
			continue;
		vs_pages(&m->vm_ent[k], &lo, &hi);
		err = vs_release_pages(vs, r, lo, hi, i, j);
		if (err)
			return err;
	}
	return vm_map_delete(m, sva, eva);
}

/*
 * vs_find_gap - the highest `align`-aligned start of `size` free bytes in
 * [VM_MMAP_MIN, vs_mmap_base).  0 or -ENOMEM.
 */
static int vs_find_gap(const struct vmspace *vs, uint64_t size,
		       uint64_t align, uint64_t *out)
{
	const struct vm_map *m = &vs->vs_map;
	uint64_t top = vs_user_top(vs);
	uint64_t hi = vs->vs_mmap_base < top ? vs->vs_mmap_base : top;

	/* the gap below region i; i == vm_nent: below hi */
	for (size_t i = m->vm_nent + 1; i-- > 0;) {
		uint64_t gtop = hi, gbot = VM_MMAP_MIN, cand;

		if (i < m->vm_nent && m->vm_ent[i].vme_start < hi)
			gtop = m->vm_ent[i].vme_start;
		if (i > 0 && m->vm_ent[i - 1].vme_end > gbot)
			gbot = m->vm_ent[i - 1].vme_end;
		if (gtop <= VM_MMAP_MIN)
			break; /* everything lower is below the floor */
		if (gtop <= gbot || gtop - gbot < size)
			continue;
		cand = (gtop - size) & ~(align - 1);
		if (cand >= gbot) {
			*out = cand;
			return 0;
		}
	}
	return -ENOMEM;
}

/*
 * A length that is a multiple of 2 MiB is placed 2 MiB aligned when such
 * a place exists, else anywhere it fits (Linux's THP alignment does the
 * same fallback).
 */
int vmspace_mmap(struct vmspace *vs, uint64_t *addr, uint64_t len,
		 uint32_t prot, bool fixed)
{
	uint64_t size = vs_round(len), top = vs_user_top(vs), start;
	int err;

	if (len == 0 || (prot & ~VM_PROT_ALL) != 0)
		return -EINVAL;
	if (size == 0 || size > top)
		return -ENOMEM;
	if (fixed) {
		start = *addr;
		if ((start & PAGE_MASK) != 0 || start < VM_MMAP_MIN ||
		    start > top - size)
			return -EINVAL;
		err = vs_unmap(vs, start, start + size);
	} else {
		err = -ENOMEM;
		if ((size & SP_MASK) == 0)
			err = vs_find_gap(vs, size, SP_SIZE, &start);
		if (err)
			err = vs_find_gap(vs, size, PAGE_SIZE, &start);
	}
	if (err)
		return err;
	err = vm_map_insert(&vs->vs_map, start, start + size, prot, NULL, 0);
	if (err)
		return err;
	*addr = start;
	return 0;
}

int vmspace_munmap(struct vmspace *vs, uint64_t addr, uint64_t len)
{
	uint64_t size = vs_round(len), top = vs_user_top(vs);

	if ((addr & PAGE_MASK) != 0 || len == 0 || size == 0 || size > top ||
	    addr > top - size)
		return -EINVAL;
	return vs_unmap(vs, addr, addr + size);
}

/*
 * Linux's order of checks: alignment and flags (-EINVAL), length 0 is a
 * success, a hole (-ENOMEM), a right above maxprot (-EACCES); nothing
 * changes unless all pass.
 */
int vmspace_mprotect(struct vmspace *vs, uint64_t addr, uint64_t len,
		     uint32_t prot)
{
	struct vm_map *m = &vs->vs_map;
	uint64_t size = vs_round(len), eva;
	size_t i;
	int err;

	if ((addr & PAGE_MASK) != 0 || (prot & ~VM_PROT_ALL) != 0)
		return -EINVAL;
	if (len == 0)
		return 0;
	if (size == 0 || addr > UINT64_MAX - size)
		return -ENOMEM;
	eva = addr + size;
	err = vs_covered(vs, addr, eva);
	if (err)
		return err;
	for (i = vm_map_after(m, addr);
	     i < m->vm_nent && m->vm_ent[i].vme_start < eva; i++)
		if ((prot & ~m->vm_ent[i].vme_maxprot) != 0)
			return -EACCES;
	err = vm_map_clip(m, addr);
	if (!err)
		err = vm_map_clip(m, eva);
	if (err)
		return err;
	for (i = vm_map_after(m, addr);
	     i < m->vm_nent && m->vm_ent[i].vme_start < eva; i++) {
		struct vm_map_entry *e = &m->vm_ent[i];
		uint32_t old = e->vme_prot;

		e->vme_prot = prot;
		if ((old & ~prot) == 0)
			continue; /* raised or kept: the next fault maps with more */
		err = pmap_protect(&vs->vs_pmap, e->vme_start, e->vme_end, prot);
		if (err)
			return err;
	}
	return 0;
}

int vmspace_madvise_dontneed(struct vmspace *vs, uint64_t addr, uint64_t len)
{
	struct vm_map *m = &vs->vs_map;
	uint64_t size = vs_round(len), eva;
	int err;

	if ((addr & PAGE_MASK) != 0)
		return -EINVAL;
	if (len == 0)
		return 0;
	if (size == 0 || addr > UINT64_MAX - size)
		return -EINVAL;
	eva = addr + size;
	err = vs_covered(vs, addr, eva);
	if (err)
		return err;
	for (size_t i = vm_map_after(m, addr);
	     i < m->vm_nent && m->vm_ent[i].vme_start < eva; i++) {
		const struct vm_map_entry *e = &m->vm_ent[i];
		uint64_t s = e->vme_start > addr ? e->vme_start : addr;
		uint64_t t = e->vme_end < eva ? e->vme_end : eva;

		err = pmap_remove(&vs->vs_pmap, s, t);
		if (!err && e->vme_obj)
			err = vm_object_page_remove(
				&e->vme_obj->or_obj,
				e->vme_offset + ((s - e->vme_start) >> PAGE_SHIFT),
				e->vme_offset + ((t - e->vme_start) >> PAGE_SHIFT));
		if (err)
			return err;
	}
	return 0;
}

/* Linux's start_brk is page aligned (load_elf_binary: ELF_PAGEALIGN) */
void vmspace_set_brk_base(struct vmspace *vs, uint64_t base)
{
	vs->vs_brk_base = vs_round(base);
	vs->vs_brk = vs->vs_brk_base;
}

/*
 * vs_heap_grow - map [oend, nend) for the heap: extend the heap's region
 * in place, or add one with a new heap object (see the top).  0, -EEXIST
 * (another region is in the way: brk fails softly), -ENOMEM.
 */
static int vs_heap_grow(struct vmspace *vs, uint64_t oend, uint64_t nend)
{
	struct vm_map *m = &vs->vs_map;
	uint64_t hbase = vs->vs_brk_base & ~SP_MASK;
	uint64_t htop = (vs->vs_brk_base + VM_BRK_LIMIT + SP_MASK) & ~SP_MASK;
	uint64_t hpages = (htop - hbase) >> PAGE_SHIFT;
	struct vm_map_entry *prev = NULL;
	struct vm_objref *r;
	size_t i = vm_map_after(m, oend);
	int err;

	if (i < m->vm_nent && m->vm_ent[i].vme_start < nend)
		return -EEXIST;
	if (oend > vs->vs_brk_base)
		prev = vm_map_lookup(m, oend - 1);
	if (prev && prev->vme_end == oend && prev->vme_start >= vs->vs_brk_base &&
	    prev->vme_obj && prev->vme_prot == (VM_PROT_READ | VM_PROT_WRITE) &&
	    prev->vme_offset == (prev->vme_start - hbase) >> PAGE_SHIFT &&
	    prev->vme_obj->or_obj.vo_size >= (nend - hbase) >> PAGE_SHIFT) {
		prev->vme_end = nend; /* the heap region, grown in place */
		return 0;
	}
	err = vm_objref_new(vs->vs_kern, hpages, &r);
	if (err)
		return err;
	err = vm_map_insert(m, oend, nend, VM_PROT_READ | VM_PROT_WRITE, r,
			    (oend - hbase) >> PAGE_SHIFT);
	vm_objref_rele(r); /* the region holds it now, or it is freed */
	return err;
}

int vmspace_brk(struct vmspace *vs, uint64_t want, uint64_t *cur)
{
	uint64_t base = vs->vs_brk_base, oend, nend;
	int err = 0;

	*cur = vs->vs_brk;
	if (base == 0 || want < base || want - base > VM_BRK_LIMIT)
		return 0; /* a query, or out of range: the break stays */
	oend = vs_round(vs->vs_brk);
	nend = vs_round(want);
	if (nend > oend)
		err = vs_heap_grow(vs, oend, nend);
	else if (nend < oend)
		err = vs_unmap(vs, nend, oend);
	if (err == -EEXIST)
		return 0;
	if (err)
		return err;
	vs->vs_brk = want;
	*cur = want;
	return 0;
}
