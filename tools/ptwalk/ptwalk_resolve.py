# SPDX-License-Identifier: GPL-2.0
#
# Resolve ptwalk's version shims (kunit/compat.h, kunit/tests/compat_kunit.h) for
# one kernel tree, the way unifdef resolves #ifdefs: every condition whose
# answer the tree decides (PTWALK_KERNEL_AT_LEAST(), a macro the tree's
# generic headers define or nowhere define, a probe of kunit/Makefile) is
# evaluated and its directives dropped; conditions on CONFIG_* and on
# architecture headers stay. What the shims then still define is
#  - an alias (a one-line function-like macro such as ptwalk_p4dp_get(p) ->
#    p4dp_get(p)) or a constant (PTWALK_HAVE_USER_MM): written out where it
#    is used, so the code calls the tree's API by its own name;
#  - anything else (a backport such as 6.1's ptwalk_defer()): moved into the
#    header that includes the shim's users (its host).
# unifdef itself cannot evaluate a function-like macro such as
# PTWALK_KERNEL_AT_LEAST(6, 12), hence this.
#
# Copyright (C) 2026 The ptwalk authors

import glob
import os
import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple, Union

from ptwalk_tree import tree_version

# A condition's value: True, False, or the text of what is left to decide.
Value = Union[bool, str]

# The shims and the header their leftovers move into.
SHIM_HOSTS = {'compat.h': 'ptwalk_arch.h', 'tests/compat_kunit.h': 'tests/test_util.h'}
VERSION_MACRO = 'PTWALK_KERNEL_AT_LEAST'


class ResolveError(Exception):
	pass


# ---- what a tree decides ---------------------------------------------------

@dataclass
class TreeFacts:
	"""What one kernel tree answers: its version, which macros its headers
	define, and the kunit/Makefile probes' results."""
	path: str
	version: Tuple[int, int]
	probes: Dict[str, bool] = field(default_factory=dict)
	_macros: Dict[str, Optional[bool]] = field(default_factory=dict)

	def macro(self, name: str) -> Optional[bool]:
		"""True if a generic header (include/linux, include/kunit) defines
		@name, False if no header of the tree does, None if only some
		architectures' do (the answer depends on the build)."""
		if name in self.probes:
			return self.probes[name]
		if name.startswith('CONFIG_'):
			return None
		if name not in self._macros:
			self._macros[name] = self._scan(name)
		return self._macros[name]

	def _scan(self, name: str) -> Optional[bool]:
		pattern = re.compile(r'^\s*#\s*define\s+' + re.escape(name) + r'\b', re.M)

		def defined_in(paths: Sequence[str]) -> bool:
			for p in paths:
				with open(p, errors='replace') as f:
					if pattern.search(f.read()):
						return True
			return False
		generic = glob.glob(os.path.join(self.path, 'include/linux/*.h')) + \
			glob.glob(os.path.join(self.path, 'include/kunit/*.h'))
		if defined_in(generic):
			return True
		arch = glob.glob(os.path.join(self.path, 'arch/*/include/asm/*.h')) + \
			glob.glob(os.path.join(self.path, 'include/asm-generic/*.h'))
		return None if defined_in(arch) else False


def tree_facts(tree_path: str, makefile: str) -> TreeFacts:
	"""The facts of @tree_path, with the probes of ptwalk's @makefile
	(kunit/Makefile) evaluated as kbuild would."""
	major, _, minor = tree_version(tree_path).partition('.')
	if not (major.isdigit() and minor.isdigit()):
		raise ResolveError(f'{tree_path}/Makefile names no VERSION.PATCHLEVEL')
	facts = TreeFacts(tree_path, (int(major), int(minor)))
	with open(makefile) as f:
		probes = makefile_probes(f.read())
	for symbol, header, macro in probes:
		with open(os.path.join(tree_path, header), errors='replace') as f:
			facts.probes[macro] = symbol in f.read()
	return facts


# ifneq ($(shell grep -s SYMBOL $(srctree)/HEADER),)
# ccflags-y += -DMACRO
# endif
_PROBE_RE = re.compile(r'((?:^#.*\n)*)ifneq \(\$\(shell grep -s (\w+) \$\(srctree\)/(\S+)\),\)\n'
		       r'ccflags-y \+= -D(\w+)\nendif\n', re.M)


