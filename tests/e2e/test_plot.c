/*
 * test_plot.c - `eptsim plot` end to end, with the real gnuplot:
 *
 *   - a VM report gives four PNGs that are PNGs (signature, every chunk's
 *     CRC, IHDR, IDAT inflating to exactly height × (1 + width × bytes
 *     per pixel), the row filters undone) with something drawn in them
 *     (3+ colours, over 1% of the pixels off the background), and their
 *     data files hold the report's numbers: the cycle counters of the run
 *     and of its native baseline, both walk histograms, per-interval TLB
 *     misses and faults that add up to the counters;
 *   - a script redraws its chart from its own directory, by base names;
 *   - dumb prints the charts on standard output and writes no image; svg
 *     writes SVG;
 *   - a native report draws one series and the kinds that apply; one
 *     without sample rows skips the two charts over time with a note;
 *   - several reports give compare-METRIC with each report's value; a
 *     sweep's results (a fixture written here) a chart per metric whose
 *     data are the fixture's numbers digit for digit, null a gap;
 *   - names with quotes, backslashes, % and enhanced-text characters
 *     reach gnuplot escaped, and file names are made safe;
 *   - bad input exits 2 naming the file; gnuplot missing or failing
 *     exits 3 (a fake gnuplot on $PATH);
 *   - --help is complete, and docs/plot.md quotes it verbatim.
 *
 * Runs from the project root.
 */
#define _XOPEN_SOURCE 700
#include <dirent.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include <jansson.h>
#include <zlib.h>

#include "tests/lib/testlib.h"

static const char *const charts[] = { "tlb", "walks", "exits", "cycles" };

/* the reports made once for the whole suite */
struct fixture {
	char *dir;
	char *vm;               /* DIR/report.json: VM, native baseline, samples */
	char *native;           /* DIR/native.json: native, samples */
	char *nosamples;        /* DIR/nosamples.json: VM, sample_every 0 */
};

/* ---- helpers -------------------------------------------------------------- */

/* plot - eptsim ARGS; expect exit status `want` (stderr shown if not); r kept for the caller */
static void plot(struct tl_run *r, int want, const char *const *args)
{
	tl_run(r, NULL, args);
	if (r->status != want)
		fail_msg("eptsim %s %s: exit %d, expected %d; stderr:\n%s", args[0],
			 args[1] ? args[1] : "", r->status, want, r->err);
}

static void run_ok(const char *const *args)
{
	struct tl_run r;

	plot(&r, 0, args);
	tl_run_free(&r);
}

static int exists(const char *dir, const char *name)
{
	char *p = tl_path(dir, name);
	struct stat st;
	int ok = stat(p, &st) == 0;

	free(p);
	return ok;
}

/* count_ext - files in `dir` whose name ends in `ext` */
static int count_ext(const char *dir, const char *ext)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		size_t l = strlen(e->d_name), k = strlen(ext);

		n += l > k && strcmp(e->d_name + l - k, ext) == 0;
	}
	closedir(d);
	return n;
}

/* read_in - DIR/NAME's contents; fails the test when missing */
static char *read_in(const char *dir, const char *name)
{
	char *p = tl_path(dir, name), *s = tl_read(p, NULL);

	if (!s)
		fail_msg("%s: missing", p);
	free(p);
	return s;
}

#define MAX_ROWS 128
#define MAX_COLS 32

/* a data file's rows: numbers, with the leading "quoted label" and the trailing # comment apart */
struct dat {
	size_t rows, cols[MAX_ROWS];
	double v[MAX_ROWS][MAX_COLS];
	char text[MAX_ROWS][MAX_COLS][32];      /* each number as written */
	char label[MAX_ROWS][64];               /* a leading "label" */
	char comment[MAX_ROWS][160];            /* after '#' */
	char *header;                           /* the comment lines */
};

static void dat_load(struct dat *d, const char *dir, const char *name)
{
	char *s = read_in(dir, name), *line, *save = NULL;
	size_t hlen = 0;

	memset(d, 0, sizeof(*d));
	d->header = calloc(1, strlen(s) + 1);
	assert_non_null(d->header);
	for (line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *p = line, *hash, *tok, *ts = NULL;
		size_t r = d->rows;

		if (*line == '#') {
			memcpy(d->header + hlen, line, strlen(line));
			hlen += strlen(line);
			d->header[hlen++] = '\n';
			continue;
		}
		assert_true(r < MAX_ROWS);
		if (*p == '"') {
			char *end = strchr(p + 1, '"');

			assert_non_null(end);
			snprintf(d->label[r], sizeof(d->label[r]), "%.*s", (int)(end - p - 1), p + 1);
			p = end + 1;
		}
		hash = strchr(p, '#');
		if (hash) {
			snprintf(d->comment[r], sizeof(d->comment[r]), "%s", hash + 1);
			*hash = '\0';
		}
		for (tok = strtok_r(p, " \t", &ts); tok; tok = strtok_r(NULL, " \t", &ts)) {
			size_t c = d->cols[r]++;
			char *end;

			assert_true(c < MAX_COLS);
			d->v[r][c] = strtod(tok, &end);
			if (*end != '\0')
				fail_msg("%s row %zu: '%s' is not a number", name, r, tok);
			snprintf(d->text[r][c], sizeof(d->text[r][c]), "%s", tok);
		}
		d->rows++;
	}
	free(s);
}

static void dat_free(struct dat *d)
{
	free(d->header);
}

/* ---- PNG ------------------------------------------------------------------ */

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* paeth - the PNG Paeth predictor */
static unsigned char paeth(int a, int b, int c)
{
	int p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);

	return (unsigned char)(pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
}

/*
 * png_check - `path` is a whole, valid 8-bit non-interlaced PNG of a
 * sane size with a chart in it: at least 3 colours, and more than 1% of
 * the pixels not the most common (the background) colour.
 */
