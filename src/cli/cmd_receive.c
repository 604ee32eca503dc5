/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kferry receive [options] --dest DIR
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static const char kf__recv_usage[] =
	"usage: kferry receive [options] --dest DIR\n"
	"Run 'kferry help receive' for the options.\n";

/* Every option of receive is a configuration key. */
const kf_cli_opt_t kf_cli_receive_opts[] = {
	{'d', "dest", "DIR", "receive.dest", NULL,
	 "destination directory (created if missing)"},
	{'g', "group", "NAME", "receive.group", NULL,
	 "consumer group (default kferry-receive)"},
	{3001, "idle-exit", "SECS", "receive.idle_exit", NULL,
	 "exit 0 once partitions are assigned, read to their\n"
	 "end, and nothing was in progress for SECS seconds\n"
	 "(0 = never)"},
	{3002, "on-conflict", "P", "receive.on_conflict", NULL,
	 "when the target exists with other content:\n"
	 "fail (default: quarantine the new file),\n"
	 "overwrite, or rename (add .1, .2, ...)"},
	{3003, "abandon-timeout", "S", "receive.abandon_timeout", NULL,
	 "drop an unfinished file after S seconds without\n"
	 "data from its sender (default 900)"},
	{3004, "fsync", "BOOL", "receive.fsync", NULL,
	 "fsync files and directories (default true)"},
	{0},
};

int kf_cmd_receive(int argc, char **argv)
{
	const kf_cli_opt_t *o;
	kf_cli_parser_t p;
	kf_conf_t *conf = kf_conf_new();
	kf_recv_stats_t st = {0};
	int opt, log_json = 0, rc = KF_EXIT_USAGE, r;
	char err[1024];

	if (!conf)
		return KF_EXIT_SETUP;
	if (kf_cli_preload_config(conf, argc, argv))
		goto out;
	kf_cli_parser_init(&p, kf_cli_common_opts, kf_cli_receive_opts, "");
	optind = 1;
	while ((opt = kf_cli_getopt(&p, argc, argv, &o)) != -1) {
		if (opt == 'h')
			return kf_cmd_help(2,
					   (char *[]){"help", "receive", NULL});
		r = kf_cli_common_opt(conf, o, optarg, &log_json);
		if (r < 0)
			goto out;
		if (r)
			continue;
		if (!o) {
			kf_log_user(1, "%s", kf__recv_usage);
			goto out;
		}
		if (kf_cli_set_key(conf, o, optarg, "receive"))
			goto out;
	}
	if (optind < argc) {
		kf_log_user(1, "kferry receive: unexpected argument '%s'\n%s",
			    argv[optind], kf__recv_usage);
		goto out;
	}
	if (kf_cli_setup_logging(conf, log_json))
		goto out;
	kf_cli_install_signals();
	r = kf_receive(conf, &st, err, sizeof(err));
	if (r) {
		kf_log_user(1, "kferry receive: %s\n", err);
		rc = kf_cli_exit_code(r);
		goto out;
	}
	kf_log_user(
		0,
		"kferry: received %llu files (%llu bytes), %llu already "
		"present, "
		"%llu quarantined, %llu abandoned, %llu messages rejected, "
		"%llu repeated chunks dropped, %llu dead letters, %llu lost "
		"after abandon_timeout or an ABORT\n",
		(unsigned long long)st.files_ok,
		(unsigned long long)st.bytes_written,
		(unsigned long long)st.files_skipped,
		(unsigned long long)st.files_quarantined,
		(unsigned long long)st.files_abandoned,
		(unsigned long long)st.messages_rejected,
		(unsigned long long)st.chunks_repeated,
		(unsigned long long)st.dead_letters,
		(unsigned long long)st.files_lost);
	rc = KF_EXIT_OK;
out:
	kf_conf_destroy(conf);
	return rc;
}
