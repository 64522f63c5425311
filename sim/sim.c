/*
 * sim.c - the machine and the access pipeline (see sim.h).
 */
#include "sim/sim.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "sim/cfg_load.h"
#include "sim/mmu/pte.h"
#include "kernel-model/vm_pageout.h"
#include "sim/proc/proc.h"
#include "sim/synth.h"
#include "sim/replay.h"
#include "traces/trace.h"

const char *const sim_ctr_names[SIM_NCOUNTERS] = {
#define SIM_CTR_NAME(id, name, doc) name,
	SIM_COUNTERS(SIM_CTR_NAME)
#undef SIM_CTR_NAME
};

const char *const sim_ctr_docs[SIM_NCOUNTERS] = {
#define SIM_CTR_DOC(id, name, doc) doc,
	SIM_COUNTERS(SIM_CTR_DOC)
#undef SIM_CTR_DOC
};

/* the counters that are levels, not sums: set by sim_snapshot, not summed */
static bool sim_ctr_gauge(enum sim_ctr i)
{
	return i >= CTR_DATA_FRAMES && i <= CTR_CYCLES;
}

/* cycles_sum - cycles.total: the breakdown adds up to it by construction */
static uint64_t cycles_sum(const uint64_t *k)
{
	return k[CTR_CYC_BASE] + k[CTR_CYC_TLB] + k[CTR_CYC_WALK] +
	       k[CTR_CYC_EXIT] + k[CTR_CYC_FAULT] + k[CTR_CYC_INV] + k[CTR_CYC_KERNEL];
}

/* sim_pcide - the kernel uses PCIDs (CR4.PCIDE) */
static bool sim_pcide(const struct sim *s)
{
	return s->s_cfg->pcid && s->s_cfg->machine.caps.pcid;
}

/*
 * the guest's paging controls: a 64-bit process, CR0.WP and EFER.NXE
 * set; CR3 maps `vs` (with PCID `pcid` if the kernel uses PCIDs)
 */
static void sim_regs(struct sim *s, struct vcpu *vc, struct vmspace *vs,
		     uint16_t pcid)
{
	struct mmu_regs *r = &vc->vc_mmu.mu_regs;

	r->pcide = sim_pcide(s);
	r->cr3 = vs->vs_pmap.pm_root | (r->pcide ? pcid : 0);
	r->la57 = vs->vs_pmap.pm_levels == 5;
	r->wp = true;
	r->nxe = true;
	s->s_cpu_as[vc->vc_id] = vs;
}

/* the address space and PCID CPU i starts with: its first process's, or the synthetic one */
static struct vmspace *first_as(struct sim *s, unsigned i, uint16_t *pcid)
{
	*pcid = 0;
	if (s->s_nprocs == 0)
		return &s->s_vs;
	for (size_t k = 0; k < s->s_nprocs; k++)
		if (s->s_procs[k].p_cpu == i) {
			*pcid = s->s_procs[k].p_pcid;
			return &s->s_procs[k].p_vs;
		}
	*pcid = s->s_procs[0].p_pcid;
	return &s->s_procs[0].p_vs;     /* an idle CPU: it halts at once */
}

/*
 * The guest kernel's TLB shootdowns (pmap_invalidate_* of a process's
 * PT_X86 pmap).  The CPU whose turn it is invalidates its own TLB with
 * INVLPG (or reloads CR3 for more than 32 pages, Linux's
 * tlb_single_page_flush_ceiling) if it runs the process, and sends an IPI
 * to every other CPU that runs it, which does the same; a halted CPU's
 * thread is done, so its TLB is never used again and is left alone.  A
 * CPU running another process may still hold entries of this one under
 * its PCID: it is marked in *stale and flushes that PCID when it next
 * switches to the process (Linux's lazy tlb_gen check).  Without PCIDs
 * the switch flushes anyway.
 */
#define SIM_FLUSH_CEILING 32u

void sim_shoot(struct sim *s, const struct vmspace *vs, uint64_t *stale,
	       uint64_t sva, uint64_t npages)
{
	struct vcpu *cur = s->s_cur;

	if (!cur || cur->vc_state != VCPU_RUNNING)
		return; /* nothing has run yet: nothing is cached */
	for (unsigned i = 0; i < s->s_vm.vm_nvcpus; i++) {
		struct vcpu *vc = &s->s_vm.vm_vcpus[i];
		int rc;

		if (vc->vc_state == VCPU_HALTED)
			continue;
		if (s->s_cpu_as[i] != vs) {
			if (stale)
				*stale |= UINT64_C(1) << i;
			continue;
		}
		if (vc != cur)
			vmx_send_ipi(cur, vc);
		if (npages > SIM_FLUSH_CEILING) {
			rc = vmx_mov_cr3(vc, vc->vc_mmu.mu_regs.cr3);
			ES_ASSERT(rc == 0, "vcpu %u: CR3 reload refused", vc->vc_id);
			continue;
		}
		for (uint64_t p = 0; p < npages; p++)
			vmx_invlpg(vc, sva + p * PAGE_SIZE);
	}
	s->s_tag = mmu_tag(&cur->vc_mmu);
}

static void inval_page(void *ctx, struct pmap *pm, uint64_t va)
{
	struct sim *s = ctx;

	sim_shoot(s, &s->s_vs, NULL, va, 1);
	(void)pm;
}

static void inval_range(void *ctx, struct pmap *pm, uint64_t sva, uint64_t eva)
{
	struct sim *s = ctx;

	sim_shoot(s, &s->s_vs, NULL, sva, (eva - sva) >> PAGE_SHIFT);
	(void)pm;
}

static void inval_all(void *ctx, struct pmap *pm)
{
	struct sim *s = ctx;

	sim_shoot(s, &s->s_vs, NULL, 0, UINT64_MAX);
	(void)pm;
}

/*
 * sim_charge - the kernel work done since the last charge, in cycles, to
 * `vc` (cycles.fault): whatever a kernel did happened on behalf of the
 * CPU whose turn it was.  Also counts the per-CPU fault counters, and
 * refreshes the TLB tag (a shootdown may have reloaded CR3).
 */
