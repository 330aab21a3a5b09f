/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every architecture fact ptwalk needs beyond the generic page-table API,
 * in one place: which addresses a table can translate, how many levels are
 * in use by the architecture's own account, and where a leaf's reported PFN
 * is not the page's, and how a leaf's access bits are decoded. The walker
 * (ptwalk.c) and the suites use only these names.
 *
 * One section per architecture defines the hooks where it differs from the
 * generic definitions, which follow the sections; each hook is defined to
 * its own name, as the kernel's own overridable helpers are (pmdp_get()),
 * and the generic definition, with its kernel-doc, stands where none is.
 *
 * Copyright (C) 2026 The ptwalk authors
 */
#ifndef _PTWALK_ARCH_H
#define _PTWALK_ARCH_H

#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/pgtable.h>

#include "ptwalk.h"

/*
 * ---- x86 -------------------------------------------------------------------
 * CONFIG_X86 is the real x86 only: UML defines CONFIG_X86_64 for its host's
 * instruction set, not CONFIG_X86.
 */
#ifdef CONFIG_X86

#ifdef CONFIG_X86_64
/*
 * One top-level table serves both halves of the address space: an address
 * is translatable when it is sign-extended from the top table's span, whose
 * width follows the paging mode chosen at boot (PGDIR_SHIFT is a run-time
 * value: 5-level paging, LA57).
 */
#define PTWALK_ARCH_SIGN_EXTENDED	1

#define ptwalk_arch_levels_in_use ptwalk_arch_levels_in_use
static inline unsigned int ptwalk_arch_levels_in_use(struct mm_struct *mm)
{
	return pgtable_l5_enabled() ? 5 : 4;
}
#endif /* CONFIG_X86_64 */

/* lookup_address() walks init_mm by itself and reports the leaf's level. */
#define ptwalk_arch_ref_leaf_size ptwalk_arch_ref_leaf_size
static inline bool ptwalk_arch_ref_leaf_size(unsigned long addr,
					     unsigned long *size)
{
	unsigned int level;

	if (!lookup_address(addr, &level))
		return false;
	*size = page_level_size(level);
	return true;
}

/* change_page_attr() splits the direct map's 1 GiB and 2 MiB leaves. */
#define PTWALK_ARCH_SET_MEMORY_DIRECT_MAP	1

/*
 * slow_virt_to_phys(): lookup_address(), the walk behind set_memory_*(),
 * and the leaf's offset.
 */
#define PTWALK_ARCH_LOOKUP	"slow_virt_to_phys()"
static inline unsigned long ptwalk_arch_lookup_pfn(unsigned long addr)
{
	return PHYS_PFN(slow_virt_to_phys((void *)addr));
}

#endif /* CONFIG_X86 */

/*
 * ---- UML -------------------------------------------------------------------
 * UML runs the kernel as a host process, whose "physical" memory and image
 * are host mappings: its init_mm holds only vmalloc and fixmap addresses.
 */
#ifdef CONFIG_UML
#define ptwalk_arch_direct_map_missing ptwalk_arch_direct_map_missing
static inline const char *ptwalk_arch_direct_map_missing(void)
{
	return "UML: init_mm's tables hold no direct map (kmalloc, pages, kernel image)";
}
#endif /* CONFIG_UML */

/*
 * ---- riscv -----------------------------------------------------------------
 * riscv64, like x86-64, uses one top-level table for both halves, and
 * chooses Sv57, Sv48 or Sv39 at boot (PGDIR_SHIFT follows).
 */
#if defined(CONFIG_RISCV) && defined(CONFIG_64BIT)
#define PTWALK_ARCH_SIGN_EXTENDED	1

#define ptwalk_arch_levels_in_use ptwalk_arch_levels_in_use
static inline unsigned int ptwalk_arch_levels_in_use(struct mm_struct *mm)
{
	return pgtable_l5_enabled ? 5 : pgtable_l4_enabled ? 4 : 3;
}
#endif

