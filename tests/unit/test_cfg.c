/*
 * test_cfg.c - the configuration layer: value parsing, one row per form;
 * the schema's own defaults pass its validator; layering order (defaults <
 * preset < workload < --set, later --set wins); the resolved config;
 * booleans; walk-cache geometry; the mapping to the MMU's structs;
 * loading an already-parsed workload.
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
#include "sim/mmu/mmu.h"
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
	assert_int_equal(c.machine.tlb.l1d.size[0].entries, 64);
	assert_true(c.machine.tlb.stlb.share_2m);
	assert_false(c.vm.enabled);
	assert_int_equal(c.source.base, 0x10000000);
	assert_int_equal(c.source.footprint, 64ull << 20);
	assert_true(c.source.write_fraction == 0.3);
}

/*
 * Layout: DIR/w.json names preset "p" in DIR/machines/p.json.
 * The preset sets l1d.4k entries 32 and ways 2, stlb.4k 256 entries 4
 * ways; the workload overrides l1d.4k.entries to 16; two --sets override
 * l1d.4k.ways, the second one winning.
 */
static void layers_apply_in_order(void **state)
{
	char *dir = tl_tmpdir();
	char *w = tl_write(dir, "w.json",
			   "{\"machine\": {\"preset\": \"p\", \"tlb\": {\"l1d\": {\"4k\": {\"entries\": 16}}}}}");
	const char *sets[] = { "machine.tlb.l1d.4k.ways=4", "machine.tlb.l1d.4k.ways=8" };
	struct eptsim_error err;
	struct cfg c;
	json_t *j, *m;

	(void)state;
	free(tl_write(dir, "machines/p.json",
		      "{\"description\": \"test\", \"tlb\": {\"l1d\": {\"4k\": {\"entries\": 32, \"ways\": 2}},"
		      " \"stlb\": {\"4k\": {\"entries\": 256, \"ways\": 4}}}}"));
	if (cfg_load(&c, w, sets, 2, NULL, &err) != 0)
		fail_msg("%s", err.msg);
	assert_int_equal(c.machine.tlb.l1d.size[0].entries, 16);   /* workload over preset */
	assert_int_equal(c.machine.tlb.l1d.size[0].ways, 8);       /* last --set wins */
	assert_int_equal(c.machine.tlb.stlb.size[0].entries, 256); /* preset over default */
	assert_int_equal(c.machine.tlb.stlb.size[0].ways, 4);      /* preset */
	assert_int_equal(c.machine.tlb.stlb.latency, 9);           /* default */
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
			       "source.accesses=1e3", "machine.tlb={\"l1d\": {\"4k\": {\"ways\": 8}}}",
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
	assert_int_equal(c.machine.tlb.l1d.size[0].ways, 8);
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

/*
 * Booleans take JSON true or false only.  Each row is one --set; a
 * rejected row's message names the --set and the key.
 */
struct bool_row {
	const char *set;
	int rc;
	bool want;              /* rc 0: the stored value */
	const char *msg;        /* rc < 0: a substring of the error */
};

static const struct bool_row bool_rows[] = {
	{ "machine.caps.ept_ad=false", 0, false, NULL },
	{ "machine.caps.ept_ad=true", 0, true, NULL },
	{ "machine.caps.ept_ad=1", -EINVAL, false,
	  "--set machine.caps.ept_ad=1: machine.caps.ept_ad: expected true or false, got integer 1" },
	{ "machine.caps.ept_ad=\"true\"", -EINVAL, false,
	  "machine.caps.ept_ad: expected true or false, got string \"true\"" },
	{ "machine.caps.ept_ad=null", -EINVAL, false,
	  "machine.caps.ept_ad: expected true or false, got null" },
	{ "machine.caps.ept_ad=yes", -EINVAL, false,
	  "machine.caps.ept_ad: expected true or false, got string \"yes\"" },
};

static void bool_values(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bool_rows) / sizeof(bool_rows[0]); i++) {
		const struct bool_row *r = &bool_rows[i];
		struct eptsim_error err = { .msg = "" };
		struct cfg c;
		int rc = cfg_load(&c, NULL, &r->set, 1, NULL, &err);

		if (rc != r->rc)
			fail_msg("%s: rc %d, want %d (%s)", r->set, rc, r->rc,
				 err.msg);
		if (rc == 0 && c.machine.caps.ept_ad != r->want)
			fail_msg("%s: stored %d", r->set, c.machine.caps.ept_ad);
		if (rc < 0 && !strstr(err.msg, r->msg))
			fail_msg("%s: message \"%s\", want \"%s\"", r->set,
				 err.msg, r->msg);
	}
}

