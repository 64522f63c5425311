/*
 * test_sweep.c - `eptsim sweep` end to end: a grid's points run with the
 * right values and tabulate their reports' metrics; -j 1 and -j 2 write
 * the same bytes; a rerun runs only the points without a report, after a
 * deletion or an interruption; the zip axis; a changed sweep never mixes
 * with the old one's directory; bad sweep files stop before anything
 * runs, naming the file and the point; a failed point is listed and
 * rerun, an abnormal one is a result.
 *
 * Every sweep runs in a scratch directory holding w.json, a workload of
 * 20,000 accesses on one vCPU that takes a few milliseconds.
 */
#define _XOPEN_SOURCE 700
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <jansson.h>

#include "tests/lib/testlib.h"

static const char small_workload[] =
	"{\"name\": \"small\", \"cpus\": 1, \"vm\": {\"enabled\": true},\n"
	" \"source\": {\"accesses\": 20000, \"footprint\": \"16MiB\"}}\n";

/* the 2 x 3 grid: the first key varies slowest */
static const char grid_sweep[] =
	"{\"workload\": \"w.json\", \"set\": {\"seed\": 3},\n"
	" \"grid\": {\"machine.tlb.stlb.4k.entries\": [768, 1536],\n"
	"          \"source.pattern\": [\"uniform\", \"zipf\", \"sequential\"]},\n"
	" \"metrics\": [\"tlb.stlb.misses\", \"cycles.total/accesses\", \"overhead.ratio\"]}\n";

/* scratch - a scratch directory holding w.json and, if given, NAME with TEXT */
static char *scratch(const char *name, const char *text)
{
	char *dir = tl_tmpdir();

	free(tl_write(dir, "w.json", small_workload));
	if (name)
		free(tl_write(dir, name, text));
	return dir;
}

/* sweep - eptsim sweep ARGS... (NULL-terminated) from `dir`; the run, whose status must be `want` */
static void sweep(struct tl_run *r, const char *dir, int want, ...)
{
	const char *args[16] = { "sweep" };
	size_t n = 1;
	va_list ap;

	va_start(ap, want);
	while (n < 15 && (args[n] = va_arg(ap, const char *)))
		n++;
	va_end(ap);
	args[n] = NULL;
	tl_run(r, dir, args);
	if (r->status != want)
		fail_msg("eptsim sweep exited %d, want %d; stderr: %s", r->status, want, r->err);
}

/* file_in - the contents of DIR/NAME (must exist) */
static char *file_in(const char *dir, const char *name)
{
	char *p = tl_path(dir, name), *t = tl_read(p, NULL);

	if (!t)
		fail_msg("%s: missing", p);
	free(p);
	return t;
}

static void same_file(const char *a, const char *b, const char *name)
{
	char *ta = file_in(a, name), *tb = file_in(b, name);

	assert_string_equal(ta, tb);
	free(ta);
	free(tb);
}

/* load_in - DIR/NAME as JSON (must parse) */
static json_t *load_in(const char *dir, const char *name)
{
	char *p = tl_path(dir, name);
	json_t *j = tl_load(p);

	free(p);
	return j;
}

/* rm_in - remove DIR/NAME (must exist) */
static void rm_in(const char *dir, const char *name)
{
	char *p = tl_path(dir, name);

	if (unlink(p) != 0)
		fail_msg("%s: cannot remove", p);
	free(p);
}

static int exists(const char *dir, const char *name)
{
	char *p = tl_path(dir, name);
	int e = access(p, F_OK) == 0;

	free(p);
	return e;
}

/* report - DIR/OUT/points/NNNN.json, loaded */
static json_t *report(const char *dir, const char *out, size_t i)
{
	char name[128];
	char *p;
	json_t *r;

	snprintf(name, sizeof(name), "%s/points/%04zu.json", out, i);
	p = tl_path(dir, name);
	r = tl_load(p);
	free(p);
	return r;
}

