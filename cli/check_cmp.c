/*
 * check_cmp.c - two reports compared metric by metric (see check.h).
 *
 * Both reports are walked side by side, the report under check first and
 * then what only the golden has, so the rows come in report order and a
 * leaf present on one side only is a row of its own.  Numbers are
 * compared exactly, in integers: a JSON integer, or a decimal string such
 * as overhead.ratio "2.3442", is a magnitude, a sign and a count of
 * decimals, and a tolerance test |got - expected| <= PCT/100 * |expected|
 * is done in 128- and 192-bit integers, so the verdict is the same on
 * every machine.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/check.h"
#include "sim/cfg_load.h"

/* unsigned 128-bit integers (a GCC and Clang extension) */
__extension__ typedef unsigned __int128 u128;

const char *const chk_sections[] = { "status", "trace", "counters", "histograms",
				     "cpus", "processes", "overhead", NULL };

/* a decimal number: (neg ? -1 : 1) * mag / 10^scale; mag 0 is never neg */
struct chk_num {
	uint64_t mag;
	unsigned scale;
	bool neg;
};
#define CHK_MAX_SCALE 18        /* 10^18 < 2^60: a scaled magnitude stays below 2^124 */

static u128 pow10_128(unsigned n)
{
	u128 p = 1;

	while (n--)
		p *= 10;
	return p;
}

int chk_tol_parse(const char *s, struct chk_tol *t, char *why, size_t whylen)
{
	size_t len;
	int rc = cfg_tolerance_parse(s, &len, &t->ct_num, &t->ct_scale, why, whylen);

	if (rc < 0)
		return rc;
	t->ct_pattern = strndup(s, len);
	t->ct_pct = s + len + 1;
	return t->ct_pattern ? 0 : -ENOMEM;
}

bool chk_glob(const char *pattern, const char *name)
{
	const char *star = NULL, *resume = NULL;

	/* the classic backtracking match: only the last star is ever retried */
	while (*name) {
		if (*pattern == '*') {
			star = pattern++;
			resume = name;
		} else if (*pattern == *name) {
			pattern++;
			name++;
		} else if (star) {
			pattern = star + 1;
			name = ++resume;
		} else {
			return false;
		}
	}
	while (*pattern == '*')
		pattern++;
	return *pattern == '\0';
}

struct json_t *chk_load(const char *path, const char *text, const char *prefix,
			FILE *err, int *rc)
{
	json_error_t je;
	json_t *j, *ctr;
	FILE *f = NULL;

	if (!text && !(f = fopen(path, "rb"))) {
		*rc = errno == ENOENT ? -ENOENT : -EINVAL;
		fprintf(err, "%s: %s: cannot open: %s\n", prefix, path, strerror(errno));
		return NULL;
	}
	j = text ? json_loads(text, JSON_REJECT_DUPLICATES, &je)
		 : json_loadf(f, JSON_REJECT_DUPLICATES, &je);
	if (f)
		fclose(f);
	if (!j) {
		*rc = json_error_code(&je) == json_error_out_of_memory ? -ENOMEM : -EINVAL;
		fprintf(err, "%s: %s:%d:%d: invalid JSON: %s\n", prefix, path, je.line,
			je.column, je.text);
		return NULL;
	}
	ctr = json_object_get(j, "counters");
	if (!json_is_object(j) || !json_is_object(ctr)) {
		*rc = -EINVAL;
		fprintf(err, "%s: %s: not an eptsim report (it has no \"counters\" object)\n",
			prefix, path);
		json_decref(j);
		return NULL;
	}
	*rc = 0;
	return j;
}

