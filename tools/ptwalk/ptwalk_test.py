#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# Tests of tools/ptwalk/: the matrix file, the readers and verdicts over logs
# captured from real runs (tools/ptwalk/test_data/README lists where each came
# from), the writers, and a tree's install, lock and stale-object handling.
#
#   cd tools/ptwalk && python3 -m unittest ptwalk_test      (make runner-test)
#
# Copyright (C) 2026 The ptwalk authors

import copy
import dataclasses
import glob
import importlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import tomllib
from typing import Any, Tuple
import unittest
from unittest import mock
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import ptwalk_containers as containers
import ptwalk_fixes as fixes
import ptwalk_hoststate as hoststate
import ptwalk_kcidb as kcidb
import ptwalk_matrix as pm
import ptwalk_mmu as mmu
import ptwalk_report as report
import ptwalk_resolve as resolve
import ptwalk_series as series
import ptwalk_results as pr
import ptwalk_run as run
import ptwalk_tree as pt

TESTDATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'test_data')


MM_HOME = series.SelftestsHome('tools/testing/selftests/mm', 'pagemap')
VM_HOME = series.SelftestsHome('tools/testing/selftests/vm', None)


def data(name: str) -> str:
	with open(os.path.join(TESTDATA, name), errors='replace') as f:
		return f.read()


def kunit(name: str, **kw: Any) -> pr.Outcome:
	"""The Outcome of test_data/<name>.json and .log."""
	return pr.kunit_outcome(name, data(name + '.json'), data(name + '.log'), **kw)


def statuses(outcome: pr.Outcome, suite: str, case: str) -> list:
	return [c.status for c in outcome.cases if c.suite == suite and c.name == case]


# ---- the matrix file -------------------------------------------------------

class MatrixTest(unittest.TestCase):
	def setUp(self) -> None:
		with open(pm.MATRIX_PATH, 'rb') as f:
			self.doc = tomllib.load(f)

	def parse(self, doc: dict) -> pm.Matrix:
		return pm.parse_matrix(doc, pm.TOP)

	def test_the_matrix_file_loads(self) -> None:
		m = pm.load_matrix()
		self.assertEqual(m.default_kernel, m.kernels[0])
		self.assertEqual(len({c.name for c in m.cells}), len(m.cells))
		for c in m.cells:
			self.assertIn(c.kver, c.geometry.kernels)
		self.assertTrue(m.gating(), 'make check must gate on some cell')

	def test_a_workflow_only_cell_gates_the_workflow_not_make_check(self) -> None:
		doc = copy.deepcopy(self.doc)
		doc['geometry']['x86_64']['workflow_only'] = 'too slow'
		m = self.parse(doc)
		cell = m.cell('6.12:x86_64')
		self.assertTrue(cell.gate)
		self.assertNotIn(cell, m.gating())
		job = next(e for e in pm.builds_json(m) if e['build'] == '6.12-x86_64')
		self.assertIn('6.12:x86_64', job['gating'].split())
		self.assertIn('6.12:x86_64-la57', [c.name for c in m.gating()])
		doc['geometry']['x86_64']['gate'] = []
		with self.assertRaisesRegex(pm.MatrixError, 'workflow_only, but no cell'):
			self.parse(doc)

	def test_series_gate_names_kernels_of_the_matrix(self) -> None:
		self.assertEqual(self.parse(self.doc).series_gate, tuple(self.doc['series_gate']))
		doc = copy.deepcopy(self.doc)
		doc['series_gate'] = ['5.10']
		with self.assertRaisesRegex(pm.MatrixError, 'series_gate'):
			self.parse(doc)

	def test_the_readme_gives_the_matrix_as_it_is(self) -> None:
		with open(os.path.join(pm.TOP, 'README.md')) as f:
			readme = ' '.join(f.read().split())
		self.assertIn(pm.summary_line(pm.load_matrix()), readme)

	def test_a_description_agrees_with_levels_and_page(self) -> None:
		doc = copy.deepcopy(self.doc)
		doc['geometry']['x86_64']['levels'] = 5
		with self.assertRaisesRegex(pm.MatrixError, 'geometry.x86_64: the description says 4'):
			self.parse(doc)
		doc['geometry']['x86_64']['levels'] = 7
		with self.assertRaisesRegex(pm.MatrixError, 'levels must be 2 to 5'):
			self.parse(doc)

	def test_every_qemu_config_is_read_like_kunit_py(self) -> None:
		for g in pm.load_matrix().geometries.values():
			if g.qemu:
				self.assertTrue(g.qemu.qemu_arch and g.qemu.kernel_path)
				self.assertIsInstance(g.qemu.extra_qemu_params, tuple)

	def test_the_loader_gives_a_guest_build_its_fragments(self) -> None:
		# The guest boots the KUnit kernel: it must carry the selftests'
		# options, and Debian's armhf programs die of SIGILL without VFP.
		m = self.parse(self.doc)
		builds = {g.build.name: g.build for g in m.geometries.values()}
		self.assertEqual(builds['x86_64'].kconfig[-2:], pm.GUEST_KCONFIG)
		self.assertIn('config/guest/armhf.config', builds['arm-lpae'].kconfig)
		self.assertIn('config/guest/ppc64el.config', builds['powerpc64'].kconfig)
		doc = copy.deepcopy(self.doc)
		for t in doc['geometry'].values():
			if t['build'] == 'arm-lpae':
				t['guest'] = False
		m = self.parse(doc)
		lpae = next(g.build for g in m.geometries.values() if g.build.name == 'arm-lpae')
		self.assertEqual(lpae.kconfig, tuple(self.doc['build']['arm-lpae']['kconfig']))

	def test_a_guest_fragment_is_the_loaders_to_add(self) -> None:
		doc = copy.deepcopy(self.doc)
		doc['build']['arm-lpae']['kconfig'].append('config/guest/armhf.config')
		with self.assertRaisesRegex(pm.MatrixError, 'build.arm-lpae: config/guest/armhf.config '
					    'is added'):
			self.parse(doc)

	def test_a_foreign_guest_names_its_user_space(self) -> None:
		# An arm64 guest with the host's busybox and programs would not boot.
		doc = copy.deepcopy(self.doc)
		del doc['arch']['arm64']['debian_arch']
		with self.assertRaisesRegex(pm.MatrixError, r'arch\.arm64\.debian_arch'):
			self.parse(doc)

	def test_a_guest_without_a_debian_architecture_builds_busybox(self) -> None:
		# riscv64 is not a Debian 12 architecture: busybox from source.
		m = self.parse(self.doc)
		arches = {g.build.arch.name: g.build.arch for g in m.geometries.values()}
		self.assertEqual(arches['riscv'].user_space, 'riscv')
		self.assertEqual(arches['arm64'].user_space, 'arm64')
		self.assertEqual(arches['x86_64'].user_space, 'host')
		self.assertTrue(all(g.guest for g in m.geometries.values()
				    if g.build.arch.name == 'riscv'))
		doc = copy.deepcopy(self.doc)
		doc['arch']['riscv']['debian_arch'] = 'riscv64'
		with self.assertRaisesRegex(pm.MatrixError, "arch.riscv: busybox is 'package'"):
			self.parse(doc)
		del doc['arch']['riscv']['debian_arch']
		del doc['arch']['riscv']['busybox']
		with self.assertRaisesRegex(pm.MatrixError, r'arch\.riscv\.debian_arch'):
			self.parse(doc)

	def test_guest_must_pass_is_every_guests(self) -> None:
		# Each guest must pass the common list, its build's and its own
		# additions; a geometry without a guest has nothing to pass.
		m = pm.load_matrix()
		common = tuple(self.doc['guest_must_pass'])
		self.assertTrue(common)
		for g in m.geometries.values():
			build = tuple(self.doc['build'][g.build.name].get('must_pass', []))
			own = tuple(self.doc['geometry'][g.name].get('must_pass', []))
			self.assertEqual(g.must_pass, common + build + own if g.guest else ())

	def test_soft_dirty_builds_must_pass_soft_dirty(self) -> None:
		# A guest whose kernel has CONFIG_MEM_SOFT_DIRTY must pass the
		# soft-dirty test, not skip it.
		for g in pm.load_matrix().geometries.values():
			if g.guest and 'config/guest/soft-dirty.config' in g.build.kconfig:
				self.assertIn('^global\\.soft_dirty_tracks_writes$', g.must_pass, g.name)

	def test_user_space_prefix(self) -> None:
		# i386 kernels build with the host's gcc -m32, user space with i686's.
		arches = {g.build.arch.name: g.build.arch for g in pm.load_matrix().geometries.values()}
		self.assertEqual(arches['arm64'].user_prefix, arches['arm64'].cross_compile)
		self.assertEqual(arches['i386'].cross_compile, '')
		self.assertEqual(arches['i386'].user_prefix, 'i686-linux-gnu-')

	def test_builds_json_is_one_job_per_build_with_every_cell(self) -> None:
		m = pm.load_matrix()
		js = pm.builds_json(m)
		self.assertEqual(len({e['build'] for e in js}), len(js))
		cells = [c for e in js for c in (e['gating'] + ' ' + e['others']).split()]
		self.assertEqual(sorted(cells), sorted(c.name for c in m.cells))
		self.assertEqual(sorted(c for e in js for c in e['gating'].split()),
				 sorted(c.name for c in m.cells if c.gate))
		by_cell = {c.name: c for c in m.cells}
		for e in js:
			for name in (e['gating'] + ' ' + e['others']).split():
				c = by_cell[name]
				self.assertEqual(e['build'], f'{c.kver}-{c.geometry.build.name}')
		# The three riscv64 boots are one build, one job.
		self.assertIn('6.12:riscv64-sv39', next(e for e in js if e['build'] == '6.12-riscv64')['gating'])

	def test_running_rst_shows_make_cells_as_it_is(self) -> None:
		# Documentation/running.rst quotes 'make cells': its lines must be
		# the program's, for the cells it quotes.
		m = pm.load_matrix()
		table = report.cells_table(m).splitlines()
		with open(os.path.join(pm.TOP, 'Documentation', 'running.rst')) as f:
			quoted = [l[4:] for l in f.read().splitlines()
				  if l.startswith('    cell ') or l[4:].split(':')[0] in m.kernels]
		self.assertGreater(len(quoted), 1)
		for line in quoted:
			self.assertIn(line, table)

	def test_a_geometry_is_on_every_kernel_but_those_absent_explains(self) -> None:
		self.assertEqual(self.parse(self.doc).geometries['arm64-va52'].kernels, ('6.12',))
		doc = copy.deepcopy(self.doc)
		del doc['geometry']['arm64-va52']['absent']
		self.assertEqual(self.parse(doc).geometries['arm64-va52'].kernels, ('6.12', '6.1'))
		doc['geometry']['arm64-va52']['absent'] = {'5.10': 'no'}
		with self.assertRaisesRegex(pm.MatrixError, 'arm64-va52: absent names kernel 5.10'):
			self.parse(doc)
		doc['geometry']['arm64-va52']['absent'] = {'6.12': 'no', '6.1': 'no'}
		with self.assertRaisesRegex(pm.MatrixError, 'arm64-va52: absent from every kernel'):
			self.parse(doc)

	def test_a_geometry_does_not_list_its_kernels(self) -> None:
		doc = copy.deepcopy(self.doc)
		doc['geometry']['um']['kernels'] = ['6.12']
		with self.assertRaisesRegex(pm.MatrixError, 'geometry.um'):
			self.parse(doc)

	def test_gate_only_where_the_geometry_exists(self) -> None:
		doc = copy.deepcopy(self.doc)
		doc['geometry']['arm64-va52']['gate'] = ['6.1']
		with self.assertRaises(pm.MatrixError):
			self.parse(doc)

	def test_one_build_one_kconfig(self) -> None:
		doc = copy.deepcopy(self.doc)
		doc['geometry']['x86_64-la57']['qemu_config'] = 'config/qemu/arm64.py'
		with self.assertRaisesRegex(pm.MatrixError, 'is for arm64'):
			self.parse(doc)

	def test_unknown_keys_are_errors(self) -> None:
		doc = copy.deepcopy(self.doc)
		doc['geometry']['um']['gates'] = ['6.1']
		with self.assertRaisesRegex(pm.MatrixError, 'unknown key.*gates'):
			self.parse(doc)

	def test_missing_fragment_is_an_error(self) -> None:
		doc = copy.deepcopy(self.doc)
		doc['build']['um']['kconfig'] = ['config/kunit/no-such.config']
		with self.assertRaisesRegex(pm.MatrixError, 'no-such.config does not exist'):
			self.parse(doc)

	def test_unavailable_options_leave_the_fragments(self) -> None:
		# kunit.py refuses a build whose .config lacks a fragment's option:
		# UML cannot have THP, so its copy of selftests/config has none.
		b = pm.load_matrix().geometries['um'].build
		self.assertEqual(b.fragment_lines('CONFIG_PROC_FS=y\nCONFIG_TRANSPARENT_HUGEPAGE=y\n'
						  '# CONFIG_HUGETLBFS is not set\n'),
				 'CONFIG_PROC_FS=y\n# CONFIG_HUGETLBFS is not set\n')

	def test_an_unavailable_option_is_one_a_fragment_sets(self) -> None:
		doc = copy.deepcopy(self.doc)
		doc['build']['um']['kconfig_unavailable']['CONFIG_NO_SUCH'] = 'typo'
		with self.assertRaisesRegex(pm.MatrixError, 'names CONFIG_NO_SUCH'):
			self.parse(doc)

	def test_guest_boots_as_kunit_py_boots_its_kernel(self) -> None:
		# UML: the program in the build directory, initrd= on its command
		# line; QEMU: the qemu_config's kernel and parameters, -initrd.
		m = pm.load_matrix()
		uml = run.guest_command(m.geometries['um-user'], '/b', '/i.cpio')
		self.assertEqual(uml[0], '/b/linux')
		self.assertIn('initrd=/i.cpio', uml)
		self.assertIn('rdinit=/init', uml)
		g = m.geometries['x86_64-no5lvl']
		assert g.qemu
		qemu = run.guest_command(g, '/b', '/i.cpio')
		self.assertEqual(qemu[0], 'qemu-system-x86_64')
		self.assertEqual(qemu[qemu.index('-kernel') + 1], '/b/' + g.qemu.kernel_path)
		self.assertEqual(qemu[qemu.index('-initrd') + 1], '/i.cpio')
		self.assertIn('no5lvl', qemu[qemu.index('-append') + 1].split())

	def test_asking_for_an_absent_cell_says_why(self) -> None:
		with self.assertRaisesRegex(pm.MatrixError, 'needs LPA2'):
			pm.load_matrix().cell('6.1:arm64-va52')


# ---- KUnit: kunit.py JSON and kernel logs ----------------------------------

