/*
 * test_probe.c - `eptsim probe` and `eptsim explain`.
 *
 * The examples are the ones in docs/probe.md, read from it: a line
 * starting `<!-- probe-example NAME input -->` is followed by a fenced block with
 * the probe file, `<!-- probe-example NAME probe -->` by the exact output
 * of `eptsim probe`, and `<!-- probe-example NAME explain -->` (optional)
 * by the exact output of `eptsim explain`.  Each example is one test: its
 * outputs must be byte for byte what the document shows, so the document
 * cannot drift from the code.  A second table checks what the examples
 * promise in prose (24 references for 4x4, 35 for 5x5, a walk-cache hit
 * that saves references).  Bad input: one row per kind, each ending with
 * exit status 2 and a message naming the file, the key and what was
 * expected.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <jansson.h>

#include "tests/lib/testlib.h"

#define MAX_EXAMPLES 32

struct example {
	char name[64];
	char *input;
	char *probe;
	char *explain;          /* NULL: the document shows none */
};

static struct example examples[MAX_EXAMPLES];
static size_t nexamples;

/* fenced - the contents of the first fenced block at or after `p` */
static char *fenced(const char *p)
{
	const char *open = strstr(p, "```"), *body, *close;
	char *s;

	if (!open)
		return NULL;
	body = strchr(open, '\n');
	if (!body)
		return NULL;
	body++;
	close = strstr(body, "\n```");
	if (!close)
		return NULL;
	close++; /* keep the last line's newline */
	s = malloc((size_t)(close - body) + 1);
	assert_non_null(s);
	memcpy(s, body, (size_t)(close - body));
	s[close - body] = '\0';
	return s;
}

static struct example *example_named(const char *name)
{
	for (size_t i = 0; i < nexamples; i++)
		if (strcmp(examples[i].name, name) == 0)
			return &examples[i];
	if (nexamples == MAX_EXAMPLES)
		return NULL;
	snprintf(examples[nexamples].name, sizeof(examples[nexamples].name), "%s",
		 name);
	return &examples[nexamples++];
}

/* read_examples - every example of docs/probe.md; false if malformed */
static bool read_examples(void)
{
	static const char marker[] = "<!-- probe-example ";
	char *doc = tl_read("docs/probe.md", NULL);
	bool ok = doc != NULL;

	for (char *p = doc ? strstr(doc, marker) : NULL; ok && p;
	     p = strstr(p + 1, marker)) {
		char name[64], kind[16];
		struct example *ex;
		char **slot;

		if (p != doc && p[-1] != '\n')
			continue; /* a marker is a line of its own, not prose quoting one */
		if (sscanf(p + sizeof(marker) - 1, "%63s %15s", name, kind) != 2) {
			ok = false;
			break;
		}
		ex = example_named(name);
		if (!ex) {
			ok = false;
			break;
		}
		slot = strcmp(kind, "input") == 0   ? &ex->input
		       : strcmp(kind, "probe") == 0 ? &ex->probe
		       : strcmp(kind, "explain") == 0 ? &ex->explain
						      : NULL;
		if (!slot || *slot) {
			fprintf(stderr, "docs/probe.md: bad or repeated marker %s %s\n",
				name, kind);
			ok = false;
			break;
		}
		*slot = fenced(p);
		ok = *slot != NULL;
	}
	free(doc);
	return ok;
}

/* the words of `eptsim explain` for an outcome of `eptsim probe` */
static const char *outcome_words(const char *outcome)
{
	static const char *const map[][2] = {
		{ "ok", "outcome: ok" },
		{ "page_fault", "#PF, error code" },
		{ "ept_violation", "outcome: EPT violation" },
		{ "ept_misconfig", "outcome: EPT misconfiguration" },
		{ "general_protection", "outcome: #GP" },
		{ "vm_entry_failed", "outcome: vm_entry_failed" },
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(map[i][0], outcome) == 0)
			return map[i][1];
	return NULL;
}

