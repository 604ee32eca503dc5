/* SPDX-License-Identifier: Apache-2.0 */
#include "obs/probe.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/stop.h"
#include "config/conf.h"
#include "kafka/client.h"
#include "obs/http.h"
#include "obs/rkstats.h"

/* librdkafka clients whose statistics are remembered (a receiver has a
 * consumer and an audit producer; a watch daemon one producer per topic). */
#define KF__MAX_CLIENTS 64

/* What one client said last. */
struct kf__client {
	char name[KF_RKSTATS_NAME_MAX];
	double tx, rx, msgs;
	struct kf_rkstats_broker brokers[KF_RKSTATS_MAX_BROKERS];
	size_t nbrokers;
};

static struct {
	pthread_once_t once;
	kf_metrics_t *reg;
	kf_mfamily_t *sent_files, *sent_bytes, *sent_chunks, *send_failures;
	kf_mfamily_t *recv_files, *recv_bytes, *recv_chunks, *quarantined;
	kf_mfamily_t *abandoned, *dead_letters, *in_flight;
	kf_mfamily_t *send_duration, *recv_duration;
	kf_mfamily_t *lag, *broker_up, *rtt, *audit, *build_info;
	kf_mfamily_t *tx_fam, *rx_fam, *queued_fam;
	kf_mfamily_t *sink_rows, *sink_refused, *sink_batches, *sink_seconds;
	kf_mfamily_t *sink_lag, *sink_mismatch;
	kf_mfamily_t *cap_events, *cap_txns, *cap_bytes, *cap_lsn, *cap_lag;
	kf_mfamily_t *cap_latency, *cap_retained, *cap_warn;
	kf_mseries_t *tx, *rx, *queued;
	kf_mseries_t *in_flight_send, *in_flight_recv;
	kf_mseries_t *audit_ok, *audit_failed;

	/* endpoint, audit: loop thread */
	kf_http_t *http;
	kf_audit_t *audit_producer;
	char host[256];

	/* statistics: under stats_lock */
	pthread_mutex_t stats_lock;
	struct kf__client clients[KF__MAX_CLIENTS];
	size_t nclients;
	int have_stats;
} kf__p = {.once = PTHREAD_ONCE_INIT, .stats_lock = PTHREAD_MUTEX_INITIALIZER};

static uint64_t kf__mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int64_t kf__wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *const kf__l_tr[] = {"topic", "route", NULL};
static const char *const kf__l_t[] = {"topic", NULL};
static const char *const kf__l_b[] = {"broker", NULL};
static const char *const kf__l_tp[] = {"topic", "partition", NULL};
static const char *const kf__l_role[] = {"role", NULL};
static const char *const kf__l_result[] = {"result", NULL};
static const char *const kf__l_version[] = {"version", NULL};
static const char *const kf__l_table[] = {"table", NULL};
static const char *const kf__l_table_op[] = {"table", "op", NULL};

