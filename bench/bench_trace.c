/*
 * bench_trace.c - the tool of bench/replay.sh (issue 7): it writes the
 * traces the replay benchmark runs, reads them without simulating them
 * (the peer: the speed limit of any replay), and measures a command's
 * peak memory.  Wall-clock time is fine here: nothing of it reaches a
 * report.
 *
 * usage: bench_trace gen native|lackey|champsim friendly|heavy N OUT
 *        bench_trace decode TRACE
 *        bench_trace rss CMD [ARGS...]
 *
 * gen writes N data accesses of one program, the same in every format:
 * a loop of two instructions,
 *
 *   CODE + 0  mov rax, [ADDR] or mov [ADDR], rax   4 bytes, 8-byte access
 *   CODE + 4  loop CODE                            2 bytes, no access
 *
 * every fourth access a store, the others loads.  ADDR is what the
 * pattern says:
 *
 *   friendly  sequential over a 1 MiB buffer, round and round: TLB-friendly
 *             (256 pages, 512 accesses each; within the STLB's reach)
 *   heavy     uniform over 256 MiB, 8-byte aligned, from a splitmix64 seeded
 *             with 1: walk-heavy (65,536 pages: 42 times the reach of a
 *             1,536-entry STLB of 4 KiB pages; nearly every data access
 *             misses it and walks)
 *
 * So N data accesses are 3N accesses with the fetches.  What each format
 * can carry of it:
 *
 *   native    TR_FETCH {CODE, 4, n = 1}, TR_READ or TR_WRITE {ADDR, 8},
 *             TR_FETCH {CODE + 4, 2, n = 1}; header TR_F_DEMAND, 1 vCPU
 *   lackey    "I  %08lx,4", " L %08lx,8" or " S %08lx,8", "I  %08lx,2":
 *             the same records
 *   champsim  one 64-byte input_instr per instruction (the load's address
 *             in source_memory[0], the store's in destination_memory[0],
 *             the loop a taken branch but for the last): the same records
 *             but that ChampSim's reader makes every fetch 1 byte, since
 *             the format has no instruction lengths (no fetch here crosses
 *             a page, so the translations are the same)
 *
 * decode reads TRACE with tr_open/tr_next only and prints
 * "records R accesses A seconds S records/s X accesses/s Y".
 * rss runs CMD (its output ours) and prints "maxrss_kib K" on stderr,
 * from getrusage(RUSAGE_CHILDREN); its status is CMD's.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "eptsim.h"
#include "traces/trace.h"

#define BT_CODE UINT64_C(0x401000)        /* the loop's first instruction */
#define BT_LEN0 4u                        /* its length; the loop instruction's: */
#define BT_LEN1 2u
#define BT_SIZE 8u                        /* bytes of each data access */
#define BT_FRIENDLY_BASE UINT64_C(0x10000000)
#define BT_FRIENDLY_SIZE (UINT64_C(1) << 20)
#define BT_HEAVY_BASE UINT64_C(0x40000000)
#define BT_HEAVY_SIZE (UINT64_C(1) << 28)
#define BT_STORE_EVERY 4u                 /* every fourth access a store */
#define BT_BUF (1u << 20)                 /* bytes buffered before a sink write */

/* ChampSim's input_instr (inc/trace_instruction.h), little-endian */
#define CS_REC 64u
#define CS_IS_BRANCH 8u
#define CS_TAKEN 9u
#define CS_DST_REG 10u
#define CS_SRC_REG 12u
#define CS_DST_MEM 16u
#define CS_SRC_MEM 32u
/* register numbers as ChampSim's tracer writes them (REG_FLAGS, REG_INSTRUCTION_POINTER) */
#define CS_REG_FLAGS 25u
#define CS_REG_IP 26u
#define CS_REG_RAX 56u
#define CS_REG_RCX 57u

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---- the access stream ------------------------------------------------------- */

struct bt_gen {
	int g_heavy;
	uint64_t g_i;           /* data accesses made */
	uint64_t g_rng;         /* splitmix64 state */
};

/* gen_next - the address of the next data access and whether it is a store */
static uint64_t gen_next(struct bt_gen *g, int *store)
{
	uint64_t a;

	*store = g->g_i % BT_STORE_EVERY == BT_STORE_EVERY - 1;
	if (g->g_heavy) {
		uint64_t z = (g->g_rng += UINT64_C(0x9e3779b97f4a7c15));

		z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
		z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
		z ^= z >> 31;
		a = BT_HEAVY_BASE + (z & (BT_HEAVY_SIZE - 1) & ~(uint64_t)(BT_SIZE - 1));
	} else {
		a = BT_FRIENDLY_BASE + (g->g_i * BT_SIZE) % BT_FRIENDLY_SIZE;
	}
	g->g_i++;
	return a;
}

