# SPDX-License-Identifier: Apache-2.0
# A busy receiver loses its partitions to a rebalance and gets some back,
# then is SIGKILLed a moment later. Its offsets may only have been
# committed for files that are durable (docs/protocol.md section 7), so a
# restarted receiver must still deliver every file.
source "$(dirname "$0")/lib.sh"

SRC=$WORK/src/many
DEST=$WORK/dest
N=3000
mkdir -p "$SRC"
perl -e '
	my ($root, $n) = @ARGV;
	open(my $rnd, "<:raw", "/dev/urandom") or die;
	for my $i (0 .. $n - 1) {
		my $d = sprintf("%s/d%02d", $root, $i % 20);
		mkdir $d;
		my $size = 1 + int(rand(16384));
		read($rnd, my $buf, $size) == $size or die;
		open(my $fh, ">:raw", "$d/f$i") or die "$d/f$i: $!";
		print $fh $buf;
		close($fh) or die;
	}' "$SRC" $N
kf_send "$SRC" || fail "send exited $?: $(tail -n 5 "$SEND_LOG")"
assert_send_ok $N

OPTS=(-X session.timeout.ms=6000 -X heartbeat.interval.ms=500)
R1=$WORK/recv.r1.log
R2=$WORK/recv.r2.log
"$KFERRY" receive -b "$BOOTSTRAP" -t "$TOPIC" -g "$GROUP" --dest "$DEST" "${OPTS[@]}" 2>"$R1" &
p1=$!
KF_BG_PIDS+=($p1)
for _ in $(seq 1 300); do grep -qs assigned "$R1" && break; sleep 0.05; done
grep -qs assigned "$R1" || fail "receiver 1 got no partitions"
sleep 0.3
# a second member joins: receiver 1 loses all four partitions, gets two back
"$KFERRY" receive -b "$BOOTSTRAP" -t "$TOPIC" -g "$GROUP" --dest "$DEST" "${OPTS[@]}" 2>"$R2" &
p2=$!
KF_BG_PIDS+=($p2)
for _ in $(seq 1 600); do [ "$(grep -c assigned "$R1")" -ge 2 ] && break; sleep 0.02; done
[ "$(grep -c assigned "$R1")" -ge 2 ] || fail "no rebalance seen by receiver 1"
log "rebalanced: receiver 1 $(grep assigned "$R1" | tail -n 1 | cut -d' ' -f4-)"
sleep 1.2 # two commit ticks
kill -KILL $p1
kill -TERM $p2
wait $p1 $p2 2>/dev/null || true
log "receiver 1 killed: $(count_files "$DEST") of $N files in place; it logged" \
	"$(grep -c 'already in use' "$R1" || true) 'transfer id is already in use' rejections"

receive_until_idle "$DEST" "${OPTS[@]}" || fail "final receive exited $?"
have=$(count_files "$DEST")
if [ "$have" -ne $N ]; then
	missing=$(comm -23 <(cd "$SRC" && find . -type f | sort) <(cd "$DEST/many" && find . -type f | sort) | head -n 3 | tr '\n' ' ' || true)
	fail "$((N - have)) of $N files lost (e.g. $missing): their offsets were committed before they were placed"
fi
assert_trees_equal "$SRC" "$DEST/many"
assert_private_clean "$DEST"
log "t_rebalance_kill passed"
