/*
 * proc.c - a process: loading, the Unicorn hooks, a turn (see proc.h).
 */
#include "sim/proc/proc.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "sim/cfg_load.h"
#include "sim/rng.h"
#include "sim/sim.h"
#include "sim/x86/x86.h"
#include "traces/trace.h"

/* the largest program file eptsim reads */
#define PROC_FILE_MAX (UINT64_C(1) << 30)

const char *proc_state_name(int state)
{
	static const char *const names[] = { "new", "running", "exited", "killed" };

	return state >= 0 && state <= PROC_KILLED ? names[state] : "unknown";
}

const char *proc_signal_name(int sig)
{
	switch (sig) {
	case SIGSEGV:
		return "SIGSEGV";
	case SIGILL:
		return "SIGILL";
	case SIGFPE:
		return "SIGFPE";
	case SIGTRAP:
		return "SIGTRAP";
	case SIGBUS:
		return "SIGBUS";
	}
	return "SIGKILL";
}

/* ---- the guest kernel's TLB shootdowns of this process ------------------- */

static void inval_page(void *ctx, struct pmap *pm, uint64_t va)
{
	struct proc *p = ctx;

	sim_shoot(p->p_sim, &p->p_vs, &p->p_stale, va, 1);
	(void)pm;
}

static void inval_range(void *ctx, struct pmap *pm, uint64_t sva, uint64_t eva)
{
	struct proc *p = ctx;

	sim_shoot(p->p_sim, &p->p_vs, &p->p_stale, sva, (eva - sva) >> PAGE_SHIFT);
	(void)pm;
}

static void inval_all(void *ctx, struct pmap *pm)
{
	struct proc *p = ctx;

	sim_shoot(p->p_sim, &p->p_vs, &p->p_stale, 0, UINT64_MAX);
	(void)pm;
}

/* ---- decoded blocks ------------------------------------------------------- */

static size_t blk_hash(uint64_t addr, uint32_t size, size_t cap)
{
	uint64_t h = (addr ^ ((uint64_t)size << 48)) * UINT64_C(0x9e3779b97f4a7c15);

	return (size_t)(h >> 20) & (cap - 1);
}

/*
 * blk_decode - the instructions of [addr, addr + size) as Unicorn holds
 * them, up to (not including) the one at `stop` (UINT64_MAX: all); *tsc
 * (if not NULL) 1 + the index of the first RDTSC/RDTSCP, or 0.  An
 * encoding the decoder does not know counts as one instruction to the end.
 */
static uint32_t blk_decode_tsc(struct proc *p, uint64_t addr, uint32_t size,
			       uint64_t stop, uint32_t *tsc)
{
	uint8_t buf[8192];
	uint32_t n = 0, off = 0;

	if (tsc)
		*tsc = 0;
	if (size > sizeof(buf) || uc_mem_read(p->p_uc, addr, buf, size) != UC_ERR_OK)
		return 1;
	while (off < size && addr + off < stop) {
		unsigned len = x86_insn_len(buf + off, size - off);

		n++;
		if (len == 0)
			break;
		if (tsc && *tsc == 0 && x86_reads_tsc(buf + off, len))
			*tsc = n;
		off += len;
	}
	return n;
}

static uint32_t blk_decode(struct proc *p, uint64_t addr, uint32_t size, uint64_t stop)
{
	return blk_decode_tsc(p, addr, size, stop, NULL);
}

static int blk_grow(struct proc *p)
{
	size_t cap = p->p_blk_cap ? 2 * p->p_blk_cap : 4096;
	struct proc_blk *nb = calloc(cap, sizeof(*nb));

	if (!nb)
		return -ENOMEM;
	for (size_t i = 0; i < p->p_blk_cap; i++) {
		const struct proc_blk *b = &p->p_blks[i];
		size_t h;

		if (b->pb_addr == 0)
			continue;
		for (h = blk_hash(b->pb_addr, b->pb_size, cap); nb[h].pb_addr;
		     h = (h + 1) & (cap - 1))
			;
		nb[h] = *b;
	}
	free(p->p_blks);
	p->p_blks = nb;
	p->p_blk_cap = cap;
	return 0;
}

