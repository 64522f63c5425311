/*
 * eptsim.h - the public C API of libeptsim, the engine behind the `eptsim`
 * command.  A program that wants to drive the simulator itself links
 * libeptsim.a (pkg-config: eptsim) and does what `eptsim run` does:
 *
 *	struct eptsim_error err;
 *	struct eptsim_config *cfg;
 *	struct eptsim_result *res;
 *	const char *sets[] = { "source.accesses=1000" };
 *	struct eptsim_load_opts o = { .sets = sets, .nsets = 1 };
 *
 *	if (eptsim_config_load("w.json", &o, &cfg, &err) < 0)
 *		die(err.msg);
 *	if (eptsim_run(cfg, &res, &err) < 0)
 *		die(err.msg);
 *	eptsim_report_write(res, "report.json", &err);
 *	eptsim_summary_print(res, stdout);
 *	eptsim_result_free(res);
 *	eptsim_config_free(cfg);
 *
 * Every function that can fail returns 0 or a negative errno value and
 * fills a message naming the file, the place and what was expected.
 * Nothing here keeps global state; separate configs and results are
 * independent and may be used from separate threads.
 */
#ifndef EPTSIM_H
#define EPTSIM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* the version of the library, "MAJOR.MINOR.PATCH" */
const char *eptsim_version(void);

/* the version of the report format written by eptsim_report_write */
#define EPTSIM_REPORT_VERSION 1

struct eptsim_error {
	char msg[1024];
};

struct eptsim_config;   /* a fully resolved workload */
struct eptsim_result;   /* a finished run */

struct eptsim_load_opts {
	/* "dotted.key=value" overrides, applied after the file, in order */
	const char *const *sets;
	size_t nsets;
	/*
	 * directories searched, in order, for machine presets NAME.json,
	 * NULL-terminated; NULL means only the "machines" directory beside
	 * the workload file
	 */
	const char *const *machine_dirs;
};

/*
 * eptsim_config_load - read, validate and resolve the workload file `path`
 * (NULL: no file, defaults only) with `opts` (may be NULL).
 * Returns 0, or -EINVAL for bad input (err says where and what was
 * expected), -ENOENT / -EIO for a file that cannot be read, -ENOMEM.
 */
int eptsim_config_load(const char *path, const struct eptsim_load_opts *opts,
		       struct eptsim_config **out, struct eptsim_error *err);
void eptsim_config_free(struct eptsim_config *cfg);

/*
 * eptsim_config_write - write the resolved configuration as a workload
 * file that reproduces the run (every key explicit).
 */
int eptsim_config_write(const struct eptsim_config *cfg, FILE *f,
			struct eptsim_error *err);

/*
 * eptsim_config_expect - the workload key `expect`: the path of the golden
 * report the run's report must agree with, as resolved (a relative path
 * given by the workload file is taken from the file's directory), or
 * NULL when there is none.
 */
const char *eptsim_config_expect(const struct eptsim_config *cfg);

/*
 * eptsim_config_expect_tolerance - the i-th string "PATH=PCT" of the
 * workload key `expect_tolerance` (validated when the workload was
 * loaded), or NULL when there are i or fewer.
 */
const char *eptsim_config_expect_tolerance(const struct eptsim_config *cfg,
					   size_t i);

/*
 * eptsim_config_runs_programs - 1 when the run executes programs
 * (source.kind "program"), whose output may go to the same terminal as a
 * progress line; else 0.
 */
int eptsim_config_runs_programs(const struct eptsim_config *cfg);

/* how a run ended */
enum eptsim_status {
	EPTSIM_COMPLETED = 0,   /* the source was exhausted */
	EPTSIM_KILLED,          /* the simulated process was killed (SIGSEGV) */
	EPTSIM_OUT_OF_MEMORY,   /* the simulated machine ran out of frames */
};

/*
 * eptsim_run - simulate `cfg` to the end.  A run that ends abnormally
 * inside the simulation (see enum eptsim_status) still returns 0 and a
 * result; a negative return means the simulator itself could not run
 * (-ENOMEM on the host, -EINVAL for a configuration it cannot realise).
 */
int eptsim_run(const struct eptsim_config *cfg, struct eptsim_result **out,
	       struct eptsim_error *err);
void eptsim_result_free(struct eptsim_result *res);

/*
 * Progress of a run, for a front end's progress line.  The callback is
 * called from inside eptsim_run_ex, in the same thread, every
 * `every` accesses (counted over all CPUs) and once at the end of each
 * phase; it must not call back into the run.  Nothing of it reaches the
 * report.
 */
struct eptsim_progress {
	uint64_t accesses;      /* made so far in this phase */
	uint64_t expected;      /* the phase's accesses if known in advance (synthetic source), else 0 */
	int phase;              /* 0: the run; 1: its native baseline */
	int phases;             /* 1, or 2 when a native baseline follows the run */
	int done;               /* 1: the phase ended (the last call of a phase) */
};
typedef void eptsim_progress_fn(void *arg, const struct eptsim_progress *p);

struct eptsim_run_opts {
	eptsim_progress_fn *progress;   /* NULL: no progress calls */
	void *arg;
	uint64_t every;                 /* accesses between calls; 0: 65536 */
};

/* eptsim_run_ex - eptsim_run with options (opts may be NULL) */
int eptsim_run_ex(const struct eptsim_config *cfg, const struct eptsim_run_opts *opts,
		  struct eptsim_result **out, struct eptsim_error *err);

enum eptsim_status eptsim_result_status(const struct eptsim_result *res);
/* the name used in reports: "completed", "killed", "out_of_memory" */
const char *eptsim_status_name(enum eptsim_status st);

/*
 * eptsim_counter - the value of counter `name` (a dotted name as in the
 * report, e.g. "tlb.stlb.misses").  Returns 0, or -ENOENT for no such
 * counter.
 */
int eptsim_counter(const struct eptsim_result *res, const char *name,
		   uint64_t *value);

/*
 * eptsim_report_write - write the JSON report to `path` ("-" is standard
 * output).  The file is written beside its final name and renamed into
 * place, so a failed run never leaves half a report.
 */
int eptsim_report_write(const struct eptsim_result *res, const char *path,
			struct eptsim_error *err);

/*
 * eptsim_report_text - the report exactly as eptsim_report_write writes
 * it, as one malloc'd NUL-terminated string in *text.  0 or -ENOMEM.
 */
int eptsim_report_text(const struct eptsim_result *res, char **text,
		       struct eptsim_error *err);

/* eptsim_summary_print - the human summary table. */
void eptsim_summary_print(const struct eptsim_result *res, FILE *f);

/* how eptsim_probe prints: JSON (`eptsim probe`) or text (`eptsim explain`) */
enum eptsim_probe_style { EPTSIM_PROBE_JSON, EPTSIM_PROBE_TEXT };

/*
 * eptsim_probe - run the probe file `path` (docs/probe.md): build the
 * machine, guest and EPT tables it describes, translate each of its
 * accesses in order and print each outcome to `out`.  opts->machine_dirs
 * are searched for machine presets as for runs; opts->sets may override
 * machine.* keys and memory.  Returns 0 (whatever the outcomes: a fault is
 * an answer, not an error), or a negative errno with err naming the file,
 * the key and what was expected (-EINVAL bad input, -ENOENT / -EIO a file
 * that cannot be read or output that cannot be written, -ENOMEM).
 */
int eptsim_probe(const char *path, const struct eptsim_load_opts *opts,
		 enum eptsim_probe_style style, FILE *out,
		 struct eptsim_error *err);

#ifdef __cplusplus
}
#endif

#endif
