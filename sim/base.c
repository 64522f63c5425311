/* base.c - the invariant assertion of base.h. */
#include "sim/base.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

void es_assert_fail(const char *func, const char *file, int line,
		    const char *cond, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "eptsim: internal error in %s (%s:%d): %s: ", func,
		file, line, cond);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}
