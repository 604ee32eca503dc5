# SPDX-License-Identifier: Apache-2.0
# kferry replay rebuilds a destination from the topic: files deleted from
# DEST come back, files still there are left untouched (same inode, mtime
# and ctime), --from-time restores only what was sent after that time, and
# a transfer cut by the start position is reported, not ignored.
source "$(dirname "$0")/lib.sh"

DEST=$WORK/dest
SRC=$WORK/src
mkdir -p "$SRC/tree/one" "$SRC/tree/two"

# batch 1: small files and one of several chunks; then batch 2
for i in 1 2 3 4 5 6; do text_file "$SRC/tree/one/f$i.txt" $((i * 7000)) "$i"; done
random_file "$SRC/tree/one/big.bin" $((2 * MiB + 12345))
# Three-frame transfers (not FILE frames, docs/protocol.md section 3.7),
# so that a start at offset 1 cuts the first transfer of each partition.
kf_send -o send.file_frames=false "$SRC/tree" || fail "send of batch 1 exited $?"
assert_send_ok 7
sleep 1
T=$(date +%s%3N) # between the two sends
sleep 1
for i in 1 2 3 4 5; do text_file "$SRC/tree/two/g$i.txt" $((i * 5000)) "$((i + 10))"; done
kf_send -o send.file_frames=false "$SRC/tree/two" || fail "send of batch 2 exited $?"
assert_send_ok 5
# batch 2 was sent as a tree of its own ("two/..."): place it like batch 1
mkdir -p "$WORK/want"
cp -a "$SRC/tree" "$WORK/want/tree"
mv "$WORK/want/tree/two" "$WORK/want/two"

receive_until_idle "$DEST" || fail "receiver exited $?"
assert_trees_equal "$WORK/want" "$DEST"

KF_REPLAY_N=0
# replay DEST [replay options]: sets REPLAY_LOG, REPLAY_RC.
replay() {
	local dest=$1 t0
	shift
	KF_REPLAY_N=$((KF_REPLAY_N + 1))
	REPLAY_LOG=$WORK/replay.$KF_REPLAY_N.log
	REPLAY_RC=0
	t0=$(now)
	"$KFERRY" replay -b "$BOOTSTRAP" -t "$TOPIC" -d "$dest" "$@" 2>"$REPLAY_LOG" || REPLAY_RC=$?
	log "replay #$KF_REPLAY_N ($*) exit $REPLAY_RC in $(elapsed "$t0") s: $(grep -a '^kferry: replay' "$REPLAY_LOG" || tail -n 3 "$REPLAY_LOG")"
}
# replay_stat WHAT / assert_replay WHAT N: the last replay's summary.
replay_stat() { recv_stat "$REPLAY_LOG" "$1"; }
assert_replay() { assert_recv "$REPLAY_LOG" "$1" "$2"; }
# identity DIR: inode, mtime and ctime (ns) of every file, sorted.
identity() { (cd "$1" && find . -path ./.kferry -prune -o -type f -printf '%i %T@ %C@ %P\n' | sort -k4); }

# 1. --from-beginning restores what was deleted and touches nothing else.
rm "$DEST/tree/one/f2.txt" "$DEST/tree/one/big.bin" "$DEST/two/g4.txt"
before=$(identity "$DEST")
replay "$DEST" --from-beginning
[ "$REPLAY_RC" = 0 ] || fail "replay --from-beginning exited $REPLAY_RC: $(tail -n 5 "$REPLAY_LOG")"
assert_replay restored 3
assert_replay skipped 9
assert_replay incomplete 0
assert_trees_equal "$WORK/want" "$DEST"
after=$(identity "$DEST" | grep -v -e ' tree/one/f2.txt$' -e ' tree/one/big.bin$' -e ' two/g4.txt$')
[ "$before" = "$after" ] || {
	diff <(printf '%s\n' "$before") <(printf '%s\n' "$after") | head -n 10 >&2
	fail "replay touched files that were already present"
}
grep -aq "no group, no commits" "$REPLAY_LOG" || fail "replay did not say it reads outside the group"

# 2. --from-time between the sends restores only batch 2.
rm "$DEST/tree/one/f3.txt" "$DEST/two/g1.txt" "$DEST/two/g5.txt"
replay "$DEST" --from-time "$T"
[ "$REPLAY_RC" = 0 ] || fail "replay --from-time exited $REPLAY_RC: $(tail -n 5 "$REPLAY_LOG")"
assert_replay restored 2
assert_replay skipped 3
[ -f "$DEST/two/g1.txt" ] && [ -f "$DEST/two/g5.txt" ] || fail "batch 2 files not restored"
[ ! -e "$DEST/tree/one/f3.txt" ] || fail "--from-time restored a file of batch 1"
cp -a "$SRC/tree/one/f3.txt" "$DEST/tree/one/f3.txt"
assert_trees_equal "$WORK/want" "$DEST"
# the same time as RFC 3339
rm "$DEST/two/g2.txt"
replay "$DEST" --from-time "$(date -u -d "@$((T / 1000)).$(printf '%03d' $((T % 1000)))" +%Y-%m-%dT%H:%M:%S.%3NZ)"
[ "$REPLAY_RC" = 0 ] && [ "$(replay_stat restored)" = 1 ] || fail "replay --from-time RFC 3339: exit $REPLAY_RC"
assert_trees_equal "$WORK/want" "$DEST"

# 3. A start inside the transfers: those cut are named and counted, the
# replay fails, and nothing half-made appears.
EMPTY=$WORK/empty
replay "$EMPTY" --from-offset 1
[ "$REPLAY_RC" = 1 ] || fail "replay from inside transfers exited $REPLAY_RC, expected 1"
cut=$(replay_stat incomplete)
[ "$cut" -ge 1 ] || fail "no transfer reported as cut by the start position"
[ "$(grep -ac 'began before the start position' "$REPLAY_LOG")" = "$cut" ] ||
	fail "$cut incomplete but $(grep -ac 'began before the start position' "$REPLAY_LOG") log lines"
[ "$(($(replay_stat restored) + cut))" = 12 ] || fail "restored + cut is not the 12 files sent"
(cd "$EMPTY" && find . -path ./.kferry -prune -o -type f -print) | while read -r f; do
	cmp -s "$EMPTY/$f" "$WORK/want/$f" || fail "$f differs from the source"
done
[ -z "$(find "$EMPTY/.kferry/tmp" -mindepth 1 | head -n 1)" ] || fail "staging left behind"

# 4. A present file with other content follows the conflict policy: kept
# (the replayed copy quarantined, the replay fails), or overwritten.
printf 'changed by hand\n' >"$DEST/two/g3.txt"
replay "$DEST" --from-time "$T"
[ "$REPLAY_RC" = 1 ] || fail "replay over a changed file (policy fail) exited $REPLAY_RC, expected 1"
assert_replay quarantined 1
assert_replay skipped 4
[ "$(cat "$DEST/two/g3.txt")" = "changed by hand" ] || fail "policy fail replaced the present file"
replay "$DEST" --from-time "$T" --on-conflict overwrite
[ "$REPLAY_RC" = 0 ] || fail "replay --on-conflict overwrite exited $REPLAY_RC"
assert_replay restored 1
assert_trees_equal "$WORK/want" "$DEST"

# 5. The live group was never touched: its receiver finds nothing new.
receive_until_idle "$DEST" || fail "receiver exited $?"
assert_recv "$RECV_LOG" files 0
assert_recv "$RECV_LOG" present 0
log "t_replay passed: deleted files restored, present ones untouched, --from-time and cut transfers right"