/*
 * A Svnapot PTE is one of a naturally aligned group that maps a larger
 * block, and pte_pfn() reports the block's first PFN: the page's PFN is
 * found from the address's offset in the block. (arm64's contiguous hint
 * keeps each page's own PFN in its PTE.)
 */
#ifdef CONFIG_RISCV_ISA_SVNAPOT
#define ptwalk_arch_pte_leaf_shift ptwalk_arch_pte_leaf_shift
static inline unsigned int ptwalk_arch_pte_leaf_shift(pte_t pte)
{
	if (pte_napot(pte))
		return napot_cont_shift(napot_cont_order(pte));
	return PAGE_SHIFT;
}
#endif

/*
 * ---- arm64 -----------------------------------------------------------------
 * One table per half, selected by the top bits: TTBR0 for user mms, TTBR1
 * for init_mm, which cannot translate user addresses at all. The VA size
 * is chosen at boot (LPA2, 52-bit VA, arm64.nolva) but PGDIR_SHIFT and
 * PTRS_PER_PGD stay those of the build: with fewer VA bits in use
 * pgd_index() is a slot the MMU never reads, and the offset helper of the
 * first level in use (p4d_offset(), pud_offset()) finds the real entry in
 * the same page at that level's index. The top table in use starts at the
 * level the VA size in use needs.
 */
#ifdef CONFIG_ARM64
#define ptwalk_arch_levels_in_use ptwalk_arch_levels_in_use
static inline unsigned int ptwalk_arch_levels_in_use(struct mm_struct *mm)
{
	return ARM64_HW_PGTABLE_LEVELS(vabits_actual);
}

#define ptwalk_arch_top_shift ptwalk_arch_top_shift
static inline unsigned int ptwalk_arch_top_shift(struct mm_struct *mm)
{
	return ARM64_HW_PGTABLE_LEVEL_SHIFT(4 - (int)ptwalk_arch_levels_in_use(mm));
}

#define ptwalk_arch_top_entries ptwalk_arch_top_entries
static inline unsigned int ptwalk_arch_top_entries(struct mm_struct *mm)
{
	return 1U << (vabits_actual - ptwalk_arch_top_shift(mm));
}

#define ptwalk_arch_pgd_index ptwalk_arch_pgd_index
static inline unsigned long ptwalk_arch_pgd_index(struct mm_struct *mm,
						  unsigned long addr)
{
	return (addr >> ptwalk_arch_top_shift(mm)) &
	       (ptwalk_arch_top_entries(mm) - 1);
}

/* TTBR1 (init_mm) serves the top of the address space, TTBR0 the bottom. */
#define ptwalk_arch_translatable ptwalk_arch_translatable
static inline bool ptwalk_arch_translatable(struct mm_struct *mm,
					    unsigned long addr)
{
	unsigned int bits = vabits_actual;

	if (mm == &init_mm)
		return addr >> bits == ~0UL >> bits;
	return !(addr >> bits);
}

#define PTWALK_ARCH_USER_IN_INIT_MM	BIT(PTWALK_BAD_ADDRESS)

/*
 * The linear map starts at PAGE_OFFSET of the VA size built in; with fewer
 * VA bits in use the kernel moves memory up into the part it can
 * translate, from _PAGE_OFFSET(vabits_actual), where arm64's ptdump starts
 * the linear map too. Below it no table translates.
 */
#define ptwalk_arch_direct_map_start ptwalk_arch_direct_map_start
static inline unsigned long ptwalk_arch_direct_map_start(void)
{
	return _PAGE_OFFSET(vabits_actual);
}
#endif /* CONFIG_ARM64 */

/*
 * ---- 32-bit arm ------------------------------------------------------------
 * The space past VMALLOC_END is left to platforms' static mappings
 * (Documentation/arch/arm/memory.rst; seen: a section at 0xff800000 on
 * QEMU's virt machine).
 */
