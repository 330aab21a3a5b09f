# SPDX-License-Identifier: GPL-2.0
#
# 'make host-state': the selftests leave the host as they found it.
#
# Each program that changes the host's settings runs under strace, killed
# (a SIGKILL injected) at the Nth call of one system call, for every N until
# a run ends untouched, and for every system call the change sequence makes
# (selftests/host_state.c: flock, mkdir, openat, write, rename, unlink,
# rmdir). After each kill the program runs again, whole, and must not fail;
# then every hugetlb pool, surplus count, overcommit limit and THP mode must
# be what it was, and no record be left. Then pairs of runs at once. All of
# it with another process holding surplus hugetlb pages throughout, where
# the kernel lets one.
#
# Copyright (C) 2026 The ptwalk authors

import glob
import mmap
import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from typing import Dict, Iterator, List, Optional, Sequence, Tuple
from contextlib import contextmanager

from ptwalk_results import FAIL, PASS, SKIP, Case, Outcome
from ptwalk_tree import info

SYSFS_MM = '/sys/kernel/mm'
# Where the selftests write their records down: host_state.c's, and the
# ledger of the helpers before it (a leftover is a leak either way).
RECORD_DIRS = ('/run/ptwalk', '/run/ptwalk-hugetlb')
KILL_SYSCALLS = ('flock', 'mkdir', 'openat', 'write', 'rename', 'unlink', 'rmdir')
MAX_CALLS = 400		# no program makes more calls of one kind per process
SURPLUS_PAGES = 4


@dataclass(frozen=True)
class Scenario:
	"""A selftest program (and its arguments) that changes settings."""
	name: str
	argv: Tuple[str, ...]


SCENARIOS = (
	Scenario('hugetlb_pool', ('hugetlb_pool',)),
	Scenario('thp-modes', ('pagemap_low_bits', '-t', 'thp_pmd_size_on_global_off')),
	Scenario('hugetlb-low-bits', ('pagemap_low_bits', '-f', 'hugetlb')),
)


def _read(path: str) -> Optional[str]:
	try:
		with open(path) as f:
			return f.read().strip()
	except OSError:
		return None


def host_settings(mm: str = SYSFS_MM, record_dirs: Sequence[str] = RECORD_DIRS) -> Dict[str, str]:
	"""Every setting a test may change, by path: each hugetlb size's
	nr_hugepages, surplus_hugepages and nr_overcommit_hugepages, every THP
	mode file, and the record directories that exist (with their files)."""
	paths = []
	for d in sorted(glob.glob(os.path.join(mm, 'hugepages', 'hugepages-*kB'))):
		paths += [os.path.join(d, f) for f in
			  ('nr_hugepages', 'surplus_hugepages', 'nr_overcommit_hugepages')]
	thp = os.path.join(mm, 'transparent_hugepage')
	paths += [os.path.join(thp, 'enabled')]
	paths += sorted(glob.glob(os.path.join(thp, 'hugepages-*kB', 'enabled')))
	found = {p: v for p in paths for v in [_read(p)] if v is not None}
	for d in record_dirs:
		if os.path.isdir(d):
			found[d] = 'left: ' + ' '.join(sorted(os.listdir(d)))
	return found


def settings_diff(before: Dict[str, str], after: Dict[str, str]) -> List[str]:
	"""What changed, one 'path: before -> after' per setting."""
	return [f'{k}: {before.get(k, "absent")} -> {after.get(k, "absent")}'
		for k in sorted(set(before) | set(after)) if before.get(k) != after.get(k)]


def put_back(found: Dict[str, str]) -> None:
	"""Make the settings @found again, whatever the programs under test
	left: the stress must leave the host as found even where they do not."""
	now = host_settings()
	for path, value in found.items():
		if now.get(path) == value or path.endswith('surplus_hugepages'):
			continue
		if path.endswith('/nr_hugepages'):
			surplus = found.get(path.replace('nr_hugepages', 'surplus_hugepages'), '0')
			value = str(int(value) - int(surplus))	# the persistent size
		m = re.search(r'\[(\w+)\]', value)
		try:
			with open(path, 'w') as f:
				f.write(m.group(1) if m else value)
		except OSError as e:
			info(f'[host-state] cannot put {path} back: {e}')
	for d in RECORD_DIRS:
		if d not in found:
			shutil.rmtree(d, ignore_errors=True)


def killed_by_injection(log: str, syscall: str) -> bool:
	"""Whether strace's log (-f -o, tracing @syscall) shows a process killed
	inside @syscall: its last line an unfinished call ('= ?'), then '+++
	killed by SIGKILL +++'. A process that kills itself is not."""
	inside: Dict[str, bool] = {}
	for line in log.splitlines():
		pid, _, rest = line.partition(' ')
		rest = rest.strip()
		if rest.startswith('+++ killed by SIGKILL') and inside.get(pid):
			return True
		if not rest.startswith(('---', '+++')):
			inside[pid] = rest.endswith('= ?') and (
				rest.startswith(syscall + '(') or rest.startswith(f'<... {syscall} resumed>'))
	return False


def failed_tests(tap: str) -> List[str]:
	"""The 'not ok' lines of a kselftest program's TAP."""
	return [l for l in tap.splitlines() if re.match(r'^(# )*not ok ', l)]


def run_program(programs: str, sc: Scenario, timeout: float = 300) -> str:
	"""@sc once, whole; its TAP."""
	r = subprocess.run([os.path.join(programs, sc.argv[0])] + list(sc.argv[1:]), cwd=programs,
			   capture_output=True, text=True, timeout=timeout)
	return r.stdout


