/*
 * bench_uc.c - the peer of `eptsim exec` in the benchmarks: the same
 * static program run in bare Unicorn, with no MMU model, no TLB and no
 * kernel model behind it.  Its speed is the ceiling for eptsim's
 * instruction-level core; with `--hooks empty` it pays for the Unicorn
 * hooks eptsim needs and nothing else, the fairest comparison.
 *
 * usage: bench_uc [--hooks none|empty|code] PROGRAM [ARGS...]
 *
 *   none   no memory or block hooks (the default)
 *   empty  a UC_HOOK_MEM_READ|UC_HOOK_MEM_WRITE hook and a UC_HOOK_BLOCK
 *          hook that only count
 *   code   a UC_HOOK_CODE hook counting instructions, printed at the end
 *          as "instructions: N" (the exact count the rates are based on)
 *
 * Guest stdout and stderr go to ours.  On stderr at the end:
 * "seconds: S" (CLOCK_MONOTONIC around uc_emu_start only), then
 * "bench_uc: exit N" with the guest's status as ours, or "bench_uc: fault
 * at ADDR" and status 139 (as a SIGSEGV death would give the shell).
 *
 * The process model is the flattest that runs musl's static programs:
 * every page UC_PROT_ALL, brk pages mapped on growth after the image,
 * anonymous mmap from a bump pointer (MAP_FIXED honoured by unmapping
 * what is there first), mprotect a no-op, MADV_DONTNEED zeroes, mremap
 * moves to a new region.  Nothing of it is a model of anything: it only
 * has to be cheap and correct enough that the program's output matches
 * its native run.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <unicorn/unicorn.h>

#include "sim/elf/elf.h"

/* the guest's ABI: x86-64 Linux (arch/x86/entry/syscalls/syscall_64.tbl) */
enum {
	NR_READ = 0,
	NR_WRITE = 1,
	NR_MMAP = 9,
	NR_MPROTECT = 10,
	NR_MUNMAP = 11,
	NR_BRK = 12,
	NR_RT_SIGACTION = 13,
	NR_RT_SIGPROCMASK = 14,
	NR_IOCTL = 16,
	NR_WRITEV = 20,
	NR_MREMAP = 25,
	NR_MADVISE = 28,
	NR_EXIT = 60,
	NR_ARCH_PRCTL = 158,
	NR_SET_TID_ADDRESS = 218,
	NR_EXIT_GROUP = 231,
};

#define G_MAP_FIXED 0x10
#define G_MAP_ANONYMOUS 0x20
#define G_MADV_DONTNEED 4
#define G_ARCH_SET_FS 0x1002

#define UCB_STACK_TOP UINT64_C(0x7ffffffff000)
#define UCB_STACK_SIZE (UINT64_C(8) << 20)
#define UCB_MMAP_BASE UINT64_C(0x7f0000000000)  /* bump region, grows up */
#define UCB_CHUNK 65536                         /* host buffer for copies */
#define UCB_IOV_MAX 1024

enum ucb_hooks { UCB_HOOKS_NONE, UCB_HOOKS_EMPTY, UCB_HOOKS_CODE };

struct ucb {
	uc_engine *ub_uc;
	uint64_t ub_brk_start;          /* im.ei_end */
	uint64_t ub_brk;                /* the program break */
	uint64_t ub_brk_mapped;         /* heap pages mapped up to here */
	uint64_t ub_mmap_next;          /* the bump pointer */
	uint64_t ub_fault_addr;
	bool ub_faulted;
	bool ub_exited;
	int ub_status;
	uint64_t ub_mem_hits;           /* --hooks empty */
	uint64_t ub_blocks;             /* --hooks empty */
	uint64_t ub_insns;              /* --hooks code */
	uint8_t *ub_buf;                /* UCB_CHUNK bytes */
};

static uint64_t page_up(uint64_t a)
{
	return (a + PAGE_MASK) & ~PAGE_MASK;
}

static uint64_t page_down(uint64_t a)
{
	return a & ~PAGE_MASK;
}

/* ---- address space ---------------------------------------------------- */

/*
 * Unicorn's uc_mem_unmap refuses a range with a hole in it, so unmap
 * [lo, hi) region by region, only where something is mapped.
 */
