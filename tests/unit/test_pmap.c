/*
 * test_pmap.c - the pmap (kernel-model/pmap.h) for every type and variant:
 * the entries each operation leaves at every level, read back raw with
 * vm_kern_read64, and the bookkeeping around them (pv lists, vmp_aflags,
 * pm_resident, pm_ptpages, vk_st counters, EPT generations, invalidation
 * callbacks).
 *
 * Most cases run once per variant of the matrix (struct variant): x86,
 * EPT with hardware A/D, EPT with emulated A/D (bhyve, always executable,
 * and without always-execute), DragonFly's EPT bits, EPT assuming A/D
 * (NetBSD without EPT A/D), and Akaros's paired x86 tables.  A variant
 * row spells out the exact leaf bits it expects for each enter row, so a
 * layout bug shows as a wrong bit, not as a self-consistent table.
 *
 * After every operation check_pmap walks the whole tree and asserts the
 * invariants: every intermediate entry is exactly address | the type's
 * table bits and points at a VMP_PTPAGE frame; EPT entries are legal for
 * the hardware (no write-without-read, no execute-only without support,
 * no reserved bit, memory type WB); a paired table's EPT half is the
 * conversion of its x86 half, entry by entry; tables, 4 KiB pages and
 * superpages counted match pm_ptpages, pm_resident, pm_superpages; every
 * managed leaf has its pv entries and every pv entry its mapping; the
 * entry count kept in a table page's vmp_wire is right.  Cases at the end
 * walk the tables with the simulated MMU (native and 2D).
 *
 * Memory: FRAMES frames (16 MiB, MAXPHYADDR 46), a fresh kernel and pmap
 * per case.  Addresses (PML4, PDPT, PD, PT indices):
 *
 *   VA_A  = (3, 5, 7, 9)   VA_B = (3, 5, 7, 10): one page table
 *   VA_SP = (3, 5, 8, 0)   a 2 MiB aligned address in the same PD
 *   VA_FAR = (200, 0, 0, 511): another PML4 slot
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kernel-model/pmap.h"
#include "kernel-model/vm_phys.h"
#include "sim/mmu/ept.h"
#include "sim/mmu/mmu.h"
#include "sim/mmu/pte.h"
#include "tests/lib/kmfix.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define MAXPHY 46u
#define FRAMES 4096u
#define AMASK PTE_ADDR_MASK(MAXPHY)
#define SP_PAGES 512u
#define SP_SIZE (UINT64_C(1) << 21)
#define PA(pfn) ((uint64_t)(pfn) << PAGE_SHIFT)
#define VA(l4, l3, l2, l1)                                                     \
	(((uint64_t)(l4) << 39) | ((uint64_t)(l3) << 30) |                     \
	 ((uint64_t)(l2) << 21) | ((uint64_t)(l1) << 12))
#define VA_A VA(3, 5, 7, 9)
#define VA_B VA(3, 5, 7, 10)
#define VA_SP VA(3, 5, 8, 0)
#define VA_FAR VA(200, 0, 0, 511)
#define PG(i) ((uint64_t)(i) * PAGE_SIZE)

/* named bits of the layouts (pmap.h's table) */
#define WB ((uint64_t)EPT_MT_WB << EPT_MT_SHIFT)
#define SW_V PTE_BIT(52)
#define SW_RW PTE_BIT(53)
#define MGD PTE_BIT(11)
#define X86_PDE (PTE_P | PTE_RW | PTE_US)
#define PROT_R VM_PROT_READ
#define PROT_RW (VM_PROT_READ | VM_PROT_WRITE)
#define PROT_RX (VM_PROT_READ | VM_PROT_EXEC)
#define PROT_RWX (VM_PROT_READ | VM_PROT_WRITE | VM_PROT_EXEC)
#define REFMOD (VMP_A_REFERENCED | VMP_A_MODIFIED)

/* the enter rows: protection and faulting access */
enum { R0, R1, R2, R3, R4, R5, NROWS };
static const struct {
	const char *name;
	uint32_t prot, access;
} rows[NROWS] = {
	[R0] = { "r_untouched", PROT_R, 0 },
	[R1] = { "r_read", PROT_R, VM_PROT_READ },
	[R2] = { "rw_read", PROT_RW, VM_PROT_READ },
	[R3] = { "rw_write", PROT_RW, VM_PROT_WRITE },
	[R4] = { "rx_exec", PROT_RX, VM_PROT_EXEC },
	[R5] = { "rwx_write", PROT_RWX, VM_PROT_WRITE },
};

struct variant {
	const char *v_name;
	enum pmap_type v_type;
	unsigned v_flags;
	uint64_t v_bits[PMAP_NBITS];    /* pm_bits wanted */
	uint64_t v_leaf[NROWS];         /* leaf bits per enter row (without frame, MANAGED) */
	uint64_t v_protect_r;           /* R5 after pmap_protect(READ) */
	uint64_t v_clear_mod;           /* R3 after pmap_clear_modify */
	uint64_t v_ts_cleared;          /* R1 after pmap_ts_referenced; 0: removed instead */
	bool v_a_always;                /* an untouched page is entered with A too */
	bool v_assume;                  /* PMAP_ASSUME_AD */
};

#define X86_BITS                                                               \
	{ [PMAP_BIT_V] = PTE_P, [PMAP_BIT_RW] = PTE_RW, [PMAP_BIT_U] = PTE_US, \
	  [PMAP_BIT_A] = PTE_A, [PMAP_BIT_M] = PTE_D, [PMAP_BIT_NX] = PTE_XD,  \
	  [PMAP_BIT_PS] = PTE_PS, [PMAP_BIT_G] = PTE_G,                        \
	  [PMAP_BIT_MANAGED] = MGD }
#define X86_LEAVES                                                             \
	{ [R0] = PTE_P | PTE_US | PTE_XD,                                      \
	  [R1] = PTE_P | PTE_US | PTE_XD | PTE_A,                              \
	  [R2] = PTE_P | PTE_US | PTE_XD | PTE_RW | PTE_A,                     \
	  [R3] = PTE_P | PTE_US | PTE_XD | PTE_RW | PTE_A | PTE_D,             \
	  [R4] = PTE_P | PTE_US | PTE_A,                                       \
	  [R5] = PTE_P | PTE_US | PTE_RW | PTE_A | PTE_D }
#define EPT_BITS(v, rw, u, a, m)                                               \
	{ [PMAP_BIT_V] = (v), [PMAP_BIT_RW] = (rw), [PMAP_BIT_U] = (u),        \
	  [PMAP_BIT_A] = (a), [PMAP_BIT_M] = (m), [PMAP_BIT_X] = EPT_X,        \
	  [PMAP_BIT_PS] = EPT_PS, [PMAP_BIT_MANAGED] = MGD }
#define EPT_LEAVES                                                             \
	{ [R0] = EPT_R | WB,                                                   \
	  [R1] = EPT_R | WB | EPT_A,                                           \
	  [R2] = EPT_R | EPT_W | WB | EPT_A,                                   \
	  [R3] = EPT_R | EPT_W | WB | EPT_A | EPT_D,                           \
	  [R4] = EPT_R | EPT_X | WB | EPT_A,                                   \
	  [R5] = EPT_R | EPT_W | EPT_X | WB | EPT_A | EPT_D }

static const struct variant V_X86 = {
	.v_name = "x86", .v_type = PT_X86, .v_flags = PMAP_SUPERPAGES,
	.v_bits = X86_BITS, .v_leaf = X86_LEAVES,
	.v_protect_r = PTE_P | PTE_US | PTE_XD | PTE_A,
	.v_clear_mod = PTE_P | PTE_US | PTE_XD | PTE_RW | PTE_A,
	.v_ts_cleared = PTE_P | PTE_US | PTE_XD,
};

/* Akaros: the x86 half as V_X86; the EPT half is checked by check_twin */
static const struct variant V_PAIRED = {
	.v_name = "paired", .v_type = PT_X86,
	.v_flags = PMAP_SUPERPAGES | PMAP_PAIRED,
	.v_bits = X86_BITS, .v_leaf = X86_LEAVES,
	.v_protect_r = PTE_P | PTE_US | PTE_XD | PTE_A,
	.v_clear_mod = PTE_P | PTE_US | PTE_XD | PTE_RW | PTE_A,
	.v_ts_cleared = PTE_P | PTE_US | PTE_XD,
};

/* EPT with hardware A/D (bhyve and nvmm on recent processors) */
static const struct variant V_EPT = {
	.v_name = "ept", .v_type = PT_EPT, .v_flags = PMAP_SUPERPAGES,
	.v_bits = EPT_BITS(EPT_R, EPT_W, 0, EPT_A, EPT_D),
	.v_leaf = EPT_LEAVES,
	.v_protect_r = EPT_R | WB | EPT_A,
	.v_clear_mod = EPT_R | EPT_W | WB | EPT_A,
	.v_ts_cleared = EPT_R | WB,
};

/* NetBSD on an EPT without A/D: same entries, every page referenced and modified */
static const struct variant V_ASSUME = {
	.v_name = "ept_assume", .v_type = PT_EPT,
	.v_flags = PMAP_SUPERPAGES | PMAP_ASSUME_AD,
	.v_bits = EPT_BITS(EPT_R, EPT_W, 0, EPT_A, EPT_D),
	.v_leaf = EPT_LEAVES,
	.v_protect_r = EPT_R | WB | EPT_A,
	.v_clear_mod = EPT_R | EPT_W | WB | EPT_A,
	.v_ts_cleared = EPT_R | WB,
	.v_assume = true,
};

/*
 * bhyve without EPT A/D: V, RW in bits 52, 53; A is R, M is W; PG_U is X,
 * so every leaf is executable and, X without R being a misconfiguration,
 * gets R (A) at once.  Clearing A is never safe: ts_referenced removes.
 */
static const struct variant V_EMUL = {
	.v_name = "ept_emul", .v_type = PT_EPT,
	.v_flags = PMAP_SUPERPAGES | PMAP_EMULATE_AD | PMAP_EXEC_ALWAYS,
	.v_bits = EPT_BITS(SW_V, SW_RW, EPT_X, EPT_R, EPT_W),
	.v_leaf = {
		[R0] = SW_V | EPT_X | WB | EPT_R,
		[R1] = SW_V | EPT_X | WB | EPT_R,
		[R2] = SW_V | SW_RW | EPT_X | WB | EPT_R,
		[R3] = SW_V | SW_RW | EPT_X | WB | EPT_R | EPT_W,
		[R4] = SW_V | EPT_X | WB | EPT_R,
		[R5] = SW_V | SW_RW | EPT_X | WB | EPT_R | EPT_W,
	},
	.v_protect_r = SW_V | EPT_X | WB | EPT_R,
	.v_clear_mod = SW_V | SW_RW | EPT_X | WB | EPT_R,
	.v_ts_cleared = 0,
	.v_a_always = true,
};

/* emulated A/D with execute from the protection: untouched leaves are invisible */
static const struct variant V_EMUL_NX = {
	.v_name = "ept_emul_nx", .v_type = PT_EPT,
	.v_flags = PMAP_SUPERPAGES | PMAP_EMULATE_AD,
	.v_bits = EPT_BITS(SW_V, SW_RW, 0, EPT_R, EPT_W),
	.v_leaf = {
		[R0] = SW_V | WB,
		[R1] = SW_V | WB | EPT_R,
		[R2] = SW_V | SW_RW | WB | EPT_R,
		[R3] = SW_V | SW_RW | WB | EPT_R | EPT_W,
		[R4] = SW_V | EPT_X | WB | EPT_R,
		[R5] = SW_V | SW_RW | EPT_X | WB | EPT_R | EPT_W,
	},
	.v_protect_r = SW_V | WB | EPT_R,
	.v_clear_mod = SW_V | SW_RW | WB | EPT_R,
	.v_ts_cleared = SW_V | WB,
};

