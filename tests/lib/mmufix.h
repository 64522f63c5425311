/*
 * mmufix.h - the fixture the MMU suites share (test_walk2d, test_ept,
 * test_pwc): a fresh machine per case, that is simulated memory, guest and
 * EPT tables built by sim/mmu/ptbuild, and the struct mmu over them.
 *
 * Layout (every suite uses it; a suite's comment repeats what it relies on):
 *
 *   host-physical (memory MF_MEM_BYTES = 2 GiB)
 *     0x00100000  guest tables when native (HPA = GPA)
 *     0x00200000  EPT tables, root first
 *     0x00300000  host pages backing the guest tables (ptb_finish)
 *     0x40000000  MF_HPA_DATA: the data the final GPA maps to (1 GiB aligned,
 *                 never read: data pages get no storage)
 *   guest-physical
 *     0x00100000  guest tables, root (CR3) first: EPT PML4 index 0, mapped by
 *                 4 KiB EPT pages (R W X UX, WB) at ptb_finish
 *     0x8040000000  MF_GPA_DATA: the guest's data pages, EPT PML4 index 1,
 *                 PDPT index 1, so EPT entries on the path of the final GPA
 *                 are never on the path of a guest table
 *
 * EPT maps MF_GPA_DATA + x to MF_HPA_DATA + x (mf_map_ept_data), so a
 * host address tells which guest-physical offset it came from.
 *
 * Defaults (mmufix_start): MAXPHYADDR 40, every capability on except
 * execute-only EPT and MBEC; CR0.WP = EFER.NXE = 1, everything else 0;
 * EPT A/D off.  A case changes f->m.mu_caps / mu_regs and f->ept_ad
 * between mmufix_start and mmufix_go.
 */
#ifndef EPTSIM_TESTS_MMUFIX_H
#define EPTSIM_TESTS_MMUFIX_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/mmu/ept.h"
#include "sim/mmu/mmu.h"
#include "sim/mmu/ptbuild.h"
#include "sim/mmu/pte.h"
#include "sim/pmem.h"

#define MF_MEM_BYTES (UINT64_C(2) << 30)
#define MF_GPT_BASE UINT64_C(0x00100000)
#define MF_EPT_BASE UINT64_C(0x00200000)
#define MF_BACK_BASE UINT64_C(0x00300000)
#define MF_HPA_DATA UINT64_C(0x40000000)
#define MF_GPA_DATA UINT64_C(0x8040000000)

/* guest leaf flags granting everything; EPT leaf flags the same, WB */
#define MF_G_ALL (PTE_P | PTE_RW | PTE_US)
#define MF_E_ALL (EPT_RWX | EPT_UX | ((uint64_t)EPT_MT_WB << EPT_MT_SHIFT))

/* walk caches for mmufix_pwc */
#define MF_PSC (1u << 0)
#define MF_EPSC (1u << 1)
#define MF_NTLB (1u << 2)

struct mmufix {
	bool up_mem, up_pwc;    /* what mmufix_stop must finalize */
	unsigned glevels, elevels;
	bool ept_ad;            /* mmufix_go: the EPTP enables EPT A/D */
	bool mbec;              /* mmufix_go: mode-based execute control */
	struct pmem mem;
	struct ptb pb;
	struct mmu m;
	struct mmu_pwc pwc;
};

/*
 * mmufix_start - memory and empty tables: `glevels` guest levels (4 or 5),
 * `elevels` EPT levels (4 or 5; 0 natively), MAXPHYADDR `maxphy` (0: 40).
 * `f` must be zeroed.
 */
void mmufix_start(struct mmufix *f, unsigned glevels, unsigned elevels,
		  unsigned maxphy);

/* mmufix_go - ptb_finish, CR3, and the EPT controls (mmu_ept_set) */
void mmufix_go(struct mmufix *f);

/* mmufix_pwc - walk caches on: each array of `which` gets 64 entries, fully associative */
void mmufix_pwc(struct mmufix *f, unsigned which);

void mmufix_stop(struct mmufix *f);

/* mapping, asserting success */
void mf_map_guest(struct mmufix *f, uint64_t va, uint64_t gpa, unsigned shift,
		  uint64_t flags);
void mf_map_ept(struct mmufix *f, uint64_t gpa, uint64_t hpa, unsigned shift,
		uint64_t flags);
/* mf_map_ept_data - map the page of `shift` holding gpa to MF_HPA_DATA + (page - MF_GPA_DATA) */
void mf_map_ept_data(struct mmufix *f, uint64_t gpa, unsigned shift,
		     uint64_t flags);
/* mf_hpa_data - where EPT puts gpa under mf_map_ept_data */
static inline uint64_t mf_hpa_data(uint64_t gpa)
{
	return MF_HPA_DATA + (gpa - MF_GPA_DATA);
}

/* entries on a path, as built (asserting they exist) */
uint64_t mf_gentry(const struct mmufix *f, uint64_t va, unsigned level);
uint64_t mf_gentry_gpa(const struct mmufix *f, uint64_t va, unsigned level);
uint64_t mf_eentry(const struct mmufix *f, uint64_t gpa, unsigned level);
uint64_t mf_rd(const struct mmufix *f, uint64_t hpa);
/* mf_mod - entry at hpa := (entry & ~clear) | set */
void mf_mod(struct mmufix *f, uint64_t hpa, uint64_t set, uint64_t clear);
/* the leaf level of each dimension on a path (1, 2 or 3) */
unsigned mf_gleaf(const struct mmufix *f, uint64_t va);
unsigned mf_eleaf(const struct mmufix *f, uint64_t gpa);

/* mf_xlate - translate one access */
void mf_xlate(struct mmufix *f, uint64_t va, enum mmu_acc acc, bool user,
	      struct mmu_walk *w);

/*
 * Snapshots of memory, to check that a walk changed exactly the A/D flags
 * it should: mf_snap_take copies every frame that has storage;
 * mf_snap_check fails the test if a word differs from the copy other than
 * by the wanted bits, or a wanted word lacks its bits.
 */
struct mf_want {
	uint64_t hpa;
	uint64_t bits;
};

#define MF_MAX_WANT 64u

struct mf_snap {
	unsigned n;
	uint64_t *pfn;
	uint64_t (*frame)[PAGE_SIZE / 8];
	unsigned nwant;
	struct mf_want want[MF_MAX_WANT];
};

void mf_snap_take(const struct mmufix *f, struct mf_snap *s);
void mf_snap_want(struct mf_snap *s, uint64_t hpa, uint64_t bits);
/*
 * mf_snap_want_ad - want the A/D flags the SDM says a successful
 * translation of `va` sets: guest A on every entry used and D on the leaf
 * of a write (Vol. 3A §4.8); with EPT A/D, EPT A on every EPT entry used
 * for each guest entry's GPA and the final GPA, and EPT D on the EPT leaf
 * of every guest paging-structure access and of the final GPA for a write
 * (Vol. 3C §29.3.5).  For a walk with no walk-cache hits.
 */
void mf_snap_want_ad(const struct mmufix *f, struct mf_snap *s, uint64_t va,
		     bool write);
void mf_snap_check(const struct mmufix *f, struct mf_snap *s,
		   const char *name);
void mf_snap_free(struct mf_snap *s);

/* mf_eq_perm - exit-qualification bits 5..3 of EPT rights bits 2..0 */
static inline uint64_t mf_eq_perm(uint64_t rwx)
{
	return (rwx & EPT_RWX) << EPT_EQ_PERM_SHIFT;
}

#endif
