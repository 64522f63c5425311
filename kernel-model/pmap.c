/*
 * pmap.c - page tables of one address space (see pmap.h): creation and
 * teardown, the walk, pmap_enter, pmap_remove, pmap_protect,
 * pmap_extract, and where invalidations go.
 *
 * Every function binds the bits it needs from pm_bits[] to locals named
 * like FreeBSD's (PG_V, PG_RW, ...) and never names a format's bits
 * itself; pmap_bits.c knows the formats (and pmap_int.h the two bits of
 * a table entry).  So one walk serves x86 and every EPT variant, and a
 * paired pmap differs only inside pmap_load and pmap_store.
 *
 * The tables are walked top-down by one loop over levels.  A table is the
 * physical address of a 4 KiB frame of the pmap's kernel; every entry is
 * read and written through vm_kern_read64 / vm_kern_write64, never through
 * a host pointer kept across calls: a guest kernel's tables live in
 * guest-physical memory, which its host may move between two calls.
 * Level numbering is pte.h's: 1 is the PT, 4 the PML4.
 *
 *   level:     4          3          2          1
 *   VA bits: 47..39     38..30     29..21     20..12     11..0
 *            PML4E ---> PDPTE ---> PDE -----> PTE -----> page + offset
 *                                   \--(PS)--------------> 2 MiB page
 *
 * With 5 levels a PML5 (VA bits 56..48) sits on top.  For a PT_EPT pmap
 * the "VA" is a guest-physical address, and the same split applies (SDM
 * Vol. 3C §29.3.2).
 */
#include <errno.h>
#include <string.h>

#include "kernel-model/pmap_int.h"
#include "kernel-model/vm_object.h"

/* ---- frames and entries ------------------------------------------------ */

/*
 * pmap_page - the vm_page of frame `pfn` if the pmap's kernel ever handed
 * it out (then it must be allocated: mapping a free frame is a bug that
 * vm_phys_page reports), else NULL: a frame no allocator knows, such as
 * device memory, is never managed.
 */
static struct vm_page *pmap_page(const struct pmap *pm, uint64_t pfn)
{
	struct vm_phys *vp = &pm->pm_kern->vk_phys;

	if (pfn < vp->vp_first || pfn >= vp->vp_bump)
		return NULL;
	return vm_phys_page(vp, pfn);
}

/* pmap_ptcount - the entry count of the table at `table` (pmap_int.h) */
static struct vm_page *pmap_ptcount(const struct pmap *pm, uint64_t table)
{
	return vm_phys_page(&pm->pm_kern->vk_phys, table >> PAGE_SHIFT);
}

/*
 * pmap_ptpage_alloc - a zeroed page-table page (a pair with PMAP_PAIRED)
 * at *table, with no entries.  0 or -ENOMEM.
 */
int pmap_ptpage_alloc(struct pmap *pm, uint64_t *table)
{
	struct vm_kern *k = pmap_kern(pm);
	unsigned order = pmap_pt_order(pm);
	uint64_t pfn;
	int rc = vm_page_alloc_frame(k, VMP_PTPAGE, order, &pfn);

	if (rc < 0)
		return rc;
	vm_phys_page(&k->vk_phys, pfn)->vmp_wire = 1;
	pm->pm_ptpages += UINT64_C(1) << order;
	k->vk_st.pt_allocs += UINT64_C(1) << order;
	*table = pfn << PAGE_SHIFT;
	return 0;
}

/* pmap_ptpage_free - give back the page-table page (pair) at `table` */
void pmap_ptpage_free(struct pmap *pm, uint64_t table)
{
	struct vm_kern *k = pmap_kern(pm);
	unsigned order = pmap_pt_order(pm);
	struct vm_page *m = pmap_ptcount(pm, table);

	ES_ASSERT(m->vmp_kind == VMP_PTPAGE && pm->pm_ptpages >= (1u << order),
		  "table=%#llx kind=%u ptpages=%llu", (unsigned long long)table,
		  m->vmp_kind, (unsigned long long)pm->pm_ptpages);
	m->vmp_wire = 0;
	vm_phys_free_order(&k->vk_phys, table >> PAGE_SHIFT, order);
	pm->pm_ptpages -= UINT64_C(1) << order;
	k->vk_st.pt_frees += UINT64_C(1) << order;
}

