# SPDX-License-Identifier: Apache-2.0
# A watch route of kind = records (docs/records.md 4.3): finished files are
# loaded, one transaction each, with the route's schema, topic and load
# overrides; their rows are on the topic exactly once (read_committed),
# named by their path below the route's dir; after = move moves them; a file
# whose rejects pass max_rejects publishes nothing and goes to error_dir at
# once, with its reason beside it; the same content dropped again is
# skipped by the ledger; a link in place of a file is never followed.
source "$(dirname "$0")/lib.sh"

ROWS=$TOPIC.rows
LEDGER=$TOPIC.loads
DLQ=$TOPIC.dlq
create_topic "$ROWS" 1
create_topic "$LEDGER" 1
create_topic "$DLQ" 1

IN=$WORK/inbox
DONE=$WORK/done
ERR=$WORK/error
mkdir -p "$IN/sub" "$DONE" "$ERR"

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

[column.name]
type = text

[column.amount]
type = decimal(9,2)
required = true
min = 0
EOF

# make_csv FILE FIRST LAST [BAD...]: rows FIRST..LAST, the BAD ones with a
# negative amount (below min).
make_csv() {
	local f=$1 a=$2 b=$3
	shift 3
	{
		echo 'id,name,amount'
		awk -v a="$a" -v b="$b" -v bad=" $* " 'BEGIN { for (i = a; i <= b; i++)
			if (index(bad, " " i " ")) printf "%d,홍길동 %d,-%d.00\n", i, i, i
			else printf "%d,홍길동 %d,%d.25\n", i, i, i }'
	} >"$f"
}

CONF=$WORK/watch.conf
{
	conf_watch
	printf '[load]\nledger_topic = %s\n' "$LEDGER"
	conf_route rows "$IN" "kind = records" "schema = $SCHEMA" "topic = $ROWS" \
		"dead_letter_topic = $DLQ" "max_rejects = 2" "finished = rename" \
		"after = move:$DONE" "error_dir = $ERR"
} >"$CONF"

make_csv "$WORK/a.csv" 1 500 17
make_csv "$WORK/b.csv" 501 1000
make_csv "$WORK/bad.csv" 1001 1100 1010 1020 1030
drop_in "$WORK/a.csv" "$IN"
watch_start "$WORK/watch.log" -c "$CONF"
drop_in "$WORK/b.csv" "$IN/sub"
drop_in "$WORK/bad.csv" "$IN"
# a link in place of a file: never followed, never loaded
ln -s "$WORK/a.csv" "$IN/link.csv"

wait_until 90 test -e "$DONE/a.csv" -a -e "$DONE/sub/b.csv" -a -e "$ERR/bad.csv"
log "a.csv and sub/b.csv were moved to done, bad.csv to the error directory"

# the same content again, under another name: the ledger skips it
drop_in "$WORK/a.csv" "$IN" again.csv
wait_until 60 test -e "$DONE/again.csv"
wait_log "$WATCH_PID" "$WORK/watch.log" "already loaded rows/again.csv" 30
watch_stop

read_topic "$ROWS" "$WORK/rows" --isolation-level read_committed
n=$(count_records "$WORK/rows")
[ "$n" = 999 ] || fail "$n rows visible, not 999 (500 + 500 - 1 rejected; nothing of bad.csv)"
ids=$(sed 's/@@END@@/\n/g' "$WORK/rows" | grep -o '"payload":{"id":[0-9]*' | grep -o '[0-9]*$' | sort -n | uniq)
[ "$(wc -l <<<"$ids")" = 999 ] || fail "rows are not unique by id"
grep -q '"payload":{"id":1001' "$WORK/rows" && fail "a row of bad.csv is visible"
# a row names its file through its load id: the load record's file
# (docs/records.md 1.7)
read_topic "$LEDGER" "$WORK/ledger" --isolation-level read_committed
bid=$(grep -o '"load_id":"[0-9a-f]*","topic":"[^"]*","file":"sub/b.csv"' "$WORK/ledger" | cut -d'"' -f4)
[ -n "$bid" ] || fail "no load record names sub/b.csv by its path below the route's dir: $(cat "$WORK/ledger")"
grep -q "kferry.load_id:$bid" "$WORK/rows" || fail "no row of sub/b.csv's load $bid"
grep -q '홍길동 42' "$WORK/rows" || fail "the Korean text did not arrive"

# a.csv's rejected row, and the sample of bad.csv's that its failure
# record carries (docs/records.md 3.7)
read_topic "$DLQ" "$WORK/dlq" --isolation-level read_committed
sed 's/@@END@@/\n/g' "$WORK/dlq" >"$WORK/dlq.lines"
[ "$(grep -c 'kferry.file:a.csv,' "$WORK/dlq.lines")" = 1 ] || fail "dead letters: $(cat "$WORK/dlq")"
grep 'kferry.file:a.csv,' "$WORK/dlq.lines" | grep -q 'kferry.line:18,.*kferry.dlq.field:amount' ||
	fail "a.csv's dead letter does not name its line and field: $(cat "$WORK/dlq")"
grep -q 'kferry.file:bad.csv,' "$WORK/dlq.lines" || fail "no sample of bad.csv's rejects"

[ -e "$ERR/bad.csv.error" ] || fail "no reason beside the file in the error directory: $(ls "$ERR")"
grep -q 'max_rejects' "$ERR/bad.csv.error" || fail "the error file does not say why: $(cat "$ERR/bad.csv.error")"
grep -q 'giving up after 1 attempts' "$WORK/watch.log" || fail "bad.csv was retried: $(grep bad.csv "$WORK/watch.log")"
[ -L "$IN/link.csv" ] || fail "the link was touched"
grep -q 'link.csv' "$WORK/rows" && fail "the link was followed"
log "t_watch_records passed"
