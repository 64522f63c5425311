/*
 * pmap.c - page tables of one address space (see pmap.h).
 *
 * Every function here binds the bits it needs from pm_bits[] to locals named
 * like FreeBSD's (PG_V, PG_RW, ...) and never names a format's bits itself;
 * only pmap_bits_init() knows formats.  That is what lets PT_EPT plug in by
 * filling the table (and, where behaviour differs, an operations table)
 * without a second copy of the walks.
 *
 * The tables are walked top-down by one loop over levels; a table is the
 * physical address of a 4 KiB frame in the kernel's pmem, an entry is read
 * and written through pmem.  Level numbering is pte.h's: 1 is the PT, 4 the
 * PML4.
 *
 *   level:     4          3          2          1
 *   VA bits: 47..39     38..30     29..21     20..12     11..0
 *            PML4E ---> PDPTE ---> PDE -----> PTE -----> page + offset
 *
 * With 5-level paging a PML5 (level 5, VA bits 56..48) sits on top.
 *
 * Only 4 KiB leaves are created so far.  pmap_extract and pmap_fini already
 * stop at a PS entry, so superpages need pmap_enter (and promotion) only.
 */
#include "kernel-model/pmap.h"

#include <errno.h>
#include <string.h>

#include "sim/mmu/pte.h"

#define PTE_SIZE 8u /* bytes per paging-structure entry */

/* pmap_bits_init - the bit table of `type`.  0 or -ENOTSUP. */
static int pmap_bits_init(struct pmap *pm, enum pmap_type type)
{
	switch (type) {
	case PT_X86:
		pm->pm_bits[PMAP_BIT_V] = PTE_P;
		pm->pm_bits[PMAP_BIT_RW] = PTE_RW;
		pm->pm_bits[PMAP_BIT_U] = PTE_US;
		pm->pm_bits[PMAP_BIT_A] = PTE_A;
		pm->pm_bits[PMAP_BIT_M] = PTE_D;
		pm->pm_bits[PMAP_BIT_NX] = PTE_XD;
		pm->pm_bits[PMAP_BIT_PS] = PTE_PS;
		return 0;
	case PT_EPT:
	default:
		return -ENOTSUP;
	}
}

/* pmap_addr_mask - the frame address field of an entry of this pmap. */
static inline uint64_t pmap_addr_mask(const struct pmap *pm)
{
	return PTE_ADDR_MASK(pm->pm_maxphyaddr);
}

/* pmap_va_ok - whether `va` is canonical for the pmap's number of levels. */
static inline bool pmap_va_ok(const struct pmap *pm, uint64_t va)
{
	unsigned bits = pt_level_shift(pm->pm_levels) + PT_INDEX_BITS;

	return (uint64_t)((int64_t)(va << (64 - bits)) >> (64 - bits)) == va;
}

/* pmap_entry_pa - physical address of the entry for `va` in `table`. */
static inline uint64_t pmap_entry_pa(uint64_t table, uint64_t va,
				     unsigned level)
{
	return table + (uint64_t)pt_index(va, level) * PTE_SIZE;
}

int pmap_init(struct pmap *pm, enum pmap_type type, struct vm_phys *vp,
	      unsigned maxphyaddr, unsigned levels)
{
	uint64_t pfn;
	int err;

	memset(pm, 0, sizeof(*pm));
	/* the machine preset is validated before a pmap is made */
	ES_ASSERT(maxphyaddr > PAGE_SHIFT && maxphyaddr <= 52,
		  "maxphyaddr=%u", maxphyaddr);
	ES_ASSERT(levels == PT_LEVELS_4 || levels == PT_LEVELS_5, "levels=%u",
		  levels);
	ES_ASSERT(vp->vp_frames <= UINT64_C(1) << (maxphyaddr - PAGE_SHIFT),
		  "frames=%llu do not fit maxphyaddr=%u",
		  (unsigned long long)vp->vp_frames, maxphyaddr);
	err = pmap_bits_init(pm, type);
	if (err)
		return err;
	pm->pm_type = type;
	pm->pm_levels = levels;
	pm->pm_maxphyaddr = maxphyaddr;
	pm->pm_phys = vp;
	err = vm_phys_alloc(vp, VMP_PTPAGE, &pfn);
	if (err) {
		memset(pm, 0, sizeof(*pm));
		return err;
	}
	pm->pm_root = pfn << PAGE_SHIFT;
	pm->pm_ptpages = 1;
	return 0;
}

/*
 * pmap_free_table - free the page-table page at `table` (at `level`) and
 * every page-table page below it.  Leaves (4 KiB entries and PS entries)
 * map frames the pmap does not own and are left alone.
 */
