#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# kferry capture (PostgreSQL changes into Kafka, docs/cdc.md) against real
# servers: a broker, and PostgreSQL started per test by scripts/db/db.sh;
# kferry sink and kferry verify check what arrived.
#
#   tests/cdc/run.sh [--build DIR] [--keep] [TEST...]
#
# Runs tests/cdc/t_*.sh (or the TESTs named) through
# tests/integration/run.sh, as tests/sink/run.sh does (the db stage of
# scripts/test.sh runs both). A test skips when PostgreSQL is not
# installed (scripts/setup.sh --with-db).
#
# Environment (besides run.sh's): KF_CDC_KILLS (kills of t_capture_kill,
# default 6), KF_CDC_SNAPSHOT_KILLS (how many of them during the snapshot
# and its resumes, default 2), KF_CDC_PGBENCH_SCALE (its pgbench scale,
# default 1: 10 chunks of snapshot per scale), KF_CDC_RATE (pgbench's
# transactions per second, default 150), KF_CDC_KEYS_ROWS (the rows per
# table of t_capture_mariadb_keys, default 300), KF_CDC_SLOW=1 (also the slow
# t_capture_mariadb_types and t_capture_mariadb_replica, about 70 s each,
# and t_capture_mariadb_kill,
# minutes, kept out of CI; the latter takes KF_CDC_KILLS, default 10,
# KF_CDC_SNAPSHOT_KILLS, default 3, KF_CDC_SINK_KILLS, default 5 for each
# of its two sinks, and KF_CDC_ROWS, the rows per table before it,
# default 600).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
KF_SUITE_TESTS=$here exec "$here/../integration/run.sh" "$@"
