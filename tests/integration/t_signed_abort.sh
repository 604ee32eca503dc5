# SPDX-License-Identifier: Apache-2.0
# A receiver that trusts one signer (receive.trusted_signers) against a
# writer of the topic that follows every MANIFEST with a plain ABORT, as
# the review's sniper did: the signed file is placed all the same. And
# the real sender's own ABORT (here: the file changed while it was being
# sent) is signed and still ends the transfer at once.
source "$(dirname "$0")/lib.sh"

: "${KF_FORGE:?}"
KEYS=$WORK/keys
DEST=$WORK/dest
SRC=$WORK/src
mkdir -p "$KEYS" "$SRC"
"$KFERRY" keygen --type ed25519 --out "$KEYS/sender.key" >/dev/null
random_file "$SRC/payroll.bin" $((200 * MiB))

RLOG=$WORK/recv.log
"$KFERRY" receive -b "$BOOTSTRAP" -t "$TOPIC" -g "$GROUP" --dest "$DEST" \
	-o receive.trusted_signers="$KEYS/sender.key.pub" --idle-exit 10 2>"$RLOG" &
RPID=$!
KF_BG_PIDS+=("$RPID")

"$KF_FORGE" -b "$BOOTSTRAP" -t "$TOPIC" forged-abort --size 1000000 \
	--sign-with "$KEYS/sender.key" --path sniped.bin --out "$WORK/sniped.bin" \
	>"$WORK/forge.out" 2>"$WORK/forge.log" || fail "kf-forge exited $?: $(cat "$WORK/forge.log")"

# a slow sender: a small in-flight window, so the file takes a while
"$KFERRY" send -b "$BOOTSTRAP" -t "$TOPIC" -o send.max_inflight_bytes=2M \
	-o send.sign_key="$KEYS/sender.key" --json --no-progress \
	"$SRC/payroll.bin" >"$WORK/send.out" 2>"$WORK/send.log" &
SPID=$!
KF_BG_PIDS+=("$SPID")
staged() { [ -n "$(find "$DEST/.kferry/tmp" -name '*.part' -size +1M 2>/dev/null)" ]; }
wait_until 120 staged
touch -d '1 hour ago' "$SRC/payroll.bin"
log "payroll.bin changed (its mtime) while being sent"
rc=0
wait "$SPID" || rc=$?
[ "$rc" != 0 ] || fail "send exited 0 although its file changed: $(cat "$WORK/send.out")"
grep -aq "changed while being sent" "$WORK/send.log" ||
	fail "the sender did not see the change: $(tail -n 3 "$WORK/send.log")"
wait "$RPID" || fail "receive exited $?: $(tail -n 3 "$RLOG")"

cmp -s "$DEST/sniped.bin" "$WORK/sniped.bin" ||
	fail "the signed file was not placed despite the forged ABORT: $(grep -a sniped "$RLOG" | head -n 3)"
grep -aq "(key 'sniped.bin'): unsigned abort: transfer [0-9a-f]* is signed" "$RLOG" ||
	fail "the forged ABORT was not reported"
grep -aq "'payroll.bin': the sender gave up (signed abort): " "$RLOG" ||
	fail "the sender's signed ABORT did not end its transfer: $(grep -a payroll "$RLOG" | head -n 3)"
[ ! -e "$DEST/payroll.bin" ] || fail "the aborted file became visible"
assert_recv "$RLOG" files 1
assert_recv "$RLOG" abandoned 1
assert_recv "$RLOG" rejected 1
assert_recv "$RLOG" quarantined 0
assert_private_clean "$DEST"
log "t_signed_abort passed"