/*
 * The report's config writes booleans as JSON booleans, and read back it
 * gives the same configuration, byte for byte.
 */
static void bools_round_trip(void **state)
{
	const char *sets[] = { "machine.caps.page1g=false",
			       "machine.caps.la57=true",
			       "machine.caps.ept_mode_based_exec=true",
			       "machine.walk_cache.ept.pd.entries=0" };
	struct eptsim_error err;
	struct cfg c, back;
	json_t *j, *caps;

	(void)state;
	if (cfg_load(&c, NULL, sets, 4, NULL, &err) != 0)
		fail_msg("%s", err.msg);
	j = cfg_to_json(&c);
	assert_non_null(j);
	caps = json_object_get(json_object_get(j, "machine"), "caps");
	assert_true(json_is_false(json_object_get(caps, "page1g")));
	assert_true(json_is_true(json_object_get(caps, "la57")));
	assert_true(json_is_true(json_object_get(caps, "ept_ad")));
	assert_true(json_is_true(json_object_get(caps, "ept_mode_based_exec")));
	assert_int_equal(json_object_size(caps), 18);
	if (cfg_load_json(&back, j, "report.json", NULL, 0, NULL, &err) != 0)
		fail_msg("%s", err.msg);
	assert_memory_equal(&c, &back, sizeof(c));
	json_decref(j);
}

/*
 * Walk-cache geometry is checked across entries and ways, and blames the
 * origin of whichever was set last.  Each row is a workload object (origin
 * "w.json") and at most one --set.
 */
struct wc_row {
	const char *name;
	const char *workload;
	const char *set;
	const char *msg;        /* NULL: accepted */
};

static const struct wc_row wc_rows[] = {
	{ "entries not a multiple of ways, file blamed",
	  "{\"machine\": {\"walk_cache\": {\"pd\": {\"entries\": 24}}}}", NULL,
	  "w.json: machine.walk_cache.pd: entries (24) / ways (4) must be a whole power of two (the number of sets)" },
	{ "ways set last by --set is blamed",
	  "{\"machine\": {\"walk_cache\": {\"ept\": {\"pdpt\": {\"entries\": 8}}}}}",
	  "machine.walk_cache.ept.pdpt.ways=3",
	  "--set machine.walk_cache.ept.pdpt.ways=3: machine.walk_cache.ept.pdpt: entries (8) / ways (3)" },
	{ "ways above entries",
	  "{\"machine\": {\"walk_cache\": {\"nested_tlb\": {\"ways\": 32}}}}", NULL,
	  "w.json: machine.walk_cache.nested_tlb: entries (16) / ways (32)" },
	{ "a PML5E cache of 3 sets",
	  "{}", "machine.walk_cache.pml5={\"entries\": 6, \"ways\": 2}",
	  "--set machine.walk_cache.pml5={\"entries\": 6, \"ways\": 2}: machine.walk_cache.pml5: entries (6)" },
	{ "0 entries switches a cache off, whatever its ways",
	  "{\"machine\": {\"walk_cache\": {\"pd\": {\"entries\": 0, \"ways\": 3}}}}",
	  "machine.walk_cache.nested_tlb.entries=0", NULL },
	{ "5-level EPT without LA57 is allowed",
	  "{\"machine\": {\"caps\": {\"ept_5level\": true, \"la57\": false}}}",
	  NULL, NULL },
};

static void walk_cache_geometry(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(wc_rows) / sizeof(wc_rows[0]); i++) {
		const struct wc_row *r = &wc_rows[i];
		json_t *w = json_loads(r->workload, 0, NULL);
		struct eptsim_error err = { .msg = "" };
		struct cfg c;
		int rc;

		assert_non_null(w);
		rc = cfg_load_json(&c, w, "w.json", &r->set, r->set ? 1 : 0,
				   NULL, &err);
		json_decref(w);
		if (!r->msg && rc != 0)
			fail_msg("%s: %s", r->name, err.msg);
		if (r->msg && (rc != -EINVAL || !strstr(err.msg, r->msg)))
			fail_msg("%s: rc %d, message \"%s\", want \"%s\"",
				 r->name, rc, err.msg, r->msg);
	}
}

