/*
 * x86_len.c - the length of one 64-bit-mode x86 instruction.
 *
 * Intel SDM Vol. 2, §2.1 "Instruction Format for Protected Mode,
 * Real-Address Mode, and Virtual-8086 Mode" (with §2.2.1 for REX and
 * §2.2.1.3 for RIP-relative addressing), Appendix A "Opcode Map",
 * §2.3 "Intel Advanced Vector Extensions (AVX)" for VEX and §2.7
 * "Intel AVX-512 Encoding" for EVEX.
 *
 *   0..14        0/1     1..3      0/1     0/1    0/1/2/4     0/1/2/3/4/8
 * +----------+-------+----------+-------+-------+----------+-------------+
 * | prefixes |  REX  |  opcode  | ModRM |  SIB  |   disp   |  immediate  |
 * +----------+-------+----------+-------+-------+----------+-------------+
 *  66 67 F0 F2 F3     xx          mod|reg|rm      mod=00 rm=101: disp32
 *  2E 36 3E 26 64 65  0F xx       2  | 3 | 3      (RIP-relative)
 *  any order, any     0F 38 xx    SIB when        mod=01: disp8
 *  repetition         0F 3A xx    rm=100 and      mod=10: disp32
 *                                 mod!=11         SIB base=101, mod=00:
 *                                 ss|idx|base     disp32
 *
 * A REX byte (40..4F) counts only directly before the opcode: a legacy
 * prefix after it cancels it.  The 67 prefix selects 32-bit addressing,
 * which in 64-bit mode has the same ModRM/SIB layout (rm=101 with mod=00
 * is EIP-relative), so it changes no length except moffs (A0..A3).
 *
 * VEX and EVEX replace the REX byte and the 0F escapes:
 *
 *   C5 | R vvvv L pp |                        opcode | ModRM ... (map 0F)
 *   C4 | R X B mmmmm | W vvvv L pp |          opcode | ModRM ...
 *   62 | R X B R' 0 mmm | W vvvv 1 pp | z L'L b V' aaa | opcode | ModRM ...
 *
 * map 1 is 0F, 2 is 0F 38 and 3 is 0F 3A (imm8); EVEX adds maps 5 and 6
 * (AVX512-FP16, no immediate).  EVEX's compressed disp8 (disp8*N) scales
 * the displacement, not its size, so ModRM rules are unchanged.
 *
 * The one-byte and 0F maps are tables of one byte per opcode: a form
 * (how the bytes after the opcode are laid out) in the high nibble and an
 * immediate kind in the low one.  The 0F 38 map has a ModRM and no
 * immediate for every opcode and 0F 3A a ModRM and an imm8 for every
 * opcode, so they need no table; opcodes undefined there get a length
 * too (the CPU raises #UD on them, and no length is needed after that).
 *
 * Shortcuts, each costing a 0 for encodings compilers do not emit:
 * XOP (8F with ModRM.reg != 0, AMD only), APX's REX2 (D5) and EVEX map 4,
 * VEX map 7, and the VIA PadLock opcodes 0F A6/A7.
 */
#include "sim/x86/x86.h"

#include <stdbool.h>

/* what follows the opcode: the high nibble of a map entry */
enum x86_form {
	X86_F_NONE,	/* immediate only */
	X86_F_MODRM,	/* ModRM (SIB, disp), then immediate */
	X86_F_GRP3,	/* ModRM; the immediate only for ModRM.reg 0 and 1 */
	X86_F_MODREG,	/* ModRM whose mod is read as 11 (MOV CR/DR) */
	X86_F_POP,	/* 8F: POP r/m with reg 0, else XOP (not decoded) */
	X86_F_BAD,	/* invalid in 64-bit mode */
	X86_F_PFX,	/* a legacy prefix */
	X86_F_REX,	/* 40..4F */
	X86_F_ESC,	/* 0F: the two-byte map */
	X86_F_VEX2,	/* C5 */
	X86_F_VEX3,	/* C4 */
	X86_F_EVEX,	/* 62 */
	X86_F_ESC38,	/* 0F 38: ModRM, no immediate */
	X86_F_ESC3A,	/* 0F 3A: ModRM, imm8 */
};

