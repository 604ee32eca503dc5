# SPDX-License-Identifier: Apache-2.0
# Shared helpers of the real-broker integration tests; sourced by every
# tests/integration/t_*.sh. run.sh provides the environment:
#
#   KFERRY     the kferry binary          KF_FORGE   the kf-forge test tool
#   BOOTSTRAP  host:port of the broker    TOPIC      a fresh topic (4 partitions)
#   GROUP      a fresh consumer group     WORK       a fresh scratch directory
#   KF_BROKER_DIR  the broker.sh directory (for create_topic)
#
# A test exits 0 when it passes, 77 when it skips (say why first), and
# anything else when it fails; fail() says what went wrong.

set -euo pipefail

: "${KFERRY:?run this test through tests/integration/run.sh}"
: "${BOOTSTRAP:?}" "${TOPIC:?}" "${GROUP:?}" "${WORK:?}"

KF_IT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
KF_REPO=$(cd "$KF_IT_DIR/../.." && pwd)
export LC_ALL=C

MiB=$((1024 * 1024))
GiB=$((1024 * MiB))

# Background processes started by the test are killed when it ends
# (add their pids to KF_BG_PIDS); then the commands given to on_exit run,
# last first.
KF_BG_PIDS=()
KF_ON_EXIT=()
on_exit() { KF_ON_EXIT+=("$*"); }
kf__cleanup() {
	local pid i
	for pid in "${KF_BG_PIDS[@]+"${KF_BG_PIDS[@]}"}"; do
		kill -KILL "$pid" 2>/dev/null || true
	done
	for ((i = ${#KF_ON_EXIT[@]} - 1; i >= 0; i--)); do
		eval "${KF_ON_EXIT[$i]}" || true
	done
}
trap kf__cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

log() { printf '[%s] %s\n' "$(date +%T.%3N)" "$*"; }

# note MSG: a result worth seeing in the suite's summary (run.sh prints
# the notes of every test under its ok/FAIL line).
note() { printf 'NOTE: %s\n' "$*"; }

fail() {
	printf '[%s] FAIL: %s\n' "$(date +%T.%3N)" "$*" >&2
	exit 1
}

skip() {
	printf '[%s] SKIP: %s\n' "$(date +%T.%3N)" "$*"
	exit 77
}

# Seconds since the epoch with milliseconds, for timings.
# kf-forge (tests/tools/forge.c) on $TOPIC, or on FORGE_TOPIC when set,
# with the options in the array FORGE_OPTS first: its lines (scenario,
# transfer id, path) are appended to $FORGE_OUT, its stderr to
# $WORK/forge.log; the test fails with the tail of that log if it fails.
FORGE_OUT=$WORK/forge.out
FORGE_OPTS=()
forge() { # forge SCENARIO [kf-forge options]
	"$KF_FORGE" -b "$BOOTSTRAP" -t "${FORGE_TOPIC:-$TOPIC}" "${FORGE_OPTS[@]}" "$@" \
		>>"$FORGE_OUT" 2>>"$WORK/forge.log" ||
		fail "kf-forge $* exited $?: $(tail -n 3 "$WORK/forge.log")"
}

now() { date +%s.%3N; }
# elapsed START: seconds since START (from now()), with milliseconds.
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }'; }

# ------------------------------------------------------------- the broker

# create_topic NAME [PARTITIONS]: a topic with 4 partitions by default.
create_topic() {
	: "${KF_BROKER_DIR:?}"
	"$KF_REPO/scripts/kafka/broker.sh" topic "$KF_BROKER_DIR" create "$1" \
		--partitions "${2:-4}" >/dev/null
}

# ---------------------------------------------------------------- kferry

# read_topic NAME OUT [CONSUMER OPTIONS...]: every record of partition 0
# of topic NAME (make it with one partition) into OUT, one record per
# "headers<TAB>key<TAB>value@@END@@" (values may hold newlines; headers as
# name:value,name:value or NO_HEADERS), through the broker's
# kafka-console-consumer, outside any group. The options go to the
# consumer (--isolation-level read_committed). kcat counts the records up
# to the partition's end first (its last stable offset when committed), so
# the consumer stops at the last one, however long a loaded machine takes
# to deliver it, instead of after an idle gap. A committed read counts
# until two counts 0.3 s apart agree: a transaction that just committed
# may not have its markers in the partition yet (wait_committed).
read_topic() {
	: "${KF_BROKER_DIR:?}"
	local iso=read_uncommitted n was=-1 i
	[[ " ${*:3} " != *" read_committed "* ]] || iso=read_committed
	for ((i = 0; i < 100; i++)); do
		n=$(kcat -b "$BOOTSTRAP" -C -t "$1" -p 0 -o beginning -e -q \
			-X isolation.level=$iso -f '.\n' 2>"$2.log" | wc -l) ||
			fail "counting the records of topic $1 failed: $(tail -n 5 "$2.log")"
		[ "$iso" = read_committed ] && [ "$n" != "$was" ] || break
		was=$n
		sleep 0.3
	done
	: >"$2"
	[ "$n" -gt 0 ] || return 0
	"$KF_REPO/scripts/kafka/broker.sh" console-consumer "$KF_BROKER_DIR" \
		--topic "$1" --partition 0 --offset earliest --max-messages "$n" \
		--timeout-ms 120000 \
		--property print.headers=true --property print.key=true \
		--property line.separator=@@END@@ "${@:3}" >"$2" 2>"$2.log" ||
		fail "reading topic $1 failed: $(tail -n 5 "$2.log")"
	[ "$(count_records "$2")" = "$n" ] ||
		fail "reading topic $1: $(count_records "$2") records, kcat counted $n"
}

# count_records FILE: how many records read_topic wrote to FILE.
count_records() { grep -ao '@@END@@' "$1" | wc -l; }

# wait_committed TOPIC N: waits (30 s at most) until read_committed sees
# N records or more in TOPIC (every partition). A commit returns once the
# transaction coordinator logged it; the markers that let readers past
# its records reach the partitions a moment later.
wait_committed() {
	local i n=0
	for ((i = 0; i < 150; i++)); do
		n=$(kcat -b "$BOOTSTRAP" -C -t "$1" -o beginning -e -q \
			-X isolation.level=read_committed -f '.\n' 2>/dev/null | wc -l)
		[ "$n" -lt "$2" ] || return 0
		sleep 0.2
	done
	fail "read_committed sees $n records of topic $1 after 30 s, not $2"
}

KF_LOAD_N=0
# kf_load [load options] FILE...: runs kferry load --json on LOAD_TOPIC
# with the ledger LOAD_LEDGER. Sets LOAD_JSON (its stdout) and LOAD_LOG
# (its stderr file); returns its exit code.
kf_load() {
	local rc=0
	KF_LOAD_N=$((KF_LOAD_N + 1))
	LOAD_LOG=$WORK/load.$KF_LOAD_N.log
	LOAD_JSON=$("$KFERRY" load -b "$BOOTSTRAP" -t "$LOAD_TOPIC" --json \
		--no-progress -o load.ledger_topic="$LOAD_LEDGER" "$@" \
		2>"$LOAD_LOG") || rc=$?
	log "load #$KF_LOAD_N exit $rc: $LOAD_JSON"
	return $rc
}

KF_SEND_N=0
# kf_send [send options] PATH...: runs kferry send --json. Sets SEND_JSON
# (its stdout) and SEND_LOG (its stderr file); returns its exit code.
kf_send() {
	local rc=0
	KF_SEND_N=$((KF_SEND_N + 1))
	SEND_LOG=$WORK/send.$KF_SEND_N.log
	SEND_JSON=$("$KFERRY" send -b "$BOOTSTRAP" -t "$TOPIC" --json \
		--no-progress "$@" 2>"$SEND_LOG") || rc=$?
	log "send #$KF_SEND_N exit $rc: $SEND_JSON"
	return $rc
}

# json_field JSON KEY: the value of a top-level number or boolean.
json_field() {
	local v
	v=$(printf '%s' "$1" | sed -nE "s/.*\"$2\":(true|false|-?[0-9.]+).*/\\1/p")
	[ -n "$v" ] || fail "no field '$2' in JSON: $1"
	printf '%s\n' "$v"
}

# assert_send_ok NFILES: the last kf_send reported ok with NFILES files.
assert_send_ok() {
	[ "$(json_field "$SEND_JSON" ok)" = true ] ||
		fail "send did not report ok:true: $SEND_JSON ($(tail -n 5 "$SEND_LOG"))"
	[ "$(json_field "$SEND_JSON" files_ok)" = "$1" ] ||
		fail "send: files_ok is not $1: $SEND_JSON"
	[ "$(json_field "$SEND_JSON" files_failed)" = 0 ] ||
		fail "send: files_failed is not 0: $SEND_JSON"
}

KF_RECV_N=0
# receive_until_idle DEST [receive options]: runs kferry receive into DEST
# on $TOPIC in $GROUP until it has been idle for 3 s. Sets RECV_LOG (its
# stderr) and RECV_SECONDS; returns its exit code. Later options win.
receive_until_idle() {
	local dest=$1 rc=0 t0
	shift
	KF_RECV_N=$((KF_RECV_N + 1))
	RECV_LOG=$WORK/recv.$KF_RECV_N.log
	t0=$(now)
	"$KFERRY" receive -b "$BOOTSTRAP" -t "$TOPIC" -g "$GROUP" --dest "$dest" \
		--idle-exit 3 "$@" 2>"$RECV_LOG" || rc=$?
	RECV_SECONDS=$(elapsed "$t0")
	log "receive #$KF_RECV_N exit $rc in $RECV_SECONDS s: $(recv_summary "$RECV_LOG")"
	return $rc
}

# recv_summary LOG: the closing summary line of kferry receive or replay,
# in text or (--log-format json) as the "msg" of its JSON record.
recv_summary() {
	grep -aoE '(^|"msg":")kferry: (received|replay restored) [^"]*' "$1" |
		sed -E 's/^"msg":"//' | tail -n 1 || true
}

# recv_stat LOG WHAT: a number from the summary line; WHAT is one of
# files, bytes, present, quarantined, abandoned, rejected, repeated, dead
# (receive) or restored, skipped, incomplete (replay).
recv_stat() {
	local s re
	s=$(recv_summary "$1")
	[ -n "$s" ] || fail "no summary line in $1: $(tail -n 3 "$1")"
	case $2 in
	files) re='received ([0-9]+) files' ;;
	bytes) re='files \(([0-9]+) bytes\)' ;;
	present) re='([0-9]+) already present' ;;
	quarantined) re='([0-9]+) quarantined' ;;
	abandoned) re='([0-9]+) abandoned' ;;
	rejected) re='([0-9]+) messages rejected' ;;
	repeated) re='([0-9]+) repeated chunks dropped' ;;
	dead) re='([0-9]+) dead letters' ;;
	lost) re='([0-9]+) lost after abandon_timeout or an ABORT' ;;
	restored) re='restored ([0-9]+) files' ;;
	skipped) re='([0-9]+) identical skipped' ;;
	incomplete) re='([0-9]+) incomplete' ;;
	*) fail "recv_stat: unknown field $2" ;;
	esac
	[[ $s =~ $re ]] || fail "cannot read '$2' from: $s"
	printf '%s\n' "${BASH_REMATCH[1]}"
}

