/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kferry capture [options] --db URL --tables SCHEMA.TABLE[,...] -b BROKERS
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static const char kf__capture_usage[] =
	"usage: kferry capture [options] --db URL --tables SCHEMA.TABLE[,...] "
	"-b BROKERS\n"
	"Run 'kferry help capture' for the options.\n";

enum {
	KF__OPT_JSON = 4001,
	KF__OPT_DB,
	KF__OPT_TABLES,
	KF__OPT_PREFIX,
	KF__OPT_SLOT,
	KF__OPT_PUB,
	KF__OPT_SNAPSHOT,
	KF__OPT_IDLE,
	KF__OPT_VALUE_FORMAT,
	KF__OPT_KEY_FORMAT,
	KF__OPT_REGISTRY
};

const kf_cli_opt_t kf_cli_capture_opts[] = {
	{KF__OPT_DB, "db", "URL", "capture.db", NULL,
	 "source database: postgresql://user@host:port/db\n"
	 "or a libpq keyword string, or\n"
	 "mariadb://user@host:port/db (its binlog, docs/cdc.md\n"
	 "10; password: capture.db_password = file:PATH or\n"
	 "env:NAME)"},
	{KF__OPT_TABLES, "tables", "S.T,...", "capture.tables", NULL,
	 "the tables to capture (each with a primary key;\n"
	 "MariaDB: DB.TABLE)"},
	{KF__OPT_PREFIX, "topic-prefix", "PREFIX", "capture.topic_prefix", NULL,
	 "events of table s.t go to PREFIX.s.t\n"
	 "(default: the database's name)"},
	{KF__OPT_SLOT, "slot", "NAME", "capture.slot", NULL,
	 "replication slot (default kferry_DB); MariaDB: the\n"
	 "capture's name (offsets key mariadb/NAME)"},
	{KF__OPT_PUB, "publication", "NAME", "capture.publication", NULL,
	 "publication (default SLOT_pub), created when missing\n"
	 "(PostgreSQL only)"},
	{KF__OPT_SNAPSHOT, "snapshot", "MODE", "capture.snapshot", NULL,
	 "initial (default), never or initial_only"},
	{KF__OPT_IDLE, "idle-exit", "SECS", "capture.idle_exit", NULL,
	 "exit 0 after SECS seconds without a change"},
	{KF__OPT_VALUE_FORMAT, "value-format", "FMT", "capture.value_format",
	 NULL,
	 "json (Connect JSON) or avro (Debezium's Avro in the\n"
	 "Confluent wire format; docs/schemas.md 10)"},
	{KF__OPT_KEY_FORMAT, "key-format", "FMT", "capture.key_format", NULL,
	 "the key's: json, avro, or value (the value's\n"
	 "format, the default)"},
	{KF__OPT_REGISTRY, "schema-registry", "URL", "schema.registry.url",
	 NULL, "the Schema Registry API's base URL"},
	{KF__OPT_JSON, "json", NULL, NULL, NULL,
	 "print the summary as one JSON object on stdout"},
	{0},
};

static void kf__print_json(const kf_capture_stats_t *st, int rc,
			   const char *err)
{
	printf("{\"ok\":%s,\"snapshot_rows\":%llu,\"events\":%llu,"
	       "\"source_txns\":%llu,\"skipped_txns\":%llu,"
	       "\"kafka_txns\":%llu,\"nulled\":%llu,\"lsn\":%llu,"
	       "\"position\":",
	       rc ? "false" : "true", (unsigned long long)st->snapshot_rows,
	       (unsigned long long)st->events,
	       (unsigned long long)st->source_txns,
	       (unsigned long long)st->skipped_txns,
	       (unsigned long long)st->kafka_txns,
	       (unsigned long long)st->nulled, (unsigned long long)st->lsn);
	kf_json_write_string(stdout, st->position);
	printf(",\"error\":");
	if (rc)
		kf_json_write_string(stdout, err);
	else
		printf("null");
	printf("}\n");
}

/* docs/cdc.md 1, 10.1: a source that is not set up (wal_level,
 * binlog_format, grants, a table) could not start (3); a missing option
 * is a usage error (2). */
static int kf__exit_code(int r, const char *err)
{
	if (r == KF_EINVAL && !strstr(err, "give --"))
		return KF_EXIT_SETUP;
	if (r == KF_EIO || r == KF_EPROTO || r == KF_EKAFKA)
		return KF_EXIT_FAILED;
	return kf_cli_exit_code(r);
}

int kf_cmd_capture(int argc, char **argv)
{
	kf_conf_t *conf = kf_conf_new();
	kf_capture_stats_t st = {0};
	int log_json = 0, json = 0, rc = KF_EXIT_USAGE, r;
	char err[1024] = "";

	if (!conf)
		return KF_EXIT_SETUP;
	r = kf_cli_start_keyed(conf, argc, argv, "capture", kf_cli_capture_opts,
			       KF__OPT_JSON, &json, kf__capture_usage,
			       &log_json);
	if (r) {
		rc = r > 0 ? KF_EXIT_OK : KF_EXIT_USAGE;
		goto out;
	}
	r = kf_capture(conf, &st, err, sizeof(err));
	if (json)
		kf__print_json(&st, r == KF_ESTOPPED ? 0 : r, err);
	if (r && r != KF_ESTOPPED) {
		kf_log_user(1, "kferry capture: %s\n", err);
		rc = kf__exit_code(r, err);
		goto out;
	}
	kf_log_user(0,
		    "kferry: capture produced %llu events (%llu snapshot "
		    "rows, %llu source transactions, %llu already in Kafka) "
		    "in %llu Kafka transactions, up to %s%s\n",
		    (unsigned long long)st.events,
		    (unsigned long long)st.snapshot_rows,
		    (unsigned long long)st.source_txns,
		    (unsigned long long)st.skipped_txns,
		    (unsigned long long)st.kafka_txns,
		    !st.position[0]	       ? "no position"
		    : strchr(st.position, '/') ? "LSN "
					       : "GTID position ",
		    st.position);
	rc = r ? KF_EXIT_STOPPED : KF_EXIT_OK;
out:
	kf_conf_destroy(conf);
	return rc;
}
