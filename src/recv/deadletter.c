/* SPDX-License-Identifier: Apache-2.0 */
#include "recv/deadletter.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/log.h"
#include "common/stop.h"
#include "kafka/producer.h"
#include "obs/probe.h"

/* The largest dead letter produced as it is. The messages a receiver
 * reads can be larger than its own frames (a sender with a larger
 * chunk_size, or a hostile one), and the topic's max.message.bytes is the
 * broker's to check; 64 MiB stays below the brokers' socket.request.max.bytes
 * (100 MiB by default), past which they drop the connection instead of
 * answering. A record refused for its size is replaced by a copy cut to
 * the first bytes of its key and value (docs/dead-letters.md). */
#define KF__DLQ_MAX_MESSAGE ((size_t)64 << 20)
#define KF__DLQ_CUT_VALUE ((size_t)4096)
#define KF__DLQ_CUT_KEY ((size_t)1024)

/* One dead letter awaiting its acknowledgement: the offset it holds, what
 * a cut copy of it repeats, and its place on the list of those pending. A
 * hold is released only by the letter that took it: holding is cleared
 * when its partition's holds are forgotten (a hold is a token, not just an
 * offset). */
struct kf__letter {
	int32_t part;
	int64_t offset;
	int64_t ts; /* < 0: not known */
	size_t bytes;
	const char *kind; /* a string literal */
	char *reason;
	int cut; /* this is the cut copy: a refusal is final */
	int holding;
	struct kf__letter *prev, *next;
};

struct kf_deadletter_s {
	kf_deadletter_opts_t o;
	kf_offsets_t *offs; /* borrowed */
	kf_producer_t *prod;
	void (*kick)(void *);
	void *opaque;
	size_t pending;
	size_t pending_bytes;
	struct kf__letter *letters; /* pending, newest first */
	uint64_t acked;
	int closing; /* purging at destroy: reports are not failures */
	int err;
	char errmsg[1024];
};

/* A dead letter that cannot be produced must not be dropped: remember the
 * first failure, keep its offset held, and stop the receiver. */
static void kf__fail(kf_deadletter_t *d, const char *fmt, ...) KF_PRINTF(2, 3);
static void kf__fail(kf_deadletter_t *d, const char *fmt, ...)
{
	va_list ap;

	if (!d->err) {
		d->err = KF_EKAFKA;
		va_start(ap, fmt);
		vsnprintf(d->errmsg, sizeof(d->errmsg), fmt, ap);
		va_end(ap);
		kf_err("dlq", "%s", d->errmsg);
	}
	kf_stop_request();
}

/* The producer was refused for good (TLS, SASL, or the ACLs of the
 * dead-letter topic): stop like any failure, with the refusal's own code
 * and message. */
static void kf__refused(kf_deadletter_t *d)
{
	const kf_kafka_guard_t *guard = kf_producer_guard(d->prod);

	if (!d->err) {
		d->err = guard->err;
		snprintf(d->errmsg, sizeof(d->errmsg), "%s", guard->msg);
		kf_err("dlq", "%s", d->errmsg);
	}
	kf_stop_request();
}

static void kf__letter_free(struct kf__letter *l);
static int kf__too_large(rd_kafka_resp_err_t err);
static rd_kafka_resp_err_t kf__cut(kf_deadletter_t *d, struct kf__letter *l,
				   const void *key, size_t keylen,
				   const void *value, size_t len,
				   const char *why);

/* @locality loop thread (the producer's poll) */
static void kf__dr(void *opaque, const rd_kafka_message_t *m)
{
	kf_deadletter_t *d = opaque;
	struct kf__letter *l = m->_private;
	rd_kafka_resp_err_t err;

	d->pending--;
	d->pending_bytes -= l->bytes;
	if (l->prev)
		l->prev->next = l->next;
	else
		d->letters = l->next;
	if (l->next)
		l->next->prev = l->prev;
	if (!m->err) {
		d->acked++;
		kf_probe_dead_letter(d->o.source);
		if (l->holding)
			kf_offsets_release(d->offs, l->part, l->offset);
	} else if (!d->closing &&
		   kf_kafka_guard_message(kf_producer_guard(d->prod), m)) {
		kf__refused(d);
	} else if (!d->closing) {
		err = m->err;
		/* the letter, its hold and its reason live on in the copy */
		if (kf__too_large(err) && !l->cut &&
		    !(err = kf__cut(d, l, m->key, m->key ? m->key_len : 0,
				    m->payload, m->len, rd_kafka_err2str(err))))
			return;
		kf__fail(d,
			 "dead letter for partition %d offset %" PRId64
			 "%s not acknowledged by the broker: %s; stopping "
			 "with that offset uncommitted (check that topic "
			 "%s exists and accepts our writes)",
			 (int)l->part, l->offset,
			 l->cut ? " (cut to its first bytes)" : "",
			 rd_kafka_err2str(err), d->o.topic);
	}
	kf__letter_free(l);
}