/* The families of docs/metrics.md, in its order. */
static const struct {
	kf_mfamily_t **fam;
	const char *name, *help;
	enum kf_metric_type type;
	const char *const *labels;
} kf__families[] = {
#define C KF_METRIC_COUNTER
#define G KF_METRIC_GAUGE
#define H KF_METRIC_HISTOGRAM
	{&kf__p.build_info, "kferry_build_info", "kferry's version; always 1",
	 G, kf__l_version},
	{&kf__p.sent_files, "kferry_sent_files_total",
	 "Files whose every message the brokers acknowledged", C, kf__l_tr},
	{&kf__p.sent_bytes, "kferry_sent_bytes_total",
	 "File bytes (before compression) of the acknowledged CHUNK messages",
	 C, kf__l_tr},
	{&kf__p.sent_chunks, "kferry_sent_chunks_total",
	 "CHUNK messages acknowledged", C, kf__l_tr},
	{&kf__p.send_failures, "kferry_send_failures_total",
	 "File sends that failed (after the producer's own retries)", C,
	 kf__l_tr},
	{&kf__p.recv_files, "kferry_received_files_total",
	 "Files verified and put in place, identical files already "
	 "present included",
	 C, kf__l_t},
	{&kf__p.recv_bytes, "kferry_received_bytes_total",
	 "Bytes of the files counted in kferry_received_files_total", C,
	 kf__l_t},
	{&kf__p.recv_chunks, "kferry_received_chunks_total",
	 "CHUNK messages verified and written", C, kf__l_t},
	{&kf__p.quarantined, "kferry_quarantined_files_total",
	 "Transfers moved to quarantine", C, kf__l_t},
	{&kf__p.dead_letters, "kferry_dead_letters_total",
	 "Messages routed to the dead-letter topic", C, kf__l_t},
	{&kf__p.abandoned, "kferry_abandoned_files_total",
	 "Transfers dropped because their sender gave up, vanished or started "
	 "the file again",
	 C, kf__l_t},
	{&kf__p.in_flight, "kferry_files_in_flight", "Transfers open now", G,
	 kf__l_role},
	{&kf__p.send_duration, "kferry_send_duration_seconds",
	 "From opening a file to the acknowledgement of its last message", H,
	 kf__l_tr},
	{&kf__p.recv_duration, "kferry_receive_duration_seconds",
	 "From a transfer's MANIFEST to the file put in place", H, kf__l_t},
	{&kf__p.lag, "kferry_consumer_lag_messages",
	 "Messages behind the partition's end (librdkafka's consumer_lag)", G,
	 kf__l_tp},
	{&kf__p.broker_up, "kferry_broker_up",
	 "1 while a client's connection to the broker is UP", G, kf__l_b},
	{&kf__p.tx_fam, "kferry_rdkafka_tx_bytes_total",
	 "Bytes librdkafka sent to the brokers", C, NULL},
	{&kf__p.rx_fam, "kferry_rdkafka_rx_bytes_total",
	 "Bytes librdkafka received from the brokers", C, NULL},
	{&kf__p.queued_fam, "kferry_rdkafka_queued_messages",
	 "Messages in librdkafka's producer queues", G, NULL},
	{&kf__p.rtt, "kferry_rdkafka_broker_rtt_seconds",
	 "Average round-trip time to the broker", G, kf__l_b},
	{&kf__p.audit, "kferry_audit_records_total",
	 "Audit records by result: delivered, or failed (not queued or not "
	 "delivered)",
	 C, kf__l_result},
	{&kf__p.sink_rows, "kferry_sink_rows_total",
	 "Rows the sink committed, by table and op (upsert covers inserts)", C,
	 kf__l_table_op},
	{&kf__p.sink_refused, "kferry_sink_rows_refused_total",
	 "Rows and messages the sink refused (dead letters or a stop)", C,
	 kf__l_table},
	{&kf__p.sink_batches, "kferry_sink_batches_total",
	 "Batches the sink committed (one database transaction each)", C, NULL},
	{&kf__p.sink_seconds, "kferry_sink_batch_seconds",
	 "From handing a batch to the writer to its COMMIT", H, NULL},
	{&kf__p.sink_mismatch, "kferry_sink_load_mismatch_total",
	 "Loaded files whose rows written and refused do not add up to the "
	 "rows the load published (docs/sink.md 5)",
	 C, NULL},
	{&kf__p.sink_lag, "kferry_sink_lag",
	 "Messages of the partition not applied yet: its end offset minus "
	 "the next offset stored in the database",
	 G, kf__l_tp},
	{&kf__p.cap_events, "kferry_capture_events_total",
	 "Change events and tombstones the capture committed to Kafka", C,
	 NULL},
	{&kf__p.cap_txns, "kferry_capture_transactions_total",
	 "Source transactions the capture committed to Kafka", C, NULL},
	{&kf__p.cap_bytes, "kferry_capture_bytes_total",
	 "Key and value bytes of the events committed to Kafka", C, NULL},
	{&kf__p.cap_lsn, "kferry_capture_lsn",
	 "The source position (PostgreSQL LSN) of the last Kafka commit", G,
	 NULL},
	{&kf__p.cap_lag, "kferry_capture_lag_seconds",
	 "From the source commit of the last transaction committed to Kafka "
	 "to that Kafka commit",
	 G, NULL},
	{&kf__p.cap_latency, "kferry_capture_commit_seconds",
	 "Per Kafka transaction: from its last source commit to its Kafka "
	 "commit",
	 H, NULL},
	{&kf__p.cap_retained, "kferry_capture_slot_retained_bytes",
	 "WAL the replication slot holds back: pg_current_wal_lsn() minus its "
	 "restart_lsn",
	 G, NULL},
	{&kf__p.cap_warn, "kferry_capture_slot_warn_bytes",
	 "capture.lag_warn_bytes: above it the capture logs a warning", G,
	 NULL},
#undef C
#undef G
#undef H
};

