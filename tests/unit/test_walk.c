/*
 * test_walk.c - the native (one-dimensional) walk of mmu_translate against
 * the rules of SDM Vol. 3A it implements: §4.5 translation (4- and
 * 5-level), §4.6 access rights (U/S, R/W, XD, WP, SMEP, SMAP, protection
 * keys), §4.7 the #PF error code, §4.8 accessed and dirty flags.
 *
 * Every case runs on a fresh 2 MiB physical memory laid out as:
 *
 *   frame 5 (0x5000)  PML5, CR3 points here with CR4.LA57
 *   frame 4 (0x4000)  PML4, CR3 points here without CR4.LA57
 *   frame 1 (0x1000)  PDPT  (so a PML4E's address has no bit above 12:
 *                            PS in it must fault for PS itself)
 *   frame 2 (0x2000)  PD
 *   frame 3 (0x3000)  PT
 *   DATA_4K, DATA_2M, DATA_1G: the page a PTE, PDE or PDPTE leaf maps
 *   (outside memory: the walk computes their addresses, never reads them)
 *
 * A case gives the flags of the entries on the path of its va, top entry
 * first (four, or five with LA57).  The builder adds the next table's
 * address to an upper entry and the page's address to a leaf (a PTE, or a
 * PDPTE/PDE with PS), writes each entry at the index the va selects and
 * stops after the leaf.  A zero entry is not present; a table holding only
 * zero entries gets no storage at all, which the walk must also read as
 * not present.  No EPT, no walk caches: natively GPA = HPA.
 *
 * Unless a case says otherwise: MAXPHYADDR 40, CR0.WP = 1, EFER.NXE = 1,
 * 1 GiB pages supported, CR4.SMEP = SMAP = PKE = 0, RFLAGS.AC = 0.  After
 * every walk the case also checks the path recorded (one memory reference
 * per entry, top down) and the entries in memory: A set in each entry used
 * and D in the leaf of a write after a success, nothing changed after a
 * fault.
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
#include "sim/mmu/mmu.h"
#include "sim/mmu/pte.h"
#include "sim/pmem.h"

#define MEM_BYTES (UINT64_C(2) << 20) /* exactly one pmem directory chunk */
#define MAXPHY 40u

/* table addresses by level: 5 = PML5, 4 = PML4 .. 1 = PT */
static const uint64_t table_pa[6] = { 0, 0x3000, 0x2000, 0x1000, 0x4000,
				      0x5000 };

#define DATA_4K UINT64_C(0x0abcd000)
#define DATA_2M UINT64_C(0x0ac00000)
#define DATA_1G UINT64_C(0x80000000)
/* page addresses by the level of the leaf */
static const uint64_t page_pa[4] = { 0, DATA_4K, DATA_2M, DATA_1G };

/*
 * The va of most cases: indices PML4 0xfe, PDPT 0x48, PD 0x1a2, PT 0x166;
 * offset 0x89a in a 4 KiB page, 0x16689a in 2 MiB, 0x3456689a in 1 GiB
 * (bit 12 clear, so a PAT bit leaking into an address would show).
 * Under LA57 its PML5 index is 0.
 */
#define VA UINT64_C(0x00007f123456689a)
/* a kernel address: indices 0x100, 0, 1, 1; offset 0xabc */
#define HIGH_VA UINT64_C(0xffff800000201abc)

/* entry flags */
#define ALL (PTE_P | PTE_RW | PTE_US)   /* grants everything */
#define BIG (ALL | PTE_PS)              /* a 2 MiB or 1 GiB leaf */
#define RO (PTE_P | PTE_US)             /* read-only */
#define SUP (PTE_P | PTE_RW)            /* supervisor-only */
#define NX (ALL | PTE_XD)               /* execute-disable */
#define KEY(k) ((uint64_t)(k) << PTE_PKEY_SHIFT) /* protection key k */

#define RWX (MMU_PERM_W | MMU_PERM_U | MMU_PERM_X)
/* a success on the 4 KiB page at VA after four reads */
#define OK_4K .refs = 4, .pa = DATA_4K | 0x89a, .shift = 12

/* controls a case changes from the defaults */
#define NO_WP (1u << 0)       /* CR0.WP = 0 */
#define NO_NXE (1u << 1)      /* EFER.NXE = 0 */
#define NO_1G (1u << 2)       /* no 1 GiB pages */
#define MAXPHY52 (1u << 3)    /* MAXPHYADDR 52 */
#define SMEP (1u << 4)        /* CR4.SMEP = 1 */
#define SMAP (1u << 5)        /* CR4.SMAP = 1 */
#define PKE (1u << 6)         /* CR4.PKE = 1 */
#define AC (1u << 7)          /* RFLAGS.AC = 1 */
#define LA57 (1u << 8)        /* CR4.LA57 = 1: five levels, e[0] is the PML5E */

/* PKRU: access-disable and write-disable of key k */
#define AD(k) (1u << (2 * (k)))
#define WD(k) (1u << (2 * (k) + 1))

#define EC_P PF_EC_P
#define EC_W PF_EC_W
#define EC_U PF_EC_U
#define EC_R PF_EC_RSVD
#define EC_I PF_EC_I
#define EC_PK PF_EC_PK

struct walk_case {
	const char *name;
	/* the access */
	uint64_t va;
	enum mmu_acc acc;
	bool user;
	bool implicit;          /* an implicit supervisor-mode access */
	unsigned ctl;           /* NO_WP | NO_NXE | ... | LA57 */
	uint32_t pkru;
	uint64_t e[5];          /* top entry first: PML4E (or PML5E), ... */
	/* what the walk must report */
	enum mmu_stop stop;
	uint32_t ec;
	unsigned refs;
	/* and when stop == MMU_OK */
	uint64_t pa;
	unsigned shift;
	unsigned perm;
	bool dirty;
	bool global;
	unsigned pkey;
};

static unsigned top_level(const struct walk_case *c)
{
	return (c->ctl & LA57) ? PT_LEVELS_5 : PT_LEVELS_4;
}

/*
 * build - write the path of case `c` into `pm` (layout at the top); fill
 * pa[]/val[] with where each entry went and what it holds.  Returns the
 * number of entries written.
 */
static unsigned build(struct pmem *pm, const struct walk_case *c,
		      uint64_t pa[5], uint64_t val[5])
{
	unsigned top = top_level(c);

	for (unsigned level = top, i = 0; level >= 1; level--, i++) {
		uint64_t e = c->e[i];
		bool leaf = level == 1 || (level <= 3 && (e & PTE_PS));

		if (e)
			e |= leaf ? page_pa[level] : table_pa[level - 1];
		pa[i] = table_pa[level] + pt_index(c->va, level) * 8;
		val[i] = e;
		assert_int_equal(pmem_write64(pm, pa[i], e), 0);
		if (leaf)
			return i + 1;
	}
	return top;
}