/* blk_count - the instructions of the block Unicorn executes at addr (cached); *tsc as blk_decode_tsc */
static uint32_t blk_count(struct proc *p, uint64_t addr, uint32_t size, uint32_t *tsc)
{
	size_t h;

	if (p->p_blk_cap) {
		for (h = blk_hash(addr, size, p->p_blk_cap); p->p_blks[h].pb_addr;
		     h = (h + 1) & (p->p_blk_cap - 1))
			if (p->p_blks[h].pb_addr == addr && p->p_blks[h].pb_size == size) {
				*tsc = p->p_blks[h].pb_tsc;
				return p->p_blks[h].pb_ninsn;
			}
	}
	if (2 * (p->p_blk_used + 1) > p->p_blk_cap && blk_grow(p) < 0) {
		p->p_err = -ENOMEM;
		return blk_decode_tsc(p, addr, size, UINT64_MAX, tsc);
	}
	for (h = blk_hash(addr, size, p->p_blk_cap); p->p_blks[h].pb_addr;
	     h = (h + 1) & (p->p_blk_cap - 1))
		;
	p->p_blks[h] = (struct proc_blk){ .pb_addr = addr, .pb_size = size };
	p->p_blks[h].pb_ninsn = blk_decode_tsc(p, addr, size, UINT64_MAX, &p->p_blks[h].pb_tsc);
	p->p_blk_used++;
	*tsc = p->p_blks[h].pb_tsc;
	return p->p_blks[h].pb_ninsn;
}

/* ---- the hooks ------------------------------------------------------------ */

/* rec - record `r` if the run is recorded */
static inline void rec(struct proc *p, const struct tr_rec *r)
{
	if (unlikely(p->p_sim->s_rec != NULL))
		sim_record(p->p_sim, r);
}

void proc_retire(struct proc *p, int64_t n)
{
	struct vcpu *vc = p->p_vc;

	if (n == 0)
		return;
	rec(p, &(struct tr_rec){ .kind = TR_INSNS, .n = n });
	p->p_insns += (uint64_t)n;
	p->p_turn_insns += (uint64_t)n;
	vc->vc_ctr[CTR_INSTRUCTIONS] += (uint64_t)n;
	vc->vc_ctr[CTR_CYC_BASE] += (uint64_t)n * p->p_sim->s_cfg->machine.cycles.instruction;
}

void proc_kill(struct proc *p, int sig, uint64_t va, uint64_t ip, bool mem)
{
	struct sim *s = p->p_sim;

	rec(p, &(struct tr_rec){ .kind = TR_KILL, .prot = (uint32_t)sig, .addr = va,
				 .len = ip, .flag = mem });
	p->p_state = PROC_KILLED;
	p->p_signal = sig;
	p->p_fault_va = va;
	p->p_fault_ip = ip;
	if (s->s_kill.st_status != EPTSIM_KILLED)
		s->s_kill = (struct sim_stop){
			.st_status = EPTSIM_KILLED, .st_va = va,
			.st_acc = mem ? s->s_stop.st_acc : MMU_READ, .st_mem = mem,
			.st_cpu = p->p_vc->vc_id, .st_proc = (int)p->p_id,
			.st_signal = sig, .st_ip = ip,
		};
	if (p->p_uc)
		uc_emu_stop(p->p_uc);
}

void proc_exit(struct proc *p, uint64_t code)
{
	rec(p, &(struct tr_rec){ .kind = TR_EXIT, .addr = code });
	p->p_state = PROC_EXITED;
	p->p_exit_code = (int)(code & 0xff);
	if (p->p_uc)
		uc_emu_stop(p->p_uc);
}

int proc_access(struct proc *p, uint64_t va, uint32_t size, enum mmu_acc acc,
		uint64_t *fault_va)
{
	struct vcpu *vc = p->p_vc;
	int rc;

	vc->vc_ctr[CTR_ACCESSES]++;
	vc->vc_ctr[acc == MMU_WRITE ? CTR_WRITES : acc == MMU_READ ? CTR_READS : CTR_FETCHES]++;
	rec(p, &(struct tr_rec){ .kind = acc == MMU_WRITE ? TR_WRITE : acc == MMU_READ ? TR_READ : TR_FETCH,
				 .addr = va, .size = size });
	*fault_va = va;
	rc = sim_access(p->p_sim, vc, va, acc);
	if (likely(rc == 0) && unlikely((va & PAGE_MASK) + (uint64_t)size > PAGE_SIZE)) {
		*fault_va = (va | PAGE_MASK) + 1;
		rc = sim_access(p->p_sim, vc, *fault_va, acc);
	}
	return rc;
}

