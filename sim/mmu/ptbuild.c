/*
 * ptbuild.c - paging structures from a list of mappings (see ptbuild.h).
 *
 * One walk serves both formats: the guest and EPT entries share the
 * frame-address field and the position of PS (bit 7), and an entry the
 * builder made is never zero, so "zero" means "free" in both.  What
 * differs is data: which levels, where a table is read from, and the flags
 * of an intermediate entry.
 */
#include "sim/mmu/ptbuild.h"

#include <errno.h>

#include "sim/mmu/ept.h"

#define PTB_PTE_SIZE 8u
#define PTB_GUEST_TABLE (PTE_P | PTE_RW | PTE_US)
#define PTB_EPT_TABLE (EPT_R | EPT_W | EPT_X | EPT_UX)
#define PTB_PS PTE_BIT(7) /* PTE_PS and EPT_PS */

static bool ptb_fits(const struct ptb *pb, uint64_t pa)
{
	return (pa >> PAGE_SHIFT) < pb->pb_mem->pm_frames;
}

/* ptb_build_page - the host page a guest table is built in */
static uint64_t ptb_build_page(const struct ptb *pb, uint64_t table_gpa)
{
	return pb->pb_back_first + (table_gpa - pb->pb_gpt_first);
}

/*
 * ptb_ept_leaf - the host address of the EPT leaf entry covering `gpa`
 * and its level, following non-zero entries (rights ignored).  0 or -ENOENT.
 */
static int ptb_ept_leaf(const struct ptb *pb, uint64_t gpa, uint64_t *ehpa,
			unsigned *elevel)
{
	const uint64_t mask = PTE_ADDR_MASK(pb->pb_maxphyaddr);
	uint64_t table = pb->pb_eroot;

	for (unsigned level = pb->pb_elevels; level >= 1; level--) {
		uint64_t a = table + pt_index(gpa, level) * PTB_PTE_SIZE;
		uint64_t e = pmem_read64(pb->pb_mem, a);

		if (e == 0)
			return -ENOENT;
		if (level == 1 || (e & PTB_PS)) {
			*ehpa = a;
			*elevel = level;
			return 0;
		}
		table = e & mask;
	}
	return -ENOENT;
}

int ptb_gpa_to_hpa(const struct ptb *pb, uint64_t gpa, uint64_t *hpa)
{
	uint64_t a, e, size;
	unsigned level;
	int rc;

	if (pb->pb_elevels == 0) {
		*hpa = gpa;
		return 0;
	}
	rc = ptb_ept_leaf(pb, gpa, &a, &level);
	if (rc < 0)
		return rc;
	e = pmem_read64(pb->pb_mem, a);
	size = UINT64_C(1) << pt_level_shift(level);
	*hpa = (e & PTE_ADDR_MASK(pb->pb_maxphyaddr) & ~(size - 1)) |
	       (gpa & (size - 1));
	return 0;
}

/*
 * ptb_table_hpa - where the table at `table` (a GPA for the guest, an HPA
 * for the EPT) is in host memory now.  0 or -ENOENT.
 */
static int ptb_table_hpa(const struct ptb *pb, enum mmu_dim dim,
			 uint64_t table, uint64_t *hpa)
{
	if (dim == MMU_DIM_EPT || pb->pb_elevels == 0) {
		*hpa = table;
		return 0;
	}
	if (!pb->pb_finished) {
		*hpa = ptb_build_page(pb, table);
		return 0;
	}
	return ptb_gpa_to_hpa(pb, table, hpa);
}

