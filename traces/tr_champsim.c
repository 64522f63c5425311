/*
 * tr_champsim.c - ChampSim traces: a stream of 64-byte `input_instr`
 * records (ChampSim inc/trace_instruction.h), little-endian, no header:
 *
 *   byte size field                      records it yields, in this order
 *      0    8 ip                         TR_FETCH {ip, size 1, n = 1}
 *      8    1 is_branch                  -
 *      9    1 branch_taken               -
 *     10    2 destination_registers[2]   -
 *     12    4 source_registers[4]        -
 *     16   16 destination_memory[2]      TR_WRITE {addr, r_access_size} each, after the reads
 *     32   32 source_memory[4]           TR_READ {addr, r_access_size} each
 *
 * A memory slot of 0 is empty.  The trace does not say how many bytes an
 * access touches, so every data access is r_access_size bytes (the
 * reader's option), and a fetch one byte: a fetch never crosses a page,
 * a data access does when its r_access_size bytes reach the next page.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "traces/trace.h"

#define CS_REC 64u              /* sizeof(struct input_instr) */
#define CS_IP 0u
#define CS_DST_MEM 16u
#define CS_NDST 2u
#define CS_SRC_MEM 32u
#define CS_NSRC 4u
#define CS_DEFAULT_SIZE 8u

/* cs_le64 - the little-endian u64 at p */
static inline uint64_t cs_le64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}

/* cs_next - r_next of ChampSim: the fetch of the next record, its accesses queued */
static int cs_next(struct tr_reader *r, struct tr_rec *rec, struct eptsim_error *err)
{
	struct tr_src *s = r->r_src;
	const uint8_t *p;
	struct tr_rec a = { .size = r->r_access_size };
	unsigned i;

	if (r->r_done)
		return 0;
	if ((size_t)(s->end - s->p) < CS_REC) {
		long n = tr_src_fill(s, CS_REC, err);

		if (n < 0)
			return (int)n;
		if (n == 0) {
			r->r_done = true;
			return 0;
		}
		if (n < (long)CS_REC) {
			char where[48];

			snprintf(where, sizeof(where), "byte offset %llu",
				 (unsigned long long)tr_src_offset(s, s->p));
			tr_errf(err, r, where, "a truncated record: %ld of %u bytes", n, CS_REC);
			return -EINVAL;
		}
	}
	p = s->p;
	s->p += CS_REC;
	*rec = (struct tr_rec){ .kind = TR_FETCH, .addr = cs_le64(p + CS_IP), .size = 1, .n = 1 };
	a.kind = TR_READ;
	for (i = 0; i < CS_NSRC; i++) {
		a.addr = cs_le64(p + CS_SRC_MEM + 8 * i);
		if (a.addr)
			tr_push(r, &a);
	}
	a.kind = TR_WRITE;
	for (i = 0; i < CS_NDST; i++) {
		a.addr = cs_le64(p + CS_DST_MEM + 8 * i);
		if (a.addr)
			tr_push(r, &a);
	}
	r->r_records++;
	return 1;
}

int tr_champsim_start(struct tr_reader *r, struct eptsim_error *err)
{
	if (r->r_access_size == 0)
		r->r_access_size = CS_DEFAULT_SIZE;
	if (r->r_access_size > TR_MAX_SIZE) {
		tr_errf(err, r, "options", "the access size %u is not 1 to %u",
			r->r_access_size, TR_MAX_SIZE);
		return -EINVAL;
	}
	r->r_next = cs_next;
	r->r_flags = TR_F_DEMAND;
	r->r_ncpus = 1;
	return 0;
}
