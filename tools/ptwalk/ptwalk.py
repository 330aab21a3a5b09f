#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# ptwalk's host side: one program, the Makefile's targets its subcommands.
# The cells come from config/matrix.toml; the trees are Debian's
# linux-source-<KVER> (unpacked once into $PTWALK_CACHE) or KDIR=.
#
#   ptwalk run [--check] [--all]    what 'make run' / 'make check' run
#   ptwalk matrix [--gate] [CELL..] cells (KUnit + in-guest selftests)
#   ptwalk kunit [GEOMETRY...]      KUnit of one tree (KVER=/KDIR=)
#   ptwalk guest [GEOMETRY...]      the in-guest selftests of one tree
#   ptwalk cells [--json]           the matrix file's cells
#   ... 'ptwalk --help' lists the rest.
#
# Environment: KVER, KDIR, PTWALK_CACHE (default ~/.cache/ptwalk), RESULTS
# (default <checkout>/results), GUEST_TIMEOUT, KUNIT_TIMEOUT (seconds).
#
# Copyright (C) 2026 The ptwalk authors

import argparse
import dataclasses
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import traceback
import unittest
from typing import Any, Callable, Dict, List, NamedTuple, Optional, Sequence, Tuple, Union

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import ptwalk_containers as containers
import ptwalk_fixes as fixes
import ptwalk_hoststate as hoststate
import ptwalk_kcidb as kcidb
import ptwalk_report as report
import ptwalk_run as run
import ptwalk_series as series
from ptwalk_matrix import TOP, Cell, Matrix, MatrixError, builds_json, load_matrix
from ptwalk_results import FAIL, PASS, SKIP, Case, Outcome
from ptwalk_tree import (PACKAGE_GROUPS, Packages, PtwalkError, Tree, TreeLock,
			 debian_tree, info, kdir_tree)

# This program and its modules, as make runner-test names them.
MYPY_FILES = sorted(os.path.basename(f) for f in glob.glob(
	os.path.join(os.path.dirname(os.path.abspath(__file__)), 'ptwalk*.py')))


def results_dir() -> str:
	return os.environ.get('RESULTS') or os.path.join(TOP, 'results')


class Session:
	"""One run: the matrix, the trees (each looked up once) and the steps'
	shared context."""
	def __init__(self, ctx: Optional[run.Context] = None,
		     parent: Optional['Session'] = None) -> None:
		self.matrix: Matrix = parent.matrix if parent else load_matrix()
		self.ctx = ctx or run.Context(results_dir())
		self._trees: Dict[str, Tree] = parent._trees if parent else {}
		self.outcomes: List[Outcome] = []

	def tree(self, kver: Optional[str] = None) -> Tree:
		"""KDIR='s tree, or Debian's tree of @kver (default: $KVER, else the
		matrix's first kernel)."""
		kdir = os.environ.get('KDIR')
		key = kdir or kver or os.environ.get('KVER') or self.matrix.default_kernel
		if key not in self._trees:
			self._trees[key] = kdir_tree(kdir) if kdir else debian_tree(key, self.ctx.packages)
		return self._trees[key]

	def kernel_facts(self, o: Outcome) -> Dict[str, str]:
		"""The kernel @o ran on, for results/kcidb.json."""
		if not o.cell:
			return kcidb.host_facts()
		kver, _, geometry = o.cell.partition(':')
		tree = self.tree(kver)
		b = self.matrix.geometry(geometry).build
		return kcidb.kernel_facts(kver=tree.kver, tree_name=tree.name, tree_path=tree.path,
					  build=b.name, arch=b.arch.name,
					  build_dir=tree.build_dir(b.name), kconfig=b.kconfig)

	def record(self, outcomes: Sequence[Outcome]) -> None:
		for o in outcomes:
			if o.kind in kcidb.PATH_PREFIX:
				o.kernel = self.kernel_facts(o)
			report.save(o, self.ctx.results)
		self.outcomes += outcomes

	def install(self, tree: Tree) -> None:
		"""The series of this run's kunit/ applied to @tree."""
		self.ctx.packages.ensure(PACKAGE_GROUPS['tree'])
		series.install(tree, self.ctx.results, self.ctx.kunit_src)

	def run_cells(self, cells: Sequence[Cell], half: Optional[str] = None) -> None:
		"""Each tree in turn: locked, the series installed once, its cells
		run (only their 'kunit' or 'guest' @half, if given)."""
		by_tree: Dict[str, List[Cell]] = {}
		for c in cells:
			by_tree.setdefault(c.kver, []).append(c)
		for kver, tree_cells in by_tree.items():
			tree = self.tree(kver)
			with TreeLock(tree.path):
				self.install(tree)
				for c in tree_cells:
					if half == 'kunit':
						self.record([run.kunit_exec(self.ctx, tree, c.geometry)])
					elif half == 'guest':
						self.record(run.guest(self.ctx, tree, c.geometry))
					else:
						self.record(run.run_cell(self.ctx, tree, c))

	def cells(self, names: Sequence[str], everything: bool) -> List[Cell]:
		"""The cells named, else those of KDIR=/KVER= or the whole matrix:
		gating ones unless @everything."""
		if names:
			if os.environ.get('KDIR'):
				raise PtwalkError('the matrix picks trees by version: unset KDIR', 2)
			return [self.matrix.cell(n) for n in names]
		kdir = os.environ.get('KDIR')
		kver = os.environ.get('KVER')
		if kdir:
			# Any tree: the geometries that gate on the default kernel.
			tree = self.tree()
			return [Cell(tree.kver, c.geometry, c.gate)
				for c in self.matrix.gating(self.matrix.default_kernel)]
		if kver and kver not in self.matrix.kernels:
			raise PtwalkError(f'KVER={kver} is not in config/matrix.toml '
					  f'({" ".join(self.matrix.kernels)}); KDIR= takes any tree', 2)
		return [c for c in self.matrix.cells
			if (everything or c.checked) and kver in (None, '', c.kver)]

	def finish(self) -> int:
		print()
		print(report.summary(self.outcomes, self.matrix, self.ctx.results))
		# Every run in results/: make selftests, then make pagemap-walk-test.
		write_kcidb(report.load_all(self.ctx.results), self.ctx.results)
		return 0 if all(o.ok for o in self.outcomes) else 1


