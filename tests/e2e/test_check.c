/*
 * test_check.c - `eptsim check` and the workload key `expect` end to end:
 * a report agrees with itself; a golden with one counter changed fails
 * naming that counter and no other, in the table and in JUnit XML that
 * xmllint accepts; tolerances pass what they cover, in exact arithmetic;
 * --update rewrites or creates the golden; `eptsim run` with `expect`
 * fails on a difference, resolves the path against the workload's
 * directory, honours expect_tolerance and is switched off by
 * --set expect=""; bad input exits 2 naming the file or the option.
 *
 * One small report (the default workload cut to 20000 accesses: a VM of
 * 2 vCPUs, so cpus, histograms and overhead are all there) is made once
 * for the group; each test copies and edits it in its own directory.
 */
#define _XOPEN_SOURCE 700 /* WIFEXITED with system() */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include <jansson.h>

#include "tests/lib/testlib.h"

/* the workload, small: a VM of 2 vCPUs on the built-in machine */
static const char workload[] =
	"{\"cpus\": 2, \"vm\": {\"enabled\": true},\n"
	" \"source\": {\"pattern\": \"zipf\", \"accesses\": 20000, \"footprint\": \"64MiB\"}}\n";

struct fixture {
	char *dir;      /* the group's scratch directory */
	char *report;   /* a report of `workload` in it */
};

static int group_setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	char *w;
	struct tl_run r;

	if (!fx)
		return -1;
	fx->dir = tl_tmpdir();
	w = tl_write(fx->dir, "w.json", workload);
	fx->report = tl_path(fx->dir, "report.json");
	tl_run(&r, NULL, (const char *[]){ "run", w, "-q", "-o", fx->report, NULL });
	if (r.status != 0)
		fprintf(stderr, "making the report failed (%d): %s\n", r.status, r.err);
	tl_run_free(&r);
	free(w);
	*state = fx;
	return 0;
}

static int group_teardown(void **state)
{
	struct fixture *fx = *state;

	free(fx->report);
	tl_rmtree(fx->dir);
	free(fx);
	return 0;
}

/* counter_ref - the json integer of counter `dotted` under `obj` (e.g. a report's counters) */
static json_t *counter_ref(json_t *obj, const char *dotted)
{
	char buf[128], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", dotted);
	for (char *seg = strtok_r(buf, ".", &save); seg && obj;
	     seg = strtok_r(NULL, ".", &save))
		obj = json_object_get(obj, seg);
	assert_true(json_is_integer(obj));
	return obj;
}

/* perturbed - a copy of report `src` at dir/name with counter `dotted` moved by delta; its value */
static long long perturbed(const char *src, const char *dir, const char *name,
			   const char *dotted, long long delta, char **path)
{
	json_t *rep = tl_load(src);
	json_t *v = counter_ref(json_object_get(rep, "counters"), dotted);
	long long old = json_integer_value(v);

	json_integer_set(v, old + delta);
	*path = tl_path(dir, name);
	assert_int_equal(json_dump_file(rep, *path, JSON_INDENT(2)), 0);
	json_decref(rep);
	return old;
}

/* check - run eptsim check with `args` (after "check"); the result in r */
static void check(struct tl_run *r, const char *const *args)
{
	const char *argv[16] = { "check" };
	size_t n = 1;

	for (; args[n - 1]; n++) {
		assert_true(n < 15);
		argv[n] = args[n - 1];
	}
	argv[n] = NULL;
	tl_run(r, NULL, argv);
}

/* expect_status - r exited with `want`, else fail showing its output */
static void expect_status(const struct tl_run *r, int want)
{
	if (r->status != want)
		fail_msg("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", r->status, want,
			 r->out, r->err);
}

/* table_rows - the rows of a diff table on `out` (between the header and the last line) */
static int table_rows(const char *out, char *first, size_t len)
{
	const char *p = strstr(out, "metric ");
	int rows = 0;

	if (!p)
		return 0;
	for (p = strchr(p, '\n'); p && p[1]; p = strchr(p + 1, '\n')) {
		const char *end = strchr(p + 1, '\n'), *last = strstr(p + 1, " metrics differ");

		if (!end || (last && last < end))
			break;
		if (rows++ == 0 && first)
			snprintf(first, len, "%.*s", (int)(end - p - 1), p + 1);
	}
	return rows;
}

