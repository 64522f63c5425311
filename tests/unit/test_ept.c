/*
 * test_ept.c - the EPT dimension of mmu_translate, entry by entry, against
 * SDM Vol. 3C §29.3.2 (EPT entries and what makes one present), §29.3.3.1
 * (misconfigurations), §29.3.3.2 (violations), §28.2.1 Table 28-7 (the
 * exit qualification) and mode-based execute control; and mmu_ept_set
 * against the VM-entry checks of the EPTP (§27.2.1.1).
 *
 * Layout (tests/lib/mmufix.h), fresh for every case: MAXPHYADDR 40,
 * 4-level guest, 4-level EPT (5-level where a case says), EPT A/D off
 * unless a case says.
 *
 *   VA  0x00007f127456789a                guest 4 KiB page, guest flags
 *                                         P RW US at every level
 *   GPA 0x804123489a = MF_GPA_DATA + 0x123489a   the final GPA: EPT PML4
 *                                         index 1, so its EPT path is its own
 *   HPA 0x4123489a  = MF_HPA_DATA + 0x123489a    where EPT maps it, with a
 *                                         4 KiB, 2 MiB or 1 GiB EPT page
 *   guest tables at GPA 0x100000..0x103fff, 4 KiB EPT pages (R W X UX),
 *                                         EPT PML4 index 0
 *
 * A case changes bits of one or two EPT entries on the path of the final
 * GPA, or of a guest table's GPA ("paging" cases), after building, then
 * translates once and checks the stop, the exact exit qualification, the
 * faulting GPA and entry level, the memory references made (the guest
 * walk costs 5 per level: 4 EPT reads + the entry) and that memory
 * changed by exactly the A/D flags of a success, or not at all.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/lib/tltab.h"
#include "tests/lib/mmufix.h"

#define VA UINT64_C(0x00007f127456789a)
#define VA_PAGE (VA & ~PAGE_MASK)
#define GPA_PAGE (MF_GPA_DATA + 0x1234000)
#define GPA (GPA_PAGE | (VA & PAGE_MASK))

/* case controls */
#define XONLY (1u << 0)   /* execute-only EPT entries supported */
#define NO_2M (1u << 1)   /* 2 MiB EPT pages unsupported */
#define NO_1G (1u << 2)   /* 1 GiB EPT pages unsupported */
#define AD (1u << 3)      /* the EPTP enables EPT A/D */
#define MBEC (1u << 4)    /* mode-based execute control (supported and on) */
#define EPT5 (1u << 5)    /* 5-level EPT */
#define M46 (1u << 6)     /* MAXPHYADDR 46 */

#define MT(t) ((uint64_t)(t) << EPT_MT_SHIFT)
#define MTX(t) ((t) + 1u)                          /* an expected memory type */
#define EF(f) ((f) | MT(EPT_MT_WB))                /* EPT leaf flags, WB */
#define E_RWX (EPT_RWX | MT(EPT_MT_WB))          /* an EPT leaf without UX */
#define EQ_GLA EPT_EQ_GLA_VALID
#define EQ_FIN (EPT_EQ_GLA_VALID | EPT_EQ_GLA_FINAL)
#define EQ_R EPT_EQ_READ
#define EQ_W EPT_EQ_WRITE
#define EQ_F EPT_EQ_FETCH
#define EQ_RD EPT_EQ_READABLE
#define EQ_WR EPT_EQ_WRITABLE
#define EQ_EX EPT_EQ_EXECUTABLE
#define EQ_UX EPT_EQ_UEXECUTABLE

/* a change to one EPT entry: level 0 = none */
struct emod {
	unsigned level;
	uint64_t set, clear;
};

struct ept_case {
	const char *name;
	unsigned ctl;
	unsigned eshift;        /* EPT page of the final GPA: 12 (0), 21, 30 */
	uint64_t eflags;        /* its EPT leaf flags; 0: R W X UX, WB */
	uint64_t gflags;        /* guest leaf flags; 0: P RW US */
	unsigned gclear_level;  /* a guest level whose U/S is cleared (0: none) */
	enum mmu_acc acc;
	bool user;
	unsigned pglevel;       /* 0: mods on the final GPA's path; else on the path of this guest table's GPA */
	struct emod mod[2];
	/* expected */
	enum mmu_stop stop;
	uint64_t eq;            /* exit qualification of a violation */
	uint64_t eq_any;        /* bits of it either way (bit 0 of an A/D update) */
	unsigned fg;            /* faulting access: 0 the final GPA, else the guest level of the entry */
	unsigned flevel;        /* fault_level */
	unsigned refs;          /* memory references; 0: not checked */
	unsigned eperm;         /* OK: MMU_EPERM_*; 0: not checked */
	unsigned mt;            /* OK: MTX(memtype); 0: WB */
	uint64_t pa_or;         /* OK: bits the mods add to the host address */
};

