/*
 * test_tr_readers.c - the byte layer (traces/tr_io.c) and the lackey and
 * ChampSim readers (tr_lackey.c, tr_champsim.c).
 *
 * Readers are opened over memory with the format forced, so each case is
 * its bytes and the records they must give, in order.  The byte layer is
 * tested through files: bytes written by a sink (plain, gzip, xz, zstd)
 * read back by a source from the file and from memory, several MiB so the
 * 1 MiB buffer refills, then the same streams cut short or damaged.
 */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/lib/testlib.h"
#include "traces/trace.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_RECS 64
#define BIG_LEN (3u << 20)      /* 3 buffers of tr_io.c */
#define SMALL_LEN (3u << 19)    /* 1.5 buffers */

/* ---- helpers ------------------------------------------------------------------ */

/* open_mem - a reader of `fmt` over data[0, len) named "mem.trace"; fails the test if it cannot */
static struct tr_reader *open_mem(const void *data, size_t len, enum tr_format fmt,
				  unsigned access_size)
{
	struct tr_open_opts o = { .format = fmt, .access_size = access_size };
	struct eptsim_error err = { .msg = "" };
	struct tr_src *src;
	struct tr_reader *r;

	if (tr_src_open_mem(&src, "mem.trace", data, len, &err) != 0)
		fail_msg("tr_src_open_mem: %s", err.msg);
	if (tr_open_src(&r, src, &o, &err) != 0)
		fail_msg("tr_open_src: %s", err.msg);
	return r;
}

/*
 * read_all - read r to its end or first error into recs (at most max);
 * returns the count; *rc the last tr_next result (0 or the error).
 */
static size_t read_all(struct tr_reader *r, struct tr_rec *recs, size_t max, int *rc,
		       struct eptsim_error *err)
{
	size_t n = 0;
	struct tr_rec rec;

	while ((*rc = tr_next(r, &rec, err)) > 0) {
		assert_true(n < max);
		recs[n++] = rec;
	}
	return n;
}

/* want - a record as the readers give them (other fields 0) */
struct want {
	unsigned kind;
	uint64_t addr;
	uint32_t size;
	int64_t n;
};

/* check_recs - got[0, n) are exactly `want` */
static void check_recs(const struct tr_rec *got, size_t n, const struct want *want, size_t nwant)
{
	for (size_t i = 0; i < n && i < nwant; i++) {
		if (got[i].kind != want[i].kind || got[i].addr != want[i].addr ||
		    got[i].size != want[i].size || got[i].n != want[i].n)
			fail_msg("record %zu: got %s 0x%llx size %u n %lld, want %s 0x%llx size %u n %lld",
				 i, tr_kind_name(got[i].kind), (unsigned long long)got[i].addr,
				 got[i].size, (long long)got[i].n, tr_kind_name(want[i].kind),
				 (unsigned long long)want[i].addr, want[i].size, (long long)want[i].n);
		assert_int_equal(got[i].len, 0);
		assert_int_equal(got[i].prot, 0);
		assert_false(got[i].flag);
	}
	assert_int_equal(n, nwant);
}

/*
 * fill_bytes - len deterministic bytes, lackey lines: mostly a sequential
 * sweep, a quarter of them xorshift jumps (compressible, not trivially;
 * xz is slow on random data).
 */
static uint8_t *fill_bytes(size_t len, uint64_t seed)
{
	uint8_t *b = malloc(len);
	size_t i = 0;

	assert_non_null(b);
	while (i < len) {
		char line[40];
		int n;

		seed ^= seed << 13;
		seed ^= seed >> 7;
		seed ^= seed << 17;
		n = snprintf(line, sizeof(line), " L %08llx,%u\n",
			     (unsigned long long)(seed & 3 ? 0x7ff000000 + 8 * i : seed & 0xffffffffffull),
			     (unsigned)(seed >> 60) + 1);
		for (int k = 0; k < n && i < len; k++)
			b[i++] = (uint8_t)line[k];
	}
	return b;
}

