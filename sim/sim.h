/*
 * sim.h - one simulated machine and the access pipeline:
 *
 *   source --(va, read/write)--> sim_access
 *        TLB (L1 dTLB, STLB) --hit--> charge, done
 *        miss --> mmu_translate (guest PSCs) --ok--> fill the TLB, done
 *                          --#PF--> kernel model vm_fault --> retry
 *                                                        --> SIGSEGV / OOM: the run ends
 *
 * Native mode only so far: the kernel model runs directly on the machine's
 * physical memory, one process, one CPU.  Every step charges integer
 * cycles from the machine preset into one of the cycle counters.
 */
#ifndef EPTSIM_SIM_SIM_H
#define EPTSIM_SIM_SIM_H

#include "eptsim.h"
#include "kernel-model/vm_fault.h"
#include "sim/cfg.h"
#include "sim/mmu/mmu.h"
#include "sim/pmem.h"
#include "sim/stats.h"
#include "sim/tlb/tlb.h"

/* why the run stopped before the source was exhausted */
struct sim_stop {
	enum eptsim_status st_status;
	uint64_t st_va;         /* the access that ended it */
	enum mmu_acc st_acc;
};

struct sim {
	const struct cfg *s_cfg;
	struct pmem s_mem;
	struct vm_phys s_phys;
	struct vmspace s_vs;
	struct mmu s_mmu;       /* memory, capabilities, paging controls */
	struct mmu_pwc s_pwc;   /* walk caches */
	struct tlb s_tlb;
	uint64_t s_ctr[SIM_NCOUNTERS];
	struct sim_stop s_stop;
	/* samples: s_nsamples rows of SIM_NCOUNTERS values */
	uint64_t *s_samples;
	size_t s_nsamples, s_samples_cap;
};

/* sim_init - build the machine `c` describes: memory, kernel, process, TLBs. */
int sim_init(struct sim *s, const struct cfg *c, struct eptsim_error *err) MUST_CHECK;
void sim_fini(struct sim *s);

/*
 * sim_run - drive the configured source to its end or until the process
 * dies.  Returns 0 (see s_stop for how it ended), or -ENOMEM when the
 * host runs out of memory.
 */
int sim_run(struct sim *s, struct eptsim_error *err) MUST_CHECK;

/*
 * sim_access - one access by the process: 0 when done, 1 when it ended
 * the run (s_stop filled), -ENOMEM for host memory exhaustion.
 */
int sim_access_slow(struct sim *s, uint64_t va, enum mmu_acc acc,
		    struct tlb_entry *hit) MUST_CHECK;

/*
 * sim_tlb_usable - can a TLB entry serve this access as it is?  A write needs W
 * and a dirty entry (else the CPU walks to set D); rights as cached.
 */
static inline bool sim_tlb_usable(const struct tlb_entry *e, enum mmu_acc acc)
{
	if (acc == MMU_WRITE)
		return (e->te_perm & MMU_PERM_W) && e->te_dirty &&
		       (e->te_perm & MMU_PERM_U);
	if (acc == MMU_FETCH)
		return (e->te_perm & (MMU_PERM_X | MMU_PERM_U)) ==
		       (MMU_PERM_X | MMU_PERM_U);
	return e->te_perm & MMU_PERM_U;
}

/* sim_access - the inline fast path: an L1 hit that can be used */
static inline int MUST_CHECK sim_access(struct sim *s, uint64_t va,
					enum mmu_acc acc)
{
	struct tlb_entry *e = tlb_array_probe(&s->s_tlb.tlb_l1d, va >> PAGE_SHIFT);

	if (likely(e != NULL && sim_tlb_usable(e, acc))) {
		s->s_ctr[CTR_L1D_HITS]++;
		s->s_ctr[CTR_CYC_TLB] += s->s_cfg->machine.l1d.latency;
		return 0;
	}
	return sim_access_slow(s, va, acc, e);
}

#endif
