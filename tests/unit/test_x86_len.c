/*
 * test_x86_len.c - the x86-64 instruction length decoder: a hand table of
 * encodings with their lengths (one row per rule of x86_len.c), encodings
 * it must refuse, truncation and the 15-byte limit, a random sweep for
 * reads past the end, and a cross-check against GNU objdump over musl's
 * libc.a, glibc's libc.a (when installed) and this test binary.
 *
 * Every row's bytes are exactly one instruction; the row's length is
 * checked against its byte count so a typo in the table shows up as such.
 * The test gives the decoder the bytes followed by padding, so a decoder
 * that answered "all of it" would fail.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "sim/x86/x86.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct len_row {
	unsigned len;		/* the expected length; 0: must be refused */
	unsigned n;		/* bytes in b */
	uint8_t b[2 * X86_MAX_INSN_LEN];
	const char *what;	/* the assembly (Intel syntax), or why invalid */
};

#define ROW(len, what, ...)                                                    \
	{ (len), sizeof((const uint8_t[]){ __VA_ARGS__ }), { __VA_ARGS__ },    \
	  (what) }

/* ---- valid encodings, one rule per group */

static const struct len_row valid_rows[] = {
	/* no operands, registers in the opcode */
	ROW(1, "nop", 0x90),
	ROW(1, "ret", 0xc3),
	ROW(1, "push rax", 0x50),
	ROW(2, "push r8 (REX.B)", 0x41, 0x50),
	ROW(1, "cwde", 0x98),
	ROW(2, "cdqe", 0x48, 0x98),
	ROW(1, "pushfq", 0x9c),
	ROW(1, "leave", 0xc9),
	ROW(1, "int3", 0xcc),
	ROW(1, "in al, dx", 0xec),
	ROW(1, "hlt", 0xf4),

	/* ALU forms: ModRM, imm8, imm32/imm16 (Iz) */
	ROW(2, "add al, al", 0x00, 0xc0),
	ROW(2, "add eax, ebx", 0x01, 0xd8),
	ROW(3, "add rax, rbx", 0x48, 0x01, 0xd8),
	ROW(2, "add al, 5", 0x04, 0x05),
	ROW(5, "add eax, 0x12345678", 0x05, 0x78, 0x56, 0x34, 0x12),
	ROW(4, "add ax, 0x1234 (66: imm16)", 0x66, 0x05, 0x34, 0x12),
	ROW(6, "add rax, 0x12345678 (REX.W: imm32)", 0x48, 0x05, 0x78, 0x56,
	    0x34, 0x12),
	ROW(7, "add rax, imm32 (REX.W beats 66)", 0x66, 0x48, 0x05, 0x78, 0x56,
	    0x34, 0x12),
	ROW(2, "cmp al, 5", 0x3c, 0x05),
	ROW(3, "add al, 5 (grp1 80)", 0x80, 0xc0, 0x05),
	ROW(6, "add eax, imm32 (grp1 81)", 0x81, 0xc0, 0x78, 0x56, 0x34, 0x12),
	ROW(5, "add ax, imm16 (grp1 81 with 66)", 0x66, 0x81, 0xc0, 0x34, 0x12),
	ROW(3, "add eax, 5 (grp1 83)", 0x83, 0xc0, 0x05),
	ROW(7, "sub rsp, 0x1000", 0x48, 0x81, 0xec, 0x00, 0x10, 0x00, 0x00),
	ROW(5, "cmp byte [rsp+8], 5", 0x80, 0x7c, 0x24, 0x08, 0x05),
	ROW(11, "cmp dword [rsp+0x100], imm32", 0x81, 0xbc, 0x24, 0x00, 0x01,
	    0x00, 0x00, 0x78, 0x56, 0x34, 0x12),

	/* ModRM, SIB and displacement */
	ROW(2, "mov eax, [rax]", 0x8b, 0x00),
	ROW(3, "mov eax, [rbp+8] (disp8)", 0x8b, 0x45, 0x08),
	ROW(6, "mov eax, [rbp+0x100] (disp32)", 0x8b, 0x85, 0x00, 0x01, 0x00,
	    0x00),
	ROW(6, "mov eax, [rip+0x100] (mod=00 rm=101)", 0x8b, 0x05, 0x00, 0x01,
	    0x00, 0x00),
	ROW(3, "mov eax, [rsp] (SIB)", 0x8b, 0x04, 0x24),
	ROW(4, "mov eax, [rsp+8] (SIB disp8)", 0x8b, 0x44, 0x24, 0x08),
	ROW(7, "mov eax, [rsp+0x100] (SIB disp32)", 0x8b, 0x84, 0x24, 0x00,
	    0x01, 0x00, 0x00),
	ROW(7, "mov eax, [0x1000] (SIB no base, no index)", 0x8b, 0x04, 0x25,
	    0x00, 0x10, 0x00, 0x00),
	ROW(7, "mov eax, [rax*1+0x1000] (SIB base=101 mod=00)", 0x8b, 0x04,
	    0x05, 0x00, 0x10, 0x00, 0x00),
	ROW(7, "mov eax, [rax*8+0x1000]", 0x8b, 0x04, 0xc5, 0x00, 0x10, 0x00,
	    0x00),
	ROW(4, "mov eax, [rbp+rax+8] (base=101 mod=01: disp8 only)", 0x8b,
	    0x44, 0x05, 0x08),
	ROW(7, "mov eax, [rbp+rax+0x100] (base=101 mod=10)", 0x8b, 0x84, 0x05,
	    0x00, 0x01, 0x00, 0x00),
	ROW(4, "mov eax, [r13+0] (REX.B does not make r13 RIP)", 0x41, 0x8b,
	    0x45, 0x00),
	ROW(4, "mov eax, [r12] (REX.B base=100 still SIB)", 0x41, 0x8b, 0x04,
	    0x24),
	ROW(8, "mov eax, [r12*1+0x1000] (REX.X index)", 0x42, 0x8b, 0x04, 0x25,
	    0x00, 0x10, 0x00, 0x00),
	ROW(2, "mov eax, ecx (mod=11)", 0x8b, 0xc1),
	ROW(3, "mov eax, [eax] (67)", 0x67, 0x8b, 0x00),
	ROW(7, "mov eax, [eip+0x100] (67, rm=101)", 0x67, 0x8b, 0x05, 0x00,
	    0x01, 0x00, 0x00),
	ROW(8, "mov eax, [0x1000] (67, SIB no base)", 0x67, 0x8b, 0x04, 0x25,
	    0x00, 0x10, 0x00, 0x00),
	ROW(9, "mov rax, fs:0x28", 0x64, 0x48, 0x8b, 0x04, 0x25, 0x28, 0x00,
	    0x00, 0x00),
	ROW(7, "lea rax, [rip+0x100]", 0x48, 0x8d, 0x05, 0x00, 0x01, 0x00,
	    0x00),
	ROW(3, "movsxd rax, edi", 0x48, 0x63, 0xc7),
	ROW(2, "xchg eax, ecx (87)", 0x87, 0xc8),
	ROW(2, "mov eax, ds", 0x8c, 0xd8),
	ROW(2, "mov ds, eax", 0x8e, 0xd8),

	/* IMUL and PUSH immediates */
	ROW(6, "imul eax, eax, imm32", 0x69, 0xc0, 0x78, 0x56, 0x34, 0x12),
	ROW(5, "imul ax, ax, imm16", 0x66, 0x69, 0xc0, 0x34, 0x12),
	ROW(3, "imul eax, eax, 5", 0x6b, 0xc0, 0x05),
	ROW(5, "push imm32", 0x68, 0x78, 0x56, 0x34, 0x12),
	ROW(4, "push imm16 (66)", 0x66, 0x68, 0x34, 0x12),
	ROW(2, "push 5", 0x6a, 0x05),

	/* MOV C6/C7 (group 11), XABORT, XBEGIN */
	ROW(3, "mov byte [rax], 5", 0xc6, 0x00, 0x05),
	ROW(10, "mov dword [rip+0x100], imm32", 0xc7, 0x05, 0x00, 0x01, 0x00,
	    0x00, 0x78, 0x56, 0x34, 0x12),
	ROW(9, "mov word [rip+0x100], imm16", 0x66, 0xc7, 0x05, 0x00, 0x01,
	    0x00, 0x00, 0x34, 0x12),
	ROW(12, "mov qword [rsp+0x100], imm32", 0x48, 0xc7, 0x84, 0x24, 0x00,
	    0x01, 0x00, 0x00, 0x78, 0x56, 0x34, 0x12),
	ROW(3, "xabort 5", 0xc6, 0xf8, 0x05),
	ROW(6, "xbegin rel32", 0xc7, 0xf8, 0x00, 0x00, 0x00, 0x00),

	/* TEST and group 3: immediate only for /0 and /1 */
	ROW(2, "test al, al", 0x84, 0xc0),
	ROW(2, "test al, 5", 0xa8, 0x05),
	ROW(5, "test eax, imm32", 0xa9, 0x78, 0x56, 0x34, 0x12),
	ROW(4, "test ax, imm16", 0x66, 0xa9, 0x34, 0x12),
	ROW(6, "test rax, imm32", 0x48, 0xa9, 0x78, 0x56, 0x34, 0x12),
	ROW(3, "test al, 5 (F6 /0)", 0xf6, 0xc0, 0x05),
	ROW(3, "test al, 5 (F6 /1 alias)", 0xf6, 0xc8, 0x05),
	ROW(2, "not al (F6 /2)", 0xf6, 0xd0),
	ROW(2, "mul al (F6 /4)", 0xf6, 0xe0),
	ROW(2, "idiv al (F6 /7)", 0xf6, 0xf8),
	ROW(6, "test eax, imm32 (F7 /0)", 0xf7, 0xc0, 0x78, 0x56, 0x34, 0x12),
	ROW(5, "test ax, imm16 (F7 /0 with 66)", 0x66, 0xf7, 0xc0, 0x34, 0x12),
	ROW(7, "test rax, imm32 (F7 /0 with REX.W)", 0x48, 0xf7, 0xc0, 0x78,
	    0x56, 0x34, 0x12),
	ROW(8, "test dword [rsp+8], imm32", 0xf7, 0x44, 0x24, 0x08, 0x78, 0x56,
	    0x34, 0x12),
	ROW(2, "neg eax (F7 /3)", 0xf7, 0xd8),
	ROW(2, "div ecx (F7 /6)", 0xf7, 0xf1),
	ROW(4, "mul dword [rsp+8] (F7 /4)", 0xf7, 0x64, 0x24, 0x08),

	/* moffs: 8 bytes, 4 with 67 */
	ROW(9, "mov al, [moffs64]", 0xa0, 1, 2, 3, 4, 5, 6, 7, 8),
	ROW(9, "mov eax, [moffs64]", 0xa1, 1, 2, 3, 4, 5, 6, 7, 8),
	ROW(10, "mov rax, [moffs64]", 0x48, 0xa1, 1, 2, 3, 4, 5, 6, 7, 8),
	ROW(9, "mov [moffs64], al", 0xa2, 1, 2, 3, 4, 5, 6, 7, 8),
	ROW(10, "mov [moffs64], ax (66 does not change moffs)", 0x66, 0xa3, 1,
	    2, 3, 4, 5, 6, 7, 8),
	ROW(6, "mov al, [moffs32] (67)", 0x67, 0xa0, 1, 2, 3, 4),
	ROW(7, "mov [moffs32], rax (67 REX.W)", 0x67, 0x48, 0xa3, 1, 2, 3, 4),

	/* MOV reg, imm: B0-B7 imm8, B8-BF imm32/imm16/imm64 */
	ROW(2, "mov al, 5", 0xb0, 0x05),
	ROW(5, "mov eax, imm32", 0xb8, 0x78, 0x56, 0x34, 0x12),
	ROW(4, "mov ax, imm16", 0x66, 0xb8, 0x34, 0x12),
	ROW(10, "mov rax, imm64", 0x48, 0xb8, 1, 2, 3, 4, 5, 6, 7, 8),
	ROW(10, "mov r15, imm64", 0x49, 0xbf, 1, 2, 3, 4, 5, 6, 7, 8),
	ROW(6, "mov r8d, imm32", 0x41, 0xb8, 0x78, 0x56, 0x34, 0x12),
	ROW(11, "mov rax, imm64 (REX.W beats 66)", 0x66, 0x48, 0xb8, 1, 2, 3,
	    4, 5, 6, 7, 8),
	ROW(5, "mov ax, imm16 (REX before 66 is cancelled)", 0x48, 0x66, 0xb8,
	    0x34, 0x12),
	ROW(7, "mov eax, imm32 (REX.W then a segment prefix: cancelled)", 0x48,
	    0x2e, 0xb8, 0x78, 0x56, 0x34, 0x12),

	/* branches: rel8, rel32 (66 leaves rel32 in 64-bit mode) */
	ROW(2, "jo rel8", 0x70, 0x05),
	ROW(2, "je rel8", 0x74, 0xfe),
	ROW(2, "jg rel8", 0x7f, 0x00),
	ROW(2, "jmp rel8", 0xeb, 0xfe),
	ROW(2, "loopne rel8", 0xe0, 0xfe),
	ROW(2, "loop rel8", 0xe2, 0xfe),
	ROW(2, "jrcxz rel8", 0xe3, 0xfe),
	ROW(3, "jecxz rel8 (67)", 0x67, 0xe3, 0xfe),
	ROW(5, "call rel32", 0xe8, 0x00, 0x00, 0x00, 0x00),
	ROW(5, "jmp rel32", 0xe9, 0x00, 0x00, 0x00, 0x00),
	ROW(6, "call rel32 (66 ignored, Intel 64)", 0x66, 0xe8, 0x00, 0x00,
	    0x00, 0x00),
	ROW(6, "je rel32", 0x0f, 0x84, 0x00, 0x00, 0x00, 0x00),
	ROW(7, "je rel32 (66 ignored, Intel 64)", 0x66, 0x0f, 0x84, 0x00, 0x00,
	    0x00, 0x00),
	ROW(3, "je rel8 (3E branch hint)", 0x3e, 0x74, 0x05),
	ROW(3, "notrack jmp rax", 0x3e, 0xff, 0xe0),
	ROW(6, "jmp [rip+0x100]", 0xff, 0x25, 0x00, 0x01, 0x00, 0x00),
	ROW(2, "call rax", 0xff, 0xd0),
	ROW(7, "call [rax*8+0x1000]", 0xff, 0x14, 0xc5, 0x00, 0x10, 0x00,
	    0x00),
	ROW(3, "call r11", 0x41, 0xff, 0xd3),
	ROW(2, "inc al (FE)", 0xfe, 0xc0),
	ROW(2, "pop qword [rax] (8F /0)", 0x8f, 0x00),
	ROW(2, "pop rax (8F /0 mod=11)", 0x8f, 0xc0),

	/* RET/ENTER/INT immediates, shifts, x87, I/O */
	ROW(3, "ret 8", 0xc2, 0x08, 0x00),
	ROW(3, "retf 8", 0xca, 0x08, 0x00),
	ROW(4, "enter 0x10, 1", 0xc8, 0x10, 0x00, 0x01),
	ROW(2, "int 0x80", 0xcd, 0x80),
	ROW(3, "shl al, 4", 0xc0, 0xe0, 0x04),
	ROW(3, "shl eax, 4", 0xc1, 0xe0, 0x04),
	ROW(2, "shl eax, 1", 0xd1, 0xe0),
	ROW(2, "shl eax, cl", 0xd3, 0xe0),
	ROW(2, "fldz", 0xd9, 0xee),
	ROW(4, "fld qword [rsp+8]", 0xdd, 0x44, 0x24, 0x08),
	ROW(2, "fnstsw ax", 0xdf, 0xe0),
	ROW(2, "in al, 0x60", 0xe4, 0x60),
	ROW(2, "out 0x60, al", 0xe6, 0x60),
	ROW(1, "xlatb", 0xd7),

	/* legacy prefixes, in any order and repeated */
	ROW(2, "rep movsb", 0xf3, 0xa4),
	ROW(3, "rep movsq", 0xf3, 0x48, 0xa5),
	ROW(2, "repne scasb", 0xf2, 0xae),
	ROW(4, "lock cmpxchg [rdi], ecx", 0xf0, 0x0f, 0xb1, 0x0f),
	ROW(5, "lock xadd [rdi], rax", 0xf0, 0x48, 0x0f, 0xc1, 0x07),
	ROW(10, "cs nop word [rax+rax+0]", 0x66, 0x2e, 0x0f, 0x1f, 0x84, 0x00,
	    0x00, 0x00, 0x00, 0x00),
	ROW(15, "data16 x5 cs nop word [rax+rax+0] (15 bytes)", 0x66, 0x66,
	    0x66, 0x66, 0x66, 0x66, 0x2e, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00,
	    0x00, 0x00),
	ROW(15, "14 prefixes then nop", 0x66, 0x67, 0xf2, 0xf3, 0xf0, 0x2e,
	    0x36, 0x3e, 0x26, 0x64, 0x65, 0x66, 0x67, 0x2e, 0x90),
	ROW(8, "lock add word gs:[eax], 0x1234 (mixed prefixes)", 0x65, 0xf0,
	    0x66, 0x67, 0x81, 0x00, 0x34, 0x12),
	ROW(3, "nop dword [rax]", 0x0f, 0x1f, 0x00),
	ROW(4, "nop dword [rax+0]", 0x0f, 0x1f, 0x40, 0x00),
	ROW(5, "nop dword [rax+rax+0]", 0x0f, 0x1f, 0x44, 0x00, 0x00),
	ROW(6, "nop word [rax+rax+0]", 0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00),
	ROW(7, "nop dword [rax+0] (disp32)", 0x0f, 0x1f, 0x80, 0x00, 0x00,
	    0x00, 0x00),
	ROW(8, "nop dword [rax+rax+0] (disp32)", 0x0f, 0x1f, 0x84, 0x00, 0x00,
	    0x00, 0x00, 0x00),

	/* the 0F map: system, CR/DR moves (mod read as 11) */
	ROW(2, "syscall", 0x0f, 0x05),
	ROW(2, "ud2", 0x0f, 0x0b),
	ROW(2, "cpuid", 0x0f, 0xa2),
	ROW(2, "rdtsc", 0x0f, 0x31),
	ROW(3, "xgetbv", 0x0f, 0x01, 0xd0),
	ROW(3, "rdtscp", 0x0f, 0x01, 0xf9),
	ROW(3, "invlpg [rax]", 0x0f, 0x01, 0x38),
	ROW(7, "lgdt [rip+0x100]", 0x0f, 0x01, 0x15, 0x00, 0x01, 0x00, 0x00),
	ROW(3, "mov rax, cr0", 0x0f, 0x20, 0xc0),
	ROW(3, "mov cr3, rax", 0x0f, 0x22, 0xd8),
	ROW(3, "mov rbp, cr0 (mod=00 rm=101: no disp32)", 0x0f, 0x20, 0x05),
	ROW(3, "mov rbp, dr0 (mod=01: no disp8)", 0x0f, 0x21, 0x45),
	ROW(4, "mov rax, cr8", 0x44, 0x0f, 0x20, 0xc0),

	/* the 0F map: SSE, CMOV, SETcc, MOVZX, bit ops */
	ROW(3, "movups xmm0, [rax]", 0x0f, 0x10, 0x00),
	ROW(6, "movdqa xmm0, [rsp+0x10]", 0x66, 0x0f, 0x6f, 0x44, 0x24, 0x10),
	ROW(8, "movdqu xmm0, [rip+0x100]", 0xf3, 0x0f, 0x6f, 0x05, 0x00, 0x01,
	    0x00, 0x00),
	ROW(5, "movsd xmm0, [rbp-8]", 0xf2, 0x0f, 0x10, 0x45, 0xf8),
	ROW(4, "pxor xmm0, xmm0", 0x66, 0x0f, 0xef, 0xc0),
	ROW(5, "pxor xmm8, xmm0", 0x66, 0x44, 0x0f, 0xef, 0xc0),
	ROW(3, "cmovo eax, ecx", 0x0f, 0x40, 0xc1),
	ROW(3, "sete al", 0x0f, 0x94, 0xc0),
	ROW(3, "movzx eax, al", 0x0f, 0xb6, 0xc0),
	ROW(4, "movsx rax, byte [rax]", 0x48, 0x0f, 0xbe, 0x00),
	ROW(3, "imul eax, ecx", 0x0f, 0xaf, 0xc1),
	ROW(3, "bt eax, ecx", 0x0f, 0xa3, 0xc8),
	ROW(4, "bt eax, 5 (0F BA imm8)", 0x0f, 0xba, 0xe0, 0x05),
	ROW(6, "bt dword [rsp+8], 5", 0x0f, 0xba, 0x64, 0x24, 0x08, 0x05),
	ROW(4, "shld ecx, eax, 4 (0F A4 imm8)", 0x0f, 0xa4, 0xc1, 0x04),
	ROW(4, "shrd ecx, eax, 4 (0F AC imm8)", 0x0f, 0xac, 0xc1, 0x04),
	ROW(3, "shld ecx, eax, cl", 0x0f, 0xa5, 0xc1),
	ROW(5, "pshufd xmm0, xmm1, 0x1b (0F 70 imm8)", 0x66, 0x0f, 0x70, 0xc1,
	    0x1b),
	ROW(5, "psrlw xmm0, 2 (0F 71 imm8)", 0x66, 0x0f, 0x71, 0xd0, 0x02),
	ROW(5, "psrad xmm0, 4 (0F 72 imm8)", 0x66, 0x0f, 0x72, 0xe0, 0x04),
	ROW(5, "psrldq xmm0, 8 (0F 73 imm8)", 0x66, 0x0f, 0x73, 0xd8, 0x08),
	ROW(4, "psrlw mm0, 2", 0x0f, 0x71, 0xd0, 0x02),
	ROW(4, "cmpeqps xmm0, xmm1 (0F C2 imm8)", 0x0f, 0xc2, 0xc1, 0x00),
	ROW(5, "pinsrw xmm0, ecx, 3 (0F C4 imm8)", 0x66, 0x0f, 0xc4, 0xc1,
	    0x03),
	ROW(5, "pextrw eax, xmm1, 3 (0F C5 imm8)", 0x66, 0x0f, 0xc5, 0xc1,
	    0x03),
	ROW(4, "shufps xmm0, xmm1, 0x1b (0F C6 imm8)", 0x0f, 0xc6, 0xc1, 0x1b),
	ROW(2, "bswap eax", 0x0f, 0xc8),
	ROW(3, "bswap r15", 0x49, 0x0f, 0xcf),
	ROW(3, "mfence", 0x0f, 0xae, 0xf0),
	ROW(4, "stmxcsr [rsp]", 0x0f, 0xae, 0x1c, 0x24),
	ROW(5, "rdfsbase rax", 0xf3, 0x48, 0x0f, 0xae, 0xc0),
	ROW(3, "prefetchw [rax]", 0x0f, 0x0d, 0x08),
	ROW(3, "prefetcht0 [rax]", 0x0f, 0x18, 0x08),
	ROW(4, "endbr64", 0xf3, 0x0f, 0x1e, 0xfa),
	ROW(4, "popcnt eax, ecx", 0xf3, 0x0f, 0xb8, 0xc1),
	ROW(5, "tzcnt rax, rcx", 0xf3, 0x48, 0x0f, 0xbc, 0xc1),
	ROW(3, "rdrand eax", 0x0f, 0xc7, 0xf0),
	ROW(3, "cmpxchg8b [rdi]", 0x0f, 0xc7, 0x0f),
	ROW(4, "cmpxchg16b [rdi]", 0x48, 0x0f, 0xc7, 0x0f),
	ROW(4, "pfmul mm0, mm1 (3DNow!: ModRM then imm8)", 0x0f, 0x0f, 0xc1,
	    0xb4),
	ROW(3, "ud0 eax, eax", 0x0f, 0xff, 0xc0),
	ROW(3, "ud1 eax, eax", 0x0f, 0xb9, 0xc0),
	ROW(3, "vmread rcx, rax", 0x0f, 0x78, 0xc1),
	ROW(6, "extrq xmm0, 4, 8 (66 0F 78: two imm8)", 0x66, 0x0f, 0x78, 0xc0,
	    0x04, 0x08),
	ROW(6, "insertq xmm0, xmm1, 4, 8 (F2 0F 78)", 0xf2, 0x0f, 0x78, 0xc1,
	    0x04, 0x08),

	/* 0F 38 (no immediate) and 0F 3A (imm8) */
	ROW(4, "pshufb mm0, mm1", 0x0f, 0x38, 0x00, 0xc1),
	ROW(5, "pshufb xmm0, xmm1", 0x66, 0x0f, 0x38, 0x00, 0xc1),
	ROW(6, "ptest xmm0, [rsp]", 0x66, 0x0f, 0x38, 0x17, 0x04, 0x24),
	ROW(5, "crc32 eax, ecx", 0xf2, 0x0f, 0x38, 0xf1, 0xc1),
	ROW(4, "movbe eax, [rdi]", 0x0f, 0x38, 0xf0, 0x07),
	ROW(5, "aesenc xmm0, xmm1", 0x66, 0x0f, 0x38, 0xdc, 0xc1),
	ROW(5, "invpcid rax, [rdi]", 0x66, 0x0f, 0x38, 0x82, 0x07),
	ROW(8, "sha256rnds2 xmm0, [rip+0x100]", 0x0f, 0x38, 0xcb, 0x05, 0x00,
	    0x01, 0x00, 0x00),
	ROW(6, "palignr xmm0, xmm1, 8", 0x66, 0x0f, 0x3a, 0x0f, 0xc1, 0x08),
	ROW(6, "pextrd eax, xmm0, 1", 0x66, 0x0f, 0x3a, 0x16, 0xc0, 0x01),
	ROW(7, "pextrq rax, xmm0, 1", 0x66, 0x48, 0x0f, 0x3a, 0x16, 0xc0,
	    0x01),
	ROW(6, "pcmpistri xmm1, [rdx], 0xc", 0x66, 0x0f, 0x3a, 0x63, 0x0a,
	    0x0c),
	ROW(5, "sha1rnds4 xmm0, xmm1, 0", 0x0f, 0x3a, 0xcc, 0xc1, 0x00),
	ROW(6, "pclmulqdq xmm0, xmm1, 0", 0x66, 0x0f, 0x3a, 0x44, 0xc1, 0x00),
	ROW(8, "palignr xmm0, [rsp+8], 4", 0x66, 0x0f, 0x3a, 0x0f, 0x44, 0x24,
	    0x08, 0x04),
	ROW(10, "roundsd xmm0, [rip+0x100], 4 (RIP disp32 then imm8)", 0x66,
	    0x0f, 0x3a, 0x0b, 0x05, 0x00, 0x01, 0x00, 0x00, 0x04),

	/* VEX: C5 (map 0F), C4 (maps 0F, 0F38, 0F3A) */
	ROW(3, "vzeroupper (no ModRM)", 0xc5, 0xf8, 0x77),
	ROW(3, "vzeroall", 0xc5, 0xfc, 0x77),
	ROW(4, "vmovdqa xmm0, xmm1", 0xc5, 0xf9, 0x6f, 0xc1),
	ROW(8, "vmovdqa ymm0, [rip+0x100]", 0xc5, 0xfd, 0x6f, 0x05, 0x00, 0x01,
	    0x00, 0x00),
	ROW(5, "vpshufd xmm0, xmm1, 0x1b", 0xc5, 0xf9, 0x70, 0xc1, 0x1b),
	ROW(5, "vpsrldq xmm1, xmm0, 8", 0xc5, 0xf1, 0x73, 0xd8, 0x08),
	ROW(5, "vcmpeqps xmm0, xmm0, xmm1", 0xc5, 0xf8, 0xc2, 0xc1, 0x00),
	ROW(5, "vldmxcsr [rsp]", 0xc5, 0xf8, 0xae, 0x14, 0x24),
	ROW(5, "vmovq rax, xmm0 (C4 map 1)", 0xc4, 0xe1, 0xf9, 0x7e, 0xc0),
	ROW(5, "vpshufb xmm0, xmm0, xmm1 (map 0F38)", 0xc4, 0xe2, 0x79, 0x00,
	    0xc1),
	ROW(9, "vbroadcastss ymm0, [rip+0x100]", 0xc4, 0xe2, 0x7d, 0x18, 0x05,
	    0x00, 0x01, 0x00, 0x00),
	ROW(5, "andn rax, rax, rcx", 0xc4, 0xe2, 0xf8, 0xf2, 0xc1),
	ROW(6, "vpalignr xmm0, xmm0, xmm1, 8 (map 0F3A)", 0xc4, 0xe3, 0x79,
	    0x0f, 0xc1, 0x08),
	ROW(6, "rorx rax, rax, 5", 0xc4, 0xe3, 0xfb, 0xf0, 0xc0, 0x05),
	ROW(6, "vextractf128 xmm1, ymm0, 1", 0xc4, 0xe3, 0x7d, 0x19, 0xc1,
	    0x01),
	ROW(7, "vmovdqu xmm0, [r12+8]", 0xc4, 0xc1, 0x7a, 0x6f, 0x44, 0x24,
	    0x08),
	ROW(5, "vmovdqa xmm0, [eax] (67 allowed before VEX)", 0x67, 0xc5, 0xf9,
	    0x6f, 0x00),
	ROW(5, "vmovdqa xmm0, fs:[rax] (segment allowed)", 0x64, 0xc5, 0xf9,
	    0x6f, 0x00),

	/* EVEX: 4-byte prefix, disp8*N keeps one displacement byte */
	ROW(6, "vmovups zmm0, zmm1", 0x62, 0xf1, 0x7c, 0x48, 0x10, 0xc1),
	ROW(8, "vmovdqa64 zmm0, [rsp+0x40] (disp8*64)", 0x62, 0xf1, 0xfd, 0x48,
	    0x6f, 0x44, 0x24, 0x01),
	ROW(11, "vmovups zmm0, [rsp+0x100] (disp32)", 0x62, 0xf1, 0x7c, 0x48,
	    0x10, 0x84, 0x24, 0x00, 0x01, 0x00, 0x00),
	ROW(10, "vmovups zmm0, [rip+0x100]", 0x62, 0xf1, 0x7c, 0x48, 0x10,
	    0x05, 0x00, 0x01, 0x00, 0x00),
	ROW(6, "vpshufb zmm0, zmm0, zmm1 (map 0F38)", 0x62, 0xf2, 0x7d, 0x48,
	    0x00, 0xc1),
	ROW(7, "vpalignr zmm0, zmm0, zmm1, 8 (map 0F3A)", 0x62, 0xf3, 0x7d,
	    0x48, 0x0f, 0xc1, 0x08),
	ROW(7, "vpsrad zmm0, zmm0, 4 (map 1, 72 imm8)", 0x62, 0xf1, 0x7d, 0x48,
	    0x72, 0xe0, 0x04),
	ROW(7, "vcmpps k0, zmm0, zmm1, 0", 0x62, 0xf1, 0x7c, 0x48, 0xc2, 0xc1,
	    0x00),
	ROW(6, "vaddph zmm0, zmm0, zmm1 (map 5)", 0x62, 0xf5, 0x7c, 0x48, 0x58,
	    0xc1),
	ROW(6, "vfmadd132ph zmm0, zmm0, zmm1 (map 6)", 0x62, 0xf6, 0x7d, 0x48,
	    0x98, 0xc1),
};

