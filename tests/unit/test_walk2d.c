/*
 * test_walk2d.c - the two-dimensional walk of mmu_translate: a guest walk
 * whose every entry read, and whose final GPA, passes through an EPT walk
 * (SDM Vol. 3C §29.3.2; guest side Vol. 3A §4.5-4.8).  What it proves:
 * the cost of a walk with nothing cached (4 x (4 + 1) + 4 = 24 memory
 * references, 5 x (5 + 1) + 5 = 35) and its order; page sizes in both
 * dimensions; the guest #PF under EPT; which access an EPT fault names
 * (a guest paging-structure entry, or the final GPA: exit qualification
 * bit 8, §28.2.1); A/D flags in both dimensions, with EPT A/D on and off
 * (§4.8, §29.3.5), after successes and faults.
 *
 * Layout (tests/lib/mmufix.h), fresh for every case: MAXPHYADDR 40,
 * 4-level guest and EPT unless a case says, no walk caches.
 *
 *   VA  0x00007f127456789a      guest page of 4 KiB, 2 MiB or 1 GiB
 *   the guest page's GPA        MF_GPA_DATA (0x8040000000) + 0x1234000
 *                               (4 KiB), + 0x1200000 (2 MiB), + 0 (1 GiB)
 *   final GPA                   that + the VA's offset in the page
 *   HPA                         mf_hpa_data(GPA) = GPA - MF_GPA_DATA +
 *                               0x40000000, EPT page of 4 KiB, 2 MiB, 1 GiB
 *   guest tables                GPA 0x100000 (root) up, 4 KiB EPT pages
 *                               (R W X UX) backed from HPA 0x300000 up
 *
 * Guest entries are P RW US with A and D clear unless a case says.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/lib/tltab.h"
#include "tests/lib/mmufix.h"

#define VA UINT64_C(0x00007f127456789a)

/* case controls */
#define AD (1u << 0)        /* the EPTP enables EPT A/D */
#define NO_WP (1u << 1)
#define NO_NXE (1u << 2)
#define NO_1G (1u << 3)     /* no 1 GiB guest pages */
#define SMEP (1u << 4)
#define SMAP (1u << 5)
#define PKE (1u << 6)
#define TABLES_RO (1u << 7) /* every guest table page EPT R|X only */
#define PT_RO (1u << 8)     /* the guest PT page alone EPT R|X only */
#define A_SET (1u << 9)     /* A already set in every guest entry of the path */
#define D_SET (1u << 10)    /* D already set in the guest leaf */

#define EQ_GLA EPT_EQ_GLA_VALID
#define EQ_FIN (EPT_EQ_GLA_VALID | EPT_EQ_GLA_FINAL)
#define EQ_R EPT_EQ_READ
#define EQ_W EPT_EQ_WRITE
#define EQ_F EPT_EQ_FETCH
#define EQ_RX (EPT_EQ_READABLE | EPT_EQ_EXECUTABLE)
#define EQ_RWX (EPT_EQ_READABLE | EPT_EQ_WRITABLE | EPT_EQ_EXECUTABLE)
#define EC_P PF_EC_P
#define EC_W PF_EC_W
#define EC_U PF_EC_U
#define EC_R PF_EC_RSVD
#define EC_I PF_EC_I
#define EC_PK PF_EC_PK

struct gmod {
	unsigned level;         /* guest level on the path of VA; 0: none */
	uint64_t set, clear;
};

struct w2_case {
	const char *name;
	unsigned glevels, elevels; /* 0: 4 */
	unsigned gshift, eshift;   /* page sizes; 0: 12 */
	unsigned ctl;
	uint32_t pkru;
	struct gmod gmod[2];
	/* one EPT entry changed: at `elevel` on the path of the guest entry at `eglevel` (0: the final GPA) */
	unsigned elevel, eglevel;
	uint64_t eset, eclear;
	enum mmu_acc acc;
	bool user;
	/* expected */
	enum mmu_stop stop;
	uint32_t ec;            /* #PF */
	uint64_t eq, eq_any;    /* EPT violation: exit qualification, bits either way */
	unsigned fg;            /* EPT fault: guest level whose entry was accessed; 0: final GPA */
	unsigned flevel;
	unsigned refs;          /* 0: not checked */
};

