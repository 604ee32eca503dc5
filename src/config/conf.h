/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Configuration internals: the one table of keys.
 *
 * Every key has a name, a type, a default, a range and a description
 * (src/config/conf.c). Validation, `kferry help config` and docs/config.md
 * are all produced from that table.
 *
 * @locality any thread; a kf_conf_t is read-only once a command starts.
 */
#ifndef KF_CONFIG_CONF_H
#define KF_CONFIG_CONF_H

#include <stddef.h>
#include <stdint.h>

#include "core/codec.h"
#include "kferry/kferry.h"

/* How the Kafka clients reach the brokers (src/kafka/security.c). */
enum kf_security_protocol {
	KF_SECURITY_AUTO = 0, /* ssl if tls.* is set, sasl_ssl with sasl.* */
	KF_SECURITY_PLAINTEXT,
	KF_SECURITY_SSL,
	KF_SECURITY_SASL_SSL,
	KF_SECURITY_SASL_PLAINTEXT
};

enum kf_sasl_mechanism {
	KF_SASL_SCRAM_SHA_512 = 0,
	KF_SASL_SCRAM_SHA_256,
	KF_SASL_PLAIN
};

/* How the watch daemon decides that a file in a route is finished. */
enum kf_finished_mode {
	KF_FINISHED_STABLE = 0, /* size and mtime unchanged for N seconds */
	KF_FINISHED_MARKER,	/* a trigger file NAME<suffix> appeared */
	KF_FINISHED_RENAME	/* renamed in: temp suffixes are ignored */
};

/* One watched directory, from the keys "route.NAME.KEY" ([route.NAME]).
 * Values are kept as written; src/watch/route.c compiles them. */
/* What a route does with its finished files. */
enum kf_route_kind {
	KF_ROUTE_FILES = 0, /* sends them (chunks, manifests) */
	KF_ROUTE_RECORDS    /* loads them as records (kferry load) */
};

struct kf_conf_route {
	char *name;    /* owned; NAME */
	char *dir;     /* owned; required */
	char *topic;   /* owned; NULL: the top-level topic */
	char *include; /* owned; comma-separated globs, NULL: all */
	char *exclude; /* owned; comma-separated globs or NULL */
	int recursive;
	int finished; /* enum kf_finished_mode */
	int stable_seconds;
	char *marker_suffixes; /* owned; comma-separated */
	char *temp_suffixes;   /* owned; comma-separated */
	char *after;	       /* owned; delete, keep or move:DIR */
	char *error_dir;       /* owned; NULL: DIR/.kferry/error */
	int retries;
	int retry_backoff_s;
	char *encrypt_recipients; /* owned; NULL: send.encrypt_recipients */
	char *sign_key;		  /* owned; NULL: send.sign_key */
	int kind;		  /* enum kf_route_kind */
	/* kind = records (docs/records.md 4.3); NULL: the load.* key */
	char *schema;		 /* owned; required for records */
	char *ledger_topic;	 /* owned */
	char *dead_letter_topic; /* owned */
	char *max_rejects;	 /* owned */
};

/* One librdkafka property passed through unchanged ("kafka.X" or -X). */
struct kf_conf_prop {
	char *name;  /* owned */
	char *value; /* owned */
};

struct kf_conf_s {
	/* common */
	char *bootstrap;       /* owned; "host:port[,host:port]" */
	char *topic;	       /* owned */
	uint64_t chunk_size;   /* bytes */
	int codec;	       /* enum kf_codec_id */
	int codec_level;       /* zstd level when codec is zstd */
	int log_level;	       /* LOG_ERR..LOG_DEBUG (syslog numbering) */
	char *debug;	       /* owned; comma list of debug contexts or NULL */
	int workers;	       /* worker threads; 0 = number of CPUs */
	int connect_timeout_s; /* 0 = wait for a broker without limit */

