/*
 * test_inv.c - what each TLB-management operation leaves behind (SDM
 * Vol. 3A §4.10.4.1, Vol. 3C §29.4.3.1; sim/vmx/inv.c): per instruction
 * and type, which cached entries survive and which are gone, and that a
 * failing operand invalidates nothing.
 *
 * Every case gets a fresh VM of one vCPU, entered with EPT (EP4TA A) and
 * VPID 1, CR4.PCIDE = 1 and CR3 = 0x1005 (PCID 5) unless the row says
 * otherwise; a VMX-root row (INVVPID, INVEPT, VM entry) then exits first.
 * Its caches (TLB: L1 and STLB fully associative, walk caches 64 entries
 * each, so nothing is evicted) are filled with the same population, named
 *
 *   t<vpid>-<pcid><ctx>[g]-<addr>   TLB entry (4 KiB; "X2M": a 2 MiB page)
 *   p<vpid>-<pcid><ctx>-<addr>      guest PSC entry: at X a PDPT-level
 *                                   entry (level 3, covers X's 1 GiB), at
 *                                   Y a PD-level entry (level 2, 2 MiB)
 *   n-<ctx>, e-<ctx>                nested TLB (4 KiB) and EPT PSC (level 2)
 *                                   entries for GPA G: guest-physical
 *
 *   ctx   L = linear (made without EPT); A, B = combined with EP4TA A, B
 *   g     global (G in the leaf)
 *   X = 0x00007f1274567000, Y = 0x00003f0000345000: other PML4 slots, so
 *   no PSC entry covers both.  G = 0x8041234000.
 *   A = 0x200000, B = 0x300000 (EPTPs A|0x1e, B|0x1e: WB, 4-level).
 *
 * The operation runs once; then every entry is either still cached in
 * every place the fill put it (L1 and STLB for a TLB entry) or in none,
 * and the gone ones must be exactly the row's list.  The counters that
 * move, and by how much, are exact as well (costs below); any other
 * counter that moves fails the row.
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

#include "sim/vmx/vmx.h"
#include "tests/lib/tltab.h"
#include "tests/lib/vcfix.h"

#define X UINT64_C(0x00007f1274567000)
#define Y UINT64_C(0x00003f0000345000)
#define G UINT64_C(0x8041234000)
#define EA UINT64_C(0x200000)
#define EB UINT64_C(0x300000)
#define EPTP_WB4 UINT64_C(0x1e) /* memory type 6 (WB), walk length 3 (4-level) */
#define EPTP_A (EA | EPTP_WB4)
#define EPTP_B (EB | EPTP_WB4)
#define NC UINT64_C(0x0123456789abc000)  /* canonical for neither 48 nor 57 bits */
#define C57 UINT64_C(0x00ff123456789000) /* 57-bit canonical, not 48-bit */
#define CR3_0 UINT64_C(0x1000)
#define BIT(n) (UINT64_C(1) << (n))

/* costs: distinct, so a wrong one shows */
#define C_EXIT 700u
#define C_ENTRY 800u
#define C_INVEPT 1000u
#define C_INVVPID 200u
#define C_INVLPG 100u
#define C_INVPCID 150u
#define C_CR3 50u

/* ---- the population ---------------------------------------------------- */

enum where { W_TLB, W_PSC, W_EPSC, W_NTLB };

struct pop {
	const char *name;
	enum where where;
	uint16_t vpid, pcid;
	uint64_t ep4ta;         /* 0: linear */
	bool global;
	uint64_t addr;          /* linear address or GPA */
	unsigned shift;         /* TLB: the page; PSC: the level's */
};

