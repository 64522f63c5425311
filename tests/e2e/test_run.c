/*
 * test_run.c - `eptsim run` end to end: reports are byte-identical across
 * runs, a report's config reproduces its run, counts match what the paging
 * model implies for a workload small enough to work out by hand, abnormal
 * ends exit 1 with a report, and --help/--version tell the truth.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>

#include "tests/lib/testlib.h"

/* counter - counters.<dotted name> of a report, as an integer */
static long long counter(json_t *report, const char *name)
{
	return tl_counter(report, name);
}

static void run_ok(const char *const *args, int want)
{
	struct tl_run r;

	tl_run(&r, NULL, args);
	if (r.status != want)
		fail_msg("exit %d, want %d; stderr: %s", r.status, want, r.err);
	tl_run_free(&r);
}

/* the contract: two runs of the default workload, identical bytes */
static void default_report_is_byte_identical(void **state)
{
	char *dir = tl_tmpdir();
	char *a = tl_path(dir, "a.json"), *b = tl_path(dir, "b.json");

	(void)state;
	run_ok((const char *[]){ "run", "workloads/default.json", "-o", a, "-q", NULL }, 0);
	run_ok((const char *[]){ "run", "workloads/default.json", "-o", b, NULL }, 0);
	tl_same_file(a, b);
	free(a);
	free(b);
	tl_rmtree(dir);
}

/*
 * The "config" section is a workload file that reproduces the run: feed
 * it back and the whole report comes out the same, byte for byte.  Uses
 * every pattern, so every key type (reals included) takes the round trip.
 */
static void report_config_reproduces_the_run(void **state)
{
	static const char *const patterns[] = { "sequential", "strided",
						"uniform", "zipf", "chase" };
	char *dir = tl_tmpdir();

	(void)state;
	for (size_t i = 0; i < 5; i++) {
		char *a = tl_path(dir, "a.json"), *b = tl_path(dir, "b.json");
		char *c = tl_path(dir, "c.json");
		char pat[64];
		json_t *rep;
		char *ta, *tb;
		size_t la, lb;

		snprintf(pat, sizeof(pat), "source.pattern=%s", patterns[i]);
		run_ok((const char *[]){ "run", "workloads/default.json", "-q", "-o", a,
					 "--set", pat, "--set", "source.accesses=20000",
					 "--set", "source.write_fraction=0.123456789",
					 "--set", "source.zipf_s=1.1", NULL }, 0);
		rep = tl_load(a);
		assert_int_equal(json_dump_file(json_object_get(rep, "config"), c,
						JSON_INDENT(2) | JSON_REAL_PRECISION(17)), 0);
		json_decref(rep);
		run_ok((const char *[]){ "run", c, "-q", "-o", b, NULL }, 0);
		ta = tl_read(a, &la);
		tb = tl_read(b, &lb);
		assert_int_equal(la, lb);
		assert_memory_equal(ta, tb, la);
		free(ta);
		free(tb);
		free(a);
		free(b);
		free(c);
	}
	tl_rmtree(dir);
}

/* the six parts of the cycle breakdown, as the report names them */
static const char *const cycle_parts[] = { "base", "tlb", "walk", "exit", "fault", "inv", "kernel" };

/* breakdown_adds_up - cycles.total of `ctr` (a counters object) is the sum of its parts */
static long long breakdown_adds_up(json_t *ctr)
{
	json_t *cyc = json_object_get(ctr, "cycles");
	long long sum = 0;

	for (size_t i = 0; i < sizeof(cycle_parts) / sizeof(cycle_parts[0]); i++) {
		json_t *v = json_object_get(cyc, cycle_parts[i]);

		if (!json_is_integer(v))
			fail_msg("cycles.%s missing", cycle_parts[i]);
		sum += json_integer_value(v);
	}
	/* no part the list above does not know */
	assert_int_equal(json_object_size(cyc), 1 + sizeof(cycle_parts) / sizeof(cycle_parts[0]));
	assert_int_equal(json_integer_value(json_object_get(cyc, "total")), sum);
	return sum;
}