# assert_recv LOG WHAT N: recv_stat LOG WHAT is N.
assert_recv() {
	local got
	got=$(recv_stat "$1" "$2")
	[ "$got" = "$3" ] || fail "receiver: $2 is $got, expected $3 ($(recv_summary "$1"))"
}

# ----------------------------------------------------------------- trees

# tree_sum DIR: "sha256  ./relative/path" of every regular file below DIR,
# sorted by path, leaving out DIR/.kferry. Names are NUL-separated on the
# way in; sha256sum escapes newlines and backslashes in what it prints.
tree_sum() {
	(cd "$1" && find . -path ./.kferry -prune -o -type f -print0 |
		sort -z | xargs -0 -r sha256sum --)
}

# tree_meta DIR: "mode mtime(ns) size path" of every regular file below
# DIR (NUL-terminated records, sorted), leaving out DIR/.kferry.
tree_meta() {
	(cd "$1" && find . -path ./.kferry -prune -o -type f \
		-printf '%m %T@ %s %P\0' | sort -z)
}

# count_files DIR: regular files below DIR, leaving out DIR/.kferry.
count_files() {
	(cd "$1" && find . -path ./.kferry -prune -o -type f -printf x | wc -c)
}

# Shows NUL-terminated records one a line, with newlines made visible.
kf__show_records() { sed -z 's/\n/\\n/g' | tr '\0' '\n'; }