/* DragonFly: V is R|X (always executable), A/D at 8/9 */
static const struct variant V_DFLY = {
	.v_name = "ept_dfly", .v_type = PT_EPT,
	.v_flags = PMAP_SUPERPAGES | PMAP_DFLY_BITS,
	.v_bits = EPT_BITS(EPT_R | EPT_X, EPT_W, 0, EPT_A, EPT_D),
	.v_leaf = {
		[R0] = EPT_R | EPT_X | WB,
		[R1] = EPT_R | EPT_X | WB | EPT_A,
		[R2] = EPT_R | EPT_X | EPT_W | WB | EPT_A,
		[R3] = EPT_R | EPT_X | EPT_W | WB | EPT_A | EPT_D,
		[R4] = EPT_R | EPT_X | WB | EPT_A,
		[R5] = EPT_R | EPT_X | EPT_W | WB | EPT_A | EPT_D,
	},
	.v_protect_r = EPT_R | EPT_X | WB | EPT_A,
	.v_clear_mod = EPT_R | EPT_X | EPT_W | WB | EPT_A,
	.v_ts_cleared = EPT_R | EPT_X | WB,
};

/* emulated A/D on a processor with execute-only EPT entries */
static const struct variant V_EMUL_XO = {
	.v_name = "ept_emul_xonly", .v_type = PT_EPT,
	.v_flags = PMAP_SUPERPAGES | PMAP_EMULATE_AD | PMAP_EXEC_ONLY,
	.v_bits = EPT_BITS(SW_V, SW_RW, 0, EPT_R, EPT_W),
};

/* no superpages (an EPT without 2 MiB pages) */
static const struct variant V_EPT_4K = {
	.v_name = "ept_4k", .v_type = PT_EPT, .v_flags = 0,
	.v_bits = EPT_BITS(EPT_R, EPT_W, 0, EPT_A, EPT_D),
};

static const struct variant *const matrix[] = {
	&V_X86, &V_EPT, &V_EMUL, &V_EMUL_NX, &V_DFLY, &V_ASSUME, &V_PAIRED,
};

/* ---- fixture ------------------------------------------------------------ */

struct tcase {
	const struct variant *c_v;
	unsigned c_sub;                 /* the row or reason of a table-driven case */
};

#define MAX_DATA 2048u

struct fx {
	const struct tcase *tc;
	const struct variant *v;
	struct kmfix km;
	struct pmap pm, pm2;
	bool pm_up, pm2_up;
	/* invalidation callbacks seen since mark() */
	unsigned n_page, n_range, n_all, n_ept;
	uint64_t last_va, last_sva, last_eva;
	struct vm_kstats st0;
	uint64_t gen0, gen0_2;
	int inj_left;                   /* gpa_inject: calls until -ENOMEM; -1 never */
	/* data frames handed out (check_pmap checks their pv lists) */
	unsigned ndata;
	uint64_t data[MAX_DATA];
};

static void cb_page(void *ctx, struct pmap *pm, uint64_t va)
{
	struct fx *fx = ctx;

	(void)pm;
	fx->n_page++;
	fx->last_va = va;
}

static void cb_range(void *ctx, struct pmap *pm, uint64_t sva, uint64_t eva)
{
	struct fx *fx = ctx;

	(void)pm;
	fx->n_range++;
	fx->last_sva = sva;
	fx->last_eva = eva;
}

static void cb_all(void *ctx, struct pmap *pm)
{
	(void)pm;
	((struct fx *)ctx)->n_all++;
}

static void cb_ept(void *ctx, struct pmap *pm)
{
	(void)pm;
	((struct fx *)ctx)->n_ept++;
}

static int fx_setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	fx->tc = *state;
	*state = fx;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *fx = *state;

	if (fx->pm2_up)
		pmap_fini(&fx->pm2);
	if (fx->pm_up)
		pmap_fini(&fx->pm);
	kmfix_stop(&fx->km);
	free(fx);
	return 0;
}

static struct vm_kern *K(struct fx *fx)
{
	return &fx->km.k;
}

/* mark - the point the next expect_* counts from */
static void mark(struct fx *fx)
{
	fx->st0 = K(fx)->vk_st;
	fx->n_page = fx->n_range = fx->n_all = fx->n_ept = 0;
	fx->gen0 = fx->pm.pm_eptgen;
	fx->gen0_2 = fx->pm2.pm_eptgen;
}

static void pmap_start(struct fx *fx, struct pmap *pm, const struct variant *v,
		       unsigned levels)
{
	assert_int_equal(pmap_init(pm, v->v_type, K(fx), MAXPHY, levels,
				   v->v_flags), 0);
	pm->pm_inval = (struct pmap_inval){
		.pi_ctx = fx, .pi_page = cb_page, .pi_range = cb_range,
		.pi_all = cb_all, .pi_ept = cb_ept,
	};
}

/* go - a fresh kernel and an empty pmap of the case's variant */
static struct fx *go_levels(void **state, unsigned levels)
{
	struct fx *fx = *state;

	fx->v = fx->tc->c_v;
	kmfix_start(&fx->km, FRAMES, 0);
	pmap_start(fx, &fx->pm, fx->v, levels);
	fx->pm_up = true;
	mark(fx);
	return fx;
}

static struct fx *go(void **state)
{
	return go_levels(state, PT_LEVELS_4);
}

static uint64_t rd(struct fx *fx, uint64_t pa)
{
	uint64_t v = ~UINT64_C(0);

	assert_int_equal(vm_kern_read64(K(fx), pa, &v), 0);
	return v;
}

static void wr(struct fx *fx, uint64_t pa, uint64_t v)
{
	assert_int_equal(vm_kern_write64(K(fx), pa, v), 0);
}

static struct vm_page *page(struct fx *fx, uint64_t pfn)
{
	return vm_phys_page(&K(fx)->vk_phys, pfn);
}

static uint64_t data_order(struct fx *fx, unsigned order)
{
	uint64_t pfn = 0;

	assert_int_equal(vm_phys_alloc_order(&K(fx)->vk_phys, VMP_DATA, order,
					     &pfn), 0);
	assert_true(fx->ndata + (1u << order) <= MAX_DATA);
	for (unsigned i = 0; i < (1u << order); i++)
		fx->data[fx->ndata++] = pfn + i;
	return pfn;
}

static uint64_t data4k(struct fx *fx)
{
	return data_order(fx, 0);
}

static uint64_t data2m(struct fx *fx)
{
	return data_order(fx, VM_SP_ORDER);
}

static unsigned pv_count(struct fx *fx, uint64_t pfn)
{
	unsigned n = 0;

	for (struct pv_entry *pv = page(fx, pfn)->vmp_pv; pv; pv = pv->pv_next)
		n++;
	return n;
}

static bool pv_has(struct fx *fx, uint64_t pfn, const struct pmap *pm,
		   uint64_t va)
{
	for (struct pv_entry *pv = page(fx, pfn)->vmp_pv; pv; pv = pv->pv_next)
		if (pv->pv_pmap == pm && pv->pv_va == va)
			return true;
	return false;
}

static unsigned aflags(struct fx *fx, uint64_t pfn)
{
	return page(fx, pfn)->vmp_aflags;
}

static bool paired(const struct pmap *pm)
{
	return (pm->pm_flags & PMAP_PAIRED) != 0;
}

/* page-table frames per table: 2 for a pair */
static uint64_t tp(const struct pmap *pm)
{
	return paired(pm) ? 2 : 1;
}

/*
 * expect_inval - since mark(): `page` one-page and `range` range
 * invalidations were requested (vk_st), and went where they should: the
 * x86 callbacks for PT_X86 (paired too), the EPT funnel (eptgen and
 * pi_ept) for PT_EPT and paired.  Marks again.
 */
static void expect_inval_pm(struct fx *fx, const struct pmap *pm,
			    uint64_t gen0, unsigned page, unsigned range)
{
	const struct vm_kstats *st = &K(fx)->vk_st;
	bool x86 = pm->pm_type == PT_X86;
	bool ept = pm->pm_type == PT_EPT || paired(pm);

	assert_int_equal(st->inval_page - fx->st0.inval_page, page);
	assert_int_equal(st->inval_range - fx->st0.inval_range, range);
	assert_int_equal(st->inval_all - fx->st0.inval_all, 0);
	assert_int_equal(fx->n_page, x86 ? page : 0);
	assert_int_equal(fx->n_range, x86 ? range : 0);
	assert_int_equal(fx->n_all, 0);
	assert_int_equal(fx->n_ept, ept ? page + range : 0);
	assert_int_equal(pm->pm_eptgen - gen0, ept ? page + range : 0);
}

static void expect_inval(struct fx *fx, unsigned page, unsigned range)
{
	expect_inval_pm(fx, &fx->pm, fx->gen0, page, range);
	mark(fx);
}

/* delta of a vk_st counter since mark() */
#define ST(fx, name) (K(fx)->vk_st.name - (fx)->st0.name)

/* ---- reading the tables ------------------------------------------------- */

struct tpath {
	unsigned level;                 /* where the walk stopped (leaf or empty) */
	uint64_t e[MMU_MAX_LEVELS + 1];
	uint64_t table[MMU_MAX_LEVELS + 1];
};

/* twalk - the test's own walk: raw entries from the root down */
static void twalk(struct fx *fx, const struct pmap *pm, uint64_t root,
		  uint64_t va, struct tpath *p)
{
	uint64_t table = root;

	memset(p, 0, sizeof(*p));
	for (unsigned l = pm->pm_levels;; l--) {
		p->table[l] = table;
		p->e[l] = rd(fx, table + pt_index(va, l) * 8u);
		p->level = l;
		if (l == 1 || p->e[l] == 0 || (p->e[l] & PTE_PS))
			return;
		table = p->e[l] & AMASK;
	}
}

static uint64_t pde_bits(const struct pmap *pm)
{
	return pm->pm_type == PT_EPT ? EPT_RWX : X86_PDE;
}

/* the A flag a processor's walk sets in a table entry (the MMU cases) */
static uint64_t hw_a(const struct pmap *pm)
{
	return pm->pm_type == PT_EPT ? EPT_A : PTE_A;
}

/*
 * leaf_pm - the entry at `level` for va, asserting that the walk gets
 * there through exact table entries and stops there.
 */
static uint64_t leaf_pm(struct fx *fx, const struct pmap *pm, uint64_t va,
			unsigned level)
{
	struct tpath p;

	twalk(fx, pm, pm->pm_root, va, &p);
	assert_int_equal(p.level, level);
	for (unsigned l = pm->pm_levels; l > level; l--)
		assert_int_equal(p.e[l] & ~AMASK & ~hw_a(pm), pde_bits(pm));
	return p.e[level];
}

static uint64_t leaf(struct fx *fx, uint64_t va, unsigned level)
{
	return leaf_pm(fx, &fx->pm, va, level);
}

/* the entry's address for va at level (the path must exist down to it) */
static uint64_t entry_pa(struct fx *fx, uint64_t va, unsigned level)
{
	struct tpath p;

	twalk(fx, &fx->pm, fx->pm.pm_root, va, &p);
	assert_true(p.level <= level);
	return p.table[level] + pt_index(va, level) * 8u;
}

/* the leaf a row makes for frame pfn */
static uint64_t want(struct fx *fx, uint64_t pfn, unsigned row)
{
	return PA(pfn) | fx->v->v_leaf[row] | MGD;
}

/*
 * check_ept - `e` at `level` is an entry the processor accepts (SDM Vol.
 * 3C §29.3.2 and §29.3.3.1): not present, or no W without R, no X
 * without R unless execute-only is supported, no address bit at or above
 * MAXPHYADDR; a table entry has bits 7..3 clear; a leaf has memory type
 * WB, IPAT clear, and (2 MiB) bits 20..12 clear.
 */
static void check_ept(const struct pmap *pm, uint64_t e, unsigned level)
{
	bool leaf = level == 1 || (e & EPT_PS);

	if (!(e & EPT_RWX)) {
		/* invisible to the processor: only an untouched emulated leaf */
		assert_true(leaf && (pm->pm_flags & PMAP_EMULATE_AD) && (e & SW_V));
		return;
	}
	assert_false((e & EPT_W) && !(e & EPT_R));
	if ((e & EPT_X) && !(e & EPT_R))
		assert_true(pm->pm_flags & PMAP_EXEC_ONLY);
	assert_int_equal(e & PTE_BITS(51, MAXPHY), 0);
	if (!leaf) {
		assert_int_equal(e & PTE_BITS(7, 3), 0);
		return;
	}
	assert_true(level <= 2);
	assert_int_equal((e & EPT_MT) >> EPT_MT_SHIFT, EPT_MT_WB);
	assert_int_equal(e & EPT_IPAT, 0);
	if (level == 2)
		assert_int_equal(e & PTE_BITS(20, 12), 0);
}