void proc_sys_enter(struct proc *p, uint64_t nr, bool known)
{
	struct vcpu *vc = p->p_vc;
	const size_t i = nr < PROC_NSYS ? nr : PROC_NSYS;

	rec(p, &(struct tr_rec){ .kind = TR_SYSCALL, .addr = nr, .flag = known });
	vc->vc_ctr[CTR_SYSCALLS]++;
	vc->vc_ctr[CTR_CYC_KERNEL] += p->p_sim->s_cfg->machine.cycles.syscall;
	p->p_sys[i]++;
	if (!known) {
		vc->vc_ctr[CTR_SYSCALLS_ENOSYS]++;
		p->p_sys_enosys[i]++;
	}
}

/* ---- the kernel model's operations on the address space, recorded ------- */

/* rec_op - record kernel operation `kind` and its result */
static int rec_op(struct proc *p, uint8_t kind, uint64_t addr, uint64_t len,
		  uint32_t prot, bool flag, int64_t res)
{
	rec(p, &(struct tr_rec){ .kind = kind, .addr = addr, .len = len, .prot = prot,
				 .flag = flag, .res = res });
	return res < 0 ? (int)res : 0;
}

int proc_mmap(struct proc *p, uint64_t *addr, uint64_t len, uint32_t prot, bool fixed)
{
	const uint64_t want = *addr;
	int rc = vmspace_mmap(&p->p_vs, addr, len, prot, fixed);

	return rec_op(p, TR_MMAP, want, len, prot, fixed, rc < 0 ? rc : (int64_t)*addr);
}

int proc_munmap(struct proc *p, uint64_t addr, uint64_t len)
{
	return rec_op(p, TR_MUNMAP, addr, len, 0, false, vmspace_munmap(&p->p_vs, addr, len));
}

int proc_mprotect(struct proc *p, uint64_t addr, uint64_t len, uint32_t prot)
{
	return rec_op(p, TR_MPROTECT, addr, len, prot, false,
		      vmspace_mprotect(&p->p_vs, addr, len, prot));
}

int proc_madvise(struct proc *p, uint64_t addr, uint64_t len)
{
	return rec_op(p, TR_MADVISE, addr, len, 0, false,
		      vmspace_madvise_dontneed(&p->p_vs, addr, len));
}

int proc_brk(struct proc *p, uint64_t want, uint64_t *cur)
{
	int rc = vmspace_brk(&p->p_vs, want, cur);

	return rec_op(p, TR_BRK, want, 0, 0, false, rc < 0 ? rc : (int64_t)*cur);
}

void proc_brk_base(struct proc *p, uint64_t base)
{
	rec(p, &(struct tr_rec){ .kind = TR_BRK_BASE, .addr = base });
	vmspace_set_brk_base(&p->p_vs, base);
}

/*
 * faulted - sim_access returned rc != 0 for the access at `va` made by
 * the instruction at `ip`: the process dies (SIGSEGV, the instruction
 * does not retire: if the block hook `counted` its block, the
 * instructions from it on are taken back), or the whole run ends (out of
 * memory).
 */
static void faulted(struct proc *p, int rc, uint64_t va, uint64_t ip, bool counted)
{
	struct sim *s = p->p_sim;

	if (rc < 0) {
		p->p_err = rc;
		uc_emu_stop(p->p_uc);
		return;
	}
	if (s->s_stop.st_status == EPTSIM_OUT_OF_MEMORY) {
		p->p_ended = true;
		uc_emu_stop(p->p_uc);
		return;
	}
	/* killed: the instructions of the block from the faulting one on did not retire */
	if (counted)
		proc_retire(p, -(int64_t)(p->p_blk_ninsn -
				     blk_decode(p, p->p_blk_addr, p->p_blk_size, ip)));
	proc_kill(p, SIGSEGV, va, ip, true);
	s->s_stop.st_status = EPTSIM_COMPLETED;   /* the run goes on; s_kill remembers */
}

/* mark - count one access made; events and samples when due */
static inline void mark(struct proc *p)
{
	struct sim *s = p->p_sim;

	if (unlikely(++s->s_total == s->s_next_mark)) {
		int rc = sim_mark(s, p->p_vc);

		/* an event's kernel work cannot kill this process; it may end the run */

		if (rc != 0)
			faulted(p, rc, 0, 0, false);
	}
}

/*
 * first_insn_into - the address of the first instruction of the block at
 * `addr` whose bytes reach into the page of `va` (va: a page start, or
 * addr itself)
 */
static uint64_t first_insn_into(struct proc *p, uint64_t addr, uint64_t va)
{
	uint64_t at = addr;
	uint8_t buf[16];

	while (at < va) {
		unsigned len = 0;

		if (uc_mem_read(p->p_uc, at, buf, sizeof(buf)) == UC_ERR_OK)
			len = x86_insn_len(buf, sizeof(buf));
		if (len == 0 || at + len > va)
			break;
		at += len;
	}
	return at;
}

