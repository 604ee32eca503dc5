# SPDX-License-Identifier: Apache-2.0
# The captured table idle while other tables of the database are written
# heavily: the slot's confirmed_flush_lsn still moves past the last of
# those writes (the server's keepalive position confirmed when nothing is
# open, docs/cdc.md 7 "Heartbeats"), and the slot retains no more WAL than
# that. On the way, the capture's /metrics (docs/metrics.md): the events,
# transactions and position of a captured transaction, and the slot's
# retained WAL with the warning threshold. About 15 s.
source "$(dirname "$0")/lib.sh"

cdc_setup
db_sql postgres "CREATE TABLE quiet (id int PRIMARY KEY, v text);
CREATE TABLE busy (id bigserial PRIMARY KEY, v text)" >/dev/null

# pg_lsn as a number, for comparisons in the shell
lsn_of() { db_sql postgres "SELECT ($1) - '0/0'::pg_lsn"; }
confirmed() { lsn_of "(SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = '$SLOT')"; }

capture_bg --tables public.quiet -o capture.status_interval_ms=500 \
	-o metrics.addr=127.0.0.1:0 -o metrics.stats_interval_ms=1000 \
	-o capture.lag_warn_bytes=1000000000
on_exit "kill $CAPTURE_PID 2>/dev/null"
wait_log "$CAPTURE_PID" "$CAPTURE_LOG" "streaming slot" 60
addr=$(sed -n 's|.*metrics of capture on http://\([^/]*\)/metrics.*|\1|p' "$CAPTURE_LOG" | head -n 1)
[ -n "$addr" ] || fail "the capture serves no /metrics: $(tail -n 5 "$CAPTURE_LOG")"
metric() { # metric NAME: its value on /metrics, or nothing
	curl -fsS "http://$addr/metrics" | awk -v n="$1" '$1 == n { print $2 }'
}
has_metric() { [ "$(metric "$1")" = "$2" ]; }

# one captured transaction of three rows: counted once it is in Kafka
db_sql postgres "INSERT INTO quiet SELECT g, 'q' || g FROM generate_series(1, 3) g" >/dev/null
wait_until 20 has_metric kferry_capture_events_total 3
has_metric kferry_capture_transactions_total 1 || fail "transactions: $(metric kferry_capture_transactions_total)"
[ "$(metric kferry_capture_bytes_total)" -gt 0 ] || fail "no bytes counted"
lsn=$(metric kferry_capture_lsn)
[ "${lsn%.*}" -ge "$(lsn_of "'0/1'::pg_lsn")" ] || fail "no position: $lsn"
has_metric kferry_capture_slot_warn_bytes 1000000000 || fail "warn threshold: $(metric kferry_capture_slot_warn_bytes)"
retained=$(metric kferry_capture_slot_retained_bytes)
[ -n "$retained" ] && [ "${retained%.*}" -ge 0 ] || fail "no retained WAL: '$retained'"
log "metrics: 3 events, 1 transaction, LSN $lsn, retained $retained bytes"

# the other table written heavily, the captured one idle
before=$(confirmed)
for i in $(seq 1 20); do
	echo "INSERT INTO busy (v) SELECT md5(g::text) FROM generate_series(1, 2000) g;"
done | "$DB_SH" sql "$DB_WORK/postgres" -q -v ON_ERROR_STOP=1 >/dev/null
end=$(lsn_of "pg_current_wal_lsn()")
log "slot at $before, 40000 rows of busy written up to $end"
ahead() { [ "$(confirmed)" -ge "$end" ]; }
wait_until 20 ahead
log "the idle slot confirmed $(confirmed) (>= $end)"
kill -0 "$CAPTURE_PID" || fail "the capture exited: $(tail -n 5 "$CAPTURE_LOG")"
# nothing of busy was emitted: the captured table is still only quiet's
has_metric kferry_capture_events_total 3 || fail "events: $(metric kferry_capture_events_total)"
log "t_capture_heartbeat passed"
