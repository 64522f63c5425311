/*
 * vmx.h - logical processors and VMX: the per-vCPU hardware state (TLBs,
 * walk caches, the page-table line cache, paging controls), the VMCS
 * fields the model needs, VM exits and entries, the TLB-management
 * instructions, and bhyve's EPT generations.
 *
 *   guest (VMX non-root)            host (VMX root)
 *   --------------------            ---------------
 *   running --EPT violation-------> exited: the host handles it
 *           --IPI (not posted)----> exited: nothing to do
 *           --HLT-----------------> halted
 *   running <--------VM entry------ exited / halted / waiting
 *                                   (INVEPT first if the EPT generation moved;
 *                                    without VPID: flush VPID 0 both ways)
 *
 * A vcpu is one logical processor.  Natively (vc_vm == NULL) it is a plain
 * CPU: the guest-side instructions (INVLPG, INVPCID, MOV to CR3) work,
 * nothing exits.  In a VM each vCPU is pinned to a host CPU of its own, so
 * "the host CPUs running the VM" are the vCPUs in state VCPU_RUNNING.
 *
 * EPT generations (FreeBSD bhyve: pmap_invalidate_ept(), vmx_run()).  The
 * VM's EPT has a generation, vm_eptgen.  Invalidating the EPT bumps it and
 * sends an IPI to every vCPU running at that moment; the IPI makes it exit
 * (external interrupt).  Each vCPU remembers the generation it last
 * flushed at, vc_eptgen, and on every VM entry compares: if they differ it
 * executes INVEPT single-context first.  So a vCPU that was not running
 * during several invalidations pays one INVEPT for all of them
 * (vmx.invept.saved counts the rest), and one that was running pays an
 * exit, an entry and an INVEPT per invalidation.
 *
 * The invalidation rules are SDM Vol. 3A §4.10.4.1 and Vol. 3C §29.4.3.1;
 * inv.c states, per instruction and type, which entries go.  The SDM
 * often allows a processor to invalidate more than it must; the model
 * invalidates exactly what it must, so a test can tell the types apart.
 *
 * Every operation counts itself into vc_ctr (sim/stats.h) and charges its
 * cycles from vc_costs: transitions to cycles.exit, instructions and IPIs
 * to cycles.inv.
 */
#ifndef EPTSIM_SIM_VMX_VMX_H
#define EPTSIM_SIM_VMX_VMX_H

#include "sim/base.h"
#include "sim/mmu/mmu.h"
#include "sim/pmem.h"
#include "sim/stats.h"
#include "sim/tlb/tlb.h"

/* basic exit reasons the model produces (SDM Vol. 3D, Appendix C) */
enum vmx_exit_reason {
	VMX_EXIT_EXTINT = 1,
	VMX_EXIT_HLT = 12,
	VMX_EXIT_WRMSR = 32,
	VMX_EXIT_EPT_VIOLATION = 48,
	VMX_EXIT_EPT_MISCONFIG = 49,
};

/* VM-instruction error of VMfailValid (SDM Vol. 3C §31.4): invalid operand to INVEPT/INVVPID */
#define VMX_ERR_INV_OPERAND 28u

enum vmx_invept_type { INVEPT_SINGLE_CONTEXT = 1, INVEPT_ALL_CONTEXT = 2 };
enum vmx_invvpid_type {
	INVVPID_INDIVIDUAL_ADDRESS = 0,
	INVVPID_SINGLE_CONTEXT = 1,
	INVVPID_ALL_CONTEXT = 2,
	INVVPID_SINGLE_CONTEXT_RETAINING_GLOBALS = 3,
};
enum vmx_invpcid_type {
	INVPCID_INDIVIDUAL_ADDRESS = 0,
	INVPCID_SINGLE_CONTEXT = 1,
	INVPCID_ALL_CONTEXT_GLOBALS = 2,        /* all contexts, global translations too */
	INVPCID_ALL_CONTEXT = 3,                /* all contexts but global translations */
};

/* MOV to CR3 with CR4.PCIDE = 1: bit 63 set means "do not flush" (SDM Vol. 3A §4.10.4.1) */
#define VMX_CR3_NOFLUSH (UINT64_C(1) << 63)

/* what the processor supports beyond struct mmu_caps */
struct vmx_caps {
	bool vpid;              /* IA32_VMX_PROCBASED_CTLS2 allowed-1 bit 37: enable VPID */
	bool invept_single;     /* IA32_VMX_EPT_VPID_CAP[25] */
	bool invept_all;        /* IA32_VMX_EPT_VPID_CAP[26] */
	bool invvpid_addr;      /* IA32_VMX_EPT_VPID_CAP[40] */
	bool invvpid_single;    /* IA32_VMX_EPT_VPID_CAP[41] */
	bool invvpid_all;       /* IA32_VMX_EPT_VPID_CAP[42] */
	bool invvpid_single_g;  /* IA32_VMX_EPT_VPID_CAP[43] */
	bool pcid;              /* CPUID.01H:ECX[17] */
	bool invpcid;           /* CPUID.(EAX=07H,ECX=0):EBX[10] */
	bool posted;            /* IA32_VMX_PINBASED_CTLS allowed-1 bit 7: process posted interrupts */
};