/* xmllint_ok - `xmllint --noout path` succeeds (fails the test if xmllint is missing) */
static void xmllint_ok(const char *path)
{
	char cmd[4200];
	int st;

	snprintf(cmd, sizeof(cmd), "xmllint --noout '%s'", path);
	st = system(cmd);
	if (!WIFEXITED(st) || WEXITSTATUS(st) == 127)
		fail_msg("xmllint did not run (apt-get install libxml2-utils)");
	assert_int_equal(WEXITSTATUS(st), 0);
}

/* ------------------------------------------------------------------ */

static void report_agrees_with_itself(void **state)
{
	struct fixture *fx = *state;
	struct tl_run r;

	check(&r, (const char *[]){ fx->report, "--expect", fx->report, NULL });
	expect_status(&r, 0);
	assert_non_null(strstr(r.out, " metrics agree"));
	assert_null(strstr(r.out, "differ"));
	tl_run_free(&r);
	/* -q: nothing at all when they agree */
	check(&r, (const char *[]){ fx->report, "-e", fx->report, "-q", NULL });
	expect_status(&r, 0);
	assert_string_equal(r.out, "");
	tl_run_free(&r);
}

static void one_counter_changed_is_named_alone(void **state)
{
	struct fixture *fx = *state;
	char *dir = tl_tmpdir(), *golden, *xml = tl_path(dir, "out.xml"), *doc;
	char row[512], want[128];
	long long got = perturbed(fx->report, dir, "golden.json", "tlb.stlb.misses", 1, &golden);
	struct tl_run r;

	check(&r, (const char *[]){ fx->report, "--expect", golden, "--junit", xml, NULL });
	expect_status(&r, 1);
	assert_int_equal(table_rows(r.out, row, sizeof(row)), 1);
	snprintf(want, sizeof(want), "%lld", got + 1);
	assert_non_null(strstr(row, "tlb.stlb.misses"));
	assert_non_null(strstr(row, want));
	snprintf(want, sizeof(want), "%lld", got);
	assert_non_null(strstr(row, want));
	assert_non_null(strstr(row, "-1 ("));
	assert_non_null(strstr(r.out, "1 of "));
	assert_non_null(strstr(r.out, " metrics differ"));
	tl_run_free(&r);

	xmllint_ok(xml);
	doc = tl_read(xml, NULL);
	assert_non_null(doc);
	assert_non_null(strstr(doc, "<testsuite name=\"eptsim check: w\""));
	assert_non_null(strstr(doc, "failures=\"1\""));
	assert_non_null(strstr(doc, "<testcase classname=\"counters\" name=\"tlb.stlb.misses\">"));
	assert_non_null(strstr(doc, "<testcase classname=\"cpus[1]\" name=\"cpus[1].counters.cycles.total\"/>"));
	assert_non_null(strstr(doc, "<failure"));
	assert_null(strstr(strstr(doc, "<failure") + 1, "<failure"));
	free(doc);
	free(golden);
	free(xml);
	tl_rmtree(dir);
}

