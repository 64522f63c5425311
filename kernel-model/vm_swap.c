/*
 * vm_swap.c - the simulated swap device (see vm_swap.h).
 */
#include "kernel-model/vm_swap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define SW_CHUNK_SHIFT 9u
#define SW_CHUNK (1u << SW_CHUNK_SHIFT)
#define SW_WORDS (PAGE_SIZE / sizeof(uint64_t))

int vm_swap_init(struct vm_swap *sw, uint64_t bytes)
{
	ES_ASSERT((bytes & PAGE_MASK) == 0, "bytes=%llu", (unsigned long long)bytes);
	memset(sw, 0, sizeof(*sw));
	sw->sw_slots = bytes >> PAGE_SHIFT;
	if (sw->sw_slots == 0)
		return 0;
	sw->sw_slots++; /* slot 0 is "none": the device's pages are 1..n */
	sw->sw_bump = 1;
	sw->sw_ndir = (sw->sw_slots + SW_CHUNK - 1) >> SW_CHUNK_SHIFT;
	sw->sw_dir = calloc(sw->sw_ndir, sizeof(*sw->sw_dir));
	return sw->sw_dir ? 0 : -ENOMEM;
}

void vm_swap_fini(struct vm_swap *sw)
{
	for (uint64_t c = 0; c < sw->sw_ndir; c++) {
		if (!sw->sw_dir[c])
			continue;
		for (unsigned i = 0; i < SW_CHUNK; i++)
			free(sw->sw_dir[c][i].ss_data);
		free(sw->sw_dir[c]);
	}
	free(sw->sw_dir);
	memset(sw, 0, sizeof(*sw));
}

/* sw_slot - the record of a slot whose chunk exists */
static struct vm_swap_slot *sw_slot(const struct vm_swap *sw, uint64_t slot)
{
	return &sw->sw_dir[slot >> SW_CHUNK_SHIFT][slot & (SW_CHUNK - 1)];
}

int vm_swap_write(struct vm_swap *sw, const uint64_t *page, uint64_t *slot)
{
	struct vm_swap_slot *s;
	uint64_t *data = NULL;
	uint64_t n;

	if (vm_swap_free_slots(sw) == 0)
		return -ENOSPC;
	if (page) {
		bool zero = true;

		for (unsigned i = 0; i < SW_WORDS && zero; i++)
			zero = page[i] == 0;
		if (!zero) {
			data = malloc(PAGE_SIZE);
			if (!data)
				return -ENOMEM;
			memcpy(data, page, PAGE_SIZE);
		}
	}
	if (sw->sw_free != 0) {
		n = sw->sw_free;
		s = sw_slot(sw, n);
		sw->sw_free = s->ss_next;
	} else {
		struct vm_swap_slot **chunk;

		n = sw->sw_bump;
		chunk = &sw->sw_dir[n >> SW_CHUNK_SHIFT];
		if (!*chunk) {
			*chunk = calloc(SW_CHUNK, sizeof(**chunk));
			if (!*chunk) {
				free(data);
				return -ENOMEM;
			}
		}
		sw->sw_bump++;
		s = sw_slot(sw, n);
	}
	s->ss_data = data;
	s->ss_next = 0;
	s->ss_used = true;
	sw->sw_used++;
	*slot = n;
	return 0;
}

bool vm_swap_read(const struct vm_swap *sw, uint64_t slot, uint64_t *page)
{
	const struct vm_swap_slot *s;

	ES_ASSERT(slot != 0 && slot < sw->sw_bump, "slot=%llu bump=%llu",
		  (unsigned long long)slot, (unsigned long long)sw->sw_bump);
	s = sw_slot(sw, slot);
	ES_ASSERT(s->ss_used, "slot=%llu is free", (unsigned long long)slot);
	if (!s->ss_data) {
		memset(page, 0, PAGE_SIZE);
		return true;
	}
	memcpy(page, s->ss_data, PAGE_SIZE);
	return false;
}

void vm_swap_release(struct vm_swap *sw, uint64_t slot)
{
	struct vm_swap_slot *s;

	ES_ASSERT(slot != 0 && slot < sw->sw_bump, "slot=%llu bump=%llu",
		  (unsigned long long)slot, (unsigned long long)sw->sw_bump);
	s = sw_slot(sw, slot);
	ES_ASSERT(s->ss_used, "slot=%llu is free", (unsigned long long)slot);
	free(s->ss_data);
	s->ss_data = NULL;
	s->ss_used = false;
	s->ss_next = sw->sw_free;
	sw->sw_free = slot;
	sw->sw_used--;
}
