// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's side of the MMU check (mmu_witness.h): batches of claims
 * published on the console, and the host's answer read back from it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "mmu_witness.h"
#include "vm_env.h"

#define CONSOLE		"/dev/console"
#define LINE_MAX_LEN	160

/* Is this kernel booted for the MMU check? */
static bool booted_for_mmu(void)
{
	char cmdline[4096];

	if (vm_read_file("/proc/cmdline", cmdline, sizeof(cmdline)) < 0)
		return false;
	return strstr(cmdline, MMU_CMDLINE_FLAG);
}

/*
 * The console without echo, so that the host's answer is not printed back
 * to it; lines still arrive whole (canonical mode).
 */
static int console_open(void)
{
	struct termios t;
	int fd = open(CONSOLE, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (!tcgetattr(fd, &t)) {
		t.c_lflag &= ~(ECHO | ECHONL);
		t.c_lflag |= ICANON;
		tcsetattr(fd, TCSANOW, &t);
	}
	tcflush(fd, TCIFLUSH);
	return fd;
}

/* The frame of the canary page, written first so that it is this process's own. */
static int canary_touch(struct mmu_witness *w)
{
	struct pm_entry e;
	int ret;

	touch_write(w->canary, (char)getpid());
	ret = pagemap_get(w->pagemap_fd, w->canary, &e);
	if (ret)
		return ret;
	if (!e.present || !e.pfn)
		return -ENXIO;
	w->canary_phys = e.pfn * page_size();
	return 0;
}

/**
 * mmu_witness_open() - the channel to the host, if there is one
 * @w: filled in
 * @why: on -EOPNOTSUPP, why there is no MMU check here (a skip reason)
 *
 * Return: 0, -EOPNOTSUPP where the kernel was not booted for the check,
 * or another -errno.
 */
int mmu_witness_open(struct mmu_witness *w, const char **why)
{
	int ret;

	memset(w, 0, sizeof(*w));
	w->console = -1;
	w->walk_fd = -1;
	w->pagemap_fd = -1;
	if (!booted_for_mmu()) {
		*why = "no MMU to ask: not booted by ptwalk's QEMU guest (" MMU_CMDLINE_FLAG ")";
		return -EOPNOTSUPP;
	}
	w->pagemap_fd = pagemap_open(0);
	if (w->pagemap_fd < 0)
		return w->pagemap_fd;
	w->walk_fd = kwalk_open();	/* optional: pagemap alone is one side */
	w->console = console_open();
	if (w->console < 0)
		return w->console;
	w->canary = mmap(NULL, page_size(), PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (w->canary == MAP_FAILED) {
		w->canary = NULL;
		return -errno;
	}
	mlock(w->canary, page_size());	/* best effort: the host re-checks it */
	ret = canary_touch(w);
	return ret;
}

void mmu_witness_close(struct mmu_witness *w)
{
	if (w->canary)
		munmap(w->canary, page_size());
	if (w->console >= 0)
		close(w->console);
	if (w->walk_fd >= 0)
		close(w->walk_fd);
	if (w->pagemap_fd >= 0)
		close(w->pagemap_fd);
	w->canary = NULL;
	w->console = -1;
	w->walk_fd = -1;
	w->pagemap_fd = -1;
}

/**
 * mmu_witness_rearm() - make an inherited witness a forked child's own
 * @w: the parent's witness, in the child
 *
 * The child gets its own canary frame (the write breaks copy-on-write) and
 * reads its own pagemap; the batches it publishes are named by its PID.
 *
 * Return: 0 or -errno.
 */
int mmu_witness_rearm(struct mmu_witness *w)
{
	if (w->pagemap_fd >= 0)
		close(w->pagemap_fd);
	w->pagemap_fd = pagemap_open(0);
	if (w->pagemap_fd < 0)
		return w->pagemap_fd;
	w->batches = 0;
	w->n = 0;
	return canary_touch(w);
}

/* Add @c to the batch; a full batch drops it (mmu_witness_check() fails). */
void mmu_claim_add(struct mmu_witness *w, const struct mmu_claim *c)
{
	if (w->n < MMU_BATCH_MAX)
		w->claim[w->n] = *c;
	w->n++;
}

/**
 * mmu_claim_sides() - claim @addr as the kernel walk and pagemap see it
 * @w: the witness
 * @addr: an address of this process
 * @what: what it is, for the host's report
 *
 * Return: 0 or -errno of a side that could not be read.
 */
int mmu_claim_sides(struct mmu_witness *w, const void *addr, const char *what)
{
	struct mmu_claim c = { .addr = (uintptr_t)addr, .what = what };
	struct pm_entry e;
	struct kwalk k;
	int ret;

	if (w->walk_fd >= 0) {
		ret = kwalk_get(w->walk_fd, 0, addr, &k);
		if (ret)
			return ret;
		c.who = "walk";
		c.mapped = k.status == KWALK_MAPPED;
		/* The frame, as pagemap gives it: a wrong PFN is caught too. */
		c.phys = c.mapped ? k.pfn * page_size() + ((uintptr_t)addr & (page_size() - 1)) : 0;
		c.leaf_size = c.mapped ? k.size : 0;
		c.level = c.mapped ? kwalk_level_name(k.level) : "-";
		mmu_claim_add(w, &c);
	}
	ret = pagemap_get(w->pagemap_fd, addr, &e);
	if (ret)
		return ret;
	c.who = "pagemap";
	c.mapped = e.present;
	c.phys = c.mapped ? e.pfn * page_size() + ((uintptr_t)addr & (page_size() - 1)) : 0;
	c.leaf_size = c.mapped ? page_size() : 0;
	c.level = "-";
	mmu_claim_add(w, &c);
	return 0;
}

/* Write all of @buf to the console, however the tty splits it. */
static int console_write(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EAGAIN)
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		len -= n;
	}
	return 0;
}

