#!/usr/bin/env bash
# Fault-injection suite of kferry (docs/fault-tolerance.md).
#
#   tests/fault/run.sh [--build DIR] [--full] [--keep] [SCENARIO...]
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
#   fault suite: S scenarios, F files, B bytes, N faults injected, lost L, duplicated D, partial P
#   N passed, M failed
# and exits 1 if any scenario failed. The cluster is stopped and deleted
# on exit, whatever happens.
#
#   --full   the full matrix (more rounds, larger trees); the default is the
#            seeded CI subset
#   --keep   keep scratch directories and logs
#
# Environment:
#   KF_SEED          seed of every random choice (default: random; printed).
#                    KF_SEED=S tests/fault/run.sh f_name replays a scenario.
#   KF_TEST_TMP      where scratch directories go (default /tmp)
#   KF_TEST_TIMEOUT  seconds per scenario (default: its "# kf-timeout: N"
#                    line, times 4 with --full)
#   KF_SOAK_SECONDS  duration of the soak scenario (tests/fault/soak.sh)
#   KF_FORGE         kf-forge binary (default: BUILD/kf-forge, built if missing)
set -uo pipefail

FT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$FT_DIR/../.." && pwd)
BROKER_SH=$REPO/scripts/kafka/broker.sh

usage() {
	sed -n '2,/^set -uo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'
}

die() {
	echo "run.sh: $*" >&2
	exit 2
}

BUILD=$REPO/build
KEEP=0
FULL=0
SCENARIOS=()
while [ $# -gt 0 ]; do
	case $1 in
	--build)
		[ $# -ge 2 ] || die "--build needs a directory"
		BUILD=$2
		shift
		;;
	--build=*) BUILD=${1#*=} ;;
	--full) FULL=1 ;;
	--keep) KEEP=1 ;;
	-h | --help)
		usage
		exit 0
		;;
	-*) die "unknown option $1 (see --help)" ;;
	*) SCENARIOS+=("$1") ;;
	esac
	shift
done

BUILD=$(cd "$BUILD" 2>/dev/null && pwd) || die "no build directory $BUILD"
KFERRY=$BUILD/kferry
[ -x "$KFERRY" ] || die "$KFERRY not found: build it first (cmake --build $BUILD --target kferry)"
KF_FORGE=${KF_FORGE:-$BUILD/kf-forge}
if [ ! -x "$KF_FORGE" ]; then
	cmake --build "$BUILD" --target kf-forge >/dev/null 2>&1 || true
fi
[ -x "$KF_FORGE" ] || die "no kf-forge at $KF_FORGE (cmake --build $BUILD --target kf-forge)"

