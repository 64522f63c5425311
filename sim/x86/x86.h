/*
 * x86.h - what eptsim needs to know about x86-64 instruction encodings:
 * only where each instruction ends.
 *
 * The guest runs in Unicorn, whose block hook reports a translated block
 * by address and size in bytes.  To count executed instructions without
 * a per-instruction hook (too slow), each block is decoded once with
 * x86_insn_len(): the number of instructions it holds, and where each
 * starts, so that a block cut short by a fault at some RIP is counted up
 * to that RIP.  The decoder finds lengths only; it never names an
 * instruction, except x86_reads_tsc() for the one kind eptsim refuses.
 * See x86_len.c for the encoding rules it follows.
 */
#ifndef EPTSIM_SIM_X86_X86_H
#define EPTSIM_SIM_X86_X86_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* the architectural limit on one instruction (SDM Vol. 2 §2.3.11) */
#define X86_MAX_INSN_LEN 15u

/*
 * x86_insn_len - the length in bytes (1..15) of the 64-bit-mode
 * instruction that starts at p, reading no byte at or past p + avail.
 * Returns 0 when the bytes are not a valid 64-bit-mode encoding the
 * decoder knows (an opcode invalid in 64-bit mode, XOP, VEX or EVEX
 * behind a 66/F2/F3/F0/REX prefix, a map it does not know), when the
 * instruction would need more than avail bytes, or when it would be
 * longer than 15 bytes.  No allocation, no state: table lookups only.
 */
unsigned x86_insn_len(const uint8_t *p, size_t avail);

/*
 * x86_reads_tsc - the `len`-byte instruction at p is RDTSC (0F 31) or
 * RDTSCP (0F 01 F9), behind any legacy prefixes and a REX prefix.
 * Unicorn answers them from the host's clock, which a deterministic
 * simulator cannot let a program see.
 */
bool x86_reads_tsc(const uint8_t *p, unsigned len);

#endif
