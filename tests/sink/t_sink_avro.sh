# SPDX-License-Identifier: Apache-2.0
# Avro in the Confluent wire format through a real Schema Registry
# (Apicurio 3.0.9, scripts/kafka/registry.sh; docs/schemas.md):
# (a) kferry load --value-format avro registers the value and key schemas
# (BACKWARD set on the new subjects), and kferry sink reads the records
# back by their ids into PostgreSQL: the table equals the file, row for
# row; (b) a change BACKWARD refuses (a decimal made a double) fails the
# load naming the field and the rule, registers nothing and produces
# nothing; (c) a compatible change (an optional column added) registers
# version 2, and kferry sink --evolve adds the column: old and new
# records land in one table; (d) --value-format json-schema registers JSON
# Schemas (schemaType JSON) and writes the wire header then the bare
# payload object, which kferry sink reads back into a table equal to the
# file, with the Avro table's column types; (e) subject_strategy = record names the subjects after
# the record; (f) --key-format json beside an Avro value: only the value's
# subject is registered, and kferry sink upserts by the Connect JSON key.
# kf-timeout: 240
source "$(dirname "$0")/lib.sh"

registry_start
URL=$REGISTRY_URL
db_start postgres
PG=$(db_url postgres)

LOAD_TOPIC=$TOPIC.avro
LOAD_LEDGER=$TOPIC.loads
create_topic "$LOAD_TOPIC" 2
create_topic "$LOAD_LEDGER" 1

# schema FILE AMOUNT_TYPE [EXTRA COLUMN SECTION]
schema() {
	cat >"$1" <<SCHEMA
[schema]
format_version = 1
name = kferry.avro_t
format = csv
key = id
[csv]
header = true
[column.id]
type = int64
required = true
[column.name]
type = text
required = true
[column.amount]
type = $2
required = true
[column.day]
type = date
required = true
[column.at]
type = timestamp
required = true
format = %Y-%m-%d %H:%M:%S
[column.memo]
type = text
[column.ok]
type = boolean
required = true
${3:-}
SCHEMA
}

# rows FIRST N [EXTRA]: CSV rows; memo is null on every third row.
rows() {
	awk -v first="$1" -v n="$2" -v extra="${3:-}" 'BEGIN {
		for (i = first; i < first + n; i++)
			printf "%d,행 %d,%d.%02d,2026-%02d-%02d,2026-12-02 %02d:%02d:%02d,%s,%s%s\n",
				i, i, i * 13 % 100000, i % 100, i % 12 + 1, i % 28 + 1,
				i % 24, i % 60, (i * 7) % 60, i % 3 ? "m" i : "",
				i % 2 ? "true" : "false", extra ? "," extra i : ""
	}'
}

N=3000
schema "$WORK/v1.schema" "decimal(12,2)"
{ echo "id,name,amount,day,at,memo,ok"; rows 1 "$N"; } >"$WORK/v1.csv"

# (a) load, registered, read back
kf_load --schema "$WORK/v1.schema" --value-format avro --schema-registry "$URL" "$WORK/v1.csv" ||
	fail "load exited $?: $(tail -n 5 "$LOAD_LOG")"
[ "$(json_field "$LOAD_JSON" rows_published)" = "$N" ] || fail "published: $LOAD_JSON"
subjects=$(curl -fsS "$URL/subjects")
for s in "$LOAD_TOPIC-value" "$LOAD_TOPIC-key"; do
	[[ "$subjects" == *"\"$s\""* ]] || fail "subject $s not registered: $subjects"
	level=$(curl -fsS "$URL/config/$s")
	[[ "$level" == *BACKWARD* ]] || fail "subject $s: level $level, expected BACKWARD"
done
curl -fsS "$URL/subjects/$LOAD_TOPIC-value/versions/latest" >"$WORK/v1.registered"
grep -q 'logicalType\\":\\"decimal' "$WORK/v1.registered" ||
	fail "the registered schema lacks the decimal logical type: $(cat "$WORK/v1.registered")"

TOPIC=$LOAD_TOPIC kf_sink --db "$PG" --table avro_t --create-table --schema-registry "$URL" ||
	fail "sink exited $?: $(tail -n 5 "$SINK_LOG")"
