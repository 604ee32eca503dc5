# SPDX-License-Identifier: Apache-2.0
# kf-alone: it sends 100k small files as fast as they go (a test beside it would skew both)
# kf-timeout: 900
# Many small files (KF_MANY, default 100000; 1..4 KiB each, in 100
# directories) all arrive; prints files/s for send and receive.
source "$(dirname "$0")/lib.sh"

N=${KF_MANY:-100000}
SRC=$WORK/src/many
DEST=$WORK/dest
mkdir -p "$SRC"

t0=$(now)
# perl is part of every Debian system; one process writes all the files.
perl -e '
	my ($root, $n) = @ARGV;
	open(my $rnd, "<:raw", "/dev/urandom") or die "urandom: $!";
	mkdir sprintf("%s/d%02d", $root, $_) for 0 .. 99;
	for my $i (0 .. $n - 1) {
		my $size = 1024 + int(rand(3073));      # 1..4 KiB
		read($rnd, my $buf, $size) == $size or die "short read";
		my $p = sprintf("%s/d%02d/f%06d", $root, $i % 100, $i);
		open(my $fh, ">:raw", $p) or die "$p: $!";
		print $fh $buf;
		close($fh) or die "$p: $!";
	}' "$SRC" "$N"
[ "$(count_files "$SRC")" -eq "$N" ] || fail "test setup: made $(count_files "$SRC") files, expected $N"
log "made $N files in $(elapsed "$t0") s ($(du -sh "$SRC" | cut -f1))"

kf_send "$SRC" || fail "send exited $?: $(tail -n 5 "$SEND_LOG")"
assert_send_ok "$N"
secs=$(json_field "$SEND_JSON" seconds)
note "send: $N files in $secs s = $(awk -v n="$N" -v s="$secs" 'BEGIN { printf "%.0f", n / s }') files/s"

receive_until_idle "$DEST" || fail "receive exited $?: $(tail -n 5 "$RECV_LOG")"
assert_recv "$RECV_LOG" files "$N"
assert_recv "$RECV_LOG" quarantined 0
assert_recv "$RECV_LOG" rejected 0
# the receive's own time: from the first to the last file placed
first=$(grep -am1 "recv: received '" "$RECV_LOG" | cut -d' ' -f1)
last=$(grep -a "recv: received '" "$RECV_LOG" | tail -n 1 | cut -d' ' -f1)
span=$(($(date -d "$last" +%s%3N) - $(date -d "$first" +%s%3N)))
[ "$span" -gt 0 ] || span=1
note "receive: $N files in $(awk -v ms="$span" 'BEGIN { printf "%.1f", ms / 1000 }') s (first to last file) = $((N * 1000 / span)) files/s; $RECV_SECONDS s in all"

[ "$(count_files "$DEST/many")" -eq "$N" ] || fail "received $(count_files "$DEST/many") files, expected $N"
t0=$(now)
assert_trees_equal "$SRC" "$DEST/many"
log "compared the trees in $(elapsed "$t0") s"
assert_private_clean "$DEST"
log "t_many_small passed"
