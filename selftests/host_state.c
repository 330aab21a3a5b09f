// SPDX-License-Identifier: GPL-2.0
/*
 * The host's global settings a test changes, put back whatever happens to
 * the test.
 *
 * A test that changes a setting takes one lock, an flock() of
 * /sys/kernel/mm, and holds it until the setting is back: concurrent runs
 * change settings one at a time, and none reads another's temporary value
 * as the host's. Before the change, the file's path, its value and the
 * value about to be written go into a record, HOST_STATE_DIR/<file>, written
 * under a temporary name and renamed, so that it exists whole or not at
 * all; the record goes once the value is back. The lock dies with its
 * process, the record does not: whoever takes the lock next (and every
 * ptwalk test program as it starts) finds the records of dead processes
 * and puts their values back. A value is put back only if the file still
 * holds what the dead process wrote (for a number, anything between the
 * two values): a value set by someone else since is left alone.
 *
 * A hugetlb pool's value is its persistent size, nr_hugepages less
 * surplus_hugepages. Writing nr_hugepages sets the persistent size, and
 * the kernel turns surplus pages into persistent ones before it allocates
 * new ones (set_max_huge_pages()): a pool put back to a value read from
 * nr_hugepages, surplus pages included, would keep them for good.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "host_state.h"
#include "vm_env.h"

#define LOCK_PATH	"/sys/kernel/mm"
#define SYSFS_MM	"/sys/kernel/mm/"
#define MAX_CHANGES	8

/* A setting this process changed and has not put back yet. */
struct change {
	char path[128];
	char old[32];
	unsigned int users;	/* host_setting_set()s not yet restored */
};

/*
 * The lock and the changes of this process. They belong to the process as
 * its flock() does: a child of fork() holds neither, and must not take the
 * lock while its parent holds it.
 */
static struct {
	pid_t pid;
	int fd;
	unsigned int depth;
	struct change changes[MAX_CHANGES];
} held;

/* A record: HOST_STATE_DIR/<path under /sys/kernel/mm, '/' as '.'>. */
struct record {
	char path[128];
	char old[32];
	char new[32];
};

static bool lock_held(void)
{
	return held.depth && held.pid == getpid();
}

static void record_name(char *buf, size_t len, const char *path, bool tmp)
{
	const char *rel = path;
	size_t n;

	if (!strncmp(path, SYSFS_MM, strlen(SYSFS_MM)))
		rel += strlen(SYSFS_MM);
	snprintf(buf, len, HOST_STATE_DIR "/%s%s", tmp ? "." : "", rel);
	for (n = strlen(HOST_STATE_DIR) + 1; buf[n]; n++)
		if (buf[n] == '/')
			buf[n] = '.';
}

/* Write down that @path held @old and is about to hold @new. */
static int record_write(const char *path, const char *old, const char *new)
{
	char name[256], tmp[256];
	int fd, ret = 0;

	/* A bare initramfs has no /run. */
	if (mkdir("/run", 0755) && errno != EEXIST)
		return -errno;
	if (mkdir(HOST_STATE_DIR, 0700) && errno != EEXIST)
		return -errno;
	record_name(name, sizeof(name), path, false);
	record_name(tmp, sizeof(tmp), path, true);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (dprintf(fd, "%s\n%s\n%s\n", path, old, new) < 0)
		ret = -errno;
	if (close(fd) && !ret)
		ret = -errno;
	if (!ret && rename(tmp, name))
		ret = -errno;
	if (ret)
		unlink(tmp);
	return ret;
}

static void record_remove(const char *path)
{
	char name[256];

	record_name(name, sizeof(name), path, false);
	unlink(name);
	rmdir(HOST_STATE_DIR);		/* if it was the last */
}

static int record_read(const char *name, struct record *r)
{
	char buf[256];
	int ret = vm_read_file(name, buf, sizeof(buf));

	if (ret)
		return ret;
	if (sscanf(buf, "%127[^\n]\n%31[^\n]\n%31[^\n]\n", r->path, r->old, r->new) != 3)
		return -EPROTO;
	/* Only files of /sys/kernel/mm are changed, or put back. */
	if (strncmp(r->path, SYSFS_MM, strlen(SYSFS_MM)) || strstr(r->path, ".."))
		return -EPROTO;
	return 0;
}

