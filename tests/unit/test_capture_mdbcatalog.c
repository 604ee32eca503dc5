/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of src/capture/mdbcatalog.c's rows of information_schema
 * (docs/cdc.md 10.7): each DATA_TYPE of 10.8 becomes the binlog type and
 * metadata a table map carries for it (decimal precision << 8 | scale,
 * fraction digits, bits, octets), NOT NULL, unsignedness, the JSON mark,
 * ENUM/SET members with quotes; the primary key's positions. Hostile
 * rows refused, naming the column: a type not mapped, numbers with signs,
 * spaces, overflows or outside what a table map carries, a row of the
 * wrong width, a missing name or type, a column past KF_BL_MAX_COLS.
 * The typed literals that place a binlog key against a resumed
 * snapshot's bound (10.6): the record's texts and the binlog's values of
 * each key type as the same literal, strings as hex with the column's
 * character set and collation; hostile texts, names and values refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "capture/binlog.h"
#include "capture/mdbcatalog.h"
#include "kferry/kferry.h"

static char bad[200];

/* One row: NAME, DATA_TYPE, COLUMN_TYPE, IS_NULLABLE, NUMERIC_PRECISION,
 * NUMERIC_SCALE, DATETIME_PRECISION, CHARACTER_OCTET_LENGTH, JSON. */
static int col(kf_cat_def_t *d, const char *name, const char *type,
	       const char *ctype, const char *nullable, const char *prec,
	       const char *scale, const char *dtp, const char *octets,
	       const char *json)
{
	const char *v[9] = {name,  type, ctype,	 nullable, prec,
			    scale, dtp,	 octets, json};

	bad[0] = '\0';
	return kf_mdbcat_column(d, 9, v, bad, sizeof(bad));
}

static const kf_cap_coldef_t *last(const kf_cat_def_t *d)
{
	assert_true(d->ncols > 0);
	return &d->cols[d->ncols - 1];
}

static void test_types(void **state)
{
	kf_cat_def_t d = {.schema = "db", .name = "t"};
	const kf_cap_coldef_t *c;

	(void)state;
	assert_int_equal(col(&d, "id", "bigint", "bigint(20) unsigned", "NO",
			     "20", "0", NULL, NULL, "0"),
			 0);
	c = last(&d);
	assert_string_equal(c->name, "id");
	assert_int_equal(c->mdb_type, KF_BL_T_LONGLONG);
	assert_true(c->mdb_unsigned);
	assert_true(c->notnull);
	assert_false(c->mdb_json);

	assert_int_equal(col(&d, "amt", "DECIMAL", "decimal(12,2)", "YES", "12",
			     "2", NULL, NULL, NULL),
			 0);
	c = last(&d);
	assert_int_equal(c->mdb_type, KF_BL_T_NEWDECIMAL);
	assert_int_equal(c->mdb_meta, 12 << 8 | 2);
	assert_false(c->notnull);
	assert_false(c->mdb_unsigned);

	assert_int_equal(col(&d, "at", "datetime", "datetime(6)", "YES", NULL,
			     NULL, "6", NULL, NULL),
			 0);
	assert_int_equal(last(&d)->mdb_type, KF_BL_T_DATETIME2);
	assert_int_equal(last(&d)->mdb_meta, 6);

	assert_int_equal(col(&d, "ts", "timestamp", "timestamp", "NO", NULL,
			     NULL, NULL, NULL, NULL),
			 0);
	assert_int_equal(last(&d)->mdb_type, KF_BL_T_TIMESTAMP2);
	assert_int_equal(last(&d)->mdb_meta, 0);

	assert_int_equal(col(&d, "b", "bit", "bit(10)", "YES", "10", NULL, NULL,
			     NULL, NULL),
			 0);
	assert_int_equal(last(&d)->mdb_type, KF_BL_T_BIT);
	assert_int_equal(last(&d)->mdb_meta, 10);

	assert_int_equal(col(&d, "v", "varchar", "varchar(40)", "YES", NULL,
			     NULL, NULL, "160", NULL),
			 0);
	assert_int_equal(last(&d)->mdb_type, KF_BL_T_VARCHAR);
	assert_int_equal(last(&d)->mdb_meta, 160);
	assert_false(last(&d)->mdb_binary);

	assert_int_equal(col(&d, "bn", "binary", "binary(16)", "YES", NULL,
			     NULL, NULL, "16", NULL),
			 0);
	assert_int_equal(last(&d)->mdb_type, KF_BL_T_STRING);
	assert_true(last(&d)->mdb_binary);

	/* the length bytes of a BLOB's value, as the table map says */
	assert_int_equal(col(&d, "j", "longtext", "longtext", "YES", NULL, NULL,
			     NULL, "4294967295", "1"),
			 0);
	assert_int_equal(last(&d)->mdb_type, KF_BL_T_BLOB);
	assert_int_equal(last(&d)->mdb_meta, 4);
	assert_true(last(&d)->mdb_json);

	assert_int_equal(col(&d, "f", "double", "double", "YES", "22", NULL,
			     NULL, NULL, NULL),
			 0);
	assert_int_equal(last(&d)->mdb_meta, 8);
	assert_int_equal(d.ncols, 9);
	kf_mdbcat_def_free(&d);
	assert_int_equal(d.ncols, 0);
	assert_null(d.cols);
}

