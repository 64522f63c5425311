/*
 * mmu.h - one translation of a linear address the way an Intel core makes
 * it: natively (one dimension) or under EPT (two dimensions), through the
 * walk caches, counting every memory reference.
 *
 *   mmu_translate(m, req, w)
 *     for each guest level, top down (skipping what a guest PSC holds):
 *        GPA of the guest entry --stage 2--> HPA     (nested TLB, EPT PSC, EPT walk)
 *        read the guest entry, check P, reserved bits, fold rights
 *     rights of the whole translation (U/S, R/W, XD, WP, SMEP, SMAP, PKRU)
 *     final GPA --stage 2--> HPA
 *     A/D flags (guest entries; EPT entries when the EPTP enables EPT A/D)
 *
 * Natively the stage-2 step is the identity and costs nothing.  The guest
 * side follows SDM Vol. 3A §4.5 (4- and 5-level paging), §4.6 (access
 * rights), §4.7 (the #PF error code), §4.8 (A/D); the EPT side SDM Vol. 3C
 * §29.3 (translation, violations, misconfigurations, EPT A/D) and §28.2.1
 * (exit qualification); the caches §4.10.3 and §29.4.
 *
 * A translation takes a const request and fills a result: the address, or
 * the reason it stopped with everything a handler needs (the #PF error
 * code; or the exit qualification, the GPA and which stage failed).  It
 * records every step (memory reference or cache hit) for `eptsim explain`
 * and for tests.  A walk that faults changes nothing in memory, in either
 * dimension: A/D flags are written only after the whole translation
 * succeeded (the SDM allows either; see walk.c).  A #PF or an EPT
 * violation does drop the walk-cache entries for its address, as on
 * hardware.
 */
#ifndef EPTSIM_SIM_MMU_MMU_H
#define EPTSIM_SIM_MMU_MMU_H

#include "sim/base.h"
#include "sim/pmem.h"
#include "sim/tlb/tlb.h"

enum mmu_acc { MMU_READ, MMU_WRITE, MMU_FETCH };

#define MMU_MAX_LEVELS 5u

/*
 * What the processor supports: CPUID and the VMX capability MSRs.  4-level
 * EPT and the UC and WB EPTP memory types are always supported.
 */
struct mmu_caps {
	unsigned maxphyaddr;    /* CPUID.80000008H:EAX[7:0], 36..52 */
	bool page1g;            /* CPUID.80000001H:EDX[26]: 1 GiB guest pages */
	bool la57;              /* CPUID.(EAX=7,ECX=0):ECX[16]: 5-level paging */
	bool ept_xonly;         /* IA32_VMX_EPT_VPID_CAP[0]: execute-only EPT entries */
	bool ept_5level;        /* IA32_VMX_EPT_VPID_CAP[7]: 5-level EPT */
	bool ept_2m;            /* IA32_VMX_EPT_VPID_CAP[16]: 2 MiB EPT pages */
	bool ept_1g;            /* IA32_VMX_EPT_VPID_CAP[17]: 1 GiB EPT pages */
	bool ept_ad;            /* IA32_VMX_EPT_VPID_CAP[21]: EPT A/D flags */
	bool ept_mbec;          /* IA32_VMX_PROCBASED_CTLS2[54]: mode-based execute control */
};

/* the guest's paging controls (SDM Vol. 3A §4.1.3, §4.6) */
struct mmu_regs {
	uint64_t cr3;           /* the top table in bits M-1..12 */
	bool la57;              /* CR4.LA57: 5-level paging */
	bool wp;                /* CR0.WP: supervisor writes honour R/W */
	bool nxe;               /* IA32_EFER.NXE: the XD bit is enabled */
	bool smep;              /* CR4.SMEP */
	bool smap;              /* CR4.SMAP */
	bool pke;               /* CR4.PKE: protection keys for user pages */
	bool ac;                /* RFLAGS.AC: SMAP off for explicit accesses */
	bool pcide;             /* CR4.PCIDE: CR3 bits 11:0 are the PCID */
	uint32_t pkru;          /* PKRU: AD = bit 2i, WD = bit 2i+1 for key i */
};