static void pmap_free_table(struct pmap *pm, uint64_t table, unsigned level)
{
	const uint64_t PG_V = pm->pm_bits[PMAP_BIT_V];
	const uint64_t PG_PS = pm->pm_bits[PMAP_BIT_PS];
	const uint64_t mask = pmap_addr_mask(pm);
	struct pmem *mem = pm->pm_phys->vp_mem;

	for (unsigned i = 0; level > 1 && i < PT_ENTRIES; i++) {
		uint64_t e = pmem_read64(mem, table + (uint64_t)i * PTE_SIZE);

		if ((e & PG_V) && !(e & PG_PS))
			pmap_free_table(pm, e & mask, level - 1);
	}
	ES_ASSERT(pm->pm_ptpages > 0, "table=%#llx level=%u",
		  (unsigned long long)table, level);
	vm_phys_free(pm->pm_phys, table >> PAGE_SHIFT);
	pm->pm_ptpages--;
}

void pmap_fini(struct pmap *pm)
{
	if (pm->pm_root != 0)
		pmap_free_table(pm, pm->pm_root, pm->pm_levels);
	ES_ASSERT(pm->pm_ptpages == 0, "ptpages=%llu left after the tree",
		  (unsigned long long)pm->pm_ptpages);
	memset(pm, 0, sizeof(*pm));
}

/*
 * Intermediate entries grant everything (V, RW, U, executable): a user
 * mapping's rights are decided at the leaf alone, as FreeBSD and Linux do,
 * so one table can hold leaves of every protection.
 */
int pmap_enter(struct pmap *pm, uint64_t va, uint64_t pa, uint32_t prot,
	       unsigned *ptpages)
{
	const uint64_t PG_V = pm->pm_bits[PMAP_BIT_V];
	const uint64_t PG_RW = pm->pm_bits[PMAP_BIT_RW];
	const uint64_t PG_U = pm->pm_bits[PMAP_BIT_U];
	const uint64_t PG_NX = pm->pm_bits[PMAP_BIT_NX];
	const uint64_t PG_PS = pm->pm_bits[PMAP_BIT_PS];
	const uint64_t mask = pmap_addr_mask(pm);
	struct pmem *mem = pm->pm_phys->vp_mem;
	uint64_t table = pm->pm_root;
	uint64_t epa, e, old, pfn;
	unsigned level, made = 0;
	int err = 0;

	ES_ASSERT(pm->pm_root != 0, "va=%#llx: pmap not initialised",
		  (unsigned long long)va);
	ES_ASSERT(pmap_va_ok(pm, va), "va=%#llx not canonical for %u levels",
		  (unsigned long long)va, pm->pm_levels);
	ES_ASSERT((pa & ~mask) == 0, "pa=%#llx mask=%#llx",
		  (unsigned long long)pa, (unsigned long long)mask);
	for (level = pm->pm_levels; level > 1; level--) {
		epa = pmap_entry_pa(table, va, level);
		e = pmem_read64(mem, epa);
		if (!(e & PG_V)) {
			err = vm_phys_alloc(pm->pm_phys, VMP_PTPAGE, &pfn);
			if (err)
				goto out;
			e = (pfn << PAGE_SHIFT) | PG_V | PG_RW | PG_U;
			err = pmem_write64(mem, epa, e);
			if (err) {
				vm_phys_free(pm->pm_phys, pfn);
				goto out;
			}
			pm->pm_ptpages++;
			made++;
		}
		ES_ASSERT(!(e & PG_PS), "va=%#llx level=%u entry=%#llx: "
			  "superpages are not built yet",
			  (unsigned long long)va, level, (unsigned long long)e);
		table = e & mask;
	}
	epa = pmap_entry_pa(table, va, 1);
	old = pmem_read64(mem, epa);
	e = pa | PG_V | PG_U;
	if (prot & VM_PROT_WRITE)
		e |= PG_RW;
	if (!(prot & VM_PROT_EXEC))
		e |= PG_NX;
	err = pmem_write64(mem, epa, e);
	if (err)
		goto out;
	if (!(old & PG_V))
		pm->pm_resident++;
out:
	if (ptpages)
		*ptpages = made;
	return err;
}

int pmap_extract(const struct pmap *pm, uint64_t va, uint64_t *pa)
{
	const uint64_t PG_V = pm->pm_bits[PMAP_BIT_V];
	const uint64_t PG_PS = pm->pm_bits[PMAP_BIT_PS];
	const uint64_t mask = pmap_addr_mask(pm);
	const struct pmem *mem = pm->pm_phys->vp_mem;
	uint64_t table = pm->pm_root;
	uint64_t e, off;

	if (pm->pm_root == 0 || !pmap_va_ok(pm, va))
		return -ENOENT;
	for (unsigned level = pm->pm_levels; level >= 1; level--) {
		e = pmem_read64(mem, pmap_entry_pa(table, va, level));
		if (!(e & PG_V))
			return -ENOENT;
		if (level == 1 || (e & PG_PS)) {
			off = (UINT64_C(1) << pt_level_shift(level)) - 1;
			*pa = (e & mask & ~off) | (va & off);
			return 0;
		}
		table = e & mask;
	}
	return -ENOENT; /* not reached: level 1 always returns */
}
