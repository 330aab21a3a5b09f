// SPDX-License-Identifier: GPL-2.0
/*
 * The PAGEMAP_SCAN ioctl (Linux 6.7+) reports page categories for ranges
 * of pages. Its PRESENT, PFNZERO and HUGE categories must say what plain
 * pagemap reads (and /proc/kpageflags, where readable) say of the same
 * pages.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "pagemap.h"
#include "vm_env.h"

#define CATEGORIES	(PAGE_IS_PRESENT | PAGE_IS_PFNZERO | PAGE_IS_HUGE)
#define NPAGES		16

/*
 * Scan [p, p + npages pages) and spread the categories of the returned
 * regions over @cat, one word per page. Returns 0 or -errno.
 */
static int scan_categories(int fd, char *p, size_t npages, uint64_t *cat)
{
	const size_t ps = page_size();
	struct page_region *vec = calloc(npages, sizeof(*vec));
	struct pm_scan_arg arg = {
		.size = sizeof(arg),
		.start = (uintptr_t)p,
		.end = (uintptr_t)p + npages * ps,
		.vec = (uintptr_t)vec,
		.vec_len = npages,
		.return_mask = CATEGORIES,
	};
	long n, i;
	uint64_t a;

	if (!vec)
		return -ENOMEM;
	n = ioctl(fd, PAGEMAP_SCAN, &arg);
	if (n < 0) {
		n = -errno;
		free(vec);
		return n;
	}
	memset(cat, 0, npages * sizeof(*cat));
	for (i = 0; i < n; i++)
		for (a = vec[i].start; a < vec[i].end; a += ps)
			cat[(a - (uintptr_t)p) / ps] = vec[i].categories;
	free(vec);
	return arg.walk_end == arg.end ? 0 : -EAGAIN;
}

FIXTURE(scan) {
	int fd;
	bool pfns;
	const char *skip;
};

FIXTURE_SETUP(scan)
{
	uint64_t cat;
	char *probe;
	int ret;

	self->skip = NULL;
	self->fd = pagemap_open(0);
	ASSERT_GE(self->fd, 0);
	self->pfns = pagemap_pfns_visible(self->fd);

	probe = mmap(NULL, page_size(), PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
		     -1, 0);
	ASSERT_NE(MAP_FAILED, probe);
	ret = scan_categories(self->fd, probe, 1, &cat);
	if (ret == -ENOTTY || ret == -EINVAL)
		self->skip = "no PAGEMAP_SCAN ioctl (Linux 6.7+)";
	else
		ASSERT_EQ(0, ret);
	munmap(probe, page_size());
}

FIXTURE_TEARDOWN(scan)
{
	close(self->fd);
}

/*
 * Pages 0-3 written, 4-7 read, the rest untouched: PRESENT must match the
 * pagemap present bit, PFNZERO exactly the pages that were only read (and,
 * where PFNs are visible, the pages on the zero page's frame), or none where
 * the kernel maps private pages on read faults (pagemap_read_fault()).
 */
TEST_F(scan, present_and_pfnzero_agree)
{
	const size_t ps = page_size();
	uint64_t cat[NPAGES], raw[NPAGES];
	enum pm_read_fault kind;
	struct pm_entry read4;
	size_t i;
	char *p;

	if (self->skip)
		SKIP(return, "%s", self->skip);
	p = mmap(NULL, NPAGES * ps, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_TRUE(!madvise(p, NPAGES * ps, MADV_NOHUGEPAGE) || errno == EINVAL);
	for (i = 0; i < 4; i++)
		touch_write(p + i * ps, 1);
	for (i = 4; i < 8; i++)
		touch_read(p + i * ps);

	ASSERT_EQ(0, scan_categories(self->fd, p, NPAGES, cat));
	ASSERT_EQ(NPAGES, pagemap_read(self->fd, (uintptr_t)p, NPAGES, raw));
	read4 = pagemap_decode(raw[4]);
	/*
	 * Pages 4-7 are a zero page (one of several on s390), unless this
	 * kernel maps private ones.
	 */
	kind = pagemap_read_fault(&read4);
	ASSERT_NE(PM_READ_FAULT_CONTRADICTS, kind)
		TH_LOG("entry %#llx", (unsigned long long)read4.raw);

	for (i = 0; i < NPAGES; i++) {
		struct pm_entry e = pagemap_decode(raw[i]);
		bool zero = i >= 4 && i < 8 && kind == PM_READ_FAULT_ZERO_PAGE;

		ASSERT_EQ(e.present, !!(cat[i] & PAGE_IS_PRESENT))
			TH_LOG("page %zu: entry %#llx, categories %#llx", i,
			       (unsigned long long)e.raw,
			       (unsigned long long)cat[i]);
		ASSERT_EQ(zero, !!(cat[i] & PAGE_IS_PFNZERO)) TH_LOG("page %zu", i);
		if (self->pfns && e.present && kind == PM_READ_FAULT_ZERO_PAGE)
			ASSERT_EQ(zero, pagemap_read_fault(&e) == PM_READ_FAULT_ZERO_PAGE)
				TH_LOG("page %zu: PFN %#llx", i, (unsigned long long)e.pfn);
		ASSERT_FALSE(cat[i] & PAGE_IS_HUGE);
	}
	munmap(p, NPAGES * ps);
	if (kind != PM_READ_FAULT_ZERO_PAGE)
		SKIP(return, "PRESENT checked; no zero page for PFNZERO to mark");
	if (!self->pfns)
		SKIP(return, "categories checked; the zero page's PFN needs CAP_SYS_ADMIN");
}

/* HUGE marks exactly the pages of PMD-mapped THPs. */
TEST_F(scan, huge_agrees)
{
	const size_t ps = page_size(), size = 2 * thp_pmd_size();
	const size_t npages = size / ps;
	uint64_t *cat, *raw, flags;
	size_t i, huge = 0;
	const char *why;
	long kb;
	char *p;

	if (self->skip)
		SKIP(return, "%s", self->skip);
	p = thp_region(size, &kb, &why);
	if (!p)
		SKIP(return, "%s", why);

	cat = calloc(npages, sizeof(*cat));
	raw = calloc(npages, sizeof(*raw));
	ASSERT_NE(NULL, cat);
	ASSERT_NE(NULL, raw);
	ASSERT_EQ(0, scan_categories(self->fd, p, npages, cat));
	ASSERT_EQ((ssize_t)npages, pagemap_read(self->fd, (uintptr_t)p, npages, raw));
	for (i = 0; i < npages; i++) {
		struct pm_entry e = pagemap_decode(raw[i]);

		ASSERT_TRUE(e.present);
		huge += !!(cat[i] & PAGE_IS_HUGE);
		if (!self->pfns)
			continue;
		ASSERT_EQ(0, kpageflags_get(e.pfn, &flags)) TH_LOG("page %zu", i);
		ASSERT_EQ(kpf_test(flags, KPF_THP), !!(cat[i] & PAGE_IS_HUGE))
			TH_LOG("page %zu", i);
	}
	ASSERT_EQ((size_t)kb * 1024 / ps, huge);
	free(raw);
	free(cat);
	munmap(p, size);
	if (!self->pfns)
		SKIP(return, "%s; %s", "HUGE checked against AnonHugePages",
		     "against KPF_THP needs CAP_SYS_ADMIN");
}

TEST_HARNESS_MAIN