static void run_example(void **state)
{
	const struct example *ex = *state;
	char *dir = tl_tmpdir(), *path, fname[80];
	struct tl_run r;
	json_error_t jerr;
	json_t *j, *acc, *a;
	size_t i;

	assert_non_null(ex->input);
	assert_non_null(ex->probe);
	snprintf(fname, sizeof(fname), "%s.json", ex->name);
	path = tl_write(dir, fname, ex->input);

	tl_run(&r, NULL, (const char *[]){ "probe", path, NULL });
	if (r.status != 0 || strcmp(r.out, ex->probe) != 0)
		print_error("example %s: eptsim probe exited %d, stderr: %s\n"
			    "--- docs/probe.md shows:\n%s--- eptsim probe printed:\n%s",
			    ex->name, r.status, r.err, ex->probe, r.out);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, ex->probe);
	j = json_loads(r.out, 0, &jerr);
	assert_non_null(j);
	tl_run_free(&r);

	tl_run(&r, NULL, (const char *[]){ "explain", path, NULL });
	if (r.status != 0)
		print_error("example %s: eptsim explain exited %d: %s\n", ex->name,
			    r.status, r.err);
	assert_int_equal(r.status, 0);
	if (ex->explain && strcmp(r.out, ex->explain) != 0)
		print_error("example %s:\n--- docs/probe.md shows:\n%s--- eptsim explain printed:\n%s",
			    ex->name, ex->explain, r.out);
	if (ex->explain)
		assert_string_equal(r.out, ex->explain);
	/* every outcome of the JSON is named in the text */
	acc = json_object_get(j, "accesses");
	assert_true(json_array_size(acc) > 0);
	json_array_foreach(acc, i, a) {
		const char *w = outcome_words(json_string_value(json_object_get(a, "outcome")));

		assert_non_null(w);
		if (!strstr(r.out, w))
			print_error("example %s: explain does not say \"%s\"\n", ex->name, w);
		assert_non_null(strstr(r.out, w));
	}
	json_decref(j);
	tl_run_free(&r);
	free(path);
	tl_rmtree(dir);
}

/* ------------------------------------------------------------------ */
/* what the examples promise                                           */

static json_t *example_access(const char *name, size_t i)
{
	const struct example *ex = NULL;
	json_t *j, *a;

	for (size_t k = 0; k < nexamples; k++)
		if (strcmp(examples[k].name, name) == 0)
			ex = &examples[k];
	if (!ex)
		print_error("docs/probe.md has no example %s\n", name);
	assert_non_null(ex);
	j = json_loads(ex->probe, 0, NULL);
	assert_non_null(j);
	a = json_array_get(json_object_get(j, "accesses"), i);
	assert_non_null(a);
	json_incref(a);
	json_decref(j);
	return a;
}

static json_int_t refs_total(const json_t *a)
{
	return json_integer_value(json_object_get(json_object_get(a, "mem_refs"), "total"));
}

static const char *str(const json_t *a, const char *k)
{
	const char *s = json_string_value(json_object_get(a, k));

	assert_non_null(s);
	return s;
}

static void examples_show_what_they_promise(void **state)
{
	json_t *a, *b;

	(void)state;
	/* native 4-level: 4 references */
	a = example_access("native-read", 0);
	assert_string_equal(str(a, "outcome"), "ok");
	assert_int_equal(refs_total(a), 4);
	json_decref(a);
	/* 4-level guest under 4-level EPT: 4 x (4 + 1) + 4 = 24 */
	a = example_access("nested-4x4", 0);
	assert_string_equal(str(a, "outcome"), "ok");
	assert_int_equal(refs_total(a), 24);
	json_decref(a);
	/* 5 x 5: 5 x (5 + 1) + 5 = 35 */
	a = example_access("nested-5x5", 0);
	assert_string_equal(str(a, "outcome"), "ok");
	assert_int_equal(refs_total(a), 35);
	json_decref(a);
	/* EPT A/D on: a guest table read counts as a write (SDM Table 28-7, bits 0 and 1) */
	a = example_access("ept-ad-readonly-table", 0);
	assert_string_equal(str(a, "outcome"), "ept_violation");
	assert_string_equal(str(a, "stage"), "guest_paging");
	assert_string_equal(str(a, "exit_qualification"), "0xab");
	json_decref(a);
	/* a user write to a read-only page: P W U */
	a = example_access("user-write-readonly", 0);
	assert_string_equal(str(a, "outcome"), "page_fault");
	assert_string_equal(str(a, "error_code"), "0x7");
	json_decref(a);
	/* the walk caches: the neighbouring page costs fewer references */
	a = example_access("walk-caches", 0);
	b = example_access("walk-caches", 1);
	assert_int_equal(refs_total(a), 24);
	assert_true(refs_total(b) < refs_total(a));
	json_decref(a);
	json_decref(b);
}

