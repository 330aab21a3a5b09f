// SPDX-License-Identifier: GPL-2.0
/*
 * The hugetlb pool helpers the other tests raise pools with: whatever the
 * order of reservations and restores, and if a test is killed before its
 * teardown, every pool must end as it was found; a page another mapping
 * has reserved is not free.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vm_env.h"

FIXTURE(hugetlb_pool) {
	unsigned long size_kb;
	long nr_before;
	const char *skip;
};

/* The pool size of @size_kb pages (nr_hugepages), or -1. */
static long pool_size(unsigned long size_kb)
{
	char path[128], buf[32];
	FILE *f;
	long nr = -1;

	snprintf(path, sizeof(path),
		 "/sys/kernel/mm/hugepages/hugepages-%lukB/nr_hugepages", size_kb);
	f = fopen(path, "re");
	if (f && fgets(buf, sizeof(buf), f))
		nr = strtol(buf, NULL, 10);
	if (f)
		fclose(f);
	return nr;
}

/* One hugetlb page of @size_kb, mapped and (if @touch) faulted in. */
static char *map_huge(unsigned long size_kb, bool touch)
{
	size_t len = size_kb << 10;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB |
		       (__builtin_ctzl(len) << MAP_HUGE_SHIFT), -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	if (touch)
		p[0] = 1;
	return p;
}

FIXTURE_SETUP(hugetlb_pool)
{
	self->skip = NULL;
	self->size_kb = hugetlb_size_kb(0);
	if (!self->size_kb) {
		self->skip = "no hugetlb page sizes";
		return;
	}
	if (!have_cap_sys_admin()) {
		self->skip = "raising a hugetlb pool needs root";
		return;
	}
	if (too_big_for_memory(2 * (self->size_kb << 10))) {
		self->skip = "two hugetlb pages are more than half of MemAvailable";
		return;
	}
	self->nr_before = pool_size(self->size_kb);
	ASSERT_LE(0, self->nr_before);
}

FIXTURE_TEARDOWN(hugetlb_pool) {}

/*
 * A raises the pool and maps its page; B finds none free and raises it
 * again; A unmaps and restores before B does. Restoring a value read
 * earlier would leave B's page in the pool; lowering by what each added
 * does not.
 */
TEST_F(hugetlb_pool, interleaved_reservations_restore_the_pool)
{
	struct hugetlb_pool a, b;
	char *pa, *pb;

	if (self->skip)
		SKIP(return, "%s", self->skip);
	if (hugetlb_reserve(&a, self->size_kb, 1))
		SKIP(return, "the kernel could not find a hugetlb page");
	pa = map_huge(self->size_kb, true);
	if (!pa || hugetlb_reserve(&b, self->size_kb, 1)) {
		if (pa)
			munmap(pa, self->size_kb << 10);
		hugetlb_restore(&a);
		SKIP(return, "the kernel could not find two hugetlb pages");
	}
	pb = map_huge(self->size_kb, true);
	munmap(pa, self->size_kb << 10);
	hugetlb_restore(&a);
	if (pb)
		munmap(pb, self->size_kb << 10);
	hugetlb_restore(&b);
	ASSERT_NE(NULL, pb);
	ASSERT_EQ(self->nr_before, pool_size(self->size_kb));
}

/*
 * A process that raised the pool and was killed before restoring it: the
 * next reservation of that size takes its pages back.
 */
TEST_F(hugetlb_pool, killed_holder_is_taken_back)
{
	struct hugetlb_pool pool;
	int status;
	pid_t pid;

	if (self->skip)
		SKIP(return, "%s", self->skip);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct hugetlb_pool held;

		if (hugetlb_reserve(&held, self->size_kb, 1) ||
		    !map_huge(self->size_kb, true))
			_exit(1);
		raise(SIGKILL);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	if (!WIFSIGNALED(status))
		SKIP(return, "the kernel could not find a hugetlb page");
	ASSERT_EQ(0, hugetlb_reserve(&pool, self->size_kb, 1));
	hugetlb_restore(&pool);
	ASSERT_EQ(self->nr_before, pool_size(self->size_kb));
}

/*
 * A page reserved by another mapping (mapped, not yet faulted) is counted
 * in free_hugepages but cannot be had: the pool must be raised for it.
 */
TEST_F(hugetlb_pool, reserved_page_is_not_free)
{
	struct hugetlb_pool holder, mine;
	char *held, *p;

	if (self->skip)
		SKIP(return, "%s", self->skip);
	if (hugetlb_reserve(&holder, self->size_kb, 1))
		SKIP(return, "the kernel could not find a hugetlb page");
	held = map_huge(self->size_kb, false);
	if (!held) {
		hugetlb_restore(&holder);
		SKIP(return, "the kernel could not find a hugetlb page");
	}
	ASSERT_EQ(0, hugetlb_reserve(&mine, self->size_kb, 1));
	p = map_huge(self->size_kb, true);
	if (p)
		munmap(p, self->size_kb << 10);
	munmap(held, self->size_kb << 10);
	hugetlb_restore(&mine);
	hugetlb_restore(&holder);
	ASSERT_NE(NULL, p) TH_LOG("mmap(MAP_HUGETLB) failed: %s", strerror(errno));
	ASSERT_EQ(self->nr_before, pool_size(self->size_kb));
}

TEST_HARNESS_MAIN
