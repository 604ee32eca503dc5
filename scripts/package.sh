#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds the kferry .deb and .rpm: a Release build in build-pkg (or DIR),
# then CPack (packaging/packaging.cmake). Prints the two package paths.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PROG=${0##*/}
BUILD=$ROOT/build-pkg
JOBS=${KF_JOBS:-$(nproc)}

usage() {
    cat <<USAGE
Usage: $PROG [--build DIR] [--help]

Builds kferry in Release mode in DIR (default build-pkg), then runs
'cpack -G DEB' and 'cpack -G RPM' there, checks the .deb with lintian and
the .rpm with rpmlint (an error fails, warnings are listed on stderr), and
prints the paths of the .deb and the .rpm (DIR/packages/). Needs dpkg-dev
(dpkg-shlibdeps), rpm (rpmbuild), lintian and rpmlint: scripts/setup.sh
installs them.
USAGE
}

die() { echo "$PROG: error: $*" >&2; exit 1; }

while [ $# -gt 0 ]; do
    case "$1" in
        --build) shift; BUILD=$(realpath -m "${1:?--build needs a directory}") ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; die "unknown argument: $1" ;;
    esac
    shift
done

command -v dpkg-shlibdeps >/dev/null || die "dpkg-shlibdeps missing: apt-get install dpkg-dev"
command -v rpmbuild >/dev/null || die "rpmbuild missing: apt-get install rpm"
command -v lintian >/dev/null || die "lintian missing: apt-get install lintian"
command -v rpmlint >/dev/null || die "rpmlint missing: apt-get install rpmlint"

# Packages need neither the unit tests nor the test tools.
mkdir -p "$BUILD"
{
    cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DKF_TESTS=OFF \
        -DKF_TEST_TOOLS=OFF &&
        cmake --build "$BUILD" -j "$JOBS" --target kferry kferry_man kferry_changelog
} >"$BUILD/build.log" 2>&1 || {
    tail -n 30 "$BUILD/build.log" >&2
    die "the build failed (log: $BUILD/build.log)"
}
rm -rf "$BUILD/packages"
for g in DEB RPM; do
    (cd "$BUILD" && cpack -G "$g" >"$BUILD/cpack-$g.log" 2>&1) || {
        tail -n 30 "$BUILD/cpack-$g.log" >&2
        die "cpack -G $g failed (log: $BUILD/cpack-$g.log)"
    }
done
deb=$(find "$BUILD/packages" -maxdepth 1 -name 'kferry_*.deb')
rpm=$(find "$BUILD/packages" -maxdepth 1 -name 'kferry-*.rpm')
[ -n "$deb" ] && [ -n "$rpm" ] || die "cpack made no package in $BUILD/packages"

# lint TOOL PKG LOG: runs the linter (its own exit status says little: it
# counts warnings too), lists what it says on stderr and fails on an
# error line ("E: " from lintian, ": E: " from rpmlint).
lint() {
    local tool=$1 pkg=$2 log=$3
    shift 3
    "$@" "$pkg" >"$log" 2>&1 || true
    if [ -s "$log" ]; then
        echo "$PROG: $tool ${pkg##*/}:" >&2
        sed 's/^/  /' "$log" >&2
    fi
    if grep -qE '^E: |: E: ' "$log"; then
        die "$tool found errors in ${pkg##*/} (log: $log)"
    fi
}
# lintian refuses nothing as root but says so; --allow-root quiets it.
lint lintian "$deb" "$BUILD/lintian.log" lintian --allow-root --tag-display-limit 0
# packaging/rpm/rpmlint.toml filters what the package means to do (a
# configuration only the group kferry reads), each with its reason.
lint rpmlint "$rpm" "$BUILD/rpmlint.log" rpmlint -c "$ROOT/packaging/rpm/rpmlint.toml"
echo "$deb"
echo "$rpm"