# assert_trees_equal SRC DST: the same regular files with the same bytes,
# mode, mtime (to the nanosecond) and size; DST/.kferry is left out, and
# DST holds nothing but files and directories.
assert_trees_equal() {
	local src=$1 dst=$2 a b odd
	[ -d "$dst" ] || fail "$dst does not exist"
	a=$(tree_sum "$src")
	b=$(tree_sum "$dst")
	if [ "$a" != "$b" ]; then
		echo "--- content differs (< $src, > $dst), first lines:" >&2
		diff <(printf '%s\n' "$a") <(printf '%s\n' "$b") | head -n 20 >&2 || true
		fail "trees differ in content: $src vs $dst"
	fi
	if ! cmp -s <(tree_meta "$src") <(tree_meta "$dst"); then
		echo "--- metadata differs (mode mtime size path), first lines:" >&2
		diff <(tree_meta "$src" | kf__show_records) \
			<(tree_meta "$dst" | kf__show_records) | head -n 20 >&2 || true
		fail "trees differ in mode, mtime or size: $src vs $dst"
	fi
	odd=$(cd "$dst" && find . -path ./.kferry -prune -o ! -type f ! -type d -print | head -n 5 || true)
	[ -z "$odd" ] || fail "$dst holds something other than files and directories: $odd"
	log "trees equal: $src = $dst ($(printf '%s\n' "$a" | grep -c . || true) files)"
}