/* write_file - data[0, len) to dir/name through a sink of `comp`, in uneven pieces; the path */
static char *write_file(const char *dir, const char *name, enum tr_compress comp,
			const uint8_t *data, size_t len)
{
	char *path = tl_path(dir, name);
	struct eptsim_error err = { .msg = "" };
	struct tr_sink *k;
	size_t at = 0, piece = 1;

	if (tr_sink_open(&k, path, comp, &err) != 0)
		fail_msg("tr_sink_open: %s", err.msg);
	while (at < len) {
		size_t n = piece < len - at ? piece : len - at;

		if (tr_sink_write(k, data + at, n, &err) != 0)
			fail_msg("tr_sink_write: %s", err.msg);
		at += n;
		piece = piece * 7 % 300007 + 1;
	}
	if (tr_sink_close(k, &err) != 0)
		fail_msg("tr_sink_close: %s", err.msg);
	return path;
}

/*
 * drain - read s to its end in uneven steps, checking each byte against
 * want[0, wlen) and tr_src_offset against the position; returns the bytes
 * read, or the negative error (err set).
 */
static long drain(struct tr_src *s, const uint8_t *want, size_t wlen, struct eptsim_error *err)
{
	static const size_t wants[] = { 1, 64, 4097, 65536, 7, 32768 };
	size_t pos = 0, step = 3;

	for (unsigned i = 0;; i++) {
		long got = tr_src_fill(s, wants[i % ARRAY_SIZE(wants)], err);
		size_t take;

		if (got < 0)
			return got;
		if (got == 0)
			return (long)pos;
		assert_int_equal(tr_src_offset(s, s->p), pos);
		take = step % (size_t)got + 1;
		if (want) {
			assert_true(pos + take <= wlen);
			if (memcmp(s->p, want + pos, take) != 0)
				fail_msg("bytes differ at or after offset %zu", pos);
		}
		s->p += take;
		pos += take;
		step = step * 31 + 17;
		if (step > 200000)
			step %= 99991;
	}
}

/* ---- lackey --------------------------------------------------------------------- */

static const char lk_text[] =
	"==4711== Lackey, an example Valgrind tool\n"
	"==4711== Command: ./chase\n"
	"--4711-- warning: L3 cache found, using its data for the LL simulation.\n"
	"\n"
	"I  04000a10,3\n"
	" L 1ffefff8,8\n"
	" S 1ffefff0,8\n"
	" M 00601040,4\n"
	"I  0000000000400ffe,7\n"         /* crosses into the next page */
	" L 7ff000fffc,16\n"              /* crosses too */
	" S ffffffffffffffff,1\n"
	"I 0400d7d4,8\r\n"                /* cache lab's spacing, a CR */
	" M 0421C7F0,4096  \n"            /* upper-case hex, the largest size, trailing spaces */
	"==4711== \n"
	" L 10,1";                        /* no newline at the end */

static const struct want lk_want[] = {
	{ TR_FETCH, 0x4000a10, 3, 1 },
	{ TR_READ, 0x1ffefff8, 8, 0 },
	{ TR_WRITE, 0x1ffefff0, 8, 0 },
	{ TR_READ, 0x601040, 4, 0 },
	{ TR_WRITE, 0x601040, 4, 0 },
	{ TR_FETCH, 0x400ffe, 7, 1 },
	{ TR_READ, 0x7ff000fffc, 16, 0 },
	{ TR_WRITE, UINT64_MAX, 1, 0 },
	{ TR_FETCH, 0x400d7d4, 8, 1 },
	{ TR_READ, 0x421c7f0, 4096, 0 },
	{ TR_WRITE, 0x421c7f0, 4096, 0 },
	{ TR_READ, 0x10, 1, 0 },
};

static void lackey_every_line_kind(void **state)
{
	struct tr_reader *r = open_mem(lk_text, strlen(lk_text), TR_FMT_LACKEY, 0);
	struct eptsim_error err = { .msg = "" };
	struct tr_rec recs[MAX_RECS];
	int rc;
	size_t n;

	(void)state;
	assert_int_equal(r->r_flags, TR_F_DEMAND);
	assert_int_equal(r->r_ncpus, 1);
	n = read_all(r, recs, MAX_RECS, &rc, &err);
	if (rc != 0)
		fail_msg("tr_next: %d %s", rc, err.msg);
	check_recs(recs, n, lk_want, ARRAY_SIZE(lk_want));
	assert_int_equal(r->r_records, ARRAY_SIZE(lk_want));
	assert_int_equal(r->r_line, 15);
	assert_true(r->r_done);
	assert_int_equal(tr_next(r, &recs[0], &err), 0);      /* the end stays the end */
	tr_close(r);
}

