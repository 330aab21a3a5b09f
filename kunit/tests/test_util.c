// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers shared by the ptwalk KUnit suites.
 *
 * Copyright (C) 2026 The ptwalk authors
 */

#include <linux/io.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/pagewalk.h>
#include <linux/sched.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <kunit/test.h>

#include "compat_kunit.h"
#include "../ptwalk_arch.h"
#include "test_util.h"

/**
 * ptwalk_test_init() - the .init of every ptwalk suite
 * @test: the case about to run, in its own kthread
 *
 * Marks the case's thread as one fault injection may fail (what
 * /proc/<pid>/make-it-fail sets): failslab and fail_page_alloc armed with
 * task-filter=Y then fail allocations of the case, and of no other task.
 * Nothing fails while they are not armed.
 *
 * Return: 0
 */
int ptwalk_test_init(struct kunit *test)
{
#ifdef CONFIG_FAULT_INJECTION
	current->make_it_fail = 1;
#endif
	return 0;
}

/**
 * ptwalk_test_need() - skip the current case if an allocation it needs failed
 * @test: the running test
 * @allocated: whether the allocation succeeded
 * @what: what could not be allocated, for the reason
 *
 * A failed allocation is not a finding about page tables, and under fault
 * injection it is what the run asks for. Skipping also keeps KUnit from
 * allocating a failure report, which it warns about when that fails too.
 */
void ptwalk_test_need(struct kunit *test, bool allocated, const char *what)
{
	if (!allocated)
		ptwalk_skip(test, "could not allocate %s", what);
}

/**
 * ptwalk_test_defer() - run @fn(@ctx) when the current case ends
 * @test: the running test
 * @fn: the cleanup
 * @ctx: its argument
 *
 * If the cleanup cannot be registered, it runs at once and the case skips
 * (ptwalk_test_need()).
 */
void ptwalk_test_defer(struct kunit *test, void (*fn)(void *ctx), void *ctx)
{
	ptwalk_test_need(test, !ptwalk_defer(test, fn, ctx), "a deferred action");
}

/**
 * ptwalk_test_need_mapping() - skip the current case if kunit_vm_mmap()
 *	could not allocate
 * @test: the running test
 * @addr: what kunit_vm_mmap() returned
 *
 * kunit_vm_mmap() fails two ways: 0 where its own allocations fail, and
 * vm_mmap()'s error value where the mapping does. The case skips for 0 and
 * -ENOMEM (ptwalk_test_need()), and for -ENOSPC, which a shared anonymous
 * mapping returns where its inode could not be allocated:
 * __shmem_get_inode() reports a failed new_inode() as -ENOSPC. It fails
 * for any other error.
 */
void ptwalk_test_need_mapping(struct kunit *test, unsigned long addr)
{
	ptwalk_test_need(test, addr && (long)addr != -ENOMEM,
			 "the user mapping (kunit_vm_mmap())");
	if ((long)addr == -ENOSPC)
		ptwalk_skip(test,
			    "could not allocate the user mapping: vm_mmap() gave -ENOSPC, __shmem_get_inode()'s error for a failed new_inode()");
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR_VALUE(addr), "kunit_vm_mmap(): %ld",
			       (long)addr);
}

/**
 * ptwalk_test_write_user() - store a byte at @addr of the test's user mm
 * @test: the running test
 * @addr: an address of a writable mapping of the test's user mm
 *
 * put_user() takes the write fault a user store would. Where it fails,
 * get_user_pages(FOLL_WRITE) takes the same fault and says why: the case
 * skips where the fault could not allocate (-ENOMEM, as under fault
 * injection), fails on any other error, and otherwise stores again.
 */
void ptwalk_test_write_user(struct kunit *test, unsigned long addr)
{
	struct page *page;
	long got;

	if (!put_user(0x42, (u8 __user *)addr))
		return;
	mmap_read_lock(current->mm);
	got = ptwalk_get_user_page(addr, FOLL_WRITE, &page);
	mmap_read_unlock(current->mm);
	if (got == 1)
		put_page(page);
	ptwalk_test_need(test, got != -ENOMEM, "the page a user store faults in");
	KUNIT_ASSERT_EQ_MSG(test, got, 1,
			    "%#lx: put_user() failed, get_user_pages(FOLL_WRITE) gave %ld",
			    addr, got);
	KUNIT_ASSERT_EQ(test, put_user(0x42, (u8 __user *)addr), 0);
}

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

static int found(struct mm_walk *walk, unsigned long addr, u64 entry)
{
	struct ptwalk_found_leaf *f = walk->private;

	f->found = true;
	f->addr = addr;
	f->entry = entry;
	return 1;	/* stops the walk */
}

static int find_pud_leaf(pud_t *pudp, unsigned long addr, unsigned long next,
			 struct mm_walk *walk)
{
	pud_t pud = ptwalk_pudp_get(pudp);

	return pud_present(pud) && pud_leaf(pud) ?
		found(walk, addr, pud_val(pud)) : 0;
}

static int find_pmd_leaf(pmd_t *pmdp, unsigned long addr, unsigned long next,
			 struct mm_walk *walk)
{
	pmd_t pmd = ptwalk_pmdp_get(pmdp);

	return pmd_present(pmd) && pmd_leaf(pmd) ?
		found(walk, addr, pmd_val(pmd)) : 0;
}

static int find_pte_leaf(pte_t *ptep, unsigned long addr, unsigned long next,
			 struct mm_walk *walk)
{
	pte_t pte = ptep_get(ptep);

	return pte_present(pte) ? found(walk, addr, pte_val(pte)) : 0;
}

static const struct mm_walk_ops find_leaf_ops[PTWALK_NR_LEVELS] = {
	[PTWALK_PUD] = { .pud_entry = find_pud_leaf },
	[PTWALK_PMD] = { .pmd_entry = find_pmd_leaf },
	[PTWALK_PTE] = { .pte_entry = find_pte_leaf },
};

/**
 * ptwalk_find_direct_map_leaf() - the first leaf of a level in the direct map
 * @f: @f->level says which level; the rest is filled in
 *
 * The kernel's own page-table walker (mm/pagewalk.c, as ptdump uses it)
 * looks from the direct map's first address in use up to high_memory.
 */
void ptwalk_find_direct_map_leaf(struct ptwalk_found_leaf *f)
{
	ptwalk_walk_kernel_tables(ptwalk_arch_direct_map_start(), (unsigned long)high_memory,
				  &find_leaf_ops[f->level], f);
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
