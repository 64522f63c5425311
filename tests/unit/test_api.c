/*
 * test_api.c - the public API of libeptsim beyond eptsim_run: progress
 * calls (eptsim_run_ex) and the report as text (eptsim_report_text).
 *  - progress comes every `every` accesses and once at the end of each
 *    phase, with the phase's expected accesses, and changes nothing of
 *    the report;
 *  - a VM run with its native baseline has two phases;
 *  - programs report every `every` accesses, with no total;
 *  - the report text is the file eptsim_report_write writes, byte for byte;
 *  - a report written to a FIFO (or /dev/null) does not replace it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "eptsim.h"
#include "tests/lib/testlib.h"

struct calls {
	size_t n;
	struct eptsim_progress p[256];
};

static void record(void *arg, const struct eptsim_progress *p)
{
	struct calls *c = arg;

	if (c->n < sizeof(c->p) / sizeof(c->p[0]))
		c->p[c->n] = *p;
	c->n++;
}

/* run - the defaults with `sets`, with progress into `c` (NULL: none); the report text */
static char *run(const char *const *sets, size_t nsets, struct calls *c, uint64_t every)
{
	struct eptsim_load_opts o = { .sets = sets, .nsets = nsets };
	struct eptsim_run_opts ro = { .progress = record, .arg = c, .every = every };
	struct eptsim_error err;
	struct eptsim_config *cfg;
	struct eptsim_result *res;
	char *text;

	if (eptsim_config_load(NULL, &o, &cfg, &err) < 0)
		fail_msg("%s", err.msg);
	if (eptsim_run_ex(cfg, c ? &ro : NULL, &res, &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(eptsim_report_text(res, &text, &err), 0);
	eptsim_result_free(res);
	eptsim_config_free(cfg);
	return text;
}

static void progress_every_n_and_at_the_end(void **state)
{
	const char *sets[] = { "source.accesses=10500", "cpus=2", "vm.enabled=false" };
	struct calls *c = calloc(1, sizeof(*c));
	char *plain, *with;

	(void)state;
	plain = run(sets, 3, NULL, 0);
	with = run(sets, 3, c, 1000);
	assert_string_equal(plain, with);
	/* every 1000 accesses (CPUs take turns of `quantum`, so at turn ends) and the end */
	assert_true(c->n >= 6 && c->n <= 12);
	for (size_t i = 0; i < c->n; i++) {
		assert_int_equal(c->p[i].expected, 10500);
		assert_int_equal(c->p[i].phase, 0);
		assert_int_equal(c->p[i].phases, 1);
		assert_int_equal(c->p[i].done, i + 1 == c->n);
		if (i > 0)
			assert_true(c->p[i].accesses > c->p[i - 1].accesses);
	}
	assert_int_equal(c->p[c->n - 1].accesses, 10500);
	free(plain);
	free(with);
	free(c);
}

static void a_vm_run_and_its_baseline_are_two_phases(void **state)
{
	const char *sets[] = { "source.accesses=5000", "cpus=1", "vm.enabled=true" };
	struct calls *c = calloc(1, sizeof(*c));
	size_t ends = 0;
	char *text;

	(void)state;
	text = run(sets, 3, c, 2000);
	for (size_t i = 0; i < c->n; i++) {
		assert_int_equal(c->p[i].phases, 2);
		assert_int_equal(c->p[i].phase, ends);
		if (c->p[i].done) {
			assert_int_equal(c->p[i].accesses, 5000);
			ends++;
		}
	}
	assert_int_equal(ends, 2);
	free(text);
	free(c);
}

/* programs: the accesses are not known in advance; the calls come from the marks */
static void programs_report_progress_without_a_total(void **state)
{
	char *prog = tl_prog_path("sweep"), procs[4096];
	const char *sets[] = { "source.kind=program", procs, "vm.enabled=false" };
	struct calls *c = calloc(1, sizeof(*c)), *none = NULL;
	char *plain, *with;

	(void)state;
	snprintf(procs, sizeof(procs), "processes=[{\"program\": \"%s\"}]", prog);
	plain = run(sets, 3, none, 0);
	with = run(sets, 3, c, 50000);
	assert_string_equal(plain, with);
	assert_true(c->n >= 3);
	for (size_t i = 0; i < c->n; i++) {
		assert_int_equal(c->p[i].expected, 0);
		assert_int_equal(c->p[i].done, i + 1 == c->n);
		if (i + 1 < c->n)
			assert_int_equal(c->p[i].accesses, 50000 * (i + 1));
	}
	free(plain);
	free(with);
	free(prog);
	free(c);
}

static void the_text_is_the_file(void **state)
{
	const char *sets[] = { "source.accesses=3000" };
	struct eptsim_load_opts o = { .sets = sets, .nsets = 1 };
	struct eptsim_error err;
	struct eptsim_config *cfg;
	struct eptsim_result *res;
	char *dir = tl_tmpdir(), *path = tl_path(dir, "r.json"), *text, *file;

	(void)state;
	assert_int_equal(eptsim_config_load(NULL, &o, &cfg, &err), 0);
	assert_int_equal(eptsim_run(cfg, &res, &err), 0);
	assert_int_equal(eptsim_report_write(res, path, &err), 0);
	assert_int_equal(eptsim_report_text(res, &text, &err), 0);
	file = tl_read(path, NULL);
	assert_non_null(file);
	assert_string_equal(text, file);
	free(text);
	free(file);
	free(path);
	eptsim_result_free(res);
	eptsim_config_free(cfg);
	tl_rmtree(dir);
}

/* a path that is not a regular file (a FIFO here; /dev/null for users) is written into, not replaced */
static void a_fifo_stays_a_fifo(void **state)
{
	const char *sets[] = { "source.accesses=2000" };
	struct eptsim_load_opts o = { .sets = sets, .nsets = 1 };
	struct eptsim_error err;
	struct eptsim_config *cfg;
	struct eptsim_result *res;
	char *dir = tl_tmpdir(), *fifo = tl_path(dir, "fifo"), *copy = tl_path(dir, "copy");
	char *text, *got, cmd[8192];
	struct stat st;
	FILE *reader;

	(void)state;
	assert_int_equal(mkfifo(fifo, 0600), 0);
	/* a regression must fail, not hang: the reader gives up after 30 s */
	snprintf(cmd, sizeof(cmd), "timeout 30 cat '%s' > '%s'", fifo, copy);
	reader = popen(cmd, "w");
	assert_non_null(reader);
	assert_int_equal(eptsim_config_load(NULL, &o, &cfg, &err), 0);
	assert_int_equal(eptsim_run(cfg, &res, &err), 0);
	assert_int_equal(eptsim_report_write(res, fifo, &err), 0);
	assert_int_equal(pclose(reader), 0);
	assert_int_equal(stat(fifo, &st), 0);
	assert_true(S_ISFIFO(st.st_mode));
	assert_int_equal(eptsim_report_text(res, &text, &err), 0);
	got = tl_read(copy, NULL);
	assert_non_null(got);
	assert_string_equal(got, text);
	free(text);
	free(got);
	free(fifo);
	free(copy);
	eptsim_result_free(res);
	eptsim_config_free(cfg);
	tl_rmtree(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(progress_every_n_and_at_the_end),
		cmocka_unit_test(a_vm_run_and_its_baseline_are_two_phases),
		cmocka_unit_test(programs_report_progress_without_a_total),
		cmocka_unit_test(the_text_is_the_file),
		cmocka_unit_test(a_fifo_stays_a_fifo),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
