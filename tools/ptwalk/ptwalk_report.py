# SPDX-License-Identifier: GPL-2.0
#
# Everything ptwalk writes about results: JUnit XML per run, the matrix
# table (terminal and results/summary.md), the skip reasons, and the closing
# line "ptwalk: N passed, N failed, N skipped". It only reads Outcomes.
#
# Copyright (C) 2026 The ptwalk authors

import glob
import os
import re
from typing import Dict, List, Optional, Sequence, Tuple
from xml.sax.saxutils import quoteattr

from ptwalk_matrix import Matrix
from ptwalk_results import FAIL, SKIP, Counts, Outcome

RESULT_SUFFIX = '.result.json'


def save(outcome: Outcome, results: str) -> str:
	os.makedirs(results, exist_ok=True)
	path = os.path.join(results, outcome.name + RESULT_SUFFIX)
	with open(path, 'w') as f:
		f.write(outcome.to_json() + '\n')
	write_junit(outcome, os.path.join(results, outcome.name + '.xml'))
	return path


def load_all(results: str) -> List[Outcome]:
	outcomes = []
	# Below @results too: the workflow's jobs' results, downloaded together.
	for path in sorted(glob.glob(os.path.join(results, '**', '*' + RESULT_SUFFIX),
				     recursive=True)):
		with open(path) as f:
			outcomes.append(Outcome.from_json(f.read()))
	return outcomes


def cover_lines(outcomes: Sequence[Outcome], kver: str) -> List[str]:
	"""What the runs of @kver's cells said, a line each, for a series'
	cover letter; none if any of them failed (a red run is not sent)."""
	mine = sorted((o for o in outcomes if o.cell.split(':')[0] == kver),
		      key=lambda o: (o.cell, o.kind))
	if not mine or not all(o.ok for o in mine):
		return []
	return [f'  {o.cell:<24} {o.kind:<9} {o.counts}' for o in mine]


def junit_xml(outcome: Outcome) -> str:
	"""One testsuite per KUnit suite or selftest program; a problem of the
	run is a failed testcase of its own suite, '(run)'."""
	suites: Dict[str, List[Tuple[str, str, str]]] = {}
	for c in outcome.cases:
		suites.setdefault(c.suite, []).append((c.full_name, c.status, c.reason))
	if outcome.problems:
		suites['(run)'] = [(p, FAIL, p) for p in outcome.problems]
	out = ['<?xml version="1.0" encoding="UTF-8"?>',
	       f'<testsuites name={quoteattr(outcome.name)}>']
	for suite, cases in suites.items():
		fails = sum(st == FAIL for _, st, _ in cases)
		skips = sum(st == SKIP for _, st, _ in cases)
		out.append(f'  <testsuite name={quoteattr(suite)} tests="{len(cases)}" '
			   f'failures="{fails}" skipped="{skips}">')
		for name, st, message in cases:
			out.append(f'    <testcase classname={quoteattr(suite)} name={quoteattr(name)}>')
			if st == FAIL:
				out.append(f'      <failure message={quoteattr(message or "failed")}/>')
			elif st == SKIP:
				out.append(f'      <skipped message={quoteattr(message)}/>')
			out.append('    </testcase>')
		out.append('  </testsuite>')
	out.append('</testsuites>')
	return '\n'.join(out) + '\n'


def write_junit(outcome: Outcome, path: str) -> None:
	with open(path, 'w') as f:
		f.write(junit_xml(outcome))


def closing_line(outcomes: Sequence[Outcome]) -> str:
	total = sum((o.counts for o in outcomes), Counts())
	return f'ptwalk: {total}'


def _cols(c: Optional[Counts]) -> List[str]:
	return ['-', '-', '-'] if c is None else [str(c.passed), str(c.failed), str(c.skipped)]


def matrix_rows(outcomes: Sequence[Outcome], matrix: Optional[Matrix]) -> List[List[str]]:
	"""One row per cell that ran, in the matrix's order."""
	by_cell: Dict[str, Dict[str, Outcome]] = {}
	for o in outcomes:
		if o.cell:
			by_cell.setdefault(o.cell, {})[o.kind] = o
	order = [c.name for c in matrix.cells] if matrix else []
	names = [n for n in order if n in by_cell] + sorted(set(by_cell) - set(order))
	rows = []
	for name in names:
		runs = by_cell[name]
		kunit, guest = runs.get('kunit'), runs.get('selftests')
		kver, _, geom = name.partition(':')
		ok = all(o.ok for o in runs.values())
		secs = sum(o.seconds for o in runs.values())
		proved = kunit.geometry if kunit else {}
		rows.append([kver, geom] + [proved.get(k, '-') for k in ('levels', 'page', 'leaves')] +
			    _cols(kunit.counts if kunit else None) +
			    _cols(guest.counts if guest else None) +
			    [f'{secs:.0f}', 'green' if ok else 'RED'])
	return rows


MATRIX_HEAD = ['kernel', 'geometry', 'levels', 'page', 'direct-map leaves', 'KUnit pass', 'fail', 'skip',
	       'selftests pass', 'fail', 'skip', 'time (s)', 'cell']


def markdown(head: List[str], rows: List[List[str]]) -> str:
	lines = ['| ' + ' | '.join(head) + ' |', '|' + '---|' * len(head)]
	lines += ['| ' + ' | '.join(r) + ' |' for r in rows]
	return '\n'.join(lines) + '\n'


