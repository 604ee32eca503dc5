/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kf_replay(): the receiver engine over a fixed range of the topic.
 */
#include "recv/replay.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/log.h"
#include "recv/receiver.h"

/* Brokers get this long to answer each look-up at start. */
#define KF__LOOKUP_MS 15000

struct kf__range {
	int64_t next; /* next offset to read */
	int64_t end;  /* reading stops before it */
	int paused;
};

struct kf_replay_plan_s {
	struct kf__range *parts;
	int32_t nparts;
};

/* The partitions of topic. */
static int kf__count_partitions(rd_kafka_t *rk, const char *topic,
				const char *bootstrap, int32_t *out,
				char *errstr, size_t errstr_size)
{
	rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
	const struct rd_kafka_metadata *md = NULL;
	rd_kafka_resp_err_t err;
	int rc = 0;

	if (!rkt)
		return kf_seterr(errstr, errstr_size, KF_EKAFKA, "topic %s: %s",
				 topic,
				 rd_kafka_err2str(rd_kafka_last_error()));
	err = rd_kafka_metadata(rk, 0, rkt, &md, KF__LOOKUP_MS);
	if (!err && md->topic_cnt == 1)
		err = md->topics[0].err;
	if (err || !md->topic_cnt || !md->topics[0].partition_cnt)
		rc = kf_seterr(
			errstr, errstr_size, KF_EKAFKA,
			"cannot read the partitions of topic %s at "
			"%s: %s (is -b right, and does the topic "
			"exist?)",
			topic, bootstrap,
			rd_kafka_err2str(
				err ? err
				    : RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART));
	else
		*out = md->topics[0].partition_cnt;
	if (md)
		rd_kafka_metadata_destroy(md);
	rd_kafka_topic_destroy(rkt);
	return rc;
}

/* Where each partition starts for a time: the first message at or after
 * it (offsetsForTimes); none means nothing to read there. */
static int kf__starts_at_time(rd_kafka_t *rk, const char *topic,
			      kf_replay_plan_t *p, int64_t ms, char *errstr,
			      size_t errstr_size)
{
	rd_kafka_topic_partition_list_t *l =
		rd_kafka_topic_partition_list_new(p->nparts);
	rd_kafka_resp_err_t err;
	int32_t i;
	int rc = 0;

	for (i = 0; i < p->nparts; i++)
		rd_kafka_topic_partition_list_add(l, topic, i)->offset = ms;
	err = rd_kafka_offsets_for_times(rk, l, KF__LOOKUP_MS);
	if (err) {
		rc = kf_seterr(errstr, errstr_size, KF_EKAFKA,
			       "looking up the offsets of %s at time %" PRId64
			       ": %s",
			       topic, ms, rd_kafka_err2str(err));
		goto out;
	}
	for (i = 0; i < l->cnt; i++) {
		struct kf__range *pr = &p->parts[l->elems[i].partition];

		if (l->elems[i].err)
			rc = kf_seterr(errstr, errstr_size, KF_EKAFKA,
				       "offset of %s [%d] at time %" PRId64
				       ": %s",
				       topic, (int)l->elems[i].partition, ms,
				       rd_kafka_err2str(l->elems[i].err));
		else if (l->elems[i].offset >= 0 &&
			 l->elems[i].offset > pr->next)
			pr->next = l->elems[i].offset;
		else if (l->elems[i].offset < 0) /* nothing that late */
			pr->next = pr->end;
	}
out:
	rd_kafka_topic_partition_list_destroy(l);
	return rc;
}

