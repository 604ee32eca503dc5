/*
 * Configuration: the one table of keys, and everything derived from it:
 * defaults, validation, the INI file loader and the reference printed by
 * `kferry help config` (and docs/config.md).
 *
 * @locality any thread; a kf_conf_t is owned by one thread while it is
 * being built, and read-only afterwards.
 */
#include "config/conf.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "common/err.h"
#include "common/log.h"

#define KF__KiB ((int64_t)1 << 10)
#define KF__MiB ((int64_t)1 << 20)
#define KF__GiB ((int64_t)1 << 30)

/* Longest "section.key" name; also bounds the edit distance work. */
#define KF__KEY_MAX 256
/* Longest value of a free-form string key, unless the key says less. */
#define KF__STRING_MAX 4096
/* What "zstd" without a level means: zstd's own default level. */
#define KF__ZSTD_LEVEL_DEFAULT 3

enum kf__type {
	KF__T_STRING,
	KF__T_INT,
	KF__T_BOOL,
	KF__T_SIZE,
	KF__T_ENUM,
	KF__T_CODEC,
};

/* How each type is named in the reference and in "expected ..." errors. */
static const struct {
	const char *name;
	const char *expect;  /* before the range */
	const char *example; /* after the range */
} kf__types[] = {
	[KF__T_STRING] = {"string", "", ""},
	[KF__T_INT] = {"integer", "an integer in ", ""},
	[KF__T_BOOL] = {"boolean", "", ""},
	[KF__T_SIZE] = {"size", "a size in ", ", e.g. 65536, 64K or 1MiB"},
	[KF__T_ENUM] = {"enum", "", ""},
	[KF__T_CODEC] = {"codec", "", ""},
};

/* A word accepted by a bool, enum or codec key, and the int it stores. */
struct kf__word {
	const char *word;
	int value;
};

static const struct kf__word kf__bool_words[] = {
	{"true", 1}, {"false", 0}, {"yes", 1}, {"no", 0},
	{"on", 1},   {"off", 0},   {"1", 1},   {"0", 0},
	{NULL, 0},
};

static const struct kf__word kf__log_level_words[] = {
	{"error", KF_LOG_ERR},   {"warn", KF_LOG_WARN},
	{"info", KF_LOG_INFO},   {"debug", KF_LOG_DEBUG},
	{NULL, 0},
};

static const struct kf__word kf__conflict_words[] = {
	{"fail", KF_CONFLICT_FAIL},
	{"overwrite", KF_CONFLICT_OVERWRITE},
	{"rename", KF_CONFLICT_RENAME},
	{NULL, 0},
};

/* Every codec but "none" takes an optional ":LEVEL". */
static const struct kf__word kf__codec_words[] = {
	{"none", KF_CODEC_NONE},
	{"zstd", KF_CODEC_ZSTD},
	{NULL, 0},
};

struct kf__key {
	const char *name;
	enum kf__type type;
	size_t off;  /* of the field in struct kf_conf_s */
	const char *def; /* parsed like a user's value; NULL: no default */
	/* int and size: the value; codec: the level; string: the length
	 * (a nonzero min means the value may not be empty) */
	int64_t min, max;
	const struct kf__word *words; /* bool, enum and codec */
	const char *unit;             /* shown beside the type, or NULL */
	const char *doc;              /* one paragraph */
	/* string keys: extra validation of a non-empty value, or NULL */
	int (*check)(const char *value, char *errstr, size_t errstr_size);
};

/*
 * The field's C type is checked at compile time (_Generic has no default
 * association), so a key can never store an int into a uint64_t field.
 */
#define KF__OFFT(T, field, ctype)                                              \
	_Generic(((T *)0)->field, ctype: offsetof(T, field))
#define KF__OFF(field, ctype) KF__OFFT(struct kf_conf_s, field, ctype)
#define KF__STRING(f) .type = KF__T_STRING, .off = KF__OFF(f, char *)
#define KF__INT(f) .type = KF__T_INT, .off = KF__OFF(f, int)
#define KF__SIZE(f) .type = KF__T_SIZE, .off = KF__OFF(f, uint64_t)
#define KF__BOOL(f)                                                            \
	.type = KF__T_BOOL, .off = KF__OFF(f, int), .words = kf__bool_words
#define KF__ENUM(f, w) .type = KF__T_ENUM, .off = KF__OFF(f, int), .words = w
/* The level goes to codec_level: a codec value is a (codec, level) pair. */
#define KF__CODEC(f)                                                           \
	.type = KF__T_CODEC, .off = KF__OFF(f, int), .words = kf__codec_words
/* Keys of a route (struct kf_conf_route), named "route.NAME.<key>". */
#define KF__ROFF(field, ctype) KF__OFFT(struct kf_conf_route, field, ctype)
#define KF__RSTRING(f) .type = KF__T_STRING, .off = KF__ROFF(f, char *)
#define KF__RINT(f) .type = KF__T_INT, .off = KF__ROFF(f, int)
#define KF__RBOOL(f)                                                           \
	.type = KF__T_BOOL, .off = KF__ROFF(f, int), .words = kf__bool_words
#define KF__RENUM(f, w) .type = KF__T_ENUM, .off = KF__ROFF(f, int), .words = w

static const struct kf__word kf__security_words[] = {
	{"auto", KF_SECURITY_AUTO},
	{"plaintext", KF_SECURITY_PLAINTEXT},
	{"ssl", KF_SECURITY_SSL},
	{"sasl_ssl", KF_SECURITY_SASL_SSL},
	{"sasl_plaintext", KF_SECURITY_SASL_PLAINTEXT},
	{NULL, 0},
};

static const struct kf__word kf__sasl_words[] = {
	{"SCRAM-SHA-512", KF_SASL_SCRAM_SHA_512},
	{"SCRAM-SHA-256", KF_SASL_SCRAM_SHA_256},
	{"PLAIN", KF_SASL_PLAIN},
	{NULL, 0},
};

/* A umask: one to four octal digits. */
static int kf__check_umask(const char *v, char *errstr, size_t errstr_size)
{
	size_t n = strspn(v, "01234567");

	if (n && n <= 4 && !v[n])
		return 0;
	return kf_seterr(errstr, errstr_size, KF_EINVAL,
			 "invalid value \"%s\" (expected an octal umask such "
			 "as 022 or 027)",
			 v);
}

static const struct kf__word kf__finished_words[] = {
	{"stable", KF_FINISHED_STABLE},
	{"marker", KF_FINISHED_MARKER},
	{"rename", KF_FINISHED_RENAME},
	{NULL, 0},
};

/* route.NAME.after: "delete", "keep" or "move:DIR" with a non-empty DIR. */
static int kf__check_after(const char *v, char *errstr, size_t errstr_size)
{
	if (!strcmp(v, "delete") || !strcmp(v, "keep") ||
	    (!strncmp(v, "move:", 5) && v[5]))
		return 0;
	return kf_seterr(errstr, errstr_size, KF_EINVAL,
			 "invalid value \"%s\" (expected delete, keep or "
			 "move:DIR, where DIR may hold strftime fields such "
			 "as %%Y-%%m-%%d)",
			 v);
}

