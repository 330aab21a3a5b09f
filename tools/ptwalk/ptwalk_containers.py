# SPDX-License-Identifier: GPL-2.0
#
# make ci-containers: the GitHub workflow's own jobs, run here the way
# GitHub runs a 'container: debian:12' job, to prove the workflow before
# anyone pushes it. Debian 12 comes from debootstrap (Debian's mirror is
# the only registry this machine reaches: no image is pulled), imported
# into Debian's podman. Each job's steps are read from
# .github/workflows/ptwalk.yml and executed in one container, as GitHub
# does: a 64 MiB noexec /dev/shm (podman's default, as Docker's), the
# checkout owned by another uid (the runner's), without .git unless git
# was installed before it (actions/checkout's REST API download), an empty
# ptwalk cache.
#
# Copyright (C) 2026 The ptwalk authors

import json
import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

from ptwalk_matrix import TOP, builds_json, load_matrix
from ptwalk_results import FAIL, PASS, SKIP, Case, Outcome
from ptwalk_series import tracked
from ptwalk_tree import PtwalkError, cache_dir, info

WORKFLOW = os.path.join(TOP, '.github', 'workflows', 'ptwalk.yml')
IMAGE = 'localhost/ptwalk-debian12:bookworm'
WORKSPACE = '/__w/ptwalk/ptwalk'	# where GitHub mounts a container job's workspace
RUNNER_UID = 1001			# the runner's user, who owns the workspace
PACKAGES = ('podman', 'runc', 'uidmap', 'slirp4netns', 'debootstrap')
# /etc/apt/sources.list.d/debian.sources of Docker's debian:12 image.
DEBIAN_SOURCES = """Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
"""


# ---- the workflow file: the subset of YAML it is written in ---------------

class YamlError(Exception):
	pass


def _scalar(text: str) -> Any:
	text = text.strip()
	if len(text) >= 2 and text[0] == text[-1] and text[0] in '\'"':
		return text[1:-1]
	if text.startswith('[') and text.endswith(']'):
		return [_scalar(t) for t in text[1:-1].split(',') if t.strip()]
	return {'true': True, 'false': False}.get(text, text)


def _strip_comment(line: str) -> str:
	"""@line without a trailing ' # comment' outside quotes and ${{ }}."""
	quote = ''
	for i, c in enumerate(line):
		if quote:
			quote = '' if c == quote else quote
		elif c in '\'"':
			quote = c
		elif c == '#' and (i == 0 or line[i - 1] == ' '):
			return line[:i].rstrip()
	return line.rstrip()


def parse_yaml(text: str) -> Any:
	"""Block mappings and sequences, plain and quoted scalars, flow lists
	and literal blocks ('|'): what the workflow uses, nothing more."""
	lines = [(len(l) - len(l.lstrip(' ')), l) for l in text.split('\n')]
	value, end = _block(lines, 0, 0)
	if any(_strip_comment(l).strip() for _, l in lines[end:]):
		raise YamlError(f'line {end + 1}: unexpected indentation')
	return value


def _next(lines: List[Tuple[int, str]], i: int) -> int:
	while i < len(lines) and not _strip_comment(lines[i][1]).strip():
		i += 1
	return i


def _block(lines: List[Tuple[int, str]], i: int, indent: int) -> Tuple[Any, int]:
	i = _next(lines, i)
	if i == len(lines) or lines[i][0] < indent:
		return None, i
	indent = lines[i][0]
	if _strip_comment(lines[i][1]).lstrip().startswith('- '):
		return _sequence(lines, i, indent)
	return _mapping(lines, i, indent)


