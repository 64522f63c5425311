/*
 * walk.h - the stage-1 (native) page walk: one translation of a linear
 * address through the 4-level paging structures in simulated physical
 * memory, the way an Intel core does it (SDM Vol. 3A §4.5, §4.6 access
 * rights, §4.7 page-fault error code, §4.8 accessed and dirty flags).
 *
 * A translation takes a const request and the paging controls, and fills a
 * result: either the physical address with its page size and effective
 * rights, or the reason it stopped and the #PF error code.  The walk
 * records every entry it read, so callers (tests, `eptsim explain` later,
 * the 2D walk) can see the path.
 */
#ifndef EPTSIM_SIM_MMU_WALK_H
#define EPTSIM_SIM_MMU_WALK_H

#include "sim/base.h"
#include "sim/pmem.h"

enum mmu_acc { MMU_READ, MMU_WRITE, MMU_FETCH };

/* paging controls of the vCPU doing the access */
struct mmu_regs {
	uint64_t cr3;           /* PML4 base in bits 51..12 */
	unsigned maxphyaddr;    /* physical address width, 36..52 */
	bool wp;                /* CR0.WP: supervisor writes honour R/W */
	bool nxe;               /* EFER.NXE: XD bit enabled */
	bool page1g;            /* CPUID.80000001H:EDX.Page1GB: PS allowed in PDPTEs */
};

/* one access to translate (const input) */
struct mmu_req {
	uint64_t va;
	enum mmu_acc acc;
	bool user;              /* CPL 3 access */
};

/* why a walk stopped */
enum mmu_stop {
	MMU_OK = 0,             /* translated */
	MMU_NOT_PRESENT,        /* an entry had P = 0: #PF, P = 0 in error code */
	MMU_PROTECTION,         /* rights violation: #PF, P = 1 */
	MMU_RESERVED,           /* reserved bit set: #PF, P = 1, RSVD = 1 */
	MMU_NONCANONICAL,       /* not canonical: #GP, no walk made */
};

/* #PF error code bits, SDM Vol. 3A §4.7, Figure 4-12 */
#define PF_EC_P (1u << 0)    /* 0: not present; 1: protection / reserved */
#define PF_EC_W (1u << 1)    /* the access was a write */
#define PF_EC_U (1u << 2)    /* the access was a user-mode access */
#define PF_EC_RSVD (1u << 3) /* a reserved bit was set */
#define PF_EC_I (1u << 4)    /* the access was an instruction fetch */
#define PF_EC_PK (1u << 5)   /* protection-key violation */

/* effective rights of a translation: the AND over all levels */
#define MMU_PERM_W (1u << 0)    /* writable (R/W = 1 at every level) */
#define MMU_PERM_U (1u << 1)    /* user (U/S = 1 at every level) */
#define MMU_PERM_X (1u << 2)    /* executable (XD = 0 at every level, or !NXE) */

#define MMU_MAX_LEVELS 5u

struct mmu_walk {
	enum mmu_stop stop;
	unsigned steps;         /* entries read (valid prefix of the arrays) */
	uint64_t entry[MMU_MAX_LEVELS];    /* [0] is the top level read first */
	uint64_t entry_pa[MMU_MAX_LEVELS]; /* physical address of each entry */
	unsigned mem_refs;      /* memory references the walk made */
	/* when stop == MMU_OK: */
	uint64_t pa;            /* physical address of req->va */
	unsigned page_shift;    /* 12, 21 or 30 */
	unsigned perm;          /* MMU_PERM_* */
	bool dirty;             /* D of the leaf after the walk */
	bool global;            /* G of the leaf */
	/* when stop is a #PF: */
	uint32_t error_code;    /* PF_EC_* */
};

/*
 * mmu_walk - translate req->va through the tables rooted at regs->cr3.
 *
 * On success sets A in every entry used and D in the leaf for a write
 * (SDM §4.8), and fills pa, page_shift, perm, dirty, global.  When the walk
 * faults no entry is changed.  Entries are read from `pm`; a frame without
 * storage reads as zero (not present).  Always returns with w->stop set.
 */
void mmu_walk(struct pmem *pm, const struct mmu_regs *regs,
	      const struct mmu_req *req, struct mmu_walk *w);

/* mmu_canonical48 - whether `va` is canonical for 4-level paging. */
static inline bool mmu_canonical48(uint64_t va)
{
	return (uint64_t)((int64_t)(va << 16) >> 16) == va;
}

#endif