static void png_check(const char *path)
{
	static const unsigned char sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
	static const int bpp_of[7] = { 1, 0, 3, 1, 2, 0, 4 };
	size_t len, pos = 8, idat_len = 0, raw_len, n, distinct, run, best;
	unsigned char *png = (unsigned char *)tl_read(path, &len);
	unsigned char *idat = NULL, *raw, *prev;
	uint32_t w = 0, h = 0, *px;
	int bpp = 0, seen_iend = 0, chunks = 0;
	uLongf got;

	if (!png)
		fail_msg("%s: missing", path);
	assert_true(len > 8 + 25 + 12);
	assert_memory_equal(png, sig, 8);
	while (pos < len && !seen_iend) {
		uint32_t clen, crc;
		const unsigned char *type;

		assert_true(pos + 12 <= len);
		clen = be32(png + pos);
		assert_true(pos + 12 + clen <= len);
		type = png + pos + 4;
		crc = (uint32_t)crc32(0L, type, clen + 4);
		if (crc != be32(png + pos + 8 + clen))
			fail_msg("%s: chunk %.4s at %zu: bad CRC", path, (const char *)type, pos);
		if (chunks++ == 0) {
			const unsigned char *d = type + 4;

			assert_memory_equal(type, "IHDR", 4);
			assert_int_equal(clen, 13);
			w = be32(d);
			h = be32(d + 4);
			assert_int_equal(d[8], 8);              /* bit depth */
			assert_true(d[9] <= 6 && bpp_of[d[9]] > 0);
			bpp = bpp_of[d[9]];
			assert_int_equal(d[10], 0);             /* deflate */
			assert_int_equal(d[11], 0);             /* adaptive filtering */
			assert_int_equal(d[12], 0);             /* not interlaced */
		} else if (memcmp(type, "IDAT", 4) == 0) {
			idat = realloc(idat, idat_len + clen);
			assert_non_null(idat);
			memcpy(idat + idat_len, type + 4, clen);
			idat_len += clen;
		} else if (memcmp(type, "IEND", 4) == 0) {
			seen_iend = 1;
		}
		pos += 12 + clen;
	}
	assert_true(seen_iend);
	assert_int_equal(pos, len);                     /* nothing after IEND */
	assert_true(w >= 200 && w <= 4000 && h >= 150 && h <= 4000);
	assert_true(idat_len > 0);

	/* inflate to exactly one filter byte and w pixels per row */
	raw_len = (size_t)h * (1 + (size_t)w * bpp);
	raw = malloc(raw_len + 1);
	assert_non_null(raw);
	got = raw_len + 1;
	assert_int_equal(uncompress(raw, &got, idat, idat_len), Z_OK);
	assert_int_equal(got, raw_len);

	/* undo the row filters in place, each pixel then packed in 32 bits */
	px = malloc((size_t)w * h * sizeof(*px));
	assert_non_null(px);
	prev = NULL;
	for (uint32_t y = 0; y < h; y++) {
		unsigned char *row = raw + (size_t)y * (1 + (size_t)w * bpp);
		unsigned char f = row[0], *cur = row + 1;

		assert_true(f <= 4);
		for (size_t i = 0; i < (size_t)w * bpp; i++) {
			int a = i >= (size_t)bpp ? cur[i - bpp] : 0;
			int b = prev ? prev[i] : 0;
			int c = prev && i >= (size_t)bpp ? prev[i - bpp] : 0;

			switch (f) {
			case 1: cur[i] = (unsigned char)(cur[i] + a); break;
			case 2: cur[i] = (unsigned char)(cur[i] + b); break;
			case 3: cur[i] = (unsigned char)(cur[i] + (a + b) / 2); break;
			case 4: cur[i] = (unsigned char)(cur[i] + paeth(a, b, c)); break;
			default: break;
			}
		}
		for (uint32_t x = 0; x < w; x++) {
			uint32_t v = 0;

			for (int k = 0; k < bpp; k++)
				v = v << 8 | cur[(size_t)x * bpp + k];
			px[(size_t)y * w + x] = v;
		}
		prev = cur;
	}
	n = (size_t)w * h;
	qsort(px, n, sizeof(*px), cmp_u32);
	distinct = 1;
	run = best = 1;
	for (size_t i = 1; i < n; i++) {
		if (px[i] != px[i - 1]) {
			distinct++;
			run = 1;
		} else if (++run > best) {
			best = run;
		}
	}
	if (distinct < 3 || (double)(n - best) / (double)n <= 0.01)
		fail_msg("%s: %zu colours, %.3f%% of the pixels off the background: "
			 "nothing drawn?", path, distinct, 100.0 * (double)(n - best) / (double)n);
	free(px);
	free(raw);
	free(idat);
	free(png);
}

/* ---- the reports ---------------------------------------------------------- */

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	json_t *rep;

	if (!fx)
		return -1;
	fx->dir = tl_tmpdir();
	fx->vm = tl_path(fx->dir, "report.json");
	fx->native = tl_path(fx->dir, "native.json");
	fx->nosamples = tl_path(fx->dir, "nosamples.json");
	run_ok((const char *[]){ "run", "workloads/default.json", "--set",
				 "source.accesses=200000", "-q", "-o", fx->vm, NULL });
	run_ok((const char *[]){ "run", "workloads/default.json", "--set",
				 "source.accesses=100000", "--set", "vm.enabled=false",
				 "-q", "-o", fx->native, NULL });
	run_ok((const char *[]){ "run", "workloads/default.json", "--set",
				 "source.accesses=50000", "--set", "report.sample_every=0",
				 "-q", "-o", fx->nosamples, NULL });
	/* what the tests below rely on */
	rep = tl_load(fx->vm);
	assert_true(json_array_size(json_object_get(json_object_get(rep, "samples"), "rows")) >= 10);
	assert_non_null(json_object_get(json_object_get(rep, "overhead"), "native_histograms"));
	json_decref(rep);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	tl_rmtree(fx->dir);
	free(fx->vm);
	free(fx->native);
	free(fx->nosamples);
	free(fx);
	return 0;
}

