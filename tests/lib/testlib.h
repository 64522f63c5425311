/*
 * testlib.h - helpers for the end-to-end suites: scratch directories,
 * files, and running the `eptsim` command (path from $EPTSIM) with its
 * output captured.
 */
#ifndef EPTSIM_TESTS_TESTLIB_H
#define EPTSIM_TESTS_TESTLIB_H

#include <stddef.h>

/* the eptsim command under test: $EPTSIM, or build/eptsim */
const char *tl_eptsim(void);

/* tl_tmpdir - a new scratch directory (removed by tl_rmtree). */
char *tl_tmpdir(void);
void tl_rmtree(char *dir);

/*
 * tl_list_programs - the NAMEs of the guest programs tests/programs/NAME.c
 * (run from the project root), sorted, at most `max`, each strdup'ed;
 * how many.  Fails the test if the directory cannot be read.
 */
size_t tl_list_programs(char **names, size_t max);

/* tl_write - write `text` to DIR/NAME (creating DIR/sub/ if NAME has one); returns the path */
char *tl_write(const char *dir, const char *name, const char *text);

/* tl_read - a file's whole contents (NUL-terminated), or NULL */
char *tl_read(const char *path, size_t *len);

struct tl_run {
	int status;             /* exit status; 128+signal if killed */
	char *out;              /* standard output */
	char *err;              /* standard error */
};

/*
 * tl_run - run eptsim with the NULL-terminated `args` (without argv[0]),
 * from directory `cwd` (NULL: the current one).
 */
void tl_run(struct tl_run *r, const char *cwd, const char *const *args);
void tl_run_free(struct tl_run *r);

/*
 * tl_counter - counters.<dotted name> of a report (a json_t *), as an
 * integer; the running test fails if it is missing.
 */
struct json_t;
long long tl_counter(struct json_t *report, const char *name);

/* tl_load - a JSON file (a report); the running test fails if it does not parse */
struct json_t *tl_load(const char *path);

/* tl_programs_dir - where the guest programs are built: $EPTSIM_PROGRAMS, or build/programs */
const char *tl_programs_dir(void);

/* tl_prog_path - $EPTSIM_PROGRAMS/NAME as an absolute path (malloc'd); fails the test if it is not built */
char *tl_prog_path(const char *name);

/*
 * tl_same_file - files a and b exist, hold more than 1000 bytes (a report,
 * not an empty file) and are byte-identical; the running test fails if not
 */
void tl_same_file(const char *a, const char *b);

/* tl_path - "DIR/NAME" (malloc'd) */
char *tl_path(const char *dir, const char *name);

#endif
