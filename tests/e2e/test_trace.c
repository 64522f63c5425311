/*
 * test_trace.c - traces end to end: `eptsim trace record`, `eptsim
 * replay`, `eptsim trace info/convert`, and the three formats.
 *
 *   - every test program recorded in a VM (with its native baseline) and
 *     replayed gives the run's report again: status, every counter,
 *     histogram, per-CPU counter, process and sample row (the "record"
 *     key of a workload does the same as `trace record`); three processes
 *     on two vCPUs under memory pressure too, compressed with zstd;
 *   - a lackey trace made here by valgrind from a test program replays
 *     with the accesses and instructions counted from its text by this
 *     suite, gzip- and xz-compressed too, its memory mapped on demand;
 *   - a ChampSim trace written here from known records replays with the
 *     accesses those records hold (empty slots skipped, the access size
 *     set), and converts to the native format with the same counts;
 *   - corrupt traces (truncated, a bad header, an unknown record kind, a
 *     malformed lackey line, a truncated ChampSim record) exit 2 naming
 *     the byte offset or line.
 *
 * Runs from the project root; the programs are in $EPTSIM_PROGRAMS.
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <jansson.h>

#include "tests/lib/testlib.h"

#define MAX_PROGS 64
#define MIN_PROGS 7

/* ---- helpers -------------------------------------------------------------- */

/* run - eptsim with args; expect exit status `want` (stderr shown if not) */
static void run(int want, const char *const *args)
{
	struct tl_run r;

	tl_run(&r, NULL, args);
	if (r.status != want)
		fail_msg("eptsim %s %s: exit %d, expected %d; stderr:\n%s", args[0],
			 args[1] ? args[1] : "", r.status, want, r.err);
	tl_run_free(&r);
}

/*
 * same_run - reports a (a run) and b (its replay) agree in everything a
 * run measures: every top-level member but the configuration and the
 * replay's own "trace" member.
 */
static void same_run(const char *a, const char *b)
{
	json_t *ja = tl_load(a), *jb = tl_load(b), *v;
	const char *key;
	size_t n = 0;

	assert_non_null(json_object_get(jb, "trace"));
	json_object_foreach(ja, key, v) {
		if (strcmp(key, "config") == 0)
			continue;
		if (!json_equal(v, json_object_get(jb, key))) {
			char *x = json_dumps(v, JSON_COMPACT);
			char *y = json_dumps(json_object_get(jb, key), JSON_COMPACT);

			fail_msg("%s vs %s: \"%s\" differs:\n run    %.600s\n replay %.600s", a, b,
				 key, x, y ? y : "(missing)");
		}
		n++;
	}
	assert_true(n >= 6);    /* status, counters, histograms, cpus, processes, samples, ... */
	assert_non_null(json_object_get(ja, "samples"));
	assert_true(tl_counter(ja, "accesses") > 0);
	json_decref(ja);
	json_decref(jb);
}

/* ---- recorded runs replay into the same report --------------------------- */

static void record_replay(const char *dir, const char *name, const char *workload,
			  const char *const *replay_sets, const char *trace_name)
{
	char *w = tl_write(dir, "w.json", workload);
	char *trace = tl_path(dir, trace_name);
	char *ra = tl_path(dir, "run.json"), *rb = tl_path(dir, "replay.json");
	const char *rec[] = { "trace", "record", w, "-o", trace, "--compress",
			      strstr(trace_name, ".zst") ? "zstd" : "none",
			      "--report", ra, "-q", NULL };
	const char *rep[16] = { "replay", "-q", "-o", rb };
	size_t k = 4;

	for (; replay_sets && *replay_sets; replay_sets++)
		rep[k++] = *replay_sets;
	rep[k++] = trace;
	rep[k] = NULL;
	run(strcmp(name, "segv") == 0 ? 1 : 0, rec);
	run(strcmp(name, "segv") == 0 ? 1 : 0, rep);
	same_run(ra, rb);
	free(w);
	free(trace);
	free(ra);
	free(rb);
}

