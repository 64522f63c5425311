/*
 * sweep.c - sequential passes over one array: a write pass, then
 * read-modify-write passes, then a read pass that sums.  The access
 * stream is the friendliest a TLB sees: every page touched in order,
 * again and again.
 *
 * usage: sweep [SCALE]   SCALE (default 1) multiplies the passes over
 * a fixed 4 MiB array.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define SWEEP_WORDS (UINT32_C(1) << 20)         /* 4 MiB of uint32_t */
#define SWEEP_PASSES 2

int main(int argc, char **argv)
{
	unsigned long scale = argc > 1 ? strtoul(argv[1], NULL, 10) : 1;
	uint32_t *a = malloc(SWEEP_WORDS * sizeof(*a));
	uint64_t sum = 0;

	if (scale == 0)
		scale = 1;
	if (a == NULL) {
		perror("malloc");
		return 1;
	}
	for (uint32_t i = 0; i < SWEEP_WORDS; i++)
		a[i] = i * 2654435761u;
	for (unsigned long p = 0; p < SWEEP_PASSES * scale; p++)
		for (uint32_t i = 0; i < SWEEP_WORDS; i++)
			a[i] = (a[i] ^ (a[i] >> 7)) + (uint32_t)p;
	for (uint32_t i = 0; i < SWEEP_WORDS; i++)
		sum = sum * 31 + a[i];
	printf("sweep: %u words, %lu passes, checksum %016llx\n",
	       SWEEP_WORDS, SWEEP_PASSES * scale, (unsigned long long)sum);
	free(a);
	return 0;
}
