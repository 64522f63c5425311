/*
 * vm_object.c - anonymous memory objects, superpage reservations and the
 * frame allocation path of a kernel (see vm_object.h).
 *
 * Storage.  vo_dir[pindex >> 9] is a chunk of 512 slots, made when a page
 * of its group is first touched and freed when its last slot empties; the
 * chunk also holds the group's reservation, if it has one.
 *
 * Reservations (FreeBSD's vm_reserv, simplified).  A group gets one when
 * superpages are on, the whole 512-aligned group lies in [0, vo_size) and
 * no page of the group is resident in a frame of its own (a group whose
 * reservation was broken keeps its ordinary frames: a new reservation could
 * not hold them at their place).  Page p of the group lives in frame
 * rv_pfn + (p & 511).  The kernel's partial list (vk_rv_head .. tail) holds
 * the reservations with 0 < popcnt < 512 in the order they were made, a
 * full reservation that loses a page entering again at the tail: the head
 * is the one broken first.
 *
 * Page ownership.  A resident page is a VMP_DATA frame with vmp_object /
 * vmp_pindex set, on a page queue.  VMP_A_MODIFIED means "differs from its
 * swap copy, or has none": set on zero fill, clear after a swap-in (whose
 * slot stays in vmp_swslot, so a clean page goes out again without a
 * write).
 *
 * The page daemon is never run from vm_page_alloc_frame: that path serves
 * the pmap, which is in the middle of changing page tables; the daemon
 * runs from vm_object_grab (before taking a data frame) and when called.
 */
#include "kernel-model/vm_object.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kernel-model/pmap.h"
#include "kernel-model/vm_pageout.h"

#define OC_SHIFT VM_SP_ORDER
#define OC_MASK (VM_SP_PAGES - 1u)
#define ULL(x) ((unsigned long long)(x))

int vm_object_init(struct vm_object *o, struct vm_kern *k, uint64_t size)
{
	memset(o, 0, sizeof(*o));
	o->vo_kern = k;
	o->vo_size = size;
	o->vo_ndir = (size + OC_MASK) >> OC_SHIFT;
	if (o->vo_ndir == 0)
		return 0;
	o->vo_dir = calloc(o->vo_ndir, sizeof(*o->vo_dir));
	return o->vo_dir ? 0 : -ENOMEM;
}

/* oc_get - the chunk of `pindex`, made if `make`; NULL if absent (or no memory) */
static struct vm_object_chunk *oc_get(struct vm_object *o, uint64_t pindex,
				      bool make)
{
	struct vm_object_chunk **c = &o->vo_dir[pindex >> OC_SHIFT];

	if (!*c && make)
		*c = calloc(1, sizeof(**c));
	return *c;
}

/* oc_put - free the chunk of `pindex` if nothing is left in it */
static void oc_put(struct vm_object *o, uint64_t pindex)
{
	struct vm_object_chunk **c = &o->vo_dir[pindex >> OC_SHIFT];

	if (*c && (*c)->oc_used == 0) {
		ES_ASSERT((*c)->oc_rv == NULL, "pindex=%llu: empty chunk with a reservation",
			  ULL(pindex));
		free(*c);
		*c = NULL;
	}
}

int vm_object_lookup(const struct vm_object *o, uint64_t pindex, uint64_t *pfn)
{
	const struct vm_object_chunk *c;
	uint64_t s;

	if (pindex >= o->vo_size)
		return -ENOENT;
	c = o->vo_dir[pindex >> OC_SHIFT];
	s = c ? c->oc_slot[pindex & OC_MASK] : 0;
	if (s == 0 || (s & VMO_SWAPPED))
		return -ENOENT;
	*pfn = s >> 1;
	return 0;
}

bool vm_object_reserv_full(const struct vm_object *o, uint64_t pindex)
{
	const struct vm_object_chunk *c;

	if (pindex >= o->vo_size)
		return false;
	c = o->vo_dir[pindex >> OC_SHIFT];
	return c && c->oc_rv && c->oc_rv->rv_popcnt == VM_SP_PAGES;
}

