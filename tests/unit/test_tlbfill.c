/*
 * test_tlbfill.c - what a TLB entry made from a two-dimensional walk
 * covers: the smaller of the guest and the EPT page sizes (SDM Vol. 3C
 * §29.4.2), so a 2 MiB guest page over 4 KiB EPT pages is cached as
 * 4 KiB entries, one per 4 KiB page used, while over a 2 MiB EPT page one
 * 2 MiB entry serves the whole guest page.  Each row walks an address
 * with mmu_translate, fills a TLB from the walk as the pipeline does
 * (te_shift = page_shift, te_pfn the first frame of that page), and asks
 * the TLB for a second address of the same guest page.
 *
 * Layout (tests/lib/mmufix.h), fresh for every row: MAXPHYADDR 40,
 * 4-level guest and EPT, no walk caches.
 *
 *   VA  0x00007f127456789a       in a guest page of 2 MiB or 1 GiB
 *   the guest page's GPA         MF_GPA_DATA (0x8040000000) + 0x1200000
 *                                (2 MiB), + 0 (1 GiB)
 *   its EPT pages                one page of the guest page's size at
 *                                mf_hpa_data(GPA); or, when smaller,
 *                                pages in reverse order: the i-th of n
 *                                at mf_hpa_data(page GPA) + (n-1-i) x size
 *
 * The reverse order makes the host pages of one guest page discontiguous,
 * so an entry larger than the EPT page would translate its neighbours
 * wrongly: the test shows that too.
 *
 * The TLB is Skylake-like and holds every size: L1 data 4K 64/4, 2M 32/4,
 * 1G 4/4; L1 instruction 4K 128/8, 2M 8/8; STLB 4K and 2M shared 1536/12,
 * 1G 16/4.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sim/tlb/tlb.h"
#include "tests/lib/mmufix.h"
#include "tests/lib/tltab.h"
#include "tests/lib/vcfix.h"

#define VA UINT64_C(0x00007f127456789a)

/* a Skylake-like hierarchy (tests/lib/vcfix.c) */
#define CFG vcfix_skylake_tlb

struct fill_case {
	const char *name;
	unsigned gshift, eshift;        /* guest and EPT page sizes */
	unsigned want_shift;            /* the TLB entry's size */
	uint64_t flip;                  /* the second address: VA ^ flip */
	bool other_hits;                /* the entry for VA serves it */
};

static const struct fill_case cases[] = {
	{ "2 MiB guest page over 4 KiB EPT pages: a 4 KiB entry, "
	  "another 4 KiB of the guest page misses",
	  21, 12, 12, UINT64_C(0x100000), false },
	{ "2 MiB guest page over 4 KiB EPT pages: the same 4 KiB page hits",
	  21, 12, 12, UINT64_C(0x800), true },
	{ "2 MiB guest page over a 2 MiB EPT page: one 2 MiB entry serves both",
	  21, 21, 21, UINT64_C(0x100000), true },
	{ "1 GiB guest page over 2 MiB EPT pages: a 2 MiB entry serves its 2 MiB",
	  30, 21, 21, UINT64_C(0x100000), true },
	{ "1 GiB guest page over 2 MiB EPT pages: another 2 MiB of it misses",
	  30, 21, 21, UINT64_C(0x10000000), false },
	{ "1 GiB guest page over a 1 GiB EPT page: one 1 GiB entry serves both",
	  30, 30, 30, UINT64_C(0x10000000), true },
};

static uint64_t size_of(unsigned shift)
{
	return UINT64_C(1) << shift;
}

static uint64_t gpage_of(unsigned gshift)
{
	return MF_GPA_DATA + (gshift == 21 ? UINT64_C(0x1200000) : 0);
}

/* setup - the guest page holding VA, and EPT pages for all of it */
static void setup(struct mmufix *f, const struct fill_case *c)
{
	const uint64_t gpa = gpage_of(c->gshift);
	const uint64_t n = size_of(c->gshift - c->eshift);

	mmufix_start(f, 4, 4, 0);
	mf_map_guest(f, VA & ~(size_of(c->gshift) - 1), gpa, c->gshift, MF_G_ALL);
	for (uint64_t i = 0; i < n; i++)
		mf_map_ept(f, gpa + i * size_of(c->eshift),
			   mf_hpa_data(gpa) + (n - 1 - i) * size_of(c->eshift),
			   c->eshift, MF_E_ALL);
	mmufix_go(f);
}

/* entry_of - the TLB entry a successful walk of `f` makes */
static struct tlb_entry entry_of(const struct mmufix *f,
				 const struct mmu_walk *w)
{
	const struct tlb_tag tag = mmu_tag(&f->m);
	struct tlb_entry e = {
		.te_pfn = (w->pa >> PAGE_SHIFT) &
			  ~(size_of(w->page_shift - PAGE_SHIFT) - 1),
		.te_shift = (uint8_t)w->page_shift,
		.te_perm = (uint8_t)w->perm,
		.te_dirty = w->dirty,
		.te_global = w->global,
	};

	tlb_entry_tag(&e, &tag);
	return e;
}

/* pa_of - the host address `e` gives for va */
static uint64_t pa_of(const struct tlb_entry *e, uint64_t va)
{
	return (e->te_pfn << PAGE_SHIFT) + (va & (size_of(e->te_shift) - 1));
}