static const struct kf__key kf__keys[] = {
	{
		.name = "bootstrap",
		KF__STRING(bootstrap),
		.def = "127.0.0.1:9092",
		.min = 1,
		.max = KF__STRING_MAX,
		.doc = "Kafka brokers to contact first, as a comma-separated "
		       "list of host:port (librdkafka's bootstrap.servers). "
		       "The rest of the cluster is discovered from them.",
	},
	{
		.name = "topic",
		KF__STRING(topic),
		.def = "kferry.files",
		.min = 1,
		.max = 249, /* Kafka's own limit on topic names */
		.doc = "Kafka topic that carries the transfers. Senders and "
		       "receivers must name the same topic.",
	},
	{
		.name = "chunk_size",
		KF__SIZE(chunk_size),
		.def = "1MiB",
		.min = 4 * KF__KiB,
		.max = 64 * KF__MiB,
		.doc = "Bytes of file data per CHUNK message. Larger chunks "
		       "mean fewer messages and better compression but more "
		       "memory per message. A chunk that does not compress "
		       "travels as chunk_size + 64 bytes, so the brokers' "
		       "message.max.bytes (or the topic's max.message.bytes) "
		       "must allow that much. Receivers accept any chunk size "
		       "in this range.",
	},
	{
		.name = "compression",
		KF__CODEC(codec),
		.def = "zstd:1",
		.min = 1,
		.max = 19,
		.doc = "Codec of the chunk payloads: none, zstd (level 3, "
		       "zstd's default) or zstd:LEVEL. Low levels favour "
		       "throughput, high levels spend CPU time to send fewer "
		       "bytes. A chunk that zstd cannot shrink is sent raw "
		       "either way.",
	},
	{
		.name = "log_level",
		KF__ENUM(log_level, kf__log_level_words),
		.def = "info",
		.doc = "Least severe message that is logged. A non-empty "
		       "debug key raises it to debug.",
	},
	{
		.name = "debug",
		KF__STRING(debug),
		.max = KF__STRING_MAX,
		.doc = "Comma-separated debug contexts to log: send, recv, "
		       "kafka, wire, fs, watch, obs (metrics endpoint, "
		       "statistics, audit), or all. Empty: no debug "
		       "messages.",
	},
	{
		.name = "workers",
		KF__INT(workers),
		.def = "0",
		.min = 0,
		.max = 64,
		.doc = "Worker threads that hash, compress and decompress "
		       "chunks. 0 starts one per online CPU.",
	},
	{
		.name = "connect_timeout",
		KF__INT(connect_timeout_s),
		.def = "30",
		.min = 0,
		.max = 86400,
		.unit = "seconds",
		.doc = "When no broker has answered at all this long after "
		       "the start (a wrong bootstrap address, brokers down, "
		       "a firewall), send, receive and replay stop with exit "
		       "code 3 and an error naming the address and the "
		       "connection error, instead of waiting for "
		       "send.delivery_timeout_ms; watch keeps queueing files "
		       "and logs that error again every connect_timeout until "
		       "a broker answers. Once a broker has answered, later "
		       "outages are retried as usual. 0 waits without limit.",
	},
	{
		.name = "send.max_inflight_bytes",
		KF__SIZE(send_max_inflight_bytes),
		.def = "32MiB",
		.min = 1 * KF__MiB,
		.max = 4 * KF__GiB,
		.doc = "Memory cap of a sender: file bytes read but not yet "
		       "acknowledged by the brokers. Reading pauses while the "
		       "cap is reached.",
	},
	{
		.name = "send.max_inflight_files",
		KF__INT(send_max_inflight_files),
		.def = "8",
		.min = 1,
		.max = 1024,
		.doc = "Most files a sender has in flight at once: opened and "
		       "not yet fully acknowledged.",
	},
	{
		.name = "send.linger_ms",
		KF__INT(send_linger_ms),
		.def = "5",
		.min = 0,
		.max = 10000,
		.unit = "ms",
		.doc = "How long the producer waits to fill a batch before "
		       "sending it (librdkafka's linger.ms). More waiting "
		       "makes larger batches and adds latency.",
	},
	{
		.name = "send.delivery_timeout_ms",
		KF__INT(send_delivery_timeout_ms),
		.def = "300000",
		.min = 1000,
		.max = INT_MAX,
		.unit = "ms",
		.doc = "How long the producer retries a message before giving "
		       "up on it (librdkafka's delivery.timeout.ms). A file "
		       "with a message that was given up on is reported as "
		       "failed.",
	},
	{
		.name = "send.encrypt_recipients",
		KF__STRING(encrypt_recipients),
		.max = KF__STRING_MAX,
		.doc = "Comma-separated x25519 public key files (PEM, made by "
		       "kferry keygen). When set, every file is encrypted end "
		       "to end for these receivers (AES-256-GCM, a fresh data "
		       "key per file wrapped for each key, at most 8): the "
		       "brokers see neither names nor contents "
		       "(docs/protocol.md, section 10). Empty: not encrypted.",
	},
	{
		.name = "send.sign_key",
		KF__STRING(sign_key),
		.max = KF__STRING_MAX,
		.doc = "An ed25519 private key file (PEM, made by kferry "
		       "keygen). When set, every transfer is signed with it, "
		       "so that receivers with receive.trusted_signers can "
		       "tell it came from this sender. Empty: not signed.",
	},
	{
		.name = "receive.decrypt_keys",
		KF__STRING(decrypt_keys),
		.max = KF__STRING_MAX,
		.doc = "Comma-separated x25519 private key files that open "
		       "encrypted transfers; the key id in each transfer picks "
		       "the key. List the old keys as well as the new one "
		       "while rotating, until the topic's retention has "
		       "passed. An encrypted transfer none of them opens is "
		       "quarantined.",
	},
	{
		.name = "receive.trusted_signers",
		KF__STRING(trusted_signers),
		.max = KF__STRING_MAX,
		.doc = "Comma-separated ed25519 public key files. When set, "
		       "only transfers signed by one of these keys are "
		       "accepted; unsigned transfers and transfers signed by "
		       "another key are quarantined. Empty: unsigned "
		       "transfers are accepted (signatures that are present "
		       "are still verified).",
	},
	{
		.name = "receive.dest",
		KF__STRING(dest),
		.max = KF__STRING_MAX,
		.doc = "Directory that received files are written below; "
		       "kferry receive needs it. A file appears there only "
		       "once its whole-file hash is verified; staging data "
		       "and quarantined files live under DEST/.kferry.",
	},
	{
		.name = "receive.group",
		KF__STRING(group),
		.def = "kferry-receive",
		.min = 1,
		.max = KF__STRING_MAX,
		.doc = "Kafka consumer group of the receivers. Receivers in "
		       "one group share the topic's partitions; every group "
		       "receives every file.",
	},
	{
		.name = "receive.on_conflict",
		KF__ENUM(on_conflict, kf__conflict_words),
		.def = "fail",
		.doc = "What to do when a file arrives for a path that holds "
		       "different content: fail keeps the existing file and "
		       "quarantines the new one, overwrite replaces the "
		       "existing file atomically, rename keeps both and gives "
		       "the new file a suffix. A file with the same content "
		       "is skipped in every case.",
	},
	{
		.name = "receive.abandon_timeout",
		KF__INT(abandon_timeout_s),
		.def = "900",
		.min = 1,
		.max = 604800,
		.unit = "seconds",
		.doc = "An unfinished transfer that receives no message for "
		       "this long is abandoned: its staging data is deleted "
		       "and an error is logged (docs/protocol.md, section 6). "
		       "Keep it above the senders' send.delivery_timeout_ms: "
		       "a shorter one abandons files whose messages a broker "
		       "outage merely delays, and they are lost.",
	},
	{
		.name = "receive.max_file_size",
		KF__SIZE(max_file_size),
		.def = "1TiB",
		.min = 0,
		.max = (int64_t)1 << 62,
		.doc = "Largest file a receiver accepts; a transfer announcing "
		       "a larger file is rejected and logged. 0 accepts only "
		       "empty files.",
	},
	{
		.name = "receive.max_open_transfers",
		KF__INT(max_open_transfers),
		.def = "1024",
		.min = 1,
		.max = 1000000,
		.doc = "Most transfers a receiver keeps open at once, each "
		       "with its own staging file. At the cap, what would "
		       "open another transfer is deferred and its partition "
		       "re-read later, while reading goes on for the open "
		       "ones (docs/protocol.md section 7): the cap never "
		       "turns into loss. Lowered at start to fit the open "
		       "files limit (ulimit -n) less 256.",
	},
	{
		.name = "receive.max_inflight_bytes",
		KF__SIZE(recv_max_inflight_bytes),
		.def = "16MiB",
		.min = 1 * KF__MiB,
		.max = 4 * KF__GiB,
		.doc = "Memory cap of a receiver: message bytes consumed and "
		       "handed to workers but not yet written, and the "
		       "buffers of the chunks being decompressed (one chunk "
		       "may exceed it). Consuming pauses, and further chunks "
		       "wait, while the cap is reached.",
	},
	{
		.name = "receive.idle_exit",
		KF__INT(idle_exit_s),
		.def = "0",
		.min = 0,
		.max = 86400,
		.unit = "seconds",
		.doc = "kferry receive exits after this long with no transfer "
		       "open and no new message, once the group assigned it "
		       "its partitions (never before the first assignment "
		       "nor during a rebalance) and it read each of them to "
		       "its end. 0 runs until stopped.",
	},
	{
		.name = "receive.fsync",
		KF__BOOL(fsync),
		.def = "true",
		.doc = "Flush every file to disk before it becomes visible, "
		       "and its directory after the rename, so that a "
		       "committed offset never covers data a power cut could "
		       "lose. Off is faster, and safe only where losing files "
		       "received just before a crash is acceptable.",
	},
	{
		.name = "receive.umask",
		KF__STRING(recv_umask),
		.def = "022",
		.min = 1,
		.max = 4,
		.check = kf__check_umask,
		.doc = "Permission bits (octal) taken away from every file and "
		       "directory the receiver creates below DEST. A file gets "
		       "the sender's mode less these bits; set-user-ID and "
		       "set-group-ID bits never survive. 022 keeps modes as "
		       "sent except group and other write; 027 keeps others "
		       "out; 077 makes everything private to the receiving "
		       "user.",
	},
	{
		.name = "receive.dead_letter_topic",
		KF__STRING(dead_letter_topic),
		.max = 249,
		.doc = "Topic that receives every message the receiver cannot "
		       "process (not a kferry frame, unsupported version, "
		       "rejected manifest, frame of no open transfer) with "
		       "its key and headers and kferry.dlq.* headers saying "
		       "why and where from, plus one record per quarantined "
		       "transfer (docs/dead-letters.md). Empty: none, the "
		       "messages are only logged. Create the topic first; "
		       "if a dead letter cannot be produced the receiver "
		       "stops with an error rather than drop it.",
	},
	{
		.name = "receive.quarantine_max",
		KF__INT(quarantine_max),
		.def = "10000",
		.min = 0,
		.max = 10000000,
		.doc = "Most quarantined transfers kept in "
		       "DEST/.kferry/quarantine (docs/protocol.md, section 8): "
		       "beyond it the oldest are removed, so that a flood of "
		       "forged transfers cannot use up the file system's "
		       "inodes. Checked at start and after every hundredth of "
		       "it quarantined. 0 keeps them all.",
	},
	{
		.name = "receive.quarantine_max_age",
		KF__INT(quarantine_max_age_s),
		.def = "0",
		.min = 0,
		.max = 315360000,
		.unit = "seconds",
		.doc = "Quarantined transfers older than this are removed: "
		       "checked at start, after a transfer is quarantined "
		       "when the last check is an hour old, and with "
		       "receive.quarantine_max. 0 keeps them until "
		       "receive.quarantine_max removes them.",
	},
	{
		.name = "security.protocol",
		KF__ENUM(security_protocol, kf__security_words),
		.def = "auto",
		.doc = "How the Kafka clients talk to the brokers: plaintext, "
		       "ssl (TLS), sasl_ssl (SASL over TLS), sasl_plaintext "
		       "(SASL without TLS: passwords and data cross the "
		       "network in clear), or auto: sasl_ssl when "
		       "sasl.username is set, ssl when a tls.* file is set, "
		       "plaintext otherwise (docs/security.md).",
	},
	{
		.name = "tls.ca",
		KF__STRING(tls_ca),
		.max = KF__STRING_MAX,
		.doc = "PEM file of the CA certificates that sign the brokers' "
		       "certificates. Empty: the system's CA store. The "
		       "brokers' certificates are always verified.",
	},
	{
		.name = "tls.cert",
		KF__STRING(tls_cert),
		.max = KF__STRING_MAX,
		.doc = "PEM file of this client's certificate, for brokers "
		       "that require mutual TLS (ssl.client.auth=required). "
		       "Needs tls.key.",
	},
	{
		.name = "tls.key",
		KF__STRING(tls_key),
		.max = KF__STRING_MAX,
		.doc = "PEM file of the private key of tls.cert. Keep it "
		       "readable only by kferry's user (chmod 600).",
	},
	{
		.name = "tls.key_password",
		KF__STRING(tls_key_password),
		.max = KF__STRING_MAX,
		.doc = "Password of an encrypted tls.key: file:PATH (the first "
		       "line of PATH), env:NAME (an environment variable) or "
		       "the password itself (then kferry warns if the "
		       "configuration file is readable by others).",
	},
	{
		.name = "tls.verify_hostname",
		KF__BOOL(tls_verify_hostname),
		.def = "true",
		.doc = "Check that a broker's certificate names the host "
		       "kferry connected to (librdkafka's "
		       "ssl.endpoint.identification.algorithm=https). Turning "
		       "it off lets anyone with a certificate from tls.ca "
		       "pose as a broker.",
	},
	{
		.name = "sasl.mechanism",
		KF__ENUM(sasl_mechanism, kf__sasl_words),
		.def = "SCRAM-SHA-512",
		.doc = "SASL mechanism when sasl.username is set: "
		       "SCRAM-SHA-512, SCRAM-SHA-256 or PLAIN. PLAIN sends the "
		       "password itself, so use it only over TLS.",
	},
	{
		.name = "sasl.username",
		KF__STRING(sasl_username),
		.max = KF__STRING_MAX,
		.doc = "SASL user name; the broker's principal is User:NAME. "
		       "Setting it turns SASL on.",
	},
	{
		.name = "sasl.password",
		KF__STRING(sasl_password),
		.max = KF__STRING_MAX,
		.doc = "SASL password: file:PATH (the first line of PATH), "
		       "env:NAME (an environment variable) or the password "
		       "itself (then kferry warns if the configuration file is "
		       "readable by others).",
	},
	{
		.name = "watch.state_dir",
		KF__STRING(state_dir),
		.def = "/var/lib/kferry",
		.min = 1,
		.max = KF__STRING_MAX,
		.doc = "Directory of the watch daemon's ledger of sent files "
		       "(docs/watch.md). One daemon at a time may use it; a "
		       "restart reads it so that finished files are not sent "
		       "again.",
	},
	{
		.name = "watch.rescan_seconds",
		KF__INT(rescan_s),
		.def = "30",
		.min = 1,
		.max = 86400,
		.unit = "seconds",
		.doc = "Every route's directory is scanned this often besides "
		       "the file system events, so that nothing is missed "
		       "(event queue overflow, network file systems).",
	},
	{
		.name = "watch.max_inflight_files",
		KF__INT(watch_max_inflight_files),
		.def = "16",
		.min = 1,
		.max = 1024,
		.doc = "Most files the watch daemon has handed to its senders "
		       "and not yet seen acknowledged, over all routes. Other "
		       "finished files wait in their directories.",
	},
	{
		.name = "watch.drain_seconds",
		KF__INT(drain_s),
		.def = "60",
		.min = 0,
		.max = 86400,
		.unit = "seconds",
		.doc = "On SIGTERM the watch daemon stops starting files and "
		       "waits this long for the files in flight; files still "
		       "unfinished then are aborted and sent again after the "
		       "next start.",
	},
	{
		.name = "watch.resume_window",
		KF__INT(resume_window_s),
		.def = "300",
		.min = 0,
		.max = 86400,
		.unit = "seconds",
		.doc = "A file whose sending was cut off (the daemon was "
		       "killed or the host went down) carries on from its last "
		       "acknowledged chunk after a restart, if the restart "
		       "comes within this time of that acknowledgement and "
		       "the file is unchanged; later, it is sent again from "
		       "the start. Keep it well below the receivers' "
		       "receive.abandon_timeout, which drops a transfer that "
		       "went quiet (docs/protocol.md section 9). 0 turns "
		       "resuming off.",
	},
	{
		.name = "metrics.addr",
		KF__STRING(metrics_addr),
		.max = 300,
		.doc = "Address of the HTTP endpoint that serves /metrics "
		       "(Prometheus text format) and /healthz, as HOST:PORT, "
		       "[IPV6]:PORT or :PORT (every address); port 0 picks a "
		       "free port and logs it. Empty: no endpoint. "
		       "docs/metrics.md lists the metrics.",
	},
	{
		.name = "metrics.stats_interval_ms",
		KF__INT(stats_interval_ms),
		.def = "5000",
		.min = 100,
		.max = 3600000,
		.unit = "ms",
		.doc = "With metrics.addr set: how often librdkafka reports "
		       "its statistics (statistics.interval.ms), which give "
		       "the broker, queue and consumer lag metrics and the "
		       "broker state /healthz needs.",
	},
	{
		.name = "audit.topic",
		KF__STRING(audit_topic),
		.max = 249,
		.doc = "Topic of the audit trail: one JSON record per file "
		       "sent or failed (send, watch) and per transfer "
		       "completed, failed or quarantined (receive), with path, "
		       "size, hash, hosts, offsets and times "
		       "(docs/metrics.md). Empty: no audit trail.",
	},
};

