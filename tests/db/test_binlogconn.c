/* SPDX-License-Identifier: Apache-2.0 */
/*
 * src/capture/binlogconn.c against a real MariaDB 10.11 (KF_TEST_MARIADB_URL,
 * started by tests/db/run.sh with the binlog of docs/cdc.md 10.1): the
 * checks pass on it and name the fix when a setting or a grant is
 * missing; a dump from a GTID position gives exactly the transactions
 * after it (GTID, table map, rows decoded, XID; every event in place for
 * the transactions' framing) and heartbeats when idle;
 * the consistent snapshot's point: a row committed after it is not in
 * the snapshot and is the stream's first change from it;
 * a stream the server cuts (its dump thread killed) ends with an error
 * and closes without a double free of the event the library freed;
 * a position the server does not have is refused (malformed positions:
 * tests/unit/test_capture_gtid.c); a row of every type of docs/cdc.md
 * 10.8 read from the binlog gives Debezium's event (capture/mdbrow,
 * capture/event; each value's form: tests/unit/test_capture_mdbrow.c);
 * the snapshot's keyset chunks (capture/mdbcatalog) read a table of a
 * case-insensitive text, an unsigned, a binary and a datetime key in the
 * server's own order, each row once, and refuse a record's key that is
 * not one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/binlogconn.h"
#include "capture/catalog.h"
#include "capture/event.h"
#include "capture/mdbcatalog.h"
#include "capture/mdbrow.h"
#include "kferry/kferry.h"

static const char *url;
static char errbuf[1024];

static kf_db_t *db_open(const char *u)
{
	kf_db_t *db;

	if (kf_db_open(u, NULL, &db, errbuf, sizeof(errbuf)))
		fail_msg("open %s: %s", u, errbuf);
	return db;
}

static void sql(kf_db_t *db, const char *s)
{
	kf_db_err_t e;

	if (kf_db_exec(db, s, NULL, &e))
		fail_msg("%s: %s", s, e.msg);
}

static void test_preflight(void **state)
{
	kf_db_t *db = db_open(url), *other;
	char u2[512];
	const char *at = strstr(url, "kferry@");

	(void)state;
	assert_int_equal(kf_blc_preflight(db, errbuf, sizeof(errbuf)), 0);
	sql(db, "SET GLOBAL binlog_row_metadata = MINIMAL");
	assert_int_equal(kf_blc_preflight(db, errbuf, sizeof(errbuf)),
			 KF_EINVAL);
	sql(db, "SET GLOBAL binlog_row_metadata = FULL");
	assert_non_null(strstr(errbuf, "binlog_row_metadata is 'MINIMAL'"));
	assert_non_null(strstr(errbuf, "SET GLOBAL binlog_row_metadata = "
				       "FULL"));

	/* a user without the replication grants */
	sql(db, "CREATE USER IF NOT EXISTS 'kf_nobin'@'127.0.0.1'");
	sql(db, "GRANT SELECT ON kferry.* TO 'kf_nobin'@'127.0.0.1'");
	assert_non_null(at);
	snprintf(u2, sizeof(u2), "%.*skf_nobin@%s", (int)(at - url), url,
		 at + 7);
	other = db_open(u2);
	assert_int_equal(kf_blc_preflight(other, errbuf, sizeof(errbuf)),
			 KF_EINVAL);
	assert_non_null(strstr(errbuf, "GRANT REPLICATION SLAVE, BINLOG "
				       "MONITOR ON *.* TO "
				       "'kf_nobin'@'127.0.0.1'"));
	kf_db_close(other);
	sql(db, "GRANT REPLICATION SLAVE ON *.* TO 'kf_nobin'@'127.0.0.1'");
	other = db_open(u2);
	assert_int_equal(kf_blc_preflight(other, errbuf, sizeof(errbuf)),
			 KF_EINVAL);
	assert_non_null(strstr(errbuf, "GRANT BINLOG MONITOR ON"));
	kf_db_close(other);
	sql(db, "GRANT BINLOG MONITOR ON *.* TO 'kf_nobin'@'127.0.0.1'");
	other = db_open(u2);
	assert_int_equal(kf_blc_preflight(other, errbuf, sizeof(errbuf)), 0);
	kf_db_close(other);
	sql(db, "DROP USER 'kf_nobin'@'127.0.0.1'");
	kf_db_close(db);
}

