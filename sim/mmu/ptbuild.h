/*
 * ptbuild.h - build guest and EPT paging structures in simulated memory
 * from a list of mappings, for `eptsim probe` and for the MMU's tests.
 *
 * This is not the kernel model (kernel-model/pmap does that for runs): it
 * places tables where the caller says, makes pages of any size at any
 * level, and lets the caller set or clear any bit of any entry afterwards,
 * so a semantic question about one translation can be asked in ten lines.
 *
 * Layout.  Guest tables are guest-physical pages, taken in order from
 * pb_gpt_next (the root first, at ptb_init); EPT tables are host-physical
 * pages taken from pb_ept_next (root first).  Natively (no EPT) guest
 * tables are host-physical.  Under EPT a guest table page must itself be
 * mapped by the EPT.  Until ptb_finish() each guest table page is built
 * in a host page of its own, at the same offset from back_base as the
 * table's GPA from gpt_base.  ptb_finish() then looks each table's GPA up
 * in the EPT as built: where a leaf the caller made covers it (present or
 * not: say, the guest tables read-only, or unmapped), the table is copied
 * to the host page that leaf names; elsewhere the GPA is mapped to its
 * build page with R, W, X and UX, memory type WB.  So the order of the
 * calls does not matter, and the caller's EPT mappings always win.
 *
 * Intermediate entries are made granting everything: guest P|RW|US; EPT
 * R|W|X|UX.  A and D start clear everywhere.  Leaves get exactly the flags
 * given (plus the address, and PS above level 1).
 */
#ifndef EPTSIM_SIM_MMU_PTBUILD_H
#define EPTSIM_SIM_MMU_PTBUILD_H

#include "sim/base.h"
#include "sim/mmu/mmu.h"
#include "sim/pmem.h"

struct ptb {
	struct pmem *pb_mem;
	unsigned pb_maxphyaddr;
	unsigned pb_glevels;    /* guest levels: 4 or 5 */
	unsigned pb_elevels;    /* EPT levels: 4 or 5; 0: no EPT */
	uint64_t pb_groot;      /* GPA (HPA natively) of the guest top table: CR3 */
	uint64_t pb_eroot;      /* HPA of the EPT top table */
	uint64_t pb_gpt_next;   /* next guest table page */
	uint64_t pb_ept_next;   /* next EPT table page */
	uint64_t pb_back_next;  /* next host page backing a guest table */
	uint64_t pb_gpt_first;  /* guest table pages are [first, next) */
	uint64_t pb_back_first; /* the build page of the table at pb_gpt_first */
	bool pb_finished;       /* ptb_finish() has run: no more mappings */
};

/* where ptb_init places things; 4 KiB aligned, inside memory */
struct ptb_layout {
	uint64_t gpt_base;      /* guest table pages (GPA; HPA natively) */
	uint64_t ept_base;      /* EPT table pages (HPA) */
	uint64_t back_base;     /* host pages backing guest tables (HPA) */
};

/*
 * ptb_init - empty guest tables (`glevels` 4 or 5) and, if `elevels` is 4
 * or 5, empty EPT tables; 0 natively.  Allocates the roots.  Returns 0 or
 * -ENOMEM (host memory for the storage), -ERANGE (a base outside memory).
 */
int ptb_init(struct ptb *pb, struct pmem *mem, unsigned maxphyaddr,
	     unsigned glevels, unsigned elevels,
	     const struct ptb_layout *lay) MUST_CHECK;

/*
 * ptb_map_guest - map the guest page at `va` (aligned to `shift`: 12, 21
 * or 30) to `gpa` with leaf flags `flags` (PTE_* bits: P, RW, US, XD, G,
 * PKEY, D, A...; the address and PS are added).  Creates intermediate
 * tables.  Returns 0, -EEXIST if a mapping, a larger page or a table is in
 * the way, -ERANGE for a misaligned or out-of-range address or size,
 * -ENOSPC when the next table page would lie outside memory, -ENOMEM
 * (host memory), -EBUSY after ptb_finish.
 */
int ptb_map_guest(struct ptb *pb, uint64_t va, uint64_t gpa, unsigned shift,
		  uint64_t flags) MUST_CHECK;

/*
 * ptb_map_ept - map the guest-physical page at `gpa` (aligned to `shift`)
 * to `hpa` with leaf flags `flags` (EPT_* bits: R, W, X, UX, memory type,
 * IPAT, A, D).  Same returns as ptb_map_guest; -ENOTSUP without EPT.
 */
int ptb_map_ept(struct ptb *pb, uint64_t gpa, uint64_t hpa, unsigned shift,
		uint64_t flags) MUST_CHECK;

/*
 * ptb_finish - place the guest tables in the EPT (see above); natively
 * nothing to do.  Returns 0, or a ptb_map_ept error for the auto mapping.
 */
int ptb_finish(struct ptb *pb) MUST_CHECK;

/*
 * ptb_entry - the host address of the entry at `level` on the path of
 * `addr` (a VA for MMU_DIM_GUEST, a GPA for MMU_DIM_EPT), following the
 * tables as built (ignoring rights).  Returns 0 and *hpa, or -ENOENT if
 * the path stops above `level` (not present, or a larger page), or if a
 * guest table page is not mapped by the EPT.
 */
int ptb_entry(const struct ptb *pb, enum mmu_dim dim, uint64_t addr,
	      unsigned level, uint64_t *hpa) MUST_CHECK;

/*
 * ptb_gpa_to_hpa - the host address of `gpa` through the EPT as built
 * (ignoring rights); natively the identity.  0 or -ENOENT.
 */
int ptb_gpa_to_hpa(const struct ptb *pb, uint64_t gpa, uint64_t *hpa) MUST_CHECK;

/* ptb_eptp - an EPTP for the built EPT: WB, the walk length, A/D if `ad` */
uint64_t ptb_eptp(const struct ptb *pb, bool ad);

#endif
