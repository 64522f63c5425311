/*
 * test_vmx.c - vCPUs and their VMX transitions (sim/vmx/vmx.c): bhyve's
 * EPT generations (INVEPT once per generation change a vCPU observes, at
 * its next VM entry; IPIs only to vCPUs running at the time), guest IPIs
 * with and without posted interrupts, HLT, the VM-entry checks, and the
 * counters and cycles each step charges, to the cycle.
 *
 * Machine, fresh per case: a VM of two vCPUs (or native CPUs), TLB L1 and
 * STLB fully associative, walk caches 64 entries each, MAXPHYADDR 40,
 * every VMX capability on but 5-level EPT and EPT A/D.  vCPU i runs with
 * EPT (EP4TA A = 0x200000, EPTP A|0x1e: WB, 4-level) and VPID i + 1
 * unless a case says.  Costs (cycles): exit 700, entry 800, INVEPT 1000,
 * IPI 3000, so each total names the operations that made it.
 *
 * Cached entries are probed by the context they were made in: a combined
 * entry (VPID 2, PCID 0, EP4TA A) at CX and a linear one (VPID 2) at LX.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/vmx/vmx.h"
#include "tests/lib/vcfix.h"
#include "tests/lib/tltab.h"

#define EA UINT64_C(0x200000)
#define EPTP_A (EA | UINT64_C(0x1e))
#define CX UINT64_C(0x00007f1274567000)
#define LX UINT64_C(0x00007f1274999000)

#define C_EXIT 700u
#define C_ENTRY 800u
#define C_INVEPT 1000u
#define C_IPI 3000u

static void config(struct vcpu_config *c)
{
	const struct vmx_costs costs = {
		.vm_exit = C_EXIT, .vm_entry = C_ENTRY, .invept = C_INVEPT,
		.invvpid = 200, .invlpg = 100, .invpcid = 150, .mov_cr3 = 50,
		.ipi = C_IPI,
	};

	vcfix_config(c, false, &costs);
}

/* vm2 - the VM of two vCPUs, VMCS set up, not entered */
static void vm2(struct vm *vm)
{
	struct vcpu_config cfg;

	config(&cfg);
	assert_int_equal(vmx_vm_init(vm, 2, &cfg, NULL, 1), 0);
	for (unsigned i = 0; i < 2; i++)
		vm->vm_vcpus[i].vc_vmcs = (struct vmcs){
			.vmcs_enable_ept = true,
			.vmcs_eptp = EPTP_A,
			.vmcs_enable_vpid = true,
			.vmcs_vpid = (uint16_t)(i + 1),
		};
}

static void enter(struct vcpu *vc)
{
	const char *why = NULL;

	if (vmx_entry(vc, &why) != 0)
		fail_msg("vcpu %u: VM entry failed: %s", vc->vc_id, why);
}

/* ---- counters ---------------------------------------------------------- */

struct kdelta {
	enum sim_ctr k;
	uint64_t d;
};

#define K(c, n) { CTR_##c, (n) }
#define NK(a) (sizeof(a) / sizeof((a)[0]))

/*
 * expect_ctrs - vc's counters moved since k0 by exactly `want` (summed per
 * counter), every other counter not at all.
 */
static void expect_ctrs(const char *what, const struct vcpu *vc,
			const uint64_t *k0, const struct kdelta *want, size_t n)
{
	int bad = 0;

	for (unsigned i = 0; i < SIM_NCOUNTERS; i++) {
		uint64_t w = 0, got = vc->vc_ctr[i] - (k0 ? k0[i] : 0);

		for (size_t j = 0; j < n; j++)
			if (want[j].k == (enum sim_ctr)i)
				w += want[j].d;
		if (got != w) {
			print_error("%s, vcpu %u: %s is %llu, want %llu\n", what,
				    vc->vc_id, sim_ctr_names[i],
				    (unsigned long long)got, (unsigned long long)w);
			bad++;
		}
	}
	if (bad)
		fail_msg("%s, vcpu %u: %d counters differ", what, vc->vc_id, bad);
}

/* ---- cached entries ---------------------------------------------------- */