/* config - a report's config.<a>.<b>... (dotted, no array) */
static json_t *config(json_t *rep, const char *path)
{
	json_t *v = json_object_get(rep, "config");
	char buf[256], *seg, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	for (seg = strtok_r(buf, ".", &save); seg && v; seg = strtok_r(NULL, ".", &save))
		v = json_object_get(v, seg);
	if (!v)
		fail_msg("config.%s missing", path);
	return v;
}

/* ratio - A/B as metric.c computes it: 4 decimals, rounded, in integers */
static void ratio(char *buf, size_t len, long long a, long long b)
{
	unsigned __int128 x = (unsigned __int128)a * 10000, y = (unsigned __int128)b * 10000;
	unsigned __int128 q = (x * 10000 + y / 2) / y;

	snprintf(buf, len, "%llu.%04llu", (unsigned long long)(q / 10000),
		 (unsigned long long)(q % 10000));
}

/* line - the n-th line (from 0) of `text` into buf */
static void line(const char *text, size_t n, char *buf, size_t len)
{
	const char *p = text;
	size_t l;

	for (size_t k = 0; k < n && p; k++) {
		p = strchr(p, '\n');
		p = p ? p + 1 : NULL;
	}
	if (!p)
		fail_msg("no line %zu in: %s", n, text);
	l = strcspn(p, "\n");
	if (l >= len)
		l = len - 1;
	memcpy(buf, p, l);
	buf[l] = '\0';
}

static size_t count_lines(const char *text)
{
	size_t n = 0;

	for (; *text; text++)
		n += *text == '\n';
	return n;
}

/*
 * The grid with 2 workers and again with 1: the same results.csv and
 * results.json, byte for byte; the rows in point order with the right
 * values; each report's config has its point's values; the metrics are
 * the reports' numbers.
 */
static void grid_runs_each_point_and_tabulates_it(void **state)
{
	static const long long entries[] = { 768, 768, 768, 1536, 1536, 1536 };
	static const char *const patterns[] = { "uniform", "zipf", "sequential" };
	char *dir = scratch("grid.json", grid_sweep);
	struct tl_run r;
	char *csv;
	json_t *res, *points;

	(void)state;
	sweep(&r, dir, 0, "grid.json", "-j", "2", NULL);
	assert_non_null(strstr(r.out, "6 points: 6 run"));
	assert_non_null(strstr(r.out, "grid-sweep/results.csv"));
	tl_run_free(&r);
	sweep(&r, dir, 0, "grid.json", "-j1", "-o", "one", "-q", NULL);
	assert_string_equal(r.out, "");
	tl_run_free(&r);
	{
		char *a = tl_path(dir, "grid-sweep"), *b = tl_path(dir, "one");

		same_file(a, b, "results.csv");
		same_file(a, b, "results.json");
		same_file(a, b, "plan.json");
		free(a);
		free(b);
	}

	csv = file_in(dir, "grid-sweep/results.csv");
	assert_int_equal(count_lines(csv), 7);
	{
		char l[512];

		line(csv, 0, l, sizeof(l));
		assert_string_equal(l, "point,machine.tlb.stlb.4k.entries,source.pattern,status,"
				       "tlb.stlb.misses,cycles.total/accesses,overhead.ratio");
	}
	res = load_in(dir, "grid-sweep/results.json");
	assert_string_equal(json_string_value(json_object_get(res, "sweep")), "grid");
	assert_string_equal(json_string_value(json_object_get(res, "workload")), "small");
	assert_string_equal(json_string_value(json_object_get(res, "machine")), "built-in");
	assert_int_equal(json_array_size(json_object_get(res, "keys")), 2);
	points = json_object_get(res, "points");
	assert_int_equal(json_array_size(points), 6);
	for (size_t i = 0; i < 6; i++) {
		json_t *rep = report(dir, "grid-sweep", i), *p = json_array_get(points, i);
		json_t *vals = json_object_get(p, "values"), *mets = json_object_get(p, "metrics");
		long long misses = tl_counter(rep, "tlb.stlb.misses");
		char want[512], got[512], rt[64], rel[64];

		/* the report ran the point's values */
		assert_int_equal(json_integer_value(config(rep, "machine.tlb.stlb.4k.entries")),
				 entries[i]);
		assert_string_equal(json_string_value(config(rep, "source.pattern")), patterns[i % 3]);
		assert_int_equal(json_integer_value(config(rep, "seed")), 3);
		/* results.json */
		assert_int_equal(json_integer_value(json_object_get(p, "point")), i);
		snprintf(rel, sizeof(rel), "points/%04zu.json", i);
		assert_string_equal(json_string_value(json_object_get(p, "report")), rel);
		assert_string_equal(json_string_value(json_object_get(p, "status")), "completed");
		assert_int_equal(json_integer_value(json_object_get(vals, "machine.tlb.stlb.4k.entries")),
				 entries[i]);
		assert_string_equal(json_string_value(json_object_get(vals, "source.pattern")),
				    patterns[i % 3]);
		assert_true(json_is_integer(json_object_get(mets, "tlb.stlb.misses")));
		assert_int_equal(json_integer_value(json_object_get(mets, "tlb.stlb.misses")), misses);
		ratio(rt, sizeof(rt), tl_counter(rep, "cycles.total"), tl_counter(rep, "accesses"));
		assert_string_equal(json_string_value(json_object_get(mets, "cycles.total/accesses")), rt);
		assert_string_equal(json_string_value(json_object_get(mets, "overhead.ratio")),
				    json_string_value(json_object_get(json_object_get(rep, "overhead"),
								      "ratio")));
		/* results.csv: the same row */
		snprintf(want, sizeof(want), "%zu,%lld,%s,completed,%lld,%s,%s", i, entries[i],
			 patterns[i % 3], misses, rt,
			 json_string_value(json_object_get(mets, "overhead.ratio")));
		line(csv, i + 1, got, sizeof(got));
		assert_string_equal(got, want);
		json_decref(rep);
	}
	json_decref(res);
	free(csv);
	tl_rmtree(dir);
}

