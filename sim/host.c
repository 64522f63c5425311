/*
 * host.c - the host side of a VM (see host.h).
 */
#include "sim/host.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kernel-model/vm_pageout.h"
#include "sim/mmu/ept.h"
#include "sim/mmu/pte.h"

#define HOST_PROT_ALL (VM_PROT_READ | VM_PROT_WRITE | VM_PROT_EXEC)

/* the EPT's invalidation hook: bhyve's pmap_invalidate_ept() ends here */
static void host_inval_ept(void *ctx, struct pmap *pm)
{
	struct host *h = ctx;

	(void)pm;
	if (h->h_vm)
		(void)vmx_ept_invalidate(h->h_vm);
}

/* the pmap flags of the EPT (or, for akaros, of the paired process pmap) */
static unsigned host_ept_flags(const struct host_config *c)
{
	unsigned f = c->hc_superpages && c->hc_ept_2m ? PMAP_SUPERPAGES : 0;

	switch (c->hc_policy) {
	case HOST_BHYVE:
		/* PG_U is EPT execute: guest memory is always executable (seed 001) */
		f |= PMAP_EXEC_ALWAYS;
		if (!c->hc_hw_ad)
			f |= PMAP_EMULATE_AD;
		if (c->hc_exec_only)
			f |= PMAP_EXEC_ONLY;
		return f;
	case HOST_NVMM:
		return f | (c->hc_hw_ad ? 0 : PMAP_ASSUME_AD);
	case HOST_DRAGONFLY:
		return f | PMAP_DFLY_BITS;
	case HOST_AKAROS:
		return f | PMAP_PAIRED;
	case HOST_NPOLICIES:
		break;
	}
	ES_ASSERT(false, "policy=%d", (int)c->hc_policy);
	return 0;
}

/* host_map_guest - a vmspace of `type` mapping all guest memory at GPA 0 */
static int host_map_guest(struct host *h, struct vmspace *vs, enum pmap_type type,
			  unsigned levels, unsigned flags)
{
	const struct host_config *c = &h->h_cfg;
	int rc = vmspace_init(vs, &h->h_k, type, c->hc_maxphyaddr, levels, flags);

	if (rc < 0)
		return rc;
	rc = vm_map_insert(&vs->vs_map, 0, c->hc_guest_bytes, HOST_PROT_ALL,
			   h->h_mem, 0);
	if (rc < 0) {
		vmspace_fini(vs);
		return rc;
	}
	return 0;
}

int host_init(struct host *h, const struct host_config *c, struct pmem *mem,
	      struct vm *vm)
{
	const unsigned flags = host_ept_flags(c);
	int rc;

	memset(h, 0, sizeof(*h));
	h->h_cfg = *c;
	h->h_vm = vm;
	rc = vm_kern_init(&h->h_k, "host", mem, c->hc_first_frame, c->hc_end_frame,
			  c->hc_swap_bytes);
	if (rc < 0)
		return rc;
	h->h_up_k = true;
	h->h_k.vk_superpages = c->hc_superpages;
	rc = vm_objref_new(&h->h_k, c->hc_guest_bytes >> PAGE_SHIFT, &h->h_mem);
	if (rc < 0)
		goto fail;
	switch (c->hc_policy) {
	case HOST_BHYVE:
	case HOST_NVMM:
		rc = host_map_guest(h, &h->h_ept, PT_EPT, c->hc_levels, flags);
		h->h_up_ept = rc == 0;
		break;
	case HOST_DRAGONFLY:
		/* the vkernel's own (native) view, then the EPT on the same object */
		rc = host_map_guest(h, &h->h_proc, PT_X86, 4,
				    c->hc_superpages ? PMAP_SUPERPAGES : 0);
		h->h_up_proc = rc == 0;
		if (rc == 0) {
			rc = host_map_guest(h, &h->h_ept, PT_EPT, c->hc_levels, flags);
			h->h_up_ept = rc == 0;
		}
		break;
	case HOST_AKAROS:
		rc = host_map_guest(h, &h->h_proc, PT_X86, c->hc_levels, flags);
		h->h_up_proc = rc == 0;
		break;
	case HOST_NPOLICIES:
		rc = -EINVAL;
		break;
	}
	if (rc < 0)
		goto fail;
	host_ept_pmap(h)->pm_inval = (struct pmap_inval){
		.pi_ctx = h,
		.pi_ept = host_inval_ept,
	};
	return 0;
fail:
	host_fini(h);
	return rc;
}

void host_fini(struct host *h)
{
	/* the processor is gone: nothing to invalidate on the way out */
	h->h_vm = NULL;
	if (h->h_up_ept)
		vmspace_fini(&h->h_ept);
	if (h->h_up_proc)
		vmspace_fini(&h->h_proc);
	if (h->h_mem)
		vm_objref_rele(h->h_mem);
	if (h->h_up_k)
		vm_kern_fini(&h->h_k);
	memset(h, 0, sizeof(*h));
}

