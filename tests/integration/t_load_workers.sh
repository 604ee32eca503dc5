# SPDX-License-Identifier: Apache-2.0
# More files at once than workers (docs/records.md 3.3): a file's ledger
# read waits in a worker for another file's open transaction, whose
# commit needs a worker too. kferry load runs at most `workers` files at
# once, so 60 small files with load.max_files_parallel = 16 and 2 workers
# are all loaded, each row once, without waiting for the transaction
# timeout.
source "$(dirname "$0")/lib.sh"

LOAD_TOPIC=$TOPIC.rows
LOAD_LEDGER=$TOPIC.loads
create_topic "$LOAD_TOPIC" 1
create_topic "$LOAD_LEDGER" 1
mkdir -p "$WORK/in"
{
	schema_head w
	printf '\n[column.name]\ntype = text\n'
} >"$WORK/w.schema"
for ((i = 0; i < 60; i++)); do
	awk -v a=$((10 * i)) 'BEGIN { print "id,name"; for (j = a; j < a + 10; j++) printf "%d,row %d\n", j, j }' >"$WORK/in/f$i.csv"
done

# without the bound this load hangs (main at 5573d41: until the suite's
# timeout); a failed commit fails it
kf_load --schema "$WORK/w.schema" -o load.max_files_parallel=16 -o workers=2 \
	-o load.transaction_timeout=60 "$WORK/in"/*.csv || fail "the load exited $?: $(tail -n 5 "$LOAD_LOG")"
[ "$(json_field "$LOAD_JSON" files_done)" = 60 ] || fail "not every file loaded: $LOAD_JSON"
grep -q "load.max_files_parallel 16 is above the 2 workers: 2 files at once" "$LOAD_LOG" ||
	fail "no line says the files at once were lowered: $(cat "$LOAD_LOG")"
ids=$(kcat -b "$BOOTSTRAP" -X isolation.level=read_committed -C -t "$LOAD_TOPIC" -o beginning -e -q \
	-f '%s\n' 2>/dev/null | grep -o '"payload":{"id":[0-9]*' | grep -o '[0-9]*$' | sort -n)
[ "$ids" = "$(seq 0 599)" ] || fail "the rows of the 60 files are not on the topic once each"
log "60 files, 16 at once asked, 2 workers: all loaded, rows once"
