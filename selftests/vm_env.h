/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the machine offers the pagemap tests: THP mode, hugetlb pages,
 * smaps counters, privileges, aligned mappings. Errors are returned as
 * negative errno values; nothing here exits the process.
 */
#ifndef PTWALK_VM_ENV_H
#define PTWALK_VM_ENV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* As kselftest.h has it: tools/pagemap-walk/ builds this file without a tree. */
#ifndef ARRAY_SIZE
#define ARRAY_SIZE(arr)	(sizeof(arr) / sizeof((arr)[0]))
#endif

enum thp_mode {
	THP_UNSUPPORTED,	/* no /sys/kernel/mm/transparent_hugepage */
	THP_NEVER,
	THP_MADVISE,
	THP_ALWAYS,
};

/*
 * Seconds a test that faults in 1 GiB page by page may take, in place of
 * the harness's 30: 262,144 faults, each much slower on a debug kernel
 * (KASAN, DEBUG_PAGEALLOC, PAGE_TABLE_CHECK) under TCG, where the default
 * killed contig.one_region. The x86_64-debug geometry measured 27.4 s for
 * the faults alone; this allows for a CI machine several times slower.
 * The program's limit (settings: 300 s) covers all of its tests.
 */
#define TOUCH_1G_TIMEOUT	240

/*
 * A load or store of the byte at @p that the compiler keeps, as the
 * kernel's READ_ONCE()/WRITE_ONCE() do: the tests make the page faults
 * whose results they read from pagemap. An atomic access of a char is one
 * plain instruction on every architecture the tests run on.
 */
static inline char touch_read(const void *p)
{
	return __atomic_load_n((const char *)p, __ATOMIC_RELAXED);
}

static inline void touch_write(void *p, char byte)
{
	__atomic_store_n((char *)p, byte, __ATOMIC_RELAXED);
}

#define THP_DIR	"/sys/kernel/mm/transparent_hugepage"

int vm_read_file(const char *path, char *buf, size_t len);
int vm_write_file(const char *path, const char *s);
enum thp_mode thp_mode(void);
size_t thp_pmd_size(void);
bool thp_only_pmd_size(void);
bool thp_huge_zero_page(void);
uint64_t swap_area_pages(unsigned int type);
bool have_swap(void);
const char *too_big_for_memory(size_t size);
long smaps_field_kb(const void *addr, const char *field);
bool soft_dirty_built_in(void);
void *mmap_anon(size_t size, const char **why);
void *mmap_aligned(size_t size, size_t align, int prot, int flags);
void *thp_region(size_t size, long *huge_kb, const char **why);

/* The top of a smaller virtual address space, and what lies above it. */
struct high_va {
	unsigned int bits;	/* addresses from 2^bits up */
	const char *needs;	/* exist only with this */
	const char *level;	/* the level they add ("p4d"), or NULL */
};

void *mmap_high(size_t size, struct high_va *hv, const char **why);
unsigned int user_tag_shift(void);

unsigned long hugetlb_size_kb(unsigned int nth);
void *mmap_hugetlb(size_t size);
bool have_cap_sys_admin(void);
int drop_cap_sys_admin(void);

#endif /* PTWALK_VM_ENV_H */
