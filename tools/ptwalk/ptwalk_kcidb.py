# SPDX-License-Identifier: GPL-2.0
#
# results/kcidb.json: a run's results in KernelCI's common reporting format,
# the KCIDB I/O schema v5.3 (kernelci/kcidb-io, kcidb_io/schema/v05_03.py),
# so that a lab submits what ptwalk found with kcidb-submit and KernelCI's
# dashboard shows it beside every other origin's tests of the same kernel.
#
# One checkout per kernel source (Debian's linux-source package, or the
# machine's own kernel), one build per kernel configuration that ran, one
# test per result: KUnit cases as kunit.<suite>.<case>, kselftest programs
# as kselftest.ptwalk.<program>.<test>, the MMU witness and the fault
# injection runs under ptwalk.mmu and ptwalk.faults. A run's own problems
# (a splat, a crash, a missing line) are a failed test at the root of its
# path. What tests no kernel (static checks, runner tests, the series
# check, the containers) is not a KCIDB test and stays out.
#
# Each outcome carries the facts of the kernel it ran on (kernel_facts()),
# recorded when it ran, so the file can be written again from results/
# alone, as the workflow's last job does from every job's results.
#
# Copyright (C) 2026 The ptwalk authors

import functools
import hashlib
import json
import os
import platform
import re
import subprocess
from typing import Any, Dict, List, Optional, Sequence, Tuple

from ptwalk_results import BUILD_FAILED, FAIL, Case, Outcome
from ptwalk_tree import config_value, kernel_release

ORIGIN = 'ptwalk'		# the default; a lab submits under the origin KernelCI gave it
ORIGIN_ENV = 'PTWALK_KCIDB_ORIGIN'
VERSION = {'major': 5, 'minor': 3}
LOG_EXCERPT_MAX = 16384		# the schema's maxLength of every log_excerpt
KCIDB_FILE = 'kcidb.json'

# Outcome.kind -> the path every test of that run starts with.
PATH_PREFIX = {
	'kunit': 'kunit',
	'selftests': 'kselftest.ptwalk',
	'tool': 'kselftest.ptwalk_tools',
	'mmu': 'ptwalk.mmu',
	'faults': 'ptwalk.faults',
}
HOST_BUILD = 'host'		# Outcome.kernel['build'] of a run on this machine


# ---- what a run records about its kernel -----------------------------------

@functools.lru_cache(maxsize=None)
def debian_package_version(package: str) -> str:
	"""The installed version of @package, asked of dpkg once per run."""
	r = subprocess.run(['dpkg-query', '-W', '-f', '${Version}', package],
			   capture_output=True, text=True)
	return r.stdout.strip() if r.returncode == 0 else ''


def kernel_facts(*, kver: str, tree_name: str, tree_path: str, build: str, arch: str,
		 build_dir: str, kconfig: Sequence[str]) -> Dict[str, str]:
	"""What a cell's outcome records about the kernel it ran: its source
	(Debian's package, or KDIR=), its release, and the build (configuration
	fragments, the compiler its .config names)."""
	package = f'linux-source-{kver}' if tree_name == kver else ''
	return {
		'source': package or f'KDIR={tree_path}',
		'source_version': debian_package_version(package) if package else '',
		'release': kernel_release(tree_path),
		'build': f'{tree_name}-{build}',
		'arch': arch,
		'config': ' '.join(kconfig),
		'compiler': config_value(build_dir, 'CONFIG_CC_VERSION_TEXT'),
	}


def host_facts() -> Dict[str, str]:
	"""The kernel of the machine ptwalk runs on: nobody here built it."""
	u = platform.uname()
	return {'source': 'host-kernel', 'source_version': '', 'release': u.release,
		'build': HOST_BUILD, 'arch': u.machine, 'config': '', 'compiler': ''}


# ---- the KCIDB objects -----------------------------------------------------

_PATH_BAD_RE = re.compile(r'[^a-zA-Z0-9_-]+')


def path_part(name: str) -> str:
	"""@name as one component of a KCIDB path ([a-zA-Z0-9_-]+)."""
	return _PATH_BAD_RE.sub('_', name).strip('_') or '_'


def test_path(kind: str, case: Case) -> str:
	"""kunit.<suite>.<case>[.<param>], kselftest.ptwalk.<program>.<test>
	(a harness test keeps its fixture and variant as components); an MMU
	case is named by what was at the address (ptwalk.mmu.thp), not by the
	address, which changes from boot to boot."""
	if kind == 'mmu':
		parts = case.name.split()[:1]
	else:
		parts = [case.suite] + case.name.split('.') + ([case.param] if case.param else [])
	return '.'.join([PATH_PREFIX[kind]] + [path_part(p) for p in parts])


