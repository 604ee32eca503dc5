/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Pacing of small messages per partition, for the producer
 * (kf_producer_send_paced).
 *
 * Why: librdkafka 2.0.2's idempotent producer counts *messages* against
 * the broker's window of five requests in flight a partition, so a
 * partition of small messages has one produce request in flight at a
 * time. While it waits for the answer with the next batch ready (its
 * linger past, or batch.size reached), the broker thread polls with a
 * zero timeout over and over: hundreds of thousands of polls, half the
 * sender's CPU, for 20,000 files of 4 KiB (bench/README.md, "An
 * idempotent producer's broker thread spins"). A message it cannot send
 * yet is better kept here, where nothing polls for it.
 *
 * The rule, per partition ("lane"): a message is given to librdkafka at
 * once while fewer than five of the lane's are unreported (librdkafka
 * can send them), or while the lane's window is open: from the moment a
 * message reaches an idle lane, for linger_ms, and up to batch_bytes,
 * what is given joins the batch librdkafka is lingering over. Otherwise
 * it waits in the lane, in order, until the lane's reports bring it back
 * to idle; then a new window opens with the oldest waiting ones. Each
 * lane keeps its order, and a key always maps to one lane, so a key's
 * messages keep theirs. A waiting message is never lost: every message
 * given is reported by librdkafka (delivered, failed or purged), so a
 * lane with waiting ones always becomes idle again; kf_pacer_take_all
 * hands them back for a flush or a purge.
 *
 * The lane of a key is murmur2 of the key, as the Java clients and
 * kferry's producer partition (the topic's partitioner, which is how the
 * partition count is learned: kf_pacer_partition). Until librdkafka has
 * partitioned one message of the topic, the count is unknown and
 * messages are not paced.
 *
 * @locality loop thread, except kf_pacer_partition (any thread).
 */
#ifndef KF_KAFKA_PACER_H
#define KF_KAFKA_PACER_H

#include <librdkafka/rdkafka.h>
#include <stddef.h>
#include <stdint.h>

/* librdkafka's limit of messages in flight a partition (idempotence). */
#define KF_PACER_INFLIGHT 5

/* One message going through the pacer; the producer's, from its send
 * until its report. */
typedef struct kf_pacer_msg_s {
	struct kf_pacer_msg_s *next; /* in its lane, while waiting */
	void *opaque;		     /* the sender's msg_opaque */
	const void *value;
	size_t len;
	int32_t partition; /* its lane; -1: not paced (count unknown) */
	size_t keylen;
	char key[]; /* keylen bytes */
} kf_pacer_msg_t;

typedef struct kf_pacer_s kf_pacer_t;

/* NULL when out of memory. */
kf_pacer_t *kf_pacer_new(int linger_ms, uint64_t batch_bytes);
/* Frees the pacer and any message still waiting (take them first). */
void kf_pacer_destroy(kf_pacer_t *pc);

/* librdkafka's partitioner of the topic (rkt_opaque: the pacer): murmur2,
 * and it records partition_cnt. @locality any thread */
int32_t kf_pacer_partition(const rd_kafka_topic_t *rkt, const void *key,
			   size_t keylen, int32_t partition_cnt,
			   void *rkt_opaque, void *msg_opaque);

/* Sets m->partition (its lane, or -1 while the count is unknown; rkt is
 * the topic's handle) and decides: 1, give it to librdkafka now (it is
 * counted as unreported); 0, it waits in its lane (kf_pacer_next). -1:
 * out of memory (nothing changed). now_ms: a monotonic clock. */
int kf_pacer_admit(kf_pacer_t *pc, const rd_kafka_topic_t *rkt,
		   kf_pacer_msg_t *m, uint64_t now_ms);
/* m, given to librdkafka, was reported (a lane's reports come oldest
 * first). */
void kf_pacer_done(kf_pacer_t *pc, const kf_pacer_msg_t *m);
/* m, just admitted or returned by kf_pacer_next, was refused by
 * librdkafka: it is not counted any more. */
void kf_pacer_unsent(kf_pacer_t *pc, const kf_pacer_msg_t *m);
/* The next waiting message of lane that may be given now (counted as
 * unreported), or NULL. Call after kf_pacer_done until NULL. */
kf_pacer_msg_t *kf_pacer_next(kf_pacer_t *pc, int32_t lane, uint64_t now_ms);
/* Every waiting message, oldest first a lane, as a list (next), not
 * counted (a flush gives them regardless, a purge reports them); the
 * lanes are left empty. A message not counted only lets the pacer give
 * more, never less. */
kf_pacer_msg_t *kf_pacer_take_all(kf_pacer_t *pc);
/* Messages waiting. */
size_t kf_pacer_waiting(const kf_pacer_t *pc);

#endif /* KF_KAFKA_PACER_H */
