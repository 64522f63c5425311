/*
 * probe_explain.c - one access of `eptsim explain`: every step of the walk
 * in order (a memory reference, "ref", or a walk-cache hit, "hit"), each
 * entry decoded, then the outcome and why.
 *
 * The why is read back from what the walk recorded (the stop, the fault
 * level, the entries, the exit qualification) and from the request: it
 * names the entry and the bit that decided, following the rules of the
 * SDM sections mmu.h cites.  Where the record does not show the deciding
 * bit (rights folded in a walk-cache entry), it says less rather than
 * guess.
 */
#include "sim/probe/probe.h"

#include <stdarg.h>
#include <string.h>

#include "sim/mmu/ept.h"
#include "sim/mmu/pte.h"

/* a growing line: decoded flags, lists */
struct line {
	char s[512];
	size_t n;
};

__attribute__((format(printf, 2, 3))) static void add(struct line *l,
						      const char *fmt, ...)
{
	va_list ap;
	int k;

	if (l->n >= sizeof(l->s))
		return;
	va_start(ap, fmt);
	k = vsnprintf(l->s + l->n, sizeof(l->s) - l->n, fmt, ap);
	va_end(ap);
	if (k > 0)
		l->n += (size_t)k;
	if (l->n >= sizeof(l->s))
		l->n = sizeof(l->s) - 1;
}

/* word - add `w` to a space-separated list */
static void word(struct line *l, const char *w)
{
	add(l, "%s%s", l->n ? " " : "", w);
}

static const char *dim_name(enum mmu_dim dim)
{
	return dim == MMU_DIM_GUEST ? "guest" : "EPT";
}

static unsigned long long ull(uint64_t v)
{
	return (unsigned long long)v;
}

/* decode_guest - the flags of guest entry `e` at `level`, and where it points */
static void decode_guest(const struct mmu *m, unsigned level, uint64_t e,
			 struct line *l)
{
	bool leaf = probe_leaf(level, e);

	if (!(e & PTE_P)) {
		word(l, "not present");
		return;
	}
	for (const struct probe_bit *b = probe_guest_bits; b->pbt_name; b++) {
		char up[8];
		size_t i;

		if (!(e & b->pbt_mask) || b->pbt_mask == PTE_XD)
			continue;
		for (i = 0; b->pbt_name[i] && i + 1 < sizeof(up); i++)
			up[i] = (char)(b->pbt_name[i] - 'a' + 'A');
		up[i] = '\0';
		word(l, up);
	}
	if (level > 1 && (e & PTE_PS))
		word(l, "PS");
	if ((level == 1 && (e & PTE_PAT4K)) || (level > 1 && leaf && (e & PTE_PAT_LARGE)))
		word(l, "PAT");
	if (e & PTE_XD)
		word(l, "XD");
	if (leaf && (e & PTE_PKEY))
		add(l, " pkey=%llu", ull((e & PTE_PKEY) >> PTE_PKEY_SHIFT));
	add(l, " -> %s 0x%llx", leaf ? "page" : "table",
	    ull(probe_entry_addr(m, level, e)));
}

static void decode_ept(const struct mmu *m, unsigned level, uint64_t e,
		       struct line *l)
{
	bool leaf = probe_leaf(level, e);

	if (!probe_present(m, MMU_DIM_EPT, e)) {
		word(l, "not present");
		return;
	}
	if (e & EPT_R)
		word(l, "R");
	if (e & EPT_W)
		word(l, "W");
	if (e & EPT_X)
		word(l, "X");
	if (e & EPT_UX)
		word(l, "UX");
	if (leaf) {
		unsigned mt = (unsigned)((e & EPT_MT) >> EPT_MT_SHIFT);
		const char *n = probe_memtype_name(mt);
		char buf[16];

		if (n) {
			for (size_t i = 0; i < 2; i++)
				buf[i] = (char)(n[i] - 'a' + 'A');
			buf[2] = '\0';
		} else {
			snprintf(buf, sizeof(buf), "MT=%u", mt);
		}
		word(l, buf);
		if (e & EPT_IPAT)
			word(l, "IPAT");
	}
	if (e & EPT_A)
		word(l, "A");
	if (leaf && (e & EPT_D))
		word(l, "D");
	if (level > 1 && (e & EPT_PS))
		word(l, "PS");
	if (e & EPT_SVE)
		word(l, "SVE");
	add(l, " -> %s 0x%llx", leaf ? "page" : "table",
	    ull(probe_entry_addr(m, level, e)));
}

