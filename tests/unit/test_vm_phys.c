/*
 * test_vm_phys.c - the buddy frame allocator: exact placement of splits,
 * merges and bump carving, the cap, sparse metadata, kinds, the page
 * queues, and the invariants it asserts.
 *
 * Most cases run a script (one row per case) on a fresh allocator that
 * manages frames [1, frames) and check, after every step, the whole
 * structure (vp_check: each free list, each frame's kind, the counts).
 * The layout the scripts start from:
 *
 *   pfn:  0      1      2      3      4     ...          frames-1
 *       +------+------+------+------+------+-----+------+--------+
 *       | none | bump ->                                          |
 *       +------+------+------+------+------+-----+------+--------+
 *   frame 0 is never managed; every frame starts never used.
 *
 * Buddies of order k are pfn and pfn ^ 2^k; a block of order k is 2^k
 * aligned.  Allocation: free list of the order, else the smallest larger
 * free block halved (lower half kept), else the bump aligned up (skipped
 * frames become free blocks).
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "kernel-model/vm_phys.h"

#define NONE UINT64_MAX

static int fx_setup(void **state)
{
	struct vm_phys *vp = calloc(1, sizeof(*vp));

	*state = vp;
	return vp ? 0 : -1;
}

static int fx_teardown(void **state)
{
	struct vm_phys *vp = *state;

	vm_phys_fini(vp);
	free(vp);
	return 0;
}

static struct vm_phys *fx_start(void **state, uint64_t frames)
{
	struct vm_phys *vp = *state;

	assert_int_equal(vm_phys_init(vp, 1, frames), 0);
	return vp;
}

/* meta - a frame's metadata straight from the chunks (free frames too) */
static struct vm_page *meta(struct vm_phys *vp, uint64_t pfn)
{
	assert_non_null(vp->vp_chunks[pfn >> 9]);
	return &vp->vp_chunks[pfn >> 9][pfn & 511];
}

/*
 * vp_check - the whole structure: every free list's heads are free,
 * aligned, of the list's order, doubly linked; every frame of
 * [first, bump) is in exactly one free block or allocated; the counts per
 * kind equal what the frames say; no two free buddies of one order below
 * the top order (merging is complete).
 */
static void vp_check(struct vm_phys *vp)
{
	uint64_t span = vp->vp_bump - vp->vp_first;
	uint8_t *seen = calloc(span ? span : 1, 1);
	uint64_t kinds[VMP_KINDS] = { 0 };

	assert_non_null(seen);
	for (unsigned o = 0; o < VM_NORDERS; o++) {
		uint64_t prev = 0, n = UINT64_C(1) << o;

		for (uint64_t p = vp->vp_free[o]; p; p = meta(vp, p)->vmp_next) {
			struct vm_page *pg = meta(vp, p);

			assert_true(p >= vp->vp_first && p + n <= vp->vp_bump);
			assert_int_equal(p & (n - 1), 0);
			assert_int_equal(pg->vmp_kind, VMP_FREE);
			assert_int_equal(pg->vmp_order, o);
			assert_int_equal(pg->vmp_prev, prev);
			for (uint64_t i = 0; i < n; i++) {
				assert_int_equal(seen[p + i - vp->vp_first], 0);
				seen[p + i - vp->vp_first] = 1;
				assert_int_equal(meta(vp, p + i)->vmp_kind, VMP_FREE);
			}
			if (o < VM_NORDERS - 1) {
				uint64_t b = p ^ n;

				if (b >= vp->vp_first && b < vp->vp_bump)
					assert_false(meta(vp, b)->vmp_kind == VMP_FREE &&
						     meta(vp, b)->vmp_order == o);
			}
			kinds[VMP_FREE] += n;
			prev = p;
		}
	}
	for (uint64_t p = vp->vp_first; p < vp->vp_bump; p++) {
		struct vm_page *pg = meta(vp, p);

		if (seen[p - vp->vp_first])
			continue;
		assert_int_not_equal(pg->vmp_kind, VMP_FREE);
		kinds[pg->vmp_kind]++;
	}
	kinds[VMP_FREE] += vp->vp_frames - vp->vp_bump;
	for (unsigned k = 0; k < VMP_KINDS; k++)
		assert_int_equal(kinds[k], vp->vp_count[k]);
	free(seen);
}