/* a preset's bad walk cache names the preset file */
static void walk_cache_geometry_in_preset(void **state)
{
	char *dir = tl_tmpdir();
	char *w = tl_write(dir, "w.json", "{\"machine\": {\"preset\": \"p\"}}");
	char *p = tl_write(dir, "machines/p.json",
			   "{\"walk_cache\": {\"pdpt\": {\"entries\": 12}}}");
	struct eptsim_error err;
	struct cfg c;
	char want[4200];

	(void)state;
	assert_int_equal(cfg_load(&c, w, NULL, 0, NULL, &err), -EINVAL);
	snprintf(want, sizeof(want),
		 "%s: machine.walk_cache.pdpt: entries (12) / ways (4)", p);
	if (!strstr(err.msg, want))
		fail_msg("message \"%s\", want \"%s\"", err.msg, want);
	free(p);
	free(w);
	tl_rmtree(dir);
}

/* each machine.caps key lands in its own mmu_caps field */
struct caps_row {
	const char *set;        /* flips the key from its default */
	size_t off;             /* offsetof(struct mmu_caps, the field) */
};

static const struct caps_row caps_rows[] = {
	{ "machine.caps.page1g=false", offsetof(struct mmu_caps, page1g) },
	{ "machine.caps.la57=true", offsetof(struct mmu_caps, la57) },
	{ "machine.caps.ept_execute_only=false", offsetof(struct mmu_caps, ept_xonly) },
	{ "machine.caps.ept_5level=true", offsetof(struct mmu_caps, ept_5level) },
	{ "machine.caps.ept_2m=false", offsetof(struct mmu_caps, ept_2m) },
	{ "machine.caps.ept_1g=false", offsetof(struct mmu_caps, ept_1g) },
	{ "machine.caps.ept_ad=false", offsetof(struct mmu_caps, ept_ad) },
	{ "machine.caps.ept_mode_based_exec=false", offsetof(struct mmu_caps, ept_mbec) },
};

static void mmu_caps_mapping(void **state)
{
	struct eptsim_error err;
	struct mmu_caps def, caps;
	struct cfg c;

	(void)state;
	assert_int_equal(cfg_load(&c, NULL, NULL, 0, NULL, &err), 0);
	cfg_mmu_caps(&c, &def);
	assert_int_equal(def.maxphyaddr, 46);
	assert_true(def.page1g && !def.la57 && def.ept_xonly && !def.ept_5level);
	assert_true(def.ept_2m && def.ept_1g && def.ept_ad && def.ept_mbec);
	for (size_t i = 0; i < sizeof(caps_rows) / sizeof(caps_rows[0]); i++) {
		const char *sets[] = { caps_rows[i].set, "machine.maxphyaddr=40" };
		struct mmu_caps want = def;
		bool *flag = (bool *)((char *)&want + caps_rows[i].off);

		if (cfg_load(&c, NULL, sets, 2, NULL, &err) != 0)
			fail_msg("%s: %s", sets[0], err.msg);
		*flag = !*flag;
		want.maxphyaddr = 40;
		cfg_mmu_caps(&c, &caps);
		if (memcmp(&caps, &want, sizeof(caps)) != 0)
			fail_msg("%s: not exactly its own field", sets[0]);
	}
}

/*
 * Every walk cache gets a distinct size (entries 2^k, one way), so each
 * must land at its own index: psc/epsc [5] PML5, [4] PML4, [3] PDPT,
 * [2] PD; [0] and [1] stay off.  A cache with 0 entries is {0, 0}.
 */
