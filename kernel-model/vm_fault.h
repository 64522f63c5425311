/*
 * vm_fault.h - a process address space (vmspace: a vm_map and its pmap) and
 * the page-fault handler of the kernel model.
 */
#ifndef EPTSIM_KERNEL_MODEL_VM_FAULT_H
#define EPTSIM_KERNEL_MODEL_VM_FAULT_H

#include "kernel-model/pmap.h"
#include "kernel-model/vm_map.h"
#include "kernel-model/vm_phys.h"

struct vmspace {
	struct vm_map vs_map;
	struct pmap vs_pmap;
	struct vm_phys *vs_phys;
};

/* vmspace_init - an empty address space with `levels` (4 or 5) of page tables */
int vmspace_init(struct vmspace *vs, struct vm_phys *vp, unsigned maxphyaddr,
		 unsigned levels) MUST_CHECK;
void vmspace_fini(struct vmspace *vs);

/* what a fault did, for the cycle model */
struct vm_fault_info {
	unsigned vfi_zeroed;    /* data frames allocated and zero-filled */
	unsigned vfi_ptpages;   /* page-table pages allocated */
};

/*
 * vm_fault - handle a page fault at `va` for an access of `type`
 * (VM_PROT_READ, VM_PROT_WRITE or VM_PROT_EXEC) from user mode.
 *
 * Returns 0 when the access can be retried (the page was mapped, or already
 * was: a spurious fault), -EFAULT when the access is illegal (no region, or
 * the region does not allow `type`: the process gets SIGSEGV), -ENOMEM when
 * no frame is left.  *info says what was done.
 */
int vm_fault(struct vmspace *vs, uint64_t va, uint32_t type,
	     struct vm_fault_info *info) MUST_CHECK;

#endif
