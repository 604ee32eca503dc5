/* SPDX-License-Identifier: Apache-2.0 */
#include "api/sinkopts.h"

#include <string.h>

#include "api/registryopts.h"
#include "common/err.h"
#include "kafka/security.h"

/* sink.mode's numbers (config/conf.c): 0 by kind, 1 insert, 2 upsert. */
_Static_assert(KF_DB_INSERT == 0 && KF_DB_UPSERT == 1,
	       "sink.mode values (config/conf.c) drifted");

int kf_api_sink_opts(const kf_conf_t *conf, kf_sink_opts_t *o, char *pw,
		     size_t pw_size, char *errstr, size_t errstr_size)
{
	kf_sink_budget_t budget;

	*o = (kf_sink_opts_t){0};
	if (!conf->sink_db || !*conf->sink_db)
		return kf_seterr(errstr, errstr_size, KF_EINVAL,
				 "no database: give --db URL (sink.db)");
	if (!conf->topic || !*conf->topic)
		return kf_seterr(errstr, errstr_size, KF_EINVAL,
				 "no topic: give -t TOPIC[,TOPIC...]");
	o->engine.kafka = conf;
	o->engine.topic = conf->topic;
	o->engine.group = conf->group;
	o->engine.bootstrap = conf->bootstrap;
	o->engine.idle_exit_s = conf->idle_exit_s;
	o->engine.max_open = 1;
	o->engine.many_topics = 1;
	o->db = conf->sink_db;
	if (conf->sink_db_password && *conf->sink_db_password) {
		if (kf_kafka_secret("sink.db_password", conf->sink_db_password,
				    pw, pw_size, errstr, errstr_size))
			return KF_EINVAL;
		o->db_password = pw;
	}
	o->rules.table =
		conf->sink_table && *conf->sink_table ? conf->sink_table : NULL;
	o->rules.table_format = conf->sink_table_format;
	o->rules.mode = conf->sink_mode - 1; /* auto: -1 */
	o->rules.key =
		conf->sink_key && *conf->sink_key ? conf->sink_key : NULL;
	o->rules.delete_rows = conf->sink_delete;
	o->rules.truncate = conf->sink_truncate;
	o->create_table = conf->sink_create_table;
	o->evolve = conf->sink_evolve;
	o->offsets_table = conf->sink_offsets_table;
	if (conf->sink_ledger_topic && *conf->sink_ledger_topic)
		o->rules.ledger_topic = conf->sink_ledger_topic;
	o->loads_table = conf->sink_loads_table;
	o->start_latest = conf->sink_start == 1;
	o->batch_rows = (uint64_t)conf->sink_batch_rows;
	o->batch_bytes = conf->sink_batch_bytes;
	o->batch_ms = (uint64_t)conf->sink_batch_ms;
	o->batch_eager = conf->sink_batch_eager;
	o->max_inflight_bytes = conf->sink_max_inflight_bytes;
	/* the consumer's share of the budget: reading ahead keeps the next
	 * batch's messages ready when the writer is done with one */
	kf_sink_budget(o, &budget);
	o->engine.prefetch_bytes = budget.prefetch;
	o->engine.fetch_bytes = budget.fetch;
	o->dead_letter_topic = conf->sink_dead_letter_topic;
	o->errors_fail = conf->sink_errors == 1;
	o->mariadb_load_data = conf->sink_mariadb_load_data;
	return 0;
}

/* The registry client of Avro records, when schema.registry.url is set. */
static int kf__sink_registry(const kf_conf_t *conf, kf_sink_opts_t *o,
			     char *errstr, size_t errstr_size)
{
	if (!conf->registry_url || !*conf->registry_url)
		return 0;
	o->registry =
		kf_api_registry_new(conf, "kferry sink", errstr, errstr_size);
	return o->registry ? 0 : KF_EINVAL;
}

int kf_sink(const kf_conf_t *conf, kf_sink_stats_t *stats, char *errstr,
	    size_t errstr_size)
{
	kf_sink_opts_t o;
	char pw[1024];
	int rc;

	rc = kf_api_sink_opts(conf, &o, pw, sizeof(pw), errstr, errstr_size);
	if (!rc)
		rc = kf__sink_registry(conf, &o, errstr, errstr_size);
	if (!rc)
		rc = kf_sink_run(&o, stats, errstr, errstr_size);
	kf_registry_destroy(o.registry);
	memset(pw, 0, sizeof(pw));
	return rc;
}
