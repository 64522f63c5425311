/*
 * tr_lackey.c - the text valgrind's lackey writes with --trace-mem=yes
 * (lackey/lk_main.c: trace_instr, trace_load, trace_store, trace_modify):
 *
 *   line             printed as         record(s)
 *   "I  04000a10,3"  "I  %08lx,%lu\n"   TR_FETCH {addr, size, n = 1}
 *   " L 1ffefff8,8"  " L %08lx,%lu\n"   TR_READ {addr, size}
 *   " S 1ffefff8,8"  " S %08lx,%lu\n"   TR_WRITE {addr, size}
 *   " M 00601040,4"  " M %08lx,%lu\n"   TR_READ, then TR_WRITE of the same bytes
 *
 * ADDR is hex without "0x" (lackey writes at least 8 digits; any count is
 * read whose value fits 64 bits), SIZE decimal, 1 to TR_MAX_SIZE.  valgrind's own lines ("==PID== ...", "--PID-- ...")
 * and empty lines are skipped.  A shortcut that costs nothing: one or
 * more spaces are taken after the kind letter and before the address,
 * and spaces or a CR at the end of a line, so hand-made traces in the
 * style of CS:APP's cache lab ("I 0400d7d4,8") read too.
 *
 * The reader is on the hot path of a replay: it finds a line with memchr
 * in the source's buffer and parses it in place, hex by hand.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "traces/trace.h"

#define LK_LINE_MAX 4096u       /* the longest line taken, without its newline */
#define LK_QUOTE 40u            /* bytes of a bad line quoted in an error */

/* lk_hex - the value of hex digit `c`, or -1 */
static inline int lk_hex(uint8_t c)
{
	if ((unsigned)(c - '0') < 10)
		return c - '0';
	c |= 0x20;
	if ((unsigned)(c - 'a') < 6)
		return c - 'a' + 10;
	return -1;
}

/*
 * lk_quote - [p, e) as C-string text in dst (at most LK_QUOTE bytes of it,
 * then "..."), quotes, backslashes and non-printables escaped.
 */
static void lk_quote(char *dst, size_t cap, const uint8_t *p, const uint8_t *e)
{
	size_t n = 0, i;
	size_t len = (size_t)(e - p);

	for (i = 0; i < len && i < LK_QUOTE && n + 5 < cap; i++) {
		uint8_t c = p[i];

		if (c == '"' || c == '\\')
			n += (size_t)snprintf(dst + n, cap - n, "\\%c", c);
		else if (c == '\t')
			n += (size_t)snprintf(dst + n, cap - n, "\\t");
		else if (c == '\r')
			n += (size_t)snprintf(dst + n, cap - n, "\\r");
		else if (c < 0x20 || c >= 0x7f)
			n += (size_t)snprintf(dst + n, cap - n, "\\x%02x", c);
		else
			dst[n++] = (char)c;
	}
	dst[n] = '\0';
	if (i < len && n + 4 <= cap)
		memcpy(dst + n, "...", 4);
}

/* lk_bad - err = "PATH: line N: WHAT, got \"LINE\""; -EINVAL */
static int lk_bad(struct tr_reader *r, const uint8_t *ls, const uint8_t *le,
		  struct eptsim_error *err, const char *what)
{
	char where[32], q[LK_QUOTE * 4 + 8];

	snprintf(where, sizeof(where), "line %llu", (unsigned long long)r->r_line);
	if (memchr(ls, '\0', (size_t)(le - ls))) {
		tr_errf(err, r, where, "a NUL byte (a binary file, not lackey's text?)");
		return -EINVAL;
	}
	lk_quote(q, sizeof(q), ls, le);
	tr_errf(err, r, where, "%s, got \"%s\"", what, q);
	return -EINVAL;
}

/*
 * lk_getline - the next line [*ls, *le) (without its newline), the source
 * advanced past it and r_line counted.  1, 0 at the end of the stream, or
 * a negative errno (a line longer than LK_LINE_MAX, a read error).
 */
static int lk_getline(struct tr_reader *r, const uint8_t **ls, const uint8_t **le,
		      struct eptsim_error *err)
{
	struct tr_src *s = r->r_src;
	size_t avail = (size_t)(s->end - s->p);
	const uint8_t *nl = memchr(s->p, '\n', avail < LK_LINE_MAX + 1 ? avail : LK_LINE_MAX + 1);

	if (!nl && avail <= LK_LINE_MAX) {
		long n = tr_src_fill(s, LK_LINE_MAX + 1, err);

		if (n < 0)
			return (int)n;
		avail = (size_t)n;
		nl = memchr(s->p, '\n', avail < LK_LINE_MAX + 1 ? avail : LK_LINE_MAX + 1);
	}
	if (!nl && avail == 0)
		return 0;
	r->r_line++;
	*ls = s->p;
	if (nl) {
		*le = nl;
		s->p = nl + 1;
	} else if (avail > LK_LINE_MAX) {
		char where[32];

		snprintf(where, sizeof(where), "line %llu", (unsigned long long)r->r_line);
		tr_errf(err, r, where, "longer than %u bytes (not lackey's text?)", LK_LINE_MAX);
		return -EINVAL;
	} else {
		*le = s->end;   /* the last line, without a newline */
		s->p = s->end;
	}
	return 1;
}

