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
