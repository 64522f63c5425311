/*
 * walk.c - the guest dimension of a translation and the 2D walk around it
 * (see mmu.h): SDM Vol. 3A §4.5 to §4.8, and under EPT Vol. 3C §29.3.
 *
 * Built the way Bochs' translate_linear() is, with QEMU's shape for the
 * second dimension: one loop from the top level down.  Each guest entry's
 * GPA passes through the stage-2 translate (ept.c: the identity natively),
 * then the entry is read, recorded, checked (present, then reserved bits)
 * and its rights folded into the running AND.  Rights are judged once,
 * after the leaf, from the folded values (§4.6: the rights of a
 * translation are those of all the entries that control it), so a
 * reserved bit found on the way down always wins over a rights violation.
 * Then the final GPA passes through stage 2.
 *
 * Order of the second dimension, as a processor does it: an EPT fault on
 * a guest table comes before anything the guest entry would say; guest
 * faults (#PF) before the A/D updates; the A/D updates (writes to guest
 * tables, which the EPT must allow) before the final GPA.
 *
 * Side effects wait for success.  A/D flags and walk-cache fills are
 * queued (xlate.h) and applied only when the whole translation succeeded,
 * so a walk that faults leaves memory as it found it and fills no cache
 * (mmu_translate then drops the cache entries the fault invalidates).
 * The SDM lets a processor set A in entries of a walk that later faults
 * (§4.8, §29.3.5); choosing not to, as Bochs does for the guest side, makes
 * a fault a pure function of the tables and keeps retries deterministic.
 */
#include "sim/mmu/mmu.h"

#include <errno.h>

#include "sim/mmu/ept.h"
#include "sim/mmu/pte.h"
#include "sim/mmu/xlate.h"

/* SDM Vol. 3A §4.1.4: MAXPHYADDR is at most 52; 4-level paging needs 36+. */
#define WALK_MAXPHYADDR_MIN 36u
#define WALK_MAXPHYADDR_MAX 52u

struct mmu_step *xl_step(struct xl *x, enum mmu_step_kind kind,
			 enum mmu_dim dim, unsigned level)
{
	struct mmu_walk *w = x->x_w;
	struct mmu_step *st;

	ES_ASSERT(w->nsteps < MMU_MAX_STEPS, "va=%#llx steps=%u",
		  (unsigned long long)x->x_req->va, w->nsteps);
	st = &w->steps[w->nsteps++];
	*st = (struct mmu_step){ .ms_kind = (uint8_t)kind,
				 .ms_dim = (uint8_t)dim,
				 .ms_level = (uint8_t)level };
	return st;
}

void xl_write(struct xl *x, uint64_t *p, uint64_t bits)
{
	/* an entry without storage reads as zero: never present, never written */
	ES_ASSERT(p != NULL, "va=%#llx bits=%#llx",
		  (unsigned long long)x->x_req->va, (unsigned long long)bits);
	if ((*p & bits) == bits)
		return;
	ES_ASSERT(x->x_nwrites < XL_MAX_WRITES, "writes=%u", x->x_nwrites);
	x->x_writes[x->x_nwrites++] = (struct xl_write){ p, bits };
}

void xl_fill(struct xl *x, struct tlb_array *ta, const struct tlb_entry *e,
	     uint64_t addr, unsigned shift, const struct tlb_tag *tag)
{
	struct xl_fill *f;

	ES_ASSERT(x->x_nfills < XL_MAX_FILLS, "fills=%u", x->x_nfills);
	f = &x->x_fills[x->x_nfills++];
	f->xf_array = ta;
	f->xf_entry = *e;
	f->xf_entry.te_vpn = addr >> shift;
	f->xf_entry.te_shift = (uint8_t)shift;
	tlb_entry_tag(&f->xf_entry, tag);
}

/*
 * xl_entry - the entry at `hpa`, or NULL where memory reads as zero: a
 * frame without storage, or an address beyond the memory size.
 * Shortcut: real hardware reading past the end of memory usually sees all
 * ones (and so a reserved-bit fault); here that walk ends as not present.
 */
uint64_t *xl_entry(const struct xl *x, uint64_t hpa)
{
	const struct pmem *pm = x->x_m->mu_mem;

	if ((hpa >> PAGE_SHIFT) >= pm->pm_frames)
		return NULL;
	return pmem_entry(pm, hpa);
}