/* ---- scripted cases --------------------------------------------------- */

enum op_code {
	OP_END,
	OP_ALLOC,       /* a: order, b: expected pfn (NONE: -ENOMEM) */
	OP_FREE,        /* a: order, b: pfn */
	OP_HEAD,        /* a: order, b: expected head of vp_free[a] (0: empty) */
	OP_NBLK,        /* a: order, b: blocks on vp_free[a] */
	OP_CAP,         /* b: vm_phys_set_free_frames(b) */
	OP_FREECNT,     /* b: expected vm_phys_free_count */
	OP_BUMP,        /* b: expected vp_bump */
};

struct op {
	enum op_code code;
	unsigned a;
	uint64_t b;
};

#define A(order, pfn) { OP_ALLOC, order, pfn }
#define F(order, pfn) { OP_FREE, order, pfn }
#define HEAD(order, pfn) { OP_HEAD, order, pfn }
#define NBLK(order, n) { OP_NBLK, order, n }
#define CAP(n) { OP_CAP, 0, n }
#define FREECNT(n) { OP_FREECNT, 0, n }
#define BUMP(n) { OP_BUMP, 0, n }
#define END { OP_END, 0, 0 }

struct script {
	const char *name;
	uint64_t frames;
	uint64_t first;         /* first frame managed; 0: 1 */
	struct op ops[40];
};

