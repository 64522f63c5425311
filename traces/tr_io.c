/*
 * tr_io.c - the byte layer of the traces (see trace.h): sources that hand
 * the readers decompressed bytes through one buffer, and sinks that write
 * plain or compressed bytes.
 *
 * A source has two sides:
 *
 *   file/stdin --read()--> input [ip, iend) --decoder--> buf: [p, end) unread
 *   memory     ------------> input [ip, iend)        (in_eof from the start)
 *
 * A plain file is read straight into the output buffer; plain memory is
 * not copied at all (buf is the caller's bytes).  The compression is told
 * by the first IO_MAGIC bytes, so at open the input side is read until it
 * has that many or the file ends.  Memory is fixed: a 1 MiB output buffer,
 * a 128 KiB input buffer, and each decoder's own state (a dictionary or a
 * window, bounded by IO_XZ_MEMLIMIT and zstd's default window limit), so a
 * trace of any length is read in the same space.
 *
 * Every error of a source is sticky: the stream cannot be resumed after a
 * corrupt block, so later fills repeat the first message.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

#include "traces/trace.h"

#define IO_BUF (1u << 20)               /* decompressed bytes buffered */
#define IO_INBUF (1u << 17)             /* compressed bytes buffered */
#define IO_OUTBUF (1u << 18)            /* a sink's output buffer */
#define IO_MAXWANT (1u << 16)           /* the most tr_src_fill promises */
#define IO_MAGIC 6                      /* the longest magic (xz) */
#define IO_XZ_MEMLIMIT (UINT64_C(1) << 28)      /* 256 MiB; xz -9 needs 65 MiB */
#define IO_GZIP_LEVEL 6
#define IO_XZ_PRESET 3
#define IO_ZSTD_LEVEL 3

const char *const tr_compress_names[] = { "none", "gzip", "xz", "zstd", NULL };

/* the magic numbers (RFC 1952 §2.3.1; xz file format §2.1.1.1; RFC 8878 §3.1.1) */
static const uint8_t io_gzip_magic[] = { 0x1f, 0x8b };
static const uint8_t io_xz_magic[] = { 0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00 };
static const uint8_t io_zstd_magic[] = { 0x28, 0xb5, 0x2f, 0xfd };

/* what an empty memory source points at, so that no pointer is NULL */
static const uint8_t io_empty[1];

struct io_src {
	struct tr_src s;                /* first: the public part */
	char *path;                     /* s.path points here */
	int fd;                         /* -1: a memory source */
	bool own_fd;                    /* false for standard input */
	/* the input side: [ip, iend) unread, in0 at byte in_base of the file */
	const uint8_t *in0, *ip, *iend;
	uint8_t *inbuf;                 /* NULL: memory (ip points into the caller's bytes) */
	uint64_t in_base;
	bool in_eof;                    /* nothing more after iend */
	/* the output side */
	uint8_t *buf;                   /* NULL: plain memory, s.buf is the caller's */
	bool done;                      /* the decompressed stream ended */
	int rc;                         /* a sticky error, 0 if none */
	char errmsg[sizeof(((struct eptsim_error *)0)->msg)];
	union {
		z_stream z;
		lzma_stream x;
		ZSTD_DStream *zs;
	} d;
	bool d_live;                    /* the decoder was initialised */
	bool gz_member_end;             /* gzip: inflate ended a member */
	size_t zs_hint;                 /* zstd: the last return (0: between frames) */
};

/* ---- errors -------------------------------------------------------------- */

