/*
 * probe_load.c - read a probe file (docs/probe.md) into a struct
 * probe_spec, checking every key.
 *
 * The "machine" and "memory" keys are a workload's, and go through the
 * workload loader (cfg_load_json), so presets, caps and walk-cache
 * geometry mean the same in a probe as in a run.  Everything else is read
 * here, one function per object, in a fixed order (not the file's): the
 * machine first, because addresses are checked against its MAXPHYADDR and
 * memory, then the CPU (the guest's paging levels), the EPT, the layout,
 * the mappings, the edits and the accesses.
 *
 * Errors follow the workload loader's form: "FILE: KEY: what was expected,
 * got what", where KEY is a path such as `guest[2].flags[1]`, and an
 * unknown key gets the closest known one as a suggestion.
 */
#include "sim/probe/probe.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sim/cfg_load.h"
#include "sim/mmu/ept.h"
#include "sim/mmu/pte.h"

#define KEY_MAX 160

struct ld {
	const char *path;
	struct eptsim_error *err;
	struct probe_spec *ps;
	unsigned glevels;       /* guest paging levels, from cpu.cr4.la57 */
};

__attribute__((format(printf, 3, 4))) static int
ld_fail(struct ld *L, const char *key, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cfg_errf(L->err, "%s: %s%s%s", L->path, key, *key ? ": " : "", msg);
	return -EINVAL;
}



static bool in_list(const char *const *names, const char *s)
{
	for (; *names; names++)
		if (strcmp(*names, s) == 0)
			return true;
	return false;
}

/* unknown - `prefix.name` is not a key; suggest the closest of `names` */
static int unknown(struct ld *L, const char *prefix, const char *name,
		   const char *const *names)
{
	const char *best = NULL;
	size_t bestd = SIZE_MAX;
	char key[KEY_MAX];

	for (const char *const *n = names; *n; n++) {
		size_t d = cfg_edit_distance(name, *n);

		if (d < bestd) {
			bestd = d;
			best = *n;
		}
	}
	snprintf(key, sizeof(key), "%s%s%s", prefix, *prefix ? "." : "", name);
	if (best && bestd <= 2 + strlen(name) / 6)
		return ld_fail(L, key, "unknown key (did you mean %s%s%s?)",
			       prefix, *prefix ? "." : "", best);
	return ld_fail(L, key, "unknown key");
}

/* ld_keys - every key of object `o` (at path `prefix`) is one of `names` */
static int ld_keys(struct ld *L, const json_t *o, const char *prefix,
		   const char *const *names)
{
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)o, k, v) {
		if (!in_list(names, k))
			return unknown(L, prefix, k, names);
	}
	return 0;
}

static int ld_object(struct ld *L, const json_t *v, const char *key)
{
	char got[96];

	if (json_is_object(v))
		return 0;
	cfg_describe(v, got, sizeof(got));
	return ld_fail(L, key, "expected an object, got %s", got);
}

/*
 * ld_array - `v` must be a list of `what`; *out becomes a zeroed array of
 * one element of `size` bytes per list item, plus one.
 */
