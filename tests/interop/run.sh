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
# and the Debezium plugins (t_debezium_*: 33 MB, about 20 s the first time)
# are not in the default jar cache: this fetches them first
# (scripts/kafka/fetch.sh --debezium, which implies --connect). The
# t_debezium_* and t_avro_* tests also need PostgreSQL (scripts/setup.sh
# --with-db) and skip without it; t_avro_* runs Apicurio Registry and its
# Connect converters (scripts/kafka/fetch.sh --registry, fetched on first
# use). t_jsonschema_connect (Apicurio's JSON Schema serde in Connect
# and a producer, about 215 s) runs only with KF_INTEROP_SLOW=1: it is
# kept out of CI, as is t_capture_debezium_mariadb (Debezium's MariaDB
# connector, 14 MB fetched on first use, about 130 s), which runs only
# with KF_INTEROP_MARIADB=1.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
"$here/../../scripts/kafka/fetch.sh" --debezium >/dev/null ||
	{ echo "run.sh: cannot fetch Kafka Connect and Debezium (scripts/kafka/fetch.sh --debezium)" >&2; exit 2; }
KF_SUITE_TESTS=$here exec "$here/../integration/run.sh" "$@"
