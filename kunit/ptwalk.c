// SPDX-License-Identifier: GPL-2.0
/*
 * ptwalk: a read-only software walk of a page-table hierarchy.
 *
 * The walk makes the same calls at every level that the kernel's own
 * walkers make (pgd_offset(), p4d_offset(), ...), so levels folded at build
 * time (asm-generic/pgtable-nop4d.h and friends) and at run time (x86-64
 * with CONFIG_X86_5LEVEL booted with 4-level paging) are handled by the
 * architecture: the checks of the level above a folded one are stubs, and
 * the folded level's checks read the real entry. The result attributes each
 * entry to the level that really holds it.
 *
 * Copyright (C) 2026 The ptwalk authors
 */

#include <linux/bits.h>
#include <linux/mm.h>
#include <linux/pgtable.h>
#include <linux/string.h>

#include "compat.h"
#include "ptwalk.h"
#include "ptwalk_arch.h"

static const char * const level_names[PTWALK_NR_LEVELS] = {
	[PTWALK_PGD] = "pgd",
	[PTWALK_P4D] = "p4d",
	[PTWALK_PUD] = "pud",
	[PTWALK_PMD] = "pmd",
	[PTWALK_PTE] = "pte",
};

/**
 * ptwalk_level_name() - short name of a page-table level
 * @level: the level
 *
 * Return: "pgd", "p4d", "pud", "pmd", "pte", or "?" for anything else.
 */
const char *ptwalk_level_name(enum ptwalk_level level)
{
	return (unsigned int)level < PTWALK_NR_LEVELS ? level_names[level] : "?";
}

/**
 * ptwalk_status_name() - short name of a walk status
 * @status: the status
 *
 * Return: a constant string such as "mapped" or "none".
 */
const char *ptwalk_status_name(enum ptwalk_status status)
{
	switch (status) {
	case PTWALK_MAPPED:
		return "mapped";
	case PTWALK_NONE:
		return "none";
	case PTWALK_NOT_PRESENT:
		return "not-present";
	case PTWALK_BAD:
		return "bad";
	case PTWALK_BAD_ADDRESS:
		return "bad-address";
	}
	return "?";
}

/**
 * ptwalk_level_shift() - log2 of the bytes one entry of a level maps
 * @mm: the address space
 * @level: the level
 *
 * For the PGD, the shift of the top-level table in use, which may be chosen
 * at boot (x86-64 5-level paging, riscv64, arm64 LPA2) or per mm (s390):
 * ptwalk_arch.h.
 *
 * Return: the top table's shift, P4D_SHIFT, PUD_SHIFT, PMD_SHIFT or
 * PAGE_SHIFT.
 */
unsigned int ptwalk_level_shift(struct mm_struct *mm, enum ptwalk_level level)
{
	switch (level) {
	case PTWALK_PGD:
		return ptwalk_arch_top_shift(mm);
	case PTWALK_P4D:
		return P4D_SHIFT;
	case PTWALK_PUD:
		return PUD_SHIFT;
	case PTWALK_PMD:
		return PMD_SHIFT;
	default:
		return PAGE_SHIFT;
	}
}

/**
 * ptwalk_level_entries() - number of entries in one table of a level
 * @mm: the address space
 * @level: the level
 *
 * Return: the entries of the top-level table in use, PTRS_PER_P4D, ...; 1
 * for a level folded at build time, and for the p4d of x86-64 booted with
 * 4-level paging.
 */
unsigned int ptwalk_level_entries(struct mm_struct *mm,
				  enum ptwalk_level level)
{
	switch (level) {
	case PTWALK_PGD:
		return ptwalk_arch_top_entries(mm);
	case PTWALK_P4D:
		return PTRS_PER_P4D;
	case PTWALK_PUD:
		return PTRS_PER_PUD;
	case PTWALK_PMD:
		return PTRS_PER_PMD;
	default:
		return PTRS_PER_PTE;
	}
}

/**
 * ptwalk_folded_levels() - the levels folded away in an mm, now
 * @mm: the address space
 *
 * Folded at build time or at boot (x86-64 5-level paging, arm64 LPA2,
 * riscv64), or per mm (s390): see ptwalk_arch_folded_levels().
 *
 * Return: a mask of BIT(level) for each folded level. PGD and PTE are
 * never folded.
 */
unsigned int ptwalk_folded_levels(struct mm_struct *mm)
{
	return ptwalk_arch_folded_levels(mm);
}