/*
 * pmap_load - the entry at `epa` (at `level`).  For a paired leaf, with
 * the A and M the guest set in the EPT half folded in (pmap_int.h).
 */
int pmap_load(struct pmap *pm, uint64_t epa, unsigned level, uint64_t *e)
{
	uint64_t t;
	int rc = vm_kern_read64(pmap_kern(pm), epa, e);

	if (rc < 0 || !pmap_paired(pm) || !pmap_is_leaf(pm, *e, level))
		return rc;
	rc = vm_kern_read64(pmap_kern(pm), epa + PAGE_SIZE, &t);
	if (rc == 0)
		*e |= pmap_twin_ad(pm, t);
	return rc;
}

/*
 * pmap_store - write `e` to the entry at `epa` (at `level`), which was
 * non-zero if `was_set`, keeping its table's entry count; with
 * PMAP_PAIRED, the EPT twin too.  A failure between the two halves (only
 * the host running out of memory gets there) leaves them different.
 */
int pmap_store(struct pmap *pm, uint64_t epa, unsigned level, bool was_set,
	       uint64_t e)
{
	struct vm_kern *k = pmap_kern(pm);
	struct vm_page *m;
	int rc = vm_kern_write64(k, epa, e);

	if (rc == 0 && pmap_paired(pm))
		rc = vm_kern_write64(k, epa + PAGE_SIZE, pmap_twin(pm, e, level));
	if (rc < 0 || was_set == (e != 0))
		return rc;
	m = pmap_ptcount(pm, epa & ~PAGE_MASK);
	ES_ASSERT(e ? m->vmp_wire <= PT_ENTRIES : m->vmp_wire > 1,
		  "epa=%#llx wire=%u e=%#llx", (unsigned long long)epa,
		  m->vmp_wire, (unsigned long long)e);
	if (e)
		m->vmp_wire++;
	else
		m->vmp_wire--;
	return 0;
}

/* ---- the walk ----------------------------------------------------------- */

/*
 * pmap_walk - walk down for `va` to its entry at level `stop`, or stop
 * above at a leaf (2 MiB) or, unless `alloc`, at an empty entry.  With
 * `alloc`, missing tables are made on the way; if one cannot be, those
 * made are freed again.  *w says where it stopped.  0, -ENOMEM.
 */
int pmap_walk(struct pmap *pm, uint64_t va, unsigned stop, bool alloc,
	      struct pmap_walk *w)
{
	uint64_t table = pm->pm_root, epa = 0, e = 0, next;
	unsigned level;
	int rc, rc2;

	memset(w->w_table, 0, sizeof(w->w_table));
	for (level = pm->pm_levels;; level--) {
		w->w_table[level] = table;
		epa = pmap_entry_pa(table, va, level);
		rc = pmap_load(pm, epa, level, &e);
		if (rc < 0)
			goto fail;
		if (level == stop || pmap_is_leaf(pm, e, level))
			break;
		if (!pmap_is_table(pm, e, level)) {
			if (!alloc)
				break;
			rc = pmap_ptpage_alloc(pm, &next);
			if (rc < 0)
				goto fail;
			e = next | pmap_pde_bits(pm);
			rc = pmap_store(pm, epa, level, false, e);
			if (rc < 0) {
				pmap_ptpage_free(pm, next);
				goto fail;
			}
		}
		table = e & pmap_addr_mask(pm);
	}
	w->w_level = level;
	w->w_epa = epa;
	w->w_e = e;
	return 0;
fail:
	if (alloc) {
		rc2 = pmap_free_empty(pm, w, va, level, NULL);
		if (rc2 < 0)
			return rc2;
	}
	return rc;
}

