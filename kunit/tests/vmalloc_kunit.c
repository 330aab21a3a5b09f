// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of what the page tables say about vmalloc() memory: one
 * virtually contiguous area, every page mapped at vmalloc_to_pfn(), an
 * unmapped guard page after it, and huge areas mapped by PMD leaves. How
 * the pages lie physically is measured and reported, never asserted: the
 * kernel promises nothing about it.
 *
 * Copyright (C) 2026 The ptwalk authors
 */

#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/sizes.h>
#include <linux/string.h>
#include <linux/vmalloc.h>
#include <kunit/test.h>

#include "compat_kunit.h"
#include "../ptwalk.h"
#include "../ptwalk_arch.h"
#include "test_util.h"

static const unsigned long vmalloc_sizes[] = {
	PAGE_SIZE, 2 * PAGE_SIZE, 17 * PAGE_SIZE, SZ_1M, SZ_2M + PAGE_SIZE,
	SZ_64M,
};

static void size_desc(const unsigned long *size, char *desc)
{
	if (*size >= SZ_1M && !(*size % SZ_1M))
		snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%lu MiB", *size >> 20);
	else
		snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%lu KiB", *size >> 10);
}

KUNIT_ARRAY_PARAM(vmalloc, vmalloc_sizes, size_desc);

/*
 * The area is one virtual range from @p, every page of it maps where
 * vmalloc_to_pfn() says, and the page after it (the guard page) maps
 * nothing.
 */
static void check_area(struct kunit *test, void *p, unsigned long size,
		       const char *what)
{
	struct vm_struct *area = find_vm_area(p);
	unsigned long guard = (unsigned long)p + PAGE_ALIGN(size);
	struct ptwalk_range_stats st;
	struct ptwalk_result r;

	KUNIT_ASSERT_NOT_NULL(test, area);
	KUNIT_EXPECT_PTR_EQ(test, area->addr, p);
	KUNIT_EXPECT_GE(test, get_vm_area_size(area), PAGE_ALIGN(size));

	KUNIT_ASSERT_TRUE(test, ptwalk_test_range(test, p, size,
						  ptwalk_ref_vmalloc_to_pfn,
						  &st));
	KUNIT_EXPECT_EQ(test, st.pages, PAGE_ALIGN(size) >> PAGE_SHIFT);

	if (!(area->flags & VM_NO_GUARD)) {
		ptwalk(&init_mm, guard, &r);
		KUNIT_EXPECT_EQ_MSG(test, r.status, PTWALK_NONE,
				    "guard page %#lx: %s at %s", guard,
				    ptwalk_status_name(r.status),
				    ptwalk_level_name(r.level));
	}
	ptwalk_test_report(test, what, &st);
}

static void ptwalk_test_vmalloc_mapped(struct kunit *test)
{
	const unsigned long *size = test->param_value;
	void *p = ptwalk_test_own_vmalloc(test, vmalloc(*size));

	ptwalk_test_need(test, p, "the vmalloc() area");
	check_area(test, p, *size, "vmalloc");
}

static void ptwalk_test_vzalloc_zeroed(struct kunit *test)
{
	const unsigned long *size = test->param_value;
	void *p = ptwalk_test_own_vmalloc(test, vzalloc(*size));

	ptwalk_test_need(test, p, "the vzalloc() area");
	KUNIT_EXPECT_NULL(test, memchr_inv(p, 0, *size));
	check_area(test, p, *size, "vzalloc");
}

/*
 * A 1 GiB vmalloc(): it needs no contiguous physical memory, only enough
 * free pages and virtual space.
 */
static void ptwalk_test_vmalloc_1g(struct kunit *test)
{
	unsigned long avail = si_mem_available() << (PAGE_SHIFT - 10);
	void *p;

	/* 32-bit kernels have a vmalloc area of about 128 MiB. */
	if (VMALLOC_END - VMALLOC_START < SZ_1G)
		ptwalk_skip(test, "the vmalloc area is %lu MiB",
			    (VMALLOC_END - VMALLOC_START) >> 20);
	if (avail < (SZ_1G + SZ_256M) >> 10)
		ptwalk_skip(test,
			    "needs 1280 MiB available, have %lu MiB (run under QEMU with -m 2G or more)",
			   avail >> 10);

	p = ptwalk_test_own_vmalloc(test,
				    __vmalloc(SZ_1G, GFP_KERNEL | __GFP_NOWARN));
	ptwalk_test_need(test, p, "1 GiB of vmalloc()");
	check_area(test, p, SZ_1G, "vmalloc 1 GiB");
}

static const unsigned long huge_sizes[] = { SZ_2M, SZ_4M, SZ_8M + SZ_2M };

KUNIT_ARRAY_PARAM(vmalloc_huge, huge_sizes, size_desc);

/*
 * vmalloc_huge() of PMD_SIZE or more maps the area with PMD leaves where the
 * architecture supports huge vmap; each leaf maps PMD_SIZE of physically
 * contiguous memory.
 */
