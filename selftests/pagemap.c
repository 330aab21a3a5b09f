// SPDX-License-Identifier: GPL-2.0
/*
 * Reading and decoding /proc/PID/pagemap and /proc/kpageflags.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "pagemap.h"
#include "vm_env.h"

size_t page_size(void)
{
	static size_t ps;

	if (!ps)
		ps = (size_t)sysconf(_SC_PAGESIZE);
	return ps;
}

/* How many of the @n frames from @pfn[0] on are consecutive: 1 to @n. */
size_t pfn_run(const uint64_t *pfn, size_t n)
{
	size_t i = 1;

	while (i < n && pfn[i] == pfn[0] + i)
		i++;
	return i;
}

/* Open /proc/PID/pagemap (PID 0: this process). Returns an fd or -errno. */
int pagemap_open(pid_t pid)
{
	char path[64];
	int fd;

	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/pagemap", (int)pid);
	else
		snprintf(path, sizeof(path), "/proc/self/pagemap");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/*
 * Read the @n 8-byte words of @fd from word @index with as few preads as
 * the kernel allows. Returns the number read, short at the end of the
 * file, or -errno.
 */
static ssize_t read_words(int fd, uint64_t index, size_t n, uint64_t *words)
{
	size_t want = n * sizeof(*words), got = 0;
	off_t off = (off_t)(index * sizeof(*words));

	while (got < want) {
		ssize_t r = pread(fd, (char *)words + got, want - got, off + got);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0)
			break;
		got += r;
	}
	return got / sizeof(*words);
}

/*
 * Read the raw entries of @npages pages from @va (rounded down to a page)
 * with as few preads as the kernel allows: one, normally. Returns the
 * number of entries read, which is short only at the end of the user
 * address space, or -errno.
 */
ssize_t pagemap_read(int fd, uintptr_t va, size_t npages, uint64_t *raw)
{
	return read_words(fd, va / page_size(), npages, raw);
}

/*
 * The first page index whose entry cannot be read: the end of the user
 * address space. Entries below it read 8 bytes, entries from it on read 0,
 * up to the first tag bit (above it, offsets alias untagged addresses) and
 * the width of a pointer (no address of a 32-bit process is above 2^32).
 */
uint64_t pagemap_end_page(int fd)
{
	unsigned int width = user_tag_shift();
	uint64_t lo = 0, hi, e;

	if (width > 8 * sizeof(void *))
		width = 8 * sizeof(void *);
	/* s390's user space reaches up to the last page below 2^64. */
	hi = width < 64 ? (1ULL << width) / page_size() : UINT64_MAX / page_size() + 1;

	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;

		if (pread(fd, &e, sizeof(e), (off_t)(mid * sizeof(e))) == (ssize_t)sizeof(e))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

struct pm_entry pagemap_decode(uint64_t raw)
{
	struct pm_entry e = {
		.raw = raw,
		.present = raw & PM_PRESENT,
		.swapped = raw & PM_SWAP,
		.file = raw & PM_FILE,
		.exclusive = raw & PM_MMAP_EXCLUSIVE,
		.soft_dirty = raw & PM_SOFT_DIRTY,
	};

	if (e.present) {
		e.pfn = raw & PM_PFN_MASK;
	} else if (e.swapped) {
		e.swap_type = raw & (_BITULL(PM_SWAP_TYPE_BITS) - 1);
		e.swap_offset = (raw & PM_PFN_MASK) >> PM_SWAP_TYPE_BITS;
	}
	return e;
}

/* The decoded entry of the page holding @addr. Returns 0 or -errno. */
int pagemap_get(int fd, const void *addr, struct pm_entry *e)
{
	uint64_t raw;
	ssize_t n = pagemap_read(fd, (uintptr_t)addr, 1, &raw);

	if (n < 0)
		return n;
	if (n != 1)
		return -ERANGE;
	*e = pagemap_decode(raw);
	return 0;
}

/*
 * Does @fd show PFNs? Only if its opener had CAP_SYS_ADMIN at open time;
 * otherwise the PFN field reads 0 while the flags stay correct.
 */
bool pagemap_pfns_visible(int fd)
{
	static char probe;
	struct pm_entry e = { 0 };

	touch_write(&probe, 1);
	return !pagemap_get(fd, &probe, &e) && e.present && e.pfn;
}

/*
 * Which page a read fault mapped at the present entry @e: by the page's own
 * flags where its PFN is visible, else by the exclusive bit (the zero page is
 * shared by every process).
 */
enum pm_read_fault pagemap_read_fault(const struct pm_entry *e)
{
	uint64_t flags;

	if (e->pfn && !kpageflags_get(e->pfn, &flags)) {
		if (!kpf_test(flags, KPF_ZERO_PAGE))
			return PM_READ_FAULT_PRIVATE;
		return e->exclusive ? PM_READ_FAULT_CONTRADICTS : PM_READ_FAULT_ZERO_PAGE;
	}
	return e->exclusive ? PM_READ_FAULT_PRIVATE : PM_READ_FAULT_ZERO_PAGE;
}

/*
 * Why kpageflags_get() failed. -ERANGE: the file ends before @pfn, which
 * for a PFN pagemap reported means the kernel's max_pfn is below it.
 */
const char *kpageflags_strerror(int err)
{
	if (err == -ERANGE)
		return "/proc/kpageflags ends before it (the file stops at max_pfn)";
	return strerror(-err);
}

/* Open /proc/kpageflags (root only). Returns an fd or -errno. */
int kpageflags_open(void)
{
	int fd = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

/*
 * Read the flags words of the @n frames from @pfn. Returns the number read,
 * short where the file ends (at max_pfn), or -errno.
 */
ssize_t kpageflags_read(int fd, uint64_t pfn, size_t n, uint64_t *flags)
{
	return read_words(fd, pfn, n, flags);
}

/* The /proc/kpageflags word of @pfn. Returns 0 or -errno. */
int kpageflags_get(uint64_t pfn, uint64_t *flags)
{
	static int fd = -1;
	ssize_t n;

	if (fd < 0) {
		fd = kpageflags_open();
		if (fd < 0)
			return fd;
	}
	n = kpageflags_read(fd, pfn, 1, flags);
	if (n < 0)
		return n;
	return n == 1 ? 0 : -ERANGE;
}
