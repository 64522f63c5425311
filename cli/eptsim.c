/*
 * eptsim.c - the `eptsim` command: a thin front end over libeptsim.
 *
 * Commands: run (a workload), exec (one program under the defaults),
 * replay and trace (cli/trace_cmd.c), sweep (cli/sweep.c), check
 * (cli/check.c), plot (cli/plot.c), probe and explain (a probe file).
 *
 * Exit status (also in --help, README.md and docs/cli.md):
 *   0  the run completed; probe, explain: the accesses were translated
 *   1  the simulation ended abnormally: a simulated process was killed
 *      or the simulated machine ran out of memory (the report is written)
 *   2  bad usage or bad input: command line, workload file, machine preset,
 *      an output file that cannot be written
 *   3  eptsim itself failed: the host ran out of memory
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/cli.h"
#include "eptsim.h"

static const char main_help[] =
	"usage: eptsim [--help] [--version] COMMAND [ARGS]\n"
	"\n"
	"A deterministic, cycle-approximate x86-64 MMU simulator.\n"
	"\n"
	"commands:\n"
	"  run WORKLOAD.json   simulate a workload: print a summary table and\n"
	"                      write a JSON report\n"
	"  exec PROGRAM [ARGS] run one static x86-64 program through the\n"
	"                      simulated MMU under the default settings\n"
	"  replay TRACE        replay a trace (eptsim's own, valgrind lackey or\n"
	"                      ChampSim) under the default settings\n"
	"  trace SUBCOMMAND    record a program's trace, tell what a trace holds,\n"
	"                      convert lackey or ChampSim to eptsim's format\n"
	"  sweep SWEEP.json    run a workload over a grid of settings, in\n"
	"                      parallel, and tabulate the chosen metrics\n"
	"  check REPORT.json   compare a report with a golden report (for CI)\n"
	"  plot REPORT.json    draw a report's, several reports' or a sweep's\n"
	"                      statistics with gnuplot\n"
	"  probe FILE.json     translate the accesses of a probe file and print\n"
	"                      each outcome as JSON\n"
	"  explain FILE.json   the same, each walk step by step for a person\n"
	"\n"
	"options:\n"
	"  -h, --help          show this help\n"
	"  --version           print the version\n"
	"\n"
	"'eptsim COMMAND --help' shows the options of a command.\n"
	"\n"
	"exit status:\n"
	"  0  the run completed (probe, explain: the accesses were translated,\n"
	"     whatever their outcomes)\n"
	"  1  the simulation ended abnormally: a simulated process was killed\n"
	"     (SIGSEGV, ...) or the simulated machine ran out of memory; the\n"
	"     report is still written.  Also: a report differs from its golden\n"
	"     report (check, a workload's expect), a sweep point failed\n"
	"  2  bad usage or bad input: the command line, a workload, probe or\n"
	"     trace file, a machine preset, or an output file that cannot be\n"
	"     written\n"
	"  3  eptsim itself failed (the host ran out of memory)\n";

static const char run_help[] =
	"usage: eptsim run WORKLOAD.json [-o REPORT.json] [--set KEY=VALUE ...] [-q]\n"
	"\n"
	"Simulate the workload, print a summary table and write the JSON report.\n"
	"The same workload and overrides always give a byte-identical report.\n"
	"\n"
	"options:\n"
	"  -o, --output FILE    write the report to FILE (default: report.json);\n"
	"                       '-' writes it to standard output and the summary\n"
	"                       to standard error\n"
	"  -s, --set KEY=VALUE  override a workload key by its dotted path, e.g.\n"
	"                       --set source.accesses=5000 or\n"
	"                       --set machine.tlb.stlb.4k.entries=2048; repeatable,\n"
	"                       applied in order after the file; VALUE is JSON\n"
	"                       if it parses as JSON, else a string\n"
	"  -q, --quiet          print neither the summary table nor the progress\n"
	"                       line\n"
	"  -h, --help           show this help\n"
	"\n"
	"On a terminal, a progress line on standard error shows the accesses made,\n"
	"their rate and the time left (not when programs run: they may write to\n"
	"the same terminal).  With the workload key 'expect', the report is then compared\n"
	"with that golden report as 'eptsim check' does (docs/ci.md).\n"
	"\n"
	"The keys are documented in docs/workload.md.  A machine preset named by\n"
	"machine.preset is read from NAME.json in, first to last: the machines/\n"
	"directory beside the workload file, each directory of $EPTSIM_MACHINES\n"
	"(colon-separated), the presets installed with eptsim (PREFIX/share/\n"
	"eptsim/machines), and workloads/machines of the source tree when eptsim\n"
	"runs from a build directory inside it.\n"
	"\n"
	"exit status: 0 completed, 1 the simulation ended abnormally or the report\n"
	"differs from 'expect', 2 bad usage or input, 3 eptsim itself failed (see\n"
	"eptsim --help).\n";

static const char exec_help[] =
	"usage: eptsim exec [-o REPORT.json] [--set KEY=VALUE ...] [--stdin FILE] [-q]\n"
	"                   PROGRAM [ARGS...]\n"
	"\n"
	"Run one static x86-64 program (as musl-gcc -static builds it) instruction\n"
	"by instruction under the workload defaults, every access through the\n"
	"simulated MMU and its system calls served by the guest kernel model,\n"
	"without writing a workload file.  The program's standard output and\n"
	"error are this command's; the summary table goes to standard error.\n"
	"The defaults run natively on the built-in machine: add\n"
	"--set vm.enabled=true for a VM under EPT.\n"
	"\n"
	"options (before PROGRAM; everything after it is the program's):\n"
	"  -o, --output FILE    write the JSON report to FILE ('-': standard\n"
	"                       output); default: no report\n"
	"  -s, --set KEY=VALUE  override a workload key by its dotted path, e.g.\n"
	"                       --set vm.enabled=true or --set machine.preset=\n"
	"                       skylake-sp; repeatable, applied in order\n"
	"  -i, --stdin FILE     the program's standard input (default: empty)\n"
	"  -q, --quiet          do not print the summary table\n"
	"  -h, --help           show this help\n"
	"\n"
	"exit status: 0 the program ran to its end (whatever its own exit code,\n"
	"which the summary and the report give), 1 it was killed by a signal\n"
	"(SIGSEGV, ...) or the machine ran out of memory, 2 bad usage or input\n"
	"(a program that is not a static x86-64 executable), 3 eptsim itself\n"
	"failed (see eptsim --help).\n";

static const char probe_help[] =
	"usage: eptsim probe FILE.json [--set KEY=VALUE ...]\n"
	"\n"
	"Build the machine, the guest and EPT tables and the edits a probe file\n"
	"describes, translate each of its accesses in order, and print one JSON\n"
	"document: per access the outcome (ok with the GPA and HPA, a guest #PF\n"
	"with its error code, an EPT violation with its exit qualification, an\n"
	"EPT misconfiguration), the memory references made, and every entry the\n"
	"walk read, with its A/D flags afterwards.\n"
	"\n"
	"options:\n"
	"  -s, --set KEY=VALUE  override a machine key of the file: machine.* or\n"
	"                       memory, e.g. --set machine.maxphyaddr=39;\n"
	"                       repeatable, applied in order after the file\n"
	"  -h, --help           show this help\n"
	"\n"
	"The file and the output are documented in docs/probe.md.  Machine\n"
	"presets are found as for 'eptsim run'.\n"
	"\n"
	"exit status: 0 the accesses were translated (whatever their outcomes),\n"
	"2 bad usage or input, 3 eptsim itself failed (see eptsim --help).\n";

static const char explain_help[] =
	"usage: eptsim explain FILE.json [--set KEY=VALUE ...]\n"
	"\n"
	"Run a probe file as 'eptsim probe' does and print it for a person: for\n"
	"each access every step of the walk in order (a memory reference or a\n"
	"walk-cache hit, the level, the table address, the entry decoded), then\n"
	"the outcome and why.\n"
	"\n"
	"options:\n"
	"  -s, --set KEY=VALUE  override a machine key of the file: machine.* or\n"
	"                       memory; repeatable, applied in order after the file\n"
	"  -h, --help           show this help\n"
	"\n"
	"The file is documented in docs/probe.md.\n"
	"\n"
	"exit status: 0 the accesses were translated (whatever their outcomes),\n"
	"2 bad usage or input, 3 eptsim itself failed (see eptsim --help).\n";

int usage_error(const char *cmd, const char *fmt, const char *arg)
{
	fprintf(stderr, "eptsim%s%s: ", cmd ? " " : "", cmd ? cmd : "");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n(try 'eptsim%s%s --help')\n", cmd ? " " : "",
		cmd ? cmd : "");
	return EXIT_USAGE;
}

static int is_dir(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

int make_dirs(const char *cmd, const char *path)
{
	char buf[PATH_MAX];
	size_t n = strlen(path);

	if (n >= sizeof(buf)) {
		fprintf(stderr, "eptsim %s: %s: the path is too long\n", cmd, path);
		return -1;
	}
	memcpy(buf, path, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, 0777) != 0 && errno != EEXIST) {
			fprintf(stderr, "eptsim %s: %s: cannot make the directory: %s\n",
				cmd, buf, strerror(errno));
			return -1;
		}
		buf[i] = path[i];
	}
	if (!is_dir(path)) {
		fprintf(stderr, "eptsim %s: %s: exists and is not a directory\n", cmd, path);
		return -1;
	}
	return 0;
}

/*
 * preset_dirs - the directories searched after the workload's own
 * machines/: $EPTSIM_MACHINES, then those found relative to this program:
 * PREFIX/share/eptsim/machines when installed in PREFIX/bin, and the
 * source tree's workloads/machines when run from its build directory.
 * Only directories that exist are listed.  The strings live in `store`.
 */
