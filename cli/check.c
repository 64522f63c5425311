/*
 * check.c - `eptsim check`: a report compared with a golden report, for
 * CI; and the workload key `expect`, the same check made by `eptsim run`
 * on its own report.  The comparison is in check_cmp.c, its table and
 * JUnit XML in check_out.c; docs/ci.md tells how to use them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/check.h"
#include "cli/cli.h"
#include "eptsim.h"

static const char check_help[] =
	"usage: eptsim check REPORT.json --expect GOLDEN.json\n"
	"                    [--tolerance PATH=PCT ...] [--junit OUT.xml]\n"
	"                    [--update] [-q]\n"
	"\n"
	"Compare a report with a golden report (an earlier run's report, kept in\n"
	"the repository) metric by metric, for CI.  Compared: every number,\n"
	"string and boolean of status, trace, counters, histograms, cpus,\n"
	"processes and overhead; not eptsim (the version), config or samples.\n"
	"A counter is named by its dotted name (tlb.stlb.misses), anything else\n"
	"by its path in the report (status.state, histograms.walks.mem_refs[3],\n"
	"cpus[1].counters.cycles.total, overhead.ratio).  Every metric must be\n"
	"equal unless a tolerance covers it; a metric present in one report\n"
	"only differs, and is shown as '-' on the other side.\n"
	"\n"
	"options:\n"
	"  -e, --expect GOLDEN     the golden report (required)\n"
	"  -t, --tolerance PATH=PCT\n"
	"                          let the metrics that PATH matches differ by up\n"
	"                          to PCT percent of the expected value; '*' in\n"
	"                          PATH matches any run of characters ('cycles.*',\n"
	"                          'cpus[*].counters.cycles.*'); PCT is a decimal\n"
	"                          from 0 to 1000000 with at most 6 decimals (2,\n"
	"                          0.5).  For integers and decimal strings such as\n"
	"                          overhead.ratio; other strings stay exact.\n"
	"                          Repeatable; the last one that matches applies;\n"
	"                          one that matches nothing gets a warning\n"
	"      --junit OUT.xml     also write the comparison as JUnit XML: one\n"
	"                          testcase per metric, a failure per difference\n"
	"  -u, --update            make GOLDEN a copy of REPORT, print what\n"
	"                          changed and exit 0; a missing GOLDEN is\n"
	"                          created, one that is not a report is left alone\n"
	"  -q, --quiet             print only what fails: nothing when the reports\n"
	"                          agree, no rows within tolerance\n"
	"  -h, --help              show this help\n"
	"\n"
	"Output: a table of the metrics that differ (metric, expected, got,\n"
	"change) in report order, then 'N of M metrics differ'; or 'M metrics\n"
	"agree'.  A difference within tolerance is shown marked 'within ±PCT%'\n"
	"and does not fail.  The workload key expect makes eptsim run do the\n"
	"same check on its own report (docs/workload.md); docs/ci.md shows both\n"
	"in CI.\n"
	"\n"
	"exit status: 0 the reports agree, or --update wrote GOLDEN; 1 they\n"
	"differ; 2 bad usage or input: a file missing or unreadable, invalid\n"
	"JSON, a JSON that is not a report, a bad --tolerance, an output file\n"
	"that cannot be written; 3 eptsim itself failed (out of memory).\n";

struct check_opts {
	const char *report, *golden, *junit;
	struct chk_tol *tols;
	size_t ntols;
	bool update, quiet;
};

static void tols_free(struct chk_tol *t, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(t[i].ct_pattern);
	free(t);
}

/* parse_args - argv into o (o->tols sized for argc); -1 to go on, else the exit status */
static int parse_args(int argc, char **argv, struct check_opts *o)
{
	char why[512], msg[1024];

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v;

		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			fputs(check_help, stdout);
			return EXIT_DONE;
		} else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
			o->quiet = true;
		} else if (strcmp(a, "-u") == 0 || strcmp(a, "--update") == 0) {
			o->update = true;
		} else if (matches(a, "-e", "--expect")) {
			o->golden = opt_value(argc, argv, &i, "-e", "--expect");
			if (!o->golden || !*o->golden)
				return usage_error("check", "%s needs the golden report's file name", a);
		} else if (strcmp(a, "--junit") == 0 || strncmp(a, "--junit=", 8) == 0) {
			o->junit = opt_value(argc, argv, &i, "--junit", "--junit");
			if (!o->junit || !*o->junit)
				return usage_error("check", "%s needs a file name", a);
		} else if (matches(a, "-t", "--tolerance")) {
			v = opt_value(argc, argv, &i, "-t", "--tolerance");
			if (!v)
				return usage_error("check", "%s needs PATH=PCT", a);
			switch (chk_tol_parse(v, &o->tols[o->ntols], why, sizeof(why))) {
			case 0:
				o->ntols++;
				break;
			case -ENOMEM:
				fprintf(stderr, "eptsim check: out of memory\n");
				return EXIT_INTERNAL;
			default:
				snprintf(msg, sizeof(msg), "%s %s: %s", a, v, why);
				return usage_error("check", "%s", msg);
			}
		} else if (a[0] == '-' && a[1] != '\0') {
			return usage_error("check", "unknown option '%s'", a);
		} else if (o->report) {
			return usage_error("check", "one report only, got also '%s'", a);
		} else {
			o->report = a;
		}
	}
	if (!o->report)
		return usage_error("check", "%s", "missing the report to check");
	if (!o->golden)
		return usage_error("check", "%s", "missing --expect GOLDEN.json, the golden report");
	return -1;
}

