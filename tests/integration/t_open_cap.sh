# SPDX-License-Identifier: Apache-2.0
# receive.max_open_transfers must never turn into loss. With a cap of 4
# on one partition:
#  1. 12 good transfers written by kind (12 MANIFESTs, then every chunk 0,
#     chunk 1, then 12 COMMITs): the frames the first four wait for lie
#     behind eight more MANIFESTs. All 12 are placed, none abandoned.
#  2. a good transfer under way (MANIFEST and chunk 0), then 12 MANIFESTs
#     that never go on, then the rest of the good one: it is placed; the
#     12 are abandoned after the abandon timeout, a few at a time.
#  3. as 1, with 24 transfers over 3 partitions: they share the cap, and
#     each partition is rewound on its own;
#  4. kferry replay of the topic of 1 with the same cap restores all 12.
#  5. the smallest caps, 1 and 2, on small files sent as FILE frames and
#     a file of several chunks among them: every file is placed (a cap
#     of 1 once left no room for a FILE frame, and the receiver read
#     nothing).
source "$(dirname "$0")/lib.sh"

: "${KF_FORGE:?}"
CAP=(-o receive.max_open_transfers=4 --abandon-timeout 3)
# recv TOPIC DEST: receives TOPIC with the cap until idle (at most 120 s);
# fails on an error exit or a file lost
recv() {
	local rc=0
	KF_RECV_N=$((KF_RECV_N + 1))
	RECV_LOG=$WORK/recv.$KF_RECV_N.log
	timeout 120 "$KFERRY" receive -b "$BOOTSTRAP" -t "$1" -g "$GROUP-$1" --dest "$2" \
		--idle-exit 3 "${CAP[@]}" 2>"$RECV_LOG" || rc=$?
	log "receive #$KF_RECV_N exit $rc: $(recv_summary "$RECV_LOG")"
	[ $rc = 0 ] || fail "receiver exited $rc: $(tail -n 5 "$RECV_LOG")"
	if grep -aq "LOST" "$RECV_LOG"; then
		fail "a file was lost: $(grep -a LOST "$RECV_LOG" | head -n 2)"
	fi
}
same_files() { # same_files NAME N DEST: DEST/NAME/f.I is the forged $WORK/NAME.I, I < N
	local i
	for i in $(seq 0 $(($2 - 1))); do
		cmp -s "$WORK/$1.$i" "$3/$1/f.$i" || fail "$1/f.$i is missing or differs in $3"
	done
}
# flood NAME PARTITIONS N: N good transfers forged into the new topic
# $TOPIC-NAME and received into $WORK/NAME.dest: all placed intact, none
# abandoned
flood() {
	local dest=$WORK/$1.dest
	create_topic "$TOPIC-$1" "$2"
	FORGE_TOPIC="$TOPIC-$1" forge good --count "$3" --path "$1/f" --size 100000 --chunk-size 65536 \
		--out "$WORK/$1"
	recv "$TOPIC-$1" "$dest"
	assert_recv "$RECV_LOG" files "$3"
	assert_recv "$RECV_LOG" abandoned 0
	assert_recv "$RECV_LOG" lost 0
	same_files "$1" "$3" "$dest"
	assert_private_clean "$dest"
}

# ------------------------------------------- 1. a flood of good transfers
flood flood 1 12
grep -aq "re-reading from offset" "$RECV_LOG" ||
	fail "the deferred transfers were not re-read: $(tail -n 5 "$RECV_LOG")"
assert_recv "$RECV_LOG" rejected 0

# -------------------------------- 2. stalled MANIFESTs fill the cap
T2=$TOPIC-stall
create_topic "$T2" 1
XID=00112233445566778899aabbccddeeff
FORGE_TOPIC="$T2" forge vanish --xid $XID --path good/under-way --size 200000 --chunk-size 65536
FORGE_TOPIC="$T2" forge manifest-only --count 12 --path hostile/h --size 100000
FORGE_TOPIC="$T2" forge tail --xid $XID --path good/under-way --size 200000 --chunk-size 65536 \
	--first-chunk 1 --out "$WORK/under-way"
D2=$WORK/dest2
recv "$T2" "$D2"
cmp -s "$WORK/under-way" "$D2/good/under-way" ||
	fail "the transfer under way was not placed: $(grep -a under-way "$RECV_LOG" | head -n 3)"
assert_recv "$RECV_LOG" files 1
assert_recv "$RECV_LOG" abandoned 12
assert_recv "$RECV_LOG" lost 0
[ -z "$(ls -A "$D2/hostile" 2>/dev/null)" ] || fail "a never-committed transfer became visible"
assert_private_clean "$D2"
# ------------------------------------ 3. the same over three partitions
flood three 3 24

# ----------------------------------------- 4. a replay under the cap
D4=$WORK/dest4
RLOG=$WORK/replay.log
timeout 120 "$KFERRY" replay -b "$BOOTSTRAP" -t "$TOPIC-flood" -d "$D4" --from-beginning \
	-o receive.max_open_transfers=4 2>"$RLOG" || fail "replay exited $?: $(tail -n 5 "$RLOG")"
log "replay: $(recv_summary "$RLOG")"
grep -aq "re-reading from offset" "$RLOG" || fail "the replay deferred nothing: $(tail -n 5 "$RLOG")"
assert_recv "$RLOG" restored 12
assert_recv "$RLOG" incomplete 0
same_files flood 12 "$D4"
# ------------------------------------------- 5. the smallest caps
S5=$WORK/src5
mkdir -p "$S5"
small_files "$S5" 60 3000 3
random_file "$S5/large" 200000
T5=$TOPIC
for cap in 1 2; do
	TOPIC=$T5-small$cap
	create_topic "$TOPIC" 2
	kf_send --chunk-size 64KiB "$S5" || fail "send exited $?: $(tail -n 5 "$SEND_LOG")"
	CAP=(-o receive.max_open_transfers=$cap)
	recv "$TOPIC" "$WORK/dest5-$cap"
	assert_recv "$RECV_LOG" files 61
	assert_trees_equal "$S5" "$WORK/dest5-$cap/src5"
	assert_private_clean "$WORK/dest5-$cap"
done
log "t_open_cap passed"