static void test_replay_equals_run(void **state)
{
	char *names[MAX_PROGS];
	size_t n = tl_list_programs(names, MAX_PROGS);
	const char *sets[] = { "--set", "vm.enabled=true", "--set", "report.sample_every=2000", NULL };

	(void)state;
	assert_true(n >= MIN_PROGS);
	for (size_t i = 0; i < n; i++) {
		char *dir = tl_tmpdir(), *prog = tl_prog_path(names[i]), *in = realpath("tests/programs/stdin.txt", NULL);
		char w[4096];

		assert_non_null(in);
		snprintf(w, sizeof(w),
			 "{\"source\": {\"kind\": \"program\"}, \"vm\": {\"enabled\": true},"
			 " \"report\": {\"sample_every\": 2000},"
			 " \"processes\": [{\"program\": \"%s\", \"stdout\": \"\", \"stdin\": \"%s\"}]}",
			 prog, strcmp(names[i], "stdin") == 0 ? in : "");
		record_replay(dir, names[i], w, sets, "t.trace");
		tl_rmtree(dir);
		free(prog);
		free(in);
		free(names[i]);
	}
}

/* three processes on two vCPUs, context switches, guest and host pressure; zstd */
static void test_replay_several_processes(void **state)
{
	char *dir = tl_tmpdir(), *hash = tl_prog_path("hash"), *churn = tl_prog_path("churn"),
	     *rnd = tl_prog_path("random");
	char w[4096], r[4096];
	const char *sets[] = { "--set", "vm.enabled=true", "--set", "vm.memory=64MiB",
			       "--set", "timeslice=20000", "--set", "quantum=3000", "--set",
			       "events=[{\"at\":150000,\"do\":\"pressure\",\"kernel\":\"guest\",\"free\":\"4MiB\"},"
			       "{\"at\":300000,\"do\":\"pressure\",\"kernel\":\"host\",\"free\":\"16MiB\"}]",
			       NULL };
	json_t *j;

	(void)state;
	snprintf(w, sizeof(w),
		 "{\"source\": {\"kind\": \"program\"}, \"cpus\": 2, \"timeslice\": 20000, \"quantum\": 3000,"
		 " \"vm\": {\"enabled\": true, \"memory\": \"64MiB\"},"
		 " \"events\": [{\"at\": 150000, \"do\": \"pressure\", \"kernel\": \"guest\", \"free\": \"4MiB\"},"
		 "  {\"at\": 300000, \"do\": \"pressure\", \"kernel\": \"host\", \"free\": \"16MiB\"}],"
		 " \"processes\": [{\"program\": \"%s\", \"stdout\": \"\"},"
		 "  {\"program\": \"%s\", \"stdout\": \"\", \"cpu\": 0},"
		 "  {\"program\": \"%s\", \"stdout\": \"\", \"cpu\": 1}]}", hash, churn, rnd);
	record_replay(dir, "several", w, sets, "t.trace.zst");
	snprintf(r, sizeof(r), "%s/run.json", dir);
	j = tl_load(r);
	/* the workload did what it is here for */
	assert_true(tl_counter(j, "cpu.context_switches") > 0);
	assert_true(tl_counter(j, "kernel.guest.daemon_runs") > 0);
	assert_int_equal(json_array_size(json_object_get(j, "cpus")), 2);
	json_decref(j);
	tl_rmtree(dir);
	free(hash);
	free(churn);
	free(rnd);
}

/* the workload key "record" records as `trace record` does; source.trace replays it */
static void test_record_key(void **state)
{
	char *dir = tl_tmpdir(), *prog = tl_prog_path("sweep");
	char w[2048], *wp, *rp, *ra = tl_path(dir, "a.json"), *rb = tl_path(dir, "b.json");
	const char *args[] = { "run", NULL, "-q", "-o", ra, NULL };

	(void)state;
	snprintf(w, sizeof(w),
		 "{\"source\": {\"kind\": \"program\"}, \"record\": \"%s/k.trace\","
		 " \"record_compression\": \"gzip\","
		 " \"processes\": [{\"program\": \"%s\", \"stdout\": \"\"}]}", dir, prog);
	wp = tl_write(dir, "rec.json", w);
	args[1] = wp;
	run(0, args);
	/* a relative source.trace is taken from the workload file's directory */
	rp = tl_write(dir, "rep.json", "{\"source\": {\"kind\": \"trace\", \"trace\": \"k.trace\"}}");
	args[1] = rp;
	args[4] = rb;
	run(0, args);
	same_run(ra, rb);
	free(wp);
	free(rp);
	free(ra);
	free(rb);
	free(prog);
	tl_rmtree(dir);
}