def makefile_probes(text: str) -> List[Tuple[str, str, str]]:
	"""(symbol, header, macro) of each probe in a kbuild Makefile."""
	return [(m.group(2), m.group(3), m.group(4)) for m in _PROBE_RE.finditer(text)]


def drop_probes(text: str) -> str:
	"""The Makefile without its probes (and their comments): once resolved,
	no source tests the macros they define."""
	text = _PROBE_RE.sub('', text)
	return re.sub(r'\n{3,}', '\n\n', text).rstrip('\n') + '\n'


# ---- #if expressions -------------------------------------------------------

_TOKEN_RE = re.compile(r'\s*(\d+|\w+|&&|\|\||[!(),]|<=|>=|==|!=|<|>)')


class _Expr:
	"""Partial evaluation of one #if expression (||, &&, !, defined,
	PTWALK_KERNEL_AT_LEAST(), numbers)."""
	def __init__(self, text: str, defined: Dict[str, Optional[bool]],
		     facts: TreeFacts) -> None:
		self.tokens: List[str] = []
		pos = 0
		text = text.strip()
		while pos < len(text):
			m = _TOKEN_RE.match(text, pos)
			if not m:
				raise ResolveError(f'cannot parse #if {text}')
			self.tokens.append(m.group(1))
			pos = m.end()
		self.i = 0
		self.defined = defined
		self.facts = facts

	def _peek(self) -> Optional[str]:
		return self.tokens[self.i] if self.i < len(self.tokens) else None

	def _next(self) -> str:
		tok = self._peek()
		if tok is None:
			raise ResolveError('#if expression ends early')
		self.i += 1
		return tok

	def _expect(self, tok: str) -> None:
		if self._next() != tok:
			raise ResolveError(f'#if expression: expected {tok}')

	def value(self) -> Value:
		v = self._or()
		if self._peek() is not None:
			raise ResolveError(f'#if expression: unexpected {self._peek()}')
		return v

	def _join(self, op: str, parts: List[Value], absorbing: bool) -> Value:
		if absorbing in parts:
			return absorbing
		left = [p for p in parts if not isinstance(p, bool)]
		if not left:
			return not absorbing
		return f' {op} '.join(str(p) for p in left)

	def _or(self) -> Value:
		parts = [self._and()]
		while self._peek() == '||':
			self._next()
			parts.append(self._and())
		return self._join('||', parts, True)

	def _and(self) -> Value:
		parts = [self._unary()]
		while self._peek() == '&&':
			self._next()
			parts.append(self._unary())
		return self._join('&&', [_group(p) for p in parts], False)

	def _unary(self) -> Value:
		if self._peek() == '!':
			self._next()
			v = self._unary()
			return (not v) if isinstance(v, bool) else f'!{_group(v)}'
		return self._primary()

	def _primary(self) -> Value:
		tok = self._next()
		if tok == '(':
			v = self._or()
			self._expect(')')
			return v
		if tok.isdigit():
			return int(tok) != 0
		if tok == 'defined':
			paren = self._peek() == '('
			if paren:
				self._next()
			name = self._next()
			if paren:
				self._expect(')')
			if name in self.defined:
				known = self.defined[name]
			elif name.lstrip('_').upper().startswith('PTWALK') and \
					name not in self.facts.probes:
				known = None	# ours, and not defined (yet): an include guard
			else:
				known = self.facts.macro(name)
			return f'defined({name})' if known is None else known
		if tok == VERSION_MACRO:
			self._expect('(')
			major = int(self._next())
			self._expect(',')
			minor = int(self._next())
			self._expect(')')
			return self.facts.version >= (major, minor)
		raise ResolveError(f'#if expression: cannot evaluate {tok}')


def _group(v: Value) -> Value:
	if isinstance(v, str) and (' || ' in v or ' && ' in v):
		return f'({v})'
	return v


def evaluate(text: str, defined: Dict[str, Optional[bool]], facts: TreeFacts) -> Value:
	return _Expr(text, defined, facts).value()


# ---- one shim --------------------------------------------------------------

@dataclass
class _Group:
	"""One #if ... #endif being resolved."""
	outer_live: Optional[bool]	# True: emitted as is; None: under a kept #if
	emitted: bool = False		# a directive of this group was kept
	decided: bool = False		# a branch known true was taken
	live: Optional[bool] = False	# the current branch's lines: kept? (None: conditionally)


