# SPDX-License-Identifier: Apache-2.0
# --log-format json: every line a command writes on stderr is a JSON
# object, its closing summary and its errors included (before, the
# summary, the "send failed" lines and option errors were plain text and
# broke log pipelines reading JSON lines).
source "$(dirname "$0")/lib.sh"

mkdir -p "$WORK/src" "$WORK/inbox"
text_file "$WORK/src/a.txt" 70000

# all_json NAME [MIN]: every line of $WORK/NAME.err parses as a JSON
# object with ts, level and msg; there are at least MIN (default 1).
all_json() {
	python3 - "$WORK/$1.err" "${2:-1}" <<'PY' || fail "$1: stderr is not all JSON lines: $(head -c 1500 "$WORK/$1.err")"
import json, sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
assert len(lines) >= int(sys.argv[2]), "too few lines"
for line in lines:
    rec = json.loads(line)
    assert isinstance(rec, dict) and {"ts", "level", "msg"} <= rec.keys(), line
PY
	log "$1: $(wc -l <"$WORK/$1.err") JSON lines on stderr"
}
# has NAME TEXT: a JSON line of NAME's stderr has TEXT in its msg
has() {
	python3 - "$WORK/$1.err" "$2" <<'PY' || fail "$1: no JSON line with '$2': $(tail -n 3 "$WORK/$1.err")"
import json, sys
sys.exit(0 if any(sys.argv[2] in json.loads(l)["msg"] for l in open(sys.argv[1])) else 1)
PY
}

J=(--log-format json)
"$KFERRY" send -b "$BOOTSTRAP" -t "$TOPIC" "${J[@]}" --progress "$WORK/src" 2>"$WORK/send.err" ||
	fail "send exited $?"
all_json send
has send "kferry: sent 1 of 1 files"

# --json puts the summary on stdout as JSON as well
out=$("$KFERRY" send -b "$BOOTSTRAP" -t "$TOPIC" "${J[@]}" --json "$WORK/src" 2>"$WORK/send2.err") ||
	fail "send --json exited $?"
all_json send2 0
printf '%s' "$out" | python3 -c 'import json, sys; assert json.load(sys.stdin)["files_ok"] == 1' ||
	fail "send --json: stdout is not the JSON summary: $out"

rc=0
"$KFERRY" send -b "$BOOTSTRAP" -t "$TOPIC" "${J[@]}" "$WORK/nonexistent" 2>"$WORK/send3.err" || rc=$?
[ "$rc" != 0 ] || fail "send of a missing file exited 0"
all_json send3
has send3 "send failed"

rc=0
"$KFERRY" receive -o no.such_key=1 "${J[@]}" 2>"$WORK/usage.err" || rc=$?
[ "$rc" = 2 ] || fail "an unknown key exited $rc, expected 2"
all_json usage
has usage "no.such_key"

"$KFERRY" receive -b "$BOOTSTRAP" -t "$TOPIC" -g "$GROUP" --dest "$WORK/dest" --idle-exit 3 \
	"${J[@]}" 2>"$WORK/receive.err" || fail "receive exited $?: $(tail -n 3 "$WORK/receive.err")"
all_json receive
has receive "kferry: received "

"$KFERRY" replay -b "$BOOTSTRAP" -t "$TOPIC" --dest "$WORK/replayed" --from-beginning \
	"${J[@]}" 2>"$WORK/replay.err" || fail "replay exited $?: $(tail -n 3 "$WORK/replay.err")"
all_json replay
has replay "kferry: replay restored"

watch_start "$WORK/watch.err" --dir "$WORK/inbox" --state-dir "$WORK/state" --stable-seconds 1 \
	--after delete "${J[@]}"
cp "$WORK/src/a.txt" "$WORK/inbox/"
wait_until 60 test ! -e "$WORK/inbox/a.txt"
watch_stop
all_json watch
log "t_json_logs passed"
