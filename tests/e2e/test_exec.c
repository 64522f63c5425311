/*
 * test_exec.c - real programs end to end: `eptsim exec` and program
 * workloads of `eptsim run`.  Every test program prints under eptsim
 * exactly what it prints natively and what its NAME.out says; reports
 * are byte-identical across runs; a SIGSEGV is reported at the faulting
 * instruction and address; unsupported system calls are counted by
 * number; several processes share vCPUs (context switches, PCIDs); bad
 * programs and bad program workloads exit 2 naming the file and place.
 *
 * The programs: every tests/programs/NAME.c (listed at run time), built
 * by make into $EPTSIM_PROGRAMS/NAME, each with its expected standard
 * output in tests/programs/NAME.out.  `stdin` reads tests/programs/
 * stdin.txt; `segv` dies at its store labelled segv_here (found with
 * nm).  The suite runs from the project root.
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include <jansson.h>

#include "tests/lib/testlib.h"

#define SRC_DIR "tests/programs"
#define STDIN_FILE SRC_DIR "/stdin.txt"
#define MAX_PROGS 64
#define MIN_PROGS 7
#define SEGV_ADDR 0x7000deadbeefLL

/* ---- helpers -------------------------------------------------------------- */

/* expected_out - tests/programs/NAME.out */
static char *expected_out(const char *name)
{
	char p[256];
	char *t;

	snprintf(p, sizeof(p), "%s/%s.out", SRC_DIR, name);
	t = tl_read(p, NULL);
	if (!t)
		fail_msg("%s: missing: every test program needs its expected output", p);
	return t;
}

/* get - the member at a dotted path of `j` ("processes" arrays by index: "processes.0.state") */
static json_t *get(json_t *j, const char *path)
{
	char buf[256], *seg, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	for (seg = strtok_r(buf, ".", &save); seg && j; seg = strtok_r(NULL, ".", &save))
		j = json_is_array(j) ? json_array_get(j, strtoul(seg, NULL, 10))
				     : json_object_get(j, seg);
	return j;
}

static long long get_int(json_t *j, const char *path)
{
	json_t *v = get(j, path);

	if (!json_is_integer(v))
		fail_msg("report: %s: missing or not an integer", path);
	return json_integer_value(v);
}

static void assert_str_at(json_t *j, const char *path, const char *want)
{
	const char *s = json_string_value(get(j, path));

	if (!s || strcmp(s, want) != 0)
		fail_msg("report: %s is %s%s%s, want \"%s\"", path, s ? "\"" : "",
			 s ? s : "missing", s ? "\"" : "", want);
}

/* assert_same_text - `got` is `want`, else say which and where they part */
static void assert_same_text(const char *what, const char *got, const char *want)
{
	size_t i = 0;

	if (got && strcmp(got, want) == 0)
		return;
	while (got && got[i] && got[i] == want[i])
		i++;
	fail_msg("%s: differs from the expected output at byte %zu:\n--- got\n%s--- want\n%s",
		 what, i, got ? got : "(nothing)", want);
}

/* assert_has - `text` contains `want` */
static void assert_has(const char *what, const char *text, const char *want)
{
	if (!text || !strstr(text, want))
		fail_msg("%s: expected \"%s\" in:\n%s", what, want, text ? text : "(nothing)");
}

/* sum_of - the sum of an object's integer members */
static long long sum_of(json_t *o)
{
	const char *key;
	long long sum = 0;
	json_t *v;

	if (!json_is_object(o))
		fail_msg("report: expected an object of counts");
	json_object_foreach(o, key, v)
		sum += json_integer_value(v);
	return sum;
}

struct native {
	int status;     /* exit status; 128+signal if killed */
	char *out, *err;
};

/*
 * run_native - run `path` (with one argument `arg`, NULL: none) on the
 * host with standard input from `in` (NULL: /dev/null), its standard
 * output and error captured in files (never a terminal).
 */
