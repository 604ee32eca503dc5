/* SPDX-License-Identifier: Apache-2.0 */
/*
 * OpenSSL 3 EVP calls for docs/protocol.md section 10. Every function
 * creates and frees its own contexts: they cost microseconds, far less
 * than the chunk they protect, and need no locking.
 */
#include "core/crypto.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509_vfy.h>
#include <openssl/bio.h>
#include <openssl/conf.h>
#include <openssl/ssl.h>
#include <pthread.h>

#include "common/err.h"
#include "common/log.h"

static const char kf__wrap_info[] = "kferry key wrap";

static int kf__nid(int type)
{
	return type == KF_KEY_X25519 ? EVP_PKEY_X25519 : EVP_PKEY_ED25519;
}

static const char *kf__type_name(int type)
{
	return type == KF_KEY_X25519 ? "x25519" : "ed25519";
}

int kf_key_type_parse(const char *name)
{
	if (!strcmp(name, "x25519"))
		return KF_KEY_X25519;
	if (!strcmp(name, "ed25519"))
		return KF_KEY_ED25519;
	return KF_EINVAL;
}

/* Takes ownership of pkey; fills the raw public key and the key id. */
static int kf__key_wrap_pkey(EVP_PKEY *pkey, int type, int has_private,
			     kf_key_t **out)
{
	kf_key_t *k;
	size_t n = KF_CRYPTO_KEY_LEN;
	uint8_t digest[KF_CRYPTO_SHA256_LEN];

	if (EVP_PKEY_get_raw_public_key(pkey, NULL, &n) != 1 ||
	    n != KF_CRYPTO_KEY_LEN) {
		EVP_PKEY_free(pkey);
		return KF_EINVAL;
	}
	k = calloc(1, sizeof(*k));
	if (!k) {
		EVP_PKEY_free(pkey);
		return KF_ENOMEM;
	}
	k->type = type;
	k->has_private = has_private;
	k->pkey = pkey;
	if (EVP_PKEY_get_raw_public_key(pkey, k->pub, &n) != 1 ||
	    kf_sha256(k->pub, sizeof(k->pub), digest)) {
		ERR_clear_error();
		kf_key_free(k); /* frees pkey */
		return KF_ECRYPTO;
	}
	memcpy(k->id, digest, sizeof(k->id));
	*out = k;
	return 0;
}

int kf_key_from_raw(int type, const uint8_t raw[KF_CRYPTO_KEY_LEN],
		    int private_key, kf_key_t **out)
{
	EVP_PKEY *pkey =
		private_key
			? EVP_PKEY_new_raw_private_key(kf__nid(type), NULL, raw,
						       KF_CRYPTO_KEY_LEN)
			: EVP_PKEY_new_raw_public_key(kf__nid(type), NULL, raw,
						      KF_CRYPTO_KEY_LEN);

	if (!pkey)
		return KF_EINVAL;
	return kf__key_wrap_pkey(pkey, type, private_key, out);
}

int kf_key_new(int type, kf_key_t **out)
{
	EVP_PKEY *pkey = EVP_PKEY_Q_keygen(NULL, NULL, kf__type_name(type));

	if (!pkey)
		return KF_ENOMEM;
	return kf__key_wrap_pkey(pkey, type, 1, out);
}

void kf_key_free(kf_key_t *k)
{
	if (!k)
		return;
	EVP_PKEY_free(k->pkey);
	free(k->path);
	free(k);
}

/* A key file is small; anything larger is not one. */
#define KF__KEY_FILE_MAX (64 * 1024)

/* OpenSSL's passphrase callback: never ask (the default one prompts on
 * the terminal, which would hang a daemon); note that one was wanted. */
static int kf__no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	*(int *)u = 1;
	return -1;
}

/* Reads the whole key file into a memory BIO (one open: the mode checked
 * is the mode of the bytes read); *st receives its status. */