/* The keys of a [route.NAME] section; every route starts with these
 * defaults. */
static const struct kf__key kf__route_keys[] = {
	{
		.name = "route.NAME.dir",
		KF__RSTRING(dir),
		.min = 1,
		.max = KF__STRING_MAX,
		.doc = "Directory watched by the route; required. Relative "
		       "paths below it are the files' paths on the wire.",
	},
	{
		.name = "route.NAME.topic",
		KF__RSTRING(topic),
		.max = 249,
		.doc = "Topic of the route's files. Empty: the top-level "
		       "topic.",
	},
	{
		.name = "route.NAME.include",
		KF__RSTRING(include),
		.max = KF__STRING_MAX,
		.doc = "Comma-separated glob patterns (fnmatch) a file's "
		       "relative path or name must match to be sent. Empty: "
		       "every file.",
	},
	{
		.name = "route.NAME.exclude",
		KF__RSTRING(exclude),
		.max = KF__STRING_MAX,
		.doc = "Comma-separated glob patterns of files never sent, "
		       "matched like include.",
	},
	{
		.name = "route.NAME.recursive",
		KF__RBOOL(recursive),
		.def = "true",
		.doc = "Watch the directories below dir too.",
	},
	{
		.name = "route.NAME.finished",
		KF__RENUM(finished, kf__finished_words),
		.def = "stable",
		.doc = "When a file counts as finished: stable (size and mtime "
		       "unchanged for stable_seconds), marker (a file of the "
		       "same name plus one of marker_suffixes appeared) or "
		       "rename (writers rename files in; names ending in one "
		       "of temp_suffixes are ignored).",
	},
	{
		.name = "route.NAME.stable_seconds",
		KF__RINT(stable_seconds),
		.def = "5",
		.min = 1,
		.max = 86400,
		.unit = "seconds",
		.doc = "For finished = stable: how long size and mtime must "
		       "stay unchanged.",
	},
	{
		.name = "route.NAME.marker_suffixes",
		KF__RSTRING(marker_suffixes),
		.def = ".done,.ok",
		.min = 1,
		.max = KF__STRING_MAX,
		.doc = "For finished = marker: comma-separated suffixes of the "
		       "trigger files. Trigger files are never sent; they are "
		       "removed with their file by after = delete or move.",
	},
	{
		.name = "route.NAME.temp_suffixes",
		KF__RSTRING(temp_suffixes),
		.def = ".tmp,.part",
		.min = 1,
		.max = KF__STRING_MAX,
		.doc = "Comma-separated suffixes of files still being written; "
		       "they are never sent (in every mode).",
	},
	{
		.name = "route.NAME.after",
		KF__RSTRING(after),
		.def = "delete",
		.min = 1,
		.max = KF__STRING_MAX,
		.check = kf__check_after,
		.doc = "What happens to a file once the brokers acknowledged "
		       "all of it: delete, move:DIR (DIR may hold strftime "
		       "fields, e.g. move:/srv/sent/%Y-%m-%d) or keep (the "
		       "ledger remembers it; it is sent again only if it "
		       "changes).",
	},
	{
		.name = "route.NAME.error_dir",
		KF__RSTRING(error_dir),
		.max = KF__STRING_MAX,
		.doc = "Where a file goes after its last failed attempt, with "
		       "a NAME.error text beside it. Empty: DIR/.kferry/error.",
	},
	{
		.name = "route.NAME.retries",
		KF__RINT(retries),
		.def = "5",
		.min = 0,
		.max = 1000000,
		.doc = "Attempts after the first before a file is moved to "
		       "error_dir.",
	},
	{
		.name = "route.NAME.retry_backoff",
		KF__RINT(retry_backoff_s),
		.def = "10",
		.min = 1,
		.max = 86400,
		.unit = "seconds",
		.doc = "Wait before the first retry; it doubles with every "
		       "further attempt, up to one hour.",
	},
	{
		.name = "route.NAME.encrypt_recipients",
		KF__RSTRING(encrypt_recipients),
		.max = KF__STRING_MAX,
		.doc = "x25519 public key files to encrypt this route's files "
		       "for, like send.encrypt_recipients. Empty: "
		       "send.encrypt_recipients applies.",
	},
	{
		.name = "route.NAME.sign_key",
		KF__RSTRING(sign_key),
		.max = KF__STRING_MAX,
		.doc = "ed25519 private key file to sign this route's files "
		       "with, like send.sign_key. Empty: send.sign_key "
		       "applies.",
	},
};

#define KF__NROUTE_KEYS (sizeof(kf__route_keys) / sizeof(kf__route_keys[0]))