/*
 * lk_parse - the record of line [ls, le): 1 (*rec set; the write of an M
 * queued), 0 for a line to skip, -EINVAL with err saying what was expected.
 */
static int lk_parse(struct tr_reader *r, const uint8_t *ls, const uint8_t *le,
		    struct tr_rec *rec, struct eptsim_error *err)
{
	const uint8_t *q, *e = le;
	uint64_t addr = 0;
	uint32_t size = 0;
	unsigned kind, nd;
	bool modify = false;

	while (e > ls && (e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
		e--;
	if (e == ls)
		return 0;
	if (e - ls >= 2 && ((ls[0] == '=' && ls[1] == '=') || (ls[0] == '-' && ls[1] == '-'))) {
		if (memchr(ls, '\0', (size_t)(le - ls)))
			return lk_bad(r, ls, le, err, "");
		return 0;       /* valgrind's own */
	}
	if (e - ls >= 2 && ls[0] == 'I' && ls[1] == ' ') {
		kind = TR_FETCH;
		q = ls + 1;
	} else if (e - ls >= 3 && ls[0] == ' ' && ls[2] == ' ' &&
		   (ls[1] == 'L' || ls[1] == 'S' || ls[1] == 'M')) {
		kind = ls[1] == 'S' ? TR_WRITE : TR_READ;
		modify = ls[1] == 'M';
		q = ls + 2;
	} else {
		return lk_bad(r, ls, le, err,
			      "expected an access line ('I  ADDR,SIZE', ' L', ' S' or ' M')");
	}
	while (q < e && *q == ' ')
		q++;
	for (nd = 0; q < e; q++, nd++) {
		int v = lk_hex(*q);

		if (v < 0)
			break;
		if (addr >> 60)
			return lk_bad(r, ls, le, err, "the address has more than 64 bits");
		addr = addr << 4 | (unsigned)v;
	}
	if (nd == 0)
		return lk_bad(r, ls, le, err, "expected a hex address (no 0x) after the kind");
	if (q == e || *q != ',')
		return lk_bad(r, ls, le, err, "expected ',' and the size after the address");
	for (nd = 0, q++; q < e && (unsigned)(*q - '0') < 10; q++, nd++)
		if (size <= TR_MAX_SIZE)
			size = size * 10 + (unsigned)(*q - '0');
	if (nd == 0)
		return lk_bad(r, ls, le, err, "expected a decimal size after ','");
	if (q != e)
		return lk_bad(r, ls, le, err, "expected the end of the line after the size");
	if (size == 0 || size > TR_MAX_SIZE) {
		char what[64];

		snprintf(what, sizeof(what), "expected a size of 1 to %u bytes", TR_MAX_SIZE);
		return lk_bad(r, ls, le, err, what);
	}
	*rec = (struct tr_rec){ .kind = (uint8_t)kind, .addr = addr, .size = size };
	if (kind == TR_FETCH)
		rec->n = 1;
	if (modify) {
		struct tr_rec w = *rec;

		w.kind = TR_WRITE;
		tr_push(r, &w);
	}
	return 1;
}

/* lk_next - r_next of lackey: the next record of the next access line */
static int lk_next(struct tr_reader *r, struct tr_rec *rec, struct eptsim_error *err)
{
	const uint8_t *ls = NULL, *le = NULL;
	int rc;

	while (!r->r_done) {
		rc = lk_getline(r, &ls, &le, err);
		if (rc < 0)
			return rc;
		if (rc == 0) {
			r->r_done = true;
			break;
		}
		rc = lk_parse(r, ls, le, rec, err);
		if (rc < 0)
			return rc;
		if (rc > 0) {
			r->r_records++;
			return 1;
		}
	}
	return 0;
}

int tr_lackey_start(struct tr_reader *r, struct eptsim_error *err)
{
	(void)err;
	r->r_next = lk_next;
	r->r_flags = TR_F_DEMAND;
	r->r_ncpus = 1;
	r->r_line = 0;
	return 0;
}

bool tr_lackey_sniff(const uint8_t *p, size_t n)
{
	static const char *const starts[] = { "==", "--", "I ", " L ", " S ", " M " };
	size_t i = 0;

	if (n > 4096)
		n = 4096;
	while (i < n && (p[i] == '\n' || p[i] == '\r'))
		i++;
	for (size_t k = 0; k < sizeof(starts) / sizeof(starts[0]); k++) {
		size_t len = strlen(starts[k]);

		if (n - i >= len && !memcmp(p + i, starts[k], len))
			return true;
	}
	return false;
}
