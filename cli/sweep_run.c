/*
 * sweep_run.c - the workers of `eptsim sweep`.
 *
 * Each point runs in a child forked from this single-threaded process (no
 * exec: the child already has the sweep in memory).  The child loads the
 * point's configuration, runs it with its standard output and error in
 * points/NNNN.log, writes points/NNNN.json (through NNNN.json.tmp renamed
 * into place, so a report that exists is complete) and exits with the
 * run's status: 0 completed, 1 ended abnormally (with a report), 2 or 3
 * failed (no report).
 *
 * A child tells its progress over its own pipe, in fixed-size records
 * well under PIPE_BUF, so each write arrives whole; the end of the pipe
 * (EOF) says the child is gone.  The parent polls the pipes and a
 * signalfd for SIGINT and SIGTERM (blocked, so no handler and no global
 * flag): on either it kills the running children, removes their partial
 * files and exits 128 + the signal.  The points that had finished keep
 * their reports; running the sweep again runs only the others.
 *
 * Wall time is read only for the progress line; which worker runs which
 * point, and when, changes no file but the logs' timing.
 */
#define _GNU_SOURCE     /* signalfd */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/progress.h"
#include "cli/sweep.h"
#include "eptsim.h"

/* one progress record of a worker */
struct sweep_msg {
	uint64_t sm_accesses;   /* made so far in this phase */
	uint64_t sm_expected;   /* the phase's accesses, 0: not known */
	int32_t sm_phase;
	int32_t sm_phases;
	int32_t sm_done;        /* the phase ended */
	int32_t sm_pad;
};
_Static_assert(sizeof(struct sweep_msg) <= PIPE_BUF, "a record is one atomic pipe write");

/* a worker as the parent sees it */
struct slot {
	pid_t sl_pid;           /* 0: the slot is free */
	int sl_fd;              /* the read end of its pipe */
	size_t sl_point;
	double sl_start;        /* when it started */
	double sl_phase_at;     /* when its current phase began */
	struct sweep_msg sl_msg;        /* its last record */
	unsigned char sl_buf[sizeof(struct sweep_msg)];
	size_t sl_have;         /* bytes of the next record read so far */
};

/* the state of one sweep_run */
struct runner {
	const struct sweep *ru_sw;
	const char *ru_dir;
	size_t *ru_todo;        /* the points to run, in order */
	size_t ru_ntodo, ru_next;
	struct slot *ru_slots;
	int ru_nslots, ru_running;
	size_t ru_ended;        /* points run now that ended */
	double ru_dsum;         /* ... their durations in seconds */
	int ru_sfd;             /* signalfd: SIGINT, SIGTERM */
	sigset_t ru_oldmask;
	struct progress *ru_pg;
	struct sweep_stats *ru_st;
};

/* the worker's side of its pipe */
struct teller {
	int te_fd;
};

/* tell - an eptsim_progress_fn: one record down the pipe */
static void tell(void *arg, const struct eptsim_progress *p)
{
	const struct teller *te = arg;
	struct sweep_msg m = {
		.sm_accesses = p->accesses, .sm_expected = p->expected,
		.sm_phase = p->phase, .sm_phases = p->phases, .sm_done = p->done,
	};
	ssize_t n;

	/* a failed write means the parent is gone: the run goes on regardless */
	do
		n = write(te->te_fd, &m, sizeof(m));
	while (n < 0 && errno == EINTR);
}

/*
 * worker - the child for `point`: run it and exit with its status.  Its
 * output goes to the point's log; it never returns.
 */
