/*
 * sweep.c - `eptsim sweep`: run a workload once per point of a grid of
 * settings, in parallel, and tabulate chosen metrics (docs/sweep.md).
 *
 * The steps, each finished before the next begins: read the sweep file
 * and load every point's configuration (sweep_load.c), so bad input
 * stops everything before a run; claim the directory with plan.json
 * (sweep_plan.c); run the points that have no report yet (sweep_run.c);
 * write the results from the reports (sweep_out.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/sweep.h"

static const char sweep_help[] =
	"usage: eptsim sweep SWEEP.json [-j N] [-o DIR] [-q]\n"
	"\n"
	"Run a workload once for each point of a grid of settings, several points\n"
	"at a time in worker processes, and tabulate chosen metrics of every\n"
	"point's report in DIR/results.csv and DIR/results.json.  Every point's\n"
	"configuration is loaded before any point runs.  A sweep resumes: run\n"
	"the same command again after an interruption or a failure, and only\n"
	"the points without a report run.\n"
	"\n"
	"The sweep file is a JSON object:\n"
	"  \"workload\"  the base workload file, relative to the sweep file\n"
	"              (required)\n"
	"  \"name\"      the sweep's name (default: the sweep file's name without\n"
	"              .json)\n"
	"  \"set\"       {KEY: VALUE, ...}: overrides of every point\n"
	"  \"grid\"      {KEY: [VALUE, ...], ...}: every combination of the lists'\n"
	"              values; the first key varies slowest\n"
	"  \"zip\"       {KEY: [VALUE, ...], ...}: lists of one length whose i-th\n"
	"              values go together: one more axis, varying fastest\n"
	"  \"metrics\"   [NAME, ...]: what to tabulate: counters (tlb.stlb.misses),\n"
	"              report paths (overhead.ratio) or A/B ratios (default:\n"
	"              cycles.total, cycles.total/accesses)\n"
	"At least one of grid and zip; at most 10000 points.  A point's overrides\n"
	"are the workload's --set KEY=VALUE: \"set\", then the point's values,\n"
	"each VALUE the JSON value as compact JSON.\n"
	"\n"
	"options:\n"
	"  -j, --jobs N        run N points at a time, 1 to 1024 (default: the\n"
	"                      number of online CPUs)\n"
	"  -o, --output DIR    the sweep's directory, made with its parents if\n"
	"                      missing (default: NAME-sweep in the current\n"
	"                      directory)\n"
	"  -q, --quiet         no progress line and no closing summary\n"
	"  -h, --help          show this help\n"
	"\n"
	"DIR holds plan.json (the points, written first), points/NNNN.json (point\n"
	"NNNN's report), points/NNNN.log (its output), results.csv and\n"
	"results.json.  A DIR whose plan.json differs holds another sweep: eptsim\n"
	"stops rather than mix the two.  See docs/sweep.md.\n"
	"\n"
	"exit status: 0 every point has a report (whatever its status: an\n"
	"abnormal end is a result too), 1 some point failed and has no report\n"
	"(each is listed with its log), 2 bad usage, a bad sweep file or point,\n"
	"or DIR holds another sweep, 3 eptsim itself failed, 130 and 143\n"
	"interrupted by SIGINT and SIGTERM (the finished points keep their\n"
	"reports).\n";

/* jobs - the value of -j: 1 to 1024; 0 if it is not */
static int jobs(const char *s)
{
	char *end;
	long n = strtol(s, &end, 10);

	return *s >= '0' && *s <= '9' && *end == '\0' && n >= 1 && n <= 1024 ? (int)n : 0;
}

/* last_line - the last non-empty line of `path` into buf ("" if none) */
static void last_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	char line[512];

	buf[0] = '\0';
	while (f && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0])
			snprintf(buf, len, "%s", line);
	}
	if (f)
		fclose(f);
}

