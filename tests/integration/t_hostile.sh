# SPDX-License-Identifier: Apache-2.0
# Crafted frames (kf-forge), then good files: the receiver survives all of
# them, logs a line for each, writes nothing outside DEST, quarantines
# what fails verification, drops what it must, and still delivers the
# good files.
source "$(dirname "$0")/lib.sh"

: "${KF_FORGE:?}"
DEST=$WORK/dest
OUT=$WORK/outside
mkdir -p "$DEST" "$OUT"
# a symbolic link planted inside DEST, pointing outside
ln -s "$OUT" "$DEST/link"
# things in the way of a target: a FIFO (opening it must not hang the
# receiver, nor may it be taken for a directory), a directory, and a
# regular file where a directory is needed
mkdir -p "$DEST/forge/dir-target"
mkfifo "$DEST/forge/fifo-target"
printf 'not a directory\n' >"$DEST/forge/file-parent"

# xid_of SCENARIO-OR-PATH-TAG: the transfer id kf-forge printed (by line).
xid_of() { awk -v n="$1" 'NR == n { print $2 }' "$FORGE_OUT"; }

# name|scenario|path|expected log text (fixed string)|the line names the path
REJECTS=(
	"dotdot|dotdot|../outside/dotdot|has a '..' component|y"
	"dotdot-mid|dotdot|a/../../outside/dotdot2|has a '..' component|y"
	"absolute|absolute|$OUT/absolute|is absolute|y"
	"private|private|.kferry/x|the receiver's private directory|y"
	"private-tmp|private|.kferry/tmp/evil|the receiver's private directory|y"
	"too-big|too-big|forge/too-big|file_size 2097152 exceeds the limit|n"
	"version9|version9|forge/version9|unsupported protocol version 9|n"
	"bad-magic|bad-magic|forge/bad-magic|not a kferry frame: magic is 4b 46 52 58|n"
)
QUARANTINES=(
	"symlink-dir|good|link/evil"
	"symlink-target|good|link"
	"fifo-target|good|forge/fifo-target"
	"dir-target|good|forge/dir-target"
	"file-parent|good|forge/file-parent/x"
	"fifo-parent|good|forge/fifo-target/x"
	"truncated|truncated|forge/truncated"
	"chunk-hash|chunk-hash|forge/chunk-hash"
	"zstd-size|zstd-size|forge/zstd-size"
	"zstd-short|zstd-short|forge/zstd-short"
	"zstd-long|zstd-long|forge/zstd-long"
	"size-lie|size-lie|forge/size-lie"
	"missing-chunk|missing-chunk|forge/missing-chunk"
	"file-hash|file-hash|forge/file-hash"
)

line=0
declare -A LINE_OF
for c in "${REJECTS[@]}" "${QUARANTINES[@]}"; do
	IFS='|' read -r name sc path _ <<<"$c"
	size=200000
	[ "$sc" = too-big ] && size=$((2 * MiB))
	forge "$sc" --path "$path" --size $size
	line=$((line + 1))
	LINE_OF[$name]=$line
done
forge abort --path forge/abort
forge vanish --path forge/vanish
# and good files: one forged, one sent by kferry itself
forge good --path forge/good --out "$WORK/good.expected"
line=$((line + 3))
LINE_OF[good]=$line
mkdir -p "$WORK/src/normal"
text_file "$WORK/src/normal/hello.txt" 300000
kf_send "$WORK/src/normal" || fail "send of the normal file exited $?"
assert_send_ok 1

receive_until_idle "$DEST" --set receive.max_file_size=1MiB --abandon-timeout 5 ||
	fail "receiver exited $? (it must survive hostile input): $(tail -n 5 "$RECV_LOG")"
L=$RECV_LOG

# 1. the good files arrived
cmp -s "$DEST/forge/good" "$WORK/good.expected" || fail "the forged good file did not arrive intact"
cmp -s "$DEST/normal/hello.txt" "$WORK/src/normal/hello.txt" || fail "the normal file did not arrive intact"
assert_recv "$L" files 2

