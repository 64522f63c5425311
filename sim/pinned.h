/*
 * pinned.h - the host side of a VM whose memory is pinned: guest-physical
 * memory is one range of host-physical memory, reserved when the VM is
 * made, at the same addresses (GPA = HPA), and the host makes the EPT
 * entry for a page the first time the guest touches it (an EPT
 * violation), bhyve's lazy fill without reclaim.  The EPT tables live in
 * host frames above guest memory.
 *
 * This is the host until the host kernel model (vm_map, a PT_EPT pmap,
 * reclaim) runs VMs; it never removes or changes an EPT entry, so it never
 * needs an invalidation: a not-present to present change needs none
 * (SDM Vol. 3C §29.4.3.3, and the EPT violation itself already dropped
 * what the processor had cached for the address).
 */
#ifndef EPTSIM_SIM_PINNED_H
#define EPTSIM_SIM_PINNED_H

#include "kernel-model/vm_phys.h"
#include "sim/base.h"

struct pin {
	struct vm_phys *pn_phys;        /* the host's frames: EPT tables */
	uint64_t pn_root;               /* HPA of the EPT top table */
	unsigned pn_levels;             /* 4 or 5 */
	unsigned pn_maxphyaddr;
	uint64_t pn_guest_bytes;        /* guest memory is GPA [0, pn_guest_bytes) */
	unsigned pn_shift;              /* EPT page size: 12, 21 or 30 */
	uint64_t pn_tables;             /* EPT table pages, the root included */
};

/*
 * pin_init - an empty EPT of `levels` levels with its root in `phys`,
 * mapping guest memory of `guest_bytes` with pages of 2^shift bytes when
 * touched.  0 or -ENOMEM.
 */
int pin_init(struct pin *pn, struct vm_phys *phys, unsigned levels,
	     unsigned maxphyaddr, uint64_t guest_bytes, unsigned shift) MUST_CHECK;

/*
 * pin_fault - the guest touched `gpa` and the EPT had no entry: map the
 * page of pn_shift that holds it, readable, writable and executable, write
 * back, A and D clear.  *tables: EPT table pages it allocated.  Returns 0,
 * -EFAULT if gpa is not guest memory, -EEXIST if it is mapped already (the
 * violation had another cause: a host bug), -ENOMEM.
 */
int pin_fault(struct pin *pn, uint64_t gpa, unsigned *tables) MUST_CHECK;

/* pin_eptp - the EPTP of this EPT: write-back, its walk length, A/D if `ad` */
uint64_t pin_eptp(const struct pin *pn, bool ad);

#endif
