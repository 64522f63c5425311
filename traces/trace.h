/*
 * trace.h - trace records, and the readers and writers of the three trace
 * formats eptsim replays (docs/trace-format.md):
 *
 *   file or stdin --tr_src (plain, gzip, xz, zstd: told by the bytes)-->
 *     native   (tr_native.c: eptsim's binary format, header + records)
 *     lackey   (tr_lackey.c: valgrind --tool=lackey --trace-mem=yes text)
 *     champsim (tr_champsim.c: 64-byte input_instr records)
 *   --tr_next--> struct tr_rec, one at a time (memory does not grow with
 *                the trace's length)
 *
 *   struct tr_rec --tr_write--> tr_sink (plain or compressed) --> file
 *
 * Every reader yields the same records: accesses (TR_READ, TR_WRITE,
 * TR_FETCH) and retired instructions for all formats; the native format
 * also carries the kernel's work for a process (system calls, the changes
 * to its address space, copies), the processes and the schedule, so that a
 * replay drives the kernel model exactly as the recorded run did.  A trace
 * without processes (lackey, ChampSim, or native with TR_F_DEMAND) is one
 * process on vCPU 0 whose memory the guest kernel maps on demand.
 *
 * Errors name the file and the place: the byte offset in the
 * (decompressed) stream for binary formats, the line for lackey.
 */
#ifndef EPTSIM_TRACES_TRACE_H
#define EPTSIM_TRACES_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "eptsim.h"

/* ---- records -------------------------------------------------------------- */

enum tr_kind {
	TR_READ,        /* data read of `size` bytes at `addr` */
	TR_WRITE,       /* data write of `size` bytes at `addr` */
	TR_FETCH,       /* instruction fetch of `size` bytes at `addr`, after `n` instructions retired */
	TR_INSNS,       /* `n` instructions retired (negative: taken back, the part of a block that faulted) */
	TR_PROC,        /* process `proc` starts on vCPU `cpu`; `name` the program */
	TR_BRK_BASE,    /* the break of the current process starts at `addr` */
	TR_MMAP,        /* map [addr, addr + len) with `prot`; flag: MAP_FIXED (else addr is ignored: placed by the kernel); res: the address or -errno */
	TR_MUNMAP,      /* unmap [addr, addr + len); res */
	TR_MPROTECT,    /* [addr, addr + len) to `prot`; res */
	TR_MADVISE,     /* MADV_DONTNEED of [addr, addr + len); res */
	TR_BRK,         /* the break set to `addr`; res: the break after, or -errno */
	TR_COPY,        /* the kernel copies [addr, addr + len) of the process; flag: to it (copyout); res */
	TR_SYSCALL,     /* system call `addr` (its number) enters the kernel; flag: eptsim serves it (else ENOSYS) */
	TR_SYSRET,      /* the system call's kernel work is charged; it returns */
	TR_EXIT,        /* the current process exits with status `addr` */
	TR_KILL,        /* the current process dies by signal `prot` at `addr` by the instruction at `len`; flag: for that access (else a CPU exception) */
	TR_TURN,        /* vCPU `cpu` starts a turn of process `proc`; flag: after a context switch to it */
	TR_HALT,        /* vCPU `cpu` halts: nothing left to run */
	TR_NKINDS
};

struct tr_rec {
	uint8_t kind;           /* enum tr_kind */
	bool flag;              /* see enum tr_kind */
	uint16_t cpu;           /* TR_PROC, TR_TURN, TR_HALT */
	uint32_t proc;          /* TR_PROC, TR_TURN */
	uint32_t size;          /* accesses: bytes, 1 to TR_MAX_SIZE */
	uint32_t prot;          /* TR_MMAP, TR_MPROTECT: VM_PROT_*; TR_KILL: the signal */
	uint64_t addr;          /* see enum tr_kind */
	uint64_t len;           /* see enum tr_kind */
	int64_t n;              /* TR_FETCH, TR_INSNS: instructions */
	int64_t res;            /* kernel operations: the result the recorded run got */
	const char *name;       /* TR_PROC: NUL-terminated, valid until the next tr_next */
};

#define TR_MAX_SIZE 4096u       /* the largest access a record may carry */
#define TR_MAX_NAME 511u        /* the longest program name of a TR_PROC */
#define TR_MAX_PROCS 32u        /* processes of one trace (CFG_MAX_PROCS) */
#define TR_MAX_CPUS 64u

/* tr_kind_name - "read", "write", "fetch", "insns", "proc", ... */
const char *tr_kind_name(unsigned kind);

/* ---- the byte layer: files, stdin, compression (tr_io.c) ------------------ */

