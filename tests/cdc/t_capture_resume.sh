# SPDX-License-Identifier: Apache-2.0
# kferry capture resumes a snapshot stopped midway (docs/cdc.md 7), from
# an offsets record written here as a killed run leaves it: the slot
# created at L, table done_t done, table acct in Kafka up to key 100,
# table later_t not begun. The changes made since L are caught up for the
# rows in Kafka only, keys compared as integers (20 and 99 are above "100"
# as texts), an update moving a key across 100 giving only its Kafka
# side; the rest of acct and later_t are then read at the new slot's
# point, none of acct's rows up to 100 again; the record names the new
# slot <slot>_r (version 2), the old slot is gone, and a second run
# streams from the new slot, each change once. The first resume is killed
# during its catch-up (a backlog of one-row transactions on done_t): the
# next one resumes from what that one's records say, nothing twice.
source "$(dirname "$0")/lib.sh"

cdc_setup
tables=public.acct,public.done_t,public.later_t
for t in acct done_t later_t; do create_topic "$PREFIX.public.$t" 1; done
db_sql postgres "CREATE TABLE acct (id int PRIMARY KEY, amt int);
CREATE TABLE done_t (id int PRIMARY KEY, v text);
CREATE TABLE later_t (id int PRIMARY KEY, v text);
INSERT INTO acct SELECT g, g FROM generate_series(1, 300) g;
INSERT INTO done_t SELECT g, 'v' || g FROM generate_series(1, 5) g;
INSERT INTO later_t SELECT g, 'v' || g FROM generate_series(1, 5) g;
CREATE PUBLICATION ${SLOT}_pub FOR TABLE $tables" >/dev/null
read -r L_text L < <(db_sql postgres "SELECT lsn, lsn - '0/0' FROM pg_create_logical_replication_slot('$SLOT', 'pgoutput')")
sysid=$(db_sql postgres "SELECT system_identifier FROM pg_control_system()")
dbname=$(db_sql postgres "SELECT current_database()")
printf '%s\t{"v":1,"slot":"%s","system_id":"%s","db":"%s","lsn":%s,"txid":null,"ts_ms":0,"snapshot":{"lsn":%s,"done":["public.done_t"],"table":"public.acct","key":["100"],"rows":105}}\n' \
	"$SLOT" "$SLOT" "$sysid" "$dbname" "$L" "$L" | produce "$OFFSETS"

# changes after L, before the resume: its catch-up's
db_sql postgres "UPDATE acct SET amt = amt + 1000 WHERE id IN (20, 99, 100, 150);
UPDATE acct SET id = 500 WHERE id = 5;
UPDATE acct SET id = 0 WHERE id = 300;
UPDATE acct SET id = -1 WHERE id = 2;
DELETE FROM acct WHERE id IN (30, 200);
INSERT INTO acct VALUES (-5, 1), (400, 1);
BEGIN; UPDATE done_t SET v = 'x' WHERE id = 1; INSERT INTO done_t VALUES (6, 'six'); COMMIT;
BEGIN; UPDATE later_t SET v = 'x' WHERE id = 1; TRUNCATE later_t; INSERT INTO later_t VALUES (10, 'ten'); COMMIT;
BEGIN; TRUNCATE done_t; INSERT INTO done_t VALUES (7, 'seven'); COMMIT" >/dev/null
backlog=5000
# (commits without waiting for the disk: the backlog in seconds)
PGOPTIONS='-c synchronous_commit=off' db_sql postgres "DO \$\$ BEGIN FOR i IN 1..$backlog LOOP
	UPDATE done_t SET v = 'b' || i WHERE id = 7; COMMIT; END LOOP; END \$\$" >/dev/null
after=$(db_sql postgres "SELECT string_agg(id::text, ' ' ORDER BY id) FROM acct WHERE id > 100")

# Kafka transactions of some 40 source transactions each, so that the
# catch-up takes many commits and the kill below lands within it even on a
# fast machine (in one transaction of 16 MiB it was over in 0.6 s)
capture_bg --tables "$tables" -o capture.snapshot_chunk_rows=50 \
	-o capture.batch_bytes=64KiB
