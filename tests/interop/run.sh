#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Interoperability suite of kferry: other Kafka software reads what kferry
# writes.
#
#   tests/interop/run.sh [--build DIR] [--keep] [TEST...]
#
# Works as tests/integration/run.sh (one single-node broker for the whole
# suite, each tests/interop/t_*.sh in its own process under `timeout`, with
# the same environment and a fresh topic, group and scratch directory;
# tests/interop/lib.sh adds a Kafka Connect standalone worker). Kafka Connect
# is not in the default jar cache: the first run fetches it
# (scripts/kafka/fetch.sh --connect, or scripts/setup.sh --connect ahead).
#
# Environment: KF_TEST_TMP, KF_TEST_TIMEOUT, KF_FORGE as for
# tests/integration/run.sh.
set -uo pipefail

SUITE_SCRIPT=${BASH_SOURCE[0]}
SUITE_TESTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SUITE_PREFIXES=t_
SUITE_TAG=kf-interop
source "$SUITE_TESTS/../integration/suite.sh"

suite_args "$@"
suite_start

echo "kferry interoperability suite: $KFERRY ($("$KFERRY" version 2>/dev/null | head -n 1))"
echo "scratch: $SUITE"
"$SUITE_REPO/scripts/kafka/fetch.sh" --connect >/dev/null || die "cannot fetch Kafka Connect"
t0=$SECONDS
suite_brokers

for t in "${TESTS[@]}"; do
	suite_run "$t" "$(suite_timeout "$t" 300)" 4
done

echo "suite: $((SECONDS - t0)) s in all (broker start and clean-up included)," \
	"$(printf '%.0f' "$tests_time") s in tests; $skipped skipped"
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