class KunitTest(unittest.TestCase):
	def test_612_um_counts_and_reasons(self) -> None:
		o = kunit('kunit-6.12-um')
		self.assertEqual(o.counts, pr.Counts(42, 0, 31))
		self.assertTrue(o.ok)
		self.assertEqual([c for c in o.cases if c.status == pr.SKIP and not c.reason], [])
		self.assertEqual(statuses(o, 'ptwalk_walker', 'ptwalk_test_matches_reference'),
				 [pr.SKIP] * 4 + [pr.PASS])

	def test_612_parameter_reason_is_its_own(self) -> None:
		o = kunit('kunit-6.12-um')
		case = next(c for c in o.cases if c.param == '8 bytes')
		self.assertIn('UML: the direct map', case.reason)

	def test_failed_case_says_where_and_why(self) -> None:
		# The 6.12 UML log with two results turned into failures, as KUnit
		# prints them: a case's (two failures: the first one counts) and
		# a parameter's (its message on one line).
		log = data('kunit-6.12-um.log').replace(
			'    ok 1 ptwalk_test_geometry\n',
			'    # ptwalk_test_geometry: ASSERTION FAILED at mm/ptwalk/walker_kunit.c:60\n'
			'    Expected levels == 5, but\n        levels == 4 (0x4)\n        more\n'
			'    # ptwalk_test_geometry: EXPECTATION FAILED at mm/ptwalk/walker_kunit.c:70\n'
			'    second\n    not ok 1 ptwalk_test_geometry\n').replace(
			'        ok 5 vmalloc (vmalloc_to_pfn)\n',
			'    # ptwalk_test_matches_reference: EXPECTATION FAILED at mm/ptwalk/walker_kunit.c:99\n'
			'    0xbc00d07b: pfn 0x1 != 0x2\n        not ok 5 vmalloc (vmalloc_to_pfn)\n', 1)
		root = json.loads(data('kunit-6.12-um.json'))
		for suite in root['sub_groups']:
			for c in suite['test_cases']:
				if c['name'] == 'ptwalk_test_geometry':
					c['status'] = 'FAIL'
			for g in suite['sub_groups']:
				if g['name'] == 'ptwalk_test_matches_reference':
					g['test_cases'][4]['status'] = 'FAIL'
		o = pr.kunit_outcome('k', json.dumps(root), log)
		failed = {(c.name, c.param): c.reason for c in o.cases if c.status == pr.FAIL}
		self.assertEqual(failed, {
			('ptwalk_test_geometry', ''):
			'walker_kunit.c:60: Expected levels == 5, but levels == 4 (0x4)',
			('ptwalk_test_matches_reference', 'vmalloc (vmalloc_to_pfn)'):
			'walker_kunit.c:99: 0xbc00d07b: pfn 0x1 != 0x2'})

	def test_61_um_counts_and_reasons(self) -> None:
		# 6.1 prints skipped parameters as "ok N <param>": kunit.py's JSON
		# says PASS for all 73. The kernel's totals lines and
		# ptwalk_skip()'s lines say which were skipped, and why.
		root = json.loads(data('kunit-6.1-um.json'))
		self.assertNotIn('SKIP', [p['status'] for s in root['sub_groups']
					  for g in s['sub_groups'] for p in g['test_cases']])
		o = kunit('kunit-6.1-um')
		self.assertEqual(o.counts, pr.Counts(41, 0, 32))
		self.assertEqual([c for c in o.cases if c.status == pr.SKIP and not c.reason], [])
		self.assertEqual(statuses(o, 'ptwalk_walker', 'ptwalk_test_matches_reference'),
				 [pr.SKIP] * 4 + [pr.PASS])
		self.assertEqual(statuses(o, 'ptwalk_kmalloc', 'ptwalk_test_kmalloc_contiguous'),
				 [pr.SKIP] * 18)

	def test_61_and_612_agree(self) -> None:
		# One source, two kernels: the same cases, and on UML the same
		# status for each but the user-mm case (6.10+).
		old = {(c.suite, c.name, c.param): c.status for c in kunit('kunit-6.1-um').cases}
		new = {(c.suite, c.name, c.param): c.status for c in kunit('kunit-6.12-um').cases}
		self.assertEqual(old.keys(), new.keys())
		differ = {k[1] for k in old if old[k] != new[k]}
		self.assertEqual(differ, {'ptwalk_test_user_mm'})

	def test_61_without_skip_lines_cannot_tell_partial_cases(self) -> None:
		# A 6.1 log of suites without ptwalk_skip(): kunit.py calls every
		# skipped parameter passed. Where all were skipped (the totals line
		# says so) they are skips with the case's reason; where some were,
		# nothing says which, and that is a failure, never a guess.
		o = kunit('kunit-6.1-um-noshim')
		self.assertEqual(statuses(o, 'ptwalk_kmalloc', 'ptwalk_test_kmalloc_contiguous'),
				 [pr.SKIP] * 18)
		bad = {c.name for c in o.cases if c.status == pr.FAIL}
		self.assertEqual(bad, {'ptwalk_test_matches_reference', 'ptwalk_test_indices_recombine'})
		self.assertIn('does not say which parameters were skipped',
			      next(c.reason for c in o.cases if c.status == pr.FAIL))
		self.assertEqual([c for c in o.cases if c.status == pr.SKIP and not c.reason], [])

	def test_geometry_proved(self) -> None:
		o = kunit('kunit-6.12-x86_64-la57', must_pass=[
			r'^ptwalk_leaves\.ptwalk_test_direct_map_leaf\[pud\]$'])
		self.assertTrue(o.ok)
		self.assertEqual(o.geometry, {'levels': '5', 'page': '4K', 'leaves': '4K 2M 1G'})
		# A leaf size whose case did not pass was not proved; nor were
		# the levels if the geometry case failed.
		failed = [dataclasses.replace(c, status=pr.FAIL)
			  if c.name in ('ptwalk_test_geometry', 'ptwalk_test_direct_map_leaf')
			  and c.param in ('', 'pud') else c for c in o.cases]
		self.assertEqual(pr.kunit_geometry(failed, data('kunit-6.12-x86_64-la57.log')),
				 {'leaves': '4K 2M'})
		# UML proves its levels and page size, no direct-map leaf (an
		# older log, without the page size: nothing).
		self.assertEqual(kunit('kunit-6.12-um').geometry, {})

	def test_a_cell_proving_another_geometry_than_the_matrix_says_is_red(self) -> None:
		proved = kunit('kunit-6.12-x86_64-la57').geometry
		la57 = pm.load_matrix().geometries['x86_64-la57']
		self.assertEqual(pr.geometry_problems(la57.levels, la57.page, proved), [])
		four = pm.load_matrix().geometries['x86_64']
		self.assertEqual(pr.geometry_problems(four.levels, four.page, proved),
				 ['the walker proved 5 levels, 4K pages; config/matrix.toml says 4 levels, 4K pages'])
		self.assertEqual(pr.geometry_problems(4, '4K', {}), [])

	def test_size_names(self) -> None:
		self.assertEqual([pr.size_name(k) for k in (4, 16, 64, 2048, 4096, 32768,
							    524288, 1048576, 12)],
				 ['4K', '16K', '64K', '2M', '4M', '32M', '512M', '1G', '12K'])

	def test_kunit_must_pass(self) -> None:
		# On UML the direct-map parameters skip: a must-pass one is red,
		# a passed one (vmalloc) is not; a pattern that names nothing is.
		ref = r'^ptwalk_walker\.ptwalk_test_matches_reference\[%s'
		self.assertTrue(kunit('kunit-6.12-um', must_pass=[ref % 'vmalloc']).ok)
		o = kunit('kunit-6.12-um', must_pass=[ref % 'kmalloc'])
		self.assertEqual(o.problems, [
			'ptwalk_walker:ptwalk_test_matches_reference[kmalloc (virt_to_phys)] must pass '
			'here, not skip (UML: the direct map (kmalloc, alloc_pages and kernel image '
			'memory) is not in init_mm\'s page tables)'])
		o = kunit('kunit-6.12-um', must_pass=['^ptwalk_leaves\\.'])
		self.assertEqual(o.problems, ["no test matching '^ptwalk_leaves\\.' ran; it must pass here"])

	def test_warning_in_the_log_is_red(self) -> None:
		# A WARN_ON() in ptwalk_test_geometry: every case passes.
		o = kunit('kunit-6.12-um-warning')
		self.assertEqual(o.counts, pr.Counts(42, 1, 31))
		self.assertFalse(o.ok)
		self.assertEqual(o.problems, ['kernel log: WARNING: CPU: 0 PID: 17 at '
					      'mm/ptwalk/walker_kunit.c:51 ptwalk_test_geometry+0x14e/0x160'])

	def test_no_json_is_red(self) -> None:
		o = pr.kunit_outcome('k', None, '')
		self.assertFalse(o.ok)
		self.assertIn('no KUnit results', o.problems[0])

	def test_build_failure_is_red_and_says_why(self) -> None:
		# kunit.py build of 6.12 UML with an undeclared name in a suite.
		why = pr.build_error(data('build-6.12-um-error.log'))
		self.assertRegex(why, r"walker_kunit\.c:51:9: error: .undeclared_name. undeclared")
		o = pr.kunit_outcome('k', None, '', build_error=why)
		self.assertEqual(o.counts, pr.Counts(0, 1, 0))
		self.assertEqual(o.problems, [f'kernel build failed: {why}'])

	def test_kunit_py_config_error(self) -> None:
		log = 'ERROR:root:Not all Kconfig options selected in kunitconfig were in the generated .config.\n'
		self.assertTrue(pr.build_error(log).startswith('Not all Kconfig options'))

	def test_kunit_py_failure_without_a_failed_case_is_red(self) -> None:
		o = kunit('kunit-6.12-um', exit_code=1)
		self.assertFalse(o.ok)


# ---- kselftest TAP ---------------------------------------------------------

class KselftestTest(unittest.TestCase):
	def host(self) -> str:
		return data('selftests-host-6.18.tap')

	def test_host_run_counts(self) -> None:
		o = pr.selftests_outcome('h', self.host())
		self.assertEqual(o.counts, pr.Counts(38, 0, 13))
		self.assertEqual(o.problems, [])
		self.assertEqual({c.suite for c in o.cases},
				 {'pagemap_low_bits', 'pagemap_demand', 'pagemap_cow', 'pagemap_abi',
				  'pagemap_contiguity', 'pagemap_scan'})
		self.assertEqual([c for c in o.cases if c.status == pr.SKIP and not c.reason], [])

	def test_a_lost_totals_line_is_red(self) -> None:
		lines = self.host().splitlines()
		cow = lines.index('# selftests: /work/main/selftests: pagemap_cow')
		totals = next(i for i in range(cow, len(lines)) if lines[i].startswith('# # Totals:'))
		del lines[totals]
		o = pr.selftests_outcome('h', '\n'.join(lines))
		self.assertFalse(o.ok)
		self.assertEqual(o.problems, ['pagemap_cow: no totals line (its output is incomplete)'])

	def test_a_lost_result_line_disagrees_with_totals(self) -> None:
		lines = [l for l in self.host().splitlines()
			 if not l.startswith('# ok 3 fork_advice.wipeonfork')]
		o = pr.selftests_outcome('h', '\n'.join(lines))
		self.assertFalse(o.ok)
		self.assertIn('its result lines do not', o.problems[0])

	def test_a_run_cut_short_is_red(self) -> None:
		text = self.host()
		cut = text[:text.index('# selftests: /work/main/selftests: pagemap_abi') + 60]
		o = pr.selftests_outcome('h', cut)
		self.assertFalse(o.ok)
		self.assertIn('pagemap_abi: no result line (the run stopped in it)', o.problems)
		self.assertIn('4 of 6 programs ran', o.problems)

	def test_an_expected_program_without_output(self) -> None:
		o = pr.selftests_outcome('h', self.host(), expect=['pagemap_low_bits', 'pagemap_new'])
		self.assertEqual(o.problems, ['pagemap_new: no output at all'])

	def test_must_pass_skipped_is_red(self) -> None:
		o = pr.selftests_outcome('h', self.host(), must_pass=['above_47_bits'])
		self.assertEqual(len(o.problems), 9)
		self.assertIn('must pass here, not skip', o.problems[0])

	def test_must_pass_absent_is_red(self) -> None:
		o = pr.selftests_outcome('h', self.host(), must_pass=['no_such_test'])
		self.assertEqual(o.problems, ["no test matching 'no_such_test' ran; it must pass here"])

	def test_runner_timeout_is_a_failure_of_the_program(self) -> None:
		# The runner killed pagemap_contiguity after 1 s
		# (kselftest_override_timeout=1): none of its tests said "not ok".
		o = pr.selftests_outcome('h', data('selftests-host-6.18-timeout.tap'))
		self.assertFalse(o.ok)
		self.assertIn(pr.Case('pagemap_contiguity', '(program)', pr.FAIL, 'TIMEOUT 1 seconds'),
			      o.cases)
		self.assertIn('pagemap_contiguity: no totals line (its output is incomplete)', o.problems)

	def test_one_harness_program(self) -> None:
		o = pr.selftests_outcome('t', data('tool-pagemap-walk.tap'), kind='tool',
					 program='pagemap-walk-test')
		self.assertEqual(o.counts, pr.Counts(14, 0, 0))
		self.assertTrue(o.ok)

	def test_one_harness_program_without_totals(self) -> None:
		text = data('tool-pagemap-walk.tap').replace('# Totals:', '# totals gone:')
		o = pr.selftests_outcome('t', text, kind='tool', program='pagemap-walk-test')
		self.assertFalse(o.ok)


# ---- the selftests guest ---------------------------------------------------

PROGRAMS = ['pagemap_low_bits', 'pagemap_demand', 'pagemap_cow', 'pagemap_abi',
	    'pagemap_contiguity', 'pagemap_scan']


def guest(name: str, **kw: Any) -> pr.Outcome:
	return pr.guest_outcome(name, data(name + '.log'), expect=PROGRAMS, **kw)


class GuestTest(unittest.TestCase):
	def test_612_five_levels_all_pass(self) -> None:
		o = guest('guest-6.12-x86_64-la57', must_pass=['above_47_bits'])
		self.assertEqual(o.counts, pr.Counts(51, 0, 0))
		self.assertTrue(o.ok)

	def test_612_four_levels_skips_above_47_bits(self) -> None:
		o = guest('guest-6.12-x86_64')
		self.assertEqual(o.counts, pr.Counts(42, 0, 9))
		self.assertTrue(o.ok)
		self.assertEqual({c.reason for c in o.cases if c.status == pr.SKIP},
				 {'no address above 2^47: 5-level paging not in use'})

	def test_61_names_its_nameless_skips(self) -> None:
		# 6.1's harness prints a skipped test as "ok N # SKIP why": the
		# name comes from its RUN line.
		o = guest('guest-6.1-x86_64')
		self.assertEqual(o.counts, pr.Counts(40, 0, 11))
		skipped = sorted(c.name for c in o.cases if c.status == pr.SKIP)
		self.assertIn('demand.above_47_bits.read_fault_maps_zero_page', skipped)
		self.assertIn('scan.present_and_pfnzero_agree', skipped)
		self.assertEqual(len(set(skipped)), 11)

	def test_61_five_levels_must_pass(self) -> None:
		o = guest('guest-6.1-x86_64-la57', must_pass=['above_47_bits'])
		self.assertEqual(o.counts, pr.Counts(49, 0, 2))
		self.assertTrue(o.ok)

	def test_must_pass_on_the_four_level_boot_is_red(self) -> None:
		o = guest('guest-6.12-x86_64', must_pass=['above_47_bits'])
		self.assertFalse(o.ok)
		self.assertEqual(len(o.problems), 9)

	def test_uml_runs_the_same_init(self) -> None:
		# UML's standard output is its console: its own start-up lines
		# come first, then the same TAP as from QEMU's serial port.
		m = pm.load_matrix()
		o = pr.guest_outcome('guest-6.12-um', data('guest-6.12-um.log'),
				     expect=PROGRAMS + ['pagemap_kernel_walk', 'kernel_walk_abi'],
				     must_pass=m.geometries['um-user'].must_pass)
		self.assertEqual(o.counts, pr.Counts(62, 0, 31))
		self.assertTrue(o.ok, o.problems)
		self.assertIn('THP is not built in', {c.reason for c in o.cases})
		# The init's zram swap: the paged-out page, which every guest must pass.
		self.assertEqual([c.status for c in o.cases if c.name == 'kernel_walk.paged_out'], [pr.PASS])
		broken = data('guest-6.12-um.log').replace('#            OK  kernel_walk.paged_out',
							   '#      SKIP      no swap').replace(
			'# ok 13 kernel_walk.paged_out', '# ok 13 kernel_walk.paged_out # SKIP no swap')
		o = pr.guest_outcome('guest-6.12-um', broken,
				     expect=PROGRAMS + ['pagemap_kernel_walk', 'kernel_walk_abi'],
				     must_pass=m.geometries['um-user'].must_pass)
		self.assertFalse(o.ok)

	def test_panic_is_red(self) -> None:
		# rdinit=/no-such-init: the kernel panics before any selftest.
		o = guest('guest-6.12-panic')
		self.assertFalse(o.ok)
		self.assertTrue(o.problems[0].startswith('guest console: Kernel panic'))
		self.assertIn('the guest stopped before the selftests finished (QEMU exit 0)', o.problems)
		self.assertIn('pagemap_scan: no output at all', o.problems)

	def test_timeout_is_red_and_keeps_what_ran(self) -> None:
		# Stopped by the host after 12 s, inside pagemap_contiguity.
		o = guest('guest-6.12-timeout', timed_out=12)
		self.assertFalse(o.ok)
		self.assertEqual(o.problems[0], 'the guest timed out after 12 s')
		self.assertIn('pagemap_contiguity: no totals line (its output is incomplete)', o.problems)
		self.assertIn('pagemap_scan: no output at all', o.problems)
		self.assertGreater(o.counts.passed, 30)

	def test_warning_on_a_green_console_is_red(self) -> None:
		text = data('guest-6.12-x86_64-la57.log').replace(
			'ptwalk-guest: selftests done',
			'WARNING: CPU: 1 PID: 90 at mm/memory.c:1 x\nptwalk-guest: selftests done')
		o = pr.guest_outcome('g', text, expect=PROGRAMS)
		self.assertEqual(o.problems, ['guest console: WARNING: CPU: 1 PID: 90 at mm/memory.c:1 x'])
		self.assertEqual(o.counts, pr.Counts(51, 1, 0))


DEBUG_PROGRAMS = PROGRAMS + ['pagemap_kernel_walk', 'kernel_walk_abi', 'hugetlb_pool']


