# SPDX-License-Identifier: Apache-2.0
# kferry capture from MariaDB killed during its snapshot and resumed
# (docs/cdc.md 10.6), with keys the server orders, not C: a VARCHAR with
# a case-insensitive collation (mixed case, trailing spaces, Korean), a
# DATETIME(6), a (DECIMAL(12,2), VARCHAR), a (CHAR latin1 ci, BINARY(2),
# TIMESTAMP(3), TIME(6)). Killed four times, each after
# a chunk of another table is in Kafka; between the runs transactions
# insert, update, delete and move keys below and above the snapshot's
# bound. Each resume places the catch-up's keys of the table in progress
# in the server's order (its --debug log says how many, in how many
# queries): no row's snapshot event ('r') is on a topic twice, no
# streamed event either, and kferry sink into PostgreSQL and into a
# second MariaDB database gives tables kferry verify finds equal to the
# source (one key range: the ci key orders differently on the target).
# Nor is a row's snapshot event after a change of it (a change emitted
# by a catch-up is of a row at or below the bound, which the snapshot
# never reads after it). About 60 s under load; in CI (KF_CDC_KEYS_ROWS
# rows per table before it, default 300).
# kf-timeout: 300
source "$(dirname "$0")/lib.sh"

tables="ktext kdt kdec kmix"
rows=${KF_CDC_KEYS_ROWS:-300}
cdc_setup_mariadb
db_start postgres
MDB_URL=$SRC_URL
for t in $tables; do create_topic "$PREFIX.kferry.$t" 1; done

db_sql mariadb "CREATE TABLE ktext (id VARCHAR(40) CHARACTER SET utf8mb4
	COLLATE utf8mb4_general_ci PRIMARY KEY, v INT NOT NULL) ENGINE=InnoDB;
CREATE TABLE kdt (at DATETIME(6) PRIMARY KEY, v INT NOT NULL) ENGINE=InnoDB;
CREATE TABLE kdec (d DECIMAL(12,2), s VARCHAR(20) CHARACTER SET utf8mb4
	COLLATE utf8mb4_general_ci, v INT NOT NULL, PRIMARY KEY (d, s))
	ENGINE=InnoDB;
CREATE TABLE kmix (a CHAR(2) CHARACTER SET latin1 COLLATE latin1_swedish_ci,
	b BINARY(2), t TIMESTAMP(3), tm TIME(6), v INT NOT NULL,
	PRIMARY KEY (a, b, t, tm)) ENGINE=InnoDB;
CREATE DATABASE kferry_dst;" >/dev/null

# row i's keys: the text one in four shapes (a byte order that is not the
# collation's: 'K120' < 'k002' as bytes, not as utf8mb4_general_ci), a
# time to the microsecond, a decimal whose text orders apart from its
# value (-10.50 < -2.00 < 9.00 < 10.00) with a mixed-case text
tkey() {
	case $(($1 % 4)) in
	0) printf "k%04d" "$1" ;; 1) printf "K%04d" "$1" ;;
	2) printf "k%04d  " "$1" ;; 3) printf "k%04d 한국어" "$1" ;;
	esac
}
dkey() { printf "'2026-01-01' + INTERVAL %d MINUTE + INTERVAL %d MICROSECOND" "$1" "$(($1 * 7))"; }
ckey() { printf "%d.%02d, '%s%04d'" "$((($1 % 60) - 30))" "$((($1 * 25) % 100))" "$( (($1 % 2)) && echo B || echo a)" "$1"; }
# (Swedish: 'a' = 'A' < 'B' < 'Ä'; bytes: 'B' < 'a' < 'Ä'; a BINARY(2)
# that the binlog gives without its trailing 0x00; 4 times; a time)
mkey() {
	local s=$(($1 * 37 % 86000))
	printf "a = '%s' AND b = X'%02X%02X' AND t = '2026-12-02 1%d:00:00.123' AND tm = '%d:%02d:%02d.%06d'" \
		"$(case $(($1 % 3)) in 0) echo Ä ;; 1) echo a ;; 2) echo B ;; esac)" \
		$(($1 / 3 % 2 * 200)) $(($1 % 2 * 7)) $(($1 / 6 % 4)) \
		$((s / 3600)) $((s / 60 % 60)) $((s % 60)) "$1"
}
row_sql() {
	echo "INSERT INTO ktext VALUES ('$(tkey "$1")', $1);"
	echo "INSERT INTO kdt VALUES ($(dkey "$1"), $1);"
	echo "INSERT INTO kdec VALUES ($(ckey "$1"), $1);"
	echo "INSERT INTO kmix SET $(mkey "$1" | sed 's/ AND /, /g'), v = $1;"
}
{
	echo "BEGIN;"
	for ((i = 1; i <= rows; i++)); do row_sql "$i"; done
	echo "COMMIT;"
} | "$DB_SH" sql "$DB_WORK/mariadb" || fail "the rows before the capture"

