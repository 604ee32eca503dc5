/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Configuration: the one table of keys (name, type, default, range and
 * doc) that the loader (conf_load.c) validates against and the reference
 * (conf_doc.c, docs/config.md, kferry.conf(5)) is printed from; and how a
 * key's accepted values are described, for both.
 *
 * @locality any thread: read-only data.
 */
#include "config/conf_table.h"

#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/log.h"

#define KF__KiB ((int64_t)1 << 10)
#define KF__MiB ((int64_t)1 << 20)
#define KF__GiB ((int64_t)1 << 30)

/* Longest value of a free-form string key, unless the key says less. */
#define KF__STRING_MAX 4096

const struct kf__type_desc kf__conf_types[] = {
	[KF__T_STRING] = {"string", "", ""},
	[KF__T_INT] = {"integer", "an integer in ", ""},
	[KF__T_BOOL] = {"boolean", "", ""},
	[KF__T_SIZE] = {"size", "a size in ", ", e.g. 65536, 64K or 1MiB"},
	[KF__T_ENUM] = {"enum", "", ""},
	[KF__T_CODEC] = {"codec", "", ""},
};

static const struct kf__word kf__bool_words[] = {
	{"true", 1}, {"false", 0}, {"yes", 1}, {"no", 0}, {"on", 1},
	{"off", 0},  {"1", 1},	   {"0", 0},   {NULL, 0},
};

static const struct kf__word kf__log_level_words[] = {
	{"error", KF_LOG_ERR},
	{"warn", KF_LOG_WARN},
	{"info", KF_LOG_INFO},
	{"debug", KF_LOG_DEBUG},
	{NULL, 0},
};

/* The values of enum kf_conflict_policy, which the file sink owns
 * (recv/assembler.h, out of this area's reach): api/recvopts.c asserts
 * that they agree. */
static const struct kf__word kf__conflict_words[] = {
	{"fail", 0},
	{"overwrite", 1},
	{"rename", 2},
	{NULL, 0},
};

static const struct kf__word kf__sink_mode_words[] = {
	{"auto", 0},
	{"insert", 1},
	{"upsert", 2},
	{NULL, 0},
};

static const struct kf__word kf__sink_start_words[] = {
	{"earliest", 0},
	{"latest", 1},
	{NULL, 0},
};

static const struct kf__word kf__capture_snapshot_words[] = {
	{"initial", 0},
	{"never", 1},
	{"initial_only", 2},
	{NULL, 0},
};

static const struct kf__word kf__sink_errors_words[] = {
	{"dead_letter", 0},
	{"fail", 1},
	{NULL, 0},
};

/* Every codec but "none" takes an optional ":LEVEL". */
static const struct kf__word kf__codec_words[] = {
	{"none", KF_CODEC_NONE},
	{"zstd", KF_CODEC_ZSTD},
	{NULL, 0},
};

/*
 * The field's C type is checked at compile time (_Generic has no default
 * association), so a key can never store an int into a uint64_t field.
 */
#define KF__OFFT(T, field, ctype)                                              \
	_Generic(((T *)0)->field, ctype : offsetof(T, field))
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
/* TLS 1.3 suite names: letters, digits and '_', ':' between them. Anything
 * else could not be a suite, and would reach OpenSSL's configuration text
 * (kafka/security.c). */
static int kf__check_suites(const char *v, char *errstr, size_t errstr_size)
{
	const char *ok = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			 "0123456789_:";

	if (!v[strspn(v, ok)])
		return 0;
	return kf_seterr(errstr, errstr_size, KF_EINVAL,
			 "invalid value \"%s\" (expected TLS 1.3 suite names "
			 "separated by ':', such as TLS_AES_128_GCM_SHA256)",
			 v);
}

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

static const struct kf__word kf__decimal_words[] = {
	{"base64", 0},
	{"numeric", 1},
	{NULL, 0},
};

static const struct kf__word kf__value_format_words[] = {
	{"json", 0},
	{"avro", 1},
	{"json-schema", 2},
	{NULL, 0},
};

static const struct kf__word kf__key_format_words[] = {
	{"json", 0},	    {"avro", 1},
	{"json-schema", 2}, {"value", KF_CONF_KEY_FORMAT_VALUE},
	{NULL, 0},
};

static const struct kf__word kf__subject_words[] = {
	{"topic", 0},
	{"record", 1},
	{NULL, 0},
};

