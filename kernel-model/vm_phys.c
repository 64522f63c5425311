/*
 * vm_phys.c - the physical frame allocator of one kernel instance (see
 * vm_phys.h).
 *
 * ---------------------------------------------------------------------
 * Layout
 *
 *   vp_first                         vp_bump                    vp_frames
 *      |<- handed out at least once --->|<-- never used ----------->|
 *      |  allocated blocks, free blocks |  no free list, maybe no   |
 *      |  on vp_free[order], metadata   |  metadata chunk yet       |
 *
 * Every frame in [vp_first, vp_bump) is either in an allocated block or
 * in exactly one free block.  The chunks of metadata that cover
 * [vp_first, vp_bump) exist; beyond the bump none is made, so memory that
 * was never touched costs one NULL pointer per 512 frames.
 *
 * Buddy allocation.  A block of order k is 2^k frames aligned to 2^k.
 * Its head (lowest frame) records vmp_order; in a free block the head is
 * on the LIFO list vp_free[k] (vmp_next / vmp_prev) and every other frame
 * ("tail") has vmp_order = VMP_ORDER_TAIL, so the buddy test reads one
 * frame: a free head of the same order.  An allocation of order k takes,
 * in this order:
 *   1. the head of vp_free[k];
 *   2. else the head of the smallest non-empty vp_free[j], j > k, halved
 *      down to k: the LOWER half is kept each time, the upper half goes
 *      onto vp_free of its order (Linux's expand());
 *   3. else the bump: aligned up to 2^k; the frames skipped by the
 *      alignment become free blocks (the largest aligned block that fits,
 *      lowest first, each merged as a free would be).
 * A freed block merges with its buddy (pfn ^ 2^k) while that buddy is a
 * free head of the same order inside [vp_first, vp_bump) and the order is
 * below VM_NORDERS - 1; never across vp_first, so never with frame 0.
 * Everything depends on the order of calls only: the allocation sequence
 * is reproducible.
 *
 * Allocated frames: every frame of a block has the block's kind; the head
 * has vmp_order = order, the others 0 (vm_phys_split makes every frame an
 * order-0 head).  Frame contents are not vm_phys's business: callers zero.
 * ---------------------------------------------------------------------
 */
#include "kernel-model/vm_phys.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define VMP_CHUNK_SHIFT 9u
#define VMP_CHUNK_FRAMES (1u << VMP_CHUNK_SHIFT)
#define VMP_ORDER_TAIL 0xffu    /* vmp_order of a free frame that is not a head */

#define ULL(x) ((unsigned long long)(x))

int vm_phys_init(struct vm_phys *vp, uint64_t first, uint64_t end)
{
	memset(vp, 0, sizeof(*vp));
	vp->vp_first = first ? first : 1; /* frame 0 means "none" */
	vp->vp_frames = end > vp->vp_first ? end : vp->vp_first;
	vp->vp_bump = vp->vp_first;
	vp->vp_count[VMP_FREE] = vp->vp_frames - vp->vp_first;
	vp->vp_cap = vp->vp_count[VMP_FREE];
	vp->vp_nchunks =
		(vp->vp_frames + VMP_CHUNK_FRAMES - 1) >> VMP_CHUNK_SHIFT;
	if (vp->vp_count[VMP_FREE] == 0)
		return 0;
	vp->vp_chunks = calloc(vp->vp_nchunks, sizeof(*vp->vp_chunks));
	return vp->vp_chunks ? 0 : -ENOMEM;
}

void vm_phys_fini(struct vm_phys *vp)
{
	for (uint64_t c = 0; vp->vp_chunks && c < vp->vp_nchunks; c++)
		free(vp->vp_chunks[c]);
	free(vp->vp_chunks);
	memset(vp, 0, sizeof(*vp));
}

/* vmp_meta - the metadata of a frame in [vp_first, vp_bump) */
static struct vm_page *vmp_meta(struct vm_phys *vp, uint64_t pfn)
{
	return &vp->vp_chunks[pfn >> VMP_CHUNK_SHIFT][pfn & (VMP_CHUNK_FRAMES - 1)];
}

/* ---- free lists -------------------------------------------------------- */

