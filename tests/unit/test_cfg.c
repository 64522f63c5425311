/*
 * test_cfg.c - the configuration layer: value parsing, one row per form;
 * the schema's own defaults pass its validator; layering order (defaults <
 * preset < workload < --set, later --set wins); the resolved config.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sim/cfg_load.h"
#include "tests/lib/testlib.h"

struct size_row {
	const char *text;
	int rc;
	uint64_t bytes;
};

static const struct size_row size_rows[] = {
	{ "4096", 0, 4096 },
	{ "4K", 0, 4096 },
	{ "4KiB", 0, 4096 },
	{ "4KB", 0, 4096 },         /* binary units throughout */
	{ "4k", 0, 4096 },
	{ "64MiB", 0, 64ull << 20 },
	{ "64 MiB", 0, 64ull << 20 },
	{ "1G", 0, 1ull << 30 },
	{ "2TiB", 0, 2ull << 40 },
	{ "1P", 0, 1ull << 50 },
	{ "10B", 0, 10 },
	{ "", -EINVAL, 0 },
	{ "MiB", -EINVAL, 0 },
	{ "4X", -EINVAL, 0 },
	{ "4 K B", -EINVAL, 0 },
	{ "-4K", -EINVAL, 0 },
	{ "1.5G", -EINVAL, 0 },
	{ "16384P", -ERANGE, 0 },   /* 2^64: one past the top */
	{ "99999999999999999999", -ERANGE, 0 },
};

static void size_strings(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(size_rows) / sizeof(size_rows[0]); i++) {
		uint64_t v = 0;
		int rc = cfg_parse_size(size_rows[i].text, &v);

		if (rc != size_rows[i].rc)
			fail_msg("\"%s\": rc %d, want %d", size_rows[i].text, rc,
				 size_rows[i].rc);
		if (rc == 0)
			assert_int_equal(v, size_rows[i].bytes);
	}
}