/* xl_commit - the translation succeeded: apply the queued A/D and fills */
static void xl_commit(struct xl *x)
{
	for (unsigned i = 0; i < x->x_nwrites; i++)
		*x->x_writes[i].xw_ptr |= x->x_writes[i].xw_bits;
	for (unsigned i = 0; i < x->x_nfills; i++)
		tlb_array_fill(x->x_fills[i].xf_array, &x->x_fills[i].xf_entry);
}

/*
 * walk_rsvd - the bits that must be zero in present guest entry `e` read
 * at `level` (5 = PML5E .. 1 = PTE).  SDM Vol. 3A §4.5.4, Tables 4-15 to
 * 4-20, and the list of reserved-bit causes in §4.7.
 */
static uint64_t walk_rsvd(const struct mmu *m, unsigned level, uint64_t e)
{
	/* address bits 51..MAXPHYADDR, in every entry */
	uint64_t rsvd = PTE_ADDR_MASK(WALK_MAXPHYADDR_MAX) &
			~PTE_ADDR_MASK(m->mu_caps.maxphyaddr);

	/* XD is reserved in every entry while IA32_EFER.NXE = 0 */
	if (!m->mu_regs.nxe)
		rsvd |= PTE_XD;
	/* PS is reserved in a PML5E and PML4E, and in a PDPTE without 1-GByte pages */
	if (level >= PT_LEVELS_4 || (level == 3 && !m->mu_caps.page1g))
		return rsvd | PTE_PS;
	/*
	 * A 2 MiB PDE or a 1 GiB PDPTE: the bits between PAT (bit 12) and
	 * the page frame (bit 21 or 30) are reserved.
	 */
	if (level > 1 && (e & PTE_PS))
		rsvd |= PTE_BITS(pt_level_shift(level) - 1, PAGE_SHIFT) &
			~PTE_PAT_LARGE;
	return rsvd;
}

/*
 * walk_pk_denies - whether PKRU forbids `req` on a translation with rights
 * `perm` and protection key `pkey`.  SDM Vol. 3A §4.6.2: with CR4.PKE, a
 * data access to a user-mode address (U/S = 1 at every level) is refused
 * when the key's AD bit is set; a write when WD is set, if the access is a
 * user access or CR0.WP = 1.  Fetches are not subject to protection keys.
 */
static bool walk_pk_denies(const struct mmu *m, const struct mmu_req *req,
			   unsigned perm, unsigned pkey)
{
	const struct mmu_regs *r = &m->mu_regs;
	bool ad, wd;

	if (!r->pke || req->acc == MMU_FETCH || !(perm & MMU_PERM_U))
		return false;
	ad = (r->pkru >> (2 * pkey)) & 1;
	wd = (r->pkru >> (2 * pkey + 1)) & 1;
	return ad || (wd && req->acc == MMU_WRITE && (req->user || r->wp));
}

/*
 * walk_allowed - whether `req` may use a translation whose rights, folded
 * over all levels, are `perm` (protection keys aside).  SDM Vol. 3A §4.6.1:
 *  - user accesses need a user-mode address (U/S = 1 everywhere); user
 *    writes R/W = 1 everywhere; user fetches XD = 0 everywhere (with NXE);
 *  - supervisor data accesses to a user-mode address fault under CR4.SMAP
 *    unless RFLAGS.AC = 1 and the access is explicit;
 *  - supervisor writes need R/W = 1 only when CR0.WP = 1;
 *  - supervisor fetches from a user-mode address fault under CR4.SMEP,
 *    and need XD = 0 everywhere with NXE (perm has X otherwise).
 */
static bool walk_allowed(const struct mmu *m, const struct mmu_req *req,
			 unsigned perm)
{
	const struct mmu_regs *r = &m->mu_regs;
	bool user_addr = (perm & MMU_PERM_U) != 0;

	if (req->user) {
		if (!user_addr)
			return false;
		switch (req->acc) {
		case MMU_READ:
			return true;
		case MMU_WRITE:
			return (perm & MMU_PERM_W) != 0;
		case MMU_FETCH:
			return (perm & MMU_PERM_X) != 0;
		}
		ES_ASSERT(false, "acc=%d", (int)req->acc);
	}
	if (req->acc == MMU_FETCH)
		return (perm & MMU_PERM_X) && !(user_addr && r->smep);
	if (user_addr && r->smap && (req->implicit || !r->ac))
		return false;
	return req->acc == MMU_READ || (perm & MMU_PERM_W) || !r->wp;
}

