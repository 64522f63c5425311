/*
 * pmap_int.h - private to kernel-model/pmap*.c: the helpers the parts of
 * the pmap share.
 *
 *   pmap.c       init/fini, the walk, entry load/store, enter, remove,
 *                protect, extract, invalidation
 *   pmap_bits.c  the bit table of each type and variant (pmap_bits) and
 *                the x86 -> EPT conversion of a paired pmap
 *   pmap_pv.c    reverse mappings and what works through them
 *                (remove_all, is_modified, is_referenced, clear_modify,
 *                ts_referenced), and EPT A/D emulation
 *   pmap_sp.c    2 MiB promotion and demotion
 *
 * Entry counts.  A page-table page's vm_page.vmp_wire is 1 (the pmap's
 * hold: page-table pages are wired) plus the number of its non-zero
 * entries, FreeBSD's ref_count on a page-table page.  pmap_store keeps it
 * and pmap_free_empty frees a table when it drops back to 1, so freeing
 * the tables a removal emptied costs no scan.  For a pair (PMAP_PAIRED)
 * the count is on the x86 half, the head of the order-1 block.
 *
 * Paired entries.  pmap_load returns a paired leaf with the A and M of both
 * halves (the guest sets EPT A/D in the EPT half, the host process sets
 * x86 A/D in the x86 half), and pmap_store writes both halves from the x86
 * value, so the pair reads as one entry everywhere else.
 */
#ifndef EPTSIM_KERNEL_MODEL_PMAP_INT_H
#define EPTSIM_KERNEL_MODEL_PMAP_INT_H

#include "kernel-model/pmap.h"
#include "sim/mmu/ept.h"
#include "sim/mmu/pte.h"

#define PMAP_MAXLEVELS PT_LEVELS_5
#define PMAP_PTE_SIZE 8u        /* bytes per entry */
#define PMAP_SP_LEVEL 2u        /* the level of a 2 MiB entry */
#define PMAP_SP_SHIFT 21u
#define PMAP_SP_SIZE (UINT64_C(1) << PMAP_SP_SHIFT)
#define PMAP_SP_MASK (PMAP_SP_SIZE - 1)

/*
 * Software bits.  Bit 11 is available to software in every x86 entry
 * (SDM Vol. 3A Table 4-19) and ignored in every EPT entry (Vol. 3C Table
 * 29-6); bits 52 and 53 are ignored in EPT entries, which is why bhyve
 * keeps "valid" and "writable" there when it emulates A/D (seed 001).
 */
#define PMAP_SW_MANAGED PTE_BIT(11)
#define PMAP_EPT_SW_V PTE_BIT(52)
#define PMAP_EPT_SW_RW PTE_BIT(53)

/* where a walk for one address stopped (pmap_walk) */
struct pmap_walk {
	/* [L]: the table holding the address's level-L entry, 0 above w_level's walk */
	uint64_t w_table[PMAP_MAXLEVELS + 2];
	unsigned w_level;       /* the level of the entry it stopped at */
	uint64_t w_epa;         /* that entry's address */
	uint64_t w_e;           /* its value (pmap_load) */
};

static inline struct vm_kern *pmap_kern(const struct pmap *pm)
{
	return pm->pm_kern;
}

static inline bool pmap_paired(const struct pmap *pm)
{
	return (pm->pm_flags & PMAP_PAIRED) != 0;
}

/* pmap_eptish - whether invalidations go through pmap_invalidate_ept */
static inline bool pmap_eptish(const struct pmap *pm)
{
	return pm->pm_type == PT_EPT || pmap_paired(pm);
}

/* the order of a page-table page allocation: a pair with PMAP_PAIRED */
static inline unsigned pmap_pt_order(const struct pmap *pm)
{
	return pmap_paired(pm) ? 1u : 0u;
}

/* the frame address field of an entry */
static inline uint64_t pmap_addr_mask(const struct pmap *pm)
{
	return PTE_ADDR_MASK(pm->pm_maxphyaddr);
}

/* the frame of leaf `e` at `level` (bits below the page size dropped) */
static inline uint64_t pmap_leaf_pa(const struct pmap *pm, uint64_t e,
				    unsigned level)
{
	return e & pmap_addr_mask(pm) &
	       ~((UINT64_C(1) << pt_level_shift(level)) - 1);
}

/*
 * The bits of an entry that references a table: every right, so a
 * mapping's rights are decided at its leaf alone (FreeBSD and Linux do the
 * same).  x86: P|RW|U.  EPT: R|W|X and nothing else: bits 7..3 are
 * reserved in a non-leaf EPT entry (SDM Vol. 3C §29.3.2, Tables 29-2 to
 * 29-5), and with emulated A/D the hardware must still walk them.
 */
