/*
 * elf.c - static x86-64 ELF executables and their initial stack (see elf.h).
 *
 * The file is only ever read as bytes: every field goes through elf_get(),
 * which asserts its range lies inside the buffer, and every range is
 * checked against the file length (without overflowing) before a field in
 * it is read.  So a truncated or hostile file can at worst earn a message,
 * never a wild read, and nothing depends on the buffer's alignment.
 *
 * The checks run in file order -- identification, header, the program
 * header table, each program header, then the whole-image ones (entry,
 * AT_PHDR) -- and the first that fails says where it is ("byte N" or
 * "program header I (byte N)") and what it expected and found.
 */
#include "sim/elf/elf.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/*
 * ELF64 header (gABI "ELF Header"; x86-64 psABI §4.1), the fields read:
 *
 *   byte size field        accepted
 *      0    4 EI_MAG0..3   7f 45 4c 46
 *      4    1 EI_CLASS     2  ELFCLASS64
 *      5    1 EI_DATA      1  ELFDATA2LSB
 *      6    1 EI_VERSION   1  EV_CURRENT
 *     16    2 e_type       2  ET_EXEC
 *     18    2 e_machine   62  EM_X86_64
 *     20    4 e_version    1  EV_CURRENT
 *     24    8 e_entry         inside an executable PT_LOAD
 *     32    8 e_phoff         the table inside the file
 *     54    2 e_phentsize 56
 *     56    2 e_phnum      1 .. 65534 (65535 is PN_XNUM)
 */
#define EH_SIZE 64
#define EH_CLASS 4
#define EH_DATA 5
#define EH_IVERSION 6
#define EH_TYPE 16
#define EH_MACHINE 18
#define EH_VERSION 20
#define EH_ENTRY 24
#define EH_PHOFF 32
#define EH_PHENTSIZE 54
#define EH_PHNUM 56

#define ELFCLASS64 2
#define ELFDATA2LSB 1
#define EV_CURRENT 1
#define ET_REL 1
#define ET_EXEC 2
#define ET_DYN 3
#define ET_CORE 4
#define EM_X86_64 62
#define PN_XNUM 0xffff

/*
 * ELF64 program header (gABI "Program Header"):
 *
 *   byte size field
 *      0    4 p_type
 *      4    4 p_flags      PF_X 1, PF_W 2, PF_R 4
 *      8    8 p_offset
 *     16    8 p_vaddr
 *     24    8 p_paddr      (ignored)
 *     32    8 p_filesz
 *     40    8 p_memsz
 *     48    8 p_align      (ignored: the congruence that matters is the page's)
 */
#define PH_SIZE 56
#define PH_TYPE 0
#define PH_FLAGS 4
#define PH_OFFSET 8
#define PH_VADDR 16
#define PH_FILESZ 32
#define PH_MEMSZ 40

#define PT_LOAD 1
#define PT_DYNAMIC 2
#define PT_INTERP 3
#define PT_PHDR 6

#define PF_X 0x1u
#define PF_W 0x2u
#define PF_R 0x4u

/* the canonical lower half: user addresses are below 2^47 */
#define ELF_VA_LIMIT (UINT64_C(1) << 47)

#define ELF_STACK_ALIGN 16
#define ELF_RANDOM_BYTES 16
#define ELF_CLKTCK 100

/* one parse: the file, the message buffer and what is known so far */
struct elf_rd {
	const uint8_t *er_buf;
	size_t er_len;
	char *er_why;
	size_t er_whylen;
	uint64_t er_entry;              /* e_entry */
	uint64_t er_phoff;              /* e_phoff */
	unsigned er_phnum;              /* e_phnum */
	unsigned er_segph[ELF_MAX_SEGS];        /* the program header of each segment */
	bool er_has_phdr;               /* a PT_PHDR was seen */
	unsigned er_phdr_i;             /* ... which program header */
	uint64_t er_phdr_va;            /* ... its p_vaddr */
	struct elf_image er_im;         /* the result, copied out on success */
};