/* subdir - FIXTURE/NAME, made (malloc'd) */
static char *subdir(const struct fixture *fx, const char *name)
{
	char *d = tl_path(fx->dir, name);

	assert_int_equal(mkdir(d, 0755), 0);
	return d;
}

/* ---- one report ----------------------------------------------------------- */

static void report_draws_four_valid_pngs(void **state)
{
	struct fixture *fx = *state;
	struct tl_run r;
	char name[64];

	/* default output directory: the report's own */
	plot(&r, 0, (const char *[]){ "plot", fx->vm, NULL });
	for (size_t i = 0; i < 4; i++) {
		char *png, *gp, line[128];

		snprintf(name, sizeof(name), "report-%s.png", charts[i]);
		png = tl_path(fx->dir, name);
		assert_non_null(strstr(r.out, png));    /* the path printed */
		png_check(png);
		free(png);
		snprintf(name, sizeof(name), "report-%s.dat", charts[i]);
		assert_true(exists(fx->dir, name));
		snprintf(name, sizeof(name), "report-%s.gp", charts[i]);
		gp = read_in(fx->dir, name);
		/* the script names its data and image by base name only */
		snprintf(line, sizeof(line), "set output \"report-%s.png\"\n", charts[i]);
		assert_non_null(strstr(gp, line));
		snprintf(line, sizeof(line), "plot \"report-%s.dat\"", charts[i]);
		assert_non_null(strstr(gp, line));
		assert_non_null(strstr(gp, "pngcairo"));
		assert_non_null(strstr(gp, "set title \"default on skylake-sp: "));
		assert_non_null(strstr(gp, "set ylabel \""));
		assert_non_null(strstr(gp, "noenhanced"));
		free(gp);
	}
	tl_run_free(&r);
}

/* the cycles chart's data are the run's and the baseline's cycle counters */
static void cycles_data_are_the_counters(void **state)
{
	static const char *const parts[] = { "base", "tlb", "walk", "exit", "fault",
					     "inv", "kernel", "total" };
	struct fixture *fx = *state;
	char *out = subdir(fx, "cycles");
	json_t *rep = tl_load(fx->vm);
	json_t *nat = json_object_get(json_object_get(rep, "overhead"), "native_counters");
	struct dat d;

	run_ok((const char *[]){ "plot", fx->vm, "-o", out, NULL });
	dat_load(&d, out, "report-cycles.dat");
	assert_int_equal(d.rows, 2);
	assert_string_equal(d.label[0], "VM under EPT");
	assert_string_equal(d.label[1], "native baseline");
	for (size_t p = 0; p < 8; p++) {
		char n[32];

		snprintf(n, sizeof(n), "cycles.%s", parts[p]);
		assert_int_equal(d.cols[0], 8);
		assert_int_equal((long long)d.v[0][p], tl_counter(rep, n));
		assert_int_equal((long long)d.v[1][p],
				 json_integer_value(json_object_get(json_object_get(nat, "cycles"),
								    parts[p])));
	}
	assert_true(d.v[0][7] > d.v[1][7]);     /* EPT costs */
	dat_free(&d);
	json_decref(rep);
	tl_rmtree(out);
}

/* the walks chart's data are both histograms, cut after the last bin used */
static void walks_data_are_both_histograms(void **state)
{
	struct fixture *fx = *state;
	char *out = subdir(fx, "walks");
	json_t *rep = tl_load(fx->vm);
	json_t *h = json_object_get(json_object_get(rep, "histograms"), "walks.mem_refs");
	json_t *nh = json_object_get(json_object_get(json_object_get(rep, "overhead"),
						     "native_histograms"), "walks.mem_refs");
	long long tot = 0, ntot = 0;
	size_t last = 0, i;
	struct dat d;

	for (i = 0; i < json_array_size(h); i++) {
		long long a = json_integer_value(json_array_get(h, i));
		long long b = json_integer_value(json_array_get(nh, i));

		tot += a;
		ntot += b;
		if (a || b)
			last = i;
	}
	assert_true(tot > 0 && ntot > 0);
	run_ok((const char *[]){ "plot", fx->vm, "-o", out, NULL });
	dat_load(&d, out, "report-walks.dat");
	assert_non_null(strstr(d.header, "native baseline"));
	assert_int_equal(d.rows, last + 1);
	for (i = 0; i < d.rows; i++) {
		long long a = json_integer_value(json_array_get(h, i));
		long long b = json_integer_value(json_array_get(nh, i));

		assert_int_equal(d.cols[i], 5);
		assert_int_equal((long long)d.v[i][0], (long long)i);
		assert_int_equal((long long)d.v[i][3], a);
		assert_int_equal((long long)d.v[i][4], b);
		assert_true(fabs(d.v[i][1] - 100.0 * (double)a / (double)tot) < 1e-3);
		assert_true(fabs(d.v[i][2] - 100.0 * (double)b / (double)ntot) < 1e-3);
	}
	dat_free(&d);
	json_decref(rep);
	tl_rmtree(out);
}

