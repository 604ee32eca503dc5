/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kferry: move files through Apache Kafka.
 *
 * Public API. The command line program (src/cli) uses only what is declared
 * here; everything else is internal to the library (src/).
 *
 * Conventions (see docs/architecture.md):
 *  - functions return 0 on success or a negative KF_E* code;
 *  - set-up and parsing functions also fill errstr/errstr_size with what
 *    failed, where, and what to do;
 *  - *_destroy(NULL) is a no-op; ownership is stated on every pointer.
 */
#ifndef KFERRY_KFERRY_H
#define KFERRY_KFERRY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define KF_VERSION_STR "0.1.0"
/* The newest wire protocol version spoken (docs/protocol.md): 2 added the
 * FILE frame; version 1 frames are still sent and understood. */
#define KF_PROTOCOL_VERSION 2

/* Error codes: always negative. One list, X(NAME, value, description),
 * makes both the enum and kf_strerror()'s strings (src/common/err.c). */
#define KF_ERRNO_MAP(X)                                                        \
	X(OK, 0, "success")                                                    \
	/* invalid argument or configuration */                                \
	X(EINVAL, -1, "invalid argument")                                      \
	X(ENOMEM, -2, "out of memory")                                         \
	/* local I/O error (errno in the message) */                           \
	X(EIO, -3, "I/O error")                                                \
	/* malformed or hostile wire data */                                   \
	X(EPROTO, -4, "malformed message")                                     \
	X(EVERSION, -5, "unsupported protocol version")                        \
	X(EHASH, -6, "hash mismatch")                                          \
	/* a size or count limit was exceeded */                               \
	X(ELIMIT, -7, "limit exceeded")                                        \
	/* unsafe or invalid path */                                           \
	X(EPATH, -8, "unsafe path")                                            \
	/* Kafka client or broker error */                                     \
	X(EKAFKA, -9, "Kafka error")                                           \
	/* target exists and policy forbids replacing it */                    \
	X(EEXIST, -10, "target exists")                                        \
	X(ECHANGED, -11, "source changed while being sent")                    \
	/* stopped by a signal or by the caller */                             \
	X(ESTOPPED, -12, "stopped")                                            \
	/* no space left on the destination */                                 \
	X(ENOSPC, -13, "no space left on device")                              \
	/* out of descriptors or similar: retry later */                       \
	X(ERESOURCE, -14, "out of file descriptors or other resources")        \
	/* cannot decrypt, bad signature or untrusted key */                   \
	X(ECRYPTO, -15, "cannot decrypt or authenticate")                      \
	/* TLS or SASL: the broker or its certificate refused */               \
	X(EAUTH, -16, "authentication failed (TLS or SASL)")                   \
	/* the broker's ACLs refuse an operation */                            \
	X(EACCESS, -17, "not authorized by the broker's ACLs")

#define KF__ERR_ENUM(name, value, desc) KF_##name = (value),
enum kf_err {
	KF_ERRNO_MAP(KF__ERR_ENUM)
	KF__ELAST = -18 /* one past the last: src/common/err.c asserts it */
};
#undef KF__ERR_ENUM

/* Returns a static description of a KF_E* code; never NULL. */
const char *kf_strerror(int err);

/* Writes s as a JSON string literal, quotes included: valid UTF-8 kept,
 * control characters and other bytes as \u00XX (paths are raw bytes). */
void kf_json_write_string(FILE *out, const char *s);

/* Returns the version string, e.g. "0.1.0". */
const char *kf_version(void);

/* ---------------------------------------------------------------------
 * Configuration: one table of keys (see docs/config.md).
 */
typedef struct kf_conf_s kf_conf_t;

/* Returns a configuration with every default set; caller owns it
 * (kf_conf_destroy). NULL only on out of memory. */
kf_conf_t *kf_conf_new(void);
void kf_conf_destroy(kf_conf_t *conf);

/* Sets one key ("chunk_size", "receive.dest", or "kafka.<librdkafka
 * property>"). Values are validated against the table (type, min, max). */
int kf_conf_set(kf_conf_t *conf, const char *key, const char *value,
		char *errstr, size_t errstr_size);

/* kf_conf_set for a value taken from a command line, which every local
 * user can read (ps, /proc/PID/cmdline): a secret key (sasl.password,
 * tls.key_password, kafka.sasl.password, ...) is refused (KF_EINVAL,
 * errstr says why) unless its value is a file:PATH or env:NAME
 * reference. */