static void test_members(void **state)
{
	kf_cat_def_t d = {.schema = "db", .name = "t"};
	const kf_cap_coldef_t *c;

	(void)state;
	/* '' is a quote inside a member; a comma inside one is not a
	 * separator */
	assert_int_equal(col(&d, "e", "enum", "enum('a','b''c','x,y','')",
			     "YES", NULL, NULL, NULL, "12", NULL),
			 0);
	c = last(&d);
	assert_int_equal(c->mdb_type, KF_BL_T_ENUM);
	assert_int_equal(c->nmembers, 4);
	assert_string_equal(c->members[0], "a");
	assert_string_equal(c->members[1], "b'c");
	assert_string_equal(c->members[2], "x,y");
	assert_string_equal(c->members[3], "");

	assert_int_equal(col(&d, "s", "set", "set('p','q')", "NO", NULL, NULL,
			     NULL, "3", NULL),
			 0);
	c = last(&d);
	assert_int_equal(c->mdb_type, KF_BL_T_SET);
	assert_int_equal(c->nmembers, 2);
	assert_string_equal(c->members[1], "q");

	/* cut texts end where they end, no read past them */
	assert_int_equal(col(&d, "c1", "enum", "enum('a','b", "YES", NULL, NULL,
			     NULL, NULL, NULL),
			 0);
	c = last(&d);
	assert_int_equal(c->nmembers, 2);
	assert_string_equal(c->members[1], "b");
	assert_int_equal(col(&d, "c2", "enum", "enum('a''", "YES", NULL, NULL,
			     NULL, NULL, NULL),
			 0);
	assert_int_equal(last(&d)->nmembers, 1);
	assert_string_equal(last(&d)->members[0], "a'");
	assert_int_equal(col(&d, "c3", "enum", "enum(", "YES", NULL, NULL, NULL,
			     NULL, NULL),
			 0);
	assert_int_equal(last(&d)->nmembers, 0);
	assert_int_equal(col(&d, "c4", "enum", "enum", "YES", NULL, NULL, NULL,
			     NULL, NULL),
			 0);
	assert_int_equal(last(&d)->nmembers, 0);
	kf_mdbcat_def_free(&d);
}

/* refused with KF_EINVAL, bad naming the column and the value */
static void refused(const char *type, const char *ctype, const char *prec,
		    const char *scale, const char *dtp, const char *octets,
		    const char *value)
{
	kf_cat_def_t d = {.schema = "db", .name = "t"};

	assert_int_equal(col(&d, "x", type, ctype, "YES", prec, scale, dtp,
			     octets, NULL),
			 KF_EINVAL);
	assert_non_null(strstr(bad, "x ("));
	assert_non_null(strstr(bad, value));
	kf_mdbcat_def_free(&d);
}