def _sequence(lines: List[Tuple[int, str]], i: int, indent: int) -> Tuple[List[Any], int]:
	out: List[Any] = []
	while (i := _next(lines, i)) < len(lines) and lines[i][0] == indent:
		line = _strip_comment(lines[i][1])
		if not line.lstrip().startswith('- '):
			break
		# '- key: value' opens a mapping indented two more.
		rest = ' ' * (indent + 2) + line.lstrip()[2:]
		sub = lines[:i] + [(indent + 2, rest)] + lines[i + 1:]
		if re.match(r'\s*[\w.-]+:(\s|$)', rest):
			value, i = _mapping(sub, i, indent + 2)
		else:
			value, i = _scalar(rest), i + 1
		out.append(value)
	return out, i


def _mapping(lines: List[Tuple[int, str]], i: int, indent: int) -> Tuple[Dict[str, Any], int]:
	out: Dict[str, Any] = {}
	while (i := _next(lines, i)) < len(lines) and lines[i][0] == indent:
		line = _strip_comment(lines[i][1]).strip()
		m = re.match(r'([\w.-]+):(?:\s+(.*))?$', line)
		if not m:
			raise YamlError(f'line {i + 1}: not a key: {line}')
		key, rest = m.group(1), (m.group(2) or '').strip()
		if rest in ('|', '|-'):
			i, out[key] = _literal(lines, i + 1, indent)
		elif rest:
			out[key], i = _scalar(rest), i + 1
		else:
			out[key], i = _block(lines, i + 1, indent + 1)
	return out, i


def _literal(lines: List[Tuple[int, str]], i: int, indent: int) -> Tuple[int, str]:
	body: List[str] = []
	block = None
	while i < len(lines):
		n, line = lines[i]
		if line.strip():
			if n <= indent:
				break
			block = n if block is None else block
		body.append(line[block:] if block is not None and line.strip() else '')
		i += 1
	return i, '\n'.join(body).rstrip('\n') + '\n'


# ---- a job, as GitHub would run it ----------------------------------------

@dataclass
class Job:
	name: str
	image: str
	options: List[str]
	steps: List[Dict[str, Any]]
	matrix: Dict[str, Any] = field(default_factory=dict)


def workflow_jobs(doc: Dict[str, Any]) -> Dict[str, Job]:
	jobs = {}
	for name, j in doc['jobs'].items():
		c = j.get('container', '')
		image = c if isinstance(c, str) else c.get('image', '')
		options = (c.get('options', '') if isinstance(c, dict) else '').split()
		jobs[name] = Job(name, image, options, j.get('steps', []))
	return jobs


def expand(text: str, matrix: Dict[str, Any]) -> str:
	"""${{ matrix.X }} and ${{ github.workspace }} in @text."""
	def one(m: 're.Match[str]') -> str:
		expr = m.group(1).strip()
		if expr.startswith('matrix.'):
			return str(matrix.get(expr[len('matrix.'):], ''))
		if expr == 'github.workspace':
			return WORKSPACE
		raise PtwalkError(f'ci-containers: no value for ${{{{ {expr} }}}}')
	return re.sub(r'\$\{\{(.*?)\}\}', one, text)


def step_runs(step: Dict[str, Any], matrix: Dict[str, Any], ok_so_far: bool) -> bool:
	"""Whether a step runs: its 'if:', of the forms the workflow uses."""
	cond = str(step.get('if', '')).strip()
	if cond in ('always()', 'success() || failure()'):
		return True
	if not ok_so_far:
		return False
	if not cond:
		return True
	m = re.fullmatch(r"matrix\.(\w+) != ''", cond)
	if m:
		return str(matrix.get(m.group(1), '')) != ''
	raise PtwalkError(f'ci-containers: cannot evaluate if: {cond}')


# ---- podman ----------------------------------------------------------------

