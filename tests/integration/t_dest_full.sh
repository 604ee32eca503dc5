# SPDX-License-Identifier: Apache-2.0
# A destination without room: on a small ext4 file system (a loop mount;
# skipped without root or loop devices)
#  1. a file that does not fit yet waits ("waiting for space") and arrives
#     once space is freed;
#  2. a file larger than the whole file system does not fill it up: other
#     writers there must never find it full, other files still arrive, and
#     the transfer is quarantined at once, naming the size.
source "$(dirname "$0")/lib.sh"

small_fs 256M
DEST=$MNT/dest
mkdir -p "$DEST"

# ------------------------------------------------- 1. wait, then resume
free=$(free_bytes "$MNT")
ballast=$((free - 60 * MiB))
fallocate -l $ballast "$MNT/ballast"
log "file system: $((free / MiB)) MiB free, $((ballast / MiB)) MiB taken by ballast"

SRC=$WORK/src/wait
mkdir -p "$SRC"
random_file "$SRC/hundred.bin" $((100 * MiB))
kf_send "$SRC" || fail "send exited $?"
assert_send_ok 1

RLOG=$WORK/recv.wait.log
"$KFERRY" receive -b "$BOOTSTRAP" -t "$TOPIC" -g "$GROUP" --dest "$DEST" --idle-exit 3 2>"$RLOG" &
pid=$!
KF_BG_PIDS+=("$pid")
wait_log "$pid" "$RLOG" 'waiting for space' 30
log "receiver waits for space: $(grep -m1 'waiting for space' "$RLOG" | cut -c1-160)"
sleep 2
[ ! -e "$DEST/wait/hundred.bin" ] || fail "a file that cannot fit was placed"
rm -f "$MNT/ballast"
log "ballast removed"
rc=0
for _ in $(seq 1 600); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$pid" 2>/dev/null && fail "receiver still running 60 s after space was freed: $(tail -n 5 "$RLOG")"
wait "$pid" || rc=$?
[ $rc = 0 ] || fail "receiver exited $rc: $(tail -n 5 "$RLOG")"
log "receiver: $(recv_summary "$RLOG")"
assert_trees_equal "$SRC" "$DEST/wait"
assert_private_clean "$DEST"

# ------------------------------- 2. larger than the whole file system
"$KF_FORGE" -b "$BOOTSTRAP" -t "$TOPIC" vanish --path huge/one-gib --size $((1024 * MiB)) \
	>/dev/null 2>"$WORK/forge.log" || fail "kf-forge failed: $(cat "$WORK/forge.log")"
SRC2=$WORK/src/after
mkdir -p "$SRC2"
random_file "$SRC2/small.bin" $((2 * MiB))
kf_send "$SRC2" || fail "send exited $?"

# Free space, sampled as often as we can while the receiver runs.
SAMPLES=$WORK/free-samples
if command -v python3 >/dev/null 2>&1; then
	python3 - "$MNT" "$SAMPLES" <<'PY' &
import os, sys, time
mnt, out = sys.argv[1], sys.argv[2]
low, n, zero = None, 0, 0
end = time.time() + 25
while time.time() < end and not os.path.exists(out + ".stop"):
    s = os.statvfs(mnt)
    a = s.f_bavail * s.f_frsize
    n += 1
    zero += a < (1 << 20)
    low = a if low is None or a < low else low
with open(out, "w") as f:
    f.write("%d %d %d\n" % (n, low, zero))
PY
	KF_BG_PIDS+=($!)
	sampler=$!
else
	sampler=
	log "no python3: free space is not sampled"
fi
before=$(free_bytes "$MNT")
receive_until_idle "$DEST" --abandon-timeout 6 || fail "receive exited $?: $(tail -n 5 "$RECV_LOG")"
cmp -s "$DEST/after/small.bin" "$SRC2/small.bin" || fail "the small file did not arrive"
[ ! -e "$DEST/huge/one-gib" ] || fail "a file larger than the file system was placed"
# Larger than the whole file system: quarantined at once with the reason,
# nothing reserved, never waited for.
assert_recv "$RECV_LOG" quarantined 1
grep -q "larger than the whole file system" "$DEST"/.kferry/quarantine/*/reason.txt ||
	fail "no quarantine reason naming the size: $(cat "$DEST"/.kferry/quarantine/*/reason.txt 2>/dev/null)"
rm -rf "$DEST/.kferry/quarantine/"*
assert_private_clean "$DEST"
if [ -n "$sampler" ]; then
	touch "$SAMPLES.stop"
	wait "$sampler" || true
	read -r n low zero <"$SAMPLES"
	log "free space: $n samples, lowest $((low / 1024)) KiB (was $((before / MiB)) MiB), $zero samples under 1 MiB"
	[ "$zero" = 0 ] ||
		fail "the receiver filled the file system to the brim ($zero of $n samples had < 1 MiB free) trying to reserve a 1 GiB file on a $((before / MiB)) MiB one: other writers get ENOSPC"
fi
log "t_dest_full passed"