/* ---- reservations ------------------------------------------------------ */

static void rv_list_tail(struct vm_kern *k, struct vm_reserv *rv)
{
	ES_ASSERT(!rv->rv_listed, "reservation at pfn %llu listed twice",
		  ULL(rv->rv_pfn));
	rv->rv_next = NULL;
	rv->rv_prev = k->vk_rv_tail;
	if (k->vk_rv_tail)
		k->vk_rv_tail->rv_next = rv;
	else
		k->vk_rv_head = rv;
	k->vk_rv_tail = rv;
	rv->rv_listed = true;
}

static void rv_unlist(struct vm_kern *k, struct vm_reserv *rv)
{
	if (!rv->rv_listed)
		return;
	if (rv->rv_prev)
		rv->rv_prev->rv_next = rv->rv_next;
	else
		k->vk_rv_head = rv->rv_next;
	if (rv->rv_next)
		rv->rv_next->rv_prev = rv->rv_prev;
	else
		k->vk_rv_tail = rv->rv_prev;
	rv->rv_prev = rv->rv_next = NULL;
	rv->rv_listed = false;
}

static bool rv_populated(const struct vm_reserv *rv, unsigned i)
{
	return (rv->rv_popmap[i / 64] >> (i % 64)) & 1u;
}

/* rv_populate - frame i of the reservation becomes the group's page i */
static uint64_t rv_populate(struct vm_kern *k, struct vm_reserv *rv, unsigned i)
{
	uint64_t pfn = rv->rv_pfn + i;

	ES_ASSERT(!rv_populated(rv, i), "reservation %llu: frame %u populated twice",
		  ULL(rv->rv_pfn), i);
	vm_phys_set_kind(&k->vk_phys, pfn, VMP_DATA);
	rv->rv_popmap[i / 64] |= UINT64_C(1) << (i % 64);
	if (++rv->rv_popcnt == VM_SP_PAGES)
		rv_unlist(k, rv);
	return pfn;
}

/*
 * rv_depopulate - frame i goes back to VMP_RESERVED; an empty reservation
 * frees its block and is gone (the chunk forgets it).
 */
static void rv_depopulate(struct vm_kern *k, struct vm_object_chunk *c,
			  unsigned i)
{
	struct vm_reserv *rv = c->oc_rv;

	ES_ASSERT(rv_populated(rv, i) && rv->rv_popcnt > 0,
		  "reservation %llu: frame %u not populated (popcnt %u)",
		  ULL(rv->rv_pfn), i, rv->rv_popcnt);
	vm_phys_set_kind(&k->vk_phys, rv->rv_pfn + i, VMP_RESERVED);
	rv->rv_popmap[i / 64] &= ~(UINT64_C(1) << (i % 64));
	rv->rv_popcnt--;
	if (rv->rv_popcnt == 0) {
		rv_unlist(k, rv);
		vm_phys_free_order(&k->vk_phys, rv->rv_pfn, VM_SP_ORDER);
		c->oc_rv = NULL;
		free(rv);
	} else if (!rv->rv_listed) {
		rv_list_tail(k, rv);
	}
}

/*
 * rv_break - the group's reservation ends: its unpopulated frames are
 * freed, its populated ones become ordinary order-0 frames of the group.
 */
static void rv_break(struct vm_kern *k, struct vm_object_chunk *c)
{
	struct vm_reserv *rv = c->oc_rv;

	rv_unlist(k, rv);
	vm_phys_split(&k->vk_phys, rv->rv_pfn, VM_SP_ORDER);
	for (unsigned i = 0; i < VM_SP_PAGES; i++)
		if (!rv_populated(rv, i))
			vm_phys_free(&k->vk_phys, rv->rv_pfn + i);
	c->oc_rv = NULL;
	free(rv);
	k->vk_st.reserv_breaks++;
}