/* ---- encodings that must be refused */

static const struct len_row invalid_rows[] = {
	ROW(0, "push es (06)", 0x06, 0x90),
	ROW(0, "pop es (07)", 0x07, 0x90),
	ROW(0, "push cs (0E)", 0x0e, 0x90),
	ROW(0, "push ss (16)", 0x16, 0x90),
	ROW(0, "pop ss (17)", 0x17, 0x90),
	ROW(0, "push ds (1E)", 0x1e, 0x90),
	ROW(0, "pop ds (1F)", 0x1f, 0x90),
	ROW(0, "daa (27)", 0x27, 0x90),
	ROW(0, "das (2F)", 0x2f, 0x90),
	ROW(0, "aaa (37)", 0x37, 0x90),
	ROW(0, "aas (3F)", 0x3f, 0x90),
	ROW(0, "pusha (60)", 0x60, 0x90),
	ROW(0, "popa (61)", 0x61, 0x90),
	ROW(0, "82 alias of 80", 0x82, 0xc0, 0x05),
	ROW(0, "far call ptr16:32 (9A)", 0x9a, 1, 2, 3, 4, 5, 6),
	ROW(0, "into (CE)", 0xce, 0x90),
	ROW(0, "aam (D4)", 0xd4, 0x0a),
	ROW(0, "aad (D5, REX2 in APX)", 0xd5, 0x0a),
	ROW(0, "salc (D6)", 0xd6, 0x90),
	ROW(0, "far jmp ptr16:32 (EA)", 0xea, 1, 2, 3, 4, 5, 6),
	ROW(0, "0F 04", 0x0f, 0x04, 0x90),
	ROW(0, "0F 0A", 0x0f, 0x0a, 0x90),
	ROW(0, "0F 0C", 0x0f, 0x0c, 0x90),
	ROW(0, "mov tr (0F 24)", 0x0f, 0x24, 0xc0),
	ROW(0, "mov tr (0F 26)", 0x0f, 0x26, 0xc0),
	ROW(0, "0F 36", 0x0f, 0x36, 0x90),
	ROW(0, "0F 39", 0x0f, 0x39, 0x90),
	ROW(0, "0F 3B", 0x0f, 0x3b, 0x90),
	ROW(0, "0F 7A", 0x0f, 0x7a, 0xc0),
	ROW(0, "VIA xstore (0F A7)", 0x0f, 0xa7, 0xc0),
	ROW(0, "XOP vprotb (8F reg!=0)", 0x8f, 0xe8, 0x78, 0xc0, 0x01, 0x02),
	ROW(0, "VEX after 66", 0x66, 0xc5, 0xf8, 0x77),
	ROW(0, "VEX after F3", 0xf3, 0xc4, 0xe1, 0xf9, 0x7e, 0xc0),
	ROW(0, "VEX after F2", 0xf2, 0xc5, 0xf9, 0x6f, 0xc1),
	ROW(0, "VEX after F0", 0xf0, 0xc5, 0xf9, 0x6f, 0xc1),
	ROW(0, "VEX after REX", 0x48, 0xc5, 0xf9, 0x6f, 0xc1),
	ROW(0, "EVEX after REX", 0x41, 0x62, 0xf1, 0x7c, 0x48, 0x10, 0xc1),
	ROW(0, "EVEX after 66", 0x66, 0x62, 0xf1, 0x7c, 0x48, 0x10, 0xc1),
	ROW(0, "VEX map 0", 0xc4, 0xe0, 0x79, 0x00, 0xc1),
	ROW(0, "VEX map 4", 0xc4, 0xe4, 0x79, 0x00, 0xc1),
	ROW(0, "VEX map 5 (EVEX only)", 0xc4, 0xe5, 0x79, 0x58, 0xc1),
	ROW(0, "VEX map 7", 0xc4, 0xe7, 0x79, 0x00, 0xc1),
	ROW(0, "VEX map 1 opcode 80 (Jcc is not VEX)", 0xc5, 0xf8, 0x80, 0, 0,
	    0, 0),
	ROW(0, "VEX map 1 opcode 38 (no escape inside VEX)", 0xc5, 0xf8, 0x38,
	    0x00, 0xc1),
	ROW(0, "VEX map 1 opcode 20 (MOV CR is not VEX)", 0xc5, 0xf8, 0x20,
	    0xc0),
	ROW(0, "EVEX map 0", 0x62, 0xf0, 0x7c, 0x48, 0x10, 0xc1),
	ROW(0, "EVEX map 4 (APX)", 0x62, 0xf4, 0x7c, 0x48, 0x10, 0xc1),
	ROW(0, "EVEX map 7", 0x62, 0xf7, 0x7c, 0x48, 0x10, 0xc1),
	ROW(0, "EVEX map 1 opcode 77 (VEX only)", 0x62, 0xf1, 0x7c, 0x48,
	    0x77),
	ROW(0, "15 prefixes then nop: 16 bytes", 0x66, 0x66, 0x66, 0x66, 0x66,
	    0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x90),
	ROW(0, "6 prefixes then mov rax, imm64: 16 bytes", 0x2e, 0x2e, 0x2e,
	    0x2e, 0x2e, 0x2e, 0x48, 0xb8, 1, 2, 3, 4, 5, 6, 7, 8),
	ROW(0, "10 prefixes then nop word [rax+rax+0] (disp32): 19 bytes",
	    0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x2e,
	    0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00),
	ROW(0, "prefixes only", 0x66, 0x2e, 0x48),
};