static void preset_dirs(const char **dirs, size_t max, char *store,
			size_t storelen)
{
	static const char *const rel[] = { "/../share/eptsim/machines",
					   "/../workloads/machines" };
	const char *env = getenv("EPTSIM_MACHINES");
	char exe[PATH_MAX];
	size_t n = 0, used = 0;
	ssize_t len;

	while (env && *env && n + 1 < max) {
		size_t l = strcspn(env, ":");

		if (l > 0 && used + l + 1 <= storelen) {
			memcpy(store + used, env, l);
			store[used + l] = '\0';
			if (is_dir(store + used)) {
				dirs[n++] = store + used;
				used += l + 1;
			}
		}
		env += l + (env[l] == ':');
	}
	len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (len > 0) {
		char *slash;

		exe[len] = '\0';
		slash = strrchr(exe, '/');
		if (slash)
			*slash = '\0';
		for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]) && n + 1 < max; i++) {
			char cand[PATH_MAX + 64], real[PATH_MAX];
			size_t l;

			snprintf(cand, sizeof(cand), "%s%s", exe, rel[i]);
			if (!is_dir(cand) || !realpath(cand, real))
				continue;
			l = strlen(real);
			if (used + l + 1 > storelen)
				break;
			memcpy(store + used, real, l + 1);
			dirs[n++] = store + used;
			used += l + 1;
		}
	}
	dirs[n] = NULL;
}

