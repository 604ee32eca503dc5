# SPDX-License-Identifier: Apache-2.0
# kferry capture and kferry sink killed with SIGKILL while pgbench writes
# to the source. The capture KF_CDC_KILLS times (default 10): the first
# KF_CDC_SNAPSHOT_KILLS (default 2) in the snapshot or its resume, the
# rest while streaming; each time a new capture takes over. The sink,
# applying the topics to a second database (its tables made by pgbench
# -i, no rows) all along, KF_CDC_SINK_KILLS times (default 10), each
# within a batch after its last commit moved (tests/sink/lib.sh
# kill_point's way). At the end a last capture and sink catch up, kferry
# verify finds pgbench's tables equal, no streamed event is on a topic
# twice (the same LSN, operation and key) and no row's snapshot event
# either (a snapshot killed midway is resumed, docs/cdc.md 7, not read
# again).
source "$(dirname "$0")/lib.sh"

PGBENCH=${PGBENCH:-/usr/lib/postgresql/15/bin/pgbench}
[ -x "$PGBENCH" ] || skip "no pgbench (postgresql-contrib)"
kills=${KF_CDC_KILLS:-10}
sink_kills=${KF_CDC_SINK_KILLS:-10}
snap_kills=${KF_CDC_SNAPSHOT_KILLS:-2}
rate=${KF_CDC_RATE:-150}
scale=${KF_CDC_PGBENCH_SCALE:-1}
tables=pgbench_accounts,pgbench_branches,pgbench_tellers