static void run_case(const struct ept_case *c)
{
	unsigned eshift = c->eshift ? c->eshift : 12;
	struct mmufix f = { 0 };
	uint64_t path, hpa[2] = { 0 }, fault_gpa = GPA;
	struct mmu_walk w;
	struct mf_snap s;

	mmufix_start(&f, 4, (c->ctl & EPT5) ? 5 : 4, (c->ctl & M46) ? 46 : 0);
	f.m.mu_caps.ept_xonly = (c->ctl & XONLY) != 0;
	f.m.mu_caps.ept_2m = !(c->ctl & NO_2M);
	f.m.mu_caps.ept_1g = !(c->ctl & NO_1G);
	f.m.mu_caps.ept_mbec = (c->ctl & MBEC) != 0;
	f.mbec = (c->ctl & MBEC) != 0;
	f.ept_ad = (c->ctl & AD) != 0;
	mf_map_guest(&f, VA_PAGE, GPA_PAGE, 12, c->gflags ? c->gflags : MF_G_ALL);
	mf_map_ept_data(&f, GPA, eshift, c->eflags ? c->eflags : MF_E_ALL);
	mmufix_go(&f);
	if (c->gclear_level)
		mf_mod(&f, mf_gentry(&f, VA, c->gclear_level), 0, PTE_US);

	/* addresses first: a changed entry may no longer lead anywhere */
	path = c->pglevel ? mf_gentry_gpa(&f, VA, c->pglevel) : GPA;
	if (c->fg)
		fault_gpa = mf_gentry_gpa(&f, VA, c->fg);
	for (unsigned i = 0; i < 2; i++)
		if (c->mod[i].level)
			hpa[i] = mf_eentry(&f, path, c->mod[i].level);
	for (unsigned i = 0; i < 2; i++)
		if (c->mod[i].level)
			mf_mod(&f, hpa[i], c->mod[i].set, c->mod[i].clear);

	mf_snap_take(&f, &s);
	if (c->stop == MMU_OK)
		mf_snap_want_ad(&f, &s, VA, c->acc == MMU_WRITE);
	mf_xlate(&f, VA, c->acc, c->user, &w);

	TL_EXPECT(c, "stop", w.stop, c->stop);
	if (c->refs)
		TL_EXPECT(c, "mem_refs", w.mem_refs, c->refs);
	if (c->stop == MMU_OK) {
		TL_EXPECT(c, "gpa", w.gpa, GPA);
		TL_EXPECT(c, "pa", w.pa, mf_hpa_data(GPA) | c->pa_or);
		TL_EXPECT(c, "ept_shift", w.ept_shift, eshift);
		TL_EXPECT(c, "page_shift", w.page_shift, 12);
		TL_EXPECT(c, "memtype", w.memtype, c->mt ? c->mt - 1 : EPT_MT_WB);
		if (c->eperm)
			TL_EXPECT(c, "eperm", w.eperm, c->eperm);
	} else if (c->stop == MMU_EPT_VIOLATION ||
		   c->stop == MMU_EPT_MISCONFIG) {
		if (c->stop == MMU_EPT_VIOLATION)
			TL_EXPECT(c, "exit_qual", w.exit_qual & ~c->eq_any,
			       c->eq & ~c->eq_any);
		TL_EXPECT(c, "fault_gpa", w.fault_gpa, fault_gpa);
		TL_EXPECT(c, "fault_paging", w.fault_paging, c->fg != 0);
		TL_EXPECT(c, "fault_dim", w.fault_dim, MMU_DIM_EPT);
		TL_EXPECT(c, "fault_level", w.fault_level, c->flevel);
	}
	mf_snap_check(&f, &s, c->name);
	mf_snap_free(&s);
	mmufix_stop(&f);
}

static void run_case_test(void **state)
{
	run_case(*state);
}

/*
 * The generated tables: every value of EPT bits 2:0 at each level, for a
 * read, a write and a fetch, judged by ref_final() and ref_paging(), which
 * restate §29.3.3 from the manual's prose.
 *
 * Final GPA: the entry at `level` gets bits 2:0 = v (UX cleared too), the
 * others keep R W X.  With a 4 KiB EPT page each of levels 4..1, with a
 * 2 MiB or 1 GiB page the leaf; execute-only support off and on.
 */
static bool ref_misconfig(unsigned v, bool xonly)
{
	return v == EPT_W || v == (EPT_W | EPT_X) || (v == EPT_X && !xonly);
}

static const uint64_t acc_eq[] = { EQ_R, EQ_W, EQ_F };
static const uint64_t acc_need[] = { EPT_R, EPT_W, EPT_X };
static const char *const acc_name[] = { "read", "write", "fetch" };

