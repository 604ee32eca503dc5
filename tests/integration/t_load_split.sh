# SPDX-License-Identifier: Apache-2.0
# kf-timeout: 600
# A file loaded in parts (load.txn_max_bytes, docs/records.md 3.4): each
# part is a transaction that commits its rows with a partial ledger record,
# the last one with the done record covering every part. Then a load is
# killed (SIGKILL) after a part committed and the next part was under way:
# the re-run resumes after the checkpoint under the same load id, and a
# read_committed consumer sees every row once, the rejected rows' dead
# letters once, and the done record counts them all.
source "$(dirname "$0")/lib.sh"

DLQ=$TOPIC.dlq
create_topic "$DLQ" 1
ROWS=${KF_LOAD_SPLIT_ROWS:-100000}
BAD="1000 45000 99000" # rows with an amount that is not a number
NBAD=3
GOOD=$((ROWS - NBAD))

SCHEMA=$WORK/s.schema
{
	schema_head s
	cat <<'EOF'

[column.name]
type = text
required = true

[column.amount]
type = decimal(12,2)
required = true
EOF
} >"$SCHEMA"
CSV=$WORK/split.csv
{
	echo 'id,name,amount'
	awk -v n="$ROWS" -v bad=" $BAD " 'BEGIN { for (i = 1; i <= n; i++)
		if (index(bad, " " i " ")) printf "%d,customer %d,x%d\n", i, i, i
		else printf "%d,customer number %d with a longer name,%d.%02d\n", i, i, i, i % 100 }'
} >"$CSV"
log "$(wc -c <"$CSV") bytes, $ROWS rows, $NBAD of them bad"

# committed TOPIC OUT: the records of partition 0 that read_committed
# sees, one "headers<TAB>key" line each (keys are compact JSON).
committed() {
	kcat -b "$BOOTSTRAP" -C -t "$1" -p 0 -o beginning -e -q \
		-X isolation.level=read_committed -f '%h\t%k\n' >"$2" 2>"$2.log" ||
		fail "reading $1: $(tail -n 3 "$2.log")"
}

# check_rows TOPIC LOAD_ID: every good row once, all of load LOAD_ID.
check_rows() {
	local out=$WORK/rows.$1 n keys ids
	wait_committed "$1" "$GOOD"
	committed "$1" "$out"
	n=$(wc -l <"$out")
	[ "$n" = "$GOOD" ] || fail "read_committed sees $n rows on $1, not $GOOD"
	keys=$(grep -o '"payload":{"id":[0-9]*}' "$out" | sort -u | wc -l)
	[ "$keys" = "$GOOD" ] || fail "$keys distinct keys among $n rows on $1, not $GOOD"
	ids=$(grep -o 'kferry.load_id=[0-9a-f]*' "$out" | sort -u)
	[ "$ids" = "kferry.load_id=$2" ] || fail "rows of other loads on $1: $(printf '%s' "$ids" | head -n 3)"
}

# check_dlq LOAD_ID TOTAL [N]: N (default NBAD) dead letters of LOAD_ID,
# once the topic holds TOTAL (all loads').
check_dlq() {
	local out=$WORK/dlq.$1 n
	wait_committed "$DLQ" "$2"
	committed "$DLQ" "$out"
	n=$(grep -c "kferry.load_id=$1" "$out" || true)
	[ "$n" = "${3:-$NBAD}" ] || fail "$n dead letters of load $1, not ${3:-$NBAD}: $(cut -c 1-200 "$out")"
}

# done_record TOPIC: the newest done record of the ledger for TOPIC.
# ledger_last LEDGER PATTERN...: the last record of LEDGER that matches
# every PATTERN, waited for up to 30 s (empty if none comes): a load's
# last commit returns once the coordinator logged it, and its markers
# reach the ledger a moment later, while kcat reads read_committed
ledger_last() {
	local ledger=$1 out p i
	shift
	for ((i = 0; i < 150; i++)); do
		out=$(kcat -b "$BOOTSTRAP" -C -t "$ledger" -p 0 -o beginning -e -q -f '%s\n' 2>/dev/null || true)
		for p in "$@"; do
			out=$(printf '%s\n' "$out" | grep -- "$p" || true)
		done
		[ -z "$out" ] || break
		sleep 0.2
	done
	printf '%s\n' "$out" | tail -n 1
}

done_record() { ledger_last "$2" "\"topic\":\"$1\"" '"state":"done"'; }

