// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests that every leaf size mapping the direct map on this boot is
 * walked on purpose: the kernel's own page-table walker (mm/pagewalk.c, as
 * ptdump uses it) finds the first leaf of each level in the direct map, and
 * ptwalk must agree with it on the level and the entry, and with
 * virt_to_phys() on the physical address, at the leaf's first byte, in its
 * middle and at its last byte. Which leaf sizes exist depends on the
 * architecture, the memory size, the boot's options and where the kernel
 * image landed, so a level without any leaf is a skip that says so.
 *
 * Copyright (C) 2026 The ptwalk authors
 */

#include <linux/kernel.h>
#include <linux/mm.h>
#include <kunit/test.h>

#include "compat_kunit.h"
#include "../ptwalk.h"
#include "../ptwalk_arch.h"
#include "test_util.h"

/*
 * The level that holds an entry the kernel's walker saw at @level: itself,
 * or, where it is folded, the nearest level above it that is not.
 */
static enum ptwalk_level holding_level(enum ptwalk_level level,
				       unsigned int folded)
{
	while (level > PTWALK_PGD && (folded & BIT(level)))
		level--;
	return level;
}

/*
 * The PFN the kernel's own helper for the level (pud_pfn(), pmd_pfn(),
 * pte_pfn()) gives for a leaf entry: the leaf's first PFN.
 */
static unsigned long kernel_leaf_pfn(enum ptwalk_level level, u64 entry)
{
	switch (level) {
	case PTWALK_PUD:
		return ptwalk_pud_val_pfn(entry);
	case PTWALK_PMD:
		return pmd_pfn(__pmd(entry));
	default:
		return pte_pfn(__pte(entry));
	}
}

/*
 * ptwalk of one address inside the leaf @f, against both references. The
 * entry must be the one the kernel's walker read at the leaf's first byte;
 * further in, 32-bit arm's second section of a pair is another entry.
 */
static void check_in_leaf(struct kunit *test, const struct ptwalk_found_leaf *f,
			  unsigned long addr)
{
	phys_addr_t want = ptwalk_ref_virt_to_phys((void *)addr);
	struct ptwalk_result r;
	enum ptwalk_level at;

	ptwalk(&init_mm, addr, &r);
	at = holding_level(f->level, r.folded);
	KUNIT_ASSERT_EQ_MSG(test, r.status, PTWALK_MAPPED,
			    "%#lx: %s at %s (entry %#llx)", addr,
			    ptwalk_status_name(r.status),
			    ptwalk_level_name(r.level), r.entry[r.level]);
	KUNIT_EXPECT_EQ_MSG(test, r.level, at, "%#lx: leaf level", addr);
	if (addr == f->addr)
		KUNIT_EXPECT_EQ_MSG(test, r.entry[at], f->entry,
				    "%#lx: the walk read another entry than the kernel's walker",
				    addr);
	KUNIT_EXPECT_EQ_MSG(test, r.leaf_size, ptwalk_arch_level_leaf_size(f->level),
			    "%#lx: leaf size", addr);
	KUNIT_EXPECT_EQ_MSG(test, r.phys, want, "%#lx: virt_to_phys()", addr);
	KUNIT_EXPECT_EQ(test, r.pfn, PHYS_PFN(want));
}

static const enum ptwalk_level leaf_levels[] = {
	PTWALK_PUD, PTWALK_PMD, PTWALK_PTE,
};

static void leaf_level_desc(const enum ptwalk_level *level, char *desc)
{
	strscpy(desc, ptwalk_level_name(*level), KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(leaf_level, leaf_levels, leaf_level_desc);

/*
 * The direct map's first leaf of the level, wherever it is: its first byte,
 * a byte in its middle and its last byte must each walk to that leaf and
 * to virt_to_phys(); the kernel's own pXd_pfn() of the entry must give the
 * leaf's first PFN. On x86, lookup_address() must see a leaf of that size.
 */
static void ptwalk_test_direct_map_leaf(struct kunit *test)
{
	const enum ptwalk_level *level = test->param_value;
	struct ptwalk_found_leaf f = { .level = *level };
	unsigned long size = 1UL << ptwalk_level_shift(&init_mm, *level);
	unsigned long leaf_size = ptwalk_arch_level_leaf_size(*level);
	unsigned long ref_size;

	ptwalk_require_direct_map(test);
	ptwalk_find_direct_map_leaf(&f);
	if (!f.found)
		ptwalk_skip(test, "no %s leaf maps the direct map on this boot (%lu KiB leaves)",
			    ptwalk_level_name(*level), leaf_size >> 10);

	kunit_info(test, "direct map %s leaf of %lu KiB at %#lx, entry %#llx\n",
		   ptwalk_level_name(*level), leaf_size >> 10, f.addr, f.entry);
	check_in_leaf(test, &f, f.addr);
	check_in_leaf(test, &f, f.addr + size / 2 + 123);
	check_in_leaf(test, &f, f.addr + size - 1);
	KUNIT_EXPECT_EQ_MSG(test, kernel_leaf_pfn(*level, f.entry),
			    PHYS_PFN(ptwalk_ref_virt_to_phys((void *)f.addr)),
			    "%s_pfn(%#llx) is not the leaf's first PFN",
			    ptwalk_level_name(*level), f.entry);
	if (ptwalk_arch_ref_leaf_size(f.addr, &ref_size))
		KUNIT_EXPECT_EQ_MSG(test, ref_size, size,
				    "%#lx: lookup_address() sees a leaf of %lu KiB",
				    f.addr, ref_size >> 10);
}

/*
 * With debug_pagealloc, freeing a page unmaps it from the direct map until
 * it is allocated again (__kernel_map_pages()): the walk of its address
 * must not find it mapped. Interrupts are off from the free to the walk, so
 * that this CPU cannot hand the page out again from its per-CPU list.
 */
static void ptwalk_test_direct_map_freed_page(struct kunit *test)
{
	struct ptwalk_result r;
	unsigned long va, flags;
	struct page *page;

	if (!debug_pagealloc_enabled())
		ptwalk_skip(test,
			    "debug_pagealloc is off: freed pages stay in the direct map");
	ptwalk_require_direct_map(test);
	page = alloc_page(GFP_KERNEL);
	ptwalk_test_need(test, page, "a page");
	va = (unsigned long)page_address(page);
	KUNIT_ASSERT_EQ(test, ptwalk(&init_mm, va, &r), PTWALK_MAPPED);

	local_irq_save(flags);
	__free_page(page);
	ptwalk(&init_mm, va, &r);
	local_irq_restore(flags);
	KUNIT_EXPECT_NE_MSG(test, r.status, PTWALK_MAPPED,
			    "freed page %#lx still mapped by its %s entry %#llx",
			    va, ptwalk_level_name(r.level), r.entry[r.level]);
	kunit_info(test, "freed page %#lx: %s at %s (entry %#llx)\n", va,
		   ptwalk_status_name(r.status), ptwalk_level_name(r.level),
		   r.entry[r.level]);
}

static struct kunit_case ptwalk_leaves_cases[] = {
	KUNIT_CASE_PARAM(ptwalk_test_direct_map_leaf, leaf_level_gen_params),
	KUNIT_CASE(ptwalk_test_direct_map_freed_page),
	{}
};

static struct kunit_suite ptwalk_leaves_suite = {
	.name = "ptwalk_leaves",
	.init = ptwalk_test_init,
	.test_cases = ptwalk_leaves_cases,
};

kunit_test_suite(ptwalk_leaves_suite);

MODULE_DESCRIPTION("KUnit tests that ptwalk walks every leaf size of the direct map");
MODULE_LICENSE("GPL");
