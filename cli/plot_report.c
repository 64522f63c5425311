/*
 * plot_report.c - the four charts of one report: TLB miss rate over time,
 * memory references per walk, faults and VM exits over time, and where
 * the cycles went.
 *
 * The two charts over time read the sample rows, which are cumulative:
 * an interval's count is a row less the row before it (the first row less
 * zero).  Rows with the same `accesses` (the final row that follows a row
 * taken on the run's last access, carrying the HLT exits) are merged into
 * the later one, and rows at 0 accesses into the interval that follows,
 * so that every interval has accesses and an x of its own.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"
#include "cli/plot.h"

/* the sample rows a chart over time uses */
struct samples {
	json_t *sm_columns;
	json_t *sm_rows;
	long long sm_every;
	size_t *sm_keep;                /* indices of the rows kept */
	size_t sm_nkeep;
};

/* counter - counters object `cs` at dotted `name` as an integer; 0 when missing */
static long long counter(json_t *cs, const char *name)
{
	char key[128];
	const char *p = name;

	while (cs) {
		size_t n = strcspn(p, ".");

		if (n >= sizeof(key))
			return 0;
		memcpy(key, p, n);
		key[n] = '\0';
		cs = json_object_get(cs, key);
		if (p[n] == '\0')
			break;
		p += n + 1;
	}
	return json_is_integer(cs) ? (long long)json_integer_value(cs) : 0;
}

/* column - index of the sample column `name`, or -1 */
static int column(const struct samples *sm, const char *name)
{
	size_t i;
	json_t *c;

	json_array_foreach(sm->sm_columns, i, c)
		if (json_is_string(c) && strcmp(json_string_value(c), name) == 0)
			return (int)i;
	return -1;
}

/* cell - row k of the kept rows (k = -1: the zero row before them), column col; 0 when missing */
static long long cell(const struct samples *sm, long k, int col)
{
	json_t *v;

	if (k < 0 || col < 0)
		return 0;
	v = json_array_get(json_array_get(sm->sm_rows, sm->sm_keep[k]), (size_t)col);
	return json_is_integer(v) ? (long long)json_integer_value(v) : 0;
}

/* delta - column `col` over interval k (kept row k less the one before) */
static long long delta(const struct samples *sm, size_t k, int col)
{
	return cell(sm, (long)k, col) - cell(sm, (long)k - 1, col);
}

/* total - the sum of columns `names` in kept row k (-1: zero) */
static long long total(const struct samples *sm, long k, const char *const *names)
{
	long long s = 0;

	for (; *names; names++)
		s += cell(sm, k, column(sm, *names));
	return s;
}

/*
 * samples_open - the rows of report `rep` that make intervals: 0, -1
 * when there are none to draw (no rows, no "accesses" column, no access),
 * -ENOMEM.  sm_keep is freed by the caller in every case.
 */
static int samples_open(struct samples *sm, json_t *rep)
{
	json_t *s = json_object_get(rep, "samples");
	size_t n, i;
	int acc;

	memset(sm, 0, sizeof(*sm));
	sm->sm_columns = json_object_get(s, "columns");
	sm->sm_rows = json_object_get(s, "rows");
	sm->sm_every = json_integer_value(json_object_get(s, "every"));
	n = json_array_size(sm->sm_rows);
	if (!json_is_array(sm->sm_columns) || n == 0)
		return -1;
	sm->sm_keep = malloc(n * sizeof(*sm->sm_keep));
	if (!sm->sm_keep)
		return -ENOMEM;
	acc = column(sm, "accesses");
	if (acc < 0)
		return -1;
	for (i = 0; i < n; i++) {
		json_t *v = json_array_get(json_array_get(sm->sm_rows, i), (size_t)acc);
		long long a = json_is_integer(v) ? (long long)json_integer_value(v) : 0;
		long long prev = sm->sm_nkeep ? cell(sm, (long)sm->sm_nkeep - 1, acc) : 0;

		if (a <= prev && sm->sm_nkeep == 0)
			continue;               /* at 0 accesses: into the next interval */
		if (a <= prev)
			sm->sm_keep[sm->sm_nkeep - 1] = i;      /* merged into the later row */
		else
			sm->sm_keep[sm->sm_nkeep++] = i;
	}
	if (sm->sm_every <= 0)
		sm->sm_every = cell(sm, 0, acc);
	return sm->sm_nkeep ? 0 : -1;
}

/* ---- PREFIX-tlb: miss rate per TLB level over time ------------------------ */

