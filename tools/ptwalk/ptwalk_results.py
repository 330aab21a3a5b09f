# SPDX-License-Identifier: GPL-2.0
#
# What a run produced, read once: kunit.py's JSON with the kernel log beside
# it, and kselftest TAP (the tree's runner, or one harness program). Each run
# becomes one Outcome: its cases and the problems that make it red beyond
# failed cases (a crash, a missing line, a splat in the kernel log, a
# timeout, a build failure). The verdict of a run is Outcome.ok, nothing else.
#
# Copyright (C) 2026 The ptwalk authors

import dataclasses
import json
import os
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterable, List, Optional, Set, Tuple

PASS, FAIL, SKIP = 'PASS', 'FAIL', 'SKIP'

# What must never appear in the kernel log of a passing run (KUnit or guest).
BAD_LOG_RE = re.compile(r'WARNING:|BUG:|Oops|Kernel panic|general protection fault|'
			r'UBSAN:|KASAN:')
# How many of those lines an Outcome quotes.
BAD_LOG_QUOTED = 5
# How an Outcome's problem says that its kernel did not build.
BUILD_FAILED = 'kernel build failed'


@dataclass(frozen=True)
class Counts:
	passed: int = 0
	failed: int = 0
	skipped: int = 0

	def __add__(self, other: 'Counts') -> 'Counts':
		return Counts(self.passed + other.passed, self.failed + other.failed,
			      self.skipped + other.skipped)

	def __str__(self) -> str:
		return f'{self.passed} passed, {self.failed} failed, {self.skipped} skipped'


@dataclass(frozen=True)
class Case:
	"""One test result: a KUnit case (or one parameter of it), or a harness test."""
	suite: str		# KUnit suite, or selftest program
	name: str		# KUnit case, or harness fixture[.variant].test
	status: str		# PASS, FAIL or SKIP
	reason: str = ''	# why it was skipped or failed, if said
	param: str = ''		# KUnit parameter description

	@property
	def full_name(self) -> str:
		return f'{self.name}[{self.param}]' if self.param else self.name


@dataclass
class Outcome:
	"""The one verdict of one run."""
	name: str		# results/<name>.*: kunit-6.12-um, selftests-6.1-x86_64, ...
	kind: str		# kunit, selftests or tool
	cell: str = ''		# KVER:GEOMETRY, or '' for a run on the host
	seconds: float = 0.0
	cases: List[Case] = field(default_factory=list)
	problems: List[str] = field(default_factory=list)
	# What the cell proved about its geometry (kunit_geometry())
	geometry: Dict[str, str] = field(default_factory=dict)
	# The kernel it ran on (ptwalk_kcidb.kernel_facts()): source, build
	kernel: Dict[str, str] = field(default_factory=dict)

	@property
	def counts(self) -> Counts:
		"""Cases by status; each problem is one more failure."""
		return Counts(sum(c.status == PASS for c in self.cases),
			      sum(c.status == FAIL for c in self.cases) + len(self.problems),
			      sum(c.status == SKIP for c in self.cases))

	@property
	def ok(self) -> bool:
		return self.counts.failed == 0

	def to_json(self) -> str:
		return json.dumps(dataclasses.asdict(self), indent=1)

	@classmethod
	def from_json(cls, text: str) -> 'Outcome':
		d = json.loads(text)
		d['cases'] = [Case(**c) for c in d.get('cases', [])]
		return cls(**d)


def bad_log_lines(text: str) -> List[str]:
	return [l.strip() for l in text.splitlines() if BAD_LOG_RE.search(l)]


def _log_problems(text: str, what: str) -> List[str]:
	bad = bad_log_lines(text)
	problems = [f'{what}: {l}' for l in bad[:BAD_LOG_QUOTED]]
	if len(bad) > BAD_LOG_QUOTED:
		problems.append(f'{what}: {len(bad) - BAD_LOG_QUOTED} more such lines')
	return problems


# ---- KUnit: kunit.py's JSON, and the kernel log it parsed ------------------

