/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of src/capture/binlog.c on events recorded from MariaDB
 * 10.11 (binlog_row_metadata=FULL, binlog_checksum=CRC32): a GTID, a DDL
 * query, the table map of a table with a column of every type of
 * docs/cdc.md 10.8, a write of their extreme values, one of NULLs, an
 * update, a delete, an XID. Then hostile input: every cut of every
 * event, a flipped CRC, a table map of a type we do not read, a decimal
 * whose groups are not digits, a rows event of another table. The
 * transactions' framing: GTID ... XID, a COMMIT query, a DDL, events out
 * of place.
 *
 * The table (binlog.000003 of a scripts/db/db.sh server):
 *   CREATE TABLE ty (id INT UNSIGNED NOT NULL, k2 VARCHAR(20) NOT NULL,
 *     ti TINYINT, tu TINYINT UNSIGNED, sm SMALLINT, md MEDIUMINT,
 *     bi BIGINT, bu BIGINT UNSIGNED, fl FLOAT, db DOUBLE,
 *     de DECIMAL(30,9), d2 DECIMAL(5,2), dt DATE, dtt DATETIME,
 *     dt6 DATETIME(6), ts TIMESTAMP(3) NULL, tm TIME, tm6 TIME(6),
 *     yr YEAR, ch CHAR(4), vb VARBINARY(10), bn BINARY(3), tx TEXT,
 *     bl BLOB, js JSON, en ENUM('x','yy','zzz'), st SET('a','b','c'),
 *     bt BIT(10), PRIMARY KEY (id, k2));
 *   INSERT INTO ty VALUES (4294967295, 'kéy', -128, 255, -32768,
 *     -8388608, -9223372036854775808, 18446744073709551615, 1.5,
 *     -2.25e-300, -123456789012345678901.123456789, -0.05, '2026-12-02',
 *     '9999-12-31 23:59:59', '1000-01-01 00:00:00.000001',
 *     '2026-12-02 01:02:03.456', '-838:59:59', '-00:00:01.5', 2026,
 *     'ab', 0x0001ff, 0x01, '정산', 0x00ff, '{"a":[1,2]}', 'zzz', 'a,c',
 *     b'1000000001');
 *   INSERT INTO ty (id, k2) VALUES (1, '');
 *   BEGIN; UPDATE ty SET ti = 7 WHERE id = 1;
 *   DELETE FROM ty WHERE id = 1; COMMIT;
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/binlog.h"
#include "kferry/kferry.h"

/* gtid: 42 bytes */
static const char ev_gtid[] =
	"3327106ba2010000002a000000a5010000080009000000000000000000000029"
	"00000000000044b3ade4";
/* ddl: 550 bytes */
static const char ev_ddl[] =
	"3327106b020100000026020000cb030000000007000000000000000600002300"
	"000000000101000020540000000006037374640421002100e000810a00000000"
	"0000006b666572727900435245415445205441424c452074792028696420494e"
	"5420554e5349474e4544204e4f54204e554c4c2c206b32205641524348415228"
	"323029204e4f54204e554c4c2c2074692054494e59494e542c2074752054494e"
	"59494e5420554e5349474e45442c20736d20534d414c4c494e542c206d64204d"
	"454449554d494e542c20626920424947494e542c20627520424947494e542055"
	"4e5349474e45442c20666c20464c4f41542c20646220444f55424c452c206465"
	"20444543494d414c2833302c39292c20643220444543494d414c28352c32292c"
	"20647420444154452c20647474204441544554494d452c206474362044415445"
	"54494d452836292c2074732054494d455354414d50283329204e554c4c2c2074"
	"6d2054494d452c20746d362054494d452836292c20797220594541522c206368"
	"20434841522834292c2076622056415242494e415259283130292c20626e2042"
	"494e4152592833292c20747820544558542c20626c20424c4f422c206a73204a"
	"534f4e2c20656e20454e554d282778272c277979272c277a7a7a27292c207374"
	"20534554282761272c2762272c276327292c20627420424954283130292c2050"
	"52494d415259204b4559202869642c206b32292920454e47494e453d496e6e6f"
	"4442214511a2";
