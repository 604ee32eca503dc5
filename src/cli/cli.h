/*
 * The kferry command line. Uses only the public API (include/kferry) and
 * the logger.
 */
#ifndef KF_CLI_CLI_H
#define KF_CLI_CLI_H

#include "kferry/kferry.h"

/* Exit codes, documented in `kferry help`. */
enum {
	KF_EXIT_OK = 0,
	KF_EXIT_FAILED = 1,  /* some files failed */
	KF_EXIT_USAGE = 2,   /* bad command line or configuration */
	KF_EXIT_SETUP = 3,   /* could not start: Kafka client, destination */
	KF_EXIT_AUTH = 4,    /* TLS or SASL refused (KF_EAUTH) */
	KF_EXIT_DENIED = 5,  /* an ACL is missing (KF_EACCESS) */
	KF_EXIT_STOPPED = 130
};

/* The exit code of a command that could not start or run: KF_EINVAL is a
 * usage error, KF_EAUTH and KF_EACCESS have their own codes, the rest is
 * KF_EXIT_SETUP. Inline so that tests/unit/test_err.c checks the mapping
 * without the command line's main(). */
static inline int kf_cli_exit_code(int err)
{
	switch (err) {
	case KF_EINVAL:
		return KF_EXIT_USAGE;
	case KF_EAUTH:
		return KF_EXIT_AUTH;
	case KF_EACCESS:
		return KF_EXIT_DENIED;
	default:
		return KF_EXIT_SETUP;
	}
}

/* Options every command takes; returns 1 if opt was one of them (applied
 * to conf), 0 if not, -1 on error (message printed). */
int kf_cli_common_opt(kf_conf_t *conf, int opt, const char *arg,
		      int *log_json);

/* Loads -c FILE from argv before the other options are applied, so that
 * the command line always wins over the file. */
int kf_cli_preload_config(kf_conf_t *conf, int argc, char **argv);

/* Applies the logging options once the command line is parsed. */
int kf_cli_setup_logging(const kf_conf_t *conf, int log_json);

void kf_cli_install_signals(void);

int kf_cmd_send(int argc, char **argv);
int kf_cmd_receive(int argc, char **argv);
int kf_cmd_watch(int argc, char **argv);
int kf_cmd_replay(int argc, char **argv);
int kf_cmd_keygen(int argc, char **argv);
int kf_cmd_help(int argc, char **argv);

/* The long options every command shares, and their getopt string. */
#define KF_CLI_COMMON_SHORT "c:b:t:X:o:qv"
#define KF_CLI_COMMON_LONG                                                     \
	{"config", required_argument, NULL, 'c'},                              \
	{"bootstrap", required_argument, NULL, 'b'},                           \
	{"topic", required_argument, NULL, 't'},                               \
	{"set", required_argument, NULL, 'o'},                                 \
	{"chunk-size", required_argument, NULL, 1001},                         \
	{"compression", required_argument, NULL, 1002},                        \
	{"log-level", required_argument, NULL, 1003},                          \
	{"debug", required_argument, NULL, 1004},                              \
	{"log-format", required_argument, NULL, 1005},                         \
	{"workers", required_argument, NULL, 1006},                            \
	{"metrics-addr", required_argument, NULL, 1007},                       \
	{"quiet", no_argument, NULL, 'q'},                                     \
	{"verbose", no_argument, NULL, 'v'},                                   \
	{"help", no_argument, NULL, 'h'}

#endif /* KF_CLI_CLI_H */