def write_kcidb(outcomes: Sequence[Outcome], results: str) -> None:
	try:
		path = kcidb.write(outcomes, results)
	except ValueError as e:
		raise PtwalkError(str(e)) from None
	if path:
		info(f'{os.path.relpath(path)}: the results in KernelCI\'s KCIDB format '
		     f'(schema {kcidb.VERSION["major"]}.{kcidb.VERSION["minor"]})')


def clean_results(results: str) -> None:
	if os.path.isdir(results):
		shutil.rmtree(results)
	os.makedirs(results)


# ---- subcommands -----------------------------------------------------------

def cmd_run(args: argparse.Namespace) -> int:
	s = Session()
	clean_results(s.ctx.results)
	cells = s.cells(args.cells, args.all)
	host_tree = s.tree()
	if args.check:
		# Before the long builds: what the series' checks run at the end.
		series_tools(s)
		s.record([runner_test_outcome(s.ctx.packages), run.checkpatch(host_tree),
			  run.docs(s.ctx, host_tree), run.actionlint(s.ctx)])
	s.run_cells(cells)
	s.record([run.host_selftests(s.ctx, host_tree)])
	s.record(run.tool_tests(s.ctx, host_tree))
	if args.check:
		s.record([doccheck(s.outcomes)])
		check_series(s, s.matrix.series_gate)
	return s.finish()


def cmd_matrix(args: argparse.Namespace) -> int:
	s = Session()
	cells = s.cells(args.cells, not args.gate)
	s.run_cells(cells)
	return s.finish()


def _one_tree_cells(s: Session, geometries: Sequence[str], want_guest: bool,
		    workflow: bool = False) -> List[Cell]:
	"""@geometries on one tree; by default those make check gates on, or,
	if @workflow, every one that gates (the debug kernel's too)."""
	tree = s.tree()
	kver = tree.kver if tree.kver in s.matrix.kernels else s.matrix.default_kernel
	names = geometries or [c.geometry.name for c in s.matrix.cells
			       if c.kver == kver and (c.gate if workflow else c.checked)]
	cells = [Cell(tree.kver, s.matrix.geometry(n), False) for n in names]
	if want_guest:
		cells = [c for c in cells if c.geometry.guest]
		if not cells:
			raise PtwalkError('none of these geometries has in-guest selftests', 2)
	return cells


def cmd_kunit(args: argparse.Namespace) -> int:
	s = Session()
	s.run_cells(_one_tree_cells(s, args.geometries, False), 'kunit')
	return s.finish()


def cmd_guest(args: argparse.Namespace) -> int:
	s = Session()
	s.run_cells(_one_tree_cells(s, args.geometries, True), 'guest')
	return s.finish()


def cmd_selftests(args: argparse.Namespace) -> int:
	s = Session()
	s.record([run.host_selftests(s.ctx, s.tree())])
	return s.finish()


