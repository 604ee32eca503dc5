# SPDX-License-Identifier: Apache-2.0
# kf-timeout: 420
# Scenario 4: the sender SIGKILLed at seeded random moments, while a
# receiver runs all along.
#  - kferry send: killed mid-tree, then run again on the same tree until
#    it exits 0. Files the killed run left unfinished are superseded by
#    the new run's transfers of the same path (docs/protocol.md section 6),
#    or dropped after the abandon timeout (8 s here).
#  - kferry watch: killed while it sends an inbox, then started again on
#    the same inbox and state directory; the inbox must drain.
# DEST must then equal the sent trees: nothing lost, nothing placed twice,
# nothing partial. CI: 3 send kills, 2 watch kills; --full: 10 and 5.
source "$(dirname "$0")/lib.sh"

SRC=$WORK/src
DEST=$WORK/dest
INBOX=$WORK/inbox
SEND_ROUNDS=3 WATCH_ROUNDS=2 NSMALL=150 BIG=$((24 * MiB))
[ "$KF_FULL" = 0 ] || { SEND_ROUNDS=10; WATCH_ROUNDS=5; NSMALL=400; BIG=$((48 * MiB)); }
RECV_OPTS+=(--abandon-timeout 8)

recv_start main "$DEST"
main=$RPID
wait_log "$main" "$WORK/recv.main.log" assigned 60

# ------------------------------------------------------------ kferry send
for r in $(seq 1 "$SEND_ROUNDS"); do
	mkdir -p "$SRC/s$r"
	random_file "$SRC/s$r/a.bin" $((BIG + r))
	random_file "$SRC/s$r/b.bin" $((BIG / 2 + r))
	small_files "$SRC/s$r" "$NSMALL" 65536 4
	send_bg "s$r" "$SRC/s$r"
	delay=$((100 + RANDOM % 600))
	sleep_ms "$delay"
	if kill -KILL "$SPID" 2>/dev/null; then
		fault "send of s$r SIGKILLed after $delay ms"
	else
		note "send of s$r had finished before its kill moment ($delay ms)"
	fi
	wait "$SPID" 2>/dev/null || true
	kf_send "$SRC/s$r" || fail "send of s$r again exited $?: $(tail -n 5 "$SEND_LOG")"
	assert_send_ok "$(count_files "$SRC/s$r")"
done

# ----------------------------------------------------------- kferry watch
# The watched tree is built beside the inbox, copied to SRC/w as the
# reference, then renamed into the inbox (one rename: the daemon sees
# finished files only). Its paths on the wire start with "w/".
mkdir -p "$INBOX" "$SRC/w"
WATCH_OPTS=(--dir "$INBOX" --state-dir "$WORK/wstate" --stable-seconds 1 --rescan 2
	--chunk-size 256K)
watch_start "$WORK/watch.0.log" "${WATCH_OPTS[@]}"
for r in $(seq 1 "$WATCH_ROUNDS"); do
	stage=$WORK/stage$r
	mkdir -p "$stage/w/r$r"
	random_file "$stage/w/r$r/a.bin" $((BIG + r))
	small_files "$stage/w/r$r" "$NSMALL" 65536 4
	cp -a "$stage/w/r$r" "$SRC/w/"
	mkdir -p "$INBOX/w"
	mv "$stage/w/r$r" "$INBOX/w/"
	delay=$((1500 + RANDOM % 3000))
	sleep_ms "$delay"
	kill -KILL "$WATCH_PID" 2>/dev/null || fail "kferry watch died: $(tail -n 5 "$WORK/watch.$((r - 1)).log")"
	wait "$WATCH_PID" 2>/dev/null || true
	fault "kferry watch SIGKILLed $delay ms after batch w/r$r arrived ($(outbox_files "$INBOX") files still in the inbox)"
	watch_start "$WORK/watch.$r.log" "${WATCH_OPTS[@]}"
done
wait_until 300 empty_dir "$INBOX"
watch_stop

kill -TERM "$main"
wait_exit "$main" 120 || fail "receiver exited $? after SIGTERM: $(tail -n 5 "$WORK/recv.main.log")"
log "receiver: $(recv_summary "$WORK/recv.main.log")"
drain "$DEST"
assert_private_clean "$DEST"
fault_finish "$SRC" "$DEST"