def _logical_lines(text: str) -> List[List[str]]:
	"""Physical lines grouped into logical ones (backslash continuations)."""
	out: List[List[str]] = []
	cur: List[str] = []
	for line in text.split('\n'):
		cur.append(line)
		if not line.endswith('\\'):
			out.append(cur)
			cur = []
	if cur:
		out.append(cur)
	return out


_DIRECTIVE_RE = re.compile(r'^\s*#\s*(if|ifdef|ifndef|elif|else|endif|define)\b\s*(.*)$', re.S)


def resolve_conditionals(text: str, facts: TreeFacts) -> str:
	"""@text with every condition @facts decide resolved."""
	out: List[str] = []
	stack: List[_Group] = []
	defined: Dict[str, Optional[bool]] = {}

	def region() -> Optional[bool]:
		return stack[-1].live if stack else True

	for phys in _logical_lines(text):
		logical = ' '.join(l.rstrip('\\').strip() for l in phys)
		m = _DIRECTIVE_RE.match(logical)
		kind, rest = (m.group(1), re.sub(r'/\*.*?\*/', '', m.group(2)).strip()) if m else ('', '')
		if kind in ('if', 'ifdef', 'ifndef'):
			g = _Group(outer_live=region())
			stack.append(g)
			if kind == 'if':
				cond = evaluate(rest, defined, facts)
			else:
				cond = evaluate(f'defined({rest})', defined, facts)
				if kind == 'ifndef':
					cond = (not cond) if isinstance(cond, bool) else '!' + cond
			_branch(g, cond, phys, out, kind, rest)
			if kind == 'ifndef' and re.fullmatch(r'_\w+_H', rest):
				g.live = g.outer_live	# an include guard: transparent
		elif kind in ('elif', 'else'):
			g = stack[-1]
			cond = evaluate(rest, defined, facts) if kind == 'elif' else True
			_branch(g, cond, phys, out, kind, rest)
		elif kind == 'endif':
			g = stack.pop()
			if g.emitted and g.outer_live is not False:
				out.extend(phys)
		else:
			live = region()
			if live is False:
				continue
			if kind == 'define':
				name = re.match(r'\w+', rest)
				if name:
					defined[name.group(0)] = True if live else None
			out.extend(phys)
	return '\n'.join(out)


def _branch(g: _Group, cond: Value, phys: List[str], out: List[str],
	    kind: str, rest: str) -> None:
	if g.outer_live is False or g.decided:
		g.live = False
		return
	if cond is False:
		g.live = False
		return
	if cond is True:
		g.decided = True
		if g.emitted:
			out.append('#else')
			g.live = None
		else:
			g.live = g.outer_live
		return
	# Undecided: keep the directive, as written where nothing was decided.
	same = kind in ('ifdef', 'ifndef') or re.sub(r'\s+', '', cond) == re.sub(r'\s+', '', rest)
	if g.emitted:
		out.extend(phys if same and kind == 'elif' else [f'#elif {cond}'])
	elif same and kind != 'elif':
		out.extend(phys)
	else:
		out.append(f'#if {cond}')
	g.emitted = True
	g.live = None


# ---- aliases and constants -------------------------------------------------

@dataclass
class Alias:
	params: List[str]	# the last one may be '...'
	body: str


_DEFINE_RE = re.compile(r'^#define\s+(\w+)(\(([^)]*)\))?[ \t]+(\S.*?)\s*(/\*.*\*/)?$')


def split_shim(text: str) -> Tuple[Dict[str, Alias], Dict[str, str], str]:
	"""A resolved shim's aliases, constants and what remains of it (its
	guard, includes, version test and the comments of what was taken out
	dropped)."""
	logical = _logical_lines(text)
	names: Dict[str, int] = {}
	for phys in logical:
		m = re.match(r'^#define\s+(\w+)', phys[0])
		if m:
			names[m.group(1)] = names.get(m.group(1), 0) + 1
	aliases: Dict[str, Alias] = {}
	constants: Dict[str, str] = {}
	kept: List[str] = []
	guard = None
	depth = 0
	for phys in logical:
		line = ' '.join(l.rstrip('\\').strip() for l in phys)
		top = depth == (1 if guard else 0)
		if re.match(r'^#\s*if', line):
			depth += 1
		elif re.match(r'^#\s*endif', line):
			depth -= 1
		if guard is None and re.match(r'^#ifndef _\w+_H$', line):
			guard = line.split()[1]
			continue
		if guard and (line == f'#define {guard}' or line.startswith('#endif /* ' + guard)):
			continue
		if line.startswith('#include'):
			continue
		m = _DEFINE_RE.match(line)
		if m and 'LINUX_VERSION_CODE' in m.group(4):
			continue
		if m and top and names[m.group(1)] == 1 and len(phys) == 1:
			name, params, body = m.group(1), m.group(3), m.group(4)
			if params is not None and not body.startswith(('do', '{')):
				aliases[name] = Alias([p.strip() for p in params.split(',')], body)
				continue
			if params is None and re.fullmatch(r'-?\d+', body):
				constants[name] = body
				continue
		kept.extend(phys)
	return aliases, constants, _drop_bare_comments('\n'.join(kept))