static int kf__key_read(const char *path, struct stat *st, BIO **out,
			char *errstr, size_t errstr_size)
{
	char buf[KF__KEY_FILE_MAX];
	size_t got = 0;
	ssize_t n;
	int e, fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0 || fstat(fd, st) < 0) {
		e = errno;
		if (fd >= 0)
			close(fd);
		return kf_seterr(errstr, errstr_size, kf_err_from_errno(e),
				 "key file %s: %s", path, strerror(e));
	}
	if (!S_ISREG(st->st_mode) || st->st_size > KF__KEY_FILE_MAX) {
		close(fd);
		return kf_seterr(errstr, errstr_size, KF_EINVAL,
				 "key file %s: not a regular file of at most "
				 "%d bytes",
				 path, KF__KEY_FILE_MAX);
	}
	do {
		n = read(fd, buf + got, sizeof(buf) - got);
		if (n > 0)
			got += (size_t)n;
	} while ((n > 0 && got < sizeof(buf)) || (n < 0 && errno == EINTR));
	e = n < 0 ? errno : 0;
	close(fd);
	if (e) {
		OPENSSL_cleanse(buf, got);
		return kf_seterr(errstr, errstr_size, kf_err_from_errno(e),
				 "key file %s: %s", path, strerror(e));
	}
	*out = BIO_new(BIO_s_mem());
	/* BIO_reset rewinds (a second parse), rather than emptying it */
	if (*out)
		BIO_set_flags(*out, BIO_FLAGS_NONCLEAR_RST);
	if (!*out || BIO_write(*out, buf, (int)got) != (int)got) {
		BIO_free(*out);
		OPENSSL_cleanse(buf, got);
		return KF_ENOMEM;
	}
	OPENSSL_cleanse(buf, got);
	return 0;
}

int kf_key_load(const char *path, int type, int want_private, kf_key_t **out,
		char *errstr, size_t errstr_size)
{
	EVP_PKEY *pkey = NULL;
	int has_private = 0, encrypted = 0, r;
	struct stat st;
	BIO *bio;

	r = kf__key_read(path, &st, &bio, errstr, errstr_size);
	if (r)
		return r;
	pkey = PEM_read_bio_PrivateKey(bio, NULL, kf__no_passphrase,
				       &encrypted);
	if (pkey) {
		has_private = 1;
	} else if (!want_private && !encrypted) {
		BIO_reset(bio);
		pkey = PEM_read_bio_PUBKEY(bio, NULL, kf__no_passphrase,
					   &encrypted);
	}
	BIO_free(bio);
	ERR_clear_error();
	if (!pkey && encrypted)
		return kf_seterr(errstr, errstr_size, KF_EINVAL,
				 "key file %s: encrypted private keys are not "
				 "supported (nothing could type the passphrase "
				 "of a daemon); write it out decrypted with "
				 "'openssl pkey -in %s -out NEW' and keep NEW "
				 "mode 0600",
				 path, path);
	if (!pkey)
		return kf_seterr(errstr, errstr_size, KF_EINVAL,
				 "key file %s: no PEM %s key in it (make one "
				 "with 'kferry keygen --type %s --out FILE')",
				 path,
				 want_private ? "private"
					      : "public or "
						"private",
				 kf__type_name(type));
	if (has_private && (st.st_mode & 077)) {
		/* as ssh does: a private key others can read is not one */
		EVP_PKEY_free(pkey);
		return kf_seterr(errstr, errstr_size, KF_EINVAL,
				 "key file %s: a private key must not be "
				 "accessible to group or others (mode %04o); "
				 "run 'chmod 600 %s'",
				 path, (unsigned)(st.st_mode & 07777), path);
	}
	if (EVP_PKEY_get_base_id(pkey) != kf__nid(type)) {
		EVP_PKEY_free(pkey);
		return kf_seterr(errstr, errstr_size, KF_EINVAL,
				 "key file %s: not an %s key (%s)", path,
				 kf__type_name(type),
				 type == KF_KEY_X25519
					 ? "encryption uses x25519 keys"
					 : "signatures use ed25519 keys");
	}
	r = kf__key_wrap_pkey(pkey, type, has_private, out);
	if (!r && !((*out)->path = strdup(path))) {
		kf_key_free(*out);
		*out = NULL;
		r = KF_ENOMEM;
	}
	if (r)
		return kf_seterr(errstr, errstr_size, r, "key file %s: %s",
				 path, kf_strerror(r));
	return 0;
}

