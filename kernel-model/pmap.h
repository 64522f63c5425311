/*
 * pmap.h - the machine-dependent half of an address space: it owns the
 * page tables of one vmspace (FreeBSD's pmap), in the physical memory of
 * its kernel (struct vm_kern), read and written through vm_kern_read64 /
 * vm_kern_write64 so that a guest kernel's tables really live in
 * guest-physical memory.
 *
 * Types and bit layouts.  A pmap has a type, PT_X86 (native x86-64 tables,
 * sim/mmu/pte.h) or PT_EPT (EPT tables, sim/mmu/ept.h), and a variant of
 * the EPT layout.  The layout is data: pm_bits[PMAP_BIT_*] is looked up
 * per pmap and code binds the bits it needs to locals, FreeBSD's
 * `PG_V = pmap_valid_bit(pmap)`; behaviour that truly differs is chosen by
 * pm_flags once, at pmap_init.  The layouts (a bit named 0 does not exist
 * in that layout):
 *
 *   bit        PT_X86     EPT (hw A/D)   EPT emulated A/D   EPT DragonFly
 *   ---------  ---------  -------------  -----------------  ---------------
 *   V valid    0 (P)      0 (R)          52 (software)      0|2 (R|X)
 *   RW         1          1 (W)          53 (software)      1 (W)
 *   U user     2 (U/S)    2 (X) *        2 (X) *            -
 *   A          5          8              0 (R, hardware)    8
 *   M          6          9              1 (W, hardware)    9
 *   NX         63         -              -                  -
 *   X          -          2 (X) *        2 (X) *            2 (part of V)
 *   PS         7          7              7                  7
 *   G          8          -              -                  -
 *   MANAGED    11 (AVL)   11 (ignored)   11 (ignored)       11 (ignored)
 *   cache      PAT bits   MT 5..3 = WB   MT 5..3 = WB       pm_cache_bits[]
 *
 *   * bhyve: PG_U and EPT execute share bit 2, so guest mappings are always
 *     executable (seed 001); the other policies set X from the protection.
 *
 * With emulated A/D (bhyve on an EPT without A/D flags, seed 001) bits 52
 * and 53 say what the mapping may do, and the hardware bits 0 and 1 are
 * granted only once the page was accessed / modified: an access that
 * lacks them is an EPT violation that pmap_emulate_accessed_dirty
 * resolves.
 *
 * Invalidation.  Every operation that changes or removes an entry that
 * may be cached invalidates through pm_inval (page, range or all).  For
 * PT_EPT (and a PMAP_PAIRED pmap) all three funnel into one
 * pmap_invalidate_ept(), which bumps pm_eptgen and calls pm_inval.ept:
 * the hypervisor's hook that IPIs the CPUs running the guest (bhyve's
 * design; NetBSD installs the same callback from NVMM).  An entry is
 * taken to be cached only if its A bit is set (a processor sets A before
 * it caches a translation), except with PMAP_ASSUME_AD, where every
 * removal invalidates (NetBSD on an EPT without A/D).
 *
 * Reverse mappings.  Every mapping of a managed page (a VMP_DATA frame of
 * the kernel, whatever pmap type maps it) has a pv_entry on the page's
 * list, so pmap_remove_all, pmap_ts_referenced and friends find all of
 * them.  A 2 MiB mapping keeps the pv entries of its 512 pages.
 *
 * Superpages.  pmap_promote_pde replaces a page table whose 512 entries
 * map 512 physically contiguous, aligned frames with identical rights by
 * one 2 MiB entry (when pm_flags has PMAP_SUPERPAGES); pmap_demote_pde
 * does the reverse.  Partial removal or protection of a 2 MiB mapping
 * demotes it first.
 *
 * Paired page tables (Akaros, seed 004).  With PMAP_PAIRED a PT_X86 pmap
 * allocates every page-table page as an 8 KiB pair (order 1): the x86
 * table, and the EPT table right after it.  Every entry written to the
 * x86 half is written, converted, to the EPT half at +4 KiB, so the EPT
 * (root: pm_root + 4 KiB) maps process-virtual = guest-physical exactly
 * as the process page table does, at every moment.
 *
 * Errors.  Functions that touch the tables return 0 or a negative errno:
 * -ENOMEM when a page-table page cannot be had or a guest kernel's host
 * cannot back the memory the tables live in.  A failing call leaves the
 * tables consistent (what was done is kept and counted).
 */
