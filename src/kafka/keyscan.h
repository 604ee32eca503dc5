/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The records of one key on a compacted topic, read back: the load
 * ledger (docs/records.md 3.3) and the capture's offsets (docs/cdc.md 5)
 * keep their state there, one key per file or slot, newest record wins.
 *
 * A read_committed reader (kf_kafka_reader_new) is assigned, without a
 * group, to the key's partition (murmur2 of the key, as our producers
 * place it) from its start up to its end offset at the time of the call;
 * aborted transactions are invisible to it.
 */
#ifndef KF_KAFKA_KEYSCAN_H
#define KF_KAFKA_KEYSCAN_H

#include <stddef.h>

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

#endif /* KF_KAFKA_KEYSCAN_H */