static void ref_final(struct ept_case *c, unsigned leaf, unsigned level,
		      unsigned v)
{
	unsigned guest = 4 * 5; /* the guest walk before the final GPA */

	c->mod[0] = (struct emod){ level, v, EPT_RWX | EPT_UX };
	c->stop = MMU_OK;
	c->refs = guest + 4 + 1 - leaf;
	if (v == 0) {
		c->stop = MMU_EPT_VIOLATION;
		c->eq = acc_eq[c->acc] | EQ_FIN;
		c->flevel = level;
		c->refs = guest + 4 + 1 - level;
	} else if (ref_misconfig(v, c->ctl & XONLY)) {
		c->stop = MMU_EPT_MISCONFIG;
		c->flevel = level;
		c->refs = guest + 4 + 1 - level;
	} else if (!(v & acc_need[c->acc])) {
		c->stop = MMU_EPT_VIOLATION;
		c->eq = acc_eq[c->acc] | mf_eq_perm(v) | EQ_FIN;
	} else {
		c->eperm = v; /* MMU_EPERM_R/W/X are bits 0..2 like EPT R/W/X */
	}
}

/*
 * Paging: bits 2:0 = v in the EPT entry at `level` on the path of the
 * guest PT page (level 1: that page alone; 2..4: the entry maps every
 * guest table, so the first access, to the PML4E, meets it).  Guest
 * entries are read (need R); with EPT A/D the reads are writes (need W,
 * bits 0 and 1 set, §28.2.1); without EPT A/D, setting A in a guest entry
 * afterwards is a write (need W, bit 1).  The access itself never shows.
 */
static void ref_paging(struct ept_case *c, unsigned level, unsigned v)
{
	bool ad = c->ctl & AD;
	unsigned fg = level == 1 ? 1 : 4;
	unsigned before = 5 * (4 - fg); /* guest levels done before */

	c->pglevel = 1;
	c->mod[0] = (struct emod){ level, v, EPT_RWX | EPT_UX };
	c->fg = fg;
	if (v == 0) {
		c->stop = MMU_EPT_VIOLATION;
		c->eq = EQ_R | (ad ? EQ_W : 0) | EQ_GLA;
		c->flevel = level;
		c->refs = before + 4 + 1 - level;
	} else if (ref_misconfig(v, c->ctl & XONLY)) {
		c->stop = MMU_EPT_MISCONFIG;
		c->flevel = level;
		c->refs = before + 4 + 1 - level;
	} else if (!(v & (ad ? EPT_W : EPT_R))) {
		c->stop = MMU_EPT_VIOLATION;
		c->eq = EQ_R | (ad ? EQ_W : 0) | mf_eq_perm(v) | EQ_GLA;
		c->refs = before + 4;
	} else if (!(v & EPT_W)) {
		/*
		 * the walk succeeds; setting A in the (first) entry is a write,
		 * a read-modify-write: bit 1 set, bit 0 implementation-specific
		 * (§28.2.1, below Table 28-7)
		 */
		c->stop = MMU_EPT_VIOLATION;
		c->eq = EQ_W | mf_eq_perm(v) | EQ_GLA;
		c->eq_any = EQ_R;
	} else {
		c->fg = 0;
		c->stop = MMU_OK;
		c->refs = 24;
	}
}

#define FINAL_4K (4 * 8 * 3 * 2)
#define FINAL_BIG (2 * 8 * 3 * 2)
#define PAGING (4 * 8 * 3 * 2)
#define NGEN (FINAL_4K + FINAL_BIG + PAGING)

static struct ept_case gen[NGEN];
static char gen_name[NGEN][128];

static void generate(void)
{
	static const char *const lname[] = { "", "PTE", "PDE", "PDPTE", "PML4E" };
	unsigned n = 0;

	for (unsigned i = 0; i < FINAL_4K + FINAL_BIG; i++, n++) {
		struct ept_case *c = &gen[n];
		unsigned k = i, v = k % 8, acc = (k /= 8) % 3, xonly = (k /= 3) % 2;
		unsigned where = k / 2; /* 0..3: level 4..1 of a 4K path; 4: 2M; 5: 1G */
		unsigned leaf = where < 4 ? 1 : where == 4 ? 2 : 3;
		unsigned level = where < 4 ? 4 - where : leaf;

		c->acc = (enum mmu_acc)acc;
		c->ctl = xonly ? XONLY : 0;
		c->eshift = pt_level_shift(leaf);
		ref_final(c, leaf, level, v);
		snprintf(gen_name[n], sizeof(gen_name[n]),
			 "final GPA, %s %s: RWX=%u%u%u, %s%s", lname[level],
			 leaf > 1 ? (leaf == 2 ? "(2 MiB leaf)" : "(1 GiB leaf)") : "",
			 v & 1, (v >> 1) & 1, (v >> 2) & 1, acc_name[acc],
			 xonly ? ", execute-only supported" : "");
		c->name = gen_name[n];
	}
	for (unsigned i = 0; i < PAGING; i++, n++) {
		struct ept_case *c = &gen[n];
		unsigned k = i, v = k % 8, acc = (k /= 8) % 3, ad = (k /= 3) % 2;
		unsigned level = 4 - k / 2;

		c->acc = (enum mmu_acc)acc;
		c->ctl = XONLY | (ad ? AD : 0);
		ref_paging(c, level, v);
		snprintf(gen_name[n], sizeof(gen_name[n]),
			 "guest PT page, EPT %s: RWX=%u%u%u, %s, EPT A/D %s",
			 lname[level], v & 1, (v >> 1) & 1, (v >> 2) & 1,
			 acc_name[acc], ad ? "on" : "off");
		c->name = gen_name[n];
	}
}