/* ---- writers of the three formats --------------------------------------------- */

/* a byte sink with our buffer in front (lackey, ChampSim) */
struct bt_out {
	struct tr_sink *o_sink;
	uint8_t *o_buf;
	size_t o_len;
	int o_rc;               /* the first error */
};

/* out_room - make room for `n` more bytes; 0 or the sink's error */
static int out_room(struct bt_out *o, size_t n, struct eptsim_error *err)
{
	if (o->o_len + n <= BT_BUF || o->o_rc)
		return o->o_rc;
	o->o_rc = tr_sink_write(o->o_sink, o->o_buf, o->o_len, err);
	o->o_len = 0;
	return o->o_rc;
}

/* lk_line - append a lackey line: `head` ("I  ", " L ", " S "), ADDR as %08lx, ",SIZE\n" */
static void lk_line(struct bt_out *o, const char *head, uint64_t addr, unsigned size)
{
	static const char hex[] = "0123456789abcdef";
	uint8_t *p = o->o_buf + o->o_len;
	unsigned nd = 8;

	while (nd < 16 && addr >> (4 * nd))
		nd++;
	memcpy(p, head, 3);
	p += 3;
	for (unsigned i = nd; i-- > 0;)
		*p++ = (uint8_t)hex[(addr >> (4 * i)) & 15];
	*p++ = ',';
	*p++ = (uint8_t)('0' + size);   /* sizes here are one digit */
	*p++ = '\n';
	o->o_len = (size_t)(p - o->o_buf);
}

