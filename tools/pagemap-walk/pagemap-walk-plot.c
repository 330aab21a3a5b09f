// SPDX-License-Identifier: GPL-2.0
/*
 * --plot FILE.svg: the walked pages as physical address against virtual
 * address. Each table line with a frame (pages consecutive in VA and in PA,
 * with the same flags) is one segment: one "M x y l dx dy" subpath of the
 * path of its kind (base page, THP, hugetlb, zero page), in whole pixels. A
 * region of scattered base pages is a cloud of dots, one backed by large
 * folios a few long diagonals. The legend names the large folios the kernel
 * mapped by size (mTHP 16 KiB, PMD THP 2 MiB, hugetlb 1 GiB); below, bars
 * give the share of the bytes in physical runs of each length, which at a
 * glance tells fragmented memory (most bytes in runs of one page) from
 * contiguous (most in runs of a PMD or more). The counts are the summary's.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pagemap-walk.h"

#define WIDTH	900
#define PLOT_H	600		/* the PA-against-VA picture */
#define BARS_H	190		/* the bytes by run length, below it */
#define HEIGHT	(PLOT_H + BARS_H)
#define LEFT	110		/* the PA axis */
#define RIGHT	650		/* the end of the VA axis */
#define TOP	40		/* the top of the PA axis */
#define BOTTOM	(PLOT_H - 80)	/* the VA axis */
#define LEGEND	670		/* the legend's column, right of the picture */
#define TICKS	4		/* at least this many ticks per axis */

static const char *const kind_class[] = {
	[PW_PLOT_BASE] = "base",
	[PW_PLOT_THP] = "thp",
	[PW_PLOT_HUGETLB] = "hugetlb",
	[PW_PLOT_ZERO] = "zero",
};

static const char *const kind_label[] = {
	[PW_PLOT_BASE] = "base pages",
	[PW_PLOT_THP] = "THP",
	[PW_PLOT_HUGETLB] = "hugetlb",
	[PW_PLOT_ZERO] = "zero page",
};

static enum pw_plot_kind kind_of(const struct pw_page *p)
{
	if (p->hugetlb)
		return PW_PLOT_HUGETLB;
	if (p->thp)
		return PW_PLOT_THP;
	if (p->zero)
		return PW_PLOT_ZERO;
	return PW_PLOT_BASE;
}

/*
 * Keep one table line, if it has a frame. Returns 0 or -ENOMEM, which
 * also stays in @plot->error: the picture is then not written.
 */
int pw_plot_add(struct pw_plot *plot, const struct pw_run *run)
{
	struct pw_plot_seg *v;

	if (!run->first.pfn)
		return 0;
	if (plot->n == plot->cap) {
		size_t cap = plot->cap ? 2 * plot->cap : 1024;

		v = realloc(plot->v, cap * sizeof(*v));
		if (!v)
			return plot->error = -ENOMEM;
		plot->v = v;
		plot->cap = cap;
	}
	plot->v[plot->n++] = (struct pw_plot_seg){
		.va = run->va,
		.pages = run->pages,
		.pfn = run->first.pfn,
		.kind = kind_of(&run->first),
	};
	return 0;
}

void pw_plot_reset(struct pw_plot *plot)
{
	plot->n = 0;
	plot->error = 0;
	memset(&plot->s, 0, sizeof(plot->s));
}

void pw_plot_free(struct pw_plot *plot)
{
	free(plot->v);
	memset(plot, 0, sizeof(*plot));
}

/* The box around every segment: [va_lo, va_hi) by [pa_lo, pa_hi). */
struct bounds {
	uint64_t va_lo, va_hi, pa_lo, pa_hi;
};

static struct bounds plot_bounds(const struct pw_plot *plot)
{
	struct bounds b = { UINT64_MAX, 0, UINT64_MAX, 0 };
	size_t i;

	for (i = 0; i < plot->n; i++) {
		const struct pw_plot_seg *s = &plot->v[i];
		uint64_t len = (uint64_t)s->pages * plot->page_size;
		uint64_t pa = s->pfn * plot->page_size;

		if (s->va < b.va_lo)
			b.va_lo = s->va;
		if (s->va + len > b.va_hi)
			b.va_hi = s->va + len;
		if (pa < b.pa_lo)
			b.pa_lo = pa;
		if (pa + len > b.pa_hi)
			b.pa_hi = pa + len;
	}
	return b;
}

/* @v of [lo, hi) on the axis from @from to @to, in whole pixels. */
static int scale(uint64_t v, uint64_t lo, uint64_t hi, int from, int to)
{
	return from + (int)((to - from) * ((double)(v - lo) / (double)(hi - lo)) + 0.5);
}

