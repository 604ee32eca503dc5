/* SPDX-License-Identifier: Apache-2.0 */
#include "kafka/producer.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/util.h"
#include "config/conf.h"
#include "kafka/client.h"
#include "kafka/pacer.h"

/* A topic other than the producer's own (kf_producer_send_to). */
struct kf__extra {
	struct kf__extra *next;
	rd_kafka_topic_t *rkt;
};

struct kf_producer_s {
	kf_kafka_guard_t guard; /* librdkafka's opaque: see kf__of_guard */
	kf_producer_opts_t opts;
	rd_kafka_t *rk;
	rd_kafka_topic_t *rkt;
	struct kf__extra *extra; /* a few: data, dead letters, ledger */
	rd_kafka_queue_t *mainq;
	kf_producer_report_cb *report;
	kf_producer_served_cb *served;
	void *opaque;
	kf_kafka_waker_t waker;
	int attached;	   /* the waker is open */
	kf_pacer_t *pacer; /* opts.pace, with murmur2: every message's
			    * msg_opaque is then its kf_pacer_msg_t */
};

static uint64_t kf__max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

void kf_producer_opts_init(kf_producer_opts_t *o, const kf_conf_t *conf,
			   const char *topic, uint64_t max_message)
{
	uint64_t frame = kf_kafka_frame_bytes(conf);
	uint64_t biggest = kf__max_u64(max_message, frame);

	*o = (kf_producer_opts_t){0};
	o->conf = conf;
	o->topic = topic;
	o->linger_ms = conf->send_linger_ms;
	o->delivery_timeout_ms = conf->send_delivery_timeout_ms;
	o->max_inflight = 5;
	o->max_message = kf__max_u64(biggest, 1000000);
	/* Several chunks per produce request when they are small. */
	o->batch_size = kf__max_u64(frame * 4, 1000000);
	/* Our own in-flight bound is the real limit; never let librdkafka's
	 * queue refuse a message we decided to send. */
	o->queue_kbytes = conf->send_max_inflight_bytes / 1024 * 2 +
			  (frame * 4 + biggest) / 1024 + 65536;
}

/* librdkafka gives every callback the configuration's opaque, which is
 * the guard (the error callback and the certificate check need it). */
static kf_producer_t *kf__of_guard(void *guard)
{
	return KF_CONTAINER_OF(guard, kf_producer_t, guard);
}

static uint64_t kf__now_ms(void)
{
	return uv_hrtime() / 1000000;
}

/* Reports w to the owner as m says, with the owner's msg_opaque, and
 * frees it. */
static void kf__report_wrapped(kf_producer_t *p, const rd_kafka_message_t *m,
			       kf_pacer_msg_t *w)
{
	rd_kafka_message_t own = *m;

	own._private = w->opaque;
	if (p->report)
		p->report(p->opaque, &own);
	free(w);
}

/* Reports w, which librdkafka never took, as failed with err. */
static void kf__report_unsent(kf_producer_t *p, kf_pacer_msg_t *w,
			      rd_kafka_resp_err_t err)
{
	rd_kafka_message_t m = {
		.err = err,
		.rkt = p->rkt,
		.partition = w->partition,
		.payload = (void *)w->value,
		.len = w->len,
		.key = w->key,
		.key_len = w->keylen,
		.offset = RD_KAFKA_OFFSET_INVALID,
	};

	kf__report_wrapped(p, &m, w);
}

static rd_kafka_resp_err_t kf__give(kf_producer_t *p, rd_kafka_topic_t *rkt,
				    kf_pacer_msg_t *w, int copy,
				    rd_kafka_headers_t *hdrs);

/* Gives lane's waiting messages that librdkafka can take now. */
static void kf__release(kf_producer_t *p, int32_t lane)
{
	kf_pacer_msg_t *w;
	rd_kafka_resp_err_t err;

	while ((w = kf_pacer_next(p->pacer, lane, kf__now_ms())))
		if ((err = kf__give(p, p->rkt, w, 0, NULL))) {
			kf_pacer_unsent(p->pacer, w);
			kf__report_unsent(p, w, err);
		}
}

/* @locality the thread that polls the main queue: the loop, or a flush */
static void kf__dr(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	kf_producer_t *p = kf__of_guard(opaque);
	kf_pacer_msg_t *w;
	int32_t lane;

	(void)rk;
	if (!p->pacer) {
		if (p->report)
			p->report(p->opaque, m);
		return;
	}
	w = m->_private;
	lane = w->partition;
	kf_pacer_done(p->pacer, w);
	kf__report_wrapped(p, m, w);
	kf__release(p, lane);
}