/*
 * check_twin - EPT half `t` of paired x86 entry `x` at `level` (seed 004):
 * a table entry points at the EPT half of the next pair with R|W|X; a
 * leaf maps the same frame R, X, W if RW, WB, PS if PS, and has at least
 * the x86 A/D as EPT A/D (the guest may have set more).
 */
static void check_twin(const struct pmap *pm, uint64_t x, uint64_t t,
		       unsigned level)
{
	uint64_t w;

	if (x == 0) {
		assert_int_equal(t, 0);
		return;
	}
	check_ept(pm, t, level);
	if (level > 1 && !(x & PTE_PS)) {
		assert_int_equal(t & ~EPT_A, ((x & AMASK) + PAGE_SIZE) | EPT_RWX);
		return;
	}
	w = (x & AMASK & ~((UINT64_C(1) << pt_level_shift(level)) - 1)) |
	    EPT_R | EPT_X | WB;
	if (x & PTE_RW)
		w |= EPT_W;
	if (level == 2)
		w |= EPT_PS;
	assert_int_equal(t & ~(EPT_A | EPT_D), w);
	if (x & PTE_A)
		assert_true(t & EPT_A);
	if (x & PTE_D)
		assert_true(t & EPT_D);
}

struct tcount {
	uint64_t tables, pages, sps;
};

static uint64_t canon(const struct pmap *pm, uint64_t va)
{
	unsigned bits = pt_level_shift(pm->pm_levels) + PT_INDEX_BITS;

	if (pm->pm_type == PT_EPT)
		return va;
	return (uint64_t)((int64_t)(va << (64 - bits)) >> (64 - bits));
}

static void check_tree(struct fx *fx, const struct pmap *pm, uint64_t table,
		       unsigned level, uint64_t base, struct tcount *c)
{
	uint64_t pfn = table >> PAGE_SHIFT;
	unsigned nz = 0;

	assert_int_equal(page(fx, pfn)->vmp_kind, VMP_PTPAGE);
	if (paired(pm)) {
		assert_int_equal(pfn & 1, 0);
		assert_int_equal(page(fx, pfn + 1)->vmp_kind, VMP_PTPAGE);
	}
	c->tables += tp(pm);
	for (unsigned i = 0; i < PT_ENTRIES; i++) {
		uint64_t e = rd(fx, table + i * 8u);
		uint64_t va = canon(pm, base | ((uint64_t)i << pt_level_shift(level)));

		if (paired(pm))
			check_twin(pm, e, rd(fx, table + PAGE_SIZE + i * 8u), level);
		if (e == 0)
			continue;
		nz++;
		if (pm->pm_type == PT_EPT)
			check_ept(pm, e, level);
		if (level == 1 || (e & PTE_PS)) {
			unsigned n = level == 1 ? 1 : SP_PAGES;
			uint64_t first = (e & AMASK & ~(PG(n) - 1)) >> PAGE_SHIFT;

			assert_true(level <= 2);
			assert_true(e & pm->pm_bits[PMAP_BIT_V]);
			c->pages += n;
			c->sps += level > 1;
			for (unsigned j = 0; (e & MGD) && j < n; j++) {
				assert_int_equal(page(fx, first + j)->vmp_kind, VMP_DATA);
				assert_true(pv_has(fx, first + j, pm, va + PG(j)));
			}
		} else {
			assert_int_equal(e & ~AMASK & ~hw_a(pm), pde_bits(pm));
			check_tree(fx, pm, e & AMASK, level - 1, va, c);
		}
	}
	/* pmap_int.h: a table page's vmp_wire is 1 + its non-zero entries */
	assert_int_equal(page(fx, pfn)->vmp_wire, 1 + nz);
}

/* check_pm - every invariant of the tree of pm (see the top of the file) */
static void check_pm(struct fx *fx, const struct pmap *pm)
{
	struct tcount c = { 0 };

	check_tree(fx, pm, pm->pm_root, pm->pm_levels, 0, &c);
	assert_int_equal(c.tables, pm->pm_ptpages);
	assert_int_equal(c.pages, pm->pm_resident);
	assert_int_equal(c.sps, pm->pm_superpages);
}

static void check_pmap(struct fx *fx)
{
	uint64_t ptpages = 0;

	if (fx->pm_up) {
		check_pm(fx, &fx->pm);
		ptpages += fx->pm.pm_ptpages;
	}
	if (fx->pm2_up) {
		check_pm(fx, &fx->pm2);
		ptpages += fx->pm2.pm_ptpages;
	}
	assert_int_equal(K(fx)->vk_phys.vp_count[VMP_PTPAGE], ptpages);
	/* every pv entry has its mapping */
	for (unsigned i = 0; i < fx->ndata; i++) {
		for (struct pv_entry *pv = page(fx, fx->data[i])->vmp_pv; pv;
		     pv = pv->pv_next) {
			uint64_t pa = 0;

			assert_true((pv->pv_pmap == &fx->pm && fx->pm_up) ||
				    (pv->pv_pmap == &fx->pm2 && fx->pm2_up));
			assert_int_equal(pmap_extract(pv->pv_pmap, pv->pv_va, &pa,
						      NULL, NULL), 0);
			assert_int_equal(pa, PA(fx->data[i]));
		}
	}
}

/* hw_set - the processor sets A or M (EPT A/D in the EPT half of a pair) */
static void hw_set(struct fx *fx, uint64_t va, unsigned level, unsigned bit)
{
	uint64_t epa = entry_pa(fx, va, level);

	if (paired(&fx->pm))
		wr(fx, epa + PAGE_SIZE, rd(fx, epa + PAGE_SIZE) |
					(bit == PMAP_BIT_A ? EPT_A : EPT_D));
	else
		wr(fx, epa, rd(fx, epa) | fx->v->v_bits[bit]);
}

static void enter(struct fx *fx, uint64_t va, uint64_t pfn, unsigned row)
{
	assert_int_equal(pmap_enter(&fx->pm, va, pfn, rows[row].prot,
				    rows[row].access, 0), 0);
}

static void enter2m(struct fx *fx, uint64_t va, uint64_t pfn, unsigned row)
{
	assert_int_equal(pmap_enter(&fx->pm, va, pfn, rows[row].prot,
				    rows[row].access, 1), 0);
}

static void expect_unmapped(struct fx *fx, uint64_t va)
{
	uint64_t pa;

	assert_int_equal(pmap_extract(&fx->pm, va, &pa, NULL, NULL), -ENOENT);
}

/* ---- creation ----------------------------------------------------------- */

/* the bit table, the root (a pair with PMAP_PAIRED), the EPTP root */
static void t_init(void **state)
{
	struct fx *fx = go(state);
	const struct variant *v = fx->v;
	struct pmap *pm = &fx->pm;

	for (unsigned b = 0; b < PMAP_NBITS; b++)
		assert_int_equal(pm->pm_bits[b], v->v_bits[b]);
	assert_int_equal(pm->pm_type, v->v_type);
	assert_int_equal(pm->pm_flags, v->v_flags);
	assert_int_equal(pm->pm_levels, 4);
	assert_int_equal(pm->pm_maxphyaddr, MAXPHY);
	assert_int_equal(pm->pm_cache_bits[PMAP_MA_WB],
			 v->v_type == PT_EPT ? WB : 0);
	assert_int_equal(pm->pm_ptpages, tp(pm));
	assert_int_equal(K(fx)->vk_st.pt_allocs, tp(pm));
	assert_int_equal(pm->pm_resident, 0);
	for (unsigned i = 0; i < PT_ENTRIES; i++)
		assert_int_equal(rd(fx, pm->pm_root + i * 8u), 0);
	if (paired(pm))
		assert_int_equal(pmap_eptp_root(pm), pm->pm_root + PAGE_SIZE);
	else if (v->v_type == PT_EPT)
		assert_int_equal(pmap_eptp_root(pm), pm->pm_root);
	check_pmap(fx);
}

/* cache bits per memory type: DragonFly's table in bits 5..3, mask 6..3 */
static void t_cache_bits(void **state)
{
	struct fx *fx = go(state);
	struct pmap *pm = &fx->pm;

	if (pm->pm_type == PT_EPT) {
		assert_int_equal(pm->pm_cache_bits[PMAP_MA_WB], (uint64_t)6 << 3);
		assert_int_equal(pm->pm_cache_bits[PMAP_MA_UC], 0);
		assert_int_equal(pm->pm_cache_bits[PMAP_MA_WC], (uint64_t)1 << 3);
		assert_int_equal(pm->pm_cache_bits[PMAP_MA_WT], (uint64_t)4 << 3);
		assert_int_equal(pm->pm_cache_bits[PMAP_MA_WP], (uint64_t)5 << 3);
		assert_int_equal(pm->pm_cache_mask, PTE_BITS(6, 3));
	} else {
		assert_int_equal(pm->pm_cache_bits[PMAP_MA_WB], 0);
		assert_int_equal(pm->pm_cache_bits[PMAP_MA_UC], PTE_PCD | PTE_PWT);
		assert_int_equal(pm->pm_cache_bits[PMAP_MA_WT], PTE_PWT);
		assert_int_equal(pm->pm_cache_mask, PTE_PCD | PTE_PWT);
	}
}

static const struct {
	const char *name;
	enum pmap_type type;
	unsigned flags;
} bad_flags[] = {
	{ "x86_emulate_ad", PT_X86, PMAP_EMULATE_AD },
	{ "x86_assume_ad", PT_X86, PMAP_ASSUME_AD },
	{ "x86_exec_always", PT_X86, PMAP_EXEC_ALWAYS },
	{ "x86_exec_only", PT_X86, PMAP_EXEC_ONLY },
	{ "x86_dfly_bits", PT_X86, PMAP_DFLY_BITS },
	{ "ept_paired", PT_EPT, PMAP_PAIRED },
	{ "ept_emulate_and_assume", PT_EPT, PMAP_EMULATE_AD | PMAP_ASSUME_AD },
	{ "ept_emulate_and_dfly", PT_EPT, PMAP_EMULATE_AD | PMAP_DFLY_BITS },
	{ "ept_unknown_flag", PT_EPT, 0x80u },
	{ "unknown_type", (enum pmap_type)7, 0 },
};

/* flags that do not fit the type: -EINVAL, nothing allocated */
static void t_init_bad_flags(void **state)
{
	struct fx *fx = *state;
	struct pmap pm;

	kmfix_start(&fx->km, FRAMES, 0);
	assert_int_equal(pmap_init(&pm, bad_flags[fx->tc->c_sub].type, K(fx),
				   MAXPHY, 4, bad_flags[fx->tc->c_sub].flags),
			 -EINVAL);
	assert_int_equal(K(fx)->vk_phys.vp_count[VMP_PTPAGE], 0);
	assert_int_equal(K(fx)->vk_st.pt_allocs, 0);
	pmap_fini(&pm); /* a failed init leaves a pmap fini accepts */
}

/* no frame for the root: -ENOMEM, nothing kept */
static void t_init_enomem(void **state)
{
	struct fx *fx = *state;
	struct pmap pm;

	kmfix_start(&fx->km, FRAMES, 0);
	vm_phys_set_free_frames(&K(fx)->vk_phys, 0);
	assert_int_equal(pmap_init(&pm, fx->tc->c_v->v_type, K(fx), MAXPHY, 4,
				   fx->tc->c_v->v_flags), -ENOMEM);
	assert_int_equal(K(fx)->vk_phys.vp_count[VMP_PTPAGE], 0);
	pmap_fini(&pm);
}

/* ---- enter -------------------------------------------------------------- */

