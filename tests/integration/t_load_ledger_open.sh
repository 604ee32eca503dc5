# SPDX-License-Identifier: Apache-2.0
# The ledger read ends at the partition's high watermark, not at its last
# stable offset (docs/records.md 3.3). A load record committed after
# another producer's transaction began on the ledger's partition is
# invisible to read_committed readers until that transaction ends: a file
# of the same content loaded meanwhile must wait for it and be skipped,
# not loaded a second time. (A failed load's failure transaction left
# open did exactly that to t_watch_records once.)
source "$(dirname "$0")/lib.sh"

KF_PRODUCE=$(dirname "$KFERRY")/kf-produce
LOAD_TOPIC=$TOPIC.rows
LOAD_LEDGER=$TOPIC.loads
create_topic "$LOAD_TOPIC" 1
create_topic "$LOAD_LEDGER" 1
ROWS=1000000
HOLD=120 # at most: it ends by SIGUSR1 once the second load waits for it

CSV=$WORK/rows.csv
awk -v n=$ROWS 'BEGIN { print "id,name"; for (i = 1; i <= n; i++) printf "%d,name %d\n", i, i }' >"$CSV"

# 1. The first load runs in the background; once its rows flow (its
# ledger read is behind it) it is stopped, a transaction opens on the
# ledger's partition and stays open HOLD seconds, and the load goes on,
# so its record lands behind that transaction. (Without the stop, a fast
# load could commit before the other transaction opens: no test.) The
# other producer is started first, waiting on a FIFO, so its
# transaction is initialised by the time it is needed (the load must not
# inherit the FIFO's write end, or the producer never sees its end).
rows_flow() {
	[ -n "$(kcat -b "$BOOTSTRAP" -X isolation.level=read_uncommitted -C -t "$LOAD_TOPIC" \
		-o beginning -c 1 -e -q -f '%o\n' 2>/dev/null)" ]
}
ledger_records() {
	kcat -b "$BOOTSTRAP" -X isolation.level=read_uncommitted -C -t "$LOAD_LEDGER" -o beginning -e -q \
		-f '%k %o\n' 2>/dev/null
}
mkfifo "$WORK/held.in"
"$KF_PRODUCE" -b "$BOOTSTRAP" -t "$LOAD_LEDGER" -x "$HOLD" <"$WORK/held.in" \
	>"$WORK/held.out" 2>"$WORK/held.log" &
held=$!
KF_BG_PIDS+=("$held")
exec 3>"$WORK/held.in"

"$KFERRY" load -b "$BOOTSTRAP" -t "$LOAD_TOPIC" --json --no-progress \
	-o load.ledger_topic="$LOAD_LEDGER" "$CSV" >"$WORK/first.json" 2>"$WORK/first.log" 3>&- &
first=$!
KF_BG_PIDS+=("$first")
wait_until 60 rows_flow
kill -STOP "$first"
[ -z "$(ledger_records)" ] ||
	fail "the first load wrote its record before it could be stopped: no test: $(ledger_records)"
printf 'other/held\t{"note":"a transaction held open"}\n' >&3
exec 3>&-
wait_until 30 grep -q open "$WORK/held.out"
kill -CONT "$first"
wait "$first" || fail "the first load exited $?: $(tail -n 5 "$WORK/first.log")"
log "first load: $(cat "$WORK/first.json")"
kill -0 "$held" 2>/dev/null || fail "the held transaction ended before the first load did: no test"

# the premise: the first load's record sits behind the open transaction
offsets=$(ledger_records)
held_at=$(awk '$1 == "other/held" { print $2 }' <<<"$offsets")
done_at=$(awk '$1 != "other/held" { print $2; exit }' <<<"$offsets")
[ -n "$held_at" ] && [ -n "$done_at" ] && [ "$done_at" -gt "$held_at" ] ||
	fail "the load record is not behind the open transaction: $offsets"

# 2. The same content again, while the transaction is open: the load
# waits for it to end (and says so), then skips the file.
cp "$CSV" "$WORK/again.csv"
"$KFERRY" load -b "$BOOTSTRAP" -t "$LOAD_TOPIC" --json --no-progress \
	-o load.ledger_topic="$LOAD_LEDGER" "$WORK/again.csv" >"$WORK/second.json" 2>"$WORK/second.log" &
second=$!
KF_BG_PIDS+=("$second")
wait_until 60 grep -q "waiting for an open transaction" "$WORK/second.log"
kill -0 "$second" 2>/dev/null || fail "the second load did not wait: $(cat "$WORK/second.json")"
kill -USR1 "$held"
wait "$held" || fail "the held transaction did not commit: $(cat "$WORK/held.log")"
wait "$second" || fail "the second load exited $?: $(tail -n 5 "$WORK/second.log")"
LOAD_JSON=$(cat "$WORK/second.json")
log "second load: $LOAD_JSON"
[ "$(json_field "$LOAD_JSON" files_skipped)" = 1 ] ||
	fail "the same content was loaded again while a transaction was open on the ledger: $LOAD_JSON"

n=$(kcat -b "$BOOTSTRAP" -X isolation.level=read_committed -C -t "$LOAD_TOPIC" -o beginning -e -q -f '.\n' | wc -l)
[ "$n" = $ROWS ] || fail "read_committed sees $n rows, not $ROWS"
log "the same content during an open transaction on the ledger: skipped after waiting for it; $ROWS rows, once"
