#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Interoperability suite of kferry: other Kafka software reads what kferry
# writes.
#
#   tests/interop/run.sh [--build DIR] [--keep] [TEST...]
#
# Runs tests/interop/t_*.sh (or the TESTs named) through
# tests/integration/run.sh, with its options, environment and output: one
# single-node broker for the suite, each test in its own process with a
# fresh topic, group and scratch directory; tests/interop/lib.sh adds a
# Kafka Connect standalone worker (scripts/kafka/connect.sh). Kafka Connect
# is not in the default jar cache: this fetches it first
# (scripts/kafka/fetch.sh --connect; scripts/setup.sh --connect does it
# ahead).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
"$here/../../scripts/kafka/fetch.sh" --connect >/dev/null ||
	{ echo "run.sh: cannot fetch Kafka Connect (scripts/kafka/fetch.sh --connect)" >&2; exit 2; }
KF_SUITE_TESTS=$here exec "$here/../integration/run.sh" "$@"