static uint64_t gpage_of(unsigned gshift)
{
	return MF_GPA_DATA + (gshift == 12   ? UINT64_C(0x1234000)
			      : gshift == 21 ? UINT64_C(0x1200000)
					     : 0);
}

static uint64_t final_gpa(unsigned gshift)
{
	return gpage_of(gshift) | (VA & ((UINT64_C(1) << gshift) - 1));
}

/* build the machine of case `c` (not yet translated) */
static void setup(struct mmufix *f, const struct w2_case *c)
{
	unsigned gshift = c->gshift ? c->gshift : 12;
	unsigned eshift = c->eshift ? c->eshift : 12;
	unsigned glevels = c->glevels ? c->glevels : 4;

	mmufix_start(f, glevels, c->elevels ? c->elevels : 4, 0);
	f->ept_ad = (c->ctl & AD) != 0;
	f->m.mu_caps.page1g = !(c->ctl & NO_1G);
	f->m.mu_regs.wp = !(c->ctl & NO_WP);
	f->m.mu_regs.nxe = !(c->ctl & NO_NXE);
	f->m.mu_regs.smep = (c->ctl & SMEP) != 0;
	f->m.mu_regs.smap = (c->ctl & SMAP) != 0;
	f->m.mu_regs.pke = (c->ctl & PKE) != 0;
	f->m.mu_regs.pkru = c->pkru;
	mf_map_guest(f, VA & ~((UINT64_C(1) << gshift) - 1), gpage_of(gshift),
		     gshift, MF_G_ALL | ((c->ctl & D_SET) ? PTE_A | PTE_D : 0));
	mf_map_ept_data(f, final_gpa(gshift), eshift, MF_E_ALL);
	mmufix_go(f);

	for (unsigned l = glevels; l >= 1; l--) {
		bool leaf = l == mf_gleaf(f, VA);
		uint64_t page = mf_gentry_gpa(f, VA, l) & ~PAGE_MASK;

		if ((c->ctl & TABLES_RO) || ((c->ctl & PT_RO) && l == 1))
			mf_mod(f, mf_eentry(f, page, 1), 0, EPT_W);
		if (c->ctl & A_SET)
			mf_mod(f, mf_gentry(f, VA, l), PTE_A, 0);
		if (leaf)
			break;
	}
}

