# SPDX-License-Identifier: Apache-2.0
# A watch route of kind = records reads the load ledger with one reader
# (docs/records.md 3.3, docs/watch.md): made at the route's first file and
# used by every later one. A load record that ANOTHER kferry load commits
# between two of the daemon's files is read by the next file's read: that
# file is skipped with the other load's id, its rows are on the topic once.
# A restarted daemon rebuilds the reader from the topic and skips a file
# it loaded before; a reload that gives the route another topic replaces
# the reader. Many files at once, more than the daemon's workers, are all
# loaded: loads wait for each other's transactions in the ledger read, and
# no more run at once than workers are left to commit them.
source "$(dirname "$0")/lib.sh"

ROWS=$TOPIC.rows
ROWS2=$TOPIC.rows2
LEDGER=$TOPIC.loads
create_topic "$ROWS" 1
create_topic "$ROWS2" 1
create_topic "$LEDGER" 1
LOAD_TOPIC=$ROWS
LOAD_LEDGER=$LEDGER

IN=$WORK/inbox
DONE=$WORK/done
mkdir -p "$IN" "$DONE" "$WORK/other"

SCHEMA=$WORK/t.schema
{
	schema_head t
	printf '\n[column.name]\ntype = text\n'
} >"$SCHEMA"

# make_csv FILE FIRST LAST: rows FIRST..LAST
make_csv() {
	awk -v a="$2" -v b="$3" 'BEGIN { print "id,name"; for (i = a; i <= b; i++) printf "%d,row %d\n", i, i }' >"$1"
}
make_csv "$WORK/a.csv" 1 100
make_csv "$WORK/b.csv" 101 200
make_csv "$WORK/c.csv" 201 300
make_csv "$WORK/d.csv" 301 400
cp "$WORK/c.csv" "$WORK/other/c_copy.csv"

# write_conf TOPIC: the daemon's configuration, its route into TOPIC
CONF=$WORK/watch.conf
write_conf() {
	{
		printf 'workers = 2\n'
		conf_watch
		printf '[load]\nledger_topic = %s\n' "$LEDGER"
		conf_route rows "$IN" "kind = records" "schema = $SCHEMA" "topic = $1" \
			"finished = rename" "after = move:$DONE"
	} >"$CONF.tmp"
	mv "$CONF.tmp" "$CONF"
}
# created N LOG TOPIC: LOG says N times that a reader for TOPIC was made
created() {
	local n
	n=$(grep -c "load ledger reader of $LEDGER for topic $3: created" "$2" || true)
	[ "$n" = "$1" ] || fail "$n readers made for $3 in $2, not $1: $(grep 'load ledger reader' "$2")"
}
rows_of() {
	kcat -b "$BOOTSTRAP" -X isolation.level=read_committed -C -t "$1" -o beginning -e -q \
		-f '%s\n' 2>/dev/null | grep -o '"payload":{"id":[0-9]*' | grep -o '[0-9]*$' | sort -n
}

# 1. The daemon loads a.csv: the route's reader has read the ledger's
# partition up to its end.
write_conf "$ROWS"
watch_start "$WORK/watch1.log" -c "$CONF" --debug watch
drop_in "$WORK/a.csv" "$IN"
wait_until 60 test -e "$DONE/a.csv"

