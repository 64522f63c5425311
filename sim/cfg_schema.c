/*
 * cfg_schema.c - every configuration key, once.
 *
 * Order matters: it is the order of the report's "config" section, and the
 * keys of one object must be contiguous.  Each default is JSON text read by
 * the same validator as user input.  docs/workload.md documents each key;
 * tests/unit/test_docs.c fails if a key is missing there.
 */
#include "sim/cfg.h"

#include <stddef.h>
#include <string.h>

#define OFF(field) offsetof(struct cfg, field)
#define KIB (UINT64_C(1) << 10)
#define MIB (UINT64_C(1) << 20)
#define GIB (UINT64_C(1) << 30)
#define TIB (UINT64_C(1) << 40)

const char *const cfg_pattern_names[] = {
	"sequential", "strided", "uniform", "zipf", "chase", NULL
};
static const char *const source_kinds[] = { "synthetic", NULL };

#define STR(p, f, def, doc)                                                    \
	{ .ck_path = p, .ck_type = CFG_STRING, .ck_off = OFF(f),               \
	  .ck_len = sizeof(((struct cfg *)0)->f), .ck_default = def,           \
	  .ck_doc = doc }
#define UINT(p, f, lo, hi, def, doc)                                           \
	{ .ck_path = p, .ck_type = CFG_UINT, .ck_off = OFF(f), .ck_min = lo,   \
	  .ck_max = hi, .ck_default = def, .ck_doc = doc }
#define SIZE(p, f, lo, hi, def, doc)                                           \
	{ .ck_path = p, .ck_type = CFG_SIZE, .ck_off = OFF(f), .ck_min = lo,   \
	  .ck_max = hi, .ck_default = def, .ck_doc = doc }
#define REAL(p, f, lo, hi, def, doc)                                           \
	{ .ck_path = p, .ck_type = CFG_REAL, .ck_off = OFF(f), .ck_rmin = lo,  \
	  .ck_rmax = hi, .ck_default = def, .ck_doc = doc }
#define ENUM(p, f, names, def, doc)                                            \
	{ .ck_path = p, .ck_type = CFG_ENUM, .ck_off = OFF(f),                 \
	  .ck_names = names, .ck_default = def, .ck_doc = doc }
#define BOOL(p, f, def, doc)                                                   \
	{ .ck_path = p, .ck_type = CFG_BOOL, .ck_off = OFF(f),                 \
	  .ck_default = def, .ck_doc = doc }
