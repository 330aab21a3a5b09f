// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of ptwalk() against the MMU itself: kernel addresses whose
 * translation the walker and the kernel's own helpers give are handed to a
 * user-space publisher, which has the machine's MMU checked (under QEMU,
 * the monitor's gva2gpa: ptwalk's selftests, pagemap_mmu), and the case
 * passes only if the MMU agrees with every claim.
 *
 * A case makes its kernel memory, walks it, and offers the claims in
 * /sys/kernel/debug/ptwalk_mmu/batch, one "claim VA PA|- SIZE LEVEL WHO
 * WHAT" line per side and address after a "canary VA PA" line. The
 * publisher reads the file, has the claims checked and writes back how
 * many addresses the MMU disagreed on; the case keeps its memory until then.
 * Each case also checks the walk against the helper, with or without a
 * publisher. Without one attached (ptwalk.mmu_publisher, which
 * pagemap_mmu sets while it runs this suite) the MMU is not asked, and
 * the case says so in its log. It does not skip: a case that skipped is
 * never run again from debugfs (kunit_run_tests() takes its status for
 * kunit.filter_action=skip's mark), and pagemap_mmu runs this suite again
 * after the boot has run it.
 *
 * Copyright (C) 2026 The ptwalk authors
 */

#include <linux/completion.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/io.h>
#include <linux/kstrtox.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/seq_buf.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <kunit/test.h>

#include "compat_kunit.h"
#include "../ptwalk.h"
#include "../ptwalk_arch.h"
#include "test_util.h"

#undef MODULE_PARAM_PREFIX
#define MODULE_PARAM_PREFIX "ptwalk."

static bool mmu_publisher;
module_param(mmu_publisher, bool, 0600);
MODULE_PARM_DESC(mmu_publisher,
		 "a user-space publisher (pagemap_mmu) has the ptwalk_mmu claims checked by the MMU");

/* Seconds a case waits for the publisher's answer. */
#define MMU_ANSWER_TIMEOUT	120
#define MMU_BATCH_SIZE		4096

/**
 * struct mmu_batch - the claims of one case, offered to the publisher
 * @text: "canary" and "claim" lines, written into @buf
 * @buf: the text
 * @answered: completed when the publisher wrote its answer
 * @disagreements: the addresses the MMU disagreed on, as the publisher says
 */
struct mmu_batch {
	struct seq_buf text;
	char buf[MMU_BATCH_SIZE];
	struct completion answered;
	unsigned int disagreements;
};

static u64 mmu_test_data = 0x0ddba11;
static const char mmu_test_rodata[] = "ptwalk_mmu";

static ssize_t batch_read(struct file *file, char __user *ubuf, size_t count,
			  loff_t *ppos)
{
	struct mmu_batch *b = file->private_data;

	return simple_read_from_buffer(ubuf, count, ppos, b->buf,
				       seq_buf_used(&b->text));
}

static ssize_t batch_write(struct file *file, const char __user *ubuf,
			   size_t count, loff_t *ppos)
{
	struct mmu_batch *b = file->private_data;
	unsigned int n;
	int ret;

	ret = kstrtouint_from_user(ubuf, count, 10, &n);
	if (ret)
		return ret;
	if (completion_done(&b->answered))
		return -EBUSY;
	b->disagreements = n;
	complete(&b->answered);
	return count;
}

static const struct file_operations batch_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = batch_read,
	.write = batch_write,
	.llseek = default_llseek,
};

static void remove_action(void *dentry)
{
	debugfs_remove(dentry);
}

static void add_claim(struct mmu_batch *b, unsigned long addr, bool mapped,
		      phys_addr_t phys, unsigned long size, const char *level,
		      const char *who, const char *what)
{
	seq_buf_printf(&b->text, "claim %#lx ", addr);
	if (mapped)
		seq_buf_printf(&b->text, "%pa", &phys);
	else
		seq_buf_puts(&b->text, "-");
	seq_buf_printf(&b->text, " %#lx %s %s %s\n", size, level, who, what);
}

