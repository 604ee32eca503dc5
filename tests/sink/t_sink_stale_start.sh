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
# (SIGSTOP) before its first batch (sink.batch_ms holds it 5 s), the
# offset is put back to HALF as the late COMMIT would, the rest is
# produced, and the second sink goes on. Both databases.
source "$(dirname "$0")/lib.sh"

HALF=1500
N=$((2 * HALF))

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
		--table stale --idle-exit 3 -o sink.batch_ms=5000 2>"$log" &
	pid=$!
	KF_BG_PIDS+=("$pid")
	wait_log "$pid" "$log" "starts at the stored offset 0" 60
	kill -STOP "$pid"
	db_sql "$kind" "UPDATE kferry_offsets SET next_offset = $HALF WHERE $where" >/dev/null
	kill -CONT "$pid"
	gen_records "$HALF" $((HALF + 1)) | produce "$topic"
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