/* map: 235 bytes */
static const char ev_map[] =
	"3327106b1301000000eb0000007906000000001200000000000100066b666572"
	"727900027479001c030f0101020908080405f6f60a12121113130dfe0ffefcfc"
	"fcfefe101c500004081e0905020006030006fe100a00fe03020204f701f80102"
	"01fcffff0f0102a21003072d2d3f3f2d3f2e0457026964026b32027469027475"
	"02736d026d6402626902627502666c0264620264650264320264740364747403"
	"64743602747302746d03746d3602797202636802766202626e02747802626c02"
	"6a7302656e0273740262740a012d050703016101620163060a03017802797903"
	"7a7a7a0802000124ad68b7";
/* write: 173 bytes */
static const char ev_write[] =
	"3327106b1701000000ad00000026070000000012000000000001001cffffff0f"
	"000000f0ffffffff046bc3a97980ff00800000800000000000000080ffffffff"
	"ffffffff0000c03fc41158bbe31bb8817f84e4c5f3ebeb655bcaf8a432ea7fff"
	"fa82d50ffef3ff7efb8cb24200000000016b0f6e0b11d04b91057ffffef85ee0"
	"7e026162030001ff01010600eca095ec82b0020000ff0b0000007b2261223a5b"
	"312c325d7d03050201d8396f1d";
/* xid: 31 bytes */
static const char ev_xid[] =
	"3327106b10010000001f0000004507000000000b000000000000004166ee3d";
/* write_nulls: 45 bytes */
static const char ev_write_nulls[] =
	"3327106b17010000002d000000c4080000000012000000000001001cffffff0f"
	"fcffffff0100000000df772e19";
/* update: 59 bytes */
static const char ev_update[] =
	"3327106b18010000003b0000006b0a0000000012000000000001001cffffff0f"
	"ffffff0ffcffffff0100000000f8ffffff01000000000784d6308b";
/* delete: 46 bytes */
static const char ev_delete[] =
	"3327106b19010000002e000000b60b0000000012000000000001001cffffff0f"
	"f8ffffff010000000007dd6a16c6";

#define NCOLS 28

/* The bytes of hex in a buffer of exactly their size (so that ASan sees
 * any read past the end); the caller frees it. */
static uint8_t *unhex(const char *hex, size_t *n)
{
	uint8_t *b;
	size_t i;

	*n = strlen(hex) / 2;
	b = malloc(*n ? *n : 1);
	assert_non_null(b);
	for (i = 0; i < *n; i++) {
		unsigned v;

		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		b[i] = (uint8_t)v;
	}
	return b;
}

static char errbuf[512];

static void parse(const char *hex, uint8_t **buf, kf_bl_event_t *ev)
{
	size_t n;

	*buf = unhex(hex, &n);
	assert_int_equal(
		kf_bl_event_parse(*buf, n, 1, ev, errbuf, sizeof(errbuf)), 0);
	assert_int_equal(ev->length, n);
}

static kf_bl_tablemap_t *the_map(void)
{
	kf_bl_tablemap_t *tm;
	kf_bl_event_t ev;
	uint8_t *buf;

	parse(ev_map, &buf, &ev);
	assert_int_equal(ev.type, KF_BL_TABLE_MAP);
	assert_int_equal(kf_bl_tablemap_parse(ev.body, ev.body_len, &tm, errbuf,
					      sizeof(errbuf)),
			 0);
	free(buf); /* the map owns copies */
	return tm;
}

/* The one row of the rows event hex into before/after (the op's); the
 * event's buffer is returned: the values point into it (the caller
 * frees it). */
