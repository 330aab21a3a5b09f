// SPDX-License-Identifier: GPL-2.0
/*
 * Reading /sys/kernel/debug/ptwalk/walk: write "PID ADDRESS", read the
 * answer back from offset 0, parse its "key value" lines.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "kernel_walk.h"

#define DEBUGFS_DIR	"/sys/kernel/debug"
#define DEBUGFS_MAGIC	0x64626720

static const char * const level_names[KWALK_NR_LEVELS] = {
	"pgd", "p4d", "pud", "pmd", "pte",
};

static const char * const status_names[KWALK_NR_STATUS] = {
	"mapped", "none", "not-present", "bad", "bad-address",
};

const char *kwalk_level_name(enum kwalk_level level)
{
	return level < KWALK_NR_LEVELS ? level_names[level] : "-";
}

/*
 * The level whose entry holds @level's in @w: @level itself, or where it is
 * folded the nearest level above that is not (a PMD leaf of a 2-level
 * i386 kernel is an entry of the pgd).
 */
enum kwalk_level kwalk_holding_level(const struct kwalk *w, enum kwalk_level level)
{
	while (level > KWALK_PGD && w->entry[level].folded)
		level--;
	return level;
}

const char *kwalk_status_name(enum kwalk_status status)
{
	return status < KWALK_NR_STATUS ? status_names[status] : "?";
}

/* Index of @word in @names[@n], or -1. */
static int lookup(const char *word, const char * const *names, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(word, names[i]))
			return i;
	return -1;
}

