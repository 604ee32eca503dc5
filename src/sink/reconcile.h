/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reconciliation of loaded files (docs/sink.md 5): in each batch's
 * transaction, the rows of each load (their kferry.load_id header) are
 * counted into the loads table (db/loads.h), the load records of
 * sink.ledger_topic in the batch give each load its expected rows and
 * offset ends, and the loads whose rows are all applied are settled (ok or
 * mismatch).
 *
 * @locality the sink's writer thread.
 */
#ifndef KF_SINK_RECONCILE_H
#define KF_SINK_RECONCILE_H

#include <librdkafka/rdkafka.h>
#include <stddef.h>
#include <stdint.h>

#include "db/conn.h"
#include "db/loads.h"
#include "sink/sink.h"
#include "sink/stash.h"

/* Rows refused in the current attempt, per load. */
typedef struct kf_sink_reconcile_s {
	struct kf_sink_load_count {
		char id[33];
		const char *topic; /* rd_kafka's name of the topic */
		int64_t rows, refused;
	} * loads;
	size_t n, cap;
	int nomem;
} kf_sink_reconcile_t;

/* m's kferry.load_id header (what the counts go by), kept with the
 * message when it is stashed; *id NULL: none. */
void kf_sink_reconcile_load_id(const rd_kafka_message_t *m, const void **id,
			       size_t *len);
/* A new attempt of a batch: the counts start over. */
void kf_sink_reconcile_reset(kf_sink_reconcile_t *r);
/* m's row was refused (a dead letter) in this attempt. */
void kf_sink_reconcile_refused(kf_sink_reconcile_t *r, const kf_sink_msg_t *m);
/* In the batch's transaction, after its offsets moved: counts the rows of
 * msgs per load, takes in the load records among them, settles what is
 * complete (*mismatches counts the loads found short or over). 0, or a
 * KF_E* code with err. */
int kf_sink_reconcile_apply(kf_sink_reconcile_t *r, kf_db_t *db,
			    const kf_sink_opts_t *o,
			    const kf_sink_stash_t *msgs, size_t *mismatches,
			    kf_db_err_t *err);
void kf_sink_reconcile_free(kf_sink_reconcile_t *r);

/* Parses load record js (docs/records.md 3.3) into l, its ends written
 * to ends ("P:END,..."): 1 when it is a finished load (v 1, kind load,
 * state done) of a topic in topics ("A,B"), 0 when it is to be ignored,
 * -1 when it is not a load record (logged by the caller). Strings point
 * into strs (cap bytes). */
int kf_sink_load_record(const char *js, size_t len, const char *topics,
			kf_db_load_t *l, char *strs, size_t cap);

#endif /* KF_SINK_RECONCILE_H */