/* valgrind's own lines and blank lines only: no record, a clean end */
static void lackey_skips_valgrind_lines(void **state)
{
	static const char text[] = "==1== Lackey\n\n--1-- warning: x\n==1== \n\r\n";
	struct tr_reader *r = open_mem(text, strlen(text), TR_FMT_LACKEY, 0);
	struct eptsim_error err = { .msg = "" };
	struct tr_rec rec;

	(void)state;
	assert_int_equal(tr_next(r, &rec, &err), 0);
	assert_int_equal(r->r_records, 0);
	assert_int_equal(r->r_line, 5);
	tr_close(r);
}

struct lk_bad_case {
	const char *name;
	const char *text;
	size_t len;             /* 0: strlen(text) */
	size_t good;            /* records before the error */
	const char *msg;        /* the whole message after "mem.trace: " */
};

static const struct lk_bad_case lk_bad[] = {
	{ "unknown kind", "I  1000,4\nX  1,2\n", 0, 1,
	  "line 2: expected an access line ('I  ADDR,SIZE', ' L', ' S' or ' M'), got \"X  1,2\"" },
	{ "kind without a leading space", "I  1000,4\nL 1000,4\n", 0, 1,
	  "line 2: expected an access line ('I  ADDR,SIZE', ' L', ' S' or ' M'), got \"L 1000,4\"" },
	{ "no address", " L ,4\n", 0, 0,
	  "line 1: expected a hex address (no 0x) after the kind, got \" L ,4\"" },
	{ "0x prefix", " L 0x1000,4\n", 0, 0,
	  "line 1: expected ',' and the size after the address, got \" L 0x1000,4\"" },
	{ "no comma", " S 1000 4\n", 0, 0,
	  "line 1: expected ',' and the size after the address, got \" S 1000 4\"" },
	{ "no size", " M 1000,\n", 0, 0,
	  "line 1: expected a decimal size after ',', got \" M 1000,\"" },
	{ "size 0", "\n\n L 1000,0\n", 0, 0,
	  "line 3: expected a size of 1 to 4096 bytes, got \" L 1000,0\"" },
	{ "size 4097", " L 1000,4097\n", 0, 0,
	  "line 1: expected a size of 1 to 4096 bytes, got \" L 1000,4097\"" },
	{ "huge size", " L 1000,99999999999999999999\n", 0, 0,
	  "line 1: expected a size of 1 to 4096 bytes, got \" L 1000,99999999999999999999\"" },
	{ "junk after the size", " L 1000,4x\n", 0, 0,
	  "line 1: expected the end of the line after the size, got \" L 1000,4x\"" },
	{ "address of 65 bits", " L 10000000000000000,4\n", 0, 0,
	  "line 1: the address has more than 64 bits, got \" L 10000000000000000,4\"" },
	{ "NUL byte", "I  1000,4\n L 10\0,4\n", 19, 1,
	  "line 2: a NUL byte (a binary file, not lackey's text?)" },
	{ "NUL in a valgrind line", "==1== a\0b\n", 10, 0,
	  "line 1: a NUL byte (a binary file, not lackey's text?)" },
	{ "non-printables quoted", "\x01\x7f\"\\\t\n", 0, 0,
	  "line 1: expected an access line ('I  ADDR,SIZE', ' L', ' S' or ' M'), got \"\\x01\\x7f\\\"\\\\\\t\"" },
	{ "a long line quoted in part", "0123456789012345678901234567890123456789abcdef\n", 0, 0,
	  "line 1: expected an access line ('I  ADDR,SIZE', ' L', ' S' or ' M'), "
	  "got \"0123456789012345678901234567890123456789...\"" },
};

static void lackey_bad_lines(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(lk_bad); i++) {
		const struct lk_bad_case *c = &lk_bad[i];
		size_t len = c->len ? c->len : strlen(c->text);
		struct tr_reader *r = open_mem(c->text, len, TR_FMT_LACKEY, 0);
		struct eptsim_error err = { .msg = "" };
		struct tr_rec recs[MAX_RECS];
		char want[1100];
		int rc;
		size_t n = read_all(r, recs, MAX_RECS, &rc, &err);

		snprintf(want, sizeof(want), "mem.trace: %s", c->msg);
		if (rc != -EINVAL || n != c->good || strcmp(err.msg, want) != 0)
			fail_msg("%s: rc %d after %zu records, message\n  %s\nwant -EINVAL after %zu,\n  %s",
				 c->name, rc, n, err.msg, c->good, want);
		tr_close(r);
	}
}