static void run_native_arg(struct native *r, const char *path, const char *arg,
			   const char *in)
{
	char *dir = tl_tmpdir();
	char *outp = tl_path(dir, "stdout"), *errp = tl_path(dir, "stderr");
	pid_t pid;
	int st;

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fi = open(in ? in : "/dev/null", O_RDONLY);
		int fo = open(outp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int fe = open(errp, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (fi < 0 || fo < 0 || fe < 0)
			_exit(127);
		dup2(fi, 0);
		dup2(fo, 1);
		dup2(fe, 2);
		execl(path, path, arg, (char *)NULL);
		_exit(127);
	}
	assert_true(waitpid(pid, &st, 0) == pid);
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	r->out = tl_read(outp, NULL);
	r->err = tl_read(errp, NULL);
	free(outp);
	free(errp);
	tl_rmtree(dir);
}

static void run_native(struct native *r, const char *path, const char *in)
{
	run_native_arg(r, path, NULL, in);
}

static void native_free(struct native *r)
{
	free(r->out);
	free(r->err);
}

/*
 * exec_prog - `eptsim exec -q -o REPORT [--stdin stdin.txt] [--set ...] PATH`
 * for program `name` (stdin.txt for `stdin`), the sets NULL-terminated.
 */
static void exec_prog(struct tl_run *r, const char *name, const char *report,
		      const char *const *sets)
{
	const char *args[32] = { "exec", "-q", "-o", report };
	char *path = tl_prog_path(name);
	size_t n = 4;

	if (strcmp(name, "stdin") == 0) {
		args[n++] = "--stdin";
		args[n++] = STDIN_FILE;
	}
	for (; sets && *sets && n + 3 < sizeof(args) / sizeof(args[0]); sets++) {
		args[n++] = "--set";
		args[n++] = *sets;
	}
	args[n++] = path;
	args[n] = NULL;
	tl_run(r, NULL, args);
	free(path);
}

static const char *const vm_sets[] = { "vm.enabled=true", "report.native_baseline=false", NULL };

/*
 * check_program - `name` run natively and under eptsim exec (in a VM if
 * `vm`): the same standard output and error, the expected output, exit
 * 0; the report says it exited 0 and counts its instructions.
 */
static void check_program(const char *name, bool vm, const char *dir)
{
	char *report = tl_path(dir, "r.json"), *path = tl_prog_path(name);
	char *want = expected_out(name);
	char what[128];
	struct native nat;
	struct tl_run r;
	json_t *rep;
	long long insns;

	run_native(&nat, path, strcmp(name, "stdin") == 0 ? STDIN_FILE : NULL);
	snprintf(what, sizeof(what), "%s natively", name);
	if (nat.status != 0)
		fail_msg("%s: exit %d; stderr: %s", what, nat.status, nat.err);
	assert_same_text(what, nat.out, want);

	exec_prog(&r, name, report, vm ? vm_sets : NULL);
	snprintf(what, sizeof(what), "eptsim exec %s%s", name, vm ? " in a VM" : "");
	if (r.status != 0)
		fail_msg("%s: exit %d; stderr: %s", what, r.status, r.err);
	assert_same_text(what, r.out, want);
	/* -q: the program's own standard error only, the same as natively */
	assert_same_text(what, r.err, nat.err);

	rep = tl_load(report);
	assert_str_at(rep, "status.state", "completed");
	assert_int_equal(json_array_size(get(rep, "processes")), 1);
	assert_str_at(rep, "processes.0.program", path);
	assert_str_at(rep, "processes.0.state", "exited");
	assert_int_equal(get_int(rep, "processes.0.exit_code"), 0);
	insns = get_int(rep, "processes.0.instructions");
	assert_true(insns > 0);
	assert_int_equal(tl_counter(rep, "instructions"), insns);
	/* the process's system calls, by kind, add up to the run's */
	assert_int_equal(tl_counter(rep, "syscalls.total"),
			 sum_of(get(rep, "processes.0.syscalls")));
	assert_int_equal(tl_counter(rep, "syscalls.unsupported"),
			 sum_of(get(rep, "processes.0.unsupported_syscalls")));
	if (vm)
		assert_true(tl_counter(rep, "vmx.exits.ept_violation") > 0);
	json_decref(rep);
	tl_run_free(&r);
	native_free(&nat);
	free(want);
	free(path);
	free(report);
}

/* ---- every program, natively and under eptsim -------------------------------- */

static void every_program_prints_what_it_prints_natively(void **state)
{
	char *names[MAX_PROGS];
	char *dir = tl_tmpdir();
	size_t n = tl_list_programs(names, MAX_PROGS), ran = 0;

	(void)state;
	if (n < MIN_PROGS)
		fail_msg("%s: %zu programs, expected at least %d", SRC_DIR, n, MIN_PROGS);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(names[i], "segv") != 0) {
			check_program(names[i], false, dir);
			ran++;
		}
		free(names[i]);
	}
	assert_int_equal(ran, n - 1);
	tl_rmtree(dir);
}

