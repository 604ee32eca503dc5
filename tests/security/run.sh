#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Security suite of kferry, against one secured broker.
#
#   tests/security/run.sh [--build DIR] [--keep] [TEST...]
#
# Starts a single-node Kafka broker with TLS, SASL_SSL (SCRAM-SHA-512 and
# PLAIN) and the StandardAuthorizer (scripts/kafka/secure.sh: the CA and
# the certificates are made with openssl now), grants the suite's users
# their ACLs on the topic and group prefixes "kf-sec-", then runs each
# tests/security/s_*.sh (or the TESTs named) in its own process under
# `timeout`, with a fresh topic, group and scratch directory. The tests
# source tests/integration/lib.sh and tests/security/seclib.sh.
#
# Users (principal: how it authenticates; what it may do):
#   User:sender       mutual TLS (sender.pem);  Write, Describe on topics
#   User:receiver-enc mutual TLS, encrypted key; Read on topics and groups
#   User:alice        SCRAM/PLAIN;              Write, Describe on topics
#   User:bob          SCRAM/PLAIN;              Read on topics and groups
#   User:nowrite      SCRAM;  Describe on topics only
#   User:nodescribe   SCRAM;  nothing
#   User:nogroup      SCRAM;  Read on topics, not on groups
#   User:noread       SCRAM;  Read on groups, not on topics
#
# Ends with the line "N passed, M failed"; exits 1 if any test failed.
# Environment: KF_TEST_TMP (scratch, default /tmp), KF_TEST_TIMEOUT
# (seconds per test, default 120).
set -uo pipefail

SEC_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$SEC_DIR/../.." && pwd)
SECURE_SH=$REPO/scripts/kafka/secure.sh

die() { echo "run.sh: $*" >&2; exit 2; }

BUILD=$REPO/build
KEEP=0
TESTS=()
while [ $# -gt 0 ]; do
	case $1 in
	--build) [ $# -ge 2 ] || die "--build needs a directory"; BUILD=$2; shift ;;
	--keep) KEEP=1 ;;
	-h | --help) sed -n '3,/^set -uo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
	-*) die "unknown option $1" ;;
	*) TESTS+=("$1") ;;
	esac
	shift
done
BUILD=$(cd "$BUILD" 2>/dev/null && pwd) || die "no build directory $BUILD"
KFERRY=$BUILD/kferry
[ -x "$KFERRY" ] || die "$KFERRY not found: build it first"
if [ ${#TESTS[@]} -eq 0 ]; then
	for f in "$SEC_DIR"/s_*.sh; do TESTS+=("$(basename "$f" .sh)"); done
fi

SUITE=$(mktemp -d "${KF_TEST_TMP:-/tmp}/kferry-sec.XXXXXX") || die "mktemp failed"
SECURE=$SUITE/secure
FAILED_ANY=0
cleanup() {
	local rc=$?
	trap '' INT TERM
	"$SECURE_SH" stop "$SECURE" >>"$SUITE/broker-stop.log" 2>&1 || true
	if [ $KEEP -eq 0 ] && [ $FAILED_ANY -eq 0 ] && [ $rc -eq 0 ]; then
		rm -rf "$SUITE"
	else
		echo "run.sh: logs kept in $SUITE" >&2
	fi
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

t0=$SECONDS
users=()
for u in alice bob nowrite nodescribe nogroup noread; do users+=(--user "$u:$u-pw"); done
if ! "$SECURE_SH" start "$SECURE" "${users[@]}" --client sender --client receiver-enc \
	>"$SUITE/broker-start.log" 2>&1; then
	tail -n 30 "$SUITE/broker-start.log" >&2
	FAILED_ANY=1
	die "the secured broker did not start"
fi
acl() { "$SECURE_SH" acl "$SECURE" --add --resource-pattern-type prefixed "$@" >>"$SUITE/acl.log" 2>&1; }
principals() { local p; for p in "$@"; do printf -- '--allow-principal\nUser:%s\n' "$p"; done; }
mapfile -t writers < <(principals sender alice)
mapfile -t readers < <(principals receiver-enc bob nogroup)
mapfile -t groupies < <(principals receiver-enc bob noread)
acl "${writers[@]}" --operation Write --operation Describe --topic kf-sec- &&
	acl --allow-principal User:nowrite --operation Describe --topic kf-sec- &&
	acl "${readers[@]}" --operation Read --topic kf-sec- &&
	acl "${groupies[@]}" --operation Read --group kf-sec- ||
	{ tail -n 20 "$SUITE/acl.log" >&2; FAILED_ANY=1; die "granting the ACLs failed"; }
echo "secured broker: SSL $(cat "$SECURE/bootstrap.SSL"), SASL_SSL $(cat "$SECURE/bootstrap.SASL_SSL") (up with ACLs in $((SECONDS - t0)) s)"

RUN_ID=$(date +%H%M%S)-$$
passed=0
failed=0
for t in "${TESTS[@]}"; do
	t=${t%.sh}; t=${t##*/}; [[ $t == s_* ]] || t=s_$t
	[ -f "$SEC_DIR/$t.sh" ] || die "no test $SEC_DIR/$t.sh"
	dir=$SUITE/$t
	mkdir -p "$dir/work"
	topic=kf-sec-$t-$RUN_ID
	start=$SECONDS
	if "$SECURE_SH" topic "$SECURE" create "$topic" --partitions 2 >"$dir/log" 2>&1; then
		(cd "$dir/work" && exec env KFERRY="$KFERRY" BOOTSTRAP="$(cat "$SECURE/bootstrap")" \
			SECURE="$SECURE" TOPIC="$topic" GROUP="kf-sec-$t-$RUN_ID" WORK="$dir/work" \
			timeout -k 10 "${KF_TEST_TIMEOUT:-120}" bash "$SEC_DIR/$t.sh") >>"$dir/log" 2>&1
		rc=$?
	else
		rc=1
	fi
	if [ $rc -eq 0 ]; then
		passed=$((passed + 1))
		printf 'ok    %-24s %4d s\n' "$t" $((SECONDS - start))
	else
		failed=$((failed + 1))
		FAILED_ANY=1
		printf 'FAIL  %-24s %4d s (exit %d)\n' "$t" $((SECONDS - start)) "$rc"
		tail -n 25 "$dir/log" | sed 's/^/    /'
	fi
	grep -h '^NOTE: ' "$dir/log" | sed 's/^/      /' || true
done
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