/* a native machine for case `c` over `pm` */
static void native_mmu(struct mmu *m, struct pmem *pm,
		       const struct walk_case *c)
{
	memset(m, 0, sizeof(*m));
	m->mu_mem = pm;
	m->mu_caps = (struct mmu_caps){
		.maxphyaddr = (c->ctl & MAXPHY52) ? 52 : MAXPHY,
		.page1g = !(c->ctl & NO_1G),
		.la57 = true,
	};
	m->mu_regs = (struct mmu_regs){
		.cr3 = table_pa[top_level(c)],
		.la57 = (c->ctl & LA57) != 0,
		.wp = !(c->ctl & NO_WP),
		.nxe = !(c->ctl & NO_NXE),
		.smep = (c->ctl & SMEP) != 0,
		.smap = (c->ctl & SMAP) != 0,
		.pke = (c->ctl & PKE) != 0,
		.ac = (c->ctl & AC) != 0,
		.pkru = c->pkru,
	};
}

static void run_case(const struct walk_case *c)
{
	struct mmu_req req = { .va = c->va, .acc = c->acc, .user = c->user,
			       .implicit = c->implicit };
	unsigned top = top_level(c);
	uint64_t pa[5], val[5];
	struct mmu_walk w;
	struct pmem pm;
	struct mmu m;
	unsigned built;

	assert_int_equal(pmem_init(&pm, MEM_BYTES), 0);
	built = build(&pm, c, pa, val);
	native_mmu(&m, &pm, c);
	memset(&w, 0xa5, sizeof(w)); /* w must be entirely written */
	mmu_translate(&m, &req, &w);

	TL_EXPECT(c, "stop", w.stop, c->stop);
	TL_EXPECT(c, "error_code", w.error_code, c->stop == MMU_OK ? 0 : c->ec);
	TL_EXPECT(c, "mem_refs", w.mem_refs, c->refs);
	TL_EXPECT(c, "nsteps", w.nsteps, c->refs);
	TL_EXPECT(c, "psc + epsc + ntlb hits", w.psc_hits + w.epsc_hits + w.ntlb_hits, 0);
	for (unsigned l = 1; l <= MMU_MAX_LEVELS; l++) {
		TL_EXPECT(c, "refs[EPT][level]", w.refs[MMU_DIM_EPT][l], 0);
		TL_EXPECT(c, "refs[GUEST][level]", w.refs[MMU_DIM_GUEST][l],
		       l <= top && l > top - c->refs);
	}
	if (c->stop == MMU_OK) {
		TL_EXPECT(c, "levels", w.levels, top);
		TL_EXPECT(c, "gpa (natively the pa)", w.gpa, c->pa);
		TL_EXPECT(c, "pa", w.pa, c->pa);
		TL_EXPECT(c, "guest_shift", w.guest_shift, c->shift);
		TL_EXPECT(c, "ept_shift", w.ept_shift, 0);
		TL_EXPECT(c, "page_shift", w.page_shift, c->shift);
		TL_EXPECT(c, "perm", w.perm, c->perm);
		TL_EXPECT(c, "eperm", w.eperm, 0);
		TL_EXPECT(c, "dirty", w.dirty, c->dirty);
		TL_EXPECT(c, "global", w.global, c->global);
		TL_EXPECT(c, "pkey", w.pkey, c->pkey);
	} else if (c->stop != MMU_NONCANONICAL) {
		/* a P or reserved-bit fault names the entry; rights: level 0 */
		TL_EXPECT(c, "fault_dim", w.fault_dim, MMU_DIM_GUEST);
		TL_EXPECT(c, "fault_level", w.fault_level,
		       c->stop == MMU_PROTECTION ? 0 : top + 1 - c->refs);
	}
	/* the path recorded is the path built, as it was read, top down */
	for (unsigned i = 0; i < w.nsteps && i < built && i < MMU_MAX_STEPS;
	     i++) {
		const struct mmu_step *s = &w.steps[i];

		TL_EXPECT(c, "steps[i].ms_kind", s->ms_kind, MMU_STEP_REF);
		TL_EXPECT(c, "steps[i].ms_dim", s->ms_dim, MMU_DIM_GUEST);
		TL_EXPECT(c, "steps[i].ms_level", s->ms_level, top - i);
		TL_EXPECT(c, "steps[i].ms_addr", s->ms_addr, pa[i]);
		TL_EXPECT(c, "steps[i].ms_gpa", s->ms_gpa, pa[i]);
		TL_EXPECT(c, "steps[i].ms_entry", s->ms_entry, val[i]);
	}
	/* §4.8: A on every entry used, D on the leaf of a write, on success only */
	for (unsigned i = 0; i < built; i++) {
		uint64_t want = val[i];

		if (c->stop == MMU_OK && i < w.nsteps) {
			want |= PTE_A;
			if (i == w.nsteps - 1 && c->acc == MMU_WRITE)
				want |= PTE_D;
		}
		TL_EXPECT(c, "entry in memory after the walk", pmem_read64(&pm, pa[i]),
		       want);
	}
	pmem_fini(&pm);
}

static void run_case_test(void **state)
{
	run_case(*state);
}

