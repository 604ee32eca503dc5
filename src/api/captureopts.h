/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kf_capture() (include/kferry/kferry.h) turns its configuration into the
 * capture's options: the capture.* keys.
 */
#ifndef KF_API_CAPTUREOPTS_H
#define KF_API_CAPTUREOPTS_H

#include "capture/capture.h"
#include "config/conf.h"

/* Fills o from conf; strings are borrowed from conf. The password is
 * resolved into pw (file:/env:). o->registry, when set, is the caller's
 * (kf_registry_destroy). 0, or KF_EINVAL with errstr. */
int kf_api_capture_opts(const kf_conf_t *conf, kf_capture_opts_t *o, char *pw,
			size_t pw_size, char *errstr, size_t errstr_size);

#endif /* KF_API_CAPTUREOPTS_H */
