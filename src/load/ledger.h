/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The load ledger (docs/records.md 3.3): one compacted topic whose newest
 * record for a key <data topic>/<content hash> is the state of that file's
 * load, written in the same transaction as the rows it describes. This
 * module renders the load record (version 1), parses what it needs of one
 * back, and reads the newest record of a key from the brokers.
 *
 * Not to be confused with watch/ledger.h, the daemon's local file of sent
 * files.
 */
#ifndef KF_LOAD_LEDGER_H
#define KF_LOAD_LEDGER_H

#include <stddef.h>
#include <stdint.h>

#include "kferry/kferry.h"

#define KF_LOAD_REC_VERSION 1
/* docs/records.md 1.7: the format of the records a load writes, named by
 * its load record's "record" member (and by a dead letter's
 * kferry.record header) */
#define KF_LOAD_RECORD_FORMAT 3

/* The offsets one load wrote to one partition of a topic. */
typedef struct kf_load_range_s {
	int32_t p;
	int64_t first, last;
	uint64_t n;
} kf_load_range_t;

/* A load record to render; strings are borrowed, NULL leaves a member
 * out (error, schema). */
typedef struct kf_load_rec_s {
	const char *state; /* "done", "partial", "rejected" */
	const char *load_id, *topic, *file, *hash, *schema, *host, *error;
	int schema_version; /* 0: none */
	uint64_t size;
	int64_t mtime_ns;
	int64_t started_ms, finished_ms; /* Unix time in milliseconds */
	uint64_t rows_read, rows_published, rows_rejected, rows_filtered;
	unsigned parts;
	/* the checkpoint of a split file (docs/records.md 3.4); next_record
	 * 0 leaves the three members out */
	uint64_t next_record, last_line, last_offset;
	const kf_load_range_t *ranges; /* of the data topic */
	size_t nranges;
	const kf_load_range_t *dead; /* of the dead letter topic */
	size_t ndead;
} kf_load_rec_t;

/* The JSON value of r, one line: 0 with *out (the caller's: free) and
 * *len, or KF_ENOMEM. */
int kf_load_rec_format(const kf_load_rec_t *r, char **out, size_t *len);

enum kf_load_state {
	KF_LOAD_NONE = 0, /* no record, or a tombstone */
	KF_LOAD_DONE,
	KF_LOAD_PARTIAL,
	KF_LOAD_REJECTED,
	KF_LOAD_UNKNOWN /* a higher version or a state we do not know */
};

/* What a loader needs of the newest record of a key. */
typedef struct kf_load_entry_s {
	enum kf_load_state state;
	int v;
	int ckpt;	  /* the record carries a checkpoint (next_record) */
	char load_id[33]; /* "" when absent */
} kf_load_entry_t;

/* A split file's checkpoint: what a resumed load carries on from
 * (docs/records.md 3.4). ranges and dead are the holder's. */
typedef struct kf_load_ckpt_s {
	kf_load_entry_t e; /* the record's state, version, load id */
	uint64_t next_record, last_line, last_offset;
	uint64_t rows_published, rows_rejected;
	unsigned parts;
	kf_load_range_t *ranges, *dead;
	size_t nranges, ndead;
} kf_load_ckpt_t;

/* Parses a load record value whole: its entry (kf_load_rec_parse) and,
 * when it has one (ck->e.ckpt), its checkpoint. 0 with *ck
 * (kf_load_ckpt_clear it), or KF_EPROTO with errstr: the entry does not
 * parse, or the checkpoint's members do not hold together (a range out
 * of bounds, ranges that do not count rows_published, no part, a load id
 * that is not 32 hex digits): a resume must not guess. */
int kf_load_ckpt_parse(const char *js, size_t len, kf_load_ckpt_t *ck,
		       char *errstr, size_t errstr_size);

/* Frees what ck holds and zeroes it. */
void kf_load_ckpt_clear(kf_load_ckpt_t *ck);

/* Parses a load record value. 0, or KF_EPROTO with errstr (not JSON, not
 * an object, no v or state). A version above ours is KF_LOAD_UNKNOWN: its
 * reader must not act on it. */
int kf_load_rec_parse(const char *js, size_t len, kf_load_entry_t *e,
		      char *errstr, size_t errstr_size);

/* The ledger key of a file loaded into topic: "<topic>/<32 hex>". Returns
 * the length, or -1 when cap is too small. */
int kf_load_ledger_key(char *out, size_t cap, const char *topic,
		       const char *hash_hex);

/* Reads the newest record of key in ledger_topic with a read_committed
 * consumer assigned, without a group, to the key's partition (murmur2 of
 * the key, as the producer places it), from its start to its end offset
 * at the time of the call. A record that does not parse is logged and
 * skipped (a later one may still win). 0 with *e (KF_LOAD_NONE when the
 * key has no record, or the topic does not exist: logged), or KF_EKAFKA
 * with errstr (no answer within timeout_ms, a refusal).
 * @locality worker (it blocks) */
int kf_load_ledger_read(const kf_conf_t *conf, const char *ledger_topic,
			const char *key, int timeout_ms, kf_load_entry_t *e,
			char *errstr, size_t errstr_size);

/* One reader of the ledger for the files of a run (docs/records.md 3.3):
 * client handles kept, each partition read once from its start and then
 * only from where its last read ended, the newest state of each key of
 * the run's data topic kept in memory (a cache of the topic, never
 * written anywhere). Reads run at once from several workers: on
 * different partitions in parallel (a pair of handles each), on the same
 * partition in turn. */
typedef struct kf_load_ledger_s kf_load_ledger_t;

/* A reader of ledger_topic for the keys of data topic topic (both
 * borrowed, as conf: they must outlive it). Nothing is connected yet.
 * 0 with *out, or KF_ENOMEM with errstr. */
int kf_load_ledger_new(const kf_conf_t *conf, const char *ledger_topic,
		       const char *topic, kf_load_ledger_t **out, char *errstr,
		       size_t errstr_size);

/* kf_load_ledger_read's answer for key, from lg: the same newest record,
 * the same waits and errors. A key that is not one of lg's topic is read
 * as kf_load_ledger_read reads it.
 * @locality worker (it blocks); any number at once */
int kf_load_ledger_get(kf_load_ledger_t *lg, const char *key, int timeout_ms,
		       kf_load_entry_t *e, char *errstr, size_t errstr_size);

/* The newest record of key in ledger_topic, read as kf_load_ledger_read
 * reads it, whole (kf_load_ckpt_parse): *ck, or KF_EKAFKA or KF_EPROTO
 * with errstr. @locality worker (it blocks) */
int kf_load_ledger_checkpoint(const kf_conf_t *conf, const char *ledger_topic,
			      const char *key, int timeout_ms,
			      kf_load_ckpt_t *ck, char *errstr,
			      size_t errstr_size);

/* NULL is a no-op. No read may be running. */
void kf_load_ledger_destroy(kf_load_ledger_t *lg);

#endif /* KF_LOAD_LEDGER_H */
