// SPDX-License-Identifier: GPL-2.0
/*
 * What the machine offers the pagemap tests.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>

#include "vm_env.h"

#ifndef MAP_HUGE_SHIFT
#define MAP_HUGE_SHIFT	26
#endif

/* Read the small file @path into @buf, NUL-terminated. Returns 0 or -errno. */
int vm_read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

/* Write @s to the file @path (sysfs: in one write). Returns 0 or -errno. */
int vm_write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	close(fd);
	if (n < 0)
		return -errno;
	return n == (ssize_t)strlen(s) ? 0 : -EIO;
}

/* The bracketed mode of an "enabled" file, or -1 for "[inherit]". */
static int bracketed_mode(const char *buf)
{
	if (strstr(buf, "[always]"))
		return THP_ALWAYS;
	if (strstr(buf, "[madvise]"))
		return THP_MADVISE;
	if (strstr(buf, "[inherit]"))
		return -1;
	return THP_NEVER;
}

/* The mode of /sys/kernel/mm/transparent_hugepage/enabled. */
static enum thp_mode thp_global_mode(void)
{
	char buf[128];

	if (vm_read_file(THP_DIR "/enabled", buf, sizeof(buf)))
		return THP_UNSUPPORTED;
	return bracketed_mode(buf) < 0 ? THP_NEVER : (enum thp_mode)bracketed_mode(buf);
}

/*
 * The mode PMD-sized THPs are under: their own hugepages-<size>kB/enabled
 * (6.8+) unless it says "inherit", else the global one. "never" globally
 * with the PMD size "always" still gives PMD THPs.
 */
enum thp_mode thp_mode(void)
{
	enum thp_mode global = thp_global_mode();
	char path[128], buf[128];
	int mode;

	if (global == THP_UNSUPPORTED)
		return global;
	snprintf(path, sizeof(path), THP_DIR "/hugepages-%zukB/enabled",
		 thp_pmd_size() >> 10);
	if (vm_read_file(path, buf, sizeof(buf)))
		return global;
	mode = bracketed_mode(buf);
	return mode < 0 ? global : (enum thp_mode)mode;
}

static const char *thp_mode_name(enum thp_mode mode)
{
	static const char * const names[] = {
		[THP_UNSUPPORTED] = "not built in",
		[THP_NEVER] = "never",
		[THP_MADVISE] = "madvise",
		[THP_ALWAYS] = "always",
	};

	return names[mode];
}

/*
 * The size of a PMD-mapped THP (hpage_pmd_size: 2 MiB with 4 KiB pages,
 * 32 MiB with 16 KiB, 512 MiB with 64 KiB), or 0 without THP support.
 */
size_t thp_pmd_size(void)
{
	char buf[32];

	if (vm_read_file(THP_DIR "/hpage_pmd_size", buf, sizeof(buf)))
		return 0;
	return strtoul(buf, NULL, 10);
}

/*
 * Is the PMD size the only THP size in use? Since 6.8 anonymous THPs can
 * also be smaller (mTHP, hugepages-<size>kB/enabled); those are not
 * aligned to the PMD size and are not what the PMD tests look for.
 */
bool thp_only_pmd_size(void)
{
	bool inherit_on = thp_global_mode() >= THP_MADVISE;
	char path[320], buf[128], pmd_name[32];
	struct dirent *d;
	bool only = true;
	DIR *dir;

	snprintf(pmd_name, sizeof(pmd_name), "hugepages-%zukB",
		 thp_pmd_size() >> 10);
	dir = opendir(THP_DIR);
	if (!dir)
		return true;
	while ((d = readdir(dir)) && only) {
		if (strncmp(d->d_name, "hugepages-", 10) ||
		    !strcmp(d->d_name, pmd_name))
			continue;
		snprintf(path, sizeof(path), THP_DIR "/%s/enabled", d->d_name);
		if (vm_read_file(path, buf, sizeof(buf)))
			continue;
		only = bracketed_mode(buf) == THP_NEVER ||
		       (bracketed_mode(buf) < 0 && !inherit_on);
	}
	closedir(dir);
	return only;
}