	/* send */
	uint64_t send_max_inflight_bytes; /* raw bytes read but not acked */
	int send_max_inflight_files;
	int send_file_frames; /* FILE frames for small files */
	int send_linger_ms;
	uint64_t send_batch_max_bytes; /* 0: one frame per record batch */
	int send_delivery_timeout_ms;
	char *encrypt_recipients; /* owned; comma list of PEM files or NULL */
	char *sign_key;		  /* owned; PEM file or NULL */

	/* receive */
	char *dest;	 /* owned */
	char *group;	 /* owned */
	int on_conflict; /* enum kf_conflict_policy (recv/assembler.h) */
	int abandon_timeout_s;
	uint64_t max_file_size;
	int max_open_transfers;
	uint64_t recv_max_inflight_bytes; /* frames handed to workers */
	int idle_exit_s;		  /* 0 = run until stopped */
	int fsync;			  /* 1 = fsync files and directories */
	char *recv_umask;	  /* owned; octal, checked by the table */
	char *dead_letter_topic;  /* owned; NULL or "" = no dead letters */
	int quarantine_max;	  /* transfers kept in quarantine; 0 = all */
	int quarantine_max_age_s; /* 0 = kept for ever */
	char *decrypt_keys;	  /* owned; comma list of PEM files or NULL */
	char *trusted_signers;	  /* owned; comma list of PEM files or NULL */

	/* security (docs/security.md) */
	int security_protocol;	/* enum kf_security_protocol */
	char *tls_ca;		/* owned; PEM file or NULL: system CAs */
	char *tls_cert;		/* owned; client certificate (mutual TLS) */
	char *tls_key;		/* owned; its private key */
	char *tls_key_password; /* owned; secret: inline, file:PATH, env:NAME */
	int tls_verify_hostname;
	char *tls_ciphersuites; /* owned; TLS 1.3 suites offered, or NULL */
	int sasl_mechanism;	/* enum kf_sasl_mechanism */
	char *sasl_username;	/* owned */
	char *sasl_password;	/* owned; secret: inline, file:PATH, env:NAME */

	/* watch */
	char *state_dir; /* owned */
	int rescan_s;
	int watch_max_inflight_files;
	int drain_s;
	int resume_window_s;	      /* 0 = always send from the start */
	struct kf_conf_route *routes; /* owned array, in order of first key */
	size_t nroutes;

	/* sink (docs/sink.md) */
	char *sink_db;		 /* owned; the database URL */
	char *sink_db_password;	 /* owned; secret: file:PATH, env:NAME */
	char *sink_table;	 /* owned; NULL: sink_table_format */
	char *sink_table_format; /* owned */
	int sink_mode;		 /* 0 by kind, 1 insert, 2 upsert */
	char *sink_key;		 /* owned; "a,b" or NULL */
	int sink_create_table, sink_evolve, sink_delete, sink_truncate;
	char *sink_offsets_table; /* owned */
	char *sink_ledger_topic;  /* owned; NULL or "": no reconciliation */
	char *sink_loads_table;	  /* owned */
	int sink_start;		  /* 0 earliest, 1 latest */
	int sink_batch_rows, sink_batch_ms, sink_batch_eager, sink_connections;
	uint64_t sink_batch_bytes, sink_max_inflight_bytes;
	char *sink_dead_letter_topic; /* owned; NULL or "": none */
	int sink_errors;	      /* 0 dead_letter, 1 fail */
	int sink_mariadb_load_data;

	/* capture (docs/cdc.md) */
	char *capture_db;	     /* owned; the source database URL */
	char *capture_db_password;   /* owned; secret: file:PATH, env:NAME */
	char *capture_tables;	     /* owned; "schema.table,..." */
	char *capture_topic_prefix;  /* owned; NULL/empty: the db's name */
	char *capture_slot;	     /* owned; NULL/empty: kferry_<db> */
	char *capture_publication;   /* owned; NULL/empty: <slot>_pub */
	int capture_server_id;	     /* MariaDB; 0: from the slot's name */
	int capture_snapshot;	     /* 0 initial, 1 never, 2 initial_only */
	char *capture_offsets_topic; /* owned */
	int capture_snapshot_chunk_rows, capture_batch_ms;
	uint64_t capture_batch_bytes, capture_lag_warn_bytes;
	int capture_status_interval_ms, capture_idle_exit;
	int capture_value_format; /* 0 json, 1 avro, 2 json-schema */
	int capture_key_format;	  /* the same, or KF_CONF_KEY_FORMAT_VALUE */

