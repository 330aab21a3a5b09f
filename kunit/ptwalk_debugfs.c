// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/debug/ptwalk/walk: ptwalk() of a user address, from user space.
 *
 * A process writes "PID ADDRESS" and reads back one walk of ADDRESS in the
 * address space of PID (0: its own) as "key value" lines, one per level the
 * walk read: what /proc/PID/pagemap says about the same address, plus what
 * it cannot say (the level of the leaf, the raw entries, write, dirty and
 * young). The format is in ptwalk's Documentation/kernel-walk.rst.
 *
 * Each open file holds one answer. A write replaces it (or, if it fails,
 * removes it) and rewinds the file; reads return it. The opener needs
 * CAP_SYS_ADMIN, as for the PFNs of pagemap; the target's mm is taken with
 * the ptrace check pagemap makes, PTRACE_MODE_READ_FSCREDS. Only user
 * addresses are walked: the kernel's own mappings are the KUnit suites'
 * business, and handing their layout to user space would undo KASLR.
 *
 * Copyright (C) 2026 The ptwalk authors
 */

#include <linux/capability.h>
#include <linux/debugfs.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/mutex.h>
#include <linux/pid.h>
#include <linux/ptrace.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/sched/task.h>
#include <linux/seq_buf.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "ptwalk.h"

/* Eleven header lines and one line per level, with room to spare. */
#define ANSWER_SIZE	1024

/**
 * struct walk_file - the state of one open walk file
 * @lock: serialises requests and reads; a second writer gets -EBUSY
 * @len: bytes in @answer; 0 before the first request and after a failed one
 * @answer: the text of the last walk
 */
struct walk_file {
	struct mutex lock;	/* one request or read at a time */
	size_t len;
	char answer[ANSWER_SIZE];
};

/*
 * "PID ADDRESS": a decimal PID (0: the writer) and an address in any base
 * kstrtoul() accepts, separated by blanks, with an optional newline.
 */
static int parse_request(char *buf, pid_t *pid, unsigned long *addr)
{
	char *pid_str;
	int nr;

	buf = strim(buf);
	pid_str = strsep(&buf, " \t");
	if (!buf || kstrtoint(pid_str, 10, &nr) || nr < 0)
		return -EINVAL;
	if (kstrtoul(skip_spaces(buf), 0, addr))
		return -EINVAL;
	*pid = nr ? nr : task_pid_vnr(current);
	return 0;
}

/* The mm of @pid with a reference, if the writer may read it; or ERR_PTR. */
static struct mm_struct *target_mm(pid_t pid)
{
	struct task_struct *task = find_get_task_by_vpid(pid);
	struct mm_struct *mm;

	if (!task)
		return ERR_PTR(-ESRCH);
	/* -ESRCH without an mm (kernel thread, exited), -EACCES if denied. */
	mm = mm_access(task, PTRACE_MODE_READ_FSCREDS);
	put_task_struct(task);
	return mm;
}

static int walk_user(pid_t pid, unsigned long addr, struct ptwalk_result *res)
{
	struct mm_struct *mm = target_mm(pid);
	int ret = -EFAULT;

	if (IS_ERR(mm))
		return PTR_ERR(mm);
	if (addr < mm->task_size) {
		ret = mmap_read_lock_killable(mm);
		if (!ret) {
			ptwalk(mm, addr, res);
			mmap_read_unlock(mm);
		}
	}
	mmput(mm);
	return ret;
}

static char access_bit(const struct ptwalk_result *res, unsigned int bit)
{
	if (!res->leaf_bits_known)
		return res->status == PTWALK_MAPPED ? '?' : '-';
	return res->leaf_bits & bit ? '1' : '0';
}

/* What the entry at @level is: a pointer to a table, or what ended the walk. */
static const char *entry_kind(const struct ptwalk_result *res,
			      enum ptwalk_level level)
{
	if (level != res->level)
		return "table";
	return res->status == PTWALK_MAPPED ? "leaf" :
					       ptwalk_status_name(res->status);
}

static void print_level(struct seq_buf *s, const struct ptwalk_result *res,
			enum ptwalk_level level)
{
	const char *name = ptwalk_level_name(level);

