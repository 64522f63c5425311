/*
 * hash.c - an open-addressing hash table (linear probing, deletion by
 * backward shift, so no tombstones) of PRNG keys: a resident set
 * inserted once, then rounds that insert a batch, look up the batch and
 * as many absent keys, and delete the batch again.  Accesses scatter over
 * the 4 MiB table with short sequential probe runs.
 *
 * usage: hash [SCALE]   SCALE (default 1) multiplies the rounds.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define HASH_SLOTS_LOG2 18
#define HASH_SLOTS (UINT64_C(1) << HASH_SLOTS_LOG2)    /* 16 B each: 4 MiB */
#define HASH_RESIDENT 65536u
#define HASH_BATCH 32768u
#define HASH_ROUNDS 2u

struct slot {
	uint64_t key;           /* 0: empty (xorshift64 never yields 0) */
	uint64_t val;
};

struct table {
	struct slot *slots;
	uint64_t used;
};

static uint64_t xorshift64(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

static uint64_t home(uint64_t key)
{
	return (key * UINT64_C(0x9e3779b97f4a7c15)) >> (64 - HASH_SLOTS_LOG2);
}

/* the slot holding key, or the empty slot where it would go */
static struct slot *probe(struct table *t, uint64_t key)
{
	uint64_t i = home(key);

	while (t->slots[i].key != 0 && t->slots[i].key != key)
		i = (i + 1) & (HASH_SLOTS - 1);
	return &t->slots[i];
}

/* 1 if key was new, 0 if its value was replaced */
static int insert(struct table *t, uint64_t key, uint64_t val)
{
	struct slot *s = probe(t, key);
	int fresh = s->key == 0;

	s->key = key;
	s->val = val;
	t->used += (uint64_t)fresh;
	return fresh;
}

static int lookup(struct table *t, uint64_t key, uint64_t *val)
{
	struct slot *s = probe(t, key);

	if (s->key == 0)
		return 0;
	*val = s->val;
	return 1;
}

/* Knuth's algorithm R: close the gap by moving later entries back */
static int delete(struct table *t, uint64_t key)
{
	struct slot *s = probe(t, key);
	uint64_t gap = (uint64_t)(s - t->slots), i = gap;

	if (s->key == 0)
		return 0;
	for (;;) {
		uint64_t h;

		t->slots[gap].key = 0;
		do {
			i = (i + 1) & (HASH_SLOTS - 1);
			if (t->slots[i].key == 0) {
				t->used--;
				return 1;
			}
			h = home(t->slots[i].key);
		} while (gap <= i ? (gap < h && h <= i) : (gap < h || h <= i));
		t->slots[gap] = t->slots[i];
		gap = i;
	}
}

int main(int argc, char **argv)
{
	unsigned long scale = argc > 1 ? strtoul(argv[1], NULL, 10) : 1;
	struct table t = { calloc(HASH_SLOTS, sizeof(struct slot)), 0 };
	uint64_t seed = UINT64_C(0x5851f42d4c957f2d), batch_seed, v;
	uint64_t inserted = 0, found = 0, missing = 0, deleted = 0, sum = 0;

	if (scale == 0)
		scale = 1;
	if (t.slots == NULL) {
		perror("calloc");
		return 1;
	}
	for (unsigned i = 0; i < HASH_RESIDENT; i++) {
		uint64_t k = xorshift64(&seed);

		inserted += (uint64_t)insert(&t, k, k >> 3);
	}
	for (unsigned long r = 0; r < HASH_ROUNDS * scale; r++) {
		batch_seed = seed;
		for (unsigned i = 0; i < HASH_BATCH; i++) {
			uint64_t k = xorshift64(&seed);

			inserted += (uint64_t)insert(&t, k, k ^ r);
		}
		/* the batch again (hits), then as many new keys (misses) */
		seed = batch_seed;
		for (unsigned i = 0; i < 2 * HASH_BATCH; i++) {
			if (lookup(&t, xorshift64(&seed), &v)) {
				found++;
				sum = sum * 31 + v;
			} else {
				missing++;
			}
		}
		seed = batch_seed;
		for (unsigned i = 0; i < HASH_BATCH; i++)
			deleted += (uint64_t)delete(&t, xorshift64(&seed));
		seed ^= r;
	}
	for (uint64_t i = 0; i < HASH_SLOTS; i++)
		if (t.slots[i].key != 0)
			sum = sum * 31 + t.slots[i].key;
	printf("hash: %llu inserted, %llu found, %llu missing, %llu deleted, "
	       "%llu resident, checksum %016llx\n",
	       (unsigned long long)inserted, (unsigned long long)found,
	       (unsigned long long)missing, (unsigned long long)deleted,
	       (unsigned long long)t.used, (unsigned long long)sum);
	free(t.slots);
	return 0;
}