static _Noreturn void worker(const struct runner *ru, size_t point, int wfd)
{
	struct eptsim_error err = { { 0 } };
	struct eptsim_config *cfg = NULL;
	struct eptsim_result *res = NULL;
	struct teller te = { wfd };
	struct eptsim_run_opts ro = { .progress = tell, .arg = &te };
	char report[4096], log[4096];
	char **sets;
	size_t nsets = 0;
	int fd, status, rc;

	sigprocmask(SIG_SETMASK, &ru->ru_oldmask, NULL);
	close(ru->ru_sfd);
	for (int k = 0; k < ru->ru_nslots; k++)
		if (ru->ru_slots[k].sl_pid)
			close(ru->ru_slots[k].sl_fd);
	if (sweep_path(report, sizeof(report), ru->ru_dir, point, "json") < 0 ||
	    sweep_path(log, sizeof(log), ru->ru_dir, point, "log") < 0)
		_exit(EXIT_USAGE);
	fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0666);
	if (fd < 0)
		_exit(EXIT_USAGE);
	dup2(fd, STDOUT_FILENO);
	dup2(fd, STDERR_FILENO);
	close(fd);
	fd = open("/dev/null", O_RDONLY);
	if (fd >= 0) {
		dup2(fd, STDIN_FILENO);
		close(fd);
	}
	sets = sweep_sets(ru->ru_sw, point, &nsets);
	if (!sets) {
		fprintf(stderr, "eptsim: out of memory\n");
		_exit(EXIT_INTERNAL);
	}
	status = load_workload(ru->ru_sw->sw_wpath, (const char *const *)sets, nsets, &cfg);
	if (status != EXIT_DONE)
		goto out;
	rc = eptsim_run_ex(cfg, &ro, &res, &err);
	if (rc == 0) {
		fflush(stdout);
		rc = eptsim_report_write(res, report, &err);
	}
	if (rc < 0) {
		fprintf(stderr, "eptsim: %s\n", err.msg);
		status = rc == -ENOMEM ? EXIT_INTERNAL : EXIT_USAGE;
		goto out;
	}
	eptsim_summary_print(res, stdout);
	status = eptsim_result_status(res) == EPTSIM_COMPLETED ? EXIT_DONE : EXIT_ABNORMAL;
	if (status == EXIT_ABNORMAL)
		fprintf(stderr, "eptsim: the simulation ended abnormally: %s\n",
			eptsim_status_name(eptsim_result_status(res)));
out:
	fflush(stdout);
	fflush(stderr);
	/* _exit: the parent's stdio buffers and exit handlers are not this process's */
	_exit(status);
}

/* unlink_tmp - remove point i's partial report, if a worker left one */
static void unlink_tmp(const struct runner *ru, size_t i)
{
	char p[4096];

	if (sweep_path(p, sizeof(p), ru->ru_dir, i, "json.tmp") == 0)
		unlink(p);
}

/* spawn - start the worker of `point` in slot `sl`; 0 or -errno */
static int spawn(struct runner *ru, struct slot *sl, size_t point, double now)
{
	int fds[2];
	pid_t pid;

	unlink_tmp(ru, point);  /* left by an interrupted sweep */
	if (pipe(fds) != 0)
		return -errno;
	fflush(NULL);   /* or the child would write the parent's buffers again */
	pid = fork();
	if (pid < 0) {
		int e = errno;

		close(fds[0]);
		close(fds[1]);
		return -e;
	}
	if (pid == 0) {
		close(fds[0]);
		worker(ru, point, fds[1]);
	}
	close(fds[1]);
	memset(sl, 0, sizeof(*sl));
	sl->sl_pid = pid;
	sl->sl_fd = fds[0];
	sl->sl_point = point;
	sl->sl_start = sl->sl_phase_at = now;
	ru->ru_running++;
	return 0;
}

/* reap - the worker of `sl` has closed its pipe: wait for it and note how it ended */
static void reap(struct runner *ru, struct slot *sl, double now)
{
	struct sweep_stats *st = ru->ru_st;
	int ws = 0, status;
	pid_t r;

	do
		r = waitpid(sl->sl_pid, &ws, 0);
	while (r < 0 && errno == EINTR);
	status = r < 0 ? EXIT_INTERNAL : WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
	close(sl->sl_fd);
	unlink_tmp(ru, sl->sl_point);
	if (!((status == EXIT_DONE || status == EXIT_ABNORMAL) &&
	      sweep_has_report(ru->ru_dir, sl->sl_point)))
		st->st_failed[st->st_nfailed++] = (struct sweep_failure){ sl->sl_point, status };
	ru->ru_dsum += now - sl->sl_start;
	ru->ru_ended++;
	ru->ru_running--;
	sl->sl_pid = 0;
}

