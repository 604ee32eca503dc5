# SPDX-License-Identifier: Apache-2.0
# The machinery shared by the real-broker suite runners
# (tests/integration/run.sh and tests/fault/run.sh), sourced by them: the
# command line, the scratch directory and its clean-up (which always stops
# the brokers), the kf-forge binary, and the run of one test in its own
# process under `timeout` with its ok / skip / FAIL line.
#
# The runner sets before sourcing:
#   SUITE_SCRIPT    its own path (--help prints its header comment)
#   SUITE_TESTS     the directory of its test scripts
#   SUITE_PREFIXES  the name prefixes of its scripts, the first one the
#                   default ("t_", or "f_ s_")
#   SUITE_TAG       prefix of its scratch directory, topics and groups
# and may define suite_option OPT, which returns 0 when it took OPT (an
# option of its own without a value).

SUITE_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BROKER_SH=$SUITE_REPO/scripts/kafka/broker.sh

die() {
	echo "run.sh: $*" >&2
	exit 2
}

# suite_args "$@": --build DIR, --keep, --help, the runner's own options
# and test names. Sets BUILD, KFERRY, KEEP and TESTS (the scripts' names,
# all of them in order when none is given).
suite_args() {
	local t i p found
	BUILD=$SUITE_REPO/build
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
			sed -n '3,/^set -uo/p' "$SUITE_SCRIPT" | sed -e '$d' -e 's/^# \{0,1\}//'
			exit 0
			;;
		-*) declare -F suite_option >/dev/null && suite_option "$1" ||
			die "unknown option $1 (see --help)" ;;
		*) TESTS+=("$1") ;;
		esac
		shift
	done
	BUILD=$(cd "$BUILD" 2>/dev/null && pwd) || die "no build directory $BUILD"
	KFERRY=$BUILD/kferry
	[ -x "$KFERRY" ] || die "$KFERRY not found: build it first (cmake --build $BUILD --target kferry)"

	if [ ${#TESTS[@]} -eq 0 ]; then
		for t in "$SUITE_TESTS/${SUITE_PREFIXES%% *}"*.sh; do TESTS+=("$(basename "$t" .sh)"); done
		return
	fi
	for i in "${!TESTS[@]}"; do
		t=${TESTS[$i]%.sh}
		t=${t##*/}
		found=0
		for p in $SUITE_PREFIXES; do [[ $t != "$p"* ]] || found=1; done
		[ $found = 1 ] || t=${SUITE_PREFIXES%% *}$t
		[ -f "$SUITE_TESTS/$t.sh" ] || die "no test $SUITE_TESTS/$t.sh"
		TESTS[$i]=$t
	done
}

# suite_start: makes the scratch directory SUITE (under KF_TEST_TMP,
# default /tmp, which must not be tmpfs), arms the clean-up, and sets
# KF_FORGE (given, built by CMake, or compiled here). The brokers go in
# BROKER=$SUITE/broker.
suite_start() {
	local tmp=${KF_TEST_TMP:-/tmp}
	mkdir -p "$tmp" || die "cannot create $tmp"
	SUITE=$(mktemp -d "$tmp/kferry-${SUITE_TAG#kf-}.XXXXXX") || die "mktemp in $tmp failed"
	if [ "$(stat -f -c %T "$SUITE")" = tmpfs ]; then
		rmdir "$SUITE"
		die "$tmp is tmpfs; set KF_TEST_TMP to a directory on disk"
	fi
	BROKER=$SUITE/broker
	TEST_PID=
	FAILED_ANY=0
	passed=0
	failed=0
	skipped=0
	tests_time=0
	RUN_ID=$(date +%H%M%S)-$$
	trap suite_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM

	[ -n "${KF_FORGE:-}" ] || suite_forge
	[ -x "$KF_FORGE" ] || die "KF_FORGE=$KF_FORGE is not executable"
}

suite_forge() {
	KF_FORGE=$BUILD/kf-forge
	if [ ! -x "$KF_FORGE" ]; then
		cmake --build "$BUILD" --target kf-forge >"$SUITE/forge-build.log" 2>&1 || true
	fi
	[ ! -x "$KF_FORGE" ] || return 0
	KF_FORGE=$SUITE/kf-forge
	# shellcheck disable=SC2046
	gcc -std=c11 -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 -O2 -g \
		-I "$SUITE_REPO/include" -I "$SUITE_REPO/src" "$SUITE_REPO/tests/tools/forge.c" \
		-Wl,--start-group "$BUILD"/libkf_*.a -Wl,--end-group \
		$(pkg-config --libs rdkafka libuv libzstd libxxhash openssl) \
		-lpthread -o "$KF_FORGE" >>"$SUITE/forge-build.log" 2>&1 ||
		{
			cat "$SUITE/forge-build.log" >&2
			die "cannot build kf-forge"
		}
}

suite_cleanup() {
	local rc=$?
	# Nothing interrupts the clean-up: the brokers must go.
	trap '' INT TERM
	trap - EXIT
	local f
	# the tests still running (their pid files; the timeout processes that
	# run them would otherwise outlive the suite)
	for f in "$SUITE"/*/pid; do
		[ -f "$f" ] && kill -TERM "$(cat "$f")" 2>/dev/null
	done
	if [ -n "$TEST_PID" ]; then
		kill -TERM "$TEST_PID" 2>/dev/null
	fi
	wait 2>/dev/null
	if [ -f "$BROKER/nodes" ]; then
		"$BROKER_SH" stop "$BROKER" --clean >>"$SUITE/broker-stop.log" 2>&1 ||
			echo "run.sh: stopping the broker failed (see $SUITE/broker-stop.log)" >&2
	fi
	if [ $KEEP -eq 0 ]; then
		rm -rf "$SUITE"/*/work
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

# suite_brokers [broker.sh start options]: starts the brokers in BROKER;
# sets BOOTSTRAP.
suite_brokers() {
	local t0=$SECONDS
	if ! "$BROKER_SH" start "$BROKER" "$@" >"$SUITE/broker-start.log" 2>&1; then
		tail -n 30 "$SUITE/broker-start.log" >&2
		FAILED_ANY=1
		die "the broker did not start"
	fi
	BOOTSTRAP=$(cat "$BROKER/bootstrap")
	echo "broker: $BOOTSTRAP (up in $((SECONDS - t0)) s)"
}

# suite_timeout NAME DEFAULT: the test's "# kf-timeout: N" line, or DEFAULT.
suite_timeout() {
	local want
	want=$(sed -n 's/^# kf-timeout: *\([0-9][0-9]*\).*/\1/p' "$SUITE_TESTS/$1.sh" | head -n 1)
	echo "${want:-$2}"
}

# suite__exec NAME LIMIT PARTITIONS [VAR=VALUE...]: runs test NAME for at
# most LIMIT s (KF_TEST_TIMEOUT overrides) in SUITE/NAME/work, with a fresh
# topic of PARTITIONS partitions and a fresh group, and the environment of
# tests/integration/lib.sh plus the VARs; writes "RC SECONDS" to
# SUITE/NAME/result and the test's pid to SUITE/NAME/pid while it runs.
suite__exec() {
	local name=$1 limit=${KF_TEST_TIMEOUT:-$2} parts=$3 start rc pid
	local topic=$SUITE_TAG-$1-$RUN_ID dir=$SUITE/$1
	shift 3
	mkdir -p "$dir/work"
	echo "$limit" >"$dir/limit"
	start=$(date +%s.%N)
	if ! "$BROKER_SH" topic "$BROKER" create "$topic" --partitions "$parts" >"$dir/log" 2>&1; then
		rc=1
		echo "run.sh: could not create topic $topic" >>"$dir/log"
	else
		(
			cd "$dir/work" &&
				exec env KFERRY="$KFERRY" KF_FORGE="$KF_FORGE" BOOTSTRAP="$BOOTSTRAP" \
					TOPIC="$topic" GROUP="$topic" WORK="$dir/work" \
					KF_BROKER_DIR="$BROKER" "$@" \
					timeout -k 10 "$limit" bash "$SUITE_TESTS/$name.sh"
		) >>"$dir/log" 2>&1 &
		pid=$!
		echo "$pid" >"$dir/pid"
		wait "$pid"
		rc=$?
		rm -f "$dir/pid"
	fi
	echo "$rc $(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')" \
		>"$dir/result"
}

# suite__report NAME: prints the ok / skip / FAIL line of a test that ran
# and its notes, counts it, and sets RC, DIR (SUITE/NAME) and LOG.
suite__report() {
	local name=$1 secs why limit
	DIR=$SUITE/$name
	LOG=$DIR/log
	read -r RC secs <"$DIR/result"
	case $RC in
	0)
		passed=$((passed + 1))
		printf 'ok    %-20s %7s s\n' "$name" "$secs"
		;;
	77)
		skipped=$((skipped + 1))
		printf 'skip  %-20s %7s s  (%s)\n' "$name" "$secs" \
			"$(sed -n 's/.*SKIP: //p' "$LOG" | tail -n 1)"
		;;
	*)
		failed=$((failed + 1))
		FAILED_ANY=1
		why="exit $RC"
		limit=$(cat "$DIR/limit")
		[ "$RC" -eq 124 ] && why="timed out after $limit s"
		printf 'FAIL  %-20s %7s s  (%s; log %s)\n' "$name" "$secs" "$why" "$LOG"
		tail -n 40 "$LOG" | sed 's/^/    | /'
		;;
	esac
	sed -n 's/^NOTE: /      /p' "$LOG"
	tests_time=$(awk -v a="$tests_time" -v b="$secs" 'BEGIN { print a + b }')
	[ $KEEP -eq 1 ] || rm -rf "$DIR/work"
}

