/*
 * test_vm_phys.c - the frame allocator: order, exhaustion, counts, zeroing,
 * metadata chunks, and the invariants it asserts.
 *
 * Every test gets fresh physical memory of a few frames:
 *
 *   pfn:   0        1        2        3       ...  frames-1
 *        +--------+--------+--------+--------+----+--------+
 *        | never  | first  | second | third  |    | last   |
 *        | given  | bump   | bump   | bump   |    | bump   |
 *        +--------+--------+--------+--------+----+--------+
 *
 * After the bump pointer reaches the end, frames come from the LIFO list of
 * freed frames.
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
#include "tests/lib/kmfix.h"

static int fx_setup(void **state)
{
	struct kmfix *fx = calloc(1, sizeof(*fx));

	*state = fx;
	return fx ? 0 : -1;
}

static int fx_teardown(void **state)
{
	struct kmfix *fx = *state;

	kmfix_stop(fx);
	free(fx);
	return 0;
}

/* fx_start - fresh memory of `frames` frames and an allocator over it. */
static struct vm_phys *fx_start(void **state, uint64_t frames)
{
	struct kmfix *fx = *state;

	kmfix_start(fx, frames);
	return &fx->vp;
}

static uint64_t take(struct vm_phys *vp, enum vm_page_kind kind)
{
	uint64_t pfn = 0;

	assert_int_equal(vm_phys_alloc(vp, kind, &pfn), 0);
	return pfn;
}

static void alloc_is_lowest_first_and_never_frame_0(void **state)
{
	struct vm_phys *vp = fx_start(state, 8);
	uint64_t pfn = 0;

	for (uint64_t want = 1; want < 8; want++)
		assert_int_equal(take(vp, VMP_DATA), want);
	assert_int_equal(vm_phys_alloc(vp, VMP_DATA, &pfn), -ENOMEM);
	assert_int_equal(pfn, 0);
}

static void memory_of_one_frame_has_nothing_to_give(void **state)
{
	struct vm_phys *vp = fx_start(state, 1);
	uint64_t pfn = 0;

	assert_int_equal(vp->vp_count[VMP_FREE], 0);
	assert_int_equal(vm_phys_alloc(vp, VMP_PTPAGE, &pfn), -ENOMEM);
}

static void exhaustion_is_enomem_until_a_free(void **state)
{
	struct vm_phys *vp = fx_start(state, 4);
	uint64_t pfn;

	take(vp, VMP_DATA);
	take(vp, VMP_DATA);
	take(vp, VMP_DATA);
	assert_int_equal(vm_phys_alloc(vp, VMP_DATA, &pfn), -ENOMEM);
	assert_int_equal(vm_phys_alloc(vp, VMP_DATA, &pfn), -ENOMEM);
	vm_phys_free(vp, 2);
	assert_int_equal(take(vp, VMP_DATA), 2);
	assert_int_equal(vm_phys_alloc(vp, VMP_DATA, &pfn), -ENOMEM);
}

static void freed_frames_come_back_lifo_before_new_ones(void **state)
{
	struct vm_phys *vp = fx_start(state, 16);

	for (int i = 0; i < 5; i++)
		take(vp, VMP_DATA); /* 1..5 */
	vm_phys_free(vp, 2);
	vm_phys_free(vp, 4);
	vm_phys_free(vp, 3);
	assert_int_equal(take(vp, VMP_DATA), 3);
	assert_int_equal(take(vp, VMP_DATA), 4);
	assert_int_equal(take(vp, VMP_DATA), 2);
	assert_int_equal(take(vp, VMP_DATA), 6);
}

static void counts_follow_kind_on_alloc_and_free(void **state)
{
	struct vm_phys *vp = fx_start(state, 16);
	uint64_t d1, p1;

	assert_int_equal(vp->vp_count[VMP_FREE], 15);
	d1 = take(vp, VMP_DATA);
	take(vp, VMP_DATA);
	p1 = take(vp, VMP_PTPAGE);
	take(vp, VMP_PTPAGE);
	take(vp, VMP_PTPAGE);
	assert_int_equal(vp->vp_count[VMP_DATA], 2);
	assert_int_equal(vp->vp_count[VMP_PTPAGE], 3);
	assert_int_equal(vp->vp_count[VMP_FREE], 10);
	assert_int_equal(vm_phys_page(vp, d1)->vmp_kind, VMP_DATA);
	assert_int_equal(vm_phys_page(vp, p1)->vmp_kind, VMP_PTPAGE);

	vm_phys_free(vp, d1);
	vm_phys_free(vp, p1);
	assert_int_equal(vp->vp_count[VMP_DATA], 1);
	assert_int_equal(vp->vp_count[VMP_PTPAGE], 2);
	assert_int_equal(vp->vp_count[VMP_FREE], 12);

	/* a freed data frame reused as a page-table page changes kind */
	assert_int_equal(take(vp, VMP_PTPAGE), p1);
	assert_int_equal(take(vp, VMP_PTPAGE), d1);
	assert_int_equal(vm_phys_page(vp, d1)->vmp_kind, VMP_PTPAGE);
	assert_int_equal(vp->vp_count[VMP_DATA], 1);
	assert_int_equal(vp->vp_count[VMP_PTPAGE], 4);
}