/* ------------------------------------------------------------------ */
/* bad input                                                           */

#define ONE_ACCESS "\"accesses\": [{\"va\": \"0x1000\"}]"

struct bad_case {
	const char *name;
	const char *file;       /* p.json; NULL: none written */
	const char *args[4];    /* after the command; "P" stands for p.json */
	const char *expect[3];  /* substrings of stderr */
};

static const struct bad_case bad_cases[] = {
	{ "unknown top-level key suggests the right one",
	  "{\"acesses\": []}", { "P" },
	  { "p.json: acesses: unknown key (did you mean accesses?)" } },
	{ "unknown nested key names its path",
	  "{\"ept\": {\"levls\": 5}, " ONE_ACCESS "}", { "P" },
	  { "p.json: ept.levls: unknown key (did you mean ept.levels?)" } },
	{ "unknown key in a list element",
	  "{\"guest\": [{\"va\": 0, \"gpa\": 0, \"flag\": []}], " ONE_ACCESS "}",
	  { "P" }, { "p.json: guest[0].flag: unknown key (did you mean guest[0].flags?)" } },
	{ "unknown cpu control",
	  "{\"cpu\": {\"cr4.smapp\": true}, " ONE_ACCESS "}", { "P" },
	  { "p.json: cpu.cr4.smapp: unknown key (did you mean cpu.cr4.smap?)" } },
	{ "unknown machine key goes through the workload loader",
	  "{\"machine\": {\"caps\": {\"la5\": true}}, " ONE_ACCESS "}", { "P" },
	  { "p.json: machine.caps.la5: unknown key (did you mean machine.caps.la57?)" } },
	{ "bad flag name names the list element",
	  "{\"guest\": [{\"va\": \"0x1000\", \"gpa\": \"0x2000\"},\n"
	  "  {\"va\": \"0x2000\", \"gpa\": \"0x3000\", \"flags\": [\"p\", \"rx\"]}], "
	  ONE_ACCESS "}", { "P" },
	  { "p.json: guest[1].flags[1]: unknown flag \"rx\"", "expected one of p, rw, us" } },
	{ "bad EPT flag name",
	  "{\"ept_map\": [{\"gpa\": 0, \"hpa\": 0, \"flags\": [\"r\", \"rw\"]}], "
	  ONE_ACCESS "}", { "P" },
	  { "p.json: ept_map[0].flags[1]: unknown flag \"rw\"", "r, w, x, ux" } },
	{ "misaligned va",
	  "{\"guest\": [{\"va\": \"0x1000\", \"gpa\": \"0x200000\", \"size\": \"2M\"}], "
	  ONE_ACCESS "}", { "P" },
	  { "p.json: guest[0].va: 0x1000 is not aligned to the page size 2M" } },
	{ "misaligned hpa",
	  "{\"ept_map\": [{\"gpa\": \"0x0\", \"hpa\": \"0x1234\"}], " ONE_ACCESS "}",
	  { "P" }, { "p.json: ept_map[0].hpa: 0x1234 is not aligned to the page size 4K" } },
	{ "non-canonical va in a mapping",
	  "{\"guest\": [{\"va\": \"0x800000000000\", \"gpa\": \"0x0\"}], " ONE_ACCESS "}",
	  { "P" }, { "p.json: guest[0].va: 0x800000000000 is not canonical for 4-level paging" } },
	{ "gpa beyond MAXPHYADDR",
	  "{\"guest\": [{\"va\": \"0x0\", \"gpa\": \"0x1000000000000\"}], " ONE_ACCESS "}",
	  { "P" }, { "p.json: guest[0].gpa: 0x1000000000000 is beyond machine.maxphyaddr (46 bits)" } },
	{ "a mapping in the way",
	  "{\"guest\": [{\"va\": \"0x1000\", \"gpa\": \"0x1000\"},\n"
	  "  {\"va\": \"0x0\", \"gpa\": \"0x200000\", \"size\": \"2M\"}], " ONE_ACCESS "}",
	  { "P" }, { "p.json: guest[1]: a larger page or a page table is already on the path of va 0x0" } },
	{ "missing key",
	  "{\"guest\": [{\"gpa\": \"0x0\"}], " ONE_ACCESS "}", { "P" },
	  { "p.json: guest[0]: missing key \"va\"" } },
	{ "edit of an entry that does not exist",
	  "{\"edit\": [{\"dim\": \"guest\", \"addr\": \"0x1000\", \"level\": 1, \"set\": [\"p\"]}], "
	  ONE_ACCESS "}", { "P" },
	  { "p.json: edit[0]: there is no guest L1 entry on the path of VA 0x1000" } },
	{ "edit below a large page",
	  "{\"guest\": [{\"va\": \"0x200000\", \"gpa\": \"0x200000\", \"size\": \"2M\"}],\n"
	  " \"edit\": [{\"dim\": \"guest\", \"addr\": \"0x200000\", \"level\": 1, \"clear\": [\"rw\"]}], "
	  ONE_ACCESS "}", { "P" },
	  { "p.json: edit[0]: there is no guest L1 entry on the path of VA 0x200000" } },
	{ "edit of a level the EPT does not have",
	  "{\"edit\": [{\"dim\": \"ept\", \"addr\": \"0x0\", \"level\": 5, \"set\": [\"r\"]}], "
	  ONE_ACCESS "}", { "P" },
	  { "p.json: edit[0].level: expected a number in 1..4, got 5" } },
	{ "edit without set or clear",
	  "{\"edit\": [{\"dim\": \"guest\", \"addr\": \"0x0\", \"level\": 4}], " ONE_ACCESS "}",
	  { "P" }, { "p.json: edit[0]: expected \"set\" or \"clear\"" } },
	{ "ept_map without an EPT",
	  "{\"ept\": {\"enabled\": false}, \"ept_map\": [], " ONE_ACCESS "}", { "P" },
	  { "p.json: ept_map: there is no EPT: ept.enabled is false" } },
	{ "bad access kind lists the choices",
	  "{\"accesses\": [{\"va\": 0, \"access\": \"exec\"}]}", { "P" },
	  { "p.json: accesses[0].access: expected one of \"read\", \"write\", \"fetch\", got string \"exec\"" } },
	{ "cpl out of range",
	  "{\"accesses\": [{\"va\": 0, \"cpl\": 4}]}", { "P" },
	  { "p.json: accesses[0].cpl: expected a number in 0..3, got 4" } },
	{ "implicit access in user mode",
	  "{\"accesses\": [{\"va\": 0, \"implicit\": true}]}", { "P" },
	  { "p.json: accesses[0].implicit: an implicit supervisor-mode access needs cpl 0, 1 or 2" } },
	{ "bad address string",
	  "{\"accesses\": [{\"va\": \"0xzz\"}]}", { "P" },
	  { "p.json: accesses[0].va: expected an address", "got string \"0xzz\"" } },
	{ "no accesses", "{}", { "P" },
	  { "p.json: accesses: expected a list of at least one access" } },
	{ "bad page size",
	  "{\"guest\": [{\"va\": 0, \"gpa\": 0, \"size\": \"4M\"}], " ONE_ACCESS "}",
	  { "P" }, { "p.json: guest[0].size: expected a page size \"4K\", \"2M\" or \"1G\", got string \"4M\"" } },
	{ "5-level paging the CPU lacks",
	  "{\"cpu\": {\"cr4.la57\": true}, " ONE_ACCESS "}", { "P" },
	  { "p.json: cpu.cr4.la57: CR4.LA57 is set but 5-level paging is not supported" } },
	{ "invalid JSON names line and column",
	  "{\n  \"guest\": [\n    {\"va\": 1,}\n  ]\n}\n", { "P" },
	  { "p.json:3:", "invalid JSON" } },
	{ "duplicate key", "{\"accesses\": [],\n \"accesses\": []}", { "P" },
	  { "p.json:2:", "duplicate" } },
	{ "top level is not an object", "[1]", { "P" },
	  { "p.json: expected a JSON object at the top level, got an array" } },
	{ "missing file", NULL, { "P" },
	  { "p.json: cannot open: No such file or directory" } },
	{ "--set of a workload key that is not a machine key",
	  "{" ONE_ACCESS "}", { "P", "--set", "source.accesses=5" },
	  { "--set source.accesses=5: a probe takes only machine.* and memory" } },
	{ "no probe file", NULL, { NULL },
	  { "missing the probe file", "--help" } },
	{ "two probe files", "{" ONE_ACCESS "}", { "P", "P" },
	  { "one probe file only" } },
	{ "unknown option", "{" ONE_ACCESS "}", { "P", "--frobnicate" },
	  { "unknown option '--frobnicate'" } },
};