/*
 * refuse_tsc - the block at addr reaches an RDTSC/RDTSCP (proc.h): its
 * instructions before it retire, and the process dies with SIGILL there.
 * The block does not run in Unicorn (stopped in its hook); a program
 * killed this way has no later effects to lose.
 */
static void refuse_tsc(struct proc *p, uint64_t addr, uint32_t size)
{
	uint64_t ip = addr;
	uint8_t buf[16];

	for (uint32_t k = 1; k < p->p_blk_tsc; k++) {
		unsigned len = 0;

		if (uc_mem_read(p->p_uc, ip, buf, sizeof(buf)) == UC_ERR_OK)
			len = x86_insn_len(buf, sizeof(buf));
		ip += len;
	}
	(void)size;
	proc_retire(p, p->p_blk_tsc - 1);
	proc_kill(p, SIGILL, 0, ip, false);
}

/*
 * hook_block - a block is about to execute: the turn ends here if its
 * budget is spent (the block then runs at the next turn); else its
 * instructions are counted and its fetches translated, one per page it
 * spans.  A fetch the model refuses kills the process at the first
 * instruction that reaches into the page (those before it retire).
 */
static void hook_block(uc_engine *uc, uint64_t addr, uint32_t size, void *user)
{
	struct proc *p = user;
	uint64_t va;

	if (unlikely(p->p_state != PROC_RUNNING))
		return;
	if (p->p_turn_insns >= p->p_turn_budget) {
		p->p_stopping = true;
		uc_emu_stop(uc);
		return;
	}
	p->p_blk_addr = addr;
	p->p_blk_size = size;
	p->p_blk_ninsn = blk_count(p, addr, size, &p->p_blk_tsc);
	if (unlikely(p->p_blk_tsc != 0)) {
		/* RDTSC would read the host's clock: the instructions before it run, it does not */
		refuse_tsc(p, addr, size);
		return;
	}
	proc_retire(p, p->p_blk_ninsn);
	for (va = addr; va < addr + size; va = (va | PAGE_MASK) + 1) {
		uint64_t fva;
		int rc = proc_access(p, va, 1, MMU_FETCH, &fva);

		if (unlikely(rc != 0)) {
			faulted(p, rc, va, first_insn_into(p, addr, va), true);
			return;
		}
		mark(p);
		if (unlikely(p->p_state != PROC_RUNNING))
			return;
	}
}

/*
 * hook_mem - a data read or write of `size` bytes at `addr` by the
 * instruction at RIP: one access, translated once per page it touches.
 */
static void hook_mem(uc_engine *uc, uc_mem_type type, uint64_t addr, int size,
		     int64_t value, void *user)
{
	struct proc *p = user;
	const enum mmu_acc acc = type == UC_MEM_WRITE ? MMU_WRITE : MMU_READ;
	uint64_t fva;
	int rc;

	(void)value;
	if (unlikely(p->p_state != PROC_RUNNING))
		return;
	rc = proc_access(p, addr, (uint32_t)size, acc, &fva);
	if (unlikely(rc != 0)) {
		uint64_t ip = 0;

		uc_reg_read(uc, UC_X86_REG_RIP, &ip);
		faulted(p, rc, fva, ip, true);
		return;
	}
	mark(p);
}

/*
 * hook_unmapped - Unicorn has no memory at `addr`: neither has the map
 * (Unicorn mirrors it), so the model refuses the access and the process
 * dies.  Returns false: Unicorn stops with an error proc_turn ignores.
 */
static bool hook_unmapped(uc_engine *uc, uc_mem_type type, uint64_t addr,
			  int size, int64_t value, void *user)
{
	struct proc *p = user;
	enum mmu_acc acc = type == UC_MEM_WRITE_UNMAPPED ? MMU_WRITE
			   : type == UC_MEM_FETCH_UNMAPPED ? MMU_FETCH
							   : MMU_READ;
	uint64_t ip = addr, fva;
	int rc;

	(void)value;
	if (p->p_state != PROC_RUNNING)
		return false;
	if (acc != MMU_FETCH)
		uc_reg_read(uc, UC_X86_REG_RIP, &ip);
	/* a fetch: one page, as the block hook translates it */
	rc = proc_access(p, addr, acc == MMU_FETCH || size <= 0 ? 1 : (uint32_t)size, acc, &fva);
	ES_ASSERT(rc != 0, "va %#llx: mapped in the model but not in Unicorn",
		  (unsigned long long)addr);
	/* a fetch from nothing comes before any block of it was counted */
	faulted(p, rc, fva, ip, acc != MMU_FETCH);
	return false;
}

