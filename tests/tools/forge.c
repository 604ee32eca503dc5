/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kf-forge: writes crafted kferry transfers into a topic, for the
 * integration tests of the receiver (tests/integration/t_hostile.sh).
 *
 *   kf-forge -b BOOTSTRAP -t TOPIC SCENARIO [options]
 *
 * Every scenario produces one complete transfer (MANIFEST, CHUNKs, COMMIT)
 * keyed by its path, as the real sender does, with exactly one thing wrong;
 * scenario "good" has nothing wrong. --count N makes N transfers at once
 * and writes their frames by kind (every MANIFEST, then every chunk 0,
 * ..., then every COMMIT), the order that fills a receiver's
 * receive.max_open_transfers; --xid and "tail" split one transfer over
 * two runs, so that other frames can be written in between. Frames are built with the protocol's
 * own encoders (src/proto/wire.h) and then damaged, because the encoders
 * refuse to write what a receiver must refuse to read.
 *
 * The file content is deterministic text (so that zstd shrinks it), made
 * chunk by chunk from --seed, so that a manifest may announce a huge file
 * of which only the first chunk is sent (abort, vanish); --out FILE writes
 * the content of every chunk made (sent or skipped), for comparison.
 * --encrypt-to and --sign-with seal the transfer as the real sender does
 * (docs/protocol.md section 10), the path then being any valid one; the
 * forged-* scenarios then add, in the middle, a frame that someone
 * without the keys could write.
 * Exits 0 when the broker acknowledged every message, 1 otherwise, 2 on a
 * bad command line.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>
#include <zstd.h>

#include "core/codec.h"
#include "proto/seal.h"
#include "proto/wire.h"

#define FORGE_MTIME 1700000000
#define FORGE_MODE 0644

/* One scenario: its name, what it damages, and its default path. */
struct forge_scenario {
	const char *name;
	const char *what;
	const char *path; /* NULL: "forge/<name>" */
};

static const struct forge_scenario forge_scenarios[] = {
	{"good", "a correct transfer", NULL},
	{"dotdot", "path with a '..' component", "../outside/dotdot"},
	{"absolute", "absolute path", "/tmp/kf-forge-absolute"},
	{"private", "path in the receiver's private area", ".kferry/x"},
	{"too-big", "correct; give a --size over receive.max_file_size", NULL},
	{"version9", "every frame says protocol version 9 (a future one)",
	 NULL},
	{"bad-magic", "the manifest's magic is not KFRY", NULL},
	{"truncated", "chunk 0 is cut off in the middle of its payload", NULL},
	{"chunk-hash", "chunk 0 carries a wrong raw hash", NULL},
	{"zstd-size", "chunk 0: zstd frame of raw_len - 1 bytes, announced",
	 NULL},
	{"zstd-short", "chunk 0: zstd frame of raw_len - 1 bytes, unannounced",
	 NULL},
	{"zstd-long", "chunk 0: zstd frame of raw_len + 1 bytes, unannounced",
	 NULL},
	{"size-lie", "the commit's file_size is the manifest's + 1", NULL},
	{"manifest-lie",
	 "manifest and commit agree on a file_size 1 byte over the data sent",
	 NULL},
	{"bit-flip", "chunk 0: one bit of its payload flipped in transit",
	 NULL},
	{"missing-chunk", "chunk 1 is never sent (chunk 0, then 2)", NULL},
	{"file-hash", "the commit's whole-file hash is wrong", NULL},
	{"abort", "chunk 0, then an ABORT instead of the rest", NULL},
	{"vanish", "chunk 0, then nothing: the sender died", NULL},
	{"resume", "correct: chunks 0-2, RESUME at 1, chunks 1.., COMMIT",
	 NULL},
	{"resume-gap", "chunk 0, then RESUME at 2: chunk 1 is missing", NULL},
	{"resume-differs", "chunk 0, then a RESUME whose mode differs", NULL},
	{"resume-orphan", "RESUME at 1 and the rest, with no MANIFEST", NULL},
	{"garbage", "one message whose value is not a kferry frame", NULL},
	{"random", "one message of --size random bytes (not a kferry frame)",
	 NULL},
	{"sealed-tamper",
	 "chunk 0's ciphertext has one bit flipped (needs "
	 "--encrypt-to)",
	 NULL},
	{"forged-abort", "correct, but a plain ABORT follows chunk 0", NULL},
	{"forged-resume", "correct, but a plain RESUME at 1 follows chunk 0",
	 NULL},
	{"forged-manifest",
	 "correct, but a plain MANIFEST of the same path "
	 "(another id) follows chunk 0",
	 NULL},
	{"forged-commit", "correct, but a plain COMMIT follows chunk 0", NULL},
	{"abort-resume",
	 "chunks 0-1, ABORT, then RESUME at 2, the rest and "
	 "the COMMIT (a sender that resumed what it aborted)",
	 NULL},
	{"manifest-only", "a MANIFEST and nothing else", NULL},
	{"tail",
	 "no MANIFEST: chunks from --first-chunk on and the COMMIT (the "
	 "rest of a transfer begun by a run with the same --xid, --seed "
	 "and --size)",
	 NULL},
	{"abort-long", "chunk 0, an ABORT whose reason_len is 1025, the rest",
	 NULL},
	{"abort-past-end",
	 "chunk 0, an ABORT whose reason_len runs past its "
	 "end, the rest",
	 NULL},
	{"abort-trailing",
	 "chunk 0, an ABORT with a byte after its reason, "
	 "the rest",
	 NULL},
	{"abort-cut24", "chunk 0, an ABORT cut to 24 bytes, the rest", NULL},
	{"abort-cut25", "chunk 0, an ABORT cut to 25 bytes, the rest", NULL},
	{"stale-manifest",
	 "correct, with a MANIFEST of the same path, another "
	 "id and a timestamp --stale-age s older after chunk 0",
	 NULL},
};

