# SPDX-License-Identifier: Apache-2.0
# kferry load (docs/records.md): a CSV file becomes one Connect JSON record
# per row in one transaction, with the headers of 1.7, and the ledger gets
# its load record in the same transaction; a read_committed consumer counts
# every row; the same file again is skipped (the earlier load id); --force
# loads it again; the file-transfer topic is refused; without a schema a
# CSV's is sniffed (--print-schema shows it).
source "$(dirname "$0")/lib.sh"

LOAD_TOPIC=$TOPIC.rows
LOAD_LEDGER=$TOPIC.loads
create_topic "$LOAD_TOPIC" 1
create_topic "$LOAD_LEDGER" 1
ROWS=1000

SCHEMA=$WORK/settlement.schema
cat >"$SCHEMA" <<'EOF'
[schema]
format_version = 1
name = kferry.settlement
schema_version = 1
format = csv
key = settle_id
timezone = +09:00

[column.settle_id]
type = int64
required = true

[column.merchant_no]
type = text
required = true
regex = M[0-9]{6}

[column.settle_date]
type = date
required = true

[column.amount]
type = decimal(15,2)
required = true
thousands = ,

[column.card_no]
type = text
required = true
mask = keep_last:4

[column.memo]
type = text
EOF

CSV=$WORK/settle.csv
{
	echo 'settle_id,merchant_no,settle_date,amount,card_no,memo'
	awk -v n=$ROWS 'BEGIN { for (i = 1; i <= n; i++)
		printf "%d,M%06d,2026-12-02,\"1,%03d.%02d\",94101234%08d,%s\n",
			i, i, i % 1000, i % 100, i, (i % 7 ? "" : "\"late, resent\"") }'
} >"$CSV"

