/*
 * replay.c - a trace replayed through the machine (see replay.h).
 */
#include "sim/replay.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/cfg_load.h"
#include "sim/proc/proc.h"
#include "sim/sim.h"
#include "traces/trace.h"

#define RP_REGION_SHIFT 21      /* demand mapping: 2 MiB regions */
#define RP_RECENT 64            /* regions known mapped, direct-mapped by number */

struct replay {
	struct tr_reader *rp_r;
	struct tr_rec rp_first;         /* the record after the trace's prologue */
	bool rp_have_first;
	bool rp_demand;                 /* TR_F_DEMAND: one process, mapped on demand */
	struct tr_set rp_regions;       /* demand: the regions mapped (number + 0) */
	uint64_t rp_recent[RP_RECENT];  /* demand: region number + 1 of recently used ones */
	struct proc *rp_p;              /* the process whose turn it is (NULL before the first) */
	struct vcpu *rp_vc;
	bool rp_skip;                   /* rp_p died here, not in the recording: skip its records */
	bool rp_dying;                  /* rp_p's last access was refused: its kill comes next */
	uint64_t rp_fault_va;
	uint64_t rp_ip;                 /* demand: the instruction of the last fetch (lackey, ChampSim) */
	bool rp_ended;                  /* the run ended (the machine ran out of memory) */
};

