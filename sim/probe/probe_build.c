/*
 * probe_build.c - the machine of a probe file: memory, the guest and EPT
 * tables (sim/mmu/ptbuild.h), the edits, and the MMU context with its
 * controls and walk caches.
 *
 * The EPT mappings are made before the guest mappings, so that a mapping
 * the file gives for guest-table GPAs (say, the tables read-only) is in
 * place when the guest tables are placed, and ptb_finish() backs only the
 * table pages no mapping covers.  Edits come last, on the finished tables.
 *
 * A bad EPTP or an unsupported EPT control is not an input error: VM entry
 * checks them (SDM Vol. 3C §27.2.1.1) and would fail, so that becomes the
 * outcome of every access (pr_entry_fail).
 */
#include "sim/probe/probe.h"

#include <errno.h>
#include <string.h>

#include "sim/cfg_load.h"
#include "sim/mmu/ept.h"
#include "sim/mmu/pte.h"

static int bfail(struct eptsim_error *err, const struct probe_spec *ps,
		 const char *key, int rc, const char *what)
{
	if (rc == -ENOMEM) {
		cfg_errf(err, "%s: %s: the host ran out of memory", ps->ps_path, key);
		return rc;
	}
	cfg_errf(err, "%s: %s: %s", ps->ps_path, key, what);
	return -EINVAL;
}

/* map_fail - why ptb_map_guest / ptb_map_ept refused mapping `m` */
static int map_fail(struct eptsim_error *err, const struct probe_spec *ps,
		    const char *what, size_t i, const struct probe_map *m, int rc)
{
	char key[64], why[256];
	const char *sz = probe_size_name(m->pmp_shift);
	const char *a = strcmp(what, "guest") == 0 ? "va" : "gpa";

	snprintf(key, sizeof(key), "%s[%zu]", what, i);
	if (rc == -EEXIST)
		snprintf(why, sizeof(why),
			 "a larger page or a page table is already on the path of %s 0x%llx (a %s page cannot be mapped there)",
			 a, (unsigned long long)m->pmp_from, sz ? sz : "?");
	else if (rc == -ERANGE)
		snprintf(why, sizeof(why),
			 "an address is out of range: %s 0x%llx, to 0x%llx (memory 0x%llx bytes, or a table would fall outside it)",
			 a, (unsigned long long)m->pmp_from,
			 (unsigned long long)m->pmp_to,
			 (unsigned long long)ps->ps_cfg.memory);
	else if (rc == -ENOSPC)
		snprintf(why, sizeof(why),
			 "cannot map %s 0x%llx: the next %s table page would lie beyond the end of memory (0x%llx bytes; see \"memory\" and \"layout\")",
			 a, (unsigned long long)m->pmp_from,
			 strcmp(what, "guest") == 0 ? "guest" : "EPT",
			 (unsigned long long)ps->ps_cfg.memory);
	else
		snprintf(why, sizeof(why), "cannot map %s 0x%llx: %s", a,
			 (unsigned long long)m->pmp_from, strerror(-rc));
	return bfail(err, ps, key, rc, why);
}

static int apply_edits(struct probe_machine *pr, const struct probe_spec *ps,
		       struct eptsim_error *err)
{
	for (size_t i = 0; i < ps->ps_nedit; i++) {
		const struct probe_edit *e = &ps->ps_edit[i];
		const bool guest = e->pe_dim == MMU_DIM_GUEST;
		char key[64], why[256];
		uint64_t hpa, v;
		int rc;

		snprintf(key, sizeof(key), "edit[%zu]", i);
		rc = ptb_entry(&pr->pr_pb, e->pe_dim, e->pe_addr, e->pe_level, &hpa);
		if (rc < 0) {
			snprintf(why, sizeof(why),
				 "there is no %s L%u entry on the path of %s 0x%llx (the path ends above L%u: an entry is not present or maps a larger page%s)",
				 guest ? "guest" : "EPT", e->pe_level,
				 guest ? "VA" : "GPA",
				 (unsigned long long)e->pe_addr, e->pe_level,
				 guest && ps->ps_ept ? ", or a guest table is not mapped by the EPT" : "");
			return bfail(err, ps, key, -EINVAL, why);
		}
		v = (pmem_read64(&pr->pr_mem, hpa) & ~e->pe_clear) | e->pe_set;
		rc = pmem_write64(&pr->pr_mem, hpa, v);
		if (rc < 0)
			return bfail(err, ps, key, rc, "cannot write the entry");
	}
	return 0;
}

