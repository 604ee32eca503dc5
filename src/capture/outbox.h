/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The capture's Kafka side, shared by both sources (docs/cdc.md 7,
 * 10.5): one transactional producer (fencing a capture of the same name
 * at its start), the change events of a table rendered and sent inside
 * the open Kafka transaction, and its commit with the offsets record
 * last. The batching's clock (batch_ms, batch_bytes) is the open
 * transaction's.
 *
 * Errors are written to the errstr given to kf_cap_out_new.
 *
 * @locality the capture thread
 */
#ifndef KF_CAPTURE_OUTBOX_H
#define KF_CAPTURE_OUTBOX_H

#include <stdint.h>

#include "capture/capture.h"
#include "capture/event.h"
#include "capture/position.h"

typedef struct kf_cap_out_s kf_cap_out_t;

/* The producer of transactional id txn_id, its transactions initialised
 * (a capture still running under that id is fenced, its open
 * transaction aborted); the offsets records go to o->offsets_topic under
 * key offsets_key (copied). st is updated (events, kafka_txns). 0 with
 * *out (kf_cap_out_destroy), or KF_EKAFKA, KF_ENOMEM. */
int kf_cap_out_new(const kf_capture_opts_t *o, const char *txn_id,
		   const char *offsets_key, kf_capture_stats_t *st,
		   kf_cap_out_t **out, char *errstr, size_t errstr_size);
/* Aborts the open transaction and destroys the producer. NULL: no-op. */
void kf_cap_out_destroy(kf_cap_out_t *ob);

/* Opens a Kafka transaction unless one is open. */
int kf_cap_out_begin(kf_cap_out_t *ob);
/* The offsets record pos, then the commit. */
int kf_cap_out_commit(kf_cap_out_t *ob, const kf_cap_pos_t *pos);
/* Aborts the open transaction, if any (a failure is only logged). */
void kf_cap_out_abort(kf_cap_out_t *ob);
/* 1 while a Kafka transaction is open. */
int kf_cap_out_is_open(const kf_cap_out_t *ob);

/* Whether the open transaction is due at now_ms (monotonic): batch_ms
 * since its first event, or batch_bytes in it. The caller commits at a
 * source transaction's end only. */
int kf_cap_out_due(const kf_cap_out_t *ob, int64_t now_ms);
/* How long a wait may last at now_ms without passing the open
 * transaction's deadline, at most cap_ms (>= 0). */
int64_t kf_cap_out_wait_ms(const kf_cap_out_t *ob, int64_t now_ms,
			   int64_t cap_ms);

/* Renders and sends op's event for t: the key of keyrow (NULL: none),
 * then the value (source src); a delete adds its tombstone. Values
 * without a Connect value are counted and warned about, naming where
 * (the LSN, or src->gtid). */
int kf_cap_out_change(kf_cap_out_t *ob, const kf_cap_table_t *t, char op,
		      const kf_pgo_value_t *keyrow, int nkey,
		      const kf_pgo_value_t *before, int nbefore,
		      const kf_pgo_value_t *after, int nafter,
		      const kf_cap_source_t *src);

/* Monotonic and wall clocks, in ms and µs. */
int64_t kf_cap_now_ms(void);
int64_t kf_cap_wall_us(void);

#endif /* KF_CAPTURE_OUTBOX_H */
