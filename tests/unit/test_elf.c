/*
 * test_elf.c - the ELF loader's checks and the initial stack (sim/elf).
 *
 * Every case builds its image in memory from a spec; the base image has
 * the shape `musl-gcc -static` gives (readelf -l):
 *
 *   ph  type       offset  vaddr     filesz memsz  flags
 *    0  LOAD       0x0000  0x400000  0x200  0x200  R     ELF and program headers
 *    1  LOAD       0x1000  0x401000  0x100  0x100  R X   text, e_entry 0x401010
 *    2  LOAD       0x1100  0x402100  0x040  0x300  RW    data + bss
 *    3  GNU_STACK  0       0         0      0      RW
 *    4  TLS        0x1100  0x402100  0x008  0x010  R
 *
 * e_phoff 64, so program header i is at byte 64 + 56 * i; the file is
 * 0x1140 bytes, ending with segment 2's file bytes.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sim/elf/elf.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define PT_LOAD 1
#define PT_DYNAMIC 2
#define PT_INTERP 3
#define PT_NOTE 4
#define PT_PHDR 6
#define PT_TLS 7
#define PT_GNU_STACK 0x6474e551u
#define PF_X 1u
#define PF_W 2u
#define PF_R 4u

/* byte offsets of the fields the cases patch */
#define E_IDENT_OSABI 7
#define E_TYPE 16
#define E_MACHINE 18
#define E_VERSION 20
#define E_ENTRY 24
#define E_PHOFF 32
#define E_PHENTSIZE 54
#define E_PHNUM 56
#define PH(i) (64 + 56 * (i))
#define P_TYPE 0
#define P_FLAGS 4
#define P_OFFSET 8
#define P_VADDR 16
#define P_FILESZ 32
#define P_MEMSZ 40

#define BASE_LEN 0x1140
#define IMG_MAX 0x4000
#define VA_LIMIT (UINT64_C(1) << 47)

struct tph {
	uint32_t type, flags;
	uint64_t off, vaddr, filesz, memsz;
};

struct tspec {
	uint64_t entry;
	uint64_t phoff;
	unsigned nph;
	struct tph ph[20];
};

static const struct tspec base_spec = {
	.entry = 0x401010,
	.phoff = 64,
	.nph = 5,
	.ph = {
		{ PT_LOAD, PF_R, 0, 0x400000, 0x200, 0x200 },
		{ PT_LOAD, PF_R | PF_X, 0x1000, 0x401000, 0x100, 0x100 },
		{ PT_LOAD, PF_R | PF_W, 0x1100, 0x402100, 0x40, 0x300 },
		{ PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0 },
		{ PT_TLS, PF_R, 0x1100, 0x402100, 8, 16 },
	},
};