/* The framing of the stream read by next_of: every event in place. */
static kf_bl_txn_t txn;

/* The next event of c that is not one of the dump's bookkeeping. */
static void next_of(kf_blc_t *c, kf_bl_event_t *ev, uint8_t type)
{
	int i;

	for (i = 0; i < 100; i++) {
		if (kf_blc_next(c, ev, errbuf, sizeof(errbuf)))
			fail_msg("kf_blc_next: %s", errbuf);
		if (kf_bl_txn_step(&txn, ev, errbuf, sizeof(errbuf)) < 0)
			fail_msg("kf_bl_txn_step: %s", errbuf);
		if (ev->type == type)
			return;
		/* only bookkeeping may come between */
		assert_true(ev->type == KF_BL_ROTATE ||
			    ev->type == KF_BL_FORMAT_DESC ||
			    ev->type == KF_BL_GTID_LIST ||
			    ev->type == 161 /* binlog checkpoint */ ||
			    ev->type == KF_BL_HEARTBEAT);
	}
	fail_msg("no event of type %u", type);
}

/* The next table map of c, parsed (the caller's). */
static kf_bl_tablemap_t *next_map(kf_blc_t *c, kf_bl_event_t *ev)
{
	kf_bl_tablemap_t *tm;

	next_of(c, ev, KF_BL_TABLE_MAP);
	assert_int_equal(kf_bl_tablemap_parse(ev->body, ev->body_len, &tm,
					      errbuf, sizeof(errbuf)),
			 0);
	return tm;
}

/* The next rows event of type of c, its first row read with tm. */
static void next_row(kf_blc_t *c, kf_bl_event_t *ev, uint8_t type,
		     const kf_bl_tablemap_t *tm, kf_bl_rows_t *r,
		     kf_bl_value_t *before, kf_bl_value_t *after)
{
	next_of(c, ev, type);
	assert_int_equal(kf_bl_rows_parse(ev->type, ev->body, ev->body_len, r,
					  errbuf, sizeof(errbuf)),
			 0);
	assert_int_equal(
		kf_bl_rows_next(r, tm, before, after, errbuf, sizeof(errbuf)),
		1);
}

/* A dump from the position text pos as replica server_id, read to its
 * first transaction's GTID event (ev). */
static kf_blc_t *dump_from(const char *pos, uint32_t server_id,
			   kf_bl_event_t *ev)
{
	kf_gtid_pos_t from;
	kf_blc_t *c;

	assert_int_equal(kf_gtid_pos_parse(pos, strlen(pos), &from, errbuf,
					   sizeof(errbuf)),
			 0);
	assert_int_equal(kf_blc_open(db_open(url), &from, server_id, 200, &c,
				     errbuf, sizeof(errbuf)),
			 0);
	memset(&txn, 0, sizeof(txn));
	next_of(c, ev, KF_BL_GTID);
	return c;
}

