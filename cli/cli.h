/*
 * cli.h - what the files of the eptsim command share: exit statuses,
 * option parsing, running a workload (cli/eptsim.c), the trace commands
 * (cli/trace_cmd.c).
 */
#ifndef EPTSIM_CLI_CLI_H
#define EPTSIM_CLI_CLI_H

#include <stddef.h>
#include <stdio.h>

enum { EXIT_DONE = 0, EXIT_ABNORMAL = 1, EXIT_USAGE = 2, EXIT_INTERNAL = 3 };

/* usage_error - "eptsim CMD: <fmt with arg>" and the --help hint on stderr; EXIT_USAGE */
int usage_error(const char *cmd, const char *fmt, const char *arg);

/* opt_value - the value of option argv[*i]: "--opt VALUE", "--opt=VALUE", "-o VALUE", "-oVALUE"; NULL if missing */
const char *opt_value(int argc, char **argv, int *i, const char *shrt, const char *lng);

/* matches - argv element `a` is option shrt/lng (with or without its value attached) */
int matches(const char *a, const char *shrt, const char *lng);

/*
 * run_workload - load `workload` (NULL: none, the defaults) with `sets`,
 * run it, write the report to `output` (NULL: none) and the summary to
 * `summary` unless quiet; the exit status.
 */
int run_workload(const char *workload, const char *const *sets, size_t nsets,
		 const char *output, int quiet, FILE *summary);

/*
 * name_set - "name=<JSON string>" naming a run after the file `path`: its
 * base name, cut to the 63 bytes a workload name holds (at a character
 * boundary).  malloc'd; NULL: out of memory.
 */
char *name_set(const char *path);

/* eptsim replay ..., eptsim trace ... (argv[0] is the command's name) */
int cmd_replay(int argc, char **argv);
int cmd_trace(int argc, char **argv);

#endif