static void put(uint8_t *p, uint64_t off, unsigned n, uint64_t v)
{
	for (unsigned i = 0; i < n; i++)
		p[off + i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get(const uint8_t *p, uint64_t off, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = n; i-- > 0;)
		v = v << 8 | p[off + i];
	return v;
}

/*
 * build - the image `t` describes into buf (IMG_MAX bytes): the header,
 * the program headers at t->phoff, segment bytes as a pattern; its length
 * is where the last thing in it ends.
 */
static size_t build(const struct tspec *t, uint8_t *buf)
{
	size_t len = (size_t)t->phoff + 56 * t->nph;

	for (size_t i = 0; i < IMG_MAX; i++)
		buf[i] = (uint8_t)(i * 7 + 1);
	memset(buf, 0, 64);
	memcpy(buf, "\x7f" "ELF", 4);
	buf[4] = 2;
	buf[5] = 1;
	buf[6] = 1;
	put(buf, E_TYPE, 2, 2);
	put(buf, E_MACHINE, 2, 62);
	put(buf, E_VERSION, 4, 1);
	put(buf, E_ENTRY, 8, t->entry);
	put(buf, E_PHOFF, 8, t->phoff);
	put(buf, 52, 2, 64);
	put(buf, E_PHENTSIZE, 2, 56);
	put(buf, E_PHNUM, 2, t->nph);
	for (unsigned i = 0; i < t->nph; i++) {
		const struct tph *p = &t->ph[i];
		uint64_t at = t->phoff + 56 * i;

		memset(buf + at, 0, 56);
		put(buf, at + P_TYPE, 4, p->type);
		put(buf, at + P_FLAGS, 4, p->flags);
		put(buf, at + P_OFFSET, 8, p->off);
		put(buf, at + P_VADDR, 8, p->vaddr);
		put(buf, at + 24, 8, p->vaddr);
		put(buf, at + P_FILESZ, 8, p->filesz);
		put(buf, at + P_MEMSZ, 8, p->memsz);
		put(buf, at + 48, 8, 0x1000);
		if (p->off + p->filesz > len)
			len = (size_t)(p->off + p->filesz);
	}
	assert_true(len <= IMG_MAX);
	return len;
}

/* parse_ok - parse buf, asserting success */
static void parse_ok(const uint8_t *buf, size_t len, struct elf_image *im)
{
	char why[256] = "unset";

	if (elf_parse(buf, len, im, why, sizeof(why)) != 0)
		fail_msg("rejected: %s", why);
	assert_string_equal(why, "");
}

/* ---- the base image, and variations that must be accepted */

static void test_base_image_parses_to_exact_fields(void **state)
{
	static uint8_t buf[IMG_MAX];
	size_t len = build(&base_spec, buf);
	struct elf_image im;

	(void)state;
	assert_int_equal(len, BASE_LEN);
	parse_ok(buf, len, &im);
	assert_int_equal(im.ei_entry, 0x401010);
	assert_int_equal(im.ei_phdr, 0x400040);
	assert_int_equal(im.ei_phnum, 5);
	assert_int_equal(im.ei_phent, 56);
	assert_int_equal(im.ei_nsegs, 3);
	assert_int_equal(im.ei_end, 0x403000);

	assert_int_equal(im.ei_segs[0].es_vaddr, 0x400000);
	assert_int_equal(im.ei_segs[0].es_memsz, 0x200);
	assert_int_equal(im.ei_segs[0].es_off, 0);
	assert_int_equal(im.ei_segs[0].es_filesz, 0x200);
	assert_int_equal(im.ei_segs[0].es_prot, VM_PROT_READ);

	assert_int_equal(im.ei_segs[1].es_vaddr, 0x401000);
	assert_int_equal(im.ei_segs[1].es_memsz, 0x100);
	assert_int_equal(im.ei_segs[1].es_off, 0x1000);
	assert_int_equal(im.ei_segs[1].es_filesz, 0x100);
	assert_int_equal(im.ei_segs[1].es_prot, VM_PROT_READ | VM_PROT_EXEC);

	assert_int_equal(im.ei_segs[2].es_vaddr, 0x402100);
	assert_int_equal(im.ei_segs[2].es_memsz, 0x300);
	assert_int_equal(im.ei_segs[2].es_off, 0x1100);
	assert_int_equal(im.ei_segs[2].es_filesz, 0x40);
	assert_int_equal(im.ei_segs[2].es_prot, VM_PROT_READ | VM_PROT_WRITE);
}

/* a patch: `width` bytes of `value` at byte `off` of the base image */
struct patch {
	uint64_t off;
	unsigned width;
	uint64_t value;
};

static size_t patched(uint8_t *buf, const struct patch *p, size_t np)
{
	size_t len = build(&base_spec, buf);

	for (size_t i = 0; i < np && p[i].width; i++)
		put(buf, p[i].off, p[i].width, p[i].value);
	return len;
}

static const struct accept_case {
	const char *name;
	struct patch p[3];
	uint64_t phdr;          /* expected ei_phdr */
	uint64_t end;           /* expected ei_end */
	unsigned nsegs;
} accept_cases[] = {
	{ "PT_PHDR at the headers' address gives it",
	  { { PH(3) + P_TYPE, 4, PT_PHDR }, { PH(3) + P_VADDR, 8, 0x400040 } },
	  0x400040, 0x403000, 3 },
	{ "PT_PHDR's p_vaddr is taken as it is, if loaded",
	  { { PH(3) + P_TYPE, 4, PT_PHDR }, { PH(3) + P_VADDR, 8, 0x400080 } },
	  0x400080, 0x403000, 3 },
	{ "two segments may share a page without sharing bytes",
	  { { PH(2) + P_VADDR, 8, 0x401100 } }, 0x400040, 0x402000, 3 },
	{ "a segment may end exactly at 2^47",
	  { { PH(2) + P_VADDR, 8, 0x7ffffffff100 },
	    { PH(2) + P_MEMSZ, 8, 0xf00 } },
	  0x400040, VA_LIMIT, 3 },
	{ "e_entry at the first byte of the text", { { E_ENTRY, 8, 0x401000 } },
	  0x400040, 0x403000, 3 },
	{ "e_entry at the last byte of the text", { { E_ENTRY, 8, 0x4010ff } },
	  0x400040, 0x403000, 3 },
	{ "unknown and note program headers are ignored",
	  { { PH(3) + P_TYPE, 4, 0x12345678 }, { PH(4) + P_TYPE, 4, PT_NOTE } },
	  0x400040, 0x403000, 3 },
	{ "EI_OSABI 3 (GNU/Linux, as gcc -static may set) is accepted",
	  { { E_IDENT_OSABI, 1, 3 } }, 0x400040, 0x403000, 3 },
	{ "a segment with nothing from the file (all bss)",
	  { { PH(2) + P_FILESZ, 8, 0 } }, 0x400040, 0x403000, 3 },
	{ "unknown p_flags bits are ignored",
	  { { PH(1) + P_FLAGS, 4, 0xf0000000u | PF_X } }, 0x400040, 0x403000, 3 },
};

static void test_accepts_each_variation(void **state)
{
	static uint8_t buf[IMG_MAX];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(accept_cases); i++) {
		const struct accept_case *c = &accept_cases[i];
		size_t len = patched(buf, c->p, ARRAY_SIZE(c->p));
		struct elf_image im;

		print_message("case: %s\n", c->name);
		parse_ok(buf, len, &im);
		assert_int_equal(im.ei_phdr, c->phdr);
		assert_int_equal(im.ei_end, c->end);
		assert_int_equal(im.ei_nsegs, c->nsegs);
	}
}