/*
 * exact - a heap copy of the first n bytes of b (one byte at least, so
 * malloc never returns NULL for 0), so that the sanitizer build catches a
 * read past avail.
 */
static uint8_t *exact(const uint8_t *b, size_t n)
{
	uint8_t *p = malloc(n ? n : 1);

	assert_non_null(p);
	memcpy(p, b, n);
	return p;
}

/* the rows are well formed: lengths match byte counts, none too long */
static void test_table_rows_are_consistent(void **state)
{
	(void)state;
	assert_true(ARRAY_SIZE(valid_rows) >= 120);
	for (size_t i = 0; i < ARRAY_SIZE(valid_rows); i++) {
		const struct len_row *r = &valid_rows[i];

		if (r->len != r->n || r->n > X86_MAX_INSN_LEN)
			fail_msg("row \"%s\": length %u, %u bytes", r->what,
				 r->len, r->n);
	}
}

static void test_valid_encodings_have_their_length(void **state)
{
	static const uint8_t pads[] = { 0x00, 0x90, 0x66, 0x0f, 0xff };

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(valid_rows); i++) {
		const struct len_row *r = &valid_rows[i];
		uint8_t buf[3 * X86_MAX_INSN_LEN];
		uint8_t *p;
		unsigned got;

		/* exactly the bytes, in a buffer that ends there */
		p = exact(r->b, r->n);
		got = x86_insn_len(p, r->n);
		free(p);
		if (got != r->len)
			fail_msg("\"%s\": %u, want %u", r->what, got, r->len);
		/* followed by padding that a sloppy decoder would eat */
		for (size_t k = 0; k < ARRAY_SIZE(pads); k++) {
			memset(buf, pads[k], sizeof(buf));
			memcpy(buf, r->b, r->n);
			got = x86_insn_len(buf, sizeof(buf));
			if (got != r->len)
				fail_msg("\"%s\" + %02x...: %u, want %u",
					 r->what, pads[k], got, r->len);
		}
	}
}