#ifdef CONFIG_ARM
#define PTWALK_ARCH_HOLE_AFTER_VMALLOC	0

#ifndef CONFIG_ARM_LPAE
/*
 * Without LPAE Linux's 2 MiB "pmd" (folded into the pgd) is a pair of 1 MiB
 * hardware entries, and pgd_t is that pair as an array. A pair is two
 * sections (or a supersection's copies), or two coarse tables that
 * pte_offset_kernel() finds through the first entry. arch/arm/mm/dump.c
 * reads the pair the same way.
 */
#define PTWALK_ARCH_SECTION_PAIRS	1

/* The entry of the pair that maps @addr's MiB. */
#define ptwalk_arch_pmdp ptwalk_arch_pmdp
static inline pmd_t *ptwalk_arch_pmdp(pmd_t *pmdp, unsigned long addr)
{
	return pmdp + ((addr >> SECTION_SHIFT) & 1);
}

/* That of the hardware entry: a 1 MiB section or a 16 MiB supersection. */
#define ptwalk_arch_pmd_leaf_shift ptwalk_arch_pmd_leaf_shift
static inline unsigned int ptwalk_arch_pmd_leaf_shift(pmd_t pmd)
{
	return pmd_val(pmd) & PMD_SECT_SUPER ? SUPERSECTION_SHIFT : SECTION_SHIFT;
}

/*
 * The section's base address bits alone: arm's pmd_pfn() keeps the bits
 * below them (TEX, S, nG, ...), which ptwalk_leaves proves.
 */
#define ptwalk_arch_pmd_leaf_pfn ptwalk_arch_pmd_leaf_pfn
static inline unsigned long ptwalk_arch_pmd_leaf_pfn(pmd_t pmd)
{
	u32 base = pmd_val(pmd) & (pmd_val(pmd) & PMD_SECT_SUPER ?
				   SUPERSECTION_MASK : SECTION_MASK);

	return __phys_to_pfn(base);
}

/* The pmd is folded into the pgd, which holds its leaves: sections. */
#define ptwalk_arch_level_leaf_size ptwalk_arch_level_leaf_size
static inline unsigned long ptwalk_arch_level_leaf_size(enum ptwalk_level level)
{
	if (level <= PTWALK_PMD)
		return SECTION_SIZE;
	return 1UL << ptwalk_level_shift(&init_mm, level);
}
#endif /* !CONFIG_ARM_LPAE */
#endif /* CONFIG_ARM */

/*
 * ---- powerpc64 (Book3S) ----------------------------------------------------
 * The table is selected by the top two bits, the quadrant: user mms serve
 * quadrant 0, init_mm quadrant 3 (0xc...), and pgd_index() drops the
 * quadrant, so a user address walked in init_mm would read a kernel
 * address's entries. The I/O space (KERN_IO_START, ISA_IO_BASE) starts
 * just past VMALLOC_END.
 */
#ifdef CONFIG_PPC_BOOK3S_64
#define ptwalk_arch_translatable ptwalk_arch_translatable
static inline bool ptwalk_arch_translatable(struct mm_struct *mm,
					    unsigned long addr)
{
	unsigned int bits = PGDIR_SHIFT + ilog2(PTRS_PER_PGD);

	if (mm == &init_mm)
		return addr >> 62 == 3 && !((addr << 2) >> (bits + 2));
	return !(addr >> bits);
}

#define PTWALK_ARCH_USER_IN_INIT_MM	BIT(PTWALK_BAD_ADDRESS)
#define PTWALK_ARCH_HOLE_AFTER_VMALLOC	0

/*
 * The hash MMU (chosen at boot) translates the direct map, which holds the
 * kernel image too, through bolted entries of the hash page table alone;
 * init_mm's tables hold vmalloc, I/O and nothing else there.
 */
#define ptwalk_arch_direct_map_missing ptwalk_arch_direct_map_missing
static inline const char *ptwalk_arch_direct_map_missing(void)
{
	if (!radix_enabled())
		return "hash MMU: the direct map is bolted into the hash table, not in init_mm";
	return NULL;
}
#endif /* CONFIG_PPC_BOOK3S_64 */

