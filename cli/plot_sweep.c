/*
 * plot_sweep.c - a sweep's results.json: a chart SWEEP-METRIC per metric,
 * the metric against the values of one sweep axis (a grid key, or the
 * zip's keys, which vary together), one series per combination of the
 * other keys' values.
 *
 * The points are first laid out as a table (struct grid): a row per value
 * of the x key, a column per series.  Every value of the x key a number:
 * the rows are sorted by it and drawn as lines; else they keep the order
 * of the points and are drawn as clustered bars.  Metric values are
 * copied as written (integers, decimal strings such as "2.3442"); null,
 * other strings and a missing point are "NaN" in the data file, which
 * gnuplot leaves out (a gap in a line, no bar).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"
#include "cli/plot.h"

/* scalar_text - a JSON scalar as a person reads it: strings bare, true/false, numbers */
static void scalar_text(char *buf, size_t len, json_t *v)
{
	if (json_is_string(v))
		snprintf(buf, len, "%s", json_string_value(v));
	else if (json_is_integer(v))
		snprintf(buf, len, "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		snprintf(buf, len, "%.15g", json_real_value(v));
	else if (json_is_boolean(v))
		snprintf(buf, len, "%s", json_is_true(v) ? "true" : "false");
	else if (!v || json_is_null(v))
		snprintf(buf, len, "null");
	else {
		char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

		snprintf(buf, len, "%s", s ? s : "?");
		free(s);
	}
}

/* value_text - a metric value for a data file: the number as written, or "NaN" (a gap) */
static void value_text(char *buf, size_t len, json_t *v)
{
	if (json_is_integer(v) || json_is_real(v) ||
	    (json_is_string(v) && plot_is_number(json_string_value(v))))
		scalar_text(buf, len, v);
	else
		snprintf(buf, len, "NaN");
}

/* ---- SWEEP-METRIC: a metric against one key's values ---------------------- */

/* the points of a sweep laid out as a table: x values by series */
struct grid {
	json_t *gr_axis;                /* the keys of the x axis (one, or a zip's) */
	char gr_xlabel[PLOT_LABEL_MAX]; /* its keys joined with ", " */
	json_t **gr_x;                  /* the axis's distinct values, in order (owned) */
	size_t gr_nx;
	char (*gr_series)[PLOT_LABEL_MAX]; /* the other keys' values, as a legend */
	size_t gr_nseries;
	long *gr_cell;                  /* [x * nseries + s]: point index, -1 */
	int gr_numeric;                 /* every x value a number: drawn as lines */
};

/* string_list - the strings of array `a` joined with ", " into buf */
static void string_list(char *buf, size_t len, json_t *a)
{
	size_t i, used = 0;
	json_t *v;

	buf[0] = '\0';
	json_array_foreach(a, i, v) {
		int w = snprintf(buf + used, len - used, "%s%s", i ? ", " : "",
				 json_is_string(v) ? json_string_value(v) : "?");

		if (w < 0 || (size_t)w >= len - used)
			break;          /* cut: the list is full */
		used += (size_t)w;
	}
}

/* in_strings - `s` is one of the strings of array `a` */
static int in_strings(json_t *a, const char *s)
{
	size_t i;
	json_t *v;

	json_array_foreach(a, i, v)
		if (json_is_string(v) && strcmp(json_string_value(v), s) == 0)
			return 1;
	return 0;
}

int plot_sweep_check(const char *file, json_t *res, const char *xkey,
		     const char *const *metrics, size_t nmetrics)
{
	json_t *keys = json_object_get(res, "keys");
	json_t *ms = json_object_get(res, "metrics");
	char list[512];
	size_t i;
	json_t *v;

	if (!json_is_array(json_object_get(res, "points"))) {
		fprintf(stderr, "eptsim plot: %s: not a sweep's results: "
			"\"points\" is not an array\n", file);
		return EXIT_USAGE;
	}
	if (!json_is_array(keys) || json_array_size(keys) == 0) {
		fprintf(stderr, "eptsim plot: %s: not a sweep's results: no "
			"\"keys\" (an array of the keys swept)\n", file);
		return EXIT_USAGE;
	}
	json_array_foreach(keys, i, v) {
		if (!json_is_string(v)) {
			fprintf(stderr, "eptsim plot: %s: \"keys\"[%zu] is not a "
				"string\n", file, i);
			return EXIT_USAGE;
		}
	}
	if (!json_is_array(ms) || json_array_size(ms) == 0) {
		fprintf(stderr, "eptsim plot: %s: not a sweep's results: no "
			"\"metrics\" (a sweep's plan.json has none; its results.json "
			"has)\n", file);
		return EXIT_USAGE;
	}
	if (xkey && !in_strings(keys, xkey)) {
		string_list(list, sizeof(list), keys);
		fprintf(stderr, "eptsim plot: %s: --x %s: not a key of the sweep "
			"(its keys: %s)\n", file, xkey, list);
		return EXIT_USAGE;
	}
	for (i = 0; i < nmetrics; i++) {
		if (!in_strings(ms, metrics[i])) {
			string_list(list, sizeof(list), ms);
			fprintf(stderr, "eptsim plot: %s: no metric \"%s\" in the "
				"sweep (its metrics: %s)\n", file, metrics[i],
				list[0] ? list : "none");
			return EXIT_USAGE;
		}
	}
	return EXIT_DONE;
}

/* x_cmp - order of two numeric x values */
static int x_cmp(const void *a, const void *b)
{
	double x = json_number_value(*(json_t *const *)a);
	double y = json_number_value(*(json_t *const *)b);

	return (x > y) - (x < y);
}

/* legend - the values of every key not on x axis `axis` of point values `vals`, "k=v, k=v" */
static void legend(char *buf, size_t len, json_t *keys, json_t *axis,
		   json_t *vals)
{
	size_t i, used = 0;
	json_t *k;

	buf[0] = '\0';
	json_array_foreach(keys, i, k) {
		char v[PLOT_LABEL_MAX];

		int w;

		if (in_strings(axis, json_string_value(k)))
			continue;
		scalar_text(v, sizeof(v), json_object_get(vals, json_string_value(k)));
		w = snprintf(buf + used, len - used, "%s%s=%s", used ? ", " : "",
			     json_string_value(k), v);
		if (w < 0 || (size_t)w >= len - used)
			break;          /* cut: the legend is full */
		used += (size_t)w;
	}
}

static void grid_free(struct grid *g)
{
	for (size_t x = 0; g->gr_x && x < g->gr_nx; x++)
		json_decref(g->gr_x[x]);
	json_decref(g->gr_axis);
	free(g->gr_x);
	free(g->gr_series);
	free(g->gr_cell);
}

/*
 * axis_of - the keys of the sweep axis holding `xkey`: the group of
 * "axes" that has it (a zip's keys vary together), or [xkey] alone for
 * results without "axes".  A new reference; NULL: no memory.
 */
static json_t *axis_of(json_t *res, const char *xkey)
{
	json_t *axes = json_object_get(res, "axes"), *a;
	size_t i;

	json_array_foreach(axes, i, a)
		if (json_is_array(a) && in_strings(a, xkey))
			return json_incref(a);
	return json_pack("[s]", xkey);
}

/*
 * x_value - point values `vals` on axis g->gr_axis: the value of its one
 * key, or an array of its keys' values (null for one missing).  A new
 * reference; NULL: no memory.
 */
static json_t *x_value(const struct grid *g, json_t *vals)
{
	json_t *xv, *k;
	size_t i;

	if (json_array_size(g->gr_axis) == 1) {
		xv = json_object_get(vals, json_string_value(json_array_get(g->gr_axis, 0)));
		return json_incref(xv ? xv : json_null());
	}
	xv = json_array();
	json_array_foreach(g->gr_axis, i, k) {
		json_t *v = json_object_get(vals, json_string_value(k));

		if (xv && json_array_append(xv, v ? v : json_null()) < 0) {
			json_decref(xv);
			xv = NULL;
		}
	}
	return xv;
}

/* x_text - an x value as a tic label: a scalar as scalar_text, an axis's values joined with ", " */
static void x_text(char *buf, size_t len, json_t *xv)
{
	size_t i, used = 0;
	json_t *v;

	if (!json_is_array(xv)) {
		scalar_text(buf, len, xv);
		return;
	}
	buf[0] = '\0';
	json_array_foreach(xv, i, v) {
		char t[PLOT_LABEL_MAX];
		int w;

		scalar_text(t, sizeof(t), v);
		w = snprintf(buf + used, len - used, "%s%s", i ? ", " : "", t);
		if (w < 0 || (size_t)w >= len - used)
			break;          /* cut: the label is full */
		used += (size_t)w;
	}
}

/*
 * locate - the row x (value on the axis) and column s (series) of point
 * values `vals`; with `add`, a value or series not seen yet is added, else
 * both must be there.  0 or -ENOMEM.
 */
static int locate(struct grid *g, json_t *keys, json_t *vals, int add, size_t *x,
		  size_t *s)
{
	json_t *xv = x_value(g, vals);
	char leg[PLOT_LABEL_MAX];

	if (!xv)
		return -ENOMEM;
	for (*x = 0; *x < g->gr_nx && !json_equal(g->gr_x[*x], xv); ++*x)
		;
	if (*x == g->gr_nx && add) {
		g->gr_x[g->gr_nx++] = json_incref(xv);
		g->gr_numeric &= json_is_number(xv);
	}
	json_decref(xv);
	legend(leg, sizeof(leg), keys, g->gr_axis, vals);
	for (*s = 0; *s < g->gr_nseries && strcmp(g->gr_series[*s], leg) != 0; ++*s)
		;
	if (*s == g->gr_nseries && add)
		snprintf(g->gr_series[g->gr_nseries++], PLOT_LABEL_MAX, "%s", leg);
	return 0;
}

/*
 * grid_build - lay out the points of `res` by value on the axis of `xkey`
 * and series: a first pass finds the rows and columns (rows sorted when
 * numeric), a second places each point.  0 or -ENOMEM.
 */
static int grid_build(struct grid *g, json_t *res, const char *xkey)
{
	json_t *points = json_object_get(res, "points");
	json_t *keys = json_object_get(res, "keys");
	size_t np = json_array_size(points), i, x, s;
	json_t *p;

	memset(g, 0, sizeof(*g));
	g->gr_axis = axis_of(res, xkey);
	g->gr_x = calloc(np + 1, sizeof(*g->gr_x));
	g->gr_series = calloc(np + 1, sizeof(*g->gr_series));
	if (!g->gr_axis || !g->gr_x || !g->gr_series)
		return -ENOMEM;
	string_list(g->gr_xlabel, sizeof(g->gr_xlabel), g->gr_axis);
	g->gr_numeric = 1;
	json_array_foreach(points, i, p)
		if (locate(g, keys, json_object_get(p, "values"), 1, &x, &s) < 0)
			return -ENOMEM;
	if (g->gr_numeric)
		qsort(g->gr_x, g->gr_nx, sizeof(*g->gr_x), x_cmp);
	g->gr_cell = malloc((g->gr_nx * g->gr_nseries + 1) * sizeof(*g->gr_cell));
	if (!g->gr_cell)
		return -ENOMEM;
	for (i = 0; i < g->gr_nx * g->gr_nseries; i++)
		g->gr_cell[i] = -1;
	json_array_foreach(points, i, p) {
		if (locate(g, keys, json_object_get(p, "values"), 0, &x, &s) < 0)
			return -ENOMEM;
		if (g->gr_cell[x * g->gr_nseries + s] < 0)
			g->gr_cell[x * g->gr_nseries + s] = (long)i;    /* the first point wins */
	}
	return 0;
}

/* sweep_one - chart SWEEP-METRIC of the points laid out in g; the exit status */
static int sweep_one(const struct plot *pl, const char *file, json_t *res,
		     const struct grid *g, const char *metric)
{
	json_t *points = json_object_get(res, "points");
	const char *sweep = plot_str(res, "sweep", "sweep");
	char title[600], ylabel[300], val[64], xt[PLOT_LABEL_MAX], col[64];
	const char *scale, *word;
	size_t x, s, have = 0;
	double max = 0;
	struct chart c;
	int rc;

	snprintf(title, sizeof(title), "%s on %s: %s by %s (sweep %s)",
		 plot_str(res, "workload", "(unnamed)"),
		 plot_str(res, "machine", "(unnamed machine)"), metric, g->gr_xlabel, sweep);
	for (x = 0; x < g->gr_nx * g->gr_nseries; x++) {
		json_t *m = json_object_get(json_array_get(points, (size_t)g->gr_cell[x]),
					    "metrics");

		value_text(val, sizeof(val), json_object_get(m, metric));
		if (g->gr_cell[x] < 0 || strcmp(val, "NaN") == 0)
			continue;
		have++;
		if (strtod(val, NULL) > max)
			max = strtod(val, NULL);
	}
	if (have == 0) {
		fprintf(stderr, "eptsim plot: %s: %s is not a number at any point; "
			"its chart is not drawn\n", file, metric);
		return EXIT_DONE;
	}
	rc = chart_open(&c, pl, sweep, metric);
	if (rc != EXIT_DONE)
		return rc;
	dat_head(&c, title, "", file);
	fprintf(c.ch_dat, "; one row per value of %s\n", g->gr_xlabel);
	if (g->gr_numeric)
		fprintf(c.ch_dat, "# column 1: %s\n", g->gr_xlabel);
	else
		fprintf(c.ch_dat, "# column 1: the number of the value of %s, "
			"the value after '#'\n", g->gr_xlabel);
	for (s = 0; s < g->gr_nseries; s++) {
		fprintf(c.ch_dat, "# column %zu: %s", s + 2, metric);
		if (g->gr_series[s][0]) {
			fprintf(c.ch_dat, " with ");
			dat_text(c.ch_dat, g->gr_series[s]);
		}
		fprintf(c.ch_dat, " (NaN = no value)\n");
	}
	for (x = 0; x < g->gr_nx; x++) {
		x_text(xt, sizeof(xt), g->gr_x[x]);
		if (g->gr_numeric)
			fprintf(c.ch_dat, "%s", xt);
		else
			fprintf(c.ch_dat, "%zu", x);
		for (s = 0; s < g->gr_nseries; s++) {
			long pt = g->gr_cell[x * g->gr_nseries + s];

			if (pt < 0)
				snprintf(val, sizeof(val), "NaN");
			else
				value_text(val, sizeof(val), json_object_get(json_object_get(
					json_array_get(points, (size_t)pt), "metrics"), metric));
			fprintf(c.ch_dat, " %s", val);
		}
		if (!g->gr_numeric) {
			fprintf(c.ch_dat, " # ");
			dat_text(c.ch_dat, xt);
		}
		fputc('\n', c.ch_dat);
	}

	plot_y_scale(max, &scale, &word);
	plot_metric_label(ylabel, sizeof(ylabel), metric, word);
	chart_begin(&c, title, g->gr_xlabel, ylabel);
	if (g->gr_numeric) {
		fprintf(c.ch_gp, "set offsets graph 0.05, graph 0.05, graph 0.05, graph 0.05\n"
			"plot");
	} else {
		fprintf(c.ch_gp, "set style data histograms\n"
			"set style histogram clustered gap 1\n"
			"set style fill solid 0.8 border -1\n"
			"set yrange [0:*]\n"
			"set xrange [-0.5:%zu.5]\n"
			"set xtics nomirror (", g->gr_nx - 1);
		for (x = 0; x < g->gr_nx; x++) {
			x_text(xt, sizeof(xt), g->gr_x[x]);
			fprintf(c.ch_gp, "%s", x ? ", " : "");
			gp_tic(c.ch_gp, xt);
			fprintf(c.ch_gp, " %zu", x);
		}
		fprintf(c.ch_gp, ")\nplot");
	}
	for (s = 0; s < g->gr_nseries; s++) {
		gp_column(col, sizeof(col), s + 2, scale);
		if (g->gr_numeric)
			fprintf(c.ch_gp, "%s \"%s.dat\" using 1:%s with linespoints title ",
				s ? ", \\\n    " : "", c.ch_name, col);
		else
			fprintf(c.ch_gp, "%s \"%s.dat\" using %s title ",
				s ? ", \\\n    " : "", c.ch_name, col);
		gp_str(c.ch_gp, g->gr_series[s][0] ? g->gr_series[s] : metric);
	}
	fputc('\n', c.ch_gp);
	return chart_draw(&c, title);
}

int plot_sweep(const struct plot *pl, const char *file, json_t *res,
	       const char *xkey, const char *const *metrics, size_t nmetrics)
{
	json_t *keys = json_object_get(res, "keys");
	json_t *ms = json_object_get(res, "metrics");
	struct grid g;
	int rc = EXIT_DONE;
	size_t i;

	if (!xkey)
		xkey = json_string_value(json_array_get(keys, json_array_size(keys) - 1));
	if (grid_build(&g, res, xkey) < 0) {
		grid_free(&g);
		fprintf(stderr, "eptsim plot: out of memory\n");
		return EXIT_INTERNAL;
	}
	if (g.gr_nx == 0)
		fprintf(stderr, "eptsim plot: %s: the sweep has no points; nothing "
			"to draw\n", file);
	else if (nmetrics)
		for (i = 0; i < nmetrics && rc == EXIT_DONE; i++)
			rc = sweep_one(pl, file, res, &g, metrics[i]);
	else
		for (i = 0; i < json_array_size(ms) && rc == EXIT_DONE; i++)
			if (json_is_string(json_array_get(ms, i)))
				rc = sweep_one(pl, file, res, &g,
					       json_string_value(json_array_get(ms, i)));
	grid_free(&g);
	return rc;
}
