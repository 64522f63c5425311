/*
 * cli.h - what the files of the eptsim command share: exit statuses,
 * option parsing, running a workload (cli/eptsim.c), the trace commands
 * (cli/trace_cmd.c).
 */
#ifndef EPTSIM_CLI_CLI_H
#define EPTSIM_CLI_CLI_H

#include <stddef.h>
#include <stdio.h>

enum { EXIT_DONE = 0, EXIT_ABNORMAL = 1, EXIT_USAGE = 2, EXIT_INTERNAL = 3 };

/* usage_error - "eptsim CMD: <fmt with arg>" and the --help hint on stderr; EXIT_USAGE */
int usage_error(const char *cmd, const char *fmt, const char *arg);

/* opt_value - the value of option argv[*i]: "--opt VALUE", "--opt=VALUE", "-o VALUE", "-oVALUE"; NULL if missing */
const char *opt_value(int argc, char **argv, int *i, const char *shrt, const char *lng);

/* make_dirs - mkdir -p `path`; 0, or -1 with "eptsim CMD: ..." printed */
int make_dirs(const char *cmd, const char *path);

/* matches - argv element `a` is option shrt/lng (with or without its value attached) */
int matches(const char *a, const char *shrt, const char *lng);

/*
 * load_workload - eptsim_config_load of `workload` (NULL: none, the
 * defaults) with `sets`, machine presets found as `eptsim run --help`
 * says; on bad input the message is printed.  EXIT_DONE with *cfg, or
 * EXIT_USAGE / EXIT_INTERNAL with *cfg NULL.
 */
struct eptsim_config;
int load_workload(const char *workload, const char *const *sets, size_t nsets,
		  struct eptsim_config **cfg);

/*
 * run_workload - load `workload` (NULL: none, the defaults) with `sets`,
 * run it, write the report to `output` (NULL: none) and the summary to
 * `summary` unless quiet; the exit status.
 */
int run_workload(const char *workload, const char *const *sets, size_t nsets,
		 const char *output, int quiet, FILE *summary);

/*
 * name_set - "name=<JSON string>" naming a run after the file `path`: its
 * base name, cut to the 63 bytes a workload name holds (at a character
 * boundary).  malloc'd; NULL: out of memory.
 */
char *name_set(const char *path);

/* eptsim replay ..., eptsim trace ... (argv[0] is the command's name) */
int cmd_replay(int argc, char **argv);
int cmd_trace(int argc, char **argv);

/* eptsim plot (cli/plot.c), check (cli/check.c), sweep (cli/sweep.c) */
int cmd_plot(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_sweep(int argc, char **argv);

/*
 * metric_get - metric `name` of report `rep` (cli/metric.c) as text in
 * buf: a counter by its dotted name ("tlb.stlb.misses"), else a path into
 * the report ("overhead.ratio", "status.state", "cpus[1].counters.
 * cycles.total", "histograms.walks.mem_refs[4]"), else "A/B": A over B
 * with 4 decimal places ("220.2871"), computed in integers.  Integers as
 * "123", strings as they are, booleans "true"/"false".  0, -ENOENT (no
 * such metric, or it is an object or an array), -EDOM (A/B: a side is
 * not a non-negative number, or B is 0).
 */
struct json_t;
int metric_get(struct json_t *rep, const char *name, char *buf, size_t len);

/* metric_valid - `name` can name a metric: non-empty, < 256 bytes, at most one '/', no blank, ',' or '"' */
int metric_valid(const char *name);

struct eptsim_config;
struct eptsim_result;
struct eptsim_progress;

/*
 * check_expect - the workload key `expect` (cli/check.c): when `cfg` names
 * a golden report, compare the report of `res` with it as `eptsim check`
 * does and print the differences to `out`.  The exit status it asks for:
 * EXIT_DONE (no `expect`, or the reports agree), EXIT_ABNORMAL (they
 * differ), EXIT_USAGE (the golden file cannot be read or is not a
 * report; message printed), EXIT_INTERNAL (out of memory).
 */
int check_expect(const struct eptsim_config *cfg, const struct eptsim_result *res,
		 FILE *out);

/*
 * The progress line (cli/progress.c): drawn on a terminal only, erased
 * when closed; nothing of it reaches a report.
 */
struct progress;

/* progress_open - a progress line on `f` headed `what`; NULL when `f` is not a terminal */
struct progress *progress_open(FILE *f, const char *what);

/* progress_run - an eptsim_progress_fn (arg: the progress): accesses done, rate, time left */
void progress_run(void *arg, const struct eptsim_progress *p);

/* progress_close - erase the line and free it; NULL is a no-op */
void progress_close(struct progress *pg);

#endif