/* take - the record `m` from the worker of `sl` */
static void take(struct slot *sl, const struct sweep_msg *m, double now)
{
	if (m->sm_phase != sl->sl_msg.sm_phase)
		sl->sl_phase_at = now;  /* a phase began that no record ended */
	sl->sl_msg = *m;
	if (m->sm_done) {
		/* the next phase starts now, from 0 */
		sl->sl_msg.sm_phase++;
		sl->sl_msg.sm_accesses = 0;
		sl->sl_phase_at = now;
	}
}

/* drain - read what the worker of `sl` sent; reap it at the end of its pipe */
static void drain(struct runner *ru, struct slot *sl, double now)
{
	unsigned char buf[64 * sizeof(struct sweep_msg)];
	ssize_t n = read(sl->sl_fd, buf, sizeof(buf));

	if (n < 0 && errno == EINTR)
		return;
	if (n <= 0) {
		reap(ru, sl, now);
		return;
	}
	for (ssize_t i = 0; i < n; i++) {
		sl->sl_buf[sl->sl_have++] = buf[i];
		if (sl->sl_have == sizeof(sl->sl_buf)) {
			struct sweep_msg m;

			memcpy(&m, sl->sl_buf, sizeof(m));
			sl->sl_have = 0;
			take(sl, &m, now);
		}
	}
}

/* fraction - how much of its run the worker of `sl` has made, or -1 when unknown */
static double fraction(const struct slot *sl)
{
	const struct sweep_msg *m = &sl->sl_msg;
	double f;

	if (m->sm_phases <= 0)
		return 0;               /* no record yet: just started */
	if (m->sm_phase >= m->sm_phases)
		return 1;
	if (m->sm_expected == 0)
		return -1;              /* programs, traces: no total known */
	f = (double)m->sm_accesses / (double)m->sm_expected;
	return ((double)m->sm_phase + (f < 1 ? f : 1)) / m->sm_phases;
}

/*
 * draw - the sweep's progress line: points done, running, the accesses
 * and rate of the running points, and the time left, from the mean
 * duration of the points ended so far (or, before any, from how far the
 * running ones are), the points not started and what the running have
 * still to do, shared among the workers.
 */
static void draw(struct runner *ru, double now)
{
	const struct sweep_stats *st = ru->ru_st;
	double rate = 0, point = -1, work = (double)(ru->ru_ntodo - ru->ru_next);
	double est = 0;
	size_t nest = 0, busy;
	uint64_t acc = 0;
	char a[32], r[32], left[64], text[256];

	if (!ru->ru_pg || !progress_due(ru->ru_pg, now))
		return;
	for (int k = 0; k < ru->ru_nslots; k++) {
		const struct slot *sl = &ru->ru_slots[k];
		double f = fraction(sl), el = now - sl->sl_phase_at;

		if (!sl->sl_pid)
			continue;
		acc += sl->sl_msg.sm_accesses;
		if (el > 0)
			rate += (double)sl->sl_msg.sm_accesses / el;
		if (f >= 0.02) {
			est += (now - sl->sl_start) / f;
			nest++;
		}
	}
	if (ru->ru_ended)
		point = ru->ru_dsum / (double)ru->ru_ended;
	else if (nest)
		point = est / (double)nest;
	for (int k = 0; k < ru->ru_nslots; k++) {
		const struct slot *sl = &ru->ru_slots[k];
		double f = fraction(sl);

		if (!sl->sl_pid)
			continue;
		if (f < 0 && point > 0)         /* no total: guess from the time */
			f = (now - sl->sl_start) / point < 0.95 ? (now - sl->sl_start) / point : 0.95;
		work += f < 0 ? 1 : 1 - f;
	}
	busy = ru->ru_ntodo - ru->ru_next + (size_t)ru->ru_running;
	if ((size_t)ru->ru_nslots < busy)
		busy = (size_t)ru->ru_nslots;
	left[0] = '\0';
	if (point > 0 && busy > 0) {
		char c[32];

		progress_clock(c, sizeof(c), work * point / (double)busy);
		snprintf(left, sizeof(left), ", %s left", c);
	}
	progress_count(a, sizeof(a), acc);
	progress_count(r, sizeof(r), (uint64_t)rate);
	snprintf(text, sizeof(text), "sweep: %zu of %zu points, %d running, %s accesses, %s/s%s",
		 st->st_skipped + ru->ru_ended, ru->ru_sw->sw_npoints, ru->ru_running, a, r,
		 left);
	progress_show(ru->ru_pg, text, now);
}

