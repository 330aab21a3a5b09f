# SPDX-License-Identifier: GPL-2.0
#
# The kernel bugs ptwalk found, as fix patches ('make fixes') and the proof
# of each ('make fixes-check'): the test that shows the bug fails on the
# unpatched tree, passes with the fix, and fails again with the fix
# reverted in the patched tree.
#
# A fix is data: the lines it changes in the tree (each old text must be
# found once, or the fix does not apply to that tree and says why), the
# test it adds where the subsystem keeps tests for such fixes, its commit
# message with the evidence, and the commit it fixes. Patches are made on
# the pristine git copy of the tree that 'make patch' uses (branch
# ptwalk-fixes), one standalone patch per fix, in results/fixes/<kver>/.
#
# Copyright (C) 2026 The ptwalk authors

import os
import re
import subprocess
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

from ptwalk_results import (FAIL, NOT_RUN_AGAIN, PASS, SKIP, Case, Outcome, allocated_by,
			    kmemleak_reports)
from ptwalk_series import _git, _git_env, _read, _write, identity, pristine_repo, source_date
from ptwalk_tree import PtwalkError, Tree, build_env, info, uml_env


@dataclass(frozen=True)
class Change:
	"""@old, found once in @path, becomes @new."""
	path: str
	old: str
	new: str


@dataclass(frozen=True)
class KunitProof:
	"""The fix's own KUnit case: kunit.py run --kunitconfig=@kunitconfig
	on @arch, filtered to @glob; @case must fail without the fix and end
	@fixed with it."""
	kunitconfig: str
	arch: str
	glob: str
	case: str
	fixed: str = PASS


@dataclass(frozen=True)
class CellProof:
	"""The ptwalk test that showed the bug, on the cell that shows it:
	@test of the selftests guest of @geometry ('suite:case' of any of its
	outcomes), failing without the fix and ending @fixed with it (a test
	may check what it can and then skip for what the kernel lacks).

	Where the guest reports the bug rather than fails on it, @bug is the
	reason it reports it with: a result with that reason counts as red.
	@test 'kmemleak:FUNCTION' is red where the guest's kmemleak reports an
	object FUNCTION allocated, green where it scanned and reported none.
	@kconfig (fragments) and @kernel_args (the guest's) are added to the
	geometry's for the proof's build and boot only."""
	geometry: str
	test: str
	fixed: str = PASS
	bug: str = ''
	kconfig: Tuple[str, ...] = ()
	kernel_args: Tuple[str, ...] = ()


@dataclass(frozen=True)
class Fix:
	name: str
	subject: str
	body: str			# the evidence, then what the change does
	fixes: str			# 'hash12 ("subject")'; '' where not found (why: @fixes_note)
	how_found: str			# how the Fixes: commit was found
	fix: Tuple[Change, ...]
	test: Tuple[Change, ...] = ()	# the test the patch adds
	proof: Union[KunitProof, CellProof, None] = None
	fixes_note: str = ''		# below the cut: a Fixes: not found, an earlier posting


PAGEMAP_OFFSET = Fix(
	'pagemap-offset',
	'fs/proc/task_mmu: do not truncate pagemap_read()\'s offset on 32-bit',
	'On a 32-bit kernel pagemap_read() copies the 64-bit file offset into\n'
	'an unsigned long before it computes the first virtual page, so an\n'
	'offset at or above 4 GiB wraps around before the "watch out for\n'
	'wraparound" test that follows. pread(fd, buf, 8, 1ULL << 62) on\n'
	'/proc/self/pagemap, far past the last entry of the address space,\n'
	'returns 8 bytes: the entry of virtual address 0. Seen on 32-bit\n'
	'kernels (i386, arm), Linux 6.1 and 6.12, by a selftest that expects\n'
	'reads at or past the end to return nothing.\n\n'
	'Compute the first page from the whole offset, so that the wraparound\n'
	'test sees it.',
	'85863e475e59 ("maps4: add /proc/pid/pagemap interface")',
	'the truncating "unsigned long src = *ppos" dates from pagemap\'s first\n'
	'version: the 0-day blame of fs/proc/task_mmu.c attributes the\n'
	'function\'s original lines to 85863e475e59 (Matt Mackall, 2008-02-04)',
	fix=(Change('fs/proc/task_mmu.c',
		    '\tunsigned long src;\n\tunsigned long svpfn;\n',
		    '\tu64 svpfn;\n'),
	     Change('fs/proc/task_mmu.c',
		    '\tsrc = *ppos;\n\tsvpfn = src / PM_ENTRY_BYTES;\n',
		    '\tsvpfn = (u64)*ppos / PM_ENTRY_BYTES;\n')),
	proof=CellProof('i386-2level', 'pagemap_abi:abi.reads_at_or_past_end_return_nothing'))