static void test_prot_follows_p_flags(void **state)
{
	static uint8_t buf[IMG_MAX];
	static const struct {
		uint32_t flags, prot;
	} rows[] = {
		{ PF_X, VM_PROT_EXEC },
		{ PF_R | PF_X, VM_PROT_READ | VM_PROT_EXEC },
		{ PF_W | PF_X, VM_PROT_WRITE | VM_PROT_EXEC },
		{ PF_R | PF_W | PF_X, VM_PROT_READ | VM_PROT_WRITE | VM_PROT_EXEC },
	};
	static const struct {
		uint32_t flags, prot;
	} data_rows[] = {
		{ 0, 0 },
		{ PF_R, VM_PROT_READ },
		{ PF_W, VM_PROT_WRITE },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		struct patch p = { PH(1) + P_FLAGS, 4, rows[i].flags };
		size_t len = patched(buf, &p, 1);
		struct elf_image im;

		parse_ok(buf, len, &im);
		assert_int_equal(im.ei_segs[1].es_prot, rows[i].prot);
	}
	for (size_t i = 0; i < ARRAY_SIZE(data_rows); i++) {
		struct patch p = { PH(2) + P_FLAGS, 4, data_rows[i].flags };
		size_t len = patched(buf, &p, 1);
		struct elf_image im;

		parse_ok(buf, len, &im);
		assert_int_equal(im.ei_segs[2].es_prot, data_rows[i].prot);
	}
}

/* the headers found through a segment that does not start at offset 0 */
static void test_phdr_found_through_segment_offset(void **state)
{
	static uint8_t buf[IMG_MAX];
	struct tspec t = base_spec;
	struct elf_image im;
	size_t len;

	(void)state;
	t.phoff = 0x1010;
	t.ph[0].filesz = t.ph[0].memsz = 0x40;
	t.ph[1].filesz = t.ph[1].memsz = 0x200;
	t.ph[2].off = 0x1200;
	t.ph[2].vaddr = 0x402200;
	t.ph[4].type = PT_NOTE;
	len = build(&t, buf);
	parse_ok(buf, len, &im);
	assert_int_equal(im.ei_phdr, 0x401010);
}

/* ---- rejections: one row per rule, the message names the byte */

