/*
 * probe_names.c - the names a probe file and its output use for bits,
 * sizes, memory types and tables, and how the printers read an entry.
 * One table per entry format, so the loader and both printers agree.
 */
#include "sim/probe/probe.h"

#include "sim/mmu/ept.h"
#include "sim/mmu/pte.h"

/*
 * Bits with a fixed position.  "pat" (bit 7 in a PTE, bit 12 in a large
 * page), "ps", "pkey=N", "mt=N" and "bit=N" depend on where they are
 * used and are read by the loader itself.
 */
const struct probe_bit probe_guest_bits[] = {
	{ "p", PTE_P },     { "rw", PTE_RW }, { "us", PTE_US },
	{ "pwt", PTE_PWT }, { "pcd", PTE_PCD }, { "a", PTE_A },
	{ "d", PTE_D },     { "g", PTE_G },   { "xd", PTE_XD },
	{ NULL, 0 },
};

const struct probe_bit probe_ept_bits[] = {
	{ "r", EPT_R },   { "w", EPT_W }, { "x", EPT_X },
	{ "ipat", EPT_IPAT }, { "a", EPT_A }, { "d", EPT_D },
	{ "ux", EPT_UX }, { "sve", EPT_SVE },
	{ NULL, 0 },
};

const struct probe_bit probe_pf_ec_bits[] = {
	{ "P", PF_EC_P },   { "W", PF_EC_W },   { "U", PF_EC_U },
	{ "RSVD", PF_EC_RSVD }, { "I/D", PF_EC_I }, { "PK", PF_EC_PK },
	{ NULL, 0 },
};

const struct probe_bit probe_eq_bits[] = {
	{ "read", EPT_EQ_READ },
	{ "write", EPT_EQ_WRITE },
	{ "fetch", EPT_EQ_FETCH },
	{ "readable", EPT_EQ_READABLE },
	{ "writable", EPT_EQ_WRITABLE },
	{ "executable", EPT_EQ_EXECUTABLE },
	{ "user_executable", EPT_EQ_UEXECUTABLE },
	{ "gla_valid", EPT_EQ_GLA_VALID },
	{ "gla_final", EPT_EQ_GLA_FINAL },
	{ NULL, 0 },
};

const char *probe_acc_name(enum mmu_acc acc)
{
	switch (acc) {
	case MMU_READ:
		return "read";
	case MMU_WRITE:
		return "write";
	case MMU_FETCH:
		return "fetch";
	}
	return "?";
}

const char *probe_size_name(unsigned shift)
{
	switch (shift) {
	case 12:
		return "4K";
	case 21:
		return "2M";
	case 30:
		return "1G";
	case 39:
		return "512G";
	}
	return NULL;
}

const char *probe_memtype_name(unsigned mt)
{
	switch (mt) {
	case EPT_MT_UC:
		return "uc";
	case EPT_MT_WC:
		return "wc";
	case EPT_MT_WT:
		return "wt";
	case EPT_MT_WP:
		return "wp";
	case EPT_MT_WB:
		return "wb";
	}
	return NULL;
}

const char *probe_table_name(unsigned level)
{
	static const char *const names[] = { "?", "PT", "PD", "PDPT", "PML4", "PML5" };

	return level <= MMU_MAX_LEVELS ? names[level] : "?";
}

bool probe_present(const struct mmu *m, enum mmu_dim dim, uint64_t e)
{
	if (dim == MMU_DIM_GUEST)
		return (e & PTE_P) != 0;
	return (e & EPT_RWX) || (m->mu_ept.me_mbec && (e & EPT_UX));
}

/* PS has the same position (bit 7) in both formats */
bool probe_leaf(unsigned level, uint64_t e)
{
	return level == 1 || ((level == 2 || level == 3) && (e & PTE_PS));
}

uint64_t probe_entry_addr(const struct mmu *m, unsigned level, uint64_t e)
{
	uint64_t a = e & PTE_ADDR_MASK(m->mu_caps.maxphyaddr);

	if (level > 1 && probe_leaf(level, e))
		a &= ~((UINT64_C(1) << pt_level_shift(level)) - 1);
	return a;
}

uint64_t probe_a_bit(enum mmu_dim dim)
{
	return dim == MMU_DIM_GUEST ? PTE_A : EPT_A;
}

uint64_t probe_d_bit(enum mmu_dim dim)
{
	return dim == MMU_DIM_GUEST ? PTE_D : EPT_D;
}
