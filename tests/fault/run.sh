#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Fault-injection suite of kferry (docs/fault-tolerance.md).
#
#   tests/fault/run.sh [--build DIR] [--full] [--load[=SPEC]] [--keep] [SCENARIO...]
#
# Starts ONE three-node KRaft cluster (scripts/kafka/broker.sh, replication
# factor 3, min.insync.replicas 2) for the whole suite, then runs each
# tests/fault/f_*.sh (or the SCENARIOs named, with or without the f_ prefix
# and .sh suffix) in its own process, under `timeout`, with its own topic
# (6 partitions, RF 3, min.insync.replicas 2), consumer group and scratch
# directory. Scenarios kill, pause and restart brokers, receivers and
# senders, fill the destination and forge messages, and then count what
# DEST holds against the source tree.
#
# Prints "ok", "skip" or "FAIL" per scenario, then
#   fault suite: S scenarios, F files, B bytes, N faults injected, lost L, duplicated D, partial P, unread U
#   N passed, M failed
# and exits 1 if any scenario failed. The cluster is stopped and deleted
# on exit, whatever happens.
#
#   --full   the full matrix (more rounds, larger trees); the default is the
#            seeded CI subset
#   --keep   keep the scratch trees (logs of failed scenarios are kept anyway)
#   --load[=SPEC]  run every scenario with stress-ng loading the machine
#            beside it (SPEC, default cpu,io; see below)
#
# Load: SPEC is "none" or a comma-separated list of cpu[:N] (N CPU-bound
# workers, default one per core) and io[:N] (N workers writing, fsyncing
# and reading a 64 MiB file each in the scratch directory, the brokers'
# and DEST's disk, plus N calling sync(); default 1). stress-ng starts
# before the scenario and is stopped after it, whatever happens (its own
# --timeout bounds it if run.sh itself is killed). Without --full and
# without --load, a scenario with a "# kf-ci-load: SPEC" line runs under
# that load: so does the CI subset, and the replay of one of its scenarios.
#
# Environment:
#   KF_SEED          seed of every random choice (default: random; printed).
#                    KF_SEED=S tests/fault/run.sh f_name replays a scenario.
#   KF_TEST_TMP      where scratch directories go (default /tmp)
#   KF_TEST_TIMEOUT  seconds per scenario (default: its "# kf-timeout: N"
#                    line, times 4 with --full)
#   KF_SOAK_SECONDS  duration of the soak scenario (tests/fault/soak.sh)
#   KF_LOAD          as --load=SPEC (the option wins)
#   KF_FORGE         kf-forge binary (default: BUILD/kf-forge, built if missing)
set -uo pipefail

SUITE_SCRIPT=${BASH_SOURCE[0]}
FT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SUITE_TESTS=$FT_DIR
SUITE_PREFIXES="f_ s_"
SUITE_TAG=kf-fault
source "$FT_DIR/../integration/suite.sh"

# load_args SPEC: the stress-ng options for SPEC (see the header); dies
# on a bad SPEC or when stress-ng is missing.
load_args() {
	local item kind n args=()
	[ "$1" != none ] || return 0
	command -v stress-ng >/dev/null ||
		die "stress-ng not found (scripts/setup.sh installs it); set KF_LOAD=none to run without load"
	for item in ${1//,/ }; do
		kind=${item%%:*}
		n=${item#"$kind"}
		n=${n#:}
		[[ $n =~ ^([1-9][0-9]*)?$ ]] || die "bad load '$item' (cpu[:N], io[:N] or none)"
		case $kind in
		cpu) args+=(--cpu "${n:-$(nproc)}") ;;
		io) args+=(--hdd "${n:-1}" --hdd-bytes 64m --hdd-opts fsync --io "${n:-1}") ;;
		*) die "bad load '$item' (cpu[:N], io[:N] or none)" ;;
		esac
	done
	printf '%s\n' "${args[@]}"
}

