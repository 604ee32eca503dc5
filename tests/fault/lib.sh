# SPDX-License-Identifier: Apache-2.0
# Helpers of the fault-injection scenarios (tests/fault/f_*.sh), on top of
# the integration helpers (tests/integration/lib.sh, sourced here). run.sh
# provides, besides what tests/integration/lib.sh needs:
#
#   KF_BROKER_DIR  the three-node cluster (scripts/kafka/broker.sh DIR)
#   KF_SEED        the suite's seed; KF_SCENARIO_SEED this scenario's,
#                  derived from KF_SEED and the scenario's name, so that
#                  one scenario run alone makes the same random choices
#   KF_FULL        1 for the full matrix, 0 for the CI subset
#   KF_FAULT_STATS file the scenario's figures go to (fault_finish)
#
# Every random choice (kill moments, victims, pause lengths) is
# $((RANDOM % N)), RANDOM seeded here with KF_SCENARIO_SEED. It must be
# evaluated in the scenario's own shell, never inside $(...): bash reseeds
# RANDOM in every subshell, and the parent's sequence would not advance.
# File contents and the sizes of small_files come from /dev/urandom and
# perl: they do not decide where a fault lands.
source "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"

: "${KF_BROKER_DIR:?}" "${KF_SCENARIO_SEED:?}" "${KF_FAULT_STATS:?}"
KF_FULL=${KF_FULL:-0}
RANDOM=$KF_SCENARIO_SEED
BROKER_SH=$KF_REPO/scripts/kafka/broker.sh
FAULTS=0

# A killed member stays in its group until its session times out; keep it
# short (the cluster's group.min.session.timeout.ms allows it), so that a
# restarted receiver gets its partitions back soon. Conflicts are renamed,
# never quarantined, so that a file placed twice shows up as NAME.1.
SESSION_MS=6000
RECV_OPTS=(-X session.timeout.ms=$SESSION_MS -X heartbeat.interval.ms=500
	--on-conflict rename)

# sleep_ms MS: sleeps MS milliseconds.
sleep_ms() { sleep "$(awk -v ms="$1" 'BEGIN { printf "%.3f", ms / 1000 }')"; }

# fault WHAT: counts one injected fault and logs it.
fault() {
	FAULTS=$((FAULTS + 1))
	log "FAULT $FAULTS: $*"
}

# ------------------------------------------------------------- the cluster

# leader_of PARTITION: the node id leading PARTITION of $TOPIC, as the
# cluster describes it now (-1 or none while it has no leader).
leader_of() {
	"$BROKER_SH" topic "$KF_BROKER_DIR" describe "$TOPIC" 2>/dev/null |
		awk -v p="$1" '$3 == "Partition:" && $4 == p { print $6; exit }'
}

# isr_of PARTITION: the in-sync replicas of PARTITION of $TOPIC (1,2,3).
isr_of() {
	"$BROKER_SH" topic "$KF_BROKER_DIR" describe "$TOPIC" 2>/dev/null |
		awk -v p="$1" '$3 == "Partition:" && $4 == p { print $10; exit }'
}

# all_in_sync: every partition of $TOPIC has three in-sync replicas.
all_in_sync() {
	local out
	out=$("$BROKER_SH" topic "$KF_BROKER_DIR" describe "$TOPIC" 2>/dev/null) || return 1
	[ -n "$out" ] && ! awk '$3 == "Partition:" && split($10, a, ",") != 3 { bad = 1 }
		END { exit !bad }' <<<"$out"
}

# new_leader P OLD: partition P of $TOPIC has a leader, and it is not OLD.
new_leader() {
	local l
	l=$(leader_of "$1")
	[[ $l =~ ^[123]$ ]] && [ "$l" != "$2" ]
}

# seeded_leader: picks a partition of $TOPIC (0..5) and sets P and NODE to
# it and its leader. Look it up before starting what the fault must hit:
# it starts a JVM, which takes seconds.
seeded_leader() {
	P=$((RANDOM % 6))
	NODE=$(leader_of "$P")
	[[ $NODE =~ ^[123]$ ]] || fail "partition $P has no leader: '$NODE'"
}

# kill_leader P NODE: SIGKILLs NODE, the leader of partition P; waits
# until P has another leader; restarts NODE 2..6 s later.
kill_leader() {
	node_cmd kill "$2"
	fault "node $2 (leader of partition $1) SIGKILLed"
	wait_until 60 new_leader "$1" "$2"
	log "partition $1 is now led by node $(leader_of "$1")"
	sleep_ms $((2000 + RANDOM % 4000))
	node_cmd restart "$2"
	log "node $2 restarted"
}