/* lines of 4096 bytes are taken, 4097 not; also far from the buffer's start */
static void lackey_line_length_limit(void **state)
{
	size_t len = 3 * 4098 + 20;
	char *text = malloc(len);
	struct tr_reader *r;
	struct eptsim_error err = { .msg = "" };
	struct tr_rec recs[MAX_RECS];
	int rc;
	size_t n, at = 0;

	(void)state;
	assert_non_null(text);
	/* line 1: 4096 bytes (" L 1000,4" and spaces); line 2: a valgrind line of 4096; line 3: 4097 */
	for (int line = 0; line < 3; line++) {
		size_t l = line < 2 ? 4096 : 4097;

		memset(text + at, ' ', l);
		memcpy(text + at, line == 1 ? "==1==" : " L 1000,4", line == 1 ? 5 : 9);
		at += l;
		text[at++] = '\n';
	}
	r = open_mem(text, at, TR_FMT_LACKEY, 0);
	n = read_all(r, recs, MAX_RECS, &rc, &err);
	assert_int_equal(n, 1);
	assert_int_equal(rc, -EINVAL);
	assert_string_equal(err.msg, "mem.trace: line 3: longer than 4096 bytes (not lackey's text?)");
	tr_close(r);
	free(text);
}

/* lines of several MiB of text from a file: lines split across refills of the buffer */
static void lackey_long_file(void **state)
{
	char *dir = tl_tmpdir(), *path;
	uint8_t *text = fill_bytes(BIG_LEN, 42);
	size_t len = BIG_LEN;
	struct tr_open_opts o = { .format = TR_FMT_LACKEY };
	struct eptsim_error err = { .msg = "" };
	struct tr_reader *r;
	struct tr_rec rec;
	uint64_t lines = 0, sum = 0, want_sum = 0;
	const uint8_t *p;
	int rc;

	(void)state;
	while (text[len - 1] != '\n')   /* whole lines only */
		len--;
	for (p = text; p < text + len; p = (const uint8_t *)memchr(p, '\n', len - (size_t)(p - text)) + 1) {
		lines++;
		want_sum += strtoull((const char *)p + 3, NULL, 16);
	}
	path = write_file(dir, "big.lackey.zst", TR_COMP_ZSTD, text, len);
	if (tr_open(&r, path, &o, &err) != 0)
		fail_msg("tr_open: %s", err.msg);
	while ((rc = tr_next(r, &rec, &err)) > 0) {
		assert_int_equal(rec.kind, TR_READ);
		sum += rec.addr;
	}
	if (rc != 0)
		fail_msg("tr_next: %s", err.msg);
	assert_int_equal(r->r_records, lines);
	assert_int_equal(r->r_line, lines);
	assert_int_equal(sum, want_sum);
	tr_close(r);
	free(path);
	free(text);
	tl_rmtree(dir);
}

static void lackey_sniff(void **state)
{
	static const uint8_t champsim[] = { 0x10, 0x0a, 0x40, 0, 0, 0, 0, 0, 1, 0 };

	(void)state;
	assert_true(tr_lackey_sniff((const uint8_t *)lk_text, strlen(lk_text)));
	assert_true(tr_lackey_sniff((const uint8_t *)"\n\nI  04000a10,3\n", 15));
	assert_true(tr_lackey_sniff((const uint8_t *)" M 0421c7f0,4\n", 14));
	assert_true(tr_lackey_sniff((const uint8_t *)"--5-- x\n", 8));
	assert_false(tr_lackey_sniff((const uint8_t *)"hello\n", 6));
	assert_false(tr_lackey_sniff((const uint8_t *)" X 1,2\n", 7));
	assert_false(tr_lackey_sniff((const uint8_t *)"=", 1));
	assert_false(tr_lackey_sniff(champsim, sizeof(champsim)));
	assert_false(tr_lackey_sniff((const uint8_t *)"", 0));
}

/* auto-detection sees lackey text through gzip (the sniff reads decompressed bytes) */
static void lackey_detected_through_gzip(void **state)
{
	char *dir = tl_tmpdir();
	char *path = write_file(dir, "t.gz", TR_COMP_GZIP, (const uint8_t *)lk_text, strlen(lk_text));
	struct tr_open_opts o = { .format = TR_FMT_AUTO };
	struct eptsim_error err = { .msg = "" };
	struct tr_rec recs[MAX_RECS];
	struct tr_reader *r;
	int rc;
	size_t n;

	(void)state;
	if (tr_open(&r, path, &o, &err) != 0)
		fail_msg("tr_open: %s", err.msg);
	assert_int_equal(r->r_fmt, TR_FMT_LACKEY);
	assert_int_equal(r->r_src->comp, TR_COMP_GZIP);
	n = read_all(r, recs, MAX_RECS, &rc, &err);
	assert_int_equal(rc, 0);
	check_recs(recs, n, lk_want, ARRAY_SIZE(lk_want));
	tr_close(r);
	free(path);
	tl_rmtree(dir);
}