static const struct script scripts[] = {
	/* 1 2 3 from the bump, frame 0 never: 4 frames manage [1, 4) */
	{ "order0_lowest_first_then_enomem", 4, 0,
	  { A(0, 1), A(0, 2), A(0, 3), A(0, NONE), BUMP(4), FREECNT(0), END } },
	/*
	 * order 1 at an odd bump: frame 1 is skipped onto vp_free[0]
	 *   | 0 | 1 free | 2 3 alloc | 4 bump
	 */
	{ "order1_aligns_bump_and_frees_the_gap", 16, 0,
	  { A(1, 2), HEAD(0, 1), BUMP(4), A(0, 1), HEAD(0, 0), A(0, 4),
	    FREECNT(11), END } },
	/*
	 * order 2 at bump 1: 1 (order 0) and 2-3 (order 1) skipped; then
	 * order 0 takes 1 (exact list), then splits 2-3 keeping 2, then 3.
	 *   | 0 | 1 | 2 3 | 4 5 6 7 alloc | 8 bump
	 */
	{ "order2_gap_blocks_then_split_lower_half_first", 16, 0,
	  { A(2, 4), HEAD(0, 1), HEAD(1, 2), A(0, 1), A(0, 2), HEAD(0, 3),
	    HEAD(1, 0), A(0, 3), A(0, 8), END } },
	/*
	 * 1..7 taken one by one; freeing 4 5 6 7 merges to one order-2 block
	 * at 4 (its buddy 0-3 holds frame 0: never); 2 3 merge to order 1 at
	 * 2 (buddy 0-1: frame 0); 1 stays order 0.
	 *   | 0 | 1 | 2 3 | 4 5 6 7 |
	 */
	{ "merge_climbs_but_never_reaches_frame_0", 16, 0,
	  { A(0, 1), A(0, 2), A(0, 3), A(0, 4), A(0, 5), A(0, 6), A(0, 7),
	    F(0, 4), HEAD(0, 4), F(0, 5), HEAD(0, 0), HEAD(1, 4),
	    F(0, 7), F(0, 6), HEAD(1, 0), HEAD(2, 4),
	    F(0, 3), F(0, 2), HEAD(1, 2), F(0, 1), HEAD(0, 1), NBLK(2, 1),
	    A(2, 4), A(1, 2), A(0, 1), A(0, 8), END } },
	/* LIFO: the last freed comes back first (3 and 5 are not buddies) */
	{ "free_list_is_lifo", 16, 0,
	  { A(0, 1), A(0, 2), A(0, 3), A(0, 4), A(0, 5), A(0, 6),
	    F(0, 3), F(0, 5), A(0, 5), A(0, 3), A(0, 7), END } },
	/*
	 * the smallest larger block is split, not the largest:
	 * 8..15 (order 3) and 4..7 (order 2) free; order 0 splits 4..7.
	 */
	{ "split_takes_smallest_larger_block", 32, 0,
	  { A(2, 4), A(3, 8), A(0, 1), A(1, 2), F(3, 8), F(2, 4),
	    HEAD(2, 4), HEAD(3, 8), A(0, 4), HEAD(0, 5), HEAD(1, 6),
	    HEAD(2, 0), HEAD(3, 8), A(3, 8), A(0, 5), A(1, 6), A(0, 16), END } },
	/*
	 * order 9 after one order-0 frame: bump 2 aligns to 512; frames
	 * 2..511 become one block per order 1..8:
	 *   | 0 | 1 | 2-3 | 4-7 | 8-15 | ... | 256-511 | 512-1023 alloc |
	 * 2048 frames: 1024 and 1536 follow; then nothing of order 9 is
	 * left although 511 frames are free (no order-9 block exists).
	 */
	{ "order9_bump_alignment_spills_one_block_per_order", 2048, 0,
	  { A(0, 1), A(9, 512), HEAD(0, 0), HEAD(1, 2), HEAD(2, 4),
	    HEAD(3, 8), HEAD(4, 16), HEAD(5, 32), HEAD(6, 64), HEAD(7, 128),
	    HEAD(8, 256), BUMP(1024), FREECNT(2047 - 513), A(9, 1024),
	    A(9, 1536), A(9, NONE), FREECNT(510), F(0, 1), FREECNT(511),
	    A(9, NONE), A(8, 256), A(0, 1), END } },
	/* order 9 is the top: two free order-9 buddies do not merge */
	{ "order9_blocks_do_not_merge", 2048, 0,
	  { A(9, 512), A(9, 1024), A(9, 1536), F(9, 1024), F(9, 512),
	    NBLK(9, 2), HEAD(9, 512), A(9, 512), A(9, 1024), END } },
	/*
	 * managing [512, 1536): an order-0 frame splits the freed order-9
	 * block 512-1023 down (513 o0, 514 o1, ..., 768 o8); freeing it
	 * merges everything back to one order-9 block.
	 */
	{ "split_then_free_merges_back_to_order9", 1536, 512,
	  { A(9, 512), F(9, 512), A(0, 512), NBLK(9, 0), NBLK(0, 1),
	    HEAD(0, 513), HEAD(1, 514), HEAD(7, 640), HEAD(8, 768),
	    F(0, 512), NBLK(9, 1), HEAD(9, 512), NBLK(0, 0), NBLK(8, 0), END } },
	/*
	 * managing [3, 16): 3 has buddy 2, outside: no merge across
	 * vp_first.  4 cannot merge with 5 while 5 is past the bump; the
	 * order-1 carve at 6 spills 5, which then merges with 4.
	 *   | 0 1 2 unmanaged | 3 | 4 5 | 6 7 alloc | 8 bump
	 */
	{ "merge_never_crosses_first_nor_the_bump", 16, 3,
	  { A(0, 3), A(0, 4), F(0, 3), F(0, 4), NBLK(0, 2), HEAD(0, 4),
	    A(1, 6), HEAD(0, 3), NBLK(0, 1), HEAD(1, 4), F(1, 6), HEAD(2, 4),
	    NBLK(1, 0), A(0, 3), A(0, 4), A(0, 5), A(1, 6), A(0, 8), END } },
	/*
	 * the bump cannot hand out a block that passes the end: 13 frames
	 * free but an order-3 block at 16 would end at 24 > 22.
	 *   | 0 | 1 | 2 3 | 4..7 | 8..15 alloc | 16 bump ... 21 |
	 */
	{ "bump_block_past_the_end_is_enomem", 22, 0,
	  { A(3, 8), FREECNT(13), A(3, NONE), BUMP(16), A(2, 4), A(2, 16),
	    A(1, 2), A(0, 1), A(1, 20), FREECNT(0), A(0, NONE), END } },
	/*
	 * the cap: 3 more frames may be used; an order-2 block would pass
	 * it; frees give room back; a cap above the real free count still
	 * reports the real count.
	 */
	{ "cap_limits_use_and_reports_truth", 16, 0,
	  { A(0, 1), CAP(3), FREECNT(3), A(2, NONE), A(1, 2), A(0, 4),
	    FREECNT(0), A(0, NONE), F(0, 1), FREECNT(1), A(0, 1),
	    A(0, NONE), CAP(1000), FREECNT(11), A(2, 8), FREECNT(7),
	    CAP(0), FREECNT(0), A(0, NONE), F(2, 8), FREECNT(4), A(0, 5),
	    END } },
};

