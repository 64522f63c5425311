/* mmufix.c - see mmufix.h */
#include "mmufix.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

void mmufix_start(struct mmufix *f, unsigned glevels, unsigned elevels,
		  unsigned maxphy)
{
	const struct ptb_layout lay = {
		.gpt_base = MF_GPT_BASE,
		.ept_base = MF_EPT_BASE,
		.back_base = MF_BACK_BASE,
	};

	if (maxphy == 0)
		maxphy = 40;
	f->glevels = glevels;
	f->elevels = elevels;
	assert_int_equal(pmem_init(&f->mem, MF_MEM_BYTES), 0);
	f->up_mem = true;
	assert_int_equal(ptb_init(&f->pb, &f->mem, maxphy, glevels, elevels,
				  &lay),
			 0);
	memset(&f->m, 0, sizeof(f->m));
	f->m.mu_mem = &f->mem;
	f->m.mu_caps = (struct mmu_caps){
		.maxphyaddr = maxphy,
		.page1g = true,
		.la57 = true,
		.ept_5level = true,
		.ept_2m = true,
		.ept_1g = true,
		.ept_ad = true,
	};
	f->m.mu_regs = (struct mmu_regs){
		.la57 = glevels == PT_LEVELS_5,
		.wp = true,
		.nxe = true,
	};
}

void mmufix_go(struct mmufix *f)
{
	const char *why = NULL;
	int rc;

	assert_int_equal(ptb_finish(&f->pb), 0);
	f->m.mu_regs.cr3 = f->pb.pb_groot;
	rc = mmu_ept_set(&f->m, f->elevels != 0, f->mbec,
			 f->elevels ? ptb_eptp(&f->pb, f->ept_ad) : 0, &why);
	if (rc != 0)
		fail_msg("mmu_ept_set: %d (%s)", rc, why ? why : "?");
	rc = mmu_regs_check(&f->m, &why);
	if (rc != 0)
		fail_msg("mmu_regs_check: %d (%s)", rc, why ? why : "?");
}

void mmufix_pwc(struct mmufix *f, unsigned which)
{
	const struct tlb_geom on = { .entries = 64, .ways = 64 };
	struct mmu_pwc_geom g;

	memset(&g, 0, sizeof(g));
	for (unsigned l = 2; l <= MMU_MAX_LEVELS; l++) {
		if (which & MF_PSC)
			g.psc[l] = on;
		if (which & MF_EPSC)
			g.epsc[l] = on;
	}
	if (which & MF_NTLB)
		g.ntlb = on;
	assert_int_equal(mmu_pwc_init(&f->pwc, &g), 0);
	f->up_pwc = true;
	f->m.mu_pwc = &f->pwc;
}

void mmufix_stop(struct mmufix *f)
{
	if (f->up_pwc)
		mmu_pwc_fini(&f->pwc);
	f->up_pwc = false;
	f->m.mu_pwc = NULL;
	if (f->up_mem)
		pmem_fini(&f->mem);
	f->up_mem = false;
}

void mf_map_guest(struct mmufix *f, uint64_t va, uint64_t gpa, unsigned shift,
		  uint64_t flags)
{
	int rc = ptb_map_guest(&f->pb, va, gpa, shift, flags);

	if (rc != 0)
		fail_msg("ptb_map_guest(%#llx -> %#llx, shift %u): %d",
			 (unsigned long long)va, (unsigned long long)gpa, shift,
			 rc);
}

void mf_map_ept(struct mmufix *f, uint64_t gpa, uint64_t hpa, unsigned shift,
		uint64_t flags)
{
	int rc = ptb_map_ept(&f->pb, gpa, hpa, shift, flags);

	if (rc != 0)
		fail_msg("ptb_map_ept(%#llx -> %#llx, shift %u): %d",
			 (unsigned long long)gpa, (unsigned long long)hpa, shift,
			 rc);
}