# changes between two runs (round r): rows across the whole key range
# (below and above any bound) updated, deleted, inserted, moved
changes() {
	local r=$1 i k
	for ((i = r; i <= rows; i += 9)); do
		k=$((rows * (r + 1) + i))
		echo "BEGIN;"
		echo "UPDATE ktext SET v = v + 1000 WHERE id = '$(tkey "$i")';"
		echo "UPDATE kdt SET v = v + 1000 WHERE at = $(dkey "$i");"
		echo "UPDATE kdec SET v = v + 1000 WHERE (d, s) = ($(ckey "$i"));"
		echo "UPDATE kmix SET v = v + 1000 WHERE $(mkey "$i");"
		row_sql "$k"
		if ((i % 3 == 0)); then
			echo "DELETE FROM ktext WHERE id = '$(tkey $((i + 1)))';"
			echo "DELETE FROM kdt WHERE at = $(dkey $((i + 1)));"
			echo "DELETE FROM kdec WHERE (d, s) = ($(ckey $((i + 1))));"
			echo "DELETE FROM kmix WHERE $(mkey $((i + 1)));"
		elif ((i % 3 == 1)); then # a key moved to the other end
			echo "UPDATE ktext SET id = '$(tkey $((rows - i + 2 * rows * (r + 4))))' WHERE id = '$(tkey $((i + 2)))';"
			echo "UPDATE kdt SET at = $(dkey $((rows - i + 2 * rows * (r + 4)))) WHERE at = $(dkey $((i + 2)));"
			echo "UPDATE kdec SET d = -d, s = UPPER(s) WHERE (d, s) = ($(ckey $((i + 2))));"
			echo "UPDATE kmix SET $(mkey $((rows - i + 2 * rows * (r + 4))) | sed 's/ AND /, /g') WHERE $(mkey $((i + 2)));"
		fi
		echo "COMMIT;"
	done
}
apply_changes() {
	changes "$1" | "$DB_SH" sql "$DB_WORK/mariadb" >"$WORK/changes.$1.log" 2>&1 ||
		fail "changes $1: $(tail -n 3 "$WORK/changes.$1.log")"
}

capture_opts=(--tables kferry.ktext,kferry.kdt,kferry.kdec,kferry.kmix
	-o capture.snapshot_chunk_rows=10 --debug capture)
# run N's kill: once a chunk of table $1 is in Kafka
kill_in() {
	local t
	for ((t = 0; t < 6000; t++)); do # polled often: chunks go by fast
		grep -sq "snapshot chunk of kferry.$1 committed" "$CAPTURE_LOG" && break
		sleep 0.01
	done
	kill -KILL "$CAPTURE_PID"
	wait "$CAPTURE_PID" 2>/dev/null || true
	grep -q "snapshot chunk of kferry.$1 committed" "$CAPTURE_LOG" ||
		fail "no chunk of $1 in Kafka: $(tail -n 3 "$CAPTURE_LOG")"
	log "capture killed in the snapshot of $1 ($(grep -c 'committed' "$CAPTURE_LOG") chunk(s))"
}
placed=0
# how the resume of the last run placed the keys of its table in progress
placing() {
	local l
	l=$(grep -o 'kferry\.[a-z]*: [0-9]* key(s) of the catch-up placed by the server in [0-9]* query(ies)' "$CAPTURE_LOG" || true)
	[ -n "$l" ] && placed=$((placed + 1))
	log "resume: ${l:-no key placed by the server}"
}
# killed in each table's snapshot in turn, changes after each kill
round=0
for t in $tables; do
	capture_bg "${capture_opts[@]}"
	kill_in "$t"
	[ "$round" = 0 ] || placing
	round=$((round + 1))
	apply_changes "$round"
done
kf_capture "${capture_opts[@]}" || fail "kferry capture exited $?: $(tail -n 5 "$CAPTURE_LOG")"
placing
grep -q 'streaming the binlog from GTID position' "$CAPTURE_LOG" ||
	fail "the last run did not stream: $(tail -n 3 "$CAPTURE_LOG")"

all=$WORK/all.ev
events "$all"
reads=$(dup_reads "$all")
dupev=$(dup_events "$all")
# a row's 'r' after a change of the same key: the catch-up emitted a
# change of a row above the bound, or the snapshot read one below it
late=$(grep -v $'\tnull$' "$all" | awk -F'\t' '{
	o = $2; sub(/.*"op":"/, "", o); o = substr(o, 1, 1)
	if (o != "r") changed[$1] = 1
	else if ($1 in changed) print $1
}')
log "rows read twice by the snapshot: $(grep -c . <<<"$reads" || true); events twice: $(grep -c . <<<"$dupev" || true); rows read after a change: $(grep -c . <<<"$late" || true)"
[ -z "$reads" ] || fail "rows read twice by the snapshot: $(head -n 3 <<<"$reads")"
[ -z "$late" ] || fail "rows read after a change of them: $(head -n 3 <<<"$late")"
[ -z "$dupev" ] || fail "events produced twice: $(head -n 3 <<<"$dupev")"
[ "$placed" -ge 3 ] || fail "only $placed resume(s) placed keys by the server"

DST_URL=$(db_url postgres)
GROUP0=$GROUP
GROUP=$GROUP0.pg
sink_all $tables
assert_equal $tables
DST_URL=${MDB_URL%/*}/kferry_dst
GROUP=$GROUP0.mdb
sink_all $tables
assert_equal $tables