/* the EPT controls of the vCPU (VMCS fields), see mmu_ept_set() */
struct mmu_ept {
	bool me_enabled;        /* secondary control "enable EPT" */
	bool me_mbec;           /* secondary control "mode-based execute control for EPT" */
	uint64_t me_eptp;
	/* decoded from me_eptp by mmu_ept_set() */
	uint64_t me_root;       /* HPA of the EPT PML4 (PML5) */
	unsigned me_levels;     /* 4 or 5 */
	bool me_ad;             /* EPT A/D flags enabled */
};

/*
 * Walk caches (SDM Vol. 3A §4.10.3, Vol. 3C §29.4.2): a paging-structure
 * cache per level above the leaf in each dimension, and a nested TLB of
 * guest-physical translations used by 2D walks.  Index [level] (2..5;
 * 0 and 1 unused).  An array with no entries is switched off.
 *
 * A guest PSC entry for level L is tagged with the VA bits that select the
 * level-L entry (va >> shift(L) ... up to the top) and holds the address
 * of the next table (its GPA, and the HPA it translates to: a combined
 * entry, §29.4.2), and the rights folded over levels top..L.  An EPT PSC
 * entry is the same for a GPA.  A nested TLB entry maps a 4 KiB
 * guest-physical page to its host frame with the EPT rights and the
 * leaf's D flag.  tlb_entry fields: te_vpn the tag, te_pfn the host frame
 * (next table or page), te_aux the guest frame of the next table (guest
 * PSC), or for the nested TLB the EPT memory type (bits 7:0) and the EPT
 * page size's shift (NTLB_AUX_SHIFT up), te_perm guest rights
 * (MMU_PERM_*), te_eperm EPT rights (MMU_EPERM_*).
 */
#define NTLB_AUX_MT 0xffu
#define NTLB_AUX_SHIFT 8u

struct mmu_pwc_geom {
	struct tlb_geom psc[MMU_MAX_LEVELS + 1];
	struct tlb_geom epsc[MMU_MAX_LEVELS + 1];
	struct tlb_geom ntlb;
};

struct mmu_pwc {
	struct tlb_array pw_psc[MMU_MAX_LEVELS + 1];
	struct tlb_array pw_epsc[MMU_MAX_LEVELS + 1];
	struct tlb_array pw_ntlb;
};

/* one translation context: the memory, what the CPU supports, its controls */
struct mmu {
	struct pmem *mu_mem;    /* host-physical memory */
	struct mmu_caps mu_caps;
	struct mmu_regs mu_regs;
	struct mmu_ept mu_ept;
	struct mmu_pwc *mu_pwc; /* NULL: no walk caches */
	uint16_t mu_vpid;       /* the current VPID: tags what the walk caches hold */
};

/* the PCID of CR3 (SDM Vol. 3A §4.10.1): bits 11:0 with CR4.PCIDE, else 0 */
#define MMU_PCID_MASK 0xfffu

/*
 * mmu_tag - the context of the linear or combined mappings a walk of `m`
 * makes and uses now (tlb.h): the VPID, the PCID, and the EP4TA if EPT is
 * in use.  mmu_gptag - the context of guest-physical mappings: the EP4TA.
 */
static inline struct tlb_tag mmu_tag(const struct mmu *m)
{
	return (struct tlb_tag){
		.tg_vpid = m->mu_vpid,
		.tg_pcid = m->mu_regs.pcide ? (uint16_t)(m->mu_regs.cr3 & MMU_PCID_MASK) : 0,
		.tg_ept = m->mu_ept.me_enabled,
		.tg_ep4ta = m->mu_ept.me_enabled ? m->mu_ept.me_root : 0,
	};
}

static inline struct tlb_tag mmu_gptag(const struct mmu *m)
{
	return (struct tlb_tag){ .tg_ept = true, .tg_ep4ta = m->mu_ept.me_root };
}

/*
 * mmu_sel_addr - the linear or combined mappings a lookup in context `t`
 * would use for `va`: what a fault on `va` invalidates (SDM Vol. 3A
 * §4.10.4.1, Vol. 3C §29.4.3.1), in the TLB and the guest PSCs alike
 * (PSC entries are never global).
 */
static inline struct tlb_sel mmu_sel_addr(const struct tlb_tag *t, uint64_t va)
{
	return (struct tlb_sel){
		.ts_flags = TLB_SEL_VPID | TLB_SEL_PCID_OR_GLOBAL | TLB_SEL_ADDR |
			    (t->tg_ept ? TLB_SEL_EP4TA : TLB_SEL_LINEAR),
		.ts_vpid = t->tg_vpid,
		.ts_pcid = t->tg_pcid,
		.ts_ep4ta = t->tg_ep4ta,
		.ts_addr = va,
	};
}

