/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of src/capture/mdbrow.c with capture/event: a binlog row of
 * a MariaDB table with a column of every type of docs/cdc.md 10.8 gives
 * the key, the row and the source struct Debezium 3.2's MariaDB connector
 * writes (with its defaults: decimal.handling.mode=precise,
 * time.precision.mode=adaptive_time_microseconds,
 * bigint.unsigned.handling.mode=long, binary.handling.mode=bytes). Where
 * each expected form comes from is said beside it: Debezium's
 * documentation of the MariaDB/MySQL connector's data types ("Data type
 * mappings"), its BinlogValueConverters and the source struct of its
 * MySqlSourceInfoStructMaker (which the MariaDB connector shares).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "capture/event.h"
#include "capture/mdbrow.h"
#include "kferry/kferry.h"

#define UTF8MB4 45 /* utf8mb4_general_ci */
#define LATIN1 8   /* latin1_swedish_ci */

static char m_a[] = "a", m_b[] = "b", m_c[] = "c", m_x[] = "x", m_y[] = "y",
	    m_z[] = "z";
static char *enum_m[] = {m_a, m_b, m_c}, *set_m[] = {m_x, m_y, m_z};

static char n_id[] = "id", n_ti[] = "ti", n_tu[] = "tu", n_su[] = "su",
	    n_mi[] = "mi", n_iu[] = "iu", n_bu[] = "bu", n_f[] = "f",
	    n_d[] = "d", n_dec[] = "dec", n_dt[] = "dt", n_dt6[] = "dt6",
	    n_ts[] = "ts", n_dd[] = "dd", n_tm[] = "tm", n_y[] = "y",
	    n_e[] = "e", n_s[] = "s", n_j[] = "j", n_bl[] = "bl", n_bn[] = "bn",
	    n_b1[] = "b1", n_b10[] = "b10", n_v[] = "v", n_l1[] = "l1",
	    n_zd[] = "zd";

#define COL(nm, t, m, uns, coll, key)                                          \
	{                                                                      \
		.type = (t), .meta = (m), .nullable = !(key),                  \
		.is_unsigned = (uns), .collation = (coll), .name = (nm),       \
		.key_seq = (key)                                               \
	}

static kf_bl_col_t cols[] = {
	COL(n_id, KF_BL_T_LONG, 0, 0, 0, 1),
	COL(n_ti, KF_BL_T_TINY, 0, 0, 0, 0),
	COL(n_tu, KF_BL_T_TINY, 0, 1, 0, 0),
	COL(n_su, KF_BL_T_SHORT, 0, 1, 0, 0),
	COL(n_mi, KF_BL_T_INT24, 0, 0, 0, 0),
	COL(n_iu, KF_BL_T_LONG, 0, 1, 0, 0),
	COL(n_bu, KF_BL_T_LONGLONG, 0, 1, 0, 0),
	COL(n_f, KF_BL_T_FLOAT, 4, 0, 0, 0),
	COL(n_d, KF_BL_T_DOUBLE, 8, 0, 0, 0),
	COL(n_dec, KF_BL_T_NEWDECIMAL, 10 << 8 | 3, 0, 0, 0),
	COL(n_dt, KF_BL_T_DATETIME2, 3, 0, 0, 0),
	COL(n_dt6, KF_BL_T_DATETIME2, 6, 0, 0, 0),
	COL(n_ts, KF_BL_T_TIMESTAMP2, 6, 0, 0, 0),
	COL(n_dd, KF_BL_T_DATE, 0, 0, 0, 0),
	COL(n_tm, KF_BL_T_TIME2, 6, 0, 0, 0),
	COL(n_y, KF_BL_T_YEAR, 0, 0, 0, 0),
	COL(n_e, KF_BL_T_ENUM, 1, 0, UTF8MB4, 0),
	COL(n_s, KF_BL_T_SET, 1, 0, UTF8MB4, 0),
	COL(n_j, KF_BL_T_BLOB, 4, 0, UTF8MB4, 0),
	COL(n_bl, KF_BL_T_BLOB, 2, 0, KF_BL_BINARY_COLLATION, 0),
	COL(n_bn, KF_BL_T_STRING, 4, 0, KF_BL_BINARY_COLLATION, 0),
	COL(n_b1, KF_BL_T_BIT, 1, 0, 0, 0),
	COL(n_b10, KF_BL_T_BIT, 10, 0, 0, 0),
	COL(n_v, KF_BL_T_VARCHAR, 80, 0, UTF8MB4, 0),
	COL(n_l1, KF_BL_T_VARCHAR, 20, 0, LATIN1, 0),
	COL(n_zd, KF_BL_T_DATE, 0, 0, 0, 0),
};
#define NCOLS ((uint32_t)(sizeof(cols) / sizeof(cols[0])))