/* the two charts over time: intervals that add up to the counters */
static void over_time_data_add_up_to_the_counters(void **state)
{
	struct fixture *fx = *state;
	char *out = subdir(fx, "time");
	json_t *rep = tl_load(fx->vm);
	long long l1d = 0, stlb = 0, pf = 0, viol = 0, prev = 0;
	char *gp;
	struct dat d;
	size_t i;

	/* the synthetic source fetches nothing, and this run needs no INVEPT */
	assert_int_equal(tl_counter(rep, "tlb.l1i.misses") + tl_counter(rep, "tlb.l1i.hits_4k"), 0);
	assert_int_equal(tl_counter(rep, "vmx.invept.single_context"), 0);
	run_ok((const char *[]){ "plot", fx->vm, "-o", out, NULL });

	dat_load(&d, out, "report-tlb.dat");
	assert_non_null(strstr(d.header, "L1 data TLB"));
	assert_non_null(strstr(d.header, "STLB"));
	assert_null(strstr(d.header, "L1 instruction"));        /* no lookups: left out */
	assert_int_equal(d.rows, 10);                           /* 200000 / 20000 */
	for (i = 0; i < d.rows; i++) {
		assert_int_equal(d.cols[i], 8);
		assert_true(d.v[i][0] > (double)prev);
		assert_int_equal((long long)d.v[i][1], (long long)d.v[i][0] - prev);
		prev = (long long)d.v[i][0];
		assert_true(fabs(d.v[i][2] - 100.0 * d.v[i][3] / d.v[i][4]) < 1e-3);
		assert_true(fabs(d.v[i][5] - 100.0 * d.v[i][6] / d.v[i][7]) < 1e-3);
		l1d += (long long)d.v[i][3];
		stlb += (long long)d.v[i][6];
	}
	assert_int_equal(prev, tl_counter(rep, "accesses"));
	assert_int_equal(l1d, tl_counter(rep, "tlb.l1d.misses"));
	assert_int_equal(stlb, tl_counter(rep, "tlb.stlb.misses"));
	dat_free(&d);

	dat_load(&d, out, "report-exits.dat");
	assert_int_equal(d.rows, 10);
	for (i = 0; i < d.rows; i++) {
		assert_int_equal(d.cols[i], 8);  /* x, interval, six kinds */
		pf += (long long)d.v[i][2];
		viol += (long long)d.v[i][3];
	}
	assert_int_equal(pf, tl_counter(rep, "kernel.guest.faults"));
	assert_int_equal(viol, tl_counter(rep, "vmx.exits.ept_violation"));
	dat_free(&d);
	gp = read_in(out, "report-exits.gp");
	assert_non_null(strstr(gp, "title \"guest #PF\""));
	assert_non_null(strstr(gp, "title \"EPT violations\""));
	assert_null(strstr(gp, "title \"INVEPT\""));             /* 0 throughout */
	assert_non_null(strstr(gp, "0 throughout, not drawn: "));
	assert_non_null(strstr(gp, "events per 20000 accesses"));
	free(gp);
	json_decref(rep);
	tl_rmtree(out);
}

