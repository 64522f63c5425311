/*
 * plot_compare.c - several reports compared metric by metric: a chart
 * compare-METRIC each, with a bar per report.
 *
 * A value is drawn as metric_get writes it (an integer, or a decimal such
 * as "2.4210"), copied into the data file digit for digit.  A report
 * without a number for the metric (a status string, a ratio over 0, a
 * member it lacks) has no bar: "NaN" in the data file, and a note.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"
#include "cli/plot.h"

/* all_distinct - no two of the n labels are equal */
static int all_distinct(char (*labels)[PLOT_LABEL_MAX], size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			if (strcmp(labels[i], labels[j]) == 0)
				return 0;
	return 1;
}

/* ---- compare-METRIC: a bar per report -------------------------------------- */

/*
 * compare_labels - a label per report: its workload name ("name (machine)"
 * when the machines differ); when two are equal, the files' base names;
 * when those are too, the paths as given.
 */
static void compare_labels(char (*labels)[PLOT_LABEL_MAX], char *const *files,
			   json_t *const *reps, size_t n, int same_machine)
{
	size_t i;

	for (i = 0; i < n; i++) {
		json_t *cfg = json_object_get(reps[i], "config");
		const char *name = plot_str(cfg, "name", "(unnamed)");

		if (same_machine)
			snprintf(labels[i], PLOT_LABEL_MAX, "%s", name);
		else
			snprintf(labels[i], PLOT_LABEL_MAX, "%s (%s)", name,
				 plot_str(json_object_get(cfg, "machine"), "name", "?"));
	}
	if (all_distinct(labels, n))
		return;
	for (i = 0; i < n; i++)
		plot_base_name(labels[i], PLOT_LABEL_MAX, files[i]);
	if (all_distinct(labels, n))
		return;
	for (i = 0; i < n; i++)
		snprintf(labels[i], PLOT_LABEL_MAX, "%s", files[i]);
}

/* compare_one - chart compare-METRIC of the reports, bars labelled `labels`; the exit status */
static int compare_one(const struct plot *pl, char *const *files,
		       json_t *const *reps, size_t n, char (*labels)[PLOT_LABEL_MAX],
		       const char *who, const char *metric)
{
	char title[400], ylabel[300], kind[300], buf[256], col[64];
	const char *scale, *word;
	size_t i, have = 0;
	double max = 0;
	int neg = 0, rc;
	struct chart c;
	char (*vals)[64] = calloc(n, sizeof(*vals));

	if (!vals) {
		fprintf(stderr, "eptsim plot: out of memory\n");
		return EXIT_INTERNAL;
	}
	for (i = 0; i < n; i++) {
		int r = metric_get(reps[i], metric, buf, sizeof(buf));

		if (r == 0 && plot_is_number(buf) && strlen(buf) < sizeof(vals[i])) {
			memcpy(vals[i], buf, strlen(buf) + 1);  /* fits: checked */
			neg |= buf[0] == '-';
			if (strtod(buf, NULL) > max)
				max = strtod(buf, NULL);
			have++;
			continue;
		}
		snprintf(vals[i], sizeof(vals[i]), "NaN");
		if (r == 0)
			fprintf(stderr, "eptsim plot: %s: %s is \"%s\", not a number: "
				"no bar\n", files[i], metric, buf);
		else if (r == -ENOENT)
			fprintf(stderr, "eptsim plot: %s: no metric %s: no bar\n",
				files[i], metric);
		else
			fprintf(stderr, "eptsim plot: %s: %s has no value (not a "
				"number, or a division by 0): no bar\n", files[i], metric);
	}
	if (have == 0) {
		fprintf(stderr, "eptsim plot: %s: no report has a number; the "
			"chart is not drawn\n", metric);
		free(vals);
		return EXIT_DONE;
	}
	snprintf(title, sizeof(title), "%s: %s", who, metric);
	snprintf(kind, sizeof(kind), "%s", metric);
	rc = chart_open(&c, pl, "compare", kind);
	if (rc != EXIT_DONE) {
		free(vals);
		return rc;
	}
	dat_head(&c, title, "", NULL);
	fprintf(c.ch_dat, "\n# one row per report; column 1: the bar's number, "
		"column 2: %s (NaN = no value);\n# after '#': the bar's label and "
		"the report\n", metric);
	for (i = 0; i < n; i++) {
		fprintf(c.ch_dat, "%zu %s # ", i, vals[i]);
		dat_text(c.ch_dat, labels[i]);
		fprintf(c.ch_dat, " (");
		dat_text(c.ch_dat, files[i]);
		fprintf(c.ch_dat, ")\n");
	}
	free(vals);

	plot_y_scale(max, &scale, &word);
	gp_column(col, sizeof(col), 2, scale);
	plot_metric_label(ylabel, sizeof(ylabel), metric, word);
	chart_begin(&c, title, "report", ylabel);
	fprintf(c.ch_gp, "set style fill solid 0.8 border -1\n"
		"set boxwidth 0.6\n"
		"set xrange [-0.6:%zu.6]\n"
		"%s"
		"set offsets 0, 0, graph 0.08, 0\n"
		"set xtics nomirror%s (", n - 1, neg ? "" : "set yrange [0:*]\n",
		n > 6 ? " rotate by -30" : "");
	for (i = 0; i < n; i++) {
		fprintf(c.ch_gp, "%s", i ? ", " : "");
		gp_tic(c.ch_gp, labels[i]);
		fprintf(c.ch_gp, " %zu", i);
	}
	fprintf(c.ch_gp, ")\n"
		"plot \"%s.dat\" using 1:%s with boxes notitle, \\\n"
		"    \"%s.dat\" using 1:%s:(stringcolumn(2)) with labels offset 0,1 notitle\n",
		c.ch_name, col, c.ch_name, col);
	return chart_draw(&c, title);
}

int plot_compare(const struct plot *pl, char *const *files,
		 json_t *const *reps, size_t n, const char *const *metrics,
		 size_t nmetrics)
{
	const char *name0 = NULL, *mach0 = NULL;
	int same_name = 1, same_machine = 1, rc = EXIT_DONE;
	char (*labels)[PLOT_LABEL_MAX] = calloc(n, sizeof(*labels));
	char who[PLOT_LABEL_MAX * 2];
	size_t i;

	if (!labels) {
		fprintf(stderr, "eptsim plot: out of memory\n");
		return EXIT_INTERNAL;
	}
	for (i = 0; i < n; i++) {
		json_t *cfg = json_object_get(reps[i], "config");
		const char *name = plot_str(cfg, "name", "(unnamed)");
		const char *mach = plot_str(json_object_get(cfg, "machine"), "name", "?");

		if (i == 0) {
			name0 = name;
			mach0 = mach;
		}
		same_name &= strcmp(name, name0) == 0;
		same_machine &= strcmp(mach, mach0) == 0;
	}
	compare_labels(labels, files, reps, n, same_machine);
	if (same_name)
		snprintf(who, sizeof(who), "%s on %s, %zu reports", name0,
			 same_machine ? mach0 : "several machines", n);
	else
		snprintf(who, sizeof(who), "%zu reports on %s", n,
			 same_machine ? mach0 : "several machines");
	for (i = 0; i < nmetrics && rc == EXIT_DONE; i++)
		rc = compare_one(pl, files, reps, n, labels, who, metrics[i]);
	free(labels);
	return rc;
}
