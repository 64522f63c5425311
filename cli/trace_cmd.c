/*
 * trace_cmd.c - `eptsim replay` and `eptsim trace record|info|convert`.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"
#include "eptsim.h"
#include "traces/trace.h"

static const char replay_help[] =
	"usage: eptsim replay [-o REPORT.json] [--set KEY=VALUE ...] [-q] TRACE\n"
	"\n"
	"Replay a trace under the workload defaults, without writing a workload\n"
	"file: eptsim's own format (recorded by 'eptsim trace record' or\n"
	"converted), valgrind lackey text or ChampSim records, plain or\n"
	"compressed (gzip, xz, zstd), the format and compression told by the\n"
	"bytes.  TRACE '-' reads standard input.  A trace of eptsim's format\n"
	"replays its processes, vCPUs and schedule and the kernel's work as\n"
	"recorded; lackey and ChampSim traces are one process on vCPU 0 whose\n"
	"memory the guest kernel maps on demand.  The defaults run natively on\n"
	"the built-in machine: add --set vm.enabled=true for a VM under EPT.\n"
	"\n"
	"options:\n"
	"  -o, --output FILE    write the JSON report to FILE ('-': standard\n"
	"                       output, the summary then to standard error);\n"
	"                       default: no report\n"
	"  -s, --set KEY=VALUE  override a workload key by its dotted path, e.g.\n"
	"                       --set vm.enabled=true, --set source.format=lackey,\n"
	"                       --set source.access_size=4 (ChampSim's data\n"
	"                       accesses); repeatable, applied in order\n"
	"  -q, --quiet          print neither the summary table nor the progress\n"
	"                       line (accesses replayed and their rate, drawn on\n"
	"                       standard error when it is a terminal)\n"
	"  -h, --help           show this help\n"
	"\n"
	"cpus is the trace's vCPU count unless set.  The formats are documented\n"
	"in docs/trace-format.md.\n"
	"\n"
	"exit status: 0 the replay completed, 1 a process was killed or the\n"
	"machine ran out of memory, 2 bad usage or input (a corrupt trace: the\n"
	"message names the byte offset or line), 3 eptsim itself failed.\n";

static const char trace_help[] =
	"usage: eptsim trace record WORKLOAD.json -o TRACE [--compress C]\n"
	"                          [--set KEY=VALUE ...] [--report REPORT.json] [-q]\n"
	"       eptsim trace info [--format F] [--access-size N] TRACE\n"
	"       eptsim trace convert [--format F] [--access-size N] [--compress C]\n"
	"                            IN -o OUT\n"
	"\n"
	"record   run a workload of programs (source.kind \"program\") and write\n"
	"         its trace in eptsim's format: every access, instruction count,\n"
	"         system call, change to the address space and context switch,\n"
	"         so that 'eptsim replay' gives the run's report again.  The\n"
	"         summary goes to standard error.\n"
	"info     print what a trace holds: its format, vCPUs, processes,\n"
	"         records by kind, instructions, the address range and the\n"
	"         footprint in 4 KiB pages.\n"
	"convert  rewrite a trace (lackey, ChampSim, or eptsim's) in eptsim's\n"
	"         format.\n"
	"\n"
	"options:\n"
	"  -o, --output FILE    the trace written ('-': standard output)\n"
	"  -c, --compress C     none (default), gzip, xz or zstd\n"
	"  -f, --format F       the input's format: auto (default: told by its\n"
	"                       bytes), native, lackey or champsim\n"
	"  -a, --access-size N  ChampSim: bytes of each data access (default 8)\n"
	"  -s, --set KEY=VALUE  record: override a workload key\n"
	"  -r, --report FILE    record: also write the run's JSON report\n"
	"  -q, --quiet          record: do not print the summary table\n"
	"  -h, --help           show this help\n"
	"\n"
	"TRACE and IN may be '-' (standard input) and may be compressed (gzip,\n"
	"xz, zstd).  The formats are documented in docs/trace-format.md.\n"
	"\n"
	"exit status: 0 done, 1 (record) a process was killed or the machine\n"
	"ran out of memory, 2 bad usage or input, 3 eptsim itself failed.\n";

/* kv - "KEY=VALUE" with VALUE the JSON string of `v` (malloc'd; NULL: out of memory) */
static char *kv(const char *key, const char *v)
{
	json_t *j = json_string(v);
	char *js = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;
	char *out = js ? malloc(strlen(key) + strlen(js) + 2) : NULL;

	if (out)
		sprintf(out, "%s=%s", key, js);
	free(js);
	json_decref(j);
	return out;
}

