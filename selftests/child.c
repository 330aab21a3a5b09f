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
