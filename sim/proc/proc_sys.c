/*
 * proc_sys.c - the system calls of a program, served by the guest kernel
 * model (x86-64 Linux numbers and semantics, as musl uses them).
 *
 *   memory      brk, mmap (anonymous; fixed or placed), munmap, mprotect,
 *               madvise (DONTNEED drops the pages: they read back zero;
 *               every other advice is a hint, accepted), mremap (shrink;
 *               grow in place; move with MREMAP_MAYMOVE)
 *   I/O         read, readv (fd 0: the workload's stdin), write, writev
 *               (fd 1, 2: the process's stdout, stderr), ioctl (ENOTTY:
 *               no terminals)
 *   process     exit, exit_group, arch_prctl (FS and GS bases),
 *               set_tid_address, getpid, gettid
 *   other       clock_gettime (time from the seed and the CPU's cycles at
 *               1 GHz), getrandom (the process's seeded generator), uname
 *   the rest    ENOSYS, counted by number
 *
 * Every call costs machine.cycles.syscall (cycles.kernel).  Bytes between
 * kernel and user go through the MMU as supervisor accesses (sim_copy)
 * before they move in Unicorn's memory; an address the process may not
 * access gives EFAULT, as on Linux.  Every change to the map changes
 * Unicorn's memory the same way (proc.h).
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "sim/proc/proc.h"
#include "sim/rng.h"
#include "sim/sim.h"
#include "traces/trace.h"

enum {
	SYS_read = 0, SYS_write = 1, SYS_mmap = 9, SYS_mprotect = 10,
	SYS_munmap = 11, SYS_brk = 12, SYS_ioctl = 16, SYS_readv = 19,
	SYS_writev = 20, SYS_mremap = 25, SYS_madvise = 28, SYS_getpid = 39,
	SYS_exit = 60, SYS_uname = 63, SYS_arch_prctl = 158, SYS_gettid = 186,
	SYS_set_tid_address = 218, SYS_clock_gettime = 228, SYS_exit_group = 231,
	SYS_getrandom = 318,
};

#define MAP_SHARED 0x01
#define MAP_PRIVATE 0x02
#define MAP_FIXED 0x10
#define MAP_ANONYMOUS 0x20
#define MAP_FIXED_NOREPLACE 0x100000
#define MREMAP_MAYMOVE 1
#define MADV_DONTNEED 4
#define ARCH_SET_GS 0x1001
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
#define ARCH_GET_GS 0x1004
#define PROT_ALL (VM_PROT_READ | VM_PROT_WRITE | VM_PROT_EXEC)
#define IOV_MAX 1024
#define PROC_PID_BASE 100

const char *proc_sys_name(unsigned nr)
{
	static const char *const names[] = {
		[SYS_read] = "read", [SYS_write] = "write", [SYS_mmap] = "mmap",
		[SYS_mprotect] = "mprotect", [SYS_munmap] = "munmap", [SYS_brk] = "brk",
		[SYS_ioctl] = "ioctl", [SYS_readv] = "readv", [SYS_writev] = "writev",
		[SYS_mremap] = "mremap", [SYS_madvise] = "madvise", [SYS_getpid] = "getpid",
		[SYS_exit] = "exit", [SYS_uname] = "uname", [SYS_arch_prctl] = "arch_prctl",
		[SYS_gettid] = "gettid", [SYS_set_tid_address] = "set_tid_address",
		[SYS_clock_gettime] = "clock_gettime", [SYS_exit_group] = "exit_group",
		[SYS_getrandom] = "getrandom",
	};

	return nr < sizeof(names) / sizeof(names[0]) ? names[nr] : NULL;
}

/* copy - sim_copy for p: 0, -EFAULT, or the run ends (*end set) */
static int64_t copy(struct proc *p, uint64_t addr, uint64_t len, bool write, int *end)
{
	int rc;

	if (len == 0)
		return 0;
	if (addr + len < addr)
		return -EFAULT;
	rc = sim_copy(p->p_sim, p->p_vc, addr, len, write);
	if (rc > 0 || rc == -ENOMEM) {
		*end = rc > 0 ? 1 : -ENOMEM;
		return -EFAULT;
	}
	return rc;
}

