// SPDX-License-Identifier: GPL-2.0
/*
 * What the kernel says of each page of a range of a process: its pagemap
 * entry and, where the opener may read /proc/kpageflags, its page's flags.
 *
 * Where PAGEMAP_SCAN exists (Linux 6.7+), one ioctl finds the pages that
 * are present or swapped and only those are read: a hole costs the walk of
 * the empty page-table entries above it, not 8 bytes per page.
 *
 * Reads run ahead of the range asked for, to the end of the run of adjacent
 * mappings the caller names: the scan and the pagemap entries of many small
 * mappings come in one call each, and nearby frames of a window share one
 * read of /proc/kpageflags across mapping boundaries. What was read ahead is kept
 * (the scan's regions, one window of decoded pages) for the next range;
 * a walk that goes back to a lower address reads everything again.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "../../selftests/pagemap.h"
#include "pagemap-walk.h"

#define BATCH_PAGES	(1UL << 16)	/* entries per pread */
#define SCAN_REGIONS	1024		/* regions per PAGEMAP_SCAN */
#define POPULATED	(PAGE_IS_PRESENT | PAGE_IS_SWAPPED)
#define KPF_GAP		8		/* frames read past rather than another pread */

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/*
 * Are PFNs visible to this opener? The kernel decides at open time from
 * CAP_SYS_ADMIN, the same for every process: ask our own pagemap.
 */
static bool pfns_visible(void)
{
	int fd = pagemap_open(0);
	bool visible;

	if (fd < 0)
		return false;
	visible = pagemap_pfns_visible(fd);
	close(fd);
	return visible;
}

static bool scan_works(int fd)
{
	struct pm_scan_arg arg = { .size = sizeof(arg) };

	return ioctl(fd, PAGEMAP_SCAN, &arg) >= 0;
}

/* Open the pagemap of @pid (0: this process). Returns 0 or -errno. */
int pw_source_open(struct pw_source *src, pid_t pid)
{
	memset(src, 0, sizeof(*src));
	src->pid = pid ? pid : getpid();
	src->kpageflags_fd = -1;
	src->page_size = page_size();
	src->page_shift = __builtin_ctzl(src->page_size);
	src->pagemap_fd = pagemap_open(pid);
	if (src->pagemap_fd < 0)
		return src->pagemap_fd;
	src->pfns_visible = pfns_visible();
	if (src->pfns_visible) {
		src->kpageflags_fd = kpageflags_open();
		if (src->kpageflags_fd < 0)
			src->kpageflags_fd = -1;
	}
	src->scan = scan_works(src->pagemap_fd);
	/* Unreadable smaps: every entry is read, as where no mapping is empty. */
	if (!src->scan)
		pw_empty_mappings(src->pid, &src->empty);
	if (!pw_in_pagemap(src, 0)) {
		/* Not even page 0 reads: an exited process or a kernel thread. */
		pw_source_close(src);
		return -ESRCH;
	}
	src->raw = malloc(BATCH_PAGES * sizeof(*src->raw));
	src->kpf = malloc(BATCH_PAGES * sizeof(*src->kpf));
	src->pages = malloc(BATCH_PAGES * sizeof(*src->pages));
	src->frames = malloc(BATCH_PAGES * sizeof(*src->frames));
	src->regions = malloc(SCAN_REGIONS * sizeof(*src->regions));
	if (!src->raw || !src->kpf || !src->pages || !src->frames ||
	    !src->regions) {
		pw_source_close(src);
		return -ENOMEM;
	}
	return 0;
}

void pw_source_close(struct pw_source *src)
{
	if (src->kpageflags_fd >= 0)
		close(src->kpageflags_fd);
	if (src->pagemap_fd >= 0)
		close(src->pagemap_fd);
	free(src->raw);
	free(src->kpf);
	free(src->pages);
	free(src->frames);
	free(src->regions);
	free(src->empty.v);
	memset(&src->empty, 0, sizeof(src->empty));
	src->raw = src->kpf = NULL;
	src->pages = NULL;
	src->frames = NULL;
	src->regions = NULL;
	src->pagemap_fd = src->kpageflags_fd = -1;
}

/*
 * Does pagemap have an entry for @va? Not above the process's TASK_SIZE,
 * where x86-64 keeps [vsyscall]. One read answers it; every page below a
 * page found in pagemap is in it too (pagemap ends at one address).
 */
