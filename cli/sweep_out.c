/*
 * sweep_out.c - results.csv and results.json: one row per point, in
 * point order, made from the points' reports alone.  Nothing in them
 * depends on when or by which worker a point ran, so -j 1 and -j 8 write
 * the same bytes, and `eptsim plot` reads results.json as it is here.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/cli.h"
#include "cli/sweep.h"

/* csv_field - ",<s>": an RFC 4180 field, quoted (quotes doubled) when it holds , " or a newline */
static void csv_field(FILE *f, const char *s)
{
	fputc(',', f);
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

/* csv_value - a point's value as text: strings bare, null empty, the rest as JSON */
static int csv_value(FILE *f, const json_t *v)
{
	char *t;

	if (json_is_string(v)) {
		csv_field(f, json_string_value(v));
		return 0;
	}
	if (json_is_null(v)) {
		csv_field(f, "");
		return 0;
	}
	t = sweep_text(v);
	if (!t)
		return -ENOMEM;
	csv_field(f, t);
	free(t);
	return 0;
}

/* is_integer - `s` is a decimal integer as metric_get prints one */
static int is_integer(const char *s)
{
	const char *d = s + (*s == '-');
	size_t n = strspn(d, "0123456789");

	/* at most 19 digits: what a JSON integer (int64) prints as */
	return n > 0 && n <= 19 && d[n] == '\0' && (d[0] != '0' || n == 1);
}

/*
 * metric_value - metric `name`'s text as JSON: an integer as an integer,
 * true/false as booleans, the rest ("A/B" decimals, report strings) as
 * strings.  metric_get gives text only, so a report string that spells
 * an integer or a boolean is taken for one: no counter or report path
 * tabulated in practice is such a string.
 */
static json_t *metric_value(const char *name, const char *text)
{
	if (!strchr(name, '/')) {
		if (is_integer(text)) {
			long long v;

			errno = 0;
			v = strtoll(text, NULL, 10);
			if (errno == 0)
				return json_integer(v);
		}
		if (strcmp(text, "true") == 0 || strcmp(text, "false") == 0)
			return json_boolean(text[0] == 't');
		if (strcmp(text, "null") == 0)
			return json_null();
	}
	return json_string(text);
}

/* config_string - config.<key> of a report as a new JSON string, or null */
static json_t *config_string(json_t *rep, const char *key)
{
	char buf[256];

	if (!rep || metric_get(rep, key, buf, sizeof(buf)) < 0)
		return json_null();
	return json_string(buf);
}

/*
 * point_row - point i's row of results.json into `points`, and of the CSV
 * into `csv`; *rep0 takes the first report read (its workload and machine
 * name the sweep's).  0, -ENOMEM, or 1: the point failed (no report).
 */
static int point_row(const struct sweep *sw, const char *dir, size_t i, json_t *points,
		     FILE *csv, json_t **rep0)
{
	char path[4096], rel[32], status[64], buf[1024];
	json_t *rep = NULL, *vals = sweep_values(sw, i), *mets = json_object(), *row;
	json_t *key, *m;
	size_t k;
	int rc = 0;

	if (!vals || !mets)
		goto nomem;
	snprintf(rel, sizeof(rel), "points/%04zu.json", i);
	if (sweep_path(path, sizeof(path), dir, i, "json") == 0 && access(path, F_OK) == 0) {
		json_error_t jerr;

		rep = json_load_file(path, 0, &jerr);
		if (!rep)
			fprintf(stderr, "eptsim sweep: %s: not a readable report (%d:%d: %s); remove it to run point %zu again\n",
				path, jerr.line, jerr.column, jerr.text, i);
	}
	if (!rep || metric_get(rep, "status.state", status, sizeof(status)) < 0) {
		snprintf(status, sizeof(status), "failed");
		json_decref(rep);
		rep = NULL;
		rc = 1;
	}
	fprintf(csv, "%zu", i);
	json_array_foreach(sw->sw_keys, k, key)
		if (csv_value(csv, json_object_get(vals, json_string_value(key))) < 0)
			goto nomem;
	csv_field(csv, status);
	json_array_foreach(sw->sw_metrics, k, m) {
		const char *name = json_string_value(m);
		int got = rep ? metric_get(rep, name, buf, sizeof(buf)) : -ENOENT;

		csv_field(csv, got < 0 ? "" : buf);
		if (json_object_set_new(mets, name, got < 0 ? json_null()
							 : metric_value(name, buf)) < 0)
			goto nomem;
	}
	fputc('\n', csv);
	row = json_object();
	if (!row || json_array_append_new(points, row) < 0 ||
	    json_object_set_new(row, "point", json_integer((json_int_t)i)) < 0 ||
	    json_object_set_new(row, "report", rep ? json_string(rel) : json_null()) < 0 ||
	    json_object_set_new(row, "status", json_string(status)) < 0 ||
	    json_object_set(row, "values", vals) < 0 ||
	    json_object_set(row, "metrics", mets) < 0)
		goto nomem;
	if (rep && !*rep0)
		*rep0 = json_incref(rep);
	goto out;
nomem:
	rc = -ENOMEM;
out:
	json_decref(rep);
	json_decref(vals);
	json_decref(mets);
	return rc;
}


/*
 * axes_json - the sweep's axes, each a list of keys: one per grid key, and
 * the zip's keys together as the last (they vary together); NULL: no memory
 */
static json_t *axes_json(const struct sweep *sw)
{
	const size_t n = json_array_size(sw->sw_keys);
	json_t *axes = json_array(), *zip;
	int bad = !axes;

	for (size_t k = 0; k < sw->sw_ngrid && !bad; k++)
		bad = json_array_append_new(axes, json_pack("[O]",
					    json_array_get(sw->sw_keys, k))) < 0;
	if (!bad && n > sw->sw_ngrid) {
		zip = json_array();
		for (size_t k = sw->sw_ngrid; zip && k < n && !bad; k++)
			bad = json_array_append(zip, json_array_get(sw->sw_keys, k)) < 0;
		bad |= json_array_append_new(axes, zip) < 0;
	}
	if (bad) {
		json_decref(axes);
		return NULL;
	}
	return axes;
}

/* put - write `text` to DIR/NAME; EXIT_DONE or EXIT_USAGE (message printed) */
static int put(const char *dir, const char *name, const char *text)
{
	char path[4096];
	int rc;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	rc = sweep_write(path, text);
	if (rc < 0) {
		fprintf(stderr, "eptsim sweep: %s: cannot write: %s\n", path, strerror(-rc));
		return EXIT_USAGE;
	}
	return EXIT_DONE;
}

int sweep_results(const struct sweep *sw, const char *dir, size_t *nfailed)
{
	char *csvtext = NULL, *js = NULL, *jtext = NULL;
	size_t csvlen = 0, k;
	FILE *csv = open_memstream(&csvtext, &csvlen);
	json_t *points = json_array(), *root = json_object(), *rep0 = NULL, *v;
	int status = EXIT_INTERNAL, rc = 0;

	*nfailed = 0;
	if (!csv || !points || !root)
		goto out;
	fputs("point", csv);
	json_array_foreach(sw->sw_keys, k, v)
		csv_field(csv, json_string_value(v));
	csv_field(csv, "status");
	json_array_foreach(sw->sw_metrics, k, v)
		csv_field(csv, json_string_value(v));
	fputc('\n', csv);
	for (size_t i = 0; i < sw->sw_npoints && rc >= 0; i++) {
		rc = point_row(sw, dir, i, points, csv, &rep0);
		*nfailed += rc == 1;
	}
	if (rc < 0 || fclose(csv) != 0)
		goto out;
	csv = NULL;
	/* keys in this order: `eptsim plot` and people read it */
	if (json_object_set_new(root, "sweep", json_string(sw->sw_name)) < 0 ||
	    json_object_set_new(root, "workload", config_string(rep0, "config.name")) < 0 ||
	    json_object_set_new(root, "machine", config_string(rep0, "config.machine.name")) < 0 ||
	    json_object_set(root, "keys", sw->sw_keys) < 0 ||
	    json_object_set_new(root, "axes", axes_json(sw)) < 0 ||
	    json_object_set(root, "metrics", sw->sw_metrics) < 0 ||
	    json_object_set(root, "points", points) < 0)
		goto out;
	js = json_dumps(root, JSON_INDENT(2) | SWEEP_REAL);
	if (!js || !(jtext = malloc(strlen(js) + 2)))
		goto out;
	sprintf(jtext, "%s\n", js);
	status = put(dir, "results.csv", csvtext);
	if (status == EXIT_DONE)
		status = put(dir, "results.json", jtext);
out:
	if (status == EXIT_INTERNAL)
		fprintf(stderr, "eptsim sweep: out of memory\n");
	if (csv)
		fclose(csv);
	free(csvtext);
	free(js);
	free(jtext);
	json_decref(points);
	json_decref(root);
	json_decref(rep0);
	return status;
}
