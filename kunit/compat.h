/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one place in ptwalk that knows which kernel version it is built in.
 * Everything else uses the names below, which map to the newest API and
 * fall back to what older kernels (6.1) have.
 *
 * Copyright (C) 2026 The ptwalk authors
 */
#ifndef _PTWALK_COMPAT_H
#define _PTWALK_COMPAT_H

#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/pgtable.h>
#include <linux/version.h>
#include <kunit/test.h>

/*
 * The one version test in ptwalk. Everything below keys off it or off a
 * macro the newer API itself defines.
 */
#define PTWALK_KERNEL_AT_LEAST(major, minor) \
	(KERNEL_VERSION(major, minor, 0) <= LINUX_VERSION_CODE)

/* pgdp_get() and friends (6.12); a plain READ_ONCE() before that. */
#if PTWALK_KERNEL_AT_LEAST(6, 12)
#define ptwalk_pgdp_get(p)	pgdp_get(p)
#define ptwalk_p4dp_get(p)	p4dp_get(p)
#define ptwalk_pudp_get(p)	pudp_get(p)
#define ptwalk_pmdp_get(p)	pmdp_get(p)
#else
#define ptwalk_pgdp_get(p)	READ_ONCE(*(p))
#define ptwalk_p4dp_get(p)	READ_ONCE(*(p))
#define ptwalk_pudp_get(p)	READ_ONCE(*(p))
#define ptwalk_pmdp_get(p)	READ_ONCE(*(p))
#endif

/*
 * pud_pfn(): 6.12 has a generic fallback for every architecture; 6.1 has it
 * only where PUD leaves exist, on x86-64 as a plain function (no macro).
 */
#if defined(pud_pfn) || (defined(CONFIG_X86_64) && !defined(CONFIG_UML))
#define ptwalk_pud_pfn(pud)	pud_pfn(pud)
#else
#define ptwalk_pud_pfn(pud)	((void)(pud), 0UL)	/* no PUD leaves here */
#endif

/*
 * Map the PTE table of a user mm. Since 6.5 pte_offset_map() takes the RCU
 * read lock, rechecks the PMD and returns NULL if the table went away;
 * before that it could not fail.
 */
#define ptwalk_pte_map(pmdp, addr)	pte_offset_map(pmdp, addr)
#define ptwalk_pte_unmap(ptep)		pte_unmap(ptep)

#if defined(CONFIG_X86_64) && !defined(CONFIG_UML)
/* Canonical for the paging mode in use: 48 bits, or 57 with LA57. */
static inline bool ptwalk_x86_canonical(unsigned long addr)
{
	return __is_canonical_address(addr, __VIRTUAL_MASK_SHIFT + 1);
}
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
typedef void (*ptwalk_action_t)(void *ctx);

#ifdef KUNIT_DEFINE_ACTION_WRAPPER
static inline int ptwalk_defer(struct kunit *test, ptwalk_action_t fn,
			       void *ctx)
{
	return kunit_add_action_or_reset(test, fn, ctx);
}
#else
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

/* get_user_pages() lost its vmas argument in 6.5. */
static inline long ptwalk_get_user_page(unsigned long addr, struct page **page)
{
	return get_user_pages(addr, 1, 0, page);
}
#else
#define PTWALK_HAVE_USER_MM	0
static inline unsigned long ptwalk_user_mmap(struct kunit *test,
					     unsigned long len)
{
	return 0;
}

static inline long ptwalk_get_user_page(unsigned long addr, struct page **page)
{
	return -EOPNOTSUPP;
}
#endif

#endif /* _PTWALK_COMPAT_H */
