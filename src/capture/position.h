/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The capture's offsets record, versions 1 and 2 (docs/cdc.md 5), and
 * MariaDB's, version 1 (docs/cdc.md 10.5): where a slot's (a MariaDB
 * capture's) events in Kafka end, written in the Kafka transaction of
 * those events, read back at start.
 *
 * @locality the capture thread (kf_cap_pos_read blocks)
 */
#ifndef KF_CAPTURE_POSITION_H
#define KF_CAPTURE_POSITION_H

#include <stdint.h>

#include "capture/gtid.h"
#include "common/strbuf.h"
#include "kferry/kferry.h"

#define KF_CAP_POS_VERSION 2

/* the longest slot name: PostgreSQL's NAMEDATALEN - 1 */
#define KF_CAP_POS_SLOT_MAX 63
/* MariaDB's record: its version, and its key's prefix before the name */
#define KF_CAP_POS_MARIADB_VERSION 1
#define KF_CAP_POS_MARIADB_KEY "mariadb/"

enum kf_cap_pos_source {
	KF_CAP_POS_PG = 0, /* docs/cdc.md 5 */
	KF_CAP_POS_MARIADB /* docs/cdc.md 10.5 */
};

typedef struct kf_cap_pos_s {
	int found;   /* kf_cap_pos_read: a record of the slot exists */
	int version; /* kf_cap_pos_parse: the record's v */
	/* key: the record's key (the configured slot; kf_cap_pos_read sets
	 * it), slot: the slot in use, the key or its resume name (version 2
	 * when they differ); the writer leaves key empty for "the same" */
	char key[80], slot[64], system_id[32], db[64];
	uint64_t lsn;
	/* MariaDB's record: slot is the capture's name (the key's tail),
	 * lsn, txid and system_id unused; gtid the position after the last
	 * transaction in Kafka, file and binlog_pos where it ends
	 * (informative); during the snapshot, snap_gtid its position */
	enum kf_cap_pos_source source;
	kf_gtid_pos_t gtid, snap_gtid;
	char file[256];
	uint64_t binlog_pos;
	int64_t txid; /* < 0: null */
	int64_t ts_ms;
	/* during the snapshot (snapshot member not null) */
	int in_snapshot;
	uint64_t snap_lsn;
	int64_t snap_rows;
	const char *snap_table; /* the table in progress, or NULL */
	const char *snap_done;	/* JSON array text of the tables done */
	/* the last key of snap_table in Kafka (docs/cdc.md 5): the texts
	 * of the key columns in key order; snap_nkey 0: none (null) */
	const char *const *snap_keyv;
	int snap_nkey;
	/* kf_cap_pos_parse's: what the pointers above point into */
	char *owned;
	const char **owned_keyv;
} kf_cap_pos_t;

/* Appends the record's value (JSON) to out. */
void kf_cap_pos_format(const kf_cap_pos_t *p, kf_strbuf_t *out);

/* The position of p as a person reads it, into out (size bytes): the
 * LSN (X/X) of PostgreSQL's, the GTID position of MariaDB's, cut with
 * "..." when longer (kf_capture_stats_t's position). */
void kf_cap_pos_text(const kf_cap_pos_t *p, char *out, size_t size);

/* Parses a record value into p (overwritten: kf_cap_pos_clear a parsed
 * p first). 0 (p then owns the snapshot's texts: kf_cap_pos_clear), or
 * KF_EPROTO (not a record), KF_EVERSION (a newer version), KF_ENOMEM,
 * with errstr (p then owns nothing). */
int kf_cap_pos_parse(const char *js, size_t len, kf_cap_pos_t *p, char *errstr,
		     size_t errstr_size);

/* The resume's other slot name of key: key cut to 61 bytes, then "_r"
 * (docs/cdc.md 7). */
void kf_cap_pos_resume_slot(const char *key, char out[64]);

/* Whether parsed p may be a record of key: its slot is key (any version)
 * or key's resume name (version 2); a MariaDB record's key is
 * KF_CAP_POS_MARIADB_KEY and its name. 0, or KF_EPROTO with errstr. */
int kf_cap_pos_check_slot(const kf_cap_pos_t *p, const char *key, char *errstr,
			  size_t errstr_size);

/* Frees what p owns and zeroes it. */
void kf_cap_pos_clear(kf_cap_pos_t *p);

/* The newest record of slot on topic: 0 with *p (p->found 0 when none or
 * a tombstone), or KF_EKAFKA, or the parse error of that newest record
 * (with its offset: a record of ours that does not parse is never
 * skipped, as the position would then go back). *p: kf_cap_pos_clear. */
int kf_cap_pos_read(const kf_conf_t *conf, const char *topic, const char *slot,
		    int timeout_ms, kf_cap_pos_t *p, char *errstr,
		    size_t errstr_size);

#endif /* KF_CAPTURE_POSITION_H */
