/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The receiver engine behind kf_receive() and kf_replay().
 */
#ifndef KF_RECV_RECEIVER_H
#define KF_RECV_RECEIVER_H

#include "kferry/kferry.h"

/* Runs the engine: with replay NULL, as kf_receive (consumer group,
 * commits, dead letters); with replay set, over the range it names
 * (assign(), no commits, no dead letters; kf_replay_plan_assign). */
int kf__receive_run(const kf_conf_t *conf, const kf_replay_opts_t *replay,
		    kf_recv_stats_t *stats, char *errstr, size_t errstr_size);

#endif /* KF_RECV_RECEIVER_H */