def cmd_host_state(args: argparse.Namespace) -> int:
	"""The selftests that change the host's settings, killed at every step
	and run two at once: the host must be left as found."""
	s = Session()
	programs = args.programs
	if not programs:
		s.ctx.packages.ensure(PACKAGE_GROUPS['host-state'])
		log = s.ctx.path('host-state-build.log')
		if not run.build_selftests(s.tree(), log):
			raise PtwalkError(f'building selftests/ failed ({log})')
		programs = run.SELFTESTS
	s.record([hoststate.stress(os.path.abspath(programs), s.ctx.results, args.pairs)])
	return s.finish()


def cmd_pagemap_walk_test(args: argparse.Namespace) -> int:
	s = Session()
	s.record(run.tool_tests(s.ctx, s.tree()))
	return s.finish()


CI_JOBS = 'cells static selftests series'
CI_BUILDS = '6.12-um 6.12-x86_64'


def cmd_ci_containers(args: argparse.Namespace) -> int:
	s = Session()
	s.ctx.packages.ensure(containers.PACKAGES)
	plants = args.plants.split()
	jobs = CI_JOBS if args.jobs is None and not plants else args.jobs or ''
	builds = CI_BUILDS if args.builds is None and not plants else args.builds or ''
	s.record([containers.ci_containers(s.ctx.results, jobs.split(), builds.split(), plants)])
	return s.finish()


def cmd_bench(args: argparse.Namespace) -> int:
	s = Session()
	return run.bench(s.ctx, s.tree(), args.runs)


def cmd_bench_mmu(args: argparse.Namespace) -> int:
	s = Session()
	return run.bench_mmu(s.ctx, s.tree(), s.matrix.geometry(args.geometry), args.runs)


def cmd_summary(args: argparse.Namespace) -> int:
	outcomes = report.load_all(results_dir())
	if not outcomes:
		raise PtwalkError(f'no results in {results_dir()}/')
	print(report.summary(outcomes, load_matrix(), results_dir()))
	write_kcidb(outcomes, results_dir())
	return 0 if all(o.ok for o in outcomes) else 1


def cmd_kcidb(args: argparse.Namespace) -> int:
	"""results/kcidb.json from results/ alone, whatever the runs said."""
	outcomes = report.load_all(results_dir())
	if not outcomes:
		raise PtwalkError(f'no results in {results_dir()}/')
	write_kcidb(outcomes, results_dir())
	return 0


def cmd_cells(args: argparse.Namespace) -> int:
	m = load_matrix()
	if args.json:
		print(json.dumps({'include': builds_json(m)}))
		return 0
	print(report.cells_table(m))
	return 0


def cmd_tree(args: argparse.Namespace) -> int:
	print(Session().tree().path)
	return 0


def cmd_install(args: argparse.Namespace) -> int:
	s = Session()
	tree = s.tree()
	with TreeLock(tree.path):
		if args.cmd == 'install':
			s.install(tree)
		else:
			series.uninstall(tree)
	info(f'{args.cmd}ed in {tree.path}')
	return 0


def series_kvers(s: Session) -> List[str]:
	"""KDIR='s tree, $KVER's, or every kernel of the matrix."""
	if os.environ.get('KDIR') or os.environ.get('KVER'):
		return [s.tree().name]
	return list(s.matrix.kernels)


def arch_packages(m: Matrix, arches: Sequence[str]) -> List[str]:
	"""What the matrix says a build and a boot of each of @arches need
	(x86_64: QEMU, and the firmware kunit.py boots it with)."""
	return sorted({p for g in m.geometries.values() if g.build.arch.name in arches
		       for p in g.build.arch.packages})


def series_tools(s: Session, arches: Sequence[str] = series.SERIES_ARCHES) -> None:
	"""Install what the checks of a series run (kunit.py on @arches among
	them), and stop the run, naming the packages, if something is still
	missing."""
	s.ctx.packages.ensure(PACKAGE_GROUPS['series'] + tuple(arch_packages(s.matrix, arches)))
	missing = series.missing_checkers()
	if missing:
		raise PtwalkError(f'the series checks need {", ".join(missing)}')


def check_series(s: Session, kvers: Sequence[str], check: bool = True,
		 arches: Sequence[str] = series.SERIES_ARCHES, all_tests: bool = False) -> None:
	"""Make the series for each of @kvers and, if @check, run the
	kernel's checkers on it, kunit.py on @arches (and, if @all_tests, on
	the KUNIT_ALL_TESTS configuration)."""
	series_tools(s, arches)
	ran = s.outcomes or report.load_all(s.ctx.results)
	for kver in kvers:
		tree = s.tree(kver)
		made = series.make_series(tree, s.ctx.results, report.cover_lines(ran, tree.kver))
		info(f'{len(made.patches)} files in {made.out}')
		if check:
			s.record([series.check_series(made, s.ctx.results, arches, all_tests)])