const char *opt_value(int argc, char **argv, int *i, const char *shrt,
		      const char *lng)
{
	const char *a = argv[*i];
	size_t ll = strlen(lng);

	if (strncmp(a, lng, ll) == 0 && a[ll] == '=')
		return a + ll + 1;
	if (strcmp(a, lng) == 0 || strcmp(a, shrt) == 0)
		return *i + 1 < argc ? argv[++*i] : NULL;
	if (strncmp(a, shrt, 2) == 0 && a[2] != '\0')
		return a + 2;
	return NULL;
}

int matches(const char *a, const char *shrt, const char *lng)
{
	size_t ll = strlen(lng);

	return strcmp(a, shrt) == 0 || strcmp(a, lng) == 0 ||
	       (strncmp(a, lng, ll) == 0 && a[ll] == '=') ||
	       (strncmp(a, shrt, 2) == 0 && a[2] != '\0' && a[1] != '-');
}

int load_workload(const char *workload, const char *const *sets, size_t nsets,
		  struct eptsim_config **cfg)
{
	const char *dirs[16];
	char store[8192];
	struct eptsim_load_opts o = { 0 };
	struct eptsim_error err = { { 0 } };
	int rc;

	preset_dirs(dirs, sizeof(dirs) / sizeof(dirs[0]), store, sizeof(store));
	o.sets = sets;
	o.nsets = nsets;
	o.machine_dirs = dirs;
	rc = eptsim_config_load(workload, &o, cfg, &err);
	if (rc < 0) {
		*cfg = NULL;
		fprintf(stderr, "eptsim: %s\n", err.msg);
		return rc == -ENOMEM ? EXIT_INTERNAL : EXIT_USAGE;
	}
	return EXIT_DONE;
}