static char db[] = "shop", tbl[] = "t";

static kf_bl_tablemap_t map(void)
{
	kf_bl_tablemap_t tm = {.table_id = 7,
			       .db = db,
			       .table = tbl,
			       .ncols = NCOLS,
			       .cols = cols,
			       .has_names = 1,
			       .has_key = 1};

	cols[16].members = enum_m, cols[16].nmembers = 3;
	cols[17].members = set_m, cols[17].nmembers = 3;
	return tm;
}

/* -1234.500 as DECIMAL(10,3) in the binlog: 7 integer digits in 4 bytes,
 * 3 fraction digits in 2, the sign bit flipped, negative values inverted */
static const uint8_t dec_bytes[] = {0x7f, 0xff, 0xfb, 0x2d, 0xfe, 0x0b};
static const uint8_t blob_bytes[] = {0x00, 0xff};
static const uint8_t bin_bytes[] = {0x01, 0x02};
static const uint8_t bit1[] = {0x01};
static const uint8_t bit10[] = {0x02, 0x01};
static const char json[] = "{\"a\":1}", text[] = "h\xc3\xa9llo \xe2\x98\x83",
		  latin1[] = "caf\xe9\x80";

#define BYTES(p, n)                                                            \
	{                                                                      \
		.kind = KF_BL_V_BYTES, .bytes = (const uint8_t *)(p),          \
		.len = (n)                                                     \
	}

/* 2026-12-02 10:11:12 and a fraction */
#define DATETIME(us)                                                           \
	{                                                                      \
		.kind = KF_BL_V_DATETIME, .year = 2026, .month = 12, .day = 2, \
		.hour = 10, .minute = 11, .second = 12, .usec = (us)           \
	}

static const kf_bl_value_t row[] = {
	{.kind = KF_BL_V_INT, .i = 1},
	{.kind = KF_BL_V_INT, .i = -128},
	{.kind = KF_BL_V_INT, .u = 255},
	{.kind = KF_BL_V_INT, .u = 65535},
	{.kind = KF_BL_V_INT, .i = -8388608},
	{.kind = KF_BL_V_INT, .u = 4294967295u},
	{.kind = KF_BL_V_INT, .u = UINT64_MAX},
	{.kind = KF_BL_V_FLOAT, .d = 1.5},
	{.kind = KF_BL_V_FLOAT, .d = -2.25},
	{.kind = KF_BL_V_DECIMAL, .bytes = dec_bytes, .len = sizeof(dec_bytes)},
	DATETIME(345000),
	DATETIME(345678),
	{.kind = KF_BL_V_TIMESTAMP, .i = 1796173323, .usec = 120000},
	{.kind = KF_BL_V_DATE, .year = 2026, .month = 12, .day = 2},
	{.kind = KF_BL_V_TIME, .i = -3020399000000},
	{.kind = KF_BL_V_YEAR, .i = 2026},
	{.kind = KF_BL_V_ENUM, .u = 2},
	{.kind = KF_BL_V_SET, .u = 5},
	BYTES(json, sizeof(json) - 1),
	BYTES(blob_bytes, 2),
	BYTES(bin_bytes, 2),
	BYTES(bit1, 1),
	BYTES(bit10, 2),
	BYTES(text, sizeof(text) - 1),
	BYTES(latin1, sizeof(latin1) - 1),
	{.kind = KF_BL_V_DATE}, /* 0000-00-00 */
};

/* The row as Debezium writes it ("Data type mappings" of its MariaDB
 * connector's documentation, with the defaults above). */