/* ---- ChampSim -------------------------------------------------------------------- */

/* cs_put - one input_instr at b: ip, destination_memory[2], source_memory[4] */
static void cs_put(uint8_t *b, uint64_t ip, const uint64_t dst[2], const uint64_t src[4])
{
	memset(b, 0, 64);
	for (int i = 0; i < 8; i++) {
		b[i] = (uint8_t)(ip >> 8 * i);
		for (int k = 0; k < 2; k++)
			b[16 + 8 * k + i] = (uint8_t)(dst[k] >> 8 * i);
		for (int k = 0; k < 4; k++)
			b[32 + 8 * k + i] = (uint8_t)(src[k] >> 8 * i);
	}
	b[8] = 1;               /* is_branch, branch_taken, registers: ignored */
	b[9] = 1;
	b[10] = 6;
	b[12] = 25;
}

/* three records: none, some and all memory slots used */
static size_t cs_build(uint8_t *b)
{
	static const uint64_t none[4], d1[2] = { 0, 0x601ffc }, s1[4] = { 0x7ffc1000, 0, 0x601008, 0 };
	static const uint64_t d2[2] = { 0x1000, 0x2000 }, s2[4] = { 1, 2, 3, 0xffffffffffffffff };

	cs_put(b, 0x401000, none, none);
	cs_put(b + 64, 0x401004, d1, s1);
	cs_put(b + 128, 0x7fffffffeff0, d2, s2);
	return 192;
}

static void champsim_records(void **state)
{
	static const struct want want4[] = {
		{ TR_FETCH, 0x401000, 1, 1 },
		{ TR_FETCH, 0x401004, 1, 1 },
		{ TR_READ, 0x7ffc1000, 4, 0 },
		{ TR_READ, 0x601008, 4, 0 },
		{ TR_WRITE, 0x601ffc, 4, 0 },
		{ TR_FETCH, 0x7fffffffeff0, 1, 1 },
		{ TR_READ, 1, 4, 0 },
		{ TR_READ, 2, 4, 0 },
		{ TR_READ, 3, 4, 0 },
		{ TR_READ, 0xffffffffffffffff, 4, 0 },
		{ TR_WRITE, 0x1000, 4, 0 },
		{ TR_WRITE, 0x2000, 4, 0 },
	};
	uint8_t b[192];
	size_t len = cs_build(b);
	struct eptsim_error err = { .msg = "" };
	struct tr_rec recs[MAX_RECS];
	struct tr_reader *r;
	int rc;
	size_t n;

	(void)state;
	r = open_mem(b, len, TR_FMT_CHAMPSIM, 4);
	assert_int_equal(r->r_flags, TR_F_DEMAND);
	assert_int_equal(r->r_ncpus, 1);
	n = read_all(r, recs, MAX_RECS, &rc, &err);
	assert_int_equal(rc, 0);
	check_recs(recs, n, want4, ARRAY_SIZE(want4));
	assert_int_equal(r->r_records, ARRAY_SIZE(want4));
	tr_close(r);

	/* access size 0 is the default, 8 bytes */
	r = open_mem(b, len, TR_FMT_CHAMPSIM, 0);
	n = read_all(r, recs, MAX_RECS, &rc, &err);
	assert_int_equal(rc, 0);
	assert_int_equal(n, ARRAY_SIZE(want4));
	for (size_t i = 0; i < n; i++)
		assert_int_equal(recs[i].size, recs[i].kind == TR_FETCH ? 1 : 8);
	tr_close(r);

	/* and the largest */
	r = open_mem(b, len, TR_FMT_CHAMPSIM, TR_MAX_SIZE);
	n = read_all(r, recs, MAX_RECS, &rc, &err);
	assert_int_equal(n, ARRAY_SIZE(want4));
	assert_int_equal(recs[11].size, TR_MAX_SIZE);
	tr_close(r);
}