static const struct tlb_level {
	const char *tl_name;            /* in the counter names */
	const char *tl_label;
} tlb_levels[] = {
	{ "l1d", "L1 data TLB" },
	{ "l1i", "L1 instruction TLB" },
	{ "stlb", "STLB" },
};
#define NLEVELS (sizeof(tlb_levels) / sizeof(tlb_levels[0]))

/* lookup_cols - the four column names whose sum is level l's lookups */
static void lookup_cols(const struct tlb_level *l, char names[4][48],
			const char *ptrs[5])
{
	static const char *const what[] = { "hits_4k", "hits_2m", "hits_1g", "misses" };

	for (int i = 0; i < 4; i++) {
		snprintf(names[i], sizeof(names[i]), "tlb.%s.%s", l->tl_name, what[i]);
		ptrs[i] = names[i];
	}
	ptrs[4] = NULL;
}

/* chart_tlb - PREFIX-tlb from the kept sample rows; the exit status */
static int chart_tlb(const struct plot *pl, const char *file, const char *prefix,
		     const char *who, const struct samples *sm)
{
	char names[NLEVELS][4][48], title[256];
	const char *cols[NLEVELS][5];
	int shown[NLEVELS], nshown = 0, col = 3, rc;
	struct chart c;
	size_t l, k;

	for (l = 0; l < NLEVELS; l++) {
		lookup_cols(&tlb_levels[l], names[l], cols[l]);
		shown[l] = total(sm, (long)sm->sm_nkeep - 1, cols[l]) > 0;
		nshown += shown[l];
	}
	if (nshown == 0) {
		fprintf(stderr, "eptsim plot: %s: no TLB lookups in the samples; "
			"the TLB chart is not drawn\n", file);
		return EXIT_DONE;
	}
	snprintf(title, sizeof(title), "%s: TLB miss rate per level", who);
	rc = chart_open(&c, pl, prefix, "tlb");
	if (rc != EXIT_DONE)
		return rc;
	dat_head(&c, title, "the sample rows of ", file);
	fprintf(c.ch_dat, " (a row every %lld accesses)\n"
		"# column 1: accesses, cumulative, at the end of the interval\n"
		"# column 2: accesses in the interval\n", sm->sm_every);
	for (l = 0; l < NLEVELS; l++) {
		if (!shown[l])
			continue;
		fprintf(c.ch_dat, "# columns %d-%d: %s: miss rate in the interval "
			"(percent of lookups; NaN = no lookup), misses, lookups\n",
			col, col + 2, tlb_levels[l].tl_label);
		col += 3;
	}
	for (k = 0; k < sm->sm_nkeep; k++) {
		fprintf(c.ch_dat, "%lld %lld", cell(sm, (long)k, column(sm, "accesses")),
			delta(sm, k, column(sm, "accesses")));
		for (l = 0; l < NLEVELS; l++) {
			long long miss, look;

			if (!shown[l])
				continue;
			miss = delta(sm, k, column(sm, cols[l][3]));
			look = total(sm, (long)k, cols[l]) - total(sm, (long)k - 1, cols[l]);
			if (look > 0)
				fprintf(c.ch_dat, " %.4f", 100.0 * (double)miss / (double)look);
			else
				fprintf(c.ch_dat, " NaN");
			fprintf(c.ch_dat, " %lld %lld", miss, look);
		}
		fputc('\n', c.ch_dat);
	}

	chart_begin(&c, title, "accesses (at the end of each interval)",
		    "misses per lookup in the interval (%)");
	fprintf(c.ch_gp, "set xrange [0:*]\nset yrange [0:*]\nset rmargin 6\nplot");
	col = 3;
	for (l = 0; l < NLEVELS; l++) {
		if (!shown[l])
			continue;
		fprintf(c.ch_gp, "%s \"%s.dat\" using 1:%d with linespoints title ",
			col == 3 ? "" : ", \\\n    ", c.ch_name, col);
		gp_str(c.ch_gp, tlb_levels[l].tl_label);
		col += 3;
	}
	fputc('\n', c.ch_gp);
	return chart_draw(&c, title);
}

/* ---- PREFIX-walks: memory references per walk ----------------------------- */

/* hist_total - the walks of histogram h */
static long long hist_total(json_t *h)
{
	long long s = 0;
	size_t i;
	json_t *v;

	json_array_foreach(h, i, v)
		s += json_integer_value(v);
	return s;
}

