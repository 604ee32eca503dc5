#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# What must not connect is refused at once, with the cause named and exit
# code 4: a wrong SASL password (sender and receiver), a CA that did not
# sign the broker's certificate, a host name the certificate does not
# name (127.0.0.1: the certificate is for localhost only), no client
# certificate where the broker requires one.
source "$(dirname "$0")/../integration/lib.sh"
source "$(dirname "$0")/seclib.sh"

random_file f.bin 100000
sec_conf badpw.conf "$SASL_BS" "sasl.username = alice" "sasl.password = wrong"
expect_refused 4 "authentication failed" "$KFERRY" send -c badpw.conf f.bin
grep -qF "invalid credentials" <<<"$REFUSAL" || fail "no cause in: $REFUSAL"
expect_refused 4 "authentication failed" "$KFERRY" receive -c badpw.conf --dest d1

sec_conf otherca.conf "$SSL_BS" "tls.cert = $TLS/sender.pem" "tls.key = $TLS/sender.key" \
	"tls.ca = $TLS/other-ca.pem"
expect_refused 4 "untrusted CA" "$KFERRY" send -c otherca.conf f.bin
expect_refused 4 "untrusted CA" "$KFERRY" receive -c otherca.conf --dest d2

sec_conf byip.conf "127.0.0.1:${SSL_BS##*:}" "tls.cert = $TLS/sender.pem" "tls.key = $TLS/sender.key"
expect_refused 4 "wrong host name" "$KFERRY" send -c byip.conf f.bin
[ ! -e d1 ] || [ "$(count_files d1)" = 0 ] || fail "a refused receiver wrote files"

# The SSL listener requires a client certificate; none is given.
sec_conf nocert.conf "$SSL_BS"
expect_refused 4 "it requires mutual TLS: set tls.cert and tls.key" "$KFERRY" send -c nocert.conf f.bin
