/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Option tables: each command's table makes its getopt_long parser and its
 * lines in `kferry help COMMAND`, so an option cannot exist in one and be
 * missing from the other.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

/* Codes of the common options without a letter. */
enum {
	KF__OPT_CHUNK_SIZE = 1001,
	KF__OPT_COMPRESSION,
	KF__OPT_LOG_LEVEL,
	KF__OPT_DEBUG,
	KF__OPT_LOG_FORMAT,
	KF__OPT_WORKERS,
	KF__OPT_METRICS_ADDR,
};

const kf_cli_opt_t kf_cli_common_opts[] = {
	/* loaded before the others by kf_cli_preload_config */
	{'c', "config", "FILE", NULL, NULL,
	 "configuration file (kferry.conf(5), docs/config.md);\n"
	 "options given here override it"},
	{'b', "bootstrap", "LIST", "bootstrap", NULL,
	 "brokers, host:port[,host:port...] (default 127.0.0.1:9092)"},
	{'t', "topic", "NAME", "topic", NULL, "topic (default kferry.files)"},
	{'X', NULL, "KEY=VALUE", NULL, NULL,
	 "librdkafka property (e.g. -X security.protocol=ssl);\n"
	 "those delivery, offsets and TLS checks rest on\n"
	 "are refused"},
	{'o', "set", "KEY=VALUE", NULL, NULL,
	 "any configuration key (e.g. -o send.linger_ms=10)"},
	{KF__OPT_CHUNK_SIZE, "chunk-size", "SIZE", "chunk_size", NULL,
	 "chunk size, 4KiB..64MiB (default 1MiB)"},
	{KF__OPT_COMPRESSION, "compression", "C", "compression", NULL,
	 "zstd, zstd:LEVEL (1..19) or none (default zstd:1)"},
	{KF__OPT_WORKERS, "workers", "N", "workers", NULL,
	 "worker threads (default CPUs + 1)"},
	{KF__OPT_LOG_LEVEL, "log-level", "L", "log_level", NULL,
	 "error, warn, info (default) or debug"},
	{KF__OPT_DEBUG, "debug", "CTX", "debug", NULL,
	 "debug contexts: send,recv,kafka,wire,fs,\n"
	 "watch,obs,capture or all (comma-separated)"},
	{KF__OPT_METRICS_ADDR, "metrics-addr", "A", "metrics.addr", NULL,
	 "serve /metrics and /healthz on HOST:PORT (docs/metrics.md)"},
	{KF__OPT_LOG_FORMAT, "log-format", "F", NULL, NULL,
	 "text (default) or json (one JSON object a line)"},
	{'q', "quiet", NULL, "log_level", "warn", "warnings and errors only"},
	{'v', "verbose", NULL, "log_level", "debug", "debug output"},
	/* each command answers it with its help text */
	{'h', "help", NULL, NULL, NULL, NULL},
	{0},
};

/* A letter is also the short option. */
static int kf__is_short(int val)
{
	return val > 0 && val < 128 && isalpha(val);
}

static void kf__parser_add(kf_cli_parser_t *p, const kf_cli_opt_t *table,
			   size_t *nlong, size_t *nshort)
{
	const kf_cli_opt_t *o;

	for (o = table; o->val; o++) {
		/* a table that outgrows the arrays is a programming error */
		if (*nlong == KF_CLI_MAX_OPTS)
			abort();
		if (o->name)
			p->longopts[(*nlong)++] = (struct option){
				o->name,
				o->arg ? required_argument : no_argument, NULL,
				o->val};
		if (kf__is_short(o->val)) {
			p->shortopts[(*nshort)++] = (char)o->val;
			if (o->arg)
				p->shortopts[(*nshort)++] = ':';
		}
	}
}

void kf_cli_parser_init(kf_cli_parser_t *p, const kf_cli_opt_t *common,
			const kf_cli_opt_t *own, const char *flags)
{
	size_t nlong = 0, nshort = strlen(flags);

	memset(p, 0, sizeof(*p));
	p->tables[0] = common;
	p->tables[1] = own;
	memcpy(p->shortopts, flags, nshort);
	if (common)
		kf__parser_add(p, common, &nlong, &nshort);
	if (own)
		kf__parser_add(p, own, &nlong, &nshort);
}