static const struct reject_case {
	const char *name;
	struct patch p[3];
	const char *msg;        /* a substring of the message */
} reject_cases[] = {
	{ "bad magic", { { 0, 1, 0x7e } },
	  "byte 0: not an ELF file (magic 7f 45 4c 46 expected, found 7e 45 4c 46)" },
	{ "32-bit class", { { 4, 1, 1 } },
	  "byte 4: ELF class 1 (32-bit), expected 2 (64-bit)" },
	{ "big endian", { { 5, 1, 2 } },
	  "byte 5: data encoding 2 (big endian), expected 1 (little endian)" },
	{ "EI_VERSION 0", { { 6, 1, 0 } },
	  "byte 6: EI_VERSION 0, expected 1 (EV_CURRENT)" },
	{ "ET_DYN says PIE", { { E_TYPE, 2, 3 } },
	  "byte 16: e_type 3 (ET_DYN): a position-independent executable" },
	{ "ET_DYN says only static non-PIE run", { { E_TYPE, 2, 3 } },
	  "only static non-PIE executables run" },
	{ "ET_REL", { { E_TYPE, 2, 1 } },
	  "byte 16: e_type 1 (ET_REL): a relocatable object file" },
	{ "ET_CORE", { { E_TYPE, 2, 4 } }, "byte 16: e_type 4 (ET_CORE)" },
	{ "ET_NONE", { { E_TYPE, 2, 0 } },
	  "byte 16: e_type 0, expected 2 (ET_EXEC)" },
	{ "i386", { { E_MACHINE, 2, 3 } },
	  "byte 18: e_machine is 3 (EM_386), expected 62 (EM_X86_64)" },
	{ "aarch64", { { E_MACHINE, 2, 183 } },
	  "byte 18: e_machine is 183 (EM_AARCH64), expected 62" },
	{ "unknown machine", { { E_MACHINE, 2, 999 } },
	  "byte 18: e_machine is 999, expected 62 (EM_X86_64)" },
	{ "e_version 2", { { E_VERSION, 4, 2 } },
	  "byte 20: e_version 2, expected 1 (EV_CURRENT)" },
	{ "e_phentsize 64", { { E_PHENTSIZE, 2, 64 } },
	  "byte 54: e_phentsize 64, expected 56" },
	{ "no program headers", { { E_PHNUM, 2, 0 } },
	  "byte 56: e_phnum is 0: no program headers" },
	{ "PN_XNUM", { { E_PHNUM, 2, 0xffff } },
	  "byte 56: e_phnum is 65535 (PN_XNUM" },
	{ "table starts past the end", { { E_PHOFF, 8, BASE_LEN + 1 } },
	  "byte 32: the program header table (e_phoff 0x1141, 5 headers of 56 bytes) goes past the end of the file (4416 bytes)" },
	{ "table ends one byte past the end",
	  { { E_PHOFF, 8, BASE_LEN - 5 * 56 + 1 } },
	  "byte 32: the program header table (e_phoff 0x1029" },
	{ "e_phoff wraps around", { { E_PHOFF, 8, UINT64_C(0xfffffffffffffff0) } },
	  "byte 32: the program header table (e_phoff 0xfffffffffffffff0" },
	{ "e_phnum past the end", { { E_PHNUM, 2, 100 } },
	  "byte 32: the program header table (e_phoff 0x40, 100 headers of 56 bytes) goes past" },
	{ "PT_INTERP", { { PH(3) + P_TYPE, 4, PT_INTERP } },
	  "program header 3 (byte 232): PT_INTERP: a dynamically linked program; only static executables run" },
	{ "PT_DYNAMIC", { { PH(4) + P_TYPE, 4, PT_DYNAMIC } },
	  "program header 4 (byte 288): PT_DYNAMIC: a dynamically linked program" },
	{ "no PT_LOAD",
	  { { PH(0) + P_TYPE, 4, PT_NOTE }, { PH(1) + P_TYPE, 4, PT_NOTE },
	    { PH(2) + P_TYPE, 4, PT_NOTE } },
	  "byte 56: none of the 5 program headers is a PT_LOAD, expected 1 to 16" },
	{ "filesz above memsz", { { PH(1) + P_FILESZ, 8, 0x101 } },
	  "program header 1 (byte 120): p_filesz 0x101 is larger than p_memsz 0x100" },
	{ "file bytes one past the end", { { PH(2) + P_FILESZ, 8, 0x41 } },
	  "program header 2 (byte 176): p_offset 0x1100 + p_filesz 0x41 goes past the end of the file (4416 bytes)" },
	{ "p_offset past the end", { { PH(2) + P_OFFSET, 8, 0x2100 } },
	  "program header 2 (byte 176): p_offset 0x2100 + p_filesz 0x40 goes past the end of the file" },
	{ "p_offset + p_filesz wraps",
	  { { PH(2) + P_OFFSET, 8, UINT64_C(0xffffffffffffff00) } },
	  "program header 2 (byte 176): p_offset 0xffffffffffffff00 + p_filesz 0x40 goes past the end" },
	{ "huge p_filesz",
	  { { PH(2) + P_FILESZ, 8, UINT64_MAX }, { PH(2) + P_MEMSZ, 8, UINT64_MAX } },
	  "program header 2 (byte 176): p_offset 0x1100 + p_filesz 0xffffffffffffffff goes past" },
	{ "vaddr and offset not congruent", { { PH(1) + P_VADDR, 8, 0x401010 } },
	  "program header 1 (byte 120): p_vaddr 0x401010 and p_offset 0x1000 differ modulo 4096" },
	{ "segment in the first page", { { PH(0) + P_VADDR, 8, 0 } },
	  "program header 0 (byte 64): p_vaddr 0 is in the first page, expected 0x1000 or above" },
	{ "segment crossing 2^47",
	  { { PH(2) + P_VADDR, 8, 0x7ffffffff100 }, { PH(2) + P_MEMSZ, 8, 0xf01 } },
	  "program header 2 (byte 176): p_vaddr 0x7ffffffff100 + p_memsz 0xf01 goes past 0x800000000000" },
	{ "p_vaddr + p_memsz wraps", { { PH(2) + P_MEMSZ, 8, UINT64_MAX } },
	  "program header 2 (byte 176): p_vaddr 0x402100 + p_memsz 0xffffffffffffffff goes past 0x800000000000" },
	{ "segment in the kernel half",
	  { { PH(2) + P_VADDR, 8, UINT64_C(0xffff800000000100) } },
	  "program header 2 (byte 176): p_vaddr 0xffff800000000100 + p_memsz 0x300 goes past" },
	{ "segments overlapping", { { PH(1) + P_VADDR, 8, 0x400000 } },
	  "program header 1 (byte 120): p_vaddr 0x400000 is below 0x400200, the end of the previous PT_LOAD (program header 0)" },
	{ "segments overlapping by one byte", { { PH(1) + P_MEMSZ, 8, 0x1101 } },
	  "program header 2 (byte 176): p_vaddr 0x402100 is below 0x402101" },
	{ "segments out of order", { { PH(2) + P_VADDR, 8, 0x300100 } },
	  "program header 2 (byte 176): p_vaddr 0x300100 is below 0x401100, the end of the previous PT_LOAD (program header 1)" },
	{ "e_entry in no segment", { { E_ENTRY, 8, 0x500000 } },
	  "byte 24: e_entry 0x500000 is in no PT_LOAD segment" },
	{ "e_entry one past the text", { { E_ENTRY, 8, 0x401100 } },
	  "byte 24: e_entry 0x401100 is in no PT_LOAD segment" },
	{ "e_entry 0", { { E_ENTRY, 8, 0 } },
	  "byte 24: e_entry 0 is in no PT_LOAD segment" },
	{ "e_entry in the data", { { E_ENTRY, 8, 0x402200 } },
	  "byte 24: e_entry 0x402200 is in the segment of program header 2, which is not executable (p_flags \"RW\")" },
	{ "headers not in any segment's file bytes",
	  { { PH(0) + P_FILESZ, 8, 0x100 } },
	  "byte 32: the program headers (bytes 64..344) are in no PT_LOAD segment and there is no PT_PHDR" },
	{ "PT_PHDR pointing outside the segments",
	  { { PH(3) + P_TYPE, 4, PT_PHDR }, { PH(3) + P_VADDR, 8, 0x500000 } },
	  "program header 3 (byte 232): PT_PHDR p_vaddr 0x500000 (280 bytes) is not inside the file bytes of a PT_LOAD segment" },
	{ "PT_PHDR running past a segment's file bytes",
	  { { PH(3) + P_TYPE, 4, PT_PHDR },
	    { PH(3) + P_VADDR, 8, 0x400200 - 279 } },
	  "program header 3 (byte 232): PT_PHDR p_vaddr 0x4000e9" },
};