static void run_case(const struct w2_case *c)
{
	unsigned gshift = c->gshift ? c->gshift : 12;
	unsigned eshift = c->eshift ? c->eshift : 12;
	uint64_t gpa = final_gpa(gshift), fault_gpa = gpa, hpa[3] = { 0 };
	struct mmufix f = { 0 };
	struct mmu_walk w;
	struct mf_snap s;

	setup(&f, c);
	/* addresses first: a changed entry may no longer lead anywhere */
	if (c->fg)
		fault_gpa = mf_gentry_gpa(&f, VA, c->fg);
	for (unsigned i = 0; i < 2; i++)
		if (c->gmod[i].level)
			hpa[i] = mf_gentry(&f, VA, c->gmod[i].level);
	if (c->elevel)
		hpa[2] = mf_eentry(&f, c->eglevel ? mf_gentry_gpa(&f, VA, c->eglevel)
						  : gpa, c->elevel);
	for (unsigned i = 0; i < 2; i++)
		if (c->gmod[i].level)
			mf_mod(&f, hpa[i], c->gmod[i].set, c->gmod[i].clear);
	if (c->elevel)
		mf_mod(&f, hpa[2], c->eset, c->eclear);

	mf_snap_take(&f, &s);
	if (c->stop == MMU_OK)
		mf_snap_want_ad(&f, &s, VA, c->acc == MMU_WRITE);
	mf_xlate(&f, VA, c->acc, c->user, &w);

	TL_EXPECT(c, "stop", w.stop, c->stop);
	if (c->refs)
		TL_EXPECT(c, "mem_refs", w.mem_refs, c->refs);
	switch (c->stop) {
	case MMU_OK:
		TL_EXPECT(c, "gpa", w.gpa, gpa);
		TL_EXPECT(c, "pa", w.pa, mf_hpa_data(gpa));
		TL_EXPECT(c, "guest_shift", w.guest_shift, gshift);
		TL_EXPECT(c, "ept_shift", w.ept_shift, eshift);
		TL_EXPECT(c, "page_shift", w.page_shift,
		       gshift < eshift ? gshift : eshift);
		TL_EXPECT(c, "dirty", w.dirty,
		       c->acc == MMU_WRITE || (c->ctl & D_SET));
		break;
	case MMU_EPT_VIOLATION:
		TL_EXPECT(c, "exit_qual", w.exit_qual & ~c->eq_any,
		       c->eq & ~c->eq_any);
		/* fall through */
	case MMU_EPT_MISCONFIG:
		TL_EXPECT(c, "fault_dim", w.fault_dim, MMU_DIM_EPT);
		TL_EXPECT(c, "fault_gpa", w.fault_gpa, fault_gpa);
		TL_EXPECT(c, "fault_paging", w.fault_paging, c->fg != 0);
		TL_EXPECT(c, "fault_level", w.fault_level, c->flevel);
		break;
	default:
		TL_EXPECT(c, "error_code", w.error_code, c->ec);
		TL_EXPECT(c, "fault_dim", w.fault_dim, MMU_DIM_GUEST);
		TL_EXPECT(c, "fault_level", w.fault_level, c->flevel);
		break;
	}
	mf_snap_check(&f, &s, c->name);
	mf_snap_free(&s);
	mmufix_stop(&f);
}

static void run_case_test(void **state)
{
	run_case(*state);
}

/* Page sizes in both dimensions: refs = 5 per guest level + the final EPT walk. */
static const struct w2_case size_cases[] = {
	{ .name = "guest 4K, EPT 4K: 24 refs", .refs = 24 },
	{ .name = "guest 4K, EPT 2M: 20 + 3 refs", .eshift = 21, .refs = 23 },
	{ .name = "guest 4K, EPT 1G: 20 + 2 refs", .eshift = 30, .refs = 22 },
	{ .name = "guest 2M, EPT 4K: 15 + 4 refs, a 4 KiB TLB entry",
	  .gshift = 21, .refs = 19 },
	{ .name = "guest 2M, EPT 2M: 15 + 3 refs", .gshift = 21, .eshift = 21,
	  .refs = 18 },
	{ .name = "guest 2M, EPT 1G: 15 + 2 refs", .gshift = 21, .eshift = 30,
	  .refs = 17 },
	{ .name = "guest 1G, EPT 4K: 10 + 4 refs", .gshift = 30, .refs = 14 },
	{ .name = "guest 1G, EPT 2M: 10 + 3 refs, a 2 MiB TLB entry",
	  .gshift = 30, .eshift = 21, .refs = 13 },
	{ .name = "guest 1G, EPT 1G: 10 + 2 refs", .gshift = 30, .eshift = 30,
	  .refs = 12 },
	{ .name = "guest 1G, EPT 1G, write: D in both leaves",
	  .gshift = 30, .eshift = 30, .acc = MMU_WRITE, .ctl = AD, .refs = 12 },
	{ .name = "5-level guest, 4-level EPT, 4K: 5 x 5 + 4 = 29 refs",
	  .glevels = 5, .refs = 29 },
	{ .name = "4-level guest, 5-level EPT, 4K: 4 x 6 + 5 = 29 refs",
	  .elevels = 5, .refs = 29 },
	{ .name = "5-level guest, 5-level EPT, 4K: 5 x 6 + 5 = 35 refs",
	  .glevels = 5, .elevels = 5, .refs = 35 },
	{ .name = "5-level guest, 5-level EPT, guest 2M, EPT 1G: 4 x 6 + 3 = 27 refs",
	  .glevels = 5, .elevels = 5, .gshift = 21, .eshift = 30, .refs = 27 },
};

