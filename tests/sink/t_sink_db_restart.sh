# SPDX-License-Identifier: Apache-2.0
# Exactly once across a database crash: while records flow into
# PostgreSQL, the server is stopped without a clean shutdown (pg_ctl -m
# immediate) and started again; the sink reconnects and runs to the end,
# and the table holds every record once (count and sums computed in SQL),
# in insert mode without any key.
source "$(dirname "$0")/lib.sh"

N=${KF_SINK_RESTART_ROWS:-60000}
PARTS=20

db_start postgres
url=$(db_url postgres)

# the first two thirds arrive while the sink runs and the server
# crashes (after the sink's commits began, within a batch); the rest
# after it
produce_head "$N" "$PARTS"

# (kf_sink logs to sink.1.log; the idle exit outlasts the outage)
kf_sink --db "$url" --table restart --create-table -o sink.batch_rows=500 --idle-exit 6 &
sink=$!
KF_BG_PIDS+=("$sink")
# mid-stream: after commits of the sink, at a random moment within a batch
kill_point postgres "$GROUP" 0 "$sink"
at_crash=$COMMITTED
"$DB_SH" stop "$DB_WORK/postgres" --crash || fail "pg_ctl -m immediate failed"
sleep 1
"$DB_SH" start postgres "$DB_WORK/postgres" >>"$WORK/postgres.start.log" 2>&1 ||
	fail "PostgreSQL did not start again: $(tail -n 3 "$WORK/postgres.start.log")"
kill -0 "$sink" 2>/dev/null || fail "the sink did not outlive the restart: $(tail -n 5 "$WORK/sink.1.log")"

produce_tail "$N"
wait_sink_end "$sink" "$N" restart "the restart"
# and commits after it, on a new connection
grep -q 'connected to the database again' "$WORK/sink.1.log" ||
	fail "the sink never reconnected: the crash did not cut its stream"
note "messages committed before the crash: $at_crash; then all $N, once (the sink reconnected $(grep -c 'connected to the database again' "$WORK/sink.1.log") time(s))"
log "t_sink_db_restart passed"