/* hook_intr - a CPU exception or INT n in the program: the signal Linux sends for it */
static void hook_intr(uc_engine *uc, uint32_t intno, void *user)
{
	struct proc *p = user;
	uint64_t ip = 0;
	int sig;

	switch (intno) {
	case 0:         /* #DE */
	case 16:        /* #MF */
	case 19:        /* #XM */
		sig = SIGFPE;
		break;
	case 1:         /* #DB */
	case 3:         /* #BP: INT3 */
		sig = SIGTRAP;
		break;
	case 6:         /* #UD */
		sig = SIGILL;
		break;
	case 17:        /* #AC */
		sig = SIGBUS;
		break;
	default:        /* #GP, INT n, ... */
		sig = SIGSEGV;
		break;
	}
	uc_reg_read(uc, UC_X86_REG_RIP, &ip);
	if (p->p_state != PROC_RUNNING)
		return;
	/* a fault does not retire (a trap's RIP is past its instruction, which does) */
	proc_retire(p, -(int64_t)(p->p_blk_ninsn - blk_decode(p, p->p_blk_addr, p->p_blk_size, ip)));
	proc_kill(p, sig, 0, ip, false);
}

/* hook_code - tests: every instruction, counted a second way */
static void hook_code(uc_engine *uc, uint64_t addr, uint32_t size, void *user)
{
	struct proc *p = user;

	(void)uc;
	(void)addr;
	(void)size;
	p->p_code_insns++;
}

/* ---- a turn --------------------------------------------------------------- */

/*
 * exec_copyout - the kernel's part of execve at the first turn: the
 * argument strings and vectors copied out to the new stack, through the
 * MMU as supervisor writes (the bytes are in Unicorn already).
 */
static int exec_copyout(struct proc *p, struct vcpu *vc)
{
	int rc = sim_copy(p->p_sim, vc, p->p_sp, p->p_stack_len, true);

	free(p->p_stack_img);
	p->p_stack_img = NULL;
	p->p_state = PROC_RUNNING;
	ES_ASSERT(rc != -EFAULT, "the stack of process %u is not mapped", p->p_id);
	return rc;
}

int proc_turn(struct proc *p, struct vcpu *vc, uint64_t budget)
{
	struct sim *s = p->p_sim;
	uc_err e;
	int rc;

	p->p_vc = vc;
	p->p_turn_insns = 0;
	p->p_turn_budget = budget;
	p->p_stopping = false;
	if (p->p_state == PROC_NEW) {
		rc = exec_copyout(p, vc);
		if (rc != 0)
			return rc;
	}
	e = uc_emu_start(p->p_uc, p->p_rip, UINT64_MAX, 0, 0);
	uc_reg_read(p->p_uc, UC_X86_REG_RIP, &p->p_rip);
	if (p->p_err < 0)
		return p->p_err;
	if (p->p_ended)
		return 1;
	if (!proc_alive(p) || (e == UC_ERR_OK && p->p_stopping))
		return 0;
	/* Unicorn stopped by itself: an instruction it cannot run, or HLT (#GP in user mode) */
	if (e == UC_ERR_INSN_INVALID)
		proc_kill(p, SIGILL, 0, p->p_rip, false);
	else
		proc_kill(p, SIGSEGV, 0, e == UC_ERR_OK ? p->p_rip - 1 : p->p_rip, false);
	(void)s;
	return 0;
}

/* ---- Unicorn's memory, mirroring the map ---------------------------------- */

int proc_uc_map(struct proc *p, uint64_t addr, uint64_t len)
{
	uc_err e = uc_mem_map(p->p_uc, addr, len, UC_PROT_ALL);

	ES_ASSERT(e == UC_ERR_OK || e == UC_ERR_NOMEM, "uc_mem_map %#llx+%#llx: %s",
		  (unsigned long long)addr, (unsigned long long)len, uc_strerror(e));
	return e == UC_ERR_OK ? 0 : -ENOMEM;
}