static void fl_push(struct vm_phys *vp, uint64_t pfn, unsigned order)
{
	struct vm_page *pg = vmp_meta(vp, pfn);
	uint64_t head = vp->vp_free[order];

	pg->vmp_kind = VMP_FREE;
	pg->vmp_order = (uint8_t)order;
	pg->vmp_prev = 0;
	pg->vmp_next = head;
	if (head)
		vmp_meta(vp, head)->vmp_prev = pfn;
	vp->vp_free[order] = pfn;
}

static void fl_unlink(struct vm_phys *vp, uint64_t pfn, unsigned order)
{
	struct vm_page *pg = vmp_meta(vp, pfn);

	if (pg->vmp_prev)
		vmp_meta(vp, pg->vmp_prev)->vmp_next = pg->vmp_next;
	else
		vp->vp_free[order] = pg->vmp_next;
	if (pg->vmp_next)
		vmp_meta(vp, pg->vmp_next)->vmp_prev = pg->vmp_prev;
	pg->vmp_prev = pg->vmp_next = 0;
}

/*
 * fl_insert - put the free block [pfn, pfn + 2^order) (frames already
 * VMP_FREE and counted so) on the lists, merging with free buddies.
 */
static void fl_insert(struct vm_phys *vp, uint64_t pfn, unsigned order)
{
	while (order < VM_NORDERS - 1) {
		uint64_t buddy = pfn ^ (UINT64_C(1) << order);
		struct vm_page *bp;

		if (buddy < vp->vp_first || buddy >= vp->vp_bump)
			break;
		bp = vmp_meta(vp, buddy);
		if (bp->vmp_kind != VMP_FREE || bp->vmp_order != order)
			break;
		fl_unlink(vp, buddy, order);
		/* the upper of the two heads becomes a tail */
		if (buddy < pfn) {
			vmp_meta(vp, pfn)->vmp_order = VMP_ORDER_TAIL;
			pfn = buddy;
		} else {
			bp->vmp_order = VMP_ORDER_TAIL;
		}
		order++;
	}
	fl_push(vp, pfn, order);
}

/* ---- allocation -------------------------------------------------------- */

/*
 * bump_carve - a never-used block of `order` from the bump pointer: the
 * metadata chunks it needs are made first (so a failure changes nothing),
 * the frames the alignment skips become free blocks.
 */
static int bump_carve(struct vm_phys *vp, unsigned order, uint64_t *pfn)
{
	uint64_t n = UINT64_C(1) << order;
	uint64_t start = (vp->vp_bump + n - 1) & ~(n - 1);
	uint64_t old = vp->vp_bump;

	if (start >= vp->vp_frames || vp->vp_frames - start < n)
		return -ENOMEM;
	for (uint64_t c = old >> VMP_CHUNK_SHIFT;
	     c <= (start + n - 1) >> VMP_CHUNK_SHIFT; c++) {
		if (vp->vp_chunks[c])
			continue;
		vp->vp_chunks[c] = calloc(VMP_CHUNK_FRAMES, sizeof(struct vm_page));
		if (!vp->vp_chunks[c])
			return -ENOMEM;
	}
	vp->vp_bump = start + n;
	/*
	 * The new block's frames are still zero (free, order 0) until the
	 * caller claims them: mark the head so no merge below takes it.
	 */
	vmp_meta(vp, start)->vmp_order = VMP_ORDER_TAIL;
	/* skipped frames [old, start): maximal aligned blocks, lowest first */
	for (uint64_t p = old; p < start;) {
		unsigned o = 0;

		while (o + 1 < order && (p & ((UINT64_C(2) << o) - 1)) == 0 &&
		       p + (UINT64_C(2) << o) <= start)
			o++;
		for (uint64_t t = 1; t < (UINT64_C(1) << o); t++)
			vmp_meta(vp, p + t)->vmp_order = VMP_ORDER_TAIL;
		fl_insert(vp, p, o);
		p += UINT64_C(1) << o;
	}
	*pfn = start;
	return 0;
}

/*
 * fl_take - a free block of `order` from the lists (the exact order, else
 * the smallest larger one halved, lower half kept); 0 if none.
 */