_TIME_RE = re.compile(r'^\[\s*\d+\.\d+\]\s?')
_SUBTEST_RE = re.compile(r'^\s*# Subtest: (.+?)\s*$')
# 6.12: "ok 3 name # SKIP why"; 6.1: "ok 3 - name # SKIP why".
_KTAP_RESULT_RE = re.compile(r'^\s*(?:not ok|ok) \d+ (?:- )?(.*?)(?: # SKIP(?: (.*?))?)?\s*$')
# The kernel's own count for a parameterised case, on every version.
_CASE_TOTALS_RE = re.compile(r'^\s*# (\S+): pass:(\d+) fail:(\d+) skip:(\d+) total:(\d+)\s*$')
# What ptwalk_skip() (kunit/tests/compat_kunit.h) logs before a skipped
# parameter on kernels whose parameter result lines lack "# SKIP" (6.1).
_PARAM_SKIP_RE = re.compile(r'^\s*# (\S+): SKIP (.*?)\s*$')
# A failed KUNIT_EXPECT/ASSERT/FAIL; its message follows on lines of its own.
_FAILED_AT_RE = re.compile(r'^\s*# \S+: (?:EXPECTATION|ASSERTION) FAILED at (\S+)\s*$')
FAILURE_LINES = 2	# of the message kept after "FAILED at file:line"
# A case KUnit itself ended (lib/kunit/try-catch.c, test.c): no expectation
# failed, the line is the reason.
_KUNIT_ENDED_RE = re.compile(r'^\s*# \S+: (try timed out|try faulted.*|Unknown error: .*|'
			     r'failed to initialize: .*)$')


@dataclass
class KtapNotes:
	"""What kunit.py's JSON leaves out, read from the kernel log."""
	# (suite, case, param) -> the reason after '# SKIP'; param '' for a case
	skip_reasons: Dict[Tuple[str, str, str], str] = field(default_factory=dict)
	# (suite, case) -> (pass, fail, skip, total) of a parameterised case
	case_totals: Dict[Tuple[str, str], Tuple[int, int, int, int]] = field(default_factory=dict)
	# (suite, case, param) -> reason: skipped, by ptwalk_skip()'s own line,
	# though the result line does not say so
	unmarked_skips: Dict[Tuple[str, str, str], str] = field(default_factory=dict)
	# (suite, case, param) -> where its first expectation failed, and why
	failures: Dict[Tuple[str, str, str], str] = field(default_factory=dict)


def read_ktap_notes(log: str, suites: Dict[str, Iterable[str]]) -> KtapNotes:
	"""Skip reasons, first failures and per-case totals of the suites
	(suite -> its parameterised cases) in a kernel log; everything else
	is left to kunit.py."""
	notes = KtapNotes()
	suite = group = pending = None
	failure: List[str] = []		# the case's first failure so far
	reading = False			# the lines of its message follow
	for raw in log.splitlines():
		line = _TIME_RE.sub('', raw)
		m = _FAILED_AT_RE.match(line)
		if m and suite:
			reading = not failure
			failure = failure or [os.path.basename(m.group(1)) + ':']
			continue
		m = _KUNIT_ENDED_RE.match(line)
		if m and suite:
			failure = failure or [f'KUnit: {m.group(1).strip()}']
			reading = False
			continue
		reading = reading and bool(line.strip()) and \
			not line.lstrip().startswith(('#', 'ok ', 'not ok '))
		if reading:
			if len(failure) <= FAILURE_LINES:
				failure.append(line.strip())
			continue
		m = _SUBTEST_RE.match(line)
		if m:
			name = m.group(1)
			if name in suites:
				suite, group = name, None
			elif suite and name in suites[suite]:
				group = name
			continue
		if suite is None:
			continue
		m = _CASE_TOTALS_RE.match(line)
		if m:
			p, f, s, t = (int(x) for x in m.groups()[1:])
			notes.case_totals[(suite, m.group(1))] = (p, f, s, t)
			continue
		m = _PARAM_SKIP_RE.match(line)
		if m and m.group(1) == group:
			pending = m.group(2)
			continue
		m = _KTAP_RESULT_RE.match(line)
		if not m:
			continue
		name, reason = m.group(1), m.group(2)
		if failure and line.lstrip().startswith('not ok ') and name != suite:
			key = (suite, group, name) if group else (suite, name, '')
			notes.failures[key] = ' '.join(failure)
		failure = []
		if name == suite:
			suite = group = None
		elif group and name == group:
			group = None
			if reason is not None:
				notes.skip_reasons[(suite, name, '')] = reason
		elif reason is not None:
			key = (suite, group, name) if group else (suite, name, '')
			notes.skip_reasons[key] = reason
		elif group and pending is not None:
			notes.unmarked_skips[(suite, group, name)] = pending
		pending = None
	return notes