static uint8_t *one_row(const char *hex, const kf_bl_tablemap_t *tm,
			kf_bl_value_t *before, kf_bl_value_t *after, char op)
{
	kf_bl_event_t ev;
	kf_bl_rows_t r;
	uint8_t *buf;

	parse(hex, &buf, &ev);
	assert_int_equal(kf_bl_rows_parse(ev.type, ev.body, ev.body_len, &r,
					  errbuf, sizeof(errbuf)),
			 0);
	assert_int_equal(r.op, op);
	assert_int_equal(
		kf_bl_rows_next(&r, tm, before, after, errbuf, sizeof(errbuf)),
		1);
	assert_int_equal(
		kf_bl_rows_next(&r, tm, before, after, errbuf, sizeof(errbuf)),
		0);
	return buf;
}

static void test_gtid_query_xid(void **state)
{
	kf_bl_event_t ev;
	uint8_t *buf;

	(void)state;
	parse(ev_gtid, &buf, &ev);
	assert_int_equal(ev.type, KF_BL_GTID);
	assert_int_equal(ev.server_id, 1);
	assert_int_equal(ev.domain, 0);
	assert_int_equal(ev.seq, 9);
	assert_int_equal(ev.next_pos, 421);
	assert_true(ev.gtid_flags & KF_BL_GTID_STANDALONE); /* a DDL */
	free(buf);

	parse(ev_ddl, &buf, &ev);
	assert_int_equal(ev.type, KF_BL_QUERY);
	assert_int_equal(ev.db_len, 6);
	assert_memory_equal(ev.db, "kferry", 6);
	assert_true(ev.query_len > 20);
	assert_memory_equal(ev.query, "CREATE TABLE ty (id INT", 23);
	assert_memory_equal(ev.query + ev.query_len - 13, "ENGINE=InnoDB", 13);
	assert_true(ev.thread_id > 0);
	free(buf);

	parse(ev_xid, &buf, &ev);
	assert_int_equal(ev.type, KF_BL_XID);
	assert_true(ev.xid > 0);
	free(buf);
}

static void test_tablemap(void **state)
{
	static const char *names[NCOLS] = {
		"id", "k2", "ti", "tu",	 "sm",	"md", "bi", "bu",  "fl", "db",
		"de", "d2", "dt", "dtt", "dt6", "ts", "tm", "tm6", "yr", "ch",
		"vb", "bn", "tx", "bl",	 "js",	"en", "st", "bt"};
	kf_bl_tablemap_t *tm = the_map();
	int i;

	(void)state;
	assert_string_equal(tm->db, "kferry");
	assert_string_equal(tm->table, "ty");
	assert_int_equal(tm->ncols, NCOLS);
	assert_true(tm->has_names && tm->has_key);
	for (i = 0; i < NCOLS; i++)
		assert_string_equal(tm->cols[i].name, names[i]);
	assert_int_equal(tm->cols[0].key_seq, 1);
	assert_int_equal(tm->cols[1].key_seq, 2);
	assert_int_equal(tm->cols[2].key_seq, 0);
	assert_false(tm->cols[0].nullable);
	assert_true(tm->cols[2].nullable);
	assert_true(tm->cols[0].is_unsigned);
	assert_false(tm->cols[2].is_unsigned);
	assert_true(tm->cols[3].is_unsigned);
	assert_true(tm->cols[7].is_unsigned);
	assert_int_equal(tm->cols[10].type, KF_BL_T_NEWDECIMAL);
	assert_int_equal(tm->cols[10].meta, 30 << 8 | 9);
	assert_int_equal(tm->cols[14].type, KF_BL_T_DATETIME2);
	assert_int_equal(tm->cols[14].meta, 6);
	assert_int_equal(tm->cols[15].type, KF_BL_T_TIMESTAMP2);
	assert_int_equal(tm->cols[15].meta, 3);
	/* binary strings by their collation */
	assert_int_equal(tm->cols[20].collation, KF_BL_BINARY_COLLATION);
	assert_int_equal(tm->cols[21].collation, KF_BL_BINARY_COLLATION);
	assert_int_equal(tm->cols[23].collation, KF_BL_BINARY_COLLATION);
	assert_int_not_equal(tm->cols[22].collation, KF_BL_BINARY_COLLATION);
	assert_int_not_equal(tm->cols[1].collation, 0);
	assert_int_equal(tm->cols[25].type, KF_BL_T_ENUM);
	assert_int_equal(tm->cols[25].nmembers, 3);
	assert_string_equal(tm->cols[25].members[2], "zzz");
	assert_int_equal(tm->cols[26].type, KF_BL_T_SET);
	assert_int_equal(tm->cols[26].nmembers, 3);
	assert_string_equal(tm->cols[26].members[1], "b");
	assert_int_equal(tm->cols[27].type, KF_BL_T_BIT);
	assert_int_equal(tm->cols[27].meta, 10);
	kf_bl_tablemap_destroy(tm);
	kf_bl_tablemap_destroy(NULL);
}

