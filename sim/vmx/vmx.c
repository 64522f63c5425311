/*
 * vmx.c - logical processors and their VMX transitions (see vmx.h): the
 * lifetime of a vCPU and of a VM, VM entry and VM exit, HLT, the EPT
 * generations, IPIs, and names for reports.  What each transition and
 * instruction invalidates is in inv.c.
 *
 * A vCPU's state changes only here:
 *
 *   WAITING/EXITED/HALTED --vmx_entry--> RUNNING --vmx_exit--> EXITED
 *                                        RUNNING --vmx_halt--> HALTED
 *
 * An IPI is an exit and an entry in one call (vmx_kick): the model has no
 * host scheduler, so a vCPU kicked out of the guest goes straight back
 * in, paying both transitions and whatever the entry has to flush.
 */
#include "sim/vmx/vmx.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---- lifetime ------------------------------------------------------------ */

int vmx_vcpu_init(struct vcpu *vc, unsigned id, const struct vcpu_config *c,
		  struct pmem *mem, uint64_t seed)
{
	struct tlb_config tc = c->vcc_tlb;
	int rc;

	memset(vc, 0, sizeof(*vc));
	tc.seed = seed;
	rc = tlb_init(&vc->vc_tlb, &tc);
	if (rc < 0)
		goto fail;
	rc = mmu_pwc_init(&vc->vc_pwc, &c->vcc_pwc);
	if (rc < 0)
		goto fail;
	if (c->vcc_ptc.entries > 0) {
		rc = tlb_array_init(&vc->vc_ptc, &c->vcc_ptc, TLB_LRU, seed);
		if (rc < 0)
			goto fail;
	}
	vc->vc_id = id;
	vc->vc_state = VCPU_RUNNING;
	vc->vc_caps = c->vcc_vmx;
	vc->vc_costs = c->vcc_costs;
	vc->vc_mmu.mu_mem = mem;
	vc->vc_mmu.mu_caps = c->vcc_caps;
	vc->vc_mmu.mu_pwc = &vc->vc_pwc;
	return 0;

fail:
	vmx_vcpu_fini(vc);
	return rc;
}

/* safe on a vCPU that vmx_vcpu_init zeroed and then failed to finish */
void vmx_vcpu_fini(struct vcpu *vc)
{
	tlb_fini(&vc->vc_tlb);
	mmu_pwc_fini(&vc->vc_pwc);
	tlb_array_fini(&vc->vc_ptc);
	vc->vc_mmu.mu_pwc = NULL;
}

int vmx_vm_init(struct vm *vm, unsigned n, const struct vcpu_config *c,
		struct pmem *mem, uint64_t seed)
{
	int rc = 0;

	memset(vm, 0, sizeof(*vm));
	if (n == 0 || n > VMX_MAX_VCPUS)
		return -EINVAL;
	vm->vm_vcpus = calloc(n, sizeof(*vm->vm_vcpus));
	if (!vm->vm_vcpus)
		return -ENOMEM;
	for (unsigned i = 0; i < n; i++) {
		struct vcpu *vc = &vm->vm_vcpus[i];

		rc = vmx_vcpu_init(vc, i, c, mem, seed + i);
		if (rc < 0)
			goto fail;
		vm->vm_nvcpus = i + 1;
		vc->vc_vm = vm;
		vc->vc_state = VCPU_WAITING;
	}
	return 0;

fail:
	vmx_vm_fini(vm);
	return rc;
}

void vmx_vm_fini(struct vm *vm)
{
	for (unsigned i = 0; i < vm->vm_nvcpus; i++)
		vmx_vcpu_fini(&vm->vm_vcpus[i]);
	free(vm->vm_vcpus);
	memset(vm, 0, sizeof(*vm));
}

/* ---- exit reasons -------------------------------------------------------- */

static const struct {
	enum vmx_exit_reason r;
	enum sim_ctr ctr;
	const char *name;
} vmx_exits[] = {
	{ VMX_EXIT_EXTINT, CTR_EXIT_EXTINT, "external_interrupt" },
	{ VMX_EXIT_HLT, CTR_EXIT_HLT, "hlt" },
	{ VMX_EXIT_WRMSR, CTR_EXIT_WRMSR, "wrmsr" },
	{ VMX_EXIT_EPT_VIOLATION, CTR_EXIT_EPT_VIOLATION, "ept_violation" },
	{ VMX_EXIT_EPT_MISCONFIG, CTR_EXIT_EPT_MISCONFIG, "ept_misconfig" },
};

#define VMX_NEXITS (sizeof(vmx_exits) / sizeof(vmx_exits[0]))

