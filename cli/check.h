/*
 * check.h - what the files of `eptsim check` share (cli/check*.c): two
 * reports compared metric by metric, and the comparison written as a
 * table for a person and as JUnit XML for a CI system.
 *
 * A metric is a number, string or boolean leaf of the sections compared
 * (chk_sections): a counter by its dotted name ("tlb.stlb.misses"), any
 * other leaf by its path in the report ("status.state", "cpus[1].counters.
 * cycles.total", "histograms.walks.mem_refs[3]").
 */
#ifndef EPTSIM_CLI_CHECK_H
#define EPTSIM_CLI_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct json_t;

/* the report's members compared, in report order */
extern const char *const chk_sections[];

/* one --tolerance or expect_tolerance: metrics matching pattern may move by pct */
struct chk_tol {
	char *ct_pattern;       /* a metric name; '*' matches any run of characters */
	const char *ct_pct;     /* the percentage as written ("0.5") */
	uint64_t ct_num;        /* the percentage is ct_num / 10^ct_scale */
	unsigned ct_scale;
};

enum chk_verdict { CHK_SAME, CHK_WITHIN, CHK_DIFFER };

/* one compared metric; the texts of a CHK_SAME row are NULL */
struct chk_row {
	char *cr_metric;        /* the metric's name */
	char *cr_section;       /* "counters", "cpus[1]", ...: a JUnit classname */
	char *cr_expected;      /* the golden's value as text; NULL: absent there */
	char *cr_got;           /* the report's value; NULL: absent there */
	char *cr_change;        /* "+12 (+0.53%)", "changed", "missing", "new" */
	const struct chk_tol *cr_tol; /* the tolerance that applied, or NULL */
	enum chk_verdict cr_verdict;
};

struct chk_diff {
	struct chk_row *cd_rows;        /* every compared metric, in report order */
	size_t cd_n, cd_cap;
	size_t cd_differ, cd_within;    /* rows of each verdict but CHK_SAME */
	const struct chk_tol *cd_tols;
	size_t cd_ntols;
	bool *cd_tol_used;              /* [cd_ntols]: the tolerance matched some metric */
};

/*
 * chk_tol_parse - "PATH=PCT" into *t (pattern malloc'd, pct pointing into
 * `s`, which must outlive t).  0, -EINVAL (why says what was expected),
 * -ENOMEM.
 */
int chk_tol_parse(const char *s, struct chk_tol *t, char *why, size_t whylen);

/* chk_glob - `name` matches `pattern`, where '*' matches any run of characters */
bool chk_glob(const char *pattern, const char *name);

/*
 * chk_load - the report in the file `path`, or in `text` when not NULL
 * (`path` then names it).  On failure "PREFIX: PATH: why" goes to `err`
 * and NULL is returned with *rc -ENOENT (no such file), -EINVAL
 * (unreadable, invalid JSON, not a report: no "counters" object) or
 * -ENOMEM.
 */
struct json_t *chk_load(const char *path, const char *text, const char *prefix,
			FILE *err, int *rc);

/*
 * chk_compare - compare report `got` with golden `exp` under the
 * tolerances of d (cd_tols, cd_ntols, set by the caller), filling d.
 * 0 or -ENOMEM.
 */
int chk_compare(struct chk_diff *d, struct json_t *exp, struct json_t *got);

/* chk_diff_free - the rows and their texts (not the tolerances) */
void chk_diff_free(struct chk_diff *d);

/*
 * chk_table - the rows that differ, and unless quiet those within
 * tolerance, as a table with the columns metric, expected, got, change;
 * nothing when there are none.
 */
void chk_table(const struct chk_diff *d, bool quiet, FILE *f);

/* chk_summary - "N of M metrics differ[, K more within tolerance]" or "M metrics agree[ (K within tolerance)]" */
void chk_summary(const struct chk_diff *d, char *buf, size_t len);

/*
 * chk_junit - write the comparison as JUnit XML to `path` (through
 * path.tmp, renamed into place): one testsuite named "eptsim check:
 * `suite`", one testcase per metric.  0, or -errno with a message on
 * `err`.
 */
int chk_junit(const struct chk_diff *d, const char *suite, const char *path,
	      FILE *err);

/*
 * chk_replace - make `dst` a copy of the file `src`, through dst.tmp
 * renamed into place, so a failed copy never leaves half a file.  0, or
 * -errno with a message on `err`.
 */
int chk_replace(const char *dst, const char *src, FILE *err);

#endif