# 1. Loaded: every row published, one transaction.
kf_load --schema "$SCHEMA" "$CSV" || fail "load exited $?: $(tail -n 5 "$LOAD_LOG")"
[ "$(json_field "$LOAD_JSON" ok)" = true ] || fail "not ok: $LOAD_JSON"
[ "$(json_field "$LOAD_JSON" files_done)" = 1 ] || fail "files_done: $LOAD_JSON"
[ "$(json_field "$LOAD_JSON" rows_read)" = $ROWS ] || fail "rows_read: $LOAD_JSON"
[ "$(json_field "$LOAD_JSON" rows_published)" = $ROWS ] || fail "rows_published: $LOAD_JSON"
LOAD_ID=$(printf '%s' "$LOAD_JSON" | grep -o '"load_id":"[0-9a-f]*"' | sed -n 1p | cut -d'"' -f4)
[ ${#LOAD_ID} = 32 ] || fail "no load id: $LOAD_JSON"

OUT=$WORK/rows
wait_committed "$LOAD_TOPIC" $ROWS
read_topic "$LOAD_TOPIC" "$OUT" --isolation-level read_committed
[ "$(count_records "$OUT")" = $ROWS ] || fail "read_committed sees $(count_records "$OUT") rows, not $ROWS"
# the headers of 1.7, of the first row (line 2, after the header); the
# file's name and the record format are the load record's, the line is
# that of the offset (version 3)
first=$(sed 's/@@END@@/\n/g' "$OUT" | sed -n 1p)
off=$(head -n 1 "$CSV" | wc -c)
for h in "kferry.load_id:$LOAD_ID" "kferry.offset:$off"; do
	[[ $first == *"$h"* ]] || fail "first row lacks header $h: $first"
done
for h in kferry.record kferry.file kferry.line; do
	[[ $first != *"$h:"* ]] || fail "first row has the per-file header $h: $first"
done
# Connect's envelope, the masked card number, the key as a struct
[[ $first == *'"payload":{"settle_id":1,'* ]] || fail "no payload: $first"
[[ $first == *'"card_no":"************0001"'* ]] || fail "card number not masked: $first"
[[ $first == *'"schema":{"type":"struct"'* ]] || fail "no schema: $first"

LED=$WORK/ledger
read_topic "$LOAD_LEDGER" "$LED" --isolation-level read_committed
[ "$(count_records "$LED")" = 1 ] || fail "ledger: $(cat "$LED")"
grep -q '"state":"done"' "$LED" || fail "ledger record not done: $(cat "$LED")"
grep -q "\"load_id\":\"$LOAD_ID\"" "$LED" || fail "ledger record of another load: $(cat "$LED")"
grep -q "\"kind\":\"load\",\"record\":3," "$LED" || fail "ledger record without the record format: $(cat "$LED")"
grep -q "\"file\":\"$CSV\"" "$LED" || fail "ledger record without the file's name: $(cat "$LED")"
grep -q "\"rows_published\":$ROWS," "$LED" || fail "ledger counts: $(cat "$LED")"
grep -q "\"ranges\":\[{\"p\":0,\"first\":0,\"last\":$((ROWS - 1)),\"n\":$ROWS}\]" "$LED" ||
	fail "ledger ranges: $(cat "$LED")"

# 2. Again: skipped, with the earlier load's id; nothing new.
kf_load --schema "$SCHEMA" "$CSV" || fail "second load exited $?: $(tail -n 5 "$LOAD_LOG")"
[ "$(json_field "$LOAD_JSON" files_skipped)" = 1 ] || fail "not skipped: $LOAD_JSON"
[[ $LOAD_JSON == *"\"state\":\"skipped\",\"load_id\":\"$LOAD_ID\""* ]] ||
	fail "skipped without the earlier load id: $LOAD_JSON"

# 3. --force: loaded again under a new load id.
kf_load --schema "$SCHEMA" --force "$CSV" || fail "forced load exited $?: $(tail -n 5 "$LOAD_LOG")"
[ "$(json_field "$LOAD_JSON" files_done)" = 1 ] || fail "forced load not done: $LOAD_JSON"
[[ $LOAD_JSON != *"$LOAD_ID"* ]] || fail "forced load kept the old load id: $LOAD_JSON"
read_topic "$LOAD_TOPIC" "$OUT" --isolation-level read_committed
[ "$(count_records "$OUT")" = $((2 * ROWS)) ] || fail "after --force: $(count_records "$OUT") rows"

# 4. The file-transfer topic is refused (exit 2), before any Kafka work.
rc=0
"$KFERRY" load -b "$BOOTSTRAP" --schema "$SCHEMA" "$CSV" 2>"$WORK/refused.log" >/dev/null || rc=$?
[ $rc = 2 ] || fail "load to kferry.files exited $rc"
grep -q 'kferry.files' "$WORK/refused.log" || fail "refusal does not say why: $(cat "$WORK/refused.log")"

# 5. Without a schema: the CSV's own is sniffed (and printed by
# --print-schema, which loads nothing).
"$KFERRY" load --print-schema "$CSV" >"$WORK/sniffed.schema" 2>"$WORK/sniff.log" ||
	fail "--print-schema exited $?: $(cat "$WORK/sniff.log")"
grep -q '^\[column.settle_id\]' "$WORK/sniffed.schema" || fail "sniffed schema: $(cat "$WORK/sniffed.schema")"
grep -A1 '^\[column.settle_id\]' "$WORK/sniffed.schema" >"$WORK/settle_id.schema"
grep -q 'type = int64' "$WORK/settle_id.schema" ||
	fail "settle_id not sniffed as int64: $(cat "$WORK/sniffed.schema")"
head -n 101 "$CSV" >"$WORK/small.csv"
kf_load --key settle_id "$WORK/small.csv" || fail "sniffed load exited $?: $(tail -n 5 "$LOAD_LOG")"
[ "$(json_field "$LOAD_JSON" rows_published)" = 100 ] || fail "sniffed load: $LOAD_JSON"
log "t_load_basic: $ROWS rows loaded once, skipped, forced; a sniffed CSV"
