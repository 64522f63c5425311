/*
 * ept.c - the EPT dimension: one guest-physical address to a host-physical
 * address (SDM Vol. 3C §29.3), and the EPTP checks of VM entry.
 *
 * A stage-2 translation first asks the nested TLB (a cached GPA -> HPA
 * translation of the page), then the EPT paging-structure caches from the
 * deepest level up, and walks the rest from memory: one loop over levels
 * that reads an entry, records it, stops at a not-present entry (a
 * violation) or a misconfigured one, and folds R/W/X/UX into the running
 * AND.  The access is judged once, after the leaf (§29.3.3.2), so a
 * misconfiguration found anywhere on the path wins over missing rights,
 * and one exit builds the exit qualification (§28.2.1, Table 28-7).
 *
 * Choices where the SDM leaves room, the same as Bochs and KVM make:
 *  - bits 3..6 of the exit qualification include the entry that stopped
 *    the walk (a not-present entry makes them 0);
 *  - a 4-level EPT ignores GPA bits 51..48 (only a fifth level indexes them);
 *  - with mode-based execute control, an entry with R = 0 and UX = 1 is
 *    execute-only for the purpose of the execute-only rule.
 */
#include "sim/mmu/ept.h"

#include <errno.h>

#include "sim/mmu/xlate.h"

/* §29.3.2: a present entry has one of R, W, X (or UX with MBEC) set */
static bool ept_present(const struct mmu *m, uint64_t e)
{
	return (e & EPT_RWX) || (m->mu_ept.me_mbec && (e & EPT_UX));
}

static bool ept_leaf(unsigned level, uint64_t e)
{
	return level == 1 || (e & EPT_PS);
}

/*
 * ept_misconfigured - whether present entry `e` at `level` is an EPT
 * misconfiguration (§29.3.3.1): W without R, execute-only where not
 * supported, a reserved bit, or a leaf with a reserved memory type.
 */
static bool ept_misconfigured(const struct mmu *m, unsigned level, uint64_t e)
{
	const struct mmu_caps *caps = &m->mu_caps;
	uint64_t rsvd = PTE_ADDR_MASK(52) & ~PTE_ADDR_MASK(caps->maxphyaddr);
	bool x = (e & EPT_X) || (m->mu_ept.me_mbec && (e & EPT_UX));

	if ((e & EPT_W) && !(e & EPT_R))
		return true;
	if (x && !(e & (EPT_R | EPT_W)) && !caps->ept_xonly)
		return true;
	if (level >= PT_LEVELS_4) {
		/* PML5E, PML4E: bits 7..3 (MT, IPAT, PS) */
		rsvd |= PTE_BITS(7, 3);
	} else if (level > 1 && (e & EPT_PS)) {
		if ((level == 3 && !caps->ept_1g) || (level == 2 && !caps->ept_2m))
			return true;
		/* a large leaf: bits between 12 and the frame (no PAT bit here) */
		rsvd |= PTE_BITS(pt_level_shift(level) - 1, PAGE_SHIFT);
	} else if (level > 1) {
		/* an entry that references a table: bits 6..3 */
		rsvd |= PTE_BITS(6, 3);
	}
	if (e & rsvd)
		return true;
	if (ept_leaf(level, e) &&
	    !ept_memtype_ok((unsigned)((e & EPT_MT) >> EPT_MT_SHIFT)))
		return true;
	return false;
}

/* the rights an entry grants, as MMU_EPERM_* */
static unsigned ept_perm_of(uint64_t e)
{
	return ((e & EPT_R) ? MMU_EPERM_R : 0) | ((e & EPT_W) ? MMU_EPERM_W : 0) |
	       ((e & EPT_X) ? MMU_EPERM_X : 0) | ((e & EPT_UX) ? MMU_EPERM_UX : 0);
}

/*
 * ept_stop - end the translation with a violation or a misconfiguration
 * at `level`; `perm` is the AND of the rights up to that entry.
 */
static bool ept_stop(struct xl *x, const struct xl_s2req *sr,
		     enum mmu_stop stop, unsigned level, unsigned perm)
{
	struct mmu_walk *w = x->x_w;

