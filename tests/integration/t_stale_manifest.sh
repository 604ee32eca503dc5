# SPDX-License-Identifier: Apache-2.0
# A MANIFEST appended after the retry's MANIFEST of the same path but
# written earlier (a produce request of a killed sender that the broker
# appended late) must not supersede the retry: its message timestamp is
# older (docs/protocol.md section 6, rule 3). The retry's file is placed;
# the stale transfer, which never completes, is abandoned after
# receive.abandon_timeout; nothing is lost. Plain (the loss that offsets
# alone caused, every time) and signed (opened by jobs, which end in any
# order: the rule must hold whichever is named first).
# And a transfer that a newer one did supersede, but whose frames keep
# coming (its COMMIT among them), is a lost file: said once as LOST,
# counted and dead-lettered, never dropped silently.
source "$(dirname "$0")/lib.sh"

: "${KF_FORGE:?}"
KEYS=$WORK/keys
DEST=$WORK/dest
DLQ=$TOPIC.dlq
mkdir -p "$KEYS"
create_topic "$DLQ" 1
"$KFERRY" keygen --type ed25519 --out "$KEYS/sender.key" >/dev/null

FORGE_OPTS=(--size 300000 --chunk-size 65536)

# 1. the retry's MANIFEST and chunk 0, the stale MANIFEST, the rest
forge stale-manifest --path stale/plain.bin --seed 1 --out "$WORK/plain.bin"
forge stale-manifest --sign-with "$KEYS/sender.key" --path stale/signed.bin --seed 2 \
	--out "$WORK/signed.bin"
# 2. attempt 1 (MANIFEST, chunk 0), its retry (complete), then the rest of
# attempt 1 (chunks 1.., COMMIT)
XID=0123456789abcdef0123456789abcdef
forge vanish --xid $XID --path retry/late.bin --seed 3
forge good --path retry/late.bin --seed 4 --out "$WORK/late.bin"
forge tail --xid $XID --path retry/late.bin --seed 3

timeout 120 "$KFERRY" receive -b "$BOOTSTRAP" -t "$TOPIC" -g "$GROUP" --dest "$DEST" \
	--abandon-timeout 3 --idle-exit 3 -o "receive.dead_letter_topic=$DLQ" \
	2>"$WORK/recv.log" || fail "receiver exited $?: $(tail -n 5 "$WORK/recv.log")"
RLOG=$WORK/recv.log
log "receiver: $(recv_summary "$RLOG")"
for f in plain signed; do
	cmp -s "$WORK/$f.bin" "$DEST/stale/$f.bin" ||
		fail "stale/$f.bin was not placed: $(grep -a "stale/$f.bin" "$RLOG" | head -n 4)"
done
grep -aq "'stale/plain.bin': a MANIFEST of the same path written [0-9]* ms before it came after it" "$RLOG" ||
	fail "the stale MANIFEST was not recognised: $(grep -a stale/plain "$RLOG" | head -n 4)"
grep -aq "'stale/plain.bin': no data for 3 s after 0 of 5 chunks" "$RLOG" ||
	fail "the stale transfer was not abandoned after the timeout: $(grep -a stale/plain "$RLOG" | head -n 4)"
cmp -s "$WORK/late.bin" "$DEST/retry/late.bin" ||
	fail "retry/late.bin does not hold the retry: $(grep -a retry/late "$RLOG" | head -n 4)"
grep -a "LOST" "$RLOG" | head -n 1 | cut -c1-200
grep -aq "'retry/late.bin': LOST: more of it came after a newer transfer of the same path replaced it" "$RLOG" ||
	fail "no LOST error for the superseded transfer that went on: $(grep -a retry/late "$RLOG" | head -n 4)"
[ "$(grep -ac "LOST" "$RLOG")" = 1 ] || fail "LOST reported $(grep -ac LOST "$RLOG") times, expected once"
assert_recv "$RLOG" files 3
assert_recv "$RLOG" abandoned 3
assert_recv "$RLOG" lost 1
assert_recv "$RLOG" rejected 0
# the superseded transfer's frames after the retry's MANIFEST: chunks 1..4, COMMIT
read_topic "$DLQ" "$WORK/dlq.txt"
DL=$(grep -ao "a newer transfer of its path superseded" "$WORK/dlq.txt" | wc -l)
[ "$DL" = 5 ] || fail "dead letters of the superseded transfer: $DL, expected 5"
assert_private_clean "$DEST"
log "t_stale_manifest passed"
