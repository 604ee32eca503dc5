/* SPDX-License-Identifier: Apache-2.0 */
/*
 * From a configuration to the load engine: kf_load() (include/kferry/
 * kferry.h) turns its kf_conf_t and the command line's kf_load_args_t into
 * the loader's options here, the one place that knows which keys a load
 * reads (load.*, the topic, the Kafka connection), loads and prepares the
 * schema, then runs the engine on them.
 *
 * @locality any thread.
 */
#ifndef KF_API_LOADOPTS_H
#define KF_API_LOADOPTS_H

#include "config/conf.h"
#include "load/loader.h"

/* What the options point to beside conf. */
typedef struct kf_api_load_s {
	kf_load_opts_t o;
	kf_schema_t *schema;
	char salt[1024];	 /* load.mask_salt, resolved */
	kf_registry_t *registry; /* load.value_format = avro; else NULL */
} kf_api_load_t;

/* Fills the options every load shares from conf (load.*, the
 * connection): what a watch route of kind records starts from. No schema,
 * no topic check. Undone by kf_api_load_free. */
int kf_api_load_base(const kf_conf_t *conf, kf_api_load_t *a, char *errstr,
		     size_t errstr_size);

/* Fills a from conf and args: KF_EINVAL with errstr for a configuration,
 * command line or schema file that cannot be used (the default topic
 * kferry.files, no schema, max_rejects without a dead letter topic, ...).
 * Undone by kf_api_load_free, also after a failure. conf must outlive a. */
int kf_api_load_opts(const kf_conf_t *conf, const kf_load_args_t *args,
		     kf_api_load_t *a, char *errstr, size_t errstr_size);
void kf_api_load_free(kf_api_load_t *a);

#endif /* KF_API_LOADOPTS_H */