static void test_rejects_each_rule_saying_where(void **state)
{
	static uint8_t buf[IMG_MAX];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(reject_cases); i++) {
		const struct reject_case *c = &reject_cases[i];
		size_t len = patched(buf, c->p, ARRAY_SIZE(c->p));
		struct elf_image im;
		char why[512] = "";

		print_message("case: %s\n", c->name);
		assert_int_equal(elf_parse(buf, len, &im, why, sizeof(why)),
				 -ENOEXEC);
		if (strstr(why, c->msg) == NULL)
			fail_msg("message \"%s\" lacks \"%s\"", why, c->msg);
	}
}

static void test_rejects_a_text_file(void **state)
{
	static const char text[] = "#!/bin/sh\necho hello\n";
	struct elf_image im;
	char why[256];

	(void)state;
	assert_int_equal(elf_parse((const uint8_t *)text, sizeof(text) - 1, &im,
				   why, sizeof(why)),
			 -ENOEXEC);
	assert_string_equal(why,
			    "byte 0: not an ELF file (magic 7f 45 4c 46 expected, found 23 21 2f 62)");
}

/* a spec of n one-page PT_LOAD segments, the first holding the headers */
static size_t build_loads(uint8_t *buf, unsigned n)
{
	struct tspec t = { .entry = 0x401000, .phoff = 64, .nph = n };

	for (unsigned i = 0; i < n; i++) {
		t.ph[i].type = PT_LOAD;
		t.ph[i].flags = i == 1 ? PF_R | PF_X : PF_R;
		t.ph[i].vaddr = 0x400000 + 0x1000 * (uint64_t)i;
		t.ph[i].memsz = 0x1000;
		t.ph[i].filesz = i == 0 ? 0x400 : 0;
	}
	return build(&t, buf);
}

static void test_segment_count_limit(void **state)
{
	static uint8_t buf[IMG_MAX];
	struct elf_image im;
	char why[256] = "";
	size_t len;

	(void)state;
	len = build_loads(buf, ELF_MAX_SEGS);
	parse_ok(buf, len, &im);
	assert_int_equal(im.ei_nsegs, ELF_MAX_SEGS);
	assert_int_equal(im.ei_end, 0x400000 + 0x1000 * ELF_MAX_SEGS);
	assert_int_equal(im.ei_segs[ELF_MAX_SEGS - 1].es_vaddr,
			 0x400000 + 0x1000 * (ELF_MAX_SEGS - 1));

	len = build_loads(buf, ELF_MAX_SEGS + 1);
	assert_int_equal(elf_parse(buf, len, &im, why, sizeof(why)), -ENOEXEC);
	assert_string_equal(why,
			    "program header 16 (byte 960): PT_LOAD number 17, expected at most 16 PT_LOAD segments");
}

/* the message is cut to whylen bytes, always NUL-terminated */
static void test_message_respects_whylen(void **state)
{
	static uint8_t buf[IMG_MAX];
	struct patch p = { 4, 1, 1 };
	size_t len = patched(buf, &p, 1);
	struct elf_image im;
	char why[16];

	(void)state;
	memset(why, 'x', sizeof(why));
	assert_int_equal(elf_parse(buf, len, &im, why, 10), -ENOEXEC);
	assert_string_equal(why, "byte 4: E");
	assert_int_equal(why[10], 'x');
	memset(why, 'x', sizeof(why));
	assert_int_equal(elf_parse(buf, len, &im, why, 1), -ENOEXEC);
	assert_string_equal(why, "");
	assert_int_equal(why[1], 'x');
	assert_int_equal(elf_parse(buf, len, &im, NULL, 0), -ENOEXEC);
}

/* ---- hostile input: truncation and mutation never crash */