static const struct tlb_tag tag_comb = { .tg_vpid = 2, .tg_ept = true, .tg_ep4ta = EA };
static const struct tlb_tag tag_lin = { .tg_vpid = 2 };

static void put(struct vcpu *vc, uint64_t va, const struct tlb_tag *t)
{
	struct tlb_entry e = { .te_pfn = 0x1234, .te_shift = 12 };

	tlb_entry_tag(&e, t);
	tlb_fill(&vc->vc_tlb, TLB_DATA, va, &e);
}

static bool cached(struct vcpu *vc, uint64_t va, const struct tlb_tag *t)
{
	struct tlb_entry *e = NULL;
	unsigned shift = 0;

	return tlb_lookup(&vc->vc_tlb, TLB_DATA, va, t, &e, &shift) != TLB_MISS;
}

/* ---- EPT generations --------------------------------------------------- */

/*
 * vCPU0 runs, vCPU1 halted.  Three EPT invalidations: each IPIs vCPU0
 * only, which exits (external interrupt), re-enters and executes INVEPT
 * on the way in, so what it cached between two invalidations is gone
 * after the second.  vCPU1 gets nothing and keeps its stale entry until
 * its next entry, which executes one INVEPT for the three generations
 * (2 saved).  Then both run: one more invalidation IPIs both.
 */
static void invept_once_per_generation_change_observed(void **state)
{
	struct vm vm;
	struct vcpu *v0, *v1;
	uint64_t k1[SIM_NCOUNTERS];

	(void)state;
	vm2(&vm);
	v0 = &vm.vm_vcpus[0];
	v1 = &vm.vm_vcpus[1];
	enter(v0);
	enter(v1);
	put(v1, CX, &tag_comb);
	put(v1, LX, &tag_lin);
	vmx_halt(v1);
	memcpy(k1, v1->vc_ctr, sizeof(k1));

	for (unsigned i = 1; i <= 3; i++) {
		put(v0, CX, &tag_comb);
		assert_true(cached(v0, CX, &tag_comb));
		assert_int_equal(vmx_ept_invalidate(&vm), 1);
		assert_false(cached(v0, CX, &tag_comb));
		assert_int_equal(v0->vc_state, VCPU_RUNNING);
		assert_int_equal(v0->vc_eptgen, i);
		assert_int_equal(v0->vc_vmcs.vmcs_exit_reason, VMX_EXIT_EXTINT);
	}
	assert_int_equal(vm.vm_eptgen, 3);
	{
		const struct kdelta w0[] = {
			K(IPI_EPT, 3), K(VM_EXITS, 3), K(EXIT_EXTINT, 3),
			K(VM_ENTRIES, 4), K(INVEPT_SINGLE, 3),
			K(CYC_INV, 3 * (C_IPI + C_INVEPT)),
			K(CYC_EXIT, 4 * C_ENTRY + 3 * C_EXIT),
		};
		expect_ctrs("after 3 invalidations", v0, NULL, w0, NK(w0));
	}
	/* vCPU1: nothing happened to it, not even an IPI */
	expect_ctrs("halted through 3 invalidations", v1, k1, NULL, 0);
	assert_int_equal(v1->vc_state, VCPU_HALTED);
	assert_int_equal(v1->vc_eptgen, 0);
	assert_true(cached(v1, CX, &tag_comb));

	memcpy(k1, v1->vc_ctr, sizeof(k1));
	enter(v1);
	{
		const struct kdelta w1[] = {
			K(VM_ENTRIES, 1), K(INVEPT_SINGLE, 1), K(INVEPT_SAVED, 2),
			K(CYC_INV, C_INVEPT), K(CYC_EXIT, C_ENTRY),
		};
		expect_ctrs("entry after 3 generations", v1, k1, w1, NK(w1));
	}
	assert_int_equal(v1->vc_eptgen, 3);
	assert_false(cached(v1, CX, &tag_comb));
	assert_true(cached(v1, LX, &tag_lin)); /* INVEPT leaves linear mappings */

	memcpy(k1, v1->vc_ctr, sizeof(k1));
	assert_int_equal(vmx_ept_invalidate(&vm), 2);
	assert_int_equal(v0->vc_ctr[CTR_IPI_EPT], 4);
	assert_int_equal(v0->vc_ctr[CTR_INVEPT_SINGLE], 4);
	{
		const struct kdelta w1[] = {
			K(IPI_EPT, 1), K(VM_EXITS, 1), K(EXIT_EXTINT, 1),
			K(VM_ENTRIES, 1), K(INVEPT_SINGLE, 1),
			K(CYC_INV, C_IPI + C_INVEPT), K(CYC_EXIT, C_ENTRY + C_EXIT),
		};
		expect_ctrs("both running", v1, k1, w1, NK(w1));
	}
	vmx_vm_fini(&vm);
}

