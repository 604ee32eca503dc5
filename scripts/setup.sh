#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Install everything kferry needs on a Debian 12 machine, then fetch the
# Apache Kafka jars used by the real-broker tests and benchmarks.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PROG=${0##*/}

# libclang-rt-dev holds libFuzzer's runtime; clang only recommends it.
# rpm provides rpmbuild for scripts/package.sh, which checks the packages
# with lintian and rpmlint; clang-format is scripts/format.sh's; stress-ng
# loads the machine beside fault scenarios (tests/fault/run.sh --load).
PACKAGES=(
    build-essential cmake pkg-config
    librdkafka-dev libuv1-dev libzstd-dev libxxhash-dev libssl-dev libcmocka-dev
    libpq-dev libmariadb-dev libcurl4-openssl-dev
    clang libclang-rt-dev
    rpm lintian rpmlint clang-format stress-ng
    zstd xxhash python3 time curl openssl util-linux kcat
    default-jre-headless maven
)
# --with-db: the database servers of the sink and capture tests
# (scripts/db/db.sh starts throwaway servers from them); their client
# libraries (libpq, Connector/C) are in PACKAGES: src/db links them.
DB_PACKAGES=(
    postgresql postgresql-contrib
    mariadb-server mariadb-client
)

usage() {
    cat <<USAGE
Usage: $PROG [--no-fetch] [--connect] [--registry] [--with-db] [--help]

Installs with apt-get (as root, or through sudo) the packages that kferry needs
and that are not installed yet (checked with dpkg-query):
  ${PACKAGES[*]}
'apt-get update' runs only when something must be installed and the package
lists are missing or older than a day. Then runs scripts/kafka/fetch.sh to
cache the Apache Kafka jars (skip with --no-fetch). With --connect it also
caches Kafka Connect's (fetch.sh --connect), which only the interoperability
tests (tests/interop) need; with --registry Apicurio Registry's (fetch.sh
--registry), the Schema Registry of the Avro tests (scripts/kafka/registry.sh
fetches it on first use too). --with-db also installs PostgreSQL 15 and
MariaDB 10.11 (servers and clients):
  ${DB_PACKAGES[*]}
Debian starts the system's own instances on install; kferry's tests never use
them (scripts/db/db.sh runs throwaway servers on free ports). A second run is
fast.
USAGE
}

die() { echo "$PROG: error: $*" >&2; exit 1; }
log() { echo "$PROG: $*" >&2; }

fetch=1
fetch_args=()
while [ $# -gt 0 ]; do
    case "$1" in
        --no-fetch) fetch=0 ;;
        --connect) fetch_args+=(--connect) ;;
        --registry) fetch_args+=(--registry) ;;
        --with-db) PACKAGES+=("${DB_PACKAGES[@]}") ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; die "unknown argument: $1" ;;
    esac
    shift
done

command -v dpkg-query >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 ||
    die "this script needs a Debian-like system with apt-get and dpkg-query"

installed() {
    [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]
}

missing=()
for p in "${PACKAGES[@]}"; do
    installed "$p" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
    log "all ${#PACKAGES[@]} packages already installed"
else
    SUDO=()
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null 2>&1; then
            SUDO=(sudo)
        else
            die "missing packages: ${missing[*]}
Run this script as root, or install sudo, or run as root:
  apt-get update && apt-get install -y ${missing[*]}"
        fi
    fi
    # Update the package lists only if they are missing or older than a day.
    if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*_Packages*' -mtime -1 2>/dev/null | head -n 1)" ]; then
        log "apt-get update (package lists missing or older than a day)"
        "${SUDO[@]}" apt-get update -q || die "apt-get update failed"
    else
        log "package lists are fresh; skipping apt-get update"
    fi
    log "installing: ${missing[*]}"
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" ||
        die "apt-get install failed for: ${missing[*]}"
fi

if [ $fetch -eq 1 ]; then
    # Under 'sudo setup.sh', fill the invoking user's cache, not root's.
    if [ "$(id -u)" -eq 0 ] && [ -n "${SUDO_USER:-}" ] && [ "$SUDO_USER" != root ]; then
        sudo -u "$SUDO_USER" -H ${KFERRY_CACHE:+env KFERRY_CACHE="$KFERRY_CACHE"} "$SCRIPT_DIR/kafka/fetch.sh" "${fetch_args[@]+"${fetch_args[@]}"}" >/dev/null
    else
        "$SCRIPT_DIR/kafka/fetch.sh" "${fetch_args[@]+"${fetch_args[@]}"}" >/dev/null
    fi
    log "Kafka jars ready"
fi
log "done"