/* Creates path exclusively with mode and writes the PEM form of pkey. */
static int kf__write_pem(const char *path, mode_t mode, EVP_PKEY *pkey,
			 int private_key, char *errstr, size_t errstr_size)
{
	int fd, ok;
	FILE *f;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		  mode);
	if (fd < 0)
		return kf_seterr(errstr, errstr_size, kf_err_from_errno(errno),
				 "%s: %s%s", path, strerror(errno),
				 errno == EEXIST ? " (keys are never "
						   "overwritten: choose "
						   "another name)"
						 : "");
	/* the umask may have taken bits away; a private key must be 0600 */
	fchmod(fd, mode);
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		unlink(path);
		return kf_seterr(errstr, errstr_size, KF_ENOMEM, "%s: %s", path,
				 strerror(errno));
	}
	ok = private_key
		     ? PEM_write_PrivateKey(f, pkey, NULL, NULL, 0, NULL, NULL)
		     : PEM_write_PUBKEY(f, pkey);
	ok = ok && fflush(f) == 0 && fsync(fileno(f)) == 0;
	if (fclose(f) != 0)
		ok = 0;
	if (!ok) {
		unlink(path);
		return kf_seterr(errstr, errstr_size, KF_EIO,
				 "%s: cannot write the key", path);
	}
	return 0;
}

int kf_key_generate(int type, const char *path, uint8_t id[KF_CRYPTO_KEYID_LEN],
		    char *errstr, size_t errstr_size)
{
	char pubpath[4096];
	kf_key_t *k;
	int r;

	if ((size_t)snprintf(pubpath, sizeof(pubpath), "%s.pub", path) >=
	    sizeof(pubpath))
		return kf_seterr(errstr, errstr_size, KF_EINVAL,
				 "key path is too long");
	r = kf_key_new(type, &k);
	if (r)
		return kf_seterr(errstr, errstr_size, r,
				 "cannot generate an %s key",
				 kf__type_name(type));
	r = kf__write_pem(path, 0600, k->pkey, 1, errstr, errstr_size);
	if (!r) {
		r = kf__write_pem(pubpath, 0644, k->pkey, 0, errstr,
				  errstr_size);
		if (r)
			unlink(path);
	}
	if (!r && id)
		memcpy(id, k->id, KF_CRYPTO_KEYID_LEN);
	kf_key_free(k);
	return r;
}

int kf_keygen(const char *type, const char *path, char key_id[33], char *errstr,
	      size_t errstr_size)
{
	int t = kf_key_type_parse(type ? type : "");
	uint8_t id[KF_CRYPTO_KEYID_LEN];
	int r;

	if (t < 0)
		return kf_seterr(errstr, errstr_size, KF_EINVAL,
				 "key type '%s': expected x25519 (encryption, "
				 "for receivers) or ed25519 (signatures, for "
				 "senders)",
				 type ? type : "");
	if (!path || !*path)
		return kf_seterr(errstr, errstr_size, KF_EINVAL,
				 "no output file: give --out FILE");
	r = kf_key_generate(t, path, id, errstr, errstr_size);
	if (!r && key_id)
		kf_key_id_format(id, key_id);
	return r;
}

void kf_key_id_format(const uint8_t id[KF_CRYPTO_KEYID_LEN], char out[33])
{
	static const char hex[] = "0123456789abcdef";
	int i;

	for (i = 0; i < KF_CRYPTO_KEYID_LEN; i++) {
		out[2 * i] = hex[id[i] >> 4];
		out[2 * i + 1] = hex[id[i] & 0xf];
	}
	out[2 * KF_CRYPTO_KEYID_LEN] = '\0';
}

int kf_crypto_random(void *buf, size_t len)
{
	return RAND_bytes(buf, (int)len) == 1 ? 0 : KF_EIO;
}

/* ------------------------------------------------------------- AES-GCM */

