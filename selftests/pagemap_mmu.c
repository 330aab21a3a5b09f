// SPDX-License-Identifier: GPL-2.0
/*
 * The third side: for each kind of user page, what the kernel's walk
 * (/sys/kernel/debug/ptwalk/walk) and /proc/self/pagemap say is checked
 * against the MMU itself. Under ptwalk's QEMU guest the host asks QEMU's
 * own page-table walk (the monitor's gva2gpa) for every claimed address
 * and for the first and last byte of each claimed leaf, while this process
 * is the one on the CPU (mmu_witness.h); it records one case per address
 * and answers with the number of addresses the MMU disagreed on, which must
 * be none. Anywhere else every test skips.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "host_state.h"
#include "mmu_witness.h"
#include "vm_env.h"

#define BASE_PAGES	8

FIXTURE(mmu)
{
	struct mmu_witness w;
	const char *skip;
};

FIXTURE_SETUP(mmu)
{
	int ret = mmu_witness_open(&self->w, &self->skip);

	if (ret == -EOPNOTSUPP)
		return;
	self->skip = NULL;
	ASSERT_EQ(0, ret) TH_LOG("the MMU witness: %s", strerror(-ret));
}

FIXTURE_TEARDOWN(mmu)
{
	mmu_witness_close(&self->w);
}

/* Claim @addr from both sides; the test fails if a side cannot be read. */
static void claim(struct __test_metadata *_metadata, struct mmu_witness *w,
		  const void *addr, const char *what)
{
	int ret = mmu_claim_sides(w, addr, what);

	ASSERT_EQ(0, ret) TH_LOG("%p: %s", addr, strerror(-ret));
}

/* The batch, checked by the host: it must have answered, and agreed. */
static void check_batch(struct __test_metadata *_metadata, struct mmu_witness *w)
{
	unsigned int disagreements = 0;
	int ret = mmu_witness_check(w, &disagreements);

	ASSERT_EQ(0, ret) TH_LOG("the host did not check the batch: %s",
				 strerror(-ret));
	ASSERT_EQ(0, disagreements)
		TH_LOG("the MMU disagreed on %u addresses (the host's mmu outcome names them)",
		       disagreements);
}

/*
 * BASE_PAGES pages mapped with @flags, written (and locked) or only read,
 * each claimed at an offset of its own inside the page, and the page after
 * them, unmapped: the walk and pagemap give each page's frame, the MMU must
 * translate to it, and must find nothing where both sides find nothing.
 */
static void check_touched_pages(struct __test_metadata *_metadata,
				struct mmu_witness *w, int flags, bool write,
				const char *what)
{
	const size_t ps = page_size(), len = BASE_PAGES * ps;
	char *p;
	int i;

	p = mmap(NULL, len + ps, PROT_READ | PROT_WRITE, flags, -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, munmap(p + len, ps));
	madvise(p, len, MADV_NOHUGEPAGE);
	for (i = 0; i < BASE_PAGES; i++) {
		if (write)
			touch_write(p + i * ps, i);
		else
			touch_read(p + i * ps);
	}
	if (write)
		mlock(p, len);
	for (i = 0; i < BASE_PAGES; i++)
		claim(_metadata, w, p + i * ps + i * 8, what);
	claim(_metadata, w, p + len, "hole");
	check_batch(_metadata, w);
	munmap(p, len);
}

/* Written private pages. */
TEST_F(mmu, base_pages)
{
	if (self->skip)
		SKIP(return, "%s", self->skip);
	check_touched_pages(_metadata, &self->w, MAP_PRIVATE | MAP_ANONYMOUS, true, "base");
}

/* Pages only read: the zero page, or a page of their own (nothing promises which). */
TEST_F(mmu, read_fault)
{
	if (self->skip)
		SKIP(return, "%s", self->skip);
	check_touched_pages(_metadata, &self->w, MAP_PRIVATE | MAP_ANONYMOUS, false,
			    "read-fault");
}

/* Shared anonymous memory (shmem), written. */
TEST_F(mmu, shared)
{
	if (self->skip)
		SKIP(return, "%s", self->skip);
	check_touched_pages(_metadata, &self->w, MAP_SHARED | MAP_ANONYMOUS, true, "shared");
}

/*
 * A PMD-mapped THP: its first, a middle and its last page. The walk
 * claims a PMD leaf, so the host also checks that the MMU maps the leaf's
 * first and last byte to one run of frames.
 */
