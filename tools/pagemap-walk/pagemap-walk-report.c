// SPDX-License-Identifier: GPL-2.0
/*
 * What pagemap-walk prints: one table line (or JSON object) per run of
 * pages consecutive in VA and in PA with the same flags, then a summary.
 * Everything goes to one FILE, which the caller writes out only when the
 * whole walk has succeeded.
 */
#include <stdio.h>
#include <string.h>

#include "../../selftests/kernel_walk.h"
#include "../../selftests/vm_env.h"
#include "pagemap-walk.h"

/*
 * The lengths the summary and the picture sort physical runs by: a page,
 * a few, up to a PMD's worth, a PMD's worth, more. Without a PMD size
 * (no THP) the last three are one: 16 pages and more.
 */
static void init_run_classes(struct pw_summary *s, size_t pmd_pages)
{
	const size_t bounds[] = { 1, 2, 16, pmd_pages, 2 * pmd_pages };
	size_t i, n = pmd_pages > 16 ? PW_RUN_CLASSES : 3;

	for (i = 0; i < n; i++) {
		s->cls[i].from = bounds[i];
		s->cls[i].to = i + 1 < n ? bounds[i + 1] - 1 : 0;
	}
	s->nr_cls = n;
}

void pw_report_init(struct pw_report *rep, FILE *out, const struct pw_source *src)
{
	memset(rep, 0, sizeof(*rep));
	rep->out = out;
	rep->walk_fd = -1;
	rep->pid = src->pid;
	rep->page_size = src->page_size;
	rep->pmd_size = thp_pmd_size();
	rep->json_first = true;
	init_run_classes(&rep->s, rep->pmd_size / rep->page_size);
}

static bool same_kind(const struct pw_page *a, const struct pw_page *b)
{
	return a->present == b->present && a->swapped == b->swapped &&
	       a->exclusive == b->exclusive && a->file == b->file &&
	       a->zero == b->zero && a->thp == b->thp &&
	       a->hugetlb == b->hugetlb && a->flags_unknown == b->flags_unknown;
}

/* The flag words of @pi into @buf (at least 128 bytes). */
static void flags_text(const struct pw_page *pi, char *buf)
{
	buf[0] = '\0';
	strcat(buf, pi->present ? "present" : pi->swapped ? "swapped" : "absent");
	if (pi->exclusive)
		strcat(buf, " exclusive");
	if (pi->file)
		strcat(buf, " file/shared");
	if (pi->zero)
		strcat(buf, " zero-page");
	if (pi->thp)
		strcat(buf, " thp");
	if (pi->hugetlb)
		strcat(buf, " hugetlb");
	if (pi->flags_unknown)
		strcat(buf, " no-kpageflags");
}

/*
 * @v right-aligned in @width as printf's "%#*llx" (or "%*llu" if !@hex)
 * writes it, ending at @end; returns where it starts. The table is written
 * a line at a time, a quarter of the time printf() takes over it.
 */
static char *put_number(char *end, int width, unsigned long long v, bool hex)
{
	char *p = end;

	do {
		*--p = "0123456789abcdef"[hex ? v % 16 : v % 10];
		v = hex ? v / 16 : v / 10;
	} while (v);
	if (hex && !(p[0] == '0' && p + 1 == end)) {
		*--p = 'x';
		*--p = '0';
	}
	while (end - p < width)
		*--p = ' ';
	return p;
}

/* "VA-start VA-end pages PA flags": the text table's line for a run. */
static void table_line(FILE *out, uintptr_t va, uintptr_t last, size_t pages,
		       unsigned long long pa, const char *flags)
{
	char line[64];

	memset(line, ' ', sizeof(line));
	put_number(line + 14, 14, va, true);
	line[14] = '-';
	put_number(line + 29, 14, last, true);
	put_number(line + 38, 8, pages, false);
	if (pa)
		put_number(line + 54, 14, pa, true);
	else
		line[53] = '-';
	fwrite(line, 1, 56, out);
	fputs(flags, out);
	fputc('\n', out);
}

/*
 * The kernel's walk of @va, as "pgd[1] -> pud[3] -> pmd[7] -> pte[9]: leaf
 * 4 KiB, entries 0x... 0x...": the slot read at each level that is not
 * folded, how the walk ended, the raw entries.
 */
