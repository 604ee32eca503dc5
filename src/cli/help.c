/*
 * kferry help [COMMAND]
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static const char kf__help_main[] =
	"kferry - move files through Apache Kafka, verified end to end\n"
	"\n"
	"usage: kferry COMMAND [options]\n"
	"\n"
	"commands:\n"
	"  send PATH...        send files and directory trees to a topic\n"
	"  receive --dest DIR  receive them, verify them, place them in DIR\n"
	"  watch --dir DIR     send every file finished in DIR (a daemon)\n"
	"  replay --dest DIR   re-deliver a range of the topic into DIR (rebuild "
	"it)\n"
	"  keygen --type T --out FILE\n"
	"                      make a key pair for end-to-end encryption\n"
	"                      (x25519) or signatures (ed25519)\n"
	"  help [COMMAND]      this text, or a command's options; 'help "
	"config'\n"
	"                      lists every configuration key (--markdown,\n"
	"                      --man: as docs/config.md, kferry.conf(5))\n"
	"  version             print the version\n"
	"\n"
	"Every file travels as a manifest, checksummed zstd-compressed chunks\n"
	"and a commit carrying the whole-file hash; the receiver verifies each\n"
	"chunk and the whole file before an atomic rename, and commits Kafka\n"
	"offsets only for files that are durable (docs/protocol.md).\n"
	"\n"
	"exit codes: 0 success; 1 some files failed; 2 bad command line or\n"
	"configuration; 3 could not start (Kafka client, destination);\n"
	"4 authentication refused (TLS certificate, SASL password); 5 not\n"
	"authorized (a missing ACL, named in the message); 130 interrupted.\n";

#define KF__COMMON_HELP                                                        \
	"common options:\n"                                                    \
	"  -c, --config FILE       configuration file (kferry.conf(5), "      \
	"docs/config.md);\n"                                                   \
	"                          options given here override it\n"         \
	"  -b, --bootstrap LIST    brokers, host:port[,host:port...] "        \
	"(default 127.0.0.1:9092)\n"                                           \
	"  -t, --topic NAME        topic (default kferry.files)\n"           \
	"  -X KEY=VALUE            librdkafka property (e.g. -X "            \
	"security.protocol=ssl);\n"                                            \
	"                          those delivery, offsets and TLS checks "   \
	"rest on\n"                                                            \
	"                          are refused\n"                               \
	"  -o, --set KEY=VALUE     any configuration key (e.g. -o "           \
	"send.linger_ms=10)\n"                                                 \
	"      --chunk-size SIZE   chunk size, 4KiB..64MiB (default 1MiB)\n"  \
	"      --compression C     zstd, zstd:LEVEL (1..19) or none "         \
	"(default zstd:1)\n"                                                   \
	"      --workers N         worker threads (default CPUs + 1)\n"       \
	"      --log-level L       error, warn, info (default) or debug\n"    \
	"      --debug CTX         debug contexts: send,recv,kafka,wire,fs,\n" \
	"                          watch,obs or all (comma-separated)\n"     \
	"      --metrics-addr A    serve /metrics and /healthz on HOST:PORT "  \
	"(docs/metrics.md)\n"                                                  \
	"      --log-format F      text (default) or json (one JSON object a "\
	"line)\n"                                                              \
	"  -q, --quiet             warnings and errors only\n"               \
	"  -v, --verbose           debug output\n"

static const char kf__help_send[] =
	"usage: kferry send [options] PATH...\n"
	"\n"
	"Sends each file, and each directory as a tree rooted at its own name\n"
	"(relative paths kept, symbolic links inside trees skipped). Exits 0\n"
	"only when every message of every file was acknowledged by the\n"
	"brokers (acks=all, idempotent producer); otherwise names each file\n"
	"that failed and why, and exits 1.\n"
	"\n"
	"send options:\n"
	"      --json              print a JSON summary on stdout\n"
	"      --progress          show progress even when stderr is not a "
	"terminal\n"
	"      --no-progress       never show progress\n"
	"\n" KF__COMMON_HELP;

static const char kf__help_receive[] =
	"usage: kferry receive [options] --dest DIR\n"
	"\n"
	"Consumes the topic in a consumer group, reassembles each file in\n"
	"DIR/.kferry/tmp, verifies every chunk and the whole file, and renames\n"
	"it into DIR with its relative path, mode and mtime. Files that fail\n"
	"verification go to DIR/.kferry/quarantine with a reason.txt. SIGINT\n"
	"or SIGTERM stops it cleanly.\n"
	"\n"
	"receive options:\n"
	"  -d, --dest DIR          destination directory (created if missing)\n"
	"  -g, --group NAME        consumer group (default kferry-receive)\n"
	"      --idle-exit SECS    exit 0 once partitions are assigned, read "
	"to their\n"
	"                          end, and nothing was in progress for SECS "
	"seconds\n"
	"                          (0 = never)\n"
	"      --on-conflict P     when the target exists with other content:\n"
	"                          fail (default: quarantine the new file),\n"
	"                          overwrite, or rename (add .1, .2, ...)\n"
	"      --abandon-timeout S drop an unfinished file after S seconds "
	"without\n"
	"                          data from its sender (default 900)\n"
	"      --fsync BOOL        fsync files and directories (default true)\n"
	"\n" KF__COMMON_HELP;

static const char kf__help_replay[] =
	"usage: kferry replay [options] --dest DIR (--from-beginning |\n"
	"                     --from-offset N | --from-time T) [--to-offset N "
	"| --until-now]\n"
	"\n"
	"Reads every partition of the topic from the start position up to the\n"
	"end offsets seen when it starts, through the same verification and\n"
	"placement as receive, then exits: files missing from DIR are\n"
	"restored, files present with the same content are left untouched,\n"
	"files present with other content follow --on-conflict. It reads with\n"
	"assign(), outside any consumer group, and commits nothing, so the\n"
	"live receivers are not disturbed. A file whose manifest lies before\n"
	"the start, or whose commit lies after the end, is named and counted\n"
	"as incomplete. Exits 0 when every file in the range was restored or\n"
	"already present; 1 when some were quarantined, incomplete or\n"
	"rejected (docs/dead-letters.md).\n"
	"\n"
	"replay options:\n"
	"  -d, --dest DIR          destination directory (created if missing)\n"
	"      --from-beginning    start at the oldest message kept\n"
	"      --from-offset N     start at offset N of every partition\n"
	"      --from-time T       start at the first message at or after T:\n"
	"                          RFC 3339 (2026-11-30T05:00:00Z) or ms since "
	"the epoch\n"
	"      --to-offset N       stop before offset N of every partition\n"
	"      --until-now         stop at the end offsets seen at start "
	"(default)\n"
	"      --on-conflict P     fail (default), overwrite or rename, as for "
	"receive\n"
	"      --fsync BOOL        fsync files and directories (default true)\n"
	"\n" KF__COMMON_HELP;

static const char kf__help_watch[] =
	"usage: kferry watch [options] (-c FILE | --dir DIR)\n"
	"\n"
	"Watches directories (the [route.NAME] sections of the configuration\n"
	"file, or the one --dir) and sends every finished file as `kferry\n"
	"send` would. Once the brokers acknowledged all of a file, it is\n"
	"recorded in the ledger (watch.state_dir) and deleted, moved or\n"
	"kept; after its last failed attempt it moves to the error directory\n"
	"with a .error text. SIGHUP reloads the routes; SIGTERM or SIGINT\n"
	"drains the files in flight and exits 0. See docs/watch.md.\n"
	"\n"
	"watch options (the route of --dir is named \"cli\"):\n"
	"  -d, --dir DIR           directory to watch (absolute path)\n"
	"      --after A           delete (default), keep or move:DIR "
	"(strftime\n"
	"                          fields allowed: move:/srv/sent/%Y-%m-%d)\n"
	"      --finished M        stable (default), marker or rename\n"
	"      --stable-seconds N  for stable: seconds unchanged (default 5)\n"
	"      --include GLOBS     comma-separated globs a file must match\n"
	"      --exclude GLOBS     comma-separated globs of files to skip\n"
	"      --no-recursive      only DIR itself, not its subdirectories\n"
	"      --error-dir DIR     where failed files go (default "
	"DIR/.kferry/error)\n"
	"      --retries N         attempts after the first (default 5)\n"
	"      --state-dir DIR     ledger directory (default "
	"/var/lib/kferry)\n"
	"      --rescan SECS       full rescan period (default 30)\n"
	"\n" KF__COMMON_HELP;

static const char kf__help_keygen[] =
	"usage: kferry keygen --type x25519|ed25519 --out FILE\n"
	"\n"
	"Writes a new private key to FILE (PEM, mode 0600) and its public key\n"
	"to FILE.pub. Never overwrites a file.\n"
	"\n"
	"  x25519   a receiver's encryption key: FILE goes to the receiver's\n"
	"           receive.decrypt_keys, FILE.pub to the senders'\n"
	"           send.encrypt_recipients\n"
	"  ed25519  a sender's signing key: FILE goes to its send.sign_key,\n"
	"           FILE.pub to the receivers' receive.trusted_signers\n"
	"\n"
	"Rotation and the format: docs/protocol.md, section 10.\n";

int kf_cmd_help(int argc, char **argv)
{
	const char *topic = argc > 1 ? argv[1] : NULL;

	if (!topic) {
		fputs(kf__help_main, stdout);
		return KF_EXIT_OK;
	}
	if (!strcmp(topic, "send")) {
		fputs(kf__help_send, stdout);
	} else if (!strcmp(topic, "receive")) {
		fputs(kf__help_receive, stdout);
	} else if (!strcmp(topic, "watch")) {
		fputs(kf__help_watch, stdout);
	} else if (!strcmp(topic, "replay")) {
		fputs(kf__help_replay, stdout);
	} else if (!strcmp(topic, "keygen")) {
		fputs(kf__help_keygen, stdout);
	} else if (!strcmp(topic, "config")) {
		const char *fmt = argc > 2 ? argv[2] : "";

		if (*fmt && strcmp(fmt, "--markdown") && strcmp(fmt, "--man")) {
			fprintf(stderr, "kferry help config: unknown format "
					"'%s' (try --markdown or --man)\n",
				fmt);
			return KF_EXIT_USAGE;
		}
		kf_conf_describe(stdout, !*fmt ? KF_CONF_DOC_TEXT
				 : !strcmp(fmt, "--man") ? KF_CONF_DOC_MAN
							 : KF_CONF_DOC_MARKDOWN);
	} else {
		fprintf(stderr, "kferry help: no help for '%s' (try send, "
				"receive, replay, watch, keygen or config)\n",
			topic);
		return KF_EXIT_USAGE;
	}
	return KF_EXIT_OK;
}