/* One GCM pass; decrypt checks the tag. */
static int kf__gcm(int enc, const uint8_t *key, const uint8_t *nonce,
		   const void *aad, size_t aad_len, const uint8_t *in,
		   size_t len, uint8_t *out, uint8_t *tag)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int n, ok;

	if (!ctx)
		return KF_ENOMEM;
	ok = EVP_CipherInit_ex2(ctx, EVP_aes_256_gcm(), key, nonce, enc,
				NULL) == 1;
	if (ok && aad_len)
		ok = EVP_CipherUpdate(ctx, NULL, &n, aad, (int)aad_len) == 1;
	if (ok && len)
		ok = EVP_CipherUpdate(ctx, out, &n, in, (int)len) == 1;
	if (ok && !enc)
		ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG,
					 KF_CRYPTO_TAG_LEN, tag) == 1;
	if (ok)
		ok = EVP_CipherFinal_ex(ctx, out + len, &n) == 1;
	if (ok && enc)
		ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG,
					 KF_CRYPTO_TAG_LEN, tag) == 1;
	EVP_CIPHER_CTX_free(ctx);
	ERR_clear_error();
	if (ok)
		return 0;
	if (!enc && len)
		memset(out, 0, len); /* nothing unauthenticated escapes */
	return KF_ECRYPTO;
}

int kf_aead_encrypt(const uint8_t key[KF_CRYPTO_KEY_LEN],
		    const uint8_t nonce[KF_CRYPTO_NONCE_LEN], const void *aad,
		    size_t aad_len, const uint8_t *in, size_t len, uint8_t *out,
		    uint8_t tag[KF_CRYPTO_TAG_LEN])
{
	return kf__gcm(1, key, nonce, aad, aad_len, in, len, out, tag);
}

int kf_aead_decrypt(const uint8_t key[KF_CRYPTO_KEY_LEN],
		    const uint8_t nonce[KF_CRYPTO_NONCE_LEN], const void *aad,
		    size_t aad_len, const uint8_t *in, size_t len, uint8_t *out,
		    const uint8_t tag[KF_CRYPTO_TAG_LEN])
{
	uint8_t t[KF_CRYPTO_TAG_LEN];

	memcpy(t, tag, sizeof(t));
	return kf__gcm(0, key, nonce, aad, aad_len, in, len, out, t);
}

/* ------------------------------------------------------------ key wrap */

/* The key-encryption key of one (ephemeral, recipient) pair. */
static int kf__kek(const kf_key_t *priv, const uint8_t peer_pub[32],
		   const uint8_t eph_pub[32], const uint8_t recip_pub[32],
		   const uint8_t salt[16], uint8_t kek[KF_CRYPTO_KEY_LEN])
{
	uint8_t shared[32], info[sizeof(kf__wrap_info) - 1 + 64];
	EVP_PKEY *peer;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_KDF *kdf = NULL;
	EVP_KDF_CTX *kctx = NULL;
	OSSL_PARAM params[5];
	size_t n = sizeof(shared);
	int ok = 0;

	peer = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, peer_pub, 32);
	if (peer)
		ctx = EVP_PKEY_CTX_new(priv->pkey, NULL);
	ok = ctx && EVP_PKEY_derive_init(ctx) == 1 &&
	     EVP_PKEY_derive_set_peer(ctx, peer) == 1 &&
	     EVP_PKEY_derive(ctx, shared, &n) == 1 && n == sizeof(shared);
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(peer);
	if (ok) {
		memcpy(info, kf__wrap_info, sizeof(kf__wrap_info) - 1);
		memcpy(info + sizeof(kf__wrap_info) - 1, eph_pub, 32);
		memcpy(info + sizeof(kf__wrap_info) - 1 + 32, recip_pub, 32);
		params[0] = OSSL_PARAM_construct_utf8_string(
			OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0);
		params[1] = OSSL_PARAM_construct_octet_string(
			OSSL_KDF_PARAM_KEY, shared, sizeof(shared));
		params[2] = OSSL_PARAM_construct_octet_string(
			OSSL_KDF_PARAM_SALT, (void *)salt, 16);
		params[3] = OSSL_PARAM_construct_octet_string(
			OSSL_KDF_PARAM_INFO, info, sizeof(info));
		params[4] = OSSL_PARAM_construct_end();
		kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
		kctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
		ok = kctx &&
		     EVP_KDF_derive(kctx, kek, KF_CRYPTO_KEY_LEN, params) == 1;
		EVP_KDF_CTX_free(kctx);
		EVP_KDF_free(kdf);
	}
	OPENSSL_cleanse(shared, sizeof(shared));
	ERR_clear_error();
	return ok ? 0 : KF_ECRYPTO;
}

