/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The host's global settings a test changes: THP modes and hugetlb pools.
 * Each change is written down before it is made and put back by the test,
 * or by the next ptwalk test program if the test was killed; tests that
 * change settings serialise on one lock, held from the change until it is
 * put back. host_state.c says how.
 */
#ifndef PTWALK_HOST_STATE_H
#define PTWALK_HOST_STATE_H

#include <stddef.h>

/* Where changes are written down: a tmpfs, gone with the boot like them. */
#define HOST_STATE_DIR		"/run/ptwalk"

/*
 * A sysfs file changed for a test, to be put back (its old value is in the
 * process's table of changes and in the record). Zeroed: nothing to do.
 */
struct host_setting {
	char path[128];
};

int host_state_lock(void);
void host_state_unlock(void);
int host_setting_set(struct host_setting *s, const char *path, const char *value);
void host_setting_restore(struct host_setting *s);
int host_state_record(const char *path, char *old, size_t len);

/* A THP mode file (under THP_DIR: "enabled", "hugepages-2048kB/enabled"). */
int thp_setting_set(struct host_setting *s, const char *file, const char *mode);

/* An anonymous THP size below the PMD size (mTHP) turned on for a test. */
struct mthp_setting {
	unsigned long size_kb;
	struct host_setting mode;
};

int mthp_enable_smallest(struct mthp_setting *m);
void mthp_restore(struct mthp_setting *m);

/*
 * A hugetlb page of one size kept free for a test, the pool raised for it
 * if needed; zeroed, it has nothing to put back.
 */
struct hugetlb_pool {
	unsigned long size_kb;
	int locked;			/* holds the lock: host_state_lock() */
	struct host_setting nr;		/* nr_hugepages, if raised */
};

int hugetlb_reserve(struct hugetlb_pool *pool, unsigned long size_kb,
		    unsigned long count);
void hugetlb_restore(struct hugetlb_pool *pool);
long hugetlb_persistent(unsigned long size_kb);
void hugetlb_pool_path(char *buf, size_t len, unsigned long size_kb, const char *file);
long hugetlb_pool_read(unsigned long size_kb, const char *file);
long hugetlb_available(unsigned long size_kb);

#endif /* PTWALK_HOST_STATE_H */