struct pmap *host_ept_pmap(struct host *h)
{
	return h->h_cfg.hc_policy == HOST_AKAROS ? &h->h_proc.vs_pmap
						 : &h->h_ept.vs_pmap;
}

uint64_t host_eptp(const struct host *h)
{
	const struct pmap *pm = h->h_cfg.hc_policy == HOST_AKAROS
					? &h->h_proc.vs_pmap
					: &h->h_ept.vs_pmap;

	return pmap_eptp_root(pm) |
	       ((uint64_t)(h->h_cfg.hc_levels - 1) << EPTP_PWL_SHIFT) | EPT_MT_WB |
	       (h->h_cfg.hc_hw_ad ? EPTP_AD : 0);
}

/* the access an EPT violation's qualification reports (an A/D update of a guest table is a write) */
static uint32_t host_ftype(uint64_t qual)
{
	if (qual & EPT_EQ_WRITE)
		return VM_PROT_WRITE;
	if (qual & EPT_EQ_FETCH)
		return VM_PROT_EXEC;
	return VM_PROT_READ;
}

/*
 * host_fault_page - the host's page fault on guest page `gpa`: vm_fault
 * on the vmspace whose pmap the policy fills, then (dragonfly) the same
 * page into the EPT, promoting there too when its reservation is full.
 */
static int host_fault_page(struct host *h, uint64_t gpa, uint32_t type)
{
	const enum host_policy p = h->h_cfg.hc_policy;
	struct vmspace *vs = p == HOST_DRAGONFLY || p == HOST_AKAROS ? &h->h_proc
								     : &h->h_ept;
	enum vm_fault_result res;
	uint64_t pfn;
	int rc;

	rc = vm_fault(vs, gpa, type, &res);
	if (rc < 0 || p != HOST_DRAGONFLY)
		return rc;
	/* DragonFly: the EPT side is filled at each fault (seed 002) */
	rc = vm_object_lookup(&h->h_mem->or_obj, gpa >> PAGE_SHIFT, &pfn);
	ES_ASSERT(rc == 0, "gpa=%#llx: not resident right after its fault",
		  (unsigned long long)gpa);
	rc = pmap_enter(&h->h_ept.vs_pmap, gpa & ~PAGE_MASK, pfn, HOST_PROT_ALL,
			type, 0);
	if (rc < 0)
		return rc;
	if ((h->h_ept.vs_pmap.pm_flags & PMAP_SUPERPAGES) &&
	    vm_object_reserv_full(&h->h_mem->or_obj, gpa >> PAGE_SHIFT)) {
		rc = pmap_promote_pde(&h->h_ept.vs_pmap, gpa);
		if (rc == -EAGAIN)
			rc = 0;
	}
	return rc;
}

/* host_handle - what the host does for a violation at `gpa` (no exit or entry here) */
static int host_handle(struct host *h, uint64_t gpa, uint32_t type)
{
	const struct host_config *c = &h->h_cfg;
	uint32_t what;
	int rc;

	if (gpa >= c->hc_guest_bytes)
		return -EFAULT;
	h->h_violations++;
	/* bhyve: the cheap fix first, A/D emulation, then the general fault path */
	if (h->h_ept.vs_pmap.pm_flags & PMAP_EMULATE_AD) {
		rc = pmap_emulate_accessed_dirty(&h->h_ept.vs_pmap, gpa & ~PAGE_MASK,
						 type, &what);
		if (rc != -EFAULT)
			return rc;
	}
	if (!c->hc_fault_2m)
		return host_fault_page(h, gpa, type);
	/* vm.ept_page 2m: the whole 2 MiB, the faulting page first */
	rc = host_fault_page(h, gpa, type);
	for (uint64_t p = gpa & ~((UINT64_C(1) << 21) - 1), i = 0;
	     rc == 0 && i < VM_SP_PAGES; i++, p += PAGE_SIZE) {
		uint64_t pa, pte;
		unsigned level;

		if ((p >> PAGE_SHIFT) == (gpa >> PAGE_SHIFT))
			continue;
		rc = pmap_extract(host_ept_pmap(h), p, &pa, &pte, &level);
		if (rc == -ENOENT)
			rc = host_fault_page(h, p, VM_PROT_READ);
	}
	return rc;
}