class DebugGuestTest(unittest.TestCase):
	"""The debug guest's console: the selftests, then the suites again
	under fault injection, then kmemleak's report."""

	def setUp(self) -> None:
		self.console = data('guest-6.12-x86_64-debug.log')
		self.json = data('faults-6.12-x86_64-debug.json')

	def faults(self, console: str = '', json_text: str = '') -> pr.Outcome:
		o = pr.faults_outcome('f', console or self.console, json_text or self.json)
		assert o is not None
		return o

	def test_selftests_end_at_the_init_line(self) -> None:
		# The fault-injection KTAP after the runner is not the runner's.
		o = pr.guest_outcome('g', self.console, expect=DEBUG_PROGRAMS, own_symbols={'get_kmalloc'})
		self.assertEqual(o.counts, pr.Counts(86, 0, 5))
		self.assertTrue(o.ok, o.problems)
		self.assertNotIn('ptwalk_kmalloc', pr.tap_of_console(self.console))

	def test_kmemleak_found_nothing(self) -> None:
		self.assertEqual(pr.kmemleak_reports(self.console), [])
		self.assertIsNone(pr.kmemleak_reports(data('guest-6.12-x86_64-la57.log')))

	def test_a_kunit_leak_is_kunits(self) -> None:
		# kunit_alloc_resource() (inlined in kunit_vm_mmap()) leaks its
		# struct kunit_resource when the resource's init fails.
		console = data('guest-6.12-x86_64-debug-kunit-leak.log')
		leaks = pr.kmemleak_reports(console)
		assert leaks is not None
		self.assertEqual([(l.size, pr.allocated_by(l)) for l in leaks], [(64, 'kunit_vm_mmap')])
		self.assertEqual(leaks[0].frames[:3], ('__kmalloc_cache_noprof', 'kunit_vm_mmap',
						       'ptwalk_test_race_user_zap'))
		o = pr.guest_outcome('g', console, expect=DEBUG_PROGRAMS,
				     own_symbols={'ptwalk_test_race_user_zap'})
		self.assertTrue(o.ok, o.problems)

	def test_a_leak_ptwalk_allocated_is_red(self) -> None:
		# The same report with the allocating frame renamed to one of ptwalk's.
		console = data('guest-6.12-x86_64-debug-kunit-leak.log').replace(
			'    kunit_vm_mmap+0xc0/0x1d0', '    get_kmalloc+0xc0/0x1d0')
		o = pr.guest_outcome('g', console, expect=DEBUG_PROGRAMS, own_symbols={'get_kmalloc'})
		self.assertEqual(o.problems, [
			'kmemleak: 64 bytes at 0xff1100014efaf680 unreferenced, allocated in get_kmalloc() '
			'(__kmalloc_cache_noprof < get_kmalloc < ptwalk_test_race_user_zap < kunit_try_run_case '
			'< kunit_generic_run_threadfn_adapter < kthread)'])

	def test_kmemleak_that_could_not_scan_is_red(self) -> None:
		# The report replaced by the init's line for a failed "echo scan".
		start = self.console.index(pr.KMEMLEAK_BEGIN)
		end = self.console.index(pr.KMEMLEAK_END) + len(pr.KMEMLEAK_END)
		text = self.console[:start] + pr.KMEMLEAK_FAILED + self.console[end:]
		o = pr.guest_outcome('g', text, expect=DEBUG_PROGRAMS)
		self.assertEqual(o.problems, ['kmemleak could not scan'])

	def test_faults_run_is_green_with_allocation_skips(self) -> None:
		o = self.faults()
		self.assertEqual(o.kind, 'faults')
		self.assertEqual(o.counts, pr.Counts(66, 0, 22))
		self.assertTrue(o.ok, o.problems)
		self.assertEqual(pr.injected_failures(self.console), {'failslab': 58, 'fail_page_alloc': 20})
		alloc = [c for c in o.cases if c.reason.startswith(pr.ALLOC_SKIP)]
		self.assertEqual(len(alloc), 16)
		self.assertIn('could not allocate a deferred action', {c.reason for c in alloc})

	def test_a_case_skipped_at_boot_is_not_run_again(self) -> None:
		# 6.12 prints "ok 8 ptwalk_test_user_mm_grows # SKIP " on the rerun.
		o = self.faults()
		grows = [c for c in o.cases if c.name == 'ptwalk_test_user_mm_grows']
		self.assertEqual([(c.status, c.reason) for c in grows], [(pr.SKIP, pr.NOT_RUN_AGAIN)])

	def test_a_failed_case_under_faults_is_red(self) -> None:
		# One case's status in kunit.py's JSON turned to FAIL.
		root = json.loads(self.json)
		root['sub_groups'][4]['test_cases'][0]['status'] = 'FAIL'
		o = self.faults(json_text=json.dumps(root))
		self.assertFalse(o.ok)
		self.assertEqual(o.counts.failed, 1)

	def test_a_case_kunit_timed_out_says_so(self) -> None:
		# The race case's result line turned to "not ok", and KUnit's own
		# line for a case it stopped (lib/kunit/try-catch.c) put before it.
		ok = '    ok 4 ptwalk_test_race_user_collapse'
		at = self.console.index(ok)
		end = self.console.index('\n', at)
		console = (self.console[:at] + '    # ptwalk_test_race_user_collapse: try timed out\n'
			   + '    not ok 4 ptwalk_test_race_user_collapse' + self.console[end:])
		ktap = pr.fault_injection_ktap(console)
		assert ktap is not None
		notes = pr.read_ktap_notes(ktap, {'ptwalk_races': []})
		self.assertEqual(notes.failures[('ptwalk_races', 'ptwalk_test_race_user_collapse', '')],
				 'KUnit: try timed out')

	def test_a_failure_the_results_lost_is_read_from_the_console(self) -> None:
		# The case failed in kunit.py's JSON; its log lines in the results
		# are gone (fault injection fails the log's allocations too), the
		# console kept them (KERN_ERR, printed at loglevel=4).
		root = json.loads(self.json)
		case = root['sub_groups'][4]['test_cases'][0]
		case['status'] = 'FAIL'
		name = case['name']
		console = self.console.replace(
			'ptwalk-guest: fault injection results begin',
			f'[   99.123456]     # {name}: ASSERTION FAILED at mm/ptwalk/test_util.c:91\n'
			'[   99.123457]     Expected IS_ERR_VALUE(addr) to be false, but is true\n'
			'ptwalk-guest: fault injection results begin')
		o = self.faults(console=console, json_text=json.dumps(root))
		bad = [c for c in o.cases if c.status == pr.FAIL]
		self.assertEqual([c.reason for c in bad],
				 ['test_util.c:91: Expected IS_ERR_VALUE(addr) to be false, but is true'])

	def test_nothing_injected_is_red(self) -> None:
		text = re.sub(r'failed \d+ allocations', 'failed 0 allocations', self.console)
		o = self.faults(console=text)
		self.assertEqual(o.problems, ['no allocation failed: the fault injection proved nothing'])

	def test_faults_cut_short_is_red(self) -> None:
		# The console cut after the third suite's results.
		text = self.console[:self.console.index('ok 3 ptwalk_races') + 18]
		o = self.faults(console=text)
		self.assertIn('the guest stopped before the fault-injection results ended', o.problems)

	def test_faults_skipped_where_suites_cannot_run_again(self) -> None:
		# The results replaced by the init's line for a kernel without
		# KUnit's debugfs run files (6.1).
		start = self.console.index('ptwalk-guest: fault injection:')
		end = self.console.index(pr.FAULTS_END)
		text = (self.console[:start] + 'ptwalk-guest: fault injection skipped: no run files\n' +
			self.console[end:])
		o = pr.faults_outcome('f', text, None)
		assert o is not None
		self.assertEqual(o.counts, pr.Counts(0, 0, 1))
		self.assertEqual(o.cases[0].reason, 'no run files')

	def test_no_faults_outcome_without_the_run(self) -> None:
		self.assertIsNone(pr.faults_outcome('f', data('guest-6.12-x86_64-la57.log'), None))


# ---- writers ---------------------------------------------------------------

class FakeMmu:
	"""A machine whose MMU maps pages of 4 KiB by a table, and that stops in
	the publishing process only after @misses stops."""

	def __init__(self, pages: dict, misses: int = 0) -> None:
		self.pages, self.misses = pages, misses
		self.running, self.stops = True, 0

	def stop(self) -> None:
		self.running = False
		self.stops += 1

	def cont(self) -> None:
		self.running = True

	def translate(self, vas: Any) -> Any:
		assert not self.running, 'asked the MMU of a running VM'
		self.asked = getattr(self, 'asked', 0) + 1
		return [self._translate(va) for va in vas]

	def _translate(self, va: int) -> Any:
		if self.stops <= self.misses:
			return None
		pa = self.pages.get(va & ~0xfff)
		return None if pa is None else pa + (va & 0xfff)


# A batch as selftests/mmu_witness.c prints it: a 2 MiB leaf, a base page,
# a hole.
BATCH = """ptwalk-mmu: begin 77.1 5 canary 0x7f0000000000 0x5000
ptwalk-mmu: claim 77.1 0x7f0000203005 0x40203005 0x200000 pmd walk thp
ptwalk-mmu: claim 77.1 0x7f0000203005 0x40203005 0x1000 - pagemap thp
ptwalk-mmu: claim 77.1 0x7f0000400010 0x9010 0x1000 pte walk base
[   12.345678] some kernel line ptwalk-mmu: claim 77.1 0x7f0000400010 0x9010 0x1000 - pagemap base
ptwalk-mmu: claim 77.1 0x7f0000401000 - 0 - walk hole
ptwalk-mmu: end 77.1
"""


def fake_pages() -> dict:
	pages = {0x7f0000000000: 0x5000, 0x7f0000400000: 0x9000}
	pages.update({0x7f0000200000 + i * 0x1000: 0x40200000 + i * 0x1000 for i in range(512)})
	return pages


class MmuTest(unittest.TestCase):
	def witness(self, machine: FakeMmu, text: str = BATCH) -> Tuple[mmu.Witness, list]:
		said: list = []
		w = mmu.Witness(machine, said.append)
		for line in text.splitlines():
			w.line(line)
		return w, said

	def test_a_batch_the_mmu_agrees_with_is_one_case_per_address(self) -> None:
		machine = FakeMmu(fake_pages())
		w, said = self.witness(machine)
		self.assertEqual(said, ['ptwalk-mmu-ack 77.1 0\n'])
		self.assertTrue(machine.running)
		o = w.outcome('mmu-6.12-x86_64', '6.12:x86_64')
		self.assertEqual((o.kind, o.counts), ('mmu', pr.Counts(3, 0, 0)))
		self.assertEqual([c.name for c in o.cases],
				 ['thp 0x7f0000203005', 'base 0x7f0000400010', 'hole 0x7f0000401000'])

	def test_a_wrong_frame_is_red_naming_both_answers(self) -> None:
		pages = fake_pages()
		pages[0x7f0000400000] = 0xa000
		w, said = self.witness(FakeMmu(pages))
		self.assertEqual(said, ['ptwalk-mmu-ack 77.1 1\n'])
		o = w.outcome('m', 'c')
		self.assertEqual(o.counts, pr.Counts(2, 1, 0))
		bad = [c for c in o.cases if c.status == pr.FAIL][0]
		self.assertIn('0x7f0000400010', bad.reason)
		self.assertIn('walk says 0x9010', bad.reason)
		self.assertIn('the MMU says 0xa010', bad.reason)

	def test_a_leaf_claimed_larger_than_the_mmu_maps_is_red_at_its_end(self) -> None:
		pages = fake_pages()
		pages[0x7f00003ff000] = 0x12345000	# the last page of the 2 MiB
		o = self.witness(FakeMmu(pages))[0].outcome('m', 'c')
		bad = [c for c in o.cases if c.status == pr.FAIL]
		self.assertEqual(len(bad), 1)
		self.assertIn('at 0x7f00003fffff', bad[0].reason)

	def test_where_the_mmu_fills_on_demand_a_missing_entry_is_a_skip(self) -> None:
		pages = fake_pages()
		del pages[0x7f0000400000]		# the base page: no entry at the stop
		pages[0x7f00003ff000] = 0x12345000	# the 2 MiB leaf's last page: wrong
		said: list = []
		w = mmu.Witness(FakeMmu(pages), said.append, misses='hash MMU: filled on demand')
		for line in BATCH.splitlines():
			w.line(line)
		o = w.outcome('m', 'c')
		self.assertEqual(said, ['ptwalk-mmu-ack 77.1 1\n'])
		self.assertEqual([(c.name, c.status) for c in o.cases],
				 [('thp 0x7f0000203005', pr.FAIL), ('base 0x7f0000400010', pr.SKIP),
				  ('hole 0x7f0000401000', pr.PASS)])
		self.assertIn('walk says 0x9010 (pte leaf of 0x1000); hash MMU: filled on demand',
			      o.cases[1].reason)
		# Elsewhere the same answer is a disagreement.
		o = self.witness(FakeMmu(pages))[0].outcome('m', 'c')
		self.assertEqual(o.cases[1].status, pr.FAIL)

	def test_a_mapped_hole_is_red(self) -> None:
		pages = fake_pages()
		pages[0x7f0000401000] = 0x1000
		o = self.witness(FakeMmu(pages))[0].outcome('m', 'c')
		self.assertIn('the MMU says 0x1000', [c for c in o.cases if c.status == pr.FAIL][0].reason)

	def test_the_vm_is_stopped_again_until_the_canary_is_the_publishers(self) -> None:
		machine = FakeMmu(fake_pages(), misses=3)
		w, said = self.witness(machine)
		self.assertEqual((machine.stops, w.stops), (4, 4))
		self.assertEqual(machine.asked, 5)	# the canary at each stop, the probes once
		self.assertTrue(w.outcome('m', 'c').ok)

	def test_the_publishers_run_is_timed_from_the_runners_lines(self) -> None:
		w = mmu.Witness(FakeMmu(fake_pages()), lambda text: None)
		with mock.patch('time.monotonic', side_effect=[100.0, 102.5]):
			w.line('# selftests: ptwalk: pagemap_mmu')
			w.line('# ok 1 mmu.base_pages')
			w.line('ok 10 selftests: ptwalk: pagemap_mmu')
		self.assertEqual(w.program_seconds, 2.5)

	def serve(self, path: str, monitor: Any) -> threading.Thread:
		"""@monitor(file) on the one connection to a unix socket at @path."""
		server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
		server.bind(path)
		server.listen(1)

		def accept() -> None:
			conn, _ = server.accept()
			monitor(conn.makefile('rwb'))
			conn.close()
			server.close()
		th = threading.Thread(target=accept)
		th.start()
		return th

	def test_qmp_stops_the_vm_past_its_events(self) -> None:
		got: list = []

		def monitor(f: Any) -> None:
			f.write(b'{"QMP": {"version": {}, "capabilities": []}}\n')
			f.flush()
			for line in f:
				got.append(json.loads(line)['execute'])
				if got[-1] == 'stop':
					f.write(b'{"event": "STOP"}\n')
				f.write(b'{"return": {}}\n')
				f.flush()
		with tempfile.TemporaryDirectory() as d:
			th = self.serve(os.path.join(d, mmu.QemuMmu.QMP_SOCKET), monitor)
			machine = mmu.QemuMmu(d)
			try:
				machine.stop()
				machine.cont()
			finally:
				machine.close()
				th.join()
		self.assertEqual(got, ['qmp_capabilities', 'stop', 'cont'])

	def test_the_monitor_is_asked_at_once_and_answers_in_order(self) -> None:
		# QEMU's human monitor echoes what is typed a character at a time,
		# redrawing the line with escapes, and prompts after each answer.
		def echo(line: str) -> bytes:
			return b''.join(line[:i].encode() + b'\x1b[K' + b'\x1b[D' * (i - 1)
					for i in range(1, len(line) + 1)) + b'\r\n'

		def monitor(f: Any) -> None:
			f.write(b'QEMU 7.2.0 monitor - type \'help\' for more information\r\n(qemu) ')
			f.flush()
			for n in (3, 1):	# a question's lines all read before any answer
				lines = [f.readline().decode().strip() for _ in range(n)]
				for line in lines:
					va = int(line.split()[1], 16)
					ret = {0x2000: 'Unmapped', 0x5000: 'unknown command'}.get(
						va, f'gpa: {va + 0x1000:#x}')
					f.write(echo(line) + ret.encode() + b'\r\n(qemu) ')
				f.flush()
			f.read()
		with tempfile.TemporaryDirectory() as d:
			th = self.serve(os.path.join(d, mmu.QemuMmu.HMP_SOCKET), monitor)
			machine = mmu.QemuMmu(d)
			try:
				self.assertEqual(machine.translate([0x1000, 0x2000, 0x3008]),
						 [0x2000, None, 0x4008])
				with self.assertRaisesRegex(ValueError, 'unknown command'):
					machine.translate([0x5000])
			finally:
				machine.close()
				th.join()

	def test_a_guest_with_the_check_gets_both_monitors_and_the_flag(self) -> None:
		g = pm.load_matrix().geometries['x86_64-la57']
		cmd = run.guest_command(g, '/b', '/i.cpio', '/s')
		self.assertEqual(cmd[cmd.index('-qmp') + 1], 'unix:/s/qmp,server=on,wait=off')
		self.assertEqual(cmd[cmd.index('-monitor') + 1], 'unix:/s/monitor,server=on,wait=off')
		self.assertIn(mmu.KERNEL_FLAG, cmd[cmd.index('-append') + 1].split())
		plain = run.guest_command(g, '/b', '/i.cpio')
		self.assertNotIn('-qmp', plain)
		self.assertNotIn(mmu.KERNEL_FLAG, plain[plain.index('-append') + 1].split())

	def test_a_vm_never_caught_in_the_publisher_is_red(self) -> None:
		with mock.patch('time.sleep'):
			w, said = self.witness(FakeMmu(fake_pages(), misses=mmu.CANARY_TRIES))
		self.assertEqual(said, ['ptwalk-mmu-ack 77.1 5\n'])
		self.assertIn('never stopped in the publishing process', w.outcome('m', 'c').problems[0])

	def test_torn_unended_and_empty_batches_are_red(self) -> None:
		lines = BATCH.splitlines()
		torn = '\n'.join(lines[:3] + lines[4:])
		self.assertIn('5 claims announced, 4 read',
			      self.witness(FakeMmu(fake_pages()), torn)[0].outcome('m', 'c').problems[0])
		unended = '\n'.join(lines[:-1])
		w, said = self.witness(FakeMmu(fake_pages()), unended)
		self.assertEqual(said, [])
		self.assertIn('batch 77.1: announced, never ended', w.outcome('m', 'c').problems)
		empty = 'ptwalk-mmu: begin 9.1 0 canary 0x1000 0x1000\nptwalk-mmu: end 9.1\n'
		self.assertIn('batch 9.1: nothing to compare',
			      self.witness(FakeMmu({}), empty)[0].outcome('m', 'c').problems)

	def test_no_batch_at_all_is_red(self) -> None:
		self.assertIn('no batch was published: the MMU checked nothing',
			      self.witness(FakeMmu({}), 'ptwalk-guest: done\n')[0].outcome('m', 'c').problems)

	def replay(self, console: str, change: Any = None) -> pr.Outcome:
		"""@console through a witness whose MMU maps, for each batch, what
		the batch's own claims say (the real MMU agreed with every one of
		them: the run was green), with @change(pages) applied to each."""
		reader, tables = mmu.BatchReader(), {}
		for line in console.splitlines():
			b = reader.line(line)
			if b is None:
				continue
			pages = {b.canary[0] & ~0xfff: b.canary[1] & ~0xfff}
			for c in b.claims:
				for va, pa in c.probes():
					if pa is not None:
						pages[va & ~0xfff] = pa & ~0xfff
			if change:
				change(pages)
			tables[b.id] = pages
		machine = FakeMmu({})
		w = mmu.Witness(machine, lambda text: None)
		for line in console.splitlines():
			end = re.search(r'ptwalk-mmu: end (\S+)', line)
			if end:
				machine.pages = tables[end.group(1)]
			w.line(line)
		return w.outcome('m', 'c')

	def test_a_real_guests_batches_user_and_kernel(self) -> None:
		console = data('guest-6.12-x86_64-debug-mmu.log')
		o = self.replay(console)
		self.assertEqual(o.problems, [])
		whats = {c.name.split()[0] for c in o.cases}
		self.assertTrue({'base', 'thp', 'hugetlb', 'fork-copied', 'hole'} <= whats, whats)
		self.assertTrue({'text', 'kmalloc', 'vmalloc', 'guard', 'vmalloc-huge'} <= whats, whats)
		self.assertEqual(o.counts.failed, 0)

	def test_one_wrong_frame_in_a_real_guest_is_one_red_address(self) -> None:
		console = data('guest-6.12-x86_64-debug-mmu.log')
		m = re.search(r'claim \S+ (0x[0-9a-f]+) (0x[0-9a-f]+) \S+ pte walk vmalloc', console)
		assert m
		va, pa = int(m.group(1), 16) & ~0xfff, int(m.group(2), 16) & ~0xfff

		def change(pages: dict) -> None:
			pages[va] = pa + 0x1000
		o = self.replay(console, change)
		bad = [c for c in o.cases if c.status == pr.FAIL]
		self.assertEqual(len(bad), 1)
		self.assertIn(f'{int(m.group(1), 16):#x}', bad[0].reason)

	def test_gva2gpa_replies(self) -> None:
		self.assertEqual(mmu.parse_gva2gpa('gpa: 0x1000\r\n'), 0x1000)
		self.assertEqual(mmu.parse_gva2gpa('gpa: 0\r\n'), 0)
		self.assertIsNone(mmu.parse_gva2gpa('Unmapped\r\n'))
		with self.assertRaises(ValueError):
			mmu.parse_gva2gpa('unknown command: gva2gpa\r\n')