# load_start SPEC SECONDS: stress-ng in the background for at most
# SECONDS; sets LOAD_PID (empty for "none").
LOAD_PID=
load_start() {
	local args
	load_args "$1" >/dev/null # dies here, in run.sh's shell
	mapfile -t args < <(load_args "$1")
	[ ${#args[@]} -gt 0 ] || return 0
	mkdir -p "$SUITE/load"
	stress-ng "${args[@]}" --temp-path "$SUITE/load" --timeout "$2" \
		>>"$SUITE/load.log" 2>&1 &
	LOAD_PID=$!
}

# load_stop: stops stress-ng and its workers, if it runs; returns the
# status it was called with.
load_stop() {
	local rc=$?
	if [ -n "$LOAD_PID" ]; then
		kill -TERM "$LOAD_PID" 2>/dev/null
		wait "$LOAD_PID" 2>/dev/null
		LOAD_PID=
	fi
	return $rc
}

FULL=0
LOAD=${KF_LOAD:-}
suite_option() {
	case $1 in
	--full) FULL=1 ;;
	--load) LOAD=cpu,io ;;
	--load=*) LOAD=${1#--load=} ;;
	*) return 1 ;;
	esac
}
suite_args "$@"
SEED=${KF_SEED:-$(((RANDOM << 15) | RANDOM))}
[[ $SEED =~ ^[0-9]+$ ]] || die "KF_SEED must be a number, got '$SEED'"
[ -z "$LOAD" ] || load_args "$LOAD" >/dev/null
suite_start
# the load goes first, then the brokers and the scratch directory
# (load_stop hands suite_cleanup the exit status it was called with)
trap 'load_stop; suite_cleanup' EXIT

mode="CI subset"
REPLAY_OPT=
[ $FULL -eq 0 ] || { mode="full matrix"; REPLAY_OPT=" --full"; }
[ -z "$LOAD" ] || { mode+=", load $LOAD"; REPLAY_OPT+=" --load=$LOAD"; }
echo "kferry fault suite ($mode): $KFERRY"
echo "seed: KF_SEED=$SEED (replay one scenario: KF_SEED=$SEED $0$REPLAY_OPT f_NAME)"
echo "scratch: $SUITE"
t0=$SECONDS
suite_brokers --nodes 3

# totals over the scenarios that reported figures
T_RUN=0 T_FILES=0 T_BYTES=0 T_FAULTS=0 T_LOST=0 T_DUPS=0 T_PARTIAL=0 T_UNREAD=0
for s in "${TESTS[@]}"; do
	# the scenario's own seed: the same for the same KF_SEED and name
	sseed=$(printf '%s:%s' "$SEED" "$s" | cksum | awk '{ print $1 % 1000000007 }')
	limit=$(suite_timeout "$s" 300)
	[ $FULL -eq 0 ] || limit=$((limit * 4))
	[ -z "${KF_SOAK_SECONDS:-}" ] || [[ $s != s_* ]] || limit=$((KF_SOAK_SECONDS + 900))
	load=$LOAD
	[ -n "$load" ] || [ $FULL = 1 ] ||
		load=$(sed -n 's/^# kf-ci-load: *\([^ ]*\).*/\1/p' "$FT_DIR/$s.sh" | head -n 1)
	[ "${load:-none}" = none ] || load_start "$load" $((${KF_TEST_TIMEOUT:-$limit} + 30))
	suite_run "$s" "$limit" 6 KF_SEED="$SEED" KF_SCENARIO_SEED="$sseed" \
		KF_FULL="$FULL" KF_FAULT_STATS="$SUITE/$s/stats"
	load_stop
	[ "${load:-none}" = none ] || echo "      under load: $load (stress-ng $(load_args "$load" | paste -sd ' '))"
	[ $RC = 77 ] || T_RUN=$((T_RUN + 1))
	if [ -s "$DIR/stats" ]; then
		read -r _ f _ b _ n _ l _ d _ p _ u <"$DIR/stats"
		T_FILES=$((T_FILES + f)) T_BYTES=$((T_BYTES + b)) T_FAULTS=$((T_FAULTS + n))
		T_LOST=$((T_LOST + l)) T_DUPS=$((T_DUPS + d)) T_PARTIAL=$((T_PARTIAL + p))
		T_UNREAD=$((T_UNREAD + u))
	fi
	[ $RC = 0 ] || [ $RC = 77 ] || echo "      replay: KF_SEED=$SEED $0$REPLAY_OPT $s"
	# a scenario may have left the cluster without a node: the next one
	# needs all three
	if ! "$BROKER_SH" status "$BROKER" >/dev/null 2>&1; then
		echo "run.sh: the cluster is not whole after $s:" >&2
		"$BROKER_SH" status "$BROKER" >&2 || true
		failed=$((failed + 1))
		FAILED_ANY=1
		break
	fi
done

gib=$(awk -v b="$T_BYTES" 'BEGIN { printf "%.2f GiB", b / 1073741824 }')
echo "fault suite: $T_RUN scenarios, $T_FILES files, $gib ($T_BYTES bytes)," \
	"$T_FAULTS faults injected, lost $T_LOST, duplicated $T_DUPS, partial $T_PARTIAL," \
	"unread $T_UNREAD;" \
	"$skipped skipped, $((SECONDS - t0)) s, seed $SEED"
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