/* librdkafka's batch.size. A request closes at message.max.bytes whatever
 * batch.size says, but a batch is ready to go (its linger cut short) only
 * at batch.size: a paced producer gives a lane's waiting messages together
 * when its batch is answered, up to a request's bytes, and they must leave
 * at once, not a linger later. */
static uint64_t kf__batch_bytes(const kf_producer_opts_t *o)
{
	if (o->pace && o->max_message < o->batch_size)
		return o->max_message;
	return o->batch_size;
}

/* The handle of the producer's topic. With opts.pace, and the topic
 * partitioned by murmur2 (unless a kafka.partitioner says otherwise), the
 * pacer partitions it the same way and learns the partition count from
 * it (kafka/pacer.h). */
static rd_kafka_topic_t *kf__topic_new(kf_producer_t *p,
				       const kf_producer_opts_t *o)
{
	rd_kafka_topic_conf_t *tc;
	char how[64];
	size_t n = sizeof(how);

	if (!o->pace)
		return rd_kafka_topic_new(p->rk, o->topic, NULL);
	tc = rd_kafka_default_topic_conf_dup(p->rk);
	if (!tc)
		return NULL;
	if (rd_kafka_topic_conf_get(tc, "partitioner", how, &n) ==
		    RD_KAFKA_CONF_OK &&
	    !strcmp(how, "murmur2_random"))
		p->pacer = kf_pacer_new(o->linger_ms, kf__batch_bytes(o));
	if (p->pacer) {
		rd_kafka_topic_conf_set_partitioner_cb(tc, kf_pacer_partition);
		rd_kafka_topic_conf_set_opaque(tc, p->pacer);
	}
	/* rd_kafka_topic_new frees tc */
	return rd_kafka_topic_new(p->rk, o->topic, tc);
}

int kf_producer_new(const kf_producer_opts_t *o, kf_producer_report_cb *report,
		    void *opaque, kf_producer_t **out, char *errstr,
		    size_t errstr_size)
{
	char linger[32], timeout[32], maxmsg[32], batch[32], qkb[32],
		inflight[32], txn_timeout[32];
	/* clang-format off */
	const char *defaults[] = {
		"enable.idempotence", "true",
		"acks", "all",
		/* chunks are compressed by us, per chunk, in parallel;
		 * records ask for librdkafka's */
		"compression.type", o->compression ? o->compression : "none",
		/* murmur2 like the Java clients: the same key maps to the
		 * same partition whichever client produced it */
		"partitioner", "murmur2_random",
		"linger.ms", linger,
		"batch.size", batch,
		"message.timeout.ms", timeout,
		"message.max.bytes", maxmsg,
		"queue.buffering.max.kbytes", qkb,
		"queue.buffering.max.messages", "1000000",
		"max.in.flight.requests.per.connection", inflight,
		"socket.nagle.disable", "true",
		/* last, so that they can be left out */
		o->transactional_id ? "transactional.id" : NULL,
		o->transactional_id,
		"transaction.timeout.ms", txn_timeout,
		NULL,
	};
	/* clang-format on */
	rd_kafka_conf_t *rc;
	kf_producer_t *p;

	*out = NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return kf_seterr(errstr, errstr_size, KF_ENOMEM,
				 "out of memory");
	p->opts = *o;
	p->report = report;
	p->opaque = opaque;
	kf_kafka_guard_init(&p->guard, o->conf, 1, o->topic);
	p->guard.keep_trying = o->keep_trying;
	snprintf(linger, sizeof(linger), "%d", o->linger_ms);
	snprintf(timeout, sizeof(timeout), "%d", o->delivery_timeout_ms);
	snprintf(inflight, sizeof(inflight), "%d", o->max_inflight);
	snprintf(maxmsg, sizeof(maxmsg), "%llu",
		 (unsigned long long)o->max_message);
	snprintf(batch, sizeof(batch), "%llu",
		 (unsigned long long)kf__batch_bytes(o));
	snprintf(qkb, sizeof(qkb), "%llu", (unsigned long long)o->queue_kbytes);
	snprintf(txn_timeout, sizeof(txn_timeout), "%d",
		 o->transaction_timeout_ms ? o->transaction_timeout_ms : 60000);
	rc = kf__conf_build(o->conf, defaults, errstr, errstr_size);
	if (!rc)
		goto out_free;
	/* rd_kafka_new owns rc from here, unless it fails */
	rd_kafka_conf_set_dr_msg_cb(rc, kf__dr);
	rd_kafka_conf_set_opaque(rc, &p->guard);
	p->rk = rd_kafka_new(RD_KAFKA_PRODUCER, rc, errstr, errstr_size);
	if (!p->rk) {
		rd_kafka_conf_destroy(rc);
		goto out_free;
	}
	p->rkt = kf__topic_new(p, o);
	p->mainq = rd_kafka_queue_get_main(p->rk);
	if (!p->rkt || !p->mainq) {
		kf_seterr(errstr, errstr_size, KF_EKAFKA,
			  "the producer of topic %s: %s", o->topic,
			  rd_kafka_err2str(rd_kafka_last_error()));
		goto out_free;
	}
	*out = p;
	return 0;

out_free:
	kf_producer_destroy(p);
	/* a refused property or security setting included: the client
	 * could not be made (exit code 3, as for the consumer) */
	return KF_EKAFKA;
}