static void test_stream(void **state)
{
	kf_db_t *db = db_open(url);
	kf_bl_tablemap_t *tm;
	kf_bl_value_t b[3], a[3];
	kf_bl_event_t ev;
	kf_bl_rows_t r;
	kf_blc_t *c;
	char pos[128];
	int i, hb = 0;

	(void)state;
	sql(db, "DROP TABLE IF EXISTS blc");
	sql(db, "CREATE TABLE blc (id BIGINT UNSIGNED PRIMARY "
		"KEY, v VARCHAR(20), d DECIMAL(10,3))");
	sql(db, "INSERT INTO blc VALUES (1, 'before', 0)");
	assert_int_equal(kf_cat_cell(db, "SELECT @@gtid_binlog_pos", pos,
				     sizeof(pos), errbuf, sizeof(errbuf)),
			 0);
	sql(db, "BEGIN");
	sql(db, "INSERT INTO blc VALUES (18446744073709551615, '정산', "
		"-1234567.891), (2, NULL, NULL)");
	sql(db, "UPDATE blc SET v = 'after' WHERE id = 1");
	sql(db, "DELETE FROM blc WHERE id = 2");
	sql(db, "COMMIT");

	c = dump_from(pos, 4000000007u, &ev);
	assert_false(ev.gtid_flags & KF_BL_GTID_STANDALONE);
	{
		char want[160];

		/* the transaction right after pos: seq + 1 in domain 0 */
		snprintf(want, sizeof(want), "%u-%u-%llu", ev.domain,
			 ev.server_id, (unsigned long long)ev.seq - 1);
		assert_string_equal(want, pos);
	}
	tm = next_map(c, &ev);
	assert_string_equal(tm->table, "blc");
	assert_string_equal(tm->cols[2].name, "d");
	next_row(c, &ev, KF_BL_WRITE_V1, tm, &r, NULL, a);
	assert_true(a[0].u == UINT64_MAX);
	assert_true(a[1].len == 6 && !memcmp(a[1].bytes, "정산", 6));
	{
		char d[KF_BL_DECIMAL_TEXT_MAX];

		kf_bl_decimal_text(&a[2], tm->cols[2].meta, d);
		assert_string_equal(d, "-1234567.891");
	}
	assert_int_equal(
		kf_bl_rows_next(&r, tm, NULL, a, errbuf, sizeof(errbuf)), 1);
	assert_int_equal(a[1].kind, KF_BL_V_NULL);
	assert_int_equal(
		kf_bl_rows_next(&r, tm, NULL, a, errbuf, sizeof(errbuf)), 0);
	kf_bl_tablemap_destroy(tm);
	tm = next_map(c, &ev);
	next_row(c, &ev, KF_BL_UPDATE_V1, tm, &r, b, a);
	assert_true(b[1].len == 6 && !memcmp(b[1].bytes, "before", 6));
	assert_true(a[1].len == 5 && !memcmp(a[1].bytes, "after", 5));
	kf_bl_tablemap_destroy(tm);
	next_of(c, &ev, KF_BL_TABLE_MAP);
	next_of(c, &ev, KF_BL_DELETE_V1);
	next_of(c, &ev, KF_BL_XID);
	/* the framing closed it; MariaDB 10.11 writes no BEGIN query (the
	 * GTID event stands for it), so no session id is known */
	assert_false(txn.open);
	assert_int_equal(txn.thread_id, 0);
	/* idle: heartbeats every 200 ms */
	for (i = 0; i < 3; i++) {
		assert_int_equal(kf_blc_next(c, &ev, errbuf, sizeof(errbuf)),
				 0);
		hb += ev.type == KF_BL_HEARTBEAT;
	}
	assert_true(hb >= 2);
	kf_blc_close(c);
	kf_blc_close(NULL);
	kf_db_close(db);
}

/* The snapshot's point (docs/cdc.md 10.6): a row committed after it is
 * not in the snapshot and is the first change of the stream from it. */
static void test_snapshot_point(void **state)
{
	kf_db_t *db = db_open(url), *snap = db_open(url);
	kf_bl_tablemap_t *tm;
	kf_bl_value_t a[2];
	kf_gtid_pos_t at;
	kf_bl_event_t ev;
	kf_bl_rows_t r;
	kf_blc_t *c;
	char file[256], n[32];
	uint64_t off;

	(void)state;
	sql(db, "DROP TABLE IF EXISTS snp");
	sql(db, "CREATE TABLE snp (id INT PRIMARY KEY, v INT)");
	sql(db, "INSERT INTO snp VALUES (1, 1), (2, 2)");
	assert_int_equal(kf_blc_snapshot(snap, &at, file, sizeof(file), &off,
					 errbuf, sizeof(errbuf)),
			 0);
	assert_true(!strncmp(file, "binlog.", 7) && off > 4);
	assert_true(at.n >= 1);
	sql(db, "INSERT INTO snp VALUES (3, 3)");
	assert_int_equal(kf_cat_cell(snap, "SELECT COUNT(*) FROM snp", n,
				     sizeof(n), errbuf, sizeof(errbuf)),
			 0);
	assert_string_equal(n, "2");
	kf_db_close(snap);

	assert_int_equal(kf_blc_open(db_open(url), &at, 4000000009u, 200, &c,
				     errbuf, sizeof(errbuf)),
			 0);
	memset(&txn, 0, sizeof(txn));
	next_of(c, &ev, KF_BL_GTID);
	assert_false(kf_gtid_pos_covers(
		&at, &(kf_gtid_t){ev.domain, ev.server_id, ev.seq}));
	tm = next_map(c, &ev);
	assert_string_equal(tm->table, "snp");
	next_row(c, &ev, KF_BL_WRITE_V1, tm, &r, NULL, a);
	assert_int_equal(a[0].i, 3);
	kf_bl_tablemap_destroy(tm);
	kf_blc_close(c);
	kf_db_close(db);
}