static const char want_after[] =
	"{\"id\":1,"
	/* TINYINT and TINYINT UNSIGNED: INT16; SMALLINT UNSIGNED,
	 * MEDIUMINT: INT32; INT UNSIGNED: INT64 */
	"\"ti\":-128,\"tu\":255,\"su\":65535,\"mi\":-8388608,"
	"\"iu\":4294967295,"
	/* BIGINT UNSIGNED in long mode: the 64 bits as a Java long */
	"\"bu\":-1,"
	"\"f\":1.5,\"d\":-2.25,"
	/* precise: Connect's Decimal, the unscaled -1234500 big-endian */
	"\"dec\":\"7Sm8\","
	/* DATETIME(0-3): io.debezium.time.Timestamp, ms; (4-6):
	 * MicroTimestamp, us; both the value as if UTC */
	"\"dt\":1796206272345,\"dt6\":1796206272345678,"
	/* TIMESTAMP(n): ZonedTimestamp, ISO 8601 in UTC, the fraction of n
	 * digits (JdbcValueConverters passes the column's length to
	 * ZonedTimestamp.toIsoString as the fraction's width) */
	"\"ts\":\"2026-12-02T01:02:03.120000Z\","
	/* DATE: io.debezium.time.Date, days since the epoch */
	"\"dd\":20789,"
	/* TIME in adaptive_time_microseconds: MicroTime, negative allowed */
	"\"tm\":-3020399000000,"
	/* YEAR: io.debezium.time.Year, the year */
	"\"y\":2026,"
	/* ENUM: the member; SET: the members present, comma-joined */
	"\"e\":\"b\",\"s\":\"x,z\","
	/* JSON: io.debezium.data.Json, the text */
	"\"j\":\"{\\\"a\\\":1}\","
	/* BLOB, BINARY(n) (padded to n with 0x00) in bytes mode: base64 */
	"\"bl\":\"AP8=\",\"bn\":\"AQIAAA==\","
	/* BIT(1): BOOLEAN; BIT(n): io.debezium.data.Bits, little-endian */
	"\"b1\":true,\"b10\":\"AQI=\","
	/* text in UTF-8; latin1 (Windows-1252) converted to it */
	"\"v\":\"h\xc3\xa9llo "
	"\xe2\x98\x83\",\"l1\":\"caf\xc3\xa9\xe2\x82\xac\","
	/* a zero date has no value: null */
	"\"zd\":null}";

/* MySqlSourceInfoStructMaker: the common members, then table, server_id,
 * gtid, file, pos, row, thread, query */
static const char want_source[] =
	"\"source\":{\"version\":\"3.2.0.Final\",\"connector\":\"mariadb\","
	"\"name\":\"pfx\",\"ts_ms\":1796206272000,\"snapshot\":\"false\","
	"\"db\":\"shop\",\"sequence\":null,\"ts_us\":1796206272000000,"
	"\"ts_ns\":1796206272000000000,\"table\":\"t\",\"server_id\":1,"
	"\"gtid\":\"0-1-42\",\"file\":\"binlog.000001\",\"pos\":4711,"
	"\"row\":0,\"thread\":null,\"query\":null},"
	"\"transaction\":null,\"op\":\"c\"";

/* The field schemas of the types MariaDB has and PostgreSQL has not
 * (JsonConverter's member order: type, optional, name, version,
 * parameters, field). */