/* the EPT group a step serves: a guest entry's GPA, or the final GPA */
struct group {
	bool open;
	unsigned glevel;
	uint64_t gpa;
};

static void group_head(FILE *f, struct group *g, const struct mmu_step *s)
{
	if (g->open && g->glevel == s->ms_glevel && g->gpa == s->ms_gpa)
		return;
	*g = (struct group){ true, s->ms_glevel, s->ms_gpa };
	if (s->ms_glevel)
		fprintf(f, "  guest L%u entry at gpa 0x%llx+0x%llx, through the EPT:\n",
			s->ms_glevel, ull(s->ms_gpa & ~PAGE_MASK),
			ull(s->ms_gpa & PAGE_MASK));
	else
		fprintf(f, "  final gpa 0x%llx, through the EPT:\n", ull(s->ms_gpa));
}

static void print_step(FILE *f, const struct probe_machine *pr,
		       const struct mmu_step *s, struct group *g)
{
	const struct mmu *m = &pr->pr_m;
	const enum mmu_dim dim = (enum mmu_dim)s->ms_dim;
	const char *ind = dim == MMU_DIM_EPT ? "    " : "  ";
	struct line l = { .n = 0 };
	char lab[32], at[64];

	if (dim == MMU_DIM_EPT)
		group_head(f, g, s);
	else
		g->open = false;
	switch (s->ms_kind) {
	case MMU_STEP_REF:
		snprintf(lab, sizeof(lab), "%s L%u %s", dim_name(dim), s->ms_level,
			 probe_table_name(s->ms_level));
		snprintf(at, sizeof(at), "hpa 0x%llx+0x%llx", ull(s->ms_addr & ~PAGE_MASK),
			 ull(s->ms_addr & PAGE_MASK));
		if (dim == MMU_DIM_GUEST)
			decode_guest(m, s->ms_level, s->ms_entry, &l);
		else
			decode_ept(m, s->ms_level, s->ms_entry, &l);
		fprintf(f, "%sref  %-13s  %-22s  0x%016llx  %s\n", ind, lab, at,
			ull(s->ms_entry), l.s);
		break;
	case MMU_STEP_PSC_HIT: {
		unsigned top = dim == MMU_DIM_GUEST ? pr->pr_pb.pb_glevels
						    : m->mu_ept.me_levels;
		unsigned next = s->ms_level - 1;

		if (dim == MMU_DIM_GUEST && m->mu_ept.me_enabled)
			snprintf(at, sizeof(at), "gpa 0x%llx = hpa 0x%llx",
				 ull(s->ms_gpa), ull(s->ms_addr));
		else
			snprintf(at, sizeof(at), "hpa 0x%llx", ull(s->ms_addr));
		fprintf(f, "%shit  %s walk cache: L%u..L%u entries cached, the L%u table (%s) is at %s\n",
			ind, dim == MMU_DIM_GUEST ? "guest" : "EPT", top,
			s->ms_level, next, probe_table_name(next), at);
		break;
	}
	case MMU_STEP_NTLB_HIT:
		fprintf(f, "%shit  nested TLB: gpa page 0x%llx is at hpa 0x%llx\n", ind,
			ull(s->ms_gpa & ~PAGE_MASK), ull(s->ms_addr));
		break;
	}
}

/* ------------------------------------------------------------------ */
/* why                                                                 */

