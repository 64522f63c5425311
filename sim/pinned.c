/*
 * pinned.c - the pinned-memory host's EPT (see pinned.h).  One loop over
 * the levels from the top, allocating a table where an entry is not
 * present, until the level whose entries map pn_shift-sized pages.
 */
#include "sim/pinned.h"

#include <errno.h>

#include "sim/mmu/ept.h"
#include "sim/mmu/pte.h"

int pin_init(struct pin *pn, struct vm_phys *phys, unsigned levels,
	     unsigned maxphyaddr, uint64_t guest_bytes, unsigned shift)
{
	uint64_t pfn;
	int rc;

	ES_ASSERT((levels == 4 || levels == 5) &&
			  (shift == 12 || shift == 21 || shift == 30),
		  "levels=%u shift=%u", levels, shift);
	*pn = (struct pin){ .pn_phys = phys, .pn_levels = levels,
			    .pn_maxphyaddr = maxphyaddr,
			    .pn_guest_bytes = guest_bytes, .pn_shift = shift };
	rc = vm_phys_alloc(phys, VMP_PTPAGE, &pfn);
	if (rc < 0)
		return rc;
	pn->pn_root = pfn << PAGE_SHIFT;
	pn->pn_tables = 1;
	return 0;
}

int pin_fault(struct pin *pn, uint64_t gpa, unsigned *tables)
{
	const uint64_t addr_mask = PTE_ADDR_MASK(pn->pn_maxphyaddr);
	const unsigned leaf = (pn->pn_shift - PAGE_SHIFT) / 9 + 1;
	struct pmem *mem = pn->pn_phys->vp_mem;
	uint64_t table = pn->pn_root;
	int rc;

	*tables = 0;
	if (gpa >= pn->pn_guest_bytes)
		return -EFAULT;
	for (unsigned level = pn->pn_levels;; level--) {
		uint64_t pa = table + pt_index(gpa, level) * sizeof(uint64_t);
		uint64_t e = pmem_read64(mem, pa), pfn;

		if (level == leaf) {
			uint64_t page = gpa & ~((UINT64_C(1) << pn->pn_shift) - 1);

			if (e & EPT_RWX)
				return -EEXIST;
			/* GPA = HPA: the page maps to itself */
			return pmem_write64(mem, pa, page | EPT_RWX | EPT_UX |
						     ((uint64_t)EPT_MT_WB << EPT_MT_SHIFT) |
						     (level > 1 ? EPT_PS : 0));
		}
		if (e & EPT_RWX) {
			table = e & addr_mask;
			continue;
		}
		rc = vm_phys_alloc(pn->pn_phys, VMP_PTPAGE, &pfn);
		if (rc < 0)
			return rc;
		rc = pmem_write64(mem, pa, (pfn << PAGE_SHIFT) | EPT_RWX | EPT_UX);
		if (rc < 0) {
			vm_phys_free(pn->pn_phys, pfn);
			return rc;
		}
		pn->pn_tables++;
		(*tables)++;
		table = pfn << PAGE_SHIFT;
	}
}

uint64_t pin_eptp(const struct pin *pn, bool ad)
{
	return pn->pn_root | ((uint64_t)(pn->pn_levels - 1) << EPTP_PWL_SHIFT) |
	       EPT_MT_WB | (ad ? EPTP_AD : 0);
}
