# SPDX-License-Identifier: Apache-2.0
# kferry sink into PostgreSQL and MariaDB: (a) a CSV file loaded with
# kferry load into a table the sink creates: the table equals the file
# (count and sums computed in SQL), and a second run in the same group
# applies nothing again; (c) rows the
# database refuses go to the dead-letter topic with their source
# coordinates and the rest commits, or stop the sink with sink.errors =
# fail; (d) Debezium change events (c, u, d and a tombstone) applied with
# --delete; (e) two topics read by one sink (-t A,B) into one table.
source "$(dirname "$0")/lib.sh"

N=3000
awk -v n="$N" 'BEGIN {
	print "id,name,amount"
	for (i = 1; i <= n; i++)
		printf "%d,행 %d,%d\n", i, i, (i * 7) % 1000
}' >"$WORK/rows.csv"
"$KFERRY" load -b "$BOOTSTRAP" -t "$TOPIC" "$WORK/rows.csv" 2>"$WORK/load.log" ||
	fail "kferry load exited $?: $(tail -n 5 "$WORK/load.log")"

for kind in postgres mariadb; do
	db_start "$kind"
	url=$(db_url "$kind")

	# (a) a new table, insert mode, no key
	kf_sink --db "$url" --table rows_a --create-table ||
		fail "$kind: sink exited $?: $(tail -n 5 "$SINK_LOG")"
	got=$(table_sums "$kind" rows_a)
	[ "$got" = "$(expect_sums "$N")" ] || fail "$kind: table rows_a holds $got, expected $(expect_sums "$N")"
	[ "$(json_field "$SINK_JSON" rows_written)" = "$N" ] || fail "$kind: $SINK_JSON"
	kf_sink --db "$url" --table rows_a || fail "$kind: second sink exited $?"
	[ "$(json_field "$SINK_JSON" messages)" = 0 ] || fail "$kind: read again: $SINK_JSON"
	got=$(table_sums "$kind" rows_a)
	[ "$got" = "$(expect_sums "$N")" ] || fail "$kind: after a second run rows_a holds $got"
	log "$kind: (a) $got"
done

# (c) refused rows: amount must not be negative; every 10th id has one
REF_TOPIC=$TOPIC.refused
DLQ=$TOPIC.dlq
create_topic "$REF_TOPIC" 2
create_topic "$DLQ" 1
# keyed, so that the rows spread over both partitions by their keys (null
# keys go to one partition at a time: librdkafka's sticky partitioner
# put all 500 in one once)
NEG=10 gen_records 500 1 1 >"$WORK/refused"
produce "$REF_TOPIC" <"$WORK/refused"
# the offset of the first refused row (a negative amount) of each partition
kcat -b "$BOOTSTRAP" -C -t "$REF_TOPIC" -o beginning -e -q -f '%p %o %s\n' |
	awk '/"amount":-/ && !($1 in first) { first[$1] = $2 } END { for (p in first) print p, first[p] }' \
		>"$WORK/first_refused"
[ "$(wc -l <"$WORK/first_refused")" = 2 ] || fail "refused rows are not in both partitions: $(cat "$WORK/first_refused")"
for kind in postgres mariadb; do
	url=$(db_url "$kind")
	db_sql "$kind" "CREATE TABLE rows_c (id BIGINT NOT NULL, name TEXT, amount BIGINT NOT NULL CHECK (amount >= 0))" >/dev/null
	rc=0
	TOPIC=$REF_TOPIC kf_sink --db "$url" --table rows_c -g "$GROUP-fail-$kind" -o sink.errors=fail || rc=$?
	[ "$rc" = 1 ] || fail "$kind: sink.errors=fail exited $rc: $(tail -n 3 "$SINK_LOG")"
	grep -q "sink.errors = fail" "$SINK_LOG" || fail "$kind: no reason: $(tail -n 3 "$SINK_LOG")"
	# no dead letter topic: a refused row is never dropped, the sink stops
	rc=0
	TOPIC=$REF_TOPIC kf_sink --db "$url" --table rows_c -g "$GROUP-nodlq-$kind" || rc=$?
	[ "$rc" = 1 ] || fail "$kind: a refused row without a dead letter topic: exit $rc: $(tail -n 3 "$SINK_LOG")"
	grep -q "no sink.dead_letter_topic" "$SINK_LOG" || fail "$kind: no reason: $(tail -n 3 "$SINK_LOG")"
	# each run may have committed the batches that came before its
	# refused row (another partition's first rows, when a batch closed
	# before the rest was fetched), never one at or after it
	while read -r p off; do
		for g in "$GROUP-fail-$kind" "$GROUP-nodlq-$kind"; do
			next=$(db_sql "$kind" "SELECT COALESCE(MAX(next_offset), 0) FROM kferry_offsets WHERE consumer_group = '$g' AND kafka_partition = $p")
			[ "$next" -le "$off" ] ||
				fail "$kind: $g committed partition $p up to $next, past its refused row at offset $off"
		done
	done <"$WORK/first_refused"
	n=$(($(committed "$kind" "$GROUP-fail-$kind") + $(committed "$kind" "$GROUP-nodlq-$kind")))
	[ "$(table_rows "$kind" rows_c)" = "$n" ] ||
		fail "$kind: rows_c holds $(table_rows "$kind" rows_c) rows, the two stopped sinks committed $n messages"
	db_sql "$kind" "DELETE FROM rows_c" >/dev/null
	TOPIC=$REF_TOPIC kf_sink --db "$url" --table rows_c -g "$GROUP-dlq-$kind" \
		-o sink.dead_letter_topic="$DLQ" || fail "$kind: sink exited $?: $(tail -n 5 "$SINK_LOG")"
	[ "$(json_field "$SINK_JSON" rows_refused)" = 50 ] || fail "$kind: $SINK_JSON"
	[ "$(json_field "$SINK_JSON" rows_written)" = 450 ] || fail "$kind: $SINK_JSON"
	[ "$(db_sql "$kind" "SELECT COUNT(*) FROM rows_c WHERE id % 10 = 0")" = 0 ] || fail "$kind: a refused row is in rows_c"
	[ "$(db_sql "$kind" "SELECT COUNT(*) FROM rows_c")" = 450 ] || fail "$kind: rows_c lacks rows"
	log "$kind: (c) 450 rows written, 50 dead letters"
