/*
 * test_progress.c - the progress line end to end.  With standard error on
 * a pseudo-terminal, `eptsim run` and `eptsim sweep` draw a line of
 * progress there, redrawn in place and erased at the end, and the report
 * is the same bytes as without a terminal; without a terminal, or with
 * TERM=dumb, not a byte of it is printed.
 */
#define _XOPEN_SOURCE 700       /* posix_openpt, grantpt, unlockpt, ptsname */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "tests/lib/testlib.h"

/* workloads/default.json: 2,000,000 accesses, then as many natively; about 1.6 s, some eight redraws */

struct pty_run {
	int status;
	char *term;             /* what reached the terminal */
	size_t len;
};

/*
 * pty_run - eptsim ARGS from `cwd` with standard error on a new
 * pseudo-terminal (TERM=`term`), standard output to /dev/null; what the
 * terminal received.
 */
static void pty_run(struct pty_run *pr, const char *cwd, const char *term,
		    const char *const *args)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY);
	char exe[4096], buf[4096];
	size_t cap = 0;
	pid_t pid;
	int ws;

	assert_true(m >= 0);
	assert_int_equal(grantpt(m), 0);
	assert_int_equal(unlockpt(m), 0);
	if (!realpath(tl_eptsim(), exe))
		fail_msg("%s: not found", tl_eptsim());
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		const char *argv[16] = { "eptsim" };
		int s = open(ptsname(m), O_RDWR | O_NOCTTY);
		int null = open("/dev/null", O_RDWR);

		for (size_t i = 0; args[i] && i < 14; i++)
			argv[i + 1] = args[i];
		if (s < 0 || null < 0 || (cwd && chdir(cwd) != 0))
			_exit(127);
		close(m);
		dup2(null, 0);
		dup2(null, 1);
		dup2(s, 2);
		setenv("TERM", term, 1);
		execv(exe, (char *const *)argv);
		_exit(127);
	}
	pr->term = NULL;
	pr->len = 0;
	/* read while it runs, until the last holder of the terminal's end is gone (EIO) */
	for (;;) {
		ssize_t n = read(m, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (pr->len + (size_t)n + 1 > cap) {
			cap = 2 * cap + sizeof(buf) + 1;
			pr->term = realloc(pr->term, cap);
			assert_non_null(pr->term);
		}
		memcpy(pr->term + pr->len, buf, (size_t)n);
		pr->len += (size_t)n;
	}
	close(m);
	if (!pr->term)
		pr->term = calloc(1, 1);
	pr->term[pr->len] = '\0';
	assert_int_equal(waitpid(pid, &ws, 0), pid);
	pr->status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
}

/* ends_erased - the terminal's last bytes erase the line: "\r" ESC [ K */
static int ends_erased(const struct pty_run *pr)
{
	return pr->len >= 4 && memcmp(pr->term + pr->len - 4, "\r\033[K", 4) == 0;
}

/*
 * On a terminal: accesses, the total, the rate and the time left, drawn
 * in place and erased; the report is the one a run without a terminal
 * writes, whose standard error has nothing of the line.
 */
static void run_draws_on_a_terminal_only(void **state)
{
	char *dir = tl_tmpdir();
	char *a = tl_path(dir, "a.json"), *b = tl_path(dir, "b.json");
	struct pty_run pr;
	struct tl_run r;

	(void)state;
	pty_run(&pr, NULL, "xterm", (const char *[]){ "run", "workloads/default.json", "-o", a,
					      NULL });
	assert_int_equal(pr.status, 0);
	if (!strstr(pr.term, " accesses (") || !strstr(pr.term, " left") ||
	    !strstr(pr.term, "/s, ") || !strstr(pr.term, "\033[K"))
		fail_msg("no progress line on the terminal: %s", pr.term);
	/* a VM with its native baseline: two phases, each named */
	assert_non_null(strstr(pr.term, "\rrun 1/2: "));
	assert_non_null(strstr(pr.term, "of 2.0M accesses"));
	assert_true(ends_erased(&pr));
	free(pr.term);

	tl_run(&r, NULL, (const char *[]){ "run", "workloads/default.json", "-o", b, NULL });
	assert_int_equal(r.status, 0);
	if (strchr(r.err, '\r') || strchr(r.err, '\033') || strstr(r.err, "left"))
		fail_msg("a progress line without a terminal: %s", r.err);
	tl_run_free(&r);
	tl_same_file(a, b);
	free(a);
	free(b);
	tl_rmtree(dir);
}

/* TERM=dumb, or -q: no line even on a terminal */
static void no_line_for_a_dumb_terminal_or_quiet(void **state)
{
	static const char *const args[] = { "run", "workloads/default.json", "--set",
					    "source.accesses=600000", "-o", "-", NULL };
	static const char *const quiet[] = { "run", "workloads/default.json", "--set",
					     "source.accesses=600000", "-q", "-o", "/dev/null",
					     NULL };
	struct pty_run pr;

	(void)state;
	pty_run(&pr, NULL, "dumb", args);
	assert_int_equal(pr.status, 0);
	if (strchr(pr.term, '\r' ) && strstr(pr.term, " left"))
		fail_msg("a progress line on a dumb terminal: %s", pr.term);
	assert_null(strstr(pr.term, "\033[K"));
	/* the summary reaches the terminal as usual */
	assert_non_null(strstr(pr.term, "status: completed"));
	free(pr.term);
	pty_run(&pr, NULL, "xterm", quiet);
	assert_int_equal(pr.status, 0);
	assert_int_equal(pr.len, 0);
	free(pr.term);
}

/* a sweep's line: points done of all, running, time left; erased before the summary */
static void sweep_draws_points_on_a_terminal(void **state)
{
	char *dir = tl_tmpdir();
	struct pty_run pr;

	(void)state;
	free(tl_write(dir, "w.json",
		      "{\"cpus\": 1, \"source\": {\"accesses\": 500000, \"pattern\": \"zipf\","
		      " \"footprint\": \"256MiB\"}}\n"));
	free(tl_write(dir, "s.json", "{\"workload\": \"w.json\", \"zip\": {\"seed\": [1, 2, 3]}}\n"));
	pty_run(&pr, dir, "xterm", (const char *[]){ "sweep", "s.json", "-j", "1", NULL });
	assert_int_equal(pr.status, 0);
	if (!strstr(pr.term, "\rsweep: ") || !strstr(pr.term, " of 3 points, 1 running, ") ||
	    !strstr(pr.term, " left"))
		fail_msg("no sweep progress line on the terminal: %s", pr.term);
	assert_true(ends_erased(&pr));
	free(pr.term);
	tl_rmtree(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(run_draws_on_a_terminal_only),
		cmocka_unit_test(no_line_for_a_dumb_terminal_or_quiet),
		cmocka_unit_test(sweep_draws_points_on_a_terminal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