_JSON_STATUS = {'PASS': PASS, 'SKIP': SKIP}	# FAIL, ERROR (crashed): FAIL


def kunit_cases(root: Dict[str, Any], log: str) -> List[Case]:
	"""The cases of kunit.py's JSON, completed from the kernel log: skip
	reasons, and 6.1's parameter results (a 6.1 kernel does not mark a
	skipped parameter '# SKIP'; kunit.py then calls it passed, while the
	kernel's totals line for the case counts it skipped)."""
	suites = root.get('sub_groups', [])
	groups: Dict[str, Iterable[str]] = {
		s['name']: [g['name'] for g in s.get('sub_groups', [])] for s in suites}
	notes = read_ktap_notes(log, groups)
	cases = []
	for s in suites:
		for c in s.get('test_cases', []):
			st = _JSON_STATUS.get(c['status'], FAIL)
			why = _skip_reason(notes, s['name'], c['name'], '') if st == SKIP else \
				notes.failures.get((s['name'], c['name'], ''), '') if st == FAIL else ''
			cases.append(Case(s['name'], c['name'], st, why))
		for g in s.get('sub_groups', []):
			cases += _param_cases(s['name'], g, notes)
	return cases


def _skip_reason(notes: KtapNotes, suite: str, case: str, param: str) -> str:
	"""A parameter's own reason, else its case's (6.1 gives it only there)."""
	r = notes.skip_reasons.get((suite, case, param))
	if r is None and param:
		r = notes.skip_reasons.get((suite, case, ''))
	return r or ''


def _param_cases(suite: str, group: Dict[str, Any], notes: KtapNotes) -> List[Case]:
	"""The parameters of one case. Where kunit.py's statuses disagree with
	the kernel's totals line (6.1: a skipped parameter looks passed), the
	skipped ones are those ptwalk_skip() announced, or all of them when the
	totals say all were skipped; if that still disagrees, which parameter
	did what is unknown, and each is a failure that says so."""
	name = group['name']
	params = [p['name'] for p in group.get('test_cases', [])]
	statuses = [_JSON_STATUS.get(p['status'], FAIL) for p in group.get('test_cases', [])]
	why = {p: _skip_reason(notes, suite, name, p) for p in params}
	t = notes.case_totals.get((suite, name))
	if t and statuses.count(SKIP) != t[2]:
		for i, p in enumerate(params):
			r = notes.unmarked_skips.get((suite, name, p))
			if statuses[i] == PASS and (r is not None or t[0] == 0):
				statuses[i] = SKIP
				why[p] = r if r is not None else why[p]
		if (statuses.count(PASS), statuses.count(FAIL), statuses.count(SKIP)) != \
		   (t[0], t[1], t[2]) or len(params) != t[3]:
			msg = (f'the log does not say which parameters were skipped (kernel: '
			       f'pass:{t[0]} fail:{t[1]} skip:{t[2]} total:{t[3]})')
			return [Case(suite, name, FAIL, msg, param=p) for p in params]
	return [Case(suite, name, st, why[p] if st == SKIP else
		     notes.failures.get((suite, name, p), '') if st == FAIL else '', param=p)
		for p, st in zip(params, statuses)]