/* a vCPU that never ran pays one INVEPT at its first entry after invalidations */
static void waiting_vcpu_gets_no_ipi(void **state)
{
	struct vm vm;
	struct vcpu *v1;

	(void)state;
	vm2(&vm);
	v1 = &vm.vm_vcpus[1];
	assert_int_equal(vmx_ept_invalidate(&vm), 0);
	assert_int_equal(vmx_ept_invalidate(&vm), 0);
	expect_ctrs("waiting", v1, NULL, NULL, 0);
	assert_int_equal(v1->vc_state, VCPU_WAITING);
	enter(v1);
	{
		const struct kdelta w[] = {
			K(VM_ENTRIES, 1), K(INVEPT_SINGLE, 1), K(INVEPT_SAVED, 1),
			K(CYC_INV, C_INVEPT), K(CYC_EXIT, C_ENTRY),
		};
		expect_ctrs("first entry", v1, NULL, w, NK(w));
	}
	vmx_vm_fini(&vm);
}

static void entry_without_generation_change_skips_invept(void **state)
{
	struct vm vm;
	struct vcpu *v0;

	(void)state;
	vm2(&vm);
	v0 = &vm.vm_vcpus[0];
	enter(v0);
	vmx_exit(v0, VMX_EXIT_EXTINT, 0, 0, 0);
	enter(v0);
	{
		const struct kdelta w[] = {
			K(VM_ENTRIES, 2), K(VM_EXITS, 1), K(EXIT_EXTINT, 1),
			K(CYC_EXIT, 2 * C_ENTRY + C_EXIT),
		};
		expect_ctrs("exit and entry", v0, NULL, w, NK(w));
	}
	vmx_vm_fini(&vm);
}

/* without enable EPT an entry has no EPT to flush: no INVEPT, the generation stays behind */
static void entry_without_ept_skips_invept(void **state)
{
	struct vm vm;
	struct vcpu *v0;

	(void)state;
	vm2(&vm);
	v0 = &vm.vm_vcpus[0];
	v0->vc_vmcs.vmcs_enable_ept = false;
	enter(v0);
	assert_false(v0->vc_mmu.mu_ept.me_enabled);
	assert_int_equal(vmx_ept_invalidate(&vm), 1);
	assert_int_equal(v0->vc_eptgen, 0);
	{
		const struct kdelta w[] = {
			K(IPI_EPT, 1), K(VM_ENTRIES, 2), K(VM_EXITS, 1),
			K(EXIT_EXTINT, 1), K(CYC_INV, C_IPI),
			K(CYC_EXIT, 2 * C_ENTRY + C_EXIT),
		};
		expect_ctrs("no EPT", v0, NULL, w, NK(w));
	}
	vmx_vm_fini(&vm);
}

/* a processor without single-context INVEPT flushes all contexts */
static void entry_falls_back_to_all_context_invept(void **state)
{
	struct vm vm;
	struct vcpu *v0;

	(void)state;
	vm2(&vm);
	v0 = &vm.vm_vcpus[0];
	v0->vc_caps.invept_single = false;
	assert_int_equal(vmx_ept_invalidate(&vm), 0);
	enter(v0);
	{
		const struct kdelta w[] = {
			K(VM_ENTRIES, 1), K(INVEPT_ALL, 1), K(CYC_INV, C_INVEPT),
			K(CYC_EXIT, C_ENTRY),
		};
		expect_ctrs("all-context", v0, NULL, w, NK(w));
	}
	vmx_vm_fini(&vm);
}