/* one row: the leaf's exact bits, three new tables, the pv entry, extract */
static void t_enter_row(void **state)
{
	struct fx *fx = go(state);
	unsigned row = fx->tc->c_sub;
	struct pmap *pm = &fx->pm;
	uint64_t d = data4k(fx), pa = 0, pte = 0;
	unsigned level = 0;

	enter(fx, VA_A, d, row);
	assert_int_equal(leaf(fx, VA_A, 1), want(fx, d, row));
	assert_int_equal(pm->pm_ptpages, 4 * tp(pm));
	assert_int_equal(ST(fx, pt_allocs), 3 * tp(pm));
	assert_int_equal(pm->pm_resident, 1);
	assert_int_equal(pv_count(fx, d), 1);
	assert_true(pv_has(fx, d, pm, VA_A));
	assert_int_equal(aflags(fx, d), 0);
	assert_int_equal(pmap_extract(pm, VA_A + 0x123, &pa, &pte, &level), 0);
	assert_int_equal(pa, PA(d) + 0x123);
	assert_int_equal(pte, want(fx, d, row));
	assert_int_equal(level, 1);
	expect_inval(fx, 0, 0);
	check_pmap(fx);
}

/* a frame that is not VMP_DATA is entered unmanaged: no pv, no MANAGED */
static void t_enter_unmanaged(void **state)
{
	struct fx *fx = go(state);
	uint64_t pt = 0, dev = FRAMES + 100; /* past the kernel's memory */

	assert_int_equal(vm_phys_alloc(&K(fx)->vk_phys, VMP_PTPAGE, &pt), 0);
	enter(fx, VA_A, pt, R1);
	enter(fx, VA_B, dev, R1);
	assert_int_equal(leaf(fx, VA_A, 1), PA(pt) | fx->v->v_leaf[R1]);
	assert_int_equal(leaf(fx, VA_B, 1), PA(dev) | fx->v->v_leaf[R1]);
	assert_null(page(fx, pt)->vmp_pv);
	assert_int_equal(pmap_remove(&fx->pm, VA_A, VA_B + PAGE_SIZE), 0);
	assert_int_equal(page(fx, pt)->vmp_aflags, 0);
	vm_phys_free(&K(fx)->vk_phys, pt);
	check_pm(fx, &fx->pm);
}

/* another frame at a mapped va: the old one's pv moves, its A/M fold, invalidated */
static void t_enter_replace(void **state)
{
	struct fx *fx = go(state);
	uint64_t d1 = data4k(fx), d2 = data4k(fx);

	enter(fx, VA_A, d1, R3);
	mark(fx);
	enter(fx, VA_A, d2, R1);
	assert_int_equal(leaf(fx, VA_A, 1), want(fx, d2, R1));
	assert_int_equal(fx->pm.pm_resident, 1);
	assert_int_equal(pv_count(fx, d1), 0);
	assert_true(pv_has(fx, d2, &fx->pm, VA_A));
	assert_int_equal(aflags(fx, d1), REFMOD);
	assert_int_equal(aflags(fx, d2), 0);
	assert_int_equal(ST(fx, pt_allocs), 0);
	expect_inval(fx, 1, 0);
	assert_int_equal(fx->last_va, fx->pm.pm_type == PT_X86 ? VA_A : 0);
	check_pmap(fx);
}

/*
 * The same frame again: raising rights rewrites the leaf and needs no
 * invalidation; lowering them (RW -> R) folds M into the page and does.
 */
static void t_enter_same_frame(void **state)
{
	struct fx *fx = go(state);
	uint64_t d = data4k(fx);

	enter(fx, VA_A, d, R1);
	mark(fx);
	enter(fx, VA_A, d, R3);
	assert_int_equal(leaf(fx, VA_A, 1), want(fx, d, R3));
	expect_inval(fx, 0, 0);
	enter(fx, VA_A, d, R1);
	assert_int_equal(leaf(fx, VA_A, 1), want(fx, d, R1));
	assert_int_equal(aflags(fx, d), VMP_A_MODIFIED);
	assert_int_equal(pv_count(fx, d), 1);
	assert_int_equal(fx->pm.pm_resident, 1);
	expect_inval(fx, 1, 0);
	check_pmap(fx);
}

/* a 2 MiB leaf in the PD, 512 pv entries, no page table */
static void t_enter_2m(void **state)
{
	struct fx *fx = go(state);
	struct pmap *pm = &fx->pm;
	uint64_t b = data2m(fx), pa = 0, pte = 0;
	unsigned level = 0;

	enter2m(fx, VA_SP, b, R2);
	assert_int_equal(leaf(fx, VA_SP, 2), want(fx, b, R2) | PTE_PS);
	assert_int_equal(pm->pm_ptpages, 3 * tp(pm));
	assert_int_equal(pm->pm_resident, SP_PAGES);
	assert_int_equal(pm->pm_superpages, 1);
	for (unsigned i = 0; i < SP_PAGES; i++)
		assert_int_equal(pv_count(fx, b + i), 1);
	assert_int_equal(pmap_extract(pm, VA_SP + 0x12345, &pa, &pte, &level), 0);
	assert_int_equal(pa, PA(b) + 0x12345);
	assert_int_equal(pte, want(fx, b, R2) | PTE_PS);
	assert_int_equal(level, 2);
	expect_inval(fx, 0, 0);
	check_pmap(fx);
}

/* a 2 MiB enter over a page table: its mappings removed, the table freed */
static void t_enter_2m_over_table(void **state)
{
	struct fx *fx = go(state);
	uint64_t d = data4k(fx), b = data2m(fx);

	enter(fx, VA_SP + PG(3), d, R1);
	mark(fx);
	enter2m(fx, VA_SP, b, R2);
	assert_int_equal(leaf(fx, VA_SP, 2), want(fx, b, R2) | PTE_PS);
	assert_int_equal(pv_count(fx, d), 0);
	assert_true(aflags(fx, d) & VMP_A_REFERENCED);
	assert_int_equal(fx->pm.pm_ptpages, 3 * tp(&fx->pm));
	assert_int_equal(ST(fx, pt_frees), tp(&fx->pm));
	assert_int_equal(fx->pm.pm_resident, SP_PAGES);
	expect_inval(fx, 0, 1);
	check_pmap(fx);
}

/* a 4 KiB enter inside a 2 MiB mapping: demoted, then that page replaced */
static void t_enter_4k_in_2m(void **state)
{
	struct fx *fx = go(state);
	uint64_t b = data2m(fx), d = data4k(fx);

	enter2m(fx, VA_SP, b, R2);
	mark(fx);
	enter(fx, VA_SP + PG(9), d, R1);
	assert_int_equal(ST(fx, demotions), 1);
	assert_int_equal(leaf(fx, VA_SP + PG(9), 1), want(fx, d, R1));
	assert_int_equal(leaf(fx, VA_SP + PG(8), 1), want(fx, b + 8, R2));
	assert_int_equal(pv_count(fx, b + 9), 0);
	assert_true(aflags(fx, b + 9) & VMP_A_REFERENCED);
	assert_int_equal(fx->pm.pm_resident, SP_PAGES);
	assert_int_equal(fx->pm.pm_superpages, 0);
	expect_inval(fx, 1, 0);
	check_pmap(fx);
}

/* 2 MiB needs PMAP_SUPERPAGES: enter and promote say -ENOTSUP */
static void t_enter_2m_needs_superpages(void **state)
{
	struct fx *fx = go(state);
	uint64_t b = data2m(fx);

	assert_int_equal(pmap_enter(&fx->pm, VA_SP, b, PROT_RW, 0, 1), -ENOTSUP);
	assert_int_equal(pmap_promote_pde(&fx->pm, VA_SP), -ENOTSUP);
	assert_int_equal(fx->pm.pm_ptpages, 1);
	check_pmap(fx);
}

/* no frame for a table midway: -ENOMEM, the tables made are freed again */
static void t_enter_enomem(void **state)
{
	struct fx *fx = go(state);
	struct pmap *pm = &fx->pm;
	uint64_t d = data4k(fx);

	vm_phys_set_free_frames(&K(fx)->vk_phys, tp(pm)); /* one table */
	assert_int_equal(pmap_enter(pm, VA_A, d, PROT_R, VM_PROT_READ, 0),
			 -ENOMEM);
	assert_int_equal(pm->pm_ptpages, tp(pm));
	assert_int_equal(ST(fx, pt_allocs), tp(pm));
	assert_int_equal(ST(fx, pt_frees), tp(pm));
	assert_int_equal(pm->pm_resident, 0);
	assert_int_equal(pv_count(fx, d), 0);
	assert_int_equal(rd(fx, pm->pm_root + pt_index(VA_A, 4) * 8u), 0);
	expect_inval(fx, 0, 0);
	check_pmap(fx);
	vm_phys_set_free_frames(&K(fx)->vk_phys, 64);
	enter(fx, VA_A, d, R1);
	assert_int_equal(leaf(fx, VA_A, 1), want(fx, d, R1));
	check_pmap(fx);
}

/* 5-level tables: a PML5 slot above the PML4 */
static void t_five_level(void **state)
{
	struct fx *fx = go_levels(state, PT_LEVELS_5);
	uint64_t d = data4k(fx), va = (UINT64_C(1) << 48) | VA_A, pa = 0;

	enter(fx, va, d, R2);
	assert_int_equal(leaf(fx, va, 1), want(fx, d, R2));
	assert_int_equal(fx->pm.pm_ptpages, 5 * tp(&fx->pm));
	assert_int_equal(pmap_extract(&fx->pm, va, &pa, NULL, NULL), 0);
	assert_int_equal(pa, PA(d));
	expect_unmapped(fx, VA_A);
	check_pmap(fx);
	assert_int_equal(pmap_remove(&fx->pm, va, va + PAGE_SIZE), 0);
	assert_int_equal(fx->pm.pm_ptpages, tp(&fx->pm));
	check_pmap(fx);
}

/* ---- extract ------------------------------------------------------------ */

static void t_extract(void **state)
{
	struct fx *fx = go(state);
	struct pmap *pm = &fx->pm;
	uint64_t d = data4k(fx), pa = 0;

	expect_unmapped(fx, VA_A);
	enter(fx, VA_A, d, R1);
	/* same path, an empty slot at each level */
	expect_unmapped(fx, VA(3, 5, 7, 8));
	expect_unmapped(fx, VA(3, 5, 6, 9));
	expect_unmapped(fx, VA(3, 4, 7, 9));
	expect_unmapped(fx, VA(2, 5, 7, 9));
	/* no alias: bit 48 is outside a 4-level address */
	assert_int_equal(pmap_extract(pm, VA_A | (UINT64_C(1) << 48), &pa, NULL,
				      NULL), -ENOENT);
	assert_int_equal(pmap_extract(pm, VA_A + PAGE_MASK, &pa, NULL, NULL), 0);
	assert_int_equal(pa, PA(d) + PAGE_MASK);
}

/* ---- remove ------------------------------------------------------------- */

/*
 * Three pages of one table removed together: one range invalidation, the
 * table freed; the last mapping's removal frees every table but the root.
 */
static void t_remove_full(void **state)
{
	struct fx *fx = go(state);
	struct pmap *pm = &fx->pm;
	uint64_t d[3], e = data4k(fx), pt0;
	unsigned want_af = VMP_A_REFERENCED | (fx->v->v_assume ? VMP_A_MODIFIED : 0);

	for (unsigned i = 0; i < 3; i++) {
		d[i] = data4k(fx);
		enter(fx, VA_A + PG(i), d[i], R1);
	}
	enter(fx, VA_SP, e, R1);
	mark(fx);
	pt0 = pm->pm_ptpages;
	assert_int_equal(pmap_remove(pm, VA_A, VA_A + PG(3)), 0);
	for (unsigned i = 0; i < 3; i++) {
		expect_unmapped(fx, VA_A + PG(i));
		assert_int_equal(pv_count(fx, d[i]), 0);
		assert_int_equal(aflags(fx, d[i]), want_af);
	}
	assert_int_equal(pm->pm_resident, 1);
	assert_int_equal(pm->pm_ptpages, pt0 - tp(pm));
	assert_int_equal(ST(fx, pt_frees), tp(pm));
	expect_inval(fx, 0, 1);
	assert_int_equal(fx->last_sva, pm->pm_type == PT_X86 ? VA_A : 0);
	check_pmap(fx);

	assert_int_equal(pmap_remove(pm, VA_SP, VA_SP + PAGE_SIZE), 0);
	assert_int_equal(pm->pm_ptpages, tp(pm));
	for (unsigned i = 0; i < PT_ENTRIES; i++)
		assert_int_equal(rd(fx, pm->pm_root + i * 8u), 0);
	expect_inval(fx, 1, 0);
	check_pmap(fx);
}