#define L 0
static const struct pop pop[] = {
	{ "t1-5A-X", W_TLB, 1, 5, EA, false, X, 12 },
	{ "t1-5A-Y", W_TLB, 1, 5, EA, false, Y, 12 },
	{ "t1-7A-X", W_TLB, 1, 7, EA, false, X, 12 },
	{ "t1-0A-Y", W_TLB, 1, 0, EA, false, Y, 12 },
	{ "t1-5L-X", W_TLB, 1, 5, L, false, X, 12 },
	{ "t1-7L-X", W_TLB, 1, 7, L, false, X, 12 },
	{ "t1-5B-X2M", W_TLB, 1, 5, EB, false, X, 21 },
	{ "t1-7Bg-X", W_TLB, 1, 7, EB, true, X, 12 },
	{ "t1-0Lg-Y", W_TLB, 1, 0, L, true, Y, 12 },
	{ "t2-5A-X", W_TLB, 2, 5, EA, false, X, 12 },
	{ "t2-7L-Y", W_TLB, 2, 7, L, false, Y, 12 },
	{ "t2-0Bg-X", W_TLB, 2, 0, EB, true, X, 12 },
	{ "t0-0L-X", W_TLB, 0, 0, L, false, X, 12 },
	{ "t0-0Lg-Y", W_TLB, 0, 0, L, true, Y, 12 },
	{ "t0-5A-X", W_TLB, 0, 5, EA, false, X, 12 },
	{ "t0-0B-Y", W_TLB, 0, 0, EB, false, Y, 12 },
	{ "p1-5A-X", W_PSC, 1, 5, EA, false, X, 30 },
	{ "p1-5A-Y", W_PSC, 1, 5, EA, false, Y, 21 },
	{ "p1-5L-Y", W_PSC, 1, 5, L, false, Y, 21 },
	{ "p1-5B-X", W_PSC, 1, 5, EB, false, X, 30 },
	{ "p1-7A-X", W_PSC, 1, 7, EA, false, X, 30 },
	{ "p1-7L-Y", W_PSC, 1, 7, L, false, Y, 21 },
	{ "p1-0L-X", W_PSC, 1, 0, L, false, X, 30 },
	{ "p2-5A-X", W_PSC, 2, 5, EA, false, X, 30 },
	{ "p2-0L-Y", W_PSC, 2, 0, L, false, Y, 21 },
	{ "p0-0L-X", W_PSC, 0, 0, L, false, X, 30 },
	{ "p0-5A-Y", W_PSC, 0, 5, EA, false, Y, 21 },
	{ "p0-0B-X", W_PSC, 0, 0, EB, false, X, 30 },
	{ "n-A", W_NTLB, 0, 0, EA, false, G, 12 },
	{ "n-B", W_NTLB, 0, 0, EB, false, G, 12 },
	{ "e-A", W_EPSC, 0, 0, EA, false, G, 21 },
	{ "e-B", W_EPSC, 0, 0, EB, false, G, 21 },
};
#undef L

#define NPOP (sizeof(pop) / sizeof(pop[0]))

/* an entry's identity rides in te_pfn: id << 20, so a split piece keeps it */
#define ID_SHIFT 20

/* sets of entries that recur in the rows */
#define T1_ALL "t1-5A-X t1-5A-Y t1-7A-X t1-0A-Y t1-5L-X t1-7L-X t1-5B-X2M "
#define T1_G "t1-7Bg-X t1-0Lg-Y "
#define P1_ALL "p1-5A-X p1-5A-Y p1-5L-Y p1-5B-X p1-7A-X p1-7L-Y p1-0L-X "
#define T1_P5 "t1-5A-X t1-5A-Y t1-5L-X t1-5B-X2M "
#define P1_P5 "p1-5A-X p1-5A-Y p1-5L-Y p1-5B-X "
#define T2_ALL "t2-5A-X t2-7L-Y t2-0Bg-X "
#define P2_ALL "p2-5A-X p2-0L-Y "
#define V0_ALL "t0-0L-X t0-0Lg-Y t0-5A-X t0-0B-Y p0-0L-X p0-5A-Y p0-0B-X "
#define OF_A "t1-5A-X t1-5A-Y t1-7A-X t1-0A-Y t2-5A-X t0-5A-X " \
	     "p1-5A-X p1-5A-Y p1-7A-X p2-5A-X p0-5A-Y n-A e-A "
#define OF_B "t1-5B-X2M t1-7Bg-X t2-0Bg-X t0-0B-Y p1-5B-X p0-0B-X n-B e-B "

/* ---- the cases ----------------------------------------------------------- */

enum op { OP_INVLPG, OP_INVPCID, OP_MOV_CR3, OP_INVVPID, OP_INVEPT, OP_ENTRY, OP_EXIT };

/* context controls */
#define PCIDE_OFF (1u << 0)   /* CR4.PCIDE = 0, CR3 = 0x1000 */
#define VPID_OFF (1u << 1)    /* enable VPID = 0: the current VPID is 0 */
#define NO_LA57 (1u << 2)     /* the processor has no 5-level paging */
#define NO_INVPCID (1u << 3)
#define NO_VV(t) (1u << (4 + (t)))   /* INVVPID type t unsupported */
#define NO_IE(t) (1u << (8 + (t)))   /* INVEPT type t unsupported */

