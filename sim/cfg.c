/*
 * cfg.c - reading, validating and resolving a workload (see cfg.h).
 *
 * Every value passes through cfg_set_value(), whether it comes from a
 * schema default, a machine preset, the workload file or --set, so one set
 * of rules (types, ranges, units) applies everywhere.  Each applied key
 * remembers where its value came from, so an error found only when keys are
 * combined (a TLB geometry, a footprint) still names the file or the --set
 * that is to blame.
 */
#include "sim/cfg_load.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/host.h"
#include "sim/mmu/mmu.h"
#include "sim/synth.h"
#include "sim/tlb/tlb.h"
#include "sim/vmx/vmx.h"

/*
 * Origins are ranked by layer so that a cross-key error blames the key
 * set last: defaults 0, preset 1, workload 2, --set 3 and up.
 */
struct loader {
	struct cfg *c;
	struct eptsim_error *err;
	const char *origin[CFG_MAX_KEYS];
	unsigned rank[CFG_MAX_KEYS];
	const char *ev_origin;  /* where the events list came from */
	const char *proc_origin; /* where the processes list came from */
};

void cfg_errf(struct eptsim_error *err, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
}

void cfg_describe(const json_t *v, char *buf, size_t len)
{
	switch (json_typeof(v)) {
	case JSON_STRING:
		snprintf(buf, len, "string \"%.60s\"", json_string_value(v));
		break;
	case JSON_INTEGER:
		snprintf(buf, len, "integer %lld", (long long)json_integer_value(v));
		break;
	case JSON_REAL:
		snprintf(buf, len, "number %.15g", json_real_value(v));
		break;
	case JSON_TRUE:
		snprintf(buf, len, "true");
		break;
	case JSON_FALSE:
		snprintf(buf, len, "false");
		break;
	case JSON_NULL:
		snprintf(buf, len, "null");
		break;
	case JSON_OBJECT:
		snprintf(buf, len, "an object");
		break;
	default:
		snprintf(buf, len, "an array");
		break;
	}
}

int cfg_parse_uint(const char *s, uint64_t *out)
{
	int base = 10;
	uint64_t v = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (*s == '\0')
		return -EINVAL;
	for (; *s; s++) {
		unsigned d;

		if (*s >= '0' && *s <= '9')
			d = (unsigned)(*s - '0');
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = (unsigned)(*s - 'a' + 10);
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = (unsigned)(*s - 'A' + 10);
		else
			return -EINVAL;
		if (v > (UINT64_MAX - d) / (uint64_t)base)
			return -ERANGE;
		v = v * (uint64_t)base + d;
	}
	*out = v;
	return 0;
}

int cfg_parse_size(const char *s, uint64_t *out)
{
	static const char units[] = "KMGTP";
	char num[32];
	size_t n = 0;
	unsigned shift = 0;
	uint64_t v;
	int rc;

	while (s[n] >= '0' && s[n] <= '9')
		n++;
	if (n == 0 || n >= sizeof(num))
		return n == 0 ? -EINVAL : -ERANGE;
	memcpy(num, s, n);
	num[n] = '\0';
	s += n;
	if (*s == ' ')
		s++;
	if (*s != '\0' && *s != 'B' && *s != 'b') {
		const char *u = strchr(units, *s >= 'a' ? *s - 'a' + 'A' : *s);

		if (!u || *s == '\0')
			return -EINVAL;
		shift = 10u * (unsigned)(u - units + 1);
		s++;
		if (*s == 'i')
			s++;
	}
	if (*s == 'B' || *s == 'b')
		s++;
	if (*s != '\0')
		return -EINVAL;
	rc = cfg_parse_uint(num, &v);
	if (rc < 0)
		return rc;
	if (shift && v > (UINT64_MAX >> shift))
		return -ERANGE;
	*out = v << shift;
	return 0;
}

static void fmt_range(const struct cfg_key *k, char *buf, size_t len)
{
	if (k->ck_max > (UINT64_C(1) << 40) && k->ck_type == CFG_UINT)
		snprintf(buf, len, "%llu..%#llx", (unsigned long long)k->ck_min,
			 (unsigned long long)k->ck_max);
	else
		snprintf(buf, len, "%llu..%llu", (unsigned long long)k->ck_min,
			 (unsigned long long)k->ck_max);
}

/*
 * set_strlist - a CFG_STRLIST value into field[len]: a list of non-empty
 * strings, or one string (a list of one; "" the empty list), each stored
 * with its NUL, then an empty string.  0 or -EINVAL with `why`.
 */
static int set_strlist(char *field, size_t len, const json_t *v, char *why,
		       size_t whylen)
{
	char got[96];
	size_t used = 0, n = json_is_array(v) ? json_array_size(v) : 1;

	if (json_is_string(v) && json_string_value(v)[0] == '\0')
		n = 0;
	if (!json_is_array(v) && !json_is_string(v)) {
		cfg_describe(v, got, sizeof(got));
		snprintf(why, whylen, "expected a list of strings (or one string), got %s", got);
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		const json_t *e = json_is_array(v) ? json_array_get(v, i) : v;
		const char *s = json_string_value(e);

		if (!s || !*s) {
			cfg_describe(e, got, sizeof(got));
			snprintf(why, whylen, "[%zu]: expected a non-empty string, got %s", i, got);
			return -EINVAL;
		}
		if (used + strlen(s) + 2 > len) {
			snprintf(why, whylen, "expected strings of at most %zu bytes in all, each counted with one byte more",
				 len - 1);
			return -EINVAL;
		}
		memcpy(field + used, s, strlen(s) + 1);
		used += strlen(s) + 1;
	}
	field[used] = '\0';
	return 0;
}

int cfg_set_value(struct cfg *c, const struct cfg_key *k, const json_t *v,
		  char *why, size_t whylen)
{
	return cfg_set_field(c, k, v, why, whylen);
}