/* load_status - the exit status of a chk_load that failed with rc */
static int load_status(int rc)
{
	return rc == -ENOMEM ? EXIT_INTERNAL : EXIT_USAGE;
}

/* warn_unused - a tolerance that matched no metric is most likely a typo */
static void warn_unused(const struct chk_diff *d, const char *prefix, const char *opt, FILE *f)
{
	for (size_t i = 0; i < d->cd_ntols; i++)
		if (!d->cd_tol_used[i])
			fprintf(f, "%s: warning: %s %s=%s matches no metric\n", prefix, opt,
				d->cd_tols[i].ct_pattern, d->cd_tols[i].ct_pct);
}

/* same_bytes - the files a and b hold the same bytes (false if either cannot be read) */
static bool same_bytes(const char *a, const char *b)
{
	FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
	bool same = fa && fb;
	int ca, cb;

	while (same) {
		ca = getc(fa);
		cb = getc(fb);
		same = ca == cb;
		if (ca == EOF)
			break;
	}
	if (fa && ferror(fa))
		same = false;
	if (fb && ferror(fb))
		same = false;
	if (fa)
		fclose(fa);
	if (fb)
		fclose(fb);
	return same;
}

/* update - --update after the comparison: GOLDEN replaced by REPORT; the exit status */
static int update(const struct check_opts *o, const struct chk_diff *d, bool created)
{
	if (!created && same_bytes(o->golden, o->report)) {
		if (!o->quiet)
			printf("%s is up to date: %zu metrics agree\n", o->golden, d->cd_n);
		return EXIT_DONE;
	}
	if (chk_replace(o->golden, o->report, stderr) < 0)
		return EXIT_USAGE;
	if (created)
		printf("%s created from %s: %zu metrics\n", o->golden, o->report, d->cd_n);
	else
		printf("%s updated from %s: %zu of %zu metrics changed\n", o->golden,
		       o->report, d->cd_differ + d->cd_within, d->cd_n);
	return EXIT_DONE;
}