/* The largest power of two that still gives TICKS steps over [lo, hi). */
static uint64_t tick_step(uint64_t lo, uint64_t hi)
{
	uint64_t span = hi - lo, step = 1;

	while (step <= span / TICKS / 2)
		step <<= 1;
	return step;
}

/*
 * Tick marks and labels at multiples of a power of two, on the VA axis
 * (@vertical false) or the PA axis.
 */
static void write_ticks(FILE *out, uint64_t lo, uint64_t hi, bool vertical)
{
	uint64_t step = tick_step(lo, hi), t = (lo + step - 1) / step * step;

	for (; t <= hi && t >= lo; t += step) {
		if (vertical) {
			int y = scale(t, lo, hi, BOTTOM, TOP);

			fprintf(out, "<line class=\"tick\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>\n",
				LEFT - 4, y, LEFT, y);
			fprintf(out, "<text class=\"tick\" x=\"%d\" y=\"%d\" text-anchor=\"end\">%#llx</text>\n",
				LEFT - 6, y + 4, (unsigned long long)t);
		} else {
			int x = scale(t, lo, hi, LEFT, RIGHT);

			fprintf(out, "<line class=\"tick\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>\n",
				x, BOTTOM, x, BOTTOM + 4);
			fprintf(out, "<text class=\"tick\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">%#llx</text>\n",
				x, BOTTOM + 16, (unsigned long long)t);
		}
		if (t + step < t)
			break;
	}
}

static void write_axes(FILE *out, const struct bounds *b)
{
	fprintf(out, "<g class=\"axes\">\n");
	fprintf(out, "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>\n",
		LEFT, BOTTOM, RIGHT, BOTTOM);
	fprintf(out, "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>\n",
		LEFT, TOP, LEFT, BOTTOM);
	fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">virtual address</text>\n",
		(LEFT + RIGHT) / 2, BOTTOM + 40);
	fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" transform=\"rotate(-90 %d %d)\">physical address</text>\n",
		16, (TOP + BOTTOM) / 2, 16, (TOP + BOTTOM) / 2);
	write_ticks(out, b->va_lo, b->va_hi, false);
	write_ticks(out, b->pa_lo, b->pa_hi, true);
	fprintf(out, "</g>\n");
}

/* The folio sizes of @kind (THP or hugetlb), one line each, from @y. */
static int write_folio_lines(FILE *out, const struct pw_plot *plot,
			     enum pw_plot_kind kind, int x, int y)
{
	const struct pw_summary *s = &plot->s;
	char name[64];
	size_t i;

	for (i = 0; i < s->nr_folio_sizes; i++) {
		const struct pw_folio_size *f = &s->folio[i];

		if (f->hugetlb != (kind == PW_PLOT_HUGETLB))
			continue;
		pw_folio_name(f, plot->page_size, plot->pmd_size, name, sizeof(name));
		fprintf(out, "<text class=\"folio\" x=\"%d\" y=\"%d\" data-bytes=\"%llu\" data-count=\"%zu\">%s: %zu folio%s</text>\n",
			x, y + 10, (unsigned long long)f->pages * plot->page_size,
			f->folios, name, f->folios, f->folios == 1 ? "" : "s");
		y += 16;
	}
	return y;
}

/*
 * One coloured mark and label per kind that occurs; under THP and hugetlb
 * what the kernel mapped, folio size by folio size.
 */
static void write_legend(FILE *out, const struct pw_plot *plot)
{
	size_t count[PW_PLOT_KINDS] = { 0 }, i;
	int k, x = LEGEND, y = TOP;

	for (i = 0; i < plot->n; i++)
		count[plot->v[i].kind]++;
	fprintf(out, "<g class=\"legend\">\n");
	for (k = 0; k < PW_PLOT_KINDS; k++) {
		if (!count[k])
			continue;
		fprintf(out, "<rect class=\"%s\" x=\"%d\" y=\"%d\" width=\"10\" height=\"10\"/>\n",
			kind_class[k], x, y);
		fprintf(out, "<text x=\"%d\" y=\"%d\">%s: %zu line%s</text>\n",
			x + 16, y + 10, kind_label[k], count[k], count[k] == 1 ? "" : "s");
		y += 18;
		if (k == PW_PLOT_THP || k == PW_PLOT_HUGETLB)
			y = write_folio_lines(out, plot, k, x + 24, y);
	}
	if (plot->s.partial_folios)
		fprintf(out, "<text class=\"partial\" x=\"%d\" y=\"%d\" data-count=\"%zu\">large folios in part: %zu</text>\n",
			x, y + 10, plot->s.partial_folios, plot->s.partial_folios);
	fprintf(out, "</g>\n");
}

