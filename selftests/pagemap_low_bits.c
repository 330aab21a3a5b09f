// SPDX-License-Identifier: GPL-2.0
/*
 * A page maps a frame of its own size: the low bits of a physical address
 * are the low bits of the virtual address. For a base page that is the
 * definition of a page frame (the page size's bits); the tests here check
 * that pagemap reports a real, present frame for every kind of user memory,
 * and the stronger forms: a PMD-mapped THP and every hugetlb page size the
 * kernel offers sit on physical frames aligned to their own size, with
 * consecutive PFNs for every base page inside.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/mman.h>

#include "kselftest_harness.h"
#include "host_state.h"
#include "pagemap.h"
#include "vm_env.h"

#define MAX_PAGE	65536UL

static char data_buf[3 * MAX_PAGE] = { 1 };
static char bss_buf[3 * MAX_PAGE];

enum region { STACK, HEAP, DATA, BSS, ANON, ANON_HIGH };

FIXTURE(base_page) {
	int fd;
	char *heap;
	char *anon;
	char *anon_high;	/* NULL: no address above the smaller VA space */
	struct high_va high;
	const char *no_high;	/* why */
};

FIXTURE_VARIANT(base_page) {
	enum region region;
};

FIXTURE_VARIANT_ADD(base_page, stack) { .region = STACK };
FIXTURE_VARIANT_ADD(base_page, heap) { .region = HEAP };
FIXTURE_VARIANT_ADD(base_page, static_data) { .region = DATA };
FIXTURE_VARIANT_ADD(base_page, static_bss) { .region = BSS };
FIXTURE_VARIANT_ADD(base_page, anon_mmap) { .region = ANON };
FIXTURE_VARIANT_ADD(base_page, anon_high_va) { .region = ANON_HIGH };

FIXTURE_SETUP(base_page)
{
	self->fd = pagemap_open(0);
	ASSERT_GE(self->fd, 0);
	self->heap = malloc(3 * MAX_PAGE);
	ASSERT_NE(NULL, self->heap);
	self->anon = mmap(NULL, 3 * MAX_PAGE, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->anon);
	self->anon_high = mmap_high(3 * MAX_PAGE, &self->high, &self->no_high);
}

FIXTURE_TEARDOWN(base_page)
{
	if (self->anon_high)
		munmap(self->anon_high, 3 * MAX_PAGE);
	munmap(self->anon, 3 * MAX_PAGE);
	free(self->heap);
	close(self->fd);
}

/*
 * Write at several offsets inside one page of the region: each write must
 * leave the page present, private (not file, exclusive) and, where PFNs are
 * visible, on one frame that /proc/kpageflags knows as a mapped anonymous
 * page. (PA = PFN * page size + VA mod page size is what pagemap means by a
 * PFN, so the low 12 bits agree by definition; the frame is what can be
 * wrong.)
 */
TEST_F(base_page, frame_of_touched_page)
{
	char stack_buf[3 * MAX_PAGE];
	const size_t ps = page_size();
	const size_t offsets[] = { 0, 1, ps / 2 + 3, ps - 1 };
	char *base, *page;
	uint64_t pfn = 0, flags;
	int err;
	unsigned int i;

	switch (variant->region) {
	case STACK:
		base = stack_buf;
		break;
	case HEAP:
		base = self->heap;
		break;
	case DATA:
		base = data_buf;
		break;
	case BSS:
		base = bss_buf;
		break;
	case ANON:
		base = self->anon;
		break;
	default:
		if (!self->anon_high)
			SKIP(return, "%s", self->no_high);
		base = self->anon_high;
		ksft_print_msg("%p: above 2^%u, only with %s\n", base,
			       self->high.bits, self->high.needs);
		break;
	}
	page = (char *)(((uintptr_t)base + ps - 1) & ~(ps - 1));

	for (i = 0; i < ARRAY_SIZE(offsets); i++) {
		char *va = page + offsets[i];
		struct pm_entry e;

		touch_write(va, (char)i);
		ASSERT_EQ(0, pagemap_get(self->fd, va, &e));
		ASSERT_TRUE(e.present);
		ASSERT_FALSE(e.swapped);
		ASSERT_FALSE(e.file);
		ASSERT_TRUE(e.exclusive);
		if (!pagemap_pfns_visible(self->fd))
			SKIP(return, "flags checked; PFNs need CAP_SYS_ADMIN");
		if (i == 0)
			pfn = e.pfn;
		ASSERT_EQ(pfn, e.pfn);
	}

	ASSERT_NE(0ULL, pfn);
	err = kpageflags_get(pfn, &flags);
	ASSERT_EQ(0, err)
		TH_LOG("PFN %#llx from pagemap: %s",
		       (unsigned long long)pfn, kpageflags_strerror(err));
	ASSERT_TRUE(kpf_test(flags, KPF_ANON))
		TH_LOG("kpageflags %#llx", (unsigned long long)flags);
	ASSERT_TRUE(kpf_test(flags, KPF_MMAP));
	ASSERT_FALSE(kpf_test(flags, KPF_NOPAGE));
}

