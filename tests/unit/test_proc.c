/*
 * test_proc.c - the instruction count of a program process, checked
 * against a second way of counting.  proc.c counts instructions per
 * executed block (decoded once, cached by address); proc_count_code adds
 * Unicorn's per-instruction hook, which sees every instruction that
 * starts.  For a program that runs to its end the two agree exactly; for
 * one killed by a fault the hook has seen the faulting instruction start
 * but it did not retire: one more.
 *
 * One fresh machine per program: the library directly (cfg_load with the
 * overrides `eptsim exec` makes, sim_init, sim_run).  The programs are
 * every tests/programs/NAME.c, built by make into $EPTSIM_PROGRAMS/NAME
 * (default build/programs); the suite runs from the project root.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sim/cfg_load.h"
#include "sim/proc/proc.h"
#include "sim/sim.h"
#include "tests/lib/testlib.h"

#define SRC_DIR "tests/programs"
#define STDIN_FILE SRC_DIR "/stdin.txt"
#define MAX_PROGS 64

/* programs_dir - where make put the programs */
static const char *programs_dir(void)
{
	const char *d = getenv("EPTSIM_PROGRAMS");

	return d && *d ? d : "build/programs";
}

struct counted {
	int state, exit_code, signal;
	uint64_t insns, code_insns, total_insns;
};

/*
 * run_counted - run program `name` alone (its output discarded), both
 * counts on, natively or in a VM; how it ended and the counts.
 */
static void run_counted(const char *name, bool vm, struct counted *out)
{
	char procs[1024], path[512];
	const char *sets[8];
	size_t n = 0;
	struct eptsim_error err = { { 0 } };
	struct cfg *c = calloc(1, sizeof(*c));
	struct sim *s = calloc(1, sizeof(*s));

	assert_non_null(c);
	assert_non_null(s);
	snprintf(path, sizeof(path), "%s/%s", programs_dir(), name);
	snprintf(procs, sizeof(procs),
		 "processes=[{\"program\": \"%s\", \"stdout\": \"\", \"stderr\": \"\", \"stdin\": \"%s\"}]",
		 path, strcmp(name, "stdin") == 0 ? STDIN_FILE : "");
	sets[n++] = "source.kind=program";
	sets[n++] = procs;
	if (vm) {
		sets[n++] = "vm.enabled=true";
		sets[n++] = "report.native_baseline=false";
	}
	if (cfg_load(c, NULL, sets, n, NULL, &err) != 0)
		fail_msg("%s: cfg_load: %s", name, err.msg);
	if (sim_init(s, c, &err) != 0)
		fail_msg("%s: sim_init: %s", name, err.msg);
	assert_int_equal(s->s_nprocs, 1);
	for (size_t i = 0; i < s->s_nprocs; i++)
		assert_int_equal(proc_count_code(&s->s_procs[i]), 0);
	if (sim_run(s, &err) != 0)
		fail_msg("%s: sim_run: %s", name, err.msg);
	sim_snapshot(s);
	out->state = s->s_procs[0].p_state;
	out->exit_code = s->s_procs[0].p_exit_code;
	out->signal = s->s_procs[0].p_signal;
	out->insns = s->s_procs[0].p_insns;
	out->code_insns = s->s_procs[0].p_code_insns;
	out->total_insns = s->s_ctr[CTR_INSTRUCTIONS];
	sim_fini(s);
	free(s);
	free(c);
}

/* counts_agree - every program but segv: exits 0, both counts equal */
static void counts_agree(bool vm)
{
	char *names[MAX_PROGS];
	size_t n = tl_list_programs(names, MAX_PROGS), ran = 0;

	for (size_t i = 0; i < n; i++) {
		struct counted k;

		if (strcmp(names[i], "segv") == 0) {
			free(names[i]);
			continue;
		}
		run_counted(names[i], vm, &k);
		if (k.state != PROC_EXITED || k.exit_code != 0)
			fail_msg("%s: state %s, exit code %d, want exited 0", names[i],
				 proc_state_name(k.state), k.exit_code);
		if (k.insns == 0 || k.insns != k.code_insns)
			fail_msg("%s%s: %llu instructions counted by block, %llu by the per-instruction hook",
				 names[i], vm ? " (VM)" : "", (unsigned long long)k.insns,
				 (unsigned long long)k.code_insns);
		assert_int_equal(k.total_insns, k.insns);
		free(names[i]);
		ran++;
	}
	assert_true(ran >= 6);
}

static void block_count_equals_per_instruction_count(void **state)
{
	(void)state;
	counts_agree(false);
}

static void block_count_equals_per_instruction_count_in_a_vm(void **state)
{
	(void)state;
	counts_agree(true);
}

/* the faulting store started (the hook saw it) but did not retire */
static void segv_faulting_instruction_is_not_counted(void **state)
{
	(void)state;
	for (int vm = 0; vm < 2; vm++) {
		struct counted k;

		run_counted("segv", vm, &k);
		assert_int_equal(k.state, PROC_KILLED);
		assert_int_equal(k.signal, SIGSEGV);
		assert_true(k.insns > 1000000);
		if (k.code_insns != k.insns + 1)
			fail_msg("segv%s: %llu by block, %llu by the per-instruction hook, want one more",
				 vm ? " (VM)" : "", (unsigned long long)k.insns,
				 (unsigned long long)k.code_insns);
		assert_int_equal(k.total_insns, k.insns);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(block_count_equals_per_instruction_count),
		cmocka_unit_test(block_count_equals_per_instruction_count_in_a_vm),
		cmocka_unit_test(segv_faulting_instruction_is_not_counted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