static void programs_in_a_vm_print_the_same_and_take_ept_violations(void **state)
{
	char *dir = tl_tmpdir();

	(void)state;
	check_program("churn", true, dir);
	check_program("stdin", true, dir);
	tl_rmtree(dir);
}

/* ---- determinism ---------------------------------------------------------- */

/* twice - `name` in a VM twice (with the native baseline when `baseline`): the same report bytes */
static void twice(const char *name, bool baseline, const char *dir)
{
	static const char *const with_baseline[] = { "vm.enabled=true", NULL };
	char *a = tl_path(dir, "a.json"), *b = tl_path(dir, "b.json");
	struct tl_run r;

	for (int k = 0; k < 2; k++) {
		exec_prog(&r, name, k ? b : a, baseline ? with_baseline : vm_sets);
		if (r.status != 0)
			fail_msg("eptsim exec %s: exit %d: %s", name, r.status, r.err);
		tl_run_free(&r);
	}
	tl_same_file(a, b);
	if (baseline) {
		json_t *rep = tl_load(a);

		assert_str_at(rep, "overhead.native_status", "completed");
		json_decref(rep);
	}
	free(a);
	free(b);
}

static void program_reports_are_byte_identical(void **state)
{
	char *dir = tl_tmpdir();

	(void)state;
	twice("churn", true, dir);
	twice("hash", false, dir);
	tl_rmtree(dir);
}

/*
 * multi_workload - DIR/multi.json: 2 vCPUs, a timeslice of 50,000
 * instructions, sweep and chase on vCPU 0, hash on vCPU 1, each
 * program's standard output to NAME.txt (relative: in the current
 * directory of the run).  The path, malloc'd.
 */
static const char *const multi_progs[] = { "sweep", "hash", "chase" };
static const int multi_cpus[] = { 0, 1, 0 };

static char *multi_workload(const char *dir)
{
	char text[4096];
	size_t n;

	n = (size_t)snprintf(text, sizeof(text),
			     "{ \"name\": \"three\", \"cpus\": 2, \"timeslice\": 50000,\n"
			     "  \"source\": { \"kind\": \"program\" },\n  \"processes\": [");
	for (size_t i = 0; i < 3; i++) {
		char *p = tl_prog_path(multi_progs[i]);

		n += (size_t)snprintf(text + n, sizeof(text) - n,
				      "%s\n    { \"program\": \"%s\", \"stdout\": \"%s.txt\", \"cpu\": %d }",
				      i ? "," : "", p, multi_progs[i], multi_cpus[i]);
		free(p);
	}
	snprintf(text + n, sizeof(text) - n, " ] }\n");
	return tl_write(dir, "multi.json", text);
}

/* run_multi - eptsim run the workload from `dir` with one --set (NULL: none); the report */
static json_t *run_multi(const char *dir, const char *w, const char *report, const char *set)
{
	const char *args[] = { "run", w, "-q", "-o", report, set ? "--set" : NULL, set, NULL };
	struct tl_run r;

	tl_run(&r, dir, args);
	if (r.status != 0)
		fail_msg("eptsim run %s: exit %d: %s", w, r.status, r.err);
	/* every program's output went to its file */
	assert_string_equal(r.out, "");
	tl_run_free(&r);
	return tl_load(report);
}

static void multi_process_reports_are_byte_identical(void **state)
{
	char *dir = tl_tmpdir();
	char *w = multi_workload(dir);
	char *a = tl_path(dir, "a.json"), *b = tl_path(dir, "b.json");

	(void)state;
	json_decref(run_multi(dir, w, a, NULL));
	json_decref(run_multi(dir, w, b, NULL));
	tl_same_file(a, b);
	free(a);
	free(b);
	free(w);
	tl_rmtree(dir);
}

