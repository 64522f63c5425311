/*
 * plot.h - what the files of `eptsim plot` share: the output settings, a
 * chart being written (its NAME.dat and NAME.gp) and drawn by gnuplot,
 * with the helpers the charts share (cli/plot_gp.c), and the three kinds
 * of input (cli/plot_report.c: one report; cli/plot_compare.c: several
 * reports; cli/plot_sweep.c: a sweep's results).
 *
 * Every chart is two files in the output directory, NAME.dat (the data,
 * with a comment header) and NAME.gp (the script, naming the data and the
 * image by base name only), and one gnuplot run on NAME.gp from that
 * directory; so `cd DIR && gnuplot NAME.gp` draws it again.
 */
#ifndef EPTSIM_CLI_PLOT_H
#define EPTSIM_CLI_PLOT_H

#include <stddef.h>
#include <stdio.h>

enum plot_format { PLOT_PNG, PLOT_SVG, PLOT_DUMB };

/* the longest chart base name (PREFIX-KIND), output directory path, label */
#define PLOT_NAME_MAX 200
#define PLOT_PATH_MAX 4096
#define PLOT_LABEL_MAX 160

struct plot {
	const char *pl_dir;             /* output directory */
	enum plot_format pl_format;
	const char *pl_gnuplot;         /* the gnuplot program (a path) */
};

struct chart {
	const struct plot *ch_plot;
	char ch_name[PLOT_NAME_MAX];    /* base name: PREFIX-KIND */
	FILE *ch_dat;                   /* NAME.dat, open while written */
	FILE *ch_gp;                    /* NAME.gp, open while written */
};

/* plot_find_gnuplot - the gnuplot program on $PATH into buf; 0, or -ENOENT */
int plot_find_gnuplot(char *buf, size_t len);

/* plot_safe_name - `src` with every byte but [A-Za-z0-9._+-] made '_', cut to fit `len` */
void plot_safe_name(char *dst, size_t len, const char *src);

/*
 * chart_open - start chart PREFIX-KIND (both made safe for a file name):
 * open NAME.dat and NAME.gp in the output directory.  EXIT_DONE, or
 * EXIT_USAGE with the file named on stderr (nothing left open).
 */
int chart_open(struct chart *c, const struct plot *pl, const char *prefix,
	       const char *kind);

/*
 * chart_begin - the script's head: the terminal of the format (and the
 * image NAME.png / NAME.svg), enhanced text off, the title, the axis
 * labels and the key below the chart.
 */
void chart_begin(struct chart *c, const char *title, const char *xlabel,
		 const char *ylabel);

/*
 * chart_draw - close the files (a failed write: EXIT_USAGE naming the
 * file) and run gnuplot on NAME.gp in the output directory.  In the dumb
 * format the title line is printed first, and the plot goes to standard
 * output; else the image's path is printed.  gnuplot failing: its
 * standard error shown, EXIT_INTERNAL.  Else EXIT_DONE.
 */
int chart_draw(struct chart *c, const char *title);

/* chart_abort - close the files of a chart that will not be drawn */
void chart_abort(struct chart *c);

/* gp_str - `s` as a gnuplot double-quoted string (quotes, backslashes escaped, control bytes as blanks) */
void gp_str(FILE *f, const char *s);

/* gp_tic - `s` as a gnuplot string that is also a tic label: gp_str with '%' doubled */
void gp_tic(FILE *f, const char *s);

/* dat_text - `s` in a comment of a data file: control bytes as blanks */
void dat_text(FILE *f, const char *s);

/*
 * dat_head - the first comment lines of c's data file: "# NAME.dat -
 * eptsim plot: TITLE", then, when `file` is given, "# from FROM FILE"
 * (`from`: e.g. "the sample rows of "), left open for the line's end.
 */
void dat_head(struct chart *c, const char *title, const char *from, const char *file);

/* plot_is_number - `s` is a decimal number: -?DIGITS(.DIGITS)?([eE][+-]?DIGITS)? */
int plot_is_number(const char *s);

/* plot_base_name - the last element of `path` without ".json", into buf */
void plot_base_name(char *buf, size_t len, const char *path);

/* plot_str - the string at dotted `path` in `v` (objects only), or `dflt` */
struct json_t;
const char *plot_str(struct json_t *v, const char *path, const char *dflt);

/*
 * plot_metric_label - an axis label for metric `m`: its name and its unit
 * where one is known, with `scale` (", millions", or "") after the unit.
 */
void plot_metric_label(char *buf, size_t len, const char *m, const char *scale);

/*
 * plot_y_scale - a divisor that brings values up to `max` below 10,000 on
 * the y axis (none, 1e3, 1e6, 1e9, 1e12): its gnuplot expression in
 * *expr (NULL: none) and its word for the axis label in *word ("" for
 * none).
 */
void plot_y_scale(double max, const char **expr, const char **word);

/* gp_column - the using-expression of data column n: "N", or "($N / SCALE)" */
void gp_column(char *buf, size_t len, size_t n, const char *scale);

/*
 * plot_report - the four charts of one report `rep` (read from `file`):
 * PREFIX-tlb, -walks, -exits, -cycles; the two over time are skipped with
 * a note when it has no sample rows.  The exit status.
 */
int plot_report(const struct plot *pl, const char *file, struct json_t *rep,
		const char *prefix);

/*
 * plot_compare - one chart compare-METRIC per metric, a bar per report
 * (none, with a note, where a report has no number for it).  The exit
 * status.
 */
int plot_compare(const struct plot *pl, char *const *files,
		 struct json_t *const *reps, size_t n, const char *const *metrics,
		 size_t nmetrics);

/*
 * plot_sweep_check - `res` (read from `file`) is a sweep's results with
 * keys, `xkey` (NULL: the last) is one of them and every metric one of
 * its metrics.  EXIT_DONE, or EXIT_USAGE with the file named.
 */
int plot_sweep_check(const char *file, struct json_t *res, const char *xkey,
		     const char *const *metrics, size_t nmetrics);

/*
 * plot_sweep - one chart SWEEP-METRIC per metric of the sweep results
 * `res` (read from `file`; NULL metrics: those of the sweep), x the
 * values of key `xkey` (NULL: the last key); plot_sweep_check passed.
 * The exit status.
 */
int plot_sweep(const struct plot *pl, const char *file, struct json_t *res,
	       const char *xkey, const char *const *metrics, size_t nmetrics);

#endif
