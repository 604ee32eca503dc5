/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kferry sink [options] -t TOPIC[,TOPIC...] --db URL
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static const char kf__sink_usage[] =
	"usage: kferry sink [options] -t TOPIC[,TOPIC...] -g GROUP --db URL\n"
	"Run 'kferry help sink' for the options.\n";

enum {
	KF__OPT_JSON = 4001,
	KF__OPT_DB,
	KF__OPT_TABLE,
	KF__OPT_TABLE_FORMAT,
	KF__OPT_MODE,
	KF__OPT_KEY,
	KF__OPT_CREATE,
	KF__OPT_EVOLVE,
	KF__OPT_DELETE,
	KF__OPT_TRUNCATE,
	KF__OPT_IDLE,
	KF__OPT_REGISTRY
};

const kf_cli_opt_t kf_cli_sink_opts[] = {
	{KF__OPT_DB, "db", "URL", "sink.db", NULL,
	 "target database: postgresql://user@host:port/db,\n"
	 "a libpq keyword string, or mariadb://user@host:port/db\n"
	 "(password: sink.db_password = file:PATH or env:NAME)"},
	{'g', "group", "NAME", "receive.group", NULL,
	 "consumer group (its offsets live in the database)"},
	{KF__OPT_TABLE, "table", "NAME", "sink.table", NULL,
	 "one target table for every topic (schema.table)"},
	{KF__OPT_TABLE_FORMAT, "table-format", "FMT", "sink.table_format", NULL,
	 "table per message: ${topic} (default), ${db},\n"
	 "${schema}, ${table} (change events' source)"},
	{KF__OPT_MODE, "mode", "M", "sink.mode", NULL,
	 "insert or upsert (default: insert for records,\n"
	 "upsert for change events)"},
	{KF__OPT_KEY, "key", "COL,...", "sink.key", NULL,
	 "upsert key among the value's fields\n"
	 "(default: the message key's struct)"},
	{KF__OPT_CREATE, "create-table", NULL, "sink.create_table", "true",
	 "create a missing table from the first record's schema"},
	{KF__OPT_EVOLVE, "evolve", NULL, "sink.evolve", "true",
	 "add columns a record has and the table lacks"},
	{KF__OPT_DELETE, "delete", NULL, "sink.delete", "true",
	 "apply the deletes of change events"},
	{KF__OPT_TRUNCATE, "truncate", NULL, "sink.truncate", "true",
	 "apply the truncates of change events"},
	{KF__OPT_IDLE, "idle-exit", "SECS", "receive.idle_exit", NULL,
	 "exit 0 once every partition was read to its end,\n"
	 "applied, and nothing came for SECS seconds"},
	{KF__OPT_REGISTRY, "schema-registry", "URL", "schema.registry.url",
	 NULL,
	 "the Schema Registry of Avro records (writer schemas\n"
	 "by id; docs/schemas.md 6)"},
	{KF__OPT_JSON, "json", NULL, NULL, NULL,
	 "print the summary as one JSON object on stdout"},
	{0},
};

static void kf__print_json(const kf_sink_stats_t *st, int rc, const char *err)
{
	printf("{\"ok\":%s,\"messages\":%llu,\"batches\":%llu,"
	       "\"rows_written\":%llu,\"rows_deleted\":%llu,"
	       "\"rows_refused\":%llu,\"dead_letters\":%llu,"
	       "\"skipped\":%llu,\"collapsed\":%llu,\"error\":",
	       rc ? "false" : "true", (unsigned long long)st->messages,
	       (unsigned long long)st->batches,
	       (unsigned long long)st->rows_written,
	       (unsigned long long)st->rows_deleted,
	       (unsigned long long)st->rows_refused,
	       (unsigned long long)st->dead_letters,
	       (unsigned long long)st->skipped,
	       (unsigned long long)st->collapsed);
	if (rc)
		kf_json_write_string(stdout, err);
	else
		printf("null");
	printf("}\n");
}

/* docs/sink.md 6: 1 for refused rows with sink.errors = fail and fatal
 * database errors, else as receive. */
static int kf__exit_code(int r, const char *err)
{
	if (r == KF_EIO || strstr(err, "sink.errors = fail") ||
	    strstr(err, "--create-table") || strstr(err, "--evolve"))
		return KF_EXIT_FAILED;
	return kf_cli_exit_code(r);
}

int kf_cmd_sink(int argc, char **argv)
{
	kf_conf_t *conf = kf_conf_new();
	kf_sink_stats_t st = {0};
	int log_json = 0, json = 0, rc = KF_EXIT_USAGE, r;
	char err[1024] = "";

	if (!conf)
		return KF_EXIT_SETUP;
	r = kf_cli_start_keyed(conf, argc, argv, "sink", kf_cli_sink_opts,
			       KF__OPT_JSON, &json, kf__sink_usage, &log_json);
	if (r) {
		rc = r > 0 ? KF_EXIT_OK : KF_EXIT_USAGE;
		goto out;
	}
	r = kf_sink(conf, &st, err, sizeof(err));
	if (json)
		kf__print_json(&st, r == KF_ESTOPPED ? 0 : r, err);
	if (r && r != KF_ESTOPPED) {
		kf_log_user(1, "kferry sink: %s\n", err);
		rc = kf__exit_code(r, err);
		goto out;
	}
	kf_log_user(0,
		    "kferry: sink applied %llu messages in %llu batches: "
		    "%llu rows written, %llu deleted, %llu refused (%llu "
		    "dead letters), %llu skipped, %llu collapsed\n",
		    (unsigned long long)st.messages,
		    (unsigned long long)st.batches,
		    (unsigned long long)st.rows_written,
		    (unsigned long long)st.rows_deleted,
		    (unsigned long long)st.rows_refused,
		    (unsigned long long)st.dead_letters,
		    (unsigned long long)st.skipped,
		    (unsigned long long)st.collapsed);
	rc = r ? KF_EXIT_STOPPED : KF_EXIT_OK;
out:
	kf_conf_destroy(conf);
	return rc;
}