static void tolerances_cover_what_they_match(void **state)
{
	static const struct {
		const char *tol[3];
		int status;
	} rows[] = {
		{ { NULL }, 1 },
		/* a change of 1 in 8000 or so: 0.0125% */
		{ { "tlb.stlb.misses=0.1", "cpus[*].counters.cycles.*=1" }, 0 },
		{ { "tlb.stlb.misses=0.001", "cpus[*].counters.cycles.*=1" }, 1 },
		{ { "tlb.*=1", "cpus[*].counters.cycles.*=1" }, 0 },
		{ { "*=1" }, 0 },
		{ { "tlb.stlb.misses=1" }, 1 },                 /* the CPU's cycles uncovered */
		{ { "cycles.*=50", "cpus[*].counters.*=50" }, 1 }, /* the STLB uncovered */
		/* the last match applies */
		{ { "*=1", "tlb.stlb.misses=0" }, 1 },
	};
	struct fixture *fx = *state;
	char *dir = tl_tmpdir(), *tmp, *golden = tl_path(dir, "golden.json");
	json_t *rep;

	/* tlb.stlb.misses + 1, and CPU 1's cycles.total + 100 */
	perturbed(fx->report, dir, "tmp.json", "tlb.stlb.misses", 1, &tmp);
	rep = tl_load(tmp);
	json_t *cyc = counter_ref(json_object_get(json_array_get(json_object_get(rep, "cpus"), 1),
						  "counters"), "cycles.total");
	json_integer_set(cyc, json_integer_value(cyc) + 100);
	assert_int_equal(json_dump_file(rep, golden, JSON_INDENT(2)), 0);
	json_decref(rep);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const char *args[12] = { fx->report, "--expect", golden };
		size_t n = 3;
		struct tl_run r;

		for (size_t k = 0; k < 3 && rows[i].tol[k]; k++) {
			args[n++] = "--tolerance";
			args[n++] = rows[i].tol[k];
		}
		args[n] = NULL;
		check(&r, args);
		if (r.status != rows[i].status)
			fail_msg("row %zu (%s): exit %d, want %d\n%s%s", i,
				 rows[i].tol[0] ? rows[i].tol[0] : "none", r.status,
				 rows[i].status, r.out, r.err);
		if (rows[i].status == 0 && rows[i].tol[0])
			assert_non_null(strstr(r.out, "within ±"));
		tl_run_free(&r);
	}
	free(tmp);
	free(golden);
	tl_rmtree(dir);
}

/*
 * The tolerance test is exact: 1% of 10000 is 100, of "2.0000" 0.02.
 * Hand-made reports; the boundary passes, one unit past it fails.
 */
static void tolerance_boundary_is_exact(void **state)
{
	static const struct {
		const char *exp, *got, *tol;
		int status;
	} rows[] = {
		{ "10000", "10100", "counters.a", 1 },  /* not a metric name: counters go by "a" */
		{ "10000", "10100", "a", 0 },
		{ "10000", "10101", "a", 1 },
		{ "10000", "9900", "a", 0 },
		{ "10000", "9899", "a", 1 },
		{ "\"2.0000\"", "\"2.0200\"", "overhead.ratio", 0 },
		{ "\"2.0000\"", "\"2.02\"", "overhead.ratio", 0 },
		{ "\"2.0000\"", "\"2.0201\"", "overhead.ratio", 1 },
		{ "\"fast\"", "\"slow\"", "overhead.ratio", 1 },
	};
	char *dir = tl_tmpdir();

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		/* integers as the counter a, strings as overhead.ratio */
		const char *fmt = rows[i].exp[0] == '"'
					  ? "{\"counters\": {\"b\": 1}, \"overhead\": {\"ratio\": %s}}"
					  : "{\"counters\": {\"b\": 1, \"a\": %s}}";
		char text[256], tol[64];
		char *e, *g;
		struct tl_run r;

		snprintf(text, sizeof(text), fmt, rows[i].exp);
		e = tl_write(dir, "e.json", text);
		snprintf(text, sizeof(text), fmt, rows[i].got);
		g = tl_write(dir, "g.json", text);
		snprintf(tol, sizeof(tol), "%s=1", rows[i].tol);
		check(&r, (const char *[]){ g, "--expect", e, "-t", tol, NULL });
		if (r.status != rows[i].status)
			fail_msg("row %zu (%s -> %s, %s): exit %d, want %d\n%s%s", i, rows[i].exp,
				 rows[i].got, tol, r.status, rows[i].status, r.out, r.err);
		tl_run_free(&r);
		free(e);
		free(g);
	}
	tl_rmtree(dir);
}

