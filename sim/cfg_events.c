/*
 * cfg_events.c - the workload's "events" list: what happens to the
 * address space and to memory at given moments of a run.
 *
 *   "events": [
 *     { "at": 100000, "do": "madvise", "offset": "16MiB", "length": "8MiB" },
 *     { "at": 200000, "do": "pressure", "kernel": "host", "free": "64MiB" }
 *   ]
 *
 * Each event is validated with the same typed parsers as the schema's
 * keys (cfg_set_field), so errors read alike: "FILE: events[1].free: ...".
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "sim/cfg_load.h"

#define EOFF(f) offsetof(struct cfg_event, f)
#define TIB (UINT64_C(1) << 40)

static const struct cfg_key ev_keys[] = {
	{ .ck_path = "at", .ck_type = CFG_UINT, .ck_off = EOFF(ce_at),
	  .ck_min = 0, .ck_max = UINT64_C(1) << 48 },
	{ .ck_path = "do", .ck_type = CFG_ENUM, .ck_off = EOFF(ce_do),
	  .ck_names = cfg_event_names },
	{ .ck_path = "kernel", .ck_type = CFG_ENUM, .ck_off = EOFF(ce_kernel),
	  .ck_names = cfg_kernel_names },
	{ .ck_path = "free", .ck_type = CFG_SIZE, .ck_off = EOFF(ce_free),
	  .ck_min = 0, .ck_max = 64 * TIB },
	{ .ck_path = "offset", .ck_type = CFG_SIZE, .ck_off = EOFF(ce_off),
	  .ck_min = 0, .ck_max = 64 * TIB },
	{ .ck_path = "length", .ck_type = CFG_SIZE, .ck_off = EOFF(ce_len),
	  .ck_min = 0, .ck_max = 64 * TIB },
	{ .ck_path = "prot", .ck_type = CFG_ENUM, .ck_off = EOFF(ce_prot),
	  .ck_names = cfg_prot_names },
};
#define EV_NKEYS (sizeof(ev_keys) / sizeof(ev_keys[0]))

/* which keys each kind needs (bit i: ev_keys[i]); "at" and "do" always */
static unsigned ev_needs(enum cfg_event_kind k)
{
	switch (k) {
	case CFG_EV_PRESSURE:
		return 1u << 3;
	case CFG_EV_MPROTECT:
		return (1u << 4) | (1u << 5) | (1u << 6);
	case CFG_EV_MMAP:
	case CFG_EV_MUNMAP:
	case CFG_EV_MADVISE:
	case CFG_EV_COPYIN:
	case CFG_EV_COPYOUT:
		return (1u << 4) | (1u << 5);
	case CFG_EV_NKINDS:
		break;
	}
	return 0;
}

static int cmp_at(const void *a, const void *b)
{
	const struct cfg_event *x = a, *y = b;

	if (x->ce_at != y->ce_at)
		return x->ce_at < y->ce_at ? -1 : 1;
	/* stable: the list order breaks ties (ce_prot's spare bits hold the index) */
	return (x->ce_prot >> 8) < (y->ce_prot >> 8) ? -1 : 1;
}