int kf_conf_set_arg(kf_conf_t *conf, const char *key, const char *value,
		    char *errstr, size_t errstr_size);

/* Loads a kferry.conf file (INI style, docs/config.md). Errors name the
 * file, line and key. */
int kf_conf_load_file(kf_conf_t *conf, const char *path, char *errstr,
		      size_t errstr_size);

/* Formats of the configuration reference. */
enum kf_conf_doc {
	KF_CONF_DOC_TEXT = 0,	  /* `kferry help config` */
	KF_CONF_DOC_MARKDOWN = 1, /* docs/config.md */
	KF_CONF_DOC_MAN = 2	  /* the kferry.conf(5) manual page (roff) */
};

/* Writes the configuration reference (every key, type, default, range and
 * description) in the given format. */
void kf_conf_describe(FILE *out, enum kf_conf_doc format);

/* Applies conf's log_level and debug contexts to the process's logger
 * (stderr); json=1 writes JSON lines instead of text. */
int kf_log_init(const kf_conf_t *conf, int json, char *errstr,
		size_t errstr_size);

/* Writes a message for the user (a command's summary, error or usage) on
 * stderr, whatever the log level: printf-formatted, as it is in text mode;
 * with JSON logs, as one JSON log line (ctx "kferry", level "error" when
 * error is set, else "notice", msg without the trailing newline), so that
 * every line on stderr parses as JSON. */
