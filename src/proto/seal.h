/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Sealed transfers: end-to-end encryption and sender signatures on top of
 * the v1 frames (docs/protocol.md section 10).
 *
 * A sealed frame opens into the plain v1 frame it protects (flags cleared),
 * so the receiver decodes and checks it with the ordinary decoders of
 * proto/wire. Flags of the common header say what a frame carries:
 *
 *   KF_WIRE_FLAG_SEALED  body encrypted (MANIFEST, CHUNK, COMMIT)
 *   KF_WIRE_FLAG_SIGNED  Ed25519 signature (MANIFEST, COMMIT)
 *
 * Parsers treat input as hostile: lengths are checked before any read and
 * nothing unauthenticated is handed out.
 *
 * @locality worker threads (everything here is crypto), except
 * kf_seal_peek_chunk, which is cheap and meant for the loop thread.
 */
#ifndef KF_PROTO_SEAL_H
#define KF_PROTO_SEAL_H

#include <stddef.h>
#include <stdint.h>

#include "core/crypto.h"
#include "proto/wire.h"

#define KF_SEAL_RECIPIENTS_MAX 8
/* What a sealed CHUNK adds to the plain one: the GCM tag. */
#define KF_SEAL_CHUNK_OVERHEAD KF_CRYPTO_TAG_LEN
#define KF_SEAL_COMMIT_MAX                                                     \
	(KF_WIRE_COMMIT_SIZE + KF_CRYPTO_SHA256_LEN + KF_CRYPTO_TAG_LEN +      \
	 KF_CRYPTO_SIG_LEN)
/* The largest ABORT, signed (docs/protocol.md section 10.7.1), and the
 * largest plain one it opens into. */
#define KF_SEAL_ABORT_PLAIN_MAX (KF_WIRE_ABORT_FIXED + KF_WIRE_REASON_MAX)
#define KF_SEAL_ABORT_MAX (KF_SEAL_ABORT_PLAIN_MAX + KF_CRYPTO_SIG_LEN)

/* The keys of one process, from the configuration. */
typedef struct kf_seal_keys_s {
	kf_key_t **recipients; /* x25519 public: encrypt for them */
	size_t nrecipients;
	kf_key_t *signer;   /* ed25519 private: sign with it, or NULL */
	kf_key_t **decrypt; /* x25519 private: open with them */
	size_t ndecrypt;
	kf_key_t **trusted; /* ed25519 public: accept only these signers */
	size_t ntrusted;
} kf_seal_keys_t;

/* Loads keys from comma-separated lists of PEM files (any may be NULL or
 * empty): recipients (send.encrypt_recipients), signer (send.sign_key),
 * decrypt (receive.decrypt_keys), trusted (receive.trusted_signers).
 * *out is NULL when no key is given. Caller owns *out. */
int kf_seal_keys_load(const char *recipients, const char *signer,
		      const char *decrypt, const char *trusted,
		      kf_seal_keys_t **out, char *errstr, size_t errstr_size);
void kf_seal_keys_free(kf_seal_keys_t *k);

/* One transfer's protection state. */
typedef struct kf_seal_s {
	uint16_t flags; /* KF_WIRE_FLAG_* of the transfer */
	kf_xid_t xid;
	uint8_t dk[KF_CRYPTO_KEY_LEN];	       /* the file's data key */
	uint8_t signer[KF_CRYPTO_KEY_LEN];     /* signer's public key */
	uint8_t mdigest[KF_CRYPTO_SHA256_LEN]; /* of the signed manifest */
	kf_sha256_t *content;		       /* plaintext digest if signed */
	const kf_key_t *sign_key;	       /* sender: borrowed from keys */
	/* sender: the transfer is one FILE frame (section 10.10), which is
	 * never aborted: kf_seal_manifest signs no ABORT */
	int whole;
	/* sender: the MANIFEST frame to produce; receiver: the plain v1
	 * MANIFEST it opened into. Owned. */
	uint8_t *frame;
	size_t frame_len;
	uint8_t commit[KF_SEAL_COMMIT_MAX]; /* sender: the COMMIT frame */
	size_t commit_len;
	/* sender, signed: the ABORT's signature, made with the MANIFEST's so
	 * that giving up needs no cryptography (section 10.7.1) */
	uint8_t abort_sig[KF_CRYPTO_SIG_LEN];
	/* receiver, signed: the content digest the COMMIT carried, set once
	 * kf_seal_open_commit verified it against the bytes received */
	uint8_t cdigest[KF_CRYPTO_SHA256_LEN];
} kf_seal_t;

/* ---- sender (worker threads) */

/* A transfer sealed with every key of k (k non-NULL). Caller owns *out. */
int kf_seal_new(const kf_seal_keys_t *k, const kf_xid_t *xid, kf_seal_t **out);
/* Builds s->frame: the MANIFEST of m (whose xid must be s->xid). */
int kf_seal_manifest(kf_seal_t *s, const kf_seal_keys_t *k,
		     const kf_wire_manifest_t *m);
/* Feeds file bytes, in order, to the signed content digest (no-op unless
 * signed). Its shape fits kf_assembly_t's tap. */
void kf_seal_feed(void *s, const void *buf, size_t len);
/* frame holds a plain encoded CHUNK of len bytes, in a buffer of cap bytes
 * (cap >= len + KF_SEAL_CHUNK_OVERHEAD). Encrypts it in place when sealed;
 * returns the frame's new length or a negative KF_E* code. */
