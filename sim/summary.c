/*
 * summary.c - the human summary table printed by `eptsim run`.
 *
 * Rates are computed in integer arithmetic (hundredths of a percent), so
 * the table, like the report, is the same on every machine.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "sim/proc/proc.h"
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

/* tlb_row - one TLB level: lookups, then misses and the miss rate */
static void tlb_row(FILE *f, const char *label, const uint64_t *k, enum sim_ctr h4k)
{
	const enum sim_ctr miss = h4k + (CTR_L1D_MISSES - CTR_L1D_HITS_4K);
	const uint64_t lookups = k[h4k] + k[h4k + 1] + k[h4k + 2] + k[miss];
	char a[32], b[32], c[32], extra[96];

	snprintf(extra, sizeof(extra), "hits 4K %s, 2M %s, 1G %s",
		 with_commas(k[h4k], a, sizeof(a)), with_commas(k[h4k + 1], b, sizeof(b)),
		 with_commas(k[h4k + 2], c, sizeof(c)));
	row(f, label, lookups, extra);
	pct_row(f, "  misses", k[miss], lookups, "miss rate");
}

/* the machine line: how the process's memory is translated */
static void mode_line(const struct cfg *c, char *buf, size_t len)
{
	const unsigned glevels = c->machine.caps.la57 ? 5 : 4;

	if (!c->vm.enabled)
		snprintf(buf, len, "native %u-level paging, %llu CPU%s", glevels,
			 (unsigned long long)c->cpus, c->cpus == 1 ? "" : "s");
	else
		snprintf(buf, len,
			 "a VM: %u-level guest paging over %u-level EPT (%s pages), %llu vCPU%s",
			 glevels, c->machine.caps.ept_5level ? 5 : 4,
			 cfg_psize_names[c->vm.ept_page], (unsigned long long)c->cpus,
			 c->cpus == 1 ? "" : "s");
}

/* procs_rows - one line per process of a program source: how it ended */
static void procs_rows(const struct eptsim_result *res, FILE *f)
{
	for (size_t i = 0; i < res->er_nprocs; i++) {
		const struct eptsim_proc *ep = &res->er_procs[i];
		const char *prog = ep->ep_name;
		const char *base = strrchr(prog, '/');
		char n[32];

		fprintf(f, "process %zu (%s) on CPU %u: ", i, base ? base + 1 : prog, ep->ep_cpu);
		if (ep->ep_state == PROC_EXITED)
			fprintf(f, "exited with status %d", ep->ep_exit_code);
		else if (ep->ep_state == PROC_KILLED && ep->ep_signal == SIGSEGV)
			fprintf(f, "killed by SIGSEGV at %#llx (ip %#llx)",
				(unsigned long long)ep->ep_fault_va,
				(unsigned long long)ep->ep_fault_ip);
		else if (ep->ep_state == PROC_KILLED)
			fprintf(f, "killed by %s (ip %#llx)", proc_signal_name(ep->ep_signal),
				(unsigned long long)ep->ep_fault_ip);
		else
			fprintf(f, "still running when the run ended");
		fprintf(f, ", %s instructions\n", with_commas(ep->ep_insns, n, sizeof(n)));
	}
}

