# SPDX-License-Identifier: Apache-2.0
# The receiver's memory stays within receive.max_inflight_bytes plus one
# chunk, however many workers it has: decompressed chunks count against
# the budget with the queued messages. Sixteen transfers of one 64 MiB
# chunk of zeros (a frame of a few KiB each, so that many fit the budget
# at once), received with 8 workers and a 16 MiB budget: the peak RSS
# stays below 300 MiB (8 chunks decompressed at once would take 512).
source "$(dirname "$0")/lib.sh"

: "${KF_FORGE:?}"
[ -x /usr/bin/time ] || skip "needs /usr/bin/time for the peak RSS"
"$KF_FORGE" -b "$BOOTSTRAP" -t "$TOPIC" good --count 16 --zeros --path zero/z \
	--size $((64 * MiB)) --chunk-size $((64 * MiB)) >/dev/null 2>"$WORK/forge.log" ||
	fail "kf-forge: $(tail -n 3 "$WORK/forge.log")"
DEST=$WORK/dest
RECV_LOG=$WORK/recv.log
/usr/bin/time -f "%M" -o "$WORK/rss" timeout 120 "$KFERRY" receive -b "$BOOTSTRAP" \
	-t "$TOPIC" -g "$GROUP" --dest "$DEST" --idle-exit 3 -o workers=8 \
	-o receive.max_inflight_bytes=16MiB 2>"$RECV_LOG" ||
	fail "receiver exited $?: $(tail -n 5 "$RECV_LOG")"
rss_kib=$(tail -n 1 "$WORK/rss")
note "peak RSS of the receiver: $((rss_kib / 1024)) MiB"
assert_recv "$RECV_LOG" files 16
[ "$(count_files "$DEST/zero")" = 16 ] || fail "not every file was placed"
[ "$rss_kib" -lt $((300 * 1024)) ] ||
	fail "peak RSS $((rss_kib / 1024)) MiB: decompressed chunks escape receive.max_inflight_bytes"
log "t_recv_memory passed"
