/* testlib.c - see testlib.h */
#define _XOPEN_SOURCE 700
#include "testlib.h"

#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

const char *tl_eptsim(void)
{
	const char *e = getenv("EPTSIM");

	return e && *e ? e : "build/eptsim";
}

char *tl_tmpdir(void)
{
	char *d = strdup("/tmp/eptsim-test-XXXXXX");

	if (!d || !mkdtemp(d)) {
		perror("mkdtemp");
		abort();
	}
	return d;
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(p);
}

void tl_rmtree(char *dir)
{
	if (dir)
		nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(dir);
}

char *tl_path(const char *dir, const char *name)
{
	char *p = malloc(strlen(dir) + strlen(name) + 2);

	if (!p)
		abort();
	sprintf(p, "%s/%s", dir, name);
	return p;
}

char *tl_write(const char *dir, const char *name, const char *text)
{
	char *p = tl_path(dir, name);
	char *slash = strrchr(p, '/');
	FILE *f;

	if (slash && slash > p + strlen(dir)) {
		*slash = '\0';
		mkdir(p, 0755);
		*slash = '/';
	}
	f = fopen(p, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
		perror(p);
		abort();
	}
	return p;
}

char *tl_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0, cap = 0;
	size_t got;

	if (!f)
		return NULL;
	do {
		if (n + 4096 + 1 > cap) {
			cap = cap ? 2 * cap : 8192;
			buf = realloc(buf, cap);
			if (!buf)
				abort();
		}
		got = fread(buf + n, 1, 4096, f);
		n += got;
	} while (got > 0);
	fclose(f);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

void tl_run(struct tl_run *r, const char *cwd, const char *const *args)
{
	char *dir = tl_tmpdir();
	char *outp = tl_path(dir, "stdout"), *errp = tl_path(dir, "stderr");
	char exe[4096];
	size_t n = 0;
	pid_t pid;
	int st;

	/* resolve the command before a chdir can change what a relative path means */
	if (!realpath(tl_eptsim(), exe)) {
		perror(tl_eptsim());
		abort();
	}
	while (args[n])
		n++;
	pid = fork();
	if (pid < 0)
		abort();
	if (pid == 0) {
		const char **argv = calloc(n + 2, sizeof(*argv));
		int fo = open(outp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int fe = open(errp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int fi = open("/dev/null", O_RDONLY);

		if (!argv || fo < 0 || fe < 0 || fi < 0 ||
		    (cwd && chdir(cwd) != 0))
			_exit(127);
		dup2(fi, 0);
		dup2(fo, 1);
		dup2(fe, 2);
		argv[0] = "eptsim";
		memcpy(argv + 1, args, n * sizeof(*argv));
		execv(exe, (char *const *)argv);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) < 0)
		abort();
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	r->out = tl_read(outp, NULL);
	r->err = tl_read(errp, NULL);
	free(outp);
	free(errp);
	tl_rmtree(dir);
}

void tl_run_free(struct tl_run *r)
{
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
}

long long tl_counter(json_t *report, const char *name)
{
	json_t *v = json_object_get(report, "counters");
	char buf[128], *seg, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", name);
	for (seg = strtok_r(buf, ".", &save); seg && v;
	     seg = strtok_r(NULL, ".", &save))
		v = json_object_get(v, seg);
	if (!json_is_integer(v))
		fail_msg("counter %s missing", name);
	return json_integer_value(v);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

size_t tl_list_programs(char **names, size_t max)
{
	DIR *d = opendir("tests/programs");
	struct dirent *e;
	size_t n = 0;

	if (!d)
		fail_msg("tests/programs: cannot list (run from the project root)");
	while ((e = readdir(d)) && n < max) {
		size_t l = strlen(e->d_name);

		if (l > 2 && strcmp(e->d_name + l - 2, ".c") == 0) {
			names[n] = strdup(e->d_name);
			assert_non_null(names[n]);
			names[n][l - 2] = '\0';
			n++;
		}
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_str);
	return n;
}

json_t *tl_load(const char *path)
{
	json_error_t e;
	json_t *j = json_load_file(path, 0, &e);

	if (!j)
		fail_msg("%s:%d: %s", path, e.line, e.text);
	return j;
}

const char *tl_programs_dir(void)
{
	const char *d = getenv("EPTSIM_PROGRAMS");

	return d && *d ? d : "build/programs";
}

char *tl_prog_path(const char *name)
{
	char *rel = tl_path(tl_programs_dir(), name), *abs = realpath(rel, NULL);

	if (!abs)
		fail_msg("%s: %s (is the program built?)", rel, strerror(errno));
	free(rel);
	return abs;
}

void tl_same_file(const char *a, const char *b)
{
	size_t la, lb;
	char *ta = tl_read(a, &la), *tb = tl_read(b, &lb);

	if (!ta || !tb)
		fail_msg("%s: cannot be read", ta ? b : a);
	if (la <= 1000)
		fail_msg("%s: only %zu bytes", a, la);
	if (la != lb || memcmp(ta, tb, la) != 0)
		fail_msg("%s and %s differ (%zu and %zu bytes)", a, b, la, lb);
	free(ta);
	free(tb);
}