class Podman:
	"""Debian's podman 4.3 as it runs here: runc (crun refuses a host with
	hybrid cgroups), and no default ulimits (setting RLIMIT_NOFILE is
	refused)."""
	def __init__(self, state: str) -> None:
		self.state = state
		conf = os.path.join(state, 'containers.conf')
		os.makedirs(state, exist_ok=True)
		with open(conf, 'w') as f:
			f.write('[containers]\ndefault_ulimits = []\n[engine]\nruntime = "runc"\n')
		self.env = dict(os.environ, CONTAINERS_CONF=conf)

	def __call__(self, *args: str, **kw: Any) -> 'subprocess.CompletedProcess[str]':
		return subprocess.run(['podman'] + list(args), env=self.env, text=True, **kw)

	def image(self) -> None:
		"""Debian 12 from debootstrap, imported once."""
		if self('image', 'exists', IMAGE).returncode == 0:
			return
		rootfs = os.path.join(self.state, 'rootfs')
		shutil.rmtree(rootfs, ignore_errors=True)
		info('ci-containers: debootstrap --variant=minbase bookworm')
		if subprocess.run(['debootstrap', '--variant=minbase', 'bookworm', rootfs],
				  stdout=subprocess.DEVNULL).returncode:
			raise PtwalkError('debootstrap of Debian 12 failed')
		# The archives of the debian:12 image, not debootstrap's one line:
		# linux-source-6.12 is in bookworm-security and -updates only.
		os.unlink(os.path.join(rootfs, 'etc', 'apt', 'sources.list'))
		with open(os.path.join(rootfs, 'etc', 'apt', 'sources.list.d', 'debian.sources'),
			  'w') as f:
			f.write(DEBIAN_SOURCES)
		tar = subprocess.Popen(['tar', '-C', rootfs, '-c', '.'], stdout=subprocess.PIPE)
		r = self('import', '-', IMAGE, stdin=tar.stdout, capture_output=True)
		tar.wait()
		shutil.rmtree(rootfs, ignore_errors=True)
		if r.returncode:
			raise PtwalkError(f'podman import failed: {r.stderr.strip()}')


@dataclass(frozen=True)
class Plant:
	"""A fixed defect put back: @good replaced by @bad in @file of the
	checkout a run of @job (on @build, for a build job) gets. The job must
	go red, and its log or its results say @says. @with_git, where set,
	overrides how actions/checkout would leave the checkout."""
	name: str
	job: str
	build: str
	file: str
	good: str
	bad: str
	says: str
	with_git: Optional[bool] = None


PLANTS = (
	# UML's memory file in a 64 MiB noexec /dev/shm, as before uml_tmpdir().
	Plant('uml-tmpdir', 'build', '6.12-um', 'tools/ptwalk/ptwalk_tree.py',
	      "\tif os.environ.get('TMPDIR'):\n\t\treturn None\n", '\treturn None\n',
	      'must be not mounted noexec'),
	# make patch on git's word alone, in the checkout without .git that
	# the series job got when git was installed after actions/checkout.
	Plant('git-required', 'series', '', 'tools/ptwalk/ptwalk_series.py',
	      "\tif not os.path.exists(os.path.join(top, '.git')):\n"
	      "\t\treturn _files_not_ignored(os.path.join(top, subdir))\n", '',
	      'git ls-files', with_git=False),
)


def workspace(state: str, job: str, with_git: bool, plant: Optional[Plant] = None) -> str:
	"""The checkout as actions/checkout leaves it, owned by the runner's
	uid: a git clone where the job installed git before it, else the
	tracked files without .git (its REST API download); @plant planted."""
	ws = os.path.join(state, 'ws', job)
	shutil.rmtree(ws, ignore_errors=True)
	if with_git:
		subprocess.run(['git', 'clone', '-q', TOP, ws], check=True)
	else:
		for rel in tracked('.'):
			dest = os.path.join(ws, rel)
			os.makedirs(os.path.dirname(dest), exist_ok=True)
			shutil.copy2(os.path.join(TOP, rel), dest)
	if plant:
		path = os.path.join(ws, plant.file)
		with open(path) as f:
			text = f.read()
		if text.count(plant.good) != 1:
			raise PtwalkError(f"ci-containers: plant '{plant.name}' does not apply to {plant.file}")
		with open(path, 'w') as f:
			f.write(text.replace(plant.good, plant.bad))
	subprocess.run(['chown', '-R', f'{RUNNER_UID}:{RUNNER_UID}', ws], check=True)
	return ws