/*
 * Guest #PF under EPT: the error code is the native one; the walk costs 5
 * references per guest entry read, and a rights fault is found before the
 * final GPA is translated (no access to it is made).
 */
#define PF(ec_, lvl, r) .stop = MMU_PROTECTION, .ec = (ec_), .flevel = (lvl), .refs = (r)
#define NP(ec_, lvl, r) .stop = MMU_NOT_PRESENT, .ec = (ec_), .flevel = (lvl), .refs = (r)
#define RS(ec_, lvl, r) .stop = MMU_RESERVED, .ec = (ec_), .flevel = (lvl), .refs = (r)
static const struct w2_case guest_pf_cases[] = {
	{ .name = "guest PML4E not present: #PF after 5 refs",
	  .gmod = { { 4, 0, PTE_P } }, NP(0, 4, 5) },
	{ .name = "guest PDPTE not present, user write: W|U after 10 refs",
	  .acc = MMU_WRITE, .user = true, .gmod = { { 3, 0, PTE_P } },
	  NP(EC_W | EC_U, 3, 10) },
	{ .name = "guest PDE not present, fetch: I after 15 refs",
	  .acc = MMU_FETCH, .gmod = { { 2, 0, PTE_P } }, NP(EC_I, 2, 15) },
	{ .name = "guest PTE not present: after 20 refs, the final GPA untouched",
	  .gmod = { { 1, 0, PTE_P } }, NP(0, 1, 20) },
	{ .name = "guest PML4E bit 40 (reserved): P|RSVD after 5 refs",
	  .gmod = { { 4, PTE_BIT(40), 0 } }, RS(EC_P | EC_R, 4, 5) },
	{ .name = "guest PDPTE with PS, no 1 GiB pages: P|RSVD after 10 refs",
	  .ctl = NO_1G, .gshift = 30, RS(EC_P | EC_R, 3, 10) },
	{ .name = "guest 2 MiB PDE bit 13: P|RSVD after 15 refs",
	  .gshift = 21, .gmod = { { 2, PTE_BIT(13), 0 } }, RS(EC_P | EC_R, 2, 15) },
	{ .name = "guest PTE bit 51, user read: P|U|RSVD after 20 refs",
	  .user = true, .gmod = { { 1, PTE_BIT(51), 0 } },
	  RS(EC_P | EC_U | EC_R, 1, 20) },
	{ .name = "guest PTE XD with NXE = 0: P|RSVD",
	  .ctl = NO_NXE, .gmod = { { 1, PTE_XD, 0 } }, RS(EC_P | EC_R, 1, 20) },
	{ .name = "U/S: user read, U/S = 0 in the guest PDPTE: P|U, 20 refs",
	  .user = true, .gmod = { { 3, 0, PTE_US } }, PF(EC_P | EC_U, 0, 20) },
	{ .name = "R/W: user write to a read-only guest page: P|W|U",
	  .acc = MMU_WRITE, .user = true, .gmod = { { 1, 0, PTE_RW } },
	  PF(EC_P | EC_W | EC_U, 0, 20) },
	{ .name = "WP: supervisor write, R/W = 0 in the guest PML4E, WP = 1: P|W",
	  .acc = MMU_WRITE, .gmod = { { 4, 0, PTE_RW } }, PF(EC_P | EC_W, 0, 20) },
	{ .name = "WP = 0: supervisor write to a read-only guest page succeeds",
	  .ctl = NO_WP, .acc = MMU_WRITE, .gmod = { { 4, 0, PTE_RW } }, .refs = 24 },
	{ .name = "NX: fetch, XD in the guest PDE: P|I",
	  .acc = MMU_FETCH, .gmod = { { 2, PTE_XD, 0 } }, PF(EC_P | EC_I, 0, 20) },
	{ .name = "SMEP: supervisor fetch from a guest user page: P|I",
	  .ctl = SMEP, .acc = MMU_FETCH, PF(EC_P | EC_I, 0, 20) },
	{ .name = "SMAP: supervisor read of a guest user page: P",
	  .ctl = SMAP, PF(EC_P, 0, 20) },
	{ .name = "PKE: user write, WD of key 3: P|W|U|PK",
	  .ctl = PKE, .pkru = 2u << 6, .acc = MMU_WRITE, .user = true,
	  .gmod = { { 1, (uint64_t)3 << PTE_PKEY_SHIFT, 0 } },
	  PF(EC_P | EC_W | EC_U | EC_PK, 0, 20) },
	{ .name = "guest #PF wins over an EPT violation the final GPA would cause",
	  .user = true, .gmod = { { 1, 0, PTE_US } },
	  .elevel = 1, .eclear = EPT_RWX | EPT_UX, PF(EC_P | EC_U, 0, 20) },
	{ .name = "5-level guest: PML5E not present after 5 refs",
	  .glevels = 5, .gmod = { { 5, 0, PTE_P } }, NP(0, 5, 5) },
};

