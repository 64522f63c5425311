/*
 * plot_gp.c - the gnuplot side of `eptsim plot`: a chart's two files,
 * strings made safe for gnuplot, and gnuplot run as a program.
 *
 * gnuplot is run with fork and exec, never through a shell, with its
 * working directory set to the output directory and the script's base
 * name as its one argument: the script names its data and its image by
 * base name, so the same command redraws it by hand.  Strings from JSON
 * (workload names, key values) reach the script only through gp_str,
 * and enhanced text is off, so no byte of them is read as markup.  File
 * names are made of [A-Za-z0-9._+-] only (plot_safe_name): a gnuplot file
 * name beginning with '<' or '|' would run a shell command.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/cli.h"
#include "cli/plot.h"

/* how much of gnuplot's standard error is kept to be shown */
#define GP_ERR_MAX 16384

static const char *const ext_of[] = {
	[PLOT_PNG] = "png", [PLOT_SVG] = "svg", [PLOT_DUMB] = NULL,
};

int plot_find_gnuplot(char *buf, size_t len)
{
	const char *path = getenv("PATH");
	const char *p, *end;

	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (p = path; ; p = end + 1) {
		struct stat st;
		size_t n;

		end = strchr(p, ':');
		n = end ? (size_t)(end - p) : strlen(p);
		/* an empty entry is the current directory, as for execvp */
		if (n == 0)
			snprintf(buf, len, "./gnuplot");
		else
			snprintf(buf, len, "%.*s/gnuplot", (int)n, p);
		if (stat(buf, &st) == 0 && S_ISREG(st.st_mode) &&
		    access(buf, X_OK) == 0)
			return 0;
		if (!end)
			return -ENOENT;
	}
}

void plot_safe_name(char *dst, size_t len, const char *src)
{
	size_t i;

	if (len == 0)
		return;
	for (i = 0; src[i] && i + 1 < len; i++) {
		char ch = src[i];

		dst[i] = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			 (ch >= '0' && ch <= '9') || strchr("._+-", ch) ? ch : '_';
	}
	dst[i] = '\0';
}

/* quote - `s` double-quoted for gnuplot; pct: '%' doubled (a format string) */
static void quote(FILE *f, const char *s, int pct)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\' || (pct && ch == '%'))
			fputc(ch == '%' ? '%' : '\\', f);
		fputc(ch < 0x20 || ch == 0x7f ? ' ' : ch, f);
	}
	fputc('"', f);
}

void gp_str(FILE *f, const char *s)
{
	quote(f, s, 0);
}

void gp_tic(FILE *f, const char *s)
{
	quote(f, s, 1);
}

void dat_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		fputc(ch < 0x20 || ch == 0x7f ? ' ' : ch, f);
	}
}

void dat_head(struct chart *c, const char *title, const char *from, const char *file)
{
	fprintf(c->ch_dat, "# %s.dat - eptsim plot: ", c->ch_name);
	dat_text(c->ch_dat, title);
	if (file) {
		fprintf(c->ch_dat, "\n# from %s", from);
		dat_text(c->ch_dat, file);
	}
}

int plot_is_number(const char *s)
{
	size_t n;

	if (*s == '-')
		s++;
	n = strspn(s, "0123456789");
	if (n == 0)
		return 0;
	s += n;
	if (*s == '.') {
		n = strspn(++s, "0123456789");
		if (n == 0)
			return 0;
		s += n;
	}
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '+' || *s == '-')
			s++;
		n = strspn(s, "0123456789");
		if (n == 0)
			return 0;
		s += n;
	}
	return *s == '\0';
}

/* file_path - DIR/NAME.EXT of chart c into buf */
static void file_path(const struct chart *c, const char *ext, char *buf,
		      size_t len)
{
	snprintf(buf, len, "%s/%s.%s", c->ch_plot->pl_dir, c->ch_name, ext);
}

int chart_open(struct chart *c, const struct plot *pl, const char *prefix,
	       const char *kind)
{
	char safe_p[PLOT_NAME_MAX / 2], safe_k[PLOT_NAME_MAX / 2];
	char path[PLOT_PATH_MAX + PLOT_NAME_MAX + 8];

	memset(c, 0, sizeof(*c));
	c->ch_plot = pl;
	plot_safe_name(safe_p, sizeof(safe_p), prefix);
	plot_safe_name(safe_k, sizeof(safe_k), kind);
	snprintf(c->ch_name, sizeof(c->ch_name), "%s-%s", safe_p, safe_k);
	file_path(c, "dat", path, sizeof(path));
	c->ch_dat = fopen(path, "w");
	if (c->ch_dat) {
		file_path(c, "gp", path, sizeof(path));
		c->ch_gp = fopen(path, "w");
	}
	if (!c->ch_dat || !c->ch_gp) {
		fprintf(stderr, "eptsim plot: %s: cannot write: %s\n", path,
			strerror(errno));
		chart_abort(c);
		return EXIT_USAGE;
	}
	return EXIT_DONE;
}

