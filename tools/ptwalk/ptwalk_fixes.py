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

from ptwalk_results import FAIL, PASS, SKIP, Case, Outcome
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
	@test of the selftests guest of @geometry, failing without the fix
	and ending @fixed with it (a test may check what it can and then skip
	for what the kernel lacks)."""
	geometry: str
	test: str
	fixed: str = PASS


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
	fixes_note: str = ''


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
	'\nFree it there. The free function is not called: init failed, so\n'
	'there is nothing of the resource\'s own to free.',
	'0a756853586c ("kunit: test: add test resource management API")',
	'the init failure path has leaked since the resource API was added\n'
	'(0a756853586c, cited by that hash in a later Fixes: tag); d4cdd146d0db\n'
	'("kunit: generalize kunit_resource API beyond allocated resources")\n'
	'moved it into kunit_alloc_resource() as it is today',
	fix=(Change('include/kunit/resource.h',
		    '\tif (!__kunit_add_resource(test, init, free, res, context))\n'
		    '\t\treturn res->data;\n\n\treturn NULL;\n',
		    '\tif (!__kunit_add_resource(test, init, free, res, context))\n'
		    '\t\treturn res->data;\n\n\tkfree(res);\n\treturn NULL;\n'),))

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

FIXES: Tuple[Fix, ...] = (PAGEMAP_OFFSET, RESOURCE_LEAK, VM_MMAP_ERROR, PPC_SOFT_DIRTY)


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