/* Translations: page sizes, offsets, the leaf's D and G, address width. */
static const struct walk_case translate_cases[] = {
	{ .name = "4 KiB page: frame | va[11:0] after four reads",
	  .va = VA, .e = { ALL, ALL, ALL, ALL }, OK_4K, .perm = RWX },
	{ .name = "2 MiB page: frame | va[20:0] after three reads",
	  .va = VA, .e = { ALL, ALL, BIG },
	  .refs = 3, .pa = DATA_2M | 0x16689a, .shift = 21, .perm = RWX },
	{ .name = "1 GiB page: frame | va[29:0] after two reads",
	  .va = VA, .e = { ALL, BIG },
	  .refs = 2, .pa = DATA_1G | 0x3456689a, .shift = 30, .perm = RWX },
	{ .name = "kernel (high-half) address translates",
	  .va = HIGH_VA, .e = { ALL, ALL, ALL, ALL },
	  .refs = 4, .pa = DATA_4K | 0xabc, .shift = 12, .perm = RWX },
	{ .name = "last canonical low address translates",
	  .va = UINT64_C(0x00007fffffffffff), .e = { ALL, ALL, ALL, ALL },
	  .refs = 4, .pa = DATA_4K | 0xfff, .shift = 12, .perm = RWX },
	{ .name = "PTE bit 7 is PAT, not PS",
	  .va = VA, .e = { ALL, ALL, ALL, ALL | PTE_PAT4K }, OK_4K, .perm = RWX },
	{ .name = "2 MiB page: PAT (bit 12) is neither reserved nor address",
	  .va = VA, .e = { ALL, ALL, BIG | PTE_PAT_LARGE },
	  .refs = 3, .pa = DATA_2M | 0x16689a, .shift = 21, .perm = RWX },
	{ .name = "1 GiB page: PAT (bit 12) is neither reserved nor address",
	  .va = VA, .e = { ALL, BIG | PTE_PAT_LARGE },
	  .refs = 2, .pa = DATA_1G | 0x3456689a, .shift = 30, .perm = RWX },
	{ .name = "address bit 39 is below MAXPHYADDR 40: part of the frame",
	  .va = VA, .e = { ALL, ALL, ALL, ALL | PTE_BIT(39) },
	  .refs = 4, .pa = PTE_BIT(39) | DATA_4K | 0x89a, .shift = 12,
	  .perm = RWX },
	{ .name = "MAXPHYADDR 52: bit 51 is part of the frame",
	  .va = VA, .ctl = MAXPHY52, .e = { ALL, ALL, ALL, ALL | PTE_BIT(51) },
	  .refs = 4, .pa = PTE_BIT(51) | DATA_4K | 0x89a, .shift = 12,
	  .perm = RWX },
	{ .name = "read of a clean page: not dirty, D stays clear",
	  .va = VA, .e = { ALL, ALL, ALL, ALL }, OK_4K, .perm = RWX },
	{ .name = "read of a page already dirty: dirty",
	  .va = VA, .e = { ALL, ALL, ALL, ALL | PTE_D }, OK_4K, .perm = RWX,
	  .dirty = true },
	{ .name = "write sets D in the PTE only: dirty",
	  .va = VA, .acc = MMU_WRITE, .e = { ALL, ALL, ALL, ALL }, OK_4K, .perm = RWX,
	  .dirty = true },
	{ .name = "2 MiB write sets D in the PDE only: dirty",
	  .va = VA, .acc = MMU_WRITE, .e = { ALL, ALL, BIG },
	  .refs = 3, .pa = DATA_2M | 0x16689a, .shift = 21, .perm = RWX,
	  .dirty = true },
	{ .name = "1 GiB write sets D in the PDPTE only: dirty",
	  .va = VA, .acc = MMU_WRITE, .e = { ALL, BIG },
	  .refs = 2, .pa = DATA_1G | 0x3456689a, .shift = 30, .perm = RWX,
	  .dirty = true },
	{ .name = "A already set everywhere: entries unchanged",
	  .va = VA,
	  .e = { ALL | PTE_A, ALL | PTE_A, ALL | PTE_A, ALL | PTE_A }, OK_4K, .perm = RWX },
	{ .name = "G in the leaf: global",
	  .va = VA, .e = { ALL, ALL, ALL, ALL | PTE_G }, OK_4K, .perm = RWX,
	  .global = true },
	{ .name = "G in an upper entry is ignored: not global",
	  .va = VA, .e = { ALL, ALL | PTE_G, ALL | PTE_G, ALL }, OK_4K, .perm = RWX },
	{ .name = "XD with NXE = 1 is not reserved: a read succeeds without X",
	  .va = VA, .e = { ALL, ALL, ALL, NX }, OK_4K,
	  .perm = MMU_PERM_W | MMU_PERM_U },
};

/* Non-canonical addresses: #GP before any memory reference (§4.5). */
static const struct walk_case canonical_cases[] = {
	{ .name = "non-canonical: bit 47 set, 63..48 clear",
	  .va = UINT64_C(0x0000800000000000), .e = { ALL, ALL, ALL, ALL },
	  .stop = MMU_NONCANONICAL },
	{ .name = "non-canonical: bit 47 clear, 63..48 set",
	  .va = UINT64_C(0xffff7fffffffffff), .e = { ALL, ALL, ALL, ALL },
	  .stop = MMU_NONCANONICAL },
	{ .name = "non-canonical: only bit 48 set",
	  .va = UINT64_C(0x0001000000000000), .e = { ALL, ALL, ALL, ALL },
	  .stop = MMU_NONCANONICAL },
	{ .name = "non-canonical user write: no error code, no walk",
	  .va = UINT64_C(0x8000000000000000), .acc = MMU_WRITE, .user = true,
	  .e = { ALL, ALL, ALL, ALL }, .stop = MMU_NONCANONICAL },
};

/* P = 0 at each level: #PF with P = 0 and the access's W/U/I (§4.7). */
static const struct walk_case not_present_cases[] = {
	{ .name = "PML4E not present: one read, error code 0",
	  .va = VA, .e = { 0, ALL, ALL, ALL },
	  .stop = MMU_NOT_PRESENT, .refs = 1 },
	{ .name = "PDPTE not present, user write: two reads, W|U",
	  .va = VA, .acc = MMU_WRITE, .user = true, .e = { ALL, 0, ALL, ALL },
	  .stop = MMU_NOT_PRESENT, .ec = EC_W | EC_U, .refs = 2 },
	{ .name = "PDE not present, user fetch: three reads, U|I",
	  .va = VA, .acc = MMU_FETCH, .user = true, .e = { ALL, ALL, 0, ALL },
	  .stop = MMU_NOT_PRESENT, .ec = EC_U | EC_I, .refs = 3 },
	{ .name = "PTE not present, supervisor write: four reads, W",
	  .va = VA, .acc = MMU_WRITE, .e = { ALL, ALL, ALL, 0 },
	  .stop = MMU_NOT_PRESENT, .ec = EC_W, .refs = 4 },
	{ .name = "PTE not present, supervisor fetch: I",
	  .va = VA, .acc = MMU_FETCH, .e = { ALL, ALL, ALL, 0 },
	  .stop = MMU_NOT_PRESENT, .ec = EC_I, .refs = 4 },
	{ .name = "not present, fetch with NXE = 0: no I",
	  .va = VA, .acc = MMU_FETCH, .ctl = NO_NXE, .e = { ALL, ALL, ALL, 0 },
	  .stop = MMU_NOT_PRESENT, .refs = 4 },
	{ .name = "P = 0 with every other bit set is still not present",
	  .va = VA, .e = { ALL, ALL, ALL, ~PTE_P },
	  .stop = MMU_NOT_PRESENT, .refs = 4 },
	{ .name = "reserved bits in a not-present entry are ignored",
	  .va = VA, .ctl = NO_NXE,
	  .e = { ALL, ALL, PTE_PS | PTE_XD | PTE_BIT(45) | PTE_BIT(13), ALL },
	  .stop = MMU_NOT_PRESENT, .refs = 3 },
};