/* @addr as the walk sees it, and as @ref (named @ref_name) gives it. */
static void claim_walk_and_ref(struct kunit *test, struct mmu_batch *b,
			       unsigned long addr, ptwalk_ref_phys_t ref,
			       const char *ref_name, const char *what)
{
	struct ptwalk_result r;
	bool mapped = ptwalk(&init_mm, addr, &r) == PTWALK_MAPPED;
	phys_addr_t want;

	add_claim(b, addr, mapped, r.phys, r.leaf_size,
		  mapped ? ptwalk_level_name(r.level) : "-", "walk", what);
	if (!ref) {
		KUNIT_EXPECT_FALSE_MSG(test, mapped, "%s %#lx: mapped at %pa",
				       what, addr, &r.phys);
		return;
	}
	want = ref((void *)addr);
	add_claim(b, addr, true, want, PAGE_SIZE, "-", ref_name, what);
	KUNIT_EXPECT_TRUE_MSG(test, mapped, "%s %#lx: %s", what, addr,
			      ptwalk_status_name(r.status));
	if (mapped)
		KUNIT_EXPECT_EQ_MSG(test, r.phys, want, "%s %#lx: the walk against %s",
				    what, addr, ref_name);
}

static struct mmu_batch *batch_new(struct kunit *test)
{
	struct mmu_batch *b;
	phys_addr_t canary = __pa_symbol(&mmu_test_data);

	b = kunit_kzalloc(test, sizeof(*b), GFP_KERNEL);
	ptwalk_test_need(test, b, "the batch");
	seq_buf_init(&b->text, b->buf, sizeof(b->buf));
	init_completion(&b->answered);
	seq_buf_printf(&b->text, "canary %#lx %pa\n",
		       (unsigned long)&mmu_test_data, &canary);
	return b;
}

/*
 * Offer @b in debugfs and wait for the publisher's answer: the MMU must
 * have agreed with every claim.
 */
static void batch_check(struct kunit *test, struct mmu_batch *b)
{
	struct dentry *dir, *file;

	KUNIT_ASSERT_FALSE_MSG(test, seq_buf_has_overflowed(&b->text),
			       "more claims than %d bytes hold", MMU_BATCH_SIZE);
	if (!READ_ONCE(mmu_publisher)) {
		kunit_info(test,
			   "the MMU was not asked: no publisher attached (ptwalk.mmu_publisher; pagemap_mmu under ptwalk's QEMU guest)\n");
		return;
	}
	dir = debugfs_create_dir("ptwalk_mmu", NULL);
	if (IS_ERR(dir))
		ptwalk_skip(test, "no debugfs directory: %ld", PTR_ERR(dir));
	ptwalk_test_defer(test, remove_action, dir);
	file = debugfs_create_file("batch", 0600, dir, b, &batch_fops);
	if (IS_ERR(file))
		ptwalk_skip(test, "no debugfs batch file: %ld", PTR_ERR(file));
	KUNIT_ASSERT_TRUE_MSG(test,
			      wait_for_completion_timeout(&b->answered,
							  MMU_ANSWER_TIMEOUT * HZ),
			      "the publisher did not answer in %d s", MMU_ANSWER_TIMEOUT);
	KUNIT_EXPECT_EQ_MSG(test, b->disagreements, 0,
			    "the MMU disagreed on %u addresses (the host's mmu outcome names them)",
			    b->disagreements);
}

/* Kernel text, data and read-only data: the walk and __pa_symbol(). */
static phys_addr_t ref_pa_symbol(const void *addr)
{
	return __pa_symbol(addr);
}

static void ptwalk_test_mmu_kernel_image(struct kunit *test)
{
	struct mmu_batch *b;

	ptwalk_require_direct_map(test);
	b = batch_new(test);
	claim_walk_and_ref(test, b, (unsigned long)ptwalk, ref_pa_symbol,
			   "__pa_symbol", "text");
	claim_walk_and_ref(test, b, (unsigned long)&mmu_test_data, ref_pa_symbol,
			   "__pa_symbol", "data");
	claim_walk_and_ref(test, b, (unsigned long)mmu_test_rodata, ref_pa_symbol,
			   "__pa_symbol", "rodata");
	batch_check(test, b);
}

static const char * const leaf_names[PTWALK_NR_LEVELS] = {
	[PTWALK_PUD] = "direct-map-pud-leaf",
	[PTWALK_PMD] = "direct-map-pmd-leaf",
	[PTWALK_PTE] = "direct-map-pte-leaf",
};

/*
 * Move *@addr to the first direct-map leaf of @level, at or after it, whose
 * bytes the CPU accesses at their own addresses (on s390: past the prefixed
 * lowcore pages), with its walk in @r. False if the leaves of @level end
 * first.
 */
static bool unprefixed_leaf(unsigned long *addr, enum ptwalk_level level,
			    struct ptwalk_result *r)
{
	while (ptwalk(&init_mm, *addr, r) == PTWALK_MAPPED && r->level == level) {
		if (!ptwalk_arch_prefixed(r->phys))
			return true;
		*addr += r->leaf_size;
	}
	return false;
}

