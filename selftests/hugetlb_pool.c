// SPDX-License-Identifier: GPL-2.0
/*
 * The helpers tests raise hugetlb pools with (host_state.c): whatever the
 * order of reservations and restores, and if a test is killed before its
 * teardown, every pool ends as it was found, surplus pages still surplus;
 * a page another mapping has reserved is not free; where the change cannot
 * be written down first, nothing changes.
 *
 * Each test compares the pool with what it read under the lock the
 * helpers change pools under: another ptwalk run cannot move it meanwhile.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "child.h"
#include "host_state.h"
#include "vm_env.h"

FIXTURE(hugetlb_pool) {
	unsigned long size_kb;
	const char *skip;
};

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
	if (!self->size_kb)
		self->skip = "no hugetlb page sizes";
	else if (!have_cap_sys_admin())
		self->skip = "raising a hugetlb pool needs root";
	else if (too_big_for_memory(2 * (self->size_kb << 10)))
		self->skip = "two hugetlb pages are more than half of MemAvailable";
}

FIXTURE_TEARDOWN(hugetlb_pool) {}

/*
 * A raises the pool and maps its page; B finds none free and raises it
 * again; A unmaps and restores before B does. The pool ends at the size
 * it had, whichever restores last.
 */
TEST_F(hugetlb_pool, interleaved_reservations_restore_the_pool)
{
	struct hugetlb_pool a, b;
	long before;
	char *pa, *pb;
	int ret;

	if (self->skip)
		SKIP(return, "%s", self->skip);
	ASSERT_EQ(0, host_state_lock());
	before = hugetlb_persistent(self->size_kb);
	ret = hugetlb_reserve(&a, self->size_kb, 1);
	if (ret)
		SKIP(goto out, "cannot reserve a hugetlb page: %s", strerror(-ret));
	pa = map_huge(self->size_kb, true);
	ret = pa ? hugetlb_reserve(&b, self->size_kb, 1) : -errno;
	if (ret) {
		if (pa)
			munmap(pa, self->size_kb << 10);
		hugetlb_restore(&a);
		SKIP(goto out, "cannot have two hugetlb pages: %s", strerror(-ret));
	}
	pb = map_huge(self->size_kb, true);
	munmap(pa, self->size_kb << 10);
	hugetlb_restore(&a);
	if (pb)
		munmap(pb, self->size_kb << 10);
	hugetlb_restore(&b);
	EXPECT_NE(NULL, pb);
	EXPECT_EQ(before, hugetlb_persistent(self->size_kb));
out:
	host_state_unlock();
}

/*
 * A process that raised the pool and was killed before restoring it: the
 * next one to take the lock puts the pool back to the size the killed one
 * wrote down, and removes its record.
 */
TEST_F(hugetlb_pool, killed_holder_is_taken_back)
{
	char path[128], old[32];
	int status;
	pid_t pid;

	if (self->skip)
		SKIP(return, "%s", self->skip);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct hugetlb_pool held;
		int ret;

		/* Two pages: more than a pool another test left free. */
		ret = hugetlb_reserve(&held, self->size_kb, 2);
		if (ret || !map_huge(self->size_kb, true))
			_exit(ret ? -ret : ENOMEM);
		raise(SIGKILL);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	if (!WIFSIGNALED(status))
		SKIP(return, "the child could not have two hugetlb pages: %s",
		     strerror(WEXITSTATUS(status)));
	hugetlb_pool_path(path, sizeof(path), self->size_kb, "nr_hugepages");
	if (host_state_record(path, old, sizeof(old)))
		SKIP(return, "the killed process found its pages free: it changed nothing");
	ASSERT_EQ(0, host_state_lock());
	EXPECT_EQ(strtol(old, NULL, 10), hugetlb_persistent(self->size_kb));
	EXPECT_EQ(-ENOENT, host_state_record(path, old, sizeof(old)));
	host_state_unlock();
}

/*
 * A page reserved by another mapping (mapped, not yet faulted) is counted
 * in free_hugepages but cannot be had: the pool must be raised for it.
 */
