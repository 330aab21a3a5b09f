// SPDX-License-Identifier: GPL-2.0
/*
 * pagemap-walk against the kernel's own tools/mm/page-types, page by page.
 *
 * A child makes one region of a known kind and waits. Both tools walk it:
 * every page page-types lists must be present or swapped in pagemap-walk's
 * table with the same PFN, and every page page-types lists under thp,
 * zero_page, huge, mmap_exclusive and file (page-types -b NAME) must carry
 * pagemap-walk's thp, zero-page, hugetlb, exclusive and file/shared flags,
 * and no other page may.
 *
 * PAGEMAP_WALK names the tool (default ./pagemap-walk, run from this
 * directory), PAGE_TYPES the kernel's page-types (make pagemap-walk-test
 * builds it from the tree). Both read /proc/kpageflags: the cases skip unless
 * run as root.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "../../selftests/child.h"
#include "../../selftests/host_state.h"
#include "../../selftests/pagemap.h"
#include "../../selftests/vm_env.h"

#define SMALL_PAGES	16
#define OUT_BYTES	(8 << 20)

/* A flag both tools show: page-types' name for it, pagemap-walk's word. */
struct flag_pair {
	const char *page_types;
	const char *pagemap_walk;
};

static const struct flag_pair flags[] = {
	{ "thp", " thp" },
	{ "zero_page", " zero-page" },
	{ "huge", " hugetlb" },
	{ "mmap_exclusive", " exclusive" },
	{ "file", " file/shared" },
};

#define NR_FLAGS	(sizeof(flags) / sizeof(flags[0]))

/* What each tool says of each page of a region. */
struct page_view {
	bool listed;		/* page-types: listed; pagemap-walk: present or swapped */
	bool present;
	uint64_t pfn;
	bool flag[NR_FLAGS];
};