/* ---- lackey ---------------------------------------------------------------- */

struct lk_count {
	long long insns, reads, writes, lines;
};

/* lk_count - the accesses of a lackey text, counted here line by line */
static struct lk_count lk_count(const char *text)
{
	struct lk_count c = { 0 };

	for (const char *l = text; *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : l + strlen(l)) {
		if (strncmp(l, "I  ", 3) == 0)
			c.insns++;
		else if (strncmp(l, " L ", 3) == 0)
			c.reads++;
		else if (strncmp(l, " S ", 3) == 0)
			c.writes++;
		else if (strncmp(l, " M ", 3) == 0) {
			c.reads++;
			c.writes++;
		} else
			continue;
		c.lines++;
	}
	return c;
}

static void check_lackey_report(const char *report, const struct lk_count *c)
{
	json_t *j = tl_load(report), *t = json_object_get(j, "trace");

	assert_int_equal(tl_counter(j, "instructions"), c->insns);
	assert_int_equal(tl_counter(j, "fetches"), c->insns);
	assert_int_equal(tl_counter(j, "reads"), c->reads);
	assert_int_equal(tl_counter(j, "writes"), c->writes);
	assert_int_equal(tl_counter(j, "accesses"), c->insns + c->reads + c->writes);
	assert_true(tl_counter(j, "faults.demand_maps") > 0);
	assert_string_equal(json_string_value(json_object_get(t, "format")), "lackey");
	assert_true(json_is_true(json_object_get(t, "mapped_on_demand")));
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "status"), "state")),
			    "completed");
	json_decref(j);
}

static void test_lackey(void **state)
{
	char *dir = tl_tmpdir(), *prog = tl_prog_path("sys"), *lk = tl_path(dir, "sys.lackey");
	char *rep = tl_path(dir, "r.json"), cmd[4096], *text;
	struct lk_count c;
	const char *args[] = { "replay", "-q", "--set", "vm.enabled=true", "-o", rep, lk, NULL };

	(void)state;
	snprintf(cmd, sizeof(cmd),
		 "valgrind --tool=lackey --trace-mem=yes --log-file='%s' '%s' >/dev/null 2>&1", lk, prog);
	if (system(cmd) != 0)
		fail_msg("%s failed: is valgrind installed?", cmd);
	text = tl_read(lk, NULL);
	assert_non_null(text);
	assert_non_null(strstr(text, "==")); /* valgrind's own lines are in it */
	c = lk_count(text);
	assert_true(c.insns > 1000 && c.reads > 100 && c.writes > 100);
	run(0, args);
	check_lackey_report(rep, &c);
	/* compressed: the same */
	snprintf(cmd, sizeof(cmd), "gzip -c '%s' > '%s.gz' && xz -c '%s' > '%s.xz'", lk, lk, lk, lk);
	assert_int_equal(system(cmd), 0);
	for (int k = 0; k < 2; k++) {
		char z[4096];

		snprintf(z, sizeof(z), "%s.%s", lk, k ? "xz" : "gz");
		args[6] = z;
		run(0, args);
		check_lackey_report(rep, &c);
	}
	free(text);
	free(lk);
	free(rep);
	free(prog);
	tl_rmtree(dir);
}

/* ---- ChampSim ---------------------------------------------------------------- */

static void put64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

/* one input_instr: ip, then destination memory [2] at 16, source memory [4] at 32 */
static void champ_rec(unsigned char *r, uint64_t ip, const uint64_t dst[2], const uint64_t src[4])
{
	memset(r, 0, 64);
	put64(r, ip);
	r[8] = 0;       /* is_branch */
	r[12] = 7;      /* a source register: not a memory access */
	for (int i = 0; i < 2; i++)
		put64(r + 16 + 8 * i, dst[i]);
	for (int i = 0; i < 4; i++)
		put64(r + 32 + 8 * i, src[i]);
}