static void kf__init(void)
{
	static const double bounds[] = KF_PROBE_BUCKETS;
	const size_t nb = sizeof(bounds) / sizeof(bounds[0]);
	size_t i;

	if (!(kf__p.reg = kf_metrics_new()))
		return;
	if (gethostname(kf__p.host, sizeof(kf__p.host) - 1) < 0)
		strcpy(kf__p.host, "unknown");
	for (i = 0; i < sizeof(kf__families) / sizeof(kf__families[0]); i++) {
		int h = kf__families[i].type == KF_METRIC_HISTOGRAM;

		*kf__families[i].fam = kf_metrics_family(
			kf__p.reg, kf__families[i].name, kf__families[i].help,
			kf__families[i].type, kf__families[i].labels,
			h ? bounds : NULL, h ? nb : 0);
	}
	kf_mseries_set(kf_mfamily_series(kf__p.build_info,
					 (const char *const[]){KF_VERSION_STR}),
		       1);
	kf__p.in_flight_send = kf_mfamily_series(kf__p.in_flight,
						 (const char *const[]){"send"});
	kf__p.in_flight_recv = kf_mfamily_series(
		kf__p.in_flight, (const char *const[]){"receive"});
	kf__p.tx = kf_mfamily_series(kf__p.tx_fam, NULL);
	kf__p.rx = kf_mfamily_series(kf__p.rx_fam, NULL);
	kf__p.queued = kf_mfamily_series(kf__p.queued_fam, NULL);
	kf__p.audit_ok = kf_mfamily_series(kf__p.audit,
					   (const char *const[]){"delivered"});
	kf__p.audit_failed =
		kf_mfamily_series(kf__p.audit, (const char *const[]){"failed"});
}

kf_metrics_t *kf_probe_registry(void)
{
	pthread_once(&kf__p.once, kf__init);
	return kf__p.reg;
}

/* The family is read after the registry exists: the first hook of the
 * process may be the one that creates it. */
static kf_mseries_t *kf__series(kf_mfamily_t *const *f, const char *a,
				const char *b)
{
	kf_probe_registry();
	return kf_mfamily_series(*f, (const char *const[]){a, b});
}

/* ---------------------------------------------------------- sending */

void kf_probe_send_begin(kf_probe_sfile_t *p, const char *topic,
			 const char *route)
{
	if (!route)
		route = "send";
	p->files = kf__series(&kf__p.sent_files, topic, route);
	p->bytes = kf__series(&kf__p.sent_bytes, topic, route);
	p->chunks = kf__series(&kf__p.sent_chunks, topic, route);
	p->failures = kf__series(&kf__p.send_failures, topic, route);
	p->duration = kf__series(&kf__p.send_duration, topic, route);
	p->first_offset = p->last_offset = -1;
}

void kf_probe_send_open(kf_probe_sfile_t *p)
{
	if (!p->files || p->open)
		return;
	p->open = 1;
	p->t0_ns = kf__mono_ns();
	p->opened_ms = kf__wall_ms();
	kf_mseries_add(kf__p.in_flight_send, 1);
}

void kf_probe_send_chunk(kf_probe_sfile_t *p, uint64_t raw_len)
{
	kf_mseries_add(p->chunks, 1);
	kf_mseries_add(p->bytes, (double)raw_len);
}