def cmd_patch(args: argparse.Namespace) -> int:
	s = Session()
	check_series(s, series_kvers(s), args.check, all_tests=args.all_tests)
	return s.finish() if args.check else 0


def fixes_checkpatch(made: fixes.Made) -> Outcome:
	"""checkpatch --strict on each fix patch, in its tree; a fix that does
	not apply to the tree is a skip that says why."""
	out = Outcome(f'fixes-{made.tree.name}', 'fixes')
	env = dict(os.environ, PATH='/usr/bin:' + os.environ.get('PATH', ''))
	for name, patch in made.patches.items():
		# The tree is a source package without git history: checkpatch
		# cannot look the Fixes: commits up (how each was found: FIXES).
		r = subprocess.run(['perl', 'scripts/checkpatch.pl', '--strict', '--quiet', '--no-summary',
				    '--ignore', 'UNKNOWN_COMMIT_ID', patch], cwd=made.repo, env=env, capture_output=True, text=True)
		found = [l for l in (r.stdout + r.stderr).splitlines()
			 if re.match(r'^(ERROR|WARNING|CHECK):', l)]
		out.cases.append(Case('fixes', f'{name} checkpatch', FAIL if found or r.returncode else PASS,
				      found[0] if found else (r.stdout + r.stderr).strip()[-200:]
				      if r.returncode else ''))
	for name, why in made.skipped.items():
		out.cases.append(Case('fixes', f'{name} applies', SKIP, f'not in this tree: {why}'))
	return out


def cell_proof(s: Session, tree: Tree, p: fixes.CellProof, patches: Sequence[str]) -> fixes.ProofRun:
	"""The selftests guest of @p's geometry, with @p's additions, built
	from the tree at hand with ptwalk's series (@patches) applied over it;
	the status of @p's test."""
	base = s.matrix.geometry(p.geometry)
	g = dataclasses.replace(base, build=dataclasses.replace(base.build,
								kconfig=base.build.kconfig + p.kconfig),
				guest_kernel_args=base.guest_kernel_args + p.kernel_args)

	def run_guest(root: str, results: str) -> Tuple[str, str]:
		t = Tree(root, tree.kver, f'{tree.name}-fixes')
		ctx = run.Context(results, s.ctx.packages, s.ctx.kunit_src)
		with TreeLock(root):
			subprocess.run(['git', '-C', root, 'apply', *patches], check=True)
			try:
				outs = run.guest(ctx, t, g)
			finally:
				subprocess.run(['git', '-C', root, 'apply', '-R', *reversed(patches)],
					       check=True)
		try:
			with open(ctx.path(f'selftests-{t.kver}-{g.name}.log'), errors='replace') as f:
				console = f.read()
		except OSError:		# the kernel did not build
			console = ''
		return fixes.cell_proof_status(p, outs, console)
	return run_guest


def cmd_fixes(args: argparse.Namespace) -> int:
	s = Session()
	series_tools(s)
	chosen = [f for f in fixes.FIXES if not args.only or f.name in args.only]
	for kver in series_kvers(s):
		tree = s.tree(kver)
		# Made first: the fixes are made on the same worktree, from its base.
		ptwalk = series.make_series(tree, s.ctx.results).patches[1:] if args.check else []
		made = fixes.make_fixes(tree, s.ctx.results, chosen)
		info(f'{len(made.patches)} fix patches in {made.out}' +
		     ''.join(f'; {n}: not in {tree.name} ({w})' for n, w in made.skipped.items()))
		out = fixes_checkpatch(made)
		if args.check:
			for f in chosen:
				if f.name not in made.patches or f.proof is None:
					continue
				proof = fixes.kunit_proof(tree, f.proof) if isinstance(f.proof, fixes.KunitProof) \
					else cell_proof(s, tree, f.proof, ptwalk)
				out.cases += fixes.check_fix(made.repo, f, proof,
							     os.path.join(s.ctx.results, 'fixes-check', tree.name))
		s.record([out])
	return s.finish()


def cmd_checkpatch(args: argparse.Namespace) -> int:
	return 0 if run.checkpatch(Session().tree()).ok else 1


def cmd_docs(args: argparse.Namespace) -> int:
	s = Session()
	return 0 if run.docs(s.ctx, s.tree()).ok else 1


TESTS_RST = os.path.join(TOP, 'Documentation', 'tests.rst')


