/* SPDX-License-Identifier: Apache-2.0 */
#include "kafka/client.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "config/conf.h"
#include "kafka/security.h"

static int kf__secret_prop(const char *name)
{
	char key[300];

	snprintf(key, sizeof(key), "kafka.%s", name);
	return kf_conf_is_secret(key);
}

/* Routes librdkafka's own log lines through our logger.
 * @locality librdkafka threads */
static void kf__rk_log(const rd_kafka_t *rk, int level, const char *fac,
		       const char *buf)
{
	(void)rk;
	if (level <= KF_LOG_WARN)
		KF_LOG(level < KF_LOG_ERR ? KF_LOG_ERR : level, "kafka",
		       "%s: %s", fac, buf);
	else
		kf_dbg(KF_DBG_KAFKA, "kafka", "%s: %s", fac, buf);
}

/* Who receives the statistics (kf_kafka_stats_cb_set): obs registers
 * itself, so that this module knows nothing above it. */
static _Atomic(kf_kafka_stats_cb *) kf__stats_cb;
static _Atomic(void *) kf__stats_opaque;

void kf_kafka_stats_cb_set(kf_kafka_stats_cb *cb, void *opaque)
{
	atomic_store(&kf__stats_opaque, opaque);
	atomic_store(&kf__stats_cb, cb);
}

/* Hands librdkafka's statistics to the registered callback, which
 * exports them as metrics (docs/metrics.md). librdkafka frees the JSON
 * when we return 0.
 * @locality the thread that polls the client's main queue: the loop */
static int kf__rk_stats(rd_kafka_t *rk, char *json, size_t len, void *opaque)
{
	kf_kafka_stats_cb *cb = atomic_load(&kf__stats_cb);

	(void)rk;
	(void)opaque;
	if (cb)
		cb(json, len, atomic_load(&kf__stats_opaque));
	return 0;
}

int kf_kafka_conf_set(rd_kafka_conf_t *rc, const char *name, const char *value,
		      char *errstr, size_t errstr_size)
{
	char why[256];

	if (rd_kafka_conf_set(rc, name, value, why, sizeof(why)) ==
	    RD_KAFKA_CONF_OK)
		return 0;
	/* librdkafka's reason never repeats the value; we show it only
	 * where it is no secret */
	return kf_seterr(errstr, errstr_size, KF_EINVAL,
			 "Kafka property %s%s%s: %s", name,
			 kf__secret_prop(name) ? "" : "=",
			 kf__secret_prop(name) ? "" : value, why);
}

/* A kafka.* property: secrets among them may be file: or env: references. */
static int kf__set_prop(rd_kafka_conf_t *rc, const struct kf_conf_prop *p,
			char *errstr, size_t errstr_size)
{
	char key[300];

	snprintf(key, sizeof(key), "kafka.%s", p->name);
	if (!kf_conf_is_secret(key))
		return kf_kafka_conf_set(rc, p->name, p->value, errstr,
					 errstr_size);
	return kf_kafka_set_secret(rc, p->name, key, p->value, errstr,
				   errstr_size);
}

