// SPDX-License-Identifier: GPL-2.0
/*
 * Both sides of the boundary: for each kind of user page, /proc/self/pagemap
 * and the kernel's own page-table walk (/sys/kernel/debug/ptwalk/walk) agree
 * on present or absent and on the PFN, and the walk shows what pagemap
 * cannot: the level of the leaf, its size, and whether it is writable and
 * dirty.
 *
 * The walk and the pagemap read are two system calls. Between them only
 * something else changing the mapping could make them disagree: the tests
 * change nothing in between, keep khugepaged away from base-page regions
 * (MADV_NOHUGEPAGE), lock written pages in memory where that does not
 * change them (mlock()), and read both sides once more on a mismatch, so
 * that only a disagreement that persists fails.
 *
 * Without CONFIG_PTWALK_DEBUGFS (or without root) every test skips.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "child.h"
#include "host_state.h"
#include "kernel_walk.h"
#include "pagemap.h"
#include "vm_env.h"

/* What the kernel walk and pagemap said about one page. */
struct sides {
	struct kwalk walk;
	struct pm_entry pm;
};

static bool sides_agree(const struct sides *s)
{
	bool mapped = s->walk.status == KWALK_MAPPED;

	return mapped == s->pm.present && (!mapped || s->walk.pfn == s->pm.pfn);
}

/*
 * Read both sides of @addr in process @pid (0: this one), @pm_fd being its
 * pagemap. A mismatch is read again once: a change of the mapping between
 * the two reads (reclaim, migration) does not happen twice in a row.
 */
static int read_sides(int walk_fd, int pm_fd, pid_t pid, const void *addr,
		      struct sides *s)
{
	int ret, tries;

	for (tries = 0; tries < 2; tries++) {
		ret = kwalk_get(walk_fd, pid, addr, &s->walk);
		if (!ret)
			ret = pagemap_get(pm_fd, addr, &s->pm);
		if (ret || sides_agree(s))
			break;
	}
	return ret;
}

/*
 * The slots the walk read are the address's own bits: the top table's slot
 * is all the bits above its shift (user addresses), each level below takes
 * the bits between its shift and the shift of the real level above it.
 */
static bool slots_match(const struct kwalk *w)
{
	unsigned int above = 0;
	bool top = true;
	int l;

	for (l = KWALK_PGD; l < KWALK_NR_LEVELS; l++) {
		const struct kwalk_entry *e = &w->entry[l];
		uint64_t bits = w->addr >> w->shift[l];

		if (e->folded)
			continue;
		if (e->visited && !top &&
		    e->slot != (bits & ((1ULL << (above - w->shift[l])) - 1)))
			return false;
		if (e->visited && top && e->slot != bits)
			return false;
		above = w->shift[l];
		top = false;
	}
	return true;
}

static const char *bit_name(enum kwalk_bit bit)
{
	return bit == KWALK_BIT_SET ? "1" : bit == KWALK_BIT_CLEAR ? "0" : "?";
}

/* Both sides of @addr, which must agree, read into @s. */
static void assert_sides(struct __test_metadata *_metadata, int fd, int pm_fd,
			 pid_t pid, const void *addr, struct sides *s)
{
	ASSERT_EQ(0, read_sides(fd, pm_fd, pid, addr, s));
	ASSERT_TRUE(sides_agree(s))
		TH_LOG("%p: kernel walk %s at %s, pfn %#llx; pagemap %s, pfn %#llx",
		       addr, kwalk_status_name(s->walk.status),
		       kwalk_level_name(s->walk.level),
		       (unsigned long long)s->walk.pfn,
		       s->pm.present ? "present" : "not present",
		       (unsigned long long)s->pm.pfn);
	ASSERT_TRUE(slots_match(&s->walk))
		TH_LOG("%p: the slots the walk read are not the address's bits",
		       addr);
}

/*
 * The walk of @s ended at a present leaf of @level (at the level holding
 * it, where @level is folded) that maps @size bytes.
 */
