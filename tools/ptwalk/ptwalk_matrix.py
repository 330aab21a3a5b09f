# SPDX-License-Identifier: GPL-2.0
#
# The version x geometry matrix of config/matrix.toml as typed records, and
# the kunit.py --qemu_config files its geometries name.
#
# Copyright (C) 2026 The ptwalk authors

import ast
import dataclasses
import os
import platform
import re
import tomllib
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

# The checkout: this file is tools/ptwalk/ptwalk_matrix.py.
TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MATRIX_PATH = os.path.join(TOP, 'config', 'matrix.toml')


class MatrixError(Exception):
	"""config/matrix.toml (or a file it names) says something impossible."""


@dataclass(frozen=True)
class QemuParams:
	"""The fields of a kunit.py QemuArchParams, read from a --qemu_config file."""
	path: str
	linux_arch: str
	kconfig: str
	qemu_arch: str
	kernel_path: str
	kernel_command_line: str
	extra_qemu_params: Tuple[str, ...]


@dataclass(frozen=True)
class Arch:
	name: str
	packages: Tuple[str, ...]
	cross_compile: str = ''		# CROSS_COMPILE of the kernel build
	debian_arch: str = ''		# of the guest's user space; '': the host's
	user_cross_compile: str = ''	# of its programs, where not cross_compile
	# where the guest's busybox comes from: Debian's busybox-static
	# ('package'), or Debian's source built with user_prefix ('source')
	busybox: str = 'package'

	@property
	def user_prefix(self) -> str:
		"""CROSS_COMPILE of the guest's static programs."""
		return self.user_cross_compile or self.cross_compile

	@property
	def user_space(self) -> str:
		"""The guest's user space, as the cache names it: its Debian
		architecture, the kernel's name where Debian has none, or 'host'."""
		return self.debian_arch or (self.name if self.busybox == 'source' else 'host')


@dataclass(frozen=True)
class Build:
	"""One kernel configuration, built once per kernel version."""
	name: str
	arch: Arch
	kconfig: Tuple[str, ...]	# fragment paths, relative to TOP
	# CONFIG_* lines of the fragments the architecture cannot select -> why;
	# left out of what kunit.py gets, which would refuse the build
	kconfig_unavailable: Dict[str, str] = field(default_factory=dict, hash=False,
						    compare=False)
	# selftests every guest of this build must pass: what its fragments enable
	must_pass: Tuple[str, ...] = ()

	def fragment_lines(self, text: str) -> str:
		"""A fragment's @text without the options this build cannot have."""
		return ''.join(l for l in text.splitlines(keepends=True)
			       if l.split('=', 1)[0].strip() not in self.kconfig_unavailable)


@dataclass(frozen=True)
class Geometry:
	"""One build booted one way."""
	name: str
	description: str
	build: Build
	qemu: Optional[QemuParams]
	levels: int = 0			# page-table levels in use, as the walker proves
	page: str = ''			# page size, as size_name() spells it: '4K'
	kernel_args: Tuple[str, ...] = ()
	guest: bool = False
	guest_kernel_args: Tuple[str, ...] = ()
	must_pass: Tuple[str, ...] = ()
	kunit_must_pass: Tuple[str, ...] = ()
	kernels: Tuple[str, ...] = ()
	gate: Tuple[str, ...] = ()
	workflow_only: str = ''		# why make check leaves its gating cells to the workflow
	# why the MMU may have no entry for a mapped address (hash: filled on
	# demand): such an answer is a skip saying so, not a disagreement
	mmu_misses: str = ''
	absent: Dict[str, str] = field(default_factory=dict, hash=False, compare=False)


@dataclass(frozen=True)
class Cell:
	kver: str
	geometry: Geometry
	gate: bool

	@property
	def name(self) -> str:
		return f'{self.kver}:{self.geometry.name}'

	@property
	def checked(self) -> bool:
		"""Does make check run it? Every gating cell but those that gate
		the workflow only."""
		return self.gate and not self.geometry.workflow_only


@dataclass(frozen=True)
class Matrix:
	kernels: Tuple[str, ...]
	geometries: Dict[str, Geometry]
	cells: Tuple[Cell, ...]
	series_gate: Tuple[str, ...] = ()	# kernels whose patch series make check checks

	@property
	def default_kernel(self) -> str:
		return self.kernels[0]

	def cell(self, name: str) -> Cell:
		for c in self.cells:
			if c.name == name:
				return c
		kver, _, geom = name.partition(':')
		g = self.geometries.get(geom)
		if g and kver in g.absent:
			raise MatrixError(f"no cell '{name}': {g.absent[kver]}")
		raise MatrixError(f"no cell '{name}' (KVER:GEOMETRY; 'make cells' lists them)")

	def geometry(self, name: str) -> Geometry:
		try:
			return self.geometries[name]
		except KeyError:
			raise MatrixError(f"unknown geometry '{name}' (known: "
					  f"{' '.join(self.geometries)})") from None

	def gating(self, kver: Optional[str] = None) -> List[Cell]:
		"""The cells make check runs (of @kver)."""
		return [c for c in self.cells if c.checked and kver in (None, c.kver)]


