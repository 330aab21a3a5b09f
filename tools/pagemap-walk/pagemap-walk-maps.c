// SPDX-License-Identifier: GPL-2.0
/*
 * The mappings of a process, from /proc/PID/maps (not smaps, which walks
 * every page table of the process to count its pages), and sets of ranges.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pagemap-walk.h"

/* Make room for one more element of @size bytes in *@v. */
static int grow(void **v, size_t n, size_t *cap, size_t size)
{
	size_t cap2 = *cap ? *cap * 2 : 64;
	void *v2;

	if (n < *cap)
		return 0;
	v2 = realloc(*v, cap2 * size);
	if (!v2)
		return -ENOMEM;
	*v = v2;
	*cap = cap2;
	return 0;
}

/*
 * A number in @base at *@p; moves *@p past it. No sign, no leading space:
 * strtoul() would take either.
 */
static bool number(const char **p, int base, unsigned long *v)
{
	const char *digits = base == 16 ? "0123456789abcdefABCDEF" : "0123456789";
	char *stop;

	if (!**p || !strchr(digits, **p))
		return false;
	errno = 0;
	*v = strtoul(*p, &stop, base);
	*p = stop;
	return !errno;
}

/* Is *@p the character @c? Moves *@p past it if so. */
static bool next(const char **p, char c)
{
	if (**p != c)
		return false;
	(*p)++;
	return true;
}

/*
 * One maps line, "start-end perms offset dev inode   name", any length.
 * Returns 0, -EINVAL if it is not one, or -ENOMEM.
 */
int pw_maps_parse_line(const char *line, struct pw_mapping *m)
{
	unsigned long start, end, off, major, minor, inode;
	const char *p = line;

	if (!number(&p, 16, &start) || !next(&p, '-') ||
	    !number(&p, 16, &end) || !next(&p, ' ') || start >= end ||
	    strnlen(p, 5) < 5 || p[4] != ' ')
		return -EINVAL;
	p += 5;		/* the permissions, as rwxp */
	if (!number(&p, 16, &off) || !next(&p, ' ') ||
	    !number(&p, 16, &major) || !next(&p, ':') ||
	    !number(&p, 16, &minor) || !next(&p, ' ') ||
	    !number(&p, 10, &inode) || (*p && *p != ' ' && *p != '\n'))
		return -EINVAL;
	p += strspn(p, " ");
	m->start = start;
	m->end = end;
	m->name = strndup(p, strcspn(p, "\n"));
	return m->name ? 0 : -ENOMEM;
}

/* Read the mappings of @pid in address order. Returns 0 or -errno. */
int pw_maps_load(pid_t pid, struct pw_maps *maps)
{
	char path[64], *line = NULL;
	size_t len = 0;
	int ret = 0;
	FILE *f;

	memset(maps, 0, sizeof(*maps));
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	/* procfs says st_blksize 1024: that many bytes a read() by default. */
	setvbuf(f, NULL, _IOFBF, 1 << 16);
	while (!ret && getline(&line, &len, f) >= 0) {
		ret = grow((void **)&maps->v, maps->n, &maps->cap,
			   sizeof(*maps->v));
		if (!ret)
			ret = pw_maps_parse_line(line, &maps->v[maps->n]);
		if (!ret)
			maps->n++;
	}
	if (!ret && ferror(f))
		ret = -EIO;
	free(line);
	fclose(f);
	if (ret)
		pw_maps_free(maps);
	return ret;
}

/*
 * Can a mapping whose smaps first line is @line hold the zero page, which
 * no smaps count includes? Only a private anonymous one that can be read:
 * a read fault there maps the zero page (or the huge zero page). "START-END
 * PERMS OFFSET DEV INODE [NAME]": perms "r..p", inode 0, and no name or a
 * bracketed one ([heap], [stack]).
 */