/* ---- a SIGSEGV ------------------------------------------------------------ */

/* symbol - the address of `sym` in the program at `path`, by nm */
static long long symbol(const char *path, const char *sym)
{
	char cmd[1024], line[512];
	long long addr = -1;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "nm '%s'", path);
	f = popen(cmd, "r");
	if (!f)
		fail_msg("%s: %s", cmd, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		char name[256], type;
		unsigned long long v;

		if (sscanf(line, "%llx %c %255s", &v, &type, name) == 3 &&
		    strcmp(name, sym) == 0)
			addr = (long long)v;
	}
	if (pclose(f) != 0 || addr < 0)
		fail_msg("%s: no symbol %s (is nm installed?)", cmd, sym);
	return addr;
}

/* check_segv - the report of segv: killed at segv_here writing SEGV_ADDR */
static void check_segv(json_t *rep, long long ip)
{
	assert_str_at(rep, "status.state", "killed");
	assert_str_at(rep, "status.signal", "SIGSEGV");
	assert_str_at(rep, "status.access", "write");
	assert_int_equal(get_int(rep, "status.address"), SEGV_ADDR);
	assert_int_equal(get_int(rep, "status.ip"), ip);
	assert_int_equal(get_int(rep, "status.process"), 0);
	assert_int_equal(get_int(rep, "status.cpu"), 0);
	assert_str_at(rep, "processes.0.state", "killed");
	assert_str_at(rep, "processes.0.signal", "SIGSEGV");
	assert_int_equal(get_int(rep, "processes.0.address"), SEGV_ADDR);
	assert_int_equal(get_int(rep, "processes.0.ip"), ip);
	assert_null(get(rep, "processes.0.exit_code"));
	/* the warm-up loop ran: over a million instructions before the store */
	assert_true(get_int(rep, "processes.0.instructions") > 1000000);
	assert_int_equal(tl_counter(rep, "instructions"),
			 get_int(rep, "processes.0.instructions"));
}

static void segv_is_reported_at_the_faulting_store(void **state)
{
	char *dir = tl_tmpdir();
	char *report = tl_path(dir, "r.json"), *path = tl_prog_path("segv");
	char *want = expected_out("segv");
	long long ip = symbol(path, "segv_here");
	struct native nat;
	struct tl_run r;
	json_t *rep;

	(void)state;
	/* natively: the same line, then death by SIGSEGV */
	run_native(&nat, path, NULL);
	assert_int_equal(nat.status, 128 + SIGSEGV);
	assert_same_text("segv natively", nat.out, want);
	native_free(&nat);

	/* with the summary: it names the signal and the address */
	tl_run(&r, NULL, (const char *[]){ "exec", "-o", report, path, NULL });
	if (r.status != 1)
		fail_msg("eptsim exec segv: exit %d, want 1; stderr: %s", r.status, r.err);
	assert_same_text("eptsim exec segv", r.out, want);
	assert_has("eptsim exec segv: stderr", r.err, "SIGSEGV");
	assert_has("eptsim exec segv: stderr", r.err, "0x7000deadbeef");
	tl_run_free(&r);
	rep = tl_load(report);
	check_segv(rep, ip);
	json_decref(rep);

	/* in a VM: the same fault, the same place */
	exec_prog(&r, "segv", report, vm_sets);
	assert_int_equal(r.status, 1);
	assert_same_text("eptsim exec segv in a VM", r.out, want);
	tl_run_free(&r);
	rep = tl_load(report);
	check_segv(rep, ip);
	json_decref(rep);

	/* its argument reaches it: twice the warm-up, another line, as natively */
	run_native_arg(&nat, path, "2", NULL);
	assert_int_equal(nat.status, 128 + SIGSEGV);
	assert_true(strcmp(nat.out, want) != 0);
	tl_run(&r, NULL, (const char *[]){ "exec", "-q", "-o", report, path, "2", NULL });
	assert_int_equal(r.status, 1);
	assert_same_text("eptsim exec segv 2", r.out, nat.out);
	tl_run_free(&r);
	native_free(&nat);
	rep = tl_load(report);
	check_segv(rep, ip);
	json_decref(rep);

	free(want);
	free(path);
	free(report);
	tl_rmtree(dir);
}