int run_workload(const char *workload, const char *const *sets, size_t nsets,
		 const char *output, int quiet, FILE *summary)
{
	struct eptsim_error err = { { 0 } };
	struct eptsim_config *cfg = NULL;
	struct eptsim_result *res = NULL;
	struct eptsim_run_opts ro = { 0 };
	struct progress *pg;
	int rc, status, checked;

	status = load_workload(workload, sets, nsets, &cfg);
	if (status != EXIT_DONE)
		goto out;
	/* programs write to the terminal too: their output would land on the line */
	if (quiet || eptsim_config_runs_programs(cfg))
		pg = NULL;
	else
		pg = progress_open(stderr, "run");
	ro.progress = pg ? progress_run : NULL;
	ro.arg = pg;
	rc = eptsim_run_ex(cfg, &ro, &res, &err);
	progress_close(pg);
	if (rc < 0) {
		fprintf(stderr, "eptsim: %s\n", err.msg);
		status = rc == -ENOMEM ? EXIT_INTERNAL : EXIT_USAGE;
		goto out;
	}
	fflush(stdout);
	rc = output ? eptsim_report_write(res, output, &err) : 0;
	if (rc < 0) {
		fprintf(stderr, "eptsim: %s\n", err.msg);
		status = rc == -ENOMEM ? EXIT_INTERNAL : EXIT_USAGE;
		goto out;
	}
	if (!quiet)
		eptsim_summary_print(res, summary);
	status = eptsim_result_status(res) == EPTSIM_COMPLETED ? EXIT_DONE
							      : EXIT_ABNORMAL;
	if (status == EXIT_ABNORMAL)
		fprintf(stderr, "eptsim: the simulation ended abnormally: %s\n",
			eptsim_status_name(eptsim_result_status(res)));
	/* `expect`: a report that differs from its golden one fails the run */
	fflush(summary);
	checked = check_expect(cfg, res, stderr);
	if (checked > status)
		status = checked;
out:
	eptsim_result_free(res);
	eptsim_config_free(cfg);
	return status;
}

static int cmd_run(int argc, char **argv)
{
	const char *workload = NULL, *output = "report.json";
	const char **sets = calloc((size_t)argc, sizeof(*sets));
	int quiet = 0, status = EXIT_USAGE;
	size_t nsets = 0;

	if (!sets) {
		fprintf(stderr, "eptsim run: out of memory\n");
		return EXIT_INTERNAL;
	}
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			fputs(run_help, stdout);
			status = EXIT_DONE;
			goto out;
		} else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
			quiet = 1;
		} else if (matches(a, "-o", "--output")) {
			output = opt_value(argc, argv, &i, "-o", "--output");
			if (!output || !*output) {
				status = usage_error("run", "%s needs a file name", a);
				goto out;
			}
		} else if (matches(a, "-s", "--set")) {
			const char *v = opt_value(argc, argv, &i, "-s", "--set");

			if (!v) {
				status = usage_error("run", "%s needs KEY=VALUE", a);
				goto out;
			}
			sets[nsets++] = v;
		} else if (a[0] == '-' && a[1] != '\0') {
			status = usage_error("run", "unknown option '%s'", a);
			goto out;
		} else if (workload) {
			status = usage_error("run", "one workload file only, got also '%s'", a);
			goto out;
		} else {
			workload = a;
		}
	}
	if (!workload) {
		status = usage_error("run", "%s", "missing the workload file");
		goto out;
	}

	status = run_workload(workload, sets, nsets, output, quiet,
			      strcmp(output, "-") == 0 ? stderr : stdout);
