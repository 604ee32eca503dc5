/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A route: one watched directory and what to do with its files, compiled
 * from a [route.NAME] section (struct kf_conf_route): glob lists split,
 * the after-send action parsed, defaults resolved.
 *
 * Routes are refcounted, because a reload may replace a route while a
 * directory scan or an after-send job still reads the old one.
 *
 * @locality kf_route_new/ref/unref on the loop thread; the matching
 * functions are pure and run on any thread (scans run in workers).
 */
#ifndef KF_WATCH_ROUTE_H
#define KF_WATCH_ROUTE_H

#include <stddef.h>

#include "config/conf.h"
#include "record/schema.h"

enum kf_after_kind {
	KF_AFTER_DELETE = 0,
	KF_AFTER_MOVE,
	KF_AFTER_KEEP
};

struct kf_strlist {
	char **v; /* owned strings */
	size_t n;
};

typedef struct kf_route_s {
	int refs;
	char *name, *dir, *topic, *error_dir; /* owned */
	int after;			      /* enum kf_after_kind */
	char *move_tmpl; /* owned; KF_AFTER_MOVE: DIR with strftime fields */
	int recursive, finished, stable_s, retries, backoff_s;
	struct kf_strlist include, exclude, markers, temps;
	/* owned; section 10 keys of the route, NULL: the send.* keys */
	char *encrypt_recipients, *sign_key;
	/* kind = records (docs/records.md 4.3) */
	int kind;	     /* enum kf_route_kind */
	kf_schema_t *schema; /* owned; prepared; the files' schema */
	char *ledger_topic, *dead_letter_topic; /* owned; NULL: load.* */
	int has_rejects;			/* max_rejects given */
	uint64_t max_rejects;
	int max_rejects_pct;
	/* owned; every setting (and the schema file's hash), to tell a
	 * changed route on reload */
	char *sig;
} kf_route_t;

/* Compiles rc; topic defaults to default_topic. A records route reads and
 * prepares its schema file here (a small file, read where the
 * configuration is). Returns a route with one reference (the caller's),
 * or NULL with errstr naming the route and key. */
kf_route_t *kf_route_new(const struct kf_conf_route *rc,
			 const char *default_topic, char *errstr,
			 size_t errstr_size);
kf_route_t *kf_route_ref(kf_route_t *r);
/* Drops a reference; the last one frees. NULL is a no-op. */
void kf_route_unref(kf_route_t *r);

/* Splits a comma-separated list (spaces around items trimmed, empty items
 * dropped) into out. Returns 0 or KF_ENOMEM. */
int kf_strlist_split(const char *s, struct kf_strlist *out);
void kf_strlist_free(struct kf_strlist *l);

/* 1 if rel (a path relative to the route's dir) is a file the route may
 * send: not a temp file, not a marker (in marker mode), matched by include
 * (if any) and by no exclude. A pattern with a '/' is matched against the
 * whole relative path, one without against the file name. */
int kf_route_wants(const kf_route_t *r, const char *rel);

/* 1 if rel ends with one of the route's marker suffixes (marker mode). */
int kf_route_is_marker(const kf_route_t *r, const char *rel);

/* Is a file finished? stable_for: seconds its size and mtime have been
 * seen unchanged; has_marker: a trigger file exists. Pure. */
int kf_route_finished(const kf_route_t *r, double stable_for, int has_marker);

/* Seconds to wait before attempt number `attempt` (1 = first retry):
 * backoff doubling, capped at one hour. Pure. */
double kf_route_backoff(const kf_route_t *r, int attempt);

#endif /* KF_WATCH_ROUTE_H */