/*
 * A never-accessed page (A clear) cannot be cached: removing it (its table
 * stays) invalidates nothing, unless the variant sets A anyway or assumes
 * every page referenced.
 */
static void t_remove_untouched(void **state)
{
	struct fx *fx = go(state);
	const struct variant *v = fx->v;
	uint64_t d1 = data4k(fx), d2 = data4k(fx);

	enter(fx, VA_A, d1, R0);
	enter(fx, VA_B, d2, R1);
	mark(fx);
	assert_int_equal(pmap_remove(&fx->pm, VA_A, VA_A + PAGE_SIZE), 0);
	expect_unmapped(fx, VA_A);
	expect_inval(fx, v->v_a_always || v->v_assume ? 1 : 0, 0);
	assert_int_equal(aflags(fx, d1),
			 (v->v_a_always ? VMP_A_REFERENCED : 0) |
			 (v->v_assume ? REFMOD : 0));
	check_pmap(fx);
}

/* a sparse range over several PML4 slots: skipped empties, one invalidation */
static void t_remove_sparse(void **state)
{
	struct fx *fx = go(state);
	uint64_t b = data2m(fx);

	enter(fx, VA_A, data4k(fx), R1);
	enter(fx, VA_FAR, data4k(fx), R1);
	enter2m(fx, VA_SP, b, R1);
	mark(fx);
	assert_int_equal(pmap_remove(&fx->pm, 0, UINT64_C(1) << 47), 0);
	assert_int_equal(fx->pm.pm_resident, 0);
	assert_int_equal(fx->pm.pm_superpages, 0);
	assert_int_equal(fx->pm.pm_ptpages, tp(&fx->pm));
	assert_int_equal(ST(fx, demotions), 0);
	expect_inval(fx, 0, 1);
	check_pmap(fx);
}

/* a whole 2 MiB mapping: no demotion, 512 pages folded */
static void t_remove_2m_full(void **state)
{
	struct fx *fx = go(state);
	uint64_t b = data2m(fx);

	enter2m(fx, VA_SP, b, R3);
	mark(fx);
	assert_int_equal(pmap_remove(&fx->pm, VA_SP, VA_SP + SP_SIZE), 0);
	assert_int_equal(ST(fx, demotions), 0);
	for (unsigned i = 0; i < SP_PAGES; i++) {
		assert_int_equal(pv_count(fx, b + i), 0);
		assert_int_equal(aflags(fx, b + i), REFMOD);
	}
	assert_int_equal(fx->pm.pm_resident, 0);
	assert_int_equal(fx->pm.pm_superpages, 0);
	assert_int_equal(fx->pm.pm_ptpages, tp(&fx->pm));
	expect_inval(fx, 0, 1);
	check_pmap(fx);
}

/* part of a 2 MiB mapping: demoted first, the rest keeps its bits */
static void t_remove_2m_partial(void **state)
{
	struct fx *fx = go(state);
	uint64_t b = data2m(fx);

	enter2m(fx, VA_SP, b, R2);
	mark(fx);
	assert_int_equal(pmap_remove(&fx->pm, VA_SP + PG(5), VA_SP + PG(7)), 0);
	assert_int_equal(ST(fx, demotions), 1);
	assert_int_equal(leaf(fx, VA_SP + PG(5), 1), 0);
	assert_int_equal(leaf(fx, VA_SP + PG(6), 1), 0);
	assert_int_equal(leaf(fx, VA_SP + PG(4), 1), want(fx, b + 4, R2));
	assert_int_equal(leaf(fx, VA_SP + PG(7), 1), want(fx, b + 7, R2));
	assert_int_equal(pv_count(fx, b + 5), 0);
	assert_int_equal(pv_count(fx, b + 7), 1);
	assert_int_equal(fx->pm.pm_resident, SP_PAGES - 2);
	assert_int_equal(fx->pm.pm_superpages, 0);
	expect_inval(fx, 0, 1);
	check_pmap(fx);
}

/* every mapping of a page, here two in one pmap */
static void t_remove_all(void **state)
{
	struct fx *fx = go(state);
	uint64_t d = data4k(fx);

	enter(fx, VA_A, d, R1);
	enter(fx, VA_FAR, d, R3);
	mark(fx);
	assert_int_equal(pmap_remove_all(K(fx), d), 0);
	expect_unmapped(fx, VA_A);
	expect_unmapped(fx, VA_FAR);
	assert_int_equal(pv_count(fx, d), 0);
	assert_int_equal(aflags(fx, d), REFMOD);
	assert_int_equal(fx->pm.pm_ptpages, tp(&fx->pm));
	expect_inval(fx, 2, 0);
	check_pmap(fx);
}

/* a page inside a 2 MiB mapping: demoted, that page alone unmapped */
static void t_remove_all_2m(void **state)
{
	struct fx *fx = go(state);
	uint64_t b = data2m(fx);
	unsigned level = 0;
	uint64_t pa;

	enter2m(fx, VA_SP, b, R2);
	mark(fx);
	assert_int_equal(pmap_remove_all(K(fx), b + 3), 0);
	assert_int_equal(ST(fx, demotions), 1);
	expect_unmapped(fx, VA_SP + PG(3));
	assert_int_equal(pmap_extract(&fx->pm, VA_SP + PG(4), &pa, NULL, &level), 0);
	assert_int_equal(level, 1);
	assert_int_equal(fx->pm.pm_resident, SP_PAGES - 1);
	assert_true(aflags(fx, b + 3) & VMP_A_REFERENCED);
	expect_inval(fx, 1, 0);
	check_pmap(fx);
}

/* ---- protect ------------------------------------------------------------ */

/* RWX -> R: RW, M (folded into the page) and execute go; one invalidation */
static void t_protect_lower(void **state)
{
	struct fx *fx = go(state);
	uint64_t d = data4k(fx);

	enter(fx, VA_A, d, R5);
	mark(fx);
	assert_int_equal(pmap_protect(&fx->pm, VA_A, VA_A + PAGE_SIZE, PROT_R), 0);
	assert_int_equal(leaf(fx, VA_A, 1), PA(d) | fx->v->v_protect_r | MGD);
	assert_int_equal(aflags(fx, d), VMP_A_MODIFIED);
	expect_inval(fx, 1, 0);
	check_pmap(fx);
}

/* protect never raises rights, and an unchanged leaf is not invalidated */
static void t_protect_never_raises(void **state)
{
	struct fx *fx = go(state);
	uint64_t d = data4k(fx);

	enter(fx, VA_A, d, R1);
	mark(fx);
	assert_int_equal(pmap_protect(&fx->pm, VA_A, VA_A + PAGE_SIZE, PROT_RWX), 0);
	assert_int_equal(pmap_protect(&fx->pm, VA_A, VA_A + PAGE_SIZE, PROT_R), 0);
	assert_int_equal(leaf(fx, VA_A, 1), want(fx, d, R1));
	expect_inval(fx, 0, 0);
	check_pmap(fx);
}

/* without READ the mappings go */
static void t_protect_none_removes(void **state)
{
	struct fx *fx = go(state);
	uint64_t d = data4k(fx);

	enter(fx, VA_A, d, R1);
	mark(fx);
	assert_int_equal(pmap_protect(&fx->pm, VA_A, VA_A + PAGE_SIZE, 0), 0);
	expect_unmapped(fx, VA_A);
	assert_int_equal(pv_count(fx, d), 0);
	expect_inval(fx, 1, 0);
	check_pmap(fx);
}

/* one page of a 2 MiB mapping: demoted, only that page lowered */
static void t_protect_2m_partial(void **state)
{
	struct fx *fx = go(state);
	uint64_t b = data2m(fx);

	enter2m(fx, VA_SP, b, R5);
	mark(fx);
	assert_int_equal(pmap_protect(&fx->pm, VA_SP + PG(1), VA_SP + PG(2),
				      PROT_R), 0);
	assert_int_equal(ST(fx, demotions), 1);
	assert_int_equal(leaf(fx, VA_SP + PG(1), 1),
			 PA(b + 1) | fx->v->v_protect_r | MGD);
	assert_int_equal(leaf(fx, VA_SP, 1), want(fx, b, R5));
	assert_int_equal(leaf(fx, VA_SP + PG(2), 1), want(fx, b + 2, R5));
	assert_int_equal(aflags(fx, b + 1), VMP_A_MODIFIED);
	assert_int_equal(aflags(fx, b + 2), 0);
	expect_inval(fx, 1, 0);
	check_pmap(fx);
}

/* the whole 2 MiB mapping: lowered in place */
static void t_protect_2m_full(void **state)
{
	struct fx *fx = go(state);
	uint64_t b = data2m(fx);

	enter2m(fx, VA_SP, b, R5);
	mark(fx);
	assert_int_equal(pmap_protect(&fx->pm, VA_SP, VA_SP + SP_SIZE, PROT_R), 0);
	assert_int_equal(ST(fx, demotions), 0);
	assert_int_equal(leaf(fx, VA_SP, 2),
			 PA(b) | fx->v->v_protect_r | PTE_PS | MGD);
	assert_int_equal(aflags(fx, b + 511), VMP_A_MODIFIED);
	expect_inval(fx, 0, 1);
	check_pmap(fx);
}

/* ---- reference and modify state ----------------------------------------- */

/*
 * The page's attribute alone; then M in the entry (set as the processor
 * would; for a pair, EPT D in the EPT half).  clear_modify clears both,
 * invalidating what it cleared (every mapping with PMAP_ASSUME_AD, which
 * keeps reporting the page modified).
 */
static void t_modified(void **state)
{
	struct fx *fx = go(state);
	const struct variant *v = fx->v;
	uint64_t d = data4k(fx);
	bool yes = false;

	enter(fx, VA_A, d, R2);
	assert_int_equal(pmap_is_modified(K(fx), d, &yes), 0);
	assert_int_equal(yes, v->v_assume);
	page(fx, d)->vmp_aflags = VMP_A_MODIFIED;
	assert_int_equal(pmap_is_modified(K(fx), d, &yes), 0);
	assert_true(yes);
	mark(fx);
	assert_int_equal(pmap_clear_modify(K(fx), d), 0);
	assert_int_equal(aflags(fx, d), 0);
	assert_int_equal(leaf(fx, VA_A, 1), want(fx, d, R2));
	expect_inval(fx, v->v_assume ? 1 : 0, 0);

	hw_set(fx, VA_A, 1, PMAP_BIT_M);
	assert_int_equal(pmap_is_modified(K(fx), d, &yes), 0);
	assert_true(yes);
	assert_int_equal(pmap_clear_modify(K(fx), d), 0);
	assert_int_equal(leaf(fx, VA_A, 1), PA(d) | v->v_clear_mod | MGD);
	assert_int_equal(pmap_is_modified(K(fx), d, &yes), 0);
	assert_int_equal(yes, v->v_assume);
	expect_inval(fx, 1, 0);
	check_pmap(fx);
}

/* clear_modify on a 2 MiB mapping with M demotes it and cleans one page */
static void t_clear_modify_2m(void **state)
{
	struct fx *fx = go(state);
	uint64_t b = data2m(fx);
	bool yes = false;

	enter2m(fx, VA_SP, b, R3);
	mark(fx);
	assert_int_equal(pmap_clear_modify(K(fx), b + 2), 0);
	assert_int_equal(ST(fx, demotions), 1);
	assert_int_equal(leaf(fx, VA_SP + PG(2), 1), PA(b + 2) | fx->v->v_clear_mod | MGD);
	assert_int_equal(leaf(fx, VA_SP + PG(3), 1), want(fx, b + 3, R3));
	assert_int_equal(pmap_is_modified(K(fx), b + 3, &yes), 0);
	assert_true(yes);
	expect_inval(fx, 1, 0);
	check_pmap(fx);
}