/* a program header's fields, as read */
struct elf_ph {
	uint32_t p_type;
	uint32_t p_flags;
	uint64_t p_offset;
	uint64_t p_vaddr;
	uint64_t p_filesz;
	uint64_t p_memsz;
};

/* elf_get - the `n`-byte (1..8) little-endian value at byte `off` */
static uint64_t elf_get(const struct elf_rd *er, uint64_t off, unsigned n)
{
	uint64_t v = 0;

	ES_ASSERT(n <= 8 && off <= er->er_len && n <= er->er_len - off,
		  "off %" PRIu64 " n %u len %zu", off, n, er->er_len);
	for (unsigned i = n; i-- > 0;)
		v = v << 8 | er->er_buf[off + i];
	return v;
}

/* elf_vfail - write prefix then the message to why; -ENOEXEC */
static int elf_vfail(const struct elf_rd *er, const char *prefix,
		     const char *fmt, va_list ap)
{
	int n;

	if (er->er_whylen == 0)
		return -ENOEXEC;
	n = snprintf(er->er_why, er->er_whylen, "%s", prefix);
	if (n >= 0 && (size_t)n < er->er_whylen)
		vsnprintf(er->er_why + n, er->er_whylen - (size_t)n, fmt, ap);
	return -ENOEXEC;
}

/* elf_fail - "byte OFF: <message>"; -ENOEXEC */
__attribute__((format(printf, 3, 4))) static int
elf_fail(const struct elf_rd *er, uint64_t off, const char *fmt, ...)
{
	char prefix[48];
	va_list ap;
	int err;

	snprintf(prefix, sizeof(prefix), "byte %" PRIu64 ": ", off);
	va_start(ap, fmt);
	err = elf_vfail(er, prefix, fmt, ap);
	va_end(ap);
	return err;
}

/* elf_phfail - "program header I (byte N): <message>"; -ENOEXEC */
__attribute__((format(printf, 3, 4))) static int
elf_phfail(const struct elf_rd *er, unsigned i, const char *fmt, ...)
{
	char prefix[64];
	va_list ap;
	int err;

	snprintf(prefix, sizeof(prefix), "program header %u (byte %" PRIu64 "): ",
		 i, er->er_phoff + (uint64_t)i * PH_SIZE);
	va_start(ap, fmt);
	err = elf_vfail(er, prefix, fmt, ap);
	va_end(ap);
	return err;
}

/* ---- the header */