/*
 * EPT faults: on the GPA of a guest paging-structure entry (bit 8 = 0, the
 * access a read whatever the instruction did) or on the final GPA (bit 8
 * = 1, the instruction's access).  The PT page of level l is made not
 * present in the EPT: 5 refs per guest level before it, then 4.
 */
#define VIO(eq_, g, lvl, r) .stop = MMU_EPT_VIOLATION, .eq = (eq_), .fg = (g), .flevel = (lvl), .refs = (r)
#define NOT_PRESENT_PAGE(g) .elevel = 1, .eglevel = (g), .eclear = EPT_RWX | EPT_UX
static const struct w2_case ept_fault_cases[] = {
	{ .name = "guest PML4 page not in the EPT: violation on the PML4E's GPA, 4 refs",
	  NOT_PRESENT_PAGE(4), VIO(EQ_R | EQ_GLA, 4, 1, 4) },
	{ .name = "guest PDPT page not in the EPT: on the PDPTE's GPA, 9 refs",
	  NOT_PRESENT_PAGE(3), VIO(EQ_R | EQ_GLA, 3, 1, 9) },
	{ .name = "guest PD page not in the EPT: on the PDE's GPA, 14 refs",
	  NOT_PRESENT_PAGE(2), VIO(EQ_R | EQ_GLA, 2, 1, 14) },
	{ .name = "guest PT page not in the EPT: on the PTE's GPA, 19 refs",
	  NOT_PRESENT_PAGE(1), VIO(EQ_R | EQ_GLA, 1, 1, 19) },
	{ .name = "a write's guest-table access is a read: bit 0 only, bit 8 clear",
	  .acc = MMU_WRITE, NOT_PRESENT_PAGE(1), VIO(EQ_R | EQ_GLA, 1, 1, 19) },
	{ .name = "a fetch's guest-table access is a read: bit 0 only",
	  .acc = MMU_FETCH, .user = true, NOT_PRESENT_PAGE(2),
	  VIO(EQ_R | EQ_GLA, 2, 1, 14) },
	{ .name = "with EPT A/D the guest-table access is a write: bits 0 and 1",
	  .ctl = AD, .acc = MMU_FETCH, NOT_PRESENT_PAGE(3),
	  VIO(EQ_R | EQ_W | EQ_GLA, 3, 1, 9) },
	{ .name = "final GPA not in the EPT, read: bits 0, 7, 8 after 24 refs",
	  .elevel = 1, .eclear = EPT_RWX | EPT_UX, VIO(EQ_R | EQ_FIN, 0, 1, 24) },
	{ .name = "final GPA not in the EPT, write: bits 1, 7, 8",
	  .acc = MMU_WRITE, .elevel = 1, .eclear = EPT_RWX | EPT_UX,
	  VIO(EQ_W | EQ_FIN, 0, 1, 24) },
	{ .name = "final GPA not in the EPT, fetch: bits 2, 7, 8",
	  .acc = MMU_FETCH, .elevel = 1, .eclear = EPT_RWX | EPT_UX,
	  VIO(EQ_F | EQ_FIN, 0, 1, 24) },
	{ .name = "final GPA read-only, write: rights R,X in bits 3..5",
	  .acc = MMU_WRITE, .elevel = 1, .eclear = EPT_W,
	  VIO(EQ_W | EQ_RX | EQ_FIN, 0, 0, 24) },
	{ .name = "final GPA's EPT PDPTE not present, guest 2M page: 15 + 2 refs",
	  .gshift = 21, .elevel = 3, .eclear = EPT_RWX | EPT_UX,
	  VIO(EQ_R | EQ_FIN, 0, 3, 17) },
	{ .name = "final GPA, EPT A/D on, read-only: a write's bits are not doubled",
	  .ctl = AD, .acc = MMU_WRITE, .elevel = 1, .eclear = EPT_W,
	  VIO(EQ_W | EQ_RX | EQ_FIN, 0, 0, 24) },
	{ .name = "misconfig on the PD page's EPT PTE names the PDE's GPA",
	  .elevel = 1, .eglevel = 2, .eset = (uint64_t)7 << EPT_MT_SHIFT,
	  .eclear = EPT_MT, .stop = MMU_EPT_MISCONFIG, .fg = 2, .flevel = 1,
	  .refs = 14 },
	{ .name = "5-level EPT: guest PT page not in the EPT: 3 x 6 + 5 refs",
	  .elevels = 5, NOT_PRESENT_PAGE(1), VIO(EQ_R | EQ_GLA, 1, 1, 23) },
};