/* Each key-encryption key wraps one data key once: a zero nonce is safe. */
static const uint8_t kf__wrap_nonce[KF_CRYPTO_NONCE_LEN];

/* Wraps (wrap=1: in is the data key, out the wrapped key) or unwraps
 * (wrap=0: the reverse) with the KEK of priv and peer; the recipient's key
 * id is the associated data. */
static int kf__wrap(int wrap, const kf_key_t *priv, const uint8_t *peer,
		    const uint8_t *eph_pub, const kf_key_t *recip_src,
		    const uint8_t *recip_pub, const uint8_t salt[16],
		    const uint8_t *in, uint8_t *out)
{
	uint8_t kek[KF_CRYPTO_KEY_LEN];
	int r;

	r = kf__kek(priv, peer, eph_pub, recip_pub, salt, kek);
	if (!r && wrap)
		r = kf_aead_encrypt(kek, kf__wrap_nonce, recip_src->id,
				    KF_CRYPTO_KEYID_LEN, in, KF_CRYPTO_KEY_LEN,
				    out, out + KF_CRYPTO_KEY_LEN);
	else if (!r)
		r = kf_aead_decrypt(kek, kf__wrap_nonce, recip_src->id,
				    KF_CRYPTO_KEYID_LEN, in, KF_CRYPTO_KEY_LEN,
				    out, in + KF_CRYPTO_KEY_LEN);
	OPENSSL_cleanse(kek, sizeof(kek));
	return r;
}

int kf_key_wrap(const kf_key_t *eph, const kf_key_t *recipient,
		const uint8_t salt[16], const uint8_t dk[KF_CRYPTO_KEY_LEN],
		uint8_t out[KF_CRYPTO_WRAPPED_LEN])
{
	return kf__wrap(1, eph, recipient->pub, eph->pub, recipient,
			recipient->pub, salt, dk, out);
}

int kf_key_unwrap(const kf_key_t *priv,
		  const uint8_t eph_pub[KF_CRYPTO_KEY_LEN],
		  const uint8_t salt[16],
		  const uint8_t in[KF_CRYPTO_WRAPPED_LEN],
		  uint8_t dk[KF_CRYPTO_KEY_LEN])
{
	return kf__wrap(0, priv, eph_pub, eph_pub, priv, priv->pub, salt, in,
			dk);
}

/* ------------------------------------------------------------- Ed25519 */

int kf_sign(const kf_key_t *priv, const void *msg, size_t len,
	    uint8_t sig[KF_CRYPTO_SIG_LEN])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t n = KF_CRYPTO_SIG_LEN;
	int ok;

	ok = ctx &&
	     EVP_DigestSignInit_ex(ctx, NULL, NULL, NULL, NULL, priv->pkey,
				   NULL) == 1 &&
	     EVP_DigestSign(ctx, sig, &n, msg, len) == 1;
	EVP_MD_CTX_free(ctx);
	ERR_clear_error();
	return ok ? 0 : KF_ECRYPTO;
}

int kf_verify(const uint8_t pub[KF_CRYPTO_KEY_LEN], const void *msg, size_t len,
	      const uint8_t sig[KF_CRYPTO_SIG_LEN])
{
	EVP_PKEY *pkey =
		EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, 32);
	EVP_MD_CTX *ctx = pkey ? EVP_MD_CTX_new() : NULL;
	int ok;

	ok = ctx &&
	     EVP_DigestVerifyInit_ex(ctx, NULL, NULL, NULL, NULL, pkey, NULL) ==
		     1 &&
	     EVP_DigestVerify(ctx, sig, KF_CRYPTO_SIG_LEN, msg, len) == 1;
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(pkey);
	ERR_clear_error();
	return ok ? 0 : KF_ECRYPTO;
}

