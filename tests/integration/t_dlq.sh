# SPDX-License-Identifier: Apache-2.0
# Dead letters (docs/dead-letters.md): what the receiver cannot process
# goes to receive.dead_letter_topic with its key, its headers and the
# kferry.dlq.* headers, while good files keep flowing; a dead letter is
# never lost: not by a receiver killed before the broker acknowledged it,
# not by a dead-letter topic that refuses it (the receiver stops instead).
source "$(dirname "$0")/lib.sh"

: "${KF_FORGE:?}"
DEST=$WORK/dest
DLQ=$TOPIC.dlq
create_topic "$DLQ" 1


# 1. A receiver rejects a message, then is killed before the broker
# acknowledged its dead letter. A dead-letter producer lingering 60 s
# (linger.ms is a producer property: the consumer ignores it) holds the
# dead letter back, so the kill surely falls in that window.
forge garbage --path dlq/killed --header trace-id=abc123 --header origin=t_dlq
L1=$WORK/recv.killed.log
# A short session lets the next receiver join without waiting 45 s for the
# killed member to time out.
"$KFERRY" receive -b "$BOOTSTRAP" -t "$TOPIC" -g "$GROUP" --dest "$DEST" \
	-o receive.dead_letter_topic="$DLQ" -X linger.ms=60000 \
	-X session.timeout.ms=6000 -X heartbeat.interval.ms=500 2>"$L1" &
pid=$!
KF_BG_PIDS+=("$pid")
wait_log "$pid" "$L1" "(key 'dlq/killed'): not a kferry frame" 60
sleep 2 # four commit ticks: none may pass the rejected message
kill -KILL "$pid"
wait "$pid" 2>/dev/null || true
log "receiver killed (SIGKILL) with its dead letter unacknowledged"
where=$(grep -ao "partition [0-9]* offset [0-9]* (key 'dlq/killed')" "$L1" | head -n 1)
[[ $where =~ partition\ ([0-9]+)\ offset\ ([0-9]+) ]] || fail "no position of dlq/killed in $L1"
KILLED_PART=${BASH_REMATCH[1]} KILLED_OFF=${BASH_REMATCH[2]}

# 2. A dead-letter topic that refuses every record: the receiver re-reads
# the rejected message (its offset was not committed), cannot produce its
# dead letter, and stops with an error instead of dropping it.
SMALL=$TOPIC.small
"$KF_REPO/scripts/kafka/broker.sh" topic "$KF_BROKER_DIR" create "$SMALL" \
	--partitions 1 --config max.message.bytes=64 >/dev/null
rc=0
receive_until_idle "$DEST" -o receive.dead_letter_topic="$SMALL" || rc=$?
[ "$rc" = 3 ] || fail "receiver with a refusing dead-letter topic exited $rc, expected 3: $(tail -n 3 "$RECV_LOG")"
grep -aq "not acknowledged by the broker" "$RECV_LOG" ||
	fail "no 'not acknowledged' error: $(tail -n 5 "$RECV_LOG")"
grep -aq "(key 'dlq/killed'): not a kferry frame" "$RECV_LOG" ||
	fail "the killed receiver's rejected message was not re-read (its offset was committed)"
log "a refused dead letter stopped the receiver (exit 3)"

# 3. More bad input and good files; a receiver with a working dead-letter
# topic forwards all of it, the killed one's dead letter included.
forge version9 --path dlq/version9 --header trace-id=v9
forge chunk-hash --path dlq/chunk-hash
forge good --path dlq/good --out "$WORK/good.expected"
QXID=$(awk '$1 == "chunk-hash" { print $2 }' "$FORGE_OUT")
mkdir -p "$WORK/src/normal"
text_file "$WORK/src/normal/hello.txt" 300000
kf_send "$WORK/src/normal" || fail "send exited $?"
assert_send_ok 1
receive_until_idle "$DEST" -o receive.dead_letter_topic="$DLQ" ||
	fail "receiver exited $?: $(tail -n 5 "$RECV_LOG")"
cmp -s "$DEST/dlq/good" "$WORK/good.expected" || fail "the forged good file did not arrive intact"
cmp -s "$DEST/normal/hello.txt" "$WORK/src/normal/hello.txt" || fail "the sent file did not arrive intact"
assert_recv "$RECV_LOG" files 2
assert_recv "$RECV_LOG" quarantined 1
[ -f "$DEST/.kferry/quarantine/$QXID/reason.txt" ] || fail "no quarantine for chunk-hash ($QXID)"
# garbage (1) + every frame of version9 (MANIFEST, 4 CHUNKs, COMMIT) + the
# record of the quarantined transfer
assert_recv "$RECV_LOG" dead 8

# Acknowledged dead letters release their offsets: the group's position
# moved past them, so the next receiver finds nothing to forward again.
receive_until_idle "$DEST" -o receive.dead_letter_topic="$DLQ" ||
	fail "receiver exited $?: $(tail -n 5 "$RECV_LOG")"
assert_recv "$RECV_LOG" rejected 0
assert_recv "$RECV_LOG" dead 0

# 4. The dead-letter topic, as an operator reads it.
read_topic "$DLQ" "$WORK/dlq.txt"
records() { tr -d '\0' <"$WORK/dlq.txt" | awk -v RS='@@END@@' -v k="$1" -F'\t' 'NF >= 2 && $2 == k'; }
total=$( (grep -ao '@@END@@' "$WORK/dlq.txt" || true) | wc -l)
[ "$total" = 8 ] || fail "$total records in $DLQ, expected 8: $(head -c 2000 "$WORK/dlq.txt")"

r=$(records dlq/killed)
[ "$(printf '%s' "$r" | grep -c '^')" = 1 ] || fail "dlq/killed: expected one dead letter, got: $r"
for h in "trace-id:abc123" "origin:t_dlq" "kferry.dlq.reason:not a kferry frame: " \
	"kferry.dlq.kind:message" "kferry.dlq.topic:$TOPIC" \
	"kferry.dlq.partition:$KILLED_PART" "kferry.dlq.offset:$KILLED_OFF" "kferry.dlq.timestamp:1"; do
	[[ $r == *"$h"* ]] || fail "dlq/killed: no header '$h' in: $r"
done
[[ $r == *$'\t'"this is not a kferry frame" ]] || fail "dlq/killed: the value is not the original: $r"

[ "$(records dlq/version9 | grep -c 'kferry.dlq.reason:not a kferry frame: unsupported protocol version 9')" = 6 ] ||
	fail "dlq/version9: expected 6 dead letters with the reason: $(records dlq/version9 | cut -c1-300)"
[ "$(records dlq/version9 | grep -c 'trace-id:v9')" = 6 ] || fail "dlq/version9: original header lost"

r=$(records dlq/chunk-hash)
[ "$(printf '%s' "$r" | grep -c 'kferry.dlq.kind:quarantine')" = 1 ] ||
	fail "dlq/chunk-hash: expected one quarantine record: $(printf '%s' "$r" | cut -c1-300)"
[[ $r == *"kferry.dlq.reason:quarantined: "*"/.kferry/quarantine/$QXID)"* ]] ||
	fail "dlq/chunk-hash: the reason does not name the quarantine: $(printf '%s' "$r" | cut -c1-300)"
records dlq/good | grep -q . && fail "a good file produced a dead letter"
records normal/hello.txt | grep -q . && fail "a good file produced a dead letter"
log "t_dlq passed: 8 dead letters with keys and headers, none lost to SIGKILL or a refusing topic"
