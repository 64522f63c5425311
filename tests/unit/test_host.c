/*
 * test_host.c - the host kernel under the simulator, step by step: the
 * akaros and dragonfly invariants checked after every access and event of
 * workloads/pressure.json, and a guest page-table page and data page that
 * go to swap (the host's, then the guest's) and come back unchanged.
 *
 * Layout (pressure.json): 64 MiB of host memory, 16 MiB of guest memory,
 * the process's 16 pages at GVA 0x10000000; the guest's frames lie in the
 * first 2 MiB of guest-physical memory.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kernel-model/vm_pageout.h"
#include "sim/cfg_load.h"
#include "sim/mmu/pte.h"
#include "sim/sim.h"

#define VA 0x10000000ull

static struct sim *start(const char *const *sets, size_t n)
{
	static const char *const dirs[] = { NULL };
	struct eptsim_error err;
	struct cfg *c = calloc(1, sizeof(*c));
	struct sim *s = calloc(1, sizeof(*s));

	assert_non_null(c);
	assert_non_null(s);
	if (cfg_load(c, "workloads/pressure.json", sets, n, dirs, &err) != 0 ||
	    sim_init(s, c, &err) != 0)
		fail_msg("%s", err.msg);
	return s;
}

static void stop(struct sim *s)
{
	const struct cfg *c = s->s_cfg;

	sim_fini(s);
	free(s);
	free((void *)c);
}

struct watch {
	unsigned steps, bad;
	uint64_t first_bad;
	uint64_t mapped;        /* guest pages mapped at the last step */
};

/* akaros: the EPT half of every pair maps what the x86 half maps */
static void akaros_step(void *ctx, struct sim *s)
{
	struct watch *w = ctx;
	uint64_t bad = 0;

	w->steps++;
	if (!host_mirror_check(&s->s_host, &bad) && w->bad++ == 0)
		w->first_bad = bad;
}

/* mapped - guest pages `pm` maps, each with *pfn its frame (0: none) */
static uint64_t lookup(struct pmap *pm, uint64_t gpa)
{
	uint64_t pa, pte;
	unsigned level;

	return pmap_extract(pm, gpa, &pa, &pte, &level) == 0 ? pa : UINT64_MAX;
}

/* dragonfly: the EPT maps exactly what the vkernel's native pmap maps */
static void dragonfly_step(void *ctx, struct sim *s)
{
	struct watch *w = ctx;
	struct host *h = &s->s_host;

	w->steps++;
	w->mapped = 0;
	for (uint64_t gpa = 0; gpa < h->h_cfg.hc_guest_bytes; gpa += PAGE_SIZE) {
		uint64_t n = lookup(&h->h_proc.vs_pmap, gpa), e = lookup(&h->h_ept.vs_pmap, gpa);

		w->mapped += n != UINT64_MAX;
		if (n != e && w->bad++ == 0)
			w->first_bad = gpa;
	}
}

static void run_watched(struct sim *s, void (*fn)(void *, struct sim *), struct watch *w)
{
	struct eptsim_error err;

	s->s_step = fn;
	s->s_step_ctx = w;
	if (sim_run(s, &err) != 0)
		fail_msg("%s", err.msg);
	assert_int_equal(s->s_stop.st_status, EPTSIM_COMPLETED);
	/* 49 accesses and 5 events */
	assert_int_equal(w->steps, 49 + 5);
}

static void akaros_ept_mirrors_the_process_table_after_every_step(void **state)
{
	const char *sets[] = { "machine.preset=skylake-sp", "vm.policy=akaros" };
	struct sim *s = start(sets, 2);
	struct watch w = { 0 };
	uint64_t mapped = 0;

	(void)state;
	run_watched(s, akaros_step, &w);
	if (w.bad)
		fail_msg("%u steps differ, first at gpa %#llx", w.bad,
			 (unsigned long long)w.first_bad);
	for (uint64_t gpa = 0; gpa < s->s_cfg->vm.memory; gpa += PAGE_SIZE)
		mapped += lookup(host_ept_pmap(&s->s_host), gpa) != UINT64_MAX;
	/* 16 data pages, the PML4, PDPT, PD and PT: the check was not vacuous */
	assert_int_equal(mapped, 20);
	stop(s);
}