struct stamp {
	ino_t ino;
	struct timespec mtime;
};

static struct stamp stamp_of(const char *dir, const char *out, size_t i)
{
	char name[128];
	char *p;
	struct stat st;

	snprintf(name, sizeof(name), "%s/points/%04zu.json", out, i);
	p = tl_path(dir, name);
	if (stat(p, &st) != 0)
		fail_msg("%s: missing", p);
	free(p);
	return (struct stamp){ st.st_ino, st.st_mtim };
}

static void same_stamp(struct stamp a, struct stamp b, size_t i)
{
	if (a.ino != b.ino || a.mtime.tv_sec != b.mtime.tv_sec ||
	    a.mtime.tv_nsec != b.mtime.tv_nsec)
		fail_msg("point %zu's report was written again", i);
}

/* two reports deleted: a rerun runs those two only, and the results come out the same */
static void rerun_runs_only_points_without_a_report(void **state)
{
	char *dir = scratch("grid.json", grid_sweep);
	struct stamp before[6];
	char *json0, *csv0, *json1, *csv1;
	struct tl_run r;

	(void)state;
	sweep(&r, dir, 0, "grid.json", "-j", "2", "-q", NULL);
	tl_run_free(&r);
	json0 = file_in(dir, "grid-sweep/results.json");
	csv0 = file_in(dir, "grid-sweep/results.csv");
	for (size_t i = 0; i < 6; i++)
		before[i] = stamp_of(dir, "grid-sweep", i);
	rm_in(dir, "grid-sweep/points/0001.json");
	rm_in(dir, "grid-sweep/points/0004.json");
	sweep(&r, dir, 0, "grid.json", "-j", "2", NULL);
	assert_non_null(strstr(r.out, "6 points: 2 run, 4 had a report already, 0 failed"));
	tl_run_free(&r);
	for (size_t i = 0; i < 6; i++)
		if (i != 1 && i != 4)
			same_stamp(before[i], stamp_of(dir, "grid-sweep", i), i);
	(void)stamp_of(dir, "grid-sweep", 1);
	(void)stamp_of(dir, "grid-sweep", 4);
	json1 = file_in(dir, "grid-sweep/results.json");
	assert_string_equal(json0, json1);
	csv1 = file_in(dir, "grid-sweep/results.csv");
	assert_string_equal(csv0, csv1);
	/* all there: nothing runs */
	sweep(&r, dir, 0, "grid.json", NULL);
	assert_non_null(strstr(r.out, "6 points: 0 run, 6 had a report already"));
	tl_run_free(&r);
	free(json0);
	free(json1);
	free(csv0);
	free(csv1);
	tl_rmtree(dir);
}