/*
 * Check that the @n base pages from @va sit on consecutive frames and that
 * the first frame is aligned to @n pages: the low log2(@n * page size) bits
 * of PA and VA agree. Returns 0, or the index of the first page that breaks
 * it, plus one.
 */
static size_t first_break(const uint64_t *raw, size_t n)
{
	struct pm_entry head = pagemap_decode(raw[0]);
	size_t i;

	if (!head.present || head.pfn % n)
		return 1;
	for (i = 1; i < n; i++) {
		struct pm_entry e = pagemap_decode(raw[i]);

		if (!e.present || e.pfn != head.pfn + i)
			return i + 1;
	}
	return 0;
}

/*
 * A THP mapped by a PMD: its base pages sit on consecutive frames starting
 * at one aligned to the PMD size, so PA and VA agree in their low bits up to
 * the PMD size's.
 */
TEST(thp_pmd_low_bits)
{
	const size_t ps = page_size(), n = thp_pmd_size() / ps;
	int fd = pagemap_open(0);
	size_t chunk, huge = 0;
	uint64_t *raw, flags;
	int err;
	const char *why;
	long kb;
	char *p;

	ASSERT_GE(fd, 0);
	if (!pagemap_pfns_visible(fd))
		SKIP(return, "PFNs need CAP_SYS_ADMIN");
	p = thp_region(2 * thp_pmd_size(), &kb, &why);
	if (!p)
		SKIP(return, "%s", why);

	raw = calloc(2 * n, sizeof(*raw));
	ASSERT_NE(NULL, raw);
	ASSERT_EQ((ssize_t)(2 * n), pagemap_read(fd, (uintptr_t)p, 2 * n, raw));
	for (chunk = 0; chunk < 2; chunk++) {
		struct pm_entry head = pagemap_decode(raw[chunk * n]);

		err = kpageflags_get(head.pfn, &flags);
		ASSERT_EQ(0, err)
			TH_LOG("PFN %#llx from pagemap: %s",
			       (unsigned long long)head.pfn, kpageflags_strerror(err));
		if (!kpf_test(flags, KPF_THP))
			continue;
		huge++;
		ASSERT_EQ((size_t)0, first_break(raw + chunk * n, n))
			TH_LOG("chunk %zu: head PFN %#llx", chunk,
			       (unsigned long long)head.pfn);
	}
	/* PMD-mapped THPs, and perhaps some the kernel already split. */
	ASSERT_GE(huge, (size_t)kb / (thp_pmd_size() >> 10));
	free(raw);
	munmap(p, 2 * thp_pmd_size());
	close(fd);
}

/*
 * THP off globally but on for the PMD size (6.8+ per-size modes): PMD THPs
 * still appear, and the helpers must see them, not skip ("THP is never").
 */