/* a leaf on one side only differs, shown as "-"; markup in strings stays valid XML */
static void one_sided_leaves_and_xml_escapes(void **state)
{
	char *dir = tl_tmpdir(), *xml = tl_path(dir, "o.xml"), *doc;
	char *e = tl_write(dir, "e.json",
			   "{\"counters\": {\"a\": 1, \"gone\": 2}, \"status\": {\"state\": \"a<b&c\\\"d'e\\u0001\"},"
			   " \"config\": {\"name\": \"x<y\"}, \"samples\": {\"every\": 1}}");
	char *g = tl_write(dir, "g.json",
			   "{\"counters\": {\"a\": 1, \"new\": 3}, \"status\": {\"state\": \"ok\"},"
			   " \"config\": {\"name\": \"x<y\"}, \"samples\": {\"every\": 2}}");
	char row[256];
	struct tl_run r;

	(void)state;
	check(&r, (const char *[]){ g, "--expect", e, "--junit", xml, NULL });
	expect_status(&r, 1);
	/* config and samples are not compared: 3 rows, of a, new, gone and status.state */
	assert_int_equal(table_rows(r.out, row, sizeof(row)), 3);
	assert_non_null(strstr(r.out, "3 of 4 metrics differ"));
	assert_non_null(strstr(r.out, "new  "));
	assert_non_null(strstr(r.out, "gone  "));
	tl_run_free(&r);
	xmllint_ok(xml);
	doc = tl_read(xml, NULL);
	assert_non_null(strstr(doc, "name=\"eptsim check: x&lt;y\""));
	assert_non_null(strstr(doc, "tests=\"4\" failures=\"3\""));
	free(doc);
	free(e);
	free(g);
	free(xml);
	tl_rmtree(dir);
}

static void update_rewrites_and_creates_the_golden(void **state)
{
	struct fixture *fx = *state;
	char *dir = tl_tmpdir(), *golden, *tmp, *fresh = tl_path(dir, "sub-golden.json");
	char *want = tl_read(fx->report, NULL), *have;
	struct tl_run r;

	perturbed(fx->report, dir, "golden.json", "tlb.stlb.misses", 5, &golden);
	check(&r, (const char *[]){ fx->report, "--expect", golden, "--update", NULL });
	expect_status(&r, 0);
	assert_non_null(strstr(r.out, "tlb.stlb.misses"));
	assert_non_null(strstr(r.out, "updated"));
	tl_run_free(&r);
	have = tl_read(golden, NULL);
	assert_string_equal(have, want);
	free(have);
	tmp = tl_path(dir, "golden.json.tmp");
	assert_int_not_equal(access(tmp, F_OK), 0);
	check(&r, (const char *[]){ fx->report, "--expect", golden, NULL });
	expect_status(&r, 0);
	tl_run_free(&r);

	/* a missing golden is created */
	check(&r, (const char *[]){ fx->report, "--expect", fresh, "-u", NULL });
	expect_status(&r, 0);
	assert_non_null(strstr(r.out, "created"));
	tl_run_free(&r);
	have = tl_read(fresh, NULL);
	assert_non_null(have);
	assert_string_equal(have, want);
	free(have);
	check(&r, (const char *[]){ fx->report, "--expect", fresh, NULL });
	expect_status(&r, 0);
	tl_run_free(&r);

	/* but a file that is not a report is never replaced */
	free(tl_write(dir, "notes.json", "{\"a\": 1}"));
	free(tmp);
	tmp = tl_path(dir, "notes.json");
	check(&r, (const char *[]){ fx->report, "--expect", tmp, "--update", NULL });
	expect_status(&r, 2);
	tl_run_free(&r);
	have = tl_read(tmp, NULL);
	assert_string_equal(have, "{\"a\": 1}");
	free(have);
	free(tmp);
	free(want);
	free(golden);
	free(fresh);
	tl_rmtree(dir);
}

/* ------------------------------------------------------------------ */
/* the workload key expect                                             */

/* write_workload - dir/sub/w.json: `workload` plus `extra` members */
static char *write_workload(const char *dir, const char *extra)
{
	char text[1024];

	snprintf(text, sizeof(text),
		 "{\"cpus\": 2, \"vm\": {\"enabled\": true}, %s\n"
		 " \"source\": {\"pattern\": \"zipf\", \"accesses\": 20000, \"footprint\": \"64MiB\"}}\n",
		 extra);
	return tl_write(dir, "sub/w.json", text);
}

