/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The decoder of MariaDB's binlog events (docs/cdc.md 10): the common
 * header, GTID, XID, QUERY, ROTATE, TABLE_MAP (with the optional metadata
 * of binlog_row_metadata=FULL) and the WRITE/UPDATE/DELETE rows events
 * (versions 1 and 2), row images decoded into typed values; and the
 * transactions' framing of the stream (GTID ... XID or COMMIT, DDL).
 *
 * Every event is hostile: each length, count and bitmap is checked
 * against the bytes left before it is used, and an event must be
 * consumed exactly. Events and values point into the caller's buffer
 * (nothing copied), except a table map, which outlives the event it came
 * from (the rows events that follow refer to it by id) and owns copies.
 *
 * @locality any thread; each object is used by one thread at a time.
 */
#ifndef KF_CAPTURE_BINLOG_H
#define KF_CAPTURE_BINLOG_H

#include <stddef.h>
#include <stdint.h>

#include "capture/gtid.h"

/* The event types we read (MariaDB's sql/log_event.h numbers). */
enum kf_bl_type {
	KF_BL_QUERY = 2,
	KF_BL_ROTATE = 4,
	KF_BL_INTVAR = 5,
	KF_BL_RAND = 13,
	KF_BL_USER_VAR = 14,
	KF_BL_FORMAT_DESC = 15,
	KF_BL_XID = 16,
	KF_BL_TABLE_MAP = 19,
	KF_BL_WRITE_V1 = 23,
	KF_BL_UPDATE_V1 = 24,
	KF_BL_DELETE_V1 = 25,
	KF_BL_HEARTBEAT = 27,
	KF_BL_WRITE_V2 = 30,
	KF_BL_UPDATE_V2 = 31,
	KF_BL_DELETE_V2 = 32,
	KF_BL_ANNOTATE = 160,
	KF_BL_CHECKPOINT = 161,
	KF_BL_GTID = 162,
	KF_BL_GTID_LIST = 163,
	KF_BL_QUERY_COMPRESSED = 165,
	KF_BL_ROWS_COMPRESSED_FIRST = 166, /* ..171: compressed rows */
	KF_BL_ROWS_COMPRESSED_LAST = 171
};

/* The binlog header's size and the CRC32 trailer's. */
#define KF_BL_HEADER_LEN 19
#define KF_BL_CRC_LEN 4
/* MariaDB allows 4096 columns per table. */
#define KF_BL_MAX_COLS 4096

/* GTID event flags (flags2) */
#define KF_BL_GTID_STANDALONE 0x01
#define KF_BL_GTID_GROUP_COMMIT 0x02

/* One event, decoded as far as its type needs. */
typedef struct kf_bl_event_s {
	/* the common header */
	uint32_t ts; /* seconds since the epoch */
	uint8_t type;
	uint32_t server_id;
	uint32_t length;   /* the whole event, header and trailer included */
	uint32_t next_pos; /* the binlog offset after this event; 0: none */
	uint16_t flags;
	/* the body (after the header, before the checksum) */
	const uint8_t *body;
	size_t body_len;
	/* KF_BL_GTID: the GTID domain-server_id-seq and flags2 */
	uint64_t seq;
	uint32_t domain;
	uint8_t gtid_flags;
	/* KF_BL_XID: the InnoDB transaction id */
	uint64_t xid;
	/* KF_BL_QUERY: the session's thread id, database and statement
	 * (not NUL-terminated); KF_BL_ROTATE: the next file (query,
	 * query_len) and the position in it (rotate_pos) */
	uint32_t thread_id;
	const char *db, *query;
	size_t db_len, query_len;
	uint64_t rotate_pos;
} kf_bl_event_t;

/* Decodes one event of len bytes (the header, the body and, when
 * checksum is set (the server's binlog_checksum = CRC32), the 4-byte CRC
 * that is checked). 0 with *ev, or KF_EPROTO with errstr (a length that
 * does not add up, a cut or overlong body, a bad CRC). */