static void run_bad(void **state)
{
	const struct bad_case *c = *state;
	static const char *const cmds[] = { "probe", "explain" };

	for (size_t k = 0; k < 2; k++) {
		char *dir = tl_tmpdir();
		char *p = tl_path(dir, "p.json");
		const char *args[8] = { cmds[k] };
		struct tl_run r;
		size_t n = 1;

		if (c->file)
			free(tl_write(dir, "p.json", c->file));
		for (size_t i = 0; i < 4 && c->args[i]; i++)
			args[n++] = strcmp(c->args[i], "P") == 0 ? p : c->args[i];
		args[n] = NULL;
		tl_run(&r, NULL, args);
		if (r.status != 2)
			print_error("case \"%s\" (%s): exit %d, stderr: %s\n", c->name,
				    cmds[k], r.status, r.err);
		assert_int_equal(r.status, 2);
		for (size_t i = 0; i < 3 && c->expect[i]; i++) {
			if (!strstr(r.err, c->expect[i]))
				print_error("case \"%s\" (%s): expected \"%s\" in stderr:\n%s\n",
					    c->name, cmds[k], c->expect[i], r.err);
			assert_non_null(strstr(r.err, c->expect[i]));
		}
		/* bad input prints nothing on standard output */
		assert_string_equal(r.out, "");
		tl_run_free(&r);
		free(p);
		tl_rmtree(dir);
	}
}