/*
 * last_row_is_the_counters - the last sample row equals `counters` in
 * every column.  The default workload's last access falls on a sample and
 * the vCPUs' HLT exits come after it: a final row must carry them.
 */
static void last_row_is_the_counters(json_t *r)
{
	json_t *smp = json_object_get(r, "samples");
	json_t *cols = json_object_get(smp, "columns");
	json_t *rows = json_object_get(smp, "rows");
	json_t *last = json_array_get(rows, json_array_size(rows) - 1);

	assert_true(json_array_size(rows) > 0);
	assert_int_equal(json_array_size(last), json_array_size(cols));
	for (size_t c = 0; c < json_array_size(cols); c++) {
		const char *name = json_string_value(json_array_get(cols, c));

		if (json_integer_value(json_array_get(last, c)) != counter(r, name))
			fail_msg("last sample row: %s is %lld, counters say %lld", name,
				 (long long)json_integer_value(json_array_get(last, c)),
				 counter(r, name));
	}
}

/*
 * The default workload on each shipped machine: the cycle totals differ
 * between every pair, the breakdown adds up to the total exactly, for the
 * run and for each vCPU, and the vCPUs' totals add up to the run's.
 */
static void presets_change_the_cycles_and_the_breakdown_adds_up(void **state)
{
	static const char *const presets[] = { "skylake-sp", "westmere", "icelake-sp" };
	long long total[3];
	char *dir = tl_tmpdir();
	char *rp = tl_path(dir, "r.json");

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		char set[64];
		json_t *r, *cpus;
		long long per_cpu = 0;

		snprintf(set, sizeof(set), "machine.preset=%s", presets[i]);
		run_ok((const char *[]){ "run", "workloads/default.json", "-q", "-o", rp,
					 "--set", set, NULL }, 0);
		r = tl_load(rp);
		total[i] = breakdown_adds_up(json_object_get(r, "counters"));
		cpus = json_object_get(r, "cpus");
		assert_int_equal(json_array_size(cpus), 2);
		for (size_t c = 0; c < json_array_size(cpus); c++)
			per_cpu += breakdown_adds_up(json_object_get(
				json_array_get(cpus, c), "counters"));
		assert_int_equal(per_cpu, total[i]);
		assert_true(counter(r, "vmx.exits.ept_violation") > 0);
		last_row_is_the_counters(r);
		json_decref(r);
	}
	assert_true(total[0] != total[1] && total[1] != total[2] && total[0] != total[2]);
	free(rp);
	tl_rmtree(dir);
}

/*
 * Worked by hand.  64 pages at 0x10000000 (one 2 MiB region, one page
 * table), read sequentially 8 bytes at a time, twice over:
 *  - first touch of each page: L1 miss, STLB miss, walk, #PF, zero-fill,
 *    retry: L1 miss, STLB miss, walk that succeeds -> 2 walks a page;
 *  - walk memory references: the very first walk stops at the empty PML4
 *    (1 ref); the retry reads 4 entries and fills the PML4E, PDPTE and PDE
 *    caches.  The first walk of each later page hits the PDE cache and
 *    reads only the PTE, which is not present: the #PF drops the cache
 *    entries for that address (SDM Vol. 3A §4.10.4.1), so the retry reads
 *    all 4 levels again and refills them: 1 + 4 + 63 * (1 + 4) = 320
 *    references and 63 PSC hits;
 *  - the first fault also builds PDPT, PD and PT: 3 page-table pages;
 *  - 64 pages fill the 64-entry 4-way L1 exactly (16 sets, 4 pages each):
 *    the second pass hits in L1 every time;
 *  - the page-table line cache (64 lines, 4 ways: line n in set n % 16)
 *    misses 11 times: the PML4E line on the first walk; on the retry the
 *    PDPTE, PDE and first PTE lines; then a new PTE line every 8 pages (7
 *    more).  Tables are page aligned, so the PTE lines sit in sets 0-7
 *    and set 0 holds exactly four lines: PML4E, PDPTE, PDE and PTEs 0-7.
 *    The other 309 references hit.
 */