# assert_private_clean DEST: nothing staged (DEST/.kferry/tmp is empty, as
# after a clean exit) and nothing quarantined.
assert_private_clean() {
	local left
	left=$(find "$1/.kferry/tmp" -mindepth 1 2>/dev/null | head -n 5 || true)
	[ -z "$left" ] || fail "staging left in $1/.kferry/tmp: $left"
	left=$(find "$1/.kferry/quarantine" -mindepth 1 -maxdepth 1 2>/dev/null | head -n 5 || true)
	[ -z "$left" ] || fail "unexpected quarantine in $1/.kferry/quarantine: $left ($(cat "$1"/.kferry/quarantine/*/reason.txt 2>/dev/null | head -n 20))"
}

# ------------------------------------------------------------- test data

# random_file PATH SIZE: SIZE random bytes.
random_file() {
	head -c "$2" /dev/urandom >"$1"
}

# small_files ROOT N MAXSIZE DIRS: N random files of 1..MAXSIZE bytes,
# ROOT/small/dNN/fI, spread over DIRS directories (one perl process).
small_files() {
	perl -e '
		my ($root, $n, $max, $dirs) = @ARGV;
		open(my $rnd, "<:raw", "/dev/urandom") or die;
		mkdir "$root/small";
		for my $i (0 .. $n - 1) {
			my $d = sprintf("%s/small/d%02d", $root, $i % $dirs);
			mkdir $d;
			my $size = 1 + int(rand($max));
			read($rnd, my $buf, $size) == $size or die;
			open(my $fh, ">:raw", "$d/f$i") or die "$d/f$i: $!";
			print $fh $buf;
			close($fh) or die;
		}' "$1" "$2" "$3" "$4"
}

# wait_log PID LOG PATTERN SECONDS: waits until LOG holds PATTERN; fails if
# PID exits first or SECONDS pass.
wait_log() {
	local pid=$1 file=$2 pattern=$3 i
	for ((i = 0; i < $4 * 10; i++)); do
		grep -qs -- "$pattern" "$file" && return 0
		kill -0 "$pid" 2>/dev/null ||
			fail "exited before logging '$pattern': $(tail -n 5 "$file")"
		sleep 0.1
	done
	fail "no '$pattern' in $4 s: $(tail -n 5 "$file")"
}

# text_file PATH SIZE: SIZE bytes of text that compresses about 3:1.
text_file() {
	awk -v n="$2" -v seed="${3:-7}" 'BEGIN {
		srand(seed)
		split("kafka ferry chunk manifest commit offset partition broker " \
		      "receiver sender hash zstd file tree bytes quarantine river " \
		      "boat harbour cargo", w, " ")
		out = 0; line = 0
		while (out < n) {
			s = sprintf("%07d", line++)
			for (i = 0; i < 12; i++) s = s " " w[int(rand() * 20) + 1]
			s = s "\n"
			if (out + length(s) > n) s = substr(s, 1, n - out)
			printf "%s", s
			out += length(s)
		}
	}' >"$1"
}

# free_bytes DIR: bytes available to us on DIR's file system.
free_bytes() { df -P -B1 "$1" | awk 'NR == 2 { print $4 }'; }

# small_fs SIZE: a fresh ext4 file system of SIZE (truncate's units) in
# $WORK/fs.img, loop-mounted on MNT=$WORK/mnt until the test exits. Skips
# the test without root, mkfs.ext4 or a loop device.
small_fs() {
	[ "$(id -u)" = 0 ] || skip "needs root to loop-mount a small file system"
	command -v mkfs.ext4 >/dev/null || skip "needs mkfs.ext4"
	local img=$WORK/fs.img
	MNT=$WORK/mnt
	mkdir -p "$MNT"
	truncate -s "$1" "$img"
	mkfs.ext4 -q -F "$img" >/dev/null 2>&1 || skip "mkfs.ext4 failed"
	mount -o loop "$img" "$MNT" 2>/dev/null || skip "cannot loop-mount (no loop devices or privileges)"
	on_exit "umount '$MNT' 2>/dev/null || umount -l '$MNT'"
}