static void assert_leaf(struct __test_metadata *_metadata,
			const struct sides *s, enum kwalk_level level,
			uint64_t size)
{
	enum kwalk_level holding = kwalk_holding_level(&s->walk, level);

	ASSERT_EQ(KWALK_MAPPED, s->walk.status);
	ASSERT_EQ(holding, s->walk.level)
		TH_LOG("leaf at %s, expected %s",
		       kwalk_level_name(s->walk.level), kwalk_level_name(holding));
	ASSERT_EQ(size, s->walk.size);
}

/* The leaf's bit @name reads @got, which must be @want. */
static void assert_bit(struct __test_metadata *_metadata, const char *name,
		       enum kwalk_bit got, enum kwalk_bit want)
{
	ASSERT_EQ(want, got) TH_LOG("%s is %s", name, bit_name(got));
}

FIXTURE(kernel_walk) {
	const char *skip;	/* no kernel walk here: why */
	int fd;			/* the walk file */
	int pm;			/* /proc/self/pagemap */
	size_t ps;
	uint64_t pmd_size;
	uint64_t pud_size;
};

FIXTURE_SETUP(kernel_walk)
{
	static int probe = 1;
	struct sides s;

	self->ps = page_size();
	self->pm = pagemap_open(0);
	ASSERT_GE(self->pm, 0);
	self->fd = kwalk_open();
	if (self->fd < 0) {
		self->skip = kwalk_open_error(self->fd);
		return;
	}
	if (!pagemap_pfns_visible(self->pm)) {
		self->skip = "pagemap shows no PFNs: needs CAP_SYS_ADMIN";
		return;
	}
	/* The sizes of the levels, as the kernel walk reports them. */
	assert_sides(_metadata, self->fd, self->pm, 0, &probe, &s);
	self->pmd_size = 1ULL << s.walk.shift[KWALK_PMD];
	self->pud_size = 1ULL << s.walk.shift[KWALK_PUD];
}

FIXTURE_TEARDOWN(kernel_walk)
{
	if (self->fd >= 0)
		close(self->fd);
	close(self->pm);
}

static void *anon(size_t size, int prot)
{
	void *p = mmap(NULL, size, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	/* Base pages only; EINVAL: no THP support, nothing to turn off. */
	if (madvise(p, size, MADV_NOHUGEPAGE) && errno != EINVAL) {
		munmap(p, size);
		return NULL;
	}
	return p;
}

/* A base page after a write fault: a PTE leaf, writable and dirty. */
TEST_F(kernel_walk, written_page)
{
	struct sides s;
	char *p;

	if (self->skip)
		SKIP(return, "%s", self->skip);
	p = anon(self->ps, PROT_READ | PROT_WRITE);
	ASSERT_NE(NULL, p);
	p[0] = 1;
	assert_sides(_metadata, self->fd, self->pm, 0, p, &s);
	assert_leaf(_metadata, &s, KWALK_PTE, self->ps);
	assert_bit(_metadata, "write", s.walk.write, KWALK_BIT_SET);
	assert_bit(_metadata, "dirty", s.walk.dirty, KWALK_BIT_SET);
	ASSERT_EQ(0ULL, (unsigned long long)(s.walk.phys % self->ps));
	ASSERT_EQ(s.walk.pfn, s.walk.phys / self->ps);
	munmap(p, self->ps);
}

/* Never touched: absent in pagemap, and the walk stops at an empty entry. */
TEST_F(kernel_walk, untouched_page)
{
	struct sides s;
	char *p;

	if (self->skip)
		SKIP(return, "%s", self->skip);
	p = anon(self->ps, PROT_READ | PROT_WRITE);
	ASSERT_NE(NULL, p);
	assert_sides(_metadata, self->fd, self->pm, 0, p, &s);
	ASSERT_EQ(KWALK_NONE, s.walk.status);
	ASSERT_FALSE(s.pm.present);
	ASSERT_EQ(0ULL, (unsigned long long)s.walk.size);
	munmap(p, self->ps);
}

/* A read fault: the zero page, mapped by a read-only PTE. */
TEST_F(kernel_walk, zero_page)
{
	uint64_t flags;
	int err;
	struct sides s;
	char *p;

	if (self->skip)
		SKIP(return, "%s", self->skip);
	p = anon(self->ps, PROT_READ | PROT_WRITE);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, touch_read(p));
	assert_sides(_metadata, self->fd, self->pm, 0, p, &s);
	if (pagemap_read_fault(&s.pm) == PM_READ_FAULT_PRIVATE)
		SKIP(goto out, "read faults map private pages here, not the zero page");
	assert_leaf(_metadata, &s, KWALK_PTE, self->ps);
	assert_bit(_metadata, "write", s.walk.write, KWALK_BIT_CLEAR);
	err = kpageflags_get(s.walk.pfn, &flags);
	ASSERT_EQ(0, err)
		TH_LOG("PFN %#llx from pagemap: %s",
		       (unsigned long long)s.walk.pfn, kpageflags_strerror(err));
	ASSERT_TRUE(kpf_test(flags, KPF_ZERO_PAGE));
out:
	munmap(p, self->ps);
}