/*
 * ---- s390 ------------------------------------------------------------------
 * s390 gives each mm its own depth: the ASCE names the type of the top
 * table (region-first: 5 levels, region-second: 4, region-third: 3,
 * segment: 2), a user mm starts at 3 and grows as something is mapped
 * higher (crst_table_upgrade()), and every entry of a region or segment
 * table carries the same type in its bits 2-3, which pgd_offset() reads
 * from the first entry to find the top table's shift: PGDIR_SHIFT does not
 * follow it. The kernel runs in an address space of its own, which maps
 * the lowcore at 0 and, where the identity map is not moved up
 * (CONFIG_RANDOMIZE_IDENTITY_BASE, 6.7+), all memory from 0.
 */
#ifdef CONFIG_S390
static inline unsigned int ptwalk_s390_asce_levels(struct mm_struct *mm)
{
	return ((mm->context.asce & _ASCE_TYPE_MASK) >> 2) + 2;
}

static inline unsigned int ptwalk_s390_table_levels(struct mm_struct *mm)
{
	return ((pgd_val(READ_ONCE(*mm->pgd)) & _REGION_ENTRY_TYPE_MASK) >> 2) + 2;
}

#define ptwalk_arch_levels_in_use ptwalk_arch_levels_in_use
static inline unsigned int ptwalk_arch_levels_in_use(struct mm_struct *mm)
{
	return ptwalk_s390_table_levels(mm);
}

/*
 * mm_p4d_folded() and the like read context.asce_limit, which is set for
 * user mms only: for init_mm, whose limit stays 0, all three say "folded"
 * while the kernel's ASCE uses 3 or 4 levels. The ASCE's table type is the
 * truth for every mm, and the levels in use are the lowest ones: fold from
 * the p4d down.
 */
#define ptwalk_arch_folded_levels ptwalk_arch_folded_levels
static inline unsigned int ptwalk_arch_folded_levels(struct mm_struct *mm)
{
	unsigned int nr_folded = PTWALK_NR_LEVELS - ptwalk_s390_asce_levels(mm);

	return nr_folded ? GENMASK(PTWALK_P4D + nr_folded - 1, PTWALK_P4D) : 0;
}

#define ptwalk_arch_top_shift ptwalk_arch_top_shift
static inline unsigned int ptwalk_arch_top_shift(struct mm_struct *mm)
{
	static const unsigned int shift[] = {
		_SEGMENT_SHIFT, _REGION3_SHIFT, _REGION2_SHIFT, _REGION1_SHIFT,
	};

	return shift[ptwalk_s390_table_levels(mm) - 2];
}

/* Region and segment tables all have PTRS_PER_PGD entries. */
#define ptwalk_arch_pgd_index ptwalk_arch_pgd_index
static inline unsigned long ptwalk_arch_pgd_index(struct mm_struct *mm,
						  unsigned long addr)
{
	return (addr >> ptwalk_arch_top_shift(mm)) & (PTRS_PER_PGD - 1);
}

#define PTWALK_ARCH_USER_IN_INIT_MM	(BIT(PTWALK_NONE) | BIT(PTWALK_MAPPED))

/*
 * 3 levels up to 4 TiB (_REGION2_SIZE), 4 up to 8 PiB (_REGION1_SIZE), 5
 * above.
 */
#define ptwalk_arch_user_grow_addr ptwalk_arch_user_grow_addr
static inline unsigned long ptwalk_arch_user_grow_addr(unsigned int levels)
{
	if (levels == 3)
		return _REGION2_SIZE;
	if (levels == 4)
		return _REGION1_SIZE;
	return 0;
}

/*
 * Prefixing (Principles of Operation, "Prefixing"): the CPU accesses the
 * real addresses of the lowcore's size from 0 at its prefix area: the
 * absolute address the MMU gives for them differs from the walk's.
 */
