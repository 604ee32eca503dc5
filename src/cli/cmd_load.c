/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kferry load [options] FILE...
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"

/* A finished file, kept for the --json summary. */
struct kf__file {
	kf_load_file_t f;
	char *path, *error;
};

struct kf__load_ui {
	int json, progress;
	int tty_line; /* a progress line is on screen */
	struct kf__file *files;
	size_t n, cap;
};

static void kf__keep(struct kf__load_ui *ui, const kf_load_file_t *f)
{
	struct kf__file *k;

	if (ui->n == ui->cap) {
		size_t cap = ui->cap ? ui->cap * 2 : 16;
		struct kf__file *n = realloc(ui->files, cap * sizeof(*n));

		if (!n)
			return;
		ui->files = n;
		ui->cap = cap;
	}
	k = &ui->files[ui->n++];
	k->f = *f;
	k->path = strdup(f->path);
	k->error = f->error ? strdup(f->error) : NULL;
}

static void kf__on_file(void *opaque, const kf_load_file_t *f)
{
	struct kf__load_ui *ui = opaque;

	kf_cli_clear_line(&ui->tty_line);
	if (f->err)
		kf_log_user(1, "kferry: load failed: %s: %s\n", f->path,
			    f->error ? f->error : kf_strerror(f->err));
	else if (!ui->json)
		kf_log_user(0,
			    "kferry: %s: %s, %llu rows read, %llu published, "
			    "%llu rejected, %llu filtered (load %s)\n",
			    f->path, f->state, (unsigned long long)f->rows_read,
			    (unsigned long long)f->rows_published,
			    (unsigned long long)f->rows_rejected,
			    (unsigned long long)f->rows_filtered, f->load_id);
	if (ui->json)
		kf__keep(ui, f);
}

static void kf__on_progress(void *opaque, const kf_load_stats_t *st)
{
	struct kf__load_ui *ui = opaque;
	char done[32];
	double rps = st->elapsed_s > 0 ? st->rows_read / st->elapsed_s : 0;

	if (!ui->progress)
		return;
	kf_cli_human((double)st->bytes_total, done, sizeof(done));
	fprintf(stderr,
		"\r\033[K%s read  %.0f rows/s  rows %llu read, %llu "
		"published, %llu rejected  files %llu/%llu",
		done, rps, (unsigned long long)st->rows_read,
		(unsigned long long)st->rows_published,
		(unsigned long long)st->rows_rejected,
		(unsigned long long)(st->files_done + st->files_skipped +
				     st->files_failed),
		(unsigned long long)st->files_total);
	ui->tty_line = 1;
}

static void kf__print_json(const struct kf__load_ui *ui,
			   const kf_load_stats_t *st, int rc)
{
	size_t i, nf = 0;

	printf("{\"ok\":%s,\"files_total\":%llu,\"files_done\":%llu,"
	       "\"files_skipped\":%llu,\"files_failed\":%llu,\"rows_read\":"
	       "%llu,\"rows_published\":%llu,\"rows_rejected\":%llu,"
	       "\"rows_filtered\":%llu,\"bytes_total\":%llu,\"seconds\":%.3f,"
	       "\"rows_per_s\":%.1f,\"files\":[",
	       rc ? "false" : "true", (unsigned long long)st->files_total,
	       (unsigned long long)st->files_done,
	       (unsigned long long)st->files_skipped,
	       (unsigned long long)st->files_failed,
	       (unsigned long long)st->rows_read,
	       (unsigned long long)st->rows_published,
	       (unsigned long long)st->rows_rejected,
	       (unsigned long long)st->rows_filtered,
	       (unsigned long long)st->bytes_total, st->elapsed_s,
	       st->elapsed_s > 0 ? st->rows_read / st->elapsed_s : 0.0);
	for (i = 0; i < ui->n; i++) {
		const kf_load_file_t *f = &ui->files[i].f;

		printf(i ? ",{\"path\":" : "{\"path\":");
		kf_json_write_string(stdout, ui->files[i].path);
		printf(",\"state\":\"%s\",\"load_id\":\"%s\",\"hash\":\"%s\"",
		       f->state, f->load_id, f->hash);
		if (strcmp(f->state, "skipped"))
			printf(",\"rows_read\":%llu,\"rows_published\":%llu,"
			       "\"rows_rejected\":%llu,\"rows_filtered\":%llu,"
			       "\"parts\":%u",
			       (unsigned long long)f->rows_read,
			       (unsigned long long)f->rows_published,
			       (unsigned long long)f->rows_rejected,
			       (unsigned long long)f->rows_filtered, f->parts);
		printf("}");
	}
	printf("],\"failed\":[");
	for (i = 0; i < ui->n; i++) {
		if (!ui->files[i].error)
			continue;
		printf(nf++ ? ",{\"path\":" : "{\"path\":");
		kf_json_write_string(stdout, ui->files[i].path);
		printf(",\"error\":");
		kf_json_write_string(stdout, ui->files[i].error);
		printf("}");
	}
	printf("]}\n");
}