/* chart_walks - PREFIX-walks from the run's (and the baseline's) walk histogram; the exit status */
static int chart_walks(const struct plot *pl, const char *file, const char *prefix,
		       const char *who, json_t *rep, int vm)
{
	json_t *h[2] = {
		json_object_get(json_object_get(rep, "histograms"), "walks.mem_refs"),
		json_object_get(json_object_get(json_object_get(rep, "overhead"),
						"native_histograms"), "walks.mem_refs"),
	};
	long long tot[2];
	char title[256], label[2][96];
	size_t nser = json_is_array(h[1]) ? 2 : 1, nbins = 0, i, s;
	struct chart c;
	int rc;

	if (!json_is_array(h[0])) {
		fprintf(stderr, "eptsim plot: %s: no histograms.walks.mem_refs; "
			"the walks chart is not drawn\n", file);
		return EXIT_DONE;
	}
	for (s = 0; s < nser; s++) {
		tot[s] = hist_total(h[s]);
		for (i = 0; i < json_array_size(h[s]); i++)
			if (json_integer_value(json_array_get(h[s], i)) != 0 && i + 1 > nbins)
				nbins = i + 1;  /* trailing bins zero in every series are cut */
	}
	if (nbins == 0) {
		fprintf(stderr, "eptsim plot: %s: no page walks; the walks chart is "
			"not drawn\n", file);
		return EXIT_DONE;
	}
	snprintf(label[0], sizeof(label[0]), "%s (%lld walks)",
		 vm ? "VM: 2D walks under EPT" : "native", tot[0]);
	snprintf(label[1], sizeof(label[1]), "native baseline (%lld walks)", tot[1]);
	snprintf(title, sizeof(title), "%s: memory references per page walk", who);
	rc = chart_open(&c, pl, prefix, "walks");
	if (rc != EXIT_DONE)
		return rc;
	dat_head(&c, title, "", file);
	fprintf(c.ch_dat, ": histograms.walks.mem_refs%s\n"
		"# column 1: memory references made by one walk\n",
		nser == 2 ? " and overhead.native_histograms.walks.mem_refs" : "");
	for (s = 0; s < nser; s++)
		fprintf(c.ch_dat, "# column %zu: %s: walks that made that many "
			"references (percent of its walks)\n", 2 + s, label[s]);
	for (s = 0; s < nser; s++)
		fprintf(c.ch_dat, "# column %zu: %s: walks (count)\n", 2 + nser + s,
			label[s]);
	for (i = 0; i < nbins; i++) {
		fprintf(c.ch_dat, "%zu", i);
		for (s = 0; s < nser; s++) {
			long long v = json_integer_value(json_array_get(h[s], i));

			fprintf(c.ch_dat, " %.4f", tot[s] ? 100.0 * (double)v / (double)tot[s] : 0.0);
		}
		for (s = 0; s < nser; s++)
			fprintf(c.ch_dat, " %lld", (long long)json_integer_value(json_array_get(h[s], i)));
		fputc('\n', c.ch_dat);
	}

	chart_begin(&c, title, "memory references per walk", "share of the walks (%)");
	fprintf(c.ch_gp, "set style data histograms\n"
		"set style histogram clustered gap 1\n"
		"set style fill solid 0.8 border -1\n"
		"set yrange [0:*]\n"
		"plot \"%s.dat\" using 2:xtic(1) title ", c.ch_name);
	gp_str(c.ch_gp, label[0]);
	if (nser == 2) {
		fprintf(c.ch_gp, ", \\\n    \"%s.dat\" using 3 title ", c.ch_name);
		gp_str(c.ch_gp, label[1]);
	}
	fputc('\n', c.ch_gp);
	return chart_draw(&c, title);
}

/* ---- PREFIX-exits: faults and VM exits over time -------------------------- */

static const struct exit_kind {
	const char *ek_label;           /* in a VM */
	const char *ek_native;          /* natively; NULL: does not apply */
	int ek_always;                  /* drawn even when 0 throughout */
	const char *ek_cols[4];         /* summed sample columns */
} exit_kinds[] = {
	{ "guest #PF", "#PF", 1, { "kernel.guest.faults" } },
	{ "EPT violations", NULL, 0, { "vmx.exits.ept_violation" } },
	{ "A/D emulations", NULL, 0,
	  { "kernel.host.ad_accessed", "kernel.host.ad_dirty" } },
	{ "EPT misconfigurations", NULL, 0, { "vmx.exits.ept_misconfig" } },
	{ "INVEPT", NULL, 0,
	  { "vmx.invept.single_context", "vmx.invept.all_context" } },
	{ "IPIs", "IPIs", 0, { "vmx.ipis.ept", "vmx.ipis.guest", "vmx.ipis.posted" } },
};
#define NKINDS (sizeof(exit_kinds) / sizeof(exit_kinds[0]))