def git_before_checkout(job: Job) -> bool:
	"""Does a step before actions/checkout install git?"""
	for step in job.steps:
		if step.get('uses', '').startswith('actions/checkout'):
			return False
		if re.search(r'apt-get install .*\bgit\b', step.get('run', '')):
			return True
	return False


def cells_output(outputs: str) -> Tuple[bool, str]:
	"""The cells job's output: the job matrix the build jobs get, as
	make cells JSON=1 gives it here."""
	line = next((l for l in outputs.splitlines() if l.startswith('matrix=')), '')
	try:
		got = json.loads(line[len('matrix='):])
	except ValueError:
		return False, f'no job matrix in $GITHUB_OUTPUT: {line[:80]!r}'
	if got != {'include': builds_json(load_matrix())}:
		return False, 'the job matrix differs from make cells JSON=1 here'
	return True, f'{len(got["include"])} build jobs in the matrix'


# What a job must leave in $GITHUB_OUTPUT for the jobs that need it.
JOB_OUTPUTS = {'cells': cells_output}


def kver_env() -> List[str]:
	"""KVER= of this run, for the jobs: it narrows their kernels (the
	series job's make series-check to one) as it does a run here."""
	kver = os.environ.get('KVER', '')
	return ['-e', f'KVER={kver}'] if kver else []


def run_job(pm: Podman, job: Job, log: str, matrix: Optional[Dict[str, Any]] = None,
	    artifacts: Optional[str] = None, plant: Optional[Plant] = None) -> Case:
	"""@job's steps in one container, as GitHub runs them; a case. Its
	ptwalk cache is a directory here, emptied first; a run with @plant
	keeps what the job's last run left there, so that it spends no time
	on builds the plant does not touch, and is green only if the job
	goes red saying what the plant's defect makes it say."""
	matrix = matrix or {}
	name = job.name + (f' ({matrix["build"]})' if 'build' in matrix else '')
	if job.image != 'debian:12':
		return Case('ci-containers', name, SKIP, f'not a debian:12 job: {job.image or "none"}')
	slug = name.replace(' ', '_').replace('(', '').replace(')', '')
	with_git = git_before_checkout(job) if plant is None or plant.with_git is None \
		else plant.with_git
	ws = workspace(pm.state, slug, with_git, plant)
	cache = os.path.join(pm.state, 'cache', slug)
	if plant is None:
		shutil.rmtree(cache, ignore_errors=True)
	os.makedirs(cache, exist_ok=True)
	cname = f'ptwalk-ci-{os.getpid()}-{job.name}'
	start = time.monotonic()
	r = pm('run', '-d', '--name', cname, '-v', f'{ws}:{WORKSPACE}', '-w', WORKSPACE,
	       '-v', f'{cache}:/root/.cache/ptwalk',
	       '-e', f'GITHUB_WORKSPACE={WORKSPACE}', '-e', 'GITHUB_OUTPUT=/tmp/github_output',
	       '-e', 'CI=true', *kver_env(), *job.options, IMAGE, 'sleep', 'infinity',
	       capture_output=True)
	if r.returncode:
		return Case('ci-containers', name, FAIL, f'podman run: {r.stderr.strip()}')
	ok, said = True, ''
	try:
		with open(log, 'w') as out:
			for step in job.steps:
				if not step_runs(step, matrix, ok):
					continue
				uses = step.get('uses', '')
				if uses.startswith('actions/download-artifact') and artifacts:
					shutil.copytree(artifacts, os.path.join(ws, 'results'), dirs_exist_ok=True)
				if 'run' not in step:
					continue	# checkout: the workspace; cache, upload: nothing
				script = expand(step['run'], matrix)
				out.write(f'### {step.get("name", script.splitlines()[0])}\n')
				out.flush()
				rc = pm('exec', cname, 'bash', '--noprofile', '--norc', '-eo', 'pipefail',
					'-c', script, stdout=out, stderr=subprocess.STDOUT).returncode
				if rc and not step.get('continue-on-error'):
					ok, said = False, f'step "{step.get("name", script.splitlines()[0])}" exited {rc}'
			outputs = pm('exec', cname, 'cat', '/tmp/github_output', capture_output=True).stdout
			out.write(f'### $GITHUB_OUTPUT\n{outputs}')
		if ok and job.name in JOB_OUTPUTS:
			ok, said = JOB_OUTPUTS[job.name](outputs)
	finally:
		pm('rm', '-f', cname, capture_output=True)
	seconds = time.monotonic() - start
	info(f'ci-containers: {name}: {"green" if ok else "red: " + said} in {seconds:.0f} s ({log})')
	if plant:
		return planted_case(plant, name, ok, said, seconds, [log, os.path.join(ws, 'results')])
	return Case('ci-containers', name, PASS if ok else FAIL, said or f'{seconds:.0f} s')