/* ---- system calls --------------------------------------------------------- */

/*
 * sys calls getppid (110) and sched_yield (24) through syscall(), which
 * eptsim does not serve: counted apart by number, exactly those (musl
 * issues nothing else eptsim lacks, as strace shows natively); the calls
 * it serves counted by name.
 */
static void unsupported_system_calls_are_counted_by_number(void **state)
{
	char *dir = tl_tmpdir();
	char *report = tl_path(dir, "r.json");
	json_t *rep, *uns, *sys;
	struct tl_run r;

	(void)state;
	/* its output, natively too, is checked with every program above */
	exec_prog(&r, "sys", report, NULL);
	if (r.status != 0)
		fail_msg("eptsim exec sys: exit %d: %s", r.status, r.err);
	assert_same_text("eptsim exec sys", r.out, "uname: sysname Linux\n"
			 "clock_gettime: ok\ngetrandom: 24 bytes\n"
			 "ioctl TIOCGWINSZ on stdout: -1, ENOTTY\n");
	tl_run_free(&r);
	rep = tl_load(report);
	uns = get(rep, "processes.0.unsupported_syscalls");
	assert_true(json_is_object(uns));
	assert_int_equal(json_object_size(uns), 2);
	assert_int_equal(get_int(uns, "24"), 1);
	assert_int_equal(get_int(uns, "110"), 1);
	assert_int_equal(tl_counter(rep, "syscalls.unsupported"), 2);
	/* every call, served or not, in "syscalls": they add up to the total */
	sys = get(rep, "processes.0.syscalls");
	assert_int_equal(get_int(sys, "24"), 1);
	assert_int_equal(get_int(sys, "110"), 1);
	assert_int_equal(get_int(sys, "uname"), 1);
	assert_int_equal(get_int(sys, "getrandom"), 1);
	assert_true(get_int(sys, "ioctl") >= 1);
	assert_int_equal(get_int(sys, "exit_group"), 1);
	assert_int_equal(tl_counter(rep, "syscalls.total"), sum_of(sys));
	json_decref(rep);
	free(report);
	tl_rmtree(dir);
}

/* ---- several processes ---------------------------------------------------- */

/*
 * Three processes on two vCPUs, each printing to its own file: every
 * file is the program's expected output, processes switch on vCPU 0
 * (each switch loads CR3), the processes' instructions add up to the
 * run's.  Without PCIDs a switch flushes the TLBs: more STLB misses, the
 * same switches.
 */
static void processes_share_vcpus_and_pcids_keep_their_entries(void **state)
{
	char *dir = tl_tmpdir();
	char *w = multi_workload(dir);
	char *ra = tl_path(dir, "pcid.json"), *rb = tl_path(dir, "nopcid.json");
	json_t *a, *b;
	long long sum = 0;

	(void)state;
	a = run_multi(dir, w, ra, NULL);
	for (size_t i = 0; i < 3; i++) {
		char name[64], idx[64], *file, *out, *want = expected_out(multi_progs[i]);

		snprintf(name, sizeof(name), "%s.txt", multi_progs[i]);
		file = tl_path(dir, name);
		out = tl_read(file, NULL);
		assert_same_text(name, out, want);
		free(out);
		free(file);
		free(want);
		snprintf(idx, sizeof(idx), "processes.%zu.state", i);
		assert_str_at(a, idx, "exited");
		snprintf(idx, sizeof(idx), "processes.%zu.exit_code", i);
		assert_int_equal(get_int(a, idx), 0);
		snprintf(idx, sizeof(idx), "processes.%zu.cpu", i);
		assert_int_equal(get_int(a, idx), multi_cpus[i]);
		snprintf(idx, sizeof(idx), "processes.%zu.instructions", i);
		assert_true(get_int(a, idx) > 0);
		sum += get_int(a, idx);
	}
	assert_int_equal(json_array_size(get(a, "processes")), 3);
	assert_str_at(a, "status.state", "completed");
	assert_int_equal(tl_counter(a, "instructions"), sum);
	assert_true(tl_counter(a, "cpu.context_switches") > 0);
	assert_true(tl_counter(a, "cpu.cr3_writes") >= tl_counter(a, "cpu.context_switches"));
	/* vCPU 0 switches, vCPU 1 runs hash alone */
	assert_true(get_int(a, "cpus.0.counters.cpu.context_switches") > 0);
	assert_int_equal(get_int(a, "cpus.1.counters.cpu.context_switches"), 0);

	b = run_multi(dir, w, rb, "pcid=false");
	assert_int_equal(tl_counter(b, "cpu.context_switches"),
			 tl_counter(a, "cpu.context_switches"));
	assert_int_equal(tl_counter(b, "instructions"), sum);
	if (tl_counter(b, "tlb.stlb.misses") <= tl_counter(a, "tlb.stlb.misses"))
		fail_msg("STLB misses: %lld without PCIDs, %lld with: expected more without",
			 tl_counter(b, "tlb.stlb.misses"), tl_counter(a, "tlb.stlb.misses"));
	json_decref(a);
	json_decref(b);
	free(ra);
	free(rb);
	free(w);
	tl_rmtree(dir);
}

