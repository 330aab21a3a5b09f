// SPDX-License-Identifier: GPL-2.0
/*
 * pagemap-walk: show how a process's virtual pages map to physical frames.
 *
 *   pagemap-walk [-p PID] [--json] [--summary] [--levels] [RANGE | MAPPING]...
 *   pagemap-walk --demo 4k|1g [--json]
 *
 * RANGE is START-END or START+LENGTH (hex with 0x, or decimal, with an
 * optional K, M or G suffix); MAPPING is a name as /proc/PID/maps shows it
 * ([heap], [stack], a path, or a file's base name). With neither, every
 * mapping of the process is walked. Runs of pages that are virtually and
 * physically consecutive with the same flags are printed as one line.
 * With --levels, where the kernel offers its own walk (CONFIG_PTWALK_DEBUGFS),
 * each line is followed by the kernel's walk of its first page.
 *
 * Exit status: 0 on success, 2 on bad input or a process or file that
 * cannot be read, 1 on anything else.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "../selftests/kernel_walk.h"
#include "../selftests/pagemap.h"

#define BATCH_PAGES	(1UL << 18)	/* entries per pread: 1 GiB of VA */
#define HIST_BUCKETS	24

static const char *prog = "pagemap-walk";
static size_t ps;		/* the page size, and its log2 */
static unsigned int pshift;

static void __attribute__((noreturn, format(printf, 2, 3)))
die(int status, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(status);
}

/* What one page is, as far as the table cares. */
struct page_info {
	uint64_t pfn;
	bool present, swapped, exclusive, file, zero, thp, huge;
};

/* Everything the summary reports. */
struct summary {
	size_t pages, present, swapped, zero, thp, hugetlb;
	size_t runs, longest, run_len;
	size_t hist[HIST_BUCKETS];
	size_t low_bits_checked, low12_ok, low21_ok;
	uint64_t last_pfn;
	bool pfns_visible;
	double walk_ms;		/* time spent reading and decoding */
};

struct options {
	pid_t pid;
	bool json;
	bool quiet;		/* summary only, no table */
	int walk_fd;		/* --levels: the kernel walk file, or -1 */
};

/* A run of pages printed as one line. */
struct run {
	uintptr_t va;
	size_t pages;
	struct page_info first;
	bool open;
};

/*
 * Where the process's memory can hold THPs or hugetlb pages: the mappings
 * of /proc/PID/smaps with AnonHugePages or a kernel page size above the
 * base page. Only there does the walk ask /proc/kpageflags anything, once
 * per 2 MiB, so that reading a gigabyte costs about one pagemap pread.
 */
struct vma {
	uintptr_t start, end;
	char name[256];
	bool thp;
	bool hugetlb;
};

struct vmas {
	struct vma *v;
	size_t n;
};

static uint64_t zero_pfn;	/* the shared zero page, 0 if unknown */

/* The cached answer of kpageflags for one 2 MiB chunk of VA. */
struct thp_cache {
	uintptr_t chunk;
	uint64_t head_pfn;
	bool thp;
};

#define CHUNK	(2UL << 20)

static bool in_thp(struct thp_cache *c, uintptr_t va, uint64_t pfn)
{
	uintptr_t chunk = va & ~(CHUNK - 1);
	uint64_t idx = (va - chunk) >> pshift, flags;

	if (c->chunk != chunk || !c->head_pfn) {
		c->chunk = chunk;
		c->head_pfn = pfn - idx;
		c->thp = !kpageflags_get(pfn, &flags) && kpf_test(flags, KPF_THP);
	}
	return c->thp && pfn == c->head_pfn + idx;
}

static struct page_info page_info(uint64_t raw, uintptr_t va,
				  const struct vma *vma, struct thp_cache *c)
{
	struct pm_entry e = pagemap_decode(raw);
	struct page_info pi = {
		.pfn = e.pfn,
		.present = e.present,
		.swapped = e.swapped,
		.exclusive = e.exclusive,
		.file = e.file,
		.zero = e.pfn && e.pfn == zero_pfn,
	};

	if (e.pfn && vma && vma->hugetlb)
		pi.huge = true;
	else if (e.pfn && vma && vma->thp)
		pi.thp = in_thp(c, va, e.pfn);
	return pi;
}