/*
 * pmap_free_empty - free the table holding `va`'s entry at `level` (from
 * w->w_table) if it has no entries left, then its parent likewise, up to
 * but never including the root.  *freed (if not NULL) is set when one
 * was freed: a freed table may still sit in a paging-structure cache
 * (SDM Vol. 3A §4.10.3.1 lets a processor cache them for any address),
 * so the caller invalidates.  0 or -ENOMEM.
 */
int pmap_free_empty(struct pmap *pm, struct pmap_walk *w, uint64_t va,
		    unsigned level, bool *freed)
{
	for (; level < pm->pm_levels; level++) {
		uint64_t table = w->w_table[level];
		uint64_t pepa = pmap_entry_pa(w->w_table[level + 1], va, level + 1);
		int rc;

		if (pmap_ptcount(pm, table)->vmp_wire > 1)
			break;
		rc = pmap_store(pm, pepa, level + 1, true, 0);
		if (rc < 0)
			return rc;
		pmap_ptpage_free(pm, table);
		w->w_table[level] = 0;
		if (freed)
			*freed = true;
	}
	return 0;
}

/* ---- invalidation ------------------------------------------------------- */

/*
 * Requests are counted once each, by kind; PT_EPT and paired pmaps funnel
 * every kind into pmap_invalidate_ept (bhyve), paired and x86 pmaps also
 * tell the TLBs of the CPUs running the process (SDM Vol. 3A §4.10.4).
 */
void pmap_inval_page(struct pmap *pm, uint64_t va)
{
	pmap_kern(pm)->vk_st.inval_page++;
	if (pm->pm_type == PT_X86 && pm->pm_inval.pi_page)
		pm->pm_inval.pi_page(pm->pm_inval.pi_ctx, pm, va);
	if (pmap_eptish(pm))
		pmap_invalidate_ept(pm);
}

void pmap_inval_range(struct pmap *pm, uint64_t sva, uint64_t eva)
{
	pmap_kern(pm)->vk_st.inval_range++;
	if (pm->pm_type == PT_X86 && pm->pm_inval.pi_range)
		pm->pm_inval.pi_range(pm->pm_inval.pi_ctx, pm, sva, eva);
	if (pmap_eptish(pm))
		pmap_invalidate_ept(pm);
}

void pmap_invalidate_ept(struct pmap *pm)
{
	pm->pm_eptgen++;
	if (pm->pm_inval.pi_ept)
		pm->pm_inval.pi_ept(pm->pm_inval.pi_ctx, pm);
}

uint64_t pmap_eptp_root(const struct pmap *pm)
{
	ES_ASSERT(pmap_eptish(pm), "type=%d flags=%#x: no EPT", pm->pm_type,
		  pm->pm_flags);
	return pmap_paired(pm) ? pm->pm_root + PAGE_SIZE : pm->pm_root;
}

/* ---- creation and teardown ---------------------------------------------- */

int pmap_init(struct pmap *pm, enum pmap_type type, struct vm_kern *k,
	      unsigned maxphyaddr, unsigned levels, unsigned flags)
{
	int rc;

	memset(pm, 0, sizeof(*pm));
	/* the machine preset is validated before a pmap is made */
	ES_ASSERT(maxphyaddr > PAGE_SHIFT && maxphyaddr <= 52, "maxphyaddr=%u",
		  maxphyaddr);
	ES_ASSERT(levels == PT_LEVELS_4 || levels == PT_LEVELS_5, "levels=%u",
		  levels);
	ES_ASSERT(k->vk_phys.vp_frames <= UINT64_C(1) << (maxphyaddr - PAGE_SHIFT),
		  "frames=%llu do not fit maxphyaddr=%u",
		  (unsigned long long)k->vk_phys.vp_frames, maxphyaddr);
	rc = pmap_bits(pm, type, flags);
	if (rc == 0) {
		pm->pm_levels = levels;
		pm->pm_maxphyaddr = maxphyaddr;
		pm->pm_kern = k;
		rc = pmap_ptpage_alloc(pm, &pm->pm_root);
	}
	if (rc < 0)
		memset(pm, 0, sizeof(*pm));
	return rc;
}