bool vm_reserv_break_one(struct vm_kern *k)
{
	struct vm_reserv *rv = k->vk_rv_head;
	struct vm_object_chunk *c;

	if (!rv)
		return false;
	c = rv->rv_object->vo_dir[rv->rv_pindex >> OC_SHIFT];
	ES_ASSERT(c && c->oc_rv == rv, "reservation %llu lost by its object",
		  ULL(rv->rv_pfn));
	rv_break(k, c);
	return true;
}

/* oc_has_resident - whether a page of the chunk's group is in a frame */
static bool oc_has_resident(const struct vm_object_chunk *c)
{
	for (unsigned i = 0; c->oc_used && i < VM_SP_PAGES; i++)
		if (c->oc_slot[i] && !(c->oc_slot[i] & VMO_SWAPPED))
			return true;
	return false;
}

/* rv_make - a new reservation for the group of `pindex`; -ENOMEM if no order-9 block */
static int rv_make(struct vm_object *o, struct vm_object_chunk *c,
		   uint64_t pindex)
{
	struct vm_kern *k = o->vo_kern;
	struct vm_reserv *rv = calloc(1, sizeof(*rv));
	uint64_t pfn;
	int rc;

	if (!rv)
		return -ENOMEM;
	rc = vm_phys_alloc_order(&k->vk_phys, VMP_RESERVED, VM_SP_ORDER, &pfn);
	if (rc < 0) {
		free(rv);
		return rc;
	}
	rv->rv_object = o;
	rv->rv_pindex = pindex & ~(uint64_t)OC_MASK;
	rv->rv_pfn = pfn;
	c->oc_rv = rv;
	rv_list_tail(k, rv);
	k->vk_st.reservations++;
	return 0;
}

/* ---- frames ------------------------------------------------------------ */

/* phys_alloc_breaking - vm_phys_alloc_order, breaking reservations while it fails */
static int phys_alloc_breaking(struct vm_kern *k, enum vm_page_kind kind,
			       unsigned order, uint64_t *pfn)
{
	int rc;

	while ((rc = vm_phys_alloc_order(&k->vk_phys, kind, order, pfn)) == -ENOMEM)
		if (!vm_reserv_break_one(k))
			break;
	return rc;
}

int vm_page_alloc_frame(struct vm_kern *k, enum vm_page_kind kind,
			unsigned order, uint64_t *pfn)
{
	uint64_t head;
	int rc = phys_alloc_breaking(k, kind, order, &head);

	if (rc < 0)
		return rc;
	for (uint64_t i = 0; i < (UINT64_C(1) << order); i++) {
		rc = vm_kern_page_zero(k, head + i);
		if (rc < 0) {
			vm_phys_free_order(&k->vk_phys, head, order);
			return rc;
		}
	}
	*pfn = head;
	return 0;
}

/*
 * obj_frame - a frame for page `pindex` (not resident), contents
 * undefined: from the group's reservation, from a new reservation, or an
 * ordinary frame (breaking other reservations if need be).
 */
static int obj_frame(struct vm_object *o, struct vm_object_chunk *c,
		     uint64_t pindex, uint64_t *pfn)
{
	struct vm_kern *k = o->vo_kern;
	uint64_t group = pindex & ~(uint64_t)OC_MASK;

	if (!c->oc_rv && k->vk_superpages && group + VM_SP_PAGES <= o->vo_size &&
	    !oc_has_resident(c))
		(void)rv_make(o, c, pindex); /* no block: an ordinary frame */
	if (c->oc_rv) {
		*pfn = rv_populate(k, c->oc_rv, (unsigned)(pindex & OC_MASK));
		return 0;
	}
	return phys_alloc_breaking(k, VMP_DATA, 0, pfn);
}

/* frame_release - a frame the object no longer uses: freed, or back to its reservation */
static void frame_release(struct vm_kern *k, struct vm_object_chunk *c,
			  uint64_t pindex, uint64_t pfn)
{
	if (c->oc_rv) {
		ES_ASSERT(pfn == c->oc_rv->rv_pfn + (pindex & OC_MASK),
			  "pindex=%llu pfn=%llu outside its reservation %llu",
			  ULL(pindex), ULL(pfn), ULL(c->oc_rv->rv_pfn));
		rv_depopulate(k, c, (unsigned)(pindex & OC_MASK));
	} else {
		vm_phys_free(&k->vk_phys, pfn);
	}
}

