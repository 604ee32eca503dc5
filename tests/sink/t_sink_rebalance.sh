# SPDX-License-Identifier: Apache-2.0
# Exactly once across rebalances: while records flow into PostgreSQL, a
# second sink joins the group of the first (partitions move to it), then
# the first is stopped (its partitions move again); the second runs to
# the end, and the table holds every record once (count and sums computed
# in SQL), in insert mode without any key. $TOPIC has 4 partitions.
source "$(dirname "$0")/lib.sh"

N=${KF_SINK_REBALANCE_ROWS:-60000}
PARTS=20
# small batches: the sinks are mid-load for the whole test
OPTS=(--table rebal --create-table -o sink.batch_rows=500 -X session.timeout.ms=6000
	-X heartbeat.interval.ms=500)

db_start postgres
url=$(db_url postgres)

# Two thirds of the records arrive in PARTS parts, 0.3 s apart, while
# both sinks run; the last third only after the first sink stopped, so
# that it stops mid-load whatever the speeds.
HEAD=$((N * 2 / 3 / PARTS * PARTS))
(
	for ((i = 0; i < PARTS; i++)); do
		gen_records $((HEAD / PARTS)) $((i * HEAD / PARTS + 1)) | produce "$TOPIC"
		sleep 0.3
	done
) &
prod=$!
KF_BG_PIDS+=("$prod")

rows() { db_sql postgres "SELECT count(*) FROM rebal" 2>/dev/null || echo 0; }
past() { [ "$(rows)" -ge "$1" ]; }

"$KFERRY" sink -b "$BOOTSTRAP" -t "$TOPIC" -g "$GROUP" --db "$url" "${OPTS[@]}" 2>"$WORK/first.log" &
first=$!
KF_BG_PIDS+=("$first")
wait_until 30 past 1
at_join=$(rows)

# (kf_sink logs to sink.1.log; a longer idle exit outlasts the rebalances)
kf_sink --db "$url" "${OPTS[@]}" --idle-exit 6 &
second=$!
KF_BG_PIDS+=("$second")
# the first gives up partitions and the second starts on them
wait_log "$second" "$WORK/sink.1.log" "starts at" 30
at_stop=$(rows)
kill -TERM "$first"
rc=0
wait "$first" || rc=$?
case $rc in 0 | 130 | 143) ;; *) fail "the first sink exited $rc when stopped: $(tail -n 5 "$WORK/first.log")" ;; esac

wait "$prod" || fail "producing the records failed"
gen_records $((N - HEAD)) $((HEAD + 1)) | produce "$TOPIC"
rc=0
wait "$second" || rc=$?
[ "$rc" = 0 ] || fail "the second sink exited $rc: $(tail -n 5 "$WORK/sink.1.log")"
got=$(table_sums postgres rebal)
[ "$got" = "$(expect_sums "$N")" ] ||
	fail "after the rebalances the table holds $got, expected $(expect_sums "$N")"
note "rows when the second joined: $at_join, when the first stopped: $at_stop; then all $N, once"
log "t_sink_rebalance passed"