static void uint_strings(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(cfg_parse_uint("0", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(cfg_parse_uint("0x7ffffffff000", &v), 0);
	assert_int_equal(v, 0x7ffffffff000ull);
	assert_int_equal(cfg_parse_uint("0XaB", &v), 0);
	assert_int_equal(v, 0xab);
	assert_int_equal(cfg_parse_uint("18446744073709551615", &v), 0);
	assert_int_equal(v, UINT64_MAX);
	assert_int_equal(cfg_parse_uint("18446744073709551616", &v), -ERANGE);
	assert_int_equal(cfg_parse_uint("0x", &v), -EINVAL);
	assert_int_equal(cfg_parse_uint("12a", &v), -EINVAL);
	assert_int_equal(cfg_parse_uint("", &v), -EINVAL);
}

/* every default, read by the validator, lands in the struct as documented */
static void defaults_only(void **state)
{
	struct eptsim_error err;
	struct cfg c;

	(void)state;
	assert_int_equal(cfg_load(&c, NULL, NULL, 0, NULL, &err), 0);
	assert_string_equal(c.name, "workload");
	assert_string_equal(c.machine.name, "built-in");
	assert_int_equal(c.memory, 4ull << 30);
	assert_int_equal(c.machine.l1d.entries, 64);
	assert_int_equal(c.source.base, 0x10000000);
	assert_int_equal(c.source.footprint, 64ull << 20);
	assert_true(c.source.write_fraction == 0.3);
}

/*
 * Layout: DIR/w.json names preset "p" in DIR/machines/p.json.
 * The preset sets l1d.entries 32 and ways 2, stlb 256 entries 4 ways;
 * the workload overrides l1d.entries to 16; two --sets override
 * l1d.ways, the second one winning.
 */
static void layers_apply_in_order(void **state)
{
	char *dir = tl_tmpdir();
	char *w = tl_write(dir, "w.json",
			   "{\"machine\": {\"preset\": \"p\", \"tlb\": {\"l1d\": {\"entries\": 16}}}}");
	const char *sets[] = { "machine.tlb.l1d.ways=4", "machine.tlb.l1d.ways=8" };
	struct eptsim_error err;
	struct cfg c;
	json_t *j, *m;

	(void)state;
	free(tl_write(dir, "machines/p.json",
		      "{\"description\": \"test\", \"tlb\": {\"l1d\": {\"entries\": 32, \"ways\": 2},"
		      " \"stlb\": {\"entries\": 256, \"ways\": 4}}}"));
	if (cfg_load(&c, w, sets, 2, NULL, &err) != 0)
		fail_msg("%s", err.msg);
	assert_int_equal(c.machine.l1d.entries, 16);   /* workload over preset */
	assert_int_equal(c.machine.l1d.ways, 8);       /* last --set wins */
	assert_int_equal(c.machine.stlb.entries, 256); /* preset over default */
	assert_int_equal(c.machine.stlb.ways, 4);      /* preset */
	assert_int_equal(c.machine.stlb.latency, 9);   /* default */
	assert_string_equal(c.machine.name, "p");
	assert_string_equal(c.machine.description, "test");
	assert_string_equal(c.name, "w");

	/* the resolved config leaves the directive out and keeps the name */
	j = cfg_to_json(&c);
	m = json_object_get(j, "machine");
	assert_null(json_object_get(m, "preset"));
	assert_string_equal(json_string_value(json_object_get(m, "name")), "p");
	json_decref(j);
	free(w);
	tl_rmtree(dir);
}

/* preset search: the workload's machines/ first, then the given dirs */
static void preset_search_order(void **state)
{
	char *dir = tl_tmpdir();
	char *w = tl_write(dir, "w.json", "{\"machine\": {\"preset\": \"p\"}}");
	char *other = tl_path(dir, "other");
	const char *dirs[] = { other, NULL };
	struct eptsim_error err;
	struct cfg c;

	(void)state;
	free(tl_write(dir, "other/p.json", "{\"maxphyaddr\": 40}"));
	assert_int_equal(cfg_load(&c, w, NULL, 0, dirs, &err), 0);
	assert_int_equal(c.machine.maxphyaddr, 40);
	free(tl_write(dir, "machines/p.json", "{\"maxphyaddr\": 42}"));
	assert_int_equal(cfg_load(&c, w, NULL, 0, dirs, &err), 0);
	assert_int_equal(c.machine.maxphyaddr, 42);
	free(other);
	free(w);
	tl_rmtree(dir);
}

/* --set values: JSON when they parse, else strings; objects apply per key */
static void set_value_forms(void **state)
{
	const char *sets[] = { "source.pattern=chase", "source.footprint=\"8MiB\"",
			       "source.accesses=1e3", "machine.tlb={\"l1d\": {\"ways\": 8}}",
			       "source.write_fraction=0.1" };
	struct eptsim_error err;
	struct cfg c;

	(void)state;
	/* "1e3" parses as a JSON real, not an integer: refused */
	assert_int_equal(cfg_load(&c, NULL, sets, 3, NULL, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "source.accesses: expected a non-negative integer"));
	sets[2] = "source.accesses=1000";
	if (cfg_load(&c, NULL, sets, 5, NULL, &err) != 0)
		fail_msg("%s", err.msg);
	assert_int_equal(c.source.pattern, 4);
	assert_int_equal(c.source.footprint, 8ull << 20);
	assert_int_equal(c.source.accesses, 1000);
	assert_int_equal(c.machine.l1d.ways, 8);
	assert_true(c.source.write_fraction == 0.1);
}

/* reals keep 15 significant digits, so they survive the report exactly */
static void reals_round_to_15_digits(void **state)
{
	const char *sets[] = { "source.write_fraction=0.30000000000000004" };
	struct eptsim_error err;
	struct cfg c;

	(void)state;
	assert_int_equal(cfg_load(&c, NULL, sets, 1, NULL, &err), 0);
	assert_true(c.source.write_fraction == 0.3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(size_strings),
		cmocka_unit_test(uint_strings),
		cmocka_unit_test(defaults_only),
		cmocka_unit_test(layers_apply_in_order),
		cmocka_unit_test(preset_search_order),
		cmocka_unit_test(set_value_forms),
		cmocka_unit_test(reals_round_to_15_digits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
