/*
 * vcfix.c - see vcfix.h.
 */
#include "tests/lib/vcfix.h"

#include <string.h>

const struct tlb_config vcfix_skylake_tlb = {
	.l1 = {
		[TLB_DATA] = { .size = { { 64, 4 }, { 32, 4 }, { 4, 4 } } },
		[TLB_INSN] = { .size = { { 128, 8 }, { 8, 8 }, { 0, 0 } } },
	},
	.stlb = { .size = { { 1536, 12 }, { 0, 0 }, { 16, 4 } },
		  .share_2m = true },
	.policy = TLB_LRU,
};

void vcfix_config(struct vcpu_config *c, bool with_2m,
		  const struct vmx_costs *costs)
{
	const struct tlb_geom fa64 = { 64, 64 }, fa32 = { 32, 32 };

	memset(c, 0, sizeof(*c));
	for (unsigned s = 0; s < TLB_NSIDE; s++) {
		c->vcc_tlb.l1[s].size[TLB_4K] = fa64;
		if (with_2m)
			c->vcc_tlb.l1[s].size[TLB_2M] = fa32;
	}
	c->vcc_tlb.stlb.size[TLB_4K] = fa64;
	if (with_2m)
		c->vcc_tlb.stlb.size[TLB_2M] = fa32;
	c->vcc_tlb.policy = TLB_LRU;
	for (unsigned l = 2; l <= MMU_MAX_LEVELS; l++) {
		c->vcc_pwc.psc[l] = fa64;
		c->vcc_pwc.epsc[l] = fa64;
	}
	c->vcc_pwc.ntlb = fa64;
	c->vcc_caps = (struct mmu_caps){
		.maxphyaddr = 40, .page1g = true, .la57 = true,
		.ept_2m = true, .ept_1g = true,
	};
	c->vcc_vmx = (struct vmx_caps){
		.vpid = true, .invept_single = true, .invept_all = true,
		.invvpid_addr = true, .invvpid_single = true,
		.invvpid_all = true, .invvpid_single_g = true,
		.pcid = true, .invpcid = true, .posted = true,
	};
	c->vcc_costs = *costs;
}
