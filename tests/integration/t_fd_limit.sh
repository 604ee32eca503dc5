# SPDX-License-Identifier: Apache-2.0
# A receiver with few file descriptors (ulimit -n 300) and a backlog of
# 3000 small files: it fits its open transfers to the limit, and running
# out of descriptors is retried, never turned into a quarantine or a lost
# file; a second receiver in the same group finds nothing left.
source "$(dirname "$0")/lib.sh"

N=3000
SRC=$WORK/src/fds
DEST=$WORK/dest
mkdir -p "$SRC"
for d in 0 1 2 3 4 5 6 7 8 9; do
	mkdir -p "$SRC/d$d"
done
perl -e '
	my ($root, $n) = @ARGV;
	for my $i (0 .. $n - 1) {
		my $p = sprintf("%s/d%d/f%05d", $root, $i % 10, $i);
		open(my $fh, ">:raw", $p) or die "$p: $!";
		print $fh "file $i\n" x (1 + $i % 50);
		close($fh) or die "$p: $!";
	}' "$SRC" "$N"

kf_send "$SRC" || fail "send exited $?: $(tail -n 5 "$SEND_LOG")"
assert_send_ok "$N"

# the whole backlog is waiting before the receiver starts
(ulimit -n 300 && receive_until_idle "$DEST") ||
	fail "receive exited $?: $(tail -n 5 "$WORK"/recv.*.log)"
RECV_LOG=$(ls "$WORK"/recv.*.log | tail -n 1)
grep -q "lowered to" "$RECV_LOG" || fail "the receiver did not fit its open transfers to ulimit -n"
assert_recv "$RECV_LOG" files "$N"
assert_recv "$RECV_LOG" quarantined 0
assert_trees_equal "$SRC" "$DEST/fds"
assert_private_clean "$DEST"

receive_until_idle "$WORK/dest2" || fail "second receive exited $?"
assert_recv "$RECV_LOG" files 0
log "t_fd_limit passed"