#define ptwalk_arch_prefixed ptwalk_arch_prefixed
static inline bool ptwalk_arch_prefixed(phys_addr_t phys)
{
	return phys < LC_PAGES * PAGE_SIZE;
}
#endif /* CONFIG_S390 */

/*
 * ---- the generic definitions -----------------------------------------------
 */

/*
 * Whether an address is sign-extended from the top table's span (one table
 * for both halves) rather than zero-extended from it (on 32-bit
 * architectures the span is the whole address space).
 */
#ifndef PTWALK_ARCH_SIGN_EXTENDED
#define PTWALK_ARCH_SIGN_EXTENDED	0
#endif

#ifndef ptwalk_arch_levels_in_use
/**
 * ptwalk_arch_levels_in_use() - page-table levels in use in @mm, as the
 *	architecture itself records its paging mode
 * @mm: the address space
 *
 * Independent of the folds the walker uses (ptwalk_arch_folded_levels()):
 * x86-64 (LA57), riscv64 (Sv57, Sv48, Sv39) and arm64 (the VA size, with
 * LPA2 or 52-bit VA) choose at boot for every mm; s390 per mm, read from
 * the type of the top table's first entry; elsewhere the levels are those
 * built in.
 *
 * Return: 2 to 5.
 */
static inline unsigned int ptwalk_arch_levels_in_use(struct mm_struct *mm)
{
	return CONFIG_PGTABLE_LEVELS;
}
#endif

#ifndef ptwalk_arch_folded_levels
/**
 * ptwalk_arch_folded_levels() - the levels folded away in @mm, now
 * @mm: the address space
 *
 * mm_p4d_folded(), mm_pud_folded() and mm_pmd_folded() are run-time tests
 * where the architecture decides at boot (x86-64 5-level paging, arm64
 * LPA2, riscv64) and build-time constants elsewhere; s390 reads its ASCE.
 *
 * Return: a mask of BIT(level) for each folded level. PGD and PTE are
 * never folded.
 */
static inline unsigned int ptwalk_arch_folded_levels(struct mm_struct *mm)
{
	return (mm_p4d_folded(mm) ? BIT(PTWALK_P4D) : 0) |
	       (mm_pud_folded(mm) ? BIT(PTWALK_PUD) : 0) |
	       (mm_pmd_folded(mm) ? BIT(PTWALK_PMD) : 0);
}
#endif

#ifndef ptwalk_arch_top_shift
/**
 * ptwalk_arch_top_shift() - log2 of the bytes one entry of the top-level
 *	table in use maps
 * @mm: the address space
 *
 * x86-64 and riscv64 change PGDIR_SHIFT itself at boot; arm64 and s390,
 * whose PGDIR_SHIFT does not follow the table in use, compute it.
 *
 * Return: the shift of the top table the MMU walks.
 */
static inline unsigned int ptwalk_arch_top_shift(struct mm_struct *mm)
{
	return PGDIR_SHIFT;
}
#endif

#ifndef ptwalk_arch_top_entries
/**
 * ptwalk_arch_top_entries() - entries of the top-level table in use
 * @mm: the address space
 *
 * Return: PTRS_PER_PGD; on arm64 those the VA size in use needs.
 */
static inline unsigned int ptwalk_arch_top_entries(struct mm_struct *mm)
{
	return PTRS_PER_PGD;
}
#endif

/**
 * ptwalk_arch_va_bits() - width of the addresses the top-level table spans
 * @mm: the address space
 *
 * Return: the top table's shift plus its index bits, for the table in use
 * (on arm64 the virtual address size in use, vabits_actual, which may be
 * less than the top table's span at build time).
 */
static inline unsigned int ptwalk_arch_va_bits(struct mm_struct *mm)
{
	return ptwalk_arch_top_shift(mm) + ilog2(ptwalk_arch_top_entries(mm));
}