static void levels_text(const struct pw_report *rep, uintptr_t va, char *buf,
			size_t len)
{
	struct kwalk w;
	size_t pos = 0;
	int l, ret;

	ret = kwalk_get(rep->walk_fd, rep->pid, (const void *)va, &w);
	if (ret) {
		snprintf(buf, len, "kernel walk failed: %s", strerror(-ret));
		return;
	}
	for (l = KWALK_PGD; l < KWALK_NR_LEVELS && pos < len; l++)
		if (w.entry[l].visited)
			pos += snprintf(buf + pos, len - pos, "%s%s[%u]",
					pos ? " -> " : "", kwalk_level_name(l),
					w.entry[l].slot);
	if (pos < len && w.status == KWALK_MAPPED)
		pos += snprintf(buf + pos, len - pos, ": leaf %llu KiB, entries",
				(unsigned long long)w.size >> 10);
	else if (pos < len)
		pos += snprintf(buf + pos, len - pos, ": %s, entries",
				kwalk_status_name(w.status));
	for (l = KWALK_PGD; l < KWALK_NR_LEVELS && pos < len; l++)
		if (w.entry[l].visited)
			pos += snprintf(buf + pos, len - pos, " %#llx",
					(unsigned long long)w.entry[l].raw);
}

static void run_print(struct pw_report *rep)
{
	const struct pw_run *r = &rep->run;
	uintptr_t last = r->va + r->pages * rep->page_size - 1;
	char flags[128], levels[256] = "";

	if (r->open && rep->plot)
		pw_plot_add(rep->plot, r);
	if (!r->open || rep->quiet)
		return;
	flags_text(&r->first, flags);
	if (rep->walk_fd >= 0)
		levels_text(rep, r->va, levels, sizeof(levels));
	if (rep->json) {
		char pa[32] = "null";

		if (r->first.pfn)
			snprintf(pa, sizeof(pa), "\"%#llx\"",
				 (unsigned long long)(r->first.pfn * rep->page_size));
		fprintf(rep->out, "%s\n    {\"va\": \"%#lx\", \"pages\": %zu, \"pa\": %s, \"flags\": \"%s\"",
			rep->json_first ? "" : ",", (unsigned long)r->va,
			r->pages, pa, flags);
		if (levels[0])
			fprintf(rep->out, ", \"levels\": \"%s\"", levels);
		fputc('}', rep->out);
		rep->json_first = false;
		return;
	}
	table_line(rep->out, r->va, last, r->pages,
		   (unsigned long long)(r->first.pfn * rep->page_size), flags);
	if (levels[0])
		fprintf(rep->out, "%33s %s\n", "", levels);
}

/* Close the physical run in the histogram and its length class. */
static void end_physical_run(struct pw_summary *s)
{
	size_t i;

	if (!s->run_len)
		return;
	s->hist[63 - __builtin_clzll(s->run_len)]++;
	for (i = s->nr_cls; i--; ) {
		if (s->run_len >= s->cls[i].from) {
			s->cls[i].runs++;
			s->cls[i].pages += s->run_len;
			break;
		}
	}
	s->run_len = 0;
}

/* Close the large folio being counted: one more of its size. */
static void end_folio(struct pw_summary *s)
{
	size_t i;

	if (!s->folio_len)
		return;
	/* A large folio has 2^order pages, order 1 or more. */
	if (!s->folio_whole || s->folio_len < 2 || (s->folio_len & (s->folio_len - 1))) {
		s->partial_folios++;
		s->folio_len = 0;
		return;
	}
	for (i = 0; i < s->nr_folio_sizes; i++)
		if (s->folio[i].pages == s->folio_len &&
		    s->folio[i].hugetlb == s->folio_hugetlb)
			break;
	if (i == PW_FOLIO_SIZES) {
		s->other_folios++;
	} else {
		if (i == s->nr_folio_sizes) {
			s->folio[i] = (struct pw_folio_size){
				.pages = s->folio_len, .hugetlb = s->folio_hugetlb,
			};
			s->nr_folio_sizes++;
		}
		s->folio[i].folios++;
	}
	s->folio_len = 0;
}

/*
 * A THP or hugetlb page: a folio goes on while its pages follow in VA and
 * PA, up to the next head. @follows: @pi's frame follows the last one. One
 * whose first page here is not its head, or whose pages here are not a
 * power of two of them, is mapped or walked in part.
 */