# 1. Parts of about 1 MiB: every part commits, the done record covers all.
T1=$TOPIC.plain
L1=$TOPIC.plain.loads
create_topic "$T1" 1
create_topic "$L1" 1
LOAD_TOPIC=$T1 LOAD_LEDGER=$L1 kf_load --schema "$SCHEMA" -o load.txn_max_bytes=1MiB \
	-o load.dead_letter_topic="$DLQ" -o load.max_rejects=10 "$CSV" ||
	fail "load exited $?: $(tail -n 5 "$LOAD_LOG")"
parts=$(json_field "$LOAD_JSON" parts)
[ "$parts" -ge 3 ] || fail "the file was loaded in $parts parts: $LOAD_JSON"
[ "$(json_field "$LOAD_JSON" rows_published)" = "$GOOD" ] || fail "rows_published: $LOAD_JSON"
[ "$(json_field "$LOAD_JSON" rows_rejected)" = "$NBAD" ] || fail "rows_rejected: $LOAD_JSON"
[ "$(grep -ac 'part [0-9]* committed' "$LOAD_LOG")" = $((parts - 1)) ] ||
	fail "not $((parts - 1)) parts committed before the last: $(grep -a part "$LOAD_LOG" | head)"
id1=$(printf '%s' "$LOAD_JSON" | grep -o '"load_id":"[0-9a-f]*"' | head -n 1 | cut -d'"' -f4)
check_rows "$T1" "$id1"
check_dlq "$id1" $NBAD
rec=$(done_record "$T1" "$L1")
[ -n "$rec" ] || fail "no done record for $T1 on the ledger"
printf '%s' "$rec" | grep -q "\"parts\":$parts," || fail "done record parts: $rec"
printf '%s' "$rec" | grep -q "\"rows_published\":$GOOD," || fail "done record rows: $rec"
printf '%s' "$rec" | grep -q '"next_record"' && fail "a done record with a checkpoint: $rec"
n=$(printf '%s' "$rec" | grep -o '"ranges":\[{"p":0,"first":[0-9]*,"last":[0-9]*,"n":[0-9]*}' | sed 's/.*"n"://; s/}//')
[ "$n" = "$GOOD" ] || fail "the done record's range counts $n rows, not $GOOD: $rec"
partials=$(kcat -b "$BOOTSTRAP" -C -t "$L1" -p 0 -o beginning -e -q -f '%s\n' | grep -c '"state":"partial"' || true)
[ "$partials" = $((parts - 1)) ] || fail "$partials partial records on the ledger, not $((parts - 1))"
# a re-run skips the file
LOAD_TOPIC=$T1 LOAD_LEDGER=$L1 kf_load --schema "$SCHEMA" -o load.txn_max_bytes=1MiB \
	-o load.dead_letter_topic="$DLQ" -o load.max_rejects=10 "$CSV" ||
	fail "the re-run exited $?: $(tail -n 5 "$LOAD_LOG")"
[ "$(json_field "$LOAD_JSON" files_skipped)" = 1 ] || fail "the re-run did not skip: $LOAD_JSON"
log "1: $parts parts, $GOOD rows once, $NBAD dead letters once, re-run skipped"

# 2. Killed after part 2 committed, in the middle of part 3: the re-run
#    resumes after part 2 with the same load id. The load is slowed (small
#    in-flight cap, long linger) so that the kill lands inside a part.
T2=$TOPIC.killed
L2=$TOPIC.killed.loads
create_topic "$T2" 1
create_topic "$L2" 1
KL=$WORK/killed.log
"$KFERRY" load -b "$BOOTSTRAP" -t "$T2" --schema "$SCHEMA" --no-progress \
	-o load.ledger_topic="$L2" -o load.txn_max_bytes=1MiB -o load.max_inflight_bytes=1MiB \
	-o load.linger_ms=100 -o load.dead_letter_topic="$DLQ" -o load.max_rejects=10 \
	"$CSV" 2>"$KL" >/dev/null &
pid=$!
KF_BG_PIDS+=("$pid")
for ((i = 0; i < 1200; i++)); do
	grep -aq 'part 2 committed' "$KL" && break
	kill -0 "$pid" 2>/dev/null || fail "load ended before it was killed: $(tail -c 300 "$KL")"
	sleep 0.05
done
sleep 0.3 # into part 3
kill -KILL "$pid"
wait "$pid" 2>/dev/null || true
grep -aq 'part 2 committed' "$KL" || fail "no part committed before the kill: $(tail -c 300 "$KL")"
committed "$T2" "$WORK/before"
before=$(wc -l <"$WORK/before")
[ "$before" -gt 0 ] && [ "$before" -lt "$GOOD" ] ||
	fail "read_committed saw $before rows at the kill: not a part of the file"
