/*
 * ept.h - the EPT paging-structure entry, the EPTP and the exit
 * qualification of an EPT violation, defined once.  Intel SDM Vol. 3C
 * §29.3.2 "EPT Translation Mechanism" (Tables 29-1 to 29-7), §25.6.11
 * "Extended-Page-Table Pointer (EPTP)" (Table 25-9), §28.2.1 Table 28-7
 * "Exit Qualification for EPT Violations".  (Chapter numbers of the
 * 2023+ editions; older editions number them one lower.)
 *
 * An EPT entry, at every level (PML5E, PML4E, PDPTE, PDE, PTE):
 *
 *  63   62..52   51..M   M-1..12      11  10  9  8  7   6    5..3  2  1  0
 * +---+--------+-------+-----------+---+---+---+--+---+----+------+--+--+--+
 * |SVE|  ign   | rsvd  | frame addr|ign|UX | D |A |PS |IPAT|  MT  |X |W |R |
 * +---+--------+-------+-----------+---+---+---+--+---+----+------+--+--+--+
 *
 *  R, W, X   read, write, execute (with mode-based execute control, X is
 *            supervisor-mode execute and UX, bit 10, user-mode execute;
 *            without it bit 10 is ignored)
 *  MT, IPAT  memory type and ignore-PAT: leaf entries only (a PTE, or a
 *            PDPTE / PDE with PS = 1); bits 6..3 are reserved in an entry
 *            that references another table, bits 7..3 in a PML5E / PML4E
 *  PS        page size: a PDPTE maps 1 GiB, a PDE 2 MiB; reserved in a
 *            PML5E / PML4E, ignored in a PTE
 *  A, D      accessed, dirty (used only when the EPTP enables EPT A/D);
 *            D exists only in leaf entries
 *  SVE       suppress #VE (leaf entries; not modelled)
 *  frame     bits M-1..12 of the next table or the 4 KiB page; a 2 MiB
 *            leaf has bits 20..12 reserved, a 1 GiB leaf bits 29..12
 *
 * An entry is present if any of bits 2..0 is 1, or, with mode-based
 * execute control, bit 10 (§29.3.2).
 *
 * The EPTP (a VMCS field):
 *
 *  63..M   M-1..12         11..8   7    6    5..3          2..0
 * +------+---------------+-------+----+----+-------------+------+
 * | rsvd | PML4/PML5 addr| rsvd  |SSS | AD | walk len - 1|  MT  |
 * +------+---------------+-------+----+----+-------------+------+
 *
 *  MT        memory type of the paging structures: 0 (UC) or 6 (WB)
 *  walk len  3: 4-level EPT, 4: 5-level EPT (if supported)
 *  AD        enable accessed and dirty flags for EPT (if supported)
 *  SSS       supervisor shadow-stack control: not supported here, reserved
 */
#ifndef EPTSIM_SIM_MMU_EPT_H
#define EPTSIM_SIM_MMU_EPT_H

#include "sim/mmu/pte.h"

#define EPT_R PTE_BIT(0)
#define EPT_W PTE_BIT(1)
#define EPT_X PTE_BIT(2)
#define EPT_RWX (EPT_R | EPT_W | EPT_X)
#define EPT_MT_SHIFT 3
#define EPT_MT PTE_BITS(5, 3)
#define EPT_IPAT PTE_BIT(6)
#define EPT_PS PTE_BIT(7)
#define EPT_A PTE_BIT(8)
#define EPT_D PTE_BIT(9)
#define EPT_UX PTE_BIT(10)
#define EPT_SVE PTE_BIT(63)

/* memory types (SDM Vol. 3A §12.3, Table 12-2); 2, 3 and 7 are reserved */
#define EPT_MT_UC 0u
#define EPT_MT_WC 1u
#define EPT_MT_WT 4u
#define EPT_MT_WP 5u
#define EPT_MT_WB 6u
/* ept_memtype_ok - whether `mt` is a memory type an EPT leaf may hold */
static inline bool ept_memtype_ok(unsigned mt)
{
	return mt == EPT_MT_UC || mt == EPT_MT_WC || mt == EPT_MT_WT ||
	       mt == EPT_MT_WP || mt == EPT_MT_WB;
}

#define EPTP_MT PTE_BITS(2, 0)
#define EPTP_PWL_SHIFT 3
#define EPTP_PWL PTE_BITS(5, 3)
#define EPTP_AD PTE_BIT(6)
#define EPTP_SSS PTE_BIT(7)
#define EPTP_RSVD_LOW PTE_BITS(11, 7) /* SSS is not supported: reserved */

/*
 * Exit qualification of an EPT violation (SDM Vol. 3C §28.2.1, Table 28-7).
 * Bits 3..6 are the AND, over the EPT entries used to translate the
 * faulting GPA up to and including the one that stopped the walk, of R, W,
 * X and (with mode-based execute control) UX.  Bits 9..11 (advanced
 * information) and 12 (NMI unblocking) are reported as 0.
 */
#define EPT_EQ_READ PTE_BIT(0)        /* the access was a data read */
#define EPT_EQ_WRITE PTE_BIT(1)       /* the access was a data write */
#define EPT_EQ_FETCH PTE_BIT(2)       /* the access was an instruction fetch */
#define EPT_EQ_READABLE PTE_BIT(3)    /* AND of R */
#define EPT_EQ_WRITABLE PTE_BIT(4)    /* AND of W */
#define EPT_EQ_EXECUTABLE PTE_BIT(5)  /* AND of X (supervisor X with MBEC) */
#define EPT_EQ_UEXECUTABLE PTE_BIT(6) /* AND of UX; 0 without MBEC */
#define EPT_EQ_GLA_VALID PTE_BIT(7)   /* a guest-linear address was being translated */
#define EPT_EQ_GLA_FINAL PTE_BIT(8)   /* 1: access to the translated address; 0: to a guest paging-structure entry */
#define EPT_EQ_PERM_SHIFT 3

#endif
