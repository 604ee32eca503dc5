#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Real-broker integration suite of kferry.
#
#   tests/integration/run.sh [--build DIR] [--keep] [TEST...]
#
# Starts one single-node Kafka broker (scripts/kafka/broker.sh) for the
# whole suite, then runs each tests/integration/t_*.sh (or the TESTs named,
# with or without the t_ prefix and .sh suffix) in its own process, under
# `timeout`, with a fresh topic, consumer group and scratch directory:
#
#   KFERRY, KF_FORGE, BOOTSTRAP, TOPIC, GROUP, WORK, KF_BROKER_DIR
#
# Prints "ok", "skip" or "FAIL" per test with its time (and the tail of its
# log on failure), and ends with the line "N passed, M failed"; exits 1 if
# any test failed. The broker is stopped and deleted on exit, whatever
# happens.
#
# Environment:
#   KF_TEST_TMP      where scratch directories go (default /tmp); must not
#                    be tmpfs (t_big needs 12 GiB of real disk)
#   KF_TEST_TIMEOUT  seconds per test (default 300; a test may ask for more
#                    with a "# kf-timeout: N" line)
#   KF_FORGE         kf-forge binary (default: BUILD/kf-forge, built if
#                    missing)
#   KF_MANY          files in t_many_small (default 100000)
#   KF_SEED          seed of t_kill_receiver's kill moments (default random)
#   KF_SUITE_TESTS   directory of the t_*.sh to run (default: this one;
#                    tests/interop/run.sh sets it)
#   KF_SUITE_JOBS    tests run at once (default 1); a test with a
#                    "# kf-alone" line runs with no other beside it
set -uo pipefail

SUITE_SCRIPT=${BASH_SOURCE[0]}
SUITE_TESTS=${KF_SUITE_TESTS:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}
SUITE_PREFIXES=t_
SUITE_TAG=kf-it
source "$(dirname "${BASH_SOURCE[0]}")/suite.sh"

suite_args "$@"
suite_start

echo "kferry integration suite: $KFERRY ($("$KFERRY" version 2>/dev/null | head -n 1))"
echo "scratch: $SUITE"
t0=$SECONDS
suite_brokers

suite_run_jobs 300 4 "${TESTS[@]}"

echo "suite: $((SECONDS - t0)) s in all (broker start and clean-up included)," \
	"$(printf '%.0f' "$tests_time") s in tests; $skipped skipped"
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
