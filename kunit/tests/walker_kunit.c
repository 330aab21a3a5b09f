// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the ptwalk page-table walker itself: the geometry it sees,
 * the slots it reads, its agreement with the kernel's own translations, and
 * its answer for addresses that nothing maps.
 *
 * Copyright (C) 2026 The ptwalk authors
 */

#include <linux/bitops.h>
#include <linux/gfp.h>
#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <kunit/test.h>

#include "compat_kunit.h"
#include "../ptwalk.h"
#include "../ptwalk_arch.h"
#include "test_util.h"

static unsigned int levels_in_use(unsigned int folded)
{
	return PTWALK_NR_LEVELS - hweight32(folded);
}

/* The levels a walk to a PTE leaf must visit: every level not folded. */
static unsigned int unfolded_mask(unsigned int folded)
{
	return GENMASK(PTWALK_NR_LEVELS - 1, 0) & ~folded;
}

/* One vmalloc()ed page: mapped by a PTE on every architecture. */
static unsigned long pte_mapped_page(struct kunit *test)
{
	void *p = ptwalk_test_own_vmalloc(test, vmalloc(PAGE_SIZE));

	ptwalk_test_need(test, p, "a vmalloc() page");
	return (unsigned long)p;
}

/*
 * The number of levels the walker finds in use must be the number the
 * kernel was built with, less those folded at boot; a walk to a PTE leaf
 * must read one entry at each level in use and none at a folded one.
 */
static void ptwalk_test_geometry(struct kunit *test)
{
	unsigned int folded = ptwalk_folded_levels(&init_mm);
	unsigned int in_use = levels_in_use(folded);
	struct ptwalk_result r;

	kunit_info(test, "CONFIG_PGTABLE_LEVELS=%d, levels in use=%u (p4d %s, pud %s, pmd %s), PAGE_SIZE=%lu KiB\n",
		   CONFIG_PGTABLE_LEVELS, in_use,
		   folded & BIT(PTWALK_P4D) ? "folded" : "used",
		   folded & BIT(PTWALK_PUD) ? "folded" : "used",
		   folded & BIT(PTWALK_PMD) ? "folded" : "used",
		   PAGE_SIZE >> 10);

	KUNIT_EXPECT_LE(test, in_use, CONFIG_PGTABLE_LEVELS);
	KUNIT_EXPECT_GE(test, in_use, 2);
	/* The paging mode as the architecture itself records it. */
	KUNIT_EXPECT_EQ(test, in_use, ptwalk_arch_levels_in_use(&init_mm));

	KUNIT_ASSERT_EQ(test, ptwalk(&init_mm, pte_mapped_page(test), &r),
			PTWALK_MAPPED);
	KUNIT_EXPECT_EQ(test, r.level, PTWALK_PTE);
	KUNIT_EXPECT_EQ(test, r.folded, folded);
	KUNIT_EXPECT_EQ(test, r.visited, unfolded_mask(folded));
	KUNIT_EXPECT_EQ(test, r.visited & folded, 0);
}

/*
 * With 5-level paging in use, a walk of a kernel address must go through a
 * real (not folded) p4d table. On x86-64 the vmalloc area then starts above
 * what 4-level paging can address at all.
 */
static void ptwalk_test_five_levels(struct kunit *test)
{
	unsigned long addr;
	struct ptwalk_result r;

	if (CONFIG_PGTABLE_LEVELS < 5)
		ptwalk_skip(test, "kernel built with CONFIG_PGTABLE_LEVELS=%d",
			    CONFIG_PGTABLE_LEVELS);
	if (mm_p4d_folded(&init_mm))
		ptwalk_skip(test,
			    "5-level paging built in, not in use by the kernel's tables (x86: no LA57 or no5lvl; s390: chosen by the memory size)");

	addr = pte_mapped_page(test);
	KUNIT_ASSERT_EQ(test, ptwalk(&init_mm, addr, &r), PTWALK_MAPPED);
	KUNIT_EXPECT_TRUE(test, r.visited & BIT(PTWALK_P4D));
	KUNIT_EXPECT_TRUE(test, r.visited & BIT(PTWALK_PUD));
	KUNIT_EXPECT_GT(test, ptwalk_level_entries(&init_mm, PTWALK_P4D), 1);
	KUNIT_EXPECT_NE(test, r.entry[PTWALK_P4D], r.entry[PTWALK_PGD]);
#if defined(CONFIG_X86_64) && !defined(CONFIG_UML)
	KUNIT_EXPECT_TRUE(test, pgtable_l5_enabled());
	/* Not canonical with 48 bits: only the fifth level reaches it. */
	KUNIT_EXPECT_NE(test, (long)addr >> 47, -1L);
#endif
	kunit_info(test, "%#lx: p4d[%u] = %#llx\n", addr,
		   r.index[PTWALK_P4D], r.entry[PTWALK_P4D]);
}