void mf_map_ept_data(struct mmufix *f, uint64_t gpa, unsigned shift,
		     uint64_t flags)
{
	uint64_t page = gpa & ~((UINT64_C(1) << shift) - 1);

	mf_map_ept(f, page, mf_hpa_data(page), shift, flags);
}

uint64_t mf_gentry(const struct mmufix *f, uint64_t va, unsigned level)
{
	uint64_t hpa = 0;

	if (ptb_entry(&f->pb, MMU_DIM_GUEST, va, level, &hpa) != 0)
		fail_msg("no guest entry at level %u for %#llx", level,
			 (unsigned long long)va);
	return hpa;
}

uint64_t mf_eentry(const struct mmufix *f, uint64_t gpa, unsigned level)
{
	uint64_t hpa = 0;

	if (ptb_entry(&f->pb, MMU_DIM_EPT, gpa, level, &hpa) != 0)
		fail_msg("no EPT entry at level %u for %#llx", level,
			 (unsigned long long)gpa);
	return hpa;
}

/* the GPA of a guest entry: CR3 for the top, else the frame of the entry above */
uint64_t mf_gentry_gpa(const struct mmufix *f, uint64_t va, unsigned level)
{
	uint64_t table;

	if (level == f->glevels)
		table = f->pb.pb_groot;
	else
		table = mf_rd(f, mf_gentry(f, va, level + 1)) &
			PTE_ADDR_MASK(f->pb.pb_maxphyaddr);
	return table + pt_index(va, level) * 8;
}

uint64_t mf_rd(const struct mmufix *f, uint64_t hpa)
{
	return pmem_read64(&f->mem, hpa);
}

void mf_mod(struct mmufix *f, uint64_t hpa, uint64_t set, uint64_t clear)
{
	uint64_t e = (pmem_read64(&f->mem, hpa) & ~clear) | set;

	assert_int_equal(pmem_write64(&f->mem, hpa, e), 0);
}

unsigned mf_gleaf(const struct mmufix *f, uint64_t va)
{
	for (unsigned l = f->glevels; l > 1; l--) {
		if (l <= 3 && (mf_rd(f, mf_gentry(f, va, l)) & PTE_PS))
			return l;
	}
	return 1;
}

unsigned mf_eleaf(const struct mmufix *f, uint64_t gpa)
{
	for (unsigned l = f->elevels; l > 1; l--) {
		if (l <= 3 && (mf_rd(f, mf_eentry(f, gpa, l)) & EPT_PS))
			return l;
	}
	return 1;
}

void mf_xlate(struct mmufix *f, uint64_t va, enum mmu_acc acc, bool user,
	      struct mmu_walk *w)
{
	const struct mmu_req req = { .va = va, .acc = acc, .user = user };

	memset(w, 0xa5, sizeof(*w)); /* "w is entirely written" */
	mmu_translate(&f->m, &req, w);
}

void mf_snap_take(const struct mmufix *f, struct mf_snap *s)
{
	const struct pmem *pm = &f->mem;
	unsigned cap = 0;

	memset(s, 0, sizeof(*s));
	for (uint64_t pfn = 0; pfn < pm->pm_frames; pfn += PMEM_CHUNK_FRAMES) {
		if (!pm->pm_dir[pfn >> PMEM_CHUNK_SHIFT])
			continue;
		for (unsigned i = 0; i < PMEM_CHUNK_FRAMES; i++) {
			const uint64_t *fr = pmem_frame(pm, pfn + i);

			if (!fr)
				continue;
			if (s->n == cap) {
				cap = cap ? 2 * cap : 64;
				s->pfn = realloc(s->pfn, cap * sizeof(*s->pfn));
				s->frame = realloc(s->frame,
						   cap * sizeof(*s->frame));
				assert_non_null(s->pfn);
				assert_non_null(s->frame);
			}
			s->pfn[s->n] = pfn + i;
			memcpy(s->frame[s->n], fr, PAGE_SIZE);
			s->n++;
		}
	}
}

