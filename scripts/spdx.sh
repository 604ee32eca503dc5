#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Puts the license identifier on every source file: the first line of each
# .c and .h under src/, include/, tests/ and bench/ is
#   /* SPDX-License-Identifier: Apache-2.0 */
# and each shell script (*.sh, or a file whose first line runs sh or bash)
# carries
#   # SPDX-License-Identifier: Apache-2.0
# as its first line, or right after its #! line.
#
#   scripts/spdx.sh            add the line where it is missing (a second
#                              run changes nothing)
#   scripts/spdx.sh --check    list the files without it; exit 1 if any
#
# The files are those git knows (tracked, or new and not ignored).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PROG=${0##*/}
C_LINE='/* SPDX-License-Identifier: Apache-2.0 */'
SH_LINE='# SPDX-License-Identifier: Apache-2.0'

check=0
case ${1:-} in
--check) check=1 ;;
'') ;;
-h | --help) sed -n '3,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
*) echo "$PROG: unknown argument: $1 (try --help)" >&2; exit 2 ;;
esac

cd "$ROOT"
files() { git ls-files --cached --others --exclude-standard -- "$@" | sort -u; }

# is_shell FILE: named *.sh, or its #! line runs sh or bash
is_shell() {
	[[ $1 == *.sh ]] && return 0
	head -n 1 "$1" | grep -qE '^#!.*[/ ](ba)?sh( |$)'
}

# want FILE: the line FILE must carry, and after how many lines (0 or 1)
want() {
	if [[ $1 == *.[ch] ]]; then
		echo "0 $C_LINE"
	elif head -n 1 "$1" | grep -q '^#!'; then
		echo "1 $SH_LINE"
	else
		echo "0 $SH_LINE"
	fi
}

# Everything runs from main, read whole before it starts: this script is
# one of the files it edits.
main() {
	local f tmp after line missing
	missing=()
	while IFS= read -r f; do
		[ -f "$f" ] || continue
		read -r after line < <(want "$f")
		[ "$(sed -n "$((after + 1))p" "$f")" = "$line" ] && continue
		missing+=("$f")
		[ $check = 1 ] && continue
		# rewrite in place (cat >) so that the mode and owner stay
		tmp=$(mktemp)
		{
			head -n "$after" "$f"
			printf '%s\n' "$line"
			tail -n +"$((after + 1))" "$f"
		} >"$tmp"
		cat "$tmp" >"$f"
		rm -f "$tmp"
	done < <(
		files 'src/*.[ch]' 'include/*.[ch]' 'tests/*.[ch]' 'bench/*.[ch]'
		files | while IFS= read -r f; do
			[[ $f == *.[ch] ]] && continue
			[ -f "$f" ] && is_shell "$f" && echo "$f"
		done
	)

	if [ $check = 1 ]; then
		if [ ${#missing[@]} -gt 0 ]; then
			printf '%s\n' "${missing[@]}"
			echo "$PROG: ${#missing[@]} files lack the SPDX line (run scripts/spdx.sh)" >&2
			exit 1
		fi
		echo "$PROG: every source file carries the SPDX line"
	else
		echo "$PROG: added the SPDX line to ${#missing[@]} files"
	fi
}

main "$@"; exit $?