/* elf_check_magic - the first four bytes, as many as the file has */
static int elf_check_magic(const struct elf_rd *er)
{
	static const uint8_t magic[4] = { 0x7f, 'E', 'L', 'F' };
	size_t n = er->er_len < 4 ? er->er_len : 4;
	char found[16] = "";
	size_t at = 0;

	if (memcmp(er->er_buf, magic, n) == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		at += (size_t)snprintf(found + at, sizeof(found) - at, "%s%02x",
				       i ? " " : "", er->er_buf[i]);
	return elf_fail(er, 0,
			"not an ELF file (magic 7f 45 4c 46 expected, found %s)",
			found);
}

static const char *elf_class_name(unsigned c)
{
	return c == 1 ? "32-bit" : c == 2 ? "64-bit" : "invalid";
}

static const char *elf_data_name(unsigned d)
{
	return d == 1 ? "little endian" : d == 2 ? "big endian" : "invalid";
}

/* elf_check_ident - magic, length, e_ident's class, data and version */
static int elf_check_ident(const struct elf_rd *er)
{
	unsigned cls, data, ver;
	int err;

	err = elf_check_magic(er);
	if (err)
		return err;
	if (er->er_len < EH_SIZE)
		return elf_fail(er, er->er_len,
				"the file ends (%zu bytes) inside the ELF header (%d bytes expected)",
				er->er_len, EH_SIZE);
	cls = (unsigned)elf_get(er, EH_CLASS, 1);
	if (cls != ELFCLASS64)
		return elf_fail(er, EH_CLASS,
				"ELF class %u (%s), expected 2 (64-bit)", cls,
				elf_class_name(cls));
	data = (unsigned)elf_get(er, EH_DATA, 1);
	if (data != ELFDATA2LSB)
		return elf_fail(er, EH_DATA,
				"data encoding %u (%s), expected 1 (little endian)",
				data, elf_data_name(data));
	ver = (unsigned)elf_get(er, EH_IVERSION, 1);
	if (ver != EV_CURRENT)
		return elf_fail(er, EH_IVERSION,
				"EI_VERSION %u, expected 1 (EV_CURRENT)", ver);
	return 0;
}

/* elf_check_type - e_type: ET_EXEC, or a message saying what it is instead */
static int elf_check_type(const struct elf_rd *er)
{
	unsigned t = (unsigned)elf_get(er, EH_TYPE, 2);

	switch (t) {
	case ET_EXEC:
		return 0;
	case ET_DYN:
		return elf_fail(er, EH_TYPE,
				"e_type 3 (ET_DYN): a position-independent executable or a shared library, expected 2 (ET_EXEC): only static non-PIE executables run (link with -static -no-pie)");
	case ET_REL:
		return elf_fail(er, EH_TYPE,
				"e_type 1 (ET_REL): a relocatable object file, not a linked executable; expected 2 (ET_EXEC)");
	case ET_CORE:
		return elf_fail(er, EH_TYPE,
				"e_type 4 (ET_CORE): a core dump; expected 2 (ET_EXEC)");
	default:
		return elf_fail(er, EH_TYPE, "e_type %u, expected 2 (ET_EXEC)",
				t);
	}
}

static const char *elf_machine_name(unsigned m)
{
	static const struct {
		unsigned m;
		const char *name;
	} names[] = {
		{ 3, " (EM_386)" },     { 8, " (EM_MIPS)" },
		{ 20, " (EM_PPC)" },    { 21, " (EM_PPC64)" },
		{ 22, " (EM_S390)" },   { 40, " (EM_ARM)" },
		{ 50, " (EM_IA_64)" },  { 183, " (EM_AARCH64)" },
		{ 243, " (EM_RISCV)" }, { 258, " (EM_LOONGARCH)" },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].m == m)
			return names[i].name;
	return "";
}

/* elf_check_phtab - e_phentsize, e_phnum, and the table inside the file */
static int elf_check_phtab(struct elf_rd *er)
{
	unsigned entsize = (unsigned)elf_get(er, EH_PHENTSIZE, 2);
	uint64_t tabsz;

	if (entsize != PH_SIZE)
		return elf_fail(er, EH_PHENTSIZE, "e_phentsize %u, expected %d",
				entsize, PH_SIZE);
	er->er_phoff = elf_get(er, EH_PHOFF, 8);
	er->er_phnum = (unsigned)elf_get(er, EH_PHNUM, 2);
	if (er->er_phnum == 0)
		return elf_fail(er, EH_PHNUM,
				"e_phnum is 0: no program headers, expected 1 to %d PT_LOAD among them",
				ELF_MAX_SEGS);
	if (er->er_phnum == PN_XNUM)
		return elf_fail(er, EH_PHNUM,
				"e_phnum is 65535 (PN_XNUM, the count in section header 0): not supported, expected fewer program headers");
	tabsz = (uint64_t)er->er_phnum * PH_SIZE;
	if (er->er_phoff > er->er_len || tabsz > er->er_len - er->er_phoff)
		return elf_fail(er, EH_PHOFF,
				"the program header table (e_phoff %#" PRIx64 ", %u headers of %d bytes) goes past the end of the file (%zu bytes)",
				er->er_phoff, er->er_phnum, PH_SIZE, er->er_len);
	return 0;
}

