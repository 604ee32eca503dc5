# SPDX-License-Identifier: Apache-2.0
# zstd must not inflate data it cannot shrink (such chunks travel raw),
# and must shrink text a lot.
source "$(dirname "$0")/lib.sh"

DEST=$WORK/dest
SIZE=$((64 * MiB))

# 64 MiB of random bytes
SRCR=$WORK/src/random
mkdir -p "$SRCR"
random_file "$SRCR/urandom.bin" $SIZE
kf_send --compression zstd "$SRCR" || fail "send exited $?: $(tail -n 5 "$SEND_LOG")"
assert_send_ok 1
sent=$(json_field "$SEND_JSON" bytes_sent)
wire=$(json_field "$SEND_JSON" wire_bytes)
[ "$sent" = $SIZE ] || fail "bytes_sent $sent, expected $SIZE"
note "random: wire_bytes $wire for $sent bytes ($(awk -v w="$wire" -v s="$sent" 'BEGIN { printf "%.4f", w / s }'))"
[ "$wire" -le $((sent + sent / 100)) ] || fail "random data inflated on the wire: $wire > 1.01 * $sent"

# 64 MiB of text
SRCT=$WORK/src/text
mkdir -p "$SRCT"
text_file "$SRCT/words.txt" $SIZE
kf_send --compression zstd "$SRCT" || fail "send exited $?: $(tail -n 5 "$SEND_LOG")"
assert_send_ok 1
sent=$(json_field "$SEND_JSON" bytes_sent)
wire=$(json_field "$SEND_JSON" wire_bytes)
note "text: wire_bytes $wire for $sent bytes ($(awk -v w="$wire" -v s="$sent" 'BEGIN { printf "%.4f", w / s }'))"
[ "$wire" -le $((sent / 3)) ] || fail "text did not shrink to a third: wire_bytes $wire for $sent"

# and both arrive intact
receive_until_idle "$DEST" || fail "receive exited $?: $(tail -n 5 "$RECV_LOG")"
assert_recv "$RECV_LOG" files 2
assert_recv "$RECV_LOG" quarantined 0
assert_trees_equal "$SRCR" "$DEST/random"
assert_trees_equal "$SRCT" "$DEST/text"
assert_private_clean "$DEST"
log "t_incompressible passed"
