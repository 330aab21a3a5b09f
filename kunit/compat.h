/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one place in ptwalk that knows which kernel version it is built in,
 * for the walker (the KUnit suites' shims are in tests/compat_kunit.h, on
 * top of this). Everything else uses the names below, which map to the
 * newest API and fall back to what older kernels (6.1) have.
 *
 * Copyright (C) 2026 The ptwalk authors
 */
#ifndef _PTWALK_COMPAT_H
#define _PTWALK_COMPAT_H

#include <linux/mm.h>
#include <linux/pgtable.h>
#include <linux/version.h>

#include "ptwalk.h"

/*
 * The one version test in ptwalk. Everything below keys off it or off a
 * macro the newer API itself defines.
 */
#define PTWALK_KERNEL_AT_LEAST(major, minor) \
	(KERNEL_VERSION(major, minor, 0) <= LINUX_VERSION_CODE)

/*
 * p4dp_get() and friends (6.12); a plain READ_ONCE() before that. The PGD
 * entry is read by ptwalk_arch_read_pgd().
 */
#if PTWALK_KERNEL_AT_LEAST(6, 12)
#define ptwalk_p4dp_get(p)	p4dp_get(p)
#define ptwalk_pudp_get(p)	pudp_get(p)
#define ptwalk_pmdp_get(p)	pmdp_get(p)
#else
#define ptwalk_p4dp_get(p)	READ_ONCE(*(p))
#define ptwalk_pudp_get(p)	READ_ONCE(*(p))
#define ptwalk_pmdp_get(p)	READ_ONCE(*(p))
#endif

/*
 * pud_pfn(): 6.12 has a generic fallback for every architecture; 6.1 has it
 * only where PUD leaves exist, on x86-64 and s390 as a plain function (no
 * macro). 6.1 powerpc64 maps PUD leaves (the radix direct map) but its
 * pud_pfn() is a BUILD_BUG(); 6.12's is the PTE view of the entry, as here.
 */
#if defined(pud_pfn) || (defined(CONFIG_X86_64) && !defined(CONFIG_UML)) || \
	defined(CONFIG_S390)
#define ptwalk_pud_pfn(pud)	pud_pfn(pud)
#elif defined(CONFIG_PPC_BOOK3S_64)
#define ptwalk_pud_pfn(pud)	pte_pfn(pud_pte(pud))
#endif

/*
 * The same, of an entry's raw value. Where there are no PUD leaves the
 * value is not made into a pud_t at all: 6.1's classic 32-bit arm has no
 * __pgd() for __pud() to expand to.
 */
#ifdef ptwalk_pud_pfn
#define ptwalk_pud_val_pfn(val)	ptwalk_pud_pfn(__pud(val))
#else
#define ptwalk_pud_pfn(pud)	((void)(pud), 0UL)	/* no PUD leaves here */
#define ptwalk_pud_val_pfn(val)	((void)(val), 0UL)
#endif

#endif /* _PTWALK_COMPAT_H */