/* the guest entries on the path of the access, [level]; false if unknown */
static void guest_path(const struct probe_machine *pr, const struct mmu_walk *w,
		       uint64_t va, uint64_t *ent, bool *known)
{
	for (unsigned l = 0; l <= MMU_MAX_LEVELS; l++)
		known[l] = false;
	for (unsigned i = 0; i < w->nsteps; i++) {
		const struct mmu_step *s = &w->steps[i];

		if (s->ms_kind == MMU_STEP_REF && s->ms_dim == MMU_DIM_GUEST) {
			ent[s->ms_level] = s->ms_entry;
			known[s->ms_level] = true;
		}
	}
	/* levels a walk cache supplied: read them from the tables (a fault changes nothing) */
	for (unsigned l = pr->pr_pb.pb_glevels; l >= 1; l--) {
		uint64_t hpa;

		if (known[l])
			break;
		if (pr->pr_m.mu_regs.cr3 != pr->pr_pb.pb_groot ||
		    ptb_entry(&pr->pr_pb, MMU_DIM_GUEST, va, l, &hpa) < 0)
			break;
		ent[l] = pmem_read64(&pr->pr_mem, hpa);
		known[l] = true;
	}
}

/* first_level - the highest level on the path where `pred` holds, or 0 */
static unsigned first_level(const uint64_t *ent, const bool *known,
			    unsigned top, unsigned leaf, uint64_t bit, bool set)
{
	for (unsigned l = top; l >= leaf && l >= 1; l--)
		if (known[l] && ((ent[l] & bit) != 0) == set)
			return l;
	return 0;
}

static void at_level(struct line *l, const char *what, unsigned level)
{
	if (level)
		add(l, "%s at L%u", what, level);
	else
		add(l, "%s at some level (held in a walk cache)", what);
}

static void why_protection(const struct probe_machine *pr,
			   const struct probe_access *a, const struct mmu_walk *w,
			   struct line *l)
{
	const struct mmu_regs *r = &pr->pr_m.mu_regs;
	const unsigned top = pr->pr_pb.pb_glevels;
	uint64_t ent[MMU_MAX_LEVELS + 1] = { 0 };
	bool known[MMU_MAX_LEVELS + 1];
	unsigned leaf = 0, us0, rw0, xd1;
	bool user = a->pa_cpl == 3, user_addr;

	guest_path(pr, w, a->pa_va, ent, known);
	for (unsigned lv = top; lv >= 1; lv--) {
		if (known[lv] && probe_leaf(lv, ent[lv])) {
			leaf = lv;
			break;
		}
	}
	if (!leaf) {
		add(l, "the access rights of the translation forbid this access");
		return;
	}
	us0 = first_level(ent, known, top, leaf, PTE_US, false);
	rw0 = first_level(ent, known, top, leaf, PTE_RW, false);
	xd1 = r->nxe ? first_level(ent, known, top, leaf, PTE_XD, true) : 0;
	user_addr = us0 == 0;
	if (w->error_code & PF_EC_PK) {
		unsigned key = (unsigned)((ent[leaf] & PTE_PKEY) >> PTE_PKEY_SHIFT);
		bool ad = (r->pkru >> (2 * key)) & 1;

		add(l, "protection key %u of the page forbids it: PKRU.%s%u = 1 (CR4.PKE = 1, a user-mode address)",
		    key, ad ? "AD" : "WD", key);
		if (!ad)
			add(l, ", and this is a write%s", user ? "" : " with CR0.WP = 1");
		return;
	}
	if (user) {
		if (!user_addr) {
			add(l, "a user-mode access to a supervisor-mode address: ");
			at_level(l, "U/S = 0", us0);
		} else if (a->pa_acc == MMU_WRITE && rw0) {
			add(l, "a user-mode write to a read-only page: ");
			at_level(l, "R/W = 0", rw0);
		} else if (a->pa_acc == MMU_FETCH && xd1) {
			add(l, "an instruction fetch from a non-executable page: ");
			at_level(l, "XD = 1 (EFER.NXE = 1)", xd1);
		} else {
			add(l, "the access rights of the translation forbid this user-mode access");
		}
		return;
	}
	if (a->pa_acc == MMU_FETCH) {
		if (user_addr && r->smep)
			add(l, "SMEP: a supervisor-mode instruction fetch from a user-mode address (U/S = 1 at every level, CR4.SMEP = 1)");
		else if (xd1) {
			add(l, "an instruction fetch from a non-executable page: ");
			at_level(l, "XD = 1 (EFER.NXE = 1)", xd1);
		} else
			add(l, "the access rights of the translation forbid this fetch");
		return;
	}
	if (user_addr && r->smap && (a->pa_implicit || !r->ac)) {
		add(l, "SMAP: a supervisor-mode data access to a user-mode address (U/S = 1 at every level, CR4.SMAP = 1, %s)",
		    a->pa_implicit ? "an implicit access, for which RFLAGS.AC does not matter"
				   : "RFLAGS.AC = 0");
		return;
	}
	if (a->pa_acc == MMU_WRITE && rw0 && r->wp) {
		add(l, "a supervisor-mode write to a read-only page with CR0.WP = 1: ");
		at_level(l, "R/W = 0", rw0);
		return;
	}
	add(l, "the access rights of the translation forbid this supervisor-mode access");
}

