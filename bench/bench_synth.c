/*
 * bench_synth.c - simulation speed of the native pipeline against its
 * peer in the same process: generating the same synthetic stream without
 * simulating it (the limit no simulation can beat).  Prints, per workload,
 * accesses per second of both and their ratio.  Wall-clock time is fine
 * here: nothing of it reaches a report.
 *
 * usage: bench_synth [ACCESSES]   (default 5,000,000)
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "eptsim.h"
#include "sim/cfg_load.h"
#include "sim/result.h"
#include "sim/synth.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

struct workload {
	const char *name;
	const char *sets[8];
};

static const struct workload workloads[] = {
	{ "tlb-friendly (sequential over 64 MiB)",
	  { "source.pattern=sequential", "source.footprint=64MiB", NULL } },
	{ "zipf 0.99 over 256 MiB, native",
	  { "source.pattern=zipf", "source.footprint=256MiB", NULL } },
	{ "zipf 0.99 over 256 MiB in a VM, 2 vCPUs (default)",
	  { "source.pattern=zipf", "source.footprint=256MiB", "vm.enabled=true",
	    "cpus=2", NULL } },
	{ "walk-heavy (uniform over 4 GiB), native",
	  { "source.pattern=uniform", "source.footprint=4GiB", "memory=8GiB", NULL } },
	{ "walk-heavy (uniform over 4 GiB) in a VM, 2 vCPUs",
	  { "source.pattern=uniform", "source.footprint=4GiB", "memory=8GiB",
	    "vm.enabled=true", "vm.memory=6GiB", "cpus=2", NULL } },
};

int main(int argc, char **argv)
{
	unsigned long long n = argc > 1 ? strtoull(argv[1], NULL, 10) : 5000000ull;
	char accesses[64];

	snprintf(accesses, sizeof(accesses), "source.accesses=%llu", n);
	printf("%-48s %14s %14s %8s\n", "workload", "generate/s", "simulate/s", "ratio");
	for (size_t w = 0; w < sizeof(workloads) / sizeof(workloads[0]); w++) {
		const char *sets[10] = { accesses, "report.sample_every=0" };
		struct eptsim_load_opts o = { .sets = sets };
		struct eptsim_error err;
		struct eptsim_config *cfg;
		struct eptsim_result *res;
		struct synth_params sp;
		struct synth_access a;
		struct synth sy;
		unsigned long long sink = 0;
		double t0, tgen, tsim;
		size_t ns = 2;

		for (size_t i = 0; workloads[w].sets[i]; i++)
			sets[ns++] = workloads[w].sets[i];
		o.nsets = ns;
		if (eptsim_config_load(NULL, &o, &cfg, &err) < 0) {
			fprintf(stderr, "bench: %s\n", err.msg);
			return 1;
		}
		/* the peer: the same stream, only generated */
		cfg_synth_params(&cfg->ec_cfg, &sp);
		if (synth_init(&sy, &sp) < 0)
			return 1;
		t0 = now();
		while (synth_next(&sy, &a))
			sink += a.va;
		tgen = now() - t0;
		t0 = now();
		if (eptsim_run(cfg, &res, &err) < 0) {
			fprintf(stderr, "bench: %s\n", err.msg);
			return 1;
		}
		tsim = now() - t0;
		printf("%-48s %14.0f %14.0f %7.1fx   (checksum %llx)\n",
		       workloads[w].name, (double)n / tgen, (double)n / tsim,
		       tsim / tgen, sink & 0xffff);
		eptsim_result_free(res);
		eptsim_config_free(cfg);
	}
	return 0;
}