/**
 * ptwalk_addr_translatable() - can the page tables of @mm translate @addr?
 * @mm: the address space
 * @addr: any value
 *
 * The table indices are taken from a few bits of the address each, so an
 * address outside the range the top-level table covers would silently alias
 * another one. Such addresses are refused here: non-canonical ones where
 * addresses are sign-extended (x86-64, riscv64; the width follows the paging
 * mode in use), on arm64 those outside the range of the translation table
 * base register that serves @mm, elsewhere any address beyond the span of
 * the top-level table (see ptwalk_arch.h).
 *
 * Return: true if a walk of @addr reads entries that belong to @addr.
 */
bool ptwalk_addr_translatable(struct mm_struct *mm, unsigned long addr)
{
	return ptwalk_arch_translatable(mm, addr);
}

/*
 * Record the entry read at @level. Where @level is folded, the entry is the
 * one of the nearest level above that is not, which already holds it.
 */
static void record(struct ptwalk_result *res, enum ptwalk_level level,
		   u64 val, unsigned int index)
{
	if (res->folded & BIT(level)) {
		/*
		 * The PGD is never folded, so res->level already names the
		 * holding level. Normally this re-reads its entry; on 32-bit
		 * arm it is the pair's entry for the address (ptwalk_arch_pmdp()).
		 */
		res->entry[res->level] = val;
		return;
	}
	res->level = level;
	res->visited |= BIT(level);
	res->entry[level] = val;
	res->index[level] = index;
}

static enum ptwalk_status stop(struct ptwalk_result *res,
			       enum ptwalk_status status)
{
	res->status = status;
	return status;
}

/*
 * A present leaf at @level maps 2^@shift bytes from @leaf_pfn: usually the
 * level's shift, more for a PTE that is one of a block (ptwalk_arch.h).
 */
static enum ptwalk_status leaf(struct ptwalk_result *res,
			       unsigned int shift, unsigned long leaf_pfn)
{
	unsigned long size = 1UL << shift;

	res->leaf_size = size;
	res->phys = PFN_PHYS(leaf_pfn) + (res->addr & (size - 1));
	res->pfn = PHYS_PFN(res->phys);
	return stop(res, PTWALK_MAPPED);
}

/*
 * Is an upper-level entry a pointer to a present table to descend into? If
 * not, set the status the walk ends with. The order of the tests matters:
 * a huge leaf is "bad" to pXd_bad(), which means "not a table", so leaves
 * are recognised first. The predicates are pure functions of the value.
 */
static bool is_table(struct ptwalk_result *res, bool none, bool present,
		     bool leaf, bool bad)
{
	if (none)
		res->status = PTWALK_NONE;
	else if (!present)
		res->status = PTWALK_NOT_PRESENT;
	else if (leaf)
		res->status = PTWALK_MAPPED;
	else if (bad)
		res->status = PTWALK_BAD;
	else
		return true;
	return false;
}

/* The walk ended at an upper level: fill in the leaf, if it was one. */
static enum ptwalk_status end_upper(struct ptwalk_result *res,
				    unsigned int shift, unsigned long leaf_pfn)
{
	return res->status == PTWALK_MAPPED ? leaf(res, shift, leaf_pfn) :
					      res->status;
}

static enum ptwalk_status walk_pte(struct mm_struct *mm,
				   struct ptwalk_result *res, pmd_t *pmdp)
{
	unsigned long addr = res->addr;
	pte_t *ptep, pte;

	if (mm == &init_mm) {
		ptep = pte_offset_kernel(pmdp, addr);
		pte = ptep_get(ptep);
	} else {
		/*
		 * Since 6.5 pte_offset_map() takes the RCU read lock,
		 * rechecks the PMD and returns NULL if the table went away;
		 * before that it could not fail.
		 */
		ptep = pte_offset_map(pmdp, addr);
		if (!ptep)
			return stop(res, PTWALK_NONE);
		pte = ptep_get(ptep);
		pte_unmap(ptep);
	}
	record(res, PTWALK_PTE, pte_val(pte), pte_index(addr));

	if (pte_none(pte))
		return stop(res, PTWALK_NONE);
	if (!pte_present(pte))
		return stop(res, PTWALK_NOT_PRESENT);
	res->leaf_bits = ptwalk_pte_leaf_bits(pte);
	res->leaf_bits_known = true;
	return leaf(res, ptwalk_arch_pte_leaf_shift(pte), pte_pfn(pte));
}

