/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The logical replication connection of the capture (libpq,
 * replication=database): IDENTIFY_SYSTEM, the slot's creation (with an
 * exported snapshot) and START_REPLICATION with pgoutput, then the
 * stream's CopyData frames (XLogData, keepalives) and the standby status
 * updates that move the slot.
 *
 * Frames are hostile input: their lengths are checked before use.
 *
 * @locality the capture thread (kf_repl_next waits up to its timeout)
 */
#ifndef KF_CAPTURE_REPLCONN_H
#define KF_CAPTURE_REPLCONN_H

#include <stddef.h>
#include <stdint.h>

typedef struct kf_repl_s kf_repl_t;

/* Server identity (IDENTIFY_SYSTEM). */
typedef struct kf_repl_ident_s {
	char system_id[32], db[64];
	int timeline;
	uint64_t xlogpos;
} kf_repl_ident_t;

/* One frame of the stream. */
typedef struct kf_repl_frame_s {
	char kind;	     /* 'w' XLogData, 'k' keepalive */
	uint64_t start;	     /* w: the WAL position of data */
	uint64_t wal_end;    /* the server's end of WAL */
	int reply;	     /* k: the server asks for a status update now */
	const uint8_t *data; /* w: the pgoutput message, until the next call */
	size_t len;
} kf_repl_frame_t;

/* Connects to url (as kf_db_open takes it; the URL was checked there)
 * with replication=database, the session in UTC and ISO dates so that
 * pgoutput's values are the texts docs/cdc.md 4 reads, and identifies
 * the server. 0 with *out (kf_repl_close), or KF_EAUTH (refused: the
 * role's REPLICATION right or pg_hba.conf, named), KF_EIO. */
int kf_repl_open(const char *url, const char *password, kf_repl_t **out,
		 kf_repl_ident_t *id, char *errstr, size_t errstr_size);
void kf_repl_close(kf_repl_t *r);

/* CREATE_REPLICATION_SLOT slot LOGICAL pgoutput, exporting a snapshot
 * (its name into snap, valid until the next command on r) or not
 * (snap NULL). *consistent: the slot's consistent point. */
int kf_repl_create_slot(kf_repl_t *r, const char *slot, uint64_t *consistent,
			char *snap, size_t snap_size, char *errstr,
			size_t errstr_size);

/* START_REPLICATION SLOT slot LOGICAL lsn with pgoutput protocol 1 and
 * the publication. slot and publication are [a-z0-9_] names. */
int kf_repl_start(kf_repl_t *r, const char *slot, uint64_t lsn,
		  const char *publication, char *errstr, size_t errstr_size);

/* Waits up to timeout_ms for the next frame: 1 with *f, 0 when none came,
 * KF_EIO (the connection or the stream ended: errstr has the server's
 * word), KF_EPROTO (a malformed frame). */
int kf_repl_next(kf_repl_t *r, int timeout_ms, kf_repl_frame_t *f, char *errstr,
		 size_t errstr_size);

/* A standby status update: written and flushed (the slot's confirmed
 * position moves to flushed). */
int kf_repl_status(kf_repl_t *r, uint64_t written, uint64_t flushed,
		   char *errstr, size_t errstr_size);

#endif /* KF_CAPTURE_REPLCONN_H */
