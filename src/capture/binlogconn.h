/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The binlog stream of a MariaDB server (docs/cdc.md 10.1, 10.3): the
 * checks of the server's settings and the user's grants with what to set,
 * then a binlog dump from a GTID position through Connector/C's
 * replication API, each event decoded by capture/binlog.
 *
 * The server sends a heartbeat event after heartbeat_ms without one, so
 * that kf_blc_next returns at least that often on an idle server (the
 * capture's batching deadlines and stop flag are served between events).
 *
 * @locality the capture thread (every call blocks on the server)
 */
#ifndef KF_CAPTURE_BINLOGCONN_H
#define KF_CAPTURE_BINLOGCONN_H

#include <stdint.h>

#include "capture/binlog.h"
#include "capture/gtid.h"
#include "db/conn.h"

/* log_bin, binlog_format ROW, binlog_row_image FULL, binlog_row_metadata
 * FULL, log_bin_compress OFF, and REPLICATION SLAVE and BINLOG MONITOR
 * (or REPLICATION CLIENT) on *.* for the current user: 0, or KF_EINVAL
 * with errstr naming the setting or the GRANT to run; KF_EIO when the
 * server could not be asked. */
int kf_blc_preflight(kf_db_t *db, char *errstr, size_t errstr_size);

/* Starts on db the consistent snapshot of docs/cdc.md 10.6 (REPEATABLE
 * READ, START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY; no lock)
 * and gives the binlog's point of exactly that snapshot: the file and
 * offset (Binlog_snapshot_file/position) and the GTID position there
 * (BINLOG_GTID_POS). The snapshot's reads then run on db until it
 * commits. 0, or KF_EIO (the server's error), KF_EPROTO (an answer that
 * is not a position), with errstr. */
int kf_blc_snapshot(kf_db_t *db, kf_gtid_pos_t *at, char *file,
		    size_t file_size, uint64_t *offset, char *errstr,
		    size_t errstr_size);

typedef struct kf_blc_s kf_blc_t;

/* Dumps the binlog of db's server after GTID position from (empty: the
 * binlog's beginning) as replica server_id. db is taken (closed by
 * kf_blc_close, also on failure): a dump connection serves nothing
 * else. 0 with *out, or KF_EIO, KF_ENOMEM, with errstr. A position the
 * server does not have is its first kf_blc_next's KF_EINVAL. */
int kf_blc_open(kf_db_t *db, const kf_gtid_pos_t *from, uint32_t server_id,
		uint32_t heartbeat_ms, kf_blc_t **out, char *errstr,
		size_t errstr_size);

/* The next event into ev (its pointers are valid until the next call).
 * 0, or KF_EIO (the connection is lost or the server refused: errstr has
 * its message), KF_EPROTO (a malformed event). */
int kf_blc_next(kf_blc_t *c, kf_bl_event_t *ev, char *errstr,
		size_t errstr_size);

/* NULL is a no-op. */
void kf_blc_close(kf_blc_t *c);

#endif /* KF_CAPTURE_BINLOGCONN_H */
