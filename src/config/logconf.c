/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kf_log_init: the logger set up from a configuration. It lives with the
 * configuration, not the logger, because common/ knows nothing above it
 * (docs/architecture.md, dependency rules): the logger takes plain values
 * (kf_log_setup) and this is the one place that reads them out of a
 * kf_conf_t.
 *
 * @locality any thread, before the engines start.
 */
#include "common/log.h"
#include "config/conf.h"

int kf_log_init(const kf_conf_t *conf, int json, char *errstr,
		size_t errstr_size)
{
	return kf_log_setup(conf->log_level, conf->debug, json, errstr,
			    errstr_size);
}