/* put_user - copyout of `len` bytes of `buf` to `addr` */
static int64_t put_user(struct proc *p, uint64_t addr, const void *buf, uint64_t len, int *end)
{
	int64_t rc = copy(p, addr, len, true, end);

	if (rc == 0 && uc_mem_write(p->p_uc, addr, buf, len) != UC_ERR_OK)
		rc = -EFAULT;
	return rc;
}

/* get_user - copyin of `len` bytes at `addr` into `buf` */
static int64_t get_user(struct proc *p, uint64_t addr, void *buf, uint64_t len, int *end)
{
	int64_t rc = copy(p, addr, len, false, end);

	if (rc == 0 && uc_mem_read(p->p_uc, addr, buf, len) != UC_ERR_OK)
		rc = -EFAULT;
	return rc;
}

/* ---- I/O ------------------------------------------------------------------ */

/* do_write - `len` bytes at `buf` to fd 1 or 2; the bytes written or -errno */
static int64_t do_write(struct proc *p, uint64_t fd, uint64_t buf, uint64_t len, int *end)
{
	FILE *f = fd == 1 ? p->p_out : fd == 2 ? p->p_errf : NULL;
	uint8_t chunk[65536];
	uint64_t done = 0;

	if (fd != 1 && fd != 2)
		return -EBADF;
	if (len > (UINT64_C(1) << 31))
		len = UINT64_C(1) << 31;
	while (done < len) {
		uint64_t n = len - done < sizeof(chunk) ? len - done : sizeof(chunk);
		int64_t rc = get_user(p, buf + done, chunk, n, end);

		if (rc < 0)
			return done ? (int64_t)done : rc;
		if (f)
			fwrite(chunk, 1, n, f);
		done += n;
	}
	return (int64_t)done;
}

/* do_read - up to `len` bytes of stdin to `buf` */
static int64_t do_read(struct proc *p, uint64_t fd, uint64_t buf, uint64_t len, int *end)
{
	uint64_t n;
	int64_t rc;

	if (fd != 0)
		return -EBADF;
	n = p->p_in_len - p->p_in_off;
	n = len < n ? len : n;
	rc = put_user(p, buf, p->p_in + p->p_in_off, n, end);
	if (rc < 0)
		return rc;
	p->p_in_off += n;
	return (int64_t)n;
}

/* do_iov - readv/writev: each (base, len) of the vector in turn; stops short at the first short transfer */
static int64_t do_iov(struct proc *p, uint64_t fd, uint64_t iov, uint64_t cnt, bool write, int *end)
{
	int64_t total = 0;

	if (cnt > IOV_MAX)
		return -EINVAL;
	for (uint64_t i = 0; i < cnt; i++) {
		uint64_t v[2];
		int64_t rc = get_user(p, iov + 16 * i, v, sizeof(v), end);

		if (rc == 0)
			rc = write ? do_write(p, fd, v[0], v[1], end)
				   : do_read(p, fd, v[0], v[1], end);
		if (rc < 0)
			return total ? total : rc;
		total += rc;
		if ((uint64_t)rc < v[1])
			break;
	}
	return total;
}

/* ---- memory --------------------------------------------------------------- */

/* page_len - len rounded up to pages, 0 if it overflows */
static uint64_t page_len(uint64_t len)
{
	return len > UINT64_MAX - PAGE_MASK ? 0 : (len + PAGE_MASK) & ~PAGE_MASK;
}

/* is_free - no region of p's map in [addr, addr + len) */
static bool is_free(const struct proc *p, uint64_t addr, uint64_t len)
{
	const struct vm_map *m = &p->p_vs.vs_map;

	for (size_t i = 0; i < m->vm_nent; i++)
		if (m->vm_ent[i].vme_start < addr + len && m->vm_ent[i].vme_end > addr)
			return false;
	return true;
}

