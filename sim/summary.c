/*
 * summary.c - the human summary table printed by `eptsim run`.
 *
 * Rates are computed in integer arithmetic (hundredths of a percent), so
 * the table, like the report, is the same on every machine.
 */
#include <stdio.h>

#include "sim/result.h"

/* with_commas - "1234567" -> "1,234,567" */
static const char *with_commas(uint64_t v, char *buf, size_t len)
{
	char raw[32];
	int n = snprintf(raw, sizeof(raw), "%llu", (unsigned long long)v);
	size_t o = 0;

	for (int i = 0; i < n && o + 1 < len; i++) {
		if (i > 0 && (n - i) % 3 == 0 && o + 2 < len)
			buf[o++] = ',';
		buf[o++] = raw[i];
	}
	buf[o] = '\0';
	return buf;
}

/* ratio - "a/b" with two decimals, in integer arithmetic; "-" when b is 0 */
static const char *ratio(uint64_t a, uint64_t b, unsigned scale, char *buf,
			 size_t len)
{
	if (b == 0) {
		snprintf(buf, len, "-");
		return buf;
	}
	unsigned __int128 x = (unsigned __int128)a * scale * 100 + b / 2;
	uint64_t q = (uint64_t)(x / b);

	snprintf(buf, len, "%llu.%02llu", (unsigned long long)(q / 100),
		 (unsigned long long)(q % 100));
	return buf;
}

static void row(FILE *f, const char *label, uint64_t v, const char *extra)
{
	char n[32];

	fprintf(f, "  %-20s %16s%s%s\n", label, with_commas(v, n, sizeof(n)),
		extra && *extra ? "  " : "", extra ? extra : "");
}

static void pct_row(FILE *f, const char *label, uint64_t v, uint64_t of,
		    const char *what)
{
	char r[32], extra[64];

	snprintf(extra, sizeof(extra), "%7s%%%s%s", ratio(v, of, 100, r, sizeof(r)),
		 *what ? " " : "", what);
	row(f, label, v, extra);
}

static void bytes(uint64_t frames, char *buf, size_t len)
{
	uint64_t kib = frames * 4;
	char r[24];

	if (kib >= 1024 * 1024)
		snprintf(buf, len, "%s GiB", ratio(kib, 1024 * 1024, 1, r, sizeof(r)));
	else if (kib >= 1024)
		snprintf(buf, len, "%s MiB", ratio(kib, 1024, 1, r, sizeof(r)));
	else
		snprintf(buf, len, "%llu KiB", (unsigned long long)kib);
}

void eptsim_summary_print(const struct eptsim_result *res, FILE *f)
{
	const struct cfg *c = &res->er_cfg;
	const uint64_t *k = res->er_ctr;
	const uint64_t l1_lookups = k[CTR_L1D_HITS] + k[CTR_L1D_MISSES];
	const uint64_t stlb_lookups = k[CTR_STLB_HITS] + k[CTR_STLB_MISSES];
	char a[64], b[64], extra[160];

	/* the kernel model pages with 5 levels where the CPU has them (sim.c) */
	fprintf(f, "eptsim %s: workload \"%s\" on %s (%s), native %d-level paging\n",
		eptsim_version(), c->name, c->machine.name,
		c->machine.description, c->machine.caps.la57 ? 5 : 4);
	fprintf(f, "status: %s", eptsim_status_name(res->er_stop.st_status));
	if (res->er_stop.st_status != EPTSIM_COMPLETED)
		fprintf(f, " (%s%s of %#llx)",
			res->er_stop.st_status == EPTSIM_KILLED ? "SIGSEGV on a " : "",
			res->er_stop.st_acc == MMU_WRITE ? "write" : "read",
			(unsigned long long)res->er_stop.st_va);
	fputs("\n\n", f);

	row(f, "accesses", k[CTR_ACCESSES], NULL);
	pct_row(f, "  reads", k[CTR_READS], k[CTR_ACCESSES], "");
	pct_row(f, "  writes", k[CTR_WRITES], k[CTR_ACCESSES], "");
	row(f, "L1 dTLB lookups", l1_lookups, NULL);
	pct_row(f, "  misses", k[CTR_L1D_MISSES], l1_lookups, "miss rate");
	row(f, "STLB lookups", stlb_lookups, NULL);
	pct_row(f, "  misses", k[CTR_STLB_MISSES], stlb_lookups, "miss rate");
	snprintf(extra, sizeof(extra), "%8s refs/walk",
		 ratio(k[CTR_WALK_REFS], k[CTR_WALKS], 1, a, sizeof(a)));
	row(f, "page walks", k[CTR_WALKS], extra);
	row(f, "  assists", k[CTR_WALK_ASSISTS], "(a TLB hit that could not be used)");
	snprintf(extra, sizeof(extra), "%8s per walk",
		 ratio(k[CTR_WALK_PSC_HITS], k[CTR_WALKS], 1, a, sizeof(a)));
	row(f, "  walk-cache hits", k[CTR_WALK_PSC_HITS], extra);
	row(f, "page faults", k[CTR_PAGE_FAULTS], NULL);
	bytes(k[CTR_DATA_FRAMES], a, sizeof(a));
	bytes(k[CTR_PT_FRAMES], b, sizeof(b));
	snprintf(extra, sizeof(extra), "data %s, page tables %s", a, b);
	row(f, "frames in use", k[CTR_DATA_FRAMES] + k[CTR_PT_FRAMES], extra);
	fputc('\n', f);

	snprintf(extra, sizeof(extra), "%8s per access",
		 ratio(k[CTR_CYCLES], k[CTR_ACCESSES], 1, a, sizeof(a)));
	row(f, "cycles", k[CTR_CYCLES], extra);
	pct_row(f, "  base (CPI)", k[CTR_CYC_BASE], k[CTR_CYCLES], "");
	pct_row(f, "  TLB lookups", k[CTR_CYC_TLB], k[CTR_CYCLES], "");
	pct_row(f, "  page walks", k[CTR_CYC_WALK], k[CTR_CYCLES], "");
	pct_row(f, "  page faults", k[CTR_CYC_FAULT], k[CTR_CYCLES], "");
}