def _excerpt(text: str) -> str:
	text = text.replace('\0', '')
	return text[-LOG_EXCERPT_MAX:]


def run_id(outcomes: Sequence[Outcome]) -> str:
	"""What makes this run's ids its own: a digest of its results, so
	writing the file again from the same results gives the same ids."""
	h = hashlib.sha256()
	for o in sorted(outcomes, key=lambda o: o.name):
		h.update(o.to_json().encode())
	return h.hexdigest()[:16]


def _id(run: Tuple[str, str], *parts: str) -> str:
	return ':'.join(list(run) + list(parts))


def _checkout(run: Tuple[str, str], k: Dict[str, str]) -> Dict[str, Any]:
	version = f' {k["source_version"]}' if k['source_version'] else ''
	return {
		'id': _id(run, k['source']), 'origin': run[0], 'valid': True,
		'comment': f'{k["source"]}{version} (Linux {k["release"]})',
		'misc': {'source': k['source'], 'source_version': k['source_version'],
			 'release': k['release']},
	}


def _build(run: Tuple[str, str], k: Dict[str, str]) -> Dict[str, Any]:
	b: Dict[str, Any] = {
		'id': _id(run, k['source'], k['build']), 'checkout_id': _id(run, k['source']),
		'origin': run[0], 'architecture': path_part(k['arch']).lower(),
		'status': 'PASS',
	}
	if k['build'] == HOST_BUILD:
		b['comment'] = 'the running kernel of the machine ptwalk ran on'
		b['status'] = 'DONE'
	else:
		b['config_name'] = k['config']
	if k['compiler']:
		b['compiler'] = k['compiler']
	return b


def _test(run: Tuple[str, str], o: Outcome, build_id: str, path: str, status: str,
	  excerpt: str, number: int, name: str) -> Dict[str, Any]:
	t: Dict[str, Any] = {
		'id': _id(run, o.name, str(number)), 'build_id': build_id, 'origin': run[0],
		'path': path, 'status': status,
		'environment': {'comment': o.cell or 'host'},
		'misc': {'result': o.name, 'name': name},
	}
	if excerpt:
		t['log_excerpt'] = _excerpt(excerpt)
	if o.geometry:
		t['environment']['misc'] = dict(o.geometry)
	return t


def to_kcidb(outcomes: Sequence[Outcome], origin: str = ORIGIN) -> Dict[str, Any]:
	"""The KCIDB document of @outcomes: those of a kind PATH_PREFIX names
	and with the facts of their kernel recorded. Every id is
	<origin>:<run>:..., as the schema wants ids to start."""
	run = (origin, run_id(outcomes))
	checkouts: Dict[str, Dict[str, Any]] = {}
	builds: Dict[str, Dict[str, Any]] = {}
	tests: List[Dict[str, Any]] = []
	for o in sorted(outcomes, key=lambda o: o.name):
		if o.kind not in PATH_PREFIX or not o.kernel:
			continue
		c = _checkout(run, o.kernel)
		b = _build(run, o.kernel)
		checkouts.setdefault(c['id'], c)
		build = builds.setdefault(b['id'], b)
		failed = [p for p in o.problems if p.startswith(BUILD_FAILED)]
		if failed:
			build.update(status=FAIL, log_excerpt=_excerpt(failed[0]))
		for i, case in enumerate(o.cases):
			tests.append(_test(run, o, b['id'], test_path(o.kind, case), case.status,
					   case.reason, i, f'{case.suite}:{case.full_name}'))
		if o.problems:
			tests.append(_test(run, o, b['id'], PATH_PREFIX[o.kind], FAIL,
					   '\n'.join(o.problems), len(o.cases), '(run)'))
	return {'version': dict(VERSION), 'checkouts': list(checkouts.values()),
		'builds': list(builds.values()), 'tests': tests}


# ---- the schema, for the objects ptwalk writes -----------------------------
#
# kcidb-io is neither a Debian package nor on npm, so it cannot be installed
# here: what follows is v5.3's definition of the properties of checkouts,
# builds and tests (types, patterns, enums, lengths, required properties, no
# others allowed), read from kcidb_io/schema/v05_03.py and checked by a
# small validator. A lab checks the real thing with kcidb-validate.

