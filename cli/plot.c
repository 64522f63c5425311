/*
 * plot.c - `eptsim plot`: draw a report's, several reports' or a sweep's
 * statistics with gnuplot.
 *
 * The command line and the inputs are checked in full before anything is
 * written: every input read and classified (a report has "counters", a
 * sweep's results "points"), every metric found, gnuplot found on $PATH.
 * Then each chart writes its .dat and .gp and runs gnuplot
 * (cli/plot_gp.c); the charts themselves are in cli/plot_report.c (one
 * report), cli/plot_compare.c (several reports) and cli/plot_sweep.c (a
 * sweep).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "cli/cli.h"
#include "cli/plot.h"

static const char plot_help[] =
	"usage: eptsim plot REPORT.json [-o DIR] [--format png|svg|dumb]\n"
	"       eptsim plot REPORT.json REPORT.json ... [-o DIR] [--format F]\n"
	"                   [--metric NAME ...]\n"
	"       eptsim plot SWEEP [-o DIR] [--format F] [--metric NAME ...] [--x KEY]\n"
	"\n"
	"Draw a report's, several reports' or a sweep's statistics with gnuplot\n"
	"(run as a program from $PATH; Debian: apt-get install gnuplot-nox).\n"
	"Each chart is written to the output directory as NAME.dat (the data,\n"
	"with a comment header naming the columns and their units), NAME.gp (the\n"
	"gnuplot script; 'cd DIR && gnuplot NAME.gp' draws the chart again) and\n"
	"the image NAME.png or NAME.svg, whose path is printed (none in dumb).\n"
	"\n"
	"One report: four charts, PREFIX being the report's file name without\n"
	".json (report.json: report-tlb.png, ...):\n"
	"  PREFIX-tlb     miss rate (% of lookups) of the L1 data TLB, the L1\n"
	"                 instruction TLB and the STLB in each interval between\n"
	"                 sample rows; a level without lookups is left out\n"
	"  PREFIX-walks   page walks by memory references per walk (% of the\n"
	"                 walks); in a VM beside those of the native baseline\n"
	"  PREFIX-exits   events per interval between sample rows: guest #PF,\n"
	"                 and EPT violations, A/D emulations, EPT\n"
	"                 misconfigurations, INVEPT and IPIs unless 0 throughout\n"
	"                 (natively: #PF, and IPIs unless 0 throughout)\n"
	"  PREFIX-cycles  the cycles by where they went, stacked, with the\n"
	"                 total; in a VM beside the native baseline's\n"
	"A report without sample rows (report.sample_every 0) gets the walks\n"
	"and cycles charts only, with a note on standard error.\n"
	"\n"
	"Several reports: one chart compare-METRIC per metric, a bar per report\n"
	"labelled with its workload name (the file's base name when two names\n"
	"are the same).\n"
	"\n"
	"A sweep, given as its directory or its results.json (as 'eptsim sweep'\n"
	"writes them): one chart SWEEPNAME-METRIC per metric: the metric against\n"
	"the values of one sweep axis (a grid key, or the zip's keys, which vary\n"
	"together), one series per combination of the other keys' values; lines\n"
	"when the axis is one key whose values are all numbers, clustered bars\n"
	"otherwise.  A point without a number is a gap.\n"
	"\n"
	"In file names, bytes other than letters, digits and . _ + - become _\n"
	"(compare-cycles.total_accesses for cycles.total/accesses).  Files of the\n"
	"same name are replaced.\n"
	"\n"
	"options:\n"
	"  -o, --output DIR     write the files to DIR, made if missing (default:\n"
	"                       the directory of the first input; of a sweep,\n"
	"                       its directory)\n"
	"  -f, --format F       png (the default; pngcairo, 960x600), svg, or\n"
	"                       dumb: each chart as text on standard output after\n"
	"                       its title line, no image file\n"
	"  -m, --metric NAME    several reports or a sweep: a metric to draw: a\n"
	"                       counter (cycles.total), a path in the report\n"
	"                       (overhead.ratio) or A/B (cycles.total/accesses);\n"
	"                       repeatable, or NAME,NAME.  Default: cycles.total\n"
	"                       for reports, every metric of a sweep\n"
	"  -x, --x KEY          a sweep: the axis drawn as x, named by its key or\n"
	"                       one of its zip's keys (default: the last axis)\n"
	"  -h, --help           show this help\n"
	"\n"
	"The charts and files are described in docs/plot.md.\n"
	"\n"
	"exit status: 0 the charts were drawn (a chart without data is skipped\n"
	"with a note on standard error), 2 bad usage or input (a missing file,\n"
	"invalid JSON, a file that is neither a report nor a sweep's results, a\n"
	"metric or key that none has, a file that cannot be written), 3 gnuplot\n"
	"is missing or failed (its standard error is shown), or eptsim itself\n"
	"failed.\n";

#define MAX_METRICS 64

struct plot_args {
	char **pa_inputs;
	size_t pa_ninputs;
	const char *pa_out;
	enum plot_format pa_format;
	const char *pa_xkey;
	const char *pa_metrics[MAX_METRICS];
	size_t pa_nmetrics;
};

/* add_metrics - the comma-separated metric names of `v` to pa (copied to *store); the exit status */
static int add_metrics(struct plot_args *pa, const char *v, char **store)
{
	char *s = strdup(v), *tok, *save = NULL;
	size_t before = pa->pa_nmetrics;

	if (!s) {
		fprintf(stderr, "eptsim plot: out of memory\n");
		return EXIT_INTERNAL;
	}
	*store = s;
	for (tok = strtok_r(s, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (!metric_valid(tok))
			return usage_error("plot", "--metric '%s': not a metric name", tok);
		if (pa->pa_nmetrics == MAX_METRICS)
			return usage_error("plot", "%s", "too many metrics");
		pa->pa_metrics[pa->pa_nmetrics++] = tok;
	}
	if (pa->pa_nmetrics == before)
		return usage_error("plot", "--metric '%s': not a metric name", v);
	return EXIT_DONE;
}

/*
 * parse_args - the command line into pa (pa_inputs: an array of argv's
 * strings, malloc'd; the metric strings in `stores`, one per --metric).
 * EXIT_DONE; EXIT_DONE with *help set for --help; else the exit status.
 */
static int parse_args(int argc, char **argv, struct plot_args *pa,
		      char **stores, int *help)
{
	int i, rc;
	size_t ns = 0;

	pa->pa_inputs = calloc((size_t)argc + 1, sizeof(*pa->pa_inputs));
	if (!pa->pa_inputs) {
		fprintf(stderr, "eptsim plot: out of memory\n");
		return EXIT_INTERNAL;
	}
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			*help = 1;
			return EXIT_DONE;
		} else if (matches(a, "-o", "--output")) {
			pa->pa_out = opt_value(argc, argv, &i, "-o", "--output");
			if (!pa->pa_out || !*pa->pa_out)
				return usage_error("plot", "%s", "-o needs a directory");
		} else if (matches(a, "-f", "--format")) {
			const char *v = opt_value(argc, argv, &i, "-f", "--format");

			if (!v)
				return usage_error("plot", "%s", "--format needs png, svg or dumb");
			if (strcmp(v, "png") == 0)
				pa->pa_format = PLOT_PNG;
			else if (strcmp(v, "svg") == 0)
				pa->pa_format = PLOT_SVG;
			else if (strcmp(v, "dumb") == 0)
				pa->pa_format = PLOT_DUMB;
			else
				return usage_error("plot", "--format '%s': expected png, "
						   "svg or dumb", v);
		} else if (matches(a, "-x", "--x")) {
			pa->pa_xkey = opt_value(argc, argv, &i, "-x", "--x");
			if (!pa->pa_xkey || !*pa->pa_xkey)
				return usage_error("plot", "%s", "--x needs a sweep key");
		} else if (matches(a, "-m", "--metric")) {
			const char *v = opt_value(argc, argv, &i, "-m", "--metric");

			if (!v)
				return usage_error("plot", "%s", "--metric needs a name");
			rc = add_metrics(pa, v, &stores[ns++]);
			if (rc != EXIT_DONE)
				return rc;
		} else if (a[0] == '-' && a[1] != '\0') {
			return usage_error("plot", "unknown option '%s'", a);
		} else {
			pa->pa_inputs[pa->pa_ninputs++] = argv[i];
		}
	}
	if (pa->pa_ninputs == 0)
		return usage_error("plot", "%s", "no report or sweep given");
	return EXIT_DONE;
}