/* ------------------------------------------------------------- SHA-256 */

int kf_sha256(const void *buf, size_t len, uint8_t out[KF_CRYPTO_SHA256_LEN])
{
	unsigned n;

	if (EVP_Digest(buf, len, out, &n, EVP_sha256(), NULL) == 1 &&
	    n == KF_CRYPTO_SHA256_LEN)
		return 0;
	ERR_clear_error();
	memset(out, 0, KF_CRYPTO_SHA256_LEN);
	return KF_ECRYPTO;
}

struct kf_sha256_s {
	EVP_MD_CTX *ctx;
	int failed; /* an update failed: the digest is of no use */
};

kf_sha256_t *kf_sha256_new(void)
{
	kf_sha256_t *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->ctx = EVP_MD_CTX_new();
	if (!h->ctx || EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) != 1) {
		kf_sha256_free(h);
		return NULL;
	}
	return h;
}

int kf_sha256_update(kf_sha256_t *h, const void *buf, size_t len)
{
	if (!h->failed && EVP_DigestUpdate(h->ctx, buf, len) != 1) {
		ERR_clear_error();
		h->failed = 1;
	}
	return h->failed ? KF_ECRYPTO : 0;
}

int kf_sha256_final(const kf_sha256_t *h, uint8_t out[KF_CRYPTO_SHA256_LEN])
{
	EVP_MD_CTX *copy = h->failed ? NULL : EVP_MD_CTX_new();
	unsigned n;
	int r = 0;

	/* finalize a copy, so that the running digest stays usable */
	if (!copy || EVP_MD_CTX_copy_ex(copy, h->ctx) != 1 ||
	    EVP_DigestFinal_ex(copy, out, &n) != 1) {
		ERR_clear_error();
		memset(out, 0, KF_CRYPTO_SHA256_LEN);
		r = KF_ECRYPTO;
	}
	EVP_MD_CTX_free(copy);
	return r;
}

void kf_sha256_free(kf_sha256_t *h)
{
	if (!h)
		return;
	EVP_MD_CTX_free(h->ctx);
	free(h);
}

enum kf_cert_refusal kf_crypto_cert_refusal(int x509_error)
{
	switch (x509_error) {
	case X509_V_OK:
		return KF_CERT_OK;
	case X509_V_ERR_HOSTNAME_MISMATCH:
	case X509_V_ERR_IP_ADDRESS_MISMATCH:
		return KF_CERT_WRONG_HOST;
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
		return KF_CERT_UNTRUSTED;
	case X509_V_ERR_CERT_HAS_EXPIRED:
	case X509_V_ERR_CERT_NOT_YET_VALID:
		return KF_CERT_TIME;
	default:
		return KF_CERT_OTHER;
	}
}

/* ------------------------------------------------------- TLS 1.3 suites */

/* The longest list tls.ciphersuites takes (config/conf.c). */
#define KF__SUITES_MAX 256

static pthread_mutex_t kf__suites_lock = PTHREAD_MUTEX_INITIALIZER;
/* What OpenSSL's configuration holds from us; "" before the first call. */
static char kf__suites_ours[KF__SUITES_MAX + 1];
/* The system's configuration had a policy: it is left alone for good. */
static int kf__suites_system;

/* The first OpenSSL error, for a message; clears the queue. */
static const char *kf__tls_why(char *buf, size_t cap)
{
	unsigned long e = ERR_get_error();

	if (e)
		ERR_error_string_n(e, buf, cap);
	else
		snprintf(buf, cap, "no detail from OpenSSL");
	ERR_clear_error();
	return buf;
}