class ReportTest(unittest.TestCase):
	def test_outcome_survives_json(self) -> None:
		o = kunit('kunit-6.12-um', cell='6.12:um')
		o.problems.append('x')
		back = pr.Outcome.from_json(o.to_json())
		self.assertEqual(back, o)
		self.assertEqual(back.counts, o.counts)

	def test_junit_counts(self) -> None:
		o = kunit('kunit-6.12-um')
		root = ET.fromstring(report.junit_xml(o))
		tests = sum(int(s.get('tests', 0)) for s in root.iter('testsuite'))
		skipped = sum(int(s.get('skipped', 0)) for s in root.iter('testsuite'))
		self.assertEqual((tests, skipped), (73, 31))

	def test_junit_problem_is_a_failure(self) -> None:
		o = pr.kunit_outcome('k', None, '')
		root = ET.fromstring(report.junit_xml(o))
		self.assertEqual(sum(int(s.get('failures', 0)) for s in root.iter('testsuite')), 1)

	def test_closing_line(self) -> None:
		o = kunit('kunit-6.12-um')
		self.assertEqual(report.closing_line([o, pr.kunit_outcome('k', None, '')]),
				 'ptwalk: 42 passed, 1 failed, 31 skipped')

	def test_summary_table_has_the_cell(self) -> None:
		o = kunit('kunit-6.12-um', cell='6.12:um')
		text = report.summary([o], pm.load_matrix())
		self.assertRegex(text, r'6\.12\s+um\s+-\s+-\s+-\s+42\s+0\s+31\s+-\s+-\s+-')
		self.assertTrue(text.endswith('ptwalk: 42 passed, 0 failed, 31 skipped'))

	def test_doc_names(self) -> None:
		o = kunit('kunit-6.12-um')
		self.assertIn('ptwalk_walker.ptwalk_test_matches_reference', report.doc_names([o]))


# ---- the tree: install, lock, stale objects --------------------------------

def facts(version: Tuple[int, int], **macros: Any) -> resolve.TreeFacts:
	"""Facts of a tree that is not there: every macro answered here."""
	f = resolve.TreeFacts('/nonexistent', version)
	f._macros.update(macros)
	return f


SHIM = """\
/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _PTWALK_SHIM_H
#define _PTWALK_SHIM_H

#include <linux/mm.h>
#include <linux/version.h>

#define PTWALK_KERNEL_AT_LEAST(major, minor) \\
	(KERNEL_VERSION(major, minor, 0) <= LINUX_VERSION_CODE)

/* p4dp_get() (6.12); READ_ONCE() before. */
#if PTWALK_KERNEL_AT_LEAST(6, 12)
#define ptwalk_p4dp_get(p)	p4dp_get(p)
#else
#define ptwalk_p4dp_get(p)	READ_ONCE(*(p))
#endif

#if defined(pud_pfn) || defined(CONFIG_S390)
#define ptwalk_pud_pfn(pud)	pud_pfn(pud)
#endif

#ifndef KUNIT_CASE_SLOW
#define KUNIT_CASE_SLOW(name)	KUNIT_CASE(name)
#endif

#if PTWALK_KERNEL_AT_LEAST(6, 10)
#define PTWALK_HAVE_USER_MM	1
#else
#define PTWALK_HAVE_USER_MM	0
#endif

#endif /* _PTWALK_SHIM_H */
"""


class ResolveTest(unittest.TestCase):
	"""The version shims resolved for one tree (ptwalk_resolve.py)."""

	def split(self, f: resolve.TreeFacts) -> Tuple[Any, Any, str]:
		return resolve.split_shim(resolve.resolve_conditionals(SHIM, f))

	def test_new_tree_leaves_only_aliases(self) -> None:
		aliases, constants, rest = self.split(facts((6, 12), pud_pfn=True, KUNIT_CASE_SLOW=True))
		self.assertEqual(aliases['ptwalk_p4dp_get'].body, 'p4dp_get(p)')
		self.assertEqual(aliases['ptwalk_pud_pfn'].body, 'pud_pfn(pud)')
		self.assertNotIn('KUNIT_CASE_SLOW', aliases)
		self.assertEqual(constants, {'PTWALK_HAVE_USER_MM': '1'})
		self.assertEqual(rest, '')

	def test_old_tree_keeps_what_the_build_decides(self) -> None:
		aliases, constants, rest = self.split(facts((6, 1), pud_pfn=None, KUNIT_CASE_SLOW=False))
		self.assertEqual(aliases['ptwalk_p4dp_get'].body, 'READ_ONCE(*(p))')
		self.assertEqual(aliases['KUNIT_CASE_SLOW'].body, 'KUNIT_CASE(name)')
		self.assertNotIn('ptwalk_pud_pfn', aliases)
		self.assertIn('#if defined(pud_pfn) || defined(CONFIG_S390)', rest)
		self.assertEqual(constants, {'PTWALK_HAVE_USER_MM': '0'})
		self.assertNotIn('LINUX_VERSION_CODE', rest)

	def test_partial_evaluation(self) -> None:
		f = facts((6, 1), pud_pfn=None)
		self.assertEqual(resolve.evaluate('defined(pud_pfn) || PTWALK_KERNEL_AT_LEAST(6, 12)', {}, f),
				 'defined(pud_pfn)')
		self.assertIs(resolve.evaluate('!defined(X) && PTWALK_KERNEL_AT_LEAST(6, 1)', {}, facts((6, 1), X=False)), True)
		self.assertEqual(resolve.evaluate('defined(CONFIG_A) && !defined(CONFIG_B)', {}, f),
				 'defined(CONFIG_A) && !defined(CONFIG_B)')

	def test_write_out_realigns_and_substitutes(self) -> None:
		aliases = {'ptwalk_skip': resolve.Alias(['test', 'fmt', '...'], 'kunit_skip(test, fmt, ##__VA_ARGS__)'),
			   'ptwalk_get': resolve.Alias(['p'], 'READ_ONCE(*(p))')}
		text = ('\t\tptwalk_skip(test, "a (b) %d",\n\t\t\t    n);\n'
			'\tx = ptwalk_get(p + 1);\n')
		self.assertEqual(resolve.write_out(text, aliases, {}),
				 '\t\tkunit_skip(test, "a (b) %d",\n\t\t\t   n);\n'
				 '\tx = READ_ONCE(*(p + 1));\n')

	def test_constant_ifs_fold(self) -> None:
		text = ('\tint a;\n\n\tif (!HAVE)\n\t\tskip(test,\n\t\t     "why");\n\ta = 1;\n')
		self.assertEqual(resolve.write_out(text, {}, {'HAVE': '1'}), '\tint a;\n\n\ta = 1;\n')
		self.assertEqual(resolve.write_out(text, {}, {'HAVE': '0'}),
				 '\tint a;\n\n\tskip(test,\n\t     "why");\n\ta = 1;\n')

	def test_makefile_probe_is_read_and_dropped(self) -> None:
		mk = ('obj-y += a.o\n\n# why\nifneq ($(shell grep -s sym $(srctree)/include/linux/x.h),)\n'
		      'ccflags-y += -DHAVE_SYM\nendif\n')
		self.assertEqual(resolve.makefile_probes(mk), [('sym', 'include/linux/x.h', 'HAVE_SYM')])
		self.assertEqual(resolve.drop_probes(mk), 'obj-y += a.o\n')