/* Open the walk file for reading and writing. Returns an fd or -errno. */
int kwalk_open(void)
{
	int fd = open(KWALK_PATH, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

/* Why kwalk_open() failed with @err, as a skip reason. */
const char *kwalk_open_error(int err)
{
	static char reason[96];
	struct statfs st;

	if (err == -EACCES || err == -EPERM)
		return "the kernel walk needs root (CAP_SYS_ADMIN)";
	if (err == -ENOENT) {
		if (statfs(DEBUGFS_DIR, &st) || st.f_type != DEBUGFS_MAGIC)
			return "debugfs is not mounted on " DEBUGFS_DIR;
		return "CONFIG_PTWALK_DEBUGFS is not set";
	}
	snprintf(reason, sizeof(reason), "%s: %s", KWALK_PATH, strerror(-err));
	return reason;
}

/* Write @request as one write(). Returns 0 or -errno. */
int kwalk_request(int fd, const char *request)
{
	ssize_t len = strlen(request), n = write(fd, request, len);

	if (n < 0)
		return -errno;
	return n == len ? 0 : -EIO;
}

static enum kwalk_bit parse_bit(const char *value)
{
	if (!strcmp(value, "1"))
		return KWALK_BIT_SET;
	if (!strcmp(value, "0"))
		return KWALK_BIT_CLEAR;
	return KWALK_BIT_UNKNOWN;
}

/* "folded", or "SLOT 0xRAW KIND". */
static int parse_entry(const char *value, struct kwalk_entry *e)
{
	unsigned long long raw;
	int end = 0;

	if (!strcmp(value, "folded")) {
		e->folded = true;
		return 0;
	}
	if (sscanf(value, "%u %llx %15s%n", &e->slot, &raw, e->kind, &end) != 3 ||
	    value[end])
		return -EPROTO;
	e->raw = raw;
	e->visited = true;
	return 0;
}

static int parse_shifts(const char *value, unsigned int *shift)
{
	int end = 0;

	if (sscanf(value, "%u %u %u %u %u%n", &shift[0], &shift[1], &shift[2],
		   &shift[3], &shift[4], &end) != KWALK_NR_LEVELS || value[end])
		return -EPROTO;
	return 0;
}

static int parse_number(const char *value, uint64_t *n)
{
	char *end;

	errno = 0;
	*n = strtoull(value, &end, 0);
	return errno || end == value || *end ? -EPROTO : 0;
}

static enum kwalk_bit *bit_field(struct kwalk *w, const char *key)
{
	if (!strcmp(key, "write"))
		return &w->write;
	if (!strcmp(key, "dirty"))
		return &w->dirty;
	if (!strcmp(key, "young"))
		return &w->young;
	return NULL;
}

static uint64_t *number_field(struct kwalk *w, const char *key)
{
	if (!strcmp(key, "addr"))
		return &w->addr;
	if (!strcmp(key, "size"))
		return &w->size;
	if (!strcmp(key, "pfn"))
		return &w->pfn;
	if (!strcmp(key, "phys"))
		return &w->phys;
	return NULL;
}

/* A header line "KEY VALUE" into @w. */
static int parse_header(const char *key, const char *value, struct kwalk *w)
{
	enum kwalk_bit *bit = bit_field(w, key);
	uint64_t *number = number_field(w, key);
	uint64_t pid;
	int i;

	if (bit) {
		*bit = parse_bit(value);
		return 0;
	}
	if (number)
		return parse_number(value, number);
	if (!strcmp(key, "pid")) {
		if (parse_number(value, &pid))
			return -EPROTO;
		w->pid = pid;
		return 0;
	}
	if (!strcmp(key, "shift"))
		return parse_shifts(value, w->shift);
	if (!strcmp(key, "status")) {
		i = lookup(value, status_names, KWALK_NR_STATUS);
		if (i < 0)
			return -EPROTO;
		w->status = i;
		return 0;
	}
	if (!strcmp(key, "level")) {
		i = lookup(value, level_names, KWALK_NR_LEVELS);
		if (i < 0 && strcmp(value, "-"))
			return -EPROTO;
		w->level = i < 0 ? KWALK_NO_LEVEL : (enum kwalk_level)i;
		return 0;
	}
	return -EPROTO;
}

/* One "key value" line into @w; @seen counts the header lines. */
static int parse_line(const char *key, const char *value, struct kwalk *w,
		      int *seen)
{
	int i = lookup(key, level_names, KWALK_NR_LEVELS);

	if (i >= 0)
		return parse_entry(value, &w->entry[i]);
	++*seen;
	return parse_header(key, value, w);
}

/* The keys before the level lines, each once. */
#define KWALK_HEADER_KEYS	11

/*
 * Parse an answer. Any line that is not in the documented format, and a
 * missing header key, is -EPROTO: a changed format fails loudly.
 */
int kwalk_parse(const char *text, struct kwalk *w)
{
	char line[256], key[16], value[128];
	int seen = 0, ret = 0;
	const char *p = text;

	memset(w, 0, sizeof(*w));
	while (*p && !ret) {
		size_t len = strcspn(p, "\n");

		if (len >= sizeof(line) || p[len] != '\n')
			return -EPROTO;
		memcpy(line, p, len);
		line[len] = '\0';
		p += len + 1;
		if (sscanf(line, "%15s %127[^\n]", key, value) != 2)
			return -EPROTO;
		ret = parse_line(key, value, w, &seen);
	}
	if (!ret && seen != KWALK_HEADER_KEYS)
		ret = -EPROTO;
	return ret;
}

/* Read and parse the answer @fd holds. Returns 0 or -errno (-EPROTO). */
int kwalk_answer(int fd, struct kwalk *w)
{
	char text[1024];
	ssize_t n = pread(fd, text, sizeof(text) - 1, 0);

	if (n < 0)
		return -errno;
	text[n] = '\0';
	return kwalk_parse(text, w);
}

/*
 * Walk @addr in process @pid (0: this one) through @fd and parse the
 * answer into @w. Returns 0 or -errno: the write's error as it is, -EPROTO
 * for an answer that does not parse or is about another address.
 */
int kwalk_get(int fd, pid_t pid, const void *addr, struct kwalk *w)
{
	char request[64];
	int ret;

	snprintf(request, sizeof(request), "%d %#lx\n", (int)pid,
		 (unsigned long)addr);
	ret = kwalk_request(fd, request);
	if (!ret)
		ret = kwalk_answer(fd, w);
	if (!ret && w->addr != (uintptr_t)addr)
		ret = -EPROTO;
	return ret;
}