/* ---- guest IPIs ---------------------------------------------------------- */

/* the sender's share of one guest IPI in a VM: a WRMSR exit and an entry */
static const struct kdelta src_ipi[] = {
	K(IPI_GUEST, 1), K(VM_EXITS, 1), K(EXIT_WRMSR, 1), K(VM_ENTRIES, 1),
	K(CYC_INV, C_IPI), K(CYC_EXIT, C_EXIT + C_ENTRY),
};

/*
 * ipi_case - vCPU0 sends vCPU1 an IPI; vCPU1 is `dst_state` (running,
 * halted or waiting), posting `posted`.  Returns with both counters
 * checked against src_ipi and `dw`.
 */
static void ipi_case(const char *what, enum vcpu_state dst_state, bool posted,
		     const struct kdelta *dw, size_t ndw)
{
	struct vm vm;
	struct vcpu *v0, *v1;
	uint64_t k0[SIM_NCOUNTERS], k1[SIM_NCOUNTERS];

	vm2(&vm);
	v0 = &vm.vm_vcpus[0];
	v1 = &vm.vm_vcpus[1];
	v1->vc_vmcs.vmcs_posted_intr = posted;
	enter(v0);
	if (dst_state != VCPU_WAITING)
		enter(v1);
	if (dst_state == VCPU_HALTED)
		vmx_halt(v1);
	memcpy(k0, v0->vc_ctr, sizeof(k0));
	memcpy(k1, v1->vc_ctr, sizeof(k1));
	vmx_send_ipi(v0, v1);
	expect_ctrs(what, v0, k0, src_ipi, NK(src_ipi));
	expect_ctrs(what, v1, k1, dw, ndw);
	assert_int_equal(v0->vc_state, VCPU_RUNNING);
	assert_int_equal(v0->vc_vmcs.vmcs_exit_reason, VMX_EXIT_WRMSR);
	assert_int_equal(v1->vc_state, dst_state);
	vmx_vm_fini(&vm);
}

static void guest_ipi_posted_causes_no_exit_on_dst(void **state)
{
	const struct kdelta w[] = { K(IPI_POSTED, 1) };

	(void)state;
	ipi_case("posted", VCPU_RUNNING, true, w, NK(w));
}

static void guest_ipi_not_posted_exits_dst(void **state)
{
	const struct kdelta w[] = {
		K(VM_EXITS, 1), K(EXIT_EXTINT, 1), K(VM_ENTRIES, 1),
		K(CYC_EXIT, C_EXIT + C_ENTRY),
	};

	(void)state;
	ipi_case("not posted", VCPU_RUNNING, false, w, NK(w));
}

static void guest_ipi_to_halted_vcpu_waits_for_its_entry(void **state)
{
	(void)state;
	ipi_case("halted, posted", VCPU_HALTED, true, NULL, 0);
	ipi_case("halted, not posted", VCPU_HALTED, false, NULL, 0);
}

static void guest_ipi_to_waiting_vcpu_waits_for_its_entry(void **state)
{
	(void)state;
	ipi_case("waiting", VCPU_WAITING, false, NULL, 0);
}

/* a self-IPI without posting finds the sender in the host: no second exit */
static void guest_self_ipi_not_posted(void **state)
{
	struct vm vm;
	struct vcpu *v0;

	(void)state;
	vm2(&vm);
	v0 = &vm.vm_vcpus[0];
	enter(v0);
	vmx_send_ipi(v0, v0);
	{
		const struct kdelta w[] = {
			K(IPI_GUEST, 1), K(VM_EXITS, 1), K(EXIT_WRMSR, 1),
			K(VM_ENTRIES, 2), K(CYC_INV, C_IPI),
			K(CYC_EXIT, C_EXIT + 2 * C_ENTRY),
		};
		expect_ctrs("self", v0, NULL, w, NK(w));
	}
	assert_int_equal(v0->vc_state, VCPU_RUNNING);
	vmx_vm_fini(&vm);
}