static void test_write_every_type(void **state)
{
	kf_bl_tablemap_t *tm = the_map();
	kf_bl_value_t a[NCOLS];
	char dec[KF_BL_DECIMAL_TEXT_MAX];
	uint8_t *buf;

	(void)state;
	buf = one_row(ev_write, tm, NULL, a, 'c');
	assert_int_equal(a[0].kind, KF_BL_V_INT);
	assert_int_equal(a[0].i, 4294967295LL);
	assert_int_equal(a[1].kind, KF_BL_V_BYTES);
	assert_int_equal(a[1].len, 4);
	assert_memory_equal(a[1].bytes, "k\xc3\xa9y", 4);
	assert_int_equal(a[2].i, -128);
	assert_int_equal(a[3].i, 255);
	assert_int_equal(a[4].i, -32768);
	assert_int_equal(a[5].i, -8388608);
	assert_true(a[6].i == INT64_MIN);
	assert_true(a[7].u == UINT64_MAX);
	assert_true(a[8].kind == KF_BL_V_FLOAT && a[8].d == 1.5);
	assert_true(a[9].d == -2.25e-300);
	assert_int_equal(a[10].kind, KF_BL_V_DECIMAL);
	kf_bl_decimal_text(&a[10], tm->cols[10].meta, dec);
	assert_string_equal(dec, "-123456789012345678901.123456789");
	kf_bl_decimal_text(&a[11], tm->cols[11].meta, dec);
	assert_string_equal(dec, "-0.05");
	assert_int_equal(a[12].kind, KF_BL_V_DATE);
	assert_true(a[12].year == 2026 && a[12].month == 12 && a[12].day == 2);
	assert_int_equal(a[13].kind, KF_BL_V_DATETIME);
	assert_true(a[13].year == 9999 && a[13].month == 12 &&
		    a[13].day == 31 && a[13].hour == 23 && a[13].minute == 59 &&
		    a[13].second == 59 && a[13].usec == 0);
	assert_true(a[14].year == 1000 && a[14].month == 1 && a[14].day == 1 &&
		    a[14].usec == 1);
	assert_int_equal(a[15].kind, KF_BL_V_TIMESTAMP);
	/* the server's time zone is UTC (db.sh) */
	assert_int_equal(a[15].i, 1796173323);
	assert_int_equal(a[15].usec, 456000);
	assert_int_equal(a[16].kind, KF_BL_V_TIME);
	assert_int_equal(a[16].i, -(838LL * 3600 + 59 * 60 + 59) * 1000000);
	assert_int_equal(a[17].i, -1500000);
	assert_int_equal(a[18].kind, KF_BL_V_YEAR);
	assert_int_equal(a[18].i, 2026);
	assert_true(a[19].len == 2 && !memcmp(a[19].bytes, "ab", 2));
	assert_true(a[20].len == 3 && !memcmp(a[20].bytes, "\x00\x01\xff", 3));
	/* BINARY(3) comes without its trailing zeros */
	assert_true(a[21].len == 1 && a[21].bytes[0] == 1);
	assert_true(a[22].len == 6 &&
		    !memcmp(a[22].bytes, "\xec\xa0\x95\xec\x82\xb0", 6));
	assert_true(a[23].len == 2 && !memcmp(a[23].bytes, "\x00\xff", 2));
	assert_true(a[24].len == 11 &&
		    !memcmp(a[24].bytes, "{\"a\":[1,2]}", 11));
	assert_true(a[25].kind == KF_BL_V_ENUM && a[25].u == 3);
	assert_true(a[26].kind == KF_BL_V_SET && a[26].u == 5);
	assert_true(a[27].kind == KF_BL_V_BYTES && a[27].len == 2 &&
		    a[27].bytes[0] == 0x02 && a[27].bytes[1] == 0x01);
	free(buf);
	kf_bl_tablemap_destroy(tm);
}