static void dragonfly_ept_holds_every_native_mapping_after_every_step(void **state)
{
	const char *sets[] = { "machine.preset=skylake-sp", "vm.policy=dragonfly" };
	struct sim *s = start(sets, 2);
	struct watch w = { 0 };

	(void)state;
	run_watched(s, dragonfly_step, &w);
	if (w.bad)
		fail_msg("%u differences, first at gpa %#llx", w.bad,
			 (unsigned long long)w.first_bad);
	assert_int_equal(w.mapped, 20);
	stop(s);
}

/* access - one access by vCPU 0, as sim_run makes it */
static void access(struct sim *s, uint64_t va, enum mmu_acc acc)
{
	struct vcpu *vc = &s->s_vm.vm_vcpus[0];

	s->s_tag = mmu_tag(&vc->vc_mmu);
	s->s_cur = vc;
	s->s_host.h_cur = vc;
	assert_int_equal(sim_access(s, vc, va, acc), 0);
}

/* leaf_table - the guest-physical address of the PT that maps `va` */
static uint64_t leaf_table(struct sim *s, uint64_t va)
{
	const uint64_t mask = PTE_ADDR_MASK(s->s_vs.vs_pmap.pm_maxphyaddr);
	uint64_t table = s->s_vs.vs_pmap.pm_root, e = 0;

	for (unsigned level = s->s_vs.vs_pmap.pm_levels; level > 1; level--) {
		assert_int_equal(vm_kern_read64(&s->s_gk, table + pt_index(va, level) * 8, &e), 0);
		assert_true(e & PTE_P);
		table = e & mask;
	}
	return table;
}

/* evict - make kernel `k` free everything it can: the daemon with an unreachable target */
static void evict(struct vm_kern *k)
{
	uint64_t target = k->vk_free_target;

	vm_phys_set_free_frames(&k->vk_phys, 0);
	k->vk_free_target = k->vk_phys.vp_frames;
	assert_int_equal(vm_pageout(k, NULL), 0);
	k->vk_free_target = target;
	vm_phys_set_free_frames(&k->vk_phys, k->vk_phys.vp_frames);
}

/* resident - whether guest-physical page `gpa` is in a host frame */
static bool resident(struct sim *s, uint64_t gpa)
{
	uint64_t pfn;

	return vm_object_lookup(&s->s_host.h_mem->or_obj, gpa >> PAGE_SHIFT, &pfn) == 0;
}

/*
 * The host swaps out every guest page, among them the PT that maps VA and
 * VA's data page; the next access faults them back (EPT violations) and
 * the guest's walk finds the same entries and the same data.  Then the
 * guest swaps the data page out to its own swap and back: a #PF, a
 * (possibly different) frame, the same data.
 */
static void swapped_page_table_and_data_pages_come_back_unchanged(void **state)
{
	const char *sets[] = { "machine.preset=skylake-sp", "swap=16MiB", "vm.swap=16MiB" };
	struct sim *s = start(sets, 3);
	uint64_t gpa, pte, pa2, pte2, pt, word = 0;
	uint64_t before[512], after[512];
	unsigned level;
	uint64_t faults;

	(void)state;
	access(s, VA, MMU_WRITE);
	assert_int_equal(pmap_extract(&s->s_vs.vs_pmap, VA, &gpa, &pte, &level), 0);
	assert_int_equal(vm_kern_write64(&s->s_gk, gpa + 8, 0xfeedfacecafef00dull), 0);
	pt = leaf_table(s, VA);
	for (unsigned i = 0; i < 512; i++)
		assert_int_equal(vm_kern_read64(&s->s_gk, pt + i * 8, &before[i]), 0);

	evict(&s->s_host.h_k);
	assert_false(resident(s, pt));
	assert_false(resident(s, gpa));
	assert_true(s->s_host.h_k.vk_st.swap_outs >= 2);

	faults = s->s_vm.vm_vcpus[0].vc_ctr[CTR_EXIT_EPT_VIOLATION];
	access(s, VA + 8, MMU_READ);
	assert_true(s->s_vm.vm_vcpus[0].vc_ctr[CTR_EXIT_EPT_VIOLATION] > faults);
	assert_true(resident(s, pt));
	assert_true(resident(s, gpa));
	assert_int_equal(pmap_extract(&s->s_vs.vs_pmap, VA, &pa2, &pte2, &level), 0);
	assert_int_equal(pa2, gpa);
	assert_int_equal(pte2, pte);
	for (unsigned i = 0; i < 512; i++)
		assert_int_equal(vm_kern_read64(&s->s_gk, pt + i * 8, &after[i]), 0);
	assert_memory_equal(before, after, sizeof(before));
	assert_int_equal(vm_kern_read64(&s->s_gk, gpa + 8, &word), 0);
	assert_int_equal(word, 0xfeedfacecafef00dull);

	/* the guest's own swap: the data page goes out, a #PF brings it back */
	evict(&s->s_gk);
	assert_true(s->s_gk.vk_st.swap_outs >= 1);
	assert_int_equal(pmap_extract(&s->s_vs.vs_pmap, VA, &pa2, &pte2, &level), -ENOENT);
	faults = s->s_vm.vm_vcpus[0].vc_ctr[CTR_PAGE_FAULTS];
	access(s, VA + 8, MMU_READ);
	assert_int_equal(s->s_vm.vm_vcpus[0].vc_ctr[CTR_PAGE_FAULTS], faults + 1);
	assert_true(s->s_gk.vk_st.swap_ins >= 1);
	assert_int_equal(pmap_extract(&s->s_vs.vs_pmap, VA, &pa2, &pte2, &level), 0);
	assert_int_equal(vm_kern_read64(&s->s_gk, pa2 + 8, &word), 0);
	assert_int_equal(word, 0xfeedfacecafef00dull);
	stop(s);
}