/* why_reserved - the reserved bits set in guest entry `e` at `level` */
static void why_reserved(const struct probe_machine *pr, unsigned level,
			 uint64_t e, struct line *l)
{
	const struct mmu *m = &pr->pr_m;
	const unsigned mp = m->mu_caps.maxphyaddr;
	size_t n0;

	add(l, "a reserved bit is set in the guest L%u (%s) entry:", level,
	    probe_table_name(level));
	n0 = l->n;
	if (e & PTE_ADDR_MASK(52) & ~PTE_ADDR_MASK(mp))
		add(l, " address bits at or above MAXPHYADDR (%u)", mp);
	if (!m->mu_regs.nxe && (e & PTE_XD))
		add(l, "%s XD (bit 63) while EFER.NXE = 0", l->n > n0 ? ";" : "");
	if ((e & PTE_PS) && level >= 4)
		add(l, "%s PS (bit 7), reserved in a %s entry", l->n > n0 ? ";" : "",
		    probe_table_name(level));
	else if ((e & PTE_PS) && level == 3 && !m->mu_caps.page1g)
		add(l, "%s PS (bit 7) in a PDPT entry, and 1 GiB pages are not supported (machine.caps.page1g)",
		    l->n > n0 ? ";" : "");
	else if ((e & PTE_PS) && level > 1 &&
		 (e & PTE_BITS(pt_level_shift(level) - 1, PAGE_SHIFT) & ~PTE_PAT_LARGE))
		add(l, "%s bits %u..13 of a %s page", l->n > n0 ? ";" : "",
		    pt_level_shift(level) - 1, probe_size_name(pt_level_shift(level)));
	if (l->n == n0)
		add(l, " value 0x%016llx", ull(e));
}

/* the last REF step of dimension `dim` at `level` serving `gpa` (EPT) */
static const struct mmu_step *find_ref(const struct mmu_walk *w,
				       enum mmu_dim dim, unsigned level)
{
	for (unsigned i = w->nsteps; i-- > 0;) {
		const struct mmu_step *s = &w->steps[i];

		if (s->ms_kind == MMU_STEP_REF && s->ms_dim == dim &&
		    s->ms_level == level)
			return s;
	}
	return NULL;
}