struct kdelta {
	enum sim_ctr k;
	uint64_t d;             /* 0: unused slot */
};

struct inv_case {
	const char *name;
	enum op op;
	unsigned type;
	uint64_t a, b;          /* INVLPG va; INVPCID, INVVPID: descriptor, address; MOV CR3 value; INVEPT EPTP */
	unsigned ctl;
	int rc;                 /* 0, -EINVAL, -ENOTSUP or VMX_ERR_INV_OPERAND */
	const char *gone;
	struct kdelta k[3];
	uint64_t cr3;           /* MOV to CR3 that succeeds: CR3 afterwards */
};

#define K(c, n) { CTR_##c, (n) }
#define K_INVLPG { K(INVLPG, 1), K(CYC_INV, C_INVLPG) }
#define K_INVPCID { K(INVPCID, 1), K(CYC_INV, C_INVPCID) }
#define K_CR3 { K(CR3_WRITES, 1), K(CYC_INV, C_CR3) }
#define K_VV(c) { K(c, 1), K(CYC_INV, C_INVVPID) }
#define K_IE(c) { K(c, 1), K(CYC_INV, C_INVEPT) }
#define K_NONE { { 0, 0 } }
#define FAIL VMX_ERR_INV_OPERAND

static const struct inv_case cases[] = {
	/* INVLPG: current VPID 1, PCID 5 */
	{ "invlpg_x_takes_its_pcid_and_globals_and_every_psc_entry_of_the_pcid",
	  OP_INVLPG, 0, X, 0, 0, 0,
	  "t1-5A-X t1-5L-X t1-5B-X2M t1-7Bg-X " P1_P5, K_INVLPG, 0 },
	{ "invlpg_y_takes_the_global_page_of_y", OP_INVLPG, 0, Y, 0, 0, 0,
	  "t1-5A-Y t1-0Lg-Y " P1_P5, K_INVLPG, 0 },
	{ "invlpg_pcide_off_uses_pcid_0", OP_INVLPG, 0, X, 0, PCIDE_OFF, 0,
	  "t1-7Bg-X p1-0L-X", K_INVLPG, 0 },
	{ "invlpg_without_vpid_reaches_vpid_0", OP_INVLPG, 0, X, 0,
	  PCIDE_OFF | VPID_OFF, 0, "t0-0L-X p0-0L-X p0-0B-X", K_INVLPG, 0 },
	{ "invlpg_noncanonical_is_a_nop", OP_INVLPG, 0, NC, 0, 0, 0, "",
	  K_INVLPG, 0 },

	/* INVPCID */
	{ "invpcid0_pcid5_x", OP_INVPCID, INVPCID_INDIVIDUAL_ADDRESS, 5, X, 0, 0,
	  "t1-5A-X t1-5L-X t1-5B-X2M p1-5A-X p1-5B-X", K_INVPCID, 0 },
	{ "invpcid0_other_pcid_keeps_the_global", OP_INVPCID,
	  INVPCID_INDIVIDUAL_ADDRESS, 7, X, 0, 0, "t1-7A-X t1-7L-X p1-7A-X",
	  K_INVPCID, 0 },
	{ "invpcid0_57bit_address_with_la57_support", OP_INVPCID,
	  INVPCID_INDIVIDUAL_ADDRESS, 5, C57, 0, 0, "", K_INVPCID, 0 },
	{ "invpcid1_pcid7", OP_INVPCID, INVPCID_SINGLE_CONTEXT, 7, 0, 0, 0,
	  "t1-7A-X t1-7L-X p1-7A-X p1-7L-Y", K_INVPCID, 0 },
	{ "invpcid1_pcid0_keeps_the_global", OP_INVPCID, INVPCID_SINGLE_CONTEXT,
	  0, 0, 0, 0, "t1-0A-Y p1-0L-X", K_INVPCID, 0 },
	{ "invpcid2_takes_the_vpid_globals_too", OP_INVPCID,
	  INVPCID_ALL_CONTEXT_GLOBALS, 0, 0, 0, 0, T1_ALL T1_G P1_ALL,
	  K_INVPCID, 0 },
	{ "invpcid3_keeps_the_globals", OP_INVPCID, INVPCID_ALL_CONTEXT, 0, 0,
	  0, 0, T1_ALL P1_ALL, K_INVPCID, 0 },
	{ "invpcid3_pcide_off_ignores_the_descriptor_pcid", OP_INVPCID,
	  INVPCID_ALL_CONTEXT, 5, 0, PCIDE_OFF, 0, T1_ALL P1_ALL, K_INVPCID, 0 },
	{ "invpcid_type4_gp", OP_INVPCID, 4, 5, X, 0, -EINVAL, "", K_NONE, 0 },
	{ "invpcid_descriptor_bit12_gp", OP_INVPCID, INVPCID_SINGLE_CONTEXT,
	  5 | BIT(12), 0, 0, -EINVAL, "", K_NONE, 0 },
	{ "invpcid_descriptor_bit63_gp", OP_INVPCID, INVPCID_ALL_CONTEXT,
	  BIT(63), 0, 0, -EINVAL, "", K_NONE, 0 },
	{ "invpcid0_noncanonical_gp", OP_INVPCID, INVPCID_INDIVIDUAL_ADDRESS, 5,
	  NC, 0, -EINVAL, "", K_NONE, 0 },
	{ "invpcid0_57bit_address_without_la57_support_gp", OP_INVPCID,
	  INVPCID_INDIVIDUAL_ADDRESS, 5, C57, NO_LA57, -EINVAL, "", K_NONE, 0 },
	{ "invpcid0_pcide_off_pcid5_gp", OP_INVPCID, INVPCID_INDIVIDUAL_ADDRESS,
	  5, X, PCIDE_OFF, -EINVAL, "", K_NONE, 0 },
	{ "invpcid1_pcide_off_pcid5_gp", OP_INVPCID, INVPCID_SINGLE_CONTEXT, 5,
	  0, PCIDE_OFF, -EINVAL, "", K_NONE, 0 },
	{ "invpcid_unsupported_ud", OP_INVPCID, INVPCID_ALL_CONTEXT_GLOBALS, 0,
	  0, NO_INVPCID, -ENOTSUP, "", K_NONE, 0 },

	/* MOV to CR3 */
	{ "mov_cr3_pcide_off_flushes_pcid0", OP_MOV_CR3, 0, 0x2000, 0, PCIDE_OFF,
	  0, "t1-0A-Y p1-0L-X", K_CR3, 0x2000 },
	{ "mov_cr3_pcide_on_flushes_the_new_pcid", OP_MOV_CR3, 0, 0x2007, 0, 0,
	  0, "t1-7A-X t1-7L-X p1-7A-X p1-7L-Y", K_CR3, 0x2007 },
	{ "mov_cr3_reload_flushes_the_current_pcid", OP_MOV_CR3, 0, 0x1005, 0,
	  0, 0, T1_P5 P1_P5, K_CR3, 0x1005 },
	{ "mov_cr3_noflush_bit_flushes_nothing", OP_MOV_CR3, 0,
	  VMX_CR3_NOFLUSH | 0x2007, 0, 0, 0, "", { K(CR3_WRITES, 1) }, 0x2007 },
	{ "mov_cr3_bit63_pcide_off_gp", OP_MOV_CR3, 0, VMX_CR3_NOFLUSH | 0x2000,
	  0, PCIDE_OFF, -EINVAL, "", K_NONE, 0 },
	{ "mov_cr3_bit_maxphyaddr_gp", OP_MOV_CR3, 0, BIT(40) | 0x2007, 0, 0,
	  -EINVAL, "", K_NONE, 0 },
	{ "mov_cr3_bit62_gp", OP_MOV_CR3, 0, BIT(62) | 0x2007, 0, 0, -EINVAL, "",
	  K_NONE, 0 },

	/* INVVPID */
	{ "invvpid0_vpid1_x_all_pcids_globals_too", OP_INVVPID,
	  INVVPID_INDIVIDUAL_ADDRESS, 1, X, 0, 0,
	  "t1-5A-X t1-7A-X t1-5L-X t1-7L-X t1-5B-X2M t1-7Bg-X "
	  "p1-5A-X p1-5B-X p1-7A-X p1-0L-X", K_VV(INVVPID_ADDR), 0 },
	{ "invvpid0_vpid2_y", OP_INVVPID, INVVPID_INDIVIDUAL_ADDRESS, 2, Y, 0, 0,
	  "t2-7L-Y p2-0L-Y", K_VV(INVVPID_ADDR), 0 },
	{ "invvpid0_57bit_address_with_la57_support", OP_INVVPID,
	  INVVPID_INDIVIDUAL_ADDRESS, 1, C57, 0, 0, "", K_VV(INVVPID_ADDR), 0 },
	{ "invvpid1_vpid2", OP_INVVPID, INVVPID_SINGLE_CONTEXT, 2, 0, 0, 0,
	  T2_ALL P2_ALL, K_VV(INVVPID_SINGLE), 0 },
	{ "invvpid2_every_vpid_but_0", OP_INVVPID, INVVPID_ALL_CONTEXT, 1, 0, 0,
	  0, T1_ALL T1_G P1_ALL T2_ALL P2_ALL, K_VV(INVVPID_ALL), 0 },
	{ "invvpid2_descriptor_vpid0_is_fine", OP_INVVPID, INVVPID_ALL_CONTEXT,
	  0, 0, 0, 0, T1_ALL T1_G P1_ALL T2_ALL P2_ALL, K_VV(INVVPID_ALL), 0 },
	{ "invvpid3_vpid1_keeps_only_its_globals", OP_INVVPID,
	  INVVPID_SINGLE_CONTEXT_RETAINING_GLOBALS, 1, 0, 0, 0, T1_ALL P1_ALL,
	  K_VV(INVVPID_SINGLE_G), 0 },
	{ "invvpid3_vpid2", OP_INVVPID, INVVPID_SINGLE_CONTEXT_RETAINING_GLOBALS,
	  2, 0, 0, 0, "t2-5A-X t2-7L-Y " P2_ALL, K_VV(INVVPID_SINGLE_G), 0 },
	{ "invvpid0_unsupported", OP_INVVPID, INVVPID_INDIVIDUAL_ADDRESS, 1, X,
	  NO_VV(0), FAIL, "", K_VV(INV_FAILED), 0 },
	{ "invvpid1_unsupported", OP_INVVPID, INVVPID_SINGLE_CONTEXT, 1, 0,
	  NO_VV(1), FAIL, "", K_VV(INV_FAILED), 0 },
	{ "invvpid2_unsupported", OP_INVVPID, INVVPID_ALL_CONTEXT, 1, 0,
	  NO_VV(2), FAIL, "", K_VV(INV_FAILED), 0 },
	{ "invvpid3_unsupported", OP_INVVPID,
	  INVVPID_SINGLE_CONTEXT_RETAINING_GLOBALS, 1, 0, NO_VV(3), FAIL, "",
	  K_VV(INV_FAILED), 0 },
	{ "invvpid_type4", OP_INVVPID, 4, 1, 0, 0, FAIL, "", K_VV(INV_FAILED), 0 },
	{ "invvpid1_descriptor_bit16", OP_INVVPID, INVVPID_SINGLE_CONTEXT,
	  1 | BIT(16), 0, 0, FAIL, "", K_VV(INV_FAILED), 0 },
	{ "invvpid2_descriptor_bit63", OP_INVVPID, INVVPID_ALL_CONTEXT, BIT(63),
	  0, 0, FAIL, "", K_VV(INV_FAILED), 0 },
	{ "invvpid0_vpid0", OP_INVVPID, INVVPID_INDIVIDUAL_ADDRESS, 0, X, 0,
	  FAIL, "", K_VV(INV_FAILED), 0 },
	{ "invvpid1_vpid0", OP_INVVPID, INVVPID_SINGLE_CONTEXT, 0, 0, 0, FAIL,
	  "", K_VV(INV_FAILED), 0 },
	{ "invvpid3_vpid0", OP_INVVPID, INVVPID_SINGLE_CONTEXT_RETAINING_GLOBALS,
	  0, 0, 0, FAIL, "", K_VV(INV_FAILED), 0 },
	{ "invvpid0_noncanonical", OP_INVVPID, INVVPID_INDIVIDUAL_ADDRESS, 1, NC,
	  0, FAIL, "", K_VV(INV_FAILED), 0 },
	{ "invvpid0_57bit_address_without_la57_support", OP_INVVPID,
	  INVVPID_INDIVIDUAL_ADDRESS, 1, C57, NO_LA57, FAIL, "",
	  K_VV(INV_FAILED), 0 },

	/* INVEPT */
	{ "invept1_a_every_vpid_and_its_guest_physical", OP_INVEPT,
	  INVEPT_SINGLE_CONTEXT, EPTP_A, 0, 0, 0, OF_A, K_IE(INVEPT_SINGLE), 0 },
	{ "invept1_b", OP_INVEPT, INVEPT_SINGLE_CONTEXT, EPTP_B, 0, 0, 0, OF_B,
	  K_IE(INVEPT_SINGLE), 0 },
	{ "invept1_uc_eptp_names_the_same_ep4ta", OP_INVEPT,
	  INVEPT_SINGLE_CONTEXT, EA | 0x18, 0, 0, 0, OF_A, K_IE(INVEPT_SINGLE), 0 },
	{ "invept2_every_ep4ta_linear_stays", OP_INVEPT, INVEPT_ALL_CONTEXT,
	  EPTP_A, 0, 0, 0, OF_A OF_B, K_IE(INVEPT_ALL), 0 },
	{ "invept2_ignores_the_eptp", OP_INVEPT, INVEPT_ALL_CONTEXT, ~UINT64_C(0),
	  0, 0, 0, OF_A OF_B, K_IE(INVEPT_ALL), 0 },
	{ "invept1_unsupported", OP_INVEPT, INVEPT_SINGLE_CONTEXT, EPTP_A, 0,
	  NO_IE(1), FAIL, "", K_IE(INV_FAILED), 0 },
	{ "invept2_unsupported", OP_INVEPT, INVEPT_ALL_CONTEXT, EPTP_A, 0,
	  NO_IE(2), FAIL, "", K_IE(INV_FAILED), 0 },
	{ "invept_type0", OP_INVEPT, 0, EPTP_A, 0, 0, FAIL, "", K_IE(INV_FAILED), 0 },
	{ "invept_type3", OP_INVEPT, 3, EPTP_A, 0, 0, FAIL, "", K_IE(INV_FAILED), 0 },
	{ "invept1_memory_type_1", OP_INVEPT, INVEPT_SINGLE_CONTEXT, EA | 0x19, 0,
	  0, FAIL, "", K_IE(INV_FAILED), 0 },
	{ "invept1_5level_unsupported", OP_INVEPT, INVEPT_SINGLE_CONTEXT,
	  EA | 0x26, 0, 0, FAIL, "", K_IE(INV_FAILED), 0 },
	{ "invept1_ad_unsupported", OP_INVEPT, INVEPT_SINGLE_CONTEXT,
	  EPTP_A | BIT(6), 0, 0, FAIL, "", K_IE(INV_FAILED), 0 },
	{ "invept1_reserved_bit7", OP_INVEPT, INVEPT_SINGLE_CONTEXT,
	  EPTP_A | BIT(7), 0, 0, FAIL, "", K_IE(INV_FAILED), 0 },
	{ "invept1_bit_maxphyaddr", OP_INVEPT, INVEPT_SINGLE_CONTEXT,
	  EPTP_A | BIT(40), 0, 0, FAIL, "", K_IE(INV_FAILED), 0 },

	/* VM entry and exit */
	{ "vm_exit_without_vpid_flushes_vpid0", OP_EXIT, 0, 0, 0, VPID_OFF, 0,
	  V0_ALL, { K(VM_EXITS, 1), K(EXIT_EXTINT, 1), K(CYC_EXIT, C_EXIT) }, 0 },
	{ "vm_entry_without_vpid_flushes_vpid0", OP_ENTRY, 0, 0, 0, VPID_OFF, 0,
	  V0_ALL, { K(VM_ENTRIES, 1), K(CYC_EXIT, C_ENTRY) }, 0 },
	{ "vm_exit_with_vpid_flushes_nothing", OP_EXIT, 0, 0, 0, 0, 0, "",
	  { K(VM_EXITS, 1), K(EXIT_EXTINT, 1), K(CYC_EXIT, C_EXIT) }, 0 },
	{ "vm_entry_with_vpid_flushes_nothing", OP_ENTRY, 0, 0, 0, 0, 0, "",
	  { K(VM_ENTRIES, 1), K(CYC_EXIT, C_ENTRY) }, 0 },
};