#ifndef ptwalk_arch_translatable
/**
 * ptwalk_arch_translatable() - can the page tables of @mm translate @addr?
 * @mm: the address space
 * @addr: any value
 *
 * Return: true if a walk of @addr reads entries that belong to @addr: the
 * indices are a few bits of the address each, so an address outside the
 * range the top table serves would silently alias another one.
 */
static inline bool ptwalk_arch_translatable(struct mm_struct *mm,
					    unsigned long addr)
{
	unsigned int bits = ptwalk_arch_va_bits(mm);

	if (bits >= BITS_PER_LONG)
		return true;
	if (PTWALK_ARCH_SIGN_EXTENDED)
		return ((long)(addr << (BITS_PER_LONG - bits)) >>
			(BITS_PER_LONG - bits)) == (long)addr;
	return !(addr >> bits);
}
#endif

/**
 * ptwalk_arch_first_untranslatable() - the lowest address the tables of
 *	@mm do not translate
 * @mm: the address space
 *
 * Return: that address, or 0 where every address is translatable (the top
 * table of a 32-bit architecture spans all of them).
 */
static inline unsigned long ptwalk_arch_first_untranslatable(struct mm_struct *mm)
{
	unsigned int bits = ptwalk_arch_va_bits(mm);

	if (bits >= BITS_PER_LONG)
		return 0;
	/* Sign extension makes bit (bits - 1) the first one out of range. */
	return 1UL << (PTWALK_ARCH_SIGN_EXTENDED ? bits - 1 : bits);
}

/*
 * The statuses (a mask of BIT(status)) a walk of a low user address in
 * init_mm may end with: where one table serves both halves, its user half
 * is empty there.
 */
#ifndef PTWALK_ARCH_USER_IN_INIT_MM
#define PTWALK_ARCH_USER_IN_INIT_MM	BIT(PTWALK_NONE)
#endif

#ifndef ptwalk_arch_user_grow_addr
/**
 * ptwalk_arch_user_grow_addr() - where a user mm needs one level more
 * @levels: the levels the mm uses now
 *
 * Only s390 grows a user mm's tables as something is mapped higher;
 * elsewhere every mm has the levels chosen at boot.
 *
 * Return: the lowest address that needs @levels + 1 levels, or 0.
 */
static inline unsigned long ptwalk_arch_user_grow_addr(unsigned int levels)
{
	return 0;
}
#endif

#ifndef ptwalk_arch_pte_leaf_shift
/**
 * ptwalk_arch_pte_leaf_shift() - log2 of the bytes a present PTE maps
 * @pte: a present PTE
 *
 * Return: PAGE_SHIFT, or the shift of the block a riscv NAPOT PTE belongs to.
 */
static inline unsigned int ptwalk_arch_pte_leaf_shift(pte_t pte)
{
	return PAGE_SHIFT;
}
#endif

#ifndef PTWALK_ARCH_SECTION_PAIRS
#define PTWALK_ARCH_SECTION_PAIRS	0
#endif

/**
 * struct ptwalk_pgd - a PGD entry as a value
 * @pgd: the entry
 *
 * Wrapped in a structure, a pgd_t copies on every architecture, the array
 * of 32-bit arm included (and its 6.12 pgdp_get() misspells its parameter).
 */
struct ptwalk_pgd {
	pgd_t pgd;
};

/**
 * ptwalk_arch_read_pgd() - read a PGD entry once
 * @pgdp: the entry
 *
 * Return: its value.
 */
static inline struct ptwalk_pgd ptwalk_arch_read_pgd(pgd_t *pgdp)
{
	return READ_ONCE(*(struct ptwalk_pgd *)pgdp);
}

#ifndef ptwalk_arch_pmdp
/**
 * ptwalk_arch_pmdp() - the PMD entry the MMU reads for @addr
 * @pmdp: pmd_offset() of @addr
 * @addr: the address
 *
 * Return: @pmdp, or on 32-bit arm without LPAE the entry of the pair that
 * maps @addr's MiB.
 */