#define FORGE_NSCENARIOS (sizeof(forge_scenarios) / sizeof(forge_scenarios[0]))

struct forge {
	const struct forge_scenario *sc;
	const char *bootstrap, *topic, *out;
	uint8_t *path;
	size_t path_len;
	uint8_t *origin, *reason; /* --origin, --reason: unescaped, owned */
	size_t origin_len, reason_len;
	uint64_t size;
	uint32_t chunk_size;
	uint64_t seed;
	kf_hasher_t *hasher; /* whole-file hash, fed chunk by chunk */
	int resending;	     /* chunks sent again: not hashed twice */
	FILE *outfp;	     /* --out, or NULL */
	kf_xid_t xid;
	const char *encrypt_to, *sign_with; /* key files, or NULL */
	kf_seal_keys_t *keys;
	kf_seal_t *seal; /* NULL: a plain transfer */
	rd_kafka_t *rk;
	const char *headers[8]; /* --header NAME=VALUE, on every message */
	int nheaders;
	int delivery_failed;
	int64_t mtime;	       /* --mtime */
	const char *wait_file; /* --wait-file */
	int forging;	       /* writing a frame in clear, whatever the keys */
	uint64_t first_chunk;  /* tail: the first chunk sent */
	int zeros;	       /* content of zero bytes (zstd: ~1/30000) */
	int64_t timestamp_ms;  /* of the messages; 0: now */
	uint64_t stale_age;    /* stale-manifest: seconds */
};

static int forge_is(const struct forge *f, const char *name)
{
	return strcmp(f->sc->name, name) == 0;
}

static void usage(FILE *out)
{
	size_t i;

	fprintf(out,
		"usage: kf-forge -b BOOTSTRAP -t TOPIC SCENARIO [options]\n"
		"\n"
		"Produces one crafted kferry transfer keyed by its path.\n"
		"\n"
		"options:\n"
		"  --path P          path in the manifest and the key "
		"(default\n"
		"                    per scenario, else forge/SCENARIO); "
		"\\xNN\n"
		"                    escapes allowed\n"
		"  --size N          file size in bytes (default 200000)\n"
		"  --chunk-size N    chunk size in bytes (default 65536)\n"
		"  --seed N          content seed (default 1)\n"
		"  --out FILE        write the content of the chunks made\n"
		"  --header N=V      add header N with value V to every "
		"message\n"
		"                    (up to 8)\n"
		"  --encrypt-to PUB  encrypt for this x25519 public key file\n"
		"  --sign-with KEY   sign with this ed25519 private key file\n"
		"  --origin O        the manifest's origin host (default\n"
		"                    kf-forge); \\xNN escapes allowed\n"
		"  --reason R        the ABORT's reason (scenario abort);\n"
		"                    \\xNN escapes allowed\n"
		"  --mtime N         the file's mtime, seconds (default %d)\n"
		"  --wait-file F     forged-*: once what comes before the "
		"forged\n"
		"                    frame is acknowledged, wait (up to 120 "
		"s)\n"
		"                    for file F to exist before writing it\n"
		"  --count N         N transfers (good, manifest-only), paths\n"
		"                    PATH.0 .. PATH.N-1 and seeds SEED.., "
		"frames\n"
		"                    written by kind; --out FILE writes "
		"FILE.i\n"
		"  --same-path       with --count: every transfer has PATH (N\n"
		"                    versions of one file, in order)\n"
		"  --seal-first-only with --count: only the first is sealed\n"
		"  --xid HEX         the transfer id (32 hex digits)\n"
		"  --first-chunk K   tail: the first chunk sent (default 1)\n"
		"  --zeros           the content is zero bytes (tiny frames "
		"that\n"
		"                    decompress to whole chunks)\n"
		"  --stale-age N     stale-manifest: how much older the stale\n"
		"                    MANIFEST's timestamp is, seconds (default "
		"10)\n"
		"\n"
		"scenarios:\n",
		FORGE_MTIME);
	for (i = 0; i < FORGE_NSCENARIOS; i++)
		fprintf(out, "  %-14s %s\n", forge_scenarios[i].name,
			forge_scenarios[i].what);
}

/* ------------------------------------------------------------ content */

static uint64_t forge_rand(uint64_t *s)
{
	/* xorshift64*: deterministic, good enough for test data */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ULL;
}

/* Text lines of words picked at random: zstd shrinks it about 3:1. */
static void forge_fill(uint8_t *buf, uint64_t n, uint64_t seed)
{
	static const char *const words[] = {
		"kafka",      "ferry",	   "chunk",  "manifest", "commit",
		"offset",     "partition", "broker", "receiver", "sender",
		"hash",	      "zstd",	   "file",   "tree",	 "bytes",
		"quarantine", "river",	   "boat"};
	uint64_t s = seed * 0x9e3779b97f4a7c15ULL + 1, i = 0, line = 0;
	char tmp[64];

	while (i < n) {
		int len;

		if (forge_rand(&s) % 12 == 0)
			len = snprintf(tmp, sizeof(tmp), "\n%06" PRIu64 ": ",
				       line++);
		else
			len = snprintf(
				tmp, sizeof(tmp), "%s ",
				words[forge_rand(&s) %
				      (sizeof(words) / sizeof(words[0]))]);
		for (int k = 0; k < len && i < n; k++)
			buf[i++] = (uint8_t)tmp[k];
	}
}