out:
	free(sets);
	return status;
}

char *name_set(const char *path)
{
	const char *base = strrchr(path, '/');
	char nm[64], *out = NULL, *js;
	size_t n;
	json_t *j;

	base = base ? base + 1 : path;
	n = strlen(base) < sizeof(nm) - 1 ? strlen(base) : sizeof(nm) - 1;
	while (n > 0 && n < strlen(base) && ((unsigned char)base[n] & 0xc0) == 0x80)
		n--;    /* not inside a UTF-8 character */
	memcpy(nm, base, n);
	nm[n] = '\0';
	j = json_string(nm);
	js = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;
	if (js && (out = malloc(strlen(js) + sizeof("name="))))
		sprintf(out, "name=%s", js);
	free(js);
	json_decref(j);
	return out;
}

/*
 * exec_sets - the overrides that make the defaults run PROGRAM ARGS:
 * source.kind "program", one process, the run named after the program.
 * The strings are allocated into sets[0..2]; 0 or -ENOMEM.
 */
static int exec_sets(char **sets, const char *prog, char *const *args, size_t nargs,
		     const char *in)
{
	json_t *a = json_array(), *procs;
	char *name;

	for (size_t i = 0; a && i < nargs; i++)
		if (json_array_append_new(a, json_string(args[i])) < 0) {
			json_decref(a);
			a = NULL;
		}
	procs = a ? json_pack("[{s:s, s:o, s:s}]", "program", prog, "args", a,
			      "stdin", in ? in : "") : NULL;
	name = json_dumps(procs, JSON_COMPACT);
	json_decref(procs);
	sets[0] = strdup("source.kind=program");
	sets[1] = name ? malloc(strlen(name) + sizeof("processes=")) : NULL;
	if (sets[1])
		sprintf(sets[1], "processes=%s", name);
	free(name);
	sets[2] = name_set(prog);
	return sets[0] && sets[1] && sets[2] ? 0 : -ENOMEM;
}

static int cmd_exec(int argc, char **argv)
{
	const char *output = NULL, *in = NULL;
	char **sets = calloc((size_t)argc + 3, sizeof(*sets));
	size_t nsets = 3;
	int quiet = 0, status = EXIT_USAGE, i;

	if (!sets) {
		fprintf(stderr, "eptsim exec: out of memory\n");
		return EXIT_INTERNAL;
	}
	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1] != '\0'; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--") == 0) {
			i++;
			break;
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			fputs(exec_help, stdout);
			status = EXIT_DONE;
			goto out;
		} else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
			quiet = 1;
		} else if (matches(a, "-o", "--output")) {
			output = opt_value(argc, argv, &i, "-o", "--output");
			if (!output || !*output) {
				status = usage_error("exec", "%s needs a file name", a);
				goto out;
			}
		} else if (matches(a, "-i", "--stdin")) {
			in = opt_value(argc, argv, &i, "-i", "--stdin");
			if (!in || !*in) {
				status = usage_error("exec", "%s needs a file name", a);
				goto out;
			}
		} else if (matches(a, "-s", "--set")) {
			const char *v = opt_value(argc, argv, &i, "-s", "--set");

			if (!v) {
				status = usage_error("exec", "%s needs KEY=VALUE", a);
				goto out;
			}
			sets[nsets++] = (char *)v;
		} else {
			status = usage_error("exec", "unknown option '%s'", a);
			goto out;
		}
	}
	if (i >= argc) {
		status = usage_error("exec", "%s", "missing the program to run");
		goto out;
	}
	/* the overrides of the command line come after the program's */
	if (exec_sets(sets, argv[i], argv + i + 1, (size_t)(argc - i - 1), in) < 0) {
		fprintf(stderr, "eptsim exec: out of memory\n");
		status = EXIT_INTERNAL;
		goto out;
	}
	status = run_workload(NULL, (const char *const *)sets, nsets, output, quiet,
			      stderr);
