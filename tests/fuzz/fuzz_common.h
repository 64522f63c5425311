/*
 * fuzz_common.h - the body of every trace fuzz target: the input's bytes
 * as a memory source (compression told by the bytes, as for a file), a
 * reader of one format forced, every record read.  Besides the
 * sanitizers, it checks what every reader promises: records of a known
 * kind, accesses of 1 to TR_MAX_SIZE bytes, and an error that says what
 * went wrong.  A decompression bomb is read only up to FUZZ_MAX_BYTES of
 * its stream, to keep each input fast.
 */
#ifndef EPTSIM_TESTS_FUZZ_COMMON_H
#define EPTSIM_TESTS_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "traces/trace.h"

#define FUZZ_MAX_BYTES (UINT64_C(16) << 20)

/* fuzz_check - abort (a finding) unless `ok` */
static inline void fuzz_check(int ok)
{
	if (!ok)
		abort();
}

/* fuzz_trace - read the whole trace in data[0, size) as `format` */
static inline int fuzz_trace(const uint8_t *data, size_t size, enum tr_format format,
			     unsigned access_size)
{
	struct tr_open_opts o = { .format = format, .access_size = access_size };
	struct eptsim_error err = { .msg = "" };
	struct tr_src *src;
	struct tr_reader *r;
	struct tr_rec rec;
	int rc;

	if (tr_src_open_mem(&src, "fuzz", data, size, &err) < 0) {
		fuzz_check(err.msg[0] != '\0');
		return 0;
	}
	if (tr_open_src(&r, src, &o, &err) < 0) {
		fuzz_check(err.msg[0] != '\0');
		return 0;
	}
	while ((rc = tr_next(r, &rec, &err)) > 0) {
		fuzz_check(rec.kind < TR_NKINDS);
		if (rec.kind <= TR_FETCH)
			fuzz_check(rec.size >= 1 && rec.size <= TR_MAX_SIZE);
		if (r->r_src->base > FUZZ_MAX_BYTES)
			break;
	}
	if (rc < 0)
		fuzz_check(err.msg[0] != '\0');
	tr_close(r);
	return 0;
}

#endif