static void reused_frame_reads_zero(void **state)
{
	struct vm_phys *vp = fx_start(state, 4);
	struct kmfix *fx = *state;
	uint64_t pfn = take(vp, VMP_PTPAGE);
	uint64_t base = pfn << PAGE_SHIFT;

	assert_int_equal(pmem_write64(&fx->mem, base, 0x1234), 0);
	assert_int_equal(pmem_write64(&fx->mem, base + PAGE_SIZE - 8, ~0ull),
			 0);
	vm_phys_free(vp, pfn);
	assert_int_equal(take(vp, VMP_DATA), pfn);
	assert_int_equal(pmem_read64(&fx->mem, base), 0);
	assert_int_equal(pmem_read64(&fx->mem, base + PAGE_SIZE - 8), 0);
	assert_int_equal(fx->mem.pm_stored, 0);
}

/*
 * 1100 frames span chunks 0..2 of metadata (512 frames each); only the
 * chunks the bump pointer has entered exist.
 */
static void metadata_chunks_appear_on_first_use(void **state)
{
	struct vm_phys *vp = fx_start(state, 1100);

	assert_int_equal(vp->vp_nchunks, 3);
	for (uint64_t c = 0; c < 3; c++)
		assert_null(vp->vp_chunks[c]);
	take(vp, VMP_DATA);
	assert_non_null(vp->vp_chunks[0]);
	assert_null(vp->vp_chunks[1]);
	for (uint64_t want = 2; want <= 511; want++)
		assert_int_equal(take(vp, VMP_DATA), want);
	assert_null(vp->vp_chunks[1]);
	assert_int_equal(take(vp, VMP_DATA), 512);
	assert_non_null(vp->vp_chunks[1]);
	assert_int_equal(vm_phys_page(vp, 512)->vmp_kind, VMP_DATA);
	assert_null(vp->vp_chunks[2]);
}

/*
 * Death tests: an invariant broken by the caller must abort with the
 * values in the message.  The call runs in a child; its stderr comes back
 * through a pipe.
 */
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

static void free_of_a_free_frame_aborts(void **state)
{
	struct vm_phys *vp = fx_start(state, 8);

	take(vp, VMP_DATA);
	take(vp, VMP_DATA);
	vm_phys_free(vp, 2);
	expect_abort(vp, do_free, 2, "pfn=2 is free");
}

static void free_of_frame_0_aborts(void **state)
{
	struct vm_phys *vp = fx_start(state, 8);

	take(vp, VMP_DATA);
	expect_abort(vp, do_free, 0, "pfn=0 not an allocated frame");
}

static void free_of_a_never_allocated_frame_aborts(void **state)
{
	struct vm_phys *vp = fx_start(state, 8);

	take(vp, VMP_DATA);
	expect_abort(vp, do_free, 5, "pfn=5 not an allocated frame (bump=2");
	expect_abort(vp, do_free, 8, "pfn=8 not an allocated frame");
	expect_abort(vp, do_free, ~0ull, "not an allocated frame");
}

#define T(f) cmocka_unit_test_setup_teardown(f, fx_setup, fx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(alloc_is_lowest_first_and_never_frame_0),
		T(memory_of_one_frame_has_nothing_to_give),
		T(exhaustion_is_enomem_until_a_free),
		T(freed_frames_come_back_lifo_before_new_ones),
		T(counts_follow_kind_on_alloc_and_free),
		T(reused_frame_reads_zero),
		T(metadata_chunks_appear_on_first_use),
		T(free_of_a_free_frame_aborts),
		T(free_of_frame_0_aborts),
		T(free_of_a_never_allocated_frame_aborts),
	};

	return cmocka_run_group_tests_name("vm_phys", tests, NULL, NULL);
}