/* ---- the machine --------------------------------------------------------- */

static void config(struct vcpu_config *c)
{
	const struct vmx_costs costs = {
		.vm_exit = C_EXIT, .vm_entry = C_ENTRY, .invept = C_INVEPT,
		.invvpid = C_INVVPID, .invlpg = C_INVLPG, .invpcid = C_INVPCID,
		.mov_cr3 = C_CR3, .ipi = 3000,
	};

	vcfix_config(c, true, &costs);
}

static void fill(struct vcpu *vc)
{
	for (unsigned i = 0; i < NPOP; i++) {
		const struct pop *p = &pop[i];
		struct tlb_entry e = {
			.te_vpn = p->addr >> p->shift,
			.te_pfn = (uint64_t)(i + 1) << ID_SHIFT,
			.te_shift = (uint8_t)p->shift,
			.te_vpid = p->vpid,
			.te_pcid = p->pcid,
			.te_ept = p->ep4ta != 0,
			.te_ep4ta = p->ep4ta,
			.te_global = p->global,
		};
		unsigned level = (p->shift - 12) / 9 + 1;

		switch (p->where) {
		case W_TLB:
			tlb_fill(&vc->vc_tlb, TLB_DATA, p->addr, &e);
			break;
		case W_PSC:
			tlb_array_fill(&vc->vc_pwc.pw_psc[level], &e);
			break;
		case W_EPSC:
			tlb_array_fill(&vc->vc_pwc.pw_epsc[level], &e);
			break;
		case W_NTLB:
			tlb_array_fill(&vc->vc_pwc.pw_ntlb, &e);
			break;
		}
	}
}

