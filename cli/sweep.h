/*
 * sweep.h - what the files of `eptsim sweep` share (docs/sweep.md):
 *
 *	sweep.c       the command: options, the order of the steps, the summary
 *	sweep_load.c  the sweep file, its points and their overrides; every
 *	              point's configuration loaded before anything runs
 *	sweep_plan.c  the sweep's directory and its plan.json
 *	sweep_run.c   the worker processes, their progress, Ctrl-C
 *	sweep_out.c   results.csv and results.json
 */
#ifndef EPTSIM_CLI_SWEEP_H
#define EPTSIM_CLI_SWEEP_H

#include <stddef.h>

#include <jansson.h>

/* at most this many points in one sweep; their files are named NNNN */
#define SWEEP_MAX_POINTS 10000

/* how values are written everywhere (as reports write theirs) */
#define SWEEP_REAL JSON_REAL_PRECISION(15)

/*
 * A sweep, as its file says.  Point i is a mixed-radix number over the
 * axes: the grid's keys, first key slowest, then the zip (all its keys
 * together) fastest.
 */
struct sweep {
	const char *sw_file;    /* the sweep file as given */
	char *sw_name;          /* "name", or the file's base name without .json */
	char *sw_workload;      /* "workload" as written */
	char *sw_wpath;         /* ... taken from the sweep file's directory */
	json_t *sw_set;         /* {key: value}: every point's fixed overrides */
	json_t *sw_keys;        /* [key, ...]: the grid's keys, then the zip's */
	json_t *sw_lists;       /* [[value, ...], ...]: each key's values */
	size_t sw_ngrid;        /* sw_keys[0, sw_ngrid) are the grid's */
	size_t sw_zip;          /* the zip's length; 0: no zip */
	json_t *sw_metrics;     /* [name, ...] */
	size_t sw_npoints;
	json_t *sw_config;      /* point 0's resolved configuration */
};

/*
 * sweep_load - read and check the sweep file `file` into *sw (zeroed
 * first); on bad input the message is printed.  EXIT_DONE, EXIT_USAGE or
 * EXIT_INTERNAL; sweep_free in every case.
 */
int sweep_load(struct sweep *sw, const char *file);
void sweep_free(struct sweep *sw);

/*
 * sweep_check - load every point's configuration as its run will, so that
 * a bad override stops the sweep before anything runs (the message names
 * the file, the point and its values); fills sw_config.
 * EXIT_DONE, EXIT_USAGE or EXIT_INTERNAL.
 */
int sweep_check(struct sweep *sw);

/* sweep_values - point i's {key: value} in key order (new reference; NULL: out of memory) */
json_t *sweep_values(const struct sweep *sw, size_t i);

/*
 * sweep_sets - point i's overrides "key=<compact JSON>": the file's "set",
 * the point's values, then expect="".  A malloc'd
 * NULL-terminated array of malloc'd strings (sweep_sets_free), or NULL:
 * out of memory.
 */
char **sweep_sets(const struct sweep *sw, size_t i, size_t *n);
void sweep_sets_free(char **sets);

/* sweep_text - `v` as compact JSON, as it is written everywhere (malloc'd; NULL: out of memory) */
char *sweep_text(const json_t *v);

/* sweep_path - "DIR/points/NNNN.EXT" into buf; 0, or -1 when it does not fit */
int sweep_path(char *buf, size_t len, const char *dir, size_t i, const char *ext);

/* sweep_write - the text `s` into `path`, through path.tmp renamed into place; 0 or -errno */
int sweep_write(const char *path, const char *s);

/* sweep_has_report - point i's report exists (complete: reports are renamed into place) */
int sweep_has_report(const char *dir, size_t i);

/*
 * sweep_plan - make the directory `dir` hold this sweep: create it and
 * write plan.json, or find the same plan.json there already.  Another
 * sweep's directory, or a directory that is no sweep's, is EXIT_USAGE
 * (message printed); EXIT_INTERNAL: out of memory.
 */
int sweep_plan(const struct sweep *sw, const char *dir);

/* what sweep_run did, for the summary */
struct sweep_failure {
	size_t sf_point;
	int sf_status;          /* the exit status, or 128 + the signal that killed it */
};

struct sweep_stats {
	size_t st_run;          /* points run now (failed ones included) */
	size_t st_skipped;      /* points whose report was there already */
	size_t st_nfailed;
	struct sweep_failure *st_failed;   /* malloc'd, in point order */
};

/*
 * sweep_run - run each point of `sw` that has no report in `dir`, `jobs`
 * at a time, each in a forked worker; a progress line on a terminal
 * unless `quiet`.  EXIT_DONE when every point it ran ended (failed ones
 * are in st), EXIT_INTERNAL (out of memory, no worker can be started),
 * or 128 + SIGINT / SIGTERM when interrupted: the workers are killed and
 * their partial files removed.
 */
int sweep_run(const struct sweep *sw, const char *dir, int jobs, int quiet,
	      struct sweep_stats *st);

/*
 * sweep_results - write results.csv and results.json into `dir` from the
 * points' reports; *nfailed: the points without a readable report.
 * EXIT_DONE, EXIT_USAGE (a file cannot be written; message printed),
 * EXIT_INTERNAL.
 */
int sweep_results(const struct sweep *sw, const char *dir, size_t *nfailed);

#endif