/* Reserved bits and page sizes (§29.3.3.1): misconfigurations, level by level. */
#define MIS(lvl, r) .stop = MMU_EPT_MISCONFIG, .flevel = (lvl), .refs = (r)
static const struct ept_case reserved_cases[] = {
	{ .name = "PML4E bit 40 (= MAXPHYADDR): misconfig after 21 refs",
	  .mod = { { 4, PTE_BIT(40), 0 } }, MIS(4, 21) },
	{ .name = "PML4E bit 51: misconfig",
	  .mod = { { 4, PTE_BIT(51), 0 } }, MIS(4, 21) },
	{ .name = "PML4E bit 3 (7:3 reserved): misconfig",
	  .mod = { { 4, PTE_BIT(3), 0 } }, MIS(4, 21) },
	{ .name = "PML4E bit 6: misconfig",
	  .mod = { { 4, PTE_BIT(6), 0 } }, MIS(4, 21) },
	{ .name = "PML4E PS (bit 7): misconfig",
	  .mod = { { 4, EPT_PS, 0 } }, MIS(4, 21) },
	{ .name = "non-leaf PDPTE bit 3: misconfig after 22 refs",
	  .mod = { { 3, PTE_BIT(3), 0 } }, MIS(3, 22) },
	{ .name = "non-leaf PDPTE bit 6: misconfig",
	  .mod = { { 3, PTE_BIT(6), 0 } }, MIS(3, 22) },
	{ .name = "non-leaf PDE bit 5: misconfig after 23 refs",
	  .mod = { { 2, PTE_BIT(5), 0 } }, MIS(2, 23) },
	{ .name = "non-leaf PDE bit 45: misconfig",
	  .mod = { { 2, PTE_BIT(45), 0 } }, MIS(2, 23) },
	{ .name = "PTE bit 40: misconfig after 24 refs",
	  .mod = { { 1, PTE_BIT(40), 0 } }, MIS(1, 24) },
	{ .name = "PTE memory type 2: misconfig",
	  .mod = { { 1, MT(2), EPT_MT } }, MIS(1, 24) },
	{ .name = "PTE memory type 3: misconfig",
	  .mod = { { 1, MT(3), EPT_MT } }, MIS(1, 24) },
	{ .name = "PTE memory type 7: misconfig",
	  .mod = { { 1, MT(7), EPT_MT } }, MIS(1, 24) },
	{ .name = "PTE memory type UC: translates, UC reported",
	  .mod = { { 1, MT(EPT_MT_UC), EPT_MT } }, .refs = 24,
	  .mt = MTX(EPT_MT_UC) },
	{ .name = "PTE memory type WC: translates, WC reported",
	  .mod = { { 1, MT(EPT_MT_WC), EPT_MT } }, .refs = 24, .mt = MTX(EPT_MT_WC) },
	{ .name = "PTE memory type WT: translates",
	  .mod = { { 1, MT(EPT_MT_WT), EPT_MT } }, .refs = 24, .mt = MTX(EPT_MT_WT) },
	{ .name = "PTE memory type WP: translates",
	  .mod = { { 1, MT(EPT_MT_WP), EPT_MT } }, .refs = 24, .mt = MTX(EPT_MT_WP) },
	{ .name = "PTE bit 7 is ignored in a PTE: translates",
	  .mod = { { 1, EPT_PS, 0 } }, .refs = 24 },
	{ .name = "PTE IPAT, bit 11 and bits 62:52 are not reserved: translates",
	  .mod = { { 1, EPT_IPAT | PTE_BIT(11) | PTE_BITS(62, 52), 0 } },
	  .refs = 24 },
	{ .name = "not-present PTE with bit 40 and memory type 7: violation, not misconfig",
	  .mod = { { 1, PTE_BIT(40) | MT(7), EPT_RWX | EPT_UX } },
	  .stop = MMU_EPT_VIOLATION, .eq = EQ_R | EQ_FIN, .flevel = 1, .refs = 24 },
	{ .name = "not-present PDE stops the walk before a misconfigured PTE",
	  .mod = { { 2, 0, EPT_RWX | EPT_UX }, { 1, MT(7), EPT_MT } },
	  .stop = MMU_EPT_VIOLATION, .eq = EQ_R | EQ_FIN, .flevel = 2, .refs = 23 },
	{ .name = "misconfig below an entry denying the write wins over the violation",
	  .acc = MMU_WRITE,
	  .mod = { { 4, 0, EPT_W }, { 1, EPT_W | EPT_X, EPT_RWX } }, MIS(1, 24) },
	{ .name = "MAXPHYADDR 46: PTE bit 45 is address",
	  .ctl = M46, .mod = { { 1, PTE_BIT(45), 0 } }, .refs = 24,
	  .pa_or = PTE_BIT(45) },
	{ .name = "MAXPHYADDR 46: PTE bit 46 is reserved",
	  .ctl = M46, .mod = { { 1, PTE_BIT(46), 0 } }, MIS(1, 24) },
	/* 2 MiB EPT page of the final GPA */
	{ .name = "2 MiB leaf without 2 MiB EPT pages: misconfig at the PDE",
	  .ctl = NO_2M, .eshift = 21, MIS(2, 23) },
	{ .name = "2 MiB leaf: bit 12 reserved",
	  .eshift = 21, .mod = { { 2, PTE_BIT(12), 0 } }, MIS(2, 23) },
	{ .name = "2 MiB leaf: bit 20 reserved",
	  .eshift = 21, .mod = { { 2, PTE_BIT(20), 0 } }, MIS(2, 23) },
	{ .name = "2 MiB leaf: bit 40 reserved",
	  .eshift = 21, .mod = { { 2, PTE_BIT(40), 0 } }, MIS(2, 23) },
	{ .name = "2 MiB leaf: memory type 7",
	  .eshift = 21, .mod = { { 2, MT(7), EPT_MT } }, MIS(2, 23) },
	{ .name = "2 MiB leaf: bit 21 is address",
	  .eshift = 21, .mod = { { 2, PTE_BIT(21), 0 } }, .refs = 23,
	  .pa_or = PTE_BIT(21) },
	{ .name = "2 MiB leaf without 1 GiB EPT pages: translates",
	  .ctl = NO_1G, .eshift = 21, .refs = 23 },
	/* 1 GiB EPT page of the final GPA */
	{ .name = "1 GiB leaf without 1 GiB EPT pages: misconfig at the PDPTE",
	  .ctl = NO_1G, .eshift = 30, MIS(3, 22) },
	{ .name = "1 GiB leaf: bit 12 reserved",
	  .eshift = 30, .mod = { { 3, PTE_BIT(12), 0 } }, MIS(3, 22) },
	{ .name = "1 GiB leaf: bit 29 reserved",
	  .eshift = 30, .mod = { { 3, PTE_BIT(29), 0 } }, MIS(3, 22) },
	{ .name = "1 GiB leaf: memory type 2",
	  .eshift = 30, .mod = { { 3, MT(2), EPT_MT } }, MIS(3, 22) },
	{ .name = "1 GiB leaf: bit 30 is address",
	  .eshift = 30, .mod = { { 3, PTE_BIT(30), 0 } }, .refs = 22,
	  .pa_or = PTE_BIT(30) },
	{ .name = "1 GiB leaf without 2 MiB EPT pages: translates",
	  .ctl = NO_2M, .eshift = 30, .refs = 22 },
	/* 5-level EPT: the guest walk costs 4 x 6 */
	{ .name = "5-level EPT: translates after 29 refs",
	  .ctl = EPT5, .refs = 29 },
	/* the one PML5E maps every GPA here: the PML4E's GPA meets it first */
	{ .name = "5-level EPT: PML5E bit 3: misconfig on the PML4E's GPA, 1 ref",
	  .ctl = EPT5, .mod = { { 5, PTE_BIT(3), 0 } }, .fg = 4, MIS(5, 1) },
	{ .name = "5-level EPT: PML5E PS: misconfig",
	  .ctl = EPT5, .mod = { { 5, EPT_PS, 0 } }, .fg = 4, MIS(5, 1) },
	{ .name = "5-level EPT: PML5E bit 40: misconfig",
	  .ctl = EPT5, .mod = { { 5, PTE_BIT(40), 0 } }, .fg = 4, MIS(5, 1) },
	{ .name = "5-level EPT: PML5E bit 7 clear, bits 6:3 set: misconfig",
	  .ctl = EPT5, .mod = { { 5, PTE_BITS(6, 3), 0 } }, .fg = 4, MIS(5, 1) },
	{ .name = "5-level EPT: PML4E bit 7 still reserved: misconfig",
	  .ctl = EPT5, .mod = { { 4, EPT_PS, 0 } }, MIS(4, 26) },
	/* on the path of a guest table's GPA: the fault names that access */
	{ .name = "guest PT page's EPT PTE memory type 3: misconfig on the PTE's GPA",
	  .pglevel = 1, .mod = { { 1, MT(3), EPT_MT } }, .fg = 1, MIS(1, 19) },
	{ .name = "guest tables' EPT PML4E with PS: misconfig on the PML4E's GPA, 1 ref",
	  .pglevel = 1, .mod = { { 4, EPT_PS, 0 } }, .fg = 4, MIS(4, 1) },
	{ .name = "guest tables' EPT PDE bit 6: misconfig on the PML4E's GPA, 3 refs",
	  .pglevel = 1, .mod = { { 2, PTE_BIT(6), 0 } }, .fg = 4, MIS(2, 3) },
	{ .name = "guest PD page's EPT PTE bit 40: misconfig on the PDE's GPA",
	  .pglevel = 2, .mod = { { 1, PTE_BIT(40), 0 } }, .fg = 2, MIS(1, 14) },
};

