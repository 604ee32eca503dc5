# SPDX-License-Identifier: Apache-2.0
# A forged MANIFEST whose file_size lies between the destination's free
# space and the size of its file system waits for space, but of such a
# transfer nothing but the MANIFEST ever came: it must not hold its
# partition's committed offset beyond receive.abandon_timeout. On a small
# loop-mounted file system (skipped without root or loop devices):
# run 1 abandons it and places the file behind it; run 2, in the same
# group, starts past both.
source "$(dirname "$0")/lib.sh"

: "${KF_FORGE:?}"
small_fs 128M
DEST=$MNT/dest
mkdir -p "$DEST"
free=$(free_bytes "$MNT")
fallocate -l $((free - 40 * MiB)) "$MNT/ballast"
free=$(free_bytes "$MNT")
size=$((free + 20 * MiB)) # fits the file system, not its free space
log "file system: $((free / MiB)) MiB free; the forged file claims $((size / MiB)) MiB"

T=$TOPIC-stall
create_topic "$T" 1
"$KF_FORGE" -b "$BOOTSTRAP" -t "$T" manifest-only --path huge/claims-too-much \
	--size $size >/dev/null 2>"$WORK/forge.log" || fail "kf-forge: $(cat "$WORK/forge.log")"
"$KF_FORGE" -b "$BOOTSTRAP" -t "$T" good --path after/ok --out "$WORK/ok.expected" \
	>/dev/null 2>"$WORK/forge.log" || fail "kf-forge: $(cat "$WORK/forge.log")"

run() { # run N: receives T into DEST until idle, at most 60 s
	RECV_LOG=$WORK/recv.$1.log
	local rc=0
	timeout 60 "$KFERRY" receive -b "$BOOTSTRAP" -t "$T" -g "$GROUP" --dest "$DEST" \
		--abandon-timeout 3 --idle-exit 3 2>"$RECV_LOG" || rc=$?
	log "receive #$1 exit $rc: $(recv_summary "$RECV_LOG")"
	[ $rc = 0 ] || fail "receiver #$1 exited $rc: $(tail -n 3 "$RECV_LOG")"
}
run 1
grep -aq "no space for 'huge/claims-too-much'" "$RECV_LOG" ||
	fail "the forged transfer did not wait for space: $(tail -n 5 "$RECV_LOG")"
grep -aq "'huge/claims-too-much': no data for 3 s" "$RECV_LOG" ||
	fail "the forged transfer was not abandoned: $(tail -n 5 "$RECV_LOG")"
cmp -s "$WORK/ok.expected" "$DEST/after/ok" || fail "after/ok was not placed"
assert_recv "$RECV_LOG" abandoned 1
run 2
grep -aq "claims-too-much" "$RECV_LOG" &&
	fail "run 2 read the forged transfer again: its offset was never committed"
assert_recv "$RECV_LOG" files 0
assert_recv "$RECV_LOG" present 0
assert_private_clean "$DEST"
log "t_stall_manifest passed"