int kf_bl_event_parse(const uint8_t *buf, size_t len, int checksum,
		      kf_bl_event_t *ev, char *errstr, size_t errstr_size);

/* CRC-32 (IEEE, reflected) of n bytes: the binlog's checksum (and the
 * capture's default server id, docs/cdc.md 10.2). */
uint32_t kf_bl_crc32(const uint8_t *p, size_t n);

/* Column types of the binlog (MariaDB's enum_field_types). */
enum kf_bl_ctype {
	KF_BL_T_TINY = 1,
	KF_BL_T_SHORT = 2,
	KF_BL_T_LONG = 3,
	KF_BL_T_FLOAT = 4,
	KF_BL_T_DOUBLE = 5,
	KF_BL_T_LONGLONG = 8,
	KF_BL_T_INT24 = 9,
	KF_BL_T_DATE = 10,
	KF_BL_T_YEAR = 13,
	KF_BL_T_VARCHAR = 15,
	KF_BL_T_BIT = 16,
	KF_BL_T_TIMESTAMP2 = 17,
	KF_BL_T_DATETIME2 = 18,
	KF_BL_T_TIME2 = 19,
	KF_BL_T_NEWDECIMAL = 246,
	KF_BL_T_ENUM = 247,
	KF_BL_T_SET = 248,
	KF_BL_T_BLOB = 252,
	KF_BL_T_VAR_STRING = 253,
	KF_BL_T_STRING = 254
};

/* The collation id of binary strings (BINARY, VARBINARY, BLOB). */
#define KF_BL_BINARY_COLLATION 63

/* A column of a table map. type is the real type (STRING's metadata
 * unpacked into ENUM and SET); meta its length or precision:
 * FLOAT/DOUBLE the size, VARCHAR/STRING/ENUM/SET the byte length,
 * BLOB the length prefix's bytes, BIT bits, NEWDECIMAL precision << 8 |
 * scale, the temporal types their fractional digits. */
typedef struct kf_bl_col_s {
	uint8_t type;
	uint16_t meta;
	int nullable;
	int is_unsigned;    /* from SIGNEDNESS; 0 when not sent */
	uint16_t collation; /* from the charset metadata; 0 when not sent */
	char *name;	    /* NULL when the map has no names */
	int key_seq;	    /* 1-based position in the primary key, 0: none */
	/* ENUM and SET members (NULL when not sent) */
	char **members;
	uint32_t nmembers;
} kf_bl_col_t;

typedef struct kf_bl_tablemap_s {
	uint64_t table_id;
	char *db, *table;
	uint32_t ncols;
	kf_bl_col_t *cols;
	int has_names, has_key; /* the optional metadata that came */
} kf_bl_tablemap_t;

/* Decodes the body of a TABLE_MAP event into a new map (the caller's:
 * kf_bl_tablemap_destroy). 0, or KF_EPROTO (a cut or inconsistent map,
 * an unknown column type), KF_ENOMEM, with errstr. */
int kf_bl_tablemap_parse(const uint8_t *body, size_t len,
			 kf_bl_tablemap_t **out, char *errstr,
			 size_t errstr_size);
/* NULL is a no-op. */
void kf_bl_tablemap_destroy(kf_bl_tablemap_t *tm);

/* A decoded value. Bytes point into the event. */
typedef enum kf_bl_vkind {
	KF_BL_V_ABSENT = 0, /* not in the row image (binlog_row_image not
			     * FULL) */
	KF_BL_V_NULL,
	KF_BL_V_INT,	   /* i (u when the column is unsigned) */
	KF_BL_V_FLOAT,	   /* d (a FLOAT widened exactly) */
	KF_BL_V_DECIMAL,   /* bytes: the binary decimal; kf_bl_decimal_text */
	KF_BL_V_DATE,	   /* year, month, day (0s: a zero date) */
	KF_BL_V_DATETIME,  /* year..second, usec */
	KF_BL_V_TIMESTAMP, /* i seconds since the epoch, usec */
	KF_BL_V_TIME,	   /* i: signed microseconds */
	KF_BL_V_YEAR,	   /* i: the year, 0 for the zero year */
	KF_BL_V_BYTES,	   /* strings, blobs, BIT (big-endian) */
	KF_BL_V_ENUM,	   /* u: the member's 1-based index, 0 invalid */
	KF_BL_V_SET	   /* u: bit i set: member i + 1 */
} kf_bl_vkind_t;