rd_kafka_conf_t *kf__conf_build(const kf_conf_t *conf,
				const char *const *defaults, char *errstr,
				size_t errstr_size)
{
	rd_kafka_conf_t *rc = rd_kafka_conf_new();
	size_t i;

	if (kf_kafka_conf_set(rc, "bootstrap.servers", conf->bootstrap, errstr,
			      errstr_size))
		goto out_destroy;
	for (i = 0; defaults[i]; i += 2)
		if (kf_kafka_conf_set(rc, defaults[i], defaults[i + 1], errstr,
				      errstr_size))
			goto out_destroy;
	if (kf_kafka_security_apply(rc, conf, errstr, errstr_size))
		goto out_destroy;
	if (conf->metrics_addr && *conf->metrics_addr) {
		char ms[32];

		snprintf(ms, sizeof(ms), "%d", conf->stats_interval_ms);
		if (kf_kafka_conf_set(rc, "statistics.interval.ms", ms, errstr,
				      errstr_size))
			goto out_destroy;
		rd_kafka_conf_set_stats_cb(rc, kf__rk_stats);
	}
	for (i = 0; i < conf->nprops; i++)
		if (kf__set_prop(rc, &conf->props[i], errstr, errstr_size))
			goto out_destroy;
	rd_kafka_conf_set_log_cb(rc, kf__rk_log);
	rd_kafka_conf_set_error_cb(rc, kf_kafka_guard_error_cb);
	if (conf->debug && strstr(conf->debug, "kafka"))
		kf_kafka_conf_set(rc, "debug", "broker,topic,msg,protocol",
				  NULL, 0);
	return rc;

out_destroy:
	rd_kafka_conf_destroy(rc);
	return NULL;
}

/* A consumer from defaults and conf, serving its events on its consumer
 * queue. */
static rd_kafka_t *
kf__consumer(const kf_conf_t *conf, const char *const *defaults,
	     void (*rebalance_cb)(rd_kafka_t *, rd_kafka_resp_err_t,
				  rd_kafka_topic_partition_list_t *, void *),
	     kf_kafka_guard_t *guard, char *errstr, size_t errstr_size)
{
	rd_kafka_conf_t *rc;
	rd_kafka_t *rk;

	rc = kf__conf_build(conf, defaults, errstr, errstr_size);
	if (!rc)
		return NULL;
	if (rebalance_cb)
		rd_kafka_conf_set_rebalance_cb(rc, rebalance_cb);
	rd_kafka_conf_set_opaque(rc, guard);
	rk = rd_kafka_new(RD_KAFKA_CONSUMER, rc, errstr, errstr_size);
	if (!rk) {
		rd_kafka_conf_destroy(rc);
		return NULL;
	}
	rd_kafka_poll_set_consumer(rk);
	return rk;
}

#define KF__PREFETCH_DEFAULT (8ULL << 20)
#define KF__PREFETCH_MIN (1ULL << 20)
#define KF__PREFETCH_MAX (1ULL << 30)
#define KF__FETCH_MIN (64ULL << 10)
/* A file transfer's fetch responses are this large: a TLS listener cannot
 * send from the page cache, it reads and encrypts every response in one
 * network thread, and the broker spent a quarter less CPU per byte, and
 * the consumer read faster, with responses of 32 MiB than of 4 MiB
 * (bench/README.md, "The cost of TLS"). */
#define KF__FILE_FETCH (32ULL << 20)
#define KF__FILE_PARTITION_FETCH (8ULL << 20)

uint64_t kf_kafka_frame_bytes(const kf_conf_t *conf)
{
	return conf->chunk_size + 64 + 4096 + 1024;
}

/* A file transfer's share of a fetch for one partition: whole frames, at
 * least two. A broker ends a partition's data at this many bytes even
 * inside a record batch, and the consumer drops the cut batch and fetches
 * it again: a share of exactly 8 MiB held seven frames of 1 MiB chunks
 * (each a little over 1 MiB) and most of an eighth, so one byte in eight
 * crossed the network twice, and over TLS was encrypted and decrypted
 * twice (bench/README.md, "TLS receive: fetches of whole frames"). */
static uint64_t kf__file_partition_fetch(const kf_conf_t *conf)
{
	uint64_t frame = kf_kafka_frame_bytes(conf);
	uint64_t n = (KF__FILE_PARTITION_FETCH + frame - 1) / frame;

	return (n < 2 ? 2 : n) * frame;
}

uint64_t kf_kafka_prefetch_bytes(uint64_t prefetch_bytes)
{
	if (prefetch_bytes == 0)
		return KF__PREFETCH_DEFAULT;
	if (prefetch_bytes < KF__PREFETCH_MIN)
		return KF__PREFETCH_MIN;
	if (prefetch_bytes > KF__PREFETCH_MAX)
		return KF__PREFETCH_MAX;
	return prefetch_bytes;
}