/* kill_all - kill the running workers and remove their partial reports */
static void kill_all(struct runner *ru)
{
	for (int k = 0; k < ru->ru_nslots; k++)
		if (ru->ru_slots[k].sl_pid)
			kill(ru->ru_slots[k].sl_pid, SIGKILL);
	for (int k = 0; k < ru->ru_nslots; k++) {
		struct slot *sl = &ru->ru_slots[k];

		if (!sl->sl_pid)
			continue;
		while (waitpid(sl->sl_pid, NULL, 0) < 0 && errno == EINTR)
			;
		close(sl->sl_fd);
		unlink_tmp(ru, sl->sl_point);
		sl->sl_pid = 0;
	}
	ru->ru_running = 0;
	progress_close(ru->ru_pg);
	ru->ru_pg = NULL;
}

/* interrupt - SIGINT or SIGTERM: stop, say how to resume; 128 + signo */
static int interrupt(struct runner *ru, int signo)
{
	size_t have = 0;

	kill_all(ru);
	for (size_t i = 0; i < ru->ru_sw->sw_npoints; i++)
		have += (size_t)sweep_has_report(ru->ru_dir, i);
	fprintf(stderr, "eptsim sweep: interrupted by %s: %zu of %zu points have a report in %s; run the same command again to run the others\n",
		signo == SIGINT ? "SIGINT" : "SIGTERM", have, ru->ru_sw->sw_npoints, ru->ru_dir);
	return 128 + signo;
}

