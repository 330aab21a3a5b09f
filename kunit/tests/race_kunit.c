// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of ptwalk()'s promises under concurrent change: a kthread
 * changes the page tables (a direct-map leaf split by set_memory_ro(),
 * vmalloc areas coming and going, a user range zapped, refaulted, remapped
 * and collapsed into a THP) while the test walks memory whose translation
 * it knows. Every result must be one of the states the change can leave,
 * never PTWALK_BAD and never a wrong physical address. How often the walks
 * overlapped the changes is reported: the kernel promises no interleaving.
 *
 * Copyright (C) 2026 The ptwalk authors
 */

#include <linux/completion.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/sched/mm.h>
#include <linux/set_memory.h>
#include <linux/sizes.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <kunit/test.h>

#include "compat_kunit.h"
#include "../ptwalk.h"
#include "../ptwalk_arch.h"
#include "test_util.h"

/*
 * Walks per case: at least RACE_WALKS, and on until the kthread has made
 * RACE_CHANGES changes (a vmalloc() under KASAN takes as long as hundreds
 * of walks), but never more than RACE_MAX_WALKS.
 */
#define RACE_WALKS		10000
#define RACE_CHANGES		100
#define RACE_MAX_WALKS		(100 * RACE_WALKS)
#define RACE_RESCHED_EVERY	64

/**
 * struct race - a kthread making one kind of change, over and over
 * @test: the case it serves
 * @change: one change; returns 0 or -errno (the first error is kept)
 * @ctx: what @change changes
 * @mm: the user mm the kthread adopts (kthread_use_mm()), or NULL
 * @task: the kthread
 * @started: completed after the first change
 * @changes: changes made so far
 * @err: the first error of @change
 */
struct race {
	struct kunit *test;
	int (*change)(struct race *race);
	void *ctx;
	struct mm_struct *mm;
	struct task_struct *task;
	struct completion started;
	unsigned long changes;
	int err;
};

static int race_thread(void *data)
{
	struct race *race = data;
	int err;

	if (race->mm)
		kthread_use_mm(race->mm);
	while (!kthread_should_stop()) {
		err = race->change(race);
		if (err && !race->err)
			race->err = err;
		WRITE_ONCE(race->changes, race->changes + 1);
		if (race->changes == 1)
			complete(&race->started);
		cond_resched();
	}
	if (race->mm)
		kthread_unuse_mm(race->mm);
	return 0;
}

static void race_stop(void *data)
{
	struct race *race = data;

	if (race->task)
		kthread_stop(race->task);
	race->task = NULL;
}

/*
 * Start @change in a kthread, on @mm if not NULL, and wait for its first
 * change. The kthread is stopped when the case ends, however it ends.
 */
static struct race *race_start(struct kunit *test,
			       int (*change)(struct race *race), void *ctx,
			       struct mm_struct *mm)
{
	struct race *race = kunit_kzalloc(test, sizeof(*race), GFP_KERNEL);
	struct task_struct *task;

	ptwalk_test_need(test, race, "the race");
	*race = (struct race){
		.test = test, .change = change, .ctx = ctx, .mm = mm,
	};
	init_completion(&race->started);
	task = kthread_run(race_thread, race, "ptwalk_race");
	if (IS_ERR(task))
		ptwalk_skip(test, "kthread_run() failed: %ld", PTR_ERR(task));
	race->task = task;
	ptwalk_test_defer(test, race_stop, race);
	wait_for_completion(&race->started);
	return race;
}

/* Is walk @i of the case still to be made? */
static bool race_walking(const struct race *race, unsigned long i)
{
	if (i >= RACE_MAX_WALKS)
		return false;
	return i < RACE_WALKS || READ_ONCE(race->changes) < RACE_CHANGES;
}

/* Stop the kthread; report what it did. Returns the first error it had. */
static int race_finish(struct kunit *test, struct race *race,
		       const char *what)
{
	race_stop(race);
	kunit_info(test, "%s: %lu changes, first error %d\n", what,
		   race->changes, race->err);
	return race->err;
}