/* dir_of - the directory part of `path` ("." when it has none) into buf */
static void dir_of(char *buf, size_t len, const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		snprintf(buf, len, ".");
	else if (slash == path)
		snprintf(buf, len, "/");
	else
		snprintf(buf, len, "%.*s", (int)(slash - path), path);
}

/* is_dir - `path` is a directory */
static int is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/*
 * load - input `path` as JSON (a directory: its results.json, the path
 * then in `file`).  EXIT_DONE with *out, or EXIT_USAGE with the file and
 * the line and column named.
 */
static int load(const char *path, char *file, size_t flen, json_t **out)
{
	json_error_t jerr;
	FILE *f;

	if (is_dir(path))
		snprintf(file, flen, "%s%sresults.json", path,
			 path[strlen(path) - 1] == '/' ? "" : "/");
	else
		snprintf(file, flen, "%s", path);
	f = fopen(file, "r");
	if (!f) {
		if (is_dir(path))
			fprintf(stderr, "eptsim plot: %s: a directory without results.json "
				"(not a sweep's directory): %s\n", path, strerror(errno));
		else
			fprintf(stderr, "eptsim plot: %s: cannot open: %s\n", file,
				strerror(errno));
		return EXIT_USAGE;
	}
	*out = json_loadf(f, JSON_REJECT_DUPLICATES, &jerr);
	fclose(f);
	if (!*out) {
		fprintf(stderr, "eptsim plot: %s:%d:%d: invalid JSON: %s\n", file,
			jerr.line, jerr.column, jerr.text);
		return EXIT_USAGE;
	}
	if (!json_is_object(*out) || (!json_object_get(*out, "counters") &&
				      !json_object_get(*out, "points"))) {
		fprintf(stderr, "eptsim plot: %s: neither an eptsim report (it has "
			"no \"counters\") nor a sweep's results (no \"points\")\n", file);
		json_decref(*out);
		*out = NULL;
		return EXIT_USAGE;
	}
	return EXIT_DONE;
}