/*
 * walk_error_code - the #PF error code for a walk that stopped with `stop`
 * (SDM Vol. 3A §4.7).  I/D is set for a fetch only with NXE or SMEP; PK
 * whenever PKRU forbids the access (even if ordinary rights do too), but
 * only for a translation that was found (P = 1, no reserved bit).
 */
static uint32_t walk_error_code(const struct mmu *m, const struct mmu_req *req,
				enum mmu_stop stop, bool pk)
{
	uint32_t ec = 0;

	if (stop != MMU_NOT_PRESENT)
		ec |= PF_EC_P;
	if (stop == MMU_RESERVED)
		ec |= PF_EC_RSVD;
	if (req->acc == MMU_WRITE)
		ec |= PF_EC_W;
	if (req->user)
		ec |= PF_EC_U;
	if (req->acc == MMU_FETCH && (m->mu_regs.nxe || m->mu_regs.smep))
		ec |= PF_EC_I;
	if (stop == MMU_PROTECTION && pk)
		ec |= PF_EC_PK;
	return ec;
}

/* walk_guest_stop - a guest fault (#PF) at `level` (0: the rights check) */
static void walk_guest_stop(struct xl *x, enum mmu_stop stop, unsigned level,
			    bool pk)
{
	struct mmu_walk *w = x->x_w;

	w->stop = stop;
	w->fault_dim = MMU_DIM_GUEST;
	w->fault_level = level;
	w->error_code = walk_error_code(x->x_m, x->x_req, stop, pk);
}

/*
 * walk_s2_paging - the stage-2 request for reading the guest entry at
 * `gpa` (level `glevel`).  §29.3.3.2: an access to a guest paging-structure
 * entry is a read; with EPT A/D enabled it is treated as a write (it needs
 * W, sets D, and a violation reports both read and write, §28.2.1).
 */
static struct xl_s2req walk_s2_paging(const struct mmu *m, uint64_t gpa,
				      unsigned glevel)
{
	bool ad = m->mu_ept.me_ad;

	return (struct xl_s2req){
		.sr_gpa = gpa,
		.sr_need = MMU_EPERM_R | (ad ? MMU_EPERM_W : 0),
		.sr_eq_acc = EPT_EQ_READ | (ad ? EPT_EQ_WRITE : 0),
		.sr_write = ad,
		.sr_paging = true,
		.sr_glevel = glevel,
	};
}

/*
 * walk_s2_final - the stage-2 request for the final GPA.  With mode-based
 * execute control a fetch from a user-mode linear address needs UX, from a
 * supervisor-mode one X (§29.3.3.2).
 */
static struct xl_s2req walk_s2_final(const struct mmu *m,
				     const struct mmu_req *req, uint64_t gpa,
				     unsigned perm)
{
	struct xl_s2req sr = { .sr_gpa = gpa };

	switch (req->acc) {
	case MMU_READ:
		sr.sr_need = MMU_EPERM_R;
		sr.sr_eq_acc = EPT_EQ_READ;
		break;
	case MMU_WRITE:
		sr.sr_need = MMU_EPERM_W;
		sr.sr_eq_acc = EPT_EQ_WRITE;
		sr.sr_write = true;
		break;
	case MMU_FETCH:
		sr.sr_need = m->mu_ept.me_mbec && (perm & MMU_PERM_U)
				     ? MMU_EPERM_UX
				     : MMU_EPERM_X;
		sr.sr_eq_acc = EPT_EQ_FETCH;
		break;
	}
	return sr;
}

/* per guest level: where its entry is, for A/D and the PSC fills */
struct walk_level {
	uint64_t *wl_ptr;       /* the entry in host memory */
	uint64_t wl_gpa;        /* its guest-physical address */
	unsigned wl_eperm;      /* EPT rights on its page (0 natively, unused) */
};

/*
 * walk_ad_violation - the EPT refuses the write that sets A or D in the
 * guest entry `wl`: a violation on a paging-structure access.
 */