static void test_invalid_encodings_are_refused(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(invalid_rows); i++) {
		const struct len_row *r = &invalid_rows[i];
		uint8_t buf[3 * X86_MAX_INSN_LEN];
		uint8_t *p = exact(r->b, r->n);
		unsigned got = x86_insn_len(p, r->n);

		free(p);
		if (got != 0)
			fail_msg("\"%s\": %u, want 0", r->what, got);
		/* padded with an invalid opcode, so "prefixes only" stays so */
		memset(buf, 0x06, sizeof(buf));
		memcpy(buf, r->b, r->n);
		got = x86_insn_len(buf, sizeof(buf));
		if (got != 0)
			fail_msg("\"%s\" + padding: %u, want 0", r->what, got);
	}
}

/* every valid row with one byte (or any number of bytes) missing */
static void test_truncated_encodings_are_refused(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(valid_rows); i++) {
		const struct len_row *r = &valid_rows[i];

		for (unsigned avail = 0; avail < r->n; avail++) {
			uint8_t *p = exact(r->b, avail);
			unsigned got = x86_insn_len(p, avail);

			free(p);
			if (got != 0)
				fail_msg("\"%s\" cut to %u bytes: %u, want 0",
					 r->what, avail, got);
		}
	}
}

/* a tiny xorshift: the sweep below is the same on every run */
static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/*
 * Random bytes, biased toward prefixes and escapes: the decoder never
 * reads past avail (the sanitizer build checks), never answers more than
 * min(avail, 15), answers the same with exactly its length available and
 * 0 with one byte less.
 */
