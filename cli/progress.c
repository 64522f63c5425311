/*
 * progress.c - the progress line: one line on a terminal, redrawn in
 * place ("\r", the text, then ESC [ K to erase what a longer line left)
 * at most five times a second, and erased when closed so that whatever
 * follows (the summary table) starts on a clean line.
 *
 *	run: 1.2M of 2.0M accesses (60%), 3.1M/s, 0:01 left
 *	run 1/2: ...            the run of a VM whose native baseline follows
 *	native baseline 2/2: ...
 *	(the time left is the whole run's, the baseline included)
 *	run: 1.2M accesses, 3.1M/s     programs and traces: no total known
 *
 * It is drawn only when the stream is a terminal and TERM is not "dumb",
 * so pipes, files and CI logs never see it.  Its clock is CLOCK_MONOTONIC
 * and its numbers (rates, time left) are only ever printed here: nothing
 * of it reaches a report, which stays byte-identical.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "cli/progress.h"
#include "eptsim.h"

/* seconds between two redraws: about five a second */
#define PROGRESS_EVERY 0.2

struct progress {
	FILE *pg_f;
	char pg_what[32];       /* the heading: "run" */
	double pg_drawn;        /* when last drawn (at first: when opened) */
	double pg_phase_at;     /* when phase pg_phase began */
	int pg_phase;
	int pg_shown;           /* the line holds something to erase */
};

double progress_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct progress *progress_open(FILE *f, const char *what)
{
	const char *term = getenv("TERM");
	struct progress *pg;

	if (!f || !isatty(fileno(f)) || (term && strcmp(term, "dumb") == 0))
		return NULL;
	pg = calloc(1, sizeof(*pg));
	if (!pg)
		return NULL;    /* no line is no failure */
	pg->pg_f = f;
	snprintf(pg->pg_what, sizeof(pg->pg_what), "%s", what);
	pg->pg_drawn = pg->pg_phase_at = progress_now();
	return pg;
}

int progress_due(const struct progress *pg, double now)
{
	return now - pg->pg_drawn >= PROGRESS_EVERY;
}

/* width - the terminal's columns, 80 when it does not say */
static size_t width(FILE *f)
{
	struct winsize ws;

	if (ioctl(fileno(f), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	return 80;
}

void progress_show(struct progress *pg, const char *text, double now)
{
	char line[512];
	size_t max = width(pg->pg_f) - 1;  /* the last column would wrap on some terminals */

	if (max > sizeof(line) - 8)
		max = sizeof(line) - 8;
	/* one write per redraw, so that the line never flickers half drawn */
	snprintf(line, sizeof(line), "\r%.*s\033[K", (int)max, text);
	fputs(line, pg->pg_f);
	fflush(pg->pg_f);
	pg->pg_drawn = now;
	pg->pg_shown = 1;
}

void progress_count(char *buf, size_t len, uint64_t n)
{
	static const char unit[] = "kMGTPE";
	double v = (double)n;
	size_t u = 0;

	if (n < 1000) {
		snprintf(buf, len, "%llu", (unsigned long long)n);
		return;
	}
	/* 999,500 would print as "1000k": step up before rounding does */
	v /= 1000;
	while (v >= 999.5 && u + 1 < sizeof(unit) - 1) {
		v /= 1000;
		u++;
	}
	if (v >= 99.95)
		snprintf(buf, len, "%.0f%c", v, unit[u]);
	else
		snprintf(buf, len, "%.1f%c", v, unit[u]);
}

void progress_clock(char *buf, size_t len, double secs)
{
	long s = secs > 0 ? (long)(secs + 0.5) : 0;

	if (s >= 3600)
		snprintf(buf, len, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
	else
		snprintf(buf, len, "%ld:%02ld", s / 60, s % 60);
}

void progress_run(void *arg, const struct eptsim_progress *p)
{
	struct progress *pg = arg;
	double now = progress_now(), rate = 0, el;
	char head[64], done[32], all[32], speed[32], left[32], text[256];

	if (p->phase != pg->pg_phase) {
		pg->pg_phase = p->phase;
		pg->pg_phase_at = now;
	}
	if (p->done) {
		/* the next phase, if any, starts now */
		pg->pg_phase = p->phase + 1;
		pg->pg_phase_at = now;
		return;
	}
	if (!progress_due(pg, now))
		return;
	if (p->phases < 2)
		snprintf(head, sizeof(head), "%s", pg->pg_what);
	else if (p->phase == 0)
		snprintf(head, sizeof(head), "%s 1/%d", pg->pg_what, p->phases);
	else
		snprintf(head, sizeof(head), "native baseline %d/%d", p->phase + 1,
			 p->phases);
	el = now - pg->pg_phase_at;
	if (el > 0)
		rate = (double)p->accesses / el;
	progress_count(done, sizeof(done), p->accesses);
	progress_count(speed, sizeof(speed), (uint64_t)rate);
	if (p->expected > 0) {
		uint64_t pct = p->accesses >= p->expected ? 100
							  : p->accesses * 100 / p->expected;

		progress_count(all, sizeof(all), p->expected);
		/*
		 * The time left of the whole run: a native baseline still to
		 * come is reckoned at this phase's rate (it is faster, so this
		 * errs long).
		 */
		uint64_t todo = (p->accesses < p->expected ? p->expected - p->accesses : 0) +
				(uint64_t)(p->phases - 1 - p->phase) * p->expected;

		progress_clock(left, sizeof(left), rate > 0 ? (double)todo / rate : 0);
		snprintf(text, sizeof(text), "%s: %s of %s accesses (%llu%%), %s/s, %s left",
			 head, done, all, (unsigned long long)pct, speed, left);
	} else {
		snprintf(text, sizeof(text), "%s: %s accesses, %s/s", head, done, speed);
	}
	progress_show(pg, text, now);
}

void progress_close(struct progress *pg)
{
	if (!pg)
		return;
	if (pg->pg_shown) {
		fputs("\r\033[K", pg->pg_f);
		fflush(pg->pg_f);
	}
	free(pg);
}