	w->stop = stop;
	w->fault_dim = MMU_DIM_EPT;
	w->fault_level = level;
	w->fault_gpa = sr->sr_gpa;
	w->fault_paging = sr->sr_paging;
	if (stop == MMU_EPT_VIOLATION) {
		uint64_t q = sr->sr_eq_acc | EPT_EQ_GLA_VALID;

		if (perm & MMU_EPERM_R)
			q |= EPT_EQ_READABLE;
		if (perm & MMU_EPERM_W)
			q |= EPT_EQ_WRITABLE;
		if (perm & MMU_EPERM_X)
			q |= EPT_EQ_EXECUTABLE;
		if (x->x_m->mu_ept.me_mbec && (perm & MMU_EPERM_UX))
			q |= EPT_EQ_UEXECUTABLE;
		if (!sr->sr_paging)
			q |= EPT_EQ_GLA_FINAL;
		w->exit_qual = q;
	}
	return false;
}

/* ept_allows - whether rights `perm` (folded) allow what `sr` needs */
static bool ept_allows(unsigned perm, unsigned need)
{
	return (perm & need) == need;
}

bool ept_xlate(struct xl *x, const struct xl_s2req *sr, struct xl_s2 *out)
{
	struct mmu *m = x->x_m;
	struct mmu_pwc *pw = m->mu_pwc;
	const uint64_t gpa = sr->sr_gpa;
	const uint64_t addr_mask = PTE_ADDR_MASK(m->mu_caps.maxphyaddr);
	const bool ad = m->mu_ept.me_ad;
	uint64_t *ptr[MMU_MAX_LEVELS];
	uint64_t table = m->mu_ept.me_root, e = 0, size;
	unsigned perm = MMU_EPERM_R | MMU_EPERM_W | MMU_EPERM_X | MMU_EPERM_UX;
	unsigned level = m->mu_ept.me_levels, top = level, n = 0;
	struct mmu_step *st;

	if (!m->mu_ept.me_enabled) {
		*out = (struct xl_s2){ .s2_hpa = gpa };
		return true;
	}

	/* the nested TLB: usable if it grants the rights, and D for a write */
	x->x_w->s2_lookups++;
	if (pw && tlb_array_on(&pw->pw_ntlb)) {
		struct tlb_entry *t = tlb_array_probe(&pw->pw_ntlb, gpa, PAGE_SHIFT,
						      &x->x_gptag);

		if (t && ept_allows(t->te_eperm, sr->sr_need) &&
		    (!ad || !sr->sr_write || t->te_dirty)) {
			st = xl_step(x, MMU_STEP_NTLB_HIT, MMU_DIM_EPT, 1);
			st->ms_glevel = (uint8_t)sr->sr_glevel;
			st->ms_gpa = gpa;
			st->ms_addr = t->te_pfn << PAGE_SHIFT;
			x->x_w->ntlb_hits++;
			*out = (struct xl_s2){
				.s2_hpa = (t->te_pfn << PAGE_SHIFT) | (gpa & PAGE_MASK),
				.s2_shift = (unsigned)(t->te_aux >> NTLB_AUX_SHIFT),
				.s2_eperm = t->te_eperm,
				.s2_memtype = (unsigned)(t->te_aux & NTLB_AUX_MT),
			};
			return true;
		}
	}

	/* the EPT paging-structure caches, deepest level first (§29.4.2) */
	for (unsigned l = 2, probed = 0; pw && l <= top; l++) {
		struct tlb_array *ta = &pw->pw_epsc[l];
		struct tlb_entry *t;

		if (!tlb_array_on(ta))
			continue;
		if (!probed++)
			x->x_w->epsc_lookups++;
		t = tlb_array_probe(ta, gpa, pt_level_shift(l), &x->x_gptag);
		if (!t)
			continue;
		st = xl_step(x, MMU_STEP_PSC_HIT, MMU_DIM_EPT, l);
		st->ms_glevel = (uint8_t)sr->sr_glevel;
		st->ms_gpa = gpa;
		st->ms_addr = t->te_pfn << PAGE_SHIFT;
		x->x_w->epsc_hits++;
		table = t->te_pfn << PAGE_SHIFT;
		perm = t->te_eperm;
		level = l - 1;
		break;
	}

	for (;; level--) {
		uint64_t hpa = table + pt_index(gpa, level) * sizeof(uint64_t);
		uint64_t *p = xl_entry(x, hpa);

		e = p ? *p : 0;
		st = xl_step(x, MMU_STEP_REF, MMU_DIM_EPT, level);
		st->ms_glevel = (uint8_t)sr->sr_glevel;
		st->ms_gpa = gpa;
		st->ms_addr = hpa;
		st->ms_entry = e;
		x->x_w->mem_refs++;
		x->x_w->refs[MMU_DIM_EPT][level]++;
		ptr[n++] = p;
		if (!ept_present(m, e))
			return ept_stop(x, sr, MMU_EPT_VIOLATION, level, 0);
		if (ept_misconfigured(m, level, e))
			return ept_stop(x, sr, MMU_EPT_MISCONFIG, level, perm);
		perm &= ept_perm_of(e);
		if (ept_leaf(level, e))
			break;
		/* queue the PSC fill for this level: the next table and the rights so far */
		if (pw && tlb_array_on(&pw->pw_epsc[level])) {
			const struct tlb_entry f = {
				.te_pfn = (e & addr_mask) >> PAGE_SHIFT,
				.te_eperm = (uint8_t)perm,
			};

			xl_fill(x, &pw->pw_epsc[level], &f, gpa,
				pt_level_shift(level), &x->x_gptag);
		}
		table = e & addr_mask;
	}

	if (!ept_allows(perm, sr->sr_need))
		return ept_stop(x, sr, MMU_EPT_VIOLATION, 0, perm);

	/* §29.3.5: A in every entry used, D in the leaf for a write */
	for (unsigned i = 0; ad && i < n; i++)
		xl_write(x, ptr[i], EPT_A | (i == n - 1 && sr->sr_write ? EPT_D : 0));

	size = UINT64_C(1) << pt_level_shift(level);
	*out = (struct xl_s2){
		.s2_hpa = (e & addr_mask & ~(size - 1)) | (gpa & (size - 1)),
		.s2_shift = pt_level_shift(level),
		.s2_eperm = perm,
		.s2_memtype = (unsigned)((e & EPT_MT) >> EPT_MT_SHIFT),
	};
	if (pw && tlb_array_on(&pw->pw_ntlb)) {
		const struct tlb_entry f = {
			.te_pfn = out->s2_hpa >> PAGE_SHIFT,
			.te_aux = out->s2_memtype |
				  ((uint64_t)out->s2_shift << NTLB_AUX_SHIFT),
			.te_eperm = (uint8_t)perm,
			.te_dirty = (e & EPT_D) || (ad && sr->sr_write),
		};

		xl_fill(x, &pw->pw_ntlb, &f, gpa, PAGE_SHIFT, &x->x_gptag);
	}
	return true;
}