void eptsim_summary_print(const struct eptsim_result *res, FILE *f)
{
	const struct cfg *c = &res->er_cfg;
	const uint64_t *k = res->er_ctr;
	const uint64_t exits = k[CTR_VM_EXITS];
	char a[64], b[64], extra[200];

	mode_line(c, extra, sizeof(extra));
	fprintf(f, "eptsim %s: workload \"%s\" on %s (%s), %s\n", eptsim_version(),
		c->name, c->machine.name, c->machine.description, extra);
	fprintf(f, "status: %s", eptsim_status_name(res->er_stop.st_status));
	if (res->er_stop.st_status != EPTSIM_COMPLETED && res->er_stop.st_proc < 0)
		fprintf(f, " (%s%s of %#llx on CPU %u)",
			res->er_stop.st_status == EPTSIM_KILLED ? "SIGSEGV on a " : "",
			res->er_stop.st_acc == MMU_WRITE ? "write"
			: res->er_stop.st_acc == MMU_FETCH ? "fetch" : "read",
			(unsigned long long)res->er_stop.st_va, res->er_stop.st_cpu);
	fputc('\n', f);
	if (c->source.kind == CFG_SOURCE_TRACE) {
		fprintf(f, "trace: %s, %s, %s records", c->source.trace, res->er_trace_format,
			with_commas(res->er_trace_records, a, sizeof(a)));
		if (res->er_trace_demand)
			fprintf(f, "; no address-space events: memory mapped on demand, %s region%s of 2 MiB",
				with_commas(k[CTR_DEMAND_MAPS], b, sizeof(b)),
				k[CTR_DEMAND_MAPS] == 1 ? "" : "s");
		fputc('\n', f);
	}
	procs_rows(res, f);
	fputc('\n', f);

	if (c->source.kind != CFG_SOURCE_SYNTHETIC) {
		snprintf(extra, sizeof(extra), "%8s cycles per instruction",
			 ratio(k[CTR_CYCLES], k[CTR_INSTRUCTIONS], 1, a, sizeof(a)));
		row(f, "instructions", k[CTR_INSTRUCTIONS], extra);
	}
	row(f, "accesses", k[CTR_ACCESSES], NULL);
	pct_row(f, "  reads", k[CTR_READS], k[CTR_ACCESSES], "");
	pct_row(f, "  writes", k[CTR_WRITES], k[CTR_ACCESSES], "");
	if (k[CTR_FETCHES])
		pct_row(f, "  fetches", k[CTR_FETCHES], k[CTR_ACCESSES], "");
	tlb_row(f, "L1 dTLB lookups", k, CTR_L1D_HITS_4K);
	if (k[CTR_FETCHES])
		tlb_row(f, "L1 iTLB lookups", k, CTR_L1I_HITS_4K);
	tlb_row(f, "STLB lookups", k, CTR_STLB_HITS_4K);
	snprintf(extra, sizeof(extra), "%8s refs/walk",
		 ratio(k[CTR_WALK_REFS], k[CTR_WALKS], 1, a, sizeof(a)));
	row(f, "page walks", k[CTR_WALKS], extra);
	row(f, "  assists", k[CTR_WALK_ASSISTS], "(a TLB hit that could not be used)");
	snprintf(extra, sizeof(extra), "%8s per walk",
		 ratio(k[CTR_WALK_PSC_HITS], k[CTR_WALKS], 1, a, sizeof(a)));
	row(f, "  walk-cache hits", k[CTR_WALK_PSC_HITS], extra);
	if (c->vm.enabled) {
		pct_row(f, "  nested TLB hits", k[CTR_WALK_NTLB_HITS],
			k[CTR_WALK_S2], "of EPT translations");
		pct_row(f, "  EPT PSC hits", k[CTR_WALK_EPSC_HITS],
			k[CTR_WALK_EPSC_LOOKUPS], "of lookups");
	}
	pct_row(f, "  PT line hits", k[CTR_WALK_PTC_HITS], k[CTR_WALK_REFS],
		"of references");
	row(f, "page faults", k[CTR_PAGE_FAULTS], NULL);
	if (c->source.kind == CFG_SOURCE_PROGRAM) {
		snprintf(extra, sizeof(extra), "unsupported (ENOSYS) %llu",
			 (unsigned long long)k[CTR_SYSCALLS_ENOSYS]);
		row(f, "system calls", k[CTR_SYSCALLS], extra);
		snprintf(extra, sizeof(extra), "CR3 writes %llu%s",
			 (unsigned long long)k[CTR_CR3_WRITES],
			 c->pcid && c->machine.caps.pcid ? " (PCIDs)" : "");
		row(f, "context switches", k[CTR_CTX_SWITCHES], extra);
	}
	if (c->vm.enabled) {
		snprintf(extra, sizeof(extra), "EPT violation %llu, interrupt %llu, HLT %llu, WRMSR %llu",
			 (unsigned long long)k[CTR_EXIT_EPT_VIOLATION],
			 (unsigned long long)k[CTR_EXIT_EXTINT],
			 (unsigned long long)k[CTR_EXIT_HLT],
			 (unsigned long long)k[CTR_EXIT_WRMSR]);
		row(f, "VM exits", exits, extra);
		snprintf(extra, sizeof(extra), "single %llu, all %llu, saved %llu",
			 (unsigned long long)k[CTR_INVEPT_SINGLE],
			 (unsigned long long)k[CTR_INVEPT_ALL],
			 (unsigned long long)k[CTR_INVEPT_SAVED]);
		row(f, "INVEPT", k[CTR_INVEPT_SINGLE] + k[CTR_INVEPT_ALL], extra);
		row(f, "IPIs", k[CTR_IPI_EPT] + k[CTR_IPI_GUEST], NULL);
		snprintf(extra, sizeof(extra), "accessed %llu, dirty %llu (%s)",
			 (unsigned long long)k[CTR_KH_ad_accessed],
			 (unsigned long long)k[CTR_KH_ad_dirty],
			 cfg_vm_policy_name(c->vm.policy));
		row(f, "A/D emulations", k[CTR_KH_ad_accessed] + k[CTR_KH_ad_dirty], extra);
		snprintf(extra, sizeof(extra), "reclaimed %llu, swap out %llu, in %llu",
			 (unsigned long long)k[CTR_KH_reclaimed],
			 (unsigned long long)k[CTR_KH_swap_outs],
			 (unsigned long long)k[CTR_KH_swap_ins]);
		row(f, "host daemon scans", k[CTR_KH_scanned], extra);
	}
	snprintf(extra, sizeof(extra), "reclaimed %llu, swap out %llu, in %llu",
		 (unsigned long long)k[CTR_KG_reclaimed],
		 (unsigned long long)k[CTR_KG_swap_outs],
		 (unsigned long long)k[CTR_KG_swap_ins]);
	row(f, c->vm.enabled ? "guest daemon scans" : "page daemon scans", k[CTR_KG_scanned], extra);
	snprintf(extra, sizeof(extra), "demotions %llu%s",
		 (unsigned long long)(k[CTR_KG_demotions] + k[CTR_KH_demotions]),
		 c->vm.enabled ? " (guest and host)" : "");
	row(f, "superpage promotions", k[CTR_KG_promotions] + k[CTR_KH_promotions], extra);
	bytes(k[CTR_DATA_FRAMES], a, sizeof(a));
	bytes(k[CTR_PT_FRAMES], b, sizeof(b));
	snprintf(extra, sizeof(extra), "data %s, page tables %s", a, b);
	if (c->vm.enabled) {
		size_t n = strlen(extra);

		bytes(k[CTR_EPT_FRAMES], a, sizeof(a));
		snprintf(extra + n, sizeof(extra) - n, ", EPT %s", a);
	}
	row(f, "frames in use",
	    k[CTR_DATA_FRAMES] + k[CTR_PT_FRAMES] + k[CTR_EPT_FRAMES], extra);
	fputc('\n', f);

	snprintf(extra, sizeof(extra), "%8s per access",
		 ratio(k[CTR_CYCLES], k[CTR_ACCESSES], 1, a, sizeof(a)));
	row(f, "cycles", k[CTR_CYCLES], extra);
	pct_row(f, "  base (CPI)", k[CTR_CYC_BASE], k[CTR_CYCLES], "");
	pct_row(f, "  TLB lookups", k[CTR_CYC_TLB], k[CTR_CYCLES], "");
	pct_row(f, "  page walks", k[CTR_CYC_WALK], k[CTR_CYCLES], "");
	pct_row(f, "  VM exits/entries", k[CTR_CYC_EXIT], k[CTR_CYCLES], "");
	pct_row(f, "  faults", k[CTR_CYC_FAULT], k[CTR_CYCLES], "");
	pct_row(f, "  invalidations", k[CTR_CYC_INV], k[CTR_CYCLES], "");
	pct_row(f, "  kernel", k[CTR_CYC_KERNEL], k[CTR_CYCLES], "");
	if (res->er_has_native) {
		eptsim_ratio_text(k[CTR_CYCLES], res->er_native_ctr[CTR_CYCLES], a, sizeof(a));
		snprintf(extra, sizeof(extra), "natively (EPT/native %s x)", a);
		row(f, "cycles", res->er_native_ctr[CTR_CYCLES], extra);
	}
}