/* @locality loop thread (the waker) */
static void kf__serve(kf_kafka_waker_t *w)
{
	kf_producer_t *p = w->opaque;

	kf_producer_poll(p);
	if (p->served)
		p->served(p->opaque);
}

int kf_producer_attach(kf_producer_t *p, uv_loop_t *loop,
		       kf_producer_served_cb *served, unsigned flags,
		       char *errstr, size_t errstr_size)
{
	int r;

	p->served = served;
	r = kf_kafka_waker_init(&p->waker, loop, p->mainq, kf__serve, p, errstr,
				errstr_size);
	if (r)
		return r;
	p->attached = 1;
	if (flags & KF_PRODUCER_WEAK)
		uv_unref((uv_handle_t *)&p->waker.poll);
	if (flags & KF_PRODUCER_WATCH_CONNECT)
		return kf_kafka_waker_watch_connect(&p->waker, p->rk, &p->guard,
						    errstr, errstr_size);
	return 0;
}

/* Queues one record; w (may be NULL) is its msg_opaque for librdkafka. */
static rd_kafka_resp_err_t
kf__producev(kf_producer_t *p, rd_kafka_topic_t *rkt, int32_t partition,
	     const void *key, size_t keylen, const void *value, size_t len,
	     int copy, rd_kafka_headers_t *hdrs, void *msg_opaque)
{
	int flags = copy ? RD_KAFKA_MSG_F_COPY : 0;

	if (hdrs)
		return rd_kafka_producev(
			p->rk, RD_KAFKA_V_RKT(rkt),
			RD_KAFKA_V_PARTITION(partition),
			RD_KAFKA_V_KEY(key, keylen),
			RD_KAFKA_V_VALUE((void *)value, len),
			RD_KAFKA_V_MSGFLAGS(flags), RD_KAFKA_V_HEADERS(hdrs),
			RD_KAFKA_V_OPAQUE(msg_opaque), RD_KAFKA_V_END);
	return rd_kafka_producev(p->rk, RD_KAFKA_V_RKT(rkt),
				 RD_KAFKA_V_PARTITION(partition),
				 RD_KAFKA_V_KEY(key, keylen),
				 RD_KAFKA_V_VALUE((void *)value, len),
				 RD_KAFKA_V_MSGFLAGS(flags),
				 RD_KAFKA_V_OPAQUE(msg_opaque), RD_KAFKA_V_END);
}

static rd_kafka_resp_err_t kf__give(kf_producer_t *p, rd_kafka_topic_t *rkt,
				    kf_pacer_msg_t *w, int copy,
				    rd_kafka_headers_t *hdrs)
{
	return kf__producev(p, rkt,
			    w->partition >= 0 ? w->partition
					      : RD_KAFKA_PARTITION_UA,
			    w->key, w->keylen, w->value, w->len, copy, hdrs, w);
}