_QEMU_FIELDS = ('linux_arch', 'kconfig', 'qemu_arch', 'kernel_path',
		'kernel_command_line', 'extra_qemu_params')


def read_qemu_config(path: str) -> QemuParams:
	"""Read the QemuArchParams(...) literal of a kunit.py --qemu_config file.

	The file is kunit.py's to import; here its arguments are only read
	(they must be literals), so no kernel tree is needed to know them.
	"""
	try:
		with open(path) as f:
			tree = ast.parse(f.read(), path)
	except (OSError, SyntaxError) as e:
		raise MatrixError(f'{path}: {e}') from None
	for node in ast.walk(tree):
		if isinstance(node, ast.Call) and getattr(node.func, 'id', '') == 'QemuArchParams':
			try:
				kw = {str(k.arg): ast.literal_eval(k.value) for k in node.keywords}
			except ValueError:
				raise MatrixError(f'{path}: QemuArchParams arguments must be literals') from None
			missing = [f for f in _QEMU_FIELDS if f not in kw]
			unknown = [k for k in kw if k not in _QEMU_FIELDS]
			if missing or unknown:
				raise MatrixError(f'{path}: QemuArchParams: missing {missing}, '
						  f'not known to every kunit.py {unknown}')
			kw['extra_qemu_params'] = tuple(kw['extra_qemu_params'])
			return QemuParams(path=path, **kw)
	raise MatrixError(f'{path}: no QemuArchParams(...) in it')


def _strs(table: Dict[str, Any], key: str, where: str) -> Tuple[str, ...]:
	value = table.get(key, [])
	if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
		raise MatrixError(f'{where}: {key} must be a list of strings')
	return tuple(value)


def _check_keys(table: Dict[str, Any], allowed: Tuple[str, ...], where: str) -> None:
	unknown = sorted(set(table) - set(allowed))
	if unknown:
		raise MatrixError(f'{where}: unknown key(s) {", ".join(unknown)}')


def _file(top: str, rel: str, where: str) -> str:
	path = os.path.join(top, rel)
	if not os.path.isfile(path):
		raise MatrixError(f'{where}: {rel} does not exist')
	return path


# What a kernel must carry to boot the selftests guest: initramfs and /dev
# (config/guest/boot.config), and the selftests' own options; also
# config/guest/<debian_arch>.config where the user space needs more.
GUEST_KCONFIG = ('config/guest/boot.config', 'selftests/config')

_KVER_RE = re.compile(r'^\d+\.\d+$')
_NAME_RE = re.compile(r'^[a-z0-9][a-z0-9_-]*$')
PAGE_SIZES = ('4K', '16K', '64K')	# of the geometries, as size_name() spells them


def _parse_arches(doc: Dict[str, Any]) -> Dict[str, Arch]:
	"""The [arch.*] tables."""
	arches = {}
	for name, t in doc.get('arch', {}).items():
		_check_keys(t, ('packages', 'cross_compile', 'debian_arch', 'user_cross_compile',
				'busybox'), f'arch.{name}')
		busybox = t.get('busybox', 'package')
		if busybox not in ('package', 'source') or \
		   (busybox == 'source' and (t.get('debian_arch') or not t.get('cross_compile'))):
			raise MatrixError(f"arch.{name}: busybox is 'package', or 'source' for a "
					  'cross-compiled architecture without a debian_arch')
		arches[name] = Arch(name, _strs(t, 'packages', f'arch.{name}'),
				    t.get('cross_compile', ''), t.get('debian_arch', ''),
				    t.get('user_cross_compile', ''), busybox)
	return arches


def guest_kconfig(arch: Arch, top: str) -> Tuple[str, ...]:
	"""The fragments a kernel needs to boot the selftests guest: the
	initramfs and the selftests' options, and what @arch's Debian user space
	needs of the kernel (config/guest/<debian_arch>.config: VFP for armhf...)."""
	user = f'config/guest/{arch.debian_arch}.config'
	return GUEST_KCONFIG + ((user,) if os.path.isfile(os.path.join(top, user)) else ())


