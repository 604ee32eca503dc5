# SPDX-License-Identifier: Apache-2.0
# RESUME frames as the receiver may meet them (docs/protocol.md section
# 9), written by kf-forge: a correct resume whose repeated chunks are
# dropped, a resume past the chunks received (a gap), a resume that does
# not restate its manifest, and resumes of a transfer whose beginning the
# receiver never saw: of a file DEST already holds (the sender placed it
# but died before recording that: skipped as present) and of one it does
# not (quarantined, asking for the file again). Each bad one is reported
# with its reason, never placed, and the good files arrive intact.
source "$(dirname "$0")/lib.sh"

DEST=$WORK/dest
CH=65536
SIZE=$((4 * CH + 1)) # 5 chunks
FORGE_OPTS=(--chunk-size "$CH" --size "$SIZE")
forge resume --path r/good --out "$WORK/good.expected"
forge resume-gap --path r/gap
forge resume-differs --path r/differs
forge resume-orphan --path r/orphan
forge good --path r/placed --seed 7 --out "$WORK/placed.expected"
log "forged: resume, resume-gap, resume-differs, resume-orphan, good"
receive_until_idle "$DEST" || fail "receive exited $?: $(tail -n 5 "$RECV_LOG")"
# the sender of r/placed comes back after the file was placed
forge resume-orphan --path r/placed --seed 7
FIRST_LOG=$RECV_LOG
receive_until_idle "$DEST" || fail "receive exited $?: $(tail -n 5 "$RECV_LOG")"
assert_recv "$RECV_LOG" files 0
assert_recv "$RECV_LOG" present 1
assert_recv "$RECV_LOG" quarantined 0
grep -aq "'r/placed': resumed at chunk 1, but its beginning never reached this receiver" "$RECV_LOG" ||
	fail "the orphan resume of a placed file was not reported: $(tail -n 5 "$RECV_LOG")"
grep -aq "received 'r/placed' .*already present, skipped" "$RECV_LOG" ||
	fail "the orphan resume of a placed file was not recognised as present"
RECV_LOG=$FIRST_LOG

cmp -s "$DEST/r/good" "$WORK/good.expected" || fail "the resumed file did not arrive intact"
cmp -s "$DEST/r/placed" "$WORK/placed.expected" || fail "the placed file is not intact"
assert_recv "$RECV_LOG" files 2
# chunks 0-2 were sent, then the transfer resumed at 1: 1 and 2 repeat
assert_recv "$RECV_LOG" repeated 2
assert_recv "$RECV_LOG" quarantined 3
[ "$(find "$DEST/r" -type f | wc -l)" = 2 ] || fail "more than the good files are visible: $(find "$DEST/r" -type f)"

reasons=$(cat "$DEST"/.kferry/quarantine/*/reason.txt)
grep -q "sender resumed at chunk 2 but only 1 chunks arrived" <<<"$reasons" ||
	fail "no quarantine reason for the gap: $reasons"
grep -q "resume does not match the transfer's manifest" <<<"$reasons" ||
	fail "no quarantine reason for the differing resume: $reasons"
grep -q "beginning this receiver never saw .* and 'r/orphan' is not at DEST: send the file again" <<<"$reasons" ||
	fail "no quarantine reason for the orphan resume: $reasons"
log "t_resume_forged passed"