_COMPILER_ERROR_RE = re.compile(r': (?:fatal )?error: ')
_KUNIT_PY_ERROR_RE = re.compile(r'^ERROR:root:(.*)')


def build_error(log: str) -> str:
	"""What to say of a failed kunit.py build: the compiler's (or linker's)
	first error, else kunit.py's own (a kconfig option that did not
	apply, ...), else the log's last line."""
	lines = [l.strip() for l in log.splitlines() if l.strip()]
	for l in lines:
		if _COMPILER_ERROR_RE.search(l):
			return l
	for l in lines:
		m = _KUNIT_PY_ERROR_RE.match(l)
		if m:
			return m.group(1)
	return lines[-1] if lines else 'no output'


# What ptwalk_walker.ptwalk_test_geometry and ptwalk_leaves say they saw.
_GEOMETRY_RE = re.compile(r'# ptwalk_test_geometry: CONFIG_PGTABLE_LEVELS=\d+, '
			  r'levels in use=(\d+) .*, PAGE_SIZE=(\d+) KiB')
_LEAF_RE = re.compile(r'# ptwalk_test_direct_map_leaf: direct map (\w+) leaf of (\d+) KiB')


def size_name(kib: int) -> str:
	"""4 -> '4K', 2048 -> '2M', 1048576 -> '1G'."""
	for unit, shift in (('G', 20), ('M', 10)):
		if kib >= 1 << shift and not kib % (1 << shift):
			return f'{kib >> shift}{unit}'
	return f'{kib}K'


def kunit_geometry(cases: List[Case], log: str) -> Dict[str, str]:
	"""The geometry a cell proved: levels in use and page size, where the
	geometry case passed; the direct-map leaf sizes whose case passed.
	Nothing is taken from a case that did not pass."""
	passed = {(c.name, c.param) for c in cases if c.status == PASS}
	found: Dict[str, str] = {}
	leaves = set()
	for line in log.splitlines():
		m = _GEOMETRY_RE.search(line)
		if m and ('ptwalk_test_geometry', '') in passed:
			found['levels'] = m.group(1)
			found['page'] = size_name(int(m.group(2)))
		m = _LEAF_RE.search(line)
		if m and ('ptwalk_test_direct_map_leaf', m.group(1)) in passed:
			leaves.add(int(m.group(2)))
	if leaves:
		found['leaves'] = ' '.join(size_name(k) for k in sorted(leaves))
	return found


def geometry_problems(levels: int, page: str, proved: Dict[str, str]) -> List[str]:
	"""What the walker proved (kunit_geometry()) against the @levels and
	@page config/matrix.toml gives the geometry; nothing where the geometry
	case did not pass (its own verdict says why)."""
	if 'levels' not in proved:
		return []
	said = f'{levels} levels, {page} pages'
	found = f'{proved["levels"]} levels, {proved.get("page")} pages'
	return [] if said == found else [f'the walker proved {found}; config/matrix.toml says {said}']


def kunit_outcome(name: str, json_text: Optional[str], log: str, *, cell: str = '',
		  exit_code: int = 0, timed_out: Optional[float] = None,
		  build_error: Optional[str] = None, must_pass: Iterable[str] = ()) -> Outcome:
	"""The verdict of one kunit.py exec (or of the build before it). Each
	pattern of @must_pass names cases as SUITE.CASE or SUITE.CASE[PARAM]:
	at least one must have run, and none may have been skipped."""
	out = Outcome(name, 'kunit', cell)
	if build_error is not None:
		out.problems.append(f'{BUILD_FAILED}: {build_error}')
		return out
	if timed_out:
		out.problems.append(f'kunit.py timed out after {timed_out:.0f} s')
	root = None
	if json_text:
		try:
			root = json.loads(json_text)
		except ValueError as e:
			out.problems.append(f'kunit.py JSON unreadable: {e}')
	if root is not None:
		out.cases = kunit_cases(root, log)
		out.geometry = kunit_geometry(out.cases, log)
	if not out.cases:
		out.problems.append('no KUnit results (kunit.py found no test output)')
	else:
		_require(out, must_pass, lambda c: f'{c.suite}.{c.full_name}')
	out.problems += _log_problems(log, 'kernel log')
	if exit_code and out.ok:
		out.problems.append(f'kunit.py exited {exit_code} with no failed case')
	return out


