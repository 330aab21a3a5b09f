# SPDX-License-Identifier: GPL-2.0
#
# ptwalk as a patch series for one kernel tree ('make patch'), and the
# kernel's own checks of it ('make check'): git am on a pristine git copy of
# the tree, a build after every patch, kunit.py and the selftests with none
# of ptwalk's tooling, checkpatch, sparse, Coccinelle, kernel-doc, Sphinx.
#
# The series is generated from this repository: kunit/ with its version
# shims resolved for the tree (ptwalk_resolve.py) becomes mm/ptwalk/,
# selftests/ goes into tools/testing/selftests/mm/ (vm/ before 6.3), built by
# its Makefile and run by its run_vmtests.sh, Documentation/ into
# Documentation/dev-tools/ptwalk/; the Kconfig, Makefile, run_vmtests.sh,
# MAINTAINERS and index lines go into the tree's own files.
#
# Copyright (C) 2026 The ptwalk authors

import concurrent.futures
import datetime
import fnmatch
import glob
import hashlib
import json
import os
import re
import shutil
import subprocess
import threading
import time
import zlib
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, TypeVar

from ptwalk_matrix import TOP
from ptwalk_resolve import ResolveError, resolve_sources, tree_facts
from ptwalk_results import FAIL, PASS, SKIP, Case, Outcome
from ptwalk_tree import (KUNIT_SRC, PtwalkError, Tree, build_env, cache_dir, config_value, info,
			 kunit_files, missing_tools, named_package, remove_old_install, uml_env)

KERNEL_DIR = 'mm/ptwalk'
DOCS_DIR = 'Documentation/dev-tools/ptwalk'
MAINTAINERS_TITLE = 'PTWALK PAGE TABLE WALKER AND TESTS'
PLACEHOLDER = 'Your Name <you@example.org>'


# ---- the series, as data ---------------------------------------------------

@dataclass(frozen=True)
class TreeEdit:
	"""Lines added to a file of the tree: after the line @after matches,
	or before the line @before matches, else at the end."""
	path: str
	line: str
	after: Optional[str] = None
	before: Optional[str] = None


@dataclass(frozen=True)
class Unit:
	"""One patch: its commit message and what it adds."""
	subject: str
	body: str
	symbols: Tuple[str, ...] = ()		# Kconfig symbols (and their Makefile lines)
	kernel_files: Tuple[str, ...] = ()	# paths in kunit/, the same in mm/ptwalk/
	selftests: bool = False
	docs: bool = False
	edits: Tuple[TreeEdit, ...] = ()
	maintainers: Tuple[str, ...] = ()	# lines of the MAINTAINERS entry


# In a commit message: how to run the selftests in the tree at hand.
SELFTESTS_RUN = '@SELFTESTS_RUN@'

SERIES: Tuple[Unit, ...] = (
	Unit('mm: add ptwalk, a page-table walker that reports every level',
	     'Tests of what the page tables say about an address need a walk that\n'
	     'reports more than the final PFN: which entry each level read, where\n'
	     'the walk stopped and why (none, not present, a huge leaf, a folded\n'
	     'level, an address the tables cannot translate), and the leaf\'s\n'
	     'access bits as the architecture decodes them.\n\n'
	     'ptwalk() walks any mm, init_mm included, from the PGD down to the\n'
	     'leaf, accepts any address, and never dereferences an entry that is\n'
	     'not a table. The architecture facts it needs beyond the generic\n'
	     'page-table API are in ptwalk_arch.h.\n\n'
	     'Nothing selects CONFIG_PTWALK yet; the following patches add its\n'
	     'users.',
	     symbols=('PTWALK',), kernel_files=('ptwalk.c', 'ptwalk.h', 'ptwalk_arch.h'),
	     edits=(TreeEdit('mm/Kconfig', 'source "mm/ptwalk/Kconfig"',
			     after=r'^source "mm/damon/Kconfig"$'),
		    TreeEdit('mm/Makefile', 'obj-$(CONFIG_PTWALK) += ptwalk/')),
	     maintainers=('L:\tlinux-mm@kvack.org', 'S:\tMaintained',
			  f'F:\t{KERNEL_DIR}/Kconfig', f'F:\t{KERNEL_DIR}/Makefile')),
	Unit('mm/ptwalk: walk a process\'s page tables from debugfs',
	     'User space can see the PFN of a page in /proc/PID/pagemap, but not\n'
	     'the entries that map it. Add /sys/kernel/debug/ptwalk/walk: root\n'
	     'writes "PID ADDRESS" and reads back each entry of the walk, the\n'
	     'leaf\'s level and size, the physical address and the write, dirty\n'
	     'and young bits. Opening needs CAP_SYS_ADMIN, reading a process the\n'
	     'right to ptrace it, as for pagemap; kernel addresses are refused.',
	     symbols=('PTWALK_DEBUGFS',), kernel_files=('ptwalk_debugfs.c',)),
	Unit('mm/ptwalk: add KUnit tests of the walker',
	     'Check the walker itself against the kernel\'s own answers: the\n'
	     'geometry it sees (levels folded at build or boot time, against the\n'
	     'paging mode the architecture records), the slots each level reads,\n'
	     'the physical address of kernel text and data, of the page\n'
	     'allocator\'s and kmalloc()\'s memory and of vmalloc() against\n'
	     '__pa_symbol(), page_to_pfn(), virt_to_phys() and vmalloc_to_pfn(),\n'
	     'a user mm of the test\'s own and its growth, and a defined answer,\n'
	     'never a fault, for addresses nothing maps or the tables cannot\n'
	     'translate. The helpers the suites share come with this first user.\n\n'
	     'Run with:\n\n'
	     f'  ./tools/testing/kunit/kunit.py run --kunitconfig={KERNEL_DIR}',
	     symbols=('PTWALK_KUNIT_TEST',),
	     kernel_files=('.kunitconfig', 'tests/test_util.c', 'tests/test_util.h',
			   'tests/walker_kunit.c')),
	Unit('mm/ptwalk: add KUnit tests of the direct map\'s leaves',
	     'Walk every leaf size that maps the direct map on this boot on\n'
	     'purpose: the kernel\'s own page-table walker (mm/pagewalk.c, as\n'
	     'ptdump uses it) finds the first leaf of each level, and ptwalk must\n'
	     'agree with it on the level and the entry, and with virt_to_phys() on\n'
	     'the physical address, at the leaf\'s first byte, its middle and its\n'
	     'last byte. Which sizes exist depends on the architecture, the memory\n'
	     'size and the boot: a level without a leaf is a skip that says so.',
	     kernel_files=('tests/leaf_kunit.c',)),
	Unit('mm/ptwalk: add KUnit tests of kmalloc() memory',
	     'Every page of a kmalloc() object is mapped in the direct map, at\n'
	     'virt_to_phys(), and the pages are physically consecutive, whatever\n'
	     'the size and wherever in a page the object starts; a size kmalloc()\n'
	     'refuses gives no memory to walk.',
	     kernel_files=('tests/kmalloc_kunit.c',)),
	Unit('mm/ptwalk: add KUnit tests of vmalloc() memory',
	     'A vmalloc() area is one virtually contiguous range, every page\n'
	     'mapped at vmalloc_to_pfn(), with an unmapped guard page after it;\n'
	     'vmalloc_huge() areas are mapped by PMD leaves where the\n'
	     'architecture has them. How the pages lie physically is reported,\n'
	     'never asserted: the kernel promises nothing about it. Two slow cases\n'
	     'walk a 1 GiB area and time the walk against vmalloc_to_pfn().',
	     kernel_files=('tests/vmalloc_kunit.c',)),
	Unit('mm/ptwalk: add KUnit tests of walks racing with changes',
	     'A kthread changes the page tables (a direct-map leaf split by\n'
	     'set_memory_ro(), vmalloc areas coming and going, a user range\n'
	     'zapped, refaulted, remapped and collapsed into a THP) while the test\n'
	     'walks memory whose translation it knows. Every result must be one\n'
	     'of the states the change can leave, never PTWALK_BAD and never a\n'
	     'wrong physical address. How often the walks overlapped the changes\n'
	     'is reported; the cases are slow.',
	     kernel_files=('tests/race_kunit.c',)),
	Unit('mm/ptwalk: add KUnit tests against the MMU\'s own translation',
	     'The walker and the kernel\'s helpers are both the kernel\'s word\n'
	     'about its page tables. Hand what they say of kernel addresses\n'
	     '(kernel text, data and read-only data, kmalloc() memory, a vmalloc()\n'
	     'area and its guard page, a vmalloc_huge() area) to a user-space\n'
	     'publisher through a debugfs file that exists only while a case\n'
	     'runs, and pass only if the machine\'s MMU agrees with every claim.\n'
	     'Under QEMU the ptwalk selftests (pagemap_mmu) ask the monitor\'s\n'
	     'gva2gpa. Each case also checks the walk against the helper; without\n'
	     'a publisher attached (ptwalk.mmu_publisher) that is all it checks,\n'
	     'and its log says so.',
	     kernel_files=('tests/mmu_kunit.c',)),
	Unit('selftests/mm: add pagemap tests against the kernel\'s page-table walk',
	     'Assert the pagemap ABI from user space: the low bits of each entry,\n'
	     'demand paging, the zero page, copy-on-write, contiguity, the\n'
	     'PAGEMAP_SCAN ioctl and the error contract of reads at bad offsets;\n'
	     'and, where CONFIG_PTWALK_DEBUGFS is built, that the kernel\'s walk of\n'
	     'the same pages agrees with pagemap page by page. Tests skip, with the\n'
	     'reason, without THP, hugetlb pages, root or the debugfs file.\n\n'
	     'They join run_vmtests.sh beside pagemap_ioctl, so that the runs of\n'
	     'the mm selftests that CI systems already make run them too. Run\n'
	     'them alone with:\n\n' + SELFTESTS_RUN,
	     selftests=True),
	Unit('Documentation: dev-tools: add ptwalk',
	     'Describe what ptwalk proves and how: the page-table theory it\n'
	     'checks, how to run the KUnit suites and the selftests, every test\n'
	     'and what it asserts, the walker\'s API, and the debugfs walk file\n'
	     'and its format.',
	     docs=True,
	     edits=(TreeEdit('Documentation/dev-tools/index.rst', '   ptwalk/index',
			     after=r'^   kunit/index$'),),
	     maintainers=(f'F:\t{DOCS_DIR}/',)),
)


