/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One Kafka producer: the only place where kferry creates one, for the
 * sender's frames, the dead letters, the audit trail and the record
 * producers to come.
 *
 * It owns the librdkafka handle, the handle of its one topic, the guard
 * that turns refusals retrying cannot fix into one error
 * (kafka/security.h), the handles of the other topics it was asked to
 * produce to (kf_producer_send_to), and the uv_poll that serves its delivery reports on a
 * libuv loop (kf_producer_attach). Its defaults are set once here:
 * idempotent, acks=all, no compression by librdkafka unless opts.compression
 * asks for it (frames are compressed by us; records are not), murmur2 partitioning like the Java clients, and the batching and
 * queue sizes of kf_producer_opts_init.
 *
 * Transactions (kf_producer_txn_*) are for producers whose records must
 * appear all or nothing (one Kafka transaction per loaded file): give
 * opts.transactional_id, then init once, and begin / commit or abort per
 * unit of work. Those calls wait for the brokers: run them in a worker,
 * never on the loop thread.
 *
 * @locality loop thread, unless a function says otherwise.
 */
#ifndef KF_KAFKA_PRODUCER_H
#define KF_KAFKA_PRODUCER_H

#include <librdkafka/rdkafka.h>
#include <stdint.h>
#include <uv.h>

#include "kferry/kferry.h"
#include "kafka/security.h"

/* What a producer is made of. Strings are borrowed: they must outlive the
 * producer. */
typedef struct kf_producer_opts_s {
	/* How to reach the brokers: bootstrap, tls.* and sasl.*, the kafka.*
	 * and -X properties (applied last: they win), debug, statistics, and
	 * the guard's connect_timeout. */
	const kf_conf_t *conf;
	const char *topic; /* the one topic produced to */
	int keep_trying;   /* no broker within connect_timeout: only log it
			    * (a daemon outlives outages) rather than trip */
	/* tuning, as librdkafka properties */
	int linger_ms;		 /* linger.ms */
	int delivery_timeout_ms; /* message.timeout.ms */
	int max_inflight;	 /* max.in.flight.requests.per.connection */
	uint64_t batch_size;	 /* batch.size */
	uint64_t max_message;	 /* message.max.bytes */
	uint64_t queue_kbytes;	 /* queue.buffering.max.kbytes */
	/* compression.type: NULL is "none" (our frames come compressed);
	 * records, which we do not compress, take librdkafka's per batch
	 * (gzip, snappy, lz4, zstd) */
	const char *compression;
	/* NULL: idempotent only. Else transactional.id, for kf_producer_txn_*
	 * (the producer is then idempotent too); delivery_timeout_ms must
	 * then not exceed transaction.timeout.ms (60 s unless a kafka.*
	 * property says otherwise), or librdkafka refuses the producer. */
	const char *transactional_id;
	/* transaction.timeout.ms of a transactional producer; 0: librdkafka's
	 * (60 s) */
	int transaction_timeout_ms;
	/* kf_producer_send_paced holds a partition's messages back while
	 * librdkafka could not send them (kafka/pacer.h): for a producer of
	 * many small messages, whose broker thread would otherwise spin */
	int pace;
} kf_producer_opts_t;

/* Fills o for a producer of topic from conf: the send.* tuning (linger,
 * delivery timeout), batches of a few frames of conf->chunk_size, records
 * up to max_message bytes or one such frame, whichever is larger, and a
 * queue that never refuses what send.max_inflight_bytes lets through.
 * keep_trying, compression and transactional_id are 0 and NULL. */
void kf_producer_opts_init(kf_producer_opts_t *o, const kf_conf_t *conf,
			   const char *topic, uint64_t max_message);

typedef struct kf_producer_s kf_producer_t;

/* A delivery report: m->_private is the msg_opaque given to
 * kf_producer_send. m is valid during the call only. */
typedef void(kf_producer_report_cb)(void *opaque, const rd_kafka_message_t *m);
/* Called on the loop after the reports that woke it were served (and when
 * the connect watchdog tripped the guard): the owner's chance to look at
 * kf_producer_guard(p)->err and to make progress. */
typedef void(kf_producer_served_cb)(void *opaque);

/* Creates the producer. report (may be NULL) gets every delivery report
 * with opaque. Returns 0 with *out (the caller's: kf_producer_destroy), or
 * a KF_E* code with *out NULL and errstr saying what was refused (a
 * property, the security settings, librdkafka). */