# ---- kselftest TAP: the tree's runner, or one harness program --------------

# "selftests: DIR: PROGRAM": DIR is the collection, or the directory the
# runner ran in (lib.mk's run_tests outside a tree: a path).
_PROGRAM_RE = re.compile(r'^# selftests: (.+): (\S+)\s*$')
_PROGRAM_RESULT_RE = re.compile(r'^(not ok|ok) \d+ selftests: (.+?): (\S+)(?: # (.*))?$')
_PLAN_RE = re.compile(r'^1\.\.(\d+)\s*$')
_RUN_RE = re.compile(r'^#\s+RUN\s+(\S+) \.\.\.')
# 6.1's harness leaves the name out of a skipped test's line: "ok 3 # SKIP why".
_TAP_RESULT_RE = re.compile(r'^(not ok|ok) \d+(?: ([^#\s]\S*))?\s*'
			    r'(?:# (SKIP|XFAIL|XPASS|TODO)\b\s*(.*))?$')
_TOTALS_RE = re.compile(r'^# Totals: pass:(\d+) fail:(\d+) xfail:(\d+) xpass:(\d+) '
			r'skip:(\d+) error:(\d+)')


@dataclass
class Program:
	"""One selftest program's part of a TAP stream."""
	name: str
	cases: List[Case] = field(default_factory=list)
	totals: Optional[Counts] = None	# its harness's closing "# Totals:" line
	result: Optional[str] = None		# the runner's "ok"/"not ok" for it
	result_note: str = ''			# what follows '#' on that line


def _harness_line(prog: Program, line: str, running: List[str]) -> None:
	m = _RUN_RE.match(line)
	if m:
		running[0] = m.group(1)
		return
	m = _TOTALS_RE.match(line)
	if m:
		p, f, xf, xp, s, e = map(int, m.groups())
		prog.totals = Counts(p + xf, f + xp + e, s)
		return
	m = _TAP_RESULT_RE.match(line)
	if not m:
		return
	ok, name, directive, text = m.groups()
	if directive == 'SKIP':
		st = SKIP
	elif directive == 'XFAIL':
		st = PASS
	elif directive == 'XPASS':
		st = FAIL
	else:
		st = PASS if ok == 'ok' else FAIL
	prog.cases.append(Case(prog.name, name or running[0], st,
			       (text or '').strip() if st != PASS else ''))


def read_kselftest(text: str, program: str = '') -> Tuple[List[Program], Optional[int]]:
	"""The programs of a kselftest TAP stream, and its top-level plan.

	@text is either the output of the tree's runner (run_kselftest.sh, or
	lib.mk's run_tests: one "# selftests: COLLECTION: PROGRAM" section per
	program, its output prefixed "# ") or, with @program, the output of one
	harness program run by itself.
	"""
	programs: List[Program] = []
	plan = None
	prog = Program(program) if program else None
	if prog:
		programs.append(prog)
	running = ['?']
	for raw in text.splitlines():
		line = raw.rstrip('\r\n')
		if not program:
			m = _PROGRAM_RE.match(line)
			if m:
				prog = Program(m.group(2))
				programs.append(prog)
				running = ['?']
				continue
			m = _PROGRAM_RESULT_RE.match(line)
			if m:
				if prog is None or prog.name != m.group(3):
					prog = Program(m.group(3))
					programs.append(prog)
				prog.result, prog.result_note = m.group(1), m.group(4) or ''
				prog = None
				continue
			m = _PLAN_RE.match(line)
			if m and plan is None:
				plan = int(m.group(1))
				continue
			if prog is None or not line.startswith('# '):
				continue
			line = line[2:]
		else:
			m = _PLAN_RE.match(line)
			if m and plan is None:
				plan = int(m.group(1))
				continue
		assert prog is not None
		_harness_line(prog, line, running)
	return programs, plan