# ---- the files of a step ---------------------------------------------------

def kconfig_blocks(text: str) -> Tuple[str, Dict[str, str]]:
	"""A Kconfig file's head and its 'config X' blocks by symbol."""
	parts = re.split(r'^(?=config \w+$)', text, flags=re.M)
	blocks = {re.match(r'config (\w+)', p).group(1): p for p in parts[1:]}  # type: ignore
	return parts[0], blocks


@dataclass(frozen=True)
class ObjLine:
	"""One obj-$(CONFIG_X) line of a kbuild Makefile, continuations included."""
	symbol: str
	lines: Tuple[str, ...]

	@property
	def objects(self) -> List[str]:
		return re.findall(r'([\w/-]+)\.o\b', ' '.join(self.lines))


def makefile_lines(text: str) -> Tuple[List[str], List[ObjLine]]:
	"""A kbuild Makefile's other lines and its obj-$(CONFIG_X) lines, in
	order."""
	other: List[str] = []
	objs: List[ObjLine] = []
	current: Optional[List[str]] = None
	symbol = ''
	for line in text.split('\n'):
		m = re.match(r'obj-\$\(CONFIG_(\w+)\)', line)
		if m and current is None:
			current, symbol = [], m.group(1)
		(current if current is not None else other).append(line)
		if current is not None and not line.endswith('\\'):
			objs.append(ObjLine(symbol, tuple(current)))
			current = None
	return other, objs


def kernel_step_files(resolved: Dict[str, str], units: Sequence[Unit]) -> Dict[str, str]:
	"""mm/ptwalk/ with the units so far: their files, their Kconfig blocks,
	and the Makefile lines of their symbols that build only their files
	(a suite's line comes with the suite's patch)."""
	symbols = [s for u in units for s in u.symbols]
	carried = {f for u in units for f in u.kernel_files}
	head, blocks = kconfig_blocks(resolved['Kconfig'])
	kconfig = head + ''.join(b for s, b in blocks.items() if s in symbols)
	other, objs = makefile_lines(resolved['Makefile'])
	spdx = [l for l in other if l.strip()]
	made = '\n'.join(spdx + [''] + [l for o in objs if o.symbol in symbols and
					  all(f'{obj}.c' in carried for obj in o.objects)
					  for l in o.lines])
	files = {'Kconfig': kconfig.rstrip('\n') + '\n', 'Makefile': made.rstrip('\n') + '\n'}
	for u in units:
		files.update({f: resolved[f] for f in u.kernel_files})
	return files


def tracked(subdir: str, top: str = TOP) -> List[str]:
	"""The files of @subdir of the checkout at @top that the series
	carries: git's tracked files; in a checkout without .git (a release
	tarball, GitHub's REST-API checkout) the files on disk but those the
	directory's .gitignore names, which are the same."""
	if not os.path.exists(os.path.join(top, '.git')):
		return _files_not_ignored(os.path.join(top, subdir))
	try:
		r = subprocess.run(['git', 'ls-files', '-z', subdir], cwd=top, capture_output=True,
				   text=True)
	except FileNotFoundError:
		raise PtwalkError(f'{top} is a git checkout, but git is not installed') from None
	if r.returncode:
		said = (r.stderr.strip().splitlines() or ['?'])[-1]
		raise PtwalkError(f'git ls-files {subdir} failed in {top}: {said}')
	return sorted(os.path.relpath(p, subdir) for p in r.stdout.split('\0') if p)


def _files_not_ignored(d: str) -> List[str]:
	"""The files under @d, but those its .gitignore names (file names, and
	directories as 'name/')."""
	try:
		ignore = _read(os.path.join(d, '.gitignore'))
	except FileNotFoundError:
		ignore = ''
	patterns = [l.strip() for l in ignore.splitlines() if l.strip() and not l.startswith('#')]
	files, dirs = ([p for p in patterns if not p.endswith('/')],
		       [p.rstrip('/') for p in patterns if p.endswith('/')])
	out = []
	for dirpath, dirnames, filenames in os.walk(d):
		dirnames[:] = [n for n in dirnames
			       if not any(fnmatch.fnmatch(n, p) for p in dirs + files)]
		out += [os.path.relpath(os.path.join(dirpath, n), d) for n in filenames
			if not any(fnmatch.fnmatch(n, p) for p in files)]
	return sorted(out)


# ---- the selftests in selftests/mm -------------------------------------------

# mm's CI (run_vmtests.sh categories), KernelCI's kselftest-mm, LKFT and 0-day
# run the mm selftests and no new TARGET: the programs join selftests/mm
# (vm before 6.3) and run_vmtests.sh's pagemap category, beside
# pagemap_ioctl. Before 6.3 the script has no categories and runs them all.
MM_CATEGORY = 'pagemap'
MM_CATEGORY_ANCHOR = r'^CATEGORY="pagemap" run_test \./pagemap_ioctl$'
MM_USAGE_ANCHOR = r'^\ttest pagemap_scan IOCTL$'
VM_ANCHOR = r'^run_test \./soft-dirty$'		# 6.1's last test
# selftests/ files whose content goes into the tree's own files, not beside them.
SELFTESTS_OWN = ('Makefile', 'config', 'settings', '.gitignore')


@dataclass(frozen=True)
class SelftestsHome:
	"""Where a tree keeps its mm selftests: @dir, and @category, the
	run_vmtests.sh -t category they join (None: the script has none)."""
	dir: str
	category: Optional[str]

	@property
	def run(self) -> str:
		"""How to run them, from the top of the tree."""
		t = f' -t {self.category}' if self.category else ''
		return f'make -C {self.dir}\ncd {self.dir} && sudo ./run_vmtests.sh{t}'


def selftests_home(root: str) -> SelftestsHome:
	for d in ('mm', 'vm'):
		path = os.path.join('tools/testing/selftests', d)
		script = os.path.join(root, path, 'run_vmtests.sh')
		if os.path.exists(script):
			has = re.search(MM_CATEGORY_ANCHOR, _read(script), re.M)
			return SelftestsHome(path, MM_CATEGORY if has else None)
	raise PtwalkError(f'{root}: no tools/testing/selftests/mm/run_vmtests.sh (nor vm/)')


@dataclass(frozen=True)
class SelftestsBuild:
	"""What selftests/Makefile builds: @programs (TEST_GEN_PROGS), each
	linked with @helpers and compiled with @defines; @headers
	(LOCAL_HDRS)."""
	programs: Tuple[str, ...]
	helpers: Tuple[str, ...]
	headers: Tuple[str, ...]
	defines: Tuple[str, ...]


def selftests_build(makefile: str) -> SelftestsBuild:
	def words(pattern: str) -> List[str]:
		return [w for m in re.finditer(pattern, makefile, re.M) for w in m.group(1).split()]
	return SelftestsBuild(tuple(words(r'^TEST_GEN_PROGS :?\+?= (.*)$')),
			      tuple(words(r'^\$\(TEST_GEN_PROGS\): (.*)$')),
			      tuple(words(r'^LOCAL_HDRS \+= (.*)$')),
			      tuple(w for w in words(r'^CFLAGS \+= (.*)$') if w.startswith('-D')))


def selftests_files() -> Dict[str, str]:
	"""The programs and helpers of selftests/, as the tree gets them."""
	return {p: _read(os.path.join(TOP, 'selftests', p)) for p in tracked('selftests')
		if p not in SELFTESTS_OWN}