TEST_F(hugetlb_pool, reserved_page_is_not_free)
{
	struct hugetlb_pool holder, mine;
	char *held, *p;
	long before;
	int ret;

	if (self->skip)
		SKIP(return, "%s", self->skip);
	ASSERT_EQ(0, host_state_lock());
	before = hugetlb_persistent(self->size_kb);
	ret = hugetlb_reserve(&holder, self->size_kb, 1);
	if (ret)
		SKIP(goto out, "cannot reserve a hugetlb page: %s", strerror(-ret));
	held = map_huge(self->size_kb, false);
	if (!held) {
		hugetlb_restore(&holder);
		SKIP(goto out, "mmap(MAP_HUGETLB) of a free page failed: %s", strerror(errno));
	}
	EXPECT_EQ(0, hugetlb_reserve(&mine, self->size_kb, 1));
	p = map_huge(self->size_kb, true);
	if (p)
		munmap(p, self->size_kb << 10);
	munmap(held, self->size_kb << 10);
	hugetlb_restore(&mine);
	hugetlb_restore(&holder);
	EXPECT_NE(NULL, p) TH_LOG("mmap(MAP_HUGETLB) failed: %s", strerror(errno));
	EXPECT_EQ(before, hugetlb_persistent(self->size_kb));
out:
	host_state_unlock();
}

/* A child's page, allocated as a surplus page (the pool has none free). */
static const char *make_surplus_page(struct child_region *r)
{
	char *p;

	r->len = hugetlb_size_kb(0) << 10;
	p = map_huge(r->len >> 10, true);
	if (!p)
		return "mmap(MAP_HUGETLB) of a surplus page failed";
	r->start = (uintptr_t)p;
	return NULL;
}

/*
 * Another process holds a surplus page. Raising the pool makes it
 * persistent (the kernel converts surplus pages first); putting the pool
 * back must make it surplus again, or it stays in the pool, free, once
 * its holder exits.
 */
TEST_F(hugetlb_pool, surplus_pages_stay_surplus)
{
	struct host_setting overcommit;
	struct hugetlb_pool mine;
	struct child holder;
	struct child_region r;
	long before, surplus;
	char path[128], value[32];
	int ret;

	if (self->skip)
		SKIP(return, "%s", self->skip);
	ASSERT_EQ(0, host_state_lock());
	before = hugetlb_persistent(self->size_kb);
	if (hugetlb_available(self->size_kb))
		SKIP(goto out, "the pool has free pages: a new page would not be surplus");
	surplus = hugetlb_pool_read(self->size_kb, "surplus_hugepages");
	hugetlb_pool_path(path, sizeof(path), self->size_kb, "nr_overcommit_hugepages");
	snprintf(value, sizeof(value), "%ld", surplus + 1);
	ret = host_setting_set(&overcommit, path, value);
	if (ret)
		SKIP(goto out, "cannot raise nr_overcommit_hugepages: %s", strerror(-ret));
	ASSERT_EQ(0, child_region_start(&holder, make_surplus_page, &r));
	if (r.why) {
		child_end(&holder);
		host_setting_restore(&overcommit);
		SKIP(goto out, "%s", r.why);
	}
	EXPECT_EQ(surplus + 1, hugetlb_pool_read(self->size_kb, "surplus_hugepages"));
	EXPECT_EQ(0, hugetlb_reserve(&mine, self->size_kb, 1));
	hugetlb_restore(&mine);
	EXPECT_EQ(surplus + 1, hugetlb_pool_read(self->size_kb, "surplus_hugepages"))
		TH_LOG("putting the pool back kept the surplus page in it");
	EXPECT_EQ(before, hugetlb_persistent(self->size_kb));
	child_end(&holder);
	host_setting_restore(&overcommit);
	EXPECT_EQ(surplus, hugetlb_pool_read(self->size_kb, "surplus_hugepages"));
out:
	host_state_unlock();
}

/*
 * Where the change cannot be written down (a read-only /run here), the
 * pool is not raised: the reservation fails with the record's error.
 */
TEST_F(hugetlb_pool, unwritable_record_changes_nothing)
{
	struct hugetlb_pool pool;
	int status, ret;
	pid_t pid;

	if (self->skip)
		SKIP(return, "%s", self->skip);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		long before;

		/* 100 + errno: the namespace could not be made. */
		if (unshare(CLONE_NEWNS) ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
		    mount("ptwalk", "/run", "tmpfs", MS_RDONLY, NULL))
			_exit(100 + (errno < 100 ? errno : 0));
		if (host_state_lock())
			_exit(3);
		before = hugetlb_persistent(self->size_kb);
		/* One page more than is free: the pool must be raised. */
		ret = hugetlb_reserve(&pool, self->size_kb,
				      hugetlb_pool_read(self->size_kb, "free_hugepages") + 1);
		if (!ret)
			hugetlb_restore(&pool);
		_exit(ret == -EROFS && hugetlb_persistent(self->size_kb) == before ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	if (WEXITSTATUS(status) >= 100)
		SKIP(return, "cannot mount a read-only tmpfs on /run in a mount namespace: %s",
		     strerror(WEXITSTATUS(status) - 100));
	ASSERT_EQ(0, WEXITSTATUS(status))
		TH_LOG("the pool was raised, or the error was not EROFS");
}

TEST_HARNESS_MAIN