/* Decodes \xNN escapes (two hex digits) so that tests can pass any byte
 * in --path. Caller frees *out. */
static int forge_unescape(const char *s, uint8_t **out, size_t *out_len)
{
	size_t n = strlen(s), i, j = 0;
	uint8_t *p = malloc(n + 1);

	if (!p)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] == '\\' && s[i + 1] == 'x' &&
		    isxdigit((unsigned char)s[i + 2]) &&
		    isxdigit((unsigned char)s[i + 3])) {
			char hex[3] = {s[i + 2], s[i + 3], '\0'};

			p[j++] = (uint8_t)strtoul(hex, NULL, 16);
			i += 3;
		} else {
			p[j++] = (uint8_t)s[i];
		}
	}
	*out = p;
	*out_len = j;
	return 0;
}

/* ------------------------------------------------------------ produce */

static void forge_dr(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	struct forge *f = opaque;

	(void)rk;
	if (m->err) {
		fprintf(stderr, "kf-forge: message not delivered: %s\n",
			rd_kafka_err2str(m->err));
		f->delivery_failed = 1;
	}
}

static int forge_producer(struct forge *f)
{
	rd_kafka_conf_t *rc = rd_kafka_conf_new();
	char err[512];
	/* clang-format off */
	const char *props[] = {
		"bootstrap.servers", f->bootstrap,
		"enable.idempotence", "true",
		"acks", "all",
		/* the real sender's partitioner: same key, same partition */
		"partitioner", "murmur2_random",
		"compression.type", "none",
		"message.max.bytes", "16000000",
		"linger.ms", "0",
		NULL,
	};
	/* clang-format on */

	for (size_t i = 0; props[i]; i += 2)
		if (rd_kafka_conf_set(rc, props[i], props[i + 1], err,
				      sizeof(err)) != RD_KAFKA_CONF_OK) {
			fprintf(stderr, "kf-forge: %s: %s\n", props[i], err);
			rd_kafka_conf_destroy(rc);
			return -1;
		}
	rd_kafka_conf_set_dr_msg_cb(rc, forge_dr);
	rd_kafka_conf_set_opaque(rc, f);
	f->rk = rd_kafka_new(RD_KAFKA_PRODUCER, rc, err, sizeof(err));
	if (!f->rk) {
		fprintf(stderr, "kf-forge: producer: %s\n", err);
		rd_kafka_conf_destroy(rc);
		return -1;
	}
	return 0;
}

/* Produces one frame keyed by the path (copied: buf may be reused). */
static int forge_send(struct forge *f, const void *buf, size_t len)
{
	rd_kafka_headers_t *h;
	/* as the sender: an encrypted transfer is keyed by its id */
	int by_xid = f->seal && (f->seal->flags & KF_WIRE_FLAG_SEALED);
	const void *key = by_xid ? (const void *)f->xid.b : f->path;
	size_t key_len = by_xid ? sizeof(f->xid.b) : f->path_len;
	rd_kafka_resp_err_t e;

	for (;;) {
		h = rd_kafka_headers_new(8);
		for (int i = 0; i < f->nheaders; i++) {
			const char *eq = strchr(f->headers[i], '=');

			rd_kafka_header_add(h, f->headers[i],
					    eq - f->headers[i], eq + 1, -1);
		}
		e = rd_kafka_producev(f->rk, RD_KAFKA_V_TOPIC(f->topic),
				      RD_KAFKA_V_KEY(key, key_len),
				      RD_KAFKA_V_VALUE((void *)buf, len),
				      RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
				      RD_KAFKA_V_TIMESTAMP(f->timestamp_ms),
				      RD_KAFKA_V_HEADERS(h), RD_KAFKA_V_END);
		if (e)
			rd_kafka_headers_destroy(h);
		if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL)
			break;
		rd_kafka_poll(f->rk, 100);
	}
	if (e) {
		fprintf(stderr, "kf-forge: produce: %s\n", rd_kafka_err2str(e));
		return -1;
	}
	rd_kafka_poll(f->rk, 0);
	return 0;
}

/* ------------------------------------------------------------- frames */

/* A path the encoder accepts, of the same length and with '/' where the
 * real path has a usable separator; the real bytes replace it after
 * encoding. */
static void forge_placeholder(const uint8_t *path, size_t len, uint8_t *out)
{
	for (size_t i = 0; i < len; i++) {
		int sep = path[i] == '/' && i > 0 && i + 1 < len &&
			  out[i - 1] != '/';

		out[i] = sep ? '/' : 'x';
	}
}

/* The MANIFEST, or a RESUME at next_index restating it. */
static int forge_open(struct forge *f, int resume, uint64_t next_index)
{
	uint8_t buf[KF_WIRE_RESUME_MAX];
	uint8_t *fake = malloc(f->path_len ? f->path_len : 1);
	kf_wire_resume_t r = {0};
	kf_wire_manifest_t *m = &r.m;
	long n;

	if (!fake)
		return -1;
	forge_placeholder(f->path, f->path_len, fake);
	m->hdr.xid = f->xid;
	m->file_size = f->size + (forge_is(f, "manifest-lie") ? 1 : 0);
	m->chunk_count = (f->size + f->chunk_size - 1) / f->chunk_size;
	m->chunk_size = f->chunk_size;
	m->mode = resume && forge_is(f, "resume-differs") ? 0600 : FORGE_MODE;
	m->mtime_sec = f->mtime;
	m->codec = KF_WIRE_CODEC_ZSTD;
	m->hash_alg = KF_WIRE_HASH_XXH3_128;
	m->path = fake;
	m->path_len = (uint16_t)f->path_len;
	m->origin = f->origin;
	m->origin_len = (uint8_t)f->origin_len;
	if (f->seal && !resume && !f->forging) {
		free(fake);
		m->path = f->path;
		if (kf_seal_manifest(f->seal, f->keys, m)) {
			fprintf(stderr, "kf-forge: cannot seal the manifest\n");
			return -1;
		}
		return forge_send(f, f->seal->frame, f->seal->frame_len);
	}
	r.next_index = next_index;
	n = resume ? kf_wire_encode_resume(buf, sizeof(buf), &r)
		   : kf_wire_encode_manifest(buf, sizeof(buf), m);
	free(fake);
	if (n < 0) {
		fprintf(stderr, "kf-forge: cannot encode the manifest (%ld)\n",
			n);
		return -1;
	}
	memcpy(buf + KF_WIRE_MANIFEST_FIXED, f->path, f->path_len);
	if (forge_is(f, "bad-magic"))
		memcpy(buf, "KFRX", 4);
	if (forge_is(f, "version9"))
		buf[4] = 9;
	return forge_send(f, buf, (size_t)n);
}