static void count_array(const struct tlb_array *ta, unsigned n[NPOP])
{
	if (!tlb_array_on(ta))
		return;
	for (size_t i = 0; i < (size_t)ta->ta_sets * ta->ta_ways; i++) {
		const struct tlb_entry *e = &ta->ta_ent[i];
		uint64_t id = e->te_pfn >> ID_SHIFT;

		if (e->te_stamp == 0)
			continue;
		if (id < 1 || id > NPOP)
			fail_msg("an entry of no population: pfn %#llx",
				 (unsigned long long)e->te_pfn);
		n[id - 1]++;
	}
}

/* census - how many cached copies of each population entry there are */
static void census(const struct vcpu *vc, unsigned n[NPOP])
{
	memset(n, 0, NPOP * sizeof(n[0]));
	for (unsigned p = 0; p < TLB_NPSIZE; p++) {
		for (unsigned s = 0; s < TLB_NSIDE; s++)
			count_array(&vc->vc_tlb.tlb_l1[s].tl_arr[p], n);
		count_array(&vc->vc_tlb.tlb_stlb.tl_arr[p], n);
	}
	for (unsigned l = 0; l <= MMU_MAX_LEVELS; l++) {
		count_array(&vc->vc_pwc.pw_psc[l], n);
		count_array(&vc->vc_pwc.pw_epsc[l], n);
	}
	count_array(&vc->vc_pwc.pw_ntlb, n);
}

