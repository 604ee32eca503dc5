/* SPDX-License-Identifier: Apache-2.0 */
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
	"  replay --dest DIR   re-deliver a range of the topic into DIR "
	"(rebuild "
	"it)\n"
	"  load FILE...        load record files (CSV, JSON lines, fixed-"
	"width)\n"
	"                      into a topic, one transaction per file\n"
	"  sink -t T --db URL  apply records and change events to PostgreSQL\n"
	"                      or MariaDB, exactly once\n"
	"  capture --db URL --tables S.T\n"
	"                      PostgreSQL's changes into Kafka as Debezium's\n"
	"                      events, exactly once\n"
	"  keygen --type T --out FILE\n"
	"                      make a key pair for end-to-end encryption\n"
	"                      (x25519) or signatures (ed25519)\n"
	"  verify --source URL --target URL --table SRC[:DST]\n"
	"                      prove that database tables hold the same rows\n"
	"  help [COMMAND]      this text, or a command's options; 'help "
	"config'\n"
	"                      lists every configuration key (--markdown,\n"
	"                      --man: as docs/config.md, kferry.conf(5))\n"
	"  version             print the version\n"
	"\n"
	"Every file travels as a manifest, checksummed zstd-compressed chunks\n"
	"and a commit carrying the whole-file hash; the receiver verifies "
	"each\n"
	"chunk and the whole file before an atomic rename, and commits Kafka\n"
	"offsets only for files that are durable (docs/protocol.md).\n"
	"\n"
	"exit codes: 0 success; 1 some files failed; 2 bad command line or\n"
	"configuration; 3 could not start (Kafka client, destination);\n"
	"4 authentication refused (TLS certificate, SASL password); 5 not\n"
	"authorized (a missing ACL, named in the message); 130 interrupted.\n";

static const char kf__help_send[] =
	"usage: kferry send [options] PATH...\n"
	"\n"
	"Sends each file, and each directory as a tree rooted at its own name\n"
	"(relative paths kept, symbolic links inside trees skipped). Exits 0\n"
	"only when every message of every file was acknowledged by the\n"
	"brokers (acks=all, idempotent producer); otherwise names each file\n"
	"that failed and why, and exits 1.\n";

static const char kf__help_receive[] =
	"usage: kferry receive [options] --dest DIR\n"
	"\n"
	"Consumes the topic in a consumer group, reassembles each file in\n"
	"DIR/.kferry/tmp, verifies every chunk and the whole file, and "
	"renames\n"
	"it into DIR with its relative path, mode and mtime. Files that fail\n"
	"verification go to DIR/.kferry/quarantine with a reason.txt. SIGINT\n"
	"or SIGTERM stops it cleanly.\n";

static const char kf__help_sink[] =
	"usage: kferry sink [options] -t TOPIC[,TOPIC...] -g GROUP --db URL\n"
	"                   [--table NAME | --table-format FMT]\n"
	"                   [--mode insert|upsert] [--key COL,...]\n"
	"                   [--create-table] [--evolve] [--delete] "
	"[--truncate]\n"
	"                   [--idle-exit SECS] [--json]\n"
	"\n"
	"Applies records (Kafka Connect JSON with schemas: what kferry load\n"
	"and Connect's JsonConverter write) and Debezium change events to a\n"
	"PostgreSQL or MariaDB table, exactly once: each batch's rows and the\n"
	"next offset of every partition it covers commit in one database\n"
	"transaction (table sink.offsets_table), and reading resumes there,\n"
	"not at the group's Kafka offsets. A kill at any instant leaves every\n"
	"message applied once, also in insert mode without a key.\n"
	"\n"
	"Rows the database refuses (constraint, type, length) go to\n"
	"sink.dead_letter_topic with the server's error and their source\n"
	"coordinates and the rest commits; sink.errors = fail stops instead.\n"
	"A lost connection is retried with backoff. Tombstones are skipped;\n"
	"deletes and truncates of change events apply with --delete and\n"
	"--truncate. See docs/sink.md.\n"
	"\n"
	"Exit status: 0 idle exit (--idle-exit) after everything was applied;\n"
	"1 a refused row with sink.errors = fail, a missing table or column,\n"
	"or a fatal database error; 2 bad command line or configuration;\n"
	"3 could not start (broker or database unreachable); 4 authentication\n"
	"refused; 5 not authorized; 130 interrupted (the batch running is\n"
	"finished or rolled back first).\n";

