/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The one-shot send: kf_send() (include/kferry/kferry.h) on the sender
 * options that api/sendopts.c builds from the configuration.
 *
 * @locality the calling thread, which runs the engine's loop until every
 * file is sent or failed.
 */
#ifndef KF_SEND_SEND_H
#define KF_SEND_SEND_H

#include "config/conf.h"
#include "send/sender.h"

/* kf_send() with the sender engine built from opts; conf gives the worker
 * pool's size and the metrics and audit settings (kf_probe_start). conf
 * and the strings of opts must outlive the call. */
int kf_send_run(const kf_conf_t *conf, const kf_send_opts_t *opts,
		const char *const *paths, size_t npaths,
		kf_send_file_cb *file_cb, kf_send_progress_cb *progress_cb,
		void *opaque, kf_send_stats_t *stats, char *errstr,
		size_t errstr_size);

#endif /* KF_SEND_SEND_H */