/*
 * ts_referenced counts the referenced mapping and clears A where that is
 * safe; bhyve's always-executable emulated entries cannot lose R (X
 * without R), so the mapping goes instead.  With PMAP_ASSUME_AD the page
 * stays referenced.
 */
static void t_referenced(void **state)
{
	struct fx *fx = go(state);
	const struct variant *v = fx->v;
	struct pmap *pm = &fx->pm;
	uint64_t d = data4k(fx);
	unsigned count = 99;
	bool yes = false;

	enter(fx, VA_A, d, R1);
	assert_int_equal(pmap_is_referenced(K(fx), d, &yes), 0);
	assert_true(yes);
	mark(fx);
	assert_int_equal(pmap_ts_referenced(K(fx), d, &count), 0);
	assert_int_equal(count, 1);
	if (v->v_ts_cleared) {
		assert_int_equal(leaf(fx, VA_A, 1), PA(d) | v->v_ts_cleared | MGD);
		assert_int_equal(pm->pm_resident, 1);
	} else {
		expect_unmapped(fx, VA_A);
		assert_int_equal(pv_count(fx, d), 0);
		assert_int_equal(pm->pm_resident, 0);
		assert_int_equal(pm->pm_ptpages, tp(pm));
	}
	assert_int_equal(aflags(fx, d) & VMP_A_REFERENCED, 0);
	expect_inval(fx, 1, 0);
	assert_int_equal(pmap_is_referenced(K(fx), d, &yes), 0);
	assert_int_equal(yes, v->v_assume);
	assert_int_equal(pmap_ts_referenced(K(fx), d, &count), 0);
	assert_int_equal(count, v->v_assume ? 1 : 0);
	check_pmap(fx);
}

/* the page's VMP_A_REFERENCED counts once and is cleared */
static void t_referenced_attr(void **state)
{
	struct fx *fx = go(state);
	const struct variant *v = fx->v;
	uint64_t d = data4k(fx);
	unsigned count = 99;

	enter(fx, VA_A, d, R0);
	page(fx, d)->vmp_aflags = VMP_A_REFERENCED;
	assert_int_equal(pmap_ts_referenced(K(fx), d, &count), 0);
	assert_int_equal(count, 1 + (v->v_a_always || v->v_assume ? 1 : 0));
	assert_int_equal(aflags(fx, d), 0);
	check_pmap(fx);
}

/*
 * A 2 MiB mapping's one A bit stands for 512 pages: only the page the
 * hash picks clears it (VA_SP's superpage number is 8, so page 8).
 */
static void t_referenced_2m(void **state)
{
	struct fx *fx = go(state);
	const struct variant *v = fx->v;
	uint64_t b = data2m(fx);
	unsigned count = 99;

	enter2m(fx, VA_SP, b, R1);
	mark(fx);
	assert_int_equal(pmap_ts_referenced(K(fx), b, &count), 0);
	assert_int_equal(count, 1);
	assert_int_equal(leaf(fx, VA_SP, 2), want(fx, b, R1) | PTE_PS);
	expect_inval(fx, 0, 0);
	assert_int_equal(pmap_ts_referenced(K(fx), b + 8, &count), 0);
	assert_int_equal(count, 1);
	if (v->v_ts_cleared) {
		assert_int_equal(leaf(fx, VA_SP, 2),
				 PA(b) | v->v_ts_cleared | PTE_PS | MGD);
	} else {
		assert_int_equal(ST(fx, demotions), 1);
		expect_unmapped(fx, VA_SP + PG(8));
		assert_int_equal(fx->pm.pm_resident, SP_PAGES - 1);
	}
	expect_inval(fx, 1, 0);
	check_pmap(fx);
}

/* ---- superpages --------------------------------------------------------- */

/* 512 contiguous pages, one written: one 2 MiB leaf with M, the table freed */
static void t_promote(void **state)
{
	struct fx *fx = go(state);
	struct pmap *pm = &fx->pm;
	uint64_t b = data2m(fx), pt0;

	for (unsigned i = 0; i < SP_PAGES; i++)
		enter(fx, VA_SP + PG(i), b + i, i == 7 ? R3 : R2);
	mark(fx);
	pt0 = pm->pm_ptpages;
	assert_int_equal(pmap_promote_pde(pm, VA_SP + PG(123)), 0);
	assert_int_equal(leaf(fx, VA_SP, 2),
			 want(fx, b, R2) | fx->v->v_bits[PMAP_BIT_M] | PTE_PS);
	assert_int_equal(pm->pm_ptpages, pt0 - tp(pm));
	assert_int_equal(ST(fx, pt_frees), tp(pm));
	assert_int_equal(ST(fx, promotions), 1);
	assert_int_equal(pm->pm_superpages, 1);
	assert_int_equal(pm->pm_resident, SP_PAGES);
	expect_inval(fx, 0, 1);
	if (pm->pm_type == PT_X86) {
		assert_int_equal(fx->last_sva, VA_SP);
		assert_int_equal(fx->last_eva, VA_SP + SP_SIZE);
	}
	assert_int_equal(pmap_promote_pde(pm, VA_SP), -EAGAIN);
	check_pmap(fx);
}

enum { NP_MISSING, NP_RIGHTS, NP_NOT_CONTIG, NP_UNALIGNED, NP_UNREFERENCED,
       NP_NO_TABLE, NP_COUNT };
static const char *const np_names[NP_COUNT] = {
	"one_page_missing", "one_page_other_rights", "one_page_not_contiguous",
	"frames_not_aligned", "one_page_unreferenced", "no_page_table",
};

/* not eligible: -EAGAIN and the table untouched (a row per reason) */
static void t_promote_not(void **state)
{
	struct fx *fx = go(state);
	const struct variant *v = fx->v;
	unsigned why = fx->tc->c_sub;
	uint64_t b = data2m(fx), b2 = data2m(fx), d = data4k(fx);
	uint64_t snap[PT_ENTRIES];
	int rc, want_rc = -EAGAIN;
	struct tpath p;

	assert_int_equal(b2, b + SP_PAGES); /* the buddy allocator's order */
	for (unsigned i = 0; why != NP_NO_TABLE && i < SP_PAGES; i++) {
		uint64_t pfn = b + i;
		unsigned row = R2;

		if (i == 100 && why == NP_MISSING)
			continue;
		if (i == 100 && why == NP_RIGHTS)
			row = R1;
		if (i == 100 && why == NP_NOT_CONTIG)
			pfn = d;
		if (why == NP_UNALIGNED)
			pfn = b + 1 + i;
		assert_int_equal(pmap_enter(&fx->pm, VA_SP + PG(i), pfn,
					    rows[row].prot,
					    i == 100 && why == NP_UNREFERENCED
						    ? 0 : rows[row].access, 0), 0);
	}
	if (why == NP_NO_TABLE)
		enter(fx, VA_A, d, R1);
	if (why == NP_UNREFERENCED && (v->v_a_always || v->v_assume))
		want_rc = 0;
	twalk(fx, &fx->pm, fx->pm.pm_root, VA_SP, &p);
	for (unsigned i = 0; why != NP_NO_TABLE && i < PT_ENTRIES; i++)
		snap[i] = rd(fx, p.table[1] + i * 8u);
	mark(fx);
	rc = pmap_promote_pde(&fx->pm, VA_SP);
	assert_int_equal(rc, want_rc);
	if (rc == 0) {
		assert_int_equal(ST(fx, promotions), 1);
	} else {
		for (unsigned i = 0; why != NP_NO_TABLE && i < PT_ENTRIES; i++)
			assert_int_equal(rd(fx, p.table[1] + i * 8u), snap[i]);
		assert_int_equal(ST(fx, promotions), 0);
		expect_inval(fx, 0, 0);
	}
	check_pmap(fx);
}

/* a 2 MiB mapping into 512 entries with its rights, A and M; nothing invalidated */
static void t_demote(void **state)
{
	struct fx *fx = go(state);
	struct pmap *pm = &fx->pm;
	uint64_t b = data2m(fx), pa = 0, pt0;
	unsigned level = 0;

	enter2m(fx, VA_SP, b, R5);
	mark(fx);
	pt0 = pm->pm_ptpages;
	assert_int_equal(pmap_demote_pde(pm, VA_SP + PG(77) + 0x10), 0);
	for (unsigned i = 0; i < SP_PAGES; i++)
		assert_int_equal(leaf(fx, VA_SP + PG(i), 1), want(fx, b + i, R5));
	assert_int_equal(ST(fx, demotions), 1);
	assert_int_equal(ST(fx, pt_allocs), tp(pm));
	assert_int_equal(pm->pm_ptpages, pt0 + tp(pm));
	assert_int_equal(pm->pm_superpages, 0);
	assert_int_equal(pm->pm_resident, SP_PAGES);
	expect_inval(fx, 0, 0);
	assert_int_equal(pmap_extract(pm, VA_SP + PG(5), &pa, NULL, &level), 0);
	assert_int_equal(pa, PA(b + 5));
	assert_int_equal(level, 1);
	assert_int_equal(pmap_demote_pde(pm, VA_SP), -ENOENT);
	assert_int_equal(pmap_demote_pde(pm, VA_FAR), -ENOENT);
	check_pmap(fx);
}

/* no frame for the table: the 2 MiB mapping is removed instead */
static void t_demote_enomem(void **state)
{
	struct fx *fx = go(state);
	struct pmap *pm = &fx->pm;
	uint64_t b = data2m(fx);

	enter2m(fx, VA_SP, b, R3);
	mark(fx);
	vm_phys_set_free_frames(&K(fx)->vk_phys, 0);
	assert_int_equal(pmap_demote_pde(pm, VA_SP), -ENOMEM);
	expect_unmapped(fx, VA_SP);
	assert_int_equal(pm->pm_resident, 0);
	assert_int_equal(pm->pm_superpages, 0);
	assert_int_equal(pm->pm_ptpages, tp(pm));
	assert_int_equal(ST(fx, demotions), 0);
	for (unsigned i = 0; i < SP_PAGES; i++) {
		assert_int_equal(pv_count(fx, b + i), 0);
		assert_int_equal(aflags(fx, b + i), REFMOD);
	}
	expect_inval(fx, 0, 1);
	check_pmap(fx);
}

/* ---- teardown ----------------------------------------------------------- */

/* pmap_fini: every table back, pv entries gone, A/M kept in the pages, no invalidation */
static void t_fini(void **state)
{
	struct fx *fx = go(state);
	uint64_t d = data4k(fx), b = data2m(fx), pt;

	enter(fx, VA_A, d, R3);
	enter2m(fx, VA_SP + SP_SIZE, b, R3);
	pt = fx->pm.pm_ptpages;
	mark(fx);
	pmap_fini(&fx->pm);
	fx->pm_up = false;
	assert_int_equal(K(fx)->vk_phys.vp_count[VMP_PTPAGE], 0);
	assert_int_equal(ST(fx, pt_frees), pt);
	assert_int_equal(pv_count(fx, d), 0);
	assert_int_equal(aflags(fx, d), REFMOD);
	for (unsigned i = 0; i < SP_PAGES; i++) {
		assert_int_equal(pv_count(fx, b + i), 0);
		assert_int_equal(aflags(fx, b + i), REFMOD);
	}
	assert_int_equal(ST(fx, inval_page) + ST(fx, inval_range), 0);
	assert_int_equal(fx->n_page + fx->n_range + fx->n_ept, 0);
}

/* ---- EPT A/D emulation (bhyve) ------------------------------------------ */

