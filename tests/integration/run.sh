#!/usr/bin/env bash
# Real-broker integration suite of kferry.
#
#   tests/integration/run.sh [--build DIR] [--keep] [TEST...]
#
# Starts one single-node Kafka broker (scripts/kafka/broker.sh) for the
# whole suite, then runs each tests/integration/t_*.sh (or the TESTs named,
# with or without the t_ prefix and .sh suffix) in its own process, under
# `timeout`, with a fresh topic, consumer group and scratch directory:
#
#   KFERRY, KF_FORGE, BOOTSTRAP, TOPIC, GROUP, WORK, KF_BROKER_DIR
#
# Prints "ok", "skip" or "FAIL" per test with its time (and the tail of its
# log on failure), and ends with the line "N passed, M failed"; exits 1 if
# any test failed. The broker is stopped and deleted on exit, whatever
# happens.
#
# Environment:
#   KF_TEST_TMP      where scratch directories go (default /tmp); must not
#                    be tmpfs (t_big needs 12 GiB of real disk)
#   KF_TEST_TIMEOUT  seconds per test (default 300; a test may ask for more
#                    with a "# kf-timeout: N" line)
#   KF_FORGE         kf-forge binary (default: BUILD/kf-forge, built if
#                    missing)
#   KF_MANY          files in t_many_small (default 100000)
#   KF_SEED          seed of t_kill_receiver's kill moments (default random)
set -uo pipefail

IT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$IT_DIR/../.." && pwd)
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
TESTS=()
while [ $# -gt 0 ]; do
	case $1 in
	--build)
		[ $# -ge 2 ] || die "--build needs a directory"
		BUILD=$2
		shift
		;;
	--build=*) BUILD=${1#*=} ;;
	--keep) KEEP=1 ;;
	-h | --help)
		usage
		exit 0
		;;
	-*) die "unknown option $1 (see --help)" ;;
	*) TESTS+=("$1") ;;
	esac
	shift
done

BUILD=$(cd "$BUILD" 2>/dev/null && pwd) || die "no build directory $BUILD"
KFERRY=$BUILD/kferry
[ -x "$KFERRY" ] || die "$KFERRY not found: build it first (cmake --build $BUILD --target kferry)"

