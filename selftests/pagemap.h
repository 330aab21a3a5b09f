/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reading and decoding /proc/PID/pagemap and /proc/kpageflags: the one place
 * in ptwalk's selftests that knows the entry format
 * (Documentation/admin-guide/mm/pagemap.rst). Functions return errors as
 * negative errno values; none of them exits the process.
 */
#ifndef PTWALK_PAGEMAP_H
#define PTWALK_PAGEMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/const.h>
#include <linux/fs.h>
#include <linux/kernel-page-flags.h>
#include <linux/types.h>

#define PM_PFN_MASK		(_BITULL(55) - 1)
#define PM_SOFT_DIRTY		_BITULL(55)
#define PM_MMAP_EXCLUSIVE	_BITULL(56)
#define PM_UFFD_WP		_BITULL(57)
#define PM_FILE			_BITULL(61)
#define PM_SWAP			_BITULL(62)
#define PM_PRESENT		_BITULL(63)
/* A swapped entry's frame: the swap type in its low bits, the offset above. */
#define PM_SWAP_TYPE_BITS	5	/* MAX_SWAPFILES_SHIFT */

/*
 * An address with nothing mapped reads as an empty entry, except for the
 * soft-dirty bit: pagemap_pte_hole() (fs/proc/task_mmu.c) reports the VMA's
 * VM_SOFTDIRTY there, which every new VMA has when CONFIG_MEM_SOFT_DIRTY=y.
 * These are the bits that must be clear for such an address.
 */
#define PM_HOLE_MUST_BE_CLEAR	(~PM_SOFT_DIRTY)

/*
 * The PAGEMAP_SCAN ioctl (Linux 6.7+), not in the UAPI headers of older
 * kernels (Debian 12's are 6.1).
 */
#ifndef PAGEMAP_SCAN
#define PAGEMAP_SCAN		_IOWR('f', 16, struct pm_scan_arg)
#define PAGE_IS_PRESENT		_BITUL(3)
#define PAGE_IS_SWAPPED		_BITUL(4)
#define PAGE_IS_PFNZERO		_BITUL(5)
#define PAGE_IS_HUGE		_BITUL(6)

struct page_region {
	__u64 start;
	__u64 end;
	__u64 categories;
};

struct pm_scan_arg {
	__u64 size;
	__u64 flags;
	__u64 start;
	__u64 end;
	__u64 walk_end;
	__u64 vec;
	__u64 vec_len;
	__u64 max_pages;
	__u64 category_inverted;
	__u64 category_mask;
	__u64 category_anyof_mask;
	__u64 return_mask;
};
#endif

/* Missing from older UAPI headers. */
#ifndef KPF_ZERO_PAGE
#define KPF_ZERO_PAGE		24
#endif
#ifndef KPF_PGTABLE
#define KPF_PGTABLE		26
#endif

static inline bool kpf_test(uint64_t flags, int bit)
{
	return flags & _BITULL(bit);
}

/* One decoded pagemap entry. */
struct pm_entry {
	uint64_t raw;
	bool present;
	bool swapped;
	bool file;		/* file page or shared anonymous page */
	bool exclusive;		/* mapped by exactly one process */
	bool soft_dirty;
	uint64_t pfn;		/* 0 unless present and visible to the opener */
	/* of a swapped entry: 0 unless visible to the opener, as the PFN */
	unsigned int swap_type;
	uint64_t swap_offset;
};

/*
 * What a read fault of never-written anonymous memory mapped. Linux maps the
 * shared zero page there, but nothing promises it: a kernel may map a
 * private page instead (seen: a vendor kernel booted pvm_no_zero_page=1).
 */
enum pm_read_fault {
	PM_READ_FAULT_ZERO_PAGE,	/* the zero page, not exclusive */
	PM_READ_FAULT_PRIVATE,		/* a page of its own, exclusive */
	PM_READ_FAULT_CONTRADICTS,	/* kpageflags: zero page; pagemap: exclusive */
};

int pagemap_open(pid_t pid);
ssize_t pagemap_read(int fd, uintptr_t va, size_t npages, uint64_t *raw);
uint64_t pagemap_end_page(int fd);
struct pm_entry pagemap_decode(uint64_t raw);
int pagemap_get(int fd, const void *addr, struct pm_entry *e);
bool pagemap_pfns_visible(int fd);
int kpageflags_get(uint64_t pfn, uint64_t *flags);
int kpageflags_open(void);
ssize_t kpageflags_read(int fd, uint64_t pfn, size_t n, uint64_t *flags);
const char *kpageflags_strerror(int err);
enum pm_read_fault pagemap_read_fault(const struct pm_entry *e);
size_t page_size(void);
size_t pfn_run(const uint64_t *pfn, size_t n);

#endif /* PTWALK_PAGEMAP_H */