/* failures - each failed point on stderr, with its log and the log's last line */
static void failures(const struct sweep *sw, const char *dir, const struct sweep_stats *st)
{
	for (size_t k = 0; k < st->st_nfailed; k++) {
		const struct sweep_failure *f = &st->st_failed[k];
		json_t *vals = sweep_values(sw, f->sf_point);
		char *t = vals ? json_dumps(vals, JSON_COMPACT | SWEEP_REAL) : NULL;
		char log[4096], last[512], how[64];

		if (f->sf_status > 128)
			snprintf(how, sizeof(how), "killed by signal %d", f->sf_status - 128);
		else
			snprintf(how, sizeof(how), "exit status %d", f->sf_status);
		if (sweep_path(log, sizeof(log), dir, f->sf_point, "log") < 0)
			log[0] = '\0';
		last_line(log, last, sizeof(last));
		fprintf(stderr, "eptsim sweep: point %zu %s failed (%s)%s%s; its log: %s\n",
			f->sf_point, t ? t : "", how, last[0] ? ": " : "", last, log);
		free(t);
		json_decref(vals);
	}
}

int cmd_sweep(int argc, char **argv)
{
	const char *file = NULL, *dir = NULL;
	struct sweep sw = { 0 };
	struct sweep_stats st = { 0 };
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	int quiet = 0, j = cpus > 1024 ? 1024 : cpus > 0 ? (int)cpus : 1;
	int status;
	size_t nfailed = 0;
	char *defdir = NULL;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			fputs(sweep_help, stdout);
			return EXIT_DONE;
		} else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
			quiet = 1;
		} else if (matches(a, "-o", "--output")) {
			dir = opt_value(argc, argv, &i, "-o", "--output");
			if (!dir || !*dir)
				return usage_error("sweep", "%s needs a directory", a);
		} else if (matches(a, "-j", "--jobs")) {
			const char *v = opt_value(argc, argv, &i, "-j", "--jobs");

			if (!v || !(j = jobs(v)))
				return usage_error("sweep", "%s needs a number of jobs from 1 to 1024",
						   a);
		} else if (a[0] == '-' && a[1] != '\0') {
			return usage_error("sweep", "unknown option '%s'", a);
		} else if (file) {
			return usage_error("sweep", "one sweep file only, got also '%s'", a);
		} else {
			file = a;
		}
	}
	if (!file)
		return usage_error("sweep", "%s", "missing the sweep file");

	status = sweep_load(&sw, file);
	if (status == EXIT_DONE)
		status = sweep_check(&sw);
	if (status != EXIT_DONE)
		goto out;
	if (!dir) {
		defdir = malloc(strlen(sw.sw_name) + sizeof("-sweep"));
		if (!defdir) {
			fprintf(stderr, "eptsim sweep: out of memory\n");
			status = EXIT_INTERNAL;
			goto out;
		}
		sprintf(defdir, "%s-sweep", sw.sw_name);
		dir = defdir;
	}
	status = sweep_plan(&sw, dir);
	if (status == EXIT_DONE)
		status = sweep_run(&sw, dir, j, quiet, &st);
	if (status == EXIT_DONE)
		status = sweep_results(&sw, dir, &nfailed);
	if (status != EXIT_DONE)
		goto out;
	failures(&sw, dir, &st);
	if (nfailed > st.st_nfailed)    /* the others: unreadable reports, named already */
		fprintf(stderr, "eptsim sweep: %zu points have no readable report\n",
			nfailed - st.st_nfailed);
	if (!quiet)
		printf("sweep %s: %zu points: %zu run, %zu had a report already, %zu failed\n"
		       "results: %s/results.csv, %s/results.json\n",
		       sw.sw_name, sw.sw_npoints, st.st_run, st.st_skipped, nfailed, dir, dir);
	status = nfailed ? EXIT_ABNORMAL : EXIT_DONE;
out:
	free(st.st_failed);
	free(defdir);
	sweep_free(&sw);
	return status;
}
