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

/* Options of receive that are plain config keys. */
static const struct {
	int opt;
	const char *key;
} kf__recv_keys[] = {
	{'d', "receive.dest"},
	{'g', "receive.group"},
	{3001, "receive.idle_exit"},
	{3002, "receive.on_conflict"},
	{3003, "receive.abandon_timeout"},
	{3004, "receive.fsync"},
};

int kf_cmd_receive(int argc, char **argv)
{
	static const struct option longopts[] = {
		KF_CLI_COMMON_LONG,
		{"dest", required_argument, NULL, 'd'},
		{"group", required_argument, NULL, 'g'},
		{"idle-exit", required_argument, NULL, 3001},
		{"on-conflict", required_argument, NULL, 3002},
		{"abandon-timeout", required_argument, NULL, 3003},
		{"fsync", required_argument, NULL, 3004},
		{NULL, 0, NULL, 0},
	};
	kf_conf_t *conf = kf_conf_new();
	kf_recv_stats_t st = {0};
	int opt, log_json = 0, rc = KF_EXIT_USAGE, r;
	char err[1024];
	size_t i;

	if (!conf)
		return KF_EXIT_SETUP;
	if (kf_cli_preload_config(conf, argc, argv))
		goto out;
	optind = 1;
	while ((opt = getopt_long(argc, argv, KF_CLI_COMMON_SHORT "hd:g:",
				  longopts, NULL)) != -1) {
		if (opt == 'h')
			return kf_cmd_help(2,
					   (char *[]){"help", "receive", NULL});
		r = kf_cli_common_opt(conf, opt, optarg, &log_json);
		if (r < 0)
			goto out;
		if (r)
			continue;
		for (i = 0; i < sizeof(kf__recv_keys) / sizeof(kf__recv_keys[0]);
		     i++)
			if (kf__recv_keys[i].opt == opt)
				break;
		if (i == sizeof(kf__recv_keys) / sizeof(kf__recv_keys[0])) {
			kf_log_user(1, "%s", kf__recv_usage);
			goto out;
		}
		if (kf_conf_set(conf, kf__recv_keys[i].key, optarg, err,
				sizeof(err))) {
			kf_log_user(1, "kferry receive: %s\n", err);
			goto out;
		}
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
	kf_log_user(0,
		"kferry: received %llu files (%llu bytes), %llu already present, "
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