/* chart_exits - PREFIX-exits from the kept sample rows; vm: the kinds of a VM apply; the exit status */
static int chart_exits(const struct plot *pl, const char *file, const char *prefix,
		       const char *who, const struct samples *sm, int vm)
{
	char title[256], ylabel[96], omitted[256] = "";
	int applies[NKINDS], drawn[NKINDS], col = 3, first = 1, rc;
	struct chart c;
	size_t e, k;

	for (e = 0; e < NKINDS; e++) {
		applies[e] = vm || exit_kinds[e].ek_native;
		drawn[e] = applies[e] && (exit_kinds[e].ek_always ||
			   total(sm, (long)sm->sm_nkeep - 1, exit_kinds[e].ek_cols) != 0);
		if (applies[e] && !drawn[e])
			snprintf(omitted + strlen(omitted), sizeof(omitted) - strlen(omitted),
				 "%s%s", omitted[0] ? ", " : "", exit_kinds[e].ek_label);
	}
	snprintf(title, sizeof(title), "%s: %s over time", who,
		 vm ? "guest faults and VM exits" : "page faults and IPIs");
	snprintf(ylabel, sizeof(ylabel), "events per %lld accesses", sm->sm_every);
	rc = chart_open(&c, pl, prefix, "exits");
	if (rc != EXIT_DONE)
		return rc;
	dat_head(&c, title, "the sample rows of ", file);
	fprintf(c.ch_dat, " (a row every %lld accesses); the chart draws\n"
		"# each count x %lld / column 2, events per %lld accesses\n"
		"# column 1: accesses, cumulative, at the end of the interval\n"
		"# column 2: accesses in the interval\n",
		sm->sm_every, sm->sm_every, sm->sm_every);
	for (e = 0; e < NKINDS; e++) {
		if (!applies[e])
			continue;
		fprintf(c.ch_dat, "# column %d: %s in the interval (count:", col++,
			vm ? exit_kinds[e].ek_label : exit_kinds[e].ek_native);
		for (const char *const *n = exit_kinds[e].ek_cols; *n; n++)
			fprintf(c.ch_dat, "%s%s", n == exit_kinds[e].ek_cols ? " " : " + ", *n);
		fprintf(c.ch_dat, ")%s\n", drawn[e] ? "" : "; 0 throughout, not drawn");
	}
	for (k = 0; k < sm->sm_nkeep; k++) {
		fprintf(c.ch_dat, "%lld %lld", cell(sm, (long)k, column(sm, "accesses")),
			delta(sm, k, column(sm, "accesses")));
		for (e = 0; e < NKINDS; e++)
			if (applies[e])
				fprintf(c.ch_dat, " %lld",
					total(sm, (long)k, exit_kinds[e].ek_cols) -
					total(sm, (long)k - 1, exit_kinds[e].ek_cols));
		fputc('\n', c.ch_dat);
	}

	chart_begin(&c, title, "accesses (at the end of each interval)", ylabel);
	if (omitted[0]) {
		char note[300];

		snprintf(note, sizeof(note), "0 throughout, not drawn: %s", omitted);
		fprintf(c.ch_gp, "set key title ");
		gp_str(c.ch_gp, note);
		fputc('\n', c.ch_gp);
	}
	fprintf(c.ch_gp, "set xrange [0:*]\nset yrange [0:*]\nset rmargin 6\nplot");
	col = 3;
	for (e = 0; e < NKINDS; e++) {
		if (!applies[e])
			continue;
		if (drawn[e]) {
			fprintf(c.ch_gp, "%s \"%s.dat\" using 1:($%d * %lld / $2) "
				"with linespoints title ", first ? "" : ", \\\n    ",
				c.ch_name, col, sm->sm_every);
			gp_str(c.ch_gp, vm ? exit_kinds[e].ek_label : exit_kinds[e].ek_native);
			first = 0;
		}
		col++;
	}
	fputc('\n', c.ch_gp);
	return chart_draw(&c, title);
}

/* ---- PREFIX-cycles: where the cycles went --------------------------------- */

static const struct cycle_part {
	const char *cp_name;            /* cycles.NAME */
	const char *cp_label;
} cycle_parts[] = {
	{ "base", "base (instructions)" },
	{ "tlb", "TLB lookups" },
	{ "walk", "page walks" },
	{ "exit", "VM exits and entries" },
	{ "fault", "faults (kernel work)" },
	{ "inv", "invalidations and IPIs" },
	{ "kernel", "system calls and switches" },
};
#define NPARTS (sizeof(cycle_parts) / sizeof(cycle_parts[0]))