/* copy - a heap copy of exactly len bytes, so ASan sees any overread */
static uint8_t *copy(const uint8_t *src, size_t len)
{
	uint8_t *p = malloc(len ? len : 1);

	assert_non_null(p);
	memcpy(p, src, len);
	return p;
}

static void test_every_truncation_is_rejected(void **state)
{
	static uint8_t buf[IMG_MAX];
	size_t len = build(&base_spec, buf);

	(void)state;
	for (size_t n = 0; n <= len; n++) {
		uint8_t *p = copy(buf, n);
		struct elf_image im;
		char why[256] = "";
		char want[128];
		int r = elf_parse(p, n, &im, why, sizeof(why));

		if (n == len) {
			assert_int_equal(r, 0);
		} else {
			assert_int_equal(r, -ENOEXEC);
			assert_true(why[0] != '\0');
		}
		if (n < 64) {
			snprintf(want, sizeof(want),
				 "byte %zu: the file ends (%zu bytes) inside the ELF header (64 bytes expected)",
				 n, n);
			assert_string_equal(why, want);
		}
		free(p);
	}
}

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* check_image - what a successful parse promises about its result */
static void check_image(const struct elf_image *im, size_t len)
{
	const struct elf_seg *last;
	bool entry_ok = false;

	assert_in_range(im->ei_nsegs, 1, ELF_MAX_SEGS);
	assert_int_equal(im->ei_phent, 56);
	for (unsigned k = 0; k < im->ei_nsegs; k++) {
		const struct elf_seg *s = &im->ei_segs[k];

		assert_true(s->es_filesz <= s->es_memsz);
		assert_true(s->es_off <= len && s->es_filesz <= len - s->es_off);
		assert_int_equal(s->es_vaddr & PAGE_MASK, s->es_off & PAGE_MASK);
		assert_true(s->es_vaddr >= PAGE_SIZE);
		assert_true(s->es_vaddr + s->es_memsz <= VA_LIMIT);
		if (k > 0)
			assert_true(s->es_vaddr >= im->ei_segs[k - 1].es_vaddr +
						   im->ei_segs[k - 1].es_memsz);
		if ((s->es_prot & VM_PROT_EXEC) && im->ei_entry >= s->es_vaddr &&
		    im->ei_entry < s->es_vaddr + s->es_memsz)
			entry_ok = true;
	}
	assert_true(entry_ok);
	last = &im->ei_segs[im->ei_nsegs - 1];
	assert_int_equal(im->ei_end & PAGE_MASK, 0);
	assert_true(im->ei_end >= last->es_vaddr + last->es_memsz);
	assert_true(im->ei_end < last->es_vaddr + last->es_memsz + PAGE_SIZE);
}

/*
 * 20000 images, each the base with 1-4 bytes replaced (most in the
 * headers, where the checks are) and one in eight also cut short.
 */
static void test_mutations_never_crash(void **state)
{
	static uint8_t buf[IMG_MAX];
	size_t len = build(&base_spec, buf);
	uint64_t s = 0x9e3779b97f4a7c15u;
	unsigned ok = 0, rejected = 0;

	(void)state;
	for (unsigned it = 0; it < 20000; it++) {
		size_t n = len;
		uint8_t *p;
		struct elf_image im;
		char why[256] = "";
		unsigned flips = 1 + (unsigned)(xorshift(&s) % 4);
		int r;

		if (xorshift(&s) % 8 == 0)
			n = (size_t)(xorshift(&s) % (len + 1));
		p = copy(buf, n);
		for (unsigned f = 0; f < flips && n > 0; f++) {
			uint64_t r2 = xorshift(&s);
			size_t span = r2 % 4 ? PH(5) : n;
			size_t at = (size_t)((r2 >> 8) % (span < n ? span : n));

			p[at] = (uint8_t)(r2 >> 40);
		}
		r = elf_parse(p, n, &im, why, sizeof(why));
		if (r == 0) {
			check_image(&im, n);
			ok++;
		} else {
			assert_int_equal(r, -ENOEXEC);
			assert_true(why[0] != '\0');
			rejected++;
		}
		free(p);
	}
	/* both outcomes occur, or the loop tests less than it claims */
	assert_true(ok > 100);
	assert_true(rejected > 100);
}

/* ---- the initial stack */

#define TOP UINT64_C(0x7ffffffff000)

struct decoded {
	const uint8_t *buf;
	uint64_t sp;
	size_t used;
};

/* at - the buffer offset of [va, va + n), asserting it is on the stack */
static size_t at(const struct decoded *d, uint64_t va, size_t n)
{
	assert_true(va >= d->sp);
	assert_true(va - d->sp <= d->used && n <= d->used - (va - d->sp));
	return (size_t)(va - d->sp);
}

static uint64_t word(const struct decoded *d, uint64_t va)
{
	return get(d->buf, at(d, va, 8), 8);
}

static void assert_string_at(const struct decoded *d, uint64_t va,
			     const char *want)
{
	size_t off = at(d, va, strlen(want) + 1);

	assert_memory_equal(d->buf + off, want, strlen(want) + 1);
}

