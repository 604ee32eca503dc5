#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The database sink (kferry sink) against real servers: a broker, and
# PostgreSQL and MariaDB started per test by scripts/db/db.sh.
#
#   tests/sink/run.sh [--build DIR] [--keep] [TEST...]
#
# Runs tests/sink/t_*.sh (or the TESTs named) through
# tests/integration/run.sh, with its options, environment and output: one
# single-node broker for the suite, each test in its own process with a
# fresh topic, group and scratch directory; tests/sink/lib.sh adds the
# databases and kf-produce (tests/tools/produce.c). The db stage of
# scripts/test.sh runs it. A test skips when a server is not installed
# (scripts/setup.sh --with-db).
#
# Environment (besides run.sh's): KF_SINK_KILL_ROWS (records of
# t_sink_kill, default 200000; 1000000 for the issue's full size),
# KF_SINK_KILLS (kills per run, default 6), KF_SINK_REBALANCE_ROWS and
# KF_SINK_RESTART_ROWS (records of t_sink_rebalance and t_sink_db_restart,
# default 60000).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
KF_SUITE_TESTS=$here exec "$here/../integration/run.sh" "$@"