static void test_random_bytes_stay_in_bounds(void **state)
{
	static const uint8_t hot[] = { 0x66, 0x67, 0xf2, 0xf3, 0xf0, 0x2e,
				       0x48, 0x41, 0x0f, 0x38, 0x3a, 0xc4,
				       0xc5, 0x62, 0x8f, 0xf6, 0xf7, 0xa1,
				       0x04, 0x05, 0x24, 0x25, 0x84, 0x44 };
	uint64_t seed = UINT64_C(0x9e3779b97f4a7c15);
	unsigned decoded = 0;

	(void)state;
	for (int i = 0; i < 200000; i++) {
		uint8_t b[X86_MAX_INSN_LEN];
		size_t avail = xorshift(&seed) % (X86_MAX_INSN_LEN + 1);
		unsigned got, again;
		uint8_t *p;

		for (size_t k = 0; k < sizeof(b); k++) {
			uint64_t x = xorshift(&seed);

			b[k] = (x & 3) == 0 ? hot[(x >> 8) % sizeof(hot)]
					    : (uint8_t)(x >> 16);
		}
		p = exact(b, avail);
		got = x86_insn_len(p, avail);
		free(p);
		if (got > avail)
			fail_msg("case %d: %u from %zu bytes", i, got, avail);
		if (got == 0)
			continue;
		decoded++;
		p = exact(b, got);
		again = x86_insn_len(p, got);
		free(p);
		assert_int_equal(again, got);
		assert_int_equal(x86_insn_len(b, got - 1), 0);
	}
	print_message("random sweep: %u of 200000 decoded\n", decoded);
	assert_true(decoded > 50000);
}