void sim_charge(struct sim *s, struct vcpu *vc)
{
	const struct cfg *c = s->s_cfg;
	const struct vm_kstats *g = &s->s_gk.vk_st, *g0 = &s->s_gk_charged;
	const struct vm_kstats *h = &s->s_host.h_k.vk_st, *h0 = &s->s_hk_charged;
	const uint64_t levels = c->machine.caps.la57 ? 5 : 4;
	uint64_t cyc = 0;

#define D(k, f) ((k)->f - (k##0)->f)
	cyc += (D(g, zero_fills) + D(g, pt_allocs)) * c->machine.cycles.page_zero;
	cyc += D(g, swap_ins) * c->machine.cycles.swap_in;
	cyc += D(g, swap_outs) * c->machine.cycles.swap_out;
	cyc += D(g, scanned) * c->machine.cycles.page_scan;
	cyc += D(g, promotions) * c->machine.cycles.promote;
	cyc += D(g, demotions) * c->machine.cycles.demote;
	/* dragonfly's copyin walks the guest tables by hand: a memory read per level */
	cyc += D(g, copy_walks) * levels * c->machine.cycles.memory;
	vc->vc_ctr[CTR_ZERO_FILLS] += D(g, zero_fills);
	vc->vc_ctr[CTR_PT_ALLOCS] += D(g, pt_allocs);
	if (s->s_up_host) {
		cyc += D(h, faults) * c->machine.cycles.ept_fill;
		cyc += (D(h, ad_accessed) + D(h, ad_dirty)) * c->machine.cycles.ad_emulation;
		cyc += (D(h, zero_fills) + D(h, pt_allocs)) * c->machine.cycles.page_zero;
		cyc += D(h, swap_ins) * c->machine.cycles.swap_in;
		cyc += D(h, swap_outs) * c->machine.cycles.swap_out;
		cyc += D(h, scanned) * c->machine.cycles.page_scan;
		cyc += D(h, promotions) * c->machine.cycles.promote;
		cyc += D(h, demotions) * c->machine.cycles.demote;
		vc->vc_ctr[CTR_HOST_FILLS] += D(h, faults);
		s->s_hk_charged = *h;
	}
#undef D
	s->s_gk_charged = *g;
	vc->vc_ctr[CTR_CYC_FAULT] += cyc;
	s->s_tag = mmu_tag(&vc->vc_mmu);
}

/*
 * sim_vm_init - the host kernel on all of the machine's memory, the
 * VM's memory as its object, the EPT by vm.policy; the vCPUs (made, not
 * entered: the guest kernel is built first).  The EPT uses 5 levels where
 * the machine has 5-level EPT.
 */
static int sim_vm_init(struct sim *s, const struct vcpu_config *vcc,
		       const char **what)
{
	const struct cfg *c = s->s_cfg;
	const struct host_config hc = {
		.hc_policy = (enum host_policy)c->vm.policy,
		.hc_guest_bytes = c->vm.memory,
		.hc_swap_bytes = c->swap,
		.hc_first_frame = 1,
		.hc_end_frame = s->s_mem.pm_frames,
		.hc_superpages = c->superpages,
		.hc_fault_2m = c->vm.ept_page == TLB_2M,
		.hc_hw_ad = c->vm.ept_ad && c->machine.caps.ept_ad,
		.hc_ept_2m = c->machine.caps.ept_2m,
		.hc_exec_only = c->machine.caps.ept_execute_only,
		.hc_levels = c->machine.caps.ept_5level ? 5 : 4,
		.hc_maxphyaddr = (unsigned)c->machine.maxphyaddr,
	};
	int rc;

	*what = "the vCPUs";
	rc = vmx_vm_init(&s->s_vm, (unsigned)c->cpus, vcc, &s->s_mem, c->seed);
	if (rc < 0)
		return rc;
	s->s_up_vm = true;
	*what = "the host kernel";
	rc = host_init(&s->s_host, &hc, &s->s_mem, &s->s_vm);
	if (rc < 0)
		return rc;
	s->s_up_host = true;
	return 0;
}

/* sim_vm_enter - load each vCPU's controls and enter it once */
static void sim_vm_enter(struct sim *s)
{
	const struct cfg *c = s->s_cfg;
	const char *why = NULL;

	for (unsigned i = 0; i < s->s_vm.vm_nvcpus; i++) {
		struct vcpu *vc = &s->s_vm.vm_vcpus[i];
		uint16_t pcid;
		struct vmspace *vs = first_as(s, i, &pcid);
		int rc;

		sim_regs(s, vc, vs, pcid);
		vc->vc_vmcs.vmcs_enable_ept = true;
		vc->vc_vmcs.vmcs_eptp = host_eptp(&s->s_host);
		vc->vc_vmcs.vmcs_enable_vpid = c->vm.vpid && c->machine.caps.vpid;
		vc->vc_vmcs.vmcs_vpid = (uint16_t)(i + 1);
		vc->vc_vmcs.vmcs_posted_intr =
			c->vm.posted_interrupts && c->machine.caps.posted_interrupts;
		rc = vmx_entry(vc, &why);
		ES_ASSERT(rc == 0, "vcpu %u: VM entry failed: %s", i, why);
	}
}

int sim_vs_init(struct sim *s, struct vmspace *vs)
{
	const struct cfg *c = s->s_cfg;

	/* the kernel uses 5-level paging where the CPU has it, as Linux does */
	return vmspace_init(vs, &s->s_gk, PT_X86, (unsigned)c->machine.maxphyaddr,
			    c->machine.caps.la57 ? 5 : 4,
			    s->s_gk.vk_superpages ? PMAP_SUPERPAGES : 0);
}

