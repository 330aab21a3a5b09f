// SPDX-License-Identifier: GPL-2.0
/*
 * Demand paging as pagemap shows it: private anonymous memory has no page
 * until it is touched; a read fault maps the shared zero page, a write fault
 * a page of its own; MADV_DONTNEED takes pages away again; MAP_POPULATE,
 * MADV_POPULATE_WRITE and mlock() fault pages in without a touch.
 *
 * Each test runs on a small region and on a 1 GiB one. THP is turned off
 * for the regions (MADV_NOHUGEPAGE) so that one touch maps exactly one base
 * page.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "pagemap.h"
#include "vm_env.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE	23
#endif

/* Pages the touch tests fault in: all of a small region, a sample of 1 GiB. */
#define MAX_TOUCHED	4096UL

/* The region a demand test faults in, and its pagemap entries. */
struct region {
	int fd;			/* /proc/self/pagemap */
	char *p;
	size_t size;
	size_t npages;
	size_t stride;		/* touch every stride-th page */
	uint64_t *raw;		/* the entries read last */
};

FIXTURE(demand) {
	const char *skip;	/* set up, but the variant cannot run here */
	struct region r;
	bool pfns;
};

FIXTURE_VARIANT(demand) {
	size_t pages;		/* of the page size */
	size_t size;		/* or bytes */
	bool high;		/* above the smaller VA space's top */
};

FIXTURE_VARIANT_ADD(demand, small) { .pages = 64 };
FIXTURE_VARIANT_ADD(demand, one_gib) { .size = 1UL << 30 };
FIXTURE_VARIANT_ADD(demand, high_va) { .pages = 64, .high = true };

FIXTURE_SETUP(demand)
{
	struct high_va high;

	self->r.fd = pagemap_open(0);
	ASSERT_GE(self->r.fd, 0);
	self->pfns = pagemap_pfns_visible(self->r.fd);
	self->r.size = variant->size ? variant->size : variant->pages * page_size();
	self->r.npages = self->r.size / page_size();
	self->r.stride = self->r.npages > MAX_TOUCHED ? self->r.npages / MAX_TOUCHED : 1;
	self->skip = NULL;
	if (variant->high)
		self->r.p = mmap_high(self->r.size, &high, &self->skip);
	else
		self->r.p = mmap_anon(self->r.size, &self->skip);
	if (self->skip)
		return;
	ASSERT_NE(NULL, self->r.p) TH_LOG("mmap: %s", strerror(errno));
	/* EINVAL without THP support: then there is nothing to turn off. */
	ASSERT_TRUE(!madvise(self->r.p, self->r.size, MADV_NOHUGEPAGE) ||
		    errno == EINVAL);
	self->r.raw = calloc(self->r.npages, sizeof(*self->r.raw));
	ASSERT_NE(NULL, self->r.raw);
}

FIXTURE_TEARDOWN(demand)
{
	free(self->r.raw);
	if (self->r.p)
		munmap(self->r.p, self->r.size);
	close(self->r.fd);
}

/* Read the region's entries; count the present ones. */
static size_t read_present(struct __test_metadata *_metadata,
			   struct region *r)
{
	size_t i, present = 0;

	ASSERT_EQ((ssize_t)r->npages,
		  pagemap_read(r->fd, (uintptr_t)r->p, r->npages, r->raw));
	for (i = 0; i < r->npages; i++)
		present += pagemap_decode(r->raw[i]).present;
	return present;
}

