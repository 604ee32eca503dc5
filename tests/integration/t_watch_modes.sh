# SPDX-License-Identifier: Apache-2.0
# kferry watch from a config file: a rename route (temp names ignored,
# then moved into dated folders), a marker route (nothing sent before its
# trigger file; kept, and sent again when changed), a restart that sends
# nothing again (ledger), and SIGHUP adding a route.
source "$(dirname "$0")/lib.sh"

R=$WORK/in-rename
M=$WORK/in-marker
N=$WORK/in-new
SENT=$WORK/sent
REF=$WORK/ref
DEST=$WORK/dest
CONF=$WORK/kferry.conf
mkdir -p "$R/sub" "$M" "$N" "$REF/sub"
cat >"$CONF" <<CONF
chunk_size = 256K
[watch]
state_dir = $WORK/state
rescan_seconds = 2
[route.ren]
dir = $R
finished = rename
after = move:$SENT/%Y-%m-%d
[route.mark]
dir = $M
finished = marker
after = keep
CONF
sent_count() { grep -c "watch: sent $1" "$WORK/$2" || true; }
# sent_is PATTERN LOG N: the daemon logged N "sent PATTERN..." lines.
sent_is() { [ "$(sent_count "$1" "$2")" = "$3" ]; }

watch_start "$WORK/watch.1.log" -c "$CONF"

# rename: written slowly under a temp name, then renamed in
random_file "$REF/a.csv" $((1024 * 1024 + 7))
random_file "$REF/sub/b.csv" 12345
slow_copy "$REF/a.csv" "$R/a.csv.tmp"
cp -p "$REF/sub/b.csv" "$R/sub/b.csv.part"
sleep 3
[ "$(sent_count ren/ watch.1.log)" = 0 ] || fail "a temp file was sent"
mv "$R/a.csv.tmp" "$R/a.csv"
mv "$R/sub/b.csv.part" "$R/sub/b.csv"

# marker: nothing is sent before the trigger file
text_file "$REF/m1.dat" 50000
text_file "$REF/m2.dat" 70000 3
cp -p "$REF/m1.dat" "$REF/m2.dat" "$M/"
sleep 3
[ "$(sent_count mark/ watch.1.log)" = 0 ] || fail "a file was sent before its marker"
: >"$M/m1.dat.done"
: >"$M/m2.dat.ok"

DAY=$(date +%Y-%m-%d)
wait_until 60 test -f "$SENT/$DAY/a.csv"
wait_until 60 test -f "$SENT/$DAY/sub/b.csv"
wait_until 60 sent_is mark/ watch.1.log 2
empty_dir "$R" || fail "$R still holds files after move"
cmp "$SENT/$DAY/a.csv" "$REF/a.csv" || fail "moved a.csv differs"
[ -f "$M/m1.dat" ] && [ -f "$M/m1.dat.done" ] || fail "after = keep removed a file"

receive_until_idle "$DEST" || fail "receive exited $?"
assert_recv "$RECV_LOG" files 4
assert_recv "$RECV_LOG" quarantined 0
assert_trees_equal "$REF" "$DEST"

# keep + a change: sent again (replaced atomically; its marker stays)
text_file "$WORK/m1.new" 60000 9
cp -p "$WORK/m1.new" "$REF/m1.dat"
mv "$WORK/m1.new" "$M/m1.dat"
wait_until 60 sent_is mark/m1.dat watch.1.log 2
receive_until_idle "$DEST" --on-conflict overwrite || fail "receive exited $?"
assert_recv "$RECV_LOG" files 1
assert_trees_equal "$REF" "$DEST"

# restart: the ledger says everything was sent
watch_stop
watch_start "$WORK/watch.2.log" -c "$CONF"
sleep 6
[ "$(sent_count "" watch.2.log)" = 0 ] ||
	fail "the restarted daemon sent again: $(grep 'watch: sent' "$WORK/watch.2.log")"
receive_until_idle "$DEST" || fail "receive exited $?"
assert_recv "$RECV_LOG" files 0
assert_recv "$RECV_LOG" present 0

# SIGHUP with a new route
cat >>"$CONF" <<CONF
[route.new]
dir = $N
stable_seconds = 1
CONF
kill -HUP "$WATCH_PID"
wait_until 20 grep -q "route new added" "$WORK/watch.2.log"
printf 'new route\n' >"$N/n.txt"
cp -p "$N/n.txt" "$REF/n.txt"
wait_until 60 empty_dir "$N"
receive_until_idle "$DEST" || fail "receive exited $?"
assert_recv "$RECV_LOG" files 1
assert_recv "$RECV_LOG" quarantined 0
assert_trees_equal "$REF" "$DEST"
watch_stop
log "t_watch_modes passed"