void mf_snap_want(struct mf_snap *s, uint64_t hpa, uint64_t bits)
{
	for (unsigned i = 0; i < s->nwant; i++) {
		if (s->want[i].hpa == hpa) {
			s->want[i].bits |= bits;
			return;
		}
	}
	assert_true(s->nwant < MF_MAX_WANT);
	s->want[s->nwant++] = (struct mf_want){ hpa, bits };
}

/* want EPT A on the path of gpa, and D on its leaf if `write` */
static void want_ept_path(const struct mmufix *f, struct mf_snap *s,
			  uint64_t gpa, bool write)
{
	unsigned leaf = mf_eleaf(f, gpa);

	for (unsigned l = f->elevels; l >= leaf; l--)
		mf_snap_want(s, mf_eentry(f, gpa, l),
			     EPT_A | (l == leaf && write ? EPT_D : 0));
}

void mf_snap_want_ad(const struct mmufix *f, struct mf_snap *s, uint64_t va,
		     bool write)
{
	unsigned leaf = mf_gleaf(f, va);
	bool ept_ad = f->elevels && f->m.mu_ept.me_ad;
	uint64_t e, shift_mask, gpa;

	for (unsigned l = f->glevels; l >= leaf; l--) {
		mf_snap_want(s, mf_gentry(f, va, l),
			     PTE_A | (l == leaf && write ? PTE_D : 0));
		if (ept_ad)
			want_ept_path(f, s, mf_gentry_gpa(f, va, l), true);
	}
	if (!ept_ad)
		return;
	e = mf_rd(f, mf_gentry(f, va, leaf));
	shift_mask = (UINT64_C(1) << pt_level_shift(leaf)) - 1;
	gpa = (e & PTE_ADDR_MASK(f->pb.pb_maxphyaddr) & ~shift_mask) |
	      (va & shift_mask);
	want_ept_path(f, s, gpa, write);
}

static uint64_t snap_old(const struct mf_snap *s, uint64_t hpa)
{
	for (unsigned i = 0; i < s->n; i++) {
		if (s->pfn[i] == hpa >> PAGE_SHIFT)
			return s->frame[i][(hpa & PAGE_MASK) / 8];
	}
	return 0;
}

static uint64_t snap_bits(const struct mf_snap *s, uint64_t hpa)
{
	for (unsigned i = 0; i < s->nwant; i++) {
		if (s->want[i].hpa == hpa)
			return s->want[i].bits;
	}
	return 0;
}

void mf_snap_check(const struct mmufix *f, struct mf_snap *s,
		   const char *name)
{
	const struct pmem *pm = &f->mem;

	/* every word of memory that has storage now: old | wanted bits */
	for (uint64_t pfn = 0; pfn < pm->pm_frames; pfn += PMEM_CHUNK_FRAMES) {
		if (!pm->pm_dir[pfn >> PMEM_CHUNK_SHIFT])
			continue;
		for (unsigned i = 0; i < PMEM_CHUNK_FRAMES; i++) {
			const uint64_t *fr = pmem_frame(pm, pfn + i);

			for (unsigned k = 0; fr && k < PAGE_SIZE / 8; k++) {
				uint64_t hpa = ((pfn + i) << PAGE_SHIFT) + 8 * k;
				uint64_t old = snap_old(s, hpa);
				uint64_t want = old | snap_bits(s, hpa);

				if (fr[k] != want)
					fail_msg("%s: entry at %#llx is %#llx after the walk, was %#llx, want %#llx",
						 name, (unsigned long long)hpa,
						 (unsigned long long)fr[k],
						 (unsigned long long)old,
						 (unsigned long long)want);
			}
		}
	}
	/* and no word went back to zero storage */
	for (unsigned i = 0; i < s->n; i++)
		if (!pmem_frame(pm, s->pfn[i]))
			fail_msg("%s: frame %#llx lost its storage", name,
				 (unsigned long long)s->pfn[i]);
}

void mf_snap_free(struct mf_snap *s)
{
	free(s->pfn);
	free(s->frame);
	memset(s, 0, sizeof(*s));
}