void kf_log_user(int error, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* ---------------------------------------------------------------------
 * Sending.
 */
typedef struct kf_send_stats_s {
	uint64_t files_total; /* files discovered */
	uint64_t files_ok;    /* files whose every message was acknowledged */
	uint64_t files_failed;
	uint64_t bytes_total; /* sum of discovered file sizes */
	uint64_t bytes_sent;  /* raw file bytes acknowledged */
	uint64_t wire_bytes;  /* frame bytes acknowledged (after compression) */
	uint64_t messages;    /* messages acknowledged */
	double elapsed_s;
} kf_send_stats_t;

/* Called on the sending thread once per finished file (ok or failed). err is
 * 0 or a KF_E* code; msg explains a failure. relpath and srcpath are ""
 * for a failure met while walking the paths given (a path that does not
 * exist, a directory that cannot be read): msg then names the path. */
typedef void(kf_send_file_cb)(void *opaque, const char *relpath,
			      const char *srcpath, uint64_t size, int err,
			      const char *msg);
/* Called about every 200 ms with running totals (for progress bars). */
typedef void(kf_send_progress_cb)(void *opaque, const kf_send_stats_t *st);

/* Sends every file under each path (a file, or a directory tree whose
 * relative paths are kept, rooted at the directory's own name). Returns 0
 * only when every message of every file was acknowledged by the broker.
 * Blocks until done or stopped (kf_stop_request). */
int kf_send(const kf_conf_t *conf, const char *const *paths, size_t npaths,
	    kf_send_file_cb *file_cb, kf_send_progress_cb *progress_cb,
	    void *opaque, kf_send_stats_t *stats, char *errstr,
	    size_t errstr_size);

/* ---------------------------------------------------------------------
 * Receiving.
 */
typedef struct kf_recv_stats_s {
	uint64_t files_ok;	    /* renamed into place */
	uint64_t files_skipped;	    /* already present with the same hash */
	uint64_t files_quarantined; /* rejected: hash, limits, conflicts */
	uint64_t files_abandoned;   /* sender gave up or vanished */
	uint64_t bytes_written;
	uint64_t messages;
	uint64_t messages_rejected; /* not decodable, or orphaned */
	uint64_t chunks_repeated;   /* re-sent after a resume, dropped */
	uint64_t files_lost;	    /* data came after abandon_timeout or an
				       ABORT had dropped the transfer */
	uint64_t dead_letters;	    /* acknowledged by the dead-letter topic */
	uint64_t files_incomplete;  /* replay: cut by its start or end */
} kf_recv_stats_t;

/* Consumes the configured topic into receive.dest until stopped, or until
 * receive.idle_exit seconds pass with nothing in progress and nothing new.
 * Returns 0 on a clean stop. */
int kf_receive(const kf_conf_t *conf, kf_recv_stats_t *stats, char *errstr,
	       size_t errstr_size);

/* ---------------------------------------------------------------------
 * The database sink (docs/sink.md).
 */
typedef struct kf_sink_stats_s {
	uint64_t messages;     /* read from Kafka */
	uint64_t batches;      /* committed */
	uint64_t rows_written; /* inserted or upserted */
	uint64_t rows_deleted;
	uint64_t rows_refused; /* by the database or undecodable */
	uint64_t skipped;      /* tombstones, deletes without --delete */
	uint64_t collapsed;    /* replaced by a later event of their key */
	uint64_t dead_letters; /* acknowledged by sink.dead_letter_topic */
} kf_sink_stats_t;

/* Applies the configured topics (sink.* keys) to sink.db until stopped,
 * or idle for receive.idle_exit seconds. 0 on a clean stop. */
int kf_sink(const kf_conf_t *conf, kf_sink_stats_t *stats, char *errstr,
	    size_t errstr_size);

/* ---------------------------------------------------------------------
 * The PostgreSQL capture (docs/cdc.md).
 */
#define KF_CAPTURE_POSITION_MAX 256
typedef struct kf_capture_stats_s kf_capture_stats_t;
struct kf_capture_stats_s {
	uint64_t snapshot_rows; /* read by the snapshot */
	uint64_t events;	/* change events and tombstones produced */
	uint64_t source_txns;	/* source transactions streamed */
	uint64_t skipped_txns;	/* already in Kafka (a restart) */
	uint64_t kafka_txns;	/* Kafka transactions committed */
	uint64_t nulled;	/* values with no Connect value, as null */
	uint64_t lsn; /* PostgreSQL: the last LSN committed to Kafka */
	/* the last source position committed to Kafka, as text: the LSN
	 * (X/X) for PostgreSQL, the GTID position for MariaDB (cut with
	 * "..." when longer); empty before the first */
	char position[KF_CAPTURE_POSITION_MAX];
};

/* Captures capture.tables of capture.db into Kafka (capture.* keys)
 * until stopped (0), idle for capture.idle_exit seconds (0), or the end
 * of the snapshot with capture.snapshot = initial_only (0). */
int kf_capture(const kf_conf_t *conf, kf_capture_stats_t *stats, char *errstr,
	       size_t errstr_size);

/* Where kf_replay starts reading each partition. */
enum kf_replay_from {
	KF_REPLAY_FROM_BEGINNING = 1, /* the oldest message kept */
	KF_REPLAY_FROM_OFFSET,	      /* from = an offset, in every partition */
	KF_REPLAY_FROM_TIME	      /* from = ms since the epoch */
};

typedef struct kf_replay_opts_s {
	int from_kind;	   /* enum kf_replay_from */
	int64_t from;	   /* the offset or the time, per from_kind */
	int64_t to_offset; /* stop before this offset of each partition; -1:
			      at the end offsets seen when the replay starts */
} kf_replay_opts_t;

/* Re-delivers a range of the configured topic into receive.dest (to
 * rebuild a destination): reads every partition with assign(), never as a
 * member of receive.group and without committing offsets, from the start
 * position to the end offsets captured at start, through the receiver's
 * verification and placement (a file already present with the same hash
 * is left untouched; others follow receive.on_conflict); then returns.
 * Transfers cut by the start or end position are counted in
 * files_incomplete and logged. Returns 0 when the range was read (check
 * stats for failures), or a negative KF_E* code with errstr. */
int kf_replay(const kf_conf_t *conf, const kf_replay_opts_t *opts,
	      kf_recv_stats_t *stats, char *errstr, size_t errstr_size);
/* ---------------------------------------------------------------------
 * Loading record files (docs/records.md): one Kafka message per record,
 * one Kafka transaction per file.
 */

/* What the command line says beside the configuration; NULL / 0 members
 * leave the schema file's or the configuration's value. */
typedef struct kf_load_args_s {
	const char *schema;    /* the schema file (wins over load.schema);
				* with neither, each CSV file's is sniffed */
	const char *format;    /* csv, jsonl, fixed */
	const char *key;       /* key columns, "a,b" */
	const char *encoding;  /* UTF-8, CP949, ... */
	const char *delimiter; /* one byte, or "tab" */
	int no_header;	       /* the CSV has no header line */
	int force;	       /* load files the ledger has as done */
} kf_load_args_t;

/* The outcome of one file. */
typedef struct kf_load_file_s {
	const char *path;  /* as given */
	const char *state; /* "done", "skipped", "failed" */
	int err;	   /* 0, or the KF_E* code of a failed file */
	const char *error; /* why it failed; NULL otherwise */
	char load_id[33];  /* 32 hex ("" before the hash pass); skipped: the
			    * earlier load's */
	char hash[33];	   /* XXH3-128 of the content ("" if unread) */
	uint64_t size;
	/* rows_published is 0 for a failed file: its transaction aborted */
	uint64_t rows_read, rows_published, rows_rejected, rows_filtered;
	unsigned parts; /* transactions committed (1) */
} kf_load_file_t;

typedef struct kf_load_stats_s {
	uint64_t files_total, files_done, files_skipped, files_failed;
	uint64_t rows_read, rows_published, rows_rejected, rows_filtered;
	uint64_t bytes_total; /* sum of the files' sizes */
	double elapsed_s;
} kf_load_stats_t;

/* Called on the loading thread once per finished file; f and its strings
 * are valid during the call only. */
typedef void(kf_load_file_cb)(void *opaque, const kf_load_file_t *f);
/* Called about every 200 ms with running totals (for progress). */
typedef void(kf_load_progress_cb)(void *opaque, const kf_load_stats_t *st);

/* Loads each file (in the order given, load.max_files_parallel at a time)
 * into the configured topic, one transaction per file, skipping files the
 * load ledger has as done unless args->force. Returns 0 when every file
 * is done or skipped; KF_EINVAL for a bad configuration or schema;
 * KF_EKAFKA, KF_EAUTH, KF_EACCESS when Kafka refused; KF_ESTOPPED when
 * stopped (kf_stop_request); KF_EIO when some files failed. Blocks. */
int kf_load(const kf_conf_t *conf, const kf_load_args_t *args,
	    const char *const *paths, size_t npaths, kf_load_file_cb *file_cb,
	    kf_load_progress_cb *progress_cb, void *opaque,
	    kf_load_stats_t *stats, char *errstr, size_t errstr_size);

/* Writes to out the schema file that loading path without a schema would
 * use: its dialect, header and column types guessed from its first
 * load.sniff_bytes (CSV only), with args' overrides (docs/records.md 2.2).
 * Produces nothing. 0, or KF_EINVAL / KF_EIO with errstr. */
int kf_load_print_schema(const kf_conf_t *conf, const kf_load_args_t *args,
			 const char *path, FILE *out, char *errstr,
			 size_t errstr_size);

/* ---------------------------------------------------------------------
 * Keys for end-to-end encryption and signatures (docs/protocol.md
 * section 10).
 */

/* Generates a key pair of type "x25519" (encryption: receivers) or
 * "ed25519" (signatures: senders): the private key goes to path (PEM, mode
 * 0600) and the public key to path.pub (PEM). Never overwrites a file.
 * key_id (may be NULL) receives the key id in hex, as logs and quarantine
 * reasons name keys. */
int kf_keygen(const char *type, const char *path, char key_id[33], char *errstr,
	      size_t errstr_size);

/* Async-signal-safe: asks a running kf_send/kf_receive to stop cleanly,
 * and a running kf_watch to drain and return. */
void kf_stop_request(void);

/* ---------------------------------------------------------------------
 * Watching directories (docs/watch.md).
 */

/* Builds the configuration anew for a reload (kf_watch_reload_request):
 * returns a configuration the caller of kf_watch gives up (kf_watch
 * destroys it), or NULL with errstr set (the running one is kept). */
typedef kf_conf_t *(kf_watch_reload_cb)(void *opaque, char *errstr,
					size_t errstr_size);

/* Watches every route of conf (route.NAME.* keys) and sends each finished
 * file with the guarantees of kf_send, recording sent files in the ledger
 * of watch.state_dir. Runs until kf_stop_request(), then drains (up to
 * watch.drain_seconds) and returns 0. reload may be NULL. Returns a
 * negative KF_E* code with errstr if it cannot start. */
int kf_watch(const kf_conf_t *conf, kf_watch_reload_cb *reload, void *opaque,
	     char *errstr, size_t errstr_size);

/* Async-signal-safe: asks a running kf_watch to reload its routes. */
void kf_watch_reload_request(void);

#ifdef __cplusplus
}
#endif
#endif /* KFERRY_KFERRY_H */
