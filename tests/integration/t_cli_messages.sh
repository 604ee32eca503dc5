# What the command line says about a bad argument: `kferry send` of a
# path that does not exist names the path once, with no empty field
# (before: "send failed: : /x: No such file or directory").
source "$(dirname "$0")/lib.sh"

rc=0
"$KFERRY" send -b "$BOOTSTRAP" -t "$TOPIC" --no-progress "$WORK/nonexistent" 2>"$WORK/send.err" || rc=$?
[ "$rc" = 1 ] || fail "send of a missing path exited $rc, expected 1: $(cat "$WORK/send.err")"
want="kferry: send failed: $WORK/nonexistent: No such file or directory"
grep -qxF "$want" "$WORK/send.err" || fail "no line '$want' in: $(cat "$WORK/send.err")"
grep -q ': : ' "$WORK/send.err" && fail "an empty field in: $(cat "$WORK/send.err")"
log "send of a missing path: $want"
