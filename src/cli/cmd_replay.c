/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kferry replay [options] --dest DIR (--from-beginning | --from-offset N |
 *                --from-time T) [--to-offset N | --until-now]
 */
#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"

enum {
	KF__OPT_FROM_BEGINNING = 4001,
	KF__OPT_FROM_OFFSET,
	KF__OPT_FROM_TIME,
	KF__OPT_TO_OFFSET,
	KF__OPT_UNTIL_NOW,
};

/* The options with a key are configuration keys; replay handles the
 * range. */
const kf_cli_opt_t kf_cli_replay_opts[] = {
	{'d', "dest", "DIR", "receive.dest", NULL,
	 "destination directory (created if missing)"},
	{KF__OPT_FROM_BEGINNING, "from-beginning", NULL, NULL, NULL,
	 "start at the oldest message kept"},
	{KF__OPT_FROM_OFFSET, "from-offset", "N", NULL, NULL,
	 "start at offset N of every partition"},
	{KF__OPT_FROM_TIME, "from-time", "T", NULL, NULL,
	 "start at the first message at or after T:\n"
	 "RFC 3339 (2026-11-30T05:00:00Z) or ms since the epoch"},
	{KF__OPT_TO_OFFSET, "to-offset", "N", NULL, NULL,
	 "stop before offset N of every partition"},
	{KF__OPT_UNTIL_NOW, "until-now", NULL, NULL, NULL,
	 "stop at the end offsets seen at start (default)"},
	{4006, "on-conflict", "P", "receive.on_conflict", NULL,
	 "fail (default), overwrite or rename, as for receive"},
	{4007, "fsync", "BOOL", "receive.fsync", NULL,
	 "fsync files and directories (default true)"},
	{0},
};

static const char kf__replay_usage[] =
	"usage: kferry replay [options] --dest DIR (--from-beginning | "
	"--from-offset N | --from-time T)\n"
	"Run 'kferry help replay' for the options.\n";

/* A non-negative decimal integer, all of s. */
static int kf__parse_i64(const char *s, int64_t *out)
{
	char *end;
	long long v;

	if (!isdigit((unsigned char)*s))
		return -1;
	v = strtoll(s, &end, 10);
	if (*end || v < 0)
		return -1;
	*out = v;
	return 0;
}

/* --from-offset / --to-offset: an offset, or a message and -1. */
static int kf__offset_opt(const char *opt, const char *arg, int64_t *out)
{
	if (!kf__parse_i64(arg, out))
		return 0;
	kf_log_user(1, "kferry replay: %s '%s': expected an offset >= 0\n", opt,
		    arg);
	return -1;
}

/* Milliseconds since the epoch, or RFC 3339:
 * 2026-11-30T05:00:00Z, 2026-11-30T14:00:00.250+09:00. */
static int kf__parse_time(const char *s, int64_t *ms)
{
	struct tm tm;
	const char *p;
	int64_t frac = 0, scale = 1000;
	int sign, hh, mm;
	time_t t;

	if (!kf__parse_i64(s, ms))
		return 0;
	memset(&tm, 0, sizeof(tm));
	p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!p)
		return -1;
	if (*p == '.') {
		for (p++; isdigit((unsigned char)*p); p++)
			if (scale > 1) {
				scale /= 10;
				frac += (*p - '0') * scale;
			}
	}
	t = timegm(&tm);
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if ((*p == '+' || *p == '-') &&
		   sscanf(p + 1, "%2d:%2d", &hh, &mm) == 2 && strlen(p) == 6) {
		sign = *p == '+' ? 1 : -1;
		t -= sign * (hh * 3600 + mm * 60);
		p += 6;
	} else {
		return -1;
	}
	if (*p || t < 0)
		return -1;
	*ms = (int64_t)t * 1000 + frac;
	return 0;
}