VM_MMAP_ERROR = Fix(
	'kunit-vm-mmap-error',
	'kunit: return 0 from kunit_vm_mmap() when vm_mmap() fails',
	'kunit_vm_mmap_init() tests the address vm_mmap() returns for 0, but\n'
	'vm_mmap() fails with an error value (IS_ERR_VALUE()), never with 0.\n'
	'So the resource is added and kunit_vm_mmap() returns -EINVAL,\n'
	'-ENOMEM or -EPERM as a user address, where its own failures return\n'
	'0: callers have to check both (usercopy_kunit checks the address\n'
	'against TASK_SIZE for this). Found by the ptwalk test suites, whose\n'
	'helper for user mappings has to check both.\n\n'
	'Return vm_mmap()\'s error from the init function, so that a failed\n'
	'mapping is not a resource and kunit_vm_mmap() returns 0, and test\n'
	'both outcomes.',
	'51104c19d857 ("kunit: test: Add vm_mmap() allocation resource manager")',
	'the commit that added lib/kunit/user_alloc.c, cited by its full hash in\n'
	'the linux-next merge logs and by its short hash in later reviews',
	fix=(Change('lib/kunit/user_alloc.c',
		    '\tif (!vres.addr)\n\t\treturn -ENOMEM;\n',
		    '\tif (IS_ERR_VALUE(vres.addr))\n\t\treturn vres.addr;\n'),),
	test=(Change('lib/kunit/kunit-test.c',
		     '#include <linux/device.h>\n',
		     '#include <linux/device.h>\n#include <linux/mman.h>\n'),
	      Change('lib/kunit/kunit-test.c',
		     'kunit_test_suites(&kunit_try_catch_test_suite,',
		     'static void kunit_vm_mmap_test_maps(struct kunit *test)\n'
		     '{\n'
		     '\tunsigned long addr;\n\n'
		     '\taddr = kunit_vm_mmap(test, NULL, 0, PAGE_SIZE, PROT_READ | PROT_WRITE,\n'
		     '\t\t\t     MAP_ANONYMOUS | MAP_PRIVATE, 0);\n'
		     '\tKUNIT_EXPECT_NE(test, addr, 0UL);\n'
		     '\tKUNIT_EXPECT_FALSE(test, IS_ERR_VALUE(addr));\n'
		     '}\n\n'
		     '/* A failed vm_mmap() is 0, as a failed allocation of KUnit\'s is. */\n'
		     'static void kunit_vm_mmap_test_error(struct kunit *test)\n'
		     '{\n'
		     '\tunsigned long addr;\n\n'
		     '\t/* vm_mmap() refuses a zero length with -EINVAL. */\n'
		     '\taddr = kunit_vm_mmap(test, NULL, 0, 0, PROT_READ,\n'
		     '\t\t\t     MAP_ANONYMOUS | MAP_PRIVATE, 0);\n'
		     '\tKUNIT_EXPECT_EQ(test, addr, 0UL);\n'
		     '}\n\n'
		     'static struct kunit_case kunit_vm_mmap_test_cases[] = {\n'
		     '\tKUNIT_CASE(kunit_vm_mmap_test_maps),\n'
		     '\tKUNIT_CASE(kunit_vm_mmap_test_error),\n'
		     '\t{}\n'
		     '};\n\n'
		     'static struct kunit_suite kunit_vm_mmap_test_suite = {\n'
		     '\t.name = "kunit_vm_mmap",\n'
		     '\t.test_cases = kunit_vm_mmap_test_cases,\n'
		     '};\n\n'
		     'kunit_test_suites(&kunit_try_catch_test_suite,'),
	      Change('lib/kunit/kunit-test.c',
		     '\t\t  &kunit_fault_test_suite);\n',
		     '\t\t  &kunit_fault_test_suite, &kunit_vm_mmap_test_suite);\n')),
	proof=KunitProof('lib/kunit', 'um', 'kunit_vm_mmap.*',
			 'kunit_vm_mmap.kunit_vm_mmap_test_error'))

