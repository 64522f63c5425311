/*
 * walk.c - the native 4-level page walk (see walk.h).
 *
 * Built the way Bochs' translate_linear() is: one loop from the PML4 down
 * reads an entry, records it and its address, checks it (present, then
 * reserved bits) and folds its rights into the running AND/OR; a failed
 * check sets the stop reason and leaves the loop, and one exit turns the
 * reason into the #PF error code.  Rights are judged once, after the leaf,
 * from the folded values (SDM Vol. 3A §4.6: the rights of a translation are
 * those of all the entries that control it), so a reserved bit found on the
 * way down always wins over a rights violation.
 *
 * Accessed and dirty flags are written only after the whole walk, rights
 * included, has succeeded, so a walk that faults leaves memory exactly as it
 * found it.  The SDM lets a processor set A in entries of a walk that later
 * faults (§4.8); choosing not to, as Bochs does, makes a fault a pure
 * function of the tables and keeps retries deterministic.
 */
#include "sim/mmu/walk.h"

#include "sim/mmu/pte.h"

/* SDM Vol. 3A §4.1.4: MAXPHYADDR is at most 52; 4-level paging needs 36+. */
#define WALK_MAXPHYADDR_MIN 36u
#define WALK_MAXPHYADDR_MAX 52u

/*
 * walk_entry - pointer to the entry at `pa`, or NULL where memory reads as
 * zero: a frame without storage, or an address beyond the memory size.
 * Shortcut: real hardware reading past the end of memory usually sees all
 * ones (and so a reserved-bit fault); here that walk ends as not present.
 */
static uint64_t *walk_entry(const struct pmem *pm, uint64_t pa)
{
	if ((pa >> PAGE_SHIFT) >= pm->pm_frames)
		return NULL;
	return pmem_entry(pm, pa);
}

/*
 * walk_rsvd - the bits that must be zero in present entry `e` read at
 * `level` (4 = PML4E .. 1 = PTE).  SDM Vol. 3A §4.5.4, Tables 4-15 to 4-20,
 * and the list of reserved-bit causes in §4.7.
 */
static uint64_t walk_rsvd(const struct mmu_regs *regs, unsigned level,
			  uint64_t e)
{
	/* address bits 51..MAXPHYADDR, in every entry */
	uint64_t rsvd = PTE_ADDR_MASK(WALK_MAXPHYADDR_MAX) &
			~PTE_ADDR_MASK(regs->maxphyaddr);

	/* XD is reserved in every entry while IA32_EFER.NXE = 0 */
	if (!regs->nxe)
		rsvd |= PTE_XD;
	/* PS is reserved in a PML4E, and in a PDPTE without 1-GByte pages */
	if (level == PT_LEVELS_4 || (level == 3 && !regs->page1g))
		return rsvd | PTE_PS;
	/*
	 * A 2 MiB PDE or a 1 GiB PDPTE: the bits between PAT (bit 12) and
	 * the page frame (bit 21 or 30) are reserved.
	 */
	if (level > 1 && (e & PTE_PS))
		rsvd |= PTE_BITS(pt_level_shift(level) - 1, PAGE_SHIFT) &
			~PTE_PAT_LARGE;
	return rsvd;
}

/*
 * walk_allowed - whether `req` may use a translation whose rights, folded
 * over all levels, are `perm`.  SDM Vol. 3A §4.6.1, without SMEP, SMAP
 * and protection keys (not modelled yet):
 *  - user accesses need U/S = 1 everywhere, and user writes R/W = 1;
 *  - supervisor writes need R/W = 1 only when CR0.WP = 1;
 *  - supervisor reads of user pages are allowed;
 *  - fetches need XD = 0 everywhere when NXE = 1 (perm has X otherwise).
 */
static bool walk_allowed(const struct mmu_regs *regs,
			 const struct mmu_req *req, unsigned perm)
{
	if (req->user && !(perm & MMU_PERM_U))
		return false;
	switch (req->acc) {
	case MMU_READ:
		return true;
	case MMU_WRITE:
		return (perm & MMU_PERM_W) || (!req->user && !regs->wp);
	case MMU_FETCH:
		return (perm & MMU_PERM_X) != 0;
	}
	ES_ASSERT(false, "acc=%d", (int)req->acc);
}