def selftests_outcome(name: str, text: str, *, kind: str = 'selftests', cell: str = '',
		      program: str = '', expect: Optional[List[str]] = None,
		      must_pass: Iterable[str] = ()) -> Outcome:
	"""The verdict of a kselftest run from its TAP (see read_kselftest()).

	Red when a test fails, and when the run is incomplete: a program of
	@expect (or of the runner's plan) without output, a result line or its
	harness's totals line, or totals that disagree with the result lines.
	Each pattern of @must_pass must name at least one test, and none of
	those may be skipped.
	"""
	out = Outcome(name, kind, cell)
	programs, plan = read_kselftest(text, program)
	for p in programs:
		out.cases += p.cases
		if not program and p.result is None:
			out.problems.append(f'{p.name}: no result line (the run stopped in it)')
		if p.totals is None:
			out.problems.append(f'{p.name}: no totals line (its output is incomplete)')
		elif p.totals != sum((_case_counts(c) for c in p.cases), Counts()):
			out.problems.append(f'{p.name}: totals line says {p.totals}, '
					    'its result lines do not')
		if p.result == 'not ok' and not any(c.status == FAIL for c in p.cases):
			out.cases.append(Case(p.name, '(program)', FAIL,
					      p.result_note or 'the program failed'))
	names = [p.name for p in programs]
	for want in expect or []:
		if want not in names:
			out.problems.append(f'{want}: no output at all')
	if not program and plan is not None and len(programs) < plan:
		out.problems.append(f'{len(programs)} of {plan} programs ran')
	if not programs:
		out.problems.append('no selftest output')
	_require(out, must_pass, lambda c: c.name)
	return out


def _require(out: Outcome, must_pass: Iterable[str], name: Callable[[Case], str]) -> None:
	"""Each pattern of @must_pass must match the name() of at least one
	case of @out, and none of those may have been skipped."""
	for pattern in must_pass:
		hits = [c for c in out.cases if re.search(pattern, name(c))]
		if not hits:
			out.problems.append(f"no test matching '{pattern}' ran; it must pass here")
		for c in hits:
			if c.status == SKIP:
				out.problems.append(f'{c.suite}:{c.full_name} must pass here, not skip '
						    f'({c.reason})')


def _case_counts(c: Case) -> Counts:
	return Counts(c.status == PASS, c.status == FAIL, c.status == SKIP)


# ---- the selftests guest: console log of one QEMU boot ---------------------

GUEST_DONE_RE = re.compile(r'^ptwalk-guest: selftests done', re.M)


def guest_outcome(name: str, console: str, *, cell: str = '', expect: Optional[List[str]] = None,
		  must_pass: Iterable[str] = (), exit_code: int = 0,
		  timed_out: Optional[float] = None, own_symbols: Iterable[str] = ()) -> Outcome:
	"""The verdict of one selftests guest boot from its serial console. A
	kmemleak report whose backtrace names one of @own_symbols (ptwalk's
	functions) is a problem too."""
	console = console.replace('\r', '')
	out = selftests_outcome(name, tap_of_console(console), cell=cell, expect=expect, must_pass=must_pass)
	problems = []
	if timed_out:
		problems.append(f'the guest timed out after {timed_out:.0f} s')
	problems += _log_problems(console, 'guest console')
	if not GUEST_DONE_RE.search(console) and not timed_out:
		problems.append(f'the guest stopped before the selftests finished (QEMU exit {exit_code})')
	leaks = kmemleak_reports(console)
	if leaks is not None:
		problems += leak_problems(leaks, set(own_symbols))
	elif KMEMLEAK_FAILED in console:
		problems.append('kmemleak could not scan')
	out.problems = problems + out.problems
	return out


