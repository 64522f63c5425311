/*
 * probe_out.c - one access of `eptsim probe` as a JSON object.  Keys are
 * added in a fixed order (jansson keeps insertion order), addresses and
 * entry values are "0x..." strings, so the output is byte-identical for
 * the same file.  The format is documented in docs/probe.md.
 */
#include "sim/probe/probe.h"

#include "sim/mmu/ept.h"
#include "sim/mmu/pte.h"

static json_t *hex(uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)v);
	return json_string(buf);
}

static json_t *hex16(uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "0x%016llx", (unsigned long long)v);
	return json_string(buf);
}

/* put - o[k] = v; a NULL v (out of memory) poisons o */
static void put(json_t *o, const char *k, json_t *v, bool *ok)
{
	if (!v || json_object_set_new(o, k, v) < 0)
		*ok = false;
}

static void push(json_t *a, json_t *v, bool *ok)
{
	if (!v || json_array_append_new(a, v) < 0)
		*ok = false;
}

/* bit_names - the names in `tab` of the bits set in `v`, as a JSON list */
static json_t *bit_names(uint64_t v, const struct probe_bit *tab, bool *ok)
{
	json_t *a = json_array();

	if (!a) {
		*ok = false;
		return NULL;
	}
	for (; tab->pbt_name; tab++)
		if (v & tab->pbt_mask)
			push(a, json_string(tab->pbt_name), ok);
	return a;
}

static json_t *refs(const struct mmu_walk *w, enum mmu_dim dim,
		    unsigned levels, bool *ok)
{
	json_t *o = json_object();

	if (!o) {
		*ok = false;
		return NULL;
	}
	for (unsigned l = levels; l >= 1; l--) {
		char k[12];

		snprintf(k, sizeof(k), "%u", l);
		put(o, k, json_integer(w->refs[dim][l]), ok);
	}
	return o;
}

static json_t *size(unsigned shift)
{
	const char *s = probe_size_name(shift);

	return s ? json_string(s) : json_integer(shift);
}

/* entries - every entry the walk read, as it is in memory now */
static json_t *entries(const struct probe_machine *pr, const struct mmu_walk *w,
		       bool *ok)
{
	const struct mmu *m = &pr->pr_m;
	json_t *a = json_array();

	if (!a) {
		*ok = false;
		return NULL;
	}
	for (unsigned i = 0; i < w->nsteps; i++) {
		const struct mmu_step *s = &w->steps[i];
		const enum mmu_dim dim = (enum mmu_dim)s->ms_dim;
		uint64_t v = pmem_read64(&pr->pr_mem, s->ms_addr);
		json_t *e;

		if (s->ms_kind != MMU_STEP_REF)
			continue;
		e = json_object();
		if (!e) {
			*ok = false;
			break;
		}
		put(e, "dim", json_string(dim == MMU_DIM_GUEST ? "guest" : "ept"), ok);
		put(e, "level", json_integer(s->ms_level), ok);
		if (dim == MMU_DIM_EPT) {
			char f[16];

			if (s->ms_glevel)
				snprintf(f, sizeof(f), "guest_l%u", s->ms_glevel);
			else
				snprintf(f, sizeof(f), "final");
			put(e, "for", json_string(f), ok);
		}
		put(e, "hpa", hex(s->ms_addr), ok);
		if (dim == MMU_DIM_GUEST && m->mu_ept.me_enabled)
			put(e, "gpa", hex(s->ms_gpa), ok);
		put(e, "value", hex16(v), ok);
		put(e, "a", json_boolean(v & probe_a_bit(dim)), ok);
		if (probe_present(m, dim, v) && probe_leaf(s->ms_level, v))
			put(e, "d", json_boolean(v & probe_d_bit(dim)), ok);
		push(a, e, ok);
	}
	return a;
}

json_t *probe_json_access(const struct probe_machine *pr,
			  const struct probe_access *a, const struct mmu_walk *w)
{
	const bool ept = pr->pr_m.mu_ept.me_enabled;
	json_t *o = json_object(), *r, *h;
	bool ok = o != NULL;

	if (!o)
		return NULL;
	put(o, "va", hex(a->pa_va), &ok);
	put(o, "access", json_string(probe_acc_name(a->pa_acc)), &ok);
	put(o, "cpl", json_integer(a->pa_cpl), &ok);
	if (a->pa_implicit)
		put(o, "implicit", json_true(), &ok);
	if (!w) {
		put(o, "outcome", json_string("vm_entry_failed"), &ok);
		put(o, "reason", json_string(pr->pr_entry_fail), &ok);
		goto out;
	}
	put(o, "outcome", json_string(mmu_stop_name(w->stop)), &ok);
	switch (w->stop) {
	case MMU_OK:
		if (ept)
			put(o, "gpa", hex(w->gpa), &ok);
		put(o, "hpa", hex(w->pa), &ok);
		put(o, "page_size", size(w->guest_shift), &ok);
		if (ept)
			put(o, "ept_page_size", size(w->ept_shift), &ok);
		put(o, "tlb_page_size", size(w->page_shift), &ok);
		break;
	case MMU_NOT_PRESENT:
	case MMU_PROTECTION:
	case MMU_RESERVED:
		put(o, "error_code", hex(w->error_code), &ok);
		put(o, "error_code_bits", bit_names(w->error_code, probe_pf_ec_bits, &ok), &ok);
		if (w->fault_level)
			put(o, "level", json_integer(w->fault_level), &ok);
		break;
	case MMU_EPT_VIOLATION:
		put(o, "exit_qualification", hex(w->exit_qual), &ok);
		put(o, "exit_qualification_bits", bit_names(w->exit_qual, probe_eq_bits, &ok), &ok);
		put(o, "gpa", hex(w->fault_gpa), &ok);
		put(o, "stage", json_string(w->fault_paging ? "guest_paging" : "final"), &ok);
		if (w->fault_level)
			put(o, "level", json_integer(w->fault_level), &ok);
		break;
	case MMU_EPT_MISCONFIG:
		put(o, "gpa", hex(w->fault_gpa), &ok);
		put(o, "stage", json_string(w->fault_paging ? "guest_paging" : "final"), &ok);
		put(o, "level", json_integer(w->fault_level), &ok);
		break;
	case MMU_NONCANONICAL:
		break;
	}
	r = json_object();
	if (!r) {
		ok = false;
	} else {
		put(r, "total", json_integer(w->mem_refs), &ok);
		put(r, "guest", refs(w, MMU_DIM_GUEST, w->levels ? w->levels : pr->pr_pb.pb_glevels, &ok), &ok);
		put(r, "ept", refs(w, MMU_DIM_EPT, ept ? pr->pr_m.mu_ept.me_levels : 0, &ok), &ok);
		put(o, "mem_refs", r, &ok);
	}
	h = json_object();
	if (!h) {
		ok = false;
	} else {
		put(h, "guest_psc", json_integer(w->psc_hits), &ok);
		put(h, "ept_psc", json_integer(w->epsc_hits), &ok);
		put(h, "nested_tlb", json_integer(w->ntlb_hits), &ok);
		put(o, "walk_cache_hits", h, &ok);
	}
	put(o, "entries", entries(pr, w, &ok), &ok);
out:
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}
