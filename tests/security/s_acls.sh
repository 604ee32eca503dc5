#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A principal without the ACL its role needs is stopped at once with exit
# code 5 and a message that names the permission, the resource and the
# kafka-acls grant (ACLs: tests/security/run.sh).
source "$(dirname "$0")/../integration/lib.sh"
source "$(dirname "$0")/seclib.sh"

random_file f.bin 100000
as() { sec_conf "$1.conf" "$SASL_BS" "sasl.username = $1" "sasl.password = $1-pw"; }
for u in nodescribe nowrite nogroup noread alice; do as "$u"; done

# No ACL at all: the metadata request (Describe) is refused first.
expect_refused 5 "refused Describe on Topic '$TOPIC' to User:nodescribe" \
	"$KFERRY" send -c nodescribe.conf f.bin
grep -qF -- "--allow-principal User:nodescribe --operation Write" <<<"$REFUSAL" ||
	fail "no grant command in: $REFUSAL"
# Describe but no Write: Kafka 3.x refuses the idempotent producer's id
# first (IdempotentWrite is implied only by Write on some topic).
expect_refused 5 "IdempotentWrite on the Cluster to User:nowrite" \
	"$KFERRY" send -c nowrite.conf f.bin
grep -qF -- "--operation Write --operation Describe --topic '$TOPIC'" <<<"$REFUSAL" ||
	fail "no Write grant in: $REFUSAL"

# The receivers: the files are there to read.
"$KFERRY" send -c alice.conf -q f.bin 2>send.log || fail "send failed: $(tail -n 3 send.log)"
expect_refused 5 "refused Read on Topic '$TOPIC' to User:noread" \
	"$KFERRY" receive -c noread.conf --dest d1
expect_refused 5 "refused Read on Group '$GROUP' to User:nogroup" \
	"$KFERRY" receive -c nogroup.conf --dest d2
for d in d1 d2; do
	[ "$(count_files "$d")" = 0 ] || fail "a refused receiver placed files in $d"
done