static void native_ipi_is_counted_and_charged_only(void **state)
{
	struct vcpu_config cfg;
	struct vcpu a, b;
	const struct kdelta w[] = { K(IPI_GUEST, 1), K(CYC_INV, C_IPI) };

	(void)state;
	config(&cfg);
	assert_int_equal(vmx_vcpu_init(&a, 0, &cfg, NULL, 0), 0);
	assert_int_equal(vmx_vcpu_init(&b, 1, &cfg, NULL, 0), 0);
	vmx_send_ipi(&a, &b);
	expect_ctrs("native src", &a, NULL, w, NK(w));
	expect_ctrs("native dst", &b, NULL, NULL, 0);
	assert_int_equal(a.vc_state, VCPU_RUNNING);
	assert_int_equal(b.vc_state, VCPU_RUNNING);
	vmx_vcpu_fini(&a);
	vmx_vcpu_fini(&b);
}

/* ---- HLT and exits ------------------------------------------------------- */

static void halt_in_a_vm_exits(void **state)
{
	struct vm vm;
	struct vcpu *v0;
	const struct kdelta w[] = {
		K(VM_ENTRIES, 2), K(VM_EXITS, 1), K(EXIT_HLT, 1),
		K(CYC_EXIT, 2 * C_ENTRY + C_EXIT),
	};

	(void)state;
	vm2(&vm);
	v0 = &vm.vm_vcpus[0];
	enter(v0);
	vmx_halt(v0);
	assert_int_equal(v0->vc_state, VCPU_HALTED);
	assert_int_equal(v0->vc_vmcs.vmcs_exit_reason, VMX_EXIT_HLT);
	enter(v0);
	assert_int_equal(v0->vc_state, VCPU_RUNNING);
	expect_ctrs("hlt", v0, NULL, w, NK(w));
	vmx_vm_fini(&vm);
}

static void halt_natively_only_halts(void **state)
{
	struct vcpu_config cfg;
	struct vcpu a;

	(void)state;
	config(&cfg);
	assert_int_equal(vmx_vcpu_init(&a, 0, &cfg, NULL, 0), 0);
	vmx_halt(&a);
	assert_int_equal(a.vc_state, VCPU_HALTED);
	expect_ctrs("native hlt", &a, NULL, NULL, 0);
	vmx_vcpu_fini(&a);
}

static void exit_records_its_information(void **state)
{
	struct vm vm;
	struct vcpu *v0;
	const struct kdelta w[] = {
		K(VM_ENTRIES, 2), K(VM_EXITS, 2), K(EXIT_EPT_VIOLATION, 1),
		K(EXIT_EPT_MISCONFIG, 1), K(CYC_EXIT, 2 * C_ENTRY + 2 * C_EXIT),
	};

	(void)state;
	vm2(&vm);
	v0 = &vm.vm_vcpus[0];
	enter(v0);
	vmx_exit(v0, VMX_EXIT_EPT_VIOLATION, 0x181, 0x8041234567, CX | 0x567);
	assert_int_equal(v0->vc_state, VCPU_EXITED);
	assert_int_equal(v0->vc_vmcs.vmcs_exit_reason, VMX_EXIT_EPT_VIOLATION);
	assert_int_equal(v0->vc_vmcs.vmcs_exit_qual, 0x181);
	assert_int_equal(v0->vc_vmcs.vmcs_guest_phys, 0x8041234567);
	assert_int_equal(v0->vc_vmcs.vmcs_guest_linear, CX | 0x567);
	/* the exit leaves the guest's context loaded: its entries keep their tags */
	assert_int_equal(v0->vc_mmu.mu_vpid, 1);
	enter(v0);
	vmx_exit(v0, VMX_EXIT_EPT_MISCONFIG, 0, 0x8040000000, 0);
	assert_int_equal(v0->vc_vmcs.vmcs_exit_qual, 0);
	assert_int_equal(v0->vc_vmcs.vmcs_guest_linear, 0);
	expect_ctrs("two exits", v0, NULL, w, NK(w));
	vmx_vm_fini(&vm);
}

/* ---- VM-entry checks (table) ------------------------------------------- */