static int ucb_unmap(struct ucb *ub, uint64_t lo, uint64_t hi)
{
	uc_mem_region *r;
	uint32_t n;
	int rc = 0;

	if (uc_mem_regions(ub->ub_uc, &r, &n) != UC_ERR_OK)
		return -ENOMEM;
	for (uint32_t i = 0; i < n && rc == 0; i++) {
		uint64_t a = r[i].begin > lo ? r[i].begin : lo;
		uint64_t b = r[i].end + 1 < hi ? r[i].end + 1 : hi;

		if (a < b && uc_mem_unmap(ub->ub_uc, a, b - a) != UC_ERR_OK)
			rc = -ENOMEM;
	}
	uc_free(r);
	return rc;
}

/* zero what is mapped of [lo, hi) (MADV_DONTNEED on anonymous memory) */
static int ucb_zero(struct ucb *ub, uint64_t lo, uint64_t hi)
{
	uc_mem_region *r;
	uint32_t n;
	int rc = 0;

	if (uc_mem_regions(ub->ub_uc, &r, &n) != UC_ERR_OK)
		return -ENOMEM;
	memset(ub->ub_buf, 0, UCB_CHUNK);
	for (uint32_t i = 0; i < n && rc == 0; i++) {
		uint64_t a = r[i].begin > lo ? r[i].begin : lo;
		uint64_t b = r[i].end + 1 < hi ? r[i].end + 1 : hi;

		for (; a < b && rc == 0; a += UCB_CHUNK) {
			size_t len = b - a < UCB_CHUNK ? (size_t)(b - a) : UCB_CHUNK;

			if (uc_mem_write(ub->ub_uc, a, ub->ub_buf, len) != UC_ERR_OK)
				rc = -EFAULT;
		}
	}
	uc_free(r);
	return rc;
}

/* copy len guest bytes from src to dst (both mapped) */
static int ucb_copy(struct ucb *ub, uint64_t dst, uint64_t src, uint64_t len)
{
	for (uint64_t off = 0; off < len; off += UCB_CHUNK) {
		size_t n = len - off < UCB_CHUNK ? (size_t)(len - off) : UCB_CHUNK;

		if (uc_mem_read(ub->ub_uc, src + off, ub->ub_buf, n) != UC_ERR_OK ||
		    uc_mem_write(ub->ub_uc, dst + off, ub->ub_buf, n) != UC_ERR_OK)
			return -EFAULT;
	}
	return 0;
}

static int64_t ucb_brk(struct ucb *ub, uint64_t want)
{
	uint64_t top = page_up(want);

	if (want < ub->ub_brk_start)
		return (int64_t)ub->ub_brk;
	if (top > ub->ub_brk_mapped) {
		if (uc_mem_map(ub->ub_uc, ub->ub_brk_mapped, top - ub->ub_brk_mapped,
			       UC_PROT_ALL) != UC_ERR_OK)
			return (int64_t)ub->ub_brk;
		ub->ub_brk_mapped = top;
	}
	ub->ub_brk = want;
	return (int64_t)want;
}

static int64_t ucb_mmap(struct ucb *ub, uint64_t addr, uint64_t len, uint64_t flags)
{
	uint64_t size = page_up(len);

	if (!(flags & G_MAP_ANONYMOUS))
		return -ENODEV;
	if (len == 0 || size < len)
		return -EINVAL;
	if (flags & G_MAP_FIXED) {
		if (addr & PAGE_MASK)
			return -EINVAL;
		if (ucb_unmap(ub, addr, addr + size))
			return -ENOMEM;
	} else {
		addr = ub->ub_mmap_next;
		ub->ub_mmap_next += size;
	}
	if (uc_mem_map(ub->ub_uc, addr, size, UC_PROT_ALL) != UC_ERR_OK)
		return -ENOMEM;
	return (int64_t)addr;
}

static int64_t ucb_mremap(struct ucb *ub, uint64_t old, uint64_t oldlen,
			  uint64_t newlen)
{
	int64_t to;

	if ((old & PAGE_MASK) || oldlen == 0)
		return -EINVAL;
	to = ucb_mmap(ub, 0, newlen, G_MAP_ANONYMOUS);
	if (to < 0)
		return to;
	if (ucb_copy(ub, (uint64_t)to, old, oldlen < newlen ? oldlen : newlen) ||
	    ucb_unmap(ub, old, old + page_up(oldlen)))
		return -EFAULT;
	return to;
}

/* ---- bytes in and out ------------------------------------------------- */