# Which tests, in which order.
if [ ${#TESTS[@]} -eq 0 ]; then
	for f in "$IT_DIR"/t_*.sh; do TESTS+=("$(basename "$f" .sh)"); done
else
	for i in "${!TESTS[@]}"; do
		t=${TESTS[$i]%.sh}
		t=${t##*/}
		[[ $t == t_* ]] || t=t_$t
		[ -f "$IT_DIR/$t.sh" ] || die "no test $IT_DIR/$t.sh"
		TESTS[$i]=$t
	done
fi

TMP_BASE=${KF_TEST_TMP:-/tmp}
mkdir -p "$TMP_BASE" || die "cannot create $TMP_BASE"
SUITE=$(mktemp -d "$TMP_BASE/kferry-it.XXXXXX") || die "mktemp in $TMP_BASE failed"
if [ "$(stat -f -c %T "$SUITE")" = tmpfs ]; then
	rmdir "$SUITE"
	die "$TMP_BASE is tmpfs; set KF_TEST_TMP to a directory on disk"
fi
BROKER=$SUITE/broker
TEST_PID=
FAILED_ANY=0

cleanup() {
	local rc=$?
	# Nothing interrupts the clean-up: the broker must go.
	trap '' INT TERM
	trap - EXIT
	if [ -n "$TEST_PID" ]; then
		kill -TERM "$TEST_PID" 2>/dev/null
		wait "$TEST_PID" 2>/dev/null
	fi
	if [ -f "$BROKER/nodes" ]; then
		"$BROKER_SH" stop "$BROKER" --clean >>"$SUITE/broker-stop.log" 2>&1 ||
			echo "run.sh: stopping the broker failed (see $SUITE/broker-stop.log)" >&2
	fi
	if [ $KEEP -eq 0 ]; then
		rm -rf "$SUITE"/t_*/work
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

# The forge: given, built by CMake, or compiled here.
if [ -z "${KF_FORGE:-}" ]; then
	KF_FORGE=$BUILD/kf-forge
	if [ ! -x "$KF_FORGE" ]; then
		cmake --build "$BUILD" --target kf-forge >"$SUITE/forge-build.log" 2>&1 || true
	fi
	if [ ! -x "$KF_FORGE" ]; then
		KF_FORGE=$SUITE/kf-forge
		# shellcheck disable=SC2046
		gcc -std=c11 -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 -O2 -g \
			-I "$REPO/include" -I "$REPO/src" "$REPO/tests/tools/forge.c" \
			"$BUILD/libkferry_core.a" \
			$(pkg-config --libs rdkafka libuv libzstd libxxhash openssl) \
			-lpthread -o "$KF_FORGE" >>"$SUITE/forge-build.log" 2>&1 ||
			{
				cat "$SUITE/forge-build.log" >&2
				die "cannot build kf-forge"
			}
	fi
fi
[ -x "$KF_FORGE" ] || die "KF_FORGE=$KF_FORGE is not executable"

echo "kferry integration suite: $KFERRY ($("$KFERRY" version 2>/dev/null | head -n 1))"
echo "scratch: $SUITE"
t0=$SECONDS
if ! "$BROKER_SH" start "$BROKER" >"$SUITE/broker-start.log" 2>&1; then
	tail -n 30 "$SUITE/broker-start.log" >&2
	FAILED_ANY=1
	die "the broker did not start"
fi
BOOTSTRAP=$(cat "$BROKER/bootstrap")
echo "broker: $BOOTSTRAP (up in $((SECONDS - t0)) s)"

RUN_ID=$(date +%H%M%S)-$$
passed=0
failed=0
skipped=0
tests_time=0

for t in "${TESTS[@]}"; do
	dir=$SUITE/$t
	mkdir -p "$dir/work"
	log=$dir/log
	topic=kf-it-$t-$RUN_ID
	group=kf-it-$t-$RUN_ID
	limit=${KF_TEST_TIMEOUT:-300}
	want=$(sed -n 's/^# kf-timeout: *\([0-9][0-9]*\).*/\1/p' "$IT_DIR/$t.sh" | head -n 1)
	if [ -n "$want" ] && [ -z "${KF_TEST_TIMEOUT:-}" ]; then limit=$want; fi

	start=$(date +%s.%N)
	if ! "$BROKER_SH" topic "$BROKER" create "$topic" --partitions 4 >"$log" 2>&1; then
		rc=1
		echo "run.sh: could not create topic $topic" >>"$log"
	else
		(
			cd "$dir/work" &&
				exec env KFERRY="$KFERRY" KF_FORGE="$KF_FORGE" BOOTSTRAP="$BOOTSTRAP" \
					TOPIC="$topic" GROUP="$group" WORK="$dir/work" \
					KF_BROKER_DIR="$BROKER" \
					timeout -k 10 "$limit" bash "$IT_DIR/$t.sh"
		) >>"$log" 2>&1 &
		TEST_PID=$!
		wait "$TEST_PID"
		rc=$?
		TEST_PID=
	fi
	secs=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
	case $rc in
	0)
		passed=$((passed + 1))
		printf 'ok    %-20s %7s s\n' "$t" "$secs"
		;;
	77)
		skipped=$((skipped + 1))
		printf 'skip  %-20s %7s s  (%s)\n' "$t" "$secs" \
			"$(sed -n 's/.*SKIP: //p' "$log" | tail -n 1)"
		;;
	*)
		failed=$((failed + 1))
		FAILED_ANY=1
		why="exit $rc"
		[ $rc -eq 124 ] && why="timed out after $limit s"
		printf 'FAIL  %-20s %7s s  (%s; log %s)\n' "$t" "$secs" "$why" "$log"
		tail -n 40 "$log" | sed 's/^/    | /'
		;;
	esac
	sed -n 's/^NOTE: /      /p' "$log"
	tests_time=$(awk -v a="$tests_time" -v b="$secs" 'BEGIN { print a + b }')
	[ $KEEP -eq 1 ] || rm -rf "$dir/work"
done

echo "suite: $((SECONDS - t0)) s in all (broker start and clean-up included)," \
	"$(printf '%.0f' "$tests_time") s in tests; $skipped skipped"
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
