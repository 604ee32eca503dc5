/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The writer of the database sink: one connection (kf_db_t) and what it
 * applies, one batch at a time, in one transaction per batch: the plan's
 * groups (sink/plan.h), the refused rows' dead letters (produced and
 * acknowledged before the COMMIT), and the conditional move of every
 * partition's next offset (db/offsets.h, docs/sink.md 3.1, 4.4).
 *
 * Connection errors and lost races are retried after a reconnect with
 * backoff; a commit whose outcome the lost connection hid is settled by
 * reading the offsets again.
 *
 * @locality the sink's writer thread (every call blocks).
 */
#ifndef KF_SINK_WRITER_H
#define KF_SINK_WRITER_H

#include <librdkafka/rdkafka.h>
#include <stddef.h>
#include <stdint.h>

#include "record/avrodec.h"
#include "record/envelope.h"
#include "sink/sink.h"
#include "sink/stash.h"

/* One partition's share of a batch: next_offset moves from expected (-1:
 * the partition's first batch here: its first message's offset) to next.
 * When the stored next_offset has moved ahead of expected (a sink killed
 * after sending its COMMIT, whose server finished it after this one read
 * its starts), the writer catches up: expected becomes the stored offset
 * and the messages below it, applied by that other transaction, are left
 * out (docs/sink.md 3.1). */
typedef struct kf_sink_range_s {
	const char *topic; /* the message's topic name (rd_kafka owned) */
	int32_t partition;
	int64_t expected, first, next;
	/* out: another sink moved the partition backwards or away (its
	 * messages were left out, the loop drops the partition's next ones) */
	int fenced;
	int64_t stored; /* the next_offset found when fenced; -1: none */
} kf_sink_range_t;

/* What a committed batch did to one group of a table (for the metrics). */
typedef struct kf_sink_tstat_s {
	char table[128]; /* "" for messages refused before any table */
	int upsert;
	uint64_t written, deleted, refused;
} kf_sink_tstat_t;

typedef struct kf_sink_batch_s {
	/* its messages, copied out of librdkafka as they were read; their
	 * bytes are the batch's share of the budget until it is planned */
	kf_sink_stash_t msgs;
	kf_sink_range_t *ranges;
	size_t nranges, rcap;
	uint64_t opened_ms, handed_ms;
	/* built off the writer thread (the sink's planner) so the database
	 * never waits for decoding; planned 0: the writer builds it */
	kf_sink_plan_t plan;
	int planned;
	kf_sink_stats_t st;	 /* out: what it did */
	kf_sink_tstat_t *tstats; /* out: per group, ntstats of them */
	size_t ntstats;
	size_t load_mismatches; /* out: loads it settled as mismatch */
} kf_sink_batch_t;

typedef struct kf_sink_writer_s kf_sink_writer_t;

/* The message decoder of one thread (docs/sink.md 1): Connect JSON and
 * Debezium's envelope, and with a registry the Confluent wire format
 * (docs/schemas.md), writer schemas looked up through o->registry (its
 * cache is shared and locked). One per thread: the planner on the thread
 * pool has one, the writer another. */
typedef struct {
	kf_envdec_t *env;
	kf_avrodec_t *avro; /* NULL: no registry */
} kf_sink_decoder_t;

int kf_sink_decoder_init(kf_sink_decoder_t *d, const kf_sink_opts_t *o);
void kf_sink_decoder_free(kf_sink_decoder_t *d);

/* Opens the connection (KF_EIO: unreachable, KF_EAUTH, KF_EINVAL) and
 * makes sure of the offsets table; the dead-letter producer when o names
 * a topic. o is borrowed. */
int kf_sink_writer_new(const kf_sink_opts_t *o, kf_sink_writer_t **out,
		       char *errstr, size_t errstr_size);
void kf_sink_writer_free(kf_sink_writer_t *w);

/* Sets each element's offset where reading starts: the partition's
 * next_offset, or RD_KAFKA_OFFSET_BEGINNING / _END (sink.start) when it
 * has none. */
int kf_sink_writer_starts(kf_sink_writer_t *w,
			  rd_kafka_topic_partition_list_t *parts, char *errstr,
			  size_t errstr_size);

/* Applies b (its ranges' fenced flags say which partitions another sink
 * owns now: their messages were left out), by its plan when b->planned
 * (the plan is freed, planned 0 after). 0, or a KF_E* code with errstr
 * when the sink must stop. */
int kf_sink_writer_apply(kf_sink_writer_t *w, kf_sink_batch_t *b, char *errstr,
			 size_t errstr_size);

#endif /* KF_SINK_WRITER_H */