def doccheck(outcomes: Sequence[Outcome], rst: str = TESTS_RST) -> Outcome:
	"""Documentation/tests.rst names exactly the tests that ran, both ways."""
	out = Outcome('doccheck', 'static')
	rel = os.path.relpath(rst, TOP)
	if not {'kunit', 'selftests'} <= {o.kind for o in outcomes}:
		out.problems.append('no KUnit or selftest results to check against (make run first)')
		return out
	exist = report.doc_names(outcomes)
	with open(rst) as f:
		documented = report.documented_names(f.read())
	out.problems += [f'{rel} does not describe {n}' for n in sorted(exist - documented)]
	out.problems += [f'{rel} describes {n}, which no run reported'
			 for n in sorted(documented - exist)]
	if not out.problems:
		out.cases.append(Case('doccheck', rel, PASS))
		info(f'doccheck: {rel} names all {len(exist)} tests, and only those')
	return out


def cmd_runner_test(args: argparse.Namespace) -> int:
	s = Session()
	s.record([runner_test_outcome(s.ctx.packages)])
	return s.finish()


def cmd_doccheck(args: argparse.Namespace) -> int:
	out = doccheck(report.load_all(results_dir()))
	for p in out.problems:
		info(p)
	return 0 if out.ok else 1


class _Collect(unittest.TestResult):
	def __init__(self) -> None:
		super().__init__()
		self.cases: List[Case] = []

	def _add(self, test: unittest.TestCase, status: str, reason: str = '') -> None:
		cls, _, name = test.id().rpartition('.')
		self.cases.append(Case(cls, name, status, reason))

	def addSuccess(self, test: unittest.TestCase) -> None:
		self._add(test, PASS)

	def addFailure(self, test: unittest.TestCase, err: Any) -> None:
		self._add(test, FAIL, f'{err[0].__name__}: {err[1]}'.splitlines()[0])
		print(f'FAIL: {test.id()}\n' + ''.join(traceback.format_exception(*err)),
		      file=sys.stderr)

	addError = addFailure

	def addSkip(self, test: unittest.TestCase, reason: str) -> None:
		self._add(test, SKIP, reason)


def runner_test_outcome(packages: Packages) -> Outcome:
	"""make runner-test as one Outcome: tools/ptwalk/ptwalk_test.py, and mypy with
	kunit.py's settings (mypy.ini) over this program and its modules."""
	import ptwalk_test
	suite = unittest.defaultTestLoader.loadTestsFromModule(ptwalk_test)
	result = _Collect()
	suite.run(result)
	out = Outcome('runner-test', 'unittest', cases=result.cases)
	packages.ensure(PACKAGE_GROUPS['runner-test'])
	here = os.path.dirname(os.path.abspath(__file__))
	out.cases.append(run.static_case('mypy', 'tools/ptwalk', ['mypy', '--no-error-summary',
		'--config-file', os.path.join(here, 'mypy.ini')] + MYPY_FILES, cwd=here))
	info(f'[host] runner-test: {out.counts}')
	return out


class Mutant(NamedTuple):
	"""One planted bug: @good replaced by @bad in kunit/@file, which the
	@half ('kunit' or 'guest') of the cells must catch."""
	name: str
	file: str
	good: str
	bad: str
	half: str = 'kunit'