static void pwc_geom_mapping(void **state)
{
	const char *sets[] = {
		"machine.walk_cache={\"pml5\": {\"entries\": 1, \"ways\": 1},"
		" \"pml4\": {\"entries\": 2, \"ways\": 1},"
		" \"pdpt\": {\"entries\": 4, \"ways\": 1},"
		" \"pd\": {\"entries\": 8, \"ways\": 1},"
		" \"nested_tlb\": {\"entries\": 256, \"ways\": 1}}",
		"machine.walk_cache.ept={\"pml5\": {\"entries\": 16, \"ways\": 1},"
		" \"pml4\": {\"entries\": 32, \"ways\": 1},"
		" \"pdpt\": {\"entries\": 64, \"ways\": 1},"
		" \"pd\": {\"entries\": 128, \"ways\": 1}}",
	};
	struct eptsim_error err;
	struct mmu_pwc_geom g;
	struct cfg c;

	(void)state;
	if (cfg_load(&c, NULL, sets, 2, NULL, &err) != 0)
		fail_msg("%s", err.msg);
	memset(&g, 0xa5, sizeof(g));
	cfg_pwc_geom(&c, &g);
	for (unsigned lv = 0; lv <= MMU_MAX_LEVELS; lv++) {
		uint32_t gwant = lv >= 2 ? 1u << (5 - lv) : 0;
		uint32_t ewant = lv >= 2 ? 16u << (5 - lv) : 0;

		assert_int_equal(g.psc[lv].entries, gwant);
		assert_int_equal(g.psc[lv].ways, lv >= 2 ? 1 : 0);
		assert_int_equal(g.epsc[lv].entries, ewant);
		assert_int_equal(g.epsc[lv].ways, lv >= 2 ? 1 : 0);
	}
	assert_int_equal(g.ntlb.entries, 256);
	assert_int_equal(g.ntlb.ways, 1);

	/* the defaults; then PD and nested TLB switched off */
	assert_int_equal(cfg_load(&c, NULL, NULL, 0, NULL, &err), 0);
	cfg_pwc_geom(&c, &g);
	assert_int_equal(g.psc[2].entries, 32);
	assert_int_equal(g.psc[2].ways, 4);
	assert_int_equal(g.epsc[3].entries, 4);
	assert_int_equal(g.ntlb.entries, 16);
	sets[0] = "machine.walk_cache.pd.entries=0";
	sets[1] = "machine.walk_cache.nested_tlb.entries=0";
	assert_int_equal(cfg_load(&c, NULL, sets, 2, NULL, &err), 0);
	cfg_pwc_geom(&c, &g);
	assert_int_equal(g.psc[2].entries, 0);
	assert_int_equal(g.psc[2].ways, 0);
	assert_int_equal(g.ntlb.entries, 0);
	assert_int_equal(g.ntlb.ways, 0);
	assert_int_equal(g.epsc[2].entries, 32);
}

/*
 * cfg_load_json: errors name the origin; presets are found in machines/
 * beside it; a non-object is refused; no object means the defaults.
 */
static void load_json_names_origin(void **state)
{
	char *dir = tl_tmpdir();
	char *origin = tl_path(dir, "probe.json");
	json_t *root;
	struct eptsim_error err;
	struct cfg c;

	(void)state;
	free(tl_write(dir, "machines/p.json",
		      "{\"caps\": {\"ept_ad\": false}, \"maxphyaddr\": 39}"));
	root = json_loads("{\"machine\": {\"preset\": \"p\"}}", 0, NULL);
	if (cfg_load_json(&c, root, origin, NULL, 0, NULL, &err) != 0)
		fail_msg("%s", err.msg);
	json_decref(root);
	assert_false(c.machine.caps.ept_ad);
	assert_int_equal(c.machine.maxphyaddr, 39);
	assert_string_equal(c.name, "probe");
	assert_string_equal(c.machine.name, "p");

	root = json_loads("{\"machine\": {\"caps\": {\"la57\": 1}}}", 0, NULL);
	assert_int_equal(cfg_load_json(&c, root, "probe.json", NULL, 0, NULL, &err),
			 -EINVAL);
	assert_string_equal(err.msg,
			    "probe.json: machine.caps.la57: expected true or false, got integer 1");
	json_decref(root);

	root = json_loads("{\"machine\": {\"capz\": {}}}", 0, NULL);
	assert_int_equal(cfg_load_json(&c, root, "probe.json", NULL, 0, NULL, &err),
			 -EINVAL);
	assert_string_equal(err.msg,
			    "probe.json: machine.capz: unknown key (did you mean machine.caps?)");
	json_decref(root);

	root = json_loads("[1]", 0, NULL);
	assert_int_equal(cfg_load_json(&c, root, "probe.json", NULL, 0, NULL, &err),
			 -EINVAL);
	assert_string_equal(err.msg,
			    "probe.json: expected a JSON object at the top level, got an array");
	json_decref(root);

	assert_int_equal(cfg_load_json(&c, NULL, NULL, NULL, 0, NULL, &err), 0);
	assert_string_equal(c.name, "workload");
	assert_string_equal(c.machine.name, "built-in");
	assert_true(c.machine.caps.ept_ad);
	free(origin);
	tl_rmtree(dir);
}

