/*
 * api.c - the public API of include/eptsim.h over the engine.
 */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "eptsim.h"
#include "sim/cfg_load.h"
#include "sim/proc/proc.h"
#include "sim/replay.h"
#include "sim/result.h"

const char *eptsim_version(void)
{
	return EPTSIM_VERSION_STRING;
}

int eptsim_config_load(const char *path, const struct eptsim_load_opts *opts,
		       struct eptsim_config **out, struct eptsim_error *err)
{
	struct eptsim_config *cfg = calloc(1, sizeof(*cfg));
	int rc;

	*out = NULL;
	if (!cfg) {
		cfg_errf(err, "out of memory");
		return -ENOMEM;
	}
	rc = cfg_load(&cfg->ec_cfg, path, opts ? opts->sets : NULL,
		      opts ? opts->nsets : 0, opts ? opts->machine_dirs : NULL,
		      err);
	if (rc < 0) {
		free(cfg);
		return rc;
	}
	*out = cfg;
	return 0;
}

void eptsim_config_free(struct eptsim_config *cfg)
{
	free(cfg);
}

int eptsim_config_write(const struct eptsim_config *cfg, FILE *f,
			struct eptsim_error *err)
{
	json_t *j = cfg_to_json(&cfg->ec_cfg);
	int rc = 0;

	if (!j || json_dumpf(j, f, JSON_INDENT(2) | JSON_REAL_PRECISION(15)) < 0 ||
	    fputc('\n', f) == EOF) {
		cfg_errf(err, "cannot write the configuration");
		rc = -EIO;
	}
	json_decref(j);
	return rc;
}

const char *eptsim_config_expect(const struct eptsim_config *cfg)
{
	return cfg->ec_cfg.expect[0] ? cfg->ec_cfg.expect : NULL;
}

const char *eptsim_config_expect_tolerance(const struct eptsim_config *cfg,
					   size_t i)
{
	const char *p = cfg->ec_cfg.expect_tolerance;

	for (; *p && i > 0; i--)
		p += strlen(p) + 1;
	return *p ? p : NULL;
}

int eptsim_config_runs_programs(const struct eptsim_config *cfg)
{
	return cfg->ec_cfg.source.kind == CFG_SOURCE_PROGRAM;
}

void cfg_native_of(const struct cfg *c, struct cfg *n)
{
	size_t k = 0;

	*n = *c;
	n->vm.enabled = false;
	n->memory = c->vm.memory;
	n->swap = c->vm.swap;
	n->superpages = c->vm.superpages;
	n->report.sample_every = 0;
	n->report.native_baseline = false;
	for (size_t i = 0; i < c->nevents; i++) {
		const struct cfg_event *ev = &c->events[i];

		if (ev->ce_do == CFG_EV_PRESSURE && ev->ce_kernel == CFG_K_HOST)
			continue;
		n->events[k] = *ev;
		n->events[k].ce_kernel = CFG_K_HOST;
		k++;
	}
	n->nevents = k;
}

/*
 * native_baseline - run the native baseline of r's configuration; its
 * status and cycles go into r.  0 or a negative errno (err says why).
 */
static int native_baseline(struct eptsim_result *r, const struct eptsim_run_opts *o,
			   struct eptsim_error *err)
{
	struct cfg *nc = malloc(sizeof(*nc));
	struct sim *s = calloc(1, sizeof(*s));
	int rc = -ENOMEM;

	if (!nc || !s) {
		cfg_errf(err, "the host ran out of memory");
		goto out;
	}
	cfg_native_of(&r->er_cfg, nc);
	rc = sim_init_quiet(s, nc, err);
	if (rc < 0)
		goto out;
	sim_progress_init(s, o, 1, 2);
	rc = sim_run(s, err);
	if (rc == 0) {
		r->er_has_native = true;
		r->er_native_status = s->s_stop.st_status;
		memcpy(r->er_native_ctr, s->s_ctr, sizeof(r->er_native_ctr));
		memcpy(r->er_native_hist, s->s_hist, sizeof(r->er_native_hist));
	}
	sim_fini(s);
out:
	free(s);
	free(nc);
	return rc;
}