RESOURCE_LEAK = Fix(
	'kunit-resource-leak',
	'kunit: free the resource kunit_alloc_resource() made when init fails',
	'kunit_alloc_resource() allocates a struct kunit_resource and hands it\n'
	'to __kunit_add_resource(), which returns the init function\'s error\n'
	'before the resource is on the test\'s list. kunit_alloc_resource()\n'
	'then returns NULL and nothing frees the resource. kmemleak reports it\n'
	'under fault injection (CONFIG_FAILSLAB), where kunit_vm_mmap()\'s init\n'
	'fails, as here:\n\n'
	'  unreferenced object 0xff1100014efaf680 (size 64):\n'
	'    comm "kunit_try_catch", pid 783, jiffies 4294918982\n'
	'    backtrace (crc 7b716e96):\n'
	'      __kmalloc_cache_noprof+0x252/0x430\n'
	'      kunit_vm_mmap+0xc0/0x1d0\n'
	'      ptwalk_test_race_user_zap+0x134/0xce0\n'
	'      kunit_try_run_case+0x1ae/0x490\n\n'
	'(Linux 6.12.118, x86_64, CONFIG_DEBUG_KMEMLEAK and CONFIG_FAILSLAB.)\n'
	'\nkunit_alloc_and_get_resource() leaks the same way. Free the resource\n'
	'in both. The free function is not called: init failed, so there is\n'
	'nothing of the resource\'s own to free, and a free function need not\n'
	'cope with what a failed init leaves. Test that both return NULL and\n'
	'add nothing; kmemleak, which reported this test\'s two objects\n'
	'without the change, reports none with it.',
	'0a756853586c ("kunit: test: add test resource management API")',
	'the init failure path has leaked since the resource API was added\n'
	'(0a756853586c, cited by that hash in a later Fixes: tag); d4cdd146d0db\n'
	'("kunit: generalize kunit_resource API beyond allocated resources")\n'
	'moved it into kunit_alloc_resource() as it is today',
	fixes_note='a patch calling kunit_put_resource(res) on this path was posted\n'
	'to the list in 2025 and is not in mainline; it could not be retrieved\n'
	'here to carry and credit. kfree() is used instead because\n'
	'kunit_put_resource() would run the free function on what a failed init\n'
	'left, which a free function is not written to expect.',
	fix=(Change('include/kunit/resource.h',
		    '\t\tkunit_get_resource(res);\n\t\treturn res;\n\t}\n\treturn NULL;\n',
		    '\t\tkunit_get_resource(res);\n\t\treturn res;\n\t}\n\tkfree(res);\n\treturn NULL;\n'),
	     Change('include/kunit/resource.h',
		    '\tif (!__kunit_add_resource(test, init, free, res, context))\n'
		    '\t\treturn res->data;\n\n\treturn NULL;\n',
		    '\tif (!__kunit_add_resource(test, init, free, res, context))\n'
		    '\t\treturn res->data;\n\n\tkfree(res);\n\treturn NULL;\n')),
	test=(Change('lib/kunit/kunit-test.c',
		     'static inline bool kunit_resource_instance_match(',
		     'static int fake_resource_init_fails(struct kunit_resource *res, void *context)\n'
		     '{\n'
		     '\treturn -ENOMEM;\n'
		     '}\n\n'
		     '/*\n'
		     ' * A resource whose init fails is not added, and what was allocated for it\n'
		     ' * is freed: kmemleak reports it otherwise.\n'
		     ' */\n'
		     'static void kunit_resource_test_alloc_init_fails(struct kunit *test)\n'
		     '{\n'
		     '\tstruct kunit_test_resource_context *ctx = test->priv;\n\n'
		     '\tKUNIT_EXPECT_NULL(test, kunit_alloc_resource(&ctx->test, fake_resource_init_fails,\n'
		     '\t\t\t\t\t\t     NULL, GFP_KERNEL, ctx));\n'
		     '\tKUNIT_EXPECT_NULL(test, kunit_alloc_and_get_resource(&ctx->test,\n'
		     '\t\t\t\t\t\t\t     fake_resource_init_fails,\n'
		     '\t\t\t\t\t\t\t     NULL, GFP_KERNEL, ctx));\n'
		     '\tKUNIT_EXPECT_TRUE(test, list_empty(&ctx->test.resources));\n'
		     '}\n\n'
		     'static inline bool kunit_resource_instance_match('),
	      Change('lib/kunit/kunit-test.c',
		     '\tKUNIT_CASE(kunit_resource_test_alloc_resource),\n',
		     '\tKUNIT_CASE(kunit_resource_test_alloc_resource),\n'
		     '\tKUNIT_CASE(kunit_resource_test_alloc_init_fails),\n')),
	# The case passes either way; kmemleak, after the guest's run, tells.
	proof=CellProof('x86_64-debug', 'kmemleak:kunit_resource_test_alloc_init_fails',
			kconfig=('config/guest/kunit-test.config',),
			kernel_args=('kunit.filter_glob=kunit-resource-test',)))

