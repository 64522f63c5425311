/*
 * sim.h - one simulated machine and the access pipeline:
 *
 *   for each (v)CPU in turn, `quantum` accesses of its stream:
 *     source --(va, read/write)--> sim_access(cpu)
 *        TLB (L1, STLB; tagged VPID/PCID/EP4TA) --hit--> charge, done
 *        miss --> mmu_translate (walk caches, page-table line cache)
 *                 --ok--> fill the TLB, done
 *                 --#PF--> guest kernel model: vm_fault --> retry
 *                 --EPT violation--> VM exit, the host kernel's policy
 *                                    (sim/host.h): A/D emulation or
 *                                    vm_fault + EPT entry, VM entry --> retry
 *                 --fatal--> SIGSEGV / out of memory: the run ends
 *
 * Natively the kernel model runs on the machine's physical memory and
 * the CPUs are plain.  In a VM (vm.enabled) the host kernel owns the
 * machine's memory; guest-physical memory (vm.memory bytes) is an object
 * of the host that backs each page when first touched, and the guest
 * kernel runs on guest-physical memory, reaching it through the host
 * (sim/host.h); the CPUs are the VM's vCPUs (sim/vmx).  All CPUs run
 * threads of one process (one address space) with their own streams of
 * the source; the workload's events (cfg_event) act on that process and
 * on the kernels' memory at given moments.
 *
 * Every step charges integer cycles from the machine preset to one of the
 * cycle counters of the CPU that made it; the run's counters are the sums
 * over CPUs.
 */
#ifndef EPTSIM_SIM_SIM_H
#define EPTSIM_SIM_SIM_H

#include "eptsim.h"
#include "kernel-model/vm_fault.h"
#include "sim/cfg.h"
#include "sim/mmu/mmu.h"
#include "sim/host.h"
#include "sim/pmem.h"
#include "sim/stats.h"
#include "sim/tlb/tlb.h"
#include "sim/vmx/vmx.h"

/* why the run stopped before the source was exhausted */
struct sim_stop {
	enum eptsim_status st_status;
	uint64_t st_va;         /* the access that ended it */
	enum mmu_acc st_acc;
	unsigned st_cpu;        /* the CPU that made it */
};

struct sim {
	const struct cfg *s_cfg;
	struct pmem s_mem;      /* host-physical memory */
	struct vm_kern s_gk;    /* the guest kernel (natively: the kernel) */
	struct host s_host;     /* VM: the host kernel and the EPT */
	bool s_up_gk, s_up_host, s_up_vs, s_up_vm;
	struct vmspace s_vs;    /* the process */
	struct vcpu *s_cur;     /* the CPU whose turn it is */
	bool s_user;            /* accesses are made in user mode (false: copyin/copyout) */
	size_t s_next_ev;       /* the next of cfg.events to happen */
	/* observe the machine after every access and every event (tests, tools); NULL: none */
	void (*s_step)(void *ctx, struct sim *s);
	void *s_step_ctx;
	/* kernel counts already charged to a CPU (see charge() in sim.c) */
	struct vm_kstats s_gk_charged, s_hk_charged;
	struct vm s_vm;         /* the CPUs: a VM's vCPUs, or native CPUs */
	struct tlb_tag s_tag;   /* the context of the CPU whose turn it is */
	uint64_t s_ctr[SIM_NCOUNTERS];          /* totals, see sim_snapshot() */
	uint64_t s_hist[MMU_MAX_REFS + 1];      /* totals of vc_refs_hist */
	struct sim_stop s_stop;
	/* samples: s_nsamples rows of SIM_NCOUNTERS values */
	uint64_t *s_samples;
	size_t s_nsamples, s_samples_cap;
};

/* sim_init - build the machine `c` describes: memory, kernels, process, CPUs. */
int sim_init(struct sim *s, const struct cfg *c, struct eptsim_error *err) MUST_CHECK;
void sim_fini(struct sim *s);

/*
 * sim_run - drive every CPU's stream to its end or until the process
 * dies.  Returns 0 (see s_stop for how it ended), or -ENOMEM when the
 * host running eptsim runs out of memory.
 */
int sim_run(struct sim *s, struct eptsim_error *err) MUST_CHECK;

/* sim_snapshot - bring s_ctr and s_hist up to date: sums over CPUs, gauges, cycles.total */
void sim_snapshot(struct sim *s);

/*
 * sim_cpu_result - CPU `i` at the end: its state, its counters (gauges as
 * the machine's, cycles.total its own sum), its walk histogram.
 */
void sim_cpu_result(const struct sim *s, unsigned i, enum vcpu_state *state,
		    uint64_t *ctr, uint64_t *hist);

/*
 * sim_access_slow - everything after the inline probe of the L1 data
 * TLB's 4 KiB array, whose result is `hit` (an entry that could not be
 * used, or NULL; always NULL for a fetch, whose L1 has not been probed).
 * 0 when done, 1 when the access ended the run (s_stop filled), -ENOMEM
 * for host memory exhaustion.
 */
int sim_access_slow(struct sim *s, struct vcpu *vc, uint64_t va,
		    enum mmu_acc acc, struct tlb_entry *hit) MUST_CHECK;

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

/* sim_access - the inline fast path: a usable hit in the L1 data TLB's 4 KiB array */
static inline int MUST_CHECK sim_access(struct sim *s, struct vcpu *vc,
					uint64_t va, enum mmu_acc acc)
{
	struct tlb_entry *e;

	if (unlikely(acc == MMU_FETCH))
		return sim_access_slow(s, vc, va, acc, NULL);
	e = tlb_array_probe(&vc->vc_tlb.tlb_l1[TLB_DATA].tl_arr[TLB_4K], va,
			    PAGE_SHIFT, &s->s_tag);
	if (likely(e != NULL && sim_tlb_usable(e, acc))) {
		vc->vc_ctr[CTR_L1D_HITS_4K]++;
		vc->vc_ctr[CTR_CYC_TLB] += s->s_cfg->machine.tlb.l1d.latency;
		return 0;
	}
	return sim_access_slow(s, vc, va, acc, e);
}

#endif
