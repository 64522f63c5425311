/*
 * cfg_procs.c - the workload's "processes" list: the programs a
 * source.kind "program" workload runs.
 *
 *   "processes": [
 *     { "program": "../build/programs/sweep", "args": ["4"],
 *       "env": ["LANG=C"], "stdin": "input.txt", "stdout": "-",
 *       "stderr": "-", "cpu": 0 }
 *   ]
 *
 * Relative "program" and "stdin" paths in a workload file are resolved
 * against the file's directory (so a workload runs from anywhere);
 * given on the command line (--set, eptsim exec) they are taken as they
 * are.  "stdout" and "stderr" files are written relative to the current
 * directory, like the report.  Errors read "FILE: processes[i].key: ...".
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/cfg_load.h"

static const char *const proc_keys[] = { "program", "args", "env", "stdin",
					 "stdout", "stderr", "cpu", NULL };

/* put_path - `p` into buf (CFG_PATH_MAX), against directory `dir` if relative and dir given */
static int put_path(char *buf, const char *dir, const char *p)
{
	int n;

	if (*p == '\0')
		return -EINVAL;
	if (dir && p[0] != '/')
		n = snprintf(buf, CFG_PATH_MAX, "%s/%s", dir, p);
	else
		n = snprintf(buf, CFG_PATH_MAX, "%s", p);
	return n < 0 || n >= CFG_PATH_MAX ? -ENAMETOOLONG : 0;
}

/* put_strings - a list of strings into cp_args from *used on; *count of them */
static int put_strings(struct cfg_proc *cp, size_t *used, const json_t *v,
		       uint64_t *count, char *why, size_t whylen)
{
	size_t i;
	json_t *s;

	if (!json_is_array(v)) {
		char got[96];

		cfg_describe(v, got, sizeof(got));
		snprintf(why, whylen, "expected a list of strings, got %s", got);
		return -EINVAL;
	}
	json_array_foreach(v, i, s) {
		const char *str = json_string_value(s);
		size_t n;

		if (!str) {
			char got[96];

			cfg_describe(s, got, sizeof(got));
			snprintf(why, whylen, "[%zu]: expected a string, got %s", i, got);
			return -EINVAL;
		}
		n = strlen(str) + 1;
		if (*used + n > CFG_ARGS_MAX) {
			snprintf(why, whylen, "[%zu]: the arguments and environment of a process take at most %u bytes",
				 i, (unsigned)CFG_ARGS_MAX);
			return -E2BIG;
		}
		memcpy(cp->cp_args + *used, str, n);
		*used += n;
	}
	*count = json_array_size(v);
	return 0;
}

/* key_index - the index of `name` in proc_keys, or -1 */
static int key_index(const char *name)
{
	for (int k = 0; proc_keys[k]; k++)
		if (strcmp(proc_keys[k], name) == 0)
			return k;
	return -1;
}

static int proc_load(struct cfg_proc *cp, const json_t *o, size_t i,
		     const char *origin, const char *dir, struct eptsim_error *err)
{
	const json_t *args = json_object_get(o, "args"), *env = json_object_get(o, "env");
	size_t used = 0;
	const char *name;
	json_t *v;
	char why[512];

	memset(cp, 0, sizeof(*cp));
	strcpy(cp->cp_stdout, "-");
	strcpy(cp->cp_stderr, "-");
	cp->cp_cpu = UINT64_MAX;        /* not given: process i runs on vCPU i % cpus */
	json_object_foreach((json_t *)o, name, v) {
		int k = key_index(name);
		const char *str = json_string_value(v);
		char *dst = NULL;
		int rc = 0;

		if (k < 0) {
			cfg_errf(err, "%s: processes[%zu].%s: unknown key (expected program, args, env, stdin, stdout, stderr or cpu)",
				 origin, i, name);
			return -EINVAL;
		}
		if (k == 1 || k == 2)
			continue;       /* args, then env, below: in that order */
		if (k == 6) {
			if (!json_is_integer(v) || json_integer_value(v) < 0 ||
			    json_integer_value(v) >= 64) {
				cfg_describe(v, why, sizeof(why));
				cfg_errf(err, "%s: processes[%zu].cpu: expected an integer 0..63, got %s",
					 origin, i, why);
				return -EINVAL;
			}
			cp->cp_cpu = (uint64_t)json_integer_value(v);
			continue;
		}
		if (!str) {
			cfg_describe(v, why, sizeof(why));
			cfg_errf(err, "%s: processes[%zu].%s: expected a string (a path), got %s",
				 origin, i, name, why);
			return -EINVAL;
		}
		switch (k) {
		case 0:
			rc = put_path(cp->cp_program, dir, str);
			break;
		case 3:
			rc = *str ? put_path(cp->cp_stdin, dir, str) : 0;
			break;
		case 4:
		case 5:
			dst = k == 4 ? cp->cp_stdout : cp->cp_stderr;
			rc = *str ? put_path(dst, NULL, str) : 0;
			if (!*str)
				dst[0] = '\0';
			break;
		}
		if (rc < 0) {
			cfg_errf(err, "%s: processes[%zu].%s: %s", origin, i, name,
				 rc == -ENAMETOOLONG ? "the path is too long (at most 511 bytes)"
						     : "expected a path, got an empty string");
			return -EINVAL;
		}
	}
	if (cp->cp_program[0] == '\0') {
		cfg_errf(err, "%s: processes[%zu]: expected the key \"program\" (the executable to run)",
			 origin, i);
		return -EINVAL;
	}
	if (args && put_strings(cp, &used, args, &cp->cp_nargs, why, sizeof(why)) < 0) {
		cfg_errf(err, "%s: processes[%zu].args%s%s", origin, i, why[0] == '[' ? "" : ": ", why);
		return -EINVAL;
	}
	if (env && put_strings(cp, &used, env, &cp->cp_nenv, why, sizeof(why)) < 0) {
		cfg_errf(err, "%s: processes[%zu].env%s%s", origin, i, why[0] == '[' ? "" : ": ", why);
		return -EINVAL;
	}
	return 0;
}