class SeriesTest(unittest.TestCase):
	"""How the series splits ptwalk's files into patches (ptwalk_series.py)."""

	def test_step_files_follow_the_units(self) -> None:
		resolved = {'Kconfig': '# SPDX\n\nconfig PTWALK\n\tbool\n\nconfig PTWALK_DEBUGFS\n\tbool "d"\n',
			    'Makefile': '# SPDX\n\nobj-$(CONFIG_PTWALK) += ptwalk.o\n'
					'obj-$(CONFIG_PTWALK_DEBUGFS) += \\\n\t\tptwalk_debugfs.o\n',
			    'ptwalk.c': 'w', 'ptwalk.h': 'h', 'ptwalk_arch.h': 'a', 'ptwalk_debugfs.c': 'd'}
		first = series.kernel_step_files(resolved, series.SERIES[:1])
		self.assertEqual(first['Kconfig'], '# SPDX\n\nconfig PTWALK\n\tbool\n')
		self.assertEqual(first['Makefile'], '# SPDX\n\nobj-$(CONFIG_PTWALK) += ptwalk.o\n')
		self.assertNotIn('ptwalk_debugfs.c', first)
		second = series.kernel_step_files(resolved, series.SERIES[:2])
		self.assertIn('\t\tptwalk_debugfs.o', second['Makefile'])
		self.assertIn('ptwalk_debugfs.c', second)

	def _selftests_tree(self, root: str, d: str, script: str) -> str:
		"""A tree with only what selftests_edits() edits in selftests/@d."""
		home = os.path.join(root, 'tools/testing/selftests', d)
		os.makedirs(home)
		files = {'Makefile': 'TEST_GEN_FILES += cow\n\ninclude ../lib.mk\n\n$(TEST_GEN_FILES): vm_util.c\n',
			 'run_vmtests.sh': script, 'config': 'CONFIG_TRANSPARENT_HUGEPAGE=y\n',
			 '.gitignore': 'cow\n'}
		for name, text in files.items():
			with open(os.path.join(home, name), 'w') as f:
				f.write(text)
		return home

	def test_selftests_join_run_vmtests_pagemap_category(self) -> None:
		mm_script = ('- pagemap\n\ttest pagemap_scan IOCTL\n- cow\n'
			     'CATEGORY="pagemap" run_test ./pagemap_ioctl\n\nCATEGORY="cow" run_test ./cow\n')
		with open(os.path.join(pm.TOP, 'selftests', 'Makefile')) as f:
			build = series.selftests_build(f.read())
		self.assertIn('pagemap_low_bits', build.programs)
		self.assertIn('pagemap.c', build.helpers)
		self.assertIn('-D_FILE_OFFSET_BITS=64', build.defines)
		with tempfile.TemporaryDirectory() as root:
			home_dir = self._selftests_tree(root, 'mm', mm_script)
			home = series.selftests_home(root)
			self.assertEqual(home, MM_HOME)
			for e in series.selftests_edits(root, home):
				series.apply_edit(root, e)
			with open(os.path.join(home_dir, 'Makefile')) as f:
				mk = f.read()
			with open(os.path.join(home_dir, 'run_vmtests.sh')) as f:
				script = f.read()
			with open(os.path.join(home_dir, 'config')) as f:
				config = f.read().splitlines()
			with open(os.path.join(home_dir, '.gitignore')) as f:
				ignored = f.read().split()
		# The programs are TEST_GEN_FILES before lib.mk reads them; their
		# helpers and flags after it, where $(OUTPUT) is set.
		before, _, after = mk.partition('include ../lib.mk')
		self.assertIn('TEST_GEN_FILES += $(PTWALK_PROGS)', before)
		self.assertEqual([l.split()[-1] for l in before.splitlines() if l.startswith('PTWALK_PROGS')],
				 list(build.programs))
		self.assertIn('$(PTWALK_PROGS:%=$(OUTPUT)/%): ' + ' '.join(build.helpers), after)
		self.assertEqual(series.category_programs(script, 'pagemap'),
				 ['pagemap_ioctl'] + list(build.programs))
		self.assertIn("\ttest pagemap_scan IOCTL\n\tand pagemap", script)
		self.assertEqual(config.count('CONFIG_TRANSPARENT_HUGEPAGE=y'), 1)
		self.assertIn('CONFIG_PTWALK_DEBUGFS=y', config)
		self.assertEqual(ignored, ['cow'] + list(build.programs))
		self.assertIn('-t pagemap', home.run)

	def test_selftests_before_categories_run_after_the_last_test(self) -> None:
		with tempfile.TemporaryDirectory() as root:
			home_dir = self._selftests_tree(root, 'vm', 'run_test ./soft-dirty\n\nexit $exitcode\n')
			home = series.selftests_home(root)
			self.assertEqual(home, VM_HOME)
			for e in series.selftests_edits(root, home):
				series.apply_edit(root, e)
			with open(os.path.join(home_dir, 'run_vmtests.sh')) as f:
				script = f.read()
		runs = re.findall(r'^run_test \./(\S+)$', script, re.M)
		self.assertEqual(runs[0], 'soft-dirty')
		self.assertIn('pagemap_low_bits', runs)
		self.assertTrue(script.rstrip().endswith('exit $exitcode'))
		self.assertNotIn(' -t ', home.run)

	def test_where_run_vmtests_cannot_run_each_program_runs_alone(self) -> None:
		"""A container's read-only /proc/sys: run_vmtests.sh says "Please
		run this test as root" and skips before any test."""
		calls = []

		def run(check: str, cmd: list, timeout: float = 0) -> Tuple[int, str]:
			calls.append(cmd[-1])
			if 'run_vmtests.sh' in cmd[-1]:
				return 4, 'Please run this test as root\n'
			totals = '# Totals: pass:1 fail:0 xfail:0 xpass:0 skip:0 error:0\n'
			return (4 if cmd[-1].endswith('./b') else 0), totals
		c = mock.Mock(repo='/r', run=run, s=mock.Mock(tree=mock.Mock(name='6.12')))
		said = series.run_vmtests(c, MM_HOME, ['a', 'b'])
		self.assertEqual(len(calls), 3)
		results = series.vmtests_results(said)
		self.assertEqual(results['a'], series.ProgramResult('ok', 1, 0, 0))
		self.assertEqual(results['b'].line, 'skip')

	def test_selftests_gitignore_names_every_program(self) -> None:
		with open(os.path.join(pm.TOP, 'selftests', 'Makefile')) as f:
			programs = series.selftests_build(f.read()).programs
		with open(os.path.join(pm.TOP, 'selftests', '.gitignore')) as f:
			self.assertEqual(sorted(f.read().split()), sorted(programs))

	def test_run_vmtests_results_and_totals(self) -> None:
		said = data('run_vmtests-6.12-pagemap.tap')
		results = series.vmtests_results(said)
		self.assertEqual(len(results), 11)
		self.assertEqual(results['pagemap_low_bits'], series.ProgramResult('ok', 8, 0, 4))
		self.assertEqual(results['pagemap_ioctl'].line, 'ok')
		# A program's own TAP ('# '-prefixed) is not a program's result.
		self.assertNotIn('hugetlb.smallest.low_bits', results)
		broken = said.replace('ok 4 pagemap_cow', 'not ok 4 pagemap_cow # exit=1')
		self.assertEqual(series.vmtests_results(broken)['pagemap_cow'].line,
				 'not ok 4 pagemap_cow # exit=1')

	def test_pages_point_kernel_doc_at_the_tree_and_drop_figures(self) -> None:
		rst = 'A\n\n.. kernel-doc:: kunit/ptwalk.h\n\n.. figure:: images/x.svg\n\n   caption\n   more\n\nB\n'
		self.assertEqual(series.tree_page(rst), 'A\n\n.. kernel-doc:: mm/ptwalk/ptwalk.h\n\nB\n')

	def test_a_kunit_run_passes_only_if_it_ran_tests(self) -> None:
		checker = mock.Mock()
		checker.s.tree.name = '6.12'
		cases = []
		checker.case.side_effect = lambda suite, name, problem: cases.append(problem)
		with mock.patch.object(series, 'info'):
			series.kunit_run_case(checker, 'r', 0, '[x] Testing complete. Ran 63 tests: passed: 63\n')
			series.kunit_run_case(checker, 'r', 0, '[x] Testing complete. Ran 0 tests: \n')
			series.kunit_run_case(checker, 'r', 0, 'no summary\n')
			series.kunit_run_case(checker, 'r', 1, '[x] Testing complete. Ran 3 tests: failed: 1\n')
		self.assertEqual(cases[0], '')
		self.assertEqual(cases[1], 'kunit.py ran no test')
		self.assertIn('no "Testing complete"', cases[2])
		self.assertIn('kunit.py run exited 1', cases[3])

	def test_the_tree_gets_the_pages_true_inside_it(self) -> None:
		pages = series.docs_files()
		self.assertEqual(sorted(pages), sorted(series.TREE_DOCS))
		listed = re.findall(r'^   ([\w-]+)$', pages['index.rst'], re.M)
		self.assertEqual(sorted(f'{p}.rst' for p in listed),
				 sorted(set(series.TREE_DOCS) - {'index.rst'}))
		self.assertNotIn('pagemap-walk-test', pages['tests.rst'])
		self.assertIn('pagemap_mmu:mmu.fork', pages['tests.rst'])
		# No page of the tree points at a page it lacks.
		for name, text in pages.items():
			for target in re.findall(r':doc:`([\w-]+)`', text):
				self.assertIn(f'{target}.rst', series.TREE_DOCS, f'{name}: :doc:`{target}`')

	def test_carried_pages_speak_of_the_tree_only(self) -> None:
		"""A tree has no ptwalk runner, matrix, cache or results pages."""
		ours = re.compile(r'config/|tools/ptwalk|make (check|run|patch|kunit|guest)\b|'
				  r'results\.rst|running\.rst|PTWALK_CACHE|\.cache/')
		for name, text in series.docs_files().items():
			for line in text.splitlines():
				self.assertIsNone(ours.search(line), f'{name}: {line}')

	def test_maintainers_entry_order(self) -> None:
		self.assertEqual(series.maintainers_entry(['F:\tmm/b', 'S:\tMaintained', 'F:\tDoc/', 'L:\tl'], 'N <e>'),
				 [series.MAINTAINERS_TITLE, 'M:\tN <e>', 'L:\tl', 'S:\tMaintained', 'F:\tDoc/', 'F:\tmm/b'])


	def test_series_packages_have_every_program_the_checks_run(self) -> None:
		group = pt.PACKAGE_GROUPS['series']
		for p in series.SERIES_PROGRAMS:
			self.assertIn(pt.PROGRAMS[p], group, f'{p} is in no package the series installs')
		for m in series.SERIES_MODULES:
			self.assertIn(pt.PYTHON_MODULES[m], group, f'python3 module {m}')

	def test_a_program_the_log_says_is_missing_is_named_by_its_package(self) -> None:
		said = data('spatch-no-ocaml.log')
		self.assertEqual(pt.named_package(said), 'ocaml')
		self.assertIn('ocaml', pt.PACKAGE_GROUPS['series'])
		self.assertIn('ocamlopt', series.SERIES_PROGRAMS)
		problem = series._problem(2, said + 'coccicheck failed\n', 'coccicheck')
		self.assertIn('install Debian package ocaml)', problem)
		self.assertEqual(problem.count('\n'), 0)
		self.assertEqual(pt.named_package("ModuleNotFoundError: No module named 'git'"),
				 'python3-git')
		self.assertIsNone(pt.named_package(said.replace('No OCaml compiler found', 'x')))

	def test_the_series_installs_what_spatch_and_kunit_py_load(self) -> None:
		"""A Debian 12 container (the workflow's series job) lacked
		libpython3.11.so, which spatch loads, and qemu-system-x86_64,
		which kunit.py --arch=x86_64 starts."""
		said = data('coccicheck-no-libpython.log')
		self.assertEqual(pt.named_package(said), 'libpython3-dev')
		self.assertIn('libpython3-dev', pt.PACKAGE_GROUPS['series'])
		packages = ptwalk_script().arch_packages(pm.load_matrix(), ('um', 'x86_64'))
		self.assertIn('qemu-system-x86', packages)
		self.assertIn('qemu-system-data', packages)	# kunit.py boots it with qboot.rom

	def test_missing_checkers_name_their_packages(self) -> None:
		with mock.patch('shutil.which', side_effect=lambda p: None if p == 'ocamlopt' else '/bin/' + p):
			missing = pt.missing_tools(series.SERIES_PROGRAMS)
		self.assertEqual(missing, ['ocamlopt (Debian package ocaml)'])

	def test_the_cover_letter_gives_the_runs_of_its_kernel(self) -> None:
		um = pr.Outcome('kunit-6.12-um', 'kunit', '6.12:um',
				cases=[pr.Case('s', 'a', pr.PASS), pr.Case('s', 'b', pr.SKIP, 'why')])
		other = pr.Outcome('kunit-6.1-um', 'kunit', '6.1:um', cases=[pr.Case('s', 'a', pr.PASS)])
		host = pr.Outcome('selftests-host', 'selftests', '', cases=[pr.Case('p', 'x', pr.FAIL)])
		lines = report.cover_lines([other, um, host], '6.12')
		self.assertEqual(lines, ['  6.12:um                  kunit     1 passed, 0 failed, 1 skipped'])
		letter = series.cover_letter(pt.Tree('/t', '6.12', '6.12'), lines, MM_HOME)
		self.assertIn(lines[0], letter)
		red = pr.Outcome('kunit-6.12-x86_64', 'kunit', '6.12:x86_64', problems=['build failed'])
		self.assertEqual(report.cover_lines([um, red], '6.12'), [])
		unrun = series.cover_letter(pt.Tree('/t', '6.12', '6.12'), [], MM_HOME)
		self.assertIn('It has not been run yet', unrun)
		# checkpatch: at most 75 characters a line, the longest cell and kind too.
		longest = pr.Outcome('selftests-6.12-arm64-16k-va52-nolva', 'selftests',
				     '6.12:arm64-16k-va52-nolva', cases=[pr.Case('s', 'a', pr.PASS)] * 999)
		for text in (letter, unrun, series.cover_letter(pt.Tree('/t', '6.12', '6.12'),
								report.cover_lines([longest], '6.12'), VM_HOME)):
			self.assertEqual([l for l in text.splitlines() if len(l) > 75], [])

	def test_the_units_carry_exactly_what_kunit_builds(self) -> None:
		"""kunit/'s Makefile, Kconfig and files against SERIES: each object
		is built under the symbol of the unit that carries its source, each
		symbol is one unit's, each file is in one unit (compat headers are
		resolved away)."""
		with open(os.path.join(pt.KUNIT_SRC, 'Makefile')) as f:
			_, objlines = series.makefile_lines(f.read())
		with open(os.path.join(pt.KUNIT_SRC, 'Kconfig')) as f:
			_, blocks = series.kconfig_blocks(f.read())
		unit_of = {sym: u for u in series.SERIES for sym in u.symbols}
		self.assertEqual(set(blocks), set(unit_of), 'Kconfig symbols and the units\' symbols')
		carried = [f for u in series.SERIES for f in u.kernel_files]
		self.assertEqual(len(carried), len(set(carried)), 'a file in two units')
		for o in objlines:
			since = series.SERIES.index(unit_of[o.symbol])
			later = [f for u in series.SERIES[since:] for f in u.kernel_files]
			for obj in o.objects:
				self.assertIn(f'{obj}.c', later,
					      f'{obj}.c comes before CONFIG_{o.symbol}, which builds it')
		# Each suite's object comes with its patch: none is left out of
		# every step, and a step's Makefile builds only what it carries.
		resolved = {f: '' for f in carried}
		with open(os.path.join(pt.KUNIT_SRC, 'Makefile')) as f:
			resolved['Makefile'] = f.read()
		with open(os.path.join(pt.KUNIT_SRC, 'Kconfig')) as f:
			resolved['Kconfig'] = f.read()
		last = series.kernel_step_files(resolved, series.SERIES)['Makefile']
		self.assertEqual(sorted(re.findall(r'([\w/]+)\.o\b', last)),
				 sorted(o for ol in objlines for o in ol.objects))
		files = set(pt.kunit_files(pt.KUNIT_SRC)) - {'Kconfig', 'Makefile', 'compat.h',
							      'tests/compat_kunit.h'}
		self.assertEqual(files, set(carried), 'kunit/ files and the units\' files')

	@unittest.skipIf(shutil.which('git') is None, 'no git')
	def test_bisect_builds_the_patches_that_change_mm_and_names_the_others(self) -> None:
		with tempfile.TemporaryDirectory() as repo:
			git = ['git', '-C', repo, '-c', 'user.name=U', '-c', 'user.email=u@e']
			subprocess.run(git + ['init', '-q'], check=True)
			commits = []
			for files in (('mm/ptwalk/a.c',), ('tools/testing/selftests/mm/b.c', 'MAINTAINERS')):
				for f in files:
					os.makedirs(os.path.join(repo, os.path.dirname(f)), exist_ok=True)
					with open(os.path.join(repo, f), 'w') as out:
						out.write('x\n')
				subprocess.run(git + ['add', '-A'], check=True)
				subprocess.run(git + ['commit', '-q', '-m', files[0]], check=True)
				commits.append(subprocess.run(git + ['rev-parse', 'HEAD'], capture_output=True,
							      text=True, check=True).stdout.strip())
			subprocess.run(git + ['branch', 'ptwalk-am'], check=True)
			c = mock.Mock(repo=repo, out=pr.Outcome('series-6.12', 'series'))
			c.kunit.return_value = c.run.return_value = (0, '')
			c.case.side_effect = lambda suite, name, problem: c.out.cases.append(
				pr.Case(suite, name, pr.FAIL if problem else pr.PASS, problem))
			with mock.patch.object(series, 'kunitconfig_at', return_value='k'):
				series.check_bisect(c, commits)
		self.assertEqual([(x.name, x.status, x.reason) for x in c.out.cases],
				 [('patch 1', pr.PASS, ''),
				  ('patch 2', pr.SKIP, 'nothing under mm/ to build: MAINTAINERS, '
				   'tools/testing/selftests/mm')])
		self.assertEqual(c.kunit.call_count, 1)

	def test_sparse_reports_the_kernel_walker_shares_are_the_apis(self) -> None:
		said, control = data('sparse-6.12-ptwalk.log'), data('sparse-6.12-pagewalk.log')
		own, api = series.sparse_split(said, control)
		self.assertEqual(own, [])
		self.assertEqual(len(api), 1)
		self.assertIn("ptwalk.c:247:31: warning: context imbalance in 'walk_pte'", api[0])
		# Without the control's report of that kind, it is ptwalk's own.
		own, api = series.sparse_split(said, control.replace('unexpected unlock', 'x'))
		self.assertEqual((len(own), api), (1, []))
		# A report of another kind is ptwalk's whatever the control says.
		other = said + '/t/mm/ptwalk/ptwalk.c:9:1: warning: incorrect type in argument 1\n'
		self.assertEqual(len(series.sparse_split(other, control)[0]), 1)


class TestsRstTest(unittest.TestCase):
	"""Documentation/tests.rst against the sources, without a run: every
	KUnit case and kselftest test it names exists, and every one is named."""
	TOP = pm.TOP
	PROGRAMS = ('selftests/*.c', 'tools/pagemap-walk/pagemap-walk-test.c',
		    'tools/pagemap-walk/pagemap-walk-oracle.c')

	def source_names(self, plant: str = '') -> set:
		names = set()
		for path in glob.glob(os.path.join(self.TOP, 'kunit', 'tests', '*_kunit.c')):
			with open(path) as f:
				names |= report.kunit_source_names(f.read())
		for pattern in self.PROGRAMS:
			for path in glob.glob(os.path.join(self.TOP, pattern)):
				with open(path) as f:
					text = f.read()
				program = os.path.basename(path)[:-2]
				names |= report.selftest_source_names(program, text + (
					plant if program == 'hugetlb_pool' else ''))
		return names

	def documented(self) -> set:
		with open(os.path.join(self.TOP, 'Documentation', 'tests.rst')) as f:
			return report.documented_names(f.read())

	def test_tests_rst_names_exactly_the_tests_in_the_sources(self) -> None:
		names, documented = self.source_names(), self.documented()
		self.assertGreater(len(names), 90)
		self.assertEqual(sorted(names - documented), [], 'not in tests.rst')
		self.assertEqual(sorted(documented - names), [], 'in tests.rst, not in the sources')

	def test_a_test_added_without_its_description_is_caught(self) -> None:
		planted = self.source_names('\nTEST_F(hugetlb_pool, undocumented)\n{\n}\n')
		self.assertEqual(planted - self.documented(), {'hugetlb_pool:hugetlb_pool.undocumented'})

	def test_kunit_names_come_from_the_suite_and_its_case_array(self) -> None:
		c = ('static struct kunit_case my_cases[] = {\n\tKUNIT_CASE(t_a),\n'
		     '\tKUNIT_CASE_PARAM(t_b, gen_params),\n\tKUNIT_CASE_SLOW(t_c),\n\t{}\n};\n\n'
		     'static struct kunit_suite my_suite = {\n\t.name = "mine",\n'
		     '\t.test_cases = my_cases,\n};\n')
		self.assertEqual(report.kunit_source_names(c), {'mine.t_a', 'mine.t_b', 'mine.t_c'})