typedef struct kf_bl_value_s {
	kf_bl_vkind_t kind;
	int64_t i;
	uint64_t u;
	double d;
	uint16_t year;
	uint8_t month, day, hour, minute, second;
	uint32_t usec;
	const uint8_t *bytes;
	uint32_t len;
} kf_bl_value_t;

/* The decimal value v of a NEWDECIMAL column of precision and scale
 * (meta) as text: "-123.4500" (scale digits after the point, none and
 * no point for scale 0). out must hold KF_BL_DECIMAL_TEXT_MAX bytes. */
#define KF_BL_DECIMAL_TEXT_MAX 72
void kf_bl_decimal_text(const kf_bl_value_t *v, uint16_t meta, char *out);

/* A rows event being read, row by row. */
typedef struct kf_bl_rows_s {
	char op; /* 'c' write, 'u' update, 'd' delete */
	uint64_t table_id;
	uint16_t flags;
	uint32_t ncols;
	const uint8_t *present, *present_after; /* column bitmaps */
	const uint8_t *p, *end;			/* the rows left */
} kf_bl_rows_t;

/* Starts reading the body of a rows event of type (v1 or v2). 0, or
 * KF_EPROTO with errstr. */
int kf_bl_rows_parse(uint8_t type, const uint8_t *body, size_t len,
		     kf_bl_rows_t *r, char *errstr, size_t errstr_size);

/* The next row of r, decoded with tm (the map of r's table_id, same
 * column count): before (update, delete) and after (write, update),
 * tm->ncols values each; the other is left alone. 1 with a row, 0 at the
 * end, or KF_EPROTO with errstr (the column and what is wrong). */
int kf_bl_rows_next(kf_bl_rows_t *r, const kf_bl_tablemap_t *tm,
		    kf_bl_value_t *before, kf_bl_value_t *after, char *errstr,
		    size_t errstr_size);

/* Where the stream is between transactions (docs/cdc.md 10.3): a GTID
 * event opens one; an XID, a COMMIT query or, after a standalone GTID,
 * its one statement (a DDL) closes it. */
typedef struct kf_bl_txn_s {
	int open;
	int standalone; /* one statement, no XID (a DDL) */
	kf_gtid_t gtid;
	uint32_t ts;	    /* the GTID event's */
	uint32_t thread_id; /* of a BEGIN query; 0: none (MariaDB writes
			     * none: its GTID event stands for it) */
	uint32_t begin_pos; /* the GTID event's offset in its binlog file */
} kf_bl_txn_t;

enum kf_bl_step {
	KF_BL_STEP_SKIP = 0, /* bookkeeping between transactions */
	KF_BL_STEP_BEGIN,    /* a GTID: t holds the new transaction */
	KF_BL_STEP_IN,	     /* an event of the open transaction */
	KF_BL_STEP_COMMIT,   /* the transaction's end (XID or COMMIT) */
	KF_BL_STEP_DDL	     /* a standalone transaction's statement (its
			      * end): the tables it names changed */
};

/* Moves t by ev: a kf_bl_step, or KF_EPROTO with errstr (an event out of
 * place: a GTID inside a transaction, rows outside one; an event type
 * we do not read, named). t starts zeroed. */
int kf_bl_txn_step(kf_bl_txn_t *t, const kf_bl_event_t *ev, char *errstr,
		   size_t errstr_size);

#endif /* KF_CAPTURE_BINLOG_H */
