// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of pagemap-walk: run it against a child process with a known
 * layout and check what it prints against what the pagemap helper reads
 * from the same process; check its answers to bad input; feed it random
 * ranges (run this with the ASan/UBSan build too).
 *
 * PAGEMAP_WALK names the binary under test (default: ./pagemap-walk, run
 * from this directory).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "kselftest_harness.h"
#include "../../selftests/child.h"
#include "../../selftests/kernel_walk.h"
#include "../../selftests/pagemap.h"
#include "../../selftests/vm_env.h"

#define SMALL_PAGES	16
#define SPLIT_PAGES	96	/* one mapping each, every third page absent */

static const char *tool(void)
{
	const char *t = getenv("PAGEMAP_WALK");

	return t ? t : "./pagemap-walk";
}

/*
 * Run the tool with @args; collect stdout into @out and stderr into @err.
 * Returns its exit status, or 128 + the signal that killed it.
 */
static int run_tool(const char *args, char *out, size_t outlen, char *err,
		    size_t errlen)
{
	char cmd[1024], errfile[] = "/tmp/pagemap-walk-test.XXXXXX";
	int efd = mkstemp(errfile), status;
	size_t n;
	FILE *p;

	if (efd < 0)
		return -1;
	close(efd);
	snprintf(cmd, sizeof(cmd), "%s %s 2>%s", tool(), args, errfile);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	n = fread(out, 1, outlen - 1, p);
	out[n] = '\0';
	status = pclose(p);
	p = fopen(errfile, "r");
	n = p ? fread(err, 1, errlen - 1, p) : 0;
	err[n] = '\0';
	if (p)
		fclose(p);
	unlink(errfile);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* The number after "\"key\": " in the tool's JSON, or -1. */
static long json_num(const char *json, const char *key)
{
	char pat[64];
	const char *at;

	snprintf(pat, sizeof(pat), "\"%s\": ", key);
	at = strstr(json, pat);
	return at ? strtol(at + strlen(pat), NULL, 10) : -1;
}

/* The child's regions, reported to the parent through a pipe. */
struct layout {
	uintptr_t untouched, zero, thp;
	uintptr_t split;	/* SPLIT_PAGES adjacent one-page mappings */
	uintptr_t reserve;	/* RESERVE_BYTES of PROT_NONE, or 0 */
	int reserve_errno;
};

/* A reservation of address space as large as a sanitizer's shadow. */
#define RESERVE_BYTES	(64ULL << 40)

static void child(int out)
{
	struct layout l;
	size_t ps = page_size(), i;
	char *p;

	p = mmap(NULL, SMALL_PAGES * ps, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	l.untouched = (uintptr_t)p;
	p = mmap(NULL, SMALL_PAGES * ps, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	madvise(p, SMALL_PAGES * ps, MADV_NOHUGEPAGE);
	for (i = 0; i < SMALL_PAGES; i++)
		(void)((volatile char *)p)[i * ps];
	l.zero = (uintptr_t)p;
	p = thp_pmd_size() ? mmap_aligned(2 * thp_pmd_size(), thp_pmd_size(),
					  PROT_READ | PROT_WRITE,
					  MAP_PRIVATE | MAP_ANONYMOUS) : NULL;
	if (p) {
		madvise(p, 2 * thp_pmd_size(), MADV_HUGEPAGE);
		memset(p, 1, 2 * thp_pmd_size());
	}
	l.thp = (uintptr_t)p;
	p = mmap(NULL, SPLIT_PAGES * ps, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	madvise(p, SPLIT_PAGES * ps, MADV_NOHUGEPAGE);
	for (i = 0; i < SPLIT_PAGES; i++) {
		if (i % 3 != 2)
			p[i * ps] = 1;
		if (i % 2)
			mprotect(p + i * ps, ps, PROT_READ);
	}
	l.split = (uintptr_t)p;
	p = mmap(NULL, RESERVE_BYTES, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	l.reserve = p == MAP_FAILED ? 0 : (uintptr_t)p;
	l.reserve_errno = errno;
	if (write(out, &l, sizeof(l)) != sizeof(l))
		_exit(1);
	pause();
	_exit(0);
}

FIXTURE(known_child) {
	pid_t pid;
	struct layout l;
	int fd;			/* the child's pagemap */
	char out[1 << 16], err[4096], args[256];
};

FIXTURE_SETUP(known_child)
{
	int p[2];

	ASSERT_EQ(0, pipe(p));
	self->pid = fork();
	ASSERT_GE(self->pid, 0);
	if (!self->pid) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(p[0]);
		child(p[1]);
	}
	close(p[1]);
	ASSERT_EQ((ssize_t)sizeof(self->l), read(p[0], &self->l, sizeof(self->l)));
	close(p[0]);
	self->fd = pagemap_open(self->pid);
	ASSERT_GE(self->fd, 0);
}

FIXTURE_TEARDOWN(known_child)
{
	close(self->fd);
	kill(self->pid, SIGKILL);
	waitpid(self->pid, NULL, 0);
}

/* Run the tool on [start, start + len) of the child, JSON summary only. */
static int walk_child(FIXTURE_DATA(known_child) *self, uintptr_t start,
		      size_t len)
{
	snprintf(self->args, sizeof(self->args), "-p %d --json --summary %#lx+%zu",
		 (int)self->pid, (unsigned long)start, len);
	return run_tool(self->args, self->out, sizeof(self->out), self->err,
			sizeof(self->err));
}

/*
 * Present pages and physical runs of the range, by the helper. Returns
 * whether the PFNs of the present pages are visible to this process.
 */
static bool helper_counts(int fd, uintptr_t start, size_t n, long *present,
			  long *runs)
{
	uint64_t *raw = calloc(n, sizeof(*raw)), prev = 0;
	bool visible = false;
	size_t i;

	*present = *runs = 0;
	if (!raw || pagemap_read(fd, start, n, raw) != (ssize_t)n) {
		free(raw);
		return false;
	}
	for (i = 0; i < n; i++) {
		struct pm_entry e = pagemap_decode(raw[i]);

		*present += e.present;
		visible |= e.pfn != 0;
		if (e.pfn && (!prev || e.pfn != prev + 1))
			(*runs)++;
		prev = e.pfn;
	}
	free(raw);
	return visible;
}

/* Pages of [start, +n) whose frame /proc/kpageflags calls the zero page. */
static long zero_pages(int fd, uintptr_t start, size_t n)
{
	uint64_t raw[SMALL_PAGES], flags;
	long zero = 0;
	size_t i;

	if (n > SMALL_PAGES || pagemap_read(fd, start, n, raw) != (ssize_t)n)
		return -1;
	for (i = 0; i < n; i++) {
		struct pm_entry e = pagemap_decode(raw[i]);

		if (e.pfn && !kpageflags_get(e.pfn, &flags))
			zero += kpf_test(flags, KPF_ZERO_PAGE);
	}
	return zero;
}

TEST_F(known_child, untouched_region_is_absent)
{
	ASSERT_EQ(0, walk_child(self, self->l.untouched, SMALL_PAGES * page_size()))
		TH_LOG("%s", self->err);
	ASSERT_EQ(SMALL_PAGES, json_num(self->out, "pages"));
	ASSERT_EQ(0, json_num(self->out, "present"));
}

TEST_F(known_child, zero_page_region)
{
	long present, runs;
	bool visible;

	ASSERT_EQ(0, walk_child(self, self->l.zero, SMALL_PAGES * page_size()))
		TH_LOG("%s", self->err);
	visible = helper_counts(self->fd, self->l.zero, SMALL_PAGES, &present,
				&runs);
	ASSERT_EQ(SMALL_PAGES, present);
	ASSERT_EQ(present, json_num(self->out, "present"));
	if (!visible)
		SKIP(return, "presence checked; PFNs need CAP_SYS_ADMIN");
	/* The kernel's word on each frame: the zero page, or (where the kernel
	 * maps private pages on read faults) none of them. */
	ASSERT_EQ(zero_pages(self->fd, self->l.zero, SMALL_PAGES),
		  json_num(self->out, "zero_page"));
	ASSERT_EQ(runs, json_num(self->out, "physical_runs"));
}

/* The next table line (0x...) of @out from @*pos on, or NULL; moves @*pos. */
static const char *next_table_line(const char *out, size_t *pos, size_t *len)
{
	const char *line = out + *pos;

	while (*line && strncmp(line, "0x", 2)) {
		const char *nl = strchr(line, '\n');

		line = nl ? nl + 1 : line + strlen(line);
	}
	if (!*line)
		return NULL;
	*len = strcspn(line, "\n");
	*pos = line - out + *len;
	return line;
}

/* Do @a and @b have the same table lines (the summary has timings)? */
static bool same_table(const char *a, const char *b)
{
	size_t pa = 0, pb = 0, la = 0, lb = 0;
	const char *x, *y;

	do {
		x = next_table_line(a, &pa, &la);
		y = next_table_line(b, &pb, &lb);
		if (!x || !y)
			return x == y;
	} while (la == lb && !strncmp(x, y, la));
	return false;
}

/* Does every table line (0x...) of @out have a walk line after it? */
static bool walk_after_each_line(const char *out)
{
	const char *line = out;
	int lines = 0;

	while ((line = strstr(line, "\n0x"))) {
		const char *next = strchr(line + 1, '\n');

		if (!next || strncmp(next + 1 + strspn(next + 1, " "), "pgd[", 4))
			return false;
		lines++;
		line = next;
	}
	return lines > 0;
}

/*
 * --levels: where the kernel walk exists, each table line is followed by
 * the kernel's walk of its first page; where it does not, the table is the
 * same as without it and stderr says why, in one line.
 */
TEST_F(known_child, levels)
{
	static char plain[sizeof(self->out)];
	size_t len = SMALL_PAGES * page_size();
	int fd = kwalk_open();

	snprintf(self->args, sizeof(self->args), "-p %d %#lx+%zu", (int)self->pid,
		 (unsigned long)self->l.zero, len);
	ASSERT_EQ(0, run_tool(self->args, plain, sizeof(plain), self->err,
			      sizeof(self->err)));
	snprintf(self->args, sizeof(self->args), "-p %d --levels %#lx+%zu",
		 (int)self->pid, (unsigned long)self->l.zero, len);
	ASSERT_EQ(0, run_tool(self->args, self->out, sizeof(self->out),
			      self->err, sizeof(self->err)));
	if (fd >= 0) {
		close(fd);
		ASSERT_TRUE(walk_after_each_line(self->out)) TH_LOG("%s", self->out);
		ASSERT_NE(NULL, strstr(self->out, ": leaf "));
		return;
	}
	ASSERT_NE(NULL, strstr(plain, "\n0x"));
	ASSERT_TRUE(same_table(plain, self->out))
		TH_LOG("without --levels:\n%s\nwith it:\n%s", plain, self->out);
	ASSERT_NE(NULL, strstr(self->err, kwalk_open_error(fd)));
	ASSERT_EQ(strchr(self->err, '\n'), self->err + strlen(self->err) - 1)
		TH_LOG("not one line: %s", self->err);
}

TEST_F(known_child, thp_region)
{
	const size_t pmd_pages = thp_pmd_size() / page_size();
	const size_t n = 2 * pmd_pages;
	long present, runs;
	bool visible;

	if (!self->l.thp)
		SKIP(return, "could not map a THP-aligned region");
	ASSERT_EQ(0, walk_child(self, self->l.thp, n * page_size())) TH_LOG("%s", self->err);
	visible = helper_counts(self->fd, self->l.thp, n, &present, &runs);
	ASSERT_EQ((long)n, present);
	ASSERT_EQ(present, json_num(self->out, "present"));
	if (!visible)
		SKIP(return, "presence checked; PFNs need CAP_SYS_ADMIN");
	ASSERT_EQ(runs, json_num(self->out, "physical_runs"));
	if (json_num(self->out, "thp") == 0)
		SKIP(return, "no THP materialised in the child");
	ASSERT_EQ(0, json_num(self->out, "thp") % (long)pmd_pages);
}

/* The whole child, table and all: every mapping, no error. */
TEST_F(known_child, whole_process_table)
{
	snprintf(self->args, sizeof(self->args), "-p %d", (int)self->pid);
	ASSERT_EQ(0, run_tool(self->args, self->out, sizeof(self->out),
			      self->err, sizeof(self->err)));
	ASSERT_NE(NULL, strstr(self->out, "[stack]"));
	ASSERT_NE(NULL, strstr(self->out, "pages:"));
}

/* START+LENGTH in decimal with a leading 0: decimal still, not octal. */
TEST_F(known_child, leading_zero_is_decimal)
{
	snprintf(self->args, sizeof(self->args), "-p %d --json --summary 0%lu+%zu",
		 (int)self->pid, (unsigned long)self->l.untouched, page_size());
	ASSERT_EQ(0, run_tool(self->args, self->out, sizeof(self->out),
			      self->err, sizeof(self->err))) TH_LOG("%s", self->err);
	ASSERT_EQ(1, json_num(self->out, "pages")) TH_LOG("%s", self->out);
}

/* A page asked for twice, by two ranges, is walked and counted once. */
TEST_F(known_child, overlapping_ranges_walked_once)
{
	const size_t ps = page_size();

	snprintf(self->args, sizeof(self->args),
		 "-p %d --json --summary %#lx+%zu %#lx+%zu", (int)self->pid,
		 (unsigned long)self->l.untouched, 2 * ps,
		 (unsigned long)self->l.untouched + ps, 2 * ps);
	ASSERT_EQ(0, run_tool(self->args, self->out, sizeof(self->out),
			      self->err, sizeof(self->err))) TH_LOG("%s", self->err);
	ASSERT_EQ(3, json_num(self->out, "pages")) TH_LOG("%s", self->out);
}

/* Visibility is the opener's privilege, not whether anything is present. */
TEST_F(known_child, pfns_visible_with_nothing_present)
{
	int fd = pagemap_open(0);
	bool visible = pagemap_pfns_visible(fd);

	close(fd);
	ASSERT_EQ(0, walk_child(self, self->l.untouched, SMALL_PAGES * page_size()))
		TH_LOG("%s", self->err);
	ASSERT_EQ(0, json_num(self->out, "present"));
	ASSERT_NE(NULL, strstr(self->out, visible ? "\"pfns_visible\": true" :
					       "\"pfns_visible\": false"))
		TH_LOG("PFNs %s to this process: %s", visible ? "visible" : "hidden",
		       self->out);
}

/*
 * A mapping above the end of pagemap (x86-64's [vsyscall], above
 * TASK_SIZE) asked for by name: an error that says so, not "no mapping".
 */
TEST_F(known_child, mapping_above_pagemap)
{
	char maps[64];
	FILE *f;

	snprintf(maps, sizeof(maps), "/proc/%d/maps", (int)self->pid);
	f = fopen(maps, "r");
	ASSERT_NE(NULL, f);
	self->out[fread(self->out, 1, sizeof(self->out) - 1, f)] = '\0';
	fclose(f);
	if (!strstr(self->out, "[vsyscall]"))
		SKIP(return, "no [vsyscall] mapping on this machine");
	snprintf(self->args, sizeof(self->args), "-p %d [vsyscall]", (int)self->pid);
	ASSERT_EQ(2, run_tool(self->args, self->out, sizeof(self->out),
			      self->err, sizeof(self->err)));
	ASSERT_NE(NULL, strstr(self->err, "lies above the end of")) TH_LOG("%s", self->err);
	/* In a walk of everything it is named as not walked. */
	snprintf(self->args, sizeof(self->args), "-p %d --summary", (int)self->pid);
	ASSERT_EQ(0, run_tool(self->args, self->out, sizeof(self->out),
			      self->err, sizeof(self->err)));
	ASSERT_NE(NULL, strstr(self->out, "not walked (above the end of pagemap): [vsyscall]"))
		TH_LOG("%s", self->out);
}

/* Output that cannot be written is an error: status 1, one line. */
TEST_F(known_child, write_error_is_an_error)
{
	snprintf(self->args, sizeof(self->args), "-p %d >/dev/full", (int)self->pid);
	ASSERT_EQ(1, run_tool(self->args, self->out, sizeof(self->out),
			      self->err, sizeof(self->err)));
	ASSERT_NE(NULL, strstr(self->err, "writing the output failed")) TH_LOG("%s", self->err);
	ASSERT_EQ(strlen(self->err) - 1, strcspn(self->err, "\n"));
}

/*
 * A picture asked of a device: refused (status 2), one line, no table, and
 * the device left as it was: the picture goes only into a regular file.
 */
TEST_F(known_child, plot_write_error_is_an_error)
{
	struct stat st;

	snprintf(self->args, sizeof(self->args), "-p %d --plot /dev/full",
		 (int)self->pid);
	ASSERT_EQ(2, run_tool(self->args, self->out, sizeof(self->out),
			      self->err, sizeof(self->err)));
	ASSERT_NE(NULL, strstr(self->err, "--plot /dev/full: not a regular file"))
		TH_LOG("%s", self->err);
	ASSERT_EQ(strlen(self->err) - 1, strcspn(self->err, "\n"));
	ASSERT_STREQ("", self->out);
	ASSERT_EQ(0, stat("/dev/full", &st));
	ASSERT_TRUE(S_ISCHR(st.st_mode)) TH_LOG("/dev/full is no longer a device");
}

/* The low word of a system call's argument @n, as seccomp's filter reads it. */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define ARG_LOW_WORD(n)	offsetof(struct seccomp_data, args[n])
#else
#define ARG_LOW_WORD(n)	(offsetof(struct seccomp_data, args[n]) + 4)
#endif

/*
 * Make PAGEMAP_SCAN fail with ENOTTY, as on a kernel before 6.7, for this
 * process and the tool it starts: a seccomp filter on ioctl()'s request.
 * Returns 0 or -errno.
 */
static int block_pagemap_scan(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_ioctl, 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LOW_WORD(1)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (__u32)PAGEMAP_SCAN, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOTTY),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = ARRAY_SIZE(f), .filter = f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -errno;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) ? -errno : 0;
}

/*
 * Without PAGEMAP_SCAN (blocked here, as before 6.7): a walk of touched
 * pages gives what the scan gives, and the 64 TiB with nothing mapped is
 * counted without reading one entry (smaps says it holds no page).
 */
TEST_F(known_child, without_pagemap_scan)
{
	const size_t ps = page_size();
	long present, runs;

	if (!self->l.reserve)
		SKIP(return, "cannot reserve 64 TiB of address space: %s",
		     strerror(self->l.reserve_errno));
	ASSERT_EQ(0, walk_child(self, self->l.zero, SMALL_PAGES * ps)) TH_LOG("%s", self->err);
	present = json_num(self->out, "present");
	runs = json_num(self->out, "physical_runs");
	ASSERT_EQ(0, block_pagemap_scan());
	ASSERT_EQ(0, walk_child(self, self->l.zero, SMALL_PAGES * ps)) TH_LOG("%s", self->err);
	ASSERT_NE(NULL, strstr(self->out, "\"pagemap_scan\": false")) TH_LOG("not blocked");
	EXPECT_EQ(present, json_num(self->out, "present"));
	EXPECT_EQ(runs, json_num(self->out, "physical_runs"));
	ASSERT_EQ(0, walk_child(self, self->l.reserve, RESERVE_BYTES)) TH_LOG("%s", self->err);
	EXPECT_EQ((long)(RESERVE_BYTES / ps), json_num(self->out, "pages"));
	EXPECT_EQ(0, json_num(self->out, "present"));
	EXPECT_EQ(0, json_num(self->out, "entries_read"));
}

/*
 * 64 TiB with nothing mapped is counted without reading 2^34 entries
 * (PAGEMAP_SCAN skips the empty tables); every page is still counted.
 */
TEST_F(known_child, huge_reservation)
{
	if (!self->l.reserve)
		SKIP(return, "cannot reserve 64 TiB of address space: %s",
		     strerror(self->l.reserve_errno));
	ASSERT_EQ(0, walk_child(self, self->l.reserve, RESERVE_BYTES))
		TH_LOG("%s", self->err);
	ASSERT_EQ((long)(RESERVE_BYTES / page_size()), json_num(self->out, "pages"));
	ASSERT_EQ(0, json_num(self->out, "present"));
}

/*
 * The pages of the tool's JSON table for [start, +n pages): present and
 * PFN of each. Returns the pages the table covers, or -1.
 */
static long table_pages(const char *out, uintptr_t start, size_t n,
			bool *present, uint64_t *pfn)
{
	const size_t ps = page_size();
	const char *line;
	long covered = 0;

	for (line = strstr(out, "{\"va\""); line; line = strstr(line + 1, "{\"va\"")) {
		unsigned long long va, pa = 0;
		size_t pages, i;

		if (sscanf(line, "{\"va\": \"%llx\", \"pages\": %zu, \"pa\": \"%llx\"",
			   &va, &pages, &pa) < 2 || va < start ||
		    (va - start) / ps + pages > n)
			return -1;
		for (i = 0; i < pages; i++) {
			present[(va - start) / ps + i] = strstr(line, "\"present") < strchr(line, '}');
			pfn[(va - start) / ps + i] = pa ? pa / ps + i : 0;
		}
		covered += pages;
	}
	return covered;
}

/*
 * Many small adjacent mappings, a range starting and ending inside runs:
 * the tool reads ahead across mappings; every page must still be its own.
 */
TEST_F(known_child, split_mappings_page_by_page)
{
	const size_t ps = page_size(), first = 5, n = SPLIT_PAGES - 10;
	bool present[SPLIT_PAGES] = { false };
	uint64_t pfn[SPLIT_PAGES] = { 0 }, raw[SPLIT_PAGES];
	uintptr_t start = self->l.split + first * ps;
	size_t i;

	snprintf(self->args, sizeof(self->args), "-p %d --json %#lx+%zu",
		 (int)self->pid, (unsigned long)start, n * ps);
	ASSERT_EQ(0, run_tool(self->args, self->out, sizeof(self->out),
			      self->err, sizeof(self->err))) TH_LOG("%s", self->err);
	ASSERT_EQ((long)n, table_pages(self->out, start, n, present, pfn))
		TH_LOG("%.400s", self->out);
	ASSERT_EQ((ssize_t)n, pagemap_read(self->fd, start, n, raw));
	for (i = 0; i < n; i++) {
		struct pm_entry e = pagemap_decode(raw[i]);

		ASSERT_EQ(e.present, present[i]) TH_LOG("page %zu", first + i);
		ASSERT_EQ(e.pfn, pfn[i]) TH_LOG("page %zu", first + i);
	}
}

/* Subpaths ("M") in the --plot picture @svg's paths of class @kind ("*": all). */
static long plot_segments(const char *svg, const char *kind)
{
	char cmd[512], out[1 << 16];
	long n = 0;
	size_t got;
	char *c;
	FILE *p;

	snprintf(cmd, sizeof(cmd),
		 "xmllint --xpath \"//*[local-name()='g'][@id='runs']/*[local-name()='path']%s%s%s/@d\" %s 2>/dev/null",
		 strcmp(kind, "*") ? "[@class='" : "", strcmp(kind, "*") ? kind : "",
		 strcmp(kind, "*") ? "']" : "", svg);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	got = fread(out, 1, sizeof(out) - 1, p);
	out[got] = '\0';
	pclose(p);	/* status 10: no such path, which is no segment */
	for (c = out; (c = strchr(c, 'M')); c++)
		n++;
	return n;
}

/*
 * Table lines with a frame, of @kind as the picture classes them (the first
 * of hugetlb, thp, zero-page the line has, else base; "*": all of them).
 */
static long lines_of_kind(const char *json, const char *kind)
{
	static const char *const flag_words[] = { " hugetlb", " thp", " zero-page" };
	static const char *const kinds[] = { "hugetlb", "thp", "zero", "base" };
	const char *line;
	long n = 0;

	for (line = strstr(json, "{\"va\""); line; line = strstr(line + 1, "{\"va\"")) {
		const char *end = strchr(line, '}'), *at = strstr(line, "\"pa\": null");
		size_t k;

		if (!end || (at && at < end))
			continue;
		for (k = 0; k < 3; k++) {
			at = strstr(line, flag_words[k]);
			if (at && at < end)
				break;
		}
		n += !strcmp(kind, "*") || !strcmp(kind, kinds[k]);
	}
	return n;
}

/*
 * --plot: the picture parses as XML and has one segment per table line
 * with a frame, each of the kind the line's flags say.
 */
TEST_F(known_child, plot_one_segment_per_run)
{
	char svg[] = "/tmp/pagemap-walk-test.XXXXXX";
	const size_t ps = page_size();
	int fd = mkstemp(svg), status;

	ASSERT_GE(fd, 0);
	close(fd);
	status = system("xmllint --version >/dev/null 2>&1");
	if (status) {
		unlink(svg);
		SKIP(return, "no xmllint (libxml2-utils) to parse the picture");
	}
	snprintf(self->args, sizeof(self->args),
		 "-p %d --json --plot %s %#lx+%zu %#lx+%zu %#lx+%zu", (int)self->pid, svg,
		 (unsigned long)self->l.zero, SMALL_PAGES * ps,
		 (unsigned long)self->l.split, SPLIT_PAGES * ps,
		 (unsigned long)(self->l.thp ? self->l.thp : self->l.zero),
		 self->l.thp ? 2 * thp_pmd_size() : ps);
	status = run_tool(self->args, self->out, sizeof(self->out), self->err,
			  sizeof(self->err));
	if (status) {
		unlink(svg);
		ASSERT_EQ(0, status) TH_LOG("%s", self->err);
	}
	snprintf(self->args, sizeof(self->args), "xmllint --noout %s", svg);
	status = system(self->args);
	EXPECT_EQ(0, status) TH_LOG("%s does not parse", svg);
	EXPECT_EQ(lines_of_kind(self->out, "*"), plot_segments(svg, "*"));
	EXPECT_EQ(lines_of_kind(self->out, "base"), plot_segments(svg, "base"));
	EXPECT_EQ(lines_of_kind(self->out, "thp"), plot_segments(svg, "thp"));
	EXPECT_EQ(lines_of_kind(self->out, "zero"), plot_segments(svg, "zero"));
	TH_LOG("%ld lines with a frame: %ld base, %ld thp, %ld zero",
	       lines_of_kind(self->out, "*"), lines_of_kind(self->out, "base"),
	       lines_of_kind(self->out, "thp"), lines_of_kind(self->out, "zero"));
	if (!_metadata->exit_code)
		unlink(svg);
	if (!lines_of_kind(self->out, "*"))
		SKIP(return, "no frame visible (PFNs need CAP_SYS_ADMIN): the picture is empty");
}

/* The number xmllint's XPath @expr (a string() or sum()) gives in @svg, or -1. */
static long long svg_number(const char *svg, const char *expr)
{
	char cmd[512], out[64] = "";
	size_t got;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "xmllint --xpath \"%s\" %s 2>/dev/null", expr, svg);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	got = fread(out, 1, sizeof(out) - 1, p);
	out[got] = '\0';
	pclose(p);
	return got ? strtoll(out, NULL, 10) : -1;
}

/*
 * --plot: each bar of bytes by physical run length has the runs and bytes
 * of its class in the JSON summary, the classes add up to the summary's
 * physical runs and present bytes, and the legend's folio counts are the
 * summary's. Two PMD THPs, where the THP region has them, are named so.
 */
TEST_F(known_child, plot_counts_equal_the_summary)
{
	char svg[] = "/tmp/pagemap-walk-test.XXXXXX", expr[256];
	unsigned long long from, to, runs, bytes, sum_runs = 0, sum_bytes = 0;
	const size_t ps = page_size(), pmd = thp_pmd_size();
	int fd = mkstemp(svg), status, n;
	const char *at;
	long thp;

	ASSERT_GE(fd, 0);
	close(fd);
	if (system("xmllint --version >/dev/null 2>&1")) {
		unlink(svg);
		SKIP(return, "no xmllint (libxml2-utils) to parse the picture");
	}
	snprintf(self->args, sizeof(self->args),
		 "-p %d --json --summary --plot %s %#lx+%zu %#lx+%zu", (int)self->pid, svg,
		 (unsigned long)self->l.split, SPLIT_PAGES * ps,
		 (unsigned long)(self->l.thp ? self->l.thp : self->l.zero),
		 self->l.thp ? 2 * pmd : SMALL_PAGES * ps);
	status = run_tool(self->args, self->out, sizeof(self->out), self->err,
			  sizeof(self->err));
	if (status)
		unlink(svg);
	ASSERT_EQ(0, status) TH_LOG("%s", self->err);
	if (!strstr(self->out, "\"pfns_visible\": true")) {
		unlink(svg);
		SKIP(return, "PFNs are hidden (CAP_SYS_ADMIN): no physical runs to count");
	}
	at = strstr(self->out, "\"run_classes\": [");
	ASSERT_NE(NULL, at);
	while ((at = strstr(at, "{\"from\": ")) &&
	       sscanf(at, "{\"from\": %llu, \"to\": %llu, \"runs\": %llu, \"bytes\": %llu}%n",
		      &from, &to, &runs, &bytes, &n) == 4) {
		snprintf(expr, sizeof(expr),
			 "string(//*[local-name()='rect'][@class='bar'][@data-from='%llu']/@data-runs)", from);
		EXPECT_EQ((long long)runs, svg_number(svg, expr)) TH_LOG("runs of %llu-%llu pages", from, to);
		snprintf(expr, sizeof(expr),
			 "string(//*[local-name()='rect'][@class='bar'][@data-from='%llu']/@data-bytes)", from);
		EXPECT_EQ((long long)bytes, svg_number(svg, expr)) TH_LOG("bytes of %llu-%llu pages", from, to);
		sum_runs += runs;
		sum_bytes += bytes;
		at += n;
	}
	EXPECT_EQ(json_num(self->out, "physical_runs"), (long)sum_runs);
	EXPECT_EQ(json_num(self->out, "present") * (long)ps, (long)sum_bytes);
	at = strstr(self->out, "\"folios\": [");
	ASSERT_NE(NULL, at);
	while ((at = strstr(at, "{\"name\": ")) && (at = strstr(at, "\"bytes\": ")) &&
	       sscanf(at, "\"bytes\": %llu, \"count\": %llu", &bytes, &runs) == 2) {
		snprintf(expr, sizeof(expr),
			 "sum(//*[local-name()='text'][@class='folio'][@data-bytes='%llu']/@data-count)", bytes);
		EXPECT_EQ((long long)runs, svg_number(svg, expr)) TH_LOG("folios of %llu bytes", bytes);
		at++;
	}
	thp = json_num(self->out, "thp");
	if (self->l.thp && pmd && thp == (long)(2 * pmd / ps))
		EXPECT_NE(NULL, strstr(self->out, "\"name\": \"PMD THP "))
			TH_LOG("the THP region is THP pages, but not two PMD THP folios");
	if (!_metadata->exit_code)
		unlink(svg);
}

/*
 * --plot through a symbolic link: the file it names gets the picture and
 * keeps its mode; the link stays a link. A failed table leaves neither.
 */
TEST(plot_writes_through_a_link)
{
	char dir[] = "/tmp/pagemap-walk-test.XXXXXX", file[64], link[64], args[256];
	char out[4096], err[4096], head[8] = "";
	struct stat st;
	FILE *f;
	int status;

	ASSERT_NE(NULL, mkdtemp(dir));
	snprintf(file, sizeof(file), "%s/picture.svg", dir);
	snprintf(link, sizeof(link), "%s/link.svg", dir);
	f = fopen(file, "w");
	ASSERT_NE(NULL, f);
	fputs("old", f);
	fclose(f);
	ASSERT_EQ(0, chmod(file, 0444));
	ASSERT_EQ(0, symlink(file, link));
	snprintf(args, sizeof(args), "--summary --plot %s [stack] >/dev/full", link);
	status = run_tool(args, out, sizeof(out), err, sizeof(err));
	f = fopen(file, "r");
	ASSERT_NE(NULL, f);
	EXPECT_EQ(3, (int)fread(head, 1, 3, f));
	fclose(f);
	EXPECT_EQ(1, status);
	EXPECT_STREQ("old", head) TH_LOG("the picture was written though the table failed");
	snprintf(args, sizeof(args), "--summary --plot %s [stack]", link);
	status = run_tool(args, out, sizeof(out), err, sizeof(err));
	EXPECT_EQ(0, status) TH_LOG("%s", err);
	EXPECT_EQ(0, lstat(link, &st));
	EXPECT_TRUE(S_ISLNK(st.st_mode));
	EXPECT_EQ(0, stat(file, &st));
	EXPECT_EQ(0444, (int)(st.st_mode & 07777));
	f = fopen(file, "r");
	ASSERT_NE(NULL, f);
	EXPECT_EQ(5, (int)fread(head, 1, 5, f));
	fclose(f);
	EXPECT_EQ(0, strncmp(head, "<?xml", 5)) TH_LOG("the file is not the picture");
	unlink(link);
	unlink(file);
	rmdir(dir);
}

/* A child mapping two files, named as the tool's arguments would be. */
static int map_named_files(int in, int out, void *arg)
{
	char **names = arg, c;
	int i, fd;

	for (i = 0; names[i]; i++) {
		fd = open(names[i], O_RDWR | O_CREAT, 0600);
		if (fd < 0 || ftruncate(fd, page_size()) ||
		    mmap(NULL, page_size(), PROT_READ, MAP_SHARED, fd, 0) == MAP_FAILED)
			return 1;
		close(fd);
	}
	if (write(out, "r", 1) != 1)
		return 1;
	while (read(in, &c, 1) > 0)
		;
	return 0;
}

/*
 * A mapping whose name starts with a digit can be named; one whose name
 * is also a range is refused, not walked as the range.
 */
TEST(mappings_named_like_numbers)
{
	char dir[] = "/tmp/pagemap-walk-test.XXXXXX", digit[64], range[64], args[128];
	char out[1 << 14], err[4096], c;
	char *names[] = { digit, range, NULL };
	struct child ch;
	int status;

	ASSERT_NE(NULL, mkdtemp(dir));
	snprintf(digit, sizeof(digit), "%s/2026.log", dir);
	snprintf(range, sizeof(range), "%s/0x10000-0x20000", dir);
	ASSERT_EQ(0, child_start(&ch, map_named_files, names));
	ASSERT_EQ(1, read(ch.from, &c, 1));
	snprintf(args, sizeof(args), "-p %d --summary 2026.log", (int)ch.pid);
	status = run_tool(args, out, sizeof(out), err, sizeof(err));
	EXPECT_EQ(0, status) TH_LOG("%s", err);
	snprintf(args, sizeof(args), "-p %d --summary 0x10000-0x20000", (int)ch.pid);
	status = run_tool(args, out, sizeof(out), err, sizeof(err));
	EXPECT_EQ(2, status);
	EXPECT_NE(NULL, strstr(err, "both a range and the name of a mapping")) TH_LOG("%s", err);
	snprintf(args, sizeof(args), "-p %d --summary %s", (int)ch.pid, range);
	status = run_tool(args, out, sizeof(out), err, sizeof(err));
	EXPECT_EQ(0, status) TH_LOG("%s", err);
	child_end(&ch);
	unlink(digit);
	unlink(range);
	rmdir(dir);
}

/* A process that has exited (a zombie: no mm) is not an empty process. */
TEST(exited_process)
{
	char out[4096], err[4096], args[64];
	pid_t pid = fork();
	int status;

	ASSERT_GE(pid, 0);
	if (!pid)
		_exit(0);
	/* Wait until it is a zombie, without reaping it. */
	ASSERT_EQ(0, waitid(P_PID, pid, NULL, WEXITED | WNOWAIT));
	snprintf(args, sizeof(args), "-p %d", (int)pid);
	status = run_tool(args, out, sizeof(out), err, sizeof(err));
	waitpid(pid, NULL, 0);
	ASSERT_EQ(2, status) TH_LOG("%s", out);
	ASSERT_NE(NULL, strstr(err, "has no address space")) TH_LOG("%s", err);
	ASSERT_EQ(0, strlen(out));
}

/* The text a line of maps would hold, planted in a file's path. */
#define FAKE_LINE	"10000-20000 rw-p 00000000 00:00 0 fake"
#define MAPS_NAME_COLUMN 74	/* show_map_vma() pads the fields to 73 */
#define LINE_SPLIT	4095	/* where fgets() into 4096 bytes cut a line */

/* Append "/@name" to @path and make that directory. Returns 0 or -errno. */
static int add_dir(char *path, size_t len, const char *name, int n)
{
	size_t used = strlen(path);

	snprintf(path + used, len - used, "/%.*s", n, name);
	return mkdir(path, 0700) ? -errno : 0;
}

/*
 * Make a file whose path puts FAKE_LINE at column LINE_SPLIT of its maps
 * line, under a new directory of /tmp: @path receives the file's path,
 * @base_len the length of that directory's. Returns 0 or -errno.
 */
static int make_long_path(char *path, size_t len, size_t *base_len)
{
	static const char dir[] = "d0123456789abcdef0123456789abcdef0123456789abcdef";
	const size_t want = LINE_SPLIT - MAPS_NAME_COLUMN;
	size_t used;
	int fd, ret = 0;

	snprintf(path, len, "/tmp/pagemap-walk-test.XXXXXX");
	if (!mkdtemp(path))
		return -errno;
	*base_len = strlen(path);
	while (!ret && (used = strlen(path)) + 1 < want) {
		size_t n = want - used - 1;

		ret = add_dir(path, len, dir, n < sizeof(dir) - 1 ? n : sizeof(dir) - 1);
	}
	if (!ret)
		ret = add_dir(path, len, FAKE_LINE, sizeof(FAKE_LINE));
	if (ret)
		return ret;
	used = strlen(path);
	snprintf(path + used, len - used, "/file");
	fd = open(path, O_RDWR | O_CREAT, 0600);
	if (fd < 0)
		return -errno;
	ret = ftruncate(fd, page_size()) ? -errno : 0;
	close(fd);
	return ret;
}

/* Remove the file and the directories make_long_path() made. */
static void remove_long_path(char *path, size_t base_len)
{
	char *slash;

	unlink(path);
	while (strlen(path) >= base_len && (slash = strrchr(path, '/'))) {
		*slash = '\0';
		if (strlen(path) < base_len || rmdir(path))
			break;
	}
}

/*
 * A mapping whose maps line is longer than 4 KiB, with the text of another
 * line inside it: one mapping, not two.
 */
TEST(long_mapping_name)
{
	static char out[1 << 16], err[4096], path[4200];
	char args[64], *p;
	size_t base_len;
	int fd, ret;
	pid_t pid;

	ret = make_long_path(path, sizeof(path), &base_len);
	if (ret)
		SKIP(return, "cannot make a file with a 4 KiB path in /tmp: %s",
		     strerror(-ret));
	fd = open(path, O_RDONLY);
	ASSERT_GE(fd, 0);
	p = mmap(NULL, page_size(), PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	ASSERT_NE(MAP_FAILED, p);
	pid = getpid();
	snprintf(args, sizeof(args), "-p %d", (int)pid);
	ret = run_tool(args, out, sizeof(out), err, sizeof(err));
	munmap(p, page_size());
	remove_long_path(path, base_len);
	ASSERT_EQ(0, ret) TH_LOG("%s", err);
	ASSERT_NE(NULL, strstr(out, FAKE_LINE "/file\n"));
	ASSERT_EQ(NULL, strstr(out, "# 10000-20000")) TH_LOG("a mapping made of a file name");
}

#define MANY_MAPPINGS	20000
#define KILL_TRIALS	24

/* Many one-page mappings, each present, told apart by their protection. */
static int many_mappings_body(int in, int out, void *arg)
{
	size_t ps = page_size(), i;
	char *base, c = 1;

	(void)arg;
	base = mmap(NULL, 2 * MANY_MAPPINGS * ps, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (base == MAP_FAILED)
		return 1;
	for (i = 0; i < MANY_MAPPINGS; i++) {
		char *p = base + 2 * i * ps;

		if (mprotect(p, ps, PROT_READ | PROT_WRITE))
			return 1;
		*p = 1;
	}
	if (write(out, &c, 1) != 1)
		return 1;
	while (read(in, &c, 1) > 0)
		;
	return 0;
}

/* Pages of the mappings of @pid that pagemap covers (all but [vsyscall]). */
static long mapped_pages(pid_t pid)
{
	unsigned long start, end;
	char path[64], line[512];
	long pages = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strstr(line, "[vsyscall]") &&
		    sscanf(line, "%lx-%lx", &start, &end) == 2)
			pages += (end - start) / page_size();
	fclose(f);
	return pages;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

FIXTURE(dying_child) {
	char out[4096], err[4096], args[64];
};

FIXTURE_SETUP(dying_child) {}
FIXTURE_TEARDOWN(dying_child) {}

/*
 * Run the tool on a child killed after @delay_us. Returns the tool's
 * status; 0 only with every page of the child counted.
 */
static int walk_dying_child(FIXTURE_DATA(dying_child) *self,
			    struct __test_metadata *_metadata, long delay_us,
			    double *walk_ms)
{
	struct child c;
	double t0;
	long pages;
	int status;
	pid_t killer;
	char ready;

	ASSERT_EQ(0, child_start(&c, many_mappings_body, NULL));
	ASSERT_EQ(1, read(c.from, &ready, 1));
	pages = mapped_pages(c.pid);
	t0 = now_ms();
	killer = fork();
	if (!killer) {
		usleep(delay_us);
		kill(c.pid, SIGKILL);
		_exit(0);
	}
	snprintf(self->args, sizeof(self->args), "-p %d --json --summary", (int)c.pid);
	status = run_tool(self->args, self->out, sizeof(self->out), self->err,
			  sizeof(self->err));
	*walk_ms = now_ms() - t0;
	kill(killer, SIGKILL);
	waitpid(killer, NULL, 0);
	child_end(&c);		/* killed or not, it is reaped */
	if (!status) {
		EXPECT_EQ(pages, json_num(self->out, "pages"))
			TH_LOG("exit 0 with a part of the child (%ld pages mapped)", pages);
	} else {
		EXPECT_EQ(0, strlen(self->out)) TH_LOG("status %d and %s", status, self->out);
	}
	return status;
}

/*
 * A process killed while it is walked: the walk fails, one line, nothing on
 * stdout; it never ends early with status 0 and a part of the process.
 * Kills are spread over the time one walk takes.
 */
TEST_F_TIMEOUT(dying_child, never_a_partial_walk, 300)
{
	int trial, status, mid_walk = 0, before = 0, after = 0;
	double walk_ms, ms;
	long walk_us;

	ASSERT_EQ(0, walk_dying_child(self, _metadata, 60 * 1000 * 1000L, &walk_ms));
	walk_us = (long)(walk_ms * 1000);
	for (trial = 0; trial < KILL_TRIALS; trial++) {
		status = walk_dying_child(self, _metadata,
					  walk_us * trial / KILL_TRIALS, &ms);
		if (status == 1) {
			ASSERT_NE(NULL, strstr(self->err, "exited during the walk"))
				TH_LOG("%s", self->err);
			mid_walk++;
		} else if (status == 2) {
			ASSERT_NE(NULL, strstr(self->err, "has no address space"))
				TH_LOG("%s", self->err);
			before++;
		} else {
			ASSERT_EQ(0, status) TH_LOG("%s", self->err);
			after++;
		}
	}
	TH_LOG("one walk %ld us; kills before the walk %d, during %d, after %d",
	       walk_us, before, mid_walk, after);
	if (!mid_walk)
		SKIP(return, "no kill landed during a walk in %d trials", KILL_TRIALS);
}

FIXTURE(bad_input) {
	char out[4096], err[4096];
};

FIXTURE_VARIANT(bad_input) {
	const char *args;
	const char *message;	/* must appear in the one stderr line */
	int status;		/* the exit status; 0: 2 (bad input) */
};

FIXTURE_VARIANT_ADD(bad_input, no_such_pid) {
	.args = "-p 2147483000", .message = "no process with ID",
};
FIXTURE_VARIANT_ADD(bad_input, pid_not_a_number) {
	.args = "-p 12ab", .message = "is not a process ID",
};
FIXTURE_VARIANT_ADD(bad_input, reversed_range) {
	.args = "0x5000-0x1000", .message = "is not a range",
};
FIXTURE_VARIANT_ADD(bad_input, garbage_range) {
	.args = "12zz", .message = "is not a range",
};
FIXTURE_VARIANT_ADD(bad_input, no_such_mapping) {
	.args = "[nosuchmapping]", .message = "no mapping named",
};
FIXTURE_VARIANT_ADD(bad_input, bad_demo) {
	.args = "--demo 2k", .message = "--demo takes 4k or 1g",
};
/* 2^32 + 1 must not become PID 1. */
FIXTURE_VARIANT_ADD(bad_input, pid_beyond_32_bits) {
	.args = "-p 4294967297", .message = "is not a process ID",
};
FIXTURE_VARIANT_ADD(bad_input, unknown_option) {
	.args = "--no-such-option", .message = "unknown option",
};
FIXTURE_VARIANT_ADD(bad_input, missing_argument) {
	.args = "-p", .message = "needs an argument",
};
FIXTURE_VARIANT_ADD(bad_input, demo_with_pid) {
	.args = "--demo 4k -p 1", .message = "--demo walks itself",
};
FIXTURE_VARIANT_ADD(bad_input, demo_with_range) {
	.args = "--demo 1g 0x1000+4K", .message = "--demo walks itself",
};
/* Found after the table header was due: still nothing on stdout. */
FIXTURE_VARIANT_ADD(bad_input, second_mapping_missing) {
	.args = "[stack] [nosuchmapping]", .message = "no mapping named",
};
/* The option of a cluster, not the cluster. */
FIXTURE_VARIANT_ADD(bad_input, unknown_option_in_a_cluster) {
	.args = "-zj", .message = "unknown option '-z'",
};
/* A newline in an argument does not make a second line. */
FIXTURE_VARIANT_ADD(bad_input, newline_in_an_argument) {
	.args = "\"$(printf '[no\\nsuch]')\"", .message = "[no\\x0asuch]",
};
/* Below mmap_min_addr: no process maps it. */
FIXTURE_VARIANT_ADD(bad_input, range_with_no_mapping) {
	.args = "0x1000+4K", .message = "covers no mapping",
};
/* The notes of a run that then fails are not said. */
FIXTURE_VARIANT_ADD(bad_input, failing_plot_after_notes) {
	.args = "--levels --plot /nonexistent/dir/x.svg [stack]",
	.message = "cannot write /nonexistent/dir/x.svg", .status = 1,
};
FIXTURE_VARIANT_ADD(bad_input, help_to_a_full_disk) {
	.args = "--help >/dev/full", .message = "writing the usage failed", .status = 1,
};
FIXTURE_VARIANT_ADD(bad_input, table_to_a_full_disk) {
	.args = "--summary [stack] >/dev/full", .message = "writing the output failed",
	.status = 1,
};

FIXTURE_SETUP(bad_input) {}
FIXTURE_TEARDOWN(bad_input) {}

/* Status 2 (or 1), one line on stderr saying why, nothing on stdout. */
TEST_F(bad_input, one_clear_line_and_status_2)
{
	ASSERT_EQ(variant->status ? variant->status : 2,
		  run_tool(variant->args, self->out, sizeof(self->out),
			   self->err, sizeof(self->err))) TH_LOG("%s", self->err);
	ASSERT_NE(NULL, strstr(self->err, variant->message)) TH_LOG("%s", self->err);
	ASSERT_EQ(strlen(self->err) - 1, strcspn(self->err, "\n"))
		TH_LOG("not one line: %s", self->err);
	ASSERT_EQ(0, strlen(self->out)) TH_LOG("stdout: %s", self->out);
}

/* Another user's process: a permission error, not a crash (root only). */
TEST(unprivileged)
{
	char out[4096], err[4096], args[64];
	int status;
	pid_t pid;

	if (geteuid())
		SKIP(return, "needs root to start a process as another user");
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		if (setgid(65534) || setuid(65534))
			_exit(10);
		/* Someone else's process: status 2 and why. */
		snprintf(args, sizeof(args), "-p 1");
		if (run_tool(args, out, sizeof(out), err, sizeof(err)) != 2 ||
		    !strstr(err, "no permission"))
			_exit(11);
		/* Its own: PFNs hidden, said so, flags still shown. */
		if (run_tool("--summary [stack]", out, sizeof(out), err,
			     sizeof(err)) || !strstr(err, "CAP_SYS_ADMIN") ||
		    !strstr(out, "present"))
			_exit(12);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, WEXITSTATUS(status));
}

FIXTURE(demo) {
	char out[4096], err[4096];
};

FIXTURE_VARIANT(demo) {
	const char *args;
	long min_present;	/* pages present after the touch */
	long absent_before;	/* -1: not asserted */
};

/* 16384 callocs: malloc's chunk headers touch every page before we do. */
FIXTURE_VARIANT_ADD(demo, calloc_4k) {
	.args = "--demo 4k --json", .min_present = 16384, .absent_before = -1,
};
FIXTURE_VARIANT_ADD(demo, region_1g) {
	.args = "--demo 1g --json", .min_present = 262144, .absent_before = 262144,
};

FIXTURE_SETUP(demo) {}
FIXTURE_TEARDOWN(demo) {}

/* --demo: runs cleanly and reports demand paging. */
TEST_F_TIMEOUT(demo, reports_demand_paging, 120)
{
	ASSERT_EQ(0, run_tool(variant->args, self->out, sizeof(self->out),
			      self->err, sizeof(self->err))) TH_LOG("%s", self->err);
	ASSERT_LE(variant->min_present, json_num(self->out, "present_after_touch"));
	if (variant->absent_before >= 0)
		ASSERT_EQ(variant->absent_before,
			  json_num(self->out, "absent_before_touch"));
	TH_LOG("%s", self->out);
}

FIXTURE(fuzz) {
	char out[1 << 16], err[4096], args[128];
};

FIXTURE_SETUP(fuzz) {}
FIXTURE_TEARDOWN(fuzz) {}

/*
 * Random ranges: the tool answers 0 or 2 and never dies of a signal (with
 * the ASan/UBSan build, any error found is a signal). Lengths stay below a
 * few GiB: a sanitized process maps terabytes of shadow memory, which the
 * tool would faithfully walk page by page.
 */
TEST_F_TIMEOUT(fuzz, random_ranges, 180)
{
	char *out = self->out, *err = self->err, *args = self->args;
	unsigned int seed = 42, i;

	for (i = 0; i < 48; i++) {
		unsigned long a = ((unsigned long)rand_r(&seed) << 31 | rand_r(&seed)) &
				  ((1UL << 48) - 1);
		unsigned long len = (unsigned long)rand_r(&seed) % (1UL << 26);
		int status;

		if (i % 4 == 0)
			snprintf(args, sizeof(self->args), "--summary %#lx-%#lx", a, a + len);
		else if (i % 4 == 1)
			snprintf(args, sizeof(self->args), "--summary --json %#lx+%lu", a, len);
		else if (i % 4 == 2)
			snprintf(args, sizeof(self->args), "--summary %#lx-%#lx", a + len, a);
		else
			snprintf(args, sizeof(self->args), "--summary %#lx+%luG", a, len % 4);
		status = run_tool(args, out, sizeof(self->out), err, sizeof(self->err));
		ASSERT_TRUE(status == 0 || status == 2)
			TH_LOG("'%s' gave status %d: %s", args, status, err);
	}
}

TEST_HARNESS_MAIN
