# SPDX-License-Identifier: Apache-2.0
# A local user who can write the outbox swaps a file and a link to a 0600
# secret (renameat2 RENAME_EXCHANGE) over and over while kferry watch
# scans and sends: the secret must never reach the receiver. The daemon
# sends only the inode its scan listed and never follows a link below its
# directory (docs/watch.md, "Links and other users' files").
source "$(dirname "$0")/lib.sh"

IN=$WORK/outbox
PRIV=$WORK/private
DEST=$WORK/dest
SWAP_SECONDS=${KF_SWAP_SECONDS:-8}
mkdir -p "$IN" "$PRIV" "$DEST"
chmod 700 "$PRIV"
printf 'TOP-SECRET ed25519 private key of the kferry service\n' >"$PRIV/signing.key"
chmod 600 "$PRIV/signing.key"
printf 'quarterly report, nothing secret\n' >"$IN/report.txt"
ln -s "$PRIV/signing.key" "$IN/zz-link"

# The attacker: exchanges the two names every 200 us, and leaves
# report.txt a regular file when done.
swapper() {
	python3 - "$IN" report.txt zz-link "$SWAP_SECONDS" <<'PY'
import ctypes, os, sys, time
libc = ctypes.CDLL(None, use_errno=True)
d = os.open(sys.argv[1], os.O_RDONLY | os.O_DIRECTORY)
a, b = sys.argv[2].encode(), sys.argv[3].encode()
RENAME_EXCHANGE = 2
end, n = time.time() + float(sys.argv[4]), 0
while time.time() < end:
    if libc.renameat2(d, a, d, b, RENAME_EXCHANGE):
        sys.exit("renameat2: " + os.strerror(ctypes.get_errno()))
    n += 1
    time.sleep(0.0002)
if os.path.islink(os.path.join(sys.argv[1], sys.argv[2])):
    libc.renameat2(d, a, d, b, RENAME_EXCHANGE)
print(n)
PY
}

watch_start "$WORK/watch.log" --dir "$IN" --state-dir "$WORK/state" \
	--finished rename --after keep --rescan 1
swaps=$(swapper) || fail "the swapper failed: $swaps"
log "swapped report.txt and the link $swaps times"
# report.txt as it is now, unchanged since the last swap, is sent
wait_until 60 grep -q "sent cli/report.txt" "$WORK/watch.log"
sleep 2
watch_stop

receive_until_idle "$DEST" || fail "receive exited $?: $(tail -n 5 "$RECV_LOG")"
leaked=$(grep -rl "TOP-SECRET" "$DEST" || true)
[ -z "$leaked" ] || fail "the secret reached the receiver: $leaked"
[ "$(recv_stat "$RECV_LOG" files)" -ge 1 ] || fail "nothing was received"
grep -rlq "quarterly report" "$DEST" || fail "report.txt was not received"
sends=$(grep -c "sent cli/report.txt" "$WORK/watch.log" || true)
refused=$(grep -cE "link took the place|another file took its place" "$WORK/watch.log" || true)
note "$swaps swaps; report.txt sent $sends times, $refused attempts refused; the secret never left"
log "t_watch_links passed"