/* io_fail - record a sticky error `rc` with message "PATH: text" and copy it to err */
static int io_fail(struct io_src *io, struct eptsim_error *err, int rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int io_fail(struct io_src *io, struct eptsim_error *err, int rc, const char *fmt, ...)
{
	char what[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(io->errmsg, sizeof(io->errmsg), "%s: %s", io->path, what);
	if (err)
		snprintf(err->msg, sizeof(err->msg), "%s", io->errmsg);
	io->rc = rc;
	return rc;
}

/* io_in_off - the offset in the file of the next compressed byte */
static uint64_t io_in_off(const struct io_src *io)
{
	return io->in_base + (uint64_t)(io->ip - io->in0);
}

/* io_corrupt - the decoder refused its input at the current input offset */
static int io_corrupt(struct io_src *io, struct eptsim_error *err, const char *why)
{
	return io_fail(io, err, -EINVAL, "byte offset %llu of the %s stream: corrupt data (%s)",
		       (unsigned long long)io_in_off(io), tr_compress_names[io->s.comp], why);
}

/* io_truncated - the compressed stream ended inside a member or frame */
static int io_truncated(struct io_src *io, struct eptsim_error *err)
{
	return io_fail(io, err, -EINVAL,
		       "byte offset %llu of the %s stream: the stream ends early (a truncated file?)",
		       (unsigned long long)io_in_off(io), tr_compress_names[io->s.comp]);
}

/* ---- the input side --------------------------------------------------------- */

/* io_read - read(2) up to `n` bytes, retrying EINTR; bytes read or -errno */
static long io_read(int fd, uint8_t *dst, size_t n)
{
	ssize_t got;

	do
		got = read(fd, dst, n);
	while (got < 0 && errno == EINTR);
	return got < 0 ? -errno : (long)got;
}

/*
 * io_in_more - keep the unread input, move it to the start of inbuf and
 * read once after it.  Sets in_eof at the end of the file.  0 or -errno.
 */
static int io_in_more(struct io_src *io, struct eptsim_error *err)
{
	size_t keep = (size_t)(io->iend - io->ip);
	long got;

	if (io->in_eof)
		return 0;
	io->in_base += (uint64_t)(io->ip - io->in0);
	memmove(io->inbuf, io->ip, keep);
	io->ip = io->inbuf;
	io->iend = io->inbuf + keep;
	got = io_read(io->fd, io->inbuf + keep, IO_INBUF - keep);
	if (got < 0)
		return io_fail(io, err, (int)got, "byte offset %llu: read error: %s",
			       (unsigned long long)(io->in_base + keep), strerror((int)-got));
	if (got == 0)
		io->in_eof = true;
	io->iend += got;
	return 0;
}

/* io_in_ready - the input has unread bytes, or it ended (in_eof); 0 or -errno */
static int io_in_ready(struct io_src *io, struct eptsim_error *err)
{
	while (io->ip == io->iend && !io->in_eof) {
		int rc = io_in_more(io, err);

		if (rc)
			return rc;
	}
	return 0;
}

/* ---- decoders: each fills dst[0, room) as far as it can, *got the bytes ----- */

static int io_plain_produce(struct io_src *io, uint8_t *dst, size_t room, size_t *got,
			    struct eptsim_error *err)
{
	long n = io_read(io->fd, dst, room);

	if (n < 0)
		return io_fail(io, err, (int)n, "byte offset %llu: read error: %s",
			       (unsigned long long)tr_src_offset(&io->s, io->s.end),
			       strerror((int)-n));
	if (n == 0)
		io->done = true;
	*got = (size_t)n;
	return 0;
}

/*
 * gzip: members one after another (as `cat a.gz b.gz` makes) decode as one
 * stream; the input may end only between members.
 */
static int io_gzip_produce(struct io_src *io, uint8_t *dst, size_t room, size_t *got,
			   struct eptsim_error *err)
{
	z_stream *z = &io->d.z;
	int rc;

	z->next_out = dst;
	z->avail_out = (uInt)room;
	while (z->avail_out > 0) {
		if ((rc = io_in_ready(io, err)))
			return rc;
		if (io->ip == io->iend) {
			if (!io->gz_member_end)
				return io_truncated(io, err);
			io->done = true;
			break;
		}
		if (io->gz_member_end) {
			if (inflateReset(z) != Z_OK)
				return io_corrupt(io, err, "cannot restart zlib");
			io->gz_member_end = false;
		}
		z->next_in = (Bytef *)(uintptr_t)io->ip;
		z->avail_in = (uInt)(io->iend - io->ip);
		rc = inflate(z, Z_NO_FLUSH);
		io->ip = z->next_in;
		if (rc == Z_STREAM_END)
			io->gz_member_end = true;
		else if (rc == Z_MEM_ERROR)
			return io_fail(io, err, -ENOMEM, "out of memory in zlib");
		else if (rc != Z_OK && rc != Z_BUF_ERROR)
			return io_corrupt(io, err, z->msg ? z->msg : "zlib error");
	}
	*got = room - z->avail_out;
	return 0;
}

/* xz: LZMA_CONCATENATED decodes several streams; LZMA_FINISH once all input is in */
static int io_xz_produce(struct io_src *io, uint8_t *dst, size_t room, size_t *got,
			 struct eptsim_error *err)
{
	lzma_stream *x = &io->d.x;
	lzma_ret ret;
	int rc;

	x->next_out = dst;
	x->avail_out = room;
	while (x->avail_out > 0) {
		if ((rc = io_in_ready(io, err)))
			return rc;
		x->next_in = io->ip;
		x->avail_in = (size_t)(io->iend - io->ip);
		ret = lzma_code(x, io->in_eof ? LZMA_FINISH : LZMA_RUN);
		io->ip = x->next_in;
		switch (ret) {
		case LZMA_OK:
			continue;
		case LZMA_STREAM_END:
			io->done = true;
			break;
		case LZMA_BUF_ERROR:    /* no progress twice: only at the end of the input */
			return io_truncated(io, err);
		case LZMA_MEM_ERROR:
			return io_fail(io, err, -ENOMEM, "out of memory in liblzma");
		case LZMA_MEMLIMIT_ERROR:
			return io_corrupt(io, err, "it needs more than 256 MiB of memory to decode");
		case LZMA_FORMAT_ERROR:
			return io_corrupt(io, err, "not the xz format");
		case LZMA_OPTIONS_ERROR:
			return io_corrupt(io, err, "unsupported options");
		default:
			return io_corrupt(io, err, "liblzma: data error");
		}
		break;
	}
	*got = room - x->avail_out;
	return 0;
}

/* zstd: frames one after another; the input may end only between frames */
static int io_zstd_produce(struct io_src *io, uint8_t *dst, size_t room, size_t *got,
			   struct eptsim_error *err)
{
	ZSTD_outBuffer out = { dst, room, 0 };
	int rc;

	while (out.pos < out.size) {
		ZSTD_inBuffer in;
		size_t before = out.pos, ret;

		if ((rc = io_in_ready(io, err)))
			return rc;
		if (io->ip == io->iend && io->zs_hint == 0) {
			io->done = true;
			break;
		}
		in.src = io->ip;
		in.size = (size_t)(io->iend - io->ip);
		in.pos = 0;
		ret = ZSTD_decompressStream(io->d.zs, &out, &in);
		io->ip += in.pos;
		if (ZSTD_isError(ret))
			return io_corrupt(io, err, ZSTD_getErrorName(ret));
		io->zs_hint = ret;
		/* no input left and nothing came out: the frame was cut short */
		if (io->ip == io->iend && io->in_eof && ret != 0 && out.pos == before)
			return io_truncated(io, err);
	}
	*got = out.pos;
	return 0;
}

/* io_produce - decode into dst[0, room) by the source's compression */
static int io_produce(struct io_src *io, uint8_t *dst, size_t room, size_t *got,
		      struct eptsim_error *err)
{
	*got = 0;
	switch (io->s.comp) {
	case TR_COMP_GZIP:
		return io_gzip_produce(io, dst, room, got, err);
	case TR_COMP_XZ:
		return io_xz_produce(io, dst, room, got, err);
	case TR_COMP_ZSTD:
		return io_zstd_produce(io, dst, room, got, err);
	default:
		return io_plain_produce(io, dst, room, got, err);
	}
}

/* ---- sources ------------------------------------------------------------------ */

long tr_src_fill(struct tr_src *s, size_t want, struct eptsim_error *err)
{
	struct io_src *io = s->impl;
	size_t avail = (size_t)(s->end - s->p);

	if (io->rc) {
		snprintf(err->msg, sizeof(err->msg), "%s", io->errmsg);
		return io->rc;
	}
	if (want > IO_MAXWANT)
		want = IO_MAXWANT;
	if (avail >= want || io->done)
		return (long)avail;
	/* keep the unread bytes: move them to the front, the offset follows */
	s->base += (uint64_t)(s->p - s->buf);
	memmove(io->buf, s->p, avail);
	s->p = io->buf;
	s->end = io->buf + avail;
	while ((size_t)(s->end - s->p) < want && !io->done) {
		size_t used = (size_t)(s->end - s->buf), got;
		int rc = io_produce(io, io->buf + used, IO_BUF - used, &got, err);

		if (rc)
			return rc;
		s->end += got;
	}
	return (long)(s->end - s->p);
}

/* io_detect - the compression its first bytes [p, p + n) say */
static enum tr_compress io_detect(const uint8_t *p, size_t n)
{
	if (n >= sizeof(io_gzip_magic) && !memcmp(p, io_gzip_magic, sizeof(io_gzip_magic)))
		return TR_COMP_GZIP;
	if (n >= sizeof(io_xz_magic) && !memcmp(p, io_xz_magic, sizeof(io_xz_magic)))
		return TR_COMP_XZ;
	if (n >= sizeof(io_zstd_magic) && !memcmp(p, io_zstd_magic, sizeof(io_zstd_magic)))
		return TR_COMP_ZSTD;
	return TR_COMP_NONE;
}

/* io_decoder_start - initialise the decoder of io->s.comp; 0 or -ENOMEM */
static int io_decoder_start(struct io_src *io, struct eptsim_error *err)
{
	static const lzma_stream x_init = LZMA_STREAM_INIT;

	switch (io->s.comp) {
	case TR_COMP_GZIP:
		memset(&io->d.z, 0, sizeof(io->d.z));
		if (inflateInit2(&io->d.z, 16 + MAX_WBITS) != Z_OK)
			return io_fail(io, err, -ENOMEM, "cannot start the gzip decoder");
		break;
	case TR_COMP_XZ:
		io->d.x = x_init;
		if (lzma_stream_decoder(&io->d.x, IO_XZ_MEMLIMIT, LZMA_CONCATENATED) != LZMA_OK)
			return io_fail(io, err, -ENOMEM, "cannot start the xz decoder");
		break;
	case TR_COMP_ZSTD:
		io->d.zs = ZSTD_createDStream();
		if (!io->d.zs)
			return io_fail(io, err, -ENOMEM, "cannot start the zstd decoder");
		io->zs_hint = 1;
		break;
	default:
		return 0;
	}
	io->d_live = true;
	return 0;
}

/* io_new - a source named `name` with nothing open yet; NULL if out of memory */
static struct io_src *io_new(const char *name, struct eptsim_error *err)
{
	struct io_src *io = calloc(1, sizeof(*io));

	if (io)
		io->path = strdup(name);
	if (!io || !io->path) {
		free(io);
		snprintf(err->msg, sizeof(err->msg), "%s: out of memory", name);
		return NULL;
	}
	io->fd = -1;
	io->s.path = io->path;
	io->s.impl = io;
	io->s.p = io->s.end = io->s.buf = io_empty;
	return io;
}

/*
 * io_start - tell the compression from the input side's first bytes, set
 * up the output side and fill the first buffer.  0 or -errno.
 */
static int io_start(struct io_src *io, struct eptsim_error *err)
{
	size_t n;
	long got;

	while ((size_t)(io->iend - io->ip) < IO_MAGIC && !io->in_eof) {
		int rc = io_in_more(io, err);

		if (rc)
			return rc;
	}
	io->s.comp = io_detect(io->ip, (size_t)(io->iend - io->ip));
	if (io->s.comp == TR_COMP_NONE && !io->inbuf) {
		/* plain memory: the caller's bytes are the buffer */
		io->s.buf = io->s.p = io->ip;
		io->s.end = io->iend;
		io->done = true;
		return 0;
	}
	io->buf = malloc(IO_BUF);
	if (!io->buf)
		return io_fail(io, err, -ENOMEM, "out of memory");
	io->s.buf = io->s.p = io->s.end = io->buf;
	if (io->s.comp == TR_COMP_NONE) {
		/* plain file: what detection read is the start of the data */
		n = (size_t)(io->iend - io->ip);
		memcpy(io->buf, io->ip, n);
		io->s.end += n;
		io->done = io->in_eof;
		free(io->inbuf);
		io->inbuf = NULL;
		io->in0 = io->ip = io->iend = io_empty;
	} else {
		int rc = io_decoder_start(io, err);

		if (rc)
			return rc;
	}
	got = tr_src_fill(&io->s, IO_MAXWANT, err);
	return got < 0 ? (int)got : 0;
}

int tr_src_open(struct tr_src **out, const char *path, struct eptsim_error *err)
{
	struct io_src *io;
	int rc;

	*out = NULL;
	io = io_new(path, err);
	if (!io)
		return -ENOMEM;
	if (!strcmp(path, "-")) {
		io->fd = STDIN_FILENO;
	} else {
		io->fd = open(path, O_RDONLY | O_CLOEXEC);
		if (io->fd < 0) {
			rc = -errno;
			snprintf(err->msg, sizeof(err->msg), "%s: cannot open: %s", path,
				 strerror(errno));
			tr_src_close(&io->s);
			return rc;
		}
		io->own_fd = true;
	}
	io->inbuf = malloc(IO_INBUF);
	if (!io->inbuf) {
		snprintf(err->msg, sizeof(err->msg), "%s: out of memory", path);
		tr_src_close(&io->s);
		return -ENOMEM;
	}
	io->in0 = io->ip = io->iend = io->inbuf;
	rc = io_start(io, err);
	if (rc) {
		tr_src_close(&io->s);
		return rc;
	}
	*out = &io->s;
	return 0;
}

int tr_src_open_mem(struct tr_src **out, const char *name, const uint8_t *buf,
		    size_t len, struct eptsim_error *err)
{
	struct io_src *io;
	int rc;

	*out = NULL;
	io = io_new(name, err);
	if (!io)
		return -ENOMEM;
	io->in0 = io->ip = len ? buf : io_empty;
	io->iend = io->ip + len;
	io->in_eof = true;
	rc = io_start(io, err);
	if (rc) {
		tr_src_close(&io->s);
		return rc;
	}
	*out = &io->s;
	return 0;
}

void tr_src_close(struct tr_src *s)
{
	struct io_src *io;

	if (!s)
		return;
	io = s->impl;
	if (io->d_live) {
		if (s->comp == TR_COMP_GZIP)
			inflateEnd(&io->d.z);
		else if (s->comp == TR_COMP_XZ)
			lzma_end(&io->d.x);
		else if (s->comp == TR_COMP_ZSTD)
			ZSTD_freeDStream(io->d.zs);
	}
	if (io->own_fd)
		close(io->fd);
	free(io->inbuf);
	free(io->buf);
	free(io->path);
	free(io);
}

/* ---- sinks ------------------------------------------------------------------- */

/*
 * A sink compresses into `out` and writes it when it fills; a plain sink
 * just buffers.  Errors are sticky too: a compressor that failed once
 * cannot go on.
 */
struct tr_sink {
	char *path;
	int fd;
	bool is_stdout;
	enum tr_compress comp;
	union {
		z_stream z;
		lzma_stream x;
		ZSTD_CCtx *zc;
	} c;
	bool c_live;
	uint8_t *out;
	size_t olen;                    /* bytes in out not written yet */
	uint64_t written;               /* bytes written to the file */
	int rc;                         /* sticky error */
};

/* sink_fail - err = "PATH: text", the sink dead with `rc` */
static int sink_fail(struct tr_sink *k, struct eptsim_error *err, int rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int sink_fail(struct tr_sink *k, struct eptsim_error *err, int rc, const char *fmt, ...)
{
	char what[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (err)
		snprintf(err->msg, sizeof(err->msg), "%s: %s", k->path, what);
	k->rc = rc;
	return rc;
}

/* sink_flush - write out[0, olen) whole; 0 or -errno */
static int sink_flush(struct tr_sink *k, struct eptsim_error *err)
{
	size_t done = 0;

	while (done < k->olen) {
		ssize_t n = write(k->fd, k->out + done, k->olen - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return sink_fail(k, err, n < 0 ? -errno : -EIO,
					 "byte offset %llu: write error: %s",
					 (unsigned long long)k->written,
					 n < 0 ? strerror(errno) : "nothing written");
		done += (size_t)n;
		k->written += (uint64_t)n;
	}
	k->olen = 0;
	return 0;
}

/*
 * sink_step - one compressor call: consume from [*in, *in + *inlen) into
 * the free part of `out`, finishing the stream if `finish` (*end set once
 * its trailer is all in `out`).  0 or -errno.
 */
static int sink_step(struct tr_sink *k, const uint8_t **in, size_t *inlen, bool finish,
		     bool *end, struct eptsim_error *err)
{
	size_t room = IO_OUTBUF - k->olen;

	*end = false;
	switch (k->comp) {
	case TR_COMP_GZIP: {
		z_stream *z = &k->c.z;
		uInt chunk = *inlen > (1u << 30) ? (1u << 30) : (uInt)*inlen;
		int rc;

		z->next_in = (Bytef *)(uintptr_t)*in;
		z->avail_in = chunk;
		z->next_out = k->out + k->olen;
		z->avail_out = (uInt)room;
		rc = deflate(z, finish ? Z_FINISH : Z_NO_FLUSH);
		if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR)
			return sink_fail(k, err, -EIO, "the gzip compressor failed (%d)", rc);
		*in += chunk - z->avail_in;
		*inlen -= chunk - z->avail_in;
		k->olen += room - z->avail_out;
		*end = rc == Z_STREAM_END;
		return 0;
	}
	case TR_COMP_XZ: {
		lzma_stream *x = &k->c.x;
		lzma_ret rc;

		x->next_in = *in;
		x->avail_in = *inlen;
		x->next_out = k->out + k->olen;
		x->avail_out = room;
		rc = lzma_code(x, finish ? LZMA_FINISH : LZMA_RUN);
		if (rc != LZMA_OK && rc != LZMA_STREAM_END)
			return sink_fail(k, err, rc == LZMA_MEM_ERROR ? -ENOMEM : -EIO,
					 "the xz compressor failed (%d)", (int)rc);
		*in = x->next_in;
		*inlen = x->avail_in;
		k->olen += room - x->avail_out;
		*end = rc == LZMA_STREAM_END;
		return 0;
	}
	case TR_COMP_ZSTD: {
		ZSTD_inBuffer zin = { *in, *inlen, 0 };
		ZSTD_outBuffer zout = { k->out + k->olen, room, 0 };
		size_t rc = ZSTD_compressStream2(k->c.zc, &zout, &zin,
						 finish ? ZSTD_e_end : ZSTD_e_continue);

		if (ZSTD_isError(rc))
			return sink_fail(k, err, -EIO, "the zstd compressor failed (%s)",
					 ZSTD_getErrorName(rc));
		*in += zin.pos;
		*inlen -= zin.pos;
		k->olen += zout.pos;
		*end = finish && rc == 0;
		return 0;
	}
	default: {
		size_t n = *inlen < room ? *inlen : room;

		memcpy(k->out + k->olen, *in, n);
		*in += n;
		*inlen -= n;
		k->olen += n;
		*end = finish;
		return 0;
	}
	}
}

/* sink_encoder_start - initialise the compressor of k->comp; 0 or -errno */
static int sink_encoder_start(struct tr_sink *k, struct eptsim_error *err)
{
	static const lzma_stream x_init = LZMA_STREAM_INIT;

	switch (k->comp) {
	case TR_COMP_GZIP:
		if (deflateInit2(&k->c.z, IO_GZIP_LEVEL, Z_DEFLATED, 16 + MAX_WBITS, 8,
				 Z_DEFAULT_STRATEGY) != Z_OK)
			return sink_fail(k, err, -ENOMEM, "cannot start the gzip compressor");
		break;
	case TR_COMP_XZ:
		k->c.x = x_init;
		if (lzma_easy_encoder(&k->c.x, IO_XZ_PRESET, LZMA_CHECK_CRC64) != LZMA_OK)
			return sink_fail(k, err, -ENOMEM, "cannot start the xz compressor");
		break;
	case TR_COMP_ZSTD:
		k->c.zc = ZSTD_createCCtx();
		if (!k->c.zc)
			return sink_fail(k, err, -ENOMEM, "cannot start the zstd compressor");
		if (ZSTD_isError(ZSTD_CCtx_setParameter(k->c.zc, ZSTD_c_compressionLevel,
							IO_ZSTD_LEVEL)) ||
		    ZSTD_isError(ZSTD_CCtx_setParameter(k->c.zc, ZSTD_c_checksumFlag, 1))) {
			ZSTD_freeCCtx(k->c.zc);
			return sink_fail(k, err, -EINVAL, "cannot set up the zstd compressor");
		}
		break;
	default:
		return 0;
	}
	k->c_live = true;
	return 0;
}

/* sink_free - end the compressor, close the file (never stdout), free; remove the file if `remove` */
static void sink_free(struct tr_sink *k, bool remove)
{
	if (k->c_live) {
		if (k->comp == TR_COMP_GZIP)
			deflateEnd(&k->c.z);
		else if (k->comp == TR_COMP_XZ)
			lzma_end(&k->c.x);
		else if (k->comp == TR_COMP_ZSTD)
			ZSTD_freeCCtx(k->c.zc);
	}
	if (!k->is_stdout && k->fd >= 0) {
		close(k->fd);
		if (remove)
			unlink(k->path);
	}
	free(k->out);
	free(k->path);
	free(k);
}

int tr_sink_open(struct tr_sink **out, const char *path, enum tr_compress comp,
		 struct eptsim_error *err)
{
	struct tr_sink *k;
	int rc;

	*out = NULL;
	if ((unsigned)comp >= TR_COMP_N) {
		snprintf(err->msg, sizeof(err->msg), "%s: unknown compression %d", path, (int)comp);
		return -EINVAL;
	}
	k = calloc(1, sizeof(*k));
	if (k) {
		k->path = strdup(path);
		k->out = malloc(IO_OUTBUF);
	}
	if (!k || !k->path || !k->out) {
		if (k) {
			free(k->path);
			free(k->out);
		}
		free(k);
		snprintf(err->msg, sizeof(err->msg), "%s: out of memory", path);
		return -ENOMEM;
	}
	k->fd = -1;
	k->comp = comp;
	if (!strcmp(path, "-")) {
		/* what stdio holds comes first: the sink writes fd 1 directly */
		fflush(stdout);
		k->fd = STDOUT_FILENO;
		k->is_stdout = true;
	} else {
		k->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
		if (k->fd < 0) {
			rc = -errno;
			snprintf(err->msg, sizeof(err->msg), "%s: cannot create: %s", path,
				 strerror(errno));
			sink_free(k, false);
			return rc;
		}
	}
	rc = sink_encoder_start(k, err);
	if (rc) {
		sink_free(k, true);
		return rc;
	}
	*out = k;
	return 0;
}

int tr_sink_write(struct tr_sink *k, const void *buf, size_t len, struct eptsim_error *err)
{
	const uint8_t *in = buf;
	bool end;
	int rc;

	if (k->rc)
		return sink_fail(k, err, k->rc, "an earlier error stopped the writing");
	while (len > 0) {
		if (k->olen == IO_OUTBUF && (rc = sink_flush(k, err)))
			return rc;
		if ((rc = sink_step(k, &in, &len, false, &end, err)))
			return rc;
	}
	return 0;
}

int tr_sink_close(struct tr_sink *k, struct eptsim_error *err)
{
	const uint8_t *in = io_empty;
	size_t len = 0;
	bool end = false;
	int rc = k ? k->rc : 0;

	if (!k)
		return 0;
	if (rc)
		sink_fail(k, err, rc, "an earlier error stopped the writing");
	while (!rc && !end) {
		if (k->olen == IO_OUTBUF)
			rc = sink_flush(k, err);
		if (!rc)
			rc = sink_step(k, &in, &len, true, &end, err);
	}
	if (!rc)
		rc = sink_flush(k, err);
	if (!rc && !k->is_stdout) {
		int fd = k->fd;

		k->fd = -1;
		if (close(fd) != 0)
			rc = sink_fail(k, err, -errno, "close: %s", strerror(errno));
		if (rc)
			unlink(k->path);
	}
	sink_free(k, rc != 0);
	return rc;
}

void tr_sink_abort(struct tr_sink *k)
{
	if (k)
		sink_free(k, true);
}