def selftests_edits(root: str, home: SelftestsHome) -> List[TreeEdit]:
	"""The lines selftests/Makefile and selftests/config become in the
	home's Makefile, config, .gitignore and run_vmtests.sh."""
	src = os.path.join(TOP, 'selftests')
	b = selftests_build(_read(os.path.join(src, 'Makefile')))
	mk, script = f'{home.dir}/Makefile', f'{home.dir}/run_vmtests.sh'
	progs = '$(PTWALK_PROGS:%=$(OUTPUT)/%)'
	block = (['# pagemap against the kernel\'s own page-table walk (ptwalk)'] +
		 [f'PTWALK_PROGS += {p}' for p in b.programs] +
		 ['TEST_GEN_FILES += $(PTWALK_PROGS)', f'LOCAL_HDRS += {" ".join(b.headers)}', ''])
	# The programs include "kselftest_harness.h": -I.. is the selftests' top.
	rules = ['', f'{progs}: {" ".join(b.helpers)}',
		 f'{progs}: CFLAGS += -I.. {" ".join(b.defines)}']
	have = set(_read(os.path.join(root, home.dir, 'config')).splitlines())
	config = [l for l in _read(os.path.join(src, 'config')).splitlines()
		  if l.startswith('CONFIG_') and l not in have]
	if home.category:
		runs = [f'CATEGORY="{home.category}" run_test ./{p}' for p in b.programs]
		anchor = MM_CATEGORY_ANCHOR
	else:
		runs = ['', '# pagemap against the kernel\'s own page-table walk'] + \
			[f'run_test ./{p}' for p in b.programs]
		anchor = VM_ANCHOR
	edits = [TreeEdit(mk, '\n'.join(block), before=r'^include \.\./lib\.mk$'),
		 TreeEdit(mk, '\n'.join(rules)),
		 TreeEdit(f'{home.dir}/.gitignore', '\n'.join(b.programs)),
		 TreeEdit(script, '\n'.join(runs), after=anchor)]
	if config:
		edits.append(TreeEdit(f'{home.dir}/config', '\n'.join(config)))
	if home.category and re.search(MM_USAGE_ANCHOR, _read(os.path.join(root, script)), re.M):
		edits.append(TreeEdit(script, '\tand pagemap against the kernel\'s page-table walk',
				      after=MM_USAGE_ANCHOR))
	return edits


def selftests_maintainers(home: SelftestsHome) -> List[str]:
	return [f'F:\t{home.dir}/{f}' for f in sorted(selftests_files())]


# The pages true inside a kernel tree. running.rst (ptwalk's runner, its
# matrix and cache) and results.rst (its measurements and findings) are
# about this repository and stay in it.
TREE_DOCS = ('index.rst', 'theory.rst', 'usage.rst', 'tests.rst', 'walker.rst',
	     'kernel-walk.rst')


def docs_files() -> Dict[str, str]:
	"""The pages of TREE_DOCS, their kernel-doc directives pointing at
	mm/ptwalk/ and the index listing only them. Sphinx's conf.py and the
	figures of the tool's plots stay in this repository: a series carries
	no images."""
	pages = {p: tree_page(_read(os.path.join(TOP, 'Documentation', p)))
		 for p in tracked('Documentation') if p in TREE_DOCS}
	pages['index.rst'] = tree_index(pages['index.rst'])
	pages['tests.rst'] = drop_sections(pages['tests.rst'], TOOL_SECTIONS)
	return pages


# tests.rst's sections on the user-space walker, which no series carries.
TOOL_SECTIONS = 'The user-space walker'


def drop_sections(rst: str, title: str) -> str:
	"""@rst without the '====' sections whose title starts with @title."""
	parts = re.split(r'^(?=.+\n=+\n)', rst, flags=re.M)
	return ''.join(p for p in parts if not p.startswith(title)).rstrip('\n') + '\n'


def tree_index(rst: str) -> str:
	"""index.rst's toctree without the pages a series does not carry."""
	return re.sub(r'^   ([\w-]+)\n',
		      lambda m: m.group(0) if f'{m.group(1)}.rst' in TREE_DOCS else '', rst,
		      flags=re.M)


def tree_page(rst: str) -> str:
	rst = re.sub(r'^(\.\. kernel-doc:: )kunit/', r'\1' + KERNEL_DIR + '/', rst, flags=re.M)
	rst = re.sub(r'^\.\. figure::.*\n(?:(?:[ \t]+.*)?\n)*?(?=\S)', '', rst, flags=re.M)
	return rst


def _read(path: str) -> str:
	with open(path) as f:
		return f.read()


def _write(path: str, text: str) -> None:
	os.makedirs(os.path.dirname(path), exist_ok=True)
	with open(path, 'w') as f:
		f.write(text)


def apply_edit(root: str, e: TreeEdit) -> None:
	path = os.path.join(root, e.path)
	lines = _read(path).rstrip('\n').split('\n')
	where = e.after or e.before
	if where is None:
		lines.append(e.line)
	else:
		at = [i for i, l in enumerate(lines) if re.match(where, l)]
		if len(at) != 1:
			raise PtwalkError(f'{e.path}: no single line matching {where} to add {e.line!r} by')
		lines.insert(at[0] + (1 if e.after else 0), e.line)
	_write(path, '\n'.join(lines) + '\n')


def maintainers_entry(lines: Sequence[str], who: str) -> List[str]:
	"""The MAINTAINERS entry: M: first, then the tree's order of the other
	types, file patterns sorted."""
	order = 'MRLSWQBCPTFXNK'
	body = sorted(set(lines), key=lambda l: (order.index(l[0]), l))
	return [MAINTAINERS_TITLE, f'M:\t{who}'] + body


def put_maintainers(root: str, lines: Sequence[str], who: str) -> None:
	"""Our entry in MAINTAINERS, in its alphabetical place (replaced if
	there)."""
	path = os.path.join(root, 'MAINTAINERS')
	text = _read(path).split('\n')
	if MAINTAINERS_TITLE in text:
		i = text.index(MAINTAINERS_TITLE)
		end = text.index('', i)
		del text[i:end + 1]
	title, field = re.compile(r'[A-Z0-9][^a-z]*$'), re.compile(r'[A-Z]:\t')
	at = next(i for i, l in enumerate(text[:-1]) if l > MAINTAINERS_TITLE and
		  title.match(l) and field.match(text[i + 1]))
	text[at:at] = maintainers_entry(lines, who) + ['']
	_write(path, '\n'.join(text))


# ---- the pristine git copy -------------------------------------------------

def _git(repo: str, *args: str, env: Optional[Dict[str, str]] = None,
	 check: bool = True) -> str:
	r = subprocess.run(['git', '-C', repo] + list(args), capture_output=True, text=True,
			   env=env)
	if check and r.returncode:
		raise PtwalkError(f'git {" ".join(args[:2])} in {repo}: {r.stderr.strip()[-300:]}')
	return r.stdout


def identity() -> Tuple[str, bool]:
	"""'Name <email>' from this repository's git config, and whether it is
	one (else the placeholder the user replaces)."""
	name = subprocess.run(['git', 'config', 'user.name'], cwd=TOP, capture_output=True,
			      text=True).stdout.strip()
	email = subprocess.run(['git', 'config', 'user.email'], cwd=TOP, capture_output=True,
			       text=True).stdout.strip()
	return (f'{name} <{email}>', True) if name and email else (PLACEHOLDER, False)


def source_date(top: str = TOP) -> str:
	"""The date of every patch: the last commit's, in a git checkout; else
	(a release tarball, a REST-API checkout) $SOURCE_DATE_EPOCH's, else the
	newest of the files the series carries."""
	if os.path.exists(os.path.join(top, '.git')):
		return _git(top, 'log', '-1', '--format=%cI').strip()
	epoch = os.environ.get('SOURCE_DATE_EPOCH', '')
	if not epoch.isdigit():
		files = [os.path.join(top, 'kunit', f) for f in os.listdir(os.path.join(top, 'kunit'))]
		files += [os.path.join(top, d, f) for d in ('selftests', 'Documentation')
			  for f in tracked(d, top)]
		epoch = str(int(max(os.path.getmtime(f) for f in files)))
	return datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc).isoformat()


def committer_env(env: Dict[str, str]) -> Dict[str, str]:
	"""@env with a committer for git am, which refuses to commit without
	one: the one make patch signs off with. A CI container has no git
	identity configured."""
	name, email = _name_email(identity()[0])
	return dict(env, GIT_COMMITTER_NAME=env.get('GIT_COMMITTER_NAME', name),
		    GIT_COMMITTER_EMAIL=env.get('GIT_COMMITTER_EMAIL', email))


def _name_email(who: str) -> Tuple[str, str]:
	"""'Name <email>' as its two parts."""
	name, _, email = who.partition(' <')
	return name, email.rstrip('>')


def _git_env(who: str, date: str) -> Dict[str, str]:
	name, email = _name_email(who)
	return dict(os.environ, GIT_AUTHOR_NAME=name, GIT_AUTHOR_EMAIL=email,
		    GIT_COMMITTER_NAME=name, GIT_COMMITTER_EMAIL=email,
		    GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date)