static void walk_ad_violation(struct xl *x, const struct walk_level *wl)
{
	struct mmu_walk *w = x->x_w;
	const unsigned ep = wl->wl_eperm;

	w->stop = MMU_EPT_VIOLATION;
	w->fault_dim = MMU_DIM_EPT;
	w->fault_level = 0;
	w->fault_gpa = wl->wl_gpa;
	w->fault_paging = true;
	w->exit_qual = EPT_EQ_READ | EPT_EQ_WRITE | EPT_EQ_GLA_VALID |
		       ((ep & MMU_EPERM_R) ? EPT_EQ_READABLE : 0) |
		       ((ep & MMU_EPERM_W) ? EPT_EQ_WRITABLE : 0) |
		       ((ep & MMU_EPERM_X) ? EPT_EQ_EXECUTABLE : 0) |
		       (x->x_m->mu_ept.me_mbec && (ep & MMU_EPERM_UX)
				? EPT_EQ_UEXECUTABLE
				: 0);
}

/*
 * walk_psc - look `va` up in the guest PSCs, deepest level first.  On a
 * hit at level L, fills the next table's addresses, the EPT rights on its
 * page and the rights folded over levels top..L, and returns L - 1, the
 * level the walk goes on at; returns `top` when nothing was found.
 */
static unsigned walk_psc(struct xl *x, unsigned top, uint64_t *table_gpa,
			 uint64_t *table_hpa, unsigned *eperm, unsigned *perm)
{
	struct mmu_pwc *pw = x->x_m->mu_pwc;
	const uint64_t va = x->x_req->va;

	for (unsigned l = 2; pw && l <= top; l++) {
		struct tlb_array *ta = &pw->pw_psc[l];
		struct tlb_entry *t;
		struct mmu_step *st;

		if (!tlb_array_on(ta))
			continue;
		t = tlb_array_probe(ta, va, pt_level_shift(l), &x->x_tag);
		if (!t)
			continue;
		st = xl_step(x, MMU_STEP_PSC_HIT, MMU_DIM_GUEST, l);
		st->ms_addr = t->te_pfn << PAGE_SHIFT;
		st->ms_gpa = t->te_aux << PAGE_SHIFT;
		x->x_w->psc_hits++;
		*table_gpa = t->te_aux << PAGE_SHIFT;
		*table_hpa = t->te_pfn << PAGE_SHIFT;
		*eperm = t->te_eperm;
		*perm = t->te_perm;
		return l - 1;
	}
	return top;
}