long kf_seal_chunk(const kf_seal_t *s, uint8_t *frame, size_t len, size_t cap);
/* Builds s->commit from c once every byte was fed. */
int kf_seal_commit(kf_seal_t *s, const kf_wire_commit_t *c);
/* @locality any thread (no cryptography: the signature was made by
 * kf_seal_manifest). Writes the ABORT of a (xid and reason used) into buf:
 * signed when the transfer is, plain otherwise. Returns its length or a
 * negative KF_E* code. cap >= KF_SEAL_ABORT_MAX always suffices. */
long kf_seal_abort(const kf_seal_t *s, const kf_wire_abort_t *a, uint8_t *buf,
		   size_t cap);

/* ---- receiver */

/* Opens a MANIFEST frame: verifies the signature if there is one and
 * decrypts with whichever of k's keys it was wrapped for. On success
 * *out->frame is the plain v1 MANIFEST (decode it with
 * kf_wire_decode_manifest). KF_ECRYPTO or KF_EPROTO with a reason
 * otherwise. k may be NULL (no keys). Caller owns *out. */
int kf_seal_open_manifest(const kf_seal_keys_t *k, const void *frame,
			  size_t len, kf_seal_t **out, char *errstr,
			  size_t errstr_size);
/* With trusted signers configured, refuses an unsigned transfer or one
 * signed by another key (KF_ECRYPTO). */
int kf_seal_check_trust(const kf_seal_keys_t *k, const kf_seal_t *s,
			char *errstr, size_t errstr_size);
/* @locality loop thread. The index of a CHUNK of a transfer with the given
 * flags, checking only what is visible (length, flags). */
int kf_seal_peek_chunk(uint16_t xfer_flags, const void *frame, size_t len,
		       uint64_t *index, char *errstr, size_t errstr_size);
/* Opens a CHUNK into a plain v1 frame: *plain points at it (frame itself
 * when the transfer is not encrypted) and *owned is what to free (NULL or
 * a malloc'ed copy). */
int kf_seal_open_chunk(const kf_seal_t *s, const void *frame, size_t len,
		       const uint8_t **plain, uint8_t **owned,
		       size_t *plain_len, char *errstr, size_t errstr_size);
/* Opens a COMMIT into the plain v1 COMMIT frame plain[], verifying its
 * signature over the content digest fed so far (kept in s->cdigest). */
int kf_seal_open_commit(kf_seal_t *s, const void *frame, size_t len,
			uint8_t plain[KF_WIRE_COMMIT_SIZE], char *errstr,
			size_t errstr_size);

/* Opens a signed ABORT of a signed transfer: verifies its signature
 * against the transfer's signer and manifest digest (KF_ECRYPTO), and
 * writes the plain v1 ABORT it carries into plain[] (*plain_len bytes;
 * decode it with kf_wire_decode_abort). A plain ABORT, or any ABORT of a
 * transfer that is not signed, is refused (KF_EPROTO). */
int kf_seal_open_abort(const kf_seal_t *s, const void *frame, size_t len,
		       uint8_t plain[KF_SEAL_ABORT_PLAIN_MAX],
		       size_t *plain_len, char *errstr, size_t errstr_size);

/* ---- a sealed or signed small file in one FILE frame (section 10.10) */

/* The FILE's bytes before its CHUNK: header, manifest_len, the MANIFEST
 * (s->frame), chunk_len. */
#define KF_SEAL_FILE_FIXED (KF_WIRE_HDR_SIZE + 8)
#define KF_SEAL_FILE_MANIFEST_MAX 65536u

/* @locality any thread. Where the CHUNK goes in a FILE of transfer s
 * (after kf_seal_manifest): the caller builds it there, at buf +
 * kf_seal_file_head(s), then calls kf_seal_file_close. */
size_t kf_seal_file_head(const kf_seal_t *s);
/* @locality any thread. Completes the FILE in buf (capacity cap) around
 * the chunk_len-byte CHUNK already at its place (0: an empty file): the
 * head before it, s->commit (after kf_seal_commit) after it. Returns the
 * FILE's length or KF_EINVAL (cap too small). */
long kf_seal_file_close(const kf_seal_t *s, uint8_t *buf, size_t cap,
			size_t chunk_len);

/* The inner frames of a sealed or signed FILE; they point into it. */
typedef struct kf_seal_file_parts_s {
	uint16_t flags;
	kf_xid_t xid;
	const uint8_t *manifest;
	size_t manifest_len;
	const uint8_t *chunk; /* NULL for an empty file */
	size_t chunk_len;
	const uint8_t *commit;
	size_t commit_len;
} kf_seal_file_parts_t;

/* @locality any thread (no cryptography: cheap, for the loop thread).
 * Splits a FILE with flags into its inner frames, checking what is in
 * clear (section 10.10): lengths, and each inner frame's version, type,
 * flags and transfer id against the FILE's, the CHUNK's index 0. What is
 * sealed or signed is checked by opening the parts. KF_EPROTO with a
 * reason otherwise. */
int kf_seal_file_split(const void *frame, size_t len, kf_seal_file_parts_t *p,
		       char *errstr, size_t errstr_size);

void kf_seal_free(kf_seal_t *s);

#endif /* KF_PROTO_SEAL_H */
