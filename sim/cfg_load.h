/*
 * cfg_load.h - the loader behind eptsim_config_load (cfg.c), for the rest
 * of the engine and for tests.
 */
#ifndef EPTSIM_SIM_CFG_LOAD_H
#define EPTSIM_SIM_CFG_LOAD_H

#include <jansson.h>

#include "eptsim.h"
#include "sim/cfg.h"

#define CFG_MAX_KEYS 256
/* sample rows a run may keep: 1e6 rows of every counter is ~200 MB */
#define CFG_MAX_SAMPLES UINT64_C(1000000)

struct synth_params;
struct mmu_caps;
struct mmu_pwc_geom;
struct vcpu_config;

/*
 * cfg_load - resolve a configuration: schema defaults, then the preset
 * named by machine.preset (searched as NAME.json in "machines" beside
 * `path`, then in `dirs`, a NULL-terminated list), then the file `path`
 * (may be NULL), then `sets` ("dotted.key=value") in order.  Returns 0 or a
 * negative errno with `err` naming the origin, the key and what was
 * expected.
 */
int cfg_load(struct cfg *c, const char *path, const char *const *sets,
	     size_t nsets, const char *const *dirs, struct eptsim_error *err);

/*
 * cfg_load_json - cfg_load for a workload already parsed: `root` is the
 * workload object (may be NULL), `origin` the file it came from (named in
 * errors; presets are searched in "machines" beside it first).  eptsim
 * probe uses this for the "machine" part of a probe file.
 */
int cfg_load_json(struct cfg *c, const json_t *root, const char *origin,
		  const char *const *sets, size_t nsets,
		  const char *const *dirs, struct eptsim_error *err);

/*
 * cfg_set_value - validate `v` for key `k` and store it in `c`.
 * Returns 0, or -EINVAL with `why` saying what was expected and got.
 */
int cfg_set_value(struct cfg *c, const struct cfg_key *k, const json_t *v,
		  char *why, size_t whylen);

/* cfg_set_field - cfg_set_value for a key whose ck_off is relative to `base` (an event) */
int cfg_set_field(void *base, const struct cfg_key *k, const json_t *v,
		  char *why, size_t whylen);

/*
 * cfg_events_load - the workload's "events" list (replacing any loaded
 * before), validated and sorted by "at" (stable).  Errors name
 * events[i].key.  0 or -EINVAL.
 */
int cfg_events_load(struct cfg *c, const json_t *v, const char *origin,
		    struct eptsim_error *err);

/* cfg_events_json - the events as a JSON list in the workload's form */
json_t *cfg_events_json(const struct cfg *c);

/*
 * cfg_procs_load - the workload's "processes" list (replacing any loaded
 * before).  from_file: `origin` is the workload file, against whose
 * directory relative program and stdin paths are resolved.  Errors name
 * processes[i].key.  0, -EINVAL, -ENOMEM.
 */
int cfg_procs_load(struct cfg *c, const json_t *v, const char *origin,
		   bool from_file, struct eptsim_error *err);

/* cfg_procs_json - the processes as a JSON list in the workload's form */
json_t *cfg_procs_json(const struct cfg *c);

/* cfg_proc_cpu - the vCPU process i runs on: its "cpu", else i % cpus */
uint64_t cfg_proc_cpu(const struct cfg *c, size_t i);

/* cfg_parse_size - "64MiB", "4K", "4096" (binary units) -> bytes */
int cfg_parse_size(const char *s, uint64_t *out);
/* cfg_parse_uint - "123" or "0x7b" -> value; -EINVAL or -ERANGE */
int cfg_parse_uint(const char *s, uint64_t *out);

/*
 * cfg_expect_check - the keys `expect` and `expect_tolerance` after all
 * layers (cfg_expect.c): a relative `expect` given by the workload file
 * (`from_file`; `expect_origin` is then the file's path) is taken from the
 * file's directory, and must name a readable file; each tolerance must
 * parse (cfg_tolerance_parse).  Errors name the origin.  0 or -EINVAL.
 */
int cfg_expect_check(struct cfg *c, const char *expect_origin, bool from_file,
		     const char *tol_origin, struct eptsim_error *err);

/*
 * cfg_tolerance_parse - "PATH=PCT" of expect_tolerance and of `eptsim
 * check --tolerance`: PATH (before the last '=') is a metric name or a
 * pattern in which '*' matches any run of characters, and is not empty;
 * PCT a percentage from 0 to CFG_TOL_PCT_MAX with at most
 * CFG_TOL_PCT_DIGITS decimals ("2", "0.5"), which is *num / 10^*scale.
 * 0, or -EINVAL with `why` saying what was expected.
 */
#define CFG_TOL_PCT_MAX 1000000
#define CFG_TOL_PCT_DIGITS 6
int cfg_tolerance_parse(const char *s, size_t *pathlen, uint64_t *num,
			unsigned *scale, char *why, size_t whylen);

/* cfg_to_json - the resolved configuration, keys in schema order */
json_t *cfg_to_json(const struct cfg *c);

/*
 * cfg_json_put - set `v` at dotted `path` in `root`, creating objects on
 * the way; takes the reference to `v` (also on failure).  0 or -ENOMEM.
 */
int cfg_json_put(json_t *root, const char *path, json_t *v);

/* cfg_synth_params - the synthetic source's parameters from `c` */
void cfg_synth_params(const struct cfg *c, struct synth_params *sp);

/* cfg_mmu_caps - the CPU capabilities of machine.caps and machine.maxphyaddr */
void cfg_mmu_caps(const struct cfg *c, struct mmu_caps *caps);

/* cfg_pwc_geom - the walk caches' geometry of machine.walk_cache */
void cfg_pwc_geom(const struct cfg *c, struct mmu_pwc_geom *g);

/* cfg_vcpu_config - how to build each (v)CPU: TLBs, walk caches, line cache, caps, costs */
void cfg_vcpu_config(const struct cfg *c, struct vcpu_config *v);

/*
 * cfg_load_json_file - parse `path` as a JSON object (duplicate keys
 * rejected).  Errors name the file and, for syntax errors, line and column.
 */
int cfg_load_json_file(const char *path, json_t **out,
		       struct eptsim_error *err) MUST_CHECK;

/* cfg_describe - a JSON value for an error message: `string "abc"`, `integer 5` */
void cfg_describe(const json_t *v, char *buf, size_t len);

/* cfg_edit_distance - Levenshtein distance, for "did you mean"; SIZE_MAX if b is too long */
size_t cfg_edit_distance(const char *a, const char *b);

void cfg_errf(struct eptsim_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