STICKY_SKIP = Fix(
	'kunit-sticky-skip',
	'kunit: run a case again that skipped in the run before',
	'kunit_run_tests() does not run a case whose status is KUNIT_SKIPPED:\n'
	'that is how kunit_filter_attr_tests() marks a case that\n'
	'kunit.filter_action=skip filtered out. But the status is also what the\n'
	'last run of the case ended with, and it is kept: a suite run again from\n'
	'/sys/kernel/debug/kunit/<suite>/run reports every case that skipped in\n'
	'the run before as skipped again, without running it and without a\n'
	'reason. Seen on Linux 6.12 (x86_64, a case that skips at boot for what\n'
	'the machine lacks, run again from debugfs with fault injection armed):\n\n'
	'  ok 8 ptwalk_test_user_mm_grows # SKIP\n\n'
	'where the boot\'s run printed the reason. A case that failed or passed\n'
	'is run again.\n\n'
	'Mark a filtered-out case with a flag of its own, and run every case\n'
	'that is not marked.',
	'529534e8cba3 ("kunit: Add ability to filter attributes")',
	'the test of test_case->status for the mark and the status set before\n'
	'each run came in together with the filter (the patch, posted as\n'
	'"[PATCH v2 4/9] kunit: Add ability to filter attributes", moves\n'
	'"test_case->status = KUNIT_SKIPPED" below that test), and the 0-day\n'
	'blame of lib/kunit/test.c attributes the test to 529534e8cba3 (Rae\n'
	'Moar, 2023-07-25)',
	fix=(Change('include/kunit/test.h',
		    '\t/* private: internal use only. */\n\tenum kunit_status status;\n'
		    '\tchar *module_name;\n',
		    '\t/* private: internal use only. */\n\tenum kunit_status status;\n'
		    '\tbool filter_skip;\n\tchar *module_name;\n'),
	     Change('lib/kunit/attributes.c',
		    '\t\t\ttest_case->status = KUNIT_SKIPPED;\n',
		    '\t\t\ttest_case->status = KUNIT_SKIPPED;\n'
		    '\t\t\ttest_case->filter_skip = true;\n'),
	     Change('lib/kunit/test.c',
		    '\t\tif (test_case->status == KUNIT_SKIPPED) {\n\t\t\t/* Test marked as skip */\n',
		    '\t\tif (test_case->filter_skip) {\n\t\t\t/* Test marked as skip */\n'),
	     # The executor's test of the filter: part of the fix, which adds the mark.
	     Change('lib/kunit/executor_test.c',
		     '\tKUNIT_EXPECT_EQ(test, got.start[0]->test_cases[0].status, KUNIT_SKIPPED);\n'
		     '\tKUNIT_EXPECT_FALSE(test, got.start[0]->test_cases[1].status);\n',
		     '\tKUNIT_EXPECT_EQ(test, got.start[0]->test_cases[0].status, KUNIT_SKIPPED);\n'
		     '\tKUNIT_EXPECT_FALSE(test, got.start[0]->test_cases[1].status);\n'
		     '\tKUNIT_EXPECT_TRUE(test, got.start[0]->test_cases[0].filter_skip);\n'
		     '\tKUNIT_EXPECT_FALSE(test, got.start[0]->test_cases[1].filter_skip);\n')),
	# The debug guest runs the suites again from debugfs (config/guest/init):
	# without the fix that run reports the case the boot skipped as not run.
	# KUnit's own tests are built as for kunit-resource-leak's proof, so
	# that the two proofs share one build.
	proof=CellProof('x86_64-debug', 'ptwalk_walker:ptwalk_test_user_mm_grows', fixed=SKIP,
			bug=NOT_RUN_AGAIN, kconfig=('config/guest/kunit-test.config',)))