int kf_replay_plan_assign(rd_kafka_t *rk, const char *topic,
			  const char *bootstrap, const kf_replay_opts_t *opts,
			  kf_replay_plan_t **out, char *errstr,
			  size_t errstr_size)
{
	rd_kafka_topic_partition_list_t *l = NULL;
	kf_replay_plan_t *p = calloc(1, sizeof(*p));
	rd_kafka_resp_err_t err;
	int64_t lo, hi;
	int32_t i;
	int rc;

	if (!p)
		return KF_ENOMEM;
	*out = p;
	rc = kf__count_partitions(rk, topic, bootstrap, &p->nparts, errstr,
				  errstr_size);
	if (rc)
		return rc;
	p->parts = calloc((size_t)p->nparts, sizeof(*p->parts));
	if (!p->parts)
		return KF_ENOMEM;
	/* The end is fixed now: what arrives later is not part of this
	 * replay, so it always ends. */
	for (i = 0; i < p->nparts; i++) {
		err = rd_kafka_query_watermark_offsets(rk, topic, i, &lo, &hi,
						       KF__LOOKUP_MS);
		if (err)
			return kf_seterr(errstr, errstr_size, KF_EKAFKA,
					 "offsets of %s [%d]: %s", topic,
					 (int)i, rd_kafka_err2str(err));
		p->parts[i].next = lo;
		p->parts[i].end = hi;
		if (opts->to_offset >= 0 && opts->to_offset < hi)
			p->parts[i].end = opts->to_offset;
		if (opts->from_kind == KF_REPLAY_FROM_OFFSET && opts->from > lo)
			p->parts[i].next = opts->from;
	}
	if (opts->from_kind == KF_REPLAY_FROM_TIME) {
		rc = kf__starts_at_time(rk, topic, p, opts->from, errstr,
					errstr_size);
		if (rc)
			return rc;
	}
	l = rd_kafka_topic_partition_list_new(p->nparts);
	for (i = 0; i < p->nparts; i++) {
		kf_info("recv",
			"replay %s [%d]: offsets %" PRId64 " to %" PRId64 "%s",
			topic, (int)i, p->parts[i].next, p->parts[i].end,
			p->parts[i].next >= p->parts[i].end ? " (nothing)"
							    : "");
		if (p->parts[i].next < p->parts[i].end)
			rd_kafka_topic_partition_list_add(l, topic, i)->offset =
				p->parts[i].next;
	}
	err = rd_kafka_assign(rk, l);
	rd_kafka_topic_partition_list_destroy(l);
	if (err)
		return kf_seterr(errstr, errstr_size, KF_EKAFKA,
				 "assigning the partitions of %s: %s", topic,
				 rd_kafka_err2str(err));
	return 0;
}

int kf_replay_plan_beyond(kf_replay_plan_t *p, rd_kafka_t *rk,
			  const rd_kafka_message_t *m)
{
	rd_kafka_topic_partition_list_t *l;
	struct kf__range *pr;

	if (!p)
		return 0; /* the group feed has no end */
	if (m->partition < 0 || m->partition >= p->nparts)
		return 1;
	pr = &p->parts[m->partition];
	if (m->offset < pr->end) {
		if (m->offset >= pr->next)
			pr->next = m->offset + 1;
		return 0;
	}
	pr->next = pr->end;
	if (!pr->paused) {
		/* stop fetching what this replay will not use */
		l = rd_kafka_topic_partition_list_new(1);
		rd_kafka_topic_partition_list_add(
			l, rd_kafka_topic_name(m->rkt), m->partition);
		rd_kafka_pause_partitions(rk, l);
		rd_kafka_topic_partition_list_destroy(l);
		pr->paused = 1;
	}
	return 1;
}

void kf_replay_plan_rewound(kf_replay_plan_t *p, rd_kafka_t *rk,
			    const char *topic, int32_t partition,
			    int64_t offset)
{
	rd_kafka_topic_partition_list_t *l;
	struct kf__range *pr;

	if (!p || partition < 0 || partition >= p->nparts)
		return;
	pr = &p->parts[partition];
	if (offset < pr->next)
		pr->next = offset;
	if (pr->paused) {
		l = rd_kafka_topic_partition_list_new(1);
		rd_kafka_topic_partition_list_add(l, topic, partition);
		rd_kafka_resume_partitions(rk, l);
		rd_kafka_topic_partition_list_destroy(l);
		pr->paused = 0;
	}
}

int kf_replay_plan_done(const kf_replay_plan_t *p)
{
	int32_t i;

	if (!p)
		return 0;
	for (i = 0; i < p->nparts; i++)
		if (p->parts[i].next < p->parts[i].end)
			return 0;
	return 1;
}

void kf_replay_plan_destroy(kf_replay_plan_t *p)
{
	if (!p)
		return;
	free(p->parts);
	free(p);
}

int kf_replay_run(const kf_recv_opts_t *o, const kf_replay_opts_t *opts,
		  kf_recv_stats_t *stats, char *errstr, size_t errstr_size)
{
	kf_recv_opts_t ranged;

	if (!opts || opts->from_kind < KF_REPLAY_FROM_BEGINNING ||
	    opts->from_kind > KF_REPLAY_FROM_TIME ||
	    (opts->from_kind != KF_REPLAY_FROM_BEGINNING && opts->from < 0))
		return kf_seterr(errstr, errstr_size, KF_EINVAL,
				 "replay: give where to start (from the "
				 "beginning, an offset or a time >= 0)");
	ranged = *o;
	ranged.engine.range = opts;
	return kf_receive_run(&ranged, stats, errstr, errstr_size);
}
