// SPDX-License-Identifier: GPL-2.0
/*
 * Physical contiguity in two modes, reported, with only guaranteed assertions:
 * many small calloc()s ("4 KiB mode") against one large region touched page
 * by page ("1 GiB mode"), plus a THP region.
 *
 * Asserted, because the kernel guarantees it: one mmap() is one virtually
 * contiguous mapping; every touched page is present on a frame no other
 * page of ours uses; a PMD-mapped THP is one run of consecutive frames,
 * as many as a PMD maps base pages, from a frame aligned to that count.
 * Measured and printed, never asserted, because nothing promises it: how
 * many physically contiguous runs the pages form.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "pagemap.h"
#include "vm_env.h"

#define NR_CALLOCS	4096
#define REGION_SIZE	(1024UL * 1024 * 1024)
#define THP_PMDS	8	/* PMD-sized chunks in the THP region */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Print how @n PFNs, in virtual-address order, fall into runs of
 * physically consecutive frames: the count, the longest, and a histogram
 * of run lengths by powers of two.
 */
static void report_runs(const char *what, const uint64_t *pfn, size_t n)
{
	size_t hist[24] = { 0 }, runs = 0, longest = 0, len = 0, i;
	char line[512];
	int pos = 0;

	for (i = 0; i < n; i++) {
		len = (i && pfn[i] == pfn[i - 1] + 1) ? len + 1 : 1;
		if (i + 1 == n || pfn[i + 1] != pfn[i] + 1) {
			runs++;
			hist[63 - __builtin_clzll(len)]++;
			if (len > longest)
				longest = len;
		}
	}
	ksft_print_msg("%s: %zu pages, %zu physical runs, longest %zu pages\n",
		       what, n, runs, longest);
	for (i = 0; i < 24; i++)
		if (hist[i])
			pos += snprintf(line + pos, sizeof(line) - pos, " %lu-%lu:%zu",
					1UL << i, (2UL << i) - 1, hist[i]);
	if (pos)
		ksft_print_msg("%s: run lengths (pages:runs)%s\n", what, line);
}

/* Index of a PFN that two of the @n pages share, or -1. Sorts a copy. */
static ssize_t find_duplicate(const uint64_t *pfn, size_t n, uint64_t *dup)
{
	uint64_t *s = malloc(n * sizeof(*s));
	ssize_t ret = -1;
	size_t i;

	if (!s)
		return -2;
	memcpy(s, pfn, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_u64);
	for (i = 1; i < n && ret < 0; i++)
		if (s[i] == s[i - 1]) {
			*dup = s[i];
			ret = i;
		}
	free(s);
	return ret;
}

/* The /proc/self/maps line holding @addr must hold all of [addr, addr+len). */
static bool one_mapping(const void *addr, size_t len)
{
	unsigned long a = (uintptr_t)addr, start, end;
	char line[512];
	bool ok = false;
	FILE *f = fopen("/proc/self/maps", "re");

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx", &start, &end) == 2 &&
		    a >= start && a < end) {
			ok = a + len <= end;
			break;
		}
	fclose(f);
	return ok;
}

FIXTURE(contig) {
	int fd;
	bool pfns;
};

FIXTURE_SETUP(contig)
{
	self->fd = pagemap_open(0);
	ASSERT_GE(self->fd, 0);
	self->pfns = pagemap_pfns_visible(self->fd);
}

FIXTURE_TEARDOWN(contig)
{
	close(self->fd);
}

/*
 * Read the entries of [start, start + len) and collect the PFNs of the
 * present pages in virtual-address order. Returns how many, or -errno.
 */
static ssize_t present_pfns(int fd, uintptr_t start, size_t len, uint64_t *pfn)
{
	size_t npages = len / page_size(), i, n = 0;
	uint64_t *raw = malloc(npages * sizeof(*raw));
	ssize_t got;

	if (!raw)
		return -ENOMEM;
	got = pagemap_read(fd, start, npages, raw);
	for (i = 0; got > 0 && i < (size_t)got; i++) {
		struct pm_entry e = pagemap_decode(raw[i]);

		if (e.present)
			pfn[n++] = e.pfn;
	}
	free(raw);
	return got < 0 ? got : (ssize_t)n;
}

