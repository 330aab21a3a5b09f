// SPDX-License-Identifier: GPL-2.0
/*
 * The pagemap read ABI's contract (Documentation/admin-guide/mm/pagemap.rst
 * and fs/proc/task_mmu.c): reads are of whole 8-byte entries at 8-byte
 * offsets, a read of nothing returns nothing, the file ends at the top of
 * the user address space, the offsets of tagged addresses read the entries
 * of their untagged ones (pagemap_read() untags like a syscall), and PFNs
 * are shown only to a reader that had CAP_SYS_ADMIN when it opened the file.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "pagemap.h"
#include "vm_env.h"

#define ENTRY	sizeof(uint64_t)

FIXTURE(abi) {
	int fd;
	uint64_t buf[4];
	off_t here;		/* the offset of a present page's entry */
	char page;		/* a byte of a present page */
};

FIXTURE_SETUP(abi)
{
	self->fd = pagemap_open(0);
	ASSERT_GE(self->fd, 0);
	touch_write(&self->page, 1);
	self->here = (off_t)((uintptr_t)&self->page / page_size() * ENTRY);
}

FIXTURE_TEARDOWN(abi)
{
	close(self->fd);
}

TEST_F(abi, unaligned_offset_is_einval)
{
	errno = 0;
	ASSERT_EQ(-1, pread(self->fd, self->buf, ENTRY, self->here + 1));
	ASSERT_EQ(EINVAL, errno);
}

TEST_F(abi, unaligned_count_is_einval)
{
	errno = 0;
	ASSERT_EQ(-1, pread(self->fd, self->buf, ENTRY + 3, self->here));
	ASSERT_EQ(EINVAL, errno);
}

TEST_F(abi, zero_count_reads_nothing)
{
	ASSERT_EQ(0, pread(self->fd, self->buf, 0, self->here));
}

TEST_F(abi, aligned_read_is_whole)
{
	ASSERT_EQ((ssize_t)sizeof(self->buf),
		  pread(self->fd, self->buf, sizeof(self->buf), self->here));
	ASSERT_TRUE(pagemap_decode(self->buf[0]).present);
}

/*
 * The end must be the top of the user address space (TASK_SIZE): mmap()
 * can place a page just below it (unless something is there already) and
 * none at it. On x86-64 that is 2^47 - one page, on i386 the 3 GiB split,
 * on s390 the last page below 2^64.
 */
TEST_F(abi, ends_at_task_size)
{
	const size_t ps = page_size();
	uint64_t end = pagemap_end_page(self->fd) * ps;
	void *below, *at;

	TH_LOG("pagemap ends at %#llx", (unsigned long long)end);
	ASSERT_GE(end, 1ULL << 30);
	below = mmap((void *)(uintptr_t)(end - ps), ps, PROT_READ,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	ASSERT_TRUE(below != MAP_FAILED || errno == EEXIST)
		TH_LOG("no page can be mapped below the end: %s", strerror(errno));
	if (below != MAP_FAILED)
		munmap(below, ps);
	at = mmap((void *)(uintptr_t)end, ps, PROT_READ,
		  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	ASSERT_EQ(MAP_FAILED, at)
		TH_LOG("a page was mapped at the end, %p", at);
	ASSERT_EQ(ENOMEM, errno);
}

/*
 * Where user pointers carry a tag, the entry at a tagged address's offset
 * is the untagged address's: the same present page, the same frame.
 */
TEST_F(abi, tagged_offset_reads_untagged_entry)
{
	uint64_t tag_bit, plain, tagged;

	if (user_tag_shift() >= 64)
		SKIP(return, "user pointers carry no tag bits on this architecture");
	tag_bit = (1ULL << user_tag_shift()) / page_size() * ENTRY;
	ASSERT_EQ((ssize_t)ENTRY, pread(self->fd, &plain, ENTRY, self->here));
	ASSERT_EQ((ssize_t)ENTRY, pread(self->fd, &tagged, ENTRY, self->here + tag_bit))
		TH_LOG("the entry of %p with tag bit %u set cannot be read",
		       &self->page, user_tag_shift());
	ASSERT_TRUE(pagemap_decode(plain).present);
	ASSERT_EQ(plain, tagged);
}

TEST_F(abi, reads_at_or_past_end_return_nothing)
{
	uint64_t end = pagemap_end_page(self->fd);

	ASSERT_EQ(0, pread(self->fd, self->buf, ENTRY, (off_t)(end * ENTRY)));
	ASSERT_EQ(0, pread(self->fd, self->buf, sizeof(self->buf),
			   (off_t)((end + 1000) * ENTRY)));
	/*
	 * pagemap_read() keeps the offset in an unsigned long (src = *ppos):
	 * on a 32-bit kernel 2^62 becomes 0 and reads the entry of address 0.
	 */
	ASSERT_EQ(0, pread(self->fd, self->buf, ENTRY, (off_t)1 << 62))
		TH_LOG("pagemap_read() truncated offset 2^62 to %lu bits", 8 * sizeof(long));
}

TEST_F(abi, read_across_end_is_short)
{
	uint64_t end = pagemap_end_page(self->fd);

	ASSERT_EQ((ssize_t)(2 * ENTRY),
		  pread(self->fd, self->buf, 4 * ENTRY,
			(off_t)((end - 2) * ENTRY)));
}

/*
 * Run in a child that drops CAP_SYS_ADMIN: an fd opened before the drop
 * still shows PFNs, one opened after shows PFN 0 with the flags intact.
 * Exits 0 if so, else the number of the check that failed.
 */
static void unprivileged_child(int opened_early, char *page)
{
	struct pm_entry before = { 0 }, after = { 0 };
	int fd;

	touch_write(page, 1);
	if (drop_cap_sys_admin() || have_cap_sys_admin())
		_exit(10);
	if (pagemap_get(opened_early, page, &before))
		_exit(11);
	fd = pagemap_open(0);
	if (fd < 0 || pagemap_get(fd, page, &after))
		_exit(12);
	if (!before.present || !before.pfn)
		_exit(13);	/* the capability was checked at read time */
	if (!after.present || !after.exclusive || after.pfn)
		_exit(14);	/* PFN shown, or flags lost, without it */
	_exit(0);
}

TEST_F(abi, pfn_needs_cap_sys_admin_at_open)
{
	char *page;
	int status, opened_early;
	pid_t pid;

	if (!have_cap_sys_admin() || !pagemap_pfns_visible(self->fd))
		SKIP(return, "needs CAP_SYS_ADMIN to have something to drop");
	page = mmap(NULL, page_size(), PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, page);

	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		/* The child's own pagemap, opened while still privileged. */
		opened_early = pagemap_open(0);
		if (opened_early < 0)
			_exit(9);
		unprivileged_child(opened_early, page);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	munmap(page, page_size());
}

TEST_HARNESS_MAIN
