/*
 * result.h - what a finished run leaves behind (struct eptsim_result) and
 * the config wrapper (struct eptsim_config): shared by api.c, report.c and
 * summary.c.
 */
#ifndef EPTSIM_SIM_RESULT_H
#define EPTSIM_SIM_RESULT_H

#include <jansson.h>

#include "eptsim.h"
#include "sim/cfg.h"
#include "sim/sim.h"

struct eptsim_config {
	struct cfg ec_cfg;
};

/* one (v)CPU at the end of the run */
struct eptsim_cpu {
	enum vcpu_state ec_state;
	uint64_t ec_ctr[SIM_NCOUNTERS];         /* its own; gauges (memory.*) as the machine's */
	uint64_t ec_hist[MMU_MAX_REFS + 1];     /* walks by memory references */
};

/* one process of a program source at the end */
struct eptsim_proc {
	char ep_name[CFG_PATH_MAX];     /* the program (a replay: as the trace names it) */
	int ep_state;           /* enum proc_state */
	int ep_exit_code;
	int ep_signal;
	uint64_t ep_fault_va, ep_fault_ip;
	uint64_t ep_insns;
	unsigned ep_cpu;
	uint64_t ep_sys[513];           /* by number (PROC_NSYS + 1) */
	uint64_t ep_sys_enosys[513];
};

struct eptsim_result {
	struct cfg er_cfg;
	struct sim_stop er_stop;
	uint64_t er_ctr[SIM_NCOUNTERS];
	uint64_t er_hist[MMU_MAX_REFS + 1];
	unsigned er_ncpus;
	struct eptsim_cpu *er_cpus;
	size_t er_nprocs;
	struct eptsim_proc *er_procs;
	uint64_t *er_samples;   /* er_nsamples rows of SIM_NCOUNTERS */
	size_t er_nsamples;
	/* source.kind "trace": its format, the records replayed */
	char er_trace_format[16];
	uint64_t er_trace_records;
	bool er_trace_demand;
	/* a VM run with report.native_baseline: the same workload natively */
	bool er_has_native;
	enum eptsim_status er_native_status;
	uint64_t er_native_ctr[SIM_NCOUNTERS];          /* its counters */
	uint64_t er_native_hist[MMU_MAX_REFS + 1];      /* its walks by memory references */
};

/*
 * cfg_native_of - the native baseline of VM configuration `c`: the guest
 * kernel's memory, swap and superpages become the machine's, host
 * pressure events are dropped (natively there is no host), guest ones go
 * to the machine's kernel, no samples.
 */
void cfg_native_of(const struct cfg *c, struct cfg *n);

/* eptsim_ratio_text - num/den as "1.2345" (rounded, integer arithmetic), "-" if den is 0 */
void eptsim_ratio_text(uint64_t num, uint64_t den, char *buf, size_t len);

/* report_json - the whole report but the samples, keys in report order */
json_t *report_json(const struct eptsim_result *r);

#endif