/*
 * Each page of a kmalloc() object of a few pages, and the first leaf of
 * each size that maps the direct map on this boot (its first byte and one
 * in the middle; the host checks the leaf's last byte too).
 */
static void ptwalk_test_mmu_direct_map(struct kunit *test)
{
	size_t size = 3 * PAGE_SIZE + 100, off;
	enum ptwalk_level level;
	struct mmu_batch *b;
	char *p;

	ptwalk_require_direct_map(test);
	b = batch_new(test);
	p = kunit_kmalloc(test, size, GFP_KERNEL);
	ptwalk_test_need(test, p, "the kmalloc() object");
	for (off = 0; off < size; off += PAGE_SIZE)
		claim_walk_and_ref(test, b, (unsigned long)p + off,
				   ptwalk_ref_virt_to_phys, "virt_to_phys", "kmalloc");
	claim_walk_and_ref(test, b, (unsigned long)p + size - 1,
			   ptwalk_ref_virt_to_phys, "virt_to_phys", "kmalloc");
	for (level = PTWALK_PUD; level <= PTWALK_PTE; level++) {
		struct ptwalk_found_leaf f = { .level = level };
		struct ptwalk_result r;

		ptwalk_find_direct_map_leaf(&f);
		if (!f.found || !unprefixed_leaf(&f.addr, level, &r))
			continue;
		claim_walk_and_ref(test, b, f.addr, ptwalk_ref_virt_to_phys,
				   "virt_to_phys", leaf_names[level]);
		claim_walk_and_ref(test, b, f.addr + r.leaf_size / 2 + 8,
				   ptwalk_ref_virt_to_phys, "virt_to_phys", leaf_names[level]);
	}
	batch_check(test, b);
}

/* Each page of a vmalloc() area, and its guard page: unmapped. */
static void ptwalk_test_mmu_vmalloc(struct kunit *test)
{
	struct mmu_batch *b = batch_new(test);
	unsigned long pages = 4, i;
	char *p;

	p = ptwalk_test_own_vmalloc(test, vmalloc(pages * PAGE_SIZE));
	ptwalk_test_need(test, p, "the vmalloc() area");
	for (i = 0; i < pages; i++)
		claim_walk_and_ref(test, b, (unsigned long)p + i * PAGE_SIZE + 8 * i,
				   ptwalk_ref_vmalloc_to_pfn, "vmalloc_to_pfn", "vmalloc");
	claim_walk_and_ref(test, b, (unsigned long)p + pages * PAGE_SIZE, NULL,
			   NULL, "guard");
	batch_check(test, b);
}

/* A PMD-sized vmalloc_huge() area: its first, a middle and its last byte. */
static void ptwalk_test_mmu_vmalloc_huge(struct kunit *test)
{
	struct mmu_batch *b = batch_new(test);
	char *p;

	p = ptwalk_test_own_vmalloc(test, vmalloc_huge(PMD_SIZE, GFP_KERNEL));
	ptwalk_test_need(test, p, "the vmalloc_huge() area");
	claim_walk_and_ref(test, b, (unsigned long)p, ptwalk_ref_vmalloc_to_pfn,
			   "vmalloc_to_pfn", "vmalloc-huge");
	claim_walk_and_ref(test, b, (unsigned long)p + PMD_SIZE / 2 + 3 * PAGE_SIZE,
			   ptwalk_ref_vmalloc_to_pfn, "vmalloc_to_pfn", "vmalloc-huge");
	claim_walk_and_ref(test, b, (unsigned long)p + PMD_SIZE - 1,
			   ptwalk_ref_vmalloc_to_pfn, "vmalloc_to_pfn", "vmalloc-huge");
	batch_check(test, b);
}

static struct kunit_case ptwalk_mmu_cases[] = {
	KUNIT_CASE(ptwalk_test_mmu_kernel_image),
	KUNIT_CASE(ptwalk_test_mmu_direct_map),
	KUNIT_CASE(ptwalk_test_mmu_vmalloc),
	KUNIT_CASE(ptwalk_test_mmu_vmalloc_huge),
	{}
};

static struct kunit_suite ptwalk_mmu_suite = {
	.name = "ptwalk_mmu",
	.init = ptwalk_test_init,
	.test_cases = ptwalk_mmu_cases,
};

kunit_test_suite(ptwalk_mmu_suite);

MODULE_DESCRIPTION("KUnit tests of ptwalk() against the MMU's own translation");
MODULE_LICENSE("GPL");