static void test_champsim(void **state)
{
	char *dir = tl_tmpdir(), *cs = tl_path(dir, "t.champsim"), *nat = tl_path(dir, "t.native");
	char *rep = tl_path(dir, "r.json"), *rep2 = tl_path(dir, "r2.json");
	enum { N = 5000 };
	unsigned char *buf = malloc(64 * N);
	long long reads = 0, writes = 0;
	FILE *f;
	json_t *j;
	const char *args[] = { "replay", "-q", "--set", "source.access_size=4", "-o", rep, cs, NULL };
	const char *conv[] = { "trace", "convert", "--access-size", "4", cs, "-o", nat, NULL };
	const char *args2[] = { "replay", "-q", "-o", rep2, nat, NULL };

	(void)state;
	assert_non_null(buf);
	for (int i = 0; i < N; i++) {
		/* slot k is used on every (k+2)th record; a store crosses a page every 7th */
		uint64_t src[4] = { 0 }, dst[2] = { 0 };

		for (int k = 0; k < 4; k++)
			if (i % (k + 2) == 0) {
				src[k] = 0x10000000 + (uint64_t)i * 64 + (uint64_t)k * 8;
				reads++;
			}
		for (int k = 0; k < 2; k++)
			if (i % (k + 3) == 0) {
				dst[k] = i % 7 == 0 ? 0x20000ffe + (uint64_t)i * 4096 : 0x20000000 + (uint64_t)i * 8;
				writes++;
			}
		champ_rec(buf + 64 * i, 0x401000 + (uint64_t)(i % 100) * 4, dst, src);
	}
	f = fopen(cs, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(buf, 64, N, f), N);
	fclose(f);
	run(0, args);
	j = tl_load(rep);
	assert_int_equal(tl_counter(j, "instructions"), N);
	assert_int_equal(tl_counter(j, "fetches"), N);
	assert_int_equal(tl_counter(j, "reads"), reads);
	assert_int_equal(tl_counter(j, "writes"), writes);
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "trace"), "format")),
			    "champsim");
	json_decref(j);
	/* converted to the native format: the same replay */
	run(0, conv);
	run(0, args2);
	j = tl_load(rep2);
	assert_int_equal(tl_counter(j, "reads"), reads);
	assert_int_equal(tl_counter(j, "writes"), writes);
	assert_true(json_is_true(json_object_get(json_object_get(j, "trace"), "mapped_on_demand")));
	json_decref(j);
	free(buf);
	free(cs);
	free(nat);
	free(rep);
	free(rep2);
	tl_rmtree(dir);
}

/* ---- trace info -------------------------------------------------------------- */

static void test_info(void **state)
{
	char *dir = tl_tmpdir(), *lk = tl_write(dir, "x.lackey",
		"==1== Lackey\n"
		"I  00401000,4\n"
		" L 7ff000,8\n"
		" M 7ff008,8\n"
		"I  00401004,3\n"
		" S 900ffc,8\n");   /* crosses into the page 0x901000 */
	const char *args[] = { "trace", "info", lk, NULL };
	struct tl_run r;

	(void)state;
	tl_run(&r, NULL, args);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "lackey"));
	assert_non_null(strstr(r.out, "records       6"));
	assert_non_null(strstr(r.out, "instructions  2"));
	assert_non_null(strstr(r.out, "addresses     0x401000 - 0x901003"));
	/* 0x401, 0x7ff, 0x900, 0x901 */
	assert_non_null(strstr(r.out, "footprint     4 pages"));
	tl_run_free(&r);
	free(lk);
	tl_rmtree(dir);
}

/* ---- corrupt traces ---------------------------------------------------------- */

/* bad - replaying `path` exits 2 with `what` in the message */
static void bad(const char *path, const char *what)
{
	const char *args[] = { "replay", "-q", path, NULL };
	struct tl_run r;

	tl_run(&r, NULL, args);
	if (r.status != 2 || !strstr(r.err, what) || !strstr(r.err, path))
		fail_msg("replay %s: exit %d, stderr \"%s\"; expected 2 and \"%s\"", path, r.status,
			 r.err, what);
	tl_run_free(&r);
}