static void run_script(void **state)
{
	const struct script *s = *state;
	struct vm_phys vp;
	uint64_t pfn;

	assert_int_equal(vm_phys_init(&vp, s->first ? s->first : 1, s->frames), 0);
	for (const struct op *op = s->ops; op->code != OP_END; op++) {
		switch (op->code) {
		case OP_ALLOC:
			pfn = 0;
			if (op->b == NONE) {
				assert_int_equal(vm_phys_alloc_order(&vp, VMP_DATA,
								     op->a, &pfn),
						 -ENOMEM);
				assert_int_equal(pfn, 0);
			} else {
				assert_int_equal(vm_phys_alloc_order(&vp, VMP_DATA,
								     op->a, &pfn),
						 0);
				if (pfn != op->b)
					fail_msg("%s step %d: alloc order %u gave %llu, want %llu",
						 s->name, (int)(op - s->ops), op->a,
						 (unsigned long long)pfn,
						 (unsigned long long)op->b);
				assert_int_equal(vm_phys_page(&vp, pfn)->vmp_order, op->a);
			}
			break;
		case OP_FREE:
			vm_phys_free_order(&vp, op->b, op->a);
			break;
		case OP_HEAD:
			if (vp.vp_free[op->a] != op->b)
				fail_msg("%s step %d: head of order %u is %llu, want %llu",
					 s->name, (int)(op - s->ops), op->a,
					 (unsigned long long)vp.vp_free[op->a],
					 (unsigned long long)op->b);
			break;
		case OP_NBLK: {
			uint64_t n = 0;

			for (uint64_t p = vp.vp_free[op->a]; p; p = meta(&vp, p)->vmp_next)
				n++;
			assert_int_equal(n, op->b);
			break;
		}
		case OP_CAP:
			vm_phys_set_free_frames(&vp, op->b);
			break;
		case OP_FREECNT:
			assert_int_equal(vm_phys_free_count(&vp), op->b);
			break;
		case OP_BUMP:
			assert_int_equal(vp.vp_bump, op->b);
			break;
		case OP_END:
			break;
		}
		vp_check(&vp);
	}
	vm_phys_fini(&vp);
}

/* ---- kinds, split ------------------------------------------------------ */

/*
 * A reservation's life: order 9 as VMP_RESERVED at 512, frames 512+3 and
 * 512+7 populated (VMP_DATA); split; the 510 reserved frames freed one by
 * one.  What stays allocated is exactly 515 and 519, and the free frames
 * around them are merged as far as the buddies allow:
 *   512 (1) 513 (1) 514 (1) [515 data] 516-517 (2) 518 (1) [519 data]
 *   520-527 (8) 528-543 ... 768-1023 (256)
 */
static void split_reservation_frees_unpopulated_frames(void **state)
{
	struct vm_phys *vp = fx_start(state, 2048);
	uint64_t rv;

	assert_int_equal(vm_phys_alloc_order(vp, VMP_RESERVED, 9, &rv), 0);
	assert_int_equal(rv, 512);
	assert_int_equal(vp->vp_count[VMP_RESERVED], 512);
	vm_phys_set_kind(vp, rv + 3, VMP_DATA);
	vm_phys_set_kind(vp, rv + 7, VMP_DATA);
	assert_int_equal(vp->vp_count[VMP_RESERVED], 510);
	assert_int_equal(vp->vp_count[VMP_DATA], 2);
	assert_int_equal(vm_phys_used(vp), 512);
	vp_check(vp);
	vm_phys_split(vp, rv, 9);
	for (uint64_t i = 0; i < 512; i++) {
		assert_int_equal(vm_phys_page(vp, rv + i)->vmp_order, 0);
		if (vm_phys_page(vp, rv + i)->vmp_kind == VMP_RESERVED)
			vm_phys_free(vp, rv + i);
	}
	vp_check(vp);
	assert_int_equal(vp->vp_count[VMP_RESERVED], 0);
	assert_int_equal(vm_phys_used(vp), 2);
	assert_int_equal(meta(vp, 512)->vmp_order, 1);
	assert_int_equal(meta(vp, 514)->vmp_order, 0);
	assert_int_equal(meta(vp, 516)->vmp_order, 1);
	assert_int_equal(meta(vp, 518)->vmp_order, 0);
	assert_int_equal(meta(vp, 520)->vmp_order, 3);
	assert_int_equal(meta(vp, 768)->vmp_order, 8);
	/* the populated frames are ordinary order-0 frames now */
	vm_phys_free(vp, 515);
	vm_phys_free(vp, 519);
	vp_check(vp);
	assert_int_equal(vp->vp_free[9], 512);
}