int proc_uc_unmap(struct proc *p, uint64_t addr, uint64_t len)
{
	uc_mem_region *r = NULL;
	uint32_t n = 0;
	int rc = 0;

	/* Unicorn unmaps only what is all mapped: each mapped part of the range */
	if (uc_mem_regions(p->p_uc, &r, &n) != UC_ERR_OK)
		return -ENOMEM;
	for (uint32_t i = 0; i < n && rc == 0; i++) {
		uint64_t lo = r[i].begin > addr ? r[i].begin : addr;
		uint64_t hi = r[i].end + 1 < addr + len ? r[i].end + 1 : addr + len;

		if (lo < hi && uc_mem_unmap(p->p_uc, lo, hi - lo) != UC_ERR_OK)
			rc = -ENOMEM;
	}
	uc_free(r);
	return rc;
}

/* ---- loading -------------------------------------------------------------- */

/* read_file - the whole of `path` (at most `max` bytes) into a new buffer */
static int read_file(const char *path, uint64_t max, uint8_t **buf, size_t *len,
		     const char *what, struct eptsim_error *err)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 65536, n = 0;
	uint8_t *b = NULL;

	*buf = NULL;
	*len = 0;
	if (!f) {
		cfg_errf(err, "%s: cannot read %s: %s", path, what, strerror(errno));
		return -EINVAL;
	}
	for (;;) {
		uint8_t *nb;
		size_t got;

		if (n == cap || !b) {
			cap = b ? 2 * cap : cap;
			nb = realloc(b, cap);
			if (!nb) {
				free(b);
				fclose(f);
				cfg_errf(err, "the host ran out of memory");
				return -ENOMEM;
			}
			b = nb;
		}
		got = fread(b + n, 1, cap - n, f);
		n += got;
		if (n > max) {
			free(b);
			fclose(f);
			cfg_errf(err, "%s: %s is larger than %llu bytes", path, what,
				 (unsigned long long)max);
			return -EINVAL;
		}
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		cfg_errf(err, "%s: cannot read %s: %s", path, what, strerror(errno));
		free(b);
		fclose(f);
		return -EINVAL;
	}
	fclose(f);
	*buf = b;
	*len = n;
	return 0;
}

/*
 * map_segments - the PT_LOAD segments as regions of the map, a page
 * shared by two segments with the union of their rights, and their bytes
 * into Unicorn's memory.  The regions are anonymous: see proc.h.
 */
static int map_segments(struct proc *p, const uint8_t *file)
{
	const struct elf_image *im = &p->p_im;
	uint64_t mapped = 0;    /* end of the pages mapped so far */
	uint32_t last = 0;      /* the rights of the last page mapped */
	unsigned i;

	for (i = 0; i < im->ei_nsegs; i++) {
		const struct elf_seg *sg = &im->ei_segs[i];
		uint64_t start = sg->es_vaddr & ~PAGE_MASK;
		uint64_t end = (sg->es_vaddr + sg->es_memsz + PAGE_MASK) & ~PAGE_MASK;
		int rc = 0;

		if (start < mapped) {
			/* segments are ascending: only the last page mapped can be shared */
			last |= sg->es_prot;
			rc = proc_mprotect(p, mapped - PAGE_SIZE, PAGE_SIZE, last);
			start = mapped;
		}
		if (rc == 0 && start < end) {
			rc = proc_mmap(p, &start, end - start, sg->es_prot, true);
			if (rc == 0)
				rc = proc_uc_map(p, start, end - start);
			last = sg->es_prot;
			mapped = end;
		}
		if (rc < 0)
			return rc;
	}
	for (i = 0; i < im->ei_nsegs; i++) {
		const struct elf_seg *sg = &im->ei_segs[i];

		if (sg->es_filesz &&
		    uc_mem_write(p->p_uc, sg->es_vaddr, file + sg->es_off, sg->es_filesz) != UC_ERR_OK)
			return -ENOMEM;
	}
	return 0;
}

/* open_out - where a guest stream goes: "-" (eptsim's own `dflt`), "" or quiet (nowhere), a file */
static int open_out(const char *spec, FILE *dflt, bool quiet, FILE **f, bool *own,
		    struct eptsim_error *err)
{
	*f = NULL;
	*own = false;
	if (quiet || spec[0] == '\0')
		return 0;
	if (strcmp(spec, "-") == 0) {
		*f = dflt;
		return 0;
	}
	*f = fopen(spec, "wb");
	if (!*f) {
		cfg_errf(err, "%s: cannot write the program's output: %s", spec, strerror(errno));
		return -EINVAL;
	}
	*own = true;
	return 0;
}

