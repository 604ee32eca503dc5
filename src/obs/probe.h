/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kferry's own metrics (docs/metrics.md), the hooks the engines call, the
 * /metrics and /healthz endpoint, and the audit trail.
 *
 * The registry is process-wide: one process runs one engine (send,
 * receive or watch) and serves one /metrics. The hooks are cheap and
 * always count, whether or not an endpoint is serving them; each is one
 * call at the point where the engine decides the outcome it counts.
 *
 * @locality the hooks and kf_probe_start/detach: the engine's loop thread.
 * kf_probe_rdkafka_stats: whichever thread serves librdkafka's callbacks
 * (the loop thread in kferry, since every queue is polled there; a mutex
 * guards the statistics table anyway). The registry itself is locked
 * (obs/metrics.h).
 */
#ifndef KF_OBS_PROBE_H
#define KF_OBS_PROBE_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "kferry/kferry.h"
#include "obs/audit.h"
#include "obs/metrics.h"

/* Histogram bounds of every duration, in seconds. */
#define KF_PROBE_BUCKETS                                                       \
	{                                                                      \
		0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,   \
			60, 300                                                \
	}

/* Starts what conf asks for on loop: the HTTP endpoint (metrics.addr) and
 * the audit producer (audit.topic). role is "send", "receive" or "watch".
 * Nothing to start is not an error. Registers kf_probe_rdkafka_stats as
 * the Kafka clients' statistics callback (kf_kafka_stats_cb_set). */
int kf_probe_start(uv_loop_t *loop, const kf_conf_t *conf, const char *role,
		   char *errstr, size_t errstr_size);
/* After the engine's uv_run returned: closes the endpoint and the audit
 * producer and runs loop until their handles are closed. */
void kf_probe_detach(uv_loop_t *loop);

/* The process's registry (created on first use; never NULL unless out of
 * memory). */
kf_metrics_t *kf_probe_registry(void);

/* ---------------------------------------------------------- sending */

/* One file in a sender; zeroed with its file, so that every hook on a file
 * that was never begun is a no-op. */
typedef struct kf_probe_sfile_s {
	kf_mseries_t *files, *bytes, *chunks, *failures, *duration;
	uint64_t t0_ns;	   /* opened */
	int64_t opened_ms; /* wall clock, for the audit trail */
	int open;	   /* counted in kferry_files_in_flight */
	int32_t partition; /* of the acknowledged control frames, */
	int64_t first_offset, last_offset; /* or -1 */
} kf_probe_sfile_t;

/* The file was queued for topic by route (NULL: "send", the one-shot
 * command). */
void kf_probe_send_begin(kf_probe_sfile_t *p, const char *topic,
			 const char *route);
/* The file is being opened: in flight from now on. */
void kf_probe_send_open(kf_probe_sfile_t *p);
/* A CHUNK of raw_len file bytes was acknowledged. */
void kf_probe_send_chunk(kf_probe_sfile_t *p, uint64_t raw_len);
/* A MANIFEST, COMMIT or ABORT was acknowledged at this offset. */
void kf_probe_send_ctrl(kf_probe_sfile_t *p, int32_t partition, int64_t offset);
/* The file is done: every message acknowledged (err 0) or failed. With
 * rec (event "sent" or "send_failed", and the fields the sender knows) it
 * is recorded in the audit trail too; the offsets and times in p are
 * added here. */
void kf_probe_send_end(kf_probe_sfile_t *p, int err, struct kf_audit_rec *rec);

/* -------------------------------------------------------- receiving */

/* One transfer in a receiver; zeroed with it. */
typedef struct kf_probe_xfer_s {
	uint64_t t0_ns;	     /* the MANIFEST arrived */
	int64_t sent_ms;     /* its Kafka timestamp */
	int64_t received_ms; /* wall clock when it arrived */
	int64_t last_offset; /* the COMMIT's offset, or -1 */
	int open;	     /* counted in kferry_files_in_flight */
} kf_probe_xfer_t;

/* A MANIFEST opened a transfer; sent_ms is the message's timestamp (-1
 * when it has none). */
void kf_probe_recv_open(kf_probe_xfer_t *p, int64_t sent_ms);
/* The transfer no longer counts as open. */
void kf_probe_recv_close(kf_probe_xfer_t *p);
/* Its COMMIT arrived at this offset. */
void kf_probe_recv_commit(kf_probe_xfer_t *p, int64_t offset);
/* A CHUNK was verified and written. */
void kf_probe_recv_chunk(const char *topic);
/* The transfer ended: rec->event is "completed" (placed or skipped),
 * "quarantined" or "failed" (the sender gave up or vanished). Counts it
 * and records it in the audit trail; the caller fills the fields it knows
 * (the times and offsets in p are added here). */
void kf_probe_recv_end(const kf_probe_xfer_t *p, struct kf_audit_rec *rec);

/* A message was routed to the dead-letter topic. */
void kf_probe_dead_letter(const char *topic);

/* ------------------------------------------------------ the db sink */

/* n rows of table committed by op ("upsert", "insert", "delete"), or
 * refused (op "refused": kferry_sink_rows_refused_total). */
void kf_probe_sink_rows(const char *table, const char *op, uint64_t n);
/* A batch committed, seconds after it was handed to the writer. */
void kf_probe_sink_batch(double seconds);
/* n loaded files found not to reconcile (kferry_sink_load_mismatch_total). */
void kf_probe_sink_load_mismatch(uint64_t n);
/* Messages of topic/partition not applied yet (kferry_sink_lag). */
void kf_probe_sink_lag(const char *topic, int32_t partition, int64_t lag);

/* ------------------------------------------------------ the capture */

/* A Kafka transaction of the capture committed: events and source
 * transactions in it, their key and value bytes, the source position it
 * reaches (PostgreSQL's LSN; 0: none, MariaDB) and the source commit time
 * of its last transaction (ms since the epoch; <= 0: unknown).
 * @locality the capture's thread (it has no loop) */
void kf_probe_capture_commit(uint64_t events, uint64_t txns, uint64_t bytes,
			     uint64_t lsn, int64_t source_ms);
/* The slot's retained WAL (bytes; < 0: unknown) and the warning
 * threshold (capture.lag_warn_bytes). @locality the capture's thread */
void kf_probe_capture_slot(int64_t retained, int64_t warn);

/* ------------------------------------------------- the endpoint thread */

/* For an engine without a loop (the capture): the endpoint and the audit
 * producer of kf_probe_start on a loop of their own, on a thread of their
 * own. Nothing asked for (no metrics.addr, no audit.topic): *out is NULL
 * and 0 is returned. The caller owns *out (kf_probe_thread_stop). */
typedef struct kf_probe_thread_s kf_probe_thread_t;
int kf_probe_thread_start(const kf_conf_t *conf, const char *role,
			  kf_probe_thread_t **out, char *errstr,
			  size_t errstr_size);
/* Closes the endpoint, joins the thread and frees t. NULL is a no-op. */
void kf_probe_thread_stop(kf_probe_thread_t *t);

/* ------------------------------------------------------- librdkafka */

/* The statistics JSON of one client (its stats_cb): exported as the
 * kferry_rdkafka_* metrics, broker state and consumer lag. */
void kf_probe_rdkafka_stats(const char *json, size_t len);

/* The /healthz answer: 200 with "ok", or 503 with a one-line reason in
 * why. */
int kf_probe_health(char *why, size_t cap);

#endif /* KF_OBS_PROBE_H */