/* num_parse - "-?DIGITS(.DIGITS)?" within chk_num's range; false otherwise */
static bool num_parse(const char *s, struct chk_num *n)
{
	bool point = false, digit = false;

	*n = (struct chk_num){ .neg = *s == '-' };
	for (s += n->neg; *s; s++) {
		if (*s == '.' && !point && digit) {
			point = true;
			digit = false;
			continue;
		}
		if (*s < '0' || *s > '9')
			return false;
		if (n->mag > (UINT64_MAX - (uint64_t)(*s - '0')) / 10 ||
		    (point && n->scale == CHK_MAX_SCALE))
			return false;
		n->mag = n->mag * 10 + (uint64_t)(*s - '0');
		n->scale += point;
		digit = true;
	}
	if (!digit)
		return false;
	n->neg = n->neg && n->mag != 0;
	return true;
}

/* num_of - a JSON integer, or a string holding a decimal, as a number */
static bool num_of(const json_t *v, struct chk_num *n)
{
	if (json_is_integer(v)) {
		json_int_t i = json_integer_value(v);

		n->neg = i < 0;
		n->mag = i < 0 ? (uint64_t)0 - (uint64_t)i : (uint64_t)i;
		n->scale = 0;
		return true;
	}
	return json_is_string(v) && num_parse(json_string_value(v), n);
}

/* mul192 - a * b as (hi, lo): a full 192-bit product */
static void mul192(u128 a, uint64_t b, u128 *hi, uint64_t *lo)
{
	u128 p0 = (u128)(uint64_t)a * b, p1 = (u128)(uint64_t)(a >> 64) * b;

	*lo = (uint64_t)p0;
	*hi = p1 + (p0 >> 64);
}

/* fmt_u128 - v / 10^scale in decimal into buf (at least 48 bytes) */
static void fmt_u128(char *buf, u128 v, unsigned scale)
{
	char tmp[48];
	size_t n = 0, o = 0;

	do {
		tmp[n++] = (char)('0' + (unsigned)(v % 10));
		v /= 10;
	} while (v || n <= scale);
	while (n--) {
		buf[o++] = tmp[n];
		if (n == scale && scale)
			buf[o++] = '.';
	}
	buf[o] = '\0';
}

/*
 * numeric - compare e and g as numbers: the change text ("+12 (+0.53%)")
 * and whether |g - e| is within tolerance t (false without one).
 */
static bool numeric(const struct chk_num *e, const struct chk_num *g,
		    const struct chk_tol *t, char *change, size_t len)
{
	unsigned s = e->scale > g->scale ? e->scale : g->scale;
	u128 E = (u128)e->mag * pow10_128(s - e->scale);
	u128 G = (u128)g->mag * pow10_128(s - g->scale);
	u128 d, pd, pe;
	bool neg;
	char dtext[48], ptext[48];

	if (e->neg == g->neg) {
		d = G >= E ? G - E : E - G;
		neg = G >= E ? g->neg : !g->neg;
	} else {
		d = G + E;
		neg = g->neg;
	}
	fmt_u128(dtext, d, s);
	/* the percentage is only shown: huge values lose low bits, not the verdict */
	pd = d;
	pe = E;
	while (pd >> 100) {
		pd >>= 1;
		pe >>= 1;
	}
	if (d == 0) {
		snprintf(change, len, "same number");
	} else if (pe == 0) {
		snprintf(change, len, "%c%s", neg ? '-' : '+', dtext);
	} else {
		/* 2 decimals; 4 below 0.1%, so a small change does not read as 0.00% */
		u128 p4 = (pd * 1000000 + pe / 2) / pe;

		if (p4 >= 1000)
			fmt_u128(ptext, (pd * 10000 + pe / 2) / pe, 2);
		else if (p4 > 0)
			fmt_u128(ptext, p4, 4);
		else
			snprintf(ptext, sizeof(ptext), "<0.0001");
		snprintf(change, len, "%c%s (%c%s%%)", neg ? '-' : '+', dtext,
			 neg ? '-' : '+', ptext);
	}
	if (!t)
		return false;
	/* |d| * 100 * 10^ts <= num * |E| */
	u128 lh, rh;
	uint64_t ll, rl;

	mul192(d, 100 * (uint64_t)pow10_128(t->ct_scale), &lh, &ll);
	mul192(E, t->ct_num, &rh, &rl);
	return lh < rh || (lh == rh && ll <= rl);
}

