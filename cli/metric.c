/*
 * metric.c - a metric of a report by name: what `eptsim sweep` tabulates
 * and `eptsim plot` draws from several reports.
 *
 * A name is a counter ("tlb.stlb.misses", read from "counters"), else a
 * path into the report ("overhead.ratio", "status.state",
 * "cpus[1].counters.cycles.total", "histograms.walks.mem_refs[4]"), else
 * "A/B": metric A over metric B as a decimal with 4 places, computed in
 * integers so that it is the same on every machine.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"

/*
 * lookup - the member of `v` at `path`.  Object keys may hold dots
 * ("walks.mem_refs"), so each step tries the longest key first: the whole
 * rest of the step up to a '[', then shorter ones cut at a dot.
 */
static json_t *lookup(json_t *v, const char *path)
{
	if (*path == '\0')
		return v;
	if (*path == '[') {
		char *end;
		unsigned long i;

		if (!json_is_array(v) || path[1] < '0' || path[1] > '9')
			return NULL;
		i = strtoul(path + 1, &end, 10);
		if (*end != ']')
			return NULL;
		end++;
		if (*end == '.')
			end++;
		return lookup(json_array_get(v, i), end);
	}
	if (!json_is_object(v))
		return NULL;
	for (size_t n = strcspn(path, "["); n > 0; ) {
		char key[256];
		json_t *m, *r;

		if (n < sizeof(key)) {
			memcpy(key, path, n);
			key[n] = '\0';
			m = json_object_get(v, key);
			if (m && (path[n] == '\0' || path[n] == '[' || path[n] == '.')) {
				r = lookup(m, path + n + (path[n] == '.'));
				if (r)
					return r;
			}
		}
		while (n > 0 && path[--n] != '.')
			;
	}
	return NULL;
}

/* number - a metric value as an integer scaled by 10^4 (integers and "1.2345" strings) */
static int number(const json_t *v, unsigned __int128 *out)
{
	const char *s, *dot;
	unsigned long long ip = 0, fp = 0;
	size_t nf;

	if (json_is_integer(v)) {
		if (json_integer_value(v) < 0)
			return -EDOM;
		*out = (unsigned __int128)json_integer_value(v) * 10000;
		return 0;
	}
	if (!json_is_string(v))
		return -EDOM;
	s = json_string_value(v);
	dot = strchr(s, '.');
	if (s[0] < '0' || s[0] > '9' || sscanf(s, "%llu", &ip) != 1)
		return -EDOM;
	if (dot) {
		nf = strlen(dot + 1);
		if (nf == 0 || nf > 4 || strspn(dot + 1, "0123456789") != nf ||
		    sscanf(dot + 1, "%llu", &fp) != 1)
			return -EDOM;
		while (nf++ < 4)
			fp *= 10;
	} else if (strspn(s, "0123456789") != strlen(s)) {
		return -EDOM;
	}
	*out = (unsigned __int128)ip * 10000 + fp;
	return 0;
}

/* plain - one metric without '/' */
static json_t *plain(json_t *rep, const char *name)
{
	json_t *v = lookup(json_object_get(rep, "counters"), name);

	return v ? v : lookup(rep, name);
}

int metric_get(json_t *rep, const char *name, char *buf, size_t len)
{
	const char *slash = strchr(name, '/');
	unsigned __int128 a, b, q;
	char left[256];
	json_t *va, *vb;

	if (!slash) {
		va = plain(rep, name);
		if (!va || json_is_object(va) || json_is_array(va))
			return -ENOENT;
		if (json_is_integer(va))
			snprintf(buf, len, "%lld", (long long)json_integer_value(va));
		else if (json_is_string(va))
			snprintf(buf, len, "%s", json_string_value(va));
		else if (json_is_boolean(va))
			snprintf(buf, len, "%s", json_is_true(va) ? "true" : "false");
		else if (json_is_real(va))
			snprintf(buf, len, "%.15g", json_real_value(va));
		else
			snprintf(buf, len, "null");
		return 0;
	}
	if ((size_t)(slash - name) >= sizeof(left))
		return -ENOENT;
	memcpy(left, name, (size_t)(slash - name));
	left[slash - name] = '\0';
	va = plain(rep, left);
	vb = plain(rep, slash + 1);
	if (!va || !vb)
		return -ENOENT;
	if (number(va, &a) < 0 || number(vb, &b) < 0 || b == 0)
		return -EDOM;
	/* a/b rounded to 4 places: (a * 10^4 + b / 2) / b, both scaled alike */
	q = (a * 10000 + b / 2) / b;
	snprintf(buf, len, "%llu.%04llu", (unsigned long long)(q / 10000),
		 (unsigned long long)(q % 10000));
	return 0;
}

int metric_valid(const char *name)
{
	size_t n = strlen(name);
	const char *slash = strchr(name, '/');

	return n > 0 && n < 256 && name[0] != '/' && name[n - 1] != '/' &&
	       (!slash || !strchr(slash + 1, '/')) && !strpbrk(name, " \t\n,\"");
}
