/*
 * test_policies.c - the four EPT policies on one workload that touches
 * memory and is put under host memory pressure (workloads/pressure.json),
 * and the native/EPT overhead of the default workload.
 *
 * workloads/pressure.json, one vCPU, 16 guest pages read in order three
 * times (accesses 0-15, 16-31, 32-47) and a last read (48), no writes by
 * the process; host and guest have no swap; no superpages:
 *
 *   access  0-15  reads: each page's first touch is a #PF; the guest
 *                 kernel zeroes the data page, and the PDPT, PD and PT it
 *                 allocates, through the host: write faults, so the host
 *                 maps each guest page with read and write.
 *   before 16     host pressure: the page daemon examines every page.
 *   access 16-31  reads.
 *   before 32     host pressure again.
 *   access 32-47  reads.
 *   before 48     copyout of all 16 pages (the guest kernel writes them).
 *
 * The daemon cannot free anything (no swap), but it reads and clears the
 * reference bits of every page it examines.
 */
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/lib/testlib.h"

/* counter - counters.<dotted name> of a report, as an integer */
static long long counter(json_t *report, const char *name)
{
	return tl_counter(report, name);
}

/* run - eptsim run WORKLOAD with the sets given (NULL-terminated); the report */
static json_t *run(const char *workload, const char *const *sets)
{
	const char *args[32] = { "run", workload, "-q", "-o", NULL };
	char *dir = tl_tmpdir();
	char *rp = tl_path(dir, "r.json");
	struct tl_run r;
	json_error_t e;
	json_t *j;
	size_t n = 4;

	args[n++] = rp;
	for (; sets && *sets && n + 2 < sizeof(args) / sizeof(args[0]); sets++) {
		args[n++] = "--set";
		args[n++] = *sets;
	}
	args[n] = NULL;
	tl_run(&r, NULL, args);
	if (r.status != 0)
		fail_msg("eptsim run %s: exit %d: %s", workload, r.status, r.err);
	tl_run_free(&r);
	j = json_load_file(rp, 0, &e);
	if (!j)
		fail_msg("%s: %s", rp, e.text);
	free(rp);
	tl_rmtree(dir);
	return j;
}

#define PRESSURE "workloads/pressure.json"

/*
 * bhyve on an EPT without A/D (the westmere preset): A/D emulation.
 *
 * The first daemon run finds every page mapped read/write (modified):
 * clearing A (hardware R) would leave write-without-read, so it removes
 * the mapping (FreeBSD's safe_to_clear_referenced).  Accesses 16-31 then
 * fault each page back in by a read: valid, readable, W withheld (bit 53
 * set, hardware W clear).  The second daemon run finds them clean and
 * clears R, leaving execute-only entries (bhyve maps guest memory
 * executable).  Accesses 32-47 then make one accessed emulation per
 * guest page their walks touch: the PML4, PDPT, PD and PT and the 16 data
 * pages, 20.  The copyout writes each data page: 16 dirty emulations, and
 * one more for the PT, whose leaf entries get D on the first write.
 *
 * EPT violations: 19 in 0-15 (16 data pages and 3 tables zeroed; the PML4
 * was made while the VM was built), 20 in 16-31 (every mapping removed),
 * then the 20 and 17 emulations: 76.
 */
static void bhyve_without_ept_ad_emulates_as_predicted(void **state)
{
	json_t *r = run(PRESSURE, NULL);

	(void)state;
	assert_int_equal(counter(r, "kernel.host.ad_accessed"), 20);
	assert_int_equal(counter(r, "kernel.host.ad_dirty"), 17);
	assert_int_equal(counter(r, "vmx.exits.ept_violation"), 19 + 20 + 20 + 17);
	assert_int_equal(counter(r, "events.run"), 5);
	assert_int_equal(counter(r, "events.failed"), 0);
	assert_int_equal(counter(r, "kernel.host.reclaimed"), 0);
	assert_true(counter(r, "kernel.host.swap_full") > 0);
	json_decref(r);
}

/* with hardware EPT A/D the daemon clears EPT A (bit 8) and nothing is emulated */
static void bhyve_with_ept_ad_emulates_nothing(void **state)
{
	const char *sets[] = { "machine.preset=skylake-sp", NULL };
	json_t *r = run(PRESSURE, sets);

	(void)state;
	assert_int_equal(counter(r, "kernel.host.ad_accessed"), 0);
	assert_int_equal(counter(r, "kernel.host.ad_dirty"), 0);
	assert_true(counter(r, "kernel.host.scanned") > 0);
	/* the daemon's cleared A bits are invalidations: new EPT generations */
	assert_true(counter(r, "vmx.invept.single_context") > 0);
	/* no mapping was removed: only the 19 first-touch violations */
	assert_int_equal(counter(r, "vmx.exits.ept_violation"), 19);
	json_decref(r);
}

/*
 * nvmm on an EPT without A/D: no emulation exits; every EPT-mapped page
 * the daemon examines counts referenced, and with swap every page it has
 * to take (it can only force them) counts modified.
 */