	/* observability (docs/metrics.md) */
	char *metrics_addr;    /* owned; HOST:PORT or NULL/empty: off */
	int stats_interval_ms; /* librdkafka statistics, with metrics on */
	char *audit_topic;     /* owned; NULL/empty: no audit trail */

	/* load (docs/records.md 4.2) */
	char *load_schema;	      /* owned; NULL: none */
	char *load_ledger_topic;      /* owned */
	char *load_dead_letter_topic; /* owned; NULL/empty: none */
	char *load_max_rejects;	      /* owned; "N" or "P%", checked */
	int load_reject_sample;
	char *load_txn_id_prefix; /* owned */
	int load_transaction_timeout_s;
	int load_max_files_parallel;
	int load_decimal_numeric; /* load.decimal_format = numeric */
	char *load_mask_salt;	  /* owned; secret: inline, file:, env: */
	char *load_mask_text;	  /* owned */
	uint64_t load_max_inflight_bytes;
	uint64_t load_txn_max_bytes;
	int load_linger_ms;
	int load_compression; /* enum kf_load_compression */
	uint64_t load_sniff_bytes;
	int load_value_format; /* 0 json, 1 avro, 2 json-schema */
	int load_key_format;   /* the same, or KF_CONF_KEY_FORMAT_VALUE */

	/* schema.registry.* (docs/schemas.md 2) */
	char *registry_url;	      /* owned; NULL/empty: none */
	char *registry_username;      /* owned */
	char *registry_password;      /* owned; secret: inline, file:, env: */
	char *registry_ca_location;   /* owned */
	char *registry_cert_location; /* owned; client certificate (PEM) */
	char *registry_key_location;  /* owned; its private key (PEM) */
	char *registry_key_password;  /* owned; secret: inline, file:, env: */
	int registry_timeout_ms;
	int registry_record_subjects; /* subject_strategy = record */
	char *registry_compatibility; /* owned */

	/* librdkafka pass-through, in the order given */
	struct kf_conf_prop *props; /* owned array */
	size_t nprops;
};

/* load.key_format = value: the key in the value's format */
#define KF_CONF_KEY_FORMAT_VALUE 3

/* load.compression, as librdkafka's compression.type names them
 * (kf_conf_load_compression). */
enum kf_load_compression {
	KF_LOAD_COMPRESSION_NONE,
	KF_LOAD_COMPRESSION_GZIP,
	KF_LOAD_COMPRESSION_SNAPPY,
	KF_LOAD_COMPRESSION_LZ4,
	KF_LOAD_COMPRESSION_ZSTD
};

/* The compression.type word of load.compression. */
const char *kf_conf_load_compression(int value);

/* Parses load.max_rejects ("N" rows or "P%" of the rows read, P 0 ..
 * 100) into *n and *percent. 0, or KF_EINVAL with errstr. */
int kf_conf_parse_rejects(const char *s, uint64_t *n, int *percent,
			  char *errstr, size_t errstr_size);

/* 1 if key (a full name such as "sasl.password" or "kafka.ssl.key.password")
 * holds a secret. */
int kf_conf_is_secret(const char *key);
/* 1 if a secret's value is a reference (file:PATH or env:NAME) rather than
 * the secret itself. */
int kf_conf_secret_is_ref(const char *value);

/* Parses a size such as "1048576", "1M", "1MiB", "64k" into bytes. */
int kf_conf_parse_size(const char *s, uint64_t *out);

#endif /* KF_CONFIG_CONF_H */
