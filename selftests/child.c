// SPDX-License-Identifier: GPL-2.0
/*
 * A forked child driven over two pipes.
 */
#include <errno.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"

/* Fork a child that runs @body(in, out, @arg) and exits with its return. */
int child_start(struct child *c, child_body body, void *arg)
{
	int to[2], from[2];

	if (pipe(to))
		return -errno;
	if (pipe(from)) {
		close(to[0]);
		close(to[1]);
		return -errno;
	}
	c->pid = fork();
	if (c->pid < 0)
		return -errno;
	if (c->pid == 0) {
		/* A test that fails before its teardown leaves no child behind. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(to[1]);
		close(from[0]);
		_exit(body(to[0], from[1], arg));
	}
	close(to[0]);
	close(from[1]);
	c->to = to[1];
	c->from = from[0];
	return 0;
}

/*
 * Close the pipes (a body waiting for a request reads end of file) and wait
 * for the child. Returns 0 if it exited with status 0.
 */
int child_end(struct child *c)
{
	int status;

	close(c->to);
	close(c->from);
	if (waitpid(c->pid, &status, 0) != c->pid)
		return -errno;
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -ECHILD;
}

/* The child of child_region_start(): make the region, report it, wait. */
static int region_body(int in, int out, void *arg)
{
	region_maker make = *(region_maker *)arg;
	struct child_region r = { 0 };
	char c;

	r.why = make(&r);
	if (write(out, &r, sizeof(r)) != sizeof(r))
		return 1;
	while (read(in, &c, 1) > 0)
		;
	return 0;
}

/*
 * Fork a child that makes a region with @make, report it in @r (@r->why
 * set if it could not be made) and wait until child_end(). Returns 0 (the
 * child runs) or -errno (it does not).
 */
int child_region_start(struct child *c, region_maker make, struct child_region *r)
{
	int ret = child_start(c, region_body, &make);

	if (ret)
		return ret;
	if (read(c->from, r, sizeof(*r)) != sizeof(*r)) {
		child_end(c);
		return -ECHILD;
	}
	return 0;
}
