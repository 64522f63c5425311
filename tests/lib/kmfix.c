/* kmfix.c - see kmfix.h */
#include "kmfix.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

void kmfix_start(struct kmfix *f, uint64_t frames)
{
	assert_int_equal(pmem_init(&f->mem, frames * PAGE_SIZE), 0);
	f->up_mem = true;
	assert_int_equal(vm_phys_init(&f->vp, &f->mem), 0);
	f->up_phys = true;
}

void kmfix_stop(struct kmfix *f)
{
	if (f->up_phys)
		vm_phys_fini(&f->vp);
	f->up_phys = false;
	if (f->up_mem)
		pmem_fini(&f->mem);
	f->up_mem = false;
}