/* new_region - vmspace_mmap, and the same in Unicorn (what was there is unmapped first) */
static int64_t new_region(struct proc *p, uint64_t *addr, uint64_t len, uint32_t prot, bool fixed)
{
	int rc;

	if (fixed && (rc = proc_uc_unmap(p, *addr, len)) < 0)
		return rc;
	rc = proc_mmap(p, addr, len, prot, fixed);
	if (rc == 0 && (rc = proc_uc_map(p, *addr, len)) < 0 &&
	    proc_munmap(p, *addr, len) < 0)
		rc = -ENOMEM;   /* the map must not hold what Unicorn lacks */
	return rc;
}

static int64_t sys_mmap(struct proc *p, const uint64_t *a)
{
	uint64_t addr = a[0], len = page_len(a[1]);
	const uint64_t prot = a[2], flags = a[3];
	const bool fixed = flags & (MAP_FIXED | MAP_FIXED_NOREPLACE);
	int64_t rc;

	if (!(flags & MAP_ANONYMOUS))
		return -ENODEV;         /* file mappings: the model has no files */
	if (len == 0 || (prot & ~(uint64_t)PROT_ALL) ||
	    !(flags & (MAP_SHARED | MAP_PRIVATE)) || (fixed && (addr & PAGE_MASK)))
		return -EINVAL;
	if ((flags & MAP_FIXED_NOREPLACE) && !is_free(p, addr, len))
		return -EEXIST;
	rc = new_region(p, &addr, len, (uint32_t)prot, fixed);
	return rc < 0 ? rc : (int64_t)addr;
}

static int64_t sys_munmap(struct proc *p, uint64_t addr, uint64_t len)
{
	int64_t rc;

	len = page_len(len);
	if ((addr & PAGE_MASK) || len == 0)
		return -EINVAL;
	rc = proc_munmap(p, addr, len);
	if (rc == 0)
		rc = proc_uc_unmap(p, addr, len);
	return rc;
}

/* zero - Unicorn's bytes of [addr, addr + len) become zero (all mapped) */
static int zero(struct proc *p, uint64_t addr, uint64_t len)
{
	static const uint8_t z[PAGE_SIZE];

	for (uint64_t off = 0; off < len; off += PAGE_SIZE)
		if (uc_mem_write(p->p_uc, addr + off, z, PAGE_SIZE) != UC_ERR_OK)
			return -ENOMEM;
	return 0;
}

static int64_t sys_madvise(struct proc *p, uint64_t addr, uint64_t len, uint64_t advice)
{
	int64_t rc;

	len = page_len(len);
	if (addr & PAGE_MASK)
		return -EINVAL;
	if (advice != MADV_DONTNEED || len == 0)
		return 0;       /* a hint the model need not take */
	rc = proc_madvise(p, addr, len);
	if (rc == 0)
		rc = zero(p, addr, len);
	return rc;
}

static int64_t sys_brk(struct proc *p, uint64_t want)
{
	uint64_t old = p->p_vs.vs_brk, cur = old, lo, hi;
	int rc = proc_brk(p, want, &cur);

	if (rc < 0)
		return rc;
	/* the pages between the old and the new break, in Unicorn too */
	lo = page_len(old < cur ? old : cur);
	hi = page_len(old < cur ? cur : old);
	if (lo < hi && cur > old && proc_uc_map(p, lo, hi - lo) < 0) {
		/* Unicorn has no room: the break stays where it was, in the map too */
		rc = proc_brk(p, old, &cur);
		return rc < 0 ? rc : (int64_t)old;
	}
	if (lo < hi && cur < old)
		rc = proc_uc_unmap(p, lo, hi - lo);
	return rc < 0 ? rc : (int64_t)cur;
}

/*
 * sys_mremap - shrink in place; grow in place when the pages after are
 * free; else, with MREMAP_MAYMOVE, a new region the kernel copies the
 * old one into (through the MMU) before unmapping it.  MREMAP_FIXED is
 * not supported (EINVAL).
 */