/* What a concurrent change may leave a page it does not own in. */
#define MAYBE_UNMAPPED	(BIT(PTWALK_MAPPED) | BIT(PTWALK_NONE) | \
			 BIT(PTWALK_NOT_PRESENT))

/* Walk counts by status, for the report. */
struct race_tally {
	unsigned long status[PTWALK_BAD_ADDRESS + 1];
	unsigned long leaf_sizes;	/* OR of the leaf sizes seen */
};

static void tally(struct race_tally *t, const struct ptwalk_result *r)
{
	t->status[r->status]++;
	t->leaf_sizes |= r->leaf_size;
}

static void tally_report(struct kunit *test, const char *what,
			 const struct race_tally *t)
{
	kunit_info(test,
		   "%s: %lu mapped, %lu none, %lu not present, %lu bad; leaf sizes seen %#lx\n",
		   what, t->status[PTWALK_MAPPED], t->status[PTWALK_NONE],
		   t->status[PTWALK_NOT_PRESENT], t->status[PTWALK_BAD],
		   t->leaf_sizes);
}

/* The first walk that was none of @allowed, or mapped at a wrong PFN. */
static bool race_check(struct kunit *test, const struct ptwalk_result *r,
		       unsigned int allowed, unsigned long want_pfn)
{
	if (!(allowed & BIT(r->status))) {
		KUNIT_FAIL(test, "%#lx: %s at %s (entry %#llx)", r->addr,
			   ptwalk_status_name(r->status),
			   ptwalk_level_name(r->level), r->entry[r->level]);
		return false;
	}
	if (r->status == PTWALK_MAPPED && r->pfn != want_pfn) {
		KUNIT_FAIL(test,
			   "%#lx: mapped at PFN %#lx by a %s leaf (entry %#llx), expected %#lx",
			   r->addr, r->pfn, ptwalk_level_name(r->level),
			   r->entry[r->level], want_pfn);
		return false;
	}
	return true;
}

static void free_page_action(void *page)
{
	__free_page(page);
}

static void put_page_action(void *page)
{
	put_page(page);
}

static int flip_read_only(struct race *race)
{
	unsigned long va = (unsigned long)race->ctx;
	int err = set_memory_ro(va, 1);

	if (err)
		return err;
	return set_memory_rw(va, 1);
}

/*
 * A kthread makes a page of the direct map read-only and writable again,
 * splitting the leaf that maps it (x86 splits 1 GiB and 2 MiB leaves on the
 * first change), while the test walks that page and the rest of the leaf.
 * The walk sees the leaf or the new tables, never anything else: the page
 * is always mapped at its own frame, the leaf's other pages at theirs or
 * (unmapped by someone else, as secretmem does) not at all.
 */
static void ptwalk_test_race_direct_map_split(struct kunit *test)
{
	unsigned long va, base, size, addr, i, read_only = 0;
	struct race_tally t = {};
	struct ptwalk_result r;
	struct page *page;
	struct race *race;

	if (!PTWALK_ARCH_SET_MEMORY_DIRECT_MAP)
		ptwalk_skip(test,
			    "set_memory_ro() does not change the direct map on this architecture");
	ptwalk_require_direct_map(test);
	page = alloc_page(GFP_KERNEL);
	ptwalk_test_need(test, page, "a page");
	ptwalk_test_defer(test, free_page_action, page);
	va = (unsigned long)page_address(page);
	KUNIT_ASSERT_EQ(test, ptwalk(&init_mm, va, &r), PTWALK_MAPPED);
	size = r.leaf_size;
	base = ALIGN_DOWN(va, size);
	kunit_info(test, "page %#lx in a %lu KiB leaf of the direct map\n",
		   va, size >> 10);

	race = race_start(test, flip_read_only, (void *)va, NULL);
	for (i = 0; race_walking(race, i); i++) {
		/* Every other walk is the page; the rest spread over the leaf. */
		addr = i & 1 ? va : base + ((i / 2) * PAGE_SIZE * 61) % size;
		ptwalk(&init_mm, addr, &r);
		tally(&t, &r);
		if (!race_check(test, &r, addr == va ? BIT(PTWALK_MAPPED) : MAYBE_UNMAPPED,
				PHYS_PFN(__pa(addr))))
			break;
		if (addr == va && r.leaf_bits_known &&
		    !(r.leaf_bits & PTWALK_LEAF_WRITE))
			read_only++;
		if (!(i % RACE_RESCHED_EVERY))
			cond_resched();
	}
	KUNIT_EXPECT_EQ(test, race_finish(test, race, "set_memory_ro/rw"), 0);
	tally_report(test, "direct map", &t);
	kunit_info(test, "%lu walks of the page saw it read-only\n", read_only);

	/* The last change made it writable: the walk must say so now. */
	KUNIT_ASSERT_EQ(test, ptwalk(&init_mm, va, &r), PTWALK_MAPPED);
	KUNIT_EXPECT_EQ(test, r.pfn, page_to_pfn(page));
	if (r.leaf_bits_known)
		KUNIT_EXPECT_TRUE(test, r.leaf_bits & PTWALK_LEAF_WRITE);
}

