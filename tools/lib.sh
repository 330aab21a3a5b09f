# SPDX-License-Identifier: GPL-2.0
# Shared shell helpers for ptwalk's tools. Sourced, never run.

PTWALK_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PTWALK_CACHE=${PTWALK_CACHE:-$HOME/.cache/ptwalk}

# What must never appear in the kernel log of a passing run (KUnit or guest).
PTWALK_BAD_LOG='(WARNING:|BUG:|Oops|Kernel panic|general protection fault|UBSAN:|KASAN:)'

die()
{
	local rc=$1
	shift
	echo "ptwalk: error: $*" >&2
	exit "$rc"
}

info()
{
	echo "ptwalk: $*" >&2
}

is_root()
{
	[ "$(id -u)" -eq 0 ]
}

# The geometries: config/geometry/<name>.conf. load_geometry NAME sets the
# GEOM_* variables of one (see config/geometry/x86_64.conf for them all).
geometry_names()
{
	(cd "$PTWALK_TOP/config/geometry" && ls -- *.conf | sed 's/\.conf$//' | tr '\n' ' ')
}

load_geometry()
{
	[ -f "$PTWALK_TOP/config/geometry/$1.conf" ] ||
		die 2 "unknown geometry '$1' (known: $(geometry_names))"
	GEOM_QEMU_ARGS= GEOM_KERNEL_ARGS= GEOM_KUNITCONFIGS= GEOM_CROSS_COMPILE=
	GEOM_GUEST_QEMU= GEOM_GUEST_IMAGE= GEOM_GUEST_CONSOLE= GEOM_GUEST_MUST_PASS=
	GEOM_GUEST_KERNEL_ARGS=
	. "$PTWALK_TOP/config/geometry/$1.conf"
}

# "6.12" for a kernel tree.
tree_kver()
{
	awk '/^VERSION =/ { v = $3 } /^PATCHLEVEL =/ { p = $3 } END { print v "." p }' "$1/Makefile"
}

# The kunit.py build directory of tree $1 (version $2) for GEOM_BUILD $3:
# one per kernel x build configuration, shared by the geometries that boot
# the same kernel.
build_dir()
{
	if [ -n "${KDIR:-}" ]; then
		echo "$PTWALK_CACHE/build/kdir-$(echo "$1" | md5sum | cut -c1-8)-$3"
	else
		echo "$PTWALK_CACHE/build/$2-$3"
	fi
}
