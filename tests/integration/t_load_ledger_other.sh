# SPDX-License-Identifier: Apache-2.0
# One kferry load run reads the ledger once per partition, then only what
# was written since (docs/records.md 3.3). A load record committed by
# ANOTHER kferry load between two files of the run is below the high
# watermark when the run reads the second file's key: that file is
# skipped, with the other load's id, and its rows are in the topic once.
source "$(dirname "$0")/lib.sh"

LOAD_TOPIC=$TOPIC.rows
LOAD_LEDGER=$TOPIC.loads
create_topic "$LOAD_TOPIC" 1
create_topic "$LOAD_LEDGER" 1
BIG=300000
SMALL=10

awk -v n=$BIG 'BEGIN { print "id,name"; for (i = 1; i <= n; i++) printf "%d,big %d\n", i, i }' >"$WORK/a_big.csv"
awk -v n=$SMALL 'BEGIN { print "id,name"; for (i = 1; i <= n; i++) printf "%d,small %d\n", i, i }' >"$WORK/b_small.csv"
mkdir -p "$WORK/other"
cp "$WORK/b_small.csv" "$WORK/other/b_copy.csv"
rows_flow() {
	[ -n "$(kcat -b "$BOOTSTRAP" -X isolation.level=read_uncommitted -C -t "$LOAD_TOPIC" \
		-o beginning -c 1 -e -q -f '%o\n' 2>/dev/null)" ]
}

# 1. The run, one file at a time: a_big first (its ledger read reads the
# partition, still empty, and keeps its position), b_small next.
# It is stopped while a_big's rows flow: its ledger read is behind it.
"$KFERRY" load -b "$BOOTSTRAP" -t "$LOAD_TOPIC" --json --no-progress \
	-o load.ledger_topic="$LOAD_LEDGER" -o load.max_files_parallel=1 \
	"$WORK/a_big.csv" "$WORK/b_small.csv" >"$WORK/run.json" 2>"$WORK/run.log" &
run=$!
KF_BG_PIDS+=("$run")
wait_until 60 rows_flow
kill -STOP "$run"

# 2. Meanwhile another load writes b_small's content (same hash, same key).
kf_load "$WORK/other/b_copy.csv" || fail "the other load exited $?: $(tail -n 5 "$LOAD_LOG")"
[ "$(json_field "$LOAD_JSON" files_done)" = 1 ] || fail "the other load did not load: $LOAD_JSON"
OTHER_ID=$(printf '%s' "$LOAD_JSON" | grep -o '"load_id":"[0-9a-f]*"' | sed -n 1p | cut -d'"' -f4)
[ ${#OTHER_ID} = 32 ] || fail "no load id: $LOAD_JSON"
kill -0 "$run" 2>/dev/null || fail "the run ended before the other load: no test"
ledger=$(kcat -b "$BOOTSTRAP" -C -t "$LOAD_LEDGER" -o beginning -e -q -f '%s\n' 2>/dev/null)
[[ $ledger != *a_big.csv* ]] || fail "a_big was committed before the other load: no test: $ledger"

# 3. The run goes on: a_big is loaded, b_small is skipped with the other
# load's id.
kill -CONT "$run"
wait "$run" || fail "the run exited $?: $(tail -n 5 "$WORK/run.log")"
LOAD_JSON=$(cat "$WORK/run.json")
log "run: $LOAD_JSON"
[ "$(json_field "$LOAD_JSON" files_done)" = 1 ] || fail "files_done: $LOAD_JSON"
[ "$(json_field "$LOAD_JSON" files_skipped)" = 1 ] ||
	fail "b_small, loaded by another load during the run, was loaded again: $LOAD_JSON"
[[ $LOAD_JSON == *"b_small.csv\",\"state\":\"skipped\",\"load_id\":\"$OTHER_ID\""* ]] ||
	fail "b_small not skipped with the other load's id $OTHER_ID: $LOAD_JSON"
n=$(kcat -b "$BOOTSTRAP" -X isolation.level=read_committed -C -t "$LOAD_TOPIC" -o beginning -e -q -f '.\n' | wc -l)
[ "$n" = $((BIG + SMALL)) ] || fail "read_committed sees $n rows, not $((BIG + SMALL))"
log "a record written by another load between two files of a run: seen, the file skipped; rows once"
