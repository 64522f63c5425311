/*
 * host.h - the host side of a VM: the host kernel (kernel-model, on the
 * machine's host-physical memory), the VM's guest memory as one anonymous
 * object of that kernel, and the EPT that maps it, managed by one of the
 * four policies of DESIGN.md (the seeds):
 *
 *   policy     address spaces the host keeps for the VM       EPT filled
 *   ---------  ---------------------------------------------  ------------------------
 *   bhyve      one vmspace, PT_EPT pmap (the EPT itself)       lazily, on an EPT
 *                                                              violation: A/D emulation
 *                                                              first when the EPT lacks A/D
 *   nvmm       one vmspace, PT_EPT pmap                        lazily; without EPT A/D
 *                                                              every page counts referenced
 *                                                              and modified
 *   dragonfly  the vkernel's vmspace (PT_X86) and a second     at each fault: vm_fault on
 *              vmspace on the same object whose pmap is the    the native side, then the
 *              EPT (DragonFly's bit table)                     same page into the EPT
 *   akaros     the VMM process's vmspace, PT_X86 with paired   a fault maps the process's
 *              8 KiB tables: the EPT is the second half of     page and the EPT at once
 *              each pair, mirroring the process page table
 *
 * The EPT's invalidations (reclaim, protection changes, demotions) go to
 * vmx_ept_invalidate: a new EPT generation, IPIs to the running vCPUs,
 * INVEPT at their next entry.
 *
 * The guest kernel reaches its own memory through host_gpa (vm_kern's
 * vk_gpa): a guest-physical page the EPT does not map with the rights the
 * access needs costs the vCPU whose turn it is an EPT violation (exit,
 * the host's handling, entry), as the guest kernel's own accesses would.
 */
#ifndef EPTSIM_SIM_HOST_H
#define EPTSIM_SIM_HOST_H

#include "kernel-model/vm_fault.h"
#include "kernel-model/vm_kern.h"
#include "sim/base.h"
#include "sim/vmx/vmx.h"

/* vm.policy: the order of cfg_vm_policy_names (sim/cfg_schema.c) */
enum host_policy { HOST_BHYVE, HOST_NVMM, HOST_DRAGONFLY, HOST_AKAROS, HOST_NPOLICIES };

struct host_config {
	enum host_policy hc_policy;
	uint64_t hc_guest_bytes;        /* guest-physical memory [0, bytes) */
	uint64_t hc_swap_bytes;         /* the host's swap device */
	uint64_t hc_first_frame;        /* the host kernel owns [first, end) of memory */
	uint64_t hc_end_frame;
	bool hc_superpages;             /* host reservations and promotion */
	bool hc_fault_2m;               /* a violation faults in its whole 2 MiB (vm.ept_page 2m) */
	bool hc_hw_ad;                  /* the EPTP enables EPT A/D */
	bool hc_ept_2m;                 /* the EPT supports 2 MiB pages */
	bool hc_exec_only;              /* the EPT supports execute-only entries */
	unsigned hc_levels;             /* EPT levels: 4 or 5 */
	unsigned hc_maxphyaddr;
};

struct host {
	struct host_config h_cfg;
	struct vm_kern h_k;             /* the host kernel */
	struct vm_objref *h_mem;        /* the guest's memory */
	struct vmspace h_ept;           /* bhyve, nvmm, dragonfly: the VM's EPT vmspace */
	struct vmspace h_proc;          /* dragonfly: the vkernel; akaros: the VMM process */
	bool h_up_k, h_up_ept, h_up_proc;
	struct vm *h_vm;                /* whose vCPUs an EPT invalidation IPIs */
	struct vcpu *h_cur;             /* the vCPU whose turn it is: it pays for guest-kernel accesses */
	uint64_t h_violations;          /* EPT violations handled (any cause) */
};

/*
 * host_init - the host kernel on `mem` and the VM's guest memory as
 * `c` says; `vm` is the VM whose vCPUs an invalidation reaches (its
 * vCPUs may be made after).  0, -ENOMEM.  host_fini frees all.
 */
int host_init(struct host *h, const struct host_config *c, struct pmem *mem,
	      struct vm *vm) MUST_CHECK;
void host_fini(struct host *h);

/* host_eptp - the EPTP the vCPUs load: the policy's EPT root, WB, walk length, A/D */
uint64_t host_eptp(const struct host *h);

/* host_ept_pmap - the pmap whose tables the processor walks as the EPT (for akaros the paired process pmap) */
struct pmap *host_ept_pmap(struct host *h);

/*
 * host_ept_violation - `vc` (running) took an EPT violation at `gpa`
 * with exit qualification `qual` (linear address `gla`): VM exit, the
 * policy's handling (A/D emulation, else vm_fault on the VM's memory and
 * the EPT entry), VM entry.  0, -ENOMEM (the host is out of memory: the
 * run ends), -EFAULT (gpa outside guest memory).
 */
int host_ept_violation(struct host *h, struct vcpu *vc, uint64_t gpa,
		       uint64_t qual, uint64_t gla) MUST_CHECK;

/*
 * host_gpa - vm_kern's vk_gpa for the guest kernel (ctx: the host): the
 * HPA of `gpa`, faulting it in as an EPT violation of h_cur when the EPT
 * refuses the access (without a current vCPU, as while the VM is built,
 * the host backs the page without an exit).  A write marks the host page
 * modified and any access referenced, as the processor's EPT A/D would.
 */
int host_gpa(void *ctx, uint64_t gpa, bool write, uint64_t *hpa);

/*
 * host_pressure - the host now has only `free_bytes` free (something else
 * took the rest); the page daemon runs if that is below its minimum.
 * 0 or -ENOMEM.
 */
int host_pressure(struct host *h, uint64_t free_bytes) MUST_CHECK;

/*
 * host_mirror_check - akaros: whether the EPT half of every table pair
 * maps exactly what the process's x86 tables map, for every guest page
 * (checked by walking both).  On a difference, *bad is the first GPA that
 * differs.  Other policies: always true.
 */
bool host_mirror_check(struct host *h, uint64_t *bad);

#endif