static void test_hostile_numbers(void **state)
{
	(void)state;
	refused("decimal", "decimal(66,2)", "66", "2", NULL, NULL,
		"NUMERIC_PRECISION '66'");
	refused("decimal", "decimal", "0", "0", NULL, NULL,
		"NUMERIC_PRECISION '0'");
	refused("decimal", "decimal", "-5", "0", NULL, NULL, "'-5'");
	refused("decimal", "decimal", "+5", "0", NULL, NULL, "'+5'");
	refused("decimal", "decimal", " 5", "0", NULL, NULL, "' 5'");
	refused("decimal", "decimal", "", "0", NULL, NULL, "''");
	refused("decimal", "decimal", "99999999999999999999999", "0", NULL,
		NULL, "99999999999999999999999");
	/* a scale above the precision, or above 38 */
	refused("decimal", "decimal(5,6)", "5", "6", NULL, NULL,
		"NUMERIC_SCALE '6'");
	refused("decimal", "decimal(65,39)", "65", "39", NULL, NULL,
		"NUMERIC_SCALE '39'");
	refused("decimal", "decimal", "10", "2x", NULL, NULL, "'2x'");
	refused("datetime", "datetime(7)", NULL, NULL, "7", NULL,
		"DATETIME_PRECISION '7'");
	refused("time", "time", NULL, NULL, "9", NULL, "'9'");
	refused("bit", "bit(65)", "65", NULL, NULL, NULL, "'65'");
	refused("bit", "bit(0)", "0", NULL, NULL, NULL, "'0'");
	refused("varchar", "varchar(x)", NULL, NULL, NULL, "65536",
		"CHARACTER_OCTET_LENGTH '65536'");
	refused("char", "char(1)", NULL, NULL, NULL, "0x10", "'0x10'");
	refused("geometry", "geometry", NULL, NULL, NULL, NULL,
		"a type kferry does not capture");
	refused("", "", NULL, NULL, NULL, NULL, "does not capture");
}

static void test_hostile_rows(void **state)
{
	kf_cat_def_t d = {.schema = "db", .name = "t"};
	const char *v[9] = {"a", "int", "int(11)", "NO", "10",
			    "0", NULL,	NULL,	   NULL};
	const char *nul_name[9] = {NULL, "int", "int(11)"};
	const char *nul_type[9] = {"a", NULL, "int(11)"};
	const char *nul_ctype[9] = {"a", "int", NULL};
	int i;

	(void)state;
	assert_int_equal(kf_mdbcat_column(&d, 8, v, bad, sizeof(bad)),
			 KF_EPROTO);
	assert_int_equal(kf_mdbcat_column(&d, 10, v, bad, sizeof(bad)),
			 KF_EPROTO);
	assert_int_equal(kf_mdbcat_column(&d, 0, NULL, bad, sizeof(bad)),
			 KF_EPROTO);
	assert_non_null(strstr(bad, "?"));
	assert_int_equal(kf_mdbcat_column(&d, 9, nul_name, bad, sizeof(bad)),
			 KF_EPROTO);
	assert_int_equal(kf_mdbcat_column(&d, 9, nul_type, bad, sizeof(bad)),
			 KF_EPROTO);
	assert_int_equal(kf_mdbcat_column(&d, 9, nul_ctype, bad, sizeof(bad)),
			 KF_EPROTO);
	assert_int_equal(d.ncols, 0);
	/* a small bad buffer is cut, not overrun */
	assert_int_equal(kf_mdbcat_column(&d, 8, v, bad, 4), KF_EPROTO);
	assert_int_equal(strlen(bad), 3);

	/* no more columns than a table map can have */
	for (i = 0; i < KF_BL_MAX_COLS; i++)
		assert_int_equal(kf_mdbcat_column(&d, 9, v, bad, sizeof(bad)),
				 0);
	assert_int_equal(kf_mdbcat_column(&d, 9, v, bad, sizeof(bad)),
			 KF_EPROTO);
	assert_non_null(strstr(bad, "more than 4096"));
	assert_int_equal(d.ncols, KF_BL_MAX_COLS);
	kf_mdbcat_def_free(&d);
}

static void test_key(void **state)
{
	kf_cat_def_t d = {.schema = "db", .name = "t"};
	const char *k1[2] = {"B", "1"}, *k2[2] = {"a", "2"},
		   *none[2] = {"zz", "3"};
	const char *hostile[][2] = {
		{"a", "0"},    {"a", "-1"},
		{"a", "4097"}, {"a", "1x"},
		{"a", ""},     {"a", NULL},
		{NULL, "1"},   {"a", "99999999999999999999"}};
	size_t i;

	(void)state;
	assert_int_equal(col(&d, "a", "int", "int(11)", "NO", "10", "0", NULL,
			     NULL, NULL),
			 0);
	assert_int_equal(col(&d, "b", "int", "int(11)", "NO", "10", "0", NULL,
			     NULL, NULL),
			 0);
	/* names compare as the server's do, without case */
	assert_int_equal(kf_mdbcat_key(&d, 2, k1), 0);
	assert_int_equal(kf_mdbcat_key(&d, 2, k2), 0);
	assert_int_equal(kf_mdbcat_key(&d, 2, none), 0);
	assert_int_equal(d.cols[0].key_seq, 2);
	assert_int_equal(d.cols[1].key_seq, 1);
	for (i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++)
		assert_int_equal(kf_mdbcat_key(&d, 2, hostile[i]), KF_EPROTO);
	assert_int_equal(kf_mdbcat_key(&d, 1, k1), KF_EPROTO);
	assert_int_equal(kf_mdbcat_key(&d, 3, k1), KF_EPROTO);
	/* nothing changed by the refused rows */
	assert_int_equal(d.cols[0].key_seq, 2);
	assert_int_equal(d.cols[1].key_seq, 1);
	kf_mdbcat_def_free(&d);
}

