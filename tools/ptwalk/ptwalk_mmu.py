# SPDX-License-Identifier: GPL-2.0
#
# The third side: QEMU's own MMU, asked about the addresses a guest
# publishes. The guest (selftests/mmu_witness.c) prints a batch of claims on
# its console, each an address with the physical address and leaf size one
# side of the kernel (its page-table walk, or pagemap) gave for it, and
# spins on the CPU. The host, following the console, stops the VM over QMP,
# makes sure it stopped in the publishing process's address space (the
# batch's canary page must translate to its frame), asks the human monitor's
# gva2gpa for each address and for the first and last byte of each claimed
# leaf, lets the VM go on and types its answer on the console:
#
#   ptwalk-mmu: begin ID N canary VA PA
#   ptwalk-mmu: claim ID VA PA|- LEAF_SIZE LEVEL WHO WHAT     (N lines)
#   ptwalk-mmu: end ID
#   ptwalk-mmu-ack ID DISAGREEMENTS                           (host -> guest)
#
# Each address is one case of the outcome mmu-<kver>-<geometry>.
#
# Copyright (C) 2026 The ptwalk authors

import json
import os
import re
import socket
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Protocol, Sequence, Tuple

from ptwalk_results import FAIL, PASS, SKIP, Case, Outcome

KERNEL_FLAG = 'ptwalk.mmu=1'
_BEGIN_RE = re.compile(r'ptwalk-mmu: begin (\S+) (\d+) canary (0x[0-9a-f]+) (0x[0-9a-f]+)')
_CLAIM_RE = re.compile(r'ptwalk-mmu: claim (\S+) (0x[0-9a-f]+) (0x[0-9a-f]+|-) '
		       r'(0x[0-9a-f]+|0) (\S+) (\S+) (\S+)')
_END_RE = re.compile(r'ptwalk-mmu: end (\S+)')
# QEMU prints the address with "%#" PRIx64: physical address 0 is "gpa: 0".
_GPA_RE = re.compile(r'^gpa: (0x[0-9a-f]+|0)\s*$')
# Stops until the VM is caught in the publisher's address space.
CANARY_TRIES = 50
# The kselftest runner's lines around the publishing program, in the
# guest's console: what the check adds to a boot is that program's time.
_PROGRAM_START_RE = re.compile(r'^# selftests: \S+: pagemap_mmu\s*$')
_PROGRAM_END_RE = re.compile(r'^(?:not )?ok \d+ selftests: \S+: pagemap_mmu\b')


@dataclass(frozen=True)
class Claim:
	"""One address as one side of the kernel sees it."""
	addr: int
	phys: Optional[int]	# of the byte at addr; None: not mapped
	leaf_size: int
	level: str
	who: str		# walk, pagemap
	what: str		# base, thp, hugetlb, ...

	def probes(self) -> List[Tuple[int, Optional[int]]]:
		"""(address, the physical address the claim implies for it): the
		address itself and, if mapped, its leaf's first and last byte."""
		if self.phys is None:
			return [(self.addr, None)]
		start = self.addr & ~(self.leaf_size - 1)
		base = self.phys - (self.addr - start)
		return [(self.addr, self.phys), (start, base),
			(start + self.leaf_size - 1, base + self.leaf_size - 1)]

	def __str__(self) -> str:
		said = f'{self.phys:#x} ({self.level} leaf of {self.leaf_size:#x})' \
			if self.phys is not None else 'not mapped'
		return f'{self.who} says {said}'


@dataclass
class Batch:
	"""What one process published for one stop of the VM."""
	id: str
	announced: int
	canary: Tuple[int, int]	# (address, physical address)
	claims: List[Claim] = field(default_factory=list)


class BatchReader:
	"""Batches out of console lines, complete at their end line. A line
	may carry kernel output before the prefix; a claim of no open batch,
	or a batch of the wrong length, is a problem."""

	def __init__(self) -> None:
		self.open: Dict[str, Batch] = {}
		self.problems: List[str] = []

	def line(self, text: str) -> Optional[Batch]:
		m = _CLAIM_RE.search(text)
		if m:
			b = self.open.get(m.group(1))
			if b is None:
				self.problems.append(f'a claim of no open batch: {text.strip()}')
				return None
			phys = None if m.group(3) == '-' else int(m.group(3), 16)
			b.claims.append(Claim(int(m.group(2), 16), phys, int(m.group(4), 16),
					      m.group(5), m.group(6), m.group(7)))
			return None
		m = _BEGIN_RE.search(text)
		if m:
			self.open[m.group(1)] = Batch(m.group(1), int(m.group(2)),
						      (int(m.group(3), 16), int(m.group(4), 16)))
			return None
		m = _END_RE.search(text)
		if not m:
			return None
		b = self.open.pop(m.group(1), None)
		if b is None:
			self.problems.append(f'the end of no open batch: {text.strip()}')
		elif len(b.claims) != b.announced:
			self.problems.append(f'batch {b.id}: {b.announced} claims announced, '
					     f'{len(b.claims)} read from the console')
			return None
		elif not b.claims:
			self.problems.append(f'batch {b.id}: nothing to compare')
			return None
		return b