/* elf_check_header - the 64-byte header, e_ident on */
static int elf_check_header(struct elf_rd *er)
{
	unsigned mach, ver;
	int err;

	err = elf_check_ident(er);
	if (!err)
		err = elf_check_type(er);
	if (err)
		return err;
	mach = (unsigned)elf_get(er, EH_MACHINE, 2);
	if (mach != EM_X86_64)
		return elf_fail(er, EH_MACHINE,
				"e_machine is %u%s, expected 62 (EM_X86_64)", mach,
				elf_machine_name(mach));
	ver = (unsigned)elf_get(er, EH_VERSION, 4);
	if (ver != EV_CURRENT)
		return elf_fail(er, EH_VERSION,
				"e_version %u, expected 1 (EV_CURRENT)", ver);
	er->er_entry = elf_get(er, EH_ENTRY, 8);
	return elf_check_phtab(er);
}

/* ---- the program headers */

static void elf_read_ph(const struct elf_rd *er, unsigned i, struct elf_ph *ph)
{
	uint64_t at = er->er_phoff + (uint64_t)i * PH_SIZE;

	ph->p_type = (uint32_t)elf_get(er, at + PH_TYPE, 4);
	ph->p_flags = (uint32_t)elf_get(er, at + PH_FLAGS, 4);
	ph->p_offset = elf_get(er, at + PH_OFFSET, 8);
	ph->p_vaddr = elf_get(er, at + PH_VADDR, 8);
	ph->p_filesz = elf_get(er, at + PH_FILESZ, 8);
	ph->p_memsz = elf_get(er, at + PH_MEMSZ, 8);
}

static uint32_t elf_prot(uint32_t p_flags)
{
	return ((p_flags & PF_R) ? VM_PROT_READ : 0) |
	       ((p_flags & PF_W) ? VM_PROT_WRITE : 0) |
	       ((p_flags & PF_X) ? VM_PROT_EXEC : 0);
}

/* elf_check_place - a PT_LOAD's own ranges: in the file, in the address space */
static int elf_check_place(const struct elf_rd *er, unsigned i,
			   const struct elf_ph *ph)
{
	if (ph->p_filesz > ph->p_memsz)
		return elf_phfail(er, i,
				  "p_filesz %#" PRIx64 " is larger than p_memsz %#" PRIx64 ", expected at most p_memsz",
				  ph->p_filesz, ph->p_memsz);
	if (ph->p_offset > er->er_len || ph->p_filesz > er->er_len - ph->p_offset)
		return elf_phfail(er, i,
				  "p_offset %#" PRIx64 " + p_filesz %#" PRIx64 " goes past the end of the file (%zu bytes)",
				  ph->p_offset, ph->p_filesz, er->er_len);
	if ((ph->p_vaddr & PAGE_MASK) != (ph->p_offset & PAGE_MASK))
		return elf_phfail(er, i,
				  "p_vaddr %#" PRIx64 " and p_offset %#" PRIx64 " differ modulo 4096 (%#" PRIx64 " vs %#" PRIx64 "), expected the same offset in the page",
				  ph->p_vaddr, ph->p_offset,
				  ph->p_vaddr & PAGE_MASK, ph->p_offset & PAGE_MASK);
	if (ph->p_vaddr < PAGE_SIZE)
		return elf_phfail(er, i,
				  "p_vaddr %#" PRIx64 " is in the first page, expected 0x1000 or above",
				  ph->p_vaddr);
	if (ph->p_vaddr > ELF_VA_LIMIT || ph->p_memsz > ELF_VA_LIMIT - ph->p_vaddr)
		return elf_phfail(er, i,
				  "p_vaddr %#" PRIx64 " + p_memsz %#" PRIx64 " goes past 0x800000000000, expected the segment in the lower canonical half",
				  ph->p_vaddr, ph->p_memsz);
	return 0;
}

