/*
 * replay.h - source.kind "trace": a trace replayed through the machine.
 *
 *   tr_next --record--> replay_run
 *     TR_TURN, TR_HALT        the recorded schedule: a vCPU's turn of a
 *                             process (a context switch first if it says),
 *                             a vCPU halting
 *     TR_FETCH/READ/WRITE     proc_access on the process whose turn it is,
 *                             as the Unicorn hooks make them
 *     TR_INSNS                proc_retire
 *     TR_SYSCALL ... SYSRET   the call counted; its kernel operations
 *                             (TR_MMAP ... TR_COPY) made again through the
 *                             same functions, each result checked against
 *                             the recorded one; the kernel's work charged
 *     TR_EXIT, TR_KILL        the process ends as it did
 *
 * A native trace recorded from a run therefore replays into the same
 * counters and cycles under the same configuration.  Under another
 * configuration the kernel's decisions may differ: a kernel operation
 * whose result differs from the recording stops the replay with an error
 * (the rest of the trace assumes the recorded result); an access the
 * model refuses where the recording had none kills the process
 * (SIGSEGV, instruction pointer unknown: 0) and its later records are
 * skipped.
 *
 * A trace without processes (TR_F_DEMAND: lackey, ChampSim) is one
 * process on vCPU 0 whose memory the guest kernel maps on demand, a
 * 2 MiB region read/write/execute at a time (faults.demand_maps); at the
 * end of the trace it exits with status 0.
 */
#ifndef EPTSIM_SIM_REPLAY_H
#define EPTSIM_SIM_REPLAY_H

#include <stdbool.h>

#include "eptsim.h"

struct sim;

/*
 * replay_init - open source.trace, make its processes and their address
 * spaces as the trace's first records build them (up to the first turn).
 * Called by sim_init before the CPUs are made.  0 or a negative errno
 * (err names the file and the place).
 */
int replay_init(struct sim *s, struct eptsim_error *err);

/* replay_run - the rest of the trace.  0, or a negative errno (err says). */
int replay_run(struct sim *s, struct eptsim_error *err);

/* replay_fini - close the trace; NULL-safe (s_rp NULL) */
void replay_fini(struct sim *s);

/* replay_info - the trace's format name, the records replayed, whether it is mapped on demand */
void replay_info(const struct sim *s, const char **format, unsigned long long *records,
		 bool *demand);

#endif