/*
 * Mode-based execute control: X is execute for supervisor-mode linear
 * addresses, UX (bit 10) for user-mode ones (U/S = 1 at every guest
 * level), whatever the CPL.  Execute-only supported in these cases.
 */
#define SUP_PAGE (PTE_P | PTE_RW)
static const struct ept_case mbec_cases[] = {
	{ .name = "MBEC: supervisor fetch, supervisor page, EPT R|X: allowed",
	  .ctl = MBEC | XONLY, .gflags = SUP_PAGE, .eflags = EF(EPT_R | EPT_X),
	  .acc = MMU_FETCH, .refs = 24, .eperm = MMU_EPERM_R | MMU_EPERM_X },
	{ .name = "MBEC: supervisor fetch, supervisor page, EPT R|UX: violation R,UX",
	  .ctl = MBEC | XONLY, .gflags = SUP_PAGE, .eflags = EF(EPT_R | EPT_UX),
	  .acc = MMU_FETCH, .stop = MMU_EPT_VIOLATION,
	  .eq = EQ_F | EQ_RD | EQ_UX | EQ_FIN, .refs = 24 },
	{ .name = "MBEC: user fetch, user page, EPT R|X: violation R,X",
	  .ctl = MBEC | XONLY, .eflags = EF(EPT_R | EPT_X), .acc = MMU_FETCH,
	  .user = true, .stop = MMU_EPT_VIOLATION,
	  .eq = EQ_F | EQ_RD | EQ_EX | EQ_FIN, .refs = 24 },
	{ .name = "MBEC: user fetch, user page, EPT R|UX: allowed",
	  .ctl = MBEC | XONLY, .eflags = EF(EPT_R | EPT_UX), .acc = MMU_FETCH,
	  .user = true, .refs = 24, .eperm = MMU_EPERM_R | MMU_EPERM_UX },
	{ .name = "MBEC: supervisor fetch from a user page needs UX: R|X denied",
	  .ctl = MBEC | XONLY, .eflags = EF(EPT_R | EPT_X), .acc = MMU_FETCH,
	  .stop = MMU_EPT_VIOLATION, .eq = EQ_F | EQ_RD | EQ_EX | EQ_FIN },
	{ .name = "MBEC: supervisor fetch from a user page with R|UX: allowed",
	  .ctl = MBEC | XONLY, .eflags = EF(EPT_R | EPT_UX), .acc = MMU_FETCH,
	  .refs = 24 },
	{ .name = "MBEC: U/S = 0 in the guest PML4E makes a supervisor address: X rules",
	  .ctl = MBEC | XONLY, .eflags = EF(EPT_R | EPT_X), .gclear_level = 4,
	  .acc = MMU_FETCH, .refs = 24 },
	{ .name = "MBEC: UX alone makes an entry present: user fetch allowed",
	  .ctl = MBEC | XONLY, .eflags = EF(EPT_UX),
	  .acc = MMU_FETCH, .user = true, .refs = 24,
	  .eperm = MMU_EPERM_UX },
	{ .name = "MBEC: UX-only entry, read: violation with only bit 6 of the rights",
	  .ctl = MBEC | XONLY, .eflags = EF(EPT_UX), .user = true,
	  .stop = MMU_EPT_VIOLATION, .eq = EQ_R | EQ_UX | EQ_FIN, .refs = 24 },
	{ .name = "MBEC: UX clear in the final GPA's EPT PDPTE: user fetch denied",
	  .ctl = MBEC | XONLY, .acc = MMU_FETCH, .user = true,
	  .mod = { { 3, 0, EPT_UX } }, .stop = MMU_EPT_VIOLATION,
	  .eq = EQ_F | EQ_RD | EQ_WR | EQ_EX | EQ_FIN, .refs = 24 },
	{ .name = "MBEC: a guest-table read needs R only, not X or UX",
	  .ctl = MBEC | XONLY, .acc = MMU_FETCH, .user = true, .pglevel = 1,
	  .mod = { { 1, 0, EPT_X | EPT_UX } }, .refs = 24 },
	{ .name = "MBEC: not-present entry in the final GPA's path: all rights 0",
	  .ctl = MBEC | XONLY, .acc = MMU_FETCH, .user = true,
	  .mod = { { 2, 0, EPT_RWX | EPT_UX } }, .stop = MMU_EPT_VIOLATION,
	  .eq = EQ_F | EQ_FIN, .flevel = 2, .refs = 23 },
	{ .name = "no MBEC: bit 10 alone is not present: violation, rights 0",
	  .ctl = XONLY, .eflags = EF(EPT_UX), .acc = MMU_FETCH,
	  .user = true, .stop = MMU_EPT_VIOLATION, .eq = EQ_F | EQ_FIN,
	  .flevel = 1, .refs = 24 },
	{ .name = "no MBEC: a user fetch needs X only: R|X allowed",
	  .eflags = EF(EPT_R | EPT_X), .acc = MMU_FETCH,
	  .user = true, .refs = 24 },
	{ .name = "no MBEC: UX does not execute, exit-qualification bit 6 stays 0",
	  .eflags = EF(EPT_R | EPT_UX), .acc = MMU_FETCH,
	  .user = true, .stop = MMU_EPT_VIOLATION, .eq = EQ_F | EQ_RD | EQ_FIN,
	  .refs = 24 },
};

