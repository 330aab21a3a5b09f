/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pagemap-walk's parts, one file each:
 *
 *   pagemap-walk-maps.c    the mappings of a process (/proc/PID/maps)
 *   pagemap-walk-pages.c   what the kernel says of each page of a range
 *                          (pagemap, PAGEMAP_SCAN, /proc/kpageflags)
 *   pagemap-walk-report.c  runs, summary, table, JSON
 *   pagemap-walk-plot.c    --plot FILE.svg
 *   pagemap-walk-demo.c    --demo 4k|1g
 *   pagemap-walk.c         options and arguments
 *
 * Functions return errors as negative errno values; only pagemap-walk.c
 * prints an error and exits.
 */
#ifndef PAGEMAP_WALK_H
#define PAGEMAP_WALK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

struct page_region;

/* One line of /proc/PID/maps. */
struct pw_mapping {
	uintptr_t start, end;
	char *name;		/* "" for an anonymous mapping */
};

struct pw_maps {
	struct pw_mapping *v;
	size_t n, cap;
};

int pw_maps_load(pid_t pid, struct pw_maps *maps);
int pw_maps_parse_line(const char *line, struct pw_mapping *m);
void pw_maps_free(struct pw_maps *maps);
bool pw_mapping_named(const struct pw_mapping *m, const char *name);

/* A set of address ranges, sorted and without overlaps. */
struct pw_ranges {
	struct pw_range {
		uintptr_t start, end;
	} *v;
	size_t n, cap;
};

int pw_ranges_add(struct pw_ranges *r, uintptr_t start, uintptr_t end);
void pw_ranges_merge(struct pw_ranges *r);
int pw_empty_mappings(pid_t pid, struct pw_ranges *empty);

/* A page of the window by its frame: sorted, they share kpageflags reads. */
struct pw_frame {
	uint64_t pfn;
	size_t page;		/* index in the window */
};

/* Where the per-page truth of one process comes from. */
struct pw_source {
	pid_t pid;
	int pagemap_fd;
	int kpageflags_fd;	/* -1: zero-page, thp and hugetlb unknown */
	size_t page_size;
	unsigned int page_shift;
	bool pfns_visible;	/* the opener had CAP_SYS_ADMIN */
	bool scan;		/* PAGEMAP_SCAN: holes are skipped unread */
	uint64_t known_pages;	/* pagemap has entries for pages below this */
	uint64_t *raw, *kpf;	/* one batch of entries and of flags words */
	struct pw_frame *frames;	/* the window's frames, sorted for kpageflags */
	struct pw_page *pages;	/* the window: pages [win_va, + win_n pages) */
	uintptr_t win_va;
	size_t win_n;
	struct page_region *regions;	/* the last scan of [scan_from, scanned_to) */
	uintptr_t scan_from, scanned_to;
	long nr_regions, region;	/* how many; the first not yet passed */
	uintptr_t walked_to;		/* the end of the last range walked */
	/* Without the scan: the mappings with no page present or swapped. */
	struct pw_ranges empty;
	uint64_t entries_read;		/* pagemap entries read, for the summary */
};

/*
 * One page as the kernel reports it: pagemap's bits, and the page's own
 * flags from /proc/kpageflags (KPF_ZERO_PAGE, KPF_THP, KPF_HUGE), which are
 * false where that file cannot be read.
 */
struct pw_page {
	uint64_t pfn;		/* 0 unless present and visible */
	bool present, swapped, exclusive, file;
	bool zero, thp, hugetlb;
	bool folio_head;	/* the first page of a large folio (KPF_COMPOUND_HEAD) */
	bool flags_unknown;	/* present, but kpageflags ends before its PFN */
};

int pw_source_open(struct pw_source *src, pid_t pid);
void pw_source_close(struct pw_source *src);
bool pw_in_pagemap(struct pw_source *src, uintptr_t va);
bool pw_source_alive(const struct pw_source *src);