/* in_list - whether `name` is a word of the space-separated `list` */
static bool in_list(const char *list, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = strstr(list, name); p; p = strstr(p + 1, name))
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return true;
	return false;
}

/* every word of the row's list names an entry: a typo must not pass */
static void check_list(const struct inv_case *c)
{
	char buf[1024];
	char *save = NULL;

	snprintf(buf, sizeof(buf), "%s", c->gone);
	for (char *w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		unsigned i = 0;

		while (i < NPOP && strcmp(pop[i].name, w) != 0)
			i++;
		if (i == NPOP)
			fail_msg("%s: `%s` is no entry of the population", c->name, w);
	}
}

/* the VM of one vCPU in the row's context, in guest mode or (root) after an exit */
static struct vcpu *machine(struct vm *vm, const struct inv_case *c, bool root)
{
	struct vcpu_config cfg;
	struct vcpu *vc;
	const char *why = NULL;

	config(&cfg);
	assert_int_equal(vmx_vm_init(vm, 1, &cfg, NULL, 0), 0);
	vc = &vm->vm_vcpus[0];
	vc->vc_mmu.mu_caps.la57 = !(c->ctl & NO_LA57);
	vc->vc_caps.invpcid = !(c->ctl & NO_INVPCID);
	vc->vc_caps.invvpid_addr = !(c->ctl & NO_VV(0));
	vc->vc_caps.invvpid_single = !(c->ctl & NO_VV(1));
	vc->vc_caps.invvpid_all = !(c->ctl & NO_VV(2));
	vc->vc_caps.invvpid_single_g = !(c->ctl & NO_VV(3));
	vc->vc_caps.invept_single = !(c->ctl & NO_IE(1));
	vc->vc_caps.invept_all = !(c->ctl & NO_IE(2));
	vc->vc_vmcs = (struct vmcs){
		.vmcs_enable_ept = true,
		.vmcs_eptp = EPTP_A,
		.vmcs_enable_vpid = !(c->ctl & VPID_OFF),
		.vmcs_vpid = 1,
	};
	if (vmx_entry(vc, &why) != 0)
		fail_msg("%s: VM entry failed: %s", c->name, why);
	vc->vc_mmu.mu_regs.pcide = !(c->ctl & PCIDE_OFF);
	vc->vc_mmu.mu_regs.cr3 = (c->ctl & PCIDE_OFF) ? CR3_0 : CR3_0 | 5;
	if (root)
		vmx_exit(vc, VMX_EXIT_EXTINT, 0, 0, 0);
	return vc;
}