static const struct kf__word kf__load_compression_words[] = {
	{"none", KF_LOAD_COMPRESSION_NONE},
	{"gzip", KF_LOAD_COMPRESSION_GZIP},
	{"snappy", KF_LOAD_COMPRESSION_SNAPPY},
	{"lz4", KF_LOAD_COMPRESSION_LZ4},
	{"zstd", KF_LOAD_COMPRESSION_ZSTD},
	{NULL, 0},
};

const char *kf_conf_load_compression(int value)
{
	const struct kf__word *w;

	for (w = kf__load_compression_words; w->word; w++)
		if (w->value == value)
			return w->word;
	return "none";
}

int kf_conf_parse_rejects(const char *s, uint64_t *n, int *percent,
			  char *errstr, size_t errstr_size)
{
	size_t digits = strspn(s, "0123456789");
	unsigned long long v;

	*percent = s[digits] == '%';
	if (!digits || digits > 15 || s[digits + *percent])
		return kf_seterr(
			errstr, errstr_size, KF_EINVAL,
			"invalid value \"%s\" (expected a number of "
			"rows such as 10, or a whole percentage of the "
			"rows read such as 5%%)",
			s);
	v = strtoull(s, NULL, 10);
	if (*percent && v > 100)
		return kf_seterr(errstr, errstr_size, KF_EINVAL,
				 "invalid value \"%s\" (a percentage is 0%% "
				 ".. 100%%)",
				 s);
	*n = v;
	return 0;
}

static int kf__check_rejects(const char *v, char *errstr, size_t errstr_size)
{
	uint64_t n;
	int pct;

	return kf_conf_parse_rejects(v, &n, &pct, errstr, errstr_size);
}

/* route.NAME.max_rejects: empty (load.max_rejects) or as that key. */
static int kf__check_route_rejects(const char *v, char *errstr,
				   size_t errstr_size)
{
	return *v ? kf__check_rejects(v, errstr, errstr_size) : 0;
}

static const struct kf__word kf__route_kind_words[] = {
	{"files", KF_ROUTE_FILES},
	{"records", KF_ROUTE_RECORDS},
	{NULL, 0},
};

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