/* pmap_canon - `va` sign-extended from the top VA bit (x86), as entered */
static uint64_t pmap_canon(const struct pmap *pm, uint64_t va)
{
	unsigned bits = pt_level_shift(pm->pm_levels) + PT_INDEX_BITS;

	if (pm->pm_type == PT_EPT)
		return va;
	return (uint64_t)((int64_t)(va << (64 - bits)) >> (64 - bits));
}

/*
 * pmap_fold - the reference and modify state of leaf `e` (at `level`),
 * the part `which` (VMP_A_*) selects, into the vmp_aflags of the pages it
 * maps if they are managed: it outlives the mapping (NetBSD's attributes;
 * FreeBSD's vm_page_dirty and PGA_REFERENCED).
 */
static void pmap_fold(struct pmap *pm, uint64_t e, unsigned level,
		      unsigned which)
{
	unsigned n = level == 1 ? 1u : VM_SP_PAGES;
	uint64_t pfn = pmap_leaf_pa(pm, e, level) >> PAGE_SHIFT;
	uint8_t a = (uint8_t)(((pmap_leaf_ref(pm, e) ? VMP_A_REFERENCED : 0) |
			       (pmap_leaf_mod(pm, e) ? VMP_A_MODIFIED : 0)) &
			      which);

	if (!(e & pm->pm_bits[PMAP_BIT_MANAGED]) || a == 0)
		return;
	for (unsigned i = 0; i < n; i++)
		pmap_page(pm, pfn + i)->vmp_aflags |= a;
}

/*
 * pmap_unmap - the bookkeeping of leaf `e` at `level` mapping `va` going
 * away (the entry itself is the caller's): its A/M folded into its pages,
 * their pv entries freed, pm_resident lowered.
 */
static void pmap_unmap(struct pmap *pm, uint64_t e, unsigned level, uint64_t va)
{
	unsigned n = level == 1 ? 1u : VM_SP_PAGES;
	uint64_t pfn = pmap_leaf_pa(pm, e, level) >> PAGE_SHIFT;

	va &= ~((UINT64_C(1) << pt_level_shift(level)) - 1);
	pmap_fold(pm, e, level, VMP_A_REFERENCED | VMP_A_MODIFIED);
	for (unsigned i = 0; (e & pm->pm_bits[PMAP_BIT_MANAGED]) && i < n; i++)
		pmap_pv_remove(pmap_page(pm, pfn + i), pm, va + i * PAGE_SIZE);
	pm->pm_resident -= n;
	if (level > 1)
		pm->pm_superpages--;
}

/*
 * pmap_fini_table - pmap_fini below the table at `table` (at `level`),
 * which maps from `base`: leaves unmapped without invalidation, tables
 * freed bottom-up.  A guest kernel whose memory cannot be read while its
 * address space is torn down would leave pv entries pointing at a dead
 * pmap: that is a broken invariant, not an error to return.
 */
static void pmap_fini_table(struct pmap *pm, uint64_t table, unsigned level,
			    uint64_t base)
{
	for (unsigned i = 0; i < PT_ENTRIES; i++) {
		uint64_t va = pmap_canon(pm, base | ((uint64_t)i << pt_level_shift(level)));
		uint64_t e;
		int rc = pmap_load(pm, table + i * PMAP_PTE_SIZE, level, &e);

		ES_ASSERT(rc == 0, "table=%#llx level=%u: rc=%d",
			  (unsigned long long)table, level, rc);
		if (pmap_is_leaf(pm, e, level))
			pmap_unmap(pm, e, level, va);
		else if (pmap_is_table(pm, e, level))
			pmap_fini_table(pm, e & pmap_addr_mask(pm), level - 1, va);
	}
	pmap_ptpage_free(pm, table);
}

void pmap_fini(struct pmap *pm)
{
	if (pm->pm_root != 0)
		pmap_fini_table(pm, pm->pm_root, pm->pm_levels, 0);
	ES_ASSERT(pm->pm_ptpages == 0 && pm->pm_resident == 0,
		  "ptpages=%llu resident=%llu left after the tree",
		  (unsigned long long)pm->pm_ptpages,
		  (unsigned long long)pm->pm_resident);
	memset(pm, 0, sizeof(*pm));
}