static uint64_t fl_take(struct vm_phys *vp, unsigned order)
{
	unsigned j = order;
	uint64_t pfn;

	while (j < VM_NORDERS && vp->vp_free[j] == 0)
		j++;
	if (j == VM_NORDERS)
		return 0;
	pfn = vp->vp_free[j];
	fl_unlink(vp, pfn, j);
	while (j > order) {
		uint64_t upper;

		j--;
		upper = pfn + (UINT64_C(1) << j);
		fl_push(vp, upper, j);
	}
	return pfn;
}

int vm_phys_alloc_order(struct vm_phys *vp, enum vm_page_kind kind,
			unsigned order, uint64_t *pfn)
{
	uint64_t n, head;
	int rc;

	ES_ASSERT(kind > VMP_FREE && kind < VMP_KINDS && order < VM_NORDERS,
		  "kind=%d order=%u", (int)kind, order);
	n = UINT64_C(1) << order;
	if (vm_phys_used(vp) + n > vp->vp_cap || vp->vp_count[VMP_FREE] < n)
		return -ENOMEM;
	head = fl_take(vp, order);
	if (head == 0) {
		rc = bump_carve(vp, order, &head);
		if (rc < 0)
			return rc;
	}
	for (uint64_t i = 0; i < n; i++) {
		struct vm_page *pg = vmp_meta(vp, head + i);

		ES_ASSERT(pg->vmp_kind == VMP_FREE, "pfn=%llu kind=%u",
			  ULL(head + i), (unsigned)pg->vmp_kind);
		memset(pg, 0, sizeof(*pg));
		pg->vmp_kind = (uint8_t)kind;
	}
	vmp_meta(vp, head)->vmp_order = (uint8_t)order;
	vp->vp_count[VMP_FREE] -= n;
	vp->vp_count[kind] += n;
	*pfn = head;
	return 0;
}

int vm_phys_alloc(struct vm_phys *vp, enum vm_page_kind kind, uint64_t *pfn)
{
	return vm_phys_alloc_order(vp, kind, 0, pfn);
}

/* ---- free -------------------------------------------------------------- */

struct vm_page *vm_phys_page(struct vm_phys *vp, uint64_t pfn)
{
	struct vm_page *pg;

	ES_ASSERT(pfn != 0 && pfn >= vp->vp_first && pfn < vp->vp_bump,
		  "pfn=%llu not an allocated frame (first=%llu bump=%llu frames=%llu)",
		  ULL(pfn), ULL(vp->vp_first), ULL(vp->vp_bump),
		  ULL(vp->vp_frames));
	pg = vmp_meta(vp, pfn);
	ES_ASSERT(pg->vmp_kind != VMP_FREE, "pfn=%llu is free", ULL(pfn));
	return pg;
}

void vm_phys_free_order(struct vm_phys *vp, uint64_t pfn, unsigned order)
{
	uint64_t n = UINT64_C(1) << (order < VM_NORDERS ? order : 0);
	struct vm_page *head = vm_phys_page(vp, pfn);

	ES_ASSERT(order < VM_NORDERS && head->vmp_order == order &&
		  (pfn & (n - 1)) == 0 && pfn + n <= vp->vp_bump,
		  "pfn=%llu order=%u: the block's head has order %u",
		  ULL(pfn), order, (unsigned)head->vmp_order);
	for (uint64_t i = 0; i < n; i++) {
		struct vm_page *pg = vm_phys_page(vp, pfn + i);

		ES_ASSERT(pg->vmp_queue == PQ_NONE && pg->vmp_object == NULL &&
			  pg->vmp_pv == NULL,
			  "pfn=%llu freed while queued (%u), owned (%d) or mapped (%d)",
			  ULL(pfn + i), (unsigned)pg->vmp_queue,
			  pg->vmp_object != NULL, pg->vmp_pv != NULL);
		ES_ASSERT(i == 0 || pg->vmp_order == 0,
			  "pfn=%llu inside block %llu has order %u",
			  ULL(pfn + i), ULL(pfn), (unsigned)pg->vmp_order);
		ES_ASSERT(vp->vp_count[pg->vmp_kind] > 0, "pfn=%llu kind=%u count 0",
			  ULL(pfn + i), (unsigned)pg->vmp_kind);
		vp->vp_count[pg->vmp_kind]--;
		memset(pg, 0, sizeof(*pg));
		pg->vmp_kind = VMP_FREE;
		pg->vmp_order = VMP_ORDER_TAIL;
	}
	vp->vp_count[VMP_FREE] += n;
	fl_insert(vp, pfn, order);
}