bool pw_in_pagemap(struct pw_source *src, uintptr_t va)
{
	uint64_t page = va >> src->page_shift, e;

	if (page < src->known_pages)
		return true;
	if (pagemap_read(src->pagemap_fd, va, 1, &e) != 1)
		return false;
	src->known_pages = page + 1;
	return true;
}

/*
 * Does the process still have its mm? Page 0 always has an entry while it
 * does. Checked after a walk: if it still has one, every read before saw it.
 */
bool pw_source_alive(const struct pw_source *src)
{
	uint64_t e;

	return pagemap_read(src->pagemap_fd, 0, 1, &e) == 1;
}

static int frame_cmp(const void *a, const void *b)
{
	const struct pw_frame *x = a, *y = b;

	if (x->pfn != y->pfn)
		return x->pfn < y->pfn ? -1 : 1;
	return x->page < y->page ? -1 : x->page > y->page;
}

static void set_page_flags(struct pw_page *page, uint64_t f)
{
	page->zero = kpf_test(f, KPF_ZERO_PAGE);
	page->thp = kpf_test(f, KPF_THP);
	page->hugetlb = kpf_test(f, KPF_HUGE);
	page->folio_head = kpf_test(f, KPF_COMPOUND_HEAD);
}

/*
 * Add the flags of each page's frame. The frames are read in ascending
 * order, and frames at most KPF_GAP apart share one read: pages the
 * allocator handed out in descending or interleaved order, and a zero page
 * mapped many times, cost one pread() per cluster of frames, not one each.
 */
static int add_kpageflags(const struct pw_source *src, struct pw_page *pages,
			  size_t n)
{
	struct pw_frame *fr = src->frames;
	size_t nr = 0, i, j, k;
	uint64_t first, last;
	ssize_t got;

	for (i = 0; i < n; i++)
		if (pages[i].pfn)
			fr[nr++] = (struct pw_frame){ .pfn = pages[i].pfn, .page = i };
	qsort(fr, nr, sizeof(*fr), frame_cmp);
	for (i = 0; i < nr; i = j) {
		first = last = fr[i].pfn;
		for (j = i + 1; j < nr && fr[j].pfn - last <= KPF_GAP &&
				fr[j].pfn - first < BATCH_PAGES; j++)
			last = fr[j].pfn;
		got = kpageflags_read(src->kpageflags_fd, first, last - first + 1,
				      src->kpf);
		if (got < 0)
			return got;
		for (k = i; k < j; k++) {
			if (fr[k].pfn - first >= (uint64_t)got)
				pages[fr[k].page].flags_unknown = true;
			else
				set_page_flags(&pages[fr[k].page],
					       src->kpf[fr[k].pfn - first]);
		}
	}
	return 0;
}

static void decode(const struct pw_source *src, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct pm_entry e = pagemap_decode(src->raw[i]);

		src->pages[i] = (struct pw_page){
			.pfn = e.pfn,
			.present = e.present,
			.swapped = e.swapped,
			.exclusive = e.exclusive,
			.file = e.file,
		};
	}
}

/*
 * Read the entries of @n pages from @va into the window. A short read below
 * the end of pagemap means the process has gone: its mm reads as empty.
 */
static int fill_window(struct pw_source *src, uintptr_t va, size_t n)
{
	ssize_t got;
	int ret;

	src->win_n = 0;
	got = pagemap_read(src->pagemap_fd, va, n, src->raw);
	if (got < 0)
		return got;
	src->entries_read += got;
	if ((size_t)got < n)
		return -ESRCH;
	decode(src, n);
	if (src->kpageflags_fd >= 0) {
		ret = add_kpageflags(src, src->pages, n);
		if (ret)
			return ret;
	}
	src->win_va = va;
	src->win_n = n;
	return 0;
}

static bool in_window(const struct pw_source *src, uintptr_t va)
{
	return va >= src->win_va &&
	       ((va - src->win_va) >> src->page_shift) < src->win_n;
}