static int ld_array(struct ld *L, const json_t *v, const char *key,
		    const char *what, size_t size, void **out)
{
	char got[96];

	if (!json_is_array(v)) {
		cfg_describe(v, got, sizeof(got));
		return ld_fail(L, key, "expected a list of %s, got %s", what, got);
	}
	*out = calloc(json_array_size(v) + 1, size);
	if (!*out) {
		cfg_errf(L->err, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

/* ld_uint - a JSON integer >= 0, or a string "123" / "0x7b" */
static int ld_uint(struct ld *L, const json_t *v, const char *key,
		   const char *what, uint64_t *out)
{
	char got[96];

	if (json_is_integer(v) && json_integer_value(v) >= 0) {
		*out = (uint64_t)json_integer_value(v);
		return 0;
	}
	if (json_is_string(v) && cfg_parse_uint(json_string_value(v), out) == 0)
		return 0;
	cfg_describe(v, got, sizeof(got));
	return ld_fail(L, key,
		       "expected %s (an integer, or a string \"0x...\" or decimal), got %s",
		       what, got);
}

static int ld_uint_range(struct ld *L, const json_t *v, const char *key,
			 uint64_t lo, uint64_t hi, uint64_t *out)
{
	char what[64];
	int rc;

	snprintf(what, sizeof(what), "a number in %llu..%llu",
		 (unsigned long long)lo, (unsigned long long)hi);
	rc = ld_uint(L, v, key, what, out);
	if (rc == 0 && (*out < lo || *out > hi))
		return ld_fail(L, key, "expected %s, got %llu", what,
			       (unsigned long long)*out);
	return rc;
}

static int ld_bool(struct ld *L, const json_t *v, const char *key, bool *out)
{
	char got[96];

	if (json_is_boolean(v)) {
		*out = json_is_true(v);
		return 0;
	}
	cfg_describe(v, got, sizeof(got));
	return ld_fail(L, key, "expected true or false, got %s", got);
}

/* ld_enum - one of the strings `names`; its index in *out */
static int ld_enum(struct ld *L, const json_t *v, const char *key,
		   const char *const *names, unsigned *out)
{
	char got[96], list[256];
	size_t off = 0;

	if (json_is_string(v)) {
		for (unsigned i = 0; names[i]; i++) {
			if (strcmp(names[i], json_string_value(v)) == 0) {
				*out = i;
				return 0;
			}
		}
	}
	for (unsigned i = 0; names[i] && off < sizeof(list); i++)
		off += (size_t)snprintf(list + off, sizeof(list) - off, "%s\"%s\"",
					i ? ", " : "", names[i]);
	cfg_describe(v, got, sizeof(got));
	return ld_fail(L, key, "expected one of %s, got %s", list, got);
}

/* ld_size - a page size: "4K", "2M", "1G" (any cfg_parse_size spelling) */
static int ld_size(struct ld *L, const json_t *v, const char *key,
		   unsigned *shift)
{
	uint64_t bytes = 0;
	char got[96];
	bool ok = false;

	if (json_is_integer(v) && json_integer_value(v) > 0) {
		bytes = (uint64_t)json_integer_value(v);
		ok = true;
	} else if (json_is_string(v)) {
		ok = cfg_parse_size(json_string_value(v), &bytes) == 0;
	}
	for (unsigned s = 12; ok && s <= 30; s += 9) {
		if (bytes == UINT64_C(1) << s) {
			*shift = s;
			return 0;
		}
	}
	cfg_describe(v, got, sizeof(got));
	return ld_fail(L, key, "expected a page size \"4K\", \"2M\" or \"1G\", got %s",
		       got);
}

/* a name with a number: "pkey=3"; -1 if `s` does not start with `pre` */
static int named_number(const char *s, const char *pre, uint64_t max,
			uint64_t *out)
{
	size_t n = strlen(pre);

	if (strncasecmp(s, pre, n) != 0)
		return -1;
	if (cfg_parse_uint(s + n, out) < 0 || *out > max)
		return -EINVAL;
	return 0;
}

/*
 * ld_flag - one bit name of dimension `dim`, for an entry at `level`;
 * `edit`: in an edit (where "ps" and "mt=N" are allowed) rather than a
 * mapping.
 */
static int ld_flag(struct ld *L, const char *name, const char *key,
		   enum mmu_dim dim, unsigned level, bool edit, uint64_t *mask)
{
	const bool guest = dim == MMU_DIM_GUEST;
	const struct probe_bit *t = guest ? probe_guest_bits : probe_ept_bits;
	uint64_t n;
	int rc;

	for (; t->pbt_name; t++) {
		if (strcasecmp(t->pbt_name, name) == 0) {
			*mask = t->pbt_mask;
			return 0;
		}
	}
	if (strcasecmp(name, "ps") == 0) {
		if (!edit)
			return ld_fail(L, key,
				       "\"ps\" is set by the mapping's size; use it in an edit");
		*mask = PTE_PS;
		return 0;
	}
	if (guest && strcasecmp(name, "pat") == 0) {
		*mask = level == 1 ? PTE_PAT4K : PTE_PAT_LARGE;
		return 0;
	}
	if (guest && (rc = named_number(name, "pkey=", 15, &n)) != -1) {
		if (rc < 0)
			return ld_fail(L, key, "expected pkey=N with N in 0..15, got \"%s\"",
				       name);
		*mask = n << PTE_PKEY_SHIFT;
		return 0;
	}
	if (!guest && (rc = named_number(name, "mt=", 7, &n)) != -1) {
		if (rc < 0 || !edit)
			return ld_fail(L, key,
				       rc < 0 ? "expected mt=N with N in 0..7, got \"%s\""
					      : "\"%s\": in a mapping, give the memory type with \"memtype\"",
				       name);
		*mask = n << EPT_MT_SHIFT;
		return 0;
	}
	if ((rc = named_number(name, "bit=", 63, &n)) != -1) {
		if (rc < 0)
			return ld_fail(L, key, "expected bit=N with N in 0..63, got \"%s\"",
				       name);
		*mask = PTE_BIT(n);
		return 0;
	}
	return ld_fail(L, key, "unknown flag \"%s\" (expected one of %s)", name,
		       guest ? "p, rw, us, pwt, pcd, a, d, g, pat, xd, pkey=N, bit=N"
			       : "r, w, x, ux, ipat, a, d, sve, bit=N");
}

/*
 * ld_flags - a list of bit names, or a raw number (an integer, or a
 * string "0x...").  *raw says which it was.
 */
static int ld_flags(struct ld *L, const json_t *v, const char *key,
		    enum mmu_dim dim, unsigned level, bool edit, uint64_t *out,
		    bool *raw)
{
	char ekey[KEY_MAX], got[96];
	size_t i;
	json_t *e;
	int rc;

	*out = 0;
	if (raw)
		*raw = false;
	if (json_is_integer(v) || json_is_string(v)) {
		if (raw)
			*raw = true;
		return ld_uint(L, v, key, "a list of flag names or a number", out);
	}
	if (!json_is_array(v)) {
		cfg_describe(v, got, sizeof(got));
		return ld_fail(L, key, "expected a list of flag names or a number, got %s",
			       got);
	}
	json_array_foreach(v, i, e) {
		uint64_t m = 0;

		snprintf(ekey, sizeof(ekey), "%s[%zu]", key, i);
		if (!json_is_string(e)) {
			cfg_describe(e, got, sizeof(got));
			return ld_fail(L, ekey, "expected a flag name, got %s", got);
		}
		rc = ld_flag(L, json_string_value(e), ekey, dim, level, edit, &m);
		if (rc < 0)
			return rc;
		*out |= m;
	}
	return 0;
}

/* ld_required - object `o` has key `name` */
static const json_t *ld_required(struct ld *L, const json_t *o,
				 const char *key, const char *name, int *rc)
{
	const json_t *v = json_object_get(o, name);

	if (!v)
		*rc = ld_fail(L, key, "missing key \"%s\"", name);
	return v;
}

static uint64_t maxphys_limit(const struct ld *L)
{
	return UINT64_C(1) << L->ps->ps_cfg.machine.maxphyaddr;
}

static const char *size_str(unsigned shift)
{
	const char *s = probe_size_name(shift);

	return s ? s : "?";
}

/* ------------------------------------------------------------------ */
/* cpu                                                                 */

static const char *const cpu_keys[] = {
	"cr0.wp", "cr3", "cr4.la57", "cr4.pke", "cr4.smap", "cr4.smep",
	"efer.nxe", "pkru", "rflags.ac", NULL,
};

static bool cpu_object_path(const char *p)
{
	size_t n = strlen(p);

	for (const char *const *k = cpu_keys; *k; k++)
		if (strncmp(*k, p, n) == 0 && (*k)[n] == '.')
			return true;
	return false;
}

/* ld_cpu_at - the keys of `o`, at dotted path `at` inside "cpu" */
static int ld_cpu_at(struct ld *L, const json_t *o, const char *at)
{
	struct mmu_regs *r = &L->ps->ps_regs;
	const char *k;
	json_t *v;
	int rc;

	json_object_foreach((json_t *)o, k, v) {
		char p[KEY_MAX], key[KEY_MAX + 8];
		uint64_t u;

		snprintf(p, sizeof(p), "%s%s%s", at, *at ? "." : "", k);
		snprintf(key, sizeof(key), "cpu.%s", p);
		if (strcmp(p, "cr0.wp") == 0)
			rc = ld_bool(L, v, key, &r->wp);
		else if (strcmp(p, "efer.nxe") == 0)
			rc = ld_bool(L, v, key, &r->nxe);
		else if (strcmp(p, "cr4.la57") == 0)
			rc = ld_bool(L, v, key, &r->la57);
		else if (strcmp(p, "cr4.smep") == 0)
			rc = ld_bool(L, v, key, &r->smep);
		else if (strcmp(p, "cr4.smap") == 0)
			rc = ld_bool(L, v, key, &r->smap);
		else if (strcmp(p, "cr4.pke") == 0)
			rc = ld_bool(L, v, key, &r->pke);
		else if (strcmp(p, "rflags.ac") == 0)
			rc = ld_bool(L, v, key, &r->ac);
		else if (strcmp(p, "pkru") == 0) {
			rc = ld_uint_range(L, v, key, 0, UINT32_MAX, &u);
			r->pkru = (uint32_t)u;
		} else if (strcmp(p, "cr3") == 0) {
			rc = ld_uint(L, v, key, "an address", &r->cr3);
			L->ps->ps_cr3_set = true;
		} else if (cpu_object_path(p)) {
			rc = ld_object(L, v, key);
			if (rc == 0)
				rc = ld_cpu_at(L, v, p);
		} else {
			rc = unknown(L, "cpu", p, cpu_keys);
		}
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int ld_cpu(struct ld *L, const json_t *v)
{
	struct mmu_regs *r = &L->ps->ps_regs;
	int rc;

	*r = (struct mmu_regs){ .wp = true, .nxe = true };
	if (v && ((rc = ld_object(L, v, "cpu")) < 0 || (rc = ld_cpu_at(L, v, "")) < 0))
		return rc;
	L->glevels = r->la57 ? PT_LEVELS_5 : PT_LEVELS_4;
	return 0;
}

/* ------------------------------------------------------------------ */
/* ept, layout, walk_caches                                            */

static int ld_ept(struct ld *L, const json_t *o)
{
	static const char *const keys[] = { "enabled", "levels", "ad", "memtype",
					    "mbec", "eptp", NULL };
	static const char *const mts[] = { "wb", "uc", NULL };
	struct probe_spec *ps = L->ps;
	const json_t *v;
	unsigned mt = 0;
	uint64_t u;
	int rc;

	ps->ps_ept = true;
	ps->ps_elevels = PT_LEVELS_4;
	ps->ps_ept_mt = EPT_MT_WB;
	if (!o)
		return 0;
	if ((rc = ld_object(L, o, "ept")) < 0 || (rc = ld_keys(L, o, "ept", keys)) < 0)
		return rc;
	if ((v = json_object_get(o, "enabled")) && (rc = ld_bool(L, v, "ept.enabled", &ps->ps_ept)) < 0)
		return rc;
	if ((v = json_object_get(o, "levels"))) {
		if ((rc = ld_uint_range(L, v, "ept.levels", 4, 5, &u)) < 0)
			return rc;
		ps->ps_elevels = (unsigned)u;
	}
	if ((v = json_object_get(o, "ad")) && (rc = ld_bool(L, v, "ept.ad", &ps->ps_ept_ad)) < 0)
		return rc;
	if ((v = json_object_get(o, "mbec")) && (rc = ld_bool(L, v, "ept.mbec", &ps->ps_ept_mbec)) < 0)
		return rc;
	if ((v = json_object_get(o, "memtype"))) {
		if ((rc = ld_enum(L, v, "ept.memtype", mts, &mt)) < 0)
			return rc;
		ps->ps_ept_mt = mt == 0 ? EPT_MT_WB : EPT_MT_UC;
	}
	if ((v = json_object_get(o, "eptp"))) {
		if ((rc = ld_uint(L, v, "ept.eptp", "an EPTP value", &ps->ps_eptp)) < 0)
			return rc;
		ps->ps_eptp_set = true;
	}
	if (!ps->ps_ept) {
		for (const char *const *k = keys + 1; *k; k++) {
			char key[KEY_MAX];

			snprintf(key, sizeof(key), "ept.%s", *k);
			if (json_object_get(o, *k))
				return ld_fail(L, key, "needs ept.enabled true");
		}
	}
	return 0;
}

static int ld_layout(struct ld *L, const json_t *o)
{
	static const char *const keys[] = { "guest_tables", "ept_tables",
					    "guest_table_backing", NULL };
	struct probe_spec *ps = L->ps;
	uint64_t *fields[] = { &ps->ps_layout.gpt_base, &ps->ps_layout.ept_base,
			       &ps->ps_layout.back_base };
	uint64_t mem = ps->ps_cfg.memory;
	int rc;

	ps->ps_layout = (struct ptb_layout){ .gpt_base = 0x100000,
					     .ept_base = 0x10000000,
					     .back_base = 0x20000000 };
	if (o && ((rc = ld_object(L, o, "layout")) < 0 ||
		  (rc = ld_keys(L, o, "layout", keys)) < 0))
		return rc;
	for (unsigned i = 0; i < 3; i++) {
		const json_t *v = o ? json_object_get(o, keys[i]) : NULL;
		char key[KEY_MAX];
		/* guest tables are in guest-physical space under EPT */
		bool host = i > 0 || !ps->ps_ept;

		snprintf(key, sizeof(key), "layout.%s", keys[i]);
		if (v && (rc = ld_uint(L, v, key, "an address", fields[i])) < 0)
			return rc;
		if (*fields[i] & PAGE_MASK)
			return ld_fail(L, key, "expected a 4 KiB-aligned address, got 0x%llx",
				       (unsigned long long)*fields[i]);
		if (host && *fields[i] >= mem)
			return ld_fail(L, key,
				       "0x%llx is beyond the end of memory (0x%llx bytes; see \"memory\")",
				       (unsigned long long)*fields[i],
				       (unsigned long long)mem);
		if (!host && *fields[i] >= maxphys_limit(L))
			return ld_fail(L, key,
				       "0x%llx is beyond machine.maxphyaddr (%llu bits)",
				       (unsigned long long)*fields[i],
				       (unsigned long long)ps->ps_cfg.machine.maxphyaddr);
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* guest, ept_map                                                      */

/* ld_addr - an address field `name` of `o` that must be aligned to `shift` */
static int ld_addr(struct ld *L, const json_t *o, const char *at,
		   const char *name, unsigned shift, uint64_t limit,
		   const char *limit_why, uint64_t *out)
{
	char key[KEY_MAX];
	const json_t *v;
	int rc = 0;

	snprintf(key, sizeof(key), "%s.%s", at, name);
	v = ld_required(L, o, at, name, &rc);
	if (!v)
		return rc;
	if ((rc = ld_uint(L, v, key, "an address", out)) < 0)
		return rc;
	if (*out & ((UINT64_C(1) << shift) - 1))
		return ld_fail(L, key, "0x%llx is not aligned to the page size %s",
			       (unsigned long long)*out, size_str(shift));
	if (limit && *out >= limit)
		return ld_fail(L, key, "0x%llx is beyond %s (set reserved bits with an edit)",
			       (unsigned long long)*out, limit_why);
	return 0;
}

static int ld_guest(struct ld *L, const json_t *arr)
{
	static const char *const keys[] = { "va", "gpa", "size", "flags", NULL };
	struct probe_spec *ps = L->ps;
	void *p;
	char why[96];
	size_t i;
	json_t *o;
	int rc;

	if (!arr)
		return 0;
	if ((rc = ld_array(L, arr, "guest", "guest mappings", sizeof(*ps->ps_guest),
			    &p)) < 0)
		return rc;
	ps->ps_guest = p;
	snprintf(why, sizeof(why), "machine.maxphyaddr (%llu bits)",
		 (unsigned long long)ps->ps_cfg.machine.maxphyaddr);
	json_array_foreach(arr, i, o) {
		struct probe_map *m = &ps->ps_guest[i];
		char at[KEY_MAX], key[KEY_MAX + 8];
		const json_t *v;

		snprintf(at, sizeof(at), "guest[%zu]", i);
		if ((rc = ld_object(L, o, at)) < 0 || (rc = ld_keys(L, o, at, keys)) < 0)
			return rc;
		m->pmp_shift = PAGE_SHIFT;
		snprintf(key, sizeof(key), "%s.size", at);
		if ((v = json_object_get(o, "size")) && (rc = ld_size(L, v, key, &m->pmp_shift)) < 0)
			return rc;
		if ((rc = ld_addr(L, o, at, "va", m->pmp_shift, 0, NULL, &m->pmp_from)) < 0 ||
		    (rc = ld_addr(L, o, at, "gpa", m->pmp_shift, maxphys_limit(L), why,
				  &m->pmp_to)) < 0)
			return rc;
		if (!mmu_canonical(m->pmp_from, L->glevels == PT_LEVELS_5)) {
			snprintf(key, sizeof(key), "%s.va", at);
			return ld_fail(L, key,
				       "0x%llx is not canonical for %u-level paging (bits 63..%u must equal bit %u)",
				       (unsigned long long)m->pmp_from, L->glevels,
				       L->glevels == 5 ? 57 : 48,
				       L->glevels == 5 ? 56 : 47);
		}
		m->pmp_flags = PTE_P | PTE_RW | PTE_US;
		snprintf(key, sizeof(key), "%s.flags", at);
		if ((v = json_object_get(o, "flags")) &&
		    (rc = ld_flags(L, v, key, MMU_DIM_GUEST,
				   m->pmp_shift == PAGE_SHIFT ? 1 : 2, false,
				   &m->pmp_flags, NULL)) < 0)
			return rc;
	}
	ps->ps_nguest = json_array_size(arr);
	return 0;
}

static int ld_memtype(struct ld *L, const json_t *v, const char *key,
		      unsigned *mt)
{
	static const char *const names[] = { "uc", "wc", "wt", "wp", "wb", NULL };
	static const unsigned types[] = { EPT_MT_UC, EPT_MT_WC, EPT_MT_WT,
					  EPT_MT_WP, EPT_MT_WB };
	char got[96];
	unsigned i;
	uint64_t u;

	if (json_is_string(v)) {
		for (i = 0; names[i]; i++) {
			if (strcasecmp(names[i], json_string_value(v)) == 0) {
				*mt = types[i];
				return 0;
			}
		}
	}
	if (json_is_integer(v) && (u = (uint64_t)json_integer_value(v)) <= 7) {
		*mt = (unsigned)u;
		return 0;
	}
	cfg_describe(v, got, sizeof(got));
	return ld_fail(L, key,
		       "expected a memory type \"uc\", \"wc\", \"wt\", \"wp\", \"wb\" or a number 0..7, got %s",
		       got);
}

static int ld_ept_map(struct ld *L, const json_t *arr)
{
	static const char *const keys[] = { "gpa", "hpa", "size", "flags",
					    "memtype", NULL };
	struct probe_spec *ps = L->ps;
	void *p;
	char why[96];
	size_t i;
	json_t *o;
	int rc;

	if (!arr)
		return 0;
	if (!ps->ps_ept)
		return ld_fail(L, "ept_map", "there is no EPT: ept.enabled is false");
	if ((rc = ld_array(L, arr, "ept_map", "EPT mappings", sizeof(*ps->ps_emap),
			    &p)) < 0)
		return rc;
	ps->ps_emap = p;
	snprintf(why, sizeof(why), "machine.maxphyaddr (%llu bits)",
		 (unsigned long long)ps->ps_cfg.machine.maxphyaddr);
	json_array_foreach(arr, i, o) {
		struct probe_map *m = &ps->ps_emap[i];
		char at[KEY_MAX], key[KEY_MAX + 8];
		const json_t *v, *mv;
		unsigned mt = EPT_MT_WB;
		bool raw = false;

		snprintf(at, sizeof(at), "ept_map[%zu]", i);
		if ((rc = ld_object(L, o, at)) < 0 || (rc = ld_keys(L, o, at, keys)) < 0)
			return rc;
		m->pmp_shift = PAGE_SHIFT;
		snprintf(key, sizeof(key), "%s.size", at);
		if ((v = json_object_get(o, "size")) && (rc = ld_size(L, v, key, &m->pmp_shift)) < 0)
			return rc;
		if ((rc = ld_addr(L, o, at, "gpa", m->pmp_shift, maxphys_limit(L), why,
				  &m->pmp_from)) < 0 ||
		    (rc = ld_addr(L, o, at, "hpa", m->pmp_shift, maxphys_limit(L), why,
				  &m->pmp_to)) < 0)
			return rc;
		m->pmp_flags = EPT_RWX;
		snprintf(key, sizeof(key), "%s.flags", at);
		if ((v = json_object_get(o, "flags")) &&
		    (rc = ld_flags(L, v, key, MMU_DIM_EPT,
				   m->pmp_shift == PAGE_SHIFT ? 1 : 2, false,
				   &m->pmp_flags, &raw)) < 0)
			return rc;
		snprintf(key, sizeof(key), "%s.memtype", at);
		mv = json_object_get(o, "memtype");
		if (mv && (rc = ld_memtype(L, mv, key, &mt)) < 0)
			return rc;
		/* a raw number is the entry's low bits as given, unless memtype is too */
		if (!raw || mv)
			m->pmp_flags = (m->pmp_flags & ~EPT_MT) | ((uint64_t)mt << EPT_MT_SHIFT);
	}
	ps->ps_nemap = json_array_size(arr);
	return 0;
}

/* ------------------------------------------------------------------ */
/* edit, accesses                                                      */

static int ld_edit(struct ld *L, const json_t *arr)
{
	static const char *const keys[] = { "dim", "addr", "level", "set",
					    "clear", NULL };
	static const char *const dims[] = { "guest", "ept", NULL };
	struct probe_spec *ps = L->ps;
	void *p;
	size_t i;
	json_t *o;
	int rc;

	if (!arr)
		return 0;
	if ((rc = ld_array(L, arr, "edit", "edits", sizeof(*ps->ps_edit),
			    &p)) < 0)
		return rc;
	ps->ps_edit = p;
	json_array_foreach(arr, i, o) {
		struct probe_edit *e = &ps->ps_edit[i];
		char at[KEY_MAX], key[KEY_MAX + 8];
		const json_t *v, *set, *clr;
		unsigned d, levels;
		uint64_t u;

		snprintf(at, sizeof(at), "edit[%zu]", i);
		if ((rc = ld_object(L, o, at)) < 0 || (rc = ld_keys(L, o, at, keys)) < 0)
			return rc;
		snprintf(key, sizeof(key), "%s.dim", at);
		if (!(v = ld_required(L, o, at, "dim", &rc)) ||
		    (rc = ld_enum(L, v, key, dims, &d)) < 0)
			return rc;
		e->pe_dim = d == 0 ? MMU_DIM_GUEST : MMU_DIM_EPT;
		if (e->pe_dim == MMU_DIM_EPT && !ps->ps_ept)
			return ld_fail(L, key, "there is no EPT: ept.enabled is false");
		snprintf(key, sizeof(key), "%s.addr", at);
		if (!(v = ld_required(L, o, at, "addr", &rc)) ||
		    (rc = ld_uint(L, v, key, "an address", &e->pe_addr)) < 0)
			return rc;
		levels = e->pe_dim == MMU_DIM_GUEST ? L->glevels : ps->ps_elevels;
		snprintf(key, sizeof(key), "%s.level", at);
		if (!(v = ld_required(L, o, at, "level", &rc)) ||
		    (rc = ld_uint_range(L, v, key, 1, levels, &u)) < 0)
			return rc;
		e->pe_level = (unsigned)u;
		set = json_object_get(o, "set");
		clr = json_object_get(o, "clear");
		if (!set && !clr)
			return ld_fail(L, at, "expected \"set\" or \"clear\" (or both)");
		snprintf(key, sizeof(key), "%s.set", at);
		if (set && (rc = ld_flags(L, set, key, e->pe_dim, e->pe_level, true,
					  &e->pe_set, NULL)) < 0)
			return rc;
		snprintf(key, sizeof(key), "%s.clear", at);
		if (clr && (rc = ld_flags(L, clr, key, e->pe_dim, e->pe_level, true,
					  &e->pe_clear, NULL)) < 0)
			return rc;
	}
	ps->ps_nedit = json_array_size(arr);
	return 0;
}

static int ld_accesses(struct ld *L, const json_t *arr)
{
	static const char *const keys[] = { "va", "access", "cpl", "implicit", NULL };
	static const char *const accs[] = { "read", "write", "fetch", NULL };
	struct probe_spec *ps = L->ps;
	void *p;
	size_t i;
	json_t *o;
	int rc;

	if (!arr || json_array_size(arr) == 0)
		return ld_fail(L, "accesses", "expected a list of at least one access");
	if ((rc = ld_array(L, arr, "accesses", "accesses", sizeof(*ps->ps_acc),
			    &p)) < 0)
		return rc;
	ps->ps_acc = p;
	json_array_foreach(arr, i, o) {
		struct probe_access *a = &ps->ps_acc[i];
		char at[KEY_MAX], key[KEY_MAX + 12];
		const json_t *v;
		unsigned acc = 0;
		uint64_t u;

		snprintf(at, sizeof(at), "accesses[%zu]", i);
		if ((rc = ld_object(L, o, at)) < 0 || (rc = ld_keys(L, o, at, keys)) < 0)
			return rc;
		snprintf(key, sizeof(key), "%s.va", at);
		if (!(v = ld_required(L, o, at, "va", &rc)) ||
		    (rc = ld_uint(L, v, key, "an address", &a->pa_va)) < 0)
			return rc;
		snprintf(key, sizeof(key), "%s.access", at);
		if ((v = json_object_get(o, "access")) && (rc = ld_enum(L, v, key, accs, &acc)) < 0)
			return rc;
		a->pa_acc = acc == 0 ? MMU_READ : acc == 1 ? MMU_WRITE : MMU_FETCH;
		a->pa_cpl = 3;
		snprintf(key, sizeof(key), "%s.cpl", at);
		if ((v = json_object_get(o, "cpl"))) {
			if ((rc = ld_uint_range(L, v, key, 0, 3, &u)) < 0)
				return rc;
			a->pa_cpl = (unsigned)u;
		}
		snprintf(key, sizeof(key), "%s.implicit", at);
		if ((v = json_object_get(o, "implicit")) &&
		    (rc = ld_bool(L, v, key, &a->pa_implicit)) < 0)
			return rc;
		if (a->pa_implicit && a->pa_cpl == 3)
			return ld_fail(L, key,
				       "an implicit supervisor-mode access needs cpl 0, 1 or 2");
	}
	ps->ps_nacc = json_array_size(arr);
	return 0;
}

/* ------------------------------------------------------------------ */
/* the file                                                            */

static int ld_walk_caches(struct ld *L, const json_t *v)
{
	static const char *const names[] = { "off", "on", NULL };
	unsigned on = 0;
	int rc;

	if (v && (rc = ld_enum(L, v, "walk_caches", names, &on)) < 0)
		return rc;
	L->ps->ps_caches = on == 1;
	return 0;
}

/* ld_machine - "machine" and "memory" through the workload loader */
static int ld_machine(struct ld *L, const json_t *root,
		      const struct eptsim_load_opts *opts)
{
	const json_t *mach = json_object_get(root, "machine");
	const json_t *mem = json_object_get(root, "memory");
	json_t *w = json_object();
	int rc;

	if (!w) {
		cfg_errf(L->err, "out of memory");
		return -ENOMEM;
	}
	for (size_t i = 0; opts && i < opts->nsets; i++) {
		const char *s = opts->sets[i];

		if (strncmp(s, "machine.", 8) != 0 && strncmp(s, "memory=", 7) != 0) {
			cfg_errf(L->err,
				 "--set %s: a probe takes only machine.* and memory from the command line",
				 s);
			json_decref(w);
			return -EINVAL;
		}
	}
	if ((mach && json_object_set(w, "machine", (json_t *)mach) < 0) ||
	    (mem && json_object_set(w, "memory", (json_t *)mem) < 0)) {
		json_decref(w);
		cfg_errf(L->err, "out of memory");
		return -ENOMEM;
	}
	rc = cfg_load_json(&L->ps->ps_cfg, w, L->path, opts ? opts->sets : NULL,
			   opts ? opts->nsets : 0, opts ? opts->machine_dirs : NULL,
			   L->err);
	json_decref(w);
	return rc;
}

int probe_load(struct probe_spec *ps, const char *path,
	       const struct eptsim_load_opts *opts, struct eptsim_error *err)
{
	static const char *const keys[] = { "comment", "machine", "memory",
					    "walk_caches", "cpu", "ept", "layout",
					    "guest", "ept_map", "edit", "accesses",
					    NULL };
	struct ld L = { .path = path, .err = err, .ps = ps };
	json_t *root;
	int rc;

	memset(ps, 0, sizeof(*ps));
	ps->ps_path = path;
	if ((rc = cfg_load_json_file(path, &root, err)) < 0)
		return rc;
	if ((rc = ld_keys(&L, root, "", keys)) < 0)
		goto out;
	{
		const json_t *c = json_object_get(root, "comment");

		if (c && !json_is_string(c)) {
			char got[96];

			cfg_describe(c, got, sizeof(got));
			rc = ld_fail(&L, "comment", "expected a string, got %s", got);
			goto out;
		}
	}
	if ((rc = ld_machine(&L, root, opts)) < 0 ||
	    (rc = ld_walk_caches(&L, json_object_get(root, "walk_caches"))) < 0 ||
	    (rc = ld_cpu(&L, json_object_get(root, "cpu"))) < 0 ||
	    (rc = ld_ept(&L, json_object_get(root, "ept"))) < 0 ||
	    (rc = ld_layout(&L, json_object_get(root, "layout"))) < 0 ||
	    (rc = ld_guest(&L, json_object_get(root, "guest"))) < 0 ||
	    (rc = ld_ept_map(&L, json_object_get(root, "ept_map"))) < 0 ||
	    (rc = ld_edit(&L, json_object_get(root, "edit"))) < 0 ||
	    (rc = ld_accesses(&L, json_object_get(root, "accesses"))) < 0)
		goto out;
out:
	json_decref(root);
	if (rc < 0)
		probe_spec_free(ps);
	return rc;
}

void probe_spec_free(struct probe_spec *ps)
{
	free(ps->ps_guest);
	free(ps->ps_emap);
	free(ps->ps_edit);
	free(ps->ps_acc);
	ps->ps_guest = ps->ps_emap = NULL;
	ps->ps_edit = NULL;
	ps->ps_acc = NULL;
}