/* one access to translate (const input) */
struct mmu_req {
	uint64_t va;
	enum mmu_acc acc;
	bool user;              /* CPL 3 */
	bool implicit;          /* an implicit supervisor-mode access (SDM §4.6); user must be false */
};

/* why a translation stopped */
enum mmu_stop {
	MMU_OK = 0,
	MMU_NOT_PRESENT,        /* #PF: a guest entry had P = 0 */
	MMU_PROTECTION,         /* #PF: the access rights forbid the access */
	MMU_RESERVED,           /* #PF: a reserved bit in a guest entry */
	MMU_NONCANONICAL,       /* #GP: not canonical, no walk made */
	MMU_EPT_VIOLATION,      /* VM exit, reason 48 */
	MMU_EPT_MISCONFIG,      /* VM exit, reason 49 */
};

/* #PF error code bits, SDM Vol. 3A §4.7, Figure 4-12 */
#define PF_EC_P (1u << 0)    /* 0: not present; 1: protection / reserved */
#define PF_EC_W (1u << 1)    /* the access was a write */
#define PF_EC_U (1u << 2)    /* the access was a user-mode access */
#define PF_EC_RSVD (1u << 3) /* a reserved bit was set */
#define PF_EC_I (1u << 4)    /* instruction fetch (with NXE or SMEP) */
#define PF_EC_PK (1u << 5)   /* protection-key violation */

/* guest rights of a translation: the AND over all levels */
#define MMU_PERM_W (1u << 0)    /* R/W = 1 at every level */
#define MMU_PERM_U (1u << 1)    /* U/S = 1 at every level: a user-mode address */
#define MMU_PERM_X (1u << 2)    /* XD = 0 at every level (or NXE = 0) */

/* EPT rights of a guest-physical translation: the AND over all levels */
#define MMU_EPERM_R (1u << 0)
#define MMU_EPERM_W (1u << 1)
#define MMU_EPERM_X (1u << 2)   /* supervisor-mode execute with MBEC */
#define MMU_EPERM_UX (1u << 3)  /* user-mode execute (MBEC only) */

enum mmu_dim { MMU_DIM_GUEST, MMU_DIM_EPT };

enum mmu_step_kind {
	MMU_STEP_REF,           /* a memory reference: an entry read */
	MMU_STEP_PSC_HIT,       /* a paging-structure cache hit (ms_dim says which) */
	MMU_STEP_NTLB_HIT,      /* a nested TLB hit */
};

/*
 * One step of a translation, in order.  For a REF: the entry at ms_level
 * of dimension ms_dim, read from host address ms_addr.  For a PSC hit:
 * ms_level is the deepest level it supplied (the walk goes on at
 * ms_level - 1), ms_addr the HPA of the next table, ms_entry the cached
 * entry's address field.  For a nested TLB hit: ms_addr the HPA of the
 * page.  EPT steps also say which GPA they serve: ms_gpa, and ms_glevel,
 * the guest level whose entry lives at that GPA (0: the final GPA).
 */
struct mmu_step {
	uint8_t ms_kind;        /* enum mmu_step_kind */
	uint8_t ms_dim;         /* enum mmu_dim */
	uint8_t ms_level;
	uint8_t ms_glevel;
	uint64_t ms_addr;
	uint64_t ms_gpa;        /* guest REF: GPA of the entry; EPT: the GPA translated */
	uint64_t ms_entry;
};

/* the most memory references one walk can make: 5 x 5 EPT + 5 guest + 5 final */
#define MMU_MAX_REFS 35u

/* 5 guest levels x (hit + 5 EPT refs + nested hit + PSC hit + guest ref) + final */
#define MMU_MAX_STEPS 64u

