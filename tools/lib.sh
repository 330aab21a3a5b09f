# SPDX-License-Identifier: GPL-2.0
# Shared shell helpers for ptwalk's tools. Sourced, never run.

PTWALK_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PTWALK_CACHE=${PTWALK_CACHE:-$HOME/.cache/ptwalk}

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