/* an untouched writable page: an accessed emulation, then a dirty one */
static void t_emulate(void **state)
{
	struct fx *fx = go(state);
	uint64_t d = data4k(fx);
	uint32_t what = 0;

	assert_int_equal(pmap_enter(&fx->pm, VA_A, d, PROT_RW, 0, 0), 0);
	assert_int_equal(leaf(fx, VA_A, 1), PA(d) | SW_V | SW_RW | WB | MGD);
	mark(fx);
	assert_int_equal(pmap_emulate_accessed_dirty(&fx->pm, VA_A + 0x10,
						     VM_PROT_READ, &what), 0);
	assert_int_equal(what, VM_PROT_READ);
	assert_int_equal(leaf(fx, VA_A, 1),
			 PA(d) | SW_V | SW_RW | WB | EPT_R | MGD);
	assert_int_equal(ST(fx, ad_accessed), 1);
	assert_int_equal(pmap_emulate_accessed_dirty(&fx->pm, VA_A,
						     VM_PROT_WRITE, &what), 0);
	assert_int_equal(what, VM_PROT_WRITE);
	assert_int_equal(leaf(fx, VA_A, 1),
			 PA(d) | SW_V | SW_RW | WB | EPT_R | EPT_W | MGD);
	assert_int_equal(ST(fx, ad_dirty), 1);
	/* everything is there: not an A/D case */
	assert_int_equal(pmap_emulate_accessed_dirty(&fx->pm, VA_A,
						     VM_PROT_WRITE, &what), -EFAULT);
	assert_int_equal(ST(fx, ad_accessed), 1);
	assert_int_equal(ST(fx, ad_dirty), 1);
	expect_inval(fx, 0, 0);
	check_pmap(fx);
}

/* a first write to an untouched page: one dirty emulation grants R and W */
static void t_emulate_write_first(void **state)
{
	struct fx *fx = go(state);
	uint64_t b = data2m(fx);
	uint32_t what = 0;

	assert_int_equal(pmap_enter(&fx->pm, VA_SP, b, PROT_RW, 0, 1), 0);
	mark(fx);
	assert_int_equal(pmap_emulate_accessed_dirty(&fx->pm, VA_SP + PG(5),
						     VM_PROT_WRITE, &what), 0);
	assert_int_equal(what, VM_PROT_WRITE);
	assert_int_equal(leaf(fx, VA_SP, 2), PA(b) | SW_V | SW_RW | WB | EPT_R |
						     EPT_W | PTE_PS | MGD);
	assert_int_equal(ST(fx, ad_dirty), 1);
	assert_int_equal(ST(fx, ad_accessed), 0);
	check_pmap(fx);
}

enum { EV_UNMAPPED, EV_READ_ONLY, EV_NO_EXEC, EV_COUNT };
static const char *const ev_names[EV_COUNT] = {
	"unmapped", "write_to_read_only", "fetch_without_x",
};

/* true violations are -EFAULT (vm_fault's business); nothing changes */
static void t_emulate_violation(void **state)
{
	struct fx *fx = go(state);
	uint64_t d = data4k(fx), before;
	uint32_t what = 0, ftype = VM_PROT_READ;

	enter(fx, VA_A, d, R0);
	switch (fx->tc->c_sub) {
	case EV_UNMAPPED:
		assert_int_equal(pmap_emulate_accessed_dirty(&fx->pm, VA_B,
							     VM_PROT_READ, &what),
				 -EFAULT);
		return;
	case EV_READ_ONLY:
		ftype = VM_PROT_WRITE;
		break;
	case EV_NO_EXEC:
		ftype = VM_PROT_EXEC;
		break;
	}
	before = leaf(fx, VA_A, 1);
	mark(fx);
	assert_int_equal(pmap_emulate_accessed_dirty(&fx->pm, VA_A, ftype, &what),
			 -EFAULT);
	assert_int_equal(leaf(fx, VA_A, 1), before);
	assert_int_equal(ST(fx, ad_accessed) + ST(fx, ad_dirty), 0);
}

/* without PMAP_EMULATE_AD there is nothing to emulate */
static void t_emulate_enotsup(void **state)
{
	struct fx *fx = go(state);
	uint32_t what = 0;

	enter(fx, VA_A, data4k(fx), R0);
	assert_int_equal(pmap_emulate_accessed_dirty(&fx->pm, VA_A, VM_PROT_READ,
						     &what), -ENOTSUP);
}

/*
 * With execute-only support an untouched RX page is execute-only (R is
 * A), and clearing A of an executable page is safe.
 */
static void t_emulate_exec_only(void **state)
{
	struct fx *fx = go(state);
	uint64_t d = data4k(fx);
	unsigned count = 0;
	uint32_t what = 0;

	assert_int_equal(pmap_enter(&fx->pm, VA_A, d, PROT_RX, 0, 0), 0);
	assert_int_equal(leaf(fx, VA_A, 1), PA(d) | SW_V | EPT_X | WB | MGD);
	assert_int_equal(pmap_emulate_accessed_dirty(&fx->pm, VA_A, VM_PROT_READ,
						     &what), 0);
	assert_int_equal(leaf(fx, VA_A, 1), PA(d) | SW_V | EPT_X | WB | EPT_R | MGD);
	mark(fx);
	assert_int_equal(pmap_ts_referenced(K(fx), d, &count), 0);
	assert_int_equal(count, 1);
	assert_int_equal(leaf(fx, VA_A, 1), PA(d) | SW_V | EPT_X | WB | MGD);
	expect_inval(fx, 1, 0);
	check_pmap(fx);
}

/* clearing R of a writable emulated entry would be write-without-read: removed */
static void t_emulate_unsafe_write(void **state)
{
	struct fx *fx = go(state);
	uint64_t d = data4k(fx);
	unsigned count = 0;

	enter(fx, VA_A, d, R3);
	mark(fx);
	assert_int_equal(pmap_ts_referenced(K(fx), d, &count), 0);
	assert_int_equal(count, 1);
	expect_unmapped(fx, VA_A);
	assert_int_equal(aflags(fx, d), VMP_A_MODIFIED);
	expect_inval(fx, 1, 0);
	check_pmap(fx);
}

/* ---- paired (Akaros) ---------------------------------------------------- */

/*
 * The EPT half is where the guest's A/D land: is_referenced and
 * is_modified see them, ts_referenced and clear_modify clear both halves.
 */
static void t_paired_halves(void **state)
{
	struct fx *fx = go(state);
	struct pmap *pm = &fx->pm;
	uint64_t d = data4k(fx), epa;
	unsigned count = 0;
	bool yes = true;

	enter(fx, VA_A, d, R0);
	epa = entry_pa(fx, VA_A, 1);
	assert_int_equal(rd(fx, epa + PAGE_SIZE), PA(d) | EPT_R | EPT_X | WB);
	assert_int_equal(rd(fx, pm->pm_root + PAGE_SIZE + pt_index(VA_A, 4) * 8u),
			 ((rd(fx, pm->pm_root + pt_index(VA_A, 4) * 8u) & AMASK) +
			  PAGE_SIZE) | EPT_RWX);
	assert_int_equal(pmap_is_referenced(K(fx), d, &yes), 0);
	assert_false(yes);
	wr(fx, epa + PAGE_SIZE, rd(fx, epa + PAGE_SIZE) | EPT_A); /* the guest reads */
	assert_int_equal(pmap_is_referenced(K(fx), d, &yes), 0);
	assert_true(yes);
	mark(fx);
	assert_int_equal(pmap_ts_referenced(K(fx), d, &count), 0);
	assert_int_equal(count, 1);
	assert_int_equal(rd(fx, epa + PAGE_SIZE), PA(d) | EPT_R | EPT_X | WB);
	assert_int_equal(rd(fx, epa), want(fx, d, R0));
	expect_inval(fx, 1, 0);

	enter(fx, VA_A, d, R2);
	assert_int_equal(rd(fx, epa + PAGE_SIZE),
			 PA(d) | EPT_R | EPT_W | EPT_X | WB | EPT_A);
	wr(fx, epa + PAGE_SIZE, rd(fx, epa + PAGE_SIZE) | EPT_D); /* the guest writes */
	assert_int_equal(pmap_is_modified(K(fx), d, &yes), 0);
	assert_true(yes);
	mark(fx);
	assert_int_equal(pmap_clear_modify(K(fx), d), 0);
	assert_int_equal(rd(fx, epa + PAGE_SIZE) & EPT_D, 0);
	assert_int_equal(rd(fx, epa) & PTE_D, 0);
	assert_int_equal(pmap_is_modified(K(fx), d, &yes), 0);
	assert_false(yes);
	expect_inval(fx, 1, 0);
	check_pmap(fx);
}

/* ---- two pmaps on one page (NetBSD's combined attributes) --------------- */

static void t_two_pmaps(void **state)
{
	struct fx *fx = go(state);
	uint64_t d = data4k(fx);
	unsigned count = 0;
	bool yes = false;

	pmap_start(fx, &fx->pm2, &V_EPT, PT_LEVELS_4);
	fx->pm2_up = true;
	enter(fx, VA_B, data4k(fx), R1); /* keeps the x86 page table */
	enter(fx, VA_A, d, R0);
	assert_int_equal(pmap_enter(&fx->pm2, VA_FAR, d, PROT_RW, VM_PROT_WRITE, 0),
			 0);
	assert_int_equal(pv_count(fx, d), 2);
	assert_int_equal(pmap_is_referenced(K(fx), d, &yes), 0);
	assert_true(yes);
	assert_int_equal(pmap_is_modified(K(fx), d, &yes), 0);
	assert_true(yes);
	mark(fx);
	assert_int_equal(pmap_remove_all(K(fx), d), 0);
	assert_int_equal(pv_count(fx, d), 0);
	assert_int_equal(aflags(fx, d), REFMOD);
	/* only the EPT mapping had A: one invalidation, through the funnel */
	assert_int_equal(ST(fx, inval_page), 1);
	assert_int_equal(fx->n_page, 0);
	assert_int_equal(fx->n_ept, 1);
	assert_int_equal(fx->pm2.pm_eptgen - fx->gen0_2, 1);
	assert_int_equal(pmap_ts_referenced(K(fx), d, &count), 0);
	assert_int_equal(count, 1);
	check_pmap(fx);
}

/* ---- the simulated MMU walks what the pmap built ------------------------- */

/* natively: CR3 = the x86 root; 4 KiB and 2 MiB */
static void t_mmu_native(void **state)
{
	struct fx *fx = go(state);
	uint64_t d = data4k(fx), b = data2m(fx);
	struct mmu m = {
		.mu_mem = &fx->km.mem,
		.mu_caps = { .maxphyaddr = MAXPHY, .page1g = true },
		.mu_regs = { .cr3 = fx->pm.pm_root, .wp = true, .nxe = true },
	};
	struct mmu_req req = { .va = VA_A + 0x18, .acc = MMU_WRITE, .user = true };
	struct mmu_walk w;

	enter(fx, VA_A, d, R3);
	enter2m(fx, VA_SP, b, R2);
	mmu_translate(&m, &req, &w);
	assert_int_equal(w.stop, MMU_OK);
	assert_int_equal(w.pa, PA(d) + 0x18);
	assert_int_equal(w.perm, MMU_PERM_W | MMU_PERM_U);
	req.va = VA_SP + 0x123456;
	req.acc = MMU_READ;
	mmu_translate(&m, &req, &w);
	assert_int_equal(w.stop, MMU_OK);
	assert_int_equal(w.pa, PA(b) + 0x123456);
	assert_int_equal(w.page_shift, 21);
	req.acc = MMU_FETCH;
	mmu_translate(&m, &req, &w);
	assert_int_equal(w.stop, MMU_PROTECTION); /* NX */
	check_pmap(fx);
}

/*
 * Under EPT: a guest page table (a second, x86 pmap in the same memory,
 * its frames taken as guest-physical) maps GVA -> GPA; the pmap under test
 * maps the guest's table pages identically and GPA -> the data frame, 4
 * KiB and 2 MiB.  For a pair the EPTP is the EPT half.  With emulated A/D
 * the first write is an EPT violation the emulation resolves.
 */
#define GPA_4K (UINT64_C(1) << 32)
#define GPA_2M ((UINT64_C(1) << 32) + SP_SIZE)
#define GVA UINT64_C(0x40000000)

static void mmu_2d_access(struct fx *fx, struct mmu *m, uint64_t gva,
			  uint64_t gpa_page, uint64_t hpa, unsigned shift)
{
	struct mmu_req req = { .va = gva + 0x40, .acc = MMU_WRITE, .user = true };
	struct mmu_walk w;
	uint32_t what = 0;

	mmu_translate(m, &req, &w);
	if (fx->pm.pm_flags & PMAP_EMULATE_AD) {
		assert_int_equal(w.stop, MMU_EPT_VIOLATION);
		assert_int_equal(w.fault_gpa, gpa_page + 0x40);
		assert_int_equal(pmap_emulate_accessed_dirty(&fx->pm, w.fault_gpa,
							     VM_PROT_WRITE, &what), 0);
		mmu_translate(m, &req, &w);
	}
	assert_int_equal(w.stop, MMU_OK);
	assert_int_equal(w.gpa, gpa_page + 0x40);
	assert_int_equal(w.pa, hpa + 0x40);
	assert_int_equal(w.ept_shift, shift);
}