/* The pacer's record of one message (its key copied). */
static kf_pacer_msg_t *kf__wrap(const void *key, size_t keylen,
				const void *value, size_t len, void *msg_opaque)
{
	kf_pacer_msg_t *w = malloc(sizeof(*w) + keylen);

	if (!w)
		return NULL;
	*w = (kf_pacer_msg_t){.opaque = msg_opaque,
			      .value = value,
			      .len = len,
			      .partition = -1,
			      .keylen = keylen};
	if (keylen)
		memcpy(w->key, key, keylen);
	return w;
}

static rd_kafka_resp_err_t kf__produce(kf_producer_t *p, rd_kafka_topic_t *rkt,
				       const void *key, size_t keylen,
				       const void *value, size_t len, int copy,
				       rd_kafka_headers_t *hdrs,
				       void *msg_opaque)
{
	rd_kafka_resp_err_t err;
	kf_pacer_msg_t *w;

	if (!p->pacer)
		return kf__producev(p, rkt, RD_KAFKA_PARTITION_UA, key, keylen,
				    value, len, copy, hdrs, msg_opaque);
	/* not paced, but reported through the pacer like every message */
	w = kf__wrap(key, keylen, value, len, msg_opaque);
	if (!w)
		return RD_KAFKA_RESP_ERR__FAIL;
	err = kf__give(p, rkt, w, copy, hdrs);
	if (err)
		free(w);
	return err;
}

rd_kafka_resp_err_t kf_producer_send_paced(kf_producer_t *p, const void *key,
					   size_t keylen, const void *value,
					   size_t len, void *msg_opaque)
{
	rd_kafka_resp_err_t err;
	kf_pacer_msg_t *w;
	int r;

	if (!p->pacer)
		return kf__producev(p, p->rkt, RD_KAFKA_PARTITION_UA, key,
				    keylen, value, len, 0, NULL, msg_opaque);
	w = kf__wrap(key, keylen, value, len, msg_opaque);
	if (!w)
		return RD_KAFKA_RESP_ERR__FAIL;
	r = kf_pacer_admit(p->pacer, p->rkt, w, kf__now_ms());
	if (r == 0) /* waits in its lane */
		return RD_KAFKA_RESP_ERR_NO_ERROR;
	if (r < 0) {
		free(w);
		return RD_KAFKA_RESP_ERR__FAIL;
	}
	err = kf__give(p, p->rkt, w, 0, NULL);
	if (err) {
		kf_pacer_unsent(p->pacer, w);
		free(w);
	}
	return err;
}

rd_kafka_resp_err_t kf_producer_send(kf_producer_t *p, const void *key,
				     size_t keylen, const void *value,
				     size_t len, int copy,
				     rd_kafka_headers_t *hdrs, void *msg_opaque)
{
	return kf__produce(p, p->rkt, key, keylen, value, len, copy, hdrs,
			   msg_opaque);
}

/* The handle of topic, made on first use; NULL with librdkafka's last
 * error set, or when out of memory. */
static rd_kafka_topic_t *kf__topic(kf_producer_t *p, const char *topic)
{
	struct kf__extra *e;

	if (!strcmp(rd_kafka_topic_name(p->rkt), topic))
		return p->rkt;
	for (e = p->extra; e; e = e->next)
		if (!strcmp(rd_kafka_topic_name(e->rkt), topic))
			return e->rkt;
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->rkt = rd_kafka_topic_new(p->rk, topic, NULL);
	if (!e->rkt) {
		free(e);
		return NULL;
	}
	e->next = p->extra;
	p->extra = e;
	return e->rkt;
}

rd_kafka_resp_err_t kf_producer_send_to(kf_producer_t *p, const char *topic,
					const void *key, size_t keylen,
					const void *value, size_t len, int copy,
					rd_kafka_headers_t *hdrs,
					void *msg_opaque)
{
	rd_kafka_topic_t *rkt = kf__topic(p, topic);

	if (!rkt)
		return rd_kafka_last_error() ? rd_kafka_last_error()
					     : RD_KAFKA_RESP_ERR__INVALID_ARG;
	return kf__produce(p, rkt, key, keylen, value, len, copy, hdrs,
			   msg_opaque);
}

kf_kafka_guard_t *kf_producer_guard(kf_producer_t *p)
{
	return &p->guard;
}

int kf_producer_waiting(const kf_producer_t *p)
{
	return p->pacer ? (int)kf_pacer_waiting(p->pacer) : 0;
}

int kf_producer_outq(const kf_producer_t *p)
{
	return rd_kafka_outq_len(p->rk) + kf_producer_waiting(p);
}