int kf_cli_getopt(kf_cli_parser_t *p, int argc, char **argv,
		  const kf_cli_opt_t **opt)
{
	int val = getopt_long(argc, argv, p->shortopts, p->longopts, NULL);
	const kf_cli_opt_t *o;
	size_t i;

	*opt = NULL;
	for (i = 0; val != -1 && val != '?' && i < 2; i++)
		for (o = p->tables[i]; o && o->val; o++)
			if (o->val == val) {
				*opt = o;
				return val;
			}
	return val;
}

int kf_cli_set_key(kf_conf_t *conf, const kf_cli_opt_t *opt, const char *arg,
		   const char *cmd)
{
	char err[1024];

	if (kf_conf_set(conf, opt->key, opt->value ? opt->value : arg, err,
			sizeof(err)) == 0)
		return 0;
	kf_log_user(1, "kferry%s%s: %s\n", cmd ? " " : "", cmd ? cmd : "", err);
	return -1;
}

/* "key=value" for -X (librdkafka property) and -o (any kferry key). */
static int kf__set_pair(kf_conf_t *conf, const char *arg, const char *prefix)
{
	const char *eq = strchr(arg, '=');
	char key[512], err[1024];

	if (!eq || eq == arg) {
		kf_log_user(1, "kferry: '%s': expected key=value\n", arg);
		return -1;
	}
	/* -X kafka.acks=1 means the same as -X acks=1 */
	if (*prefix && !strncmp(arg, prefix, strlen(prefix)))
		arg += strlen(prefix);
	snprintf(key, sizeof(key), "%s%.*s", prefix, (int)(eq - arg), arg);
	if (kf_conf_set_arg(conf, key, eq + 1, err, sizeof(err)) == 0)
		return 1;
	kf_log_user(1, "kferry: %s\n", err);
	return -1;
}

static int kf__is_common(const kf_cli_opt_t *opt)
{
	const kf_cli_opt_t *o;

	for (o = kf_cli_common_opts; o->val; o++)
		if (o == opt)
			return 1;
	return 0;
}

int kf_cli_common_opt(kf_conf_t *conf, const kf_cli_opt_t *opt, const char *arg,
		      int *log_json)
{
	if (!opt || !kf__is_common(opt) || opt->val == 'h')
		return 0;
	if (opt->key)
		return kf_cli_set_key(conf, opt, arg, NULL) ? -1 : 1;
	switch (opt->val) {
	case 'X':
		return kf__set_pair(conf, arg, "kafka.");
	case 'o':
		return kf__set_pair(conf, arg, "");
	case KF__OPT_LOG_FORMAT:
		if (strcmp(arg, "json") && strcmp(arg, "text")) {
			kf_log_user(1, "kferry: --log-format: expected text "
				       "or json\n");
			return -1;
		}
		*log_json = !strcmp(arg, "json");
		return 1;
	default: /* -c: loaded by kf_cli_preload_config */
		return 1;
	}
}

/* The option column is 26 wide: "  -d, --dest DIR", "      --fsync BOOL". */
#define KF__HELP_COLUMN 26

void kf_cli_print_opts(FILE *out, const kf_cli_opt_t *table)
{
	const kf_cli_opt_t *o;
	const char *line, *nl;
	int n;

	for (o = table; o->val; o++) {
		if (!o->help)
			continue;
		if (kf__is_short(o->val))
			n = fprintf(out, "  -%c%s", o->val,
				    o->name ? ", " : "");
		else
			n = fprintf(out, "      ");
		if (o->name)
			n += fprintf(out, "--%s", o->name);
		if (o->arg)
			n += fprintf(out, " %s", o->arg);
		for (line = o->help;; line = nl + 1) {
			nl = strchr(line, '\n');
			fprintf(out, "%*s%.*s\n",
				n < KF__HELP_COLUMN ? KF__HELP_COLUMN - n : 1,
				"", nl ? (int)(nl - line) : (int)strlen(line),
				line);
			n = 0;
			if (!nl)
				break;
		}
	}
}