const struct kf__key kf__conf_keys[] = {
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
		       "statistics, audit), capture, or all. Empty: no "
		       "debug "
		       "messages.",
	},
	{
		.name = "workers",
		KF__INT(workers),
		.def = "0",
		.min = 0,
		.max = 64,
		.doc = "Worker threads that hash, compress and decompress "
		       "chunks and run the blocking steps of loads; kferry "
		       "watch loads at most this less one records files at "
		       "once (docs/records.md 3.3). 0 starts one per online "
		       "CPU, plus one.",
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
		.doc = "Most files larger than a chunk a sender reads at "
		       "once. Smaller files are opened, read, hashed and "
		       "compressed in batches of up to 64 (at most four "
		       "batches at once); send.max_inflight_bytes bounds "
		       "the memory of both.",
	},
	{
		.name = "send.file_frames",
		KF__BOOL(send_file_frames),
		.def = "true",
		.doc = "Send a file of at most chunk_size bytes as one FILE "
		       "message (manifest, data and commit together, protocol "
		       "version 2) instead of three. Receivers older than "
		       "version 2 refuse FILE messages (logged and "
		       "dead-lettered, never half-placed): set it to false "
		       "until every receiver of the topic is upgraded. "
		       "Encrypted and signed small files travel as one FILE "
		       "message too, holding their three sealed frames "
		       "(docs/protocol.md section 10.10); receivers that "
		       "predate it refuse them the same way.",
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
		.name = "send.batch_max_bytes",
		KF__SIZE(send_batch_max_bytes),
		.def = "0",
		.min = 0,
		.max = 64 * KF__MiB,
		.doc = "Most bytes of one record batch of a sender, and so of "
		       "one produce request to a partition (librdkafka's "
		       "message.max.bytes and batch.size). 0, or less than "
		       "one chunk's message: one chunk per batch, which any "
		       "topic that takes chunk_size accepts. Larger batches "
		       "carry several chunks of a file in one request, which "
		       "costs the brokers less CPU per GiB (bench/README.md, "
		       "\"The cost of TLS\"), but the topic's "
		       "max.message.bytes (or the brokers' message.max.bytes) "
		       "must take the whole batch, or files fail with "
		       "\"Broker: Message size too large\".",
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
		       "failed. A small file's message that waits in the "
		       "sender for its partition (docs/architecture.md, the "
		       "send data path) counts from when it is handed to "
		       "librdkafka.",
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
		.name = "tls.ciphersuites",
		KF__STRING(tls_ciphersuites),
		.def = "TLS_AES_128_GCM_SHA256",
		.max = 256,
		.check = kf__check_suites,
		.doc = "The TLS 1.3 cipher suites kferry offers the brokers, "
		       "separated by ':'. Kafka's brokers pick their own "
		       "first choice among those offered, AES-256-GCM, which "
		       "costs both sides more CPU per byte than AES-128-GCM; "
		       "offering TLS_AES_128_GCM_SHA256 alone (every TLS 1.3 "
		       "server has it) makes TLS cheaper for the brokers and "
		       "for kferry (bench/README.md). Set it to "
		       "TLS_AES_256_GCM_SHA384 where a policy wants AES-256. "
		       "Empty: OpenSSL's own list. It is OpenSSL's setting "
		       "for the whole process (a database connection of the "
		       "same kferry offers the same suites), and a policy of "
		       "the system's OpenSSL configuration wins over it "
		       "(docs/security.md).",
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
		.name = "sink.db",
		KF__STRING(sink_db),
		.max = KF__STRING_MAX,
		.doc = "Target database of kferry sink (--db): "
		       "postgresql://user@host:port/db?... or a libpq keyword "
		       "string, or mariadb://user@host:port/db (also "
		       "mysql://). A password in the URL is refused: use "
		       "sink.db_password.",
	},
	{
		.name = "sink.db_password",
		KF__STRING(sink_db_password),
		.max = KF__STRING_MAX,
		.doc = "Password of the sink's database user: file:PATH (the "
		       "first line of PATH) or env:NAME. Empty: none "
		       "(PostgreSQL's PGPASSFILE still applies).",
	},
	{
		.name = "sink.table",
		KF__STRING(sink_table),
		.max = 127,
		.doc = "One target table for every topic (--table); "
		       "schema.table names a PostgreSQL schema or a MariaDB "
		       "database. Empty: sink.table_format.",
	},
	{
		.name = "sink.table_format",
		KF__STRING(sink_table_format),
		.def = "${topic}",
		.min = 1,
		.max = 255,
		.doc = "Target table per message (--table-format): ${topic} "
		       "(its dots written as _), and for change events ${db}, "
		       "${schema}, ${table} of the event's source block.",
	},
	{
		.name = "sink.mode",
		KF__ENUM(sink_mode, kf__sink_mode_words),
		.def = "auto",
		.doc = "insert: a duplicate key is a refused row; upsert: "
		       "insert or update on the key (a struct message key or "
		       "sink.key). auto: insert for records, upsert for "
		       "change events (which are always upserts).",
	},
	{
		.name = "sink.key",
		KF__STRING(sink_key),
		.max = 1024,
		.doc = "Key columns of upsert mode (--key COL,...), named "
		       "among the value's fields. Empty: the message key's "
		       "struct.",
	},
	{
		.name = "sink.create_table",
		KF__BOOL(sink_create_table),
		.def = "false",
		.doc = "Create a missing table from the first record's schema "
		       "(--create-table), its primary key the key's fields.",
	},
	{
		.name = "sink.evolve",
		KF__BOOL(sink_evolve),
		.def = "false",
		.doc = "Add a column the table lacks when a record's schema "
		       "has one (--evolve; nullable). A changed type is never "
		       "altered.",
	},
	{
		.name = "sink.delete",
		KF__BOOL(sink_delete),
		.def = "false",
		.doc = "Apply the deletes of change events (--delete); "
		       "without it they are skipped and counted.",
	},
	{
		.name = "sink.truncate",
		KF__BOOL(sink_truncate),
		.def = "false",
		.doc = "Apply the truncates of change events (--truncate); "
		       "without it they are skipped and counted.",
	},
	{
		.name = "sink.offsets_table",
		KF__STRING(sink_offsets_table),
		.def = "kferry_offsets",
		.min = 1,
		.max = 127,
		.doc = "Table of the sink's offsets in the target database "
		       "(docs/sink.md 3.1): created when missing.",
	},
	{
		.name = "sink.ledger_topic",
		KF__STRING(sink_ledger_topic),
		.max = 249,
		.doc = "The load ledger of kferry load (load.ledger_topic) to "
		       "reconcile loaded files with (docs/sink.md 5): read "
		       "with the topics, each load's rows counted in "
		       "sink.loads_table. Empty: no reconciliation.",
	},
	{
		.name = "sink.loads_table",
		KF__STRING(sink_loads_table),
		.def = "kferry_loads",
		.min = 1,
		.max = 127,
		.doc = "Table of the loads reconciled in the target database "
		       "(docs/sink.md 5): created when missing.",
	},
	{
		.name = "sink.start",
		KF__ENUM(sink_start, kf__sink_start_words),
		.def = "earliest",
		.doc = "Where a partition with no row in sink.offsets_table "
		       "starts: the log start or its end.",
	},
	{
		.name = "sink.batch_rows",
		KF__INT(sink_batch_rows),
		.def = "10000",
		.min = 1,
		.max = 1000000,
		.doc = "A batch (one database transaction) closes at this "
		       "many messages.",
	},
	{
		.name = "sink.batch_bytes",
		KF__SIZE(sink_batch_bytes),
		.def = "16MiB",
		.min = 1024,
		.max = 1 * KF__GiB,
		.doc = "A batch closes at this many message bytes.",
	},
	{
		.name = "sink.batch_ms",
		KF__INT(sink_batch_ms),
		.def = "200",
		.min = 0,
		.max = 600000,
		.unit = "milliseconds",
		.doc = "A batch closes this long after its first message "
		       "(its own timer), if rows or bytes did not close it "
		       "first.",
	},
	{
		.name = "sink.batch_eager",
		KF__BOOL(sink_batch_eager),
		.def = "true",
		.doc = "A batch also closes as soon as the database side is "
		       "idle (no batch applied or waiting) and nothing more "
		       "was fetched: a change applies without waiting for "
		       "sink.batch_ms, and batches grow on their own while "
		       "the database works. false: only batch_rows, "
		       "batch_bytes and batch_ms close a batch.",
	},
	{
		.name = "sink.mariadb_load_data",
		KF__BOOL(sink_mariadb_load_data),
		.def = "true",
		.doc = "MariaDB, insert mode: write a batch's rows by one "
		       "LOAD DATA LOCAL INFILE streamed from memory (no file; "
		       "the server may ask for no other), its warnings "
		       "checked: a batch with any is written again by "
		       "INSERT statements, so refused rows are refused as "
		       "before (docs/sink.md 4.3.1). A server with "
		       "local_infile off falls back to INSERT with a log "
		       "line. false: always INSERT statements.",
	},
	{
		.name = "sink.connections",
		KF__INT(sink_connections),
		.def = "1",
		.min = 1,
		.max = 1,
		.doc = "Writer connections. One for now: tables pinned to "
		       "several connections are a later step "
		       "(docs/sink.md 4.1).",
	},
	{
		.name = "sink.max_inflight_bytes",
		KF__SIZE(sink_max_inflight_bytes),
		.def = "24MiB",
		.min = 1 * KF__MiB,
		.max = 4 * KF__GiB,
		.doc = "Memory budget of the sink, shared out (docs/sink.md "
		       "4.1.1): half for the batches in flight (their "
		       "messages, copied compactly out of librdkafka, and "
		       "decoded rows; reading pauses past it, "
		       "and a batch closes at a sixth, or sink.batch_bytes "
		       "when smaller), a quarter for the consumer's prefetch "
		       "queue, a 64th for one fetch (compressed; "
		       "decompressed it must fit the last quarter, with the "
		       "writer's buffers). About 15 MiB of libraries come on "
		       "top. kafka.queued.max.messages.kbytes and "
		       "kafka.fetch.max.bytes override the consumer's "
		       "shares.",
	},
	{
		.name = "sink.dead_letter_topic",
		KF__STRING(sink_dead_letter_topic),
		.max = 249,
		.doc = "Topic of the rows the database refuses and of messages "
		       "that are not Connect JSON, with kferry.dlq.* headers "
		       "(docs/sink.md 4.4), acknowledged before the batch "
		       "commits. Empty: they are logged and dropped.",
	},
	{
		.name = "sink.errors",
		KF__ENUM(sink_errors, kf__sink_errors_words),
		.def = "dead_letter",
		.doc = "dead_letter: a refused row goes to "
		       "sink.dead_letter_topic and the rest commits (without "
		       "that topic the sink stops as with fail: a refused row "
		       "is never dropped); fail: the sink stops at the first "
		       "one (nothing of its batch committed).",
	},
	{
		.name = "capture.db",
		KF__STRING(capture_db),
		.max = KF__STRING_MAX,
		.doc = "Source database of kferry capture (--db): "
		       "postgresql://user@host:port/db?... or a libpq keyword "
		       "string. The role needs REPLICATION and SELECT on the "
		       "tables (docs/cdc.md 1). Or mariadb://user@host:port/db "
		       "(its binlog: docs/cdc.md 10; the user needs "
		       "REPLICATION SLAVE, BINLOG MONITOR and SELECT). A "
		       "password in the URL is refused: use "
		       "capture.db_password.",
	},
	{
		.name = "capture.db_password",
		KF__STRING(capture_db_password),
		.max = KF__STRING_MAX,
		.doc = "Password of the capture's database role: file:PATH "
		       "(the first line of PATH) or env:NAME. Empty: none "
		       "(PostgreSQL's PGPASSFILE still applies).",
	},
	{
		.name = "capture.tables",
		KF__STRING(capture_tables),
		.max = KF__STRING_MAX,
		.doc = "The tables to capture (--tables), schema.table[,...] "
		       "(MariaDB: db.table); each needs a primary key.",
	},
	{
		.name = "capture.topic_prefix",
		KF__STRING(capture_topic_prefix),
		.max = 200,
		.doc = "Events of table s.t go to PREFIX.s.t (--topic-prefix), "
		       "as Debezium's topic.prefix. Empty: the database's "
		       "name.",
	},
	{
		.name = "capture.slot",
		KF__STRING(capture_slot),
		.max = 63,
		.doc = "The logical replication slot (--slot), [a-z0-9_]; also "
		       "the key of the offsets record and the Kafka "
		       "transactional.id kferry-capture-SLOT. Empty: "
		       "kferry_DB. MariaDB: the capture's name (offsets key "
		       "mariadb/NAME, transactional.id "
		       "kferry-capture-mariadb-NAME).",
	},
	{
		.name = "capture.publication",
		KF__STRING(capture_publication),
		.max = 63,
		.doc = "The publication of the tables (--publication), created "
		       "or completed when the role may. Empty: SLOT_pub. "
		       "PostgreSQL only.",
	},
	{
		.name = "capture.server_id",
		KF__INT(capture_server_id),
		.def = "0",
		.min = 0,
		.max = 2147483647,
		.doc = "MariaDB: the server id the capture registers with as "
		       "a replica (docs/cdc.md 10.2), unique among the "
		       "server's replicas. 0: 4000000000 + crc32(NAME) % "
		       "100000000, above every id set here.",
	},
	{
		.name = "capture.snapshot",
		KF__ENUM(capture_snapshot, kf__capture_snapshot_words),
		.def = "initial",
		.doc = "initial: the tables' rows first (op r), then their "
		       "changes; never: changes only; initial_only: the rows, "
		       "then exit (docs/cdc.md 6).",
	},
	{
		.name = "capture.offsets_topic",
		KF__STRING(capture_offsets_topic),
		.def = "kferry.capture.offsets",
		.min = 1,
		.max = 249,
		.doc = "Where the capture records, in each Kafka transaction, "
		       "the source position its events reach (docs/cdc.md 5). "
		       "Create it with cleanup.policy=compact.",
	},
	{
		.name = "capture.snapshot_chunk_rows",
		KF__INT(capture_snapshot_chunk_rows),
		.def = "10000",
		.min = 1,
		.max = 10000000,
		.doc = "Rows of the snapshot per fetch and Kafka transaction.",
	},
	{
		.name = "capture.batch_ms",
		KF__INT(capture_batch_ms),
		.def = "100",
		.min = 0,
		.max = 60000,
		.unit = "ms",
		.doc = "A Kafka transaction of streamed changes commits this "
		       "long after it began, at the end of a source "
		       "transaction (events then appear to read_committed "
		       "consumers).",
	},
	{
		.name = "capture.batch_bytes",
		KF__SIZE(capture_batch_bytes),
		.def = "16MiB",
		.min = 1024,
		.max = 1 * KF__GiB,
		.doc = "... or once it holds this many bytes of events, at "
		       "the end of a source transaction.",
	},
	{
		.name = "capture.status_interval_ms",
		KF__INT(capture_status_interval_ms),
		.def = "10000",
		.min = 100,
		.max = 3600000,
		.unit = "ms",
		.doc = "A standby status update (the slot's confirmed "
		       "position) is sent at least this often. MariaDB: "
		       "while only transactions of tables not captured "
		       "pass, an offsets record of their position is "
		       "committed at most this often (docs/cdc.md 10.5).",
	},
	{
		.name = "capture.lag_warn_bytes",
		KF__SIZE(capture_lag_warn_bytes),
		.def = "1GiB",
		.min = 0,
		.max = 1024 * KF__GiB,
		.doc = "A warning is logged (at most once a minute) when "
		       "the slot holds more WAL than this (read every 10 s "
		       "into kferry_capture_slot_retained_bytes, "
		       "docs/metrics.md).",
	},
	{
		.name = "capture.value_format",
		KF__ENUM(capture_value_format, kf__value_format_words),
		.def = "json",
		.doc = "What a change event's value is: json (Debezium's "
		       "envelope in Kafka Connect JSON, docs/cdc.md 3), "
		       "avro (the same envelope as Debezium's Avro, in the "
		       "Confluent wire format against schemas kferry "
		       "registers in schema.registry.url, docs/schemas.md "
		       "10) or json-schema (the Connect JSON payload in the "
		       "wire format against a registered JSON Schema, "
		       "docs/schemas.md 10.3).",
	},
	{
		.name = "capture.key_format",
		KF__ENUM(capture_key_format, kf__key_format_words),
		.def = "value",
		.doc = "What a change event's key is: value (the value's "
		       "format), json, avro or json-schema (docs/schemas.md "
		       "10).",
	},
	{
		.name = "capture.idle_exit",
		KF__INT(capture_idle_exit),
		.def = "0",
		.min = 0,
		.max = 86400,
		.unit = "s",
		.doc = "Exit 0 after this many seconds without a change, "
		       "everything read being in Kafka (--idle-exit). 0: run "
		       "until stopped.",
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
	{
		.name = "load.schema",
		KF__STRING(load_schema),
		.max = KF__STRING_MAX,
		.doc = "The schema file of kferry load (--schema): columns, "
		       "types, checks, key, transforms and the format's "
		       "dialect (docs/records.md, section 2).",
	},
	{
		.name = "load.ledger_topic",
		KF__STRING(load_ledger_topic),
		.def = "kferry.loads",
		.min = 1,
		.max = 249,
		.doc = "The compacted topic of the load ledger and the "
		       "per-file "
		       "load records, written in each file's transaction: a "
		       "file whose content is recorded there as loaded into "
		       "the same topic is skipped (docs/records.md 3.3). "
		       "Create it with cleanup.policy=compact.",
	},
	{
		.name = "load.dead_letter_topic",
		KF__STRING(load_dead_letter_topic),
		.max = 249,
		.doc = "Topic of the rows that fail validation, with their raw "
		       "bytes and kferry.dlq.* headers naming file, line, byte "
		       "offset, field and reason, in the file's transaction "
		       "(docs/records.md 3.6). Empty: none, and then any "
		       "rejected row fails its file.",
	},
	{
		.name = "load.max_rejects",
		KF__STRING(load_max_rejects),
		.def = "0",
		.min = 1,
		.max = 32,
		.check = kf__check_rejects,
		.doc = "How many rows of a file may be rejected: a number of "
		       "rows (N) or a percentage of the rows read (P%). Past "
		       "it the file's transaction is aborted, nothing of it "
		       "is visible, and a failure record with a sample of its "
		       "dead letters is written to the ledger "
		       "(docs/records.md 3.7).",
	},
	{
		.name = "load.reject_sample",
		KF__INT(load_reject_sample),
		.def = "100",
		.min = 0,
		.max = 10000,
		.doc = "Dead letters kept with the failure record of a file "
		       "past load.max_rejects.",
	},
	{
		.name = "load.transactional_id_prefix",
		KF__STRING(load_txn_id_prefix),
		.def = "kferry-load",
		.min = 1,
		.max = 200,
		.doc = "Prefix of the transactional ids of kferry load, one "
		       "per topic and file content (docs/records.md 3.1); "
		       "grant Write and Describe on this TransactionalId "
		       "prefix.",
	},
	{
		.name = "load.transaction_timeout",
		KF__INT(load_transaction_timeout_s),
		.def = "300",
		.min = 10,
		.max = 900,
		.unit = "seconds",
		.doc = "transaction.timeout.ms of a load, and its delivery "
		       "timeout: a file must be published within it (the "
		       "broker's transaction.max.timeout.ms caps it). A killed "
		       "load of a file that then changed holds read_committed "
		       "readers of its partitions this long.",
	},
	{
		.name = "load.max_files_parallel",
		KF__INT(load_max_files_parallel),
		.def = "2",
		.min = 1,
		.max = 64,
		.doc = "Files loaded at once, each in its own transaction; "
		       "at most workers (docs/records.md 3.3).",
	},
	{
		.name = "load.decimal_format",
		KF__ENUM(load_decimal_numeric, kf__decimal_words),
		.def = "base64",
		.doc = "How decimals are written: base64 (Kafka Connect's "
		       "Decimal, decimal.format=BASE64) or numeric "
		       "(decimal.format=NUMERIC) (docs/records.md 1.3).",
	},
	{
		.name = "load.value_format",
		KF__ENUM(load_value_format, kf__value_format_words),
		.def = "json",
		.doc = "What a record's value is: json (Kafka "
		       "Connect's JsonConverter with schemas, "
		       "docs/records.md 1), avro or json-schema (the "
		       "Confluent wire format against a schema kferry "
		       "registers in schema.registry.url, "
		       "docs/schemas.md).",
	},
	{
		.name = "load.key_format",
		KF__ENUM(load_key_format, kf__key_format_words),
		.def = "value",
		.doc = "What a record's key is: value (the value's format), "
		       "json, avro or json-schema (docs/schemas.md 1.1).",
	},
	{
		.name = "schema.registry.url",
		KF__STRING(registry_url),
		.max = 1024,
		.doc = "Base URL of a Confluent-compatible Schema Registry "
		       "API (Apicurio: http://HOST:PORT/apis/ccompat/v7). "
		       "Required by load.value_format and "
		       "capture.value_format = avro and json-schema; kferry "
		       "sink reads Avro and JSON Schema records with it.",
	},
	{
		.name = "schema.registry.username",
		KF__STRING(registry_username),
		.max = 256,
		.doc = "HTTP basic auth user of the registry. Empty: none.",
	},
	{
		.name = "schema.registry.password",
		KF__STRING(registry_password),
		.max = KF__STRING_MAX,
		.doc = "HTTP basic auth password of the registry: inline "
		       "(configuration file only), file:PATH or env:NAME.",
	},
	{
		.name = "schema.registry.ca_location",
		KF__STRING(registry_ca_location),
		.max = 4096,
		.doc = "CA bundle (PEM) that signs an https registry's "
		       "certificate. Empty: the system's CAs.",
	},
	{
		.name = "schema.registry.certificate_location",
		KF__STRING(registry_cert_location),
		.max = 4096,
		.doc = "PEM file of this client's certificate, for an https "
		       "registry that requires one (mutual TLS). Needs "
		       "schema.registry.key_location.",
	},
	{
		.name = "schema.registry.key_location",
		KF__STRING(registry_key_location),
		.max = 4096,
		.doc = "PEM file of the private key of "
		       "schema.registry.certificate_location. Keep it "
		       "readable only by kferry's user (chmod 600).",
	},
	{
		.name = "schema.registry.key_password",
		KF__STRING(registry_key_password),
		.max = KF__STRING_MAX,
		.doc = "Password of an encrypted schema.registry.key_location: "
		       "file:PATH (its first line), env:NAME or the password "
		       "itself (configuration file only).",
	},
	{
		.name = "schema.registry.timeout_ms",
		KF__INT(registry_timeout_ms),
		.def = "10000",
		.min = 100,
		.max = 600000,
		.doc = "Timeout of one registry request (connect and "
		       "transfer).",
	},
	{
		.name = "schema.registry.subject_strategy",
		KF__ENUM(registry_record_subjects, kf__subject_words),
		.def = "topic",
		.doc = "Subjects of the schemas: topic (TOPIC-value, "
		       "TOPIC-key) or record (the record's full name: "
		       "NAME and NAME_key for kferry load, "
		       "PREFIX.SCHEMA.TABLE.Envelope and ...Key for kferry "
		       "capture) (docs/schemas.md 3.1, 10.4).",
	},
	{
		.name = "schema.registry.compatibility",
		KF__STRING(registry_compatibility),
		.def = "BACKWARD",
		.max = 32,
		.doc = "Compatibility level kferry sets on a subject it "
		       "creates: NONE, BACKWARD, FORWARD, FULL, or one of "
		       "the last three with _TRANSITIVE (docs/schemas.md "
		       "3.2; Apicurio's own default is NONE).",
	},
	{
		.name = "load.mask_salt",
		KF__STRING(load_mask_salt),
		.max = KF__STRING_MAX,
		.doc = "The secret of mask = hash columns: inline, "
		       "file:PATH or env:NAME. Required by a schema that "
		       "hashes.",
	},
	{
		.name = "load.mask_text",
		KF__STRING(load_mask_text),
		.def = "***",
		.max = 256,
		.doc = "What mask = redact writes.",
	},
	{
		.name = "load.max_inflight_bytes",
		KF__SIZE(load_max_inflight_bytes),
		.def = "64MiB",
		.min = 1 * KF__MiB,
		.max = 4 * KF__GiB,
		.doc = "Memory cap of a load: serialized records not yet "
		       "acknowledged by the brokers. Reading pauses while "
		       "the cap is reached.",
	},
	{
		.name = "load.txn_max_bytes",
		KF__SIZE(load_txn_max_bytes),
		.def = "1GiB",
		.min = 0,
		.max = 1024 * KF__GiB,
		.doc = "Bytes of a file per Kafka transaction: a larger file "
		       "is loaded in parts, each committed with a checkpoint "
		       "in the load ledger that a re-run resumes after "
		       "(docs/records.md 3.4); a part also ends once open "
		       "half of load.transaction_timeout. 0: every file is "
		       "one transaction, all or nothing.",
	},
	{
		.name = "load.linger_ms",
		KF__INT(load_linger_ms),
		.def = "20",
		.min = 0,
		.max = 10000,
		.unit = "ms",
		.doc = "linger.ms of a load's producer.",
	},
	{
		.name = "load.compression",
		KF__ENUM(load_compression, kf__load_compression_words),
		.def = "lz4",
		.doc = "compression.type of a load's producer: records, unlike "
		       "file chunks, are compressed by librdkafka per batch.",
	},
	{
		.name = "load.sniff_bytes",
		KF__SIZE(load_sniff_bytes),
		.def = "64KiB",
		.min = 4 * KF__KiB,
		.max = 16 * KF__MiB,
		.doc = "Without a schema, how much of each CSV file decides "
		       "its "
		       "dialect, header and column types (docs/records.md "
		       "2.2); kferry load --print-schema writes what it "
		       "found.",
	},
};