done
read_topic "$DLQ" "$WORK/dlq"
ndlq=$(grep -o 'kferry.dlq.kind:row' "$WORK/dlq" | wc -l)
[ "$ndlq" = 100 ] || fail "$ndlq dead letters, expected 100 (50 per database)"
grep -q 'kferry.dlq.topic:'"$REF_TOPIC" "$WORK/dlq" || fail "dead letters without their source topic"
grep -q 'kferry.dlq.offset:' "$WORK/dlq" || fail "dead letters without their source offset"

# (d) change events of db1.public.orders: ids 1..3 created, 2 updated, 3
# deleted (then its tombstone), 4 created; the table ends as 1, 2', 4
CDC_TOPIC=$TOPIC.cdc
create_topic "$CDC_TOPIC" 1
change() { # change OP ID NAME
	local ks vs row before after
	ks='{"type":"struct","fields":[{"type":"int64","optional":false,"field":"id"}],"optional":false,"name":"db1.public.orders.Key"}'
	row='{"type":"struct","fields":[{"type":"int64","optional":false,"field":"id"},{"type":"string","optional":true,"field":"name"},{"type":"int64","optional":true,"field":"amount"}],"optional":true,"name":"db1.public.orders.Value"'
	vs='{"type":"struct","fields":['$row',"field":"before"},'$row',"field":"after"},{"type":"struct","fields":[{"type":"string","optional":false,"field":"db"},{"type":"string","optional":true,"field":"schema"},{"type":"string","optional":false,"field":"table"}],"optional":false,"name":"io.debezium.connector.postgresql.Source","field":"source"},{"type":"string","optional":false,"field":"op"},{"type":"int64","optional":true,"field":"ts_ms"}],"optional":false,"name":"db1.public.orders.Envelope"}'
	before=null; after="{\"id\":$2,\"name\":\"$3\",\"amount\":$2}"
	[ "$1" != d ] || { before=$after; after=null; }
	printf '{"schema":%s,"payload":{"id":%s}}\t{"schema":%s,"payload":{"before":%s,"after":%s,"source":{"db":"db1","schema":"public","table":"orders"},"op":"%s","ts_ms":1}}\n' \
		"$ks" "$2" "$vs" "$before" "$after" "$1"
}
{
	change c 1 one; change c 2 two; change c 3 three; change u 2 deux
	change d 3 three
	printf '{"schema":{"type":"struct","fields":[{"type":"int64","optional":false,"field":"id"}],"optional":false,"name":"db1.public.orders.Key"},"payload":{"id":3}}\t\\N\n'
	change c 4 four
} | produce "$CDC_TOPIC"
for kind in postgres mariadb; do
	url=$(db_url "$kind")
	TOPIC=$CDC_TOPIC kf_sink --db "$url" --table-format 'cdc_${table}' --create-table --delete \
		-g "$GROUP-cdc-$kind" || fail "$kind: cdc sink exited $?: $(tail -n 5 "$SINK_LOG")"
	got=$(db_sql "$kind" "SELECT id, name FROM cdc_orders ORDER BY id" | tr '\t\n' ':,')
	[ "$got" = "1:one,2:deux,4:four," ] || fail "$kind: cdc_orders holds $got"
	log "$kind: (d) $got"
done

# (e) two topics, one table: the CSV of (a) and 1000 more rows
MORE_TOPIC=$TOPIC.more
create_topic "$MORE_TOPIC" 2
awk -v n="$N" 'BEGIN {
	print "id,name,amount"
	for (i = n + 1; i <= n + 1000; i++)
		printf "%d,행 %d,%d\n", i, i, (i * 7) % 1000
}' >"$WORK/more.csv"
"$KFERRY" load -b "$BOOTSTRAP" -t "$MORE_TOPIC" "$WORK/more.csv" 2>"$WORK/load.more.log" ||
	fail "kferry load exited $?: $(tail -n 5 "$WORK/load.more.log")"
for kind in postgres mariadb; do
	TOPIC="$TOPIC,$MORE_TOPIC" kf_sink --db "$(db_url "$kind")" --table rows_e --create-table \
		-g "$GROUP-two-$kind" || fail "$kind: two-topic sink exited $?: $(tail -n 5 "$SINK_LOG")"
	got=$(table_sums "$kind" rows_e)
	[ "$got" = "$(expect_sums $((N + 1000)))" ] || fail "$kind: rows_e holds $got, expected $(expect_sums $((N + 1000)))"
	log "$kind: (e) $got"
done
