/*
 * check_out.c - a comparison of two reports written out (see check.h):
 * the table for a person, JUnit XML for a CI system, and the files
 * `eptsim check` writes, each through FILE.tmp renamed into place.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli/check.h"

/* shown - a row of the table: one that differs, or one within tolerance unless quiet */
static bool shown(const struct chk_row *r, bool quiet)
{
	return r->cr_verdict == CHK_DIFFER || (r->cr_verdict == CHK_WITHIN && !quiet);
}

static const char *or_dash(const char *s)
{
	return s ? s : "-";
}

void chk_table(const struct chk_diff *d, bool quiet, FILE *f)
{
	int wm = (int)strlen("metric"), we = (int)strlen("expected"), wg = (int)strlen("got");
	bool any = false;

	for (size_t i = 0; i < d->cd_n; i++) {
		const struct chk_row *r = &d->cd_rows[i];

		if (!shown(r, quiet))
			continue;
		any = true;
		if ((int)strlen(r->cr_metric) > wm)
			wm = (int)strlen(r->cr_metric);
		if ((int)strlen(or_dash(r->cr_expected)) > we)
			we = (int)strlen(or_dash(r->cr_expected));
		if ((int)strlen(or_dash(r->cr_got)) > wg)
			wg = (int)strlen(or_dash(r->cr_got));
	}
	if (!any)
		return;
	fprintf(f, "%-*s  %*s  %*s  %s\n", wm, "metric", we, "expected", wg, "got", "change");
	for (size_t i = 0; i < d->cd_n; i++) {
		const struct chk_row *r = &d->cd_rows[i];

		if (shown(r, quiet))
			fprintf(f, "%-*s  %*s  %*s  %s\n", wm, r->cr_metric, we,
				or_dash(r->cr_expected), wg, or_dash(r->cr_got), r->cr_change);
	}
}

void chk_summary(const struct chk_diff *d, char *buf, size_t len)
{
	size_t n;

	if (d->cd_differ)
		n = (size_t)snprintf(buf, len, "%zu of %zu metrics differ", d->cd_differ, d->cd_n);
	else
		n = (size_t)snprintf(buf, len, "%zu metrics agree", d->cd_n);
	if (d->cd_within && n < len)
		snprintf(buf + n, len - n, d->cd_differ ? ", %zu more within tolerance"
							: " (%zu within tolerance)",
			 d->cd_within);
}

/*
 * xml_put - `s` as XML 1.0 text or attribute value: the five markup
 * characters as entities, tab, newline and CR as character references
 * (attribute values would normalise them), and what XML 1.0 cannot hold
 * at all (other control characters, U+FFFE, U+FFFF) as "\uXXXX".
 */
static void xml_put(FILE *f, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		case '\'':
			fputs("&apos;", f);
			break;
		case '\t':
		case '\n':
		case '\r':
			fprintf(f, "&#%d;", *p);
			break;
		default:
			if (*p < 0x20)
				fprintf(f, "\\u%04x", *p);
			else if (p[0] == 0xef && p[1] == 0xbf && (p[2] == 0xbe || p[2] == 0xbf)) {
				fputs(p[2] == 0xbe ? "\\ufffe" : "\\uffff", f);
				p += 2;
			} else {
				fputc(*p, f);
			}
		}
	}
}

/* open_tmp - PATH.tmp for writing; its name in *tmp (malloc'd) */
static FILE *open_tmp(const char *path, char **tmp, FILE *err)
{
	FILE *f;

	*tmp = malloc(strlen(path) + sizeof(".tmp"));
	if (!*tmp) {
		fprintf(err, "eptsim check: out of memory\n");
		return NULL;
	}
	sprintf(*tmp, "%s.tmp", path);
	f = fopen(*tmp, "wb");
	if (!f) {
		fprintf(err, "eptsim check: %s: cannot write: %s\n", *tmp, strerror(errno));
		free(*tmp);
		*tmp = NULL;
	}
	return f;
}

/* close_tmp - close f (PATH.tmp) and rename it to `path`; on failure remove it.  0 or -errno */
static int close_tmp(FILE *f, char *tmp, const char *path, FILE *err)
{
	int bad = ferror(f), rc = 0;

	if (fclose(f) != 0 || bad) {
		rc = -EIO;
		fprintf(err, "eptsim check: %s: cannot write: %s\n", tmp,
			errno ? strerror(errno) : "I/O error");
	} else if (rename(tmp, path) != 0) {
		rc = -errno;
		fprintf(err, "eptsim check: %s: cannot rename %s to it: %s\n", path, tmp,
			strerror(errno));
	}
	if (rc < 0)
		remove(tmp);
	free(tmp);
	return rc;
}

int chk_junit(const struct chk_diff *d, const char *suite, const char *path, FILE *err)
{
	char *tmp;
	FILE *f = open_tmp(path, &tmp, err);

	if (!f)
		return -EIO;
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuite name=\"eptsim check: ", f);
	xml_put(f, suite);
	fprintf(f, "\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"0\">\n", d->cd_n,
		d->cd_differ);
	for (size_t i = 0; i < d->cd_n; i++) {
		const struct chk_row *r = &d->cd_rows[i];

		fputs("  <testcase classname=\"", f);
		xml_put(f, r->cr_section);
		fputs("\" name=\"", f);
		xml_put(f, r->cr_metric);
		if (r->cr_verdict == CHK_SAME) {
			fputs("\"/>\n", f);
			continue;
		}
		fputs("\">\n", f);
		if (r->cr_verdict == CHK_DIFFER) {
			fputs("    <failure type=\"difference\" message=\"expected ", f);
			xml_put(f, or_dash(r->cr_expected));
			fputs(", got ", f);
			xml_put(f, or_dash(r->cr_got));
			fputs("\">", f);
		} else {
			fputs("    <system-out>", f);
		}
		xml_put(f, r->cr_metric);
		fputs(": expected ", f);
		xml_put(f, or_dash(r->cr_expected));
		fputs(", got ", f);
		xml_put(f, or_dash(r->cr_got));
		fputs(": ", f);
		xml_put(f, r->cr_change);
		fputs(r->cr_verdict == CHK_DIFFER ? "</failure>\n" : "</system-out>\n", f);
		fputs("  </testcase>\n", f);
	}
	fputs("</testsuite>\n", f);
	return close_tmp(f, tmp, path, err);
}

int chk_replace(const char *dst, const char *src, FILE *err)
{
	char buf[65536], *tmp;
	FILE *in = fopen(src, "rb"), *out;
	size_t n;
	int rc;

	if (!in) {
		fprintf(err, "eptsim check: %s: cannot open: %s\n", src, strerror(errno));
		return -EIO;
	}
	out = open_tmp(dst, &tmp, err);
	if (!out) {
		fclose(in);
		return -EIO;
	}
	errno = 0;
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		if (fwrite(buf, 1, n, out) != n)
			break;
	if (ferror(in)) {
		fprintf(err, "eptsim check: %s: cannot read: %s\n", src, strerror(errno));
		fclose(in);
		fclose(out);
		remove(tmp);
		free(tmp);
		return -EIO;
	}
	fclose(in);
	rc = close_tmp(out, tmp, dst, err);
	return rc;
}