rd_kafka_t *kf_kafka_consumer_new(
	const kf_conf_t *conf, uint64_t prefetch_bytes, uint64_t fetch_bytes,
	void (*rebalance_cb)(rd_kafka_t *, rd_kafka_resp_err_t,
			     rd_kafka_topic_partition_list_t *, void *),
	kf_kafka_guard_t *guard, char *errstr, size_t errstr_size)
{
	char fetchmax[32], partmax[32], queued[32], reqmax[32];
	const char *defaults[] = {
		"group.id",
		conf->group,
		"enable.auto.commit",
		"false",
		"enable.auto.offset.store",
		"false",
		"auto.offset.reset",
		"earliest",
		"enable.partition.eof",
		"false",
		/* bound librdkafka's prefetch: it is memory we do not see */
		"queued.max.messages.kbytes",
		queued,
		"fetch.max.bytes",
		fetchmax,
		"max.partition.fetch.bytes",
		partmax,
		/* librdkafka wants fetch.max.bytes at least this (a request's
		 * size: ours are small) */
		"message.max.bytes",
		reqmax,
		"fetch.wait.max.ms",
		"100",
		"socket.nagle.disable",
		"true",
		NULL,
	};
	unsigned long long fetch, part;

	prefetch_bytes = kf_kafka_prefetch_bytes(prefetch_bytes);
	if (fetch_bytes) {
		/* a bulk reader's fetch spreads over partitions. Kafka sends a
		 * record batch larger than the limits anyway. */
		fetch = fetch_bytes < KF__FETCH_MIN ? KF__FETCH_MIN
						    : fetch_bytes;
		part = fetch / 2 < KF__FETCH_MIN ? KF__FETCH_MIN : fetch / 2;
	} else {
		/* the response's limit is whole partition shares too: it cuts
		 * a batch as well */
		part = kf__file_partition_fetch(conf);
		fetch = (KF__FILE_FETCH + part - 1) / part * part;
	}
	snprintf(queued, sizeof(queued), "%llu",
		 (unsigned long long)(prefetch_bytes / 1024));
	snprintf(fetchmax, sizeof(fetchmax), "%llu", fetch);
	snprintf(partmax, sizeof(partmax), "%llu", part);
	snprintf(reqmax, sizeof(reqmax), "%llu",
		 fetch < 1000000ULL ? fetch : 1000000ULL);
	return kf__consumer(conf, defaults, rebalance_cb, guard, errstr,
			    errstr_size);
}

static rd_kafka_t *kf__reader(const kf_conf_t *conf, kf_kafka_guard_t *guard,
			      const char *isolation, char *errstr,
			      size_t errstr_size)
{
	/* clang-format off */
	const char *defaults[] = {
		/* librdkafka's assign() wants one; it never joins the group
		 * nor commits to it */
		"group.id", "kferry-reader",
		"isolation.level", isolation,
		"enable.auto.commit", "false",
		"enable.auto.offset.store", "false",
		/* the end of what there is to read now */
		"enable.partition.eof", "true",
		"queued.max.messages.kbytes", "4096",
		/* the end is told by an empty fetch, which the broker holds
		 * this long: each read of what is new ends that much after
		 * its last record (the load ledger is read for every file) */
		"fetch.wait.max.ms", "10",
		NULL,
	};
	/* clang-format on */

	return kf__consumer(conf, defaults, NULL, guard, errstr, errstr_size);
}

rd_kafka_t *kf_kafka_reader_new(const kf_conf_t *conf, kf_kafka_guard_t *guard,
				char *errstr, size_t errstr_size)
{
	return kf__reader(conf, guard, "read_committed", errstr, errstr_size);
}

