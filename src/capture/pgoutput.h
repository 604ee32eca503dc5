/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The decoder of PostgreSQL's pgoutput messages, protocol version 1 (the
 * payload of one XLogData frame of a logical replication stream): Begin,
 * Commit, Origin, Relation, Type, Insert, Update, Delete, Truncate.
 *
 * Every message is hostile: each length and count is checked against
 * the bytes left before it is used, strings must end inside the message,
 * and a message must be consumed exactly. Nothing is copied: names and
 * values point into the caller's buffer, which must outlive the decoded
 * message; the arrays (columns, values, relation ids) are the decoder's,
 * reused by its next call.
 *
 * @locality any thread; a decoder is used by one thread at a time.
 */
#ifndef KF_CAPTURE_PGOUTPUT_H
#define KF_CAPTURE_PGOUTPUT_H

#include <stddef.h>
#include <stdint.h>

/* PostgreSQL allows 1600 columns per table; a tuple never has more. */
#define KF_PGO_MAX_COLS 1600
/* Relations of one Truncate message, at most. */
#define KF_PGO_MAX_TRUNCATE 65536

/* A column of a Relation message. */
typedef struct kf_pgo_col_s {
	const char *name; /* NUL-terminated, in the message */
	uint32_t type_oid;
	int32_t typmod; /* -1: none */
	int key;	/* part of the replica identity */
} kf_pgo_col_t;

/* A value of a tuple. */
typedef struct kf_pgo_value_s {
	char kind;	  /* 'n' NULL, 'u' unchanged TOAST, 't' text */
	const char *data; /* kind 't': len bytes, not NUL-terminated */
	uint32_t len;
} kf_pgo_value_t;

typedef struct kf_pgo_tuple_s {
	int ncols;
	const kf_pgo_value_t *v;
} kf_pgo_tuple_t;

typedef struct kf_pgo_msg_s {
	char type; /* 'B' 'C' 'O' 'R' 'Y' 'I' 'U' 'D' 'T' */
	/* B: final_lsn (the commit record's), ts, xid.
	 * C: commit_lsn, end_lsn, ts. O: origin_lsn, name. */
	uint64_t final_lsn, commit_lsn, end_lsn, origin_lsn;
	int64_t ts; /* microseconds since 2000-01-01 UTC */
	uint32_t xid;
	/* R, Y: relid (or the type's oid), nspname, name; R: replident,
	 * ncols, cols. Y: name is the type's. O: name is the origin's. */
	uint32_t relid;
	const char *nspname, *name;
	char replident; /* 'd' default, 'n' nothing, 'f' full, 'i' index */
	int ncols;
	const kf_pgo_col_t *cols;
	/* I, U, D: relid, then old (U, D: 'K' key only or 'O' whole old row;
	 * 0 when absent) and new (I, U) */
	char old_kind;
	kf_pgo_tuple_t old, new_;
	/* T: nrels relation ids, options (1 cascade, 2 restart identity) */
	int nrels;
	const uint32_t *relids;
	uint8_t options;
} kf_pgo_msg_t;

typedef struct kf_pgo_decoder_s kf_pgo_decoder_t;

/* NULL when out of memory. The caller's: kf_pgo_decoder_destroy. */
kf_pgo_decoder_t *kf_pgo_decoder_new(void);
/* NULL is a no-op. */
void kf_pgo_decoder_destroy(kf_pgo_decoder_t *d);

/* Decodes the message buf[0, len) into m. 0, or KF_EPROTO (malformed:
 * errstr names the message type, the byte offset and what is wrong),
 * KF_ELIMIT (more columns or relations than allowed), KF_ENOMEM. */
int kf_pgo_decode(kf_pgo_decoder_t *d, const uint8_t *buf, size_t len,
		  kf_pgo_msg_t *m, char *errstr, size_t errstr_size);

/* The text LSN form, "X/X" in upper-case hex, into out (at least 18). */
void kf_pgo_lsn_text(uint64_t lsn, char *out, size_t out_size);

#endif /* KF_CAPTURE_PGOUTPUT_H */