# ----------------------------------------------------------------- watch

# wait_until SECONDS CMD...: runs CMD every 0.2 s until it succeeds; fails
# the test after SECONDS.
wait_until() {
	local limit=$1 t0
	shift
	t0=$(date +%s)
	until "$@"; do
		[ $(($(date +%s) - t0)) -lt "$limit" ] ||
			fail "timed out after $limit s waiting for: $*"
		sleep 0.2
	done
}

# watch_start LOG [watch options]: starts kferry watch in the background on
# $BOOTSTRAP and $TOPIC; sets WATCH_PID (killed when the test ends).
watch_start() {
	local log=$1
	shift
	"$KFERRY" watch -b "$BOOTSTRAP" -t "$TOPIC" "$@" 2>"$log" &
	WATCH_PID=$!
	WATCH_LOG=$log
	KF_BG_PIDS+=("$WATCH_PID")
	log "kferry watch started (pid $WATCH_PID): $*"
}

# watch_up: the daemon logged its routes (its signal handlers are set
# from then on), or it is gone.
watch_up() {
	grep -qE "route .* -> topic " "$WATCH_LOG" || ! kill -0 "$WATCH_PID" 2>/dev/null
}

# watch_stop: SIGTERM once the daemon is up (one killed by it before it has
# set its handlers exits 143, with nothing begun), then it must exit 0.
watch_stop() {
	local rc=0
	wait_until 60 watch_up
	kill -TERM "$WATCH_PID"
	wait "$WATCH_PID" || rc=$?
	[ "$rc" = 0 ] || fail "kferry watch exited $rc after SIGTERM"
	log "kferry watch drained and exited 0"
}

# slow_copy SRC DST: copies SRC to DST in 64 KiB pieces, 0.3 s apart, then
# gives DST SRC's mode and mtime (a writer that takes its time).
slow_copy() {
	local size i n
	size=$(stat -c %s "$1")
	n=$(((size + 65535) / 65536))
	: >"$2"
	for ((i = 0; i < n; i++)); do
		dd if="$1" of="$2" bs=65536 skip=$i seek=$i count=1 conv=notrunc status=none
		sleep 0.3
	done
	touch -r "$1" "$2"
	chmod --reference="$1" "$2"
}

# conf_watch [KEY = VALUE]...: the head of a watch configuration file:
# 256 KiB chunks, the ledger in $WORK/state, a 2 s rescan, and the [watch]
# keys given.
conf_watch() {
	printf 'chunk_size = 256K\n[watch]\nstate_dir = %s\nrescan_seconds = 2\n' "$WORK/state"
	[ $# = 0 ] || printf '%s\n' "$@"
}

# schema_head NAME: the start of a CSV schema file (docs/records.md 2)
# named kferry.NAME, keyed by its required int64 column id; the test
# appends its other columns.
schema_head() {
	printf '[schema]\nformat_version = 1\nname = kferry.%s\nformat = csv\nkey = id\n\n' "$1"
	printf '[column.id]\ntype = int64\nrequired = true\n'
}

# conf_route NAME DIR [KEY = VALUE]...: a [route.NAME] section watching DIR.
conf_route() {
	printf '[route.%s]\ndir = %s\n' "$1" "$2"
	shift 2
	[ $# = 0 ] || printf '%s\n' "$@"
}

# drop_in SRC DIR [NAME]: a copy of SRC (a file or a tree) appears in DIR,
# as NAME (default SRC's name), in one rename: written next to $WORK first,
# as writers must for finished = rename routes.
drop_in() {
	local stage=$WORK/.drop name=${3:-$(basename "$1")}
	mkdir -p "$stage"
	cp -a "$1" "$stage/$name"
	mv "$stage/$name" "$2/$name"
}

# outbox_files DIR: the files of a directory kferry watch sends that are
# not sent yet: under their names, or claimed for a delete or move route
# (DIR/.kferry/sending, docs/watch.md).
outbox_files() {
	echo $(($(count_files "$1") + $(find "$1/.kferry/sending" -type f 2>/dev/null | wc -l)))
}

# empty_dir DIR: DIR holds no regular file outside DIR/.kferry, and none
# claimed in DIR/.kferry/sending.
empty_dir() { [ "$(outbox_files "$1")" = 0 ]; }
