# SPDX-License-Identifier: Apache-2.0
# Reconciliation of loaded files (docs/sink.md 5): a CSV file loaded with
# kferry load (its load record on a ledger topic of the test's) and
# applied by kferry sink with sink.ledger_topic: its kferry_loads row says
# ok, with the rows the load published and the rows written; a forged
# load record of the same topic whose rows never came settles as
# mismatch, logged. A second file loaded in parts (load.txn_max_bytes,
# docs/records.md 3.4) reconciles as one load on its done record. Both
# databases.
source "$(dirname "$0")/lib.sh"

N=2000
DATA=$TOPIC.data
LEDGER=$TOPIC.loads
FORGED=ffffffffffffffffffffffffffffffff
create_topic "$DATA" 1
create_topic "$LEDGER" 1
awk -v n="$N" 'BEGIN {
	print "id,name,amount"
	for (i = 1; i <= n; i++)
		printf "%d,행 %d,%d\n", i, i, (i * 7) % 1000
}' >"$WORK/rows.csv"
"$KFERRY" load -b "$BOOTSTRAP" -t "$DATA" -o load.ledger_topic="$LEDGER" \
	"$WORK/rows.csv" 2>"$WORK/load.log" ||
	fail "kferry load exited $?: $(tail -n 5 "$WORK/load.log")"
# the second file: rows N+1 .. N+M in parts of about 512 KiB (a load's
# first read is 1 MiB: the file is larger than that)
M=150000
awk -v n="$N" -v m="$M" 'BEGIN {
	print "id,name,amount"
	for (i = n + 1; i <= n + m; i++)
		printf "%d,행 %d,%d\n", i, i, (i * 7) % 1000
}' >"$WORK/parts.csv"
"$KFERRY" load -b "$BOOTSTRAP" -t "$DATA" -o load.ledger_topic="$LEDGER" --json --no-progress \
	-o load.txn_max_bytes=512KiB -o load.max_inflight_bytes=1MiB \
	"$WORK/parts.csv" 2>"$WORK/load2.log" >"$WORK/load2.json" ||
	fail "kferry load of parts.csv exited $?: $(tail -n 5 "$WORK/load2.log")"
parts=$(grep -o '"parts":[0-9]*' "$WORK/load2.json" | cut -d: -f2)
[ "$parts" -ge 2 ] || fail "parts.csv was loaded in ${parts:-no} parts: $(cat "$WORK/load2.json")"
printf '\t{"v":1,"kind":"load","state":"done","load_id":"%s","topic":"%s","file":"forged.csv","hash":"%s","rows_published":5,"ranges":[{"p":0,"first":0,"last":0,"n":5}]}\n' \
	"$FORGED" "$DATA" "$FORGED" | produce "$LEDGER"

for kind in postgres mariadb; do
	db_start "$kind"
	TOPIC=$DATA kf_sink --db "$(db_url "$kind")" --table loaded --create-table -o sink.ledger_topic="$LEDGER" ||
		fail "$kind: sink exited $?: $(tail -n 5 "$SINK_LOG")"
	[ "$(table_sums "$kind" loaded)" = "$(expect_sums $((N + M)))" ] ||
		fail "$kind: the table holds $(table_sums "$kind" loaded)"
	got=$(db_sql "$kind" "SELECT state, rows_expected, rows_written, rows_refused, file FROM kferry_loads WHERE load_id <> '$FORGED' ORDER BY file")
	[ "$got" = "ok	$M	$M	0	$WORK/parts.csv
ok	$N	$N	0	$WORK/rows.csv" ] || fail "$kind: the loads' rows are '$got'"
	got=$(db_sql "$kind" "SELECT state, rows_expected, rows_written FROM kferry_loads WHERE load_id = '$FORGED'")
	[ "$got" = "mismatch	5	0" ] || fail "$kind: the forged load's row is '$got'"
	grep -q "load $FORGED of $DATA: 0 rows written or refused, the load published 5" "$SINK_LOG" ||
		fail "$kind: no mismatch logged: $(tail -n 5 "$SINK_LOG")"
	note "$kind: the loads reconcile ($N rows, ok; $M more in $parts parts, ok); a forged one is a mismatch"
done
