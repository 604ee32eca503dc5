# SPDX-License-Identifier: Apache-2.0
# kf-timeout: 300
# Scenario 6: the receiver's disk full. DEST is a small tmpfs (64 MiB a
# round; needs root and mount, skipped otherwise), nearly filled by a
# ballast file. The receiver must report that it waits for space, never
# show a partial file in DEST while it waits, and complete the transfer
# once the ballast is removed. CI: one round; --full: three rounds.
source "$(dirname "$0")/lib.sh"

ROUNDS=1
[ "$KF_FULL" = 0 ] || ROUNDS=3
[ "$(id -u)" = 0 ] || skip "needs root to mount a small tmpfs as DEST"
MNT=$WORK/mnt
mkdir -p "$MNT"
# 64 MiB for each round: the files of earlier rounds stay in DEST
mount -t tmpfs -o size=$((64 * ROUNDS))m kf-fault-dest "$MNT" 2>"$WORK/mount.log" ||
	skip "mount -t tmpfs is not permitted here: $(cat "$WORK/mount.log")"
on_exit "umount '$MNT' 2>/dev/null || umount -l '$MNT'"
SRC=$WORK/src
DEST=$MNT/dest
mkdir -p "$DEST"

for r in $(seq 1 "$ROUNDS"); do
	mkdir -p "$SRC/r$r"
	for i in 1 2 3; do random_file "$SRC/r$r/f$i.bin" $(((6 + RANDOM % 6) * MiB)); done
	small_files "$SRC/r$r" 100 32768 2
	# leave 2..6 MiB: some small files fit, no large one does
	free=$(free_bytes "$MNT")
	left=$(((2 + RANDOM % 4) * MiB))
	fallocate -l $((free - left)) "$MNT/ballast" 2>/dev/null ||
		head -c $((free - left)) /dev/zero >"$MNT/ballast"
	kf_send --chunk-size 256K "$SRC/r$r" || fail "send exited $?: $(tail -n 5 "$SEND_LOG")"
	assert_send_ok "$(count_files "$SRC/r$r")"

	recv_start "r$r" "$DEST" --idle-exit 3
	wait_log "$RPID" "$WORK/recv.r$r.log" 'waiting for space' 60
	fault "DEST full: $(((free - left) / MiB)) MiB of ballast, $((left / MiB)) MiB left"
	sleep 3
	# While it waits nothing partial is visible: every file in DEST is
	# an exact source file.
	account "$SRC" "$DEST"
	[ "$PARTIAL$DUPS" = 00 ] || fail "while DEST was full: $PARTIAL partial, $DUPS duplicated file(s) visible"
	log "while full: $(count_files "$DEST") exact files in DEST, $(find "$DEST/.kferry/tmp" -name '*.part' | wc -l) staged"
	rm -f "$MNT/ballast"
	log "ballast removed"
	wait_exit "$RPID" 120 || fail "receiver exited $?: $(tail -n 5 "$WORK/recv.r$r.log")"
	log "receiver: $(recv_summary "$WORK/recv.r$r.log")"
	assert_recv "$WORK/recv.r$r.log" quarantined 0
done
assert_private_clean "$DEST"
fault_finish "$SRC" "$DEST"