/* A zstd frame of `n` bytes of src, with or without its content size. */
static size_t forge_zstd(const uint8_t *src, size_t n, int announce,
			 uint8_t *dst, size_t cap)
{
	ZSTD_CCtx *z = ZSTD_createCCtx();
	size_t r;

	if (!z)
		return 0;
	ZSTD_CCtx_setParameter(z, ZSTD_c_contentSizeFlag, announce);
	r = ZSTD_compress2(z, dst, cap, src, n);
	ZSTD_freeCCtx(z);
	return ZSTD_isError(r) ? 0 : r;
}

/* Makes chunk idx of the file (its content depends on the seed and idx
 * only), feeds the whole-file hash and --out, and produces it unless
 * skip is set. */
static int forge_chunk(struct forge *f, kf_codec_pool_t *pool, uint64_t idx,
		       int skip)
{
	uint64_t off = idx * f->chunk_size;
	uint32_t raw_len =
		(uint32_t)(f->size - off < f->chunk_size ? f->size - off
							 : f->chunk_size);
	size_t cap = KF_WIRE_CHUNK_HDR + ZSTD_compressBound(raw_len + 1) +
		     KF_SEAL_CHUNK_OVERHEAD;
	long sealed;
	uint8_t *buf = malloc(cap), *payload;
	kf_wire_chunk_t c = {0};
	size_t plen = raw_len, zlen;
	int codec, rc;

	uint8_t *data = malloc(raw_len);

	if (!buf || !data) {
		free(buf);
		free(data);
		return -1;
	}
	payload = buf + KF_WIRE_CHUNK_HDR;
	if (f->zeros)
		memset(data, 0, raw_len);
	else
		forge_fill(data, raw_len, f->seed * 1000003 + idx);
	if (!f->resending) {
		kf_hasher_update(f->hasher, data, raw_len);
		if (f->seal)
			kf_seal_feed(f->seal, data, raw_len);
	}
	if (!f->resending && f->outfp &&
	    fwrite(data, 1, raw_len, f->outfp) != raw_len) {
		fprintf(stderr, "kf-forge: %s: %s\n", f->out, strerror(errno));
		skip = -1;
	}
	if (skip) {
		free(buf);
		free(data);
		return skip < 0 ? -1 : 0;
	}
	memcpy(payload, data, raw_len);
	kf_hash128(payload, raw_len, c.raw_hash);
	codec = kf_codec_compress(pool, payload, raw_len, &plen);
	if (codec < 0)
		goto out_fail;
	if (idx == 0 &&
	    (forge_is(f, "zstd-size") || forge_is(f, "zstd-short") ||
	     forge_is(f, "zstd-long"))) {
		/* the frame's content is one byte short (or long) */
		size_t n = forge_is(f, "zstd-long") ? raw_len + 1 : raw_len - 1;
		uint8_t *src = malloc(n);

		if (!src)
			goto out_fail;
		memcpy(src, data, raw_len < n ? raw_len : n);
		if (n > raw_len)
			src[raw_len] = 'X';
		zlen = forge_zstd(src, n, forge_is(f, "zstd-size"), payload,
				  cap - KF_WIRE_CHUNK_HDR);
		free(src);
		if (!zlen)
			goto out_fail;
		codec = KF_WIRE_CODEC_ZSTD;
		plen = zlen;
	}
	c.hdr.xid = f->xid;
	c.index = idx;
	c.offset = off;
	c.raw_len = raw_len;
	c.codec = (uint8_t)codec;
	if (idx == 0 && forge_is(f, "chunk-hash"))
		c.raw_hash[7] ^= 0x5a;
	if (kf_wire_encode_chunk_hdr(buf, KF_WIRE_CHUNK_HDR, &c) < 0) {
		fprintf(stderr, "kf-forge: cannot encode chunk %" PRIu64 "\n",
			idx);
		goto out_fail;
	}
	if (forge_is(f, "version9"))
		buf[4] = 9;
	if (idx == 0 && forge_is(f, "truncated"))
		plen /= 2;
	if (idx == 0 && forge_is(f, "bit-flip"))
		payload[plen / 2] ^= 0x10;
	sealed = (long)(KF_WIRE_CHUNK_HDR + plen);
	if (f->seal) {
		sealed = kf_seal_chunk(f->seal, buf, (size_t)sealed, cap);
		if (sealed < 0)
			goto out_fail;
		if (idx == 0 && forge_is(f, "sealed-tamper"))
			buf[KF_WIRE_CHUNK_HDR + plen / 2] ^= 0x01;
	}
	rc = forge_send(f, buf, (size_t)sealed);
	free(buf);
	free(data);
	return rc;

out_fail:
	free(buf);
	free(data);
	return -1;
}

