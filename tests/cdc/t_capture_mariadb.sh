# SPDX-License-Identifier: Apache-2.0
# kferry capture from MariaDB's binlog (docs/cdc.md 10): two tables (an
# int key, a composite key) with rows before the capture (its snapshot),
# then a workload of multi-statement transactions (inserts, updates,
# a key change, deletes) from the snapshot on; two SIGKILLs of the
# capture during the snapshot (after its first chunk is in Kafka, then in
# the resume: docs/cdc.md 10.6), one while it streams, and a restart from
# the offsets record. kferry
# sink applies the topics into PostgreSQL and into a second MariaDB
# database; kferry verify finds both equal to the source; no streamed
# event is on a topic twice (the same GTID, row, key and operation), no
# snapshot row either. Refused at start: --publication, a binlog_format
# that is not ROW. At the end, a TRUNCATE (a warning) and a DROP TABLE
# (the capture stops) of captured tables.
source "$(dirname "$0")/lib.sh"

txns=${KF_CDC_MARIADB_TXNS:-300}
cdc_setup_mariadb
db_start postgres
MDB_URL=$SRC_URL
tables="acct line"
for t in $tables; do create_topic "$PREFIX.kferry.$t" 1; done

db_sql mariadb "CREATE TABLE acct (id INT PRIMARY KEY, name VARCHAR(40)
	CHARACTER SET utf8mb4 NOT NULL, bal DECIMAL(12,2), seen DATETIME(3),
	flags BIGINT UNSIGNED) ENGINE=InnoDB;
CREATE TABLE line (ord INT, n SMALLINT, qty INT NOT NULL, note TEXT,
	PRIMARY KEY (ord, n)) ENGINE=InnoDB;
CREATE DATABASE kferry_dst;" >/dev/null
# the snapshot's rows: a few chunks of 20
{
	echo "BEGIN;"
	for ((i = 1; i <= 120; i++)); do
		echo "INSERT INTO acct VALUES ($i, 'acct $i é', $i.25, '2026-12-0$((i % 9 + 1)) 10:00:0$((i % 10)).123', $((i * 1000)));"
		echo "INSERT INTO line VALUES ($i, 1, $i, 'first'), ($i, 2, $((i * 2)), NULL);"
	done
	echo "COMMIT;"
} | "$DB_SH" sql "$DB_WORK/mariadb" || fail "the rows before the capture"

# workload: each transaction inserts, updates, deletes across both tables
workload() {
	local i id
	for ((i = 1; i <= txns; i++)); do
		id=$((1000 + i))
		echo "BEGIN;"
		echo "INSERT INTO acct VALUES ($id, 'new $i', $i.50, NOW(3), 9223372036854775807 - $i);"
		echo "INSERT INTO line VALUES ($id, 1, $i, 'w'), ($id, 2, 1, 'x');"
		echo "UPDATE acct SET bal = bal + 1, name = CONCAT(name, '+') WHERE id = $((i % 120 + 1));"
		echo "UPDATE line SET qty = qty + 5 WHERE ord = $((i % 120 + 1));"
		[ $((i % 7)) = 0 ] && echo "DELETE FROM line WHERE ord = $((id - 3)) AND n = 2;"
		[ $((i % 11)) = 0 ] && echo "DELETE FROM acct WHERE id = $((id - 5));"
		# a key change: delete + create
		[ $((i % 13)) = 0 ] && echo "UPDATE line SET n = 3 WHERE ord = $((id - 1)) AND n = 1;"
		echo "COMMIT;"
		[ $((i % 5)) = 0 ] && echo "DO SLEEP(0.2);"
	done
	return 0
}

capture_opts=(--tables kferry.acct,kferry.line -o capture.snapshot_chunk_rows=20)
# refused at start: a PostgreSQL option (usage, 2), a server that writes
# statements (setup, 3, naming the setting)
rc=0; kf_capture "${capture_opts[@]}" --publication p || rc=$?
[ "$rc" = 2 ] && grep -q 'publication' "$CAPTURE_LOG" ||
	fail "--publication: exit $rc: $(tail -n 2 "$CAPTURE_LOG")"
db_sql mariadb "SET GLOBAL binlog_format = STATEMENT" >/dev/null
rc=0; kf_capture "${capture_opts[@]}" || rc=$?
db_sql mariadb "SET GLOBAL binlog_format = ROW" >/dev/null
[ "$rc" = 3 ] && grep -q 'binlog_format' "$CAPTURE_LOG" ||
	fail "binlog_format STATEMENT: exit $rc: $(tail -n 2 "$CAPTURE_LOG")"
# killed once its first chunk is in Kafka (--debug capture logs each),
# then in its resume (the catch-up of what the workload wrote since, or
# the read of the rest)
capture_bg "${capture_opts[@]}" --debug capture
for ((t = 0; t < 6000; t++)); do # (polled often: chunks go by fast)
	grep -sq 'snapshot chunk of .* committed' "$CAPTURE_LOG" && break
	sleep 0.01
done
kill -KILL "$CAPTURE_PID"
wait "$CAPTURE_PID" 2>/dev/null || true
t0=$(now)
workload | "$DB_SH" sql "$DB_WORK/mariadb" >"$WORK/workload.log" 2>&1 &
bench=$!
on_exit "kill $bench 2>/dev/null"
capture_bg "${capture_opts[@]}" --debug capture
wait_until 60 grep -sq 'resuming it' "$CAPTURE_LOG" ||
	fail "the snapshot was not resumed: $(tail -n 3 "$CAPTURE_LOG" 2>&1)"
