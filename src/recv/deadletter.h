/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Dead letters (docs/dead-letters.md): what a receiver cannot process is
 * produced to receive.dead_letter_topic instead of being only logged.
 *
 * Every dead letter holds the source offset it stands for in the offsets
 * tracker until the broker acknowledged it, so a committed position never
 * covers a dead letter that a crash could lose (at least once: after a
 * crash it may be produced again). A record refused for its size is
 * replaced by a copy cut to its first bytes (kferry.dlq.truncated). A dead
 * letter the broker refuses for good otherwise stops the receiver with an error (kf_deadletter_error); its offset
 * stays held, so nothing is committed past it.
 *
 * @locality loop thread (the producer's delivery reports are served there
 * through a kf_kafka_waker).
 */
#ifndef KF_RECV_DEADLETTER_H
#define KF_RECV_DEADLETTER_H

#include <librdkafka/rdkafka.h>
#include <uv.h>

#include "kferry/kferry.h"
#include "recv/offsets.h"

typedef struct kf_deadletter_s kf_deadletter_t;

/* What the dead-letter producer reads. Strings are borrowed: they must
 * outlive it. */
typedef struct kf_deadletter_opts_s {
	/* How to reach the brokers, as kf_producer_opts_t.conf
	 * (kafka/producer.h): read by the Kafka area only. */
	const kf_conf_t *kafka;
	const char *topic;  /* where dead letters go; NULL or "": off */
	const char *source; /* the topic read, named in their headers */
	/* bytes produced but not yet acknowledged before
	 * kf_deadletter_room says no (receive.max_inflight_bytes) */
	uint64_t max_pending_bytes;
} kf_deadletter_opts_t;

/* Creates the dead-letter producer on loop when o names a topic; *out
 * stays NULL when it does not (dead letters off).
 * offs is borrowed (it must outlive the dead-letter producer). kick(opaque)
 * runs on the loop after acknowledgements freed room (see _room). The
 * caller owns *out: kf_deadletter_close, then kf_deadletter_destroy. */
int kf_deadletter_new(uv_loop_t *loop, const kf_deadletter_opts_t *o,
		      kf_offsets_t *offs, void (*kick)(void *), void *opaque,
		      kf_deadletter_t **out, char *errstr, size_t errstr_size);

/* Forwards m verbatim (key, value, headers) with the kferry.dlq.* headers;
 * holds m's offset until the broker acknowledged it. m stays the caller's.
 * A no-op when d is NULL. */
void kf_deadletter_forward(kf_deadletter_t *d, const rd_kafka_message_t *m,
			   const char *reason);

/* Produces the record that stands for a whole quarantined transfer: key =
 * its path, value = its MANIFEST frame (frame, len), pointing at the
 * MANIFEST's partition and offset, which it holds until acknowledged.
 * A no-op when d is NULL. */
void kf_deadletter_quarantined(kf_deadletter_t *d, int32_t part, int64_t offset,
			       const char *key, size_t keylen,
			       const void *frame, size_t len,
			       const char *reason);

/* Partition p was revoked and its holds forgotten (kf_offsets_forget):
 * the dead letters of p still unacknowledged no longer hold anything, so
 * that their acknowledgements cannot release a hold taken at the same
 * offset after p comes back (a re-read MANIFEST's). A no-op for NULL. */
void kf_deadletter_forget(kf_deadletter_t *d, int32_t p);

/* 1 while dead letters wait for their acknowledgement (0 for NULL). */
int kf_deadletter_pending(const kf_deadletter_t *d);
/* 1 when there is room for more (bytes awaiting acknowledgement below
 * receive.max_inflight_bytes; 1 for NULL): the receiver stops consuming
 * meanwhile, so a flood of bad messages cannot grow memory. */
int kf_deadletter_room(const kf_deadletter_t *d);
/* 0, or the KF_E* code and message of the first dead letter that could
 * not be produced (0 for NULL). */
int kf_deadletter_error(const kf_deadletter_t *d, char *errstr,
			size_t errstr_size);
/* Dead letters acknowledged so far (0 for NULL). */
uint64_t kf_deadletter_count(const kf_deadletter_t *d);

/* Stops serving delivery reports on the loop (closes its handle). */
void kf_deadletter_close(kf_deadletter_t *d);
/* Frees everything; messages still unacknowledged are purged (their
 * offsets stay held: they were never committed). NULL is a no-op. */
void kf_deadletter_destroy(kf_deadletter_t *d);

#endif /* KF_RECV_DEADLETTER_H */
