# SPDX-License-Identifier: Apache-2.0
# Protection per route of the watch daemon (route.NAME.encrypt_recipients,
# route.NAME.sign_key): files of the sealed route arrive at a receiver that
# requires signatures, and their names never reach the topic; files of a
# plain route on the same topic travel in clear and that receiver
# quarantines them as unsigned.
source "$(dirname "$0")/lib.sh"

: "${KF_BROKER_DIR:?}"
KEYS=$WORK/keys
mkdir -p "$KEYS" "$WORK/sealed-in/sub" "$WORK/plain-in" "$WORK/ref/sub"
"$KFERRY" keygen --type x25519 --out "$KEYS/receiver.key" >/dev/null
"$KFERRY" keygen --type ed25519 --out "$KEYS/sender.key" >/dev/null

cat >"$WORK/kferry.conf" <<CONF
[watch]
state_dir = $WORK/state
rescan_seconds = 2

[route.sealed]
dir = $WORK/sealed-in
stable_seconds = 1
encrypt_recipients = $KEYS/receiver.key.pub
sign_key = $KEYS/sender.key

[route.plain]
dir = $WORK/plain-in
stable_seconds = 1
CONF

text_file "$WORK/ref/confidential-heron.txt" 200000 3
random_file "$WORK/ref/sub/classified-walrus.bin" 300000
printf 'open letter\n' >"$WORK/ref/public-notice-gecko.txt"
cp "$WORK/ref/confidential-heron.txt" "$WORK/sealed-in/"
cp "$WORK/ref/sub/classified-walrus.bin" "$WORK/sealed-in/sub/"
cp "$WORK/ref/public-notice-gecko.txt" "$WORK/plain-in/"

watch_start "$WORK/watch.log" -c "$WORK/kferry.conf"
wait_until 60 empty_dir "$WORK/sealed-in"
wait_until 60 empty_dir "$WORK/plain-in"
watch_stop

DEST=$WORK/dest
receive_until_idle "$DEST" -o "receive.decrypt_keys=$KEYS/receiver.key" \
	-o "receive.trusted_signers=$KEYS/sender.key.pub" ||
	fail "receive exited $?: $(tail -n 5 "$RECV_LOG")"
assert_recv "$RECV_LOG" files 2
assert_recv "$RECV_LOG" quarantined 1
cmp -s "$WORK/ref/confidential-heron.txt" "$DEST/confidential-heron.txt" ||
	fail "the sealed route's text file did not arrive intact"
cmp -s "$WORK/ref/sub/classified-walrus.bin" "$DEST/sub/classified-walrus.bin" ||
	fail "the sealed route's random file did not arrive intact"
grep -qx 'path: public-notice-gecko.txt' "$DEST"/.kferry/quarantine/*/reason.txt ||
	fail "the plain route's file was not quarantined as unsigned"
grep -q 'reason: unsigned transfer' "$DEST"/.kferry/quarantine/*/reason.txt ||
	fail "the quarantine does not say 'unsigned transfer'"

SEGS=$WORK/segments.bin
find "$KF_BROKER_DIR" -path "*/$TOPIC-[0-9]*/*.log" -type f | sort | xargs cat >"$SEGS"
grep -aqF public-notice-gecko "$SEGS" || fail "control: the plain route's name is not in the topic"
for s in confidential-heron classified-walrus; do
	! grep -aqF "$s" "$SEGS" || fail "the sealed route's name '$s' is in the topic"
done
log "t_e2e_watch passed"