static const char kf__route_prefix[] = "route.";
#define KF__ROUTE_PREFIX_LEN (sizeof(kf__route_prefix) - 1)

#define KF__NKEYS (sizeof(kf__keys) / sizeof(kf__keys[0]))

static const char kf__kafka_prefix[] = "kafka.";
#define KF__KAFKA_PREFIX_LEN (sizeof(kf__kafka_prefix) - 1)

/* Appends to the NUL-terminated text in buf, truncating at cap. */
static KF_PRINTF(3, 4) void kf__append(char *buf, size_t cap,
				       const char *fmt, ...)
{
	size_t len = strlen(buf);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf + len, cap - len, fmt, ap);
	va_end(ap);
}

/* ---------------------------------------------------------------------
 * Numbers and sizes.
 */

/* Strict decimal: optional '-', digits, nothing else (no spaces, no '+'). */
static int kf__parse_int(const char *s, int64_t *out)
{
	const char *digits = s + (*s == '-');
	char *end;
	long long v;

	if (!isdigit((unsigned char)*digits))
		return KF_EINVAL;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end)
		return KF_EINVAL;
	*out = v;
	return 0;
}

/* Returns the multiplier of a size suffix (K, KB, KiB, ... any case), or 0
 * if s is not one. An empty suffix means bytes. */
static uint64_t kf__size_unit(const char *s)
{
	static const char units[] = "KMGT";
	const char *u;

	if (!*s)
		return 1;
	u = strchr(units, toupper((unsigned char)*s));
	if (!u)
		return 0;
	s++;
	if (*s && strcasecmp(s, "B") && strcasecmp(s, "iB"))
		return 0;
	return (uint64_t)1 << (10 * (u - units + 1));
}

int kf_conf_parse_size(const char *s, uint64_t *out)
{
	unsigned long long v;
	uint64_t unit;
	char *end;

	/* strtoull would accept leading spaces and wrap "-1" around */
	if (!s || !isdigit((unsigned char)*s))
		return KF_EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return KF_EINVAL;
	/* "1 MiB" reads well; a bare "1 " is more likely a mistake */
	if (end[strspn(end, " \t")])
		end += strspn(end, " \t");
	unit = kf__size_unit(end);
	if (!unit || v > UINT64_MAX / unit)
		return KF_EINVAL;
	*out = (uint64_t)v * unit;
	return 0;
}

/* Formats a size with the largest binary unit that divides it exactly, so
 * that what is printed parses back to the same value. */
static void kf__fmt_size(char *buf, size_t cap, uint64_t v)
{
	static const char *const units[] = {"", "KiB", "MiB", "GiB", "TiB"};
	size_t u = 0;

	while (v && u + 1 < sizeof(units) / sizeof(units[0]) &&
	       !(v & (KF__KiB - 1))) {
		v >>= 10;
		u++;
	}
	snprintf(buf, cap, "%" PRIu64 "%s", v, units[u]);
}

/* ---------------------------------------------------------------------
 * Describing a key's values, for error messages and for the reference.
 */

/* "a, b or c"; codecs that take a level are shown as "zstd[:LEVEL]". */
static void kf__fmt_words(char *buf, size_t cap, const struct kf__key *k)
{
	const struct kf__word *w;

	for (w = k->words; w->word; w++) {
		int leveled = k->type == KF__T_CODEC &&
			      w->value != KF_CODEC_NONE;

		if (w != k->words)
			kf__append(buf, cap, "%s", w[1].word ? ", " : " or ");
		kf__append(buf, cap, "%s%s", w->word,
			   leveled ? "[:LEVEL]" : "");
	}
	if (k->type == KF__T_CODEC)
		kf__append(buf, cap, ", LEVEL %" PRId64 " .. %" PRId64, k->min,
			   k->max);
}

/* The values a key accepts, e.g. "0 .. 64", "4KiB .. 64MiB", "a, b or c". */
static void kf__fmt_range(char *buf, size_t cap, const struct kf__key *k)
{
	char lo[32], hi[32];

	buf[0] = '\0';
	switch (k->type) {
	case KF__T_STRING:
		kf__append(buf, cap, "%s%" PRId64 " bytes",
			   k->min ? "1 .. " : "up to ", k->max);
		break;
	case KF__T_INT:
		kf__append(buf, cap, "%" PRId64 " .. %" PRId64, k->min, k->max);
		break;
	case KF__T_SIZE:
		kf__fmt_size(lo, sizeof(lo), (uint64_t)k->min);
		kf__fmt_size(hi, sizeof(hi), (uint64_t)k->max);
		kf__append(buf, cap, "%s .. %s", lo, hi);
		break;
	case KF__T_BOOL:
	case KF__T_ENUM:
	case KF__T_CODEC:
		kf__fmt_words(buf, cap, k);
		break;
	}
}

static int kf__invalid(const struct kf__key *k, const char *value,
		       char *errstr, size_t errstr_size)
{
	char range[160];

	kf__fmt_range(range, sizeof(range), k);
	return kf_seterr(errstr, errstr_size, KF_EINVAL,
			 "%s: invalid value \"%s\" (expected %s%s%s)", k->name,
			 value, kf__types[k->type].expect, range,
			 kf__types[k->type].example);
}

static int kf__out_of_range(const struct kf__key *k, const char *value,
			    char *errstr, size_t errstr_size)
{
	char range[160];

	kf__fmt_range(range, sizeof(range), k);
	return kf_seterr(errstr, errstr_size, KF_EINVAL,
			 "%s: %s is out of range (%s)", k->name, value, range);
}

/* ---------------------------------------------------------------------
 * Setting keys.
 */

/* base is the kf_conf_t, or the struct kf_conf_route of a route key. */
static void *kf__field(void *base, const struct kf__key *k)
{
	return (char *)base + k->off;
}

static const struct kf__word *kf__word_find(const struct kf__word *words,
					    const char *s, size_t len)
{
	for (; words->word; words++)
		if (strlen(words->word) == len &&
		    !strncasecmp(words->word, s, len))
			return words;
	return NULL;
}

/* Frees a string that may hold a secret, wiping it first: freed memory
 * is handed out again, and ends up in core dumps. NULL is a no-op. */
static void kf__free_secret(char *s)
{
	if (s)
		explicit_bzero(s, strlen(s));
	free(s);
}

/* Frees the value of key (a kferry key, or "kafka." + a property name),
 * wiped first when the key holds a secret. */
static void kf__free_value(const char *prefix, const char *name, char *value)
{
	char key[300];

	snprintf(key, sizeof(key), "%s%s", prefix, name);
	if (kf_conf_is_secret(key))
		kf__free_secret(value);
	else
		free(value);
}

static int kf__set_string(void *base, const struct kf__key *k,
			  const char *value, char *errstr, size_t errstr_size)
{
	char **field = kf__field(base, k);
	size_t len = strlen(value);
	char *copy = NULL;

	if (!len && k->min)
		return kf_seterr(errstr, errstr_size, KF_EINVAL,
				 "%s: value must not be empty", k->name);
	if (len > (uint64_t)k->max)
		return kf_seterr(errstr, errstr_size, KF_EINVAL,
				 "%s: value is too long (at most %" PRId64
				 " bytes)",
				 k->name, k->max);
	if (len && k->check && k->check(value, errstr, errstr_size))
		return KF_EINVAL;
	/* An optional string set to "" is unset, as if never given. */
	if (len && !(copy = strdup(value)))
		return kf_seterr(errstr, errstr_size, KF_ENOMEM,
				 "%s: out of memory", k->name);
	kf__free_value("", k->name, *field);
	*field = copy;
	return 0;
}

static int kf__set_int(void *base, const struct kf__key *k,
		       const char *value, char *errstr, size_t errstr_size)
{
	int64_t v;

	if (kf__parse_int(value, &v))
		return kf__invalid(k, value, errstr, errstr_size);
	if (v < k->min || v > k->max)
		return kf__out_of_range(k, value, errstr, errstr_size);
	*(int *)kf__field(base, k) = (int)v;
	return 0;
}

static int kf__set_size(void *base, const struct kf__key *k,
			const char *value, char *errstr, size_t errstr_size)
{
	uint64_t v;

	if (kf_conf_parse_size(value, &v))
		return kf__invalid(k, value, errstr, errstr_size);
	if (v < (uint64_t)k->min || v > (uint64_t)k->max)
		return kf__out_of_range(k, value, errstr, errstr_size);
	*(uint64_t *)kf__field(base, k) = v;
	return 0;
}

/* bool and enum keys: one of the key's words. */
static int kf__set_word(void *base, const struct kf__key *k,
			const char *value, char *errstr, size_t errstr_size)
{
	const struct kf__word *w = kf__word_find(k->words, value,
						 strlen(value));

	if (!w)
		return kf__invalid(k, value, errstr, errstr_size);
	*(int *)kf__field(base, k) = w->value;
	return 0;
}

/* "none", "zstd" or "zstd:LEVEL". */
static int kf__set_codec(void *base, const struct kf__key *k,
			 const char *value, char *errstr, size_t errstr_size)
{
	size_t n = strcspn(value, ":");
	const struct kf__word *w = kf__word_find(k->words, value, n);
	int64_t level;

	/* "none" takes no level */
	if (!w || (value[n] && w->value == KF_CODEC_NONE))
		return kf__invalid(k, value, errstr, errstr_size);
	level = w->value == KF_CODEC_NONE ? 0 : KF__ZSTD_LEVEL_DEFAULT;
	if (value[n] && (kf__parse_int(value + n + 1, &level) ||
			 level < k->min || level > k->max))
		return kf__invalid(k, value, errstr, errstr_size);
	*(int *)kf__field(base, k) = w->value;
	((kf_conf_t *)base)->codec_level = (int)level;
	return 0;
}