static struct elf_image stack_image(void)
{
	static uint8_t buf[IMG_MAX];
	size_t len = build(&base_spec, buf);
	struct elf_image im;

	parse_ok(buf, len, &im);
	return im;
}

/* expected_used - the formula: strings, random, vectors, rounded to 16 */
static size_t expected_used(const struct elf_stack_args *a)
{
	size_t n = 16 + 8 * (1 + a->argc + 1 + a->envc + 1 + 2 * 17);

	for (size_t i = 0; i < a->argc; i++)
		n += strlen(a->argv[i]) + 1;
	for (size_t i = 0; i < a->envc; i++)
		n += strlen(a->envp[i]) + 1;
	return (n + 15) & ~(size_t)15;
}

/*
 * decode_stack - walk the stack as the C library's _start does, asserting
 * every pointer and auxv value; returns AT_EXECFN.
 */
static uint64_t decode_stack(const struct decoded *d,
			     const struct elf_image *im,
			     const struct elf_stack_args *a)
{
	uint64_t va = d->sp, random_va = 0, execfn = UINT64_MAX;
	uint64_t want[32][2];
	unsigned seen[32] = { 0 };
	size_t nwant = 0;

	assert_int_equal(d->sp % 16, 0);
	assert_int_equal(d->used, a->top - d->sp);
	assert_int_equal(word(d, va), a->argc);
	va += 8;
	for (size_t i = 0; i < a->argc; i++, va += 8)
		assert_string_at(d, word(d, va), a->argv[i]);
	assert_int_equal(word(d, va), 0);
	va += 8;
	for (size_t i = 0; i < a->envc; i++, va += 8)
		assert_string_at(d, word(d, va), a->envp[i]);
	assert_int_equal(word(d, va), 0);
	va += 8;

#define WANT(t, v) (want[nwant][0] = (t), want[nwant++][1] = (v))
	WANT(ELF_AT_PHDR, im->ei_phdr);
	WANT(ELF_AT_PHENT, 56);
	WANT(ELF_AT_PHNUM, im->ei_phnum);
	WANT(ELF_AT_PAGESZ, 4096);
	WANT(ELF_AT_BASE, 0);
	WANT(ELF_AT_FLAGS, 0);
	WANT(ELF_AT_ENTRY, im->ei_entry);
	WANT(ELF_AT_UID, 0);
	WANT(ELF_AT_EUID, 0);
	WANT(ELF_AT_GID, 0);
	WANT(ELF_AT_EGID, 0);
	WANT(ELF_AT_SECURE, 0);
	WANT(ELF_AT_CLKTCK, 100);
	WANT(ELF_AT_HWCAP, 0);
#undef WANT
	for (;; va += 16) {
		uint64_t type = word(d, va), val = word(d, va + 8);
		bool known = false;

		if (type == ELF_AT_NULL) {
			assert_int_equal(val, 0);
			break;
		}
		if (type == ELF_AT_RANDOM) {
			random_va = val;
			known = true;
			seen[nwant]++;
		}
		if (type == ELF_AT_EXECFN) {
			execfn = val;
			known = true;
			seen[nwant + 1]++;
		}
		for (size_t k = 0; k < nwant; k++) {
			if (want[k][0] != type)
				continue;
			assert_int_equal(val, want[k][1]);
			seen[k]++;
			known = true;
		}
		if (!known)
			fail_msg("unexpected auxv type %llu", (unsigned long long)type);
	}
	for (size_t k = 0; k < nwant + 2; k++)
		assert_int_equal(seen[k], 1);
	/* the 16 random bytes sit between the vectors and the strings */
	assert_memory_equal(d->buf + at(d, random_va, 16), a->random, 16);
	assert_true(random_va >= va + 16);
	for (size_t i = 0; i < a->argc; i++)
		assert_true(word(d, d->sp + 8 + 8 * i) >= random_va + 16);
	return execfn;
}

static void test_stack_layout_decodes(void **state)
{
	static const char *const argv[] = { "prog", "a b", "" };
	static const char *const envp[] = { "HOME=/", "X=1" };
	struct elf_image im = stack_image();
	struct elf_stack_args a = {
		.argv = argv, .argc = 3, .envp = envp, .envc = 2, .top = TOP,
	};
	static uint8_t buf[4096];
	struct decoded d = { .buf = buf };
	uint64_t execfn;

	(void)state;
	for (unsigned i = 0; i < 16; i++)
		a.random[i] = (uint8_t)(0xa0 + i);
	assert_int_equal(elf_stack(&im, &a, buf, sizeof(buf), &d.sp, &d.used), 0);
	assert_int_equal(d.used, expected_used(&a));
	execfn = decode_stack(&d, &im, &a);
	assert_int_equal(execfn, word(&d, d.sp + 8));
	/* the strings fill the top: argv's first, envp's last ends at top */
	assert_int_equal(word(&d, d.sp + 8), TOP - 21);
	assert_string_at(&d, TOP - 4, "X=1");
	/* the bytes not otherwise described (padding) are zero */
	assert_int_equal(buf[d.used - 21 - 16 - 1], 0);
}