static void test_bad_positions(void **state)
{
	kf_gtid_pos_t ahead;
	kf_bl_event_t ev;
	kf_blc_t *c;
	int r = 0, i;

	(void)state;
	/* a position ahead of the server's binlog: refused by the server
	 * at once (strict mode), as a setup error */
	assert_int_equal(kf_gtid_pos_parse("0-1-999999999", 13, &ahead, errbuf,
					   sizeof(errbuf)),
			 0);
	assert_int_equal(kf_blc_open(db_open(url), &ahead, 4000000008u, 200, &c,
				     errbuf, sizeof(errbuf)),
			 0);
	for (i = 0; i < 10 && !r; i++)
		r = kf_blc_next(c, &ev, errbuf, sizeof(errbuf));
	assert_int_equal(r, KF_EINVAL);
	assert_non_null(strstr(errbuf, "snapshot again"));
	kf_blc_close(c);
}

/* The dump thread killed by the server mid-stream, after events were
 * read (so the library was given one to reuse): an error, then a clean
 * close (a double free aborts here, or under ASan). */
static void test_stream_cut(void **state)
{
	kf_db_t *db = db_open(url);
	char pos[256], id[32], kill[64];
	kf_gtid_pos_t from;
	kf_bl_event_t ev;
	kf_blc_t *c;
	int r = 0, i;

	(void)state;
	assert_int_equal(kf_cat_cell(db, "SELECT @@gtid_binlog_pos", pos,
				     sizeof(pos), errbuf, sizeof(errbuf)),
			 0);
	assert_int_equal(kf_gtid_pos_parse(pos, strlen(pos), &from, errbuf,
					   sizeof(errbuf)),
			 0);
	assert_int_equal(kf_blc_open(db_open(url), &from, 4000000010u, 200, &c,
				     errbuf, sizeof(errbuf)),
			 0);
	/* the dump's first events (rotate, format description) */
	for (i = 0; i < 2; i++)
		assert_int_equal(kf_blc_next(c, &ev, errbuf, sizeof(errbuf)),
				 0);
	assert_int_equal(
		kf_cat_cell(db,
			    "SELECT MAX(ID) FROM information_schema."
			    "PROCESSLIST WHERE COMMAND = 'Binlog Dump'",
			    id, sizeof(id), errbuf, sizeof(errbuf)),
		0);
	assert_true(id[0] != '\0');
	snprintf(kill, sizeof(kill), "KILL %s", id);
	sql(db, kill);
	for (i = 0; i < 100 && !r; i++)
		r = kf_blc_next(c, &ev, errbuf, sizeof(errbuf));
	assert_int_equal(r, KF_EIO);
	assert_non_null(strstr(errbuf, "binlog stream ended"));
	kf_blc_close(c);
	kf_db_close(db);
}

/* A row written by the server, read from its binlog: the event's row as
 * Debezium writes it (the forms of tests/unit/test_capture_mdbrow.c; here
 * on the server's own bytes: BIT's order, BINARY's padding, CHAR's
 * spaces, latin1's euro sign). */