static int forge_commit(struct forge *f)
{
	uint8_t buf[KF_WIRE_COMMIT_SIZE];
	kf_wire_commit_t c = {0};

	c.hdr.xid = f->xid;
	c.chunk_count = (f->size + f->chunk_size - 1) / f->chunk_size;
	c.file_size = f->size;
	if (forge_is(f, "size-lie") || forge_is(f, "manifest-lie"))
		c.file_size++;
	kf_hasher_final(f->hasher, c.file_hash);
	if (forge_is(f, "file-hash"))
		c.file_hash[0] ^= 0xff;
	if (f->seal && !f->forging)
		return kf_seal_commit(f->seal, &c)
			       ? -1
			       : forge_send(f, f->seal->commit,
					    f->seal->commit_len);
	if (kf_wire_encode_commit(buf, sizeof(buf), &c) < 0)
		return -1;
	if (forge_is(f, "version9"))
		buf[4] = 9;
	return forge_send(f, buf, sizeof(buf));
}

/* The sender's ABORT (signed when the transfer is), or a forger's plain
 * one. */
static int forge_abort(struct forge *f)
{
	uint8_t buf[KF_SEAL_ABORT_MAX];
	kf_wire_abort_t a = {0};
	long n;

	a.hdr.xid = f->xid;
	a.reason = f->reason;
	a.reason_len = (uint16_t)f->reason_len;
	if (f->seal && !f->forging)
		n = kf_seal_abort(f->seal, &a, buf, sizeof(buf));
	else
		n = kf_wire_encode_abort(buf, sizeof(buf), &a);
	if (n < 0)
		return -1;
	return forge_send(f, buf, (size_t)n);
}

/* The abort-* scenarios: a malformed ABORT (docs/protocol.md: reason_len
 * at most 1024, and the frame ends where the reason does). */
static int forge_bad_abort(struct forge *f)
{
	uint8_t buf[KF_WIRE_ABORT_FIXED + 1100] = {0};
	static const char reason[] = "kf-forge: a malformed abort";
	kf_wire_abort_t a = {0};
	size_t len;
	long n;

	a.hdr.xid = f->xid;
	a.reason = (const uint8_t *)reason;
	a.reason_len = (uint16_t)strlen(reason);
	n = kf_wire_encode_abort(buf, sizeof(buf), &a);
	if (n < 0)
		return -1;
	len = (size_t)n;
	if (forge_is(f, "abort-long")) {
		/* 1025 bytes of reason, all there */
		buf[KF_WIRE_HDR_SIZE] = 1025 >> 8;
		buf[KF_WIRE_HDR_SIZE + 1] = 1025 & 0xff;
		memset(buf + KF_WIRE_ABORT_FIXED, 'r', 1025);
		len = KF_WIRE_ABORT_FIXED + 1025;
	} else if (forge_is(f, "abort-past-end")) {
		buf[KF_WIRE_HDR_SIZE + 1] = (uint8_t)(a.reason_len + 10);
	} else if (forge_is(f, "abort-trailing")) {
		buf[len++] = '!';
	} else {
		len = forge_is(f, "abort-cut24") ? 24 : 25;
	}
	return forge_send(f, buf, len);
}

/* The resume scenarios: what is sent before the RESUME (chunks below
 * `before`), where it resumes, and whether a MANIFEST opens it at all. */
static int forge_resumed(struct forge *f, kf_codec_pool_t *pool,
			 uint64_t nchunks)
{
	uint64_t before = forge_is(f, "resume") ? 3 : 1, at = 1, i;
	int orphan = forge_is(f, "resume-orphan");

	if (forge_is(f, "resume-gap"))
		at = 2;
	if (!orphan && forge_open(f, 0, 0))
		return -1;
	/* every chunk is hashed once, in order, whatever is sent */
	for (i = 0; i < nchunks; i++) {
		int sent = orphan ? 0 : i < before;

		if (forge_chunk(f, pool, i, !sent))
			return -1;
	}
	if (forge_open(f, 1, at))
		return -1;
	f->resending = 1;
	for (i = at; i < nchunks; i++)
		if (forge_chunk(f, pool, i, 0))
			return -1;
	return forge_commit(f);
}

/* One message of f->size random bytes. */
static int forge_random(struct forge *f)
{
	uint8_t *buf = malloc(f->size ? f->size : 1);
	size_t got = 0;
	ssize_t n;
	int rc;

	if (!buf)
		return -1;
	while (got < f->size) {
		n = getrandom(buf + got, f->size - got, 0);
		if (n < 0) {
			perror("kf-forge: getrandom");
			free(buf);
			return -1;
		}
		got += (size_t)n;
	}
	rc = forge_send(f, buf, f->size);
	free(buf);
	return rc;
}

/* The forged-* scenarios: one frame written in clear by someone who can
 * write the topic but holds no key. */
static int forge_forgery(struct forge *f)
{
	kf_xid_t own = f->xid;
	int rc, i;

	/* the test says when the receiver has seen what came before */
	if (f->wait_file) {
		if (rd_kafka_flush(f->rk, 60000))
			return -1;
		for (i = 0; i < 1200 && access(f->wait_file, F_OK); i++)
			usleep(100000);
		if (access(f->wait_file, F_OK)) {
			fprintf(stderr, "kf-forge: %s never appeared\n",
				f->wait_file);
			return -1;
		}
	}
	f->forging = 1;
	if (forge_is(f, "forged-abort")) {
		rc = forge_abort(f);
	} else if (forge_is(f, "forged-resume")) {
		rc = forge_open(f, 1, 1);
	} else if (forge_is(f, "forged-commit")) {
		rc = forge_commit(f);
	} else {
		rc = getrandom(f->xid.b, sizeof(f->xid.b), 0) ==
				     sizeof(f->xid.b)
			     ? forge_open(f, 0, 0)
			     : -1;
		f->xid = own;
	}
	f->forging = 0;
	return rc;
}