struct entry_case {
	const char *name;
	bool ept, vpid_on, posted, no_vpid_cap, no_posted_cap;
	uint16_t vpid;
	uint64_t eptp;
	int rc;
	uint16_t mu_vpid;       /* after a successful entry */
};

static const struct entry_case entry_cases[] = {
	{ "entry_vpid5_loads_vpid_and_ept", true, true, false, false, false, 5,
	  EPTP_A, 0, 5 },
	{ "entry_vpid_off_loads_vpid0", true, false, false, false, false, 7,
	  EPTP_A, 0, 0 },
	{ "entry_ept_off_ignores_the_eptp", false, true, false, false, false, 3,
	  ~UINT64_C(0), 0, 3 },
	{ "entry_posted_supported", true, true, true, false, false, 1, EPTP_A, 0, 1 },
	{ "entry_enable_vpid_with_vpid0_fails", true, true, false, false, false, 0,
	  EPTP_A, -EINVAL, 0 },
	{ "entry_enable_vpid_unsupported_fails", true, true, false, true, false,
	  1, EPTP_A, -EINVAL, 0 },
	{ "entry_eptp_memory_type_1_fails", true, true, false, false, false, 1,
	  EA | 0x19, -EINVAL, 0 },
	{ "entry_eptp_5level_unsupported_fails", true, true, false, false, false,
	  1, EA | 0x26, -EINVAL, 0 },
	{ "entry_eptp_reserved_bit7_fails", true, true, false, false, false, 1,
	  EPTP_A | 0x80, -EINVAL, 0 },
	{ "entry_posted_unsupported_fails", true, true, true, false, true, 1,
	  EPTP_A, -EINVAL, 0 },
};

/*
 * Every case starts one EPT generation behind, so a successful entry with
 * EPT also executes INVEPT; a failing one changes nothing at all: state,
 * generation, counters and the translation context.
 */
static void run_entry_case(void **state)
{
	const struct entry_case *c = *state;
	struct vm vm;
	struct vcpu *v0;
	struct mmu before;
	const char *why = NULL;
	int rc;

	vm2(&vm);
	v0 = &vm.vm_vcpus[0];
	v0->vc_caps.vpid = !c->no_vpid_cap;
	v0->vc_caps.posted = !c->no_posted_cap;
	v0->vc_vmcs = (struct vmcs){
		.vmcs_enable_ept = c->ept,
		.vmcs_eptp = c->eptp,
		.vmcs_enable_vpid = c->vpid_on,
		.vmcs_posted_intr = c->posted,
		.vmcs_vpid = c->vpid,
	};
	v0->vc_mmu.mu_regs.cr3 = 0x1005;
	v0->vc_mmu.mu_regs.pcide = true;
	vm.vm_eptgen = 1;
	before = v0->vc_mmu;
	rc = vmx_entry(v0, &why);
	TL_EXPECT(c, "result", (uint64_t)(int64_t)rc, (uint64_t)(int64_t)c->rc);
	if (rc != 0) {
		if (!why || !*why)
			fail_msg("%s: no reason given", c->name);
		print_message("%s: %s\n", c->name, why);
		TL_EXPECT(c, "state", v0->vc_state, VCPU_WAITING);
		TL_EXPECT(c, "eptgen", v0->vc_eptgen, 0);
		TL_EXPECT(c, "context unchanged",
			  memcmp(&before, &v0->vc_mmu, sizeof(before)) == 0, 1);
		expect_ctrs(c->name, v0, NULL, NULL, 0);
	} else {
		const struct kdelta w[] = {
			K(VM_ENTRIES, 1), K(CYC_EXIT, C_ENTRY),
			K(INVEPT_SINGLE, c->ept), K(CYC_INV, c->ept ? C_INVEPT : 0),
		};

		TL_EXPECT(c, "state", v0->vc_state, VCPU_RUNNING);
		TL_EXPECT(c, "mu_vpid", v0->vc_mmu.mu_vpid, c->mu_vpid);
		TL_EXPECT(c, "ept enabled", v0->vc_mmu.mu_ept.me_enabled, c->ept);
		TL_EXPECT(c, "ept root", v0->vc_mmu.mu_ept.me_root, c->ept ? EA : 0);
		TL_EXPECT(c, "ept levels", v0->vc_mmu.mu_ept.me_levels, c->ept ? 4 : 0);
		TL_EXPECT(c, "eptgen", v0->vc_eptgen, c->ept ? 1 : 0);
		TL_EXPECT(c, "cr3 untouched", v0->vc_mmu.mu_regs.cr3, 0x1005);
		expect_ctrs(c->name, v0, NULL, w, NK(w));
	}
	vmx_vm_fini(&vm);
}