/* spawn - eptsim ARGS in `dir` in the background, output to dir/out.txt; its pid */
static pid_t spawn(const char *dir, const char *const *args)
{
	char exe[4096];
	pid_t pid;

	if (!realpath(tl_eptsim(), exe))
		fail_msg("%s: not found", tl_eptsim());
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		const char *argv[16] = { "eptsim" };
		int fd;

		for (size_t i = 0; args[i] && i < 14; i++)
			argv[i + 1] = args[i];
		if (chdir(dir) != 0)
			_exit(127);
		fd = open("out.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0)
			_exit(127);
		dup2(fd, 1);
		dup2(fd, 2);
		execv(exe, (char *const *)argv);
		_exit(127);
	}
	return pid;
}

/*
 * SIGTERM once the first report is there: the sweep exits 143, keeps
 * the finished reports, leaves no partial one; the rerun runs only the
 * others.
 */
static void interrupted_sweep_resumes(void **state)
{
	static const char slow[] =
		"{\"workload\": \"w.json\",\n"
		" \"set\": {\"source.accesses\": 600000, \"source.footprint\": \"256MiB\",\n"
		"         \"source.pattern\": \"zipf\"},\n"
		" \"zip\": {\"seed\": [1, 2, 3, 4]}}\n";
	char *dir = scratch("slow.json", slow);
	char *first = tl_path(dir, "slow-sweep/points/0000.json");
	struct stamp kept[4];
	int had[4] = { 0 }, ws, n = 0;
	struct tl_run r;
	pid_t pid;
	DIR *d;
	struct dirent *e;

	(void)state;
	pid = spawn(dir, (const char *[]){ "sweep", "slow.json", "-j", "1", NULL });
	for (int t = 0; t < 6000 && access(first, F_OK) != 0; t++)
		nanosleep(&(struct timespec){ 0, 10 * 1000 * 1000 }, NULL);
	assert_int_equal(kill(pid, SIGTERM), 0);
	assert_int_equal(waitpid(pid, &ws, 0), pid);
	assert_true(WIFEXITED(ws));
	assert_int_equal(WEXITSTATUS(ws), 143);
	{
		char *out = file_in(dir, "out.txt");

		assert_non_null(strstr(out, "interrupted by SIGTERM"));
		free(out);
	}
	{
		char *pts = tl_path(dir, "slow-sweep/points");

		d = opendir(pts);
		free(pts);
	}
	assert_non_null(d);
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);

		if (l > 4 && strcmp(e->d_name + l - 4, ".tmp") == 0)
			fail_msg("a partial report is left: %s", e->d_name);
	}
	closedir(d);
	for (size_t i = 0; i < 4; i++) {
		char name[64];

		snprintf(name, sizeof(name), "slow-sweep/points/%04zu.json", i);
		if ((had[i] = exists(dir, name))) {
			json_t *rep = report(dir, "slow-sweep", i);   /* complete: it parses */

			assert_int_equal(tl_counter(rep, "accesses"), 600000);
			json_decref(rep);
			kept[i] = stamp_of(dir, "slow-sweep", i);
			n++;
		}
	}
	assert_true(had[0]);
	assert_true(n < 4);     /* the sweep was interrupted, not finished */
	assert_false(exists(dir, "slow-sweep/results.json"));
	sweep(&r, dir, 0, "slow.json", "-j", "1", NULL);
	tl_run_free(&r);
	for (size_t i = 0; i < 4; i++) {
		struct stamp s = stamp_of(dir, "slow-sweep", i);

		if (had[i])
			same_stamp(kept[i], s, i);
	}
	assert_true(exists(dir, "slow-sweep/results.json"));
	free(first);
	tl_rmtree(dir);
}