/* elf_add_load - check a PT_LOAD and append it to the image's segments */
static int elf_add_load(struct elf_rd *er, unsigned i, const struct elf_ph *ph)
{
	struct elf_image *im = &er->er_im;
	struct elf_seg *s;
	int err;

	if (im->ei_nsegs == ELF_MAX_SEGS)
		return elf_phfail(er, i,
				  "PT_LOAD number %d, expected at most %d PT_LOAD segments",
				  ELF_MAX_SEGS + 1, ELF_MAX_SEGS);
	err = elf_check_place(er, i, ph);
	if (err)
		return err;
	if (im->ei_nsegs > 0) {
		const struct elf_seg *prev = &im->ei_segs[im->ei_nsegs - 1];
		uint64_t prev_end = prev->es_vaddr + prev->es_memsz;

		if (ph->p_vaddr < prev_end)
			return elf_phfail(er, i,
					  "p_vaddr %#" PRIx64 " is below %#" PRIx64 ", the end of the previous PT_LOAD (program header %u), expected ascending segments that do not overlap",
					  ph->p_vaddr, prev_end,
					  er->er_segph[im->ei_nsegs - 1]);
	}
	er->er_segph[im->ei_nsegs] = i;
	s = &im->ei_segs[im->ei_nsegs++];
	s->es_vaddr = ph->p_vaddr;
	s->es_memsz = ph->p_memsz;
	s->es_off = ph->p_offset;
	s->es_filesz = ph->p_filesz;
	s->es_prot = elf_prot(ph->p_flags);
	return 0;
}

/* elf_scan_phdrs - every program header: PT_LOAD kept, dynamic refused */
static int elf_scan_phdrs(struct elf_rd *er)
{
	struct elf_ph ph;
	int err;

	for (unsigned i = 0; i < er->er_phnum; i++) {
		elf_read_ph(er, i, &ph);
		switch (ph.p_type) {
		case PT_LOAD:
			err = elf_add_load(er, i, &ph);
			if (err)
				return err;
			break;
		case PT_INTERP:
			return elf_phfail(er, i,
					  "PT_INTERP: a dynamically linked program; only static executables run");
		case PT_DYNAMIC:
			return elf_phfail(er, i,
					  "PT_DYNAMIC: a dynamically linked program; only static executables run");
		case PT_PHDR:
			if (!er->er_has_phdr) {
				er->er_has_phdr = true;
				er->er_phdr_i = i;
				er->er_phdr_va = ph.p_vaddr;
			}
			break;
		default:        /* PT_TLS, PT_NOTE, PT_GNU_*: nothing to load */
			break;
		}
	}
	if (er->er_im.ei_nsegs == 0)
		return elf_fail(er, EH_PHNUM,
				"none of the %u program headers is a PT_LOAD, expected 1 to %d",
				er->er_phnum, ELF_MAX_SEGS);
	return 0;
}

/* ---- the whole image */

/* elf_seg_at - the segment whose memory holds `va`, or -1 */
static int elf_seg_at(const struct elf_image *im, uint64_t va)
{
	for (unsigned k = 0; k < im->ei_nsegs; k++) {
		const struct elf_seg *s = &im->ei_segs[k];

		if (va >= s->es_vaddr && va - s->es_vaddr < s->es_memsz)
			return (int)k;
	}
	return -1;
}

static int elf_check_entry(const struct elf_rd *er)
{
	const struct elf_image *im = &er->er_im;
	int k = elf_seg_at(im, er->er_entry);
	char rights[4];
	uint32_t prot;
	size_t n = 0;

	if (k < 0)
		return elf_fail(er, EH_ENTRY,
				"e_entry %#" PRIx64 " is in no PT_LOAD segment, expected an address in an executable one",
				er->er_entry);
	prot = im->ei_segs[k].es_prot;
	if (prot & VM_PROT_EXEC)
		return 0;
	if (prot & VM_PROT_READ)
		rights[n++] = 'R';
	if (prot & VM_PROT_WRITE)
		rights[n++] = 'W';
	rights[n] = '\0';
	return elf_fail(er, EH_ENTRY,
			"e_entry %#" PRIx64 " is in the segment of program header %u, which is not executable (p_flags \"%s\"), expected an executable one",
			er->er_entry, er->er_segph[k], rights);
}

