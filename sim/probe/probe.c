/*
 * probe.c - eptsim_probe (include/eptsim.h): load a probe file, build its
 * machine, translate each access in file order, print each outcome.
 *
 * The accesses share the machine: A/D flags one access sets are seen by
 * the next, and so are the walk caches when the file turns them on.
 */
#include "sim/probe/probe.h"

#include <errno.h>
#include <stdlib.h>

#include "sim/cfg_load.h"
#include "sim/mmu/ept.h"

static void explain_header(FILE *f, const struct probe_spec *ps,
			   const struct probe_machine *pr)
{
	const struct mmu *m = &pr->pr_m;

	fprintf(f, "machine %s: MAXPHYADDR %u; ", ps->ps_cfg.machine.name,
		m->mu_caps.maxphyaddr);
	if (ps->ps_ept)
		fprintf(f, "%u-level guest paging (CR3 0x%llx) under %u-level EPT (EPTP 0x%llx%s%s)",
			pr->pr_pb.pb_glevels, (unsigned long long)m->mu_regs.cr3,
			ps->ps_elevels, (unsigned long long)pr->pr_eptp,
			m->mu_ept.me_ad ? ", A/D flags on" : "",
			m->mu_ept.me_mbec ? ", mode-based execute control" : "");
	else
		fprintf(f, "native %u-level paging (CR3 0x%llx)", pr->pr_pb.pb_glevels,
			(unsigned long long)m->mu_regs.cr3);
	fprintf(f, "; walk caches %s\n", pr->pr_pwc_on ? "on" : "off");
}

int eptsim_probe(const char *path, const struct eptsim_load_opts *opts,
		 enum eptsim_probe_style style, FILE *out,
		 struct eptsim_error *err)
{
	struct probe_spec ps;
	struct probe_machine pr;
	struct mmu_walk *w = NULL;
	json_t *root = NULL, *arr = NULL;
	int rc;

	rc = probe_load(&ps, path, opts, err);
	if (rc < 0)
		return rc;
	rc = probe_build(&pr, &ps, err);
	if (rc < 0)
		goto out;
	w = malloc(sizeof(*w));
	root = json_object();
	arr = json_array();
	if (!w || !root || !arr) {
		rc = -ENOMEM;
		cfg_errf(err, "the host ran out of memory");
		goto out;
	}
	if (style == EPTSIM_PROBE_TEXT)
		explain_header(out, &ps, &pr);
	for (size_t i = 0; i < ps.ps_nacc; i++) {
		const struct probe_access *a = &ps.ps_acc[i];
		struct mmu_req req;
		json_t *o;

		if (!pr.pr_entry_fail) {
			probe_req(a, &req);
			mmu_translate(&pr.pr_m, &req, w);
		}
		if (style == EPTSIM_PROBE_TEXT) {
			fputc('\n', out);
			probe_explain_access(out, &pr, i, a, pr.pr_entry_fail ? NULL : w);
			continue;
		}
		o = probe_json_access(&pr, a, pr.pr_entry_fail ? NULL : w);
		if (!o || json_array_append_new(arr, o) < 0) {
			rc = -ENOMEM;
			cfg_errf(err, "the host ran out of memory");
			goto out;
		}
	}
	if (style == EPTSIM_PROBE_JSON) {
		char buf[24];

		snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)pr.pr_m.mu_regs.cr3);
		if (json_object_set_new(root, "cr3", json_string(buf)) < 0)
			rc = -ENOMEM;
		if (ps.ps_ept) {
			snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)pr.pr_eptp);
			if (json_object_set_new(root, "eptp", json_string(buf)) < 0)
				rc = -ENOMEM;
		}
		if (rc == 0 && json_object_set(root, "accesses", arr) < 0)
			rc = -ENOMEM;
		if (rc < 0) {
			cfg_errf(err, "the host ran out of memory");
			goto out;
		}
		if (json_dumpf(root, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER) < 0 ||
		    fputc('\n', out) == EOF) {
			rc = -EIO;
			cfg_errf(err, "cannot write the output");
			goto out;
		}
	}
	if (fflush(out) == EOF || ferror(out)) {
		rc = -EIO;
		cfg_errf(err, "cannot write the output");
	}
out:
	json_decref(arr);
	json_decref(root);
	free(w);
	probe_machine_free(&pr);
	probe_spec_free(&ps);
	return rc;
}