def console_section(console: str, begin: str, end: str) -> Tuple[Optional[str], bool]:
	"""The lines between the line @begin and the line @end of a console
	(None if there is no @begin), and whether @end was there."""
	console = console.replace('\r', '')
	start = console.find(begin + '\n')
	if start < 0:
		return None, False
	start += len(begin) + 1
	stop = console.find(end + '\n', start)
	return (console[start:], False) if stop < 0 else (console[start:stop], True)


def tap_of_console(console: str) -> str:
	"""The runner's TAP inside a guest console log: from its header to the
	init's line after the runner."""
	console = console.replace('\r', '')
	start = console.find('TAP version 13')
	if start < 0:
		return ''
	m = GUEST_DONE_RE.search(console, start)
	return console[start:m.start()] if m else console[start:]


# ---- the debug guest: the suites again under fault injection; kmemleak ----
#
# config/guest/init runs the KUnit suites a second time from debugfs where
# the kernel has failslab and fail_page_alloc, failing allocations of the
# cases' threads, and prints kmemleak's findings at the end.

FAULTS_BEGIN = 'ptwalk-guest: fault injection results begin'
FAULTS_END = 'ptwalk-guest: fault injection results end'
_FAULTS_SKIPPED_RE = re.compile(r'^ptwalk-guest: fault injection skipped: (.*?)\s*$', re.M)
_FAULTS_FAILED_RE = re.compile(r'^ptwalk-guest: fault injection: (\w+) failed (-?\d+) allocations', re.M)
# The reason ptwalk_test_need() (kunit/tests/test_util.c) skips with.
ALLOC_SKIP = 'could not allocate '
# A case that skipped at boot is not run again from debugfs: 6.7+'s
# kunit_run_tests() keeps each case's status between runs and takes a
# skipped one for a case kunit.filter_action=skip marked, which it reports
# skipped, without a reason, and does not run.
NOT_RUN_AGAIN = ('not run again: it skipped at boot, and kunit_run_tests() takes that for '
		 "kunit.filter_action=skip's mark")


def fault_injection_ktap(console: str) -> Optional[str]:
	"""The KTAP document of the suites' run under fault injection."""
	return console_section(console, FAULTS_BEGIN, FAULTS_END)[0]


def console_failure(console: str, case: str) -> str:
	"""Why @case failed, from its KERN_ERR lines on the console: a case's
	own log, which the results file is made of, grows by allocations of the
	case's thread, and fault injection fails those too, so the results can
	lack the lines the console has."""
	lines = [_TIME_RE.sub('', l) for l in console.splitlines()]
	for i, line in enumerate(lines):
		m = _FAILED_AT_RE.match(line)
		if m and f'# {case}: ' in line:
			message = []
			for more in lines[i + 1:i + 1 + FAILURE_LINES]:
				if not more.strip() or not more[0].isspace() or \
				   more.lstrip().startswith(('#', 'ok ', 'not ok ')):
					break
				message.append(more.strip())
			return ' '.join([os.path.basename(m.group(1)) + ':'] + message)
		m = _KUNIT_ENDED_RE.match(line)
		if m and f'# {case}: ' in line:
			return f'KUnit: {m.group(1).strip()}'
	return ''


def injected_failures(console: str) -> Dict[str, int]:
	"""Fault attribute (failslab, fail_page_alloc) -> allocations it failed."""
	return {m.group(1): int(m.group(2)) for m in _FAULTS_FAILED_RE.finditer(console)}


