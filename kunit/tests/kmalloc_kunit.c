// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of what the page tables say about kmalloc() memory: every
 * page of an object is mapped in the direct map, at virt_to_phys(), and the
 * pages are physically consecutive, whatever the size and wherever in a
 * page the object starts.
 *
 * Copyright (C) 2026 The ptwalk authors
 */

#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <kunit/test.h>

#include "compat_kunit.h"
#include "../ptwalk.h"
#include "test_util.h"

struct kmalloc_case {
	size_t size;
	gfp_t gfp;
};

/* Slab objects, odd sizes, objects over page boundaries, the page allocator. */
static const struct kmalloc_case kmalloc_cases[] = {
	{ 8, GFP_KERNEL },
	{ 8, GFP_KERNEL | __GFP_ZERO },
	{ 100, GFP_KERNEL },
	{ 100, GFP_KERNEL | __GFP_ZERO },
	{ PAGE_SIZE - 1, GFP_KERNEL },
	{ PAGE_SIZE - 1, GFP_KERNEL | __GFP_ZERO },
	{ PAGE_SIZE, GFP_KERNEL },
	{ PAGE_SIZE, GFP_KERNEL | __GFP_ZERO },
	{ PAGE_SIZE + 1, GFP_KERNEL },
	{ PAGE_SIZE + 1, GFP_KERNEL | __GFP_ZERO },
	{ 3 * PAGE_SIZE + 5, GFP_KERNEL },
	{ 3 * PAGE_SIZE + 5, GFP_KERNEL | __GFP_ZERO },
	{ SZ_64K, GFP_KERNEL },
	{ SZ_64K, GFP_KERNEL | __GFP_ZERO },
	{ SZ_1M - 3, GFP_KERNEL },
	{ SZ_1M - 3, GFP_KERNEL | __GFP_ZERO },
	{ KMALLOC_MAX_SIZE, GFP_KERNEL },
	{ KMALLOC_MAX_SIZE, GFP_KERNEL | __GFP_ZERO },
};

static void kmalloc_case_desc(const struct kmalloc_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%zu bytes%s", c->size,
		 c->gfp & __GFP_ZERO ? ", __GFP_ZERO" : "");
}

KUNIT_ARRAY_PARAM(kmalloc, kmalloc_cases, kmalloc_case_desc);

/*
 * Allocate the case's object, owned by the test. Orders above
 * PAGE_ALLOC_COSTLY_ORDER may fail on a fragmented machine: that is a skip,
 * not a failure of what is being tested.
 */
static void *kmalloc_case_alloc(struct kunit *test)
{
	const struct kmalloc_case *c = test->param_value;
	void *p = kunit_kmalloc(test, c->size, c->gfp | __GFP_NOWARN);

	if (!p && get_order(c->size) > PAGE_ALLOC_COSTLY_ORDER)
		ptwalk_skip(test, "no free block of order %d", get_order(c->size));
	ptwalk_test_need(test, p, "the object");
	return p;
}

/*
 * Every page of the object maps where virt_to_phys() says, page i + 1 is
 * page i plus PAGE_SIZE physically, and each byte keeps its page offset.
 */
static void ptwalk_test_kmalloc_contiguous(struct kunit *test)
{
	const struct kmalloc_case *c = test->param_value;
	struct ptwalk_range_stats st;
	void *p;

	ptwalk_require_direct_map(test);
	p = kmalloc_case_alloc(test);

	KUNIT_ASSERT_TRUE(test, ptwalk_test_range(test, p, c->size,
						  ptwalk_ref_virt_to_phys, &st));
	KUNIT_EXPECT_EQ_MSG(test, st.runs, 1,
			    "%lu pages in %lu physical runs", st.pages, st.runs);
	KUNIT_EXPECT_EQ(test, st.longest, st.pages);
	KUNIT_EXPECT_EQ(test, st.pages,
			(unsigned long)(PAGE_ALIGN((unsigned long)p + c->size) -
			((unsigned long)p & PAGE_MASK)) >> PAGE_SHIFT);
	ptwalk_test_report(test, "kmalloc", &st);
}

/* What the allocator itself promises about the object, on every arch. */
static void ptwalk_test_kmalloc_object(struct kunit *test)
{
	const struct kmalloc_case *c = test->param_value;
	void *p = kmalloc_case_alloc(test);

	KUNIT_EXPECT_GE(test, ksize(p), c->size);
	KUNIT_EXPECT_TRUE(test, virt_addr_valid(p));
	KUNIT_EXPECT_TRUE(test, virt_addr_valid(p + c->size - 1));
	if (c->gfp & __GFP_ZERO)
		KUNIT_EXPECT_NULL(test, memchr_inv(p, 0, c->size));
}

/*
 * A 1 GiB kmalloc() is not a matter of fragmentation:
 * Anything above KMALLOC_MAX_SIZE always fails, cleanly.
 */
static const size_t too_big[] = { KMALLOC_MAX_SIZE + 1, SZ_1G };

static void too_big_desc(const size_t *size, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%zu bytes", *size);
}

KUNIT_ARRAY_PARAM(too_big, too_big, too_big_desc);

static void ptwalk_test_kmalloc_too_big(struct kunit *test)
{
	const size_t *size = test->param_value;
	void *p = kmalloc(*size, GFP_KERNEL | __GFP_NOWARN);

	KUNIT_EXPECT_NULL(test, p);
	kfree(p);
}

static struct kunit_case ptwalk_kmalloc_cases[] = {
	KUNIT_CASE_PARAM(ptwalk_test_kmalloc_contiguous, kmalloc_gen_params),
	KUNIT_CASE_PARAM(ptwalk_test_kmalloc_object, kmalloc_gen_params),
	KUNIT_CASE_PARAM(ptwalk_test_kmalloc_too_big, too_big_gen_params),
	{}
};

static struct kunit_suite ptwalk_kmalloc_suite = {
	.name = "ptwalk_kmalloc",
	.init = ptwalk_test_init,
	.test_cases = ptwalk_kmalloc_cases,
};

kunit_test_suite(ptwalk_kmalloc_suite);

MODULE_DESCRIPTION("KUnit tests of the page tables of kmalloc() memory");
MODULE_LICENSE("GPL");