/* A read fault of a THP region: the huge zero page, a read-only PMD leaf. */
TEST_F(kernel_walk, huge_zero_page)
{
	size_t size = 2 * self->pmd_size;
	uint64_t flags;
	int err;
	struct sides s;
	char *p;

	if (self->skip)
		SKIP(return, "%s", self->skip);
	if (thp_mode() < THP_MADVISE || !thp_huge_zero_page())
		SKIP(return, "THP or its huge zero page is off");
	/* Read-only: nothing to account, whatever the PMD size. */
	p = mmap_aligned(size, self->pmd_size, PROT_READ,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, madvise(p, size, MADV_HUGEPAGE));
	ASSERT_EQ(0, touch_read(p));
	assert_sides(_metadata, self->fd, self->pm, 0, p, &s);
	/* Which page it is, by the kernel's flags of pagemap's frame. */
	err = kpageflags_get(s.pm.pfn, &flags);
	ASSERT_EQ(0, err)
		TH_LOG("PFN %#llx from pagemap: %s",
		       (unsigned long long)s.pm.pfn, kpageflags_strerror(err));
	if (!kpf_test(flags, KPF_ZERO_PAGE) || !kpf_test(flags, KPF_THP))
		SKIP(goto out, "the read fault did not map the huge zero page");
	assert_leaf(_metadata, &s, KWALK_PMD, self->pmd_size);
	assert_bit(_metadata, "write", s.walk.write, KWALK_BIT_CLEAR);
out:
	munmap(p, size);
}

/*
 * Every page of [p, p + size): both sides agree, the walk ends at a leaf
 * of @level, and its PFN is @pfn[i] (0: fill @pfn in). Returns true if all
 * pages passed; logs the first that did not.
 */
static bool pages_match(struct __test_metadata *_metadata, int fd, int pm_fd,
			const char *p, size_t size, enum kwalk_level level,
			uint64_t *pfn)
{
	size_t i, ps = page_size(), n = size / ps;
	struct sides s;

	for (i = 0; i < n; i++) {
		const char *va = p + i * ps;

		if (read_sides(fd, pm_fd, 0, va, &s) || !sides_agree(&s) ||
		    s.walk.level != kwalk_holding_level(&s.walk, level) ||
		    (pfn[i] && s.walk.pfn != pfn[i])) {
			TH_LOG("page %zu: walk %s at %s pfn %#llx, pagemap pfn %#llx",
			       i, kwalk_status_name(s.walk.status),
			       kwalk_level_name(s.walk.level),
			       (unsigned long long)s.walk.pfn,
			       (unsigned long long)s.pm.pfn);
			TH_LOG("page %zu: expected %s pfn %#llx (0: any)", i,
			       kwalk_level_name(level), (unsigned long long)pfn[i]);
			return false;
		}
		pfn[i] = s.walk.pfn;
	}
	return true;
}

