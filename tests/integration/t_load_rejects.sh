# SPDX-License-Identifier: Apache-2.0
# Rejected rows (docs/records.md 3.6, 3.7): under load.max_rejects they go
# to load.dead_letter_topic in the file's transaction, raw, with headers
# naming file, line, offset, field and reason, and read = published +
# rejected; past it nothing of the file is visible, and the ledger gets the
# failure record with a sample of the dead letters (exit 1).
source "$(dirname "$0")/lib.sh"

LOAD_TOPIC=$TOPIC.rows
LOAD_LEDGER=$TOPIC.loads
DLQ=$TOPIC.dlq
create_topic "$LOAD_TOPIC" 1
create_topic "$LOAD_LEDGER" 1
create_topic "$DLQ" 1

SCHEMA=$WORK/t.schema
cat >"$SCHEMA" <<'EOF'
[schema]
format_version = 1
name = kferry.t
format = csv
key = id

[column.id]
type = int64
required = true

[column.amount]
type = decimal(9,2)
required = true
EOF

# make_csv FILE ROWS BAD...: ROWS rows, the rows numbered BAD with an
# amount that is not a number.
make_csv() {
	local f=$1 n=$2
	shift 2
	{
		echo 'id,amount'
		awk -v n="$n" -v bad=" $* " 'BEGIN { for (i = 1; i <= n; i++)
			if (index(bad, " " i " ")) printf "%d,x%d\n", i, i
			else printf "%d,%d.50\n", i, i }'
	} >"$f"
}

# 1. Three bad rows of 100, five allowed: published 97, rejected 3.
make_csv "$WORK/a.csv" 100 10 50 90
kf_load --schema "$SCHEMA" -o load.dead_letter_topic="$DLQ" -o load.max_rejects=5 "$WORK/a.csv" ||
	fail "load exited $?: $(tail -n 5 "$LOAD_LOG")"
[ "$(json_field "$LOAD_JSON" rows_read)" = 100 ] || fail "rows_read: $LOAD_JSON"
[ "$(json_field "$LOAD_JSON" rows_published)" = 97 ] || fail "rows_published: $LOAD_JSON"
[ "$(json_field "$LOAD_JSON" rows_rejected)" = 3 ] || fail "rows_rejected: $LOAD_JSON"
read_topic "$LOAD_TOPIC" "$WORK/rows" --isolation-level read_committed
[ "$(count_records "$WORK/rows")" = 97 ] || fail "$(count_records "$WORK/rows") rows visible, not 97"
read_topic "$DLQ" "$WORK/dlq" --isolation-level read_committed
[ "$(count_records "$WORK/dlq")" = 3 ] || fail "dead letters: $(cat "$WORK/dlq")"
first=$(sed 's/@@END@@/\n/g' "$WORK/dlq" | sed -n 1p)
# line 11 (row 10 after the header), its raw bytes as the value
for h in kferry.dlq.kind:record kferry.dlq.code: kferry.dlq.field:amount \
	kferry.dlq.reason: kferry.dlq.encoding: kferry.line:11 "kferry.file:$WORK/a.csv"; do
	[[ $first == *"$h"* ]] || fail "dead letter lacks $h: $first"
done
[[ $first == *$'\t10,x10' ]] || fail "dead letter value is not the raw row: $first"
read_topic "$LOAD_LEDGER" "$WORK/ledger" --isolation-level read_committed
grep -q '"state":"done"' "$WORK/ledger" || fail "ledger: $(cat "$WORK/ledger")"
grep -q '"rows_read":100,"rows_published":97,"rows_rejected":3' "$WORK/ledger" ||
	fail "ledger counts: $(cat "$WORK/ledger")"
grep -q '"dead_letters":\[{"p":0,"first":0,"last":2,"n":3}\]' "$WORK/ledger" ||
	fail "ledger dead letter ranges: $(cat "$WORK/ledger")"

# 2. Three bad rows, two allowed: the file fails, nothing of it visible,
# but the failure record and the sample (the two dead letters produced
# before the third reject) are.
make_csv "$WORK/b.csv" 100 5 6 7
rc=0
kf_load --schema "$SCHEMA" -o load.dead_letter_topic="$DLQ" -o load.max_rejects=2 "$WORK/b.csv" || rc=$?
[ $rc = 1 ] || fail "load past max_rejects exited $rc: $(tail -n 5 "$LOAD_LOG")"
[ "$(json_field "$LOAD_JSON" files_failed)" = 1 ] || fail "not failed: $LOAD_JSON"
grep -q 'max_rejects' "$LOAD_LOG" || fail "the error does not name max_rejects: $(cat "$LOAD_LOG")"
read_topic "$LOAD_TOPIC" "$WORK/rows" --isolation-level read_committed
[ "$(count_records "$WORK/rows")" = 97 ] || fail "rows of the failed file are visible: $(count_records "$WORK/rows")"
read_topic "$LOAD_LEDGER" "$WORK/ledger" --isolation-level read_committed
[ "$(count_records "$WORK/ledger")" = 2 ] || fail "ledger: $(cat "$WORK/ledger")"
grep -q '"state":"rejected"' "$WORK/ledger" || fail "no failure record: $(cat "$WORK/ledger")"
grep -q '"error":"max_rejects: 3 rows rejected, 2 allowed' "$WORK/ledger" ||
	fail "failure record without its error: $(cat "$WORK/ledger")"
read_topic "$DLQ" "$WORK/dlq" --isolation-level read_committed
[ "$(count_records "$WORK/dlq")" = 5 ] || fail "dead letters after the failure: $(cat "$WORK/dlq")"
grep -q $'\t5,x5@@END@@' "$WORK/dlq" || fail "sample lacks row 5: $(cat "$WORK/dlq")"

# 3. A percentage: 3 of 100 is past 2%, under 5%.
make_csv "$WORK/c.csv" 100 1 2 3
rc=0
kf_load --schema "$SCHEMA" -o load.dead_letter_topic="$DLQ" -o load.max_rejects=2% "$WORK/c.csv" || rc=$?
[ $rc = 1 ] || fail "3% past 2% exited $rc"
grep -q 'max_rejects: 3 of 100 rows (3.0%) > 2%' "$LOAD_LOG" || fail "error: $(cat "$LOAD_LOG")"
kf_load --schema "$SCHEMA" -o load.dead_letter_topic="$DLQ" -o load.max_rejects=5% "$WORK/c.csv" ||
	fail "3% under 5% exited $?: $(tail -n 5 "$LOAD_LOG")"
log "t_load_rejects: dead letters within the threshold, nothing past it but the failure record"
