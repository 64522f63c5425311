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
 * A program source runs its processes in Unicorn (sim/proc); a trace
 * source replays what a recorded run or another tool wrote (sim/replay.h),
 * through the same pipeline, and a program run can be recorded (s_rec).
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

/* why the run stopped before the source was exhausted (programs: the first process killed) */
struct sim_stop {
	enum eptsim_status st_status;
	uint64_t st_va;         /* the access that ended it */
	enum mmu_acc st_acc;
	unsigned st_cpu;        /* the CPU that made it */
	int st_proc;            /* programs: the process (index), else -1 */
	int st_signal;          /* EPTSIM_KILLED: the signal (SIGSEGV, SIGILL, ...) */
	uint64_t st_ip;         /* programs: the instruction that made it */
	bool st_mem;            /* programs: killed for an access (st_va, st_acc), not a CPU exception */
};

struct proc;
struct replay;
struct tr_writer;
struct tr_rec;

struct sim {
	const struct cfg *s_cfg;
	struct pmem s_mem;      /* host-physical memory */
	struct vm_kern s_gk;    /* the guest kernel (natively: the kernel) */
	struct host s_host;     /* VM: the host kernel and the EPT */
	bool s_up_gk, s_up_host, s_up_vs, s_up_vm;
	struct vmspace s_vs;    /* the synthetic source's process */
	struct vmspace *s_as;   /* the address space of the process whose turn it is */
	struct vcpu *s_cur;     /* the CPU whose turn it is */
	/* programs (source.kind "program") */
	struct proc *s_procs;
	size_t s_nprocs;
	bool s_quiet;           /* discard the programs' output (the native baseline) */
	struct vmspace *s_cpu_as[VMX_MAX_VCPUS];        /* what each CPU's CR3 maps */
	struct proc *s_cpu_proc[VMX_MAX_VCPUS];         /* the process each CPU runs */
	uint64_t s_cpu_slice[VMX_MAX_VCPUS];            /* instructions of its timeslice used */
	uint64_t s_total;       /* accesses made, all CPUs */
	uint64_t s_next_mark;   /* s_total of the next event or sample */
	uint64_t s_next_sample;
	struct sim_stop s_kill; /* programs: the first process killed (st_status EPTSIM_KILLED) */
	bool s_user;            /* accesses are made in user mode (false: copyin/copyout) */
	size_t s_next_ev;       /* the next of cfg.events to happen */
	/* recording (cfg record): the native trace being written; its first error */
	struct tr_writer *s_rec;
	int s_rec_rc;
	struct eptsim_error s_rec_err;
	struct replay *s_rp;    /* source.kind "trace": the replay (sim/replay.c) */
	/* progress calls (eptsim_run_ex): NULL opts: none; the next at s_next_progress accesses */
	const struct eptsim_run_opts *s_prog_opts;
	struct eptsim_progress s_prog;
	uint64_t s_next_progress;
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
 * sim_init_quiet - sim_init whose programs' output is discarded (a
 * native baseline reruns the programs; their output was given once).
 */
int sim_init_quiet(struct sim *s, const struct cfg *c, struct eptsim_error *err) MUST_CHECK;

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
 * sim_access_slow - everything after the inline probe of the 4 KiB array
 * of the access's L1 TLB, whose result is `hit` (an entry that could not
 * be used, or NULL).
 * 0 when done, 1 when the access ended the run (s_stop filled), -ENOMEM
 * for host memory exhaustion.
 */
int sim_access_slow(struct sim *s, struct vcpu *vc, uint64_t va,
		    enum mmu_acc acc, struct tlb_entry *hit) MUST_CHECK;

/*
 * sim_copy - the kernel copies [addr, addr + len) from (copyin) or to
 * (copyout, `write`) the process whose turn it is, on `vc` (see sim.c).
 * 0, 1 (the run ended: out of memory), -EFAULT (an address the process
 * may not access), -ENOMEM.
 */
int sim_copy(struct sim *s, struct vcpu *vc, uint64_t addr, uint64_t len,
	     bool write) MUST_CHECK;

/*
 * sim_shoot - the guest kernel's TLB shootdown of `npages` pages from
 * `sva` (UINT64_MAX: all) of address space `vs`, from the CPU whose turn
 * it is; CPUs that may hold its entries under a PCID without running it
 * are marked in *stale (NULL: none can).  See sim.c.
 */
void sim_shoot(struct sim *s, const struct vmspace *vs, uint64_t *stale,
	       uint64_t sva, uint64_t npages);

/*
 * sim_charge - the kernels' work since the last charge, in cycles, to
 * `vc` (after a fault, an event, a system call); the TLB tag refreshed
 * (a shootdown may have reloaded CR3).
 */
void sim_charge(struct sim *s, struct vcpu *vc);

/*
 * sim_record - append `r` to the trace being recorded (s_rec, not NULL).
 * A write error is kept in s_rec_rc/s_rec_err, recording stops, and
 * sim_run fails with it at the end.
 */
void sim_record(struct sim *s, const struct tr_rec *r);

/*
 * sim_switch_to - the kernel on `vc` switches from the process it ran to
 * `p` (see sim.c); sim_sched_init - the CPUs before the first turn: each
 * holds its first process's tables, nothing of it cached yet.
 */
void sim_switch_to(struct sim *s, struct vcpu *vc, struct proc *p);
void sim_sched_init(struct sim *s);

/* sim_vs_init - an empty process address space in the guest kernel (vmspace_init) */
int sim_vs_init(struct sim *s, struct vmspace *vs) MUST_CHECK;

/*
 * sim_mark - s_total reached s_next_mark: run the events due, take the
 * sample due, set the next mark.  0, 1 (the run ended), -ENOMEM.
 */
int sim_mark(struct sim *s, struct vcpu *vc) MUST_CHECK;

/*
 * sim_progress_init - make progress calls to `o` (NULL: none) during
 * sim_run, as phase `phase` of `phases`; call after sim_init.
 */
void sim_progress_init(struct sim *s, const struct eptsim_run_opts *o, int phase,
		       int phases);

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

/*
 * sim_access - the inline fast path: a usable hit in the 4 KiB array of
 * the access's L1 TLB (data, or instructions for a fetch).
 */
static inline int MUST_CHECK sim_access(struct sim *s, struct vcpu *vc,
					uint64_t va, enum mmu_acc acc)
{
	const enum tlb_side side = acc == MMU_FETCH ? TLB_INSN : TLB_DATA;
	struct tlb_entry *e;

	e = tlb_array_probe(&vc->vc_tlb.tlb_l1[side].tl_arr[TLB_4K], va,
			    PAGE_SHIFT, &s->s_tag);
	if (likely(e != NULL && sim_tlb_usable(e, acc))) {
		vc->vc_ctr[side == TLB_INSN ? CTR_L1I_HITS_4K : CTR_L1D_HITS_4K]++;
		vc->vc_ctr[CTR_CYC_TLB] += side == TLB_INSN
						   ? s->s_cfg->machine.tlb.l1i.latency
						   : s->s_cfg->machine.tlb.l1d.latency;
		return 0;
	}
	return sim_access_slow(s, vc, va, acc, e);
}

#endif