/*
 * The first chunk of @pmd_size bytes of [p, p + size) that a PMD leaf
 * maps, or NULL.
 */
static char *first_pmd_leaf(int fd, int pm_fd, char *p, size_t size,
			    size_t pmd_size)
{
	struct sides s;
	size_t off;

	for (off = 0; off < size; off += pmd_size)
		if (!read_sides(fd, pm_fd, 0, p + off, &s) &&
		    s.walk.level == kwalk_holding_level(&s.walk, KWALK_PMD) &&
		    s.walk.status == KWALK_MAPPED)
			return p + off;
	return NULL;
}

/*
 * A THP: one PMD leaf, writable and dirty, over consecutive frames from an
 * aligned one. mprotect() of half of it splits the PMD: then PTE leaves,
 * on the same frames, writable only in the first half.
 */
TEST_F(kernel_walk, thp_and_split)
{
	size_t size = 2 * self->pmd_size, half = self->pmd_size / 2;
	size_t npages = self->pmd_size / self->ps;
	const char *why;
	struct sides s;
	uint64_t *pfn;
	char *p, *thp;
	long kb;

	if (self->skip)
		SKIP(return, "%s", self->skip);
	p = thp_region(size, &kb, &why);
	if (!p)
		SKIP(return, "%s", why);
	thp = first_pmd_leaf(self->fd, self->pm, p, size, self->pmd_size);
	ASSERT_NE(NULL, thp)
		TH_LOG("AnonHugePages %ld kB, but no PMD leaf in the region", kb);
	assert_sides(_metadata, self->fd, self->pm, 0, thp, &s);
	assert_leaf(_metadata, &s, KWALK_PMD, self->pmd_size);
	assert_bit(_metadata, "write", s.walk.write, KWALK_BIT_SET);
	assert_bit(_metadata, "dirty", s.walk.dirty, KWALK_BIT_SET);
	ASSERT_EQ(0ULL, (unsigned long long)(s.walk.pfn % npages));

	pfn = calloc(npages, sizeof(*pfn));
	ASSERT_NE(NULL, pfn);
	ASSERT_TRUE(pages_match(_metadata, self->fd, self->pm, thp,
				self->pmd_size, KWALK_PMD, pfn));
	ASSERT_EQ(npages, pfn_run(pfn, npages));

	ASSERT_EQ(0, mprotect(thp + half, half, PROT_READ));
	ASSERT_TRUE(pages_match(_metadata, self->fd, self->pm, thp,
				self->pmd_size, KWALK_PTE, pfn));
	assert_sides(_metadata, self->fd, self->pm, 0, thp, &s);
	assert_bit(_metadata, "write", s.walk.write, KWALK_BIT_SET);
	assert_sides(_metadata, self->fd, self->pm, 0, thp + half, &s);
	assert_bit(_metadata, "write", s.walk.write, KWALK_BIT_CLEAR);
	free(pfn);
	munmap(p, size);
}

/*
 * An mTHP (a large folio smaller than a PMD): PTE leaves over consecutive
 * frames from an aligned one. The smallest size is turned on for the test.
 */
