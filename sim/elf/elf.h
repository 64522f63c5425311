/*
 * elf.h - the loader's view of a static x86-64 ELF executable, and the
 * initial process stack the System V x86-64 ABI (§3.4.1) prescribes.
 *
 * Only what `musl-gcc -static` (and `gcc -static`) produce is accepted:
 *
 *   ELF64, little endian, EV_CURRENT, e_machine EM_X86_64, ET_EXEC,
 *   no PT_INTERP, no PT_DYNAMIC, 1..ELF_MAX_SEGS PT_LOAD segments, each
 *   with p_filesz <= p_memsz, p_offset + p_filesz inside the file,
 *   p_vaddr % PAGE_SIZE == p_offset % PAGE_SIZE, the whole segment in the
 *   lower canonical half (below 2^47) and above the first page, segments
 *   in ascending order without overlapping bytes (two may share a page:
 *   the loader gives such a page the union of their rights), e_entry in an
 *   executable segment, e_phoff/e_phnum/e_phentsize (56) inside the file,
 *   and the program headers loaded from the file by a PT_LOAD (at PT_PHDR's
 *   p_vaddr if there is one, else where the segment holding e_phoff puts it).
 *
 * Everything is parsed from a byte buffer the caller owns; nothing here
 * touches files, so the same checks serve the loader, the tests and the
 * fuzz targets.  Errors say where ("byte N") and what was expected; the
 * caller prefixes the file name.
 *
 *   initial stack (grows down; ABI Fig. 3.9), from `sp` upwards:
 *
 *   sp ->  argc                          8 bytes
 *          argv[0] .. argv[argc-1], NULL  8 bytes each
 *          envp[0] .. envp[envc-1], NULL
 *          auxv: (type, value) pairs ending with AT_NULL
 *          padding
 *          16 random bytes (AT_RANDOM points here)
 *          the argument and environment strings, NUL-terminated
 *   top -> (end of the stack region)
 *
 * sp is 16-byte aligned (the ABI: %rsp is 16-byte aligned at process entry).
 */
#ifndef EPTSIM_SIM_ELF_ELF_H
#define EPTSIM_SIM_ELF_ELF_H

#include "sim/base.h"

#define ELF_MAX_SEGS 16

/* one PT_LOAD segment */
struct elf_seg {
	uint64_t es_vaddr;      /* p_vaddr */
	uint64_t es_memsz;      /* p_memsz: bytes in memory (the rest of filesz is zero: .bss) */
	uint64_t es_off;        /* p_offset */
	uint64_t es_filesz;     /* p_filesz: bytes from the file */
	uint32_t es_prot;       /* VM_PROT_* from p_flags (PF_R, PF_W, PF_X) */
};

struct elf_image {
	uint64_t ei_entry;      /* e_entry, inside an executable segment */
	uint64_t ei_phdr;       /* the program headers' virtual address (AT_PHDR) */
	uint64_t ei_phnum;      /* e_phnum (AT_PHNUM) */
	uint64_t ei_phent;      /* e_phentsize (AT_PHENT) */
	unsigned ei_nsegs;
	struct elf_seg ei_segs[ELF_MAX_SEGS];   /* by ascending es_vaddr */
	uint64_t ei_end;        /* page-aligned end of the highest segment: where brk starts */
};

/*
 * elf_parse - check `buf` (`len` bytes, the whole file) as a static x86-64
 * executable and describe it in `im`.  0, or -ENOEXEC with `why` (at most
 * `whylen` bytes) saying, e.g., "byte 18: e_machine is 3 (EM_386), expected
 * 62 (EM_X86_64)" or "byte 0: not an ELF file (magic 7f 45 4c 46 expected)"
 * or "program header 2 (byte 176): PT_INTERP: a dynamically linked
 * program; only static executables run".
 */
int elf_parse(const uint8_t *buf, size_t len, struct elf_image *im,
	      char *why, size_t whylen) MUST_CHECK;

/* the auxiliary vector types the stack carries (<elf.h> values) */
#define ELF_AT_NULL 0
#define ELF_AT_PHDR 3
#define ELF_AT_PHENT 4
#define ELF_AT_PHNUM 5
#define ELF_AT_PAGESZ 6
#define ELF_AT_BASE 7
#define ELF_AT_FLAGS 8
#define ELF_AT_ENTRY 9
#define ELF_AT_UID 11
#define ELF_AT_EUID 12
#define ELF_AT_GID 13
#define ELF_AT_EGID 14
#define ELF_AT_HWCAP 16
#define ELF_AT_CLKTCK 17
#define ELF_AT_SECURE 23
#define ELF_AT_RANDOM 25
#define ELF_AT_EXECFN 31

struct elf_stack_args {
	const char *const *argv;        /* argc strings */
	size_t argc;
	const char *const *envp;        /* envc strings */
	size_t envc;
	uint8_t random[16];             /* AT_RANDOM's bytes (from the workload seed) */
	uint64_t top;                   /* the stack's end (exclusive), 16-byte aligned */
};

/*
 * elf_stack - the initial stack of a process running `im` with `a`: the
 * bytes of [*sp, a->top) into buf[0 .. *used) (buf[0] is at *sp).  The
 * auxv holds AT_PHDR, AT_PHENT, AT_PHNUM, AT_PAGESZ, AT_BASE (0), AT_FLAGS
 * (0), AT_ENTRY, AT_UID/EUID/GID/EGID (0), AT_SECURE (0), AT_CLKTCK (100),
 * AT_HWCAP (0), AT_RANDOM, AT_EXECFN (argv[0]; 0 if argc is 0), AT_NULL.
 * 0, or -E2BIG if it needs more than `cap` bytes (or more than a->top);
 * nothing is written then.
 */
int elf_stack(const struct elf_image *im, const struct elf_stack_args *a,
	      uint8_t *buf, size_t cap, uint64_t *sp, size_t *used) MUST_CHECK;

#endif
