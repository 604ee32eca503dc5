# SPDX-License-Identifier: Apache-2.0
# A mixed tree arrives byte for byte with its modes and mtimes; receiving
# again in the same group finds nothing new; a new group finds every file
# already present and changes nothing.
source "$(dirname "$0")/lib.sh"

SRC=$WORK/src/basic
DEST=$WORK/dest
mkdir -p "$SRC/docs" "$SRC/bin" "$SRC/data/nested/deeper/deepest" "$SRC/empty-dir-with-file"

printf 'hello, kferry\n' >"$SRC/docs/readme.txt"
text_file "$SRC/docs/manual.txt" $((3 * MiB + 17))
random_file "$SRC/data/random.bin" $((2 * MiB + 5))
random_file "$SRC/data/nested/small.bin" 4097
random_file "$SRC/data/nested/deeper/deepest/one-byte" 1
: >"$SRC/empty-dir-with-file/empty"
printf '#!/bin/sh\necho tool\n' >"$SRC/bin/tool"
text_file "$SRC/data/nested/deeper/notes.txt" 100000

chmod 0640 "$SRC/docs/readme.txt"
chmod 0755 "$SRC/bin/tool"
chmod 0600 "$SRC/data/random.bin"
chmod 0444 "$SRC/data/nested/small.bin"
chmod 0700 "$SRC/empty-dir-with-file/empty"
chmod 0604 "$SRC/docs/manual.txt"
# mtimes with nanoseconds, in the past and in the future
touch -d '2001-02-03 04:05:06.123456789' "$SRC/docs/readme.txt"
touch -d '1999-12-31 23:59:59.999999999' "$SRC/bin/tool"
touch -d '2030-06-07 08:09:10.5' "$SRC/data/random.bin"
touch -d '1970-01-02 00:00:00' "$SRC/empty-dir-with-file/empty"

NFILES=$(count_files "$SRC")
[ "$NFILES" -eq 8 ] || fail "test setup: expected 8 files, made $NFILES"

kf_send "$SRC" || fail "send exited $?: $(tail -n 5 "$SEND_LOG")"
assert_send_ok "$NFILES"
[ "$(json_field "$SEND_JSON" files_total)" = "$NFILES" ] || fail "files_total: $SEND_JSON"
[ "$(json_field "$SEND_JSON" bytes_total)" = "$(json_field "$SEND_JSON" bytes_sent)" ] ||
	fail "bytes_sent differs from bytes_total: $SEND_JSON"

receive_until_idle "$DEST" || fail "receive exited $?: $(tail -n 5 "$RECV_LOG")"
assert_recv "$RECV_LOG" files "$NFILES"
assert_recv "$RECV_LOG" quarantined 0
assert_recv "$RECV_LOG" rejected 0
assert_trees_equal "$SRC" "$DEST/basic"
assert_private_clean "$DEST"
[ "$(stat -c %a "$DEST/basic/bin/tool")" = 755 ] || fail "mode of bin/tool not 755"
[ "$(stat -c %a "$DEST/basic/docs/readme.txt")" = 640 ] || fail "mode of readme not 640"
[ "$(stat -c %y "$DEST/basic/docs/readme.txt")" = "$(stat -c %y "$SRC/docs/readme.txt")" ] ||
	fail "mtime of readme not kept"

# Identity of every file, to prove that later receives leave them alone.
inodes() { (cd "$1" && find . -path ./.kferry -prune -o -type f -printf '%i %P\0' | sort -z | sha256sum); }
before=$(inodes "$DEST")

# The same group again: its offsets are committed, nothing is new.
receive_until_idle "$DEST" || fail "second receive exited $?"
assert_recv "$RECV_LOG" files 0
assert_recv "$RECV_LOG" present 0
assert_recv "$RECV_LOG" quarantined 0
assert_recv "$RECV_LOG" rejected 0

# A new group re-reads the topic: every file is already there.
GROUP=$GROUP.again receive_until_idle "$DEST" || fail "receive in a new group exited $?"
assert_recv "$RECV_LOG" files 0
assert_recv "$RECV_LOG" present "$NFILES"
assert_recv "$RECV_LOG" quarantined 0
grep -q "$NFILES already present" "$RECV_LOG" || fail "no '$NFILES already present' in the summary"

assert_trees_equal "$SRC" "$DEST/basic"
assert_private_clean "$DEST"
[ "$(inodes "$DEST")" = "$before" ] || fail "files were rewritten by a receive that had nothing to do"
log "t_basic passed"
