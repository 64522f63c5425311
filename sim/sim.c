/*
 * sim.c - the machine and the access pipeline (see sim.h).
 */
#include "sim/sim.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sim/synth.h"
#include "sim/cfg_load.h"

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

int sim_init(struct sim *s, const struct cfg *c, struct eptsim_error *err)
{
	const struct tlb_geom l1d = { (uint32_t)c->machine.l1d.entries,
				      (uint32_t)c->machine.l1d.ways };
	const struct tlb_geom stlb = { (uint32_t)c->machine.stlb.entries,
				       (uint32_t)c->machine.stlb.ways };
	const char *what = "physical memory";
	struct mmu_pwc_geom geom;
	int rc;

	memset(s, 0, sizeof(*s));
	s->s_cfg = c;
	rc = pmem_init(&s->s_mem, c->memory);
	if (rc < 0)
		goto fail;
	what = "the frame allocator";
	rc = vm_phys_init(&s->s_phys, &s->s_mem);
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
	what = "the TLBs";
	rc = tlb_init(&s->s_tlb, &l1d, &stlb);
	if (rc < 0)
		goto fail_vs;
	what = "the walk caches";
	cfg_pwc_geom(c, &geom);
	rc = mmu_pwc_init(&s->s_pwc, &geom);
	if (rc < 0)
		goto fail_tlb;
	s->s_mmu.mu_mem = &s->s_mem;
	s->s_mmu.mu_pwc = &s->s_pwc;
	cfg_mmu_caps(c, &s->s_mmu.mu_caps);
	/* a 64-bit process: CR0.WP and EFER.NXE set, as every modern kernel does */
	s->s_mmu.mu_regs.cr3 = s->s_vs.vs_pmap.pm_root;
	s->s_mmu.mu_regs.la57 = s->s_vs.vs_pmap.pm_levels == 5;
	s->s_mmu.mu_regs.wp = true;
	s->s_mmu.mu_regs.nxe = true;
	return 0;

fail_tlb:
	tlb_fini(&s->s_tlb);
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
	mmu_pwc_fini(&s->s_pwc);
	tlb_fini(&s->s_tlb);
	vmspace_fini(&s->s_vs);
	vm_phys_fini(&s->s_phys);
	pmem_fini(&s->s_mem);
	free(s->s_samples);
	s->s_samples = NULL;
}

static int stop(struct sim *s, enum eptsim_status st, uint64_t va,
		enum mmu_acc acc)
{
	s->s_stop.st_status = st;
	s->s_stop.st_va = va;
	s->s_stop.st_acc = acc;
	return 1;
}

static uint32_t fault_type(enum mmu_acc acc)
{
	return acc == MMU_WRITE ? VM_PROT_WRITE
	       : acc == MMU_FETCH ? VM_PROT_EXEC
				  : VM_PROT_READ;
}

/*
 * sim_access_slow - everything after the inline L1 probe: the STLB, the
 * walk, the fault and the retry.  `hit` is what the L1 probe found (an
 * entry that could not be used, or NULL).  A retried access looks up the
 * TLB again, as a re-executed instruction does.
 */
int sim_access_slow(struct sim *s, uint64_t va, enum mmu_acc acc,
		    struct tlb_entry *hit)
{
	const struct cfg *c = s->s_cfg;
	const uint64_t vpn = va >> PAGE_SHIFT;
	const struct mmu_req req = { .va = va, .acc = acc, .user = true };
	struct tlb_entry *e = hit;

