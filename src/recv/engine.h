/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The consumer engine (docs/architecture.md, "The consumer engine and its
 * sinks"): reads a topic on a libuv loop, through a consumer group or over
 * a fixed range (the feed), and hands each message to a sink.
 *
 * The engine owns the consumer, the wake-ups and the tick, rebalances,
 * back-pressure, deferral and rewinds, the idle exit, dead letters and the
 * commit rule (recv/offsets.h). A sink keeps that rule by holding the
 * offset where a unit of work opens (kf_offsets_hold on
 * kf_engine_offsets) and releasing it once the outcome is durable.
 *
 * @locality loop thread, except where noted.
 */
#ifndef KF_RECV_ENGINE_H
#define KF_RECV_ENGINE_H

#include <librdkafka/rdkafka.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "kferry/kferry.h"
#include "recv/deadletter.h"
#include "recv/offsets.h"

typedef struct kf_engine_s kf_engine_t;

/* assign / revoke: the sink answers later (kf_engine_assign_done,
 * kf_engine_revoke_done). */
#define KF_ENGINE_PENDING 1

/* What a sink does for the engine. sink is the opaque given to
 * kf_engine_new. message, open, full and busy are required. */
typedef struct kf_sink_ops_s {
	/* A message to handle; the sink owns m (rd_kafka_message_destroy).
	 * reread_from: see kf_offsets_read (-1: read for the first time). */
	void (*message)(void *sink, rd_kafka_message_t *m, int64_t reread_from);
	/* Partitions assigned (of any of the topics read). The sink sets
	 * each element's offset where reading starts
	 * (RD_KAFKA_OFFSET_BEGINNING: the log start) and returns 0; the
	 * engine assigns there, and the idle exit waits for these starts.
	 * Or it returns KF_ENGINE_PENDING and later, on the loop, calls
	 * kf_engine_assign_done with them: nothing is read from the
	 * partitions meanwhile (docs/sink.md 3.2). Else nonzero stops the
	 * engine. NULL: the group's positions. */
	int (*assign)(void *sink, rd_kafka_topic_partition_list_t *parts);
	/* Partitions taken away: drop what is unfinished there (its holds
	 * are forgotten with the partitions once the revoke is over).
	 * Returns 0 when it is over, or KF_ENGINE_PENDING to let work
	 * already running there finish first (docs/sink.md 3.3): the engine
	 * reads nothing and the group waits until kf_engine_revoke_done. */
	int (*revoke)(void *sink, const rd_kafka_topic_partition_list_t *parts);
	/* Stores the commit positions (one past the last message that may
	 * be skipped, per partition) instead of the group: returns 0 when
	 * they are stored. sync: at a revoke or at shutdown. NULL: commit
	 * to the group. A sink that sets store sets assign too: the starts
	 * it gives are the ones the idle exit waits for. */
	int (*store)(void *sink, const rd_kafka_topic_partition_list_t *pos,
		     int sync);
	/* Units of work open (each may hold an offset): the idle exit waits
	 * for none, deferral for fewer than opts.max_open. */
	size_t (*open)(const void *sink);
	/* 1 while the sink holds as much data as it may
	 * (receive.max_inflight_bytes): the engine stops polling. */
	int (*full)(const void *sink);
	/* Work running or queued: a stop waits until there is none. */
	int (*busy)(const void *sink);
	/* Each tick (500 ms), with the monotonic time in ms: timeouts. */
	void (*tick)(void *sink, uint64_t now_ms);
	/* A range feed was read to its end: what is open cannot finish. */
	void (*range_end)(void *sink);
} kf_sink_ops_t;

/* What the engine reads. Strings are borrowed: they must outlive the
 * engine. */
typedef struct kf_engine_opts_s {
	/* How to reach the brokers, as kf_producer_opts_t.conf
	 * (kafka/producer.h): the Kafka and obs areas read it (bootstrap,
	 * tls.*, sasl.*, the kafka.* and -X properties, the consumer's group
	 * and fetch sizes, metrics.addr, audit.topic); the engine does not. */
	const kf_conf_t *kafka;
	/* librdkafka's prefetch of messages and its fetch size
	 * (kf_kafka_consumer_new); 0: their defaults, 8 MiB and 32 MiB */
	uint64_t prefetch_bytes, fetch_bytes;
	/* the topic read, or several: "A,B" when many_topics (the group
	 * feed without its dead letters: the sink's own) */
	const char *topic;
	/* the sink keeps each message's topic apart (kf_engine_topic_offsets):
	 * a list is read; else a list is refused (the file sink reads one) */
	int many_topics;
	const char *group;     /* the consumer group, for messages */
	const char *bootstrap; /* the brokers, for messages */
	/* no message for this long and nothing open: stop (0: never) */
	int idle_exit_s;
	/* the group feed's dead letters (.topic NULL or "": off) */
	kf_deadletter_opts_t dead_letters;
	/* NULL: the group feed (subscribe, commit, dead letters); set: the
	 * range feed over it (recv/replay.h: assign, no commit) */
	const kf_replay_opts_t *range;
	/* units of work open at once before frames that would open one are
	 * deferred (kf_engine_defer) */
	size_t max_open;
} kf_engine_opts_t;

/* Sets up the consumer and its feed on loop (which the caller runs and
 * closes). On failure nothing is left on loop and *out is NULL; on
 * success the caller owns *out (kf_engine_destroy). */
int kf_engine_new(uv_loop_t *loop, const kf_engine_opts_t *opts,
		  const kf_sink_ops_t *ops, void *sink, kf_engine_t **out,
		  char *errstr, size_t errstr_size);
/* Starts the tick and runs loop until the engine stops; returns the
 * error that stopped it (a tripped guard, a dead-letter failure). */
int kf_engine_run(kf_engine_t *e, char *errstr, size_t errstr_size);
/* Closes the consumer (the sink's revoke is no longer called) and frees
 * the engine. NULL is a no-op. */
void kf_engine_destroy(kf_engine_t *e);

/* The commit rule's tracker: the sink holds and releases offsets on it. */
kf_offsets_t *kf_engine_offsets(kf_engine_t *e);
/* The tracker of one of the topics read (NULL: not read). */
kf_offsets_t *kf_engine_topic_offsets(kf_engine_t *e, const char *topic);
/* The sink's answer to an assign it left pending: parts (the same
 * partitions, in the same order) with their start offsets; NULL when it
 * cannot tell (the engine stops). KF_EINVAL when the assignment was
 * revoked meanwhile (the answer is dropped), else 0. The engine reads on
 * at once: messages of parts may reach the sink before this returns. */
int kf_engine_assign_done(kf_engine_t *e,
			  const rd_kafka_topic_partition_list_t *parts);
/* The logical starts in parts (RD_KAFKA_OFFSET_BEGINNING, _END) made
 * offsets, asked of the partitions' leaders; best effort: a start not
 * resolved stays logical. Blocks up to a few seconds: for the thread that
 * answers a pending assign, never the loop. @locality any thread */
void kf_engine_resolve_starts(kf_engine_t *e,
			      rd_kafka_topic_partition_list_t *parts);
/* The work on partitions whose revoke the sink left pending is over: the
 * group may hand them on. KF_EINVAL when no revoke is pending. */
int kf_engine_revoke_done(kf_engine_t *e);
/* Dead letters (NULL: off, as in a range feed; kf_deadletter_* accept
 * NULL). */
kf_deadletter_t *kf_engine_dead_letters(kf_engine_t *e);
/* 1 for the range feed: frames of units opened before its start are
 * expected, not forged. */
int kf_engine_ranged(const kf_engine_t *e);
/* 1 once the engine is stopping (no new work should start). */
int kf_engine_stopping(const kf_engine_t *e);
/* Time spent not reading because of the engine's own caps until now:
 * it does not count against a sender's timeouts. */
uint64_t kf_engine_blocked_ms(const kf_engine_t *e, uint64_t now_ms);
/* 1 while messages fetched wait in the consumer's queue to be handed
 * over (the next poll hands them). */
int kf_engine_queued(const kf_engine_t *e);
/* The caps changed (memory or dead letters freed): read on. */
void kf_engine_kick(kf_engine_t *e);
/* No room to open one more unit (opts.max_open), or m's partition defers
 * already: m is left for a later pass over its partition. Returns 1 when
 * m was deferred (and destroyed), 0 when the sink opens it now. */
int kf_engine_defer(kf_engine_t *e, rd_kafka_message_t *m);

/* How far t/p is behind: *end the partition's end offset at the
 * consumer's latest fetch (its high watermark), *read the consumer's
 * position once nothing fetched waits to be handed over (it moves past
 * transaction markers), else -1. KF_EINVAL while the end is not known. */
int kf_engine_partition_end(const kf_engine_t *e, const char *t, int32_t p,
			    int64_t *end, int64_t *read);

/* Monotonic milliseconds, the engine's clock. Any thread. */
uint64_t kf_engine_now_ms(void);

#endif /* KF_RECV_ENGINE_H */
