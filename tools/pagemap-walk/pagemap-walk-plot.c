// SPDX-License-Identifier: GPL-2.0
/*
 * --plot FILE.svg: the walked pages as physical address against virtual
 * address. Each table line with a frame (pages consecutive in VA and in PA,
 * with the same flags) is one segment: one "M x y l dx dy" subpath of the
 * path of its kind (base page, THP, hugetlb, zero page), in whole pixels. A
 * region of scattered base pages is a cloud of dots, one backed by large
 * folios a few long diagonals.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pagemap-walk.h"

#define WIDTH	800
#define HEIGHT	600
#define MARGIN	80

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

static void write_axes(FILE *out, const struct bounds *b)
{
	fprintf(out, "<g class=\"axes\">\n");
	fprintf(out, "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>\n",
		MARGIN, HEIGHT - MARGIN, WIDTH - MARGIN / 2, HEIGHT - MARGIN);
	fprintf(out, "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>\n",
		MARGIN, MARGIN / 2, MARGIN, HEIGHT - MARGIN);
	fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">virtual address</text>\n",
		WIDTH / 2, HEIGHT - MARGIN / 4);
	fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" transform=\"rotate(-90 %d %d)\">physical address</text>\n",
		MARGIN / 4, HEIGHT / 2, MARGIN / 4, HEIGHT / 2);
	fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"start\">%#llx</text>\n",
		MARGIN, HEIGHT - MARGIN + 16, (unsigned long long)b->va_lo);
	fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%#llx</text>\n",
		WIDTH - MARGIN / 2, HEIGHT - MARGIN + 16, (unsigned long long)b->va_hi);
	fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"start\">%#llx</text>\n",
		MARGIN + 4, HEIGHT - MARGIN - 4, (unsigned long long)b->pa_lo);
	fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"start\">%#llx</text>\n",
		MARGIN + 4, MARGIN / 2 + 12, (unsigned long long)b->pa_hi);
	fprintf(out, "</g>\n");
}

/* One coloured mark and label per kind that occurs. */
static void write_legend(FILE *out, const struct pw_plot *plot)
{
	size_t count[PW_PLOT_KINDS] = { 0 }, i;
	int k, y = MARGIN / 2;

	for (i = 0; i < plot->n; i++)
		count[plot->v[i].kind]++;
	fprintf(out, "<g class=\"legend\">\n");
	for (k = 0; k < PW_PLOT_KINDS; k++) {
		if (!count[k])
			continue;
		fprintf(out, "<rect class=\"%s\" x=\"%d\" y=\"%d\" width=\"10\" height=\"10\"/>\n",
			kind_class[k], WIDTH - 3 * MARGIN, y);
		fprintf(out, "<text x=\"%d\" y=\"%d\">%s: %zu run%s</text>\n",
			WIDTH - 3 * MARGIN + 16, y + 10, kind_label[k], count[k],
			count[k] == 1 ? "" : "s");
		y += 18;
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
		x1 = scale(s->va, b->va_lo, b->va_hi, MARGIN, WIDTH - MARGIN / 2);
		x2 = scale(s->va + len, b->va_lo, b->va_hi, MARGIN, WIDTH - MARGIN / 2);
		y1 = scale(pa, b->pa_lo, b->pa_hi, HEIGHT - MARGIN, MARGIN / 2);
		y2 = scale(pa + len, b->pa_lo, b->pa_hi, HEIGHT - MARGIN, MARGIN / 2);
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
	fprintf(out, "<style>text{font:12px sans-serif} .axis{stroke:#000} #runs path{fill:none;stroke-width:2;stroke-linecap:square} .base{stroke:#1f77b4;fill:#1f77b4} .thp{stroke:#ff7f0e;fill:#ff7f0e} .hugetlb{stroke:#d62728;fill:#d62728} .zero{stroke:#7f7f7f;fill:#7f7f7f}</style>\n");
	fprintf(out, "<rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>\n");
	fprintf(out, "<text x=\"%d\" y=\"%d\">%s</text>\n", MARGIN, MARGIN / 4, title);
	if (!plot->n) {
		fprintf(out, "<text x=\"%d\" y=\"%d\">no page with a visible frame</text>\n</svg>\n",
			MARGIN, HEIGHT / 2);
		return;
	}
	write_axes(out, &b);
	write_legend(out, plot);
	fprintf(out, "<g id=\"runs\">\n");
	for (k = 0; k < PW_PLOT_KINDS; k++)
		write_segments(out, plot, &b, k);
	fprintf(out, "</g>\n</svg>\n");
}
