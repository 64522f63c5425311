/*
 * progress.h - the parts of the progress line (cli/progress.c) beyond the
 * three functions cli/cli.h declares, for commands that compose their
 * own line (`eptsim sweep`).  Wall time read here only ever reaches the
 * terminal, never a report or a file.
 */
#ifndef EPTSIM_CLI_PROGRESS_H
#define EPTSIM_CLI_PROGRESS_H

#include <stddef.h>
#include <stdint.h>

#include "cli/cli.h"

/* progress_now - seconds on CLOCK_MONOTONIC */
double progress_now(void);

/* progress_due - a redraw of `pg` is due at `now`: 0.2 s since the last one (or the open) */
int progress_due(const struct progress *pg, double now);

/* progress_show - draw `text` in place of the line (cut to the terminal's width) */
void progress_show(struct progress *pg, const char *text, double now);

/* progress_count - `n` for a person: "999", "12.3k", "329k", "1.2M", "4.0G" */
void progress_count(char *buf, size_t len, uint64_t n);

/* progress_clock - `secs` as "m:ss", or "h:mm:ss" from an hour on */
void progress_clock(char *buf, size_t len, double secs);

#endif