TEST_F(kernel_walk, mthp)
{
	struct mthp_setting mthp;
	size_t size, npages;
	uint64_t *pfn, flags;
	int err;
	char *p, *guarded;
	int ret;

	if (self->skip)
		SKIP(return, "%s", self->skip);
	ret = mthp_enable_smallest(&mthp);
	if (ret == -ENOENT)
		SKIP(return, "no THP sizes below the PMD size (mTHP: 6.8+)");
	if (ret)
		SKIP(return, "cannot turn on %lu kB mTHP: %s", mthp.size_kb, strerror(-ret));
	size = mthp.size_kb * 1024;
	npages = size / self->ps;
	/* PROT_NONE on both sides: the VMA cannot merge into a PMD-sized one. */
	guarded = mmap_aligned(3 * size, size, PROT_NONE,
			       MAP_PRIVATE | MAP_ANONYMOUS);
	p = guarded ? guarded + size : NULL;
	if (p && !mprotect(p, size, PROT_READ | PROT_WRITE))
		memset(p, 1, size);
	else
		p = NULL;
	mthp_restore(&mthp);
	ASSERT_NE(NULL, p) TH_LOG("mmap or mprotect: %s", strerror(errno));

	pfn = calloc(npages, sizeof(*pfn));
	ASSERT_NE(NULL, pfn);
	ASSERT_TRUE(pages_match(_metadata, self->fd, self->pm, p, size,
				KWALK_PTE, pfn));
	err = kpageflags_get(pfn[0], &flags);
	ASSERT_EQ(0, err)
		TH_LOG("PFN %#llx from pagemap: %s",
		       (unsigned long long)pfn[0], kpageflags_strerror(err));
	if (!kpf_test(flags, KPF_COMPOUND_HEAD))
		SKIP(goto out, "no %lu kB folio: the fault fell back to base pages",
		     mthp.size_kb);
	ASSERT_EQ(0ULL, (unsigned long long)(pfn[0] % npages));
	ASSERT_EQ(npages, pfn_run(pfn, npages));
out:
	free(pfn);
	munmap(guarded, 3 * size);
}

/* One written hugetlb page of @size bytes must be a leaf of @level. */
static void check_hugetlb(struct __test_metadata *_metadata, int fd,
			  int pm_fd, uint64_t size, enum kwalk_level level)
{
	struct hugetlb_pool pool;
	struct sides s;
	int ret;
	char *p;

	ret = hugetlb_reserve(&pool, size >> 10, 1);
	if (ret)
		SKIP(return, "no free %llu kB hugetlb page: %s",
		     (unsigned long long)size >> 10, strerror(-ret));
	p = mmap_hugetlb(size);
	if (p == MAP_FAILED) {
		hugetlb_restore(&pool);
		ASSERT_NE(MAP_FAILED, p);
	}
	p[0] = 1;
	assert_sides(_metadata, fd, pm_fd, 0, p, &s);
	munmap(p, size);
	hugetlb_restore(&pool);
	assert_leaf(_metadata, &s, level, size);
	assert_bit(_metadata, "write", s.walk.write, KWALK_BIT_SET);
	assert_bit(_metadata, "dirty", s.walk.dirty, KWALK_BIT_SET);
	ASSERT_EQ(0ULL, (unsigned long long)(s.walk.phys % size));
}

TEST_F(kernel_walk, hugetlb_pmd)
{
	if (self->skip)
		SKIP(return, "%s", self->skip);
	check_hugetlb(_metadata, self->fd, self->pm, self->pmd_size, KWALK_PMD);
}

TEST_F(kernel_walk, hugetlb_pud)
{
	if (self->skip)
		SKIP(return, "%s", self->skip);
	if (self->pud_size == self->pmd_size)
		SKIP(return, "the pud is folded: its leaves are the pmd's");
	check_hugetlb(_metadata, self->fd, self->pm, self->pud_size, KWALK_PUD);
}

/* A child that writes its address on command ('w') and acknowledges. */
static int writer_child_body(int in, int out, void *arg)
{
	char *addr = arg;
	char cmd;

	while (read(in, &cmd, 1) == 1) {
		if (cmd == 'w')
			touch_write(addr, 2);
		if (write(out, &cmd, 1) != 1)
			return 1;
	}
	return 0;
}

/* The child of the fork tests, and its pagemap. */
struct walked_child {
	struct child c;
	int pm;
};

static int walked_child_start(struct walked_child *wc, char *addr)
{
	int ret = child_start(&wc->c, writer_child_body, addr);

	if (ret)
		return ret;
	wc->pm = pagemap_open(wc->c.pid);
	return wc->pm < 0 ? wc->pm : 0;
}

static int walked_child_write(struct walked_child *wc)
{
	char ack;

	if (write(wc->c.to, "w", 1) != 1 || read(wc->c.from, &ack, 1) != 1)
		return -EIO;
	return ack == 'w' ? 0 : -EIO;
}