/* immediate (or relative offset) kinds: the low nibble of a map entry */
enum x86_imm {
	X86_I_NONE,
	X86_I_B,	/* imm8, rel8 */
	X86_I_W,	/* imm16 (RET imm16), or two imm8 (EXTRQ/INSERTQ) */
	X86_I_WB,	/* imm16, imm8 (ENTER) */
	X86_I_Z,	/* imm32, imm16 with 66; stays imm32 with REX.W */
	X86_I_V,	/* imm32, imm16 with 66, imm64 with REX.W (B8..BF) */
	X86_I_D,	/* rel32: 66 does not shrink it in 64-bit mode */
	X86_I_O,	/* moffs: the address size, 8 bytes or 4 with 67 */
	X86_I_NKIND,
};

/* the operand size that picks an immediate's bytes */
enum x86_osz { X86_OSZ32, X86_OSZ16, X86_OSZ64, X86_NOSZ };

static const uint8_t x86_imm_bytes[X86_I_NKIND][X86_NOSZ] = {
	/*              32  16  64 */
	[X86_I_NONE] = { 0, 0, 0 },
	[X86_I_B] = { 1, 1, 1 },
	[X86_I_W] = { 2, 2, 2 },
	[X86_I_WB] = { 3, 3, 3 },
	[X86_I_Z] = { 4, 2, 4 },
	[X86_I_V] = { 4, 2, 8 },
	[X86_I_D] = { 4, 4, 4 },
	[X86_I_O] = { 8, 8, 8 },	/* 4 with 67: see x86_tail() */
};

#define X86_E(form, imm) ((uint8_t)((X86_F_##form) << 4 | (X86_I_##imm)))
#define X86_FORM(e) ((enum x86_form)((e) >> 4))
#define X86_IMM(e) ((enum x86_imm)((e) & 0xf))

/* table spellings: form letter(s), then immediate letter */
#define NI X86_E(NONE, NONE)
#define IB X86_E(NONE, B)
#define IW X86_E(NONE, W)
#define WB X86_E(NONE, WB)
#define IZ X86_E(NONE, Z)
#define IV X86_E(NONE, V)
#define ID X86_E(NONE, D)
#define MO X86_E(NONE, O)
#define M_ X86_E(MODRM, NONE)
#define MB X86_E(MODRM, B)
#define MZ X86_E(MODRM, Z)
#define GB X86_E(GRP3, B)
#define GZ X86_E(GRP3, Z)
#define MR X86_E(MODREG, NONE)
#define PP X86_E(POP, NONE)
#define XX X86_E(BAD, NONE)
#define PF X86_E(PFX, NONE)
#define RX X86_E(REX, NONE)
#define ES X86_E(ESC, NONE)
#define V2 X86_E(VEX2, NONE)
#define V3 X86_E(VEX3, NONE)
#define EV X86_E(EVEX, NONE)
#define E8 X86_E(ESC38, NONE)
#define EA X86_E(ESC3A, NONE)

/* SDM Vol. 2 Table A-2 "One-byte Opcode Map", as 64-bit mode reads it */
static const uint8_t x86_map1[256] = {
	/*     0   1   2   3   4   5   6   7   8   9   A   B   C   D   E   F */
	/*0*/ M_, M_, M_, M_, IB, IZ, XX, XX, M_, M_, M_, M_, IB, IZ, XX, ES,
	/*1*/ M_, M_, M_, M_, IB, IZ, XX, XX, M_, M_, M_, M_, IB, IZ, XX, XX,
	/*2*/ M_, M_, M_, M_, IB, IZ, PF, XX, M_, M_, M_, M_, IB, IZ, PF, XX,
	/*3*/ M_, M_, M_, M_, IB, IZ, PF, XX, M_, M_, M_, M_, IB, IZ, PF, XX,
	/*4*/ RX, RX, RX, RX, RX, RX, RX, RX, RX, RX, RX, RX, RX, RX, RX, RX,
	/*5*/ NI, NI, NI, NI, NI, NI, NI, NI, NI, NI, NI, NI, NI, NI, NI, NI,
	/*6*/ XX, XX, EV, M_, PF, PF, PF, PF, IZ, MZ, IB, MB, NI, NI, NI, NI,
	/*7*/ IB, IB, IB, IB, IB, IB, IB, IB, IB, IB, IB, IB, IB, IB, IB, IB,
	/*8*/ MB, MZ, XX, MB, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, PP,
	/*9*/ NI, NI, NI, NI, NI, NI, NI, NI, NI, NI, XX, NI, NI, NI, NI, NI,
	/*A*/ MO, MO, MO, MO, NI, NI, NI, NI, IB, IZ, NI, NI, NI, NI, NI, NI,
	/*B*/ IB, IB, IB, IB, IB, IB, IB, IB, IV, IV, IV, IV, IV, IV, IV, IV,
	/*C*/ MB, MB, IW, NI, V3, V2, MB, MZ, WB, NI, IW, NI, NI, IB, XX, NI,
	/*D*/ M_, M_, M_, M_, XX, XX, XX, NI, M_, M_, M_, M_, M_, M_, M_, M_,
	/*E*/ IB, IB, IB, IB, IB, IB, IB, IB, ID, ID, XX, IB, NI, NI, NI, NI,
	/*F*/ PF, NI, PF, PF, NI, NI, GB, GZ, NI, NI, NI, NI, NI, NI, M_, M_,
};

