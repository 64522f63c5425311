/*
 * inv.c - what each TLB-management operation invalidates: INVLPG,
 * INVPCID, MOV to CR3, INVVPID, INVEPT, and the flush of VPID 0 that VM
 * entries and exits make when "enable VPID" is 0.
 *
 * Each operation is a reach: one selection (sim/tlb/tlb.h, struct
 * tlb_sel) for the TLB, one for the guest paging-structure caches, and,
 * for INVEPT only, one for the guest-physical caches (EPT PSCs and the
 * nested TLB).  In the SDM's terms (Vol. 3C §29.4.1):
 *
 *   kind of mapping   made            tagged            cached in
 *   ---------------   ----            ------            ---------
 *   linear            without EPT     VPID, PCID        TLB, guest PSCs
 *   combined          with EPT        VPID, PCID, EP4TA TLB, guest PSCs
 *   guest-physical    with EPT        EP4TA             nested TLB, EPT PSCs
 *
 * The rules are SDM Vol. 3A §4.10.4.1 and Vol. 3C §29.4.3.1, and the
 * instruction pages (Vol. 2 INVLPG, INVPCID, MOV CR; Vol. 3C INVEPT,
 * INVVPID).  Under VMX the guest's own instructions reach the current
 * VPID only, linear and combined mappings alike, for every EP4TA
 * (§29.4.3.1).  The SDM lets a processor invalidate more than it names
 * ("may also invalidate ..."); the model invalidates exactly what is
 * named, so that each type leaves a different set behind and a test can
 * tell them apart.  docs/vmx.md has the same rules as a table.
 *
 * Counting: an instruction that completes is counted and charged (a
 * failing INVEPT or INVVPID completes, with VMfailValid: vmx.inv_failed);
 * one that faults (#GP, #UD) does neither: the fault's delivery is the
 * caller's to charge.
 */
#include "sim/vmx/vmx.h"

#include <errno.h>

/* the reach of one operation; ir_gp only for INVEPT */
struct inv_reach {
	struct tlb_sel ir_tlb;  /* TLB: linear and combined mappings */
	struct tlb_sel ir_psc;  /* guest PSCs: linear and combined mappings */
	struct tlb_sel ir_gp;   /* EPT PSCs, nested TLB: guest-physical mappings */
	bool ir_has_gp;
};

#define SEL_VPID TLB_SEL_VPID
#define SEL_PCID TLB_SEL_PCID
#define SEL_ADDR TLB_SEL_ADDR
#define SEL_NG TLB_SEL_NONGLOBAL

static void inv_apply(struct vcpu *vc, const struct inv_reach *r)
{
	tlb_invalidate(&vc->vc_tlb, &r->ir_tlb);
	mmu_pwc_invalidate(&vc->vc_pwc, &r->ir_psc,
			   r->ir_has_gp ? &r->ir_gp : NULL);
}

/* inv_sel - a selection of `flags` with every operand filled in (unused ones are ignored) */
static struct tlb_sel inv_sel(unsigned flags, uint16_t vpid, uint16_t pcid,
			      uint64_t addr)
{
	return (struct tlb_sel){
		.ts_flags = flags,
		.ts_vpid = vpid,
		.ts_pcid = pcid,
		.ts_addr = addr,
	};
}

static void inv_count(struct vcpu *vc, enum sim_ctr ctr, uint64_t cycles)
{
	vc->vc_ctr[ctr]++;
	vc->vc_ctr[CTR_CYC_INV] += cycles;
}

/* inv_fail - VMfailValid(invalid operand to INVEPT/INVVPID): counted and charged, nothing invalidated */
static unsigned inv_fail(struct vcpu *vc, uint64_t cycles)
{
	inv_count(vc, CTR_INV_FAILED, cycles);
	return VMX_ERR_INV_OPERAND;
}

/*
 * The canonicality of an address operand to INVLPG, INVPCID and INVVPID
 * is judged against the widest linear address the processor supports (57
 * bits with 5-level paging support), not against CR4.LA57: these
 * instructions may name addresses of a paging mode other than the current
 * one (a 4-level host invalidating a 5-level guest's address).  This is
 * how KVM emulates them, after Intel's answer (arch/x86/kvm/x86.h,
 * is_noncanonical_invlpg_address()).
 */
static bool inv_canonical(const struct vcpu *vc, uint64_t la)
{
	return mmu_canonical(la, vc->vc_mmu.mu_caps.la57);
}

/* ---- the guest's instructions -------------------------------------------
 *
 * They reach the current VPID (vc_mmu.mu_vpid: 0 natively and without
 * "enable VPID") and, through the PCID, the current or a named address
 * space.  Linear and combined mappings alike, every EP4TA: the selections
 * below never test te_ept.  Guest-physical mappings are never touched.
 */

