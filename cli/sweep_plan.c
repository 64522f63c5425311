/*
 * sweep_plan.c - the sweep's directory and its plan.json.
 *
 * plan.json says what the directory's reports are the results of: the
 * base workload as the sweep file names it, the fixed overrides, the
 * keys, every point's values, and point 0's resolved configuration (so
 * that an edited workload file or machine preset is a different sweep
 * too).  It is written before any point runs.  A directory whose
 * plan.json says anything else holds another sweep, and its reports are
 * never mixed with this one's: the sweep stops before touching it.  The
 * sweep's name and metrics are not in the plan: they change no run, and
 * a rerun with other metrics tabulates the same reports again.
 */
#include <errno.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "cli/cli.h"
#include "cli/sweep.h"

#define PLAN_FLAGS (JSON_INDENT(2) | SWEEP_REAL)

int sweep_path(char *buf, size_t len, const char *dir, size_t i, const char *ext)
{
	int n = snprintf(buf, len, "%s/points/%04zu.%s", dir, i, ext);

	return n > 0 && (size_t)n < len ? 0 : -1;
}

int sweep_has_report(const char *dir, size_t i)
{
	char p[4096];
	struct stat st;

	return sweep_path(p, sizeof(p), dir, i, "json") == 0 && stat(p, &st) == 0 &&
	       S_ISREG(st.st_mode);
}

/* plan - the plan as JSON (NULL: out of memory) */
static json_t *plan(const struct sweep *sw)
{
	json_t *points = json_array();
	json_t *p = json_pack("{s:s, s:O, s:O, s:o, s:O}", "workload", sw->sw_workload,
			      "set", sw->sw_set, "keys", sw->sw_keys, "points", points,
			      "config", sw->sw_config);

	for (size_t i = 0; p && i < sw->sw_npoints; i++)
		if (json_array_append_new(points, json_pack("{s:I, s:o}", "point", (json_int_t)i,
							    "values", sweep_values(sw, i))) < 0) {
			json_decref(p);
			p = NULL;
		}
	return p;
}

/* text - `j` as the plan file holds it, with its closing newline (malloc'd) */
static char *text(const json_t *j)
{
	char *t = json_dumps(j, PLAN_FLAGS), *s = NULL;

	if (t && (s = malloc(strlen(t) + 2)))
		sprintf(s, "%s\n", t);
	free(t);
	return s;
}

/*
 * differs - which member of the plan `old` (the file's text) differs from
 * `now`, for the message: "its keys", ...
 */
static const char *differs(const char *old, json_t *now)
{
	static const char *const what[][2] = {
		{ "workload", "the base workload file" },
		{ "set", "the fixed overrides (\"set\")" },
		{ "keys", "the keys" },
		{ "points", "the points' values" },
		{ "config", "point 0's configuration (was the workload file or a machine preset edited?)" },
	};
	json_t *o = json_loads(old, 0, NULL);
	const char *why = "its text";

	for (size_t i = 0; o && i < sizeof(what) / sizeof(what[0]); i++) {
		char *a = json_dumps(json_object_get(o, what[i][0]), JSON_ENCODE_ANY | PLAN_FLAGS);
		char *b = json_dumps(json_object_get(now, what[i][0]), JSON_ENCODE_ANY | PLAN_FLAGS);
		int same = a && b && strcmp(a, b) == 0;

		free(a);
		free(b);
		if (!same) {
			why = what[i][1];
			break;
		}
	}
	json_decref(o);
	return why;
}

/* is_empty - `dir` has no entries */
static int is_empty(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int empty = 1;

	if (!d)
		return 0;
	while (empty && (e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			empty = 0;
	closedir(d);
	return empty;
}

/* sweep_write - see sweep.h */
int sweep_write(const char *path, const char *s)
{
	char tmp[4096];
	FILE *f;
	int rc = 0;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		return -ENAMETOOLONG;
	f = fopen(tmp, "w");
	if (!f)
		return -errno;
	if (fputs(s, f) < 0)
		rc = -errno;
	if (fclose(f) != 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && rename(tmp, path) != 0)
		rc = -errno;
	if (rc < 0)
		remove(tmp);
	return rc;
}

int sweep_plan(const struct sweep *sw, const char *dir)
{
	json_t *p = plan(sw);
	char *now = p ? text(p) : NULL, *old = NULL;
	char path[4096];
	struct stat st;
	FILE *f;
	int status = EXIT_USAGE, rc;

	if (!now) {
		fprintf(stderr, "eptsim sweep: out of memory\n");
		status = EXIT_INTERNAL;
		goto out;
	}
	if ((size_t)snprintf(path, sizeof(path), "%s/points", dir) >= sizeof(path) - 16) {
		fprintf(stderr, "eptsim sweep: %s: the directory's name is too long\n", dir);
		goto out;
	}
	if (make_dirs("sweep", dir) < 0)
		goto out;
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "eptsim sweep: %s: exists and is not a directory; remove it or use -o\n",
			dir);
		goto out;
	}
	snprintf(path, sizeof(path), "%s/plan.json", dir);
	f = fopen(path, "r");
	if (f) {
		size_t len = 0, cap = 0, got;

		do {
			char *n = cap - len < 4097 ? realloc(old, cap = cap * 2 + 8192) : old;

			if (!n) {
				fclose(f);
				fprintf(stderr, "eptsim sweep: out of memory\n");
				status = EXIT_INTERNAL;
				goto out;
			}
			old = n;
			got = fread(old + len, 1, 4096, f);
			len += got;
		} while (got > 0);
		fclose(f);
		old[len] = '\0';
		if (strcmp(old, now) != 0) {
			fprintf(stderr, "eptsim sweep: %s holds another sweep: its plan.json differs from %s's in %s; remove the directory or use -o\n",
				dir, sw->sw_file, differs(old, p));
			goto out;
		}
	} else if (!is_empty(dir)) {
		fprintf(stderr, "eptsim sweep: %s is not a sweep's directory (it has files but no plan.json); remove it or use -o\n",
			dir);
		goto out;
	} else if ((rc = sweep_write(path, now)) < 0) {
		fprintf(stderr, "eptsim sweep: %s: cannot write: %s\n", path, strerror(-rc));
		goto out;
	}
	snprintf(path, sizeof(path), "%s/points", dir);
	if (mkdir(path, 0777) != 0 && errno != EEXIST) {
		fprintf(stderr, "eptsim sweep: %s: cannot create the directory: %s\n", path,
			strerror(errno));
		goto out;
	}
	status = EXIT_DONE;
out:
	free(old);
	free(now);
	json_decref(p);
	return status;
}
