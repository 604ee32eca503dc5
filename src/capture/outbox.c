/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The capture's Kafka side (capture/outbox.h): what the PostgreSQL and
 * the MariaDB capture share of docs/cdc.md 7.
 */
#include "capture/outbox.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "capture/encoding.h"
#include "common/err.h"
#include "common/log.h"
#include "kafka/producer.h"
#include "obs/probe.h"

#define KF__TXN_MS 60000 /* Kafka transaction timeout */

struct kf_cap_out_s {
	const kf_capture_opts_t *o;
	kf_capture_stats_t *st;
	char *errstr;
	size_t errstr_size;
	kf_producer_t *p;
	kf_cap_encoding_t *enc; /* Avro events (docs/schemas.md 10); NULL */
	kf_strbuf_t key, val;
	char txn_id[128], okey[96];
	/* the open Kafka transaction */
	int open;
	int64_t start_ms;
	uint64_t bytes;
	/* st's counts at the last commit: each commit's share of the
	 * metrics */
	uint64_t events_seen, txns_seen;
};

int64_t kf_cap_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t kf_cap_wall_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Queues one record; waits while librdkafka's queue is full. */
static int kf__send(kf_cap_out_t *ob, const char *topic, const char *key,
		    size_t klen, const char *val, size_t vlen)
{
	rd_kafka_resp_err_t err;

	for (;;) {
		err = kf_producer_send_to(ob->p, topic, key, klen, val, vlen, 1,
					  NULL, NULL);
		if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL)
			break;
		kf_producer_flush(ob->p, 100);
	}
	if (err)
		return kf_seterr(ob->errstr, ob->errstr_size, KF_EKAFKA,
				 "producing to %s: %s", topic,
				 rd_kafka_err2str(err));
	ob->bytes += klen + vlen;
	kf_producer_poll(ob->p);
	return 0;
}

static int kf__producer(kf_cap_out_t *ob)
{
	const kf_capture_opts_t *o = ob->o;
	kf_producer_opts_t po;
	int r, ms = o->kafka->connect_timeout_s
			    ? o->kafka->connect_timeout_s * 1000
			    : KF__TXN_MS;

	kf_producer_opts_init(&po, o->kafka, o->offsets_topic, 16u << 20);
	po.linger_ms = 5;
	po.delivery_timeout_ms = KF__TXN_MS;
	po.transaction_timeout_ms = KF__TXN_MS;
	po.transactional_id = ob->txn_id;
	po.batch_size = 1u << 20;
	po.queue_kbytes = (o->batch_bytes / 1024) * 2 + 65536;
	r = kf_producer_new(&po, NULL, NULL, &ob->p, ob->errstr,
			    ob->errstr_size);
	/* fences a capture of the same name still running, aborting its
	 * open transaction, before the offsets are read back */
	return r ? r
		 : kf_producer_txn_init(ob->p, ms, ob->errstr, ob->errstr_size);
}

int kf_cap_out_new(const kf_capture_opts_t *o, const char *txn_id,
		   const char *offsets_key, kf_capture_stats_t *st,
		   kf_cap_out_t **out, char *errstr, size_t errstr_size)
{
	kf_cap_out_t *ob = calloc(1, sizeof(*ob));
	int r;

	*out = NULL;
	if (!ob)
		return kf_seterr(errstr, errstr_size, KF_ENOMEM,
				 "out of memory");
	*ob = (kf_cap_out_t){
		.o = o, .st = st, .errstr = errstr, .errstr_size = errstr_size};
	snprintf(ob->txn_id, sizeof(ob->txn_id), "%s", txn_id);
	snprintf(ob->okey, sizeof(ob->okey), "%s", offsets_key);
	kf_strbuf_heap(&ob->key, 1024);
	kf_strbuf_heap(&ob->val, 16384);
	if (o->registry)
		ob->enc =
			kf_cap_encoding_new(o->registry, o->key_wire,
					    o->value_wire, o->record_subjects);
	r = !ob->key.failed && !ob->val.failed && (ob->enc || !o->registry)
		    ? kf__producer(ob)
		    : kf_seterr(errstr, errstr_size, KF_ENOMEM,
				"out of memory");
	if (r) {
		kf_cap_out_destroy(ob);
		return r;
	}
	*out = ob;
	return 0;
}

void kf_cap_out_destroy(kf_cap_out_t *ob)
{
	if (!ob)
		return;
	if (ob->p) {
		kf_cap_out_abort(ob);
		kf_producer_flush(ob->p, 1000);
		kf_producer_destroy(ob->p);
	}
	kf_cap_encoding_free(ob->enc);
	free(ob->key.p);
	free(ob->val.p);
	free(ob);
}

int kf_cap_out_begin(kf_cap_out_t *ob)
{
	int r;

	if (ob->open)
		return 0;
	r = kf_producer_txn_begin(ob->p, ob->errstr, ob->errstr_size);
	if (r)
		return r;
	ob->open = 1;
	ob->start_ms = kf_cap_now_ms();
	ob->bytes = 0;
	return 0;
}

