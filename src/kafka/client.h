/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Kafka clients configured for kferry, and their wiring into a libuv loop.
 *
 * Everything librdkafka-specific that is not about messages lives here: the
 * tuned defaults, the pass-through of user properties (kafka.* / -X), log
 * routing into our logger, and a uv_poll on the queue's wake-up descriptor
 * so that the loop thread serves librdkafka's events without blocking.
 */
#ifndef KF_KAFKA_CLIENT_H
#define KF_KAFKA_CLIENT_H

#include <librdkafka/rdkafka.h>
#include <uv.h>

#include "kferry/kferry.h"
#include "kafka/security.h"

/* Sets one librdkafka property; the error names it (and its value,
 * unless it is a secret). */
int kf_kafka_conf_set(rd_kafka_conf_t *rc, const char *name, const char *value,
		      char *errstr, size_t errstr_size);

/* Receives librdkafka's statistics JSON (valid during the call only) of
 * every client created with metrics.addr set, which asks librdkafka for
 * them every stats_interval_ms. obs registers the exporter here: the
 * dependency runs obs -> kafka, never back. */
typedef void kf_kafka_stats_cb(const char *json, size_t len, void *opaque);

/* Sets the process's statistics callback (NULL: statistics are dropped).
 * Set it before the clients are polled; it may be set again with the same
 * values from any thread.
 * @locality any thread */
void kf_kafka_stats_cb_set(kf_kafka_stats_cb *cb, void *opaque);

/* A client's librdkafka configuration: defaults (name, value pairs, NULL
 * ended), the security keys, then the user's properties (kafka.* and -X),
 * which win because they come last. Returns NULL with errstr set. Internal
 * to the Kafka module (the producer, kafka/producer.h, and the consumer);
 * the caller owns the result (rd_kafka_new takes it). The client's opaque
 * is its guard (kafka/security.h). */
rd_kafka_conf_t *kf__conf_build(const kf_conf_t *conf,
				const char *const *defaults, char *errstr,
				size_t errstr_size);

/* Creates the consumer of conf->group: manual offset commits, offsets
 * stored by us, reading from the earliest offset for a new group, fetch
 * sizes bounded so that memory stays bounded: librdkafka's prefetch queue
 * holds prefetch_bytes (0: 8 MiB; else kept within 1 MiB and 1 GiB).
 * A file transfer (fetch_bytes 0) fetches about 8 MiB a partition in
 * whole frames (at least two), and responses of about 32 MiB in whole
 * partition shares; a bulk reader (the sink)
 * fetches fetch_bytes, a partition's share half that. A fetch is counted
 * compressed and the queue decompressed: a fetch's records may overshoot
 * the queue by the topic's compression ratio, which is why a bulk reader
 * keeps its fetches small. A kafka.* property the user sets wins.
 * rebalance_cb may be NULL; guard as for the producer. */
rd_kafka_t *kf_kafka_consumer_new(
	const kf_conf_t *conf, uint64_t prefetch_bytes, uint64_t fetch_bytes,
	void (*rebalance_cb)(rd_kafka_t *, rd_kafka_resp_err_t,
			     rd_kafka_topic_partition_list_t *, void *),
	kf_kafka_guard_t *guard, char *errstr, size_t errstr_size);

/* The largest record batch one file frame makes: the chunk, its 64-byte
 * header and its key, and room for the batch's own overhead. */
uint64_t kf_kafka_frame_bytes(const kf_conf_t *conf);

/* The prefetch queue kf_kafka_consumer_new gives librdkafka for
 * prefetch_bytes (0, or out of bounds, as it says). */
uint64_t kf_kafka_prefetch_bytes(uint64_t prefetch_bytes);

/* Creates a consumer outside any group for reading a few partitions by
 * rd_kafka_assign (the load ledger): read_committed, no offsets stored or
 * committed (its group.id, which assign() needs, is never joined), a PARTITION_EOF event at the end of each partition, small
 * fetches. guard as for the producer. NULL with errstr.
 * @locality any thread; polling it blocks (a worker) */
rd_kafka_t *kf_kafka_reader_new(const kf_conf_t *conf, kf_kafka_guard_t *guard,
				char *errstr, size_t errstr_size);

/* The same reader at read_uncommitted, to ask for a partition's high
 * watermark only: librdkafka answers a read_committed reader's watermark
 * query with the last stable offset, which an open transaction holds
 * back, so the end of what is written cannot be told from it. */
rd_kafka_t *kf_kafka_end_reader_new(const kf_conf_t *conf,
				    kf_kafka_guard_t *guard, char *errstr,
				    size_t errstr_size);

/* Wakes the loop when a librdkafka queue becomes non-empty. The callback
 * must drain the queue (or arrange to keep draining): librdkafka signals
 * only the empty -> non-empty transition. */
typedef struct kf_kafka_waker_s {
	uv_poll_t poll;
	int fds[2]; /* pipe: librdkafka writes [1], the loop reads [0] */
	void (*cb)(struct kf_kafka_waker_s *w);
	void *opaque;
	/* the connect watchdog (kf_kafka_waker_watch_connect) */
	uv_timer_t connect;
	rd_kafka_t *rk;
	kf_kafka_guard_t *guard;
	int watching; /* connect is initialized */
} kf_kafka_waker_t;

int kf_kafka_waker_init(kf_kafka_waker_t *w, uv_loop_t *loop,
			rd_kafka_queue_t *rkqu, void (*cb)(kf_kafka_waker_t *),
			void *opaque, char *errstr, size_t errstr_size);
/* Arms the connect watchdog: every conf->connect_timeout_s (0: never)
 * until a broker of rk has answered (librdkafka knows the cluster id),
 * kf_kafka_guard_unreached(guard), then the waker's callback, which sees
 * the tripped guard as it sees any refusal. Call after
 * kf_kafka_waker_init. */
int kf_kafka_waker_watch_connect(kf_kafka_waker_t *w, rd_kafka_t *rk,
				 kf_kafka_guard_t *guard, char *errstr,
				 size_t errstr_size);
/* Stops the poll handle and, when it is closed, the pipe. */
void kf_kafka_waker_close(kf_kafka_waker_t *w, rd_kafka_queue_t *rkqu);

#endif /* KF_KAFKA_CLIENT_H */