static const char *const want_fields[] = {
	"{\"type\":\"int32\",\"optional\":false,\"field\":\"id\"}",
	"{\"type\":\"int16\",\"optional\":true,\"field\":\"tu\"}",
	"{\"type\":\"int32\",\"optional\":true,\"field\":\"su\"}",
	"{\"type\":\"int32\",\"optional\":true,\"field\":\"mi\"}",
	"{\"type\":\"int64\",\"optional\":true,\"field\":\"iu\"}",
	"{\"type\":\"int64\",\"optional\":true,\"field\":\"bu\"}",
	"{\"type\":\"float\",\"optional\":true,\"field\":\"f\"}",
	"{\"type\":\"double\",\"optional\":true,\"field\":\"d\"}",
	"{\"type\":\"bytes\",\"optional\":true,\"name\":\"org.apache.kafka."
	"connect.data.Decimal\",\"version\":1,\"parameters\":{\"scale\":\"3\","
	"\"connect.decimal.precision\":\"10\"},\"field\":\"dec\"}",
	"{\"type\":\"int64\",\"optional\":true,\"name\":\"io.debezium.time."
	"Timestamp\",\"version\":1,\"field\":\"dt\"}",
	"{\"type\":\"int64\",\"optional\":true,\"name\":\"io.debezium.time."
	"MicroTimestamp\",\"version\":1,\"field\":\"dt6\"}",
	"{\"type\":\"string\",\"optional\":true,\"name\":\"io.debezium.time."
	"ZonedTimestamp\",\"version\":1,\"field\":\"ts\"}",
	"{\"type\":\"int32\",\"optional\":true,\"name\":\"io.debezium.time."
	"Date\",\"version\":1,\"field\":\"dd\"}",
	"{\"type\":\"int64\",\"optional\":true,\"name\":\"io.debezium.time."
	"MicroTime\",\"version\":1,\"field\":\"tm\"}",
	"{\"type\":\"int32\",\"optional\":true,\"name\":\"io.debezium.time."
	"Year\",\"version\":1,\"field\":\"y\"}",
	"{\"type\":\"string\",\"optional\":true,\"name\":\"io.debezium.data."
	"Enum\",\"version\":1,\"parameters\":{\"allowed\":\"a,b,c\"},"
	"\"field\":\"e\"}",
	"{\"type\":\"string\",\"optional\":true,\"name\":\"io.debezium.data."
	"EnumSet\",\"version\":1,\"parameters\":{\"allowed\":\"x,y,z\"},"
	"\"field\":\"s\"}",
	"{\"type\":\"string\",\"optional\":true,\"name\":\"io.debezium.data."
	"Json\",\"version\":1,\"field\":\"j\"}",
	"{\"type\":\"bytes\",\"optional\":true,\"field\":\"bl\"}",
	"{\"type\":\"boolean\",\"optional\":true,\"field\":\"b1\"}",
	"{\"type\":\"bytes\",\"optional\":true,\"name\":\"io.debezium.data."
	"Bits\",\"version\":1,\"parameters\":{\"length\":\"10\"},"
	"\"field\":\"b10\"}",
	"{\"type\":\"string\",\"optional\":true,\"field\":\"v\"}",
	"\"name\":\"io.debezium.connector.mariadb.Source\"",
};

static kf_cap_table_t *table(const kf_bl_tablemap_t *tm)
{
	kf_cap_coldef_t defs[NCOLS];
	kf_cap_table_t *t;
	char err[256];

	assert_int_equal(kf_mdb_coldefs(tm, defs, err, sizeof(err)), 0);
	defs[18].mdb_json = 1; /* information_schema says so */
	assert_int_equal(kf_cap_table_new_mariadb("pfx", "shop", "t", defs,
						  (int)NCOLS, &t, err,
						  sizeof(err)),
			 0);
	assert_string_equal(kf_cap_table_topic(t), "pfx.shop.t");
	return t;
}

static void test_every_type(void **state)
{
	kf_bl_tablemap_t tm = map();
	kf_cap_table_t *t = table(&tm);
	kf_cap_source_t src = {.prefix = "pfx",
			       .db = "shop",
			       .snapshot = "false",
			       .ts_us = 1796206272000000,
			       .txid = -1,
			       .server_id = 1,
			       .gtid = "0-1-42",
			       .file = "binlog.000001",
			       .pos = 4711};
	kf_pgo_value_t v[NCOLS];
	kf_strbuf_t arena, key, val;
	char err[256];
	int zeroed = 0, nulled = 0;
	const char *after;
	size_t i;

	(void)state;
	kf_strbuf_heap(&arena, 16); /* small: it grows while written */
	assert_int_equal(
		kf_mdb_row_text(&tm, row, &arena, v, &zeroed, err, sizeof(err)),
		0);
	assert_int_equal(zeroed, 1);
	kf_strbuf_heap(&key, 256);
	kf_strbuf_heap(&val, 4096);
	assert_int_equal(
		kf_cap_event_key(t, v, (int)NCOLS, &key, err, sizeof(err)), 0);
	assert_string_equal(key.p,
			    "{\"schema\":{\"type\":\"struct\",\"fields\":"
			    "[{\"type\":\"int32\",\"optional\":false,"
			    "\"field\":\"id\"}],\"optional\":false,"
			    "\"name\":\"pfx.shop.t.Key\"},\"payload\":"
			    "{\"id\":1}}");
	assert_int_equal(kf_cap_event_value(t, 'c', NULL, 0, v, (int)NCOLS,
					    &src, 1796206273000000, &val,
					    &nulled, err, sizeof(err)),
			 0);
	after = strstr(val.p, "\"payload\":{\"before\":null,\"after\":");
	assert_non_null(after);
	after += strlen("\"payload\":{\"before\":null,\"after\":");
	assert_memory_equal(after, want_after, sizeof(want_after) - 1);
	assert_memory_equal(after + sizeof(want_after) - 1, ",", 1);
	assert_non_null(strstr(val.p, want_source));
	for (i = 0; i < sizeof(want_fields) / sizeof(want_fields[0]); i++)
		if (!strstr(val.p, want_fields[i]))
			fail_msg("no field schema %s", want_fields[i]);
	free(arena.p);
	free(key.p);
	free(val.p);
	kf_cap_table_destroy(t);
}

