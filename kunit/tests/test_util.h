/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the ptwalk KUnit suites.
 *
 * Copyright (C) 2026 The ptwalk authors
 */
#ifndef _PTWALK_TEST_UTIL_H
#define _PTWALK_TEST_UTIL_H

#include <kunit/test.h>

#include "../ptwalk.h"

/**
 * struct ptwalk_range_stats - what a walk of every page of a range found
 * @pages: pages walked
 * @runs: maximal runs of physically consecutive pages
 * @longest: pages in the longest run
 * @leaves: how many pages were mapped by a leaf at each level
 */
struct ptwalk_range_stats {
	unsigned long pages;
	unsigned long runs;
	unsigned long longest;
	unsigned long leaves[PTWALK_NR_LEVELS];
};

/**
 * struct ptwalk_found_leaf - the first leaf of one level the kernel's walker found
 * @level: the level looked at (PUD, PMD or PTE); set by the caller
 * @found: whether the direct map has a leaf there
 * @addr: the leaf's first byte
 * @entry: its raw value, as the kernel's walker read it
 */
struct ptwalk_found_leaf {
	enum ptwalk_level level;
	bool found;
	unsigned long addr;
	u64 entry;
};

/* An independent answer to "which physical address backs @addr?" */
typedef phys_addr_t (*ptwalk_ref_phys_t)(const void *addr);

int ptwalk_test_init(struct kunit *test);
void ptwalk_test_need(struct kunit *test, bool allocated, const char *what);
void ptwalk_test_defer(struct kunit *test, void (*fn)(void *ctx), void *ctx);
void ptwalk_test_need_mapping(struct kunit *test, unsigned long addr);
void ptwalk_test_write_user(struct kunit *test, unsigned long addr);

phys_addr_t ptwalk_ref_virt_to_phys(const void *addr);
phys_addr_t ptwalk_ref_vmalloc_to_pfn(const void *addr);

bool ptwalk_test_range(struct kunit *test, const void *start, size_t size,
		       ptwalk_ref_phys_t ref, struct ptwalk_range_stats *st);
void ptwalk_test_report(struct kunit *test, const char *what,
			const struct ptwalk_range_stats *st);
void ptwalk_require_direct_map(struct kunit *test);
void ptwalk_find_direct_map_leaf(struct ptwalk_found_leaf *f);
void *ptwalk_test_own_vmalloc(struct kunit *test, void *p);
void ptwalk_test_walk_user(unsigned long addr, struct ptwalk_result *r);

#endif /* _PTWALK_TEST_UTIL_H */