/*
 * walk_error_code - the #PF error code for a walk that stopped with `stop`
 * (SDM Vol. 3A §4.7).  I/D is set for a fetch only when NXE = 1 (or SMEP,
 * not modelled); with NXE = 0 a fetch reports like a read.
 */
static uint32_t walk_error_code(const struct mmu_regs *regs,
				const struct mmu_req *req, enum mmu_stop stop)
{
	uint32_t ec = 0;

	if (stop != MMU_NOT_PRESENT)
		ec |= PF_EC_P;
	if (stop == MMU_RESERVED)
		ec |= PF_EC_RSVD;
	if (req->acc == MMU_WRITE)
		ec |= PF_EC_W;
	if (req->user)
		ec |= PF_EC_U;
	if (req->acc == MMU_FETCH && regs->nxe)
		ec |= PF_EC_I;
	return ec;
}

void mmu_walk(struct pmem *pm, const struct mmu_regs *regs,
	      const struct mmu_req *req, struct mmu_walk *w)
{
	uint64_t *ptr[MMU_MAX_LEVELS]; /* where each entry lives, for A/D */
	uint64_t addr_mask, table, leaf, size;
	bool rw = true, us = true, xd = false;
	unsigned level;

	ES_ASSERT(regs->maxphyaddr >= WALK_MAXPHYADDR_MIN &&
			  regs->maxphyaddr <= WALK_MAXPHYADDR_MAX,
		  "maxphyaddr=%u", regs->maxphyaddr);
	*w = (struct mmu_walk){ .stop = MMU_OK };
	/* SDM Vol. 1 §3.3.7.1: non-canonical faults (#GP) before any walk */
	if (!mmu_canonical48(req->va)) {
		w->stop = MMU_NONCANONICAL;
		return;
	}

	addr_mask = PTE_ADDR_MASK(regs->maxphyaddr);
	table = regs->cr3 & addr_mask;
	for (level = PT_LEVELS_4;; level--) {
		uint64_t pa = table + pt_index(req->va, level) * sizeof(uint64_t);
		uint64_t *p = walk_entry(pm, pa);
		uint64_t e = p ? *p : 0;

		w->entry[w->steps] = e;
		w->entry_pa[w->steps] = pa;
		ptr[w->steps] = p;
		w->steps++;
		w->mem_refs++;
		if (!(e & PTE_P)) {
			w->stop = MMU_NOT_PRESENT;
			break;
		}
		if (e & walk_rsvd(regs, level, e)) {
			w->stop = MMU_RESERVED;
			break;
		}
		rw = rw && (e & PTE_RW);
		us = us && (e & PTE_US);
		xd = xd || (e & PTE_XD);
		/* §4.5.4: PS = 1 in a PDPTE or PDE maps a page; bit 7 of a PTE is PAT */
		if (level == 1 || (e & PTE_PS))
			break;
		table = e & addr_mask;
	}

	/*
	 * X unless some level had XD.  With NXE = 0 an XD bit has already
	 * stopped the walk as reserved, so there every translation gets X.
	 */
	w->perm = (rw ? MMU_PERM_W : 0) | (us ? MMU_PERM_U : 0) |
		  (xd ? 0 : MMU_PERM_X);
	if (w->stop == MMU_OK && !walk_allowed(regs, req, w->perm))
		w->stop = MMU_PROTECTION;
	if (w->stop != MMU_OK) {
		w->perm = 0;
		w->error_code = walk_error_code(regs, req, w->stop);
		return;
	}

	/* §4.8: A in every entry used, D in the leaf for a write */
	for (unsigned i = 0; i < w->steps; i++) {
		uint64_t set = PTE_A;

		if (i == w->steps - 1 && req->acc == MMU_WRITE)
			set |= PTE_D;
		if ((*ptr[i] & set) != set)
			*ptr[i] |= set;
	}

	leaf = *ptr[w->steps - 1];
	w->page_shift = pt_level_shift(level);
	size = UINT64_C(1) << w->page_shift;
	w->pa = (leaf & addr_mask & ~(size - 1)) | (req->va & (size - 1));
	w->dirty = (leaf & PTE_D) != 0;
	w->global = (leaf & PTE_G) != 0;
}