static int walked_child_end(struct walked_child *wc)
{
	if (wc->pm >= 0)
		close(wc->pm);
	return child_end(&wc->c);
}

/*
 * Copy-on-write, step by step: after fork() the written private page is one
 * frame, read-only in both; the child's write gives it a frame of its own,
 * writable and dirty, and leaves the parent's read-only one alone.
 */
TEST_F(kernel_walk, fork_cow)
{
	struct sides parent, child;
	struct walked_child c;
	char *p;

	if (self->skip)
		SKIP(return, "%s", self->skip);
	p = anon(self->ps, PROT_READ | PROT_WRITE);
	ASSERT_NE(NULL, p);
	p[0] = 1;
	ASSERT_EQ(0, walked_child_start(&c, p));

	assert_sides(_metadata, self->fd, self->pm, 0, p, &parent);
	assert_sides(_metadata, self->fd, c.pm, c.c.pid, p, &child);
	assert_leaf(_metadata, &parent, KWALK_PTE, self->ps);
	assert_leaf(_metadata, &child, KWALK_PTE, self->ps);
	ASSERT_EQ(parent.walk.pfn, child.walk.pfn);
	assert_bit(_metadata, "write", parent.walk.write, KWALK_BIT_CLEAR);
	assert_bit(_metadata, "write", child.walk.write, KWALK_BIT_CLEAR);

	ASSERT_EQ(0, walked_child_write(&c));
	assert_sides(_metadata, self->fd, c.pm, c.c.pid, p, &child);
	assert_leaf(_metadata, &child, KWALK_PTE, self->ps);
	ASSERT_NE(parent.walk.pfn, child.walk.pfn);
	assert_bit(_metadata, "write", child.walk.write, KWALK_BIT_SET);
	assert_bit(_metadata, "dirty", child.walk.dirty, KWALK_BIT_SET);
	assert_sides(_metadata, self->fd, self->pm, 0, p, &child);
	ASSERT_EQ(parent.walk.pfn, child.walk.pfn);
	assert_bit(_metadata, "write", child.walk.write, KWALK_BIT_CLEAR);
	ASSERT_EQ(0, walked_child_end(&c));
	munmap(p, self->ps);
}

/* MAP_SHARED: after both wrote, one frame, writable in both. */
TEST_F(kernel_walk, shared_page)
{
	struct sides parent, child;
	struct walked_child c;
	char *p;

	if (self->skip)
		SKIP(return, "%s", self->skip);
	p = mmap(NULL, self->ps, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	p[0] = 1;
	ASSERT_EQ(0, walked_child_start(&c, p));
	ASSERT_EQ(0, walked_child_write(&c));

	assert_sides(_metadata, self->fd, self->pm, 0, p, &parent);
	assert_sides(_metadata, self->fd, c.pm, c.c.pid, p, &child);
	assert_leaf(_metadata, &parent, KWALK_PTE, self->ps);
	assert_leaf(_metadata, &child, KWALK_PTE, self->ps);
	ASSERT_EQ(parent.walk.pfn, child.walk.pfn);
	assert_bit(_metadata, "write", parent.walk.write, KWALK_BIT_SET);
	assert_bit(_metadata, "write", child.walk.write, KWALK_BIT_SET);
	ASSERT_EQ(0, walked_child_end(&c));
	munmap(p, self->ps);
}

/* PROT_NONE keeps the frame: a present, read-only PTE on the same PFN. */
TEST_F(kernel_walk, prot_none)
{
	struct sides before, after;
	char *p;

	if (self->skip)
		SKIP(return, "%s", self->skip);
	p = anon(self->ps, PROT_READ | PROT_WRITE);
	ASSERT_NE(NULL, p);
	p[0] = 1;
	assert_sides(_metadata, self->fd, self->pm, 0, p, &before);
	ASSERT_EQ(0, mprotect(p, self->ps, PROT_NONE));
	assert_sides(_metadata, self->fd, self->pm, 0, p, &after);
	assert_leaf(_metadata, &after, KWALK_PTE, self->ps);
	ASSERT_EQ(before.walk.pfn, after.walk.pfn);
	assert_bit(_metadata, "write", after.walk.write, KWALK_BIT_CLEAR);
	munmap(p, self->ps);
}

/* mlock() faults the pages in for writing: writable PTE leaves. */
TEST_F(kernel_walk, mlocked_pages)
{
	size_t size = 4 * self->ps, i;
	struct sides s;
	char *p;

	if (self->skip)
		SKIP(return, "%s", self->skip);
	p = anon(size, PROT_READ | PROT_WRITE);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, mlock(p, size));
	for (i = 0; i < size; i += self->ps) {
		assert_sides(_metadata, self->fd, self->pm, 0, p + i, &s);
		assert_leaf(_metadata, &s, KWALK_PTE, self->ps);
		assert_bit(_metadata, "write", s.walk.write, KWALK_BIT_SET);
	}
	munmap(p, size);
}

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT	21
#endif

