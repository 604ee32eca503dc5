/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kf_mdbcapture_run(): a MariaDB server's changes into Kafka as
 * Debezium's MariaDB events, exactly once (docs/cdc.md 10): the
 * snapshot, then the binlog from a GTID position, in Kafka transactions
 * that also hold the offsets record of 10.5 (the only state: a restart
 * dumps from its position).
 *
 * @locality the calling thread, which it keeps until the end
 */
#ifndef KF_CAPTURE_MDBCAPTURE_H
#define KF_CAPTURE_MDBCAPTURE_H

#include "capture/capture.h"

/* As kf_capture_run, for a mariadb:// or mysql:// o->db. */
int kf_mdbcapture_run(const kf_capture_opts_t *o, kf_capture_stats_t *st,
		      char *errstr, size_t errstr_size);

#endif /* KF_CAPTURE_MDBCAPTURE_H */