PPC_SOFT_DIRTY = Fix(
	'powerpc-soft-dirty',
	'powerpc/64s: define _PAGE_SOFT_DIRTY as 0 without CONFIG_MEM_SOFT_DIRTY',
	'pte_mkdirty() of book3s64 sets _PAGE_SOFT_DIRTY whatever the\n'
	'configuration, and pte_soft_dirty() reports it wherever the\n'
	'architecture has CONFIG_HAVE_ARCH_SOFT_DIRTY, but without\n'
	'CONFIG_MEM_SOFT_DIRTY clear_soft_dirty() in fs/proc/task_mmu.c is an\n'
	'empty stub. So /proc/PID/pagemap reports bit 55 (soft-dirty) on every\n'
	'page ever written, and writing 4 to /proc/PID/clear_refs succeeds and\n'
	'clears nothing. Seen on powerpc64 (radix and hash MMU), Linux 6.1 and\n'
	'6.12: after clear_refs, pages written only before it were still\n'
	'soft-dirty.\n\n'
	'x86 defines _PAGE_SOFT_DIRTY as 0 without CONFIG_MEM_SOFT_DIRTY, so\n'
	'that the bit is never set where it cannot be cleared; do the same.',
	'',
	'',
	fixes_note='the bit came with "powerpc/mm: Add page soft dirty tracking"\n'
	'(Laurent Dufour, posted to linux-mm 2015-10-16), whose merged commit\n'
	'could not be looked up here: add its Fixes: tag before sending',
	fix=(Change('arch/powerpc/include/asm/book3s/64/pgtable.h',
		    '#define _PAGE_SOFT_DIRTY\t_RPAGE_SW3 /* software: software dirty tracking */\n',
		    '#ifdef CONFIG_MEM_SOFT_DIRTY\n'
		    '#define _PAGE_SOFT_DIRTY\t_RPAGE_SW3 /* software: software dirty tracking */\n'
		    '#else\n'
		    '#define _PAGE_SOFT_DIRTY\t0x0UL\n'
		    '#endif\n'),),
	# Without CONFIG_MEM_SOFT_DIRTY the test checks bit 55 clear, then skips.
	proof=CellProof('powerpc64-radix', 'pagemap_demand:global.soft_dirty_tracks_writes',
			 fixed=SKIP))