/*
 * SDM Vol. 2 Table A-3 "Two-byte Opcode Map" (0F 38 and 0F 3A, Tables A-4
 * and A-5, are uniform: see the file comment).  0F 0F is AMD's 3DNow!
 * (ModRM, then the imm8 that names the operation).
 */
static const uint8_t x86_map0f[256] = {
	/*     0   1   2   3   4   5   6   7   8   9   A   B   C   D   E   F */
	/*0*/ M_, M_, M_, M_, XX, NI, NI, NI, NI, NI, XX, NI, XX, M_, NI, MB,
	/*1*/ M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_,
	/*2*/ MR, MR, MR, MR, XX, XX, XX, XX, M_, M_, M_, M_, M_, M_, M_, M_,
	/*3*/ NI, NI, NI, NI, NI, NI, XX, NI, E8, XX, EA, XX, XX, XX, XX, XX,
	/*4*/ M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_,
	/*5*/ M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_,
	/*6*/ M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_,
	/*7*/ MB, MB, MB, MB, M_, M_, M_, NI, M_, M_, XX, XX, M_, M_, M_, M_,
	/*8*/ ID, ID, ID, ID, ID, ID, ID, ID, ID, ID, ID, ID, ID, ID, ID, ID,
	/*9*/ M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_,
	/*A*/ NI, NI, NI, M_, MB, M_, XX, XX, NI, NI, NI, M_, MB, M_, M_, M_,
	/*B*/ M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, MB, M_, M_, M_, M_, M_,
	/*C*/ M_, M_, MB, M_, MB, MB, MB, M_, NI, NI, NI, NI, NI, NI, NI, NI,
	/*D*/ M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_,
	/*E*/ M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_,
	/*F*/ M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_,
};

#undef NI
#undef IB
#undef IW
#undef WB
#undef IZ
#undef IV
#undef ID
#undef MO
#undef M_
#undef MB
#undef MZ
#undef GB
#undef GZ
#undef MR
#undef PP
#undef XX
#undef PF
#undef RX
#undef ES
#undef V2
#undef V3
#undef EV
#undef E8
#undef EA

/* VEX/EVEX map numbers (VEX.mmmmm, EVEX.mmm) */
enum x86_vmap { X86_VMAP_0F = 1, X86_VMAP_0F38, X86_VMAP_0F3A,
		X86_VMAP_FP16A = 5, X86_VMAP_FP16B };

#define X86_OP_ESC 0x0f
#define X86_OP_ESC38 0x38
#define X86_OP_ESC3A 0x3a
#define X86_OP_OSZ 0x66		/* operand-size prefix */
#define X86_OP_ASZ 0x67		/* address-size prefix */
#define X86_OP_LOCK 0xf0
#define X86_OP_REPNE 0xf2
#define X86_OP_REP 0xf3
#define X86_OP_VZERO 0x77	/* VEX 0F 77: VZEROUPPER/VZEROALL, no ModRM */
#define X86_OP_SSE4A 0x78	/* 66/F2 0F 78: EXTRQ/INSERTQ imm8, imm8 */
#define X86_REX_W 0x08

#define X86_MODRM_MOD(m) ((m) >> 6)
#define X86_MODRM_REG(m) (((m) >> 3) & 7)
#define X86_MODRM_RM(m) ((m) & 7)
#define X86_SIB_BASE(s) ((s) & 7)
#define X86_MOD_DISP0 0
#define X86_MOD_DISP8 1
#define X86_MOD_DISP32 2
#define X86_MOD_REG 3
#define X86_RM_SIB 4		/* rm=100: a SIB byte follows */
#define X86_RM_RIP 5		/* rm=101, mod=00: RIP + disp32 */
#define X86_BASE_NONE 5		/* SIB base=101, mod=00: no base, disp32 */

#define X86_VEX_MAP(b) ((b) & 0x1f)	/* C4 byte 1: mmmmm */
#define X86_EVEX_MAP(b) ((b) & 0x07)	/* 62 byte 1: mmm */