BASE = 'ptwalk-base'		# the tree as its source package (or KDIR=) has it
SERIES_BRANCH = 'ptwalk-series'	# the series, one commit per patch


def tree_repo(tree: Tree) -> None:
	"""Make @tree, a Debian tree ptwalk unpacked into its cache, a git
	repository whose tag 'ptwalk-base' is the tree as its source package has
	it; once. Its builds stay where they are: kbuild builds out of the tree,
	and neither git init nor the commit changes a file."""
	stamp = os.path.join(tree.path, '.git', BASE)
	if os.path.exists(stamp):
		return
	remove_old_install(tree)
	shutil.rmtree(os.path.join(tree.path, '.git'), ignore_errors=True)
	info(f'making {tree.path} a git repository (tag {BASE})')
	_commit_base(tree.path, f'Linux {tree.kver} as linux-source-{tree.name} has it')
	_write(stamp, tree.path + '\n')


def _commit_base(repo: str, subject: str) -> None:
	"""Commit the files of @repo as they are, tagged 'ptwalk-base', if they
	differ from the last base (or there is none yet)."""
	env = _git_env('ptwalk <ptwalk@localhost>', '2026-01-01T00:00:00Z')
	fresh = not os.path.isdir(os.path.join(repo, '.git'))
	if fresh:
		_git(repo, 'init', '-q')
		# No automatic repack of the tree's 80,000 loose objects: minutes
		# of CPU behind the builds, for a repository that only takes a
		# few commits at a time.
		_git(repo, 'config', 'gc.auto', '0')
	else:	# the working files stay: the tree as it is now
		_git(repo, 'checkout', '-q', '--detach')
		_git(repo, 'reset', '-q', '--soft', BASE)
	# -f: Debian's .gitignore ignores everything at the top level; what
	# Python left when the tree's scripts ran is not the tree's.
	_git(repo, 'add', '-A', '-f', '--', '.', ':(exclude,glob)**/__pycache__/**')
	if fresh or _git(repo, 'status', '--porcelain'):
		_git(repo, 'commit', '-q', '-m', subject, env=env)
		_git(repo, 'tag', '-f', BASE)


def pristine_repo(tree: Tree) -> str:
	"""Where the series is made and checked: series/<name> in the cache, at
	'ptwalk-base'. For a Debian tree, a git worktree of the tree itself
	(tree_repo()), so that the branch the series is committed on is one
	the tree can check out; for KDIR=, a git copy of the tree as it is
	(its working files, without what install() wrote), made again each
	time."""
	repo = os.path.join(cache_dir(), 'series', tree.name)
	if tree.owned:
		tree_repo(tree)
		if not os.path.isfile(os.path.join(repo, '.git')):
			# absent, or the copy of an earlier ptwalk
			shutil.rmtree(repo, ignore_errors=True)
			_git(tree.path, 'worktree', 'prune')
			info(f'a worktree of {tree.path} in {repo}')
			_git(tree.path, 'worktree', 'add', '-q', '--detach', repo, BASE)
		return repo
	os.makedirs(repo, exist_ok=True)
	# A git checkout's build output, which its .gitignore files name, is not
	# the tree's.
	ignored = ['--filter=:- .gitignore'] if os.path.isdir(os.path.join(tree.path, '.git')) else []
	cmd = ['rsync', '-a', '--delete', '--exclude=/.git', *ignored, tree.path + '/', repo + '/']
	if subprocess.run(cmd).returncode:
		raise PtwalkError(f'could not copy {tree.path} for the series')
	_unwritten(repo, _written(tree))	# the tree without what install() wrote
	_commit_base(repo, f'Linux {tree.kver} as {tree.path} has it')
	return repo


def reset(repo: str, branch: str) -> None:
	_git(repo, 'checkout', '-q', '-f', '-B', branch, BASE)
	_git(repo, 'clean', '-q', '-f', '-d', '-x')


def reset_series_files(repo: str, branch: str, home: SelftestsHome) -> None:
	"""@branch at the base and checked out, where only what the series
	writes is put back as the base has it: a whole reset() reads the
	tree's 80,000 files twice. Every other step that changes the tree
	(git am, the bisect builds' checkouts, the fixes) reset()s it first,
	and changes nothing else."""
	_git(repo, 'update-ref', f'refs/heads/{branch}', BASE)
	_git(repo, 'symbolic-ref', 'HEAD', f'refs/heads/{branch}')
	for d in (KERNEL_DIR, DOCS_DIR):
		shutil.rmtree(os.path.join(repo, d), ignore_errors=True)
	edited = {e.path for u in SERIES for e in u.edits}
	paths = ('MAINTAINERS', home.dir, *sorted(edited))
	# The index too: git am and the bisect checkouts leave the series'
	# files in it, and git clean keeps what the index tracks.
	_git(repo, 'reset', '-q', BASE, '--', KERNEL_DIR, DOCS_DIR, *paths)
	_git(repo, 'checkout', '-q', '-f', BASE, '--', *paths)
	_git(repo, 'clean', '-q', '-f', '-d', '-x', '--', home.dir)


# ---- make patch ------------------------------------------------------------

# The test-only debugfs file, answering what was held against "Page
# Detective" (linux-mm, November 2024), a debugfs walk of a process's
# page tables: kernel pointers, races with freeing, who may aim it where.
DEBUGFS_NOTE = """\
CONFIG_PTWALK_DEBUGFS (off by default) adds a test-only interface in
the manner of mm/gup_test.c, /sys/kernel/debug/ptwalk/walk: root writes
"PID ADDRESS" and reads back the walk, which the selftests compare with
/proc/PID/pagemap page by page. What it prints: the raw entries the
walk read (physical addresses of the tables below, as in the tables),
the leaf's level, size, PFN and physical address, and its write, dirty
and young bits; never a kernel virtual address, and only for user
addresses (below the target's TASK_SIZE; anything else is -EFAULT).
Who may use it: the file is 0600 and opening it needs CAP_SYS_ADMIN, as
pagemap's PFNs do; the target's mm is taken with mm_access() and
PTRACE_MODE_READ_FSCREDS, as pagemap takes it. Freeing: mm_access()
holds a reference on the mm, the walk runs under mmap_read_lock_killable()
and reads each entry once (pXdp_get()), and the PTE table is mapped with
pte_offset_map(), so one that khugepaged retracts meanwhile stays valid
until the walk is done. The selftests that use the file skip without it.
"""


def kunit_style_note(tree: Tree) -> str:
	"""Where the suites keep something other than KUnit's style guide
	(Documentation/dev-tools/kunit/style.rst) says, and why; the slow
	cases are marked where @tree's KUnit can mark them (6.6+)."""
	slow = 'KUNIT_CASE_SLOW' in (_content(os.path.join(tree.path, 'include', 'kunit',
							    'test.h')) or '')
	return ('The KUnit suites follow Documentation/dev-tools/kunit/style.rst: they\n'
		'are mm/ptwalk/tests/<suite>_kunit.c, next to the walker they test, with\n'
		'their shared helpers in tests/test_util.c;'
		+ (' the slow cases are marked\nKUNIT_CASE_SLOW(); ' if slow else '\n')
		+ 'CONFIG_PTWALK_KUNIT_TEST is visible only without\n'
		'KUNIT_ALL_TESTS and defaults to it, so that kunit.py\'s default\n'
		'configuration and the CI jobs that build it run the suites. Two things\n'
		'differ, on purpose: one option builds the six suites, which share the\n'
		'walker and their helpers; and it is bool, as CONFIG_DAMON_KUNIT_TEST\n'
		'is (and so depends on KUNIT=y), not tristate: the walker and the\n'
		'suites read init_mm\'s page tables and call the kernel\'s page-table\n'
		'walker (walk_page_range_novma(), or walk_kernel_page_table_range()),\n'
		'none of which is exported to modules, and exporting them for a test\'s\n'
		'sake is not this series\' to propose.\n')


def vm_util_note(home: SelftestsHome) -> str:
	"""Why the selftests read pagemap with their own pagemap.c, not with
	the readers of @home's vm_util.c, which read it too."""
	d = home.dir[len('tools/testing/'):]
	return (f'The selftests read pagemap through their own pagemap.c rather than\n'
		f'the readers of {d}/vm_util.c: those return one entry per\n'
		'call and end the program on a failed read, where these read ranges,\n'
		'decode every bit, and assert on the errors themselves (the error\n'
		'contract of reads at bad offsets is one of the tests).\n')