/*
 * check_inputs - the inputs go together and the options fit them: one
 * sweep alone, or reports; every metric is in at least one report.  *sweep set
 * for a sweep.  EXIT_DONE or EXIT_USAGE (message printed).
 */
static int check_inputs(const struct plot_args *pa, char **files, json_t **docs,
			int *sweep)
{
	size_t i, m;
	char buf[256];

	*sweep = json_object_get(docs[0], "points") != NULL;
	for (i = 0; i < pa->pa_ninputs; i++) {
		if (json_object_get(docs[i], "points") && pa->pa_ninputs > 1) {
			fprintf(stderr, "eptsim plot: %s: a sweep's results are drawn "
				"alone, not with other inputs\n", files[i]);
			return EXIT_USAGE;
		}
	}
	if (*sweep)
		return plot_sweep_check(files[0], docs[0], pa->pa_xkey,
					pa->pa_metrics, pa->pa_nmetrics);
	if (pa->pa_xkey)
		return usage_error("plot", "%s", "--x applies to a sweep only");
	if (pa->pa_ninputs == 1 && pa->pa_nmetrics)
		return usage_error("plot", "%s", "--metric applies to several "
				   "reports or a sweep (one report gets its four charts)");
	/* a metric some reports lack is a gap in the chart; one none has is a mistake */
	for (m = 0; m < pa->pa_nmetrics; m++) {
		for (i = 0; i < pa->pa_ninputs; i++)
			if (metric_get(docs[i], pa->pa_metrics[m], buf, sizeof(buf)) != -ENOENT)
				break;
		if (i == pa->pa_ninputs) {
			fprintf(stderr, "eptsim plot: %s: no metric \"%s\" in the report%s\n",
				files[0], pa->pa_metrics[m],
				pa->pa_ninputs > 1 ? " (nor in the others)" : "");
			return EXIT_USAGE;
		}
	}
	return EXIT_DONE;
}