static void count_folio(struct pw_summary *s, const struct pw_page *pi,
			bool follows)
{
	bool large = (pi->thp && !pi->zero) || pi->hugetlb;	/* not the huge zero page */

	if (!large || pi->folio_head || !follows || pi->hugetlb != s->folio_hugetlb)
		end_folio(s);
	if (large) {
		if (!s->folio_len)
			s->folio_whole = pi->folio_head;
		s->folio_len++;
		s->folio_hugetlb = pi->hugetlb;
	}
}

/* Pages not consecutive in VA follow: runs and folios end here. */
static void end_runs(struct pw_summary *s)
{
	end_physical_run(s);
	end_folio(s);
}

static void count_page(struct pw_report *rep, uintptr_t va,
		       const struct pw_page *pi)
{
	struct pw_summary *s = &rep->s;

	s->pages++;
	s->present += pi->present;
	s->swapped += pi->swapped;
	s->zero += pi->zero;
	s->thp += pi->thp;
	s->hugetlb += pi->hugetlb;
	s->flags_unknown += pi->flags_unknown;
	if (!pi->pfn) {
		end_runs(s);
		return;
	}
	count_folio(s, pi, s->run_len && pi->pfn == s->last_pfn + 1);
	if (!s->run_len || pi->pfn != s->last_pfn + 1) {
		end_physical_run(s);
		s->runs++;
	}
	s->run_len++;
	if (s->run_len > s->longest)
		s->longest = s->run_len;
	s->last_pfn = pi->pfn;
	if (rep->pmd_size) {
		uint64_t pa = pi->pfn * rep->page_size;

		s->pmd_offset_checked++;
		s->pmd_offset_agree += (pa & (rep->pmd_size - 1)) ==
				       (va & (rep->pmd_size - 1));
	}
}

/* Does @pi continue the table line at @va? */
static bool extends_run(const struct pw_report *rep, uintptr_t va,
			const struct pw_page *pi)
{
	const struct pw_run *r = &rep->run;

	return r->open && same_kind(&r->first, pi) &&
	       va == r->va + r->pages * rep->page_size &&
	       (!pi->pfn || pi->pfn == r->first.pfn + r->pages);
}

static void add_to_run(struct pw_report *rep, uintptr_t va,
		       const struct pw_page *pi, size_t n)
{
	if (!extends_run(rep, va, pi)) {
		run_print(rep);
		rep->run.va = va;
		rep->run.pages = 0;
		rep->run.first = *pi;
		rep->run.open = true;
	}
	rep->run.pages += n;
}

void pw_report_pages(struct pw_report *rep, uintptr_t va,
		     const struct pw_page *pages, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++, va += rep->page_size) {
		count_page(rep, va, &pages[i]);
		add_to_run(rep, va, &pages[i], 1);
	}
}

/* @n pages from @va with nothing mapped: counted at once. */
void pw_report_absent(struct pw_report *rep, uintptr_t va, size_t n)
{
	static const struct pw_page absent;

	if (!n)
		return;
	rep->s.pages += n;
	end_runs(&rep->s);
	add_to_run(rep, va, &absent, n);
}

/* The end of a walked range: its last line is printed. */
void pw_report_end_range(struct pw_report *rep)
{
	run_print(rep);
	rep->run.open = false;
	end_runs(&rep->s);
}

void pw_report_begin(struct pw_report *rep)
{
	if (rep->json)
		fprintf(rep->out, "{\n  \"pid\": %d,\n  \"runs\": [", (int)rep->pid);
	else if (!rep->quiet)
		fprintf(rep->out, "%16s %16s %8s  %14s  %s\n", "VA start",
			"VA end", "pages", "PA start", "flags");
}

void pw_report_mapping(struct pw_report *rep, const struct pw_mapping *m)
{
	if (!rep->json && !rep->quiet)
		fprintf(rep->out, "# %lx-%lx %s\n", (unsigned long)m->start,
			(unsigned long)m->end, m->name);
}