enum tr_compress { TR_COMP_NONE, TR_COMP_GZIP, TR_COMP_XZ, TR_COMP_ZSTD, TR_COMP_N };
extern const char *const tr_compress_names[];   /* "none", "gzip", "xz", "zstd"; NULL-terminated */

/*
 * A byte source: the decompressed bytes of a file or stdin, read through a
 * buffer.  The readers consume [p, end) and call tr_src_fill for more.
 */
struct tr_src {
	const uint8_t *p, *end; /* unread bytes in the buffer; readers advance p */
	const uint8_t *buf;     /* the buffer's first byte */
	uint64_t base;          /* its offset in the decompressed stream */
	const char *path;       /* as given ("-": standard input) */
	enum tr_compress comp;  /* what the bytes said */
	void *impl;             /* tr_io.c's */
};

/*
 * tr_src_open - open `path` ("-": standard input), tell its compression
 * from its first bytes (gzip 1f 8b, xz fd 37 7a 58 5a 00, zstd 28 b5 2f fd;
 * anything else: plain) and fill the first buffer.  0, or a negative
 * errno with `err` naming the file.
 */
int tr_src_open(struct tr_src **out, const char *path, struct eptsim_error *err);

/*
 * tr_src_fill - keep the unread bytes [p, end) and read more after them,
 * so that at least `want` bytes (at most 64 KiB) are unread, or the
 * stream ended.
 * Returns the bytes unread now (fewer than `want` only at the end of the
 * stream), or a negative errno with `err` naming the file, the byte offset
 * and what went wrong (a corrupt compressed stream, an I/O error).
 */
long tr_src_fill(struct tr_src *s, size_t want, struct eptsim_error *err);

/* tr_src_offset - the offset in the decompressed stream of `at`, a pointer into [buf, end] */
static inline uint64_t tr_src_offset(const struct tr_src *s, const uint8_t *at)
{
	return s->base + (uint64_t)(at - s->buf);
}

/*
 * tr_src_open_mem - a source over `len` bytes at `buf` (not copied; kept
 * until close), named `name` in errors, compression told as tr_src_open.
 * The fuzz targets and tests read through it.
 */
int tr_src_open_mem(struct tr_src **out, const char *name, const uint8_t *buf,
		    size_t len, struct eptsim_error *err);

void tr_src_close(struct tr_src *s);

/* A byte sink: a file or stdout, plain or compressed. */
struct tr_sink;

/* tr_sink_open - create `path` ("-": standard output) writing through `comp`. 0 or -errno (err says). */
int tr_sink_open(struct tr_sink **out, const char *path, enum tr_compress comp,
		 struct eptsim_error *err);
/* tr_sink_write - append `len` bytes.  0 or -errno (err names the file). */
int tr_sink_write(struct tr_sink *k, const void *buf, size_t len, struct eptsim_error *err);
/* tr_sink_close - finish the stream (compressor trailer), flush, close.  0, or -errno and the file removed. */
int tr_sink_close(struct tr_sink *k, struct eptsim_error *err);
/* tr_sink_abort - close without finishing (an error already happened) and remove the file */
void tr_sink_abort(struct tr_sink *k);

/* ---- readers (tr_read.c) --------------------------------------------------- */

enum tr_format { TR_FMT_AUTO, TR_FMT_NATIVE, TR_FMT_LACKEY, TR_FMT_CHAMPSIM, TR_FMT_N };
extern const char *const tr_format_names[];     /* "auto", "native", "lackey", "champsim"; NULL-terminated */

/* header flags of the native format */
#define TR_F_DEMAND 0x1u        /* no processes: one process, its memory mapped on demand */

struct tr_open_opts {
	enum tr_format format;          /* TR_FMT_AUTO: told by the bytes */
	unsigned access_size;           /* ChampSim: bytes of each data access (1 to TR_MAX_SIZE); 0: 8 */
};

#define TR_QUEUE 8
struct tr_reader {
	struct tr_src *r_src;
	enum tr_format r_fmt;
	unsigned r_flags;               /* TR_F_* (lackey and ChampSim: TR_F_DEMAND) */
	unsigned r_ncpus;               /* vCPUs the trace uses (1 for lackey, ChampSim) */
	unsigned r_access_size;
	uint64_t r_records;             /* records yielded so far */
	uint64_t r_line;                /* lackey: the line being read (1-based) */
	bool r_done;                    /* the end was reached (native: its end record) */
	/* records decoded but not yielded yet (lackey M, ChampSim's several accesses) */
	struct tr_rec r_q[TR_QUEUE];
	unsigned r_qhead, r_qlen;
	/* native: the previous address of each access kind (addresses are deltas) */
	uint64_t r_prev[3];
	char r_name[TR_MAX_NAME + 1];
	int (*r_next)(struct tr_reader *r, struct tr_rec *rec, struct eptsim_error *err);
};