/* walk_2d - the translation itself; mmu_translate adds what a fault invalidates */
static void walk_2d(struct mmu *m, const struct mmu_req *req, struct mmu_walk *w)
{
	const uint64_t addr_mask = PTE_ADDR_MASK(m->mu_caps.maxphyaddr);
	const unsigned top = m->mu_regs.la57 ? PT_LEVELS_5 : PT_LEVELS_4;
	struct mmu_pwc *pw = m->mu_pwc;
	struct xl *x, xs;
	struct walk_level lv[MMU_MAX_LEVELS + 1];
	struct xl_s2 s2;
	struct xl_s2req sr;
	uint64_t table_gpa, table_hpa = 0, e = 0, size;
	unsigned perm = MMU_PERM_W | MMU_PERM_U | MMU_PERM_X, eperm = 0;
	unsigned level, pkey = 0;
	bool have_hpa = false, pk;

	ES_ASSERT(m->mu_caps.maxphyaddr >= WALK_MAXPHYADDR_MIN &&
			  m->mu_caps.maxphyaddr <= WALK_MAXPHYADDR_MAX,
		  "maxphyaddr=%u", m->mu_caps.maxphyaddr);
	ES_ASSERT(!(req->user && req->implicit), "va=%#llx",
		  (unsigned long long)req->va);
	/* the record is written in full, the steps only as far as used */
	w->stop = MMU_OK;
	w->nsteps = 0;
	w->mem_refs = 0;
	for (unsigned d = 0; d < 2; d++)
		for (unsigned l = 0; l <= MMU_MAX_LEVELS; l++)
			w->refs[d][l] = 0;
	w->psc_hits = w->epsc_hits = w->ntlb_hits = 0;
	w->s2_lookups = w->epsc_lookups = 0;
	w->levels = top;
	w->gpa = w->pa = 0;
	w->guest_shift = w->ept_shift = w->page_shift = 0;
	w->perm = w->eperm = w->memtype = 0;
	w->dirty = w->global = false;
	w->pkey = 0;
	w->error_code = 0;
	w->exit_qual = 0;
	w->fault_gpa = 0;
	w->fault_dim = MMU_DIM_GUEST;
	w->fault_level = 0;
	w->fault_paging = false;

	/* SDM Vol. 1 §3.3.7.1: non-canonical faults (#GP) before any walk */
	if (!mmu_canonical(req->va, m->mu_regs.la57)) {
		w->stop = MMU_NONCANONICAL;
		return;
	}
	x = &xs;
	x->x_m = m;
	x->x_req = req;
	x->x_w = w;
	x->x_tag = mmu_tag(m);
	x->x_gptag = mmu_gptag(m);
	x->x_nwrites = x->x_nfills = 0;
	for (unsigned l = 0; l <= MMU_MAX_LEVELS; l++)
		lv[l].wl_ptr = NULL;

	table_gpa = m->mu_regs.cr3 & addr_mask;
	level = walk_psc(x, top, &table_gpa, &table_hpa, &eperm, &perm);
	have_hpa = level < top;
	for (;; level--) {
		uint64_t gpa = table_gpa + pt_index(req->va, level) * sizeof(uint64_t);
		uint64_t hpa;
		uint64_t *p;
		struct mmu_step *st;

		if (have_hpa) {
			hpa = table_hpa + (gpa & PAGE_MASK);
		} else {
			sr = walk_s2_paging(m, gpa, level);
			if (!ept_xlate(x, &sr, &s2))
				return;
			hpa = s2.s2_hpa;
			eperm = s2.s2_eperm; /* 0 natively: only read under EPT */
			/* the PSC entry of the level above points at this table */
			if (level < top && pw && tlb_array_on(&pw->pw_psc[level + 1]))
				xl_fill(x, &pw->pw_psc[level + 1], &(struct tlb_entry){
					.te_pfn = hpa >> PAGE_SHIFT,
					.te_aux = gpa >> PAGE_SHIFT,
					.te_perm = (uint8_t)perm,
					.te_eperm = (uint8_t)eperm,
				}, req->va, pt_level_shift(level + 1), &x->x_tag);
		}
		have_hpa = false;
		p = xl_entry(x, hpa);
		e = p ? *p : 0;
		st = xl_step(x, MMU_STEP_REF, MMU_DIM_GUEST, level);
		st->ms_addr = hpa;
		st->ms_gpa = gpa;
		st->ms_entry = e;
		w->mem_refs++;
		w->refs[MMU_DIM_GUEST][level]++;
		lv[level] = (struct walk_level){ p, gpa, eperm };
		if (!(e & PTE_P)) {
			walk_guest_stop(x, MMU_NOT_PRESENT, level, false);
			return;
		}
		if (e & walk_rsvd(m, level, e)) {
			walk_guest_stop(x, MMU_RESERVED, level, false);
			return;
		}
		if (!(e & PTE_RW))
			perm &= ~MMU_PERM_W;
		if (!(e & PTE_US))
			perm &= ~MMU_PERM_U;
		if (e & PTE_XD)
			perm &= ~MMU_PERM_X;
		/* §4.5.4: PS = 1 in a PDPTE or PDE maps a page; bit 7 of a PTE is PAT */
		if (level == 1 || (e & PTE_PS))
			break;
		table_gpa = e & addr_mask;
	}

	/* the rights of the whole translation, then protection keys */
	if (m->mu_regs.pke)
		pkey = (unsigned)((e & PTE_PKEY) >> PTE_PKEY_SHIFT);
	pk = walk_pk_denies(m, req, perm, pkey);
	if (!walk_allowed(m, req, perm) || pk) {
		walk_guest_stop(x, MMU_PROTECTION, 0, pk);
		return;
	}

	/*
	 * §4.8: A in every entry used, D in the leaf for a write.  Under EPT
	 * each flag that changes is a write to a guest table (§29.3.3.2); with
	 * EPT A/D the read already needed W.  Without it, a table the EPT maps
	 * read-only refuses the write: a violation reporting a read-modify-write
	 * (bits 0 and 1; the SDM leaves bit 0 to the implementation, current
	 * processors set it).
	 */
	for (unsigned l = top; l >= level; l--) {
		uint64_t set;

		if (lv[l].wl_ptr == NULL)
			continue; /* supplied by a PSC hit: A is already set */
		set = PTE_A | (l == level && req->acc == MMU_WRITE ? PTE_D : 0);
		if ((*lv[l].wl_ptr & set) == set)
			continue;
		if (m->mu_ept.me_enabled && !(lv[l].wl_eperm & MMU_EPERM_W)) {
			walk_ad_violation(x, &lv[l]);
			return;
		}
		xl_write(x, lv[l].wl_ptr, set);
	}

	w->guest_shift = pt_level_shift(level);
	size = UINT64_C(1) << w->guest_shift;
	w->gpa = (e & addr_mask & ~(size - 1)) | (req->va & (size - 1));
	sr = walk_s2_final(m, req, w->gpa, perm);
	if (!ept_xlate(x, &sr, &s2)) {
		w->gpa = 0;
		w->guest_shift = 0;
		return;
	}
	xl_commit(x);

	w->pa = s2.s2_hpa;
	w->ept_shift = s2.s2_shift;
	w->page_shift = m->mu_ept.me_enabled && s2.s2_shift < w->guest_shift
				? s2.s2_shift
				: w->guest_shift;
	w->perm = perm;
	w->eperm = s2.s2_eperm;
	w->memtype = s2.s2_memtype;
	w->dirty = ((e | (req->acc == MMU_WRITE ? PTE_D : 0)) & PTE_D) != 0;
	w->global = (e & PTE_G) != 0;
	w->pkey = pkey;
}