/* cycles charged per operation (machine.cycles.*) */
struct vmx_costs {
	uint64_t vm_exit;
	uint64_t vm_entry;
	uint64_t invept;
	uint64_t invvpid;
	uint64_t invlpg;
	uint64_t invpcid;
	uint64_t mov_cr3;       /* a MOV to CR3 that flushes; a no-flush one costs 0 */
	uint64_t ipi;           /* sending and delivering one IPI */
};

/* the VMCS fields the model uses (SDM Vol. 3C ch. 25) */
struct vmcs {
	/* controls, checked at VM entry */
	bool vmcs_enable_ept;   /* secondary processor-based control 1 */
	bool vmcs_enable_vpid;  /* secondary processor-based control 5 */
	bool vmcs_posted_intr;  /* pin-based control 7 */
	uint16_t vmcs_vpid;     /* must not be 0 when enable VPID is 1 */
	uint64_t vmcs_eptp;
	/* exit information of the last VM exit */
	uint32_t vmcs_exit_reason;
	uint64_t vmcs_exit_qual;
	uint64_t vmcs_guest_phys;       /* EPT violation / misconfiguration */
	uint64_t vmcs_guest_linear;     /* EPT violation, when valid */
};

enum vcpu_state {
	VCPU_RUNNING,           /* in guest mode (natively: executing) */
	VCPU_EXITED,            /* in the host after a VM exit, not yet re-entered */
	VCPU_HALTED,            /* executed HLT; waits for an interrupt */
	VCPU_WAITING,           /* runnable, but its host thread is not on a CPU */
};

/* how to build one logical processor */
struct vcpu_config {
	struct tlb_config vcc_tlb;
	struct mmu_pwc_geom vcc_pwc;
	struct tlb_geom vcc_ptc;        /* page-table line cache, 64-byte lines; 0 entries: off */
	struct mmu_caps vcc_caps;
	struct vmx_caps vcc_vmx;
	struct vmx_costs vcc_costs;
};

struct vm;

struct vcpu {
	unsigned vc_id;
	enum vcpu_state vc_state;
	struct vm *vc_vm;               /* NULL: a native CPU */
	struct vmcs vc_vmcs;
	uint64_t vc_eptgen;             /* the EPT generation this vCPU last flushed at */
	struct vmx_caps vc_caps;
	struct vmx_costs vc_costs;
	struct mmu vc_mmu;              /* vc_mmu.mu_pwc points at vc_pwc */
	struct mmu_pwc vc_pwc;
	struct tlb vc_tlb;
	struct tlb_array vc_ptc;        /* page-table line cache (tlb_array of 64-byte lines) */
	uint64_t vc_ctr[SIM_NCOUNTERS];
	uint64_t vc_refs_hist[MMU_MAX_REFS + 1]; /* walks by memory references made */
};

struct vm {
	struct vcpu *vm_vcpus;
	unsigned vm_nvcpus;
	uint64_t vm_eptgen;             /* the generation of the VM's EPT (bhyve: pm_eptgen) */
};

/*
 * vmx_vcpu_init - a native CPU numbered `id`, with empty caches, reading
 * memory `mem`, in state VCPU_RUNNING; paging controls zero (the caller
 * sets vc_mmu.mu_regs).  `seed` seeds random replacement (it replaces
 * c->vcc_tlb.seed); the page-table line cache uses LRU.  0, -EINVAL
 * (a bad geometry), -ENOMEM; nothing to free on failure.  `vc` must not
 * move afterwards: vc_mmu.mu_pwc points into it.
 */
int vmx_vcpu_init(struct vcpu *vc, unsigned id, const struct vcpu_config *c,
		  struct pmem *mem, uint64_t seed) MUST_CHECK;
void vmx_vcpu_fini(struct vcpu *vc);

/*
 * vmx_vm_init - a VM of `n` vCPUs (1..VMX_MAX_VCPUS), each as
 * vmx_vcpu_init makes it (seeded seed + id) but in state VCPU_WAITING
 * (never entered); EPT generation 0.  0, -EINVAL (n out of range, a bad
 * geometry), -ENOMEM.  `vm` must not move afterwards (each vc_vm points
 * at it).  vmx_vm_fini frees them.
 */
#define VMX_MAX_VCPUS 64u
int vmx_vm_init(struct vm *vm, unsigned n, const struct vcpu_config *c,
		struct pmem *mem, uint64_t seed) MUST_CHECK;
void vmx_vm_fini(struct vm *vm);