static int kf__set_key(void *base, const struct kf__key *k,
		       const char *value, char *errstr, size_t errstr_size)
{
	switch (k->type) {
	case KF__T_STRING:
		return kf__set_string(base, k, value, errstr, errstr_size);
	case KF__T_INT:
		return kf__set_int(base, k, value, errstr, errstr_size);
	case KF__T_SIZE:
		return kf__set_size(base, k, value, errstr, errstr_size);
	case KF__T_BOOL:
	case KF__T_ENUM:
		return kf__set_word(base, k, value, errstr, errstr_size);
	case KF__T_CODEC:
		return kf__set_codec(base, k, value, errstr, errstr_size);
	}
	return KF_EINVAL; /* not reached: the switch covers every type */
}

static struct kf_conf_prop *kf__prop_find(kf_conf_t *conf, const char *name)
{
	size_t i;

	for (i = 0; i < conf->nprops; i++)
		if (!strcmp(conf->props[i].name, name))
			return &conf->props[i];
	return NULL;
}

/* librdkafka properties the protocol's correctness or the transport's
 * security rests on: kafka/client.c and kafka/security.c set them, and a
 * user's value would silently undo a guarantee. `value` NULL: every value
 * is refused; else only values containing it. Aliases are listed too, and
 * librdkafka also takes a topic property with a "topic." prefix. */
static const struct kf__guarded_prop {
	const char *name;
	const char *value;
	const char *why;
} kf__guarded_props[] = {
    {"enable.auto.commit", NULL,
     "kferry commits offsets itself, never past the MANIFEST of an open "
     "transfer (docs/protocol.md section 7); automatic commits would lose "
     "files at a crash"},
    {"auto.commit.enable", NULL, "it is enable.auto.commit's alias: kferry "
				 "commits offsets itself (docs/protocol.md "
				 "section 7)"},
    {"enable.auto.offset.store", NULL,
     "kferry stores offsets itself, never past the MANIFEST of an open "
     "transfer (docs/protocol.md section 7)"},
    {"acks", NULL, "the protocol requires acks=all (docs/protocol.md "
		   "section 2): a file acknowledged on one replica can be "
		   "lost"},
    {"request.required.acks", NULL,
     "it is acks' alias: the protocol requires acks=all (docs/protocol.md "
     "section 2)"},
    {"enable.idempotence", NULL,
     "the protocol requires an idempotent producer (docs/protocol.md "
     "section 2): retries must neither reorder nor duplicate frames"},
    {"transactional.id", NULL,
     "kferry's producers are idempotent, not transactional "
     "(docs/protocol.md section 6)"},
    {"partitioner", NULL,
     "kferry uses murmur2 like the Java clients, so that every version "
     "of a path lands on one partition whichever client sent it "
     "(docs/protocol.md section 2)"},
    {"queuing.strategy", NULL,
     "frames must be produced in the order kferry queues them"},
    {"partition.assignment.strategy", "cooperative",
     "the receiver handles eager rebalances only (range, roundrobin)"},
    {"enable.ssl.certificate.verification", NULL,
     "broker certificates are always verified (docs/security.md): name "
     "their CA with tls.ca"},
    {"ssl.endpoint.identification.algorithm", NULL,
     "the broker host name check is tls.verify_hostname's to turn off "
     "(docs/security.md)"},
};

/* Refuses a property of kf__guarded_props, saying why. */
static int kf__check_prop(const char *name, const char *value, char *errstr,
			  size_t errstr_size)
{
	const char *bare = !strncmp(name, "topic.", 6) ? name + 6 : name;
	size_t i;

	for (i = 0; i < sizeof(kf__guarded_props) /
			    sizeof(kf__guarded_props[0]);
	     i++) {
		const struct kf__guarded_prop *g = &kf__guarded_props[i];

		if (strcmp(bare, g->name) ||
		    (g->value && !strstr(value, g->value)))
			continue;
		return kf_seterr(errstr, errstr_size, KF_EINVAL,
				 "kafka.%s: kferry sets this librdkafka "
				 "property itself and refuses to change it: "
				 "%s",
				 name, g->why);
	}
	return 0;
}

/* Adds or replaces librdkafka property name; the order of first setting is
 * kept, so that the Kafka client sees them as the user wrote them. */
static int kf__set_prop(kf_conf_t *conf, const char *name, const char *value,
			char *errstr, size_t errstr_size)
{
	struct kf_conf_prop *p;
	char *v;
	int err;

	if (!*name)
		return kf_seterr(errstr, errstr_size, KF_EINVAL,
				 "kafka.: missing librdkafka property name "
				 "after \"kafka.\"");
	if ((err = kf__check_prop(name, value, errstr, errstr_size)))
		return err;
	if (!(v = strdup(value)))
		goto out_nomem;
	if ((p = kf__prop_find(conf, name))) {
		kf__free_value("kafka.", name, p->value);
		p->value = v;
		return 0;
	}
	p = realloc(conf->props, (conf->nprops + 1) * sizeof(*p));
	if (!p)
		goto out_free_value;
	conf->props = p;
	p += conf->nprops;
	if (!(p->name = strdup(name)))
		goto out_free_value;
	p->value = v;
	conf->nprops++;
	return 0;

out_free_value:
	free(v);
out_nomem:
	return kf_seterr(errstr, errstr_size, KF_ENOMEM,
			 "kafka.%s: out of memory", name);
}

static const struct kf__key *kf__key_find(const char *name)
{
	size_t i;

	for (i = 0; i < KF__NKEYS; i++)
		if (!strcmp(kf__keys[i].name, name))
			return &kf__keys[i];
	return NULL;
}

/* Levenshtein distance; both strings are shorter than KF__KEY_MAX. */
static size_t kf__edit_distance(const char *a, const char *b)
{
	size_t rows[2][KF__KEY_MAX];
	size_t la = strlen(a), lb = strlen(b), i, j;
	size_t *prev = rows[0], *cur = rows[1], *tmp;

	for (j = 0; j <= lb; j++)
		prev[j] = j;
	for (i = 1; i <= la; i++) {
		cur[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
			size_t del = prev[j] + 1, ins = cur[j - 1] + 1;

			cur[j] = sub < del ? sub : del;
			cur[j] = cur[j] < ins ? cur[j] : ins;
		}
		tmp = prev;
		prev = cur;
		cur = tmp;
	}
	return prev[lb];
}

/* The part of a name after its last dot. */
static const char *kf__leaf(const char *name)
{
	const char *dot = strrchr(name, '.');

	return dot ? dot + 1 : name;
}

/* The edit distance from a to b if it is small for a's length (at most one
 * edit in three characters, and at least one), else SIZE_MAX. */
static size_t kf__near(const char *a, const char *b)
{
	size_t limit = strlen(a) / 3 ? strlen(a) / 3 : 1;
	size_t d = kf__edit_distance(a, b);

	return d <= limit ? d : SIZE_MAX;
}

/* The key closest to a misspelt name. Last parts are compared too, so that
 * "dest" and "[receive] receive.dest" find receive.dest. NULL when nothing
 * is close: a wild guess misleads more than none. */
static const struct kf__key *kf__key_suggest_in(const struct kf__key *keys,
					       size_t nkeys, const char *name)
{
	const struct kf__key *found = NULL;
	size_t best = SIZE_MAX, i;

	if (strlen(name) >= KF__KEY_MAX)
		return NULL;
	for (i = 0; i < nkeys; i++) {
		const struct kf__key *k = &keys[i];
		size_t full = kf__near(name, k->name);
		size_t leaf = kf__near(kf__leaf(name), kf__leaf(k->name));
		size_t d = full < leaf ? full : leaf;

		if (d < best) { /* ties go to the first key */
			best = d;
			found = k;
		}
	}
	return found;
}

static const struct kf__key *kf__key_suggest(const char *name)
{
	return kf__key_suggest_in(kf__keys, KF__NKEYS, name);
}

static int kf__unknown_key(const char *name, char *errstr, size_t errstr_size)
{
	const struct kf__key *k = kf__key_suggest(name);

	if (k)
		return kf_seterr(errstr, errstr_size, KF_EINVAL,
				 "%s: unknown key (did you mean %s?)", name,
				 k->name);
	return kf_seterr(errstr, errstr_size, KF_EINVAL,
			 "%s: unknown key (see `kferry help config`; "
			 "librdkafka properties take the \"kafka.\" prefix)",
			 name);
}

/* ---------------------------------------------------------------------
 * Routes: "route.NAME.KEY", NAME any valid name (dots allowed: the key is
 * after the last dot). A route is created with the table's defaults by
 * the first of its keys that is set.
 */

static void kf__route_free(struct kf_conf_route *r)
{
	size_t i;

	for (i = 0; i < KF__NROUTE_KEYS; i++)
		if (kf__route_keys[i].type == KF__T_STRING)
			free(*(char **)kf__field(r, &kf__route_keys[i]));
	free(r->name);
}

static struct kf_conf_route *kf__route_get(kf_conf_t *conf, const char *name,
					   size_t len)
{
	struct kf_conf_route *r;
	size_t i;

	for (i = 0; i < conf->nroutes; i++)
		if (strlen(conf->routes[i].name) == len &&
		    !memcmp(conf->routes[i].name, name, len))
			return &conf->routes[i];
	r = realloc(conf->routes, (conf->nroutes + 1) * sizeof(*r));
	if (!r)
		return NULL;
	conf->routes = r;
	r += conf->nroutes;
	memset(r, 0, sizeof(*r));
	if (!(r->name = strndup(name, len)))
		return NULL;
	conf->nroutes++;
	for (i = 0; i < KF__NROUTE_KEYS; i++)
		if (kf__route_keys[i].def)
			kf__set_key(r, &kf__route_keys[i],
				    kf__route_keys[i].def, NULL, 0);
	return r;
}

static const struct kf__key *kf__route_key_find(const char *leaf)
{
	size_t i;

	for (i = 0; i < KF__NROUTE_KEYS; i++)
		if (!strcmp(kf__leaf(kf__route_keys[i].name), leaf))
			return &kf__route_keys[i];
	return NULL;
}