static void why_misconfig(const struct probe_machine *pr,
			  const struct mmu_walk *w, struct line *l)
{
	const struct mmu *m = &pr->pr_m;
	const struct mmu_caps *c = &m->mu_caps;
	const struct mmu_step *s = find_ref(w, MMU_DIM_EPT, w->fault_level);
	const unsigned level = w->fault_level;
	uint64_t e;
	size_t n0;
	bool x;

	if (!s) {
		add(l, "an EPT entry is misconfigured");
		return;
	}
	e = s->ms_entry;
	x = (e & EPT_X) || (m->mu_ept.me_mbec && (e & EPT_UX));
	add(l, "the EPT L%u (%s) entry 0x%016llx is misconfigured:", level,
	    probe_table_name(level), ull(e));
	n0 = l->n;
	if ((e & EPT_W) && !(e & EPT_R))
		add(l, " W = 1 with R = 0 (write without read)");
	if (x && !(e & (EPT_R | EPT_W)) && !c->ept_xonly)
		add(l, "%s execute-only (X = 1, R = W = 0), which is not supported (machine.caps.ept_execute_only)",
		    l->n > n0 ? ";" : "");
	if (e & PTE_ADDR_MASK(52) & ~PTE_ADDR_MASK(c->maxphyaddr))
		add(l, "%s address bits at or above MAXPHYADDR (%u)",
		    l->n > n0 ? ";" : "", c->maxphyaddr);
	if (level >= 4 && (e & PTE_BITS(7, 3)))
		add(l, "%s bits 7..3, reserved in a %s entry", l->n > n0 ? ";" : "",
		    probe_table_name(level));
	else if (level > 1 && level < 4 && (e & EPT_PS)) {
		if ((level == 3 && !c->ept_1g) || (level == 2 && !c->ept_2m))
			add(l, "%s PS = 1, but %s EPT pages are not supported (machine.caps.ept_%s)",
			    l->n > n0 ? ";" : "", level == 3 ? "1 GiB" : "2 MiB",
			    level == 3 ? "1g" : "2m");
		else if (e & PTE_BITS(pt_level_shift(level) - 1, PAGE_SHIFT))
			add(l, "%s bits %u..12 of a %s page", l->n > n0 ? ";" : "",
			    pt_level_shift(level) - 1,
			    probe_size_name(pt_level_shift(level)));
	} else if (level > 1 && level < 4 && (e & PTE_BITS(6, 3))) {
		add(l, "%s bits 6..3, reserved in an entry that references a table",
		    l->n > n0 ? ";" : "");
	}
	if (probe_leaf(level, e) &&
	    !probe_memtype_name((unsigned)((e & EPT_MT) >> EPT_MT_SHIFT)))
		add(l, "%s memory type %llu (bits 5..3) is reserved", l->n > n0 ? ";" : "",
		    ull((e & EPT_MT) >> EPT_MT_SHIFT));
	if (l->n == n0)
		add(l, " a reserved setting");
}

static void eq_names(uint64_t q, struct line *l)
{
	bool first = true;

	for (const struct probe_bit *b = probe_eq_bits; b->pbt_name; b++) {
		if (q & b->pbt_mask) {
			add(l, "%s%s", first ? "" : ", ", b->pbt_name);
			first = false;
		}
	}
}

/* the rights an EPT violation reports (bits 3..6), as "R X" */
static void eq_rights(uint64_t q, struct line *l)
{
	struct line r = { .n = 0 };

	if (q & EPT_EQ_READABLE)
		word(&r, "R");
	if (q & EPT_EQ_WRITABLE)
		word(&r, "W");
	if (q & EPT_EQ_EXECUTABLE)
		word(&r, "X");
	if (q & EPT_EQ_UEXECUTABLE)
		word(&r, "UX");
	add(l, "%s", r.n ? r.s : "nothing");
}

/* user_address - whether U/S = 1 at every level of the path of `va` */
static bool user_address(const struct probe_machine *pr,
			 const struct mmu_walk *w, uint64_t va)
{
	uint64_t ent[MMU_MAX_LEVELS + 1] = { 0 };
	bool known[MMU_MAX_LEVELS + 1];

	guest_path(pr, w, va, ent, known);
	for (unsigned l = pr->pr_pb.pb_glevels; l >= 1; l--) {
		if (!known[l] || !(ent[l] & PTE_US))
			return false;
		if (probe_leaf(l, ent[l]))
			return true;
	}
	return false;
}