/* leaf_text - a leaf's value as the table shows it; malloc'd */
static char *leaf_text(const json_t *v)
{
	char buf[64];

	if (!v)
		return NULL;
	switch (json_typeof(v)) {
	case JSON_STRING:
		return strdup(json_string_value(v));
	case JSON_INTEGER:
		snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(v));
		break;
	case JSON_REAL:
		snprintf(buf, sizeof(buf), "%.17g", json_real_value(v));
		break;
	case JSON_TRUE:
		return strdup("true");
	case JSON_FALSE:
		return strdup("false");
	default:
		return strdup("null");
	}
	return strdup(buf);
}

/* the walk's state: the path of the current value, grown and cut back */
struct walk {
	struct chk_diff *d;
	char *path;
	size_t len, cap;
};

/* path_push - append fmt with `key` (".%s") or, when key is NULL, `idx` ("[%zu]") to w->path; 0 or -ENOMEM */
static int path_push(struct walk *w, const char *fmt, const char *key, size_t idx)
{
	int n = key ? snprintf(NULL, 0, fmt, key) : snprintf(NULL, 0, fmt, idx);

	while (w->len + (size_t)n + 1 > w->cap) {
		char *p = realloc(w->path, w->cap * 2 + 64);

		if (!p)
			return -ENOMEM;
		w->path = p;
		w->cap = w->cap * 2 + 64;
	}
	if (key)
		snprintf(w->path + w->len, w->cap - w->len, fmt, key);
	else
		snprintf(w->path + w->len, w->cap - w->len, fmt, idx);
	w->len += (size_t)n;
	return 0;
}

/* tol_for - the last tolerance whose pattern matches `metric`, or NULL */
static const struct chk_tol *tol_for(struct chk_diff *d, const char *metric)
{
	for (size_t i = d->cd_ntols; i-- > 0;)
		if (chk_glob(d->cd_tols[i].ct_pattern, metric)) {
			d->cd_tol_used[i] = true;
			return &d->cd_tols[i];
		}
	return NULL;
}

/* leaf - the row of the leaf at w->path: e in the golden, g in the report (either NULL) */
static int leaf(struct walk *w, const json_t *e, const json_t *g)
{
	struct chk_diff *d = w->d;
	const char *metric = w->path;
	struct chk_row *r;
	struct chk_num ne, ng;
	char change[160];
	size_t sec;

	if (strncmp(metric, "counters.", 9) == 0)
		metric += 9;
	if (d->cd_n == d->cd_cap) {
		size_t cap = d->cd_cap * 2 + 256;
		struct chk_row *rows = realloc(d->cd_rows, cap * sizeof(*rows));

		if (!rows)
			return -ENOMEM;
		d->cd_rows = rows;
		d->cd_cap = cap;
	}
	r = &d->cd_rows[d->cd_n];
	*r = (struct chk_row){ .cr_verdict = CHK_DIFFER };
	r->cr_tol = tol_for(d, metric);
	/* the section: the top-level member, with the index of cpus[i] and processes[i] */
	sec = strcspn(w->path, ".[");
	if (w->path[sec] == '[')
		sec += strcspn(w->path + sec, "]") + 1;
	r->cr_metric = strdup(metric);
	r->cr_section = strndup(w->path, sec);
	if (!r->cr_metric || !r->cr_section)
		goto nomem;
	d->cd_n++;
	if (e && g && json_equal((json_t *)e, (json_t *)g)) {
		r->cr_verdict = CHK_SAME;
		return 0;
	}
	if (!e || !g)
		snprintf(change, sizeof(change), "%s", e ? "missing" : "new");
	else if (json_typeof(e) == json_typeof(g) && num_of(e, &ne) && num_of(g, &ng)) {
		size_t n;

		if (numeric(&ne, &ng, r->cr_tol, change, sizeof(change)))
			r->cr_verdict = CHK_WITHIN;
		n = strlen(change);
		if (r->cr_tol)
			snprintf(change + n, sizeof(change) - n, " %s ±%s%%",
				 r->cr_verdict == CHK_WITHIN ? "within" : "beyond",
				 r->cr_tol->ct_pct);
	} else {
		snprintf(change, sizeof(change), "changed");
	}
	r->cr_expected = leaf_text(e);
	r->cr_got = leaf_text(g);
	r->cr_change = strdup(change);
	if ((e && !r->cr_expected) || (g && !r->cr_got) || !r->cr_change)
		return -ENOMEM; /* the row is counted: chk_diff_free frees its texts */
	if (r->cr_verdict == CHK_WITHIN)
		d->cd_within++;
	else
		d->cd_differ++;
	return 0;
nomem:
	free(r->cr_metric);
	free(r->cr_section);
	return -ENOMEM;
}