/* A two-column table: id INT key, and c. */
static kf_bl_tablemap_t pair(kf_bl_col_t *two)
{
	kf_bl_tablemap_t tm = {.table_id = 8,
			       .db = db,
			       .table = tbl,
			       .ncols = 2,
			       .cols = two,
			       .has_names = 1,
			       .has_key = 1};

	two[0] = cols[0];
	return tm;
}

/* A value that is not its column's text is refused naming the column;
 * so are a map without names (binlog_row_metadata not FULL) and a type
 * 10.8 does not map. */
static void test_refused(void **state)
{
	static const uint8_t bad_utf8[] = {'a', 0xc3, 0x28};
	kf_bl_col_t two[2];
	kf_bl_tablemap_t tm = pair(two);
	kf_bl_value_t v[2] = {{.kind = KF_BL_V_INT, .i = 1},
			      BYTES(bad_utf8, sizeof(bad_utf8))};
	kf_cap_coldef_t defs[2];
	kf_pgo_value_t out[2];
	kf_cap_table_t *t;
	kf_strbuf_t arena;
	char err[256];
	int zeroed = 0;

	(void)state;
	kf_strbuf_heap(&arena, 64);
	two[1] = cols[23]; /* VARCHAR utf8mb4 */
	assert_int_equal(
		kf_mdb_row_text(&tm, v, &arena, out, &zeroed, err, sizeof(err)),
		KF_EPROTO);
	assert_non_null(strstr(err, "column v"));
	assert_non_null(strstr(err, "not UTF-8"));

	map();		   /* the members */
	two[1] = cols[16]; /* ENUM('a','b','c') */
	v[1] = (kf_bl_value_t){.kind = KF_BL_V_ENUM, .u = 4};
	assert_int_equal(
		kf_mdb_row_text(&tm, v, &arena, out, &zeroed, err, sizeof(err)),
		KF_EPROTO);
	assert_non_null(strstr(err, "ENUM index 4 of 3"));
	two[1] = cols[17]; /* SET('x','y','z') */
	v[1] = (kf_bl_value_t){.kind = KF_BL_V_SET, .u = 8};
	assert_int_equal(
		kf_mdb_row_text(&tm, v, &arena, out, &zeroed, err, sizeof(err)),
		KF_EPROTO);
	assert_non_null(strstr(err, "column s: SET bits 0x8"));

	tm.has_names = 0;
	assert_int_equal(kf_mdb_coldefs(&tm, defs, err, sizeof(err)),
			 KF_EINVAL);
	assert_non_null(strstr(err, "binlog_row_metadata=FULL"));
	tm.has_names = 1;
	two[1] = cols[1];
	two[1].type = 255; /* GEOMETRY */
	assert_int_equal(kf_mdb_coldefs(&tm, defs, err, sizeof(err)), 0);
	assert_int_equal(kf_cap_table_new_mariadb("pfx", "shop", "t", defs, 2,
						  &t, err, sizeof(err)),
			 KF_EINVAL);
	assert_null(t);
	assert_non_null(strstr(err, "column ti"));
	free(arena.p);
}

/* An update has before and after; a NOT NULL zero date is the type's
 * zero (a required field cannot be null), counted; no GTID is null. */