int host_ept_violation(struct host *h, struct vcpu *vc, uint64_t gpa,
		       uint64_t qual, uint64_t gla)
{
	const char *why = NULL;
	int rc, rc2;

	vmx_exit(vc, VMX_EXIT_EPT_VIOLATION, qual, gpa, gla);
	rc = host_handle(h, gpa, host_ftype(qual));
	rc2 = vmx_entry(vc, &why);
	ES_ASSERT(rc2 == 0, "vcpu %u: VM entry failed: %s", vc->vc_id, why);
	return rc;
}

/* host_allows - whether the EPT leaf `pte` lets the processor make the access now */
static bool host_allows(const struct host *h, uint64_t pte, bool write)
{
	if (h->h_cfg.hc_policy == HOST_AKAROS) /* the x86 half: its EPT twin has the same rights */
		return (pte & PTE_P) && (!write || (pte & PTE_RW));
	return (pte & EPT_R) && (!write || (pte & EPT_W));
}

int host_gpa(void *ctx, uint64_t gpa, bool write, uint64_t *hpa)
{
	struct host *h = ctx;
	const uint64_t qual = write ? EPT_EQ_READ | EPT_EQ_WRITE : EPT_EQ_READ;

	for (unsigned attempt = 0;; attempt++) {
		uint64_t pa, pte;
		unsigned level;
		int rc = pmap_extract(host_ept_pmap(h), gpa, &pa, &pte, &level);

		if (rc == 0 && host_allows(h, pte, write)) {
			struct vm_page *pg = vm_phys_page(&h->h_k.vk_phys, pa >> PAGE_SHIFT);

			/* what the EPT A/D flags would record (SDM Vol. 3C §29.3.5) */
			pg->vmp_aflags |= VMP_A_REFERENCED | (write ? VMP_A_MODIFIED : 0);
			*hpa = pa;
			return 0;
		}
		if (rc < 0 && rc != -ENOENT)
			return rc;
		ES_ASSERT(attempt < 4, "gpa=%#llx write=%d: no progress", (unsigned long long)gpa,
			  (int)write);
		if (h->h_cur && h->h_cur->vc_state == VCPU_RUNNING)
			rc = host_ept_violation(h, h->h_cur, gpa & ~PAGE_MASK, qual, 0);
		else
			rc = host_handle(h, gpa & ~PAGE_MASK, write ? VM_PROT_WRITE : VM_PROT_READ);
		if (rc < 0)
			return rc == -EFAULT ? -ENOMEM : rc;
	}
}

int host_pressure(struct host *h, uint64_t free_bytes)
{
	vm_phys_set_free_frames(&h->h_k.vk_phys, free_bytes >> PAGE_SHIFT);
	if (!vm_pageout_needed(&h->h_k))
		return 0;
	return vm_pageout(&h->h_k, NULL);
}

/*
 * ept_leaf - walk the EPT at `root` (levels) for `gpa` as the processor
 * would, reading host memory: 0 and the leaf's frame address and level,
 * or -ENOENT.
 */
static int ept_leaf(const struct host *h, uint64_t root, uint64_t gpa,
		    uint64_t *pa, uint64_t *e_out, unsigned *level_out)
{
	const uint64_t mask = PTE_ADDR_MASK(h->h_cfg.hc_maxphyaddr);
	uint64_t table = root;

	for (unsigned level = h->h_cfg.hc_levels; level >= 1; level--) {
		uint64_t e = pmem_read64(h->h_k.vk_mem,
					 table + pt_index(gpa, level) * sizeof(uint64_t));

		if (!(e & EPT_RWX))
			return -ENOENT;
		if (level == 1 || (e & EPT_PS)) {
			*pa = e & mask;
			*e_out = e;
			*level_out = level;
			return 0;
		}
		table = e & mask;
	}
	return -ENOENT;
}

bool host_mirror_check(struct host *h, uint64_t *bad)
{
	struct pmap *pm = &h->h_proc.vs_pmap;
	const uint64_t root = pmap_eptp_root(pm);

	if (h->h_cfg.hc_policy != HOST_AKAROS)
		return true;
	for (uint64_t gpa = 0; gpa < h->h_cfg.hc_guest_bytes; gpa += PAGE_SIZE) {
		uint64_t xpa = 0, xpte = 0, epa = 0, epte = 0;
		unsigned xl = 0, el = 0;
		int xr = pmap_extract(pm, gpa, &xpa, &xpte, &xl);
		int er = ept_leaf(h, root, gpa, &epa, &epte, &el);
		uint64_t off;

		if (xr == -ENOENT && er == -ENOENT)
			continue;
		off = xl == 2 ? gpa & ((UINT64_C(1) << 21) - 1) : 0;
		if (xr != 0 || er != 0 || xl != el || xpa != epa + off ||
		    ((xpte & PTE_RW) != 0) != ((epte & EPT_W) != 0)) {
			*bad = gpa;
			return false;
		}
	}
	return true;
}
