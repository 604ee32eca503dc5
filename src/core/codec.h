/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Chunk compression (zstd) with an incompressible fallback, and the
 * XXH3-128 hashes of docs/protocol.md section 4.
 *
 * Compression contexts are pooled: a worker borrows one for a call and
 * gives it back, so memory is bounded by the number of workers, not by the
 * number of chunks in flight.
 *
 * @locality any thread; the pool is locked internally.
 */
#ifndef KF_CORE_CODEC_H
#define KF_CORE_CODEC_H

#include <stddef.h>
#include <stdint.h>

/* The codec of a chunk payload, as on the wire (docs/protocol.md). */
enum kf_codec_id {
	KF_CODEC_NONE = 0,
	KF_CODEC_ZSTD = 1
};

typedef struct kf_codec_pool_s kf_codec_pool_t;

/* Creates a pool for chunks of up to max_chunk raw bytes. level is the zstd
 * level used by kf_codec_compress. Caller owns it (kf_codec_pool_destroy). */
kf_codec_pool_t *kf_codec_pool_new(size_t max_chunk, int level);
void kf_codec_pool_destroy(kf_codec_pool_t *pool);

/* Compresses src[0..n) in place: on return the buffer holds either the zstd
 * frame (returns KF_CODEC_ZSTD, *out_len its size) or, when zstd did not
 * shrink the data enough to be worth it, the unchanged raw bytes (returns
 * KF_CODEC_NONE, *out_len == n). Returns a negative KF_E* code on failure. */
int kf_codec_compress(kf_codec_pool_t *pool, uint8_t *buf, size_t n,
		      size_t *out_len);

/* As kf_codec_compress, but data of at least KF_CODEC_PROBE_MIN bytes is
 * first probed: when its first KF_CODEC_PROBE_LEN bytes at zstd level 1 do
 * not save the same 1/32, the whole is left raw (KF_CODEC_NONE) without
 * being compressed. Smaller data (from 256 bytes) is probed whole by its
 * bytes' entropy and, unless that reads as noise, a fast zstd level, and
 * left raw when neither says it would save 1/32. For small files sent
 * whole: random data (media, archives, ciphertext) costs no compression,
 * at the price of leaving raw a file whose first bytes do not compress but
 * whose rest would, or (rarely) a small one that only zstd's full search,
 * or matches the entropy's sample does not see, would shrink. */
#define KF_CODEC_PROBE_LEN 4096u
#define KF_CODEC_PROBE_MIN (2 * KF_CODEC_PROBE_LEN)
int kf_codec_compress_probed(kf_codec_pool_t *pool, uint8_t *buf, size_t n,
			     size_t *out_len);

/* Decompresses one chunk payload of the given codec into dst, which must
 * hold exactly raw_len bytes. Fails with KF_EPROTO unless the payload
 * produces exactly raw_len bytes. */
int kf_codec_decompress(kf_codec_pool_t *pool, int codec, const void *src,
			size_t src_len, void *dst, size_t raw_len, char *errstr,
			size_t errstr_size);

/* XXH3-128 of a buffer, canonical big-endian form. */
void kf_hash128(const void *buf, size_t len, uint8_t out[16]);

/* Streaming XXH3-128. */
typedef struct kf_hasher_s kf_hasher_t;
kf_hasher_t *kf_hasher_new(void);
void kf_hasher_update(kf_hasher_t *h, const void *buf, size_t len);
void kf_hasher_final(const kf_hasher_t *h, uint8_t out[16]);
void kf_hasher_destroy(kf_hasher_t *h);

#endif /* KF_CORE_CODEC_H */