/* 4 KiB mode: thousands of page-sized calloc()s, each written. */
TEST_F(contig, small_callocs)
{
	const size_t ps = page_size();
	uintptr_t lo = UINTPTR_MAX, hi = 0;
	char *blocks[NR_CALLOCS];
	uint64_t *pfn, dup;
	double t0, touch;
	ssize_t n;
	size_t i;

	t0 = now();
	for (i = 0; i < NR_CALLOCS; i++) {
		blocks[i] = calloc(1, ps);
		ASSERT_NE(NULL, blocks[i]);
		blocks[i][0] = 1;
		blocks[i][ps - 1] = 1;
		if ((uintptr_t)blocks[i] < lo)
			lo = (uintptr_t)blocks[i];
		if ((uintptr_t)blocks[i] + ps > hi)
			hi = (uintptr_t)blocks[i] + ps;
	}
	touch = now() - t0;
	lo &= ~(ps - 1);
	hi = (hi + ps - 1) & ~(ps - 1);

	pfn = malloc((hi - lo) / ps * sizeof(*pfn));
	ASSERT_NE(NULL, pfn);
	n = present_pfns(self->fd, lo, hi - lo, pfn);
	ASSERT_GE(n, NR_CALLOCS);
	ksft_print_msg("4k mode: %d callocs over %zu KiB of VA, %zd pages present\n",
		       NR_CALLOCS, (size_t)(hi - lo) >> 10, n);
	ksft_print_msg("4k mode: %.1f ms to allocate and touch\n", touch * 1e3);

	if (self->pfns) {
		report_runs("4k mode", pfn, n);
		ASSERT_EQ(-1, find_duplicate(pfn, n, &dup))
			TH_LOG("PFN %#llx mapped twice", (unsigned long long)dup);
	}
	free(pfn);
	for (i = 0; i < NR_CALLOCS; i++)
		free(blocks[i]);
	if (!self->pfns)
		SKIP(return, "presence checked; PFNs need CAP_SYS_ADMIN");
}

/* 1 GiB mode: one region, base pages, touched page by page. */
TEST_F_TIMEOUT(contig, one_region, TOUCH_1G_TIMEOUT)
{
	const size_t ps = page_size(), npages = REGION_SIZE / ps;
	const char *why = too_big_for_memory(REGION_SIZE);
	uint64_t *pfn, dup;
	double t0, touch;
	size_t i;
	ssize_t n;
	char *p;

	if (why)
		SKIP(return, "%s", why);
	p = mmap_anon(REGION_SIZE, &why);
	if (why)
		SKIP(return, "%s", why);
	ASSERT_NE(NULL, p) TH_LOG("mmap: %s", strerror(errno));
	ASSERT_TRUE(!madvise(p, REGION_SIZE, MADV_NOHUGEPAGE) || errno == EINVAL);
	ASSERT_TRUE(one_mapping(p, REGION_SIZE));

	pfn = malloc(npages * sizeof(*pfn));
	ASSERT_NE(NULL, pfn);
	ASSERT_EQ(0, present_pfns(self->fd, (uintptr_t)p, REGION_SIZE, pfn));

	t0 = now();
	for (i = 0; i < npages; i++)
		p[i * ps] = 1;
	touch = now() - t0;

	n = present_pfns(self->fd, (uintptr_t)p, REGION_SIZE, pfn);
	ASSERT_EQ((ssize_t)npages, n);
	ASSERT_TRUE(one_mapping(p, REGION_SIZE));
	ksft_print_msg("1g mode: %zu pages absent before the touch, present after\n",
		       npages);
	ksft_print_msg("1g mode: %.1f ms to touch\n", touch * 1e3);
	if (self->pfns) {
		report_runs("1g mode", pfn, n);
		ASSERT_EQ(-1, find_duplicate(pfn, n, &dup))
			TH_LOG("PFN %#llx mapped twice", (unsigned long long)dup);
	}
	free(pfn);
	munmap(p, REGION_SIZE);
	if (!self->pfns)
		SKIP(return, "presence checked; PFNs need CAP_SYS_ADMIN");
}

/* A THP region: every THP is one aligned run of a PMD's frames. */
TEST_F(contig, thp_region)
{
	const size_t ps = page_size(), size = THP_PMDS * thp_pmd_size();
	const size_t npages = size / ps, pmd_pages = thp_pmd_size() / ps;
	size_t i, thps = 0;
	uint64_t *pfn, flags;
	const char *why;
	long kb;
	char *p;

	if (!self->pfns)
		SKIP(return, "PFNs need CAP_SYS_ADMIN");
	p = thp_region(size, &kb, &why);
	if (!p)
		SKIP(return, "%s", why);

	pfn = malloc(npages * sizeof(*pfn));
	ASSERT_NE(NULL, pfn);
	ASSERT_EQ((ssize_t)npages,
		  present_pfns(self->fd, (uintptr_t)p, size, pfn));
	for (i = 0; i < npages; i += pmd_pages) {
		ASSERT_EQ(0, kpageflags_get(pfn[i], &flags));
		if (!kpf_test(flags, KPF_THP))
			continue;
		thps++;
		ASSERT_EQ(0ULL, (unsigned long long)(pfn[i] % pmd_pages));
		ASSERT_EQ(pmd_pages, pfn_run(pfn + i, pmd_pages));
	}
	ksft_print_msg("thp: %zu of %d %zu kB chunks are THPs (AnonHugePages %ld kB)\n",
		       thps, THP_PMDS, thp_pmd_size() >> 10, kb);
	report_runs("thp", pfn, npages);
	/* PMD-mapped THPs, and perhaps some the kernel already split. */
	ASSERT_GE(thps, (size_t)kb / (thp_pmd_size() >> 10));
	free(pfn);
	munmap(p, size);
}

TEST_HARNESS_MAIN