int cmd_check(int argc, char **argv)
{
	struct check_opts o = { 0 };
	struct chk_diff d = { 0 };
	json_t *got = NULL, *exp = NULL, *name;
	bool created = false;
	char line[160];
	int status, rc;

	o.tols = calloc((size_t)argc, sizeof(*o.tols));
	if (!o.tols) {
		fprintf(stderr, "eptsim check: out of memory\n");
		return EXIT_INTERNAL;
	}
	status = parse_args(argc, argv, &o);
	if (status >= 0)
		goto out;
	got = chk_load(o.report, NULL, "eptsim check", stderr, &rc);
	if (!got) {
		status = load_status(rc);
		goto out;
	}
	/* --update creates a missing golden; it never replaces a file that is not a report */
	if (o.update && access(o.golden, F_OK) != 0 && errno == ENOENT) {
		created = true;
		exp = json_object();
	} else {
		exp = chk_load(o.golden, NULL, "eptsim check", stderr, &rc);
	}
	if (!exp) {
		if (o.update && rc != -ENOMEM)
			fprintf(stderr, "eptsim check: --update replaces only a report; remove %s to create it anew\n",
				o.golden);
		status = created ? EXIT_INTERNAL : load_status(rc);
		goto out;
	}
	d.cd_tols = o.tols;
	d.cd_ntols = o.ntols;
	if (chk_compare(&d, exp, got) < 0) {
		fprintf(stderr, "eptsim check: out of memory\n");
		status = EXIT_INTERNAL;
		goto out;
	}
	warn_unused(&d, "eptsim check", "--tolerance", stderr);
	name = json_object_get(json_object_get(got, "config"), "name");
	if (o.junit && chk_junit(&d, json_is_string(name) ? json_string_value(name) : o.report,
				 o.junit, stderr) < 0) {
		status = EXIT_USAGE;
		goto out;
	}
	if (!created)
		chk_table(&d, o.quiet, stdout);
	if (o.update) {
		status = update(&o, &d, created);
		goto out;
	}
	chk_summary(&d, line, sizeof(line));
	if (d.cd_differ || !o.quiet)
		printf("%s\n", line);
	status = d.cd_differ ? EXIT_ABNORMAL : EXIT_DONE;
out:
	chk_diff_free(&d);
	json_decref(got);
	json_decref(exp);
	tols_free(o.tols, o.ntols);
	return status;
}

/* expect_tols - the workload's expect_tolerance, parsed into *tols (malloc'd) */
static int expect_tols(const struct eptsim_config *cfg, struct chk_tol **tols, size_t *n,
		       FILE *out)
{
	char why[512];
	size_t cnt = 0;

	while (eptsim_config_expect_tolerance(cfg, cnt))
		cnt++;
	*n = 0;
	*tols = calloc(cnt + 1, sizeof(**tols));
	if (!*tols) {
		fprintf(out, "eptsim: expect: out of memory\n");
		return EXIT_INTERNAL;
	}
	for (; *n < cnt; ++*n) {
		const char *s = eptsim_config_expect_tolerance(cfg, *n);
		int rc = chk_tol_parse(s, &(*tols)[*n], why, sizeof(why));

		if (rc < 0) {
			/* the loader parsed them already: only memory can fail here */
			fprintf(out, "eptsim: expect_tolerance %s: %s\n", s,
				rc == -ENOMEM ? "out of memory" : why);
			return rc == -ENOMEM ? EXIT_INTERNAL : EXIT_USAGE;
		}
	}
	return EXIT_DONE;
}

int check_expect(const struct eptsim_config *cfg, const struct eptsim_result *res, FILE *out)
{
	const char *golden = eptsim_config_expect(cfg);
	struct eptsim_error err = { { 0 } };
	struct chk_diff d = { 0 };
	struct chk_tol *tols = NULL;
	json_t *got = NULL, *exp = NULL;
	char *text = NULL, line[160];
	size_t ntols = 0;
	int status, rc;

	if (!golden)
		return EXIT_DONE;
	if (eptsim_report_text(res, &text, &err) < 0) {
		fprintf(out, "eptsim: expect: %s\n", err.msg);
		return EXIT_INTERNAL;
	}
	status = expect_tols(cfg, &tols, &ntols, out);
	if (status != EXIT_DONE)
		goto out;
	got = chk_load("the run's report", text, "eptsim: expect", out, &rc);
	exp = got ? chk_load(golden, NULL, "eptsim: expect", out, &rc) : NULL;
	if (!exp) {
		status = load_status(rc);
		goto out;
	}
	d.cd_tols = tols;
	d.cd_ntols = ntols;
	if (chk_compare(&d, exp, got) < 0) {
		fprintf(out, "eptsim: expect: out of memory\n");
		status = EXIT_INTERNAL;
		goto out;
	}
	warn_unused(&d, "eptsim: expect", "expect_tolerance", out);
	chk_summary(&d, line, sizeof(line));
	if (d.cd_differ) {
		fprintf(out, "eptsim: expect: the report differs from the golden report %s:\n",
			golden);
		chk_table(&d, false, out);
		fprintf(out, "%s\n", line);
		status = EXIT_ABNORMAL;
	} else {
		fprintf(out, "eptsim: expect: the report agrees with the golden report %s: %s\n",
			golden, line);
	}
out:
	chk_diff_free(&d);
	json_decref(got);
	json_decref(exp);
	tols_free(tols, ntols);
	free(text);
	return status;
}