/* key is "route.NAME.LEAF"; errors name the full key. */
static int kf__set_route(kf_conf_t *conf, const char *key, const char *value,
			 char *errstr, size_t errstr_size)
{
	const char *name = key + KF__ROUTE_PREFIX_LEN;
	const char *dot = strrchr(name, '.');
	const struct kf__key *k;
	struct kf_conf_route *r;
	char msg[512];

	if (!dot || dot == name || !dot[1])
		return kf_seterr(errstr, errstr_size, KF_EINVAL,
				 "%s: expected route.NAME.KEY (a [route.NAME] "
				 "section)",
				 key);
	if (!(k = kf__route_key_find(dot + 1))) {
		k = kf__key_suggest_in(kf__route_keys, KF__NROUTE_KEYS,
				       dot + 1);
		if (k)
			return kf_seterr(errstr, errstr_size, KF_EINVAL,
					 "%s: unknown route key (did you mean "
					 "%s?)",
					 key, kf__leaf(k->name));
		return kf_seterr(errstr, errstr_size, KF_EINVAL,
				 "%s: unknown route key (see `kferry help "
				 "config`)",
				 key);
	}
	if (!(r = kf__route_get(conf, name, (size_t)(dot - name))))
		return kf_seterr(errstr, errstr_size, KF_ENOMEM,
				 "%s: out of memory", key);
	/* The table's messages start with its generic name; say ours. */
	if (!kf__set_key(r, k, value, msg, sizeof(msg)))
		return 0;
	if (!strncmp(msg, k->name, strlen(k->name)))
		return kf_seterr(errstr, errstr_size, KF_EINVAL, "%s%s", key,
				 msg + strlen(k->name));
	return kf_seterr(errstr, errstr_size, KF_EINVAL, "%s: %s", key, msg);
}

int kf_conf_set(kf_conf_t *conf, const char *key, const char *value,
		char *errstr, size_t errstr_size)
{
	const struct kf__key *k;

	if (!conf || !key || !value)
		return kf_seterr(errstr, errstr_size, KF_EINVAL,
				 "kf_conf_set: NULL argument");
	if (!strncmp(key, kf__kafka_prefix, KF__KAFKA_PREFIX_LEN))
		return kf__set_prop(conf, key + KF__KAFKA_PREFIX_LEN, value,
				    errstr, errstr_size);
	if (!strncmp(key, kf__route_prefix, KF__ROUTE_PREFIX_LEN))
		return kf__set_route(conf, key, value, errstr, errstr_size);
	k = kf__key_find(key);
	if (!k)
		return kf__unknown_key(key, errstr, errstr_size);
	return kf__set_key(conf, k, value, errstr, errstr_size);
}

int kf_conf_set_arg(kf_conf_t *conf, const char *key, const char *value,
		    char *errstr, size_t errstr_size)
{
	if (key && value && *value && kf_conf_is_secret(key) &&
	    !kf_conf_secret_is_ref(value))
		return kf_seterr(errstr, errstr_size, KF_EINVAL,
				 "%s: a secret on the command line is visible "
				 "to every local user (ps, /proc/PID/cmdline): "
				 "give %s=file:PATH or %s=env:NAME, or put it "
				 "in a configuration file only kferry's user "
				 "can read",
				 key, key, key);
	return kf_conf_set(conf, key, value, errstr, errstr_size);
}

/* ---------------------------------------------------------------------
 * Life cycle.
 */

kf_conf_t *kf_conf_new(void)
{
	kf_conf_t *conf = calloc(1, sizeof(*conf));
	size_t i;

	if (!conf)
		return NULL;
	/* Defaults go through the parser, so they obey the table's ranges
	 * (a unit test makes sure every default is accepted). */
	for (i = 0; i < KF__NKEYS; i++) {
		if (kf__keys[i].def &&
		    kf__set_key(conf, &kf__keys[i], kf__keys[i].def, NULL, 0)) {
			kf_conf_destroy(conf);
			return NULL;
		}
	}
	return conf;
}

void kf_conf_destroy(kf_conf_t *conf)
{
	size_t i;

	if (!conf)
		return;
	for (i = 0; i < KF__NKEYS; i++)
		if (kf__keys[i].type == KF__T_STRING)
			kf__free_value("", kf__keys[i].name,
				       *(char **)kf__field(conf, &kf__keys[i]));
	for (i = 0; i < conf->nprops; i++) {
		kf__free_value("kafka.", conf->props[i].name,
			       conf->props[i].value);
		free(conf->props[i].name);
	}
	free(conf->props);
	for (i = 0; i < conf->nroutes; i++)
		kf__route_free(&conf->routes[i]);
	free(conf->routes);
	free(conf);
}

/* ---------------------------------------------------------------------
 * The file loader: INI style, one line at a time, modified in place.
 */

struct kf__loader {
	kf_conf_t *conf;
	char section[KF__KEY_MAX]; /* "" before the first [section] */
	char secret[KF__KEY_MAX];  /* the first key holding a secret inline */
};

static char *kf__skip_space(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	return s;
}

static void kf__rtrim(char *s)
{
	size_t n = strlen(s);

	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
}

/* Nothing but whitespace and maybe a comment left on the line. */
static int kf__rest_is_empty(char *s)
{
	s = kf__skip_space(s);
	return !*s || *s == '#' || *s == ';';
}

/* Section and key names: letters, digits, '.', '_' and '-'. */
static int kf__valid_name(const char *s)
{
	size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyz"
			     "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-");

	return n && !s[n] && n < KF__KEY_MAX;
}

static int kf__load_section(struct kf__loader *ld, char *p, char *msg,
			    size_t msg_size)
{
	char *end = strchr(p, ']');
	char *name;

	if (!end || !kf__rest_is_empty(end + 1))
		return kf_seterr(msg, msg_size, KF_EINVAL,
				 "expected \"[section]\"");
	*end = '\0';
	name = kf__skip_space(p + 1);
	kf__rtrim(name);
	if (!kf__valid_name(name))
		return kf_seterr(msg, msg_size, KF_EINVAL,
				 "invalid section name \"%s\" (use letters, "
				 "digits, '.', '_' and '-')",
				 name);
	strcpy(ld->section, name);
	return 0;
}

/* Cuts a '#' or ';' comment that follows whitespace, then the whitespace;
 * "a#b" and "a;b" stay whole. value never starts the line (the key and '='
 * come first), so s[-1] is always inside it. */
static void kf__cut_comment(char *value)
{
	char *s;

	for (s = value; *s; s++) {
		if ((*s == '#' || *s == ';') &&
		    (s[-1] == ' ' || s[-1] == '\t')) {
			*s = '\0';
			break;
		}
	}
	kf__rtrim(value);
}

/* The character an escape stands for, or -1. */
static int kf__unescape(char c)
{
	switch (c) {
	case 'n':
		return '\n';
	case '"':
	case '\\':
		return c;
	default:
		return -1;
	}
}

/* Decodes a double-quoted value in place (the decoded text is never longer
 * than the quoted one); p points at the opening quote. */
static int kf__unquote(char *p, const char *key, char *msg, size_t msg_size)
{
	char *r = p + 1, *w = p;

	for (; *r != '"'; r++) {
		int c = *r;

		if (!c)
			return kf_seterr(msg, msg_size, KF_EINVAL,
					 "%s: missing closing quote", key);
		if (c == '\\' && r[1] && (c = kf__unescape(*++r)) < 0)
			return kf_seterr(msg, msg_size, KF_EINVAL,
					 "%s: unknown escape \"\\%c\" in "
					 "quoted value (use \\\", \\\\ or "
					 "\\n)",
					 key, *r);
		*w++ = (char)c;
	}
	if (!kf__rest_is_empty(r + 1))
		return kf_seterr(msg, msg_size, KF_EINVAL,
				 "%s: unexpected text after the closing quote",
				 key);
	*w = '\0';
	return 0;
}

static int kf__load_pair(struct kf__loader *ld, char *p, char *msg,
			 size_t msg_size)
{
	char *eq = strchr(p, '=');
	char key[KF__KEY_MAX];
	char *value;
	int n, err;

	if (!eq)
		return kf_seterr(msg, msg_size, KF_EINVAL,
				 "expected \"key = value\", \"[section]\" or "
				 "a comment");
	*eq = '\0';
	kf__rtrim(p);
	if (!kf__valid_name(p))
		return kf_seterr(msg, msg_size, KF_EINVAL,
				 "invalid key name \"%s\" (use letters, "
				 "digits, '.', '_' and '-')",
				 p);
	n = snprintf(key, sizeof(key), "%s%s%s", ld->section,
		     *ld->section ? "." : "", p);
	if (n < 0 || (size_t)n >= sizeof(key))
		return kf_seterr(msg, msg_size, KF_EINVAL,
				 "%s.%s: key name too long", ld->section, p);
	value = kf__skip_space(eq + 1);
	if (*value != '"')
		kf__cut_comment(value);
	else if ((err = kf__unquote(value, key, msg, msg_size)))
		return err;
	err = kf_conf_set(ld->conf, key, value, msg, msg_size);
	if (!err && !*ld->secret && *value && kf_conf_is_secret(key) &&
	    !kf_conf_secret_is_ref(value))
		snprintf(ld->secret, sizeof(ld->secret), "%s", key);
	return err;
}

/* Names of the keys whose values are secrets; kafka.* ones are the
 * librdkafka properties that hold passwords or keys. */
static const char *const kf__secret_keys[] = {
	"sasl.password",
	"tls.key_password",
	"kafka.sasl.password",
	"kafka.ssl.key.password",
	"kafka.ssl.key.pem",
	"kafka.ssl.keystore.password",
	"kafka.sasl.oauthbearer.client.secret",
	NULL,
};

int kf_conf_is_secret(const char *key)
{
	size_t i;

	for (i = 0; kf__secret_keys[i]; i++)
		if (!strcmp(kf__secret_keys[i], key))
			return 1;
	return 0;
}

