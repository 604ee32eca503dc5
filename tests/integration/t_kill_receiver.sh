# SPDX-License-Identifier: Apache-2.0
# kf-timeout: 600
# A receiver SIGKILLed at random moments while it works, and restarted
# each time, ends with every file in place exactly once: no staging files,
# no duplicates (name.1), nothing quarantined, and an empty
# DEST/.kferry/tmp after the final clean exit.
#
# KF_SEED replays the kill moments of an earlier run; KF_KILLS sets how
# many kills (default 4).
source "$(dirname "$0")/lib.sh"

SRC=$WORK/src/tree
DEST=$WORK/dest
KILLS=${KF_KILLS:-4}
SEED=${KF_SEED:-$((RANDOM * 32768 + RANDOM))}
RANDOM=$SEED
note "seed $SEED (replay with KF_SEED=$SEED), $KILLS kills"

# ~300 MiB: four 64 MiB random files, 16 MiB of text, 2000 small files
mkdir -p "$SRC/big"
for i in 1 2 3 4; do random_file "$SRC/big/random$i.bin" $((64 * MiB)); done
text_file "$SRC/big/text.txt" $((16 * MiB))
small_files "$SRC" 2000 32768 20
NFILES=$(count_files "$SRC")
log "tree: $NFILES files, $(du -sh "$SRC" | cut -f1)"

kf_send "$SRC" || fail "send exited $?: $(tail -n 5 "$SEND_LOG")"
assert_send_ok "$NFILES"

# A killed member stays in the group until its session times out; keep
# that short so that each restart gets the partitions back soon.
RECV_OPTS=(-X session.timeout.ms=6000 -X heartbeat.interval.ms=500)

for k in $(seq 1 "$KILLS"); do
	klog=$WORK/recv.kill$k.log
	"$KFERRY" receive -b "$BOOTSTRAP" -t "$TOPIC" -g "$GROUP" --dest "$DEST" \
		"${RECV_OPTS[@]}" 2>"$klog" &
	pid=$!
	KF_BG_PIDS+=("$pid")
	# kill while it works: after it got its partitions
	wait_log "$pid" "$klog" assigned 60
	# the staging of the killed instances is gone: only this one's is left
	# (its directory and its lock file)
	insts=$(find "$DEST/.kferry/tmp" -mindepth 1 -maxdepth 1 -printf '%f\n' | sed 's/\.lock$//' | sort -u)
	[ "$(printf '%s\n' "$insts" | grep -c .)" = 1 ] ||
		fail "receiver $k: staging of other instances left in .kferry/tmp: $(echo $insts)"
	delay=$((100 + RANDOM % 3000))
	sleep "$(awk -v ms=$delay 'BEGIN { printf "%.3f", ms / 1000 }')"
	kill -KILL "$pid" 2>/dev/null || fail "receiver $k was not running at its kill moment: $(tail -n 5 "$klog")"
	wait "$pid" 2>/dev/null || true
	have=$(count_files "$DEST/tree" 2>/dev/null || echo 0)
	staged=$(find "$DEST/.kferry/tmp" -name '*.part' 2>/dev/null | wc -l)
	note "kill $k: SIGKILL ${delay} ms after the assignment; $have of $NFILES files in place, $staged staging files left"
done

receive_until_idle "$DEST" "${RECV_OPTS[@]}" || fail "final receive exited $?: $(tail -n 5 "$RECV_LOG")"
assert_recv "$RECV_LOG" quarantined 0
assert_trees_equal "$SRC" "$DEST/tree"
[ "$(count_files "$DEST")" -eq "$NFILES" ] || fail "$(count_files "$DEST") files in DEST, expected $NFILES"
assert_private_clean "$DEST"
! grep -aq 'quarantined' "$WORK"/recv.kill*.log || fail "a killed receiver quarantined something"
log "t_kill_receiver passed (seed $SEED)"
