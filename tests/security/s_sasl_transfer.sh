#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# SASL over TLS: a tree sent with SCRAM-SHA-512 (password from a file) and
# a file sent with PLAIN (password from the environment) arrive intact at a
# receiver using SCRAM-SHA-512 (password in a file referenced as file:).
source "$(dirname "$0")/../integration/lib.sh"
source "$(dirname "$0")/seclib.sh"

mkdir -p src/tree/a/b
random_file src/tree/a/b/one.bin $((2 * MiB))
random_file src/tree/two.bin 4096
printf 'alice-pw\n' >alice.pw
printf 'bob-pw\n' >bob.pw
chmod 600 alice.pw bob.pw
sec_conf scram.conf "$SASL_BS" "[sasl]" "username = alice" "password = file:$WORK/alice.pw"
sec_conf plain.conf "$SASL_BS" "[sasl]" "mechanism = PLAIN" "username = alice" \
	"password = env:KF_TEST_PW"
sec_conf recv.conf "$SASL_BS" "[sasl]" "username = bob" "password = file:$WORK/bob.pw"

"$KFERRY" send -c scram.conf -q src/tree 2>send1.log || fail "SCRAM send failed: $(tail -n 3 send1.log)"
mkdir -p src/plain
random_file src/plain/p.bin 70000
KF_TEST_PW=alice-pw "$KFERRY" send -c plain.conf -q src/plain 2>send2.log ||
	fail "PLAIN send failed: $(tail -n 3 send2.log)"
"$KFERRY" receive -c recv.conf --dest dest --idle-exit 3 2>recv.log ||
	fail "SCRAM receive failed: $(tail -n 3 recv.log)"
assert_trees_equal src dest
