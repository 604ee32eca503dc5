/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The records of one key on a compacted topic, read back: the load
 * ledger (docs/records.md 3.3) and the capture's offsets (docs/cdc.md 5)
 * keep their state there, one key per file or slot, newest record wins.
 *
 * A read_committed reader (kf_kafka_reader_new) is assigned, without a
 * group, to the key's partition (murmur2 of the key, as our producers
 * place it) from a given offset up to the partition's high watermark at
 * the time of the call; aborted transactions are invisible to it.
 *
 * kf_keyscan reads one key once. A kf_keyscan_t keeps its two handles
 * (the reader and a read_uncommitted one for the high watermark) for many
 * reads, so that a caller may read a partition part by part, each time
 * from where it stopped (load/ledger.h's cache of the ledger).
 */
#ifndef KF_KAFKA_KEYSCAN_H
#define KF_KAFKA_KEYSCAN_H

#include <stddef.h>
#include <stdint.h>

#include "kferry/kferry.h"

/* Called for each record of the key in offset order: value NULL for a
 * tombstone. value is valid during the call only. */
typedef void(kf_keyscan_cb)(const void *value, size_t len, long long offset,
			    int partition, void *opaque);

/* Calls cb with every record of key in topic. what names the topic in
 * messages ("the load ledger"). 0 (also when the topic does not exist:
 * logged with a hint to create it compacted), or KF_EKAFKA with errstr
 * (no answer within timeout_ms, a refusal).
 * @locality worker (it blocks) */
int kf_keyscan(const kf_conf_t *conf, const char *topic, const char *key,
	       const char *what, int timeout_ms, kf_keyscan_cb *cb,
	       void *opaque, char *errstr, size_t errstr_size);

/* A reader of topic kept for many reads. One call at a time. */
typedef struct kf_keyscan_s kf_keyscan_t;

/* Called for each record read, whatever its key (key NULL: none), in
 * offset order; value NULL for a tombstone. Valid during the call only. */
typedef void(kf_keyscan_rec_cb)(const void *key, size_t key_len,
				const void *value, size_t len, long long offset,
				int partition, void *opaque);

/* Creates both handles (topic and what are borrowed: they must outlive
 * it). 0 with *out, or KF_EKAFKA / KF_ENOMEM with errstr.
 * @locality any thread */
int kf_keyscan_new(const kf_conf_t *conf, const char *topic, const char *what,
		   kf_keyscan_t **out, char *errstr, size_t errstr_size);

/* The partition of key and the topic's partition count, asked of the
 * brokers now: 0, 1 when the topic does not exist (logged with the hint),
 * or KF_EKAFKA with errstr.
 * @locality worker (it blocks) */
int kf_keyscan_partition(kf_keyscan_t *ks, const char *key, int timeout_ms,
			 int32_t *part, int32_t *count, char *errstr,
			 size_t errstr_size);

/* The partition a key of key_len bytes has among count partitions. */
int32_t kf_keyscan_home(kf_keyscan_t *ks, const void *key, size_t key_len,
			int32_t count);

/* The partition's start and its high watermark (the end of what is
 * written, committed or not), now. 0, or KF_EKAFKA with errstr.
 * @locality worker (it blocks) */
int kf_keyscan_offsets(kf_keyscan_t *ks, int32_t part, int timeout_ms,
		       int64_t *lo, int64_t *hi, char *errstr,
		       size_t errstr_size);

/* Reads part from offset from until the read_committed end is at or past
 * hi (waiting for an open transaction below hi, at most timeout_ms, with
 * a log line), calling cb with every record; *next is where the next read
 * starts (the end reached, at or past hi). 0, or KF_EKAFKA with errstr.
 * @locality worker (it blocks) */
int kf_keyscan_read(kf_keyscan_t *ks, int32_t part, int64_t from, int64_t hi,
		    int timeout_ms, kf_keyscan_rec_cb *cb, void *opaque,
		    int64_t *next, char *errstr, size_t errstr_size);

/* NULL is a no-op. */
void kf_keyscan_destroy(kf_keyscan_t *ks);

#endif /* KF_KAFKA_KEYSCAN_H */