/*
 * Below the picture: the share of the present bytes in physical runs of
 * each length class, one bar each, with the runs it counts.
 */
static void write_run_lengths(FILE *out, const struct pw_plot *plot)
{
	const struct pw_summary *s = &plot->s;
	const int bar_x = LEFT + 60, bar_w = RIGHT - bar_x - 60;
	int y = PLOT_H + 14;
	size_t i;

	fprintf(out, "<g id=\"run-lengths\">\n");
	fprintf(out, "<text x=\"%d\" y=\"%d\">bytes by physical run length (pages consecutive in VA and PA)</text>\n",
		LEFT, y);
	for (i = 0; i < s->nr_cls; i++) {
		const struct pw_run_class *c = &s->cls[i];
		double share = s->present ? (double)c->pages / s->present : 0;
		char name[48];

		y += 26;
		pw_run_class_name(c, plot->page_size, plot->pmd_size, name, sizeof(name));
		fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>\n",
			bar_x - 6, y + 12, name);
		fprintf(out, "<rect class=\"bar\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"16\" data-from=\"%zu\" data-to=\"%zu\" data-runs=\"%zu\" data-bytes=\"%llu\"/>\n",
			bar_x, y, (int)(share * bar_w + 0.5), c->from, c->to,
			c->runs, (unsigned long long)c->pages * plot->page_size);
		fprintf(out, "<text x=\"%d\" y=\"%d\">%.1f%% in %zu run%s</text>\n",
			bar_x + 6 + (int)(share * bar_w + 0.5), y + 12, 100 * share,
			c->runs, c->runs == 1 ? "" : "s");
	}
	fprintf(out, "</g>\n");
}

/* The path of the segments of @kind, if there are any. */
static void write_segments(FILE *out, const struct pw_plot *plot,
			   const struct bounds *b, enum pw_plot_kind kind)
{
	bool first = true;
	size_t i;

	for (i = 0; i < plot->n; i++) {
		const struct pw_plot_seg *s = &plot->v[i];
		uint64_t len = (uint64_t)s->pages * plot->page_size;
		uint64_t pa = s->pfn * plot->page_size;
		int x1, y1, x2, y2;

		if (s->kind != kind)
			continue;
		x1 = scale(s->va, b->va_lo, b->va_hi, LEFT, RIGHT);
		x2 = scale(s->va + len, b->va_lo, b->va_hi, LEFT, RIGHT);
		y1 = scale(pa, b->pa_lo, b->pa_hi, BOTTOM, TOP);
		y2 = scale(pa + len, b->pa_lo, b->pa_hi, BOTTOM, TOP);
		if (first)
			fprintf(out, "<path class=\"%s\" d=\"", kind_class[kind]);
		first = false;
		fprintf(out, "M%d %dl%d %d", x1, y1, x2 - x1, y2 - y1);
	}
	if (!first)
		fprintf(out, "\"/>\n");
}

/*
 * Write the picture to @out, titled @title. With no segment (nothing
 * present, or PFNs hidden) the picture says so instead.
 */
void pw_plot_write(const struct pw_plot *plot, FILE *out, const char *title)
{
	struct bounds b = plot_bounds(plot);
	int k;

	fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">\n",
		WIDTH, HEIGHT, WIDTH, HEIGHT);
	fprintf(out, "<title>%s</title>\n", title);
	fprintf(out, "<style>text{font:12px sans-serif} .axis,.tick{stroke:#000} text.tick{stroke:none;font-size:10px} .bar{fill:#555} #runs path{fill:none;stroke-width:2;stroke-linecap:square} .base{stroke:#1f77b4;fill:#1f77b4} .thp{stroke:#ff7f0e;fill:#ff7f0e} .hugetlb{stroke:#d62728;fill:#d62728} .zero{stroke:#7f7f7f;fill:#7f7f7f}</style>\n");
	fprintf(out, "<rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>\n");
	fprintf(out, "<text x=\"%d\" y=\"%d\">%s</text>\n", LEFT, TOP / 2, title);
	if (!plot->n) {
		fprintf(out, "<text x=\"%d\" y=\"%d\">no page with a visible frame</text>\n</svg>\n",
			LEFT, HEIGHT / 2);
		return;
	}
	write_axes(out, &b);
	fprintf(out, "<g id=\"runs\">\n");
	for (k = 0; k < PW_PLOT_KINDS; k++)
		write_segments(out, plot, &b, k);
	fprintf(out, "</g>\n");
	write_legend(out, plot);
	write_run_lengths(out, plot);
	fprintf(out, "</svg>\n");
}