static void t_mmu_2d(void **state)
{
	struct fx *fx = go(state);
	struct pmap *pm = &fx->pm, *g = &fx->pm2;
	bool ad = !(pm->pm_flags & (PMAP_EMULATE_AD | PMAP_ASSUME_AD));
	uint64_t d = data4k(fx), b = data2m(fx);
	const char *why = "";
	struct tpath p;
	struct mmu m = {
		.mu_mem = &fx->km.mem,
		.mu_caps = { .maxphyaddr = MAXPHY, .ept_2m = true, .ept_ad = ad,
			     .ept_xonly = (pm->pm_flags & PMAP_EXEC_ONLY) != 0 },
		.mu_regs = { .wp = true, .nxe = true },
	};

	assert_int_equal(pmap_init(g, PT_X86, K(fx), MAXPHY, 4, 0), 0);
	fx->pm2_up = true;
	assert_int_equal(pmap_enter(g, GVA, GPA_4K >> PAGE_SHIFT, PROT_RW, 0, 0), 0);
	assert_int_equal(pmap_enter(g, GVA + PAGE_SIZE, (GPA_2M >> PAGE_SHIFT) + 3,
				    PROT_RW, 0, 0), 0);
	/* the guest's tables, identity-mapped (the root and the path's tables) */
	twalk(fx, g, g->pm_root, GVA, &p);
	for (unsigned l = 4; l >= 1; l--)
		assert_int_equal(pmap_enter(pm, p.table[l], p.table[l] >> PAGE_SHIFT,
					    PROT_RW, VM_PROT_WRITE, 0), 0);
	assert_int_equal(pmap_enter(pm, GPA_4K, d, PROT_RW, VM_PROT_READ, 0), 0);
	assert_int_equal(pmap_enter(pm, GPA_2M, b, PROT_RW, VM_PROT_READ, 1), 0);
	m.mu_regs.cr3 = g->pm_root;
	assert_int_equal(mmu_ept_set(&m, true, false,
				     pmap_eptp_root(pm) | (UINT64_C(3) << EPTP_PWL_SHIFT) |
					     EPT_MT_WB | (ad ? EPTP_AD : 0), &why), 0);
	mmu_2d_access(fx, &m, GVA, GPA_4K, PA(d), 12);
	mmu_2d_access(fx, &m, GVA + PAGE_SIZE, GPA_2M + PG(3), PA(b + 3), 21);
	check_pmap(fx);
}

/* ---- errors midway ------------------------------------------------------ */

/*
 * gpa_inject - the kernel as a guest whose host backs its memory
 * (vk_gpa, identity here) until fx->inj_left calls have been made, then
 * cannot (-ENOMEM): every table read, write and zeroing can fail.
 */
static int gpa_inject(void *ctx, uint64_t pa, bool write, uint64_t *hpa)
{
	struct fx *fx = ctx;

	(void)write;
	if (fx->inj_left == 0)
		return -ENOMEM;
	if (fx->inj_left > 0)
		fx->inj_left--;
	*hpa = pa;
	return 0;
}

enum { GS_ENTER_4K, GS_ENTER_2M, GS_PROTECT_DEMOTES, GS_ENTER_BACK, GS_PROMOTE,
       GS_TS_REFERENCED, GS_CLEAR_MODIFY, GS_REMOVE_ALL, GS_REMOVE, GS_COUNT };

static int gpa_step(struct fx *fx, unsigned step, uint64_t d, uint64_t b)
{
	unsigned count;

	switch (step) {
	case GS_ENTER_4K:
		return pmap_enter(&fx->pm, VA_A, d, PROT_RW, VM_PROT_WRITE, 0);
	case GS_ENTER_2M:
		return pmap_enter(&fx->pm, VA_SP, b, PROT_RW, VM_PROT_WRITE, 1);
	case GS_PROTECT_DEMOTES:
		return pmap_protect(&fx->pm, VA_SP + PG(1), VA_SP + PG(2), PROT_R);
	case GS_ENTER_BACK:
		return pmap_enter(&fx->pm, VA_SP + PG(1), b + 1, PROT_RW,
				  VM_PROT_WRITE, 0);
	case GS_PROMOTE:
		return pmap_promote_pde(&fx->pm, VA_SP);
	case GS_TS_REFERENCED:
		return pmap_ts_referenced(K(fx), b + 8, &count);
	case GS_CLEAR_MODIFY:
		return pmap_clear_modify(K(fx), d);
	case GS_REMOVE_ALL:
		return pmap_remove_all(K(fx), b + 9);
	default:
		return pmap_remove(&fx->pm, 0, UINT64_C(1) << 47);
	}
}

/*
 * Each step of a sequence is tried with the guest memory failing at the
 * n-th access, n = 0, 1, ... until it succeeds: every failure is -ENOMEM
 * and leaves the tables, counts and pv lists consistent (check_pmap), and
 * the step can be retried.
 */
static void t_errors_midway(void **state)
{
	struct fx *fx = *state;
	uint64_t d, b;
	int rc;

	fx->v = fx->tc->c_v;
	fx->inj_left = -1;
	kmfix_start(&fx->km, FRAMES, 0);
	K(fx)->vk_gpa = gpa_inject;
	K(fx)->vk_gpa_ctx = fx;
	d = data4k(fx);
	b = data2m(fx);
	for (int n = 0;; n++) {
		fx->inj_left = n;
		rc = pmap_init(&fx->pm, fx->v->v_type, K(fx), MAXPHY, 4,
			       fx->v->v_flags);
		fx->inj_left = -1;
		if (rc == 0)
			break;
		assert_int_equal(rc, -ENOMEM);
		assert_int_equal(K(fx)->vk_phys.vp_count[VMP_PTPAGE], 0);
	}
	fx->pm_up = true;
	for (unsigned step = 0; step < GS_COUNT; step++) {
		for (int n = 0;; n++) {
			assert_true(n < 100000);
			fx->inj_left = n;
			rc = gpa_step(fx, step, d, b);
			fx->inj_left = -1;
			check_pmap(fx);
			if (rc == 0) {
				assert_true(n > 0); /* the injection was hit */
				break;
			}
			assert_int_equal(rc, -ENOMEM);
		}
	}
	assert_int_equal(fx->pm.pm_resident, 0);
	assert_int_equal(fx->pm.pm_ptpages, tp(&fx->pm));
}

/* ---- the case list ------------------------------------------------------ */

struct mtest {
	const char *name;
	void (*fn)(void **);
};

/* run for every variant of the matrix */
static const struct mtest mtests[] = {
	{ "init", t_init },
	{ "cache_bits", t_cache_bits },
	{ "enter_unmanaged", t_enter_unmanaged },
	{ "enter_replace_other_frame", t_enter_replace },
	{ "enter_same_frame_raise_then_lower", t_enter_same_frame },
	{ "enter_2m", t_enter_2m },
	{ "enter_2m_over_page_table", t_enter_2m_over_table },
	{ "enter_4k_inside_2m_demotes", t_enter_4k_in_2m },
	{ "enter_enomem_frees_new_tables", t_enter_enomem },
	{ "five_level", t_five_level },
	{ "extract", t_extract },
	{ "remove_range_one_invalidation", t_remove_full },
	{ "remove_untouched_page", t_remove_untouched },
	{ "remove_sparse_range", t_remove_sparse },
	{ "remove_2m_whole", t_remove_2m_full },
	{ "remove_2m_partial_demotes", t_remove_2m_partial },
	{ "remove_all", t_remove_all },
	{ "remove_all_in_2m_demotes", t_remove_all_2m },
	{ "protect_lower_to_r", t_protect_lower },
	{ "protect_never_raises", t_protect_never_raises },
	{ "protect_none_removes", t_protect_none_removes },
	{ "protect_2m_partial_demotes", t_protect_2m_partial },
	{ "protect_2m_whole", t_protect_2m_full },
	{ "is_modified_clear_modify", t_modified },
	{ "clear_modify_2m_demotes", t_clear_modify_2m },
	{ "ts_referenced", t_referenced },
	{ "ts_referenced_page_attr", t_referenced_attr },
	{ "ts_referenced_2m_hash", t_referenced_2m },
	{ "promote", t_promote },
	{ "demote", t_demote },
	{ "demote_enomem_removes", t_demote_enomem },
	{ "fini", t_fini },
	{ "init_enomem", t_init_enomem },
};

#define MAX_TESTS 512u

static struct tcase cases[MAX_TESTS];
static char names[MAX_TESTS][96];
static struct CMUnitTest tests[MAX_TESTS];
static unsigned ntests;

static void add(void (*fn)(void **), const struct variant *v, unsigned sub,
		const char *name, const char *row)
{
	ES_ASSERT(ntests < MAX_TESTS, "%u tests", ntests);
	cases[ntests] = (struct tcase){ .c_v = v, .c_sub = sub };
	snprintf(names[ntests], sizeof(names[0]), "%s/%s%s%s", v->v_name, name,
		 row ? "/" : "", row ? row : "");
	tests[ntests] = (struct CMUnitTest){ names[ntests], fn, fx_setup,
					     fx_teardown, &cases[ntests] };
	ntests++;
}

int main(void)
{
	static const struct variant *const ept_all[] = {
		&V_EPT, &V_EMUL, &V_EMUL_NX, &V_DFLY, &V_ASSUME, &V_PAIRED,
	};

	for (size_t i = 0; i < ARRAY_SIZE(matrix); i++) {
		for (unsigned r = 0; r < NROWS; r++)
			add(t_enter_row, matrix[i], r, "enter", rows[r].name);
		for (size_t t = 0; t < ARRAY_SIZE(mtests); t++)
			add(mtests[t].fn, matrix[i], 0, mtests[t].name, NULL);
		for (unsigned r = 0; r < NP_COUNT; r++)
			add(t_promote_not, matrix[i], r, "promote_not", np_names[r]);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad_flags); i++)
		add(t_init_bad_flags, &V_X86, (unsigned)i, "init_bad_flags",
		    bad_flags[i].name);
	add(t_enter_2m_needs_superpages, &V_EPT_4K, 0, "enter_2m_needs_superpages",
	    NULL);
	add(t_emulate, &V_EMUL_NX, 0, "emulate_accessed_then_dirty", NULL);
	add(t_emulate_write_first, &V_EMUL_NX, 0, "emulate_dirty_2m", NULL);
	for (unsigned r = 0; r < EV_COUNT; r++)
		add(t_emulate_violation, &V_EMUL_NX, r, "emulate_violation",
		    ev_names[r]);
	add(t_emulate_enotsup, &V_EPT, 0, "emulate_enotsup", NULL);
	add(t_emulate_exec_only, &V_EMUL_XO, 0, "emulate_exec_only", NULL);
	add(t_emulate_unsafe_write, &V_EMUL_NX, 0, "ts_referenced_unsafe_write",
	    NULL);
	add(t_paired_halves, &V_PAIRED, 0, "ad_in_both_halves", NULL);
	add(t_two_pmaps, &V_X86, 0, "two_pmaps_one_page", NULL);
	add(t_mmu_native, &V_X86, 0, "mmu_native", NULL);
	add(t_mmu_native, &V_PAIRED, 0, "mmu_native", NULL);
	for (size_t i = 0; i < ARRAY_SIZE(ept_all); i++)
		add(t_mmu_2d, ept_all[i], 0, "mmu_2d", NULL);
	add(t_mmu_2d, &V_EMUL_XO, 0, "mmu_2d", NULL);
	/* a pair's two halves are not written atomically (pmap_store) */
	for (size_t i = 0; i < ARRAY_SIZE(matrix); i++)
		if (!(matrix[i]->v_flags & PMAP_PAIRED))
			add(t_errors_midway, matrix[i], 0, "errors_midway", NULL);
	return _cmocka_run_group_tests("pmap", tests, ntests, NULL, NULL);
}