void kf_probe_send_ctrl(kf_probe_sfile_t *p, int32_t partition, int64_t offset)
{
	p->partition = partition;
	if (p->first_offset < 0)
		p->first_offset = offset;
	p->last_offset = offset;
}

void kf_probe_send_end(kf_probe_sfile_t *p, int err, struct kf_audit_rec *rec)
{
	if (!p->files)
		return;
	if (err) {
		kf_mseries_add(p->failures, 1);
	} else {
		kf_mseries_add(p->files, 1);
		if (p->open)
			kf_mseries_observe(p->duration,
					   (double)(kf__mono_ns() - p->t0_ns) /
						   1e9);
	}
	if (p->open)
		kf_mseries_add(kf__p.in_flight_send, -1);
	p->open = 0;
	p->files = NULL; /* ended once */
	if (!rec || !kf__p.audit_producer)
		return;
	rec->partition = p->partition;
	rec->first_offset = p->first_offset;
	rec->last_offset = p->last_offset;
	rec->sent_ms = p->opened_ms;
	rec->done_ms = kf__wall_ms();
	kf_audit_record(kf__p.audit_producer, rec);
}

/* -------------------------------------------------------- receiving */

void kf_probe_recv_open(kf_probe_xfer_t *p, int64_t sent_ms)
{
	kf_probe_registry();
	p->t0_ns = kf__mono_ns();
	p->received_ms = kf__wall_ms();
	p->sent_ms = sent_ms;
	p->last_offset = -1;
	if (!p->open)
		kf_mseries_add(kf__p.in_flight_recv, 1);
	p->open = 1;
}

void kf_probe_recv_close(kf_probe_xfer_t *p)
{
	if (p->open)
		kf_mseries_add(kf__p.in_flight_recv, -1);
	p->open = 0;
}

void kf_probe_recv_commit(kf_probe_xfer_t *p, int64_t offset)
{
	p->last_offset = offset;
}

void kf_probe_recv_chunk(const char *topic)
{
	kf_mseries_add(kf__series(&kf__p.recv_chunks, topic, NULL), 1);
}

void kf_probe_recv_end(const kf_probe_xfer_t *p, struct kf_audit_rec *rec)
{
	const char *topic = rec->topic;

	if (!strcmp(rec->event, "completed")) {
		kf_mseries_add(kf__series(&kf__p.recv_files, topic, NULL), 1);
		kf_mseries_add(kf__series(&kf__p.recv_bytes, topic, NULL),
			       (double)rec->size);
		kf_mseries_observe(
			kf__series(&kf__p.recv_duration, topic, NULL),
			(double)(kf__mono_ns() - p->t0_ns) / 1e9);
	} else if (!strcmp(rec->event, "quarantined")) {
		kf_mseries_add(kf__series(&kf__p.quarantined, topic, NULL), 1);
	} else {
		kf_mseries_add(kf__series(&kf__p.abandoned, topic, NULL), 1);
	}
	if (!kf__p.audit_producer)
		return;
	rec->sent_ms = p->sent_ms;
	rec->received_ms = p->received_ms;
	rec->done_ms = kf__wall_ms();
	rec->last_offset = p->last_offset;
	rec->receiver = kf__p.host;
	kf_audit_record(kf__p.audit_producer, rec);
}

void kf_probe_sink_rows(const char *table, const char *op, uint64_t n)
{
	if (n)
		kf_mseries_add(kf__series(!strcmp(op, "refused")
						  ? &kf__p.sink_refused
						  : &kf__p.sink_rows,
					  table, op),
			       (double)n);
}

void kf_probe_sink_lag(const char *topic, int32_t partition, int64_t lag)
{
	char part[16];

	snprintf(part, sizeof(part), "%d", (int)partition);
	kf_mseries_set(kf__series(&kf__p.sink_lag, topic, part), (double)lag);
}

void kf_probe_sink_load_mismatch(uint64_t n)
{
	kf_probe_registry();
	kf_mseries_add(kf_mfamily_series(kf__p.sink_mismatch, NULL), (double)n);
}