void vmx_invlpg(struct vcpu *vc, uint64_t va)
{
	const struct tlb_tag cur = mmu_tag(&vc->vc_mmu);

	inv_count(vc, CTR_INVLPG, vc->vc_costs.invlpg);
	/* SDM Vol. 2 INVLPG: a non-canonical address makes it a NOP */
	if (!inv_canonical(vc, va))
		return;
	/*
	 * TLB: the page of va in the current PCID, and global entries of
	 * that page whatever their PCID.  PSCs: every entry of the current
	 * PCID, whatever its address (§4.10.4.1).
	 */
	inv_apply(vc, &(struct inv_reach){
		.ir_tlb = inv_sel(SEL_VPID | TLB_SEL_PCID_OR_GLOBAL | SEL_ADDR,
				  cur.tg_vpid, cur.tg_pcid, va),
		.ir_psc = inv_sel(SEL_VPID | SEL_PCID, cur.tg_vpid, cur.tg_pcid, 0),
	});
}

/*
 * INVPCID by type (§4.10.4.1): which TLB and PSC entries of the current
 * VPID go.  PSC entries are never global, so "except global
 * translations" spares TLB entries only.
 */
static const struct {
	unsigned tlb, psc;
} invpcid_reach[] = {
	[INVPCID_INDIVIDUAL_ADDRESS] = { SEL_VPID | SEL_PCID | SEL_ADDR | SEL_NG,
					 SEL_VPID | SEL_PCID | SEL_ADDR },
	[INVPCID_SINGLE_CONTEXT] = { SEL_VPID | SEL_PCID | SEL_NG, SEL_VPID | SEL_PCID },
	[INVPCID_ALL_CONTEXT_GLOBALS] = { SEL_VPID, SEL_VPID },
	[INVPCID_ALL_CONTEXT] = { SEL_VPID | SEL_NG, SEL_VPID },
};

/* the INVPCID descriptor: PCID in bits 11:0, bits 63:12 reserved (must be 0) */
#define INVPCID_DESC_RSVD (~(uint64_t)MMU_PCID_MASK)

int vmx_invpcid(struct vcpu *vc, enum vmx_invpcid_type type, uint64_t desc_lo,
		uint64_t la)
{
	const struct mmu *m = &vc->vc_mmu;
	const uint16_t pcid = (uint16_t)(desc_lo & MMU_PCID_MASK);
	const unsigned t = (unsigned)type;

	if (!vc->vc_caps.invpcid)
		return -ENOTSUP;
	if (t > INVPCID_ALL_CONTEXT || (desc_lo & INVPCID_DESC_RSVD) != 0)
		return -EINVAL;
	if (t == INVPCID_INDIVIDUAL_ADDRESS && !inv_canonical(vc, la))
		return -EINVAL;
	/* without CR4.PCIDE only PCID 0 exists: types 0 and 1 may name no other */
	if (!m->mu_regs.pcide && t <= INVPCID_SINGLE_CONTEXT && pcid != 0)
		return -EINVAL;
	inv_count(vc, CTR_INVPCID, vc->vc_costs.invpcid);
	inv_apply(vc, &(struct inv_reach){
		.ir_tlb = inv_sel(invpcid_reach[t].tlb, m->mu_vpid, pcid, la),
		.ir_psc = inv_sel(invpcid_reach[t].psc, m->mu_vpid, pcid, la),
	});
	return 0;
}

/*
 * MOV to CR3 (§4.10.4.1, Vol. 2 MOV CR).  Bit 63 is the no-flush bit with
 * CR4.PCIDE and is not loaded; without CR4.PCIDE it is reserved like the
 * other bits at or above MAXPHYADDR.  A flushing write drops the
 * non-global TLB entries and all PSC entries of the PCID being loaded
 * (0 without CR4.PCIDE), not those of the PCID being left.
 */
int vmx_mov_cr3(struct vcpu *vc, uint64_t value)
{
	struct mmu *m = &vc->vc_mmu;
	const bool noflush = (value & VMX_CR3_NOFLUSH) != 0;
	const uint64_t cr3 = value & ~VMX_CR3_NOFLUSH;
	struct tlb_tag next;

	if (noflush && !m->mu_regs.pcide)
		return -EINVAL;
	if ((cr3 >> m->mu_caps.maxphyaddr) != 0)
		return -EINVAL;
	m->mu_regs.cr3 = cr3;
	vc->vc_ctr[CTR_CR3_WRITES]++;
	if (noflush)
		return 0;
	next = mmu_tag(m);
	vc->vc_ctr[CTR_CYC_INV] += vc->vc_costs.mov_cr3;
	inv_apply(vc, &(struct inv_reach){
		.ir_tlb = inv_sel(SEL_VPID | SEL_PCID | SEL_NG, next.tg_vpid,
				  next.tg_pcid, 0),
		.ir_psc = inv_sel(SEL_VPID | SEL_PCID, next.tg_vpid, next.tg_pcid, 0),
	});
	return 0;
}

/* ---- VMX root ------------------------------------------------------------ */

/*
 * INVVPID by type (§29.4.3.1): linear and combined mappings of the VPID
 * named (type 2: of every VPID but 0), all PCIDs, all EP4TAs.
 */