static void champsim_empty(void **state)
{
	struct tr_reader *r = open_mem("", 0, TR_FMT_CHAMPSIM, 8);
	struct eptsim_error err = { .msg = "" };
	struct tr_rec rec;

	(void)state;
	assert_int_equal(tr_next(r, &rec, &err), 0);
	assert_int_equal(tr_next(r, &rec, &err), 0);
	tr_close(r);
}

/* a partial last record: the whole ones first, then its offset and length */
static void champsim_truncated(void **state)
{
	uint8_t b[192];
	struct eptsim_error err = { .msg = "" };
	struct tr_rec recs[MAX_RECS];
	char *dir = tl_tmpdir(), *path;
	struct tr_reader *r;
	int rc;
	size_t n;

	(void)state;
	cs_build(b);
	r = open_mem(b, 128 + 10, TR_FMT_CHAMPSIM, 8);
	n = read_all(r, recs, MAX_RECS, &rc, &err);
	assert_int_equal(n, 5);         /* fetch; fetch, 2 reads, a write */
	assert_int_equal(rc, -EINVAL);
	assert_string_equal(err.msg, "mem.trace: byte offset 128: a truncated record: 10 of 64 bytes");
	tr_close(r);

	/* the same through xz: the offset is in the decompressed stream */
	path = write_file(dir, "cut.xz", TR_COMP_XZ, b, 64 + 63);
	{
		struct tr_open_opts o = { .format = TR_FMT_CHAMPSIM };

		if (tr_open(&r, path, &o, &err) != 0)
			fail_msg("tr_open: %s", err.msg);
	}
	n = read_all(r, recs, MAX_RECS, &rc, &err);
	assert_int_equal(n, 1);
	assert_int_equal(rc, -EINVAL);
	assert_non_null(strstr(err.msg, ": byte offset 64: a truncated record: 63 of 64 bytes"));
	assert_int_equal(strncmp(err.msg, path, strlen(path)), 0);
	tr_close(r);
	free(path);
	tl_rmtree(dir);
}

/* ---- the byte layer ---------------------------------------------------------------- */

static const char *const ext[TR_COMP_N] = { "raw", "gz", "xz", "zst" };

/* each compression: written by a sink, told by its bytes, read back whole from a file and from memory */
static void compress_round_trip(void **state)
{
	char *dir = tl_tmpdir();
	uint8_t *data = fill_bytes(BIG_LEN, 7);

	(void)state;
	assert_string_equal(tr_compress_names[TR_COMP_NONE], "none");
	assert_string_equal(tr_compress_names[TR_COMP_GZIP], "gzip");
	assert_string_equal(tr_compress_names[TR_COMP_XZ], "xz");
	assert_string_equal(tr_compress_names[TR_COMP_ZSTD], "zstd");
	assert_null(tr_compress_names[TR_COMP_N]);
	for (unsigned c = 0; c < TR_COMP_N; c++) {
		char name[32];
		char *path, *file;
		size_t flen;
		struct eptsim_error err = { .msg = "" };
		struct tr_src *s;
		long got;

		snprintf(name, sizeof(name), "data.%s", ext[c]);
		path = write_file(dir, name, (enum tr_compress)c, data, BIG_LEN);
		file = tl_read(path, &flen);
		assert_non_null(file);
		if (c != TR_COMP_NONE && flen >= BIG_LEN / 10 * 7)
			fail_msg("%s: %zu bytes, not compressed", name, flen);
		if (c == TR_COMP_NONE)
			assert_int_equal(flen, BIG_LEN);

		if (tr_src_open(&s, path, &err) != 0)
			fail_msg("tr_src_open %s: %s", name, err.msg);
		assert_int_equal(s->comp, c);
		assert_string_equal(s->path, path);
		got = drain(s, data, BIG_LEN, &err);
		if (got != (long)BIG_LEN)
			fail_msg("%s from the file: %ld bytes, %s", name, got, err.msg);
		tr_src_close(s);

		if (tr_src_open_mem(&s, name, (const uint8_t *)file, flen, &err) != 0)
			fail_msg("tr_src_open_mem %s: %s", name, err.msg);
		assert_int_equal(s->comp, c);
		got = drain(s, data, BIG_LEN, &err);
		if (got != (long)BIG_LEN)
			fail_msg("%s from memory: %ld bytes, %s", name, got, err.msg);
		tr_src_close(s);
		free(file);
		free(path);
	}
	free(data);
	tl_rmtree(dir);
}

