/*
 * base.h - the few definitions every eptsim module shares: branch hints,
 * must-check results, the page constants, and the invariant assertion.
 */
#ifndef EPTSIM_SIM_BASE_H
#define EPTSIM_SIM_BASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define MUST_CHECK __attribute__((warn_unused_result))

#define PAGE_SHIFT 12
#define PAGE_SIZE (UINT64_C(1) << PAGE_SHIFT)
#define PAGE_MASK (PAGE_SIZE - 1)

/* Protection of a mapping, as the kernel model and the fault paths speak it. */
#define VM_PROT_READ 0x1u
#define VM_PROT_WRITE 0x2u
#define VM_PROT_EXEC 0x4u

/*
 * es_assert_fail - report a broken internal invariant and abort.
 * Prints the function, the failed condition and the values the caller
 * formatted, so a bug report carries what is needed to reproduce it.
 */
__attribute__((noreturn, format(printf, 5, 6))) void
es_assert_fail(const char *func, const char *file, int line, const char *cond,
	       const char *fmt, ...);

/* ES_ASSERT(cond, "fmt", values...) - an invariant, never input validation. */
#define ES_ASSERT(cond, ...)                                                   \
	do {                                                                   \
		if (unlikely(!(cond)))                                         \
			es_assert_fail(__func__, __FILE__, __LINE__, #cond,    \
				       __VA_ARGS__);                           \
	} while (0)

#endif