static void nvmm_counts_every_page_referenced_and_modified(void **state)
{
	const char *sets[] = { "vm.policy=nvmm", NULL };
	const char *swap[] = { "vm.policy=nvmm", "swap=16MiB", NULL };
	json_t *r = run(PRESSURE, sets);

	(void)state;
	assert_int_equal(counter(r, "kernel.host.ad_accessed"), 0);
	assert_int_equal(counter(r, "kernel.host.ad_dirty"), 0);
	assert_true(counter(r, "kernel.host.scanned") > 0);
	/* passes 1 and 2 find every page referenced, pass 3 has to force each */
	assert_true(counter(r, "kernel.host.forced") > 0);
	assert_int_equal(counter(r, "kernel.host.scan_referenced") + counter(r, "kernel.host.forced"),
			 counter(r, "kernel.host.scanned"));
	/* nothing removed by the daemon: only the 19 first-touch violations */
	assert_int_equal(counter(r, "vmx.exits.ept_violation"), 19);
	json_decref(r);

	r = run(PRESSURE, swap);
	assert_int_equal(counter(r, "kernel.host.ad_accessed") + counter(r, "kernel.host.ad_dirty"), 0);
	assert_true(counter(r, "kernel.host.reclaimed") > 0);
	/* references never clear: the daemon can only force pages out, each modified */
	assert_int_equal(counter(r, "kernel.host.forced"), counter(r, "kernel.host.reclaimed"));
	assert_int_equal(counter(r, "kernel.host.scan_modified"), counter(r, "kernel.host.reclaimed"));
	assert_int_equal(counter(r, "kernel.host.scan_referenced") + counter(r, "kernel.host.forced"),
			 counter(r, "kernel.host.scanned"));
	json_decref(r);
}

/* akaros keeps the EPT as the second half of each page-table pair: twice bhyve's bytes */
static void akaros_spends_twice_the_page_table_bytes(void **state)
{
	const char *bhyve[] = { "machine.preset=skylake-sp", NULL };
	const char *akaros[] = { "machine.preset=skylake-sp", "vm.policy=akaros", NULL };
	json_t *b = run(PRESSURE, bhyve), *a = run(PRESSURE, akaros);

	(void)state;
	assert_true(counter(b, "memory.host_pt_bytes") > 0);
	assert_int_equal(counter(a, "memory.host_pt_bytes"),
			 2 * counter(b, "memory.host_pt_bytes"));
	/* the same mappings come and go: the same violations */
	assert_int_equal(counter(a, "vmx.exits.ept_violation"),
			 counter(b, "vmx.exits.ept_violation"));
	json_decref(a);
	json_decref(b);
}

/*
 * dragonfly fills the EPT at each fault: every EPT violation is one host
 * fault (plus the one made while the VM was built), and its copyout walks
 * the guest tables by hand, one walk per page, where bhyve's goes through
 * the MMU (one supervisor access per 64-byte line).
 */
static void dragonfly_fills_at_each_fault_and_walks_for_copies(void **state)
{
	const char *dfly[] = { "machine.preset=skylake-sp", "vm.policy=dragonfly", NULL };
	const char *bhyve[] = { "machine.preset=skylake-sp", NULL };
	json_t *d = run(PRESSURE, dfly), *b = run(PRESSURE, bhyve);

	(void)state;
	assert_true(counter(d, "vmx.exits.ept_violation") > 0);
	assert_int_equal(counter(d, "kernel.host.faults"),
			 counter(d, "vmx.exits.ept_violation") + 1);
	assert_int_equal(counter(d, "kernel.guest.copy_walks"), 16);
	assert_int_equal(counter(d, "kernel.guest.copy_bytes"), 65536);
	assert_int_equal(counter(b, "kernel.guest.copy_walks"), 0);
	assert_int_equal(counter(b, "kernel.guest.copy_bytes"), 65536);
	/* bhyve's copy is 1024 line accesses through the TLB; dragonfly's none */
	assert_true(counter(b, "tlb.l1d.hits_4k") + counter(b, "tlb.l1d.misses") >= 49 + 1024);
	assert_true(counter(d, "tlb.l1d.hits_4k") + counter(d, "tlb.l1d.misses") < 49 + 1024);
	json_decref(d);
	json_decref(b);
}

/* the default workload's report and summary carry the native/EPT ratio */
static void default_workload_reports_the_overhead(void **state)
{
	const char *args[] = { "run", "workloads/default.json", "-o", NULL, NULL };
	char *dir = tl_tmpdir();
	char *rp = tl_path(dir, "r.json");
	struct tl_run r;
	json_t *j, *o;
	long long nat, ept;
	char want[64];
	unsigned long long q;

	(void)state;
	args[3] = rp;
	tl_run(&r, NULL, args);
	assert_int_equal(r.status, 0);
	j = json_load_file(rp, 0, NULL);
	assert_non_null(j);
	o = json_object_get(j, "overhead");
	assert_non_null(o);
	assert_string_equal(json_string_value(json_object_get(o, "native_status")), "completed");
	nat = json_integer_value(json_object_get(o, "native_cycles"));
	ept = json_integer_value(json_object_get(o, "ept_cycles"));
	assert_int_equal(ept, counter(j, "cycles.total"));
	assert_true(nat > 0 && ept > nat);
	q = ((unsigned long long)ept * 10000 + (unsigned long long)nat / 2) / (unsigned long long)nat;
	snprintf(want, sizeof(want), "%llu.%04llu", q / 10000, q % 10000);
	assert_string_equal(json_string_value(json_object_get(o, "ratio")), want);
	snprintf(want, sizeof(want), "EPT/native %llu.%04llu x", q / 10000, q % 10000);
	if (!strstr(r.out, want))
		fail_msg("summary lacks \"%s\":\n%s", want, r.out);
	json_decref(j);
	tl_run_free(&r);
	free(rp);
	tl_rmtree(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bhyve_without_ept_ad_emulates_as_predicted),
		cmocka_unit_test(bhyve_with_ept_ad_emulates_nothing),
		cmocka_unit_test(nvmm_counts_every_page_referenced_and_modified),
		cmocka_unit_test(akaros_spends_twice_the_page_table_bytes),
		cmocka_unit_test(dragonfly_fills_at_each_fault_and_walks_for_copies),
		cmocka_unit_test(default_workload_reports_the_overhead),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