static void test_stack_without_arguments(void **state)
{
	struct elf_image im = stack_image();
	struct elf_stack_args a = { .top = TOP };
	static uint8_t buf[4096];
	struct decoded d = { .buf = buf };

	(void)state;
	assert_int_equal(elf_stack(&im, &a, buf, sizeof(buf), &d.sp, &d.used), 0);
	assert_int_equal(d.used, expected_used(&a));
	assert_int_equal(decode_stack(&d, &im, &a), 0);
}

/* sp stays 16-aligned, with less than 16 bytes of padding, for any sizes */
static void test_stack_alignment_for_every_length(void **state)
{
	static const char *const envp[] = { "A=1", "LONGER=abcdefg" };
	static const char letters[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV";
	struct elf_image im = stack_image();
	static uint8_t buf[4096];

	(void)state;
	for (size_t len = 0; len < sizeof(letters); len++) {
		for (size_t envc = 0; envc <= 2; envc++) {
			char name[sizeof(letters)];
			const char *argv[] = { name, "x" };
			struct elf_stack_args a = {
				.argv = argv, .argc = 1 + len % 2,
				.envp = envp, .envc = envc, .top = TOP,
			};
			struct decoded d = { .buf = buf };

			memcpy(name, letters, len);
			name[len] = '\0';
			assert_int_equal(elf_stack(&im, &a, buf, sizeof(buf),
						   &d.sp, &d.used), 0);
			assert_int_equal(d.used, expected_used(&a));
			decode_stack(&d, &im, &a);
		}
	}
}

static void test_stack_too_small_is_e2big(void **state)
{
	static const char *const argv[] = { "p", "arg" };
	static const char *const envp[] = { "E=v" };
	struct elf_image im = stack_image();
	struct elf_stack_args a = {
		.argv = argv, .argc = 2, .envp = envp, .envc = 1, .top = TOP,
	};
	static uint8_t buf[1024];
	size_t need = expected_used(&a), used = 0;
	uint64_t sp = 0;

	(void)state;
	for (size_t cap = 0; cap < need; cap++) {
		memset(buf, 0x5a, sizeof(buf));
		assert_int_equal(elf_stack(&im, &a, buf, cap, &sp, &used), -E2BIG);
		for (size_t i = 0; i < sizeof(buf); i++)
			assert_int_equal(buf[i], 0x5a);
	}
	memset(buf, 0x5a, sizeof(buf));
	assert_int_equal(elf_stack(&im, &a, buf, need, &sp, &used), 0);
	assert_int_equal(used, need);
	for (size_t i = need; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 0x5a);

	/* a stack region too low in the address space to hold it */
	a.top = need - 16;
	assert_int_equal(elf_stack(&im, &a, buf, sizeof(buf), &sp, &used), -E2BIG);
	a.top = need;
	assert_int_equal(elf_stack(&im, &a, buf, sizeof(buf), &sp, &used), 0);
	assert_int_equal(sp, 0);
}

static void test_stack_is_deterministic(void **state)
{
	static const char *const argv[] = { "prog", "-v" };
	struct elf_image im = stack_image();
	struct elf_stack_args a = { .argv = argv, .argc = 2, .top = TOP };
	static uint8_t b1[1024], b2[1024];
	uint64_t sp1, sp2;
	size_t u1, u2, diff = 0;

	(void)state;
	memset(b1, 1, sizeof(b1));
	memset(b2, 2, sizeof(b2));
	assert_int_equal(elf_stack(&im, &a, b1, sizeof(b1), &sp1, &u1), 0);
	assert_int_equal(elf_stack(&im, &a, b2, sizeof(b2), &sp2, &u2), 0);
	assert_int_equal(sp1, sp2);
	assert_int_equal(u1, u2);
	assert_memory_equal(b1, b2, u1);
	/* another seed's random bytes change those 16 bytes and nothing else */
	a.random[3] = 0xff;
	assert_int_equal(elf_stack(&im, &a, b2, sizeof(b2), &sp2, &u2), 0);
	for (size_t i = 0; i < u1; i++)
		diff += b1[i] != b2[i];
	assert_int_equal(diff, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base_image_parses_to_exact_fields),
		cmocka_unit_test(test_accepts_each_variation),
		cmocka_unit_test(test_prot_follows_p_flags),
		cmocka_unit_test(test_phdr_found_through_segment_offset),
		cmocka_unit_test(test_rejects_each_rule_saying_where),
		cmocka_unit_test(test_rejects_a_text_file),
		cmocka_unit_test(test_segment_count_limit),
		cmocka_unit_test(test_message_respects_whylen),
		cmocka_unit_test(test_every_truncation_is_rejected),
		cmocka_unit_test(test_mutations_never_crash),
		cmocka_unit_test(test_stack_layout_decodes),
		cmocka_unit_test(test_stack_without_arguments),
		cmocka_unit_test(test_stack_alignment_for_every_length),
		cmocka_unit_test(test_stack_too_small_is_e2big),
		cmocka_unit_test(test_stack_is_deterministic),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