def _says(places: List[str], text: str) -> bool:
	"""Does @text appear in a file of @places (files, or directories)?"""
	for place in places:
		paths = [os.path.join(d, f) for d, _, fs in os.walk(place) for f in fs] \
			if os.path.isdir(place) else [place]
		for path in paths:
			try:
				with open(path, errors='replace') as f:
					if text in f.read():
						return True
			except OSError:
				continue
	return False


def planted_case(plant: Plant, job: str, ok: bool, said: str, seconds: float,
		 places: List[str]) -> Case:
	"""The verdict on a plant: caught if the job went red for its reason."""
	name = f'{job} with {plant.name} planted'
	if ok:
		return Case('ci-containers', name, FAIL, f'the job stayed green ({seconds:.0f} s)')
	if not _says(places, plant.says):
		return Case('ci-containers', name, FAIL,
			    f'red ({said}), but nothing says "{plant.says}"')
	return Case('ci-containers', name, PASS, f'red in {seconds:.0f} s: {said}; "{plant.says}"')


def ci_containers(results: str, jobs: List[str], builds: List[str],
		  plants: List[str]) -> Outcome:
	"""The workflow's @jobs (and its build jobs for @builds) in containers,
	then each of @plants (PLANTS' names) in the job it must turn red."""
	with open(WORKFLOW) as f:
		wf = workflow_jobs(parse_yaml(f.read()))
	os.makedirs(results, exist_ok=True)
	pm = Podman(os.path.join(cache_dir(), 'ci-containers'))
	pm.image()
	out = Outcome('ci-containers', 'ci')
	start = time.monotonic()
	for name in jobs:
		out.cases.append(run_job(pm, wf[name], os.path.join(results, f'ci-{name}.log')))
	matrix = builds_json(load_matrix())	# make cells JSON=1's, the jobs' matrix
	for b in builds:
		entry = next((e for e in matrix if e['build'] == b), None)
		if entry is None:
			out.cases.append(Case('ci-containers', f'build ({b})', SKIP, 'no such build'))
			continue
		out.cases.append(run_job(pm, wf['build'], os.path.join(results, f'ci-build-{b}.log'),
					 matrix=entry))
	for p in plants:
		plant = next((x for x in PLANTS if x.name == p), None)
		if plant is None:
			raise PtwalkError(f"ci-containers: no plant '{p}' (known: "
					  f"{' '.join(x.name for x in PLANTS)})")
		entry = next((e for e in matrix if e['build'] == plant.build), {})
		out.cases.append(run_job(pm, wf[plant.job], os.path.join(results, f'ci-{p}.log'),
					 matrix=entry, plant=plant))
	out.seconds = time.monotonic() - start
	return out