TEST_F(mmu, thp)
{
	const size_t pmd = thp_pmd_size(), ps = page_size();
	const char *why;
	long huge_kb;
	char *p;

	if (self->skip)
		SKIP(return, "%s", self->skip);
	p = thp_region(2 * pmd, &huge_kb, &why);
	if (!p)
		SKIP(return, "%s", why);
	claim(_metadata, &self->w, p, "thp");
	claim(_metadata, &self->w, p + pmd / 2 + 3 * ps + 5, "thp");
	claim(_metadata, &self->w, p + pmd - 1, "thp");
	claim(_metadata, &self->w, p + pmd, "thp");
	check_batch(_metadata, &self->w);
	munmap(p, 2 * pmd);
}

/* One hugetlb page of the @nth size: its first and last byte. */
static void check_hugetlb(struct __test_metadata *_metadata,
			  struct mmu_witness *w, unsigned int nth)
{
	unsigned long kb = hugetlb_size_kb(nth);
	size_t size = (size_t)kb << 10;
	struct hugetlb_pool pool;
	int ret;
	char *p;

	if (!kb)
		SKIP(return, "the kernel has fewer hugetlb page sizes");
	ret = hugetlb_reserve(&pool, kb, 1);
	if (ret)
		SKIP(return, "no free %lu kB hugetlb page: %s", kb, strerror(-ret));
	p = mmap_hugetlb(size);
	if (p == MAP_FAILED) {
		hugetlb_restore(&pool);
		ASSERT_NE(MAP_FAILED, p);
	}
	touch_write(p, 1);
	claim(_metadata, w, p, "hugetlb");
	claim(_metadata, w, p + size - 1, "hugetlb");
	check_batch(_metadata, w);
	munmap(p, size);
	hugetlb_restore(&pool);
}

TEST_F(mmu, hugetlb_smallest)
{
	if (self->skip)
		SKIP(return, "%s", self->skip);
	check_hugetlb(_metadata, &self->w, 0);
}

TEST_F(mmu, hugetlb_second)
{
	if (self->skip)
		SKIP(return, "%s", self->skip);
	check_hugetlb(_metadata, &self->w, 1);
}

/* Pages above the smaller address space, where the boot has more levels. */
TEST_F(mmu, high_address)
{
	const size_t ps = page_size();
	struct high_va hv;
	const char *why;
	char *p;
	int i;

	if (self->skip)
		SKIP(return, "%s", self->skip);
	p = mmap_high(BASE_PAGES * ps, &hv, &why);
	if (!p)
		SKIP(return, "%s", why);
	for (i = 0; i < BASE_PAGES; i++)
		touch_write(p + i * ps, i);
	for (i = 0; i < BASE_PAGES; i++)
		claim(_metadata, &self->w, p + i * ps, "high");
	check_batch(_metadata, &self->w);
	munmap(p, BASE_PAGES * ps);
}

/*
 * The child's side of a fork: the inherited page before the child writes
 * it (the parent's frame) and after (a frame of its own), each batch
 * checked while the child is the process on the CPU. The exit status is
 * 0, or 1 for a batch the host did not answer or contradicted.
 */
static int fork_child(struct mmu_witness *w, char *page)
{
	unsigned int disagreements = 0;

	if (mmu_witness_rearm(w))
		return 1;
	if (mmu_claim_sides(w, page, "fork-shared") ||
	    mmu_witness_check(w, &disagreements) || disagreements)
		return 1;
	touch_write(page, 2);
	if (mmu_claim_sides(w, page, "fork-copied") ||
	    mmu_witness_check(w, &disagreements) || disagreements)
		return 1;
	return 0;
}

/* Both sides of a fork, before and after the child writes. */
TEST_F(mmu, fork)
{
	char *page;
	int status;
	pid_t pid;

	if (self->skip)
		SKIP(return, "%s", self->skip);
	page = mmap(NULL, page_size(), PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, page);
	touch_write(page, 1);
	claim(_metadata, &self->w, page, "fork-parent");
	check_batch(_metadata, &self->w);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(fork_child(&self->w, page));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status))
		TH_LOG("the child's batches: not answered, or contradicted");
	claim(_metadata, &self->w, page, "fork-parent");
	check_batch(_metadata, &self->w);
	munmap(page, page_size());
}