# 2. nothing outside DEST, nothing unexpected inside it
left=$(find "$OUT" -mindepth 1 | head -n 5 || true)
[ -z "$left" ] || fail "written outside DEST (through ../, an absolute path or the symlink): $left"
[ -L "$DEST/link" ] && [ "$(readlink "$DEST/link")" = "$OUT" ] || fail "the planted symlink was replaced"
top=$(cd "$WORK" && find . -mindepth 1 -maxdepth 1 | sort | tr '\n' ' ')
[ "$top" = "./dest ./forge.log ./forge.out ./good.expected ./outside ./recv.1.log ./send.1.log ./src " ] ||
	fail "unexpected entries in WORK (outside DEST): $top"
visible=$(cd "$DEST" && find . -path ./.kferry -prune -o ! -type d -print | sort | tr '\n' ' ')
[ "$visible" = "./forge/fifo-target ./forge/file-parent ./forge/good ./link ./normal/hello.txt " ] ||
	fail "unexpected files in DEST: $visible"
[ -p "$DEST/forge/fifo-target" ] && [ -d "$DEST/forge/dir-target" ] &&
	[ "$(cat "$DEST/forge/file-parent")" = "not a directory" ] ||
	fail "something in the way of a target was replaced"
[ -z "$(ls -A "$DEST/forge/dir-target")" ] || fail "wrote into a directory that stood at a target path"
[ ! -e "$DEST/.kferry/x" ] && [ ! -e "$DEST/.kferry/tmp/evil" ] || fail "wrote into DEST/.kferry"
[ ! -e "$DEST/a" ] || fail "created DEST/a for a path with '..'"

problems=()
# 3. every rejected manifest is logged with its reason
for c in "${REJECTS[@]}"; do
	IFS='|' read -r name sc path why named <<<"$c"
	if [ "$named" = y ]; then
		grep -aF "$why" "$L" | grep -aqF "'$path'" ||
			problems+=("$name: no log line with '$why' for $path")
	else
		grep -aqF "$why" "$L" || problems+=("$name: no log line with '$why'")
	fi
done

# 4. every failed verification is quarantined with a reason.txt naming it
for c in "${QUARANTINES[@]}"; do
	IFS='|' read -r name sc path <<<"$c"
	xid=$(xid_of "${LINE_OF[$name]}")
	q=$DEST/.kferry/quarantine/$xid
	if [ ! -f "$q/reason.txt" ]; then
		problems+=("$name: no $q/reason.txt")
		continue
	fi
	grep -qF "path: $path" "$q/reason.txt" || problems+=("$name: reason.txt does not name $path")
	grep -q '^reason: .' "$q/reason.txt" || problems+=("$name: reason.txt gives no reason")
	grep -aqF "quarantined '$path'" "$L" || problems+=("$name: no 'quarantined' log line")
done
nq=$(find "$DEST/.kferry/quarantine" -mindepth 1 -maxdepth 1 | wc -l)
[ "$nq" = ${#QUARANTINES[@]} ] || problems+=("$nq quarantine directories, expected ${#QUARANTINES[@]}")
[ "$(recv_stat "$L" quarantined)" = ${#QUARANTINES[@]} ] ||
	problems+=("summary: $(recv_stat "$L" quarantined) quarantined, expected ${#QUARANTINES[@]}")

# 5. aborted and vanished transfers are dropped, with a log line
grep -aq "'forge/abort': the sender gave up" "$L" || problems+=("abort: no log line")
grep -aq "'forge/vanish': no data for 5 s" "$L" || problems+=("vanish: not abandoned after 5 s")
[ "$(recv_stat "$L" abandoned)" = 2 ] || problems+=("summary: $(recv_stat "$L" abandoned) abandoned, expected 2")

# 6. staging is cleaned up
left=$(find "$DEST/.kferry/tmp" -mindepth 1 | head -n 5 || true)
[ -z "$left" ] || problems+=("staging left in .kferry/tmp: $left")

if [ ${#problems[@]} -gt 0 ]; then
	printf '  %s\n' "${problems[@]}" >&2
	echo "--- receiver log (warnings and errors):" >&2
	grep -aE ' (warn|error) ' "$L" | cut -c1-220 | head -n 60 >&2 || true
	fail "${#problems[@]} problem(s) with hostile input"
fi
log "t_hostile passed: ${#REJECTS[@]} rejected, ${#QUARANTINES[@]} quarantined, 2 dropped, 2 delivered"