static int ev_load(struct cfg_event *ev, const json_t *o, size_t i,
		   const char *origin, struct eptsim_error *err)
{
	unsigned seen = 0, need;
	const char *name;
	json_t *v;
	char why[512];

	if (!json_is_object(o)) {
		cfg_describe(o, why, sizeof(why));
		cfg_errf(err, "%s: events[%zu]: expected an object, got %s", origin, i, why);
		return -EINVAL;
	}
	memset(ev, 0, sizeof(*ev));
	json_object_foreach((json_t *)o, name, v) {
		size_t k;

		for (k = 0; k < EV_NKEYS && strcmp(ev_keys[k].ck_path, name) != 0; k++)
			;
		if (k == EV_NKEYS) {
			cfg_errf(err, "%s: events[%zu].%s: unknown key (expected at, do, kernel, free, offset, length or prot)",
				 origin, i, name);
			return -EINVAL;
		}
		if (cfg_set_field(ev, &ev_keys[k], v, why, sizeof(why)) < 0) {
			cfg_errf(err, "%s: events[%zu].%s: %s", origin, i, name, why);
			return -EINVAL;
		}
		seen |= 1u << k;
	}
	if ((seen & 3u) != 3u) {
		cfg_errf(err, "%s: events[%zu]: expected keys \"at\" and \"do\"", origin, i);
		return -EINVAL;
	}
	need = ev_needs((enum cfg_event_kind)ev->ce_do);
	for (size_t k = 2; k < EV_NKEYS; k++) {
		bool want = need & (1u << k);
		bool has = seen & (1u << k);

		if (k == 2 && has && ev->ce_do == CFG_EV_PRESSURE)
			continue; /* kernel is optional for pressure */
		if (want != has) {
			cfg_errf(err, "%s: events[%zu].%s: %s for \"do\": \"%s\"", origin, i,
				 ev_keys[k].ck_path, want ? "required" : "not used",
				 cfg_event_names[ev->ce_do]);
			return -EINVAL;
		}
	}
	if (((ev->ce_off | ev->ce_len) & PAGE_MASK) != 0 ||
	    (ev->ce_len == 0 && ev->ce_do != CFG_EV_PRESSURE)) {
		cfg_errf(err, "%s: events[%zu]: offset and length must be multiples of 4096 and length > 0, got %llu and %llu",
			 origin, i, (unsigned long long)ev->ce_off, (unsigned long long)ev->ce_len);
		return -EINVAL;
	}
	return 0;
}

int cfg_events_load(struct cfg *c, const json_t *v, const char *origin,
		    struct eptsim_error *err)
{
	size_t i;
	json_t *o;

	c->nevents = 0;
	if (!json_is_array(v)) {
		char got[96];

		cfg_describe(v, got, sizeof(got));
		cfg_errf(err, "%s: events: expected a list of events, got %s", origin, got);
		return -EINVAL;
	}
	if (json_array_size(v) > CFG_MAX_EVENTS) {
		cfg_errf(err, "%s: events: at most %u events, got %zu", origin,
			 (unsigned)CFG_MAX_EVENTS, json_array_size(v));
		return -EINVAL;
	}
	json_array_foreach(v, i, o) {
		int rc = ev_load(&c->events[i], o, i, origin, err);

		if (rc < 0) {
			c->nevents = 0;
			return rc;
		}
		c->events[i].ce_prot |= (uint64_t)i << 8;
	}
	c->nevents = json_array_size(v);
	qsort(c->events, c->nevents, sizeof(c->events[0]), cmp_at);
	for (i = 0; i < c->nevents; i++)
		c->events[i].ce_prot &= 0xff;
	return 0;
}

json_t *cfg_events_json(const struct cfg *c)
{
	json_t *list = json_array();

	for (size_t i = 0; list && i < c->nevents; i++) {
		const struct cfg_event *ev = &c->events[i];
		const unsigned need = ev_needs((enum cfg_event_kind)ev->ce_do);
		json_t *o = json_object();

		if (!o || json_array_append_new(list, o) < 0) {
			json_decref(list);
			return NULL;
		}
		json_object_set_new(o, "at", json_integer((json_int_t)ev->ce_at));
		json_object_set_new(o, "do", json_string(cfg_event_names[ev->ce_do]));
		if (ev->ce_do == CFG_EV_PRESSURE) {
			json_object_set_new(o, "kernel", json_string(cfg_kernel_names[ev->ce_kernel]));
			json_object_set_new(o, "free", json_integer((json_int_t)ev->ce_free));
		}
		if (need & (1u << 4)) {
			json_object_set_new(o, "offset", json_integer((json_int_t)ev->ce_off));
			json_object_set_new(o, "length", json_integer((json_int_t)ev->ce_len));
		}
		if (need & (1u << 6))
			json_object_set_new(o, "prot", json_string(cfg_prot_names[ev->ce_prot]));
	}
	return list;
}