static int may_hold_zero_page(const char *line)
{
	char perms[8] = "", name[2] = "";
	unsigned long long inode;

	if (sscanf(line, "%*x-%*x %7s %*x %*s %llu %1s", perms, &inode, name) < 2)
		return 1;	/* unknown: read it */
	return perms[0] == 'r' && perms[3] == 'p' && !inode && (!name[0] || name[0] == '[');
}

/*
 * The mappings of @pid with no page present or swapped, by /proc/PID/smaps:
 * Rss, Swap and the hugetlb counts (hugetlb pages are not in Rss) all 0,
 * and no zero page possible (may_hold_zero_page(): Rss leaves the zero page
 * out). Every pagemap entry of such a mapping is absent, so a walk without
 * PAGEMAP_SCAN need not read them; smaps itself skips empty page tables a
 * table at a time. A private anonymous mapping made unreadable after a read
 * fault keeps its zero-page entries and is skipped all the same: smaps
 * cannot tell it from one never read. Returns 0 or -errno.
 */
int pw_empty_mappings(pid_t pid, struct pw_ranges *empty)
{
	static const char *const counts[] = {
		"Rss:", "Swap:", "Shared_Hugetlb:", "Private_Hugetlb:",
	};
	unsigned long long start = 0, end = 0, kb, populated = 1;
	char path[64], *line = NULL;
	size_t len = 0, i;
	int ret = 0;
	FILE *f;

	memset(empty, 0, sizeof(*empty));
	snprintf(path, sizeof(path), "/proc/%d/smaps", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	setvbuf(f, NULL, _IOFBF, 1 << 16);
	while (!ret && getline(&line, &len, f) >= 0) {
		unsigned long long s, e;
		int n = 0;

		/* A mapping's first line: "START-END PERMS ...", as in maps. */
		if (sscanf(line, "%llx-%llx %*s%n", &s, &e, &n) == 2 && n) {
			if (!populated)
				ret = pw_ranges_add(empty, start, end);
			start = s;
			end = e;
			populated = may_hold_zero_page(line);
			continue;
		}
		for (i = 0; i < sizeof(counts) / sizeof(counts[0]); i++)
			if (!strncmp(line, counts[i], strlen(counts[i])) &&
			    sscanf(line + strlen(counts[i]), "%llu", &kb) == 1)
				populated += kb;
	}
	if (!ret && !populated)
		ret = pw_ranges_add(empty, start, end);
	if (!ret && ferror(f))
		ret = -EIO;
	free(line);
	fclose(f);
	if (ret) {
		free(empty->v);
		memset(empty, 0, sizeof(*empty));
	}
	return ret;
}

void pw_maps_free(struct pw_maps *maps)
{
	size_t i;

	for (i = 0; i < maps->n; i++)
		free(maps->v[i].name);
	free(maps->v);
	memset(maps, 0, sizeof(*maps));
}

/* Is @m called @name, as maps shows it or by the base name of its file? */
bool pw_mapping_named(const struct pw_mapping *m, const char *name)
{
	const char *base = strrchr(m->name, '/');

	return !strcmp(m->name, name) || (base && !strcmp(base + 1, name));
}

int pw_ranges_add(struct pw_ranges *r, uintptr_t start, uintptr_t end)
{
	int ret = grow((void **)&r->v, r->n, &r->cap, sizeof(*r->v));

	if (ret)
		return ret;
	r->v[r->n].start = start;
	r->v[r->n].end = end;
	r->n++;
	return 0;
}

static int cmp_range(const void *a, const void *b)
{
	const struct pw_range *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* Sort @r and join ranges that overlap or touch: each page once. */
void pw_ranges_merge(struct pw_ranges *r)
{
	size_t i, n = 0;

	if (!r->n)
		return;		/* qsort() wants an array, even of none */
	qsort(r->v, r->n, sizeof(*r->v), cmp_range);
	for (i = 0; i < r->n; i++) {
		if (n && r->v[i].start <= r->v[n - 1].end) {
			if (r->v[i].end > r->v[n - 1].end)
				r->v[n - 1].end = r->v[i].end;
			continue;
		}
		r->v[n++] = r->v[i];
	}
	r->n = n;
}
