/*
 * cfg.h - the resolved configuration of a run, and the schema that reads it.
 *
 * A configuration is built in layers, each validated against one schema
 * table (cfg_schema.c) before it is applied:
 *
 *	schema defaults  <  machine preset file  <  workload file  <  --set
 *
 * The schema is the single source of truth for every key: its dotted path,
 * type, range, default and one line of documentation.  The loader, the
 * report's "config" section and the docs test all walk the same table, so
 * a key cannot exist in one place and be missing in another.
 */
#ifndef EPTSIM_SIM_CFG_H
#define EPTSIM_SIM_CFG_H

#include "sim/base.h"

#define CFG_NAME_MAX 64
#define CFG_TEXT_MAX 160

/* a set-associative array's geometry; 0 entries: switched off */
struct cfg_cache {
	uint64_t entries;
	uint64_t ways;
};

/* one TLB level: an array per page size (4 KiB, 2 MiB, 1 GiB) */
struct cfg_tlb {
	struct cfg_cache size[3];       /* [enum tlb_psize] */
	bool share_2m;                  /* 2 MiB pages live in the 4 KiB array */
	uint64_t latency;
};

/* the walk caches of one dimension, by the level of the entries they hold */
struct cfg_psc {
	struct cfg_cache pml5, pml4, pdpt, pd;
};

/* values as the schema stores them: integers, enums and sizes are uint64_t */
/*
 * One entry of the workload's "events" list: at the moment `ce_at`
 * accesses have been made (over all CPUs), the CPU whose turn it is does
 * `ce_do`.  Offsets are from source.base.
 */
enum cfg_event_kind {
	CFG_EV_PRESSURE,        /* a kernel has only ce_free bytes free */
	CFG_EV_MMAP,            /* map [off, off+len) anonymous read/write (MAP_FIXED) */
	CFG_EV_MUNMAP,
	CFG_EV_MPROTECT,        /* to ce_prot */
	CFG_EV_MADVISE,         /* MADV_DONTNEED */
	CFG_EV_COPYIN,          /* the kernel reads [off, off+len) of the process */
	CFG_EV_COPYOUT,         /* the kernel writes it */
	CFG_EV_NKINDS
};
enum cfg_event_kernel { CFG_K_HOST, CFG_K_GUEST };

struct cfg_event {
	uint64_t ce_at;
	uint64_t ce_do;         /* enum cfg_event_kind */
	uint64_t ce_kernel;     /* enum cfg_event_kernel: pressure only */
	uint64_t ce_free;       /* pressure: bytes */
	uint64_t ce_off, ce_len;
	uint64_t ce_prot;       /* VM_PROT_* */
};
#define CFG_MAX_EVENTS 256

extern const char *const cfg_event_names[];     /* enum cfg_event_kind, NULL-terminated */
extern const char *const cfg_kernel_names[];    /* enum cfg_event_kernel */
extern const char *const cfg_prot_names[];      /* "none", "r", "rw", ... indexed by VM_PROT_* bits */

/*
 * One entry of the workload's "processes" list (source.kind "program"):
 * a static x86-64 program the guest kernel starts at the beginning of the
 * run, on vCPU cp_cpu.  Strings are NUL-terminated.
 */
#define CFG_MAX_PROCS 32
#define CFG_PATH_MAX 512
#define CFG_ARGS_MAX 4096
#define CFG_TOL_MAX 4096        /* expect_tolerance: all its strings with their NULs */
struct cfg_proc {
	char cp_program[CFG_PATH_MAX];  /* the executable; relative paths resolved against the workload's directory */
	char cp_args[CFG_ARGS_MAX];     /* argv[1..] then the environment, each NUL-terminated */
	uint64_t cp_nargs, cp_nenv;
	char cp_stdin[CFG_PATH_MAX];    /* a file read as its standard input; "": empty */
	char cp_stdout[CFG_PATH_MAX];   /* "-": eptsim's stdout; "": discarded; else a file */
	char cp_stderr[CFG_PATH_MAX];   /* "-": eptsim's stderr; "": discarded; else a file */
	uint64_t cp_cpu;                /* the vCPU it runs on */
};