static const char kf__help_capture[] =
	"usage: kferry capture [options] --db URL --tables SCHEMA.TABLE[,...]\n"
	"                      -b BROKERS [--topic-prefix PREFIX] [--slot "
	"NAME]\n"
	"                      [--publication NAME]\n"
	"                      [--snapshot initial|never|initial_only]\n"
	"                      [--idle-exit SECS] [--json]\n"
	"\n"
	"Streams a PostgreSQL database's changes (logical replication, the\n"
	"pgoutput plugin) into Kafka as Debezium's PostgreSQL connector does:\n"
	"topics PREFIX.SCHEMA.TABLE, the primary key as the key, Debezium's\n"
	"envelope in Connect JSON with schema, a tombstone after each delete.\n"
	"First the tables' rows (the slot's exported snapshot, in key order),\n"
	"then their changes. Exactly once: each Kafka transaction holds whole\n"
	"source transactions and the position they reach "
	"(capture.offsets_topic);\n"
	"the slot moves only after the Kafka commit, and a restart resumes at\n"
	"that position. The source needs wal_level = logical and a role with\n"
	"REPLICATION. See docs/cdc.md.\n"
	"\n"
	"Exit status: 0 idle exit (--idle-exit) or the end of an initial_only\n"
	"snapshot; 1 the database or Kafka failed while running; 2 bad "
	"command\n"
	"line or configuration; 3 could not start (the source not set up: the\n"
	"message says what to run; broker or database unreachable);\n"
	"4 authentication refused; 5 not authorized; 130 interrupted (the "
	"open\n"
	"Kafka transaction is aborted: a restart produces it again, once).\n";

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
	"rejected (docs/dead-letters.md).\n";

static const char kf__help_watch[] =
	"usage: kferry watch [options] (-c FILE | --dir DIR)\n"
	"\n"
	"Watches directories (the [route.NAME] sections of the configuration\n"
	"file, or the one --dir) and sends every finished file as `kferry\n"
	"send` would. Once the brokers acknowledged all of a file, it is\n"
	"recorded in the ledger (watch.state_dir) and deleted, moved or\n"
	"kept; after its last failed attempt it moves to the error directory\n"
	"with a .error text. SIGHUP reloads the routes; SIGTERM or SIGINT\n"
	"drains the files in flight and exits 0. See docs/watch.md.\n";

static const char kf__help_load[] =
	"usage: kferry load [options] -t TOPIC [--schema FILE] FILE...\n"
	"       kferry load [options] --print-schema FILE\n"
	"\n"
	"Turns each record file (CSV, JSON lines, fixed-width) into one Kafka\n"
	"message per record, validated and transformed by the schema file, in\n"
	"the JSON Kafka Connect's JsonConverter writes (schemas.enable=true),\n"
	"with the headers kferry.load_id and kferry.offset (the file's name\n"
	"is in its load record; the line follows from the offset). Each file\n"
	"is one Kafka transaction: a read_committed consumer sees all of its\n"
	"rows or none, and a load killed mid-file is published exactly once "
	"by\n"
	"the re-run.\n"
	"The transaction also writes the\n"
	"file's load record to load.ledger_topic; a file whose content is\n"
	"recorded there as loaded into TOPIC is skipped unless --force. Rows\n"
	"that fail validation go to load.dead_letter_topic; past\n"
	"load.max_rejects (N rows or P%) nothing of the file is visible and a\n"
	"failure record with a sample of its dead letters is written instead.\n"
	"Files are loaded in the order given, load.max_files_parallel at a\n"
	"time. The topic kferry.files (the file transfers') is refused.\n"
	"Without --schema (or load.schema), each CSV file's dialect, header\n"
	"and column types are sniffed from its first load.sniff_bytes;\n"
	"--print-schema writes that schema file, to start from, and loads\n"
	"nothing.\n"
	"Exits 0 when every file was loaded or skipped, 1 when some failed\n"
	"(rejects, control totals, Kafka), 2 for a bad command line,\n"
	"configuration or schema file, 3 when Kafka could not be used at all.\n"
	"See docs/records.md.\n";

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

