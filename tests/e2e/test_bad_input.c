/*
 * test_bad_input.c - every kind of bad input to `eptsim run` ends with exit
 * status 2 and a message that names the file (or the --set), the place and
 * what was expected.  One row per kind; each row runs in a fresh scratch
 * directory holding w.json (the workload, when the row has one) and
 * machines/ (presets, when the row has one).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tests/lib/testlib.h"

struct bad_case {
	const char *name;
	const char *workload;   /* w.json; NULL: none written */
	const char *preset;     /* machines/mine.json; NULL: none */
	const char *args[6];    /* after "run"; "W" stands for the w.json path */
	const char *expect[3];  /* substrings of stderr */
};

static const struct bad_case cases[] = {
	{ "invalid JSON names line and column",
	  "{\n  \"seed\": 1,\n  \"memory\": ,\n}\n", NULL, { "W" },
	  { "w.json:3:", "invalid JSON" } },
	{ "truncated JSON",
	  "{\"source\": {\"pattern\": \"zipf\"", NULL, { "W" },
	  { "w.json:1:", "invalid JSON" } },
	{ "duplicate key",
	  "{\"seed\": 1,\n \"seed\": 2}", NULL, { "W" },
	  { "w.json:2:", "duplicate" } },
	{ "top level is not an object", "[1, 2]", NULL, { "W" },
	  { "w.json: expected a JSON object at the top level, got an array" } },
	{ "unknown top-level key suggests the right one",
	  "{\"sorce\": {}}", NULL, { "W" },
	  { "w.json: sorce: unknown key (did you mean source?)" } },
	{ "unknown nested key names its full path",
	  "{\"source\": {\"patern\": \"zipf\"}}", NULL, { "W" },
	  { "w.json: source.patern: unknown key (did you mean source.pattern?)" } },
	{ "unknown key far from any", "{\"xyzzy_frobnicate\": 1}", NULL, { "W" },
	  { "w.json: xyzzy_frobnicate: unknown key" } },
	{ "wrong type: string for an integer", "{\"seed\": \"abc\"}", NULL,
	  { "W" }, { "w.json: seed: expected a non-negative integer", "got string \"abc\"" } },
	{ "wrong type: number for an object", "{\"source\": 5}", NULL, { "W" },
	  { "w.json: source: expected an object, got integer 5" } },
	{ "wrong type: object for a string", "{\"name\": {}}", NULL, { "W" },
	  { "w.json: name: expected a string, got an object" } },
	{ "wrong type: bad size string",
	  "{\"source\": {\"footprint\": \"lots\"}}", NULL, { "W" },
	  { "w.json: source.footprint: expected a size", "got string \"lots\"" } },
	{ "bad enum value lists the choices",
	  "{\"source\": {\"pattern\": \"spiral\"}}", NULL, { "W" },
	  { "w.json: source.pattern: expected one of \"sequential\"", "\"chase\"",
	    "got string \"spiral\"" } },
	{ "out of range integer",
	  "{\"machine\": {\"tlb\": {\"l1d\": {\"4k\": {\"ways\": 100}}}}}", NULL, { "W" },
	  { "w.json: machine.tlb.l1d.4k.ways: expected a value in 1..64, got integer 100" } },
	{ "negative integer", "{\"seed\": -1}", NULL, { "W" },
	  { "w.json: seed: expected a value in", "got integer -1" } },
	{ "out of range real",
	  "{\"source\": {\"write_fraction\": 1.5}}", NULL, { "W" },
	  { "w.json: source.write_fraction: expected a number in [0, 1], got number 1.5" } },
	{ "out of range size",
	  "{\"memory\": \"2TiB\"}", NULL, { "W" },
	  { "w.json: memory: expected a value in" } },
	{ "cross-key: TLB sets not a power of two",
	  "{\"machine\": {\"tlb\": {\"l1d\": {\"4k\": {\"entries\": 64, \"ways\": 3}}}}}",
	  NULL, { "W" },
	  { "w.json: machine.tlb.l1d.4k: entries (64) / ways (3) must be a whole power of two" } },
	{ "cross-key: footprint not page aligned",
	  "{\"source\": {\"footprint\": 5000}}", NULL, { "W" },
	  { "w.json: source.footprint" } },
	{ "cross-key: memory larger than maxphyaddr allows",
	  "{\"memory\": \"1TiB\", \"machine\": {\"maxphyaddr\": 36}}", NULL, { "W" },
	  { "w.json: memory:", "maxphyaddr" } },
	{ "cross-key: too many samples",
	  "{\"source\": {\"accesses\": 100000000}}", NULL,
	  { "W", "--set", "report.sample_every=10" },
	  { "--set report.sample_every=10: report.sample_every: 100000000 accesses every 10 would take 10000000 samples; at most 1000000" } },
	{ "missing workload file", NULL, NULL, { "W" },
	  { "w.json: cannot open: No such file or directory" } },
	{ "unknown machine preset",
	  "{\"machine\": {\"preset\": \"nosuch\"}}", NULL, { "W" },
	  { "w.json: machine.preset: unknown machine preset \"nosuch\"", "nosuch.json" } },
	{ "preset name with a slash",
	  "{\"machine\": {\"preset\": \"../x\"}}", NULL, { "W" },
	  { "w.json: machine.preset: expected a preset name" } },
	{ "bad key inside a preset names the preset file",
	  "{\"machine\": {\"preset\": \"mine\"}}",
	  "{\"tlb\": {\"l1d\": {\"4k\": {\"entrys\": 8}}}}", { "W" },
	  { "machines/mine.json: machine.tlb.l1d.4k.entrys: unknown key (did you mean machine.tlb.l1d.4k.entries?)" } },
	{ "invalid JSON inside a preset",
	  "{\"machine\": {\"preset\": \"mine\"}}", "{\"tlb\": }", { "W" },
	  { "machines/mine.json:1:", "invalid JSON" } },
	{ "a preset naming a preset",
	  "{\"machine\": {\"preset\": \"mine\"}}", "{\"preset\": \"other\"}", { "W" },
	  { "machines/mine.json: machine.preset: a preset cannot name another preset" } },
	{ "--set with a bad value names the --set",
	  "{}", NULL, { "W", "--set", "source.accesses=abc" },
	  { "--set source.accesses=abc: source.accesses: expected a non-negative integer" } },
	{ "--set of an unknown key",
	  "{}", NULL, { "W", "--set", "source.acesses=5" },
	  { "--set source.acesses=5: source.acesses: unknown key (did you mean source.accesses?)" } },
	{ "--set without '='", "{}", NULL, { "W", "--set", "seed" },
	  { "--set seed: expected dotted.key=value" } },
	{ "--set blamed for a cross-key error",
	  "{}", NULL, { "W", "--set", "machine.tlb.stlb.4k.ways=7" },
	  { "--set machine.tlb.stlb.4k.ways=7: machine.tlb.stlb.4k: entries (1536) / ways (7)" } },
	{ "--set blamed over a default it makes invalid",
	  "{\"source\": {\"pattern\": \"strided\"}}", NULL,
	  { "W", "--set", "source.access_size=128" },
	  { "--set source.access_size=128: source.stride must be a positive multiple of source.access_size" } },
	{ "--set of an unknown preset",
	  "{}", NULL, { "W", "--set", "machine.preset=nosuch" },
	  { "--set machine.preset=nosuch: machine.preset: unknown machine preset \"nosuch\"" } },
	{ "no workload", NULL, NULL, { NULL },
	  { "eptsim run: missing the workload file", "eptsim run --help" } },
	{ "two workloads", "{}", NULL, { "W", "W" },
	  { "eptsim run: one workload file only" } },
	{ "unknown option", "{}", NULL, { "W", "--frobnicate" },
	  { "eptsim run: unknown option '--frobnicate'" } },
	{ "-o without a file", "{}", NULL, { "W", "-o" },
	  { "eptsim run: -o needs a file name" } },
	{ "unwritable report path", "{\"source\": {\"accesses\": 10}}", NULL,
	  { "W", "-o", "/nonexistent-dir/r.json" },
	  { "/nonexistent-dir/r.json.tmp: cannot write the report" } },
};