/* ptb_alloc_table - the next table page of `dim`, its address in *table */
static int ptb_alloc_table(struct ptb *pb, enum mmu_dim dim, uint64_t *table)
{
	if (dim == MMU_DIM_EPT) {
		if (!ptb_fits(pb, pb->pb_ept_next))
			return -ENOSPC;
		*table = pb->pb_ept_next;
		pb->pb_ept_next += PAGE_SIZE;
		return 0;
	}
	if (pb->pb_elevels == 0 ? !ptb_fits(pb, pb->pb_gpt_next)
				: !ptb_fits(pb, ptb_build_page(pb, pb->pb_gpt_next)) ||
					  pb->pb_gpt_next >> pb->pb_maxphyaddr)
		return -ENOSPC;
	*table = pb->pb_gpt_next;
	pb->pb_gpt_next += PAGE_SIZE;
	return 0;
}

/*
 * ptb_map - the one builder walk: make the leaf for `addr` at the level
 * `shift` selects, pointing at `target` with `flags`.
 */
static int ptb_map(struct ptb *pb, enum mmu_dim dim, uint64_t addr,
		   uint64_t target, unsigned shift, uint64_t flags)
{
	const uint64_t mask = PTE_ADDR_MASK(pb->pb_maxphyaddr);
	const unsigned levels = dim == MMU_DIM_GUEST ? pb->pb_glevels : pb->pb_elevels;
	const uint64_t inter = dim == MMU_DIM_GUEST ? PTB_GUEST_TABLE : PTB_EPT_TABLE;
	uint64_t table = dim == MMU_DIM_GUEST ? pb->pb_groot : pb->pb_eroot;
	unsigned leaf;
	int rc;

	if (pb->pb_finished)
		return -EBUSY;
	if (shift != 12 && shift != 21 && shift != 30)
		return -ERANGE;
	leaf = (shift - PAGE_SHIFT) / PT_INDEX_BITS + 1;
	if ((addr | target) & ((UINT64_C(1) << shift) - 1))
		return -ERANGE;
	if (target >> pb->pb_maxphyaddr)
		return -ERANGE;
	if (dim == MMU_DIM_GUEST
		    ? !mmu_canonical(addr, levels == PT_LEVELS_5)
		    : addr >> pb->pb_maxphyaddr != 0)
		return -ERANGE;
	if (flags & mask)
		return -ERANGE; /* the address comes from `target` */

	for (unsigned level = levels;; level--) {
		uint64_t thpa, a, e;

		rc = ptb_table_hpa(pb, dim, table, &thpa);
		if (rc < 0)
			return rc;
		a = thpa + pt_index(addr, level) * PTB_PTE_SIZE;
		e = pmem_read64(pb->pb_mem, a);
		if (level == leaf) {
			if (e != 0)
				return -EEXIST;
			return pmem_write64(pb->pb_mem, a,
					    target | flags | (leaf > 1 ? PTB_PS : 0));
		}
		if (e == 0) {
			uint64_t next;

			rc = ptb_alloc_table(pb, dim, &next);
			if (rc == 0)
				rc = pmem_write64(pb->pb_mem, a, next | inter);
			if (rc < 0)
				return rc;
			e = next | inter;
		} else if (level == 1 || (e & PTB_PS)) {
			return -EEXIST;
		}
		table = e & mask;
	}
}

int ptb_init(struct ptb *pb, struct pmem *mem, unsigned maxphyaddr,
	     unsigned glevels, unsigned elevels, const struct ptb_layout *lay)
{
	*pb = (struct ptb){
		.pb_mem = mem,
		.pb_maxphyaddr = maxphyaddr,
		.pb_glevels = glevels,
		.pb_elevels = elevels,
	};
	if ((glevels != 4 && glevels != 5) ||
	    (elevels != 0 && elevels != 4 && elevels != 5))
		return -ERANGE;
	if ((lay->gpt_base | lay->ept_base | lay->back_base) & PAGE_MASK)
		return -ERANGE;
	pb->pb_groot = lay->gpt_base;
	pb->pb_gpt_first = lay->gpt_base;
	pb->pb_gpt_next = lay->gpt_base + PAGE_SIZE;
	pb->pb_back_first = lay->back_base;
	if (elevels == 0) {
		if (!ptb_fits(pb, lay->gpt_base))
			return -ERANGE;
		return 0;
	}
	if (!ptb_fits(pb, lay->ept_base) || !ptb_fits(pb, lay->back_base) ||
	    lay->gpt_base >> maxphyaddr)
		return -ERANGE;
	pb->pb_eroot = lay->ept_base;
	pb->pb_ept_next = lay->ept_base + PAGE_SIZE;
	return 0;
}

