#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# kferry warns, naming the file and the fix, when a configuration file
# that holds a secret inline is readable by other users; not when it is
# private (600) or when the secret is a file: or env: reference.
source "$(dirname "$0")/../integration/lib.sh"
source "$(dirname "$0")/seclib.sh"

random_file f.bin 5000
sec_conf inline.conf "$SASL_BS" "sasl.username = alice" "sasl.password = alice-pw"
chmod 644 inline.conf
"$KFERRY" send -c inline.conf f.bin 2>open.log || fail "send failed: $(tail -n 3 open.log)"
grep -qF "inline.conf holds a secret (sasl.password) and is readable by other users (mode 644): run chmod 600 inline.conf" open.log ||
	fail "no warning about the readable secret: $(head -n 3 open.log)"

chmod 600 inline.conf
"$KFERRY" send -c inline.conf f.bin 2>private.log || fail "send failed"
! grep -q "readable by other users" private.log || fail "warned about a private file"

sec_conf ref.conf "$SASL_BS" "sasl.username = alice" "sasl.password = env:KF_TEST_PW"
chmod 644 ref.conf
KF_TEST_PW=alice-pw "$KFERRY" send -c ref.conf f.bin 2>ref.log || fail "send with env: failed"
! grep -q "readable by other users" ref.log || fail "warned about an env: reference"

# An env: reference to nothing is a configuration error, before connecting.
expect_refused 3 "KF_TEST_UNSET is not set" env -u KF_TEST_UNSET \
	"$KFERRY" send -c <(sed 's/KF_TEST_PW/KF_TEST_UNSET/' ref.conf) f.bin
