#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Fetch the Apache Kafka broker and tool jars (and, when asked, the Kafka
# Connect worker's) from Maven Central into a cache outside the build tree,
# and print the directory that holds them.
set -euo pipefail

KAFKA_VERSION=3.9.1
# The newest Debezium whose plugins are built for Kafka 3.9 and Java 17.
DEBEZIUM_VERSION=3.2.0.Final
DEBEZIUM_PLUGINS="debezium-connector-postgres debezium-connector-jdbc"
# Only the benchmark and the MariaDB interoperability test need this one.
DEBEZIUM_MARIADB=debezium-connector-mariadb
# The newest Apicurio Registry that runs on Java 17 (3.3 needs Java 21).
APICURIO_VERSION=3.0.9
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
POM="$SCRIPT_DIR/pom.xml"
CONNECT_POM="$SCRIPT_DIR/connect-pom.xml"

usage() {
    cat <<USAGE
Usage: ${0##*/} [--connect] [--debezium] [--debezium-mariadb] [--registry] [--force] [--help]

Downloads Apache Kafka $KAFKA_VERSION (org.apache.kafka:kafka_2.13 and
org.apache.kafka:kafka-tools plus their runtime dependencies) with Maven into

    \${KFERRY_CACHE:-\$HOME/.cache/kferry}/kafka-$KAFKA_VERSION/lib

and prints that lib directory on stdout (progress goes to stderr).
Does nothing if the cache is already complete (stamp file .complete).
Installs java (default-jre-headless) and mvn (maven) with apt-get if absent.

Options:
  --connect also fetch Kafka Connect (connect-runtime, connect-json,
            connect-file and their runtime dependencies, see connect-pom.xml)
            for the interoperability tests: the jars that lib/ lacks go to
            kafka-$KAFKA_VERSION/connect (stamp .complete-connect), whose path
            is printed instead; a Connect worker's class path is
X
  --debezium also fetch the Debezium $DEBEZIUM_VERSION Connect plugins
            (io.debezium:debezium-connector-postgres and
            debezium-connector-jdbc, the :tar.gz:plugin archives), each
            unpacked into its own directory under
            \${KFERRY_CACHE}/debezium-$DEBEZIUM_VERSION/plugins, whose path
            is printed instead: a worker's plugin.path (connect.sh
            --plugin-path). Implies --connect. A plugin's directory is
            moved in whole once unpacked, so one that holds its
            connector's jar is complete.
  --debezium-mariadb  as --debezium, and also Debezium's MariaDB connector
            (io.debezium:debezium-connector-mariadb, with its MariaDB JDBC
            driver) in the same plugins directory.
  --registry also fetch Apicurio Registry $APICURIO_VERSION
            (io.apicurio:apicurio-registry-app:$APICURIO_VERSION:tar.gz:all),
            unpacked into \${KFERRY_CACHE}/apicurio-$APICURIO_VERSION (stamp
            .complete), whose path is printed instead (registry.sh runs it;
            docs/schemas.md 7), and Apicurio's Kafka Connect converters
            (converter-pom.xml) as a Connect plugin directory under its
            plugins/ (a worker's plugin.path entry). Takes precedence over
            --debezium's output.
  --force   re-download even if the cache is complete
  --help    show this help

Environment:
  KFERRY_CACHE   cache root (default \$HOME/.cache/kferry)
USAGE
}

die() { echo "fetch.sh: error: $*" >&2; exit 1; }
log() { echo "fetch.sh: $*" >&2; }

force=0
connect=0
debezium=0
registry=0
while [ $# -gt 0 ]; do
    case "$1" in
        --connect) connect=1 ;;
        --debezium) debezium=1; connect=1 ;;
        --debezium-mariadb) debezium=1; connect=1; DEBEZIUM_PLUGINS="$DEBEZIUM_PLUGINS $DEBEZIUM_MARIADB" ;;
        --registry) registry=1 ;;
        --force) force=1 ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; die "unknown argument: $1" ;;
    esac
    shift
done

CACHE="${KFERRY_CACHE:-$HOME/.cache/kferry}/kafka-$KAFKA_VERSION"
LIB="$CACHE/lib"
STAMP="$CACHE/.complete"
CONNECT="$CACHE/connect"
CONNECT_STAMP="$CACHE/.complete-connect"
DBZ="${KFERRY_CACHE:-$HOME/.cache/kferry}/debezium-$DEBEZIUM_VERSION/plugins"
REG="${KFERRY_CACHE:-$HOME/.cache/kferry}/apicurio-$APICURIO_VERSION"
REG_JAR="$REG/apicurio-registry-app-$APICURIO_VERSION-runner.jar"
CONVERTER_POM="$SCRIPT_DIR/converter-pom.xml"
CONVERTER="$REG/plugins/apicurio-converter"