static char sql[512];

/* The record's text s of column c (collation k) as its literal in sql;
 * the return code. */
static int bound(const kf_cap_coldef_t *c, const kf_mdbcat_coll_t *k,
		 const char *s)
{
	kf_db_sql_t q = {0};
	int r = kf_mdbcat_bound_lit(&q, c, k, s);

	snprintf(sql, sizeof(sql), "%s", q.p ? q.p : "");
	kf_db_sql_free(&q);
	return r;
}

/* The binlog value v of column c (the map's bc) as its literal in sql. */
static int value(const kf_cap_coldef_t *c, const kf_mdbcat_coll_t *k,
		 const kf_bl_col_t *bc, const kf_bl_value_t *v)
{
	kf_db_sql_t q = {0};
	int r = kf_mdbcat_value_lit(&q, c, k, bc, v);

	snprintf(sql, sizeof(sql), "%s", q.p ? q.p : "");
	kf_db_sql_free(&q);
	return r;
}

static void test_coll_names(void **state)
{
	kf_mdbcat_coll_t k;
	char longname[80];

	(void)state;
	assert_int_equal(
		kf_mdbcat_coll_set(&k, "utf8mb4", "utf8mb4_general_ci"), 0);
	assert_string_equal(k.cs, "utf8mb4");
	assert_string_equal(k.coll, "utf8mb4_general_ci");
	/* not a character string: no names */
	assert_int_equal(kf_mdbcat_coll_set(&k, NULL, NULL), 0);
	assert_string_equal(k.coll, "");
	/* pasted unquoted: only a name's bytes */
	assert_int_equal(kf_mdbcat_coll_set(&k, "utf8mb4", "x' OR 1=1"), -1);
	assert_int_equal(kf_mdbcat_coll_set(&k, "utf8 mb4", "a"), -1);
	assert_int_equal(kf_mdbcat_coll_set(&k, "", "a"), -1);
	assert_int_equal(kf_mdbcat_coll_set(&k, "latin1", ""), -1);
	memset(longname, 'a', sizeof(longname) - 1);
	longname[64] = '\0';
	assert_int_equal(kf_mdbcat_coll_set(&k, "latin1", longname), -1);
	assert_string_equal(k.coll, "");
}

