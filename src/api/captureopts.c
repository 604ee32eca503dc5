/* SPDX-License-Identifier: Apache-2.0 */
#include "api/captureopts.h"

#include <string.h>

#include "api/registryopts.h"
#include "common/err.h"
#include "kafka/security.h"
#include "obs/probe.h"
#include "record/serial.h"

/* capture.snapshot's numbers (config/conf.c) */
_Static_assert(KF_CAPTURE_SNAPSHOT_INITIAL == 0 &&
		       KF_CAPTURE_SNAPSHOT_NEVER == 1 &&
		       KF_CAPTURE_SNAPSHOT_INITIAL_ONLY == 2,
	       "capture.snapshot values (config/conf.c) drifted");

/* capture.value_format and key_format (docs/schemas.md 10): Avro and JSON
 * Schema sides need a registry client (o->registry: the caller destroys
 * it). The words' numbers are enum kf_rec_wire's. */
static int kf__formats(const kf_conf_t *conf, kf_capture_opts_t *o,
		       char *errstr, size_t errstr_size)
{
	o->value_wire = conf->capture_value_format;
	o->key_wire = conf->capture_key_format == KF_CONF_KEY_FORMAT_VALUE
			      ? o->value_wire
			      : conf->capture_key_format;
	if (o->value_wire == KF_WIRE_CONNECT_JSON &&
	    o->key_wire == KF_WIRE_CONNECT_JSON)
		return 0;
	o->record_subjects = conf->registry_record_subjects;
	o->registry = kf_api_registry_new(
		conf,
		"capture.value_format or key_format = avro or json-schema",
		errstr, errstr_size);
	return o->registry ? 0 : KF_EINVAL;
}

int kf_api_capture_opts(const kf_conf_t *conf, kf_capture_opts_t *o, char *pw,
			size_t pw_size, char *errstr, size_t errstr_size)
{
	*o = (kf_capture_opts_t){0};
	if (!conf->capture_db || !*conf->capture_db)
		return kf_seterr(errstr, errstr_size, KF_EINVAL,
				 "no source database: give --db URL "
				 "(capture.db)");
	if (!conf->capture_tables || !*conf->capture_tables)
		return kf_seterr(errstr, errstr_size, KF_EINVAL,
				 "no table: give --tables SCHEMA.TABLE[,...] "
				 "(capture.tables)");
	o->kafka = conf;
	o->db = conf->capture_db;
	if (conf->capture_db_password && *conf->capture_db_password) {
		if (kf_kafka_secret("capture.db_password",
				    conf->capture_db_password, pw, pw_size,
				    errstr, errstr_size))
			return KF_EINVAL;
		o->db_password = pw;
	}
	o->tables = conf->capture_tables;
	o->topic_prefix = conf->capture_topic_prefix;
	o->slot = conf->capture_slot;
	o->publication = conf->capture_publication;
	o->server_id = (uint32_t)conf->capture_server_id;
	o->snapshot = (enum kf_capture_snapshot)conf->capture_snapshot;
	o->offsets_topic = conf->capture_offsets_topic;
	o->snapshot_chunk_rows = conf->capture_snapshot_chunk_rows;
	o->batch_ms = conf->capture_batch_ms;
	o->batch_bytes = conf->capture_batch_bytes;
	o->status_interval_ms = conf->capture_status_interval_ms;
	o->idle_exit_s = conf->capture_idle_exit;
	o->lag_warn_bytes = (int64_t)conf->capture_lag_warn_bytes;
	return kf__formats(conf, o, errstr, errstr_size);
}

int kf_capture(const kf_conf_t *conf, kf_capture_stats_t *stats, char *errstr,
	       size_t errstr_size)
{
	kf_capture_opts_t o;
	kf_probe_thread_t *probe = NULL;
	char pw[1024];
	int rc;

	memset(stats, 0, sizeof(*stats));
	rc = kf_api_capture_opts(conf, &o, pw, sizeof(pw), errstr, errstr_size);
	/* the capture has no loop: /metrics is served from a thread */
	if (!rc)
		rc = kf_probe_thread_start(conf, "capture", &probe, errstr,
					   errstr_size);
	if (!rc)
		rc = kf_capture_run(&o, stats, errstr, errstr_size);
	kf_probe_thread_stop(probe);
	kf_registry_destroy(o.registry);
	memset(pw, 0, sizeof(pw));
	return rc;
}
