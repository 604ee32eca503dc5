/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The one-shot load: kf_load() (include/kferry/kferry.h) on the load
 * options that api/loadopts.c builds from the configuration: the files in
 * the order given, load.max_files_parallel at a time, each in its own
 * transaction (load/loader.h).
 *
 * @locality the calling thread, which runs the loop until every file is
 * done, skipped or failed.
 */
#ifndef KF_LOAD_LOAD_H
#define KF_LOAD_LOAD_H

#include "load/loader.h"

/* conf gives the worker pool's size and the metrics settings; it and the
 * strings of opts must outlive the call. Returns 0 when every file is done
 * or skipped; the first Kafka refusal (KF_EAUTH, KF_EACCESS, KF_EKAFKA)
 * met; KF_ESTOPPED when stopped; KF_EIO when files failed otherwise. */
int kf_load_run(const kf_conf_t *conf, const kf_load_opts_t *opts,
		const char *const *paths, size_t npaths,
		kf_load_file_cb *file_cb, kf_load_progress_cb *progress_cb,
		void *opaque, kf_load_stats_t *stats, char *errstr,
		size_t errstr_size);

#endif /* KF_LOAD_LOAD_H */
