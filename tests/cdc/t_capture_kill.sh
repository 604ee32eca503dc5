# SPDX-License-Identifier: Apache-2.0
# kferry capture killed with SIGKILL while pgbench writes to the source:
# during the snapshot and during streaming (KF_CDC_KILLS times in all,
# default 6: the first KF_CDC_SNAPSHOT_KILLS, default 2, in the snapshot
# or its resume); each time a new capture
# takes over. At the end kferry sink applies the topics to a second
# database (its tables made by pgbench -i, no rows) and kferry verify
# finds pgbench's tables equal; no streamed event is on a topic twice
# (the same LSN, operation and key) and no row's snapshot event either
# (a snapshot killed midway is resumed, docs/cdc.md 7, not read again).
source "$(dirname "$0")/lib.sh"

PGBENCH=${PGBENCH:-/usr/lib/postgresql/15/bin/pgbench}
[ -x "$PGBENCH" ] || skip "no pgbench (postgresql-contrib)"
kills=${KF_CDC_KILLS:-6}
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

# pgbench writes from before the first snapshot until the last kill
"$PGBENCH" -n -c 2 -T 300 -R "$rate" -b tpcb-like "$SRC_URL" >"$WORK/pgbench.log" 2>&1 &
bench=$!
on_exit "kill $bench 2>/dev/null"
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
note "$kills SIGKILLs of kferry capture under pgbench ($resumes snapshot resumes, $snapshots snapshot and $streamed streamed events, none twice); verify: $(tail -n 1 "$WORK/verify.out")"
log "t_capture_kill passed"
