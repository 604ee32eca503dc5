# SPDX-License-Identifier: Apache-2.0
# Two versions of one path on one partition, the older sealed (its
# MANIFEST is opened by a job), the newer plain: the MANIFESTs first,
# then the chunks, then the COMMITs. Whenever the older one's job ends,
# only the newer version may win: the file holds version 2, and version
# 1 is the one abandoned. Three paths, so that a receiver deciding by job
# completion order would fail.
source "$(dirname "$0")/lib.sh"

: "${KF_FORGE:?}"
KEYS=$WORK/keys
mkdir -p "$KEYS"
"$KFERRY" keygen --type x25519 --out "$KEYS/receiver.key" >/dev/null
T=$TOPIC-versions
create_topic "$T" 1
NAMES=(a b c)
for n in "${NAMES[@]}"; do
	"$KF_FORGE" -b "$BOOTSTRAP" -t "$T" good --count 2 --same-path --seal-first-only \
		--encrypt-to "$KEYS/receiver.key.pub" --path "conf/$n.conf" --size 100000 \
		--out "$WORK/$n" >>"$WORK/forge.out" 2>>"$WORK/forge.log" ||
		fail "kf-forge exited $?: $(tail -n 3 "$WORK/forge.log")"
done
DEST=$WORK/dest
RECV_LOG=$WORK/recv.log
timeout 60 "$KFERRY" receive -b "$BOOTSTRAP" -t "$T" -g "$GROUP" --dest "$DEST" \
	-o "receive.decrypt_keys=$KEYS/receiver.key" --idle-exit 3 2>"$RECV_LOG" ||
	fail "receiver exited $?: $(tail -n 5 "$RECV_LOG")"
log "receiver: $(recv_summary "$RECV_LOG")"
for n in "${NAMES[@]}"; do
	cmp -s "$WORK/$n.1" "$DEST/conf/$n.conf" ||
		fail "conf/$n.conf does not hold version 2: $(grep -a "$n.conf" "$RECV_LOG" | head -n 4)"
done
assert_recv "$RECV_LOG" files 3
assert_recv "$RECV_LOG" abandoned 3
[ "$(count_files "$DEST/conf")" = 3 ] || fail "more than one file per path: $(ls "$DEST/conf")"
log "t_sealed_supersede passed"
