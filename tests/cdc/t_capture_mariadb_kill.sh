# SPDX-License-Identifier: Apache-2.0
# kferry capture from MariaDB and kferry sink killed with SIGKILL while a
# workload writes to the source (docs/cdc.md 10.6, issue 15): three
# tables (an INT key, a composite key, a BIGINT UNSIGNED key: values
# below 2^63, which Debezium's long mode keeps positive) with rows
# before the first capture; multi-statement transactions of inserts,
# updates, deletes and key changes (some across the snapshot's bound) all
# along. The capture KF_CDC_KILLS times (default 10): the first
# KF_CDC_SNAPSHOT_KILLS (default 3) in the snapshot or its resumes (after
# a chunk is in Kafka), the rest while streaming. kferry sink into
# PostgreSQL and into a second MariaDB database, each killed
# KF_CDC_SINK_KILLS times (default 5 each) after a commit. At the end a
# last capture and sinks catch up; kferry verify finds both targets
# equal; no streamed event is on a topic twice (GTID, row, key,
# operation) and no row's snapshot event either. Slow (minutes): with
# KF_CDC_SLOW=1 only; CI runs t_capture_mariadb's two snapshot kills.
# kf-timeout: 900
source "$(dirname "$0")/lib.sh"

[ -n "${KF_CDC_SLOW:-}" ] || skip "slow (minutes): set KF_CDC_SLOW=1 to run it"
kills=${KF_CDC_KILLS:-10}
snap_kills=${KF_CDC_SNAPSHOT_KILLS:-3}
sink_kills=${KF_CDC_SINK_KILLS:-5}
rows=${KF_CDC_ROWS:-600}