MUTANTS = (
	Mutant('pmd leaves ignored', 'ptwalk.c', 'pmd_present(pmd), pmd_leaf(pmd),',
	       'pmd_present(pmd), false,'),
	Mutant('pud leaves ignored', 'ptwalk.c', 'pud_present(pud), pud_leaf(pud),',
	       'pud_present(pud), false,'),
	Mutant('wrong pgd index', 'ptwalk.c', 'pgdp = pgd_offset(mm, addr);',
	       'pgdp = pgd_offset(mm, addr ^ PGDIR_SIZE);'),
	Mutant('wrong p4d index', 'ptwalk.c', 'p4dp = p4d_offset(pgdp, addr);',
	       'p4dp = p4d_offset(pgdp, addr ^ P4D_SIZE);'),
	Mutant('wrong pud index', 'ptwalk.c', 'pudp = pud_offset(p4dp, addr);',
	       'pudp = pud_offset(p4dp, addr ^ PUD_SIZE);'),
	Mutant('wrong pmd index', 'ptwalk.c', 'pmdp = ptwalk_arch_pmdp(pmd_offset(pudp, addr), addr);',
	       'pmdp = ptwalk_arch_pmdp(pmd_offset(pudp, addr ^ PMD_SIZE), addr);'),
	Mutant('wrong pte index', 'ptwalk.c', 'ptep = pte_offset_kernel(pmdp, addr);',
	       'ptep = pte_offset_kernel(pmdp, addr ^ PAGE_SIZE);'),
	Mutant('addresses zero-extended', 'ptwalk_arch.h', 'if (PTWALK_ARCH_SIGN_EXTENDED)',
	       'if (0)'),
	Mutant('leaf offset dropped', 'ptwalk.c',
	       'res->phys = PFN_PHYS(leaf_pfn) + (res->addr & (size - 1));',
	       'res->phys = PFN_PHYS(leaf_pfn);'),
	# Races (ptwalk_races, slow cases): caught only where a kthread changes
	# the entry between the two reads, so only on a kernel that runs them
	# side by side (the x86_64-debug geometry's two CPUs).
	Mutant('pmd read twice: leaf test on a second read', 'ptwalk.c',
	       'pmd_present(pmd), pmd_leaf(pmd),',
	       'pmd_present(pmd), pmd_leaf(ptwalk_pmdp_get(pmdp)),'),
	Mutant('user pte table read without pte_offset_map()', 'ptwalk.c',
	       """ptep = pte_offset_map(pmdp, addr);
		if (!ptep)
			return stop(res, PTWALK_NONE);
		pte = ptep_get(ptep);
		pte_unmap(ptep);""",
	       """ptep = pte_offset_kernel(pmdp, addr);
		pte = ptep_get(ptep);"""),
	# What the debug guest checks after the selftests (config/guest/init):
	# kmemleak's scan, and the suites again with allocations failing. The
	# second is caught where one of the ~40 kmalloc() cases draws a
	# failure: at 10% a failure, in all but about one run in 70.
	Mutant('a case leaks its kmalloc() object', 'tests/walker_kunit.c',
	       'void *p = kunit_kmalloc(test, 100, GFP_KERNEL);',
	       'void *p = kmalloc(100, GFP_KERNEL);', 'guest'),
	Mutant('a failed kmalloc() asserted, not skipped', 'tests/kmalloc_kunit.c',
	       'ptwalk_test_need(test, p, "the object");',
	       'KUNIT_ASSERT_NOT_NULL(test, p);', 'guest'),
	# The user-space interface, caught by the selftests in the guest.
	Mutant('walk file: pfn + 1', 'ptwalk_debugfs.c', 'res->leaf_size, res->pfn,',
	       'res->leaf_size, res->pfn + 1,', 'guest'),
	Mutant('walk file: pmd leaf said to be a pte', 'ptwalk_debugfs.c',
	       '"-" : ptwalk_level_name(res->level),',
	       '"-" : ptwalk_level_name(res->level == PTWALK_PMD ? PTWALK_PTE : res->level),',
	       'guest'),
	# The third side: the MMU outcome of every QEMU guest names the address
	# (and so do the kernel walk's selftests and, for the walker's, KUnit).
	Mutant('walker: pfn + 1', 'ptwalk.c', 'res->pfn = PHYS_PFN(res->phys);',
	       'res->pfn = PHYS_PFN(res->phys) + 1;', 'guest'),
	Mutant('walker: a pmd leaf taken for a base page', 'ptwalk.c',
	       'return end_upper(res, ptwalk_arch_pmd_leaf_shift(pmd),',
	       'return end_upper(res, PAGE_SHIFT + 0 * ptwalk_arch_pmd_leaf_shift(pmd),', 'guest'),
	Mutant('walk file: user pte write bit lost', 'ptwalk.c',
	       'res->leaf_bits = ptwalk_pte_leaf_bits(pte);',
	       'res->leaf_bits = ptwalk_pte_leaf_bits(pte) & ~PTWALK_LEAF_WRITE;', 'guest'),
)


class SeriesMutant(NamedTuple):
	"""One kernel rule broken: @good replaced by @bad in kunit/@file, which
	@check (a check of the series: a suite of check_series()) must catch."""
	name: str
	file: str
	good: str
	bad: str
	check: str


SERIES_MUTANTS = (
	SeriesMutant('a line over 100 columns', 'ptwalk.c',
	             'res->phys = PFN_PHYS(leaf_pfn) + (res->addr & (size - 1));',
	             'res->phys = PFN_PHYS(leaf_pfn) + (res->addr & (size - 1));'
	             '\t/* the frame, plus the offset of the address within the leaf */',
	             'checkpatch'),
	SeriesMutant('no SPDX tag', 'ptwalk_debugfs.c', '// SPDX-License-Identifier: GPL-2.0\n', '',
	             'checkpatch'),
	SeriesMutant('a __user pointer cast to a kernel one', 'ptwalk_debugfs.c',
	             'request = memdup_user_nul(ubuf, count);',
	             'request = memdup_user_nul((const char *)ubuf, count);', 'sparse'),
)


def mutant_source(m: Union[Mutant, SeriesMutant], src: str, work: str) -> bool:
	"""A copy of @src under @work with @m planted; False if it does not apply."""
	shutil.rmtree(work, ignore_errors=True)
	shutil.copytree(src, work)
	path = os.path.join(work, m.file)
	with open(path) as f:
		text = f.read()
	if m.good not in text:
		return False
	with open(path, 'w') as f:
		f.write(text.replace(m.good, m.bad, 1))
	return True