/* mmu_ept_set: the EPTP checks of VM entry (§27.2.1.1), Table 25-9. */
#define ROOT UINT64_C(0x123456000)
#define PWL(n) ((uint64_t)((n) - 1) << EPTP_PWL_SHIFT)

struct eptp_case {
	const char *name;
	unsigned ctl;           /* NO_5: no 5-level EPT; NO_AD; M52; MBEC_CAP */
	bool enabled, mbec;
	uint64_t eptp;
	int rc;
	unsigned levels;
	bool ad;
};

#define NO_5 (1u << 0)
#define NO_AD (1u << 1)
#define M52 (1u << 2)
#define MBEC_CAP (1u << 3)

static const struct eptp_case eptp_cases[] = {
	{ "WB, 4-level: accepted", 0, true, false, ROOT | EPT_MT_WB | PWL(4), 0, 4, false },
	{ "UC, 4-level: accepted", 0, true, false, ROOT | EPT_MT_UC | PWL(4), 0, 4, false },
	{ "memory type WC: rejected", 0, true, false, ROOT | EPT_MT_WC | PWL(4), -EINVAL, 0, false },
	{ "memory type 2: rejected", 0, true, false, ROOT | 2 | PWL(4), -EINVAL, 0, false },
	{ "memory type WT: rejected", 0, true, false, ROOT | EPT_MT_WT | PWL(4), -EINVAL, 0, false },
	{ "memory type WP: rejected", 0, true, false, ROOT | EPT_MT_WP | PWL(4), -EINVAL, 0, false },
	{ "memory type 7: rejected", 0, true, false, ROOT | 7 | PWL(4), -EINVAL, 0, false },
	{ "walk length 5 with 5-level EPT: accepted", 0, true, false, ROOT | EPT_MT_WB | PWL(5), 0, 5, false },
	{ "walk length 5 without 5-level EPT: rejected", NO_5, true, false, ROOT | EPT_MT_WB | PWL(5), -EINVAL, 0, false },
	{ "walk length 3: rejected", 0, true, false, ROOT | EPT_MT_WB | PWL(3), -EINVAL, 0, false },
	{ "walk length 1: rejected", 0, true, false, ROOT | EPT_MT_WB | PWL(1), -EINVAL, 0, false },
	{ "walk length 8: rejected", 0, true, false, ROOT | EPT_MT_WB | PWL(8), -EINVAL, 0, false },
	{ "A/D with EPT A/D supported: accepted, A/D on", 0, true, false, ROOT | EPT_MT_WB | PWL(4) | EPTP_AD, 0, 4, true },
	{ "A/D without EPT A/D: rejected", NO_AD, true, false, ROOT | EPT_MT_WB | PWL(4) | EPTP_AD, -EINVAL, 0, false },
	{ "bit 7 (shadow stacks, unsupported): rejected", 0, true, false, ROOT | EPT_MT_WB | PWL(4) | PTE_BIT(7), -EINVAL, 0, false },
	{ "bit 8 reserved: rejected", 0, true, false, ROOT | EPT_MT_WB | PWL(4) | PTE_BIT(8), -EINVAL, 0, false },
	{ "bit 9 reserved: rejected", 0, true, false, ROOT | EPT_MT_WB | PWL(4) | PTE_BIT(9), -EINVAL, 0, false },
	{ "bit 10 reserved: rejected", 0, true, false, ROOT | EPT_MT_WB | PWL(4) | PTE_BIT(10), -EINVAL, 0, false },
	{ "bit 11 reserved: rejected", 0, true, false, ROOT | EPT_MT_WB | PWL(4) | PTE_BIT(11), -EINVAL, 0, false },
	{ "address bit 39 below MAXPHYADDR 40: accepted", 0, true, false, PTE_BIT(39) | ROOT | EPT_MT_WB | PWL(4), 0, 4, false },
	{ "address bit 40 at MAXPHYADDR 40: rejected", 0, true, false, PTE_BIT(40) | ROOT | EPT_MT_WB | PWL(4), -EINVAL, 0, false },
	{ "bit 63: rejected", 0, true, false, PTE_BIT(63) | ROOT | EPT_MT_WB | PWL(4), -EINVAL, 0, false },
	{ "address bit 51 with MAXPHYADDR 52: accepted", M52, true, false, PTE_BIT(51) | ROOT | EPT_MT_WB | PWL(4), 0, 4, false },
	{ "MBEC without the capability: rejected", 0, true, true, ROOT | EPT_MT_WB | PWL(4), -EINVAL, 0, false },
	{ "MBEC with the capability: accepted", MBEC_CAP, true, true, ROOT | EPT_MT_WB | PWL(4), 0, 4, false },
	{ "MBEC without enable EPT: rejected", MBEC_CAP, false, true, ROOT | EPT_MT_WB | PWL(4), -EINVAL, 0, false },
	{ "EPT off: the EPTP is not checked", 0, false, false, ~UINT64_C(0), 0, 0, false },
};

