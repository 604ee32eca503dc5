#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The dependency rules of src/layers.txt (docs/architecture.md), checked two
# ways.
#
#   check.sh edges SRC_DIR
#     Lists the #include "area/..." edges of every area and fails on each
#     one its rule does not allow, on a relative "../" include (it would
#     get around the include views) and on an OpenSSL header outside
#     core/crypto.
#
#   check.sh symbols SRC_DIR AREA=LIBRARY...
#     Fails on each kf_ symbol a library uses from an area its rule does
#     not allow (a function declared in include/kferry, which every area
#     sees, and defined above the caller, say).
#
#   check.sh compile CC "CFLAGS" AREA=INCLUDE_DIRS...
#     Compiles each sample of tests/layers/samples/ as a file of its area,
#     with the include directories that area's library is built with
#     (colon-separated, from the build): a sample marked "expect: fail"
#     must fail because its header is not found, one marked "expect: pass"
#     must compile. So the build refuses a forbidden #include, and this
#     fails if someone widens an area's include path.
set -uo pipefail

die() {
    echo "check.sh: $*" >&2
    exit 2
}

# rules: "area dep dep ..." lines of src/layers.txt
rules() {
    grep -E '^[a-z]' "$1/layers.txt"
}

allowed() { # rules area dep
    awk -v a="$2" -v d="$3" '$1 == a { for (i = 1; i <= NF; i++)
        if ($i == d) f = 1 } END { exit !f }' <<<"$1"
}

edges() {
    local src=$1 r area f dep bad=0
    r=$(rules "$src") || die "no rules in $src/layers.txt"
    for dir in "$src"/*/; do
        area=$(basename "$dir")
        if ! awk -v a="$area" '$1 == a { f = 1 } END { exit !f }' <<<"$r"; then
            echo "src/$area/: no rule in src/layers.txt" >&2
            bad=1
            continue
        fi
        printf '%-7s ->' "$area"
        grep -hoE '^#include "[a-z_]+/' "$dir"*.[ch] 2>/dev/null |
            sed -E 's/#include "//; s|/||' | sort -u | grep -vx "$area" |
            tr '\n' ' '
        echo
        for f in "$dir"*.[ch]; do
            [ -e "$f" ] || continue
            while IFS= read -r dep; do
                [ "$dep" = "$area" ] || [ "$dep" = kferry ] ||
                    allowed "$r" "$area" "$dep" || {
                    echo "${f#"$src"/}: includes $dep/, which the rule" \
                        "of $area does not allow" >&2
                    bad=1
                }
            done < <(grep -oE '^#include "[a-z_]+/' "$f" |
                sed -E 's/#include "//; s|/||')
            if grep -qE '^#include "\.\./' "$f"; then
                echo "${f#"$src"/}: a relative ../ include" >&2
                bad=1
            fi
            case ${f#"$src"/} in
            core/crypto.c) ;;
            *) if grep -qE '^#include <openssl/' "$f"; then
                echo "${f#"$src"/}: includes OpenSSL, which only" \
                    "core/crypto.c may" >&2
                bad=1
            fi ;;
            esac
        done
    done
    return $bad
}

symbols() {
    local src=$1 r bad=0 kv area lib sym def
    shift
    r=$(rules "$src") || die "no rules in $src/layers.txt"
    declare -A owner=()
    for kv in "$@"; do
        area=${kv%%=*}
        lib=${kv#*=}
        while read -r sym; do
            owner[$sym]=$area
        done < <(nm -g --defined-only "$lib" | awk 'NF == 3 && $3 ~ /^kf/ { print $3 }')
    done
    for kv in "$@"; do
        area=${kv%%=*}
        lib=${kv#*=}
        while read -r sym; do
            def=${owner[$sym]:-}
            [ -z "$def" ] || [ "$def" = "$area" ] ||
                allowed "$r" "$area" "$def" || {
                echo "$(basename "$lib"): $area uses $sym of $def, which" \
                    "its rule does not allow" >&2
                bad=1
            }
        done < <(nm -u "$lib" | awk '$2 ~ /^kf/ { print $2 }' | sort -u)
    done
    [ $bad -eq 0 ] && echo "$# libraries use only the areas of their rules"
    return $bad
}

compile() {
    local cc=$1 cflags=$2 samples bad=0 n=0
    shift 2
    samples=$(dirname "$0")/samples
    declare -A inc=()
    for kv in "$@"; do
        inc[${kv%%=*}]=${kv#*=}
    done
    for s in "$samples"/*.c; do
        local head area expect hdr flags=() out rc
        head=$(grep -m 1 "layer: " "$s")
        area=$(sed -nE 's/.*layer: ([a-z_]+);.*/\1/p' <<<"$head")
        expect=$(sed -nE 's/.*expect: ([a-z]+).*/\1/p' <<<"$head")
        hdr=$(sed -nE 's/^#include "(.*)"/\1/p' "$s")
        [ -n "$area" ] && [ -n "$expect" ] && [ -n "$hdr" ] ||
            die "$s: no layer/expect line or no #include"
        [ -n "${inc[$area]:-}" ] || die "$s: no include directories for $area"
        IFS=: read -r -a dirs <<<"${inc[$area]}"
        for d in "${dirs[@]}"; do
            flags+=("-I$d")
        done
        # shellcheck disable=SC2086
        out=$("$cc" $cflags "${flags[@]}" -fsyntax-only -x c "$s" 2>&1)
        rc=$?
        n=$((n + 1))
        case $expect in
        pass)
            if [ $rc -ne 0 ]; then
                echo "$(basename "$s"): $area may include $hdr, but it" \
                    "does not compile:" >&2
                echo "$out" >&2
                bad=1
            fi
            ;;
        fail)
            if [ $rc -eq 0 ]; then
                echo "$(basename "$s"): $area must not include $hdr, but" \
                    "it compiles" >&2
                bad=1
            elif ! grep -qF "$hdr: No such file" <<<"$out"; then
                echo "$(basename "$s"): failed, but not for want of $hdr:" >&2
                echo "$out" >&2
                bad=1
            fi
            ;;
        *) die "$s: expect is pass or fail, not $expect" ;;
        esac
    done
    [ $n -gt 0 ] || die "no samples in $samples"
    [ $bad -eq 0 ] && echo "$n samples: forbidden includes fail, allowed" \
        "ones compile"
    return $bad
}

case ${1:-} in
edges) [ $# -eq 2 ] || die "usage: check.sh edges SRC_DIR"; edges "$2" ;;
symbols)
    [ $# -ge 3 ] || die "usage: check.sh symbols SRC_DIR AREA=LIBRARY..."
    shift
    symbols "$@"
    ;;
compile)
    [ $# -ge 4 ] || die "usage: check.sh compile CC CFLAGS AREA=DIRS..."
    shift
    compile "$@"
    ;;
*) die "usage: check.sh edges|symbols|compile ... (see its header)" ;;
esac