/*
 * mmu_ept_set - SDM Vol. 3C §27.2.1.1, the checks of VM entry on the EPTP
 * and on mode-based execute control.
 */
int mmu_ept_set(struct mmu *m, bool enabled, bool mbec, uint64_t eptp,
		const char **why)
{
	const struct mmu_caps *caps = &m->mu_caps;
	unsigned mt = (unsigned)(eptp & EPTP_MT);
	unsigned pwl = (unsigned)((eptp & EPTP_PWL) >> EPTP_PWL_SHIFT) + 1;

	if (!enabled) {
		if (mbec) {
			*why = "mode-based execute control needs EPT enabled";
			return -EINVAL;
		}
		m->mu_ept = (struct mmu_ept){ 0 };
		return 0;
	}
	if (mbec && !caps->ept_mbec) {
		*why = "mode-based execute control is not supported (machine.caps.ept_mode_based_exec)";
		return -EINVAL;
	}
	if (mt != EPT_MT_UC && mt != EPT_MT_WB) {
		*why = "EPTP memory type (bits 2:0) must be 0 (UC) or 6 (WB)";
		return -EINVAL;
	}
	if (pwl != PT_LEVELS_4 && !(pwl == PT_LEVELS_5 && caps->ept_5level)) {
		*why = caps->ept_5level
			       ? "EPTP walk length (bits 5:3) must be 3 (4-level) or 4 (5-level)"
			       : "EPTP walk length (bits 5:3) must be 3 (4-level); 5-level EPT is not supported (machine.caps.ept_5level)";
		return -EINVAL;
	}
	if ((eptp & EPTP_AD) && !caps->ept_ad) {
		*why = "EPTP bit 6 enables EPT A/D flags, which are not supported (machine.caps.ept_ad)";
		return -EINVAL;
	}
	if (eptp & EPTP_RSVD_LOW) {
		*why = "EPTP bits 11:7 are reserved";
		return -EINVAL;
	}
	if (eptp & ~PTE_ADDR_MASK(caps->maxphyaddr) & ~PTE_BITS(11, 0)) {
		*why = "EPTP address bits at or above MAXPHYADDR are reserved";
		return -EINVAL;
	}
	m->mu_ept = (struct mmu_ept){
		.me_enabled = true,
		.me_mbec = mbec,
		.me_eptp = eptp,
		.me_root = eptp & PTE_ADDR_MASK(caps->maxphyaddr),
		.me_levels = pwl,
		.me_ad = (eptp & EPTP_AD) != 0,
	};
	return 0;
}