static void run_with_expect(void **state)
{
	struct fixture *fx = *state;
	char *dir = tl_tmpdir(), *golden, *w, *out = tl_path(dir, "r.json");
	struct tl_run r;
	json_t *rep;

	/* sub/golden.json, named relative to sub/w.json; the run is made from elsewhere */
	w = write_workload(dir, "\"expect\": \"golden.json\",");
	perturbed(fx->report, dir, "sub/golden.json", "tlb.stlb.misses", 0, &golden);
	tl_run(&r, NULL, (const char *[]){ "run", w, "-q", "-o", out, NULL });
	expect_status(&r, 0);
	assert_non_null(strstr(r.err, "agrees"));
	tl_run_free(&r);
	rep = tl_load(out);
	assert_null(json_object_get(json_object_get(rep, "config"), "expect"));
	assert_null(json_object_get(json_object_get(rep, "config"), "expect_tolerance"));
	json_decref(rep);

	/* the golden off by 3 STLB misses */
	free(golden);
	perturbed(fx->report, dir, "sub/golden.json", "tlb.stlb.misses", 3, &golden);
	tl_run(&r, NULL, (const char *[]){ "run", w, "-q", "-o", out, NULL });
	expect_status(&r, 1);
	assert_non_null(strstr(r.err, "tlb.stlb.misses"));
	assert_non_null(strstr(r.err, "1 of "));
	assert_null(strstr(r.err, "cycles.total"));
	tl_run_free(&r);
	assert_int_equal(access(out, F_OK), 0);      /* the report is still written */

	/* switched off from the command line */
	tl_run(&r, NULL, (const char *[]){ "run", w, "-q", "-o", out, "--set", "expect=\"\"", NULL });
	expect_status(&r, 0);
	assert_null(strstr(r.err, "expect"));
	tl_run_free(&r);
	tl_run(&r, NULL, (const char *[]){ "run", w, "-q", "-o", out, "--set", "expect=", NULL });
	expect_status(&r, 0);
	tl_run_free(&r);

	/* a tolerance in the workload covers it; one too tight does not */
	free(w);
	w = write_workload(dir, "\"expect\": \"golden.json\", \"expect_tolerance\": [\"tlb.*=1\"],");
	tl_run(&r, NULL, (const char *[]){ "run", w, "-q", "-o", out, NULL });
	expect_status(&r, 0);
	assert_non_null(strstr(r.err, "1 within tolerance"));
	tl_run_free(&r);
	tl_run(&r, NULL, (const char *[]){ "run", w, "-q", "-o", out, "--set",
					   "expect_tolerance=tlb.stlb.misses=0.0001", NULL });
	expect_status(&r, 1);
	tl_run_free(&r);
	free(w);
	free(golden);
	free(out);
	tl_rmtree(dir);
}

static void expect_rejects_bad_values_before_the_run(void **state)
{
	char *dir = tl_tmpdir();
	char *w = write_workload(dir, "\"expect\": \"nosuch.json\",");
	struct tl_run r;

	(void)state;
	tl_run(&r, NULL, (const char *[]){ "run", w, "-q", "-o", "-", NULL });
	expect_status(&r, 2);
	assert_non_null(strstr(r.err, "w.json: expect: cannot read the golden report"));
	assert_non_null(strstr(r.err, "sub/nosuch.json"));
	assert_string_equal(r.out, "");          /* stopped before the run */
	tl_run_free(&r);
	tl_run(&r, NULL, (const char *[]){ "run", w, "-q", "-o", "-", "--set", "expect=\"\"",
					   "--set", "expect_tolerance=cycles.*", NULL });
	expect_status(&r, 2);
	assert_non_null(strstr(r.err, "expect_tolerance[0]: expected PATH=PCT"));
	tl_run_free(&r);
	tl_run(&r, NULL, (const char *[]){ "run", w, "-q", "-o", "-", "--set", "expect=\"\"",
					   "--set", "expect_tolerance=[\"a=1\", 5]", NULL });
	expect_status(&r, 2);
	assert_non_null(strstr(r.err, "expect_tolerance: [1]: expected a non-empty string"));
	tl_run_free(&r);
	free(w);
	tl_rmtree(dir);
}

