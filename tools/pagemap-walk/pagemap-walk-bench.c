// SPDX-License-Identifier: GPL-2.0
/*
 * pagemap-walk against the kernel's own tools/mm/page-types on the same
 * process, each listing what it walked (pagemap-walk's table, page-types
 * -L): the two run in turns, each with its output to /dev/null, and each
 * pair gives a ratio of wall times; the median ratio is printed. A
 * benchmark: it reports figures and never judges them.
 *
 * The processes: a child with 1 GiB of base pages resident, walked over
 * 8 MiB, 64 MiB and all of it; a child with 60,000 one-page mappings, walked
 * whole (page-types stops at its MAX_VMAS: that ratio is per mapping each
 * tool walked); a child with a 64 TiB PROT_NONE reservation, which only
 * pagemap-walk is timed on (page-types would read 2^34 entries).
 *
 *   PAGE_TYPES=./page-types ./pagemap-walk-bench [RUNS]
 *
 * PAGEMAP_WALK names the tool (default ./pagemap-walk, run from this
 * directory). Both tools
 * read /proc/kpageflags: without CAP_SYS_ADMIN page-types fails, and the
 * comparison is skipped with that reason.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../selftests/child.h"
#include "../../selftests/pagemap.h"
#include "../../selftests/vm_env.h"
#include "pagemap-walk.h"

#define RESIDENT_BYTES	(1UL << 30)
#define MANY_MAPPINGS	60000
#define RESERVE_BYTES	(64ULL << 40)
#define DEFAULT_RUNS	7
#define MAX_RUNS	101

static const char *tool(void)
{
	const char *t = getenv("PAGEMAP_WALK");

	return t ? t : "./pagemap-walk";
}

/* 1 GiB of base pages, every one written. */
static const char *make_resident(struct child_region *r)
{
	void *p;

	r->why = too_big_for_memory(RESIDENT_BYTES);
	if (r->why)
		return r->why;
	r->len = RESIDENT_BYTES;
	p = mmap(NULL, r->len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return "cannot map 1 GiB";
	madvise(p, r->len, MADV_NOHUGEPAGE);
	memset(p, 1, r->len);
	r->start = (uintptr_t)p;
	return NULL;
}

/* MANY_MAPPINGS adjacent one-page mappings, every other one read-only. */
static const char *make_many(struct child_region *r)
{
	size_t ps = page_size(), i;
	char *p;

	r->len = MANY_MAPPINGS * ps;
	p = mmap(NULL, r->len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return "cannot map the pages";
	madvise(p, r->len, MADV_NOHUGEPAGE);
	memset(p, 1, r->len);
	for (i = 1; i < MANY_MAPPINGS; i += 2)
		if (mprotect(p + i * ps, ps, PROT_READ))
			return "mprotect failed (vm.max_map_count?)";
	r->start = (uintptr_t)p;
	return NULL;
}

static const char *make_reserve(struct child_region *r)
{
	void *p = mmap(NULL, RESERVE_BYTES, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED)
		return "cannot reserve 64 TiB of address space";
	r->start = (uintptr_t)p;
	r->len = RESERVE_BYTES;
	return NULL;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/*
 * Run @cmd, words split at spaces, with its output to /dev/null. Returns
 * its wall time in milliseconds, or -1 if it did not exit with status 0.
 */
static double time_cmd(const char *cmd)
{
	char words[1024], *argv[16];
	int argc = 0, status, null;
	double t0;
	pid_t pid;

	snprintf(words, sizeof(words), "%s", cmd);
	for (argv[0] = strtok(words, " "); argv[argc] && argc < 15;)
		argv[++argc] = strtok(NULL, " ");
	argv[argc] = NULL;
	t0 = now_ms();
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		null = open("/dev/null", O_WRONLY);
		dup2(null, 1);
		dup2(null, 2);
		execv(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		return -1;
	return now_ms() - t0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Median times of two commands run in turns, and of their ratio a/b * scale. */
struct pair {
	double a_ms, b_ms, ratio;
};

static int time_pair(const char *a, const char *b, double scale, int runs,
		     struct pair *p)
{
	double ta[MAX_RUNS], tb[MAX_RUNS], r[MAX_RUNS];
	int i;

	if (time_cmd(a) < 0 || time_cmd(b) < 0)	/* warm-up, and a check */
		return -1;
	for (i = 0; i < runs; i++) {
		ta[i] = time_cmd(a);
		tb[i] = time_cmd(b);
		if (ta[i] < 0 || tb[i] < 0)
			return -1;
		r[i] = ta[i] / tb[i] * scale;
	}
	p->a_ms = median(ta, runs);
	p->b_ms = median(tb, runs);
	p->ratio = median(r, runs);
	return 0;
}

/* Start a child making @make's region. Returns 0, or the reason it cannot. */
static const char *start_region(struct child *c, region_maker make,
				struct child_region *r)
{
	if (child_region_start(c, make, r))
		return "cannot start the child";
	if (r->why)
		child_end(c);
	return r->why;
}

static void print_row(const char *what, const struct pair *p, const char *note)
{
	printf("%-22s %12.1f %12.1f %8.2f  %s\n", what, p->a_ms, p->b_ms,
	       p->ratio, note);
}

static void print_skip(const char *what, const char *why)
{
	printf("%-22s %12s %12s %8s  skipped: %s\n", what, "-", "-", "-", why);
}

/* pagemap-walk and page-types over [start, start + len) of @pid. */
static void bench_range(pid_t pid, uintptr_t start, size_t len, int runs,
			const char *what)
{
	size_t ps = page_size();
	char a[512], b[512];
	struct pair p;

	snprintf(a, sizeof(a), "%s -p %d %#lx+%zu", tool(), (int)pid,
		 (unsigned long)start, len);
	snprintf(b, sizeof(b), "%s -L -p %d -a %#lx,%#lx", getenv("PAGE_TYPES"),
		 (int)pid, (unsigned long)(start / ps),
		 (unsigned long)((start + len) / ps));
	if (time_pair(a, b, 1.0, runs, &p))
		print_skip(what, "a tool failed (run it by hand to see why)");
	else
		print_row(what, &p, "");
}

static void bench_resident(int runs)
{
	static const size_t sizes_mb[] = { 8, 64, RESIDENT_BYTES >> 20 };
	struct child_region r;
	struct child c;
	const char *why = start_region(&c, make_resident, &r);
	char what[64];
	size_t i;

	for (i = 0; i < sizeof(sizes_mb) / sizeof(sizes_mb[0]); i++) {
		snprintf(what, sizeof(what), "%zu MiB of 1 GiB", sizes_mb[i]);
		if (why)
			print_skip(what, why);
		else
			bench_range(c.pid, r.start, sizes_mb[i] << 20, runs, what);
	}
	if (!why)
		child_end(&c);
}

/* The mappings of @pid that start below @below (0: all of them). */
static long mappings_below(pid_t pid, unsigned long below)
{
	struct pw_maps maps = { 0 };
	long n = 0;
	size_t i;

	if (pw_maps_load(pid, &maps))
		return -1;
	for (i = 0; i < maps.n; i++)
		if (!below || maps.v[i].start < below)
			n++;
	pw_maps_free(&maps);
	return n;
}

/*
 * The mappings page-types walks of @pid: it stops reading maps at its
 * MAX_VMAS. Every mapping of the child has a present page, so the last page
 * it lists is in the last mapping it walked.
 */
static long page_types_mappings(pid_t pid)
{
	char cmd[512], line[256];
	unsigned long vpage, last = 0;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "%s -p %d -L -N 2>/dev/null",
		 getenv("PAGE_TYPES"), (int)pid);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	while (fgets(line, sizeof(line), p))
		if (sscanf(line, "%lx\t", &vpage) == 1 && vpage > last)
			last = vpage;
	if (pclose(p) || !last)
		return -1;
	return mappings_below(pid, last * page_size() + 1);
}

static void bench_many(int runs)
{
	const char *what = "60,000 mappings";
	long mine, theirs;
	char a[512], b[512], note[128];
	struct child_region r;
	struct child c;
	struct pair p;
	const char *why = start_region(&c, make_many, &r);

	if (why) {
		print_skip(what, why);
		return;
	}
	mine = mappings_below(c.pid, 0);
	theirs = page_types_mappings(c.pid);
	snprintf(a, sizeof(a), "%s -p %d", tool(), (int)c.pid);
	snprintf(b, sizeof(b), "%s -L -p %d", getenv("PAGE_TYPES"), (int)c.pid);
	if (mine <= 0 || theirs <= 0 ||
	    time_pair(a, b, (double)theirs / mine, runs, &p)) {
		print_skip(what, "a tool failed (run it by hand to see why)");
	} else {
		snprintf(note, sizeof(note),
			 "per mapping: pagemap-walk walked %ld, page-types %ld",
			 mine, theirs);
		print_row(what, &p, note);
	}
	child_end(&c);
}

static void bench_reserve(int runs)
{
	const char *what = "64 TiB reservation";
	double t[MAX_RUNS];
	struct child_region r;
	struct child c;
	char a[512];
	int i;
	const char *why = start_region(&c, make_reserve, &r);

	if (why) {
		print_skip(what, why);
		return;
	}
	snprintf(a, sizeof(a), "%s -p %d --summary %#lx+%zu", tool(), (int)c.pid,
		 (unsigned long)r.start, r.len);
	for (i = 0; i < runs; i++) {
		t[i] = time_cmd(a);
		if (t[i] < 0)
			break;
	}
	if (i < runs)
		print_skip(what, "pagemap-walk failed (run it by hand to see why)");
	else
		printf("%-22s %12.1f %12s %8s  page-types not run: it reads every entry\n",
		       what, median(t, runs), "-", "-");
	child_end(&c);
}

int main(int argc, char **argv)
{
	int runs = argc > 1 ? atoi(argv[1]) : DEFAULT_RUNS;

	if (runs < 1 || runs > MAX_RUNS) {
		fprintf(stderr, "pagemap-walk-bench: RUNS is 1 to %d\n", MAX_RUNS);
		return 2;
	}
	printf("# pagemap-walk vs page-types -L, same process, %d runs in turns: median wall ms, median ratio\n",
	       runs);
	printf("%-22s %12s %12s %8s\n", "walk", "pagemap-walk", "page-types", "ratio");
	if (!getenv("PAGE_TYPES")) {
		print_skip("all", "no page-types (PAGE_TYPES=; make bench builds it from the tree)");
	} else if (!have_cap_sys_admin()) {
		print_skip("all", "page-types reads /proc/kpageflags: needs CAP_SYS_ADMIN");
	} else {
		bench_resident(runs);
		bench_many(runs);
	}
	bench_reserve(runs);
	return 0;
}
