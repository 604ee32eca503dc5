# SPDX-License-Identifier: Apache-2.0
# Trusted senders and tampering (docs/protocol.md section 10). A receiver
# with a decryption key and one trusted signer quarantines, each with its
# reason: a sealed transfer with one flipped ciphertext bit, transfers
# signed by an untrusted key, unsigned ones (encrypted or plain), and one
# encrypted for another receiver's key; the good transfers around them
# still arrive.
source "$(dirname "$0")/lib.sh"

: "${KF_FORGE:?}"
KEYS=$WORK/keys
DEST=$WORK/dest
mkdir -p "$KEYS"
for k in receiver other-receiver; do
	"$KFERRY" keygen --type x25519 --out "$KEYS/$k.key" >/dev/null
done
for k in sender stranger; do
	"$KFERRY" keygen --type ed25519 --out "$KEYS/$k.key" >/dev/null
done

# send_one NAME [send options]: sends WORK/src/NAME/file.txt.
send_one() {
	local name=$1
	shift
	mkdir -p "$WORK/src/$name"
	text_file "$WORK/src/$name/file.txt" 150000 "${#name}"
	kf_send "$@" "$WORK/src/$name" || fail "send of $name exited $?: $(tail -n 3 "$SEND_LOG")"
	assert_send_ok 1
}
TO_US=(-o "send.encrypt_recipients=$KEYS/receiver.key.pub")
TO_OTHER=(-o "send.encrypt_recipients=$KEYS/other-receiver.key.pub")
BY_SENDER=(-o "send.sign_key=$KEYS/sender.key")
BY_STRANGER=(-o "send.sign_key=$KEYS/stranger.key")

send_one good-first "${TO_US[@]}" "${BY_SENDER[@]}"
"$KF_FORGE" -b "$BOOTSTRAP" -t "$TOPIC" sealed-tamper --path tamper/file.txt \
	--encrypt-to "$KEYS/receiver.key.pub" --sign-with "$KEYS/sender.key" >"$WORK/forge.out" ||
	fail "kf-forge exited $?"
send_one untrusted "${TO_US[@]}" "${BY_STRANGER[@]}"
send_one unsigned-sealed "${TO_US[@]}"
send_one unsigned-plain
send_one wrong-key "${TO_OTHER[@]}" "${BY_SENDER[@]}"
send_one signed-plain "${BY_SENDER[@]}"
send_one good-last "${TO_US[@]}" "${BY_SENDER[@]}"

receive_until_idle "$DEST" -o "receive.decrypt_keys=$KEYS/receiver.key" \
	-o "receive.trusted_signers=$KEYS/sender.key.pub" ||
	fail "receive exited $?: $(tail -n 5 "$RECV_LOG")"

for name in good-first signed-plain good-last; do
	cmp -s "$WORK/src/$name/file.txt" "$DEST/$name/file.txt" || fail "$name did not arrive intact"
done
assert_recv "$RECV_LOG" files 3
assert_recv "$RECV_LOG" quarantined 5
assert_recv "$RECV_LOG" rejected 0
for name in tamper untrusted unsigned-sealed unsigned-plain wrong-key; do
	[ ! -e "$DEST/$name" ] || fail "$name became visible in DEST"
done

# Each quarantine says why; the path is named once the receiver could
# decrypt the manifest.
Q=$DEST/.kferry/quarantine
reasons=$(cat "$Q"/*/reason.txt)
expect_reason() { # expect_reason PATH-OR-EMPTY TEXT
	local r
	for r in "$Q"/*/reason.txt; do
		grep -qF -- "$2" "$r" || continue
		[ -z "$1" ] || grep -qxF "path: $1" "$r" || continue
		grep -aqF -- "$2" "$RECV_LOG" || fail "the log does not say '$2'"
		return 0
	done
	fail "no quarantine of '${1:-an unknown path}' gives the reason '$2': $reasons"
}
expect_reason tamper/file.txt "chunk 0 does not decrypt: altered"
expect_reason untrusted/file.txt "which is not in receive.trusted_signers"
expect_reason unsigned-sealed/file.txt "unsigned transfer: receive.trusted_signers"
expect_reason unsigned-plain/file.txt "unsigned transfer: receive.trusted_signers"
expect_reason "" "none of the 1 key(s) of receive.decrypt_keys is among them"
[ "$(find "$Q" -mindepth 1 -maxdepth 1 | wc -l)" = 5 ] || fail "expected 5 quarantines: $reasons"
left=$(find "$DEST/.kferry/tmp" -mindepth 1 | head -n 5 || true)
[ -z "$left" ] || fail "staging left in .kferry/tmp: $left"

# Without trusted signers, the same receiver setup takes unsigned transfers.
DEST2=$WORK/dest2
GROUP=$GROUP.open receive_until_idle "$DEST2" -o "receive.decrypt_keys=$KEYS/receiver.key" ||
	fail "second receive exited $?"
for name in good-first untrusted unsigned-sealed unsigned-plain signed-plain good-last; do
	cmp -s "$WORK/src/$name/file.txt" "$DEST2/$name/file.txt" || fail "open receiver: $name did not arrive"
done
assert_recv "$RECV_LOG" files 6
assert_recv "$RECV_LOG" quarantined 2 # the tampered one, and the one for another key
log "t_e2e_reject passed"
