/*
 * vm_kern.c - one kernel instance and its access to its own physical
 * memory (see vm_kern.h).
 */
#include "kernel-model/vm_kern.h"

#include <errno.h>
#include <string.h>

#define VK_WORDS (PAGE_SIZE / sizeof(uint64_t))

const char *const vm_kstats_names[] = {
#define VM_KSTATS_NAME(name, doc, a, b, c) #name,
	VM_KSTATS(VM_KSTATS_NAME, _, _, _)
#undef VM_KSTATS_NAME
};

const char *const vm_kstats_docs[] = {
#define VM_KSTATS_DOC(name, doc, a, b, c) doc,
	VM_KSTATS(VM_KSTATS_DOC, _, _, _)
#undef VM_KSTATS_DOC
};

/*
 * The daemon's watermarks: wake below 1/256 of memory free (at least 8
 * frames), free until twice that, FreeBSD's v_free_min / v_free_target
 * in spirit (its ratios depend on the memory size; these are fixed so a
 * test can predict a run).
 */
int vm_kern_init(struct vm_kern *k, const char *name, struct pmem *mem,
		 uint64_t first, uint64_t end, uint64_t swap_bytes)
{
	uint64_t frames = end > first ? end - first : 0;
	int rc;

	memset(k, 0, sizeof(*k));
	k->vk_name = name;
	k->vk_mem = mem;
	rc = vm_phys_init(&k->vk_phys, first, end);
	if (rc < 0)
		return rc;
	rc = vm_swap_init(&k->vk_swap, swap_bytes);
	if (rc < 0) {
		vm_phys_fini(&k->vk_phys);
		return rc;
	}
	k->vk_free_min = frames / 256 > 8 ? frames / 256 : 8;
	k->vk_free_target = 2 * k->vk_free_min;
	return 0;
}

void vm_kern_fini(struct vm_kern *k)
{
	vm_swap_fini(&k->vk_swap);
	vm_phys_fini(&k->vk_phys);
	memset(k, 0, sizeof(*k));
}

/* vk_hpa - the host-physical address of this kernel's physical address `pa` */
static int vk_hpa(struct vm_kern *k, uint64_t pa, bool write, uint64_t *hpa)
{
	if (!k->vk_gpa) {
		*hpa = pa;
		return 0;
	}
	return k->vk_gpa(k->vk_gpa_ctx, pa, write, hpa);
}

int vm_kern_read64(struct vm_kern *k, uint64_t pa, uint64_t *v)
{
	uint64_t hpa;
	int rc = vk_hpa(k, pa, false, &hpa);

	if (rc < 0)
		return rc;
	*v = pmem_read64(k->vk_mem, hpa);
	return 0;
}

int vm_kern_write64(struct vm_kern *k, uint64_t pa, uint64_t v)
{
	uint64_t hpa;
	int rc = vk_hpa(k, pa, true, &hpa);

	return rc < 0 ? rc : pmem_write64(k->vk_mem, hpa, v);
}

int vm_kern_page_zero(struct vm_kern *k, uint64_t pfn)
{
	uint64_t hpa;
	int rc = vk_hpa(k, pfn << PAGE_SHIFT, true, &hpa);

	if (rc < 0)
		return rc;
	pmem_zero_frame(k->vk_mem, hpa >> PAGE_SHIFT);
	return 0;
}

int vm_kern_page_read(struct vm_kern *k, uint64_t pfn, uint64_t *buf, bool *zero)
{
	const uint64_t *f;
	uint64_t hpa;
	int rc = vk_hpa(k, pfn << PAGE_SHIFT, false, &hpa);

	if (rc < 0)
		return rc;
	f = pmem_frame(k->vk_mem, hpa >> PAGE_SHIFT);
	*zero = true;
	if (!f) {
		memset(buf, 0, PAGE_SIZE);
		return 0;
	}
	memcpy(buf, f, PAGE_SIZE);
	for (unsigned i = 0; i < VK_WORDS && *zero; i++)
		*zero = buf[i] == 0;
	return 0;
}

int vm_kern_page_write(struct vm_kern *k, uint64_t pfn, const uint64_t *buf)
{
	uint64_t hpa, base;
	int rc = vk_hpa(k, pfn << PAGE_SHIFT, true, &hpa);

	if (rc < 0)
		return rc;
	base = hpa & ~PAGE_MASK;
	pmem_zero_frame(k->vk_mem, base >> PAGE_SHIFT);
	for (unsigned i = 0; buf && i < VK_WORDS; i++) {
		if (buf[i] == 0)
			continue;
		rc = pmem_write64(k->vk_mem, base + i * sizeof(uint64_t), buf[i]);
		if (rc < 0)
			return rc;
	}
	return 0;
}