/*
 * The zip: its lists go together, as one axis after the grid's; string
 * values with a comma or a quote are quoted in the CSV.
 */
static void zip_is_one_axis_after_the_grid(void **state)
{
	static const char zip[] =
		"{\"workload\": \"w.json\", \"name\": \"z\",\n"
		" \"grid\": {\"source.pattern\": [\"uniform\", \"zipf\"]},\n"
		" \"zip\": {\"seed\": [1, 2, 3], \"source.write_fraction\": [0.1, 0.2, 0.3],\n"
		"         \"name\": [\"a,b\", \"q\\\"x\", \"plain\"]},\n"
		" \"metrics\": [\"writes\"]}\n";
	static const char *const rows[] = {
		"0,uniform,1,0.1,\"a,b\",completed,",
		"1,uniform,2,0.2,\"q\"\"x\",completed,",
		"2,uniform,3,0.3,plain,completed,",
		"3,zipf,1,0.1,\"a,b\",completed,",
		"4,zipf,2,0.2,\"q\"\"x\",completed,",
		"5,zipf,3,0.3,plain,completed,",
	};
	static const double fractions[] = { 0.1, 0.2, 0.3 };
	char *dir = scratch("zip.json", zip);
	struct tl_run r;
	char *csv, l[256], *axes, *path;
	json_t *res;

	(void)state;
	/* -o: the directory is made with its parents */
	sweep(&r, dir, 0, "zip.json", "-q", "-o", "deep/er/z-sweep", NULL);
	tl_run_free(&r);
	csv = file_in(dir, "deep/er/z-sweep/results.csv");
	assert_int_equal(count_lines(csv), 7);
	line(csv, 0, l, sizeof(l));
	assert_string_equal(l, "point,source.pattern,seed,source.write_fraction,name,status,writes");
	for (size_t i = 0; i < 6; i++) {
		json_t *rep = report(dir, "deep/er/z-sweep", i);
		char want[256];

		snprintf(want, sizeof(want), "%s%lld", rows[i], tl_counter(rep, "writes"));
		line(csv, i + 1, l, sizeof(l));
		assert_string_equal(l, want);
		assert_int_equal(json_integer_value(config(rep, "seed")), (long long)(i % 3) + 1);
		assert_true(json_real_value(config(rep, "source.write_fraction")) == fractions[i % 3]);
		json_decref(rep);
	}
	free(csv);
	/* the zip's keys are one axis of results.json, after the grid's */
	res = tl_load(path = tl_path(dir, "deep/er/z-sweep/results.json"));
	axes = json_dumps(json_object_get(res, "axes"), JSON_COMPACT);
	assert_string_equal(axes, "[[\"source.pattern\"],[\"seed\",\"source.write_fraction\",\"name\"]]");
	free(axes);
	free(path);
	json_decref(res);
	tl_rmtree(dir);
}

/* a point never checks itself: the workload's `expect` is switched off, even one naming no file */
static void points_do_not_check_against_expect(void **state)
{
	char *dir = scratch("e.json",
		"{\"workload\": \"w.json\", \"set\": {\"expect\": \"no-such-golden.json\"},\n"
		" \"grid\": {\"seed\": [1, 2]}, \"metrics\": [\"accesses\"]}\n");
	struct tl_run r;
	json_t *rep;

	(void)state;
	sweep(&r, dir, 0, "e.json", "-q", NULL);
	tl_run_free(&r);
	for (size_t i = 0; i < 2; i++) {
		rep = report(dir, "e-sweep", i);        /* each point ran */
		assert_int_equal(json_integer_value(config(rep, "seed")), (long long)i + 1);
		json_decref(rep);
	}
	tl_rmtree(dir);
}