def kill_run(programs: str, sc: Scenario, syscall: str, n: int, log: str) -> bool:
	"""@sc under strace, SIGKILL at each process's @n-th @syscall. Returns
	whether a process was killed there (else @n is past its last call)."""
	cmd = ['strace', '-f', '-qq', '-o', log, '-e', f'trace={syscall}',
	       '-e', f'inject={syscall}:signal=KILL:when={n}',
	       os.path.join(programs, sc.argv[0])] + list(sc.argv[1:])
	subprocess.run(cmd, cwd=programs, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
		       timeout=300)
	with open(log) as f:
		return killed_by_injection(f.read(), syscall)


def kill_steps(programs: str, sc: Scenario, syscall: str, found: Dict[str, str],
	       work: str) -> Case:
	"""Every kill of @sc at one @syscall, each followed by a whole run; the
	settings after each must be @found. One case."""
	name = f'{sc.name} killed at each {syscall}()'
	log = os.path.join(work, f'strace-{sc.name}-{syscall}.log')
	n = 0
	while n < MAX_CALLS:
		n += 1
		if not kill_run(programs, sc, syscall, n, log):
			break
		failed = failed_tests(run_program(programs, sc))
		diff = settings_diff(found, host_settings())
		if failed or diff:
			put_back(found)
			return Case('host-state', name, FAIL,
				    f'killed at call {n}, then ' +
				    (f'the next run failed: {failed[0]}' if failed else
				     'the next run left ' + '; '.join(diff)))
	return Case('host-state', name, PASS, f'killed at calls 1-{n - 1}' if n > 1 else 'never called')


def concurrent_runs(programs: str, sc: Scenario, pairs: int,
		    found: Dict[str, str]) -> Case:
	"""@pairs times, two runs of @sc at once: none may fail, and the
	settings after all of them must be @found."""
	name = f'{sc.name} two runs at once, {pairs} times'
	cmd = [os.path.join(programs, sc.argv[0])] + list(sc.argv[1:])
	failures: List[str] = []
	for _ in range(pairs):
		procs = [subprocess.Popen(cmd, cwd=programs, stdout=subprocess.PIPE,
					  stderr=subprocess.DEVNULL, text=True) for _ in range(2)]
		for p in procs:
			out, _ = p.communicate(timeout=300)
			failures += failed_tests(out)
	diff = settings_diff(found, host_settings())
	put_back(found)
	if failures or diff:
		return Case('host-state', name, FAIL,
			    f'{len(failures)} failed ({failures[0]})' if failures else
			    'left ' + '; '.join(diff))
	return Case('host-state', name, PASS)


def default_hugetlb_kb() -> int:
	"""The default hugetlb page size (/proc/meminfo's Hugepagesize), or 0."""
	m = re.search(r'^Hugepagesize:\s+(\d+) kB', _read('/proc/meminfo') or '', re.M)
	return int(m.group(1)) if m else 0


@contextmanager
def surplus_held(pages: int = SURPLUS_PAGES) -> Iterator[str]:
	"""Another process holding @pages surplus hugetlb pages of the default
	size for the duration (the overcommit limit raised for them, and put
	back after). Yields what it holds, or why nothing."""
	kb = default_hugetlb_kb()
	pool = os.path.join(SYSFS_MM, 'hugepages', f'hugepages-{kb}kB')
	limit = os.path.join(pool, 'nr_overcommit_hugepages')
	old = _read(limit)
	if not kb or old is None or not hasattr(os, 'MFD_HUGETLB'):
		yield 'no hugetlb pages'
		return
	fd = os.memfd_create('ptwalk-surplus', os.MFD_HUGETLB)
	held: Optional[mmap.mmap] = None
	try:
		with open(limit, 'w') as f:
			f.write(str(int(old) + pages))
		os.ftruncate(fd, pages * kb * 1024)
		held = mmap.mmap(fd, pages * kb * 1024)
		for i in range(pages):
			held[i * kb * 1024] = 1
		what = (f'{pages} surplus {kb} kB pages held '
			f'({_read(os.path.join(pool, "surplus_hugepages"))} surplus)')
	except OSError as e:
		what = f'no surplus pages: {e}'
	try:
		yield what
	finally:
		if held:
			held.close()
		os.close(fd)
		with open(limit, 'w') as f:
			f.write(old)


def stress(programs: str, work: str, pairs: int,
	   scenarios: Sequence[Scenario] = SCENARIOS) -> Outcome:
	"""make host-state: every kill step and @pairs concurrent runs of each
	scenario, with surplus pages held, then the host as found."""
	out = Outcome('host-state', 'host')
	start = time.monotonic()
	os.makedirs(work, exist_ok=True)
	if os.geteuid():
		out.cases.append(Case('host-state', 'settings', SKIP, 'changing them needs root'))
		return out
	before_all = host_settings()
	with surplus_held() as held:
		info(f'[host-state] {held}')
		found = host_settings()
		for sc in scenarios:
			if not os.access(os.path.join(programs, sc.argv[0]), os.X_OK):
				out.problems.append(f'no {sc.argv[0]} in {programs}')
				continue
			for syscall in KILL_SYSCALLS:
				c = kill_steps(programs, sc, syscall, found, work)
				out.cases.append(c)
				info(f'[host-state] {c.name}: {c.status} {c.reason}')
			c = concurrent_runs(programs, sc, pairs, found)
			out.cases.append(c)
			info(f'[host-state] {c.name}: {c.status} {c.reason}')
	diff = settings_diff(before_all, host_settings())
	put_back(before_all)
	if diff:
		out.problems.append('after the surplus pages were let go: ' + '; '.join(diff))
	out.seconds = time.monotonic() - start
	return out
