# SPDX-License-Identifier: Apache-2.0
# File names are raw bytes: UTF-8 Korean, spaces, newline, tab, a leading
# dash, control bytes, invalid UTF-8, 255-byte names, a tree 100
# directories deep, and names that look special but are allowed.
source "$(dirname "$0")/lib.sh"

SRC=$WORK/src/names
DEST=$WORK/dest
mkdir -p "$SRC"
cd "$SRC"

n=0
put() { # put PATH: a small file whose content names it
	mkdir -p -- "$(dirname -- "$1")"
	printf 'file %s\n' "$1" >"$1"
	n=$((n + 1))
}

put '한국어 파일.txt'
put '디렉터리/하위 폴더/문서.md'
put 'with spaces  and  more .txt'
put ' leading space'
put $'new\nline'
put $'dir\nwith newline/inner\nfile'
put $'tab\there'
put '-leading-dash'
put '--help'
put $'ctl\x01byte'
put $'esc\x1b[31mred'
put $'bad\xff\xfeutf8'
put $'\xc3\x28 truncated sequence'
put 'back\slash and "quotes" and '\''single'\'''
put 'glob * ? [x] chars'
put '...'
put '.hidden'
put 'sub/.kferry/not-private-below-the-root'
put 'trailing-dot.'
put "$(printf 'a%.0s' $(seq 1 255))"
put "$(printf '가%.0s' $(seq 1 85))" # 85 x 3 bytes = 255 bytes
put "long-dir-$(printf 'd%.0s' $(seq 1 246))/$(printf 'f%.0s' $(seq 1 255))"
deep=
for i in $(seq 1 100); do deep+="l$i/"; done
put "${deep}bottom.txt"
put "${deep}l101/another level.txt"
# an empty file and a larger one among the odd names
: >$'empty\n'
n=$((n + 1))
random_file $'big \xe2\x9c\x93 \x7f' $((3 * MiB))
n=$((n + 1))
cd "$WORK"

[ "$(count_files "$SRC")" -eq $n ] || fail "test setup: made $(count_files "$SRC") files, expected $n"

kf_send "$SRC" || fail "send exited $?: $(tail -n 5 "$SEND_LOG")"
assert_send_ok $n

receive_until_idle "$DEST" || fail "receive exited $?: $(tail -n 5 "$RECV_LOG")"
assert_recv "$RECV_LOG" files $n
assert_recv "$RECV_LOG" quarantined 0
assert_recv "$RECV_LOG" rejected 0
assert_trees_equal "$SRC" "$DEST/names"
assert_private_clean "$DEST"
[ -f "$DEST/names/${deep}bottom.txt" ] || fail "the file 100 directories down is missing"

# The logs name every file. A name must not split a log line (nor forge
# one), and what is logged must be valid UTF-8 without control bytes, in
# text and in JSON lines (kf_path_printable renders such bytes as \xNN).
GROUP=$GROUP.json receive_until_idle "$DEST" --log-format json ||
	fail "receive with JSON logs exited $?"
assert_recv "$RECV_LOG" present $n
JSON_LOG=$RECV_LOG
problems=()
bad=$(grep -avE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T|^kferry: ' "$WORK/recv.1.log" | head -n 3 || true)
[ -z "$bad" ] || problems+=("text log lines split by a file name: $(printf '%q' "$bad")")
bad=$(grep -avE '^\{"ts":".*"\}$|^kferry: ' "$JSON_LOG" | head -n 3 || true)
[ -z "$bad" ] || problems+=("JSON log lines split by a file name: $(printf '%q' "$bad")")
for f in "$WORK/recv.1.log" "$JSON_LOG"; do
	iconv -f UTF-8 -t UTF-8 "$f" >/dev/null 2>&1 ||
		problems+=("$(basename "$f"): not valid UTF-8 (raw name bytes logged)")
	! grep -aq $'[\x01-\x09\x0b-\x1f\x7f]' "$f" ||
		problems+=("$(basename "$f"): raw control bytes logged: $(grep -a $'[\x01-\x09\x0b-\x1f\x7f]' "$f" | head -n 2 | cat -v || true)")
done

# send --json names the files that failed: a UTF-8 name must come out as
# itself. (A broker that is not there makes the file fail within 1 s.)
if command -v python3 >/dev/null 2>&1; then
	name='한국어 파일.txt'
	json=$("$KFERRY" send -b 127.0.0.1:1 -t "$TOPIC" --json --no-progress \
		-o send.delivery_timeout_ms=1000 "$SRC/$name" 2>/dev/null || true)
	got=$(printf '%s' "$json" | python3 -c 'import json, sys
d = json.load(sys.stdin)
print(d["failed"][0]["path"] if d.get("failed") else "")' 2>&1 || true)
	[ "$got" = "$SRC/$name" ] ||
		problems+=("send --json: failed[].path is '$got' for '$SRC/$name' (JSON: $json)")
else
	log "no python3: send --json path encoding not checked"
fi

if [ ${#problems[@]} -gt 0 ]; then
	printf '%s\n' "${problems[@]}" >&2
	fail "files arrived intact, but logs or JSON mangle their names (${#problems[@]} problems above)"
fi
log "t_names passed ($n files)"
