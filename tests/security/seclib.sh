# SPDX-License-Identifier: Apache-2.0
# Helpers of the security tests (tests/security/s_*.sh), sourced after
# tests/integration/lib.sh. run.sh provides SECURE, the secure.sh
# directory: its tls/ holds the CA and the certificates, bootstrap.SSL and
# bootstrap.SASL_SSL the listeners (localhost:PORT; the broker's
# certificate is valid for localhost only).

TLS=$SECURE/tls
SSL_BS=$(cat "$SECURE/bootstrap.SSL")
SASL_BS=$(cat "$SECURE/bootstrap.SASL_SSL")

# sec_conf FILE BOOTSTRAP [LINE]...: a configuration file for $TOPIC and
# $GROUP that trusts the test CA, then LINEs ("key = value", "[section]").
# Mode 600, as a file holding a secret should be.
sec_conf() {
	local f=$1 bs=$2
	shift 2
	{
		echo "bootstrap = $bs"
		echo "topic = $TOPIC"
		echo "receive.group = $GROUP"
		echo "tls.ca = $TLS/ca.pem"
		# localhost may resolve to ::1 first; the broker listens on IPv4
		echo "kafka.broker.address.family = v4"
		printf '%s\n' "$@"
	} >"$f"
	chmod 600 "$f"
}

# expect_refused CODE NEEDLE CMD...: CMD exits with CODE within 30 s and
# its stderr holds NEEDLE (a fixed string). Sets REFUSAL (the stderr).
expect_refused() {
	local want=$1 needle=$2 rc=0 t0 secs
	shift 2
	t0=$(now)
	REFUSAL=$(timeout 60 "$@" 2>&1 >/dev/null) || rc=$?
	secs=$(elapsed "$t0")
	log "exit $rc after $secs s: $(printf '%s' "$REFUSAL" | grep -a 'kferry \(send\|receive\):' | tail -n 1)"
	[ "$rc" = "$want" ] || fail "expected exit $want, got $rc: $(printf '%s' "$REFUSAL" | tail -n 3)"
	awk -v s="$secs" 'BEGIN { exit !(s < 30) }' || fail "refused only after $secs s (limit 30 s)"
	grep -aqF -- "$needle" <<<"$REFUSAL" || fail "the error does not say '$needle': $(printf '%s' "$REFUSAL" | tail -n 3)"
}
