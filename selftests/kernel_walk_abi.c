// SPDX-License-Identifier: GPL-2.0
/*
 * The error contract of /sys/kernel/debug/ptwalk/walk: every malformed or
 * forbidden request fails with its documented errno and leaves no answer
 * behind, the opener needs CAP_SYS_ADMIN, the writer needs ptrace access to
 * the target, and two writers sharing one open file never see a torn or
 * mixed-up answer. The kernel must stay quiet through all of it: the guest
 * run fails on any oops, WARN or lockdep report in its console.
 *
 * Without CONFIG_PTWALK_DEBUGFS (or without root) every test skips.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* setresuid(); 6.1's harness does not define it */
#endif
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "kernel_walk.h"
#include "pagemap.h"
#include "vm_env.h"

/* The kernel's largest unsigned long: these programs are built native. */
#if ULONG_MAX > 0xffffffffUL
#define TOP_ADDRESS	"0xffffffffffffffff"
#else
#define TOP_ADDRESS	"0xffffffff"
#endif

/* Requests the walk file refuses: the write fails, and no answer is left. */
FIXTURE(bad_request) {
	const char *skip;
	int fd;
};

FIXTURE_VARIANT(bad_request) {
	const char *request;
	int error;
};

FIXTURE_VARIANT_ADD(bad_request, not_a_number) { "abc 0x1000\n", EINVAL };
FIXTURE_VARIANT_ADD(bad_request, trailing_garbage) { "0 0x1000x\n", EINVAL };
FIXTURE_VARIANT_ADD(bad_request, missing_address) { "0\n", EINVAL };
FIXTURE_VARIANT_ADD(bad_request, empty) { "\n", EINVAL };
FIXTURE_VARIANT_ADD(bad_request, three_fields) { "0 0x1000 0\n", EINVAL };
FIXTURE_VARIANT_ADD(bad_request, negative_pid) { "-1 0x1000\n", EINVAL };
FIXTURE_VARIANT_ADD(bad_request, pid_not_decimal) { "0x1 0x1000\n", EINVAL };
FIXTURE_VARIANT_ADD(bad_request, address_overflows) { "0 0x1ffffffffffffffff\n", EINVAL };
FIXTURE_VARIANT_ADD(bad_request, negative_address) { "0 -1\n", EINVAL };
FIXTURE_VARIANT_ADD(bad_request, past_task_size) { "0 " TOP_ADDRESS "\n", EFAULT };
FIXTURE_VARIANT_ADD(bad_request, no_such_pid) { "2147483647 0x1000\n", ESRCH };

FIXTURE_SETUP(bad_request)
{
	self->fd = kwalk_open();
	if (self->fd < 0)
		self->skip = kwalk_open_error(self->fd);
}

FIXTURE_TEARDOWN(bad_request)
{
	if (self->fd >= 0)
		close(self->fd);
}

/* A good request first: the failed one must also remove its answer. */
static void expect_refused(struct __test_metadata *_metadata, int fd,
			   const char *request, int error)
{
	char buf[64];

	ASSERT_EQ(0, kwalk_request(fd, "0 0x1000\n"));
	ASSERT_EQ(-error, kwalk_request(fd, request))
		TH_LOG("request \"%s\"", request);
	ASSERT_EQ(-1, pread(fd, buf, sizeof(buf), 0));
	ASSERT_EQ(ENODATA, errno);
}

TEST_F(bad_request, refused)
{
	if (self->skip)
		SKIP(return, "%s", self->skip);
	expect_refused(_metadata, self->fd, variant->request, variant->error);
}

FIXTURE(walk_file) {
	const char *skip;
	int fd;
	size_t ps;
};

FIXTURE_SETUP(walk_file)
{
	self->ps = page_size();
	self->fd = kwalk_open();
	if (self->fd < 0)
		self->skip = kwalk_open_error(self->fd);
}

FIXTURE_TEARDOWN(walk_file)
{
	if (self->fd >= 0)
		close(self->fd);
}

/* Does the state letter of /proc/PID/stat say @state? */
static bool proc_state_is(pid_t pid, char state)
{
	char path[64], buf[512], *paren;
	bool is = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	if (fgets(buf, sizeof(buf), f)) {
		paren = strrchr(buf, ')');
		is = paren && paren[1] == ' ' && paren[2] == state;
	}
	fclose(f);
	return is;
}

static bool proc_comm_is(pid_t pid, const char *comm)
{
	char path[64], buf[64] = "";
	bool is = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	if (fgets(buf, sizeof(buf), f))
		is = !strncmp(buf, comm, strlen(comm)) && buf[strlen(comm)] == '\n';
	fclose(f);
	return is;
}

#define WRITER_ROUNDS	2000

/* "PID ADDRESS" for @pid, as a request. */
static const char *pid_request(char *buf, size_t len, pid_t pid)
{
	snprintf(buf, len, "%d 0x1000\n", (int)pid);
	return buf;
}

TEST_F(walk_file, read_before_write)
{
	char buf[64];

	if (self->skip)
		SKIP(return, "%s", self->skip);
	ASSERT_EQ(-1, read(self->fd, buf, sizeof(buf)));
	ASSERT_EQ(ENODATA, errno);
}