int ptb_map_guest(struct ptb *pb, uint64_t va, uint64_t gpa, unsigned shift,
		  uint64_t flags)
{
	return ptb_map(pb, MMU_DIM_GUEST, va, gpa, shift, flags);
}

int ptb_map_ept(struct ptb *pb, uint64_t gpa, uint64_t hpa, unsigned shift,
		uint64_t flags)
{
	if (pb->pb_elevels == 0)
		return -ENOTSUP;
	return ptb_map(pb, MMU_DIM_EPT, gpa, hpa, shift, flags);
}

int ptb_finish(struct ptb *pb)
{
	if (pb->pb_finished)
		return 0;
	for (uint64_t gpa = pb->pb_gpt_first;
	     pb->pb_elevels != 0 && gpa < pb->pb_gpt_next; gpa += PAGE_SIZE) {
		const uint64_t build = ptb_build_page(pb, gpa);
		uint64_t hpa, ea;
		unsigned level;
		int rc;

		if (ptb_ept_leaf(pb, gpa, &ea, &level) < 0) {
			rc = ptb_map(pb, MMU_DIM_EPT, gpa, build, PAGE_SHIFT,
				     PTB_EPT_TABLE | ((uint64_t)EPT_MT_WB << EPT_MT_SHIFT));
			if (rc < 0)
				return rc;
			continue;
		}
		rc = ptb_gpa_to_hpa(pb, gpa, &hpa);
		ES_ASSERT(rc == 0, "gpa=%#llx", (unsigned long long)gpa);
		if (hpa == build)
			continue;
		if (!ptb_fits(pb, hpa))
			return -ENOSPC;
		for (unsigned i = 0; i < PT_ENTRIES; i++) {
			uint64_t v = pmem_read64(pb->pb_mem, build + i * PTB_PTE_SIZE);

			if (v != 0 &&
			    (rc = pmem_write64(pb->pb_mem, hpa + i * PTB_PTE_SIZE, v)) < 0)
				return rc;
		}
	}
	pb->pb_finished = true;
	return 0;
}

int ptb_entry(const struct ptb *pb, enum mmu_dim dim, uint64_t addr,
	      unsigned level, uint64_t *hpa)
{
	const uint64_t mask = PTE_ADDR_MASK(pb->pb_maxphyaddr);
	const unsigned levels = dim == MMU_DIM_GUEST ? pb->pb_glevels : pb->pb_elevels;
	uint64_t table = dim == MMU_DIM_GUEST ? pb->pb_groot : pb->pb_eroot;

	if (level < 1 || level > levels)
		return -ENOENT;
	for (unsigned l = levels;; l--) {
		uint64_t thpa, a, e;

		if (ptb_table_hpa(pb, dim, table, &thpa) < 0)
			return -ENOENT;
		a = thpa + pt_index(addr, l) * PTB_PTE_SIZE;
		if (l == level) {
			*hpa = a;
			return 0;
		}
		e = pmem_read64(pb->pb_mem, a);
		if (e == 0 || l == 1 || (e & PTB_PS))
			return -ENOENT;
		table = e & mask;
	}
}

uint64_t ptb_eptp(const struct ptb *pb, bool ad)
{
	return pb->pb_eroot |
	       ((uint64_t)(pb->pb_elevels - 1) << EPTP_PWL_SHIFT) | EPT_MT_WB |
	       (ad ? EPTP_AD : 0);
}