/* a directory holding another sweep is left alone: exit 2, nothing written */
static void changed_sweep_stops(void **state)
{
	char *dir = scratch("grid.json", grid_sweep);
	char *plan0, *plan1;
	struct stamp s0;
	struct tl_run r;
	char *text;

	(void)state;
	sweep(&r, dir, 0, "grid.json", "-q", NULL);
	tl_run_free(&r);
	plan0 = file_in(dir, "grid-sweep/plan.json");
	s0 = stamp_of(dir, "grid-sweep", 0);

	/* one value more on an axis */
	text = strdup(grid_sweep);
	memcpy(strstr(text, "[768, 1536]"), "[768, 3072]", 11);
	free(tl_write(dir, "grid.json", text));
	sweep(&r, dir, 2, "grid.json", "-q", NULL);
	assert_non_null(strstr(r.err, "grid-sweep holds another sweep"));
	assert_non_null(strstr(r.err, "points' values"));
	assert_non_null(strstr(r.err, "-o"));
	tl_run_free(&r);

	/* the same sweep file, the workload file edited */
	free(tl_write(dir, "grid.json", grid_sweep));
	free(tl_write(dir, "w.json",
		      "{\"name\": \"small\", \"cpus\": 1, \"vm\": {\"enabled\": true},\n"
		      " \"source\": {\"accesses\": 20001, \"footprint\": \"16MiB\"}}\n"));
	sweep(&r, dir, 2, "grid.json", "-q", NULL);
	assert_non_null(strstr(r.err, "holds another sweep"));
	assert_non_null(strstr(r.err, "configuration"));
	tl_run_free(&r);

	plan1 = file_in(dir, "grid-sweep/plan.json");
	assert_string_equal(plan0, plan1);
	same_stamp(s0, stamp_of(dir, "grid-sweep", 0), 0);

	/* a directory with files that is no sweep's */
	free(tl_write(dir, "other/x.txt", "x"));
	free(tl_write(dir, "w.json", small_workload));
	sweep(&r, dir, 2, "grid.json", "-q", "-o", "other", NULL);
	assert_non_null(strstr(r.err, "not a sweep's directory"));
	tl_run_free(&r);
	free(text);
	free(plan0);
	free(plan1);
	tl_rmtree(dir);
}

struct bad_case {
	const char *name;       /* what it proves */
	const char *text;       /* the sweep file bad.json */
	const char *want[3];    /* in the message, besides "bad.json" */
};