/* ---- removal ------------------------------------------------------------ */

/*
 * pmap_remove_leaf - clear the leaf w describes (w_level, w_epa, w_e) for
 * `va` and do its bookkeeping (pmap_unmap).  1 if it may have been cached
 * (A, or PMAP_ASSUME_AD), 0 if not, -ENOMEM.  Invalidation is the caller's.
 */
int pmap_remove_leaf(struct pmap *pm, const struct pmap_walk *w, uint64_t va)
{
	int rc = pmap_store(pm, w->w_epa, w->w_level, true, 0);

	if (rc < 0)
		return rc;
	pmap_unmap(pm, w->w_e, w->w_level, va);
	return pmap_leaf_ref(pm, w->w_e) ? 1 : 0;
}

/* what pmap_range_step found at the start of a step of a range operation */
enum pmap_step { PMAP_STEP_NONE, PMAP_STEP_DEMOTED, PMAP_STEP_SP, PMAP_STEP_PT };

/*
 * pmap_range_step - one step of an operation on [va, eva): walk to `va`,
 * set *next to where the step ends (the end of the entry or table found,
 * at most eva), and demote a 2 MiB mapping the range covers only in part
 * (PMAP_STEP_DEMOTED: walk again).  PMAP_STEP_SP: a 2 MiB leaf wholly
 * inside; PMAP_STEP_PT: a page table (w->w_table[1]) whose entries
 * [va, *next) are in the range; PMAP_STEP_NONE: nothing mapped there.
 * Or -ENOMEM.
 */
static int pmap_range_step(struct pmap *pm, uint64_t va, uint64_t eva,
			   struct pmap_walk *w, uint64_t *next)
{
	int rc = pmap_walk(pm, va, 1, false, w);

	if (rc < 0)
		return rc;
	*next = pmap_next(va, w->w_level == 1 ? PMAP_SP_LEVEL : w->w_level);
	if (*next == 0 || *next > eva)
		*next = eva;
	if (w->w_level > 1 && pmap_is_leaf(pm, w->w_e, w->w_level)) {
		if ((va & PMAP_SP_MASK) == 0 && *next == pmap_next(va, PMAP_SP_LEVEL))
			return PMAP_STEP_SP;
		rc = pmap_demote_walk(pm, w, va);
		return rc < 0 ? rc : PMAP_STEP_DEMOTED;
	}
	return w->w_level == 1 ? PMAP_STEP_PT : PMAP_STEP_NONE;
}

/*
 * pmap_remove_range - pmap_remove without the invalidation: *cached is
 * set if anything removed (or a table freed) may be cached.  One walk per
 * page table, then its entries in a row (FreeBSD's pmap_remove_ptes); a
 * 2 MiB mapping partly inside is demoted first.
 */
static int pmap_remove_range(struct pmap *pm, uint64_t sva, uint64_t eva,
			     bool *cached)
{
	struct pmap_walk w;
	uint64_t va = sva, next, pva;
	int rc;

	while (va < eva) {
		rc = pmap_range_step(pm, va, eva, &w, &next);
		if (rc < 0)
			return rc;
		if (rc == PMAP_STEP_DEMOTED)
			continue; /* walk again: a table, or nothing */
		if (rc == PMAP_STEP_SP) {
			rc = pmap_remove_leaf(pm, &w, va);
			if (rc < 0)
				return rc;
			*cached |= rc;
			rc = pmap_free_empty(pm, &w, va, PMAP_SP_LEVEL, cached);
			if (rc < 0)
				return rc;
		} else if (rc == PMAP_STEP_PT) {
			for (pva = va; va < next; va += PAGE_SIZE) {
				w.w_epa = pmap_entry_pa(w.w_table[1], va, 1);
				rc = pmap_load(pm, w.w_epa, 1, &w.w_e);
				if (rc == 0 && pmap_is_leaf(pm, w.w_e, 1))
					rc = pmap_remove_leaf(pm, &w, va);
				if (rc < 0)
					return rc;
				*cached |= rc;
			}
			rc = pmap_free_empty(pm, &w, pva, 1, cached);
			if (rc < 0)
				return rc;
		}
		va = next;
	}
	return 0;
}