#define MMU_PUBLISHER	"/sys/module/ptwalk/parameters/mmu_publisher"
#define MMU_SUITE	"/sys/kernel/debug/kunit/ptwalk_mmu/"
#define MMU_BATCH	"/sys/kernel/debug/ptwalk_mmu/batch"
/* What a batch the host could not check is answered with: a failure. */
#define MMU_UNCHECKED	"1000000\n"

/*
 * Relay the batches of the ptwalk_mmu suite, which process @pid runs, to
 * the host until it ends: each case offers one in MMU_BATCH (a new file
 * each time) and waits for the number of addresses the MMU disagreed on.
 * Returns the number of batches; @status is @pid's wait status.
 */
static int relay_kernel_batches(struct __test_metadata *_metadata,
				struct mmu_witness *w, pid_t pid, int *status)
{
	unsigned int disagreements;
	ino_t answered = 0;
	int batches = 0;
	char text[4097];

	for (;;) {
		pid_t ended = waitpid(pid, status, WNOHANG);
		struct stat st;
		ssize_t len;
		char out[16];
		int fd, ret;

		if (ended < 0)
			*status = -1;	/* not WIFEXITED() */
		if (ended)
			break;

		if (stat(MMU_BATCH, &st) || st.st_ino == answered) {
			usleep(1000);
			continue;
		}
		fd = open(MMU_BATCH, O_RDWR);
		if (fd < 0)
			continue;	/* the case ended in between */
		len = read(fd, text, sizeof(text) - 1);
		text[len > 0 ? len : 0] = '\0';
		ret = mmu_witness_relay(w, text, &disagreements);
		EXPECT_EQ(0, ret) TH_LOG("batch %d: %s", batches + 1, strerror(-ret));
		snprintf(out, sizeof(out), "%u\n", disagreements);
		if (ret)
			snprintf(out, sizeof(out), "%s", MMU_UNCHECKED);
		if (write(fd, out, strlen(out)) < 0)
			TH_LOG("batch %d: the answer: %s", batches + 1, strerror(errno));
		close(fd);
		answered = st.st_ino;
		batches++;
	}
	return batches;
}

/*
 * The suite's failure messages, without its result lines: in this
 * program's output those would read as results of its own.
 */
static void log_failures(struct __test_metadata *_metadata, char *results)
{
	char *line, *save = NULL;

	for (line = strtok_r(results, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		const char *text = line + strspn(line, " ");

		if (strncmp(text, "ok ", 3) && strncmp(text, "not ok ", 7))
			TH_LOG("ptwalk_mmu: %s", text);
	}
}

/*
 * Kernel addresses (kmalloc, vmalloc and its guard page, vmalloc_huge,
 * the kernel image): the KUnit suite ptwalk_mmu, run through its debugfs
 * run file, offers what its walk and the kernel's helpers say of them;
 * this process relays each batch to the host, and the cases assert the
 * MMU's answer. The suite's result must be ok.
 */
TEST_F(mmu, kernel_addresses)
{
	char results[8192];
	int status, batches;
	pid_t pid;

	if (self->skip)
		SKIP(return, "%s", self->skip);
	if (access(MMU_PUBLISHER, W_OK))
		SKIP(return, "no ptwalk_mmu KUnit suite in this kernel (CONFIG_PTWALK_KUNIT_TEST)");
	if (access(MMU_SUITE "run", W_OK))
		SKIP(return, "KUnit cannot run a suite from debugfs here (run files: Linux 6.7+)");
	ASSERT_EQ(0, vm_write_file(MMU_PUBLISHER, "Y"));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(vm_write_file(MMU_SUITE "run", "go") ? 1 : 0);
	batches = relay_kernel_batches(_metadata, &self->w, pid, &status);
	vm_write_file(MMU_PUBLISHER, "N");
	ASSERT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status))
		TH_LOG("writing \"go\" to %srun failed", MMU_SUITE);
	ASSERT_EQ(0, vm_read_file(MMU_SUITE "results", results, sizeof(results)));
	ksft_print_msg("ptwalk_mmu: %d batches of kernel addresses checked\n", batches);
	ASSERT_LT(0, batches) TH_LOG("the suite offered no batch");
	if (strstr(results, "not ok"))
		log_failures(_metadata, results);
	ASSERT_TRUE(!strstr(results, "not ok"));
}

TEST_HARNESS_MAIN