def cover_letter(tree: Tree, matrix_lines: Sequence[str], home: SelftestsHome) -> str:
	return (f'ptwalk: prove how virtual memory maps to physical memory\n\n'
		'ptwalk checks the kernel\'s page tables from both sides of the kernel\n'
		'boundary. Inside, an mm walker that reports every level it reads, and\n'
		'KUnit suites that hold kmalloc(), vmalloc(), the direct map and the\n'
		'walker\'s answers for bad addresses against the kernel\'s own helpers.\n'
		'Outside, selftests of /proc/self/pagemap in ' + home.dir[len('tools/testing/'):] +
		':\nits low bits, demand paging, the zero page, copy-on-write and its\n'
		'error contract, and (with CONFIG_PTWALK_DEBUGFS) the kernel\'s walk of\n'
		'the same pages, run by run_vmtests.sh with the other mm selftests.\n\n'
		f'{kunit_style_note(tree)}\n{DEBUGFS_NOTE}\n{vm_util_note(home)}\n'
		'Run them with:\n\n'
		f'  ./tools/testing/kunit/kunit.py run --kunitconfig={KERNEL_DIR}\n'
		'  ' + home.run.replace('\n', '\n  ') + '\n\n'
		f'This series is for Linux {tree.kver}.'
		+ ('\nApplied to that tree, it passed on the kernel configurations and\n'
		   'boots of ptwalk\'s matrix:\n\n' + '\n'.join(matrix_lines)
		   if matrix_lines else ' It has not been run yet (make run).') + '\n')


@dataclass
class Series:
	tree: Tree
	repo: str
	out: str
	patches: List[str] = field(default_factory=list)
	signed: bool = True


class Objects:
	"""Blobs and trees written into a repository's object store as git
	hash-object -w writes them (loose, zlib-compressed, named by their
	SHA-1), and the entries of the trees read or made: the commits of a
	series change a handful of files of a tree of 80,000, which is a few
	trees' worth of work, not a git process for each."""

	def __init__(self, repo: str) -> None:
		self.repo = repo
		common = _git(repo, 'rev-parse', '--git-common-dir').strip()
		self.store = os.path.join(repo, common, 'objects')
		self.trees: Dict[str, Dict[str, Tuple[str, str]]] = {}	# id -> name -> (mode, id)

	def write(self, kind: str, data: bytes) -> str:
		raw = f'{kind} {len(data)}\0'.encode() + data
		oid = hashlib.sha1(raw).hexdigest()
		path = os.path.join(self.store, oid[:2], oid[2:])
		if not os.path.exists(path):
			os.makedirs(os.path.dirname(path), exist_ok=True)
			tmp = f'{path}.{os.getpid()}.tmp'
			with open(tmp, 'wb') as f:
				f.write(zlib.compress(raw))
			os.chmod(tmp, 0o444)
			os.replace(tmp, path)
		return oid

	def entries(self, tree: str) -> Dict[str, Tuple[str, str]]:
		if tree not in self.trees:
			listing = _git(self.repo, 'ls-tree', '-z', tree).split('\0')
			self.trees[tree] = {name: (meta.split()[0].lstrip('0'), meta.split()[2])
					    for meta, _, name in (l.partition('\t') for l in listing if l)}
		return self.trees[tree]

	def tree(self, entries: Dict[str, Tuple[str, str]]) -> str:
		# git's order: a directory sorts as its name with a '/' after it
		order = sorted(entries, key=lambda n: n + '/' if entries[n][0] == '40000' else n)
		oid = self.write('tree', b''.join(f'{entries[n][0]} {n}\0'.encode() + bytes.fromhex(entries[n][1])
						  for n in order))
		self.trees[oid] = dict(entries)
		return oid

	def tree_with(self, tree: str, files: Dict[str, str]) -> str:
		"""The id of tree @tree ('' for none) with @files in it (path in the
		tree -> the file of the working tree it gets)."""
		entries = dict(self.entries(tree)) if tree else {}
		subdirs: Dict[str, Dict[str, str]] = {}
		for path, src in files.items():
			first, sep, rest = path.partition('/')
			if sep:
				subdirs.setdefault(first, {})[rest] = src
				continue
			full = os.path.join(self.repo, src)
			with open(full, 'rb') as f:
				oid = self.write('blob', f.read())
			entries[first] = ('100755' if os.stat(full).st_mode & 0o100 else '100644', oid)
		for name, sub in subdirs.items():
			old = entries[name][1] if name in entries else ''
			entries[name] = ('40000', self.tree_with(old, sub))
		return self.tree(entries)


def _commit(objects: Objects, paths: Sequence[str], msg: str, env: Dict[str, str]) -> None:
	"""Commit @paths (files, and directories with every file in them) as the
	working tree has them on HEAD. Not git commit: it reads and writes the
	index of the tree's 80,000 files, a quarter of a second each time. The
	index is left at what reset() checked out."""
	repo = objects.repo
	files: Dict[str, str] = {}
	for p in paths:
		full = os.path.join(repo, p)
		if os.path.isfile(full):
			files[p] = p
		for d, _, names in os.walk(full):
			files.update((rel, rel) for rel in
				     (os.path.relpath(os.path.join(d, n), repo) for n in names))
	tree = objects.tree_with(_git(repo, 'rev-parse', 'HEAD^{tree}').strip(), files)
	commit = subprocess.run(['git', '-C', repo, 'commit-tree', tree, '-p', 'HEAD', '-F', '-'],
				input=msg, text=True, env=env, capture_output=True, check=True).stdout.strip()
	_git(repo, 'update-ref', 'HEAD', commit)


def make_series(tree: Tree, results: str, matrix_lines: Sequence[str] = (),
		kunit_src: str = KUNIT_SRC, write_patches: bool = True) -> Series:
	"""One commit per unit (the kernel's from @kunit_src) on branch
	'ptwalk-series' of the pristine copy, and, if @write_patches, the series as
	results/patches/<kver>/: a cover letter and a patch per commit."""
	repo = pristine_repo(tree)
	out = os.path.join(results, 'patches', tree.name)
	facts = tree_facts(repo, os.path.join(kunit_src, 'Makefile'))
	kunit = {f: _read(os.path.join(kunit_src, f)) for f in kunit_files(kunit_src)}
	try:
		resolved = resolve_sources(kunit, facts)
	except ResolveError as e:
		raise PtwalkError(f'cannot resolve kunit/ for {tree.path}: {e}')
	who, signed = identity()
	date = source_date()
	env = _git_env(who, date)
	home = selftests_home(repo)
	reset_series_files(repo, SERIES_BRANCH, home)
	objects = Objects(repo)
	done: List[Unit] = []
	maintainers: List[str] = []
	for unit in SERIES:
		done.append(unit)
		for name, text in kernel_step_files(resolved, done).items():
			_write(os.path.join(repo, KERNEL_DIR, name), text)
		if unit.selftests:
			for name, text in selftests_files().items():
				_write(os.path.join(repo, home.dir, name), text)
			for edit in selftests_edits(repo, home):
				apply_edit(repo, edit)
			maintainers += selftests_maintainers(home)
		if unit.docs:
			for name, text in docs_files().items():
				_write(os.path.join(repo, DOCS_DIR, name), text)
		for edit in unit.edits:
			apply_edit(repo, edit)
		# Every patch that adds files names them in MAINTAINERS.
		maintainers += unit.maintainers
		maintainers += [f'F:\t{KERNEL_DIR}/{f}' for f in unit.kernel_files]
		put_maintainers(repo, maintainers, who)
		body = unit.body.replace(SELFTESTS_RUN, '  ' + home.run.replace('\n', '\n  '))
		_commit(objects, (KERNEL_DIR, home.dir, DOCS_DIR, 'MAINTAINERS', *(e.path for e in unit.edits)),
			f'{unit.subject}\n\n{body}\n\nSigned-off-by: {who}\n', env)
	if not write_patches:
		return Series(tree, repo, out, [], signed)
	shutil.rmtree(out, ignore_errors=True)
	_git(repo, 'format-patch', '-q', '--cover-letter', '--no-signature', '-o', out,
	     'ptwalk-base..ptwalk-series', env=env)
	patches = sorted(glob.glob(os.path.join(out, '*.patch')))
	cover = patches[0]
	text = _read(cover)
	body = cover_letter(tree, matrix_lines, home)
	subject, _, blurb = body.partition('\n\n')
	text = text.replace('*** SUBJECT HERE ***', subject).replace('*** BLURB HERE ***', blurb.rstrip('\n'))
	_write(cover, text)
	return Series(tree, repo, out, patches, signed)


# ---- the series in a tree --------------------------------------------------

def _series_dirs(repo: str) -> List[str]:
	"""The directories the series adds files to."""
	return [KERNEL_DIR, DOCS_DIR, selftests_home(repo).dir]


def install(tree: Tree, results: str, kunit_src: str = KUNIT_SRC) -> Series:
	"""Make the series (of @kunit_src) and put it in @tree: the one way
	ptwalk's kernel side enters a tree. A Debian tree in the cache checks
	the series' last commit out; a KDIR= tree, the user's, gets the same
	files written into it, its branch never committed to (uninstall() puts
	back what was there). Either way only the files whose content changed
	are written, so make rebuilds only what they touch."""
	if not tree.owned:
		remove_old_install(tree)
	made = make_series(tree, results, kunit_src=kunit_src, write_patches=False)
	if tree.owned:
		_git(tree.path, 'checkout', '-q', '-f', '--detach', SERIES_BRANCH)
		# What git does not track there: a file an earlier series added.
		_git(tree.path, 'clean', '-q', '-f', '-d', '-x', '--',
		     *_series_dirs(made.repo))
	else:
		_write_series_files(tree, made.repo)
	return made


