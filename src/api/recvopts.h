/* SPDX-License-Identifier: Apache-2.0 */
/*
 * From a configuration to the receiving side: the public entry points
 * kf_receive() and kf_replay() (include/kferry/kferry.h) turn their
 * kf_conf_t into the file sink's and the consumer engine's options here,
 * the one place that knows which keys they read (receive.*, the topic,
 * the Kafka connection), then run the sink on them.
 *
 * @locality any thread.
 */
#ifndef KF_API_RECVOPTS_H
#define KF_API_RECVOPTS_H

#include "config/conf.h"
#include "recv/receiver.h"

/* Fills o from conf (no range: the group feed). The strings in o are
 * conf's: conf must outlive what is made from o. */
void kf_api_recv_opts(const kf_conf_t *conf, kf_recv_opts_t *o);

#endif /* KF_API_RECVOPTS_H */