/*
 * The value of the setting @path as changes are compared and put back: a
 * mode file's bracketed mode, a pool's persistent size, else the number.
 */
static int host_setting_value(const char *path, char *buf, size_t len)
{
	static const char pool[] = "/nr_hugepages";
	size_t plen = strlen(path);
	char raw[256], other[160], *open_br, *end;
	long surplus;
	int ret;

	ret = vm_read_file(path, raw, sizeof(raw));
	if (ret)
		return ret;
	if (plen > strlen(pool) && !strcmp(path + plen - strlen(pool), pool)) {
		snprintf(other, sizeof(other), "%.*s/surplus_hugepages",
			 (int)(plen - strlen(pool)), path);
		ret = vm_read_file(other, buf, len);
		if (ret)
			return ret;
		surplus = strtol(buf, NULL, 10);
		snprintf(buf, len, "%ld", strtol(raw, NULL, 10) - surplus);
		return 0;
	}
	open_br = strchr(raw, '[');
	if (open_br) {
		end = strchr(open_br, ']');
		if (!end)
			return -EPROTO;
		*end = '\0';
		memmove(raw, open_br + 1, end - open_br);
	}
	raw[strcspn(raw, "\n")] = '\0';
	if (strlen(raw) >= len)
		return -EPROTO;
	memcpy(buf, raw, strlen(raw) + 1);
	return 0;
}

/*
 * Whether @cur is what a record's owner left: @new, or a number between
 * @old and @new (a pool the kernel could not raise all the way).
 */
static bool left_by_owner(const char *cur, const struct record *r)
{
	char *e1, *e2, *e3;
	long c, o, n;

	if (!strcmp(cur, r->new))
		return true;
	c = strtol(cur, &e1, 10);
	o = strtol(r->old, &e2, 10);
	n = strtol(r->new, &e3, 10);
	if (*e1 || *e2 || *e3 || !*cur || !*r->old || !*r->new)
		return false;
	return (o <= c && c <= n) || (n <= c && c <= o);
}

/*
 * Put back what the records say, the lock held and none of them this
 * process's: their owners are gone.
 */
static void repair_records(void)
{
	char name[sizeof(HOST_STATE_DIR) + 256], cur[32];
	struct dirent *d;
	struct record r;
	DIR *dir;

	dir = opendir(HOST_STATE_DIR);
	if (!dir)
		return;
	while ((d = readdir(dir))) {
		if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, ".."))
			continue;
		snprintf(name, sizeof(name), HOST_STATE_DIR "/%s", d->d_name);
		/* A name starting with '.' is a record never completed. */
		if (d->d_name[0] != '.' && !record_read(name, &r) &&
		    !host_setting_value(r.path, cur, sizeof(cur)) &&
		    left_by_owner(cur, &r)) {
			fprintf(stderr, "# ptwalk: %s back to %s (a killed test left %s)\n",
				r.path, r.old, cur);
			vm_write_file(r.path, r.old);
		}
		unlink(name);
	}
	closedir(dir);
	rmdir(HOST_STATE_DIR);
}

/*
 * Take the lock that changes of the host's settings are made under, and
 * put back what killed tests left. Nests within a process; every call is
 * matched by host_state_unlock(). Returns 0 or -errno.
 */
int host_state_lock(void)
{
	int fd;

	if (lock_held()) {
		held.depth++;
		return 0;
	}
	fd = open(LOCK_PATH, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX)) {
		int ret = -errno;

		close(fd);
		return ret;
	}
	memset(&held, 0, sizeof(held));
	held.pid = getpid();
	held.fd = fd;
	held.depth = 1;
	repair_records();
	return 0;
}

void host_state_unlock(void)
{
	if (!lock_held() || --held.depth)
		return;
	flock(held.fd, LOCK_UN);
	close(held.fd);
	held.pid = 0;
}

