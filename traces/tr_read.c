/*
 * tr_read.c - opening a trace: its format told by its bytes, the reader
 * of that format started (see trace.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "traces/trace.h"

const char *const tr_format_names[] = { "auto", "native", "lackey", "champsim", NULL };

const char *tr_kind_name(unsigned kind)
{
	static const char *const names[TR_NKINDS] = {
		[TR_READ] = "read", [TR_WRITE] = "write", [TR_FETCH] = "fetch",
		[TR_INSNS] = "insns", [TR_PROC] = "proc", [TR_BRK_BASE] = "brk_base",
		[TR_MMAP] = "mmap", [TR_MUNMAP] = "munmap", [TR_MPROTECT] = "mprotect",
		[TR_MADVISE] = "madvise", [TR_BRK] = "brk", [TR_COPY] = "copy",
		[TR_SYSCALL] = "syscall", [TR_SYSRET] = "sysret", [TR_EXIT] = "exit",
		[TR_KILL] = "kill", [TR_TURN] = "turn", [TR_HALT] = "halt",
	};

	return kind < TR_NKINDS ? names[kind] : "unknown";
}

void tr_errf(struct eptsim_error *err, const struct tr_reader *r, const char *where,
	     const char *fmt, ...)
{
	size_t n;
	va_list ap;

	n = (size_t)snprintf(err->msg, sizeof(err->msg), "%s: %s: ", r->r_src->path, where);
	if (n >= sizeof(err->msg))
		return;
	va_start(ap, fmt);
	vsnprintf(err->msg + n, sizeof(err->msg) - n, fmt, ap);
	va_end(ap);
}

void tr_push(struct tr_reader *r, const struct tr_rec *rec)
{
	if (r->r_qlen == TR_QUEUE)
		abort();        /* a reader queued more than one input record makes */
	r->r_q[(r->r_qhead + r->r_qlen) % TR_QUEUE] = *rec;
	r->r_qlen++;
}

static const uint8_t native_magic[8] = { 'E', 'P', 'T', 'S', 'I', 'M', 'T', 'R' };

/* sniff - the format of a stream from its first bytes */
static enum tr_format sniff(const uint8_t *p, size_t n)
{
	if (n >= sizeof(native_magic) && memcmp(p, native_magic, sizeof(native_magic)) == 0)
		return TR_FMT_NATIVE;
	if (tr_lackey_sniff(p, n))
		return TR_FMT_LACKEY;
	return TR_FMT_CHAMPSIM;
}

int tr_open_src(struct tr_reader **out, struct tr_src *src, const struct tr_open_opts *o,
		struct eptsim_error *err)
{
	struct tr_reader *r = calloc(1, sizeof(*r));
	enum tr_format fmt = o ? o->format : TR_FMT_AUTO;
	long got;
	int rc;

	*out = NULL;
	if (!r) {
		tr_src_close(src);
		snprintf(err->msg, sizeof(err->msg), "the host ran out of memory");
		return -ENOMEM;
	}
	r->r_src = src;
	r->r_access_size = o && o->access_size ? o->access_size : 8;
	r->r_ncpus = 1;
	if (r->r_access_size > TR_MAX_SIZE) {
		tr_errf(err, r, "champsim", "the access size %u is larger than %u bytes",
			r->r_access_size, TR_MAX_SIZE);
		tr_close(r);
		return -EINVAL;
	}
	if (fmt == TR_FMT_AUTO) {
		got = tr_src_fill(src, 4096, err);
		if (got < 0) {
			tr_close(r);
			return (int)got;
		}
		if (got == 0) {
			tr_errf(err, r, "byte offset 0", "the trace is empty");
			tr_close(r);
			return -EINVAL;
		}
		fmt = sniff(src->p, (size_t)got);
	}
	r->r_fmt = fmt;
	switch (fmt) {
	case TR_FMT_NATIVE:
		rc = tr_native_start(r, err);
		break;
	case TR_FMT_LACKEY:
		rc = tr_lackey_start(r, err);
		break;
	case TR_FMT_CHAMPSIM:
		rc = tr_champsim_start(r, err);
		break;
	default:
		tr_errf(err, r, "format", "unknown trace format %d", (int)fmt);
		rc = -EINVAL;
	}
	if (rc < 0) {
		tr_close(r);
		return rc;
	}
	*out = r;
	return 0;
}

int tr_open(struct tr_reader **out, const char *path, const struct tr_open_opts *o,
	    struct eptsim_error *err)
{
	struct tr_src *src;
	int rc = tr_src_open(&src, path, err);

	*out = NULL;
	if (rc < 0)
		return rc;
	return tr_open_src(out, src, o, err);
}

void tr_close(struct tr_reader *r)
{
	if (!r)
		return;
	tr_src_close(r->r_src);
	free(r);
}