_ORIGIN_RE = '^[a-z0-9_]+$'
_ID_RE = '^[a-z0-9_]+:.*$'
_TEXT = {'type': 'string', 'pattern': '^[^\\0]*$'}
_EXCERPT = {'type': 'string', 'pattern': '^[^\\0]*$', 'maxLength': LOG_EXCERPT_MAX}
_TIME = {'type': 'string', 'format': 'date-time'}
_URI = {'type': 'string', 'format': 'uri'}
_RESOURCES = {'type': 'array', 'items': {
	'type': 'object', 'required': ['name', 'url'], 'additionalProperties': False,
	'properties': {'name': {'type': 'string', 'pattern': '^[^/\\0]+$'}, 'url': _URI}}}
_STATUS = {'type': 'string', 'enum': ['FAIL', 'ERROR', 'MISS', 'PASS', 'DONE', 'SKIP']}
_MISC = {'type': 'object'}


def _object(required: List[str], **props: Dict[str, Any]) -> Dict[str, Any]:
	return {'type': 'object', 'required': required, 'additionalProperties': False,
		'properties': dict(props, _timestamp=_TIME, misc=_MISC)}


SCHEMA = _object(['version'], version={
	'type': 'object', 'required': ['major'], 'additionalProperties': False,
	'properties': {'major': {'type': 'integer', 'const': VERSION['major']},
		       'minor': {'type': 'integer', 'minimum': 0, 'maximum': VERSION['minor']}}},
	checkouts={'type': 'array', 'items': _object(
		['id', 'origin'], id={'type': 'string', 'pattern': _ID_RE},
		origin={'type': 'string', 'pattern': _ORIGIN_RE}, tree_name=_TEXT,
		git_repository_url=_URI, git_commit_hash={'type': 'string',
							  'pattern': '^[0-9a-f]{40}$'},
		git_commit_name=_TEXT, git_commit_tags={'type': 'array', 'items': _TEXT},
		git_commit_message=_TEXT, git_repository_branch=_TEXT,
		git_repository_branch_tip={'type': 'boolean'}, patchset_files=_RESOURCES,
		patchset_hash={'type': 'string', 'pattern': '^$|^[0-9a-f]{64}$'},
		message_id={'type': 'string', 'format': 'email'}, comment=_TEXT,
		start_time=_TIME, origin_builds_finish_time=_TIME,
		origin_tests_finish_time=_TIME, log_url=_URI, log_excerpt=_EXCERPT,
		valid={'type': 'boolean'})},
	builds={'type': 'array', 'items': _object(
		['checkout_id', 'id', 'origin'], checkout_id={'type': 'string', 'pattern': _ID_RE},
		id={'type': 'string', 'pattern': _ID_RE},
		origin={'type': 'string', 'pattern': _ORIGIN_RE}, comment=_TEXT,
		start_time=_TIME, duration={'type': 'number'},
		architecture={'type': 'string', 'pattern': '^[a-z0-9_]*$'}, command=_TEXT,
		compiler=_TEXT, input_files=_RESOURCES, output_files=_RESOURCES,
		config_name=_TEXT, config_url=_URI, log_url=_URI, log_excerpt=_EXCERPT,
		status=_STATUS)},
	tests={'type': 'array', 'items': _object(
		['build_id', 'id', 'origin'], build_id={'type': 'string', 'pattern': _ID_RE},
		id={'type': 'string', 'pattern': _ID_RE},
		origin={'type': 'string', 'pattern': _ORIGIN_RE},
		environment={'type': 'object', 'additionalProperties': False, 'properties': {
			'compatible': {'type': 'array', 'items': {
				'type': 'string', 'pattern': '^[^ \\0]+(,[^ \\0]+)*$'}},
			'comment': _TEXT, 'misc': _MISC}},
		path={'type': 'string', 'pattern': '^([a-zA-Z0-9_-]+(\\.[a-zA-Z0-9_-]+)*)?$'},
		comment=_TEXT, log_url=_URI, log_excerpt=_EXCERPT, status=_STATUS,
		number={'type': 'object', 'required': ['value'], 'additionalProperties': False,
			'properties': {'value': {'type': 'number'}, 'unit': _TEXT,
				       'prefix': {'type': 'string', 'enum': ['metric', 'binary']}}},
		start_time=_TIME, duration={'type': 'number'}, input_files=_RESOURCES,
		output_files=_RESOURCES)})