static bool same_kind(const struct page_info *a, const struct page_info *b)
{
	return a->present == b->present && a->swapped == b->swapped &&
	       a->exclusive == b->exclusive && a->file == b->file &&
	       a->zero == b->zero && a->thp == b->thp && a->huge == b->huge;
}

static void flags_text(const struct page_info *pi, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s%s%s%s",
		 pi->present ? "present" : pi->swapped ? "swapped" : "absent",
		 pi->exclusive ? " exclusive" : "", pi->file ? " file/shared" : "",
		 pi->zero ? " zero-page" : "", pi->thp ? " thp" : "",
		 pi->huge ? " hugetlb" : "");
}

static bool json_first = true;

/*
 * The kernel's walk of @va, as "pgd[1] -> pud[3] -> pmd[7] -> pte[9]: leaf
 * 4 KiB, entries 0x... 0x...": the slot read at each level that is not
 * folded, how the walk ended, the raw entries.
 */
static void levels_text(const struct options *o, uintptr_t va, char *buf,
			size_t len)
{
	struct kwalk w;
	size_t pos = 0;
	int l, ret;

	ret = kwalk_get(o->walk_fd, o->pid, (const void *)va, &w);
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

static void run_print(const struct options *o, const struct run *r)
{
	char flags[128], levels[256] = "";

	if (!r->open || o->quiet)
		return;
	flags_text(&r->first, flags, sizeof(flags));
	if (o->walk_fd >= 0)
		levels_text(o, r->va, levels, sizeof(levels));
	if (o->json) {
		char pa[32] = "null";

		if (r->first.pfn)
			snprintf(pa, sizeof(pa), "\"%#llx\"",
				 (unsigned long long)(r->first.pfn * ps));
		printf("%s\n    {\"va\": \"%#lx\", \"pages\": %zu, \"pa\": %s, \"flags\": \"%s\"",
		       json_first ? "" : ",", (unsigned long)r->va, r->pages,
		       pa, flags);
		if (levels[0])
			printf(", \"levels\": \"%s\"", levels);
		putchar('}');
		json_first = false;
		return;
	}
	if (r->first.pfn)
		printf("%#14lx-%#14lx %8zu  %#14llx  %s\n", (unsigned long)r->va,
		       (unsigned long)(r->va + r->pages * ps - 1), r->pages,
		       (unsigned long long)(r->first.pfn * ps), flags);
	else
		printf("%#14lx-%#14lx %8zu  %14s  %s\n", (unsigned long)r->va,
		       (unsigned long)(r->va + r->pages * ps - 1), r->pages,
		       "-", flags);
	if (levels[0])
		printf("%33s %s\n", "", levels);
}

/* Add one page to the summary and to the current table line. */
static void account(const struct options *o, struct summary *s,
		    struct run *r, uintptr_t va, const struct page_info *pi)
{
	bool extends;

	s->pages++;
	s->present += pi->present;
	s->swapped += pi->swapped;
	s->zero += pi->zero;
	s->thp += pi->thp;
	s->hugetlb += pi->huge;

	if (pi->pfn) {
		/* Physical runs: consecutive frames for consecutive pages. */
		if (s->run_len && pi->pfn == s->last_pfn + 1) {
			s->run_len++;
		} else {
			if (s->run_len)
				s->hist[63 - __builtin_clzll(s->run_len)]++;
			s->runs++;
			s->run_len = 1;
		}
		if (s->run_len > s->longest)
			s->longest = s->run_len;
		s->last_pfn = pi->pfn;

		s->low_bits_checked++;
		s->low12_ok += ((pi->pfn << pshift) & 0xfff) == (va & 0xfff);
		s->low21_ok += (pi->pfn & 511) == ((va >> pshift) & 511);
	}

	extends = r->open && same_kind(&r->first, pi) &&
		  va == r->va + r->pages * ps &&
		  (!pi->pfn || pi->pfn == r->first.pfn + r->pages);
	if (!extends) {
		run_print(o, r);
		r->va = va;
		r->pages = 0;
		r->first = *pi;
		r->open = true;
	}
	r->pages++;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* The mapping that holds @va, or NULL; @hint remembers the last one. */
static const struct vma *find_vma(const struct vmas *vs, uintptr_t va,
				  size_t *hint)
{
	size_t i = *hint < vs->n && vs->v[*hint].start <= va ? *hint : 0;

	for (; i < vs->n && vs->v[i].start <= va; i++)
		if (va < vs->v[i].end) {
			*hint = i;
			return &vs->v[i];
		}
	return NULL;
}

/* Walk [start, end) of the process behind @fd in large batches. */
static int walk_range(const struct options *o, int fd, const struct vmas *vs,
		      uintptr_t start, uintptr_t end, struct summary *s)
{
	size_t total = (end - start) >> pshift, done = 0, hint = 0;
	uint64_t *raw = malloc(BATCH_PAGES * sizeof(*raw));
	struct thp_cache cache = { 0 };
	struct run r = { 0 };
	time_t t0 = time(NULL);
	double start_ms = now_ms();
	bool progress = false;

	if (!raw)
		return -ENOMEM;
	while (done < total) {
		size_t n = total - done < BATCH_PAGES ? total - done : BATCH_PAGES;
		ssize_t got = pagemap_read(fd, start + done * ps, n, raw);
		ssize_t i;

		if (got < 0) {
			free(raw);
			return got;
		}
		if (got == 0)
			break;	/* past the end of the user address space */
		for (i = 0; i < got;) {
			uintptr_t va = start + ((done + i) << pshift);
			const struct vma *vma = find_vma(vs, va, &hint);
			ssize_t seg = vma ? (ssize_t)((vma->end - va) >> pshift) : 1;

			/* One mapping at a time: no lookup per page. */
			for (seg = seg < got - i ? seg : got - i; seg--; i++) {
				struct page_info pi = page_info(raw[i], va, vma, &cache);

				account(o, s, &r, va, &pi);
				va += ps;
			}
		}
		done += got;
		if (!o->json && isatty(STDERR_FILENO) && time(NULL) - t0 >= 1) {
			fprintf(stderr, "\r%s: %zu%% of %zu pages", prog,
				done * 100 / total, total);
			progress = true;
		}
	}
	if (progress)
		fputc('\n', stderr);
	run_print(o, &r);
	free(raw);
	s->walk_ms += now_ms() - start_ms;
	return 0;
}

/* Close the physical run still open at the end of the walk. */
static void finish(struct summary *s)
{
	if (s->run_len)
		s->hist[63 - __builtin_clzll(s->run_len)]++;
	s->run_len = 0;
}

static void print_summary(const struct options *o, const struct summary *s)
{
	const char *sep;
	size_t i;

	if (o->json) {
		printf("\n  ],\n  \"summary\": {\"pages\": %zu, \"present\": %zu, \"swapped\": %zu, \"zero_page\": %zu, \"thp\": %zu, \"hugetlb\": %zu, \"pfns_visible\": %s, \"physical_runs\": %zu, \"longest_run\": %zu, \"low12_agree\": %zu, \"low21_agree\": %zu, \"checked\": %zu, \"walk_ms\": %.2f, \"run_histogram\": {",
		       s->pages, s->present, s->swapped,
		       s->zero, s->thp, s->hugetlb,
		       s->pfns_visible ? "true" : "false", s->runs, s->longest,
		       s->low12_ok, s->low21_ok, s->low_bits_checked, s->walk_ms);
		for (i = 0, sep = ""; i < HIST_BUCKETS; i++)
			if (s->hist[i]) {
				printf("%s\"%zu\": %zu", sep, 1UL << i, s->hist[i]);
				sep = ", ";
			}
		printf("}}\n}\n");
		return;
	}
	printf("\n%zu pages: %zu present, %zu swapped, %zu absent; %zu zero-page, %zu THP, %zu hugetlb; walked in %.1f ms\n",
	       s->pages, s->present, s->swapped,
	       s->pages - s->present - s->swapped, s->zero, s->thp, s->hugetlb,
	       s->walk_ms);
	if (!s->pfns_visible) {
		printf("PFNs are hidden: reading them needs CAP_SYS_ADMIN; the flags above are still right\n");
		return;
	}
	printf("physical runs: %zu, longest %zu pages; run lengths:", s->runs,
	       s->longest);
	for (i = 0; i < HIST_BUCKETS; i++)
		if (s->hist[i])
			printf(" %zu-%zu:%zu", 1UL << i, (2UL << i) - 1, s->hist[i]);
	printf("\nVA/PA low 12 bits agree for %zu of %zu present pages; low 21 bits for %zu\n",
	       s->low12_ok, s->low_bits_checked, s->low21_ok);
}

/* Parse a number with an optional K, M or G suffix. */
static bool parse_size(const char *str, const char *end, uintptr_t *val)
{
	char *stop;
	unsigned long long v;

	errno = 0;
	int shift = 0;

	v = strtoull(str, &stop, 0);
	if (errno || stop == str || *str == '-')
		return false;
	switch (*stop) {
	case 'K': case 'k': shift = 10; stop++; break;
	case 'M': case 'm': shift = 20; stop++; break;
	case 'G': case 'g': shift = 30; stop++; break;
	default: break;
	}
	if (v > (UINTPTR_MAX >> shift))
		return false;
	*val = (uintptr_t)(v << shift);
	return stop == end;
}

/* START-END or START+LENGTH; false if @arg is not a range. */
static bool parse_range(const char *arg, uintptr_t *start, uintptr_t *end)
{
	const char *sep = strpbrk(arg + 1, "-+");
	uintptr_t a, b;

	if (!sep || !parse_size(arg, sep, &a) ||
	    !parse_size(sep + 1, arg + strlen(arg), &b))
		return false;
	if (*sep == '+') {
		if (b > UINTPTR_MAX - a)
			return false;
		b = a + b;
	}
	if (b <= a || b > UINTPTR_MAX - page_size())
		return false;
	*start = a & ~(page_size() - 1);
	*end = (b + page_size() - 1) & ~(page_size() - 1);
	return true;
}

/* Read the mappings of @pid from /proc/PID/smaps. Returns 0 or -errno. */
static int load_vmas(pid_t pid, struct vmas *vs)
{
	char path[64], line[4096];
	struct vma *cur = NULL;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/smaps", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	vs->v = NULL;
	vs->n = 0;
	while (fgets(line, sizeof(line), f)) {
		unsigned long start, end, kb;
		int off = 0;

		if (sscanf(line, "%lx-%lx %*s %*s %*s %*s %n", &start, &end,
			   &off) >= 2 && off && strchr(line, '-') < strchr(line, ' ')) {
			struct vma *v = realloc(vs->v, (vs->n + 1) * sizeof(*v));

			if (!v) {
				fclose(f);
				return -ENOMEM;
			}
			vs->v = v;
			cur = &v[vs->n++];
			memset(cur, 0, sizeof(*cur));
			cur->start = start;
			cur->end = end;
			line[strcspn(line, "\n")] = '\0';
			snprintf(cur->name, sizeof(cur->name), "%s", line + off);
		} else if (cur && sscanf(line, "AnonHugePages: %lu", &kb) == 1) {
			cur->thp = kb > 0;
		} else if (cur && sscanf(line, "KernelPageSize: %lu", &kb) == 1) {
			cur->hugetlb = kb << 10 > page_size();
		}
	}
	fclose(f);
	return 0;
}

static bool name_matches(const struct vma *v, const char *name)
{
	const char *base = strrchr(v->name, '/');

	return !name || !strcmp(v->name, name) || (base && !strcmp(base + 1, name));
}

/*
 * Walk every mapping whose name matches @name (all if NULL). Returns the
 * number walked, or -errno.
 */
static int walk_mappings(const struct options *o, int fd, const struct vmas *vs,
			 const char *name, struct summary *s)
{
	int walked = 0, ret;
	size_t i;

	for (i = 0; i < vs->n; i++) {
		const struct vma *v = &vs->v[i];

		/* [vsyscall] is not in the page tables pagemap reads. */
		if (!name_matches(v, name) || !strcmp(v->name, "[vsyscall]"))
			continue;
		if (!o->json && !o->quiet)
			printf("# %lx-%lx %s\n", (unsigned long)v->start,
			       (unsigned long)v->end, v->name);
		ret = walk_range(o, fd, vs, v->start, v->end, s);
		if (ret < 0)
			return ret;
		walked++;
	}
	return walked;
}

/*
 * Walk the mapped parts of [start, end): pagemap has nothing but zeroes for
 * the holes between mappings, and a range may span terabytes of them.
 */
static int walk_mapped(const struct options *o, int fd, const struct vmas *vs,
		       uintptr_t start, uintptr_t end, struct summary *s)
{
	size_t i;
	int ret;

	for (i = 0; i < vs->n; i++) {
		uintptr_t a = vs->v[i].start > start ? vs->v[i].start : start;
		uintptr_t b = vs->v[i].end < end ? vs->v[i].end : end;

		if (a >= b || !strcmp(vs->v[i].name, "[vsyscall]"))
			continue;
		ret = walk_range(o, fd, vs, a, b, s);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/* The PFN of the shared zero page, learnt from a read fault of our own. */
static uint64_t learn_zero_pfn(int self_fd)
{
	volatile char *p = mmap(NULL, page_size(), PROT_READ,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct pm_entry e = { 0 };

	if (p == MAP_FAILED)
		return 0;
	(void)*p;
	pagemap_get(self_fd, (const void *)p, &e);
	munmap((void *)p, page_size());
	return e.pfn;
}

#define DEMO_CALLOCS	16384
#define DEMO_REGION	(1UL << 30)

static int cmp_ptr(const void *a, const void *b)
{
	uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;

	return x < y ? -1 : x > y;
}

/* One mode of --demo (page-sized callocs or one region), measured. */
struct demo {
	const char *mode;
	double raw_ms;		/* one pread of all the entries, for scale */
	size_t va_runs;		/* virtually contiguous stretches */
	uintptr_t lo, hi;	/* the VA span walked */
	double touch_ms;
	struct summary before, after;
};

static void demo_walk(int fd, struct demo *d, struct summary *s);

/* Walk the touched pages three times: the summary of the fastest walk. */
static void demo_walk_after(int fd, struct demo *d)
{
	struct summary best;
	int i;

	for (i = 0; i < 3; i++) {
		memset(&d->after, 0, sizeof(d->after));
		demo_walk(fd, d, &d->after);
		if (!i || d->after.walk_ms < best.walk_ms)
			best = d->after;
	}
	d->after = best;
}

static void demo_walk(int fd, struct demo *d, struct summary *s)
{
	struct options quiet = { .quiet = true };
	struct vmas vs;
	int ret = load_vmas(getpid(), &vs);

	if (!ret)
		ret = walk_range(&quiet, fd, &vs, d->lo, d->hi, s);
	if (ret)
		die(1, "reading pagemap failed: %s", strerror(-ret));
	free(vs.v);
	finish(s);
	s->pfns_visible = s->low_bits_checked > 0;
}

/* The fastest of three single preads of @n entries: what reading costs. */
static double raw_read_ms(int fd, uintptr_t va, size_t n)
{
	uint64_t *raw = malloc(n * sizeof(*raw));
	double best = 0, t;
	int i;

	for (i = 0; raw && i < 3; i++) {
		t = now_ms();
		if (pread(fd, raw, n * sizeof(*raw), va / page_size() * sizeof(*raw)) < 0)
			break;
		t = now_ms() - t;
		best = i ? (t < best ? t : best) : t;
	}
	free(raw);
	return best;
}

/* 4k mode: many page-sized calloc()s, written one by one. */
static void demo_4k(int fd, struct demo *d)
{
	uintptr_t *blocks = malloc(DEMO_CALLOCS * sizeof(*blocks));
	size_t i;
	double t0;

	if (!blocks)
		die(1, "out of memory");
	for (i = 0; i < DEMO_CALLOCS; i++) {
		blocks[i] = (uintptr_t)calloc(1, ps);
		if (!blocks[i])
			die(1, "calloc failed after %zu blocks", i);
	}
	qsort(blocks, DEMO_CALLOCS, sizeof(*blocks), cmp_ptr);
	d->lo = blocks[0] & ~(ps - 1);
	d->hi = (blocks[DEMO_CALLOCS - 1] + 2 * ps - 1) & ~(ps - 1);
	d->va_runs = 1;
	for (i = 1; i < DEMO_CALLOCS; i++)	/* malloc headers sit between */
		d->va_runs += blocks[i] - blocks[i - 1] > ps + 64;
	demo_walk(fd, d, &d->before);

	t0 = now_ms();
	for (i = 0; i < DEMO_CALLOCS; i++)
		memset((void *)blocks[i], 1, ps);
	d->touch_ms = now_ms() - t0;
	demo_walk_after(fd, d);
	d->raw_ms = raw_read_ms(fd, d->lo, (d->hi - d->lo) / ps);
	for (i = 0; i < DEMO_CALLOCS; i++)
		free((void *)blocks[i]);
	free(blocks);
}

/* 1g mode: one 1 GiB region of base pages, touched page by page. */
static void demo_1g(int fd, struct demo *d)
{
	size_t i;
	double t0;
	char *p;

	p = mmap(NULL, DEMO_REGION, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		die(1, "mmap of 1 GiB failed: %s", strerror(errno));
	madvise(p, DEMO_REGION, MADV_NOHUGEPAGE);
	d->lo = (uintptr_t)p;
	d->hi = d->lo + DEMO_REGION;
	d->va_runs = 1;
	demo_walk(fd, d, &d->before);

	t0 = now_ms();
	for (i = 0; i < DEMO_REGION; i += ps)
		p[i] = 1;
	d->touch_ms = now_ms() - t0;
	demo_walk_after(fd, d);
	d->raw_ms = raw_read_ms(fd, d->lo, DEMO_REGION / ps);
	munmap(p, DEMO_REGION);
}

static void demo_print(const struct options *o, const struct demo *d)
{
	const struct summary *a = &d->after;

	if (o->json) {
		printf("{\"mode\": \"%s\", \"va_span\": %lu, \"va_runs\": %zu, \"pages\": %zu, \"absent_before_touch\": %zu, \"present_after_touch\": %zu, \"touch_ms\": %.1f, \"walk_ms\": %.2f, \"raw_pread_ms\": %.2f, \"pfns_visible\": %s, \"physical_runs\": %zu, \"longest_run\": %zu}\n",
		       d->mode, (unsigned long)(d->hi - d->lo), d->va_runs,
		       a->pages, d->before.pages - d->before.present,
		       a->present, d->touch_ms, a->walk_ms, d->raw_ms,
		       a->pfns_visible ? "true" : "false", a->runs, a->longest);
		return;
	}
	printf("%s mode\n", d->mode);
	printf("  VA: %lu KiB spanned, %zu virtually contiguous stretch%s\n",
	       (unsigned long)(d->hi - d->lo) >> 10, d->va_runs,
	       d->va_runs == 1 ? "" : "es");
	printf("  pages: %zu, absent before the touch: %zu, present after: %zu\n",
	       a->pages, d->before.pages - d->before.present, a->present);
	printf("  time to touch: %.1f ms\n", d->touch_ms);
	printf("  pagemap: walked in %.2f ms; one raw pread of the same entries: %.2f ms\n",
	       a->walk_ms, d->raw_ms);
	if (a->pfns_visible)
		printf("  PA: %zu physical runs, longest %zu pages\n", a->runs,
		       a->longest);
	else
		printf("  PA: hidden (reading PFNs needs CAP_SYS_ADMIN)\n");
}

static void __attribute__((noreturn)) usage(int status)
{
	fprintf(status ? stderr : stdout,
		"usage: %s [-p PID] [--json] [--summary] [--levels] [RANGE | MAPPING]...\n"
		"       %s --demo 4k|1g [--json]\n"
		"RANGE: START-END or START+LENGTH (0x hex or decimal, K/M/G suffixes)\n"
		"MAPPING: as in /proc/PID/maps: [heap], [stack], a path or file name\n"
		"--summary: no table, only the summary\n"
		"--levels: under each line, the kernel's page-table walk of its first page\n"
		"          (/sys/kernel/debug/ptwalk/walk: CONFIG_PTWALK_DEBUGFS, root)\n",
		prog, prog);
	exit(status);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "json", no_argument, NULL, 'j' },
		{ "summary", no_argument, NULL, 's' },
		{ "demo", required_argument, NULL, 'd' },
		{ "levels", no_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct options o = { .pid = getpid(), .walk_fd = -1 };
	bool levels = false;
	struct summary s = { 0 };
	const char *demo = NULL;
	int c, fd, self_fd, i, ret;
	struct vmas vs;
	char *stop;

	ps = page_size();
	pshift = __builtin_ctzl(ps);
	while ((c = getopt_long(argc, argv, "p:jsd:lh", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			errno = 0;
			o.pid = strtol(optarg, &stop, 10);
			if (errno || *stop || o.pid <= 0)
				die(2, "'%s' is not a process ID", optarg);
			break;
		case 'j':
			o.json = true;
			break;
		case 's':
			o.quiet = true;
			break;
		case 'd':
			demo = optarg;
			break;
		case 'l':
			levels = true;
			break;
		case 'h':
			usage(0);
		default:
			usage(2);
		}
	}

	self_fd = pagemap_open(0);
	if (self_fd < 0)
		die(2, "cannot open /proc/self/pagemap: %s", strerror(-self_fd));
	zero_pfn = learn_zero_pfn(self_fd);

	if (demo) {
		struct demo d = { .mode = demo };

		fd = self_fd;
		if (!strcmp(demo, "4k"))
			demo_4k(fd, &d);
		else if (!strcmp(demo, "1g"))
			demo_1g(fd, &d);
		else
			die(2, "--demo takes 4k or 1g, not '%s'", demo);
		demo_print(&o, &d);
		return 0;
	}

	fd = pagemap_open(o.pid == getpid() ? 0 : o.pid);
	if (fd == -ENOENT)
		die(2, "no process with ID %d", (int)o.pid);
	if (fd == -EACCES || fd == -EPERM)
		die(2, "no permission to read /proc/%d/pagemap (another user's process needs ptrace access)",
		    (int)o.pid);
	if (fd < 0)
		die(2, "cannot open /proc/%d/pagemap: %s", (int)o.pid, strerror(-fd));
	ret = load_vmas(o.pid, &vs);
	if (ret)
		die(2, "cannot read /proc/%d/smaps: %s", (int)o.pid, strerror(-ret));
	if (levels) {
		o.walk_fd = kwalk_open();
		if (o.walk_fd < 0)
			fprintf(stderr, "%s: --levels: no kernel walk: %s\n", prog,
				kwalk_open_error(o.walk_fd));
	}

	if (o.json)
		printf("{\n  \"pid\": %d,\n  \"runs\": [", (int)o.pid);
	else
		printf("%16s %16s %8s  %14s  %s\n", "VA start", "VA end", "pages",
		       "PA start", "flags");
	if (optind == argc) {
		ret = walk_mappings(&o, fd, &vs, NULL, &s);
		if (ret < 0)
			die(1, "reading /proc/%d/pagemap failed: %s", (int)o.pid,
			    strerror(-ret));
	}
	for (i = optind; i < argc; i++) {
		uintptr_t start, end;

		if (parse_range(argv[i], &start, &end)) {
			ret = walk_mapped(&o, fd, &vs, start, end, &s);
			if (ret < 0)
				die(2, "reading pagemap of %s failed: %s", argv[i],
				    strerror(-ret));
			continue;
		}
		if (strchr("0123456789", argv[i][0]))
			die(2, "'%s' is not a range (START-END or START+LENGTH, END > START)",
			    argv[i]);
		ret = walk_mappings(&o, fd, &vs, argv[i], &s);
		if (ret < 0)
			die(1, "reading /proc/%d/pagemap failed: %s", (int)o.pid,
			    strerror(-ret));
		if (ret == 0)
			die(2, "no mapping named '%s' in /proc/%d/maps", argv[i],
			    (int)o.pid);
	}
	finish(&s);
	/* PFNs are shown only to an opener with CAP_SYS_ADMIN. */
	s.pfns_visible = s.low_bits_checked > 0;
	if (s.present && !s.pfns_visible)
		fprintf(stderr, "%s: PFNs are hidden: reading them needs CAP_SYS_ADMIN; flags are still shown\n",
			prog);
	print_summary(&o, &s);
	free(vs.v);
	if (o.walk_fd >= 0)
		close(o.walk_fd);
	close(fd);
	close(self_fd);
	return 0;
}