/* Reserved bits (§4.5.4 tables, §4.7): #PF with P = 1 and RSVD = 1. */
static const struct walk_case reserved_cases[] = {
	{ .name = "bit 40 = MAXPHYADDR in the PML4E: one read",
	  .va = VA, .e = { ALL | PTE_BIT(40), ALL, ALL, ALL },
	  .stop = MMU_RESERVED, .ec = EC_P | EC_R, .refs = 1 },
	{ .name = "bit 51 in the PDPTE: two reads",
	  .va = VA, .e = { ALL, ALL | PTE_BIT(51), ALL, ALL },
	  .stop = MMU_RESERVED, .ec = EC_P | EC_R, .refs = 2 },
	{ .name = "bit 45 in the PDE: three reads",
	  .va = VA, .e = { ALL, ALL, ALL | PTE_BIT(45), ALL },
	  .stop = MMU_RESERVED, .ec = EC_P | EC_R, .refs = 3 },
	{ .name = "bit 40 in the PTE, user write: W|U with P|RSVD",
	  .va = VA, .acc = MMU_WRITE, .user = true,
	  .e = { ALL, ALL, ALL, ALL | PTE_BIT(40) },
	  .stop = MMU_RESERVED, .ec = EC_P | EC_R | EC_W | EC_U, .refs = 4 },
	{ .name = "bit 47 in a 2 MiB PDE",
	  .va = VA, .e = { ALL, ALL, BIG | PTE_BIT(47) },
	  .stop = MMU_RESERVED, .ec = EC_P | EC_R, .refs = 3 },
	{ .name = "bit 41 in a 1 GiB PDPTE",
	  .va = VA, .e = { ALL, BIG | PTE_BIT(41) },
	  .stop = MMU_RESERVED, .ec = EC_P | EC_R, .refs = 2 },
	{ .name = "XD in the PML4E with NXE = 0",
	  .va = VA, .ctl = NO_NXE, .e = { NX, ALL, ALL, ALL },
	  .stop = MMU_RESERVED, .ec = EC_P | EC_R, .refs = 1 },
	{ .name = "XD in the PTE with NXE = 0, fetch: P|RSVD, no I",
	  .va = VA, .acc = MMU_FETCH, .ctl = NO_NXE, .e = { ALL, ALL, ALL, NX },
	  .stop = MMU_RESERVED, .ec = EC_P | EC_R, .refs = 4 },
	{ .name = "PS in the PML4E",
	  .va = VA, .e = { ALL | PTE_PS, ALL, ALL, ALL },
	  .stop = MMU_RESERVED, .ec = EC_P | EC_R, .refs = 1 },
	{ .name = "PS in a PDPTE without 1 GiB pages",
	  .va = VA, .ctl = NO_1G, .e = { ALL, BIG },
	  .stop = MMU_RESERVED, .ec = EC_P | EC_R, .refs = 2 },
	{ .name = "2 MiB PDE: bit 13",
	  .va = VA, .e = { ALL, ALL, BIG | PTE_BIT(13) },
	  .stop = MMU_RESERVED, .ec = EC_P | EC_R, .refs = 3 },
	{ .name = "2 MiB PDE: bit 20",
	  .va = VA, .e = { ALL, ALL, BIG | PTE_BIT(20) },
	  .stop = MMU_RESERVED, .ec = EC_P | EC_R, .refs = 3 },
	{ .name = "1 GiB PDPTE: bit 13",
	  .va = VA, .e = { ALL, BIG | PTE_BIT(13) },
	  .stop = MMU_RESERVED, .ec = EC_P | EC_R, .refs = 2 },
	{ .name = "1 GiB PDPTE: bit 29",
	  .va = VA, .e = { ALL, BIG | PTE_BIT(29) },
	  .stop = MMU_RESERVED, .ec = EC_P | EC_R, .refs = 2 },
	{ .name = "reserved PTE bit wins over a supervisor PML4E for a user read",
	  .va = VA, .user = true, .e = { SUP, ALL, ALL, ALL | PTE_BIT(40) },
	  .stop = MMU_RESERVED, .ec = EC_P | EC_R | EC_U, .refs = 4 },
	{ .name = "reserved PDPTE bit ends the walk before a missing PDE",
	  .va = VA, .e = { ALL, ALL | PTE_BIT(41), 0, 0 },
	  .stop = MMU_RESERVED, .ec = EC_P | EC_R, .refs = 2 },
};

/* Access rights, the key cases of §4.6.1 written out; error codes §4.7. */
static const struct walk_case rights_cases[] = {
	{ .name = "user read of a supervisor page: P|U",
	  .va = VA, .user = true, .e = { ALL, ALL, ALL, SUP },
	  .stop = MMU_PROTECTION, .ec = EC_P | EC_U, .refs = 4 },
	{ .name = "user read: U/S = 0 in the PML4E alone faults",
	  .va = VA, .user = true, .e = { SUP, ALL, ALL, ALL },
	  .stop = MMU_PROTECTION, .ec = EC_P | EC_U, .refs = 4 },
	{ .name = "user read of a read-only user page is allowed",
	  .va = VA, .user = true, .e = { ALL, ALL, ALL, RO }, OK_4K,
	  .perm = MMU_PERM_U | MMU_PERM_X },
	{ .name = "user write to a read-only page: P|W|U",
	  .va = VA, .acc = MMU_WRITE, .user = true, .e = { ALL, ALL, ALL, RO },
	  .stop = MMU_PROTECTION, .ec = EC_P | EC_W | EC_U, .refs = 4 },
	{ .name = "user write: R/W = 0 in the PDE alone faults",
	  .va = VA, .acc = MMU_WRITE, .user = true, .e = { ALL, ALL, RO, ALL },
	  .stop = MMU_PROTECTION, .ec = EC_P | EC_W | EC_U, .refs = 4 },
	{ .name = "user write to a read-only page faults with WP = 0 too",
	  .va = VA, .acc = MMU_WRITE, .user = true, .ctl = NO_WP,
	  .e = { ALL, ALL, ALL, RO },
	  .stop = MMU_PROTECTION, .ec = EC_P | EC_W | EC_U, .refs = 4 },
	{ .name = "user write to a 2 MiB page read-only in the PDPTE: P|W|U",
	  .va = VA, .acc = MMU_WRITE, .user = true, .e = { ALL, RO, BIG },
	  .stop = MMU_PROTECTION, .ec = EC_P | EC_W | EC_U, .refs = 3 },
	{ .name = "supervisor write to a read-only page with WP = 1: P|W",
	  .va = VA, .acc = MMU_WRITE, .e = { ALL, ALL, ALL, RO },
	  .stop = MMU_PROTECTION, .ec = EC_P | EC_W, .refs = 4 },
	{ .name = "supervisor write to a read-only page with WP = 0 sets D",
	  .va = VA, .acc = MMU_WRITE, .ctl = NO_WP, .e = { ALL, ALL, ALL, RO }, OK_4K,
	  .perm = MMU_PERM_U | MMU_PERM_X, .dirty = true },
	{ .name = "supervisor write to a read-only supervisor page, WP = 1: P|W",
	  .va = VA, .acc = MMU_WRITE, .e = { ALL, ALL, ALL, PTE_P },
	  .stop = MMU_PROTECTION, .ec = EC_P | EC_W, .refs = 4 },
	{ .name = "supervisor read of a user page is allowed (no SMAP)",
	  .va = VA, .e = { ALL, ALL, ALL, ALL }, OK_4K, .perm = RWX },
	{ .name = "supervisor write to a writable user page is allowed",
	  .va = VA, .acc = MMU_WRITE, .e = { ALL, ALL, ALL, ALL }, OK_4K, .perm = RWX,
	  .dirty = true },
	{ .name = "supervisor fetch from a user page is allowed (no SMEP)",
	  .va = VA, .acc = MMU_FETCH, .e = { ALL, ALL, ALL, ALL }, OK_4K, .perm = RWX },
	{ .name = "user fetch from an XD page with NXE = 1: P|U|I",
	  .va = VA, .acc = MMU_FETCH, .user = true, .e = { ALL, ALL, ALL, NX },
	  .stop = MMU_PROTECTION, .ec = EC_P | EC_U | EC_I, .refs = 4 },
	{ .name = "supervisor fetch: XD in the PDPTE alone faults: P|I",
	  .va = VA, .acc = MMU_FETCH, .e = { ALL, NX, ALL, ALL },
	  .stop = MMU_PROTECTION, .ec = EC_P | EC_I, .refs = 4 },
	{ .name = "supervisor fetch from a 1 GiB XD page: P|I",
	  .va = VA, .acc = MMU_FETCH, .e = { ALL, BIG | PTE_XD },
	  .stop = MMU_PROTECTION, .ec = EC_P | EC_I, .refs = 2 },
	{ .name = "user fetch from a read-only page is allowed",
	  .va = VA, .acc = MMU_FETCH, .user = true, .e = { ALL, ALL, ALL, RO }, OK_4K,
	  .perm = MMU_PERM_U | MMU_PERM_X },
	{ .name = "user fetch from a supervisor page with NXE = 1: P|U|I",
	  .va = VA, .acc = MMU_FETCH, .user = true, .e = { ALL, ALL, ALL, SUP },
	  .stop = MMU_PROTECTION, .ec = EC_P | EC_U | EC_I, .refs = 4 },
	{ .name = "user fetch from a supervisor page with NXE = 0: P|U, no I",
	  .va = VA, .acc = MMU_FETCH, .user = true, .ctl = NO_NXE,
	  .e = { ALL, ALL, ALL, SUP },
	  .stop = MMU_PROTECTION, .ec = EC_P | EC_U, .refs = 4 },
	{ .name = "NXE = 0: every translation is executable",
	  .va = VA, .acc = MMU_FETCH, .user = true, .ctl = NO_NXE,
	  .e = { ALL, ALL, ALL, RO }, OK_4K,
	  .perm = MMU_PERM_U | MMU_PERM_X },
	{ .name = "perm is the AND over levels: R/W = 0 in PML4E, U/S = 0 in PDE",
	  .va = VA, .e = { RO, ALL, SUP, ALL }, OK_4K, .perm = MMU_PERM_X },
};