static void le64(uint8_t *p, uint64_t v)
{
	for (unsigned i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* cs_instr - append one input_instr: `ip`, a data address (0: none) read or written, or a branch */
static void cs_instr(struct bt_out *o, uint64_t ip, uint64_t addr, int store, int branch,
		     int taken)
{
	uint8_t *r = o->o_buf + o->o_len;

	memset(r, 0, CS_REC);
	le64(r, ip);
	if (branch) {
		r[CS_IS_BRANCH] = 1;
		r[CS_TAKEN] = (uint8_t)taken;
		r[CS_DST_REG] = CS_REG_IP;
		r[CS_SRC_REG] = CS_REG_IP;
		r[CS_SRC_REG + 1] = CS_REG_FLAGS;
		r[CS_SRC_REG + 2] = CS_REG_RCX;
	} else if (store) {
		r[CS_SRC_REG] = CS_REG_RAX;
		le64(r + CS_DST_MEM, addr);
	} else {
		r[CS_DST_REG] = CS_REG_RAX;
		le64(r + CS_SRC_MEM, addr);
	}
	o->o_len += CS_REC;
}

/* gen_text - lackey or ChampSim: n data accesses of `g` to `path`.  0 or -errno */
static int gen_text(struct bt_gen *g, int champsim, uint64_t n, const char *path,
		    struct eptsim_error *err)
{
	struct bt_out o = { .o_buf = malloc(BT_BUF) };
	int rc;

	if (!o.o_buf) {
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		return -ENOMEM;
	}
	rc = tr_sink_open(&o.o_sink, path, TR_COMP_NONE, err);
	if (rc < 0)
		goto out;
	for (uint64_t i = 0; i < n && rc == 0; i++) {
		int store;
		uint64_t a = gen_next(g, &store);

		rc = out_room(&o, 3 * CS_REC, err);     /* more than 3 lackey lines */
		if (champsim) {
			cs_instr(&o, BT_CODE, a, store, 0, 0);
			cs_instr(&o, BT_CODE + BT_LEN0, 0, 0, 1, i + 1 < n);
		} else {
			lk_line(&o, "I  ", BT_CODE, BT_LEN0);
			lk_line(&o, store ? " S " : " L ", a, BT_SIZE);
			lk_line(&o, "I  ", BT_CODE + BT_LEN0, BT_LEN1);
		}
	}
	if (rc == 0 && o.o_len)
		rc = tr_sink_write(o.o_sink, o.o_buf, o.o_len, err);
	if (rc == 0)
		rc = tr_sink_close(o.o_sink, err);
	else
		tr_sink_abort(o.o_sink);
out:
	free(o.o_buf);
	return rc;
}

/* gen_native - n data accesses of `g` in eptsim's format to `path`.  0 or -errno */
static int gen_native(struct bt_gen *g, uint64_t n, const char *path, struct eptsim_error *err)
{
	struct tr_writer *w;
	int rc = tr_writer_open(&w, path, TR_COMP_NONE, 1, TR_F_DEMAND, err);

	for (uint64_t i = 0; i < n && rc == 0; i++) {
		int store;
		const uint64_t a = gen_next(g, &store);
		const struct tr_rec f0 = { .kind = TR_FETCH, .addr = BT_CODE, .size = BT_LEN0, .n = 1 };
		const struct tr_rec d = { .kind = store ? TR_WRITE : TR_READ, .addr = a,
					  .size = BT_SIZE };
		const struct tr_rec f1 = { .kind = TR_FETCH, .addr = BT_CODE + BT_LEN0,
					   .size = BT_LEN1, .n = 1 };

		rc = tr_write(w, &f0, err);
		if (rc == 0)
			rc = tr_write(w, &d, err);
		if (rc == 0)
			rc = tr_write(w, &f1, err);
	}
	if (rc == 0)
		return tr_writer_close(w, err);
	if (w)
		tr_writer_abort(w);
	return rc;
}

static int cmd_gen(char **argv)
{
	static const char *const fmts[] = { "native", "lackey", "champsim", NULL };
	struct bt_gen g = { .g_rng = 1 };
	struct eptsim_error err = { .msg = "" };
	char *end;
	uint64_t n;
	int fmt = -1, rc;

	for (int i = 0; fmts[i]; i++)
		if (strcmp(argv[0], fmts[i]) == 0)
			fmt = i;
	g.g_heavy = strcmp(argv[1], "heavy") == 0;
	n = strtoull(argv[2], &end, 10);
	if (fmt < 0 || (!g.g_heavy && strcmp(argv[1], "friendly") != 0) || *end || !n) {
		fprintf(stderr, "bench_trace gen: expected native|lackey|champsim friendly|heavy N OUT\n");
		return 2;
	}
	rc = fmt == 0 ? gen_native(&g, n, argv[3], &err) : gen_text(&g, fmt == 2, n, argv[3], &err);
	if (rc < 0) {
		fprintf(stderr, "bench_trace gen: %s\n", err.msg);
		return 1;
	}
	return 0;
}

/* ---- the peer: reading without simulating -------------------------------------- */

static int cmd_decode(const char *path)
{
	const struct tr_open_opts o = { .format = TR_FMT_AUTO };
	struct eptsim_error err = { .msg = "" };
	struct tr_reader *r;
	struct tr_rec rec;
	uint64_t records = 0, accesses = 0, sink = 0;
	double t0 = now(), t;
	int rc = tr_open(&r, path, &o, &err);

	if (rc == 0) {
		while ((rc = tr_next(r, &rec, &err)) > 0) {
			records++;
			if (rec.kind <= TR_FETCH) {
				accesses++;
				sink += rec.addr;
			}
		}
		tr_close(r);
	}
	if (rc < 0) {
		fprintf(stderr, "bench_trace decode: %s\n", err.msg);
		return 1;
	}
	t = now() - t0;
	printf("records %" PRIu64 " accesses %" PRIu64 " seconds %.3f records/s %.0f accesses/s %.0f (checksum %" PRIx64 ")\n",
	       records, accesses, t, (double)records / t, (double)accesses / t, sink & 0xffff);
	return 0;
}

/* ---- peak memory of a command ---------------------------------------------------- */

static int cmd_rss(char **argv)
{
	struct rusage ru;
	int status;
	pid_t pid = fork();

	if (pid < 0) {
		perror("bench_trace rss: fork");
		return 1;
	}
	if (pid == 0) {
		execvp(argv[0], argv);
		fprintf(stderr, "bench_trace rss: %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0 || getrusage(RUSAGE_CHILDREN, &ru) < 0) {
		perror("bench_trace rss");
		return 1;
	}
	fprintf(stderr, "maxrss_kib %ld\n", ru.ru_maxrss);
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

int main(int argc, char **argv)
{
	if (argc == 6 && strcmp(argv[1], "gen") == 0)
		return cmd_gen(argv + 2);
	if (argc == 3 && strcmp(argv[1], "decode") == 0)
		return cmd_decode(argv[2]);
	if (argc >= 3 && strcmp(argv[1], "rss") == 0)
		return cmd_rss(argv + 2);
	fprintf(stderr, "usage: bench_trace gen native|lackey|champsim friendly|heavy N OUT\n"
			"       bench_trace decode TRACE\n"
			"       bench_trace rss CMD [ARGS...]\n");
	return 2;
}
