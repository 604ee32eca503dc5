# SPDX-License-Identifier: Apache-2.0
# What the command line says about a bad argument: `kferry send` of a
# path that does not exist names the path once, with no empty field
# (before: "send failed: : /x: No such file or directory"); a secret given
# inline with -o or -X, which every local user could read in ps, is
# refused with exit code 2 (before: accepted silently), while file: and
# env: references are accepted.
source "$(dirname "$0")/lib.sh"

rc=0
"$KFERRY" send -b "$BOOTSTRAP" -t "$TOPIC" --no-progress "$WORK/nonexistent" 2>"$WORK/send.err" || rc=$?
[ "$rc" = 1 ] || fail "send of a missing path exited $rc, expected 1: $(cat "$WORK/send.err")"
want="kferry: send failed: $WORK/nonexistent: No such file or directory"
grep -qxF "$want" "$WORK/send.err" || fail "no line '$want' in: $(cat "$WORK/send.err")"
grep -q ': : ' "$WORK/send.err" && fail "an empty field in: $(cat "$WORK/send.err")"
log "send of a missing path: $want"

for opt in "-o sasl.password=hunter2" "-X sasl.password=hunter2" "-o tls.key_password=hunter2"; do
	rc=0
	# shellcheck disable=SC2086
	"$KFERRY" send -b "$BOOTSTRAP" -t "$TOPIC" --no-progress $opt "$WORK" 2>"$WORK/secret.err" || rc=$?
	[ "$rc" = 2 ] || fail "'$opt' exited $rc, expected 2: $(cat "$WORK/secret.err")"
	grep -q "a secret on the command line is visible to every local user" "$WORK/secret.err" ||
		fail "'$opt': no reason given: $(cat "$WORK/secret.err")"
	grep -q hunter2 "$WORK/secret.err" && fail "'$opt': the error repeats the secret"
done
rc=0
KF_T_PW=hunter2 "$KFERRY" send -b 127.0.0.1:1 -t "$TOPIC" --no-progress -o connect_timeout=1 \
	-o sasl.username=u -o sasl.password=env:KF_T_PW "$WORK/nonexistent" 2>"$WORK/ref.err" || rc=$?
[ "$rc" != 2 ] || fail "an env: reference was refused: $(cat "$WORK/ref.err")"
grep -q "visible to every local user" "$WORK/ref.err" && fail "an env: reference was refused"
log "inline secrets on the command line are refused, references accepted"

# A signing key that cannot be used is a configuration error (exit 2) that
# names the file (before: exit 3, the code lost on the way out of the
# sender's constructor).
printf 'not a key\n' >"$WORK/garbage.pem"
chmod 600 "$WORK/garbage.pem"
for key in "$WORK/nonexistent.pem" "$WORK/garbage.pem"; do
	rc=0
	"$KFERRY" send -b "$BOOTSTRAP" -t "$TOPIC" --no-progress -o "send.sign_key=$key" \
		"$WORK/garbage.pem" 2>"$WORK/key.err" || rc=$?
	[ "$rc" = 2 ] || fail "send.sign_key=$key exited $rc, expected 2: $(cat "$WORK/key.err")"
	grep -qF "key file $key" "$WORK/key.err" || fail "send.sign_key=$key: the file is not named: $(cat "$WORK/key.err")"
done
mkdir -p "$WORK/outbox"
rc=0
timeout 60 "$KFERRY" watch -b "$BOOTSTRAP" -t "$TOPIC" --dir "$WORK/outbox" --state-dir "$WORK/state" \
	-o "send.sign_key=$WORK/garbage.pem" 2>"$WORK/watch-key.err" || rc=$?
[ "$rc" = 2 ] || fail "watch with send.sign_key=garbage exited $rc, expected 2: $(cat "$WORK/watch-key.err")"
grep -qF "key file $WORK/garbage.pem" "$WORK/watch-key.err" ||
	fail "watch: the key file is not named: $(cat "$WORK/watch-key.err")"
log "an unusable signing key exits 2 and names its file (send and watch)"