static void kf__print_summary(const kf_load_stats_t *st)
{
	kf_log_user(0,
		    "kferry: loaded %llu of %llu files (%llu skipped, %llu "
		    "failed), %llu rows published, %llu rejected in %.2f s\n",
		    (unsigned long long)st->files_done,
		    (unsigned long long)st->files_total,
		    (unsigned long long)st->files_skipped,
		    (unsigned long long)st->files_failed,
		    (unsigned long long)st->rows_published,
		    (unsigned long long)st->rows_rejected, st->elapsed_s);
}

enum {
	KF__OPT_SCHEMA = 2101,
	KF__OPT_FORMAT,
	KF__OPT_KEY,
	KF__OPT_ENCODING,
	KF__OPT_DELIMITER,
	KF__OPT_NO_HEADER,
	KF__OPT_FORCE,
	KF__OPT_PRINT_SCHEMA,
	KF__OPT_JSON,
	KF__OPT_PROGRESS,
	KF__OPT_NO_PROGRESS,
	KF__OPT_VALUE_FORMAT,
	KF__OPT_KEY_FORMAT,
	KF__OPT_REGISTRY
};

const kf_cli_opt_t kf_cli_load_opts[] = {
	{KF__OPT_SCHEMA, "schema", "FILE", NULL, NULL,
	 "the schema file: columns, types, checks, key,\n"
	 "transforms, dialect (load.schema; docs/records.md)"},
	{KF__OPT_FORMAT, "format", "FMT", NULL, NULL,
	 "csv, jsonl or fixed, over the schema's"},
	{KF__OPT_KEY, "key", "COL[,COL]", NULL, NULL,
	 "the key columns, over the schema's (\"\": no key)"},
	{KF__OPT_ENCODING, "encoding", "ENC", NULL, NULL,
	 "the files' encoding (UTF-8, CP949, EUC-KR, ...)"},
	{KF__OPT_DELIMITER, "delimiter", "C", NULL, NULL,
	 "the CSV delimiter: one byte, or \"tab\""},
	{KF__OPT_NO_HEADER, "no-header", NULL, NULL, NULL,
	 "the CSV files have no header line"},
	{KF__OPT_FORCE, "force", NULL, NULL, NULL,
	 "load files the load ledger has as loaded"},
	{KF__OPT_VALUE_FORMAT, "value-format", "FMT", "load.value_format", NULL,
	 "json (Connect JSON) or avro (Confluent wire format,\n"
	 "schemas registered; docs/schemas.md)"},
	{KF__OPT_KEY_FORMAT, "key-format", "FMT", "load.key_format", NULL,
	 "the key's: json, avro, json-schema, or value (the\n"
	 "value's format, the default)"},
	{KF__OPT_REGISTRY, "schema-registry", "URL", "schema.registry.url",
	 NULL, "the Schema Registry API's base URL"},
	{KF__OPT_PRINT_SCHEMA, "print-schema", NULL, NULL, NULL,
	 "print the schema sniffed from FILE (a CSV) and\n"
	 "load nothing"},
	{KF__OPT_JSON, "json", NULL, NULL, NULL,
	 "print a JSON summary on stdout"},
	{KF__OPT_PROGRESS, "progress", NULL, NULL, NULL,
	 "show progress even when stderr is not a terminal"},
	{KF__OPT_NO_PROGRESS, "no-progress", NULL, NULL, NULL,
	 "never show progress"},
	{0},
};

static const char kf__load_usage[] =
	"usage: kferry load [options] -t TOPIC [--schema FILE] FILE...\n"
	"       kferry load --print-schema FILE\n"
	"Run 'kferry help load' for the options.\n";