int cfg_set_field(void *base, const struct cfg_key *k, const json_t *v,
		  char *why, size_t whylen)
{
	char got[96], range[64];
	char *field = (char *)base + k->ck_off;
	uint64_t u = 0;
	int rc = 0;

	cfg_describe(v, got, sizeof(got));
	switch (k->ck_type) {
	case CFG_STRING: {
		const char *s = json_string_value(v);

		if (!json_is_string(v)) {
			snprintf(why, whylen, "expected a string, got %s", got);
			return -EINVAL;
		}
		if (strlen(s) >= k->ck_len) {
			snprintf(why, whylen,
				 "expected a string of at most %zu bytes, got %zu",
				 k->ck_len - 1, strlen(s));
			return -EINVAL;
		}
		memcpy(field, s, strlen(s) + 1);
		return 0;
	}
	case CFG_ENUM: {
		const char *s = json_string_value(v);
		size_t off = 0;

		for (size_t i = 0; s && k->ck_names[i]; i++) {
			if (strcmp(s, k->ck_names[i]) == 0) {
				memcpy(field, &(uint64_t){ i }, sizeof(uint64_t));
				return 0;
			}
		}
		off = (size_t)snprintf(why, whylen, "expected one of");
		for (size_t i = 0; k->ck_names[i] && off < whylen; i++)
			off += (size_t)snprintf(why + off, whylen - off, "%s \"%s\"",
						i ? "," : "", k->ck_names[i]);
		if (off < whylen)
			snprintf(why + off, whylen - off, ", got %s", got);
		return -EINVAL;
	}
	case CFG_UINT:
	case CFG_SIZE:
		fmt_range(k, range, sizeof(range));
		if (json_is_integer(v) && json_integer_value(v) >= 0)
			u = (uint64_t)json_integer_value(v);
		else if (json_is_string(v))
			rc = k->ck_type == CFG_SIZE
				     ? cfg_parse_size(json_string_value(v), &u)
				     : cfg_parse_uint(json_string_value(v), &u);
		else
			rc = json_is_integer(v) ? -ERANGE : -EINVAL;
		if (rc == -EINVAL) {
			snprintf(why, whylen, "expected %s in %s, got %s",
				 k->ck_type == CFG_SIZE
					 ? "a size (bytes, or a string like \"64MiB\")"
					 : "a non-negative integer (or a string like \"0x1000\")",
				 range, got);
			return -EINVAL;
		}
		if (rc < 0 || u < k->ck_min || u > k->ck_max) {
			snprintf(why, whylen, "expected a value in %s, got %s",
				 range, got);
			return -EINVAL;
		}
		memcpy(field, &u, sizeof(u));
		return 0;
	case CFG_REAL: {
		double d;
		char text[40];

		if (!json_is_number(v)) {
			snprintf(why, whylen, "expected a number in [%g, %g], got %s",
				 k->ck_rmin, k->ck_rmax, got);
			return -EINVAL;
		}
		d = json_number_value(v);
		if (!(d >= k->ck_rmin && d <= k->ck_rmax)) {
			snprintf(why, whylen, "expected a number in [%g, %g], got %s",
				 k->ck_rmin, k->ck_rmax, got);
			return -EINVAL;
		}
		/*
		 * Keep 15 significant digits (DBL_DIG): such a value survives
		 * the report's decimal form exactly, so a report's config
		 * reproduces its run bit for bit.
		 */
		snprintf(text, sizeof(text), "%.15g", d);
		d = strtod(text, NULL);
		memcpy(field, &d, sizeof(d));
		return 0;
	}
	case CFG_BOOL: {
		bool b = json_is_true(v);

		if (!json_is_boolean(v)) {
			snprintf(why, whylen, "expected true or false, got %s", got);
			return -EINVAL;
		}
		memcpy(field, &b, sizeof(b));
		return 0;
	}
	case CFG_STRLIST:
		return set_strlist(field, k->ck_len, v, why, whylen);
	}
	return -EINVAL;
}

/* is `path` the dotted prefix of some key, i.e. an object in the schema? */
static bool is_object_path(const char *path)
{
	size_t n = strlen(path);

	if (n == 0)
		return true; /* the root */
	for (size_t i = 0; i < cfg_schema_len(); i++) {
		const char *p = cfg_schema()[i].ck_path;

		if (strncmp(p, path, n) == 0 && p[n] == '.')
			return true;
	}
	return false;
}

size_t cfg_edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), row[128];

	if (lb >= sizeof(row) / sizeof(row[0]))
		return SIZE_MAX;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j], best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
		}
	}
	return row[lb];
}

/* suggest - the closest known key or object path to `path`, or NULL */
static const char *suggest(const char *path, char *buf, size_t len)
{
	size_t best = SIZE_MAX;
	const char *hit = NULL;

	for (size_t i = 0; i < cfg_schema_len(); i++) {
		const char *p = cfg_schema()[i].ck_path;

		/* every prefix of p ending at a dot or the end is a candidate */
		for (size_t n = 1; n <= strlen(p); n++) {
			if (p[n] != '.' && p[n] != '\0')
				continue;
			if (n >= len)
				break;
			memcpy(buf, p, n);
			buf[n] = '\0';
			size_t d = cfg_edit_distance(path, buf);
			if (d < best) {
				best = d;
				hit = p;
				if (d == 0)
					break;
			}
		}
	}
	if (!hit || best > 2 + strlen(path) / 6)
		return NULL;
	for (size_t n = 1; n <= strlen(hit); n++) {
		if (hit[n] != '.' && hit[n] != '\0')
			continue;
		memcpy(buf, hit, n);
		buf[n] = '\0';
		if (cfg_edit_distance(path, buf) == best)
			return buf;
	}
	return NULL;
}

static void unknown_key(struct loader *L, const char *origin, const char *path)
{
	char sug[128];
	const char *s = suggest(path, sug, sizeof(sug));

	if (s)
		cfg_errf(L->err, "%s: %s: unknown key (did you mean %s?)",
			 origin, path, s);
	else
		cfg_errf(L->err, "%s: %s: unknown key", origin, path);
}