void chart_begin(struct chart *c, const char *title, const char *xlabel,
		 const char *ylabel)
{
	FILE *f = c->ch_gp;
	char image[PLOT_NAME_MAX + 8];

	fprintf(f, "# %s.gp - written by eptsim plot: the chart of %s.dat.\n"
		   "# Draw it again from this directory: gnuplot %s.gp\n",
		c->ch_name, c->ch_name, c->ch_name);
	switch (c->ch_plot->pl_format) {
	case PLOT_PNG:
		fprintf(f, "set terminal pngcairo size 960,600 noenhanced font \"sans,10\"\n");
		break;
	case PLOT_SVG:
		fprintf(f, "set terminal svg size 960,600 noenhanced font \"sans,10\"\n");
		break;
	case PLOT_DUMB:
		fprintf(f, "set terminal dumb size 100,32 noenhanced\n");
		break;
	}
	if (ext_of[c->ch_plot->pl_format]) {
		snprintf(image, sizeof(image), "%s.%s", c->ch_name,
			 ext_of[c->ch_plot->pl_format]);
		fprintf(f, "set output ");
		gp_str(f, image);
		fputc('\n', f);
	}
	fprintf(f, "set termoption noenhanced\n"
		   "set encoding utf8\n"
		   "set title ");
	gp_str(f, title);
	fprintf(f, "\nset xlabel ");
	gp_str(f, xlabel);
	fprintf(f, "\nset ylabel ");
	gp_str(f, ylabel);
	fprintf(f, "\nset grid ytics\n"
		   "set key below height 1\n");
}

void chart_abort(struct chart *c)
{
	if (c->ch_dat)
		fclose(c->ch_dat);
	if (c->ch_gp)
		fclose(c->ch_gp);
	c->ch_dat = c->ch_gp = NULL;
}

/* close_file - fclose, with a write error reported naming DIR/NAME.EXT; 0 or -1 */
static int close_file(struct chart *c, FILE **f, const char *ext)
{
	int bad = ferror(*f);
	int e = errno;
	char path[PLOT_PATH_MAX + PLOT_NAME_MAX + 8];

	if (fclose(*f) != 0) {
		bad = 1;
		e = errno;
	}
	*f = NULL;
	if (!bad)
		return 0;
	file_path(c, ext, path, sizeof(path));
	fprintf(stderr, "eptsim plot: %s: cannot write: %s\n", path, strerror(e));
	return -1;
}

/*
 * run_gnuplot - gnuplot SCRIPT in directory `dir`, its standard output
 * ours, its standard error kept in err (cut to len - 1 bytes).  The wait
 * status, or -1 when it could not be started (errno).
 */
static int run_gnuplot(const char *gnuplot, const char *dir, const char *script,
		       char *err, size_t len)
{
	int fds[2], st;
	size_t used = 0;
	pid_t pid;

	err[0] = '\0';
	if (pipe(fds) != 0)
		return -1;
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		/* the child: only async-signal-safe calls until exec */
		static const char nodir[] = "cannot enter the output directory\n";
		static const char noexec[] = "cannot execute gnuplot\n";
		int in = open("/dev/null", O_RDONLY);

		if (in < 0 || dup2(in, 0) < 0 || dup2(fds[1], 2) < 0)
			_exit(127);
		close(fds[0]);
		close(fds[1]);
		close(in);
		if (chdir(dir) != 0) {
			(void)!write(2, nodir, sizeof(nodir) - 1);
			_exit(127);
		}
		execl(gnuplot, "gnuplot", script, (char *)NULL);
		(void)!write(2, noexec, sizeof(noexec) - 1);
		_exit(127);
	}
	close(fds[1]);
	for (;;) {
		char chunk[4096];
		ssize_t n = read(fds[0], chunk, sizeof(chunk));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (used + 1 < len) {
			size_t k = (size_t)n < len - 1 - used ? (size_t)n : len - 1 - used;

			memcpy(err + used, chunk, k);
			used += k;
			err[used] = '\0';
		}
	}
	close(fds[0]);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return st;
}