void vm_phys_free(struct vm_phys *vp, uint64_t pfn)
{
	vm_phys_free_order(vp, pfn, 0);
}

void vm_phys_split(struct vm_phys *vp, uint64_t pfn, unsigned order)
{
	struct vm_page *head = vm_phys_page(vp, pfn);

	ES_ASSERT(order < VM_NORDERS && head->vmp_order == order,
		  "pfn=%llu order=%u: the block's head has order %u", ULL(pfn),
		  order, (unsigned)head->vmp_order);
	head->vmp_order = 0;    /* the other frames already say 0 */
}

void vm_phys_set_kind(struct vm_phys *vp, uint64_t pfn, enum vm_page_kind kind)
{
	struct vm_page *pg = vm_phys_page(vp, pfn);

	ES_ASSERT(kind > VMP_FREE && kind < VMP_KINDS, "pfn=%llu kind=%d",
		  ULL(pfn), (int)kind);
	ES_ASSERT(vp->vp_count[pg->vmp_kind] > 0, "pfn=%llu kind=%u count 0",
		  ULL(pfn), (unsigned)pg->vmp_kind);
	vp->vp_count[pg->vmp_kind]--;
	vp->vp_count[kind]++;
	pg->vmp_kind = (uint8_t)kind;
}

void vm_phys_set_free_frames(struct vm_phys *vp, uint64_t frames)
{
	uint64_t used = vm_phys_used(vp);

	vp->vp_cap = frames > UINT64_MAX - used ? UINT64_MAX : used + frames;
}

/* ---- page queues ------------------------------------------------------- */

void vm_pq_insert(struct vm_phys *vp, uint64_t pfn, enum vm_pqueue q)
{
	struct vm_page *pg = vm_phys_page(vp, pfn);
	struct vm_pq *pq;

	ES_ASSERT(q > PQ_NONE && q < PQ_COUNT && pg->vmp_queue == PQ_NONE &&
		  pg->vmp_kind == VMP_DATA,
		  "pfn=%llu q=%d: on queue %u, kind %u", ULL(pfn), (int)q,
		  (unsigned)pg->vmp_queue, (unsigned)pg->vmp_kind);
	pq = &vp->vp_q[q];
	pg->vmp_queue = (uint8_t)q;
	pg->vmp_next = 0;
	pg->vmp_prev = pq->pq_tail;
	if (pq->pq_tail)
		vmp_meta(vp, pq->pq_tail)->vmp_next = pfn;
	else
		pq->pq_head = pfn;
	pq->pq_tail = pfn;
	pq->pq_count++;
}

void vm_pq_remove(struct vm_phys *vp, uint64_t pfn)
{
	struct vm_page *pg = vm_phys_page(vp, pfn);
	struct vm_pq *pq;

	if (pg->vmp_queue == PQ_NONE)
		return;
	ES_ASSERT(pg->vmp_queue < PQ_COUNT, "pfn=%llu queue=%u", ULL(pfn),
		  (unsigned)pg->vmp_queue);
	pq = &vp->vp_q[pg->vmp_queue];
	ES_ASSERT(pq->pq_count > 0, "pfn=%llu queue %u is empty", ULL(pfn),
		  (unsigned)pg->vmp_queue);
	if (pg->vmp_prev)
		vmp_meta(vp, pg->vmp_prev)->vmp_next = pg->vmp_next;
	else
		pq->pq_head = pg->vmp_next;
	if (pg->vmp_next)
		vmp_meta(vp, pg->vmp_next)->vmp_prev = pg->vmp_prev;
	else
		pq->pq_tail = pg->vmp_prev;
	pq->pq_count--;
	pg->vmp_prev = pg->vmp_next = 0;
	pg->vmp_queue = PQ_NONE;
}
