/* progress.c - placeholder until the progress line lands (being written) */
#include "cli/cli.h"

struct progress *progress_open(FILE *f, const char *what)
{
	(void)f;
	(void)what;
	return NULL;
}

void progress_run(void *arg, const struct eptsim_progress *p)
{
	(void)arg;
	(void)p;
}

void progress_close(struct progress *pg)
{
	(void)pg;
}