/*
 * The built-in defaults are the skylake-sp preset (docs/cycle-model.md
 * says so): loading the preset changes nothing but the names.
 */
static void defaults_are_skylake_sp(void **state)
{
	const char *const dirs[] = { "workloads/machines", NULL };
	const char *sets[] = { "machine.preset=skylake-sp" };
	struct eptsim_error err;
	struct cfg a, b;

	(void)state;
	if (cfg_load(&a, NULL, NULL, 0, dirs, &err) != 0 ||
	    cfg_load(&b, NULL, sets, 1, dirs, &err) != 0)
		fail_msg("%s", err.msg);
	memcpy(b.machine.preset, a.machine.preset, sizeof(a.machine.preset));
	memcpy(b.machine.name, a.machine.name, sizeof(a.machine.name));
	memcpy(b.machine.description, a.machine.description,
	       sizeof(a.machine.description));
	assert_memory_equal(&a, &b, sizeof(a));
}

/* the VM keys are checked against the machine and the memory */
static void vm_keys_checked(void **state)
{
	struct eptsim_error err;
	struct cfg c;
	const char *big[] = { "vm.enabled=true", "memory=64MiB", "vm.memory=64MiB" };
	const char *no1g[] = { "vm.enabled=true", "vm.ept_page=1g" };
	const char *no2m[] = { "vm.enabled=true", "vm.ept_page=2m",
			       "machine.caps.ept_2m=false" };
	const char *dfly[] = { "vm.enabled=true", "vm.policy=dragonfly",
			       "machine.caps.ept_ad=false" };
	const char *akaros[] = { "vm.enabled=true", "vm.policy=akaros", "vm.ept_ad=false" };
	const char *nvmm[] = { "vm.enabled=true", "vm.policy=nvmm", "machine.caps.ept_ad=false" };
	const char *odd[] = { "vm.enabled=true", "vm.ept_page=2m", "vm.memory=3MiB" };
	const char *ok[] = { "vm.enabled=true", "memory=64MiB", "vm.memory=60MiB" };

	(void)state;
	assert_int_equal(cfg_load(&c, NULL, big, 3, NULL, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "vm.memory: 67108864 bytes of guest memory"));
	assert_int_equal(cfg_load(&c, NULL, no1g, 2, NULL, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "--set vm.ept_page=1g: vm.ept_page: \"1g\" is not supported yet"));
	assert_int_equal(cfg_load(&c, NULL, no2m, 3, NULL, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "--set machine.caps.ept_2m=false: vm.ept_page: \"2m\" EPT pages are not supported"));
	/* DragonFly and Akaros have no A/D emulation; nvmm and bhyve run anywhere */
	assert_int_equal(cfg_load(&c, NULL, dfly, 3, NULL, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "--set machine.caps.ept_ad=false: vm.policy: \"dragonfly\" needs EPT A/D flags"));
	assert_int_equal(cfg_load(&c, NULL, akaros, 3, NULL, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "--set vm.ept_ad=false: vm.policy: \"akaros\" needs EPT A/D flags"));
	if (cfg_load(&c, NULL, nvmm, 3, NULL, &err) != 0)
		fail_msg("%s", err.msg);
	assert_int_equal(cfg_load(&c, NULL, odd, 3, NULL, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "vm.memory: expected a multiple of the EPT page size (2m)"));
	if (cfg_load(&c, NULL, ok, 3, NULL, &err) != 0)
		fail_msg("%s", err.msg);
}