/* enum_index - the index of `v` in the NULL-terminated `names`, or -1 */
static int enum_index(const char *const *names, const char *v)
{
	for (int i = 0; names[i]; i++)
		if (strcmp(names[i], v) == 0)
			return i;
	return -1;
}

/* the options of the trace commands, as parsed */
struct topts {
	const char *output, *report, *in, *workload;
	const char **sets;
	size_t nsets;
	int quiet;
	enum tr_compress comp;
	struct tr_open_opts open;
};

/*
 * parse - the options of `eptsim trace SUB` / `eptsim replay`; positional
 * arguments into in (and workload for record).  EXIT_DONE to go on, -1
 * after --help, else the exit status of a usage error.
 */
static int parse(int argc, char **argv, const char *cmd, const char *help,
		 struct topts *o)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v;

		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			fputs(help, stdout);
			return -1;
		} else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
			o->quiet = 1;
		} else if (strcmp(a, "-") == 0 || a[0] != '-') {
			if (o->in)
				return usage_error(cmd, "one input only, got also '%s'", a);
			o->in = a;
		} else if (matches(a, "-o", "--output") || matches(a, "-r", "--report")) {
			const int out = matches(a, "-o", "--output");

			v = out ? opt_value(argc, argv, &i, "-o", "--output")
				: opt_value(argc, argv, &i, "-r", "--report");
			if (!v || !*v)
				return usage_error(cmd, "%s needs a file name", a);
			*(out ? &o->output : &o->report) = v;
		} else if (matches(a, "-s", "--set")) {
			v = opt_value(argc, argv, &i, "-s", "--set");
			if (!v)
				return usage_error(cmd, "%s needs KEY=VALUE", a);
			o->sets[o->nsets++] = v;
		} else if (matches(a, "-c", "--compress")) {
			int k;

			v = opt_value(argc, argv, &i, "-c", "--compress");
			k = v ? enum_index(tr_compress_names, v) : -1;
			if (k < 0)
				return usage_error(cmd, "%s needs none, gzip, xz or zstd", a);
			o->comp = (enum tr_compress)k;
		} else if (matches(a, "-f", "--format")) {
			int k;

			v = opt_value(argc, argv, &i, "-f", "--format");
			k = v ? enum_index(tr_format_names, v) : -1;
			if (k < 0)
				return usage_error(cmd, "%s needs auto, native, lackey or champsim", a);
			o->open.format = (enum tr_format)k;
		} else if (matches(a, "-a", "--access-size")) {
			char *end;
			unsigned long n;

			v = opt_value(argc, argv, &i, "-a", "--access-size");
			n = v ? strtoul(v, &end, 10) : 0;
			if (!v || *end || n == 0 || n > TR_MAX_SIZE)
				return usage_error(cmd, "%s needs a size in bytes from 1 to 4096", a);
			o->open.access_size = (unsigned)n;
		} else {
			return usage_error(cmd, "unknown option '%s'", a);
		}
	}
	return EXIT_DONE;
}

/* header_cpus - the vCPUs a trace file says it uses (1 if it cannot tell: the replay says why) */
static unsigned header_cpus(const char *path)
{
	struct eptsim_error err;
	struct tr_reader *r;
	unsigned n = 1;

	if (strcmp(path, "-") == 0 || tr_open(&r, path, NULL, &err) < 0)
		return 1;
	n = r->r_ncpus;
	tr_close(r);
	return n;
}