id2=$(grep -o 'kferry.load_id=[0-9a-f]*' "$WORK/before" | sort -u | cut -d= -f2)
log "killed with $before rows committed in the first parts (load $id2)"

LOAD_TOPIC=$T2 LOAD_LEDGER=$L2 kf_load --schema "$SCHEMA" -o load.txn_max_bytes=1MiB \
	-o load.dead_letter_topic="$DLQ" -o load.max_rejects=10 "$CSV" ||
	fail "the re-run exited $?: $(tail -n 5 "$LOAD_LOG")"
grep -aq "resuming load $id2 after its part" "$LOAD_LOG" ||
	fail "the re-run did not resume load $id2: $(tail -n 5 "$LOAD_LOG")"
[ "$(json_field "$LOAD_JSON" files_done)" = 1 ] || fail "the re-run is not done: $LOAD_JSON"
[ "$(json_field "$LOAD_JSON" rows_published)" = "$GOOD" ] || fail "rows_published after the resume: $LOAD_JSON"
[ "$(json_field "$LOAD_JSON" rows_read)" = "$ROWS" ] || fail "rows_read after the resume: $LOAD_JSON"
[ "$(json_field "$LOAD_JSON" rows_rejected)" = "$NBAD" ] || fail "rows_rejected after the resume: $LOAD_JSON"
check_rows "$T2" "$id2"
check_dlq "$id2" $((2 * NBAD))
rec=$(done_record "$T2" "$L2")
printf '%s' "$rec" | grep -q "\"load_id\":\"$id2\"" || fail "the done record is not of load $id2: $rec"
printf '%s' "$rec" | grep -q "\"rows_published\":$GOOD," || fail "done record rows: $rec"
note "plain: $parts parts; killed after $before rows in 2+ parts, resumed as load $id2: $GOOD rows once, $NBAD dead letters once"

# 3. A part past load.max_rejects fails the file: the parts before it stay,
#    the failure record carries their checkpoint, and a re-run allowed
#    more rejects resumes after them instead of publishing them again.
T3=$TOPIC.rejected
L3=$TOPIC.rejected.loads
create_topic "$T3" 1
create_topic "$L3" 1
LOAD_TOPIC=$T3 LOAD_LEDGER=$L3 kf_load --schema "$SCHEMA" -o load.txn_max_bytes=1MiB \
	-o load.dead_letter_topic="$DLQ" -o load.max_rejects=1 "$CSV" &&
	fail "a load past max_rejects exited 0: $LOAD_JSON"
[ "$(json_field "$LOAD_JSON" files_failed)" = 1 ] || fail "the file did not fail: $LOAD_JSON"
failed_parts=$(json_field "$LOAD_JSON" parts)
[ "$failed_parts" -ge 1 ] || fail "no part committed before the failed one: $LOAD_JSON"
rej=$(ledger_last "$L3" '"state":"rejected"')
[ -n "$rej" ] || fail "no failure record on the ledger $L3"
printf '%s' "$rej" | grep -q "\"parts\":$failed_parts,\"next_record\":" ||
	fail "the failure record has no checkpoint of $failed_parts parts: $rej"
id3=$(printf '%s' "$rej" | grep -o '"load_id":"[0-9a-f]*"' | cut -d'"' -f4)
LOAD_TOPIC=$T3 LOAD_LEDGER=$L3 kf_load --schema "$SCHEMA" -o load.txn_max_bytes=1MiB \
	-o load.dead_letter_topic="$DLQ" -o load.max_rejects=10 "$CSV" ||
	fail "the re-run exited $?: $(tail -n 5 "$LOAD_LOG")"
grep -aq "resuming load $id3 after its part $failed_parts " "$LOAD_LOG" ||
	fail "the re-run did not resume load $id3 after part $failed_parts: $(tail -n 5 "$LOAD_LOG")"
[ "$(json_field "$LOAD_JSON" rows_published)" = "$GOOD" ] || fail "rows_published after the resume: $LOAD_JSON"
check_rows "$T3" "$id3"
# each dead letter once: the failure record's sample held none of the
# committed part's (row 1000), and the row past the limit is never kept
check_dlq "$id3" $((3 * NBAD))
twice=$(grep "kferry.load_id=$id3" "$WORK/dlq.$id3" | grep -o 'kferry.line=[0-9]*' | sort | uniq -d)
[ -z "$twice" ] || fail "dead letters of load $id3 published twice: $twice"
note "past max_rejects in part $((failed_parts + 1)): $failed_parts parts kept, the re-run resumed: $GOOD rows once, $NBAD dead letters once"