static int run_op(struct vcpu *vc, const struct inv_case *c)
{
	const char *why = NULL;

	switch (c->op) {
	case OP_INVLPG:
		vmx_invlpg(vc, c->a);
		return 0;
	case OP_INVPCID:
		return vmx_invpcid(vc, (enum vmx_invpcid_type)c->type, c->a, c->b);
	case OP_MOV_CR3:
		return vmx_mov_cr3(vc, c->a);
	case OP_INVVPID:
		return (int)vmx_invvpid(vc, (enum vmx_invvpid_type)c->type, c->a, c->b);
	case OP_INVEPT:
		return (int)vmx_invept(vc, (enum vmx_invept_type)c->type, c->a);
	case OP_ENTRY:
		return vmx_entry(vc, &why);
	case OP_EXIT:
		vmx_exit(vc, VMX_EXIT_EXTINT, 0, 0, 0);
		return 0;
	}
	fail_msg("%s: no such operation %d", c->name, (int)c->op);
	return -1;
}

static void run_case(const struct inv_case *c)
{
	const bool root = c->op == OP_INVVPID || c->op == OP_INVEPT ||
			  c->op == OP_ENTRY;
	unsigned before[NPOP], after[NPOP];
	uint64_t k0[SIM_NCOUNTERS], cr3;
	struct vm vm;
	struct vcpu *vc;
	int rc, bad = 0;

	check_list(c);
	vc = machine(&vm, c, root);
	fill(vc);
	census(vc, before);
	for (unsigned i = 0; i < NPOP; i++)
		if (before[i] == 0)
			fail_msg("%s: %s was not cached by the fill", c->name, pop[i].name);
	memcpy(k0, vc->vc_ctr, sizeof(k0));
	cr3 = vc->vc_mmu.mu_regs.cr3;

	rc = run_op(vc, c);
	TL_EXPECT(c, "result", (uint64_t)(int64_t)rc, (uint64_t)(int64_t)c->rc);

	census(vc, after);
	for (unsigned i = 0; i < NPOP; i++) {
		bool want_gone = in_list(c->gone, pop[i].name);

		if (after[i] != 0 && after[i] != before[i]) {
			print_error("%s: %s: %u of %u copies left\n", c->name,
				    pop[i].name, after[i], before[i]);
			bad++;
		} else if (want_gone != (after[i] == 0)) {
			print_error("%s: %s %s, want it %s\n", c->name, pop[i].name,
				    after[i] ? "survived" : "is gone",
				    want_gone ? "gone" : "kept");
			bad++;
		}
	}
	for (unsigned i = 0; i < SIM_NCOUNTERS; i++) {
		uint64_t want = 0;

		for (unsigned j = 0; j < 3; j++)
			if (c->k[j].d != 0 && c->k[j].k == (enum sim_ctr)i)
				want += c->k[j].d;
		if (vc->vc_ctr[i] - k0[i] != want) {
			print_error("%s: %s moved by %llu, want %llu\n", c->name,
				    sim_ctr_names[i],
				    (unsigned long long)(vc->vc_ctr[i] - k0[i]),
				    (unsigned long long)want);
			bad++;
		}
	}
	TL_EXPECT(c, "cr3", vc->vc_mmu.mu_regs.cr3,
		  c->op == OP_MOV_CR3 && c->rc == 0 ? c->cr3 : cr3);
	vmx_vm_fini(&vm);
	if (bad)
		fail_msg("%s: %d differences", c->name, bad);
}

static void run_case_test(void **state)
{
	run_case(*state);
}

int main(void)
{
	struct tl_tests ts = { 0 };

	TL_ROWS(&ts, cases, run_case_test);
	return tl_tests_run(&ts, "inv");
}