static int64_t ucb_write(struct ucb *ub, uint64_t fd, uint64_t buf, uint64_t len)
{
	uint64_t done = 0;

	if (fd != 1 && fd != 2)
		return -EBADF;
	while (done < len) {
		size_t n = len - done < UCB_CHUNK ? (size_t)(len - done) : UCB_CHUNK;
		ssize_t w;

		if (uc_mem_read(ub->ub_uc, buf + done, ub->ub_buf, n) != UC_ERR_OK)
			return done ? (int64_t)done : -EFAULT;
		w = write((int)fd, ub->ub_buf, n);
		if (w < 0)
			return done ? (int64_t)done : -errno;
		done += (uint64_t)w;
		if ((size_t)w < n)
			break;
	}
	return (int64_t)done;
}

static int64_t ucb_writev(struct ucb *ub, uint64_t fd, uint64_t iov, uint64_t cnt)
{
	int64_t total = 0;

	if (cnt > UCB_IOV_MAX)
		return -EINVAL;
	for (uint64_t i = 0; i < cnt; i++) {
		uint64_t v[2];
		int64_t w;

		if (uc_mem_read(ub->ub_uc, iov + 16 * i, v, sizeof(v)) != UC_ERR_OK)
			return -EFAULT;
		if (v[1] == 0)
			continue;
		w = ucb_write(ub, fd, v[0], v[1]);
		if (w < 0)
			return total ? total : w;
		total += w;
		if ((uint64_t)w < v[1])
			break;
	}
	return total;
}

static int64_t ucb_read(struct ucb *ub, uint64_t fd, uint64_t buf, uint64_t len)
{
	size_t n = len < UCB_CHUNK ? (size_t)len : UCB_CHUNK;
	ssize_t r;

	if (fd != 0)
		return -EBADF;
	r = read(0, ub->ub_buf, n);
	if (r < 0)
		return -errno;
	if (uc_mem_write(ub->ub_uc, buf, ub->ub_buf, (size_t)r) != UC_ERR_OK)
		return -EFAULT;
	return r;
}

/* ---- hooks -------------------------------------------------------------- */

static void ucb_syscall(uc_engine *uc, void *user)
{
	struct ucb *ub = user;
	uint64_t nr, a0, a1, a2, a3;
	int64_t ret = -ENOSYS;

	uc_reg_read(uc, UC_X86_REG_RAX, &nr);
	uc_reg_read(uc, UC_X86_REG_RDI, &a0);
	uc_reg_read(uc, UC_X86_REG_RSI, &a1);
	uc_reg_read(uc, UC_X86_REG_RDX, &a2);
	uc_reg_read(uc, UC_X86_REG_R10, &a3);
	switch (nr) {
	case NR_READ:
		ret = ucb_read(ub, a0, a1, a2);
		break;
	case NR_WRITE:
		ret = ucb_write(ub, a0, a1, a2);
		break;
	case NR_WRITEV:
		ret = ucb_writev(ub, a0, a1, a2);
		break;
	case NR_MMAP:
		ret = ucb_mmap(ub, a0, a1, a3);
		break;
	case NR_MUNMAP:
		ret = (a0 & PAGE_MASK) || a1 == 0 ? -EINVAL :
			ucb_unmap(ub, a0, a0 + page_up(a1));
		break;
	case NR_MREMAP:
		ret = ucb_mremap(ub, a0, a1, a2);
		break;
	case NR_MPROTECT:
		ret = 0;
		break;
	case NR_MADVISE:
		ret = a2 == G_MADV_DONTNEED ?
			ucb_zero(ub, page_down(a0), page_up(a0 + a1)) : 0;
		break;
	case NR_BRK:
		ret = ucb_brk(ub, a0);
		break;
	case NR_ARCH_PRCTL:
		ret = -EINVAL;
		if (a0 == G_ARCH_SET_FS)
			ret = uc_reg_write(uc, UC_X86_REG_FS_BASE, &a1) == UC_ERR_OK ?
				0 : -EINVAL;
		break;
	case NR_SET_TID_ADDRESS:
		ret = 1;
		break;
	case NR_IOCTL:
		ret = -ENOTTY;
		break;
	case NR_RT_SIGACTION:
	case NR_RT_SIGPROCMASK:
		ret = 0;
		break;
	case NR_EXIT:
	case NR_EXIT_GROUP:
		ub->ub_exited = true;
		ub->ub_status = (int)(a0 & 0xff);
		uc_emu_stop(uc);
		return;
	}
	uc_reg_write(uc, UC_X86_REG_RAX, &ret);
}