#define CHURN_AREAS	8

/*
 * The kthread's own vmalloc() areas, each freed CHURN_AREAS changes later,
 * and whether every fourth is a PMD-sized huge one.
 */
struct churn {
	void *area[CHURN_AREAS];
	unsigned long n;
	bool huge;
};

static int churn_vmalloc(struct race *race)
{
	struct churn *c = race->ctx;
	void **slot = &c->area[c->n % CHURN_AREAS];
	unsigned long pages = 1 + c->n % 31;

	vfree(*slot);
	*slot = c->huge && !(c->n % 4) ?
		vmalloc_huge(PMD_SIZE, GFP_KERNEL | __GFP_NOWARN) :
		vmalloc(pages * PAGE_SIZE);
	c->n++;
	return *slot ? 0 : -ENOMEM;
}

static void churn_free(void *data)
{
	struct churn *c = data;
	unsigned int i;

	for (i = 0; i < CHURN_AREAS; i++)
		vfree(c->area[i]);
}

#define OWN_PAGES	16

/*
 * A kthread vmallocs and vfrees areas of 1 to 31 pages and huge ones while
 * the test walks its own live area and its guard page: the area's pages
 * stay at vmalloc_to_pfn() and the guard page stays unmapped, whatever
 * happens to the page tables around them.
 */
static void ptwalk_test_race_vmalloc(struct kunit *test)
{
	unsigned long pfn[OWN_PAGES], addr, i;
	struct race_tally t = {};
	struct ptwalk_result r;
	struct churn *churn;
	struct race *race;
	char *p;

	p = ptwalk_test_own_vmalloc(test, vmalloc(OWN_PAGES * PAGE_SIZE));
	ptwalk_test_need(test, p, "the vmalloc() area");
	for (i = 0; i < OWN_PAGES; i++)
		pfn[i] = vmalloc_to_pfn(p + i * PAGE_SIZE);
	churn = kunit_kzalloc(test, sizeof(*churn), GFP_KERNEL);
	ptwalk_test_need(test, churn, "the churn");
	/*
	 * Two huge areas live at a time: at most an eighth of the memory, or
	 * none (a PMD maps 512 MiB with 64 KiB pages). vmalloc() takes no
	 * __GFP_RETRY_MAYFAIL, so a failed one would call the OOM killer.
	 */
	churn->huge = PMD_SIZE <= (totalram_pages() << PAGE_SHIFT) / 16;
	if (!churn->huge)
		kunit_info(test, "no huge areas: a PMD maps %lu MiB of %lu MiB\n",
			   PMD_SIZE >> 20, totalram_pages() >> (20 - PAGE_SHIFT));
	/* Registered first, so run after the kthread has stopped. */
	ptwalk_test_defer(test, churn_free, churn);

	race = race_start(test, churn_vmalloc, churn, NULL);
	for (i = 0; race_walking(race, i); i++) {
		unsigned long page = i % (OWN_PAGES + 1);

		addr = (unsigned long)p + page * PAGE_SIZE;
		ptwalk(&init_mm, addr, &r);
		tally(&t, &r);
		if (!race_check(test, &r, page < OWN_PAGES ? BIT(PTWALK_MAPPED) :
				BIT(PTWALK_NONE), page < OWN_PAGES ? pfn[page] : 0))
			break;
		if (!(i % RACE_RESCHED_EVERY))
			cond_resched();
	}
	race_finish(test, race, "vmalloc/vfree");
	tally_report(test, "own area and guard page", &t);
}