/* abort-resume: what a sender that crashed between its ABORT and its
 * record of it would do after a restart (docs/protocol.md section 9). */
static int forge_abort_resume(struct forge *f, kf_codec_pool_t *pool,
			      uint64_t nchunks)
{
	uint64_t i;

	if (forge_open(f, 0, 0))
		return -1;
	for (i = 0; i < 2; i++)
		if (forge_chunk(f, pool, i, 0))
			return -1;
	if (forge_abort(f) || forge_open(f, 1, 2))
		return -1;
	for (i = 2; i < nchunks; i++)
		if (forge_chunk(f, pool, i, 0))
			return -1;
	return forge_commit(f);
}

/* stale-manifest: the MANIFEST of an earlier attempt at the same path
 * (another id), that a sender killed mid-file had handed to the broker and
 * that the broker appended only after the retry began: its timestamp is
 * the earlier attempt's. It is signed like f's when f is. */
static int forge_stale(const struct forge *f)
{
	struct forge s = *f;
	int rc;

	s.seal = NULL;
	s.timestamp_ms =
		(int64_t)time(NULL) * 1000 - (int64_t)f->stale_age * 1000;
	if (getrandom(s.xid.b, sizeof(s.xid.b), 0) != sizeof(s.xid.b) ||
	    (f->keys && kf_seal_new(f->keys, &s.xid, &s.seal)))
		return -1;
	rc = forge_open(&s, 0, 0);
	kf_seal_free(s.seal);
	return rc;
}

static int forge_transfer(struct forge *f)
{
	uint64_t nchunks = (f->size + f->chunk_size - 1) / f->chunk_size;
	kf_codec_pool_t *pool = kf_codec_pool_new(f->chunk_size, 3);
	int rc = -1;

	if (!pool)
		return -1;
	if (forge_is(f, "garbage")) {
		static const char junk[] = "this is not a kferry frame\n";

		rc = forge_send(f, junk, sizeof(junk) - 1);
		goto out;
	}
	if (forge_is(f, "random")) {
		rc = forge_random(f);
		goto out;
	}
	if (!strncmp(f->sc->name, "resume", 6)) {
		rc = forge_resumed(f, pool, nchunks);
		goto out;
	}
	if (forge_is(f, "abort-resume")) {
		rc = forge_abort_resume(f, pool, nchunks);
		goto out;
	}
	if (!forge_is(f, "tail") && forge_open(f, 0, 0))
		goto out;
	if (forge_is(f, "manifest-only")) {
		rc = 0;
		goto out;
	}
	for (uint64_t i = 0; i < nchunks; i++) {
		if (i == 1 && (forge_is(f, "abort") || forge_is(f, "vanish")))
			break;
		if (i == 1 && !strncmp(f->sc->name, "forged-", 7) &&
		    forge_forgery(f))
			goto out;
		if (i == 1 && !strncmp(f->sc->name, "abort-", 6) &&
		    forge_bad_abort(f))
			goto out;
		if (i == 1 && forge_is(f, "stale-manifest") && forge_stale(f))
			goto out;
		/* a tail hashes the chunks it leaves out, never sends them */
		if (forge_chunk(f, pool, i,
				(i == 1 && forge_is(f, "missing-chunk")) ||
					(forge_is(f, "tail") &&
					 i < f->first_chunk)))
			goto out;
	}
	if (forge_is(f, "vanish"))
		rc = 0;
	else
		rc = forge_is(f, "abort") ? forge_abort(f) : forge_commit(f);
out:
	kf_codec_pool_destroy(pool);
	return rc;
}

/* --count: the transfers fs[0..n), frames written by kind. */
static int forge_batch(struct forge *fs, size_t n)
{
	uint64_t nchunks =
		(fs[0].size + fs[0].chunk_size - 1) / fs[0].chunk_size;
	kf_codec_pool_t *pool = kf_codec_pool_new(fs[0].chunk_size, 3);
	int rc = -1;
	size_t t;

	if (!pool)
		return -1;
	for (t = 0; t < n; t++)
		if (forge_open(&fs[t], 0, 0))
			goto out;
	if (forge_is(&fs[0], "manifest-only")) {
		rc = 0;
		goto out;
	}
	for (uint64_t i = 0; i < nchunks; i++)
		for (t = 0; t < n; t++)
			if (forge_chunk(&fs[t], pool, i, 0))
				goto out;
	for (t = 0; t < n; t++)
		if (forge_commit(&fs[t]))
			goto out;
	rc = 0;
out:
	kf_codec_pool_destroy(pool);
	return rc;
}

/* Parses 32 hex digits. */
static int forge_parse_xid(const char *s, kf_xid_t *xid)
{
	if (strlen(s) != 2 * sizeof(xid->b))
		return -1;
	for (size_t i = 0; i < sizeof(xid->b); i++) {
		char hex[3] = {s[2 * i], s[2 * i + 1], '\0'};

		if (!isxdigit((unsigned char)hex[0]) ||
		    !isxdigit((unsigned char)hex[1]))
			return -1;
		xid->b[i] = (uint8_t)strtoul(hex, NULL, 16);
	}
	return 0;
}

