# SPDX-License-Identifier: Apache-2.0
# kferry load of the two other formats, with the sample schemas of config/
# and the files of tests/data/records (docs/records.md 2.3, 2.5, 2.6): a
# CP949 fixed-width bank file (header, details, trailer) becomes one UTF-8
# record per detail, masked, with the header's date on every row; a file
# whose trailer lies publishes nothing (exit 1, the control total named);
# JSON lines reach into nested members, and a broken line, a time and a
# number the schema refuses go to the dead letter topic within max_rejects.
source "$(dirname "$0")/lib.sh"

DATA=$KF_REPO/tests/data/records
LOAD_LEDGER=$TOPIC.loads
DLQ=$TOPIC.dlq
create_topic "$LOAD_LEDGER" 1
create_topic "$DLQ" 1

# 1. the fixed-width file: five details, trailer count 5 and its sum
LOAD_TOPIC=$TOPIC.bank
create_topic "$LOAD_TOPIC" 1
kf_load --schema "$KF_REPO/config/bank_cp949.schema" "$DATA/bank_cp949.dat" ||
	fail "load exited $?: $(tail -n 5 "$LOAD_LOG")"
[ "$(json_field "$LOAD_JSON" rows_published)" = 5 ] || fail "rows_published: $LOAD_JSON"
read_topic "$LOAD_TOPIC" "$WORK/bank" --isolation-level read_committed
[ "$(count_records "$WORK/bank")" = 5 ] || fail "$(count_records "$WORK/bank") rows visible, not 5"
grep -q '"holder_name":"김똠이"' "$WORK/bank" || fail "CP949 (with a CP949-only syllable) did not arrive as UTF-8: $(head -c 600 "$WORK/bank")"
grep -q '"holder_rrn":"9001011\*\*\*\*\*\*"' "$WORK/bank" || fail "the resident number is not masked"
grep -q '9001011234567' "$WORK/bank" && fail "an unmasked resident number left the host"
[ "$(grep -o '"payload":{"business_date":20789,"seq":[0-9]*,"account_no"' "$WORK/bank" | wc -l)" = 5 ] ||
	fail "the header's date is not on every row"

# 2. the same layout whose trailer's sum lies: nothing of it is visible
rc=0
kf_load --schema "$KF_REPO/config/bank_cp949.schema" "$DATA/bank_cp949_bad_sum.dat" || rc=$?
[ "$rc" = 1 ] || fail "a lying trailer: exit $rc, not 1"
grep -q 'control total' <<<"$LOAD_JSON" || fail "the failure does not name the control total: $LOAD_JSON"
read_topic "$LOAD_TOPIC" "$WORK/bank2" --isolation-level read_committed
[ "$(count_records "$WORK/bank2")" = 5 ] || fail "rows of the lying file are visible"

# 3. JSON lines: A-1 and A-2 load; A-3's time with a space where the
# schema's format has a T, the cut line 5 and A-5's 1e2 are rejected
LOAD_TOPIC=$TOPIC.orders
create_topic "$LOAD_TOPIC" 1
kf_load --schema "$KF_REPO/config/orders.schema" -o load.dead_letter_topic="$DLQ" \
	-o load.max_rejects=3 "$DATA/orders.jsonl" || fail "load exited $?: $(tail -n 5 "$LOAD_LOG")"
[ "$(json_field "$LOAD_JSON" rows_read)" = 5 ] || fail "rows_read: $LOAD_JSON"
[ "$(json_field "$LOAD_JSON" rows_published)" = 2 ] || fail "rows_published: $LOAD_JSON"
[ "$(json_field "$LOAD_JSON" rows_rejected)" = 3 ] || fail "rows_rejected: $LOAD_JSON"
read_topic "$LOAD_TOPIC" "$WORK/orders" --isolation-level read_committed
[ "$(count_records "$WORK/orders")" = 2 ] || fail "$(count_records "$WORK/orders") orders visible, not 2"
grep -q '"customer_rrn":"900101-1\*\*\*\*\*\*"' "$WORK/orders" || fail "the nested resident number is not masked"
grep -q '"city":"서울"' "$WORK/orders" || fail "the nested member customer.address.city did not arrive"
read_topic "$DLQ" "$WORK/dlq" --isolation-level read_committed
[ "$(count_records "$WORK/dlq")" = 3 ] || fail "dead letters: $(cat "$WORK/dlq")"
sed 's/@@END@@/\n/g' "$WORK/dlq" >"$WORK/dlq.lines"
grep 'kferry.line:3,' "$WORK/dlq.lines" | grep -q 'kferry.dlq.field:placed_at' || fail "A-3's time is not a placed_at reject"
grep 'kferry.line:5,' "$WORK/dlq.lines" | grep -q 'kferry.dlq.code:json' || fail "the cut line is not a json reject"
grep 'kferry.line:6,' "$WORK/dlq.lines" | grep -q 'kferry.dlq.field:total' || fail "A-5's 1e2 is not a total reject"
log "t_load_formats passed"