TEST(thp_pmd_size_on_global_off)
{
	struct host_setting global, pmd;
	const char *why = NULL;
	bool only_pmd;
	char *p = NULL;
	char file[64];
	long kb = 0;
	int ret;

	if (!thp_pmd_size())
		SKIP(return, "no THP");
	/* Two PMDs: 1 GiB with 64 KiB pages, where a guest may not have it. */
	why = too_big_for_memory(2 * thp_pmd_size());
	if (why)
		SKIP(return, "%s", why);
	snprintf(file, sizeof(file), "hugepages-%zukB/enabled", thp_pmd_size() >> 10);
	ret = thp_setting_set(&pmd, file, "always");
	if (ret == -ENOENT)
		SKIP(return, "no per-size THP modes (6.8+)");
	if (ret)
		SKIP(return, "cannot set %s: %s", file, strerror(-ret));
	ret = thp_setting_set(&global, "enabled", "never");
	if (ret) {
		host_setting_restore(&pmd);
		SKIP(return, "cannot set THP enabled: %s", strerror(-ret));
	}
	only_pmd = thp_only_pmd_size();
	if (only_pmd)
		p = thp_region(2 * thp_pmd_size(), &kb, &why);
	host_setting_restore(&global);
	host_setting_restore(&pmd);
	if (!only_pmd)
		SKIP(return, "THP sizes other than the PMD size (mTHP) are enabled");
	ASSERT_NE(NULL, p) TH_LOG("%s", why);
	ASSERT_GT(kb, 0);
	munmap(p, 2 * thp_pmd_size());
}

FIXTURE(hugetlb) {
	int fd;
	unsigned long size_kb;
	struct hugetlb_pool pool;
	char *p;
	const char *skip;
};

/* The hugetlb sizes of /sys/kernel/mm/hugepages, smallest first. */
FIXTURE_VARIANT(hugetlb) {
	unsigned int nth;
};

FIXTURE_VARIANT_ADD(hugetlb, smallest) { .nth = 0 };
FIXTURE_VARIANT_ADD(hugetlb, second) { .nth = 1 };
FIXTURE_VARIANT_ADD(hugetlb, third) { .nth = 2 };
FIXTURE_VARIANT_ADD(hugetlb, fourth) { .nth = 3 };

/*
 * Skips are decided here and taken in the test body, which works with the
 * harness of every kernel version.
 */
FIXTURE_SETUP(hugetlb)
{
	int ret;

	self->p = MAP_FAILED;
	self->skip = NULL;
	self->fd = pagemap_open(0);
	ASSERT_GE(self->fd, 0);
	self->size_kb = hugetlb_size_kb(variant->nth);
	if (!self->size_kb) {
		self->skip = "the kernel has fewer hugetlb page sizes";
		return;
	}
	if (!pagemap_pfns_visible(self->fd)) {
		self->skip = "PFNs need CAP_SYS_ADMIN";
		return;
	}

	ret = hugetlb_reserve(&self->pool, self->size_kb, 1);
	if (ret == -ENOENT)
		self->skip = "the kernel has no hugetlb pages of this size";
	else if (ret == -EPERM || ret == -EACCES)
		self->skip = "no free hugetlb page and no permission to reserve one";
	else if (ret == -ENOMEM)
		self->skip = "the kernel could not reserve a hugetlb page (memory fragmented)";
	else if (ret)
		self->skip = "cannot write down the pool's size in " HOST_STATE_DIR
			     " before raising it";
	if (ret)
		return;

	self->p = mmap(NULL, self->size_kb << 10, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB |
		       (__builtin_ctzl(self->size_kb << 10) << MAP_HUGE_SHIFT),
		       -1, 0);
	if (self->p == MAP_FAILED)
		self->skip = "mmap(MAP_HUGETLB) failed although a page is free";
}

FIXTURE_TEARDOWN(hugetlb)
{
	if (self->p != MAP_FAILED)
		munmap(self->p, self->size_kb << 10);
	hugetlb_restore(&self->pool);
	close(self->fd);
}

/* All base pages of the huge page on consecutive, size-aligned frames. */
TEST_F(hugetlb, low_bits)
{
	const size_t n = (self->size_kb << 10) / page_size();
	uint64_t *raw;
	size_t bad;

	if (self->skip)
		SKIP(return, "%s", self->skip);

	self->p[0] = 1;
	raw = calloc(n, sizeof(*raw));
	ASSERT_NE(NULL, raw);
	ASSERT_EQ((ssize_t)n, pagemap_read(self->fd, (uintptr_t)self->p, n, raw));
	bad = first_break(raw, n);
	EXPECT_EQ((size_t)0, bad)
		TH_LOG("page %zu of %zu: entry %#llx", bad - 1, n,
		       (unsigned long long)raw[bad ? bad - 1 : 0]);
	free(raw);
}

TEST_HARNESS_MAIN
