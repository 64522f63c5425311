/*
 * pmap_bits.c - the entry layouts of the pmap types and variants: the bit
 * table pm_bits[] (pmap.h draws it), the cache bits per memory type, the
 * leaf pmap_enter writes, and the EPT twin of a paired pmap's x86 entry.
 * The only file of the pmap that names a format's bits; the rest binds
 * pm_bits[] to locals (FreeBSD's PG_V = pmap_valid_bit(pmap)).
 */
#include <errno.h>
#include <string.h>

#include "kernel-model/pmap_int.h"

#define PMAP_EPT_FLAGS                                                         \
	(PMAP_EMULATE_AD | PMAP_ASSUME_AD | PMAP_EXEC_ALWAYS |                 \
	 PMAP_EXEC_ONLY | PMAP_DFLY_BITS)
#define PMAP_ALL_FLAGS (PMAP_EPT_FLAGS | PMAP_SUPERPAGES | PMAP_PAIRED)

/* an EPT leaf's memory type field (SDM Vol. 3C §29.3.7, Table 29-6 bits 5..3) */
#define EPT_MT_BITS(mt) ((uint64_t)(mt) << EPT_MT_SHIFT)

/*
 * EPT memory types per memattr: the leaf's MT field, IPAT clear (SDM
 * Vol. 3C §29.3.7; types 2, 3 and 7 are reserved, ept_memtype_ok).  The
 * same for every EPT variant; DragonFly made it a per-pmap table (seed 002).
 */
static const uint64_t pmap_ept_cache[PMAP_NMA] = {
	[PMAP_MA_WB] = EPT_MT_BITS(EPT_MT_WB),
	[PMAP_MA_UC] = EPT_MT_BITS(EPT_MT_UC),
	[PMAP_MA_WC] = EPT_MT_BITS(EPT_MT_WC),
	[PMAP_MA_WT] = EPT_MT_BITS(EPT_MT_WT),
	[PMAP_MA_WP] = EPT_MT_BITS(EPT_MT_WP),
};

/*
 * x86 memory types per memattr through PWT/PCD and the PAT as it is after
 * reset (SDM Vol. 3A §12.12.4, entries 0..3: WB, WT, UC-, UC).  That PAT
 * has no WC and no WP: WC takes UC- (Linux's fallback without PAT), WP
 * takes UC.  The PAT bit itself is left out because it moves (bit 7 in a
 * PTE, bit 12 in a 2 MiB entry), as DragonFly leaves it out (seed 002).
 */
static const uint64_t pmap_x86_cache[PMAP_NMA] = {
	[PMAP_MA_WB] = 0,
	[PMAP_MA_UC] = PTE_PCD | PTE_PWT,
	[PMAP_MA_WC] = PTE_PCD,
	[PMAP_MA_WT] = PTE_PWT,
	[PMAP_MA_WP] = PTE_PCD | PTE_PWT,
};

/* pmap_flags_ok - whether `flags` fit `type` (pmap.h: PMAP_*) */
static bool pmap_flags_ok(enum pmap_type type, unsigned flags)
{
	if (flags & ~PMAP_ALL_FLAGS)
		return false;
	if (type == PT_X86)
		return !(flags & PMAP_EPT_FLAGS);
	if (type != PT_EPT || (flags & PMAP_PAIRED))
		return false;
	/* one A/D policy; DragonFly's table has hardware A/D at 8 and 9 */
	if ((flags & PMAP_EMULATE_AD) &&
	    (flags & (PMAP_ASSUME_AD | PMAP_DFLY_BITS)))
		return false;
	return true;
}

/*
 * pmap_bits - set pm_type, pm_flags and the layout of `type` with `flags`
 * (the table in pmap.h).  0, or -EINVAL when the flags do not fit.
 *
 * PMAP_BIT_U is EPT X only with PMAP_EXEC_ALWAYS: that is bhyve's PG_U
 * landing on EPT bit 2, which makes every guest mapping executable (seed
 * 001).  Without it an EPT leaf's X comes from the protection alone.
 */
