# SPDX-License-Identifier: Apache-2.0
# kf-timeout: 420
# kf-ci-load: cpu,io
# Scenario 3: the receiver SIGKILLed at seeded random moments while the
# sender keeps writing. Each round sends a new batch of files and starts a
# receiver; once it has its partitions it is killed 0.1 to 2.5 s later.
# After the last round one receiver drains the topic: every file is in
# DEST exactly once, nothing partial, nothing staged, nothing quarantined.
# CI: 20 rounds of small files; --full: 60 rounds with a larger file each.
source "$(dirname "$0")/lib.sh"

SRC=$WORK/src
DEST=$WORK/dest
ROUNDS=20
NSMALL=100
[ "$KF_FULL" = 0 ] || { ROUNDS=60; NSMALL=150; }

for r in $(seq 1 "$ROUNDS"); do
	mkdir -p "$SRC/b$r"
	small_files "$SRC/b$r" "$NSMALL" 32768 3
	random_file "$SRC/b$r/big.bin" $(((1 + 3 * KF_FULL) * MiB + r))

	recv_start "k$r" "$DEST"
	wait_log "$RPID" "$WORK/recv.k$r.log" assigned 60
	# the batch is sent while this receiver works: the kill lands in the
	# middle of it
	send_bg "b$r" --chunk-size 64K "$SRC/b$r"
	delay=$((100 + RANDOM % 2400))
	sleep_ms "$delay"
	kill -KILL "$RPID" 2>/dev/null ||
		fail "receiver $r was not running at its kill moment: $(tail -n 5 "$WORK/recv.k$r.log")"
	wait "$RPID" 2>/dev/null || true
	fault "receiver $r SIGKILLed ${delay} ms after its assignment ($(placed_count "$WORK/recv.k$r.log") files placed)"
	wait "$SPID" || fail "send of batch $r exited $?: $(tail -n 5 "$WORK/send.b$r.log")"
done

drain "$DEST"
assert_recv "$RECV_LOG" quarantined 0
! grep -aq "quarantined '" "$WORK"/recv.*.log || fail "a receiver quarantined something"
assert_private_clean "$DEST"
fault_finish "$SRC" "$DEST"