static void counts_match_the_paging_model(void **state)
{
	static const char w[] =
		"{ \"memory\": \"16MiB\",\n"
		"  \"machine\": { \"tlb\": { \"l1d\": { \"4k\": { \"entries\": 64, \"ways\": 4 }, \"latency\": 1 },\n"
		"                          \"stlb\": { \"4k\": { \"entries\": 512, \"ways\": 4 }, \"latency\": 7 } },\n"
		"               \"pt_cache\": { \"entries\": 64, \"ways\": 4 },\n"
		"               \"walk_cache\": { \"pml4\": { \"entries\": 2, \"ways\": 2 },\n"
		"                                \"pdpt\": { \"entries\": 4, \"ways\": 4 },\n"
		"                                \"pd\": { \"entries\": 32, \"ways\": 4 } },\n"
		"               \"cycles\": { \"instruction\": 2, \"pt_cache_hit\": 5, \"memory\": 30,\n"
		"                           \"walk_cache_hit\": 3,\n"
		"                           \"page_fault\": 1500, \"page_zero\": 1000 } },\n"
		"  \"source\": { \"pattern\": \"sequential\", \"base\": \"0x10000000\",\n"
		"              \"footprint\": \"256KiB\", \"access_size\": 8,\n"
		"              \"accesses\": 65536, \"write_fraction\": 0 },\n"
		"  \"report\": { \"sample_every\": 0 } }\n";
	char *dir = tl_tmpdir();
	char *wp = tl_write(dir, "w.json", w), *rp = tl_path(dir, "r.json");
	const long long acc = 65536, pages = 64;
	json_t *r;

	(void)state;
	run_ok((const char *[]){ "run", wp, "-q", "-o", rp, NULL }, 0);
	r = tl_load(rp);
	assert_int_equal(counter(r, "accesses"), acc);
	assert_int_equal(counter(r, "reads"), acc);
	assert_int_equal(counter(r, "writes"), 0);
	assert_int_equal(counter(r, "faults.page"), pages);
	assert_int_equal(counter(r, "faults.zero_fill"), pages);
	assert_int_equal(counter(r, "faults.pt_pages"), 3);
	assert_int_equal(counter(r, "walks.count"), 2 * pages);
	assert_int_equal(counter(r, "walks.faults"), pages);
	assert_int_equal(counter(r, "walks.assists"), 0);
	assert_int_equal(counter(r, "walks.mem_refs"), 1 + 4 + 63 * (1 + 4));
	assert_int_equal(counter(r, "walks.psc_hits"), 63);
	assert_int_equal(counter(r, "tlb.l1d.misses"), 2 * pages);
	assert_int_equal(counter(r, "tlb.l1d.hits_4k"), acc + pages - 2 * pages);
	assert_int_equal(counter(r, "tlb.l1d.hits_2m") + counter(r, "tlb.l1d.hits_1g"), 0);
	assert_int_equal(counter(r, "tlb.stlb.hits_4k"), 0);
	assert_int_equal(counter(r, "walks.completed_4k"), pages);
	assert_int_equal(counter(r, "walks.pt_cache_hits"), 309);
	assert_int_equal(counter(r, "tlb.stlb.misses"), 2 * pages);
	assert_int_equal(counter(r, "memory.data_frames"), pages);
	assert_int_equal(counter(r, "memory.pt_frames"), 4);
	assert_int_equal(counter(r, "cycles.base"), 2 * acc);
	assert_int_equal(counter(r, "cycles.tlb"), (acc + pages) * 1 + 2 * pages * 7);
	assert_int_equal(counter(r, "cycles.walk"), 309 * 5 + 11 * 30 + 63 * 3);
	assert_int_equal(counter(r, "cycles.fault"), pages * 1500 + (pages + 3) * 1000);
	assert_int_equal(counter(r, "cycles.exit") + counter(r, "cycles.inv"), 0);
	assert_int_equal(counter(r, "cycles.total"),
			 counter(r, "cycles.base") + counter(r, "cycles.tlb") +
				 counter(r, "cycles.walk") + counter(r, "cycles.fault"));
	assert_int_equal(json_array_size(json_object_get(
				 json_object_get(r, "samples"), "rows")), 0);
	json_decref(r);
	free(wp);
	free(rp);
	tl_rmtree(dir);
}