# Not written by ptwalk, so left out above: issues and incidents.
SCHEMA['properties']['issues'] = SCHEMA['properties']['incidents'] = {'type': 'array',
								       'maxItems': 0}

_TYPES: Dict[str, Tuple[type, ...]] = {
	'object': (dict,), 'array': (list,), 'string': (str,), 'boolean': (bool,),
	'integer': (int,), 'number': (int, float),
}
_FORMATS = {
	'date-time': re.compile(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$'),
	'uri': re.compile(r'^[a-zA-Z][a-zA-Z0-9+.-]*:\S+$'),
	'email': re.compile(r'^[^@\s]+@[^@\s]+$'),
}


def _type_ok(value: Any, kind: str) -> bool:
	if isinstance(value, bool) and kind in ('integer', 'number'):
		return False
	return isinstance(value, _TYPES[kind])


def validate(value: Any, schema: Dict[str, Any] = SCHEMA, where: str = '') -> List[str]:
	"""What in @value breaks @schema (the JSON Schema keywords it uses)."""
	at = where or '(top)'
	if 'type' in schema and not _type_ok(value, schema['type']):
		return [f'{at}: not a{"n" if schema["type"][0] in "aeio" else ""} {schema["type"]}']
	errors = []
	if 'const' in schema and value != schema['const']:
		errors.append(f'{at}: {value!r} is not {schema["const"]!r}')
	if 'enum' in schema and value not in schema['enum']:
		errors.append(f'{at}: {value!r} is not one of {schema["enum"]}')
	if isinstance(value, str):
		if 'pattern' in schema and not re.search(schema['pattern'], value):
			errors.append(f'{at}: {value[:60]!r} does not match {schema["pattern"]}')
		if len(value) > schema.get('maxLength', len(value)):
			errors.append(f'{at}: longer than {schema["maxLength"]}')
		fmt = _FORMATS.get(schema.get('format', ''))
		if fmt and not fmt.match(value):
			errors.append(f'{at}: {value[:60]!r} is not a {schema["format"]}')
	if isinstance(value, (int, float)) and not isinstance(value, bool):
		if value < schema.get('minimum', value) or value > schema.get('maximum', value):
			errors.append(f'{at}: {value} out of range')
	if isinstance(value, list):
		if len(value) > schema.get('maxItems', len(value)):
			errors.append(f'{at}: more than {schema["maxItems"]} items')
		for i, item in enumerate(value):
			errors += validate(item, schema.get('items', {}), f'{where}[{i}]')
	if isinstance(value, dict):
		props = schema.get('properties', {})
		errors += [f'{at}: no {r}' for r in schema.get('required', []) if r not in value]
		for key, item in value.items():
			if key in props:
				errors += validate(item, props[key], f'{where}.{key}' if where else key)
			elif schema.get('additionalProperties') is False:
				errors.append(f'{at}: {key} is not a property')
	return errors


def links(doc: Dict[str, Any]) -> List[str]:
	"""Ids that are not unique, and links to objects the document lacks
	(which KCIDB accepts, but a complete report of a run never has)."""
	errors = []
	ids: Dict[str, set] = {}
	for kind in ('checkouts', 'builds', 'tests'):
		seen = ids.setdefault(kind, set())
		for obj in doc.get(kind, []):
			if obj['id'] in seen:
				errors.append(f'{kind}: {obj["id"]} twice')
			seen.add(obj['id'])
	for kind, key, parent in (('builds', 'checkout_id', 'checkouts'),
				  ('tests', 'build_id', 'builds')):
		for obj in doc.get(kind, []):
			if obj[key] not in ids[parent]:
				errors.append(f'{kind}: {obj["id"]}: no {parent[:-1]} {obj[key]}')
	return errors


def write(outcomes: Sequence[Outcome], results: str) -> Optional[str]:
	"""results/kcidb.json, if any outcome is a KCIDB test; its path. The
	origin is $PTWALK_KCIDB_ORIGIN's, else ORIGIN."""
	doc = to_kcidb(outcomes, os.environ.get(ORIGIN_ENV) or ORIGIN)
	if not doc['tests']:
		return None
	errors = validate(doc) + links(doc)
	if errors:
		raise ValueError(f'{KCIDB_FILE} would break the KCIDB schema: {errors[0]}')
	path = os.path.join(results, KCIDB_FILE)
	with open(path, 'w') as f:
		json.dump(doc, f, indent=1)
		f.write('\n')
	return path