# killed once a Kafka transaction of the catch-up is committed: the slot
# moves after each one
caught_some() {
	[ "$(db_sql postgres "SELECT confirmed_flush_lsn > '$L_text' FROM pg_replication_slots WHERE slot_name = '$SLOT'")" = t ]
}
wait_until 60 caught_some
kill -KILL "$CAPTURE_PID"
wait "$CAPTURE_PID" 2>/dev/null || true
grep -q 'catching up' "$CAPTURE_LOG" && ! grep -q 'switched' "$CAPTURE_LOG" ||
	fail "the kill came after the catch-up of $backlog transactions: $(tail -n 3 "$CAPTURE_LOG")"
kf_capture --tables "$tables" -o capture.snapshot_chunk_rows=50 ||
	fail "kferry capture exited $?: $(tail -n 5 "$CAPTURE_LOG")"
from=$(grep -o "catching up slot $SLOT from LSN [0-9]*" "$CAPTURE_LOG") ||
	fail "no resume: $(tail -n 5 "$CAPTURE_LOG")"
[ "${from##* }" -gt "$L" ] ||
	fail "the resume after the kill: $from, not past the slot's point $L (the catch-up's records?)"
slots=$(db_sql postgres "SELECT string_agg(slot_name, ' ' ORDER BY slot_name) FROM pg_replication_slots")
[ "$slots" = "${SLOT}_r" ] || fail "slots after the resume: '$slots', expected ${SLOT}_r alone"

# the next run streams the new slot: the last record names it (version 2)
# with the snapshot over
db_sql postgres "INSERT INTO acct VALUES (1000, 1); UPDATE later_t SET v = 'y' WHERE id = 10" >/dev/null
kf_capture --tables "$tables" || fail "kferry capture exited $?: $(tail -n 5 "$CAPTURE_LOG")"
grep -q "streaming slot ${SLOT}_r from" "$CAPTURE_LOG" && ! grep -q 'resuming it' "$CAPTURE_LOG" || fail "not streaming ${SLOT}_r: $(tail -n 5 "$CAPTURE_LOG")"

events "$WORK/all.ev"
# changes TABLE r|-|all: the events of TABLE (r: reads, -: the others),
# one "KEY-PAYLOAD OP" a line (OP tomb: a tombstone), sorted
changes() {
	# (a truncate's key is null: its value names the table)
	awk -F'\t' -v t="$1" -v want="$2" '
	index($1, ".public." t ".Key\"") || ($1 == "null" && index($2, "\"table\":\"" t "\"")) {
		k = $1; sub(/.*"payload":/, "", k); sub(/}$/, "", k)
		o = "tomb"
		if ($2 != "null") { match($2, /"op":"."/); o = substr($2, RSTART + 6, 1) }
		if (want == "all" || (want == "r") == (o == "r")) print k, o
	}' "$WORK/all.ev" | LC_ALL=C sort
}
want=$(LC_ALL=C sort <<'EOF'
{"id":-1} c
{"id":-5} c
{"id":0} c
{"id":1000} c
{"id":100} u
{"id":20} u
{"id":2} d
{"id":2} tomb
{"id":30} d
{"id":30} tomb
{"id":5} d
{"id":5} tomb
{"id":99} u
EOF
)
got=$(changes acct -)
[ "$got" = "$want" ] || fail "acct's change events: $(diff <(echo "$want") <(echo "$got") | tr '\n' ' ')"
got=$(changes acct r | awk '{ gsub(/[^0-9-]/, "", $1); print $1 }' | sort -n | tr '\n' ' ')
[ "$got" = "$after " ] || fail "acct's snapshot events after the resume: $got (expected $after)"
got=$(changes done_t - | uniq -c | awk '{ print $1, $2, $3 }' | tr '\n' ' ')
[ "$got" = "1 null t 1 {\"id\":1} u 1 {\"id\":6} c 1 {\"id\":7} c $backlog {\"id\":7} u " ] ||
	fail "done_t's events: $got (expected the changes after L once each, its truncate, no read)"
got=$(changes later_t all | tr '\n' ' ')
[ "$got" = '{"id":10} r {"id":10} u ' ] ||
	fail "later_t's events: $got (expected its one row read at the new point, then its update)"
dups=$(dup_events "$WORK/all.ev")
[ -z "$dups" ] || fail "events produced twice: $(head -n 3 <<<"$dups")"
note "snapshot resumed (killed in its catch-up of $backlog transactions, then from ${from##* }, the slot's point $L): 13 catch-up events of acct across key 100, $(wc -w <<<"$after") rows read after it, slot ${SLOT}_r streamed"
log "t_capture_resume passed"