/* rp_errf - err = "TRACE: record N: what"; -EINVAL */
static int rp_errf(const struct sim *s, struct eptsim_error *err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int rp_errf(const struct sim *s, struct eptsim_error *err, const char *fmt, ...)
{
	char what[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	cfg_errf(err, "%s: record %llu: %s", s->s_cfg->source.trace,
		 (unsigned long long)s->s_rp->rp_r->r_records, what);
	return -EINVAL;
}

/*
 * kernel_op - a kernel operation of the trace on `p`, made again; its
 * result must be the recorded one.  0, -EINVAL (diverged, err says),
 * -ENOMEM; a copy that ends the run sets rp_ended.
 */
static int kernel_op(struct sim *s, struct proc *p, const struct tr_rec *rec,
		     struct eptsim_error *err)
{
	uint64_t a = rec->addr;
	int64_t res;
	int rc;

	switch (rec->kind) {
	case TR_MMAP:
		rc = proc_mmap(p, &a, rec->len, rec->prot, rec->flag);
		res = rc < 0 ? rc : (int64_t)a;
		break;
	case TR_MUNMAP:
		res = proc_munmap(p, rec->addr, rec->len);
		break;
	case TR_MPROTECT:
		res = proc_mprotect(p, rec->addr, rec->len, rec->prot);
		break;
	case TR_MADVISE:
		res = proc_madvise(p, rec->addr, rec->len);
		break;
	case TR_BRK:
		rc = proc_brk(p, rec->addr, &a);
		res = rc < 0 ? rc : (int64_t)a;
		break;
	case TR_BRK_BASE:
		proc_brk_base(p, rec->addr);
		return 0;
	case TR_COPY:
		if (!s->s_rp->rp_vc)
			return rp_errf(s, err, "a copy before the first turn");
		res = sim_copy(s, s->s_rp->rp_vc, rec->addr, rec->len, rec->flag);
		if (res == 1) {
			s->s_rp->rp_ended = true;
			return 0;
		}
		if (res == -ENOMEM) {
			cfg_errf(err, "the host ran out of memory");
			return -ENOMEM;
		}
		break;
	default:
		return rp_errf(s, err, "a %s record where a kernel operation was expected",
			       tr_kind_name(rec->kind));
	}
	/* -ENOMEM is also the model's answer (no room): a divergence like any other */
	if (res != rec->res)
		return rp_errf(s, err, "%s of %#llx+%#llx: the recorded run got %lld, this replay %lld; the trace cannot be replayed under this configuration (it changes the kernel's decisions)",
			       tr_kind_name(rec->kind), (unsigned long long)rec->addr,
			       (unsigned long long)rec->len, (long long)rec->res, (long long)res);
	return 0;
}

int replay_init(struct sim *s, struct eptsim_error *err)
{
	const struct cfg *c = s->s_cfg;
	const struct tr_open_opts o = { .format = (enum tr_format)c->source.format,
					.access_size = (unsigned)c->source.access_size };
	struct replay *rp = calloc(1, sizeof(*rp));
	struct tr_rec rec;
	int rc;

	s->s_rp = rp;
	s->s_procs = calloc(TR_MAX_PROCS, sizeof(*s->s_procs));
	if (!rp || !s->s_procs) {
		cfg_errf(err, "the host ran out of memory");
		return -ENOMEM;
	}
	rc = tr_open(&rp->rp_r, c->source.trace, &o, err);
	if (rc < 0)
		return rc;
	if (rp->rp_r->r_ncpus > c->cpus) {
		cfg_errf(err, "%s: the trace runs on %u vCPUs and cpus is %llu (--set cpus=%u)",
			 c->source.trace, rp->rp_r->r_ncpus, (unsigned long long)c->cpus,
			 rp->rp_r->r_ncpus);
		return -EINVAL;
	}
	if (rp->rp_r->r_flags & TR_F_DEMAND) {
		rp->rp_demand = true;
		s->s_nprocs = 1;
		return proc_init_replay(&s->s_procs[0], s, 0, 0, c->source.trace, err);
	}
	/* the prologue: the processes and their address spaces, up to the first turn */
	while ((rc = tr_next(rp->rp_r, &rec, err)) > 0) {
		if (rec.kind == TR_PROC) {
			if (rec.proc != s->s_nprocs)
				return rp_errf(s, err, "process %u starts; expected process %zu (processes are numbered from 0 in order)",
					       rec.proc, s->s_nprocs);
			if (rec.cpu >= c->cpus)
				return rp_errf(s, err, "process %u runs on vCPU %u; cpus is %llu",
					       rec.proc, rec.cpu, (unsigned long long)c->cpus);
			s->s_nprocs++;
			rc = proc_init_replay(&s->s_procs[rec.proc], s, rec.proc, rec.cpu,
					      rec.name, err);
			if (rc < 0)
				return rc;
			continue;
		}
		if (rec.kind >= TR_BRK_BASE && rec.kind <= TR_BRK) {
			if (s->s_nprocs == 0)
				return rp_errf(s, err, "a %s record before any process", tr_kind_name(rec.kind));
			rc = kernel_op(s, &s->s_procs[s->s_nprocs - 1], &rec, err);
			if (rc < 0)
				return rc;
			continue;
		}
		rp->rp_first = rec;
		rp->rp_have_first = true;
		break;
	}
	if (rc < 0)
		return rc;
	if (s->s_nprocs == 0)
		return rp_errf(s, err, "no process: a native trace starts with its processes (proc records)");
	return 0;
}

/*
 * die - rp_p dies for the access refused last, which the recording did
 * not refuse (or, mapped on demand, could not map).  Its instruction is
 * known only in a trace of instructions (the last fetch); else 0.
 */
static void die(struct replay *rp)
{
	proc_kill(rp->rp_p, SIGSEGV, rp->rp_fault_va, rp->rp_demand ? rp->rp_ip : 0, true);
	rp->rp_dying = false;
	rp->rp_skip = true;
}

/*
 * demand_map - a trace without address-space events: the 2 MiB regions
 * of [va, va + size) mapped read/write/execute if they are not yet.  A
 * region the kernel refuses (the kernel half, page zero) stays unmapped:
 * the access then faults.  0 or -ENOMEM.
 */
static int demand_map(struct replay *rp, uint64_t va, uint32_t size)
{
	const uint64_t first = va >> RP_REGION_SHIFT;
	const uint64_t last = (va + size - 1 < va ? va : va + size - 1) >> RP_REGION_SHIFT;

	for (uint64_t r = first; r <= last; r++) {
		uint64_t start = r << RP_REGION_SHIFT;
		int rc;

		if (likely(rp->rp_recent[r % RP_RECENT] == r + 1))
			continue;
		rp->rp_recent[r % RP_RECENT] = r + 1;
		rc = tr_set_add(&rp->rp_regions, r);
		if (rc <= 0) {
			if (rc < 0)
				return rc;
			continue;
		}
		/* the first region starts where the kernel lets a process map (Linux's mmap_min_addr) */
		if (start < VM_MMAP_MIN)
			start = VM_MMAP_MIN;
		if (vmspace_mmap(&rp->rp_p->p_vs, &start, ((r + 1) << RP_REGION_SHIFT) - start,
				 VM_PROT_READ | VM_PROT_WRITE | VM_PROT_EXEC, true) == 0)
			rp->rp_vc->vc_ctr[CTR_DEMAND_MAPS]++;
	}
	return 0;
}

/* replay_access - an access record by the process whose turn it is, as the hooks make it */
static int replay_access(struct sim *s, struct replay *rp, const struct tr_rec *rec,
		  struct eptsim_error *err)
{
	static const enum mmu_acc accs[3] = { [TR_READ] = MMU_READ, [TR_WRITE] = MMU_WRITE,
					      [TR_FETCH] = MMU_FETCH };
	struct proc *p = rp->rp_p;
	uint64_t fva;
	int rc;

	if (unlikely(rp->rp_skip || rp->rp_dying)) {
		if (rp->rp_dying)
			die(rp);
		return 0;
	}
	if (rec->kind == TR_FETCH) {
		rp->rp_ip = rec->addr;
		if (rec->n)
			proc_retire(p, rec->n);
	}
	if (rp->rp_demand && (rc = demand_map(rp, rec->addr, rec->size)) < 0)
		goto nomem;
	rc = proc_access(p, rec->addr, rec->size, accs[rec->kind], &fva);
	if (likely(rc == 0)) {
		if (unlikely(++s->s_total == s->s_next_mark)) {
			rc = sim_mark(s, rp->rp_vc);
			if (rc < 0)
				goto nomem;
			rp->rp_ended = rc > 0;
		}
		return 0;
	}
	if (rc < 0)
		goto nomem;
	if (s->s_stop.st_status == EPTSIM_OUT_OF_MEMORY) {
		rp->rp_ended = true;
		return 0;
	}
	/* killed: the recording's kill record comes next (lackey and ChampSim have none) */
	s->s_stop.st_status = EPTSIM_COMPLETED;
	rp->rp_dying = true;
	rp->rp_fault_va = fva;
	if (rp->rp_demand)
		die(rp);
	return 0;
nomem:
	cfg_errf(err, "the host ran out of memory");
	return -ENOMEM;
}

/* turn - vCPU rec->cpu starts a turn of process rec->proc (run_programs' pick) */
static int turn(struct sim *s, struct replay *rp, const struct tr_rec *rec,
		struct eptsim_error *err)
{
	struct vcpu *vc;
	struct proc *p;
	int rc;

	if (rec->proc >= s->s_nprocs)
		return rp_errf(s, err, "a turn of process %u; the trace has %zu", rec->proc, s->s_nprocs);
	vc = &s->s_vm.vm_vcpus[rec->cpu];
	p = &s->s_procs[rec->proc];
	if (vc->vc_state == VCPU_HALTED)
		return rp_errf(s, err, "a turn on vCPU %u, which halted", rec->cpu);
	if (p->p_cpu != rec->cpu)
		return rp_errf(s, err, "a turn of process %u on vCPU %u; it runs on vCPU %u",
			       rec->proc, rec->cpu, p->p_cpu);
	s->s_cur = vc;
	s->s_host.h_cur = vc;
	if (rec->flag)
		sim_switch_to(s, vc, p);
	else if (s->s_cpu_proc[rec->cpu] != p)
		return rp_errf(s, err, "a turn of process %u on vCPU %u without a context switch to it",
			       rec->proc, rec->cpu);
	s->s_as = &p->p_vs;
	s->s_cpu_as[rec->cpu] = &p->p_vs;
	s->s_tag = mmu_tag(&vc->vc_mmu);
	p->p_vc = vc;
	if (p->p_state == PROC_NEW)
		p->p_state = PROC_RUNNING;
	rp->rp_p = p;
	rp->rp_vc = vc;
	rp->rp_skip = !proc_alive(p);
	if (s->s_total == s->s_next_mark) {
		rc = sim_mark(s, vc);
		if (rc < 0) {
			cfg_errf(err, "the host ran out of memory");
			return rc;
		}
		rp->rp_ended = rc > 0;
	}
	return 0;
}

/* halt - vCPU i halts (nothing left to run on it) */
static void halt(struct sim *s, unsigned i)
{
	struct vcpu *vc = &s->s_vm.vm_vcpus[i];

	s->s_cur = vc;
	s->s_host.h_cur = vc;
	vmx_halt(vc);
}

/* step - one record of the trace after its prologue */
static int step(struct sim *s, struct replay *rp, const struct tr_rec *rec,
		struct eptsim_error *err)
{
	if (rec->kind <= TR_FETCH) {
		if (unlikely(!rp->rp_p))
			return rp_errf(s, err, "a %s before the first turn", tr_kind_name(rec->kind));
		return replay_access(s, rp, rec, err);
	}
	if (rp->rp_dying && rec->kind != TR_INSNS && rec->kind != TR_KILL)
		die(rp);
	switch (rec->kind) {
	case TR_TURN:
		return turn(s, rp, rec, err);
	case TR_HALT:
		if (s->s_vm.vm_vcpus[rec->cpu].vc_state == VCPU_HALTED)
			return rp_errf(s, err, "vCPU %u halts twice", rec->cpu);
		halt(s, rec->cpu);
		return 0;
	case TR_PROC:
		return rp_errf(s, err, "process %u starts after the first turn (processes start together at the beginning of a trace)",
			       rec->proc);
	default:
		break;
	}
	if (!rp->rp_p)
		return rp_errf(s, err, "a %s record before the first turn", tr_kind_name(rec->kind));
	if (rp->rp_skip)
		return 0;
	switch (rec->kind) {
	case TR_INSNS:
		proc_retire(rp->rp_p, rec->n);
		return 0;
	case TR_SYSCALL:
		proc_sys_enter(rp->rp_p, rec->addr, rec->flag);
		return 0;
	case TR_SYSRET:
		sim_charge(s, rp->rp_vc);
		return 0;
	case TR_EXIT:
		proc_exit(rp->rp_p, rec->addr);
		return 0;
	case TR_KILL:
		proc_kill(rp->rp_p, (int)rec->prot, rec->addr, rec->len, rec->flag);
		rp->rp_dying = false;
		return 0;
	default:
		return kernel_op(s, rp->rp_p, rec, err);
	}
}

int replay_run(struct sim *s, struct eptsim_error *err)
{
	struct replay *rp = s->s_rp;
	struct tr_rec rec;
	int rc = 1;

	sim_sched_init(s);
	if (rp->rp_demand) {
		const struct tr_rec t = { .kind = TR_TURN, .cpu = 0, .proc = 0 };

		rc = turn(s, rp, &t, err);
		if (rc < 0)
			return rc;
		rc = 1;
	}
	if (rp->rp_have_first) {
		rc = step(s, rp, &rp->rp_first, err);
		rc = rc < 0 ? rc : 1;
	}
	while (rc > 0 && !rp->rp_ended) {
		rc = tr_next(rp->rp_r, &rec, err);
		if (rc > 0) {
			rc = step(s, rp, &rec, err);
			rc = rc < 0 ? rc : 1;
		}
	}
	if (rc < 0)
		return rc;
	if (rp->rp_dying)
		die(rp);
	if (!rp->rp_ended) {
		/* the trace is over: a process without an end exits; the CPUs halt */
		if (rp->rp_demand && proc_alive(&s->s_procs[0]))
			proc_exit(&s->s_procs[0], 0);
		for (unsigned i = 0; i < s->s_vm.vm_nvcpus; i++)
			if (s->s_vm.vm_vcpus[i].vc_state != VCPU_HALTED)
				halt(s, i);
	}
	if (s->s_stop.st_status == EPTSIM_COMPLETED && s->s_kill.st_status == EPTSIM_KILLED)
		s->s_stop = s->s_kill;
	return 0;
}

void replay_fini(struct sim *s)
{
	struct replay *rp = s->s_rp;

	if (!rp)
		return;
	tr_close(rp->rp_r);
	tr_set_fini(&rp->rp_regions);
	free(rp);
	s->s_rp = NULL;
}

void replay_info(const struct sim *s, const char **format, unsigned long long *records,
		 bool *demand)
{
	const struct replay *rp = s->s_rp;

	*format = rp ? tr_format_names[rp->rp_r->r_fmt] : "none";
	*records = rp ? (unsigned long long)rp->rp_r->r_records : 0;
	*demand = rp && rp->rp_demand;
}
