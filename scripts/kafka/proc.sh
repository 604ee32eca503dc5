# SPDX-License-Identifier: Apache-2.0
# What scripts/kafka/broker.sh and connect.sh share, sourced by them: their
# directory argument, and the JVMs they start in the background, find again
# by a pid file, stop and clean up after; and their messages. The sourcing
# script sets PROG (its name).

die() { echo "$PROG: error: $*" >&2; exit 1; }
log() { echo "$PROG: $*" >&2; }

# set_dir PATH [create]: DIR = PATH made absolute (created first with
# 'create').
set_dir() {
    [ -n "${1:-}" ] || die "missing DIR (see --help)"
    [ "${2:-}" != create ] || mkdir -p "$1" 2>/dev/null || true
    [ -d "$1" ] || die "not a directory: $1"
    DIR=$(cd "$1" && pwd -P)
}

# proc_state PID: its state letter from /proc (R, S, T, Z, ...), X if gone.
proc_state() { awk '{print $3}' "/proc/$1/stat" 2>/dev/null || echo X; }

# pid_in FILE MARK: prints the pid FILE holds if that process is alive
# (running or paused). Guards against pid reuse: its command line must
# contain MARK (e.g. the path of its configuration file).
pid_in() {
    local pid
    [ -f "$1" ] || return 1
    pid=$(cat "$1")
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    { tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null | grep -qF "$2" || return 1
    [ "$(proc_state "$pid")" != Z ] || return 1
    echo "$pid"
}

# launch_bg PIDFILE LOG CMD...: starts CMD in its own session in the
# background, its output appended to LOG, and waits until PIDFILE holds its
# pid: the inner shell writes its own pid, then becomes CMD (exec).
launch_bg() {
    local pidfile=$1 out=$2 i
    shift 2
    rm -f "$pidfile"
    setsid bash -c 'echo $$ >"$1"; shift; exec "$@"' _ "$pidfile" "$@" </dev/null >>"$out" 2>&1 &
    for i in $(seq 1 50); do [ -s "$pidfile" ] && return 0; sleep 0.1; done
    die "no pid file $pidfile after launching $1"
}

# SIGCONT+SIGTERM to pids "${@:2}", wait up to $1 s for them to exit, then SIGKILL.
stop_pids() {
    local wait_s=$1; shift
    local pid deadline=$((SECONDS + wait_s)) alive
    for pid in "$@"; do kill -CONT "$pid" 2>/dev/null || true; kill -TERM "$pid" 2>/dev/null || true; done
    while :; do
        alive=()
        for pid in "$@"; do
            if kill -0 "$pid" 2>/dev/null && [ "$(proc_state "$pid")" != Z ]; then alive+=("$pid"); fi
        done
        [ ${#alive[@]} -eq 0 ] && return 0
        if [ $SECONDS -ge $deadline ]; then
            log "SIGKILL after ${wait_s} s: pid(s) ${alive[*]}"
            kill -KILL "${alive[@]}" 2>/dev/null || true
            sleep 0.5
            return 0
        fi
        sleep 0.2
    done
}

# clean_dir MARK: deletes DIR, but only a directory the calling script made
# (it holds the file MARK) or an empty one.
clean_dir() {
    if [ -f "$DIR/$1" ] || [ -z "$(ls -A "$DIR")" ]; then
        rm -rf -- "$DIR"
    else
        die "--clean: $DIR does not look like a $PROG directory; not deleting it"
    fi
}