/*
 * elf_find_phdr - AT_PHDR: PT_PHDR's p_vaddr, which must lie in the bytes
 * a segment loads from the file (the C library reads the headers there to
 * find PT_TLS); without one, where the segment holding e_phoff loads it.
 */
static int elf_find_phdr(struct elf_rd *er)
{
	struct elf_image *im = &er->er_im;
	uint64_t tabsz = (uint64_t)er->er_phnum * PH_SIZE;

	for (unsigned k = 0; k < im->ei_nsegs; k++) {
		const struct elf_seg *s = &im->ei_segs[k];

		if (er->er_has_phdr && er->er_phdr_va >= s->es_vaddr &&
		    er->er_phdr_va - s->es_vaddr <= s->es_filesz &&
		    tabsz <= s->es_filesz - (er->er_phdr_va - s->es_vaddr)) {
			im->ei_phdr = er->er_phdr_va;
			return 0;
		}
		if (!er->er_has_phdr && er->er_phoff >= s->es_off &&
		    er->er_phoff - s->es_off <= s->es_filesz &&
		    tabsz <= s->es_filesz - (er->er_phoff - s->es_off)) {
			im->ei_phdr = s->es_vaddr + (er->er_phoff - s->es_off);
			return 0;
		}
	}
	if (er->er_has_phdr)
		return elf_phfail(er, er->er_phdr_i,
				  "PT_PHDR p_vaddr %#" PRIx64 " (%" PRIu64 " bytes) is not inside the file bytes of a PT_LOAD segment, expected the program headers to be loaded",
				  er->er_phdr_va, tabsz);
	return elf_fail(er, EH_PHOFF,
			"the program headers (bytes %" PRIu64 "..%" PRIu64 ") are in no PT_LOAD segment and there is no PT_PHDR, expected them to be loaded (AT_PHDR)",
			er->er_phoff, er->er_phoff + tabsz);
}

int elf_parse(const uint8_t *buf, size_t len, struct elf_image *im,
	      char *why, size_t whylen)
{
	struct elf_rd er;
	const struct elf_seg *last;
	int err;

	memset(&er, 0, sizeof(er));
	er.er_buf = buf;
	er.er_len = len;
	er.er_why = why;
	er.er_whylen = whylen;
	if (whylen > 0)
		why[0] = '\0';
	err = elf_check_header(&er);
	if (!err)
		err = elf_scan_phdrs(&er);
	if (!err)
		err = elf_check_entry(&er);
	if (!err)
		err = elf_find_phdr(&er);
	if (err)
		return err;
	last = &er.er_im.ei_segs[er.er_im.ei_nsegs - 1];
	er.er_im.ei_entry = er.er_entry;
	er.er_im.ei_phnum = er.er_phnum;
	er.er_im.ei_phent = PH_SIZE;
	er.er_im.ei_end = (last->es_vaddr + last->es_memsz + PAGE_MASK) & ~PAGE_MASK;
	*im = er.er_im;
	return 0;
}

/*
 * ---- the initial stack
 *
 * Sizes are added with saturation, so absurd argument counts or string
 * lengths come out as "too big" rather than wrapping.  Nothing is written
 * until the whole size is known to fit.
 */

/* the auxv entries, AT_NULL included */
#define ELF_NAUX 17