/* bad sweep files: exit 2 before any point runs, naming the file and what is wrong */
static void bad_sweep_files_stop_before_running(void **state)
{
	static const struct bad_case cases[] = {
		{ "invalid JSON, with its line and column",
		  "{\"workload\": \"w.json\",\n  \"grid\": {\"seed\" [1]}}\n",
		  { "bad.json:2:", "invalid JSON" } },
		{ "not an object", "[1]", { "top level" } },
		{ "an unknown key",
		  "{\"workload\": \"w.json\", \"grid\": {\"seed\": [1]}, \"gird\": {}}",
		  { "gird: unknown key" } },
		{ "a key given twice",
		  "{\"workload\": \"w.json\", \"grid\": {\"seed\": [1]}, \"grid\": {}}",
		  { "duplicate" } },
		{ "no workload", "{\"grid\": {\"seed\": [1]}}", { "workload: expected" } },
		{ "a workload that is not there",
		  "{\"workload\": \"nope.json\", \"grid\": {\"seed\": [1]}}",
		  { "nope.json", "cannot read" } },
		{ "no grid and no zip", "{\"workload\": \"w.json\", \"set\": {\"seed\": 2}}",
		  { "no points" } },
		{ "an empty list", "{\"workload\": \"w.json\", \"grid\": {\"seed\": []}}",
		  { "grid.seed", "non-empty list" } },
		{ "a list as a value",
		  "{\"workload\": \"w.json\", \"grid\": {\"seed\": [1, [2]]}}",
		  { "grid.seed[1]" } },
		{ "zip lists of different lengths",
		  "{\"workload\": \"w.json\", \"zip\": {\"seed\": [1, 2, 3], "
		  "\"source.pattern\": [\"uniform\", \"zipf\"]}}",
		  { "zip.source.pattern", "2 values", "3" } },
		{ "a key in both the grid and the zip",
		  "{\"workload\": \"w.json\", \"grid\": {\"seed\": [1]}, \"zip\": {\"seed\": [2]}}",
		  { "zip.seed", "twice" } },
		{ "a bad metric",
		  "{\"workload\": \"w.json\", \"grid\": {\"seed\": [1]}, \"metrics\": [\"a b\"]}",
		  { "metrics[0]", "a b" } },
		{ "a bad value in point 1",
		  "{\"workload\": \"w.json\", \"grid\": {\"seed\": [1, 2], "
		  "\"vm.ept_page\": [\"4k\", \"3m\"]}}",
		  { "point 1 of 4", "\"vm.ept_page\":\"3m\"", "expected one of" } },
		{ "an unknown workload key",
		  "{\"workload\": \"w.json\", \"grid\": {\"sead\": [1]}}",
		  { "point 0", "sead", "unknown key" } },
		{ "a bad fixed override",
		  "{\"workload\": \"w.json\", \"set\": {\"cpus\": \"two\"}, \"grid\": {\"seed\": [1]}}",
		  { "point 0", "cpus" } },
	};
	char *dir = scratch(NULL, NULL);

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct bad_case *c = &cases[i];
		struct tl_run r;

		free(tl_write(dir, "bad.json", c->text));
		tl_run(&r, dir, (const char *[]){ "sweep", "bad.json", NULL });
		if (r.status != 2 || !strstr(r.err, "bad.json"))
			fail_msg("%s: exit %d; stderr: %s", c->name, r.status, r.err);
		for (size_t k = 0; k < 3 && c->want[k]; k++)
			if (!strstr(r.err, c->want[k]))
				fail_msg("%s: no \"%s\" in: %s", c->name, c->want[k], r.err);
		if (exists(dir, "bad-sweep"))
			fail_msg("%s: bad-sweep/ was created", c->name);
		tl_run_free(&r);
	}
	tl_rmtree(dir);
}

/* more than 10,000 points: said so, exit 2 */
static void too_many_points(void **state)
{
	char text[4096] = "{\"workload\": \"w.json\", \"grid\": {\"seed\": [";
	char *dir;
	struct tl_run r;

	(void)state;
	for (int i = 0; i < 101; i++)
		snprintf(text + strlen(text), sizeof(text) - strlen(text), "%s%d", i ? "," : "", i);
	strcat(text, "], \"source.accesses\": [");
	for (int i = 0; i < 100; i++)
		snprintf(text + strlen(text), sizeof(text) - strlen(text), "%s%d", i ? "," : "",
			 1000 + i);
	strcat(text, "]}}");
	dir = scratch("big.json", text);
	sweep(&r, dir, 2, "big.json", NULL);
	assert_non_null(strstr(r.err, "too many points"));
	assert_non_null(strstr(r.err, "101 x 100"));
	assert_non_null(strstr(r.err, "10000"));
	tl_run_free(&r);
	tl_rmtree(dir);
}

/*
 * A point whose run fails (a trace that is not one: found only when the
 * run opens it) has no report: exit 1, listed with its log, "failed" in
 * the results, and run again by a rerun.  A point that runs out of
 * simulated memory is a result: its report is there, its status said.
 */
