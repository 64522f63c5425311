/*
 * cfg_schema.c - every configuration key, once.
 *
 * Order matters: it is the order of the report's "config" section, and the
 * keys of one object must be contiguous.  Each default is JSON text read by
 * the same validator as user input.  docs/workload.md documents each key;
 * tests/unit/test_docs.c fails if a key is missing there.
 */
#include "sim/cfg.h"
#include "traces/trace.h"

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
static const char *const source_kinds[] = { "synthetic", "program", "trace", NULL };
const char *const cfg_policy_names[] = { "lru", "fifo", "nru", "random", NULL };
const char *const cfg_psize_names[] = { "4k", "2m", "1g", NULL };
/* the same order as enum host_policy (sim/host.h) */
const char *const cfg_vm_policy_names[] = { "bhyve", "nvmm", "dragonfly", "akaros", NULL };
const char *const cfg_event_names[] = { "pressure", "mmap", "munmap", "mprotect",
					"madvise", "copyin", "copyout", NULL };
const char *const cfg_kernel_names[] = { "host", "guest", NULL };
const char *const cfg_prot_names[] = { "none", "r", "w", "rw", "x", "rx", "wx", "rwx", NULL };

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
/* one TLB level: an array per page size, the 2 MiB sharing, the latency */
#define TLB(lvl, e4, w4, e2, w2, e1, w1, share, lat, what)                      \
	CACHE("machine.tlb." #lvl ".4k", machine.tlb.lvl.size[0], e4, w4,      \
	      what " array for 4 KiB pages (required)"),                        \
	CACHE("machine.tlb." #lvl ".2m", machine.tlb.lvl.size[1], e2, w2,      \
	      what " array for 2 MiB pages"),                                   \
	CACHE("machine.tlb." #lvl ".1g", machine.tlb.lvl.size[2], e1, w1,      \
	      what " array for 1 GiB pages"),                                   \
	BOOL("machine.tlb." #lvl ".share_2m", machine.tlb.lvl.share_2m, #share, \
	     "2 MiB pages live in the " what " 4 KiB array (its 2m entries must then be 0)"), \
	UINT("machine.tlb." #lvl ".latency", machine.tlb.lvl.latency, 0, 1000, \
	     #lat, "cycles of a lookup in the " what ", charged for every lookup that reaches it")
/* a walk cache at dotted `p` (struct cfg_cache `f`); 0 entries: off */
#define CACHE(p, f, n_ent, n_ways, what)                                       \
	UINT(p ".entries", f.entries, 0, 65536, #n_ent,                        \
	     "entries of the " what "; 0: none"),                               \
	UINT(p ".ways", f.ways, 1, 64, #n_ways,                                \
	     "associativity of the " what "; entries / ways must be a power of two")

static const struct cfg_key schema[] = {
	STR("name", name, "\"\"",
	    "name of the workload in reports; empty: the workload file's name without .json"),
	UINT("seed", seed, 0, INT64_MAX, "1",
	     "seed of every random choice in the run"),
	SIZE("memory", memory, MIB, TIB, "\"4GiB\"",
	     "physical memory of the simulated machine"),
	SIZE("swap", swap, 0, 16 * TIB, "\"4GiB\"",
	     "swap device of the machine's kernel (the native kernel, or the host in a VM); 0: none"),
	BOOL("superpages", superpages, "true",
	     "the machine's kernel makes 2 MiB reservations and promotes fully populated ones (natively: the process's page tables; in a VM: the EPT, where machine.caps.ept_2m allows)"),

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
	     "true",
	     "mode-based execute control for EPT (IA32_VMX_PROCBASED_CTLS2 allowed-1 bit 54, secondary control 22): separate supervisor and user execute rights"),
	BOOL("machine.caps.vpid", machine.caps.vpid, "true",
	     "virtual-processor identifiers (IA32_VMX_PROCBASED_CTLS2 allowed-1 bit 37); false: a VM runs without VPID and every VM entry and exit flushes"),
	BOOL("machine.caps.invept_single_context", machine.caps.invept_single_context, "true",
	     "INVEPT single-context (IA32_VMX_EPT_VPID_CAP[25])"),
	BOOL("machine.caps.invept_all_context", machine.caps.invept_all_context, "true",
	     "INVEPT all-context (IA32_VMX_EPT_VPID_CAP[26])"),
	BOOL("machine.caps.invvpid_individual_address", machine.caps.invvpid_individual_address, "true",
	     "INVVPID individual-address (IA32_VMX_EPT_VPID_CAP[40])"),
	BOOL("machine.caps.invvpid_single_context", machine.caps.invvpid_single_context, "true",
	     "INVVPID single-context (IA32_VMX_EPT_VPID_CAP[41])"),
	BOOL("machine.caps.invvpid_all_context", machine.caps.invvpid_all_context, "true",
	     "INVVPID all-context (IA32_VMX_EPT_VPID_CAP[42])"),
	BOOL("machine.caps.invvpid_single_context_retaining_globals",
	     machine.caps.invvpid_single_context_retaining_globals, "true",
	     "INVVPID single-context-retaining-globals (IA32_VMX_EPT_VPID_CAP[43])"),
	BOOL("machine.caps.pcid", machine.caps.pcid, "true",
	     "process-context identifiers (CPUID.01H:ECX[17])"),
	BOOL("machine.caps.invpcid", machine.caps.invpcid, "true",
	     "the INVPCID instruction (CPUID.(EAX=07H,ECX=0):EBX[10])"),
	BOOL("machine.caps.posted_interrupts", machine.caps.posted_interrupts, "true",
	     "posted-interrupt processing (IA32_VMX_PINBASED_CTLS allowed-1 bit 7): an IPI reaches a running vCPU without a VM exit"),
	ENUM("machine.tlb.replacement", machine.tlb.replacement, cfg_policy_names,
	     "\"lru\"", "replacement in every TLB array: lru, fifo, nru (one referenced bit per way) or random (seeded)"),
	TLB(l1d, 64, 4, 32, 4, 4, 4, false, 0, "first-level data TLB"),
	TLB(l1i, 128, 8, 8, 8, 0, 1, false, 0, "first-level instruction TLB"),
	TLB(stlb, 1536, 12, 0, 1, 16, 4, true, 9, "second-level TLB (shared by instructions and data)"),
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
	CACHE("machine.pt_cache", machine.pt_cache, 16384, 16,
	      "page-table line cache: 64-byte lines of page-table entries that walks read through"),
	UINT("machine.cycles.instruction", machine.cycles.instruction, 0, 1000,
	     "1", "cycles per instruction before any memory cost (base CPI)"),
	UINT("machine.cycles.walk_cache_hit", machine.cycles.walk_cache_hit, 0,
	     1000, "2",
	     "cycles of a walk-cache hit (a paging-structure cache or the nested TLB)"),
	UINT("machine.cycles.pt_cache_hit", machine.cycles.pt_cache_hit, 0, 10000, "14",
	     "cycles of a page-walk memory reference whose line is in the page-table line cache"),
	UINT("machine.cycles.memory", machine.cycles.memory, 0, 10000, "200",
	     "cycles of a page-walk memory reference whose line is not in the page-table line cache"),
	UINT("machine.cycles.page_fault", machine.cycles.page_fault, 0, 10000000,
	     "1500", "cycles to deliver and handle a page fault, before zeroing"),
	UINT("machine.cycles.page_zero", machine.cycles.page_zero, 0, 10000000,
	     "1000", "cycles to zero-fill a 4 KiB page: each data page on first touch, and each page-table page a fault allocates"),
	UINT("machine.cycles.ept_fill", machine.cycles.ept_fill, 0, 10000000,
	     "2000", "cycles the host spends on an EPT violation it answers by making an EPT entry (besides the exit and the entry)"),
	UINT("machine.cycles.vm_exit", machine.cycles.vm_exit, 0, 1000000, "400",
	     "cycles of a VM exit (the transition)"),
	UINT("machine.cycles.vm_entry", machine.cycles.vm_entry, 0, 1000000, "300",
	     "cycles of a VM entry (the transition)"),
	UINT("machine.cycles.invept", machine.cycles.invept, 0, 1000000, "500",
	     "cycles of an INVEPT"),
	UINT("machine.cycles.invvpid", machine.cycles.invvpid, 0, 1000000, "250",
	     "cycles of an INVVPID"),
	UINT("machine.cycles.invlpg", machine.cycles.invlpg, 0, 1000000, "250",
	     "cycles of an INVLPG"),
	UINT("machine.cycles.invpcid", machine.cycles.invpcid, 0, 1000000, "300",
	     "cycles of an INVPCID"),
	UINT("machine.cycles.mov_cr3", machine.cycles.mov_cr3, 0, 1000000, "100",
	     "cycles of a MOV to CR3 that flushes (one with the no-flush bit costs nothing extra)"),
	UINT("machine.cycles.ipi", machine.cycles.ipi, 0, 1000000, "2000",
	     "cycles to send and deliver one IPI"),
	UINT("machine.cycles.ad_emulation", machine.cycles.ad_emulation, 0, 10000000, "600",
	     "cycles of the host's A/D emulation handler for one EPT violation (besides the exit and the entry)"),
	UINT("machine.cycles.swap_in", machine.cycles.swap_in, 0, 100000000, "100000",
	     "cycles to read one page back from swap"),
	UINT("machine.cycles.swap_out", machine.cycles.swap_out, 0, 100000000, "100000",
	     "cycles to write one page to swap"),
	UINT("machine.cycles.page_scan", machine.cycles.page_scan, 0, 10000000, "150",
	     "cycles the page daemon spends examining one page (its reference bits through the pmap)"),
	UINT("machine.cycles.promote", machine.cycles.promote, 0, 10000000, "3000",
	     "cycles of a 2 MiB promotion (checking 512 entries, writing one)"),
	UINT("machine.cycles.demote", machine.cycles.demote, 0, 10000000, "3000",
	     "cycles of a 2 MiB demotion (writing 512 entries; the new table page is charged as page_zero)"),
	UINT("machine.cycles.syscall", machine.cycles.syscall, 0, 10000000, "150",
	     "cycles of a system call's entry and exit (SYSCALL, SYSRET and the kernel's dispatch), besides the work it does"),
	UINT("machine.cycles.context_switch", machine.cycles.context_switch, 0, 10000000, "2000",
	     "cycles the kernel spends switching from one process to another on a CPU, besides the CR3 write"),

	UINT("cpus", cpus, 1, 64, "1",
	     "(v)CPUs running the workload: each runs its own stream of the source in the same process"),
	UINT("quantum", quantum, 1, UINT64_C(1) << 32, "1000",
	     "accesses a (v)CPU makes (programs: instructions it executes, to the end of the block) before the next one takes its turn (a fixed, deterministic interleave)"),
	UINT("timeslice", timeslice, 1, UINT64_C(1) << 48, "1000000",
	     "programs: instructions a process executes before the next process on its (v)CPU runs (a context switch)"),
	BOOL("pcid", pcid, "true",
	     "the (guest) kernel tags each process's TLB entries with a PCID where machine.caps.pcid allows, so a context switch keeps them; false: every context switch flushes"),
	BOOL("vm.enabled", vm.enabled, "false",
	     "run the workload in a VM under EPT; false: natively"),
	SIZE("vm.memory", vm.memory, MIB, TIB, "\"1GiB\"",
	     "guest-physical memory of the VM; the rest of `memory` is the host's (EPT tables)"),
	BOOL("vm.vpid", vm.vpid, "true",
	     "the hypervisor enables VPID where machine.caps.vpid allows; false (or no VPID on the machine): every VM entry and exit flushes the guest's TLB entries"),
	BOOL("vm.ept_ad", vm.ept_ad, "true",
	     "the hypervisor enables EPT A/D flags in the EPTP where machine.caps.ept_ad allows"),
	ENUM("vm.ept_page", vm.ept_page, cfg_psize_names, "\"4k\"",
	     "how much the host faults in at an EPT violation: 4k (the page), or 2m (its whole 2 MiB, which the host promotes to one 2 MiB EPT entry when superpages is true and machine.caps.ept_2m); 1g is not supported by the host kernel model"),
	BOOL("vm.posted_interrupts", vm.posted_interrupts, "true",
	     "the hypervisor enables posted interrupts where machine.caps.posted_interrupts allows"),
	SIZE("vm.swap", vm.swap, 0, 16 * TIB, "\"1GiB\"",
	     "swap device of the guest kernel; 0: none"),
	BOOL("vm.superpages", vm.superpages, "true",
	     "the guest kernel makes 2 MiB reservations and promotes fully populated ones in the process's page tables"),
	ENUM("vm.policy", vm.policy, cfg_vm_policy_names, "\"bhyve\"",
	     "how the host manages the EPT: bhyve, nvmm, dragonfly or akaros (see docs/kernel-model.md)"),

	ENUM("source.kind", source.kind, source_kinds, "\"synthetic\"",
	     "where accesses come from; \"synthetic\": generated by pattern; \"program\": the programs of \"processes\" run instruction by instruction; \"trace\": the trace source.trace replayed"),
	STR("source.trace", source.trace, "\"\"",
	    "source.kind \"trace\": the trace file to replay (plain, gzip, xz or zstd); \"-\": standard input; a relative path is taken from the workload file's directory"),
	ENUM("source.format", source.format, tr_format_names, "\"auto\"",
	     "the format of source.trace: native, lackey or champsim (docs/trace-format.md); auto: told by its bytes"),
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
	     "bytes per access; a power of two; accesses are aligned to it (a ChampSim trace: the size of each of its data accesses, which the format does not record)"),
	SIZE("source.stride", source.stride, 1, 64 * TIB, "64",
	     "strided: bytes between accesses; a multiple of access_size"),
	REAL("source.write_fraction", source.write_fraction, 0.0, 1.0, "0.3",
	     "probability that an access is a write"),
	REAL("source.zipf_s", source.zipf_s, 0.000001, 100.0, "0.99",
	     "zipf: exponent s; page of rank r is drawn with weight 1 / r^s"),

	{ .ck_path = "record", .ck_type = CFG_STRING, .ck_off = OFF(record),
	  .ck_len = sizeof(((struct cfg *)0)->record), .ck_default = "\"\"",
	  .ck_flags = CFG_F_DIRECTIVE,
	  .ck_doc = "source.kind \"program\": write the run's native trace to this file (\"-\": standard output); empty: none. Not written to the report's config" },
	{ .ck_path = "record_compression", .ck_type = CFG_ENUM,
	  .ck_off = OFF(record_compression), .ck_names = tr_compress_names,
	  .ck_default = "\"none\"", .ck_flags = CFG_F_DIRECTIVE,
	  .ck_doc = "how `record` compresses the trace: none, gzip, xz or zstd. Not written to the report's config" },
	UINT("report.sample_every", report.sample_every, 0, UINT64_C(1) << 48,
	     "10000", "accesses between samples in the report; 0: no samples"),
	BOOL("report.native_baseline", report.native_baseline, "true",
	     "in a VM, also run the workload natively (see docs/report.md \"overhead\") and report the EPT/native cycle ratio"),

	{ .ck_path = "expect", .ck_type = CFG_STRING, .ck_off = OFF(expect),
	  .ck_len = sizeof(((struct cfg *)0)->expect), .ck_default = "\"\"",
	  .ck_flags = CFG_F_DIRECTIVE,
	  .ck_doc = "a golden report the run's report must agree with (eptsim check); a relative path is taken from the workload file's directory; empty: none. Not written to the report's config" },
	{ .ck_path = "expect_tolerance", .ck_type = CFG_STRLIST,
	  .ck_off = OFF(expect_tolerance),
	  .ck_len = sizeof(((struct cfg *)0)->expect_tolerance), .ck_default = "[]",
	  .ck_flags = CFG_F_DIRECTIVE,
	  .ck_doc = "relative tolerances for `expect`, each \"PATH=PCT\" as eptsim check --tolerance takes it; empty: every metric exact. Not written to the report's config" },
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