/* `cd DIR && gnuplot NAME.gp` draws the chart again */
static void script_redraws_from_its_directory(void **state)
{
	struct fixture *fx = *state;
	char *out = subdir(fx, "redraw");
	char *png = tl_path(out, "report-walks.png");
	pid_t pid;
	int st;

	run_ok((const char *[]){ "plot", fx->vm, "-o", out, NULL });
	assert_int_equal(unlink(png), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (chdir(out) == 0)
			execlp("gnuplot", "gnuplot", "report-walks.gp", (char *)NULL);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	png_check(png);
	free(png);
	tl_rmtree(out);
}

static void dumb_prints_the_charts(void **state)
{
	struct fixture *fx = *state;
	char *out = subdir(fx, "dumb");
	const char *titles[] = { "TLB miss rate per level", "memory references per page walk",
				 "guest faults and VM exits over time", "where the cycles went" };
	struct tl_run r;
	char line[128];
	const char *at = NULL;
	char *gp;

	plot(&r, 0, (const char *[]){ "plot", fx->vm, "-o", out, "--format", "dumb", NULL });
	for (size_t i = 0; i < 4; i++) {
		const char *t;

		/* each chart after its title line, in order */
		snprintf(line, sizeof(line), "default on skylake-sp: %s\n", titles[i]);
		t = strstr(r.out, line);
		assert_non_null(t);
		assert_true(t == r.out || t[-1] == '\n');
		assert_true(!at || t > at);
		at = t;
	}
	assert_non_null(strstr(r.out, "+-----------"));        /* the frame */
	assert_non_null(strstr(r.out, "|-+"));                  /* tics */
	assert_non_null(strstr(r.out, "memory references per walk"));
	assert_int_equal(count_ext(out, ".png"), 0);
	assert_int_equal(count_ext(out, ".dat"), 4);
	assert_int_equal(count_ext(out, ".gp"), 4);
	gp = read_in(out, "report-tlb.gp");
	assert_non_null(strstr(gp, "set terminal dumb"));
	assert_null(strstr(gp, "set output"));
	free(gp);
	tl_run_free(&r);
	tl_rmtree(out);
}

static void svg_writes_svg(void **state)
{
	struct fixture *fx = *state;
	char *out = subdir(fx, "svg");
	char name[64];

	run_ok((const char *[]){ "plot", fx->vm, "-o", out, "--format=svg", NULL });
	assert_int_equal(count_ext(out, ".svg"), 4);
	assert_int_equal(count_ext(out, ".png"), 0);
	for (size_t i = 0; i < 4; i++) {
		char *s;

		snprintf(name, sizeof(name), "report-%s.svg", charts[i]);
		s = read_in(out, name);
		assert_true(strncmp(s, "<?xml", 5) == 0 || strncmp(s, "<svg", 4) == 0);
		assert_non_null(strstr(s, "<svg"));
		assert_non_null(strstr(s, "</svg>"));
		assert_non_null(strstr(s, "default on skylake-sp"));
		free(s);
	}
	tl_rmtree(out);
}

static void native_report_draws_what_applies(void **state)
{
	struct fixture *fx = *state;
	char *out = subdir(fx, "native");
	struct dat d;
	char *gp;

	run_ok((const char *[]){ "plot", fx->native, "-o", out, NULL });
	for (size_t i = 0; i < 4; i++) {
		char name[64], *p;

		snprintf(name, sizeof(name), "native-%s.png", charts[i]);
		p = tl_path(out, name);
		png_check(p);
		free(p);
	}
	dat_load(&d, out, "native-walks.dat");
	assert_null(strstr(d.header, "native baseline"));
	assert_int_equal(d.cols[0], 3);                 /* refs, percent, count */
	dat_free(&d);
	dat_load(&d, out, "native-cycles.dat");
	assert_int_equal(d.rows, 1);
	assert_string_equal(d.label[0], "native");
	dat_free(&d);
	dat_load(&d, out, "native-exits.dat");
	assert_non_null(strstr(d.header, "#PF"));
	assert_non_null(strstr(d.header, "IPIs"));
	assert_null(strstr(d.header, "EPT violations"));
	assert_int_equal(d.cols[0], 4);                 /* x, interval, #PF, IPIs */
	dat_free(&d);
	gp = read_in(out, "native-exits.gp");
	assert_non_null(strstr(gp, "title \"#PF\""));
	free(gp);
	tl_rmtree(out);
}

static void no_sample_rows_skips_the_charts_over_time(void **state)
{
	struct fixture *fx = *state;
	char *out = subdir(fx, "nosamples");
	struct tl_run r;

	plot(&r, 0, (const char *[]){ "plot", fx->nosamples, "-o", out, NULL });
	assert_non_null(strstr(r.err, "no sample rows"));
	assert_true(exists(out, "nosamples-walks.png"));
	assert_true(exists(out, "nosamples-cycles.png"));
	assert_false(exists(out, "nosamples-tlb.dat"));
	assert_false(exists(out, "nosamples-exits.dat"));
	assert_int_equal(count_ext(out, ".png"), 2);
	tl_run_free(&r);
	tl_rmtree(out);
}

/* ---- several reports ------------------------------------------------------- */

static void several_reports_compare_a_metric(void **state)
{
	struct fixture *fx = *state;
	char *out = subdir(fx, "compare");
	json_t *vm = tl_load(fx->vm), *nat = tl_load(fx->native);
	struct tl_run r;
	struct dat d;
	char ratio[32], *png;
	long long a, b;

	/* default: cycles.total; both are named "default": labelled by file */
	plot(&r, 0, (const char *[]){ "plot", fx->vm, fx->native, "-o", out, NULL });
	dat_load(&d, out, "compare-cycles.total.dat");
	assert_int_equal(d.rows, 2);
	assert_int_equal((long long)d.v[0][1], tl_counter(vm, "cycles.total"));
	assert_int_equal((long long)d.v[1][1], tl_counter(nat, "cycles.total"));
	assert_true(strncmp(d.comment[0], " report (", 9) == 0);
	assert_true(strncmp(d.comment[1], " native (", 9) == 0);
	dat_free(&d);
	png = tl_path(out, "compare-cycles.total.png");
	assert_non_null(strstr(r.out, png));
	png_check(png);
	free(png);
	tl_run_free(&r);

	/* A/B and a report path; the native report has no overhead: no bar */
	plot(&r, 0, (const char *[]){ "plot", fx->vm, fx->native, "-o", out, "--metric",
				      "cycles.total/accesses,overhead.ratio", NULL });
	assert_non_null(strstr(r.err, "native.json"));
	dat_load(&d, out, "compare-cycles.total_accesses.dat");
	a = tl_counter(vm, "cycles.total");
	b = tl_counter(vm, "accesses");
	snprintf(ratio, sizeof(ratio), "%lld.%04lld", (a * 10000 + b / 2) / b / 10000,
		 (a * 10000 + b / 2) / b % 10000);
	assert_string_equal(d.text[0][1], ratio);
	dat_free(&d);
	dat_load(&d, out, "compare-overhead.ratio.dat");
	assert_string_equal(d.text[0][1], json_string_value(json_object_get(
		json_object_get(vm, "overhead"), "ratio")));
	assert_string_equal(d.text[1][1], "NaN");
	dat_free(&d);
	tl_run_free(&r);
	json_decref(vm);
	json_decref(nat);
	tl_rmtree(out);
}

/* ---- a sweep -------------------------------------------------------------- */

static const char sweep_results[] =
	"{\n"
	"  \"sweep\": \"page-sizes\",\n"
	"  \"workload\": \"default\",\n"
	"  \"machine\": \"skylake-sp\",\n"
	"  \"keys\": [\"vm.superpages\", \"vm.ept_page\"],\n"
	"  \"metrics\": [\"overhead.ratio\", \"cycles.total/accesses\"],\n"
	"  \"points\": [\n"
	"    {\"point\": 0, \"report\": \"points/0000.json\", \"status\": \"completed\",\n"
	"     \"values\": {\"vm.superpages\": false, \"vm.ept_page\": \"4k\"},\n"
	"     \"metrics\": {\"overhead.ratio\": \"2.3442\", \"cycles.total/accesses\": \"245.3987\"}},\n"
	"    {\"point\": 1, \"report\": \"points/0001.json\", \"status\": \"completed\",\n"
	"     \"values\": {\"vm.superpages\": false, \"vm.ept_page\": \"2m\"},\n"
	"     \"metrics\": {\"overhead.ratio\": \"1.8121\", \"cycles.total/accesses\": 190}},\n"
	"    {\"point\": 2, \"report\": \"points/0002.json\", \"status\": \"failed\",\n"
	"     \"values\": {\"vm.superpages\": true, \"vm.ept_page\": \"4k\"},\n"
	"     \"metrics\": {\"overhead.ratio\": null, \"cycles.total/accesses\": null}},\n"
	"    {\"point\": 3, \"report\": \"points/0003.json\", \"status\": \"completed\",\n"
	"     \"values\": {\"vm.superpages\": true, \"vm.ept_page\": \"2m\"},\n"
	"     \"metrics\": {\"overhead.ratio\": \"1.2005\", \"cycles.total/accesses\": \"150.0625\"}}\n"
	"  ]\n"
	"}\n";

static void sweep_draws_a_chart_per_metric(void **state)
{
	struct fixture *fx = *state;
	char *sw = subdir(fx, "sweep");
	char *res = tl_write(sw, "results.json", sweep_results);
	struct tl_run r;
	struct dat d;
	char *gp, *p;

	/* the directory; x: the last key, a series per vm.superpages value */
	plot(&r, 0, (const char *[]){ "plot", sw, NULL });
	p = tl_path(sw, "page-sizes-overhead.ratio.png");
	png_check(p);
	free(p);
	p = tl_path(sw, "page-sizes-cycles.total_accesses.png");
	png_check(p);
	free(p);
	dat_load(&d, sw, "page-sizes-overhead.ratio.dat");
	assert_int_equal(d.rows, 2);
	assert_string_equal(d.text[0][1], "2.3442");    /* 4k, superpages false */
	assert_string_equal(d.text[0][2], "NaN");       /* 4k, true: null */
	assert_string_equal(d.text[1][1], "1.8121");
	assert_string_equal(d.text[1][2], "1.2005");
	assert_string_equal(d.comment[0], " 4k");
	assert_string_equal(d.comment[1], " 2m");
	assert_non_null(strstr(d.header, "vm.superpages=false"));
	dat_free(&d);
	dat_load(&d, sw, "page-sizes-cycles.total_accesses.dat");
	assert_string_equal(d.text[0][1], "245.3987");
	assert_string_equal(d.text[1][1], "190");
	assert_string_equal(d.text[1][2], "150.0625");
	dat_free(&d);
	gp = read_in(sw, "page-sizes-overhead.ratio.gp");
	assert_non_null(strstr(gp, "histogram clustered"));
	assert_non_null(strstr(gp, "title \"vm.superpages=true\""));
	assert_non_null(strstr(gp, "set title \"default on skylake-sp: overhead.ratio by vm.ept_page"));
	free(gp);
	tl_run_free(&r);

	/* the file, another x key, one metric */
	plot(&r, 0, (const char *[]){ "plot", res, "--x", "vm.superpages", "-m",
				      "cycles.total/accesses", "--format", "dumb", NULL });
	assert_non_null(strstr(r.out, "cycles.total/accesses by vm.superpages"));
	dat_load(&d, sw, "page-sizes-cycles.total_accesses.dat");
	assert_string_equal(d.comment[0], " false");
	assert_string_equal(d.text[0][1], "245.3987");  /* false, 4k */
	assert_string_equal(d.text[0][2], "190");       /* false, 2m */
	assert_string_equal(d.text[1][1], "NaN");
	dat_free(&d);
	tl_run_free(&r);
	free(res);
	tl_rmtree(sw);
}

/* a key whose values are all numbers: lines over the sorted values */
static void numeric_sweep_key_draws_lines(void **state)
{
	struct fixture *fx = *state;
	char *sw = subdir(fx, "numeric");
	char *res = tl_write(sw, "results.json",
		"{\"sweep\": \"stlb\", \"workload\": \"default\", \"machine\": \"skylake-sp\",\n"
		" \"keys\": [\"machine.tlb.stlb.4k.entries\"], \"metrics\": [\"cycles.total\"],\n"
		" \"points\": [\n"
		"  {\"values\": {\"machine.tlb.stlb.4k.entries\": 1536}, \"metrics\": {\"cycles.total\": 3000000}},\n"
		"  {\"values\": {\"machine.tlb.stlb.4k.entries\": 768}, \"metrics\": {\"cycles.total\": 5000000}},\n"
		"  {\"values\": {\"machine.tlb.stlb.4k.entries\": 1024}, \"metrics\": {\"cycles.total\": 4000000}}\n"
		" ]}\n");
	struct dat d;
	char *gp, *p;

	run_ok((const char *[]){ "plot", res, NULL });
	dat_load(&d, sw, "stlb-cycles.total.dat");
	assert_int_equal(d.rows, 3);
	assert_string_equal(d.text[0][0], "768");
	assert_string_equal(d.text[1][0], "1024");
	assert_string_equal(d.text[2][0], "1536");
	assert_string_equal(d.text[0][1], "5000000");
	assert_string_equal(d.text[2][1], "3000000");
	dat_free(&d);
	gp = read_in(sw, "stlb-cycles.total.gp");
	assert_non_null(strstr(gp, "with linespoints"));
	assert_non_null(strstr(gp, "(cycles, millions)"));
	free(gp);
	p = tl_path(sw, "stlb-cycles.total.png");
	png_check(p);
	free(p);
	free(res);
	tl_rmtree(sw);
}

/* a zip's keys vary together: one axis, its values joined, the other keys the series */
static void zip_axis_is_one_x_axis(void **state)
{
	struct fixture *fx = *state;
	char *sw = subdir(fx, "zip");
	char *res = tl_write(sw, "results.json",
		"{\"sweep\": \"ad\", \"workload\": \"hp\", \"machine\": \"skylake-sp\",\n"
		" \"keys\": [\"source.write_fraction\", \"vm.policy\", \"vm.ept_ad\"],\n"
		" \"axes\": [[\"source.write_fraction\"], [\"vm.policy\", \"vm.ept_ad\"]],\n"
		" \"metrics\": [\"cycles.total\"],\n"
		" \"points\": [\n"
		"  {\"values\": {\"source.write_fraction\": 0.1, \"vm.policy\": \"bhyve\", \"vm.ept_ad\": true}, \"metrics\": {\"cycles.total\": 10}},\n"
		"  {\"values\": {\"source.write_fraction\": 0.1, \"vm.policy\": \"bhyve\", \"vm.ept_ad\": false}, \"metrics\": {\"cycles.total\": 11}},\n"
		"  {\"values\": {\"source.write_fraction\": 0.1, \"vm.policy\": \"nvmm\", \"vm.ept_ad\": false}, \"metrics\": {\"cycles.total\": 12}},\n"
		"  {\"values\": {\"source.write_fraction\": 0.5, \"vm.policy\": \"bhyve\", \"vm.ept_ad\": true}, \"metrics\": {\"cycles.total\": 20}},\n"
		"  {\"values\": {\"source.write_fraction\": 0.5, \"vm.policy\": \"bhyve\", \"vm.ept_ad\": false}, \"metrics\": {\"cycles.total\": 21}},\n"
		"  {\"values\": {\"source.write_fraction\": 0.5, \"vm.policy\": \"nvmm\", \"vm.ept_ad\": false}, \"metrics\": {\"cycles.total\": 22}}\n"
		" ]}\n");
	struct dat d;
	char *gp;

	/* the default x: the last axis, the zip's (--x names any of its keys alike) */
	run_ok((const char *[]){ "plot", res, "--x", "vm.ept_ad", NULL });
	dat_load(&d, sw, "ad-cycles.total.dat");
	assert_int_equal(d.rows, 3);
	assert_string_equal(d.comment[0], " bhyve, true");
	assert_string_equal(d.comment[1], " bhyve, false");
	assert_string_equal(d.comment[2], " nvmm, false");
	assert_string_equal(d.text[1][1], "11");        /* bhyve, false at 0.1 */
	assert_string_equal(d.text[2][2], "22");        /* nvmm, false at 0.5 */
	dat_free(&d);
	gp = read_in(sw, "ad-cycles.total.gp");
	assert_non_null(strstr(gp, "by vm.policy, vm.ept_ad"));
	assert_non_null(strstr(gp, "title \"source.write_fraction=0.5\""));
	assert_null(strstr(gp, "vm.policy=")); /* never a series of the x axis */
	free(gp);
	free(res);
	tl_rmtree(sw);
}

/* ---- strings from JSON ------------------------------------------------------ */

/* rename_report - the report `src` with config.name `name`, written as DIR/FILE */
static char *rename_report(const char *src, const char *dir, const char *file,
			   const char *name)
{
	json_t *rep = tl_load(src);
	char *dst = tl_path(dir, file);

	json_object_set_new(json_object_get(rep, "config"), "name", json_string(name));
	assert_int_equal(json_dump_file(rep, dst, JSON_COMPACT), 0);
	json_decref(rep);
	return dst;
}

static void names_are_escaped_for_gnuplot(void **state)
{
	struct fixture *fx = *state;
	char *out = subdir(fx, "escape");
	char *a = rename_report(fx->vm, out, "we'ird name.json", "a\"b\\c_{x}^@%d");
	char *b = rename_report(fx->native, out, "<plain.json", "plain");
	char *gp, *p;

	/* gnuplot fails on an unescaped quote or a stray % in a tic label */
	run_ok((const char *[]){ "plot", a, NULL });
	gp = read_in(out, "we_ird_name-cycles.gp");
	assert_non_null(strstr(gp, "set title \"a\\\"b\\\\c_{x}^@%d on skylake-sp: "
				   "where the cycles went\"\n"));
	free(gp);
	p = tl_path(out, "we_ird_name-tlb.png");
	png_check(p);
	free(p);
	run_ok((const char *[]){ "plot", a, b, "-o", out, NULL });
	gp = read_in(out, "compare-cycles.total.gp");
	assert_non_null(strstr(gp, "(\"a\\\"b\\\\c_{x}^@%%d\" 0, \"plain\" 1)"));
	free(gp);
	/* a name beginning with '<' would make gnuplot run a command */
	run_ok((const char *[]){ "plot", b, NULL });
	assert_true(exists(out, "_plain-walks.png"));
	free(a);
	free(b);
	tl_rmtree(out);
}

/* ---- errors ----------------------------------------------------------------- */

static void bad_input_exits_2_naming_the_file(void **state)
{
	struct fixture *fx = *state;
	char *dir = subdir(fx, "bad");
	char *bad = tl_write(dir, "bad.json", "{\n  \"counters\": {},\n  oops\n}\n");
	char *other = tl_write(dir, "other.json", "{\"a\": 1}\n");
	char *sw = tl_write(dir, "sw/results.json", sweep_results);
	char *missing = tl_path(dir, "nope.json");
	char *nodir = tl_path(fx->vm, "sub");           /* under a regular file */
	char *blocked = tl_path(dir, "blocked");
	char *plan = tl_write(dir, "plan.json",
			      "{\"keys\": [\"a\"], \"points\": [{\"values\": {\"a\": 1}}]}\n");
	const struct {
		const char *what;
		const char *args[10];
		const char *says[3];
	} cases[] = {
		{ "a missing file", { "plot", missing, NULL }, { missing, "cannot open" } },
		{ "invalid JSON, line and column", { "plot", bad, NULL }, { "bad.json:3:", "invalid JSON" } },
		{ "JSON that is no report", { "plot", other, NULL }, { other, "counters" } },
		{ "a sweep's plan, not its results", { "plot", plan, NULL }, { plan, "metrics" } },
		{ "a metric no report has", { "plot", fx->vm, fx->native, "--metric", "no.such", NULL },
		  { fx->vm, "no.such" } },
		{ "a metric the sweep lacks", { "plot", sw, "--metric", "cycles.total", NULL },
		  { sw, "cycles.total" } },
		{ "a key the sweep lacks", { "plot", sw, "--x", "vm.nope", NULL }, { sw, "vm.nope" } },
		{ "a bad format", { "plot", fx->vm, "--format", "jpeg", NULL }, { "jpeg", "png" } },
		{ "a sweep with a report", { "plot", sw, fx->vm, NULL }, { sw, "alone" } },
		{ "--metric with one report", { "plot", fx->vm, "--metric", "cycles.total", NULL },
		  { "--metric" } },
		{ "an unknown option", { "plot", fx->vm, "--colour", NULL }, { "--colour" } },
		{ "nothing to plot", { "plot", NULL }, { "no report" } },
		{ "an output directory that cannot be made", { "plot", fx->vm, "-o", nodir, NULL },
		  { nodir } },
		{ "a data file that cannot be written", { "plot", fx->vm, "-o", blocked, NULL },
		  { "blocked/report-tlb.dat", "cannot write" } },
	};

	assert_int_equal(mkdir(blocked, 0755), 0);
	{
		char *d = tl_path(blocked, "report-tlb.dat");

		assert_int_equal(mkdir(d, 0755), 0);    /* a directory in its place */
		free(d);
	}
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tl_run r;

		tl_run(&r, NULL, cases[i].args);
		if (r.status != 2)
			fail_msg("%s: exit %d, expected 2; stderr:\n%s", cases[i].what,
				 r.status, r.err);
		for (size_t k = 0; k < 3 && cases[i].says[k]; k++)
			if (!strstr(r.err, cases[i].says[k]))
				fail_msg("%s: stderr does not say '%s':\n%s", cases[i].what,
					 cases[i].says[k], r.err);
		tl_run_free(&r);
	}
	free(bad);
	free(other);
	free(sw);
	free(missing);
	free(nodir);
	free(blocked);
	free(plan);
	tl_rmtree(dir);
}