static int64_t sys_mremap(struct proc *p, const uint64_t *a, int *end)
{
	const uint64_t old = a[0], olen = page_len(a[1]), nlen = page_len(a[2]);
	const struct vm_map_entry *e = vm_map_lookup(&p->p_vs.vs_map, old);
	uint64_t addr = old + olen;
	uint8_t buf[PAGE_SIZE];
	int64_t rc;

	if ((old & PAGE_MASK) || olen == 0 || nlen == 0 || (a[3] & ~(uint64_t)MREMAP_MAYMOVE))
		return -EINVAL;
	if (!e || e->vme_end < old + olen)
		return -EFAULT;
	if (nlen <= olen) {
		rc = nlen < olen ? sys_munmap(p, old + nlen, olen - nlen) : 0;
		return rc < 0 ? rc : (int64_t)old;
	}
	if (is_free(p, addr, nlen - olen)) {
		rc = new_region(p, &addr, nlen - olen, e->vme_prot, true);
		return rc < 0 ? rc : (int64_t)old;
	}
	if (!(a[3] & MREMAP_MAYMOVE))
		return -ENOMEM;
	rc = new_region(p, &addr, nlen, e->vme_prot, false);
	for (uint64_t off = 0; rc == 0 && off < olen; off += PAGE_SIZE) {
		rc = get_user(p, old + off, buf, PAGE_SIZE, end);
		if (rc == 0)
			rc = put_user(p, addr + off, buf, PAGE_SIZE, end);
	}
	if (rc == 0)
		rc = sys_munmap(p, old, olen);
	return rc < 0 ? rc : (int64_t)addr;
}

/* ---- the rest ------------------------------------------------------------- */

static int64_t sys_arch_prctl(struct proc *p, uint64_t code, uint64_t addr, int *end)
{
	const int reg = code == ARCH_SET_FS || code == ARCH_GET_FS ? UC_X86_REG_FS_BASE
								   : UC_X86_REG_GS_BASE;
	uint64_t v = 0;

	switch (code) {
	case ARCH_SET_FS:
	case ARCH_SET_GS:
		if (addr >> 47)
			return -EPERM;
		return uc_reg_write(p->p_uc, reg, &addr) == UC_ERR_OK ? 0 : -EINVAL;
	case ARCH_GET_FS:
	case ARCH_GET_GS:
		uc_reg_read(p->p_uc, reg, &v);
		return put_user(p, addr, &v, sizeof(v), end);
	}
	return -EINVAL;
}

/* uptime_ns - the CPU's cycles at 1 GHz: nanoseconds since the machine started */
static uint64_t uptime_ns(const struct proc *p)
{
	uint64_t cyc = 0;

	for (unsigned k = CTR_CYC_BASE; k <= CTR_CYC_KERNEL; k++)
		cyc += p->p_vc->vc_ctr[k];
	return cyc;
}

/*
 * sys_clock_gettime - CLOCK_REALTIME (0) and its variants (5, 8, 11):
 * a boot time derived from the seed plus the uptime; the monotonic and
 * CPU-time clocks: the uptime.
 */
static int64_t sys_clock_gettime(struct proc *p, uint64_t clk, uint64_t tp, int *end)
{
	const bool real = clk == 0 || clk == 5 || clk == 8 || clk == 11;
	const uint64_t boot = UINT64_C(1700000000) + p->p_sim->s_cfg->seed % 100000000;
	const uint64_t ns = uptime_ns(p);
	int64_t ts[2] = { (int64_t)(ns / 1000000000u + (real ? boot : 0)),
			  (int64_t)(ns % 1000000000u) };

	if (clk > 11)
		return -EINVAL;
	return put_user(p, tp, ts, sizeof(ts), end);
}

static int64_t sys_getrandom(struct proc *p, uint64_t buf, uint64_t len, int *end)
{
	uint8_t chunk[256];
	uint64_t done = 0;

	if (len > (UINT64_C(1) << 25))
		len = UINT64_C(1) << 25;
	while (done < len) {
		uint64_t n = len - done < sizeof(chunk) ? len - done : sizeof(chunk);
		int64_t rc;

		for (uint64_t k = 0; k < n; k += 8) {
			uint64_t r = rng_next(p->p_rng);

			memcpy(chunk + k, &r, n - k < 8 ? n - k : 8);
		}
		rc = put_user(p, buf + done, chunk, n, end);
		if (rc < 0)
			return done ? (int64_t)done : rc;
		done += n;
	}
	return (int64_t)done;
}

