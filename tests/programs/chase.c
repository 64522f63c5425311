/*
 * chase.c - a pointer chase: cache-line-sized nodes linked in one random
 * cycle (Sattolo's algorithm), followed step by step.  Each load's
 * address depends on the previous load, so nothing overlaps: the access
 * stream a latency-bound program gives its TLB.
 *
 * usage: chase [SCALE]   SCALE (default 1) multiplies the 1,000,000 steps over
 * a fixed 16 MiB of nodes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define CHASE_FOOTPRINT (UINT64_C(16) << 20)
#define CHASE_STEPS UINT64_C(1000000)

struct node {
	uint32_t next;          /* index of the next node in the cycle */
	uint32_t visits;
	uint64_t pad[7];        /* one 64-byte line per node */
};

#define CHASE_NODES ((uint32_t)(CHASE_FOOTPRINT / sizeof(struct node)))

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
	struct node *v = malloc(CHASE_NODES * sizeof(*v));
	uint32_t *perm = malloc(CHASE_NODES * sizeof(*perm));
	uint64_t seed = UINT64_C(0x2545f4914f6cdd1d);
	uint64_t n, sum = 0;
	uint32_t at = 0;

	if (scale == 0)
		scale = 1;
	if (v == NULL || perm == NULL) {
		perror("malloc");
		return 1;
	}
	/* Sattolo: a uniformly random permutation that is one cycle */
	for (uint32_t i = 0; i < CHASE_NODES; i++)
		perm[i] = i;
	for (uint32_t i = CHASE_NODES - 1; i > 0; i--) {
		uint32_t j = (uint32_t)(xorshift64(&seed) % i);
		uint32_t t = perm[i];

		perm[i] = perm[j];
		perm[j] = t;
	}
	for (uint32_t i = 0; i < CHASE_NODES; i++) {
		v[i].next = perm[i];
		v[i].visits = 0;
	}
	free(perm);
	n = CHASE_STEPS * scale;
	for (uint64_t s = 0; s < n; s++) {
		v[at].visits++;
		sum = sum * 31 + at;
		at = v[at].next;
	}
	printf("chase: %u nodes, %llu steps, at node %u, checksum %016llx\n",
	       CHASE_NODES, (unsigned long long)n, at, (unsigned long long)sum);
	free(v);
	return 0;
}