/*
 * build_stack - the stack region and the initial stack image: argv (the
 * program, then its args), the environment, AT_RANDOM's 16 bytes from
 * the process's seeded generator; the image goes into Unicorn now and is
 * copied out by the kernel at the first turn.
 */
static int build_stack(struct proc *p, struct eptsim_error *err)
{
	const struct cfg_proc *cp = p->p_cfg;
	const size_t nstr = 1 + cp->cp_nargs + cp->cp_nenv;
	const char **str = calloc(nstr, sizeof(*str));
	const size_t cap = CFG_PATH_MAX + CFG_ARGS_MAX + 16 * nstr + 1024;
	struct elf_stack_args a = { 0 };
	uint64_t lo = PROC_STACK_TOP - PROC_STACK_SIZE, r;
	const char *s = cp->cp_args;
	int rc;

	p->p_stack_img = malloc(cap);
	if (!str || !p->p_stack_img) {
		free(str);
		cfg_errf(err, "the host ran out of memory");
		return -ENOMEM;
	}
	str[0] = cp->cp_program;
	for (size_t k = 1; k < nstr; k++) {
		str[k] = s;
		s += strlen(s) + 1;
	}
	a.argv = str;
	a.argc = 1 + cp->cp_nargs;
	a.envp = str + a.argc;
	a.envc = cp->cp_nenv;
	r = rng_next(p->p_rng);
	memcpy(a.random, &r, 8);
	r = rng_next(p->p_rng);
	memcpy(a.random + 8, &r, 8);
	a.top = PROC_STACK_TOP;
	rc = elf_stack(&p->p_im, &a, p->p_stack_img, cap, &p->p_sp, &p->p_stack_len);
	free(str);
	ES_ASSERT(rc == 0, "stack image of %zu bytes does not fit", cap);
	rc = proc_mmap(p, &lo, PROC_STACK_SIZE, VM_PROT_READ | VM_PROT_WRITE, true);
	if (rc == 0)
		rc = proc_uc_map(p, lo, PROC_STACK_SIZE);
	if (rc == 0 && uc_mem_write(p->p_uc, p->p_sp, p->p_stack_img, p->p_stack_len) != UC_ERR_OK)
		rc = -ENOMEM;
	if (rc < 0)
		cfg_errf(err, "cannot set up the stack of %s: %s", cp->cp_program, strerror(-rc));
	return rc;
}

/* add_hooks - the hooks of proc.h on the whole address space */
static int add_hooks(struct proc *p)
{
	uc_hook h;
	uc_err e;

	e = uc_hook_add(p->p_uc, &h, UC_HOOK_BLOCK, (void *)hook_block, p, 1, 0);
	if (e == UC_ERR_OK)
		e = uc_hook_add(p->p_uc, &h, UC_HOOK_MEM_READ | UC_HOOK_MEM_WRITE,
				(void *)hook_mem, p, 1, 0);
	if (e == UC_ERR_OK)
		e = uc_hook_add(p->p_uc, &h, UC_HOOK_MEM_UNMAPPED, (void *)hook_unmapped,
				p, 1, 0);
	if (e == UC_ERR_OK)
		e = uc_hook_add(p->p_uc, &h, UC_HOOK_INTR, (void *)hook_intr, p, 1, 0);
	if (e == UC_ERR_OK)
		e = uc_hook_add(p->p_uc, &h, UC_HOOK_INSN, (void *)proc_syscall, p, 1, 0,
				UC_X86_INS_SYSCALL);
	return e == UC_ERR_OK ? 0 : -ENOMEM;
}

/* vs_init - p's empty address space, whose shootdowns reach the CPUs */
static int vs_init(struct proc *p, struct eptsim_error *err)
{
	int rc = sim_vs_init(p->p_sim, &p->p_vs);

	if (rc < 0) {
		cfg_errf(err, "cannot set up the address space of %s: %s", p->p_name,
			 strerror(-rc));
		return rc;
	}
	p->p_up_vs = true;
	p->p_vs.vs_pmap.pm_inval = (struct pmap_inval){
		.pi_ctx = p,
		.pi_page = inval_page,
		.pi_range = inval_range,
		.pi_all = inval_all,
	};
	return 0;
}

int proc_init_replay(struct proc *p, struct sim *s, unsigned id, unsigned cpu,
		     const char *name, struct eptsim_error *err)
{
	memset(p, 0, sizeof(*p));
	p->p_id = id;
	p->p_sim = s;
	p->p_cpu = cpu;
	p->p_pcid = (uint16_t)(id + 1);
	p->p_state = PROC_NEW;
	p->p_name = strdup(name);
	if (!p->p_name) {
		cfg_errf(err, "the host ran out of memory");
		return -ENOMEM;
	}
	return vs_init(p, err);
}

