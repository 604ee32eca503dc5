# SPDX-License-Identifier: Apache-2.0
# The end of a signed transfer is authenticated (docs/protocol.md section
# 10.8, rule 5): someone who can write the topic but holds no key cannot
# make a signed transfer vanish with a plain ABORT, a plain RESUME or a
# plain MANIFEST of the same path (nor a plain COMMIT: forged, it would
# have it quarantined); only the transfer's own signed ABORT
# drops it. The forged frames are rejected (logged, counted, dead-lettered)
# and the file is placed. Frames that keep coming after an ABORT ended a
# transfer (a sender that resumed what it aborted, or the rest of a
# transfer a forged ABORT ended) are a lost file: said once as LOST,
# counted and dead-lettered, never dropped silently; a sealed one is not
# quarantined a second time.
source "$(dirname "$0")/lib.sh"

: "${KF_FORGE:?}"
KEYS=$WORK/keys
DEST=$WORK/dest
DLQ=$TOPIC.dlq
mkdir -p "$KEYS"
create_topic "$DLQ" 1
"$KFERRY" keygen --type ed25519 --out "$KEYS/sender.key" >/dev/null
"$KFERRY" keygen --type x25519 --out "$KEYS/receiver.key" >/dev/null

FORGE_OPTS=(--size 300000)
SIGNED=(--sign-with "$KEYS/sender.key")

# Signed transfers, each with one forged frame after chunk 0 ...
forge forged-abort "${SIGNED[@]}" --path signed/abort.bin --out "$WORK/abort.bin"
forge forged-resume "${SIGNED[@]}" --path signed/resume.bin --out "$WORK/resume.bin"
forge forged-commit "${SIGNED[@]}" --path signed/commit.bin --out "$WORK/commit.bin"
# ... and one its sender really gave up, with its signed ABORT.
forge abort "${SIGNED[@]}" --path signed/aborted.bin
# Unsigned transfers ended by an ABORT, whose frames keep coming.
forge forged-abort --path plain/abort.bin
forge abort-resume --path plain/resumed.bin
forge abort-resume --encrypt-to "$KEYS/receiver.key.pub" --path sealed/resumed.bin

receive_until_idle "$DEST" -o receive.dead_letter_topic="$DLQ" \
	-o receive.decrypt_keys="$KEYS/receiver.key" ||
	fail "receive exited $?: $(tail -n 5 "$RECV_LOG")"
L=$RECV_LOG

for f in abort resume commit; do
	cmp -s "$DEST/signed/$f.bin" "$WORK/$f.bin" ||
		fail "signed/$f.bin was not placed intact despite a forged frame"
done
for f in signed/aborted.bin plain/abort.bin plain/resumed.bin sealed/resumed.bin; do
	[ ! -e "$DEST/$f" ] || fail "$f became visible"
done
grep -aq "(key 'signed/abort.bin'): unsigned abort: transfer [0-9a-f]* is signed" "$L" ||
	fail "the forged ABORT was not reported: $(grep -a abort.bin "$L" | head -n 3)"
grep -aq "(key 'signed/resume.bin'): rejected resume: transfer [0-9a-f]* is signed" "$L" ||
	fail "the forged RESUME was not reported: $(grep -a resume.bin "$L" | head -n 3)"
grep -aq "(key 'signed/commit.bin'): rejected commit: transfer [0-9a-f]* is signed" "$L" ||
	fail "the forged COMMIT was not reported: $(grep -a commit.bin "$L" | head -n 3)"
grep -aq "'signed/aborted.bin': the sender gave up (signed abort): kf-forge: the sender gave up" "$L" ||
	fail "the signed ABORT did not end its transfer: $(grep -a aborted.bin "$L" | head -n 3)"
LOST="LOST: more of it came after an ABORT ended it"
lost_once() { # lost_once NAME PATTERN
	[ "$(grep -ac -- "$2" "$L")" = 1 ] ||
		fail "$1: not reported LOST exactly once: $(grep -a LOST "$L" | head -n 5)"
}
lost_once plain/abort.bin "'plain/abort.bin': $LOST"
lost_once plain/resumed.bin "'plain/resumed.bin': $LOST"
# an encrypted transfer whose manifest the ABORT overtook is known by its id
SXID=$(awk '$1 == "abort-resume" { x = $2 } END { print x }' "$FORGE_OUT")
lost_once sealed/resumed.bin "$LOST (transfer $SXID:"
[ ! -e "$DEST/.kferry/quarantine/$SXID" ] || fail "sealed/resumed.bin was quarantined"
assert_recv "$L" files 3
assert_recv "$L" quarantined 0
assert_recv "$L" rejected 3
# signed/aborted.bin, the three ended by an ABORT
assert_recv "$L" abandoned 4
assert_recv "$L" lost 3
# the forged ABORT, RESUME and COMMIT; after each ABORT of an unsigned transfer:
# chunks 1-4 and the COMMIT (plain/abort.bin), the RESUME, chunks 2-4 and
# the COMMIT (plain/resumed.bin, sealed/resumed.bin)
assert_recv "$L" dead 18
assert_private_clean "$DEST"

# A plain MANIFEST of the same path, written once the receiver opened the
# signed one (and so knows its path), does not supersede it. It opens a
# transfer of its own that nothing follows: abandon_timeout ends it.
RLOG=$WORK/recv.manifest.log
"$KFERRY" receive -b "$BOOTSTRAP" -t "$TOPIC" -g "$GROUP" --dest "$DEST" \
	--idle-exit 3 --abandon-timeout 5 --debug recv 2>"$RLOG" &
RPID=$!
KF_BG_PIDS+=("$RPID")
forge forged-manifest "${SIGNED[@]}" --path signed/manifest.bin --out "$WORK/manifest.bin" \
	--wait-file "$WORK/go" &
FPID=$!
KF_BG_PIDS+=("$FPID")
wait_log "$RPID" "$RLOG" "sealed manifest 'signed/manifest.bin'" 120
touch "$WORK/go"
wait "$FPID" || fail "kf-forge forged-manifest exited $?: $(tail -n 3 "$WORK/forge.log")"
wait "$RPID" || fail "receive exited $?: $(tail -n 5 "$RLOG")"
cmp -s "$DEST/signed/manifest.bin" "$WORK/manifest.bin" ||
	fail "signed/manifest.bin was not placed intact: $(grep -a manifest.bin "$RLOG" | head -n 5)"
grep -aq "signed transfer [0-9a-f]*: a MANIFEST of the same path not signed by its signer started" "$RLOG" ||
	fail "the forged MANIFEST was not reported"
assert_recv "$RLOG" files 1
assert_recv "$RLOG" abandoned 1
assert_recv "$RLOG" quarantined 0
assert_private_clean "$DEST"
log "t_signed_ends passed"
