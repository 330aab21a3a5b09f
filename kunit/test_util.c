// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers shared by the ptwalk KUnit suites.
 *
 * Copyright (C) 2026 The ptwalk authors
 */

#include <linux/io.h>
#include <linux/mm.h>
#include <linux/vmalloc.h>
#include <kunit/test.h>

#include "compat_kunit.h"
#include "ptwalk_arch.h"
#include "test_util.h"

/* virt_to_phys() for the direct map, __pa_symbol() for the kernel image. */
phys_addr_t ptwalk_ref_virt_to_phys(const void *addr)
{
	return virt_to_phys((void *)addr);
}

phys_addr_t ptwalk_ref_vmalloc_to_pfn(const void *addr)
{
	return PFN_PHYS(vmalloc_to_pfn(addr)) + offset_in_page(addr);
}

/* Check one address against the reference; report the first failure. */
static bool check_addr(struct kunit *test, unsigned long addr,
		       ptwalk_ref_phys_t ref, struct ptwalk_result *r)
{
	phys_addr_t want = ref((const void *)addr);

	ptwalk(&init_mm, addr, r);
	if (r->status == PTWALK_MAPPED && r->phys == want &&
	    offset_in_page(r->phys) == offset_in_page(addr))
		return true;

	KUNIT_FAIL(test,
		   "%#lx: walk %s at %s (entry %#llx), PA %pa, reference PA %pa",
		   addr, ptwalk_status_name(r->status),
		   ptwalk_level_name(r->level), r->entry[r->level],
		   &r->phys, &want);
	return false;
}

/**
 * ptwalk_require_direct_map() - skip the current case where the direct map
 *	cannot be walked
 * @test: the running test
 */
void ptwalk_require_direct_map(struct kunit *test)
{
	const char *why = ptwalk_arch_direct_map_missing();

	if (why)
		ptwalk_skip(test, "%s", why);
}

/**
 * ptwalk_test_range() - check the walk of every page of a range
 * @test: the running test
 * @start: first byte of the range (need not be page aligned)
 * @size: bytes in the range, at least 1
 * @ref: the independent reference translation
 * @st: filled with what was found
 *
 * Walks @start, the first byte of every following page of the range, and
 * its last byte. Each must be mapped, at the physical address @ref gives,
 * with the same offset inside the page as the virtual address. The first
 * failure is reported with the whole walk result, and the check stops.
 *
 * Return: true if every address passed.
 */
bool ptwalk_test_range(struct kunit *test, const void *start, size_t size,
		       ptwalk_ref_phys_t ref, struct ptwalk_range_stats *st)
{
	unsigned long addr = (unsigned long)start;
	unsigned long last = addr + size - 1;
	unsigned long prev_pfn = 0, run = 0;
	struct ptwalk_result r;

	memset(st, 0, sizeof(*st));
	for (;;) {
		if (!check_addr(test, addr, ref, &r))
			return false;

		st->leaves[r.level]++;
		if (st->pages++ && r.pfn == prev_pfn + 1) {
			run++;
		} else {
			st->runs++;
			run = 1;
		}
		st->longest = max(st->longest, run);
		prev_pfn = r.pfn;

		if ((addr | ~PAGE_MASK) >= last)
			break;
		addr = (addr | ~PAGE_MASK) + 1;
	}
	return addr == last || check_addr(test, last, ref, &r);
}

/**
 * ptwalk_test_report() - print range statistics as a diagnostic
 * @test: the running test
 * @what: what was walked
 * @st: the statistics
 *
 * Measurements, not assertions: the kernel does not promise how vmalloc()
 * pages are placed.
 */
void ptwalk_test_report(struct kunit *test, const char *what,
			const struct ptwalk_range_stats *st)
{
	kunit_info(test,
		   "%s: %lu pages, %lu physical runs, longest %lu pages; leaves: %lu pud, %lu pmd, %lu pte\n",
		   what, st->pages, st->runs, st->longest,
		   st->leaves[PTWALK_PUD], st->leaves[PTWALK_PMD],
		   st->leaves[PTWALK_PTE]);
}

static void ptwalk_vfree(void *addr)
{
	vfree(addr);
}

/**
 * ptwalk_test_own_vmalloc() - free a vmalloc-family allocation at test end
 * @test: the running test
 * @p: what vmalloc(), vzalloc(), vmalloc_huge(), ... returned, or NULL
 *
 * Return: @p, or NULL if @p was NULL or could not be registered (then it
 * has been freed already).
 */
void *ptwalk_test_own_vmalloc(struct kunit *test, void *p)
{
	if (p && ptwalk_defer(test, ptwalk_vfree, p))
		return NULL;
	return p;
}

/**
 * ptwalk_test_walk_user() - walk an address of the test's user mm
 * @addr: the address
 * @r: the result
 *
 * Under the mm's mmap lock, held for reading, as ptwalk() requires.
 */
void ptwalk_test_walk_user(unsigned long addr, struct ptwalk_result *r)
{
	mmap_read_lock(current->mm);
	ptwalk(current->mm, addr, r);
	mmap_read_unlock(current->mm);
}
