/*
 * sim.c - the machine and the access pipeline (see sim.h).
 */
#include "sim/sim.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sim/cfg_load.h"
#include "sim/mmu/pte.h"
#include "sim/synth.h"

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
	return i == CTR_DATA_FRAMES || i == CTR_PT_FRAMES ||
	       i == CTR_EPT_FRAMES || i == CTR_CYCLES;
}

/* cycles_sum - cycles.total: the breakdown adds up to it by construction */
static uint64_t cycles_sum(const uint64_t *k)
{
	return k[CTR_CYC_BASE] + k[CTR_CYC_TLB] + k[CTR_CYC_WALK] +
	       k[CTR_CYC_EXIT] + k[CTR_CYC_FAULT] + k[CTR_CYC_INV];
}

/* the guest's paging controls: a 64-bit process, CR0.WP and EFER.NXE set */
static void sim_regs(struct sim *s, struct vcpu *vc)
{
	struct mmu_regs *r = &vc->vc_mmu.mu_regs;

	r->cr3 = s->s_vs.vs_pmap.pm_root;
	r->la57 = s->s_vs.vs_pmap.pm_levels == 5;
	r->wp = true;
	r->nxe = true;
}

/*
 * sim_vm_init - guest memory at GPA = HPA [0, vm.memory), the host's
 * frames above it, the host's EPT, and the vCPUs entered once.  The EPT
 * uses 5 levels where the machine has 5-level EPT.
 */
static int sim_vm_init(struct sim *s, const struct vcpu_config *vcc,
		       const char **what)
{
	const struct cfg *c = s->s_cfg;
	const uint64_t gframes = c->vm.memory >> PAGE_SHIFT;
	const bool ad = c->vm.ept_ad && c->machine.caps.ept_ad;
	const char *why = NULL;
	int rc;

	*what = "the host's frames";
	rc = vm_phys_init_range(&s->s_hphys, &s->s_mem, gframes, s->s_mem.pm_frames);
	if (rc < 0)
		return rc;
	*what = "the EPT";
	rc = pin_init(&s->s_pin, &s->s_hphys, c->machine.caps.ept_5level ? 5 : 4,
		      (unsigned)c->machine.maxphyaddr, c->vm.memory,
		      tlb_psize_shift((enum tlb_psize)c->vm.ept_page));
	if (rc < 0)
		return rc;
	*what = "the vCPUs";
	rc = vmx_vm_init(&s->s_vm, (unsigned)c->cpus, vcc, &s->s_mem, c->seed);
	if (rc < 0)
		return rc;
	for (unsigned i = 0; i < s->s_vm.vm_nvcpus; i++) {
		struct vcpu *vc = &s->s_vm.vm_vcpus[i];

		sim_regs(s, vc);
		vc->vc_vmcs.vmcs_enable_ept = true;
		vc->vc_vmcs.vmcs_eptp = pin_eptp(&s->s_pin, ad);
		vc->vc_vmcs.vmcs_enable_vpid = c->vm.vpid && c->machine.caps.vpid;
		vc->vc_vmcs.vmcs_vpid = (uint16_t)(i + 1);
		vc->vc_vmcs.vmcs_posted_intr =
			c->vm.posted_interrupts && c->machine.caps.posted_interrupts;
		rc = vmx_entry(vc, &why);
		ES_ASSERT(rc == 0, "vcpu %u: VM entry failed: %s", i, why);
	}
	return 0;
}

int sim_init(struct sim *s, const struct cfg *c, struct eptsim_error *err)
{
	const char *what = "physical memory";
	struct vcpu_config vcc;
	int rc;

	memset(s, 0, sizeof(*s));
	s->s_cfg = c;
	cfg_vcpu_config(c, &vcc);
	rc = pmem_init(&s->s_mem, c->memory);
	if (rc < 0)
		goto fail;
	what = "the frame allocator";
	rc = vm_phys_init_range(&s->s_phys, &s->s_mem, 1,
				c->vm.enabled ? c->vm.memory >> PAGE_SHIFT
					      : s->s_mem.pm_frames);
	if (rc < 0)
		goto fail_mem;
	what = "the process address space";
	/* the kernel uses 5-level paging where the CPU has it, as Linux does */
	rc = vmspace_init(&s->s_vs, &s->s_phys, (unsigned)c->machine.maxphyaddr,
			  c->machine.caps.la57 ? 5 : 4);
	if (rc < 0)
		goto fail_phys;
	/* the synthetic source's footprint: one anonymous read/write region */
	rc = vm_map_insert(&s->s_vs.vs_map, c->source.base,
			   c->source.base + c->source.footprint,
			   VM_PROT_READ | VM_PROT_WRITE);
	if (rc < 0)
		goto fail_vs;
	if (c->vm.enabled) {
		rc = sim_vm_init(s, &vcc, &what);
	} else {
		what = "the CPUs";
		rc = vmx_vm_init(&s->s_vm, (unsigned)c->cpus, &vcc, &s->s_mem, c->seed);
		for (unsigned i = 0; rc == 0 && i < s->s_vm.vm_nvcpus; i++) {
			/* plain CPUs: never in a VM */
			s->s_vm.vm_vcpus[i].vc_vm = NULL;
			s->s_vm.vm_vcpus[i].vc_state = VCPU_RUNNING;
			sim_regs(s, &s->s_vm.vm_vcpus[i]);
		}
	}
	if (rc < 0)
		goto fail_vm;
	return 0;
fail_vm:
	vmx_vm_fini(&s->s_vm);
	vm_phys_fini(&s->s_hphys);
fail_vs:
	vmspace_fini(&s->s_vs);
fail_phys:
	vm_phys_fini(&s->s_phys);
fail_mem:
	pmem_fini(&s->s_mem);
fail:
	cfg_errf(err, "cannot set up %s: %s", what, strerror(-rc));
	return rc;
}

