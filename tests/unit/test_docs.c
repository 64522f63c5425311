/*
 * test_docs.c - the docs cannot fall behind the code: every workload key
 * of the schema is documented in docs/workload.md, every counter in
 * docs/report.md, each as `name` in backticks; and no key documented in
 * the workload table is unknown to the schema.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sim/cfg.h"
#include "sim/stats.h"
#include "tests/lib/testlib.h"

static int has_ticked(const char *text, const char *name)
{
	char want[160];

	snprintf(want, sizeof(want), "`%s`", name);
	return strstr(text, want) != NULL;
}

static void every_key_is_in_workload_md(void **state)
{
	char *doc = tl_read("docs/workload.md", NULL);
	int missing = 0;

	(void)state;
	assert_non_null(doc);
	for (size_t i = 0; i < cfg_schema_len(); i++) {
		if (!has_ticked(doc, cfg_schema()[i].ck_path)) {
			print_error("docs/workload.md lacks `%s`\n",
				    cfg_schema()[i].ck_path);
			missing++;
		}
	}
	free(doc);
	assert_int_equal(missing, 0);
}

/* table rows "| `a.b.c` |" in workload.md name real keys */
static void workload_md_names_no_unknown_key(void **state)
{
	char *doc = tl_read("docs/workload.md", NULL);
	int unknown = 0;

	(void)state;
	assert_non_null(doc);
	for (char *p = strstr(doc, "\n| `"); p; p = strstr(p + 1, "\n| `")) {
		char key[128];
		char *end = strchr(p + 4, '`');
		size_t n = end ? (size_t)(end - (p + 4)) : 0;

		if (n == 0 || n >= sizeof(key))
			continue;
		memcpy(key, p + 4, n);
		key[n] = '\0';
		if (!cfg_key_find(key)) {
			print_error("docs/workload.md documents unknown key `%s`\n", key);
			unknown++;
		}
	}
	free(doc);
	assert_int_equal(unknown, 0);
}

static void every_counter_is_in_report_md(void **state)
{
	char *doc = tl_read("docs/report.md", NULL);
	int missing = 0;

	(void)state;
	assert_non_null(doc);
	for (size_t i = 0; i < SIM_NCOUNTERS; i++) {
		if (!has_ticked(doc, sim_ctr_names[i])) {
			print_error("docs/report.md lacks `%s`\n", sim_ctr_names[i]);
			missing++;
		}
	}
	free(doc);
	assert_int_equal(missing, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_key_is_in_workload_md),
		cmocka_unit_test(workload_md_names_no_unknown_key),
		cmocka_unit_test(every_counter_is_in_report_md),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
