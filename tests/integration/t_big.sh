# SPDX-License-Identifier: Apache-2.0
# kf-alone: it measures throughput over gigabytes (another test beside it would skew both)
# kf-timeout: 600
# A sparse file of 4 GiB + 3 MiB with random 1 MiB blocks at offsets 0,
# 2 GiB, 4 GiB and at the end: offsets past 4 GiB (32-bit overflow) are
# exercised, and the zeros in between cost little on the wire.
source "$(dirname "$0")/lib.sh"

SIZE=$((4 * GiB + 3 * MiB))
need=$((12 * GiB))
have=$(free_bytes "$WORK")
[ "$have" -ge "$need" ] ||
	skip "needs 12 GiB free in $WORK (the received copy is not sparse), has $((have / GiB)) GiB"

# A whole-file hash of 4 GiB: XXH128 when xxhsum is there (a second),
# else BLAKE2b (coreutils; sha256sum would take half a minute a copy).
if command -v xxhsum >/dev/null 2>&1; then
	BIG_SUM=XXH128
	big_sum() { xxhsum -H2 <"$1" | cut -d' ' -f1; }
else
	BIG_SUM=BLAKE2b
	big_sum() { b2sum <"$1" | cut -d' ' -f1; }
fi

SRC=$WORK/src/big
DEST=$WORK/dest
F=$SRC/sparse.bin
mkdir -p "$SRC"
truncate -s "$SIZE" "$F"
for mib in 0 2048 4096 4098; do # 4098 MiB + 1 MiB = the end
	dd if=/dev/urandom of="$F" bs=1M count=1 seek=$mib conv=notrunc status=none
done
[ "$(stat -c %s "$F")" = "$SIZE" ] || fail "test setup: size is $(stat -c %s "$F"), expected $SIZE"
t0=$(now)
src_sum=$(big_sum "$F")
log "source $BIG_SUM $src_sum ($(elapsed "$t0") s); $(du -h "$F" | cut -f1) on disk"

kf_send "$SRC" || fail "send exited $?: $(tail -n 5 "$SEND_LOG")"
assert_send_ok 1
note "send: $SIZE bytes in $(json_field "$SEND_JSON" seconds) s, $(json_field "$SEND_JSON" wire_bytes) bytes on the wire"
[ "$(json_field "$SEND_JSON" bytes_sent)" = "$SIZE" ] || fail "bytes_sent is not $SIZE: $SEND_JSON"
# 4099 chunks of 1 MiB, a manifest and a commit
[ "$(json_field "$SEND_JSON" messages)" = 4101 ] || fail "expected 4101 messages: $SEND_JSON"
wire=$(json_field "$SEND_JSON" wire_bytes)
[ "$wire" -lt $((64 * MiB)) ] || fail "the zeros should compress: wire_bytes $wire"

receive_until_idle "$DEST" || fail "receive exited $?: $(tail -n 5 "$RECV_LOG")"
assert_recv "$RECV_LOG" files 1
assert_recv "$RECV_LOG" bytes "$SIZE"
note "receive: $RECV_SECONDS s (3 s of idle exit included)"
assert_recv "$RECV_LOG" quarantined 0
G=$DEST/big/sparse.bin
[ "$(stat -c %s "$G")" = "$SIZE" ] || fail "received size $(stat -c %s "$G"), expected $SIZE"
t0=$(now)
dst_sum=$(big_sum "$G")
log "received $BIG_SUM $dst_sum ($(elapsed "$t0") s)"
[ "$src_sum" = "$dst_sum" ] || fail "content differs: $BIG_SUM $src_sum sent, $dst_sum received"
# the random blocks at and past 4 GiB, compared directly
for mib in 0 2048 4096 4098; do
	cmp <(dd if="$F" bs=1M skip=$mib count=1 status=none) \
		<(dd if="$G" bs=1M skip=$mib count=1 status=none) >/dev/null ||
		fail "block at $mib MiB differs"
done
[ "$(stat -c '%a %Y' "$G")" = "$(stat -c '%a %Y' "$F")" ] || fail "mode or mtime not kept"
assert_private_clean "$DEST"
rm -f "$G" "$F"
log "t_big passed"