void sim_fini(struct sim *s)
{
	vmx_vm_fini(&s->s_vm);
	vmspace_fini(&s->s_vs);
	vm_phys_fini(&s->s_hphys);
	vm_phys_fini(&s->s_phys);
	pmem_fini(&s->s_mem);
	free(s->s_samples);
	s->s_samples = NULL;
}

static int stop(struct sim *s, const struct vcpu *vc, enum eptsim_status st,
		uint64_t va, enum mmu_acc acc)
{
	s->s_stop = (struct sim_stop){ st, va, acc, vc->vc_id };
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
 * host_ept_fault - VM exit for an EPT violation at `gpa`, the host maps
 * the page, VM entry.  0, 1 (the run ends: host memory exhausted), or
 * an assertion for what only a host bug can cause.
 */
static int host_ept_fault(struct sim *s, struct vcpu *vc, const struct mmu_walk *w,
			  uint64_t va, enum mmu_acc acc)
{
	const struct cfg *c = s->s_cfg;
	const char *why = NULL;
	unsigned tables = 0;
	int rc;

	vmx_exit(vc, VMX_EXIT_EPT_VIOLATION, w->exit_qual, w->fault_gpa, va);
	rc = pin_fault(&s->s_pin, w->fault_gpa, &tables);
	if (rc == -ENOMEM)
		return stop(s, vc, EPTSIM_OUT_OF_MEMORY, va, acc);
	ES_ASSERT(rc == 0, "gpa=%#llx qual=%#llx: the pinned host cannot map it (%d)",
		  (unsigned long long)w->fault_gpa,
		  (unsigned long long)w->exit_qual, rc);
	vc->vc_ctr[CTR_HOST_FILLS]++;
	vc->vc_ctr[CTR_CYC_FAULT] += c->machine.cycles.ept_fill +
				     (uint64_t)tables * c->machine.cycles.page_zero;
	rc = vmx_entry(vc, &why);
	ES_ASSERT(rc == 0, "vcpu %u: VM entry failed: %s", vc->vc_id, why);
	s->s_tag = mmu_tag(&vc->vc_mmu);
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

int sim_access_slow(struct sim *s, struct vcpu *vc, uint64_t va,
		    enum mmu_acc acc, struct tlb_entry *hit)
{
	const struct cfg *c = s->s_cfg;
	const enum tlb_side side = acc == MMU_FETCH ? TLB_INSN : TLB_DATA;
	const struct mmu_req req = { .va = va, .acc = acc, .user = true };

	for (unsigned attempt = 0;; attempt++) {
		struct tlb_entry *e;
		struct mmu_walk w;
		struct vm_fault_info info = { 0, 0 };
		int rc;

		e = lookup(s, vc, va, side, attempt == 0 && side == TLB_DATA, hit);
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
				.te_perm = (uint8_t)w.perm,
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
		rc = vm_fault(&s->s_vs, va, fault_type(acc), &info);
		vc->vc_ctr[CTR_ZERO_FILLS] += info.vfi_zeroed;
		vc->vc_ctr[CTR_PT_ALLOCS] += info.vfi_ptpages;
		vc->vc_ctr[CTR_CYC_FAULT] += c->machine.cycles.page_fault +
			(uint64_t)(info.vfi_zeroed + info.vfi_ptpages) *
				c->machine.cycles.page_zero;
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
	k[CTR_DATA_FRAMES] = s->s_phys.vp_count[VMP_DATA];
	k[CTR_PT_FRAMES] = s->s_phys.vp_count[VMP_PTPAGE];
	k[CTR_EPT_FRAMES] = s->s_hphys.vp_count[VMP_PTPAGE];
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
	for (uint64_t q = 0; q < c->quantum; q++) {
		int rc;

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
		if (unlikely(++*total == *next_sample)) {
			if (sample(s) < 0)
				return -ENOMEM;
			*next_sample += every;
		}
	}
	return 0;
}

int sim_run(struct sim *s, struct eptsim_error *err)
{
	const struct cfg *c = s->s_cfg;
	const uint64_t every = c->report.sample_every;
	const unsigned n = s->s_vm.vm_nvcpus;
	struct sim_streams *st = malloc(sizeof(*st));
	uint64_t total = 0, next_sample = every ? every : UINT64_MAX;
	unsigned live = n;
	int rc;

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
		}
	}
	free(st);
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