def _build_kconfig(t: Dict[str, Any], arch: Arch, guest: bool, where: str,
		   top: str) -> Tuple[str, ...]:
	"""A build's fragments: its own, then the guest's where a geometry of
	the build boots the guest. Those are the loader's to add, not the file's."""
	own = _strs(t, 'kconfig', where)
	added = guest_kconfig(arch, top)
	listed = [k for k in own if k in added]
	if listed:
		raise MatrixError(f'{where}: {" ".join(listed)} is added to the builds a guest '
				  'boots, not listed')
	return own + (added if guest else ())


def _parse_builds(doc: Dict[str, Any], arches: Dict[str, Arch], top: str) -> Dict[str, Build]:
	"""The [build.*] tables, their fragments read for the options they set."""
	guest_builds = {t.get('build') for t in doc.get('geometry', {}).values()
			if t.get('guest')}
	builds = {}
	for name, t in doc.get('build', {}).items():
		where = f'build.{name}'
		_check_keys(t, ('arch', 'kconfig', 'kconfig_unavailable', 'must_pass'), where)
		if t.get('arch') not in arches:
			raise MatrixError(f"{where}: arch '{t.get('arch')}' has no [arch.*] entry")
		arch = arches[t['arch']]
		kconfig = _build_kconfig(t, arch, name in guest_builds, where, top)
		options = set()
		for rel in kconfig:
			with open(_file(top, rel, where)) as f:
				options |= {l.split('=', 1)[0] for l in f.read().splitlines()
					    if l.startswith('CONFIG_')}
		unavailable = dict(t.get('kconfig_unavailable', {}))
		for opt in unavailable:
			if opt not in options:
				raise MatrixError(f'{where}: kconfig_unavailable names {opt}, '
						  'which none of its fragments sets')
		builds[name] = Build(name, arch, kconfig, unavailable,
				     _strs(t, 'must_pass', where))
	return builds


def _geometry_shape(t: Dict[str, Any], name: str, where: str) -> Tuple[int, str, str]:
	"""levels, page and description, which may not say other ones."""
	levels, page = t.get('levels'), t.get('page')
	if not isinstance(levels, int) or levels not in range(2, 6) or page not in PAGE_SIZES:
		raise MatrixError(f'{where}: levels must be 2 to 5 and page one of '
				  f'{" ".join(PAGE_SIZES)}')
	description = t.get('description', name)
	said = re.findall(r'(\d) levels', description) + \
		[f'{k}K' for k in re.findall(r'(\d+) KiB pages', description)]
	if not set(said) <= {str(levels), page}:
		raise MatrixError(f'{where}: the description says {" ".join(said)}, '
				  f'levels and page {levels} {page}')
	return levels, str(page), str(description)


def _check_guest(g: Geometry, where: str) -> None:
	"""What a geometry's guest needs of its build and of Debian."""
	build = g.build
	if g.guest and build.arch.user_space == 'host' and \
	   build.arch.name not in (platform.machine(), 'um'):	# UML runs the host's
		raise MatrixError(f'{where}: a guest on {build.arch.name} needs the Debian '
				  f'architecture of its user space (arch.{build.arch.name}.debian_arch), '
				  "or busybox = 'source'")
	if g.must_pass and not g.guest:
		raise MatrixError(f'{where}: must_pass without a guest')


def _parse_geometry(name: str, t: Dict[str, Any], builds: Dict[str, Build],
		    kernels: Tuple[str, ...], guest_must_pass: Tuple[str, ...],
		    top: str) -> Geometry:
	"""One [geometry.*] table. It is on every kernel of the matrix but those
	its 'absent' gives a reason for."""
	where = f'geometry.{name}'
	if not _NAME_RE.match(name):
		raise MatrixError(f'{where}: not a name for files and cells')
	_check_keys(t, ('description', 'levels', 'page', 'build', 'qemu_config', 'kernel_args',
			'guest', 'guest_kernel_args', 'must_pass', 'kunit_must_pass', 'gate',
			'workflow_only', 'mmu_misses', 'absent'), where)
	build = builds.get(t.get('build', ''))
	if build is None:
		raise MatrixError(f"{where}: build '{t.get('build')}' has no [build.*] entry")
	qemu = None
	if 'qemu_config' in t:
		qemu = read_qemu_config(_file(top, t['qemu_config'], where))
		if qemu.linux_arch != build.arch.name:
			raise MatrixError(f'{where}: {t["qemu_config"]} is for {qemu.linux_arch}, '
					  f'build {build.name} for {build.arch.name}')
	elif build.arch.name != 'um':
		raise MatrixError(f'{where}: a QEMU boot needs a qemu_config')
	absent = dict(t.get('absent', {}))
	for kver in absent:
		if kver not in kernels:
			raise MatrixError(f'{where}: absent names kernel {kver}, which is not in kernels')
	levels, page, description = _geometry_shape(t, name, where)
	g = Geometry(name=name, description=description, build=build,
		     qemu=qemu, levels=levels, page=page,
		     kernel_args=_strs(t, 'kernel_args', where),
		     guest=bool(t.get('guest', False)),
		     guest_kernel_args=_strs(t, 'guest_kernel_args', where),
		     must_pass=_strs(t, 'must_pass', where),
		     kunit_must_pass=_strs(t, 'kunit_must_pass', where),
		     kernels=tuple(k for k in kernels if k not in absent),
		     gate=_strs(t, 'gate', where), workflow_only=str(t.get('workflow_only', '')),
		     mmu_misses=str(t.get('mmu_misses', '')),
		     absent=absent)
	_check_guest(g, where)
	if g.guest:
		g = dataclasses.replace(g, must_pass=guest_must_pass + build.must_pass +
					g.must_pass)
	if not g.kernels:
		raise MatrixError(f'{where}: absent from every kernel')
	if not set(g.gate) <= set(g.kernels):
		raise MatrixError(f'{where}: gate names a kernel the geometry is not on')
	if g.workflow_only and not g.gate:
		raise MatrixError(f'{where}: workflow_only, but no cell of it gates')
	return g


