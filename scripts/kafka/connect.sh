#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Start and stop a Kafka Connect standalone worker (3.9.1) with one
# connector, against a running broker, for the interoperability tests.
# Everything lives under one directory.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PROG=${0##*/}

usage() {
    cat <<USAGE
Usage:
  $PROG start  DIR --bootstrap HOST:PORT --connector FILE [--prop KEY=VALUE]...
  $PROG stop   DIR [--clean]
  $PROG status DIR
  $PROG --help

start   writes DIR/worker.properties and DIR/log4j.properties, starts
        org.apache.kafka.connect.cli.ConnectStandalone in the background with
        the connector properties FILE (its 'name' is the connector's name),
        logging to DIR/connect.log, and waits (up to KFERRY_CONNECT_TIMEOUT s,
        default 90) until the connector and every one of its tasks are
        RUNNING; fails with the worker's error otherwise (the worker is then
        stopped). The REST API listens on a free loopback port that the worker
        picks itself (DIR/url holds http://127.0.0.1:PORT).
        Worker defaults: JsonConverter with schemas.enable=true for keys and
        values, plugin.discovery=service_load (no plugin scan: the plugins
        are on the class path), offsets in DIR/connect.offsets flushed every
        second. --prop adds or overrides a worker property.
        Plugins outside the class path (the Debezium connectors):
        --prop plugin.path=\$(fetch.sh --debezium), one directory per
        plugin. service_load discovery finds them there: Debezium 3.2's
        connector jars carry the META-INF/services manifests (SourceConnector,
        SinkConnector, Transformation), so no scan (hybrid_warn) is needed.
stop    SIGTERM the worker, SIGKILL after 30 s. --clean then deletes DIR.
status  prints the connector's and its tasks' states (and a failed task's
        trace); exit 0 only if they are all RUNNING.

The class path is the broker's jars plus Kafka Connect's (fetch.sh --connect,
which downloads them on first use).

Environment:
  CONNECT_HEAP            worker heap (-Xmx), default 512m
  CONNECT_JVM_OPTS        extra JVM options (the worker runs with
                          -Duser.timezone=UTC, so that a java.util.Date
                          prints the same everywhere)
  KFERRY_CONNECT_TIMEOUT  seconds to wait for start, default 90
  KFERRY_CACHE            jar cache root (see fetch.sh)
  JAVA                    java binary, default: java on PATH

Example:
  $PROG start "\$dir" --bootstrap "\$(cat "\$bdir/bootstrap")" --connector sink.properties
  ...; $PROG stop "\$dir" --clean
USAGE
}

source "$SCRIPT_DIR/proc.sh"

JAVA=${JAVA:-java}
CONNECT_HEAP=${CONNECT_HEAP:-512m}
TIMEOUT=${KFERRY_CONNECT_TIMEOUT:-90}

# Prints the worker's pid if it is alive.
worker_pid() { pid_in "$DIR/pid" "$DIR/worker.properties"; }

log_tail() {
    echo "---- errors and last lines of $DIR/connect.log ----" >&2
    grep -E ' (ERROR|FATAL) ' "$DIR/connect.log" 2>/dev/null | head -n 10 >&2 || true
    tail -n 20 "$DIR/connect.log" >&2 2>/dev/null || echo "(no log)" >&2
    echo "----" >&2
}

# status_of JSON: "connector STATE" then "task ID STATE" per task, then the
# first failed task's trace; exit 0 only if the connector and at least one
# task are RUNNING and no task is in another state.
status_of() {
    python3 -c '
import json, sys
s = json.loads(sys.argv[1])
ok = s["connector"]["state"] == "RUNNING" and len(s["tasks"]) > 0
print("connector", s["connector"]["state"])
trace = None
for t in s["tasks"]:
    print("task", t["id"], t["state"])
    if t["state"] != "RUNNING":
        ok = False
        trace = trace or t.get("trace")
if trace:
    print(trace)
sys.exit(0 if ok else 1)
' "$1"
}

# The connector's status from the REST API, or nothing if it does not answer
# (yet).
rest_status() {
    curl -fsS --max-time 5 "$(cat "$DIR/url")/connectors/$(cat "$DIR/name")/status" 2>/dev/null || true
}

stop_worker() {
    stop_pids 30 "$1"
    rm -f "$DIR/pid"
}

cmd_start() {
    set_dir "${1:-}" create; shift || true
    local bs="" connector="" props=() lib conn name
    while [ $# -gt 0 ]; do
        case "$1" in
            --bootstrap) [ $# -ge 2 ] || die "--bootstrap needs HOST:PORT"; bs=$2; shift ;;
            --connector) [ $# -ge 2 ] || die "--connector needs a file"; connector=$2; shift ;;
            --prop) [ $# -ge 2 ] && [[ "$2" == *=* ]] || die "--prop needs KEY=VALUE"; props+=("$2"); shift ;;
            *) die "start: unknown argument '$1'" ;;
        esac
        shift
    done
    [ -n "$bs" ] || die "start: --bootstrap is required"
    [ -f "$connector" ] || die "start: --connector '$connector' is not a file"
    name=$(sed -n 's/^[[:space:]]*name[[:space:]]*[=:][[:space:]]*//p' "$connector" | tail -n 1)
    [ -n "$name" ] || die "start: $connector has no 'name=' line"
    ! worker_pid >/dev/null || die "a worker is already running in $DIR (pid $(worker_pid))"
    command -v curl >/dev/null || die "curl is needed to read the worker's REST API"
    command -v python3 >/dev/null || die "python3 is needed to read the worker's REST API"

    local t0=$SECONDS
    conn=$("$SCRIPT_DIR/fetch.sh" --connect) || die "fetch.sh --connect failed"
    lib=$(dirname "$conn")/lib
    [ -d "$lib" ] || die "no broker jars in $lib"

    cp "$connector" "$DIR/connector.properties"
    echo "$name" >"$DIR/name"
    {
        cat <<PROPS
# Generated by scripts/kafka/connect.sh
bootstrap.servers=$bs
key.converter=org.apache.kafka.connect.json.JsonConverter
key.converter.schemas.enable=true
value.converter=org.apache.kafka.connect.json.JsonConverter
value.converter.schemas.enable=true
offset.storage.file.filename=$DIR/connect.offsets
offset.flush.interval.ms=1000
# Port 0: the worker binds a free port and logs it ("REST server listening at").
listeners=http://127.0.0.1:0
plugin.discovery=service_load
PROPS
        if [ ${#props[@]} -gt 0 ]; then
            echo "# --prop"
            printf '%s\n' "${props[@]}"
        fi
    } >"$DIR/worker.properties"
    cat >"$DIR/log4j.properties" <<'L4J'
log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.org.apache.kafka.clients=WARN
log4j.logger.org.reflections=ERROR
L4J

    local -a opts=(-Xmx"$CONNECT_HEAP" -XX:TieredStopAtLevel=1 -Djava.awt.headless=true
        -Duser.timezone=UTC -Dlog4j.configuration="file:$DIR/log4j.properties")
    # shellcheck disable=SC2206
    [ -z "${CONNECT_JVM_OPTS:-}" ] || opts+=($CONNECT_JVM_OPTS)
    echo "==== $(date '+%F %T') starting the worker ====" >>"$DIR/connect.log"
    local from; from=$(stat -c %s "$DIR/connect.log")
    rm -f "$DIR/url"
    launch_bg "$DIR/pid" "$DIR/connect.log" "$JAVA" "${opts[@]}" -cp "$lib/*:$conn/*" \
        org.apache.kafka.connect.cli.ConnectStandalone "$DIR/worker.properties" "$DIR/connector.properties"
    local pid st url
    pid=$(cat "$DIR/pid")

    local deadline=$((SECONDS + TIMEOUT))
    while :; do
        worker_pid >/dev/null || { log_tail; die "the worker (pid $pid) exited during start"; }
        if [ ! -s "$DIR/url" ]; then
            url=$(tail -c +"$((from + 1))" "$DIR/connect.log" |
                sed -n 's|.*REST server listening at \(http://127\.0\.0\.1:[0-9]*\)/.*|\1|p' | head -n 1)
            [ -z "$url" ] || echo "$url" >"$DIR/url"
        fi
        if [ -s "$DIR/url" ]; then
            st=$(rest_status)
            if [ -n "$st" ]; then
                if status_of "$st" >"$DIR/status" 2>&1; then break; fi
                if grep -qE '^(connector|task [0-9]+) FAILED' "$DIR/status"; then
                    cat "$DIR/status" >&2
                    stop_worker "$pid"
                    die "connector $name failed (see $DIR/connect.log)"
                fi
            fi
        fi
        if [ $SECONDS -ge $deadline ]; then
            log_tail
            stop_worker "$pid"
            die "connector $name not RUNNING after $TIMEOUT s"
        fi
        sleep 0.5
    done
    log "connector $name RUNNING in $((SECONDS - t0)) s: worker pid $pid, REST $(cat "$DIR/url")"
}

cmd_stop() {
    set_dir "${1:-}"; shift || true
    local clean=0 pid
    while [ $# -gt 0 ]; do
        case "$1" in --clean) clean=1 ;; *) die "stop: unknown argument '$1'" ;; esac
        shift
    done
    if pid=$(worker_pid); then
        stop_worker "$pid"
        log "stopped the worker (pid $pid) in $DIR"
    fi
    if [ $clean -eq 1 ]; then
        clean_dir worker.properties
    fi
}

cmd_status() {
    set_dir "${1:-}"
    [ -f "$DIR/worker.properties" ] || die "no worker in $DIR"
    worker_pid >/dev/null || { echo "worker: stopped"; return 1; }
    local st; st=$(rest_status)
    [ -n "$st" ] || { echo "worker: running, REST API not answering"; return 1; }
    status_of "$st"
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
