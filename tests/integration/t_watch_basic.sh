# SPDX-License-Identifier: Apache-2.0
# kferry watch --dir: files present at start-up and files dropped while it
# runs (written slowly in pieces, nested, Korean names with spaces, many at
# once) all arrive exactly once, byte for byte; after = delete empties the
# directory; SIGTERM drains and exits 0.
source "$(dirname "$0")/lib.sh"

REF=$WORK/ref       # what is dropped, kept for comparison
IN=$WORK/inbox
DEST=$WORK/dest
mkdir -p "$REF/early" "$REF/nested/deeper" "$REF/many" "$REF/한글 폴더" "$IN"

# present before the daemon starts
text_file "$REF/early/report.txt" 300000
random_file "$REF/early/blob.bin" $((2 * MiB + 3))
cp -a "$REF/early" "$IN/"

watch_start "$WORK/watch.log" --dir "$IN" --state-dir "$WORK/state" \
	--stable-seconds 2 --rescan 3 --chunk-size 256K
wait_until 60 empty_dir "$IN/early"
log "files present at start-up were sent and deleted"

# a slow writer: 1.5 MiB in 64 KiB pieces, 0.3 s apart (about 7 s)
random_file "$REF/nested/deeper/slow.bin" $((1536 * 1024 + 11))
mkdir -p "$IN/nested/deeper"
slow_copy "$REF/nested/deeper/slow.bin" "$IN/nested/deeper/slow.bin" &
SLOW=$!

# Korean names with spaces, and many small files at once
printf '안녕하세요\n' >"$REF/한글 폴더/보고서 최종.txt"
random_file "$REF/한글 폴더/데이터 파일.bin" 70000
for i in $(seq 1 60); do text_file "$REF/many/f$i.txt" $((i * 997)) "$i"; done
cp -a "$REF/한글 폴더" "$REF/many" "$IN/"

wait "$SLOW"
wait_until 90 empty_dir "$IN"
log "every dropped file was sent and deleted"
watch_stop

grep -q "back-pressure" "$WORK/watch.log" && log "(the log reported back-pressure)"
NFILES=$(count_files "$REF")
receive_until_idle "$DEST" || fail "receive exited $?: $(tail -n 5 "$RECV_LOG")"
assert_recv "$RECV_LOG" files "$NFILES"
assert_recv "$RECV_LOG" present 0
assert_recv "$RECV_LOG" quarantined 0
assert_recv "$RECV_LOG" abandoned 0
assert_trees_equal "$REF" "$DEST"
assert_private_clean "$DEST"
sent=$(grep -c 'watch: sent cli/' "$WORK/watch.log" || true)
[ "$sent" = "$NFILES" ] || fail "the daemon logged $sent files sent, expected $NFILES"
log "t_watch_basic passed ($NFILES files)"
