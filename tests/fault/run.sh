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
#   --keep   keep the scratch trees (logs of failed scenarios are kept anyway)
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

SUITE_SCRIPT=${BASH_SOURCE[0]}
FT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SUITE_TESTS=$FT_DIR
SUITE_PREFIXES="f_ s_"
SUITE_TAG=kf-fault
source "$FT_DIR/../integration/suite.sh"

FULL=0
suite_option() {
	case $1 in
	--full) FULL=1 ;;
	*) return 1 ;;
	esac
}
suite_args "$@"
SEED=${KF_SEED:-$(((RANDOM << 15) | RANDOM))}
[[ $SEED =~ ^[0-9]+$ ]] || die "KF_SEED must be a number, got '$SEED'"
suite_start

mode="CI subset"
FULL_OPT=
[ $FULL -eq 0 ] || { mode="full matrix"; FULL_OPT=" --full"; }
echo "kferry fault suite ($mode): $KFERRY"
echo "seed: KF_SEED=$SEED (replay one scenario: KF_SEED=$SEED $0$FULL_OPT f_NAME)"
echo "scratch: $SUITE"
t0=$SECONDS
suite_brokers --nodes 3

# totals over the scenarios that reported figures
T_RUN=0 T_FILES=0 T_BYTES=0 T_FAULTS=0 T_LOST=0 T_DUPS=0 T_PARTIAL=0
for s in "${TESTS[@]}"; do
	# the scenario's own seed: the same for the same KF_SEED and name
	sseed=$(printf '%s:%s' "$SEED" "$s" | cksum | awk '{ print $1 % 1000000007 }')
	limit=$(suite_timeout "$s" 300)
	[ $FULL -eq 0 ] || limit=$((limit * 4))
	[ -z "${KF_SOAK_SECONDS:-}" ] || [[ $s != s_* ]] || limit=$((KF_SOAK_SECONDS + 900))
	suite_run "$s" "$limit" 6 KF_SEED="$SEED" KF_SCENARIO_SEED="$sseed" \
		KF_FULL="$FULL" KF_FAULT_STATS="$SUITE/$s/stats"
	[ $RC = 77 ] || T_RUN=$((T_RUN + 1))
	if [ -s "$DIR/stats" ]; then
		read -r _ f _ b _ n _ l _ d _ p <"$DIR/stats"
		T_FILES=$((T_FILES + f)) T_BYTES=$((T_BYTES + b)) T_FAULTS=$((T_FAULTS + n))
		T_LOST=$((T_LOST + l)) T_DUPS=$((T_DUPS + d)) T_PARTIAL=$((T_PARTIAL + p))
	fi
	[ $RC = 0 ] || [ $RC = 77 ] || echo "      replay: KF_SEED=$SEED $0$FULL_OPT $s"
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
	"$T_FAULTS faults injected, lost $T_LOST, duplicated $T_DUPS, partial $T_PARTIAL;" \
	"$skipped skipped, $((SECONDS - t0)) s, seed $SEED"
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