# pause_leader P NODE: SIGSTOPs NODE, the leader of partition P, for
# 12..18 s (longer than broker.session.timeout.ms, 9 s, and the receivers'
# session timeout), then SIGCONTs it.
pause_leader() {
	local ms=$((12000 + RANDOM % 6000))
	node_cmd pause "$2"
	fault "node $2 (leader of partition $1) paused for $ms ms"
	sleep_ms "$ms"
	node_cmd resume "$2"
	log "node $2 resumed; partition $1 led by node $(leader_of "$1")"
}

# node_cmd ACTION NODE: broker.sh ACTION (kill, pause, resume, restart)
# on one node of the cluster; fails the scenario if it fails.
node_cmd() {
	"$BROKER_SH" "$1" "$KF_BROKER_DIR" "$2" >>"$WORK/cluster.log" 2>&1 ||
		fail "broker.sh $1 node $2 failed: $(tail -n 5 "$WORK/cluster.log")"
}

# Every node runs again when the scenario ends, whatever happened: the
# next scenario needs the whole cluster.
kf__heal_cluster() {
	local n
	for n in 1 2 3; do
		"$BROKER_SH" resume "$KF_BROKER_DIR" "$n" >/dev/null 2>&1 || true
	done
	"$BROKER_SH" status "$KF_BROKER_DIR" >/dev/null 2>&1 && return 0
	for n in 1 2 3; do
		"$BROKER_SH" status "$KF_BROKER_DIR" 2>/dev/null | grep -q "^node $n: running" ||
			"$BROKER_SH" restart "$KF_BROKER_DIR" "$n" >>"$WORK/cluster.log" 2>&1 || true
	done
}
on_exit kf__heal_cluster

