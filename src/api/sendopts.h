/* SPDX-License-Identifier: Apache-2.0 */
/*
 * From a configuration to the engines: the public entry points kf_send()
 * and kf_watch() (include/kferry/kferry.h) turn their kf_conf_t into the
 * sending engine's options here, the one place that knows which keys the
 * sender reads (send.*, the chunking and codec keys, the topic, the Kafka
 * connection), then run the engine on them.
 *
 * @locality any thread.
 */
#ifndef KF_API_SENDOPTS_H
#define KF_API_SENDOPTS_H

#include "config/conf.h"
#include "send/sender.h"

/* Fills o from conf. The strings in o are conf's: conf must outlive the
 * sender made from o. */
void kf_api_send_opts(const kf_conf_t *conf, kf_send_opts_t *o);

#endif /* KF_API_SENDOPTS_H */
