/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The messages of one sink batch, copied out of librdkafka as they are
 * read (docs/sink.md 4.1.1), so that a fetched record batch is freed once
 * its messages left the consumer's queue rather than once the sink batch
 * committed. A key or value that shares at least 64 leading bytes with
 * one of the last ones kept whole (a Connect JSON schema, repeated by
 * every message of a topic) is kept as that prefix and its own tail; a
 * message is read back whole, byte for byte.
 *
 * @locality one thread at a time: the loop while the batch builds, then
 * the planner, then the writer (each a reader only).
 */
#ifndef KF_SINK_STASH_H
#define KF_SINK_STASH_H

#include <stddef.h>
#include <stdint.h>

#include "common/arena.h"

/* One message as the sink uses it. Pointers are borrowed: topic from
 * librdkafka (its topic handles live as long as the consumer), the rest
 * from the message (kf_sink_stash_add) or from the stash and the scratch
 * buffer (kf_sink_stash_get, valid until the next get with that scratch
 * or the stash's free). */
typedef struct kf_sink_msg_s {
	const char *topic;
	int32_t partition;
	int64_t offset;
	int64_t timestamp; /* -1: none */
	const void *key;   /* NULL: none */
	size_t key_len;
	const void *value; /* NULL: a tombstone */
	size_t len;
	const void *load_id; /* the kferry.load_id header; NULL: none */
	size_t load_id_len;
} kf_sink_msg_t;

#define KF_SINK_STASH_REFS 4

typedef struct kf_sink_stash_s {
	struct kf__stash_ent *ents;
	size_t n, cap;
	kf_arena_t chunks; /* what the entries point into */
	/* keys and values kept whole, the latest KF_SINK_STASH_REFS of
	 * each, that the next ones are compared with (in the chunks) */
	struct kf_sink_stash_refs {
		const unsigned char *p[KF_SINK_STASH_REFS];
		size_t len[KF_SINK_STASH_REFS];
		unsigned last, next;
	} keys, values;
	/* memory held: entries and chunks (the sink's budget counts it) */
	uint64_t bytes;
} kf_sink_stash_t;

/* Growable buffers a shared key and value are put together in (one per
 * thread). */
typedef struct kf_sink_scratch_s {
	struct kf_sink_scratch_buf {
		unsigned char *p;
		size_t cap;
	} key, value;
} kf_sink_scratch_t;

/* Copies m in as message s->n. 0, KF_ENOMEM, or KF_EINVAL (a key, value
 * or header of 4 GiB or more: beyond what Kafka carries). s stays as it
 * was on an error. */
int kf_sink_stash_add(kf_sink_stash_t *s, const kf_sink_msg_t *m);

/* Message i (< s->n) into m; its key and value are put together in sc
 * when shared. 0 or KF_ENOMEM. */
int kf_sink_stash_get(const kf_sink_stash_t *s, size_t i, kf_sink_msg_t *m,
		      kf_sink_scratch_t *sc);

/* Keeps, in order, the messages for which keep(opaque, topic, partition,
 * offset) is nonzero; their bytes stay where they are until the free. */
void kf_sink_stash_keep(kf_sink_stash_t *s,
			int (*keep)(void *opaque, const char *topic,
				    int32_t partition, int64_t offset),
			void *opaque);

/* Frees what s holds and empties it (s itself is the caller's). */
void kf_sink_stash_free(kf_sink_stash_t *s);
void kf_sink_scratch_free(kf_sink_scratch_t *sc);

#endif /* KF_SINK_STASH_H */