/* @locality loop thread, once the producer served its reports */
static void kf__served(void *opaque)
{
	kf_deadletter_t *d = opaque;

	if (kf_producer_guard(d->prod)->err && !d->closing)
		kf__refused(d);
	if (d->kick)
		d->kick(d->opaque);
}

int kf_deadletter_new(uv_loop_t *loop, const kf_deadletter_opts_t *o,
		      kf_offsets_t *offs, void (*kick)(void *), void *opaque,
		      kf_deadletter_t **out, char *errstr, size_t errstr_size)
{
	kf_producer_opts_t po;
	kf_deadletter_t *d;
	int r;

	*out = NULL;
	if (!o->topic || !*o->topic)
		return 0;
	/* Its own dead letters would come back to it, for ever. */
	if (!strcmp(o->topic, o->source))
		return kf_seterr(errstr, errstr_size, KF_EINVAL,
				 "receive.dead_letter_topic is the topic being "
				 "received (%s): name another topic",
				 o->source);
	d = calloc(1, sizeof(*d));
	if (!d)
		return kf_seterr(errstr, errstr_size, KF_ENOMEM,
				 "out of memory");
	d->o = *o;
	d->offs = offs;
	d->kick = kick;
	d->opaque = opaque;
	kf_producer_opts_init(&po, o->kafka, o->topic, KF__DLQ_MAX_MESSAGE);
	r = kf_producer_new(&po, kf__dr, d, &d->prod, errstr, errstr_size);
	if (!r)
		r = kf_producer_attach(d->prod, loop, kf__served, 0, errstr,
				       errstr_size);
	if (r) {
		kf_deadletter_destroy(d);
		return r;
	}
	*out = d;
	return 0;
}

static int kf__header(rd_kafka_headers_t *h, const char *name, const char *fmt,
		      ...) KF_PRINTF(3, 4);
