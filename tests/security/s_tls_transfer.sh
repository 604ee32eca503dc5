#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A tree travels over mutual TLS: the sender and the receiver each present a
# certificate from the test CA (the receiver's key is encrypted, its
# password comes from the environment), and the broker's certificate and
# host name are checked.
source "$(dirname "$0")/../integration/lib.sh"
source "$(dirname "$0")/seclib.sh"

mkdir -p src/tree/sub
random_file src/tree/big.bin $((3 * MiB + 17))
random_file src/tree/sub/small.bin 1000
: >src/tree/sub/empty
sec_conf send.conf "$SSL_BS" "[tls]" "cert = $TLS/sender.pem" "key = $TLS/sender.key"
sec_conf recv.conf "$SSL_BS" "[tls]" "cert = $TLS/receiver-enc.pem" \
	"key = $TLS/receiver-enc.key" "key_password = env:KF_TEST_KEY_PW"

"$KFERRY" send -c send.conf --json --no-progress src/tree >send.json 2>send.log ||
	fail "send over TLS failed: $(tail -n 3 send.log)"
SEND_JSON=$(cat send.json) SEND_LOG=send.log assert_send_ok 3
KF_TEST_KEY_PW=$(cat "$TLS/receiver-enc.key.pass") \
	"$KFERRY" receive -c recv.conf --dest dest --idle-exit 3 2>recv.log ||
	fail "receive over TLS failed: $(tail -n 3 recv.log)"
assert_trees_equal src dest
