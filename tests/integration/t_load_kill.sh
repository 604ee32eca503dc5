# SPDX-License-Identifier: Apache-2.0
# kf-timeout: 600
# kill -9 of kferry load mid-file (docs/records.md 3.5): the killed
# attempt's open transaction is fenced and aborted by the re-run's
# init_transactions (same transactional id: same topic and content), and a
# read_committed consumer counts every row exactly once.
source "$(dirname "$0")/lib.sh"

LOAD_TOPIC=$TOPIC.rows
LOAD_LEDGER=$TOPIC.loads
create_topic "$LOAD_TOPIC" 1
create_topic "$LOAD_LEDGER" 1
ROWS=${KF_LOAD_KILL_ROWS:-300000}

SCHEMA=$WORK/k.schema
{
	schema_head k
	cat <<'EOF'

[column.name]
type = text
required = true

[column.amount]
type = decimal(12,2)
EOF
} >"$SCHEMA"
CSV=$WORK/big.csv
{
	echo 'id,name,amount'
	awk -v n="$ROWS" 'BEGIN { for (i = 1; i <= n; i++)
		printf "%d,customer number %d with a longer name,%d.%02d\n", i, i, i, i % 100 }'
} >"$CSV"
log "$(wc -c <"$CSV") bytes, $ROWS rows"

# high_watermark: the end offset of the data topic, uncommitted records
# included.
high_watermark() {
	"$KF_REPO/scripts/kafka/broker.sh" offsets "$KF_BROKER_DIR" "$LOAD_TOPIC" "$GROUP" |
		awk '{ s += $2 } END { print s + 0 }'
}

# A slow load (small in-flight cap, long linger), killed as soon as its
# progress line shows rows acknowledged by the broker in its open
# transaction.
L1=$WORK/killed.log
"$KFERRY" load -b "$BOOTSTRAP" -t "$LOAD_TOPIC" --schema "$SCHEMA" --progress \
	-o load.ledger_topic="$LOAD_LEDGER" -o load.max_inflight_bytes=1MiB \
	-o load.linger_ms=100 "$CSV" 2>"$L1" &
pid=$!
KF_BG_PIDS+=("$pid")
for ((i = 0; i < 1200; i++)); do
	grep -aqE 'read, [1-9][0-9]* published' "$L1" && break
	kill -0 "$pid" 2>/dev/null || fail "load ended before it was killed: $(tail -c 300 "$L1")"
	sleep 0.05
done
kill -KILL "$pid"
wait "$pid" 2>/dev/null || true
grep -aqE 'read, [1-9][0-9]* published' "$L1" || fail "no row reached the broker: $(tail -c 300 "$L1")"
hw=$(high_watermark)
[ "$hw" -lt "$ROWS" ] || note "the load had produced every row when killed"
log "load killed (SIGKILL) with $hw records written in its open transaction"

# The re-run: fences the killed attempt, loads the file once.
kf_load --schema "$SCHEMA" "$CSV" || fail "re-run exited $?: $(tail -n 5 "$LOAD_LOG")"
[ "$(json_field "$LOAD_JSON" files_done)" = 1 ] || fail "re-run not done: $LOAD_JSON"
[ "$(json_field "$LOAD_JSON" rows_published)" = "$ROWS" ] || fail "re-run published: $LOAD_JSON"

OUT=$WORK/rows
read_topic "$LOAD_TOPIC" "$OUT" --isolation-level read_committed
n=$(count_records "$OUT")
[ "$n" = "$ROWS" ] || fail "read_committed sees $n rows, not $ROWS"
# each key once: the keys are Connect structs {"...","payload":{"id":N}}
keys=$(sed 's/@@END@@/\n/g' "$OUT" | grep -o '"payload":{"id":[0-9]*}' | sort -u | wc -l)
[ "$keys" = "$ROWS" ] || fail "$keys distinct keys among $n rows, not $ROWS"
# the killed attempt's records are there, uncommitted and aborted
read_topic "$LOAD_TOPIC" "$WORK/all"
all=$(count_records "$WORK/all")
[ "$all" -gt "$ROWS" ] || fail "read_uncommitted sees $all records: the kill left nothing?"
note "killed after $hw records; the re-run published $ROWS rows, each once, at $(json_field "$LOAD_JSON" rows_per_s) rows/s"