static void why_violation(const struct probe_machine *pr,
			  const struct probe_access *a, const struct mmu_walk *w,
			  struct line *l)
{
	const struct mmu *m = &pr->pr_m;
	const uint64_t q = w->exit_qual;
	const struct mmu_step *last = NULL;
	unsigned glevel = 0;
	uint64_t need = 0;
	const char *rname = "";

	/* the guest level whose entry was being accessed */
	for (unsigned i = w->nsteps; i-- > 0;) {
		const struct mmu_step *s = &w->steps[i];

		if (s->ms_dim == MMU_DIM_EPT && s->ms_gpa == w->fault_gpa) {
			glevel = s->ms_glevel;
			break;
		}
		if (s->ms_dim == MMU_DIM_GUEST && s->ms_kind == MMU_STEP_REF &&
		    s->ms_gpa == w->fault_gpa) {
			glevel = s->ms_level;
			break;
		}
	}
	if (w->fault_paging) {
		bool ad_write = (q & EPT_EQ_WRITE) && !m->mu_ept.me_ad;

		add(l, "%s the guest L%u (%s) entry at GPA 0x%llx", ad_write ? "setting A/D in" : "reading",
		    glevel, probe_table_name(glevel), ull(w->fault_gpa));
		if (ad_write) {
			add(l, " is a write to a guest page table");
			need = EPT_W;
			rname = "W";
		} else if (m->mu_ept.me_ad) {
			add(l, " needs R and W: with EPT A/D flags on, every access to a guest paging-structure entry counts as a write");
			need = EPT_R | EPT_W;
			rname = "R and W";
		} else {
			add(l, " needs R");
			need = EPT_R;
			rname = "R";
		}
	} else {
		add(l, "the %s of VA 0x%llx at GPA 0x%llx needs ", probe_acc_name(a->pa_acc),
		    ull(a->pa_va), ull(w->fault_gpa));
		switch (a->pa_acc) {
		case MMU_READ:
			need = EPT_R;
			rname = "R";
			break;
		case MMU_WRITE:
			need = EPT_W;
			rname = "W";
			break;
		case MMU_FETCH:
			/* §29.3.3.2: with MBEC the linear address's mode decides, not the CPL */
			if (m->mu_ept.me_mbec && user_address(pr, w, a->pa_va)) {
				need = EPT_UX;
				rname = "UX (mode-based execute control: a user-mode address)";
			} else {
				need = EPT_X;
				rname = m->mu_ept.me_mbec
						? "X (mode-based execute control: a supervisor-mode address)"
						: "X";
			}
			break;
		}
		add(l, "%s", rname);
	}
	if (w->fault_level) {
		const struct mmu_step *s = find_ref(w, MMU_DIM_EPT, w->fault_level);

		add(l, "; but the EPT L%u (%s) entry on its path is not present", w->fault_level,
		    probe_table_name(w->fault_level));
		if (s)
			add(l, " (0x%016llx)", ull(s->ms_entry));
		return;
	}
	add(l, "; the EPT grants ");
	eq_rights(q, l);
	/* the level that lacks a needed right, if the walk read it */
	for (unsigned i = 0; i < w->nsteps; i++) {
		const struct mmu_step *s = &w->steps[i];

		if (s->ms_kind == MMU_STEP_REF && s->ms_dim == MMU_DIM_EPT &&
		    (s->ms_gpa >> PAGE_SHIFT) == (w->fault_gpa >> PAGE_SHIFT) &&
		    (s->ms_entry & need) != need) {
			last = s;
			break;
		}
	}
	if (last)
		add(l, " (%s clear at L%u)",
		    (need & ~last->ms_entry) == EPT_W   ? "W"
		    : (need & ~last->ms_entry) == EPT_R ? "R"
		    : (need & ~last->ms_entry) == EPT_X ? "X"
		    : (need & ~last->ms_entry) == EPT_UX ? "UX"
							 : "R and W",
		    last->ms_level);
}