void kf_probe_sink_batch(double seconds)
{
	kf_probe_registry();
	kf_mseries_add(kf_mfamily_series(kf__p.sink_batches, NULL), 1);
	kf_mseries_observe(kf_mfamily_series(kf__p.sink_seconds, NULL),
			   seconds);
}

void kf_probe_dead_letter(const char *topic)
{
	kf_mseries_add(kf__series(&kf__p.dead_letters, topic, NULL), 1);
}

/* ------------------------------------------------------ the capture */

void kf_probe_capture_commit(uint64_t events, uint64_t txns, uint64_t bytes,
			     uint64_t lsn, int64_t source_ms)
{
	double lag;

	kf_probe_registry();
	kf_mseries_add(kf_mfamily_series(kf__p.cap_events, NULL),
		       (double)events);
	kf_mseries_add(kf_mfamily_series(kf__p.cap_txns, NULL), (double)txns);
	kf_mseries_add(kf_mfamily_series(kf__p.cap_bytes, NULL), (double)bytes);
	if (lsn)
		kf_mseries_set(kf_mfamily_series(kf__p.cap_lsn, NULL),
			       (double)lsn);
	if (source_ms <= 0 || !txns)
		return;
	/* clocks of two hosts: a source ahead of us reads as no lag */
	lag = (double)(kf__wall_ms() - source_ms) / 1000.0;
	if (lag < 0)
		lag = 0;
	kf_mseries_set(kf_mfamily_series(kf__p.cap_lag, NULL), lag);
	kf_mseries_observe(kf_mfamily_series(kf__p.cap_latency, NULL), lag);
}

void kf_probe_capture_slot(int64_t retained, int64_t warn)
{
	kf_probe_registry();
	kf_mseries_set(kf_mfamily_series(kf__p.cap_retained, NULL),
		       (double)retained);
	kf_mseries_set(kf_mfamily_series(kf__p.cap_warn, NULL), (double)warn);
}

/* ------------------------------------------------------- librdkafka */

/* @locks stats_lock held: exports the union of what every client said.
 * A broker is up when any client's connection to it is; its round-trip
 * time is the slowest client's. */
static void kf__export_stats(void)
{
	double tx = 0, rx = 0, msgs = 0;
	size_t i, j, k;

	for (i = 0; i < kf__p.nclients; i++) {
		const struct kf__client *c = &kf__p.clients[i];

		tx += c->tx;
		rx += c->rx;
		msgs += c->msgs;
		for (j = 0; j < c->nbrokers; j++) {
			const struct kf_rkstats_broker *b = &c->brokers[j];
			int up = b->up;
			double rtt = b->rtt_s;

			/* the first client naming the broker sets it */
			for (k = 0; k < i; k++) {
				size_t l;

				for (l = 0; l < kf__p.clients[k].nbrokers; l++)
					if (!strcmp(kf__p.clients[k]
							    .brokers[l]
							    .name,
						    b->name))
						break;
				if (l < kf__p.clients[k].nbrokers)
					break;
			}
			if (k < i)
				continue;
			for (k = i + 1; k < kf__p.nclients; k++) {
				size_t l;

				for (l = 0; l < kf__p.clients[k].nbrokers;
				     l++) {
					const struct kf_rkstats_broker *o =
						&kf__p.clients[k].brokers[l];

					if (strcmp(o->name, b->name))
						continue;
					up |= o->up;
					if (o->rtt_s > rtt)
						rtt = o->rtt_s;
				}
			}
			kf_mseries_set(
				kf__series(&kf__p.broker_up, b->name, NULL),
				up);
			kf_mseries_set(kf__series(&kf__p.rtt, b->name, NULL),
				       rtt);
		}
	}
	/* librdkafka keeps totals per client: their sum only grows while
	 * the clients live (they do until the engine exits) */
	if (tx >= kf_mseries_value(kf__p.tx))
		kf_mseries_set(kf__p.tx, tx);
	if (rx >= kf_mseries_value(kf__p.rx))
		kf_mseries_set(kf__p.rx, rx);
	kf_mseries_set(kf__p.queued, msgs);
}

