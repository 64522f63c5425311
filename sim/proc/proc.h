/*
 * proc.h - a process of the guest: a static x86-64 program run
 * instruction by instruction in the Unicorn engine, its address space in
 * the guest kernel model, and its system calls.
 *
 *   Unicorn (the instructions, the bytes at their virtual addresses)
 *     block hook --(fetch: one per block and page)------> sim_access
 *     memory hooks --(read, write: one per page touched)--> sim_access
 *     SYSCALL --> proc_syscall: the kernel model (vmspace_*), copies
 *                 through the MMU as supervisor accesses
 *
 * The simulated page tables are the only authority on what is mapped and
 * with which rights: Unicorn maps every byte of every region read, write
 * and execute, and holds the contents (the kernel model's frames carry
 * none for a program's pages); an access the model refuses ends the
 * process with SIGSEGV before Unicorn's memory is consulted.  Unicorn's
 * regions mirror the vm_map's: every system call that changes the map
 * changes Unicorn's memory the same way (proc_sys.c).
 *
 * Instructions are counted per executed block: the block's instructions
 * are decoded once (sim/x86) and cached by address.  The count is what a
 * per-instruction hook would see: each iteration of a REP string
 * instruction counts once, as Unicorn executes it; an instruction that
 * faults does not retire and is not counted.  RDTSC and RDTSCP are not
 * supported: Unicorn would answer them from the host's clock, so the
 * process is killed with SIGILL at the first one it reaches.
 *
 * Program segments are anonymous regions: their first touch is a
 * zero-fill fault in the model (standing in for the page-cache fault of a
 * file mapping, which the model does not have), while Unicorn holds the
 * bytes from the file.
 */
#ifndef EPTSIM_SIM_PROC_PROC_H
#define EPTSIM_SIM_PROC_PROC_H

#include <stdio.h>
#include <unicorn/unicorn.h>

#include "eptsim.h"
#include "kernel-model/vm_fault.h"
#include "sim/cfg.h"
#include "sim/elf/elf.h"
#include "sim/mmu/mmu.h"

struct sim;
struct vcpu;

/* the stack: PROC_STACK_SIZE bytes below PROC_STACK_TOP (Linux's 47-bit layout, an 8 MiB rlimit) */
#define PROC_STACK_TOP UINT64_C(0x7ffffffff000)
#define PROC_STACK_SIZE (UINT64_C(8) << 20)

/* system calls are counted by number below PROC_NSYS; the rest in one bucket */
#define PROC_NSYS 512u

enum proc_state {
	PROC_NEW,       /* not run yet: the kernel still has to copy its stack out */
	PROC_RUNNING,
	PROC_EXITED,    /* exit or exit_group: p_exit_code */
	PROC_KILLED,    /* by a signal: p_signal, at p_fault_va by the instruction at p_fault_ip */
};

/* a cached block: its instructions, decoded once */
struct proc_blk {
	uint64_t pb_addr;       /* 0: empty slot */
	uint32_t pb_size;       /* bytes, as Unicorn reports the block */
	uint32_t pb_ninsn;
	uint32_t pb_tsc;        /* 1 + the index of its first RDTSC/RDTSCP; 0: none */
};

struct proc {
	unsigned p_id;                  /* index in cfg.procs (a replay: in the trace) */
	const struct cfg_proc *p_cfg;   /* NULL for a replayed process */
	char *p_name;                   /* the program, for the report */
	struct sim *p_sim;
	struct vmspace p_vs;
	bool p_up_vs;
	uc_engine *p_uc;
	unsigned p_cpu;                 /* the vCPU it runs on */
	uint16_t p_pcid;                /* its PCID when the kernel uses them */
	uint64_t p_stale;               /* vCPUs that may cache stale entries of p_pcid (bit i: vCPU i) */
	enum proc_state p_state;
	int p_exit_code;
	int p_signal;                   /* PROC_KILLED: SIGSEGV, SIGILL, ... */
	uint64_t p_fault_va, p_fault_ip;
	uint64_t p_rip;                 /* where it resumes */
	struct elf_image p_im;
	uint8_t *p_stack_img;           /* the initial stack, copied out at the first turn */
	size_t p_stack_len;
	uint64_t p_sp;
	/* the turn in progress */
	struct vcpu *p_vc;
	uint64_t p_turn_insns, p_turn_budget;
	bool p_stopping;                /* the block hook stopped Unicorn: the turn is over */
	bool p_ended;                   /* the run must end (out of memory) */
	int p_err;                      /* -ENOMEM from inside a hook */
	uint64_t p_blk_addr;            /* the block executing, for a fault's count */
	uint32_t p_blk_size, p_blk_ninsn;
	uint32_t p_blk_tsc;             /* its pb_tsc */
	/* decoded blocks: open addressing, p_blk_cap a power of two */
	struct proc_blk *p_blks;
	size_t p_blk_cap, p_blk_used;
	/* standard input and output */
	uint8_t *p_in;
	size_t p_in_len, p_in_off;
	FILE *p_out, *p_errf;
	bool p_own_out, p_own_err;
	uint64_t p_rng[4];              /* getrandom, AT_RANDOM */
	uint64_t p_insns;               /* instructions executed */
	uint64_t p_sys[PROC_NSYS + 1];  /* system calls by number; [PROC_NSYS]: larger numbers */
	uint64_t p_sys_enosys[PROC_NSYS + 1];
	/* tests: instructions counted by a per-instruction hook as well (proc_count_code) */
	bool p_check_count;
	uint64_t p_code_insns;
	uc_hook p_code_hook;
};

