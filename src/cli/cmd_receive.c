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
	kf_conf_t *conf = kf_conf_new();
	kf_recv_stats_t st = {0};
	int log_json = 0, rc = KF_EXIT_USAGE, r;
	char err[1024];

	if (!conf)
		return KF_EXIT_SETUP;
	r = kf_cli_start_keyed(conf, argc, argv, "receive", kf_cli_receive_opts,
			       0, NULL, kf__recv_usage, &log_json);
	if (r) {
		rc = r > 0 ? KF_EXIT_OK : KF_EXIT_USAGE;
		goto out;
	}
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