static void test_nulls_update_delete(void **state)
{
	kf_bl_tablemap_t *tm = the_map();
	kf_bl_value_t b[NCOLS], a[NCOLS];
	uint8_t *buf;
	int i;

	(void)state;
	buf = one_row(ev_write_nulls, tm, NULL, a, 'c');
	assert_int_equal(a[0].i, 1);
	assert_true(a[1].kind == KF_BL_V_BYTES && a[1].len == 0);
	for (i = 2; i < NCOLS; i++)
		assert_int_equal(a[i].kind, KF_BL_V_NULL);
	free(buf);

	buf = one_row(ev_update, tm, b, a, 'u');
	assert_int_equal(b[2].kind, KF_BL_V_NULL);
	assert_true(a[2].kind == KF_BL_V_INT && a[2].i == 7);
	assert_int_equal(a[0].i, 1);
	free(buf);

	buf = one_row(ev_delete, tm, b, NULL, 'd');
	assert_true(b[2].kind == KF_BL_V_INT && b[2].i == 7);
	free(buf);
	kf_bl_tablemap_destroy(tm);
}

/* Every cut of a rows body decodes no further than its bytes: an error,
 * or the rows wholly inside the cut (never a read past it: ASan). */
static void cut_rows(const char *hex, const kf_bl_tablemap_t *tm)
{
	kf_bl_value_t b[NCOLS], a[NCOLS];
	kf_bl_event_t ev;
	kf_bl_rows_t r;
	uint8_t *buf, *cut;
	size_t n;

	parse(hex, &buf, &ev);
	for (n = 0; n < ev.body_len; n++) {
		int rc, rows = 0;

		cut = malloc(n ? n : 1);
		memcpy(cut, ev.body, n);
		rc = kf_bl_rows_parse(ev.type, cut, n, &r, errbuf,
				      sizeof(errbuf));
		while (!rc && (rc = kf_bl_rows_next(&r, tm, b, a, errbuf,
						    sizeof(errbuf))) == 1)
			rows++;
		assert_true(rc == KF_EPROTO || rc == 0);
		assert_int_equal(rows, 0); /* one row per event here */
		free(cut);
	}
	free(buf);
}

static void test_every_cut(void **state)
{
	const char *all[] = {ev_gtid, ev_ddl,	      ev_map,	 ev_write,
			     ev_xid,  ev_write_nulls, ev_update, ev_delete};
	kf_bl_tablemap_t *tm = the_map(), *tm2;
	kf_bl_event_t ev;
	size_t i, n, len;

	(void)state;
	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		uint8_t *buf = unhex(all[i], &len);

		for (n = 0; n < len; n++) {
			uint8_t *cut = malloc(n ? n : 1);

			memcpy(cut, buf, n);
			assert_int_equal(kf_bl_event_parse(cut, n, 1, &ev,
							   errbuf,
							   sizeof(errbuf)),
					 KF_EPROTO);
			free(cut);
		}
		free(buf);
	}
	/* the table map's body, cut anywhere */
	{
		uint8_t *buf;

		parse(ev_map, &buf, &ev);
		for (n = 0; n < ev.body_len; n++) {
			uint8_t *cut = malloc(n ? n : 1);
			int rc;

			memcpy(cut, ev.body, n);
			rc = kf_bl_tablemap_parse(cut, n, &tm2, errbuf,
						  sizeof(errbuf));
			/* a cut between two optional metadata blocks is a
			 * map without the rest */
			if (!rc)
				kf_bl_tablemap_destroy(tm2);
			else
				assert_int_equal(rc, KF_EPROTO);
			free(cut);
		}
		free(buf);
	}
	cut_rows(ev_write, tm);
	cut_rows(ev_write_nulls, tm);
	cut_rows(ev_update, tm);
	cut_rows(ev_delete, tm);
	kf_bl_tablemap_destroy(tm);
}