int cmd_replay(int argc, char **argv)
{
	struct topts o = { 0 };
	char *mine[4] = { 0 }, cpus[32];
	int status;

	o.sets = calloc((size_t)argc + 4, sizeof(*o.sets));
	if (!o.sets) {
		fprintf(stderr, "eptsim replay: out of memory\n");
		return EXIT_INTERNAL;
	}
	o.nsets = 4;
	status = parse(argc, argv, "replay", replay_help, &o);
	if (status != EXIT_DONE || o.report || o.comp || o.open.format || o.open.access_size) {
		if (status == EXIT_DONE)
			status = usage_error("replay", "%s", "--report, --compress, --format and --access-size are options of 'eptsim trace'; use -o and --set source.format=F");
		goto out;
	}
	if (!o.in) {
		status = usage_error("replay", "%s", "missing the trace to replay");
		goto out;
	}
	/* the trace's settings first: the command line's --set come after them */
	snprintf(cpus, sizeof(cpus), "cpus=%u", header_cpus(o.in));
	mine[0] = strdup("source.kind=trace");
	mine[1] = kv("source.trace", o.in);
	mine[2] = name_set(o.in);
	mine[3] = strdup(cpus);
	for (int k = 0; k < 4; k++) {
		if (!mine[k]) {
			fprintf(stderr, "eptsim replay: out of memory\n");
			status = EXIT_INTERNAL;
			goto out;
		}
		o.sets[k] = mine[k];
	}
	status = run_workload(NULL, o.sets, o.nsets, o.output, o.quiet,
			      o.output && strcmp(o.output, "-") == 0 ? stderr : stdout);
out:
	for (int k = 0; k < 4; k++)
		free(mine[k]);
	free(o.sets);
	return status == -1 ? EXIT_DONE : status;
}

static int trace_record(struct topts *o)
{
	char *rec = NULL, *comp = NULL;
	int status;

	if (!o->in)
		return usage_error("trace record", "%s", "missing the workload file");
	if (!o->output)
		return usage_error("trace record", "%s", "missing -o TRACE, the trace to write");
	rec = kv("record", o->output);
	comp = kv("record_compression", tr_compress_names[o->comp]);
	if (!rec || !comp) {
		free(rec);
		free(comp);
		fprintf(stderr, "eptsim trace record: out of memory\n");
		return EXIT_INTERNAL;
	}
	/* after the command line's --set: -o names the trace */
	o->sets[o->nsets++] = rec;
	o->sets[o->nsets++] = comp;
	status = run_workload(o->in, o->sets, o->nsets, o->report, o->quiet, stderr);
	free(rec);
	free(comp);
	return status;
}

static void print_info(const char *path, const struct tr_info *in)
{
	printf("%-14s%s\n", "trace", path);
	printf("%-14s%s (%s)\n", "format", tr_format_names[in->format],
	       in->comp == TR_COMP_NONE ? "not compressed" : tr_compress_names[in->comp]);
	printf("%-14s%u\n", "vCPUs", in->ncpus);
	printf("%-14s%u%s\n", "processes", in->nprocs,
	       (in->flags & TR_F_DEMAND) ? " (no address-space events: mapped on demand)" : "");
	printf("%-14s%llu\n", "records", (unsigned long long)in->records);
	for (unsigned k = 0; k < TR_NKINDS; k++) {
		if (k > TR_FETCH && in->by_kind[k] == 0)
			continue;
		printf("  %-12s%llu", tr_kind_name(k), (unsigned long long)in->by_kind[k]);
		if (k <= TR_FETCH)
			printf(" (%llu bytes)", (unsigned long long)in->bytes[k]);
		putchar('\n');
	}
	printf("%-14s%llu\n", "accesses",
	       (unsigned long long)(in->by_kind[TR_READ] + in->by_kind[TR_WRITE] +
				    in->by_kind[TR_FETCH]));
	printf("%-14s%llu\n", "instructions", (unsigned long long)in->instructions);
	if (in->lo <= in->hi)
		printf("%-14s0x%llx - 0x%llx\n", "addresses", (unsigned long long)in->lo,
		       (unsigned long long)in->hi);
	else
		printf("%-14snone\n", "addresses");
	printf("%-14s%llu pages of 4 KiB (%llu KiB)\n", "footprint",
	       (unsigned long long)in->pages, (unsigned long long)in->pages * 4);
}

