/*
 * test_walk.c - the native 4-level walk (sim/mmu/walk.c) against the rules
 * of SDM Vol. 3A it implements: §4.5 translation, §4.6 access rights, §4.7
 * the #PF error code, §4.8 accessed and dirty flags.
 *
 * Every case runs on a fresh 2 MiB physical memory laid out as:
 *
 *   frame 4 (0x4000)  PML4, CR3 points here
 *   frame 1 (0x1000)  PDPT  (so a PML4E's address has no bit above 12:
 *                            PS in it must fault for PS itself)
 *   frame 2 (0x2000)  PD
 *   frame 3 (0x3000)  PT
 *   DATA_4K, DATA_2M, DATA_1G: the page a PTE, PDE or PDPTE leaf maps
 *   (outside memory: the walk computes their addresses, never reads them)
 *
 * A case gives the flags of the four entries on the path of its va, PML4E
 * first.  The builder adds the next table's address to an upper entry and
 * the page's address to a leaf (a PTE, or a PDPTE/PDE with PS), writes each
 * entry at the index the va selects and stops after the leaf.  A zero
 * entry is not present; a table holding only zero entries gets no storage
 * at all, which the walk must also read as not present.
 *
 * Unless a case says otherwise: MAXPHYADDR 40, CR0.WP = 1, EFER.NXE = 1,
 * 1 GiB pages supported.  After every walk the case also checks the path
 * recorded and the entries in memory: A set in each entry used and D in the
 * leaf of a write after a success, nothing changed after a fault.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>

#include "sim/mmu/pte.h"
#include "sim/mmu/walk.h"
#include "sim/pmem.h"

#define MEM_BYTES (UINT64_C(2) << 20) /* exactly one pmem directory chunk */
#define MAXPHY 40u

/* table addresses by level: 4 = PML4 .. 1 = PT */
static const uint64_t table_pa[5] = { 0, 0x3000, 0x2000, 0x1000, 0x4000 };

#define DATA_4K UINT64_C(0x0abcd000)
#define DATA_2M UINT64_C(0x0ac00000)
#define DATA_1G UINT64_C(0x80000000)
/* page addresses by the level of the leaf */
static const uint64_t page_pa[4] = { 0, DATA_4K, DATA_2M, DATA_1G };

/*
 * The va of most cases: indices PML4 0xfe, PDPT 0x48, PD 0x1a2, PT 0x166;
 * offset 0x89a in a 4 KiB page, 0x16689a in 2 MiB, 0x3456689a in 1 GiB
 * (bit 12 clear, so a PAT bit leaking into an address would show).
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

#define RWX (MMU_PERM_W | MMU_PERM_U | MMU_PERM_X)

/* controls a case changes from the defaults */
#define NO_WP (1u << 0)       /* CR0.WP = 0 */
#define NO_NXE (1u << 1)      /* EFER.NXE = 0 */
#define NO_1G (1u << 2)       /* no 1 GiB pages */
#define MAXPHY52 (1u << 3)    /* MAXPHYADDR 52 */

#define EC_P PF_EC_P
#define EC_W PF_EC_W
#define EC_U PF_EC_U
#define EC_R PF_EC_RSVD
#define EC_I PF_EC_I

struct walk_case {
	const char *name;
	/* the access */
	uint64_t va;
	enum mmu_acc acc;
	bool user;
	unsigned ctl;           /* NO_WP | NO_NXE | NO_1G | MAXPHY52 */
	uint64_t e[4];          /* PML4E, PDPTE, PDE, PTE flags */
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
};

#define EXPECT(c, what, got, want)                                             \
	do {                                                                   \
		uint64_t got_ = (got), want_ = (want);                         \
		if (got_ != want_)                                             \
			fail_msg("%s: %s is %#llx, want %#llx", (c)->name,     \
				 what, (unsigned long long)got_,               \
				 (unsigned long long)want_);                   \
	} while (0)

/*
 * build - write the path of case `c` into `pm` (layout at the top); fill
 * pa[]/val[] with where each entry went and what it holds.  Returns the
 * number of entries written.
 */