static void test_hostile(void **state)
{
	kf_bl_tablemap_t *tm = the_map(), *tm2;
	kf_bl_value_t a[NCOLS];
	kf_bl_event_t ev;
	kf_bl_rows_t r;
	uint8_t *buf, *body;
	size_t n, off;

	(void)state;
	/* a flipped bit fails the CRC */
	buf = unhex(ev_write, &n);
	buf[40] ^= 1;
	assert_int_equal(
		kf_bl_event_parse(buf, n, 1, &ev, errbuf, sizeof(errbuf)),
		KF_EPROTO);
	assert_non_null(strstr(errbuf, "CRC"));
	/* without the checksum the header's length is off by 4 */
	assert_int_equal(
		kf_bl_event_parse(buf, n - 4, 0, &ev, errbuf, sizeof(errbuf)),
		KF_EPROTO);
	free(buf);

	/* a decimal group of 10 digits */
	parse(ev_write, &buf, &ev);
	body = (uint8_t *)ev.body;
	assert_int_equal(kf_bl_rows_parse(ev.type, body, ev.body_len, &r,
					  errbuf, sizeof(errbuf)),
			 0);
	/* de starts after the 8-byte double; find it as decoded */
	assert_int_equal(
		kf_bl_rows_next(&r, tm, NULL, a, errbuf, sizeof(errbuf)), 1);
	off = (size_t)(a[10].bytes - body);
	/* the first group of 9 digits: 0 stored inverted (negative) is
	 * 0xffffffff, 10 digits */
	memset(body + off + 2, 0, 4);
	assert_int_equal(kf_bl_rows_parse(ev.type, body, ev.body_len, &r,
					  errbuf, sizeof(errbuf)),
			 0);
	assert_int_equal(
		kf_bl_rows_next(&r, tm, NULL, a, errbuf, sizeof(errbuf)),
		KF_EPROTO);
	assert_non_null(strstr(errbuf, "column 11 (de)"));
	/* a rows event of another table id */
	tm->table_id++;
	assert_int_equal(kf_bl_rows_parse(ev.type, ev.body, ev.body_len, &r,
					  errbuf, sizeof(errbuf)),
			 0);
	assert_int_equal(
		kf_bl_rows_next(&r, tm, NULL, a, errbuf, sizeof(errbuf)),
		KF_EPROTO);
	tm->table_id--;
	/* a row image of no column (its rows would take no byte) */
	off = (size_t)(r.present - ev.body);
	body = (uint8_t *)ev.body;
	memset(body + off, 0, 4);
	assert_int_equal(kf_bl_rows_parse(ev.type, ev.body, ev.body_len, &r,
					  errbuf, sizeof(errbuf)),
			 KF_EPROTO);
	assert_non_null(strstr(errbuf, "no column"));
	/* not a rows event */
	assert_int_equal(kf_bl_rows_parse(KF_BL_XID, ev.body, ev.body_len, &r,
					  errbuf, sizeof(errbuf)),
			 KF_EPROTO);
	free(buf);

	/* a column type we do not read (GEOMETRY, 255) */
	parse(ev_map, &buf, &ev);
	body = (uint8_t *)ev.body;
	off = 8 + 1 + 6 + 1 + 1 + 2 + 1 + 1; /* id, flags, db, table, count */
	assert_int_equal(body[off], 0x03);   /* id's type: LONG */
	body[off] = 255;
	assert_int_equal(kf_bl_tablemap_parse(body, ev.body_len, &tm2, errbuf,
					      sizeof(errbuf)),
			 KF_EPROTO);
	assert_null(tm2);
	assert_non_null(strstr(errbuf, "kferry.ty"));
	free(buf);
	kf_bl_tablemap_destroy(tm);
}