/* A user range of the test's mm, as the kthread and the walks see it. */
struct user_range {
	unsigned long start;
	unsigned long pages;
	unsigned long base_pfn;	/* the collapse case: the THP's first frame */
	unsigned long n;	/* changes so far */
};

/*
 * A user range of @pages pages in the test's mm, mapped by @map (which
 * fails as kunit_vm_mmap() does), or a skip where the kernel's KUnit
 * cannot give a test a user mm.
 */
static struct user_range *user_range_new(struct kunit *test,
					 unsigned long pages,
					 unsigned long (*map)(struct kunit *test))
{
	struct user_range *u;

	if (!PTWALK_HAVE_USER_MM)
		ptwalk_skip(test,
			    "this kernel's KUnit cannot give a test a user mm (kunit_vm_mmap() is 6.10+)");
	u = kunit_kzalloc(test, sizeof(*u), GFP_KERNEL);
	ptwalk_test_need(test, u, "the user range");
	u->pages = pages;
	u->start = map(test);
	ptwalk_test_need_mapping(test, u->start);
	return u;
}

static void fill_user(unsigned long addr, unsigned long len, u8 byte)
{
	static u8 buf[256];
	unsigned long off;

	memset(buf, byte, sizeof(buf));
	for (off = 0; off < len; off += sizeof(buf))
		if (copy_to_user((void __user *)addr + off, buf, sizeof(buf)))
			return;	/* read-only right now: the next change fixes it */
}

/*
 * Zap the range (the MADV_DONTNEED path: zap_page_range_single() under the
 * mmap read lock), refault it by writing (handle_mm_fault()), and map one
 * page read-only then writable again (vm_mmap() with MAP_FIXED: the mmap
 * path replaces the page's VMA under the mmap write lock; the kernel has
 * no in-kernel mprotect()).
 */
static int zap_refault_remap(struct race *race)
{
	struct user_range *u = race->ctx;
	unsigned long len = u->pages * PAGE_SIZE;
	unsigned long page = u->start + (u->n++ % u->pages) * PAGE_SIZE;
	unsigned long got;
	int err;

	err = do_madvise(current->mm, u->start, len, MADV_DONTNEED);
	if (err)
		return err;
	fill_user(u->start, len, 0x5a);
	got = vm_mmap(NULL, page, PAGE_SIZE, PROT_READ,
		      MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, 0);
	if (IS_ERR_VALUE(got))
		return got;
	got = vm_mmap(NULL, page, PAGE_SIZE, PROT_READ | PROT_WRITE,
		      MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, 0);
	return IS_ERR_VALUE(got) ? (int)got : 0;
}

/*
 * Is the page a walk found at @addr (at @pfn) anonymous, or the zero page?
 * The walk holds no reference: by now the kthread may have zapped the page
 * and freed it, and the frame may be anything. So, as gup_fast_pte_range()
 * does after its lockless read, take a reference and walk again: only a
 * page still mapped at @addr, kept from being freed by the reference, is
 * judged. One freed or remapped since the walk passes and counts in @gone.
 */