static unsigned build(struct pmem *pm, const struct walk_case *c,
		      uint64_t pa[4], uint64_t val[4])
{
	for (unsigned level = PT_LEVELS_4, i = 0; level >= 1; level--, i++) {
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
	return 4;
}

static void run_case(const struct walk_case *c)
{
	struct mmu_regs regs = {
		.cr3 = table_pa[PT_LEVELS_4],
		.maxphyaddr = (c->ctl & MAXPHY52) ? 52 : MAXPHY,
		.wp = !(c->ctl & NO_WP),
		.nxe = !(c->ctl & NO_NXE),
		.page1g = !(c->ctl & NO_1G),
	};
	struct mmu_req req = { .va = c->va, .acc = c->acc, .user = c->user };
	uint64_t pa[4], val[4];
	struct mmu_walk w;
	struct pmem pm;
	unsigned built;

	assert_int_equal(pmem_init(&pm, MEM_BYTES), 0);
	built = build(&pm, c, pa, val);
	mmu_walk(&pm, &regs, &req, &w);

	EXPECT(c, "stop", w.stop, c->stop);
	EXPECT(c, "error_code", w.error_code, c->ec);
	EXPECT(c, "mem_refs", w.mem_refs, c->refs);
	EXPECT(c, "steps", w.steps, c->refs);
	if (c->stop == MMU_OK) {
		EXPECT(c, "pa", w.pa, c->pa);
		EXPECT(c, "page_shift", w.page_shift, c->shift);
		EXPECT(c, "perm", w.perm, c->perm);
		EXPECT(c, "dirty", w.dirty, c->dirty);
		EXPECT(c, "global", w.global, c->global);
	}
	/* the path recorded is the path built, as it was read */
	for (unsigned i = 0; i < w.steps && i < built; i++) {
		EXPECT(c, "entry_pa[i]", w.entry_pa[i], pa[i]);
		EXPECT(c, "entry[i]", w.entry[i], val[i]);
	}
	/* §4.8: A on every entry used, D on the leaf of a write, on success only */
	for (unsigned i = 0; i < built; i++) {
		uint64_t want = val[i];

		if (c->stop == MMU_OK && i < w.steps) {
			want |= PTE_A;
			if (i == w.steps - 1 && c->acc == MMU_WRITE)
				want |= PTE_D;
		}
		EXPECT(c, "entry in memory after the walk", pmem_read64(&pm, pa[i]),
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
	  .va = VA, .e = { ALL, ALL, ALL, ALL },
	  .refs = 4, .pa = DATA_4K | 0x89a, .shift = 12, .perm = RWX },
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
	  .va = VA, .e = { ALL, ALL, ALL, ALL | PTE_PAT4K },
	  .refs = 4, .pa = DATA_4K | 0x89a, .shift = 12, .perm = RWX },
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
	  .va = VA, .e = { ALL, ALL, ALL, ALL },
	  .refs = 4, .pa = DATA_4K | 0x89a, .shift = 12, .perm = RWX },
	{ .name = "read of a page already dirty: dirty",
	  .va = VA, .e = { ALL, ALL, ALL, ALL | PTE_D },
	  .refs = 4, .pa = DATA_4K | 0x89a, .shift = 12, .perm = RWX,
	  .dirty = true },
	{ .name = "write sets D in the PTE only: dirty",
	  .va = VA, .acc = MMU_WRITE, .e = { ALL, ALL, ALL, ALL },
	  .refs = 4, .pa = DATA_4K | 0x89a, .shift = 12, .perm = RWX,
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
	  .e = { ALL | PTE_A, ALL | PTE_A, ALL | PTE_A, ALL | PTE_A },
	  .refs = 4, .pa = DATA_4K | 0x89a, .shift = 12, .perm = RWX },
	{ .name = "G in the leaf: global",
	  .va = VA, .e = { ALL, ALL, ALL, ALL | PTE_G },
	  .refs = 4, .pa = DATA_4K | 0x89a, .shift = 12, .perm = RWX,
	  .global = true },
	{ .name = "G in an upper entry is ignored: not global",
	  .va = VA, .e = { ALL, ALL | PTE_G, ALL | PTE_G, ALL },
	  .refs = 4, .pa = DATA_4K | 0x89a, .shift = 12, .perm = RWX },
	{ .name = "XD with NXE = 1 is not reserved: a read succeeds without X",
	  .va = VA, .e = { ALL, ALL, ALL, NX },
	  .refs = 4, .pa = DATA_4K | 0x89a, .shift = 12,
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
	  .va = VA, .user = true, .e = { ALL, ALL, ALL, RO },
	  .refs = 4, .pa = DATA_4K | 0x89a, .shift = 12,
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
	  .va = VA, .acc = MMU_WRITE, .ctl = NO_WP, .e = { ALL, ALL, ALL, RO },
	  .refs = 4, .pa = DATA_4K | 0x89a, .shift = 12,
	  .perm = MMU_PERM_U | MMU_PERM_X, .dirty = true },
	{ .name = "supervisor write to a read-only supervisor page, WP = 1: P|W",
	  .va = VA, .acc = MMU_WRITE, .e = { ALL, ALL, ALL, PTE_P },
	  .stop = MMU_PROTECTION, .ec = EC_P | EC_W, .refs = 4 },
	{ .name = "supervisor read of a user page is allowed (no SMAP)",
	  .va = VA, .e = { ALL, ALL, ALL, ALL },
	  .refs = 4, .pa = DATA_4K | 0x89a, .shift = 12, .perm = RWX },
	{ .name = "supervisor write to a writable user page is allowed",
	  .va = VA, .acc = MMU_WRITE, .e = { ALL, ALL, ALL, ALL },
	  .refs = 4, .pa = DATA_4K | 0x89a, .shift = 12, .perm = RWX,
	  .dirty = true },
	{ .name = "supervisor fetch from a user page is allowed (no SMEP)",
	  .va = VA, .acc = MMU_FETCH, .e = { ALL, ALL, ALL, ALL },
	  .refs = 4, .pa = DATA_4K | 0x89a, .shift = 12, .perm = RWX },
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
	  .va = VA, .acc = MMU_FETCH, .user = true, .e = { ALL, ALL, ALL, RO },
	  .refs = 4, .pa = DATA_4K | 0x89a, .shift = 12,
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
	  .e = { ALL, ALL, ALL, RO },
	  .refs = 4, .pa = DATA_4K | 0x89a, .shift = 12,
	  .perm = MMU_PERM_U | MMU_PERM_X },
	{ .name = "perm is the AND over levels: R/W = 0 in PML4E, U/S = 0 in PDE",
	  .va = VA, .e = { RO, ALL, SUP, ALL },
	  .refs = 4, .pa = DATA_4K | 0x89a, .shift = 12, .perm = MMU_PERM_X },
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
	struct mmu_regs regs = { .maxphyaddr = MAXPHY, .wp = true, .nxe = true,
				 .page1g = true };
	struct mmu_req req = { .va = VA, .acc = MMU_READ };
	uint64_t pml4e_pa = table_pa[4] + pt_index(VA, 4) * 8;
	struct mmu_walk w;
	struct pmem pm;

	(void)state;
	assert_int_equal(pmem_init(&pm, MEM_BYTES), 0);

	/* CR3 names the first frame past the end */
	regs.cr3 = MEM_BYTES;
	mmu_walk(&pm, &regs, &req, &w);
	assert_int_equal(w.stop, MMU_NOT_PRESENT);
	assert_int_equal(w.mem_refs, 1);
	assert_int_equal(w.entry_pa[0], MEM_BYTES + pt_index(VA, 4) * 8);

	/* the PML4E names a PDPT 1 GiB past the end */
	regs.cr3 = table_pa[4];
	assert_int_equal(pmem_write64(&pm, pml4e_pa, ALL | DATA_1G), 0);
	mmu_walk(&pm, &regs, &req, &w);
	assert_int_equal(w.stop, MMU_NOT_PRESENT);
	assert_int_equal(w.mem_refs, 2);
	assert_int_equal(pmem_read64(&pm, pml4e_pa), ALL | DATA_1G);
	pmem_fini(&pm);
}

#define TABLE(t) { t, sizeof(t) / sizeof((t)[0]) }

int main(void)
{
	static const struct {
		const struct walk_case *rows;
		size_t n;
	} tables[] = {
		TABLE(translate_cases),   TABLE(canonical_cases),
		TABLE(not_present_cases), TABLE(reserved_cases),
		TABLE(rights_cases),
	};
	struct CMUnitTest *tests;
	size_t n = 0, max = 2;
	int failed;

	for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++)
		max += tables[t].n;
	tests = calloc(max, sizeof(*tests));
	if (!tests)
		return 1;
	/* one cmocka test per row, named for what it proves */
	for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++) {
		for (size_t i = 0; i < tables[t].n; i++) {
			tests[n++] = (struct CMUnitTest){
				.name = tables[t].rows[i].name,
				.test_func = run_case_test,
				.initial_state = (void *)&tables[t].rows[i],
			};
		}
	}
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(
		rights_generated_table_agrees_with_sdm);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(
		table_beyond_memory_reads_not_present);
	failed = _cmocka_run_group_tests("walk", tests, n, NULL, NULL);
	free(tests);
	return failed;
}