class CommandsDocTest(unittest.TestCase):
	"""The commands as the Makefile, make help and running.rst name them,
	against what defines them."""
	TOP = pm.TOP

	def read(self, *path: str) -> str:
		with open(os.path.join(self.TOP, *path)) as f:
			return f.read()

	def test_running_rst_lists_every_subcommand(self) -> None:
		rst = ' '.join(self.read('Documentation', 'running.rst').split())
		listed = re.search(r'lists its subcommands \((.*?)\)\.', rst)
		assert listed
		self.assertEqual(re.findall(r'``([\w-]+)``', listed.group(1)), ptwalk_script().subcommands())

	def test_running_rst_describes_every_module(self) -> None:
		described = set(re.findall(r'^``(ptwalk_\w+\.py)``$', self.read('Documentation', 'running.rst'),
					   re.M))
		modules = {os.path.basename(p) for p in glob.glob(os.path.join(self.TOP, 'tools', 'ptwalk', 'ptwalk_*.py'))}
		self.assertEqual(described, modules - {'ptwalk_test.py'})

	def test_make_help_names_every_target(self) -> None:
		mk = self.read('Makefile')
		phony = set(re.search(r'^\.PHONY:(.*?)(?<!\\)$', mk, re.M | re.S).group(1)  # type: ignore
			    .replace('\\\n', ' ').split())
		help_text = subprocess.run(['make', '-s', '-C', self.TOP, 'help'], capture_output=True,
					   text=True, check=True).stdout
		headed = set(re.findall(r'^  ([\w-]+) ', help_text, re.M))
		self.assertEqual(headed - phony, set(), 'make help names targets the Makefile lacks')
		self.assertEqual({t for t in phony - {'help'} if not re.search(rf'\b{t}\b', help_text)},
				 set(), 'targets make help does not name')


def kunit_info_line(c_source: str, case: str, marker: str) -> str:
	"""The log line of the kunit_info() in @c_source whose format has
	@marker, as KUnit prints it from @case, its conversions filled in."""
	fmt = re.search(r'kunit_info\(test,\s*"([^"]*' + re.escape(marker) + r'[^"]*)"', c_source)
	assert fmt, f'no kunit_info() with {marker!r}'
	text = re.sub(r'%[#0-9.]*l{0,2}[dux]', '2', fmt.group(1)).replace('%s', 'pmd')
	return f'    # {case}: {text.removesuffix(chr(92) + "n")}'


def guest_lines(init: str) -> str:
	"""What config/guest/init's echo lines print, each expansion as '2'."""
	lines = []
	for m in re.finditer(r'echo "(ptwalk-guest: .*)"', init):
		text = m.group(1)
		while '$(' in text:
			text = re.sub(r'\$\(\(?[^()]*\)?\)', '2', text)
		lines.append(re.sub(r'\$\{?\w+\}?', '2', text))
	return '\n'.join(lines)


class ProducersTest(unittest.TestCase):
	"""Every pattern ptwalk_results.py reads out of ptwalk's own output
	matches the string in kunit/ or config/guest/init that prints it."""
	TOP = pm.TOP
	KUNIT = ((pr._GEOMETRY_RE, 'tests/walker_kunit.c', 'ptwalk_test_geometry', 'levels in use='),
		 (pr._LEAF_RE, 'tests/leaf_kunit.c', 'ptwalk_test_direct_map_leaf', ' leaf of %lu KiB at'))

	def read(self, *path: str) -> str:
		with open(os.path.join(self.TOP, *path)) as f:
			return f.read()

	def test_kunit_patterns_match_their_kunit_info(self) -> None:
		for regex, file, case, marker in self.KUNIT:
			with self.subTest(file=file):
				line = kunit_info_line(self.read('kunit', file), case, marker)
				self.assertRegex(line, regex)

	def test_the_allocation_skip_is_test_utils(self) -> None:
		self.assertIn(f'ptwalk_skip(test, "{pr.ALLOC_SKIP}%s"', self.read('kunit', 'tests', 'test_util.c'))

	def test_a_changed_kunit_info_is_caught(self) -> None:
		source = self.read('kunit', 'tests', 'walker_kunit.c').replace('levels in use=', 'levels used=')
		line = kunit_info_line(source, 'ptwalk_test_geometry', 'levels used=')
		self.assertNotRegex(line, pr._GEOMETRY_RE)

	def test_the_mmu_flag_is_the_witness_programs(self) -> None:
		# The guest's programs publish only when booted with the flag the
		# host adds: a mismatch would leave the MMU nothing to check.
		header = self.read('selftests', 'mmu_witness.h')
		self.assertIn(f'#define MMU_CMDLINE_FLAG\t"{mmu.KERNEL_FLAG}"', header)

	def test_guest_patterns_match_its_init(self) -> None:
		printed = guest_lines(self.read('config', 'guest', 'init'))
		for regex in (pr.GUEST_DONE_RE, pr._FAULTS_SKIPPED_RE, pr._FAULTS_FAILED_RE):
			self.assertRegex(printed, regex)
		for marker in (pr.FAULTS_BEGIN, pr.FAULTS_END, pr.KMEMLEAK_BEGIN, pr.KMEMLEAK_END,
			       pr.KMEMLEAK_FAILED):
			self.assertIn(marker, printed.split('\n'))
		self.assertNotRegex(printed.replace('selftests done', 'selftests finished'),
				    pr.GUEST_DONE_RE)


class HostStateTest(unittest.TestCase):
	"""make host-state's judgement of a kill step (ptwalk_hoststate.py)."""

	def test_a_kill_is_one_strace_injected(self) -> None:
		self.assertTrue(hoststate.killed_by_injection(data('strace-kill-rename.log'), 'rename'))
		self.assertFalse(hoststate.killed_by_injection(data('strace-kill-rename.log'), 'unlink'))
		# The test's own raise(SIGKILL) is not a kill of the step.
		self.assertFalse(hoststate.killed_by_injection(data('strace-no-kill-unlink.log'), 'unlink'))

	def test_settings_are_read_and_compared_per_file(self) -> None:
		with tempfile.TemporaryDirectory() as mm:
			pool = os.path.join(mm, 'hugepages', 'hugepages-2048kB')
			thp = os.path.join(mm, 'transparent_hugepage', 'hugepages-64kB')
			os.makedirs(pool)
			os.makedirs(thp)
			for path, value in ((os.path.join(pool, 'nr_hugepages'), '4\n'),
					    (os.path.join(pool, 'surplus_hugepages'), '4\n'),
					    (os.path.join(pool, 'nr_overcommit_hugepages'), '8\n'),
					    (os.path.join(mm, 'transparent_hugepage', 'enabled'),
					     'always [madvise] never\n'),
					    (os.path.join(thp, 'enabled'), 'always [inherit] madvise never\n')):
				with open(path, 'w') as f:
					f.write(value)
			records = os.path.join(mm, 'records')
			before = hoststate.host_settings(mm, (records,))
			self.assertEqual(len(before), 5)
			self.assertEqual(before[os.path.join(pool, 'surplus_hugepages')], '4')
			with open(os.path.join(pool, 'surplus_hugepages'), 'w') as f:
				f.write('0\n')
			os.makedirs(records)
			after = hoststate.host_settings(mm, (records,))
			self.assertEqual(hoststate.settings_diff(before, after),
					 [f'{pool}/surplus_hugepages: 4 -> 0', f'{records}: absent -> left: '])
			self.assertEqual(hoststate.settings_diff(after, after), [])

	def test_a_next_run_that_fails_is_seen(self) -> None:
		tap = data('selftests-host-6.18.tap')
		self.assertEqual(hoststate.failed_tests(tap), [])
		broken = tap.replace('ok 1 ', 'not ok 1 ', 1)
		self.assertEqual(len(hoststate.failed_tests(broken)), 1)


def ptwalk_script() -> Any:
	"""tools/ptwalk/ptwalk.py, the command, as a module."""
	return importlib.import_module('ptwalk')


class MutantTest(unittest.TestCase):
	"""The planted bugs of make mutants and make series-mutants still plant
	into today's kunit/: a mutant that no longer applies proves nothing."""

	def test_every_mutant_applies_once(self) -> None:
		cmd = ptwalk_script()
		for m in cmd.MUTANTS + cmd.SERIES_MUTANTS:
			with self.subTest(mutant=m.name):
				with open(os.path.join(pt.KUNIT_SRC, m.file)) as f:
					self.assertEqual(f.read().count(m.good), 1)


class WorkflowTest(unittest.TestCase):
	"""The workflow as make ci-containers reads it: the jobs and steps GitHub
	would run, the job matrix's fields they use."""
	def setUp(self) -> None:
		with open(containers.WORKFLOW) as f:
			self.jobs = containers.workflow_jobs(containers.parse_yaml(f.read()))

	def test_every_job_is_a_debian_12_container(self) -> None:
		self.assertEqual(set(self.jobs), {'cells', 'static', 'selftests', 'series', 'build',
						  'docs-check'})
		for job in self.jobs.values():
			self.assertEqual(job.image, 'debian:12', job.name)
		self.assertEqual(self.jobs['selftests'].options, ['--privileged'])

	def test_git_comes_before_the_checkout(self) -> None:
		# Else actions/checkout downloads an archive without .git, and
		# the series' steps (git am) and make patch need a repository.
		for name in ('static', 'selftests', 'series', 'build'):
			steps = self.jobs[name].steps
			at = next(i for i, s in enumerate(steps)
				  if s.get('uses', '').startswith('actions/checkout'))
			self.assertIn(' git ', steps[at - 1].get('run', ''), name)

	def test_the_checkout_is_a_repository_where_git_came_first(self) -> None:
		self.assertTrue(containers.git_before_checkout(self.jobs['series']))
		self.assertFalse(containers.git_before_checkout(self.jobs['cells']))

	def test_build_steps_use_the_fields_make_cells_gives(self) -> None:
		entry = pm.builds_json(pm.load_matrix())[0]
		steps = self.jobs['build'].steps
		run_steps = [s for s in steps if 'run' in s]
		for step in run_steps:
			containers.expand(step['run'], entry)	# raises on a field it has no value for
		gating = next(s for s in steps if s.get('name') == 'gating cells')
		self.assertEqual(containers.step_runs(gating, entry, True), entry['gating'] != '')
		self.assertIn(entry['gating'] or 'nothing', containers.expand(gating['run'], entry)
			      if entry['gating'] else 'nothing')
		upload = next(s for s in steps if s.get('uses', '').startswith('actions/upload'))
		self.assertTrue(containers.step_runs(upload, entry, False))

	def test_every_plant_applies_once_to_its_job(self) -> None:
		for p in containers.PLANTS:
			with self.subTest(plant=p.name):
				with open(os.path.join(pm.TOP, p.file)) as f:
					self.assertEqual(f.read().count(p.good), 1)
				self.assertIn(p.job, self.jobs)
				if p.job == 'build':
					builds = [e['build'] for e in pm.builds_json(pm.load_matrix())]
					self.assertIn(p.build, builds)

	def test_a_plant_is_caught_only_by_a_red_job_that_says_why(self) -> None:
		p = containers.PLANTS[0]
		with tempfile.TemporaryDirectory() as d:
			log = os.path.join(d, 'job.log')
			with open(log, 'w') as f:
				f.write(f'UML: {p.says}\n')
			quiet = os.path.join(d, 'quiet.log')
			with open(quiet, 'w') as f:
				f.write('red for another reason\n')

			def verdict(ok: bool, places: list) -> str:
				return containers.planted_case(p, 'build', ok, 'step', 1.0, places).status
			self.assertEqual(verdict(False, [log]), pr.PASS)
			self.assertEqual(verdict(False, [d]), pr.PASS)	# in a file of results/
			self.assertEqual(verdict(False, [quiet]), pr.FAIL)
			self.assertEqual(verdict(True, [log]), pr.FAIL)

	def test_the_cells_job_must_output_the_job_matrix(self) -> None:
		want = {'include': pm.builds_json(pm.load_matrix())}
		self.assertTrue(containers.cells_output(f'x=1\nmatrix={json.dumps(want)}\n')[0])
		self.assertFalse(containers.cells_output('matrix=\n')[0])	# make failed, echo did not
		want['include'] = want['include'][1:]
		self.assertFalse(containers.cells_output(f'matrix={json.dumps(want)}\n')[0])

	def test_the_yaml_subset(self) -> None:
		doc = containers.parse_yaml('a: 1  # c\nb:\n  - x: "q # not a comment"\n'
					    '    y: [m, n]\n  - plain\nc: |\n  l1\n    l2\n')
		self.assertEqual(doc, {'a': '1', 'b': [{'x': 'q # not a comment', 'y': ['m', 'n']},
						       'plain'], 'c': 'l1\n  l2\n'})


def kernel(kver: str, build: str, arch: str) -> dict:
	"""What a cell records about its kernel, as kernel_facts() would."""
	return {'source': f'linux-source-{kver}', 'source_version': f'{kver}.118-1',
		'release': f'{kver}.118', 'build': f'{kver}-{build}', 'arch': arch,
		'config': 'config/x86_64.config', 'compiler': 'gcc (Debian 12.2.0-14) 12.2.0'}


