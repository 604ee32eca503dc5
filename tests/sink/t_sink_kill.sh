# SPDX-License-Identifier: Apache-2.0
# Exactly once across kill -9: while records are produced and flow into
# PostgreSQL and MariaDB, the sink is killed (SIGKILL) again and again and
# restarted; at the end the table equals what was produced (count and sums computed in
# SQL: a row applied twice or lost changes them), in insert mode without
# any key and in upsert mode on the message key.
#
# KF_SINK_KILL_ROWS (default 200000; 1000000 for the issue's full size)
# records, KF_SINK_KILLS (default 10) kills per run.
source "$(dirname "$0")/lib.sh"

N=${KF_SINK_KILL_ROWS:-200000}
KILLS=${KF_SINK_KILLS:-10}
CHUNK=$(((N + KILLS - 1) / KILLS))

# A static member (group.instance.id) that comes back takes its
# partitions again at once, rather than after the session timeout of the
# killed one: every restart works on.
KILL_OPTS=(-o sink.batch_rows=2000 -X session.timeout.ms=6000 -X heartbeat.interval.ms=500)

# kill_runs KIND TABLE [sink options]: on a topic of its own, KILLS runs,
# each started while the next CHUNK records are being produced and killed
# 0.05..0.65 s after it read its starts; then one to the end. The table must
# then hold every record once.
kill_runs() {
	local kind=$1 table=$2 i pid ppid rc klog seen="" first n
	local topic=$TOPIC-$kind-$table
	shift 2
	create_topic "$topic" 4
	for ((i = 1; i <= KILLS; i++)); do
		first=$(((i - 1) * CHUNK + 1))
		n=$((first + CHUNK - 1 > N ? N - first + 1 : CHUNK))
		gen_records "$n" "$first" 1 | produce "$topic" &
		ppid=$!
		klog=$WORK/kill.$kind.$table.$i.log
		"$KFERRY" sink -b "$BOOTSTRAP" -t "$topic" -g "$GROUP-$kind-$table" \
			--db "$(db_url "$kind")" --table "$table" --create-table \
			"${KILL_OPTS[@]}" -X group.instance.id="kill-$kind-$table" "$@" 2>"$klog" &
		pid=$!
		KF_BG_PIDS+=("$pid")
		wait_log "$pid" "$klog" "starts at" 60
		sleep "$(awk -v r="$RANDOM" 'BEGIN { printf "%.2f", 0.05 + r % 60 / 100 }')"
		kill -KILL "$pid" 2>/dev/null || fail "sink $i was not running at its kill moment: $(tail -n 5 "$klog")"
		wait "$pid" 2>/dev/null || true
		wait "$ppid" || fail "producing records $first.. failed"
		seen="$seen $(db_sql "$kind" "SELECT COUNT(*) FROM $table" 2>/dev/null || echo -)"
	done
	rc=0
	TOPIC=$topic kf_sink --db "$(db_url "$kind")" --table "$table" --create-table -g "$GROUP-$kind-$table" \
		"${KILL_OPTS[@]}" -X group.instance.id="kill-$kind-$table" "$@" || rc=$?
	[ "$rc" = 0 ] || fail "$kind $table: the last run exited $rc: $(tail -n 5 "$SINK_LOG")"
	got=$(table_sums "$kind" "$table")
	[ "$got" = "$(expect_sums "$N")" ] ||
		fail "$kind $table: after $KILLS kills the table holds $got, expected $(expect_sums "$N")"
	note "$kind $table: rows at each kill:$seen; then all $N, once"
}

for kind in postgres mariadb; do
	db_start "$kind"
	kill_runs "$kind" kill_insert
	kill_runs "$kind" kill_upsert --mode upsert
done