/* Whether every name of suites is a TLS 1.3 suite OpenSSL has. */
static int kf__suites_known(const char *suites, char *errstr,
			    size_t errstr_size)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	char why[256];
	int ok;

	if (!ctx)
		return kf_seterr(errstr, errstr_size, KF_ENOMEM,
				 "tls.ciphersuites: cannot make an OpenSSL "
				 "context: %s",
				 kf__tls_why(why, sizeof(why)));
	ok = SSL_CTX_set_ciphersuites(ctx, suites);
	SSL_CTX_free(ctx);
	if (!ok)
		return kf_seterr(
			errstr, errstr_size, KF_EINVAL,
			"tls.ciphersuites = %s: OpenSSL does not know "
			"every name as a TLS 1.3 suite (%s); use names "
			"such as TLS_AES_128_GCM_SHA256 or "
			"TLS_AES_256_GCM_SHA384",
			suites, kf__tls_why(why, sizeof(why)));
	return 0;
}

/* Whether OpenSSL's configuration gives new contexts settings of their own
 * ("system_default": a distribution's crypto policy). */
static int kf__suites_policy(void)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	int has;

	if (!ctx)
		return 0;
	/* 0 and an error queued when no such section exists */
	has = SSL_CTX_config(ctx, "system_default") == 1;
	ERR_clear_error();
	SSL_CTX_free(ctx);
	return has;
}

/* Gives OpenSSL a configuration whose "system_default" is our suites: the
 * settings SSL_CTX_new applies to every context. suites is checked by
 * config/conf.c to hold letters, digits, '_' and ':' only, so it cannot
 * add lines or sections to the text. */
static int kf__suites_load(const char *suites, char *errstr, size_t errstr_size)
{
	char text[KF__SUITES_MAX + 160], why[256];
	BIO *bio;
	CONF *cnf;
	long line = 0;
	int ok;

	snprintf(text, sizeof(text),
		 "kferry = kf_init\n[kf_init]\nssl_conf = kf_ssl\n"
		 "[kf_ssl]\nsystem_default = kf_tls\n"
		 "[kf_tls]\nCiphersuites = %s\n",
		 suites);
	bio = BIO_new_mem_buf(text, -1);
	cnf = NCONF_new(NULL);
	ok = bio && cnf && NCONF_load_bio(cnf, bio, &line) > 0 &&
	     CONF_modules_load(cnf, "kferry", 0) > 0;
	NCONF_free(cnf);
	BIO_free(bio);
	if (!ok)
		return kf_seterr(errstr, errstr_size, KF_EINVAL,
				 "tls.ciphersuites = %s: OpenSSL refused the "
				 "setting: %s",
				 suites, kf__tls_why(why, sizeof(why)));
	return 0;
}

static int kf__suites_apply(const char *suites, char *errstr,
			    size_t errstr_size)
{
	if (strlen(suites) > KF__SUITES_MAX)
		return kf_seterr(errstr, errstr_size, KF_EINVAL,
				 "tls.ciphersuites: at most %d bytes",
				 KF__SUITES_MAX);
	if (kf__suites_known(suites, errstr, errstr_size))
		return KF_EINVAL;
	if (kf__suites_system || !strcmp(kf__suites_ours, suites))
		return 0;
	if (!kf__suites_ours[0] && kf__suites_policy()) {
		kf__suites_system = 1;
		kf_info("tls",
			"tls.ciphersuites = %s is not applied: the system's "
			"OpenSSL configuration sets its own policy "
			"(system_default), which decides the TLS suites",
			suites);
		return 0;
	}
	if (kf__suites_load(suites, errstr, errstr_size))
		return KF_EINVAL;
	snprintf(kf__suites_ours, sizeof(kf__suites_ours), "%s", suites);
	return 0;
}

int kf_crypto_tls_suites(const char *suites, char *errstr, size_t errstr_size)
{
	int r;

	if (!suites || !*suites)
		return 0;
	/* the system's configuration first, so that its policy is seen */
	OPENSSL_init_ssl(OPENSSL_INIT_LOAD_CONFIG, NULL);
	pthread_mutex_lock(&kf__suites_lock);
	r = kf__suites_apply(suites, errstr, errstr_size);
	pthread_mutex_unlock(&kf__suites_lock);
	return r;
}
