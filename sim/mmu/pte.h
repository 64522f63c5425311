/*
 * pte.h - the native x86-64 paging-structure entry (PML5E, PML4E, PDPTE,
 * PDE, PTE), defined once.  Intel SDM Vol. 3A §4.5 "4-Level Paging and
 * 5-Level Paging", Figure 4-11 and Tables 4-15 to 4-20.
 *
 *  63  62..59  58..52   51..M    M-1..12       11..9  8  7   6  5  4   3   2   1  0
 * +---+-------+-------+--------+-------------+------+--+---+--+--+---+---+---+---+--+
 * |XD | PKEY  |  ign  | rsvd=0 | frame addr  | ign  |G |PS | D| A|PCD|PWT|U/S|R/W|P |
 * +---+-------+-------+--------+-------------+------+--+---+--+--+---+---+---+---+--+
 *
 * M is MAXPHYADDR.  PS exists in PDPTEs (1 GiB) and PDEs (2 MiB); in a PTE
 * bit 7 is PAT.  In a large-page entry, bit 12 is PAT and the frame address
 * starts at bit 21 (2 MiB) or 30 (1 GiB).  D and G are meaningful only in
 * entries that map a page.  PKEY is meaningful only in leaf entries.
 *
 * The VA split of 4-level paging (5-level adds bits 56..48 on top):
 *
 *   47      39 38      30 29      21 20      12 11         0
 *  +----------+----------+----------+----------+------------+
 *  |  PML4    |  PDPT    |   PD     |   PT     |   offset   |
 *  +----------+----------+----------+----------+------------+
 */
#ifndef EPTSIM_SIM_MMU_PTE_H
#define EPTSIM_SIM_MMU_PTE_H

#include "sim/base.h"

#define PTE_BIT(n) (UINT64_C(1) << (n))
/* bits h..l inclusive */
#define PTE_BITS(h, l) ((~UINT64_C(0) >> (63 - (h))) & ~(PTE_BIT(l) - 1))

#define PTE_P PTE_BIT(0)       /* present */
#define PTE_RW PTE_BIT(1)      /* writable */
#define PTE_US PTE_BIT(2)      /* user accessible */
#define PTE_PWT PTE_BIT(3)     /* page-level write-through */
#define PTE_PCD PTE_BIT(4)     /* page-level cache disable */
#define PTE_A PTE_BIT(5)       /* accessed */
#define PTE_D PTE_BIT(6)       /* dirty (leaf only) */
#define PTE_PS PTE_BIT(7)      /* page size (PDPTE, PDE) */
#define PTE_PAT4K PTE_BIT(7)   /* PAT (PTE only) */
#define PTE_G PTE_BIT(8)       /* global (leaf only) */
#define PTE_PAT_LARGE PTE_BIT(12) /* PAT in a 2 MiB / 1 GiB entry */
#define PTE_PKEY_SHIFT 59
#define PTE_PKEY PTE_BITS(62, 59) /* protection key (leaf, CR4.PKE) */
#define PTE_XD PTE_BIT(63)     /* execute disable (EFER.NXE) */

/* the frame address field for a MAXPHYADDR of m bits */
#define PTE_ADDR_MASK(m) PTE_BITS((m) - 1, 12)

#define PT_ENTRIES 512u        /* entries per paging-structure page */
#define PT_INDEX_BITS 9u
#define PT_LEVELS_4 4u
#define PT_LEVELS_5 5u

/*
 * pt_index - index into the paging structure at `level` for `va`, where
 * level 1 is the page table (PT) and level 4 is the PML4 (5 the PML5).
 */
static inline unsigned pt_index(uint64_t va, unsigned level)
{
	return (unsigned)(va >> (PAGE_SHIFT + PT_INDEX_BITS * (level - 1))) &
	       (PT_ENTRIES - 1);
}

/* pt_level_shift - log2 of the bytes one entry at `level` maps. */
static inline unsigned pt_level_shift(unsigned level)
{
	return PAGE_SHIFT + PT_INDEX_BITS * (level - 1);
}

#endif
