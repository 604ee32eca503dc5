/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The cryptography of end-to-end protection (docs/protocol.md section 10),
 * all through OpenSSL 3's EVP interface: X25519 and Ed25519 keys in PEM
 * files, AES-256-GCM, key wrapping by X25519 + HKDF-SHA256 + AES-256-GCM,
 * Ed25519 signatures and SHA-256.
 *
 * Nothing here knows the wire format; proto/seal builds the frames.
 *
 * @locality any thread (worker threads in the engines: the loop thread
 * never calls in here); no shared state but OpenSSL's own, and the TLS
 * suites kf_crypto_tls_suites gave it.
 *
 * kf_crypto_tls_suites sets OpenSSL's TLS 1.3 suites for the process: this
 * file is the one that talks to OpenSSL.
 */
#ifndef KF_CORE_CRYPTO_H
#define KF_CORE_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#define KF_CRYPTO_KEY_LEN 32   /* AES-256 data key, X25519/Ed25519 raw keys */
#define KF_CRYPTO_NONCE_LEN 12 /* AES-GCM nonce */
#define KF_CRYPTO_TAG_LEN 16   /* AES-GCM tag */
#define KF_CRYPTO_KEYID_LEN 16 /* first half of SHA-256(raw public key) */
#define KF_CRYPTO_SIG_LEN 64   /* Ed25519 signature */
#define KF_CRYPTO_WRAPPED_LEN (KF_CRYPTO_KEY_LEN + KF_CRYPTO_TAG_LEN)
#define KF_CRYPTO_SHA256_LEN 32

enum kf_key_type {
	KF_KEY_X25519 = 1,
	KF_KEY_ED25519 = 2
};

/* A loaded key: a public key, or a private key with its public half. */
typedef struct kf_key_s {
	int type; /* enum kf_key_type */
	int has_private;
	struct evp_pkey_st *pkey;	 /* owned */
	uint8_t pub[KF_CRYPTO_KEY_LEN];	 /* raw public key */
	uint8_t id[KF_CRYPTO_KEYID_LEN]; /* key id: SHA-256(pub)[0..16) */
	char *path;			 /* owned; file it came from, or NULL */
} kf_key_t;

/* Reads a PEM key of the given type. want_private: the file must hold a
 * private key; else a public key (or a private key, whose public half is
 * used). Refused (KF_EINVAL, with what to run in errstr): an encrypted
 * private key (no passphrase is ever asked for), and a file holding a
 * private key that group or others may access (mode & 077, as ssh does).
 * Caller owns *out (kf_key_free). */
int kf_key_load(const char *path, int type, int want_private, kf_key_t **out,
		char *errstr, size_t errstr_size);
/* A key from raw bytes (tests, fuzzing). private_key: raw is the private
 * key, else the public key. */
int kf_key_from_raw(int type, const uint8_t raw[KF_CRYPTO_KEY_LEN],
		    int private_key, kf_key_t **out);
/* A fresh private key. */
int kf_key_new(int type, kf_key_t **out);
void kf_key_free(kf_key_t *k);

/* Writes a new private key to path (PEM, mode 0600, never over an existing
 * file) and its public key to path.pub (PEM, mode 0644); id (may be NULL)
 * receives its key id. */
int kf_key_generate(int type, const char *path, uint8_t id[KF_CRYPTO_KEYID_LEN],
		    char *errstr, size_t errstr_size);

/* Parses "x25519" or "ed25519"; returns the type or KF_EINVAL. */
int kf_key_type_parse(const char *name);

/* Formats a key id as 32 hex digits plus NUL. */
void kf_key_id_format(const uint8_t id[KF_CRYPTO_KEYID_LEN], char out[33]);

int kf_crypto_random(void *buf, size_t len);

/* AES-256-GCM. in and out may be the same buffer. decrypt returns
 * KF_ECRYPTO when the tag does not verify (out is then zeroed). */
int kf_aead_encrypt(const uint8_t key[KF_CRYPTO_KEY_LEN],
		    const uint8_t nonce[KF_CRYPTO_NONCE_LEN], const void *aad,
		    size_t aad_len, const uint8_t *in, size_t len, uint8_t *out,
		    uint8_t tag[KF_CRYPTO_TAG_LEN]);
