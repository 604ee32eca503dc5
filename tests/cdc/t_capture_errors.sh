# SPDX-License-Identifier: Apache-2.0
# kferry capture refuses a source that is not set up, with exit 3 and a
# message that says what to run: a missing table, a table without a
# primary key, a role without REPLICATION, a server whose wal_level is
# not logical (restarted with wal_level=replica, about 2 s); and a missing
# --tables is a usage error (2); the same refusals of a MariaDB source's
# tables (its settings and grants: tests/cdc/t_capture_mariadb.sh,
# tests/db/test_binlogconn.c).
source "$(dirname "$0")/lib.sh"

cdc_setup
db_sql postgres "CREATE TABLE nopk (a int); CREATE ROLE kf_norepl LOGIN;
GRANT SELECT ON nopk TO kf_norepl" >/dev/null

expect_refusal() { # expect_refusal CODE NEEDLE [capture options]
	local code=$1 needle=$2 rc=0
	shift 2
	kf_capture "$@" || rc=$?
	[ "$rc" = "$code" ] || fail "exit $rc, expected $code: $(tail -n 3 "$CAPTURE_LOG")"
	grep -qF -- "$needle" "$CAPTURE_LOG" ||
		fail "the error does not say '$needle': $(tail -n 3 "$CAPTURE_LOG")"
	log "refused (exit $rc): $(grep -F -- "$needle" "$CAPTURE_LOG" | head -n 1)"
}

expect_refusal 3 "no table public.nope" --tables public.nope
expect_refusal 3 "ALTER TABLE public.nopk ADD PRIMARY KEY" --tables public.nopk
norepl=${SRC_URL/kferry@/kf_norepl@}
[ "$norepl" != "$SRC_URL" ] || fail "test setup: no user in $SRC_URL"
SRC_URL=$norepl expect_refusal 3 "ALTER ROLE kf_norepl REPLICATION" --tables public.nopk
expect_refusal 2 "give --tables"
"$DB_SH" stop "$DB_WORK/postgres" >/dev/null 2>&1
KFERRY_PG_WAL_LEVEL=replica "$DB_SH" start postgres "$DB_WORK/postgres" \
	>"$WORK/postgres.replica.log" 2>&1 ||
	fail "PostgreSQL did not start with wal_level=replica: $(tail -n 2 "$WORK/postgres.replica.log")"
[ "$(db_sql postgres "SHOW wal_level")" = replica ] || fail "test setup: wal_level is not replica"
expect_refusal 3 "ALTER SYSTEM SET wal_level = logical" --tables public.nopk
db_start mariadb
db_sql mariadb "CREATE TABLE nopk (a int)" >/dev/null
SRC_URL=$(db_url mariadb) expect_refusal 3 "table kferry.t does not exist" --tables kferry.t
SRC_URL=$(db_url mariadb) expect_refusal 3 "ADD PRIMARY KEY" --tables kferry.nopk
log "t_capture_errors passed"
