# SPDX-License-Identifier: Apache-2.0
# A sink whose starts went stale before its first commit: the sink killed
# just before it had sent its COMMIT, and its server finished that
# transaction after the next sink read next_offset (t_sink_kill met it
# under load). The next sink's first batch then finds the partition moved
# ahead: it must go on from the stored offset (the rows below it are in
# the table already), not give the partition up and idle-exit with rows
# missing, nor apply them twice (docs/sink.md 3.1).
#
# Staged without timing: a first sink applies HALF records; the stored
# offset is set back to 0; a second sink reads that start, is stopped
# (SIGSTOP) before its first batch (sink.batch_ms holds it 5 s, with
# sink.batch_eager off), the
# offset is put back to HALF as the late COMMIT would, the rest is
# produced, and the second sink goes on. Both databases. The second
# sink's /metrics is scraped meanwhile: kferry_sink_lag.
source "$(dirname "$0")/lib.sh"

HALF=1500
N=$((2 * HALF))

# lag_scrapes PID LOG TOPIC: kferry_sink_lag of TOPIC's partition 0,
# scraped while the sink works: above 0 while its first batch waits
# (sink.batch_ms), then 0 once everything is applied (the stored offset
# at the end of the partition).
lag_scrapes() {
	local addr lag max=0 i sample="kferry_sink_lag{topic=\"$3\",partition=\"0\"}"
	wait_log "$1" "$2" "/metrics (health: /healthz)" 30
	addr=$(sed -nE 's|.*metrics of [a-z]+ on http://([^/ ]+)/metrics.*|\1|p' "$2" | head -n 1)
	for ((i = 0; i < 200; i++)); do
		lag=$(curl -sS --max-time 5 "http://$addr/metrics" | awk -v k="$sample" '$1 == k { print $2 }') ||
			fail "scraping the sink's /metrics failed (lag so far: at most $max)"
		[ -n "$lag" ] && [ "$lag" -gt "$max" ] && max=$lag
		[ "$lag" = 0 ] && [ "$max" -gt 0 ] && break
		sleep 0.1
	done
	[ "$max" -gt 0 ] && [ "$lag" = 0 ] ||
		fail "$sample: at most $max, last '$lag' (expected above 0, then 0)"
	note "kferry_sink_lag: $max while the batch waited, then 0"
}

stale_start() {
	local kind=$1 topic=$TOPIC-$1 group=$GROUP-$1 log=$WORK/stale.$1.log pid rc=0
	local where="consumer_group = '$group' AND topic = '$topic'"

	create_topic "$topic" 1
	gen_records "$HALF" 1 | produce "$topic"
	TOPIC=$topic GROUP=$group kf_sink --db "$(db_url "$kind")" --table stale --create-table ||
		fail "$kind: the first sink exited $?: $(tail -n 5 "$SINK_LOG")"
	[ "$(table_sums "$kind" stale)" = "$(expect_sums "$HALF")" ] ||
		fail "$kind: the first sink left $(table_sums "$kind" stale)"
	db_sql "$kind" "UPDATE kferry_offsets SET next_offset = 0 WHERE $where" >/dev/null
	"$KFERRY" sink -b "$BOOTSTRAP" -t "$topic" -g "$group" --db "$(db_url "$kind")" \
		--table stale --idle-exit 6 -o sink.batch_ms=5000 -o sink.batch_eager=false --metrics-addr 127.0.0.1:0 2>"$log" &
	pid=$!
	KF_BG_PIDS+=("$pid")
	wait_log "$pid" "$log" "starts at the stored offset 0" 60
	kill -STOP "$pid"
	db_sql "$kind" "UPDATE kferry_offsets SET next_offset = $HALF WHERE $where" >/dev/null
	kill -CONT "$pid"
	gen_records "$HALF" $((HALF + 1)) | produce "$topic"
	lag_scrapes "$pid" "$log" "$topic"
	wait "$pid" || rc=$?
	[ "$rc" = 0 ] || fail "$kind: the second sink exited $rc: $(tail -n 5 "$log")"
	[ "$(table_sums "$kind" stale)" = "$(expect_sums "$N")" ] ||
		fail "$kind: the table holds $(table_sums "$kind" stale), expected $(expect_sums "$N")"
	grep -q "applied by another transaction" "$log" ||
		fail "$kind: the second sink did not meet the moved offset: $(tail -n 5 "$log")"
	[ "$(db_sql "$kind" "SELECT next_offset FROM kferry_offsets WHERE $where")" = "$N" ] ||
		fail "$kind: next_offset is not $N"
	note "$kind: a start that went stale is caught up: all $N rows, once"
}

for kind in postgres mariadb; do
	db_start "$kind"
	stale_start "$kind"
done