# What install() wrote into a KDIR= tree: path -> (what was there, or None
# for a new file; what install() wrote).
Written = Dict[str, Tuple[Optional[str], str]]


def _record(tree: Tree) -> str:
	return os.path.join(cache_dir(), 'series', f'{tree.name}.installed.json')


def _written(tree: Tree) -> Written:
	try:
		return {rel: (old, new) for rel, (old, new) in json.loads(_read(_record(tree))).items()}
	except FileNotFoundError:
		return {}


def _content(path: str) -> Optional[str]:
	return _read(path) if os.path.exists(path) else None


def _unwritten(top: str, written: Written) -> None:
	"""Put back at @top what was there before install() wrote @written."""
	for rel, (old, new) in written.items():
		dest = os.path.join(top, rel)
		if old is None:
			if os.path.exists(dest):
				os.unlink(dest)
				_remove_empty_dirs(top, os.path.dirname(dest))
		elif old != _content(dest):
			_write(dest, old)


def _refuse_changed(tree: Tree, written: Written) -> None:
	"""Stop if a file install() wrote into @tree changed since."""
	changed = [rel for rel, (_, new) in written.items()
		   if _content(os.path.join(tree.path, rel)) != new]
	if changed:
		raise PtwalkError(f'{tree.path}: changed since make install-kunit, not touching them: '
				  + ' '.join(changed))


def _write_series_files(tree: Tree, repo: str) -> None:
	before = _written(tree)
	_refuse_changed(tree, before)
	files = _git(repo, 'diff', '--name-only', '--no-renames', '-z', f'{BASE}..{SERIES_BRANCH}')
	written: Written = {}
	for rel in filter(None, files.split('\0')):
		now = _content(os.path.join(tree.path, rel))
		old = before[rel][0] if rel in before else now
		written[rel] = (old, _git(repo, 'show', f'{SERIES_BRANCH}:{rel}'))
	# What an earlier series wrote and this one does not: back as it was.
	_unwritten(tree.path, {rel: v for rel, v in before.items() if rel not in written})
	# Recorded before anything is written: a run killed meanwhile leaves
	# a record that covers every file it may have written.
	_write(_record(tree), json.dumps({**before, **written}))
	for rel, (_, new) in written.items():
		dest = os.path.join(tree.path, rel)
		if _content(dest) != new:
			os.makedirs(os.path.dirname(dest), exist_ok=True)
			_write(dest, new)
	_write(_record(tree), json.dumps(written))
	info(f'{tree.path}: the series\' {len(written)} files written into the tree '
	     '(make uninstall-kunit puts back what was there)')


def uninstall(tree: Tree) -> None:
	"""@tree as it was before install(): a Debian tree at 'ptwalk-base'; a
	KDIR= tree with the files install() wrote put back as they were, the
	new ones removed, unless one changed since (then nothing is touched)."""
	if tree.owned:
		if os.path.isdir(os.path.join(tree.path, '.git')):
			_git(tree.path, 'checkout', '-q', '-f', '--detach', BASE)
			_git(tree.path, 'clean', '-q', '-f', '-d', '-x')
		return
	written = _written(tree)
	_refuse_changed(tree, written)
	_unwritten(tree.path, written)
	if written:
		os.unlink(_record(tree))


def _remove_empty_dirs(top: str, d: str) -> None:
	while os.path.realpath(d) != os.path.realpath(top) and not os.listdir(d):
		os.rmdir(d)
		d = os.path.dirname(d)


# ---- the kernel's own checks -----------------------------------------------

SERIES_ARCHES = ('um',)	# kunit.py run, as a maintainer types it (the cells run the rest)
CHECKERS_ARCH = 'x86_64'		# the build sparse and coccicheck run in

# What the checks run (ptwalk_tree.PROGRAMS and PYTHON_MODULES name their
# packages): kbuild's tools and ccache, git, rsync for a KDIR= tree's copy,
# sparse, Coccinelle's spatch and the OCaml compiler and findlib it builds
# the rules' OCaml scripts with, Sphinx, and checkpatch's spdxcheck.py's
# imports.
SERIES_PROGRAMS = ('gcc', 'make', 'flex', 'bison', 'bc', 'ccache', 'git', 'rsync', 'sparse',
		   'spatch', 'ocamlopt', 'ocamlfind', 'sphinx-build')
SERIES_MODULES = ('ply', 'git', 'sphinx')


def missing_checkers() -> List[str]:
	"""What the checks of a series run and this machine lacks."""
	return missing_tools(SERIES_PROGRAMS, SERIES_MODULES)


class Checker:
	"""The checks of one series, each a Case of the 'series-<kver>'
	outcome; its logs are results/series-<kver>-<check>.log."""
	def __init__(self, series: Series, results: str) -> None:
		self.s = series
		self.repo = series.repo
		self.results = results
		self.out = Outcome(f'series-{series.tree.name}', 'series')
		self.env = build_env()
		# kunit.py run --arch=um: UML's memory file (uml_env()).
		self.env.update({k: v for k, v in uml_env().items() if k == 'TMPDIR'})
		# Debian's python3 (with python3-ply, python3-git) for checkpatch's
		# helper scripts, whatever python3 comes first in PATH.
		self.env['PATH'] = '/usr/bin:' + self.env.get('PATH', '')
		self.log_lock = threading.Lock()

	def log(self, check: str) -> str:
		return os.path.join(self.results, f'series-{self.s.tree.name}-{check}.log')

	def run(self, check: str, cmd: Sequence[str], timeout: Optional[float] = None,
		env: Optional[Dict[str, str]] = None) -> Tuple[int, str]:
		"""@cmd in the series repository (with the checks' environment, or
		@env); its status (-1: timed out) and output. Commands may run in
		threads side by side: each is logged whole when it ends."""
		try:
			r = subprocess.run(cmd, cwd=self.repo, env=env or self.env, capture_output=True,
					   text=True, errors='replace', timeout=timeout)
			status, said = r.returncode, r.stdout + r.stderr
		except subprocess.TimeoutExpired:
			status, said = -1, f'timed out after {timeout} s\n'
		with self.log_lock, open(self.log(check), 'a') as f:
			f.write('$ ' + ' '.join(cmd) + '\n' + said)
		return status, said

	def case(self, suite: str, name: str, problem: str) -> None:
		self.out.cases.append(Case(suite, name, FAIL if problem else PASS, problem))
		info(f'[series {self.s.tree.name}] {suite} {name}: {problem or "ok"}')

	def build_dir(self, arch: str) -> str:
		return self.s.tree.build_dir(f'series-{arch}')

	def kunit(self, verb: str, arch: str, kunitconfig: str, build: str = '',
		  filter_glob: str = '') -> Tuple[int, str]:
		cmd = ['./tools/testing/kunit/kunit.py', verb, f'--arch={arch}',
		       f'--build_dir={self.build_dir(build or arch)}', f'--kunitconfig={kunitconfig}',
		       '--make_options', 'CC=ccache gcc']
		if filter_glob:
			cmd.append(filter_glob)
		if verb != 'config':
			cmd.append(f'--jobs={os.cpu_count()}')
		if verb == 'run':
			cmd.append('--timeout=900')
		return self.run(f'kunit-{build or arch}', cmd, timeout=3600)


def _problem(status: int, said: str, what: str) -> str:
	"""'' if @status is 0, else one line: what failed, the package of a
	program it found missing, the end of its output."""
	if status == 0:
		return ''
	last = [l for l in said.splitlines() if l.strip()][-3:]
	package = named_package(said)
	missing = f' (a program is missing: install Debian package {package})' if package else ''
	return f'{what} exited {status}{missing}: ' + ' | '.join(last)[-300:]


def check_am(c: Checker) -> List[str]:
	"""git am of the patch files onto the pristine tree: the result must be
	the tree the series was generated as. Return: the commits."""
	reset(c.repo, 'ptwalk-am')
	status, said = c.run('am', ['git', 'am', '-q'] + c.s.patches[1:], env=committer_env(c.env))
	problem = _problem(status, said, 'git am')
	if not problem:
		diff = _git(c.repo, 'diff', '--stat', 'ptwalk-series', 'ptwalk-am')
		problem = f'applied tree differs from the generated one: {diff.strip()[-200:]}' if diff else ''
	c.case('git-am', f'{len(c.s.patches) - 1} patches', problem)
	return _git(c.repo, 'rev-list', '--reverse', 'ptwalk-base..HEAD').split() if not problem else []


def check_checkpatch(c: Checker) -> None:
	"""checkpatch --strict on each patch file, one per CPU at a time."""
	def one(p: str) -> Tuple[int, str]:
		return c.run('checkpatch', ['perl', 'scripts/checkpatch.pl', '--strict',
					    '--quiet', '--no-summary', p])
	with concurrent.futures.ThreadPoolExecutor(os.cpu_count()) as pool:
		said_of = list(pool.map(one, c.s.patches))
	for p, (status, said) in zip(c.s.patches, said_of):
		found = [l for l in said.splitlines() if re.match(r'^(ERROR|WARNING|CHECK):', l)]
		problem = f'{len(found)} reports: {found[0]}' if found else \
			_problem(status, said, 'checkpatch')
		c.case('checkpatch', os.path.basename(p), problem)


