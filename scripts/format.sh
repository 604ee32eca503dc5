#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# clang-format (.clang-format at the top of the tree) over the C sources
# under src/, include/ and tests/.
#
#   scripts/format.sh            reformat the files in place
#   scripts/format.sh --check    change nothing: list the files that differ
#                                from the style, exit 1 if any
#   scripts/format.sh [--check] FILE...   only these files
#
# The files are those git knows (tracked, or new and not ignored).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PROG=${0##*/}
CLANG_FORMAT=${CLANG_FORMAT:-clang-format}

check=0
if [ "${1:-}" = --check ]; then
	check=1
	shift
elif [ "${1:-}" = -h ] || [ "${1:-}" = --help ]; then
	sed -n '3,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'
	exit 0
fi
command -v "$CLANG_FORMAT" >/dev/null ||
	{ echo "$PROG: $CLANG_FORMAT missing: apt-get install clang-format" >&2; exit 2; }

cd "$ROOT"
if [ $# -gt 0 ]; then
	files=("$@")
else
	mapfile -t files < <(git ls-files --cached --others --exclude-standard -- \
		'src/*.[ch]' 'include/*.[ch]' 'tests/*.[ch]' | sort -u)
fi

if [ $check = 0 ]; then
	"$CLANG_FORMAT" -i --style=file "${files[@]}"
	echo "$PROG: formatted ${#files[@]} files"
	exit 0
fi
differ=0
for f in "${files[@]}"; do
	if ! "$CLANG_FORMAT" --style=file "$f" | cmp -s - "$f"; then
		echo "$f"
		differ=$((differ + 1))
	fi
done
if [ $differ -gt 0 ]; then
	echo "$PROG: $differ of ${#files[@]} files differ from .clang-format (run scripts/format.sh)" >&2
	exit 1
fi
echo "$PROG: all ${#files[@]} files follow .clang-format"
