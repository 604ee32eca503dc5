/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kferry verify --source URL --target URL --table SRC[:DST][,...]
 *               [--key COL,...] [--chunk-rows N] [--show N] [--json]
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "kferry/verify.h"

enum {
	KF__OPT_SOURCE = 6001,
	KF__OPT_TARGET,
	KF__OPT_TABLE,
	KF__OPT_KEY,
	KF__OPT_CHUNK_ROWS,
	KF__OPT_SHOW,
	KF__OPT_JSON
};

#define KF__VMAX_NAMES 256

/* Talks to no broker: no common options. */
const kf_cli_opt_t kf_cli_verify_opts[] = {
	{KF__OPT_SOURCE, "source", "URL", NULL, NULL,
	 "the source database: postgresql://USER@HOST:PORT/DB,\n"
	 "a libpq keyword string, or mariadb://USER@HOST:PORT/DB\n"
	 "(password: KFERRY_SOURCE_PASSWORD or PGPASSFILE)"},
	{KF__OPT_TARGET, "target", "URL", NULL, NULL,
	 "the target database, as --source\n"
	 "(password: KFERRY_TARGET_PASSWORD)"},
	{KF__OPT_TABLE, "table", "LIST", NULL, NULL,
	 "tables, SRC[:DST],... (schema.table or table; DST\n"
	 "defaults to SRC); repeatable"},
	{KF__OPT_KEY, "key", "COL,...", NULL, NULL,
	 "key columns (default: the source's primary key)"},
	{KF__OPT_CHUNK_ROWS, "chunk-rows", "N", NULL, NULL,
	 "rows per checksummed key range (default 10000)"},
	{KF__OPT_SHOW, "show", "N", NULL, NULL,
	 "differing keys shown per table (default 10)"},
	{KF__OPT_JSON, "json", NULL, NULL, NULL,
	 "print the report as one JSON document"},
	{'h', "help", NULL, NULL, NULL, NULL},
	{0},
};

/* Splits a comma-separated list into names (pointers into s, which it
 * cuts). -1 when there are more than KF__VMAX_NAMES or an empty one. */