/* Bits the SDM calls ignored are neither reserved nor address (§4.5.4). */
static const struct walk_case ignored_cases[] = {
	{ .name = "bit 52 (ignored) in the PTE: translates, not part of the frame",
	  .va = VA, .e = { ALL, ALL, ALL, ALL | PTE_BIT(52) }, OK_4K, .perm = RWX },
	{ .name = "bit 11 (ignored) in the PDE: translates",
	  .va = VA, .e = { ALL, ALL, ALL | PTE_BIT(11), ALL }, OK_4K, .perm = RWX },
	{ .name = "PKEY bits with CR4.PKE = 0 are ignored: no key reported",
	  .va = VA, .user = true, .pkru = AD(5), .e = { ALL, ALL, ALL, ALL | KEY(5) }, OK_4K, .perm = RWX },
};

/* CR4.SMEP (§4.6.1): supervisor fetches from user-mode addresses fault. */
static const struct walk_case smep_cases[] = {
	{ .name = "SMEP: supervisor fetch from a user page: P|I",
	  .va = VA, .acc = MMU_FETCH, .ctl = SMEP, .e = { ALL, ALL, ALL, ALL },
	  .stop = MMU_PROTECTION, .ec = EC_P | EC_I, .refs = 4 },
	{ .name = "SMEP: supervisor fetch from a supervisor page is allowed",
	  .va = VA, .acc = MMU_FETCH, .ctl = SMEP, .e = { ALL, ALL, ALL, SUP }, OK_4K,
	  .perm = MMU_PERM_W | MMU_PERM_X },
	{ .name = "SMEP: U/S = 0 in the PML4E alone makes a supervisor address: fetch allowed",
	  .va = VA, .acc = MMU_FETCH, .ctl = SMEP, .e = { SUP, ALL, ALL, ALL }, OK_4K,
	  .perm = MMU_PERM_W | MMU_PERM_X },
	{ .name = "SMEP: user fetch from a user page is allowed",
	  .va = VA, .acc = MMU_FETCH, .user = true, .ctl = SMEP,
	  .e = { ALL, ALL, ALL, ALL }, OK_4K, .perm = RWX },
	{ .name = "SMEP: supervisor read of a user page is allowed",
	  .va = VA, .ctl = SMEP, .e = { ALL, ALL, ALL, ALL }, OK_4K, .perm = RWX },
	{ .name = "SMEP with NXE = 0: supervisor fetch from a user page: P|I",
	  .va = VA, .acc = MMU_FETCH, .ctl = SMEP | NO_NXE,
	  .e = { ALL, ALL, ALL, ALL },
	  .stop = MMU_PROTECTION, .ec = EC_P | EC_I, .refs = 4 },
	{ .name = "SMEP with NXE = 0: fetch from a not-present page: I",
	  .va = VA, .acc = MMU_FETCH, .ctl = SMEP | NO_NXE,
	  .e = { ALL, ALL, ALL, 0 },
	  .stop = MMU_NOT_PRESENT, .ec = EC_I, .refs = 4 },
	{ .name = "SMEP: supervisor fetch from a 2 MiB user page: P|I",
	  .va = VA, .acc = MMU_FETCH, .ctl = SMEP, .e = { ALL, ALL, BIG },
	  .stop = MMU_PROTECTION, .ec = EC_P | EC_I, .refs = 3 },
};