static void test_event_of_every_type(void **state)
{
	static const char want[] =
		"\"after\":{\"id\":1,\"tu\":255,\"bu\":-1,\"de\":\"7Sm8\","
		"\"dt\":1796206272345,"
		"\"ts\":\"2026-12-02T01:02:03.120000Z\",\"dd\":20789,"
		"\"tm\":-3020399000000,\"y\":2026,\"e\":\"b\",\"s\":\"x,z\","
		"\"j\":\"{\\\"a\\\":1}\",\"bn\":\"AQIAAA==\",\"b1\":true,"
		"\"b10\":\"AgE=\",\"c\":\"ab\",\"l1\":"
		"\"caf\xc3\xa9\xe2\x82\xac\"},";
	kf_db_t *db = db_open(url);
	kf_bl_tablemap_t *tm;
	kf_bl_value_t a[17];
	kf_cap_coldef_t defs[17];
	kf_pgo_value_t text[17];
	kf_cap_source_t src = {.prefix = "pfx",
			       .db = "kferry",
			       .snapshot = "false",
			       .txid = -1,
			       .file = "binlog"};
	kf_strbuf_t arena, val;
	kf_cap_table_t *t;
	kf_bl_event_t ev;
	kf_bl_rows_t r;
	kf_blc_t *c;
	char pos[128];
	int zeroed = 0, nulled = 0;

	(void)state;
	sql(db, "DROP TABLE IF EXISTS mdbev");
	sql(db, "CREATE TABLE mdbev (id INT PRIMARY KEY, tu TINYINT UNSIGNED, "
		"bu BIGINT UNSIGNED, de DECIMAL(10,3), dt DATETIME(3), "
		"ts TIMESTAMP(6) NULL, dd DATE, tm TIME(6), y YEAR, "
		"e ENUM('a','b','c'), s SET('x','y','z'), j JSON, "
		"bn BINARY(4), b1 BIT(1), b10 BIT(10), c CHAR(5), "
		"l1 VARCHAR(10) CHARACTER SET latin1)");
	assert_int_equal(kf_cat_cell(db, "SELECT @@gtid_binlog_pos", pos,
				     sizeof(pos), errbuf, sizeof(errbuf)),
			 0);
	sql(db, "INSERT INTO mdbev VALUES (1, 255, 18446744073709551615, "
		"-1234.5, '2026-12-02 10:11:12.345', "
		"'2026-12-02 01:02:03.12', '2026-12-02', '-838:59:59', 2026, "
		"'b', 'x,z', '{\"a\":1}', 0x0102, b'1', b'0100000010', 'ab  ', "
		"'caf\xc3\xa9\xe2\x82\xac')");
	c = dump_from(pos, 4000000010u, &ev);
	tm = next_map(c, &ev);
	assert_int_equal(tm->ncols, 17);
	next_row(c, &ev, KF_BL_WRITE_V1, tm, &r, NULL, a);
	assert_int_equal(kf_mdb_coldefs(tm, defs, errbuf, sizeof(errbuf)), 0);
	defs[11].mdb_json = 1; /* information_schema's CHECK says so */
	assert_int_equal(kf_cap_table_new_mariadb("pfx", "kferry", "mdbev",
						  defs, 17, &t, errbuf,
						  sizeof(errbuf)),
			 0);
	kf_strbuf_heap(&arena, 256);
	kf_strbuf_heap(&val, 8192);
	if (kf_mdb_row_text(tm, a, &arena, text, &zeroed, errbuf,
			    sizeof(errbuf)))
		fail_msg("kf_mdb_row_text: %s", errbuf);
	if (kf_cap_event_value(t, 'c', NULL, 0, text, 17, &src, 0, &val,
			       &nulled, errbuf, sizeof(errbuf)))
		fail_msg("kf_cap_event_value: %s", errbuf);
	if (!strstr(val.p, want))
		fail_msg("the event's row is not Debezium's:\n%s",
			 strstr(val.p, "\"after\""));
	free(arena.p);
	free(val.p);
	kf_cap_table_destroy(t);
	kf_bl_tablemap_destroy(tm);
	kf_blc_close(c);
	kf_db_close(db);
}

/* The rows of a keyset read: each one's key texts (the select's last
 * nkey columns) joined by '|'. */
struct keyset {
	char rows[128][160];
	int n, nkey;
};

static int keyset_row(void *arg, size_t ncols, const char *const *vals,
		      const size_t *lens)
{
	struct keyset *k = arg;
	size_t i, at = 0;

	(void)lens;
	assert_true(k->n < 128 && ncols > (size_t)k->nkey);
	for (i = ncols - (size_t)k->nkey; i < ncols; i++)
		at += (size_t)snprintf(k->rows[k->n] + at,
				       sizeof(k->rows[0]) - at, "%s|", vals[i]);
	k->n++;
	return 0;
}

/* The rows of d after keyv (NULL: from the first), at most limit. */
static void keyset_read(kf_db_t *db, const kf_cat_def_t *d,
			const char *const *keyv, int nkey, int limit,
			struct keyset *k)
{
	kf_db_sql_t q = {0};
	kf_db_err_t e;
	char tail[32];

