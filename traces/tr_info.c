/*
 * tr_info.c - what a trace holds: records by kind, bytes and instructions,
 * the address range and the footprint in 4 KiB pages (eptsim trace info).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "traces/trace.h"

static size_t set_hash(uint64_t key, size_t cap)
{
	return (size_t)((key * UINT64_C(0x9e3779b97f4a7c15)) >> 17) & (cap - 1);
}

int tr_set_add(struct tr_set *ts, uint64_t key)
{
	size_t h;

	if (2 * (ts->used + 1) > ts->cap) {
		size_t cap = ts->cap ? 2 * ts->cap : 4096;
		uint64_t *ns = calloc(cap, sizeof(*ns));

		if (!ns)
			return -ENOMEM;
		for (size_t i = 0; i < ts->cap; i++) {
			if (!ts->slot[i])
				continue;
			for (h = set_hash(ts->slot[i] - 1, cap); ns[h]; h = (h + 1) & (cap - 1))
				;
			ns[h] = ts->slot[i];
		}
		free(ts->slot);
		ts->slot = ns;
		ts->cap = cap;
	}
	for (h = set_hash(key, ts->cap); ts->slot[h]; h = (h + 1) & (ts->cap - 1))
		if (ts->slot[h] == key + 1)
			return 0;
	ts->slot[h] = key + 1;
	ts->used++;
	return 1;
}

void tr_set_fini(struct tr_set *ts)
{
	free(ts->slot);
	ts->slot = NULL;
	ts->cap = ts->used = 0;
}

int tr_info_scan(struct tr_reader *r, struct tr_info *in, struct eptsim_error *err)
{
	struct tr_set ps = { 0 };
	struct tr_rec rec;
	uint64_t last = UINT64_MAX;     /* the page added last: runs of one page are common */
	int rc;

	memset(in, 0, sizeof(*in));
	in->format = r->r_fmt;
	in->comp = r->r_src->comp;
	in->ncpus = r->r_ncpus;
	in->flags = r->r_flags;
	in->lo = UINT64_MAX;
	in->nprocs = (r->r_flags & TR_F_DEMAND) ? 1 : 0;
	while ((rc = tr_next(r, &rec, err)) > 0) {
		in->records++;
		in->by_kind[rec.kind]++;
		if (rec.kind == TR_INSNS || rec.kind == TR_FETCH)
			in->instructions += (uint64_t)rec.n;
		if (rec.kind == TR_PROC)
			in->nprocs++;
		if (rec.kind > TR_FETCH)
			continue;
		in->bytes[rec.kind] += rec.size;
		if (rec.addr < in->lo)
			in->lo = rec.addr;
		if (rec.addr + rec.size - 1 > in->hi)
			in->hi = rec.addr + rec.size - 1;
		for (uint64_t pg = rec.addr >> 12; pg <= (rec.addr + rec.size - 1) >> 12; pg++) {
			if (pg == last)
				continue;
			last = pg;
			if (tr_set_add(&ps, pg) < 0) {
				tr_set_fini(&ps);
				snprintf(err->msg, sizeof(err->msg), "the host ran out of memory");
				return -ENOMEM;
			}
		}
	}
	in->pages = ps.used;
	tr_set_fini(&ps);
	return rc;
}