/* Takes one of the command's own options into args or ui: 0, or -1 for
 * an option it does not know. */
/* The options, as they are read. */
struct kf__load_cmd {
	kf_load_args_t args;
	struct kf__load_ui ui;
	int print_schema;
	kf_conf_t *conf; /* for the options that set a key */
};

/* An option of the table that sets a configuration key: 0, 1 when opt is
 * not one, -1 after an error was printed. */
static int kf__key_opt(kf_conf_t *conf, int opt, const char *arg)
{
	const kf_cli_opt_t *o;

	for (o = kf_cli_load_opts; o->val; o++)
		if (o->val == opt && o->key)
			return kf_cli_set_key(conf, o, arg, "load");
	return 1;
}

static int kf__own_opt(int opt, const char *arg, void *opaque)
{
	kf_load_args_t *args = &((struct kf__load_cmd *)opaque)->args;
	struct kf__load_ui *ui = &((struct kf__load_cmd *)opaque)->ui;

	switch (opt) {
	case KF__OPT_SCHEMA:
		args->schema = arg;
		return 0;
	case KF__OPT_FORMAT:
		args->format = arg;
		return 0;
	case KF__OPT_KEY:
		args->key = arg;
		return 0;
	case KF__OPT_ENCODING:
		args->encoding = arg;
		return 0;
	case KF__OPT_DELIMITER:
		args->delimiter = arg;
		return 0;
	case KF__OPT_NO_HEADER:
		args->no_header = 1;
		return 0;
	case KF__OPT_FORCE:
		args->force = 1;
		return 0;
	case KF__OPT_PRINT_SCHEMA:
		((struct kf__load_cmd *)opaque)->print_schema = 1;
		return 0;
	case KF__OPT_JSON:
		ui->json = 1;
		return 0;
	case KF__OPT_PROGRESS:
		ui->progress = 1;
		return 0;
	case KF__OPT_NO_PROGRESS:
		ui->progress = 0;
		return 0;
	default:
		return kf__key_opt(((struct kf__load_cmd *)opaque)->conf, opt,
				   arg)
			       ? -1
			       : 0;
	}
}

/* --print-schema FILE: the sniffed schema on stdout. */
static int kf__print_schema(const kf_conf_t *conf, const struct kf__load_cmd *c,
			    int argc, char **argv)
{
	char err[1024];

	if (argc - optind != 1) {
		kf_log_user(1, "kferry load: --print-schema takes one file\n%s",
			    kf__load_usage);
		return KF_EXIT_USAGE;
	}
	return kf_cli_exit("load",
			   kf_load_print_schema(conf, &c->args, argv[optind],
						stdout, err, sizeof(err)),
			   err);
}

int kf_cmd_load(int argc, char **argv)
{
	struct kf__load_cmd c = {0};
	struct kf__load_ui *ui = &c.ui;
	kf_conf_t *conf = kf_conf_new();
	kf_load_stats_t st = {0};
	int log_json = 0, rc = KF_EXIT_USAGE, r;
	char err[1024];
	size_t i;

	if (!conf)
		return KF_EXIT_SETUP;
	c.conf = conf;
	ui->progress = isatty(STDERR_FILENO);
	r = kf_cli_start(conf, argc, argv, "load", kf_cli_load_opts,
			 kf__own_opt, &c, kf__load_usage,
			 "nothing to load: give one or more files", &log_json);
	if (r) {
		rc = r > 0 ? KF_EXIT_OK : KF_EXIT_USAGE;
		goto out;
	}
	/* a progress line is no JSON: every line on stderr must be */
	if (log_json)
		ui->progress = 0;
	if (c.print_schema) {
		rc = kf__print_schema(conf, &c, argc, argv);
		goto out;
	}
	r = kf_load(conf, &c.args, (const char *const *)argv + optind,
		    (size_t)(argc - optind), kf__on_file, kf__on_progress, ui,
		    &st, err, sizeof(err));
	kf_cli_clear_line(&ui->tty_line);
	rc = kf_cli_exit("load", r, err);
	if (ui->json)
		kf__print_json(ui, &st, r);
	else if (st.files_total)
		kf__print_summary(&st);
out:
	for (i = 0; i < ui->n; i++) {
		free(ui->files[i].path);
		free(ui->files[i].error);
	}
	free(ui->files);
	kf_conf_destroy(conf);
	return rc;
}
