/*
 * tltab.h - table-driven cmocka suites: one test per row of a table, named
 * by the row, plus single tests, run as one group; and the check every
 * row test makes, which names the row in its failure message.
 */
#ifndef EPTSIM_TESTS_TLTAB_H
#define EPTSIM_TESTS_TLTAB_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

struct tl_tests {
	struct CMUnitTest *tt_tests;
	size_t tt_n, tt_cap;
};

/*
 * tl_tests_rows - one test per row of `rows` (`n` rows of `size` bytes,
 * each starting with its name, a const char *), run as fn(&row).
 */
void tl_tests_rows(struct tl_tests *ts, const void *rows, size_t n,
		   size_t size, CMUnitTestFunction fn);

/* tl_tests_add - `n` tests as they are */
void tl_tests_add(struct tl_tests *ts, const struct CMUnitTest *t, size_t n);

/* tl_tests_run - run everything added as group `group`, then free; the failure count */
int tl_tests_run(struct tl_tests *ts, const char *group);

#define TL_ROWS(ts, table, fn)                                                 \
	tl_tests_rows((ts), (table), sizeof(table) / sizeof((table)[0]),       \
		      sizeof((table)[0]), (fn))

/* TL_EXPECT - fail row `c` (it has a name) unless `got` == `want` */
#define TL_EXPECT(c, what, got, want)                                          \
	do {                                                                   \
		uint64_t got_ = (got), want_ = (want);                         \
		if (got_ != want_)                                             \
			fail_msg("%s: %s is %#llx, want %#llx", (c)->name,     \
				 what, (unsigned long long)got_,               \
				 (unsigned long long)want_);                   \
	} while (0)

#endif