FIXES: Tuple[Fix, ...] = (PAGEMAP_OFFSET, RESOURCE_LEAK, VM_MMAP_ERROR, STICKY_SKIP,
			   PPC_SOFT_DIRTY)


# ---- applying a fix --------------------------------------------------------

def missing(root: str, changes: Sequence[Change]) -> str:
	"""'' if every change's old text is in its file exactly once, else
	why not."""
	for c in changes:
		try:
			n = _read(os.path.join(root, c.path)).count(c.old)
		except FileNotFoundError:
			return f'{c.path} does not exist'
		if n != 1:
			first = c.old.strip().splitlines()[0]
			return f'{c.path}: {"no" if not n else n} "{first}"'
	return ''


def apply(root: str, changes: Sequence[Change], reverse: bool = False) -> None:
	for c in changes:
		path = os.path.join(root, c.path)
		old, new = (c.new, c.old) if reverse else (c.old, c.new)
		text = _read(path)
		if text.count(old) != 1:
			raise PtwalkError(f'{c.path}: cannot {"revert" if reverse else "apply"} the change')
		_write(path, text.replace(old, new))


def message(f: Fix, who: str) -> str:
	tags = (f'Fixes: {f.fixes}\n' if f.fixes else '') + f'Signed-off-by: {who}\n'
	return f'{f.subject}\n\n{f.body}\n\n{tags}'


@dataclass
class Made:
	tree: Tree
	repo: str
	out: str
	patches: Dict[str, str]		# fix name -> patch file
	skipped: Dict[str, str]		# fix name -> why it does not apply


def make_fixes(tree: Tree, results: str, fixes: Sequence[Fix] = FIXES) -> Made:
	"""results/fixes/<kver>/: one patch per fix that applies to @tree, each
	on the tree as its source package has it."""
	repo = pristine_repo(tree)
	out = os.path.join(results, 'fixes', tree.name)
	for old in (os.listdir(out) if os.path.isdir(out) else []):
		os.unlink(os.path.join(out, old))
	who, _ = identity()
	env = _git_env(who, source_date())
	made = Made(tree, repo, out, {}, {})
	for n, f in enumerate(fixes, 1):
		_git(repo, 'checkout', '-q', '-f', '-B', 'ptwalk-fixes', 'ptwalk-base')
		_git(repo, 'clean', '-q', '-f', '-d', '-x')
		why = missing(repo, f.fix + f.test)
		if why:
			made.skipped[f.name] = why
			continue
		apply(repo, f.fix + f.test)
		_git(repo, 'add', '-u')
		subprocess.run(['git', '-C', repo, 'commit', '-q', '-F', '-'], input=message(f, who),
			       text=True, env=env, check=True)
		name = _git(repo, 'format-patch', '--no-signature', f'--start-number={n}',
			    '-o', out, '-1', 'HEAD', env=env).strip()
		if f.fixes_note:
			_note_below_cut(name, f.fixes_note)
		made.patches[f.name] = name
	_git(repo, 'checkout', '-q', '-f', 'ptwalk-base')
	return made


def _note_below_cut(patch: str, note: str) -> None:
	"""@note after the patch's '---', where git am drops it."""
	text = _read(patch)
	_write(patch, text.replace('\n---\n', '\n---\n' + note + '\n\n', 1))


# ---- make fixes-check ------------------------------------------------------

# Each proof runs three times on one tree, building incrementally: the
# test alone (red), the test and the fix (green: the proof's fixed status),
# and the fix reverted in the patched tree (red again: a regression of the
# fix is caught).
STEPS: Tuple[Tuple[str, bool], ...] = (
	('without the fix', False),
	('with the fix', True),
	('with the fix reverted', False),
)