/* The change of @path, made one if @add and there is none (its old value read). */
static struct change *change_of(const char *path, bool add, int *err)
{
	struct change *free_slot = NULL;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(held.changes); i++) {
		if (held.changes[i].users && !strcmp(held.changes[i].path, path))
			return &held.changes[i];
		if (!held.changes[i].users && !free_slot)
			free_slot = &held.changes[i];
	}
	*err = -ENOSPC;
	if (!add || !free_slot)
		return NULL;
	*err = host_setting_value(path, free_slot->old, sizeof(free_slot->old));
	if (*err)
		return NULL;
	snprintf(free_slot->path, sizeof(free_slot->path), "%s", path);
	return free_slot;
}

/*
 * Set the sysfs file @path to @value for a test, after writing down its
 * old value; the lock is held until host_setting_restore(@s). Returns 0 or
 * -errno: of the record (-EROFS, -EACCES: nothing was changed) or of the
 * write.
 */
int host_setting_set(struct host_setting *s, const char *path, const char *value)
{
	struct change *c;
	int ret;

	memset(s, 0, sizeof(*s));
	ret = host_state_lock();
	if (ret)
		return ret;
	c = change_of(path, true, &ret);
	if (c)
		ret = record_write(path, c->old, value);
	if (!ret)
		ret = vm_write_file(path, value);
	if (ret) {
		if (c && !c->users)
			record_remove(path);
		host_state_unlock();
		return ret;
	}
	c->users++;
	snprintf(s->path, sizeof(s->path), "%s", path);
	return 0;
}

/*
 * Put @s back: the last of this process's changes of a file writes the
 * value it had before the first. Drops the lock host_setting_set() took.
 */
void host_setting_restore(struct host_setting *s)
{
	struct change *c;
	int err;

	if (!s->path[0])
		return;
	c = change_of(s->path, false, &err);
	if (c && !--c->users) {
		vm_write_file(c->path, c->old);
		record_remove(c->path);
	}
	s->path[0] = '\0';
	host_state_unlock();
}

/* The old value the record of @path holds (for tests). Returns 0 or -errno. */
int host_state_record(const char *path, char *old, size_t len)
{
	char name[256];
	struct record r;
	int ret;

	record_name(name, sizeof(name), path, false);
	ret = record_read(name, &r);
	if (!ret)
		snprintf(old, len, "%s", r.old);
	return ret;
}

