// SPDX-License-Identifier: GPL-2.0
/*
 * fork() and copy-on-write as pagemap shows them: after fork() a written
 * private page is one frame shared by parent and child, exclusive to
 * neither; the first write in the child gives the child a new frame and
 * leaves the parent's alone. MAP_SHARED memory stays one frame. Pages with
 * MADV_WIPEONFORK or MADV_DONTFORK are not in the child at all.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "child.h"
#include "pagemap.h"
#include "vm_env.h"

/* What the child of the fork tests does with its address. */
struct cow_child {
	char *addr;
	bool write_after;
};

/*
 * A forked child that reports pagemap entries of its own: it sends the
 * entry of the address, waits for a byte from the parent, writes the
 * address (if write_after), sends the entry again and exits.
 */
static int cow_child_body(int in, int out, void *arg)
{
	const struct cow_child *cc = arg;
	int fd = pagemap_open(0);
	struct pm_entry e = { 0 };
	char go;

	if (fd < 0 || pagemap_get(fd, cc->addr, &e))
		return 1;
	if (write(out, &e, sizeof(e)) != sizeof(e) || read(in, &go, 1) != 1)
		return 1;
	if (cc->write_after)
		touch_write(cc->addr, 2);
	if (pagemap_get(fd, cc->addr, &e) ||
	    write(out, &e, sizeof(e)) != sizeof(e))
		return 1;
	return 0;
}

static int cow_child_start(struct child *c, char *addr,
			   bool write_after)
{
	struct cow_child cc = { .addr = addr, .write_after = write_after };

	return child_start(c, cow_child_body, &cc);
}

static int child_entry(struct child *c, struct pm_entry *e)
{
	return read(c->from, e, sizeof(*e)) == sizeof(*e) ? 0 : -EIO;
}

static int child_go(struct child *c)
{
	return write(c->to, "g", 1) == 1 ? 0 : -EIO;
}

FIXTURE(fork) {
	int fd;
	char *p;
	size_t size;
	bool pfns;
};

FIXTURE_SETUP(fork)
{
	self->size = page_size();
	self->fd = pagemap_open(0);
	ASSERT_GE(self->fd, 0);
	self->pfns = pagemap_pfns_visible(self->fd);
	self->p = mmap(NULL, self->size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->p);
}

FIXTURE_TEARDOWN(fork)
{
	munmap(self->p, self->size);
	close(self->fd);
}

/* The entry of @p in the pagemap open at @fd, which must be readable. */
static struct pm_entry own_entry(struct __test_metadata *_metadata, int fd,
				 const char *p)
{
	struct pm_entry e = { 0 };

	EXPECT_EQ(0, pagemap_get(fd, p, &e));
	return e;
}

TEST_F(fork, cow_private_page)
{
	struct pm_entry child_before, child_after, parent_before, parent_after;
	struct child c;

	touch_write(self->p, 1);
	ASSERT_TRUE(own_entry(_metadata, self->fd, self->p).exclusive);

	ASSERT_EQ(0, cow_child_start(&c, self->p, true));
	ASSERT_EQ(0, child_entry(&c, &child_before));
	parent_before = own_entry(_metadata, self->fd, self->p);
	ASSERT_EQ(0, child_go(&c));
	ASSERT_EQ(0, child_entry(&c, &child_after));
	parent_after = own_entry(_metadata, self->fd, self->p);
	ASSERT_EQ(0, child_end(&c));

	/* Shared after fork(): exclusive to neither. */
	ASSERT_TRUE(child_before.present);
	ASSERT_TRUE(parent_before.present);
	ASSERT_FALSE(child_before.exclusive);
	ASSERT_FALSE(parent_before.exclusive);
	/* The child's write gave it a page of its own. */
	ASSERT_TRUE(child_after.present);
	ASSERT_TRUE(child_after.exclusive);
	ASSERT_EQ(1, touch_read(self->p));

	if (!self->pfns)
		SKIP(return, "flags checked; PFNs need CAP_SYS_ADMIN");
	ASSERT_EQ(parent_before.pfn, child_before.pfn);
	ASSERT_NE(parent_before.pfn, child_after.pfn);
	ASSERT_EQ(parent_before.pfn, parent_after.pfn);
}

TEST_F(fork, shared_anon_one_frame)
{
	struct pm_entry child_e, parent_e;
	char *shared;
	struct child c;

	shared = mmap(NULL, self->size, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, shared);
	ASSERT_EQ(0, cow_child_start(&c, shared, true));
	ASSERT_EQ(0, child_go(&c));
	ASSERT_EQ(0, child_entry(&c, &child_e));	/* before its write */
	ASSERT_EQ(0, child_entry(&c, &child_e));	/* after it */
	ASSERT_EQ(0, child_end(&c));
	ASSERT_EQ(2, touch_read(shared));
	ASSERT_EQ(0, pagemap_get(self->fd, shared, &parent_e));
	munmap(shared, self->size);

	ASSERT_TRUE(child_e.present);
	ASSERT_TRUE(parent_e.present);
	ASSERT_TRUE(child_e.file);	/* shared anonymous memory is shmem */
	ASSERT_TRUE(parent_e.file);
	if (!self->pfns)
		SKIP(return, "flags checked; PFNs need CAP_SYS_ADMIN");
	ASSERT_EQ(parent_e.pfn, child_e.pfn);
}

FIXTURE(fork_advice) {
	int fd;
	char *p;
};

FIXTURE_VARIANT(fork_advice) {
	int advice;
};

FIXTURE_VARIANT_ADD(fork_advice, wipeonfork) { .advice = MADV_WIPEONFORK };
FIXTURE_VARIANT_ADD(fork_advice, dontfork) { .advice = MADV_DONTFORK };

FIXTURE_SETUP(fork_advice)
{
	self->fd = pagemap_open(0);
	ASSERT_GE(self->fd, 0);
	self->p = mmap(NULL, page_size(), PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->p);
}

FIXTURE_TEARDOWN(fork_advice)
{
	munmap(self->p, page_size());
	close(self->fd);
}

/*
 * The child has nothing at the address: the pagemap entry is empty (but for
 * soft-dirty, which reports the VMA).
 */
TEST_F(fork_advice, absent_in_child)
{
	struct pm_entry child_e, parent_e;
	struct child c;

	touch_write(self->p, 1);
	ASSERT_EQ(0, madvise(self->p, page_size(), variant->advice));
	ASSERT_EQ(0, cow_child_start(&c, self->p, false));
	ASSERT_EQ(0, child_entry(&c, &child_e));
	ASSERT_EQ(0, child_go(&c));
	ASSERT_EQ(0, child_entry(&c, &child_e));
	ASSERT_EQ(0, child_end(&c));
	ASSERT_EQ(0, pagemap_get(self->fd, self->p, &parent_e));

	ASSERT_EQ(0ULL, child_e.raw & PM_HOLE_MUST_BE_CLEAR);
	ASSERT_TRUE(parent_e.present);
	ASSERT_TRUE(parent_e.exclusive);
}

TEST_HARNESS_MAIN