/*
 * A/D flags (§4.8, §29.3.5): written only after the whole translation
 * succeeded; mf_snap_want_ad states which.  Without EPT A/D, a guest A or
 * D update is a write to the entry's GPA and needs EPT W there (a
 * read-modify-write: bit 1 set, bit 0 either way, §28.2.1).
 */
static const struct w2_case ad_cases[] = {
	{ .name = "read, EPT A/D off: guest A everywhere, no EPT entry changes",
	  .refs = 24 },
	{ .name = "write, EPT A/D off: guest A everywhere, D in the guest PTE",
	  .acc = MMU_WRITE, .refs = 24 },
	{ .name = "read, EPT A/D on: EPT A on all 5 paths, EPT D on the 4 table pages",
	  .ctl = AD, .refs = 24 },
	{ .name = "write, EPT A/D on: and EPT D on the final GPA's leaf",
	  .ctl = AD, .acc = MMU_WRITE, .refs = 24 },
	{ .name = "fetch, EPT A/D on: the final GPA's EPT leaf gets A only",
	  .ctl = AD, .acc = MMU_FETCH, .refs = 24 },
	{ .name = "write, 2M guest page under 2M EPT page, EPT A/D on: D in both large leaves",
	  .ctl = AD, .acc = MMU_WRITE, .gshift = 21, .eshift = 21, .refs = 18 },
	{ .name = "write to a dirty guest page: nothing more to set",
	  .ctl = A_SET | D_SET, .acc = MMU_WRITE, .refs = 24 },
	{ .name = "EPT A/D on, guest PTE not present: nothing written anywhere",
	  .ctl = AD, .acc = MMU_WRITE, .gmod = { { 1, 0, PTE_P } },
	  NP(EC_W, 1, 20) },
	{ .name = "EPT A/D on, guest protection fault: nothing written",
	  .ctl = AD, .user = true, .gmod = { { 2, 0, PTE_US } },
	  PF(EC_P | EC_U, 0, 20) },
	{ .name = "EPT A/D on, final GPA violation: nothing written",
	  .ctl = AD, .acc = MMU_WRITE, .elevel = 1, .eclear = EPT_W,
	  VIO(EQ_W | EQ_RX | EQ_FIN, 0, 0, 24) },
	{ .name = "EPT A/D on, misconfig on the final GPA: nothing written",
	  .ctl = AD, .elevel = 2, .eset = PTE_BIT(3), .stop = MMU_EPT_MISCONFIG,
	  .flevel = 2, .refs = 23 },
	{ .name = "EPT A/D on, guest tables read-only in the EPT: violation R|W on the PML4E's GPA",
	  .ctl = AD | TABLES_RO, VIO(EQ_R | EQ_W | EQ_RX | EQ_GLA, 4, 0, 4) },
	{ .name = "EPT A/D off, guest tables read-only, A clear: setting A is a write, violation",
	  .ctl = TABLES_RO, .eq_any = EQ_R, VIO(EQ_W | EQ_RX | EQ_GLA, 4, 0, 0) },
	{ .name = "EPT A/D off, guest tables read-only, A already set: a read succeeds",
	  .ctl = TABLES_RO | A_SET, .refs = 24 },
	{ .name = "EPT A/D off, tables read-only, A set: setting D in the PTE is a write, violation",
	  .ctl = TABLES_RO | A_SET, .acc = MMU_WRITE, .eq_any = EQ_R,
	  VIO(EQ_W | EQ_RX | EQ_GLA, 1, 0, 0) },
	{ .name = "EPT A/D off, PT page read-only: violation on the PTE, upper A flags not set either",
	  .ctl = PT_RO, .eq_any = EQ_R, VIO(EQ_W | EQ_RX | EQ_GLA, 1, 0, 0) },
	{ .name = "EPT A/D off, PT page read-only, dirty page: a write needs no update",
	  .ctl = PT_RO | A_SET | D_SET, .acc = MMU_WRITE, .refs = 24 },
};