/* ---- lifetime and names -------------------------------------------------- */

static void vcpu_init_wires_the_state(void **state)
{
	struct vcpu_config cfg;
	struct vcpu a;
	struct pmem mem;

	(void)state;
	config(&cfg);
	cfg.vcc_ptc = (struct tlb_geom){ 256, 8 };
	assert_int_equal(vmx_vcpu_init(&a, 7, &cfg, &mem, 0), 0);
	assert_int_equal(a.vc_id, 7);
	assert_int_equal(a.vc_state, VCPU_RUNNING);
	assert_null(a.vc_vm);
	assert_ptr_equal(a.vc_mmu.mu_pwc, &a.vc_pwc);
	assert_ptr_equal(a.vc_mmu.mu_mem, &mem);
	assert_int_equal(a.vc_mmu.mu_caps.maxphyaddr, 40);
	assert_int_equal(a.vc_mmu.mu_vpid, 0);
	assert_false(a.vc_mmu.mu_ept.me_enabled);
	assert_true(a.vc_caps.invvpid_single_g);
	assert_int_equal(a.vc_costs.ipi, C_IPI);
	assert_true(tlb_array_on(&a.vc_ptc));
	assert_int_equal(a.vc_ptc.ta_sets, 32);
	assert_true(tlb_array_on(&a.vc_pwc.pw_ntlb));
	vmx_vcpu_fini(&a);
	assert_false(tlb_array_on(&a.vc_ptc));
}

static void vm_init_makes_waiting_vcpus_seeded_apart(void **state)
{
	struct vcpu_config cfg;
	struct vm vm;
	struct vcpu lone;
	uint64_t r0, r1;

	(void)state;
	config(&cfg);
	cfg.vcc_tlb.policy = TLB_RANDOM;
	cfg.vcc_tlb.seed = 99; /* replaced by the seed argument */
	assert_int_equal(vmx_vm_init(&vm, 3, &cfg, NULL, 10), 0);
	assert_int_equal(vm.vm_nvcpus, 3);
	assert_int_equal(vm.vm_eptgen, 0);
	for (unsigned i = 0; i < 3; i++) {
		assert_int_equal(vm.vm_vcpus[i].vc_id, i);
		assert_int_equal(vm.vm_vcpus[i].vc_state, VCPU_WAITING);
		assert_ptr_equal(vm.vm_vcpus[i].vc_vm, &vm);
		assert_int_equal(vm.vm_vcpus[i].vc_eptgen, 0);
	}
	/* vCPU 1 of seed 10 is seeded as a lone vCPU of seed 11, not as vCPU 0 */
	assert_int_equal(vmx_vcpu_init(&lone, 1, &cfg, NULL, 11), 0);
	r0 = vm.vm_vcpus[0].vc_tlb.tlb_l1[TLB_DATA].tl_arr[TLB_4K].ta_rng;
	r1 = vm.vm_vcpus[1].vc_tlb.tlb_l1[TLB_DATA].tl_arr[TLB_4K].ta_rng;
	assert_int_equal(r1, lone.vc_tlb.tlb_l1[TLB_DATA].tl_arr[TLB_4K].ta_rng);
	assert_int_not_equal(r0, r1);
	vmx_vcpu_fini(&lone);
	vmx_vm_fini(&vm);
	assert_null(vm.vm_vcpus);
	assert_int_equal(vm.vm_nvcpus, 0);
}

