/* SPDX-License-Identifier: Apache-2.0 */
#include "kafka/keyscan.h"

#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/err.h"
#include "common/log.h"
#include "kafka/client.h"
#include "kafka/security.h"

struct kf_keyscan_s {
	const kf_conf_t *conf;
	const char *topic, *what;
	rd_kafka_t *rk;	       /* read_committed, assigned one partition */
	rd_kafka_t *end;       /* read_uncommitted: the high watermark */
	rd_kafka_topic_t *rkt; /* for the partitioner */
	kf_kafka_guard_t guard, end_guard;
};

int kf_keyscan_new(const kf_conf_t *conf, const char *topic, const char *what,
		   kf_keyscan_t **out, char *errstr, size_t errstr_size)
{
	kf_keyscan_t *ks = calloc(1, sizeof(*ks));

	*out = NULL;
	if (!ks)
		return kf_seterr(errstr, errstr_size, KF_ENOMEM,
				 "out of memory");
	*ks = (kf_keyscan_t){.conf = conf, .topic = topic, .what = what};
	kf_kafka_guard_init(&ks->guard, conf, 0, topic);
	kf_kafka_guard_init(&ks->end_guard, conf, 0, topic);
	ks->rk = kf_kafka_reader_new(conf, &ks->guard, errstr, errstr_size);
	if (ks->rk)
		ks->end = kf_kafka_end_reader_new(conf, &ks->end_guard, errstr,
						  errstr_size);
	if (ks->end) {
		ks->rkt = rd_kafka_topic_new(ks->rk, topic, NULL);
		if (!ks->rkt)
			kf_seterr(errstr, errstr_size, KF_EKAFKA,
				  "%s topic %s: %s", what, topic,
				  rd_kafka_err2str(rd_kafka_last_error()));
	}
	if (!ks->rkt) {
		kf_keyscan_destroy(ks);
		return KF_EKAFKA;
	}
	*out = ks;
	return 0;
}

void kf_keyscan_destroy(kf_keyscan_t *ks)
{
	if (!ks)
		return;
	if (ks->rkt)
		rd_kafka_topic_destroy(ks->rkt);
	if (ks->end)
		rd_kafka_destroy(ks->end);
	if (ks->rk) {
		rd_kafka_consumer_close(ks->rk);
		rd_kafka_destroy(ks->rk);
	}
	free(ks);
}

int32_t kf_keyscan_home(kf_keyscan_t *ks, const void *key, size_t key_len,
			int32_t count)
{
	return rd_kafka_msg_partitioner_murmur2(ks->rkt, key, key_len, count,
						NULL, NULL);
}

int kf_keyscan_partition(kf_keyscan_t *ks, const char *key, int timeout_ms,
			 int32_t *part, int32_t *count, char *errstr,
			 size_t errstr_size)
{
	const struct rd_kafka_metadata *md = NULL;
	rd_kafka_resp_err_t err;
	int r = 0;

	err = rd_kafka_metadata(ks->rk, 0, ks->rkt, &md, timeout_ms);
	if (!err && md->topic_cnt == 1)
		err = md->topics[0].err;
	if (err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) {
		/* nothing is recorded in a topic that does not exist: the
		 * first record creates it where the brokers auto-create
		 * topics, and fails where they do not */
		kf_warn("kafka",
			"%s topic %s does not exist: create it with "
			"cleanup.policy=compact",
			ks->what, ks->topic);
		r = 1;
	} else if (err)
		r = kf_seterr(errstr, errstr_size, KF_EKAFKA,
			      "%s topic %s: %s (create it, compacted)",
			      ks->what, ks->topic, rd_kafka_err2str(err));
	else if (md->topic_cnt != 1 || md->topics[0].partition_cnt < 1)
		r = kf_seterr(errstr, errstr_size, KF_EKAFKA,
			      "%s topic %s has no partitions", ks->what,
			      ks->topic);
	else {
		*count = md->topics[0].partition_cnt;
		*part = kf_keyscan_home(ks, key, strlen(key), *count);
	}
	if (md)
		rd_kafka_metadata_destroy(md);
	return r;
}

/* The partition's start and its high watermark: the end of what is
 * written, committed or not. kf_keyscan_read then reads read_committed up
 * to it, so a record behind an open transaction is waited for, not missed
 * (a read_committed reader's own query would answer the last stable
 * offset, which that transaction holds back). */
int kf_keyscan_offsets(kf_keyscan_t *ks, int32_t part, int timeout_ms,
		       int64_t *lo, int64_t *hi, char *errstr,
		       size_t errstr_size)
{
	rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(
		ks->end, ks->topic, part, lo, hi, timeout_ms);

	if (err)
		return kf_seterr(errstr, errstr_size, KF_EKAFKA,
				 "offsets of %s %s [%d]: %s", ks->what,
				 ks->topic, (int)part, rd_kafka_err2str(err));
	return 0;
}