static inline pmd_t *ptwalk_arch_pmdp(pmd_t *pmdp, unsigned long addr)
{
	return pmdp;
}
#endif

#ifndef ptwalk_arch_pmd_leaf_shift
/**
 * ptwalk_arch_pmd_leaf_shift() - log2 of the bytes a PMD leaf maps
 * @pmd: a present PMD leaf
 *
 * Return: PMD_SHIFT; on 32-bit arm without LPAE, that of the hardware
 * entry.
 */
static inline unsigned int ptwalk_arch_pmd_leaf_shift(pmd_t pmd)
{
	return PMD_SHIFT;
}
#endif

#ifndef ptwalk_arch_pmd_leaf_pfn
/**
 * ptwalk_arch_pmd_leaf_pfn() - the first PFN a PMD leaf maps
 * @pmd: a present PMD leaf
 *
 * Return: pmd_pfn(); on 32-bit arm without LPAE the section's base.
 */
static inline unsigned long ptwalk_arch_pmd_leaf_pfn(pmd_t pmd)
{
	return pmd_pfn(pmd);
}
#endif

#ifndef ptwalk_arch_level_leaf_size
/**
 * ptwalk_arch_level_leaf_size() - the bytes an ordinary leaf of a level maps
 * @level: the level, as the kernel's generic page walker or ptwalk names it
 *
 * Return: 1 << ptwalk_level_shift(@level) of the kernel's tables (leaves
 * of the levels below the top, whose shifts alone depend on the mm, are
 * the same size in every mm); on 32-bit arm without LPAE a section for the
 * PMD and the levels above it into which it folds.
 */
static inline unsigned long ptwalk_arch_level_leaf_size(enum ptwalk_level level)
{
	return 1UL << ptwalk_level_shift(&init_mm, level);
}
#endif

#ifndef ptwalk_arch_prefixed
/**
 * ptwalk_arch_prefixed() - does the CPU access @phys at another address?
 * @phys: a physical (on s390, real) address
 *
 * Return: false; on s390 true for the real addresses prefixing moves.
 */
static inline bool ptwalk_arch_prefixed(phys_addr_t phys)
{
	return false;
}
#endif

#ifndef ptwalk_arch_direct_map_start
/**
 * ptwalk_arch_direct_map_start() - the first address of the direct map in use
 *
 * Return: PAGE_OFFSET; on arm64 the start of the part the VA size in use
 * translates.
 */
static inline unsigned long ptwalk_arch_direct_map_start(void)
{
	return PAGE_OFFSET;
}
#endif

#ifndef ptwalk_arch_pgd_index
/**
 * ptwalk_arch_pgd_index() - the slot of @addr in the top-level table in use
 * @mm: the address space
 * @addr: the address
 *
 * Return: pgd_index(@addr); on arm64 and s390 the index in the table the
 * MMU walks (see ptwalk_arch_top_shift()).
 */
static inline unsigned long ptwalk_arch_pgd_index(struct mm_struct *mm,
						  unsigned long addr)
{
	return pgd_index(addr);
}
#endif

/**
 * ptwalk_arch_p4d_index() - the slot of @addr in its p4d table
 * @addr: the address
 *
 * Architectures with a p4d level (CONFIG_PGTABLE_LEVELS 5) define
 * p4d_index(); elsewhere the level is folded at build time and never read.
 *
 * Return: p4d_index(@addr), or 0.
 */
static inline unsigned long ptwalk_arch_p4d_index(unsigned long addr)
{
#if CONFIG_PGTABLE_LEVELS > 4
	return p4d_index(addr);
#else
	return 0;
#endif
}

#ifndef ptwalk_arch_ref_leaf_size
/**
 * ptwalk_arch_ref_leaf_size() - the size of the leaf that maps a kernel
 *	address, by the architecture's own lookup
 * @addr: a mapped kernel address
 * @size: set to the bytes the leaf maps
 *
 * Only x86 has such a lookup (lookup_address()).
 *
 * Return: true if @size was set.
 */
