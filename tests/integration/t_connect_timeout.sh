# SPDX-License-Identifier: Apache-2.0
# A bootstrap address where no broker answers: send, receive and replay
# stop after connect_timeout with exit code 3 and an error naming the
# address and the connection error (before, send waited for the whole
# delivery timeout, 300 s, and receive for ever); watch keeps its files
# queued and says why. A broker that answered disarms the check.
source "$(dirname "$0")/lib.sh"

DEAD=127.0.0.1:1 # nothing listens on port 1: "Connection refused"
mkdir -p "$WORK/src"
text_file "$WORK/src/a.txt" 5000

# expect_unreached NAME CMD...: CMD exits 3 well before any delivery or
# session timeout, with the error that names the address and the cause.
expect_unreached() {
	local name=$1 rc=0
	shift
	timeout 120 "$@" 2>"$WORK/$name.log" || rc=$?
	[ "$rc" = 3 ] || fail "$name against $DEAD exited $rc, expected 3: $(tail -n 3 "$WORK/$name.log")"
	grep -aq "$DEAD" "$WORK/$name.log" || fail "$name: the error does not name $DEAD: $(tail -n 3 "$WORK/$name.log")"
	log "$name: exit 3: $(tail -n 1 "$WORK/$name.log" | cut -c1-200)"
}

expect_unreached send "$KFERRY" send -b $DEAD -t "$TOPIC" -o connect_timeout=2 --no-progress "$WORK/src"
grep -aq "no broker answered within 2 s (connect_timeout) at $DEAD: .*Connection refused" "$WORK/send.log" ||
	fail "send: no connect_timeout error: $(tail -n 3 "$WORK/send.log")"
expect_unreached receive "$KFERRY" receive -b $DEAD -t "$TOPIC" -g "$GROUP" --dest "$WORK/dest" \
	-o connect_timeout=2
grep -aq "no broker answered within 2 s (connect_timeout) at $DEAD: .*Connection refused" "$WORK/receive.log" ||
	fail "receive: no connect_timeout error: $(tail -n 3 "$WORK/receive.log")"
expect_unreached replay "$KFERRY" replay -b $DEAD -t "$TOPIC" --dest "$WORK/dest" --from-beginning \
	-o connect_timeout=2

# watch: keeps running and queueing, and says so with the cause.
mkdir -p "$WORK/inbox"
watch_start "$WORK/watch.log" -b $DEAD --dir "$WORK/inbox" --state-dir "$WORK/state" \
	--stable-seconds 1 -o connect_timeout=2
cp "$WORK/src/a.txt" "$WORK/inbox/"
wait_log "$WATCH_PID" "$WORK/watch.log" "no broker answered within 2 s (connect_timeout) at $DEAD" 60
wait_log "$WATCH_PID" "$WORK/watch.log" "files stay queued until one answers" 60
# under its name, or claimed for the delete after it is sent (docs/watch.md)
[ "$(outbox_files "$WORK/inbox")" = 1 ] || fail "watch let go of a file no broker acknowledged"
kill -KILL "$WATCH_PID"
wait "$WATCH_PID" 2>/dev/null || true

# A broker that answers disarms it: a 1 s connect_timeout outlived by a
# receiver that idles 3 s.
kf_send -o connect_timeout=1 "$WORK/src" || fail "send exited $?: $(tail -n 3 "$SEND_LOG")"
assert_send_ok 1
receive_until_idle "$WORK/dest" -o connect_timeout=1 || fail "receive exited $?: $(tail -n 3 "$RECV_LOG")"
assert_recv "$RECV_LOG" files 1
cmp -s "$WORK/dest/src/a.txt" "$WORK/src/a.txt" || fail "src/a.txt did not arrive intact"
grep -aq "no broker answered" "$RECV_LOG" "$SEND_LOG" && fail "the check fired although the broker answered"
log "t_connect_timeout passed"