int kf_producer_new(const kf_producer_opts_t *o, kf_producer_report_cb *report,
		    void *opaque, kf_producer_t **out, char *errstr,
		    size_t errstr_size);

/* kf_producer_attach flags */
enum kf_producer_flag {
	/* trip the guard if no broker answers within conf->connect_timeout */
	KF_PRODUCER_WATCH_CONNECT = 1,
	/* its handle does not keep the loop running: the owner's decide */
	KF_PRODUCER_WEAK = 2
};

/* Serves the delivery reports on loop as they come, then calls served
 * (may be NULL) with the report's opaque. Undone by kf_producer_close. */
int kf_producer_attach(kf_producer_t *p, uv_loop_t *loop,
		       kf_producer_served_cb *served, unsigned flags,
		       char *errstr, size_t errstr_size);

/* Queues one record to the producer's topic; never blocks. copy: the key
 * and value are copied, else value must stay valid until its report. hdrs
 * (may be NULL) is taken over on success only. msg_opaque comes back in
 * the report as m->_private. Returns librdkafka's error (0: queued). */
rd_kafka_resp_err_t kf_producer_send(kf_producer_t *p, const void *key,
				     size_t keylen, const void *value,
				     size_t len, int copy,
				     rd_kafka_headers_t *hdrs,
				     void *msg_opaque);

/* kf_producer_send of a small message (no copy, no headers: value stays
 * valid until its report) that may wait in the producer, per partition,
 * until librdkafka can send it (opts.pace; kafka/pacer.h). It then counts
 * in kf_producer_outq, a flush gives it to librdkafka, a purge reports it
 * (__PURGE_QUEUE), and an error librdkafka returns when it is given comes
 * in its report. Without opts.pace, kf_producer_send. */
rd_kafka_resp_err_t kf_producer_send_paced(kf_producer_t *p, const void *key,
					   size_t keylen, const void *value,
					   size_t len, void *msg_opaque);

/* kf_producer_send to another topic, named: its handle is made on first
 * use and freed with the producer (a load writes its rows, dead letters
 * and load record in one transaction, so on one producer). The producer's
 * own topic may be named too. Returns librdkafka's error (0: queued;
 * the error of the handle's creation, e.g. __INVALID_ARG). */
rd_kafka_resp_err_t kf_producer_send_to(kf_producer_t *p, const char *topic,
					const void *key, size_t keylen,
					const void *value, size_t len, int copy,
					rd_kafka_headers_t *hdrs,
					void *msg_opaque);

/* The guard: its err is 0 until a refusal retrying cannot fix. */
kf_kafka_guard_t *kf_producer_guard(kf_producer_t *p);
/* Records queued or in flight, not yet reported. */
int kf_producer_outq(const kf_producer_t *p);
/* Of those, the paced ones waiting in the producer for their partition
 * (kf_producer_send_paced). */
int kf_producer_waiting(const kf_producer_t *p);

/* Serves the reports that are ready now. */
void kf_producer_poll(kf_producer_t *p);
/* Drops what is queued or in flight; their reports (error __PURGE_*) are
 * served before it returns. */
void kf_producer_purge(kf_producer_t *p);
/* Waits up to timeout_ms for every record's report (served here).
 * Blocks: at exit, or in a worker. Returns the records still unreported. */
int kf_producer_flush(kf_producer_t *p, int timeout_ms);

/* Transactions (opts.transactional_id). Each waits for the brokers, up to
 * timeout_ms where it takes one. Returns 0, or KF_EKAFKA with errstr set;
 * after a failure that librdkafka deems abortable, kf_producer_txn_abort
 * and begin again; after a fatal one, the producer is done.
 * @locality worker (they block) */
int kf_producer_txn_init(kf_producer_t *p, int timeout_ms, char *errstr,
			 size_t errstr_size);
int kf_producer_txn_begin(kf_producer_t *p, char *errstr, size_t errstr_size);
int kf_producer_txn_commit(kf_producer_t *p, int timeout_ms, char *errstr,
			   size_t errstr_size);
int kf_producer_txn_abort(kf_producer_t *p, int timeout_ms, char *errstr,
			  size_t errstr_size);

/* Stops serving reports on the loop (closes its handles); the producer
 * must live until the loop has run them down. No-op unless attached. */
void kf_producer_close(kf_producer_t *p);
/* Frees everything without waiting: flush or purge first. NULL is a
 * no-op. */
void kf_producer_destroy(kf_producer_t *p);

#endif /* KF_KAFKA_PRODUCER_H */