static void test_bound_literals(void **state)
{
	const kf_mdbcat_coll_t ci = {"utf8mb4", "utf8mb4_general_ci"},
			       none = {"", ""};
	const kf_cap_coldef_t i32 = {.name = "i", .mdb_type = KF_BL_T_LONG},
			      dec = {.name = "d",
				     .mdb_type = KF_BL_T_NEWDECIMAL},
			      vc = {.name = "s", .mdb_type = KF_BL_T_VARCHAR},
			      vb = {.name = "b",
				    .mdb_type = KF_BL_T_VARCHAR,
				    .mdb_binary = 1},
			      dt = {.name = "t", .mdb_type = KF_BL_T_DATETIME2},
			      ts = {.name = "t",
				    .mdb_type = KF_BL_T_TIMESTAMP2},
			      tm = {.name = "t", .mdb_type = KF_BL_T_TIME2},
			      da = {.name = "t", .mdb_type = KF_BL_T_DATE},
			      db = {.name = "f", .mdb_type = KF_BL_T_DOUBLE};
	static char huge[70000];

	(void)state;
	assert_int_equal(bound(&i32, &none, "-42"), 0);
	assert_string_equal(sql, "-42");
	assert_int_equal(bound(&dec, &none, "-10.50"), 0);
	assert_string_equal(sql, "-10.50");
	/* a string: hex, in the column's character set and collation */
	assert_int_equal(bound(&vc, &ci, "a'B "), 0);
	assert_string_equal(sql, "CONVERT(_utf8mb4 X'61274220' USING utf8mb4) "
				 "COLLATE utf8mb4_general_ci");
	assert_int_equal(bound(&vb, &none, "00fF"), 0);
	assert_string_equal(sql, "X'00fF'");
	assert_int_equal(bound(&dt, &none, "2026-12-02 10:00:00.5"), 0);
	assert_string_equal(sql, "CAST(_utf8mb4 X'323032362D31322D30322031303A"
				 "30303A30302E35' AS DATETIME(6))");
	assert_int_equal(bound(&ts, &none, "1"), 0);
	assert_string_equal(sql, "CAST(_utf8mb4 X'31' AS DATETIME(6))");
	assert_int_equal(bound(&tm, &none, "-1:00"), 0);
	assert_string_equal(sql, "CAST(_utf8mb4 X'2D313A3030' AS TIME(6))");
	assert_int_equal(bound(&da, &none, "2026"), 0);
	assert_string_equal(sql, "CAST(_utf8mb4 X'32303236' AS DATE)");
	assert_int_equal(bound(&db, &none, "1e3"), 0);
	assert_string_equal(sql, "CAST(_utf8mb4 X'316533' AS DOUBLE)");
	/* hostile texts: none pasted */
	assert_int_equal(bound(&i32, &none, "1 OR 1"), KF_EPROTO);
	assert_int_equal(bound(&i32, &none, ""), KF_EPROTO);
	assert_int_equal(bound(&dec, &none, "1."), KF_EPROTO);
	assert_int_equal(bound(&dec, &none, "1.2.3"), KF_EPROTO);
	assert_int_equal(bound(&vb, &none, "0g"), KF_EPROTO);
	assert_int_equal(bound(&vb, &none, "abc"), KF_EPROTO);
	/* a string key without its collation, one too long */
	assert_int_equal(bound(&vc, &none, "a"), KF_EPROTO);
	memset(huge, 'a', sizeof(huge) - 1);
	assert_int_equal(bound(&vc, &ci, huge), KF_EPROTO);
}

