#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Checks that kferry(1) documents every option that `kferry help COMMAND`
# lists, and that groff reads both manual pages without a warning.
# Usage: check.sh KFERRY_BINARY MAN_DIR
set -uo pipefail

kferry=$1
dir=$2
page=$dir/kferry.1
missing=0

for cmd in send receive watch replay load verify sink capture; do
    # option lines of the help text start with "-x, --long" or "--long"
    opts=$("$kferry" help "$cmd" | grep -E '^ +-' |
        grep -oE '(^|[ ,])--?[A-Za-z][A-Za-z-]*' | tr -d ' ,' | sort -u)
    [ -n "$opts" ] || { echo "kferry help $cmd lists no options" >&2; exit 1; }
    for o in $opts; do
        # roff writes a minus as \-; the option must end there (--rescan
        # is not --rescan-seconds)
        re=${o//-/\\\\-}'($|[^A-Za-z\\]|\\[^-])'
        if ! grep -qE -- "$re" "$page"; then
            echo "$page: option $o of 'kferry $cmd' is not documented" >&2
            missing=$((missing + 1))
        fi
    done
done

if command -v groff >/dev/null 2>&1; then
    for p in "$dir"/kferry.1 "$dir"/kferry.conf.5; do
        warnings=$(groff -man -ww -z "$p" 2>&1)
        if [ -n "$warnings" ]; then
            echo "$p: groff warnings:" >&2
            echo "$warnings" >&2
            missing=$((missing + 1))
        fi
    done
else
    echo "groff not installed: the pages' syntax is not checked"
fi

[ "$missing" -eq 0 ] && echo "kferry.1 documents every option; pages are clean"
[ "$missing" -eq 0 ]
