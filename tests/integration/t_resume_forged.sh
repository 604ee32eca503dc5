# RESUME frames as the receiver may meet them (docs/protocol.md section
# 9), written by kf-forge: a correct resume whose repeated chunks are
# dropped, a resume past the chunks received (a gap), a resume that does
# not restate its manifest, and a resume of a transfer never opened. Each
# bad one is quarantined or rejected with its reason, never placed, and
# the good file still arrives intact.
source "$(dirname "$0")/lib.sh"

DEST=$WORK/dest
CH=65536
SIZE=$((4 * CH + 1)) # 5 chunks
forge() { # forge SCENARIO [kf-forge options]
	"$KF_FORGE" -b "$BOOTSTRAP" -t "$TOPIC" --chunk-size $CH --size $SIZE "$@" \
		>>"$WORK/forge.out" 2>>"$WORK/forge.log" ||
		fail "kf-forge $* exited $?: $(tail -n 3 "$WORK/forge.log")"
}
forge resume --path r/good --out "$WORK/good.expected"
forge resume-gap --path r/gap
forge resume-differs --path r/differs
forge resume-orphan --path r/orphan
log "forged: resume, resume-gap, resume-differs, resume-orphan"

receive_until_idle "$DEST" || fail "receive exited $?: $(tail -n 5 "$RECV_LOG")"
cmp -s "$DEST/r/good" "$WORK/good.expected" || fail "the resumed file did not arrive intact"
assert_recv "$RECV_LOG" files 1
# chunks 0-2 were sent, then the transfer resumed at 1: 1 and 2 repeat
assert_recv "$RECV_LOG" repeated 2
assert_recv "$RECV_LOG" quarantined 2
[ "$(find "$DEST/r" -type f | wc -l)" = 1 ] || fail "more than the good file is visible: $(find "$DEST/r" -type f)"

reasons=$(cat "$DEST"/.kferry/quarantine/*/reason.txt)
grep -q "sender resumed at chunk 2 but only 1 chunks arrived" <<<"$reasons" ||
	fail "no quarantine reason for the gap: $reasons"
grep -q "resume does not match the transfer's manifest" <<<"$reasons" ||
	fail "no quarantine reason for the differing resume: $reasons"
grep -aq "resume of a transfer this receiver has no open record of" "$RECV_LOG" ||
	fail "the orphan resume was not reported: $(tail -n 5 "$RECV_LOG")"
# the orphan's chunks and commit are dropped quietly after its one line
[ "$(grep -ac "r/orphan" "$RECV_LOG")" = 1 ] || fail "the orphan resume was reported more than once"
log "t_resume_forged passed"
