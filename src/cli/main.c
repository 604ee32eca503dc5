#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"

/* --log-format json anywhere on the command line: the errors of the
 * options before it, and of the configuration file, are JSON lines too. */
static void kf__preload_log_format(const kf_conf_t *conf, int argc,
				   char **argv)
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

static int kf__set(kf_conf_t *conf, const char *key, const char *value)
{
	char err[1024];

	if (kf_conf_set(conf, key, value, err, sizeof(err)) == 0)
		return 1;
	kf_log_user(1, "kferry: %s\n", err);
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

int kf_cli_common_opt(kf_conf_t *conf, int opt, const char *arg,
		      int *log_json)
{
	switch (opt) {
	case 'c':
		return 1; /* loaded by kf_cli_preload_config */
	case 'b':
		return kf__set(conf, "bootstrap", arg);
	case 't':
		return kf__set(conf, "topic", arg);
	case 'X':
		return kf__set_pair(conf, arg, "kafka.");
	case 'o':
		return kf__set_pair(conf, arg, "");
	case 1001:
		return kf__set(conf, "chunk_size", arg);
	case 1002:
		return kf__set(conf, "compression", arg);
	case 1003:
		return kf__set(conf, "log_level", arg);
	case 1004:
		return kf__set(conf, "debug", arg);
	case 1005:
		if (strcmp(arg, "json") && strcmp(arg, "text")) {
			kf_log_user(1, "kferry: --log-format: expected text "
					"or json\n");
			return -1;
		}
		*log_json = !strcmp(arg, "json");
		return 1;
	case 1006:
		return kf__set(conf, "workers", arg);
	case 1007:
		return kf__set(conf, "metrics.addr", arg);
	case 'q':
		return kf__set(conf, "log_level", "warn");
	case 'v':
		return kf__set(conf, "log_level", "debug");
	default:
		return 0;
	}
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
	if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") ||
	    !strcmp(cmd, "-h"))
		return kf_cmd_help(argc - 1, argv + 1);
	kf_log_user(1,
		"kferry: unknown command '%s'\nRun 'kferry help' for the list "
		"of commands.\n",
		cmd);
	return KF_EXIT_USAGE;
}
