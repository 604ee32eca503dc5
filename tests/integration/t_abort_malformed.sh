# SPDX-License-Identifier: Apache-2.0
# A malformed ABORT (reason_len over 1024 or past the frame's end, a byte
# after the reason, a frame cut to 24 or 25 bytes) is rejected like any
# malformed frame (log line, counter) and leaves its transfer alone: each
# transfer still arrives whole.
source "$(dirname "$0")/lib.sh"

: "${KF_FORGE:?}"
SCENARIOS=(abort-long abort-past-end abort-trailing abort-cut24 abort-cut25)
for sc in "${SCENARIOS[@]}"; do
	"$KF_FORGE" -b "$BOOTSTRAP" -t "$TOPIC" "$sc" --path "forge/$sc" --size 200000 \
		--out "$WORK/$sc.expected" >>"$WORK/forge.out" 2>>"$WORK/forge.log" ||
		fail "kf-forge $sc exited $?: $(tail -n 3 "$WORK/forge.log")"
done
DEST=$WORK/dest
receive_until_idle "$DEST" --abandon-timeout 10 || fail "receiver exited $?: $(tail -n 5 "$RECV_LOG")"
for sc in "${SCENARIOS[@]}"; do
	cmp -s "$WORK/$sc.expected" "$DEST/forge/$sc" ||
		fail "forge/$sc was not placed whole: $(grep -a "$sc" "$RECV_LOG" | head -n 3)"
done
[ "$(grep -ac 'rejected abort' "$RECV_LOG")" = ${#SCENARIOS[@]} ] ||
	fail "expected ${#SCENARIOS[@]} 'rejected abort' lines: $(grep -a 'abort' "$RECV_LOG" | head -n 8)"
grep -aq "the sender gave up" "$RECV_LOG" && fail "a malformed ABORT was obeyed"
assert_recv "$RECV_LOG" files ${#SCENARIOS[@]}
assert_recv "$RECV_LOG" rejected ${#SCENARIOS[@]}
assert_recv "$RECV_LOG" abandoned 0
log "t_abort_malformed passed"