	assert_int_equal(kf_mdbcat_select(db, d, keyv, nkey, &q), 0);
	snprintf(tail, sizeof(tail), " LIMIT %d", limit);
	kf_db_sql_str(&q, tail);
	if (kf_db_query(db, q.p, keyset_row, k, &e))
		fail_msg("%s: %s", q.p, e.msg);
	kf_db_sql_free(&q);
}

static void test_keyset_chunks(void **state)
{
	static struct keyset all, chunked;
	kf_db_t *db = db_open(url);
	kf_cat_def_t d;
	char last[160], *keyv[4], *p;
	const char *bad[4] = {"a", "1 OR 1=1", "00", "2026-01-01"};
	kf_db_sql_t q = {0};
	int i, n;

	(void)state;
	sql(db, "DROP TABLE IF EXISTS kf_keyset");
	sql(db, "CREATE TABLE kf_keyset (s VARCHAR(20) CHARACTER SET utf8mb4 "
		"COLLATE utf8mb4_general_ci, u BIGINT UNSIGNED, b "
		"VARBINARY(4), d DATETIME(3), v INT, PRIMARY KEY (s, u, b, "
		"d)) ENGINE=InnoDB");
	/* 'B' sorts between 'a' and 'c', 'É' with 'e'; unsigned values past
	 * 2^63; bytes past 0x7f; a quote and a backslash in a key */
	sql(db,
	    "INSERT INTO kf_keyset SELECT s.s, u.u, b.b, d.d, 1 FROM "
	    "(SELECT 'a' s UNION SELECT 'B' UNION SELECT 'c' UNION SELECT "
	    "'É' UNION SELECT 'it''s' UNION SELECT 'x\\\\y') s, (SELECT 1 u "
	    "UNION SELECT 9223372036854775808 UNION SELECT "
	    "18446744073709551615) u, (SELECT X'00' b UNION SELECT "
	    "X'ff7f') b, (SELECT '2026-12-02 10:00:00.123' d UNION SELECT "
	    "'1999-01-01 00:00:00') d");
	assert_int_equal(kf_mdbcat_table(db, "kferry.kf_keyset", &d, errbuf,
					 sizeof(errbuf)),
			 0);
	all.nkey = chunked.nkey = 4;
	keyset_read(db, &d, NULL, 0, 1000, &all);
	assert_int_equal(all.n, 72);
	assert_string_equal(all.rows[0], "a|1|00|1999-01-01 00:00:00.000000|");
	assert_string_equal(all.rows[12], "B|1|00|1999-01-01 00:00:00.000000|");
	/* chunks of 5 from the last key of the one before */
	keyset_read(db, &d, NULL, 0, 5, &chunked);
	do {
		n = chunked.n;
		snprintf(last, sizeof(last), "%s", chunked.rows[n - 1]);
		for (i = 0, p = last; i < 4; i++) {
			keyv[i] = p;
			p = strchr(p, '|');
			*p++ = '\0';
		}
		keyset_read(db, &d, (const char *const *)keyv, 4, 5, &chunked);
	} while (chunked.n > n);
	assert_int_equal(chunked.n, 72);
	for (i = 0; i < 72; i++)
		assert_string_equal(chunked.rows[i], all.rows[i]);
	/* a record's key that is not one of this table: refused */
	assert_int_equal(kf_mdbcat_select(db, &d, bad, 4, &q), KF_EPROTO);
	q.len = 0;
	assert_int_equal(kf_mdbcat_select(db, &d, bad, 3, &q), KF_EPROTO);
	kf_db_sql_free(&q);
	kf_mdbcat_def_free(&d);
	sql(db, "DROP TABLE kf_keyset");
	kf_db_close(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_preflight),
		cmocka_unit_test(test_stream),
		cmocka_unit_test(test_snapshot_point),
		cmocka_unit_test(test_bad_positions),
		cmocka_unit_test(test_stream_cut),
		cmocka_unit_test(test_event_of_every_type),
		cmocka_unit_test(test_keyset_chunks),
	};

	url = getenv("KF_TEST_MARIADB_URL");
	if (!url) {
		fprintf(stderr, "test_binlogconn: set KF_TEST_MARIADB_URL "
				"(tests/db/run.sh does)\n");
		return 2;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