cdc_setup_mariadb
db_start postgres
MDB_URL=$SRC_URL
PG_URL=$(db_url postgres)
MDB_DST_URL=${MDB_URL%/*}/kferry_dst
tables="acct line big"
for t in $tables; do create_topic "$PREFIX.kferry.$t" 1; done
db_sql mariadb "CREATE TABLE acct (id INT PRIMARY KEY, name VARCHAR(40)
	CHARACTER SET utf8mb4 NOT NULL, bal DECIMAL(12,2)) ENGINE=InnoDB;
CREATE TABLE line (ord INT, n SMALLINT, qty INT NOT NULL,
	PRIMARY KEY (ord, n)) ENGINE=InnoDB;
CREATE TABLE big (id BIGINT UNSIGNED PRIMARY KEY, v INT) ENGINE=InnoDB;
CREATE DATABASE kferry_dst;" >/dev/null
{
	echo "BEGIN;"
	for ((i = 1; i <= rows; i++)); do
		echo "INSERT INTO acct VALUES ($i, 'acct $i', $i.25);"
		echo "INSERT INTO line VALUES ($i, 1, $i), ($i, 2, $((i * 2)));"
		echo "INSERT INTO big VALUES ($((i * 1000)), $i), (9223372036854775807 - $i, -$i);"
	done
	echo "COMMIT;"
} | "$DB_SH" sql "$DB_WORK/mariadb" || fail "the rows before the capture"

# workload: until $WORK/stop exists, transactions across the tables;
# rows anywhere in the key range (below and above a snapshot's bound), a
# key change of acct moving a row to the end of the range and one of
# line within it; then a last statement that says it is over
workload() {
	local i=0 id r
	while [ ! -e "$WORK/stop" ]; do
		i=$((i + 1))
		id=$((100000 + i))
		r=$((RANDOM % rows + 1))
		echo "BEGIN;"
		echo "INSERT INTO acct VALUES ($id, 'new $i', $i.50);"
		echo "UPDATE acct SET bal = bal + 1, name = CONCAT(LEFT(name, 30), '+') WHERE id = $r;"
		echo "INSERT INTO line VALUES ($id, 1, $i);"
		echo "UPDATE line SET qty = qty + 5 WHERE ord = $((RANDOM % rows + 1));"
		echo "UPDATE big SET v = v + 1 WHERE id = $((r * 1000)) OR id = 9223372036854775807 - $r;"
		[ $((i % 7)) = 0 ] && echo "DELETE FROM line WHERE ord = $((RANDOM % rows + 1)) AND n = 2;"
		[ $((i % 11)) = 0 ] && echo "DELETE FROM acct WHERE id = $((RANDOM % rows + 1));"
		[ $((i % 13)) = 0 ] && echo "UPDATE acct SET id = id + 200000 WHERE id = $((RANDOM % rows + 1));"
		[ $((i % 17)) = 0 ] && echo "UPDATE line SET n = n + 10 WHERE ord = $((RANDOM % rows + 1)) AND n = 1;"
		echo "COMMIT;"
		[ $((i % 5)) = 0 ] && echo "DO SLEEP(0.1);"
	done
	echo "SELECT 'workload over';"
}

capture_opts=(--tables kferry.acct,kferry.line,kferry.big -o capture.snapshot_chunk_rows=50)
# gone PID: waits until PID has ended (polled: a `wait` for one of many
# children can hang when another job's process went first)
gone() {
	local t
	for ((t = 0; t < 600; t++)); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.1
	done
	fail "process $1 did not end"
}
kill_at() { # kill_at SECONDS: SIGKILL the running capture after SECONDS
	sleep "$1"
	kill -KILL "$CAPTURE_PID" 2>/dev/null || true
	gone "$CAPTURE_PID"
}

# committed URL: the sum of the offsets the sink of $GROUP.URL committed
# in that target (0 before its first commit)
committed() {
	local t=kferry_offsets
	[ "$1" = pg ] || t=kferry_dst.kferry_offsets
	db_sql "$([ "$1" = pg ] && echo postgres || echo mariadb)" \
		"SELECT COALESCE(SUM(next_offset), 0) FROM $t WHERE consumer_group = '$GROUP.$1'" \
		2>/dev/null || echo 0
}
# sink_killer pg|mdb: kferry sink into that target sink_kills times, each
# SIGKILLed after its committed offsets moved past the last kill's, at a
# random moment of its next batch
sink_killer() {
	local i since=0 now t0 pid topics="" t url
	url=$PG_URL
	[ "$1" = pg ] || url=$MDB_DST_URL
	for t in $tables; do topics+=${topics:+,}$PREFIX.kferry.$t; done
	for ((i = 1; i <= sink_kills; i++)); do
		"$KFERRY" sink -b "$BOOTSTRAP" -t "$topics" -g "$GROUP.$1" --db "$url" \
			--table-format '${table}' --create-table --delete --truncate \
			-X session.timeout.ms=6000 -X heartbeat.interval.ms=500 \
			2>"$WORK/sink-$1.$i.log" &
		pid=$!
		t0=$(date +%s)
		until now=$(committed "$1") && [ "$now" -gt "$since" ]; do
			kill -0 "$pid" 2>/dev/null ||
				fail "sink $1 $i died: $(tail -n 3 "$WORK/sink-$1.$i.log")"
			[ $(($(date +%s) - t0)) -lt 120 ] ||
				fail "sink $1 $i: no commit past offset sum $since in 120 s"
			sleep 0.1
		done
		since=$now
		sleep "0.$((RANDOM % 10))"
		kill -KILL "$pid" 2>/dev/null || true
		gone "$pid"
		log "sink $1 kill $i at offset sum $since or past it"
	done
	touch "$WORK/killer.$1.ok"
}

workload | "$DB_SH" sql "$DB_WORK/mariadb" >"$WORK/workload.log" 2>&1 &
bench=$!
on_exit "kill $bench 2>/dev/null"
sink_killer pg &
killer_pg=$!
on_exit "kill $killer_pg 2>/dev/null"
sink_killer mdb &
killer_mdb=$!
on_exit "kill $killer_mdb 2>/dev/null"
# in the snapshot: the first kill once a chunk is in Kafka, the next ones
# at a chunk of the resume (or in its catch-up when none comes in time)
for ((i = 1; i <= snap_kills; i++)); do
	capture_bg "${capture_opts[@]}" --debug capture
	for ((t = 0; t < 6000; t++)); do
		grep -sqE 'snapshot chunk of .* committed|streaming the binlog' "$CAPTURE_LOG" && break
		sleep 0.01
	done
	kill_at "0.0$((RANDOM % 10))"
	grep -q 'streaming the binlog' "$CAPTURE_LOG" && log "kill $i came after the snapshot"
done
for ((i = snap_kills + 1; i <= kills; i++)); do
	capture_bg "${capture_opts[@]}"
	wait_until 120 grep -sq 'streaming the binlog' "$CAPTURE_LOG" ||
		fail "capture $i: not streaming: $(tail -n 3 "$CAPTURE_LOG" 2>&1)"
	kill_at "$((RANDOM % 2 + 1)).$((RANDOM % 10))"
done
# the sinks' kills need the stream to flow: a capture runs until they end
capture_bg "${capture_opts[@]}"
for k in pg mdb; do
	wait_until 600 eval "[ -e '$WORK/killer.$k.ok' ] || ! kill -0 \$killer_$k 2>/dev/null"
	[ -e "$WORK/killer.$k.ok" ] || fail "the kills of the sink into $k failed"
done
kill -KILL "$CAPTURE_PID" 2>/dev/null || true
gone "$CAPTURE_PID"
touch "$WORK/stop"
wait_until 120 grep -q 'workload over' "$WORK/workload.log" ||
	fail "the workload did not end: $(tail -n 3 "$WORK/workload.log")"
# the last one catches up and goes idle
kf_capture "${capture_opts[@]}" || fail "kferry capture exited $?: $(tail -n 5 "$CAPTURE_LOG")"

all=$WORK/all.ev
events "$all"
streamed=$(grep -v $'\tnull$' "$all" | grep -vc '"op":"r"' || true)
[ "$streamed" -gt 100 ] || fail "only $streamed streamed events: the test did not test"
dups=$(dup_events "$all")
[ -z "$dups" ] || fail "events produced twice: $(head -n 3 <<<"$dups")"
dups=$(dup_reads "$all")
[ -z "$dups" ] || fail "rows read twice by the snapshot: $(head -n 3 <<<"$dups")"
resumes=$(cat "$WORK"/capture.*.log | grep -c 'resuming it' || true)
[ "$resumes" -gt 0 ] || fail "no kill came during the snapshot after a chunk: no resume tested"
snapshots=$(grep -c '"op":"r"' "$all" || true)

DST_URL=$PG_URL
GROUP0=$GROUP
GROUP=$GROUP0.pg
sink_all $tables
assert_equal $tables
DST_URL=$MDB_DST_URL
GROUP=$GROUP0.mdb
sink_all $tables
assert_equal $tables
note "$kills SIGKILLs of kferry capture ($resumes snapshot resumes) and $sink_kills of each kferry sink under a workload; $snapshots snapshot and $streamed streamed events, none twice; verify: $(tail -n 1 "$WORK/verify.out")"
log "t_capture_mariadb_kill passed"