/* compressed files one after another (cat a.gz b.gz) read as one stream */
static void compress_concatenated(void **state)
{
	char *dir = tl_tmpdir();
	uint8_t *data = fill_bytes(300000, 3);

	(void)state;
	for (unsigned c = TR_COMP_GZIP; c < TR_COMP_N; c++) {
		char *a = write_file(dir, "a", (enum tr_compress)c, data, 100000);
		char *b = write_file(dir, "b", (enum tr_compress)c, data + 100000, 200000);
		size_t la, lb;
		char *fa = tl_read(a, &la), *fb = tl_read(b, &lb);
		uint8_t *cat = malloc(la + lb);
		struct eptsim_error err = { .msg = "" };
		struct tr_src *s;
		long got;

		assert_non_null(cat);
		memcpy(cat, fa, la);
		memcpy(cat + la, fb, lb);
		if (tr_src_open_mem(&s, "cat", cat, la + lb, &err) != 0)
			fail_msg("%s: %s", tr_compress_names[c], err.msg);
		got = drain(s, data, 300000, &err);
		if (got != 300000)
			fail_msg("%s: %ld bytes: %s", tr_compress_names[c], got, err.msg);
		tr_src_close(s);
		free(cat);
		free(fa);
		free(fb);
		free(a);
		free(b);
	}
	free(data);
	tl_rmtree(dir);
}

/* drain_error - read the damaged stream f[0, len) from memory and from a file: it must fail, not end */
static void drain_error(const char *dir, unsigned c, const uint8_t *f, size_t len,
			const uint8_t *data, const char *want, const char *what)
{
	char name[64], *path;
	struct eptsim_error err = { .msg = "" };
	struct tr_src *s;
	long got;
	int rc;
	FILE *fp;

	snprintf(name, sizeof(name), "%s.%s", what, ext[c]);
	rc = tr_src_open_mem(&s, name, f, len, &err);
	got = rc ? rc : drain(s, data, SMALL_LEN, &err);
	if (got >= 0 || !strstr(err.msg, want) || strncmp(err.msg, name, strlen(name)) != 0)
		fail_msg("%s (memory): got %ld, message \"%s\"; want an error with \"%s\"",
			 name, got, err.msg, want);
	if (!rc)
		tr_src_close(s);

	path = tl_path(dir, name);
	fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(f, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
	err.msg[0] = '\0';
	rc = tr_src_open(&s, path, &err);
	got = rc ? rc : drain(s, data, SMALL_LEN, &err);
	if (got >= 0 || !strstr(err.msg, want))
		fail_msg("%s (file): got %ld, message \"%s\"; want an error with \"%s\"",
			 name, got, err.msg, want);
	/* an error is sticky: the next fill says it again */
	if (!rc) {
		err.msg[0] = '\0';
		assert_true(tr_src_fill(s, 1, &err) < 0);
		assert_non_null(strstr(err.msg, want));
		tr_src_close(s);
	}
	free(path);
}

/* a compressed stream cut short, or damaged: an error naming the stream and the offset */
static void compress_damaged(void **state)
{
	char *dir = tl_tmpdir();
	uint8_t *data = fill_bytes(SMALL_LEN, 11);

	(void)state;
	for (unsigned c = TR_COMP_GZIP; c < TR_COMP_N; c++) {
		char name[32], want[96], *path, *file;
		size_t flen;
		uint8_t *bad;

		snprintf(name, sizeof(name), "data.%s", ext[c]);
		path = write_file(dir, name, (enum tr_compress)c, data, SMALL_LEN);
		file = tl_read(path, &flen);
		assert_non_null(file);
		bad = malloc(flen + 16);
		assert_non_null(bad);

		snprintf(want, sizeof(want), " of the %s stream: the stream ends early", tr_compress_names[c]);
		drain_error(dir, c, (uint8_t *)file, flen / 2, data, want, "half");
		drain_error(dir, c, (uint8_t *)file, flen - 1, data, want, "less1");
		drain_error(dir, c, (uint8_t *)file, c == TR_COMP_XZ ? 6 : c == TR_COMP_ZSTD ? 4 : 2,
			    data, want, "magic");

		/* bytes flipped in the middle: caught by the format or its check */
		memcpy(bad, file, flen);
		for (size_t i = flen / 2; i < flen / 2 + 16; i++)
			bad[i] ^= 0x5a;
		snprintf(want, sizeof(want), " of the %s stream: corrupt data (", tr_compress_names[c]);
		drain_error(dir, c, bad, flen, NULL, want, "flipped");

		/* a damaged trailer (its check, its length) */
		memcpy(bad, file, flen);
		memcpy(bad + flen - 8, "garbage!", 8);
		drain_error(dir, c, bad, flen, NULL, want, "trailer");

		/* junk after a whole stream (as long as a header: xz waits for 12 bytes) */
		memcpy(bad, file, flen);
		memcpy(bad + flen, "garbage after it", 16);
		drain_error(dir, c, bad, flen + 16, data, want, "junk");

		free(bad);
		free(file);
		free(path);
	}
	free(data);
	tl_rmtree(dir);
}

/* errors name the offset in the compressed stream */
static void compress_error_offset(void **state)
{
	static const uint8_t gz[] = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0x07, 0xff, 0xff, 0xff };
	struct eptsim_error err = { .msg = "" };
	struct tr_src *s;

	(void)state;
	/* a gzip header, then a deflate block of the reserved type 3 */
	assert_int_equal(tr_src_open_mem(&s, "bad.gz", gz, sizeof(gz), &err), -EINVAL);
	assert_string_equal(err.msg, "bad.gz: byte offset 11 of the gzip stream: corrupt data (invalid block type)");
}