/* ---- the objdump cross-check */

struct xcheck {
	unsigned long checked;		/* instructions compared */
	unsigned long vex;		/* of which VEX (C4/C5) */
	unsigned long evex;		/* of which EVEX (62) */
	unsigned long bad;		/* "(bad)" lines skipped */
	unsigned long mismatched;
};

#define OP_FWAIT 0x9b
#define OP_VEX3 0xc4
#define OP_VEX2 0xc5
#define OP_EVEX 0x62

/* the first byte after legacy prefixes and REX */
static uint8_t first_opcode(const uint8_t *b, size_t n)
{
	static const uint8_t pfx[] = { 0x66, 0x67, 0xf0, 0xf2, 0xf3, 0x2e,
				       0x36, 0x3e, 0x26, 0x64, 0x65 };
	size_t i = 0;

	while (i + 1 < n && (memchr(pfx, b[i], sizeof(pfx)) != NULL ||
			     (b[i] & 0xf0) == 0x40))
		i++;
	return b[i];
}

/*
 * objdump_len_ok - does the decoder agree with one objdump line of n
 * bytes?  objdump shows FWAIT and the x87 instruction after it as one
 * (9B D9 /7 "fstcw"); the CPU executes two instructions, so the decoder
 * must see FWAIT (with any prefixes) alone and then the rest.
 */
