#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A receiver whose principal may read the topic but not write its
# dead-letter topic stops at once (exit 5), naming the dead-letter topic
# in the grant, before it takes any message it could not divert.
source "$(dirname "$0")/../integration/lib.sh"
source "$(dirname "$0")/seclib.sh"

sec_conf bob.conf "$SASL_BS" "sasl.username = bob" "sasl.password = bob-pw" \
	"receive.dead_letter_topic = $TOPIC.dlq"
expect_refused 5 "--topic '$TOPIC.dlq'" "$KFERRY" receive -c bob.conf --dest d
grep -qF "User:bob" <<<"$REFUSAL" || fail "the principal is not named: $REFUSAL"
[ "$(count_files d)" = 0 ] || fail "a refused receiver placed files"