int pmap_bits(struct pmap *pm, enum pmap_type type, unsigned flags)
{
	uint64_t *b = pm->pm_bits;

	if (!pmap_flags_ok(type, flags))
		return -EINVAL;
	pm->pm_type = type;
	pm->pm_flags = flags;
	memset(b, 0, sizeof(pm->pm_bits));
	b[PMAP_BIT_PS] = PTE_PS; /* EPT PS is bit 7 too (Table 29-4) */
	b[PMAP_BIT_MANAGED] = PMAP_SW_MANAGED;
	if (type == PT_X86) {
		b[PMAP_BIT_V] = PTE_P;
		b[PMAP_BIT_RW] = PTE_RW;
		b[PMAP_BIT_U] = PTE_US;
		b[PMAP_BIT_A] = PTE_A;
		b[PMAP_BIT_M] = PTE_D;
		b[PMAP_BIT_NX] = PTE_XD;
		b[PMAP_BIT_G] = PTE_G;
		memcpy(pm->pm_cache_bits, pmap_x86_cache, sizeof(pmap_x86_cache));
		pm->pm_cache_mask = PTE_PCD | PTE_PWT;
		return 0;
	}
	memcpy(pm->pm_cache_bits, pmap_ept_cache, sizeof(pmap_ept_cache));
	pm->pm_cache_mask = EPT_MT | EPT_IPAT;
	b[PMAP_BIT_X] = EPT_X;
	if (flags & PMAP_EXEC_ALWAYS)
		b[PMAP_BIT_U] = EPT_X;
	if (flags & PMAP_EMULATE_AD) {
		/* bhyve without EPT A/D (seed 001): V, RW in software */
		b[PMAP_BIT_V] = PMAP_EPT_SW_V;
		b[PMAP_BIT_RW] = PMAP_EPT_SW_RW;
		b[PMAP_BIT_A] = EPT_R;
		b[PMAP_BIT_M] = EPT_W;
	} else if (flags & PMAP_DFLY_BITS) {
		/* DragonFly (seed 002): valid is read and execute */
		b[PMAP_BIT_V] = EPT_R | EPT_X;
		b[PMAP_BIT_RW] = EPT_W;
		b[PMAP_BIT_A] = EPT_A;
		b[PMAP_BIT_M] = EPT_D;
	} else {
		b[PMAP_BIT_V] = EPT_R;
		b[PMAP_BIT_RW] = EPT_W;
		b[PMAP_BIT_A] = EPT_A;
		b[PMAP_BIT_M] = EPT_D;
	}
	return 0;
}

/*
 * pmap_leaf_make - the leaf pmap_enter writes for frame address `pa`: V,
 * RW from `prot`, U (x86 user; bhyve's always-X), X or NX from `prot`,
 * write-back caching, A for an access and M for a write access (FreeBSD,
 * NetBSD), PS for psind 1, MANAGED.
 *
 * With emulated A/D, A and M are the hardware R and W: a page entered
 * without an access is invisible to the hardware until the first access
 * exits.  Except one case: X without R is execute-only, an EPT
 * misconfiguration without processor support (SDM Vol. 3C §29.3.3.1), so
 * such a leaf gets A at once, as FreeBSD's pmap_enter always sets PG_A.
 */
uint64_t pmap_leaf_make(const struct pmap *pm, uint64_t pa, uint32_t prot,
			uint32_t access, unsigned psind, bool managed)
{
	const uint64_t *b = pm->pm_bits;
	uint64_t e = pa | b[PMAP_BIT_V] | b[PMAP_BIT_U] |
		     pm->pm_cache_bits[PMAP_MA_WB];

	if (prot & VM_PROT_WRITE)
		e |= b[PMAP_BIT_RW];
	e |= (prot & VM_PROT_EXEC) ? b[PMAP_BIT_X] : b[PMAP_BIT_NX];
	if (access)
		e |= b[PMAP_BIT_A];
	if ((access & VM_PROT_WRITE) && (prot & VM_PROT_WRITE))
		e |= b[PMAP_BIT_M];
	if (psind)
		e |= b[PMAP_BIT_PS];
	if (managed)
		e |= b[PMAP_BIT_MANAGED];
	if ((pm->pm_flags & (PMAP_EMULATE_AD | PMAP_EXEC_ONLY)) ==
		    PMAP_EMULATE_AD &&
	    (e & (EPT_R | EPT_X)) == EPT_X)
		e |= b[PMAP_BIT_A];
	return e;
}

/*
 * pmap_twin - the EPT entry a paired pmap writes at +4 KiB for x86 entry
 * `e` at `level` (Akaros's kpte_to_epte, seed 004).  A table entry points
 * at the EPT half of the next pair with every right (rights are decided at
 * the leaf).  A leaf is readable, writable if the x86 entry is,
 * executable always (guest-physical memory is executed from), write-back,
 * and carries the x86 A/D as EPT A/D (Vol. 3C §29.3.5: they are only
 * flags, set by software as by the processor).
 */
uint64_t pmap_twin(const struct pmap *pm, uint64_t e, unsigned level)
{
	uint64_t t;

	if (!(e & PTE_P))
		return 0;
	if (level > 1 && !(e & PTE_PS))
		return ((e & pmap_addr_mask(pm)) + PAGE_SIZE) | EPT_RWX;
	t = pmap_leaf_pa(pm, e, level) | EPT_R | EPT_X |
	    EPT_MT_BITS(EPT_MT_WB);
	if (e & PTE_RW)
		t |= EPT_W;
	if (e & PTE_PS)
		t |= EPT_PS;
	if (e & PTE_A)
		t |= EPT_A;
	if (e & PTE_D)
		t |= EPT_D;
	return t;
}

/* pmap_twin_ad - the x86 A/M bits standing for EPT twin `t`'s A/D */
uint64_t pmap_twin_ad(const struct pmap *pm, uint64_t t)
{
	return ((t & EPT_A) ? pm->pm_bits[PMAP_BIT_A] : 0) |
	       ((t & EPT_D) ? pm->pm_bits[PMAP_BIT_M] : 0);
}