int kf_conf_secret_is_ref(const char *value)
{
	return !strncmp(value, "file:", 5) || !strncmp(value, "env:", 4);
}

/* A file that holds a secret and that any local user can read gives the
 * secret away: say so, with the fix. Group access is left alone: 640
 * with a service group is a common and sound setup. */
static void kf__check_secret_file(FILE *f, const char *path,
				  const char *key)
{
	struct stat st;

	if (fstat(fileno(f), &st) < 0 || !(st.st_mode & (S_IROTH | S_IWOTH)))
		return;
	kf_warn("conf",
		"%s holds a secret (%s) and is readable by other users "
		"(mode %03o): run chmod 600 %s (or 640 with a group only "
		"kferry's users are in), or move the secret out with "
		"%s = file:PATH or env:NAME",
		path, key, (unsigned)(st.st_mode & 0777), path, key);
}

static int kf__load_line(struct kf__loader *ld, char *line, size_t len,
			 char *msg, size_t msg_size)
{
	char *p;

	if (strlen(line) != len)
		return kf_seterr(msg, msg_size, KF_EINVAL,
				 "line contains a NUL byte");
	kf__rtrim(line);
	p = kf__skip_space(line);
	if (!*p || *p == '#' || *p == ';')
		return 0;
	if (*p == '[')
		return kf__load_section(ld, p, msg, msg_size);
	return kf__load_pair(ld, p, msg, msg_size);
}

int kf_conf_load_file(kf_conf_t *conf, const char *path, char *errstr,
		      size_t errstr_size)
{
	static const char bom[] = "\xef\xbb\xbf";
	struct kf__loader ld = {.conf = conf};
	/* stdio's buffer, ours so that the secrets it saw can be wiped */
	char iobuf[BUFSIZ];
	char msg[1024];
	unsigned lineno = 0;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int err = 0, e;
	FILE *f;

	if (!(f = fopen(path, "re"))) { /* e: O_CLOEXEC, threads may fork */
		e = errno;
		return kf_seterr(errstr, errstr_size, kf_err_from_errno(e),
				 "%s: cannot open: %s", path, strerror(e));
	}
	setvbuf(f, iobuf, _IOFBF, sizeof(iobuf));
	while (!err && (len = getline(&line, &cap, f)) >= 0) {
		size_t skip = 0;

		/* Editors on some systems start UTF-8 files with a BOM. */
		if (!lineno++ && !strncmp(line, bom, sizeof(bom) - 1))
			skip = sizeof(bom) - 1;
		err = kf__load_line(&ld, line + skip, (size_t)len - skip, msg,
				    sizeof(msg));
		if (err)
			kf_seterr(errstr, errstr_size, err, "%s:%u: %s", path,
				  lineno, msg);
	}
	if (!err && ferror(f)) {
		e = errno;
		err = kf_seterr(errstr, errstr_size, kf_err_from_errno(e),
				"%s: cannot read: %s", path, strerror(e));
	}
	if (!err && *ld.secret)
		kf__check_secret_file(f, path, ld.secret);
	if (line)
		explicit_bzero(line, cap);
	free(line);
	fclose(f);
	explicit_bzero(iobuf, sizeof(iobuf));
	return err;
}

/* ---------------------------------------------------------------------
 * The reference: `kferry help config [--markdown]` and docs/config.md.
 */

/* One string per output line. */
static const char *const kf__md_title[] = {
	"# kferry configuration",
	"",
	"_This page is generated by `kferry help config --markdown` from the",
	"key table in `src/config/conf.c`: change the table, then regenerate",
	"the page._",
	"",
	NULL,
};

/* The reference's prose, in the Markdown subset that kf__man_lines
 * renders: "## " and "### " headings, "* " and "1. " items continued by
 * indented lines, ``` blocks, `code` spans. */
static const char *const kf__ref_body[] = {
	"## Where settings come from",
	"",
	"Each source overrides the one before it:",
	"",
	"1. the defaults listed below;",
	"2. the configuration file named with `-c FILE`;",
	"3. command-line options, in the order given: `-o key=value` sets any",
	"   key, `-X name=value` sets a librdkafka property (the same as",
	"   `-o kafka.name=value`), and options such as `-b` and `-t` set",
	"   their keys. A key set more than once keeps its last value.",
	"",
	"## File format",
	"",
	"The file is INI style; `config/kferry.conf` is a fully commented",
	"example.",
	"",
	"```ini",
	"topic = kferry.files",
	"chunk_size = 4MiB",
	"",
	"[receive]",
	"dest = /srv/kferry/incoming    # receive.dest",
	"on_conflict = rename",
	"",
	"[tls]",
	"ca = \"/etc/kferry/ca.pem\"      # tls.ca",
	"",
	"[kafka]",
	"socket.keepalive.enable = true # kafka.socket.keepalive.enable",
	"```",
	"",
	"* One `key = value` per line; whitespace around the key and the",
	"  value is ignored.",
	"* `[section]` prefixes the keys after it: `dest` under `[receive]`",
	"  is `receive.dest`. Keys before the first section have no prefix,",
	"  so a full name such as `receive.dest = /x` works there too.",
	"* A line whose first non-blank character is `#` or `;` is a",
	"  comment, and so is the rest of a line from a `#` or `;` that",
	"  follows whitespace (`a#b` is a value, `a #b` is `a` and a",
	"  comment).",
	"* Double quotes keep a value's leading and trailing whitespace and",
	"  any `#` or `;`; inside them `\\\"`, `\\\\` and `\\n` stand for a",
	"  quote, a backslash and a newline.",
	"* A key set twice keeps its last value.",
	"* Sizes are a number of bytes, optionally followed by `K`, `M`, `G`",
	"  or `T`, alone or with `B` or `iB`, in any case; all are binary",
	"  multiples (`1K` = `1KB` = `1KiB` = 1024). Fractions and negative",
	"  numbers are rejected.",
	"* Booleans are `true`/`false`, `yes`/`no`, `on`/`off` or `1`/`0`.",
	"  Boolean, enum and codec words are case-insensitive; key names are",
	"  not.",
	"* An error names the file, the line and the key, for example",
	"  `/etc/kferry/kferry.conf:12: receive.on_conflict: invalid value",
	"  \"replace\" (expected fail, overwrite or rename)`.",
	"",
	"## librdkafka properties: `kafka.*`",
	"",
	"A key that starts with `kafka.` is a librdkafka property, handed to",
	"the Kafka client without the prefix: `kafka.security.protocol = SSL`",
	"sets `security.protocol`. In a file, every key of the `[kafka]`",
	"section is one; on the command line `-X NAME=VALUE` sets one.",
	"Apart from the few below, kferry checks neither their names nor",
	"their values: librdkafka does when the Kafka client is set up (see",
	"librdkafka's CONFIGURATION.md).",
	"Setting a property again replaces its value.",
	"",
	"A few properties are kferry's own and refused with the reason (exit",
	"code 2), because a value of the user's would silently undo what the",
	"protocol or the transport's security rests on:",
	"`enable.auto.commit` (and `auto.commit.enable`),",
	"`enable.auto.offset.store` (offsets are committed by the commit rule",
	"of docs/protocol.md section 7); `acks` (and `request.required.acks`),",
	"`enable.idempotence`, `transactional.id`, `partitioner`,",
	"`queuing.strategy` (frames reach their partition in order, without",
	"duplicates, by the key's murmur2 hash); a cooperative",
	"`partition.assignment.strategy` (the receiver rebalances eagerly);",
	"`enable.ssl.certificate.verification` and",
	"`ssl.endpoint.identification.algorithm` (use `tls.ca` and",
	"`tls.verify_hostname`, docs/security.md). The same holds with",
	"librdkafka's `topic.` prefix.",
	"",
	"Where kferry has a key",
	"of its own (`bootstrap`, `send.linger_ms`,",
	"`send.delivery_timeout_ms`, `security.protocol`, `tls.*`, `sasl.*`),",
	"use that key instead. Secret properties (`kafka.sasl.password`,",
	"`kafka.ssl.key.password`, ...) take `file:PATH` and `env:NAME` like",
	"`sasl.password` (docs/security.md).",
	"",
	"## Keys",
	NULL,
};

static const char *const kf__plain_intro[] = {
	"kferry configuration keys (`kferry help config --markdown` prints",
	"the full reference).",
	"",
	"Later settings win: defaults, then the file given with -c FILE, then",
	"command-line options in the order given (-o key=value sets any key,",
	"-X name=value a librdkafka property).",
	"",
	"File: INI style, one \"key = value\" per line; \"[section]\" prefixes",
	"the keys after it (\"dest\" under [receive] is receive.dest); '#' or",
	"';' starts a comment; values may be double-quoted, with \\\" \\\\ \\n",
	"escapes. Sizes take K, M, G or T (binary: 1K = 1KiB = 1024). Keys",
	"starting with \"kafka.\" (or in [kafka]) are librdkafka properties,",
	"passed through unchanged.",
	NULL,
};

static void kf__put_lines(FILE *out, const char *const *lines)
{
	for (; *lines; lines++)
		fprintf(out, "%s\n", *lines);
}

/* Writes s as a Markdown table cell: a '|' would end the cell. */
static void kf__md_cell(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '|')
			fputc('\\', out);
		fputc(*s, out);
	}
}

/* Writes text wrapped at 78 columns, every line indented. */
static void kf__wrap(FILE *out, const char *text, size_t indent)
{
	size_t col = indent;

	fprintf(out, "%*s", (int)indent, "");
	while (*text) {
		size_t n = strcspn(text, " ");

		if (col > indent && col + 1 + n > 78) {
			fprintf(out, "\n%*s", (int)indent, "");
			col = indent;
		} else if (col > indent) {
			fputc(' ', out);
			col++;
		}
		fwrite(text, 1, n, out);
		col += n;
		text += n + strspn(text + n, " ");
	}
	fputc('\n', out);
}

