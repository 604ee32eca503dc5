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
ROWS=400000
HOLD=15

CSV=$WORK/rows.csv
awk -v n=$ROWS 'BEGIN { print "id,name"; for (i = 1; i <= n; i++) printf "%d,name %d\n", i, i }' >"$CSV"

# 1. The first load, in the background; once its rows flow (its ledger
# read is behind it), a transaction opens on the ledger's partition and
# stays open HOLD seconds, so the first load's record lands behind it.
rows_flow() {
	[ -n "$(kcat -b "$BOOTSTRAP" -X isolation.level=read_uncommitted -C -t "$LOAD_TOPIC" \
		-o beginning -c 1 -e -q -f '%o\n' 2>/dev/null)" ]
}
kf_load "$CSV" &
first=$!
wait_until 60 rows_flow
printf 'other/held\t{"note":"a transaction held open"}\n' |
	"$KF_PRODUCE" -b "$BOOTSTRAP" -t "$LOAD_LEDGER" -x "$HOLD" >"$WORK/held.out" 2>"$WORK/held.log" &
held=$!
KF_BG_PIDS+=("$held")
wait_until 30 grep -q open "$WORK/held.out"
wait "$first" || fail "the first load exited $?: $(tail -n 5 "$WORK/load.1.log")"
kill -0 "$held" 2>/dev/null || fail "the held transaction ended before the first load did: no test"

# the premise: the first load's record sits behind the open transaction
offsets=$(kcat -b "$BOOTSTRAP" -X isolation.level=read_uncommitted -C -t "$LOAD_LEDGER" -o beginning -e -q \
	-f '%k %o\n' 2>/dev/null)
held_at=$(awk '$1 == "other/held" { print $2 }' <<<"$offsets")
done_at=$(awk '$1 != "other/held" { print $2; exit }' <<<"$offsets")
[ -n "$held_at" ] && [ -n "$done_at" ] && [ "$done_at" -gt "$held_at" ] ||
	fail "the load record is not behind the open transaction: $offsets"

# 2. The same content again, while the transaction is open: skipped.
cp "$CSV" "$WORK/again.csv"
kf_load "$WORK/again.csv" || fail "the second load exited $?: $(tail -n 5 "$LOAD_LOG")"
[ "$(json_field "$LOAD_JSON" files_skipped)" = 1 ] ||
	fail "the same content was loaded again while a transaction was open on the ledger: $LOAD_JSON"
wait "$held" || fail "the held transaction did not commit: $(cat "$WORK/held.log")"

n=$(kcat -b "$BOOTSTRAP" -X isolation.level=read_committed -C -t "$LOAD_TOPIC" -o beginning -e -q -f '.\n' | wc -l)
[ "$n" = $ROWS ] || fail "read_committed sees $n rows, not $ROWS"
log "the same content during an open transaction on the ledger: skipped after waiting for it; $ROWS rows, once"
