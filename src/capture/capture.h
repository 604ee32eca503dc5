/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kf_capture_run(): PostgreSQL's changes into Kafka as Debezium's
 * events, exactly once (docs/cdc.md): the snapshot, then the stream, in
 * Kafka transactions that also hold the offsets record; the slot moves
 * only after each Kafka commit.
 *
 * @locality the calling thread, which it keeps until the end (docs/cdc.md
 * 8: there is no loop; every wait is bounded and looks at the stop flag)
 */
#ifndef KF_CAPTURE_CAPTURE_H
#define KF_CAPTURE_CAPTURE_H

#include <stdint.h>

#include "config/conf.h"
#include "kferry/kferry.h"
#include "registry/client.h"

enum kf_capture_snapshot {
	KF_CAPTURE_SNAPSHOT_INITIAL = 0,
	KF_CAPTURE_SNAPSHOT_NEVER,
	KF_CAPTURE_SNAPSHOT_INITIAL_ONLY
};

/* Strings are borrowed. */
typedef struct kf_capture_opts_s {
	const kf_conf_t *kafka;	      /* the brokers and the client settings */
	const char *db, *db_password; /* password: NULL, or resolved */
	const char *tables;	      /* "schema.table,..." */
	const char *topic_prefix;     /* NULL or "": the database's name */
	const char *slot;	      /* NULL or "": kferry_<db> */
	const char *publication;      /* NULL or "": <slot>_pub */
	uint32_t server_id;	      /* MariaDB's replica id; 0: from slot */
	enum kf_capture_snapshot snapshot;
	const char *offsets_topic;
	int snapshot_chunk_rows;
	int batch_ms;
	uint64_t batch_bytes;
	int status_interval_ms;
	int idle_exit_s; /* > 0: exit 0 after that long without a change */
	int64_t lag_warn_bytes;
	/* docs/schemas.md 10: Avro or JSON Schema events, registered in
	 * registry (NULL: Connect JSON on both sides); each side's format,
	 * enum kf_rec_wire of record/serial.h */
	kf_registry_t *registry;
	int key_wire, value_wire;
	/* schema.registry.subject_strategy = record: subjects named after
	 * the records (docs/schemas.md 10.4), else TOPIC-key, TOPIC-value */
	int record_subjects;
} kf_capture_opts_t;

/* kf_capture_stats_t: include/kferry/kferry.h */

/* Runs until stopped (kf_stop_request: KF_ESTOPPED, after the open Kafka
 * transaction was aborted), idle (0), the snapshot's end with
 * initial_only (0), or an error: KF_EINVAL (setup: errstr says what to
 * run), KF_EAUTH, KF_EIO (the database), KF_EKAFKA, KF_EPROTO. */
int kf_capture_run(const kf_capture_opts_t *o, kf_capture_stats_t *st,
		   char *errstr, size_t errstr_size);

#endif /* KF_CAPTURE_CAPTURE_H */
