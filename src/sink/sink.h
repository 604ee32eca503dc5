/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `kferry sink` (docs/sink.md): records and change events read from Kafka
 * by the consumer engine (recv/engine.h) and applied to PostgreSQL or
 * MariaDB exactly once, each batch's rows and its partitions' next
 * offsets committed in one database transaction (db/offsets.h).
 *
 * The loop batches messages (sink.batch_rows / batch_bytes / batch_ms,
 * sink.max_inflight_bytes); one writer thread owns the connection and
 * applies a batch while the loop builds the next (sink/writer.h).
 *
 * @locality kf_sink_run blocks its caller: it runs the loop.
 */
#ifndef KF_SINK_SINK_H
#define KF_SINK_SINK_H

#include <stdint.h>

#include "kferry/kferry.h"
#include "recv/engine.h"
#include "registry/client.h"
#include "sink/plan.h"

/* What the sink reads. Strings are borrowed. */
typedef struct kf_sink_opts_s {
	/* topics (TOPIC[,TOPIC...]), group, the idle exit; its dead letters
	 * stay off: the sink produces its own (dead_letter_topic) */
	kf_engine_opts_t engine;
	const char *db;		 /* sink.db: the URL */
	const char *db_password; /* resolved secret; NULL: none */
	kf_sink_rules_t rules;
	int create_table, evolve;
	const char *offsets_table; /* NULL: kferry_offsets */
	const char *loads_table;   /* NULL: kferry_loads */
	int start_latest;	   /* sink.start = latest */
	uint64_t batch_rows, batch_bytes, batch_ms, max_inflight_bytes;
	int batch_eager; /* sink.batch_eager: close when idle and drained */
	const char *dead_letter_topic; /* NULL or "": refused rows logged */
	int errors_fail;	       /* sink.errors = fail */
	int mariadb_load_data;	       /* sink.mariadb_load_data */
	/* writer schemas of Avro records by id (docs/schemas.md 6); NULL:
	 * wire-format records are refused. Shared by the writers. */
	kf_registry_t *registry;
} kf_sink_opts_t;

/* How sink.max_inflight_bytes, the sink's memory budget, is shared
 * (docs/sink.md 4.1). Memory follows the messages' decompressed bytes:
 * the batches in flight hold them (the planned and the running one also
 * their plans), librdkafka's queue holds the next ones, and a fetch's
 * records, counted compressed in the fetch size, land in the queue
 * decompressed. */
typedef struct kf_sink_budget_s {
	/* messages of the batches in flight (building, planning or planned,
	 * running) and their plans: reading pauses past it. Half. */
	uint64_t batches;
	/* one batch closes at this many message bytes: a third of batches,
	 * so that three stages fit (sink.batch_bytes when smaller) */
	uint64_t batch;
	/* librdkafka's prefetch queue: a quarter */
	uint64_t prefetch;
	/* one fetch, compressed: a sixteenth of the queue, so that records
	 * compressed up to 16 times (a Connect JSON topic: about 13) stay
	 * within the last quarter */
	uint64_t fetch;
} kf_sink_budget_t;

/* The shares of o->max_inflight_bytes. */
void kf_sink_budget(const kf_sink_opts_t *o, kf_sink_budget_t *b);

/* Runs the sink until stopped or idle (engine.idle_exit_s). 0, or a KF_E*
 * code with errstr: KF_EINVAL (configuration, a missing table or column,
 * refused rows with errors_fail), KF_ERESOURCE (the database unreachable
 * at start), KF_EIO (a fatal database error),
 * KF_EAUTH / KF_EACCESS, KF_EKAFKA; KF_ESTOPPED after a clean stop on
 * SIGINT / SIGTERM (kf_stop_request). stats may be NULL. */
int kf_sink_run(const kf_sink_opts_t *o, kf_sink_stats_t *stats, char *errstr,
		size_t errstr_size);

#endif /* KF_SINK_SINK_H */
