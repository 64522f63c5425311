/*
 * tltab.c - table-driven cmocka suites (see tltab.h).
 */
#include "tests/lib/tltab.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void tl_tests_grow(struct tl_tests *ts, size_t more)
{
	struct CMUnitTest *t;
	size_t cap = ts->tt_cap ? ts->tt_cap : 64;

	while (cap < ts->tt_n + more)
		cap *= 2;
	if (cap == ts->tt_cap)
		return;
	t = realloc(ts->tt_tests, cap * sizeof(*t));
	if (!t) {
		fprintf(stderr, "tltab: out of memory for %zu tests\n", cap);
		exit(1);
	}
	ts->tt_tests = t;
	ts->tt_cap = cap;
}

void tl_tests_rows(struct tl_tests *ts, const void *rows, size_t n,
		   size_t size, CMUnitTestFunction fn)
{
	tl_tests_grow(ts, n);
	for (size_t i = 0; i < n; i++) {
		const void *row = (const char *)rows + i * size;
		const char *name;

		/* the row's first member is its name */
		memcpy(&name, row, sizeof(name));
		ts->tt_tests[ts->tt_n++] = (struct CMUnitTest){
			.name = name,
			.test_func = fn,
			.initial_state = (void *)row,
		};
	}
}

void tl_tests_add(struct tl_tests *ts, const struct CMUnitTest *t, size_t n)
{
	tl_tests_grow(ts, n);
	for (size_t i = 0; i < n; i++)
		ts->tt_tests[ts->tt_n++] = t[i];
}

int tl_tests_run(struct tl_tests *ts, const char *group)
{
	int failed = _cmocka_run_group_tests(group, ts->tt_tests, ts->tt_n,
					     NULL, NULL);

	free(ts->tt_tests);
	*ts = (struct tl_tests){ 0 };
	return failed;
}