def faults_outcome(name: str, console: str, json_text: Optional[str], *,
		   cell: str = '') -> Optional[Outcome]:
	"""The verdict of the suites' run under fault injection, from the
	guest console and kunit.py's JSON of its KTAP; None where the guest
	made no such run. A failed allocation must end its case in a skip
	(ptwalk_test_need()): a failed case is red here as anywhere, so is a
	suite that did not finish, and so is a run in which no allocation
	failed, which would prove nothing."""
	console = console.replace('\r', '')
	m = _FAULTS_SKIPPED_RE.search(console)
	if m:
		return Outcome(name, 'faults', cell, cases=[Case('fault-injection', '(run)', SKIP, m.group(1))])
	ktap, ended = console_section(console, FAULTS_BEGIN, FAULTS_END)
	if ktap is None:
		return None
	out = kunit_outcome(name, json_text, ktap, cell=cell)
	out.kind, out.geometry = 'faults', {}
	out.cases = [dataclasses.replace(c, reason=NOT_RUN_AGAIN)
		     if c.status == SKIP and not c.reason and not c.param else c for c in out.cases]
	out.cases = [dataclasses.replace(c, reason=console_failure(console, c.name))
		     if c.status == FAIL and not c.reason else c for c in out.cases]
	if not ended:
		out.problems.append('the guest stopped before the fault-injection results ended')
	if sum(injected_failures(console).values()) <= 0:
		out.problems.append('no allocation failed: the fault injection proved nothing')
	return out


KMEMLEAK_BEGIN = 'ptwalk-guest: kmemleak begin'
KMEMLEAK_END = 'ptwalk-guest: kmemleak end'
KMEMLEAK_FAILED = 'ptwalk-guest: kmemleak could not scan'
_LEAK_RE = re.compile(r'^unreferenced object (0x[0-9a-f]+) \(size (\d+)\):', re.M)
# A backtrace frame: "[<ffffffff8123>] name+0x1a/0x40" or "name+0x1a/0x40".
_FRAME_RE = re.compile(r'^\s+(?:\[<[0-9a-f]+>\] )?([A-Za-z_][\w.]*)\+0x[0-9a-f]+/0x[0-9a-f]+', re.M)


@dataclass(frozen=True)
class Leak:
	"""One kmemleak report: an object nothing points to any more."""
	address: str
	size: int
	frames: Tuple[str, ...]	# the allocation's backtrace, innermost first


def kmemleak_reports(console: str) -> Optional[List[Leak]]:
	"""The reports of kmemleak's scan at the end of the guest run; None if
	the guest printed none (no kmemleak, or it could not scan)."""
	text, ended = console_section(console, KMEMLEAK_BEGIN, KMEMLEAK_END)
	if text is None:
		return None
	text = '\n'.join(_TIME_RE.sub('', l) for l in text.splitlines()) + '\n'
	heads = list(_LEAK_RE.finditer(text))
	leaks = []
	for i, m in enumerate(heads):
		body = text[m.end():heads[i + 1].start() if i + 1 < len(heads) else len(text)]
		leaks.append(Leak(m.group(1), int(m.group(2)),
				  tuple(f.group(1) for f in _FRAME_RE.finditer(body))))
	return leaks


# The allocators' own frames at the top of a backtrace (6.10+ names the
# profiled ones *_noprof): the next frame is the one that allocated.
_ALLOCATOR_RE = re.compile(r'^_*(?:kmalloc|kzalloc|kcalloc|krealloc|kvmalloc|kmemdup|kstrdup|'
			   r'kmem_cache_alloc|vmalloc|vzalloc|alloc_pages|folio_alloc|'
			   r'get_free_pages)|_noprof$')


def allocated_by(leak: Leak) -> str:
	"""The function that called the allocator for @leak ('' if unknown)."""
	return next((f for f in leak.frames if not _ALLOCATOR_RE.search(f)), '')


def leak_problems(leaks: Iterable[Leak], own: Set[str]) -> List[str]:
	"""One problem per leak that one of the functions in @own allocated
	(a leak of a helper it called, a KUnit one say, is the helper's)."""
	return [f'kmemleak: {leak.size} bytes at {leak.address} unreferenced, '
		f'allocated in {allocated_by(leak)}() ({" < ".join(leak.frames[:6])})'
		for leak in leaks if allocated_by(leak) in own]