/* one decode in progress */
struct x86_dec {
	const uint8_t *xd_p;
	unsigned xd_n;		/* bytes consumed; may pass xd_lim by a disp */
	unsigned xd_lim;	/* min(avail, 15): no byte at or past it is read */
	bool xd_osz;		/* 66 seen */
	bool xd_asz;		/* 67 seen */
	bool xd_repne;		/* F2 seen */
	bool xd_simd;		/* 66, F2, F3, F0 or REX: VEX/EVEX would #UD */
	uint8_t xd_rex;		/* the REX byte before the opcode, or 0 */
};

/* x86_take - the next byte, or -1 at the limit */
static int x86_take(struct x86_dec *d)
{
	if (d->xd_n >= d->xd_lim)
		return -1;
	return d->xd_p[d->xd_n++];
}

/*
 * x86_prefixes - consume legacy prefixes and REX; returns the opcode byte
 * (consumed too) or -1 at the limit.
 */
static int x86_prefixes(struct x86_dec *d)
{
	int b;

	while ((b = x86_take(d)) >= 0) {
		enum x86_form f = X86_FORM(x86_map1[b]);

		if (f == X86_F_REX) {
			d->xd_rex = (uint8_t)b;
			d->xd_simd = true;
			continue;
		}
		if (f != X86_F_PFX)
			return b;
		d->xd_rex = 0;
		d->xd_osz |= b == X86_OP_OSZ;
		d->xd_asz |= b == X86_OP_ASZ;
		d->xd_repne |= b == X86_OP_REPNE;
		d->xd_simd |= b == X86_OP_OSZ || b == X86_OP_LOCK ||
			      b == X86_OP_REPNE || b == X86_OP_REP;
	}
	return -1;
}

/*
 * x86_modrm - consume ModRM, SIB and displacement; returns the ModRM byte
 * or -1 at the limit.  as_reg: the mod field is ignored and read as 11.
 */
static int x86_modrm(struct x86_dec *d, bool as_reg)
{
	int m = x86_take(d), s;
	unsigned mod;

	if (m < 0 || as_reg)
		return m;
	mod = X86_MODRM_MOD(m);
	if (mod == X86_MOD_REG)
		return m;
	if (X86_MODRM_RM(m) == X86_RM_SIB) {
		if ((s = x86_take(d)) < 0)
			return -1;
		if (mod == X86_MOD_DISP0 && X86_SIB_BASE(s) == X86_BASE_NONE)
			d->xd_n += 4;
	} else if (mod == X86_MOD_DISP0 && X86_MODRM_RM(m) == X86_RM_RIP) {
		d->xd_n += 4;
	}
	if (mod == X86_MOD_DISP8)
		d->xd_n += 1;
	else if (mod == X86_MOD_DISP32)
		d->xd_n += 4;
	return m;
}

/* x86_imm_len - the bytes of an immediate of kind k under d's prefixes */
static unsigned x86_imm_len(const struct x86_dec *d, enum x86_imm k)
{
	enum x86_osz osz = X86_OSZ32;

	if (k == X86_I_O && d->xd_asz)
		return 4;
	if (d->xd_rex & X86_REX_W)
		osz = X86_OSZ64;
	else if (d->xd_osz)
		osz = X86_OSZ16;
	return x86_imm_bytes[k][osz];
}

/*
 * x86_tail - consume what follows the opcode as map entry e says; returns
 * the instruction's length or 0.
 */
static unsigned x86_tail(struct x86_dec *d, uint8_t e)
{
	enum x86_form f = X86_FORM(e);
	enum x86_imm k = X86_IMM(e);
	int m;

	switch (f) {
	case X86_F_NONE:
		break;
	case X86_F_MODRM:
	case X86_F_MODREG:
	case X86_F_GRP3:
	case X86_F_POP:
		m = x86_modrm(d, f == X86_F_MODREG);
		if (m < 0)
			return 0;
		if (f == X86_F_GRP3 && X86_MODRM_REG(m) > 1)
			k = X86_I_NONE;
		if (f == X86_F_POP && X86_MODRM_REG(m) != 0)
			return 0;
		break;
	default:
		return 0;
	}
	d->xd_n += x86_imm_len(d, k);
	return d->xd_n <= d->xd_lim ? d->xd_n : 0;
}