static int kf__header(rd_kafka_headers_t *h, const char *name, const char *fmt,
		      ...)
{
	char v[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(v, sizeof(v), fmt, ap);
	va_end(ap);
	return rd_kafka_header_add(h, name, -1, v, -1) ? -1 : 0;
}

static void kf__letter_free(struct kf__letter *l)
{
	if (l)
		free(l->reason);
	free(l);
}

/* Refusals for the record's size: the dead-letter topic's
 * max.message.bytes, or our own KF__DLQ_MAX_MESSAGE. */
static int kf__too_large(rd_kafka_resp_err_t err)
{
	return err == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE ||
	       err == RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE;
}

/* Produces the record of letter l (which holds its offset already): hdrs
 * (owned, may hold the original headers) gets the kferry.dlq.* headers.
 * Returns 0, or librdkafka's error with hdrs freed and l untouched. */
static rd_kafka_resp_err_t kf__emit(kf_deadletter_t *d, struct kf__letter *l,
				    const void *key, size_t keylen,
				    const void *value, size_t len,
				    rd_kafka_headers_t *hdrs)
{
	rd_kafka_resp_err_t err;

	if (kf__header(hdrs, "kferry.dlq.reason", "%s", l->reason) ||
	    kf__header(hdrs, "kferry.dlq.kind", "%s", l->kind) ||
	    kf__header(hdrs, "kferry.dlq.topic", "%s", d->o.source) ||
	    kf__header(hdrs, "kferry.dlq.partition", "%d", (int)l->part) ||
	    kf__header(hdrs, "kferry.dlq.offset", "%" PRId64, l->offset) ||
	    (l->ts >= 0 &&
	     kf__header(hdrs, "kferry.dlq.timestamp", "%" PRId64, l->ts))) {
		rd_kafka_headers_destroy(hdrs);
		return RD_KAFKA_RESP_ERR__FAIL;
	}
	err = kf_producer_send(d->prod, key, keylen, value, len, 1, hdrs, l);
	if (err) {
		rd_kafka_headers_destroy(hdrs);
		return err;
	}
	l->bytes = len + keylen;
	l->prev = NULL;
	l->next = d->letters;
	if (d->letters)
		d->letters->prev = l;
	d->letters = l;
	d->pending++;
	d->pending_bytes += l->bytes;
	return 0;
}

/* A record refused for its size would stop every receiver of the group at
 * the same offset, for good: produce a copy that keeps the first bytes of
 * the key and the value, says what was cut and why, and drops the original
 * headers (they may be what is too large). value is the original one; the
 * copy is made before returning. */
static rd_kafka_resp_err_t kf__cut(kf_deadletter_t *d, struct kf__letter *l,
				   const void *key, size_t keylen,
				   const void *value, size_t len,
				   const char *why)
{
	rd_kafka_headers_t *hdrs = rd_kafka_headers_new(10);

	kf_warn("dlq",
		"the dead letter of partition %d offset %" PRId64 " (%zu bytes "
		"of value, %zu of key) was refused for its size (%s): "
		"producing a copy cut to its first %zu bytes instead, with "
		"header kferry.dlq.truncated; the whole message stays in "
		"topic %s",
		(int)l->part, l->offset, len, keylen, why, KF__DLQ_CUT_VALUE,
		d->o.source);
	l->cut = 1;
	if (kf__header(hdrs, "kferry.dlq.truncated", "%s", why) ||
	    kf__header(hdrs, "kferry.dlq.value_size", "%zu", len) ||
	    kf__header(hdrs, "kferry.dlq.key_size", "%zu", keylen)) {
		rd_kafka_headers_destroy(hdrs);
		return RD_KAFKA_RESP_ERR__FAIL;
	}
	return kf__emit(
		d, l, key, keylen < KF__DLQ_CUT_KEY ? keylen : KF__DLQ_CUT_KEY,
		value, len < KF__DLQ_CUT_VALUE ? len : KF__DLQ_CUT_VALUE, hdrs);
}

/* Produces one dead letter; hdrs (owned, may hold the original headers)
 * gets the kferry.dlq.* headers. ts < 0: the time is not known. */
static void kf__produce(kf_deadletter_t *d, int32_t part, int64_t offset,
			int64_t ts, const char *kind, const void *key,
			size_t keylen, const void *value, size_t len,
			rd_kafka_headers_t *hdrs, const char *reason)
{
	struct kf__letter *l = calloc(1, sizeof(*l));
	rd_kafka_resp_err_t err;

	if (!l || !(l->reason = strdup(reason)) ||
	    kf_offsets_hold(d->offs, part, offset)) {
		kf__letter_free(l);
		rd_kafka_headers_destroy(hdrs);
		kf__fail(d,
			 "out of memory for a dead letter of partition %d "
			 "offset %" PRId64,
			 (int)part, offset);
		return;
	}
	l->part = part;
	l->offset = offset;
	l->ts = ts;
	l->kind = kind;
	l->holding = 1;
	err = kf__emit(d, l, key, keylen, value, len, hdrs);
	if (kf__too_large(err))
		err = kf__cut(d, l, key, keylen, value, len,
			      rd_kafka_err2str(err));
	if (!err)
		return;
	kf__letter_free(l);
	kf__fail(d,
		 "cannot produce the dead letter of partition %d offset "
		 "%" PRId64 " to %s: %s; stopping with that offset "
		 "uncommitted",
		 (int)part, offset, d->o.topic, rd_kafka_err2str(err));
}

void kf_deadletter_forward(kf_deadletter_t *d, const rd_kafka_message_t *m,
			   const char *reason)
{
	rd_kafka_headers_t *orig = NULL, *hdrs;
	rd_kafka_timestamp_type_t tstype;
	int64_t ts;

	if (!d)
		return;
	ts = rd_kafka_message_timestamp(m, &tstype);
	if (rd_kafka_message_headers(m, &orig) == RD_KAFKA_RESP_ERR_NO_ERROR)
		hdrs = rd_kafka_headers_copy(orig);
	else
		hdrs = rd_kafka_headers_new(6);
	kf__produce(d, m->partition, m->offset, ts, "message", m->key,
		    m->key ? m->key_len : 0, m->payload,
		    m->payload ? m->len : 0, hdrs, reason);
}

void kf_deadletter_quarantined(kf_deadletter_t *d, int32_t part, int64_t offset,
			       const char *key, size_t keylen,
			       const void *frame, size_t len,
			       const char *reason)
{
	if (d)
		kf__produce(d, part, offset, -1, "quarantine", key, keylen,
			    frame, len, rd_kafka_headers_new(6), reason);
}

void kf_deadletter_forget(kf_deadletter_t *d, int32_t p)
{
	struct kf__letter *l;

	for (l = d ? d->letters : NULL; l; l = l->next)
		if (l->part == p)
			l->holding = 0;
}

int kf_deadletter_pending(const kf_deadletter_t *d)
{
	return d && d->pending;
}

int kf_deadletter_room(const kf_deadletter_t *d)
{
	return !d || d->pending_bytes < d->o.max_pending_bytes;
}

int kf_deadletter_error(const kf_deadletter_t *d, char *errstr,
			size_t errstr_size)
{
	if (!d || !d->err)
		return 0;
	return kf_seterr(errstr, errstr_size, d->err, "%s", d->errmsg);
}

uint64_t kf_deadletter_count(const kf_deadletter_t *d)
{
	return d ? d->acked : 0;
}

void kf_deadletter_close(kf_deadletter_t *d)
{
	if (d)
		kf_producer_close(d->prod);
}

void kf_deadletter_destroy(kf_deadletter_t *d)
{
	if (!d)
		return;
	if (d->prod) {
		/* Only after a failure can letters still wait here: purge
		 * them so that their reports free what they own. */
		d->closing = 1;
		kf_producer_purge(d->prod);
		kf_producer_flush(d->prod, 1000);
	}
	kf_producer_destroy(d->prod);
	free(d);
}
