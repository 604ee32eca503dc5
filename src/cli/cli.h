/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The kferry command line. Uses only the public API (include/kferry) and
 * the logger.
 */
#ifndef KF_CLI_CLI_H
#define KF_CLI_CLI_H

#include <getopt.h>
#include <stdio.h>

#include "kferry/kferry.h"

/* Exit codes, documented in `kferry help`. */
enum {
	KF_EXIT_OK = 0,
	KF_EXIT_FAILED = 1, /* some files failed */
	KF_EXIT_USAGE = 2,  /* bad command line or configuration */
	KF_EXIT_SETUP = 3,  /* could not start: Kafka client, destination */
	KF_EXIT_AUTH = 4,   /* TLS or SASL refused (KF_EAUTH) */
	KF_EXIT_DENIED = 5, /* an ACL is missing (KF_EACCESS) */
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

/* One option of a command, in the one table that makes both its
 * getopt_long entry and its lines in `kferry help COMMAND` (opts.c). A
 * table ends with an entry whose val is 0. */
typedef struct kf_cli_opt {
	int val;	   /* a letter, which is also the short option, or a
			    * code >= 1000 for a long option only */
	const char *name;  /* the long name; NULL for a short option only */
	const char *arg;   /* the argument's name in the help ("DIR"); NULL
			    * when the option takes none */
	const char *key;   /* the configuration key it sets, or NULL when
			    * the command handles it */
	const char *value; /* the value it sets key to; NULL: the argument */
	const char *help;  /* the help text, lines separated by '\n'; NULL
			    * keeps the option out of the help */
} kf_cli_opt_t;

/* The options every command but keygen takes (-c, -b, -X, ...). */
extern const kf_cli_opt_t kf_cli_common_opts[];
/* Each command's own options, defined beside the command. */
extern const kf_cli_opt_t kf_cli_send_opts[];
extern const kf_cli_opt_t kf_cli_receive_opts[];
extern const kf_cli_opt_t kf_cli_watch_opts[];
extern const kf_cli_opt_t kf_cli_replay_opts[];
extern const kf_cli_opt_t kf_cli_sink_opts[];
extern const kf_cli_opt_t kf_cli_capture_opts[];
extern const kf_cli_opt_t kf_cli_load_opts[];
extern const kf_cli_opt_t kf_cli_verify_opts[];

#define KF_CLI_MAX_OPTS 48

/* getopt_long's tables, built from one or two option tables. */
typedef struct kf_cli_parser {
	const kf_cli_opt_t *tables[2];
	struct option longopts[KF_CLI_MAX_OPTS + 1];
	char shortopts[2 * KF_CLI_MAX_OPTS + 2];
} kf_cli_parser_t;

/* Builds p from common and own (either may be NULL); flags go first in the
 * getopt string ("+": stop at the first operand, "" otherwise). */
void kf_cli_parser_init(kf_cli_parser_t *p, const kf_cli_opt_t *common,
			const kf_cli_opt_t *own, const char *flags);

/* getopt_long over p: returns the option's val (-1 at the end, '?' for an
 * unknown option or a missing argument) and points *opt at its entry
 * (NULL for '?'). optarg holds the argument. */
int kf_cli_getopt(kf_cli_parser_t *p, int argc, char **argv,
		  const kf_cli_opt_t **opt);

/* Applies an option of kf_cli_common_opts: returns 1 if opt was one of
 * them (applied to conf), 0 if not, -1 on error (message printed). */
int kf_cli_common_opt(kf_conf_t *conf, const kf_cli_opt_t *opt, const char *arg,
		      int *log_json);

/* Sets opt->key to opt->value, or to arg: 0, or -1 after printing
 * "kferry CMD: why". */
int kf_cli_set_key(kf_conf_t *conf, const kf_cli_opt_t *opt, const char *arg,
		   const char *cmd);

/* Writes the help lines of a table's options: the option and its argument
 * in a column of 26, the text beside it. */
void kf_cli_print_opts(FILE *out, const kf_cli_opt_t *table);

/* Loads -c FILE from argv before the other options are applied, so that
 * the command line always wins over the file. */
int kf_cli_preload_config(kf_conf_t *conf, int argc, char **argv);

/* Applies the logging options once the command line is parsed. */
int kf_cli_setup_logging(const kf_conf_t *conf, int log_json);

void kf_cli_install_signals(void);

/* Takes a command's own option (opt, its argument or NULL): 0, or
 * nonzero for a usage error. */
typedef int(kf_cli_own_cb)(int opt, const char *arg, void *opaque);

/* Starts command cmd: -c preloaded, the common options applied to conf,
 * the options of own handed to own_cb, at least one operand (else
 * "kferry CMD: NOTHING" and usage; nothing NULL: no operand allowed),
 * logging set up, the signals installed. Returns 0 (optind is the first
 * operand), 1 after printing the help (--help), or -1 after printing
 * why. */
int kf_cli_start(kf_conf_t *conf, int argc, char **argv, const char *cmd,
		 const kf_cli_opt_t *own, kf_cli_own_cb *own_cb, void *opaque,
		 const char *usage, const char *nothing, int *log_json);

/* kf_cli_start for a command without operands whose own options each set
 * their configuration key (kf_cli_set_key), except json_opt (0: none),
 * which sets *json: receive, sink, capture. */
int kf_cli_start_keyed(kf_conf_t *conf, int argc, char **argv, const char *cmd,
		       const kf_cli_opt_t *own, int json_opt, int *json,
		       const char *usage, int *log_json);

/* The exit code of a command whose run returned r (a KF_E* code), after
 * printing err for a refusal or a bad configuration. */
int kf_cli_exit(const char *cmd, int r, const char *err);

/* Erases the progress line on stderr when *tty_line says one is there. */
void kf_cli_clear_line(int *tty_line);

/* A byte count for people: "512 B", "1.5 MiB". */
void kf_cli_human(double v, char *out, size_t n);

int kf_cmd_send(int argc, char **argv);
int kf_cmd_receive(int argc, char **argv);
int kf_cmd_watch(int argc, char **argv);
int kf_cmd_replay(int argc, char **argv);
int kf_cmd_sink(int argc, char **argv);
int kf_cmd_capture(int argc, char **argv);
int kf_cmd_load(int argc, char **argv);
int kf_cmd_keygen(int argc, char **argv);
int kf_cmd_verify(int argc, char **argv);
int kf_cmd_help(int argc, char **argv);

#endif /* KF_CLI_CLI_H */