/*
 * tr_open - open a trace: its compression and (TR_FMT_AUTO) its format
 * told by its bytes (native: the magic "EPTSIMTR"; lackey: text lines as
 * lackey writes them; anything else: ChampSim), the native header read
 * and checked.  0, or a negative errno with `err` naming the file and
 * what is wrong.
 */
int tr_open(struct tr_reader **out, const char *path, const struct tr_open_opts *o,
	    struct eptsim_error *err);

/* tr_open_src - tr_open over a source already open (the reader owns it from now on, even on failure) */
int tr_open_src(struct tr_reader **out, struct tr_src *src, const struct tr_open_opts *o,
		struct eptsim_error *err);

/*
 * tr_next - the next record: 1 (in *rec), 0 at the end of the trace, or
 * -EINVAL/-EIO/-ENOMEM with `err` naming the file, the place (byte offset,
 * line) and what was expected.
 */
static inline int tr_next(struct tr_reader *r, struct tr_rec *rec, struct eptsim_error *err)
{
	if (r->r_qlen) {
		*rec = r->r_q[r->r_qhead];
		r->r_qhead = (r->r_qhead + 1) % TR_QUEUE;
		r->r_qlen--;
		r->r_records++;
		return 1;
	}
	return r->r_next(r, rec, err);
}

/* tr_push - queue a decoded record for tr_next (a reader's helper); the queue holds TR_QUEUE */
void tr_push(struct tr_reader *r, const struct tr_rec *rec);

void tr_close(struct tr_reader *r);

/* tr_errf - err = "PATH: WHERE: what" (a reader's helper; where: "byte offset N", "line N") */
void tr_errf(struct eptsim_error *err, const struct tr_reader *r, const char *where,
	     const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* the format readers, called by tr_open after the format is known: set r_next, read a header */
int tr_native_start(struct tr_reader *r, struct eptsim_error *err);
int tr_lackey_start(struct tr_reader *r, struct eptsim_error *err);
int tr_champsim_start(struct tr_reader *r, struct eptsim_error *err);

/* tr_lackey_sniff - do these first bytes of a stream look like lackey's text? */
bool tr_lackey_sniff(const uint8_t *p, size_t n);

/* ---- the native writer (tr_native.c) ---------------------------------------- */

struct tr_writer;

/*
 * tr_writer_open - a native trace to `path` ("-": standard output) through
 * `comp`, for `ncpus` vCPUs, with header `flags` (TR_F_*).  0 or -errno.
 */
int tr_writer_open(struct tr_writer **out, const char *path, enum tr_compress comp,
		   unsigned ncpus, unsigned flags, struct eptsim_error *err);

/*
 * tr_write - append a record (buffered).  A TR_INSNS with n > 0 directly
 * followed by a TR_FETCH is written as one record.  0 or -errno (err set;
 * the writer is then dead: every later call fails).
 */
int tr_write(struct tr_writer *w, const struct tr_rec *rec, struct eptsim_error *err);

/* tr_writer_close - the end record, flush, close; 0 or -errno.  NULL is a no-op. */
int tr_writer_close(struct tr_writer *w, struct eptsim_error *err);

/* tr_writer_abort - stop writing (an error happened): close and remove the file */
void tr_writer_abort(struct tr_writer *w);

/* ---- what a trace holds (tr_info.c) ------------------------------------------ */

/* a set of 64-bit keys (pages, regions): open addressing; zero it to start */
struct tr_set {
	uint64_t *slot;         /* key + 1; 0: empty */
	size_t cap, used;
};

/* tr_set_add - add `key` (not UINT64_MAX): 1 if it is new, 0 if it was there, -ENOMEM */
int tr_set_add(struct tr_set *ts, uint64_t key);
void tr_set_fini(struct tr_set *ts);

struct tr_info {
	enum tr_format format;
	enum tr_compress comp;
	unsigned ncpus, nprocs, flags;
	uint64_t records;
	uint64_t by_kind[TR_NKINDS];    /* records of each kind */
	uint64_t bytes[3];              /* bytes accessed: read, write, fetch */
	uint64_t instructions;          /* net of TR_INSNS and TR_FETCH n */
	uint64_t lo, hi;                /* lowest and highest byte accessed (lo > hi: none) */
	uint64_t pages;                 /* distinct 4 KiB pages accessed */
};

/* tr_info_scan - read the whole trace `r` into *info.  0 or the error of tr_next. */
int tr_info_scan(struct tr_reader *r, struct tr_info *info, struct eptsim_error *err);

#endif
