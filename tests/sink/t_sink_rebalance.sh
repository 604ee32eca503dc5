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

# the first two thirds arrive while both sinks run and the first stops;
# the rest after it
produce_head "$N" "$PARTS"

"$KFERRY" sink -b "$BOOTSTRAP" -t "$TOPIC" -g "$GROUP" --db "$url" "${OPTS[@]}" 2>"$WORK/first.log" &
first=$!
KF_BG_PIDS+=("$first")
wait_until 30 rows_past postgres rebal 1
at_join=$(table_rows postgres rebal)

# (kf_sink logs to sink.1.log; a longer idle exit outlasts the rebalances)
kf_sink --db "$url" "${OPTS[@]}" --idle-exit 6 &
second=$!
KF_BG_PIDS+=("$second")
# the first gives up partitions and the second starts on them
wait_log "$second" "$WORK/sink.1.log" "starts at" 30
at_stop=$(table_rows postgres rebal)
kill -TERM "$first"
rc=0
wait "$first" || rc=$?
case $rc in 0 | 130 | 143) ;; *) fail "the first sink exited $rc when stopped: $(tail -n 5 "$WORK/first.log")" ;; esac

produce_tail "$N"
wait_sink_end "$second" "$N" rebal "the rebalances"
note "rows when the second joined: $at_join, when the first stopped: $at_stop; then all $N, once"
log "t_sink_rebalance passed"