void kf_probe_rdkafka_stats(const char *json, size_t len)
{
	kf_rkstats_t *st = malloc(sizeof(*st));
	struct kf__client *c = NULL;
	char err[256], part[16];
	size_t i;

	kf_probe_registry();
	if (!st)
		return;
	if (kf_rkstats_parse(json, len, st, err, sizeof(err))) {
		kf_warn("obs", "%s", err);
		free(st);
		return;
	}
	for (i = 0; i < st->nlags; i++) {
		snprintf(part, sizeof(part), "%d", (int)st->lags[i].partition);
		kf_mseries_set(kf__series(&kf__p.lag,
					  st->topics[st->lags[i].topic], part),
			       (double)st->lags[i].lag);
	}
	pthread_mutex_lock(&kf__p.stats_lock);
	for (i = 0; i < kf__p.nclients; i++)
		if (!strcmp(kf__p.clients[i].name, st->name))
			c = &kf__p.clients[i];
	if (!c && kf__p.nclients < KF__MAX_CLIENTS) {
		c = &kf__p.clients[kf__p.nclients++];
		snprintf(c->name, sizeof(c->name), "%s", st->name);
	}
	if (c) {
		c->tx = st->tx_bytes;
		c->rx = st->rx_bytes;
		c->msgs = st->msg_cnt;
		c->nbrokers = st->nbrokers;
		memcpy(c->brokers, st->brokers,
		       st->nbrokers * sizeof(st->brokers[0]));
		kf__p.have_stats = 1;
		kf__export_stats();
	}
	pthread_mutex_unlock(&kf__p.stats_lock);
	kf_dbg(KF_DBG_OBS, "obs", "statistics of %s: %zu brokers, %zu lags",
	       st->name, st->nbrokers, st->nlags);
	free(st);
}

int kf_probe_health(char *why, size_t cap)
{
	size_t i, j;
	int up = 0, have;

	if (kf_stop_requested()) {
		snprintf(why, cap, "stopping");
		return 503;
	}
	pthread_mutex_lock(&kf__p.stats_lock);
	have = kf__p.have_stats;
	for (i = 0; i < kf__p.nclients; i++)
		for (j = 0; j < kf__p.clients[i].nbrokers; j++)
			up |= kf__p.clients[i].brokers[j].up;
	pthread_mutex_unlock(&kf__p.stats_lock);
	if (!have) {
		snprintf(why, cap,
			 "starting: no librdkafka statistics yet "
			 "(they come every metrics.stats_interval_ms)");
		return 503;
	}
	if (!up) {
		snprintf(why, cap, "no broker is up");
		return 503;
	}
	snprintf(why, cap, "ok");
	return 200;
}

/* ---------------------------------------------------------- endpoint */

static int kf__handle(void *opaque, const char *path, char **body, size_t *len,
		      const char **ctype)
{
	char why[256];
	int status;

	(void)opaque;
	if (!strcmp(path, "/metrics")) {
		*body = kf_metrics_render(kf_probe_registry(), len);
		*ctype = "text/plain; version=0.0.4; charset=utf-8";
		return *body ? 200 : 500;
	}
	if (!strcmp(path, "/healthz")) {
		status = kf_probe_health(why, sizeof(why));
		*len = strlen(why) + 1;
		if ((*body = malloc(*len + 1)))
			snprintf(*body, *len + 1, "%s\n", why);
		else
			*len = 0;
		return status;
	}
	*body = strdup("not found: try /metrics or /healthz\n");
	*len = *body ? strlen(*body) : 0;
	return 404;
}

/* The Kafka clients' statistics callback (kf_kafka_stats_cb_set).
 * @locality the thread that polls the clients: the loop */
static void kf__rdkafka_stats(const char *json, size_t len, void *opaque)
{
	(void)opaque;
	kf_probe_rdkafka_stats(json, len);
}

