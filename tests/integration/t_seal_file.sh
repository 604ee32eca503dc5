# SPDX-License-Identifier: Apache-2.0
# Sealed and signed small files travel as one FILE frame each
# (docs/protocol.md section 10.10): a tree of small files, sealed and
# signed or signed only, beside a file in three chunks, takes one message
# per small file and arrives byte for byte. One FILE frame damaged in its
# chunk, its commit signature or its manifest is quarantined, one cut
# short is rejected, and nothing of them becomes visible.
source "$(dirname "$0")/lib.sh"

KEYS=$WORK/keys
DEST=$WORK/dest
mkdir -p "$KEYS"
"$KFERRY" keygen --type x25519 --out "$KEYS/receiver.key" >/dev/null
"$KFERRY" keygen --type ed25519 --out "$KEYS/sender.key" >/dev/null
SEALED=(-o "send.encrypt_recipients=$KEYS/receiver.key.pub" -o "send.sign_key=$KEYS/sender.key")
SIGNED=(-o "send.sign_key=$KEYS/sender.key")
OPEN=(-o "receive.decrypt_keys=$KEYS/receiver.key" -o "receive.trusted_signers=$KEYS/sender.key.pub")

# small_tree DIR: an empty file, 1 byte, 4 KiB of text, 64 KiB random.
small_tree() {
	mkdir -p "$1"
	: >"$1/empty"
	printf x >"$1/one"
	text_file "$1/text.txt" 4096
	random_file "$1/random.bin" 65536
}
small_tree "$WORK/src/sealed"
small_tree "$WORK/src/signed"
random_file "$WORK/src/sealed/big.bin" $((2 * MiB + 5))

# One message per small file; three chunks and two frames for big.bin.
kf_send --chunk-size 1MiB "${SEALED[@]}" "$WORK/src/sealed" || fail "sealed send exited $?: $(tail -n 3 "$SEND_LOG")"
assert_send_ok 5
kf_send "${SIGNED[@]}" "$WORK/src/signed" || fail "signed send exited $?: $(tail -n 3 "$SEND_LOG")"
assert_send_ok 4
n=$(kcat -b "$BOOTSTRAP" -C -t "$TOPIC" -o beginning -e -q -f '.\n' | wc -l)
[ "$n" = $((4 + 5 + 4)) ] || fail "the topic holds $n messages, expected 13 (one per small file)"

receive_until_idle "$DEST" "${OPEN[@]}" || fail "receive exited $?: $(tail -n 5 "$RECV_LOG")"
assert_recv "$RECV_LOG" files 9
assert_recv "$RECV_LOG" quarantined 0
assert_recv "$RECV_LOG" rejected 0
assert_trees_equal "$WORK/src/sealed" "$DEST/sealed"
assert_trees_equal "$WORK/src/signed" "$DEST/signed"
assert_private_clean "$DEST"

# Four sends of one sealed and signed 4 KiB file (four transfer ids), each
# FILE frame damaged in its own way and produced again to another topic.
ONE=$TOPIC.one
BAD=$TOPIC.bad
create_topic "$ONE" 1
create_topic "$BAD" 1
mkdir -p "$WORK/src/t"
text_file "$WORK/src/t/doc.txt" 4096
for i in 1 2 3 4; do
	TOPIC=$ONE kf_send "${SEALED[@]}" "$WORK/src/t" || fail "send exited $?"
	assert_send_ok 1
	kcat -b "$BOOTSTRAP" -C -t "$ONE" -p 0 -o $((i - 1)) -c 1 -e -q -f '%s' >"$WORK/frame.$i"
done
len=$(stat -c %s "$WORK/frame.1")
# from its end: the COMMIT (168 bytes when sealed and signed), the CHUNK
[ "$len" -gt 1000 ] || fail "the FILE frame is $len bytes"
flip() { # flip FILE OFFSET
	printf "$(printf '\\%03o' $((0x$(xxd -p -s "$2" -l 1 "$1") ^ 1)))" |
		dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
flip "$WORK/frame.1" $((len - 168 - 100)) # in the chunk's ciphertext
flip "$WORK/frame.2" $((len - 1))    # the commit's signature
flip "$WORK/frame.3" 100             # inside the manifest's envelope
truncate -s $((len / 2)) "$WORK/frame.4"
for i in 1 2 3 4; do
	kcat -b "$BOOTSTRAP" -P -t "$BAD" -p 0 -k k "$WORK/frame.$i" || fail "kcat -P exited $?"
done
DEST2=$WORK/dest2
TOPIC=$BAD GROUP=$GROUP.bad receive_until_idle "$DEST2" "${OPEN[@]}" ||
	fail "receive exited $?: $(tail -n 5 "$RECV_LOG")"
assert_recv "$RECV_LOG" files 0
assert_recv "$RECV_LOG" quarantined 3
assert_recv "$RECV_LOG" rejected 1
[ ! -e "$DEST2/t" ] || fail "a damaged file became visible: $(ls -R "$DEST2/t")"
left=$(find "$DEST2/.kferry/tmp" -mindepth 1 | head -n 5 || true)
[ -z "$left" ] || fail "staging left in .kferry/tmp: $left"
reasons=$(cat "$DEST2"/.kferry/quarantine/*/reason.txt)
for why in "chunk 0 does not decrypt" "signature" "manifest"; do
	grep -qF -- "$why" <<<"$reasons" || fail "no quarantine says '$why': $reasons"
done
grep -aqF "file: chunk_len" "$RECV_LOG" || fail "the cut frame's rejection does not say why"
log "t_seal_file passed"