/* chart_cycles - PREFIX-cycles: the run's (and the baseline's) cycle counters stacked; the exit status */
static int chart_cycles(const struct plot *pl, const char *file, const char *prefix,
			const char *who, json_t *rep, int vm)
{
	json_t *ov = json_object_get(rep, "overhead");
	json_t *cs[2] = { json_object_get(rep, "counters"),
			  json_object_get(ov, "native_counters") };
	const char *bar[2] = { vm ? "VM under EPT" : "native", "native baseline" };
	size_t nbars = json_is_object(cs[1]) ? 2 : 1, b, p;
	char title[256], name[32];
	struct chart c;
	int rc;

	snprintf(title, sizeof(title), "%s: where the cycles went", who);
	rc = chart_open(&c, pl, prefix, "cycles");
	if (rc != EXIT_DONE)
		return rc;
	dat_head(&c, title, "", file);
	fprintf(c.ch_dat, ": counters.cycles.*%s; all in cycles\n"
		"# one row per bar; column 1: the bar\n",
		nbars == 2 ? " and overhead.native_counters.cycles.*" : "");
	for (p = 0; p < NPARTS; p++)
		fprintf(c.ch_dat, "# column %zu: cycles.%s, %s\n", p + 2,
			cycle_parts[p].cp_name, cycle_parts[p].cp_label);
	fprintf(c.ch_dat, "# column %zu: cycles.total\n", NPARTS + 2);
	for (b = 0; b < nbars; b++) {
		fprintf(c.ch_dat, "\"%s\"", bar[b]);
		for (p = 0; p < NPARTS; p++) {
			snprintf(name, sizeof(name), "cycles.%s", cycle_parts[p].cp_name);
			fprintf(c.ch_dat, " %lld", counter(cs[b], name));
		}
		fprintf(c.ch_dat, " %lld\n", counter(cs[b], "cycles.total"));
	}

	chart_begin(&c, title, "", "cycles (millions)");
	if (nbars == 2) {
		char ratio[96];

		snprintf(ratio, sizeof(ratio), "EPT/native cycle ratio %s",
			 plot_str(ov, "ratio", "?"));
		fprintf(c.ch_gp, "set xlabel ");
		gp_str(c.ch_gp, ratio);
		fputc('\n', c.ch_gp);
	}
	fprintf(c.ch_gp, "set style data histograms\n"
		"set style histogram rowstacked\n"
		"set style fill solid 0.8 border -1\n"
		"set boxwidth 0.5\n"
		"set key outside right top vertical\n"
		"set xrange [-0.75:%zu.75]\n"
		"set yrange [0:*]\n"
		"set offsets 0, 0, graph 0.08, 0\n"
		"plot", nbars - 1);
	for (p = 0; p < NPARTS; p++) {
		fprintf(c.ch_gp, "%s \"%s.dat\" using ($%zu / 1e6)%s title ",
			p ? ", \\\n    " : "", c.ch_name, p + 2, p ? "" : ":xtic(1)");
		gp_str(c.ch_gp, cycle_parts[p].cp_label);
	}
	fprintf(c.ch_gp, ", \\\n    \"%s.dat\" using 0:($%zu / 1e6):"
		"(sprintf(\"total %%.2f M\", $%zu / 1e6)) with labels offset 0,1 notitle\n",
		c.ch_name, NPARTS + 2, NPARTS + 2);
	return chart_draw(&c, title);
}

int plot_report(const struct plot *pl, const char *file, json_t *rep,
		const char *prefix)
{
	json_t *cfg = json_object_get(rep, "config");
	int vm = json_is_true(json_object_get(json_object_get(cfg, "vm"), "enabled"));
	struct samples sm;
	char who[160];
	int rc, have;

	snprintf(who, sizeof(who), "%s on %s", plot_str(cfg, "name", "(unnamed)"),
		 plot_str(cfg, "machine.name", "(unnamed machine)"));
	rc = samples_open(&sm, rep);
	if (rc == -ENOMEM) {
		fprintf(stderr, "eptsim plot: out of memory\n");
		return EXIT_INTERNAL;
	}
	have = rc == 0;
	if (!have)
		fprintf(stderr, "eptsim plot: %s: no sample rows (report.sample_every "
			"is 0?); the TLB and exits charts over time are not drawn\n", file);
	rc = have ? chart_tlb(pl, file, prefix, who, &sm) : EXIT_DONE;
	if (rc == EXIT_DONE)
		rc = chart_walks(pl, file, prefix, who, rep, vm);
	if (rc == EXIT_DONE && have)
		rc = chart_exits(pl, file, prefix, who, &sm, vm);
	if (rc == EXIT_DONE)
		rc = chart_cycles(pl, file, prefix, who, rep, vm);
	free(sm.sm_keep);
	return rc;
}