/* pmap_range_ok - [sva, eva) page aligned, in one half of the address space */
static bool pmap_range_ok(const struct pmap *pm, uint64_t sva, uint64_t eva)
{
	return ((sva | eva) & PAGE_MASK) == 0 && sva <= eva &&
	       pmap_va_ok(pm, sva) && (sva == eva || pmap_va_ok(pm, eva - 1)) &&
	       (sva == eva || ((sva ^ (eva - 1)) >> 63) == 0);
}

/* pmap_inval_span - one invalidation for [sva, eva): a page or a range */
static void pmap_inval_span(struct pmap *pm, uint64_t sva, uint64_t eva)
{
	if (eva - sva == PAGE_SIZE)
		pmap_inval_page(pm, sva);
	else
		pmap_inval_range(pm, sva, eva);
}

int pmap_remove(struct pmap *pm, uint64_t sva, uint64_t eva)
{
	bool cached = false;
	int rc;

	ES_ASSERT(pmap_range_ok(pm, sva, eva), "sva=%#llx eva=%#llx",
		  (unsigned long long)sva, (unsigned long long)eva);
	rc = pmap_remove_range(pm, sva, eva, &cached);
	if (cached)
		pmap_inval_span(pm, sva, eva);
	return rc;
}

/* ---- protection --------------------------------------------------------- */

/*
 * pmap_protect_leaf - leaf w lowered: `clear` bits off, `set` bits on.
 * Losing RW folds M into the pages and clears it (FreeBSD's pmap_protect:
 * a clean read-only entry; with emulated A/D M is the hardware W, which
 * must go with bit 53).  1 if it changed and may be cached, else 0,
 * -ENOMEM.
 */
static int pmap_protect_leaf(struct pmap *pm, const struct pmap_walk *w,
			     uint64_t clear, uint64_t set)
{
	const uint64_t PG_RW = pm->pm_bits[PMAP_BIT_RW];
	uint64_t e = w->w_e, ne = (e & ~clear) | set;
	int rc;

	if (ne == e)
		return 0;
	if ((e & ~ne & PG_RW) && pmap_leaf_mod(pm, e))
		pmap_fold(pm, e, w->w_level, VMP_A_MODIFIED);
	rc = pmap_store(pm, w->w_epa, w->w_level, true, ne);
	if (rc < 0)
		return rc;
	return pmap_leaf_ref(pm, e) ? 1 : 0;
}

/*
 * pmap_x_removable - whether a leaf's execute right can be taken away:
 * not where execute is the user bit (bhyve) or part of valid (DragonFly).
 */
static bool pmap_x_removable(const struct pmap *pm)
{
	return pm->pm_bits[PMAP_BIT_X] &&
	       !(pm->pm_flags & (PMAP_EXEC_ALWAYS | PMAP_DFLY_BITS));
}