static const struct {
	unsigned tlb, psc;
	enum sim_ctr ctr;
} invvpid_reach[] = {
	[INVVPID_INDIVIDUAL_ADDRESS] = { SEL_VPID | SEL_ADDR, SEL_VPID | SEL_ADDR,
					 CTR_INVVPID_ADDR },
	[INVVPID_SINGLE_CONTEXT] = { SEL_VPID, SEL_VPID, CTR_INVVPID_SINGLE },
	[INVVPID_ALL_CONTEXT] = { TLB_SEL_NOT_VPID0, TLB_SEL_NOT_VPID0, CTR_INVVPID_ALL },
	[INVVPID_SINGLE_CONTEXT_RETAINING_GLOBALS] = { SEL_VPID | SEL_NG, SEL_VPID,
						       CTR_INVVPID_SINGLE_G },
};

/* the INVVPID descriptor's first quadword: VPID in bits 15:0, bits 63:16 reserved */
#define INVVPID_VPID_MASK UINT64_C(0xffff)

static bool invvpid_supported(const struct vmx_caps *c, unsigned t)
{
	switch (t) {
	case INVVPID_INDIVIDUAL_ADDRESS:
		return c->invvpid_addr;
	case INVVPID_SINGLE_CONTEXT:
		return c->invvpid_single;
	case INVVPID_ALL_CONTEXT:
		return c->invvpid_all;
	case INVVPID_SINGLE_CONTEXT_RETAINING_GLOBALS:
		return c->invvpid_single_g;
	default:
		return false;
	}
}

unsigned vmx_invvpid(struct vcpu *vc, enum vmx_invvpid_type type,
		     uint64_t desc_lo, uint64_t la)
{
	const unsigned t = (unsigned)type;
	const uint16_t vpid = (uint16_t)(desc_lo & INVVPID_VPID_MASK);

	if (!invvpid_supported(&vc->vc_caps, t) ||
	    (desc_lo & ~INVVPID_VPID_MASK) != 0 ||
	    (t != INVVPID_ALL_CONTEXT && vpid == 0) ||
	    (t == INVVPID_INDIVIDUAL_ADDRESS && !inv_canonical(vc, la)))
		return inv_fail(vc, vc->vc_costs.invvpid);
	inv_count(vc, invvpid_reach[t].ctr, vc->vc_costs.invvpid);
	inv_apply(vc, &(struct inv_reach){
		.ir_tlb = inv_sel(invvpid_reach[t].tlb, vpid, 0, la),
		.ir_psc = inv_sel(invvpid_reach[t].psc, vpid, 0, la),
	});
	return 0;
}

/*
 * INVEPT (§29.4.3.1): single-context drops the guest-physical and the
 * combined mappings of one EP4TA, for every VPID and PCID; all-context
 * those of every EP4TA.  Linear mappings stay.  The EPTP of
 * single-context is checked as VM entry checks it (mmu_ept_set() on a
 * scratch context with this processor's capabilities), which also yields
 * the EP4TA: EPTP bits MAXPHYADDR-1:12.
 */
unsigned vmx_invept(struct vcpu *vc, enum vmx_invept_type type, uint64_t eptp)
{
	struct inv_reach r = { .ir_has_gp = true };
	struct tlb_sel sel = { 0 };
	enum sim_ctr ctr;

	if (type == INVEPT_SINGLE_CONTEXT && vc->vc_caps.invept_single) {
		struct mmu scratch = { .mu_caps = vc->vc_mmu.mu_caps };
		const char *why = NULL;

		if (mmu_ept_set(&scratch, true, false, eptp, &why) < 0)
			return inv_fail(vc, vc->vc_costs.invept);
		sel = (struct tlb_sel){
			.ts_flags = TLB_SEL_EP4TA,
			.ts_ep4ta = scratch.mu_ept.me_root,
		};
		ctr = CTR_INVEPT_SINGLE;
	} else if (type == INVEPT_ALL_CONTEXT && vc->vc_caps.invept_all) {
		sel = (struct tlb_sel){ .ts_flags = TLB_SEL_EPT };
		ctr = CTR_INVEPT_ALL;
	} else {
		return inv_fail(vc, vc->vc_costs.invept);
	}
	inv_count(vc, ctr, vc->vc_costs.invept);
	r.ir_tlb = r.ir_psc = r.ir_gp = sel;
	inv_apply(vc, &r);
	return 0;
}

/*
 * vmx_flush_vpid0 - with "enable VPID" 0, every VM entry and VM exit
 * drops the linear and combined mappings of VPID 0, all PCIDs, all
 * EP4TAs (§29.4.3.1): guest and host share VPID 0, so neither may keep
 * what the other made.  Part of the transition's cost, not counted apart.
 */
void vmx_flush_vpid0(struct vcpu *vc)
{
	inv_apply(vc, &(struct inv_reach){
		.ir_tlb = inv_sel(SEL_VPID, 0, 0, 0),
		.ir_psc = inv_sel(SEL_VPID, 0, 0, 0),
	});
}