static uint64_t elf_add_sat(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static uint64_t elf_mul_sat(uint64_t a, uint64_t b)
{
	return b != 0 && a > UINT64_MAX / b ? UINT64_MAX : a * b;
}

/* elf_strings_size - the argument and environment strings with their NULs */
static uint64_t elf_strings_size(const struct elf_stack_args *a)
{
	uint64_t n = 0;

	for (size_t i = 0; i < a->argc; i++)
		n = elf_add_sat(n, elf_add_sat(strlen(a->argv[i]), 1));
	for (size_t i = 0; i < a->envc; i++)
		n = elf_add_sat(n, elf_add_sat(strlen(a->envp[i]), 1));
	return n;
}

/* elf_vectors_size - argc, argv + NULL, envp + NULL and auxv, in bytes */
static uint64_t elf_vectors_size(const struct elf_stack_args *a)
{
	uint64_t words = elf_add_sat(a->argc, a->envc);

	words = elf_add_sat(words, 3 + 2 * ELF_NAUX);
	return elf_mul_sat(words, sizeof(uint64_t));
}

static void elf_put64(uint8_t *p, uint64_t v)
{
	for (unsigned i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/*
 * elf_put_strings - copy `n` strings to buf[*off..], their addresses
 * (sp + offset) to the 8-byte slots from buf[slot]; NULL after the last.
 */
static void elf_put_strings(uint8_t *buf, uint64_t sp, size_t *off,
			    size_t slot, const char *const *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(s[i]) + 1;

		memcpy(buf + *off, s[i], len);
		elf_put64(buf + slot + 8 * i, sp + *off);
		*off += len;
	}
	elf_put64(buf + slot + 8 * n, 0);
}

static void elf_put_auxv(uint8_t *p, const struct elf_image *im,
			 uint64_t random_va, uint64_t execfn_va)
{
	const uint64_t av[ELF_NAUX][2] = {
		{ ELF_AT_PHDR, im->ei_phdr },
		{ ELF_AT_PHENT, im->ei_phent },
		{ ELF_AT_PHNUM, im->ei_phnum },
		{ ELF_AT_PAGESZ, PAGE_SIZE },
		{ ELF_AT_BASE, 0 },
		{ ELF_AT_FLAGS, 0 },
		{ ELF_AT_ENTRY, im->ei_entry },
		{ ELF_AT_UID, 0 },
		{ ELF_AT_EUID, 0 },
		{ ELF_AT_GID, 0 },
		{ ELF_AT_EGID, 0 },
		{ ELF_AT_SECURE, 0 },
		{ ELF_AT_CLKTCK, ELF_CLKTCK },
		{ ELF_AT_HWCAP, 0 },
		{ ELF_AT_RANDOM, random_va },
		{ ELF_AT_EXECFN, execfn_va },
		{ ELF_AT_NULL, 0 },
	};

	for (unsigned k = 0; k < ELF_NAUX; k++) {
		elf_put64(p + 16 * k, av[k][0]);
		elf_put64(p + 16 * k + 8, av[k][1]);
	}
}

int elf_stack(const struct elf_image *im, const struct elf_stack_args *a,
	      uint8_t *buf, size_t cap, uint64_t *sp, size_t *used)
{
	uint64_t strsz, need, base;
	size_t n, strs, rnd, envslot;

	ES_ASSERT(a->top % ELF_STACK_ALIGN == 0, "top %#" PRIx64, a->top);
	ES_ASSERT(a->argc == 0 || a->argv != NULL, "argc %zu", a->argc);
	ES_ASSERT(a->envc == 0 || a->envp != NULL, "envc %zu", a->envc);
	strsz = elf_strings_size(a);
	need = elf_add_sat(strsz, ELF_RANDOM_BYTES);
	need = elf_add_sat(need, elf_vectors_size(a));
	need = elf_add_sat(need, ELF_STACK_ALIGN - 1) & ~(uint64_t)(ELF_STACK_ALIGN - 1);
	if (need > cap || need > a->top)
		return -E2BIG;
	n = (size_t)need;
	base = a->top - need;
	strs = n - (size_t)strsz;
	rnd = strs - ELF_RANDOM_BYTES;
	envslot = 8 * (a->argc + 2);
	memset(buf, 0, n);
	elf_put64(buf, a->argc);
	elf_put_strings(buf, base, &strs, 8, a->argv, a->argc);
	elf_put_strings(buf, base, &strs, envslot, a->envp, a->envc);
	memcpy(buf + rnd, a->random, ELF_RANDOM_BYTES);
	elf_put_auxv(buf + envslot + 8 * (a->envc + 1), im, base + rnd,
		     a->argc > 0 ? base + n - strsz : 0);
	*sp = base;
	*used = n;
	return 0;
}
