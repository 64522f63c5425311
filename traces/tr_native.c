/*
 * tr_native.c - eptsim's own trace format: the reader and the writer
 * (docs/trace-format.md is the specification; the two must agree).
 *
 * Header, 16 bytes:
 *
 *   0        8         10       12       14       16
 *   +--------+---------+--------+--------+--------+
 *   |EPTSIMTR| version | flags  | ncpus  |   0    |   little-endian u16s
 *   +--------+---------+--------+--------+--------+
 *
 * Records: one opcode byte, then LEB128 varints (zz: zigzag-signed) and
 * single bytes.  An access record is an opcode below 0x80:
 *
 *    7   6   5       4   3   2     1   0
 *   +---+---+-------+-----------+-------+
 *   | 0 | 0 | insns | size code | kind  |   kind: 0 read, 1 write, 2 fetch
 *   +---+---+-------+-----------+-------+   size code 0-6: 1 << code bytes,
 *                                           7: a varint size follows
 *   zz(addr - previous addr of this kind) [size] [insns: retired before a fetch]
 *
 * Other records are 0x80 + their number (TR_OP_*), listed below with
 * their fields; the last is TR_OP_END with the count of records before it,
 * so a trace cut at a record boundary is told from a whole one.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "traces/trace.h"

#define unlikely_tr(x) __builtin_expect(!!(x), 0)
#define TR_VERSION 1u
#define TR_HDR 16u
#define TR_REC_MAX 1024u        /* no record is longer (TR_PROC: 1 + 3 varints + 511) */

enum tr_op {
	TR_OP_INSNS = 0x80,     /* zz n */
	TR_OP_PROC,             /* proc, cpu, name length, name bytes */
	TR_OP_BRK_BASE,         /* addr */
	TR_OP_MMAP,             /* addr, len, prot byte, fixed byte, zz res */
	TR_OP_MUNMAP,           /* addr, len, zz res */
	TR_OP_MPROTECT,         /* addr, len, prot byte, zz res */
	TR_OP_MADVISE,          /* addr, len, zz res */
	TR_OP_BRK,              /* addr, zz res */
	TR_OP_COPY,             /* addr, len, write byte, zz res */
	TR_OP_SYSCALL,          /* nr, known byte */
	TR_OP_SYSRET,           /* - */
	TR_OP_EXIT,             /* status */
	TR_OP_KILL,             /* signal, addr, ip, mem byte */
	TR_OP_TURN,             /* cpu, proc, switched byte */
	TR_OP_HALT,             /* cpu */
	TR_OP_END,              /* records before it */
};

static const uint8_t magic[8] = { 'E', 'P', 'T', 'S', 'I', 'M', 'T', 'R' };