static bool user_page_anon(unsigned long addr, unsigned long pfn,
			   unsigned long *gone)
{
	struct ptwalk_result again;
	struct folio *folio;
	bool anon;

	if (is_zero_pfn(pfn))
		return true;
	if (!pfn_valid(pfn))
		return false;
	folio = page_folio(pfn_to_page(pfn));
	if (!folio_try_get(folio)) {
		(*gone)++;
		return true;
	}
	ptwalk_test_walk_user(addr, &again);
	anon = folio_test_anon(folio);
	if (page_folio(pfn_to_page(pfn)) != folio ||
	    again.status != PTWALK_MAPPED || again.pfn != pfn) {
		(*gone)++;
		anon = true;
	}
	folio_put(folio);
	return anon;
}

#define ZAP_PAGES	16

static unsigned long map_zap_range(struct kunit *test)
{
	return ptwalk_user_mmap(test, ZAP_PAGES * PAGE_SIZE);
}

/*
 * A kthread that has adopted the test's mm zaps, refaults and remaps a
 * user range while the test walks it under mmap_read_lock(): each page is
 * unmapped or mapped at an anonymous page (a page-table page taken for a
 * leaf would not be; see user_page_anon() for pages freed since), and
 * never a bad entry.
 */
static void ptwalk_test_race_user_zap(struct kunit *test)
{
	struct race_tally t = {};
	struct ptwalk_result r;
	struct user_range *u;
	struct race *race;
	unsigned long i, gone = 0;

	u = user_range_new(test, ZAP_PAGES, map_zap_range);
	fill_user(u->start, ZAP_PAGES * PAGE_SIZE, 0x5a);

	race = race_start(test, zap_refault_remap, u, current->mm);
	for (i = 0; race_walking(race, i); i++) {
		unsigned long addr = u->start + (i % ZAP_PAGES) * PAGE_SIZE;

		ptwalk_test_walk_user(addr, &r);
		tally(&t, &r);
		if (!race_check(test, &r, MAYBE_UNMAPPED, r.pfn))
			break;
		if (r.status == PTWALK_MAPPED &&
		    !user_page_anon(addr, r.pfn, &gone)) {
			KUNIT_FAIL(test,
				   "%#lx: mapped at PFN %#lx (entry %#llx), which is not an anonymous page",
				   addr, r.pfn, r.entry[r.level]);
			break;
		}
		if (!(i % RACE_RESCHED_EVERY))
			cond_resched();
	}
	KUNIT_EXPECT_EQ(test, race_finish(test, race, "zap/refault/remap"), 0);
	tally_report(test, "user range", &t);
	kunit_info(test, "user range: %lu pages freed or remapped before their check\n",
		   gone);
}

static int advise(const struct user_range *u, int advice)
{
	return do_madvise(current->mm, u->start, PMD_SIZE, advice);
}

/* A write fault on the range's first page (the byte keeps the pattern). */
static int touch(const struct user_range *u)
{
	u8 byte = 0xff;

	return copy_to_user((void __user *)u->start, &byte, 1) ? -EFAULT : 0;
}

#define FAST_TOGGLES	16

/*
 * Take the PMD of a shmem THP through its three states: a PTE table
 * (MADV_NOHUGEPAGE, MADV_DONTNEED, a write fault maps one PTE), a leaf
 * (MADV_HUGEPAGE, MADV_COLLAPSE: collapse_pte_mapped_thp() retracts the
 * table under the mmap read lock and installs the leaf), then none and a
 * leaf again FAST_TOGGLES times (MADV_DONTNEED zaps the leaf, a write
 * fault maps the THP by a PMD: do_set_pmd()). The THP's frames stay the
 * same throughout.
 */
static int split_collapse(struct race *race)
{
	struct user_range *u = race->ctx;
	int err, i;

	err = advise(u, MADV_NOHUGEPAGE) ?: advise(u, MADV_DONTNEED) ?:
	      touch(u) ?: advise(u, MADV_HUGEPAGE) ?: advise(u, MADV_COLLAPSE);
	for (i = 0; i < FAST_TOGGLES; i++)
		err = advise(u, MADV_DONTNEED) ?: touch(u) ?: err;
	return err;
}

