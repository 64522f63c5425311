/*
 * cfg_expect.c - the workload keys `expect` and `expect_tolerance`.
 *
 * `expect` names a golden report, an earlier run's report kept in a
 * repository; `eptsim run` compares the run's own report with it after
 * the run (cli/check.c, as `eptsim check` does) and fails when they
 * differ.  Both keys are directives: the report's config leaves them
 * out, so running a report's config again does not check it against
 * itself.  What can be known before the run is checked here, after all
 * the layers, so a typo fails at once and not after a long run: the
 * golden file can be read, and each tolerance parses.  The parser of a
 * tolerance is shared with `eptsim check --tolerance`, so both accept
 * the same text.
 */
#include "sim/cfg_load.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int cfg_tolerance_parse(const char *s, size_t *pathlen, uint64_t *num,
			unsigned *scale, char *why, size_t whylen)
{
	const char *eq = strrchr(s, '='), *p;
	uint64_t ip = 0, fp = 0, max;
	unsigned fs = 0, id = 0;

	if (!eq || eq == s)
		goto bad;
	for (p = eq + 1; *p >= '0' && *p <= '9'; p++, id++)
		if (id < 8)
			ip = ip * 10 + (uint64_t)(*p - '0');
	if (id == 0 || id > 7)
		goto bad;
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++, fs++)
			if (fs < CFG_TOL_PCT_DIGITS)
				fp = fp * 10 + (uint64_t)(*p - '0');
		if (fs == 0 || fs > CFG_TOL_PCT_DIGITS)
			goto bad;
	}
	if (*p != '\0')
		goto bad;
	/* in units of 10^-fs: no overflow, the integer part has at most 7 digits */
	max = CFG_TOL_PCT_MAX;
	for (unsigned i = 0; i < fs; i++) {
		ip *= 10;
		max *= 10;
	}
	if (ip + fp > max)
		goto bad;
	*pathlen = (size_t)(eq - s);
	*num = ip + fp;
	*scale = fs;
	return 0;
bad:
	snprintf(why, whylen,
		 "expected PATH=PCT: a metric name or a pattern ('*' matches any run of characters), '=', and a percentage from 0 to %d with at most %d decimals, like 2 or 0.5; got \"%.200s\"",
		 CFG_TOL_PCT_MAX, CFG_TOL_PCT_DIGITS, s);
	return -EINVAL;
}

/*
 * resolve - a relative `expect` given by the workload file `origin`,
 * taken from the file's directory (as source.trace).  0 or -EINVAL.
 */
static int resolve(struct cfg *c, const char *origin, struct eptsim_error *err)
{
	const char *slash = strrchr(origin, '/');
	char path[CFG_PATH_MAX];
	int n;

	if (c->expect[0] == '/' || !slash)
		return 0;
	n = snprintf(path, sizeof(path), "%.*s/%s", (int)(slash - origin), origin,
		     c->expect);
	if (n < 0 || n >= (int)sizeof(path)) {
		cfg_errf(err, "%s: expect: the path is longer than %d bytes", origin,
			 CFG_PATH_MAX - 1);
		return -EINVAL;
	}
	memcpy(c->expect, path, (size_t)n + 1);
	return 0;
}

int cfg_expect_check(struct cfg *c, const char *expect_origin, bool from_file,
		     const char *tol_origin, struct eptsim_error *err)
{
	char why[512];
	size_t i = 0;

	if (c->expect[0] && from_file && resolve(c, expect_origin, err) < 0)
		return -EINVAL;
	if (c->expect[0] && access(c->expect, R_OK) != 0) {
		cfg_errf(err, "%s: expect: cannot read the golden report %s: %s (make it with --set expect=\"\" -o %s)",
			 expect_origin, c->expect, strerror(errno), c->expect);
		return -EINVAL;
	}
	for (const char *p = c->expect_tolerance; *p; p += strlen(p) + 1, i++) {
		size_t len;
		uint64_t num;
		unsigned scale;

		if (cfg_tolerance_parse(p, &len, &num, &scale, why, sizeof(why)) < 0) {
			cfg_errf(err, "%s: expect_tolerance[%zu]: %s", tol_origin, i, why);
			return -EINVAL;
		}
	}
	return 0;
}
