# SPDX-License-Identifier: Apache-2.0
# kferry watch failures: a file the broker refuses (its chunk is larger
# than the topic's max.message.bytes) is tried 1 + retries times with
# backoff, then moved to the route's error directory with NAME.error beside
# it naming the failure and the time; nothing of it is deleted. Meanwhile
# another route's files keep flowing, and afterwards so do the failing
# route's small files. A second failure of the same name gets NAME.1 and
# NAME.1.error, the first pair untouched.
source "$(dirname "$0")/lib.sh"

G=$WORK/in-good
B=$WORK/in-bad
REF=$WORK/ref
REFB=$WORK/ref-bad
ERR=$B/.kferry/error
CONF=$WORK/kferry.conf
SMALL=$TOPIC-small
mkdir -p "$G" "$B" "$REF/g" "$REFB"
"$KF_REPO/scripts/kafka/broker.sh" topic "$KF_BROKER_DIR" create "$SMALL" \
	--partitions 1 --config max.message.bytes=65536 >/dev/null
{
	conf_watch
	conf_route good "$G" "finished = rename"
	conf_route bad "$B" "topic = $SMALL" "finished = rename" "retries = 2" "retry_backoff = 1"
} >"$CONF"

# sent_ok ROUTE/PATH: the daemon logged it sent
sent_ok() { grep -q "watch: sent $1 " "$WORK/watch.log"; }

watch_start "$WORK/watch.log" -c "$CONF"
T0=$(date +%s)
# 1 MiB of random data: its first 256 KiB chunk is over the topic's limit
random_file "$WORK/big.1" $((1024 * 1024))
drop_in "$WORK/big.1" "$B" big.bin
for i in $(seq 1 30); do random_file "$REF/g/f$i.bin" $((i * 3000)); done
drop_in "$REF/g" "$G"

wait_until 60 empty_dir "$G"
log "the good route's files were sent while the bad file was being retried"
wait_until 90 test -f "$ERR/big.bin.error"
T1=$(date +%s)
[ ! -e "$B/big.bin" ] || fail "big.bin is still in the inbox"
cmp "$WORK/big.1" "$ERR/big.bin" || fail "the file in the error directory differs"
cat "$ERR/big.bin.error"
grep -qx 'file: big.bin' "$ERR/big.bin.error" || fail ".error does not name the file"
grep -qx 'route: bad' "$ERR/big.bin.error" || fail ".error does not name the route"
grep -qx 'attempts: 3' "$ERR/big.bin.error" || fail ".error does not say 3 attempts"
grep -q '^reason: .*[Mm]essage size too large' "$ERR/big.bin.error" ||
	fail ".error does not say what failed"
when=$(sed -n 's/^failed: //p' "$ERR/big.bin.error")
ws=$(date -d "$when" +%s) || fail "unreadable time in .error: '$when'"
[ "$ws" -ge $((T0 - 1)) ] && [ "$ws" -le $((T1 + 1)) ] ||
	fail ".error time $when is not between the drop and its appearance"
for line in "attempt 1 failed" "attempt 2 failed" "giving up after 3 attempts"; do
	grep -q "bad/big.bin: $line" "$WORK/watch.log" || fail "not logged: bad/big.bin: $line"
done
! grep -q 'bad/big.bin: attempt 3 failed' "$WORK/watch.log" || fail "more attempts than retries + 1"

# the failing route still sends what it can
text_file "$REFB/small.txt" 20000
drop_in "$REFB/small.txt" "$B"
wait_until 60 sent_ok bad/small.txt

# the same name fails again: NAME.1 and NAME.1.error, the first pair kept
cp "$ERR/big.bin.error" "$WORK/first.error"
random_file "$WORK/big.2" $((700 * 1024))
drop_in "$WORK/big.2" "$B" big.bin
wait_until 90 test -f "$ERR/big.bin.1.error"
cmp "$WORK/big.2" "$ERR/big.bin.1" || fail "big.bin.1 in the error directory differs"
cmp "$WORK/big.1" "$ERR/big.bin" || fail "the first failed file was touched"
cmp "$WORK/first.error" "$ERR/big.bin.error" || fail "the first .error was touched"
grep -qx 'attempts: 3' "$ERR/big.bin.1.error" || fail "big.bin.1.error does not say 3 attempts"
empty_dir "$B" || fail "the bad route's inbox is not empty: $(find "$B" -path "$B/.kferry" -prune -o -type f -print)"
watch_stop
grep -q 'stopped: 31 files sent, 2 moved to error directories' "$WORK/watch.log" ||
	fail "wrong closing counts: $(grep 'stopped:' "$WORK/watch.log")"

receive_until_idle "$WORK/dest" || fail "receive exited $?"
assert_recv "$RECV_LOG" files 30
assert_recv "$RECV_LOG" quarantined 0
assert_trees_equal "$REF" "$WORK/dest"
# A refused big.bin's MANIFEST may have been accepted; its ABORT (sent once
# more if it went down with a refused chunk) closes the transfer. One left
# open would hold the receiver until receive.abandon_timeout (30 s here).
receive_until_idle "$WORK/dest-bad" -t "$SMALL" -o receive.abandon_timeout=30 ||
	fail "receive of $SMALL exited $?"
awk -v s="$RECV_SECONDS" 'BEGIN { exit !(s < 25) }' ||
	fail "the receiver of $SMALL took $RECV_SECONDS s: a refused transfer stayed open"
assert_recv "$RECV_LOG" files 1
assert_recv "$RECV_LOG" quarantined 0
assert_trees_equal "$REFB" "$WORK/dest-bad"
log "t_watch_errors passed"