static size_t vmx_exit_index(enum vmx_exit_reason r)
{
	size_t i = 0;

	while (i < VMX_NEXITS && vmx_exits[i].r != r)
		i++;
	return i;
}

const char *vmx_exit_name(enum vmx_exit_reason r)
{
	size_t i = vmx_exit_index(r);

	return i < VMX_NEXITS ? vmx_exits[i].name : "unknown";
}

const char *vmx_state_name(enum vcpu_state s)
{
	switch (s) {
	case VCPU_RUNNING:
		return "running";
	case VCPU_EXITED:
		return "exited";
	case VCPU_HALTED:
		return "halted";
	case VCPU_WAITING:
		return "waiting";
	}
	return "unknown";
}

/* ---- transitions --------------------------------------------------------- */

/*
 * vmx_entry_check - the VM-entry checks on the controls the model has
 * (SDM Vol. 3C §27.2.1.1), the EPTP decoded into *ept.  Messages name the
 * workload key that decides each capability.
 */
static int vmx_entry_check(const struct vcpu *vc, struct mmu_ept *ept,
			   const char **why)
{
	const struct vmcs *v = &vc->vc_vmcs;
	struct mmu scratch = { .mu_caps = vc->vc_mmu.mu_caps };
	int rc;

	rc = mmu_ept_set(&scratch, v->vmcs_enable_ept, false, v->vmcs_eptp, why);
	if (rc < 0)
		return rc;
	if (v->vmcs_enable_vpid && !vc->vc_caps.vpid) {
		*why = "enable VPID is not supported (machine.caps.vpid)";
		return -EINVAL;
	}
	if (v->vmcs_enable_vpid && v->vmcs_vpid == 0) {
		*why = "enable VPID needs a VPID other than 0";
		return -EINVAL;
	}
	if (v->vmcs_posted_intr && !vc->vc_caps.posted) {
		*why = "process posted interrupts is not supported (machine.caps.posted_interrupts)";
		return -EINVAL;
	}
	*ept = scratch.mu_ept;
	return 0;
}

/*
 * vmx_eptgen_sync - bhyve's check in vmx_run(): if the VM's EPT moved on
 * since this vCPU last flushed, one INVEPT covers every generation it
 * missed.  Single-context where the processor has it, else all-context
 * (as KVM falls back); a processor with neither fails the INVEPT
 * (vmx.inv_failed) and keeps what it cached, as such hardware would.
 */
static void vmx_eptgen_sync(struct vcpu *vc)
{
	const uint64_t gen = vc->vc_vm->vm_eptgen;
	unsigned err;

	if (vc->vc_eptgen == gen)
		return;
	ES_ASSERT(vc->vc_eptgen < gen, "vcpu %u: eptgen %llu ahead of the VM's %llu",
		  vc->vc_id, (unsigned long long)vc->vc_eptgen,
		  (unsigned long long)gen);
	if (vc->vc_caps.invept_single)
		err = vmx_invept(vc, INVEPT_SINGLE_CONTEXT, vc->vc_vmcs.vmcs_eptp);
	else
		err = vmx_invept(vc, INVEPT_ALL_CONTEXT, 0);
	(void)err; /* counted either way; the EPTP passed the entry checks */
	vc->vc_ctr[CTR_INVEPT_SAVED] += gen - vc->vc_eptgen - 1;
	vc->vc_eptgen = gen;
}

int vmx_entry(struct vcpu *vc, const char **why)
{
	const struct vmcs *v = &vc->vc_vmcs;
	struct mmu_ept ept;
	int rc;

	ES_ASSERT(vc->vc_vm != NULL && vc->vc_state != VCPU_RUNNING,
		  "vcpu %u: in a VM: %d, state %s", vc->vc_id,
		  vc->vc_vm != NULL, vmx_state_name(vc->vc_state));
	rc = vmx_entry_check(vc, &ept, why);
	if (rc < 0)
		return rc;
	if (v->vmcs_enable_ept)
		vmx_eptgen_sync(vc);
	vc->vc_ctr[CTR_VM_ENTRIES]++;
	vc->vc_ctr[CTR_CYC_EXIT] += vc->vc_costs.vm_entry;
	if (!v->vmcs_enable_vpid)
		vmx_flush_vpid0(vc);
	vc->vc_mmu.mu_ept = ept;
	vc->vc_mmu.mu_vpid = v->vmcs_enable_vpid ? v->vmcs_vpid : 0;
	vc->vc_state = VCPU_RUNNING;
	return 0;
}