static bool ucb_unmapped(uc_engine *uc, uc_mem_type type, uint64_t addr,
			 int size, int64_t value, void *user)
{
	struct ucb *ub = user;

	(void)uc, (void)type, (void)size, (void)value;
	ub->ub_faulted = true;
	ub->ub_fault_addr = addr;
	return false;
}

static void ucb_mem_empty(uc_engine *uc, uc_mem_type type, uint64_t addr,
			  int size, int64_t value, void *user)
{
	(void)uc, (void)type, (void)addr, (void)size, (void)value;
	((struct ucb *)user)->ub_mem_hits++;
}

static void ucb_block_empty(uc_engine *uc, uint64_t addr, uint32_t size, void *user)
{
	(void)uc, (void)addr, (void)size;
	((struct ucb *)user)->ub_blocks++;
}

static void ucb_code(uc_engine *uc, uint64_t addr, uint32_t size, void *user)
{
	(void)uc, (void)addr, (void)size;
	((struct ucb *)user)->ub_insns++;
}

/* ---- loading ------------------------------------------------------------ */

static int read_file(const char *path, uint8_t **buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 1 << 20, n = 0;
	uint8_t *b = NULL;

	if (f == NULL)
		return -errno;
	for (;;) {
		uint8_t *nb = realloc(b, cap);

		if (nb == NULL) {
			free(b);
			fclose(f);
			return -ENOMEM;
		}
		b = nb;
		n += fread(b + n, 1, cap - n, f);
		if (n < cap)
			break;
		cap *= 2;
	}
	if (ferror(f)) {
		free(b);
		fclose(f);
		return -EIO;
	}
	fclose(f);
	*buf = b;
	*len = n;
	return 0;
}

/* map and fill the segments (pages shared by two get mapped once) */
static int load_image(struct ucb *ub, const struct elf_image *im,
		      const uint8_t *file)
{
	uint64_t mapped_end = 0;

	for (unsigned i = 0; i < im->ei_nsegs; i++) {
		const struct elf_seg *s = &im->ei_segs[i];
		uint64_t lo = page_down(s->es_vaddr), hi = page_up(s->es_vaddr + s->es_memsz);

		if (lo < mapped_end)
			lo = mapped_end;
		if (lo < hi && uc_mem_map(ub->ub_uc, lo, hi - lo, UC_PROT_ALL) != UC_ERR_OK)
			return -ENOMEM;
		if (hi > mapped_end)
			mapped_end = hi;
		if (s->es_filesz &&
		    uc_mem_write(ub->ub_uc, s->es_vaddr, file + s->es_off,
				 (size_t)s->es_filesz) != UC_ERR_OK)
			return -EFAULT;
	}
	return 0;
}