def parse_gva2gpa(reply: str) -> Optional[int]:
	"""The physical address of the monitor's gva2gpa reply; None for
	"Unmapped". Anything else is an error of the monitor."""
	text = reply.strip()
	if text == 'Unmapped':
		return None
	m = _GPA_RE.match(text)
	if not m:
		raise ValueError(f'gva2gpa: {text!r}')
	return int(m.group(1), 16)


class Mmu(Protocol):
	"""What the checker needs of the machine: QemuMmu in a run, a table in tests."""

	def stop(self) -> None: ...
	def cont(self) -> None: ...
	def translate(self, vas: Sequence[int]) -> List[Optional[int]]: ...


class _UnixClient:
	"""A client on one of QEMU's unix sockets (server=on,wait=off),
	connected at first use: QEMU makes the socket once it runs."""

	def __init__(self, path: str, connect_timeout: float = 30.0) -> None:
		self.path = path
		self.connect_timeout = connect_timeout
		self.sock: Optional[socket.socket] = None
		self.buf = b''

	def _connect(self) -> None:
		deadline = time.monotonic() + self.connect_timeout
		while True:
			s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
			try:
				s.connect(self.path)
				break
			except OSError:
				s.close()
				if time.monotonic() > deadline:
					raise
				time.sleep(0.05)
		s.settimeout(60)
		self.sock = s

	def close(self) -> None:
		if self.sock:
			self.sock.close()
			self.sock = None


class Qmp(_UnixClient):
	"""A QMP client on QEMU's -qmp socket: what runs and stops the VM."""

	def _read(self) -> Dict[str, Any]:
		assert self.sock
		while b'\n' not in self.buf:
			data = self.sock.recv(65536)
			if not data:
				raise OSError('QMP: QEMU closed the socket')
			self.buf += data
		line, self.buf = self.buf.split(b'\n', 1)
		msg: Dict[str, Any] = json.loads(line)
		return msg

	def execute(self, command: str, **arguments: Any) -> Any:
		if self.sock is None:
			self._connect()
			self._read()	# the greeting
			self.execute('qmp_capabilities')
		assert self.sock
		msg: Dict[str, Any] = {'execute': command}
		if arguments:
			msg['arguments'] = arguments
		self.sock.sendall(json.dumps(msg).encode() + b'\n')
		while True:
			reply = self._read()
			if 'event' in reply:
				continue
			if 'error' in reply:
				raise OSError(f'QMP {command}: {reply["error"].get("desc", reply["error"])}')
			return reply.get('return')


class Hmp(_UnixClient):
	"""QEMU's human monitor on a -monitor socket: gva2gpa is one of its
	commands. QMP's human-monitor-command runs the same command, but there
	QEMU took 1.24 ms for each against 0.48 ms here (155 addresses of a
	stopped arm64 guest: 192 ms against 75 ms)."""

	PROMPT = b'(qemu) '

	def _prompted(self, n: int) -> List[bytes]:
		"""What the monitor printed up to its @n-th next prompt, one
		piece per prompt."""
		assert self.sock
		while self.buf.count(self.PROMPT) < n:
			data = self.sock.recv(65536)
			if not data:
				raise OSError('monitor: QEMU closed the socket')
			self.buf += data
		pieces = self.buf.split(self.PROMPT, n)
		self.buf = pieces.pop()
		return pieces

	def translate(self, vas: Sequence[int]) -> List[Optional[int]]:
		"""The MMU's answer for each of @vas. The command lines go out at
		once: the monitor runs them in order, each answered before its
		next prompt, after the echo of the line typed (the first line)."""
		if self.sock is None:
			self._connect()
			self._prompted(1)	# the banner
		assert self.sock
		self.sock.sendall(b''.join(f'gva2gpa {va:#x}\n'.encode() for va in vas))
		return [parse_gva2gpa(piece.decode(errors='replace').split('\n', 1)[-1])
			for piece in self._prompted(len(vas))]


class QemuMmu:
	"""The MMU of a QEMU guest: stopped and resumed over QMP, asked on
	the human monitor. Its sockets are @sockdir's QMP_SOCKET and
	HMP_SOCKET (qemu_args())."""

	QMP_SOCKET = 'qmp'
	HMP_SOCKET = 'monitor'

	def __init__(self, sockdir: str) -> None:
		self.qmp = Qmp(os.path.join(sockdir, self.QMP_SOCKET))
		self.hmp = Hmp(os.path.join(sockdir, self.HMP_SOCKET))

	@classmethod
	def qemu_args(cls, sockdir: str) -> List[str]:
		"""QEMU's options for the two sockets in @sockdir."""
		return ['-qmp', f'unix:{os.path.join(sockdir, cls.QMP_SOCKET)},server=on,wait=off',
			'-monitor', f'unix:{os.path.join(sockdir, cls.HMP_SOCKET)},server=on,wait=off']

	def stop(self) -> None:
		self.qmp.execute('stop')

	def cont(self) -> None:
		self.qmp.execute('cont')

	def translate(self, vas: Sequence[int]) -> List[Optional[int]]:
		return self.hmp.translate(vas)

	def close(self) -> None:
		self.qmp.close()
		self.hmp.close()