/* One step of t by an event of type (a query: its text). */
static int step(kf_bl_txn_t *t, uint8_t type, const char *query)
{
	kf_bl_event_t ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	ev.next_pos = 500;
	ev.length = 42;
	if (type == KF_BL_GTID) {
		ev.domain = 1;
		ev.server_id = 7;
		ev.seq = 99;
	}
	if (query) {
		ev.query = query;
		ev.query_len = strlen(query);
		ev.thread_id = 42;
	}
	return kf_bl_txn_step(t, &ev, errbuf, sizeof(errbuf));
}

static void test_txn(void **state)
{
	kf_bl_txn_t t;
	kf_bl_event_t ev;
	uint8_t *buf, *buf2;

	(void)state;
	memset(&t, 0, sizeof(t));
	/* the recorded DDL: a standalone GTID and its statement */
	parse(ev_gtid, &buf, &ev);
	assert_int_equal(kf_bl_txn_step(&t, &ev, errbuf, sizeof(errbuf)),
			 KF_BL_STEP_BEGIN);
	assert_true(t.open && t.standalone);
	assert_int_equal(t.gtid.seq, 9);
	assert_int_equal(t.begin_pos, 379);
	parse(ev_ddl, &buf2, &ev);
	assert_int_equal(kf_bl_txn_step(&t, &ev, errbuf, sizeof(errbuf)),
			 KF_BL_STEP_DDL);
	assert_false(t.open);
	free(buf);
	free(buf2);

	/* BEGIN, rows, XID; bookkeeping between */
	assert_int_equal(step(&t, KF_BL_ROTATE, NULL), KF_BL_STEP_SKIP);
	assert_int_equal(step(&t, KF_BL_GTID, NULL), KF_BL_STEP_BEGIN);
	assert_false(t.standalone);
	assert_true(t.gtid.domain == 1 && t.gtid.server == 7 &&
		    t.gtid.seq == 99);
	assert_int_equal(step(&t, KF_BL_QUERY, "BEGIN"), KF_BL_STEP_IN);
	assert_int_equal(t.thread_id, 42);
	assert_int_equal(step(&t, KF_BL_TABLE_MAP, NULL), KF_BL_STEP_IN);
	assert_int_equal(step(&t, KF_BL_WRITE_V1, NULL), KF_BL_STEP_IN);
	assert_int_equal(step(&t, KF_BL_HEARTBEAT, NULL), KF_BL_STEP_SKIP);
	assert_int_equal(step(&t, KF_BL_XID, NULL), KF_BL_STEP_COMMIT);
	assert_false(t.open);
	/* a non-transactional engine's group ends with a COMMIT query */
	assert_int_equal(step(&t, KF_BL_GTID, NULL), KF_BL_STEP_BEGIN);
	assert_int_equal(step(&t, KF_BL_QUERY, "BEGIN"), KF_BL_STEP_IN);
	assert_int_equal(step(&t, KF_BL_QUERY, "commit"), KF_BL_STEP_COMMIT);

	/* out of place */
	assert_int_equal(step(&t, KF_BL_WRITE_V2, NULL), KF_EPROTO);
	assert_non_null(strstr(errbuf, "outside a transaction"));
	assert_int_equal(step(&t, KF_BL_XID, NULL), KF_EPROTO);
	assert_int_equal(step(&t, KF_BL_QUERY, "BEGIN"), KF_EPROTO);
	assert_int_equal(step(&t, KF_BL_GTID, NULL), KF_BL_STEP_BEGIN);
	assert_int_equal(step(&t, KF_BL_GTID, NULL), KF_EPROTO);
	assert_non_null(strstr(errbuf, "inside a transaction (GTID 1-7-99)"));
	/* a compressed rows event */
	assert_int_equal(step(&t, 166, NULL), KF_EPROTO);
	assert_non_null(strstr(errbuf, "compressed"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gtid_query_xid),
		cmocka_unit_test(test_tablemap),
		cmocka_unit_test(test_write_every_type),
		cmocka_unit_test(test_nulls_update_delete),
		cmocka_unit_test(test_every_cut),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_txn),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