static bool objdump_len_ok(const uint8_t *b, size_t n, unsigned *got)
{
	*got = x86_insn_len(b, n);
	if (*got > 0 && *got < n && b[*got - 1] == OP_FWAIT &&
	    first_opcode(b, n) == OP_FWAIT)
		return x86_insn_len(b + *got, n - *got) == n - *got;
	return *got == n;
}

enum { XCHECK_SHOW = 20 };		/* mismatches printed */

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * parse_insn - parse one line of `objdump -d -w`, "  addr:\tHH HH ...
 * \tmnemonic"; returns the number of bytes put in b (0: not an
 * instruction line) and points *mnem at the mnemonic.
 */
static size_t parse_insn(const char *s, uint8_t *b, size_t cap,
			 const char **mnem)
{
	size_t n = 0;

	while (*s == ' ')
		s++;
	if (hexval(*s) < 0)
		return 0;
	while (hexval(*s) >= 0)
		s++;
	if (s[0] != ':' || s[1] != '\t')
		return 0;
	s += 2;
	while (hexval(s[0]) >= 0 && hexval(s[1]) >= 0 && s[2] == ' ') {
		if (n == cap)
			return 0;
		b[n++] = (uint8_t)(hexval(s[0]) << 4 | hexval(s[1]));
		s += 3;
	}
	while (*s == ' ')
		s++;
	if (n == 0 || *s != '\t')
		return 0;
	*mnem = s + 1;
	return n;
}

