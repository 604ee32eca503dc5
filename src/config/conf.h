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

#include "kferry/kferry.h"

enum kf_conflict_policy {
	KF_CONFLICT_FAIL = 0,  /* quarantine the incoming file, keep the old */
	KF_CONFLICT_OVERWRITE, /* replace the existing file atomically */
	KF_CONFLICT_RENAME     /* keep both: the new one gets a suffix */
};

enum kf_codec_id { KF_CODEC_NONE = 0, KF_CODEC_ZSTD = 1 };

/* How the watch daemon decides that a file in a route is finished. */
enum kf_finished_mode {
	KF_FINISHED_STABLE = 0, /* size and mtime unchanged for N seconds */
	KF_FINISHED_MARKER,     /* a trigger file NAME<suffix> appeared */
	KF_FINISHED_RENAME      /* renamed in: temp suffixes are ignored */
};

/* One watched directory, from the keys "route.NAME.KEY" ([route.NAME]).
 * Values are kept as written; src/watch/route.c compiles them. */
struct kf_conf_route {
	char *name;            /* owned; NAME */
	char *dir;             /* owned; required */
	char *topic;           /* owned; NULL: the top-level topic */
	char *include;         /* owned; comma-separated globs, NULL: all */
	char *exclude;         /* owned; comma-separated globs or NULL */
	int recursive;
	int finished;          /* enum kf_finished_mode */
	int stable_seconds;
	char *marker_suffixes; /* owned; comma-separated */
	char *temp_suffixes;   /* owned; comma-separated */
	char *after;           /* owned; delete, keep or move:DIR */
	char *error_dir;       /* owned; NULL: DIR/.kferry/error */
	int retries;
	int retry_backoff_s;
};

/* One librdkafka property passed through unchanged ("kafka.X" or -X). */
struct kf_conf_prop {
	char *name;  /* owned */
	char *value; /* owned */
};

struct kf_conf_s {
	/* common */
	char *bootstrap;        /* owned; "host:port[,host:port]" */
	char *topic;            /* owned */
	uint64_t chunk_size;    /* bytes */
	int codec;              /* enum kf_codec_id */
	int codec_level;        /* zstd level when codec is zstd */
	int log_level;          /* LOG_ERR..LOG_DEBUG (syslog numbering) */
	char *debug;            /* owned; comma list of debug contexts or NULL */
	int workers;            /* worker threads; 0 = number of CPUs */

	/* send */
	uint64_t send_max_inflight_bytes; /* raw bytes read but not acked */
	int send_max_inflight_files;
	int send_linger_ms;
	int send_delivery_timeout_ms;

	/* receive */
	char *dest;             /* owned */
	char *group;            /* owned */
	int on_conflict;        /* enum kf_conflict_policy */
	int abandon_timeout_s;
	uint64_t max_file_size;
	int max_open_transfers;
	uint64_t recv_max_inflight_bytes; /* frames handed to workers */
	int idle_exit_s;        /* 0 = run until stopped */
	int fsync;              /* 1 = fsync files and directories */
	char *dead_letter_topic; /* owned; NULL or "" = no dead letters */

	/* watch */
	char *state_dir;        /* owned */
	int rescan_s;
	int watch_max_inflight_files;
	int drain_s;
	int resume_window_s;    /* 0 = always send from the start */
	struct kf_conf_route *routes; /* owned array, in order of first key */
	size_t nroutes;

	/* observability (docs/metrics.md) */
	char *metrics_addr;     /* owned; HOST:PORT or NULL/empty: off */
	int stats_interval_ms;  /* librdkafka statistics, with metrics on */
	char *audit_topic;      /* owned; NULL/empty: no audit trail */

	/* librdkafka pass-through, in the order given */
	struct kf_conf_prop *props; /* owned array */
	size_t nprops;
};

/* Parses a size such as "1048576", "1M", "1MiB", "64k" into bytes. */
int kf_conf_parse_size(const char *s, uint64_t *out);

#endif /* KF_CONFIG_CONF_H */