/* draw - the charts of the checked inputs; the exit status */
static int draw(struct plot_args *pa, char **files, json_t **docs, int sweep)
{
	static const char *const dflt_metric[] = { "cycles.total" };
	char gnuplot[PLOT_PATH_MAX], dir[PLOT_PATH_MAX], prefix[PLOT_NAME_MAX / 2];
	struct plot pl = { 0 };

	pl.pl_format = pa->pa_format;
	if (plot_find_gnuplot(gnuplot, sizeof(gnuplot)) < 0) {
		fprintf(stderr, "eptsim plot: gnuplot is not installed (no gnuplot "
			"on $PATH); on Debian or Ubuntu: apt-get install gnuplot-nox\n");
		return EXIT_INTERNAL;
	}
	pl.pl_gnuplot = gnuplot;
	if (pa->pa_out)
		snprintf(dir, sizeof(dir), "%s", pa->pa_out);
	else
		dir_of(dir, sizeof(dir), files[0]);
	if (make_dirs("plot", dir) < 0)
		return EXIT_USAGE;
	pl.pl_dir = dir;
	if (sweep)
		return plot_sweep(&pl, files[0], docs[0], pa->pa_xkey,
				  pa->pa_metrics, pa->pa_nmetrics);
	if (pa->pa_ninputs == 1) {
		plot_base_name(prefix, sizeof(prefix), files[0]);
		return plot_report(&pl, files[0], docs[0], prefix);
	}
	if (pa->pa_nmetrics)
		return plot_compare(&pl, files, docs, pa->pa_ninputs, pa->pa_metrics,
				    pa->pa_nmetrics);
	return plot_compare(&pl, files, docs, pa->pa_ninputs, dflt_metric, 1);
}

int cmd_plot(int argc, char **argv)
{
	struct plot_args pa = { 0 };
	char **stores = calloc((size_t)argc + 1, sizeof(*stores));
	char **files = NULL;
	json_t **docs = NULL;
	int help = 0, sweep = 0, rc;
	size_t i;

	if (!stores) {
		fprintf(stderr, "eptsim plot: out of memory\n");
		return EXIT_INTERNAL;
	}
	rc = parse_args(argc, argv, &pa, stores, &help);
	if (rc != EXIT_DONE || help) {
		if (help)
			fputs(plot_help, stdout);
		goto out;
	}
	files = calloc(pa.pa_ninputs, sizeof(*files));
	docs = calloc(pa.pa_ninputs, sizeof(*docs));
	if (!files || !docs) {
		fprintf(stderr, "eptsim plot: out of memory\n");
		rc = EXIT_INTERNAL;
		goto out;
	}
	for (i = 0; i < pa.pa_ninputs && rc == EXIT_DONE; i++) {
		files[i] = malloc(PLOT_PATH_MAX);
		if (!files[i]) {
			fprintf(stderr, "eptsim plot: out of memory\n");
			rc = EXIT_INTERNAL;
			break;
		}
		rc = load(pa.pa_inputs[i], files[i], PLOT_PATH_MAX, &docs[i]);
	}
	if (rc == EXIT_DONE)
		rc = check_inputs(&pa, files, docs, &sweep);
	if (rc == EXIT_DONE)
		rc = draw(&pa, files, docs, sweep);
out:
	for (i = 0; files && i < pa.pa_ninputs; i++) {
		free(files[i]);
		json_decref(docs[i]);
	}
	free(files);
	free(docs);
	for (i = 0; i < (size_t)argc; i++)
		free(stores[i]);
	free(stores);
	free(pa.pa_inputs);
	return rc;
}
