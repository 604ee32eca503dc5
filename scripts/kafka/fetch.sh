#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Fetch the Apache Kafka broker and tool jars from Maven Central into a cache
# outside the build tree, and print the directory that holds them.
set -euo pipefail

KAFKA_VERSION=3.9.1
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
POM="$SCRIPT_DIR/pom.xml"

usage() {
    cat <<USAGE
Usage: ${0##*/} [--force] [--help]

Downloads Apache Kafka $KAFKA_VERSION (org.apache.kafka:kafka_2.13 and
org.apache.kafka:kafka-tools plus their runtime dependencies) with Maven into

    \${KFERRY_CACHE:-\$HOME/.cache/kferry}/kafka-$KAFKA_VERSION/lib

and prints that lib directory on stdout (progress goes to stderr).
Does nothing if the cache is already complete (stamp file .complete).
Installs java (default-jre-headless) and mvn (maven) with apt-get if absent.

Options:
  --force   re-download even if the cache is complete
  --help    show this help

Environment:
  KFERRY_CACHE   cache root (default \$HOME/.cache/kferry)
USAGE
}

die() { echo "fetch.sh: error: $*" >&2; exit 1; }
log() { echo "fetch.sh: $*" >&2; }

force=0
while [ $# -gt 0 ]; do
    case "$1" in
        --force) force=1 ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; die "unknown argument: $1" ;;
    esac
    shift
done

CACHE="${KFERRY_CACHE:-$HOME/.cache/kferry}/kafka-$KAFKA_VERSION"
LIB="$CACHE/lib"
STAMP="$CACHE/.complete"

[ -f "$POM" ] || die "missing $POM"

# The stamp records the version and the pom's checksum, so editing the pom
# invalidates the cache.
want_stamp="$KAFKA_VERSION $(sha256sum "$POM" | cut -d' ' -f1)"

cache_ok() {
    [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want_stamp" ] &&
        [ -f "$LIB/kafka_2.13-$KAFKA_VERSION.jar" ] &&
        [ -f "$LIB/kafka-tools-$KAFKA_VERSION.jar" ]
}

if [ "$force" -eq 0 ] && cache_ok; then
    echo "$LIB"
    exit 0
fi

# --- make sure java and mvn exist ------------------------------------------
apt_install() {
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null 2>&1; then
            sudo=(sudo)
        else
            die "$* missing and not root (no sudo): install them, e.g. apt-get install $*"
        fi
    fi
    command -v apt-get >/dev/null 2>&1 || die "$* missing and apt-get not available; install them by hand"
    log "installing $* with apt-get"
    if ! compgen -G "/var/lib/apt/lists/*_Packages" >/dev/null; then
        "${sudo[@]}" apt-get update -q >&2 || die "apt-get update failed"
    fi
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends "$@" >&2 ||
        die "apt-get install $* failed"
}

missing=()
command -v java >/dev/null 2>&1 || missing+=(default-jre-headless)
command -v mvn  >/dev/null 2>&1 || missing+=(maven)
[ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"
command -v java >/dev/null 2>&1 || die "java still not found after install"
command -v mvn  >/dev/null 2>&1 || die "mvn still not found after install"

# --- download, under a lock so that parallel callers fetch only once --------
mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
if ! flock -n 9; then
    log "another fetch is running; waiting for it"
    flock 9
fi
if [ "$force" -eq 0 ] && cache_ok; then
    echo "$LIB"
    exit 0
fi

log "downloading Apache Kafka $KAFKA_VERSION jars into $LIB (may take a few minutes)"
tmp=$(mktemp -d "$CACHE/.fetch.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# Run Maven on a copy of the pom so that nothing is written into the source tree.
cp "$POM" "$tmp/pom.xml"
start=$SECONDS
if ! (cd "$tmp" && mvn -B -q dependency:copy-dependencies \
        -Dkafka.version="$KAFKA_VERSION" \
        -DoutputDirectory="$tmp/lib" -DincludeScope=runtime) >"$tmp/mvn.log" 2>&1; then
    tail -n 40 "$tmp/mvn.log" >&2
    die "mvn dependency:copy-dependencies failed (is Maven Central reachable?)"
fi
for j in "kafka_2.13-$KAFKA_VERSION.jar" "kafka-tools-$KAFKA_VERSION.jar"; do
    [ -f "$tmp/lib/$j" ] || die "download finished but $j is missing"
done

rm -f "$STAMP"
rm -rf "$LIB"
mv "$tmp/lib" "$LIB"
echo "$want_stamp" >"$STAMP"
log "fetched $(ls "$LIB" | wc -l) jars in $((SECONDS - start)) s"
echo "$LIB"