/*
 * Addresses the tests below use, each with an independent reference for
 * its physical address.
 */
struct known_addr {
	const char *name;
	bool direct_map;	/* in the direct map or the kernel image */
	int writable;		/* 1, 0, or -1: the kernel does not say */
	unsigned long (*get)(struct kunit *test, phys_addr_t *pa);
};

/* Kernel text is read-only only with CONFIG_STRICT_KERNEL_RWX. */
#define TEXT_WRITABLE	(IS_ENABLED(CONFIG_STRICT_KERNEL_RWX) ? 0 : -1)

static u64 ptwalk_test_data = 0x5ca1ab1e;

static unsigned long get_text(struct kunit *test, phys_addr_t *pa)
{
	*pa = __pa_symbol(ptwalk);
	return (unsigned long)ptwalk;
}

static unsigned long get_data(struct kunit *test, phys_addr_t *pa)
{
	*pa = __pa_symbol(&ptwalk_test_data);
	return (unsigned long)&ptwalk_test_data;
}

static void free_page_action(void *page)
{
	__free_page(page);
}

static unsigned long get_alloc_page(struct kunit *test, phys_addr_t *pa)
{
	struct page *page = alloc_page(GFP_KERNEL);

	ptwalk_test_need(test, page, "a page");
	ptwalk_test_defer(test, free_page_action, page);
	*pa = PFN_PHYS(page_to_pfn(page));
	return (unsigned long)page_address(page);
}

static unsigned long get_kmalloc(struct kunit *test, phys_addr_t *pa)
{
	void *p = kunit_kmalloc(test, 100, GFP_KERNEL);

	ptwalk_test_need(test, p, "a kmalloc() object");
	*pa = ptwalk_ref_virt_to_phys(p);
	return (unsigned long)p;
}

static unsigned long get_vmalloc(struct kunit *test, phys_addr_t *pa)
{
	unsigned long addr = pte_mapped_page(test) + 123;

	*pa = ptwalk_ref_vmalloc_to_pfn((void *)addr);
	return addr;
}

static const struct known_addr known_addrs[] = {
	{ "kernel text (__pa_symbol)", true, TEXT_WRITABLE, get_text },
	{ "kernel data (__pa_symbol)", true, 1, get_data },
	{ "alloc_page (page_to_pfn)", true, 1, get_alloc_page },
	{ "kmalloc (virt_to_phys)", true, 1, get_kmalloc },
	{ "vmalloc (vmalloc_to_pfn)", false, 1, get_vmalloc },
};