/*
 * proc_init - process `id` of configuration `c` (`c->procs[id]`): read and
 * check its program, build its address space in the guest kernel `k`
 * (segments, stack; brk after the last segment), its Unicorn engine
 * holding the segments' bytes, its initial registers and stack image.
 * quiet: discard its output (the native baseline).  0, or a negative
 * errno with `err` naming the file and what is wrong with it.  On failure
 * proc_fini cleans up.
 */
int proc_init(struct proc *p, struct sim *s, unsigned id, bool quiet,
	      struct eptsim_error *err) MUST_CHECK;
void proc_fini(struct proc *p);

/*
 * proc_init_replay - process `id` of a replayed trace, on vCPU `cpu`: an
 * empty address space (the trace's records build it), no Unicorn engine.
 * 0 or -ENOMEM (err says); on failure proc_fini cleans up.
 */
int proc_init_replay(struct proc *p, struct sim *s, unsigned id, unsigned cpu,
		     const char *name, struct eptsim_error *err) MUST_CHECK;

/*
 * The kernel model's operations on p's address space, recorded in the
 * run's trace when it is recorded (sim.h s_rec), with their results.
 * A replay makes them through the same functions.
 */
int proc_mmap(struct proc *p, uint64_t *addr, uint64_t len, uint32_t prot, bool fixed) MUST_CHECK;
int proc_munmap(struct proc *p, uint64_t addr, uint64_t len) MUST_CHECK;
int proc_mprotect(struct proc *p, uint64_t addr, uint64_t len, uint32_t prot) MUST_CHECK;
int proc_madvise(struct proc *p, uint64_t addr, uint64_t len) MUST_CHECK;
int proc_brk(struct proc *p, uint64_t want, uint64_t *cur) MUST_CHECK;
void proc_brk_base(struct proc *p, uint64_t base);

/* proc_retire - `n` instructions of `p` executed on p_vc (negative: taken back) */
void proc_retire(struct proc *p, int64_t n);

/*
 * proc_access - one access of `size` bytes at `va` by `p` on p_vc:
 * counted, recorded, translated once per page it touches (at most two).
 * 0, or sim_access's non-zero result with *fault_va the page refused.
 */
int proc_access(struct proc *p, uint64_t va, uint32_t size, enum mmu_acc acc,
		uint64_t *fault_va) MUST_CHECK;

/*
 * proc_sys_enter - system call `nr` of `p` enters the kernel: counted,
 * charged machine.cycles.syscall; `known`: eptsim serves it (else ENOSYS,
 * counted by number).  Recorded.
 */
void proc_sys_enter(struct proc *p, uint64_t nr, bool known);

/*
 * proc_count_code - tests: also count every instruction with a
 * per-instruction hook (p_code_insns), to check the block count.  Before
 * the first turn.  0 or -ENOMEM.
 */
int proc_count_code(struct proc *p) MUST_CHECK;

/*
 * proc_turn - run `p` on `vc` (whose CR3 holds p's tables) until it has
 * executed at least `budget` instructions (to the end of a block), or
 * exits, or is killed.  0, 1 when the whole run must end (the machine
 * ran out of memory: s_stop filled), -ENOMEM for the host running eptsim.
 */
int proc_turn(struct proc *p, struct vcpu *vc, uint64_t budget) MUST_CHECK;

/* proc_alive - it can still run */
static inline bool proc_alive(const struct proc *p)
{
	return p->p_state == PROC_NEW || p->p_state == PROC_RUNNING;
}

/*
 * proc_syscall - the SYSCALL instruction of `p` (Unicorn's hook): the
 * number in RAX, arguments in RDI, RSI, RDX, R10, R8, R9, the result (or
 * -errno) into RAX.  Counted and charged to the current vCPU.
 */
void proc_syscall(uc_engine *uc, void *user);

/*
 * proc_kill - `p` dies by `sig` at the instruction at `ip`; `mem`: for
 * the access at `va` (else a CPU exception: va 0).  Recorded (the run's
 * first kill is its status), Unicorn stopped.
 */
void proc_kill(struct proc *p, int sig, uint64_t va, uint64_t ip, bool mem);

/* proc_exit - `p` exits with `code` (exit, exit_group); recorded */
void proc_exit(struct proc *p, uint64_t code);

/*
 * proc_uc_map/proc_uc_unmap - mirror a change of the vm_map in Unicorn:
 * map [addr, addr + len) fresh (zero) / unmap every mapped part of it.
 * 0 or -ENOMEM.
 */
int proc_uc_map(struct proc *p, uint64_t addr, uint64_t len) MUST_CHECK;
int proc_uc_unmap(struct proc *p, uint64_t addr, uint64_t len) MUST_CHECK;

/* proc_sys_name - the name of a system call eptsim serves ("write"), NULL for the others */
const char *proc_sys_name(unsigned nr);

/* proc_state_name - "new", "running", "exited", "killed" */
const char *proc_state_name(int state);

/* proc_signal_name - "SIGSEGV" for SIGSEGV, ... */
const char *proc_signal_name(int sig);

#endif