/* ------------------------------------------------------------------ */
/* help                                                                */

/* docs/cli.md quotes both help texts verbatim */
static void help_is_quoted_in_cli_md(void **state)
{
	static const char *const cmds[] = { "probe", "explain" };
	char *doc = tl_read("docs/cli.md", NULL);

	(void)state;
	assert_non_null(doc);
	for (size_t k = 0; k < 2; k++) {
		struct tl_run r;

		tl_run(&r, NULL, (const char *[]){ cmds[k], "--help", NULL });
		assert_int_equal(r.status, 0);
		assert_non_null(strstr(r.out, "docs/probe.md"));
		if (!strstr(doc, r.out))
			print_error("docs/cli.md does not quote 'eptsim %s --help':\n%s",
				    cmds[k], r.out);
		assert_non_null(strstr(doc, r.out));
		tl_run_free(&r);
	}
	free(doc);
}

int main(void)
{
	struct CMUnitTest tests[MAX_EXAMPLES + sizeof(bad_cases) / sizeof(bad_cases[0]) + 4];
	char names[MAX_EXAMPLES][96];
	size_t n = 0;
	int rc;

	if (!read_examples()) {
		fprintf(stderr, "docs/probe.md: cannot read the examples\n");
		return 1;
	}
	for (size_t i = 0; i < nexamples; i++) {
		snprintf(names[i], sizeof(names[i]), "docs/probe.md example %.63s",
			 examples[i].name);
		tests[n++] = (struct CMUnitTest){ names[i], run_example, NULL, NULL,
						  &examples[i] };
	}
	tests[n++] = (struct CMUnitTest){ "the examples show what they promise",
					  examples_show_what_they_promise, NULL,
					  NULL, NULL };
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++)
		tests[n++] = (struct CMUnitTest){ bad_cases[i].name, run_bad, NULL,
						  NULL, (void *)&bad_cases[i] };
	tests[n++] = (struct CMUnitTest){ "docs/cli.md quotes the help",
					  help_is_quoted_in_cli_md, NULL, NULL, NULL };
	rc = _cmocka_run_group_tests("probe", tests, n, NULL, NULL);
	for (size_t i = 0; i < nexamples; i++) {
		free(examples[i].input);
		free(examples[i].probe);
		free(examples[i].explain);
	}
	return rc;
}