/* with_path - run plot of the VM report with $PATH set to `path`; restored after */
static void with_path(struct tl_run *r, const struct fixture *fx, const char *path,
		      const char *out)
{
	char *old = strdup(getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");

	assert_non_null(old);
	setenv("PATH", path, 1);
	tl_run(r, NULL, (const char *[]){ "plot", fx->vm, "-o", out, NULL });
	setenv("PATH", old, 1);
	free(old);
}

static void gnuplot_missing_or_failing_exits_3(void **state)
{
	struct fixture *fx = *state;
	char *bin = subdir(fx, "fakebin");
	char *out = tl_path(fx->dir, "fakeout");
	char *fake;
	struct tl_run r;

	with_path(&r, fx, bin, out);            /* no gnuplot there */
	assert_int_equal(r.status, 3);
	assert_non_null(strstr(r.err, "gnuplot"));
	assert_non_null(strstr(r.err, "apt-get install gnuplot-nox"));
	tl_run_free(&r);

	fake = tl_write(bin, "gnuplot",
			"#!/bin/sh\necho \"fake gnuplot: $1: line 7: boom\" >&2\nexit 1\n");
	assert_int_equal(chmod(fake, 0755), 0);
	with_path(&r, fx, bin, out);
	assert_int_equal(r.status, 3);
	assert_non_null(strstr(r.err, "fake gnuplot: report-tlb.gp: line 7: boom"));
	tl_run_free(&r);
	free(fake);
	tl_rmtree(out);
	tl_rmtree(bin);
}

/* ---- help ------------------------------------------------------------------- */

static void help_is_complete_and_quoted_in_the_docs(void **state)
{
	static const char *const must[] = {
		"usage: eptsim plot REPORT.json", "SWEEP", "-o, --output DIR",
		"-f, --format F", "-m, --metric NAME", "-x, --x KEY", "-h, --help",
		"PREFIX-tlb", "PREFIX-walks", "PREFIX-exits", "PREFIX-cycles",
		"compare-METRIC", "NAME.dat", "NAME.gp", "gnuplot-nox", "exit status",
	};
	char *doc = tl_read("docs/plot.md", NULL);
	struct tl_run r;

	(void)state;
	plot(&r, 0, (const char *[]){ "plot", "--help", NULL });
	for (size_t i = 0; i < sizeof(must) / sizeof(must[0]); i++)
		if (!strstr(r.out, must[i]))
			fail_msg("plot --help does not say '%s'", must[i]);
	assert_non_null(doc);
	assert_non_null(strstr(doc, r.out));
	free(doc);
	tl_run_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(report_draws_four_valid_pngs),
		cmocka_unit_test(cycles_data_are_the_counters),
		cmocka_unit_test(walks_data_are_both_histograms),
		cmocka_unit_test(over_time_data_add_up_to_the_counters),
		cmocka_unit_test(script_redraws_from_its_directory),
		cmocka_unit_test(dumb_prints_the_charts),
		cmocka_unit_test(svg_writes_svg),
		cmocka_unit_test(native_report_draws_what_applies),
		cmocka_unit_test(no_sample_rows_skips_the_charts_over_time),
		cmocka_unit_test(several_reports_compare_a_metric),
		cmocka_unit_test(sweep_draws_a_chart_per_metric),
		cmocka_unit_test(numeric_sweep_key_draws_lines),
		cmocka_unit_test(zip_axis_is_one_x_axis),
		cmocka_unit_test(names_are_escaped_for_gnuplot),
		cmocka_unit_test(bad_input_exits_2_naming_the_file),
		cmocka_unit_test(gnuplot_missing_or_failing_exits_3),
		cmocka_unit_test(help_is_complete_and_quoted_in_the_docs),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