/*
 * The same workload with the walk caches switched off (entries 0): every
 * walk reads all 4 levels again, 1 + 4 + 63 * 8 = 509 references, and the
 * caches' effect on the run above (320) is what they save.
 */
static void walk_caches_off_read_every_level(void **state)
{
	char *dir = tl_tmpdir();
	char *rp = tl_path(dir, "r.json");
	json_t *r;

	(void)state;
	run_ok((const char *[]){ "run", "workloads/default.json", "-q", "-o", rp,
				 "--set", "memory=16MiB",
				 "--set", "source.pattern=sequential",
				 "--set", "source.footprint=256KiB",
				 "--set", "source.accesses=65536",
				 "--set", "source.write_fraction=0",
				 "--set", "machine.walk_cache.pml4.entries=0",
				 "--set", "machine.walk_cache.pdpt.entries=0",
				 "--set", "machine.walk_cache.pd.entries=0",
				 "--set", "machine.pt_cache.entries=0",
				 "--set", "vm.enabled=false", "--set", "cpus=1",
				 NULL }, 0);
	r = tl_load(rp);
	assert_int_equal(counter(r, "walks.count"), 2 * 64);
	assert_int_equal(counter(r, "walks.mem_refs"), 1 + 4 + 63 * 8);
	assert_int_equal(counter(r, "walks.psc_hits"), 0);
	assert_int_equal(counter(r, "cycles.walk"),
			 509 * json_integer_value(json_object_get(json_object_get(
				 json_object_get(json_object_get(r, "config"), "machine"),
				 "cycles"), "memory")));
	json_decref(r);
	free(rp);
	tl_rmtree(dir);
}

/*
 * With machine.caps.la57 the kernel model builds 5-level tables, and every
 * walk starts at the PML5.  Caches off, as above: the first walk stops at
 * the empty PML5 (1), the retry reads 5 levels, every later page 2 x 5:
 * 1 + 5 + 63 * 10 = 636 references; 4 tables below the PML5, plus the PML5.
 */
static void la57_machine_walks_five_levels(void **state)
{
	char *dir = tl_tmpdir();
	char *rp = tl_path(dir, "r.json");
	json_t *r;

	(void)state;
	run_ok((const char *[]){ "run", "workloads/default.json", "-q", "-o", rp,
				 "--set", "memory=16MiB",
				 "--set", "machine.caps.la57=true",
				 "--set", "source.pattern=sequential",
				 "--set", "source.footprint=256KiB",
				 "--set", "source.accesses=65536",
				 "--set", "source.write_fraction=0",
				 "--set", "machine.walk_cache.pml5.entries=0",
				 "--set", "machine.walk_cache.pml4.entries=0",
				 "--set", "machine.walk_cache.pdpt.entries=0",
				 "--set", "machine.walk_cache.pd.entries=0",
				 "--set", "vm.enabled=false", "--set", "cpus=1",
				 NULL }, 0);
	r = tl_load(rp);
	assert_int_equal(counter(r, "walks.count"), 2 * 64);
	assert_int_equal(counter(r, "walks.mem_refs"), 1 + 5 + 63 * 10);
	assert_int_equal(counter(r, "faults.pt_pages"), 4);
	assert_int_equal(counter(r, "memory.pt_frames"), 5);
	json_decref(r);
	free(rp);
	tl_rmtree(dir);
}