class FixesTest(unittest.TestCase):
	"""The fix patches as data, and the red, green, reverted proof
	(ptwalk_fixes.py)."""

	FIX = fixes.Fix('f', 'sub: fix it', 'Evidence.', '0123456789ab ("sub: add it")', 'how',
			fix=(fixes.Change('a.c', 'return 1;\n', 'return 0;\n'),),
			test=(fixes.Change('a_test.c', '/* tests */\n', '/* tests */\nexpect(0);\n'),))

	def _repo(self, root: str) -> None:
		with open(os.path.join(root, 'a.c'), 'w') as f:
			f.write('int a(void)\n{\n\treturn 1;\n}\n')
		with open(os.path.join(root, 'a_test.c'), 'w') as f:
			f.write('/* tests */\n')
		env = dict(os.environ, GIT_AUTHOR_NAME='t', GIT_AUTHOR_EMAIL='t@t',
			   GIT_COMMITTER_NAME='t', GIT_COMMITTER_EMAIL='t@t')
		for cmd in (['init', '-q'], ['add', '-A'], ['commit', '-q', '-m', 'base'],
			    ['tag', 'ptwalk-base']):
			subprocess.run(['git', '-C', root] + cmd, check=True, env=env)

	def test_every_fix_says_what_it_fixes_and_how_that_was_found(self) -> None:
		for f in fixes.FIXES:
			self.assertTrue(f.fix, f.name)
			if f.fixes:
				self.assertRegex(f.fixes, r'^[0-9a-f]{12} \("[^"]+"\)$', f.name)
				self.assertTrue(f.how_found, f.name)
			else:
				self.assertTrue(f.fixes_note, f'{f.name}: no Fixes: and no word why')
			for line in fixes.message(f, 'N <e>').splitlines():
				self.assertLessEqual(len(line), 75 if not line.startswith('Fixes:') else 100,
						     f'{f.name}: {line}')

	def test_a_change_applies_once_or_says_why_not(self) -> None:
		with tempfile.TemporaryDirectory() as root:
			self._repo(root)
			self.assertEqual(fixes.missing(root, self.FIX.fix + self.FIX.test), '')
			gone = fixes.Change('b.c', 'x', 'y')
			self.assertEqual(fixes.missing(root, (gone,)), 'b.c does not exist')
			self.assertEqual(fixes.missing(root, (fixes.Change('a.c', 'return 2;', ''),)),
					 'a.c: no "return 2;"')
			fixes.apply(root, self.FIX.fix)
			with open(os.path.join(root, 'a.c')) as f:
				self.assertIn('return 0;', f.read())
			fixes.apply(root, self.FIX.fix, reverse=True)
			with open(os.path.join(root, 'a.c')) as f:
				self.assertIn('return 1;', f.read())
			with self.assertRaises(pt.PtwalkError):
				fixes.apply(root, self.FIX.fix, reverse=True)

	def test_the_message_carries_the_tags(self) -> None:
		msg = fixes.message(self.FIX, 'N <e>')
		self.assertTrue(msg.startswith('sub: fix it\n\nEvidence.\n\n'))
		self.assertIn('Fixes: 0123456789ab ("sub: add it")\nSigned-off-by: N <e>\n', msg)
		unknown = dataclasses.replace(self.FIX, fixes='', fixes_note='why')
		self.assertNotIn('Fixes:', fixes.message(unknown, 'N <e>'))

	def _proof(self, root: str, results: str) -> Tuple[str, str]:
		"""The test of FIX: it fails while a() returns 1."""
		with open(os.path.join(root, 'a.c')) as f:
			return (pr.PASS, '') if 'return 0;' in f.read() else (pr.FAIL, 'a() is 1')

	def test_a_proof_is_red_green_red(self) -> None:
		with tempfile.TemporaryDirectory() as root:
			self._repo(root)
			cases = fixes.check_fix(root, self.FIX, self._proof, os.path.join(root, 'r'))
		self.assertEqual([c.status for c in cases], [pr.PASS] * 3, [c.reason for c in cases])
		self.assertEqual([c.name for c in cases], ['f without the fix', 'f with the fix',
							   'f with the fix reverted'])

	def test_a_proof_may_end_in_a_skip_with_the_fix(self) -> None:
		"""powerpc-soft-dirty: without CONFIG_MEM_SOFT_DIRTY the fixed
		kernel's test checks bit 55 clear, then skips."""
		skips = dataclasses.replace(self.FIX, proof=fixes.CellProof('g', 'p:t', fixed=pr.SKIP))

		def proof(root: str, results: str) -> Tuple[str, str]:
			status, why = self._proof(root, results)
			return (pr.SKIP, 'not built in') if status == pr.PASS else (status, why)
		with tempfile.TemporaryDirectory() as root:
			self._repo(root)
			cases = fixes.check_fix(root, skips, proof, os.path.join(root, 'r'))
		self.assertEqual([c.status for c in cases], [pr.PASS] * 3, [c.reason for c in cases])
		with tempfile.TemporaryDirectory() as root:
			self._repo(root)
			cases = fixes.check_fix(root, skips, self._proof, os.path.join(root, 'r'))
		self.assertIn('PASS where SKIP was expected', cases[1].reason)

	def test_a_fix_that_fixes_nothing_is_red(self) -> None:
		useless = dataclasses.replace(self.FIX, fix=(fixes.Change('a.c', '{\n', '{ \n'),))
		with tempfile.TemporaryDirectory() as root:
			self._repo(root)
			cases = fixes.check_fix(root, useless, self._proof, os.path.join(root, 'r'))
		self.assertEqual([c.status for c in cases], [pr.PASS, pr.FAIL, pr.PASS])
		self.assertIn('FAIL where PASS was expected: a() is 1', cases[1].reason)

	def test_a_guest_proof_reads_a_case_or_the_reason_it_reports_the_bug_with(self) -> None:
		console = data('guest-6.12-x86_64-debug.log')
		faults = pr.faults_outcome('f', console, data('faults-6.12-x86_64-debug.json'))
		assert faults is not None
		grows = fixes.CellProof('x86_64-debug', 'ptwalk_walker:ptwalk_test_user_mm_grows')
		self.assertEqual(fixes.cell_proof_status(grows, [faults], console),
				 (pr.SKIP, pr.NOT_RUN_AGAIN))
		sticky = dataclasses.replace(grows, bug=pr.NOT_RUN_AGAIN)
		self.assertEqual(fixes.cell_proof_status(sticky, [faults], console)[0], pr.FAIL)
		absent = dataclasses.replace(grows, test='ptwalk_walker:no_such_case')
		self.assertEqual(fixes.cell_proof_status(absent, [faults], console),
				 ('', 'ptwalk_walker:no_such_case did not run'))

	def test_a_kmemleak_proof_is_red_on_a_leak_of_its_function(self) -> None:
		leaked = data('guest-6.12-x86_64-debug-kunit-leak.log')
		# kunit_alloc_resource() is inline: the caller of kmalloc.
		mmap = fixes.CellProof('x86_64-debug', 'kmemleak:kunit_vm_mmap')
		status, said = fixes.cell_proof_status(mmap, [], leaked)
		self.assertEqual(status, pr.FAIL)
		self.assertIn('1 unreferenced objects allocated in kunit_vm_mmap() (', said)
		other = dataclasses.replace(mmap, test='kmemleak:kunit_resource_test_alloc_init_fails')
		self.assertEqual(fixes.cell_proof_status(other, [], leaked)[0], pr.PASS)
		# No scan, no verdict: a guest without kmemleak proves nothing.
		self.assertEqual(fixes.cell_proof_status(other, [], data('guest-6.12-x86_64.log'))[0], '')

	def test_the_kunit_fixes_proofs_share_one_build(self) -> None:
		"""One configuration for both debug-guest proofs: a second one
		would rebuild most of a KASAN kernel between them."""
		proofs = {f.proof.kconfig for f in fixes.FIXES
			  if isinstance(f.proof, fixes.CellProof) and f.proof.geometry == 'x86_64-debug'}
		self.assertEqual(len(proofs), 1, proofs)
		for f in fixes.FIXES:
			for path in f.proof.kconfig if isinstance(f.proof, fixes.CellProof) else ():
				self.assertTrue(os.path.exists(os.path.join(pm.TOP, path)), path)

	def test_kunit_case_status_from_kunit_py(self) -> None:
		said = data('kunit-fixes-vm-mmap-red.log')
		self.assertEqual(fixes.kunit_case_status(said, 'kunit_vm_mmap_test_error'), pr.FAIL)
		self.assertEqual(fixes.kunit_case_status(said, 'kunit_vm_mmap_test_maps'), pr.PASS)
		self.assertEqual(fixes.kunit_case_status(said, 'no_such_case'), '')


class KcidbTest(unittest.TestCase):
	"""results/kcidb.json, from outcomes read from captured runs."""
	def outcomes(self) -> list:
		um = kunit('kunit-6.12-um', cell='6.12:um')
		um.kernel = kernel('6.12', 'um', 'um')
		g = guest('guest-6.12-x86_64', cell='6.12:x86_64')
		g.kernel = kernel('6.12', 'x86_64', 'x86_64')
		w = mmu.Witness(FakeMmu(fake_pages()), lambda text: None)
		for line in BATCH.splitlines():
			w.line(line)
		m = w.outcome('mmu-6.12-x86_64', '6.12:x86_64')
		m.kernel, m.seconds = g.kernel, 0.0	# the same results each time
		host = pr.selftests_outcome('selftests-host', data('selftests-host-6.18.tap'))
		host.kernel = {'source': 'host-kernel', 'source_version': '',
			       'release': '6.18.0', 'build': kcidb.HOST_BUILD, 'arch': 'x86_64',
			       'config': '', 'compiler': ''}
		static = pr.Outcome('checkpatch', 'static', cases=[pr.Case('checkpatch', 'x', pr.PASS)])
		return [um, g, m, host, static]

	def test_a_run_is_valid_kcidb_with_one_test_per_result(self) -> None:
		outcomes = self.outcomes()
		doc = kcidb.to_kcidb(outcomes)
		self.assertEqual(kcidb.validate(doc), [])
		self.assertEqual(kcidb.links(doc), [])
		self.assertEqual(len(doc['checkouts']), 2)	# Debian's 6.12, the host's kernel
		self.assertEqual(sorted(b['id'].split(':')[-1] for b in doc['builds']),
				 ['6.12-um', '6.12-x86_64', 'host'])
		self.assertEqual(len(doc['tests']), sum(len(o.cases) for o in outcomes[:4]))
		self.assertEqual(doc['version'], {'major': 5, 'minor': 3})

	def test_paths_follow_kernelcis_conventions(self) -> None:
		paths = {t['path'] for t in kcidb.to_kcidb(self.outcomes())['tests']}
		self.assertIn('kunit.ptwalk_walker.ptwalk_test_matches_reference.vmalloc_vmalloc_to_pfn',
			      paths)
		self.assertIn('kselftest.ptwalk.pagemap_abi.abi.zero_count_reads_nothing', paths)
		self.assertIn('ptwalk.mmu.thp', paths)		# not the address, which changes
		self.assertFalse([p for p in paths if p.startswith('checkpatch')])

	def test_statuses_and_reasons_carry_over(self) -> None:
		outcomes = self.outcomes()
		doc = kcidb.to_kcidb(outcomes)
		skipped = [t for t in doc['tests'] if t['status'] == 'SKIP']
		self.assertEqual(len(skipped), sum(o.counts.skipped for o in outcomes[:4]))
		self.assertTrue(all(t.get('log_excerpt') for t in skipped))

	def test_a_run_problem_is_a_failed_test_at_its_root(self) -> None:
		o = kunit('kunit-6.12-um-warning', cell='6.12:um')
		o.kernel = kernel('6.12', 'um', 'um')
		doc = kcidb.to_kcidb([o])
		root = [t for t in doc['tests'] if t['path'] == 'kunit']
		self.assertEqual([t['status'] for t in root], ['FAIL'])
		self.assertIn('WARNING', root[0]['log_excerpt'])
		self.assertEqual(kcidb.validate(doc), [])

	def test_a_build_that_failed_is_a_failed_build(self) -> None:
		o = pr.kunit_outcome('kunit-6.12-um', None, '', cell='6.12:um',
				     build_error='mm/ptwalk/walker.c:1: error: x')
		o.kernel = kernel('6.12', 'um', 'um')
		doc = kcidb.to_kcidb([o])
		self.assertEqual(doc['builds'][0]['status'], 'FAIL')
		self.assertIn('walker.c:1', doc['builds'][0]['log_excerpt'])
		self.assertEqual(kcidb.validate(doc) + kcidb.links(doc), [])

	def test_the_same_results_give_the_same_ids(self) -> None:
		a = kcidb.to_kcidb(self.outcomes())
		b = kcidb.to_kcidb(self.outcomes())
		self.assertEqual(a, b)
		o = self.outcomes()
		o[0].seconds += 1
		self.assertNotEqual(kcidb.to_kcidb(o)['builds'][0]['id'], a['builds'][0]['id'])

	def test_the_validator_rejects_what_the_schema_does(self) -> None:
		good = kcidb.to_kcidb(self.outcomes())
		def broken(change: Any) -> list:
			doc = copy.deepcopy(good)
			change(doc)
			return kcidb.validate(doc)
		self.assertTrue(broken(lambda d: d['tests'][0].update(path='kunit.a b')))
		self.assertTrue(broken(lambda d: d['tests'][0].update(status='OK')))
		self.assertTrue(broken(lambda d: d['tests'][0].pop('build_id')))
		self.assertTrue(broken(lambda d: d['tests'][0].update(result='x')))
		self.assertTrue(broken(lambda d: d['tests'][0].update(log_excerpt='x' * 16385)))
		self.assertTrue(broken(lambda d: d['builds'][0].update(architecture='x86-64')))
		self.assertTrue(broken(lambda d: d['builds'][0].update(origin='ptwalk CI')))
		self.assertTrue(kcidb.validate(kcidb.to_kcidb(self.outcomes(), origin='My-Lab')))
		self.assertEqual(kcidb.validate(kcidb.to_kcidb(self.outcomes(), origin='my_lab')), [])
		self.assertTrue(broken(lambda d: d['checkouts'][0].update(id='no-origin')))
		self.assertTrue(broken(lambda d: d['version'].update(major=4)))
		self.assertTrue(broken(lambda d: d['version'].update(minor=4)))
		self.assertTrue(broken(lambda d: d.update(issues=[{}])))
		doc = copy.deepcopy(good)
		doc['tests'][0]['build_id'] = 'ptwalk:nothing'
		self.assertEqual(len(kcidb.links(doc)), 1)

	def test_kernel_facts_read_the_tree_and_the_build(self) -> None:
		with tempfile.TemporaryDirectory() as d:
			with open(os.path.join(d, 'Makefile'), 'w') as f:
				f.write('# SPDX\nVERSION = 6\nPATCHLEVEL = 12\nSUBLEVEL = 118\nEXTRAVERSION =\n')
			with open(os.path.join(d, '.config'), 'w') as f:
				f.write('CONFIG_CC_VERSION_TEXT="gcc (Debian 12.2.0-14) 12.2.0"\n')
			k = kcidb.kernel_facts(kver='6.12', tree_name='kdir-1234', tree_path=d, build='um',
					       arch='um', build_dir=d, kconfig=('config/um.config',))
		self.assertEqual((k['release'], k['build'], k['compiler'], k['source']),
				 ('6.12.118', 'kdir-1234-um', 'gcc (Debian 12.2.0-14) 12.2.0', f'KDIR={d}'))

	def test_write_from_results_alone(self) -> None:
		# The workflow's last job writes it from every job's results.
		with tempfile.TemporaryDirectory() as d:
			for o in self.outcomes():
				report.save(o, os.path.join(d, 'job'))
			path = kcidb.write(report.load_all(d), d)
			assert path
			with open(path) as f:
				doc = json.load(f)
		self.assertEqual(doc, kcidb.to_kcidb(self.outcomes()))


class UmlTmpdirTest(unittest.TestCase):
	"""UML in a container: /dev/shm there is 64 MiB and noexec."""
	@staticmethod
	def fs(flag: int, size: int) -> Any:
		return lambda path: os.statvfs_result((4096, 4096, size // 4096, 0, 0, 0, 0, 0,
						       flag, 255))

	def setUp(self) -> None:
		self.tmp = tempfile.TemporaryDirectory()
		self.env = mock.patch.dict(os.environ, PTWALK_CACHE=self.tmp.name)
		self.env.start()
		os.environ.pop('TMPDIR', None)

	def tearDown(self) -> None:
		self.env.stop()
		self.tmp.cleanup()

	def test_a_host_shm_will_do(self) -> None:
		self.assertIsNone(pt.uml_tmpdir(statvfs=self.fs(0, 12 << 30)))

	def test_a_container_shm_will_not(self) -> None:
		# noexec, 64 MiB (debian:12 under podman and on GitHub), or both.
		for flag, size in ((os.ST_NOEXEC, 12 << 30), (0, 64000 << 10),
				   (os.ST_NOEXEC | os.ST_NOSUID | os.ST_NODEV, 64000 << 10)):
			def statvfs(path: str, flag: int = flag, size: int = size) -> Any:
				return self.fs(flag, size)(path) if path == '/dev/shm' else \
					self.fs(0, 1 << 40)(path)
			tmp = pt.uml_tmpdir(statvfs=statvfs)
			self.assertEqual(tmp, os.path.join(self.tmp.name, 'uml-tmp'))
			self.assertTrue(os.path.isdir(tmp or ''))

	def test_no_shm_at_all(self) -> None:
		def statvfs(path: str) -> Any:
			if path == '/dev/shm':
				raise FileNotFoundError(path)
			return self.fs(0, 1 << 40)(path)
		self.assertEqual(pt.uml_tmpdir(statvfs=statvfs), os.path.join(self.tmp.name, 'uml-tmp'))

	def test_a_noexec_cache_is_one_line(self) -> None:
		with self.assertRaisesRegex(pt.PtwalkError, 'mounted noexec too') as e:
			pt.uml_tmpdir(statvfs=self.fs(os.ST_NOEXEC, 64000 << 10))
		self.assertNotIn('\n', str(e.exception))

	def test_the_users_tmpdir_is_kept(self) -> None:
		with mock.patch.dict(os.environ, TMPDIR='/somewhere'):
			self.assertIsNone(pt.uml_tmpdir(statvfs=self.fs(os.ST_NOEXEC, 0)))
			self.assertEqual(pt.uml_env()['TMPDIR'], '/somewhere')

	def test_uml_boots_with_the_memory_the_check_uses(self) -> None:
		self.assertIn(f'mem={pt.UML_MEM_BYTES >> 30}G', run.UML_KERNEL_ARGS)