[ -f "$POM" ] || die "missing $POM"
[ "$connect" -eq 0 ] || [ -f "$CONNECT_POM" ] || die "missing $CONNECT_POM"

# The stamp records the version and the pom's checksum, so editing the pom
# invalidates the cache.
want_stamp="$KAFKA_VERSION $(sha256sum "$POM" | cut -d' ' -f1)"

cache_ok() {
    [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want_stamp" ] &&
        [ -f "$LIB/kafka_2.13-$KAFKA_VERSION.jar" ] &&
        [ -f "$LIB/kafka-tools-$KAFKA_VERSION.jar" ]
}

# connect/ holds only what lib/ lacks, so its stamp names lib's too: a new
# lib/ means connect/ must be made again.
connect_stamp() {
    echo "$KAFKA_VERSION $(sha256sum "$CONNECT_POM" | cut -d' ' -f1) $(cat "$STAMP" 2>/dev/null)"
}

# Prints the first Connect jar that neither directory holds.
connect_missing() {
    local a
    for a in connect-runtime connect-json connect-file; do
        [ -f "$LIB/$a-$KAFKA_VERSION.jar" ] || [ -f "$CONNECT/$a-$KAFKA_VERSION.jar" ] ||
            { echo "$a-$KAFKA_VERSION.jar"; return 0; }
    done
}

connect_ok() {
    [ -f "$CONNECT_STAMP" ] && [ "$(cat "$CONNECT_STAMP")" = "$(connect_stamp)" ] &&
        [ -z "$(connect_missing)" ]
}

# The plugins of DEBEZIUM_PLUGINS whose directory lacks its connector's jar
# (a directory is moved in whole, so one with the jar is complete).
dbz_missing() {
    local p
    for p in $DEBEZIUM_PLUGINS; do
        [ -f "$DBZ/$p/$p-$DEBEZIUM_VERSION.jar" ] || echo "$p"
    done
}

dbz_ok() { [ -z "$(dbz_missing)" ]; }

reg_stamp() { echo "$APICURIO_VERSION $(sha256sum "$CONVERTER_POM" | cut -d' ' -f1)"; }

reg_ok() {
    [ -f "$REG/.complete" ] && [ "$(cat "$REG/.complete")" = "$(reg_stamp)" ] &&
        [ -f "$REG_JAR" ] && [ -d "$REG/lib" ] && compgen -G "$CONVERTER/apicurio-registry-utils-converter-*.jar" >/dev/null
}

all_ok() {
    cache_ok && { [ "$connect" -eq 0 ] || connect_ok; } && { [ "$debezium" -eq 0 ] || dbz_ok; } &&
        { [ "$registry" -eq 0 ] || reg_ok; }
}

result() {
    if [ "$registry" -eq 1 ]; then echo "$REG"
    elif [ "$debezium" -eq 1 ]; then echo "$DBZ"
    elif [ "$connect" -eq 1 ]; then echo "$CONNECT"
    else echo "$LIB"; fi
}

if [ "$force" -eq 0 ] && all_ok; then
    result
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
if [ "$force" -eq 0 ] && all_ok; then
    result
    exit 0
fi

tmp=$(mktemp -d "$CACHE/.fetch.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# mvn_copy POM OUT: the runtime dependency closure of POM's jars into OUT.
# Maven runs on a copy of the pom so that nothing is written into the
# source tree.
mvn_copy() {
    local work
    work=$(mktemp -d "$tmp/mvn.XXXXXX")
    cp "$1" "$work/pom.xml"
    if ! (cd "$work" && mvn -B -q dependency:copy-dependencies \
            -Dkafka.version="$KAFKA_VERSION" \
            -DoutputDirectory="$2" -DincludeScope=runtime) >"$work/mvn.log" 2>&1; then
        tail -n 40 "$work/mvn.log" >&2
        die "mvn dependency:copy-dependencies failed for ${1##*/} (is Maven Central reachable?)"
    fi
}

start=$SECONDS
if [ "$force" -eq 1 ] || ! cache_ok; then
    log "downloading Apache Kafka $KAFKA_VERSION jars into $LIB (may take a few minutes)"
    mvn_copy "$POM" "$tmp/lib"
    for j in "kafka_2.13-$KAFKA_VERSION.jar" "kafka-tools-$KAFKA_VERSION.jar"; do
        [ -f "$tmp/lib/$j" ] || die "download finished but $j is missing"
    done
    rm -f "$STAMP" "$CONNECT_STAMP"
    rm -rf "$LIB"
    mv "$tmp/lib" "$LIB"
    echo "$want_stamp" >"$STAMP"
    log "fetched $(ls "$LIB" | wc -l) jars in $((SECONDS - start)) s"
fi

if [ "$connect" -eq 1 ] && { [ "$force" -eq 1 ] || ! connect_ok; }; then
    log "downloading Kafka Connect $KAFKA_VERSION jars into $CONNECT"
    mvn_copy "$CONNECT_POM" "$tmp/connect-all"
    # Keep what lib/ lacks: one copy of each jar on the worker's class path.
    mkdir -p "$tmp/connect"
    for j in "$tmp/connect-all"/*.jar; do
        [ -f "$LIB/${j##*/}" ] || mv "$j" "$tmp/connect/"
    done
    rm -f "$CONNECT_STAMP"
    rm -rf "$CONNECT"
    mv "$tmp/connect" "$CONNECT"
    m=$(connect_missing)
    [ -z "$m" ] || die "download finished but $m is missing"
    connect_stamp >"$CONNECT_STAMP"
    log "Kafka Connect: $(ls "$CONNECT" | wc -l) jar(s) beside lib/ ($(du -sk "$CONNECT" | cut -f1) KiB) in $((SECONDS - start)) s"
fi

# Each plugin archive unpacks into one directory named after the connector
# (debezium-connector-postgres/*.jar): a plugin.path entry as Connect wants.
# Only the missing ones are fetched, each moved into DBZ once unpacked: a
# worker already running with this plugin.path keeps its files.
if [ "$debezium" -eq 1 ] && { [ "$force" -eq 1 ] || ! dbz_ok; }; then
    want=$(dbz_missing)
    [ "$force" -eq 0 ] || want=$DEBEZIUM_PLUGINS
    log "downloading the Debezium $DEBEZIUM_VERSION plugins ${want//$'\n'/ } into $DBZ"
    mkdir -p "$tmp/dbz-tgz" "$tmp/dbz" "$DBZ"
    for p in $want; do
        if ! (cd "$tmp" && mvn -B -q dependency:copy -Dartifact="io.debezium:$p:$DEBEZIUM_VERSION:tar.gz:plugin" \
                -DoutputDirectory="$tmp/dbz-tgz") >"$tmp/mvn-$p.log" 2>&1; then
            tail -n 40 "$tmp/mvn-$p.log" >&2
            die "mvn dependency:copy of io.debezium:$p:$DEBEZIUM_VERSION:tar.gz:plugin failed"
        fi
        tar -xzf "$tmp/dbz-tgz/$p-$DEBEZIUM_VERSION-plugin.tar.gz" -C "$tmp/dbz" ||
            die "cannot unpack $p-$DEBEZIUM_VERSION-plugin.tar.gz"
        [ -f "$tmp/dbz/$p/$p-$DEBEZIUM_VERSION.jar" ] || die "$p's archive has no $p/$p-$DEBEZIUM_VERSION.jar"
        rm -rf "$DBZ/$p"
        mv "$tmp/dbz/$p" "$DBZ/$p"
    done
    log "Debezium: ${want//$'\n'/ } ($(du -sk "$tmp/dbz-tgz" | cut -f1) KiB downloaded, $(du -sk "$DBZ" | cut -f1) KiB unpacked) in $((SECONDS - start)) s"
fi

# The application archive holds the runner jar beside its lib/ (the jar's
# manifest names lib/*): unpacked as it is, run in place.
if [ "$registry" -eq 1 ] && { [ "$force" -eq 1 ] || ! reg_ok; }; then
    a="io.apicurio:apicurio-registry-app:$APICURIO_VERSION:tar.gz:all"
    log "downloading Apicurio Registry $APICURIO_VERSION into $REG"
    mkdir -p "$tmp/reg-tgz" "$tmp/reg"
    # dependency:copy, not dependency:get: get resolves the artifact's
    # parent pom, which Maven Central does not serve for this release.
    if ! (cd "$tmp" && mvn -B -q dependency:copy -Dartifact="$a" \
            -DoutputDirectory="$tmp/reg-tgz") >"$tmp/mvn-registry.log" 2>&1; then
        tail -n 40 "$tmp/mvn-registry.log" >&2
        die "mvn dependency:copy of $a failed"
    fi
    tar -xzf "$tmp/reg-tgz/apicurio-registry-app-$APICURIO_VERSION-all.tar.gz" -C "$tmp/reg" ||
        die "cannot unpack apicurio-registry-app-$APICURIO_VERSION-all.tar.gz"
    [ -f "$tmp/reg/${REG_JAR##*/}" ] || die "the archive has no ${REG_JAR##*/}"
    # the converters as a plugin: what the worker itself has (the Connect
    # API, the Kafka client, slf4j) stays out, so that one copy is loaded
    mvn_copy "$CONVERTER_POM" "$tmp/reg/plugins/apicurio-converter"
    rm -f "$tmp/reg/plugins/apicurio-converter"/{connect-api,connect-json,kafka-clients,slf4j-api}-*.jar
    reg_stamp >"$tmp/reg/.complete"
    rm -rf "$REG"
    mv "$tmp/reg" "$REG"
    log "Apicurio Registry: $(du -sk "$REG" | cut -f1) KiB unpacked in $((SECONDS - start)) s"
fi
result