/* CR4.SMAP (§4.6.1): supervisor data accesses to user-mode addresses. */
static const struct walk_case smap_cases[] = {
	{ .name = "SMAP: supervisor read of a user page, AC = 0: P",
	  .va = VA, .ctl = SMAP, .e = { ALL, ALL, ALL, ALL },
	  .stop = MMU_PROTECTION, .ec = EC_P, .refs = 4 },
	{ .name = "SMAP: supervisor write of a user page, AC = 0: P|W",
	  .va = VA, .acc = MMU_WRITE, .ctl = SMAP, .e = { ALL, ALL, ALL, ALL },
	  .stop = MMU_PROTECTION, .ec = EC_P | EC_W, .refs = 4 },
	{ .name = "SMAP: explicit supervisor read with AC = 1 is allowed",
	  .va = VA, .ctl = SMAP | AC, .e = { ALL, ALL, ALL, ALL }, OK_4K, .perm = RWX },
	{ .name = "SMAP: explicit supervisor write with AC = 1 is allowed, sets D",
	  .va = VA, .acc = MMU_WRITE, .ctl = SMAP | AC, .e = { ALL, ALL, ALL, ALL }, OK_4K, .perm = RWX,
	  .dirty = true },
	{ .name = "SMAP: implicit supervisor read with AC = 1 still faults: P",
	  .va = VA, .implicit = true, .ctl = SMAP | AC, .e = { ALL, ALL, ALL, ALL },
	  .stop = MMU_PROTECTION, .ec = EC_P, .refs = 4 },
	{ .name = "SMAP: implicit supervisor write with AC = 1 still faults: P|W",
	  .va = VA, .acc = MMU_WRITE, .implicit = true, .ctl = SMAP | AC,
	  .e = { ALL, ALL, ALL, ALL },
	  .stop = MMU_PROTECTION, .ec = EC_P | EC_W, .refs = 4 },
	{ .name = "SMAP: supervisor read of a supervisor page is allowed",
	  .va = VA, .ctl = SMAP, .e = { ALL, ALL, ALL, SUP }, OK_4K,
	  .perm = MMU_PERM_W | MMU_PERM_X },
	{ .name = "SMAP: U/S = 0 in the PDPTE alone makes a supervisor address: read allowed",
	  .va = VA, .ctl = SMAP, .e = { ALL, SUP, ALL, ALL }, OK_4K,
	  .perm = MMU_PERM_W | MMU_PERM_X },
	{ .name = "SMAP: user read of a user page is allowed",
	  .va = VA, .user = true, .ctl = SMAP, .e = { ALL, ALL, ALL, ALL }, OK_4K, .perm = RWX },
	{ .name = "SMAP: supervisor fetch from a user page is allowed (data only)",
	  .va = VA, .acc = MMU_FETCH, .ctl = SMAP, .e = { ALL, ALL, ALL, ALL }, OK_4K, .perm = RWX },
	{ .name = "SMAP, AC = 1, WP = 1: write to a read-only user page: P|W",
	  .va = VA, .acc = MMU_WRITE, .ctl = SMAP | AC, .e = { ALL, ALL, ALL, RO },
	  .stop = MMU_PROTECTION, .ec = EC_P | EC_W, .refs = 4 },
	{ .name = "SMAP, AC = 1, WP = 0: write to a read-only user page is allowed",
	  .va = VA, .acc = MMU_WRITE, .ctl = SMAP | AC | NO_WP,
	  .e = { ALL, ALL, ALL, RO }, OK_4K,
	  .perm = MMU_PERM_U | MMU_PERM_X, .dirty = true },
	{ .name = "no SMAP: implicit supervisor read of a user page is allowed",
	  .va = VA, .implicit = true, .e = { ALL, ALL, ALL, ALL }, OK_4K, .perm = RWX },
	{ .name = "no SMAP: implicit write to a read-only user page, WP = 1: P|W",
	  .va = VA, .acc = MMU_WRITE, .implicit = true, .e = { ALL, ALL, ALL, RO },
	  .stop = MMU_PROTECTION, .ec = EC_P | EC_W, .refs = 4 },
};

/* CR4.PKE and PKRU (§4.6.2), the PK error-code bit (§4.7); key 5 unless named. */
static const struct walk_case pke_cases[] = {
	{ .name = "PKE: user read, AD of the page's key: P|U|PK",
	  .va = VA, .user = true, .ctl = PKE, .pkru = AD(5),
	  .e = { ALL, ALL, ALL, ALL | KEY(5) },
	  .stop = MMU_PROTECTION, .ec = EC_P | EC_U | EC_PK, .refs = 4 },
	{ .name = "PKE: user write, WD of the key: P|W|U|PK",
	  .va = VA, .acc = MMU_WRITE, .user = true, .ctl = PKE, .pkru = WD(5),
	  .e = { ALL, ALL, ALL, ALL | KEY(5) },
	  .stop = MMU_PROTECTION, .ec = EC_P | EC_W | EC_U | EC_PK, .refs = 4 },
	{ .name = "PKE: user read with only WD of the key is allowed, key reported",
	  .va = VA, .user = true, .ctl = PKE, .pkru = WD(5),
	  .e = { ALL, ALL, ALL, ALL | KEY(5) }, OK_4K, .perm = RWX, .pkey = 5 },
	{ .name = "PKE: supervisor read of a user page, AD: P|PK",
	  .va = VA, .ctl = PKE, .pkru = AD(5),
	  .e = { ALL, ALL, ALL, ALL | KEY(5) },
	  .stop = MMU_PROTECTION, .ec = EC_P | EC_PK, .refs = 4 },
	{ .name = "PKE: supervisor write of a user page, WD, WP = 1: P|W|PK",
	  .va = VA, .acc = MMU_WRITE, .ctl = PKE, .pkru = WD(5),
	  .e = { ALL, ALL, ALL, ALL | KEY(5) },
	  .stop = MMU_PROTECTION, .ec = EC_P | EC_W | EC_PK, .refs = 4 },
	{ .name = "PKE: supervisor write of a user page, WD, WP = 0 is allowed",
	  .va = VA, .acc = MMU_WRITE, .ctl = PKE | NO_WP, .pkru = WD(5),
	  .e = { ALL, ALL, ALL, ALL | KEY(5) }, OK_4K, .perm = RWX,
	  .dirty = true, .pkey = 5 },
	{ .name = "PKE: user fetch ignores AD and WD",
	  .va = VA, .acc = MMU_FETCH, .user = true, .ctl = PKE,
	  .pkru = AD(5) | WD(5), .e = { ALL, ALL, ALL, ALL | KEY(5) }, OK_4K, .perm = RWX, .pkey = 5 },
	{ .name = "PKE: a supervisor page is not checked against PKRU",
	  .va = VA, .ctl = PKE, .pkru = AD(5) | WD(5),
	  .e = { ALL, ALL, ALL, SUP | KEY(5) }, OK_4K,
	  .perm = MMU_PERM_W | MMU_PERM_X, .pkey = 5 },
	{ .name = "PKE: another key's AD does not matter",
	  .va = VA, .user = true, .ctl = PKE, .pkru = AD(4) | WD(6),
	  .e = { ALL, ALL, ALL, ALL | KEY(5) }, OK_4K, .perm = RWX, .pkey = 5 },
	{ .name = "PKE: key 0 with AD0 denies a user read: P|U|PK",
	  .va = VA, .user = true, .ctl = PKE, .pkru = AD(0),
	  .e = { ALL, ALL, ALL, ALL },
	  .stop = MMU_PROTECTION, .ec = EC_P | EC_U | EC_PK, .refs = 4 },
	{ .name = "PKE: key 15 with AD15 denies a user read of a 2 MiB page: P|U|PK",
	  .va = VA, .user = true, .ctl = PKE, .pkru = AD(15),
	  .e = { ALL, ALL, BIG | KEY(15) },
	  .stop = MMU_PROTECTION, .ec = EC_P | EC_U | EC_PK, .refs = 3 },
	{ .name = "PKE: user write to a read-only page with WD: P|W|U|PK",
	  .va = VA, .acc = MMU_WRITE, .user = true, .ctl = PKE, .pkru = WD(5),
	  .e = { ALL, ALL, ALL, RO | KEY(5) },
	  .stop = MMU_PROTECTION, .ec = EC_P | EC_W | EC_U | EC_PK, .refs = 4 },
	{ .name = "PKE: user read of a supervisor page with AD: P|U, no PK",
	  .va = VA, .user = true, .ctl = PKE, .pkru = AD(5),
	  .e = { ALL, ALL, ALL, SUP | KEY(5) },
	  .stop = MMU_PROTECTION, .ec = EC_P | EC_U, .refs = 4 },
	{ .name = "PKE and SMAP both deny a supervisor read: P|PK",
	  .va = VA, .ctl = PKE | SMAP, .pkru = AD(5),
	  .e = { ALL, ALL, ALL, ALL | KEY(5) },
	  .stop = MMU_PROTECTION, .ec = EC_P | EC_PK, .refs = 4 },
	{ .name = "PKE: implicit supervisor read of a user page with AD: P|PK",
	  .va = VA, .implicit = true, .ctl = PKE, .pkru = AD(5),
	  .e = { ALL, ALL, ALL, ALL | KEY(5) },
	  .stop = MMU_PROTECTION, .ec = EC_P | EC_PK, .refs = 4 },
	{ .name = "PKE: PKEY bits in a non-leaf entry are ignored",
	  .va = VA, .user = true, .ctl = PKE, .pkru = AD(5),
	  .e = { ALL, ALL, ALL | KEY(5), ALL }, OK_4K, .perm = RWX },
};