static void run_eptp_case(void **state)
{
	const struct eptp_case *c = *state;
	const struct mmu_ept before = { .me_enabled = true, .me_eptp = 0x5e,
					.me_root = 0x7000, .me_levels = 4 };
	const char *why = NULL;
	struct pmem pm;
	struct mmu m;
	int rc;

	assert_int_equal(pmem_init(&pm, PAGE_SIZE), 0);
	memset(&m, 0, sizeof(m));
	m.mu_mem = &pm;
	m.mu_caps = (struct mmu_caps){
		.maxphyaddr = (c->ctl & M52) ? 52 : 40,
		.page1g = true, .la57 = true, .ept_2m = true, .ept_1g = true,
		.ept_5level = !(c->ctl & NO_5), .ept_ad = !(c->ctl & NO_AD),
		.ept_mbec = (c->ctl & MBEC_CAP) != 0,
	};
	m.mu_ept = before;
	rc = mmu_ept_set(&m, c->enabled, c->mbec, c->eptp, &why);
	if (rc != c->rc)
		fail_msg("%s: mmu_ept_set returned %d, want %d (%s)", c->name,
			 rc, c->rc, why ? why : "no reason");
	if (rc != 0) {
		assert_non_null(why);
		/* a refused EPTP changes nothing */
		assert_true(m.mu_ept.me_enabled == before.me_enabled &&
			    m.mu_ept.me_mbec == before.me_mbec &&
			    m.mu_ept.me_eptp == before.me_eptp &&
			    m.mu_ept.me_root == before.me_root &&
			    m.mu_ept.me_levels == before.me_levels &&
			    m.mu_ept.me_ad == before.me_ad);
	} else if (c->enabled) {
		assert_true(m.mu_ept.me_enabled);
		assert_int_equal(m.mu_ept.me_mbec, c->mbec);
		assert_int_equal(m.mu_ept.me_eptp, c->eptp);
		assert_int_equal(m.mu_ept.me_root, c->eptp & PTE_BITS(51, 12));
		assert_int_equal(m.mu_ept.me_levels, c->levels);
		assert_int_equal(m.mu_ept.me_ad, c->ad);
	} else {
		assert_false(m.mu_ept.me_enabled);
	}
	pmem_fini(&pm);
}

int main(void)
{
	struct tl_tests ts = { 0 };

	generate();
	tl_tests_rows(&ts, gen, NGEN, sizeof(gen[0]), run_case_test);
	TL_ROWS(&ts, reserved_cases, run_case_test);
	TL_ROWS(&ts, mbec_cases, run_case_test);
	TL_ROWS(&ts, eptp_cases, run_eptp_case);
	return tl_tests_run(&ts, "ept");
}