static int64_t kf__ms_since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (int64_t)(now.tv_sec - t0->tv_sec) * 1000 +
	       (now.tv_nsec - t0->tv_nsec) / 1000000;
}

/* Polls until the partition's end at or past hi, handing every record to
 * cb. A message of an earlier assignment (another partition, or below
 * from) is dropped: the reader is reassigned for each read. */
static int kf__scan(kf_keyscan_t *ks, int32_t part, int64_t from, int64_t hi,
		    int timeout_ms, kf_keyscan_rec_cb *cb, void *opaque,
		    int64_t *next, char *errstr, size_t errstr_size)
{
	struct timespec t0;
	rd_kafka_message_t *m;
	int held = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		if (kf__ms_since(&t0) > timeout_ms)
			return kf_seterr(errstr, errstr_size, KF_EKAFKA,
					 "reading %s %s: not at its end within "
					 "%d ms (an open transaction there "
					 "holds it)",
					 ks->what, ks->topic, timeout_ms);
		m = rd_kafka_consumer_poll(ks->rk, 100);
		if (ks->guard.err)
			return kf_seterr(errstr, errstr_size, ks->guard.err,
					 "reading %s %s: %s", ks->what,
					 ks->topic, ks->guard.msg);
		if (!m)
			continue;
		if (m->partition != part || m->offset < from) {
			rd_kafka_message_destroy(m);
			continue;
		}
		if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
			/* read_committed ends at the last stable offset:
			 * an open transaction before hi holds it back */
			int64_t at = m->offset;

			rd_kafka_message_destroy(m);
			if (at >= hi) {
				*next = at;
				return 0;
			}
			if (!held++)
				kf_info("kafka",
					"reading %s %s: waiting for an open "
					"transaction at offset %" PRId64
					" to end (at most %d ms)",
					ks->what, ks->topic, at, timeout_ms);
			continue;
		}
		if (m->err) {
			int r = kf_seterr(errstr, errstr_size, KF_EKAFKA,
					  "reading %s %s: %s", ks->what,
					  ks->topic,
					  rd_kafka_message_errstr(m));

			rd_kafka_message_destroy(m);
			return r;
		}
		cb(m->key, m->key_len, m->payload, m->len, (long long)m->offset,
		   (int)m->partition, opaque);
		rd_kafka_message_destroy(m);
	}
}

int kf_keyscan_read(kf_keyscan_t *ks, int32_t part, int64_t from, int64_t hi,
		    int timeout_ms, kf_keyscan_rec_cb *cb, void *opaque,
		    int64_t *next, char *errstr, size_t errstr_size)
{
	rd_kafka_topic_partition_list_t *l;
	rd_kafka_resp_err_t err;
	int r;

	*next = from;
	if (hi <= from)
		return 0; /* nothing written since */
	l = rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_list_add(l, ks->topic, part)->offset = from;
	err = rd_kafka_assign(ks->rk, l);
	rd_kafka_topic_partition_list_destroy(l);
	if (err)
		return kf_seterr(errstr, errstr_size, KF_EKAFKA,
				 "assigning %s %s [%d]: %s", ks->what,
				 ks->topic, (int)part, rd_kafka_err2str(err));
	r = kf__scan(ks, part, from, hi, timeout_ms, cb, opaque, next, errstr,
		     errstr_size);
	/* no fetching between reads: the next one says where it starts */
	rd_kafka_assign(ks->rk, NULL);
	return r;
}

/* kf_keyscan's filter: the records of one key. */
struct kf__one {
	const char *key;
	size_t klen;
	kf_keyscan_cb *cb;
	void *opaque;
};

static void kf__one_rec(const void *key, size_t key_len, const void *value,
			size_t len, long long offset, int partition,
			void *opaque)
{
	struct kf__one *o = opaque;

	if (key && key_len == o->klen && !memcmp(key, o->key, key_len))
		o->cb(value, len, offset, partition, o->opaque);
}

int kf_keyscan(const kf_conf_t *conf, const char *topic, const char *key,
	       const char *what, int timeout_ms, kf_keyscan_cb *cb,
	       void *opaque, char *errstr, size_t errstr_size)
{
	struct kf__one o = {key, strlen(key), cb, opaque};
	int64_t lo, hi, next;
	int32_t part = 0, count;
	kf_keyscan_t *ks;
	int r;

	r = kf_keyscan_new(conf, topic, what, &ks, errstr, errstr_size);
	if (!r)
		r = kf_keyscan_partition(ks, key, timeout_ms, &part, &count,
					 errstr, errstr_size);
	if (!r)
		r = kf_keyscan_offsets(ks, part, timeout_ms, &lo, &hi, errstr,
				       errstr_size);
	if (!r)
		r = kf_keyscan_read(ks, part, lo, hi, timeout_ms, kf__one_rec,
				    &o, &next, errstr, errstr_size);
	kf_keyscan_destroy(ks);
	return r > 0 ? 0 : r;
}
