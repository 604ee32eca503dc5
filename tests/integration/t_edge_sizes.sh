# SPDX-License-Identifier: Apache-2.0
# Files at the chunk boundaries (64 KiB chunks), random and compressible,
# a 40 MiB file (more than the broker's 16 MiB message limit: it only
# fits because it is chunked), 8 MiB chunks (fit the broker with room to
# spare), and 16 MiB chunks (do not fit: the send fails cleanly).
source "$(dirname "$0")/lib.sh"

C=$((64 * 1024))
DEST=$WORK/dest

# 1. every boundary, random (sent raw) and text (sent zstd)
SRC=$WORK/src/edge64k
mkdir -p "$SRC/random" "$SRC/text"
n=0
for size in 0 1 $((C - 1)) $C $((C + 1)) $((3 * C)) $((3 * C + 1)); do
	random_file "$SRC/random/size_$size" "$size"
	text_file "$SRC/text/size_$size" "$size" "$size"
	n=$((n + 2))
done
kf_send --chunk-size 64KiB "$SRC" || fail "send (64 KiB chunks) exited $?: $(tail -n 5 "$SEND_LOG")"
assert_send_ok $n
# messages: one FILE per file of one chunk at most (protocol section
# 3.7), else a manifest and a commit plus one per chunk
want=0
for size in 0 1 $((C - 1)) $C $((C + 1)) $((3 * C)) $((3 * C + 1)); do
	if [ "$size" -le $C ]; then
		want=$((want + 2))
	else
		want=$((want + 2 * (2 + (size + C - 1) / C)))
	fi
done
[ "$(json_field "$SEND_JSON" messages)" = $want ] ||
	fail "64 KiB chunks: expected $want messages, got $SEND_JSON"

# 2. 40 MiB random, default 1 MiB chunks: 40 chunks
SRC40=$WORK/src/big40
mkdir -p "$SRC40"
random_file "$SRC40/forty.bin" $((40 * MiB))
kf_send "$SRC40" || fail "send (40 MiB) exited $?: $(tail -n 5 "$SEND_LOG")"
assert_send_ok 1
[ "$(json_field "$SEND_JSON" messages)" = 42 ] || fail "40 MiB file: expected 42 messages: $SEND_JSON"

# 3. 8 MiB chunks: 20 MiB + 1 byte of random in 3 chunks, and text
SRC8=$WORK/src/chunk8m
mkdir -p "$SRC8"
random_file "$SRC8/random.bin" $((20 * MiB + 1))
text_file "$SRC8/text.txt" $((17 * MiB))
kf_send --chunk-size 8MiB "$SRC8" || fail "send (8 MiB chunks) exited $?: $(tail -n 5 "$SEND_LOG")"
assert_send_ok 2
[ "$(json_field "$SEND_JSON" messages)" = 10 ] || fail "8 MiB chunks: expected 10 messages: $SEND_JSON"

# 4. a 16 MiB chunk does not fit the broker's 16 MiB message limit: the
# send fails, says why, and nothing is placed (on a topic of its own)
SRC16=$WORK/src/chunk16m
mkdir -p "$SRC16"
random_file "$SRC16/random.bin" $((20 * MiB))
rc=0
kf_send -t "$TOPIC.too-large" --chunk-size 16MiB "$SRC16" || rc=$?
[ $rc = 1 ] || fail "send of 16 MiB chunks exited $rc, expected 1: $SEND_JSON"
[ "$(json_field "$SEND_JSON" ok)" = false ] || fail "16 MiB chunks: ok is not false"
[ "$(json_field "$SEND_JSON" files_failed)" = 1 ] || fail "16 MiB chunks: files_failed is not 1"
grep -q 'lower --chunk-size' <<<"$SEND_JSON" || fail "16 MiB chunks: the error does not say what to do: $SEND_JSON"
receive_until_idle "$WORK/dest16" -t "$TOPIC.too-large" || fail "receive of the failed send exited $?"
assert_recv "$RECV_LOG" files 0
assert_recv "$RECV_LOG" quarantined 0
[ "$(count_files "$WORK/dest16")" = 0 ] || fail "a file whose send failed was placed"
assert_private_clean "$WORK/dest16"

receive_until_idle "$DEST" || fail "receive exited $?: $(tail -n 5 "$RECV_LOG")"
assert_recv "$RECV_LOG" files $((n + 3))
assert_recv "$RECV_LOG" quarantined 0
assert_recv "$RECV_LOG" rejected 0
assert_trees_equal "$SRC" "$DEST/edge64k"
assert_trees_equal "$SRC40" "$DEST/big40"
assert_trees_equal "$SRC8" "$DEST/chunk8m"
assert_private_clean "$DEST"
log "t_edge_sizes passed"
