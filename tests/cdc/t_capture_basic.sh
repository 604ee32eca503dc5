# SPDX-License-Identifier: Apache-2.0
# kferry capture: a snapshot of two tables (one with a two-column key),
# then multi-statement transactions of inserts, updates (one changing a
# primary key), deletes and a truncate; kferry sink --delete --truncate
# applies the events into a second database and kferry verify finds the
# tables equal. The topics hold one event per change (a delete's
# tombstone after it), and a second capture run finds nothing new to
# produce (exactly once across a restart). The snapshot's offsets records
# carry the last key in Kafka of the table in progress.
source "$(dirname "$0")/lib.sh"

cdc_setup
for t in acct k2; do create_topic "$PREFIX.public.$t" 1; done
db_sql postgres "CREATE TABLE acct (id int PRIMARY KEY, amt numeric(12,2),
	name text, d date, ts timestamp(3), ok boolean NOT NULL DEFAULT true,
	js jsonb, big bigint);
CREATE TABLE k2 (a int, b text, v bigint, PRIMARY KEY (a, b));
INSERT INTO acct (id, amt, name, d, ts, js, big)
	SELECT g, g * 1.25, '정산 ' || g, DATE '2026-01-01' + g,
	       TIMESTAMP '2026-12-02 10:00:00.123' + g * INTERVAL '1 minute',
	       '{\"n\": 1}', g::bigint * 1000000007 FROM generate_series(1, 250) g;
INSERT INTO k2 SELECT g % 7, 'k' || g, g FROM generate_series(1, 40) g" >/dev/null

# the snapshot in chunks of 100 rows, streaming started, then changes
capture_bg --tables public.acct,public.k2 -o capture.snapshot_chunk_rows=100
wait_until 60 grep -sq 'streaming slot' "$CAPTURE_LOG" ||
	fail "the capture did not start streaming: $(tail -n 5 "$CAPTURE_LOG")"
db_sql postgres "BEGIN;
INSERT INTO acct (id, amt, name) VALUES (1001, -0.05, 'new one'), (1002, 0, '');
UPDATE acct SET amt = amt + 1, name = name || ' (바뀜)' WHERE id BETWEEN 10 AND 19;
DELETE FROM acct WHERE id IN (20, 21, 1002);
COMMIT;
BEGIN;
UPDATE acct SET id = 5000 WHERE id = 30;
UPDATE acct SET ok = false, d = NULL, js = '[1, 2]' WHERE id = 31;
TRUNCATE k2;
INSERT INTO k2 VALUES (1, 'after', 42), (2, 'after', 43);
COMMIT;
INSERT INTO acct (id, name) VALUES (1003, E'tab\\there');
DELETE FROM k2 WHERE a = 2" >/dev/null
kill -TERM "$CAPTURE_PID"
wait "$CAPTURE_PID" || log "the capture stopped with exit $?"
# whatever the stop aborted is produced again by a run that goes idle
kf_capture --tables public.acct,public.k2 || fail "kferry capture exited $?: $(tail -n 5 "$CAPTURE_LOG")"

events "$WORK/all.ev"
grep -F '.public.acct.Key"' "$WORK/all.ev" >"$WORK/acct.ev" || true
grep -F '.public.k2.Key"' "$WORK/all.ev" >"$WORK/k2.ev" || true
n_r=$(grep -c '"op":"r"' "$WORK/acct.ev")
[ "$n_r" = 250 ] || fail "$n_r snapshot events of acct, expected 250"
# 2 inserts + 10 updates + 3 deletes (3 tombstones) + the key change
# (delete, tombstone, create) + 1 update + 1 insert
for want in 'c 4' 'u 11' 'd 4'; do
	set -- $want
	got=$(grep -c "\"op\":\"$1\"" "$WORK/acct.ev" || true)
	[ "$got" = "$2" ] || fail "$got '$1' events of acct, expected $2"
done
got=$(grep -c $'\tnull$' "$WORK/acct.ev" || true)
[ "$got" = 4 ] || fail "$got tombstones on acct, expected 4"
grep '"op":"t"' "$WORK/all.ev" | grep -qF '"table":"k2"' || fail "no truncate event on k2"
first=$(grep -m 1 '"op":"r"' "$WORK/acct.ev")
[[ $first == *'"snapshot":"first"'* ]] || fail "the first snapshot event is not marked first"
last=$(grep '"op":"r"' "$WORK/k2.ev" | tail -n 1)
[[ $last == *'"snapshot":"last"'* ]] || fail "the last snapshot event is not marked last"
# no event twice: the same LSN and key
dups=$(dup_events "$WORK/all.ev")
[ -z "$dups" ] || fail "events produced twice: $dups"
# each snapshot chunk's offsets record names the last key of the table
# in progress in Kafka (docs/cdc.md 5): chunks of 100 rows, the row at a
# chunk's end held back for the next chunk; the last chunk closes it
offsets_records "$WORK/offsets"
keys=$(grep -F '"snapshot":{' "$WORK/offsets" |
	grep -oE '"table":"[^"]*","key":(null|\[[^]]*\])' | tr '\n' ' ' || true)
want='"table":"public.acct","key":["99"] "table":"public.acct","key":["199"] "table":"public.acct","key":["250"] '
[ "$keys" = "$want" ] || fail "the snapshot's offsets records: $keys; expected $want"

sink_all acct k2
assert_equal acct k2
[ "$(db_sql postgres "SELECT count(*) FROM k2")" = 1 ] || fail "test setup: k2 should hold 1 row"

# a second run: everything is in Kafka already
kf_capture --tables public.acct,public.k2 || fail "kferry capture exited $?: $(tail -n 5 "$CAPTURE_LOG")"
[ "$(json_field "$CAPTURE_JSON" events)" = 0 ] || fail "the second run produced events again: $CAPTURE_JSON"
# its position: the LSN of the offsets record, in PostgreSQL's X/X text
lsn=$(json_field "$CAPTURE_JSON" lsn)
pos=$(printf '%s' "$CAPTURE_JSON" | sed -nE 's/.*"position":"([^"]*)".*/\1/p')
[ "$pos" = "$(printf '%X/%X' $((lsn >> 32)) $((lsn & 0xFFFFFFFF)))" ] && [ "$lsn" != 0 ] ||
	fail "the summary's position '$pos' is not its LSN $lsn: $CAPTURE_JSON"
note "snapshot 250 + 40 rows, streamed changes applied by kferry sink; verify: $(tail -n 1 "$WORK/verify.out")"
log "t_capture_basic passed"