/* ---- sparse metadata -------------------------------------------------- */

/*
 * 64 GiB of frames (2^24; 32768 chunks of 512): 10 MiB touched (2560
 * frames, pfns 1..2560: chunks 0..5), then one order-9 block (3072..3583:
 * chunk 6; 2561..3071 spill onto the free lists, chunk 5).  Exactly 7
 * chunks exist.
 */
static void metadata_only_where_touched(void **state)
{
	struct vm_phys *vp = fx_start(state, UINT64_C(1) << 24);
	uint64_t pfn, made = 0;

	assert_int_equal(vp->vp_nchunks, 32768);
	for (uint64_t i = 1; i <= 2560; i++) {
		assert_int_equal(vm_phys_alloc(vp, VMP_DATA, &pfn), 0);
		assert_int_equal(pfn, i);
	}
	assert_int_equal(vm_phys_alloc_order(vp, VMP_DATA, 9, &pfn), 0);
	assert_int_equal(pfn, 3072);
	for (uint64_t c = 0; c < vp->vp_nchunks; c++)
		made += vp->vp_chunks[c] != NULL;
	assert_int_equal(made, 7);
	assert_non_null(vp->vp_chunks[6]);
	assert_null(vp->vp_chunks[7]);
	assert_int_equal(vp->vp_count[VMP_FREE], (UINT64_C(1) << 24) - 1 - 2560 - 512);
	vp_check(vp);
}

/* ---- queues ----------------------------------------------------------- */

static void queue_order(struct vm_phys *vp, enum vm_pqueue q, const uint64_t *want,
			unsigned n)
{
	uint64_t p = vp->vp_q[q].pq_head, prev = 0;

	assert_int_equal(vp->vp_q[q].pq_count, n);
	for (unsigned i = 0; i < n; i++) {
		assert_int_equal(p, want[i]);
		assert_int_equal(vm_phys_page(vp, p)->vmp_queue, q);
		assert_int_equal(vm_phys_page(vp, p)->vmp_prev, prev);
		prev = p;
		p = vm_phys_page(vp, p)->vmp_next;
	}
	assert_int_equal(p, 0);
	assert_int_equal(vp->vp_q[q].pq_tail, n ? want[n - 1] : 0);
}

/* frames 1..5 (data); queue moves in the order the daemon makes them */
static void queues_are_fifo_and_remove_anywhere(void **state)
{
	struct vm_phys *vp = fx_start(state, 16);
	uint64_t pfn;

	for (int i = 0; i < 5; i++) {
		assert_int_equal(vm_phys_alloc(vp, VMP_DATA, &pfn), 0);
		vm_pq_insert(vp, pfn, PQ_ACTIVE);
	}
	queue_order(vp, PQ_ACTIVE, (const uint64_t[]){ 1, 2, 3, 4, 5 }, 5);
	vm_pq_remove(vp, 3);            /* middle */
	vm_pq_remove(vp, 1);            /* head */
	vm_pq_remove(vp, 5);            /* tail */
	queue_order(vp, PQ_ACTIVE, (const uint64_t[]){ 2, 4 }, 2);
	vm_pq_insert(vp, 5, PQ_INACTIVE);
	vm_pq_insert(vp, 1, PQ_INACTIVE);
	vm_pq_insert(vp, 3, PQ_ACTIVE);
	queue_order(vp, PQ_INACTIVE, (const uint64_t[]){ 5, 1 }, 2);
	queue_order(vp, PQ_ACTIVE, (const uint64_t[]){ 2, 4, 3 }, 3);
	vm_pq_remove(vp, 5);
	vm_pq_remove(vp, 5);            /* on no queue: no-op */
	vm_pq_remove(vp, 1);
	queue_order(vp, PQ_INACTIVE, NULL, 0);
	assert_int_equal(vp->vp_q[PQ_INACTIVE].pq_head, 0);
	for (uint64_t p = 1; p <= 5; p++) {
		vm_pq_remove(vp, p);
		vm_phys_free(vp, p);
	}
	queue_order(vp, PQ_ACTIVE, NULL, 0);
	vp_check(vp);
}