static void test_value_literals(void **state)
{
	const kf_mdbcat_coll_t ci = {"utf8mb4", "utf8mb4_general_ci"},
			       l1 = {"latin1", "latin1_swedish_ci"},
			       none = {"", ""};
	const kf_cap_coldef_t vc = {.name = "s", .mdb_type = KF_BL_T_VARCHAR},
			      bin = {.name = "b",
				     .mdb_type = KF_BL_T_STRING,
				     .mdb_binary = 1},
			      u64 = {.name = "u",
				     .mdb_type = KF_BL_T_LONGLONG,
				     .mdb_unsigned = 1},
			      en = {.name = "e", .mdb_type = KF_BL_T_ENUM},
			      bit = {.name = "x", .mdb_type = KF_BL_T_BIT},
			      dec = {.name = "d",
				     .mdb_type = KF_BL_T_NEWDECIMAL},
			      dt = {.name = "t", .mdb_type = KF_BL_T_DATETIME2},
			      ts = {.name = "t",
				    .mdb_type = KF_BL_T_TIMESTAMP2},
			      tm = {.name = "t", .mdb_type = KF_BL_T_TIME2};
	const kf_bl_col_t bvc = {.type = KF_BL_T_VARCHAR},
			  bbin = {.type = KF_BL_T_STRING, .meta = 4},
			  bu64 = {.type = KF_BL_T_LONGLONG, .is_unsigned = 1},
			  ben = {.type = KF_BL_T_ENUM},
			  bbit = {.type = KF_BL_T_BIT, .meta = 16},
			  bdec = {.type = KF_BL_T_NEWDECIMAL,
				  .meta = 4 << 8 | 2},
			  bdt = {.type = KF_BL_T_DATETIME2},
			  bts = {.type = KF_BL_T_TIMESTAMP2},
			  btm = {.type = KF_BL_T_TIME2};
	static const uint8_t kor[] = "K1 \xed\x95\x9c", two[] = {1, 2},
			     d150[] = {0x81, 0x32}, big[9] = {0};
	static uint8_t huge[70000];
	kf_bl_value_t v;

	(void)state;
	v = (kf_bl_value_t){
		.kind = KF_BL_V_BYTES, .bytes = kor, .len = sizeof(kor) - 1};
	assert_int_equal(value(&vc, &ci, &bvc, &v), 0);
	assert_string_equal(sql, "_utf8mb4 X'4B3120ED959C' COLLATE "
				 "utf8mb4_general_ci");
	/* the bytes as the binlog has them, in the column's character set */
	v = (kf_bl_value_t){.kind = KF_BL_V_BYTES, .bytes = two, .len = 2};
	assert_int_equal(value(&vc, &l1, &bvc, &v), 0);
	assert_string_equal(sql, "_latin1 X'0102' COLLATE latin1_swedish_ci");
	/* a BINARY(4) as the server holds it */
	assert_int_equal(value(&bin, &none, &bbin, &v), 0);
	assert_string_equal(sql, "X'01020000'");
	/* BIT's big-endian bytes as unsigned */
	assert_int_equal(value(&bit, &none, &bbit, &v), 0);
	assert_string_equal(sql, "258");
	v = (kf_bl_value_t){.kind = KF_BL_V_INT, .i = -1, .u = UINT64_MAX};
	assert_int_equal(value(&u64, &none, &bu64, &v), 0);
	assert_string_equal(sql, "18446744073709551615");
	v = (kf_bl_value_t){.kind = KF_BL_V_ENUM, .u = 3};
	assert_int_equal(value(&en, &none, &ben, &v), 0);
	assert_string_equal(sql, "3");
	v = (kf_bl_value_t){.kind = KF_BL_V_DECIMAL, .bytes = d150, .len = 2};
	assert_int_equal(value(&dec, &none, &bdec, &v), 0);
	assert_string_equal(sql, "1.50");
	v = (kf_bl_value_t){.kind = KF_BL_V_DATETIME,
			    .year = 2026,
			    .month = 12,
			    .day = 2,
			    .hour = 10,
			    .usec = 123};
	assert_int_equal(value(&dt, &none, &bdt, &v), 0);
	/* 2026-12-02 10:00:00.000123 */
	assert_string_equal(sql, "CAST(_utf8mb4 X'323032362D31322D30322031303A"
				 "30303A30302E303030313233' AS DATETIME(6))");
	/* a TIMESTAMP in UTC: 2026-12-02 10:00:00.000123 too */
	v = (kf_bl_value_t){
		.kind = KF_BL_V_TIMESTAMP, .i = 1796205600, .usec = 123};
	assert_int_equal(value(&ts, &none, &bts, &v), 0);
	assert_string_equal(sql, "CAST(_utf8mb4 X'323032362D31322D30322031303A"
				 "30303A30302E303030313233' AS DATETIME(6))");
	v = (kf_bl_value_t){.kind = KF_BL_V_TIME, .i = -3600000001};
	assert_int_equal(value(&tm, &none, &btm, &v), 0);
	/* -1:00:00.000001 */
	assert_string_equal(sql, "CAST(_utf8mb4 X'2D313A30303A30302E3030303030"
				 "31' AS TIME(6))");
	/* refused: NULL, another type than the key's (altered), a string
	 * without collation or too long, a BIT of more than 64 bits */
	v = (kf_bl_value_t){.kind = KF_BL_V_NULL};
	assert_int_equal(value(&u64, &none, &bu64, &v), KF_EPROTO);
	v = (kf_bl_value_t){.kind = KF_BL_V_INT, .i = 1};
	assert_int_equal(value(&vc, &ci, &bu64, &v), KF_EPROTO);
	assert_int_equal(value(&dt, &none, &bdt, &v), KF_EPROTO);
	v = (kf_bl_value_t){.kind = KF_BL_V_BYTES, .bytes = two, .len = 2};
	assert_int_equal(value(&vc, &none, &bvc, &v), KF_EPROTO);
	v = (kf_bl_value_t){
		.kind = KF_BL_V_BYTES, .bytes = huge, .len = sizeof(huge)};
	assert_int_equal(value(&vc, &ci, &bvc, &v), KF_EPROTO);
	v = (kf_bl_value_t){.kind = KF_BL_V_BYTES, .bytes = big, .len = 9};
	assert_int_equal(value(&bit, &none, &bbit, &v), KF_EPROTO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_types),
		cmocka_unit_test(test_members),
		cmocka_unit_test(test_hostile_numbers),
		cmocka_unit_test(test_hostile_rows),
		cmocka_unit_test(test_key),
		cmocka_unit_test(test_coll_names),
		cmocka_unit_test(test_bound_literals),
		cmocka_unit_test(test_value_literals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
