#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The watch daemon, as a principal without Write on its topic, stops at
# once with exit code 5 and the missing permission named; the file it
# tried stays where it was (a refusal is not the file's fault: it is not
# moved to the error directory).
source "$(dirname "$0")/../integration/lib.sh"
source "$(dirname "$0")/seclib.sh"

mkdir -p inbox
random_file inbox/f.bin 20000
sec_conf nowrite.conf "$SASL_BS" "sasl.username = nowrite" "sasl.password = nowrite-pw"
expect_refused 5 "IdempotentWrite on the Cluster to User:nowrite" \
	"$KFERRY" watch -c nowrite.conf --dir "$WORK/inbox" --state-dir "$WORK/state" \
	--stable-seconds 1 --rescan 1
[ -f inbox/f.bin ] || fail "the refused file left the inbox"
[ ! -d inbox/.kferry/error ] || [ -z "$(ls -A inbox/.kferry/error)" ] ||
	fail "the refused file went to the error directory: $(ls -A inbox/.kferry/error)"