/*
 * check_cold_walk - the steps of a walk with nothing cached, in order: for
 * each guest level top down, the EPT walk of the entry's GPA (levels top
 * down, ms_glevel = that guest level) and then the guest entry itself;
 * then the EPT walk of the final GPA (ms_glevel 0).  `old` gives the
 * guest entries as they were before the walk (what was read).
 */
static void check_cold_walk(const struct mmufix *f, const struct mmu_walk *w,
			    uint64_t gpa, const uint64_t *old)
{
	unsigned n = 0, gl = f->glevels, el = f->elevels;

	assert_int_equal(w->stop, MMU_OK);
	assert_int_equal(w->mem_refs, gl * (el + 1) + el);
	assert_int_equal(w->nsteps, w->mem_refs);
	assert_int_equal(w->psc_hits + w->epsc_hits + w->ntlb_hits, 0);
	assert_int_equal(w->levels, gl);
	for (unsigned l = 1; l <= MMU_MAX_LEVELS; l++) {
		assert_int_equal(w->refs[MMU_DIM_GUEST][l], l <= gl);
		assert_int_equal(w->refs[MMU_DIM_EPT][l], l <= el ? gl + 1 : 0);
	}
	for (unsigned g = gl; g <= gl; g--) {
		uint64_t egpa = g ? mf_gentry_gpa(f, VA, g) : gpa;

		for (unsigned e = el; e >= 1; e--, n++) {
			const struct mmu_step *s = &w->steps[n];

			assert_int_equal(s->ms_kind, MMU_STEP_REF);
			assert_int_equal(s->ms_dim, MMU_DIM_EPT);
			assert_int_equal(s->ms_level, e);
			assert_int_equal(s->ms_glevel, g);
			assert_int_equal(s->ms_gpa, egpa);
			assert_int_equal(s->ms_addr, mf_eentry(f, egpa, e));
		}
		if (g == 0)
			break;
		assert_int_equal(w->steps[n].ms_kind, MMU_STEP_REF);
		assert_int_equal(w->steps[n].ms_dim, MMU_DIM_GUEST);
		assert_int_equal(w->steps[n].ms_level, g);
		assert_int_equal(w->steps[n].ms_gpa, egpa);
		assert_int_equal(w->steps[n].ms_addr, mf_gentry(f, VA, g));
		assert_int_equal(w->steps[n].ms_entry, old[g]);
		n++;
	}
	assert_int_equal(n, w->nsteps);
}

static void cold_walk(unsigned glevels, unsigned elevels)
{
	struct mmufix f = { 0 };
	uint64_t old[MMU_MAX_LEVELS + 1];
	struct mmu_walk w;

	mmufix_start(&f, glevels, elevels, 0);
	mf_map_guest(&f, VA & ~PAGE_MASK, gpage_of(12), 12, MF_G_ALL);
	mf_map_ept_data(&f, final_gpa(12), 12, MF_E_ALL);
	mmufix_go(&f);
	for (unsigned l = 1; l <= glevels; l++)
		old[l] = mf_rd(&f, mf_gentry(&f, VA, l));
	mf_xlate(&f, VA, MMU_READ, false, &w);
	check_cold_walk(&f, &w, final_gpa(12), old);
	mmufix_stop(&f);
}