/**
 * ptwalk() - walk the page tables of @mm for @addr
 * @mm: the address space: &init_mm for kernel addresses, or a user mm
 * @addr: the virtual address; any value is accepted
 * @res: filled with what the walk saw (see &struct ptwalk_result)
 *
 * Reads one entry per level, from the PGD down to the first entry that is
 * empty, not present, not a valid table pointer, or a leaf (a PTE, or a huge
 * PMD or PUD). A table is only ever read through an entry that was checked
 * to be a present table pointer, so every value of @addr is safe, including
 * NULL, non-canonical addresses and addresses no table covers (see
 * ptwalk_addr_translatable()). The walk never changes any entry.
 *
 * Locking: for a user mm the caller must hold mmap_lock (at least for
 * reading): that keeps the upper-level tables from being freed (munmap()
 * frees them with mmap_lock held for writing). PTE tables can still be
 * retracted without mmap_lock (khugepaged); the PTE level is read under
 * pte_offset_map(), which holds RCU and rechecks the PMD, so a retracted
 * table reads as %PTWALK_NONE. The entries may change as soon as the lock is
 * dropped; the result describes one moment.
 *
 * For &init_mm no lock is needed for the mappings of live allocations: the
 * kernel never frees the page tables of the direct map, and those of a
 * vmalloc() area stay until vfree(). A leaf of the direct map may be split
 * into a table concurrently (set_memory_*()); each entry is read once, with
 * READ_ONCE() semantics, for every test made of it, so the walk sees either
 * the leaf or the new table, and both translate @addr to the same physical
 * address. (The pXd_offset() helpers read a table entry again to find the
 * table below; in the direct map that read sees the same table, as 6.1 and
 * 6.12 never turn a split table back into a leaf.)
 *
 * Return: @res->status.
 */
enum ptwalk_status ptwalk(struct mm_struct *mm, unsigned long addr,
			  struct ptwalk_result *res)
{
	enum ptwalk_level level;
	struct ptwalk_pgd pgd;
	pgd_t *pgdp;
	p4d_t *p4dp, p4d;
	pud_t *pudp, pud;
	pmd_t *pmdp, pmd;

	memset(res, 0, sizeof(*res));
	res->addr = addr;
	res->folded = ptwalk_folded_levels(mm);
	for (level = PTWALK_PGD; level < PTWALK_NR_LEVELS; level++)
		res->shift[level] = ptwalk_level_shift(mm, level);

	if (!ptwalk_addr_translatable(mm, addr))
		return stop(res, PTWALK_BAD_ADDRESS);

	pgdp = pgd_offset(mm, addr);
	pgd = ptwalk_arch_read_pgd(pgdp);
	record(res, PTWALK_PGD, pgd_val(pgd.pgd), ptwalk_arch_pgd_index(mm, addr));
	/*
	 * No architecture ptwalk supports maps leaves at the PGD or P4D level;
	 * a walker that cannot decode such a leaf must not follow it either.
	 */
	if (!is_table(res, pgd_none(pgd.pgd), pgd_present(pgd.pgd), false,
		      pgd_leaf(pgd.pgd) || pgd_bad(pgd.pgd)))
		return res->status;

	p4dp = p4d_offset(pgdp, addr);
	p4d = ptwalk_p4dp_get(p4dp);
	record(res, PTWALK_P4D, p4d_val(p4d), ptwalk_arch_p4d_index(addr));
	if (!is_table(res, p4d_none(p4d), p4d_present(p4d), false,
		      p4d_leaf(p4d) || p4d_bad(p4d)))
		return res->status;

	pudp = pud_offset(p4dp, addr);
	pud = ptwalk_pudp_get(pudp);
	record(res, PTWALK_PUD, pud_val(pud), pud_index(addr));
	if (!is_table(res, pud_none(pud), pud_present(pud), pud_leaf(pud),
		      pud_bad(pud))) {
		if (res->status == PTWALK_MAPPED)
			res->leaf_bits_known =
				ptwalk_pud_leaf_bits(pud, &res->leaf_bits);
		return end_upper(res, PUD_SHIFT, ptwalk_pud_pfn(pud));
	}

	pmdp = ptwalk_arch_pmdp(pmd_offset(pudp, addr), addr);
	pmd = ptwalk_pmdp_get(pmdp);
	record(res, PTWALK_PMD, pmd_val(pmd), pmd_index(addr));
	if (!is_table(res, pmd_none(pmd), pmd_present(pmd), pmd_leaf(pmd),
		      pmd_bad(pmd))) {
		if (res->status == PTWALK_MAPPED)
			res->leaf_bits_known =
				ptwalk_pmd_leaf_bits(pmd, &res->leaf_bits);
		return end_upper(res, ptwalk_arch_pmd_leaf_shift(pmd),
				 ptwalk_arch_pmd_leaf_pfn(pmd));
	}

	return walk_pte(mm, res, pmdp);
}
