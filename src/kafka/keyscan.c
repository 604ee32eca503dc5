/* SPDX-License-Identifier: Apache-2.0 */
#include "kafka/keyscan.h"

#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <string.h>
#include <time.h>

#include "common/err.h"
#include "common/log.h"
#include "kafka/client.h"
#include "kafka/security.h"

/* The partition of key in topic, as the murmur2 partitioner of our
 * producers places it: 0, 1 when the topic does not exist, or a KF_E*
 * code. */
static int kf__partition(rd_kafka_t *rk, const char *topic, const char *key,
			 const char *what, int timeout_ms, int32_t *part,
			 char *errstr, size_t errstr_size)
{
	const struct rd_kafka_metadata *md = NULL;
	rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
	rd_kafka_resp_err_t err;
	int r = 0;

	if (!rkt)
		return kf_seterr(errstr, errstr_size, KF_EKAFKA,
				 "%s topic %s: %s", what, topic,
				 rd_kafka_err2str(rd_kafka_last_error()));
	err = rd_kafka_metadata(rk, 0, rkt, &md, timeout_ms);
	if (!err && md->topic_cnt == 1)
		err = md->topics[0].err;
	if (err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) {
		/* nothing is recorded in a topic that does not exist: the
		 * first record creates it where the brokers auto-create
		 * topics, and fails where they do not */
		kf_warn("kafka",
			"%s topic %s does not exist: create it with "
			"cleanup.policy=compact",
			what, topic);
		r = 1;
	} else if (err)
		r = kf_seterr(errstr, errstr_size, KF_EKAFKA,
			      "%s topic %s: %s (create it, compacted)", what,
			      topic, rd_kafka_err2str(err));
	else if (md->topic_cnt != 1 || md->topics[0].partition_cnt < 1)
		r = kf_seterr(errstr, errstr_size, KF_EKAFKA,
			      "%s topic %s has no partitions", what, topic);
	else
		*part = rd_kafka_msg_partitioner_murmur2(
			rkt, key, strlen(key), md->topics[0].partition_cnt,
			NULL, NULL);
	if (md)
		rd_kafka_metadata_destroy(md);
	rd_kafka_topic_destroy(rkt);
	return r;
}

/* Polls rk until the partition's end at or past hi, handing the records
 * of key to cb. */
static int kf__scan(rd_kafka_t *rk, kf_kafka_guard_t *guard, const char *topic,
		    const char *key, const char *what, int64_t hi,
		    int timeout_ms, kf_keyscan_cb *cb, void *opaque,
		    char *errstr, size_t errstr_size)
{
	struct timespec t0, now;
	rd_kafka_message_t *m;
	size_t klen = strlen(key);
	int held = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((now.tv_sec - t0.tv_sec) * 1000 +
			    (now.tv_nsec - t0.tv_nsec) / 1000000 >
		    timeout_ms)
			return kf_seterr(errstr, errstr_size, KF_EKAFKA,
					 "reading %s %s: not at its end within "
					 "%d ms (an open transaction there "
					 "holds it)",
					 what, topic, timeout_ms);
		m = rd_kafka_consumer_poll(rk, 100);
		if (guard->err)
			return kf_seterr(errstr, errstr_size, guard->err,
					 "reading %s %s: %s", what, topic,
					 guard->msg);
		if (!m)
			continue;
		if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
			/* read_committed ends at the last stable offset:
			 * an open transaction before hi holds it back */
			int64_t at = m->offset;

			rd_kafka_message_destroy(m);
			if (at >= hi)
				return 0;
			if (!held++)
				kf_info("kafka",
					"reading %s %s: waiting for an open "
					"transaction at offset %" PRId64
					" to end (at most %d ms)",
					what, topic, at, timeout_ms);
			continue;
		}
		if (m->err) {
			int r = kf_seterr(errstr, errstr_size, KF_EKAFKA,
					  "reading %s %s: %s", what, topic,
					  rd_kafka_message_errstr(m));

			rd_kafka_message_destroy(m);
			return r;
		}
		if (m->key_len == klen && !memcmp(m->key, key, klen))
			cb(m->payload, m->len, (long long)m->offset,
			   (int)m->partition, opaque);
		rd_kafka_message_destroy(m);
	}
}

/* The partition's start and its high watermark: the end of what is
 * written, committed or not. kf__scan then reads read_committed up to it,
 * so a record behind an open transaction is waited for, not missed (a
 * read_committed reader's own query would answer the last stable offset,
 * which that transaction holds back). */
static int kf__end(const kf_conf_t *conf, const char *topic, int32_t part,
		   const char *what, int timeout_ms, int64_t *lo, int64_t *hi,
		   char *errstr, size_t errstr_size)
{
	kf_kafka_guard_t guard;
	rd_kafka_resp_err_t err;
	rd_kafka_t *rk;

	kf_kafka_guard_init(&guard, conf, 0, topic);
	rk = kf_kafka_end_reader_new(conf, &guard, errstr, errstr_size);
	if (!rk)
		return KF_EKAFKA;
	err = rd_kafka_query_watermark_offsets(rk, topic, part, lo, hi,
					       timeout_ms);
	rd_kafka_destroy(rk);
	if (err)
		return kf_seterr(errstr, errstr_size, KF_EKAFKA,
				 "offsets of %s %s [%d]: %s", what, topic,
				 (int)part, rd_kafka_err2str(err));
	return 0;
}

int kf_keyscan(const kf_conf_t *conf, const char *topic, const char *key,
	       const char *what, int timeout_ms, kf_keyscan_cb *cb,
	       void *opaque, char *errstr, size_t errstr_size)
{
	rd_kafka_topic_partition_list_t *l;
	kf_kafka_guard_t guard;
	rd_kafka_resp_err_t err;
	int64_t lo, hi;
	int32_t part = 0;
	rd_kafka_t *rk;
	int r;

	kf_kafka_guard_init(&guard, conf, 0, topic);
	rk = kf_kafka_reader_new(conf, &guard, errstr, errstr_size);
	if (!rk)
		return KF_EKAFKA;
	r = kf__partition(rk, topic, key, what, timeout_ms, &part, errstr,
			  errstr_size);
	if (r) {
		r = r > 0 ? 0 : r;
		goto out_destroy;
	}
	r = kf__end(conf, topic, part, what, timeout_ms, &lo, &hi, errstr,
		    errstr_size);
	if (r)
		goto out_destroy;
	if (hi <= lo)
		goto out_destroy; /* empty: no record */
	l = rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_list_add(l, topic, part)->offset = lo;
	err = rd_kafka_assign(rk, l);
	rd_kafka_topic_partition_list_destroy(l);
	if (err)
		r = kf_seterr(errstr, errstr_size, KF_EKAFKA,
			      "assigning %s %s [%d]: %s", what, topic,
			      (int)part, rd_kafka_err2str(err));
	else
		r = kf__scan(rk, &guard, topic, key, what, hi, timeout_ms, cb,
			     opaque, errstr, errstr_size);
out_destroy:
	rd_kafka_consumer_close(rk);
	rd_kafka_destroy(rk);
	return r;
}