[ "$(json_field "$SINK_JSON" rows_written)" = "$N" ] || fail "sink: $SINK_JSON"
# the table (avro_t, or $2) printed back in the file's own notation, in id
# order
table_csv() {
	db_sql postgres "SELECT id || ',' || name || ',' || amount || ',' || to_char(day, 'YYYY-MM-DD')
		|| ',' || to_char(at, 'YYYY-MM-DD HH24:MI:SS') || ',' || COALESCE(memo, '') || ','
		|| CASE WHEN ok THEN 'true' ELSE 'false' END $1 FROM ${2:-avro_t} ORDER BY id"
}
table_csv "" >"$WORK/v1.table"
tail -n +2 "$WORK/v1.csv" | diff -q - "$WORK/v1.table" >/dev/null ||
	fail "the table differs from the file: $(tail -n +2 "$WORK/v1.csv" | diff - "$WORK/v1.table" | head -n 5)"
[ "$(db_sql postgres "SELECT data_type FROM information_schema.columns WHERE table_name = 'avro_t' AND column_name = 'amount'")" = numeric ] ||
	fail "amount is not numeric in the table"
log "(a) $N rows: file = table"

# (b) incompatible: nothing registered, nothing produced
schema "$WORK/v2.schema" float64
{ echo "id,name,amount,day,at,memo,ok"; rows $((N + 1)) 10; } >"$WORK/v2.csv"
rc=0
kf_load --schema "$WORK/v2.schema" --value-format avro --schema-registry "$URL" "$WORK/v2.csv" || rc=$?
[ "$rc" != 0 ] || fail "an incompatible schema was loaded: $LOAD_JSON"
grep -q "field amount: type decimal(12,2) written, double read: BACKWARD" "$LOAD_LOG" ||
	fail "no field and rule in the error: $(tail -n 3 "$LOAD_LOG")"
grep -q "nothing was produced" "$LOAD_LOG" || fail "$(tail -n 3 "$LOAD_LOG")"
[ "$(curl -fsS "$URL/subjects/$LOAD_TOPIC-value/versions")" = "[1]" ] ||
	fail "a version was registered: $(curl -fsS "$URL/subjects/$LOAD_TOPIC-value/versions")"
TOPIC=$LOAD_TOPIC kf_sink --db "$PG" --table avro_t --schema-registry "$URL" ||
	fail "sink exited $?: $(tail -n 5 "$SINK_LOG")"
[ "$(json_field "$SINK_JSON" messages)" = 0 ] || fail "records were produced: $SINK_JSON"
log "(b) refused: $(grep -o 'field amount[^;]*' "$LOAD_LOG" | head -n 1)"

# (c) compatible: an optional column added; old and new records read
M=500
schema "$WORK/v3.schema" "decimal(12,2)" $'[column.branch]\ntype = text'
{ echo "id,name,amount,day,at,memo,ok,branch"; rows $((N + 1)) "$M" b; } >"$WORK/v3.csv"
kf_load --schema "$WORK/v3.schema" --value-format avro --schema-registry "$URL" "$WORK/v3.csv" ||
	fail "a compatible change was refused: $(tail -n 3 "$LOAD_LOG")"
[ "$(curl -fsS "$URL/subjects/$LOAD_TOPIC-value/versions")" = "[1,2]" ] ||
	fail "versions: $(curl -fsS "$URL/subjects/$LOAD_TOPIC-value/versions")"
TOPIC=$LOAD_TOPIC kf_sink --db "$PG" --table avro_t --evolve --schema-registry "$URL" ||
	fail "sink exited $?: $(tail -n 5 "$SINK_LOG")"
[ "$(json_field "$SINK_JSON" rows_written)" = "$M" ] || fail "sink: $SINK_JSON"
table_csv "|| COALESCE(',' || branch, '')" >"$WORK/v3.table"
{ tail -n +2 "$WORK/v1.csv"; tail -n +2 "$WORK/v3.csv"; } | diff -q - "$WORK/v3.table" >/dev/null ||
	fail "the table differs from the files: $({ tail -n +2 "$WORK/v1.csv"; tail -n +2 "$WORK/v3.csv"; } | diff - "$WORK/v3.table" | head -n 5)"
log "(c) version 2 with branch: $((N + M)) rows = the two files"

# (d) JSON Schema: every record is the header of the value's id, then the
# payload object
JS_TOPIC=$TOPIC.js
create_topic "$JS_TOPIC" 1
LOAD_TOPIC=$JS_TOPIC kf_load --schema "$WORK/v1.schema" --value-format json-schema \
	--schema-registry "$URL" "$WORK/v1.csv" || fail "json-schema load exited $?: $(tail -n 3 "$LOAD_LOG")"