/* sizes_cached - whether every valid entry of `lv` is of size `shift`; their count */
static unsigned sizes_cached(const struct fill_case *c,
			     const struct tlb_level *lv, unsigned shift)
{
	unsigned n = 0;

	for (unsigned p = 0; p < TLB_NPSIZE; p++) {
		const struct tlb_array *ta = &lv->tl_arr[p];

		for (size_t i = 0; i < (size_t)ta->ta_sets * ta->ta_ways; i++) {
			if (ta->ta_ent[i].te_stamp == 0)
				continue;
			TL_EXPECT(c, "te_shift of a cached entry",
				  ta->ta_ent[i].te_shift, shift);
			n++;
		}
	}
	return n;
}

static void walk_ok(const struct fill_case *c, struct mmufix *f, uint64_t va,
		    struct mmu_walk *w)
{
	mf_xlate(f, va, MMU_READ, false, w);
	TL_EXPECT(c, "stop", w->stop, MMU_OK);
	TL_EXPECT(c, "guest_shift", w->guest_shift, c->gshift);
	TL_EXPECT(c, "ept_shift", w->ept_shift, c->eshift);
	TL_EXPECT(c, "page_shift", w->page_shift, c->want_shift);
}

static void run_case(void **state)
{
	const struct fill_case *c = *state;
	const uint64_t other = VA ^ c->flip;
	struct mmufix f = { 0 };
	struct tlb_entry e, *out;
	struct mmu_walk w, w2;
	struct tlb_tag tag;
	unsigned shift;
	struct tlb t;

	setup(&f, c);
	tag = mmu_tag(&f.m);
	assert_int_equal(tlb_init(&t, &CFG), 0);

	walk_ok(c, &f, VA, &w);
	e = entry_of(&f, &w);
	out = tlb_fill(&t, TLB_DATA, VA, &e);
	TL_EXPECT(c, "filled te_shift", out->te_shift, c->want_shift);
	TL_EXPECT(c, "STLB entries", sizes_cached(c, &t.tlb_stlb, c->want_shift), 1);
	TL_EXPECT(c, "L1 entries",
		  sizes_cached(c, &t.tlb_l1[TLB_DATA], c->want_shift), 1);
	TL_EXPECT(c, "lookup VA", tlb_lookup(&t, TLB_DATA, VA, &tag, &out, &shift),
		  TLB_HIT_L1);
	TL_EXPECT(c, "hit_shift", shift, c->want_shift);
	TL_EXPECT(c, "pa from the TLB", pa_of(out, VA), w.pa);

	walk_ok(c, &f, other, &w2);
	if (c->other_hits) {
		TL_EXPECT(c, "lookup other",
			  tlb_lookup(&t, TLB_DATA, other, &tag, &out, &shift),
			  TLB_HIT_L1);
		TL_EXPECT(c, "pa of other from the TLB", pa_of(out, other), w2.pa);
	} else {
		const uint64_t gmask = size_of(c->gshift) - 1;

		TL_EXPECT(c, "lookup other",
			  tlb_lookup(&t, TLB_DATA, other, &tag, &out, &shift),
			  TLB_MISS);
		/* an entry of the guest page's size would have been wrong */
		TL_EXPECT(c, "other's pa differs from a guest-page-sized entry's",
			  w2.pa != (w.pa & ~gmask) + (other & gmask), 1);
		/* its own walk makes a second entry; both then hit */
		e = entry_of(&f, &w2);
		tlb_fill(&t, TLB_DATA, other, &e);
		TL_EXPECT(c, "STLB entries after the second fill",
			  sizes_cached(c, &t.tlb_stlb, c->want_shift), 2);
		TL_EXPECT(c, "lookup other after its fill",
			  tlb_lookup(&t, TLB_DATA, other, &tag, &out, &shift),
			  TLB_HIT_L1);
		TL_EXPECT(c, "pa of other from the TLB", pa_of(out, other), w2.pa);
		TL_EXPECT(c, "lookup VA again",
			  tlb_lookup(&t, TLB_DATA, VA, &tag, &out, &shift),
			  TLB_HIT_L1);
		TL_EXPECT(c, "pa from the TLB again", pa_of(out, VA), w.pa);
	}
	tlb_fini(&t);
	mmufix_stop(&f);
}

/*
 * With the nested TLB on, a second walk of VA takes its final GPA from
 * the nested TLB; the translation must keep the EPT page size, so the TLB
 * entry is as large as without the cache.
 */
static void nested_tlb_keeps_the_ept_page_size(void **state)
{
	const struct fill_case *c = *state;
	struct mmufix f = { 0 };
	struct mmu_walk w;

	setup(&f, c);
	mmufix_pwc(&f, MF_NTLB);
	walk_ok(c, &f, VA, &w);
	TL_EXPECT(c, "first walk: nested TLB hits", w.ntlb_hits, 0);
	walk_ok(c, &f, VA, &w);
	TL_EXPECT(c, "second walk: the final GPA from the nested TLB",
		  w.ntlb_hits > 0, 1);
	mmufix_stop(&f);
}

int main(void)
{
	struct tl_tests ts = { 0 };

	TL_ROWS(&ts, cases, run_case);
	TL_ROWS(&ts, cases, nested_tlb_keeps_the_ept_page_size);
	return tl_tests_run(&ts, "tlbfill");
}