static void known_addr_desc(const struct known_addr *k, char *desc)
{
	strscpy(desc, k->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(known_addr, known_addrs, known_addr_desc);

static unsigned long known_addr_get(struct kunit *test, phys_addr_t *pa)
{
	const struct known_addr *k = test->param_value;

	if (k->direct_map)
		ptwalk_require_direct_map(test);
	return k->get(test, pa);
}

/* The walker must land on the physical address the kernel itself gives. */
static void ptwalk_test_matches_reference(struct kunit *test)
{
	phys_addr_t want;
	unsigned long addr = known_addr_get(test, &want);
	struct ptwalk_result r;

	KUNIT_ASSERT_EQ_MSG(test, ptwalk(&init_mm, addr, &r), PTWALK_MAPPED,
			    "%#lx stopped at %s: %s", addr,
			    ptwalk_level_name(r.level),
			    ptwalk_status_name(r.status));
	KUNIT_EXPECT_EQ(test, r.phys, want);
	KUNIT_EXPECT_EQ(test, r.pfn, PHYS_PFN(want));
	KUNIT_EXPECT_EQ(test, r.leaf_size, ptwalk_arch_level_leaf_size(r.level));
	kunit_info(test, "%#lx -> %pa, %s leaf of %lu KiB\n", addr, &r.phys,
		   ptwalk_level_name(r.level), r.leaf_size >> 10);
}

/*
 * The leaf's write bit, decoded by the architecture's helper for its level:
 * kernel text is read-only (with CONFIG_STRICT_KERNEL_RWX), data, pages,
 * kmalloc() and vmalloc() memory writable.
 */
static void ptwalk_test_leaf_write_bit(struct kunit *test)
{
	const struct known_addr *k = test->param_value;
	phys_addr_t want;
	unsigned long addr = known_addr_get(test, &want);
	struct ptwalk_result r;

	if (k->writable < 0)
		ptwalk_skip(test, "text may be writable without CONFIG_STRICT_KERNEL_RWX");
	/* Built-in suites run from kernel_init_freeable(), before that. */
	if (!k->writable && system_state < SYSTEM_RUNNING)
		ptwalk_skip(test, "text turns read-only in mark_readonly(), after built-in tests");
	KUNIT_ASSERT_EQ(test, ptwalk(&init_mm, addr, &r), PTWALK_MAPPED);
	if (!r.leaf_bits_known)
		ptwalk_skip(test, "no %s_write() for %s leaves here",
			    ptwalk_level_name(r.level), ptwalk_level_name(r.level));
	KUNIT_EXPECT_EQ_MSG(test, !!(r.leaf_bits & PTWALK_LEAF_WRITE), k->writable,
			    "%#lx: %s leaf, entry %#llx", addr,
			    ptwalk_level_name(r.level), r.entry[r.level]);
}

/*
 * Every level's slot, shifted into place, must give back the address bits
 * from the top of the tables down to the leaf: the walker read the entries
 * that belong to the address and no others.
 */
static void ptwalk_test_indices_recombine(struct kunit *test)
{
	phys_addr_t unused;
	unsigned long addr = known_addr_get(test, &unused);
	unsigned long rebuilt = 0, mask;
	unsigned int span = 0, lvl;
	struct ptwalk_result r;

	KUNIT_ASSERT_EQ(test, ptwalk(&init_mm, addr, &r), PTWALK_MAPPED);

	for (lvl = 0; lvl <= r.level; lvl++) {
		unsigned int shift = ptwalk_level_shift(&init_mm, lvl);

		if (!(r.visited & BIT(lvl)))
			continue;
		KUNIT_EXPECT_LT(test, r.index[lvl], ptwalk_level_entries(&init_mm, lvl));
		rebuilt |= (unsigned long)r.index[lvl] << shift;
		span = max(span, shift + ilog2(ptwalk_level_entries(&init_mm, lvl)));
	}
	mask = GENMASK(span - 1, ptwalk_level_shift(&init_mm, r.level));
	KUNIT_EXPECT_EQ_MSG(test, rebuilt, addr & mask,
			    "address %#lx, %u address bits", addr, span);
}

/* Addresses nothing may map, with the status the walk must end with. */
struct bad_addr {
	const char *name;
	unsigned long (*get)(struct kunit *test);
	unsigned int allowed;	/* BIT(enum ptwalk_status) */
};

static unsigned long get_null(struct kunit *test)
{
	return 0;
}

static unsigned long get_user_addr(struct kunit *test)
{
	return 16 * PAGE_SIZE;
}

/* The lowest address past what the top-level table can translate. */
static unsigned long get_past_span(struct kunit *test)
{
	unsigned long addr = ptwalk_arch_first_untranslatable(&init_mm);

	if (!addr)
		ptwalk_skip(test, "the top-level table spans the whole address space");
	return addr;
}

static unsigned long get_guard_page(struct kunit *test)
{
	return pte_mapped_page(test) + PAGE_SIZE;
}

static unsigned long get_past_vmalloc_end(struct kunit *test)
{
	unsigned long addr = PAGE_ALIGN(VMALLOC_END + 1);

	if (!PTWALK_ARCH_HOLE_AFTER_VMALLOC)
		ptwalk_skip(test, "platforms may map the space after VMALLOC_END here");

	/* riscv64: VMALLOC_END is PAGE_OFFSET, the start of the direct map. */
	if (addr >= PAGE_OFFSET && addr < (unsigned long)high_memory)
		ptwalk_skip(test, "the direct map begins at VMALLOC_END (%#lx)", addr);
	return addr;
}

static unsigned long get_top(struct kunit *test)
{
	return ULONG_MAX;
}

#define UNMAPPED	(BIT(PTWALK_NONE) | BIT(PTWALK_BAD_ADDRESS))

/* A user address in init_mm (see ptwalk_arch.h). */
#define USER_IN_INIT_MM	PTWALK_ARCH_USER_IN_INIT_MM

static const struct bad_addr bad_addrs[] = {
	{ "NULL", get_null, USER_IN_INIT_MM },
	{ "user address in init_mm", get_user_addr, USER_IN_INIT_MM },
	{ "past the translatable range", get_past_span, BIT(PTWALK_BAD_ADDRESS) },
	{ "vmalloc guard page", get_guard_page, BIT(PTWALK_NONE) },
	{ "past VMALLOC_END", get_past_vmalloc_end, BIT(PTWALK_NONE) },
	{ "ULONG_MAX", get_top, UNMAPPED },
};

static void bad_addr_desc(const struct bad_addr *b, char *desc)
{
	strscpy(desc, b->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(bad_addr, bad_addrs, bad_addr_desc);

static void ptwalk_test_bad_address(struct kunit *test)
{
	const struct bad_addr *b = test->param_value;
	unsigned long addr = b->get(test);
	struct ptwalk_result r;
	enum ptwalk_status st = ptwalk(&init_mm, addr, &r);

	KUNIT_EXPECT_TRUE_MSG(test, b->allowed & BIT(st),
			      "%#lx: %s at %s (entry %#llx)", addr,
			      ptwalk_status_name(st),
			      ptwalk_level_name(r.level), r.entry[r.level]);
	KUNIT_EXPECT_EQ(test, r.status, st);
	/* A leaf size only where the architecture maps it (s390's lowcore). */
	KUNIT_EXPECT_EQ(test, r.leaf_size != 0, st == PTWALK_MAPPED);
	if (st == PTWALK_BAD_ADDRESS)
		KUNIT_EXPECT_EQ(test, r.visited, 0);
	else
		KUNIT_EXPECT_TRUE(test, r.visited & BIT(r.level));
}

/*
 * A user mm: an untouched anonymous page is not mapped; after a write it
 * is, at the page get_user_pages() finds.
 */
static void ptwalk_test_user_mm(struct kunit *test)
{
	struct ptwalk_result before, after;
	struct page *page;
	unsigned long addr;
	long got;

	if (!PTWALK_HAVE_USER_MM)
		ptwalk_skip(test,
			    "this kernel's KUnit cannot give a test a user mm (kunit_vm_mmap() is 6.10+)");

	addr = ptwalk_user_mmap(test, 4 * PAGE_SIZE);
	ptwalk_test_need_mapping(test, addr);
	addr += PAGE_SIZE;

	ptwalk_test_walk_user(addr, &before);
	KUNIT_EXPECT_EQ(test, before.status, PTWALK_NONE);

	ptwalk_test_write_user(test, addr);

	mmap_read_lock(current->mm);
	ptwalk(current->mm, addr, &after);
	got = ptwalk_get_user_page(addr, 0, &page);
	mmap_read_unlock(current->mm);
	KUNIT_ASSERT_EQ(test, got, 1);

	KUNIT_EXPECT_EQ(test, after.status, PTWALK_MAPPED);
	KUNIT_EXPECT_EQ(test, after.pfn, page_to_pfn(page));
	put_page(page);
}

/* Map and touch a page at @addr of the test's user mm, then walk it. */
static void touch_and_walk(struct kunit *test, unsigned long addr,
			   struct ptwalk_result *r)
{
	unsigned long got = ptwalk_user_mmap_at(test, addr, PAGE_SIZE);

	ptwalk_test_need_mapping(test, got);
	KUNIT_ASSERT_EQ_MSG(test, got, addr, "no mapping at %#lx", addr);
	ptwalk_test_write_user(test, addr);
	ptwalk_test_walk_user(addr, r);
}

/*
 * Where a user mm grows levels at run time (s390), each mapping above the
 * mm's limit must add one: the architecture's account, the folds and the
 * levels the walk reads must all grow together, and the earlier mappings
 * must stay where they were.
 */
static void ptwalk_test_user_mm_grows(struct kunit *test)
{
	struct ptwalk_result first, r;
	unsigned long low, addr;
	unsigned int levels;

	if (!PTWALK_HAVE_USER_MM)
		ptwalk_skip(test,
			    "this kernel's KUnit cannot give a test a user mm (kunit_vm_mmap() is 6.10+)");
	low = ptwalk_user_mmap(test, PAGE_SIZE);
	ptwalk_test_need_mapping(test, low);
	ptwalk_test_write_user(test, low);
	ptwalk_test_walk_user(low, &first);
	KUNIT_ASSERT_EQ(test, first.status, PTWALK_MAPPED);

	levels = ptwalk_arch_levels_in_use(current->mm);
	if (!ptwalk_arch_user_grow_addr(levels))
		ptwalk_skip(test, "a user mm keeps the %u levels chosen at boot here",
			    levels);
	kunit_info(test, "user mm: %u levels, folded %#x\n", levels, first.folded);
	KUNIT_EXPECT_EQ(test, hweight32(first.visited), levels);

	while ((addr = ptwalk_arch_user_grow_addr(levels))) {
		touch_and_walk(test, addr, &r);
		levels++;
		kunit_info(test, "after %#lx: %u levels, folded %#x\n", addr,
			   ptwalk_arch_levels_in_use(current->mm), r.folded);
		KUNIT_EXPECT_EQ(test, r.status, PTWALK_MAPPED);
		KUNIT_EXPECT_EQ(test, ptwalk_arch_levels_in_use(current->mm), levels);
		KUNIT_EXPECT_EQ(test, hweight32(r.visited), levels);
		KUNIT_EXPECT_EQ(test, r.visited & r.folded, 0);
		KUNIT_EXPECT_EQ(test, r.visited | r.folded,
				(unsigned int)GENMASK(PTWALK_PTE, PTWALK_PGD));
		KUNIT_EXPECT_TRUE(test, ptwalk_addr_translatable(current->mm, addr));
		KUNIT_EXPECT_EQ(test, r.index[PTWALK_PGD],
				(addr >> r.shift[PTWALK_PGD]) &
				(ptwalk_level_entries(current->mm, PTWALK_PGD) - 1));

		ptwalk_test_walk_user(low, &r);
		KUNIT_EXPECT_EQ(test, r.status, PTWALK_MAPPED);
		KUNIT_EXPECT_EQ(test, r.pfn, first.pfn);
	}
}

static struct kunit_case ptwalk_walker_cases[] = {
	KUNIT_CASE(ptwalk_test_geometry),
	KUNIT_CASE(ptwalk_test_five_levels),
	KUNIT_CASE_PARAM(ptwalk_test_matches_reference, known_addr_gen_params),
	KUNIT_CASE_PARAM(ptwalk_test_indices_recombine, known_addr_gen_params),
	KUNIT_CASE_PARAM(ptwalk_test_leaf_write_bit, known_addr_gen_params),
	KUNIT_CASE_PARAM(ptwalk_test_bad_address, bad_addr_gen_params),
	KUNIT_CASE(ptwalk_test_user_mm),
	KUNIT_CASE(ptwalk_test_user_mm_grows),
	{}
};

static struct kunit_suite ptwalk_walker_suite = {
	.name = "ptwalk_walker",
	.init = ptwalk_test_init,
	.test_cases = ptwalk_walker_cases,
};

kunit_test_suite(ptwalk_walker_suite);

MODULE_DESCRIPTION("KUnit tests for the ptwalk page-table walker");
MODULE_LICENSE("GPL");