/*
 * Relative "program" and "stdin" paths of a workload file resolve
 * against the file's directory, not the current one.
 */
static void relative_paths_resolve_against_the_workload(void **state)
{
	char *dir = tl_tmpdir();
	char *prog = tl_prog_path("stdin"), *in = realpath(STDIN_FILE, NULL);
	char *sub = tl_path(dir, "sub"), *lp, *li, *w, *rp = tl_path(dir, "r.json");
	struct tl_run r;
	json_t *rep;

	(void)state;
	assert_non_null(in);
	w = tl_write(dir, "sub/w.json",
		     "{ \"source\": { \"kind\": \"program\" },\n"
		     "  \"processes\": [ { \"program\": \"prog\", \"stdin\": \"in.txt\" } ] }\n");
	lp = tl_path(sub, "prog");
	li = tl_path(sub, "in.txt");
	assert_int_equal(symlink(prog, lp), 0);
	assert_int_equal(symlink(in, li), 0);
	/* run from dir: neither prog nor in.txt is there */
	tl_run(&r, dir, (const char *[]){ "run", "sub/w.json", "-q", "-o", rp, NULL });
	if (r.status != 0)
		fail_msg("eptsim run sub/w.json: exit %d: %s", r.status, r.err);
	{
		char *want = expected_out("stdin");

		assert_same_text("stdin from sub/in.txt", r.out, want);
		free(want);
	}
	tl_run_free(&r);
	rep = tl_load(rp);
	assert_str_at(rep, "processes.0.program", "sub/prog");
	json_decref(rep);
	free(lp);
	free(li);
	free(w);
	free(rp);
	free(sub);
	free(in);
	free(prog);
	tl_rmtree(dir);
}

/* ---- bad input ------------------------------------------------------------ */

/*
 * One row per kind of bad program or program workload: exit 2 and a
 * message naming the file and the place.  In args and expect, "%D"
 * stands for the scratch directory, "%P" for the programs' directory.
 * The scratch directory holds (make_inputs): text.txt; trunc (sweep cut
 * to 100 bytes); e32 (sweep marked 32-bit); interp (sweep with a
 * PT_INTERP program header, as a dynamically linked program has); and
 * the workloads W.json of `workloads`.
 */
struct bad_exec {
	const char *name;
	const char *args[8];
	const char *expect[3];
};

