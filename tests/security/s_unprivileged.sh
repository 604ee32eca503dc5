#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A receiver running as an unprivileged user (nobody) into a DEST it owns
# works, and receive.umask = 027 takes group write and all other access
# from the files and directories it creates.
source "$(dirname "$0")/../integration/lib.sh"
source "$(dirname "$0")/seclib.sh"

[ "$(id -u)" = 0 ] || skip "needs root to switch to the user nobody"
command -v setpriv >/dev/null || skip "setpriv (util-linux) is missing"
mkdir -p src/tree/sub
random_file src/tree/sub/a.bin $((MiB + 5))
random_file src/tree/b.bin 777
chmod 0777 src/tree/b.bin
chmod 0644 src/tree/sub/a.bin
"$KFERRY" send -b "$BOOTSTRAP" -t "$TOPIC" -q src/tree 2>send.log || fail "send failed"

# nobody must reach DEST: open up the path to it (only search permission).
d=$WORK
while [ "$d" != / ]; do chmod o+x "$d"; d=$(dirname "$d"); done
mkdir dest
chown nobody: dest
setpriv --reuid=nobody --regid=nogroup --clear-groups -- \
	"$KFERRY" receive -b "$BOOTSTRAP" -t "$TOPIC" -g "$GROUP" --dest "$WORK/dest" \
	-o receive.umask=027 --idle-exit 3 2>recv.log || fail "receive as nobody failed: $(tail -n 3 recv.log)"
[ "$(stat -c '%U %a' dest/tree/b.bin)" = "nobody 750" ] ||
	fail "b.bin (sent 0777): $(stat -c '%U %a' dest/tree/b.bin), expected nobody 750"
[ "$(stat -c '%U %a' dest/tree/sub/a.bin)" = "nobody 640" ] ||
	fail "a.bin (sent 0644): $(stat -c '%U %a' dest/tree/sub/a.bin), expected nobody 640"
[ "$(stat -c '%a' dest/tree/sub)" = 750 ] || fail "dest/tree/sub: mode $(stat -c '%a' dest/tree/sub), expected 750"
cmp src/tree/sub/a.bin dest/tree/sub/a.bin && cmp src/tree/b.bin dest/tree/b.bin || fail "contents differ"