/* @str as a JSON string: mapping names may hold quotes and controls. */
static void json_string(FILE *out, const char *str)
{
	fputc('"', out);
	for (; *str; str++) {
		unsigned char c = *str;

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

/* @bytes as the kernel names sizes: "4 KiB", "2 MiB", "1 GiB". */
void pw_size_name(uint64_t bytes, char *buf, size_t len)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	int u = 0;

	while (u < 4 && bytes && !(bytes & 1023)) {
		bytes >>= 10;
		u++;
	}
	snprintf(buf, len, "%llu %s", (unsigned long long)bytes, unit[u]);
}

/*
 * What the kernel mapped, by the size of a folio: "mTHP 16 KiB" (below a
 * PMD), "PMD THP 2 MiB", "hugetlb 1 GiB".
 */
void pw_folio_name(const struct pw_folio_size *f, size_t page_size,
		   size_t pmd_size, char *buf, size_t len)
{
	uint64_t bytes = (uint64_t)f->pages * page_size;
	char size[32];

	pw_size_name(bytes, size, sizeof(size));
	if (f->hugetlb)
		snprintf(buf, len, "hugetlb %s", size);
	else if (pmd_size && bytes < pmd_size)
		snprintf(buf, len, "mTHP %s", size);
	else
		snprintf(buf, len, "%sTHP %s", bytes == pmd_size ? "PMD " : "", size);
}

/*
 * "1 page", "2-15 pages", "512-1023 pages (a PMD)", "1024+ pages": the
 * lengths of class @c.
 */
void pw_run_class_name(const struct pw_run_class *c, size_t page_size,
		       size_t pmd_size, char *buf, size_t len)
{
	const char *pmd = pmd_size && c->from * page_size == pmd_size ? " (a PMD)" : "";

	if (c->from == c->to)
		snprintf(buf, len, "%zu page%s", c->from, c->from == 1 ? "" : "s");
	else if (c->to)
		snprintf(buf, len, "%zu-%zu pages%s", c->from, c->to, pmd);
	else
		snprintf(buf, len, "%zu+ pages", c->from);
}

static void run_classes_json(const struct pw_report *rep)
{
	const struct pw_summary *s = &rep->s;
	size_t i;

	fprintf(rep->out, ", \"run_classes\": [");
	for (i = 0; i < s->nr_cls; i++)
		fprintf(rep->out, "%s{\"from\": %zu, \"to\": %zu, \"runs\": %zu, \"bytes\": %llu}",
			i ? ", " : "", s->cls[i].from, s->cls[i].to, s->cls[i].runs,
			(unsigned long long)s->cls[i].pages * rep->page_size);
	fprintf(rep->out, "], \"folios\": [");
	for (i = 0; i < s->nr_folio_sizes; i++) {
		char name[64];

		pw_folio_name(&s->folio[i], rep->page_size, rep->pmd_size, name,
			      sizeof(name));
		fprintf(rep->out, "%s{\"name\": \"%s\", \"bytes\": %llu, \"count\": %zu}",
			i ? ", " : "", name,
			(unsigned long long)s->folio[i].pages * rep->page_size,
			s->folio[i].folios);
	}
	fprintf(rep->out, "], \"other_folios\": %zu, \"partial_folios\": %zu",
		s->other_folios, s->partial_folios);
}

static void run_classes_text(const struct pw_report *rep)
{
	const struct pw_summary *s = &rep->s;
	size_t i;

	fprintf(rep->out, "bytes by physical run length:");
	for (i = 0; i < s->nr_cls; i++) {
		char name[48];

		pw_run_class_name(&s->cls[i], rep->page_size, rep->pmd_size, name,
				  sizeof(name));
		fprintf(rep->out, "%s %s %.1f%% (%zu runs)", i ? "," : "", name,
			s->present ? 100.0 * s->cls[i].pages / s->present : 0.0,
			s->cls[i].runs);
	}
	fputc('\n', rep->out);
	if (!s->nr_folio_sizes && !s->partial_folios)
		return;
	fprintf(rep->out, "large folios as mapped:");
	for (i = 0; i < s->nr_folio_sizes; i++) {
		char name[64];

		pw_folio_name(&s->folio[i], rep->page_size, rep->pmd_size, name,
			      sizeof(name));
		fprintf(rep->out, "%s %s x%zu", i ? "," : "", name, s->folio[i].folios);
	}
	if (s->other_folios)
		fprintf(rep->out, ", %zu of other sizes", s->other_folios);
	if (s->partial_folios)
		fprintf(rep->out, "%s %zu in part (not from their head)",
			s->nr_folio_sizes ? "," : "", s->partial_folios);
	fputc('\n', rep->out);
}

static void summary_json(struct pw_report *rep, const struct pw_source *src,
			 const char *not_walked)
{
	const struct pw_summary *s = &rep->s;
	const char *sep = "";
	size_t i;

	fprintf(rep->out, "\n  ],\n  \"summary\": {\"pages\": %zu, \"present\": %zu, \"swapped\": %zu, \"zero_page\": %zu, \"thp\": %zu, \"hugetlb\": %zu, \"no_kpageflags\": %zu, \"pfns_visible\": %s, \"kpageflags\": %s, \"physical_runs\": %zu, \"longest_run\": %zu, \"pmd_bytes\": %zu, \"pmd_offset_agree\": %zu, \"checked\": %zu, \"walk_ms\": %.2f, \"pagemap_scan\": %s, \"entries_read\": %llu, \"not_walked\": ",
		s->pages, s->present, s->swapped, s->zero, s->thp, s->hugetlb,
		s->flags_unknown, src->pfns_visible ? "true" : "false",
		src->kpageflags_fd >= 0 ? "true" : "false", s->runs, s->longest,
		rep->pmd_size, s->pmd_offset_agree, s->pmd_offset_checked,
		s->walk_ms, src->scan ? "true" : "false",
		(unsigned long long)src->entries_read);
	json_string(rep->out, not_walked);
	fprintf(rep->out, ", \"run_histogram\": {");
	for (i = 0; i < PW_HIST_BUCKETS; i++)
		if (s->hist[i]) {
			fprintf(rep->out, "%s\"%zu\": %zu", sep, (size_t)1 << i,
				s->hist[i]);
			sep = ", ";
		}
	fputc('}', rep->out);
	run_classes_json(rep);
	fprintf(rep->out, "}\n}\n");
}

static void summary_text(struct pw_report *rep, const struct pw_source *src,
			 const char *not_walked)
{
	const struct pw_summary *s = &rep->s;
	size_t i;

	fprintf(rep->out, "\n%zu pages: %zu present, %zu swapped, %zu absent; walked in %.1f ms\n",
		s->pages, s->present, s->swapped,
		s->pages - s->present - s->swapped, s->walk_ms);
	if (not_walked[0])
		fprintf(rep->out, "not walked (above the end of pagemap): %s\n",
			not_walked);
	if (src->kpageflags_fd >= 0)
		fprintf(rep->out, "from /proc/kpageflags: %zu zero-page, %zu THP, %zu hugetlb; %zu frames beyond its end\n",
			s->zero, s->thp, s->hugetlb, s->flags_unknown);
	else
		fprintf(rep->out, "zero-page, THP and hugetlb: not shown (/proc/kpageflags %s)\n",
			src->pfns_visible ? "cannot be read" : "needs CAP_SYS_ADMIN");
	if (!src->pfns_visible) {
		fprintf(rep->out, "PFNs are hidden: reading them needs CAP_SYS_ADMIN; the flags above are still right\n");
		return;
	}
	fprintf(rep->out, "physical runs: %zu, longest %zu pages; run lengths:",
		s->runs, s->longest);
	for (i = 0; i < PW_HIST_BUCKETS; i++)
		if (s->hist[i])
			fprintf(rep->out, " %zu-%zu:%zu", (size_t)1 << i,
				((size_t)2 << i) - 1, s->hist[i]);
	fputc('\n', rep->out);
	run_classes_text(rep);
	if (rep->pmd_size)
		fprintf(rep->out, "VA and PA agree in their offset within a PMD (%zu KiB) for %zu of %zu present pages\n",
			rep->pmd_size >> 10, s->pmd_offset_agree,
			s->pmd_offset_checked);
}

/*
 * The counts are final: the last physical run is in the histogram, the
 * last folio counted; the picture gets them.
 */
void pw_report_finish(struct pw_report *rep)
{
	end_runs(&rep->s);
	if (rep->plot) {
		rep->plot->s = rep->s;
		rep->plot->pmd_size = rep->pmd_size;
	}
}

/* The summary; @not_walked names mappings pagemap does not cover. */
void pw_report_summary(struct pw_report *rep, const struct pw_source *src,
		       const char *not_walked)
{
	pw_report_finish(rep);
	if (rep->json)
		summary_json(rep, src, not_walked);
	else
		summary_text(rep, src, not_walked);
}
