/*
 * churn.c - address-space churn: anonymous regions of varying sizes are
 * mapped (mmap(NULL, ...) and MAP_FIXED over part of a live region),
 * touched, made read-only in part and read, dropped in part with
 * MADV_DONTNEED (which must read back as zero), and unmapped, a few live
 * at a time so holes open and close; then large malloc/realloc/free
 * blocks, so musl itself calls mmap, mremap, munmap and brk.  Every check
 * that fails is printed and makes the exit status 1.
 *
 * usage: churn [SCALE]   SCALE (default 1) multiplies the rounds.
 */
#define _DEFAULT_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define CHURN_PAGE 4096u
#define CHURN_LINE 64u
#define CHURN_ROUNDS 64u
#define CHURN_LIVE 4u           /* regions live at once */
#define CHURN_MAX_PAGES 96u
#define CHURN_BLOCKS 24u        /* large malloc blocks per round of blocks */

struct region {
	uint8_t *base;
	size_t pages;
	uint64_t tag;
};

struct churn {
	uint64_t seed;
	unsigned long mapped, fixed, protected, dropped, unmapped, holes;
	unsigned long pages_checked, zero_checked, blocks, reallocs;
	unsigned long failures;
};

static uint64_t xorshift64(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

static void fail(struct churn *c, const char *what, size_t page)
{
	if (c->failures++ < 10)
		printf("churn: FAILED %s (page %zu)\n", what, page);
}

static uint64_t pattern(uint64_t tag, size_t page, size_t line)
{
	return tag ^ (page << 16) ^ line;
}

/* write one word in every cache line of pages [from, to) */
static void touch(struct region *r, size_t from, size_t to)
{
	for (size_t p = from; p < to; p++)
		for (size_t l = 0; l < CHURN_PAGE / CHURN_LINE; l++)
			*(volatile uint64_t *)(r->base + p * CHURN_PAGE + l * CHURN_LINE) =
				pattern(r->tag, p, l);
}

/* pages [from, to) hold the pattern (zero: hold only zeros) */
static void check(struct churn *c, const struct region *r, size_t from,
		  size_t to, int zero)
{
	for (size_t p = from; p < to; p++) {
		int ok = 1;

		for (size_t l = 0; l < CHURN_PAGE / CHURN_LINE; l++) {
			uint64_t w = *(volatile uint64_t *)(r->base + p * CHURN_PAGE +
							    l * CHURN_LINE);

			ok &= w == (zero ? 0 : pattern(r->tag, p, l));
		}
		if (!ok)
			fail(c, zero ? "page not zero" : "page lost its data", p);
		if (zero)
			c->zero_checked++;
		else
			c->pages_checked++;
	}
}

static int map(struct churn *c, struct region *r)
{
	r->pages = 1 + xorshift64(&c->seed) % CHURN_MAX_PAGES;
	r->tag = xorshift64(&c->seed);
	r->base = mmap(NULL, r->pages * CHURN_PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (r->base == MAP_FAILED) {
		perror("mmap");
		return -1;
	}
	c->mapped++;
	check(c, r, 0, r->pages, 1);
	touch(r, 0, r->pages);
	return 0;
}

/* map fresh pages over [from, to) of r with MAP_FIXED: they read zero */
static int remap_fixed(struct churn *c, struct region *r, size_t from, size_t to)
{
	void *want = r->base + from * CHURN_PAGE;
	void *got = mmap(want, (to - from) * CHURN_PAGE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);

	if (got != want) {
		perror("mmap MAP_FIXED");
		return -1;
	}
	c->fixed++;
	check(c, r, from, to, 1);
	if (from > 0)
		check(c, r, 0, from, 0);
	touch(r, from, to);
	return 0;
}

/* one round's work on a live region, then unmap it (sometimes in two) */
static int work(struct churn *c, struct region *r)
{
	size_t half = r->pages / 2;

	if (r->pages >= 4) {
		size_t from = 1 + xorshift64(&c->seed) % (r->pages - 2);

		if (remap_fixed(c, r, from, from + 1 + (r->pages - from - 1) / 2))
			return -1;
	}
	if (half > 0) {
		if (mprotect(r->base, half * CHURN_PAGE, PROT_READ)) {
			perror("mprotect");
			return -1;
		}
		c->protected++;
		check(c, r, 0, half, 0);
		if (madvise(r->base + half * CHURN_PAGE,
			    (r->pages - half) * CHURN_PAGE, MADV_DONTNEED)) {
			perror("madvise");
			return -1;
		}
		c->dropped++;
		check(c, r, half, r->pages, 1);
		check(c, r, 0, half, 0);
		if (munmap(r->base, half * CHURN_PAGE)) {
			perror("munmap");
			return -1;
		}
		c->holes++;
	}
	if (munmap(r->base + half * CHURN_PAGE, (r->pages - half) * CHURN_PAGE)) {
		perror("munmap");
		return -1;
	}
	c->unmapped++;
	return 0;
}

/* large blocks through musl's malloc: mmap, mremap (realloc), munmap */
static int blocks(struct churn *c)
{
	uint8_t *b[CHURN_BLOCKS] = { 0 };
	char *small[64];

	for (unsigned i = 0; i < CHURN_BLOCKS; i++) {
		size_t n = (size_t)(160 + xorshift64(&c->seed) % 256) << 10;

		b[i] = malloc(n);
		if (b[i] == NULL) {
			perror("malloc");
			return -1;
		}
		memset(b[i], (int)i, n);
		c->blocks++;
		if (i % 3 == 0) {
			uint8_t *nb = realloc(b[i], 2 * n);

			if (nb == NULL) {
				perror("realloc");
				return -1;
			}
			b[i] = nb;
			c->reallocs++;
			if (nb[0] != (uint8_t)i || nb[n - 1] != (uint8_t)i)
				fail(c, "realloc lost data", i);
			memset(nb + n, (int)i, n);
		}
		if (i % 2 == 1) {
			free(b[i - 1]);
			b[i - 1] = NULL;
		}
	}
	/* small allocations: musl's meta areas come from brk */
	for (unsigned i = 0; i < 64; i++) {
		small[i] = malloc(32 + 16 * i);
		if (small[i] == NULL) {
			perror("malloc");
			return -1;
		}
		memset(small[i], 'a' + (int)(i % 26), 32 + 16 * i);
	}
	for (unsigned i = 0; i < 64; i++) {
		if (small[i][31 + 16 * i] != 'a' + (int)(i % 26))
			fail(c, "small block lost data", i);
		free(small[i]);
	}
	for (unsigned i = 0; i < CHURN_BLOCKS; i++)
		free(b[i]);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long scale = argc > 1 ? strtoul(argv[1], NULL, 10) : 1;
	struct churn c = { .seed = UINT64_C(0x853c49e6748fea9b) };
	struct region live[CHURN_LIVE];

	if (scale == 0)
		scale = 1;
	for (unsigned i = 0; i < CHURN_LIVE; i++)
		if (map(&c, &live[i]))
			return 1;
	for (unsigned long r = 0; r < CHURN_ROUNDS * scale; r++) {
		struct region *v = &live[xorshift64(&c.seed) % CHURN_LIVE];

		if (work(&c, v) || map(&c, v))
			return 1;
		if (r % 32 == 0 && blocks(&c))
			return 1;
	}
	for (unsigned i = 0; i < CHURN_LIVE; i++)
		if (work(&c, &live[i]))
			return 1;
	printf("churn: %lu mapped, %lu MAP_FIXED, %lu mprotect, %lu MADV_DONTNEED, "
	       "%lu munmap (%lu split)\n",
	       c.mapped, c.fixed, c.protected, c.dropped, c.unmapped, c.holes);
	printf("churn: %lu pages read back, %lu pages read as zero, "
	       "%lu malloc blocks, %lu realloc\n",
	       c.pages_checked, c.zero_checked, c.blocks, c.reallocs);
	printf("churn: %s\n", c.failures ? "FAILED" : "ok");
	return c.failures ? 1 : 0;
}