static void test_update_zero_date(void **state)
{
	kf_bl_col_t two[2];
	kf_bl_tablemap_t tm = pair(two);
	kf_bl_value_t before[2] =
		{{.kind = KF_BL_V_INT, .i = 7},
		 {.kind = KF_BL_V_DATE, .year = 1970, .month = 1, .day = 2}},
		      after[2] = {{.kind = KF_BL_V_INT, .i = 7},
				  {.kind = KF_BL_V_DATE}};
	kf_cap_source_t src = {.prefix = "pfx",
			       .db = "shop",
			       .snapshot = "false",
			       .txid = -1,
			       .file = "binlog.000002",
			       .pos = 4,
			       .row = 2};
	kf_cap_coldef_t defs[2];
	kf_pgo_value_t ob[2], oa[2];
	kf_strbuf_t ab, aa, val;
	kf_cap_table_t *t;
	char err[256];
	int zeroed = 0, nulled = 0;

	(void)state;
	two[1] = cols[13];
	two[1].nullable = 0;
	assert_int_equal(kf_mdb_coldefs(&tm, defs, err, sizeof(err)), 0);
	assert_int_equal(kf_cap_table_new_mariadb("pfx", "shop", "t", defs, 2,
						  &t, err, sizeof(err)),
			 0);
	kf_strbuf_heap(&ab, 16);
	kf_strbuf_heap(&aa, 16);
	kf_strbuf_heap(&val, 2048);
	assert_int_equal(kf_mdb_row_text(&tm, before, &ab, ob, &zeroed, err,
					 sizeof(err)),
			 0);
	assert_int_equal(
		kf_mdb_row_text(&tm, after, &aa, oa, &zeroed, err, sizeof(err)),
		0);
	assert_int_equal(zeroed, 1);
	assert_int_equal(kf_cap_event_value(t, 'u', ob, 2, oa, 2, &src, 0, &val,
					    &nulled, err, sizeof(err)),
			 0);
	assert_non_null(strstr(val.p, "\"before\":{\"id\":7,\"dd\":1},"
				      "\"after\":{\"id\":7,\"dd\":0},"));
	assert_non_null(strstr(val.p, "\"server_id\":0,\"gtid\":null,"
				      "\"file\":\"binlog.000002\",\"pos\":4,"
				      "\"row\":2,"));
	assert_non_null(strstr(val.p, "\"op\":\"u\""));
	free(ab.p);
	free(aa.p);
	free(val.p);
	kf_cap_table_destroy(t);
}

/* The definition held matches a table map of the same columns; another
 * map (a column more, renamed, of another type) does not, and its rows
 * then have the map's columns with the held NOT NULL and JSON mark of
 * the same names, a new column optional (docs/cdc.md 10.7). */
static void test_definition_match(void **state)
{
	kf_bl_col_t two[2];
	kf_bl_tablemap_t tm = pair(two);
	kf_cap_coldef_t held[2], out[2];
	char err[256], upper[] = "J";

	(void)state;
	two[1] = cols[18]; /* j: JSON, a BLOB in the binlog */
	assert_int_equal(kf_mdb_coldefs(&tm, held, err, sizeof(err)), 0);
	held[1].mdb_json = 1;
	held[1].notnull = 1;
	held[1].name = upper; /* information_schema's case */
	assert_int_equal(kf_mdb_coldefs_match(held, 2, &tm), 1);
	assert_int_equal(kf_mdb_coldefs_match(held, 1, &tm), 0);
	held[1].mdb_type = KF_BL_T_VARCHAR;
	assert_int_equal(kf_mdb_coldefs_match(held, 2, &tm), 0);
	held[1].mdb_type = KF_BL_T_BLOB;

	/* the map is older: its second column is one the table has not now */
	two[1] = cols[23]; /* v */
	assert_int_equal(kf_mdb_coldefs_match(held, 2, &tm), 0);
	assert_int_equal(
		kf_mdb_coldefs_older(held, 2, &tm, out, err, sizeof(err)), 0);
	assert_string_equal(out[1].name, "v");
	assert_int_equal(out[1].notnull, 0);
	assert_int_equal(out[1].mdb_json, 0);
	assert_int_equal(out[0].notnull, 1); /* the key */
	/* and when it is the held column, its marks are kept */
	two[1] = cols[18];
	assert_int_equal(
		kf_mdb_coldefs_older(held, 2, &tm, out, err, sizeof(err)), 0);
	assert_int_equal(out[1].notnull, 1);
	assert_int_equal(out[1].mdb_json, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_type),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_update_zero_date),
		cmocka_unit_test(test_definition_match),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
