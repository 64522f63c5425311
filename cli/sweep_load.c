/*
 * sweep_load.c - the sweep file (docs/sweep.md) and its points.
 *
 * A sweep file is read whole and checked before anything else: its keys,
 * the shape of its lists, the number of points.  Then every point's
 * configuration is loaded exactly as its worker will load it (the base
 * workload, the file's "set", the point's values), so that a bad key or
 * value stops the sweep with the point named before any point has run,
 * instead of failing in point 731 an hour in.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/cli.h"
#include "cli/sweep.h"
#include "eptsim.h"

static const char *const default_metrics[] = { "cycles.total", "cycles.total/accesses" };

/* sweep_err - "eptsim sweep: FILE: <message>" on stderr */
static void sweep_err(const struct sweep *sw, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void sweep_err(const struct sweep *sw, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "eptsim sweep: %s: ", sw->sw_file);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* kind - what `v` is, for "expected ..., got <kind>" */
static const char *kind(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return json_array_size(v) ? "a list" : "an empty list";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a number";
	case JSON_TRUE: case JSON_FALSE: return "a boolean";
	default: return "null";
	}
}

char *sweep_text(const json_t *v)
{
	return json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT | SWEEP_REAL);
}

/* default_name - the file's base name without ".json" (malloc'd) */
static char *default_name(const char *file)
{
	const char *base = strrchr(file, '/');
	size_t n;
	char *s;

	base = base ? base + 1 : file;
	n = strlen(base);
	if (n > 5 && strcmp(base + n - 5, ".json") == 0)
		n -= 5;
	s = malloc(n + 1);
	if (s) {
		memcpy(s, base, n);
		s[n] = '\0';
	}
	return s;
}

/* workload_path - `w` taken from the directory of `file` (malloc'd) */
static char *workload_path(const char *file, const char *w)
{
	const char *slash = strrchr(file, '/');
	size_t d = slash ? (size_t)(slash - file) + 1 : 0;
	char *p;

	if (w[0] == '/' || d == 0)
		return strdup(w);
	p = malloc(d + strlen(w) + 1);
	if (p) {
		memcpy(p, file, d);
		strcpy(p + d, w);
	}
	return p;
}

/* has_key - `key` is one of the axes' keys already */
static int has_key(const struct sweep *sw, const char *key)
{
	size_t i;
	json_t *k;

	json_array_foreach(sw->sw_keys, i, k)
		if (strcmp(json_string_value(k), key) == 0)
			return 1;
	return 0;
}

/*
 * take_axes - the grid's or the zip's {key: [values]} into sw_keys and
 * sw_lists.  Values are scalars (a list or an object as a value would be
 * ambiguous with a list of values); a key appears once in the whole file.
 * For the zip, *len is the common length.  0, -EINVAL (message printed)
 * or -ENOMEM.
 */