/*
 * apply_value - validate and store `v` at dotted `path` (a key, or an
 * object of keys); record `origin` with `rank` for every key stored.
 */
static int apply_value(struct loader *L, const char *path, const json_t *v,
		       const char *origin, unsigned rank)
{
	const struct cfg_key *k = cfg_key_find(path);
	char why[512];

	if (strcmp(path, "events") == 0) {
		L->ev_origin = origin;
		return cfg_events_load(L->c, v, origin, L->err);
	}
	if (strcmp(path, "processes") == 0) {
		L->proc_origin = origin;
		return cfg_procs_load(L->c, v, origin, rank == 2, L->err);
	}
	if (k) {
		size_t idx = (size_t)(k - cfg_schema());

		if (cfg_set_value(L->c, k, v, why, sizeof(why)) < 0) {
			cfg_errf(L->err, "%s: %s: %s", origin, path, why);
			return -EINVAL;
		}
		L->origin[idx] = origin;
		L->rank[idx] = rank;
		return 0;
	}
	if (!is_object_path(path)) {
		unknown_key(L, origin, path);
		return -EINVAL;
	}
	if (!json_is_object(v)) {
		cfg_describe(v, why, sizeof(why));
		cfg_errf(L->err, "%s: %s: expected an object, got %s", origin,
			 path, why);
		return -EINVAL;
	}
	const char *name;
	json_t *sub;
	json_object_foreach((json_t *)v, name, sub) {
		char child[256];
		int rc;

		if ((size_t)snprintf(child, sizeof(child), "%s%s%s", path,
				     *path ? "." : "", name) >= sizeof(child)) {
			cfg_errf(L->err, "%s: %s.%.40s...: key too long", origin,
				 path, name);
			return -EINVAL;
		}
		rc = apply_value(L, child, sub, origin, rank);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static void defaults(struct loader *L)
{
	for (size_t i = 0; i < cfg_schema_len(); i++) {
		const struct cfg_key *k = &cfg_schema()[i];
		json_t *v = json_loads(k->ck_default, JSON_DECODE_ANY, NULL);
		char why[256];
		int rc;

		ES_ASSERT(v != NULL, "key %s default %s", k->ck_path,
			  k->ck_default);
		rc = cfg_set_value(L->c, k, v, why, sizeof(why));
		ES_ASSERT(rc == 0, "key %s default %s: %s", k->ck_path,
			  k->ck_default, why);
		json_decref(v);
		L->origin[i] = "defaults";
		L->rank[i] = 0;
	}
}

int cfg_load_json_file(const char *path, json_t **out,
			  struct eptsim_error *err)
{
	json_error_t jerr;
	FILE *f = fopen(path, "r");
	json_t *root;

	if (!f) {
		int e = errno;

		cfg_errf(err, "%s: cannot open: %s", path, strerror(e));
		return e == ENOENT ? -ENOENT : -EIO;
	}
	root = json_loadf(f, JSON_REJECT_DUPLICATES, &jerr);
	fclose(f);
	if (!root) {
		cfg_errf(err, "%s:%d:%d: invalid JSON: %s", path, jerr.line,
			 jerr.column, jerr.text);
		return -EINVAL;
	}
	if (!json_is_object(root)) {
		char got[64];

		cfg_describe(root, got, sizeof(got));
		cfg_errf(err, "%s: expected a JSON object at the top level, got %s",
			 path, got);
		json_decref(root);
		return -EINVAL;
	}
	*out = root;
	return 0;
}

/* parse_set - split "a.b=value"; the value is JSON if it parses, else a string */
static int parse_set(const char *set, char *key, size_t keylen, json_t **val,
		     struct eptsim_error *err)
{
	const char *eq = strchr(set, '=');

	if (!eq || eq == set || (size_t)(eq - set) >= keylen) {
		cfg_errf(err, "--set %s: expected dotted.key=value", set);
		return -EINVAL;
	}
	memcpy(key, set, (size_t)(eq - set));
	key[eq - set] = '\0';
	*val = json_loads(eq + 1, JSON_DECODE_ANY, NULL);
	if (!*val)
		*val = json_string(eq + 1);
	if (!*val) {
		cfg_errf(err, "--set %s: the value is not valid UTF-8", set);
		return -EINVAL;
	}
	return 0;
}

static bool preset_name_ok(const char *s)
{
	if (*s == '\0' || *s == '.')
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' ||
		      *s == '.'))
			return false;
	return true;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* list_presets - ")" or "; available: a, b)": the presets in `dirs`, sorted */
static void list_presets(const char *const *dirs, size_t ndirs, char *buf,
			 size_t len)
{
	char *names[64];
	size_t n = 0, off = 0;

	for (size_t i = 0; i < ndirs; i++) {
		DIR *d = opendir(dirs[i]);
		struct dirent *de;

		while (d && (de = readdir(d)) != NULL && n < 64) {
			size_t l = strlen(de->d_name);

			if (l > 5 && strcmp(de->d_name + l - 5, ".json") == 0 &&
			    (names[n] = strndup(de->d_name, l - 5)) != NULL)
				n++;
		}
		if (d)
			closedir(d);
	}
	qsort(names, n, sizeof(names[0]), cmp_str);
	for (size_t i = 0; i < n; i++)
		if (off < len && (i == 0 || strcmp(names[i], names[i - 1]) != 0))
			off += (size_t)snprintf(buf + off, len - off, "%s%s",
						off ? ", " : "; available: ",
						names[i]);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	if (off < len)
		snprintf(buf + off, len - off, ")");
}

/*
 * apply_preset - find NAME.json in the search directories and apply it
 * under "machine".  A preset may not name another preset.
 */
static int apply_preset(struct loader *L, const char *name,
			const char *const *dirs, size_t ndirs, char *path_out,
			size_t path_len)
{
	size_t idx = (size_t)(cfg_key_find("machine.preset") - cfg_schema());
	const char *origin = L->origin[idx];
	json_t *root = NULL;
	int rc;

	if (!preset_name_ok(name)) {
		cfg_errf(L->err,
			 "%s: machine.preset: expected a preset name (letters, digits, '-', '_', '.'), got \"%s\"",
			 origin, name);
		return -EINVAL;
	}
	for (size_t i = 0; i < ndirs; i++) {
		FILE *f;

		snprintf(path_out, path_len, "%s/%s.json", dirs[i], name);
		f = fopen(path_out, "r");
		if (f) {
			fclose(f);
			rc = cfg_load_json_file(path_out, &root, L->err);
			if (rc < 0)
				return rc;
			break;
		}
	}
	if (!root) {
		size_t off = (size_t)snprintf(
			L->err->msg, sizeof(L->err->msg),
			"%s: machine.preset: unknown machine preset \"%s\" (no %s.json in",
			origin, name, name);
		for (size_t i = 0; i < ndirs && off < sizeof(L->err->msg); i++)
			off += (size_t)snprintf(L->err->msg + off,
						sizeof(L->err->msg) - off,
						"%s %s", i ? "," : "", dirs[i]);
		list_presets(dirs, ndirs, L->err->msg + off,
			     off < sizeof(L->err->msg) ? sizeof(L->err->msg) - off : 0);
		return -EINVAL;
	}
	if (json_object_get(root, "preset")) {
		cfg_errf(L->err,
			 "%s: machine.preset: a preset cannot name another preset",
			 path_out);
		json_decref(root);
		return -EINVAL;
	}
	rc = apply_value(L, "machine", root, path_out, 1);
	json_decref(root);
	return rc;
}

/* origin_of - where the value of `path` came from, and its layer rank */
static const char *origin_of(const struct loader *L, const char *path,
			     unsigned *rank)
{
	const struct cfg_key *k = cfg_key_find(path);
	size_t idx;

	ES_ASSERT(k != NULL, "path %s", path);
	idx = (size_t)(k - cfg_schema());
	if (rank)
		*rank = L->rank[idx];
	return L->origin[idx];
}

/* blame - the origin of whichever of two keys was set by the later layer */
static const char *blame(const struct loader *L, const char *a, const char *b)
{
	unsigned ra, rb;
	const char *oa = origin_of(L, a, &ra), *ob = origin_of(L, b, &rb);

	return rb > ra ? ob : oa;
}

/*
 * check_geom - the set-associative array at dotted `path` (a TLB or a walk
 * cache): a valid geometry, or switched off (0 entries) where `may_be_off`.
 */
static int check_geom(struct loader *L, const char *path, uint64_t entries,
		      uint64_t ways, bool may_be_off)
{
	struct tlb_geom g = { (uint32_t)entries, (uint32_t)ways };
	char ke[64], kw[64];

	if ((may_be_off && entries == 0) || tlb_geom_check(&g) == 0)
		return 0;
	snprintf(ke, sizeof(ke), "%s.entries", path);
	snprintf(kw, sizeof(kw), "%s.ways", path);
	cfg_errf(L->err,
		 "%s: %s: entries (%llu) / ways (%llu) must be a whole power of two (the number of sets)",
		 blame(L, ke, kw), path, (unsigned long long)entries,
		 (unsigned long long)ways);
	return -EINVAL;
}

/*
 * check_tlb - one TLB level at dotted `path`: each page size's array off
 * or valid, the 4 KiB array present, share_2m only without a 2 MiB array.
 */
static int check_tlb(struct loader *L, const char *path, const struct cfg_tlb *t)
{
	char k[64], k2[64];

	if (t->size[TLB_4K].entries == 0) {
		snprintf(k, sizeof(k), "%s.4k.entries", path);
		cfg_errf(L->err, "%s: %s: every TLB level needs its 4 KiB array: expected at least 1, got 0",
			 origin_of(L, k, NULL), k);
		return -EINVAL;
	}
	for (unsigned p = 0; p < TLB_NPSIZE; p++) {
		int rc;

		snprintf(k, sizeof(k), "%s.%s", path, cfg_psize_names[p]);
		rc = check_geom(L, k, t->size[p].entries, t->size[p].ways,
				p != TLB_4K);
		if (rc < 0)
			return rc;
	}
	if (t->share_2m && t->size[TLB_2M].entries != 0) {
		snprintf(k, sizeof(k), "%s.share_2m", path);
		snprintf(k2, sizeof(k2), "%s.2m.entries", path);
		cfg_errf(L->err,
			 "%s: %s: 2 MiB pages share the 4 KiB array, so %s must be 0, got %llu",
			 blame(L, k, k2), k, k2,
			 (unsigned long long)t->size[TLB_2M].entries);
		return -EINVAL;
	}
	return 0;
}

/* the EPT table pages that can map `bytes` of guest memory with 4 KiB pages, 4 levels */
/* check_pressure_only - programs and traces make their own changes: only "pressure" events */
static int check_pressure_only(struct loader *L)
{
	const struct cfg *c = L->c;

	for (size_t i = 0; i < c->nevents; i++) {
		if (c->events[i].ce_do != CFG_EV_PRESSURE) {
			cfg_errf(L->err, "%s: events: \"%s\" acts on the synthetic source's footprint; with source.kind \"%s\" only \"pressure\" events happen (the programs and traces make their own changes to memory)",
				 L->ev_origin, cfg_event_names[c->events[i].ce_do],
				 c->source.kind == CFG_SOURCE_PROGRAM ? "program" : "trace");
			return -EINVAL;
		}
	}
	return 0;
}

/*
 * check_programs - a program source: processes to run, each on a vCPU
 * that exists; events only of kinds that need no synthetic footprint.
 */
static int check_programs(struct loader *L)
{
	const struct cfg *c = L->c;

	if (c->nprocs == 0) {
		cfg_errf(L->err, "%s: source.kind: \"program\" needs a \"processes\" list naming the programs to run",
			 origin_of(L, "source.kind", NULL));
		return -EINVAL;
	}
	for (size_t i = 0; i < c->nprocs; i++) {
		if (cfg_proc_cpu(c, i) >= c->cpus) {
			cfg_errf(L->err, "%s: processes[%zu].cpu: vCPU %llu does not exist (cpus is %llu)",
				 L->proc_origin, i, (unsigned long long)c->procs[i].cp_cpu,
				 (unsigned long long)c->cpus);
			return -EINVAL;
		}
	}
	return check_pressure_only(L);
}

/*
 * check_trace - a trace source: a file to replay; events only of kinds
 * that need no synthetic footprint.  A relative source.trace given by
 * the workload file is taken from the file's directory.
 */
static int check_trace(struct loader *L)
{
	struct cfg *c = L->c;
	const char *o = origin_of(L, "source.trace", NULL);
	unsigned rank;

	origin_of(L, "source.trace", &rank);
	if (c->source.trace[0] == '\0') {
		cfg_errf(L->err, "%s: source.kind: \"trace\" needs source.trace, the trace file to replay",
			 origin_of(L, "source.kind", NULL));
		return -EINVAL;
	}
	if (rank == 2 && o && c->source.trace[0] != '/' && strcmp(c->source.trace, "-") != 0) {
		const char *slash = strrchr(o, '/');
		char path[CFG_PATH_MAX];
		int n;

		if (slash) {
			n = snprintf(path, sizeof(path), "%.*s/%s", (int)(slash - o), o,
				     c->source.trace);
			if (n < 0 || n >= (int)sizeof(path)) {
				cfg_errf(L->err, "%s: source.trace: the path is longer than %d bytes",
					 o, CFG_PATH_MAX - 1);
				return -EINVAL;
			}
			memcpy(c->source.trace, path, (size_t)n + 1);
		}
	}
	return check_pressure_only(L);
}

/* check_vm - the VM keys against the machine and memory, and the events against the mode */
static int check_vm(struct loader *L)
{
	const struct cfg *c = L->c;
	const uint64_t page = UINT64_C(1) << tlb_psize_shift((enum tlb_psize)c->vm.ept_page);

	for (size_t i = 0; i < c->nevents; i++) {
		if (c->source.kind == CFG_SOURCE_SYNTHETIC &&
		    c->events[i].ce_at >= c->source.accesses) {
			cfg_errf(L->err, "%s: events: an event at %llu would never happen: the source makes %llu accesses (events happen before access \"at\")",
				 L->ev_origin,
				 (unsigned long long)c->events[i].ce_at,
				 (unsigned long long)c->source.accesses);
			return -EINVAL;
		}
		if (c->events[i].ce_do == CFG_EV_PRESSURE &&
		    c->events[i].ce_kernel == CFG_K_GUEST && !c->vm.enabled) {
			cfg_errf(L->err, "%s: events: a pressure event at %llu names the guest kernel, but vm.enabled is false (natively the only kernel is \"host\")",
				 L->ev_origin,
				 (unsigned long long)c->events[i].ce_at);
			return -EINVAL;
		}
	}
	if (!c->vm.enabled)
		return 0;
	if (c->vm.ept_page == TLB_1G) {
		cfg_errf(L->err, "%s: vm.ept_page: \"1g\" is not supported yet: the host kernel model maps guest memory with 4 KiB and 2 MiB pages",
			 origin_of(L, "vm.ept_page", NULL));
		return -EINVAL;
	}
	if (c->vm.ept_page == TLB_2M && !c->machine.caps.ept_2m) {
		cfg_errf(L->err, "%s: vm.ept_page: \"2m\" EPT pages are not supported by the machine (machine.caps.ept_2m is false)",
			 blame(L, "vm.ept_page", "machine.caps.ept_2m"));
		return -EINVAL;
	}
	if (c->vm.memory % page != 0) {
		cfg_errf(L->err, "%s: vm.memory: expected a multiple of the EPT page size (%s), got %llu",
			 blame(L, "vm.memory", "vm.ept_page"), cfg_psize_names[c->vm.ept_page],
			 (unsigned long long)c->vm.memory);
		return -EINVAL;
	}
	/* DragonFly and Akaros have no A/D emulation: they need the hardware's */
	if ((c->vm.policy == HOST_DRAGONFLY || c->vm.policy == HOST_AKAROS) &&
	    !(c->vm.ept_ad && c->machine.caps.ept_ad)) {
		cfg_errf(L->err, "%s: vm.policy: \"%s\" needs EPT A/D flags (machine.caps.ept_ad and vm.ept_ad): the design has no A/D emulation; use bhyve or nvmm on this machine",
			 blame(L, "vm.policy", c->machine.caps.ept_ad ? "vm.ept_ad" : "machine.caps.ept_ad"),
			 cfg_vm_policy_name(c->vm.policy));
		return -EINVAL;
	}
	if (c->vm.memory >= c->memory) {
		cfg_errf(L->err, "%s: vm.memory: %llu bytes of guest memory leave nothing of memory (%llu bytes) to the host; the host may overcommit with swap, but needs room for its own tables",
			 blame(L, "vm.memory", "memory"), (unsigned long long)c->vm.memory,
			 (unsigned long long)c->memory);
		return -EINVAL;
	}
	return 0;
}

/* check_cache - the walk cache at dotted `path`: off, or a valid geometry */
static int check_cache(struct loader *L, const char *path,
		       const struct cfg_cache *wc)
{
	return check_geom(L, path, wc->entries, wc->ways, true);
}

/* the walk caches, as their keys are spelled, in schema order */
static int check_walk_caches(struct loader *L)
{
	const struct cfg *c = L->c;
	const struct {
		const char *path;
		const struct cfg_cache *wc;
	} wcs[] = {
		{ "machine.walk_cache.pml5", &c->machine.walk_cache.guest.pml5 },
		{ "machine.walk_cache.pml4", &c->machine.walk_cache.guest.pml4 },
		{ "machine.walk_cache.pdpt", &c->machine.walk_cache.guest.pdpt },
		{ "machine.walk_cache.pd", &c->machine.walk_cache.guest.pd },
		{ "machine.walk_cache.ept.pml5", &c->machine.walk_cache.ept.pml5 },
		{ "machine.walk_cache.ept.pml4", &c->machine.walk_cache.ept.pml4 },
		{ "machine.walk_cache.ept.pdpt", &c->machine.walk_cache.ept.pdpt },
		{ "machine.walk_cache.ept.pd", &c->machine.walk_cache.ept.pd },
		{ "machine.walk_cache.nested_tlb", &c->machine.walk_cache.nested_tlb },
	};

	for (size_t i = 0; i < sizeof(wcs) / sizeof(wcs[0]); i++) {
		int rc = check_cache(L, wcs[i].path, wcs[i].wc);

		if (rc < 0)
			return rc;
	}
	return 0;
}

/*
 * cross-key rules: what no single key can check.  (machine.caps.ept_5level
 * without machine.caps.la57 is fine: the EPT depth and the guest's paging
 * depth are independent.)
 */
static int check(struct loader *L)
{
	struct cfg *c = L->c;
	struct synth_params sp;
	const char *why = NULL;
	int rc;

	rc = check_tlb(L, "machine.tlb.l1d", &c->machine.tlb.l1d);
	if (rc == 0)
		rc = check_tlb(L, "machine.tlb.l1i", &c->machine.tlb.l1i);
	if (rc == 0)
		rc = check_tlb(L, "machine.tlb.stlb", &c->machine.tlb.stlb);
	if (rc == 0)
		rc = check_walk_caches(L);
	if (rc == 0)
		rc = check_cache(L, "machine.pt_cache", &c->machine.pt_cache);
	if (rc == 0)
		rc = check_vm(L);
	if (rc < 0)
		return rc;
	if (c->machine.maxphyaddr < 64 &&
	    c->memory > (UINT64_C(1) << c->machine.maxphyaddr)) {
		cfg_errf(L->err,
			 "%s: memory: %llu bytes do not fit in machine.maxphyaddr (%llu bits)",
			 blame(L, "memory", "machine.maxphyaddr"),
			 (unsigned long long)c->memory,
			 (unsigned long long)c->machine.maxphyaddr);
		return -EINVAL;
	}
	if ((c->memory & PAGE_MASK) != 0) {
		cfg_errf(L->err, "%s: memory: expected a multiple of 4096, got %llu",
			 origin_of(L, "memory", NULL),
			 (unsigned long long)c->memory);
		return -EINVAL;
	}
	if (c->record[0] && c->source.kind != CFG_SOURCE_PROGRAM) {
		cfg_errf(L->err, "%s: record: only an instruction-level run (source.kind \"program\") is recorded; convert a lackey or ChampSim trace with eptsim trace convert",
			 origin_of(L, "record", NULL));
		return -EINVAL;
	}
	if (c->expect[0] || c->expect_tolerance[0]) {
		unsigned rank;
		const char *o = origin_of(L, "expect", &rank);

		rc = cfg_expect_check(c, o, rank == 2,
				      origin_of(L, "expect_tolerance", NULL), L->err);
		if (rc < 0)
			return rc;
	}
	if (c->source.kind == CFG_SOURCE_PROGRAM)
		return check_programs(L);
	if (c->nprocs > 0) {
		cfg_errf(L->err, "%s: processes: programs run only with source.kind \"program\", which is \"%s\"",
			 L->proc_origin,
			 c->source.kind == CFG_SOURCE_TRACE ? "trace" : "synthetic");
		return -EINVAL;
	}
	if (c->source.kind == CFG_SOURCE_TRACE)
		return check_trace(L);
	if (c->report.sample_every &&
	    c->source.accesses / c->report.sample_every > CFG_MAX_SAMPLES) {
		cfg_errf(L->err,
			 "%s: report.sample_every: %llu accesses every %llu would take %llu samples; at most %llu are kept (raise report.sample_every)",
			 blame(L, "report.sample_every", "source.accesses"),
			 (unsigned long long)c->source.accesses,
			 (unsigned long long)c->report.sample_every,
			 (unsigned long long)(c->source.accesses / c->report.sample_every),
			 (unsigned long long)CFG_MAX_SAMPLES);
		return -EINVAL;
	}
	cfg_synth_params(c, &sp);
	if (synth_params_check(&sp, &why) < 0) {
		/* blame whichever key the reason names was set last */
		const char *o = origin_of(L, "source.kind", NULL);
		unsigned best = 0;

		for (const char *p = strstr(why, "source."); p;
		     p = strstr(p + 1, "source.")) {
			char key[64];
			size_t n = strspn(p, "abcdefghijklmnopqrstuvwxyz_.");
			unsigned r;

			while (n > 0 && p[n - 1] == '.')
				n--;
			if (n >= sizeof(key))
				continue;
			memcpy(key, p, n);
			key[n] = '\0';
			if (cfg_key_find(key) && origin_of(L, key, &r) &&
			    r >= best) {
				best = r;
				o = origin_of(L, key, NULL);
			}
		}
		cfg_errf(L->err, "%s: %s", o, why);
		return -EINVAL;
	}
	return 0;
}

void cfg_synth_params(const struct cfg *c, struct synth_params *sp)
{
	memset(sp, 0, sizeof(*sp));
	sp->pattern = (enum synth_pattern)c->source.pattern;
	sp->base = c->source.base;
	sp->footprint = c->source.footprint;
	sp->accesses = c->source.accesses;
	sp->stride = c->source.stride;
	sp->access_size = (uint32_t)c->source.access_size;
	sp->write_fraction = c->source.write_fraction;
	sp->zipf_s = c->source.zipf_s;
	sp->seed = c->seed;
}

void cfg_mmu_caps(const struct cfg *c, struct mmu_caps *caps)
{
	memset(caps, 0, sizeof(*caps));
	caps->maxphyaddr = (unsigned)c->machine.maxphyaddr;
	caps->page1g = c->machine.caps.page1g;
	caps->la57 = c->machine.caps.la57;
	caps->ept_xonly = c->machine.caps.ept_execute_only;
	caps->ept_5level = c->machine.caps.ept_5level;
	caps->ept_2m = c->machine.caps.ept_2m;
	caps->ept_1g = c->machine.caps.ept_1g;
	caps->ept_ad = c->machine.caps.ept_ad;
	caps->ept_mbec = c->machine.caps.ept_mode_based_exec;
}

/* a walk cache's geometry; {0, 0} when it is switched off */
static struct tlb_geom cache_geom(const struct cfg_cache *wc)
{
	if (wc->entries == 0)
		return (struct tlb_geom){ 0, 0 };
	return (struct tlb_geom){ (uint32_t)wc->entries, (uint32_t)wc->ways };
}

/* psc_geom - one dimension's paging-structure caches, indexed by level */
static void psc_geom(const struct cfg_psc *p, struct tlb_geom *lv)
{
	lv[5] = cache_geom(&p->pml5);
	lv[4] = cache_geom(&p->pml4);
	lv[3] = cache_geom(&p->pdpt);
	lv[2] = cache_geom(&p->pd);
}

void cfg_pwc_geom(const struct cfg *c, struct mmu_pwc_geom *g)
{
	memset(g, 0, sizeof(*g));
	psc_geom(&c->machine.walk_cache.guest, g->psc);
	psc_geom(&c->machine.walk_cache.ept, g->epsc);
	g->ntlb = cache_geom(&c->machine.walk_cache.nested_tlb);
}

static void tlb_level_config(const struct cfg_tlb *t, struct tlb_level_geom *g)
{
	for (unsigned p = 0; p < TLB_NPSIZE; p++)
		g->size[p] = cache_geom(&t->size[p]);
	g->share_2m = t->share_2m;
}

void cfg_vcpu_config(const struct cfg *c, struct vcpu_config *v)
{
	memset(v, 0, sizeof(*v));
	tlb_level_config(&c->machine.tlb.l1d, &v->vcc_tlb.l1[TLB_DATA]);
	tlb_level_config(&c->machine.tlb.l1i, &v->vcc_tlb.l1[TLB_INSN]);
	tlb_level_config(&c->machine.tlb.stlb, &v->vcc_tlb.stlb);
	v->vcc_tlb.policy = (enum tlb_policy)c->machine.tlb.replacement;
	v->vcc_tlb.seed = c->seed;
	cfg_pwc_geom(c, &v->vcc_pwc);
	v->vcc_ptc = cache_geom(&c->machine.pt_cache);
	cfg_mmu_caps(c, &v->vcc_caps);
	v->vcc_vmx = (struct vmx_caps){
		.vpid = c->machine.caps.vpid,
		.invept_single = c->machine.caps.invept_single_context,
		.invept_all = c->machine.caps.invept_all_context,
		.invvpid_addr = c->machine.caps.invvpid_individual_address,
		.invvpid_single = c->machine.caps.invvpid_single_context,
		.invvpid_all = c->machine.caps.invvpid_all_context,
		.invvpid_single_g = c->machine.caps.invvpid_single_context_retaining_globals,
		.pcid = c->machine.caps.pcid,
		.invpcid = c->machine.caps.invpcid,
		.posted = c->machine.caps.posted_interrupts,
	};
	v->vcc_costs = (struct vmx_costs){
		.vm_exit = c->machine.cycles.vm_exit,
		.vm_entry = c->machine.cycles.vm_entry,
		.invept = c->machine.cycles.invept,
		.invvpid = c->machine.cycles.invvpid,
		.invlpg = c->machine.cycles.invlpg,
		.invpcid = c->machine.cycles.invpcid,
		.mov_cr3 = c->machine.cycles.mov_cr3,
		.ipi = c->machine.cycles.ipi,
	};
}

/* default_name - the workload file's name without directory and ".json" */
static void default_name(struct cfg *c, const char *path)
{
	const char *base = path ? strrchr(path, '/') : NULL;
	size_t n;

	base = base ? base + 1 : (path ? path : "workload");
	n = strlen(base);
	if (n > 5 && strcmp(base + n - 5, ".json") == 0)
		n -= 5;
	if (n >= sizeof(c->name))
		n = sizeof(c->name) - 1;
	memcpy(c->name, base, n);
	c->name[n] = '\0';
}

int cfg_load_json(struct cfg *c, const json_t *root, const char *origin,
		  const char *const *sets, size_t nsets,
		  const char *const *dirs, struct eptsim_error *err)
{
	struct loader L = { .c = c, .err = err };
	json_t **setv = NULL;
	char (*setk)[128] = NULL;
	char **setorig = NULL;
	const char **alldirs = NULL;
	size_t ndirs = 0;
	char *wdir = NULL;
	char preset[CFG_NAME_MAX], preset_path[4096];
	size_t pidx = (size_t)(cfg_key_find("machine.preset") - cfg_schema());
	const char *preset_origin;
	unsigned preset_rank;
	int rc = 0;

	ES_ASSERT(cfg_schema_len() <= CFG_MAX_KEYS, "%zu keys", cfg_schema_len());
	ES_ASSERT(!root || origin, "a workload object needs an origin");
	memset(c, 0, sizeof(*c));
	if (!root)
		origin = NULL; /* as cfg_load(NULL): no file, no machines/ beside it */
	if (root && !json_is_object(root)) {
		char got[64];

		cfg_describe(root, got, sizeof(got));
		cfg_errf(err, "%s: expected a JSON object at the top level, got %s",
			 origin, got);
		return -EINVAL;
	}
	setv = calloc(nsets + 1, sizeof(*setv));
	setk = calloc(nsets + 1, sizeof(*setk));
	setorig = calloc(nsets + 1, sizeof(*setorig));
	if (!setv || !setk || !setorig) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < nsets; i++) {
		rc = parse_set(sets[i], setk[i], sizeof(setk[i]), &setv[i], err);
		if (rc < 0)
			goto out;
		setorig[i] = malloc(strlen(sets[i]) + 8);
		if (!setorig[i]) {
			rc = -ENOMEM;
			goto out;
		}
		sprintf(setorig[i], "--set %s", sets[i]);
	}

	/* pass 1: validate the workload and the sets; learn the preset */
	defaults(&L);
	if (root && (rc = apply_value(&L, "", root, origin, 2)) < 0)
		goto out;
	for (size_t i = 0; i < nsets; i++)
		if ((rc = apply_value(&L, setk[i], setv[i], setorig[i],
				      3 + (unsigned)i)) < 0)
			goto out;
	memcpy(preset, c->machine.preset, sizeof(preset));
	preset_origin = L.origin[pidx];
	preset_rank = L.rank[pidx];

	/* pass 2: defaults < preset < workload < sets */
	defaults(&L);
	if (preset[0]) {
		for (; dirs && dirs[ndirs]; ndirs++)
			;
		alldirs = calloc(ndirs + 1, sizeof(*alldirs));
		if (!alldirs) {
			rc = -ENOMEM;
			goto out;
		}
		/* the workload's own machines/ first, then the given dirs */
		if (origin) {
			const char *slash = strrchr(origin, '/');
			size_t n = slash ? (size_t)(slash - origin) : 1;

			wdir = malloc(n + sizeof("/machines"));
			if (!wdir) {
				rc = -ENOMEM;
				goto out;
			}
			memcpy(wdir, slash ? origin : ".", n);
			strcpy(wdir + n, "/machines");
			alldirs[0] = wdir;
		}
		for (size_t i = 0; i < ndirs; i++)
			alldirs[(wdir ? 1 : 0) + i] = dirs[i];
		L.origin[pidx] = preset_origin;
		L.rank[pidx] = preset_rank;
		rc = apply_preset(&L, preset, alldirs, ndirs + (wdir ? 1 : 0),
				  preset_path, sizeof(preset_path));
		if (rc < 0)
			goto out;
	}
	if (root && (rc = apply_value(&L, "", root, origin, 2)) < 0)
		goto out;
	for (size_t i = 0; i < nsets; i++)
		if ((rc = apply_value(&L, setk[i], setv[i], setorig[i],
				      3 + (unsigned)i)) < 0)
			goto out;
	if (c->name[0] == '\0')
		default_name(c, origin);
	if (c->machine.name[0] == '\0')
		snprintf(c->machine.name, sizeof(c->machine.name), "%s",
			 preset[0] ? preset : "built-in");
	rc = check(&L);
out:
	for (size_t i = 0; setv && i < nsets; i++)
		json_decref(setv[i]);
	for (size_t i = 0; setorig && i < nsets; i++)
		free(setorig[i]);
	free(setv);
	free(setk);
	free(setorig);
	free(alldirs);
	free(wdir);
	return rc;
}

