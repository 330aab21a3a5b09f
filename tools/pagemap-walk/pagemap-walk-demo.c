// SPDX-License-Identifier: GPL-2.0
/*
 * --demo: allocate memory two ways, walk it before and after touching it,
 * and report demand paging and physical contiguity.
 *
 *   4k  many page-sized calloc()s, written one by one
 *   1g  one 1 GiB region of base pages, written page by page
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "pagemap-walk.h"

#define DEMO_CALLOCS	16384
#define DEMO_REGION	(1UL << 30)

/* One mode, measured. */
struct demo {
	const char *mode;
	double raw_ms;		/* one pread of all the entries, for scale */
	size_t va_runs;		/* virtually contiguous stretches */
	uintptr_t lo, hi;	/* the VA span walked */
	double touch_ms;
	struct pw_summary before, after;
	struct pw_plot *plot;	/* the last walk's runs, or NULL */
};

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_ptr(const void *a, const void *b)
{
	uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;

	return x < y ? -1 : x > y;
}

/* Walk the demo's span of this process into @s. Returns 0 or -errno. */
static int demo_walk(struct pw_source *src, const struct demo *d,
		     struct pw_summary *s)
{
	struct pw_report rep;
	int ret;

	pw_report_init(&rep, NULL, src);
	rep.quiet = true;
	rep.plot = d->plot;
	if (d->plot)
		pw_plot_reset(d->plot);
	ret = pw_walk_range(src, d->lo, d->hi, d->hi, &rep);
	pw_report_finish(&rep);
	*s = rep.s;
	return ret;
}

/*
 * Walk the touched pages three times: the summary of the fastest walk (the
 * plot holds the last; each walk finds the same frames).
 */
static int demo_walk_after(struct pw_source *src, struct demo *d)
{
	struct pw_summary s;
	int i, ret;

	for (i = 0; i < 3; i++) {
		ret = demo_walk(src, d, &s);
		if (ret)
			return ret;
		if (!i || s.walk_ms < d->after.walk_ms)
			d->after = s;
	}
	return 0;
}

/* The fastest of three single preads of the span's entries. */
static double raw_read_ms(const struct pw_source *src, const struct demo *d)
{
	size_t n = (d->hi - d->lo) >> src->page_shift;
	uint64_t *raw = malloc(n * sizeof(*raw));
	double best = 0, t;
	int i;

	for (i = 0; raw && i < 3; i++) {
		t = now_ms();
		if (pread(src->pagemap_fd, raw, n * sizeof(*raw),
			  (off_t)(d->lo >> src->page_shift) * sizeof(*raw)) < 0)
			break;
		t = now_ms() - t;
		best = i ? (t < best ? t : best) : t;
	}
	free(raw);
	return best;
}

static int demo_4k(struct pw_source *src, struct demo *d)
{
	const size_t ps = src->page_size;
	uintptr_t *blocks = calloc(DEMO_CALLOCS, sizeof(*blocks));
	size_t i;
	double t0;
	int ret;

	if (!blocks)
		return -ENOMEM;
	for (i = 0; i < DEMO_CALLOCS; i++) {
		blocks[i] = (uintptr_t)calloc(1, ps);
		if (!blocks[i]) {
			ret = -ENOMEM;
			goto out;
		}
	}
	qsort(blocks, DEMO_CALLOCS, sizeof(*blocks), cmp_ptr);
	d->lo = blocks[0] & ~(ps - 1);
	d->hi = (blocks[DEMO_CALLOCS - 1] + 2 * ps - 1) & ~(ps - 1);
	d->va_runs = 1;
	for (i = 1; i < DEMO_CALLOCS; i++)	/* malloc headers sit between */
		d->va_runs += blocks[i] - blocks[i - 1] > ps + 64;
	ret = demo_walk(src, d, &d->before);
	if (ret)
		goto out;
	t0 = now_ms();
	for (i = 0; i < DEMO_CALLOCS; i++)
		memset((void *)blocks[i], 1, ps);
	d->touch_ms = now_ms() - t0;
	ret = demo_walk_after(src, d);
	d->raw_ms = raw_read_ms(src, d);
out:
	for (i = 0; i < DEMO_CALLOCS; i++)
		free((void *)blocks[i]);
	free(blocks);
	return ret;
}

static int demo_1g(struct pw_source *src, struct demo *d)
{
	size_t i;
	double t0;
	char *p;
	int ret;

	p = mmap(NULL, DEMO_REGION, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	madvise(p, DEMO_REGION, MADV_NOHUGEPAGE);
	d->lo = (uintptr_t)p;
	d->hi = d->lo + DEMO_REGION;
	d->va_runs = 1;
	ret = demo_walk(src, d, &d->before);
	if (!ret) {
		t0 = now_ms();
		for (i = 0; i < DEMO_REGION; i += src->page_size)
			p[i] = 1;
		d->touch_ms = now_ms() - t0;
		ret = demo_walk_after(src, d);
		d->raw_ms = raw_read_ms(src, d);
	}
	munmap(p, DEMO_REGION);
	return ret;
}

static void demo_print(const struct demo *d, const struct pw_source *src,
		       bool json, FILE *out)
{
	const struct pw_summary *a = &d->after;

	if (json) {
		fprintf(out, "{\"mode\": \"%s\", \"va_span\": %lu, \"va_runs\": %zu, \"pages\": %zu, \"absent_before_touch\": %zu, \"present_after_touch\": %zu, \"touch_ms\": %.1f, \"walk_ms\": %.2f, \"raw_pread_ms\": %.2f, \"pfns_visible\": %s, \"physical_runs\": %zu, \"longest_run\": %zu}\n",
			d->mode, (unsigned long)(d->hi - d->lo), d->va_runs,
			a->pages, d->before.pages - d->before.present,
			a->present, d->touch_ms, a->walk_ms, d->raw_ms,
			src->pfns_visible ? "true" : "false", a->runs, a->longest);
		return;
	}
	fprintf(out, "%s mode\n", d->mode);
	fprintf(out, "  VA: %lu KiB spanned, %zu virtually contiguous stretch%s\n",
		(unsigned long)(d->hi - d->lo) >> 10, d->va_runs,
		d->va_runs == 1 ? "" : "es");
	fprintf(out, "  pages: %zu, absent before the touch: %zu, present after: %zu\n",
		a->pages, d->before.pages - d->before.present, a->present);
	fprintf(out, "  time to touch: %.1f ms\n", d->touch_ms);
	fprintf(out, "  pagemap: walked in %.2f ms; one raw pread of the same entries: %.2f ms\n",
		a->walk_ms, d->raw_ms);
	if (src->pfns_visible)
		fprintf(out, "  PA: %zu physical runs, longest %zu pages\n",
			a->runs, a->longest);
	else
		fprintf(out, "  PA: hidden (reading PFNs needs CAP_SYS_ADMIN)\n");
}

/*
 * Run the demo @mode ("4k" or "1g") and print it to @out; @plot, if not
 * NULL, gets the runs of the last walk. Returns 0, -EINVAL for another
 * mode, or -errno.
 */
int pw_demo(const char *mode, bool json, FILE *out, struct pw_plot *plot)
{
	struct demo d = { .mode = mode, .plot = plot };
	struct pw_source src;
	int ret;

	if (strcmp(mode, "4k") && strcmp(mode, "1g"))
		return -EINVAL;
	ret = pw_source_open(&src, 0);
	if (ret)
		return ret;
	ret = strcmp(mode, "4k") ? demo_1g(&src, &d) : demo_4k(&src, &d);
	if (!ret)
		demo_print(&d, &src, json, out);
	pw_source_close(&src);
	return ret;
}