static inline uint64_t zz_enc(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static inline int64_t zz_dec(uint64_t v)
{
	return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

/* ---- reading ---------------------------------------------------------------- */

/* a record being decoded: the bytes it may use, where it started */
struct dec {
	const uint8_t *p, *end, *start;
	int bad;                /* 1: truncated, 2: an overlong varint, 3: a bad byte value */
};

static inline uint64_t get_v(struct dec *d)
{
	uint64_t v = 0;

	for (unsigned shift = 0; shift < 70; shift += 7) {
		uint8_t b;

		if (unlikely_tr(d->p == d->end)) {
			d->bad = d->bad ? d->bad : 1;
			return 0;
		}
		b = *d->p++;
		if (shift == 63 && b > 1) {
			d->bad = d->bad ? d->bad : 2;
			return 0;
		}
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return v;
	}
	d->bad = d->bad ? d->bad : 2;
	return 0;
}

/* get_b - one byte that must be at most `max` */
static inline uint8_t get_b(struct dec *d, uint8_t max)
{
	uint8_t b;

	if (d->p == d->end) {
		d->bad = d->bad ? d->bad : 1;
		return 0;
	}
	b = *d->p++;
	if (b > max)
		d->bad = d->bad ? d->bad : 3;
	return b;
}

/* rec_error - err = "PATH: byte offset N: what", N the offset of `at` */
static int rec_error(struct tr_reader *r, struct eptsim_error *err, const uint8_t *at,
		     const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int rec_error(struct tr_reader *r, struct eptsim_error *err, const uint8_t *at,
		     const char *fmt, ...)
{
	char where[64], what[512];
	va_list ap;

	snprintf(where, sizeof(where), "byte offset %llu",
		 (unsigned long long)tr_src_offset(r->r_src, at));
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	tr_errf(err, r, where, "%s", what);
	return -EINVAL;
}

/* bad_field - the error for a record whose decoding set d->bad */
static int bad_field(struct tr_reader *r, struct eptsim_error *err, const struct dec *d,
		     const char *what)
{
	switch (d->bad) {
	case 1:
		return rec_error(r, err, d->start, "a truncated %s record", what);
	case 2:
		return rec_error(r, err, d->start, "a %s record with a varint longer than 64 bits", what);
	}
	return rec_error(r, err, d->start, "a %s record with a byte out of range (a flag not 0 or 1, a protection above 7)", what);
}

static int native_next(struct tr_reader *r, struct tr_rec *rec, struct eptsim_error *err)
{
	struct tr_src *s = r->r_src;
	uint64_t proc = 0, cpu = 0;     /* checked before they are narrowed */
	struct dec d;
	uint8_t op;

	if (unlikely_tr((size_t)(s->end - s->p) < TR_REC_MAX)) {
		long got = tr_src_fill(s, TR_REC_MAX, err);

		if (got < 0)
			return (int)got;
		if (got == 0) {
			if (r->r_done)
				return 0;
			return rec_error(r, err, s->p, "the trace ends without its end record (truncated?)");
		}
	}
	if (r->r_done)
		return rec_error(r, err, s->p, "data after the end record");
	d.start = s->p;
	d.p = s->p + 1;
	d.end = s->end;
	d.bad = 0;
	op = *s->p;
	memset(rec, 0, sizeof(*rec));
	if (op < 0x80) {
		const unsigned kind = op & 3, code = (op >> 2) & 7;

		if (kind == 3 || (op & 0x40) || ((op & 0x20) && kind != TR_FETCH))
			return rec_error(r, err, d.start, "an unknown record kind 0x%02x", op);
		rec->kind = (uint8_t)kind;
		rec->addr = r->r_prev[kind] + (uint64_t)zz_dec(get_v(&d));
		rec->size = code < 7 ? 1u << code : (uint32_t)get_v(&d);
		if (op & 0x20)
			rec->n = (int64_t)get_v(&d);
		if (d.bad)
			return bad_field(r, err, &d, tr_kind_name(kind));
		if (rec->size == 0 || rec->size > TR_MAX_SIZE)
			return rec_error(r, err, d.start, "an access of %u bytes; expected 1 to %u", rec->size, TR_MAX_SIZE);
		if ((op & 0x20) && (rec->n <= 0))
			return rec_error(r, err, d.start, "a fetch retiring 0 or more than 2^63 instructions");
		r->r_prev[kind] = rec->addr;
		s->p = d.p;
		r->r_records++;
		return 1;
	}
	switch (op) {
	case TR_OP_INSNS:
		rec->kind = TR_INSNS;
		rec->n = zz_dec(get_v(&d));
		break;
	case TR_OP_PROC: {
		uint64_t len;

		rec->kind = TR_PROC;
		proc = get_v(&d);
		cpu = get_v(&d);
		len = get_v(&d);
		if (!d.bad && len > TR_MAX_NAME)
			return rec_error(r, err, d.start, "a process name longer than %u bytes", TR_MAX_NAME);
		if (!d.bad && (uint64_t)(d.end - d.p) < len)
			d.bad = 1;
		if (!d.bad) {
			memcpy(r->r_name, d.p, len);
			r->r_name[len] = '\0';
			if (strlen(r->r_name) != len)
				return rec_error(r, err, d.start, "a process name with a NUL byte");
			d.p += len;
			rec->name = r->r_name;
		}
		break;
	}
	case TR_OP_BRK_BASE:
		rec->kind = TR_BRK_BASE;
		rec->addr = get_v(&d);
		break;
	case TR_OP_MMAP:
	case TR_OP_MPROTECT:
		rec->kind = op == TR_OP_MMAP ? TR_MMAP : TR_MPROTECT;
		rec->addr = get_v(&d);
		rec->len = get_v(&d);
		rec->prot = get_b(&d, 7);
		if (op == TR_OP_MMAP)
			rec->flag = get_b(&d, 1);
		rec->res = zz_dec(get_v(&d));
		break;
	case TR_OP_MUNMAP:
	case TR_OP_MADVISE:
		rec->kind = op == TR_OP_MUNMAP ? TR_MUNMAP : TR_MADVISE;
		rec->addr = get_v(&d);
		rec->len = get_v(&d);
		rec->res = zz_dec(get_v(&d));
		break;
	case TR_OP_BRK:
		rec->kind = TR_BRK;
		rec->addr = get_v(&d);
		rec->res = zz_dec(get_v(&d));
		break;
	case TR_OP_COPY:
		rec->kind = TR_COPY;
		rec->addr = get_v(&d);
		rec->len = get_v(&d);
		rec->flag = get_b(&d, 1);
		rec->res = zz_dec(get_v(&d));
		break;
	case TR_OP_SYSCALL:
		rec->kind = TR_SYSCALL;
		rec->addr = get_v(&d);
		rec->flag = get_b(&d, 1);
		break;
	case TR_OP_SYSRET:
		rec->kind = TR_SYSRET;
		break;
	case TR_OP_EXIT:
		rec->kind = TR_EXIT;
		rec->addr = get_v(&d);
		break;
	case TR_OP_KILL: {
		const uint64_t sig = get_v(&d);

		rec->kind = TR_KILL;
		rec->addr = get_v(&d);
		rec->len = get_v(&d);
		rec->flag = get_b(&d, 1);
		if (!d.bad && (sig == 0 || sig > 64))
			return rec_error(r, err, d.start, "a kill record with signal %llu; expected 1 to 64",
					 (unsigned long long)sig);
		rec->prot = (uint32_t)sig;
		break;
	}
	case TR_OP_TURN:
		rec->kind = TR_TURN;
		cpu = get_v(&d);
		proc = get_v(&d);
		rec->flag = get_b(&d, 1);
		break;
	case TR_OP_HALT:
		rec->kind = TR_HALT;
		cpu = get_v(&d);
		break;
	case TR_OP_END: {
		uint64_t n = get_v(&d);

		if (d.bad)
			return bad_field(r, err, &d, "end");
		if (n != r->r_records)
			return rec_error(r, err, d.start,
					 "the end record counts %llu records, %llu came before it",
					 (unsigned long long)n, (unsigned long long)r->r_records);
		s->p = d.p;
		r->r_done = true;
		return native_next(r, rec, err);
	}
	default:
		return rec_error(r, err, d.start, "an unknown record kind 0x%02x", op);
	}
	if (d.bad)
		return bad_field(r, err, &d, tr_kind_name(rec->kind));
	if (proc >= TR_MAX_PROCS)
		return rec_error(r, err, d.start, "process %llu; a trace has at most %u",
				 (unsigned long long)proc, TR_MAX_PROCS);
	if (cpu >= r->r_ncpus)
		return rec_error(r, err, d.start, "vCPU %llu; the header says the trace has %u",
				 (unsigned long long)cpu, r->r_ncpus);
	rec->proc = (uint32_t)proc;
	rec->cpu = (uint16_t)cpu;
	if ((r->r_flags & TR_F_DEMAND) && rec->kind != TR_INSNS)
		return rec_error(r, err, d.start,
				 "a %s record in a trace without processes (header flag 1: mapped on demand)",
				 tr_kind_name(rec->kind));
	s->p = d.p;
	r->r_records++;
	return 1;
}

int tr_native_start(struct tr_reader *r, struct eptsim_error *err)
{
	struct tr_src *s = r->r_src;
	long got = tr_src_fill(s, TR_HDR, err);
	const uint8_t *h = s->p;
	unsigned version, flags, ncpus, zero;

	if (got < 0)
		return (int)got;
	if (got < (long)TR_HDR || memcmp(h, magic, sizeof(magic)) != 0) {
		tr_errf(err, r, "byte offset 0", "not an eptsim trace: expected the 16-byte header starting \"EPTSIMTR\"");
		return -EINVAL;
	}
	version = h[8] | (unsigned)h[9] << 8;
	flags = h[10] | (unsigned)h[11] << 8;
	ncpus = h[12] | (unsigned)h[13] << 8;
	zero = h[14] | (unsigned)h[15] << 8;
	if (version != TR_VERSION) {
		tr_errf(err, r, "byte offset 8", "trace format version %u; this eptsim reads version %u",
			version, TR_VERSION);
		return -EINVAL;
	}
	if (flags & ~TR_F_DEMAND) {
		tr_errf(err, r, "byte offset 10", "unknown header flags 0x%x (known: 0x1, mapped on demand)", flags);
		return -EINVAL;
	}
	if (ncpus == 0 || ncpus > TR_MAX_CPUS) {
		tr_errf(err, r, "byte offset 12", "%u vCPUs; expected 1 to %u", ncpus, TR_MAX_CPUS);
		return -EINVAL;
	}
	if (zero != 0) {
		tr_errf(err, r, "byte offset 14", "expected 0 (reserved), got %u", zero);
		return -EINVAL;
	}
	r->r_flags = flags;
	r->r_ncpus = ncpus;
	s->p += TR_HDR;
	r->r_next = native_next;
	return 0;
}

/* ---- writing ---------------------------------------------------------------- */

#define TR_WBUF (256u * 1024u)

struct tr_writer {
	struct tr_sink *w_sink;
	uint8_t *w_buf;
	size_t w_len;
	uint64_t w_records;
	uint64_t w_prev[3];
	int64_t w_pend;         /* instructions retired, not written yet (fused into a fetch) */
	int w_dead;             /* the error that killed it */
	struct eptsim_error w_err;
};

static inline uint8_t *put_v(uint8_t *p, uint64_t v)
{
	while (v >= 0x80) {
		*p++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*p++ = (uint8_t)v;
	return p;
}

static int flush(struct tr_writer *w, struct eptsim_error *err)
{
	int rc = tr_sink_write(w->w_sink, w->w_buf, w->w_len, err);

	w->w_len = 0;
	if (rc < 0) {
		w->w_dead = rc;
		w->w_err = *err;
	}
	return rc;
}

int tr_writer_open(struct tr_writer **out, const char *path, enum tr_compress comp,
		   unsigned ncpus, unsigned flags, struct eptsim_error *err)
{
	struct tr_writer *w = calloc(1, sizeof(*w));
	uint8_t *h;
	int rc;

	*out = NULL;
	if (w)
		w->w_buf = malloc(TR_WBUF);
	if (!w || !w->w_buf) {
		if (w)
			free(w);
		snprintf(err->msg, sizeof(err->msg), "the host ran out of memory");
		return -ENOMEM;
	}
	rc = tr_sink_open(&w->w_sink, path, comp, err);
	if (rc < 0) {
		free(w->w_buf);
		free(w);
		return rc;
	}
	h = w->w_buf;
	memcpy(h, magic, sizeof(magic));
	h[8] = TR_VERSION & 0xff;
	h[9] = TR_VERSION >> 8;
	h[10] = (uint8_t)flags;
	h[11] = (uint8_t)(flags >> 8);
	h[12] = (uint8_t)ncpus;
	h[13] = (uint8_t)(ncpus >> 8);
	h[14] = h[15] = 0;
	w->w_len = TR_HDR;
	*out = w;
	return 0;
}

/* put_rec - encode one record (fusing pending instructions into a fetch) */
static uint8_t *put_rec(struct tr_writer *w, uint8_t *p, const struct tr_rec *rec)
{
	switch (rec->kind) {
	case TR_READ:
	case TR_WRITE:
	case TR_FETCH: {
		const unsigned kind = rec->kind;
		const int64_t n = kind == TR_FETCH ? rec->n + w->w_pend : 0;
		unsigned code = 7;
		uint8_t *op = p++;

		for (unsigned c = 0; c < 7; c++)
			if (rec->size == 1u << c)
				code = c;
		*op = (uint8_t)(kind | code << 2 | (n > 0 ? 0x20 : 0));
		p = put_v(p, zz_enc((int64_t)(rec->addr - w->w_prev[kind])));
		w->w_prev[kind] = rec->addr;
		if (code == 7)
			p = put_v(p, rec->size);
		if (n > 0)
			p = put_v(p, (uint64_t)n);
		if (kind == TR_FETCH)
			w->w_pend = 0;
		return p;
	}
	case TR_INSNS:
		*p++ = TR_OP_INSNS;
		return put_v(p, zz_enc(rec->n));
	case TR_PROC: {
		size_t len = rec->name ? strlen(rec->name) : 0;

		len = len > TR_MAX_NAME ? TR_MAX_NAME : len;
		*p++ = TR_OP_PROC;
		p = put_v(p, rec->proc);
		p = put_v(p, rec->cpu);
		p = put_v(p, len);
		memcpy(p, rec->name, len);
		return p + len;
	}
	case TR_BRK_BASE:
		*p++ = TR_OP_BRK_BASE;
		return put_v(p, rec->addr);
	case TR_MMAP:
	case TR_MPROTECT:
		*p++ = rec->kind == TR_MMAP ? TR_OP_MMAP : TR_OP_MPROTECT;
		p = put_v(p, rec->addr);
		p = put_v(p, rec->len);
		*p++ = (uint8_t)(rec->prot & 7);
		if (rec->kind == TR_MMAP)
			*p++ = rec->flag;
		return put_v(p, zz_enc(rec->res));
	case TR_MUNMAP:
	case TR_MADVISE:
		*p++ = rec->kind == TR_MUNMAP ? TR_OP_MUNMAP : TR_OP_MADVISE;
		p = put_v(p, rec->addr);
		p = put_v(p, rec->len);
		return put_v(p, zz_enc(rec->res));
	case TR_BRK:
		*p++ = TR_OP_BRK;
		p = put_v(p, rec->addr);
		return put_v(p, zz_enc(rec->res));
	case TR_COPY:
		*p++ = TR_OP_COPY;
		p = put_v(p, rec->addr);
		p = put_v(p, rec->len);
		*p++ = rec->flag;
		return put_v(p, zz_enc(rec->res));
	case TR_SYSCALL:
		*p++ = TR_OP_SYSCALL;
		p = put_v(p, rec->addr);
		*p++ = rec->flag;
		return p;
	case TR_SYSRET:
		*p++ = TR_OP_SYSRET;
		return p;
	case TR_EXIT:
		*p++ = TR_OP_EXIT;
		return put_v(p, rec->addr);
	case TR_KILL:
		*p++ = TR_OP_KILL;
		p = put_v(p, rec->prot);
		p = put_v(p, rec->addr);
		p = put_v(p, rec->len);
		*p++ = rec->flag;
		return p;
	case TR_TURN:
		*p++ = TR_OP_TURN;
		p = put_v(p, rec->cpu);
		p = put_v(p, rec->proc);
		*p++ = rec->flag;
		return p;
	case TR_HALT:
		*p++ = TR_OP_HALT;
		return put_v(p, rec->cpu);
	}
	return p;
}

/* emit - one encoded record into the buffer */
static int emit(struct tr_writer *w, const struct tr_rec *rec, struct eptsim_error *err)
{
	if (w->w_len + TR_REC_MAX > TR_WBUF && flush(w, err) < 0)
		return w->w_dead;
	w->w_len = (size_t)(put_rec(w, w->w_buf + w->w_len, rec) - w->w_buf);
	w->w_records++;
	return 0;
}

/* flush_pend - the instructions retired and not fused, as their own record */
static int flush_pend(struct tr_writer *w, struct eptsim_error *err)
{
	struct tr_rec r = { .kind = TR_INSNS, .n = w->w_pend };

	if (w->w_pend == 0)
		return 0;
	w->w_pend = 0;
	return emit(w, &r, err);
}

int tr_write(struct tr_writer *w, const struct tr_rec *rec, struct eptsim_error *err)
{
	if (w->w_dead) {
		*err = w->w_err;
		return w->w_dead;
	}
	if (rec->kind == TR_FETCH)
		return emit(w, rec, err);
	if (rec->kind == TR_INSNS && rec->n > 0 && w->w_pend == 0) {
		w->w_pend = rec->n;
		return 0;
	}
	if (flush_pend(w, err) < 0)
		return w->w_dead;
	if (rec->kind == TR_INSNS && rec->n > 0) {
		w->w_pend = rec->n;
		return 0;
	}
	return emit(w, rec, err);
}

int tr_writer_close(struct tr_writer *w, struct eptsim_error *err)
{
	int rc;

	if (!w)
		return 0;
	rc = w->w_dead;
	if (rc == 0)
		rc = flush_pend(w, err);
	if (rc == 0) {
		uint8_t *p = w->w_buf + w->w_len;

		*p++ = TR_OP_END;
		p = put_v(p, w->w_records);
		w->w_len = (size_t)(p - w->w_buf);
		rc = flush(w, err);
	}
	if (rc == 0)
		rc = tr_sink_close(w->w_sink, err);
	else {
		if (w->w_dead)
			*err = w->w_err;
		tr_sink_abort(w->w_sink);
	}
	free(w->w_buf);
	free(w);
	return rc;
}

void tr_writer_abort(struct tr_writer *w)
{
	if (!w)
		return;
	tr_sink_abort(w->w_sink);
	free(w->w_buf);
	free(w);
}