/* Do read faults of THP regions map the huge zero page (use_zero_page)? */
bool thp_huge_zero_page(void)
{
	char buf[8];

	return !vm_read_file(THP_DIR "/use_zero_page", buf, sizeof(buf)) &&
	       buf[0] == '1';
}

/*
 * The size in pages of swap area @type: the line of /proc/swaps after its
 * header that lists it (in type order, as swap_start() walks swap_info[]).
 * 0 where there is no such area.
 */
uint64_t swap_area_pages(unsigned int type)
{
	unsigned long long kb;
	char buf[4096], *line;
	unsigned int i;

	if (vm_read_file("/proc/swaps", buf, sizeof(buf)))
		return 0;
	line = strchr(buf, '\n');
	for (i = 0; line && i < type; i++)
		line = strchr(line + 1, '\n');
	/* Filename Type Size(KiB) Used Priority */
	if (!line || sscanf(line + 1, "%*s %*s %llu", &kb) != 1)
		return 0;
	return kb * 1024 / sysconf(_SC_PAGESIZE);
}

/* Is there a swap area: a line in /proc/swaps after its header? */
bool have_swap(void)
{
	return swap_area_pages(0) > 0;
}

/* MemAvailable of /proc/meminfo in kB, or 0 where it cannot be read. */
static unsigned long mem_available_kb(void)
{
	char buf[4096], *line;

	if (vm_read_file("/proc/meminfo", buf, sizeof(buf)))
		return 0;
	line = strstr(buf, "MemAvailable:");
	return line ? strtoul(line + strlen("MemAvailable:"), NULL, 10) : 0;
}

/*
 * NULL if touching @size bytes leaves half of MemAvailable free; else why
 * not (a guest with 1 GiB cannot hold a 1 GiB region, or two 512 MiB PMDs).
 */
const char *too_big_for_memory(size_t size)
{
	static char reason[96];
	unsigned long avail_kb = mem_available_kb();

	if ((size >> 10) <= avail_kb / 2)
		return NULL;
	snprintf(reason, sizeof(reason), "%zu MiB is more than half of MemAvailable (%lu MiB)",
		 size >> 20, avail_kb >> 10);
	return reason;
}

/*
 * The text after "@field:" in the /proc/self/smaps entry of the mapping
 * that holds @addr, into @val. Returns 0 or -errno (-ENOENT: not there).
 */
static int smaps_field(const void *addr, const char *field, char *val,
		       size_t len)
{
	uintptr_t a = (uintptr_t)addr;
	size_t flen = strlen(field);
	bool inside = false;
	int ret = -ENOENT;
	char line[512];
	FILE *f;

	f = fopen("/proc/self/smaps", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		unsigned long start, end;

		if (sscanf(line, "%lx-%lx ", &start, &end) == 2 &&
		    strchr(line, '-') < strchr(line, ' ')) {
			if (inside)
				break;
			inside = a >= start && a < end;
		} else if (inside && !strncmp(line, field, flen) &&
			   line[flen] == ':') {
			snprintf(val, len, "%s", line + flen + 1);
			ret = 0;
		}
	}
	fclose(f);
	return ret;
}

/*
 * The value in kB of @field ("AnonHugePages", "Rss", ...) of the
 * /proc/self/smaps entry of the mapping that holds @addr, or -errno.
 */
long smaps_field_kb(const void *addr, const char *field)
{
	char val[64];
	int ret = smaps_field(addr, field, val, sizeof(val));

	return ret ? ret : strtol(val, NULL, 10);
}

/* Does smaps show VmFlags @flag ("sd", "hg", ...) for the mapping at @addr? */
static bool smaps_vmflag(const void *addr, const char *flag)
{
	char val[256], *tok, *save;

	if (smaps_field(addr, "VmFlags", val, sizeof(val)))
		return false;
	for (tok = strtok_r(val, "\n ", &save); tok; tok = strtok_r(NULL, "\n ", &save))
		if (!strcmp(tok, flag))
			return true;
	return false;
}

/*
 * Is soft-dirty tracking built in (CONFIG_MEM_SOFT_DIRTY)? The kernel's own
 * word, not the behaviour under test: every new mapping is VM_SOFTDIRTY,
 * which smaps shows as "sd" only where soft-dirty is built in.
 */
