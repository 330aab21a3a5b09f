/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel's walk of a user address, read from /sys/kernel/debug/ptwalk/walk
 * (CONFIG_PTWALK_DEBUGFS): the one place in ptwalk's selftests that knows its
 * format (Documentation/kernel-walk.rst). Functions return errors as
 * negative errno values; none of them exits the process.
 */
#ifndef PTWALK_KERNEL_WALK_H
#define PTWALK_KERNEL_WALK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define KWALK_PATH	"/sys/kernel/debug/ptwalk/walk"

enum kwalk_level {
	KWALK_PGD,
	KWALK_P4D,
	KWALK_PUD,
	KWALK_PMD,
	KWALK_PTE,
	KWALK_NR_LEVELS,
	KWALK_NO_LEVEL = KWALK_NR_LEVELS,	/* "-": no entry was read */
};

enum kwalk_status {
	KWALK_MAPPED,
	KWALK_NONE,
	KWALK_NOT_PRESENT,
	KWALK_BAD,
	KWALK_BAD_ADDRESS,
	KWALK_NR_STATUS,
};

/* An access bit of the leaf: set, clear, or not decoded ('?' or '-'). */
enum kwalk_bit {
	KWALK_BIT_UNKNOWN = -1,
	KWALK_BIT_CLEAR = 0,
	KWALK_BIT_SET = 1,
};

/* The line of one level: folded, not read, or the entry the walk read. */
struct kwalk_entry {
	bool folded;
	bool visited;
	unsigned int slot;
	uint64_t raw;
	char kind[16];		/* table, leaf, none, not-present, bad */
};

/* One answer of the walk file. */
struct kwalk {
	pid_t pid;
	uint64_t addr;
	enum kwalk_status status;
	enum kwalk_level level;	/* the deepest entry read; the leaf if mapped */
	uint64_t size;		/* bytes the leaf maps; 0 unless mapped */
	uint64_t pfn;		/* of the page holding addr; 0 unless mapped */
	uint64_t phys;
	enum kwalk_bit write, dirty, young;
	unsigned int shift[KWALK_NR_LEVELS];	/* log2 of an entry's span */
	struct kwalk_entry entry[KWALK_NR_LEVELS];
};

int kwalk_open(void);
const char *kwalk_open_error(int err);
int kwalk_request(int fd, const char *request);
int kwalk_answer(int fd, struct kwalk *w);
int kwalk_get(int fd, pid_t pid, const void *addr, struct kwalk *w);
int kwalk_parse(const char *text, struct kwalk *w);
const char *kwalk_level_name(enum kwalk_level level);
const char *kwalk_status_name(enum kwalk_status status);
enum kwalk_level kwalk_holding_level(const struct kwalk *w, enum kwalk_level level);

#endif /* PTWALK_KERNEL_WALK_H */
