/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ptwalk: a read-only software walk of a page-table hierarchy.
 *
 * Copyright (C) 2026 The ptwalk authors
 */
#ifndef _PTWALK_H
#define _PTWALK_H

#include <linux/bits.h>
#include <linux/types.h>

struct mm_struct;

/**
 * enum ptwalk_level - a level of the page-table hierarchy
 * @PTWALK_PGD: page global directory, the top level
 * @PTWALK_P4D: fourth-level directory (only distinct with 5-level paging)
 * @PTWALK_PUD: page upper directory
 * @PTWALK_PMD: page middle directory
 * @PTWALK_PTE: page table entry, the bottom level
 * @PTWALK_NR_LEVELS: number of levels, for sizing arrays
 */
enum ptwalk_level {
	PTWALK_PGD,
	PTWALK_P4D,
	PTWALK_PUD,
	PTWALK_PMD,
	PTWALK_PTE,
	PTWALK_NR_LEVELS,
};

/**
 * enum ptwalk_status - how a walk ended
 * @PTWALK_MAPPED: a present leaf maps the address; @pfn and @phys are valid
 * @PTWALK_NONE: the entry at @level is empty; nothing maps the address
 * @PTWALK_NOT_PRESENT: the entry at @level is a leaf that is not present
 *	(swap or migration entry, PROT_NONE, ...)
 * @PTWALK_BAD: the entry at @level is neither empty, nor a leaf, nor a
 *	valid pointer to a lower table (pXd_bad()); the walk did not follow it
 * @PTWALK_BAD_ADDRESS: no page table can translate the address (for
 *	example a non-canonical address on x86-64, or one beyond the span of
 *	the top-level table); no entry was read
 */
enum ptwalk_status {
	PTWALK_MAPPED,
	PTWALK_NONE,
	PTWALK_NOT_PRESENT,
	PTWALK_BAD,
	PTWALK_BAD_ADDRESS,
};

/**
 * enum ptwalk_leaf_bit - what a present leaf says about access to its page
 * @PTWALK_LEAF_WRITE: writable (pte_write(), pmd_write(), pud_write())
 * @PTWALK_LEAF_DIRTY: written since it was mapped or cleaned (pte_dirty(), ...)
 * @PTWALK_LEAF_YOUNG: accessed since the bit was last cleared (pte_young(), ...)
 *
 * Decoded by the architecture's own helpers for the leaf's level. Those
 * exist for PTEs everywhere, for PMD leaves where the architecture supports
 * transparent huge pages and for PUD leaves where it supports PUD-sized ones
 * (see ptwalk_arch.h); elsewhere &struct ptwalk_result.leaf_bits_known is false.
 */
enum ptwalk_leaf_bit {
	PTWALK_LEAF_WRITE = BIT(0),
	PTWALK_LEAF_DIRTY = BIT(1),
	PTWALK_LEAF_YOUNG = BIT(2),
};

/**
 * struct ptwalk_result - everything one walk saw
 * @addr: the address that was walked
 * @status: how the walk ended
 * @level: the deepest level whose entry was read; for %PTWALK_MAPPED,
 *	the level of the leaf. Meaningless for %PTWALK_BAD_ADDRESS.
 * @visited: bit mask, BIT(level) for each level whose entry was read
 * @folded: bit mask, BIT(level) for each level folded into the one above
 *	it, at build time or at run time; a folded level is never visited
 * @entry: raw value of the entry read at each visited level
 * @index: for each visited level, the slot of the entry the walk read,
 *	counted from the first entry of its table
 * @shift: for every level, log2 of the bytes one entry maps in the walked
 *	mm (ptwalk_level_shift())
 * @leaf_size: bytes mapped by the leaf (PAGE_SIZE, PMD_SIZE, PUD_SIZE,
 *	...), 0 unless @status is %PTWALK_MAPPED
 * @pfn: page frame number of the page that holds @addr (the leaf's first
 *	PFN plus the page offset inside the leaf); 0 unless %PTWALK_MAPPED
 * @phys: physical address of @addr; 0 unless %PTWALK_MAPPED
 * @leaf_bits: &enum ptwalk_leaf_bit values of the leaf, if @leaf_bits_known
 * @leaf_bits_known: @status is %PTWALK_MAPPED and the architecture has the
 *	helpers that decode @leaf_bits at the leaf's level
 */
struct ptwalk_result {
	unsigned long addr;
	enum ptwalk_status status;
	enum ptwalk_level level;
	unsigned int visited;
	unsigned int folded;
	u64 entry[PTWALK_NR_LEVELS];
	unsigned int index[PTWALK_NR_LEVELS];
	unsigned int shift[PTWALK_NR_LEVELS];
	unsigned long leaf_size;
	unsigned long pfn;
	phys_addr_t phys;
	unsigned int leaf_bits;
	bool leaf_bits_known;
};

enum ptwalk_status ptwalk(struct mm_struct *mm, unsigned long addr,
			  struct ptwalk_result *res);
unsigned int ptwalk_folded_levels(struct mm_struct *mm);
unsigned int ptwalk_level_shift(struct mm_struct *mm, enum ptwalk_level level);
unsigned int ptwalk_level_entries(struct mm_struct *mm,
				  enum ptwalk_level level);
bool ptwalk_addr_translatable(struct mm_struct *mm, unsigned long addr);
const char *ptwalk_level_name(enum ptwalk_level level);
const char *ptwalk_status_name(enum ptwalk_status status);

#endif /* _PTWALK_H */
