/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Sealed frames (docs/protocol.md section 10).
 *
 * Layouts, after the 24-byte common header:
 *
 *   MANIFEST  [signer_pub 32, if SIGNED]
 *             SEALED: n 1, reserved 3, eph_pub 32, n x (key_id 16,
 *                     wrapped_key 48), ciphertext of the v1 body, tag 16
 *             else:   the v1 body
 *             [signature 64 over every byte before it, if SIGNED]
 *   CHUNK     index 8 in clear, then the rest of the v1 frame encrypted,
 *             then tag 16
 *   COMMIT    v1 body [+ content SHA-256 32, if SIGNED], encrypted with a
 *             tag if SEALED, [signature 64 over every byte before it and
 *             the manifest's digest, if SIGNED]
 *   ABORT     SIGNED only: the v1 body (reason), then a signature 64 over
 *             the header and the manifest's digest (not the reason)
 *
 * Every encryption uses the file's own random data key, so nonces are a
 * domain (chunk, manifest, commit) and a counter (the chunk index); the
 * bytes sent in clear before each ciphertext are its associated data, which
 * binds a chunk to its transfer id, index, type and flags.
 */
#include "proto/seal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"

enum {
	KF__NONCE_CHUNK = 0,
	KF__NONCE_MANIFEST = 1,
	KF__NONCE_COMMIT = 2
};

#define KF__FLAGS_OFF 6
#define KF__CHUNK_CLEAR 32    /* header + index */
#define KF__ENVELOPE_FIXED 36 /* n, reserved, eph_pub */
#define KF__RECIPIENT_LEN (KF_CRYPTO_KEYID_LEN + KF_CRYPTO_WRAPPED_LEN)
#define KF__MANIFEST_BODY_MIN (KF_WIRE_MANIFEST_FIXED - KF_WIRE_HDR_SIZE)
#define KF__MANIFEST_BODY_MAX (KF_WIRE_MANIFEST_MAX - KF_WIRE_HDR_SIZE)
#define KF__COMMIT_BODY (KF_WIRE_COMMIT_SIZE - KF_WIRE_HDR_SIZE)

static uint64_t kf__get_be(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | *p++;
	return v;
}

static void kf__put_be(uint8_t *p, unsigned n, uint64_t v)
{
	while (n--) {
		p[n] = (uint8_t)v;
		v >>= 8;
	}
}

static void kf__nonce(uint8_t nonce[KF_CRYPTO_NONCE_LEN], uint32_t domain,
		      uint64_t counter)
{
	kf__put_be(nonce, 4, domain);
	kf__put_be(nonce + 4, 8, counter);
}

/* --------------------------------------------------------------- keys */

/* Loads each comma-separated file of list into a new array. */
static int kf__load_list(const char *list, int type, int want_private,
			 size_t max, const char *what, kf_key_t ***out,
			 size_t *n, char *errstr, size_t errstr_size)
{
	const char *p = list;
	char path[4096];
	kf_key_t **v;
	int r;

	*out = NULL;
	*n = 0;
	if (!list || !*list)
		return 0;
	v = calloc(max, sizeof(*v));
	if (!v)
		return KF_ENOMEM;
	*out = v;
	while (*p) {
		size_t len = strcspn(p, ",");
		const char *b = p, *e = p + len;

		while (b < e && (*b == ' ' || *b == '\t'))
			b++;
		while (e > b && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		p += len + (p[len] == ',');
		if (b == e)
			continue;
		if (*n == max)
			return kf_seterr(errstr, errstr_size, KF_ELIMIT,
					 "%s: more than %zu keys", what, max);
		if ((size_t)(e - b) >= sizeof(path))
			return kf_seterr(errstr, errstr_size, KF_EINVAL,
					 "%s: a file name is too long", what);
		snprintf(path, sizeof(path), "%.*s", (int)(e - b), b);
		r = kf_key_load(path, type, want_private, &v[*n], errstr,
				errstr_size);
		if (r)
			return r;
		(*n)++;
	}
	return 0;
}

void kf_seal_keys_free(kf_seal_keys_t *k)
{
	size_t i;

	if (!k)
		return;
	for (i = 0; i < k->nrecipients; i++)
		kf_key_free(k->recipients[i]);
	for (i = 0; i < k->ndecrypt; i++)
		kf_key_free(k->decrypt[i]);
	for (i = 0; i < k->ntrusted; i++)
		kf_key_free(k->trusted[i]);
	free(k->recipients);
	free(k->decrypt);
	free(k->trusted);
	kf_key_free(k->signer);
	free(k);
}

int kf_seal_keys_load(const char *recipients, const char *signer,
		      const char *decrypt, const char *trusted,
		      kf_seal_keys_t **out, char *errstr, size_t errstr_size)
{
	kf_seal_keys_t *k;
	int r;

	*out = NULL;
	if (!(recipients && *recipients) && !(signer && *signer) &&
	    !(decrypt && *decrypt) && !(trusted && *trusted))
		return 0;
	k = calloc(1, sizeof(*k));
	if (!k)
		return KF_ENOMEM;
	r = kf__load_list(recipients, KF_KEY_X25519, 0, KF_SEAL_RECIPIENTS_MAX,
			  "send.encrypt_recipients", &k->recipients,
			  &k->nrecipients, errstr, errstr_size);
	if (!r && signer && *signer)
		r = kf_key_load(signer, KF_KEY_ED25519, 1, &k->signer, errstr,
				errstr_size);
	if (!r)
		r = kf__load_list(decrypt, KF_KEY_X25519, 1, 64,
				  "receive.decrypt_keys", &k->decrypt,
				  &k->ndecrypt, errstr, errstr_size);
	if (!r)
		r = kf__load_list(trusted, KF_KEY_ED25519, 0, 256,
				  "receive.trusted_signers", &k->trusted,
				  &k->ntrusted, errstr, errstr_size);
	if (r) {
		kf_seal_keys_free(k);
		return r;
	}
	*out = k;
	return 0;
}

/* ------------------------------------------------------------- sender */

int kf_seal_new(const kf_seal_keys_t *k, const kf_xid_t *xid, kf_seal_t **out)
{
	kf_seal_t *s = calloc(1, sizeof(*s));

	if (!s)
		return KF_ENOMEM;
	s->xid = *xid;
	if (k->nrecipients)
		s->flags |= KF_WIRE_FLAG_SEALED;
	if (k->signer) {
		s->flags |= KF_WIRE_FLAG_SIGNED;
		s->sign_key = k->signer;
		memcpy(s->signer, k->signer->pub, sizeof(s->signer));
		s->content = kf_sha256_new();
	}
	if ((k->signer && !s->content) ||
	    kf_crypto_random(s->dk, sizeof(s->dk))) {
		kf_seal_free(s);
		return KF_ENOMEM;
	}
	*out = s;
	return 0;
}

/* Writes the envelope at p: a fresh ephemeral key and the data key wrapped
 * for each recipient. Returns its length or a negative KF_E* code. */
static long kf__envelope(const kf_seal_t *s, const kf_seal_keys_t *k,
			 uint8_t *p)
{
	kf_key_t *eph;
	size_t i;
	int r;

	r = kf_key_new(KF_KEY_X25519, &eph);
	if (r)
		return r;
	p[0] = (uint8_t)k->nrecipients;
	memset(p + 1, 0, 3);
	memcpy(p + 4, eph->pub, KF_CRYPTO_KEY_LEN);
	p += KF__ENVELOPE_FIXED;
	for (i = 0; i < k->nrecipients && !r; i++, p += KF__RECIPIENT_LEN) {
		memcpy(p, k->recipients[i]->id, KF_CRYPTO_KEYID_LEN);
		r = kf_key_wrap(eph, k->recipients[i], s->xid.b, s->dk,
				p + KF_CRYPTO_KEYID_LEN);
	}
	kf_key_free(eph);
	return r ? r
		 : (long)(KF__ENVELOPE_FIXED +
			  k->nrecipients * KF__RECIPIENT_LEN);
}

/* What an ABORT signature covers: the ABORT's header (type, SIGNED, the
 * transfer id), then the manifest's digest. The reason is left out so
 * that the signature can be made before the sender knows it. */
static void
kf__abort_signed(const kf_seal_t *s,
		 uint8_t out[KF_WIRE_HDR_SIZE + KF_CRYPTO_SHA256_LEN])
{
	uint8_t plain[KF_WIRE_ABORT_FIXED];
	kf_wire_abort_t a = {0};

	a.hdr.xid = s->xid;
	kf_wire_encode_abort(plain, sizeof(plain), &a);
	memcpy(out, plain, KF_WIRE_HDR_SIZE);
	kf__put_be(out + KF__FLAGS_OFF, 2, KF_WIRE_FLAG_SIGNED);
	memcpy(out + KF_WIRE_HDR_SIZE, s->mdigest, sizeof(s->mdigest));
}

/* Signs the ABORT now, while the manifest is signed on a worker. */
static int kf__sign_abort(kf_seal_t *s)
{
	uint8_t msg[KF_WIRE_HDR_SIZE + KF_CRYPTO_SHA256_LEN];

	kf__abort_signed(s, msg);
	return kf_sign(s->sign_key, msg, sizeof(msg), s->abort_sig);
}

int kf_seal_manifest(kf_seal_t *s, const kf_seal_keys_t *k,
		     const kf_wire_manifest_t *m)
{
	uint8_t plain[KF_WIRE_MANIFEST_MAX], nonce[KF_CRYPTO_NONCE_LEN];
	size_t body, total, off = KF_WIRE_HDR_SIZE;
	long n, env;
	uint8_t *f;
	int r;

	n = kf_wire_encode_manifest(plain, sizeof(plain), m);
	if (n < 0)
		return (int)n;
	body = (size_t)n - KF_WIRE_HDR_SIZE;
	total = (size_t)n;
	if (s->flags & KF_WIRE_FLAG_SIGNED)
		total += KF_CRYPTO_KEY_LEN + KF_CRYPTO_SIG_LEN;
	if (s->flags & KF_WIRE_FLAG_SEALED)
		total += KF__ENVELOPE_FIXED +
			 k->nrecipients * KF__RECIPIENT_LEN + KF_CRYPTO_TAG_LEN;
	f = malloc(total);
	if (!f)
		return KF_ENOMEM;
	memcpy(f, plain, KF_WIRE_HDR_SIZE);
	kf__put_be(f + KF__FLAGS_OFF, 2, s->flags);
	if (s->flags & KF_WIRE_FLAG_SIGNED) {
		memcpy(f + off, s->signer, KF_CRYPTO_KEY_LEN);
		off += KF_CRYPTO_KEY_LEN;
	}
	if (s->flags & KF_WIRE_FLAG_SEALED) {
		env = kf__envelope(s, k, f + off);
		r = env < 0 ? (int)env : 0;
		if (r)
			goto out_free;
		off += (size_t)env;
		kf__nonce(nonce, KF__NONCE_MANIFEST, 0);
		r = kf_aead_encrypt(s->dk, nonce, f, off,
				    plain + KF_WIRE_HDR_SIZE, body, f + off,
				    f + off + body);
		if (r)
			goto out_free;
		off += body + KF_CRYPTO_TAG_LEN;
	} else {
		memcpy(f + off, plain + KF_WIRE_HDR_SIZE, body);
		off += body;
	}
	if (s->flags & KF_WIRE_FLAG_SIGNED) {
		r = kf_sha256(f, off, s->mdigest);
		if (!r)
			r = kf_sign(s->sign_key, f, off, f + off);
		if (!r && !s->whole)
			r = kf__sign_abort(s);
		if (r)
			goto out_free;
	}
	free(s->frame);
	s->frame = f;
	s->frame_len = total;
	return 0;

out_free:
	free(f);
	return r;
}

void kf_seal_feed(void *opaque, const void *buf, size_t len)
{
	kf_seal_t *s = opaque;

	if (s->content)
		kf_sha256_update(s->content, buf, len);
}

long kf_seal_chunk(const kf_seal_t *s, uint8_t *frame, size_t len, size_t cap)
{
	uint8_t nonce[KF_CRYPTO_NONCE_LEN];
	int r;

	if (!(s->flags & KF_WIRE_FLAG_SEALED))
		return (long)len;
	if (len < KF_WIRE_CHUNK_HDR || cap < len + KF_CRYPTO_TAG_LEN)
		return KF_EINVAL;
	kf__put_be(frame + KF__FLAGS_OFF, 2, KF_WIRE_FLAG_SEALED);
	kf__nonce(nonce, KF__NONCE_CHUNK,
		  kf__get_be(frame + KF_WIRE_HDR_SIZE, 8));
	r = kf_aead_encrypt(s->dk, nonce, frame, KF__CHUNK_CLEAR,
			    frame + KF__CHUNK_CLEAR, len - KF__CHUNK_CLEAR,
			    frame + KF__CHUNK_CLEAR, frame + len);
	return r ? r : (long)(len + KF_CRYPTO_TAG_LEN);
}

/* The bytes a COMMIT signature covers: the frame before the signature,
 * then the manifest's digest, which ties the two ends of a transfer. */
static size_t kf__commit_signed(const kf_seal_t *s, const uint8_t *f,
				size_t len, uint8_t *out)
{
	memcpy(out, f, len);
	memcpy(out + len, s->mdigest, sizeof(s->mdigest));
	return len + sizeof(s->mdigest);
}

int kf_seal_commit(kf_seal_t *s, const kf_wire_commit_t *c)
{
	uint8_t plain[KF_WIRE_COMMIT_SIZE + KF_CRYPTO_SHA256_LEN];
	uint8_t nonce[KF_CRYPTO_NONCE_LEN], msg[KF_SEAL_COMMIT_MAX + 32];
	uint8_t *f = s->commit;
	size_t body = KF__COMMIT_BODY, off = KF_WIRE_HDR_SIZE;
	int r = 0;

	kf_wire_encode_commit(plain, sizeof(plain), c);
	if (s->flags & KF_WIRE_FLAG_SIGNED) {
		r = kf_sha256_final(s->content, plain + KF_WIRE_COMMIT_SIZE);
		if (r)
			return r;
		body += KF_CRYPTO_SHA256_LEN;
	}
	memcpy(f, plain, KF_WIRE_HDR_SIZE);
	kf__put_be(f + KF__FLAGS_OFF, 2, s->flags);
	if (s->flags & KF_WIRE_FLAG_SEALED) {
		kf__nonce(nonce, KF__NONCE_COMMIT, 0);
		r = kf_aead_encrypt(s->dk, nonce, f, KF_WIRE_HDR_SIZE,
				    plain + KF_WIRE_HDR_SIZE, body, f + off,
				    f + off + body);
		off += body + KF_CRYPTO_TAG_LEN;
	} else {
		memcpy(f + off, plain + KF_WIRE_HDR_SIZE, body);
		off += body;
	}
	if (!r && (s->flags & KF_WIRE_FLAG_SIGNED)) {
		r = kf_sign(s->sign_key, msg, kf__commit_signed(s, f, off, msg),
			    f + off);
		off += KF_CRYPTO_SIG_LEN;
	}
	s->commit_len = off;
	return r;
}

long kf_seal_abort(const kf_seal_t *s, const kf_wire_abort_t *a, uint8_t *buf,
		   size_t cap)
{
	long n;

	n = kf_wire_encode_abort(buf, cap, a);
	if (n < 0 || !(s->flags & KF_WIRE_FLAG_SIGNED))
		return n;
	if (cap - (size_t)n < KF_CRYPTO_SIG_LEN)
		return KF_EINVAL;
	kf__put_be(buf + KF__FLAGS_OFF, 2, KF_WIRE_FLAG_SIGNED);
	memcpy(buf + n, s->abort_sig, KF_CRYPTO_SIG_LEN);
	return n + KF_CRYPTO_SIG_LEN;
}

/* ----------------------------------------------------------- receiver */

/* Decodes the header of a frame of `type`; flags are the caller's to
 * check. */
static int kf__hdr(const void *frame, size_t len, unsigned type,
		   kf_wire_hdr_t *h, char *errstr, size_t errstr_size)
{
	int r = kf_wire_decode_hdr(frame, len, h, errstr, errstr_size);

	if (r)
		return r;
	if (h->type != type)
		return kf_seterr(errstr, errstr_size, KF_EPROTO,
				 "expected frame type %u, got %u", type,
				 h->type);
	return 0;
}

static int kf__short(const char *what, size_t len, char *errstr,
		     size_t errstr_size)
{
	return kf_seterr(errstr, errstr_size, KF_EPROTO,
			 "%s: frame is truncated (%zu bytes)", what, len);
}

/* Finds the envelope entry wrapped for one of our keys and unwraps the
 * data key. env/env_len: the envelope and what follows it. */
static int kf__unwrap(const kf_seal_keys_t *k, kf_seal_t *s, const uint8_t *env,
		      size_t n, char *errstr, size_t errstr_size)
{
	char ids[KF_SEAL_RECIPIENTS_MAX * 34 + 1] = "", id[33];
	const uint8_t *e;
	size_t i, j;

	for (i = 0; i < n; i++) {
		e = env + KF__ENVELOPE_FIXED + i * KF__RECIPIENT_LEN;
		for (j = 0; k && j < k->ndecrypt; j++) {
			if (memcmp(k->decrypt[j]->id, e, KF_CRYPTO_KEYID_LEN))
				continue;
			if (kf_key_unwrap(k->decrypt[j], env + 4, s->xid.b,
					  e + KF_CRYPTO_KEYID_LEN, s->dk))
				return kf_seterr(
					errstr, errstr_size, KF_ECRYPTO,
					"the data key wrapped for %s does not "
					"authenticate (tampered envelope)",
					k->decrypt[j]->path
						? k->decrypt[j]->path
						: "our key");
			return 0;
		}
		kf_key_id_format(e, id);
		strcat(ids, i ? ", " : "");
		strcat(ids, id);
	}
	return kf_seterr(errstr, errstr_size, KF_ECRYPTO,
			 "encrypted for key id %s; none of the %zu key(s) of "
			 "receive.decrypt_keys is among them (add the "
			 "matching private key)",
			 ids, k ? k->ndecrypt : 0);
}

/* The encrypted manifest body at p[off..end): envelope, ciphertext, tag. */
static int kf__open_sealed_manifest(const kf_seal_keys_t *k, kf_seal_t *s,
				    const uint8_t *p, size_t off, size_t end,
				    char *errstr, size_t errstr_size)
{
	uint8_t nonce[KF_CRYPTO_NONCE_LEN];
	size_t n, ct, ctlen;
	int r;

	if (end - off < KF__ENVELOPE_FIXED)
		return kf__short("sealed manifest", end, errstr, errstr_size);
	n = p[off];
	if (n < 1 || n > KF_SEAL_RECIPIENTS_MAX || p[off + 1] || p[off + 2] ||
	    p[off + 3])
		return kf_seterr(errstr, errstr_size, KF_EPROTO,
				 "sealed manifest: %zu recipients (1..%d) or "
				 "reserved bytes not zero",
				 n, KF_SEAL_RECIPIENTS_MAX);
	ct = off + KF__ENVELOPE_FIXED + n * KF__RECIPIENT_LEN;
	if (end < ct + KF_CRYPTO_TAG_LEN)
		return kf__short("sealed manifest", end, errstr, errstr_size);
	ctlen = end - ct - KF_CRYPTO_TAG_LEN;
	if (ctlen < KF__MANIFEST_BODY_MIN || ctlen > KF__MANIFEST_BODY_MAX)
		return kf_seterr(
			errstr, errstr_size, KF_EPROTO,
			"sealed manifest: body of %zu bytes is outside "
			"%d..%d",
			ctlen, KF__MANIFEST_BODY_MIN, KF__MANIFEST_BODY_MAX);
	r = kf__unwrap(k, s, p + off, n, errstr, errstr_size);
	if (r)
		return r;
	s->frame = malloc(KF_WIRE_HDR_SIZE + ctlen);
	if (!s->frame)
		return KF_ENOMEM;
	memcpy(s->frame, p, KF_WIRE_HDR_SIZE);
	kf__nonce(nonce, KF__NONCE_MANIFEST, 0);
	if (kf_aead_decrypt(s->dk, nonce, p, ct, p + ct, ctlen,
			    s->frame + KF_WIRE_HDR_SIZE, p + ct + ctlen))
		return kf_seterr(errstr, errstr_size, KF_ECRYPTO,
				 "manifest does not decrypt: it was altered");
	s->frame_len = KF_WIRE_HDR_SIZE + ctlen;
	return 0;
}

int kf_seal_open_manifest(const kf_seal_keys_t *k, const void *frame,
			  size_t len, kf_seal_t **out, char *errstr,
			  size_t errstr_size)
{
	const uint8_t *p = frame;
	size_t off = KF_WIRE_HDR_SIZE, end = len;
	kf_wire_hdr_t h;
	kf_seal_t *s;
	int r;

	*out = NULL;
	r = kf__hdr(frame, len, KF_WIRE_MANIFEST, &h, errstr, errstr_size);
	if (r)
		return r;
	s = calloc(1, sizeof(*s));
	if (!s)
		return KF_ENOMEM;
	s->flags = h.flags;
	s->xid = h.xid;
	if (h.flags & KF_WIRE_FLAG_SIGNED) {
		if (len < off + KF_CRYPTO_KEY_LEN + KF_CRYPTO_SIG_LEN) {
			r = kf__short("signed manifest", len, errstr,
				      errstr_size);
			goto out_free;
		}
		memcpy(s->signer, p + off, KF_CRYPTO_KEY_LEN);
		off += KF_CRYPTO_KEY_LEN;
		end -= KF_CRYPTO_SIG_LEN;
		if (kf_verify(s->signer, p, end, p + end)) {
			r = kf_seterr(errstr, errstr_size, KF_ECRYPTO,
				      "manifest signature does not verify: "
				      "altered or forged");
			goto out_free;
		}
		if (kf_sha256(p, end, s->mdigest)) {
			r = kf_seterr(errstr, errstr_size, KF_ECRYPTO,
				      "cannot digest the manifest (SHA-256 "
				      "failed in OpenSSL)");
			goto out_free;
		}
		s->content = kf_sha256_new();
		if (!s->content) {
			r = KF_ENOMEM;
			goto out_free;
		}
	}
	if (h.flags & KF_WIRE_FLAG_SEALED) {
		r = kf__open_sealed_manifest(k, s, p, off, end, errstr,
					     errstr_size);
	} else if (end - off < KF__MANIFEST_BODY_MIN ||
		   end - off > KF__MANIFEST_BODY_MAX) {
		r = kf__short("manifest", len, errstr, errstr_size);
	} else if (!(s->frame = malloc(KF_WIRE_HDR_SIZE + end - off))) {
		r = KF_ENOMEM;
	} else {
		memcpy(s->frame, p, KF_WIRE_HDR_SIZE);
		memcpy(s->frame + KF_WIRE_HDR_SIZE, p + off, end - off);
		s->frame_len = KF_WIRE_HDR_SIZE + end - off;
	}
	if (r)
		goto out_free;
	kf__put_be(s->frame + KF__FLAGS_OFF, 2, 0);
	*out = s;
	return 0;

out_free:
	kf_seal_free(s);
	return r;
}

int kf_seal_check_trust(const kf_seal_keys_t *k, const kf_seal_t *s,
			char *errstr, size_t errstr_size)
{
	uint8_t digest[KF_CRYPTO_SHA256_LEN];
	char id[33];
	size_t i;

	if (!k || !k->ntrusted)
		return 0;
	if (!(s->flags & KF_WIRE_FLAG_SIGNED))
		return kf_seterr(errstr, errstr_size, KF_ECRYPTO,
				 "unsigned transfer: receive.trusted_signers "
				 "accepts only transfers signed by one of its "
				 "%zu key(s)",
				 k->ntrusted);
	for (i = 0; i < k->ntrusted; i++)
		if (!memcmp(k->trusted[i]->pub, s->signer, KF_CRYPTO_KEY_LEN))
			return 0;
	if (kf_sha256(s->signer, KF_CRYPTO_KEY_LEN, digest))
		return kf_seterr(errstr, errstr_size, KF_ECRYPTO,
				 "signed by a key that is not in "
				 "receive.trusted_signers (its id: SHA-256 "
				 "failed in OpenSSL)");
	kf_key_id_format(digest, id);
	return kf_seterr(errstr, errstr_size, KF_ECRYPTO,
			 "signed by key id %s, which is not in "
			 "receive.trusted_signers",
			 id);
}

int kf_seal_peek_chunk(uint16_t xfer_flags, const void *frame, size_t len,
		       uint64_t *index, char *errstr, size_t errstr_size)
{
	unsigned want = xfer_flags & KF_WIRE_FLAG_SEALED;
	kf_wire_hdr_t h;
	int r;

	r = kf__hdr(frame, len, KF_WIRE_CHUNK, &h, errstr, errstr_size);
	if (r)
		return r;
	if (h.flags != want)
		return kf_seterr(errstr, errstr_size, KF_EPROTO,
				 "chunk has flags 0x%04x, its transfer "
				 "requires 0x%04x",
				 h.flags, want);
	if (len < KF_WIRE_CHUNK_HDR + (want ? KF_CRYPTO_TAG_LEN : 0))
		return kf__short("chunk", len, errstr, errstr_size);
	*index = kf__get_be((const uint8_t *)frame + KF_WIRE_HDR_SIZE, 8);
	return 0;
}

int kf_seal_open_chunk(const kf_seal_t *s, const void *frame, size_t len,
		       const uint8_t **plain, uint8_t **owned,
		       size_t *plain_len, char *errstr, size_t errstr_size)
{
	uint8_t nonce[KF_CRYPTO_NONCE_LEN], *out;
	const uint8_t *p = frame;
	uint64_t index;
	size_t ctlen;
	int r;

	*owned = NULL;
	r = kf_seal_peek_chunk(s->flags, frame, len, &index, errstr,
			       errstr_size);
	if (r)
		return r;
	if (!(s->flags & KF_WIRE_FLAG_SEALED)) {
		*plain = p;
		*plain_len = len;
		return 0;
	}
	ctlen = len - KF__CHUNK_CLEAR - KF_CRYPTO_TAG_LEN;
	out = malloc(len - KF_CRYPTO_TAG_LEN);
	if (!out)
		return KF_ENOMEM;
	memcpy(out, p, KF__CHUNK_CLEAR);
	kf__put_be(out + KF__FLAGS_OFF, 2, 0);
	kf__nonce(nonce, KF__NONCE_CHUNK, index);
	if (kf_aead_decrypt(s->dk, nonce, p, KF__CHUNK_CLEAR,
			    p + KF__CHUNK_CLEAR, ctlen, out + KF__CHUNK_CLEAR,
			    p + len - KF_CRYPTO_TAG_LEN)) {
		free(out);
		return kf_seterr(errstr, errstr_size, KF_ECRYPTO,
				 "chunk %llu does not decrypt: altered, "
				 "reordered or from another transfer",
				 (unsigned long long)index);
	}
	*plain = *owned = out;
	*plain_len = len - KF_CRYPTO_TAG_LEN;
	return 0;
}

int kf_seal_open_commit(kf_seal_t *s, const void *frame, size_t len,
			uint8_t plain[KF_WIRE_COMMIT_SIZE], char *errstr,
			size_t errstr_size)
{
	uint8_t body[KF__COMMIT_BODY + KF_CRYPTO_SHA256_LEN];
	uint8_t nonce[KF_CRYPTO_NONCE_LEN], msg[KF_SEAL_COMMIT_MAX + 32];
	uint8_t digest[KF_CRYPTO_SHA256_LEN];
	size_t blen = KF__COMMIT_BODY, want, end;
	const uint8_t *p = frame;
	kf_wire_hdr_t h;
	int r;

	r = kf__hdr(frame, len, KF_WIRE_COMMIT, &h, errstr, errstr_size);
	if (r)
		return r;
	if (h.flags != s->flags)
		return kf_seterr(errstr, errstr_size, KF_EPROTO,
				 "commit has flags 0x%04x, its manifest had "
				 "0x%04x",
				 h.flags, s->flags);
	if (s->flags & KF_WIRE_FLAG_SIGNED)
		blen += KF_CRYPTO_SHA256_LEN;
	end = KF_WIRE_HDR_SIZE + blen +
	      (s->flags & KF_WIRE_FLAG_SEALED ? KF_CRYPTO_TAG_LEN : 0);
	want = end + (s->flags & KF_WIRE_FLAG_SIGNED ? KF_CRYPTO_SIG_LEN : 0);
	if (len != want)
		return kf_seterr(errstr, errstr_size, KF_EPROTO,
				 "commit is %zu bytes, expected %zu", len,
				 want);
	if ((s->flags & KF_WIRE_FLAG_SIGNED) &&
	    kf_verify(s->signer, msg, kf__commit_signed(s, p, end, msg),
		      p + end))
		return kf_seterr(errstr, errstr_size, KF_ECRYPTO,
				 "commit signature does not verify: altered, "
				 "forged or from another transfer");
	if (s->flags & KF_WIRE_FLAG_SEALED) {
		kf__nonce(nonce, KF__NONCE_COMMIT, 0);
		if (kf_aead_decrypt(s->dk, nonce, p, KF_WIRE_HDR_SIZE,
				    p + KF_WIRE_HDR_SIZE, blen, body,
				    p + KF_WIRE_HDR_SIZE + blen))
			return kf_seterr(errstr, errstr_size, KF_ECRYPTO,
					 "commit does not decrypt: it was "
					 "altered");
	} else {
		memcpy(body, p + KF_WIRE_HDR_SIZE, blen);
	}
	if (s->flags & KF_WIRE_FLAG_SIGNED) {
		if (kf_sha256_final(s->content, digest))
			return kf_seterr(errstr, errstr_size, KF_ECRYPTO,
					 "cannot digest the bytes received "
					 "(SHA-256 failed in OpenSSL)");
		if (memcmp(digest, body + KF__COMMIT_BODY, sizeof(digest)))
			return kf_seterr(errstr, errstr_size, KF_ECRYPTO,
					 "the SHA-256 of the bytes received "
					 "differs from the one the sender "
					 "signed");
		memcpy(s->cdigest, digest, sizeof(digest));
	}
	memcpy(plain, p, KF_WIRE_HDR_SIZE);
	kf__put_be(plain + KF__FLAGS_OFF, 2, 0);
	memcpy(plain + KF_WIRE_HDR_SIZE, body, KF__COMMIT_BODY);
	return 0;
}

int kf_seal_open_abort(const kf_seal_t *s, const void *frame, size_t len,
		       uint8_t plain[KF_SEAL_ABORT_PLAIN_MAX],
		       size_t *plain_len, char *errstr, size_t errstr_size)
{
	uint8_t msg[KF_WIRE_HDR_SIZE + KF_CRYPTO_SHA256_LEN];
	const uint8_t *p = frame;
	kf_wire_hdr_t h;
	size_t body;
	int r;

	r = kf__hdr(frame, len, KF_WIRE_ABORT, &h, errstr, errstr_size);
	if (r)
		return r;
	if (!(s->flags & KF_WIRE_FLAG_SIGNED) || h.flags != KF_WIRE_FLAG_SIGNED)
		return kf_seterr(errstr, errstr_size, KF_EPROTO,
				 "abort has flags 0x%04x, its transfer's "
				 "manifest had 0x%04x: a signed transfer ends "
				 "only by an abort signed by its signer",
				 h.flags, s->flags);
	if (len < KF_WIRE_ABORT_FIXED + KF_CRYPTO_SIG_LEN ||
	    len > KF_SEAL_ABORT_MAX)
		return kf_seterr(errstr, errstr_size, KF_EPROTO,
				 "signed abort is %zu bytes, outside %d..%d",
				 len, KF_WIRE_ABORT_FIXED + KF_CRYPTO_SIG_LEN,
				 KF_SEAL_ABORT_MAX);
	kf__abort_signed(s, msg);
	if (memcmp(msg, p, KF_WIRE_HDR_SIZE) ||
	    kf_verify(s->signer, msg, sizeof(msg), p + len - KF_CRYPTO_SIG_LEN))
		return kf_seterr(errstr, errstr_size, KF_ECRYPTO,
				 "abort signature does not verify: forged, or "
				 "from another transfer or signer");
	body = len - KF_CRYPTO_SIG_LEN;
	memcpy(plain, p, body);
	kf__put_be(plain + KF__FLAGS_OFF, 2, 0);
	*plain_len = body;
	return 0;
}

/* ------------------------------------------- FILE with flags (10.10) */

size_t kf_seal_file_head(const kf_seal_t *s)
{
	return KF_SEAL_FILE_FIXED + s->frame_len;
}

long kf_seal_file_close(const kf_seal_t *s, uint8_t *buf, size_t cap,
			size_t chunk_len)
{
	size_t head = kf_seal_file_head(s);
	size_t len = head + chunk_len + s->commit_len;

	if (cap < len || s->frame_len > KF_SEAL_FILE_MANIFEST_MAX ||
	    chunk_len > UINT32_MAX)
		return KF_EINVAL;
	memcpy(buf, KF_WIRE_MAGIC, 4);
	buf[4] = KF_WIRE_VERSION_FILE;
	buf[5] = KF_WIRE_FILE;
	kf__put_be(buf + KF__FLAGS_OFF, 2, s->flags);
	memcpy(buf + 8, s->xid.b, sizeof(s->xid.b));
	kf__put_be(buf + KF_WIRE_HDR_SIZE, 4, s->frame_len);
	memcpy(buf + KF_WIRE_HDR_SIZE + 4, s->frame, s->frame_len);
	kf__put_be(buf + head - 4, 4, chunk_len);
	memcpy(buf + head + chunk_len, s->commit, s->commit_len);
	return (long)len;
}

/* One inner frame of a FILE: of `type`, version 1, with `flags` and the
 * FILE's transfer id. */
static int kf__file_part(const uint8_t *f, size_t len, unsigned type,
			 unsigned flags, const kf_xid_t *xid, char *errstr,
			 size_t errstr_size)
{
	kf_wire_hdr_t h;
	int r;

	r = kf__hdr(f, len, type, &h, errstr, errstr_size);
	if (r)
		return r;
	if (h.flags != flags)
		return kf_seterr(errstr, errstr_size, KF_EPROTO,
				 "file: its frame of type %u has flags "
				 "0x%04x, the file 0x%04x",
				 type, h.flags, flags);
	if (memcmp(h.xid.b, xid->b, sizeof(xid->b)) != 0)
		return kf_seterr(errstr, errstr_size, KF_EPROTO,
				 "file: its frame of type %u belongs to "
				 "another transfer",
				 type);
	return 0;
}

/* Takes a 4-byte length and that many bytes at *at, within len. */
static int kf__file_take(const uint8_t *p, size_t len, size_t *at,
			 const char *what, const uint8_t **out, size_t *n,
			 char *errstr, size_t errstr_size)
{
	if (len - *at < 4)
		return kf__short("file", len, errstr, errstr_size);
	*n = (size_t)kf__get_be(p + *at, 4);
	*at += 4;
	if (*n > len - *at)
		return kf_seterr(errstr, errstr_size, KF_EPROTO,
				 "file: %s_len %zu exceeds the %zu bytes "
				 "left",
				 what, *n, len - *at);
	*out = p + *at;
	*at += *n;
	return 0;
}

int kf_seal_file_split(const void *frame, size_t len, kf_seal_file_parts_t *p,
		       char *errstr, size_t errstr_size)
{
	const uint8_t *f = frame;
	kf_wire_hdr_t h;
	size_t at = KF_WIRE_HDR_SIZE;
	uint64_t index;
	int r;

	memset(p, 0, sizeof(*p));
	r = kf__hdr(f, len, KF_WIRE_FILE, &h, errstr, errstr_size);
	if (r)
		return r;
	if (!h.flags)
		return kf_seterr(errstr, errstr_size, KF_EPROTO,
				 "file: a plain FILE is not sealed or signed");
	p->flags = h.flags;
	p->xid = h.xid;
	r = kf__file_take(f, len, &at, "manifest", &p->manifest,
			  &p->manifest_len, errstr, errstr_size);
	if (!r && p->manifest_len > KF_SEAL_FILE_MANIFEST_MAX)
		r = kf_seterr(errstr, errstr_size, KF_EPROTO,
			      "file: manifest_len %zu exceeds %u",
			      p->manifest_len, KF_SEAL_FILE_MANIFEST_MAX);
	if (!r)
		r = kf__file_part(p->manifest, p->manifest_len,
				  KF_WIRE_MANIFEST, h.flags, &h.xid, errstr,
				  errstr_size);
	if (!r)
		r = kf__file_take(f, len, &at, "chunk", &p->chunk,
				  &p->chunk_len, errstr, errstr_size);
	if (r)
		return r;
	p->commit = f + at;
	p->commit_len = len - at;
	r = kf__file_part(p->commit, p->commit_len, KF_WIRE_COMMIT, h.flags,
			  &h.xid, errstr, errstr_size);
	if (r)
		return r;
	if (!p->chunk_len) {
		p->chunk = NULL;
		return 0;
	}
	r = kf__file_part(p->chunk, p->chunk_len, KF_WIRE_CHUNK,
			  h.flags & KF_WIRE_FLAG_SEALED, &h.xid, errstr,
			  errstr_size);
	if (!r)
		r = kf_seal_peek_chunk(h.flags, p->chunk, p->chunk_len, &index,
				       errstr, errstr_size);
	if (!r && index != 0)
		r = kf_seterr(errstr, errstr_size, KF_EPROTO,
			      "file: its chunk has index %llu, not 0",
			      (unsigned long long)index);
	return r;
}

void kf_seal_free(kf_seal_t *s)
{
	if (!s)
		return;
	kf_sha256_free(s->content);
	free(s->frame);
	explicit_bzero(s->dk, sizeof(s->dk));
	free(s);
}