/* Makes transfer t of a --count batch from the first one: its own path
 * (unless same_path), seed, id, hashers, --out file and seal. */
static int forge_derive(struct forge *f, const struct forge *first, size_t t,
			int same_path, int seal_first_only)
{
	char err[512] = "out of memory";

	*f = *first;
	f->outfp = NULL;
	f->seal = NULL;
	f->seed = first->seed + t;
	f->path = malloc(first->path_len + 24);
	f->hasher = kf_hasher_new();
	if (!f->path || !f->hasher)
		return -1;
	memcpy(f->path, first->path, first->path_len);
	f->path_len = first->path_len;
	if (!same_path)
		f->path_len += (size_t)sprintf((char *)f->path + f->path_len,
					       ".%zu", t);
	if (getrandom(f->xid.b, sizeof(f->xid.b), 0) != sizeof(f->xid.b))
		return -1;
	if (first->out) {
		char name[4096];

		snprintf(name, sizeof(name), "%s.%zu", first->out, t);
		if (!(f->outfp = fopen(name, "wb"))) {
			fprintf(stderr, "kf-forge: %s: %s\n", name,
				strerror(errno));
			return -1;
		}
	}
	if (f->keys && !(seal_first_only && t > 0) &&
	    kf_seal_new(f->keys, &f->xid, &f->seal)) {
		fprintf(stderr, "kf-forge: %s\n", err);
		return -1;
	}
	return 0;
}

static int forge_release(struct forge *f)
{
	int rc = 0;

	if (f->outfp && fclose(f->outfp) != 0) {
		fprintf(stderr, "kf-forge: %s: %s\n", f->out, strerror(errno));
		rc = 1;
	}
	kf_hasher_destroy(f->hasher);
	kf_seal_free(f->seal);
	free(f->path);
	return rc;
}

/* --------------------------------------------------------------- main */