static int trace_info(struct topts *o)
{
	struct eptsim_error err = { { 0 } };
	struct tr_reader *r;
	struct tr_info in;
	int rc;

	if (!o->in)
		return usage_error("trace info", "%s", "missing the trace");
	if (o->output || o->report || o->nsets || o->comp || o->quiet)
		return usage_error("trace info", "%s", "takes only --format and --access-size");
	rc = tr_open(&r, o->in, &o->open, &err);
	if (rc == 0) {
		rc = tr_info_scan(r, &in, &err);
		tr_close(r);
	}
	if (rc < 0) {
		fprintf(stderr, "eptsim: %s\n", err.msg);
		return rc == -ENOMEM ? EXIT_INTERNAL : EXIT_USAGE;
	}
	print_info(o->in, &in);
	return EXIT_DONE;
}

static int trace_convert(struct topts *o)
{
	struct eptsim_error err = { { 0 } };
	struct tr_reader *r = NULL;
	struct tr_writer *w = NULL;
	struct tr_rec rec;
	int rc;

	if (!o->in)
		return usage_error("trace convert", "%s", "missing the trace to convert");
	if (!o->output)
		return usage_error("trace convert", "%s", "missing -o OUT, the trace to write");
	if (o->report || o->nsets || o->quiet)
		return usage_error("trace convert", "%s", "takes only --format, --access-size, --compress and -o");
	rc = tr_open(&r, o->in, &o->open, &err);
	if (rc == 0)
		rc = tr_writer_open(&w, o->output, o->comp, r->r_ncpus, r->r_flags, &err);
	while (rc == 0 && (rc = tr_next(r, &rec, &err)) > 0)
		rc = tr_write(w, &rec, &err);
	if (rc == 0) {
		rc = tr_writer_close(w, &err);
		w = NULL;
	}
	tr_writer_abort(w);
	tr_close(r);
	if (rc < 0) {
		fprintf(stderr, "eptsim: %s\n", err.msg);
		return rc == -ENOMEM ? EXIT_INTERNAL : EXIT_USAGE;
	}
	return EXIT_DONE;
}

int cmd_trace(int argc, char **argv)
{
	static const char *const subs[] = { "record", "info", "convert", NULL };
	struct topts o = { 0 };
	char cmd[32];
	int status, sub;

	if (argc >= 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		fputs(trace_help, stdout);
		return EXIT_DONE;
	}
	if (argc < 2)
		return usage_error("trace", "%s", "missing a subcommand: record, info or convert");
	sub = enum_index(subs, argv[1]);
	if (sub < 0)
		return usage_error("trace", "unknown subcommand '%s' (record, info, convert)", argv[1]);
	snprintf(cmd, sizeof(cmd), "trace %s", subs[sub]);
	o.sets = calloc((size_t)argc + 2, sizeof(*o.sets));
	if (!o.sets) {
		fprintf(stderr, "eptsim trace: out of memory\n");
		return EXIT_INTERNAL;
	}
	status = parse(argc - 1, argv + 1, cmd, trace_help, &o);
	if (status == EXIT_DONE) {
		if (sub == 0 && (o.open.format || o.open.access_size))
			status = usage_error(cmd, "%s", "--format and --access-size are for info and convert");
		else
			status = sub == 0 ? trace_record(&o) : sub == 1 ? trace_info(&o) : trace_convert(&o);
	}
	free(o.sets);
	return status == -1 ? EXIT_DONE : status;
}