def kunitconfig_at(c: Checker, commit: str) -> str:
	"""The final .kunitconfig without the ptwalk symbols @commit does not
	define yet (at the first patches, a config of KUnit alone)."""
	final = _git(c.repo, 'show', f'ptwalk-series:{KERNEL_DIR}/.kunitconfig')
	kconfig = _git(c.repo, 'show', f'{commit}:{KERNEL_DIR}/Kconfig', check=False)
	keep = [l for l in final.splitlines()
		if not re.match(r'CONFIG_PTWALK\w*=', l) or
		re.search(r'^config ' + l.split('=')[0][len('CONFIG_'):] + '$', kconfig, re.M)]
	path = os.path.join(c.build_dir('um') + '.kunitconfig-step')
	_write(path, '\n'.join(keep) + '\n')
	return path


def check_bisect(c: Checker, commits: Sequence[str]) -> None:
	"""After each patch, on the UML build the kunit.py run keeps (built
	once; after the first run only what a patch changes is compiled): its
	configuration is valid (kunit.py config), mm/ builds with the patch's
	Kconfig and Makefile lines, and every C file of mm/ptwalk/ compiles
	with W=1, also those no option selects yet; a patch that changes
	nothing under mm/ is a skip that names what it changes. Not a kernel
	per patch: what only linking or booting finds (a symbol a later patch
	defines) is found at the last patch, which kunit.py run links and
	boots."""
	make = ['make', 'ARCH=um', f'O={c.build_dir("um")}', 'CC=ccache gcc', f'-j{os.cpu_count()}']
	for i, commit in enumerate(commits, 1):
		changed = _git(c.repo, 'diff-tree', '--root', '--no-commit-id', '--name-only', '-r',
			       commit).split()
		if not any(p.startswith('mm/') for p in changed):
			# The selftests' and the documentation's patches: their
			# own checks build them (check_selftests, check_htmldocs).
			where = sorted({p if p == 'MAINTAINERS' else os.path.dirname(p) for p in changed})
			c.out.cases.append(Case('bisect', f'patch {i}', SKIP,
						'nothing under mm/ to build: ' + ', '.join(where)))
			continue
		_git(c.repo, 'checkout', '-q', '-f', commit)
		status, said = c.kunit('config', 'um', kunitconfig_at(c, commit))
		problem = _problem(status, said, 'kunit.py config')
		if not problem:
			status, said = c.run('kunit-um', make + ['mm/'])
			problem = _problem(status, said, 'make mm/')
		objs = [f'{KERNEL_DIR}/{f[:-2]}.o'
			for f in kunit_files(os.path.join(c.repo, KERNEL_DIR), ('.c',))]
		if not problem and objs:
			status, said = c.run('kunit-um', make + ['W=1'] + objs)
			problem = _problem(status, said, 'make ' + ' '.join(objs))
			# Only ptwalk's: W=1 also warns in what the targets' prepare
			# step builds (6.1 UML: arch/x86/um/user-offsets.c).
			warnings = [l for l in said.splitlines()
				    if ': warning:' in l and f'/{KERNEL_DIR}/' in l]
			problem = problem or (warnings[0] if warnings else '')
		c.case('bisect', f'patch {i}', problem)
	_git(c.repo, 'checkout', '-q', '-f', 'ptwalk-am')


def check_kunit(c: Checker, arches: Sequence[str]) -> None:
	"""kunit.py run on each of @arches; the checkers' build is at least
	configured (kunit.py config) if it is not one of them."""
	if CHECKERS_ARCH not in arches:
		status, said = c.kunit('config', CHECKERS_ARCH, KERNEL_DIR)
		c.case('kunit.py', f'config --arch={CHECKERS_ARCH}', _problem(status, said, 'kunit.py config'))
	for arch in arches:
		kunit_run_case(c, f'run --arch={arch}', *c.kunit('run', arch, KERNEL_DIR))


def kunit_run_case(c: Checker, name: str, status: int, said: str) -> None:
	"""The case of one kunit.py run: it exited 0 and ran at least one test."""
	m = re.search(r'Testing complete\. Ran (\d+) tests: (.*)', said)
	problem = _problem(status, said, 'kunit.py run')
	if not problem and not (m and int(m.group(1))):
		problem = 'kunit.py ran no test' if m else 'kunit.py printed no "Testing complete" line'
	c.case('kunit.py', name, problem)
	if m:
		info(f'[series {c.s.tree.name}] kunit.py {name}: {m.group(1)} tests, {m.group(2)}')


# The configuration KernelCI's kunit job and kunit.py's default build use:
# KUNIT_ALL_TESTS=y, which must select the suites (default KUNIT_ALL_TESTS).
ALL_TESTS_CONFIG = 'tools/testing/kunit/configs/default.config'
SUITES_OPTION = 'CONFIG_PTWALK_KUNIT_TEST'


def check_all_tests_config(c: Checker, run: bool = False) -> None:
	"""kunit.py config of ALL_TESTS_CONFIG on UML selects the suites; if
	@run, kunit.py run of it (every test's build) runs them."""
	status, said = c.kunit('config', 'um', ALL_TESTS_CONFIG, build='um-all-tests')
	problem = _problem(status, said, 'kunit.py config')
	if not problem and config_value(c.build_dir('um-all-tests'), SUITES_OPTION) != 'y':
		problem = f'{SUITES_OPTION} is not selected by KUNIT_ALL_TESTS=y'
	c.case('kunit.py', f'config {ALL_TESTS_CONFIG} selects {SUITES_OPTION}', problem)
	if not run or problem:
		return
	kunit_run_case(c, f'run {ALL_TESTS_CONFIG} ptwalk_*',
		       *c.kunit('run', 'um', ALL_TESTS_CONFIG, build='um-all-tests',
				filter_glob='ptwalk_*'))


def category_programs(script: str, category: str) -> List[str]:
	"""The programs run_vmtests.sh (@script, its text) runs in @category."""
	return re.findall(rf'^CATEGORY="{category}" run_test \./(\S+)', script, re.M)


@dataclass
class ProgramResult:
	"""A program's line in run_vmtests.sh's TAP (@line: 'ok', 'skip', or
	the failure line) and its harness's totals of tests passed, failed and
	skipped, where it printed them."""
	line: str
	passed: int = 0
	failed: int = 0
	skipped: int = 0


def vmtests_results(said: str) -> Dict[str, ProgramResult]:
	"""Each program's result in run_vmtests.sh's TAP (its own lines; the
	programs' are prefixed '# '), with the totals the program printed."""
	out: Dict[str, ProgramResult] = {}
	totals = (0, 0, 0)
	for line in said.splitlines():
		t = re.match(r'^(?:# )+Totals: pass:(\d+) fail:(\d+) .*skip:(\d+)', line)
		if t:
			totals = (int(t.group(1)), int(t.group(2)), int(t.group(3)))
		m = re.match(r'^(not )?ok \d+ (\S+)(.*)$', line)
		if m:
			what = line if m.group(1) else ('skip' if '# SKIP' in m.group(3) else 'ok')
			out[m.group(2)] = ProgramResult(what, *totals)
			totals = (0, 0, 0)
	return out


def check_selftests(c: Checker) -> None:
	"""The selftests as mm's CI runs them: built by their directory's
	Makefile against the tree's UAPI headers (ptwalk's programs without a
	compiler warning), then run_vmtests.sh -t pagemap as root. Before
	categories (6.1) the script runs every mm test, and where it cannot run
	(a read-only /proc/sys: a container) nothing; there each of ours runs
	as its run_test line would run it. Only ptwalk's programs decide the
	case; the category's others (pagemap_ioctl) are logged."""
	home = selftests_home(c.repo)
	ours = list(selftests_build(_read(os.path.join(TOP, 'selftests', 'Makefile'))).programs)
	script = _read(os.path.join(c.repo, home.dir, 'run_vmtests.sh'))
	others = [p for p in category_programs(script, home.category) if p not in ours] \
		if home.category else []
	name = f'{home.dir} ' + (f'run_vmtests.sh -t {home.category}' if home.category else
				 'programs of run_vmtests.sh') + ' (host)'
	if os.geteuid() != 0:
		c.out.cases.append(Case('selftests', name, SKIP, 'run_vmtests.sh runs as root'))
		return
	problem = build_selftests(c, home, others, ours)
	if not problem:
		results = vmtests_results(run_vmtests(c, home, ours))
		failed = [results[p].line if p in results else f'{p}: no result' for p in ours
			  if p not in results or results[p].line not in ('ok', 'skip')]
		problem = f'{len(failed)} of {len(ours)} failed: {failed[0]}' if failed else ''
		info(f'[series {c.s.tree.name}] selftests: {len(ours)} programs, tests '
		     + ', '.join(f'{sum(getattr(r, k) for p, r in results.items() if p in ours)} {k}'
				 for k in ('passed', 'failed', 'skipped'))
		     + ''.join(f'; {p}: {r.line}' for p, r in results.items() if p not in ours))
	c.case('selftests', name, problem)
	_git(c.repo, 'clean', '-q', '-f', '-d', '-x', 'tools/testing/selftests')