def parse_matrix(doc: Dict[str, Any], top: str = TOP) -> Matrix:
	"""Check a parsed matrix.toml and turn it into records, table by table."""
	_check_keys(doc, ('kernels', 'series_gate', 'guest_must_pass',
			  'arch', 'build', 'geometry'), 'matrix')
	kernels = _strs(doc, 'kernels', 'matrix')
	guest_must_pass = _strs(doc, 'guest_must_pass', 'matrix')
	if not kernels or any(not _KVER_RE.match(k) for k in kernels):
		raise MatrixError('matrix: kernels must list versions like "6.12"')
	series_gate = _strs(doc, 'series_gate', 'matrix')
	if not set(series_gate) <= set(kernels):
		raise MatrixError('matrix: series_gate names a kernel not in kernels')

	builds = _parse_builds(doc, _parse_arches(doc), top)
	geometries = {name: _parse_geometry(name, t, builds, kernels, guest_must_pass, top)
		      for name, t in doc.get('geometry', {}).items()}

	# Geometries that boot one build must agree on what it is made of.
	for b in builds.values():
		kconfigs = {g.qemu.kconfig if g.qemu else '' for g in geometries.values()
			    if g.build is b}
		if len(kconfigs) > 1:
			raise MatrixError(f'build.{b.name}: its geometries\' qemu_config files '
					  'have different kconfig')

	cells = tuple(Cell(k, g, k in g.gate) for k in kernels
		      for g in geometries.values() if k in g.kernels)
	return Matrix(kernels, geometries, cells, series_gate)


NUMBERS = ('no', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine',
	   'ten', 'eleven', 'twelve')


def summary_line(m: Matrix) -> str:
	"""The matrix in one line, as the README gives it."""
	arches = {g.build.arch.name for g in m.geometries.values()}
	levels = sorted({g.levels for g in m.geometries.values()})
	pages = sorted({g.page for g in m.geometries.values()}, key=lambda p: int(p[:-1]))
	kernels = ' and '.join(m.kernels)
	return (f"Debian's linux-source {kernels} × {len(m.geometries)} geometries: "
		f'{len(m.cells)} cells on {NUMBERS[len(arches)]} architectures (UML included), '
		f'{levels[0]}–{levels[-1]} page-table levels, '
		f'{"/".join(p[:-1] for p in pages)} KiB pages; '
		f'`make check` gates on {sum(c.checked for c in m.cells)} of the cells, '
		f'the workflow on {sum(c.gate for c in m.cells)}')


def load_matrix(path: str = MATRIX_PATH) -> Matrix:
	try:
		with open(path, 'rb') as f:
			doc = tomllib.load(f)
	except (OSError, tomllib.TOMLDecodeError) as e:
		raise MatrixError(f'{path}: {e}') from None
	return parse_matrix(doc, os.path.dirname(os.path.dirname(os.path.abspath(path))))


def builds_json(matrix: Matrix) -> List[Dict[str, Any]]:
	"""The GitHub workflow's job matrix: one job per kernel version and
	build, which builds the kernel once and runs every cell on it, the
	gating ones (which fail the job) apart from the others (reported)."""
	jobs: Dict[str, Dict[str, Any]] = {}
	for c in matrix.cells:
		b = c.geometry.build
		job = jobs.setdefault(f'{c.kver}-{b.name}', {
			'build': f'{c.kver}-{b.name}', 'kver': c.kver, 'arch': b.arch.name,
			'gating': '', 'others': '', 'guest': False})
		key = 'gating' if c.gate else 'others'
		job[key] = f'{job[key]} {c.name}'.strip()
		job['guest'] = job['guest'] or c.geometry.guest
	return list(jobs.values())