static const struct bad_exec bad_cases[] = {
	{ "a text file is not an ELF file", { "exec", "%D/text.txt" },
	  { "%D/text.txt: byte 0", "not an ELF file" } },
	{ "a program with PT_INTERP is dynamically linked", { "exec", "%D/interp" },
	  { "%D/interp: program header ", "PT_INTERP" } },
	{ "a system program is not static", { "exec", "/bin/true" },
	  { "/bin/true: ", "static" } },
	{ "a missing program cannot be read", { "exec", "%D/missing" },
	  { "%D/missing: cannot read" } },
	{ "a directory is not a program", { "exec", "%P" },
	  { "%P: cannot read" } },
	{ "a truncated ELF file", { "exec", "%D/trunc" },
	  { "%D/trunc: byte 32", "past the end of the file (100 bytes)" } },
	{ "a 32-bit ELF file", { "exec", "%D/e32" },
	  { "%D/e32: byte 4", "32-bit" } },
	{ "a missing stdin file", { "exec", "--stdin", "%D/missing.txt", "%P/stdin" },
	  { "%D/missing.txt: cannot read" } },
	{ "exec without a program", { "exec" },
	  { "eptsim exec: missing the program to run", "eptsim exec --help" } },
	{ "exec with options but no program", { "exec", "-q", "-o", "%D/r.json" },
	  { "eptsim exec: missing the program to run", "eptsim exec --help" } },
	{ "exec with an unknown option", { "exec", "--frobnicate", "%P/sweep" },
	  { "unknown option '--frobnicate'", "eptsim exec --help" } },
	{ "a process on a vCPU that does not exist", { "run", "%D/cpu.json" },
	  { "%D/cpu.json: processes[0].cpu", "cpus is 2" } },
	{ "an unknown key in a process", { "run", "%D/key.json" },
	  { "%D/key.json: processes[0].colour: unknown key" } },
	{ "an mmap event with a program source", { "run", "%D/mmap.json" },
	  { "%D/mmap.json: events", "\"mmap\"", "source.kind \"program\"" } },
	{ "a program source without processes", { "run", "%D/noproc.json" },
	  { "%D/noproc.json: source.kind", "\"processes\"" } },
	{ "processes with a synthetic source", { "run", "%D/synth.json" },
	  { "%D/synth.json: processes", "source.kind \"program\"" } },
};

/* the workloads of the bad cases; "%P" as above */
static const char *const workloads[][2] = {
	{ "cpu.json", "{ \"cpus\": 2, \"source\": { \"kind\": \"program\" },\n"
		      "  \"processes\": [ { \"program\": \"%P/sweep\", \"cpu\": 2 } ] }\n" },
	{ "key.json", "{ \"source\": { \"kind\": \"program\" },\n"
		      "  \"processes\": [ { \"program\": \"%P/sweep\", \"colour\": \"red\" } ] }\n" },
	{ "mmap.json", "{ \"source\": { \"kind\": \"program\" },\n"
		       "  \"processes\": [ { \"program\": \"%P/sweep\" } ],\n"
		       "  \"events\": [ { \"at\": 10, \"do\": \"mmap\", \"offset\": 0, \"length\": 4096 } ] }\n" },
	{ "noproc.json", "{ \"source\": { \"kind\": \"program\" } }\n" },
	{ "synth.json", "{ \"processes\": [ { \"program\": \"%P/sweep\" } ] }\n" },
};

/* subst - `s` with %D and %P replaced (malloc'd) */
static char *subst(const char *s, const char *dir, const char *progs)
{
	size_t cap = strlen(s) * 2 + 8 * (strlen(dir) + strlen(progs)) + 1, n = 0;
	char *o = malloc(cap);

	assert_non_null(o);
	for (; *s; s++) {
		const char *rep = s[0] == '%' && s[1] == 'D' ? dir
				  : s[0] == '%' && s[1] == 'P' ? progs : NULL;

		if (rep) {
			size_t l = strlen(rep);

			assert_true(n + l < cap);
			memcpy(o + n, rep, l);
			n += l;
			s++;
		} else {
			assert_true(n + 1 < cap);
			o[n++] = *s;
		}
	}
	o[n] = '\0';
	return o;
}