def _drop_bare_comments(text: str) -> str:
	"""Blocks (between blank lines) that are only a comment lost what they
	described, and the file's own head comment is the shim's."""
	blocks = [b for b in re.split(r'\n\s*\n', text) if b.strip()]
	kept = [b for b in blocks if not _only_comment(b)]
	return '\n\n'.join(b.strip('\n') for b in kept)


def _only_comment(block: str) -> bool:
	return re.fullmatch(r'\s*(/\*.*?\*/\s*)+', block, re.S) is not None


# ---- writing aliases out ---------------------------------------------------

def _col(line: str, upto: int) -> int:
	col = 0
	for ch in line[:upto]:
		col = (col // 8 + 1) * 8 if ch == '\t' else col + 1
	return col


def _indent(col: int) -> str:
	return '\t' * (col // 8) + ' ' * (col % 8)


def _call_end(text: str, open_paren: int) -> Tuple[int, List[Tuple[int, int]]]:
	"""The index after the ')' matching @open_paren, and the spans of the
	top-level arguments; string and character literals are skipped."""
	depth = 0
	i = open_paren
	start = open_paren + 1
	args: List[Tuple[int, int]] = []
	while i < len(text):
		ch = text[i]
		if ch in '"\'':
			j = i + 1
			while text[j] != ch:
				j += 2 if text[j] == '\\' else 1
			i = j
		elif ch == '(':
			depth += 1
		elif ch == ')':
			depth -= 1
			if depth == 0:
				args.append((start, i))
				return i + 1, args
		elif ch == ',' and depth == 1:
			args.append((start, i))
			start = i + 1
		i += 1
	raise ResolveError('unbalanced parentheses')


def _expand(alias: Alias, args: List[str]) -> Tuple[str, bool]:
	"""The alias's body for @args, and whether it is a plain rename (the
	body calls one function with the parameters in order), which keeps the
	arguments' own layout."""
	params = alias.params
	variadic = params[-1] == '...'
	fixed = params[:-1] if variadic else params
	if len(args) < len(fixed) or (not variadic and len(args) != len(fixed)):
		raise ResolveError(f'wrong number of arguments for {alias.body}')
	rename = re.fullmatch(r'(\w+)\((.*)\)', alias.body)
	plain = ', '.join(fixed + (['##__VA_ARGS__'] if variadic else []))
	if rename and rename.group(2) == plain:
		return rename.group(1), True
	values = dict(zip(fixed, (a.strip() for a in args)))
	body = alias.body
	if variadic:
		rest = ', '.join(a.strip() for a in args[len(fixed):])
		body = body.replace(', ##__VA_ARGS__', ', ' + rest if rest else '')
		body = body.replace('__VA_ARGS__', rest)
	body = re.sub(r'\b\w+\b', lambda m: values.get(m.group(0), m.group(0)), body)
	return re.sub(r'\s*\n\s*', ' ', body), False


def write_out(text: str, aliases: Dict[str, Alias], constants: Dict[str, str]) -> str:
	"""@text with every use of @aliases and @constants written out, and the
	statements a constant decides folded."""
	for _ in range(len(aliases) + 1):	# an alias's body may use another
		new = _write_aliases(text, aliases)
		if new == text:
			break
		text = new
	for name, value in constants.items():
		text = re.sub(r'\b' + name + r'\b', value, text)
	return fold_constant_ifs(text)


def _write_aliases(text: str, aliases: Dict[str, Alias]) -> str:
	if not aliases:
		return text
	call = re.compile(r'(?<![\w.>])(' + '|'.join(map(re.escape, aliases)) + r')\s*\(')
	out: List[str] = []
	pos = 0
	for m in call.finditer(text):
		if m.start() < pos:
			continue
		open_paren = m.end() - 1
		end, spans = _call_end(text, open_paren)
		args = [text[a:b] for a, b in spans]
		if args == ['']:
			args = []
		expansion, plain = _expand(aliases[m.group(1)], args)
		out.append(text[pos:m.start()])
		if plain:
			line_start = text.rfind('\n', 0, m.start()) + 1
			old_col = _col(text[line_start:], open_paren - line_start)
			prefix = ''.join(out)[''.join(out).rfind('\n') + 1:]
			new_col = _col(prefix + expansion, len(prefix) + len(expansion))
			out.append(expansion + _realign(text[open_paren:end], old_col + 1, new_col + 1))
		else:
			out.append(expansion)
		pos = end
	out.append(text[pos:])
	return ''.join(out)


def _realign(call: str, old: int, new: int) -> str:
	"""Continuation lines of a call aligned with its '(' at column @old,
	aligned at @new."""
	lines = call.split('\n')
	for i in range(1, len(lines)):
		stripped = lines[i].lstrip(' \t')
		if _col(lines[i], len(lines[i]) - len(stripped)) == old:
			lines[i] = _indent(new) + stripped
	return '\n'.join(lines)


_IF_CONST_RE = re.compile(r'^(\t+)if \((!?)([01])\)\n((?:\1\t.*\n)*?\1\t.*;\n)', re.M)


def fold_constant_ifs(text: str) -> str:
	"""'if (!1) stmt;' goes, 'if (!0) stmt;' becomes 'stmt;' one tab out."""
	def fold(m: 're.Match[str]') -> str:
		taken = (m.group(3) == '1') != (m.group(2) == '!')
		if not taken:
			return ''
		return ''.join(_realign_dedent(l) for l in m.group(4).splitlines(True))
	text = _IF_CONST_RE.sub(fold, text)
	return re.sub(r'(\{\n|\n\n)\n+', r'\1', text)


def _realign_dedent(line: str) -> str:
	stripped = line.lstrip(' \t')
	col = _col(line, len(line) - len(stripped))
	return _indent(max(col - 8, 0)) + stripped


# ---- a directory of sources ------------------------------------------------

def merge_includes(host: str, includes: Sequence[str]) -> str:
	"""@host with @includes (<...> lines) added to its block of them, the
	block kept sorted."""
	lines = host.split('\n')
	idx = [i for i, l in enumerate(lines) if l.startswith('#include <')]
	if not idx:
		raise ResolveError('host header has no #include <...> block')
	block = sorted(set(lines[idx[0]:idx[-1] + 1]) | set(includes),
		       key=lambda l: (not l.startswith('#include <linux/'), l))
	return '\n'.join(lines[:idx[0]] + block + lines[idx[-1] + 1:])


def resolve_sources(files: Dict[str, str], facts: TreeFacts) -> Dict[str, str]:
	"""ptwalk's kernel sources (name -> text) as @facts' tree needs them:
	no shim, no version test. The Makefile's probes go too."""
	files = dict(files)
	aliases: Dict[str, Alias] = {}
	constants: Dict[str, str] = {}
	leftovers: Dict[str, Tuple[str, List[str]]] = {}
	for shim, host in SHIM_HOSTS.items():
		text = files.pop(shim)
		resolved = resolve_conditionals(text, facts)
		a, c, rest = split_shim(resolved)
		aliases.update(a)
		constants.update(c)
		includes = [l for l in text.split('\n') if l.startswith('#include <')
			    and 'linux/version.h' not in l]
		leftovers[host] = (rest, includes)
	for host, (rest, includes) in leftovers.items():
		text = merge_includes(files[host], includes)
		if rest:
			guard_end = text.rindex('#endif /* _')
			text = text[:guard_end] + rest + '\n\n' + text[guard_end:]
		files[host] = text
	out = {}
	for name, text in files.items():
		if name == 'Makefile':
			out[name] = drop_probes(text)
			continue
		text = re.sub(r'^#include "(\.\./)?(' +
			      '|'.join(re.escape(os.path.basename(h)) for h in SHIM_HOSTS) + ')"\n',
			      '', text, flags=re.M)
		text = resolve_conditionals(text, facts) if VERSION_MACRO in text else text
		out[name] = write_out(text, aliases, constants)
	for name, text in out.items():
		for word in (VERSION_MACRO, 'LINUX_VERSION_CODE', 'compat.h', 'compat_kunit.h'):
			if word in text:
				raise ResolveError(f'{name} still names {word} after resolution')
	return out