struct mmu_walk {
	enum mmu_stop stop;
	/* what the walk did */
	unsigned nsteps;
	struct mmu_step steps[MMU_MAX_STEPS];
	unsigned mem_refs;      /* memory references, both dimensions */
	uint16_t refs[2][MMU_MAX_LEVELS + 1]; /* [enum mmu_dim][level] */
	unsigned psc_hits, epsc_hits, ntlb_hits;
	unsigned s2_lookups;    /* stage-2 translations (each probes the nested TLB first) */
	unsigned epsc_lookups;  /* stage-2 translations that probed the EPT PSCs */
	unsigned levels;        /* guest paging levels (4 or 5) */
	/* when stop == MMU_OK: */
	uint64_t gpa;           /* guest-physical address of req->va */
	uint64_t pa;            /* host-physical address (= gpa natively) */
	unsigned guest_shift;   /* guest page size: 12, 21 or 30 */
	unsigned ept_shift;     /* EPT page size; 0 natively */
	unsigned page_shift;    /* the smaller of the two: what a TLB entry may cover */
	unsigned perm;          /* MMU_PERM_* */
	unsigned eperm;         /* MMU_EPERM_* of the final GPA; 0 natively */
	unsigned memtype;       /* EPT memory type of the final GPA; 0 natively */
	bool dirty;             /* guest D of the leaf after the walk */
	bool global;            /* guest G of the leaf */
	unsigned pkey;          /* protection key of the leaf (0 unless CR4.PKE) */
	/* when stop is a fault: */
	uint32_t error_code;    /* #PF: PF_EC_* */
	uint64_t exit_qual;     /* EPT violation: EPT_EQ_* */
	uint64_t fault_gpa;     /* EPT violation or misconfiguration: the GPA */
	enum mmu_dim fault_dim; /* the dimension of the entry that stopped the walk */
	unsigned fault_level;   /* its level (0: a rights violation judged after the walk) */
	bool fault_paging;      /* EPT fault: on a guest paging-structure access (else the final GPA) */
};

/* mmu_canonical - whether `va` is canonical for 4-level (48-bit) or 5-level (57-bit) paging */
static inline bool mmu_canonical(uint64_t va, bool la57)
{
	unsigned s = la57 ? 7 : 16;

	return (uint64_t)((int64_t)(va << s) >> s) == va;
}

/*
 * mmu_ept_set - load the EPT controls: `enabled`, `mbec`, `eptp`.  Checks
 * them as VM entry does (SDM Vol. 3C §27.2.1.1: EPTP memory type, walk
 * length, A/D enable, reserved bits; mode-based execute control only if
 * supported) and decodes the EPTP.  Returns 0, or -EINVAL with *why saying
 * which check failed (the VM entry would fail); nothing is changed then.
 */
int mmu_ept_set(struct mmu *m, bool enabled, bool mbec, uint64_t eptp,
		const char **why) MUST_CHECK;

/*
 * mmu_regs_check - whether the guest controls are possible on this CPU:
 * CR4.LA57 only if supported, CR3 within MAXPHYADDR.  0 or -EINVAL, *why.
 */
int mmu_regs_check(const struct mmu *m, const char **why) MUST_CHECK;

/*
 * mmu_translate - translate `req` (see the top of this file).  Always
 * returns with w->stop set; w is entirely written.  Fills the walk caches
 * from a successful walk; a fault fills nothing, and a #PF or an EPT
 * violation drops the cache entries that would serve its address, as the
 * SDM says a fault does (walk.c).
 */
void mmu_translate(struct mmu *m, const struct mmu_req *req,
		   struct mmu_walk *w);

/* mmu_pwc_init - walk caches of geometry `g`; an array with 0 entries is off */
int mmu_pwc_init(struct mmu_pwc *pw, const struct mmu_pwc_geom *g) MUST_CHECK;
void mmu_pwc_fini(struct mmu_pwc *pw);
/* mmu_pwc_flush - drop every entry of every walk cache */
void mmu_pwc_flush(struct mmu_pwc *pw);
/*
 * mmu_pwc_invalidate - drop the guest PSC entries (linear and combined
 * mappings) that `lin` selects, and the EPT PSC and nested TLB entries
 * (guest-physical mappings) that `gp` selects; NULL selects none.  A PSC
 * entry for level L has te_shift = the shift of level L, so TLB_SEL_ADDR
 * picks the entries that would serve that address.  Returns the count.
 */
unsigned mmu_pwc_invalidate(struct mmu_pwc *pw, const struct tlb_sel *lin,
			    const struct tlb_sel *gp);

/* mmu_stop_name - "ok", "page_fault", "ept_violation", ... for reports */
const char *mmu_stop_name(enum mmu_stop stop);

#endif
