# SPDX-License-Identifier: Apache-2.0
# Text a sender chooses never reaches the log or reason.txt raw: an ABORT
# whose reason forges a log line, a journal priority and terminal escapes,
# and a quarantined transfer whose origin host name does the same, give
# one escaped line each in the text and JSON logs and an escaped
# reason.txt.
source "$(dirname "$0")/lib.sh"

: "${KF_FORGE:?}"
FORGED='disk error\x0a2026-12-01T21:30:00.000Z info  recv: received '\''payroll.xlsx'\'' (1048576 bytes, 12 ms): placed\x0a<0>emerg recv: \x1b[2J\x1b[31mFORGED'
ORIGIN='evil\x0a<0>emerg \x1b[2J'

forge abort --path victim.txt --reason "$FORGED"
forge chunk-hash --path quarantined.txt --origin "$ORIGIN"
XID=$(awk 'NR == 2 { print $2 }' "$WORK/forge.out")
[ -n "$XID" ] || fail "kf-forge printed no transfer id: $(cat "$WORK/forge.out")"

# clean LOG: exactly one line per record, no raw control byte anywhere
clean() {
	! LC_ALL=C grep -aq $'[\x01-\x08\x0b-\x1f\x7f]' "$1" ||
		fail "$1 holds a control byte: $(LC_ALL=C grep -an $'[\x01-\x08\x0b-\x1f\x7f]' "$1" | cat -v | head -n 3)"
	! grep -aq '^<0>' "$1" || fail "$1: a forged line starts with <0>"
	! grep -aq '^2026-12-01T21:30:00.000Z' "$1" || fail "$1: a forged line with a forged time"
}

receive_until_idle "$WORK/dest" || fail "receive exited $?: $(tail -n 3 "$RECV_LOG")"
clean "$RECV_LOG"
grep -aF "'victim.txt': the sender gave up: disk error\\n2026-12-01T21:30:00.000Z info  recv: received 'payroll.xlsx' (1048576 bytes, 12 ms): placed\\n<0>emerg recv: \\x1b[2J\\x1b[31mFORGED" "$RECV_LOG" >/dev/null ||
	fail "no escaped ABORT line: $(grep -a 'gave up' "$RECV_LOG" | cat -v)"
[ "$(grep -ac 'FORGED' "$RECV_LOG")" = 1 ] || fail "the reason is on more than one line"

REASON=$WORK/dest/.kferry/quarantine/$XID/reason.txt
[ -f "$REASON" ] || fail "no $REASON"
clean "$REASON"
[ "$(wc -l <"$REASON")" = 6 ] || fail "reason.txt is not six lines: $(cat -v "$REASON")"
grep -qxF 'origin: evil\n<0>emerg \x1b[2J' "$REASON" ||
	fail "reason.txt does not quote the origin escaped: $(cat -v "$REASON")"

# the same topic read again in JSON: one record per line, escaped
GROUP=$GROUP-json
receive_until_idle "$WORK/dest-json" --log-format json || fail "receive exited $?: $(tail -n 3 "$RECV_LOG")"
clean "$RECV_LOG"
# (the reason was made printable before the JSON escaping doubled its '\')
grep -aF '"msg":"'"'victim.txt'"': the sender gave up: disk error\\n2026-12-01T21:30:00.000Z info  recv: received '"'payroll.xlsx'"' (1048576 bytes, 12 ms): placed\\n<0>emerg recv: \\x1b[2J\\x1b[31mFORGED"}' "$RECV_LOG" >/dev/null ||
	fail "no escaped ABORT record: $(grep -a 'gave up' "$RECV_LOG" | cat -v)"
log "t_hostile_text passed"
