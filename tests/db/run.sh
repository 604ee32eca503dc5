#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The database layer (src/db) against real servers.
#
#   tests/db/run.sh [--build DIR] [--keep]
#
# Starts a throwaway PostgreSQL 15 and MariaDB 10.11 (scripts/db/db.sh) on
# free loopback ports, runs DIR/test_db (tests/db/test_db.c; built if
# missing) with KF_TEST_PG_URL and KF_TEST_MARIADB_URL pointing at them,
# and DIR/test_binlogconn (tests/db/test_binlogconn.c: the MariaDB
# capture's binlog stream) on the MariaDB one,
# then tests/db/t_verify.sh (kferry verify, with DIR/kferry), and stops
# and deletes both servers on exit, whatever happens (--keep: leave them
# running and print where). Ends with the line "N passed, M
# failed"; exits 1 if any case failed.
#
# Environment: KF_TEST_TMP (where the servers' directories go, default
# /tmp).
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PROG=${0##*/}
BUILD=$ROOT/build
KEEP=0

while [ $# -gt 0 ]; do
    case "$1" in
        --build) shift; BUILD=$(cd "${1:?--build needs a directory}" && pwd) ;;
        --keep) KEEP=1 ;;
        -h|--help) sed -n '3,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "$PROG: unknown argument: $1" >&2; exit 2 ;;
    esac
    shift
done

DB_SH=$ROOT/scripts/db/db.sh
WORK=$(mktemp -d "${KF_TEST_TMP:-/tmp}/kf-db.XXXXXX") || exit 2
chmod 755 "$WORK" # as root, PostgreSQL runs as 'postgres' and must get in
PG_DIR=$WORK/pg
MY_DIR=$WORK/mariadb

cleanup() {
    if [ "$KEEP" = 1 ]; then
        echo "$PROG: servers kept: $DB_SH stop $PG_DIR --clean; $DB_SH stop $MY_DIR --clean"
        return
    fi
    [ ! -d "$PG_DIR" ] || "$DB_SH" stop "$PG_DIR" --clean >/dev/null 2>&1
    [ ! -d "$MY_DIR" ] || "$DB_SH" stop "$MY_DIR" --clean >/dev/null 2>&1
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ ! -x "$BUILD/test_db" ] || [ ! -x "$BUILD/test_binlogconn" ] || [ ! -x "$BUILD/kferry" ]; then
    cmake --build "$BUILD" --target test_db test_binlogconn kferry >/dev/null || {
        echo "$PROG: cannot build test_db, test_binlogconn and kferry in $BUILD"
        echo "0 passed, 1 failed"
        exit 1
    }
fi

mkdir -p "$PG_DIR" "$MY_DIR"
if ! "$DB_SH" start postgres "$PG_DIR" || ! "$DB_SH" start mariadb "$MY_DIR"; then
    echo "$PROG: a database server did not start (scripts/setup.sh --with-db installs them)"
    echo "0 passed, 1 failed"
    exit 1
fi

LOG=$WORK/test_db.log
KF_TEST_PG_URL=$("$DB_SH" url "$PG_DIR") KF_TEST_MARIADB_URL=$("$DB_SH" url "$MY_DIR") \
    timeout 600 "$BUILD/test_db" 2>&1 | tee "$LOG"
rc=${PIPESTATUS[0]}
KF_TEST_MARIADB_URL=$("$DB_SH" url "$MY_DIR") timeout 300 "$BUILD/test_binlogconn" 2>&1 | tee -a "$LOG"
[ "${PIPESTATUS[0]}" -eq 0 ] || rc=1
KF_TEST_TMP=$WORK timeout 300 "$ROOT/tests/db/t_verify.sh" "$BUILD/kferry" "$PG_DIR" "$MY_DIR" 2>&1 |
    grep -v '^NOTICE:' | tee -a "$LOG"
[ "${PIPESTATUS[0]}" -eq 0 ] || rc=1

passed=$(grep -c '^\[       OK \]' "$LOG")
failed=$(grep -c '^\[  FAILED  \] test_' "$LOG")
if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
    failed=1 # it died or never ran a case
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