int proc_init(struct proc *p, struct sim *s, unsigned id, bool quiet,
	      struct eptsim_error *err)
{
	const struct cfg *c = s->s_cfg;
	const struct cfg_proc *cp = &c->procs[id];
	uint8_t *file = NULL;
	size_t len;
	char why[512];
	int rc;

	memset(p, 0, sizeof(*p));
	p->p_id = id;
	p->p_cfg = cp;
	p->p_sim = s;
	p->p_cpu = (unsigned)cfg_proc_cpu(c, id);
	p->p_pcid = (uint16_t)(id + 1);
	p->p_state = PROC_NEW;
	rng_seed(p->p_rng, c->seed ^ (UINT64_C(0x9e3779b97f4a7c15) * (id + 1)));
	p->p_name = strdup(cp->cp_program);
	if (!p->p_name) {
		cfg_errf(err, "the host ran out of memory");
		return -ENOMEM;
	}
	rec(p, &(struct tr_rec){ .kind = TR_PROC, .proc = id, .cpu = (uint16_t)p->p_cpu,
				 .name = p->p_name });
	rc = read_file(cp->cp_program, PROC_FILE_MAX, &file, &len, "the program", err);
	if (rc < 0)
		return rc;
	if (elf_parse(file, len, &p->p_im, why, sizeof(why)) < 0) {
		cfg_errf(err, "%s: %s", cp->cp_program, why);
		free(file);
		return -EINVAL;
	}
	if (cp->cp_stdin[0] &&
	    (rc = read_file(cp->cp_stdin, PROC_FILE_MAX, &p->p_in, &p->p_in_len,
			    "the program's standard input", err)) < 0)
		goto out;
	rc = open_out(cp->cp_stdout, stdout, quiet, &p->p_out, &p->p_own_out, err);
	if (rc == 0)
		rc = open_out(cp->cp_stderr, stderr, quiet, &p->p_errf, &p->p_own_err, err);
	if (rc < 0)
		goto out;
	rc = vs_init(p, err);
	if (rc < 0)
		goto out;
	rc = -ENOMEM;
	if (uc_open(UC_ARCH_X86, UC_MODE_64, &p->p_uc) != UC_ERR_OK || add_hooks(p) < 0) {
		cfg_errf(err, "cannot start the Unicorn engine for %s", cp->cp_program);
		goto out;
	}
	rc = map_segments(p, file);
	if (rc < 0) {
		cfg_errf(err, "%s: cannot map its segments: %s", cp->cp_program, strerror(-rc));
		goto out;
	}
	proc_brk_base(p, p->p_im.ei_end);
	rc = build_stack(p, err);
	if (rc < 0)
		goto out;
	p->p_rip = p->p_im.ei_entry;
	if (uc_reg_write(p->p_uc, UC_X86_REG_RSP, &p->p_sp) != UC_ERR_OK) {
		rc = -ENOMEM;
		cfg_errf(err, "cannot set the registers of %s", cp->cp_program);
	}
out:
	free(file);
	return rc;
}

/*
 * proc_count_code - tests: count every instruction with a
 * per-instruction hook too (p_code_insns), a second way to count.
 */
int proc_count_code(struct proc *p)
{
	uc_err e = uc_hook_add(p->p_uc, &p->p_code_hook, UC_HOOK_CODE,
			       (void *)hook_code, p, 1, 0);

	p->p_check_count = e == UC_ERR_OK;
	return e == UC_ERR_OK ? 0 : -ENOMEM;
}

void proc_fini(struct proc *p)
{
	if (p->p_out)
		fflush(p->p_out);
	if (p->p_errf)
		fflush(p->p_errf);
	if (p->p_own_out)
		fclose(p->p_out);
	if (p->p_own_err)
		fclose(p->p_errf);
	p->p_out = p->p_errf = NULL;
	if (p->p_uc)
		uc_close(p->p_uc);
	p->p_uc = NULL;
	if (p->p_up_vs) {
		p->p_vs.vs_pmap.pm_inval = (struct pmap_inval){ 0 };
		vmspace_fini(&p->p_vs);
	}
	p->p_up_vs = false;
	free(p->p_blks);
	free(p->p_name);
	p->p_name = NULL;
	free(p->p_in);
	free(p->p_stack_img);
	p->p_blks = NULL;
	p->p_in = NULL;
	p->p_stack_img = NULL;
}