static int64_t sys_uname(struct proc *p, uint64_t buf, int *end)
{
	static const char *const f[6] = { "Linux", "eptsim", "6.1.0-eptsim",
					  "#1 SMP eptsim", "x86_64", "(none)" };
	char u[6][65];

	memset(u, 0, sizeof(u));
	for (int i = 0; i < 6; i++)
		strcpy(u[i], f[i]);
	return put_user(p, buf, u, sizeof(u), end);
}

/* dispatch - system call `nr` with arguments a[0..5] */
static int64_t dispatch(struct proc *p, uint64_t nr, const uint64_t *a, int *end, bool *known)
{
	*known = true;
	switch (nr) {
	case SYS_read:
		return do_read(p, a[0], a[1], a[2], end);
	case SYS_write:
		return do_write(p, a[0], a[1], a[2], end);
	case SYS_readv:
		return do_iov(p, a[0], a[1], a[2], false, end);
	case SYS_writev:
		return do_iov(p, a[0], a[1], a[2], true, end);
	case SYS_ioctl:
		return a[0] <= 2 ? -ENOTTY : -EBADF;
	case SYS_mmap:
		return sys_mmap(p, a);
	case SYS_munmap:
		return sys_munmap(p, a[0], a[1]);
	case SYS_mprotect:
		if ((a[0] & PAGE_MASK) || (a[2] & ~(uint64_t)PROT_ALL))
			return -EINVAL;
		return page_len(a[1]) ? proc_mprotect(p, a[0], page_len(a[1]), (uint32_t)a[2]) : 0;
	case SYS_madvise:
		return sys_madvise(p, a[0], a[1], a[2]);
	case SYS_brk:
		return sys_brk(p, a[0]);
	case SYS_mremap:
		return sys_mremap(p, a, end);
	case SYS_exit:
	case SYS_exit_group:
		proc_exit(p, a[0]);  /* threads are not modelled: exit is exit_group */
		return 0;
	case SYS_arch_prctl:
		return sys_arch_prctl(p, a[0], a[1], end);
	case SYS_set_tid_address:
	case SYS_getpid:
	case SYS_gettid:
		return PROC_PID_BASE + p->p_id;
	case SYS_clock_gettime:
		return sys_clock_gettime(p, a[0], a[1], end);
	case SYS_getrandom:
		return sys_getrandom(p, a[0], a[1], end);
	case SYS_uname:
		return sys_uname(p, a[0], end);
	}
	*known = false;
	return -ENOSYS;
}

void proc_syscall(uc_engine *uc, void *user)
{
	static const int regs[7] = { UC_X86_REG_RAX, UC_X86_REG_RDI, UC_X86_REG_RSI,
				     UC_X86_REG_RDX, UC_X86_REG_R10, UC_X86_REG_R8,
				     UC_X86_REG_R9 };
	struct proc *p = user;
	struct vcpu *vc = p->p_vc;
	uint64_t r[7];
	int64_t ret;
	int end = 0;
	bool known, named;

	if (p->p_state != PROC_RUNNING)
		return;
	for (int i = 0; i < 7; i++)
		uc_reg_read(uc, regs[i], &r[i]);
	/* eptsim serves exactly the calls it has names for */
	named = proc_sys_name(r[0] < PROC_NSYS ? (unsigned)r[0] : PROC_NSYS) != NULL;
	proc_sys_enter(p, r[0], named);
	ret = dispatch(p, r[0], r + 1, &end, &known);
	ES_ASSERT(known == named, "system call %llu: served %d, named %d",
		  (unsigned long long)r[0], known, named);
	if (unlikely(p->p_sim->s_rec != NULL))
		sim_record(p->p_sim, &(struct tr_rec){ .kind = TR_SYSRET });
	sim_charge(p->p_sim, vc);
	if (end != 0) {
		if (end < 0)
			p->p_err = end;
		else
			p->p_ended = true;
		uc_emu_stop(uc);
		return;
	}
	if (p->p_state == PROC_RUNNING)
		uc_reg_write(uc, UC_X86_REG_RAX, &ret);
}