static char *write_bytes(const char *dir, const char *name, const void *b, size_t n)
{
	char *p = tl_path(dir, name);
	FILE *f = fopen(p, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(b, 1, n, f), n);
	fclose(f);
	return p;
}

static void test_corrupt(void **state)
{
	static const unsigned char hdr[16] = { 'E', 'P', 'T', 'S', 'I', 'M', 'T', 'R', 1, 0, 1, 0, 1, 0, 0, 0 };
	char *dir = tl_tmpdir(), *prog = tl_prog_path("sweep"), *tr = tl_path(dir, "t.trace");
	char *sys = tl_prog_path("sys");
	char w[2048], *wp, *p;
	unsigned char b[64];
	size_t len;
	uint8_t *all;
	const char *rec[] = { "trace", "record", NULL, "-o", tr, "-q", NULL };

	(void)state;
	/* a real recording, cut in the middle of its records */
	snprintf(w, sizeof(w), "{\"source\": {\"kind\": \"program\"},"
		 " \"processes\": [{\"program\": \"%s\", \"stdout\": \"\"}]}", prog);
	wp = tl_write(dir, "w.json", w);
	rec[2] = wp;
	run(0, rec);
	all = (uint8_t *)tl_read(tr, &len);
	assert_true(len > 100000);
	p = write_bytes(dir, "cut.trace", all, len / 2);
	bad(p, "byte offset");
	free(p);
	p = write_bytes(dir, "noend.trace", all, len - 2);      /* the end record cut */
	bad(p, "a truncated end record");
	free(p);
	/* cut at a record boundary: a read of 8 bytes at 0x1000 (delta +0x1000 zigzagged) */
	memcpy(b, hdr, 16);
	b[16] = 0x0c;
	b[17] = 0x80;
	b[18] = 0x40;
	p = write_bytes(dir, "boundary.trace", b, 19);
	bad(p, "byte offset 19: the trace ends without its end record");
	free(p);
	/* a bad header: version 9 */
	memcpy(b, hdr, 16);
	b[8] = 9;
	p = write_bytes(dir, "ver.trace", b, 16);
	bad(p, "byte offset 8: trace format version 9");
	free(p);
	/* an unknown record kind after a valid header, at byte offset 16 */
	memcpy(b, hdr, 16);
	b[16] = 0xfe;
	p = write_bytes(dir, "kind.trace", b, 17);
	bad(p, "byte offset 16: an unknown record kind 0xfe");
	free(p);
	/* a malformed lackey line */
	p = tl_write(dir, "bad.lackey", "==1== Lackey\nI  00401000,4\n L 7ff000,8\n Q 12,4\n");
	bad(p, "line 4");
	free(p);
	p = tl_write(dir, "size.lackey", "I  00401000,4\n L 7ff000,zz\n");
	bad(p, "line 2");
	free(p);
	/* a ChampSim trace of one record and a half */
	memset(all, 0, 96);
	all[0] = 0x10;
	p = write_bytes(dir, "t.champsim", all, 96);
	bad(p, "byte offset 64");
	free(p);
	/* a gzip stream cut short: an error, not a short trace */
	free(all);
	p = tl_path(dir, "t.lackey.gz");
	snprintf(w, sizeof(w), "valgrind --tool=lackey --trace-mem=yes --log-file=/dev/stdout '%s' 2>/dev/null | gzip -c > '%s'",
		 sys, p);
	assert_int_equal(system(w), 0);
	all = (uint8_t *)tl_read(p, &len);
	assert_true(len > 1000);
	free(p);
	p = write_bytes(dir, "cut.lackey.gz", all, len / 2);
	bad(p, "gzip");
	free(p);
	free(all);
	free(wp);
	free(prog);
	free(sys);
	free(tr);
	tl_rmtree(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replay_equals_run),
		cmocka_unit_test(test_replay_several_processes),
		cmocka_unit_test(test_record_key),
		cmocka_unit_test(test_lackey),
		cmocka_unit_test(test_champsim),
		cmocka_unit_test(test_info),
		cmocka_unit_test(test_corrupt),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