/* x86_entry0f - the entry of a legacy 0F-map opcode, after the 0F */
static uint8_t x86_entry0f(const struct x86_dec *d, int op)
{
	if (op == X86_OP_SSE4A && (d->xd_osz || d->xd_repne))
		return X86_E(MODRM, W);
	switch (X86_FORM(x86_map0f[op])) {
	case X86_F_ESC38:
		return X86_E(MODRM, NONE);
	case X86_F_ESC3A:
		return X86_E(MODRM, B);
	default:
		return x86_map0f[op];
	}
}

/*
 * x86_vex_entry - the entry of opcode op in VEX/EVEX map `map`.  Map 1
 * reuses the legacy 0F table, where every VEX/EVEX opcode has a ModRM
 * and at most an imm8 (70..73, C2, C4..C6); anything else there is no
 * VEX instruction, except VZEROUPPER/VZEROALL (VEX only).
 */
static uint8_t x86_vex_entry(unsigned map, int op, bool evex)
{
	uint8_t e;

	switch (map) {
	case X86_VMAP_0F:
		if (op == X86_OP_VZERO)
			return evex ? X86_E(BAD, NONE) : X86_E(NONE, NONE);
		e = x86_map0f[op];
		if (X86_FORM(e) == X86_F_MODRM &&
		    (X86_IMM(e) == X86_I_NONE || X86_IMM(e) == X86_I_B))
			return e;
		return X86_E(BAD, NONE);
	case X86_VMAP_0F38:
		return X86_E(MODRM, NONE);
	case X86_VMAP_0F3A:
		return X86_E(MODRM, B);
	case X86_VMAP_FP16A:
	case X86_VMAP_FP16B:
		return evex ? X86_E(MODRM, NONE) : X86_E(BAD, NONE);
	default:
		return X86_E(BAD, NONE);
	}
}

/*
 * x86_vex - after a C4, C5 or 62 opcode byte (form f): consume the rest
 * of the prefix and the opcode; returns the map entry to finish with.
 */
static uint8_t x86_vex(struct x86_dec *d, enum x86_form f)
{
	int p0, op;
	unsigned map = X86_VMAP_0F, extra;

	if (d->xd_simd)
		return X86_E(BAD, NONE);
	if ((p0 = x86_take(d)) < 0)
		return X86_E(BAD, NONE);
	if (f == X86_F_VEX3)
		map = X86_VEX_MAP(p0);
	else if (f == X86_F_EVEX)
		map = X86_EVEX_MAP(p0);
	/* the payload bytes after the first: C5 none, C4 one, 62 two */
	extra = f == X86_F_VEX2 ? 0 : f == X86_F_VEX3 ? 1 : 2;
	d->xd_n += extra;
	if ((op = x86_take(d)) < 0)
		return X86_E(BAD, NONE);
	return x86_vex_entry(map, op, f == X86_F_EVEX);
}

unsigned x86_insn_len(const uint8_t *p, size_t avail)
{
	struct x86_dec d = {
		.xd_p = p,
		.xd_lim = avail < X86_MAX_INSN_LEN ? (unsigned)avail
						   : X86_MAX_INSN_LEN,
	};
	int op = x86_prefixes(&d);
	uint8_t e;

	if (op < 0)
		return 0;
	e = x86_map1[op];
	switch (X86_FORM(e)) {
	case X86_F_ESC:
		if ((op = x86_take(&d)) < 0)
			return 0;
		if (op == X86_OP_ESC38 || op == X86_OP_ESC3A)
			if (x86_take(&d) < 0)
				return 0;
		e = x86_entry0f(&d, op);
		break;
	case X86_F_VEX2:
	case X86_F_VEX3:
	case X86_F_EVEX:
		e = x86_vex(&d, X86_FORM(e));
		break;
	default:
		break;
	}
	return x86_tail(&d, e);
}

bool x86_reads_tsc(const uint8_t *p, unsigned len)
{
	unsigned i = 0;

	/* legacy prefixes (SDM Vol. 2 §2.1.1), then at most one REX */
	while (i < len && (p[i] == 0x66 || p[i] == 0x67 || p[i] == 0xf2 || p[i] == 0xf3 ||
			   p[i] == 0xf0 || p[i] == 0x2e || p[i] == 0x36 || p[i] == 0x3e ||
			   p[i] == 0x26 || p[i] == 0x64 || p[i] == 0x65))
		i++;
	if (i < len && (p[i] & 0xf0) == 0x40)
		i++;
	if (i + 2 <= len && p[i] == 0x0f && p[i + 1] == 0x31)
		return true;
	return i + 3 <= len && p[i] == 0x0f && p[i + 1] == 0x01 && p[i + 2] == 0xf9;
}