static int forge_parse_u64(const char *s, uint64_t *out)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, 10);
	return errno || end == s || *end ? -1 : 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"bootstrap", required_argument, NULL, 'b'},
		{"topic", required_argument, NULL, 't'},
		{"path", required_argument, NULL, 'p'},
		{"size", required_argument, NULL, 's'},
		{"chunk-size", required_argument, NULL, 'c'},
		{"seed", required_argument, NULL, 'S'},
		{"out", required_argument, NULL, 'o'},
		{"header", required_argument, NULL, 'H'},
		{"encrypt-to", required_argument, NULL, 'E'},
		{"sign-with", required_argument, NULL, 'W'},
		{"origin", required_argument, NULL, 'O'},
		{"reason", required_argument, NULL, 'R'},
		{"mtime", required_argument, NULL, 'M'},
		{"wait-file", required_argument, NULL, 'F'},
		{"count", required_argument, NULL, 'n'},
		{"same-path", no_argument, NULL, 'P'},
		{"seal-first-only", no_argument, NULL, 'Q'},
		{"xid", required_argument, NULL, 'x'},
		{"first-chunk", required_argument, NULL, 'k'},
		{"zeros", no_argument, NULL, 'z'},
		{"stale-age", required_argument, NULL, 'A'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct forge f = {.size = 200000,
			  .chunk_size = 65536,
			  .seed = 1,
			  .mtime = FORGE_MTIME,
			  .first_chunk = 1,
			  .stale_age = 10};
	struct forge *batch = NULL;
	const char *path_arg = NULL, *origin_arg = "kf-forge";
	const char *reason_arg = "kf-forge: the sender gave up";
	uint64_t v, count = 1;
	int opt, rc = 1, same_path = 0, seal_first_only = 0, have_xid = 0;
	char xid[33];
	size_t t;

	while ((opt = getopt_long(argc, argv, "b:t:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'b':
			f.bootstrap = optarg;
			break;
		case 't':
			f.topic = optarg;
			break;
		case 'p':
			path_arg = optarg;
			break;
		case 's':
			if (forge_parse_u64(optarg, &f.size))
				goto bad_usage;
			break;
		case 'c':
			if (forge_parse_u64(optarg, &v) ||
			    v < KF_WIRE_CHUNK_MIN || v > KF_WIRE_CHUNK_MAX)
				goto bad_usage;
			f.chunk_size = (uint32_t)v;
			break;
		case 'S':
			if (forge_parse_u64(optarg, &f.seed))
				goto bad_usage;
			break;
		case 'o':
			f.out = optarg;
			break;
		case 'H':
			if (!strchr(optarg, '=') ||
			    strchr(optarg, '=') == optarg || f.nheaders == 8)
				goto bad_usage;
			f.headers[f.nheaders++] = optarg;
			break;
		case 'E':
			f.encrypt_to = optarg;
			break;
		case 'W':
			f.sign_with = optarg;
			break;
		case 'O':
			origin_arg = optarg;
			break;
		case 'R':
			reason_arg = optarg;
			break;
		case 'F':
			f.wait_file = optarg;
			break;
		case 'M':
			if (forge_parse_u64(optarg, &v) || v > INT64_MAX)
				goto bad_usage;
			f.mtime = (int64_t)v;
			break;
		case 'n':
			if (forge_parse_u64(optarg, &count) || !count ||
			    count > 100000)
				goto bad_usage;
			break;
		case 'P':
			same_path = 1;
			break;
		case 'Q':
			seal_first_only = 1;
			break;
		case 'x':
			if (forge_parse_xid(optarg, &f.xid))
				goto bad_usage;
			have_xid = 1;
			break;
		case 'k':
			if (forge_parse_u64(optarg, &f.first_chunk))
				goto bad_usage;
			break;
		case 'z':
			f.zeros = 1;
			break;
		case 'A':
			if (forge_parse_u64(optarg, &f.stale_age) ||
			    f.stale_age > 86400)
				goto bad_usage;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			goto bad_usage;
		}
	}
	if (!f.bootstrap || !f.topic || optind + 1 != argc)
		goto bad_usage;
	for (size_t i = 0; i < FORGE_NSCENARIOS; i++)
		if (!strcmp(argv[optind], forge_scenarios[i].name))
			f.sc = &forge_scenarios[i];
	if (!f.sc) {
		fprintf(stderr, "kf-forge: unknown scenario '%s'\n",
			argv[optind]);
		goto bad_usage;
	}
	if (count > 1 &&
	    ((!forge_is(&f, "good") && !forge_is(&f, "manifest-only")) ||
	     have_xid)) {
		fprintf(stderr, "kf-forge: --count is for good and "
				"manifest-only, without --xid\n");
		return 2;
	}
	/* Every scenario damages chunk 0 or needs three chunks. */
	if (f.size < 2 * (uint64_t)f.chunk_size + 1 && !forge_is(&f, "good") &&
	    !forge_is(&f, "too-big") && !forge_is(&f, "garbage") &&
	    !forge_is(&f, "random") && !forge_is(&f, "manifest-only") &&
	    !(forge_is(&f, "tail") &&
	      f.size > f.first_chunk * (uint64_t)f.chunk_size)) {
		fprintf(stderr,
			"kf-forge: scenario %s needs --size above 2 * "
			"--chunk-size\n",
			f.sc->name);
		return 2;
	}
	if (path_arg) {
		if (forge_unescape(path_arg, &f.path, &f.path_len))
			return 1;
	} else {
		char def[64];

		snprintf(def, sizeof(def), "forge/%s", f.sc->name);
		if (forge_unescape(f.sc->path ? f.sc->path : def, &f.path,
				   &f.path_len))
			return 1;
	}
	if (forge_unescape(origin_arg, &f.origin, &f.origin_len) ||
	    forge_unescape(reason_arg, &f.reason, &f.reason_len))
		goto out_free;
	if (f.origin_len > KF_WIRE_ORIGIN_MAX || f.reason_len > 1024) {
		fprintf(stderr,
			"kf-forge: --origin is at most %d bytes, "
			"--reason 1024\n",
			KF_WIRE_ORIGIN_MAX);
		rc = 2;
		goto out_free;
	}
	if (f.path_len == 0 || f.path_len > KF_WIRE_PATH_MAX) {
		fprintf(stderr, "kf-forge: --path must be 1..%d bytes\n",
			KF_WIRE_PATH_MAX);
		return 2;
	}
	f.hasher = kf_hasher_new();
	if (!f.hasher)
		goto out_free;
	if (f.out && count == 1 && !(f.outfp = fopen(f.out, "wb"))) {
		fprintf(stderr, "kf-forge: %s: %s\n", f.out, strerror(errno));
		goto out_free;
	}
	if (!have_xid &&
	    getrandom(f.xid.b, sizeof(f.xid.b), 0) != sizeof(f.xid.b))
		goto out_free;
	if (forge_is(&f, "sealed-tamper") && !f.encrypt_to) {
		fprintf(stderr, "kf-forge: sealed-tamper needs --encrypt-to\n");
		goto out_free;
	}
	if (f.encrypt_to || f.sign_with) {
		char err[512] = "out of memory";

		if (kf_seal_keys_load(f.encrypt_to, f.sign_with, NULL, NULL,
				      &f.keys, err, sizeof(err)) ||
		    (count == 1 && kf_seal_new(f.keys, &f.xid, &f.seal))) {
			fprintf(stderr, "kf-forge: %s\n", err);
			goto out_free;
		}
	}
	if (forge_producer(&f))
		goto out_free;
	if (count > 1) {
		batch = calloc(count, sizeof(*batch));
		for (t = 0; batch && t < count; t++)
			if (forge_derive(&batch[t], &f, t, same_path,
					 seal_first_only))
				break;
		/* the delivery reports go to f (the producer's opaque) */
		if (batch && t == count && forge_batch(batch, count) == 0 &&
		    rd_kafka_flush(f.rk, 60000) == RD_KAFKA_RESP_ERR_NO_ERROR &&
		    !f.delivery_failed)
			rc = 0;
		for (t = 0; batch && t < count; t++) {
			kf_xid_format(&batch[t].xid, xid);
			printf("%s %s %" PRIu64 "\n", f.sc->name, xid, f.size);
			if (forge_release(&batch[t]))
				rc = 1;
		}
		free(batch);
	} else if (forge_transfer(&f) == 0 &&
		   rd_kafka_flush(f.rk, 60000) == RD_KAFKA_RESP_ERR_NO_ERROR &&
		   !f.delivery_failed) {
		rc = 0;
	}
	if (rc && !f.delivery_failed)
		fprintf(stderr, "kf-forge: the transfers were not fully "
				"delivered\n");
	if (count == 1) {
		kf_xid_format(&f.xid, xid);
		printf("%s %s %" PRIu64 "\n", f.sc->name, xid, f.size);
	}
	rd_kafka_destroy(f.rk);
out_free:
	if (f.outfp && fclose(f.outfp) != 0) {
		fprintf(stderr, "kf-forge: %s: %s\n", f.out, strerror(errno));
		rc = 1;
	}
	kf_hasher_destroy(f.hasher);
	kf_seal_free(f.seal);
	kf_seal_keys_free(f.keys);
	free(f.path);
	free(f.origin);
	free(f.reason);
	return rc;

bad_usage:
	usage(stderr);
	return 2;
}