bool soft_dirty_built_in(void)
{
	size_t ps = sysconf(_SC_PAGESIZE);
	void *p = mmap(NULL, ps, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	bool sd;

	if (p == MAP_FAILED)
		return false;
	sd = smaps_vmflag(p, "sd");
	munmap(p, ps);
	return sd;
}

/*
 * A private anonymous MAP_NORESERVE mapping of @size bytes; NULL if it
 * fails. Where the kernel refused for a reason of the machine's, not of
 * the test's (ENOMEM: RLIMIT_AS, as set by ulimit -v, or strict overcommit),
 * *@why says which, for a skip; else *@why is NULL.
 */
void *mmap_anon(size_t size, const char **why)
{
	static char reason[128];
	struct rlimit as;
	void *p;

	*why = NULL;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p != MAP_FAILED)
		return p;
	if (errno != ENOMEM)
		return NULL;
	if (!getrlimit(RLIMIT_AS, &as) && as.rlim_cur != RLIM_INFINITY)
		snprintf(reason, sizeof(reason),
			 "mmap of %zu MiB: ENOMEM under RLIMIT_AS (ulimit -v) of %llu MiB",
			 size >> 20, (unsigned long long)as.rlim_cur >> 20);
	else
		snprintf(reason, sizeof(reason),
			 "mmap of %zu MiB: ENOMEM (vm.overcommit_memory, vm.max_map_count?)",
			 size >> 20);
	*why = reason;
	return NULL;
}

/* An anonymous mapping of @size bytes whose start is aligned to @align. */
void *mmap_aligned(size_t size, size_t align, int prot, int flags)
{
	char *p = mmap(NULL, size + align, prot, flags, -1, 0);
	uintptr_t start, end;

	if (p == MAP_FAILED)
		return NULL;
	start = ((uintptr_t)p + align - 1) & ~(align - 1);
	end = start + size;
	if (start > (uintptr_t)p)
		munmap(p, start - (uintptr_t)p);
	if ((uintptr_t)p + size + align > end)
		munmap((void *)end, (uintptr_t)p + size + align - end);
	return (void *)start;
}

/*
 * A written anonymous region of @size bytes, aligned to the PMD size, with
 * MADV_HUGEPAGE, holding at least one PMD-mapped THP. Returns it, with
 * its AnonHugePages in @huge_kb; or NULL, with in @why the reason THPs
 * cannot be tested here.
 */
void *thp_region(size_t size, long *huge_kb, const char **why)
{
	enum thp_mode mode = thp_mode();
	static char reason[64];
	char *p;

	*huge_kb = 0;
	if (mode == THP_UNSUPPORTED || mode == THP_NEVER) {
		snprintf(reason, sizeof(reason), "THP is %s", thp_mode_name(mode));
		*why = reason;
		return NULL;
	}
	if (!thp_only_pmd_size()) {
		*why = "THP sizes other than the PMD size (mTHP) are enabled";
		return NULL;
	}
	*why = too_big_for_memory(size);
	if (*why)
		return NULL;
	p = mmap_aligned(size, thp_pmd_size(), PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS);
	if (!p || madvise(p, size, MADV_HUGEPAGE)) {
		*why = "no MADV_HUGEPAGE region";
		if (p)
			munmap(p, size);
		return NULL;
	}
	memset(p, 1, size);
	*huge_kb = smaps_field_kb(p, "AnonHugePages");
	if (*huge_kb <= 0) {
		munmap(p, size);
		*why = "no THP materialised (AnonHugePages 0 kB)";
		return NULL;
	}
	return p;
}

/*
 * User addresses that exist only where the architecture's larger virtual
 * address space is in use, highest first: mmap() gives them only when its
 * hint is above the smaller space's top. The level named is the one the
 * larger space adds above the smaller one's top table (none where it only
 * widens the top table, as arm64's 52-bit VA does with 16 and 64 KiB pages).
 * Documentation/arch/x86/x86_64/5level-paging.rst, arch/arm64/memory.rst,
 * arch/riscv/vm-layout.rst.
 */