#ifndef EPTSIM_KERNEL_MODEL_PMAP_H
#define EPTSIM_KERNEL_MODEL_PMAP_H

#include "kernel-model/vm_kern.h"
#include "sim/base.h"

enum pmap_type { PT_X86, PT_EPT };

enum pmap_bit {
	PMAP_BIT_V,             /* valid */
	PMAP_BIT_RW,            /* writable */
	PMAP_BIT_U,             /* user (x86); execute in bhyve's EPT */
	PMAP_BIT_A,             /* accessed */
	PMAP_BIT_M,             /* modified (dirty) */
	PMAP_BIT_NX,            /* no-execute */
	PMAP_BIT_X,             /* execute (EPT) */
	PMAP_BIT_PS,            /* large page */
	PMAP_BIT_G,             /* global */
	PMAP_BIT_MANAGED,       /* software: the page has a pv entry for this mapping */
	PMAP_NBITS
};

/* memory types for pm_cache_bits (DragonFly's pmap_cache_bits index) */
enum pmap_memattr { PMAP_MA_WB = 0, PMAP_MA_UC, PMAP_MA_WC, PMAP_MA_WT, PMAP_MA_WP, PMAP_NMA };

/* pm_flags */
#define PMAP_EMULATE_AD 0x01u   /* EPT: A/D emulated with bits 52/53 (bhyve without EPT A/D) */
#define PMAP_ASSUME_AD 0x02u    /* EPT: no A/D at all: every page counts referenced and modified, every removal invalidates (NetBSD without EPT A/D) */
#define PMAP_SUPERPAGES 0x04u   /* 2 MiB mappings allowed (the EPT supports them) */
#define PMAP_EXEC_ALWAYS 0x08u  /* EPT: every mapping executable (bhyve: PG_U is EPT X) */
#define PMAP_EXEC_ONLY 0x10u    /* EPT: the processor supports execute-only entries */
#define PMAP_PAIRED 0x20u       /* PT_X86: 8 KiB table pairs, EPT half at +4 KiB (Akaros) */
#define PMAP_DFLY_BITS 0x40u    /* EPT: DragonFly's bit table (V = R|X, cache bits per memattr) */

struct pmap;

/* where a pmap's invalidations go (installed by the pmap's owner) */
struct pmap_inval {
	void *pi_ctx;
	/* PT_X86: the TLBs of the CPUs using the pmap (may be NULL: nothing to do) */
	void (*pi_page)(void *ctx, struct pmap *pm, uint64_t va);
	void (*pi_range)(void *ctx, struct pmap *pm, uint64_t sva, uint64_t eva);
	void (*pi_all)(void *ctx, struct pmap *pm);
	/* PT_EPT and PMAP_PAIRED: after pm_eptgen was bumped (may be NULL) */
	void (*pi_ept)(void *ctx, struct pmap *pm);
};

/* one mapping of a managed page (the page's vmp_pv list) */
struct pv_entry {
	struct pmap *pv_pmap;
	uint64_t pv_va;
	struct pv_entry *pv_next;
};