/* ------------------------------------------------------------------ */
/* bad input                                                           */

static void bad_input_exits_2_naming_it(void **state)
{
	struct fixture *fx = *state;
	char *dir = tl_tmpdir();
	char *bad = tl_write(dir, "bad.json", "{\n  \"counters\": {,\n}\n");
	char *notrep = tl_write(dir, "notrep.json", "{\"config\": {}}");
	char *missing = tl_path(dir, "missing.json");
	const struct {
		const char *args[8];
		const char *want[2];
	} rows[] = {
		{ { fx->report, "--expect", missing }, { "missing.json: cannot open" } },
		{ { missing, "--expect", fx->report }, { "missing.json: cannot open" } },
		{ { fx->report, "--expect", bad }, { "bad.json:2:", "invalid JSON" } },
		{ { fx->report, "--expect", notrep }, { "notrep.json: not an eptsim report" } },
		{ { notrep, "--expect", fx->report }, { "notrep.json: not an eptsim report" } },
		{ { fx->report, "--expect", fx->report, "--tolerance", "cycles.*" },
		  { "--tolerance cycles.*: expected PATH=PCT" } },
		{ { fx->report, "--expect", fx->report, "--tolerance", "cycles.*=two" },
		  { "--tolerance cycles.*=two: expected PATH=PCT" } },
		{ { fx->report, "--expect", fx->report, "--tolerance", "=2" },
		  { "--tolerance =2: expected PATH=PCT" } },
		{ { fx->report, "--expect", fx->report, "--tolerance" }, { "--tolerance needs" } },
		{ { fx->report, "--expect", fx->report, "--frobnicate" },
		  { "unknown option '--frobnicate'" } },
		{ { fx->report }, { "missing --expect" } },
		{ { "--expect", fx->report }, { "missing the report" } },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct tl_run r;

		check(&r, rows[i].args);
		if (r.status != 2)
			fail_msg("row %zu: exit %d, want 2\n%s%s", i, r.status, r.out, r.err);
		for (size_t k = 0; k < 2 && rows[i].want[k]; k++)
			if (!strstr(r.err, rows[i].want[k]))
				fail_msg("row %zu: stderr lacks \"%s\":\n%s", i, rows[i].want[k], r.err);
		tl_run_free(&r);
	}
	free(bad);
	free(notrep);
	free(missing);
	tl_rmtree(dir);
}

/* --help tells the options, and docs/cli.md quotes it verbatim */
static void help_is_true_and_quoted(void **state)
{
	char *doc = tl_read("docs/cli.md", NULL);
	struct tl_run r;

	(void)state;
	check(&r, (const char *[]){ "--help", NULL });
	expect_status(&r, 0);
	assert_non_null(strstr(r.out, "usage: eptsim check REPORT.json --expect GOLDEN.json"));
	assert_non_null(strstr(r.out, "--tolerance PATH=PCT"));
	assert_non_null(strstr(r.out, "--junit OUT.xml"));
	assert_non_null(strstr(r.out, "--update"));
	assert_non_null(doc);
	if (!strstr(doc, r.out))
		print_error("docs/cli.md does not quote 'eptsim check --help':\n%s", r.out);
	assert_non_null(strstr(doc, r.out));
	tl_run_free(&r);
	free(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(report_agrees_with_itself),
		cmocka_unit_test(one_counter_changed_is_named_alone),
		cmocka_unit_test(tolerances_cover_what_they_match),
		cmocka_unit_test(tolerance_boundary_is_exact),
		cmocka_unit_test(one_sided_leaves_and_xml_escapes),
		cmocka_unit_test(update_rewrites_and_creates_the_golden),
		cmocka_unit_test(run_with_expect),
		cmocka_unit_test(expect_rejects_bad_values_before_the_run),
		cmocka_unit_test(bad_input_exits_2_naming_it),
		cmocka_unit_test(help_is_true_and_quoted),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