static bool is_container(const json_t *v)
{
	return json_is_object(v) || json_is_array(v);
}

/*
 * walk - the leaves under w->path: e in the golden, g in the report,
 * either NULL or of another shape; objects by the report's member order,
 * then the golden's own members; arrays by index.
 */
static int walk(struct walk *w, json_t *e, json_t *g)
{
	json_t *eo = json_is_object(e) ? e : NULL, *go = json_is_object(g) ? g : NULL;
	json_t *ea = json_is_array(e) ? e : NULL, *ga = json_is_array(g) ? g : NULL;
	size_t len = w->len, n;
	const char *key;
	json_t *v;
	int rc = 0;

	json_object_foreach(go, key, v) {
		if (rc == 0)
			rc = path_push(w, ".%s", key, 0);
		if (rc == 0)
			rc = walk(w, json_object_get(eo, key), v);
		w->path[w->len = len] = '\0';
	}
	json_object_foreach(eo, key, v) {
		if (rc == 0 && !json_object_get(go, key)) {
			rc = path_push(w, ".%s", key, 0);
			if (rc == 0)
				rc = walk(w, v, NULL);
			w->path[w->len = len] = '\0';
		}
	}
	n = json_array_size(ea) > json_array_size(ga) ? json_array_size(ea) : json_array_size(ga);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		rc = path_push(w, "[%zu]", NULL, i);
		if (rc == 0)
			rc = walk(w, json_array_get(ea, i), json_array_get(ga, i));
		w->path[w->len = len] = '\0';
	}
	if (rc == 0 && ((e && !is_container(e)) || (g && !is_container(g))))
		rc = leaf(w, e && !is_container(e) ? e : NULL, g && !is_container(g) ? g : NULL);
	return rc;
}

int chk_compare(struct chk_diff *d, json_t *exp, json_t *got)
{
	struct walk w = { .d = d };
	int rc = 0;

	d->cd_tol_used = calloc(d->cd_ntols + 1, sizeof(*d->cd_tol_used));
	if (!d->cd_tol_used)
		return -ENOMEM;
	for (size_t i = 0; rc == 0 && chk_sections[i]; i++) {
		w.len = 0;
		rc = path_push(&w, "%s", chk_sections[i], 0);
		if (rc == 0)
			rc = walk(&w, json_object_get(exp, chk_sections[i]),
				  json_object_get(got, chk_sections[i]));
	}
	free(w.path);
	return rc;
}

void chk_diff_free(struct chk_diff *d)
{
	for (size_t i = 0; i < d->cd_n; i++) {
		free(d->cd_rows[i].cr_metric);
		free(d->cd_rows[i].cr_section);
		free(d->cd_rows[i].cr_expected);
		free(d->cd_rows[i].cr_got);
		free(d->cd_rows[i].cr_change);
	}
	free(d->cd_rows);
	free(d->cd_tol_used);
	d->cd_rows = NULL;
	d->cd_tol_used = NULL;
	d->cd_n = d->cd_cap = 0;
}