/* Every ptwalk test program starts by putting back what killed ones left. */
static void __attribute__((constructor)) host_state_repair_at_start(void)
{
	int fd;

	if (access(HOST_STATE_DIR, F_OK))
		return;
	fd = open(LOCK_PATH, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return;
	/* Held: a live run, which repaired as it took the lock. */
	if (!flock(fd, LOCK_EX | LOCK_NB))
		repair_records();
	close(fd);
}

/*
 * Set the THP mode file @file (under THP_DIR: "enabled",
 * "hugepages-2048kB/enabled") to @mode until host_setting_restore(@s).
 * Returns 0 or -errno (-ENOENT: no such file).
 */
int thp_setting_set(struct host_setting *s, const char *file, const char *mode)
{
	char path[128];

	memset(s, 0, sizeof(*s));
	snprintf(path, sizeof(path), THP_DIR "/%s", file);
	if (access(path, F_OK))
		return -errno;
	return host_setting_set(s, path, mode);
}

static void mthp_path(char *buf, size_t len, unsigned long size_kb)
{
	snprintf(buf, len, THP_DIR "/hugepages-%lukB/enabled", size_kb);
}

/*
 * The smallest anonymous THP size below the PMD size, or 0: the smallest
 * hugepages-<size>kB of THP_DIR with an "enabled" file (sizes only shmem or
 * files use have none).
 */
static unsigned long smallest_mthp_kb(void)
{
	unsigned long kb, best = 0, pmd_kb = thp_pmd_size() >> 10;
	char path[128];
	struct dirent *d;
	DIR *dir;

	if (!pmd_kb)
		return 0;
	dir = opendir(THP_DIR);
	if (!dir)
		return 0;
	while ((d = readdir(dir)))
		if (sscanf(d->d_name, "hugepages-%lukB", &kb) == 1 &&
		    kb < pmd_kb && (!best || kb < best)) {
			mthp_path(path, sizeof(path), kb);
			if (!access(path, F_OK))
				best = kb;
		}
	closedir(dir);
	return best;
}

/*
 * Set the smallest mTHP size to "always" until mthp_restore(). Returns 0,
 * -ENOENT (no mTHP sizes: before 6.8, or no THP) or -errno of the record
 * or the sysfs access (-EACCES: not root).
 */
int mthp_enable_smallest(struct mthp_setting *m)
{
	char file[64];

	memset(m, 0, sizeof(*m));
	m->size_kb = smallest_mthp_kb();
	if (!m->size_kb)
		return -ENOENT;
	snprintf(file, sizeof(file), "hugepages-%lukB/enabled", m->size_kb);
	return thp_setting_set(&m->mode, file, "always");
}

void mthp_restore(struct mthp_setting *m)
{
	host_setting_restore(&m->mode);
}

/* The sysfs @file of the hugetlb pool of @size_kb pages. */
void hugetlb_pool_path(char *buf, size_t len, unsigned long size_kb, const char *file)
{
	snprintf(buf, len, "/sys/kernel/mm/hugepages/hugepages-%lukB/%s",
		 size_kb, file);
}

/* The number in the pool's sysfs @file ("free_hugepages", ...), or -errno. */
long hugetlb_pool_read(unsigned long size_kb, const char *file)
{
	char path[128], buf[32];
	int ret;

	hugetlb_pool_path(path, sizeof(path), size_kb, file);
	ret = vm_read_file(path, buf, sizeof(buf));
	return ret ? ret : strtol(buf, NULL, 10);
}

/* The persistent size of the pool of @size_kb pages, or -errno. */
long hugetlb_persistent(unsigned long size_kb)
{
	char path[128], buf[32];
	int ret;

	hugetlb_pool_path(path, sizeof(path), size_kb, "nr_hugepages");
	ret = host_setting_value(path, buf, sizeof(buf));
	return ret ? ret : strtol(buf, NULL, 10);
}

/* Free hugetlb pages of @size_kb no mapping has reserved, or -errno. */
long hugetlb_available(unsigned long size_kb)
{
	long free_pages = hugetlb_pool_read(size_kb, "free_hugepages");
	long resv = hugetlb_pool_read(size_kb, "resv_hugepages");

	if (free_pages < 0)
		return free_pages;
	return resv < 0 ? resv : free_pages - resv;
}

/*
 * Make sure @count hugetlb pages of @size_kb are free and not reserved by
 * another mapping, raising the pool by what is missing if needed (root
 * only), and keep them so, under the lock, until hugetlb_restore(@pool).
 * @pool needs no initialisation. Returns 0, -ENOENT (no such page size),
 * -EPERM (cannot raise the pool), -ENOMEM (the kernel could not find the
 * memory) or -errno of the record (-EROFS).
 */
int hugetlb_reserve(struct hugetlb_pool *pool, unsigned long size_kb,
		    unsigned long count)
{
	char path[128], value[32];
	long avail, nr;
	int ret;

	memset(pool, 0, sizeof(*pool));
	pool->size_kb = size_kb;
	hugetlb_pool_path(path, sizeof(path), size_kb, "nr_hugepages");
	if (access(path, F_OK))
		return -ENOENT;
	ret = host_state_lock();
	if (ret)
		return ret;
	pool->locked = 1;
	avail = hugetlb_available(size_kb);
	nr = hugetlb_pool_read(size_kb, "nr_hugepages");
	ret = avail < 0 ? avail : nr < 0 ? nr : 0;
	if (!ret && avail < (long)count) {
		/* Every surplus page becomes persistent first, then new ones come. */
		snprintf(value, sizeof(value), "%ld", nr + (long)count - avail);
		ret = host_setting_set(&pool->nr, path, value);
		if (ret == -EACCES)
			ret = -EPERM;
		if (!ret && hugetlb_available(size_kb) < (long)count)
			ret = -ENOMEM;
	}
	if (ret)
		hugetlb_restore(pool);
	return ret;
}

/* Put back what hugetlb_reserve() changed, and drop its lock. */
void hugetlb_restore(struct hugetlb_pool *pool)
{
	host_setting_restore(&pool->nr);
	if (pool->locked) {
		pool->locked = 0;
		host_state_unlock();
	}
}
