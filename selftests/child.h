/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A forked child driven over two pipes, for tests that look at a second
 * process: the child runs a body function that reads requests from one pipe
 * and answers on the other. Errors are negative errno values.
 */
#ifndef PTWALK_CHILD_H
#define PTWALK_CHILD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct child {
	pid_t pid;
	int to;		/* parent -> child */
	int from;	/* child -> parent */
};

/* The child's side: @in to read from, @out to write to; returns its exit status. */
typedef int (*child_body)(int in, int out, void *arg);

int child_start(struct child *c, child_body body, void *arg);
int child_end(struct child *c);

/* A region a child made for the parent to look at: where, or why not. */
struct child_region {
	uintptr_t start;
	size_t len;
	const char *why;	/* static text: valid in parent and child */
};

typedef const char *(*region_maker)(struct child_region *r);

int child_region_start(struct child *c, region_maker make, struct child_region *r);

#endif /* PTWALK_CHILD_H */