out:
	for (size_t k = 0; k < 3; k++)
		free(sets[k]);
	free(sets);
	return status;
}

/* cmd_probe - `eptsim probe` (JSON) and `eptsim explain` (text) */
static int cmd_probe(int argc, char **argv, const char *cmd,
		     enum eptsim_probe_style style)
{
	const char *file = NULL;
	const char **sets = calloc((size_t)argc, sizeof(*sets));
	const char *dirs[16];
	char store[8192];
	struct eptsim_load_opts o = { 0 };
	struct eptsim_error err = { { 0 } };
	int rc, status = EXIT_USAGE;
	size_t nsets = 0;

	if (!sets) {
		fprintf(stderr, "eptsim %s: out of memory\n", cmd);
		return EXIT_INTERNAL;
	}
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			fputs(style == EPTSIM_PROBE_JSON ? probe_help : explain_help,
			      stdout);
			status = EXIT_DONE;
			goto out;
		} else if (matches(a, "-s", "--set")) {
			const char *v = opt_value(argc, argv, &i, "-s", "--set");

			if (!v) {
				status = usage_error(cmd, "%s needs KEY=VALUE", a);
				goto out;
			}
			sets[nsets++] = v;
		} else if (a[0] == '-' && a[1] != '\0') {
			status = usage_error(cmd, "unknown option '%s'", a);
			goto out;
		} else if (file) {
			status = usage_error(cmd, "one probe file only, got also '%s'", a);
			goto out;
		} else {
			file = a;
		}
	}
	if (!file) {
		status = usage_error(cmd, "%s", "missing the probe file");
		goto out;
	}
	preset_dirs(dirs, sizeof(dirs) / sizeof(dirs[0]), store, sizeof(store));
	o.sets = sets;
	o.nsets = nsets;
	o.machine_dirs = dirs;
	rc = eptsim_probe(file, &o, style, stdout, &err);
	if (rc < 0) {
		fflush(stdout);
		fprintf(stderr, "eptsim: %s\n", err.msg);
		status = rc == -ENOMEM ? EXIT_INTERNAL : EXIT_USAGE;
		goto out;
	}
	status = EXIT_DONE;
out:
	free(sets);
	return status;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage_error(NULL, "%s", "missing a command");
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		fputs(main_help, stdout);
		return EXIT_DONE;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("eptsim %s\n", eptsim_version());
		return EXIT_DONE;
	}
	if (strcmp(argv[1], "run") == 0)
		return cmd_run(argc - 1, argv + 1);
	if (strcmp(argv[1], "exec") == 0)
		return cmd_exec(argc - 1, argv + 1);
	if (strcmp(argv[1], "replay") == 0)
		return cmd_replay(argc - 1, argv + 1);
	if (strcmp(argv[1], "trace") == 0)
		return cmd_trace(argc - 1, argv + 1);
	if (strcmp(argv[1], "plot") == 0)
		return cmd_plot(argc - 1, argv + 1);
	if (strcmp(argv[1], "check") == 0)
		return cmd_check(argc - 1, argv + 1);
	if (strcmp(argv[1], "sweep") == 0)
		return cmd_sweep(argc - 1, argv + 1);
	if (strcmp(argv[1], "probe") == 0)
		return cmd_probe(argc - 1, argv + 1, "probe", EPTSIM_PROBE_JSON);
	if (strcmp(argv[1], "explain") == 0)
		return cmd_probe(argc - 1, argv + 1, "explain", EPTSIM_PROBE_TEXT);
	if (argv[1][0] == '-')
		return usage_error(NULL, "unknown option '%s'", argv[1]);
	return usage_error(NULL, "unknown command '%s'", argv[1]);
}