	for (unsigned attempt = 0;; attempt++) {
		struct mmu_walk w;
		struct vm_fault_info info = { 0, 0 };
		int rc;

		if (attempt > 0)
			e = tlb_array_probe(&s->s_tlb.tlb_l1d, vpn);
		s->s_ctr[CTR_CYC_TLB] += c->machine.l1d.latency;
		if (e) {
			s->s_ctr[CTR_L1D_HITS]++;
			if (sim_tlb_usable(e, acc))
				return 0;
		} else {
			s->s_ctr[CTR_L1D_MISSES]++;
			s->s_ctr[CTR_CYC_TLB] += c->machine.stlb.latency;
			if (tlb_lookup_slow(&s->s_tlb, vpn, &e) == TLB_HIT_L2) {
				s->s_ctr[CTR_STLB_HITS]++;
				if (sim_tlb_usable(e, acc))
					return 0;
			} else {
				s->s_ctr[CTR_STLB_MISSES]++;
			}
		}
		if (e)
			s->s_ctr[CTR_WALK_ASSISTS]++;

		mmu_translate(&s->s_mmu, &req, &w);
		s->s_ctr[CTR_WALKS]++;
		s->s_ctr[CTR_WALK_REFS] += w.mem_refs;
		s->s_ctr[CTR_WALK_PSC_HITS] += w.psc_hits;
		s->s_ctr[CTR_CYC_WALK] += (uint64_t)w.mem_refs * c->machine.cycles.pte_read +
			(uint64_t)w.psc_hits * c->machine.cycles.walk_cache_hit;
		if (w.stop == MMU_OK) {
			const struct tlb_entry fill = {
				.te_vpn = vpn,
				.te_pfn = w.pa >> PAGE_SHIFT,
				.te_perm = (uint8_t)w.perm,
				.te_dirty = w.dirty,
				.te_global = w.global,
			};

			tlb_fill(&s->s_tlb, &fill);
			return 0;
		}
		s->s_ctr[CTR_WALK_FAULTS]++;
		/* SDM Vol. 3A §4.10.4.1: a #PF invalidates the faulting page's entries */
		tlb_flush_vpn(&s->s_tlb, vpn);
		if (w.stop == MMU_NONCANONICAL) {
			/* #GP in user mode: the kernel sends SIGSEGV */
			s->s_ctr[CTR_SEGV]++;
			return stop(s, EPTSIM_KILLED, va, acc);
		}
		ES_ASSERT(attempt < 2, "va=%#llx acc=%d stop=%d: fault after a successful fault",
			  (unsigned long long)va, (int)acc, (int)w.stop);
		s->s_ctr[CTR_PAGE_FAULTS]++;
		rc = vm_fault(&s->s_vs, va, fault_type(acc), &info);
		s->s_ctr[CTR_ZERO_FILLS] += info.vfi_zeroed;
		s->s_ctr[CTR_PT_ALLOCS] += info.vfi_ptpages;
		s->s_ctr[CTR_CYC_FAULT] += c->machine.cycles.page_fault +
			(uint64_t)(info.vfi_zeroed + info.vfi_ptpages) *
				c->machine.cycles.page_zero;
		if (rc == -EFAULT) {
			s->s_ctr[CTR_SEGV]++;
			return stop(s, EPTSIM_KILLED, va, acc);
		}
		if (rc == -ENOMEM)
			return stop(s, EPTSIM_OUT_OF_MEMORY, va, acc);
		if (rc < 0)
			return rc;
		e = NULL;
	}
}

/* snapshot - bring the gauges and the total up to date */
static void snapshot(struct sim *s)
{
	uint64_t *k = s->s_ctr;

	k[CTR_DATA_FRAMES] = s->s_phys.vp_count[VMP_DATA];
	k[CTR_PT_FRAMES] = s->s_phys.vp_count[VMP_PTPAGE];
	k[CTR_CYCLES] = k[CTR_CYC_BASE] + k[CTR_CYC_TLB] + k[CTR_CYC_WALK] +
			k[CTR_CYC_FAULT];
}

static int sample(struct sim *s)
{
	snapshot(s);
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

int sim_run(struct sim *s, struct eptsim_error *err)
{
	const struct cfg *c = s->s_cfg;
	const uint64_t every = c->report.sample_every;
	const uint64_t insn = c->machine.cycles.instruction;
	struct synth_params sp;
	struct synth sy;
	struct synth_access a;
	uint64_t next_sample = every;
	int rc;

	cfg_synth_params(c, &sp);
	rc = synth_init(&sy, &sp);
	if (rc < 0) {
		cfg_errf(err, "cannot start the synthetic source: %s", strerror(-rc));
		return rc;
	}
	s->s_stop.st_status = EPTSIM_COMPLETED;
	while (synth_next(&sy, &a)) {
		enum mmu_acc acc = a.write ? MMU_WRITE : MMU_READ;

		s->s_ctr[CTR_INSTRUCTIONS]++;
		s->s_ctr[CTR_CYC_BASE] += insn;
		s->s_ctr[CTR_ACCESSES]++;
		s->s_ctr[a.write ? CTR_WRITES : CTR_READS]++;
		rc = sim_access(s, a.va, acc);
		if (unlikely(rc != 0)) {
			if (rc < 0)
				goto nomem;
			break;
		}
		if (unlikely(s->s_ctr[CTR_ACCESSES] == next_sample)) {
			if (sample(s) < 0)
				goto nomem;
			next_sample += every;
		}
	}
	snapshot(s);
	/* a last row at the end, unless the run ended on a sample */
	if (every && (s->s_nsamples == 0 ||
		      s->s_samples[(s->s_nsamples - 1) * SIM_NCOUNTERS + CTR_ACCESSES] !=
			      s->s_ctr[CTR_ACCESSES]))
		if (sample(s) < 0)
			goto nomem;
	return 0;
nomem:
	cfg_errf(err, "the host ran out of memory");
	return -ENOMEM;
}