/*
 * vmx_entry - VM entry of `vc` (not running, in a VM).  Checks the
 * controls as VM entry does (SDM Vol. 3C §27.2.1.1: the EPTP via
 * mmu_ept_set(), enable VPID only if supported and with a VPID other than
 * 0, posted interrupts only if supported); on failure returns -EINVAL with
 * *why and changes nothing.  Then, with enable EPT: INVEPT single-context
 * (all-context if the processor has only that) if vc_eptgen differs from
 * the VM's (counted, and the generations it covers beyond one counted as
 * saved; without enable EPT vc_eptgen stays behind); without VPID, the
 * flush of VPID 0 (§29.4.3.1); loads the EPT controls and the VPID (0
 * without enable VPID) into vc_mmu, leaving mu_regs as they are;
 * VCPU_RUNNING.
 */
int vmx_entry(struct vcpu *vc, const char **why) MUST_CHECK;

/*
 * vmx_exit - VM exit of running `vc` for `reason` with the exit
 * qualification and addresses given (0 when they do not apply): records
 * them in the VMCS, counts the exit by reason, without VPID flushes VPID
 * 0, VCPU_EXITED.
 */
void vmx_exit(struct vcpu *vc, enum vmx_exit_reason reason, uint64_t qual,
	      uint64_t gpa, uint64_t gla);

/* vmx_halt - the guest on running `vc` executes HLT: a VM exit (in a VM), then VCPU_HALTED */
void vmx_halt(struct vcpu *vc);

/*
 * vmx_invept / vmx_invvpid - executed in VMX root operation on `vc`'s
 * processor (SDM Vol. 3C §31.3).  Return 0 (VMsucceed) or
 * VMX_ERR_INV_OPERAND (VMfailValid; nothing invalidated): a type the
 * processor does not support; INVEPT single-context with an EPTP that VM
 * entry would refuse; INVVPID with descriptor bits 63:16 set, VPID 0 for
 * a type other than all-context, or a non-canonical address for
 * individual-address (57-bit canonical if the processor supports 5-level
 * paging, else 48-bit).  A failure is counted (vmx.inv_failed) and charged.
 */
unsigned vmx_invept(struct vcpu *vc, enum vmx_invept_type type, uint64_t eptp);
unsigned vmx_invvpid(struct vcpu *vc, enum vmx_invvpid_type type,
		     uint64_t desc_lo, uint64_t la);

/*
 * The guest's own TLB management, executed on running `vc` (in VMX
 * non-root operation, or natively).  vmx_invpcid and vmx_mov_cr3 return
 * 0, -EINVAL for #GP(0) (bad type, reserved descriptor bits, a PCID other
 * than 0 for types 0 and 1 without CR4.PCIDE, a non-canonical address; a
 * CR3 value with reserved bits), -ENOTSUP for #UD (INVPCID not supported);
 * a fault changes nothing and is not counted.  vmx_mov_cr3 loads the new
 * CR3 (without bit 63) into vc_mmu.mu_regs.  INVLPG of a non-canonical
 * address is a NOP.  Canonical means for the widest paging the processor
 * supports (mu_caps.la57), whatever CR4.LA57 says (see inv.c).
 */
void vmx_invlpg(struct vcpu *vc, uint64_t va);
int vmx_invpcid(struct vcpu *vc, enum vmx_invpcid_type type, uint64_t desc_lo,
		uint64_t la) MUST_CHECK;
int vmx_mov_cr3(struct vcpu *vc, uint64_t value) MUST_CHECK;

/*
 * vmx_flush_vpid0 - what a VM entry or VM exit with "enable VPID" 0 does
 * to the caches (SDM Vol. 3C §29.4.3.1): drop the linear and combined
 * mappings of VPID 0, all PCIDs, all EP4TAs.  Not counted or charged
 * apart (vmx_entry and vmx_exit call it; it lives in inv.c with the
 * other invalidation rules).
 */
void vmx_flush_vpid0(struct vcpu *vc);

/*
 * vmx_ept_invalidate - the host invalidated the VM's EPT (bhyve's
 * pmap_invalidate_ept): bump the generation and IPI every running vCPU,
 * which exits (external interrupt) and re-enters, executing INVEPT on the
 * way in.  Returns the number of IPIs sent.
 */
unsigned vmx_ept_invalidate(struct vm *vm);

/*
 * vmx_send_ipi - running `src` sends an IPI to `dst` (a guest TLB
 * shootdown).  In a VM: the ICR write exits on src (WRMSR) and src
 * re-enters; a running dst takes it as a posted interrupt if dst's VMCS
 * enables them, else exits (external interrupt) and re-enters; a halted
 * or waiting dst takes it at its next entry.  Natively: counted and
 * charged only.  The caller then runs dst's handler (e.g. vmx_invlpg).
 */
void vmx_send_ipi(struct vcpu *src, struct vcpu *dst);

/* vmx_state_name, vmx_exit_name - names for reports and messages */
const char *vmx_state_name(enum vcpu_state s);
const char *vmx_exit_name(enum vmx_exit_reason r);

#endif