static void kf__fmt_type(char *buf, size_t cap, const struct kf__key *k)
{
	snprintf(buf, cap, "%s%s%s%s", kf__types[k->type].name,
		 k->unit ? " (" : "", k->unit ? k->unit : "",
		 k->unit ? ")" : "");
}

/* The section part of a key name ("" for top-level keys). */
static size_t kf__section_len(const struct kf__key *k)
{
	const char *dot = strchr(k->name, '.');

	return dot ? (size_t)(dot - k->name) : 0;
}

static int kf__starts_section(size_t i)
{
	size_t n = kf__section_len(&kf__keys[i]);

	return !i || n != kf__section_len(&kf__keys[i - 1]) ||
	       strncmp(kf__keys[i].name, kf__keys[i - 1].name, n);
}

static const char kf__md_table_head[] =
	"| Key | Type | Default | Range | Description |\n"
	"| --- | --- | --- | --- | --- |\n";

/* The heading of k's section: section_fmt gets the section's name as
 * "%.*s"; top is the heading of the keys without a section. */
static void kf__heading(FILE *out, const struct kf__key *k,
			const char *section_fmt, const char *top)
{
	size_t n = kf__section_len(k);

	if (n)
		fprintf(out, section_fmt, (int)n, k->name);
	else
		fputs(top, out);
}

static void kf__md_heading(FILE *out, const struct kf__key *k)
{
	kf__heading(out, k, "\n### `[%.*s]` section\n\n",
		    "\n### Top-level keys\n\n");
	fputs(kf__md_table_head, out);
}

static void kf__md_key(FILE *out, const struct kf__key *k)
{
	char type[64], range[160];

	kf__fmt_type(type, sizeof(type), k);
	kf__fmt_range(range, sizeof(range), k);
	fprintf(out, "| `%s` | %s | ", k->name, type);
	if (k->def)
		fprintf(out, "`%s`", k->def);
	else
		fputs("(none)", out);
	fputs(" | ", out);
	kf__md_cell(out, range);
	fputs(" | ", out);
	kf__md_cell(out, k->doc);
	fputs(" |\n", out);
}

static void kf__plain_key(FILE *out, const struct kf__key *k)
{
	char type[64], range[160];

	kf__fmt_type(type, sizeof(type), k);
	kf__fmt_range(range, sizeof(range), k);
	fprintf(out, "\n%s  %s; %s; default %s\n", k->name, type, range,
		k->def ? k->def : "none");
	kf__wrap(out, k->doc, 4);
}

static const char *const kf__routes_intro[] = {
	"",
	"### `[route.NAME]` sections",
	"",
	"Each `[route.NAME]` section is one directory watched by `kferry watch`",
	"(docs/watch.md); NAME is the route's name in logs and in the ledger.",
	"A route exists once one of its keys is set; the others keep these",
	"defaults.",
	"",
	NULL,
};

/* ---- the kferry.conf(5) manual page: roff rendered from the same text */

static const char *const kf__man_head[] = {
	".\\\" Generated by `kferry help config --man` from the key table in",
	".\\\" src/config/conf.c: change the table, then regenerate the page.",
	".TH KFERRY.CONF 5 \"\" kferry \"kferry manual\"",
	".SH NAME",
	"kferry.conf \\- kferry configuration file",
	".SH SYNOPSIS",
	"/etc/kferry/kferry.conf",
	".br",
	"kferry COMMAND \\-c FILE [\\-c FILE]... [options]",
	".SH DESCRIPTION",
	"kferry(1) reads its settings from the files named with \\-c, in",
	"order, then from its command line. This page lists every key with its",
	"type, range and default.",
	NULL,
};

static const char *const kf__man_tail[] = {
	".SH FILES",
	".TP",
	".I /etc/kferry/kferry.conf",
	"settings shared by every service of the packages (all commented out",
	"as shipped)",
	".TP",
	".I /etc/kferry/watch.conf",
	"the routes of kferry\\-watch.service",
	".TP",
	".I /etc/kferry/receive/NAME.conf",
	"the settings of kferry\\-receive@NAME.service",
	".SH SEE ALSO",
	"kferry(1)",
	NULL,
};

/* Writes c escaped for roff: a backslash is \e and a minus sign \- (so
 * that options and ranges copy as ASCII). */
static void kf__man_char(FILE *out, char c)
{
	if (c == '\\')
		fputs("\\e", out);
	else if (c == '-')
		fputs("\\-", out);
	else
		fputc(c, out);
}

static void kf__man_escaped(FILE *out, const char *s)
{
	for (; *s; s++)
		kf__man_char(out, *s);
}

/* Writes s as one roff text line with `code` in bold. A line that would
 * start with a control character is protected by \&. */
static void kf__man_text(FILE *out, const char *s)
{
	int code = 0;

	if (*s == '.' || *s == '\'')
		fputs("\\&", out);
	for (; *s; s++) {
		if (*s == '`')
			fputs((code = !code) ? "\\fB" : "\\fR", out);
		else
			kf__man_char(out, *s);
	}
	if (code)
		fputs("\\fR", out);
	fputc('\n', out);
}

/* Renders the Markdown subset of kf__ref_body as roff. */
static void kf__man_lines(FILE *out, const char *const *lines)
{
	int in_code = 0, in_item = 0, para = 0;

	for (; *lines; lines++) {
		const char *l = *lines;
		size_t digits = strspn(l, "0123456789");

		if (!strncmp(l, "```", 3)) {
			fputs((in_code = !in_code) ? ".PP\n.RS 4\n.nf\n"
						   : ".fi\n.RE\n",
			      out);
			para = 0;
		} else if (in_code) {
			kf__man_text(out, l);
		} else if (!*l) {
			para = 1, in_item = 0;
		} else if (!strncmp(l, "### ", 4)) {
			fputs(".SS ", out);
			kf__man_text(out, l + 4);
			para = 0;
		} else if (!strncmp(l, "## ", 3)) {
			fputs(".SH ", out);
			for (l += 3; *l; l++)
				if (*l != '`')
					fputc(*l >= 'a' && *l <= 'z'
						      ? *l - 'a' + 'A'
						      : *l,
					      out);
			fputc('\n', out);
			para = 0;
		} else if (!strncmp(l, "* ", 2)) {
			fputs(".IP \\(bu 2\n", out);
			kf__man_text(out, l + 2);
			in_item = 1, para = 0;
		} else if (digits && !strncmp(l + digits, ". ", 2)) {
			fprintf(out, ".IP %.*s. 4\n", (int)digits, l);
			kf__man_text(out, l + digits + 2);
			in_item = 1, para = 0;
		} else {
			if (para && !in_item)
				fputs(".PP\n", out);
			kf__man_text(out, in_item ? l + strspn(l, " ") : l);
			para = 0;
		}
	}
}

static void kf__man_key(FILE *out, const struct kf__key *k)
{
	char type[64], range[160];

	kf__fmt_type(type, sizeof(type), k);
	kf__fmt_range(range, sizeof(range), k);
	fprintf(out, ".TP\n\\fB%s\\fR (%s; ", k->name, type);
	kf__man_escaped(out, range);
	if (k->def) {
		fputs("; default \\fB", out);
		kf__man_escaped(out, k->def);
		fputs("\\fR", out);
	}
	fputs(")\n", out);
	kf__man_text(out, k->doc);
}

/* ---- one table, three formats */

static void kf__text_intro(FILE *out)
{
	kf__put_lines(out, kf__plain_intro);
}

static void kf__md_intro(FILE *out)
{
	kf__put_lines(out, kf__md_title);
	kf__put_lines(out, kf__ref_body);
}

static void kf__md_routes(FILE *out)
{
	kf__put_lines(out, kf__routes_intro);
	fputs(kf__md_table_head, out);
}

static void kf__man_intro(FILE *out)
{
	kf__put_lines(out, kf__man_head);
	kf__man_lines(out, kf__ref_body);
}

static void kf__man_heading(FILE *out, const struct kf__key *k)
{
	kf__heading(out, k, ".SS [%.*s] section\n", ".SS Top\\-level keys\n");
}

static void kf__man_routes(FILE *out)
{
	kf__man_lines(out, kf__routes_intro);
}

static void kf__man_outro(FILE *out)
{
	kf__put_lines(out, kf__man_tail);
}

static const struct kf__doc_format {
	void (*intro)(FILE *out);
	void (*heading)(FILE *out, const struct kf__key *k); /* or NULL */
	void (*key)(FILE *out, const struct kf__key *k);
	void (*routes)(FILE *out); /* before the route keys, or NULL */
	void (*outro)(FILE *out);  /* or NULL */
} kf__doc_formats[] = {
	[KF_CONF_DOC_TEXT] = {kf__text_intro, NULL, kf__plain_key, NULL,
			      NULL},
	[KF_CONF_DOC_MARKDOWN] = {kf__md_intro, kf__md_heading, kf__md_key,
				  kf__md_routes, NULL},
	[KF_CONF_DOC_MAN] = {kf__man_intro, kf__man_heading, kf__man_key,
			     kf__man_routes, kf__man_outro},
};

void kf_conf_describe(FILE *out, enum kf_conf_doc format)
{
	const size_t nformats =
		sizeof(kf__doc_formats) / sizeof(kf__doc_formats[0]);
	const struct kf__doc_format *f =
		&kf__doc_formats[(size_t)format < nformats ? format : 0];
	size_t i;

	f->intro(out);
	for (i = 0; i < KF__NKEYS; i++) {
		if (f->heading && kf__starts_section(i))
			f->heading(out, &kf__keys[i]);
		f->key(out, &kf__keys[i]);
	}
	if (f->routes)
		f->routes(out);
	for (i = 0; i < KF__NROUTE_KEYS; i++)
		f->key(out, &kf__route_keys[i]);
	if (f->outro)
		f->outro(out);
}
