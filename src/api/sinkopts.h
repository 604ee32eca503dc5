/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kf_sink() (include/kferry/kferry.h) turns its configuration into the
 * database sink's options: the sink.* keys, and the consumer's from the
 * receive keys it shares (receive.group, receive.idle_exit).
 */
#ifndef KF_API_SINKOPTS_H
#define KF_API_SINKOPTS_H

#include "config/conf.h"
#include "sink/sink.h"

/* Fills o from conf; strings are borrowed from conf. The password is
 * resolved into pw (file:/env:). 0, or KF_EINVAL with errstr. */
int kf_api_sink_opts(const kf_conf_t *conf, kf_sink_opts_t *o, char *pw,
		     size_t pw_size, char *errstr, size_t errstr_size);

#endif /* KF_API_SINKOPTS_H */
