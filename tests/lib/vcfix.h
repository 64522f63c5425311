/*
 * vcfix.h - machines for the TLB and vCPU tests: a Skylake-like TLB
 * hierarchy, and a vCPU whose caches are all fully associative (64
 * entries) so that nothing a test fills is ever evicted.
 */
#ifndef EPTSIM_TESTS_LIB_VCFIX_H
#define EPTSIM_TESTS_LIB_VCFIX_H

#include "sim/vmx/vmx.h"

/* L1d 4K 64/4 2M 32/4 1G 4/4; L1i 4K 128/8 2M 8/8; STLB 4K+2M shared 1536/12, 1G 16/4; LRU */
extern const struct tlb_config vcfix_skylake_tlb;

/*
 * vcfix_config - every TLB array and walk cache 64 entries, fully
 * associative (plus 2 MiB TLB arrays of 32 if `with_2m`); every
 * capability on; MAXPHYADDR 40, 5-level paging and 2M/1G EPT pages
 * supported; costs as given.
 */
void vcfix_config(struct vcpu_config *c, bool with_2m,
		  const struct vmx_costs *costs);

#endif
