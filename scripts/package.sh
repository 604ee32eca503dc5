#!/usr/bin/env bash
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
'cpack -G DEB' and 'cpack -G RPM' there and prints the paths of the .deb
and the .rpm (DIR/packages/). Needs dpkg-dev (dpkg-shlibdeps) and rpm
(rpmbuild): scripts/setup.sh installs both.
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

# Packages need neither the unit tests nor the test tools.
mkdir -p "$BUILD"
{
    cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DKF_TESTS=OFF \
        -DKF_TEST_TOOLS=OFF &&
        cmake --build "$BUILD" -j "$JOBS" --target kferry kferry_man
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
echo "$deb"
echo "$rpm"
