/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Replay (docs/dead-letters.md, "Replay"): the range feed of the consumer
 * engine (recv/engine.h), reading a fixed range of the topic with assign()
 * instead of a consumer group, and committing nothing.
 *
 * The plan fixes, per partition, where reading starts (an offset, the
 * first message at or after a time, or the beginning) and where it ends
 * (the high-water mark seen at start, or --to-offset), assigns the
 * partitions there, drops what lies past the end and says when every
 * partition has been read to its end. A NULL plan is the group feed: no
 * message lies beyond it, and it never ends.
 *
 * @locality loop thread; kf_replay_plan_assign blocks on the brokers and
 * runs before the loop starts.
 */
#ifndef KF_RECV_REPLAY_H
#define KF_RECV_REPLAY_H

#include <librdkafka/rdkafka.h>

#include "kferry/kferry.h"
#include "recv/receiver.h"

typedef struct kf_replay_plan_s kf_replay_plan_t;

/* Looks up the partitions of topic and their positions, and assigns rk (a
 * consumer that never subscribes or commits) to each partition that has
 * something to read. bootstrap names the brokers in errors. Caller owns
 * *out (kf_replay_plan_destroy). */
int kf_replay_plan_assign(rd_kafka_t *rk, const char *topic,
			  const char *bootstrap, const kf_replay_opts_t *opts,
			  kf_replay_plan_t **out, char *errstr,
			  size_t errstr_size);

/* Records that m was read; returns 1 when m lies at or past its
 * partition's end (the caller drops it; the partition is paused). */
int kf_replay_plan_beyond(kf_replay_plan_t *p, rd_kafka_t *rk,
			  const rd_kafka_message_t *m);

/* The engine rewound partition of topic to offset (deferred frames,
 * docs/protocol.md section 7): read there again, up to the end. */
void kf_replay_plan_rewound(kf_replay_plan_t *p, rd_kafka_t *rk,
			    const char *topic, int32_t partition,
			    int64_t offset);
/* 1 once every partition was read up to its end. */
int kf_replay_plan_done(const kf_replay_plan_t *p);

void kf_replay_plan_destroy(kf_replay_plan_t *p);

/* kf_replay(): checks replay, then runs the file sink of o over the
 * range it names (assign(), no commits, no dead letters). */
int kf_replay_run(const kf_recv_opts_t *o, const kf_replay_opts_t *replay,
		  kf_recv_stats_t *stats, char *errstr, size_t errstr_size);

#endif /* KF_RECV_REPLAY_H */