/*
 * A write that faults is retried, and the retry's walk sets D, so the TLB
 * entry it fills is dirty: writing the same 8 pages again hits in L1 with
 * no assist.  (If fills dropped D, each second write would walk again.)
 * The read-then-write assist itself is tests/unit/test_sim.c's.
 */
static void writes_that_fault_fill_dirty_entries(void **state)
{
	char *dir = tl_tmpdir();
	char *rp = tl_path(dir, "r.json");
	json_t *r;

	(void)state;
	/* one 4 KiB write per page, 8 pages, two passes */
	run_ok((const char *[]){ "run", "workloads/default.json", "-q", "-o", rp,
				 "--set", "source.pattern=sequential",
				 "--set", "source.footprint=32KiB",
				 "--set", "source.access_size=4096",
				 "--set", "source.accesses=16",
				 "--set", "source.write_fraction=1",
				 "--set", "vm.enabled=false", "--set", "cpus=1", NULL }, 0);
	r = tl_load(rp);
	assert_int_equal(counter(r, "writes"), 16);
	assert_int_equal(counter(r, "faults.page"), 8);
	assert_int_equal(counter(r, "walks.assists"), 0);
	assert_int_equal(counter(r, "walks.count"), 16); /* fault + retry per page */
	assert_int_equal(counter(r, "tlb.l1d.hits_4k"), 8); /* the second pass */
	json_decref(r);
	tl_rmtree(dir);
	free(rp);
}

/* samples: a row every N accesses, plus one at the end; cumulative */
static void samples_every_n_accesses(void **state)
{
	char *dir = tl_tmpdir();
	char *rp = tl_path(dir, "r.json");
	json_t *r, *s, *rows, *cols;
	size_t acc_col = SIZE_MAX;

	(void)state;
	run_ok((const char *[]){ "run", "workloads/default.json", "-q", "-o", rp,
				 "--set", "source.accesses=10500",
				 "--set", "report.sample_every=1000", NULL }, 0);
	r = tl_load(rp);
	s = json_object_get(r, "samples");
	assert_int_equal(json_integer_value(json_object_get(s, "every")), 1000);
	cols = json_object_get(s, "columns");
	rows = json_object_get(s, "rows");
	for (size_t i = 0; i < json_array_size(cols); i++)
		if (strcmp(json_string_value(json_array_get(cols, i)), "accesses") == 0)
			acc_col = i;
	assert_true(acc_col != SIZE_MAX);
	assert_int_equal(json_array_size(rows), 11);
	for (size_t i = 0; i < 10; i++)
		assert_int_equal(json_integer_value(json_array_get(
					 json_array_get(rows, i), acc_col)),
				 (long long)(i + 1) * 1000);
	assert_int_equal(json_integer_value(json_array_get(json_array_get(rows, 10),
							  acc_col)), 10500);
	assert_int_equal(json_array_size(json_array_get(rows, 0)),
			 json_array_size(cols));
	json_decref(r);
	tl_rmtree(dir);
	free(rp);
}

