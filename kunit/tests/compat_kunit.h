/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KUnit API differences between the kernel versions ptwalk is built in,
 * for the suites only: the walker (ptwalk.c) includes no KUnit header.
 * The version test itself is PTWALK_KERNEL_AT_LEAST() of compat.h.
 *
 * Copyright (C) 2026 The ptwalk authors
 */
#ifndef _PTWALK_COMPAT_KUNIT_H
#define _PTWALK_COMPAT_KUNIT_H

#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/mmap_lock.h>
#include <linux/pagewalk.h>
#include <linux/slab.h>
#include <kunit/resource.h>
#include <kunit/test.h>

#include "../compat.h"

/*
 * Skipping a parameter of a parameterised case. 6.12 prints its result as
 * "ok N <param> # SKIP <reason>"; 6.1 prints "ok N <param>", which kunit.py
 * reads as a pass, and the reason nowhere. There ptwalk_skip() first logs
 * "# <case>: SKIP <reason>" for the parameter, so that the reason is in the
 * log beside the result line that follows.
 */
#if PTWALK_KERNEL_AT_LEAST(6, 12)
#define ptwalk_skip(test, fmt, ...)	kunit_skip(test, fmt, ##__VA_ARGS__)
#else
/* kunit_skip() as 6.1 has it, with the reason logged before the throw. */
#define ptwalk_skip(test, fmt, ...)					\
	do {								\
		struct kunit *__ptwalk_test = (test);			\
									\
		kunit_mark_skipped(__ptwalk_test, fmt, ##__VA_ARGS__);	\
		if (__ptwalk_test->param_value)				\
			kunit_info(__ptwalk_test, "SKIP %s\n",		\
				   __ptwalk_test->status_comment);	\
		kunit_try_catch_throw(&__ptwalk_test->try_catch);	\
	} while (0)
#endif

/* KUnit test attributes (6.6); slow cases are ordinary cases before. */
#ifndef KUNIT_CASE_SLOW
#define KUNIT_CASE_SLOW(test_name)	KUNIT_CASE(test_name)
#endif

/*
 * Deferred cleanup: kunit_add_action_or_reset() (6.5; its companion
 * KUNIT_DEFINE_ACTION_WRAPPER() came in 6.8). Before that, the same through
 * a KUnit resource. Either way @fn(@ctx) runs when the test ends, or at once
 * if it cannot be registered (then -ENOMEM is returned).
 */
#ifdef KUNIT_DEFINE_ACTION_WRAPPER
#define ptwalk_defer(test, fn, ctx)	kunit_add_action_or_reset(test, fn, ctx)
#else
typedef void (*ptwalk_action_t)(void *ctx);

struct ptwalk_deferred {
	ptwalk_action_t fn;
	void *ctx;
};

static inline int ptwalk_deferred_init(struct kunit_resource *res, void *ctx)
{
	res->data = ctx;
	return 0;
}

static inline void ptwalk_deferred_free(struct kunit_resource *res)
{
	struct ptwalk_deferred *d = res->data;

	d->fn(d->ctx);
	kfree(d);
}

static inline int ptwalk_defer(struct kunit *test, ptwalk_action_t fn,
			       void *ctx)
{
	struct ptwalk_deferred *d = kmalloc(sizeof(*d), GFP_KERNEL);

	if (!d) {
		fn(ctx);
		return -ENOMEM;
	}
	d->fn = fn;
	d->ctx = ctx;
	if (!kunit_alloc_resource(test, ptwalk_deferred_init,
				  ptwalk_deferred_free, GFP_KERNEL, d)) {
		kfree(d);
		fn(ctx);
		return -ENOMEM;
	}
	return 0;
}
#endif

/*
 * A user address space for the test thread: kunit_vm_mmap() (6.10) creates
 * and attaches an mm on first use. Older kernels cannot give a KUnit test a
 * user mm; the cases that need one skip.
 */
#if PTWALK_KERNEL_AT_LEAST(6, 10)
#define PTWALK_HAVE_USER_MM	1
static inline unsigned long ptwalk_user_mmap(struct kunit *test,
					     unsigned long len)
{
	return kunit_vm_mmap(test, NULL, 0, len, PROT_READ | PROT_WRITE,
			     MAP_ANONYMOUS | MAP_PRIVATE, 0);
}

/* Shared anonymous (shmem) memory at @addr, replacing what was there. */
static inline unsigned long ptwalk_user_mmap_shared_at(struct kunit *test,
						       unsigned long addr,
						       unsigned long len)
{
	return kunit_vm_mmap(test, NULL, addr, len, PROT_READ | PROT_WRITE,
			     MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, 0);
}

/* Anonymous memory at @addr exactly; on failure as kunit_vm_mmap(). */
static inline unsigned long ptwalk_user_mmap_at(struct kunit *test,
						unsigned long addr,
						unsigned long len)
{
	return kunit_vm_mmap(test, NULL, addr, len, PROT_READ | PROT_WRITE,
			     MAP_ANONYMOUS | MAP_PRIVATE | MAP_FIXED_NOREPLACE, 0);
}

/* get_user_pages() lost its vmas argument in 6.5. */
static inline long ptwalk_get_user_page(unsigned long addr,
					unsigned int gup_flags,
					struct page **page)
{
	return get_user_pages(addr, 1, gup_flags, page);
}
#else
#define PTWALK_HAVE_USER_MM	0
static inline unsigned long ptwalk_user_mmap(struct kunit *test,
					     unsigned long len)
{
	return 0;
}

static inline unsigned long ptwalk_user_mmap_shared_at(struct kunit *test,
						       unsigned long addr,
						       unsigned long len)
{
	return -ENOMEM;
}

static inline unsigned long ptwalk_user_mmap_at(struct kunit *test,
						unsigned long addr,
						unsigned long len)
{
	return -ENOMEM;
}

static inline long ptwalk_get_user_page(unsigned long addr,
					unsigned int gup_flags,
					struct page **page)
{
	return -EOPNOTSUPP;
}
#endif

/*
 * The kernel's own walk of init_mm's tables over [@start, @end), the one
 * ptdump makes: walk_kernel_page_table_range() under the mmap read lock
 * where the tree has it, walk_page_range_novma() under the write lock
 * before. Return: the first non-zero callback result, or 0.
 */
static inline int ptwalk_walk_kernel_tables(unsigned long start,
					    unsigned long end,
					    const struct mm_walk_ops *ops,
					    void *private)
{
	int ret;

#ifdef PTWALK_HAVE_WALK_KERNEL_PAGE_TABLE_RANGE
	mmap_read_lock(&init_mm);
	ret = walk_kernel_page_table_range(start, end, ops, NULL, private);
	mmap_read_unlock(&init_mm);
#else
	mmap_write_lock(&init_mm);
	ret = walk_page_range_novma(&init_mm, start, end, ops, NULL, private);
	mmap_write_unlock(&init_mm);
#endif
	return ret;
}

#endif /* _PTWALK_COMPAT_KUNIT_H */