/* Report every page of [start, end), reading ahead up to @ahead. */
static int read_pages(struct pw_source *src, uintptr_t start, uintptr_t end,
		      uintptr_t ahead, struct pw_report *rep)
{
	uintptr_t va = start;
	size_t off, n;
	int ret;

	while (va < end) {
		if (!in_window(src, va)) {
			n = (ahead - va) >> src->page_shift;
			ret = fill_window(src, va, n < BATCH_PAGES ? n : BATCH_PAGES);
			if (ret)
				return ret;
		}
		off = (va - src->win_va) >> src->page_shift;
		n = src->win_n - off;
		if (n > (end - va) >> src->page_shift)
			n = (end - va) >> src->page_shift;
		pw_report_pages(rep, va, src->pages + off, n);
		va += n << src->page_shift;
	}
	return 0;
}

/* Scan [at, ahead) for populated regions, keeping them. Returns 0 or -errno. */
static int scan_ahead(struct pw_source *src, uintptr_t at, uintptr_t ahead)
{
	struct pm_scan_arg arg = {
		.size = sizeof(arg),
		.start = at,
		.end = ahead,
		.vec = (uintptr_t)src->regions,
		.vec_len = SCAN_REGIONS,
		.category_anyof_mask = POPULATED,
		.return_mask = POPULATED,
	};
	long n = ioctl(src->pagemap_fd, PAGEMAP_SCAN, &arg);

	if (n < 0)
		return -errno;
	if (arg.walk_end <= at)
		return -EIO;	/* no progress: never loop */
	src->scan_from = at;
	src->scanned_to = arg.walk_end;
	src->nr_regions = n;
	src->region = 0;
	return 0;
}

/*
 * Report [start, end) from the populated regions PAGEMAP_SCAN finds in
 * [start, ahead): the pages between them are absent, unread.
 */
static int scan_pages(struct pw_source *src, uintptr_t start, uintptr_t end,
		      uintptr_t ahead, struct pw_report *rep)
{
	const struct page_region *r;
	uintptr_t at = start, stop;
	int ret;

	while (at < end) {
		if (at < src->scan_from || at >= src->scanned_to) {
			ret = scan_ahead(src, at, ahead);
			if (ret)
				return ret;
		}
		while (src->region < src->nr_regions &&
		       src->regions[src->region].end <= at)
			src->region++;
		r = src->region < src->nr_regions ? &src->regions[src->region] : NULL;
		if (r && r->start <= at) {
			stop = r->end < end ? r->end : end;
			ret = read_pages(src, at, stop, r->end, rep);
			if (ret)
				return ret;
		} else {
			stop = r ? r->start : src->scanned_to;
			if (stop > end)
				stop = end;
			pw_report_absent(rep, at, (stop - at) >> src->page_shift);
		}
		at = stop;
	}
	return 0;
}

/*
 * Without PAGEMAP_SCAN: [start, end) in a mapping with nothing populated
 * is absent, unread; else read, ahead up to the next such mapping.
 */
static int read_unscanned(struct pw_source *src, uintptr_t start, uintptr_t end,
			  uintptr_t ahead, struct pw_report *rep)
{
	size_t i;

	for (i = 0; i < src->empty.n; i++) {
		const struct pw_range *e = &src->empty.v[i];

		if (e->start <= start && end <= e->end) {
			pw_report_absent(rep, start, (end - start) >> src->page_shift);
			return 0;
		}
		if (e->start >= end && e->start < ahead)
			ahead = e->start;
	}
	return read_pages(src, start, end, ahead, rep);
}

/*
 * Report every page of [start, end), which lies in pagemap; the pages up to
 * @ahead (the end of the adjacent mappings the walk goes on to), if they
 * lie in pagemap too, may be read now and kept for the next call. Returns 0, -ESRCH if the process exits
 * during the walk, or another -errno.
 */
int pw_walk_range(struct pw_source *src, uintptr_t start, uintptr_t end,
		  uintptr_t ahead, struct pw_report *rep)
{
	double t0 = now_ms();
	int ret;

	if (start < src->walked_to) {
		/* Walking again: what was read ahead may be stale. */
		src->win_n = 0;
		src->scan_from = src->scanned_to = 0;
	}
	if (ahead <= end || !pw_in_pagemap(src, ahead - src->page_size))
		ahead = end;	/* the caller checked [start, end) */
	if (src->scan)
		ret = scan_pages(src, start, end, ahead, rep);
	else
		ret = read_unscanned(src, start, end, ahead, rep);
	src->walked_to = end;
	pw_report_end_range(rep);
	rep->s.walk_ms += now_ms() - t0;
	return ret;
}