/* more footprint than memory: the machine runs out, exit 1, report written */
static void out_of_memory_exits_1_with_a_report(void **state)
{
	char *dir = tl_tmpdir();
	char *rp = tl_path(dir, "r.json");
	const char *args[] = { "run", "workloads/default.json", "-o", rp,
			       "--set", "memory=1MiB", "--set", "source.footprint=4MiB",
			       "--set", "source.pattern=sequential",
			       "--set", "vm.enabled=false", "--set", "cpus=1",
			       "--set", "swap=0", "--set", "vm.swap=0", NULL };
	/* args[11]: the VM case below swaps it for vm.memory=1MiB; no swap anywhere */
	struct tl_run run;
	json_t *r, *st;

	(void)state;
	tl_run(&run, NULL, args);
	assert_int_equal(run.status, 1);
	assert_non_null(strstr(run.err, "ended abnormally: out_of_memory"));
	assert_non_null(strstr(run.out, "status: out_of_memory"));
	tl_run_free(&run);
	r = tl_load(rp);
	st = json_object_get(r, "status");
	assert_string_equal(json_string_value(json_object_get(st, "state")),
			    "out_of_memory");
	/* 256 frames: frame 0 reserved, 1 root + 3 tables, the rest data */
	assert_int_equal(counter(r, "memory.data_frames"), 256 - 1 - 4);
	assert_true(counter(r, "accesses") < 4 * 1024 * 1024 / 8);
	json_decref(r);
	/* in a VM the guest's memory runs out: 1 MiB of guest memory, the same count */
	args[5] = "memory=16MiB";
	args[11] = "vm.memory=1MiB";
	tl_run(&run, NULL, args);
	assert_int_equal(run.status, 1);
	tl_run_free(&run);
	r = tl_load(rp);
	assert_int_equal(counter(r, "memory.data_frames"), 256 - 1 - 4);
	assert_true(counter(r, "vmx.exits.ept_violation") > 0);
	json_decref(r);
	tl_rmtree(dir);
	free(rp);
}

static void report_to_stdout_summary_to_stderr(void **state)
{
	const char *args[] = { "run", "workloads/default.json", "-o", "-",
			       "--set", "source.accesses=1000", NULL };
	struct tl_run r;
	json_t *j;

	(void)state;
	tl_run(&r, NULL, args);
	assert_int_equal(r.status, 0);
	j = json_loads(r.out, 0, NULL);
	assert_non_null(j);
	assert_non_null(strstr(r.err, "cycles"));
	json_decref(j);
	tl_run_free(&r);
}

static void help_and_version(void **state)
{
	struct tl_run r;

	(void)state;
	tl_run(&r, NULL, (const char *[]){ "--version", NULL });
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "eptsim 0."));
	tl_run_free(&r);
	tl_run(&r, NULL, (const char *[]){ "--help", NULL });
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "run WORKLOAD.json"));
	assert_non_null(strstr(r.out, "exit status"));
	tl_run_free(&r);
	tl_run(&r, NULL, (const char *[]){ "run", "--help", NULL });
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "--set KEY=VALUE"));
	assert_non_null(strstr(r.out, "-o, --output FILE"));
	assert_non_null(strstr(r.out, "-q, --quiet"));
	tl_run_free(&r);
}

/* docs/cli.md quotes the help texts verbatim: they cannot drift apart */
static void docs_quote_the_help_verbatim(void **state)
{
	static const char *const cmds[] = { "run", "exec", "replay", "trace", "sweep",
					    "check", "plot", "probe", "explain" };
	char *doc = tl_read("docs/cli.md", NULL);
	struct tl_run r;

	(void)state;
	assert_non_null(doc);
	tl_run(&r, NULL, (const char *[]){ "--help", NULL });
	assert_non_null(strstr(doc, r.out));
	tl_run_free(&r);
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		tl_run(&r, NULL, (const char *[]){ cmds[i], "--help", NULL });
		assert_int_equal(r.status, 0);
		if (!strstr(doc, r.out))
			fail_msg("docs/cli.md does not quote 'eptsim %s --help'", cmds[i]);
		tl_run_free(&r);
	}
	free(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(default_report_is_byte_identical),
		cmocka_unit_test(report_config_reproduces_the_run),
		cmocka_unit_test(counts_match_the_paging_model),
		cmocka_unit_test(presets_change_the_cycles_and_the_breakdown_adds_up),
		cmocka_unit_test(walk_caches_off_read_every_level),
		cmocka_unit_test(la57_machine_walks_five_levels),
		cmocka_unit_test(writes_that_fault_fill_dirty_entries),
		cmocka_unit_test(samples_every_n_accesses),
		cmocka_unit_test(out_of_memory_exits_1_with_a_report),
		cmocka_unit_test(report_to_stdout_summary_to_stderr),
		cmocka_unit_test(help_and_version),
		cmocka_unit_test(docs_quote_the_help_verbatim),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