/* loop - start workers while points are left, and wait on them; the status of sweep_run */
static int loop(struct runner *ru)
{
	struct pollfd *pfd = calloc((size_t)ru->ru_nslots + 1, sizeof(*pfd));
	int *of = calloc((size_t)ru->ru_nslots + 1, sizeof(*of));
	int status = EXIT_DONE;

	if (!pfd || !of) {
		fprintf(stderr, "eptsim sweep: out of memory\n");
		status = EXIT_INTERNAL;
		goto out;
	}
	for (;;) {
		double now = progress_now();
		int n = 1;

		for (int k = 0; k < ru->ru_nslots && ru->ru_next < ru->ru_ntodo; k++) {
			int rc;

			if (ru->ru_slots[k].sl_pid)
				continue;
			rc = spawn(ru, &ru->ru_slots[k], ru->ru_todo[ru->ru_next], now);
			if (rc < 0 && ru->ru_running == 0) {
				fprintf(stderr, "eptsim sweep: cannot start a worker: %s\n",
					strerror(-rc));
				status = EXIT_INTERNAL;
				goto out;
			}
			if (rc < 0)
				break;  /* try again when a worker has ended */
			ru->ru_next++;
		}
		if (ru->ru_running == 0)
			break;
		pfd[0] = (struct pollfd){ .fd = ru->ru_sfd, .events = POLLIN };
		for (int k = 0; k < ru->ru_nslots; k++)
			if (ru->ru_slots[k].sl_pid) {
				of[n] = k;
				pfd[n++] = (struct pollfd){ .fd = ru->ru_slots[k].sl_fd,
							    .events = POLLIN };
			}
		if (poll(pfd, (nfds_t)n, ru->ru_pg ? 200 : -1) < 0 && errno != EINTR) {
			fprintf(stderr, "eptsim sweep: poll: %s\n", strerror(errno));
			kill_all(ru);
			status = EXIT_INTERNAL;
			goto out;
		}
		if (pfd[0].revents & POLLIN) {
			struct signalfd_siginfo si;

			if (read(ru->ru_sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
				status = interrupt(ru, (int)si.ssi_signo);
				goto out;
			}
		}
		now = progress_now();
		for (int i = 1; i < n; i++)
			if (pfd[i].revents)
				drain(ru, &ru->ru_slots[of[i]], now);
		draw(ru, now);
	}
out:
	free(pfd);
	free(of);
	return status;
}

static int by_point(const void *a, const void *b)
{
	const struct sweep_failure *x = a, *y = b;

	return (x->sf_point > y->sf_point) - (x->sf_point < y->sf_point);
}

int sweep_run(const struct sweep *sw, const char *dir, int jobs, int quiet,
	      struct sweep_stats *st)
{
	struct runner ru = { .ru_sw = sw, .ru_dir = dir, .ru_sfd = -1, .ru_st = st };
	sigset_t sigs;
	int status;

	memset(st, 0, sizeof(*st));
	ru.ru_todo = calloc(sw->sw_npoints, sizeof(*ru.ru_todo));
	if (!ru.ru_todo)
		goto nomem;
	for (size_t i = 0; i < sw->sw_npoints; i++)
		if (!sweep_has_report(dir, i))
			ru.ru_todo[ru.ru_ntodo++] = i;
	st->st_skipped = sw->sw_npoints - ru.ru_ntodo;
	if (ru.ru_ntodo == 0) {
		free(ru.ru_todo);
		return EXIT_DONE;
	}
	ru.ru_nslots = (size_t)jobs < ru.ru_ntodo ? jobs : (int)ru.ru_ntodo;
	ru.ru_slots = calloc((size_t)ru.ru_nslots, sizeof(*ru.ru_slots));
	st->st_failed = calloc(ru.ru_ntodo, sizeof(*st->st_failed));
	if (!ru.ru_slots || !st->st_failed)
		goto nomem;
	sigemptyset(&sigs);
	for (int k = 0; k < 2; k++) {
		int sig = k ? SIGTERM : SIGINT;
		struct sigaction sa;

		/* a signal ignored (a background job's SIGINT) stays ignored */
		if (sigaction(sig, NULL, &sa) == 0 && sa.sa_handler != SIG_IGN)
			sigaddset(&sigs, sig);
	}
	sigprocmask(SIG_BLOCK, &sigs, &ru.ru_oldmask);
	ru.ru_sfd = signalfd(-1, &sigs, SFD_CLOEXEC);
	if (ru.ru_sfd < 0) {
		fprintf(stderr, "eptsim sweep: signalfd: %s\n", strerror(errno));
		sigprocmask(SIG_SETMASK, &ru.ru_oldmask, NULL);
		status = EXIT_INTERNAL;
		goto out;
	}
	ru.ru_pg = quiet ? NULL : progress_open(stderr, "sweep");
	status = loop(&ru);
	progress_close(ru.ru_pg);
	close(ru.ru_sfd);
	/* interrupted: stay deaf to a second Ctrl-C until the exit */
	if (status < 128)
		sigprocmask(SIG_SETMASK, &ru.ru_oldmask, NULL);
	st->st_run = ru.ru_ended;
	qsort(st->st_failed, st->st_nfailed, sizeof(*st->st_failed), by_point);
	goto out;
nomem:
	fprintf(stderr, "eptsim sweep: out of memory\n");
	status = EXIT_INTERNAL;
out:
	free(ru.ru_todo);
	free(ru.ru_slots);
	return status;
}