struct pmap {
	enum pmap_type pm_type;
	unsigned pm_flags;
	uint64_t pm_bits[PMAP_NBITS];
	uint64_t pm_cache_bits[PMAP_NMA]; /* leaf bits for each memory type */
	uint64_t pm_cache_mask;           /* all cache bits of a leaf */
	uint64_t pm_root;       /* physical address of the top-level table */
	unsigned pm_levels;     /* 4, or 5 */
	unsigned pm_maxphyaddr;
	struct vm_kern *pm_kern;
	struct pmap_inval pm_inval;
	uint64_t pm_eptgen;     /* PT_EPT / PMAP_PAIRED: bumped by every invalidation */
	uint64_t pm_resident;   /* 4 KiB pages mapped (a 2 MiB mapping counts 512) */
	uint64_t pm_ptpages;    /* page-table pages, the root included (a pair counts 2) */
	uint64_t pm_superpages; /* 2 MiB mappings */
};

/* pmap_pt_bytes - the memory the pmap's tables take */
static inline uint64_t pmap_pt_bytes(const struct pmap *pm)
{
	return pm->pm_ptpages * PAGE_SIZE;
}

/*
 * pmap_init - an empty pmap of `type` with `levels` (4 or 5) in kernel
 * `k`, layout and behaviour from `flags` (PMAP_*; the EPT-only flags need
 * PT_EPT, PMAP_PAIRED needs PT_X86); allocates and zeroes the root (a pair
 * with PMAP_PAIRED).  pm_inval is empty: set it after.  0, -EINVAL (flags
 * that do not fit the type), -ENOMEM.
 */
int pmap_init(struct pmap *pm, enum pmap_type type, struct vm_kern *k,
	      unsigned maxphyaddr, unsigned levels, unsigned flags) MUST_CHECK;

/*
 * pmap_fini - remove every mapping (pv entries freed, no invalidation:
 * the address space is gone) and free every page-table page.
 */
void pmap_fini(struct pmap *pm);

/*
 * pmap_enter - map `va` to the frame `pfn` with `prot` (VM_PROT_*) for
 * user mode, as a 4 KiB page (psind 0) or a 2 MiB page (psind 1: va and
 * pfn 2 MiB aligned, PMAP_SUPERPAGES required, and pfn .. pfn+511 must be
 * frames of the same kind).  `access` is the access that faulted
 * (VM_PROT_*, 0 for none): an access sets A, a write access sets M, as
 * FreeBSD's and NetBSD's pmap_enter do.  With PMAP_EMULATE_AD a writable
 * page entered without a write access gets bit 53 but not W, so the first
 * write is a dirty-emulation exit.  A VMP_DATA frame is managed: a pv
 * entry records the mapping.  An existing mapping of `va` is replaced (its
 * pv entry moved, its M folded into the old page's VMP_A_MODIFIED,
 * invalidated if it had A).  Allocates page-table pages as needed.
 */
int pmap_enter(struct pmap *pm, uint64_t va, uint64_t pfn, uint32_t prot,
	       uint32_t access, unsigned psind) MUST_CHECK;

/*
 * pmap_remove - remove every mapping in [sva, eva) (page aligned); a 2 MiB
 * mapping partly inside is demoted first.  M of each removed entry goes
 * to its page's VMP_A_MODIFIED, A to VMP_A_REFERENCED.  Page-table pages
 * left empty are freed.  Invalidates what may be cached.
 */
int pmap_remove(struct pmap *pm, uint64_t sva, uint64_t eva) MUST_CHECK;

/*
 * pmap_remove_all - remove every mapping of managed page `pfn` of kernel
 * `k`, in every pmap (its pv list), folding A/M into vmp_aflags.
 */
int pmap_remove_all(struct vm_kern *k, uint64_t pfn) MUST_CHECK;

/*
 * pmap_protect - lower the rights of every mapping in [sva, eva) to
 * `prot` (removing when prot has no VM_PROT_READ); never raises rights.
 * A 2 MiB mapping partly inside is demoted first.
 */
int pmap_protect(struct pmap *pm, uint64_t sva, uint64_t eva,
		 uint32_t prot) MUST_CHECK;

