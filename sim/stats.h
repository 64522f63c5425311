/*
 * stats.h - every counter a run keeps, defined once.
 *
 * The dotted name is the counter's place in the report ("tlb.l1d.misses"
 * is counters.tlb.l1d.misses) and in samples; the summary table, eptsim_counter()
 * and docs/report.md all follow this list (tests/unit/test_docs.c fails
 * if a counter is missing from the docs).  Gauges (marked) are levels read
 * when sampled, not sums.
 */
#ifndef EPTSIM_SIM_STATS_H
#define EPTSIM_SIM_STATS_H

#include "kernel-model/vm_kern.h"

#include "sim/base.h"

#define SIM_COUNTERS(X)                                                        \
	X(INSTRUCTIONS, "instructions",                                        \
	  "instructions executed; a synthetic source counts one per access")  \
	X(ACCESSES, "accesses", "memory accesses issued by the source: reads, writes and fetches") \
	X(READS, "reads", "data reads issued by the source")                  \
	X(WRITES, "writes", "data writes issued by the source")               \
	X(FETCHES, "fetches", "instruction fetches translated: one per executed block and page it spans (none from a synthetic source)") \
	X(SYSCALLS, "syscalls.total", "system calls the programs made") \
	X(SYSCALLS_ENOSYS, "syscalls.unsupported", "system calls that returned ENOSYS, by number in the report's \"syscalls\"") \
	TLB_LEVEL_COUNTERS(X, L1I, "tlb.l1i", "L1 instruction TLB")             \
	TLB_LEVEL_COUNTERS(X, L1D, "tlb.l1d", "L1 data TLB")                    \
	TLB_LEVEL_COUNTERS(X, STLB, "tlb.stlb", "STLB (after an L1 miss)")      \
	X(WALKS, "walks.count", "page walks")                                  \
	X(WALK_ASSISTS, "walks.assists",                                       \
	  "walks for a TLB hit that could not be used: a write to a clean entry (to set D) or a rights mismatch") \
	X(WALK_DONE_4K, "walks.completed_4k", "walks that produced a 4 KiB translation (the size a TLB entry may cover)") \
	X(WALK_DONE_2M, "walks.completed_2m", "walks that produced a 2 MiB translation") \
	X(WALK_DONE_1G, "walks.completed_1g", "walks that produced a 1 GiB translation") \
	X(WALK_FAULTS, "walks.faults", "walks that ended in a fault or a VM exit") \
	X(WALK_REFS, "walks.mem_refs", "memory references made by page walks, both dimensions") \
	X(WALK_PTC_HITS, "walks.pt_cache_hits", "walk memory references that hit the page-table line cache") \
	X(WALK_PSC_HITS, "walks.psc_hits",                                     \
	  "guest paging-structure cache hits: each skips the upper levels of one walk (one probe per walk)") \
	X(WALK_S2, "walks.ept_translations", "guest-physical addresses translated through the EPT by walks") \
	X(WALK_NTLB_HITS, "walks.nested_tlb_hits", "EPT translations answered by the nested TLB") \
	X(WALK_EPSC_LOOKUPS, "walks.ept_psc_lookups", "EPT translations that probed the EPT paging-structure caches") \
	X(WALK_EPSC_HITS, "walks.ept_psc_hits", "EPT paging-structure cache hits") \
	X(PAGE_FAULTS, "faults.page", "guest page faults (#PF) handled by the kernel model") \
	X(ZERO_FILLS, "faults.zero_fill", "pages zero-filled on first touch")  \
	X(PT_ALLOCS, "faults.pt_pages", "page-table pages allocated by faults") \
	X(SEGV, "faults.segv", "accesses that killed the process with SIGSEGV") \
	X(DEMAND_MAPS, "faults.demand_maps", "a trace without address-space events (lackey, ChampSim): 2 MiB regions the guest kernel mapped read/write/execute at their first access") \
	X(HOST_FILLS, "faults.ept_fills", "EPT entries the host made after an EPT violation") \
	X(VM_ENTRIES, "vmx.entries", "VM entries")                            \
	X(VM_EXITS, "vmx.exits.total", "VM exits, all reasons")                      \
	X(EXIT_EXTINT, "vmx.exits.external_interrupt", "VM exits for an interrupt (an IPI) that arrived in the guest (reason 1)") \
	X(EXIT_HLT, "vmx.exits.hlt", "VM exits for HLT (reason 12)")          \
	X(EXIT_WRMSR, "vmx.exits.wrmsr", "VM exits for a WRMSR: the guest writing the x2APIC ICR to send an IPI (reason 32)") \
	X(EXIT_EPT_VIOLATION, "vmx.exits.ept_violation", "VM exits for an EPT violation (reason 48)") \
	X(EXIT_EPT_MISCONFIG, "vmx.exits.ept_misconfig", "VM exits for an EPT misconfiguration (reason 49)") \
	X(INVEPT_SINGLE, "vmx.invept.single_context", "INVEPT single-context executed") \
	X(INVEPT_ALL, "vmx.invept.all_context", "INVEPT all-context executed") \
	X(INVEPT_SAVED, "vmx.invept.saved",                                    \
	  "EPT generations a VM entry's INVEPT covered beyond the first: INVEPTs one-per-invalidation would have added") \
	X(INVVPID_ADDR, "vmx.invvpid.individual_address", "INVVPID individual-address executed") \
	X(INVVPID_SINGLE, "vmx.invvpid.single_context", "INVVPID single-context executed") \
	X(INVVPID_ALL, "vmx.invvpid.all_context", "INVVPID all-context executed") \
	X(INVVPID_SINGLE_G, "vmx.invvpid.single_context_retaining_globals", \
	  "INVVPID single-context-retaining-globals executed")               \
	X(INV_FAILED, "vmx.inv_failed", "INVEPT or INVVPID that failed (VMfailValid, invalid operand)") \
	X(IPI_EPT, "vmx.ipis.ept", "IPIs the host sent to CPUs running the VM after an EPT invalidation") \
	X(IPI_GUEST, "vmx.ipis.guest", "IPIs one vCPU sent another (guest TLB shootdowns)") \
	X(IPI_POSTED, "vmx.ipis.posted", "guest IPIs delivered to a running vCPU as posted interrupts, without a VM exit") \
	X(INVLPG, "cpu.invlpg", "INVLPG executed")                            \
	X(INVPCID, "cpu.invpcid", "INVPCID executed (all types)")               \
	X(CR3_WRITES, "cpu.cr3_writes", "MOV to CR3 executed")                 \
	X(CTX_SWITCHES, "cpu.context_switches", "times the kernel switched a CPU from one process to another") \
	X(EVENTS, "events.run", "workload events that happened (see the workload's \"events\")") \
	X(EVENTS_FAILED, "events.failed", "workload events whose system call failed (e.g. mprotect of an unmapped range, copyin of an address without the right)") \
	X(DATA_FRAMES, "memory.data_frames", "gauge: frames of the guest (or native) kernel holding data") \
	X(PT_FRAMES, "memory.pt_frames", "gauge: frames holding guest (or native) page tables") \
	X(EPT_FRAMES, "memory.ept_frames", "gauge: host frames holding page tables for the VM: the EPT, and the host-side tables of dragonfly and akaros") \
	X(PT_BYTES, "memory.pt_bytes", "gauge: bytes of guest (or native) page tables") \
	X(HOST_PT_BYTES, "memory.host_pt_bytes", "gauge: bytes of page tables the host keeps for the VM (memory.ept_frames in bytes)") \
	X(HOST_DATA_FRAMES, "memory.host_data_frames", "gauge: host frames backing guest memory") \
	X(SWAP_PAGES, "memory.swap_pages", "gauge: pages in the guest (or native) kernel's swap") \
	X(HOST_SWAP_PAGES, "memory.host_swap_pages", "gauge: pages of guest memory in the host's swap") \
	X(TLB_ENTRIES_4K, "tlb.entries_4k", "gauge: valid 4 KiB entries in all TLBs of all CPUs (the page-size mix)") \
	X(TLB_ENTRIES_2M, "tlb.entries_2m", "gauge: valid 2 MiB entries in all TLBs of all CPUs") \
	X(TLB_ENTRIES_1G, "tlb.entries_1g", "gauge: valid 1 GiB entries in all TLBs of all CPUs") \
	VM_KSTATS(SIM_KSTAT_CTR, X, KG, "kernel.guest")                         \
	VM_KSTATS(SIM_KSTAT_CTR, X, KH, "kernel.host")                          \
	X(CYCLES, "cycles.total", "all cycles: the sum of the seven below")    \
	X(CYC_BASE, "cycles.base", "instructions at the base CPI")             \
	X(CYC_TLB, "cycles.tlb", "TLB lookups")                                \
	X(CYC_WALK, "cycles.walk", "page-walk memory references and walk-cache hits") \
	X(CYC_EXIT, "cycles.exit", "VM exits and VM entries (the transitions only)") \
	X(CYC_FAULT, "cycles.fault", "kernel work: #PF delivery and handling, zero-filling, the host's EPT faults and A/D emulation, swap I/O, page-daemon scans, promotions and demotions") \
	X(CYC_INV, "cycles.inv", "invalidations: INVLPG, INVPCID, CR3 flushes, INVEPT, INVVPID, IPIs") \
	X(CYC_KERNEL, "cycles.kernel", "system calls' entry and exit, and the kernel's context switches")

/*
 * One counter per field of a kernel's struct vm_kstats: kernel.guest.* for
 * the guest (or native) kernel, kernel.host.* for the host.  Machine-wide
 * gauges, like memory.*.
 */
#define SIM_KSTAT_CTR(name, doc, X, P, prefix) X(P##_##name, prefix "." #name, doc)

/*
 * The counters of one TLB level: hits by the size of the entry that hit,
 * and misses.  The sizes are adjacent (CTR_<L>_HITS_4K + enum tlb_psize).
 * Misses by page size are what the level below answered with: the STLB's
 * hits, and, for the STLB, the walks by the size they completed.
 */
#define TLB_LEVEL_COUNTERS(X, L, name, what)                                  \
	X(L##_HITS_4K, name ".hits_4k", what " lookups that hit a 4 KiB entry") \
	X(L##_HITS_2M, name ".hits_2m", what " lookups that hit a 2 MiB entry") \
	X(L##_HITS_1G, name ".hits_1g", what " lookups that hit a 1 GiB entry") \
	X(L##_MISSES, name ".misses", what " lookups that missed")

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
