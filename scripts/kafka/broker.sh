#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Start, stop and disturb a local Apache Kafka (KRaft) cluster of 1 or 3 nodes
# for tests and benchmarks. Everything lives under one directory.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PROG=${0##*/}

usage() {
    cat <<USAGE
Usage:
  $PROG start   DIR [--nodes 1|3] [--prop KEY=VALUE]... [--add-scram SPEC]...
                [--listener NAME=PROTOCOL[@HOST]]...
  $PROG stop    DIR [--clean]
  $PROG status  DIR
  $PROG kill    DIR NODE        SIGKILL one node
  $PROG restart DIR NODE        stop (if running) and start one node, wait until it serves
  $PROG pause   DIR NODE        SIGSTOP one node
  $PROG resume  DIR NODE        SIGCONT one node
  $PROG topic   DIR create NAME [--partitions N] [--config KEY=VALUE]...
  $PROG topic   DIR delete NAME | list | describe [NAME]
  $PROG perf    DIR ARGS...     org.apache.kafka.tools.ProducerPerformance ARGS
  $PROG consumer-perf DIR ARGS...  org.apache.kafka.tools.ConsumerPerformance ARGS
  $PROG console-consumer DIR ARGS...  kafka-console-consumer ARGS (to read a
                                topic, e.g. --topic T --from-beginning
                                --property print.headers=true)
  $PROG offsets DIR TOPIC GROUP  one line per partition of TOPIC:
                                PARTITION END-OFFSET COMMITTED-OFFSET
                                (GROUP's; - if it committed none)
  $PROG --help

start   writes DIR/node<N>/{server.properties,broker.log,pid,data}, formats the
        storage (once), starts the nodes in the background and waits (up to
        KFERRY_BROKER_TIMEOUT s, default 90) until every broker serves clients.
        Then writes DIR/bootstrap (127.0.0.1:PORT[,...]) and DIR/client.properties.
        --prop adds/overrides a server property on every node; --add-scram is
        passed to StorageTool format (e.g. 'SCRAM-SHA-256=[name=u,password=p]').
        --listener adds a client listener NAME (SSL, SASL_SSL, ...) with the
        given security protocol on a free port of HOST (default 127.0.0.1),
        advertised as HOST; its ssl.*/sasl.* settings come from --prop
        (listener.name.<name>.*). Its addresses go to DIR/bootstrap.NAME;
        PLAINTEXT stays the inter-broker listener and DIR/bootstrap.
        Starting a DIR whose cluster is stopped restarts it with its old ports.
stop    SIGTERM every node, SIGKILL after 30 s. --clean then deletes DIR.
status  one line per node; exit 0 only if every node is running.
topic create uses replication factor = node count (and min.insync.replicas=2
        with 3 nodes); default partitions: 4.
perf / consumer-perf / console-consumer add the cluster's bootstrap servers
        (and, for perf, max.request.size=16777216) unless ARGS set them.

Environment:
  KAFKA_HEAP            broker heap (-Xms/-Xmx), default 512m
  KAFKA_JVM_OPTS        extra JVM options for the brokers
  KFERRY_BROKER_TIMEOUT seconds to wait for start/restart, default 90
  KFERRY_CACHE          jar cache root (see fetch.sh)
  JAVA                  java binary, default: java on PATH

Example:
  dir=\$(mktemp -d); $PROG start "\$dir"; bs=\$(cat "\$dir/bootstrap")
  ...; $PROG stop "\$dir" --clean
USAGE
}

source "$SCRIPT_DIR/proc.sh"

JAVA=${JAVA:-java}
KAFKA_HEAP=${KAFKA_HEAP:-512m}
TIMEOUT=${KFERRY_BROKER_TIMEOUT:-90}

# --- helpers -----------------------------------------------------------------

lib_dir() {
    LIB=$("$SCRIPT_DIR/fetch.sh") || die "fetch.sh failed"
    [ -d "$LIB" ] || die "fetch.sh printed '$LIB', which is not a directory"
}

# Runs a Kafka command-line tool quietly (WARN and above to stderr).
# TOOL_TIMEOUT (seconds) bounds its run time when set.
tool() {
    local t=()
    [ -z "${TOOL_TIMEOUT:-}" ] || t=(timeout "$TOOL_TIMEOUT")
    "${t[@]+"${t[@]}"}" "$JAVA" -Xmx256m -XX:TieredStopAtLevel=1 -Djava.awt.headless=true \
        -Dlog4j.configuration="file:$DIR/tools-log4j.properties" \
        -cp "$LIB/*" "$@"
}

need_cluster() {
    [ -f "$DIR/nodes" ] || die "no cluster in $DIR (run '$PROG start $DIR' first)"
    NODES=$(cat "$DIR/nodes")
}

check_node() {
    [[ "$1" =~ ^[0-9]+$ ]] && [ "$1" -ge 1 ] && [ "$1" -le "$NODES" ] ||
        die "node must be 1..$NODES, got '${1:-}'"
}

# Prints the pid of node $1 if its broker process is alive (running or paused).
node_pid() { pid_in "$DIR/node$1/pid" "$DIR/node$1/server.properties"; }

# Picks $1 free TCP ports on 127.0.0.1.
free_ports() {
    local count=$1
    if command -v python3 >/dev/null 2>&1; then
        python3 - "$count" <<'PY'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
PY
    else
        local ports=() p tries=0
        while [ ${#ports[@]} -lt "$count" ]; do
            tries=$((tries + 1)); [ $tries -lt 1000 ] || die "could not find free ports"
            p=$((20000 + RANDOM % 40000))
            [[ " ${ports[*]} " == *" $p "* ]] && continue
            if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then ports+=("$p"); fi
        done
        echo "${ports[*]}"
    fi
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

log_tail() {
    local n=$1
    echo "---- last lines of $DIR/node$n/broker.log ----" >&2
    tail -n 30 "$DIR/node$n/broker.log" >&2 2>/dev/null || echo "(no log)" >&2
    echo "----" >&2
}

write_configs() {
    local n voters="" i min_isr=1
    [ "$NODES" -eq 3 ] && min_isr=2
    for i in $(seq 1 "$NODES"); do
        voters+="${voters:+,}$i@127.0.0.1:$(cat "$DIR/node$i/cport")"
    done
    for n in $(seq 1 "$NODES"); do
        local port cport name proto host lport extra="" map=""
        port=$(cat "$DIR/node$n/port"); cport=$(cat "$DIR/node$n/cport")
        mkdir -p "$DIR/node$n/data"
        # Extra listeners: "NAME=PROTOCOL[@HOST] PORT" per line.
        while read -r name lport; do
            [ -n "$name" ] || continue
            proto=${name#*=}; name=${name%%=*}; host=127.0.0.1
            [[ "$proto" != *@* ]] || { host=${proto#*@}; proto=${proto%%@*}; }
            extra+=",$name://$host:$lport"; map+=",$name:$proto"
        done < <(cat "$DIR/node$n/listeners" 2>/dev/null)
        {
            cat <<PROPS
# Generated by scripts/kafka/broker.sh
process.roles=broker,controller
node.id=$n
controller.quorum.voters=$voters
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport$extra
advertised.listeners=PLAINTEXT://127.0.0.1:$port$extra
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT$map
log.dirs=$DIR/node$n/data

offsets.topic.replication.factor=$NODES
transaction.state.log.replication.factor=$NODES
transaction.state.log.min.isr=$min_isr
default.replication.factor=$NODES
min.insync.replicas=$min_isr
group.initial.rebalance.delay.ms=0
num.partitions=4
auto.create.topics.enable=true

message.max.bytes=16777216
replica.fetch.max.bytes=16777216

log.retention.ms=-1
log.retention.bytes=-1
log.segment.bytes=268435456
PROPS
            if [ ${#PROPS[@]} -gt 0 ]; then
                echo; echo "# --prop"
                printf '%s\n' "${PROPS[@]}"
            fi
        } >"$DIR/node$n/server.properties"
        cat >"$DIR/node$n/log4j.properties" <<'L4J'
log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.org.apache.kafka.clients=WARN
L4J
    done
    cat >"$DIR/tools-log4j.properties" <<'L4J'
log4j.rootLogger=WARN, stderr
log4j.appender.stderr=org.apache.log4j.ConsoleAppender
log4j.appender.stderr.Target=System.err
log4j.appender.stderr.layout=org.apache.log4j.PatternLayout
log4j.appender.stderr.layout.ConversionPattern=[%d] %p %m (%c)%n
L4J
}

# Starts node $1's JVM in its own session, in the background.
launch_node() {
    local n=$1 d="$DIR/node$1"
    local -a opts=(-Xms"$KAFKA_HEAP" -Xmx"$KAFKA_HEAP" -XX:+UseG1GC -XX:MaxGCPauseMillis=20
        -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent
        -Djava.awt.headless=true -Dlog4j.configuration="file:$d/log4j.properties")
    # shellcheck disable=SC2206
    [ -z "${KAFKA_JVM_OPTS:-}" ] || opts+=($KAFKA_JVM_OPTS)
    echo "==== $(date '+%F %T') starting node $n ====" >>"$d/broker.log"
    launch_bg "$d/pid" "$d/broker.log" "$JAVA" "${opts[@]}" -cp "$LIB/*" kafka.Kafka "$d/server.properties"
    START_OFFSET[$n]=$(stat -c %s "$d/broker.log")
}

# Waits until nodes "$@" log that they started and answer clients.
wait_nodes() {
    local deadline=$((SECONDS + TIMEOUT)) n pending=("$@") still
    while [ ${#pending[@]} -gt 0 ]; do
        still=()
        for n in "${pending[@]}"; do
            if ! node_pid "$n" >/dev/null; then
                log_tail "$n"; die "node $n exited during start-up (log: $DIR/node$n/broker.log)"
            fi
            # KafkaRaftServer logs this after the broker is unfenced.
            if tail -c +"$((START_OFFSET[$n] + 1))" "$DIR/node$n/broker.log" |
                grep -q 'Kafka Server started'; then :; else still+=("$n"); fi
        done
        pending=("${still[@]+"${still[@]}"}")
        [ ${#pending[@]} -eq 0 ] && break
        if [ $SECONDS -ge $deadline ]; then
            for n in "${pending[@]}"; do log_tail "$n"; done
            die "node(s) ${pending[*]} not up after ${TIMEOUT} s (logs under $DIR)"
        fi
        sleep 0.2
    done
    # Then ask the nodes over the client protocol (one JVM) for the brokers
    # they know; every waited-for node id must be listed.
    local bs="" out missing
    for n in "$@"; do bs+="${bs:+,}127.0.0.1:$(cat "$DIR/node$n/port")"; done
    while :; do
        missing=()
        out=$(TOOL_TIMEOUT=30 tool kafka.admin.BrokerApiVersionsCommand --bootstrap-server "$bs" 2>&1) || true
        for n in "$@"; do grep -q "(id: $n rack" <<<"$out" || missing+=("$n"); done
        [ ${#missing[@]} -eq 0 ] && break
        if [ $SECONDS -ge $deadline ]; then
            echo "$out" | tail -n 10 >&2
            for n in "${missing[@]}"; do log_tail "$n"; done
            die "node(s) ${missing[*]} do not answer clients on $bs after ${TIMEOUT} s"
        fi
        sleep 0.5
    done
}

write_client_files() {
    local bs="" n
    for n in $(seq 1 "$NODES"); do bs+="${bs:+,}127.0.0.1:$(cat "$DIR/node$n/port")"; done
    echo "$bs" >"$DIR/bootstrap.tmp" && mv "$DIR/bootstrap.tmp" "$DIR/bootstrap"
    local spec lport name host
    declare -A lbs=()
    for n in $(seq 1 "$NODES"); do
        while read -r spec lport; do
            [ -n "$spec" ] || continue
            name=${spec%%=*}; host=127.0.0.1
            [[ "$spec" != *@* ]] || host=${spec#*@}
            lbs[$name]+="${lbs[$name]:+,}$host:$lport"
        done < <(cat "$DIR/node$n/listeners" 2>/dev/null)
    done
    for name in "${!lbs[@]}"; do echo "${lbs[$name]}" >"$DIR/bootstrap.$name"; done
    cat >"$DIR/client.properties" <<PROPS
bootstrap.servers=$bs
max.request.size=16777216
PROPS
}

bootstrap() { cat "$DIR/bootstrap" 2>/dev/null || die "no $DIR/bootstrap (is the cluster started?)"; }

# --- commands ----------------------------------------------------------------

cmd_start() {
    set_dir "${1:-}" create; shift || true
    local nodes=1 n
    PROPS=(); LISTENERS=(); local scram=()
    while [ $# -gt 0 ]; do
        case "$1" in
            --nodes) [ $# -ge 2 ] || die "--nodes needs a value"; nodes=$2; shift ;;
            --nodes=*) nodes=${1#*=} ;;
            --prop) [ $# -ge 2 ] && [[ "$2" == *=* ]] || die "--prop needs KEY=VALUE"; PROPS+=("$2"); shift ;;
            --add-scram) [ $# -ge 2 ] || die "--add-scram needs a value"; scram+=(--add-scram "$2"); shift ;;
            --listener)
                [ $# -ge 2 ] && [[ "$2" =~ ^[A-Z_]+=[A-Z_]+(@[A-Za-z0-9.-]+)?$ ]] ||
                    die "--listener needs NAME=PROTOCOL[@HOST], e.g. SSL=SSL@localhost"
                LISTENERS+=("$2"); shift ;;
            *) die "start: unknown argument '$1'" ;;
        esac
        shift
    done
    [ "$nodes" = 1 ] || [ "$nodes" = 3 ] || die "--nodes must be 1 or 3, got '$nodes'"

    local t0=$SECONDS
    lib_dir
    if [ -f "$DIR/nodes" ] && [ ! -f "$DIR/formatted" ]; then
        # A previous start failed before formatting finished: begin afresh.
        for n in $(seq 1 "$(cat "$DIR/nodes")"); do rm -rf -- "${DIR:?}/node$n"; done
        rm -f "$DIR/nodes" "$DIR/cluster.id" "$DIR/tools-log4j.properties"
    fi
    if [ -f "$DIR/nodes" ]; then
        NODES=$(cat "$DIR/nodes")
        [ "$NODES" = "$nodes" ] || die "$DIR already holds a $NODES-node cluster"
        for n in $(seq 1 "$NODES"); do
            ! node_pid "$n" >/dev/null || die "node $n in $DIR is already running (pid $(node_pid "$n"))"
        done
        [ ${#PROPS[@]} -eq 0 ] || log "note: --prop ignored, restarting the existing cluster in $DIR"
        log "restarting existing $NODES-node cluster in $DIR"
    else
        [ -z "$(ls -A "$DIR")" ] || die "$DIR is not empty and holds no cluster"
        NODES=$nodes
        echo "$NODES" >"$DIR/nodes"
        local per=$((2 + ${#LISTENERS[@]})) ports l
        read -r -a ports <<<"$(free_ports $((NODES * per)))"
        for n in $(seq 1 "$NODES"); do
            mkdir -p "$DIR/node$n"
            echo "${ports[$(((n - 1) * per))]}" >"$DIR/node$n/port"
            echo "${ports[$(((n - 1) * per + 1))]}" >"$DIR/node$n/cport"
            for l in "${!LISTENERS[@]}"; do
                echo "${LISTENERS[$l]} ${ports[$(((n - 1) * per + 2 + l))]}" >>"$DIR/node$n/listeners"
            done
        done
        write_configs
        local cid
        cid=$(tool kafka.tools.StorageTool random-uuid) || die "StorageTool random-uuid failed"
        echo "$cid" >"$DIR/cluster.id"
        for n in $(seq 1 "$NODES"); do
            tool kafka.tools.StorageTool format -t "$cid" -c "$DIR/node$n/server.properties" \
                "${scram[@]+"${scram[@]}"}" >>"$DIR/node$n/format.log" 2>&1 ||
                { tail -n 30 "$DIR/node$n/format.log" >&2; die "StorageTool format failed for node $n (see $DIR/node$n/format.log)"; }
        done
        touch "$DIR/formatted"
    fi

    declare -g -A START_OFFSET=()
    for n in $(seq 1 "$NODES"); do launch_node "$n"; done
    local all; all=$(seq 1 "$NODES")
    # shellcheck disable=SC2086
    if ! (wait_nodes $all); then
        log "start failed; stopping the nodes that did start"
        local pids=() p
        for n in $all; do p=$(node_pid "$n") && pids+=("$p"); done
        [ ${#pids[@]} -eq 0 ] || stop_pids 10 "${pids[@]}"
        exit 1
    fi
    write_client_files
    log "$NODES-node cluster up in $((SECONDS - t0)) s: $(cat "$DIR/bootstrap")"
}

cmd_stop() {
    set_dir "${1:-}"; shift || true
    local clean=0 n p pids=()
    while [ $# -gt 0 ]; do
        case "$1" in --clean) clean=1 ;; *) die "stop: unknown argument '$1'" ;; esac
        shift
    done
    if [ -f "$DIR/nodes" ]; then
        NODES=$(cat "$DIR/nodes")
        for n in $(seq 1 "$NODES"); do p=$(node_pid "$n") && pids+=("$p"); done
        [ ${#pids[@]} -eq 0 ] || stop_pids 30 "${pids[@]}"
        for n in $(seq 1 "$NODES"); do rm -f "$DIR/node$n/pid"; done
        log "stopped ${#pids[@]} node(s) in $DIR"
    elif [ $clean -eq 0 ]; then
        die "no cluster in $DIR"
    fi
    if [ $clean -eq 1 ]; then
        clean_dir nodes
    fi
}

cmd_status() {
    set_dir "${1:-}"; need_cluster
    local n p st ok=0
    for n in $(seq 1 "$NODES"); do
        if p=$(node_pid "$n"); then
            st=running; [ "$(proc_state "$p")" = T ] && { st=paused; ok=1; }
            echo "node $n: $st pid $p port $(cat "$DIR/node$n/port")"
        else
            echo "node $n: stopped port $(cat "$DIR/node$n/port")"; ok=1
        fi
    done
    [ -f "$DIR/bootstrap" ] && echo "bootstrap: $(cat "$DIR/bootstrap")"
    return $ok
}

cmd_node() {
    local action=$1; shift
    set_dir "${1:-}"; need_cluster; check_node "${2:-}"
    local n=$2 p
    case "$action" in
        kill)
            p=$(node_pid "$n") || die "node $n is not running"
            kill -KILL "$p"; kill -CONT "$p" 2>/dev/null || true
            local i; for i in $(seq 1 50); do node_pid "$n" >/dev/null || break; sleep 0.1; done
            rm -f "$DIR/node$n/pid"
            log "node $n (pid $p) killed" ;;
        pause)
            p=$(node_pid "$n") || die "node $n is not running"
            kill -STOP "$p"; log "node $n (pid $p) paused" ;;
        resume)
            p=$(node_pid "$n") || die "node $n is not running"
            kill -CONT "$p"; log "node $n (pid $p) resumed" ;;
        restart)
            local t0=$SECONDS
            lib_dir
            if p=$(node_pid "$n"); then stop_pids 30 "$p"; fi
            declare -g -A START_OFFSET=()
            launch_node "$n"
            wait_nodes "$n"
            log "node $n restarted in $((SECONDS - t0)) s (pid $(cat "$DIR/node$n/pid"))" ;;
    esac
}

cmd_topic() {
    set_dir "${1:-}"; need_cluster; lib_dir
    local sub=${2:-}; shift 2 || die "topic: missing subcommand (create|delete|list|describe)"
    local bs; bs=$(bootstrap)
    case "$sub" in
        create)
            local name=${1:-} parts=4 cfg=()
            [ -n "$name" ] || die "topic create: missing NAME"; shift
            while [ $# -gt 0 ]; do
                case "$1" in
                    --partitions) [ $# -ge 2 ] || die "--partitions needs a value"; parts=$2; shift ;;
                    --config) [ $# -ge 2 ] || die "--config needs KEY=VALUE"; cfg+=(--config "$2"); shift ;;
                    *) die "topic create: unknown argument '$1'" ;;
                esac
                shift
            done
            [ "$NODES" -eq 3 ] && cfg=(--config min.insync.replicas=2 "${cfg[@]+"${cfg[@]}"}")
            tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$bs" --create \
                --topic "$name" --partitions "$parts" --replication-factor "$NODES" \
                "${cfg[@]+"${cfg[@]}"}" ;;
        delete)
            [ -n "${1:-}" ] || die "topic delete: missing NAME"
            tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$bs" --delete --topic "$1" ;;
        list)
            tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$bs" --list ;;
        describe)
            tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$bs" --describe ${1:+--topic "$1"} ;;
        *) die "topic: unknown subcommand '$sub' (create|delete|list|describe)" ;;
    esac
}

cmd_perf() {
    local kind=$1; shift
    set_dir "${1:-}"; need_cluster; lib_dir; shift
    local args=("$@") a
    if [ "$kind" = producer ]; then
        # Unless the caller gives a producer config, use the cluster's client
        # properties (bootstrap servers, 16 MiB max.request.size);
        # --producer-props still take precedence over it.
        [[ " ${args[*]-} " == *" --producer.config "* ]] || args+=(--producer.config "$DIR/client.properties")
        "$JAVA" -Xmx1g -Dlog4j.configuration="file:$DIR/tools-log4j.properties" -cp "$LIB/*" \
            org.apache.kafka.tools.ProducerPerformance "${args[@]}"
    else
        local have_bs=0 main=org.apache.kafka.tools.ConsumerPerformance
        [ "$kind" = consumer ] || main=org.apache.kafka.tools.consumer.ConsoleConsumer
        for a in "${args[@]+"${args[@]}"}"; do [ "$a" = --bootstrap-server ] && have_bs=1; done
        [ $have_bs -eq 1 ] || args+=(--bootstrap-server "$(bootstrap)")
        "$JAVA" -Xmx1g -Dlog4j.configuration="file:$DIR/tools-log4j.properties" -cp "$LIB/*" \
            "$main" "${args[@]}"
    fi
}

# The group's committed offsets against the topic's end offsets, e.g. to
# tell whether a consumer that exited left records unread. Both tools
# may print an error and still exit 0 (a coordinator not found in time on
# a busy machine): only output of the expected form is taken.
cmd_offsets() {
    set_dir "${1:-}"; need_cluster; lib_dir
    local topic=${2:-} group=${3:-} bs ends committed out
    [ -n "$topic" ] && [ -n "$group" ] || die "offsets needs DIR TOPIC GROUP (see --help)"
    bs=$(bootstrap)
    ends=$(tool org.apache.kafka.tools.GetOffsetShell --bootstrap-server "$bs" \
        --topic "$topic" --time -1 2>&1) ||
        die "GetOffsetShell failed for topic $topic: $(tail -n 3 <<<"$ends")"
    committed=$(tool org.apache.kafka.tools.consumer.group.ConsumerGroupCommand \
        --bootstrap-server "$bs" --describe --offsets --group "$group" --timeout 60000 2>&1) ||
        die "ConsumerGroupCommand --describe failed for group $group: $(tail -n 3 <<<"$committed")"
    grep -qE "^GROUP +TOPIC +PARTITION +CURRENT-OFFSET|^Error: Consumer group '.*' does not exist" \
        <<<"$committed" ||
        die "no offsets of group $group: $(grep -v '^[[:space:]]*at ' <<<"$committed" | head -n 3)"
    # GetOffsetShell prints TOPIC:PARTITION:OFFSET (no ':' in topic names)
    out=$(awk -v t="$topic" -v g="$group" '
        NR == FNR { if ($1 == g && $2 == t) c[$3] = $4; next }
        split($0, f, ":") == 3 && f[1] == t && f[2] f[3] ~ /^[0-9]+$/ {
            print f[2], f[3], (f[2] in c ? c[f[2]] : "-") }' \
        <(printf '%s\n' "$committed") <(printf '%s\n' "$ends") | sort -n)
    [ -n "$out" ] || die "no end offsets of topic $topic: $(head -n 3 <<<"$ends")"
    printf '%s\n' "$out"
}

# --- main --------------------------------------------------------------------

[ $# -ge 1 ] || { usage >&2; exit 2; }
cmd=$1; shift
case "$cmd" in
    -h|--help|help) usage ;;
    start) cmd_start "$@" ;;
    stop) cmd_stop "$@" ;;
    status) cmd_status "$@" ;;
    kill|restart|pause|resume) cmd_node "$cmd" "$@" ;;
    topic) cmd_topic "$@" ;;
    perf) cmd_perf producer "$@" ;;
    consumer-perf) cmd_perf consumer "$@" ;;
    console-consumer) cmd_perf console "$@" ;;
    offsets) cmd_offsets "$@" ;;
    *) usage >&2; die "unknown command '$cmd'" ;;
esac
