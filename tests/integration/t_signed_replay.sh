# SPDX-License-Identifier: Apache-2.0
# A recorded signed transfer re-produced into the topic must not roll a
# file back (docs/protocol.md section 10.8, rule 6): with
# receive.on_conflict=overwrite, v1 is placed, v2 (newer mtime) replaces
# it, and v1 sent again (same bytes, same signed mtime, same signer) is
# not placed: DEST keeps v2.
source "$(dirname "$0")/lib.sh"

: "${KF_FORGE:?}"
KEYS=$WORK/keys
DEST=$WORK/dest
mkdir -p "$KEYS"
"$KFERRY" keygen --type ed25519 --out "$KEYS/sender.key" >/dev/null
forge() { # forge SEED MTIME OUT
	"$KF_FORGE" -b "$BOOTSTRAP" -t "$TOPIC" good --path policy.conf \
		--size 150000 --seed "$1" --mtime "$2" --out "$3" \
		--sign-with "$KEYS/sender.key" >>"$WORK/forge.out" 2>>"$WORK/forge.log" ||
		fail "kf-forge exited $?: $(tail -n 3 "$WORK/forge.log")"
}
receive() {
	receive_until_idle "$DEST" -o receive.on_conflict=overwrite \
		-o receive.trusted_signers="$KEYS/sender.key.pub" ||
		fail "receive exited $?: $(tail -n 5 "$RECV_LOG")"
}

forge 1 1700000000 "$WORK/v1"
receive
cmp -s "$DEST/policy.conf" "$WORK/v1" || fail "v1 was not placed"
forge 2 1700000100 "$WORK/v2"
receive
cmp -s "$DEST/policy.conf" "$WORK/v2" || fail "v2 did not replace v1"
assert_recv "$RECV_LOG" files 1

forge 1 1700000000 "$WORK/v1.again"
cmp -s "$WORK/v1" "$WORK/v1.again" || fail "the replay differs from v1"
receive
cmp -s "$DEST/policy.conf" "$WORK/v2" ||
	fail "the replay of v1 rolled the file back: $(grep -a policy.conf "$RECV_LOG")"
[ "$(stat -c %Y "$DEST/policy.conf")" = 1700000100 ] || fail "DEST has the wrong mtime"
grep -aq "'policy.conf': not placed: DEST holds a newer version" "$RECV_LOG" ||
	fail "the replay was not reported: $(grep -a policy.conf "$RECV_LOG")"
assert_recv "$RECV_LOG" files 0
assert_recv "$RECV_LOG" present 1
assert_recv "$RECV_LOG" quarantined 0
assert_private_clean "$DEST"
log "t_signed_replay passed"