static const struct high_va high_vas[] = {
#if defined(__x86_64__)
	{ 47, "5-level paging (LA57)", "p4d" },
#elif defined(__aarch64__)
	{ 48, "52-bit VA", NULL },
#elif defined(__riscv) && __riscv_xlen == 64
	{ 47, "Sv57", "p4d" },
	{ 38, "Sv48", "pud" },
#endif
	{ 0, NULL, NULL }
};

/*
 * The lowest address bit the kernel strips from user pointers (untagging:
 * arm64's top byte ignore, Documentation/arch/arm64/tagged-pointers.rst),
 * or 64 where it keeps every bit. x86 LAM strips bits only for a process
 * that turns it on, which these tests never do.
 */
unsigned int user_tag_shift(void)
{
#if defined(__aarch64__)
	return 56;
#else
	return 64;
#endif
}

/*
 * An anonymous private mapping of @size bytes above the top of the smaller
 * virtual address space, as high as the boot allows, described in @hv; or
 * NULL, with the reason in @why, where the kernel has no such addresses.
 */
void *mmap_high(size_t size, struct high_va *hv, const char **why)
{
	static char reason[96];
	const struct high_va *h;

	if (!high_vas[0].bits) {
		*why = "no user addresses beyond the default ones on this architecture";
		return NULL;
	}
	for (h = high_vas; h->bits; h++) {
		uintptr_t low = 1UL << h->bits;
		void *p = mmap((void *)(low << 1), size, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

		if (p == MAP_FAILED)
			continue;
		if ((uintptr_t)p >= low) {
			*hv = *h;
			return p;
		}
		munmap(p, size);
	}
	h--;
	snprintf(reason, sizeof(reason), "no user address above 2^%u: %s not in use",
		 h->bits, h->needs);
	*why = reason;
	return NULL;
}

/*
 * The @nth smallest hugetlb page size in kB (0: the smallest) of those the
 * kernel offers (/sys/kernel/mm/hugepages), or 0 where it has fewer.
 */
unsigned long hugetlb_size_kb(unsigned int nth)
{
	unsigned long kb, sizes[16];
	unsigned int n = 0, i;
	struct dirent *d;
	DIR *dir;

	dir = opendir("/sys/kernel/mm/hugepages");
	if (!dir)
		return 0;
	while ((d = readdir(dir)) && n < ARRAY_SIZE(sizes))
		if (sscanf(d->d_name, "hugepages-%lukB", &kb) == 1) {
			for (i = n++; i && sizes[i - 1] > kb; i--)
				sizes[i] = sizes[i - 1];
			sizes[i] = kb;
		}
	closedir(dir);
	return nth < n ? sizes[nth] : 0;
}

/*
 * One private anonymous hugetlb page of @size bytes (a size the kernel
 * offers), writable; or MAP_FAILED, with errno set.
 */
void *mmap_hugetlb(size_t size)
{
	return mmap(NULL, size, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB |
		    (__builtin_ctzll(size) << MAP_HUGE_SHIFT), -1, 0);
}

static int capget_self(struct __user_cap_header_struct *h,
		       struct __user_cap_data_struct d[2])
{
	h->version = _LINUX_CAPABILITY_VERSION_3;
	h->pid = 0;
	return syscall(SYS_capget, h, d) ? -errno : 0;
}

bool have_cap_sys_admin(void)
{
	struct __user_cap_header_struct h;
	struct __user_cap_data_struct d[2];

	return !capget_self(&h, d) &&
	       (d[CAP_TO_INDEX(CAP_SYS_ADMIN)].effective &
		CAP_TO_MASK(CAP_SYS_ADMIN));
}

/* Drop CAP_SYS_ADMIN from this process for good. Returns 0 or -errno. */
int drop_cap_sys_admin(void)
{
	struct __user_cap_header_struct h;
	struct __user_cap_data_struct d[2];
	int i = CAP_TO_INDEX(CAP_SYS_ADMIN);
	int ret = capget_self(&h, d);

	if (ret)
		return ret;
	d[i].effective &= ~CAP_TO_MASK(CAP_SYS_ADMIN);
	d[i].permitted &= ~CAP_TO_MASK(CAP_SYS_ADMIN);
	d[i].inheritable &= ~CAP_TO_MASK(CAP_SYS_ADMIN);
	return syscall(SYS_capset, &h, d) ? -errno : 0;
}