/* the A/D flags this access set, from the entries as read and as now */
static void ad_changes(const struct probe_machine *pr, const struct mmu_walk *w,
		       struct line *l)
{
	for (unsigned i = 0; i < w->nsteps; i++) {
		const struct mmu_step *s = &w->steps[i];
		const enum mmu_dim dim = (enum mmu_dim)s->ms_dim;
		uint64_t now, set;
		bool dup = false;

		if (s->ms_kind != MMU_STEP_REF)
			continue;
		for (unsigned j = 0; j < i; j++)
			if (w->steps[j].ms_kind == MMU_STEP_REF &&
			    w->steps[j].ms_addr == s->ms_addr)
				dup = true;
		if (dup)
			continue;
		now = pmem_read64(&pr->pr_mem, s->ms_addr);
		set = now & ~s->ms_entry & (probe_a_bit(dim) | probe_d_bit(dim));
		if (!set)
			continue;
		add(l, "%s%s L%u", l->n ? ", " : "", dim_name(dim), s->ms_level);
		if (dim == MMU_DIM_EPT && s->ms_glevel)
			add(l, " (for guest L%u)", s->ms_glevel);
		else if (dim == MMU_DIM_EPT)
			add(l, " (for the final GPA)");
		add(l, " %s", set == probe_a_bit(dim) ? "A" : set == probe_d_bit(dim) ? "D" : "A D");
	}
}

static void refs_line(FILE *f, const struct probe_machine *pr,
		      const struct mmu_walk *w)
{
	const bool ept = pr->pr_m.mu_ept.me_enabled;
	unsigned ng = 0, ne = 0;
	struct line g = { .n = 0 }, e = { .n = 0 };

	for (unsigned lv = pr->pr_pb.pb_glevels; lv >= 1; lv--) {
		ng += w->refs[MMU_DIM_GUEST][lv];
		add(&g, "%sL%u %u", g.n ? ", " : "", lv, w->refs[MMU_DIM_GUEST][lv]);
	}
	for (unsigned lv = ept ? pr->pr_m.mu_ept.me_levels : 0; lv >= 1; lv--) {
		ne += w->refs[MMU_DIM_EPT][lv];
		add(&e, "%sL%u %u", e.n ? ", " : "", lv, w->refs[MMU_DIM_EPT][lv]);
	}
	if (ept)
		fprintf(f, "  memory references: %u = guest %u (%s) + EPT %u (%s)\n",
			w->mem_refs, ng, g.s, ne, e.s);
	else
		fprintf(f, "  memory references: %u (%s)\n", w->mem_refs, g.s);
	if (!pr->pr_pwc_on)
		fprintf(f, "  walk caches: off\n");
	else
		fprintf(f, "  walk cache hits: guest PSC %u, EPT PSC %u, nested TLB %u\n",
			w->psc_hits, w->epsc_hits, w->ntlb_hits);
}