/* page_disown - resident page `pfn` leaves its object: off the queue, metadata cleared */
static void page_disown(struct vm_kern *k, uint64_t pfn)
{
	struct vm_page *pg = vm_phys_page(&k->vk_phys, pfn);

	vm_pq_remove(&k->vk_phys, pfn);
	pg->vmp_object = NULL;
	pg->vmp_pindex = 0;
	pg->vmp_aflags = 0;
	pg->vmp_swslot = 0;
}

/* ---- grab -------------------------------------------------------------- */

int vm_object_grab(struct vm_object *o, uint64_t pindex, uint64_t *pfn,
		   enum vm_grab *how)
{
	struct vm_kern *k = o->vo_kern;
	struct vm_object_chunk *c;
	struct vm_page *pg;
	uint64_t s, frame;
	int rc;

	ES_ASSERT(pindex < o->vo_size, "pindex=%llu size=%llu", ULL(pindex),
		  ULL(o->vo_size));
	if (vm_object_lookup(o, pindex, pfn) == 0) {
		*how = VMO_GRAB_RESIDENT;
		return 0;
	}
	if (vm_pageout_needed(k)) {
		rc = vm_pageout(k, NULL);
		if (rc < 0)
			return rc;
	}
	c = oc_get(o, pindex, true);
	if (!c)
		return -ENOMEM;
	rc = obj_frame(o, c, pindex, &frame);
	if (rc == -ENOMEM) {
		rc = vm_pageout(k, NULL);
		if (rc == 0)
			rc = obj_frame(o, c, pindex, &frame);
	}
	if (rc < 0) {
		oc_put(o, pindex);
		return rc;
	}
	s = c->oc_slot[pindex & OC_MASK];
	pg = vm_phys_page(&k->vk_phys, frame);
	if (s & VMO_SWAPPED) {
		uint64_t buf[PAGE_SIZE / sizeof(uint64_t)];
		bool zero = vm_swap_read(&k->vk_swap, s >> 1, buf);

		rc = vm_kern_page_write(k, frame, zero ? NULL : buf);
		if (rc < 0)
			goto fail;
		pg->vmp_swslot = s >> 1;
		pg->vmp_aflags = 0;
		k->vk_st.swap_ins++;
		o->vo_swapped--;
		*how = VMO_GRAB_SWAPIN;
	} else {
		rc = vm_kern_page_zero(k, frame);
		if (rc < 0)
			goto fail;
		pg->vmp_aflags = VMP_A_MODIFIED;
		k->vk_st.zero_fills++;
		c->oc_used++;
		*how = VMO_GRAB_ZERO;
	}
	pg->vmp_object = o;
	pg->vmp_pindex = pindex;
	vm_pq_insert(&k->vk_phys, frame, PQ_ACTIVE);
	c->oc_slot[pindex & OC_MASK] = frame << 1;
	o->vo_resident++;
	*pfn = frame;
	return 0;
fail:
	frame_release(k, c, pindex, frame);
	oc_put(o, pindex);
	return rc;
}

/* ---- pageout ----------------------------------------------------------- */

/*
 * A dirty page's old swap copy is stale: its slot is released before the
 * new write, so a dirty page that had a copy always finds a slot.
 */
