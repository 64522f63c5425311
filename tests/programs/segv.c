/*
 * segv.c - prints one line, then stores through a pointer to an address
 * nothing maps (0x7000deadbeef, the same on every run), so the process
 * dies of SIGSEGV.  The line is flushed first: it must survive the death.
 *
 * usage: segv [SCALE]   SCALE (default 1) multiplies a short warm-up
 * loop before the line, so the fault comes after some real work.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define SEGV_ADDR UINT64_C(0x7000deadbeef)
#define SEGV_WARMUP 1000000u

int main(int argc, char **argv)
{
	unsigned long scale = argc > 1 ? strtoul(argv[1], NULL, 10) : 1;
	uint64_t x = 1;

	if (scale == 0)
		scale = 1;
	for (unsigned long i = 0; i < SEGV_WARMUP * scale; i++)
		x = x * 6364136223846793005u + 1442695040888963407u;
	printf("segv: warm-up %016llx, now storing to %#llx\n",
	       (unsigned long long)x, (unsigned long long)SEGV_ADDR);
	fflush(stdout);
	/* the store is labelled so a test can find its address with nm */
	__asm__ volatile(".globl segv_here\nsegv_here:\n\tmovl $1, (%0)"
			 :: "r"((int *)(uintptr_t)SEGV_ADDR) : "memory");
	printf("segv: still alive\n");
	return 0;
}