int kf_probe_start(uv_loop_t *loop, const kf_conf_t *conf, const char *role,
		   char *errstr, size_t errstr_size)
{
	int r;

	if (!kf_probe_registry())
		return kf_seterr(errstr, errstr_size, KF_ENOMEM,
				 "out of memory");
	kf_kafka_stats_cb_set(kf__rdkafka_stats, NULL);
	if (conf->metrics_addr && *conf->metrics_addr) {
		r = kf_http_start(loop, conf->metrics_addr, kf__handle, NULL,
				  &kf__p.http, errstr, errstr_size);
		if (r)
			return r;
		kf_info("obs",
			"metrics of %s on http://%s/metrics (health: "
			"/healthz)",
			role, kf_http_address(kf__p.http));
	}
	if (conf->audit_topic && *conf->audit_topic) {
		r = kf_audit_new(loop, conf, kf__p.audit_ok, kf__p.audit_failed,
				 &kf__p.audit_producer, errstr, errstr_size);
		if (r) {
			kf_probe_detach(loop);
			return r;
		}
		kf_info("obs", "audit records go to topic %s",
			conf->audit_topic);
	}
	return 0;
}

void kf_probe_detach(uv_loop_t *loop)
{
	if (!kf__p.http && !kf__p.audit_producer)
		return;
	kf_http_close(kf__p.http);
	kf__p.http = NULL;
	kf_audit_close(kf__p.audit_producer);
	uv_run(loop, UV_RUN_DEFAULT);
	kf_audit_destroy(kf__p.audit_producer);
	kf__p.audit_producer = NULL;
}

/* ------------------------------------------------- the endpoint thread */

struct kf_probe_thread_s {
	uv_loop_t loop;
	uv_async_t stop;
	pthread_t thr;
};

static void kf__thread_stop(uv_async_t *a)
{
	uv_stop(a->loop);
}

static void *kf__thread_main(void *arg)
{
	kf_probe_thread_t *t = arg;

	uv_run(&t->loop, UV_RUN_DEFAULT);
	/* the wake-up first: the endpoint's close runs the loop to its end */
	uv_close((uv_handle_t *)&t->stop, NULL);
	kf_probe_detach(&t->loop);
	uv_run(&t->loop, UV_RUN_DEFAULT);
	return NULL;
}

int kf_probe_thread_start(const kf_conf_t *conf, const char *role,
			  kf_probe_thread_t **out, char *errstr,
			  size_t errstr_size)
{
	kf_probe_thread_t *t;
	int r;

	*out = NULL;
	if (!(conf->metrics_addr && *conf->metrics_addr) &&
	    !(conf->audit_topic && *conf->audit_topic))
		return kf_probe_registry() ? 0 : KF_ENOMEM;
	t = calloc(1, sizeof(*t));
	if (!t)
		return kf_seterr(errstr, errstr_size, KF_ENOMEM,
				 "out of memory");
	if (uv_loop_init(&t->loop)) {
		free(t);
		return kf_seterr(errstr, errstr_size, KF_ERESOURCE,
				 "creating the metrics endpoint's loop");
	}
	if (uv_async_init(&t->loop, &t->stop, kf__thread_stop)) {
		r = kf_seterr(errstr, errstr_size, KF_ERESOURCE,
			      "creating the metrics endpoint's wake-up");
		goto out_loop;
	}
	r = kf_probe_start(&t->loop, conf, role, errstr, errstr_size);
	if (r)
		goto out_async;
	/* the loop is handed to the thread before it ever runs */
	if (pthread_create(&t->thr, NULL, kf__thread_main, t)) {
		r = kf_seterr(errstr, errstr_size, KF_ERESOURCE,
			      "starting the metrics endpoint's thread");
		uv_close((uv_handle_t *)&t->stop, NULL);
		kf_probe_detach(&t->loop);
		goto out_run;
	}
	*out = t;
	return 0;
out_async:
	uv_close((uv_handle_t *)&t->stop, NULL);
out_run:
	uv_run(&t->loop, UV_RUN_DEFAULT);
out_loop:
	uv_loop_close(&t->loop);
	free(t);
	return r;
}

void kf_probe_thread_stop(kf_probe_thread_t *t)
{
	if (!t)
		return;
	uv_async_send(&t->stop);
	pthread_join(t->thr, NULL);
	uv_loop_close(&t->loop);
	free(t);
}
