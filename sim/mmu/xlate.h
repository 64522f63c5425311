/*
 * xlate.h - private to sim/mmu: the state of one translation in progress,
 * shared by the guest dimension (walk.c) and the EPT dimension (ept.c).
 *
 * Nothing a translation does is visible until it has succeeded: A/D flags
 * to write and walk-cache entries to fill are queued here and applied by
 * xl_commit(), so a fault leaves memory as it was and fills no cache.
 */
#ifndef EPTSIM_SIM_MMU_XLATE_H
#define EPTSIM_SIM_MMU_XLATE_H

#include "sim/mmu/mmu.h"

/* A/D writes: 5 guest entries + 6 EPT walks x 5 entries */
#define XL_MAX_WRITES 40u
/* cache fills: 4 guest PSC + 6 x (4 EPT PSC + 1 nested TLB) */
#define XL_MAX_FILLS 36u

struct xl_write {
	uint64_t *xw_ptr;
	uint64_t xw_bits;
};

struct xl_fill {
	struct tlb_array *xf_array;
	struct tlb_entry xf_entry;
};

struct xl {
	struct mmu *x_m;
	const struct mmu_req *x_req;
	struct mmu_walk *x_w;
	struct tlb_tag x_tag;           /* linear/combined mappings: mmu_tag() */
	struct tlb_tag x_gptag;         /* guest-physical mappings: mmu_gptag() */
	unsigned x_nwrites, x_nfills;
	struct xl_write x_writes[XL_MAX_WRITES];
	struct xl_fill x_fills[XL_MAX_FILLS];
};

/* the result of one stage-2 (GPA -> HPA) translation */
struct xl_s2 {
	uint64_t s2_hpa;
	unsigned s2_shift;      /* EPT page size */
	unsigned s2_eperm;      /* MMU_EPERM_* folded over the levels */
	unsigned s2_memtype;
};

/* what a stage-2 translation is for */
struct xl_s2req {
	uint64_t sr_gpa;
	unsigned sr_need;       /* MMU_EPERM_* the access needs */
	uint64_t sr_eq_acc;     /* EPT_EQ_READ / WRITE / FETCH bits of the access */
	bool sr_write;          /* a write for EPT A/D purposes (sets D in the leaf) */
	bool sr_paging;         /* an access to a guest paging-structure entry */
	unsigned sr_glevel;     /* the guest level served; 0: the final GPA */
};

/* xl_step - append a step to the walk's record; returns it */
struct mmu_step *xl_step(struct xl *x, enum mmu_step_kind kind,
			 enum mmu_dim dim, unsigned level);

/* xl_write - queue `bits` to be set at `p` when the translation succeeds */
void xl_write(struct xl *x, uint64_t *p, uint64_t bits);

/*
 * xl_fill - queue `e` to be filled into `ta` when the translation
 * succeeds, covering 2^shift bytes at `addr`, tagged `tag`.
 */
void xl_fill(struct xl *x, struct tlb_array *ta, const struct tlb_entry *e,
	     uint64_t addr, unsigned shift, const struct tlb_tag *tag);

/* xl_entry - pointer to the 8-byte entry at `hpa`, NULL where memory reads as zero */
uint64_t *xl_entry(const struct xl *x, uint64_t hpa);

/*
 * ept_xlate - translate sr->sr_gpa through the EPT (nested TLB, EPT PSC,
 * then memory).  Returns true with *out filled, or false with x->x_w's
 * stop, exit qualification, fault GPA and level set (violation or
 * misconfiguration).  Natively (EPT off) the identity, with no step.
 */
bool ept_xlate(struct xl *x, const struct xl_s2req *sr, struct xl_s2 *out);

#endif