class CheckoutWithoutGitTest(unittest.TestCase):
	"""make patch from a release tarball or a REST-API checkout: the files
	the series carries are the ones git would track."""

	def test_the_files_on_disk_are_gits_files(self) -> None:
		if shutil.which('git') is None:
			self.skipTest('no git to compare with')
		with tempfile.TemporaryDirectory() as top:
			for d in ('selftests', 'Documentation'):
				shutil.copytree(os.path.join(pm.TOP, d), os.path.join(top, d),
						ignore=shutil.ignore_patterns('output', '__pycache__'))
			# What a build leaves: ignored, so neither lists it.
			for junk in ('selftests/pagemap_abi', 'Documentation/output/index.html'):
				os.makedirs(os.path.dirname(os.path.join(top, junk)), exist_ok=True)
				with open(os.path.join(top, junk), 'w') as f:
					f.write('built\n')
			on_disk = {d: series.tracked(d, top) for d in ('selftests', 'Documentation')}
			self.assertNotIn('pagemap_abi', on_disk['selftests'])
			self.assertIn('pagemap.c', on_disk['selftests'])
			subprocess.run(['git', 'init', '-q'], cwd=top, check=True)
			subprocess.run(['git', 'add', '-A'], cwd=top, check=True)
			for d, files in on_disk.items():
				self.assertEqual(files, series.tracked(d, top), d)

	def test_the_patches_date_without_git(self) -> None:
		with tempfile.TemporaryDirectory() as top:
			for d in ('kunit', 'selftests', 'Documentation'):
				os.makedirs(os.path.join(top, d))
				with open(os.path.join(top, d, 'f'), 'w') as f:
					f.write('x\n')
			os.utime(os.path.join(top, 'selftests', 'f'), (0, 1700000000))
			os.utime(os.path.join(top, 'kunit', 'f'), (0, 1600000000))
			os.utime(os.path.join(top, 'Documentation', 'f'), (0, 1600000000))
			with mock.patch.dict(os.environ, {'SOURCE_DATE_EPOCH': ''}):
				self.assertEqual(series.source_date(top), '2023-11-14T22:13:20+00:00')
			with mock.patch.dict(os.environ, {'SOURCE_DATE_EPOCH': '0'}):
				self.assertEqual(series.source_date(top), '1970-01-01T00:00:00+00:00')

	def test_git_am_commits_where_git_knows_nobody(self) -> None:
		# A CI container: no user.name/email anywhere, so git am refuses
		# to commit unless told who the committer is.
		if shutil.which('git') is None:
			self.skipTest('no git')
		with tempfile.TemporaryDirectory() as d:
			env = {k: v for k, v in os.environ.items() if not k.startswith('GIT_')}
			env.update(HOME=d, GIT_CONFIG_NOSYSTEM='1', XDG_CONFIG_HOME=d)
			repo = os.path.join(d, 'r')
			author = dict(env, GIT_AUTHOR_NAME='A', GIT_AUTHOR_EMAIL='a@e',
				      GIT_COMMITTER_NAME='A', GIT_COMMITTER_EMAIL='a@e')
			subprocess.run(['git', 'init', '-q', repo], env=author, check=True)
			with open(os.path.join(repo, 'f'), 'w') as f:
				f.write('one\n')
			for cmd in (['add', 'f'], ['commit', '-q', '-m', 'one'],
				    ['format-patch', '-q', '--root', '-1', '-o', d],
				    ['checkout', '-q', '--orphan', 'empty'], ['rm', '-q', '--cached', 'f']):
				subprocess.run(['git', '-C', repo] + cmd, env=author, check=True,
					       capture_output=True)
			os.unlink(os.path.join(repo, 'f'))
			am = ['git', '-C', repo, 'am', '-q'] + glob.glob(os.path.join(d, '0001-*'))
			with mock.patch.object(series, 'identity', return_value=(series.PLACEHOLDER, False)):
				bare = subprocess.run(am, env=env, capture_output=True, text=True)
				self.assertIn('Committer identity unknown', bare.stderr)  # the container's
				ok = subprocess.run(am, env=series.committer_env(env), capture_output=True,
						    text=True)
			self.assertEqual(ok.returncode, 0, ok.stderr)

	def test_git_failing_is_one_line(self) -> None:
		with tempfile.TemporaryDirectory() as top:
			os.makedirs(os.path.join(top, '.git'))	# not a repository
			with self.assertRaisesRegex(pt.PtwalkError, '^git ls-files selftests failed in') as e:
				series.tracked('selftests', top)
			self.assertNotIn('\n', str(e.exception))


class DebianSourceTest(unittest.TestCase):
	# apt-get indextargets on this project's Debian 12 host, with the two
	# third-party archives it also had.
	TARGETS = (
		'http://deb.debian.org/debian-security/ bookworm-security main\n'
		'http://deb.debian.org/debian/ bookworm main\n'
		'http://deb.debian.org/debian/ bookworm-updates main\n'
		'https://packages.cloud.google.com/apt/ cloud-sdk-bookworm main\n'
		'https://deb.nodesource.com/node_20.x/ nodistro main\n')

	def test_deb_src_lines_are_the_releases_debian_archives(self) -> None:
		self.assertEqual(pt.debian_source_lines(self.TARGETS, 'bookworm'), [
			'deb-src http://deb.debian.org/debian-security/ bookworm-security main',
			'deb-src http://deb.debian.org/debian/ bookworm main',
			'deb-src http://deb.debian.org/debian/ bookworm-updates main'])
		self.assertEqual(pt.debian_source_lines(self.TARGETS, 'trixie'), [])
		self.assertEqual(pt.debian_source_lines(self.TARGETS, ''), [])

	def test_the_guest_build_of_busybox_has_its_packages(self) -> None:
		# dpkg-source unpacks a .orig.tar.bz2 with tar -j.
		self.assertIn('bzip2', pt.PACKAGE_GROUPS['guest-source'])
		self.assertIn('dpkg-dev', pt.PACKAGE_GROUPS['guest-source'])


# A kernel tree with only what the series edits and reads.
FAKE_TREE = {
	'Makefile': 'VERSION = 6\nPATCHLEVEL = 12\nSUBLEVEL = 0\n',
	'Kconfig': 'source "mm/Kconfig"\n',
	'Kconfig': 'source "mm/Kconfig"\n',
	'MAINTAINERS': 'List\n\nMEMORY MANAGEMENT\nM:\tA <a@e>\nF:\tmm/\n\nZSWAP\nF:\tmm/zswap.c\n',
	'mm/Kconfig': 'menu "mm"\nsource "mm/damon/Kconfig"\nendmenu\n',
	'mm/Makefile': 'obj-y += mmap.o\n',
	'include/linux/pagewalk.h': '',
	'tools/testing/kunit/kunit.py': '',
	'Documentation/dev-tools/index.rst': '.. toctree::\n\n   kunit/index\n',
	'tools/testing/selftests/lib.mk': '',
	'tools/testing/selftests/mm/Makefile': 'TEST_GEN_FILES += cow\n\ninclude ../lib.mk\n',
	'tools/testing/selftests/mm/run_vmtests.sh':
		'- pagemap\n\ttest pagemap_scan IOCTL\nCATEGORY="pagemap" run_test ./pagemap_ioctl\n',
	'tools/testing/selftests/mm/config': 'CONFIG_TRANSPARENT_HUGEPAGE=y\n',
	'tools/testing/selftests/mm/.gitignore': 'cow\n',
	'include/kunit/test.h': '#define KUNIT_CASE_SLOW(test_name) KUNIT_CASE(test_name)\n',
}


@unittest.skipIf(shutil.which('git') is None, 'no git')
class OneWayInTest(unittest.TestCase):
	"""The series is the one way into a tree (ptwalk_series.install())."""

	def setUp(self) -> None:
		tmp = tempfile.TemporaryDirectory()
		self.addCleanup(tmp.cleanup)
		self.root = tmp.name
		cache = mock.patch.dict(os.environ, PTWALK_CACHE=os.path.join(self.root, 'cache'))
		cache.start()
		self.addCleanup(cache.stop)
		self.results = os.path.join(self.root, 'results')

	def tree_at(self, name: str) -> str:
		path = os.path.join(self.root, name)
		for rel, text in FAKE_TREE.items():
			os.makedirs(os.path.dirname(os.path.join(path, rel)), exist_ok=True)
			with open(os.path.join(path, rel), 'w') as f:
				f.write(text)
		return path

	def git(self, path: str, *args: str) -> str:
		return subprocess.run(['git', '-C', path, '-c', 'user.name=U', '-c', 'user.email=u@e']
				      + list(args), capture_output=True, text=True, check=True).stdout

	@staticmethod
	def mtimes(path: str) -> dict:
		return {os.path.join(d, f): os.stat(os.path.join(d, f)).st_mtime_ns
			for d, dirs, files in os.walk(path) if '.git' not in d for f in files}

	def test_the_cover_letter_claims_slow_marks_where_kunit_has_them(self) -> None:
		tree = pt.Tree(self.tree_at('linux'), '6.12', '6.12', owned=True)
		self.assertIn('KUNIT_CASE_SLOW()', series.kunit_style_note(tree))
		os.unlink(os.path.join(tree.path, 'include', 'kunit', 'test.h'))
		self.assertNotIn('KUNIT_CASE_SLOW', series.kunit_style_note(tree))
		self.assertIn('depends on KUNIT=y', series.kunit_style_note(tree))

	def test_a_cells_sources_are_the_last_patchs_files(self) -> None:
		tree = pt.Tree(self.tree_at('linux'), '6.12', '6.12', owned=True)
		series.install(tree, self.results)
		# What a maintainer gets: make patch's files, applied with git am.
		made = series.make_series(tree, self.results)
		applied = self.tree_at('applied')
		self.git(applied, 'init', '-q')
		self.git(applied, 'add', '-A')
		self.git(applied, 'commit', '-q', '-m', 'base')
		self.git(applied, 'am', '-q', *made.patches[1:])
		kernel = os.path.join(tree.path, series.KERNEL_DIR)
		self.assertTrue(os.path.isfile(os.path.join(kernel, 'ptwalk.c')))
		self.assertFalse(os.path.islink(kernel))
		names = pt.kunit_files(os.path.join(applied, series.KERNEL_DIR))
		self.assertIn('tests/walker_kunit.c', names)
		for name in names:
			with open(os.path.join(kernel, name)) as a, \
			     open(os.path.join(applied, series.KERNEL_DIR, name)) as b:
				self.assertEqual(a.read(), b.read(), name)
		with open(os.path.join(kernel, 'ptwalk_arch.h')) as f:
			self.assertNotIn('compat.h', f.read())
		self.assertEqual(self.git(tree.path, 'status', '--porcelain'), '')

	def test_each_patch_carries_only_its_units_files_after_a_series_check(self) -> None:
		tree = pt.Tree(self.tree_at('linux'), '6.12', '6.12', owned=True)
		made = series.make_series(tree, self.results)
		# A series check leaves its worktree's index at the applied series.
		self.git(made.repo, 'checkout', '-q', '-f', series.SERIES_BRANCH)
		made = series.make_series(tree, self.results)
		commits = self.git(made.repo, 'rev-list', '--reverse',
				   f'{series.BASE}..{series.SERIES_BRANCH}').split()
		self.assertEqual(len(commits), len(series.SERIES))
		for unit, commit in zip(series.SERIES, commits):
			changed = self.git(made.repo, 'diff-tree', '--no-commit-id', '--name-only',
					   '-r', commit).split()
			carried = {f'{series.KERNEL_DIR}/{f}' for f in unit.kernel_files}
			with self.subTest(unit=unit.subject):
				self.assertTrue(carried <= set(changed))
				self.assertEqual([f for f in changed if 'selftests' in f and not unit.selftests],
						 [])

	def test_an_edit_rewrites_only_its_file_and_uninstall_leaves_the_base(self) -> None:
		tree = pt.Tree(self.tree_at('linux'), '6.12', '6.12', owned=True)
		series.install(tree, self.results)
		first = self.mtimes(tree.path)
		series.install(tree, self.results)
		self.assertEqual(self.mtimes(tree.path), first, 'nothing changed, nothing written')
		src = os.path.join(self.root, 'kunit')
		shutil.copytree(pt.KUNIT_SRC, src)
		with open(os.path.join(src, 'tests', 'leaf_kunit.c'), 'a') as f:
			f.write('/* an edit */\n')
		series.install(tree, self.results, src)
		now = self.mtimes(tree.path)
		self.assertEqual([f for f in first if first[f] != now[f]],
				 [os.path.join(tree.path, series.KERNEL_DIR, 'tests', 'leaf_kunit.c')])
		series.uninstall(tree)
		self.assertFalse(os.path.exists(os.path.join(tree.path, series.KERNEL_DIR)))
		self.assertEqual(self.git(tree.path, 'describe', '--tags', '--exact-match'),
				 series.BASE + '\n')

	def test_kdir_keeps_its_branch_and_work_in_progress(self) -> None:
		path = self.tree_at('user')
		self.git(path, 'init', '-q')
		self.git(path, 'add', '-A')
		self.git(path, 'commit', '-q', '-m', 'mine')
		with open(os.path.join(path, 'mm/Makefile'), 'a') as f:
			f.write('obj-y += wip.o\n')
		for rel, text in (('.gitignore', '*.o\n'), ('mm/mmap.o', 'built\n')):
			with open(os.path.join(path, rel), 'w') as f:
				f.write(text)
		def state() -> Tuple[str, str, str]:
			return (self.git(path, 'status', '--porcelain'), self.git(path, 'rev-parse', 'HEAD'),
				self.git(path, 'branch', '--show-current'))
		before = state()
		tree = pt.kdir_tree(path)
		series.install(tree, self.results)
		with open(os.path.join(path, 'mm/Makefile')) as f:
			self.assertEqual(f.read(), 'obj-y += mmap.o\nobj-y += wip.o\nobj-$(CONFIG_PTWALK) += ptwalk/\n')
		self.assertEqual(state()[1:], before[1:], 'no commit to the branch')
		copy = os.path.join(self.root, 'cache', 'series', tree.name)
		self.assertTrue(os.path.exists(os.path.join(copy, 'mm/Makefile')))
		self.assertFalse(os.path.exists(os.path.join(copy, 'mm/mmap.o')), 'build output')
		kept = self.mtimes(path)
		series.install(tree, self.results)
		self.assertEqual(self.mtimes(path), kept)
		with open(os.path.join(path, series.KERNEL_DIR, 'ptwalk.c'), 'a') as f:
			f.write('/* the user\'s */\n')
		with self.assertRaisesRegex(pt.PtwalkError, 'changed since make install-kunit.*ptwalk.c'):
			series.uninstall(tree)
		self.git(path, 'clean', '-q', '-f', '--', series.KERNEL_DIR + '/ptwalk.c')
		with open(os.path.join(path, series.KERNEL_DIR, 'ptwalk.c'), 'w') as f:
			f.write(series._written(tree)[series.KERNEL_DIR + '/ptwalk.c'][1])
		series.uninstall(tree)
		self.assertEqual(state(), before)


class TreeTest(unittest.TestCase):
	def setUp(self) -> None:
		self.tmp = tempfile.TemporaryDirectory()
		self.addCleanup(self.tmp.cleanup)
		root = self.tmp.name
		self.path = os.path.join(root, 'linux')
		for d in ('mm', 'tools/testing/selftests'):
			os.makedirs(os.path.join(self.path, d))
		self.kconfig = 'menu "mm"\nendmenu\n'
		self.makefile = 'obj-y += mmap.o\n'
		self.write('mm/Kconfig', self.kconfig)
		self.write('mm/Makefile', self.makefile)
		self.tree = pt.Tree(self.path, '6.12', '6.12')

	def write(self, rel: str, text: str) -> None:
		with open(os.path.join(self.path, rel), 'w') as f:
			f.write(text)

	def read(self, rel: str) -> str:
		with open(os.path.join(self.path, rel)) as f:
			return f.read()

	def test_an_old_install_is_taken_out(self) -> None:
		os.symlink(pt.KUNIT_SRC, os.path.join(self.path, 'mm/ptwalk'))
		os.symlink('/a/checkout/gone', os.path.join(self.path, 'tools/testing/selftests/ptwalk'))
		self.write('mm/Kconfig', self.kconfig + f'source "mm/ptwalk/Kconfig" {pt.OLD_MARK}\n')
		self.write('mm/Makefile', self.makefile + f'obj-y += ptwalk/ {pt.OLD_MARK}\n')
		pt.remove_old_install(self.tree)
		self.assertEqual((self.read('mm/Kconfig'), self.read('mm/Makefile')),
				 (self.kconfig, self.makefile))
		self.assertFalse(os.path.lexists(os.path.join(self.path, 'mm/ptwalk')))
		self.assertEqual(os.listdir(os.path.join(self.path, 'tools/testing/selftests')), [])

	def test_builds_use_ccache_in_the_cache_in_depend_mode_unless_told(self) -> None:
		env = {k: v for k, v in os.environ.items() if not k.startswith('CCACHE_')}
		with mock.patch.dict(os.environ, env, clear=True), \
		     mock.patch.dict(os.environ, PTWALK_CACHE=self.tmp.name):
			got = pt.build_env()
			self.assertEqual((got['CCACHE_DIR'], got['CCACHE_DEPEND']),
					 (os.path.join(self.tmp.name, 'ccache'), '1'))
			with mock.patch.dict(os.environ, CCACHE_DIR='/elsewhere', CCACHE_DEPEND='0'):
				got = pt.build_env()
				self.assertEqual((got['CCACHE_DIR'], got['CCACHE_DEPEND']),
						 ('/elsewhere', '0'))

	def test_lock_excludes_another_process(self) -> None:
		env = dict(os.environ, PTWALK_CACHE=self.tmp.name)
		probe = ('import fcntl, sys; sys.path.insert(0, %r); import ptwalk_tree as pt; '
			 'f = open(pt.TreeLock(%r).path, "a"); '
			 'fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)') % (
				 os.path.dirname(os.path.abspath(__file__)), self.path)
		with mock.patch.dict(os.environ, PTWALK_CACHE=self.tmp.name), \
		     pt.TreeLock(self.path) as lock:
			r = subprocess.run([sys.executable, '-c', probe], env=env,
					   capture_output=True, text=True)
			self.assertIn('BlockingIOError', r.stderr)
			with open(lock.path) as f:
				self.assertIn(f'pid {os.getpid()}', f.read())
		after = subprocess.run([sys.executable, '-c', probe], env=env)
		self.assertEqual(after.returncode, 0, 'released after the with block')


if __name__ == '__main__':
	unittest.main()