def cmd_mutants(args: argparse.Namespace) -> int:
	"""Build with one bug at a time: each must turn a case red, KUnit for the
	walker's, the guest's selftests for the user-space interface's."""
	s = Session()
	# The debug guest's too: it catches the leak and the asserted allocation.
	cells = _one_tree_cells(s, args.geometries, False, workflow=True)
	rc = 0
	with tempfile.TemporaryDirectory() as work:
		for m in (m for m in MUTANTS if args.only in m.name):
			src = os.path.join(work, 'kunit')
			if not mutant_source(m, s.ctx.kunit_src, src):
				print(f"mutant '{m.name}': did not apply")
				rc = 1
				continue
			mine = [c for c in cells if m.half == 'kunit' or c.geometry.guest]
			if not mine:
				print(f"mutant '{m.name}': no cell runs the {m.half}")
				continue
			ms = Session(run.Context(os.path.join(work, 'results'), s.ctx.packages,
						 kunit_src=src), parent=s)
			ms.run_cells(mine, m.half)
			killed = [o for o in ms.outcomes if not o.ok]
			print(f"mutant '{m.name}': {'killed' if killed else 'SURVIVED (every case passed)'}")
			for o in ms.outcomes:
				failed = sorted({c.name for c in o.cases if c.status == FAIL})
				print(f'    {o.cell}: {", ".join(failed) or "; ".join(o.problems) or "none"}')
			rc |= not killed
	# Leave the tree at this checkout's series again.
	tree = s.tree()
	with TreeLock(tree.path):
		s.install(tree)
	return rc


def cmd_series_mutants(args: argparse.Namespace) -> int:
	"""One broken kernel rule at a time in the series of one tree: each must
	fail the check of the series that enforces it (make check's red)."""
	s = Session()
	tree = s.tree(None if os.environ.get('KVER') else s.matrix.series_gate[0])
	series_tools(s)
	rc = 0
	with tempfile.TemporaryDirectory() as work:
		for m in (m for m in SERIES_MUTANTS if args.only in m.name):
			src = os.path.join(work, 'kunit')
			if not mutant_source(m, s.ctx.kunit_src, src):
				print(f"series mutant '{m.name}': did not apply")
				rc = 1
				continue
			results = os.path.join(work, 'results')
			os.makedirs(results, exist_ok=True)
			made = series.make_series(tree, results, kunit_src=src)
			out = series.check_series(made, results)
			failed = [c for c in out.cases if c.status == FAIL]
			caught = any(c.suite == m.check for c in failed)
			print(f"series mutant '{m.name}': "
			      f"{'caught by ' + m.check if caught else 'SURVIVED the ' + m.check + ' check'}")
			for c in failed:
				print(f'    {c.suite} {c.name}: {c.reason}')
			rc |= not caught
	return rc


# ---- main ------------------------------------------------------------------

