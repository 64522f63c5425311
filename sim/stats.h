/*
 * stats.h - every counter a run keeps, defined once.
 *
 * The dotted name is the counter's place in the report ("tlb.l1d.hits" is
 * counters.tlb.l1d.hits) and in samples; the summary table, eptsim_counter()
 * and docs/report.md all follow this list (tests/unit/test_docs.c fails
 * if a counter is missing from the docs).  Gauges (marked) are levels read
 * when sampled, not sums.
 */
#ifndef EPTSIM_SIM_STATS_H
#define EPTSIM_SIM_STATS_H

#include "sim/base.h"

#define SIM_COUNTERS(X)                                                        \
	X(INSTRUCTIONS, "instructions",                                        \
	  "instructions executed; a synthetic source counts one per access")  \
	X(ACCESSES, "accesses", "memory accesses issued by the source")        \
	X(READS, "reads", "data reads issued by the source")                  \
	X(WRITES, "writes", "data writes issued by the source")               \
	X(L1D_HITS, "tlb.l1d.hits",                                            \
	  "L1 data TLB lookups that found the page (retried accesses look up again)") \
	X(L1D_MISSES, "tlb.l1d.misses", "L1 data TLB lookups that did not")    \
	X(STLB_HITS, "tlb.stlb.hits", "STLB lookups (after an L1 miss) that found the page") \
	X(STLB_MISSES, "tlb.stlb.misses", "STLB lookups that did not; each starts a walk") \
	X(WALKS, "walks.count", "page walks")                                  \
	X(WALK_ASSISTS, "walks.assists",                                       \
	  "walks for a TLB hit that could not be used: a write to a clean entry (to set D) or a rights mismatch") \
	X(WALK_REFS, "walks.mem_refs", "memory references made by page walks") \
	X(WALK_PSC_HITS, "walks.psc_hits",                                     \
	  "paging-structure cache hits: each skips the upper levels of one walk") \
	X(WALK_FAULTS, "walks.faults", "walks that ended in a fault")          \
	X(PAGE_FAULTS, "faults.page", "page faults handled by the kernel model") \
	X(ZERO_FILLS, "faults.zero_fill", "pages zero-filled on first touch")  \
	X(PT_ALLOCS, "faults.pt_pages", "page-table pages allocated by faults") \
	X(SEGV, "faults.segv", "accesses that killed the process with SIGSEGV") \
	X(DATA_FRAMES, "memory.data_frames", "gauge: frames holding data")     \
	X(PT_FRAMES, "memory.pt_frames", "gauge: frames holding page tables")  \
	X(CYCLES, "cycles.total", "all cycles: base + tlb + walk + fault")     \
	X(CYC_BASE, "cycles.base", "instructions at the base CPI")             \
	X(CYC_TLB, "cycles.tlb", "TLB lookups")                                \
	X(CYC_WALK, "cycles.walk", "page-walk memory references and walk-cache hits")              \
	X(CYC_FAULT, "cycles.fault", "page-fault handling and zero-filling")

enum sim_ctr {
#define SIM_CTR_ENUM(id, name, doc) CTR_##id,
	SIM_COUNTERS(SIM_CTR_ENUM)
#undef SIM_CTR_ENUM
	SIM_NCOUNTERS
};

/* the dotted name and the doc line of each counter, in enum order */
extern const char *const sim_ctr_names[SIM_NCOUNTERS];
extern const char *const sim_ctr_docs[SIM_NCOUNTERS];

#endif