static int load_stack(struct ucb *ub, const struct elf_image *im, int argc,
		      char **argv, uint64_t *sp)
{
	struct elf_stack_args a = {
		.argv = (const char *const *)argv,
		.argc = (size_t)argc,
		.envp = NULL,
		.envc = 0,
		.random = { 0x65, 0x70, 0x74, 0x73, 0x69, 0x6d, 0x20, 0x62,
			    0x65, 0x6e, 0x63, 0x68, 0x5f, 0x75, 0x63, 0x00 },
		.top = UCB_STACK_TOP,
	};
	size_t cap = 1 << 20, used;
	uint8_t *img = malloc(cap);
	int rc;

	if (img == NULL)
		return -ENOMEM;
	rc = elf_stack(im, &a, img, cap, sp, &used);
	if (rc == 0 && uc_mem_map(ub->ub_uc, UCB_STACK_TOP - UCB_STACK_SIZE,
				  UCB_STACK_SIZE, UC_PROT_ALL) != UC_ERR_OK)
		rc = -ENOMEM;
	if (rc == 0 && uc_mem_write(ub->ub_uc, *sp, img, used) != UC_ERR_OK)
		rc = -EFAULT;
	free(img);
	return rc;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int usage(void)
{
	fprintf(stderr, "usage: bench_uc [--hooks none|empty|code] PROGRAM [ARGS...]\n");
	return 2;
}

int main(int argc, char **argv)
{
	enum ucb_hooks hooks = UCB_HOOKS_NONE;
	struct ucb ub = { .ub_mmap_next = UCB_MMAP_BASE };
	struct elf_image im;
	uc_hook h;
	uint8_t *file = NULL;
	size_t len = 0;
	uint64_t sp;
	char why[256];
	double t0, t1;
	uc_err err;
	int argi = 1, rc, status = 1;

	if (argi + 1 < argc && strcmp(argv[argi], "--hooks") == 0) {
		const char *m = argv[argi + 1];

		if (strcmp(m, "none") == 0)
			hooks = UCB_HOOKS_NONE;
		else if (strcmp(m, "empty") == 0)
			hooks = UCB_HOOKS_EMPTY;
		else if (strcmp(m, "code") == 0)
			hooks = UCB_HOOKS_CODE;
		else
			return usage();
		argi += 2;
	}
	if (argi >= argc || argv[argi][0] == '-')
		return usage();

	rc = read_file(argv[argi], &file, &len);
	if (rc) {
		fprintf(stderr, "bench_uc: %s: %s\n", argv[argi], strerror(-rc));
		return 1;
	}
	if (elf_parse(file, len, &im, why, sizeof(why))) {
		fprintf(stderr, "bench_uc: %s: %s\n", argv[argi], why);
		goto out_file;
	}
	ub.ub_buf = malloc(UCB_CHUNK);
	if (ub.ub_buf == NULL) {
		fprintf(stderr, "bench_uc: out of memory\n");
		goto out_file;
	}
	err = uc_open(UC_ARCH_X86, UC_MODE_64, &ub.ub_uc);
	if (err != UC_ERR_OK) {
		fprintf(stderr, "bench_uc: uc_open: %s\n", uc_strerror(err));
		goto out_buf;
	}
	ub.ub_brk_start = ub.ub_brk = ub.ub_brk_mapped = im.ei_end;
	rc = load_image(&ub, &im, file);
	if (rc == 0)
		rc = load_stack(&ub, &im, argc - argi, argv + argi, &sp);
	if (rc) {
		fprintf(stderr, "bench_uc: %s: loading: %s\n", argv[argi], strerror(-rc));
		goto out_uc;
	}
	if (uc_reg_write(ub.ub_uc, UC_X86_REG_RSP, &sp) != UC_ERR_OK ||
	    uc_hook_add(ub.ub_uc, &h, UC_HOOK_INSN, (void *)ucb_syscall, &ub, 1, 0,
			UC_X86_INS_SYSCALL) != UC_ERR_OK ||
	    uc_hook_add(ub.ub_uc, &h, UC_HOOK_MEM_UNMAPPED, (void *)ucb_unmapped,
			&ub, 1, 0) != UC_ERR_OK ||
	    (hooks == UCB_HOOKS_EMPTY &&
	     (uc_hook_add(ub.ub_uc, &h, UC_HOOK_MEM_READ | UC_HOOK_MEM_WRITE,
			  (void *)ucb_mem_empty, &ub, 1, 0) != UC_ERR_OK ||
	      uc_hook_add(ub.ub_uc, &h, UC_HOOK_BLOCK, (void *)ucb_block_empty,
			  &ub, 1, 0) != UC_ERR_OK)) ||
	    (hooks == UCB_HOOKS_CODE &&
	     uc_hook_add(ub.ub_uc, &h, UC_HOOK_CODE, (void *)ucb_code, &ub, 1,
			 0) != UC_ERR_OK)) {
		fprintf(stderr, "bench_uc: setting up Unicorn failed\n");
		goto out_uc;
	}

	t0 = now();
	err = uc_emu_start(ub.ub_uc, im.ei_entry, 0, 0, 0);
	t1 = now();

	fprintf(stderr, "seconds: %.6f\n", t1 - t0);
	if (hooks == UCB_HOOKS_CODE)
		fprintf(stderr, "instructions: %" PRIu64 "\n", ub.ub_insns);
	if (ub.ub_faulted) {
		fprintf(stderr, "bench_uc: fault at %#" PRIx64 "\n", ub.ub_fault_addr);
		status = 139;
	} else if (ub.ub_exited) {
		fprintf(stderr, "bench_uc: exit %d\n", ub.ub_status);
		status = ub.ub_status;
	} else {
		uint64_t rip = 0;

		uc_reg_read(ub.ub_uc, UC_X86_REG_RIP, &rip);
		fprintf(stderr, "bench_uc: stopped at %#" PRIx64 ": %s\n", rip,
			err != UC_ERR_OK ? uc_strerror(err) : "no exit");
		status = 134;
	}
out_uc:
	uc_close(ub.ub_uc);
out_buf:
	free(ub.ub_buf);
out_file:
	free(file);
	return status;
}