/* Fault in every stride-th page of the region by a read or a write. */
static void touch(const struct region *r, bool write)
{
	size_t i, ps = page_size();

	for (i = 0; i < r->npages; i += r->stride) {
		char *c = r->p + i * ps;

		if (write)
			touch_write(c, 1);
		else
			touch_read(c);
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

TEST_F(demand, absent_before_touch)
{
	size_t i;

	if (self->skip)
		SKIP(return, "%s", self->skip);
	ASSERT_EQ((size_t)0, read_present(_metadata, &self->r));
	for (i = 0; i < self->r.npages; i++) {
		ASSERT_EQ(0ULL, self->r.raw[i] & PM_HOLE_MUST_BE_CLEAR)
			TH_LOG("page %zu: entry %#llx", i,
			       (unsigned long long)self->r.raw[i]);
	}
}

/*
 * A read fault maps a zero page, not exclusive: the one zero page, or one
 * of several chosen by the address's low bits where the kernel colours
 * them (s390, MIPS). With PFNs visible each page's frame must be one the
 * kernel flags KPF_ZERO_PAGE. Skipped where the kernel maps private pages
 * instead (pagemap_read_fault()).
 */
TEST_F(demand, read_fault_maps_zero_page)
{
	uint64_t flags;
	enum pm_read_fault kind;
	struct pm_entry first;
	size_t i;

	if (self->skip)
		SKIP(return, "%s", self->skip);
	touch(&self->r, false);
	ASSERT_EQ(self->r.npages / self->r.stride, read_present(_metadata, &self->r));
	first = pagemap_decode(self->r.raw[0]);
	kind = pagemap_read_fault(&first);
	ASSERT_NE(PM_READ_FAULT_CONTRADICTS, kind)
		TH_LOG("entry %#llx: kpageflags says zero page, pagemap says exclusive",
		       (unsigned long long)first.raw);
	if (kind == PM_READ_FAULT_PRIVATE)
		SKIP(return, "%s (entry %#llx)",
		     "this kernel maps a private page on a read fault, not the zero page",
		     (unsigned long long)first.raw);
	for (i = 0; i < self->r.npages; i += self->r.stride) {
		struct pm_entry e = pagemap_decode(self->r.raw[i]);

		ASSERT_TRUE(e.present);
		ASSERT_FALSE(e.exclusive);
		ASSERT_EQ(PM_READ_FAULT_ZERO_PAGE, pagemap_read_fault(&e))
			TH_LOG("page %zu: entry %#llx is no zero page", i,
			       (unsigned long long)e.raw);
	}
	/* pagemap_read_fault() asked kpageflags about each frame, if it could. */
	if (!self->pfns)
		SKIP(return, "flags checked; PFNs need CAP_SYS_ADMIN");
	ASSERT_NE(0ULL, (unsigned long long)first.pfn);
	if (kpageflags_get(first.pfn, &flags))
		SKIP(return, "/proc/kpageflags not readable: frames not checked");
}

/* A write fault gives every page a frame of its own. */
TEST_F(demand, write_fault_maps_own_pages)
{
	size_t i, n = 0;
	uint64_t *pfns;

	if (self->skip)
		SKIP(return, "%s", self->skip);
	touch(&self->r, true);
	ASSERT_EQ(self->r.npages / self->r.stride, read_present(_metadata, &self->r));
	pfns = calloc(self->r.npages / self->r.stride + 1, sizeof(*pfns));
	ASSERT_NE(NULL, pfns);
	for (i = 0; i < self->r.npages; i += self->r.stride) {
		struct pm_entry e = pagemap_decode(self->r.raw[i]);

		ASSERT_TRUE(e.present);
		ASSERT_TRUE(e.exclusive);
		ASSERT_FALSE(e.file);
		pfns[n++] = e.pfn;
	}
	if (!self->pfns) {
		free(pfns);
		SKIP(return, "flags checked; PFNs need CAP_SYS_ADMIN");
	}
	qsort(pfns, n, sizeof(*pfns), cmp_u64);
	for (i = 1; i < n; i++) {
		ASSERT_NE(pfns[i - 1], pfns[i])
			TH_LOG("PFN %#llx twice", (unsigned long long)pfns[i]);
	}
	ASSERT_NE(0ULL, (unsigned long long)pfns[0]);
	free(pfns);
}

/* Touching page k faults in page k, not its neighbours. */
TEST_F(demand, touch_maps_only_that_page)
{
	size_t k = self->r.npages / 2;

	if (self->skip)
		SKIP(return, "%s", self->skip);
	self->r.p[k * page_size()] = 1;
	ASSERT_EQ((size_t)1, read_present(_metadata, &self->r));
	ASSERT_TRUE(pagemap_decode(self->r.raw[k]).present);
	ASSERT_FALSE(pagemap_decode(self->r.raw[k - 1]).present);
	ASSERT_FALSE(pagemap_decode(self->r.raw[k + 1]).present);
}

TEST_F(demand, dontneed_unmaps)
{
	if (self->skip)
		SKIP(return, "%s", self->skip);
	touch(&self->r, true);
	ASSERT_NE((size_t)0, read_present(_metadata, &self->r));
	ASSERT_EQ(0, madvise(self->r.p, self->r.size, MADV_DONTNEED));
	ASSERT_EQ((size_t)0, read_present(_metadata, &self->r));
}

/* Present without a touch: the kernel faulted the pages in itself. */
TEST_F(demand, populate_write_without_touch)
{
	size_t len = self->r.npages > MAX_TOUCHED ? MAX_TOUCHED * page_size()
						 : self->r.size;

	if (self->skip)
		SKIP(return, "%s", self->skip);
	if (madvise(self->r.p, len, MADV_POPULATE_WRITE))
		SKIP(return, "MADV_POPULATE_WRITE: %s (Linux 5.14+)",
		     strerror(errno));
	ASSERT_EQ(len / page_size(), read_present(_metadata, &self->r));
	ASSERT_TRUE(pagemap_decode(self->r.raw[0]).exclusive);
}

TEST_F(demand, mlock_without_touch)
{
	size_t len = self->r.npages > MAX_TOUCHED ? MAX_TOUCHED * page_size()
						 : self->r.size;

	if (self->skip)
		SKIP(return, "%s", self->skip);
	if (mlock(self->r.p, len))
		SKIP(return, "mlock: %s (RLIMIT_MEMLOCK too small?)",
		     strerror(errno));
	ASSERT_EQ(len / page_size(), read_present(_metadata, &self->r));
	munlock(self->r.p, len);
}

TEST_F(demand, map_populate_without_touch)
{
	size_t len = self->r.npages > MAX_TOUCHED ? MAX_TOUCHED * page_size()
						 : self->r.size;

	if (self->skip)
		SKIP(return, "%s", self->skip);
	/* Replace the region's start with a populated mapping. */
	ASSERT_NE(MAP_FAILED, mmap(self->r.p, len, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED |
				   MAP_POPULATE, -1, 0));
	ASSERT_EQ(len / page_size(), read_present(_metadata, &self->r));
	if (len < self->r.size)
		ASSERT_FALSE(pagemap_decode(self->r.raw[len / page_size()]).present);
}

/* What is wrong with page @i of the clear_refs test's soft-dirty bit. */
static const char *soft_dirty_wrong(bool built_in, size_t i)
{
	if (!built_in)
		return "is soft-dirty, but soft-dirty is not built in (no \"sd\" in VmFlags)";
	if (i == 1)
		return "written after clear_refs 4 is not soft-dirty";
	return "still soft-dirty after clear_refs 4: clear_soft_dirty() did not clear it";
}

/*
 * Soft-dirty tracks writes: after "4" is written to /proc/self/clear_refs
 * no page is soft-dirty, and a write makes exactly that page soft-dirty
 * again. Whether soft-dirty is built in is the kernel's word (smaps'
 * VmFlags "sd"), never the bit under test: without CONFIG_MEM_SOFT_DIRTY
 * the bit must stay clear, and the test skips after checking that.
 */
TEST(soft_dirty_tracks_writes)
{
	const size_t ps = page_size();
	bool built_in = soft_dirty_built_in();
	int fd = pagemap_open(0), refs;
	uint64_t raw[4];
	size_t i;
	char *p;

	ASSERT_GE(fd, 0);
	p = mmap(NULL, 4 * ps, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	memset(p, 1, 4 * ps);

	refs = open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC);
	if (refs < 0)
		SKIP(return, "/proc/self/clear_refs: %s", strerror(errno));
	ASSERT_EQ(1, write(refs, "4", 1));
	close(refs);
	p[ps] = 2;

	ASSERT_EQ(4, pagemap_read(fd, (uintptr_t)p, 4, raw));
	/*
	 * Without CONFIG_MEM_SOFT_DIRTY clear_refs' clearing is compiled out,
	 * so an architecture whose pte_mkdirty() sets the bit anyway
	 * (powerpc64) reports every page ever written as soft-dirty.
	 */
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(built_in && i == 1, pagemap_decode(raw[i]).soft_dirty)
			TH_LOG("page %zu %s", i, soft_dirty_wrong(built_in, i));
	}
	munmap(p, 4 * ps);
	close(fd);
	if (!built_in)
		SKIP(return, "%s: bit 55 checked clear",
		     "soft-dirty is not built in (no \"sd\" in VmFlags)");
}

TEST_HARNESS_MAIN
