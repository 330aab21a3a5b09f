/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The third side: user addresses checked by the MMU itself. Under QEMU,
 * booted by ptwalk with "ptwalk.mmu=1" on the kernel command line, the host
 * follows the console and holds a QMP socket. A process publishes a batch
 * of claims (an address, the physical address the kernel's walk or pagemap
 * gave for it, the leaf size) on /dev/console and spins on the CPU; the host
 * stops the VM, asks QEMU's MMU (the monitor's gva2gpa) for each address
 * and for the first and last byte of each leaf, lets the VM go on, and
 * types its answer on the console. The one place in the selftests that
 * knows the line format (ptwalk's Documentation/running.rst).
 *
 * Functions return errors as negative errno values; none exits the process.
 */
#ifndef PTWALK_MMU_WITNESS_H
#define PTWALK_MMU_WITNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel_walk.h"
#include "pagemap.h"

#define MMU_CMDLINE_FLAG	"ptwalk.mmu=1"
#define MMU_BATCH_MAX		64
/* Seconds of guest time a batch waits for the host's answer. */
#define MMU_ANSWER_TIMEOUT	60

/* One address, as one side of the kernel sees it. */
struct mmu_claim {
	uint64_t addr;
	bool mapped;
	uint64_t phys;		/* of the byte at @addr; 0 unless mapped */
	uint64_t leaf_size;	/* bytes the leaf maps; 0 unless mapped */
	const char *level;	/* of the leaf: "pte", "pmd", ... or "-" */
	const char *who;	/* which side: "walk", "pagemap" */
	const char *what;	/* what the address is: "base", "thp", ... */
};

/*
 * A process's channel to the host: the console, a canary page whose frame
 * this process knows (the host reads it first, to be sure the VM stopped
 * in this process's address space), the batch being filled.
 */
struct mmu_witness {
	int console;
	int walk_fd;		/* the kernel walk, or -1 without it */
	int pagemap_fd;
	unsigned int batches;
	char *canary;
	uint64_t canary_phys;
	size_t n;
	struct mmu_claim claim[MMU_BATCH_MAX];
};

int mmu_witness_open(struct mmu_witness *w, const char **why);
void mmu_witness_close(struct mmu_witness *w);
int mmu_witness_rearm(struct mmu_witness *w);
void mmu_claim_add(struct mmu_witness *w, const struct mmu_claim *c);
int mmu_claim_sides(struct mmu_witness *w, const void *addr, const char *what);
int mmu_witness_check(struct mmu_witness *w, unsigned int *disagreements);
int mmu_witness_relay(struct mmu_witness *w, char *text, unsigned int *disagreements);

#endif /* PTWALK_MMU_WITNESS_H */