int pmap_protect(struct pmap *pm, uint64_t sva, uint64_t eva, uint32_t prot)
{
	uint64_t clear = 0, set = 0, va = sva, next;
	struct pmap_walk w;
	bool cached = false;
	int rc = 0;

	ES_ASSERT(pmap_range_ok(pm, sva, eva), "sva=%#llx eva=%#llx",
		  (unsigned long long)sva, (unsigned long long)eva);
	if (!(prot & VM_PROT_READ))
		return pmap_remove(pm, sva, eva);
	if (!(prot & VM_PROT_WRITE))
		clear |= pm->pm_bits[PMAP_BIT_RW] | pm->pm_bits[PMAP_BIT_M];
	if (!(prot & VM_PROT_EXEC)) {
		set |= pm->pm_bits[PMAP_BIT_NX];
		if (pmap_x_removable(pm))
			clear |= pm->pm_bits[PMAP_BIT_X];
	}
	while ((clear | set) != 0 && va < eva) {
		rc = pmap_range_step(pm, va, eva, &w, &next);
		if (rc < 0)
			break;
		if (rc == PMAP_STEP_DEMOTED)
			continue;
		if (rc == PMAP_STEP_SP) {
			rc = pmap_protect_leaf(pm, &w, clear, set);
			if (rc < 0)
				break;
			cached |= rc;
		} else if (rc == PMAP_STEP_PT) {
			for (; va < next; va += PAGE_SIZE) {
				w.w_epa = pmap_entry_pa(w.w_table[1], va, 1);
				rc = pmap_load(pm, w.w_epa, 1, &w.w_e);
				if (rc == 0 && pmap_is_leaf(pm, w.w_e, 1))
					rc = pmap_protect_leaf(pm, &w, clear, set);
				if (rc < 0)
					goto out;
				cached |= rc;
			}
		}
		va = next;
	}
out:
	if (cached)
		pmap_inval_span(pm, sva, eva);
	return rc < 0 ? rc : 0;
}

/* ---- entering ----------------------------------------------------------- */

/*
 * pmap_enter_same - va already maps the same frame at the same size:
 * rewrite the leaf with the new rights, keeping A, and M while writable
 * (else M goes to the page).  Only a lowered right needs invalidating: a
 * stale entry with fewer rights than the new one costs at most a spurious
 * fault (SDM Vol. 3A §4.10.4.3).  0 or -ENOMEM.
 */
static int pmap_enter_same(struct pmap *pm, const struct pmap_walk *w,
			   uint64_t va, uint64_t e)
{
	const uint64_t PG_RW = pm->pm_bits[PMAP_BIT_RW];
	const uint64_t PG_A = pm->pm_bits[PMAP_BIT_A];
	const uint64_t PG_M = pm->pm_bits[PMAP_BIT_M];
	const uint64_t rights = PG_RW | PG_M | pm->pm_bits[PMAP_BIT_X] |
				pm->pm_bits[PMAP_BIT_U];
	uint64_t old = w->w_e;
	int rc;

	e |= old & PG_A;
	if (e & PG_RW)
		e |= old & PG_M;
	else if ((old & PG_RW) && pmap_leaf_mod(pm, old))
		pmap_fold(pm, old, w->w_level, VMP_A_MODIFIED);
	if (e == old)
		return 0;
	rc = pmap_store(pm, w->w_epa, w->w_level, true, e);
	if (rc < 0)
		return rc;
	if (pmap_leaf_ref(pm, old) &&
	    ((old & ~e & rights) || (e & ~old & pm->pm_bits[PMAP_BIT_NX])))
		pmap_inval_span(pm, va, va + (UINT64_C(1) << pt_level_shift(w->w_level)));
	return 0;
}

/*
 * pmap_enter_clear - make room at `va` for a mapping at `level`: demote a
 * 2 MiB mapping over a 4 KiB one (FreeBSD's pmap_enter), remove the page
 * table under a 2 MiB one (FreeBSD's pmap_enter_pde).  The page directory
 * is held meanwhile, so the removal frees the page table but not the
 * tables above, which the new entry needs again.  0 or -ENOMEM.
 */
static int pmap_enter_clear(struct pmap *pm, uint64_t va, unsigned level)
{
	struct pmap_walk w;
	struct vm_page *pd;
	bool cached = false;
	uint64_t end = va + PMAP_SP_SIZE;
	int rc = pmap_walk(pm, va, level, false, &w);

	if (rc < 0)
		return rc;
	if (level == 1 && w.w_level > 1 && pmap_is_leaf(pm, w.w_e, w.w_level)) {
		rc = pmap_demote_walk(pm, &w, va);
		return rc < 0 ? rc : 0;
	}
	if (level == PMAP_SP_LEVEL && w.w_level == level &&
	    pmap_is_table(pm, w.w_e, level)) {
		pd = pmap_ptcount(pm, w.w_table[level]);
		pd->vmp_wire++;
		rc = pmap_remove_range(pm, va, end, &cached);
		pd->vmp_wire--;
		if (cached)
			pmap_inval_range(pm, va, end);
	}
	return rc;
}