# suite_run NAME LIMIT PARTITIONS [VAR=VALUE...]: runs test NAME (as
# suite__exec says) and reports it (suite__report).
suite_run() {
	TEST_PID=
	suite__exec "$@" &
	TEST_PID=$!
	wait "$TEST_PID"
	TEST_PID=
	suite__report "$1"
}

# suite_run_jobs LIMIT PARTITIONS NAME...: runs the tests as suite_run does,
# KF_SUITE_JOBS of them at once (default 1: one after the other), each
# line printed when its test ends. A test that says "# kf-alone" (it
# measures memory or time, or fills a disk) runs with no other beside it.
# Tests of their own topic, group and directory share only the broker; most
# spend their time waiting on it, so two at once take about half the time
# on two cores.
suite_run_jobs() {
	local limit=$1 parts=$2 jobs=${KF_SUITE_JOBS:-1} t pid
	shift 2
	declare -A SUITE_RUNNING=()
	for t in "$@"; do
		if grep -q '^# kf-alone' "$SUITE_TESTS/$t.sh"; then
			suite__drain 0
			suite_run "$t" "$(suite_timeout "$t" "$limit")" "$parts"
			continue
		fi
		suite__drain $((jobs - 1))
		suite__exec "$t" "$(suite_timeout "$t" "$limit")" "$parts" &
		SUITE_RUNNING[$!]=$t
	done
	suite__drain 0
}

# suite__drain N: waits until at most N tests run, reporting each that ends.
suite__drain() {
	local pid
	while [ ${#SUITE_RUNNING[@]} -gt "$1" ]; do
		wait -n -p pid "${!SUITE_RUNNING[@]}"
		[ -n "${pid:-}" ] && [ -n "${SUITE_RUNNING[$pid]:-}" ] || continue
		suite__report "${SUITE_RUNNING[$pid]}"
		unset "SUITE_RUNNING[$pid]"
	done
}