#define TLB(lvl, n_ent, n_ways, n_lat, what)                                         \
	UINT("machine.tlb." #lvl ".entries", machine.lvl.entries, 1, 65536,    \
	     #n_ent, "entries of the " what " (4 KiB pages)"),                   \
	UINT("machine.tlb." #lvl ".ways", machine.lvl.ways, 1, 64, #n_ways,      \
	     "associativity of the " what "; entries / ways must be a power of two"), \
	UINT("machine.tlb." #lvl ".latency", machine.lvl.latency, 0, 1000,     \
	     #n_lat, "cycles of a lookup in the " what ", charged for every lookup that reaches it")
/* a walk cache at dotted `p` (struct cfg_cache `f`); 0 entries: off */
#define CACHE(p, f, n_ent, n_ways, what)                                       \
	UINT(p ".entries", f.entries, 0, 65536, #n_ent,                        \
	     "entries of the " what "; 0: switched off"),                       \
	UINT(p ".ways", f.ways, 1, 64, #n_ways,                                \
	     "associativity of the " what "; entries / ways must be a power of two")

static const struct cfg_key schema[] = {
	STR("name", name, "\"\"",
	    "name of the workload in reports; empty: the workload file's name without .json"),
	UINT("seed", seed, 0, INT64_MAX, "1",
	     "seed of every random choice in the run"),
	SIZE("memory", memory, MIB, TIB, "\"4GiB\"",
	     "physical memory of the simulated machine"),

	{ .ck_path = "machine.preset", .ck_type = CFG_STRING,
	  .ck_off = OFF(machine.preset),
	  .ck_len = sizeof(((struct cfg *)0)->machine.preset),
	  .ck_default = "\"\"", .ck_flags = CFG_F_DIRECTIVE,
	  .ck_doc = "machine preset NAME, read from NAME.json (see \"Machine presets\"); empty: the built-in defaults below. Not written to the report's config, which has every machine key explicit" },
	STR("machine.name", machine.name, "\"\"",
	    "the machine's name in reports; empty: the preset's name, or \"built-in\""),
	STR("machine.description", machine.description, "\"built-in defaults\"",
	    "what the machine is, for reports"),
	UINT("machine.maxphyaddr", machine.maxphyaddr, 36, 52, "46",
	     "physical address width in bits (CPUID.80000008H:EAX[7:0])"),
	BOOL("machine.caps.page1g", machine.caps.page1g, "true",
	     "1 GiB guest pages (CPUID.80000001H:EDX[26]); false: PS = 1 in a PDPTE is a reserved bit"),
	BOOL("machine.caps.la57", machine.caps.la57, "false",
	     "5-level paging (CPUID.(EAX=7,ECX=0):ECX[16]); the guest kernel then uses 5-level page tables"),
	BOOL("machine.caps.ept_execute_only", machine.caps.ept_execute_only,
	     "true",
	     "execute-only EPT entries (IA32_VMX_EPT_VPID_CAP[0]); false: an EPT entry with X = 1 and R = 0 is a misconfiguration"),
	BOOL("machine.caps.ept_5level", machine.caps.ept_5level, "false",
	     "5-level EPT (IA32_VMX_EPT_VPID_CAP[7]); false: an EPTP with a 5-level walk fails VM entry"),
	BOOL("machine.caps.ept_2m", machine.caps.ept_2m, "true",
	     "2 MiB EPT pages (IA32_VMX_EPT_VPID_CAP[16]); false: bit 7 of an EPT PDE is reserved"),
	BOOL("machine.caps.ept_1g", machine.caps.ept_1g, "true",
	     "1 GiB EPT pages (IA32_VMX_EPT_VPID_CAP[17]); false: bit 7 of an EPT PDPTE is reserved"),
	BOOL("machine.caps.ept_ad", machine.caps.ept_ad, "true",
	     "accessed and dirty flags for EPT (IA32_VMX_EPT_VPID_CAP[21]); false: an EPTP that enables them fails VM entry"),
	BOOL("machine.caps.ept_mode_based_exec", machine.caps.ept_mode_based_exec,
	     "false",
	     "mode-based execute control for EPT (IA32_VMX_PROCBASED_CTLS2 allowed-1 bit 54, secondary control 22): separate supervisor and user execute rights"),
	TLB(l1d, 64, 4, 0, "first-level data TLB"),
	TLB(stlb, 1536, 12, 9, "second-level (shared) TLB"),
	CACHE("machine.walk_cache.pml5", machine.walk_cache.guest.pml5, 2, 2,
	      "PML5E cache (guest paging-structure cache of PML5 entries)"),
	CACHE("machine.walk_cache.pml4", machine.walk_cache.guest.pml4, 2, 2,
	      "PML4E cache (guest paging-structure cache of PML4 entries)"),
	CACHE("machine.walk_cache.pdpt", machine.walk_cache.guest.pdpt, 4, 4,
	      "PDPTE cache (guest paging-structure cache of PDPT entries)"),
	CACHE("machine.walk_cache.pd", machine.walk_cache.guest.pd, 32, 4,
	      "PDE cache (guest paging-structure cache of PD entries)"),
	CACHE("machine.walk_cache.ept.pml5", machine.walk_cache.ept.pml5, 2, 2,
	      "EPT PML5E cache (EPT paging-structure cache of EPT PML5 entries)"),
	CACHE("machine.walk_cache.ept.pml4", machine.walk_cache.ept.pml4, 2, 2,
	      "EPT PML4E cache (EPT paging-structure cache of EPT PML4 entries)"),
	CACHE("machine.walk_cache.ept.pdpt", machine.walk_cache.ept.pdpt, 4, 4,
	      "EPT PDPTE cache (EPT paging-structure cache of EPT PDPT entries)"),
	CACHE("machine.walk_cache.ept.pd", machine.walk_cache.ept.pd, 32, 4,
	      "EPT PDE cache (EPT paging-structure cache of EPT PD entries)"),
	CACHE("machine.walk_cache.nested_tlb", machine.walk_cache.nested_tlb,
	      16, 4,
	      "nested TLB (guest-physical to host-physical translations used by 2D walks)"),
	UINT("machine.cycles.instruction", machine.cycles.instruction, 0, 1000,
	     "1", "cycles per instruction before any memory cost (base CPI)"),
	UINT("machine.cycles.walk_cache_hit", machine.cycles.walk_cache_hit, 0,
	     1000, "2",
	     "cycles of a walk-cache hit (a paging-structure cache or the nested TLB)"),
	UINT("machine.cycles.pte_read", machine.cycles.pte_read, 0, 10000, "30",
	     "cycles per memory reference of a page walk"),
	UINT("machine.cycles.page_fault", machine.cycles.page_fault, 0, 10000000,
	     "1500", "cycles to deliver and handle a page fault, before zeroing"),
	UINT("machine.cycles.page_zero", machine.cycles.page_zero, 0, 10000000,
	     "1000", "cycles to zero-fill a 4 KiB page: each data page on first touch, and each page-table page a fault allocates"),

	ENUM("source.kind", source.kind, source_kinds, "\"synthetic\"",
	     "where accesses come from; \"synthetic\": generated by pattern"),
	ENUM("source.pattern", source.pattern, cfg_pattern_names,
	     "\"sequential\"", "the access pattern (see \"Patterns\")"),
	UINT("source.base", source.base, 0, UINT64_C(0x00007ffffffff000),
	     "\"0x10000000\"",
	     "first virtual address of the footprint; 4 KiB aligned, user half"),
	SIZE("source.footprint", source.footprint, 4 * KIB, 64 * TIB,
	     "\"64MiB\"", "bytes the accesses range over; a multiple of 4 KiB"),
	UINT("source.accesses", source.accesses, 0, UINT64_C(1) << 48,
	     "1000000", "number of accesses"),
	UINT("source.access_size", source.access_size, 1, 4096, "8",
	     "bytes per access; a power of two; accesses are aligned to it"),
	SIZE("source.stride", source.stride, 1, 64 * TIB, "64",
	     "strided: bytes between accesses; a multiple of access_size"),
	REAL("source.write_fraction", source.write_fraction, 0.0, 1.0, "0.3",
	     "probability that an access is a write"),
	REAL("source.zipf_s", source.zipf_s, 0.000001, 100.0, "0.99",
	     "zipf: exponent s; page of rank r is drawn with weight 1 / r^s"),

	UINT("report.sample_every", report.sample_every, 0, UINT64_C(1) << 48,
	     "10000", "accesses between samples in the report; 0: no samples"),
};

const struct cfg_key *cfg_schema(void)
{
	return schema;
}

size_t cfg_schema_len(void)
{
	return sizeof(schema) / sizeof(schema[0]);
}

const struct cfg_key *cfg_key_find(const char *path)
{
	for (size_t i = 0; i < cfg_schema_len(); i++)
		if (strcmp(schema[i].ck_path, path) == 0)
			return &schema[i];
	return NULL;
}