latest=$(curl -fsS "$URL/subjects/$JS_TOPIC-value/versions/latest")
[[ "$latest" == *'"schemaType":"JSON"'* && "$latest" == *'\"required\":[\"id\",\"name\"'* ]] ||
	fail "the registered JSON Schema: $latest"
id=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["id"])' "$latest")
read_topic "$JS_TOPIC" "$WORK/js.records" --isolation-level read_committed
python3 - "$WORK/js.records" "$id" "$N" <<'PY' || fail "json-schema records are not the wire format"
import json, struct, sys
recs = open(sys.argv[1], "rb").read().split(b"@@END@@")[:-1]
assert len(recs) == int(sys.argv[3]), len(recs)
for i, r in enumerate(recs, 1):
    v = r.split(b"\t", 2)[2]
    assert v[0] == 0 and struct.unpack(">I", v[1:5])[0] == int(sys.argv[2]), v[:5]
    row = json.loads(v[5:])
    assert row["id"] == i and row["name"] == "행 %d" % i and list(row)[-1] == "ok", row
PY
# read back by kferry sink: the column types from the annotations
# (docs/schemas.md 4.2, 4.3) are the Avro table's, and the table is the file
TOPIC=$JS_TOPIC kf_sink --db "$PG" --table js_t --create-table --schema-registry "$URL" ||
	fail "json-schema sink exited $?: $(tail -n 5 "$SINK_LOG")"
[ "$(json_field "$SINK_JSON" rows_written)" = "$N" ] || fail "json-schema sink: $SINK_JSON"
table_csv "" js_t >"$WORK/js.table"
tail -n +2 "$WORK/v1.csv" | diff -q - "$WORK/js.table" >/dev/null ||
	fail "the JSON Schema table differs from the file: $(tail -n +2 "$WORK/v1.csv" | diff - "$WORK/js.table" | head -n 5)"
col_types() {
	db_sql postgres "SELECT string_agg(column_name || ' ' || data_type || ' ' || is_nullable, ', '
		ORDER BY ordinal_position) FROM information_schema.columns
		WHERE table_name = '$1' AND column_name <> 'branch'"
}
[ "$(col_types js_t)" = "$(col_types avro_t)" ] ||
	fail "column types: json-schema $(col_types js_t), avro $(col_types avro_t)"
log "(d) $N JSON Schema records under id $id, sunk: file = table, columns $(col_types js_t)"

# (e) RecordNameStrategy: the subjects are the record's names
REC_TOPIC=$TOPIC.rec
create_topic "$REC_TOPIC" 1
LOAD_TOPIC=$REC_TOPIC kf_load --schema "$WORK/v1.schema" --value-format avro --schema-registry "$URL" \
	-o schema.registry.subject_strategy=record "$WORK/v1.csv" ||
	fail "record-named load exited $?: $(tail -n 3 "$LOAD_LOG")"
subjects=$(curl -fsS "$URL/subjects")
[[ "$subjects" == *'"kferry.avro_t"'* && "$subjects" == *'"kferry.avro_t_key"'* &&
	"$subjects" != *"\"$REC_TOPIC-value\""* ]] || fail "subjects: $subjects"
log "(e) subjects kferry.avro_t and kferry.avro_t_key"

# (f) a Connect JSON key beside an Avro value, upserted by that key
KEY_TOPIC=$TOPIC.key
create_topic "$KEY_TOPIC" 1
{ echo "id,name,amount,day,at,memo,ok"; rows 1 100; rows 1 100; } >"$WORK/twice.csv"
LOAD_TOPIC=$KEY_TOPIC kf_load --schema "$WORK/v1.schema" --value-format avro --key-format json \
	--schema-registry "$URL" "$WORK/twice.csv" || fail "key-format json load exited $?: $(tail -n 3 "$LOAD_LOG")"
subjects=$(curl -fsS "$URL/subjects")
[[ "$subjects" == *"\"$KEY_TOPIC-value\""* && "$subjects" != *"\"$KEY_TOPIC-key\""* ]] ||
	fail "subjects: $subjects"
TOPIC=$KEY_TOPIC kf_sink --db "$PG" --table avro_keyed --create-table --mode upsert \
	--schema-registry "$URL" || fail "sink exited $?: $(tail -n 5 "$SINK_LOG")"
[ "$(db_sql postgres "SELECT count(*), sum(id) FROM avro_keyed")" = "$(printf '100\t5050')" ] ||
	fail "avro_keyed holds $(db_sql postgres "SELECT count(*), sum(id) FROM avro_keyed")"
log "(f) 200 records, 100 rows upserted by their JSON keys"
