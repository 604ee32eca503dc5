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

/* Options of watch that are plain config keys; route.cli.* is the route
 * of --dir. */
static const struct {
	int opt;
	const char *key;
} kf__watch_keys[] = {
	{'d', "route.cli.dir"},
	{4001, "route.cli.after"},
	{4002, "route.cli.finished"},
	{4003, "route.cli.stable_seconds"},
	{4004, "route.cli.include"},
	{4005, "route.cli.exclude"},
	{4006, "watch.state_dir"},
	{4007, "watch.rescan_seconds"},
	{4008, "route.cli.error_dir"},
	{4009, "route.cli.retries"},
};

#define KF__NWATCH_KEYS (sizeof(kf__watch_keys) / sizeof(kf__watch_keys[0]))

struct kf__watch_args {
	int argc;
	char **argv;
	int log_json;
};

static int kf__watch_opt(kf_conf_t *conf, int opt, const char *arg)
{
	char err[1024];
	size_t i;

	if (opt == 4010)
		arg = "false", opt = 0;
	for (i = 0; opt && i < KF__NWATCH_KEYS; i++)
		if (kf__watch_keys[i].opt == opt)
			break;
	if (i == KF__NWATCH_KEYS) {
		kf_log_user(1, "%s", kf__watch_usage);
		return -1;
	}
	if (kf_conf_set(conf, opt ? kf__watch_keys[i].key
				  : "route.cli.recursive",
			arg, err, sizeof(err))) {
		kf_log_user(1, "kferry watch: %s\n", err);
		return -1;
	}
	return 0;
}

/* Builds the configuration from the file and the command line: at start,
 * and again for each SIGHUP. Returns NULL after printing why; *help is
 * set for --help. */
static kf_conf_t *kf__watch_conf(struct kf__watch_args *a, int *help)
{
	static const struct option longopts[] = {
		KF_CLI_COMMON_LONG,
		{"dir", required_argument, NULL, 'd'},
		{"after", required_argument, NULL, 4001},
		{"finished", required_argument, NULL, 4002},
		{"stable-seconds", required_argument, NULL, 4003},
		{"include", required_argument, NULL, 4004},
		{"exclude", required_argument, NULL, 4005},
		{"state-dir", required_argument, NULL, 4006},
		{"rescan", required_argument, NULL, 4007},
		{"error-dir", required_argument, NULL, 4008},
		{"retries", required_argument, NULL, 4009},
		{"no-recursive", no_argument, NULL, 4010},
		{NULL, 0, NULL, 0},
	};
	kf_conf_t *conf = kf_conf_new();
	int opt, r;

	if (!conf || kf_cli_preload_config(conf, a->argc, a->argv))
		goto out_destroy;
	optind = 0; /* GNU getopt: start over (this runs again on reload) */
	while ((opt = getopt_long(a->argc, a->argv,
				  "+" KF_CLI_COMMON_SHORT "hd:", longopts,
				  NULL)) != -1) {
		if (opt == 'h') {
			*help = 1;
			goto out_destroy;
		}
		r = kf_cli_common_opt(conf, opt, optarg, &a->log_json);
		if (r < 0 || (!r && kf__watch_opt(conf, opt, optarg)))
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
		snprintf(errstr, errstr_size, "the configuration does not load "
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