def parser() -> argparse.ArgumentParser:
	"""The command line: every subcommand, each with its function."""
	p = argparse.ArgumentParser(prog='ptwalk', description="ptwalk's host side")
	sub = p.add_subparsers(dest='cmd', required=True, metavar='COMMAND')

	def add(name: str, fn: Callable[[argparse.Namespace], int], help: str) -> argparse.ArgumentParser:
		sp = sub.add_parser(name, help=help)
		sp.set_defaults(fn=fn)
		return sp

	sp = add('run', cmd_run, 'the gating cells, host selftests and tool tests, summarised')
	sp.add_argument('--check', action='store_true',
			help='also runner-test, checkpatch, docs, actionlint, doccheck (make check)')
	sp.add_argument('--all', action='store_true', help='every cell, not only gating ones')
	sp.add_argument('cells', nargs='*', metavar='CELL')
	sp = add('matrix', cmd_matrix, 'cells of the matrix: KUnit and in-guest selftests')
	sp.add_argument('--gate', action='store_true', help='only the cells make check gates on')
	sp.add_argument('cells', nargs='*', metavar='CELL', help='KVER:GEOMETRY (make cells)')
	sp = add('kunit', cmd_kunit, 'KUnit suites on one tree (KVER=/KDIR=)')
	sp.add_argument('geometries', nargs='*', metavar='GEOMETRY')
	sp = add('guest', cmd_guest, 'the pagemap selftests inside one tree\'s kernels')
	sp.add_argument('geometries', nargs='*', metavar='GEOMETRY')
	sp = add('mutants', cmd_mutants, 'one planted bug at a time: each must fail a case')
	sp.add_argument('geometries', nargs='*', metavar='GEOMETRY')
	sp.add_argument('--only', metavar='TEXT', default='',
			help='only the mutants whose name contains TEXT')
	add('selftests', cmd_selftests, 'the pagemap selftests on this machine')
	sp = add('host-state', cmd_host_state,
		 'selftests killed at every step and run two at once: the host as found')
	sp.add_argument('--pairs', type=int, default=30, help='concurrent pairs of runs (default 30)')
	sp.add_argument('--programs', metavar='DIR', default='',
			help='selftest programs built elsewhere (default: build selftests/)')
	add('pagemap-walk-test', cmd_pagemap_walk_test,
	    'tests of tools/pagemap-walk/, also sanitized, and against page-types')
	add('runner-test', cmd_runner_test,
	    'tests of tools/ptwalk/ over captured logs, mypy, the docs against the code')
	sp = add('ci-containers', cmd_ci_containers,
		 "the workflow's jobs in Debian 12 containers (podman), as GitHub runs them")
	sp.add_argument('--jobs', help='jobs of the workflow to run (default: '
			f'{CI_JOBS}, none with --plants)')
	sp.add_argument('--builds', help='build jobs to run, by make cells JSON=1\'s build '
			f'(default: {CI_BUILDS}, none with --plants)')
	sp.add_argument('--plants', default='',
			help='fixed defects put back, each in the job it must turn red '
			f'({" ".join(p.name for p in containers.PLANTS)}; default: none)')
	sp = add('bench', cmd_bench, 'pagemap-walk against page-types: ratios, and the demos')
	sp.add_argument('--runs', type=int, default=11, help='timed runs of each tool (default 11)')
	sp = add('bench-mmu', cmd_bench_mmu, 'a guest with the MMU check against it without: the ratio')
	sp.add_argument('geometry', nargs='?', default='x86_64-la57', help='a QEMU geometry with a guest')
	sp.add_argument('--runs', type=int, default=3, help='guest runs of each (default 3)')
	add('summary', cmd_summary, 'the table of the results in $RESULTS')
	add('kcidb', cmd_kcidb, 'results/kcidb.json (KernelCI\'s KCIDB format) from the results in $RESULTS')
	sp = add('cells', cmd_cells, 'the cells of config/matrix.toml')
	sp.add_argument('--json', action='store_true',
			help='as a GitHub job matrix: one job per kernel build')
	add('tree', cmd_tree, 'fetch and unpack the kernel tree; print its path')
	add('install', cmd_install, 'link kunit/ and selftests/ into the tree')
	add('uninstall', cmd_install, 'remove exactly what install added')
	sp = add('patch', cmd_patch, 'the series for a tree (KVER=/KDIR=; default: every kernel)')
	sp.add_argument('--check', action='store_true',
			help="and the kernel's own checks of it: git am, builds, kunit.py, checkers")
	sp.add_argument('--all-tests', action='store_true',
			help='and kunit.py run of the KUNIT_ALL_TESTS configuration (KernelCI\'s '
			'kunit job), filtered to ptwalk\'s suites: a UML build of every test')
	sp = add('series-mutants', cmd_series_mutants,
		 'one broken kernel rule at a time: each must fail its check of the series')
	sp.add_argument('--only', metavar='TEXT', default='',
			help='only the rule breaks whose name contains TEXT')
	sp = add('fixes', cmd_fixes, 'the kernel bugs ptwalk found, one fix patch each, '
		 'in $RESULTS/fixes/<kver>/ (checkpatch --strict)')
	sp.add_argument('--check', action='store_true',
			help='and prove each on its cell: red without the fix, green with it, '
			'red with the fix reverted')
	sp.add_argument('--only', nargs='*', default=[], metavar='FIX',
			help=f'only these fixes ({" ".join(f.name for f in fixes.FIXES)})')
	add('checkpatch', cmd_checkpatch, 'checkpatch --strict and kernel-doc -Wall on kunit/')
	add('docs', cmd_docs, 'Documentation/ as HTML, warnings are errors')
	add('doccheck', cmd_doccheck, 'Documentation/tests.rst names exactly the tests that ran')
	return p


def subcommands() -> List[str]:
	"""The subcommands parser() defines, in its order."""
	return [name for a in parser()._actions if isinstance(a, argparse._SubParsersAction)
		for name in a.choices]


def main(argv: Sequence[str]) -> int:
	args = parser().parse_args(argv)
	try:
		rc: int = args.fn(args)
		return rc
	except (PtwalkError, MatrixError) as e:
		print(f'ptwalk: error: {e}', file=sys.stderr)
		return getattr(e, 'exit_code', 2)
	except KeyboardInterrupt:
		return 130


if __name__ == '__main__':
	sys.exit(main(sys.argv[1:]))