static inline bool ptwalk_arch_ref_leaf_size(unsigned long addr,
					     unsigned long *size)
{
	return false;
}
#endif

/*
 * Whether nothing is mapped just past VMALLOC_END (riscv64 puts the direct
 * map there, which walker_kunit.c finds by itself).
 */
#ifndef PTWALK_ARCH_HOLE_AFTER_VMALLOC
#define PTWALK_ARCH_HOLE_AFTER_VMALLOC	1
#endif

#ifndef ptwalk_arch_direct_map_missing
/**
 * ptwalk_arch_direct_map_missing() - why init_mm's page tables do not hold
 *	the direct map
 *
 * Return: the reason (UML, powerpc64's hash MMU), or NULL where the direct
 * map is in init_mm.
 */
static inline const char *ptwalk_arch_direct_map_missing(void)
{
	return NULL;
}
#endif

/*
 * Does set_memory_ro() change a page of the direct map, splitting the leaf
 * that maps it? Only x86's change_page_attr() does. arm64 and 32-bit arm
 * refuse addresses outside vmalloc and modules (-EINVAL), powerpc WARNs on
 * the hash MMU's direct map and on radix leaves, and UML has no
 * set_memory_ro() at all.
 */
#ifndef PTWALK_ARCH_SET_MEMORY_DIRECT_MAP
#define PTWALK_ARCH_SET_MEMORY_DIRECT_MAP	0
#endif

/*
 * The architecture's own lookup of a kernel address besides
 * vmalloc_to_pfn(), which the walk cost case times beside ptwalk().
 * PTWALK_ARCH_LOOKUP names it, NULL where there is none;
 * ptwalk_arch_lookup_pfn() of an unmapped address is a BUG().
 */
#ifndef PTWALK_ARCH_LOOKUP
#define PTWALK_ARCH_LOOKUP	NULL
static inline unsigned long ptwalk_arch_lookup_pfn(unsigned long addr)
{
	return 0;
}
#endif

/* A leaf's write, dirty and young bits, as PTWALK_LEAF_* flags. */
static inline unsigned int ptwalk_access_bits(bool write, bool dirty,
					      bool young)
{
	return (write ? PTWALK_LEAF_WRITE : 0) |
	       (dirty ? PTWALK_LEAF_DIRTY : 0) |
	       (young ? PTWALK_LEAF_YOUNG : 0);
}

static inline unsigned int ptwalk_pte_leaf_bits(pte_t pte)
{
	return ptwalk_access_bits(pte_write(pte), pte_dirty(pte), pte_young(pte));
}

/*
 * The access bits of huge leaves, where the architecture decodes them. The
 * generic fallbacks are no answer: pmd_write() and pud_write() BUG(),
 * pmd_dirty() and pmd_young() return 0. Architectures with transparent huge
 * pages have their own PMD helpers (the THP code calls them), those with
 * PUD-sized ones (x86-64, powerpc64) their own PUD helpers; arm64 has no
 * pud_dirty(). Return: true, with *@bits set, if the bits were decoded.
 */
static inline bool ptwalk_pmd_leaf_bits(pmd_t pmd, unsigned int *bits)
{
#ifdef CONFIG_TRANSPARENT_HUGEPAGE
	*bits = ptwalk_access_bits(pmd_write(pmd), pmd_dirty(pmd), pmd_young(pmd));
	return true;
#else
	return false;
#endif
}

static inline bool ptwalk_pud_leaf_bits(pud_t pud, unsigned int *bits)
{
#ifdef CONFIG_HAVE_ARCH_TRANSPARENT_HUGEPAGE_PUD
	*bits = ptwalk_access_bits(pud_write(pud), pud_dirty(pud), pud_young(pud));
	return true;
#else
	return false;
#endif
}

#endif /* _PTWALK_ARCH_H */
