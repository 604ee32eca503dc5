/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The sender ledger: which files the watch daemon has sent, so that a
 * restart does not send them again. An append-only text log in the state
 * directory, versioned, one checksummed record a line; a torn or damaged
 * line is ignored. Compacted at start. Format: docs/watch.md.
 *
 * @locality kf_ledger_open/close: the thread that starts the daemon,
 * before or after its loop runs. kf_ledger_append: worker threads (it
 * fdatasyncs); appends are serialised by the ledger's mutex, and appends
 * that arrive together share one fdatasync (group commit).
 */
#ifndef KF_WATCH_LEDGER_H
#define KF_WATCH_LEDGER_H

#include <stddef.h>
#include <stdint.h>

#define KF_LEDGER_VERSION 1
#define KF_LEDGER_FILE "ledger.log"
/* The longest record line: a 4096-byte path escaped three bytes for one. */
#define KF_LEDGER_LINE_MAX (3 * 4096 + 512)

/* What a record says of its file (the newest record of a path wins). */
enum kf_ledger_kind {
	KF_LEDGER_SENT = 'S', /* sent and acknowledged (0 means this too) */
	KF_LEDGER_PROGRESS =
		'P',	     /* a checkpoint: xid, next_index, chunk_size */
	KF_LEDGER_VOID = 'X' /* the transfer failed: no checkpoint holds */
};

struct kf_ledger_rec {
	int kind;	   /* enum kf_ledger_kind */
	const char *route; /* route name: letters, digits, '.', '_', '-' */
	const char *rel;   /* path relative to the route's directory */
	uint64_t size;
	int64_t mtime_ns;
	uint64_t ino;
	int64_t sent_s; /* when it was acknowledged, seconds since epoch */
	/* KF_LEDGER_PROGRESS only: the transfer and its acknowledged prefix */
	uint8_t xid[16];
	uint64_t next_index;
	uint32_t chunk_size;
};

typedef struct kf_ledger_s kf_ledger_t;

/* Formats rec as one line ending in '\n' into buf. Returns its length, or
 * KF_ELIMIT if it does not fit. */
long kf_ledger_format(const struct kf_ledger_rec *rec, char *buf, size_t cap);

/* Parses one line (without its '\n') in place: rec's strings point into
 * line, whose escapes are decoded. Returns 0, or KF_EPROTO for a line that
 * is damaged (checksum, fields). */
int kf_ledger_parse(char *line, struct kf_ledger_rec *rec);

/* Called at compaction for each route and path's newest record: return 1
 * to keep it (the file is still there, unchanged), 0 to drop it. */
typedef int(kf_ledger_keep_cb)(void *opaque, const struct kf_ledger_rec *rec);
/* Called for every record kept. */
typedef void(kf_ledger_each_cb)(void *opaque, const struct kf_ledger_rec *rec);

/* Opens (creating dir and the ledger if missing) and locks the ledger of
 * state directory dir, compacts it (newest record per route and path,
 * filtered by keep, NULL keeps all), calls each for the records kept, and
 * leaves it open for appends. Caller owns it (kf_ledger_close). */
kf_ledger_t *kf_ledger_open(const char *dir, kf_ledger_keep_cb *keep,
			    kf_ledger_each_cb *each, void *opaque, char *errstr,
			    size_t errstr_size);

/* Appends rec and fdatasyncs. Returns 0 or a KF_E* code with errstr. */
int kf_ledger_append(kf_ledger_t *l, const struct kf_ledger_rec *rec,
		     char *errstr, size_t errstr_size);

/* Closes and unlocks; NULL is a no-op. */
void kf_ledger_close(kf_ledger_t *l);

#endif /* KF_WATCH_LEDGER_H */