/* The claim as a line's fields after "claim ID ": VA PA|- SIZE LEVEL WHO WHAT. */
static void claim_fields(const struct mmu_claim *c, char *buf, size_t len)
{
	char phys[24] = "-";

	if (c->mapped)
		snprintf(phys, sizeof(phys), "%#llx", (unsigned long long)c->phys);
	snprintf(buf, len, "%#llx %s %#llx %s %s %s", (unsigned long long)c->addr,
		 phys, (unsigned long long)c->leaf_size, c->level, c->who, c->what);
}

/*
 * Print batch @id on the console: @n claims, each the fields of a claim
 * line, taken from @fields(@ctx, i, buf, len).
 */
static int publish(int console, const char *id, uint64_t canary_va,
		   uint64_t canary_pa, size_t n,
		   void (*fields)(const void *ctx, size_t i, char *buf, size_t len),
		   const void *ctx)
{
	char *text, *p, line[LINE_MAX_LEN];
	size_t i, size = (n + 2) * (LINE_MAX_LEN + 32);
	int ret;

	text = malloc(size);
	p = text;
	if (!text)
		return -ENOMEM;
	p += sprintf(p, "ptwalk-mmu: begin %s %zu canary %#llx %#llx\n", id, n,
		     (unsigned long long)canary_va, (unsigned long long)canary_pa);
	for (i = 0; i < n; i++) {
		fields(ctx, i, line, sizeof(line));
		p += sprintf(p, "ptwalk-mmu: claim %s %s\n", id, line);
	}
	p += sprintf(p, "ptwalk-mmu: end %s\n", id);
	ret = console_write(console, text, p - text);
	free(text);
	return ret;
}