/* bad inputs fail with -EINVAL and leave nothing allocated (ASan checks) */
static void init_rejects_bad_input(void **state)
{
	struct vcpu_config cfg;
	struct vm vm;
	struct vcpu a;

	(void)state;
	config(&cfg);
	assert_int_equal(vmx_vm_init(&vm, 0, &cfg, NULL, 0), -EINVAL);
	assert_int_equal(vmx_vm_init(&vm, VMX_MAX_VCPUS + 1, &cfg, NULL, 0), -EINVAL);
	assert_null(vm.vm_vcpus);
	assert_int_equal(vmx_vm_init(&vm, VMX_MAX_VCPUS, &cfg, NULL, 0), 0);
	vmx_vm_fini(&vm);

	cfg.vcc_ptc = (struct tlb_geom){ 24, 8 }; /* 3 sets */
	assert_int_equal(vmx_vcpu_init(&a, 0, &cfg, NULL, 0), -EINVAL);
	assert_int_equal(vmx_vm_init(&vm, 2, &cfg, NULL, 0), -EINVAL);
	assert_null(vm.vm_vcpus);

	config(&cfg);
	cfg.vcc_pwc.epsc[3] = (struct tlb_geom){ 64, 65 };
	assert_int_equal(vmx_vcpu_init(&a, 0, &cfg, NULL, 0), -EINVAL);

	config(&cfg);
	cfg.vcc_tlb.stlb.size[TLB_4K] = (struct tlb_geom){ 0, 0 };
	assert_int_equal(vmx_vcpu_init(&a, 0, &cfg, NULL, 0), -EINVAL);
}

static void names(void **state)
{
	(void)state;
	assert_string_equal(vmx_state_name(VCPU_RUNNING), "running");
	assert_string_equal(vmx_state_name(VCPU_EXITED), "exited");
	assert_string_equal(vmx_state_name(VCPU_HALTED), "halted");
	assert_string_equal(vmx_state_name(VCPU_WAITING), "waiting");
	assert_string_equal(vmx_state_name((enum vcpu_state)9), "unknown");
	assert_string_equal(vmx_exit_name(VMX_EXIT_EXTINT), "external_interrupt");
	assert_string_equal(vmx_exit_name(VMX_EXIT_HLT), "hlt");
	assert_string_equal(vmx_exit_name(VMX_EXIT_WRMSR), "wrmsr");
	assert_string_equal(vmx_exit_name(VMX_EXIT_EPT_VIOLATION), "ept_violation");
	assert_string_equal(vmx_exit_name(VMX_EXIT_EPT_MISCONFIG), "ept_misconfig");
	assert_string_equal(vmx_exit_name((enum vmx_exit_reason)2), "unknown");
}

int main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test(invept_once_per_generation_change_observed),
		cmocka_unit_test(waiting_vcpu_gets_no_ipi),
		cmocka_unit_test(entry_without_generation_change_skips_invept),
		cmocka_unit_test(entry_without_ept_skips_invept),
		cmocka_unit_test(entry_falls_back_to_all_context_invept),
		cmocka_unit_test(guest_ipi_posted_causes_no_exit_on_dst),
		cmocka_unit_test(guest_ipi_not_posted_exits_dst),
		cmocka_unit_test(guest_ipi_to_halted_vcpu_waits_for_its_entry),
		cmocka_unit_test(guest_ipi_to_waiting_vcpu_waits_for_its_entry),
		cmocka_unit_test(guest_self_ipi_not_posted),
		cmocka_unit_test(native_ipi_is_counted_and_charged_only),
		cmocka_unit_test(halt_in_a_vm_exits),
		cmocka_unit_test(halt_natively_only_halts),
		cmocka_unit_test(exit_records_its_information),
		cmocka_unit_test(vcpu_init_wires_the_state),
		cmocka_unit_test(vm_init_makes_waiting_vcpus_seeded_apart),
		cmocka_unit_test(init_rejects_bad_input),
		cmocka_unit_test(names),
	};
	struct tl_tests ts = { 0 };

	TL_ROWS(&ts, entry_cases, run_entry_case);
	tl_tests_add(&ts, tests, sizeof(tests) / sizeof(tests[0]));
	return tl_tests_run(&ts, "vmx");
}