# 2. Another kferry load commits c.csv's content (same key) meanwhile.
kf_load --schema "$SCHEMA" "$WORK/other/c_copy.csv" || fail "the other load exited $?: $(tail -n 5 "$LOAD_LOG")"
[ "$(json_field "$LOAD_JSON" files_done)" = 1 ] || fail "the other load did not load: $LOAD_JSON"
OTHER_ID=$(printf '%s' "$LOAD_JSON" | grep -o '"load_id":"[0-9a-f]*"' | sed -n 1p | cut -d'"' -f4)
[ ${#OTHER_ID} = 32 ] || fail "no load id: $LOAD_JSON"

# 3. The daemon's next files: b.csv is loaded, c.csv skipped with the
# other load's id, by the same reader.
drop_in "$WORK/b.csv" "$IN"
drop_in "$WORK/c.csv" "$IN"
wait_until 60 test -e "$DONE/b.csv" -a -e "$DONE/c.csv"
grep -q "already loaded rows/c.csv (load $OTHER_ID): skipped" "$WORK/watch1.log" ||
	fail "c.csv, loaded by another load between two of the daemon's files, was not skipped: $(grep -a 'c.csv' "$WORK/watch1.log")"
grep -q "loaded rows/b.csv: 100 rows read, 100 published" "$WORK/watch1.log" ||
	fail "b.csv was not loaded: $(grep -a 'b.csv' "$WORK/watch1.log")"
created 1 "$WORK/watch1.log" "$ROWS"
watch_stop
grep -q "load ledger reader of $LEDGER for topic $ROWS: destroyed" "$WORK/watch1.log" ||
	fail "the reader was not destroyed at the stop"
[ "$(rows_of "$ROWS")" = "$(seq 1 300)" ] || fail "the rows of a, b and c are not on $ROWS once each"
log "a record committed by another load between two of the daemon's files: seen, the file skipped; rows once"

# 4. A restarted daemon skips a file it loaded before (its reader is made
# again from the topic), with that load's id.
AID=$(kcat -b "$BOOTSTRAP" -X isolation.level=read_committed -C -t "$LEDGER" -o beginning -e -q -f '%s\n' 2>/dev/null |
	grep -o '"load_id":"[0-9a-f]*","topic":"[^"]*","file":"a.csv"' | cut -d'"' -f4)
[ ${#AID} = 32 ] || fail "no load record of a.csv"
watch_start "$WORK/watch2.log" -c "$CONF" --debug watch
drop_in "$WORK/a.csv" "$IN" a_again.csv
wait_until 60 test -e "$DONE/a_again.csv"
grep -q "already loaded rows/a_again.csv (load $AID): skipped" "$WORK/watch2.log" ||
	fail "a.csv's content was loaded again after a restart: $(grep -a 'a_again' "$WORK/watch2.log")"
created 1 "$WORK/watch2.log" "$ROWS"

# 5. A reload gives the route another topic: its reader is let go, the
# next file gets one for the new topic.
write_conf "$ROWS2"
kill -HUP "$WATCH_PID"
wait_log "$WATCH_PID" "$WORK/watch2.log" "load ledger reader of $LEDGER for topic $ROWS: destroyed" 30
drop_in "$WORK/d.csv" "$IN"
wait_until 60 test -e "$DONE/d.csv"
grep -q "loaded rows/d.csv: 100 rows read, 100 published" "$WORK/watch2.log" ||
	fail "d.csv was not loaded into $ROWS2: $(grep -a 'd.csv' "$WORK/watch2.log")"
created 1 "$WORK/watch2.log" "$ROWS2"

# 6. 24 files at once, 16 in flight, 2 workers.
mkdir -p "$WORK/many"
for ((i = 0; i < 24; i++)); do make_csv "$WORK/many/m$i.csv" $((1000 + 10 * i)) $((1009 + 10 * i)); done
mv "$WORK/many"/*.csv "$IN/"
many_done() { [ "$(find "$DONE" -name 'm*.csv' | wc -l)" = 24 ]; }
wait_until 60 many_done
watch_stop
grep -q "attempt .* failed" "$WORK/watch2.log" && fail "a load failed: $(grep -m 3 'attempt' "$WORK/watch2.log")"
[ "$(rows_of "$ROWS")" = "$(seq 1 300)" ] || fail "$ROWS changed after the restart"
[ "$(rows_of "$ROWS2")" = "$(seq 301 400; seq 1000 1239)" ] || fail "the rows of d.csv and m*.csv are not on $ROWS2 once each"
log "t_watch_records_ledger passed"