/* the events list: each error names events[i].key; events sort by "at", ties in list order */
static void events_checked(void **state)
{
	static const struct {
		const char *set, *want;
	} bad[] = {
		{ "events={\"at\":1}", "events: expected a list of events, got an object" },
		{ "events=[{\"at\":1}]", "events[0]: expected keys \"at\" and \"do\"" },
		{ "events=[{\"at\":1,\"do\":\"fly\"}]", "events[0].do: expected one of \"pressure\"" },
		{ "events=[{\"at\":1,\"do\":\"pressure\"}]", "events[0].free: required for \"do\": \"pressure\"" },
		{ "events=[{\"at\":1,\"do\":\"madvise\",\"offset\":0,\"length\":4096,\"free\":1}]",
		  "events[0].free: not used for \"do\": \"madvise\"" },
		{ "events=[{\"at\":1,\"do\":\"madvise\",\"offset\":5,\"length\":4096}]",
		  "events[0]: offset and length must be multiples of 4096" },
		{ "events=[{\"at\":1,\"do\":\"munmap\",\"offset\":0,\"length\":4096,\"colour\":1}]",
		  "events[0].colour: unknown key" },
		{ "events=[{\"at\":5000000,\"do\":\"pressure\",\"free\":0}]",
		  "an event at 5000000 would never happen" },
		{ "events=[{\"at\":1,\"do\":\"pressure\",\"kernel\":\"guest\",\"free\":0}]",
		  "names the guest kernel, but vm.enabled is false" },
	};
	const char *good[] = { "events=[{\"at\":9,\"do\":\"copyin\",\"offset\":0,\"length\":4096},"
			       "{\"at\":3,\"do\":\"mprotect\",\"offset\":\"8KiB\",\"length\":4096,\"prot\":\"r\"},"
			       "{\"at\":3,\"do\":\"pressure\",\"free\":\"1MiB\"}]" };
	struct eptsim_error err;
	struct cfg c;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *sets[] = { bad[i].set };

		assert_int_equal(cfg_load(&c, NULL, sets, 1, NULL, &err), -EINVAL);
		if (!strstr(err.msg, bad[i].want))
			fail_msg("row %zu: got \"%s\", want \"%s\"", i, err.msg, bad[i].want);
	}
	if (cfg_load(&c, NULL, good, 1, NULL, &err) != 0)
		fail_msg("%s", err.msg);
	assert_int_equal(c.nevents, 3);
	assert_int_equal(c.events[0].ce_do, CFG_EV_MPROTECT);
	assert_int_equal(c.events[0].ce_off, 8192);
	assert_int_equal(c.events[0].ce_prot, VM_PROT_READ);
	assert_int_equal(c.events[1].ce_do, CFG_EV_PRESSURE);
	assert_int_equal(c.events[1].ce_free, 1u << 20);
	assert_int_equal(c.events[2].ce_do, CFG_EV_COPYIN);
	assert_int_equal(c.events[2].ce_at, 9);
}

/* a TLB level: 4 KiB array required, share_2m only without a 2 MiB array */
static void tlb_level_rules(void **state)
{
	struct eptsim_error err;
	struct cfg c;
	const char *no4k[] = { "machine.tlb.l1i.4k.entries=0" };
	const char *shared[] = { "machine.tlb.l1d.share_2m=true" };

	(void)state;
	assert_int_equal(cfg_load(&c, NULL, no4k, 1, NULL, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "--set machine.tlb.l1i.4k.entries=0: machine.tlb.l1i.4k.entries: every TLB level needs its 4 KiB array: expected at least 1, got 0"));
	assert_int_equal(cfg_load(&c, NULL, shared, 1, NULL, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "machine.tlb.l1d.share_2m: 2 MiB pages share the 4 KiB array, so machine.tlb.l1d.2m.entries must be 0, got 32"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults_are_skylake_sp),
		cmocka_unit_test(vm_keys_checked),
		cmocka_unit_test(events_checked),
		cmocka_unit_test(tlb_level_rules),
		cmocka_unit_test(size_strings),
		cmocka_unit_test(uint_strings),
		cmocka_unit_test(defaults_only),
		cmocka_unit_test(layers_apply_in_order),
		cmocka_unit_test(preset_search_order),
		cmocka_unit_test(set_value_forms),
		cmocka_unit_test(reals_round_to_15_digits),
		cmocka_unit_test(bool_values),
		cmocka_unit_test(bools_round_trip),
		cmocka_unit_test(walk_cache_geometry),
		cmocka_unit_test(walk_cache_geometry_in_preset),
		cmocka_unit_test(mmu_caps_mapping),
		cmocka_unit_test(pwc_geom_mapping),
		cmocka_unit_test(load_json_names_origin),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
