/*
 * pmap.h - the machine-dependent half of an address space: it owns the
 * page tables of one vmspace (FreeBSD's pmap).
 *
 * A pmap has a type.  PT_X86 holds native x86-64 tables (sim/mmu/pte.h);
 * PT_EPT will hold EPT tables.  The bit layout of each type is data: the
 * pmap carries a table of its bits (pm_bits[PMAP_BIT_*]) and code binds the
 * ones it needs to locals, FreeBSD's `PG_V = pmap_valid_bit(pmap)`, so one
 * body of code serves both formats.  Only PT_X86 is built so far;
 * pmap_init() refuses PT_EPT with -ENOTSUP.
 *
 * Page-table pages are real frames of the kernel's physical memory
 * (vm_phys, VMP_PTPAGE), read by the simulated MMU through pmem.
 */
#ifndef EPTSIM_KERNEL_MODEL_PMAP_H
#define EPTSIM_KERNEL_MODEL_PMAP_H

#include "kernel-model/vm_phys.h"
#include "sim/base.h"

enum pmap_type { PT_X86, PT_EPT };

enum pmap_bit {
	PMAP_BIT_V,             /* valid */
	PMAP_BIT_RW,            /* writable */
	PMAP_BIT_U,             /* user */
	PMAP_BIT_A,             /* accessed */
	PMAP_BIT_M,             /* modified (dirty) */
	PMAP_BIT_NX,            /* no-execute (0 if the format has none) */
	PMAP_BIT_PS,            /* large page */
	PMAP_NBITS
};

struct pmap {
	enum pmap_type pm_type;
	uint64_t pm_bits[PMAP_NBITS];
	uint64_t pm_root;       /* physical address of the top-level table */
	unsigned pm_levels;     /* 4, or 5 with 5-level paging */
	unsigned pm_maxphyaddr;
	struct vm_phys *pm_phys;
	uint64_t pm_resident;   /* leaf mappings */
	uint64_t pm_ptpages;    /* page-table pages, including the root */
};

/*
 * pmap_init - an empty pmap of `type` with `levels` (4 or 5) levels of
 * tables that live in `vp`; allocates the root table.  Returns 0, -ENOTSUP
 * for a type not built yet, -ENOMEM.
 */
int pmap_init(struct pmap *pm, enum pmap_type type, struct vm_phys *vp,
	      unsigned maxphyaddr, unsigned levels) MUST_CHECK;

/* pmap_fini - free every page-table page of the pmap (not the mapped frames). */
void pmap_fini(struct pmap *pm);

/*
 * pmap_enter - map the 4 KiB page at `va` to physical address `pa` with
 * `prot` (VM_PROT_*) for user mode, allocating page-table pages as needed.
 * Replaces an existing mapping of `va`.  On success *ptpages (if not NULL)
 * is the number of page-table pages allocated.  Returns 0 or -ENOMEM; on
 * -ENOMEM nothing is mapped (already allocated tables are kept).
 */
int pmap_enter(struct pmap *pm, uint64_t va, uint64_t pa, uint32_t prot,
	       unsigned *ptpages) MUST_CHECK;

/* pmap_extract - 0 and *pa if `va` is mapped, else -ENOENT. */
int pmap_extract(const struct pmap *pm, uint64_t va, uint64_t *pa) MUST_CHECK;

#endif