sleep "0.$((RANDOM % 10))"
kill -KILL "$CAPTURE_PID"
wait "$CAPTURE_PID" 2>/dev/null || true
log "capture killed in the snapshot and in its resume: $(grep -c 'committed' "$CAPTURE_LOG") chunk(s) of the resume in Kafka"
capture_bg "${capture_opts[@]}"
wait_until 60 grep -sq 'streaming the binlog' "$CAPTURE_LOG" ||
	fail "the capture did not stream: $(tail -n 3 "$CAPTURE_LOG" 2>&1)"
grep -q 'resuming it' "$CAPTURE_LOG" && log "the third run resumed the snapshot too"
sleep "1.$((RANDOM % 10))"
kill -KILL "$CAPTURE_PID"
wait "$CAPTURE_PID" 2>/dev/null || true
log "capture killed while the workload runs"
wait "$bench" || fail "the workload failed: $(tail -n 3 "$WORK/workload.log")"
wrote=$(elapsed "$t0")
log "the workload wrote $txns transactions in $wrote s"
# the restart catches up from the offsets record, then goes idle
t1=$(now)
kf_capture "${capture_opts[@]}" || fail "kferry capture exited $?: $(tail -n 5 "$CAPTURE_LOG")"
log "the restart's catch-up and idle exit took $(elapsed "$t1") s"
grep -q 'streaming the binlog from GTID position' "$CAPTURE_LOG" ||
	fail "the restart did not stream from the record's position"
grep -q 'snapshot of' "$CAPTURE_LOG" && fail "the restart took a snapshot again"
# its summary names the GTID position it reached, not an LSN
pos=$(printf '%s' "$CAPTURE_JSON" | sed -nE 's/.*"position":"([^"]*)".*/\1/p')
[[ $pos =~ ^0-1-[0-9]+$ ]] || fail "the summary's position is '$pos', not a GTID position: $CAPTURE_JSON"

all=$WORK/all.ev
events "$all"
streamed=$(grep -v $'\tnull$' "$all" | grep -vc '"op":"r"' || true)
[ "$streamed" -gt "$txns" ] || fail "only $streamed streamed events"
dups=$(dup_events "$all")
[ -z "$dups" ] || fail "events produced twice: $(head -n 3 <<<"$dups")"
dups=$(dup_reads "$all")
[ -z "$dups" ] || fail "rows read twice by the snapshot: $(head -n 3 <<<"$dups")"
grep -q '"connector":"mariadb"' "$all" || fail "not MariaDB's source struct"

# into PostgreSQL
DST_URL=$(db_url postgres)
GROUP0=$GROUP
GROUP=$GROUP0.pg
sink_all $tables
assert_equal acct line
# into a second MariaDB database
DST_URL=${MDB_URL%/*}/kferry_dst
GROUP=$GROUP0.mdb
sink_all $tables
assert_equal acct line

# transactions of a table not captured, and nothing else: an offsets
# record at their position follows within capture.status_interval_ms
# (docs/cdc.md 10.5), so a restart starts after them
capture_bg "${capture_opts[@]}" -o capture.status_interval_ms=500
wait_until 60 grep -sq 'streaming the binlog' "$CAPTURE_LOG" ||
	fail "the capture did not stream: $(tail -n 3 "$CAPTURE_LOG" 2>&1)"
before=$(db_sql mariadb "SELECT @@gtid_binlog_pos")
db_sql mariadb "CREATE TABLE other (id INT PRIMARY KEY); INSERT INTO other VALUES (1);
	INSERT INTO other VALUES (2)" >/dev/null
target=$(db_sql mariadb "SELECT @@gtid_binlog_pos")
[ "$target" != "$before" ] || fail "test setup: the binlog did not move"
# recorded: the offsets topic's last record is at the server's position
recorded() {
	offsets_records "$WORK/offsets"
	[ "$(tail -n 1 "$WORK/offsets" | sed -nE 's/.*"gtid":"([^"]*)".*/\1/p')" = "$target" ]
}
wait_until 30 recorded
kill -TERM "$CAPTURE_PID"
wait "$CAPTURE_PID" || true
log "an offsets record at $target after 3 transactions without events (from $before)"

# while streaming: a TRUNCATE of a captured table is a warning (no
# event, as Debezium's default), a DROP TABLE of one stops the capture
# (exit 3, naming the table and the GTID: docs/cdc.md 10.7)
capture_bg "${capture_opts[@]}"
wait_until 60 grep -sq 'streaming the binlog' "$CAPTURE_LOG" ||
	fail "the capture did not stream: $(tail -n 3 "$CAPTURE_LOG" 2>&1)"
db_sql mariadb "TRUNCATE TABLE line; DROP TABLE /* gone */ IF EXISTS \`acct\`" >/dev/null
rc=0
wait "$CAPTURE_PID" || rc=$?
[ "$rc" = 3 ] && grep -q 'DROP TABLE of captured table kferry.acct' "$CAPTURE_LOG" ||
	fail "DROP TABLE: exit $rc: $(tail -n 2 "$CAPTURE_LOG")"
grep -q 'GTID 0-1-[0-9]*: TRUNCATE of captured table kferry.line' "$CAPTURE_LOG" ||
	fail "no warning for the TRUNCATE: $(tail -n 2 "$CAPTURE_LOG")"
