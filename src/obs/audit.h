/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The audit trail: one JSON record per completed, failed or quarantined
 * transfer on the receiving side, and per sent or failed file on the
 * sending side, produced to audit.topic (key: the transfer's path), so
 * that a transfer can be proven later: who sent what, its size and hash,
 * and when it was sent, received and placed. The format is in
 * docs/metrics.md.
 *
 * Records are copied into librdkafka's queue and never waited for: a slow
 * or absent broker costs at most librdkafka's queue (bounded by
 * KF_AUDIT_QUEUE_MAX records); a record that does not fit, or is not
 * delivered, is logged and counted, and the data path goes on.
 *
 * @locality loop thread (kf_audit_record, the delivery reports);
 * kf_audit_format: any thread.
 */
#ifndef KF_OBS_AUDIT_H
#define KF_OBS_AUDIT_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "kferry/kferry.h"
#include "obs/metrics.h"

#define KF_AUDIT_QUEUE_MAX 100000
/* A record: fixed fields plus a path and a reason of up to 4096 bytes
 * each, JSON-escaped (6 bytes per byte at worst). */
#define KF_AUDIT_RECORD_MAX (2 * 4096 * 6 + 2048)

/* One transfer's outcome. Strings may be NULL (left out); times are
 * milliseconds since the epoch, 0 or less when unknown (left out). */
struct kf_audit_rec {
	const char *event;     /* receiving: "completed", "failed" or
				   "quarantined"; sending: "sent" or
				   "send_failed" */
	const char *outcome;   /* completed: placed, replaced, renamed,
				   skipped */
	const char *path;      /* relative path as sent */
	const char *placed_as; /* when renamed: the name it got */
	uint64_t size;	       /* bytes, as announced by the manifest */
	const uint8_t *hash;   /* 16 bytes (XXH3-128) or NULL */
	const char *origin;    /* sender host from the manifest */
	const char *topic;
	int32_t partition;		   /* with first_offset */
	int64_t first_offset, last_offset; /* MANIFEST, last frame; -1: none */
	const uint8_t *xid;		   /* 16 bytes: the transfer id */
	int64_t sent_ms;      /* the MANIFEST's Kafka timestamp; sending:
				   when the file was opened */
	int64_t received_ms;  /* the MANIFEST reached the receiver */
	int64_t done_ms;      /* placed, acknowledged, quarantined or
				   given up */
	const char *receiver; /* this host, when receiving */
	const char *reason;   /* failed and quarantined */
};

typedef struct kf_audit_s kf_audit_t;

/* Writes rec as one JSON object (no newline) into buf. Returns the length,
 * or 0 when it does not fit (cap >= KF_AUDIT_RECORD_MAX always fits). */
size_t kf_audit_format(char *buf, size_t cap, const struct kf_audit_rec *rec);

/* Creates the producer of conf->audit_topic on loop. delivered and failed
 * (may be NULL) count the delivery reports. Returns 0 with *out, which the
 * caller owns (kf_audit_close, run the loop, then kf_audit_destroy), or a
 * KF_E* code with errstr set. */
int kf_audit_new(uv_loop_t *loop, const kf_conf_t *conf,
		 kf_mseries_t *delivered, kf_mseries_t *failed,
		 kf_audit_t **out, char *errstr, size_t errstr_size);

/* Formats and queues one record; never blocks. */
void kf_audit_record(kf_audit_t *a, const struct kf_audit_rec *rec);

/* Stops the loop wake-ups. */
void kf_audit_close(kf_audit_t *a);
/* Waits up to 10 s for the records still queued, then frees everything.
 * NULL is a no-op. */
void kf_audit_destroy(kf_audit_t *a);

#endif /* KF_OBS_AUDIT_H */