static void failed_and_abnormal_points(void **state)
{
	static const char mixed[] =
		"{\"workload\": \"w.json\",\n"
		" \"set\": {\"source.trace\": \"bad.trace\", \"vm.enabled\": false, \"swap\": 0,\n"
		"         \"source.footprint\": \"128MiB\", \"source.pattern\": \"strided\",\n"
		"         \"source.stride\": 4096},\n"
		" \"zip\": {\"source.kind\": [\"synthetic\", \"synthetic\", \"trace\"],\n"
		"         \"memory\": [\"4GiB\", \"16MiB\", \"4GiB\"]}}\n";
	char *dir = scratch("mixed.json", mixed);
	struct stamp s0, s1;
	struct tl_run r;
	char *csv, l[256];
	json_t *res, *p;

	(void)state;
	free(tl_write(dir, "bad.trace", "hello\n"));
	sweep(&r, dir, 1, "mixed.json", NULL);
	assert_non_null(strstr(r.err, "point 2"));
	assert_non_null(strstr(r.err, "exit status 2"));
	assert_non_null(strstr(r.err, "bad.trace"));
	assert_non_null(strstr(r.err, "mixed-sweep/points/0002.log"));
	assert_non_null(strstr(r.out, "3 points: 3 run, 0 had a report already, 1 failed"));
	tl_run_free(&r);
	assert_false(exists(dir, "mixed-sweep/points/0002.json"));
	csv = file_in(dir, "mixed-sweep/results.csv");
	line(csv, 3, l, sizeof(l));
	assert_string_equal(l, "2,trace,4GiB,failed,,");
	line(csv, 2, l, sizeof(l));
	assert_non_null(strstr(l, "1,synthetic,16MiB,out_of_memory,"));
	res = load_in(dir, "mixed-sweep/results.json");
	p = json_array_get(json_object_get(res, "points"), 2);
	assert_string_equal(json_string_value(json_object_get(p, "status")), "failed");
	assert_true(json_is_null(json_object_get(p, "report")));
	assert_true(json_is_null(json_object_get(json_object_get(p, "metrics"), "cycles.total")));
	json_decref(res);

	/* the rerun runs the failed point only */
	s0 = stamp_of(dir, "mixed-sweep", 0);
	s1 = stamp_of(dir, "mixed-sweep", 1);
	sweep(&r, dir, 1, "mixed.json", NULL);
	assert_non_null(strstr(r.out, "3 points: 1 run, 2 had a report already, 1 failed"));
	tl_run_free(&r);
	same_stamp(s0, stamp_of(dir, "mixed-sweep", 0), 0);
	same_stamp(s1, stamp_of(dir, "mixed-sweep", 1), 1);
	free(csv);
	tl_rmtree(dir);
}

/* --help tells the truth about what is checked here; bad options exit 2 */
static void help_and_usage(void **state)
{
	struct tl_run r;

	(void)state;
	tl_run(&r, NULL, (const char *[]){ "sweep", "--help", NULL });
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "usage: eptsim sweep SWEEP.json [-j N] [-o DIR] [-q]"));
	assert_non_null(strstr(r.out, "10000 points"));
	assert_non_null(strstr(r.out, "results.json"));
	tl_run_free(&r);
	tl_run(&r, NULL, (const char *[]){ "sweep", NULL });
	assert_int_equal(r.status, 2);
	tl_run_free(&r);
	tl_run(&r, NULL, (const char *[]){ "sweep", "x.json", "-j", "0", NULL });
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.err, "-j"));
	tl_run_free(&r);
	tl_run(&r, NULL, (const char *[]){ "sweep", "x.json", "--bogus", NULL });
	assert_int_equal(r.status, 2);
	tl_run_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(grid_runs_each_point_and_tabulates_it),
		cmocka_unit_test(rerun_runs_only_points_without_a_report),
		cmocka_unit_test(interrupted_sweep_resumes),
		cmocka_unit_test(zip_is_one_axis_after_the_grid),
		cmocka_unit_test(points_do_not_check_against_expect),
		cmocka_unit_test(changed_sweep_stops),
		cmocka_unit_test(bad_sweep_files_stop_before_running),
		cmocka_unit_test(too_many_points),
		cmocka_unit_test(failed_and_abnormal_points),
		cmocka_unit_test(help_and_usage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