/* enter - the EPT controls, checked as VM entry does */
static void enter(struct probe_machine *pr, const struct probe_spec *ps)
{
	uint64_t eptp;
	const char *why = NULL;

	if (!ps->ps_ept) {
		pr->pr_m.mu_ept = (struct mmu_ept){ 0 };
		return;
	}
	eptp = ptb_eptp(&pr->pr_pb, ps->ps_ept_ad);
	eptp = (eptp & ~EPTP_MT) | ps->ps_ept_mt;
	if (ps->ps_eptp_set)
		eptp = ps->ps_eptp;
	pr->pr_eptp = eptp;
	if (mmu_ept_set(&pr->pr_m, true, ps->ps_ept_mbec, eptp, &why) < 0)
		pr->pr_entry_fail = why ? why : "the EPT controls are invalid";
}

int probe_build(struct probe_machine *pr, const struct probe_spec *ps,
		struct eptsim_error *err)
{
	struct mmu *m = &pr->pr_m;
	const char *why = NULL;
	int rc;

	memset(pr, 0, sizeof(*pr));
	rc = pmem_init(&pr->pr_mem, ps->ps_cfg.memory);
	if (rc < 0)
		return bfail(err, ps, "memory", rc, "cannot make the memory");
	m->mu_mem = &pr->pr_mem;
	cfg_mmu_caps(&ps->ps_cfg, &m->mu_caps);
	rc = ptb_init(&pr->pr_pb, &pr->pr_mem, m->mu_caps.maxphyaddr,
		      ps->ps_regs.la57 ? PT_LEVELS_5 : PT_LEVELS_4,
		      ps->ps_ept ? ps->ps_elevels : 0, &ps->ps_layout);
	if (rc < 0)
		return bfail(err, ps, "layout", rc,
			     "the tables do not fit: a base is outside memory");
	for (size_t i = 0; i < ps->ps_nemap; i++) {
		const struct probe_map *e = &ps->ps_emap[i];

		rc = ptb_map_ept(&pr->pr_pb, e->pmp_from, e->pmp_to, e->pmp_shift,
				 e->pmp_flags);
		if (rc < 0)
			return map_fail(err, ps, "ept_map", i, e, rc);
	}
	for (size_t i = 0; i < ps->ps_nguest; i++) {
		const struct probe_map *g = &ps->ps_guest[i];

		rc = ptb_map_guest(&pr->pr_pb, g->pmp_from, g->pmp_to, g->pmp_shift,
				   g->pmp_flags);
		if (rc < 0)
			return map_fail(err, ps, "guest", i, g, rc);
	}
	rc = ptb_finish(&pr->pr_pb);
	if (rc < 0)
		return bfail(err, ps, "layout", rc,
			     "cannot back the guest tables with host memory (layout.guest_table_backing)");
	if ((rc = apply_edits(pr, ps, err)) < 0)
		return rc;

	m->mu_regs = ps->ps_regs;
	if (!ps->ps_cr3_set)
		m->mu_regs.cr3 = pr->pr_pb.pb_groot;
	if (mmu_regs_check(m, &why) < 0)
		return bfail(err, ps,
			     m->mu_regs.la57 && !m->mu_caps.la57 ? "cpu.cr4.la57" : "cpu.cr3",
			     -EINVAL, why ? why : "not possible on this CPU");
	if (ps->ps_caches) {
		struct mmu_pwc_geom g;

		cfg_pwc_geom(&ps->ps_cfg, &g);
		rc = mmu_pwc_init(&pr->pr_pwc, &g);
		if (rc < 0)
			return bfail(err, ps, "walk_caches", rc,
				     "cannot make the walk caches of machine.walk_cache");
		pr->pr_pwc_on = true;
		m->mu_pwc = &pr->pr_pwc;
	}
	enter(pr, ps);
	return 0;
}

void probe_machine_free(struct probe_machine *pr)
{
	if (pr->pr_pwc_on)
		mmu_pwc_fini(&pr->pr_pwc);
	pr->pr_pwc_on = false;
	if (pr->pr_mem.pm_dir)
		pmem_fini(&pr->pr_mem);
}

void probe_req(const struct probe_access *a, struct mmu_req *req)
{
	*req = (struct mmu_req){
		.va = a->pa_va,
		.acc = a->pa_acc,
		.user = a->pa_cpl == 3,
		.implicit = a->pa_implicit,
	};
}