static int kf__vsplit(char *s, const char **names, size_t *n)
{
	char *save = NULL, *tok;

	if (!*s || s[strlen(s) - 1] == ',' || strstr(s, ",,") || *s == ',')
		return -1;
	for (tok = strtok_r(s, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (*n == KF__VMAX_NAMES)
			return -1;
		names[(*n)++] = tok;
	}
	return 0;
}

static int kf__vcount(const char *s, size_t min, size_t *out)
{
	char *end;
	unsigned long long v;

	if (*s < '0' || *s > '9')
		return -1;
	v = strtoull(s, &end, 10);
	if (*end || v < min || v > 100000000ULL)
		return -1;
	*out = (size_t)v;
	return 0;
}

static const char *const kf__vkinds[] = {"", "missing", "extra", "changed"};

/* key "a=1, b=x" as canonical texts */
static void kf__vprint_key(const kf_verify_table_t *t,
			   const kf_verify_diff_t *d)
{
	size_t i;

	for (i = 0; i < t->nkey; i++)
		printf("%s%s=%s", i ? ", " : "", t->columns[t->key[i]],
		       d->key[i] ? d->key[i] : "NULL");
}

static void kf__vprint_val(const char *v)
{
	if (v)
		kf_json_write_string(stdout, v);
	else
		fputs("NULL", stdout);
}

static void kf__vprint_diff(const kf_verify_table_t *t,
			    const kf_verify_diff_t *d)
{
	char **row = d->src ? d->src : d->dst;
	size_t c;

	printf("  %-8s ", kf__vkinds[d->kind]);
	kf__vprint_key(t, d);
	putchar('\n');
	for (c = 0; c < t->ncolumns; c++) {
		if (d->kind == KF_VERIFY_CHANGED) {
			if ((!d->src[c] && !d->dst[c]) ||
			    (d->src[c] && d->dst[c] &&
			     !strcmp(d->src[c], d->dst[c])))
				continue;
			printf("           %s: source ", t->columns[c]);
			kf__vprint_val(d->src[c]);
			fputs(", target ", stdout);
			kf__vprint_val(d->dst[c]);
		} else {
			printf("           %s: %s ", t->columns[c],
			       d->src ? "source" : "target");
			kf__vprint_val(row[c]);
		}
		putchar('\n');
	}
}

static void kf__vprint_text(const kf_verify_report_t *r)
{
	size_t i, j, differ = 0;

	for (i = 0; i < r->ntables; i++) {
		const kf_verify_table_t *t = &r->tables[i];
		int equal =
			!t->problem && !t->missing && !t->extra && !t->changed;
		double rate =
			t->seconds > 0
				? (double)(t->rows_source + t->rows_target) /
					  t->seconds
				: 0;

		differ += !equal;
		printf("table %s -> %s: %s\n", t->source, t->target,
		       equal ? "EQUAL" : "DIFFERENT");
		if (t->problem) {
			printf("  %s\n", t->problem);
			continue;
		}
		printf("  rows: source %llu, target %llu (%.2f s, %.0f "
		       "rows/s)\n",
		       (unsigned long long)t->rows_source,
		       (unsigned long long)t->rows_target, t->seconds, rate);
		printf("  ranges: %llu compared, %llu differing\n",
		       (unsigned long long)t->ranges,
		       (unsigned long long)t->ranges_differing);
		if (equal)
			continue;
		printf("  differences: %llu missing in the target, %llu extra "
		       "in the target, %llu changed\n",
		       (unsigned long long)t->missing,
		       (unsigned long long)t->extra,
		       (unsigned long long)t->changed);
		for (j = 0; j < t->ndiffs; j++)
			kf__vprint_diff(t, &t->diffs[j]);
		if (t->ndiffs < t->missing + t->extra + t->changed)
			printf("  ... (--show N for more)\n");
	}
	printf("verify: %s (%zu of %zu tables differ)\n",
	       differ ? "DIFFERENT" : "EQUAL", differ, r->ntables);
}

static void kf__vjson_row(const kf_verify_table_t *t, char *const *row)
{
	size_t c;

	if (!row) {
		fputs("null", stdout);
		return;
	}
	putchar('{');
	for (c = 0; c < t->ncolumns; c++) {
		if (c)
			putchar(',');
		kf_json_write_string(stdout, t->columns[c]);
		putchar(':');
		if (row[c])
			kf_json_write_string(stdout, row[c]);
		else
			fputs("null", stdout);
	}
	putchar('}');
}

static void kf__vjson_table(const kf_verify_table_t *t)
{
	size_t j, k;

	fputs("{\"source\":", stdout);
	kf_json_write_string(stdout, t->source);
	fputs(",\"target\":", stdout);
	kf_json_write_string(stdout, t->target);
	printf(",\"equal\":%s,\"problem\":",
	       !t->problem && !t->missing && !t->extra && !t->changed
		       ? "true"
		       : "false");
	if (t->problem)
		kf_json_write_string(stdout, t->problem);
	else
		fputs("null", stdout);
	printf(",\"rows_source\":%llu,\"rows_target\":%llu,\"ranges\":%llu,"
	       "\"ranges_differing\":%llu,\"missing\":%llu,\"extra\":%llu,"
	       "\"changed\":%llu,\"seconds\":%.3f,\"differences\":[",
	       (unsigned long long)t->rows_source,
	       (unsigned long long)t->rows_target,
	       (unsigned long long)t->ranges,
	       (unsigned long long)t->ranges_differing,
	       (unsigned long long)t->missing, (unsigned long long)t->extra,
	       (unsigned long long)t->changed, t->seconds);
	for (j = 0; j < t->ndiffs; j++) {
		const kf_verify_diff_t *d = &t->diffs[j];

		printf("%s{\"kind\":\"%s\",\"key\":{", j ? "," : "",
		       kf__vkinds[d->kind]);
		for (k = 0; k < t->nkey; k++) {
			if (k)
				putchar(',');
			kf_json_write_string(stdout, t->columns[t->key[k]]);
			putchar(':');
			kf_json_write_string(stdout,
					     d->key[k] ? d->key[k] : "");
		}
		fputs("},\"source\":", stdout);
		kf__vjson_row(t, d->src);
		fputs(",\"target\":", stdout);
		kf__vjson_row(t, d->dst);
		putchar('}');
	}
	fputs("]}", stdout);
}

static void kf__vprint_json(const kf_verify_report_t *r)
{
	size_t i;

	printf("{\"equal\":%s,\"tables\":[",
	       kf_verify_report_equal(r) ? "true" : "false");
	for (i = 0; i < r->ntables; i++) {
		if (i)
			putchar(',');
		kf__vjson_table(&r->tables[i]);
	}
	fputs("]}\n", stdout);
}

int kf_cmd_verify(int argc, char **argv)
{
	const char *tables[KF__VMAX_NAMES], *key[KF__VMAX_NAMES];
	kf_verify_opts_t o = {.show = 10};
	kf_verify_report_t *r = NULL;
	const kf_cli_opt_t *opt;
	kf_cli_parser_t p;
	int c, json = 0, rc;
	char err[1024];

	kf_cli_parser_init(&p, NULL, kf_cli_verify_opts, "");
	optind = 1;
	while ((c = kf_cli_getopt(&p, argc, argv, &opt)) != -1) {
		switch (c) {
		case 'h':
			return kf_cmd_help(2,
					   (char *[]){"help", "verify", NULL});
		case KF__OPT_SOURCE:
			o.source = optarg;
			break;
		case KF__OPT_TARGET:
			o.target = optarg;
			break;
		case KF__OPT_TABLE:
			if (kf__vsplit(optarg, tables, &o.ntables))
				goto usage;
			break;
		case KF__OPT_KEY:
			o.nkey = 0;
			if (kf__vsplit(optarg, key, &o.nkey))
				goto usage;
			break;
		case KF__OPT_CHUNK_ROWS:
			if (kf__vcount(optarg, 1, &o.chunk_rows))
				goto usage;
			break;
		case KF__OPT_SHOW:
			if (kf__vcount(optarg, 0, &o.show))
				goto usage;
			break;
		case KF__OPT_JSON:
			json = 1;
			break;
		default:
			goto usage;
		}
	}
	if (optind != argc || !o.source || !o.target || !o.ntables)
		goto usage;
	o.tables = tables;
	o.key = o.nkey ? key : NULL;
	/* never on the command line, where ps shows it */
	o.source_password = getenv("KFERRY_SOURCE_PASSWORD");
	o.target_password = getenv("KFERRY_TARGET_PASSWORD");
	rc = kf_verify_tables(&o, &r, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "kferry verify: %s\n", err);
		return rc == KF_EINVAL ? KF_EXIT_USAGE : KF_EXIT_SETUP;
	}
	if (json)
		kf__vprint_json(r);
	else
		kf__vprint_text(r);
	rc = kf_verify_report_equal(r) ? KF_EXIT_OK : KF_EXIT_FAILED;
	kf_verify_report_free(r);
	return rc;

usage:
	fputs("usage: kferry verify --source URL --target URL --table "
	      "SRC[:DST][,...]\n"
	      "                     [--key COL,...] [--chunk-rows N] [--show "
	      "N] [--json]\n"
	      "(kferry help verify)\n",
	      stderr);
	return KF_EXIT_USAGE;
}
