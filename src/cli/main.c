/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"

/* --log-format json anywhere on the command line: the errors of the
 * options before it, and of the configuration file, are JSON lines too. */
static void kf__preload_log_format(const kf_conf_t *conf, int argc, char **argv)
{
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if ((!strcmp(argv[i], "--log-format") && i + 1 < argc &&
		     !strcmp(argv[i + 1], "json")) ||
		    !strcmp(argv[i], "--log-format=json")) {
			kf_log_init(conf, 1, NULL, 0);
			return;
		}
}

int kf_cli_preload_config(kf_conf_t *conf, int argc, char **argv)
{
	char err[1024];
	int i;

	kf__preload_log_format(conf, argc, argv);
	for (i = 1; i < argc; i++) {
		const char *path = NULL;

		if (!strcmp(argv[i], "--"))
			break;
		if ((!strcmp(argv[i], "-c") || !strcmp(argv[i], "--config")) &&
		    i + 1 < argc)
			path = argv[++i];
		else if (!strncmp(argv[i], "--config=", 9))
			path = argv[i] + 9;
		else if (!strncmp(argv[i], "-c", 2) && argv[i][2])
			path = argv[i] + 2;
		if (path && kf_conf_load_file(conf, path, err, sizeof(err))) {
			kf_log_user(1, "kferry: %s\n", err);
			return -1;
		}
	}
	return 0;
}

int kf_cli_setup_logging(const kf_conf_t *conf, int log_json)
{
	char err[256];

	if (kf_log_init(conf, log_json, err, sizeof(err))) {
		kf_log_user(1, "kferry: %s\n", err);
		return -1;
	}
	return 0;
}

static void kf__on_signal(int sig)
{
	static volatile sig_atomic_t seen;

	(void)sig;
	if (seen++) /* a second signal: the user insists */
		_exit(KF_EXIT_STOPPED);
	kf_stop_request();
}

void kf_cli_install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = kf__on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

void kf_cli_clear_line(int *tty_line)
{
	if (*tty_line) {
		fputs("\r\033[K", stderr);
		*tty_line = 0;
	}
}

void kf_cli_human(double v, char *out, size_t n)
{
	const char *unit[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	int i = 0;

	while (v >= 1024 && i < 4) {
		v /= 1024;
		i++;
	}
	snprintf(out, n, i ? "%.1f %s" : "%.0f %s", v, unit[i]);
}

int kf_cli_start(kf_conf_t *conf, int argc, char **argv, const char *cmd,
		 const kf_cli_opt_t *own, kf_cli_own_cb *own_cb, void *opaque,
		 const char *usage, const char *nothing, int *log_json)
{
	const kf_cli_opt_t *o;
	kf_cli_parser_t p;
	int opt, r;

	if (kf_cli_preload_config(conf, argc, argv))
		return -1;
	kf_cli_parser_init(&p, kf_cli_common_opts, own, "");
	optind = 1;
	while ((opt = kf_cli_getopt(&p, argc, argv, &o)) != -1) {
		if (opt == 'h') {
			kf_cmd_help(2, (char *[]){"help", (char *)cmd, NULL});
			return 1;
		}
		r = kf_cli_common_opt(conf, o, optarg, log_json);
		if (r < 0)
			return -1;
		if (!r && (opt == '?' || own_cb(opt, optarg, opaque))) {
			kf_log_user(1, "%s", usage);
			return -1;
		}
	}
	if (nothing && optind >= argc) {
		kf_log_user(1, "kferry %s: %s\n%s", cmd, nothing, usage);
		return -1;
	}
	if (!nothing && optind < argc) {
		kf_log_user(1, "kferry %s: unexpected argument '%s'\n%s", cmd,
			    argv[optind], usage);
		return -1;
	}
	if (kf_cli_setup_logging(conf, *log_json))
		return -1;
	kf_cli_install_signals();
	return 0;
}

struct kf__keyed {
	kf_conf_t *conf;
	const kf_cli_opt_t *own;
	const char *cmd;
	int json_opt;
	int *json;
};

static int kf__keyed_opt(int opt, const char *arg, void *opaque)
{
	struct kf__keyed *k = opaque;
	const kf_cli_opt_t *o;

	if (opt == k->json_opt) {
		*k->json = 1;
		return 0;
	}
	for (o = k->own; o->val; o++)
		if (o->val == opt)
			return kf_cli_set_key(k->conf, o, arg, k->cmd);
	return -1;
}

int kf_cli_start_keyed(kf_conf_t *conf, int argc, char **argv, const char *cmd,
		       const kf_cli_opt_t *own, int json_opt, int *json,
		       const char *usage, int *log_json)
{
	struct kf__keyed k = {conf, own, cmd, json_opt, json};

	return kf_cli_start(conf, argc, argv, cmd, own, kf__keyed_opt, &k,
			    usage, NULL, log_json);
}

int kf_cli_exit(const char *cmd, int r, const char *err)
{
	if (r == KF_EKAFKA || r == KF_EINVAL || r == KF_EAUTH ||
	    r == KF_EACCESS)
		kf_log_user(1, "kferry %s: %s\n", cmd, err);
	if (!r)
		return KF_EXIT_OK;
	if (r == KF_ESTOPPED)
		return KF_EXIT_STOPPED;
	if (r == KF_EKAFKA || r == KF_EINVAL || r == KF_EAUTH ||
	    r == KF_EACCESS)
		return kf_cli_exit_code(r);
	return KF_EXIT_FAILED;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "help";

	if (!strcmp(cmd, "--version") || !strcmp(cmd, "version")) {
		printf("kferry %s (protocol %d)\n", kf_version(),
		       KF_PROTOCOL_VERSION);
		return KF_EXIT_OK;
	}
	if (!strcmp(cmd, "send"))
		return kf_cmd_send(argc - 1, argv + 1);
	if (!strcmp(cmd, "receive"))
		return kf_cmd_receive(argc - 1, argv + 1);
	if (!strcmp(cmd, "watch"))
		return kf_cmd_watch(argc - 1, argv + 1);
	if (!strcmp(cmd, "replay"))
		return kf_cmd_replay(argc - 1, argv + 1);
	if (!strcmp(cmd, "sink"))
		return kf_cmd_sink(argc - 1, argv + 1);
	if (!strcmp(cmd, "capture"))
		return kf_cmd_capture(argc - 1, argv + 1);
	if (!strcmp(cmd, "load"))
		return kf_cmd_load(argc - 1, argv + 1);
	if (!strcmp(cmd, "keygen"))
		return kf_cmd_keygen(argc - 1, argv + 1);
	if (!strcmp(cmd, "verify"))
		return kf_cmd_verify(argc - 1, argv + 1);
	if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") ||
	    !strcmp(cmd, "-h"))
		return kf_cmd_help(argc - 1, argv + 1);
	kf_log_user(
		1,
		"kferry: unknown command '%s'\nRun 'kferry help' for the list "
		"of commands.\n",
		cmd);
	return KF_EXIT_USAGE;
}