static int take_axes(struct sweep *sw, const char *what, json_t *obj, size_t *len)
{
	const char *key;
	json_t *list;

	if (!json_is_object(obj)) {
		sweep_err(sw, "%s: expected an object {KEY: [VALUE, ...]}, got %s", what,
			  kind(obj));
		return -EINVAL;
	}
	json_object_foreach(obj, key, list) {
		size_t i, n;
		json_t *v;

		if (!*key) {
			sweep_err(sw, "%s: an empty key", what);
			return -EINVAL;
		}
		if (json_object_get(sw->sw_set, key) || has_key(sw, key)) {
			sweep_err(sw, "%s.%s: the key is given twice in the sweep file", what, key);
			return -EINVAL;
		}
		if (!json_is_array(list) || json_array_size(list) == 0) {
			sweep_err(sw, "%s.%s: expected a non-empty list of values, got %s",
				  what, key, kind(list));
			return -EINVAL;
		}
		n = json_array_size(list);
		json_array_foreach(list, i, v)
			if (json_is_object(v) || json_is_array(v)) {
				sweep_err(sw, "%s.%s[%zu]: expected a value (a string, number, boolean or null), got %s",
					  what, key, i, kind(v));
				return -EINVAL;
			}
		if (len && *len && n != *len) {
			sweep_err(sw, "%s.%s: %zu values, but the first list of the zip has %zu: the zip's lists all have one length",
				  what, key, n, *len);
			return -EINVAL;
		}
		if (len)
			*len = n;
		if (json_array_append_new(sw->sw_keys, json_string(key)) < 0 ||
		    json_array_append(sw->sw_lists, list) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* take_metrics - "metrics", or the default list, into sw_metrics; 0, -EINVAL, -ENOMEM */
static int take_metrics(struct sweep *sw, json_t *m)
{
	size_t i;
	json_t *v;

	if (!m) {
		for (i = 0; i < sizeof(default_metrics) / sizeof(default_metrics[0]); i++)
			if (json_array_append_new(sw->sw_metrics,
						  json_string(default_metrics[i])) < 0)
				return -ENOMEM;
		return 0;
	}
	if (!json_is_array(m) || json_array_size(m) == 0) {
		sweep_err(sw, "metrics: expected a non-empty list of metric names, got %s",
			  kind(m));
		return -EINVAL;
	}
	json_array_foreach(m, i, v) {
		size_t k;
		json_t *w;

		if (!json_is_string(v)) {
			sweep_err(sw, "metrics[%zu]: expected a metric name, got %s", i, kind(v));
			return -EINVAL;
		}
		if (!metric_valid(json_string_value(v))) {
			sweep_err(sw, "metrics[%zu]: \"%s\" is not a metric name: a counter (\"tlb.stlb.misses\"), a report path (\"overhead.ratio\") or A/B, without blanks, commas or quotes",
				  i, json_string_value(v));
			return -EINVAL;
		}
		json_array_foreach(m, k, w)
			if (k < i && json_equal(v, w)) {
				sweep_err(sw, "metrics[%zu]: \"%s\" is listed twice", i,
					  json_string_value(v));
				return -EINVAL;
			}
	}
	return json_array_extend(sw->sw_metrics, m) < 0 ? -ENOMEM : 0;
}

/* count - the number of points into sw_npoints; 0, or -EINVAL when more than SWEEP_MAX_POINTS */
static int count(struct sweep *sw)
{
	size_t n = 1, i;
	json_t *l;
	char sizes[256];
	size_t used = 0;

	json_array_foreach(sw->sw_lists, i, l) {
		size_t len = i < sw->sw_ngrid ? json_array_size(l) : sw->sw_zip;

		if (i > sw->sw_ngrid)
			break;  /* the zip is one axis */
		if (used < sizeof(sizes))
			used += (size_t)snprintf(sizes + used, sizeof(sizes) - used, "%s%zu",
						 i ? " x " : "", len);
		n = n > SWEEP_MAX_POINTS ? n : n * len;  /* saturates above the limit */
	}
	sw->sw_npoints = n;
	if (n <= SWEEP_MAX_POINTS)
		return 0;
	sweep_err(sw, "too many points: the axes have %s values, more than the %d points a sweep may have",
		  sizes, SWEEP_MAX_POINTS);
	return -EINVAL;
}

/* take - the members of the sweep file's top level; 0, -EINVAL (message printed), -ENOMEM */
static int take(struct sweep *sw, json_t *root)
{
	json_t *w = json_object_get(root, "workload"), *name = json_object_get(root, "name");
	json_t *set = json_object_get(root, "set"), *grid = json_object_get(root, "grid");
	json_t *zip = json_object_get(root, "zip");
	const char *key;
	json_t *v;
	int rc;

	json_object_foreach(root, key, v)
		if (strcmp(key, "workload") && strcmp(key, "name") && strcmp(key, "set") &&
		    strcmp(key, "grid") && strcmp(key, "zip") && strcmp(key, "metrics")) {
			sweep_err(sw, "%s: unknown key (expected workload, name, set, grid, zip or metrics)",
				  key);
			return -EINVAL;
		}
	if (!json_is_string(w) || !*json_string_value(w)) {
		sweep_err(sw, "workload: expected the base workload file (a string, relative to the sweep file), got %s",
			  w ? (json_is_string(w) ? "an empty string" : kind(w)) : "nothing");
		return -EINVAL;
	}
	sw->sw_workload = strdup(json_string_value(w));
	sw->sw_wpath = workload_path(sw->sw_file, json_string_value(w));
	if (name && (!json_is_string(name) || !*json_string_value(name) ||
		     strchr(json_string_value(name), '/'))) {
		sweep_err(sw, "name: expected the sweep's name (a non-empty string without '/'), got %s",
			  json_is_string(name) ? "a string with '/' or empty" : kind(name));
		return -EINVAL;
	}
	sw->sw_name = name ? strdup(json_string_value(name)) : default_name(sw->sw_file);
	if (!sw->sw_workload || !sw->sw_wpath || !sw->sw_name)
		return -ENOMEM;
	if (set && !json_is_object(set)) {
		sweep_err(sw, "set: expected an object {KEY: VALUE}, got %s", kind(set));
		return -EINVAL;
	}
	json_object_foreach(set, key, v)
		if (!*key) {
			sweep_err(sw, "set: an empty key");
			return -EINVAL;
		}
	sw->sw_set = set ? json_incref(set) : json_object();
	if (!sw->sw_set)
		return -ENOMEM;
	if ((!grid || json_object_size(grid) == 0) && (!zip || json_object_size(zip) == 0)) {
		sweep_err(sw, "%s", "no points: expected a grid, a zip or both, with at least one key");
		return -EINVAL;
	}
	if (grid && (rc = take_axes(sw, "grid", grid, NULL)) < 0)
		return rc;
	sw->sw_ngrid = json_array_size(sw->sw_keys);
	if (zip && (rc = take_axes(sw, "zip", zip, &sw->sw_zip)) < 0)
		return rc;
	if ((rc = take_metrics(sw, json_object_get(root, "metrics"))) < 0)
		return rc;
	return count(sw);
}

int sweep_load(struct sweep *sw, const char *file)
{
	json_error_t jerr;
	json_t *root;
	int rc;

	memset(sw, 0, sizeof(*sw));
	sw->sw_file = file;
	root = json_load_file(file, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		if (jerr.line > 0)
			fprintf(stderr, "eptsim sweep: %s:%d:%d: invalid JSON: %s\n", file,
				jerr.line, jerr.column, jerr.text);
		else
			sweep_err(sw, "cannot read: %s", jerr.text);
		return EXIT_USAGE;
	}
	if (!json_is_object(root)) {
		sweep_err(sw, "expected a JSON object at the top level, got %s", kind(root));
		json_decref(root);
		return EXIT_USAGE;
	}
	sw->sw_keys = json_array();
	sw->sw_lists = json_array();
	sw->sw_metrics = json_array();
	rc = sw->sw_keys && sw->sw_lists && sw->sw_metrics ? take(sw, root) : -ENOMEM;
	json_decref(root);
	if (rc == -ENOMEM)
		fprintf(stderr, "eptsim sweep: out of memory\n");
	return rc == 0 ? EXIT_DONE : rc == -ENOMEM ? EXIT_INTERNAL : EXIT_USAGE;
}

void sweep_free(struct sweep *sw)
{
	free(sw->sw_name);
	free(sw->sw_workload);
	free(sw->sw_wpath);
	json_decref(sw->sw_set);
	json_decref(sw->sw_keys);
	json_decref(sw->sw_lists);
	json_decref(sw->sw_metrics);
	json_decref(sw->sw_config);
	memset(sw, 0, sizeof(*sw));
}

json_t *sweep_values(const struct sweep *sw, size_t i)
{
	size_t nkeys = json_array_size(sw->sw_keys), zi = 0, rest = i;
	json_t *vals = json_object();

	if (sw->sw_zip) {
		zi = rest % sw->sw_zip;
		rest /= sw->sw_zip;
	}
	for (size_t k = 0; vals && k < nkeys; k++) {
		const char *key = json_string_value(json_array_get(sw->sw_keys, k));
		json_t *list = json_array_get(sw->sw_lists, k);
		size_t stride = 1, at = zi;

		if (k < sw->sw_ngrid) {
			/* the keys after k vary faster: their lengths are k's stride */
			for (size_t m = k + 1; m < sw->sw_ngrid; m++)
				stride *= json_array_size(json_array_get(sw->sw_lists, m));
			at = rest / stride % json_array_size(list);
		}
		if (json_object_set(vals, key, json_array_get(list, at)) < 0) {
			json_decref(vals);
			vals = NULL;
		}
	}
	return vals;
}

/* set_text - "key=<value as compact JSON>" (malloc'd) */
static char *set_text(const char *key, const json_t *v)
{
	char *t = sweep_text(v), *s = NULL;

	if (t && (s = malloc(strlen(key) + strlen(t) + 2)))
		sprintf(s, "%s=%s", key, t);
	free(t);
	return s;
}

char **sweep_sets(const struct sweep *sw, size_t i, size_t *n)
{
	size_t max = json_object_size(sw->sw_set) + json_array_size(sw->sw_keys) + 2;
	char **sets = calloc(max, sizeof(*sets));
	json_t *vals = sweep_values(sw, i), *v;
	const char *key;
	size_t k = 0;
	int ok = sets && vals;

	json_object_foreach(sw->sw_set, key, v)
		if (ok && !(sets[k++] = set_text(key, v)))
			ok = 0;
	json_object_foreach(vals, key, v)
		if (ok && !(sets[k++] = set_text(key, v)))
			ok = 0;
	/*
	 * A point is a result, never a test: it is not compared with the
	 * golden report the base workload may name (which need not exist).
	 */
	if (ok && !(sets[k++] = strdup("expect=\"\"")))
		ok = 0;
	json_decref(vals);
	if (!ok) {
		sweep_sets_free(sets);
		return NULL;
	}
	*n = k;
	return sets;
}

void sweep_sets_free(char **sets)
{
	for (size_t k = 0; sets && sets[k]; k++)
		free(sets[k]);
	free(sets);
}

/* load_point - point i's configuration into *cfg; the point named on stderr if it cannot be loaded */
static int load_point(const struct sweep *sw, size_t i, struct eptsim_config **cfg)
{
	size_t n = 0;
	char **sets = sweep_sets(sw, i, &n);
	int rc;

	if (!sets) {
		fprintf(stderr, "eptsim sweep: out of memory\n");
		return EXIT_INTERNAL;
	}
	rc = load_workload(sw->sw_wpath, (const char *const *)sets, n, cfg);
	sweep_sets_free(sets);
	if (rc == EXIT_USAGE) {
		json_t *vals = sweep_values(sw, i);
		char *t = vals ? json_dumps(vals, JSON_COMPACT | SWEEP_REAL) : NULL;

		sweep_err(sw, "point %zu of %zu %s: its configuration cannot be loaded (the error above)",
			  i, sw->sw_npoints, t ? t : "");
		free(t);
		json_decref(vals);
	}
	return rc;
}

/* config_json - the resolved configuration as a JSON object (NULL: out of memory) */
static json_t *config_json(const struct eptsim_config *cfg)
{
	struct eptsim_error err;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	json_t *j = NULL;

	if (!f)
		return NULL;
	if (eptsim_config_write(cfg, f, &err) == 0 && fclose(f) == 0)
		j = json_loadb(buf, len, 0, NULL);
	else
		fclose(f);
	free(buf);
	return j;
}

int sweep_check(struct sweep *sw)
{
	if (access(sw->sw_wpath, R_OK) != 0) {
		sweep_err(sw, "workload: cannot read %s: %s", sw->sw_wpath, strerror(errno));
		return EXIT_USAGE;
	}
	for (size_t i = 0; i < sw->sw_npoints; i++) {
		struct eptsim_config *cfg = NULL;
		int rc = load_point(sw, i, &cfg);

		if (rc == EXIT_DONE && i == 0 && !(sw->sw_config = config_json(cfg))) {
			fprintf(stderr, "eptsim sweep: out of memory\n");
			rc = EXIT_INTERNAL;
		}
		eptsim_config_free(cfg);
		if (rc != EXIT_DONE)
			return rc;
	}
	return EXIT_DONE;
}
