/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kferry watch [options] [--dir DIR]
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static const char kf__watch_usage[] =
	"usage: kferry watch [options] (-c FILE | --dir DIR)\n"
	"Run 'kferry help watch' for the options.\n";

/* Every option of watch is a configuration key; route.cli.* is the
 * route of --dir. */
const kf_cli_opt_t kf_cli_watch_opts[] = {
	{'d', "dir", "DIR", "route.cli.dir", NULL,
	 "directory to watch (absolute path)"},
	{4001, "after", "A", "route.cli.after", NULL,
	 "delete (default), keep or move:DIR (strftime\n"
	 "fields allowed: move:/srv/sent/%Y-%m-%d)"},
	{4002, "finished", "M", "route.cli.finished", NULL,
	 "stable (default), marker or rename"},
	{4003, "stable-seconds", "N", "route.cli.stable_seconds", NULL,
	 "for stable: seconds unchanged (default 5)"},
	{4004, "include", "GLOBS", "route.cli.include", NULL,
	 "comma-separated globs a file must match"},
	{4005, "exclude", "GLOBS", "route.cli.exclude", NULL,
	 "comma-separated globs of files to skip"},
	{4010, "no-recursive", NULL, "route.cli.recursive", "false",
	 "only DIR itself, not its subdirectories"},
	{4008, "error-dir", "DIR", "route.cli.error_dir", NULL,
	 "where failed files go (default DIR/.kferry/error)"},
	{4009, "retries", "N", "route.cli.retries", NULL,
	 "attempts after the first (default 5)"},
	{4006, "state-dir", "DIR", "watch.state_dir", NULL,
	 "ledger directory (default /var/lib/kferry)"},
	{4007, "rescan", "SECS", "watch.rescan_seconds", NULL,
	 "full rescan period (default 30)"},
	{0},
};

struct kf__watch_args {
	int argc;
	char **argv;
	int log_json;
};

static int kf__watch_opt(kf_conf_t *conf, const kf_cli_opt_t *opt,
			 const char *arg)
{
	if (!opt) {
		kf_log_user(1, "%s", kf__watch_usage);
		return -1;
	}
	return kf_cli_set_key(conf, opt, arg, "watch");
}

/* Builds the configuration from the file and the command line: at start,
 * and again for each SIGHUP. Returns NULL after printing why; *help is
 * set for --help. */
static kf_conf_t *kf__watch_conf(struct kf__watch_args *a, int *help)
{
	const kf_cli_opt_t *o;
	kf_cli_parser_t p;
	kf_conf_t *conf = kf_conf_new();
	int opt, r;

	if (!conf || kf_cli_preload_config(conf, a->argc, a->argv))
		goto out_destroy;
	kf_cli_parser_init(&p, kf_cli_common_opts, kf_cli_watch_opts, "+");
	optind = 0; /* GNU getopt: start over (this runs again on reload) */
	while ((opt = kf_cli_getopt(&p, a->argc, a->argv, &o)) != -1) {
		if (opt == 'h') {
			*help = 1;
			goto out_destroy;
		}
		r = kf_cli_common_opt(conf, o, optarg, &a->log_json);
		if (r < 0 || (!r && kf__watch_opt(conf, o, optarg)))
			goto out_destroy;
	}
	if (optind < a->argc) {
		kf_log_user(1, "kferry watch: unexpected argument '%s'\n%s",
			    a->argv[optind], kf__watch_usage);
		goto out_destroy;
	}
	return conf;

out_destroy:
	kf_conf_destroy(conf);
	return NULL;
}

static kf_conf_t *kf__reload(void *opaque, char *errstr, size_t errstr_size)
{
	int help = 0;
	kf_conf_t *conf = kf__watch_conf(opaque, &help);

	if (!conf)
		snprintf(errstr, errstr_size,
			 "the configuration does not load "
			 "(see the message above)");
	return conf;
}

static void kf__on_hup(int sig)
{
	(void)sig;
	kf_watch_reload_request();
}

int kf_cmd_watch(int argc, char **argv)
{
	struct kf__watch_args a = {.argc = argc, .argv = argv};
	struct sigaction sa;
	kf_conf_t *conf;
	char err[1024];
	int help = 0, r;

	conf = kf__watch_conf(&a, &help);
	if (help)
		return kf_cmd_help(2, (char *[]){"help", "watch", NULL});
	if (!conf)
		return KF_EXIT_USAGE;
	if (kf_cli_setup_logging(conf, a.log_json)) {
		kf_conf_destroy(conf);
		return KF_EXIT_USAGE;
	}
	kf_cli_install_signals();
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = kf__on_hup;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGHUP, &sa, NULL);
	r = kf_watch(conf, kf__reload, &a, err, sizeof(err));
	kf_conf_destroy(conf);
	if (r) {
		kf_log_user(1, "kferry watch: %s\n", err);
		return kf_cli_exit_code(r);
	}
	return KF_EXIT_OK;
}