cdc_setup
for t in ${tables//,/ }; do create_topic "$PREFIX.public.$t" 1; done
"$PGBENCH" -i -q -s "$scale" "$SRC_URL" >"$WORK/pgbench-init.log" 2>&1 ||
	fail "pgbench -i: $(tail -n 3 "$WORK/pgbench-init.log")"
# a snapshot of a few chunks, not of the whole scale (CI's budget)
db_sql postgres "DELETE FROM pgbench_accounts WHERE aid > 10000 * $scale" >/dev/null
"$PGBENCH" -i -q -I dtp "$DST_URL" >"$WORK/pgbench-init-dst.log" 2>&1 ||
	fail "pgbench -i (target): $(tail -n 3 "$WORK/pgbench-init-dst.log")"

capture_opts=(--tables "public.${tables//,/,public.}" -o capture.snapshot_chunk_rows=200)
kill_at() { # kill_at SECONDS: SIGKILL the running capture after SECONDS
	sleep "$1"
	kill -KILL "$CAPTURE_PID" 2>/dev/null || true
	wait "$CAPTURE_PID" 2>/dev/null || true
}

# dst_committed: the offsets the sink committed in the target (0 before
# its first commit)
dst_committed() {
	psql "$DST_URL" -qAtc "SELECT COALESCE(SUM(next_offset), 0) FROM kferry_offsets WHERE consumer_group = '$GROUP'" 2>/dev/null || echo 0
}
# sink_killer: runs kferry sink in the background sink_kills times, each
# killed within a batch: once its committed offsets moved past the last
# kill's, after a random part of the time the next move took. Fails when
# a sink dies by itself or does not commit for 90 s. (A short session
# timeout: the next sink gets the partitions of the killed one's group
# member after 6 s, not 45.)
sink_killer() {
	local i since=0 now t0 t1 pid topics="" t
	for t in ${tables//,/ }; do topics+=${topics:+,}$PREFIX.public.$t; done
	for ((i = 1; i <= sink_kills; i++)); do
		"$KFERRY" sink -b "$BOOTSTRAP" -t "$topics" -g "$GROUP" --db "$DST_URL" \
			--table-format '${table}' --delete --truncate \
			-X session.timeout.ms=6000 -X heartbeat.interval.ms=500 \
			2>"$WORK/sink-bg.$i.log" &
		pid=$!
		for t in first second; do
			t0=$(date +%s%N)
			until now=$(dst_committed) && [ "$now" -gt "$since" ]; do
				kill -0 "$pid" 2>/dev/null ||
					fail "sink $i died: $(tail -n 3 "$WORK/sink-bg.$i.log")"
				[ $((($(date +%s%N) - t0) / 1000000000)) -lt 90 ] ||
					fail "sink $i: no commit past offset sum $since in 90 s"
				sleep 0.05
			done
			since=$now
		done
		t1=$(date +%s%N)
		sleep "$(awk -v ns=$((t1 - t0)) -v r="$RANDOM" 'BEGIN { printf "%.3f", ns / 1e9 * (r % 100) / 100 }')"
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		log "sink kill $i at offset sum $since or past it"
	done
}

# pgbench writes from before the first snapshot until the last kill
"$PGBENCH" -n -c 2 -T 300 -R "$rate" -b tpcb-like "$SRC_URL" >"$WORK/pgbench.log" 2>&1 &
bench=$!
on_exit "kill $bench 2>/dev/null"
sink_killer &
killer=$!
on_exit "kill $killer 2>/dev/null"
# kills during the snapshot: the first as soon as its first chunk is
# committed in Kafka (the capture logs each chunk with --debug capture:
# a kill that follows the progress, not a time that a loaded machine
# stretches or a quiet one outruns), the next ones in the resume's
# catch-up or its read of the rest
for ((i = 1; i <= snap_kills; i++)); do
	capture_bg "${capture_opts[@]}" --debug capture
	if [ "$i" = 1 ]; then
		# (polled more often than wait_until does: 50 chunks go by fast)
		for ((t = 0; t < 3000; t++)); do
			grep -sq 'snapshot chunk of .* committed' "$CAPTURE_LOG" && break
			sleep 0.01
		done
		kill_at 0
		continue
	fi
	# (a snapshot done by the run before: straight to streaming)
	wait_until 30 grep -sqE 'snapshot of|catching up|streaming slot' "$CAPTURE_LOG" ||
		fail "capture $i: no snapshot: $(tail -n 3 "$CAPTURE_LOG" 2>&1)"
	kill_at "$((RANDOM % 2)).$((RANDOM % 10))"
	grep -q 'streaming slot' "$CAPTURE_LOG" && log "kill $i came after the snapshot"
done
# the rest while streaming
for ((i = snap_kills + 1; i <= kills; i++)); do
	capture_bg "${capture_opts[@]}"
	wait_until 60 grep -sq 'streaming slot' "$CAPTURE_LOG" ||
		fail "capture $i: not streaming: $(tail -n 3 "$CAPTURE_LOG" 2>&1)"
	kill_at "$((RANDOM % 2 + 1)).$((RANDOM % 10))"
done
# the sinks' kills need the stream to flow: a capture runs until they are over
capture_bg "${capture_opts[@]}"
wait "$killer" || fail "the sink kills failed (the FAIL line above says why)"
kill -KILL "$CAPTURE_PID" 2>/dev/null || true
wait "$CAPTURE_PID" 2>/dev/null || true
kill -TERM "$bench"
wait "$bench" || true
kill -0 "$bench" 2>/dev/null && fail "pgbench did not stop"
# the last one catches up and goes idle
kf_capture "${capture_opts[@]}" || fail "kferry capture exited $?: $(tail -n 5 "$CAPTURE_LOG")"

all=$WORK/all.ev
events "$all"
streamed=$(grep -v $'\tnull$' "$all" | grep -vc '"op":"r"' || true)
[ "$streamed" -gt 100 ] || fail "only $streamed streamed events: the test did not test"
dups=$(dup_events "$all")
[ -z "$dups" ] || fail "events produced twice: $(head -n 3 <<<"$dups")"

dups=$(dup_reads "$all")
[ -z "$dups" ] || fail "rows read twice by the snapshot: $(head -n 3 <<<"$dups")"
snapshots=$(grep -c '"op":"r"' "$all" || true)
resumes=$(cat "$WORK"/capture.*.log | grep -c 'resuming it' || true)
log "$snapshots snapshot events, $resumes snapshot resume(s)"
[ "$resumes" -gt 0 ] || fail "no kill came during the snapshot after a chunk: no resume tested"
sink_all ${tables//,/ }
assert_equal ${tables//,/ }
note "$kills SIGKILLs of kferry capture and $sink_kills of kferry sink under pgbench ($resumes snapshot resumes, $snapshots snapshot and $streamed streamed events, none twice); verify: $(tail -n 1 "$WORK/verify.out")"
log "t_capture_kill passed"