int cfg_procs_load(struct cfg *c, const json_t *v, const char *origin,
		   bool from_file, struct eptsim_error *err)
{
	char *dir = NULL;
	size_t i;
	json_t *o;
	int rc = 0;

	c->nprocs = 0;
	if (!json_is_array(v) || json_array_size(v) == 0) {
		char got[96];

		if (json_is_array(v))
			snprintf(got, sizeof(got), "an empty list");
		else
			cfg_describe(v, got, sizeof(got));
		cfg_errf(err, "%s: processes: expected a non-empty list of processes, got %s",
			 origin, got);
		return -EINVAL;
	}
	if (json_array_size(v) > CFG_MAX_PROCS) {
		cfg_errf(err, "%s: processes: at most %u processes, got %zu", origin,
			 (unsigned)CFG_MAX_PROCS, json_array_size(v));
		return -EINVAL;
	}
	if (from_file && strchr(origin, '/')) {
		dir = strdup(origin);
		if (!dir)
			return -ENOMEM;
		*strrchr(dir, '/') = '\0';
		if (*dir == '\0')
			strcpy(dir, "/");
	}
	json_array_foreach(v, i, o) {
		if (!json_is_object(o)) {
			char got[96];

			cfg_describe(o, got, sizeof(got));
			cfg_errf(err, "%s: processes[%zu]: expected an object, got %s", origin, i, got);
			rc = -EINVAL;
			break;
		}
		rc = proc_load(&c->procs[i], o, i, origin, dir, err);
		if (rc < 0)
			break;
	}
	free(dir);
	if (rc < 0)
		return rc;
	c->nprocs = json_array_size(v);
	return 0;
}

/* strings_json - `n` NUL-terminated strings from *p on, as a list; *p moves past them */
static json_t *strings_json(const char **p, uint64_t n)
{
	json_t *a = json_array();

	for (uint64_t k = 0; a && k < n; k++) {
		if (json_array_append_new(a, json_string(*p)) < 0) {
			json_decref(a);
			return NULL;
		}
		*p += strlen(*p) + 1;
	}
	return a;
}

json_t *cfg_procs_json(const struct cfg *c)
{
	json_t *list = json_array();

	for (size_t i = 0; list && i < c->nprocs; i++) {
		const struct cfg_proc *cp = &c->procs[i];
		const char *p = cp->cp_args;
		json_t *args = strings_json(&p, cp->cp_nargs);
		json_t *env = strings_json(&p, cp->cp_nenv);
		json_t *o = json_pack("{s:s, s:o, s:o, s:s, s:s, s:s, s:I}",
				      "program", cp->cp_program, "args", args,
				      "env", env, "stdin", cp->cp_stdin,
				      "stdout", cp->cp_stdout, "stderr", cp->cp_stderr,
				      "cpu", (json_int_t)cfg_proc_cpu(c, i));

		if (!o || json_array_append_new(list, o) < 0) {
			json_decref(list);
			return NULL;
		}
	}
	return list;
}

uint64_t cfg_proc_cpu(const struct cfg *c, size_t i)
{
	return c->procs[i].cp_cpu != UINT64_MAX ? c->procs[i].cp_cpu : i % c->cpus;
}