/*
 * spool_stdin - a trace on standard input read twice (a VM run and its
 * native baseline): copied once to a temporary file, whose name goes to
 * `path` (PATH_MAX).  Disk, not memory, grows with the trace.  0 or -errno.
 */
static int spool_stdin(char *path, size_t len, struct eptsim_error *err)
{
	const char *dir = getenv("TMPDIR");
	char buf[65536];
	size_t n;
	int fd, rc = 0;
	FILE *f;

	snprintf(path, len, "%s/eptsim-stdin-XXXXXX", dir && *dir ? dir : "/tmp");
	fd = mkstemp(path);
	if (fd < 0 || !(f = fdopen(fd, "wb"))) {
		cfg_errf(err, "-: cannot keep standard input for the native baseline: %s: %s",
			 path, strerror(errno));
		if (fd >= 0) {
			close(fd);
			unlink(path);
		}
		path[0] = '\0';
		return -EIO;
	}
	while ((n = fread(buf, 1, sizeof(buf), stdin)) > 0)
		if (fwrite(buf, 1, n, f) != n)
			rc = -EIO;
	if (ferror(stdin))
		rc = -EIO;
	if (fclose(f) != 0)
		rc = -EIO;
	if (rc < 0) {
		cfg_errf(err, "-: cannot keep standard input for the native baseline in %s", path);
		unlink(path);
		path[0] = '\0';
	}
	return rc;
}

static int run(struct eptsim_result *r, const struct eptsim_run_opts *o,
	       struct eptsim_error *err);

int eptsim_run(const struct eptsim_config *cfg, struct eptsim_result **out,
	       struct eptsim_error *err)
{
	return eptsim_run_ex(cfg, NULL, out, err);
}

int eptsim_run_ex(const struct eptsim_config *cfg, const struct eptsim_run_opts *opts,
		  struct eptsim_result **out, struct eptsim_error *err)
{
	struct eptsim_result *r = calloc(1, sizeof(*r));
	char spool[CFG_PATH_MAX] = "";
	int rc;

	*out = NULL;
	if (!r) {
		cfg_errf(err, "the host ran out of memory");
		return -ENOMEM;
	}
	r->er_cfg = cfg->ec_cfg;
	if (r->er_cfg.source.kind == CFG_SOURCE_TRACE && strcmp(r->er_cfg.source.trace, "-") == 0 &&
	    r->er_cfg.vm.enabled && r->er_cfg.report.native_baseline) {
		rc = spool_stdin(spool, sizeof(spool), err);
		if (rc < 0) {
			free(r);
			return rc;
		}
		snprintf(r->er_cfg.source.trace, sizeof(r->er_cfg.source.trace), "%s", spool);
	}
	rc = run(r, opts, err);
	if (spool[0]) {
		unlink(spool);
		if (rc == 0)
			snprintf(r->er_cfg.source.trace, sizeof(r->er_cfg.source.trace), "-");
	}
	if (rc < 0)
		return rc;
	*out = r;
	return 0;
}

/* run - the run of r->er_cfg into r, then its native baseline; on failure r is freed */
static int run(struct eptsim_result *r, const struct eptsim_run_opts *o,
	       struct eptsim_error *err)
{
	const bool baseline = r->er_cfg.vm.enabled && r->er_cfg.report.native_baseline;
	struct sim *s = calloc(1, sizeof(*s));
	int rc = -ENOMEM;