static void cold_walk_4_under_4_is_24_refs_in_order(void **state)
{
	(void)state;
	cold_walk(4, 4);
}

static void cold_walk_5_under_5_is_35_refs_in_order(void **state)
{
	(void)state;
	cold_walk(5, 5);
}

static void cold_walk_5_under_4_is_29_refs_in_order(void **state)
{
	(void)state;
	cold_walk(5, 4);
}

static void cold_walk_4_under_5_is_29_refs_in_order(void **state)
{
	(void)state;
	cold_walk(4, 5);
}

/* the same machine natively: 4 references, no EPT step */
static void native_walk_is_4_refs(void **state)
{
	struct mmufix f = { 0 };
	struct mmu_walk w;

	(void)state;
	mmufix_start(&f, 4, 0, 0);
	mf_map_guest(&f, VA & ~PAGE_MASK, UINT64_C(0x40000000), 12, MF_G_ALL);
	mmufix_go(&f);
	mf_xlate(&f, VA, MMU_READ, false, &w);
	assert_int_equal(w.stop, MMU_OK);
	assert_int_equal(w.mem_refs, 4);
	assert_int_equal(w.pa, UINT64_C(0x40000000) | (VA & PAGE_MASK));
	assert_int_equal(w.ept_shift, 0);
	assert_int_equal(w.eperm, 0);
	for (unsigned l = 1; l <= MMU_MAX_LEVELS; l++)
		assert_int_equal(w.refs[MMU_DIM_EPT][l], 0);
	mmufix_stop(&f);
}

/* a non-canonical VA under EPT: #GP, no reference in either dimension */
static void noncanonical_under_ept_walks_nothing(void **state)
{
	static const uint64_t bad[] = { UINT64_C(0x0000800000000000),
					UINT64_C(0xffff7fffffffffff) };
	struct mmufix f = { 0 };
	struct mmu_walk w;
	struct mf_snap s;

	(void)state;
	mmufix_start(&f, 4, 4, 0);
	mf_map_guest(&f, VA & ~PAGE_MASK, gpage_of(12), 12, MF_G_ALL);
	mf_map_ept_data(&f, final_gpa(12), 12, MF_E_ALL);
	mmufix_go(&f);
	mf_snap_take(&f, &s);
	for (unsigned i = 0; i < 2; i++) {
		mf_xlate(&f, bad[i], MMU_WRITE, true, &w);
		assert_int_equal(w.stop, MMU_NONCANONICAL);
		assert_int_equal(w.mem_refs, 0);
		assert_int_equal(w.nsteps, 0);
	}
	mf_snap_check(&f, &s, "non-canonical");
	mf_snap_free(&s);
	mmufix_stop(&f);
}

int main(void)
{
	static const struct CMUnitTest singles[] = {
		cmocka_unit_test(cold_walk_4_under_4_is_24_refs_in_order),
		cmocka_unit_test(cold_walk_5_under_5_is_35_refs_in_order),
		cmocka_unit_test(cold_walk_5_under_4_is_29_refs_in_order),
		cmocka_unit_test(cold_walk_4_under_5_is_29_refs_in_order),
		cmocka_unit_test(native_walk_is_4_refs),
		cmocka_unit_test(noncanonical_under_ept_walks_nothing),
	};
	struct tl_tests ts = { 0 };

	TL_ROWS(&ts, size_cases, run_case_test);
	TL_ROWS(&ts, guest_pf_cases, run_case_test);
	TL_ROWS(&ts, ept_fault_cases, run_case_test);
	TL_ROWS(&ts, ad_cases, run_case_test);
	tl_tests_add(&ts, singles, sizeof(singles) / sizeof(singles[0]));
	return tl_tests_run(&ts, "walk2d");
}