int cfg_load(struct cfg *c, const char *path, const char *const *sets,
	     size_t nsets, const char *const *dirs, struct eptsim_error *err)
{
	json_t *root = NULL;
	int rc;

	if (path) {
		memset(c, 0, sizeof(*c));
		rc = cfg_load_json_file(path, &root, err);
		if (rc < 0)
			return rc;
	}
	rc = cfg_load_json(c, root, path, sets, nsets, dirs, err);
	json_decref(root);
	return rc;
}

int cfg_json_put(json_t *root, const char *path, json_t *v)
{
	char seg[64];
	const char *dot;
	json_t *obj = root;

	while ((dot = strchr(path, '.')) != NULL) {
		size_t n = (size_t)(dot - path);
		json_t *next;

		ES_ASSERT(n < sizeof(seg), "path %s", path);
		memcpy(seg, path, n);
		seg[n] = '\0';
		next = json_object_get(obj, seg);
		if (!next) {
			next = json_object();
			if (!next || json_object_set_new(obj, seg, next) < 0)
				goto fail;
		}
		obj = next;
		path = dot + 1;
	}
	if (!v || json_object_set_new(obj, path, v) < 0)
		return -ENOMEM;
	return 0;
fail:
	json_decref(v);
	return -ENOMEM;
}

