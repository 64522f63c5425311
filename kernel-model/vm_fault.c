/*
 * vm_fault.c - process address spaces and the page-fault handler (see
 * vm_fault.h).
 *
 * Every region is anonymous and demand-zero: the first touch of a page
 * allocates a zeroed frame and maps it with the region's protection, so a
 * later access of any type the region allows needs no second fault.
 * A fault on a page that is already mapped is reported as spurious (0);
 * rights are never upgraded here because a mapping already carries all the
 * region allows.  That changes when copy-on-write or A/D emulation arrive.
 */
#include "kernel-model/vm_fault.h"

#include <errno.h>
#include <string.h>

int vmspace_init(struct vmspace *vs, struct vm_phys *vp, unsigned maxphyaddr,
		 unsigned levels)
{
	int err;

	memset(vs, 0, sizeof(*vs));
	vs->vs_phys = vp;
	vm_map_init(&vs->vs_map);
	err = pmap_init(&vs->vs_pmap, PT_X86, vp, maxphyaddr, levels);
	if (err)
		vm_map_fini(&vs->vs_map);
	return err;
}

/*
 * vmspace_fini - free the page tables and the map.  The data frames the
 * pmap maps stay allocated: their owner (a vm_object) does not exist yet,
 * and nothing in the model records them apart from the leaf entries.
 */
void vmspace_fini(struct vmspace *vs)
{
	pmap_fini(&vs->vs_pmap);
	vm_map_fini(&vs->vs_map);
	vs->vs_phys = NULL;
}

/*
 * On -ENOMEM *info still says what was done: the data frame was zeroed (and
 * given back) and the page-table pages allocated before the failure stay
 * linked, so the cycle model can charge for both.
 */
int vm_fault(struct vmspace *vs, uint64_t va, uint32_t type,
	     struct vm_fault_info *info)
{
	const struct vm_map_entry *ent;
	struct vm_fault_info done = { 0 };
	uint64_t pa, pfn;
	unsigned ptpages = 0;
	int err;

	ES_ASSERT(type == VM_PROT_READ || type == VM_PROT_WRITE ||
		  type == VM_PROT_EXEC, "va=%#llx type=%#x",
		  (unsigned long long)va, type);
	ent = vm_map_lookup(&vs->vs_map, va);
	if (!ent || !(ent->vme_prot & type)) {
		err = -EFAULT;
		goto out;
	}
	err = pmap_extract(&vs->vs_pmap, va, &pa);
	if (err != -ENOENT)
		goto out; /* 0: already mapped, a spurious fault */
	err = vm_phys_alloc(vs->vs_phys, VMP_DATA, &pfn);
	if (err)
		goto out;
	done.vfi_zeroed = 1;
	err = pmap_enter(&vs->vs_pmap, va & ~PAGE_MASK, pfn << PAGE_SHIFT,
			 ent->vme_prot, &ptpages);
	done.vfi_ptpages = ptpages;
	if (err)
		vm_phys_free(vs->vs_phys, pfn);
out:
	if (info)
		*info = done;
	return err;
}