static void witness_fields(const void *ctx, size_t i, char *buf, size_t len)
{
	const struct mmu_witness *w = ctx;

	claim_fields(&w->claim[i], buf, len);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Spin in user mode for @seconds: clock_gettime() is the vDSO's, so no
 * system call takes the CPU into the kernel meanwhile. Where the MMU
 * translates by the mode the CPU is in (s390's address-space control,
 * powerpc's MSR), a VM stopped in a system call answers for the kernel's
 * tables, not this process's.
 */
static void spin_in_user_mode(double seconds)
{
	double until = now() + seconds;

	while (now() < until)
		;
}

/* Between two looks at the console, the time spent in user mode. */
#define SPIN_SECONDS	0.002

/*
 * Wait until the host types "ptwalk-mmu-ack ID N" on the console: N
 * disagreements it found. With @spin, on the CPU and in this address
 * space (user addresses translate only there), mostly in user mode;
 * else asleep in poll(), so that the CPU waits in the kernel, where
 * kernel addresses translate whatever process was last on it.
 */
static int await_answer(int console, const char *id, bool spin,
			unsigned int *disagreements)
{
	double deadline = now() + MMU_ANSWER_TIMEOUT;
	char line[LINE_MAX_LEN], want[64];
	struct pollfd pfd = { .fd = console, .events = POLLIN };
	unsigned int n;

	snprintf(want, sizeof(want), "ptwalk-mmu-ack %s %%u", id);
	while (now() < deadline) {
		ssize_t len;

		if (!spin && poll(&pfd, 1, 1000) < 0 && errno != EINTR)
			return -errno;
		len = read(console, line, sizeof(line) - 1);
		if (len < 0 && errno != EAGAIN)
			return -errno;
		if (len <= 0) {
			if (spin)
				spin_in_user_mode(SPIN_SECONDS);
			continue;
		}
		line[len] = '\0';
		if (sscanf(line, want, &n) == 1) {
			*disagreements = n;
			return 0;
		}
	}
	return -ETIMEDOUT;
}

/*
 * The monitor translates with the state of the VM's first CPU: a
 * publisher of user addresses waits there, where the host looks.
 */
static int pin_to_first_cpu(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -errno : 0;
}

/*
 * Read each address pagemap says is present: an MMU whose entry for a page
 * exists only once the page is used then has one (s390 marks a forked
 * child's PTEs old with the hardware invalid bit; powerpc's hashed page
 * table is filled on a fault). A read changes no frame.
 */
static void touch_present(const struct mmu_witness *w)
{
	size_t i;

	for (i = 0; i < w->n && i < MMU_BATCH_MAX; i++) {
		const struct mmu_claim *c = &w->claim[i];

		if (c->mapped && !strcmp(c->who, "pagemap"))
			touch_read((const void *)(uintptr_t)c->addr);
	}
}

/**
 * mmu_witness_check() - have the host ask the MMU about the batch, and empty it
 * @w: the witness
 * @disagreements: where the host's count of addresses the MMU disagreed on goes
 *
 * Return: 0 once the host answered; -E2BIG for more than MMU_BATCH_MAX
 * claims, -ETIMEDOUT if no answer came, or another -errno.
 */
int mmu_witness_check(struct mmu_witness *w, unsigned int *disagreements)
{
	char id[32];
	int ret;

	if (w->n > MMU_BATCH_MAX)
		return -E2BIG;
	ret = pin_to_first_cpu();
	if (ret)
		return ret;
	touch_present(w);
	/* The canary again: a page migrated since it was read is told apart. */
	ret = canary_touch(w);
	if (ret)
		return ret;
	snprintf(id, sizeof(id), "%d.%u", (int)getpid(), ++w->batches);
	ret = publish(w->console, id, (uintptr_t)w->canary, w->canary_phys, w->n,
		      witness_fields, w);
	if (!ret)
		ret = await_answer(w->console, id, true, disagreements);
	w->n = 0;
	return ret;
}

/* The lines of a kernel batch, split in place. */
struct kernel_batch {
	char *claim[MMU_BATCH_MAX];
	size_t n;
	unsigned long long canary_va, canary_pa;
};

static void kernel_fields(const void *ctx, size_t i, char *buf, size_t len)
{
	const struct kernel_batch *k = ctx;

	snprintf(buf, len, "%s", k->claim[i]);
}

static int kernel_batch_parse(char *text, struct kernel_batch *k)
{
	char *line, *save = NULL;
	bool canary = false;

	memset(k, 0, sizeof(*k));
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line, "canary %llx %llx", &k->canary_va, &k->canary_pa) == 2)
			canary = true;
		else if (!strncmp(line, "claim ", 6) && k->n < MMU_BATCH_MAX)
			k->claim[k->n++] = line + 6;
		else
			return -EBADMSG;
	}
	return canary && k->n ? 0 : -EBADMSG;
}

/**
 * mmu_witness_relay() - have the host check a batch of kernel addresses
 * @w: the witness
 * @text: the batch as the kernel offers it ("canary VA PA", then "claim
 *	VA PA|- SIZE LEVEL WHO WHAT" lines); split in place
 * @disagreements: where the host's count goes
 *
 * The batch's canary is a kernel address: the host checks it until the VM
 * stopped with the kernel's tables in use, which this process helps by
 * sleeping while it waits.
 *
 * Return: 0 once the host answered; -EBADMSG for text not in that form,
 * -ETIMEDOUT if no answer came, or another -errno.
 */
int mmu_witness_relay(struct mmu_witness *w, char *text, unsigned int *disagreements)
{
	struct kernel_batch k;
	char id[32];
	int ret;

	ret = kernel_batch_parse(text, &k);
	if (ret)
		return ret;
	snprintf(id, sizeof(id), "%d.%u", (int)getpid(), ++w->batches);
	ret = publish(w->console, id, k.canary_va, k.canary_pa, k.n, kernel_fields, &k);
	return ret ? ret : await_answer(w->console, id, false, disagreements);
}