static void run_case(void **state)
{
	const struct bad_case *c = *state;
	char *dir = tl_tmpdir();
	char *w = tl_path(dir, "w.json");
	const char *args[8] = { "run" };
	struct tl_run r;
	size_t n = 1;

	if (c->workload)
		free(tl_write(dir, "w.json", c->workload));
	if (c->preset)
		free(tl_write(dir, "machines/mine.json", c->preset));
	for (size_t i = 0; i < 6 && c->args[i]; i++)
		args[n++] = strcmp(c->args[i], "W") == 0 ? w : c->args[i];
	args[n] = NULL;
	tl_run(&r, NULL, args);
	if (r.status != 2)
		print_error("case \"%s\": stderr: %s\n", c->name, r.err);
	assert_int_equal(r.status, 2);
	for (size_t i = 0; i < 3 && c->expect[i]; i++) {
		if (!strstr(r.err, c->expect[i]))
			print_error("case \"%s\": expected \"%s\" in stderr:\n%s\n",
				    c->name, c->expect[i], r.err);
		assert_non_null(strstr(r.err, c->expect[i]));
	}
	/* bad input never leaves a report behind */
	assert_null(strstr(r.out, "\"counters\""));
	tl_run_free(&r);
	free(w);
	tl_rmtree(dir);
}

static void usage_errors_exit_2(void **state)
{
	static const char *const unknown_cmd[] = { "frobnicate", NULL };
	static const char *const unknown_opt[] = { "--frobnicate", NULL };
	static const char *const none[] = { NULL };
	const char *const *rows[] = { unknown_cmd, unknown_opt, none };
	const char *expect[] = { "unknown command 'frobnicate'",
				 "unknown option '--frobnicate'",
				 "missing a command" };
	struct tl_run r;

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		tl_run(&r, NULL, rows[i]);
		assert_int_equal(r.status, 2);
		assert_non_null(strstr(r.err, expect[i]));
		assert_non_null(strstr(r.err, "eptsim --help"));
		tl_run_free(&r);
	}
}

int main(void)
{
	struct CMUnitTest tests[sizeof(cases) / sizeof(cases[0]) + 1];
	size_t n = 0;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tests[n] = (struct CMUnitTest){ cases[i].name, run_case, NULL,
						NULL, (void *)&cases[i] };
		n++;
	}
	tests[n++] = (struct CMUnitTest){ "usage errors exit 2", usage_errors_exit_2,
					  NULL, NULL, NULL };
	return _cmocka_run_group_tests("bad_input", tests, n, NULL, NULL);
}