static char *anon(size_t len)
{
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static const char *make_base(struct child_region *r)
{
	r->len = SMALL_PAGES * page_size();
	r->start = (uintptr_t)anon(r->len);
	if (!r->start)
		return "mmap failed";
	madvise((void *)r->start, r->len, MADV_NOHUGEPAGE);
	memset((void *)r->start, 1, r->len);
	return NULL;
}

static const char *make_untouched(struct child_region *r)
{
	r->len = SMALL_PAGES * page_size();
	r->start = (uintptr_t)anon(r->len);
	return r->start ? NULL : "mmap failed";
}

static const char *make_zero(struct child_region *r)
{
	size_t i;

	r->len = SMALL_PAGES * page_size();
	r->start = (uintptr_t)anon(r->len);
	if (!r->start)
		return "mmap failed";
	madvise((void *)r->start, r->len, MADV_NOHUGEPAGE);
	for (i = 0; i < r->len; i += page_size())
		(void)((volatile char *)r->start)[i];
	return NULL;
}

/* Two PMD-aligned PMDs of THP-advised memory, or why not. */
static const char *thp_area(struct child_region *r)
{
	if (thp_mode() < THP_MADVISE)
		return "THP is not available for madvised memory";
	r->len = 2 * thp_pmd_size();
	r->start = (uintptr_t)mmap_aligned(r->len, thp_pmd_size(),
					   PROT_READ | PROT_WRITE,
					   MAP_PRIVATE | MAP_ANONYMOUS);
	if (!r->start)
		return "mmap failed";
	madvise((void *)r->start, r->len, MADV_HUGEPAGE);
	return NULL;
}

static const char *make_huge_zero(struct child_region *r)
{
	const char *why = thp_area(r);
	size_t i;

	if (why)
		return why;
	if (!thp_huge_zero_page())
		return "the huge zero page is off (use_zero_page)";
	for (i = 0; i < r->len; i += page_size())
		(void)((volatile char *)r->start)[i];
	return NULL;
}

static const char *make_thp(struct child_region *r)
{
	const char *why = thp_area(r);

	if (!why)
		memset((void *)r->start, 1, r->len);
	return why;
}

/* A THP with its first quarter unmapped: the rest stays one large folio. */
static const char *make_thp_partly_unmapped(struct child_region *r)
{
	const char *why = make_thp(r);
	size_t cut = thp_pmd_size() / 4;

	if (why)
		return why;
	munmap((void *)r->start, cut);
	r->start += cut;
	r->len -= cut;
	return NULL;
}

/* Anonymous memory under the mTHP size the parent enabled. */
static const char *make_mthp(struct child_region *r)
{
	r->len = thp_pmd_size() / 2;
	if (!r->len)
		return "no THP";
	r->start = (uintptr_t)mmap_aligned(r->len, thp_pmd_size(),
					   PROT_READ | PROT_WRITE,
					   MAP_PRIVATE | MAP_ANONYMOUS);
	if (!r->start)
		return "mmap failed";
	memset((void *)r->start, 1, r->len);
	return NULL;
}

static const char *make_hugetlb(struct child_region *r, unsigned int nth)
{
	unsigned long kb = hugetlb_size_kb(nth);
	void *p;

	if (!kb)
		return "no hugetlb page size of this rank";
	r->len = kb << 10;
	p = mmap(NULL, r->len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB |
		 (__builtin_ctzl(r->len) << MAP_HUGE_SHIFT), -1, 0);
	if (p == MAP_FAILED)
		return "no free hugetlb page of this size";
	r->start = (uintptr_t)p;
	memset(p, 1, r->len);
	return NULL;
}

static const char *make_hugetlb_smallest(struct child_region *r)
{
	return make_hugetlb(r, 0);
}

static const char *make_hugetlb_next(struct child_region *r)
{
	return make_hugetlb(r, 1);
}

/* A file read through a mapping, after its page cache was dropped. */
static const char *make_file_folio(struct child_region *r)
{
	char path[] = "/tmp/pagemap-walk-oracle.XXXXXX";
	size_t i;
	char *buf;
	int fd;

	r->len = thp_pmd_size() ? 2 * thp_pmd_size() : SMALL_PAGES * page_size();
	fd = mkstemp(path);
	if (fd < 0)
		return "cannot make a file in /tmp";
	unlink(path);
	buf = calloc(1, r->len);
	if (!buf || write(fd, buf, r->len) != (ssize_t)r->len || fsync(fd)) {
		free(buf);
		close(fd);
		return "cannot write the file";
	}
	free(buf);
	posix_fadvise(fd, 0, r->len, POSIX_FADV_DONTNEED);
	buf = mmap(NULL, r->len, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (buf == MAP_FAILED)
		return "cannot map the file";
	r->start = (uintptr_t)buf;
	for (i = 0; i < r->len; i += page_size())
		(void)((volatile char *)buf)[i];
	return NULL;
}

static const char *make_shared_anon(struct child_region *r)
{
	void *p;

	r->len = SMALL_PAGES * page_size();
	p = mmap(NULL, r->len, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return "mmap failed";
	r->start = (uintptr_t)p;
	memset(p, 1, r->len);
	return NULL;
}

FIXTURE(oracle) {
	struct child child;
	pid_t pid;		/* the child's, once it runs */
	struct child_region r;
	struct mthp_setting mthp;
	struct hugetlb_pool pool;
	const char *skip;
	char *out, err[4096];
	struct page_view *tool, *ref;
	size_t npages;
};

FIXTURE_VARIANT(oracle) {
	region_maker make;
	bool mthp;		/* enable the smallest mTHP size first */
	int hugetlb_rank;	/* raise this hugetlb pool by one page; -1: none */
};

FIXTURE_VARIANT_ADD(oracle, base) { .make = make_base, .hugetlb_rank = -1 };
FIXTURE_VARIANT_ADD(oracle, untouched) { .make = make_untouched, .hugetlb_rank = -1 };
FIXTURE_VARIANT_ADD(oracle, zero) { .make = make_zero, .hugetlb_rank = -1 };
FIXTURE_VARIANT_ADD(oracle, huge_zero) { .make = make_huge_zero, .hugetlb_rank = -1 };
FIXTURE_VARIANT_ADD(oracle, thp) { .make = make_thp, .hugetlb_rank = -1 };
FIXTURE_VARIANT_ADD(oracle, thp_partly_unmapped) {
	.make = make_thp_partly_unmapped, .hugetlb_rank = -1,
};
FIXTURE_VARIANT_ADD(oracle, mthp) { .make = make_mthp, .mthp = true, .hugetlb_rank = -1 };
FIXTURE_VARIANT_ADD(oracle, hugetlb_smallest) {
	.make = make_hugetlb_smallest, .hugetlb_rank = 0,
};
FIXTURE_VARIANT_ADD(oracle, hugetlb_next) {
	.make = make_hugetlb_next, .hugetlb_rank = 1,
};
FIXTURE_VARIANT_ADD(oracle, file_folio) { .make = make_file_folio, .hugetlb_rank = -1 };
FIXTURE_VARIANT_ADD(oracle, shared_anon) { .make = make_shared_anon, .hugetlb_rank = -1 };

static const char *page_types(void)
{
	return getenv("PAGE_TYPES");
}

static const char *tool(void)
{
	const char *t = getenv("PAGEMAP_WALK");

	return t ? t : "./pagemap-walk";
}

/* Run @cmd; its stdout into @out. Returns its exit status or -1. */
static int run(const char *cmd, char *out, size_t len)
{
	FILE *p = popen(cmd, "r");
	size_t n;
	int status;

	if (!p)
		return -1;
	n = fread(out, 1, len - 1, p);
	out[n] = '\0';
	status = pclose(p);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

FIXTURE_SETUP(oracle)
{
	self->skip = NULL;
	self->pid = 0;
	self->mthp.size_kb = 0;
	if (!page_types()) {
		self->skip = "no page-types (PAGE_TYPES=; make pagemap-walk-test builds it from the tree)";
		return;
	}
	if (!have_cap_sys_admin()) {
		self->skip = "both tools read /proc/kpageflags: needs CAP_SYS_ADMIN";
		return;
	}
	if (variant->mthp && mthp_enable_smallest(&self->mthp)) {
		self->skip = "no mTHP size below the PMD size to enable";
		return;
	}
	if (variant->hugetlb_rank >= 0)
		hugetlb_reserve(&self->pool, hugetlb_size_kb(variant->hugetlb_rank), 1);
	ASSERT_EQ(0, child_region_start(&self->child, variant->make, &self->r));
	self->pid = self->child.pid;
	self->skip = self->r.why;
	self->npages = self->r.len / page_size();
	self->out = malloc(OUT_BYTES);
	self->tool = calloc(self->npages, sizeof(*self->tool));
	self->ref = calloc(self->npages, sizeof(*self->ref));
	ASSERT_TRUE(self->out && self->tool && self->ref);
}

FIXTURE_TEARDOWN(oracle)
{
	if (self->pid > 0)
		child_end(&self->child);
	hugetlb_restore(&self->pool);
	if (self->mthp.size_kb)
		mthp_restore(&self->mthp);
}

/* Page index of @va in the region, or -1 outside it. */
static long page_of(const struct child_region *r, uint64_t va)
{
	if (va < r->start || va >= r->start + r->len)
		return -1;
	return (va - r->start) / page_size();
}

/* pagemap-walk's JSON table, spread over the pages. Returns 0 or -1. */
static int read_tool(FIXTURE_DATA(oracle) *self)
{
	char cmd[512], *line;

	snprintf(cmd, sizeof(cmd), "%s -p %d --json %#lx+%zu", tool(),
		 (int)self->pid, (unsigned long)self->r.start, self->r.len);
	if (run(cmd, self->out, OUT_BYTES))
		return -1;
	for (line = strstr(self->out, "{\"va\""); line;
	     line = strstr(line + 1, "{\"va\"")) {
		unsigned long long va, pa = 0;
		char words[128];
		size_t pages, i, f;
		long at;

		if (sscanf(line, "{\"va\": \"%llx\", \"pages\": %zu, \"pa\": \"%llx\"",
			   &va, &pages, &pa) < 2 ||
		    sscanf(strstr(line, "\"flags\": \"") + 10, "%127[^\"]", words) != 1)
			return -1;
		for (i = 0; i < pages; i++) {
			struct page_view *v;

			at = page_of(&self->r, va + i * page_size());
			if (at < 0)
				return -1;
			v = &self->tool[at];
			v->present = !strncmp(words, "present", 7);
			v->listed = v->present || !strncmp(words, "swapped", 7);
			v->pfn = pa ? pa / page_size() + i : 0;
			for (f = 0; f < NR_FLAGS; f++)
				v->flag[f] = strstr(words, flags[f].pagemap_walk);
		}
	}
	return 0;
}

/*
 * page-types -L over the region, with -b @bit (NULL: every page): mark
 * each page it lists. Its listing is read line by line as it comes, a line
 * per page: a 1 GiB hugetlb page alone is 262,144 lines. The first line
 * @out keeps is the header, for a failure's log. Returns 0 or -1.
 */
static int read_page_types(FIXTURE_DATA(oracle) *self, int bit)
{
	size_t ps = page_size(), len = 0;
	char cmd[512], *line = NULL;
	int status, bad = 0;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "%s -p %d -a %#lx,%#lx -L -r -N%s%s",
		 page_types(), (int)self->pid, (unsigned long)(self->r.start / ps),
		 (unsigned long)((self->r.start + self->r.len) / ps),
		 bit < 0 ? "" : " -b ", bit < 0 ? "" : flags[bit].page_types);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	self->out[0] = '\0';
	while (getline(&line, &len, p) >= 0) {
		unsigned long long vpage, pfn;
		long at;

		if (sscanf(line, "%llx\t%llx\t", &vpage, &pfn) != 2) {
			snprintf(self->out, OUT_BYTES, "%s", line);	/* the header */
			continue;
		}
		at = page_of(&self->r, vpage * ps);
		if (at < 0) {
			bad = 1;
			continue;
		}
		if (bit < 0) {
			self->ref[at].listed = true;
			self->ref[at].pfn = pfn;
		} else {
			self->ref[at].flag[bit] = true;
		}
	}
	free(line);
	status = pclose(p);
	return bad || !WIFEXITED(status) || WEXITSTATUS(status) ? -1 : 0;
}

/* Every page, every PFN, every flag: the same in both tools. */
TEST_F(oracle, every_page_agrees)
{
	size_t i, f, listed = 0, flagged[NR_FLAGS] = { 0 };
	int bit;

	if (self->skip)
		SKIP(return, "%s", self->skip);
	ASSERT_EQ(0, read_tool(self)) TH_LOG("pagemap-walk: %.300s", self->out);
	for (bit = -1; bit < (int)NR_FLAGS; bit++)
		ASSERT_EQ(0, read_page_types(self, bit)) TH_LOG("page-types: %.300s", self->out);
	for (i = 0; i < self->npages; i++) {
		const struct page_view *t = &self->tool[i], *r = &self->ref[i];

		ASSERT_EQ(r->listed, t->listed) TH_LOG("page %zu", i);
		if (t->present)
			ASSERT_EQ(r->pfn, t->pfn) TH_LOG("page %zu", i);
		for (f = 0; f < NR_FLAGS; f++) {
			ASSERT_EQ(r->flag[f], t->flag[f])
				TH_LOG("page %zu: page-types %s %s, pagemap-walk%s %s",
				       i, flags[f].page_types, r->flag[f] ? "set" : "clear",
				       flags[f].pagemap_walk, t->flag[f] ? "set" : "clear");
			flagged[f] += t->flag[f];
		}
		listed += t->listed;
	}
	TH_LOG("%zu pages, %zu present or swapped; thp %zu, zero_page %zu, huge %zu, mmap_exclusive %zu, file %zu",
	       self->npages, listed, flagged[0], flagged[1], flagged[2],
	       flagged[3], flagged[4]);
}

TEST_HARNESS_MAIN
