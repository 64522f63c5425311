/*
 * random.c - random read-modify-write of 8-byte words over a large
 * footprint: nearly every access lands on a different page, the worst
 * case for a TLB and the common case for a page walk.  The PRNG is a
 * seeded xorshift64, so the stream is the same on every run.
 *
 * usage: random [SCALE]   SCALE (default 1) multiplies the 256 Ki updates;
 * the footprint stays 64 MiB (demand-zero pages, touched only by the
 * updates).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define RANDOM_FOOTPRINT (UINT64_C(64) << 20)
#define RANDOM_WORDS (RANDOM_FOOTPRINT / sizeof(uint64_t))
#define RANDOM_UPDATES (UINT64_C(1) << 18)

static uint64_t xorshift64(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

int main(int argc, char **argv)
{
	unsigned long scale = argc > 1 ? strtoul(argv[1], NULL, 10) : 1;
	uint64_t *a = calloc(RANDOM_WORDS, sizeof(*a));
	uint64_t seed = UINT64_C(0x9e3779b97f4a7c15);
	uint64_t n, sum = 0;

	if (scale == 0)
		scale = 1;
	if (a == NULL) {
		perror("calloc");
		return 1;
	}
	n = RANDOM_UPDATES * scale;
	for (uint64_t i = 0; i < n; i++) {
		uint64_t r = xorshift64(&seed);

		a[r % RANDOM_WORDS] += r | 1;
	}
	/* read back the words the same stream touched */
	seed = UINT64_C(0x9e3779b97f4a7c15);
	for (uint64_t i = 0; i < n; i++)
		sum = sum * 31 + a[xorshift64(&seed) % RANDOM_WORDS];
	printf("random: %llu updates over %llu MiB, checksum %016llx\n",
	       (unsigned long long)n,
	       (unsigned long long)(RANDOM_FOOTPRINT >> 20),
	       (unsigned long long)sum);
	free(a);
	return 0;
}