# The scenario's logs (receivers, senders, offsets) outlive its scratch
# tree, which run.sh deletes without --keep: a failed scenario keeps them
# in SUITE/NAME/logs, so that a loss can be traced afterwards.
kf__save_logs() {
	mkdir -p "$WORK/../logs" && cp -p "$WORK"/*.log "$WORK/../logs/" 2>/dev/null
}
on_exit kf__save_logs

# ------------------------------------------------------------- receivers

# recv_start NAME DEST [receive options]: a receiver in the background,
# logging to $WORK/recv.NAME.log; sets RPID (killed when the scenario
# ends). RECV_OPTS come first, later options win.
recv_start() {
	local name=$1 dest=$2
	shift 2
	"$KFERRY" receive -b "$BOOTSTRAP" -t "$TOPIC" -g "$GROUP" --dest "$dest" \
		"${RECV_OPTS[@]}" "$@" 2>"$WORK/recv.$name.log" &
	RPID=$!
	KF_BG_PIDS+=("$RPID")
}

# send_bg NAME [send options] PATH...: kferry send in the background with
# 256 KiB chunks (many messages, so that faults land mid-file), logging to
# $WORK/send.NAME.log; sets SPID (killed when the scenario ends).
send_bg() {
	local name=$1
	shift
	"$KFERRY" send -b "$BOOTSTRAP" -t "$TOPIC" --no-progress --chunk-size 256K \
		"$@" 2>"$WORK/send.$name.log" &
	SPID=$!
	KF_BG_PIDS+=("$SPID")
}

# wait_exit PID SECONDS: waits for PID to exit and returns its exit code;
# fails the scenario if it still runs after SECONDS.
wait_exit() {
	local pid=$1 i rc=0
	for ((i = 0; i < $2 * 10; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$pid" 2>/dev/null && fail "pid $pid still running after $2 s"
	wait "$pid" || rc=$?
	return $rc
}

# drain DEST: one more receiver in the group until it has been idle for
# 3 s and exits 0; every file still in Kafka lands in DEST.
drain() {
	receive_until_idle "$1" "${RECV_OPTS[@]}" ||
		fail "final receive exited $?: $(tail -n 5 "$RECV_LOG")"
	note "final drain: $(recv_stat "$RECV_LOG" files) files placed," \
		"$(recv_stat "$RECV_LOG" present) already present in $RECV_SECONDS s;" \
		"$(kf__assigned_after "$RECV_LOG")"
}

# kf__assigned_after LOG: how long the receiver of LOG waited for its
# first partitions (a rebalance waits for killed members' sessions).
kf__assigned_after() {
	awk '{ split(substr($1, 12, 12), t, ":"); s = t[1] * 3600 + t[2] * 60 + t[3] }
		NR == 1 { s0 = s }
		/ recv: assigned / { d = s - s0; if (d < 0) d += 86400
			printf "first assignment after %.1f s", d; found = 1; exit }
		END { if (!found) printf "never assigned" }' "$1"
}

# ------------------------------------------------------------ accounting

# account SRC DEST LOG...: compares DEST (without DEST/.kferry) with SRC
# and the receivers' logs, and sets
#   LOST  source files missing from DEST or different there;
#   DUPS  paths placed more than once (two "placed" lines in the logs, or
#         a NAME.N copy of a source file NAME made by --on-conflict rename);
#   PARTIAL  files in DEST that are not an exact source file (other than
#         such copies), plus staging files left in DEST/.kferry/tmp (call
#         it when no receiver runs).
account() {
	local src=$1 dest=$2 a b only_dst p base
	shift 2
	# "sha256  ./path" lines, sorted as whole lines for comm
	a=$(tree_sum "$src" | sort)
	b=$(tree_sum "$dest" 2>/dev/null | sort || true)
	LOST=$(comm -23 <(printf '%s\n' "$a" | grep . || true) \
		<(printf '%s\n' "$b" | grep . || true) | grep -c . || true)
	only_dst=$(comm -13 <(printf '%s\n' "$a" | grep . || true) \
		<(printf '%s\n' "$b" | grep . || true) | sed 's/^[0-9a-f]*  \.\///')
	DUPS=0
	PARTIAL=0
	while IFS= read -r p; do
		[ -n "$p" ] || continue
		base=${p%.[0-9]*}
		if [ "$base" != "$p" ] && [ -f "$src/$base" ] && [ ! -e "$src/$p" ] &&
			cmp -s "$src/$base" "$dest/$p"; then
			DUPS=$((DUPS + 1))
			log "duplicate: $p (a second copy of $base)"
		else
			PARTIAL=$((PARTIAL + 1))
			log "partial or foreign file in DEST: $p"
		fi
	done <<<"$only_dst"
	p=$(find "$dest/.kferry/tmp" -type f -name '*.part' 2>/dev/null | wc -l)
	[ "$p" = 0 ] || log "$p staging file(s) left in $dest/.kferry/tmp"
	PARTIAL=$((PARTIAL + p))
	if [ $# -gt 0 ]; then
		p=$(sed -n "s/.* info  *recv: received '\(.*\)' ([0-9]* bytes, [0-9]* ms): placed$/\1/p" "$@" |
			sort | uniq -d)
		if [ -n "$p" ]; then
			log "placed more than once: $(printf '%s\n' "$p" | head -n 5 | tr '\n' ' ')"
			DUPS=$((DUPS + $(printf '%s\n' "$p" | grep -c .)))
		fi
	fi
	[ "$LOST" = 0 ] || log "lost (missing or different in DEST): $(comm -23 \
		<(printf '%s\n' "$a") <(printf '%s\n' "$b") | head -n 5 | sed 's/^[0-9a-f]*  //' | tr '\n' ' ')"
}

# unread: compares $GROUP's committed offsets on $TOPIC with the topic's
# end offsets (broker.sh offsets) and sets UNREAD, the records past the
# committed offsets over all partitions, and UNREAD_AT, where they are
# ("p3:120..424 p5:0..17", committed..end). Call it when no receiver of
# the group runs: after a drain it must be 0, since a receiver commits
# past every record once nothing before it is open (src/recv/offsets.c).
unread() {
	local out try
	# the tools' admin client may not find the coordinator in time on a
	# busy machine: three tries
	for try in 1 2 3; do
		out=$(TOOL_TIMEOUT=120 "$BROKER_SH" offsets "$KF_BROKER_DIR" "$TOPIC" "$GROUP" \
			2>>"$WORK/offsets.log") && break
		[ $try -lt 3 ] ||
			fail "reading the offsets of group $GROUP failed 3 times: $(tail -n 3 "$WORK/offsets.log")"
		log "reading the offsets failed (try $try): $(tail -n 1 "$WORK/offsets.log")"
	done
	log "offsets (partition end committed): $(tr '\n' ' ' <<<"$out")"
	UNREAD=$(awk '{ c = $3 == "-" ? 0 : $3; if ($2 > c) n += $2 - c } END { print n + 0 }' <<<"$out")
	UNREAD_AT=$(awk '{ c = $3 == "-" ? 0 : $3; if ($2 > c) { printf "%sp%s:%s..%s", s, $1, c, $2; s = " " } }' <<<"$out")
}

# classify_loss SRC DEST: after account found LOST files and unread()
# found UNREAD records, tells the two kinds of loss apart. If the group
# left records unread, a second drain (idle 15 s) reads them: the files
# it brings were never lost, only left in Kafka by a receiver that exited
# too early (an idle exit before the end of its partitions). Files still
# missing once every offset is at the end of the topic are a real loss:
# the group committed past them. Sets EARLY and REAL (file counts) and
# logs the verdict; DEST keeps what the second drain placed.
classify_loss() {
	local src=$1 dest=$2 lost=$LOST dups=$DUPS partial=$PARTIAL
	EARLY=0
	REAL=$LOST
	[ "$UNREAD" -gt 0 ] || return 0
	log "the drain exited with $UNREAD record(s) unread ($UNREAD_AT); a second drain reads them"
	receive_until_idle "$dest" "${RECV_OPTS[@]}" --idle-exit 15 ||
		log "the second drain exited $?: $(tail -n 3 "$RECV_LOG")"
	account "$src" "$dest"
	EARLY=$((lost - LOST))
	REAL=$LOST
	LOST=$lost DUPS=$dups PARTIAL=$partial
	unread
	log "lost $LOST: $EARLY left unread in Kafka by a receiver that exited early (idle exit)," \
		"$REAL missing with the offsets committed past them (a real loss); $UNREAD record(s) still unread"
}

# placed_count LOG...: "placed" lines (a file made visible) in the logs.
placed_count() {
	cat "$@" | grep -ac "): placed$" || true
}

# fault_finish SRC DEST [LOG...]: the scenario's verdict, when no
# receiver of the group runs. Writes its figures (files, bytes, faults,
# lost, duplicated, partial, unread) for run.sh, fails if anything was
# lost, duplicated or partial or if the group left records of the topic
# unread (a drain that stopped short), then checks modes and mtimes too
# (assert_trees_equal). A loss is classified (classify_loss). LOGs
# default to every receiver log of the scenario.
fault_finish() {
	local src=$1 dest=$2 files bytes unread unread_at why=
	shift 2
	[ $# -gt 0 ] || set -- "$WORK"/recv.*.log
	account "$src" "$dest" "$@"
	unread
	unread=$UNREAD unread_at=$UNREAD_AT
	if [ "$LOST" != 0 ]; then
		classify_loss "$src" "$dest"
		why=" ($EARLY left unread by an early exit, $REAL with offsets committed past them)"
	fi
	files=$(count_files "$src")
	bytes=$(cd "$src" && find . -type f -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }')
	printf 'files %s bytes %s faults %s lost %s duplicated %s partial %s unread %s\n' \
		"$files" "$bytes" "$FAULTS" "$LOST" "$DUPS" "$PARTIAL" "$unread" >"$KF_FAULT_STATS"
	note "$files files, $bytes bytes, $FAULTS faults: lost $LOST$why, duplicated $DUPS," \
		"partial $PARTIAL, unread $unread"
	[ "$LOST$DUPS$PARTIAL$unread" = 0000 ] ||
		fail "lost $LOST$why, duplicated $DUPS, partial $PARTIAL, unread $unread ${unread_at:+($unread_at) }(seed $KF_SEED)"
	assert_trees_equal "$src" "$dest"
}

# ------------------------------------------------- scenarios 1 and 2

# leader_fault_scenario INJECT: rounds of (a tree sent by kferry send
# while a receiver runs; INJECT P NODE hits the leader NODE of a seeded
# partition P 0.2..1 s into the send). The send must exit 0 and all
# partitions get three in-sync replicas again; then a drain, and DEST
# must equal the trees. CI: one round of 4 x 32 MiB + 300 small files;
# --full: three rounds of 6 x 48 MiB + 1000 small files.
leader_fault_scenario() {
	local inject=$1 src=$WORK/src dest=$WORK/dest main r i
	local rounds=1 nbig=4 big=$((32 * MiB)) nsmall=300
	[ "$KF_FULL" = 0 ] || { rounds=3; nbig=6; big=$((48 * MiB)); nsmall=1000; }

	recv_start main "$dest"
	main=$RPID
	wait_log "$main" "$WORK/recv.main.log" assigned 60
	for r in $(seq 1 "$rounds"); do
		mkdir -p "$src/r$r/big"
		for i in $(seq 1 "$nbig"); do random_file "$src/r$r/big/f$i.bin" $((big + i)); done
		small_files "$src/r$r" "$nsmall" 65536 6
		seeded_leader
		send_bg "r$r" "$src/r$r"
		sleep_ms $((200 + RANDOM % 800))
		kill -0 "$SPID" 2>/dev/null || note "round $r: the send had finished before the fault"
		"$inject" "$P" "$NODE"
		wait "$SPID" || fail "send of round $r exited $? after the fault: $(tail -n 5 "$WORK/send.r$r.log")"
		wait_until 180 all_in_sync
		log "round $r: every partition has three in-sync replicas again"
	done
	kill -TERM "$main"
	wait_exit "$main" 120 || fail "receiver exited $? after SIGTERM: $(tail -n 5 "$WORK/recv.main.log")"
	drain "$dest"
	assert_private_clean "$dest"
	fault_finish "$src" "$dest"
}