int kf_cap_out_commit(kf_cap_out_t *ob, const kf_cap_pos_t *pos)
{
	uint64_t bytes = ob->bytes; /* the events', not the record's */
	kf_strbuf_t b;
	int r;

	kf_strbuf_heap(&b, 512);
	kf_cap_pos_format(pos, &b);
	r = b.failed ? kf_seterr(ob->errstr, ob->errstr_size, KF_ENOMEM,
				 "out of memory")
		     : kf__send(ob, ob->o->offsets_topic, ob->okey,
				strlen(ob->okey), b.p, b.len);
	free(b.p);
	if (!r)
		r = kf_producer_txn_commit(ob->p, KF__TXN_MS, ob->errstr,
					   ob->errstr_size);
	if (r)
		return r;
	ob->open = 0;
	ob->st->kafka_txns++;
	if (pos->source == KF_CAP_POS_PG)
		ob->st->lsn = pos->lsn;
	kf_cap_pos_text(pos, ob->st->position, sizeof(ob->st->position));
	kf_probe_capture_commit(ob->st->events - ob->events_seen,
				ob->st->source_txns - ob->txns_seen, bytes,
				pos->source == KF_CAP_POS_PG ? pos->lsn : 0,
				pos->ts_ms);
	ob->events_seen = ob->st->events;
	ob->txns_seen = ob->st->source_txns;
	return 0;
}

void kf_cap_out_abort(kf_cap_out_t *ob)
{
	char e[256];

	if (!ob->open)
		return;
	ob->open = 0;
	if (kf_producer_txn_abort(ob->p, KF__TXN_MS, e, sizeof(e)))
		kf_warn("capture", "aborting the Kafka transaction: %s", e);
}

int kf_cap_out_is_open(const kf_cap_out_t *ob)
{
	return ob->open;
}

int kf_cap_out_due(const kf_cap_out_t *ob, int64_t now_ms)
{
	return ob->open && (now_ms - ob->start_ms >= ob->o->batch_ms ||
			    ob->bytes >= ob->o->batch_bytes);
}

int64_t kf_cap_out_wait_ms(const kf_cap_out_t *ob, int64_t now_ms,
			   int64_t cap_ms)
{
	int64_t w = cap_ms;

	if (ob->open && ob->start_ms + ob->o->batch_ms - now_ms < w)
		w = ob->start_ms + ob->o->batch_ms - now_ms;
	return w < 0 ? 0 : w;
}

/* One record: the key (NULL: a null key), the value (NULL: a tombstone). */
static int kf__event(kf_cap_out_t *ob, const kf_cap_table_t *t,
		     const kf_strbuf_t *key, const kf_strbuf_t *val)
{
	ob->st->events++;
	return kf__send(ob, kf_cap_table_topic(t), key ? key->p : NULL,
			key ? key->len : 0, val ? val->p : NULL,
			val ? val->len : 0);
}

int kf_cap_out_change(kf_cap_out_t *ob, const kf_cap_table_t *t, char op,
		      const kf_pgo_value_t *keyrow, int nkey,
		      const kf_pgo_value_t *before, int nbefore,
		      const kf_pgo_value_t *after, int nafter,
		      const kf_cap_source_t *src)
{
	int nulled = 0, r;

	ob->key.len = 0;
	ob->key.failed = 0;
	ob->val.len = 0;
	ob->val.failed = 0;
	if (keyrow) {
		r = kf_cap_event_key(t, keyrow, nkey, &ob->key, ob->errstr,
				     ob->errstr_size);
		if (r)
			return r;
	}
	r = kf_cap_event_value(t, op, before, nbefore, after, nafter, src,
			       kf_cap_wall_us(), &ob->val, &nulled, ob->errstr,
			       ob->errstr_size);
	if (!r && ob->enc)
		r = kf_cap_encoding_apply(ob->enc, kf_cap_table_topic(t),
					  keyrow ? &ob->key : NULL, &ob->val,
					  ob->errstr, ob->errstr_size);
	if (r)
		return r;
	if (nulled) {
		ob->st->nulled += (uint64_t)nulled;
		if (src->gtid)
			kf_warn("capture",
				"%s at GTID %s: %d value(s) without a Connect "
				"value written as null",
				kf_cap_table_name(t), src->gtid, nulled);
		else
			kf_warn("capture",
				"%s at LSN %" PRIu64 ": %d value(s) without a "
				"Connect value (NaN, infinity) written as null",
				kf_cap_table_name(t), src->lsn, nulled);
	}
	r = kf__event(ob, t, keyrow ? &ob->key : NULL, &ob->val);
	if (!r && op == 'd')
		r = kf__event(ob, t, &ob->key, NULL);
	return r;
}