	if (!s) {
		cfg_errf(err, "the host ran out of memory");
		goto fail;
	}
	rc = sim_init(s, &r->er_cfg, err);
	if (rc < 0)
		goto fail;
	sim_progress_init(s, o, 0, baseline ? 2 : 1);
	rc = sim_run(s, err);
	if (rc < 0) {
		sim_fini(s);
		goto fail;
	}
	r->er_stop = s->s_stop;
	memcpy(r->er_ctr, s->s_ctr, sizeof(r->er_ctr));
	memcpy(r->er_hist, s->s_hist, sizeof(r->er_hist));
	r->er_cpus = calloc(s->s_vm.vm_nvcpus, sizeof(*r->er_cpus));
	if (!r->er_cpus) {
		sim_fini(s);
		cfg_errf(err, "the host ran out of memory");
		rc = -ENOMEM;
		goto fail;
	}
	r->er_ncpus = s->s_vm.vm_nvcpus;
	for (unsigned i = 0; i < r->er_ncpus; i++)
		sim_cpu_result(s, i, &r->er_cpus[i].ec_state, r->er_cpus[i].ec_ctr,
			       r->er_cpus[i].ec_hist);
	r->er_procs = calloc(s->s_nprocs ? s->s_nprocs : 1, sizeof(*r->er_procs));
	if (!r->er_procs) {
		sim_fini(s);
		free(r->er_cpus);
		cfg_errf(err, "the host ran out of memory");
		rc = -ENOMEM;
		goto fail;
	}
	r->er_nprocs = s->s_nprocs;
	for (size_t i = 0; i < s->s_nprocs; i++) {
		const struct proc *p = &s->s_procs[i];
		struct eptsim_proc *ep = &r->er_procs[i];

		snprintf(ep->ep_name, sizeof(ep->ep_name), "%s", p->p_name ? p->p_name : "");
		ep->ep_state = p->p_state;
		ep->ep_exit_code = p->p_exit_code;
		ep->ep_signal = p->p_signal;
		ep->ep_fault_va = p->p_fault_va;
		ep->ep_fault_ip = p->p_fault_ip;
		ep->ep_insns = p->p_insns;
		ep->ep_cpu = p->p_cpu;
		memcpy(ep->ep_sys, p->p_sys, sizeof(ep->ep_sys));
		memcpy(ep->ep_sys_enosys, p->p_sys_enosys, sizeof(ep->ep_sys_enosys));
	}
	if (r->er_cfg.source.kind == CFG_SOURCE_TRACE) {
		const char *fmt;
		unsigned long long n;

		replay_info(s, &fmt, &n, &r->er_trace_demand);
		snprintf(r->er_trace_format, sizeof(r->er_trace_format), "%s", fmt);
		r->er_trace_records = n;
	}
	r->er_samples = s->s_samples;
	r->er_nsamples = s->s_nsamples;
	s->s_samples = NULL;    /* the result owns them now */
	sim_fini(s);
	free(s);
	if (baseline) {
		rc = native_baseline(r, o, err);
		if (rc < 0) {
			eptsim_result_free(r);
			return rc;
		}
	}
	return 0;
fail:
	free(s);
	free(r);
	return rc;
}

void eptsim_result_free(struct eptsim_result *res)
{
	if (!res)
		return;
	free(res->er_samples);
	free(res->er_cpus);
	free(res->er_procs);
	free(res);
}

enum eptsim_status eptsim_result_status(const struct eptsim_result *res)
{
	return res->er_stop.st_status;
}

const char *eptsim_status_name(enum eptsim_status st)
{
	switch (st) {
	case EPTSIM_COMPLETED:
		return "completed";
	case EPTSIM_KILLED:
		return "killed";
	case EPTSIM_OUT_OF_MEMORY:
		return "out_of_memory";
	}
	return "unknown";
}

int eptsim_counter(const struct eptsim_result *res, const char *name,
		   uint64_t *value)
{
	for (size_t i = 0; i < SIM_NCOUNTERS; i++) {
		if (strcmp(sim_ctr_names[i], name) == 0) {
			*value = res->er_ctr[i];
			return 0;
		}
	}
	return -ENOENT;
}