/* short files and plain data that starts like a magic number */
static void detect_compression(void **state)
{
	static const struct {
		const char *bytes;
		size_t len;
		enum tr_compress comp;
	} rows[] = {
		{ "", 0, TR_COMP_NONE },
		{ "\x1f", 1, TR_COMP_NONE },
		{ "\xfd" "7zXZ", 5, TR_COMP_NONE },     /* xz's magic is 6 bytes */
		{ "\x28\xb5\x2f", 3, TR_COMP_NONE },
		{ "I  1000,4\n", 10, TR_COMP_NONE },
	};
	struct eptsim_error err = { .msg = "" };

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		struct tr_src *s;

		assert_int_equal(tr_src_open_mem(&s, "m", (const uint8_t *)rows[i].bytes, rows[i].len,
						 &err), 0);
		assert_int_equal(s->comp, rows[i].comp);
		assert_int_equal(tr_src_fill(s, 64, &err), (long)rows[i].len);
		assert_memory_equal(s->p, rows[i].bytes, rows[i].len);
		tr_src_close(s);
	}
}

static void src_missing_file(void **state)
{
	struct eptsim_error err = { .msg = "" };
	struct tr_src *s = (struct tr_src *)&err;

	(void)state;
	assert_int_equal(tr_src_open(&s, "/nonexistent/trace.gz", &err), -ENOENT);
	assert_null(s);
	assert_string_equal(err.msg, "/nonexistent/trace.gz: cannot open: No such file or directory");
}

/* abort removes the file; a sink that cannot create its file says so */
static void sink_abort_and_errors(void **state)
{
	char *dir = tl_tmpdir(), *path = tl_path(dir, "gone.zst"), *nodir = tl_path(dir, "no/such");
	struct eptsim_error err = { .msg = "" };
	struct tr_sink *k;

	(void)state;
	assert_int_equal(tr_sink_open(&k, path, TR_COMP_ZSTD, &err), 0);
	assert_int_equal(tr_sink_write(k, "abc", 3, &err), 0);
	assert_int_equal(access(path, F_OK), 0);
	tr_sink_abort(k);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(tr_sink_open(&k, nodir, TR_COMP_NONE, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "/no/such: cannot create: No such file or directory"));
	tr_sink_abort(NULL);
	assert_int_equal(tr_sink_close(NULL, &err), 0);
	free(path);
	free(nodir);
	tl_rmtree(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(lackey_every_line_kind),
		cmocka_unit_test(lackey_skips_valgrind_lines),
		cmocka_unit_test(lackey_bad_lines),
		cmocka_unit_test(lackey_line_length_limit),
		cmocka_unit_test(lackey_long_file),
		cmocka_unit_test(lackey_sniff),
		cmocka_unit_test(lackey_detected_through_gzip),
		cmocka_unit_test(champsim_records),
		cmocka_unit_test(champsim_empty),
		cmocka_unit_test(champsim_truncated),
		cmocka_unit_test(compress_round_trip),
		cmocka_unit_test(compress_concatenated),
		cmocka_unit_test(compress_damaged),
		cmocka_unit_test(compress_error_offset),
		cmocka_unit_test(detect_compression),
		cmocka_unit_test(src_missing_file),
		cmocka_unit_test(sink_abort_and_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