static inline uint64_t pmap_pde_bits(const struct pmap *pm)
{
	return pm->pm_type == PT_EPT ? EPT_RWX : PTE_P | PTE_RW | PTE_US;
}

/* the bit that says an entry references a table: x86 P, EPT R */
static inline uint64_t pmap_pde_valid(const struct pmap *pm)
{
	return pm->pm_type == PT_EPT ? EPT_R : PTE_P;
}

/* pmap_is_leaf - entry `e` at `level` maps a page (valid, and level 1 or PS) */
static inline bool pmap_is_leaf(const struct pmap *pm, uint64_t e,
				unsigned level)
{
	return (e & pm->pm_bits[PMAP_BIT_V]) &&
	       (level == 1 || (e & pm->pm_bits[PMAP_BIT_PS]));
}

/* pmap_is_table - entry `e` at `level` (> 1) references a table */
static inline bool pmap_is_table(const struct pmap *pm, uint64_t e,
				 unsigned level)
{
	return level > 1 && !(e & pm->pm_bits[PMAP_BIT_PS]) &&
	       (e & pmap_pde_valid(pm));
}

/* pmap_entry_pa - address of `va`'s entry at `level` in `table` */
static inline uint64_t pmap_entry_pa(uint64_t table, uint64_t va,
				     unsigned level)
{
	return table + (uint64_t)pt_index(va, level) * PMAP_PTE_SIZE;
}

/*
 * The reference and modify state of leaf `e`: its A / M, or always with
 * PMAP_ASSUME_AD (NetBSD on an EPT without A/D: the hardware records
 * nothing, so every mapping may be cached, used and written).
 */
static inline bool pmap_leaf_ref(const struct pmap *pm, uint64_t e)
{
	return (pm->pm_flags & PMAP_ASSUME_AD) || (e & pm->pm_bits[PMAP_BIT_A]);
}

static inline bool pmap_leaf_mod(const struct pmap *pm, uint64_t e)
{
	return (pm->pm_flags & PMAP_ASSUME_AD) || (e & pm->pm_bits[PMAP_BIT_M]);
}

/* pmap_va_ok - x86: canonical for the levels; EPT: a GPA below 2^(48|57) */
static inline bool pmap_va_ok(const struct pmap *pm, uint64_t va)
{
	unsigned bits = pt_level_shift(pm->pm_levels) + PT_INDEX_BITS;

	if (pm->pm_type == PT_EPT)
		return (va >> bits) == 0;
	return (uint64_t)((int64_t)(va << (64 - bits)) >> (64 - bits)) == va;
}

/* pmap_next - the first address after the entry at `level` holding va (0 past the top) */
static inline uint64_t pmap_next(uint64_t va, unsigned level)
{
	return (va | ((UINT64_C(1) << pt_level_shift(level)) - 1)) + 1;
}

/* pmap_bits.c */
int pmap_bits(struct pmap *pm, enum pmap_type type, unsigned flags) MUST_CHECK;
uint64_t pmap_leaf_make(const struct pmap *pm, uint64_t pa, uint32_t prot,
			uint32_t access, unsigned psind, bool managed);
uint64_t pmap_twin(const struct pmap *pm, uint64_t e, unsigned level);
uint64_t pmap_twin_ad(const struct pmap *pm, uint64_t t);

/* pmap.c */
int pmap_load(struct pmap *pm, uint64_t epa, unsigned level,
	      uint64_t *e) MUST_CHECK;
int pmap_store(struct pmap *pm, uint64_t epa, unsigned level, bool was_set,
	       uint64_t e) MUST_CHECK;
int pmap_walk(struct pmap *pm, uint64_t va, unsigned stop, bool alloc,
	      struct pmap_walk *w) MUST_CHECK;
int pmap_free_empty(struct pmap *pm, struct pmap_walk *w, uint64_t va,
		    unsigned level, bool *freed) MUST_CHECK;
void pmap_ptpage_free(struct pmap *pm, uint64_t table);
int pmap_ptpage_alloc(struct pmap *pm, uint64_t *table) MUST_CHECK;
int pmap_remove_leaf(struct pmap *pm, const struct pmap_walk *w,
		     uint64_t va) MUST_CHECK;
void pmap_inval_page(struct pmap *pm, uint64_t va);
void pmap_inval_range(struct pmap *pm, uint64_t sva, uint64_t eva);

/* pmap_pv.c */
struct pv_entry *pmap_pv_alloc(unsigned n);
void pmap_pv_free_list(struct pv_entry *pv);
void pmap_pv_insert(struct vm_page *m, struct pv_entry *pv, struct pmap *pm,
		    uint64_t va);
void pmap_pv_remove(struct vm_page *m, struct pmap *pm, uint64_t va);

/* pmap_sp.c */
int pmap_demote_walk(struct pmap *pm, struct pmap_walk *w,
		     uint64_t va) MUST_CHECK;

#endif