def build_selftests(c: Checker, home: SelftestsHome, others: Sequence[str],
		    ours: Sequence[str]) -> str:
	"""make headers, then @others and @ours built by @home's Makefile, as
	its own programs are; '' or what went wrong, a warning in building
	@ours among it (the tree's flags, not selftests/Makefile's)."""
	hdr = c.build_dir('headers')
	status, said = c.run('selftests', ['make', '-s', f'O={hdr}', 'headers'])
	if status:
		return _problem(status, said, 'make headers')
	# OUTPUT=: lib.mk sets it only where make is not a sub-make, and make
	# check runs this under make.
	out = os.path.join(c.repo, home.dir)
	make = ['make', '-C', home.dir, f'OUTPUT={out}', f'KHDR_INCLUDES=-isystem {hdr}/usr/include']
	for progs in (others, ours):
		if not progs:
			continue
		status, said = c.run('selftests', make + [os.path.join(out, p) for p in progs],
				     timeout=900)
		if status:
			return _problem(status, said, f'make -C {home.dir}')
	warnings = [l for l in said.splitlines() if ': warning:' in l]
	return f'building ptwalk\'s programs: {warnings[0]}' if warnings else ''


KSFT_SKIP = 4


def run_vmtests(c: Checker, home: SelftestsHome, ours: Sequence[str]) -> str:
	"""run_vmtests.sh -t <category>'s output; before categories, or where
	the script skipped before running anything, each of @ours run as
	run_test runs it, in the TAP the script prints."""
	cwd = os.path.join(c.repo, home.dir)
	if home.category:
		status, said = c.run('selftests', ['bash', '-c', f'cd {cwd} && ./run_vmtests.sh '
						   f'-t {home.category}'], timeout=1800)
		if vmtests_results(said) or status != KSFT_SKIP:
			return said
		why = ([l for l in said.splitlines() if l.strip()] or ['?'])[0]
		info(f'[series {c.s.tree.name}] run_vmtests.sh skipped ({why}): '
		     'each program as its run_test line runs it')
	tap = []
	for n, p in enumerate(ours, 1):
		status, said = c.run('selftests', ['bash', '-c', f'cd {cwd} && ./{p}'], timeout=600)
		tap += ['# ' + l for l in said.splitlines()]
		tap.append({0: f'ok {n} {p}', KSFT_SKIP: f'ok {n} {p} # SKIP'}.get(
			status, f'not ok {n} {p} # exit={status}'))
	return '\n'.join(tap) + '\n'


# The kernel's own page-table walker, run through sparse beside ptwalk: a
# report of ptwalk's that it shares is the kernel API's (pte_offset_map()
# takes the RCU read lock only when it returns a table, with no
# __cond_acquires(), so pte_unmap() reads as an unexpected unlock).
SPARSE_CONTROL = 'mm/pagewalk'	# .c, built as .o


def sparse_reports(said: str, where: str) -> List[str]:
	"""sparse's warnings and errors about files under @where."""
	return [l for l in said.splitlines() if f'/{where}' in l and
		re.search(r': (warning|error):', l)]


def sparse_kind(report: str) -> str:
	"""What a sparse report says, without where and in which function."""
	return re.sub(r"'[^']*'", "'*'", report.split(': ', 2)[-1].strip())


def sparse_split(said: str, control: str) -> Tuple[List[str], List[str]]:
	"""sparse's reports on ptwalk (@said) as ptwalk's own and the kernel
	API's: those of a kind the control (@control) reports too."""
	found = sparse_reports(said, KERNEL_DIR + '/')
	shared = {sparse_kind(l) for l in sparse_reports(control, SPARSE_CONTROL)}
	return ([l for l in found if sparse_kind(l) not in shared],
		[l for l in found if sparse_kind(l) in shared])


def check_sparse(c: Checker) -> None:
	"""sparse (C=2: every object, built or not) on the x86_64 build: no
	report, but for those the kernel's own walker gets too (listed)."""
	make = ['make', f'O={c.build_dir(CHECKERS_ARCH)}', 'C=2', 'CC=ccache gcc']
	status, said = c.run('sparse', make + [f'{KERNEL_DIR}/'])
	_, control = c.run('sparse', make + [f'{SPARSE_CONTROL}.o'])
	own, api = sparse_split(said, control)
	for l in api:
		info(f'[series {c.s.tree.name}] sparse, the kernel API\'s (as in '
		     f'{SPARSE_CONTROL}.c): {l.split("/")[-1]}')
	problem = f'{len(own)} reports: {own[0]}' if own else _problem(status, said, 'make C=2')
	c.case('sparse', f'make C=2 {KERNEL_DIR}/', problem)


def check_coccinelle(c: Checker) -> None:
	status, said = c.run('coccicheck', ['make', f'O={c.build_dir(CHECKERS_ARCH)}', 'coccicheck',
					    'MODE=report', f'M={KERNEL_DIR}', f'J={os.cpu_count()}'],
			     timeout=1800)
	found = [l for l in said.splitlines() if KERNEL_DIR + '/' in l]
	problem = f'{len(found)} reports: {found[0]}' if found else _problem(status, said, 'coccicheck')
	c.case('coccinelle', f'coccicheck MODE=report M={KERNEL_DIR}', problem)


def check_kernel_doc(c: Checker) -> None:
	"""kernel-doc on every source and header: -Wall where the tree's
	kernel-doc has it (6.2+), its default warnings before."""
	files = [f'{KERNEL_DIR}/{f}' for f in kunit_files(os.path.join(c.repo, KERNEL_DIR), ('.c', '.h'))]
	wall = ['-Wall'] if '-Wall' in _read(os.path.join(c.repo, 'scripts', 'kernel-doc')) else []
	status, said = c.run('kernel-doc', ['perl', 'scripts/kernel-doc'] + wall + ['-none'] + files)
	lines = [l for l in said.splitlines() if l.strip()]
	c.case('kernel-doc', f'{" ".join(wall + [KERNEL_DIR])}/*.[ch]',
	       f'{len(lines)} reports: {lines[0]}' if lines else _problem(status, said, 'kernel-doc'))


def check_htmldocs(c: Checker) -> None:
	"""The new pages with the tree's Sphinx configuration and kernel-doc,
	as 'make htmldocs' runs them."""
	out = os.path.join(c.build_dir('um') + '-htmldocs')
	shutil.rmtree(out, ignore_errors=True)
	status, said = c.run('htmldocs', ['sphinx-build', '-q', '-b', 'html', '-c', 'Documentation',
					  '-D', f'kerneldoc_srctree={c.repo}',
					  '-D', f'kerneldoc_bin={c.repo}/scripts/kernel-doc',
					  '-d', os.path.join(out, '.doctrees'), DOCS_DIR, out])
	# Graphviz is not needed by these pages; its absence is the machine's.
	found = [l for l in said.splitlines() if ('WARNING' in l or 'ERROR' in l) and
		 'dot(1) not found' not in l]
	c.case('htmldocs', DOCS_DIR, f'{len(found)} reports: {found[0]}' if found else
	       _problem(status, said, 'sphinx-build'))


T = TypeVar('T')


def _timed(c: Checker, check: Callable[..., T], *args: Any) -> T:
	"""@check(@c, *@args), its time in the log: where a cold run goes."""
	start = time.monotonic()
	result = check(c, *args)
	info(f'[series {c.s.tree.name}] {check.__name__[len("check_"):]}: '
	     f'{time.monotonic() - start:.0f} s')
	return result


def check_series(series: Series, results: str,
		 kunit_arches: Sequence[str] = SERIES_ARCHES, all_tests: bool = False) -> Outcome:
	"""Every check of @series, kunit.py run on @kunit_arches (and on the
	KUNIT_ALL_TESTS configuration, if @all_tests); the tree is left at the
	applied series."""
	c = Checker(series, results)
	for f in glob.glob(c.log('*')):
		os.unlink(f)
	start = time.monotonic()
	if not series.signed:
		info(f'[series {series.tree.name}] no git user.name/email here: '
		     f'Signed-off-by: {PLACEHOLDER} (replace it)')
	_timed(c, check_checkpatch)
	commits = _timed(c, check_am)
	if commits:
		_timed(c, check_bisect, commits)
		_timed(c, check_kunit, kunit_arches)
		_timed(c, check_all_tests_config, all_tests)
		for check in (check_sparse, check_coccinelle, check_kernel_doc, check_htmldocs,
			      check_selftests):
			_timed(c, check)
	c.out.seconds = time.monotonic() - start
	info(f'[series {series.tree.name}] {c.out.counts} in {c.out.seconds:.0f} s ({series.out})')
	return c.out