static void ptwalk_test_vmalloc_huge(struct kunit *test)
{
	const unsigned long *size = test->param_value;
	struct ptwalk_range_stats st;
	void *p;

	if (!IS_ENABLED(CONFIG_HAVE_ARCH_HUGE_VMALLOC))
		ptwalk_skip(test,
			    "this architecture has no huge vmalloc (CONFIG_HAVE_ARCH_HUGE_VMALLOC=n)");

	p = ptwalk_test_own_vmalloc(test, vmalloc_huge(*size, GFP_KERNEL));
	ptwalk_test_need(test, p, "the vmalloc_huge() area");
	if (!is_vm_area_hugepages(p))
		ptwalk_skip(test,
			    "vmalloc_huge() fell back to base pages (nohugevmalloc, or no free order-%d block)",
			    (int)(PMD_SHIFT - PAGE_SHIFT));
	KUNIT_EXPECT_TRUE(test, IS_ALIGNED((unsigned long)p, PMD_SIZE));

	KUNIT_ASSERT_TRUE(test, ptwalk_test_range(test, p, *size,
						  ptwalk_ref_vmalloc_to_pfn,
						  &st));
	KUNIT_EXPECT_EQ(test, st.leaves[PTWALK_PTE], 0);
	KUNIT_EXPECT_EQ(test, st.leaves[PTWALK_PMD], st.pages);
	KUNIT_EXPECT_LE(test, st.runs, *size / PMD_SIZE);
	ptwalk_test_report(test, "vmalloc_huge", &st);
}

/* One way of finding the frame of a kernel address, timed per page. */
struct lookup {
	const char *name;
	unsigned long (*pfn)(unsigned long addr);
	u64 best_ns;		/* the fastest pass */
	unsigned long sum;	/* of the frames found: the passes agree */
};

static unsigned long lookup_ptwalk(unsigned long addr)
{
	struct ptwalk_result r;

	ptwalk(&init_mm, addr, &r);
	return r.pfn;
}

static unsigned long lookup_vmalloc_to_pfn(unsigned long addr)
{
	return vmalloc_to_pfn((void *)addr);
}

#define COST_PASSES	3

/* Time one pass of @l over every page of [@start, + @pages pages). */
static void time_lookup(struct lookup *l, unsigned long start,
			unsigned long pages)
{
	unsigned long i, sum = 0;
	u64 t0, ns;

	t0 = ktime_get_ns();
	for (i = 0; i < pages; i++)
		sum += l->pfn(start + i * PAGE_SIZE);
	ns = ktime_get_ns() - t0;
	if (!l->best_ns || ns < l->best_ns)
		l->best_ns = ns;
	l->sum = sum;
}

/*
 * What a walk costs beside the kernel's own lookups, per page of a 64 MiB
 * vmalloc() area: the fastest of three passes each, taken in turns,
 * reported and never asserted (the goal is at most 1.5 times
 * vmalloc_to_pfn()). The lookups must agree on every frame they time.
 */
static void ptwalk_test_vmalloc_walk_cost(struct kunit *test)
{
	struct lookup lookups[] = {
		{ .name = "vmalloc_to_pfn()", .pfn = lookup_vmalloc_to_pfn },
		{ .name = "ptwalk()", .pfn = lookup_ptwalk },
		{ .name = PTWALK_ARCH_LOOKUP, .pfn = ptwalk_arch_lookup_pfn },
	};
	unsigned int nr = PTWALK_ARCH_LOOKUP ? 3 : 2, i, pass;
	unsigned long pages = SZ_64M >> PAGE_SHIFT;
	void *p = ptwalk_test_own_vmalloc(test, vmalloc(SZ_64M));
	u64 ref_ns;

	ptwalk_test_need(test, p, "64 MiB of vmalloc()");
	for (pass = 0; pass < COST_PASSES; pass++)
		for (i = 0; i < nr; i++)
			time_lookup(&lookups[i], (unsigned long)p, pages);
	ref_ns = max_t(u64, lookups[0].best_ns, 1);
	for (i = 0; i < nr; i++) {
		KUNIT_EXPECT_EQ_MSG(test, lookups[i].sum, lookups[0].sum,
				    "%s and %s disagree on the area's frames",
				    lookups[i].name, lookups[0].name);
		kunit_info(test, "%s: %llu ns per page, %llu.%02llu x vmalloc_to_pfn()\n",
			   lookups[i].name, div_u64(lookups[i].best_ns, pages),
			   div64_u64(lookups[i].best_ns, ref_ns),
			   div64_u64(lookups[i].best_ns * 100, ref_ns) % 100);
	}
}

static struct kunit_case ptwalk_vmalloc_cases[] = {
	KUNIT_CASE_PARAM(ptwalk_test_vmalloc_mapped, vmalloc_gen_params),
	KUNIT_CASE_PARAM(ptwalk_test_vzalloc_zeroed, vmalloc_gen_params),
	KUNIT_CASE_PARAM(ptwalk_test_vmalloc_huge, vmalloc_huge_gen_params),
	KUNIT_CASE_SLOW(ptwalk_test_vmalloc_1g),
	KUNIT_CASE_SLOW(ptwalk_test_vmalloc_walk_cost),
	{}
};

static struct kunit_suite ptwalk_vmalloc_suite = {
	.name = "ptwalk_vmalloc",
	.init = ptwalk_test_init,
	.test_cases = ptwalk_vmalloc_cases,
};

kunit_test_suite(ptwalk_vmalloc_suite);

MODULE_DESCRIPTION("KUnit tests of the page tables of vmalloc() memory");
MODULE_LICENSE("GPL");