/*
 * bhyve without EPT A/D: a page the process wrote (guest D set) goes to
 * the host's swap and comes back by a read, so the host maps it without
 * W.  The next write finds a TLB entry whose guest rights allow it, but
 * the entry caches the EPT's rights too (a combined mapping): it must
 * not be used, and the write takes a dirty-emulation exit.
 */
static void a_write_after_a_read_swap_in_is_a_dirty_emulation(void **state)
{
	const char *sets[] = { "swap=16MiB" };
	struct sim *s = start(sets, 1);
	struct vm_kstats *h = &s->s_host.h_k.vk_st;
	uint64_t dirty;

	(void)state;
	access(s, VA, MMU_WRITE);
	evict(&s->s_host.h_k);
	access(s, VA + 8, MMU_READ);
	dirty = h->ad_dirty;
	access(s, VA + 16, MMU_WRITE);
	assert_int_equal(h->ad_dirty, dirty + 1);
	access(s, VA + 24, MMU_WRITE);
	assert_int_equal(h->ad_dirty, dirty + 1);
	stop(s);
}

/*
 * With EPT A/D the host learns of the guest kernel's own writes as the
 * processor's D flag would tell it: a page swapped in clean (its swap
 * copy kept) and then written by the guest kernel must be written to
 * swap again when it is reclaimed, not dropped.
 */
static void a_guest_kernel_write_is_not_lost_to_a_clean_swap_copy(void **state)
{
	const char *sets[] = { "machine.preset=skylake-sp", "swap=16MiB" };
	struct sim *s = start(sets, 2);
	uint64_t gpa, pte, word = 0;
	unsigned level;

	(void)state;
	access(s, VA, MMU_WRITE);
	assert_int_equal(pmap_extract(&s->s_vs.vs_pmap, VA, &gpa, &pte, &level), 0);
	evict(&s->s_host.h_k);
	access(s, VA + 8, MMU_READ);    /* back in, clean, its swap copy kept */
	assert_int_equal(vm_kern_write64(&s->s_gk, gpa + 16, 0x5eed5eedull), 0);
	evict(&s->s_host.h_k);
	assert_false(resident(s, gpa));
	assert_int_equal(vm_kern_read64(&s->s_gk, gpa + 16, &word), 0);
	assert_int_equal(word, 0x5eed5eedull);
	stop(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(akaros_ept_mirrors_the_process_table_after_every_step),
		cmocka_unit_test(dragonfly_ept_holds_every_native_mapping_after_every_step),
		cmocka_unit_test(swapped_page_table_and_data_pages_come_back_unchanged),
		cmocka_unit_test(a_write_after_a_read_swap_in_is_a_dirty_emulation),
		cmocka_unit_test(a_guest_kernel_write_is_not_lost_to_a_clean_swap_copy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
