/*
 * report.c - the JSON report (docs/report.md), written with jansson.
 *
 * Keys come out in a fixed order (jansson keeps insertion order), every
 * number is an integer except the configuration's reals, which carry 15
 * significant digits and so print back exactly.  Nothing depends on time,
 * addresses of host memory or hash order: the same run gives the same
 * bytes.  Samples are written one row per line so the file stays readable.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sim/cfg_load.h"
#include "sim/proc/proc.h"
#include "sim/result.h"

#define DUMP_FLAGS (JSON_INDENT(2) | JSON_REAL_PRECISION(15))

static const char *const acc_names[] = { "read", "write", "fetch" };

/*
 * counters_json - an object of every counter by dotted name (nested
 * objects), and the walk histogram: "walk_refs"[n] is the number of walks
 * that made n memory references.
 */
static json_t *counters_json(const uint64_t *k)
{
	json_t *ctr = json_object();
	int bad = !ctr;

	for (size_t i = 0; ctr && i < SIM_NCOUNTERS; i++)
		bad |= cfg_json_put(ctr, sim_ctr_names[i], json_integer((json_int_t)k[i]));
	if (bad) {
		json_decref(ctr);
		return NULL;
	}
	return ctr;
}

static json_t *hist_json(const uint64_t *h)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i <= MMU_MAX_REFS; i++)
		if (json_array_append_new(a, json_integer((json_int_t)h[i])) < 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

/* cpus_json - one object per (v)CPU: its id, state, counters and histogram */
static json_t *cpus_json(const struct eptsim_result *r)
{
	json_t *a = json_array();
	int bad = !a;

	for (unsigned i = 0; a && i < r->er_ncpus; i++) {
		const struct eptsim_cpu *cpu = &r->er_cpus[i];
		json_t *o = json_pack("{s:I, s:s, s:o, s:{s:o}}", "id", (json_int_t)i,
				      "state", vmx_state_name(cpu->ec_state),
				      "counters", counters_json(cpu->ec_ctr),
				      "histograms", "walks.mem_refs", hist_json(cpu->ec_hist));

		bad |= !o || json_array_append_new(a, o) < 0;
	}
	if (bad) {
		json_decref(a);
		return NULL;
	}
	return a;
}

/* sys_json - system-call counts by name (by number for those eptsim does not serve), in number order */
static json_t *sys_json(const uint64_t *n)
{
	json_t *o = json_object();
	int bad = !o;

	for (unsigned i = 0; o && i <= PROC_NSYS; i++) {
		char num[16];
		const char *name = proc_sys_name(i);

		if (n[i] == 0)
			continue;
		if (!name) {
			snprintf(num, sizeof(num), i < PROC_NSYS ? "%u" : ">=%u", i);
			name = num;
		}
		bad |= json_object_set_new(o, name, json_integer((json_int_t)n[i]));
	}
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/*
 * procs_json - the processes of a program source: how each ended, its
 * instructions and its system calls (those answered ENOSYS again apart)
 */
static json_t *procs_json(const struct eptsim_result *r)
{
	json_t *a = json_array();
	int bad = !a;

	for (size_t i = 0; a && i < r->er_nprocs; i++) {
		const struct eptsim_proc *ep = &r->er_procs[i];
		json_t *o = json_pack("{s:I, s:s, s:I, s:s}", "id", (json_int_t)i,
				      "program", ep->ep_name,
				      "cpu", (json_int_t)ep->ep_cpu,
				      "state", proc_state_name(ep->ep_state));

		bad |= !o || json_array_append_new(a, o) < 0;
		if (bad)
			break;
		if (ep->ep_state == PROC_EXITED)
			bad |= json_object_set_new(o, "exit_code", json_integer(ep->ep_exit_code));
		if (ep->ep_state == PROC_KILLED) {
			bad |= json_object_set_new(o, "signal",
						   json_string(proc_signal_name(ep->ep_signal)));
			bad |= json_object_set_new(o, "address", json_integer((json_int_t)ep->ep_fault_va));
			bad |= json_object_set_new(o, "ip", json_integer((json_int_t)ep->ep_fault_ip));
		}
		bad |= json_object_set_new(o, "instructions", json_integer((json_int_t)ep->ep_insns));
		bad |= json_object_set_new(o, "syscalls", sys_json(ep->ep_sys));
		bad |= json_object_set_new(o, "unsupported_syscalls", sys_json(ep->ep_sys_enosys));
	}
	if (bad) {
		json_decref(a);
		return NULL;
	}
	return a;
}

/*
 * overhead_json - the VM run against its native baseline: both cycle
 * totals and their ratio, as a decimal string with 4 places computed in
 * integers (no floating point reaches the report); then the baseline's
 * counters and walk histogram, in the same form as the run's.
 */
static json_t *overhead_json(const struct eptsim_result *r)
{
	char ratio[48];

	eptsim_ratio_text(r->er_ctr[CTR_CYCLES], r->er_native_ctr[CTR_CYCLES], ratio,
			  sizeof(ratio));
	return json_pack("{s:s, s:I, s:I, s:s, s:o*, s:{s:o*}}", "native_status",
			 eptsim_status_name(r->er_native_status), "native_cycles",
			 (json_int_t)r->er_native_ctr[CTR_CYCLES], "ept_cycles",
			 (json_int_t)r->er_ctr[CTR_CYCLES], "ratio", ratio,
			 "native_counters", counters_json(r->er_native_ctr),
			 "native_histograms", "walks.mem_refs", hist_json(r->er_native_hist));
}

void eptsim_ratio_text(uint64_t num, uint64_t den, char *buf, size_t len)
{
	unsigned __int128 q;

	if (den == 0) {
		snprintf(buf, len, "-");
		return;
	}
	/* rounded to 4 places: (num * 10^4 + den / 2) / den */
	q = ((unsigned __int128)num * 10000 + den / 2) / den;
	snprintf(buf, len, "%llu.%04llu", (unsigned long long)(q / 10000),
		 (unsigned long long)(q % 10000));
}

json_t *report_json(const struct eptsim_result *r)
{
	json_t *root = json_object(), *st, *meta, *v;
	int bad = 0;

	if (!root)
		return NULL;
	meta = json_pack("{s:s, s:i}", "version", eptsim_version(),
			 "report_version", EPTSIM_REPORT_VERSION);
	bad |= json_object_set_new(root, "eptsim", meta);
	bad |= json_object_set_new(root, "config", cfg_to_json(&r->er_cfg));
	st = json_object();
	bad |= json_object_set_new(root, "status", st);
	bad |= json_object_set_new(st, "state",
				   json_string(eptsim_status_name(r->er_stop.st_status)));
	if (r->er_stop.st_status != EPTSIM_COMPLETED) {
		if (r->er_stop.st_status == EPTSIM_KILLED)
			bad |= json_object_set_new(st, "signal",
						   json_string(proc_signal_name(r->er_stop.st_signal)));
		/* a program killed by a CPU exception made no access */
		if (r->er_stop.st_proc < 0 || r->er_stop.st_mem) {
			bad |= json_object_set_new(st, "address",
						   json_integer((json_int_t)r->er_stop.st_va));
			bad |= json_object_set_new(st, "access",
						   json_string(acc_names[r->er_stop.st_acc]));
		}
		bad |= json_object_set_new(st, "cpu", json_integer(r->er_stop.st_cpu));
		if (r->er_stop.st_proc >= 0) {
			bad |= json_object_set_new(st, "process", json_integer(r->er_stop.st_proc));
			bad |= json_object_set_new(st, "ip", json_integer((json_int_t)r->er_stop.st_ip));
		}
	}
	if (r->er_cfg.source.kind == CFG_SOURCE_TRACE) {
		v = json_pack("{s:s, s:s, s:I, s:b}", "path", r->er_cfg.source.trace,
			      "format", r->er_trace_format,
			      "records", (json_int_t)r->er_trace_records,
			      "mapped_on_demand", r->er_trace_demand);
		bad |= !v || json_object_set_new(root, "trace", v);
	}
	v = counters_json(r->er_ctr);
	bad |= !v || json_object_set_new(root, "counters", v);
	v = json_pack("{s:o}", "walks.mem_refs", hist_json(r->er_hist));
	bad |= !v || json_object_set_new(root, "histograms", v);
	v = cpus_json(r);
	bad |= !v || json_object_set_new(root, "cpus", v);
	if (r->er_nprocs > 0) {
		v = procs_json(r);
		bad |= !v || json_object_set_new(root, "processes", v);
	}
	if (r->er_has_native) {
		v = overhead_json(r);
		bad |= !v || json_object_set_new(root, "overhead", v);
	}
	if (bad) {
		json_decref(root);
		return NULL;
	}
	return root;
}

/*
 * write_samples - the "samples" member, one row per line.  `f` is placed
 * just after the last member of the top-level object.
 */
static int write_samples(const struct eptsim_result *r, FILE *f)
{
	json_t *cols = json_array();
	char *s;
	int rc = 0;

	for (size_t i = 0; cols && i < SIM_NCOUNTERS; i++)
		if (json_array_append_new(cols, json_string(sim_ctr_names[i])) < 0)
			rc = -ENOMEM;
	s = cols ? json_dumps(cols, JSON_COMPACT) : NULL;
	json_decref(cols);
	if (!s || rc < 0) {
		free(s);
		return -ENOMEM;
	}
	fprintf(f, ",\n  \"samples\": {\n    \"every\": %llu,\n    \"columns\": %s,\n    \"rows\": [",
		(unsigned long long)r->er_cfg.report.sample_every, s);
	free(s);
	for (size_t row = 0; row < r->er_nsamples; row++) {
		const uint64_t *v = &r->er_samples[row * SIM_NCOUNTERS];

		fputs(row ? ",\n      [" : "\n      [", f);
		for (size_t i = 0; i < SIM_NCOUNTERS; i++)
			fprintf(f, "%s%llu", i ? ", " : "", (unsigned long long)v[i]);
		fputc(']', f);
	}
	fputs(r->er_nsamples ? "\n    ]\n  }\n}\n" : "]\n  }\n}\n", f);
	return 0;
}

static int write_report(const struct eptsim_result *r, FILE *f)
{
	json_t *root = report_json(r);
	char *text;
	size_t n;
	int rc;

	if (!root)
		return -ENOMEM;
	text = json_dumps(root, DUMP_FLAGS);
	json_decref(root);
	if (!text)
		return -ENOMEM;
	/* drop the closing "\n}" and append the samples member after it */
	n = strlen(text);
	ES_ASSERT(n >= 2 && text[n - 1] == '}' && text[n - 2] == '\n',
		  "report text ends with %#x %#x", text[n - 2], text[n - 1]);
	fwrite(text, 1, n - 2, f);
	free(text);
	rc = write_samples(r, f);
	if (rc == 0 && ferror(f))
		rc = -EIO;
	return rc;
}

int eptsim_report_text(const struct eptsim_result *r, char **text,
		       struct eptsim_error *err)
{
	size_t len = 0;
	FILE *f = open_memstream(text, &len);
	int rc;

	if (!f) {
		*text = NULL;
		cfg_errf(err, "the host ran out of memory");
		return -ENOMEM;
	}
	rc = write_report(r, f);
	if (fclose(f) != 0 && rc == 0)
		rc = -ENOMEM;
	if (rc < 0) {
		free(*text);
		*text = NULL;
		cfg_errf(err, "the host ran out of memory");
	}
	return rc;
}

/*
 * write_special - the report written straight into `path`, which exists and
 * is not a regular file (/dev/null, a FIFO, a terminal): renaming a
 * temporary file over it would replace the device.
 */
static int write_special(const struct eptsim_result *r, const char *path,
			 struct eptsim_error *err)
{
	FILE *f = fopen(path, "w");
	int rc;

	if (!f) {
		rc = -errno;
		cfg_errf(err, "%s: cannot write the report: %s", path, strerror(-rc));
		return rc;
	}
	rc = write_report(r, f);
	if (fclose(f) != 0 && rc == 0)
		rc = -errno;
	if (rc < 0)
		cfg_errf(err, "%s: cannot write the report: %s", path, strerror(-rc));
	return rc;
}

int eptsim_report_write(const struct eptsim_result *r, const char *path,
			struct eptsim_error *err)
{
	struct stat st;
	char *tmp;
	FILE *f;
	int rc;

	if (strcmp(path, "-") == 0) {
		rc = write_report(r, stdout);
		if (rc == 0 && fflush(stdout) != 0)
			rc = -EIO;
		if (rc < 0)
			cfg_errf(err, "standard output: cannot write the report: %s",
				 strerror(-rc));
		return rc;
	}
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
		return write_special(r, path, err);
	tmp = malloc(strlen(path) + sizeof(".tmp"));
	if (!tmp) {
		cfg_errf(err, "%s: out of memory", path);
		return -ENOMEM;
	}
	sprintf(tmp, "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f) {
		rc = -errno;
		cfg_errf(err, "%s: cannot write the report: %s", tmp, strerror(-rc));
		free(tmp);
		return rc;
	}
	rc = write_report(r, f);
	if (fclose(f) != 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && rename(tmp, path) != 0)
		rc = -errno;
	if (rc < 0) {
		cfg_errf(err, "%s: cannot write the report: %s", path, strerror(-rc));
		remove(tmp);
	}
	free(tmp);
	return rc;
}