void kf_producer_poll(kf_producer_t *p)
{
	while (rd_kafka_poll(p->rk, 0) > 0)
		;
}

void kf_producer_purge(kf_producer_t *p)
{
	kf_pacer_msg_t *w, *next;

	/* the waiting first: the reports of the purge would give them */
	for (w = p->pacer ? kf_pacer_take_all(p->pacer) : NULL; w; w = next) {
		next = w->next;
		kf__report_unsent(p, w, RD_KAFKA_RESP_ERR__PURGE_QUEUE);
	}
	rd_kafka_purge(p->rk,
		       RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
	kf_producer_poll(p);
}

/* Gives every waiting message to librdkafka, pacing or not: a flush
 * waits for them all anyway. */
static void kf__give_all(kf_producer_t *p)
{
	kf_pacer_msg_t *w, *next;
	rd_kafka_resp_err_t err;

	for (w = p->pacer ? kf_pacer_take_all(p->pacer) : NULL; w; w = next) {
		next = w->next;
		w->next = NULL;
		if ((err = kf__give(p, p->rkt, w, 0, NULL)))
			kf__report_unsent(p, w, err);
	}
}

int kf_producer_flush(kf_producer_t *p, int timeout_ms)
{
	uint64_t end =
		kf__now_ms() + (uint64_t)(timeout_ms > 0 ? timeout_ms : 0);
	uint64_t now;

	/* reports served during the flush may admit more */
	do {
		kf__give_all(p);
		now = kf__now_ms();
		rd_kafka_flush(p->rk, now < end ? (int)(end - now) : 0);
		kf_producer_poll(p);
	} while (kf_producer_outq(p) && kf__now_ms() < end);
	return kf_producer_outq(p);
}

/* ------------------------------------------------------- transactions */

/* Turns a transactional call's error into ours; frees it. */
static int kf__txn_result(kf_producer_t *p, rd_kafka_error_t *e,
			  const char *what, char *errstr, size_t errstr_size)
{
	int r;

	if (!e)
		return 0;
	r = kf_seterr(errstr, errstr_size, KF_EKAFKA,
		      "%s transaction on topic %s: %s%s", what, p->opts.topic,
		      rd_kafka_error_string(e),
		      rd_kafka_error_is_fatal(e)
			      ? " (fatal: the producer must be recreated)"
		      : rd_kafka_error_txn_requires_abort(e)
			      ? " (abort the transaction, then begin again)"
			      : "");
	rd_kafka_error_destroy(e);
	return r;
}

int kf_producer_txn_init(kf_producer_t *p, int timeout_ms, char *errstr,
			 size_t errstr_size)
{
	return kf__txn_result(p, rd_kafka_init_transactions(p->rk, timeout_ms),
			      "initializing the", errstr, errstr_size);
}

int kf_producer_txn_begin(kf_producer_t *p, char *errstr, size_t errstr_size)
{
	return kf__txn_result(p, rd_kafka_begin_transaction(p->rk),
			      "beginning a", errstr, errstr_size);
}

int kf_producer_txn_commit(kf_producer_t *p, int timeout_ms, char *errstr,
			   size_t errstr_size)
{
	return kf__txn_result(p, rd_kafka_commit_transaction(p->rk, timeout_ms),
			      "committing the", errstr, errstr_size);
}

int kf_producer_txn_abort(kf_producer_t *p, int timeout_ms, char *errstr,
			  size_t errstr_size)
{
	return kf__txn_result(p, rd_kafka_abort_transaction(p->rk, timeout_ms),
			      "aborting the", errstr, errstr_size);
}

/* ------------------------------------------------------------ lifetime */

void kf_producer_close(kf_producer_t *p)
{
	if (!p || !p->attached)
		return;
	p->attached = 0;
	kf_kafka_waker_close(&p->waker, p->mainq);
}

void kf_producer_destroy(kf_producer_t *p)
{
	if (!p)
		return;
	if (p->mainq)
		rd_kafka_queue_destroy(p->mainq);
	if (p->rkt)
		rd_kafka_topic_destroy(p->rkt);
	while (p->extra) {
		struct kf__extra *e = p->extra;

		p->extra = e->next;
		rd_kafka_topic_destroy(e->rkt);
		free(e);
	}
	if (p->rk)
		rd_kafka_destroy(p->rk);
	kf_pacer_destroy(p->pacer);
	free(p);
}