/*
 * pmap_extract - the physical address `va` maps to and the leaf entry
 * (its raw bits, and the level: 1 for 4 KiB, 2 for 2 MiB).  0, -ENOENT
 * when not mapped, -ENOMEM (guest memory that could not be backed).
 */
int pmap_extract(struct pmap *pm, uint64_t va, uint64_t *pa, uint64_t *pte,
		 unsigned *level) MUST_CHECK;

/*
 * Reference and modify state of managed page `pfn` of `k`, over all its
 * mappings and its vmp_aflags (NetBSD's combined attributes).  With
 * PMAP_ASSUME_AD on any pmap mapping the page, the page counts referenced
 * and modified.  pmap_is_modified / pmap_is_referenced store the answer in
 * *yes.  pmap_clear_modify clears M in every mapping (write-protecting
 * with emulated A/D, as FreeBSD does) and VMP_A_MODIFIED, invalidating.
 * pmap_ts_referenced counts the mappings (and the VMP_A_REFERENCED
 * attribute) that were referenced into *count and clears them: A is
 * cleared and invalidated where that is safe; where clearing A would leave
 * an illegal EPT entry (write without read; execute-only without
 * processor support) the mapping is removed instead (FreeBSD's
 * safe_to_clear_referenced).
 */
int pmap_is_modified(struct vm_kern *k, uint64_t pfn, bool *yes) MUST_CHECK;
int pmap_is_referenced(struct vm_kern *k, uint64_t pfn, bool *yes) MUST_CHECK;
int pmap_clear_modify(struct vm_kern *k, uint64_t pfn) MUST_CHECK;
int pmap_ts_referenced(struct vm_kern *k, uint64_t pfn, unsigned *count) MUST_CHECK;

/*
 * pmap_promote_pde - if the page table holding `va`'s 4 KiB entry maps 512
 * contiguous, 2 MiB-aligned frames, all valid with A set and the same
 * rights and cache bits, replace it by one 2 MiB entry (M if any entry had
 * M; the table page freed; the range invalidated).  0 when promoted,
 * -EAGAIN when not eligible (nothing changed), -ENOTSUP without
 * PMAP_SUPERPAGES, -ENOMEM.
 */
int pmap_promote_pde(struct pmap *pm, uint64_t va) MUST_CHECK;

/*
 * pmap_demote_pde - replace the 2 MiB mapping holding `va` by a page
 * table of 512 4 KiB entries with the same rights, A and M.  0, -ENOENT if
 * `va` is not in a 2 MiB mapping, -ENOMEM (then the 2 MiB mapping is
 * removed instead, as FreeBSD does, and 0 is NOT returned).
 */
int pmap_demote_pde(struct pmap *pm, uint64_t va) MUST_CHECK;

/*
 * pmap_emulate_accessed_dirty - EPT A/D emulation (bhyve): the guest
 * accessed `va` (a GPA) with `ftype` (VM_PROT_READ, _WRITE or _EXEC) and
 * the EPT refused.  If the entry is valid (bit 52) and allows the access
 * (bit 53 for a write), grant it: set A (R) and, for a write, M (W);
 * *what is VM_PROT_READ for an accessed emulation, VM_PROT_WRITE for a
 * dirty one (a write to a page whose A was clear is counted dirty), and
 * the kernel's ad_accessed / ad_dirty count it.  0 when emulated,
 * -EFAULT when this is not an A/D case (the caller runs vm_fault),
 * -ENOTSUP without PMAP_EMULATE_AD.
 */
int pmap_emulate_accessed_dirty(struct pmap *pm, uint64_t va, uint32_t ftype,
				uint32_t *what) MUST_CHECK;

/* pmap_invalidate_ept - bump pm_eptgen and call pm_inval.pi_ept (bhyve's funnel) */
void pmap_invalidate_ept(struct pmap *pm);

/* pmap_eptp_root - PT_EPT: pm_root; PMAP_PAIRED: the EPT half of the root pair */
uint64_t pmap_eptp_root(const struct pmap *pm);

#endif
