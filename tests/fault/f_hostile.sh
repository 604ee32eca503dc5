# SPDX-License-Identifier: Apache-2.0
# kf-timeout: 300
# Scenario 7: corrupted and forged transfers written into the topic by
# kf-forge, between batches of good files sent by kferry: a bit flipped in
# a chunk, a truncated chunk, a wrong chunk hash, a wrong file hash, a
# missing chunk, a commit that lies about the size, and a manifest (and
# commit) that lie about the size. Each forged file is quarantined with a
# reason.txt naming it, every good file arrives, and the partitions are
# not blocked: a second receiver of the group finds nothing left to read.
# CI: one forged file of each kind; --full: four of each, with more files.
source "$(dirname "$0")/lib.sh"

SRC=$WORK/src
DEST=$WORK/dest
KINDS=(bit-flip truncated chunk-hash file-hash missing-chunk size-lie manifest-lie)
ROUNDS=1
NSMALL=300
[ "$KF_FULL" = 0 ] || { ROUNDS=4; NSMALL=1000; }

send_batch() { # send_batch N: a batch of good files
	mkdir -p "$SRC/good$1"
	small_files "$SRC/good$1" "$NSMALL" 65536 6
	kf_send --chunk-size 16K "$SRC/good$1" || fail "send exited $?: $(tail -n 5 "$SEND_LOG")"
	assert_send_ok "$NSMALL"
}

FORGED=()
send_batch 0
for r in $(seq 1 "$ROUNDS"); do
	for k in "${KINDS[@]}"; do
		path=forged/$k-r$r
		"$KF_FORGE" -b "$BOOTSTRAP" -t "$TOPIC" "$k" --path "$path" --size $((200000 + RANDOM % 100000)) \
			--seed $((1 + RANDOM % 1000)) >>"$WORK/forge.out" 2>>"$WORK/forge.log" ||
			fail "kf-forge $k exited $?: $(tail -n 3 "$WORK/forge.log")"
		FORGED+=("$path")
		fault "forged $k transfer of $path"
	done
	send_batch "$r"
done

recv_start main "$DEST" --idle-exit 5
wait_exit "$RPID" 240 || fail "receiver exited $?: $(tail -n 5 "$WORK/recv.main.log")"
L=$WORK/recv.main.log
log "receiver: $(recv_summary "$L")"

problems=()
for p in "${FORGED[@]}"; do
	[ ! -e "$DEST/$p" ] || problems+=("$p: placed")
	q=$(grep -lxF "path: $p" "$DEST"/.kferry/quarantine/*/reason.txt 2>/dev/null | head -n 1)
	if [ -z "$q" ]; then
		problems+=("$p: no quarantine with a reason.txt naming it")
		continue
	fi
	grep -q '^reason: .' "$q" || problems+=("$p: reason.txt gives no reason")
	log "$p: $(grep '^reason: ' "$q")"
	grep -aqF "quarantined '$p'" "$L" || problems+=("$p: no 'quarantined' log line")
done
[ "$(recv_stat "$L" quarantined)" = ${#FORGED[@]} ] ||
	problems+=("summary: $(recv_stat "$L" quarantined) quarantined, expected ${#FORGED[@]}")
if [ ${#problems[@]} -gt 0 ]; then
	printf '  %s\n' "${problems[@]}" >&2
	grep -aE ' (warn|error) ' "$L" | cut -c1-220 | head -n 40 >&2 || true
	fail "${#problems[@]} problem(s) with forged transfers"
fi

# Nothing held back: the group's committed offsets passed every forged
# transfer, so a new member reads nothing again.
receive_until_idle "$DEST" "${RECV_OPTS[@]}" || fail "second receive exited $?"
assert_recv "$RECV_LOG" files 0
assert_recv "$RECV_LOG" present 0
assert_recv "$RECV_LOG" quarantined 0
left=$(find "$DEST/.kferry/tmp" -mindepth 1 -name '*.part' | head -n 5)
[ -z "$left" ] || fail "staging left: $left"
fault_finish "$SRC" "$DEST"