/*
 * Paged out: pagemap says swapped, with a swap entry inside an area that
 * exists (offset 0 is the area's header, never a page); the walk ends at a
 * non-present PTE. Written again, the page is back, present at a PTE.
 */
TEST_F(kernel_walk, paged_out)
{
	struct sides s;
	char *p;

	if (self->skip)
		SKIP(return, "%s", self->skip);
	if (!have_swap())
		SKIP(return, "no swap");
	p = anon(self->ps, PROT_READ | PROT_WRITE);
	ASSERT_NE(NULL, p);
	p[0] = 1;
	ASSERT_EQ(0, madvise(p, self->ps, MADV_PAGEOUT));
	assert_sides(_metadata, self->fd, self->pm, 0, p, &s);
	if (s.pm.present)
		SKIP(goto out, "MADV_PAGEOUT left the page in memory");
	ASSERT_TRUE(s.pm.swapped);
	ASSERT_EQ(KWALK_NOT_PRESENT, s.walk.status);
	ASSERT_EQ(KWALK_PTE, s.walk.level);
	if (pagemap_pfns_visible(self->pm)) {
		ASSERT_NE(0, s.pm.swap_offset);
		ASSERT_GT(swap_area_pages(s.pm.swap_type), s.pm.swap_offset)
			TH_LOG("swap entry type %u offset %#llx: past its area",
			       s.pm.swap_type, (unsigned long long)s.pm.swap_offset);
	}
	p[0] = 2;
	assert_sides(_metadata, self->fd, self->pm, 0, p, &s);
	assert_leaf(_metadata, &s, KWALK_PTE, self->ps);
	ASSERT_FALSE(s.pm.swapped);
out:
	munmap(p, self->ps);
}

/*
 * Above the smaller virtual address space's top (x86-64: 2^47, reachable
 * with 5-level paging only): where the larger space adds a level, the walk
 * reads a table of it.
 */
TEST_F(kernel_walk, high_va)
{
	struct high_va hv;
	enum kwalk_level l;
	const char *why;
	struct sides s;
	char *p;

	if (self->skip)
		SKIP(return, "%s", self->skip);
	p = mmap_high(self->ps, &hv, &why);
	if (!p)
		SKIP(return, "%s", why);
	p[0] = 1;
	assert_sides(_metadata, self->fd, self->pm, 0, p, &s);
	assert_leaf(_metadata, &s, KWALK_PTE, self->ps);
	for (l = KWALK_PGD; hv.level && l < KWALK_PTE; l++) {
		if (strcmp(kwalk_level_name(l), hv.level))
			continue;
		ASSERT_TRUE(s.walk.entry[l].visited)
			TH_LOG("%p (above 2^%u): the walk did not read a %s entry",
			       p, hv.bits, hv.level);
		ASSERT_STREQ("table", s.walk.entry[l].kind);
	}
	munmap(p, self->ps);
}

TEST_HARNESS_MAIN