/* ---- death: broken invariants abort with the values -------------------- */

typedef void (*death_fn)(struct vm_phys *vp, uint64_t pfn);

static void expect_abort(struct vm_phys *vp, death_fn fn, uint64_t pfn,
			 const char *needle)
{
	char buf[2048];
	size_t len = 0;
	ssize_t n;
	int fds[2], status;
	pid_t pid;

	assert_int_equal(pipe(fds), 0);
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		signal(SIGABRT, SIG_DFL);
		close(fds[0]);
		if (dup2(fds[1], STDERR_FILENO) < 0)
			_exit(3);
		fn(vp, pfn);
		_exit(0); /* did not abort: the parent fails the test */
	}
	close(fds[1]);
	while (len < sizeof(buf) - 1 &&
	       (n = read(fds[0], buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);
	if (!strstr(buf, needle))
		fail_msg("abort message lacks \"%s\": %s", needle, buf);
}

static void do_free(struct vm_phys *vp, uint64_t pfn)
{
	vm_phys_free(vp, pfn);
}

static void do_free_order1(struct vm_phys *vp, uint64_t pfn)
{
	vm_phys_free_order(vp, pfn, 1);
}

static void do_enqueue(struct vm_phys *vp, uint64_t pfn)
{
	vm_pq_insert(vp, pfn, PQ_ACTIVE);
}

static void broken_invariants_abort_with_values(void **state)
{
	struct vm_phys *vp = fx_start(state, 8);
	uint64_t pfn;

	assert_int_equal(vm_phys_alloc(vp, VMP_DATA, &pfn), 0);   /* 1 */
	assert_int_equal(vm_phys_alloc(vp, VMP_DATA, &pfn), 0);   /* 2 */
	assert_int_equal(vm_phys_alloc(vp, VMP_PTPAGE, &pfn), 0); /* 3 */
	vm_phys_free(vp, 2);
	expect_abort(vp, do_free, 2, "pfn=2 is free");
	expect_abort(vp, do_free, 0, "pfn=0 not an allocated frame");
	expect_abort(vp, do_free, 5, "pfn=5 not an allocated frame (first=1 bump=4");
	expect_abort(vp, do_free_order1, 1, "pfn=1 order=1: the block's head has order 0");
	expect_abort(vp, do_enqueue, 3, "pfn=3 q=1: on queue 0, kind 2");
	vm_pq_insert(vp, 1, PQ_ACTIVE);
	expect_abort(vp, do_enqueue, 1, "pfn=1 q=1: on queue 1");
	expect_abort(vp, do_free, 1, "pfn=1 freed while queued (1)");
	vm_pq_remove(vp, 1);
}

#define T(f) cmocka_unit_test_setup_teardown(f, fx_setup, fx_teardown)

int main(void)
{
	struct CMUnitTest tests[sizeof(scripts) / sizeof(scripts[0]) + 8];
	size_t n = 0;

	for (size_t i = 0; i < sizeof(scripts) / sizeof(scripts[0]); i++)
		tests[n++] = (struct CMUnitTest){ .name = scripts[i].name,
						  .test_func = run_script,
						  .initial_state = (void *)&scripts[i] };
	tests[n++] = (struct CMUnitTest)T(split_reservation_frees_unpopulated_frames);
	tests[n++] = (struct CMUnitTest)T(metadata_only_where_touched);
	tests[n++] = (struct CMUnitTest)T(queues_are_fifo_and_remove_anywhere);
	tests[n++] = (struct CMUnitTest)T(broken_invariants_abort_with_values);
	return _cmocka_run_group_tests("vm_phys", tests, n, NULL, NULL);
}