struct cfg {
	char name[CFG_NAME_MAX];
	uint64_t seed;
	uint64_t memory;                /* bytes of physical memory */
	uint64_t swap;                  /* bytes of swap of the machine's kernel (native, or the host) */
	bool superpages;                /* that kernel's reservations and 2 MiB promotion */
	struct {
		char preset[CFG_NAME_MAX];
		char name[CFG_NAME_MAX];
		char description[CFG_TEXT_MAX];
		uint64_t maxphyaddr;
		struct {                /* see struct mmu_caps */
			bool page1g;
			bool la57;
			bool ept_execute_only;
			bool ept_5level;
			bool ept_2m;
			bool ept_1g;
			bool ept_ad;
			bool ept_mode_based_exec;
			bool vpid;
			bool invept_single_context;
			bool invept_all_context;
			bool invvpid_individual_address;
			bool invvpid_single_context;
			bool invvpid_all_context;
			bool invvpid_single_context_retaining_globals;
			bool pcid;
			bool invpcid;
			bool posted_interrupts;
		} caps;
		struct {
			uint64_t replacement;   /* enum tlb_policy */
			struct cfg_tlb l1d, l1i, stlb;
		} tlb;
		struct cfg_cache pt_cache;      /* page-table lines */
		struct {
			struct cfg_psc guest;   /* machine.walk_cache.{pml5,...} */
			struct cfg_psc ept;     /* machine.walk_cache.ept.{pml5,...} */
			struct cfg_cache nested_tlb;
		} walk_cache;
		struct {
			uint64_t instruction;
			uint64_t walk_cache_hit;
			uint64_t pt_cache_hit;
			uint64_t memory;
			uint64_t page_fault;
			uint64_t page_zero;
			uint64_t ept_fill;
			uint64_t vm_exit;
			uint64_t vm_entry;
			uint64_t invept;
			uint64_t invvpid;
			uint64_t invlpg;
			uint64_t invpcid;
			uint64_t mov_cr3;
			uint64_t ipi;
			uint64_t ad_emulation;
			uint64_t swap_in;
			uint64_t swap_out;
			uint64_t page_scan;
			uint64_t promote;
			uint64_t demote;
			uint64_t syscall;
			uint64_t context_switch;
		} cycles;
	} machine;
	uint64_t cpus;                  /* (v)CPUs running the workload */
	uint64_t quantum;               /* accesses (programs: instructions) per turn of a (v)CPU */
	uint64_t timeslice;             /* programs: instructions a process runs before the next on its CPU */
	bool pcid;                      /* the kernel gives each process a PCID where the machine has them */
	struct {
		bool enabled;
		uint64_t memory;        /* guest-physical memory, bytes */
		bool vpid;
		bool ept_ad;
		uint64_t ept_page;      /* enum tlb_psize: what the host faults in at once */
		bool posted_interrupts;
		uint64_t swap;          /* the guest kernel's swap */
		bool superpages;        /* the guest kernel's reservations and promotion */
		uint64_t policy;        /* enum host_policy */
	} vm;
	struct {
		uint64_t kind;          /* enum cfg_source_kind */
		char trace[CFG_PATH_MAX];       /* CFG_SOURCE_TRACE: the file ("-": stdin) */
		uint64_t format;        /* enum tr_format */
		uint64_t pattern;       /* enum synth_pattern */
		uint64_t base;
		uint64_t footprint;
		uint64_t accesses;
		uint64_t access_size;
		uint64_t stride;
		double write_fraction;
		double zipf_s;
	} source;
	char record[CFG_PATH_MAX];      /* programs: write the native trace here; "": no */
	uint64_t record_compression;    /* enum tr_compress */
	struct {
		uint64_t sample_every;
		bool native_baseline;
	} report;
	char expect[CFG_PATH_MAX];      /* the golden report the run's report must match; "": none */
	char expect_tolerance[CFG_TOL_MAX]; /* CFG_STRLIST of "PATH=PCT" */
	size_t nevents;
	struct cfg_event events[CFG_MAX_EVENTS]; /* sorted by ce_at (stable) */
	size_t nprocs;
	struct cfg_proc procs[CFG_MAX_PROCS];    /* source.kind "program" */
};

enum cfg_source_kind { CFG_SOURCE_SYNTHETIC, CFG_SOURCE_PROGRAM, CFG_SOURCE_TRACE };

enum cfg_type {
	CFG_STRING,     /* char[ck_len] */
	CFG_ENUM,       /* uint64_t index into ck_names; JSON: one of the names */
	CFG_UINT,       /* uint64_t; JSON: integer, or string "123" / "0x7b" */
	CFG_SIZE,       /* uint64_t bytes; JSON: integer, or string "64MiB" */
	CFG_REAL,       /* double; JSON: number, kept to 15 significant digits */
	CFG_BOOL,       /* bool; JSON: true or false */
	CFG_STRLIST,    /* char[ck_len]: non-empty strings one after another, each
			 * NUL-terminated, then an empty one; JSON: a list of
			 * strings, or one string for a list of one ("": none) */
};

struct cfg_key {
	const char *ck_path;            /* dotted path, e.g. "machine.tlb.l1d.4k.ways" */
	enum cfg_type ck_type;
	size_t ck_off;                  /* offsetof(struct cfg, ...) */
	size_t ck_len;                  /* CFG_STRING, CFG_STRLIST: buffer size */
	uint64_t ck_min, ck_max;        /* CFG_UINT, CFG_SIZE: inclusive */
	double ck_rmin, ck_rmax;        /* CFG_REAL: inclusive */
	const char *const *ck_names;    /* CFG_ENUM: NULL-terminated */
	const char *ck_default;         /* the default, as JSON text */
	const char *ck_doc;             /* one line for docs/workload.md */
	unsigned ck_flags;              /* CFG_F_* */
};

/*
 * A directive steers loading and is not part of the resolved
 * configuration: the report's "config" leaves it out (machine.preset: the
 * config has every machine key explicit, so it needs no preset file).
 */
#define CFG_F_DIRECTIVE 0x1u

/* the schema, in report order; cfg_schema_len() entries */
const struct cfg_key *cfg_schema(void);
size_t cfg_schema_len(void);

/* cfg_key_find - the key with dotted `path`, or NULL. */
const struct cfg_key *cfg_key_find(const char *path);

/* the names of the synthetic patterns, in enum synth_pattern order */
extern const char *const cfg_pattern_names[];
/* "lru", "fifo", "nru", "random": enum tlb_policy order */
extern const char *const cfg_policy_names[];
/* "4k", "2m", "1g": enum tlb_psize order */
extern const char *const cfg_psize_names[];
extern const char *const cfg_vm_policy_names[]; /* enum host_policy order */
#define cfg_vm_policy_name(p) (cfg_vm_policy_names[(p)])

#endif