if [ ${#SCENARIOS[@]} -eq 0 ]; then
	for f in "$FT_DIR"/f_*.sh; do SCENARIOS+=("$(basename "$f" .sh)"); done
else
	for i in "${!SCENARIOS[@]}"; do
		s=${SCENARIOS[$i]%.sh}
		s=${s##*/}
		[ -f "$FT_DIR/$s.sh" ] || s=f_$s
		[ -f "$FT_DIR/$s.sh" ] || die "no scenario $FT_DIR/${SCENARIOS[$i]}"
		SCENARIOS[$i]=$s
	done
fi

SEED=${KF_SEED:-$(((RANDOM << 15) | RANDOM))}
[[ $SEED =~ ^[0-9]+$ ]] || die "KF_SEED must be a number, got '$SEED'"

TMP_BASE=${KF_TEST_TMP:-/tmp}
mkdir -p "$TMP_BASE" || die "cannot create $TMP_BASE"
SUITE=$(mktemp -d "$TMP_BASE/kferry-fault.XXXXXX") || die "mktemp in $TMP_BASE failed"
CLUSTER=$SUITE/cluster
TEST_PID=
FAILED_ANY=0

cleanup() {
	local rc=$?
	trap '' INT TERM
	trap - EXIT
	if [ -n "$TEST_PID" ]; then
		kill -TERM "$TEST_PID" 2>/dev/null
		wait "$TEST_PID" 2>/dev/null
	fi
	if [ -f "$CLUSTER/nodes" ]; then
		"$BROKER_SH" stop "$CLUSTER" --clean >>"$SUITE/cluster-stop.log" 2>&1 ||
			echo "run.sh: stopping the cluster failed (see $SUITE/cluster-stop.log)" >&2
	fi
	if [ $KEEP -eq 0 ]; then
		# the work of a failed scenario stays for a look
		if [ $FAILED_ANY -eq 0 ] && [ $rc -eq 0 ]; then
			rm -rf "$SUITE"
		else
			echo "run.sh: logs kept in $SUITE" >&2
		fi
	else
		echo "run.sh: everything kept in $SUITE" >&2
	fi
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

mode="CI subset"
[ $FULL -eq 0 ] || mode="full matrix"
echo "kferry fault suite ($mode): $KFERRY"
FULL_OPT=
[ $FULL -eq 0 ] || FULL_OPT=" --full"
echo "seed: KF_SEED=$SEED (replay one scenario: KF_SEED=$SEED $0$FULL_OPT f_NAME)"
echo "scratch: $SUITE"
t0=$SECONDS
if ! "$BROKER_SH" start "$CLUSTER" --nodes 3 >"$SUITE/cluster-start.log" 2>&1; then
	tail -n 30 "$SUITE/cluster-start.log" >&2
	FAILED_ANY=1
	die "the three-node cluster did not start"
fi
BOOTSTRAP=$(cat "$CLUSTER/bootstrap")
echo "cluster: $BOOTSTRAP (3 nodes, up in $((SECONDS - t0)) s)"

RUN_ID=$(date +%H%M%S)-$$
passed=0
failed=0
skipped=0
# totals over the scenarios that reported figures
T_FILES=0 T_BYTES=0 T_FAULTS=0 T_LOST=0 T_DUPS=0 T_PARTIAL=0 T_RUN=0

for s in "${SCENARIOS[@]}"; do
	dir=$SUITE/$s
	mkdir -p "$dir/work"
	log=$dir/log
	stats=$dir/stats
	topic=kf-fault-$s-$RUN_ID
	group=kf-fault-$s-$RUN_ID
	# the scenario's own seed: the same for the same KF_SEED and name
	sseed=$(printf '%s:%s' "$SEED" "$s" | cksum | awk '{ print $1 % 1000000007 }')
	limit=$(sed -n 's/^# kf-timeout: *\([0-9][0-9]*\).*/\1/p' "$FT_DIR/$s.sh" | head -n 1)
	limit=${limit:-300}
	[ $FULL -eq 0 ] || limit=$((limit * 4))
	[ -z "${KF_SOAK_SECONDS:-}" ] || [[ $s != s_* ]] || limit=$((KF_SOAK_SECONDS + 900))
	limit=${KF_TEST_TIMEOUT:-$limit}

	start=$(date +%s.%N)
	if ! "$BROKER_SH" topic "$CLUSTER" create "$topic" --partitions 6 >"$log" 2>&1; then
		rc=1
		echo "run.sh: could not create topic $topic" >>"$log"
	else
		(
			cd "$dir/work" &&
				exec env KFERRY="$KFERRY" KF_FORGE="$KF_FORGE" BOOTSTRAP="$BOOTSTRAP" \
					TOPIC="$topic" GROUP="$group" WORK="$dir/work" \
					KF_BROKER_DIR="$CLUSTER" KF_SEED="$SEED" KF_SCENARIO_SEED="$sseed" \
					KF_FULL="$FULL" KF_FAULT_STATS="$stats" \
					timeout -k 10 "$limit" bash "$FT_DIR/$s.sh"
		) >>"$log" 2>&1 &
		TEST_PID=$!
		wait "$TEST_PID"
		rc=$?
		TEST_PID=
	fi
	secs=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
	if [ -s "$stats" ]; then
		read -r _ f _ b _ n _ l _ d _ p <"$stats"
		T_FILES=$((T_FILES + f)) T_BYTES=$((T_BYTES + b)) T_FAULTS=$((T_FAULTS + n))
		T_LOST=$((T_LOST + l)) T_DUPS=$((T_DUPS + d)) T_PARTIAL=$((T_PARTIAL + p))
	fi
	case $rc in
	0)
		passed=$((passed + 1))
		T_RUN=$((T_RUN + 1))
		printf 'ok    %-20s %7s s\n' "$s" "$secs"
		;;
	77)
		skipped=$((skipped + 1))
		printf 'skip  %-20s %7s s  (%s)\n' "$s" "$secs" \
			"$(sed -n 's/.*SKIP: //p' "$log" | tail -n 1)"
		;;
	*)
		failed=$((failed + 1))
		T_RUN=$((T_RUN + 1))
		FAILED_ANY=1
		why="exit $rc"
		[ $rc -eq 124 ] && why="timed out after $limit s"
		printf 'FAIL  %-20s %7s s  (%s; log %s)\n' "$s" "$secs" "$why" "$log"
		tail -n 40 "$log" | sed 's/^/    | /'
		echo "      replay: KF_SEED=$SEED $0$FULL_OPT $s"
		;;
	esac
	sed -n 's/^NOTE: /      /p' "$log"
	[ $KEEP -eq 1 ] || [ $rc -ne 0 ] || rm -rf "$dir/work"
	# a scenario may have left the cluster without a node: the next one
	# needs all three
	if ! "$BROKER_SH" status "$CLUSTER" >/dev/null 2>&1; then
		echo "run.sh: the cluster is not whole after $s:" >&2
		"$BROKER_SH" status "$CLUSTER" >&2 || true
		failed=$((failed + 1))
		FAILED_ANY=1
		break
	fi
done

gib=$(awk -v b="$T_BYTES" 'BEGIN { printf "%.2f GiB", b / 1073741824 }')
echo "fault suite: $T_RUN scenarios, $T_FILES files, $gib ($T_BYTES bytes)," \
	"$T_FAULTS faults injected, lost $T_LOST, duplicated $T_DUPS, partial $T_PARTIAL;" \
	"$skipped skipped, $((SECONDS - t0)) s, seed $SEED"
echo "$passed passed, $failed failed"
[ $failed -eq 0 ] && [ $FAILED_ANY -eq 0 ]