struct pw_report;
int pw_walk_range(struct pw_source *src, uintptr_t start, uintptr_t end,
		  uintptr_t ahead, struct pw_report *rep);

/* Physical runs: how many, how long. */
#define PW_HIST_BUCKETS	40

/* Physical runs of [from, to] pages (to 0: no bound), and their pages. */
#define PW_RUN_CLASSES	5
struct pw_run_class {
	size_t from, to;
	size_t runs, pages;
};

/*
 * Large folios as mapped here: a THP or hugetlb folio's pages from its head
 * on, consecutive in VA and PA. Mapped whole, that is the folio's size.
 */
#define PW_FOLIO_SIZES	12
struct pw_folio_size {
	size_t pages;
	bool hugetlb;
	size_t folios;
};

struct pw_summary {
	size_t pages, present, swapped, zero, thp, hugetlb, flags_unknown;
	size_t runs, longest, run_len;
	size_t hist[PW_HIST_BUCKETS];
	struct pw_run_class cls[PW_RUN_CLASSES];
	size_t nr_cls;
	struct pw_folio_size folio[PW_FOLIO_SIZES];
	size_t nr_folio_sizes, other_folios;	/* other: past PW_FOLIO_SIZES sizes */
	size_t partial_folios;			/* not from their head page */
	size_t folio_len;			/* of the folio being counted */
	bool folio_hugetlb, folio_whole;
	size_t pmd_offset_checked, pmd_offset_agree;
	uint64_t last_pfn;
	double walk_ms;		/* reading and decoding */
};

/* A table line: pages consecutive in VA and PA with the same flags. */
struct pw_run {
	uintptr_t va;
	size_t pages;
	struct pw_page first;
	bool open;
};

/* The segments of --plot: one per table line with a frame. */
enum pw_plot_kind { PW_PLOT_BASE, PW_PLOT_THP, PW_PLOT_HUGETLB, PW_PLOT_ZERO, PW_PLOT_KINDS };

struct pw_plot {
	struct pw_plot_seg {
		uintptr_t va;
		size_t pages;
		uint64_t pfn;
		enum pw_plot_kind kind;
	} *v;
	size_t n, cap;
	size_t page_size, pmd_size;
	struct pw_summary s;	/* the walk's, when it is finished */
	int error;		/* -ENOMEM if a segment was lost */
};

struct pw_report {
	FILE *out;
	struct pw_plot *plot;	/* NULL: no --plot */
	bool json, quiet;	/* quiet: the summary only */
	int walk_fd;		/* --levels: the kernel walk file, or -1 */
	pid_t pid;
	size_t page_size, pmd_size;
	bool json_first;
	struct pw_run run;
	struct pw_summary s;
};

void pw_report_init(struct pw_report *rep, FILE *out, const struct pw_source *src);
void pw_report_mapping(struct pw_report *rep, const struct pw_mapping *m);
void pw_report_pages(struct pw_report *rep, uintptr_t va,
		     const struct pw_page *pages, size_t n);
void pw_report_absent(struct pw_report *rep, uintptr_t va, size_t n);
void pw_report_end_range(struct pw_report *rep);
void pw_report_begin(struct pw_report *rep);
void pw_report_finish(struct pw_report *rep);
void pw_report_summary(struct pw_report *rep, const struct pw_source *src,
		       const char *not_walked);
void pw_folio_name(const struct pw_folio_size *f, size_t page_size,
		   size_t pmd_size, char *buf, size_t len);
void pw_size_name(uint64_t bytes, char *buf, size_t len);
void pw_run_class_name(const struct pw_run_class *c, size_t page_size,
		       size_t pmd_size, char *buf, size_t len);

int pw_plot_add(struct pw_plot *plot, const struct pw_run *run);
void pw_plot_reset(struct pw_plot *plot);
void pw_plot_free(struct pw_plot *plot);
void pw_plot_write(const struct pw_plot *plot, FILE *out, const char *title);

int pw_demo(const char *mode, bool json, FILE *out, struct pw_plot *plot);

#endif /* PAGEMAP_WALK_H */