/* 5-level paging (CR4.LA57, §4.5): a PML5 on top, 57-bit canonical. */
static const struct walk_case la57_cases[] = {
	{ .name = "5-level: 4 KiB page after five reads",
	  .va = VA, .ctl = LA57, .e = { ALL, ALL, ALL, ALL, ALL },
	  .refs = 5, .pa = DATA_4K | 0x89a, .shift = 12, .perm = RWX },
	{ .name = "5-level: 1 GiB page after three reads",
	  .va = VA, .ctl = LA57, .e = { ALL, ALL, BIG },
	  .refs = 3, .pa = DATA_1G | 0x3456689a, .shift = 30, .perm = RWX },
	{ .name = "5-level: a 57-bit address (bit 55 set) translates",
	  .va = UINT64_C(0x00ff8000002019ab), .ctl = LA57,
	  .e = { ALL, ALL, ALL, ALL, ALL },
	  .refs = 5, .pa = DATA_4K | 0x9ab, .shift = 12, .perm = RWX },
	{ .name = "5-level: bit 47 without 63..48 set is canonical",
	  .va = UINT64_C(0x0000800000201abc), .ctl = LA57,
	  .e = { ALL, ALL, ALL, ALL, ALL },
	  .refs = 5, .pa = DATA_4K | 0xabc, .shift = 12, .perm = RWX },
	{ .name = "5-level: non-canonical: bit 56 set, 63..57 clear",
	  .va = UINT64_C(0x0100000000000000), .ctl = LA57,
	  .e = { ALL, ALL, ALL, ALL, ALL }, .stop = MMU_NONCANONICAL },
	{ .name = "5-level: PML5E not present: one read",
	  .va = VA, .acc = MMU_WRITE, .ctl = LA57, .e = { 0, ALL, ALL, ALL, ALL },
	  .stop = MMU_NOT_PRESENT, .ec = EC_W, .refs = 1 },
	{ .name = "5-level: PS in the PML5E: P|RSVD after one read",
	  .va = VA, .ctl = LA57, .e = { ALL | PTE_PS, ALL, ALL, ALL, ALL },
	  .stop = MMU_RESERVED, .ec = EC_P | EC_R, .refs = 1 },
	{ .name = "5-level: bit 40 in the PML5E: P|RSVD",
	  .va = VA, .ctl = LA57, .e = { ALL | PTE_BIT(40), ALL, ALL, ALL, ALL },
	  .stop = MMU_RESERVED, .ec = EC_P | EC_R, .refs = 1 },
	{ .name = "5-level: U/S = 0 in the PML5E alone: user read P|U",
	  .va = VA, .user = true, .ctl = LA57, .e = { SUP, ALL, ALL, ALL, ALL },
	  .stop = MMU_PROTECTION, .ec = EC_P | EC_U, .refs = 5 },
	{ .name = "5-level: XD in the PML5E alone: fetch P|I",
	  .va = VA, .acc = MMU_FETCH, .ctl = LA57, .e = { NX, ALL, ALL, ALL, ALL },
	  .stop = MMU_PROTECTION, .ec = EC_P | EC_I, .refs = 5 },
};

/*
 * The generated rights table: every combination of
 *   {supervisor, user} x {read, write, fetch}
 *   x R/W of the PTE x R/W of the PML4E x U/S of the PTE x U/S of the PDPTE
 *   x XD in {nowhere, the PTE, the PDE} x CR0.WP x EFER.NXE
 * on a 4 KiB page at VA, judged by ref_rights(), which restates SDM Vol. 3A
 * §4.6.1 and §4.7 from the manual's prose rather than from walk.c.
 */
enum { XD_NONE, XD_PTE, XD_PDE, XD_PLACES };

struct rights_combo {
	bool user;
	enum mmu_acc acc;
	bool rw_pte, rw_pml4e, us_pte, us_pdpte;
	int xd;
	bool wp, nxe;
};

#define RIGHTS_COMBOS (2 * 3 * 2 * 2 * 2 * 2 * XD_PLACES * 2 * 2)

static struct rights_combo rights_combo(unsigned n)
{
	struct rights_combo k;

	k.user = n % 2, n /= 2;
	k.acc = (enum mmu_acc)(n % 3), n /= 3;
	k.rw_pte = n % 2, n /= 2;
	k.rw_pml4e = n % 2, n /= 2;
	k.us_pte = n % 2, n /= 2;
	k.us_pdpte = n % 2, n /= 2;
	k.xd = (int)(n % XD_PLACES), n /= XD_PLACES;
	k.wp = n % 2, n /= 2;
	k.nxe = n % 2;
	return k;
}