int kf_cmd_replay(int argc, char **argv)
{
	const kf_cli_opt_t *o;
	kf_cli_parser_t p;
	kf_replay_opts_t ro = {.from_kind = 0, .to_offset = -1};
	kf_conf_t *conf = kf_conf_new();
	kf_recv_stats_t st = {0};
	int opt, log_json = 0, rc = KF_EXIT_USAGE, r, nfrom = 0;
	char err[1024];

	if (!conf)
		return KF_EXIT_SETUP;
	if (kf_cli_preload_config(conf, argc, argv))
		goto out;
	kf_cli_parser_init(&p, kf_cli_common_opts, kf_cli_replay_opts, "");
	optind = 1;
	while ((opt = kf_cli_getopt(&p, argc, argv, &o)) != -1) {
		if (opt == 'h') {
			kf_conf_destroy(conf);
			return kf_cmd_help(2,
					   (char *[]){"help", "replay", NULL});
		}
		r = kf_cli_common_opt(conf, o, optarg, &log_json);
		if (r < 0)
			goto out;
		if (r)
			continue;
		if (o && o->key) {
			if (kf_cli_set_key(conf, o, optarg, "replay"))
				goto out;
			continue;
		}
		switch (opt) {
		case KF__OPT_FROM_BEGINNING:
			ro.from_kind = KF_REPLAY_FROM_BEGINNING;
			nfrom++;
			break;
		case KF__OPT_FROM_OFFSET:
			ro.from_kind = KF_REPLAY_FROM_OFFSET;
			nfrom++;
			if (kf__offset_opt("--from-offset", optarg, &ro.from))
				goto out;
			break;
		case KF__OPT_FROM_TIME:
			ro.from_kind = KF_REPLAY_FROM_TIME;
			nfrom++;
			if (kf__parse_time(optarg, &ro.from)) {
				kf_log_user(1,
					    "kferry replay: --from-time '%s': "
					    "expected RFC 3339 "
					    "(2026-11-30T05:00:00Z, "
					    "...T14:00:00.250+09:00) or "
					    "milliseconds since the epoch\n",
					    optarg);
				goto out;
			}
			break;
		case KF__OPT_TO_OFFSET:
			if (kf__offset_opt("--to-offset", optarg,
					   &ro.to_offset))
				goto out;
			break;
		case KF__OPT_UNTIL_NOW:
			ro.to_offset = -1;
			break;
		default:
			kf_log_user(1, "%s", kf__replay_usage);
			goto out;
		}
	}
	if (optind < argc) {
		kf_log_user(1, "kferry replay: unexpected argument '%s'\n%s",
			    argv[optind], kf__replay_usage);
		goto out;
	}
	if (nfrom != 1) {
		kf_log_user(1,
			    "kferry replay: give exactly one of "
			    "--from-beginning, --from-offset and "
			    "--from-time\n%s",
			    kf__replay_usage);
		goto out;
	}
	if (kf_cli_setup_logging(conf, log_json))
		goto out;
	kf_cli_install_signals();
	r = kf_replay(conf, &ro, &st, err, sizeof(err));
	if (r) {
		kf_log_user(1, "kferry replay: %s\n", err);
		rc = kf_cli_exit_code(r);
		goto out;
	}
	kf_log_user(
		0,
		"kferry: replay restored %llu files (%llu bytes), %llu "
		"identical skipped, %llu quarantined, %llu incomplete, %llu "
		"abandoned, %llu messages rejected\n",
		(unsigned long long)st.files_ok,
		(unsigned long long)st.bytes_written,
		(unsigned long long)st.files_skipped,
		(unsigned long long)st.files_quarantined,
		(unsigned long long)st.files_incomplete,
		(unsigned long long)st.files_abandoned,
		(unsigned long long)st.messages_rejected);
	rc = st.files_quarantined || st.files_incomplete || st.messages_rejected
		     ? KF_EXIT_FAILED
		     : KF_EXIT_OK;
out:
	kf_conf_destroy(conf);
	return rc;
}
