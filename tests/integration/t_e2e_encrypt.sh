# SPDX-License-Identifier: Apache-2.0
# End-to-end encryption (docs/protocol.md section 10): an encrypted and
# signed tree, names included, arrives equal; the broker's own log segments
# hold none of its names and no 16-byte window of its contents, compressible
# text and random bytes alike. A plain send of a control file into the same
# topic is found by the same search, so the search itself is proven.
source "$(dirname "$0")/lib.sh"

: "${KF_BROKER_DIR:?}"
KEYS=$WORK/keys
SRC=$WORK/src/vault-7f3a
DEST=$WORK/dest
mkdir -p "$KEYS" "$SRC/ledger-quokka-secret/deeper-narwhal" "$SRC/empty-pelican"

"$KFERRY" keygen --type x25519 --out "$KEYS/receiver.key" >/dev/null
"$KFERRY" keygen --type ed25519 --out "$KEYS/sender.key" >/dev/null
[ "$(stat -c %a "$KEYS/receiver.key")" = 600 ] || fail "private key is not mode 0600"
[ "$(stat -c %a "$KEYS/sender.key")" = 600 ] || fail "private key is not mode 0600"

text_file "$SRC/ledger-quokka-secret/annual-report-wombat.txt" $((2 * MiB + 3)) 11
random_file "$SRC/ledger-quokka-secret/deeper-narwhal/payload-axolotl.bin" $((3 * MiB + 7))
printf 'launch code: tangerine-zeppelin-4471\n' >"$SRC/ledger-quokka-secret/short-note-ibis.txt"
: >"$SRC/empty-pelican/nothing-here-capybara"
chmod 0640 "$SRC/ledger-quokka-secret/short-note-ibis.txt"
touch -d '2001-02-03 04:05:06.123456789' "$SRC/ledger-quokka-secret/short-note-ibis.txt"
NFILES=$(count_files "$SRC")

SEAL=(-o "send.encrypt_recipients=$KEYS/receiver.key.pub" -o "send.sign_key=$KEYS/sender.key")
OPEN=(-o "receive.decrypt_keys=$KEYS/receiver.key" -o "receive.trusted_signers=$KEYS/sender.key.pub")

kf_send "${SEAL[@]}" "$SRC" || fail "encrypted send exited $?: $(tail -n 5 "$SEND_LOG")"
assert_send_ok "$NFILES"
receive_until_idle "$DEST" "${OPEN[@]}" || fail "receive exited $?: $(tail -n 5 "$RECV_LOG")"
assert_recv "$RECV_LOG" files "$NFILES"
assert_recv "$RECV_LOG" quarantined 0
assert_recv "$RECV_LOG" rejected 0
assert_trees_equal "$SRC" "$DEST/vault-7f3a"
assert_private_clean "$DEST"

# What the broker stores: every log segment of the topic (no producer
# compression, so a plaintext byte sent would sit there as is).
segments() { find "$KF_BROKER_DIR" -path "*/$TOPIC-[0-9]*/*.log" -type f; }
[ -n "$(segments)" ] || fail "no log segments of $TOPIC under $KF_BROKER_DIR"
SEGS=$WORK/segments.bin
refresh_segments() { segments | sort | xargs cat >"$SEGS"; }
refresh_segments
log "topic segments: $(stat -c %s "$SEGS") bytes"

# Names and distinctive strings, with grep -F.
LEAKS=(vault-7f3a ledger-quokka-secret deeper-narwhal annual-report-wombat
	payload-axolotl short-note-ibis empty-pelican nothing-here-capybara
	tangerine-zeppelin-4471 'launch code')
# the sender's host name travels in the manifest; too short a name would
# turn up in random bytes by chance
[ "$(hostname | wc -c)" -le 8 ] || LEAKS+=("$(hostname)")
# lines of the text file: distinct, because each starts with its number
for n in 0000000 0001234 0012345 0020000; do
	LEAKS+=("$(grep -a -m1 "^$n " "$SRC/ledger-quokka-secret/annual-report-wombat.txt")")
done
for s in "${LEAKS[@]}"; do
	[ -n "$s" ] || fail "test setup: an empty search string"
	! grep -aqF -- "$s" "$SEGS" || fail "the topic holds plaintext: '$s'"
done

# Plaintext in the segments, two ways: every 16-byte block of every file at
# offsets 0, 16, 32... (any run of 31 or more plaintext bytes contains one),
# looked up at every offset of the segments; and 16-byte windows at any
# alignment, about 100 per file spread evenly, plus the last one.
windows_absent() { # windows_absent SEGMENTS FILE...: 0 if none is found
	python3 - "$@" <<'PY'
import sys
seg = open(sys.argv[1], 'rb').read()
blocks = {}
windows = 0
for path in sys.argv[2:]:
    data = open(path, 'rb').read()
    for o in range(0, len(data) - 15, 16):
        blocks.setdefault(data[o:o + 16], (path, o))
    step = max(4099, len(data) // 100)
    for o in list(range(0, max(len(data) - 16, 0), step)) + [max(len(data) - 16, 0)]:
        w = data[o:o + 16]
        if len(w) < 16:
            continue
        windows += 1
        if seg.find(w) >= 0:
            print("found the 16 bytes at offset %d of %s" % (o, path))
            sys.exit(1)
for i in range(len(seg) - 15):
    hit = blocks.get(seg[i:i + 16])
    if hit:
        print("found the 16 bytes at offset %d of %s" % (hit[1], hit[0]))
        sys.exit(1)
print("%d aligned blocks and %d windows checked" % (len(blocks), windows))
PY
}
mapfile -t FILES < <(find "$SRC" -type f -size +15c | sort)
out=$(windows_absent "$SEGS" "${FILES[@]}") || fail "the topic holds plaintext: $out"
log "no plaintext window in the topic: $out"

# Control: the same search finds a plain transfer in the same topic.
CTL=$WORK/src/control-marmoset
mkdir -p "$CTL"
text_file "$CTL/plain-text-okapi.txt" 300000 5
random_file "$CTL/plain-random-okapi.bin" 200000
kf_send --compression none "$CTL" || fail "control send exited $?"
refresh_segments
grep -aqF plain-text-okapi "$SEGS" || fail "control: the plain file name is not found in the segments"
grep -aqF -- "$(grep -a -m1 '^0000100 ' "$CTL/plain-text-okapi.txt")" "$SEGS" ||
	fail "control: a plain text line is not found in the segments"
! windows_absent "$SEGS" "$CTL/plain-random-okapi.bin" >/dev/null ||
	fail "control: no window of the plain random file is found in the segments"
log "t_e2e_encrypt passed: $NFILES files, ${#LEAKS[@]} strings and every sampled window absent"