rd_kafka_t *kf_kafka_end_reader_new(const kf_conf_t *conf,
				    kf_kafka_guard_t *guard, char *errstr,
				    size_t errstr_size)
{
	return kf__reader(conf, guard, "read_uncommitted", errstr, errstr_size);
}

static void kf__waker_ready(uv_poll_t *p, int status, int events)
{
	kf_kafka_waker_t *w = p->data;
	char drain[256];

	(void)status;
	(void)events;
	while (read(w->fds[0], drain, sizeof(drain)) > 0)
		;
	w->cb(w);
}

int kf_kafka_waker_init(kf_kafka_waker_t *w, uv_loop_t *loop,
			rd_kafka_queue_t *rkqu, void (*cb)(kf_kafka_waker_t *),
			void *opaque, char *errstr, size_t errstr_size)
{
	int r;

	if (pipe2(w->fds, O_NONBLOCK | O_CLOEXEC) < 0)
		return kf_seterr(errstr, errstr_size, KF_EIO, "pipe: %s",
				 strerror(errno));
	w->cb = cb;
	w->opaque = opaque;
	w->watching = 0;
	r = uv_poll_init(loop, &w->poll, w->fds[0]);
	if (r == 0)
		r = uv_poll_start(&w->poll, UV_READABLE, kf__waker_ready);
	if (r) {
		close(w->fds[0]);
		close(w->fds[1]);
		return kf_seterr(errstr, errstr_size, KF_EIO, "uv_poll: %s",
				 uv_strerror(r));
	}
	w->poll.data = w;
	rd_kafka_queue_io_event_enable(rkqu, w->fds[1], "k", 1);
	/* Events queued before the line above (an early "all brokers down",
	 * say) signalled nobody, and later ones may not signal while they
	 * wait: drain once now. */
	if (write(w->fds[1], "k", 1) < 0)
		return kf_seterr(errstr, errstr_size, KF_EIO, "pipe: %s",
				 strerror(errno));
	return 0;
}

/* 1 once some broker of rk has answered: librdkafka has its metadata.
 * Never blocks (timeout 0). */
static int kf__answered(rd_kafka_t *rk)
{
	char *id = rd_kafka_clusterid(rk, 0);

	if (!id)
		return 0;
	rd_kafka_mem_free(rk, id);
	return 1;
}

/* @locality loop thread */
static void kf__connect_due(uv_timer_t *t)
{
	kf_kafka_waker_t *w = t->data;

	if (kf__answered(w->rk)) {
		uv_timer_stop(t);
		return;
	}
	kf_kafka_guard_unreached(w->guard);
	w->cb(w);
}

int kf_kafka_waker_watch_connect(kf_kafka_waker_t *w, rd_kafka_t *rk,
				 kf_kafka_guard_t *guard, char *errstr,
				 size_t errstr_size)
{
	uint64_t ms = (uint64_t)guard->conf->connect_timeout_s * 1000;
	int r;

	if (!ms)
		return 0;
	w->rk = rk;
	w->guard = guard;
	r = uv_timer_init(w->poll.loop, &w->connect);
	if (r)
		return kf_seterr(errstr, errstr_size, KF_EIO, "uv_timer: %s",
				 uv_strerror(r));
	w->connect.data = w;
	w->watching = 1;
	uv_timer_start(&w->connect, kf__connect_due, ms, ms);
	return 0;
}

static void kf__waker_closed(uv_handle_t *h)
{
	kf_kafka_waker_t *w = h->data;

	close(w->fds[0]);
	close(w->fds[1]);
}

void kf_kafka_waker_close(kf_kafka_waker_t *w, rd_kafka_queue_t *rkqu)
{
	rd_kafka_queue_io_event_enable(rkqu, -1, NULL, 0);
	if (w->watching)
		uv_close((uv_handle_t *)&w->connect, NULL);
	w->watching = 0;
	uv_close((uv_handle_t *)&w->poll, kf__waker_closed);
}