static const char kf__help_verify[] =
	"usage: kferry verify --source URL --target URL --table "
	"SRC[:DST][,...]\n"
	"                     [--key COL,...] [--chunk-rows N] [--show N] "
	"[--json]\n"
	"\n"
	"Compares tables of two databases (PostgreSQL or MariaDB, in either\n"
	"direction) without pulling every row: each database computes the\n"
	"row count and a checksum of canonical row texts over the same key\n"
	"ranges; ranges that differ are halved down to the differing keys.\n"
	"Values are compared in one canonical text per type on both sides\n"
	"(decimals without trailing zeros, timestamps in UTC to the\n"
	"microsecond, booleans as 1/0, bytes as hex, NULL apart from the\n"
	"empty string). The report lists each table's rows, ranges and\n"
	"differences, and the first differing keys with both sides' values.\n"
	"See docs/verify.md.\n"
	"\n"
	"exit codes: 0 every table is equal; 1 a table differs (rows,\n"
	"values, columns, or it is missing); 2 bad command line (or a table\n"
	"without a primary key and no --key); 3 a database cannot be\n"
	"reached, refuses the login, or fails during the comparison.\n";

/* A command's help: what it does, then its options and the common ones,
 * both from the tables that make its parser. */
static const struct {
	const char *cmd;
	const char *text;
	const char *title; /* NULL: text says everything (keygen) */
	const kf_cli_opt_t *opts;
} kf__help_cmds[] = {
	{"send", kf__help_send, "send options:", kf_cli_send_opts},
	{"receive", kf__help_receive, "receive options:", kf_cli_receive_opts},
	{"watch", kf__help_watch,
	 "watch options (the route of --dir is named \"cli\"):",
	 kf_cli_watch_opts},
	{"replay", kf__help_replay, "replay options:", kf_cli_replay_opts},
	{"load", kf__help_load, "load options:", kf_cli_load_opts},
	{"sink", kf__help_sink, "sink options:", kf_cli_sink_opts},
	{"capture", kf__help_capture, "capture options:", kf_cli_capture_opts},
	{"keygen", kf__help_keygen, NULL, NULL},
	{"verify", kf__help_verify, "verify options:", kf_cli_verify_opts},
};

static void kf__print_cmd_help(size_t i)
{
	fputs(kf__help_cmds[i].text, stdout);
	if (!kf__help_cmds[i].title)
		return;
	printf("\n%s\n", kf__help_cmds[i].title);
	kf_cli_print_opts(stdout, kf__help_cmds[i].opts);
	/* verify talks to no broker: none of the common options */
	if (kf__help_cmds[i].opts == kf_cli_verify_opts)
		return;
	fputs("\ncommon options:\n", stdout);
	kf_cli_print_opts(stdout, kf_cli_common_opts);
}

int kf_cmd_help(int argc, char **argv)
{
	const char *topic = argc > 1 ? argv[1] : NULL;
	size_t i;

	if (!topic) {
		fputs(kf__help_main, stdout);
		return KF_EXIT_OK;
	}
	for (i = 0; i < sizeof(kf__help_cmds) / sizeof(kf__help_cmds[0]); i++)
		if (!strcmp(topic, kf__help_cmds[i].cmd)) {
			kf__print_cmd_help(i);
			return KF_EXIT_OK;
		}
	if (!strcmp(topic, "config")) {
		const char *fmt = argc > 2 ? argv[2] : "";

		if (*fmt && strcmp(fmt, "--markdown") && strcmp(fmt, "--man")) {
			fprintf(stderr,
				"kferry help config: unknown format "
				"'%s' (try --markdown or --man)\n",
				fmt);
			return KF_EXIT_USAGE;
		}
		kf_conf_describe(stdout, !*fmt ? KF_CONF_DOC_TEXT
					 : !strcmp(fmt, "--man")
						 ? KF_CONF_DOC_MAN
						 : KF_CONF_DOC_MARKDOWN);
	} else {
		fprintf(stderr,
			"kferry help: no help for '%s' (try send, "
			"receive, replay, watch, load, sink, capture, keygen, "
			"verify or "
			"config)\n",
			topic);
		return KF_EXIT_USAGE;
	}
	return KF_EXIT_OK;
}