int vm_object_pageout(struct vm_kern *k, uint64_t pfn)
{
	struct vm_page *pg = vm_phys_page(&k->vk_phys, pfn);
	struct vm_object *o = pg->vmp_object;
	struct vm_object_chunk *c;
	uint64_t pindex = pg->vmp_pindex, slot = pg->vmp_swslot;
	int rc;

	ES_ASSERT(o && pg->vmp_kind == VMP_DATA && pg->vmp_pv == NULL,
		  "pfn=%llu: object %d kind %u mapped %d", ULL(pfn), o != NULL,
		  (unsigned)pg->vmp_kind, pg->vmp_pv != NULL);
	c = o->vo_dir[pindex >> OC_SHIFT];
	ES_ASSERT(c && c->oc_slot[pindex & OC_MASK] == pfn << 1,
		  "pfn=%llu pindex=%llu: slot %llu", ULL(pfn), ULL(pindex),
		  ULL(c ? c->oc_slot[pindex & OC_MASK] : 0));
	if ((pg->vmp_aflags & VMP_A_MODIFIED) || slot == 0) {
		uint64_t buf[PAGE_SIZE / sizeof(uint64_t)];
		bool zero;

		rc = vm_kern_page_read(k, pfn, buf, &zero);
		if (rc < 0)
			return rc;
		if (slot) {
			vm_swap_release(&k->vk_swap, slot);
			pg->vmp_swslot = 0;
		}
		rc = vm_swap_write(&k->vk_swap, zero ? NULL : buf, &slot);
		if (rc < 0)
			return rc;
		k->vk_st.swap_outs++;
	}
	page_disown(k, pfn);
	c->oc_slot[pindex & OC_MASK] = (slot << 1) | VMO_SWAPPED;
	frame_release(k, c, pindex, pfn);
	o->vo_resident--;
	o->vo_swapped++;
	return 0;
}

/* ---- removal ----------------------------------------------------------- */

/*
 * obj_remove - empty the slots [start, end).  With `force` (fini) a page
 * that cannot be unmapped is abandoned (disowned, its frame leaked) and
 * the walk goes on; without, the first error stops it.
 */
static int obj_remove(struct vm_object *o, uint64_t start, uint64_t end,
		      bool force)
{
	struct vm_kern *k = o->vo_kern;
	int err = 0;

	if (end > o->vo_size)
		end = o->vo_size;
	for (uint64_t p = start; p < end;) {
		struct vm_object_chunk *c = o->vo_dir[p >> OC_SHIFT];
		uint64_t cend = (p | OC_MASK) + 1;

		if (cend > end)
			cend = end;
		for (; c && p < cend; p++) {
			uint64_t *s = &c->oc_slot[p & OC_MASK];
			int rc;

			if (*s == 0)
				continue;
			if (*s & VMO_SWAPPED) {
				vm_swap_release(&k->vk_swap, *s >> 1);
				o->vo_swapped--;
			} else {
				uint64_t pfn = *s >> 1;
				uint64_t swslot = vm_phys_page(&k->vk_phys, pfn)->vmp_swslot;

				rc = pmap_remove_all(k, pfn);
				if (rc < 0) {
					if (!force) {
						oc_put(o, p);
						return rc;
					}
					/*
					 * Shortcut: the page stays mapped, so its
					 * frame is leaked (out of its reservation,
					 * which ends here).
					 */
					err = rc;
					if (c->oc_rv)
						rv_break(k, c);
					page_disown(k, pfn);
				} else {
					page_disown(k, pfn);
					frame_release(k, c, p, pfn);
				}
				if (swslot)
					vm_swap_release(&k->vk_swap, swslot);
				o->vo_resident--;
			}
			*s = 0;
			c->oc_used--;
		}
		oc_put(o, cend - 1);
		p = cend;
	}
	return err;
}

int vm_object_page_remove(struct vm_object *o, uint64_t start, uint64_t end)
{
	return obj_remove(o, start, end, false);
}

void vm_object_fini(struct vm_object *o)
{
	if (o->vo_dir)
		(void)obj_remove(o, 0, o->vo_size, true);
	for (uint64_t i = 0; o->vo_dir && i < o->vo_ndir; i++) {
		ES_ASSERT(o->vo_dir[i] == NULL, "chunk %llu left (%u slots)",
			  ULL(i), o->vo_dir[i]->oc_used);
	}
	free(o->vo_dir);
	memset(o, 0, sizeof(*o));
}