/*
 * xcheck_file - disassemble `path` with objdump (Intel 64 semantics, as
 * the decoder follows: 66 does not shrink rel32) and compare every
 * decoded instruction's length.  objdump -d only disassembles executable
 * sections, so data sections are never compared.
 */
static void xcheck_file(const char *path, struct xcheck *xc)
{
	char cmd[PATH_MAX + 64], *line = NULL;
	size_t cap = 0;
	FILE *f;
	int rc;

	snprintf(cmd, sizeof(cmd), "objdump -d -w -M intel64 '%s' 2>/dev/null",
		 path);
	f = popen(cmd, "r");
	assert_non_null(f);
	while (getline(&line, &cap, f) > 0) {
		uint8_t b[64];
		const char *mnem;
		size_t n = parse_insn(line, b, sizeof(b), &mnem);
		unsigned got;
		uint8_t op;

		if (n == 0)
			continue;
		if (strncmp(mnem, "(bad)", 5) == 0) {
			xc->bad++;
			continue;
		}
		op = first_opcode(b, n);
		xc->checked++;
		xc->vex += op == OP_VEX3 || op == OP_VEX2;
		xc->evex += op == OP_EVEX;
		if (objdump_len_ok(b, n, &got))
			continue;
		if (xc->mismatched++ < XCHECK_SHOW)
			print_message("mismatch: got %u, objdump %zu: %s", got,
				      n, line);
	}
	free(line);
	rc = pclose(f);
	if (rc != 0)
		fail_msg("objdump on %s failed (status %d)", path, rc);
}

/* the first of `paths` that exists, or NULL */
static const char *first_file(const char *const *paths, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (access(paths[i], R_OK) == 0)
			return paths[i];
	return NULL;
}

static void test_objdump_agrees_on_libc_and_self(void **state)
{
	static const char *const musl[] = {
		"/usr/lib/musl/lib/libc.a",
		"/usr/lib/x86_64-linux-musl/libc.a",
		"/usr/local/musl/lib/libc.a",
	};
	static const char *const glibc[] = {
		"/usr/lib/x86_64-linux-gnu/libc.a",
		"/usr/lib64/libc.a",
	};
	struct xcheck xc = { 0 };
	char self[PATH_MAX];
	const char *path;
	ssize_t len;

	(void)state;
	if (system("objdump --version >/dev/null 2>&1") != 0)
		fail_msg("objdump (GNU binutils) is missing: the x86 length "
			 "cross-check cannot run; install binutils");

	path = first_file(musl, ARRAY_SIZE(musl));
	if (path == NULL)
		fail_msg("musl's libc.a is missing (looked in %s, %s, %s): "
			 "install musl-dev", musl[0], musl[1], musl[2]);
	xcheck_file(path, &xc);
	print_message("objdump: %lu instructions checked in %s (%lu (bad) "
		      "skipped)\n", xc.checked, path, xc.bad);
	if (xc.checked < 50000)
		fail_msg("only %lu instructions checked in %s, want 50000",
			 xc.checked, path);

	path = first_file(glibc, ARRAY_SIZE(glibc));
	if (path != NULL) {
		unsigned long before = xc.checked;

		xcheck_file(path, &xc);
		print_message("objdump: %lu instructions checked in %s\n",
			      xc.checked - before, path);
	}

	len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	assert_true(len > 0);
	self[len] = '\0';
	{
		unsigned long before = xc.checked;

		xcheck_file(self, &xc);
		print_message("objdump: %lu instructions checked in %s\n",
			      xc.checked - before, self);
	}
	print_message("objdump: %lu checked in all (%lu VEX, %lu EVEX), %lu "
		      "mismatched\n", xc.checked, xc.vex, xc.evex,
		      xc.mismatched);
	assert_int_equal(xc.mismatched, 0);
}

/* x86_reads_tsc: RDTSC and RDTSCP behind prefixes, nothing that merely looks alike */
static void test_tsc_readers_are_found(void **state)
{
	static const struct {
		uint8_t b[6];
		unsigned len;
		bool tsc;
	} rows[] = {
		{ { 0x0f, 0x31 }, 2, true },                    /* rdtsc */
		{ { 0x0f, 0x01, 0xf9 }, 3, true },              /* rdtscp */
		{ { 0x66, 0x48, 0x0f, 0x31 }, 4, true },        /* rdtsc behind 66 and REX.W */
		{ { 0xf3, 0x0f, 0x01, 0xf9 }, 4, true },        /* rdtscp behind F3 */
		{ { 0x0f, 0x01, 0xf8 }, 3, false },             /* swapgs */
		{ { 0x0f, 0x01, 0xd0 }, 3, false },             /* xgetbv */
		{ { 0x0f, 0x32 }, 2, false },                   /* rdmsr */
		{ { 0x0f, 0xa2 }, 2, false },                   /* cpuid */
		{ { 0x0f, 0xc7, 0xf0 }, 3, false },             /* rdrand eax */
		{ { 0x31, 0x0f }, 2, false },                   /* xor [rdi], ecx: 0F is its ModRM */
		{ { 0x0f }, 1, false },                         /* cut short */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		if (x86_reads_tsc(rows[i].b, rows[i].len) != rows[i].tsc)
			fail_msg("row %zu: expected %d", i, rows[i].tsc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_rows_are_consistent),
		cmocka_unit_test(test_valid_encodings_have_their_length),
		cmocka_unit_test(test_invalid_encodings_are_refused),
		cmocka_unit_test(test_truncated_encodings_are_refused),
		cmocka_unit_test(test_random_bytes_stay_in_bounds),
		cmocka_unit_test(test_objdump_agrees_on_libc_and_self),
		cmocka_unit_test(test_tsc_readers_are_found),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