def text_table(head: List[str], rows: List[List[str]], left: int = 2) -> str:
	"""Columns padded; the first @left and the last column left-aligned."""
	widths = [max(len(r[i]) for r in [head] + rows) for i in range(len(head))]
	lines = []
	for r in [head] + rows:
		cells = [x.ljust(w) if i < left or i == len(r) - 1 else x.rjust(w)
			 for i, (x, w) in enumerate(zip(r, widths))]
		lines.append('  '.join(cells).rstrip())
	return '\n'.join(lines)


def cells_table(matrix: Matrix) -> str:
	"""'make cells': every cell, whether it gates, whether it boots the guest."""
	rows = [[c.name, ('gate' if c.checked else 'workflow') if c.gate else '-', 'yes' if c.geometry.guest else '-',
		 c.geometry.build.name, c.geometry.description] for c in matrix.cells]
	lines = [text_table(['cell', 'gates', 'guest', 'build', 'geometry'], rows, left=5)]
	for g in matrix.geometries.values():
		lines += [f'no cell {kver}:{g.name}: {why}' for kver, why in g.absent.items()]
	return '\n'.join(lines)


def skip_reasons(outcome: Outcome) -> List[Tuple[str, int]]:
	"""(reason, how many cases) of the skipped cases, most frequent first."""
	reasons: Dict[str, int] = {}
	for c in outcome.cases:
		if c.status == SKIP:
			r = c.reason or '(no reason given)'
			reasons[r] = reasons.get(r, 0) + 1
	return sorted(reasons.items(), key=lambda kv: -kv[1])


def summary(outcomes: Sequence[Outcome], matrix: Optional[Matrix],
	    results: Optional[str] = None) -> str:
	"""The summary of a run; writes results/summary.md when @results is given."""
	lines = []
	rows = matrix_rows(outcomes, matrix)
	if rows:
		lines += [text_table(MATRIX_HEAD, rows), '']
		if results:
			with open(os.path.join(results, 'summary.md'), 'w') as f:
				f.write(markdown(MATRIX_HEAD, rows))
	head = ['result', 'passed', 'failed', 'skipped', 'time (s)', '']
	lines.append(text_table(head, [[o.name] + _cols(o.counts) +
				       [f'{o.seconds:.0f}', 'ok' if o.ok else 'RED']
				       for o in outcomes], left=1))
	for o in outcomes:
		for reason, n in skip_reasons(o):
			lines.append(f'  {o.name}: skipped {n}: {reason}')
	for o in outcomes:
		for c in o.cases:
			if c.status == FAIL:
				lines.append(f'  {o.name}: FAILED {c.suite}:{c.full_name}'
					     + (f': {c.reason}' if c.reason else ''))
		for p in o.problems:
			lines.append(f'  {o.name}: FAILED: {p}')
	lines.append(closing_line(outcomes))
	return '\n'.join(lines)


DOCUMENTED_RE = re.compile(r'``((?:ptwalk_\w+\.ptwalk_test_\w+)|(?:[\w-]+:\w+\.\w+))``')
# The runs whose tests Documentation/tests.rst describes.
DOCUMENTED_KINDS = ('kunit', 'selftests', 'tool')


def documented_names(rst: str) -> set:
	return set(DOCUMENTED_RE.findall(rst))


def kunit_source_names(c_source: str) -> set:
	""""suite.case" of every KUnit case a *_kunit.c file defines: its
	kunit_suite's .name and the KUNIT_CASE*() of its .test_cases array."""
	arrays = {m.group(1): re.findall(r'KUNIT_CASE\w*\((\w+)', m.group(2))
		  for m in re.finditer(r'struct kunit_case (\w+)\[\] = \{(.*?)\n\};',
				       c_source, re.S)}
	names = set()
	for m in re.finditer(r'struct kunit_suite \w+ = \{(.*?)\n\};', c_source, re.S):
		suite = re.search(r'\.name = "(\w+)"', m.group(1))
		cases = re.search(r'\.test_cases = (\w+)', m.group(1))
		if suite and cases:
			names |= {f'{suite.group(1)}.{c}' for c in arrays.get(cases.group(1), [])}
	return names


def selftest_source_names(program: str, c_source: str) -> set:
	""""program:fixture.test" of every test a kselftest harness program
	defines (TEST(): fixture "global"), as doc_names() spells them."""
	names = {f'{program}:global.{t}' for t in
		 re.findall(r'^TEST(?:_SIGNAL)?\((\w+)', c_source, re.M)}
	names |= {f'{program}:{f}.{t}' for f, t in
		  re.findall(r'^TEST_F(?:_TIMEOUT|_SIGNAL)?\((\w+),\s*(\w+)', c_source, re.M)}
	return names


def doc_names(outcomes: Sequence[Outcome]) -> set:
	"""The names Documentation/tests.rst uses: KUnit "suite.case";
	selftests "program:fixture.test" (a fixture's variants are one name)."""
	names = set()
	for o in outcomes:
		if o.kind not in DOCUMENTED_KINDS:
			continue
		for c in o.cases:
			if c.name == '(program)':
				continue
			if o.kind == 'kunit':
				names.add(f'{c.suite}.{c.name}')
			else:
				parts = c.name.split('.')
				names.add(f'{c.suite}:{parts[0]}.{parts[-1]}')
	return names