int kf_aead_decrypt(const uint8_t key[KF_CRYPTO_KEY_LEN],
		    const uint8_t nonce[KF_CRYPTO_NONCE_LEN], const void *aad,
		    size_t aad_len, const uint8_t *in, size_t len, uint8_t *out,
		    const uint8_t tag[KF_CRYPTO_TAG_LEN]);

/* Wraps a data key for a recipient's X25519 public key with an ephemeral
 * X25519 private key: the key-encryption key is HKDF-SHA256(ECDH, salt,
 * "kferry key wrap" || eph_pub || recipient_pub). */
int kf_key_wrap(const kf_key_t *eph, const kf_key_t *recipient,
		const uint8_t salt[16], const uint8_t dk[KF_CRYPTO_KEY_LEN],
		uint8_t out[KF_CRYPTO_WRAPPED_LEN]);
/* The reverse, with the recipient's private key. KF_ECRYPTO if the wrapped
 * key does not authenticate. */
int kf_key_unwrap(const kf_key_t *priv,
		  const uint8_t eph_pub[KF_CRYPTO_KEY_LEN],
		  const uint8_t salt[16],
		  const uint8_t in[KF_CRYPTO_WRAPPED_LEN],
		  uint8_t dk[KF_CRYPTO_KEY_LEN]);

/* Ed25519 over msg. verify returns KF_ECRYPTO on a bad signature. */
int kf_sign(const kf_key_t *priv, const void *msg, size_t len,
	    uint8_t sig[KF_CRYPTO_SIG_LEN]);
int kf_verify(const uint8_t pub[KF_CRYPTO_KEY_LEN], const void *msg, size_t len,
	      const uint8_t sig[KF_CRYPTO_SIG_LEN]);

/* Returns 0, or KF_ECRYPTO (OpenSSL failed) with out zeroed. */
int kf_sha256(const void *buf, size_t len, uint8_t out[KF_CRYPTO_SHA256_LEN])
	__attribute__((warn_unused_result));

/* Streaming SHA-256. A failed update is remembered: every later update
 * and final report it (KF_ECRYPTO), so a tap that cannot return an error
 * may ignore update's result. */
typedef struct kf_sha256_s kf_sha256_t;
kf_sha256_t *kf_sha256_new(void);
int kf_sha256_update(kf_sha256_t *h, const void *buf, size_t len);
/* Does not change h: may be called more than once. Returns 0, or
 * KF_ECRYPTO with out zeroed. */
int kf_sha256_final(const kf_sha256_t *h, uint8_t out[KF_CRYPTO_SHA256_LEN])
	__attribute__((warn_unused_result));
void kf_sha256_free(kf_sha256_t *h);

/* Why a TLS peer's certificate was refused, as the operator can act on
 * it. kafka/security words the message; the OpenSSL numbers stay here. */
enum kf_cert_refusal {
	KF_CERT_OK = 0,	    /* not refused */
	KF_CERT_WRONG_HOST, /* not valid for the name or address used */
	KF_CERT_UNTRUSTED,  /* not signed by a trusted CA */
	KF_CERT_TIME,	    /* expired or not yet valid */
	KF_CERT_OTHER	    /* any other verify error */
};

/* Classifies an OpenSSL certificate verify error number (X509_V_*, what
 * librdkafka's ssl.certificate.verify_cb receives). */
enum kf_cert_refusal kf_crypto_cert_refusal(int x509_error);

/* tls.ciphersuites (kafka/security.c): makes every OpenSSL context the process creates from now on offer the
 * TLS 1.3 suites of the ':'-separated list suites (librdkafka 2.0 sets only
 * TLS 1.2's cipher list; its contexts take TLS 1.3's from OpenSSL's
 * configuration). Leaves OpenSSL alone, and says so at info level, when the
 * system's OpenSSL configuration has a policy of its own. Fails on a name
 * OpenSSL does not know as a TLS 1.3 suite.
 * @locality any thread (serialised inside) */
int kf_crypto_tls_suites(const char *suites, char *errstr, size_t errstr_size);

#endif /* KF_CORE_CRYPTO_H */