/* sim_procs_init - the programs' processes (proc_init), each with its own PCID */
static int sim_procs_init(struct sim *s, struct eptsim_error *err)
{
	const struct cfg *c = s->s_cfg;

	s->s_procs = calloc(c->nprocs, sizeof(*s->s_procs));
	if (!s->s_procs) {
		cfg_errf(err, "the host ran out of memory");
		return -ENOMEM;
	}
	for (size_t i = 0; i < c->nprocs; i++) {
		int rc = proc_init(&s->s_procs[i], s, (unsigned)i, s->s_quiet, err);

		s->s_nprocs = i + 1;
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int sim_init_as(struct sim *s, const struct cfg *c, bool quiet,
		       struct eptsim_error *err)
{
	const char *what = "physical memory";
	struct vcpu_config vcc;
	uint64_t gframes;
	int rc;

	memset(s, 0, sizeof(*s));
	s->s_cfg = c;
	s->s_user = true;
	s->s_quiet = quiet;
	s->s_next_progress = UINT64_MAX;
	s->s_stop.st_proc = -1;
	cfg_vcpu_config(c, &vcc);
	rc = pmem_init(&s->s_mem, c->memory);
	if (rc < 0)
		goto fail;
	if (c->vm.enabled) {
		rc = sim_vm_init(s, &vcc, &what);
		if (rc < 0)
			goto fail;
	}
	what = "the kernel";
	gframes = c->vm.enabled ? c->vm.memory >> PAGE_SHIFT : s->s_mem.pm_frames;
	rc = vm_kern_init(&s->s_gk, c->vm.enabled ? "guest" : "native", &s->s_mem,
			  1, gframes, c->vm.enabled ? c->vm.swap : c->swap);
	if (rc < 0)
		goto fail;
	s->s_up_gk = true;
	s->s_gk.vk_superpages = c->vm.enabled ? c->vm.superpages : c->superpages;
	if (c->vm.enabled) {
		s->s_gk.vk_gpa = host_gpa;
		s->s_gk.vk_gpa_ctx = &s->s_host;
	}
	if (c->source.kind == CFG_SOURCE_PROGRAM && c->record[0] && !quiet) {
		rc = tr_writer_open(&s->s_rec, c->record, (enum tr_compress)c->record_compression,
				    (unsigned)c->cpus, 0, err);
		if (rc < 0) {
			sim_fini(s);
			return rc;
		}
	}
	if (c->source.kind == CFG_SOURCE_PROGRAM || c->source.kind == CFG_SOURCE_TRACE) {
		rc = c->source.kind == CFG_SOURCE_PROGRAM ? sim_procs_init(s, err)
							  : replay_init(s, err);
		if (rc < 0) {
			sim_fini(s);
			return rc;
		}
	} else {
		what = "the process address space";
		rc = sim_vs_init(s, &s->s_vs);
		s->s_as = &s->s_vs;
		if (rc < 0)
			goto fail;
		s->s_up_vs = true;
		s->s_vs.vs_pmap.pm_inval = (struct pmap_inval){
			.pi_ctx = s,
			.pi_page = inval_page,
			.pi_range = inval_range,
			.pi_all = inval_all,
		};
		/* the synthetic source's footprint: one anonymous read/write region */
		rc = vmspace_mmap(&s->s_vs, &(uint64_t){ c->source.base }, c->source.footprint,
				  VM_PROT_READ | VM_PROT_WRITE, true);
		if (rc < 0)
			goto fail;
	}
	if (c->vm.enabled) {
		sim_vm_enter(s);
	} else {
		what = "the CPUs";
		rc = vmx_vm_init(&s->s_vm, (unsigned)c->cpus, &vcc, &s->s_mem, c->seed);
		if (rc < 0)
			goto fail;
		s->s_up_vm = true;
		for (unsigned i = 0; i < s->s_vm.vm_nvcpus; i++) {
			/* plain CPUs: never in a VM */
			s->s_vm.vm_vcpus[i].vc_vm = NULL;
			uint16_t pcid;
			struct vmspace *vs = first_as(s, i, &pcid);

			s->s_vm.vm_vcpus[i].vc_state = VCPU_RUNNING;
			sim_regs(s, &s->s_vm.vm_vcpus[i], vs, pcid);
		}
	}
	/* building the machine is not charged to anyone */
	s->s_gk_charged = s->s_gk.vk_st;
	s->s_hk_charged = s->s_host.h_k.vk_st;
	return 0;
fail:
	sim_fini(s);
	cfg_errf(err, "cannot set up %s: %s", what, strerror(-rc));
	return rc;
}

int sim_init(struct sim *s, const struct cfg *c, struct eptsim_error *err)
{
	return sim_init_as(s, c, false, err);
}

int sim_init_quiet(struct sim *s, const struct cfg *c, struct eptsim_error *err)
{
	return sim_init_as(s, c, true, err);
}

void sim_fini(struct sim *s)
{
	/* teardown is nobody's work: no shootdowns, no exits */
	s->s_cur = NULL;
	s->s_host.h_cur = NULL;
	s->s_host.h_vm = NULL;
	tr_writer_abort(s->s_rec);      /* not closed by sim_run: unfinished */
	s->s_rec = NULL;
	replay_fini(s);
	for (size_t i = 0; i < s->s_nprocs; i++)
		proc_fini(&s->s_procs[i]);
	free(s->s_procs);
	s->s_procs = NULL;
	s->s_nprocs = 0;
	if (s->s_up_vs) {
		s->s_vs.vs_pmap.pm_inval = (struct pmap_inval){ 0 };
		vmspace_fini(&s->s_vs);
	}
	if (s->s_up_gk)
		vm_kern_fini(&s->s_gk);
	if (s->s_up_host)
		host_fini(&s->s_host);
	if (s->s_up_vm)
		vmx_vm_fini(&s->s_vm);
	s->s_up_vs = s->s_up_gk = s->s_up_host = s->s_up_vm = false;
	if (s->s_mem.pm_dir)
		pmem_fini(&s->s_mem);
	free(s->s_samples);
	s->s_samples = NULL;
}

static int stop(struct sim *s, const struct vcpu *vc, enum eptsim_status st,
		uint64_t va, enum mmu_acc acc)
{
	s->s_stop = (struct sim_stop){ .st_status = st, .st_va = va, .st_acc = acc,
				       .st_cpu = vc->vc_id, .st_proc = -1,
				       .st_signal = st == EPTSIM_KILLED ? SIGSEGV : 0 };
	return 1;
}

static uint32_t fault_type(enum mmu_acc acc)
{
	return acc == MMU_WRITE ? VM_PROT_WRITE
	       : acc == MMU_FETCH ? VM_PROT_EXEC
				  : VM_PROT_READ;
}

/*
 * walk_cost - the cycles of walk `w` on `vc`: each memory reference goes
 * through the page-table line cache (hit, or memory and a fill), each
 * walk-cache hit costs walk_cache_hit.  Counts the line-cache hits.
 */
static uint64_t walk_cost(struct sim *s, struct vcpu *vc, const struct mmu_walk *w)
{
	const struct cfg *c = s->s_cfg;
	static const struct tlb_tag none;
	uint64_t cyc = (uint64_t)(w->psc_hits + w->epsc_hits + w->ntlb_hits) *
		       c->machine.cycles.walk_cache_hit;

	for (unsigned i = 0; i < w->nsteps; i++) {
		const struct mmu_step *st = &w->steps[i];

		if (st->ms_kind != MMU_STEP_REF)
			continue;
		if (tlb_array_on(&vc->vc_ptc) &&
		    tlb_array_probe(&vc->vc_ptc, st->ms_addr, 6, &none)) {
			vc->vc_ctr[CTR_WALK_PTC_HITS]++;
			cyc += c->machine.cycles.pt_cache_hit;
			continue;
		}
		cyc += c->machine.cycles.memory;
		if (tlb_array_on(&vc->vc_ptc))
			tlb_array_fill(&vc->vc_ptc, &(struct tlb_entry){
				.te_vpn = st->ms_addr >> 6, .te_shift = 6 });
	}
	return cyc;
}

/* walk_count - the counters of one walk */
static void walk_count(struct vcpu *vc, const struct mmu_walk *w)
{
	uint64_t *k = vc->vc_ctr;

	k[CTR_WALKS]++;
	k[CTR_WALK_REFS] += w->mem_refs;
	k[CTR_WALK_PSC_HITS] += w->psc_hits;
	k[CTR_WALK_S2] += w->s2_lookups;
	k[CTR_WALK_NTLB_HITS] += w->ntlb_hits;
	k[CTR_WALK_EPSC_LOOKUPS] += w->epsc_lookups;
	k[CTR_WALK_EPSC_HITS] += w->epsc_hits;
	vc->vc_refs_hist[w->mem_refs < MMU_MAX_REFS ? w->mem_refs : MMU_MAX_REFS]++;
}

/*
 * tlb_drop - a fault invalidates the TLB entries this context would use
 * for `va` (SDM Vol. 3A §4.10.4.1 for a #PF; Vol. 3C §29.4.3.1 for the
 * combined mappings of an EPT violation).
 */
static void tlb_drop(struct sim *s, struct vcpu *vc, uint64_t va)
{
	const struct tlb_sel sel = mmu_sel_addr(&s->s_tag, va);

	tlb_invalidate(&vc->vc_tlb, &sel);
}

/*
 * host_ept_fault - the EPT violation goes to the host (exit, its policy,
 * entry; sim/host.h).  0, or 1 when the host is out of memory (the run
 * ends).
 */
static int host_ept_fault(struct sim *s, struct vcpu *vc, const struct mmu_walk *w,
			  uint64_t va, enum mmu_acc acc)
{
	int rc = host_ept_violation(&s->s_host, vc, w->fault_gpa, w->exit_qual, va);

	sim_charge(s, vc);
	if (rc == -ENOMEM)
		return stop(s, vc, EPTSIM_OUT_OF_MEMORY, va, acc);
	ES_ASSERT(rc == 0, "gpa=%#llx qual=%#llx: the host cannot map it (%d)",
		  (unsigned long long)w->fault_gpa,
		  (unsigned long long)w->exit_qual, rc);
	return 0;
}

/* l1_ctr - the first counter (hits_4k) of the L1 level of `side` */
static enum sim_ctr l1_ctr(enum tlb_side side)
{
	return side == TLB_INSN ? CTR_L1I_HITS_4K : CTR_L1D_HITS_4K;
}

/* psize_of - the enum tlb_psize of a shift of 12, 21 or 30 */
static unsigned psize_of(unsigned shift)
{
	return (shift - PAGE_SHIFT) / 9;
}

/*
 * lookup - one TLB lookup for the access, counted and charged: the L1
 * of its side (whose 4 KiB array the inline path may have probed already:
 * `probed`, with result `e`), then the STLB.  Returns the entry found,
 * usable or not, or NULL.
 */
static struct tlb_entry *lookup(struct sim *s, struct vcpu *vc, uint64_t va,
				enum tlb_side side, bool probed,
				struct tlb_entry *e)
{
	const struct cfg *c = s->s_cfg;
	const struct cfg_tlb *l1 = side == TLB_INSN ? &c->machine.tlb.l1i
						    : &c->machine.tlb.l1d;
	const enum sim_ctr k1 = l1_ctr(side);
	unsigned shift = PAGE_SHIFT;
	enum tlb_hit h;

	vc->vc_ctr[CTR_CYC_TLB] += l1->latency;
	if (!probed)
		e = tlb_array_probe(&vc->vc_tlb.tlb_l1[side].tl_arr[TLB_4K], va,
				    PAGE_SHIFT, &s->s_tag);
	if (e) {
		vc->vc_ctr[k1 + TLB_4K]++;
		return e;
	}
	h = tlb_lookup_slow(&vc->vc_tlb, side, va, &s->s_tag, &e, &shift);
	if (h == TLB_HIT_L1) {
		vc->vc_ctr[k1 + psize_of(shift)]++;
		return e;
	}
	vc->vc_ctr[k1 + (CTR_L1D_MISSES - CTR_L1D_HITS_4K)]++;
	vc->vc_ctr[CTR_CYC_TLB] += c->machine.tlb.stlb.latency;
	if (h == TLB_HIT_L2) {
		vc->vc_ctr[CTR_STLB_HITS_4K + psize_of(shift)]++;
		return e;
	}
	vc->vc_ctr[CTR_STLB_MISSES]++;
	return NULL;
}

/*
 * combined_perm - the rights a TLB entry caches for walk `w`: under EPT
 * the guest's rights and the EPT's together (SDM Vol. 3C §29.4.1: a
 * combined mapping caches both), so a write through an entry whose EPT
 * page is not writable (bhyve's A/D emulation withholding W) misses and
 * walks, and the walk takes the EPT violation.
 */
static unsigned combined_perm(const struct vcpu *vc, const struct mmu_walk *w)
{
	unsigned perm = w->perm;

	if (!vc->vc_mmu.mu_ept.me_enabled)
		return perm;
	if (!(w->eperm & MMU_EPERM_W))
		perm &= ~MMU_PERM_W;
	if (!(w->eperm & (MMU_EPERM_X | MMU_EPERM_UX)))
		perm &= ~MMU_PERM_X;
	return perm;
}

int sim_access_slow(struct sim *s, struct vcpu *vc, uint64_t va,
		    enum mmu_acc acc, struct tlb_entry *hit)
{
	const struct cfg *c = s->s_cfg;
	const enum tlb_side side = acc == MMU_FETCH ? TLB_INSN : TLB_DATA;
	const struct mmu_req req = { .va = va, .acc = acc, .user = s->s_user };

	for (unsigned attempt = 0;; attempt++) {
		struct tlb_entry *e;
		struct mmu_walk w;
		enum vm_fault_result res;
		int rc;

		e = lookup(s, vc, va, side, attempt == 0, hit);
		if (e && sim_tlb_usable(e, acc))
			return 0;
		if (e)
			vc->vc_ctr[CTR_WALK_ASSISTS]++;

		mmu_translate(&vc->vc_mmu, &req, &w);
		walk_count(vc, &w);
		vc->vc_ctr[CTR_CYC_WALK] += walk_cost(s, vc, &w);
		if (w.stop == MMU_OK) {
			const uint64_t size = UINT64_C(1) << w.page_shift;
			struct tlb_entry fill = {
				.te_shift = (uint8_t)w.page_shift,
				.te_pfn = (w.pa & ~(size - 1)) >> PAGE_SHIFT,
				.te_perm = (uint8_t)combined_perm(vc, &w),
				.te_dirty = w.dirty,
				.te_global = w.global,
			};

			tlb_entry_tag(&fill, &s->s_tag);
			tlb_fill(&vc->vc_tlb, side, va, &fill);
			vc->vc_ctr[CTR_WALK_DONE_4K + psize_of(w.page_shift)]++;
			return 0;
		}
		vc->vc_ctr[CTR_WALK_FAULTS]++;
		tlb_drop(s, vc, va);
		ES_ASSERT(attempt < 16, "va=%#llx acc=%d stop=%d: no progress after %u faults",
			  (unsigned long long)va, (int)acc, (int)w.stop, attempt);
		switch (w.stop) {
		case MMU_NONCANONICAL:
			/* #GP in user mode: the kernel sends SIGSEGV */
			vc->vc_ctr[CTR_SEGV]++;
			return stop(s, vc, EPTSIM_KILLED, va, acc);
		case MMU_EPT_VIOLATION:
			rc = host_ept_fault(s, vc, &w, va, acc);
			if (rc != 0)
				return rc;
			continue;
		case MMU_EPT_MISCONFIG:
			ES_ASSERT(false, "gpa=%#llx: EPT misconfiguration in the host's own EPT",
				  (unsigned long long)w.fault_gpa);
			return -EINVAL;
		case MMU_NOT_PRESENT:
		case MMU_PROTECTION:
		case MMU_RESERVED:
		case MMU_OK:
			break;
		}
		/* a #PF goes to the guest kernel: no VM exit under EPT */
		vc->vc_ctr[CTR_PAGE_FAULTS]++;
		vc->vc_ctr[CTR_CYC_FAULT] += c->machine.cycles.page_fault;
		rc = vm_fault(s->s_as, va, fault_type(acc), &res);
		sim_charge(s, vc);
		if (rc == -EFAULT) {
			vc->vc_ctr[CTR_SEGV]++;
			return stop(s, vc, EPTSIM_KILLED, va, acc);
		}
		if (rc == -ENOMEM)
			return stop(s, vc, EPTSIM_OUT_OF_MEMORY, va, acc);
		if (rc < 0)
			return rc;
	}
}

/* sim_kstats - a kernel's counts into the counters from `first` on, in VM_KSTATS order */
static void sim_kstats(uint64_t *k, enum sim_ctr first, const struct vm_kstats *st)
{
	uint64_t v[VM_NKSTATS];

	memcpy(v, st, sizeof(v));
	for (unsigned i = 0; i < VM_NKSTATS; i++)
		k[first + i] = v[i];
}

/* sim_gauges - the machine-wide levels: memory, the TLBs' page-size mix, the kernels */
static void sim_gauges(const struct sim *s, uint64_t *k)
{
	const struct vm_phys *g = &s->s_gk.vk_phys;
	uint64_t mix[TLB_NPSIZE] = { 0 };

	k[CTR_DATA_FRAMES] = g->vp_count[VMP_DATA];
	k[CTR_PT_FRAMES] = g->vp_count[VMP_PTPAGE];
	k[CTR_PT_BYTES] = g->vp_count[VMP_PTPAGE] * PAGE_SIZE;
	k[CTR_SWAP_PAGES] = s->s_gk.vk_swap.sw_used;
	if (s->s_up_host) {
		const struct vm_phys *h = &s->s_host.h_k.vk_phys;

		k[CTR_EPT_FRAMES] = h->vp_count[VMP_PTPAGE];
		k[CTR_HOST_PT_BYTES] = h->vp_count[VMP_PTPAGE] * PAGE_SIZE;
		k[CTR_HOST_DATA_FRAMES] = h->vp_count[VMP_DATA];
		k[CTR_HOST_SWAP_PAGES] = s->s_host.h_k.vk_swap.sw_used;
	}
	for (unsigned i = 0; i < s->s_vm.vm_nvcpus; i++)
		tlb_count(&s->s_vm.vm_vcpus[i].vc_tlb, mix);
	k[CTR_TLB_ENTRIES_4K] = mix[TLB_4K];
	k[CTR_TLB_ENTRIES_2M] = mix[TLB_2M];
	k[CTR_TLB_ENTRIES_1G] = mix[TLB_1G];
	sim_kstats(k, CTR_KG_faults, &s->s_gk.vk_st);
	sim_kstats(k, CTR_KH_faults, &s->s_host.h_k.vk_st);
}

void sim_snapshot(struct sim *s)
{
	uint64_t *k = s->s_ctr;

	memset(s->s_ctr, 0, sizeof(s->s_ctr));
	memset(s->s_hist, 0, sizeof(s->s_hist));
	for (unsigned i = 0; i < s->s_vm.vm_nvcpus; i++) {
		const struct vcpu *vc = &s->s_vm.vm_vcpus[i];

		for (unsigned j = 0; j < SIM_NCOUNTERS; j++)
			if (!sim_ctr_gauge((enum sim_ctr)j))
				k[j] += vc->vc_ctr[j];
		for (unsigned j = 0; j <= MMU_MAX_REFS; j++)
			s->s_hist[j] += vc->vc_refs_hist[j];
	}
	sim_gauges(s, k);
	k[CTR_CYCLES] = cycles_sum(k);
}

void sim_cpu_result(const struct sim *s, unsigned i, enum vcpu_state *state,
		    uint64_t *ctr, uint64_t *hist)
{
	const struct vcpu *vc = &s->s_vm.vm_vcpus[i];

	*state = vc->vc_state;
	memcpy(ctr, vc->vc_ctr, sizeof(vc->vc_ctr));
	memcpy(hist, vc->vc_refs_hist, sizeof(vc->vc_refs_hist));
	for (unsigned j = 0; j < SIM_NCOUNTERS; j++)
		if (sim_ctr_gauge((enum sim_ctr)j))
			ctr[j] = s->s_ctr[j];
	ctr[CTR_CYCLES] = cycles_sum(ctr);
}

static int sample(struct sim *s)
{
	sim_snapshot(s);
	if (s->s_nsamples == s->s_samples_cap) {
		size_t cap = s->s_samples_cap ? 2 * s->s_samples_cap : 64;
		uint64_t *p = realloc(s->s_samples,
				      cap * SIM_NCOUNTERS * sizeof(*p));

		if (!p)
			return -ENOMEM;
		s->s_samples = p;
		s->s_samples_cap = cap;
	}
	memcpy(&s->s_samples[s->s_nsamples * SIM_NCOUNTERS], s->s_ctr,
	       sizeof(s->s_ctr));
	s->s_nsamples++;
	return 0;
}

/* the streams of the CPUs: CPU i makes its share of source.accesses, seeded seed + i */
struct sim_streams {
	struct synth sy[VMX_MAX_VCPUS];
	bool done[VMX_MAX_VCPUS];
};

static int streams_init(struct sim *s, struct sim_streams *st,
			struct eptsim_error *err)
{
	const struct cfg *c = s->s_cfg;
	const unsigned n = s->s_vm.vm_nvcpus;

	for (unsigned i = 0; i < n; i++) {
		struct synth_params sp;
		int rc;

		cfg_synth_params(c, &sp);
		sp.accesses = c->source.accesses / n + (i < c->source.accesses % n);
		sp.seed = c->seed + i;
		rc = synth_init(&st->sy[i], &sp);
		if (rc < 0) {
			cfg_errf(err, "cannot start the synthetic source: %s", strerror(-rc));
			return rc;
		}
		st->done[i] = false;
	}
	return 0;
}

/* kern_pressure - kernel `k` has only `bytes` free now; its daemon runs if that is too few */
static int kern_pressure(struct vm_kern *k, uint64_t bytes)
{
	vm_phys_set_free_frames(&k->vk_phys, bytes >> PAGE_SHIFT);
	return vm_pageout_needed(k) ? vm_pageout(k, NULL) : 0;
}

/* copy_allowed - whether every page of [addr, addr + len) is in a region allowing `prot` */
static bool copy_allowed(const struct sim *s, uint64_t addr, uint64_t len, uint32_t prot)
{
	for (uint64_t va = addr & ~PAGE_MASK; va < addr + len; va += PAGE_SIZE) {
		const struct vm_map_entry *e = vm_map_lookup(&s->s_as->vs_map, va);

		if (!e || (e->vme_prot & prot) != prot)
			return false;
	}
	return true;
}

/*
 * copy_walk - DragonFly's copyin/copyout (seed 003): the guest kernel
 * walks the process's page table by hand for each page (faulting it in
 * if needed), then reaches the page through the host, which faults the
 * EPT side in if needed.  No TLB is involved.
 */
static int copy_walk(struct sim *s, uint64_t addr, uint64_t len, bool write)
{
	const uint32_t type = write ? VM_PROT_WRITE : VM_PROT_READ;

	for (uint64_t va = addr & ~PAGE_MASK; va < addr + len; va += PAGE_SIZE) {
		uint64_t gpa, pte, hpa;
		unsigned level;
		enum vm_fault_result res;
		int rc;

		s->s_gk.vk_st.copy_walks++;
		rc = pmap_extract(&s->s_as->vs_pmap, va, &gpa, &pte, &level);
		if (rc == -ENOENT || (rc == 0 && write && !(pte & PTE_RW))) {
			rc = vm_fault(s->s_as, va, type, &res);
			if (rc == 0)
				rc = pmap_extract(&s->s_as->vs_pmap, va, &gpa, &pte, &level);
		}
		if (rc == 0)
			rc = host_gpa(&s->s_host, gpa, write, &hpa);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/*
 * sim_copy - the guest kernel copies [addr, addr + len) from (copyin) or to
 * (copyout) the process: under dragonfly by walking the tables by hand,
 * otherwise through the MMU as supervisor accesses, one per 64-byte
 * line.  An address the process may not access fails the copy (EFAULT)
 * before anything is touched.  0, 1 (the run ended), -EFAULT, -ENOMEM.
 */
static int copy(struct sim *s, struct vcpu *vc, uint64_t addr, uint64_t len, bool write)
{
	int rc = 0;

	if (!copy_allowed(s, addr, len, write ? VM_PROT_WRITE : VM_PROT_READ))
		return -EFAULT;
	s->s_gk.vk_st.copy_bytes += len;
	if (s->s_up_host && s->s_host.h_cfg.hc_policy == HOST_DRAGONFLY)
		return copy_walk(s, addr, len, write);
	s->s_user = false;
	for (uint64_t line = addr & ~UINT64_C(63); rc == 0 && line < addr + len; line += 64)
		rc = sim_access(s, vc, line < addr ? addr : line, write ? MMU_WRITE : MMU_READ);
	s->s_user = true;
	return rc;
}

int sim_copy(struct sim *s, struct vcpu *vc, uint64_t addr, uint64_t len, bool write)
{
	int rc = copy(s, vc, addr, len, write);

	if (s->s_rec)
		sim_record(s, &(struct tr_rec){ .kind = TR_COPY, .addr = addr, .len = len,
						.flag = write, .res = rc });
	return rc;
}

void sim_record(struct sim *s, const struct tr_rec *r)
{
	if (s->s_rec_rc == 0 && (s->s_rec_rc = tr_write(s->s_rec, r, &s->s_rec_err)) < 0) {
		tr_writer_abort(s->s_rec);
		s->s_rec = NULL;
	}
}

/*
 * run_event - workload event `ev` on the CPU whose turn it is.  A system
 * call that fails is counted (events.failed) and the run goes on.
 * 0, 1 when the run ended, -ENOMEM.
 */
static int run_event(struct sim *s, struct vcpu *vc, const struct cfg_event *ev)
{
	const struct cfg *c = s->s_cfg;
	uint64_t addr = c->source.base + ev->ce_off;
	int rc = 0;

	vc->vc_ctr[CTR_EVENTS]++;
	switch ((enum cfg_event_kind)ev->ce_do) {
	case CFG_EV_PRESSURE:
		if (ev->ce_kernel == CFG_K_HOST && s->s_up_host)
			rc = host_pressure(&s->s_host, ev->ce_free);
		else
			rc = kern_pressure(&s->s_gk, ev->ce_free);
		break;
	case CFG_EV_MMAP:
		rc = vmspace_mmap(&s->s_vs, &addr, ev->ce_len,
				  VM_PROT_READ | VM_PROT_WRITE, true);
		break;
	case CFG_EV_MUNMAP:
		rc = vmspace_munmap(&s->s_vs, addr, ev->ce_len);
		break;
	case CFG_EV_MPROTECT:
		rc = vmspace_mprotect(&s->s_vs, addr, ev->ce_len, (uint32_t)ev->ce_prot);
		break;
	case CFG_EV_MADVISE:
		rc = vmspace_madvise_dontneed(&s->s_vs, addr, ev->ce_len);
		break;
	case CFG_EV_COPYIN:
	case CFG_EV_COPYOUT:
		rc = sim_copy(s, vc, addr, ev->ce_len, ev->ce_do == CFG_EV_COPYOUT);
		break;
	case CFG_EV_NKINDS:
		ES_ASSERT(false, "event kind %llu", (unsigned long long)ev->ce_do);
	}
	sim_charge(s, vc);
	if (rc > 0)
		return rc;
	if (rc < 0)
		vc->vc_ctr[CTR_EVENTS_FAILED]++;
	return 0;
}

/*
 * turn - up to `quantum` accesses of CPU `vc`.  Returns 0, 1 when the run
 * ended, -ENOMEM; *total counts accesses over all CPUs for sampling.
 */
static int turn(struct sim *s, struct vcpu *vc, struct synth *sy, bool *done,
		uint64_t *total, uint64_t *next_sample)
{
	const struct cfg *c = s->s_cfg;
	const uint64_t insn = c->machine.cycles.instruction;
	const uint64_t every = c->report.sample_every;
	struct synth_access a;

	s->s_tag = mmu_tag(&vc->vc_mmu);
	s->s_cur = vc;
	s->s_host.h_cur = vc;
	for (uint64_t q = 0; q < c->quantum; q++) {
		int rc;

		while (unlikely(s->s_next_ev < c->nevents &&
				c->events[s->s_next_ev].ce_at == *total)) {
			rc = run_event(s, vc, &c->events[s->s_next_ev++]);
			if (rc != 0)
				return rc;
			if (s->s_step)
				s->s_step(s->s_step_ctx, s);
		}
		if (!synth_next(sy, &a)) {
			/* the thread is done: its CPU goes idle */
			*done = true;
			vmx_halt(vc);
			return 0;
		}
		vc->vc_ctr[CTR_INSTRUCTIONS]++;
		vc->vc_ctr[CTR_CYC_BASE] += insn;
		vc->vc_ctr[CTR_ACCESSES]++;
		vc->vc_ctr[a.write ? CTR_WRITES : CTR_READS]++;
		rc = sim_access(s, vc, a.va, a.write ? MMU_WRITE : MMU_READ);
		if (unlikely(rc != 0))
			return rc;
		if (unlikely(s->s_step != NULL))
			s->s_step(s->s_step_ctx, s);
		if (unlikely(++*total == *next_sample)) {
			if (sample(s) < 0)
				return -ENOMEM;
			*next_sample += every;
		}
	}
	return 0;
}

/* next_mark - the next s_total at which an event, a sample or a progress call is due */
static void next_mark(struct sim *s)
{
	const struct cfg *c = s->s_cfg;
	uint64_t m = s->s_next_sample;

	if (s->s_next_ev < c->nevents && c->events[s->s_next_ev].ce_at < m)
		m = c->events[s->s_next_ev].ce_at;
	if (s->s_next_progress < m)
		m = s->s_next_progress;
	s->s_next_mark = m;
}

void sim_progress_init(struct sim *s, const struct eptsim_run_opts *o, int phase,
		       int phases)
{
	const struct cfg *c = s->s_cfg;

	s->s_next_progress = UINT64_MAX;
	if (!o || !o->progress)
		return;
	s->s_prog_opts = o;
	s->s_prog = (struct eptsim_progress){
		.expected = c->source.kind == CFG_SOURCE_SYNTHETIC ? c->source.accesses : 0,
		.phase = phase, .phases = phases };
	s->s_next_progress = o->every ? o->every : 65536;
	next_mark(s);
}

/* progress - tell the front end `total` accesses were made (`done`: the phase ended) */
static void progress(struct sim *s, uint64_t total, bool done)
{
	const struct eptsim_run_opts *o = s->s_prog_opts;

	if (!o)
		return;
	s->s_prog.accesses = total;
	s->s_prog.done = done;
	o->progress(o->arg, &s->s_prog);
	while (s->s_next_progress <= total)
		s->s_next_progress += o->every ? o->every : 65536;
}

int sim_mark(struct sim *s, struct vcpu *vc)
{
	const struct cfg *c = s->s_cfg;

	if (s->s_total == s->s_next_sample) {
		/* programs make an unknown number of accesses: keep at most CFG_MAX_SAMPLES rows */
		if (s->s_nsamples + 1 >= CFG_MAX_SAMPLES)
			s->s_next_sample = UINT64_MAX;
		else
			s->s_next_sample += c->report.sample_every;
		if (sample(s) < 0)
			return -ENOMEM;
	}
	if (s->s_total >= s->s_next_progress)
		progress(s, s->s_total, false);
	while (s->s_next_ev < c->nevents && c->events[s->s_next_ev].ce_at <= s->s_total) {
		int rc = run_event(s, vc, &c->events[s->s_next_ev++]);

		if (rc != 0)
			return rc;
		if (s->s_step)
			s->s_step(s->s_step_ctx, s);
	}
	next_mark(s);
	return 0;
}

/*
 * switch_to - the kernel on `vc` switches from the process it ran to `p`:
 * the scheduler's work (cycles.context_switch) and a MOV to CR3 with p's
 * tables; with PCIDs, p's own PCID, flushed only if a shootdown left it
 * stale on this CPU (bit 63 says not to flush otherwise).
 */
void sim_switch_to(struct sim *s, struct vcpu *vc, struct proc *p)
{
	const uint64_t bit = UINT64_C(1) << vc->vc_id;
	uint64_t cr3 = p->p_vs.vs_pmap.pm_root;
	int rc;

	vc->vc_ctr[CTR_CTX_SWITCHES]++;
	vc->vc_ctr[CTR_CYC_KERNEL] += s->s_cfg->machine.cycles.context_switch;
	if (sim_pcide(s)) {
		cr3 |= p->p_pcid;
		if (!(p->p_stale & bit))
			cr3 |= VMX_CR3_NOFLUSH;
		p->p_stale &= ~bit;
	}
	rc = vmx_mov_cr3(vc, cr3);
	ES_ASSERT(rc == 0, "vcpu %u: CR3 %#llx refused", vc->vc_id, (unsigned long long)cr3);
	s->s_cpu_as[vc->vc_id] = &p->p_vs;
	s->s_cpu_proc[vc->vc_id] = p;
	s->s_cpu_slice[vc->vc_id] = 0;
}

/*
 * pick - the process CPU `i` runs next: the one it runs while it lives and
 * its timeslice lasts, else the next live process of the CPU after it
 * (round robin, by index), switching to it.  NULL: none left.
 */
static struct proc *pick(struct sim *s, struct vcpu *vc)
{
	const unsigned i = vc->vc_id;
	struct proc *cur = s->s_cpu_proc[i];
	size_t start = cur ? (size_t)(cur - s->s_procs) : 0;

	if (cur && proc_alive(cur) && s->s_cpu_slice[i] < s->s_cfg->timeslice)
		return cur;
	for (size_t k = 1; k <= s->s_nprocs; k++) {
		struct proc *p = &s->s_procs[(start + k) % s->s_nprocs];

		if (p->p_cpu != i || !proc_alive(p))
			continue;
		if (p != cur)
			sim_switch_to(s, vc, p);
		s->s_cpu_slice[i] = 0;
		return p;
	}
	return NULL;
}

/* live_here - live processes on CPU i */
static unsigned live_here(const struct sim *s, unsigned i)
{
	unsigned n = 0;

	for (size_t k = 0; k < s->s_nprocs; k++)
		n += s->s_procs[k].p_cpu == i && proc_alive(&s->s_procs[k]);
	return n;
}

/* alone - CPU i runs the only live process of the machine */
static bool alone(const struct sim *s, unsigned i)
{
	unsigned n = 0;

	for (size_t k = 0; k < s->s_nprocs; k++)
		if (proc_alive(&s->s_procs[k]) && (++n > 1 || s->s_procs[k].p_cpu != i))
			return false;
	return n == 1;
}

void sim_sched_init(struct sim *s)
{
	const struct cfg *c = s->s_cfg;

	for (unsigned i = 0; i < s->s_vm.vm_nvcpus; i++) {
		uint16_t pcid;
		struct vmspace *vs = first_as(s, i, &pcid);

		s->s_cpu_proc[i] = NULL;
		for (size_t k = 0; k < s->s_nprocs; k++)
			if (&s->s_procs[k].p_vs == vs && s->s_procs[k].p_cpu == i)
				s->s_cpu_proc[i] = &s->s_procs[k];
		/* CR3 holds it, but nothing of it is cached until the CPU runs it: no shootdowns */
		s->s_cpu_as[i] = NULL;
	}
	s->s_next_sample = c->report.sample_every ? c->report.sample_every : UINT64_MAX;
	next_mark(s);
}

/*
 * run_programs - the CPUs in turn, each running its process for a
 * quantum of instructions (bounded by what is left of the timeslice when
 * another process waits on the CPU); a CPU with nothing left to run
 * halts.  With one CPU and one process left, the quantum cannot change
 * anything: the process runs to its end in one go.
 */
static int run_programs(struct sim *s, struct eptsim_error *err)
{
	const struct cfg *c = s->s_cfg;
	const unsigned n = s->s_vm.vm_nvcpus;
	unsigned live = n;
	int rc = 0;

	sim_sched_init(s);
	while (live > 0 && rc == 0) {
		live = 0;
		for (unsigned i = 0; i < n && rc == 0; i++) {
			struct vcpu *vc = &s->s_vm.vm_vcpus[i];
			struct proc *p, *was;
			uint64_t budget = c->quantum, left;

			if (vc->vc_state == VCPU_HALTED)
				continue;
			s->s_cur = vc;
			s->s_host.h_cur = vc;
			was = s->s_cpu_proc[i];
			p = pick(s, vc);
			if (s->s_rec)
				sim_record(s, &(struct tr_rec){
					.kind = p ? TR_TURN : TR_HALT, .cpu = (uint16_t)i,
					.proc = p ? p->p_id : 0, .flag = p && p != was });
			if (!p) {
				vmx_halt(vc);
				continue;
			}
			s->s_as = &p->p_vs;
			s->s_cpu_as[i] = &p->p_vs;
			s->s_tag = mmu_tag(&vc->vc_mmu);
			if (s->s_total == s->s_next_mark) {
				rc = sim_mark(s, vc);
				if (rc != 0)
					break;
			}
			if (live_here(s, i) > 1) {
				left = c->timeslice - s->s_cpu_slice[i];
				budget = left < budget ? left : budget;
			}
			if (alone(s, i))
				budget = UINT64_MAX;
			rc = proc_turn(p, vc, budget);
			s->s_cpu_slice[i] += p->p_turn_insns;
			live++;
		}
	}
	if (rc < 0) {
		cfg_errf(err, "the host ran out of memory");
		return rc;
	}
	/* the run completed for the machine; its status names the first process killed */
	if (s->s_stop.st_status == EPTSIM_COMPLETED && s->s_kill.st_status == EPTSIM_KILLED)
		s->s_stop = s->s_kill;
	return 0;
}

int sim_run(struct sim *s, struct eptsim_error *err)
{
	const struct cfg *c = s->s_cfg;
	const uint64_t every = c->report.sample_every;
	const unsigned n = s->s_vm.vm_nvcpus;
	struct sim_streams *st = NULL;
	uint64_t total = 0, next_sample = every ? every : UINT64_MAX;
	unsigned live = n;
	int rc;

	if (c->source.kind == CFG_SOURCE_PROGRAM || c->source.kind == CFG_SOURCE_TRACE) {
		s->s_stop.st_status = EPTSIM_COMPLETED;
		s->s_stop.st_proc = -1;
		rc = c->source.kind == CFG_SOURCE_PROGRAM ? run_programs(s, err) : replay_run(s, err);
		if (rc < 0)
			return rc;
		if (s->s_rec_rc == 0 && s->s_rec) {
			s->s_rec_rc = tr_writer_close(s->s_rec, &s->s_rec_err);
			s->s_rec = NULL;
		}
		if (s->s_rec_rc < 0) {
			*err = s->s_rec_err;
			return s->s_rec_rc;
		}
		goto end;
	}
	st = malloc(sizeof(*st));
	if (!st)
		goto nomem;
	rc = streams_init(s, st, err);
	if (rc < 0) {
		free(st);
		return rc;
	}
	s->s_stop.st_status = EPTSIM_COMPLETED;
	while (live > 0) {
		for (unsigned i = 0; i < n; i++) {
			if (st->done[i])
				continue;
			rc = turn(s, &s->s_vm.vm_vcpus[i], &st->sy[i], &st->done[i],
				  &total, &next_sample);
			if (rc < 0)
				goto nomem;
			if (rc > 0) {
				live = 0;
				break;
			}
			live -= st->done[i];
			if (unlikely(total >= s->s_next_progress))
				progress(s, total, false);
		}
	}
	free(st);
	s->s_total = total;
end:
	progress(s, s->s_total, true);
	sim_snapshot(s);
	/* a last row at the end, unless the last sample already equals it (HLT exits come after the last access) */
	if (every && (s->s_nsamples == 0 ||
		      memcmp(&s->s_samples[(s->s_nsamples - 1) * SIM_NCOUNTERS],
			     s->s_ctr, sizeof(s->s_ctr)) != 0))
		if (sample(s) < 0)
			goto nomem;
	return 0;
nomem:
	free(st);
	cfg_errf(err, "the host ran out of memory");
	return -ENOMEM;
}