/* The keys of a [route.NAME] section; every route starts with these
 * defaults. */
const struct kf__key kf__conf_route_keys[] = {
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
	{
		.name = "route.NAME.kind",
		KF__RENUM(kind, kf__route_kind_words),
		.def = "files",
		.doc = "files: finished files are sent (chunked, checksummed, "
		       "reassembled by kferry receive). records: they are "
		       "loaded as records, like kferry load (schema required; "
		       "one Kafka transaction per file, docs/records.md 4.3); "
		       "a file that fails (rejects past max_rejects, control "
		       "totals) goes to error_dir after its retries.",
	},
	{
		.name = "route.NAME.schema",
		KF__RSTRING(schema),
		.max = KF__STRING_MAX,
		.doc = "For kind = records: the schema file of the route's "
		       "files (docs/records.md 2); required. Read when the "
		       "route starts and on every reload.",
	},
	{
		.name = "route.NAME.ledger_topic",
		KF__RSTRING(ledger_topic),
		.max = 249,
		.doc = "For kind = records: the load ledger topic. Empty: "
		       "load.ledger_topic.",
	},
	{
		.name = "route.NAME.dead_letter_topic",
		KF__RSTRING(dead_letter_topic),
		.max = 249,
		.doc = "For kind = records: the topic of rejected rows. "
		       "Empty: load.dead_letter_topic.",
	},
	{
		.name = "route.NAME.max_rejects",
		KF__RSTRING(max_rejects),
		.max = 32,
		.check = kf__check_route_rejects,
		.doc = "For kind = records: rows of a file that may be "
		       "rejected, N or P%, like load.max_rejects. Empty: "
		       "load.max_rejects.",
	},
};

const size_t kf__conf_nkeys = sizeof(kf__conf_keys) / sizeof(kf__conf_keys[0]);
const size_t kf__conf_nroute_keys =
	sizeof(kf__conf_route_keys) / sizeof(kf__conf_route_keys[0]);

/* Appends to the NUL-terminated text in buf, truncating at cap. */
static KF_PRINTF(3, 4) void kf__append(char *buf, size_t cap, const char *fmt,
				       ...)
{
	size_t len = strlen(buf);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf + len, cap - len, fmt, ap);
	va_end(ap);
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
		int leveled =
			k->type == KF__T_CODEC && w->value != KF_CODEC_NONE;

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
void kf__conf_fmt_range(char *buf, size_t cap, const struct kf__key *k)
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