/*
 * PMD_SIZE of shared anonymous (shmem) memory at a PMD-aligned address, in
 * a reservation of twice that, or 0. A shmem THP can be mapped by a PMD
 * only where the address and the file offset agree modulo PMD_SIZE, which
 * the kernel aligns the mapping for only when shmem_enabled allows THPs.
 */
static unsigned long map_shmem_pmd(struct kunit *test)
{
	unsigned long addr = ptwalk_user_mmap(test, 2 * PMD_SIZE);

	if (!addr || IS_ERR_VALUE(addr))
		return addr;
	return ptwalk_user_mmap_shared_at(test, ALIGN(addr, PMD_SIZE), PMD_SIZE);
}

/*
 * A kthread takes the PMD mapping a shmem THP from a PTE table to a leaf,
 * to none and back, over and over, while the test walks it under
 * mmap_read_lock(): the PMD changes under the walk's feet. The walk
 * reads each page at its frame in the THP (by the PTE or the leaf), or as
 * not mapped (a retracted table reads as none), never a table's frame
 * taken for the page's. The pages hold a pattern that reads as present
 * PTEs, so that a leaf taken for a table maps somewhere wrong instead of
 * nowhere.
 */
static void ptwalk_test_race_user_collapse(struct kunit *test)
{
	struct race_tally t = {};
	struct ptwalk_result r;
	struct user_range *u;
	struct page *thp;
	struct race *race;
	unsigned long i;
	int err;

	if (!IS_ENABLED(CONFIG_TRANSPARENT_HUGEPAGE))
		ptwalk_skip(test, "no THP (CONFIG_TRANSPARENT_HUGEPAGE=n)");
	u = user_range_new(test, PMD_SIZE >> PAGE_SHIFT, map_shmem_pmd);
	fill_user(u->start, PMD_SIZE, 0xff);

	err = do_madvise(current->mm, u->start, PMD_SIZE, MADV_COLLAPSE);
	if (err)
		ptwalk_skip(test, "MADV_COLLAPSE of shmem: %d (no free PMD-sized folio?)",
			    err);
	mmap_read_lock(current->mm);
	ptwalk(current->mm, u->start, &r);
	err = ptwalk_get_user_page(u->start, 0, &thp);
	mmap_read_unlock(current->mm);
	KUNIT_ASSERT_EQ(test, err, 1);
	/* Held until the end: the THP cannot migrate away from its frames. */
	ptwalk_test_defer(test, put_page_action, thp);
	KUNIT_ASSERT_EQ(test, r.status, PTWALK_MAPPED);
	KUNIT_ASSERT_EQ(test, r.leaf_size, PMD_SIZE);
	u->base_pfn = page_to_pfn(thp);

	race = race_start(test, split_collapse, u, current->mm);
	for (i = 0; race_walking(race, i); i++) {
		unsigned long page = (i * 61) % u->pages;

		ptwalk_test_walk_user(u->start + page * PAGE_SIZE, &r);
		tally(&t, &r);
		if (!race_check(test, &r, MAYBE_UNMAPPED, u->base_pfn + page))
			break;
		if (!(i % RACE_RESCHED_EVERY))
			cond_resched();
	}
	/* A collapse can fail for want of a lock: only the count matters. */
	race_finish(test, race, "split/collapse");
	tally_report(test, "shmem THP", &t);
}

static struct kunit_case ptwalk_race_cases[] = {
	KUNIT_CASE_SLOW(ptwalk_test_race_direct_map_split),
	KUNIT_CASE_SLOW(ptwalk_test_race_vmalloc),
	KUNIT_CASE_SLOW(ptwalk_test_race_user_zap),
	KUNIT_CASE_SLOW(ptwalk_test_race_user_collapse),
	{}
};

static struct kunit_suite ptwalk_race_suite = {
	.name = "ptwalk_races",
	.init = ptwalk_test_init,
	.test_cases = ptwalk_race_cases,
};

kunit_test_suite(ptwalk_race_suite);

MODULE_DESCRIPTION("KUnit tests of page-table walks racing page-table changes");
MODULE_LICENSE("GPL");