TEST_F(walk_file, longer_than_a_page)
{
	size_t len = page_size() + 1;
	char *req = malloc(len + 1);

	if (self->skip)
		SKIP(return, "%s", self->skip);
	ASSERT_NE(NULL, req);
	memset(req, ' ', len);
	memcpy(req, "0 0x1000", 8);
	req[len] = '\0';
	expect_refused(_metadata, self->fd, req, EINVAL);
	free(req);
}

/* A request the kernel cannot read: a PROT_NONE page. */
TEST_F(walk_file, unreadable_buffer)
{
	void *p;

	if (self->skip)
		SKIP(return, "%s", self->skip);
	p = mmap(NULL, self->ps, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(-1, write(self->fd, p, 8));
	ASSERT_EQ(EFAULT, errno);
	munmap(p, self->ps);
}

/* A child that exited: reaped (no such pid) and zombie (no mm). */
TEST_F(walk_file, exited_pid)
{
	char req[64];
	int status, i;
	pid_t pid;

	if (self->skip)
		SKIP(return, "%s", self->skip);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(0);
	/* A zombie until reaped: wait for its state to say so. */
	for (i = 0; i < 5000 && !proc_state_is(pid, 'Z'); i++)
		usleep(1000);
	ASSERT_TRUE(proc_state_is(pid, 'Z'));
	expect_refused(_metadata, self->fd, pid_request(req, sizeof(req), pid), ESRCH);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	expect_refused(_metadata, self->fd, pid_request(req, sizeof(req), pid), ESRCH);
}

/* A kernel thread has no mm: kthreadd is pid 2 in the initial namespace. */
TEST_F(walk_file, kernel_thread)
{
	char req[64];

	if (self->skip)
		SKIP(return, "%s", self->skip);
	if (!proc_comm_is(2, "kthreadd"))
		SKIP(return, "pid 2 is not kthreadd here");
	expect_refused(_metadata, self->fd, pid_request(req, sizeof(req), 2), ESRCH);
}

/* Without CAP_SYS_ADMIN the file does not open, even for uid 0. */
TEST_F(walk_file, no_cap_sys_admin)
{
	int status;
	pid_t pid;

	if (self->skip)
		SKIP(return, "%s", self->skip);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(drop_cap_sys_admin() ? 2 : kwalk_open() == -EPERM ? 0 : 1);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status))
		TH_LOG("%s", WEXITSTATUS(status) == 2 ? "capset failed" :
			     "open without CAP_SYS_ADMIN did not fail with EPERM");
}

/*
 * The writer's right to ptrace the target is checked at each request: a
 * file opened by root and kept after setuid() walks the writer's own pages,
 * not those of another user's process (init).
 */
TEST_F(walk_file, no_ptrace_access)
{
	struct kwalk w;
	char req[64];
	int status;
	pid_t pid;

	if (self->skip)
		SKIP(return, "%s", self->skip);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		if (setresuid(65534, 65534, 65534))
			_exit(2);
		if (kwalk_get(self->fd, 0, &w, &w))
			_exit(3);
		_exit(kwalk_request(self->fd, pid_request(req, sizeof(req), 1)) == -EACCES ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status))
		TH_LOG("exit %d: %s", WEXITSTATUS(status),
		       "1 = init walked without ptrace access, 2 = setresuid, 3 = own walk failed");
}

/*
 * One round of a writer sharing the walk file: its request, then whatever
 * answer the file holds, which must be whole and about one of the two
 * requests. Returns 0, -EBUSY (the other writer held the file) or -errno.
 */
static int writer_round(int fd, uintptr_t mine, uintptr_t theirs, pid_t them)
{
	struct kwalk w;
	char req[64];
	int ret;

	snprintf(req, sizeof(req), "0 %#lx\n", (unsigned long)mine);
	ret = kwalk_request(fd, req);
	if (!ret)
		ret = kwalk_answer(fd, &w);
	if (ret)
		return ret;
	if (!(w.pid == getpid() && w.addr == mine) &&
	    !(w.pid == them && w.addr == theirs))
		return -EPROTO;
	return 0;
}

/* Returns 0 or the first error other than -EBUSY; counts those in @busy. */
static int writer(int fd, uintptr_t mine, uintptr_t theirs, pid_t them,
		  int *busy)
{
	int i, ret;

	for (i = 0; i < WRITER_ROUNDS; i++) {
		ret = writer_round(fd, mine, theirs, them);
		if (ret == -EBUSY)
			++*busy;
		else if (ret)
			return ret;
	}
	return 0;
}

/*
 * Two processes writing requests into one open file: each request gets its
 * own answer or -EBUSY, and every answer read is whole.
 */
TEST_F(walk_file, two_writers)
{
	uintptr_t a = self->ps, b = 2 * self->ps;
	int status, busy = 0, child_busy = 0;
	pid_t pid;

	if (self->skip)
		SKIP(return, "%s", self->skip);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(-writer(self->fd, b, a, getppid(), &child_busy));
	ASSERT_EQ(0, writer(self->fd, a, b, pid, &busy));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status))
		TH_LOG("the child's requests: %s", strerror(WEXITSTATUS(status)));
	ksft_print_msg("two writers: %d of the parent's %d requests got EBUSY\n",
		       busy, WRITER_ROUNDS);
}

TEST_HARNESS_MAIN