# A proof: run the proof's test in the tree at @root, results under
# @results; the test's status (PASS, FAIL, SKIP, '' where it did not run)
# and what was said of it.
ProofRun = Callable[[str, str], Tuple[str, str]]


def check_fix(repo: str, f: Fix, run_proof: ProofRun, results: str) -> List[Case]:
	"""The cases of @f's proof on the pristine tree @repo."""
	cases = []
	_git(repo, 'checkout', '-q', '-f', '-B', 'ptwalk-fixes-check', 'ptwalk-base')
	apply(repo, f.test)
	for step, (what, fixed) in enumerate(STEPS):
		want = (f.proof.fixed if f.proof else PASS) if fixed else FAIL
		if fixed:
			apply(repo, f.fix)
		elif step:
			apply(repo, f.fix, reverse=True)
		status, said = run_proof(repo, os.path.join(results, f.name, str(step)))
		problem = '' if status == want else \
			f'{status or "did not run"} where {want} was expected: {said}'[:400]
		cases.append(Case('fixes', f'{f.name} {what}', FAIL if problem else PASS, problem))
		info(f'[fixes] {f.name} {what}: {status or "did not run"}'
		     f'{" (expected)" if not problem else ", expected " + want}')
	_git(repo, 'checkout', '-q', '-f', 'ptwalk-base')
	return cases


def cell_proof_status(p: CellProof, outs: Sequence[Outcome], console: str) -> Tuple[str, str]:
	"""@p's test's status (PASS, FAIL, SKIP; '' where it did not run)
	among the outcomes @outs of a guest whose console was @console, and
	what was said of it."""
	suite, _, name = p.test.partition(':')
	if suite == 'kmemleak':
		leaks = kmemleak_reports(console)
		if leaks is None:
			return '', 'kmemleak did not scan'
		found = [leak for leak in leaks if allocated_by(leak) == name]
		if found:
			return FAIL, (f'kmemleak: {len(found)} unreferenced objects allocated in {name}() '
				      f'({" < ".join(found[0].frames[:4])})')
		return PASS, f'kmemleak: none of {len(leaks)} unreferenced objects allocated in {name}()'
	for o in outs:
		for c in o.cases:
			if (c.suite, c.name) == (suite, name):
				return (FAIL if p.bug and c.reason == p.bug else c.status), c.reason
	return '', '; '.join(x for o in outs for x in o.problems) or f'{p.test} did not run'


def kunit_case_status(said: str, case: str) -> str:
	"""@case's status in kunit.py run's output ('' if it is not there)."""
	m = re.search(rf'\[(PASSED|FAILED|SKIPPED)\] {re.escape(case)}$', said, re.M)
	return {'PASSED': PASS, 'FAILED': FAIL, 'SKIPPED': SKIP}[m.group(1)] if m else ''


def kunit_proof(tree: Tree, p: KunitProof) -> ProofRun:
	"""kunit.py run in the tree, its build kept in the cache."""
	def run(root: str, results: str) -> Tuple[str, str]:
		os.makedirs(results, exist_ok=True)
		env = build_env()
		env.update({k: v for k, v in uml_env().items() if k == 'TMPDIR'})
		cmd = ['./tools/testing/kunit/kunit.py', 'run', f'--arch={p.arch}',
		       f'--build_dir={tree.build_dir("fixes-" + p.arch)}',
		       f'--kunitconfig={p.kunitconfig}', '--make_options', 'CC=ccache gcc',
		       f'--jobs={os.cpu_count()}', '--timeout=900', p.glob]
		r = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True,
				   errors='replace')
		said = r.stdout + r.stderr
		_write(os.path.join(results, 'kunit.log'), said)
		case = p.case.rsplit('.', 1)[-1]
		status = kunit_case_status(said, case)
		why = re.findall(rf'# {re.escape(case)}: (.*)$', said, re.M)
		tail = ' | '.join(l for l in said.splitlines() if l.strip())[-200:]
		return status, '; '.join(why) or tail
	return run