/* write_bytes - DIR/NAME holding `len` bytes of `b` */
static void write_bytes(const char *dir, const char *name, const unsigned char *b, size_t len)
{
	char *p = tl_path(dir, name);
	FILE *f = fopen(p, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(b, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	free(p);
}

static uint64_t le(const unsigned char *b, unsigned n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | b[n];
	return v;
}

/* make_inputs - the files of the bad cases in `dir` */
static void make_inputs(const char *dir, const char *progs)
{
	char *sweep = tl_prog_path("sweep");
	size_t len, i;
	unsigned char *img = (unsigned char *)tl_read(sweep, &len);
	unsigned char *copy;
	uint64_t phoff;
	unsigned phnum, phentsz;
	bool patched = false;

	assert_non_null(img);
	assert_true(len > 4096);
	free(tl_write(dir, "text.txt", "hello, I am not a program\n"));
	write_bytes(dir, "trunc", img, 100);
	copy = malloc(len);
	assert_non_null(copy);
	memcpy(copy, img, len);
	copy[4] = 1;            /* EI_CLASS: ELFCLASS32 */
	write_bytes(dir, "e32", copy, len);
	/* PT_GNU_STACK -> PT_INTERP: the header a dynamic program has */
	memcpy(copy, img, len);
	phoff = le(img + 32, 8);
	phentsz = (unsigned)le(img + 54, 2);
	phnum = (unsigned)le(img + 56, 2);
	for (i = 0; i < phnum; i++) {
		unsigned char *ph = copy + phoff + i * phentsz;

		if (le(ph, 4) == 0x6474e551) {  /* PT_GNU_STACK */
			ph[0] = 3;      /* PT_INTERP */
			ph[1] = ph[2] = ph[3] = 0;
			patched = true;
			break;
		}
	}
	assert_true(patched);
	write_bytes(dir, "interp", copy, len);
	for (i = 0; i < sizeof(workloads) / sizeof(workloads[0]); i++) {
		char *text = subst(workloads[i][1], dir, progs);

		free(tl_write(dir, workloads[i][0], text));
		free(text);
	}
	free(copy);
	free(img);
	free(sweep);
}

static void bad_programs_and_workloads_exit_2_naming_file_and_place(void **state)
{
	char *dir = tl_tmpdir();
	char *progs = realpath(tl_programs_dir(), NULL);

	(void)state;
	assert_non_null(progs);
	make_inputs(dir, progs);
	for (size_t c = 0; c < sizeof(bad_cases) / sizeof(bad_cases[0]); c++) {
		const struct bad_exec *bc = &bad_cases[c];
		char *args[8] = { NULL };
		struct tl_run r;
		size_t n;

		for (n = 0; bc->args[n]; n++)
			args[n] = subst(bc->args[n], dir, progs);
		tl_run(&r, NULL, (const char *const *)args);
		if (r.status != 2)
			fail_msg("%s: exit %d, want 2; stderr: %s", bc->name, r.status, r.err);
		for (size_t k = 0; k < 3 && bc->expect[k]; k++) {
			char *want = subst(bc->expect[k], dir, progs);

			assert_has(bc->name, r.err, want);
			free(want);
		}
		/* nothing ran: no program output */
		assert_string_equal(r.out, "");
		tl_run_free(&r);
		for (n = 0; args[n]; n++)
			free(args[n]);
	}
	free(progs);
	tl_rmtree(dir);
}

static void exec_help_shows_the_usage(void **state)
{
	struct tl_run r;

	(void)state;
	tl_run(&r, NULL, (const char *[]){ "exec", "--help", NULL });
	assert_int_equal(r.status, 0);
	assert_has("eptsim exec --help", r.out, "usage: eptsim exec");
	assert_has("eptsim exec --help", r.out, "PROGRAM [ARGS...]");
	tl_run_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_program_prints_what_it_prints_natively),
		cmocka_unit_test(programs_in_a_vm_print_the_same_and_take_ept_violations),
		cmocka_unit_test(program_reports_are_byte_identical),
		cmocka_unit_test(multi_process_reports_are_byte_identical),
		cmocka_unit_test(segv_is_reported_at_the_faulting_store),
		cmocka_unit_test(unsupported_system_calls_are_counted_by_number),
		cmocka_unit_test(processes_share_vcpus_and_pcids_keep_their_entries),
		cmocka_unit_test(relative_paths_resolve_against_the_workload),
		cmocka_unit_test(bad_programs_and_workloads_exit_2_naming_file_and_place),
		cmocka_unit_test(exec_help_shows_the_usage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