	if (res->folded & BIT(level))
		seq_buf_printf(s, "%s folded\n", name);
	else if (res->visited & BIT(level))
		seq_buf_printf(s, "%s %u 0x%016llx %s\n", name,
			       res->index[level], res->entry[level],
			       entry_kind(res, level));
}

static size_t print_walk(char *buf, size_t size, pid_t pid,
			 const struct ptwalk_result *res)
{
	enum ptwalk_level level;
	struct seq_buf s;

	seq_buf_init(&s, buf, size);
	seq_buf_printf(&s, "pid %d\naddr 0x%lx\nstatus %s\n", pid, res->addr,
		       ptwalk_status_name(res->status));
	seq_buf_printf(&s, "level %s\nsize %lu\npfn 0x%lx\nphys %pa\n",
		       res->status == PTWALK_BAD_ADDRESS ?
		       "-" : ptwalk_level_name(res->level),
		       res->leaf_size, res->pfn, &res->phys);
	seq_buf_printf(&s, "write %c\ndirty %c\nyoung %c\n",
		       access_bit(res, PTWALK_LEAF_WRITE),
		       access_bit(res, PTWALK_LEAF_DIRTY),
		       access_bit(res, PTWALK_LEAF_YOUNG));
	seq_buf_puts(&s, "shift");
	for (level = PTWALK_PGD; level < PTWALK_NR_LEVELS; level++)
		seq_buf_printf(&s, " %u", res->shift[level]);
	seq_buf_putc(&s, '\n');
	for (level = PTWALK_PGD; level < PTWALK_NR_LEVELS; level++)
		print_level(&s, res, level);
	return seq_buf_has_overflowed(&s) ? 0 : seq_buf_used(&s);
}

static ssize_t walk_write(struct file *file, const char __user *ubuf,
			  size_t count, loff_t *ppos)
{
	struct walk_file *f = file->private_data;
	struct ptwalk_result res;
	unsigned long addr;
	char *request;
	pid_t pid;
	int ret;

	if (!mutex_trylock(&f->lock))
		return -EBUSY;
	f->len = 0;
	if (count >= PAGE_SIZE) {
		ret = -EINVAL;
		goto out;
	}
	request = memdup_user_nul(ubuf, count);
	if (IS_ERR(request)) {
		ret = PTR_ERR(request);
		goto out;
	}
	ret = parse_request(request, &pid, &addr);
	kfree(request);
	if (!ret)
		ret = walk_user(pid, addr, &res);
	if (!ret) {
		f->len = print_walk(f->answer, sizeof(f->answer), pid, &res);
		ret = f->len ? 0 : -EOVERFLOW;
	}
out:
	mutex_unlock(&f->lock);
	if (ret)
		return ret;
	*ppos = 0;	/* the answer is read from the start */
	return count;
}

static ssize_t walk_read(struct file *file, char __user *ubuf, size_t count,
			 loff_t *ppos)
{
	struct walk_file *f = file->private_data;
	ssize_t ret;

	ret = mutex_lock_interruptible(&f->lock);
	if (ret)
		return ret;
	if (f->len)
		ret = simple_read_from_buffer(ubuf, count, ppos, f->answer,
					      f->len);
	else
		ret = -ENODATA;
	mutex_unlock(&f->lock);
	return ret;
}

static int walk_open(struct inode *inode, struct file *file)
{
	struct walk_file *f;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	f = kzalloc(sizeof(*f), GFP_KERNEL);
	if (!f)
		return -ENOMEM;
	mutex_init(&f->lock);
	file->private_data = f;
	return 0;
}

static int walk_release(struct inode *inode, struct file *file)
{
	struct walk_file *f = file->private_data;

	mutex_destroy(&f->lock);
	kfree(f);
	return 0;
}

static const struct file_operations walk_fops = {
	.owner = THIS_MODULE,
	.open = walk_open,
	.read = walk_read,
	.write = walk_write,
	.llseek = default_llseek,
	.release = walk_release,
};

static int __init ptwalk_debugfs_init(void)
{
	struct dentry *dir = debugfs_create_dir("ptwalk", NULL);

	debugfs_create_file("walk", 0600, dir, NULL, &walk_fops);
	return 0;
}
late_initcall(ptwalk_debugfs_init);