/*
 * A fault drops the cached entries that would serve its address (SDM Vol.
 * 3A §4.10.4.1: a #PF invalidates the paging-structure-cache entries for
 * the linear address; Vol. 3C §29.4.3.1: an EPT violation invalidates the
 * guest-physical mappings for the faulting GPA and, when it came from a
 * linear address, the combined mappings for that address).  The TLB entries
 * for the page are the TLB's business (sim.c).
 */
void mmu_translate(struct mmu *m, const struct mmu_req *req, struct mmu_walk *w)
{
	const struct tlb_tag tag = mmu_tag(m);
	struct tlb_sel lin, gp;

	walk_2d(m, req, w);
	if (m->mu_pwc == NULL)
		return;
	lin = mmu_sel_addr(&tag, req->va);
	gp = (struct tlb_sel){
		.ts_flags = TLB_SEL_EP4TA | TLB_SEL_ADDR,
		.ts_ep4ta = tag.tg_ep4ta,
		.ts_addr = w->fault_gpa,
	};
	switch (w->stop) {
	case MMU_EPT_VIOLATION:
		/* and the combined mappings of the linear address */
		mmu_pwc_invalidate(m->mu_pwc, &lin, &gp);
		break;
	case MMU_NOT_PRESENT:
	case MMU_PROTECTION:
	case MMU_RESERVED:
		mmu_pwc_invalidate(m->mu_pwc, &lin, NULL);
		break;
	case MMU_OK:
	case MMU_NONCANONICAL:
	case MMU_EPT_MISCONFIG:
		break;
	}
}

int mmu_regs_check(const struct mmu *m, const char **why)
{
	if (m->mu_regs.la57 && !m->mu_caps.la57) {
		*why = "CR4.LA57 is set but 5-level paging is not supported (machine.caps.la57)";
		return -EINVAL;
	}
	if (m->mu_regs.cr3 & ~PTE_ADDR_MASK(m->mu_caps.maxphyaddr) &
	    ~PTE_BITS(11, 0)) {
		*why = "CR3 has address bits at or above MAXPHYADDR";
		return -EINVAL;
	}
	return 0;
}

const char *mmu_stop_name(enum mmu_stop stop)
{
	switch (stop) {
	case MMU_OK:
		return "ok";
	case MMU_NOT_PRESENT:
	case MMU_PROTECTION:
	case MMU_RESERVED:
		return "page_fault";
	case MMU_NONCANONICAL:
		return "general_protection";
	case MMU_EPT_VIOLATION:
		return "ept_violation";
	case MMU_EPT_MISCONFIG:
		return "ept_misconfig";
	}
	return "?";
}