int pmap_enter(struct pmap *pm, uint64_t va, uint64_t pfn, uint32_t prot,
	       uint32_t access, unsigned psind)
{
	const unsigned level = psind ? PMAP_SP_LEVEL : 1;
	const unsigned n = psind ? VM_SP_PAGES : 1;
	const uint64_t size = UINT64_C(1) << pt_level_shift(level);
	const uint64_t pa = pfn << PAGE_SHIFT;
	struct vm_page *m = pmap_page(pm, pfn);
	bool managed = m && m->vmp_kind == VMP_DATA, cached = false;
	struct pv_entry *pvs = NULL, *pv;
	struct pmap_walk w;
	uint64_t e;
	int rc;

	ES_ASSERT(psind <= 1 && ((va | pa) & (size - 1)) == 0 &&
			  pmap_va_ok(pm, va) && (pa & ~pmap_addr_mask(pm)) == 0,
		  "va=%#llx pfn=%#llx psind=%u", (unsigned long long)va,
		  (unsigned long long)pfn, psind);
	if (psind && !(pm->pm_flags & PMAP_SUPERPAGES))
		return -ENOTSUP;
	e = pmap_leaf_make(pm, pa, prot, access, psind, managed);
	rc = pmap_enter_clear(pm, va, level);
	if (rc < 0)
		return rc;
	/* everything that can fail before the entry is written */
	if (managed && !(pvs = pmap_pv_alloc(n)))
		return -ENOMEM;
	rc = pmap_walk(pm, va, level, true, &w);
	if (rc < 0)
		goto out;
	ES_ASSERT(w.w_level == level, "va=%#llx stopped at level %u, not %u",
		  (unsigned long long)va, w.w_level, level);
	if (pmap_is_leaf(pm, w.w_e, level)) {
		if (pmap_leaf_pa(pm, w.w_e, level) == pa) {
			rc = pmap_enter_same(pm, &w, va, e);
			goto out;
		}
		rc = pmap_remove_leaf(pm, &w, va);
		if (rc < 0)
			goto out;
		cached = rc;
	}
	rc = pmap_store(pm, w.w_epa, level, false, e);
	if (rc < 0) {
		int rc2 = pmap_free_empty(pm, &w, va, level, &cached);

		rc = rc2 < 0 ? rc2 : rc;
		goto out;
	}
	for (unsigned i = 0; managed && i < n; i++) {
		m = pmap_page(pm, pfn + i);
		ES_ASSERT(m && m->vmp_kind == VMP_DATA, "pfn=%#llx of a 2 MiB "
			  "mapping is not a data frame", (unsigned long long)(pfn + i));
		pv = pvs;
		pvs = pv->pv_next;
		pmap_pv_insert(m, pv, pm, va + i * PAGE_SIZE);
	}
	pm->pm_resident += n;
	pm->pm_superpages += psind;
out:
	if (cached)
		pmap_inval_span(pm, va, va + size);
	pmap_pv_free_list(pvs);
	return rc < 0 ? rc : 0;
}

/* ---- lookup ------------------------------------------------------------- */

int pmap_extract(struct pmap *pm, uint64_t va, uint64_t *pa, uint64_t *pte,
		 unsigned *level)
{
	struct pmap_walk w;
	int rc;

	if (pm->pm_root == 0 || !pmap_va_ok(pm, va))
		return -ENOENT;
	rc = pmap_walk(pm, va, 1, false, &w);
	if (rc < 0)
		return rc;
	if (!pmap_is_leaf(pm, w.w_e, w.w_level))
		return -ENOENT;
	if (pa)
		*pa = pmap_leaf_pa(pm, w.w_e, w.w_level) |
		      (va & ((UINT64_C(1) << pt_level_shift(w.w_level)) - 1));
	if (level)
		*level = w.w_level;
	if (pte)
		/* the raw entry: a paired leaf's x86 half alone */
		return vm_kern_read64(pmap_kern(pm), w.w_epa, pte);
	return 0;
}
