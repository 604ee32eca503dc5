# SPDX-License-Identifier: Apache-2.0
# A file arrives for a path that holds other content: policy fail
# (default) quarantines the new file and keeps the old one, overwrite
# replaces it, rename keeps both (name and name.1).
source "$(dirname "$0")/lib.sh"

SRC=$WORK/src/conf
DEST=$WORK/dest
mkdir -p "$SRC"

# version V of the file; each send of it is received by the same group,
# so each receive sees only the newest version.
send_version() {
	printf 'version %s of the file\n' "$1" >"$SRC/file.txt"
	touch -d "2020-01-0$1 12:00:00" "$SRC/file.txt"
	cp -p "$SRC/file.txt" "$WORK/v$1"
	kf_send "$SRC" || fail "send of version $1 exited $?"
	assert_send_ok 1
}
T=$DEST/conf/file.txt
quarantines() { find "$DEST/.kferry/quarantine" -mindepth 1 -maxdepth 1 -type d | wc -l; }

# 1. first arrival
send_version 1
receive_until_idle "$DEST" || fail "receive 1 exited $?"
assert_recv "$RECV_LOG" files 1
cmp -s "$T" "$WORK/v1" || fail "version 1 not placed"

# 2. policy fail (the default): the new file goes to quarantine
send_version 2
receive_until_idle "$DEST" || fail "receive 2 exited $?"
assert_recv "$RECV_LOG" files 0
assert_recv "$RECV_LOG" quarantined 1
cmp -s "$T" "$WORK/v1" || fail "policy fail: the old content was not kept"
[ "$(quarantines)" = 1 ] || fail "policy fail: expected 1 quarantine directory, found $(quarantines)"
reason=$(find "$DEST/.kferry/quarantine" -name reason.txt)
[ -n "$reason" ] || fail "policy fail: no reason.txt"
grep -q 'conf/file.txt' "$reason" || fail "reason.txt does not name the file: $(cat "$reason")"
grep -qi 'exist' "$reason" || fail "reason.txt does not say the file exists: $(cat "$reason")"
cmp -s "$(dirname "$reason")/data" "$WORK/v2" ||
	fail "policy fail: the quarantined data is not the new version"
grep -a "quarantined 'conf/file.txt'" "$RECV_LOG" >/dev/null || fail "no log line for the quarantine"
[ "$(find "$DEST/conf" -type f | wc -l)" = 1 ] || fail "policy fail: extra files: $(find "$DEST/conf")"

# 3. policy overwrite: replaced, with the new mtime
send_version 3
receive_until_idle "$DEST" --on-conflict overwrite || fail "receive 3 exited $?"
assert_recv "$RECV_LOG" files 1
assert_recv "$RECV_LOG" quarantined 0
cmp -s "$T" "$WORK/v3" || fail "policy overwrite: not replaced"
[ "$(stat -c %Y "$T")" = "$(stat -c %Y "$WORK/v3")" ] || fail "policy overwrite: mtime not the new one"
[ "$(find "$DEST/conf" -type f | wc -l)" = 1 ] || fail "policy overwrite: extra files: $(find "$DEST/conf")"

# 4. policy rename: both kept
send_version 4
receive_until_idle "$DEST" --on-conflict rename || fail "receive 4 exited $?"
assert_recv "$RECV_LOG" files 1
assert_recv "$RECV_LOG" quarantined 0
cmp -s "$T" "$WORK/v3" || fail "policy rename: the old file changed"
cmp -s "$T.1" "$WORK/v4" || fail "policy rename: the new file is not at file.txt.1"

# 5. rename again: the next free suffix
send_version 5
receive_until_idle "$DEST" --on-conflict rename || fail "receive 5 exited $?"
cmp -s "$T.2" "$WORK/v5" || fail "policy rename: the third version is not at file.txt.2"
[ "$(find "$DEST/conf" -type f | wc -l)" = 3 ] || fail "policy rename: expected 3 files: $(find "$DEST/conf")"

# 6. the same content again is skipped under every policy: file.txt's
# content (v3) under each, and file.txt.2's (v5) under rename.
for p in fail overwrite rename rename-v5; do
	if [ $p = rename-v5 ]; then cp "$WORK/v5" "$SRC/file.txt"; else cp "$WORK/v3" "$SRC/file.txt"; fi
	kf_send "$SRC" || fail "send (same content) exited $?"
	receive_until_idle "$DEST" --on-conflict "${p%-v5}" || fail "receive (same content, $p) exited $?"
	assert_recv "$RECV_LOG" present 1
	assert_recv "$RECV_LOG" quarantined 0
done
[ "$(find "$DEST/conf" -type f | wc -l)" = 3 ] || fail "same content: files were added: $(find "$DEST/conf")"
[ "$(quarantines)" = 1 ] || fail "same content: quarantined"
log "t_conflict passed"
