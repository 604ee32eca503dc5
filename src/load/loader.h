/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One file loaded in one Kafka transaction (docs/records.md 3.1-3.7), on
 * a libuv loop: the hash pass, a transactional producer whose id is made
 * of the topic and the content hash (a re-run fences a killed attempt),
 * the ledger check, blocks of the file through the record path on a
 * worker, the rows and dead letters produced on the loop with bounded
 * bytes in flight, the load record last, then commit; any failure aborts,
 * and a file past load.max_rejects gets the small failure transaction.
 *
 * The record path is behind kf_load_reader_ops_t (record/recfile.h's
 * functions for files; another source of records, or a test, gives its
 * own), so the loader never sees a format.
 *
 * @locality loop thread, unless a function says otherwise.
 */
#ifndef KF_LOAD_LOADER_H
#define KF_LOAD_LOADER_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "kferry/kferry.h"
#include "load/ledger.h"
#include "record/recfile.h"
#include "record/schema.h"
#include "registry/client.h"

/* The record path of one file, as record/recfile.h declares it.
 * @locality worker (one job of a file at a time) */
typedef struct kf_load_reader_ops_s {
	kf_recfile_t *(*open)(const kf_recfile_opts_t *o,
			      kf_recfile_row_cb on_row,
			      kf_recfile_reject_cb on_reject, void *opaque,
			      char *errstr, size_t errstr_size);
	int (*feed)(kf_recfile_t *f, const void *buf, size_t len);
	int (*finish)(kf_recfile_t *f);
	const char *(*error)(const kf_recfile_t *f);
	void (*counts)(const kf_recfile_t *f, kf_recfile_counts_t *c);
	void (*destroy)(kf_recfile_t *f);
} kf_load_reader_ops_t;

/* What a load is made of (api/loadopts.c builds it from the
 * configuration). Pointers are borrowed: they must outlive the loads. */
typedef struct kf_load_opts_s {
	const kf_conf_t *conf; /* the connection, for kafka/ and obs/ only */
	int workers;	       /* the worker pool (0: CPUs + 1) */
	const char *topic;     /* the data topic */
	const char *ledger_topic;
	/* the reader of ledger_topic the files share (kf_load_run's, for
	 * one run); NULL: each file reads the ledger on its own */
	kf_load_ledger_t *ledger;
	const char *dead_letter_topic; /* NULL: none (max_rejects is 0) */
	uint64_t max_rejects; /* rows, or percent when max_rejects_pct */
	int max_rejects_pct;
	unsigned reject_sample;	     /* dead letters kept in a failure record */
	const char *txn_id_prefix;   /* load.transactional_id_prefix */
	int transaction_timeout_s;   /* and the delivery timeout */
	int connect_timeout_s;	     /* init_transactions (0: the above) */
	uint64_t max_inflight_bytes; /* serialized bytes not yet delivered */
	uint64_t txn_max_bytes; /* bytes of the file per part; 0: one part */
	int linger_ms;
	const char *compression; /* librdkafka compression.type */
	unsigned max_files_parallel;
	int force;		   /* load files the ledger has as done */
	const kf_schema_t *schema; /* NULL: each file's own, sniffed */
	/* Makes the schema of a file loaded without one from its first
	 * sniff_bytes (whole: that is the whole file): 0 with *out (the
	 * loader's: kf_schema_free), or KF_EINVAL with errstr.
	 * @locality worker */
	int (*sniff)(void *opaque, const void *sample, size_t len, int whole,
		     const char *path, kf_schema_t **out, char *errstr,
		     size_t errstr_size);
	void *sniff_opaque;
	uint64_t sniff_bytes;
	int decimal_numeric;
	const void *mask_salt;
	size_t mask_salt_len;
	const char *mask_text;
	const kf_load_reader_ops_t *reader;
	/* load.value_format and key_format: Connect JSON, or formats whose
	 * schemas are registered in registry before a file's transaction
	 * begins (docs/schemas.md 3.2). registry is shared by the files
	 * (the client locks); NULL when both are Connect JSON. */
	enum kf_rec_wire value_format, key_format;
	kf_registry_t *registry;
	int record_subjects; /* subject_strategy = record */
} kf_load_opts_t;

typedef struct kf_loader_s kf_loader_t;

/* The file's outcome (f->state "done", "skipped" or "failed"), once, when
 * everything the loader started has ended; the loader may then be
 * destroyed. */
typedef void(kf_loader_done_cb)(void *opaque, kf_loader_t *l,
				const kf_load_file_t *f);

/* A file to load: where it is opened, and its name in headers, records
 * and messages. */
typedef struct kf_load_src_s {
	const char *path;  /* opened with kf_path_open_below (core/path.h) */
	size_t root_len;   /* below path[0, root_len) no link is followed */
	const char *name;  /* kferry.file and the load record's file */
	uint64_t dev, ino; /* what a directory scan saw; ino 0: unchecked */
} kf_load_src_t;

/* Starts loading src (copied) on loop. Returns 0 with *out
 * (kf_loader_destroy after done), or KF_ENOMEM; done is not called then.
 * A file whose inode is not the one the scan saw fails with
 * KF_ECHANGED. */
int kf_loader_start_src(uv_loop_t *loop, const kf_load_opts_t *o,
			const kf_load_src_t *src, kf_loader_done_cb *done,
			void *opaque, kf_loader_t **out);
/* The same for a path the operator gave (named so, opened as given). */
int kf_loader_start(uv_loop_t *loop, const kf_load_opts_t *o, const char *path,
		    kf_loader_done_cb *done, void *opaque, kf_loader_t **out);

/* Stops a load (SIGINT): its transaction is aborted, done follows with
 * KF_ESTOPPED. */
void kf_loader_stop(kf_loader_t *l);

/* Running counts (for progress): what was read of the file, and rows. */
void kf_loader_progress(const kf_loader_t *l, uint64_t *bytes,
			kf_load_file_t *f);

/* NULL is a no-op. Only after done (or before the loop ran a start). */
void kf_loader_destroy(kf_loader_t *l);

#endif /* KF_LOAD_LOADER_H */