/*
 * vc_mmu keeps the guest's context after an exit: the TLB tags belong to
 * it, and the host's own translations are not simulated.
 */
void vmx_exit(struct vcpu *vc, enum vmx_exit_reason reason, uint64_t qual,
	      uint64_t gpa, uint64_t gla)
{
	struct vmcs *v = &vc->vc_vmcs;
	const size_t i = vmx_exit_index(reason);

	ES_ASSERT(vc->vc_vm != NULL && vc->vc_state == VCPU_RUNNING,
		  "vcpu %u: in a VM: %d, state %s", vc->vc_id,
		  vc->vc_vm != NULL, vmx_state_name(vc->vc_state));
	ES_ASSERT(i < VMX_NEXITS, "vcpu %u: exit reason %u", vc->vc_id,
		  (unsigned)reason);
	v->vmcs_exit_reason = (uint32_t)reason;
	v->vmcs_exit_qual = qual;
	v->vmcs_guest_phys = gpa;
	v->vmcs_guest_linear = gla;
	vc->vc_ctr[CTR_VM_EXITS]++;
	vc->vc_ctr[vmx_exits[i].ctr]++;
	vc->vc_ctr[CTR_CYC_EXIT] += vc->vc_costs.vm_exit;
	if (!v->vmcs_enable_vpid)
		vmx_flush_vpid0(vc);
	vc->vc_state = VCPU_EXITED;
}

/* vmx_kick - running `vc` exits for `reason` and the host enters it again at once */
static void vmx_kick(struct vcpu *vc, enum vmx_exit_reason reason)
{
	const char *why = NULL;
	int rc;

	vmx_exit(vc, reason, 0, 0, 0);
	rc = vmx_entry(vc, &why);
	ES_ASSERT(rc == 0, "vcpu %u: re-entry after %s failed: %s", vc->vc_id,
		  vmx_exit_name(reason), why);
}

void vmx_halt(struct vcpu *vc)
{
	ES_ASSERT(vc->vc_state == VCPU_RUNNING, "vcpu %u: state %s", vc->vc_id,
		  vmx_state_name(vc->vc_state));
	if (vc->vc_vm)
		vmx_exit(vc, VMX_EXIT_HLT, 0, 0, 0);
	vc->vc_state = VCPU_HALTED;
}

/* ---- EPT generations and IPIs -------------------------------------------- */

unsigned vmx_ept_invalidate(struct vm *vm)
{
	unsigned sent = 0;

	vm->vm_eptgen++;
	for (unsigned i = 0; i < vm->vm_nvcpus; i++) {
		struct vcpu *vc = &vm->vm_vcpus[i];

		ES_ASSERT(vc->vc_vm == vm, "vcpu %u is not in this VM", vc->vc_id);
		if (vc->vc_state != VCPU_RUNNING)
			continue; /* its next entry flushes */
		vc->vc_ctr[CTR_IPI_EPT]++;
		vc->vc_ctr[CTR_CYC_INV] += vc->vc_costs.ipi;
		vmx_kick(vc, VMX_EXIT_EXTINT);
		sent++;
	}
	return sent;
}

/*
 * The host handles src's ICR write while src is out of the guest: it
 * posts the interrupt to dst or kicks dst, then resumes src.  So an IPI
 * a vCPU sends itself without posted interrupts finds it exited and
 * waits for the entry, like any IPI to a vCPU that is not running.
 */
void vmx_send_ipi(struct vcpu *src, struct vcpu *dst)
{
	const char *why = NULL;
	int rc;

	ES_ASSERT(src->vc_state == VCPU_RUNNING && src->vc_vm == dst->vc_vm,
		  "vcpu %u -> %u: state %s, same VM: %d", src->vc_id, dst->vc_id,
		  vmx_state_name(src->vc_state), src->vc_vm == dst->vc_vm);
	src->vc_ctr[CTR_IPI_GUEST]++;
	src->vc_ctr[CTR_CYC_INV] += src->vc_costs.ipi;
	if (!src->vc_vm)
		return;
	vmx_exit(src, VMX_EXIT_WRMSR, 0, 0, 0);
	if (dst->vc_state == VCPU_RUNNING) {
		if (dst->vc_vmcs.vmcs_posted_intr)
			dst->vc_ctr[CTR_IPI_POSTED]++;
		else
			vmx_kick(dst, VMX_EXIT_EXTINT);
	}
	rc = vmx_entry(src, &why);
	ES_ASSERT(rc == 0, "vcpu %u: re-entry after WRMSR failed: %s",
		  src->vc_id, why);
}