/* ref_rights - the expected outcome of combination `k`, into `c`. */
static void ref_rights(const struct rights_combo *k, struct walk_case *c)
{
	bool writable = k->rw_pte && k->rw_pml4e;
	bool user_page = k->us_pte && k->us_pdpte;
	bool no_exec = k->nxe && k->xd != XD_NONE;
	bool ok;

	c->refs = 4;
	c->ec = (k->acc == MMU_WRITE ? PF_EC_W : 0) | (k->user ? PF_EC_U : 0) |
		(k->acc == MMU_FETCH && k->nxe ? PF_EC_I : 0);
	if (k->xd != XD_NONE && !k->nxe) {
		/* XD is a reserved bit while NXE = 0; found where it is read */
		c->stop = MMU_RESERVED;
		c->ec |= PF_EC_P | PF_EC_RSVD;
		c->refs = k->xd == XD_PDE ? 3 : 4;
		return;
	}
	if (k->user) {
		/* user-mode: only user pages; writes need R/W; fetches need !XD */
		ok = user_page && (k->acc != MMU_WRITE || writable) &&
		     (k->acc != MMU_FETCH || !no_exec);
	} else {
		/* supervisor: writes need R/W only under WP; fetches need !XD */
		ok = (k->acc != MMU_WRITE || writable || !k->wp) &&
		     (k->acc != MMU_FETCH || !no_exec);
	}
	if (!ok) {
		c->stop = MMU_PROTECTION;
		c->ec |= PF_EC_P;
		return;
	}
	c->stop = MMU_OK;
	c->ec = 0;
	c->pa = DATA_4K | 0x89a;
	c->shift = 12;
	c->perm = (writable ? MMU_PERM_W : 0) | (user_page ? MMU_PERM_U : 0) |
		  (no_exec ? 0 : MMU_PERM_X);
	c->dirty = k->acc == MMU_WRITE;
}

static void rights_generated_table_agrees_with_sdm(void **state)
{
	static const char *const acc_name[] = { "read", "write", "fetch" };
	static const char *const xd_name[] = { "nowhere", "in the PTE",
					       "in the PDE" };
	char name[160];

	(void)state;
	for (unsigned n = 0; n < RIGHTS_COMBOS; n++) {
		struct rights_combo k = rights_combo(n);
		struct walk_case c = {
			.name = name,
			.va = VA,
			.acc = k.acc,
			.user = k.user,
			.ctl = (k.wp ? 0 : NO_WP) | (k.nxe ? 0 : NO_NXE),
			.e = {
				PTE_P | PTE_US | (k.rw_pml4e ? PTE_RW : 0),
				PTE_P | PTE_RW | (k.us_pdpte ? PTE_US : 0),
				ALL | (k.xd == XD_PDE ? PTE_XD : 0),
				PTE_P | (k.rw_pte ? PTE_RW : 0) |
					(k.us_pte ? PTE_US : 0) |
					(k.xd == XD_PTE ? PTE_XD : 0),
			},
		};

		snprintf(name, sizeof(name),
			 "%s %s: R/W pte=%d pml4e=%d, U/S pte=%d pdpte=%d, XD %s, WP=%d NXE=%d",
			 k.user ? "user" : "supervisor", acc_name[k.acc],
			 k.rw_pte, k.rw_pml4e, k.us_pte, k.us_pdpte,
			 xd_name[k.xd], k.wp, k.nxe);
		ref_rights(&k, &c);
		run_case(&c);
	}
}

/*
 * Memory ends at 2 MiB, the end of pmem's first directory chunk.  A table
 * address at or past the end reads as zero, so the walk stops not present
 * there instead of reading past pmem's directory.
 */
static void table_beyond_memory_reads_not_present(void **state)
{
	static const struct walk_case c = { .name = "beyond memory" };
	struct mmu_req req = { .va = VA, .acc = MMU_READ };
	uint64_t pml4e_pa = table_pa[4] + pt_index(VA, 4) * 8;
	struct mmu_walk w;
	struct pmem pm;
	struct mmu m;

	(void)state;
	assert_int_equal(pmem_init(&pm, MEM_BYTES), 0);
	native_mmu(&m, &pm, &c);

	/* CR3 names the first frame past the end */
	m.mu_regs.cr3 = MEM_BYTES;
	mmu_translate(&m, &req, &w);
	assert_int_equal(w.stop, MMU_NOT_PRESENT);
	assert_int_equal(w.mem_refs, 1);
	assert_int_equal(w.nsteps, 1);
	assert_int_equal(w.steps[0].ms_addr, MEM_BYTES + pt_index(VA, 4) * 8);

	/* the PML4E names a PDPT 1 GiB past the end */
	m.mu_regs.cr3 = table_pa[4];
	assert_int_equal(pmem_write64(&pm, pml4e_pa, ALL | DATA_1G), 0);
	mmu_translate(&m, &req, &w);
	assert_int_equal(w.stop, MMU_NOT_PRESENT);
	assert_int_equal(w.mem_refs, 2);
	assert_int_equal(pmem_read64(&pm, pml4e_pa), ALL | DATA_1G);
	pmem_fini(&pm);
}

/* mmu_regs_check: the controls must be possible on the CPU (§4.1.1, §4.5). */
static void regs_check_la57_needs_the_capability(void **state)
{
	static const struct walk_case c = { .name = "la57", .ctl = LA57 };
	const char *why = NULL;
	struct pmem pm;
	struct mmu m;

	(void)state;
	assert_int_equal(pmem_init(&pm, MEM_BYTES), 0);
	native_mmu(&m, &pm, &c);
	assert_int_equal(mmu_regs_check(&m, &why), 0);
	m.mu_caps.la57 = false;
	assert_int_equal(mmu_regs_check(&m, &why), -EINVAL);
	assert_non_null(why);
	m.mu_regs.la57 = false;
	m.mu_regs.cr3 = table_pa[4];
	assert_int_equal(mmu_regs_check(&m, &why), 0);
	pmem_fini(&pm);
}

static void regs_check_cr3_within_maxphyaddr(void **state)
{
	static const struct walk_case c = { .name = "cr3" };
	const char *why = NULL;
	struct pmem pm;
	struct mmu m;

	(void)state;
	assert_int_equal(pmem_init(&pm, MEM_BYTES), 0);
	native_mmu(&m, &pm, &c);
	m.mu_regs.cr3 = PTE_BIT(39) | 0x4000;
	assert_int_equal(mmu_regs_check(&m, &why), 0);
	m.mu_regs.cr3 = PTE_BIT(40) | 0x4000;
	assert_int_equal(mmu_regs_check(&m, &why), -EINVAL);
	assert_non_null(why);
	pmem_fini(&pm);
}

int main(void)
{
	static const struct CMUnitTest singles[] = {
		cmocka_unit_test(rights_generated_table_agrees_with_sdm),
		cmocka_unit_test(table_beyond_memory_reads_not_present),
		cmocka_unit_test(regs_check_la57_needs_the_capability),
		cmocka_unit_test(regs_check_cr3_within_maxphyaddr),
	};
	struct tl_tests ts = { 0 };

	TL_ROWS(&ts, translate_cases, run_case_test);
	TL_ROWS(&ts, canonical_cases, run_case_test);
	TL_ROWS(&ts, not_present_cases, run_case_test);
	TL_ROWS(&ts, reserved_cases, run_case_test);
	TL_ROWS(&ts, ignored_cases, run_case_test);
	TL_ROWS(&ts, rights_cases, run_case_test);
	TL_ROWS(&ts, smep_cases, run_case_test);
	TL_ROWS(&ts, smap_cases, run_case_test);
	TL_ROWS(&ts, pke_cases, run_case_test);
	TL_ROWS(&ts, la57_cases, run_case_test);
	tl_tests_add(&ts, singles, sizeof(singles) / sizeof(singles[0]));
	return tl_tests_run(&ts, "walk");
}
