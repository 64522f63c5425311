/*
 * probe.h - `eptsim probe` and `eptsim explain`: a small machine built from
 * a probe file (docs/probe.md), and one translation per access, printed as
 * JSON (probe_out.c) or for a person (probe_explain.c).
 *
 *   probe_load     the file -> struct probe_spec (every key checked)
 *   probe_build    the spec -> struct probe_machine: memory, guest and EPT
 *                  tables (sim/mmu/ptbuild.h), edits, the MMU context
 *   mmu_translate  one access at a time, in file order
 *
 * Input errors name the file, the key path (`guest[2].flags[1]`) and what
 * was expected; they are found by probe_load and probe_build, before any
 * access is translated.  A VM entry that would fail (a bad EPTP) is not an
 * input error but the outcome of every access.
 */
#ifndef EPTSIM_SIM_PROBE_PROBE_H
#define EPTSIM_SIM_PROBE_PROBE_H

#include <stdio.h>

#include <jansson.h>

#include "eptsim.h"
#include "sim/cfg.h"
#include "sim/mmu/mmu.h"
#include "sim/mmu/ptbuild.h"
#include "sim/pmem.h"

/* a mapping of the guest (va -> gpa) or of the EPT (gpa -> hpa) */
struct probe_map {
	uint64_t pmp_from;       /* va, or gpa */
	uint64_t pmp_to;         /* gpa, or hpa */
	unsigned pmp_shift;      /* 12, 21 or 30 */
	uint64_t pmp_flags;      /* PTE_* or EPT_* leaf flags */
};

/* a change to one entry after the tables are built: clear, then set */
struct probe_edit {
	enum mmu_dim pe_dim;
	uint64_t pe_addr;       /* VA (guest) or GPA (ept) on the entry's path */
	unsigned pe_level;
	uint64_t pe_clear, pe_set;
};

struct probe_access {
	uint64_t pa_va;
	enum mmu_acc pa_acc;
	unsigned pa_cpl;        /* 0..3; 3 is user mode */
	bool pa_implicit;       /* an implicit supervisor-mode access */
};

struct probe_spec {
	const char *ps_path;    /* the probe file, named in errors */
	struct cfg ps_cfg;      /* "machine" and "memory", resolved */
	bool ps_caches;         /* "walk_caches": "on" */
	struct mmu_regs ps_regs;        /* cr3 filled by probe_build unless ps_cr3_set */
	bool ps_cr3_set;
	bool ps_ept;            /* ept.enabled */
	unsigned ps_elevels;    /* ept.levels */
	bool ps_ept_ad, ps_ept_mbec;
	unsigned ps_ept_mt;     /* EPTP memory type: EPT_MT_WB or EPT_MT_UC */
	bool ps_eptp_set;       /* ept.eptp given: used as is */
	uint64_t ps_eptp;
	struct ptb_layout ps_layout;
	struct probe_map *ps_guest;
	size_t ps_nguest;
	struct probe_map *ps_emap;
	size_t ps_nemap;
	struct probe_edit *ps_edit;
	size_t ps_nedit;
	struct probe_access *ps_acc;
	size_t ps_nacc;
};

/* the machine a probe runs on */
struct probe_machine {
	struct pmem pr_mem;
	struct ptb pr_pb;
	struct mmu pr_m;
	struct mmu_pwc pr_pwc;
	bool pr_pwc_on;
	const char *pr_entry_fail;      /* why VM entry fails, or NULL */
	uint64_t pr_eptp;               /* the EPTP given to VM entry */
};

/*
 * probe_load - read and check the probe file `path`; machine presets are
 * searched as for runs (opts->machine_dirs), and opts->sets may override
 * machine.* and memory.  0 or a negative errno with `err` filled.
 */
int probe_load(struct probe_spec *ps, const char *path,
	       const struct eptsim_load_opts *opts,
	       struct eptsim_error *err) MUST_CHECK;
void probe_spec_free(struct probe_spec *ps);

/* probe_build - the machine of `ps`.  0 or a negative errno, `err` filled. */
int probe_build(struct probe_machine *pr, const struct probe_spec *ps,
		struct eptsim_error *err) MUST_CHECK;
void probe_machine_free(struct probe_machine *pr);

/* probe_req - the MMU request of access `a` */
void probe_req(const struct probe_access *a, struct mmu_req *req);

/* probe_json_access - the JSON object of one access (NULL: out of memory) */
json_t *probe_json_access(const struct probe_machine *pr,
			  const struct probe_access *a,
			  const struct mmu_walk *w);

/* probe_explain_access - access `idx` explained for a person */
void probe_explain_access(FILE *f, const struct probe_machine *pr,
			  size_t idx, const struct probe_access *a,
			  const struct mmu_walk *w);

/*
 * Shared by the printers and the loader: names of bits and sizes, and how
 * to read an entry.
 */
struct probe_bit {
	const char *pbt_name;
	uint64_t pbt_mask;
};
/* guest entry bits that have a name, in bit order ("pat": PTE_PAT4K) */
extern const struct probe_bit probe_guest_bits[];
/* EPT entry bits that have a name, in bit order */
extern const struct probe_bit probe_ept_bits[];
/* #PF error code bits ("P", "W", ...) and exit qualification bits ("read", ...) */
extern const struct probe_bit probe_pf_ec_bits[];
extern const struct probe_bit probe_eq_bits[];

const char *probe_acc_name(enum mmu_acc acc);
/* "4K", "2M", "1G" (or "512G"); NULL for a shift that names no page */
const char *probe_size_name(unsigned shift);
/* the memory type's name ("wb", ...), or NULL for a reserved type */
const char *probe_memtype_name(unsigned mt);
/* "PML5", "PML4", "PDPT", "PD", "PT" */
const char *probe_table_name(unsigned level);

/* whether entry `e` of dimension `dim` is present for machine `m` */
bool probe_present(const struct mmu *m, enum mmu_dim dim, uint64_t e);
/* whether present entry `e` at `level` maps a page */
bool probe_leaf(unsigned level, uint64_t e);
/* the address field of `e` at `level` (the page frame of a large leaf) */
uint64_t probe_entry_addr(const struct mmu *m, unsigned level, uint64_t e);
/* the A flag of `e` in dimension `dim`, and D */
uint64_t probe_a_bit(enum mmu_dim dim);
uint64_t probe_d_bit(enum mmu_dim dim);

#endif
