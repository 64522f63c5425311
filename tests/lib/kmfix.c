/* kmfix.c - see kmfix.h */
#include "kmfix.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

void kmfix_start(struct kmfix *f, uint64_t frames, uint64_t swap_pages)
{
	assert_int_equal(pmem_init(&f->mem, frames * PAGE_SIZE), 0);
	f->up_mem = true;
	assert_int_equal(vm_kern_init(&f->k, "test", &f->mem, 1, frames,
				      swap_pages * PAGE_SIZE), 0);
	f->up_kern = true;
}

void kmfix_stop(struct kmfix *f)
{
	if (f->up_kern)
		vm_kern_fini(&f->k);
	f->up_kern = false;
	if (f->up_mem)
		pmem_fini(&f->mem);
	f->up_mem = false;
}