class Witness:
	"""Follows a guest's console: checks each batch against @mmu while the
	VM is stopped and answers the guest through @answer."""

	def __init__(self, mmu: Mmu, answer: Callable[[str], None], misses: str = '') -> None:
		self.mmu = mmu
		self.answer = answer
		self.misses = misses	# why the MMU may lack a mapped address (judge())
		self.reader = BatchReader()
		self.cases: List[Case] = []
		self.problems: List[str] = []
		self.batches = 0
		self.stops = 0		# of the VM: one per batch, more where a stop missed
		self.seconds = 0.0
		self.program_seconds = 0.0	# the publisher's run, as the console shows it
		self._program_start = 0.0

	def line(self, text: str) -> None:
		if _PROGRAM_START_RE.match(text):
			self._program_start = time.monotonic()
		elif _PROGRAM_END_RE.match(text) and self._program_start:
			self.program_seconds = time.monotonic() - self._program_start
		batch = self.reader.line(text)
		if batch is None:
			return
		start = time.monotonic()
		try:
			bad = self.check(batch)
		except (OSError, ValueError) as e:
			self.problems.append(f'batch {batch.id}: the MMU could not be asked: {e}')
			bad = len(batch.claims)
		self.seconds += time.monotonic() - start
		try:
			self.answer(f'ptwalk-mmu-ack {batch.id} {bad}\n')
		except OSError as e:
			self.problems.append(f'batch {batch.id}: the answer could not be typed: {e}')

	def _ask(self, canary: Tuple[int, int], vas: List[int]) -> Optional[Dict[int, Optional[int]]]:
		"""Stop the VM until it stopped in the address space the canary
		belongs to, and there ask the MMU about @vas: the answers, or
		None. The canary is asked alone: where stops miss (the publisher
		in a system call, on powerpc64 and s390 where the MMU translates
		by the CPU's mode), asking the rest with it would cost each miss
		a whole batch's gva2gpa."""
		for tries in range(CANARY_TRIES):
			self.mmu.stop()
			self.stops += 1
			try:
				if self.mmu.translate([canary[0]]) == [canary[1]]:
					return dict(zip(vas, self.mmu.translate(vas)))
			finally:
				self.mmu.cont()
			time.sleep(0.005 * (tries + 1))
		return None

	def check(self, batch: Batch) -> int:
		"""Each claimed address against the MMU: the number of addresses
		on which a claim and the MMU disagree."""
		self.batches += 1
		vas = list(dict.fromkeys(va for c in batch.claims for va, _ in c.probes()))
		answers = self._ask(batch.canary, vas)
		if answers is None:
			self.problems.append(f'batch {batch.id}: the VM never stopped in the publishing '
					     f'process (canary {batch.canary[0]:#x} not at {batch.canary[1]:#x})')
			return len(batch.claims)
		by_addr: Dict[Tuple[str, int], List[Claim]] = {}
		for c in batch.claims:
			by_addr.setdefault((c.what, c.addr), []).append(c)
		bad = 0
		for (what, addr), claims in by_addr.items():
			case = judge(batch.id, what, addr, claims, answers, self.misses)
			bad += case.status == FAIL
			self.cases.append(case)
		return bad

	def outcome(self, name: str, cell: str) -> Outcome:
		out = Outcome(name, 'mmu', cell, cases=list(self.cases), seconds=self.seconds)
		out.problems += self.reader.problems + self.problems
		out.problems += [f'batch {b}: announced, never ended' for b in self.reader.open]
		if not self.batches:
			out.problems.append('no batch was published: the MMU checked nothing')
		return out


def judge(batch: str, what: str, addr: int, claims: List[Claim],
	  answers: Dict[int, Optional[int]], misses: str = '') -> Case:
	"""One address: every claim's probes against the MMU's answers. Where
	@misses says why the MMU may have no entry for a mapped address, its
	"unmapped" there is a skip saying so; any other difference is red."""
	name = f'{what} {addr:#x}'
	missed = ''
	for c in claims:
		for va, want in c.probes():
			got = answers[va]
			if got == want:
				continue
			at = '' if va == addr else f' at {va:#x}'
			if got is None and misses:
				missed = missed or f'{addr:#x} ({what}, batch {batch}): {c}; {misses}{at}'
				continue
			mmu = f'{got:#x}' if got is not None else 'unmapped'
			return Case('mmu', name, FAIL,
				    f'{addr:#x} ({what}, batch {batch}): {c}; the MMU says {mmu}{at}',
				    param=batch)
	return Case('mmu', name, SKIP if missed else PASS, missed, param=batch)