int chart_draw(struct chart *c, const char *title)
{
	const struct plot *pl = c->ch_plot;
	const char *ext = ext_of[pl->pl_format];
	char script[PLOT_NAME_MAX + 4], *err;
	int bad, st;

	bad = close_file(c, &c->ch_dat, "dat") < 0;
	bad |= close_file(c, &c->ch_gp, "gp") < 0;
	if (bad)
		return EXIT_USAGE;
	err = malloc(GP_ERR_MAX);
	if (!err) {
		fprintf(stderr, "eptsim plot: out of memory\n");
		return EXIT_INTERNAL;
	}
	if (pl->pl_format == PLOT_DUMB)
		printf("%s\n", title);
	snprintf(script, sizeof(script), "%s.gp", c->ch_name);
	st = run_gnuplot(pl->pl_gnuplot, pl->pl_dir, script, err, GP_ERR_MAX);
	if (st == -1) {
		fprintf(stderr, "eptsim plot: cannot run %s: %s\n", pl->pl_gnuplot,
			strerror(errno));
		free(err);
		return EXIT_INTERNAL;
	}
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		if (WIFEXITED(st))
			fprintf(stderr, "eptsim plot: gnuplot failed on %s/%s (exit status %d)",
				pl->pl_dir, script, WEXITSTATUS(st));
		else
			fprintf(stderr, "eptsim plot: gnuplot failed on %s/%s (signal %d)",
				pl->pl_dir, script, WTERMSIG(st));
		fprintf(stderr, "%s%s%s", err[0] ? "; its standard error:\n" : "\n", err,
			err[0] && err[strlen(err) - 1] != '\n' ? "\n" : "");
		free(err);
		return EXIT_INTERNAL;
	}
	/* warnings of a run that succeeded are passed on as they came */
	fputs(err, stderr);
	free(err);
	if (ext)
		printf("%s/%s.%s\n", pl->pl_dir, c->ch_name, ext);
	return EXIT_DONE;
}

/* ---- shared by the charts: JSON strings, axis labels and scales -------- */

void plot_base_name(char *buf, size_t len, const char *path)
{
	const char *b = strrchr(path, '/');
	size_t n;

	b = b ? b + 1 : path;
	n = strlen(b);
	if (n > 5 && strcmp(b + n - 5, ".json") == 0)
		n -= 5;
	snprintf(buf, len, "%.*s", (int)n, b);
}

const char *plot_str(json_t *v, const char *path, const char *dflt)
{
	char key[64];

	while (v && *path) {
		size_t n = strcspn(path, ".");

		if (n >= sizeof(key))
			return dflt;
		memcpy(key, path, n);
		key[n] = '\0';
		v = json_object_get(v, key);
		path += n + (path[n] == '.');
	}
	return json_is_string(v) ? json_string_value(v) : dflt;
}

void plot_metric_label(char *buf, size_t len, const char *m, const char *scale)
{
	size_t n = strlen(m);
	const char *slash = strchr(m, '/');

	if (slash)
		snprintf(buf, len, "%.*s per %s (ratio%s)", (int)(slash - m), m,
			 slash + 1, scale);
	else if (strcmp(m, "overhead.ratio") == 0)
		snprintf(buf, len, "%s (EPT cycles / native cycles%s)", m, scale);
	else if (strncmp(m, "cycles.", 7) == 0 || strstr(m, ".cycles.") ||
		 strstr(m, "_cycles"))
		snprintf(buf, len, "%s (cycles%s)", m, scale);
	else if (n > 6 && strcmp(m + n - 6, "_bytes") == 0)
		snprintf(buf, len, "%s (bytes%s)", m, scale);
	else
		snprintf(buf, len, "%s (count%s)", m, scale);
}

void plot_y_scale(double max, const char **expr, const char **word)
{
	static const struct { double s; const char *e, *w; } steps[] = {
		{ 1e12, "1e12", ", trillions" }, { 1e9, "1e9", ", billions" },
		{ 1e6, "1e6", ", millions" }, { 1e4, "1e3", ", thousands" },
	};

	*expr = NULL;
	*word = "";
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		if (max >= steps[i].s) {
			*expr = steps[i].e;
			*word = steps[i].w;
			return;
		}
	}
}

void gp_column(char *buf, size_t len, size_t n, const char *scale)
{
	if (scale)
		snprintf(buf, len, "($%zu / %s)", n, scale);
	else
		snprintf(buf, len, "%zu", n);
}