void probe_explain_access(FILE *f, const struct probe_machine *pr, size_t idx,
			  const struct probe_access *a, const struct mmu_walk *w)
{
	const struct mmu *m = &pr->pr_m;
	const bool ept = m->mu_ept.me_enabled;
	struct group g = { .open = false };
	struct line why = { .n = 0 }, ad = { .n = 0 }, ec = { .n = 0 };

	fprintf(f, "access %zu: %s of VA 0x%llx at CPL %u (%s%s)\n", idx,
		probe_acc_name(a->pa_acc), ull(a->pa_va), a->pa_cpl,
		a->pa_cpl == 3 ? "user mode" : "supervisor mode",
		a->pa_implicit ? ", implicit" : "");
	if (!w) {
		fprintf(f, "  outcome: vm_entry_failed\n  why: VM entry fails: %s; no access is made\n",
			pr->pr_entry_fail);
		return;
	}
	for (unsigned i = 0; i < w->nsteps; i++)
		print_step(f, pr, &w->steps[i], &g);
	switch (w->stop) {
	case MMU_OK:
		fprintf(f, "  outcome: ok\n");
		if (ept)
			fprintf(f, "  VA 0x%llx -> GPA 0x%llx -> HPA 0x%llx: a %s guest page in a %s EPT page (a TLB entry may cover %s)\n",
				ull(a->pa_va), ull(w->gpa), ull(w->pa),
				probe_size_name(w->guest_shift),
				probe_size_name(w->ept_shift),
				probe_size_name(w->page_shift));
		else
			fprintf(f, "  VA 0x%llx -> PA 0x%llx: a %s page\n", ull(a->pa_va),
				ull(w->pa), probe_size_name(w->guest_shift));
		ad_changes(pr, w, &ad);
		fprintf(f, "  accessed/dirty flags set: %s\n", ad.n ? ad.s : "none (already set)");
		break;
	case MMU_NOT_PRESENT:
	case MMU_PROTECTION:
	case MMU_RESERVED: {
		for (const struct probe_bit *b = probe_pf_ec_bits; b->pbt_name; b++)
			if (w->error_code & b->pbt_mask)
				word(&ec, b->pbt_name);
		if (w->stop == MMU_NOT_PRESENT) {
			const struct mmu_step *s = find_ref(w, MMU_DIM_GUEST, w->fault_level);

			add(&why, "the guest L%u (%s) entry is not present (P = 0", w->fault_level,
			    probe_table_name(w->fault_level));
			add(&why, "%s", s && s->ms_entry == 0 ? ": nothing is mapped there)" : ")");
		} else if (w->stop == MMU_RESERVED) {
			const struct mmu_step *s = find_ref(w, MMU_DIM_GUEST, w->fault_level);

			why_reserved(pr, w->fault_level, s ? s->ms_entry : 0, &why);
		} else {
			why_protection(pr, a, w, &why);
		}
		fprintf(f, "  outcome: %s#PF, error code 0x%x (%s)\n", ept ? "guest " : "",
			w->error_code, ec.n ? ec.s : "none: not present, read, supervisor mode");
		fprintf(f, "  why: %s\n", why.s);
		fprintf(f, "  accessed/dirty flags set: none (a fault changes nothing)\n");
		break;
	}
	case MMU_EPT_VIOLATION:
		why_violation(pr, a, w, &why);
		eq_names(w->exit_qual, &ec);
		fprintf(f, "  outcome: EPT violation at GPA 0x%llx (%s), exit qualification 0x%llx (%s)\n",
			ull(w->fault_gpa),
			w->fault_paging ? "an access to a guest paging-structure entry"
					: "the access itself",
			ull(w->exit_qual), ec.s);
		fprintf(f, "  why: %s\n", why.s);
		fprintf(f, "  accessed/dirty flags set: none (a fault changes nothing)\n");
		break;
	case MMU_EPT_MISCONFIG:
		why_misconfig(pr, w, &why);
		fprintf(f, "  outcome: EPT misconfiguration at GPA 0x%llx (%s)\n",
			ull(w->fault_gpa),
			w->fault_paging ? "an access to a guest paging-structure entry"
					: "the access itself");
		fprintf(f, "  why: %s\n", why.s);
		fprintf(f, "  accessed/dirty flags set: none (a fault changes nothing)\n");
		break;
	case MMU_NONCANONICAL:
		fprintf(f, "  outcome: #GP (general protection), no walk is made\n");
		fprintf(f, "  why: VA 0x%llx is not canonical for %u-level paging: bits 63..%u must all equal bit %u\n",
			ull(a->pa_va), w->levels, w->levels == 5 ? 57 : 48,
			w->levels == 5 ? 56 : 47);
		break;
	}
	refs_line(f, pr, w);
}