json_t *cfg_to_json(const struct cfg *c)
{
	json_t *root = json_object();

	for (size_t i = 0; root && i < cfg_schema_len(); i++) {
		const struct cfg_key *k = &cfg_schema()[i];
		const char *field = (const char *)c + k->ck_off;
		uint64_t u;
		double d;
		bool b;
		json_t *v = NULL;

		if (k->ck_flags & CFG_F_DIRECTIVE)
			continue;
		switch (k->ck_type) {
		case CFG_STRING:
			v = json_string(field);
			break;
		case CFG_ENUM:
			memcpy(&u, field, sizeof(u));
			v = json_string(k->ck_names[u]);
			break;
		case CFG_REAL:
			memcpy(&d, field, sizeof(d));
			v = json_real(d);
			break;
		case CFG_BOOL:
			memcpy(&b, field, sizeof(b));
			v = json_boolean(b);
			break;
		case CFG_UINT:
		case CFG_SIZE:
			memcpy(&u, field, sizeof(u));
			v = json_integer((json_int_t)u);
			break;
		case CFG_STRLIST:
			v = json_array();
			for (const char *p = field; v && *p; p += strlen(p) + 1)
				if (json_array_append_new(v, json_string(p)) < 0) {
					json_decref(v);
					v = NULL;
				}
			break;
		}
		if (cfg_json_put(root, k->ck_path, v) < 0) {
			json_decref(root);
			return NULL;
		}
	}
	if (root && c->nevents > 0 &&
	    cfg_json_put(root, "events", cfg_events_json(c)) < 0) {
		json_decref(root);
		return NULL;
	}
	if (root && c->nprocs > 0 &&
	    cfg_json_put(root, "processes", cfg_procs_json(c)) < 0) {
		json_decref(root);
		return NULL;
	}
	return root;
}
