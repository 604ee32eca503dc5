#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Start and stop Apicurio Registry (in memory) on a free loopback port, the
# Schema Registry of the Avro and JSON Schema tests (docs/schemas.md 7).
# Everything lives under one directory.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PROG=${0##*/}

usage() {
    cat <<USAGE
Usage:
  $PROG start  DIR
  $PROG stop   DIR [--clean]
  $PROG status DIR
  $PROG --help

start   starts Apicurio Registry (fetch.sh --registry downloads it on first
        use) in the background with its in-memory storage, listening on a
        free port of 127.0.0.1, logging to DIR/registry.log, and waits (up
        to KFERRY_REGISTRY_TIMEOUT s, default 60) until its Confluent-
        compatible API answers. DIR/url then holds that API's base URL
        (http://127.0.0.1:PORT/apis/ccompat/v7), the value of
        schema.registry.url. Its default compatibility level is NONE.
stop    SIGTERM the registry, SIGKILL after 20 s. --clean then deletes DIR.
status  exit 0 if the registry runs and answers.

Environment:
  REGISTRY_HEAP            heap (-Xmx), default 256m
  KFERRY_REGISTRY_TIMEOUT  seconds to wait for start, default 60
  KFERRY_CACHE             download cache root (see fetch.sh)
  JAVA                     java binary, default: java on PATH
USAGE
}

source "$SCRIPT_DIR/proc.sh"

JAVA=${JAVA:-java}
REGISTRY_HEAP=${REGISTRY_HEAP:-256m}
TIMEOUT=${KFERRY_REGISTRY_TIMEOUT:-60}

# The registry's pid if it is alive (its command line names DIR).
registry_pid() { pid_in "$DIR/pid" "kferry.dir=$DIR"; }

answers() { curl -fsS --max-time 3 "$1/subjects" >/dev/null 2>&1; }

# A port nobody listens on now (the registry binds it a moment later; a
# race with another process is possible and then fails the start loudly).
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

cmd_start() {
    set_dir "${1:-}" create
    [ $# -le 1 ] || die "start: unknown argument '$2'"
    ! registry_pid >/dev/null || die "a registry is already running in $DIR (pid $(registry_pid))"
    command -v curl >/dev/null || die "curl is needed to probe the registry"
    local home port url pid t0=$SECONDS
    home=$("$SCRIPT_DIR/fetch.sh" --registry) || die "fetch.sh --registry failed"
    port=$(free_port)
    url="http://127.0.0.1:$port/apis/ccompat/v7"
    echo "==== $(date '+%F %T') starting the registry on port $port ====" >>"$DIR/registry.log"
    rm -f "$DIR/url"
    # The jar is run from its own directory: its manifest names lib/*.
    (cd "$home" && launch_bg "$DIR/pid" "$DIR/registry.log" "$JAVA" -Xmx"$REGISTRY_HEAP" \
        -XX:TieredStopAtLevel=1 -Dkferry.dir="$DIR" -Dquarkus.http.host=127.0.0.1 \
        -Dquarkus.http.port="$port" -jar "$home"/apicurio-registry-app-*-runner.jar)
    pid=$(cat "$DIR/pid")
    local deadline=$((SECONDS + TIMEOUT))
    until answers "$url"; do
        if ! registry_pid >/dev/null; then
            tail -n 30 "$DIR/registry.log" >&2
            die "the registry (pid $pid) exited during start (see $DIR/registry.log)"
        fi
        if [ $SECONDS -ge $deadline ]; then
            tail -n 30 "$DIR/registry.log" >&2
            stop_pids 20 "$pid"
            die "the registry does not answer at $url after $TIMEOUT s"
        fi
        sleep 0.3
    done
    echo "$url" >"$DIR/url"
    log "registry up in $((SECONDS - t0)) s: pid $pid, $url"
}

cmd_stop() {
    set_dir "${1:-}"; shift || true
    local clean=0 pid
    while [ $# -gt 0 ]; do
        case "$1" in --clean) clean=1 ;; *) die "stop: unknown argument '$1'" ;; esac
        shift
    done
    if pid=$(registry_pid); then
        stop_pids 20 "$pid"
        rm -f "$DIR/pid"
        log "stopped the registry (pid $pid) in $DIR"
    fi
    [ $clean -eq 0 ] || clean_dir registry.log
}

cmd_status() {
    set_dir "${1:-}"
    registry_pid >/dev/null || { echo "registry: stopped"; return 1; }
    answers "$(cat "$DIR/url" 2>/dev/null)" || { echo "registry: running, not answering"; return 1; }
    echo "registry: running, $(cat "$DIR/url")"
}

[ $# -ge 1 ] || { usage >&2; exit 2; }
cmd=$1; shift
case "$cmd" in
    -h|--help|help) usage ;;
    start) cmd_start "$@" ;;
    stop) cmd_stop "$@" ;;
    status) cmd_status "$@" ;;
    *) usage >&2; die "unknown command '$cmd'" ;;
esac
