/* SPDX-License-Identifier: Apache-2.0 */
#include "core/codec.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>
#include <zstd.h>

#include "common/err.h"

/* Compressed output must save at least 1/32 of the input to be sent
 * compressed: below that the receiver's decompression costs more than the
 * bytes saved on the wire. */
#define KF__MIN_SAVING_SHIFT 5
/* The probe of data below KF_CODEC_PROBE_MIN (kf__small_worth): from
 * KF__SMALL_MIN bytes, below which zstd is simply tried. */
#define KF__FAST_LEVEL (-5)
#define KF__SMALL_MIN 256u
#define KF__ORDER0_SAMPLE 1024u

struct kf__cctx {
	ZSTD_CCtx *cctx;
	ZSTD_CCtx *probe; /* level 1, for kf_codec_compress_probed */
	ZSTD_CCtx *fast;  /* KF__FAST_LEVEL, for kf__small_worth */
	ZSTD_DCtx *dctx;
	uint8_t *scratch; /* compression output, ZSTD_compressBound bytes */
	struct kf__cctx *next;
};

struct kf_codec_pool_s {
	pthread_mutex_t lock;
	struct kf__cctx *free; /* idle contexts */
	size_t scratch_cap;
	int level;
};

kf_codec_pool_t *kf_codec_pool_new(size_t max_chunk, int level)
{
	kf_codec_pool_t *pool = calloc(1, sizeof(*pool));

	if (!pool)
		return NULL;
	pthread_mutex_init(&pool->lock, NULL);
	pool->scratch_cap = ZSTD_compressBound(max_chunk);
	pool->level = level;
	return pool;
}

static void kf__cctx_destroy(struct kf__cctx *c)
{
	ZSTD_freeCCtx(c->cctx);
	ZSTD_freeCCtx(c->probe);
	ZSTD_freeCCtx(c->fast);
	ZSTD_freeDCtx(c->dctx);
	free(c->scratch);
	free(c);
}

void kf_codec_pool_destroy(kf_codec_pool_t *pool)
{
	struct kf__cctx *c, *next;

	if (!pool)
		return;
	for (c = pool->free; c; c = next) {
		next = c->next;
		kf__cctx_destroy(c);
	}
	pthread_mutex_destroy(&pool->lock);
	free(pool);
}

/* Borrows an idle context, creating one if none is idle; the number alive
 * never exceeds the number of threads calling at once. */
static struct kf__cctx *kf__borrow(kf_codec_pool_t *pool)
{
	struct kf__cctx *c;

	pthread_mutex_lock(&pool->lock);
	c = pool->free;
	if (c)
		pool->free = c->next;
	pthread_mutex_unlock(&pool->lock);
	if (c)
		return c;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->cctx = ZSTD_createCCtx();
	c->probe = ZSTD_createCCtx();
	c->fast = ZSTD_createCCtx();
	c->dctx = ZSTD_createDCtx();
	if (!c->cctx || !c->probe || !c->fast || !c->dctx) {
		kf__cctx_destroy(c);
		return NULL;
	}
	ZSTD_CCtx_setParameter(c->cctx, ZSTD_c_compressionLevel, pool->level);
	ZSTD_CCtx_setParameter(c->cctx, ZSTD_c_contentSizeFlag, 1);
	ZSTD_CCtx_setParameter(c->cctx, ZSTD_c_checksumFlag, 0);
	ZSTD_CCtx_setParameter(c->probe, ZSTD_c_compressionLevel, 1);
	ZSTD_CCtx_setParameter(c->fast, ZSTD_c_compressionLevel,
			       KF__FAST_LEVEL);
	return c;
}

static void kf__give_back(kf_codec_pool_t *pool, struct kf__cctx *c)
{
	pthread_mutex_lock(&pool->lock);
	c->next = pool->free;
	pool->free = c;
	pthread_mutex_unlock(&pool->lock);
}

/* Saves the 1/32 that makes compressed data worth sending. */
static int kf__worth(size_t compressed, size_t n)
{
	return compressed < n - (n >> KF__MIN_SAVING_SHIFT);
}

int kf_codec_compress(kf_codec_pool_t *pool, uint8_t *buf, size_t n,
		      size_t *out_len)
{
	struct kf__cctx *c = kf__borrow(pool);
	size_t r;

	if (!c)
		return KF_ENOMEM;
	if (!c->scratch && !(c->scratch = malloc(pool->scratch_cap))) {
		kf__give_back(pool, c);
		return KF_ENOMEM;
	}
	r = ZSTD_compress2(c->cctx, c->scratch, pool->scratch_cap, buf, n);
	if (!ZSTD_isError(r) && kf__worth(r, n)) {
		memcpy(buf, c->scratch, r);
		*out_len = r;
		kf__give_back(pool, c);
		return KF_CODEC_ZSTD;
	}
	kf__give_back(pool, c);
	*out_len = n;
	return KF_CODEC_NONE;
}

/* c * log2(c) for the counts of up to KF_CODEC_PROBE_MIN bytes, filled once
 * (kf__order0_verdict). */
static float kf__clog[KF_CODEC_PROBE_MIN + 1];
static pthread_once_t kf__clog_once = PTHREAD_ONCE_INIT;

static void kf__clog_fill(void)
{
	size_t c;

	for (c = 1; c <= KF_CODEC_PROBE_MIN; c++)
		kf__clog[c] = (float)c * log2f((float)c);
}

/* What the order-0 entropy of a sample says of data under
 * KF_CODEC_PROBE_MIN (kf__order0_verdict). */
enum kf__order0 {
	KF__ORDER0_SHRINKS, /* coding bytes by frequency saves the 1/32 */
	KF__ORDER0_MAYBE,   /* it does not; repeats might (ask zstd) */
	KF__ORDER0_RANDOM   /* it does not, and the bytes look like noise */
};

/* Would coding each byte by its frequency (what zstd's Huffman literals
 * approach) save the 1/32? Judged on up to KF__ORDER0_SAMPLE bytes spread
 * over b[0, n), n <= KF_CODEC_PROBE_MIN: the order-0 entropy of the sample
 * (m bytes), sum of c * log2(m / c) bits, plus 256 bits for the table.
 * A sample reads a little low, which errs towards trying zstd.
 *
 * When it does not save the 1/32, an estimate of at least m * 8 bits says
 * the sample looks like noise: random bytes read 51 to 65 bits above m * 8
 * (the sample's shortfall is less than the table's 256), 17 bits one
 * standard deviation, so noise almost never reads below it, while data
 * made of repeated runs of noise (which only zstd's matches find) reads
 * below, each byte of the sample seen more often than noise would be.
 * On the files under 8 KiB of this project's Debian build host (265,402),
 * 28,449 read no saving, 24,706 of them as noise; the fast zstd level
 * would have shrunk 4 of those (gzip files, by 4 to 8%), and 139 of the
 * other 3,743. Noise skips zstd. */
static enum kf__order0 kf__order0_verdict(const uint8_t *b, size_t n)
{
	size_t step = n > KF__ORDER0_SAMPLE ? n / KF__ORDER0_SAMPLE : 1;
	size_t i, m = (n + step - 1) / step;
	uint16_t h[2][256] = {{0}};
	float bits = 0;

	pthread_once(&kf__clog_once, kf__clog_fill);
	if (step == 1) {
		/* four bytes a turn (half the instructions a byte of the
		 * plain loop), into two tables so that a byte repeated (text)
		 * waits less on the count it just stored */
		for (i = 0; i + 4 <= n; i += 4) {
			h[0][b[i]]++;
			h[1][b[i + 1]]++;
			h[0][b[i + 2]]++;
			h[1][b[i + 3]]++;
		}
		for (; i < n; i++)
			h[0][b[i]]++;
	} else {
		for (i = 0; i < n; i += step)
			h[0][b[i]]++;
	}
	for (i = 0; i < 256; i++) /* vectorized */
		h[0][i] += h[1][i];
	for (i = 0; i < 256; i += 4) /* in order: the same sum as one by one */
		bits = bits + kf__clog[h[0][i]] + kf__clog[h[0][i + 1]] +
		       kf__clog[h[0][i + 2]] + kf__clog[h[0][i + 3]];
	bits = kf__clog[m] - bits + 256;
	if (bits < (float)(m * 8 - ((m * 8) >> KF__MIN_SAVING_SHIFT)))
		return KF__ORDER0_SHRINKS;
	return bits < (float)(m * 8) ? KF__ORDER0_MAYBE : KF__ORDER0_RANDOM;
}

/* Is data below KF_CODEC_PROBE_MIN worth zstd? zstd's fixed cost per call
 * (its Huffman attempt on literals) is 10 to 12 us on 1 to 4 KiB of random
 * bytes: a fast level (repeats, no literal coding) and the bytes' entropy
 * (literal coding) answer in a quarter of that, and rarely differ from
 * zstd itself (the first 8 KiB of 20,000 files of a Debian system: 8
 * left raw that zstd level 3 would have shrunk by 1/32). The entropy goes
 * first: it costs less than the fast level and says yes to most data that
 * compresses (text, code), which then skips the fast level, and no to
 * noise (media, archives, ciphertext), which skips it too. */
static int kf__small_worth(struct kf__cctx *c, size_t cap, const uint8_t *buf,
			   size_t n)
{
	size_t r;

	switch (kf__order0_verdict(buf, n)) {
	case KF__ORDER0_SHRINKS:
		return 1;
	case KF__ORDER0_RANDOM:
		return 0;
	case KF__ORDER0_MAYBE:
		break;
	}
	r = ZSTD_compress2(c->fast, c->scratch, cap, buf, n);
	return !ZSTD_isError(r) && kf__worth(r, n);
}

int kf_codec_compress_probed(kf_codec_pool_t *pool, uint8_t *buf, size_t n,
			     size_t *out_len)
{
	struct kf__cctx *c;
	size_t r;
	int worth;

	if (n < KF__SMALL_MIN)
		return kf_codec_compress(pool, buf, n, out_len);
	c = kf__borrow(pool);
	if (!c)
		return KF_ENOMEM;
	if (!c->scratch && !(c->scratch = malloc(pool->scratch_cap))) {
		kf__give_back(pool, c);
		return KF_ENOMEM;
	}
	if (n < KF_CODEC_PROBE_MIN) {
		worth = kf__small_worth(c, pool->scratch_cap, buf, n);
	} else {
		r = ZSTD_compress2(c->probe, c->scratch, pool->scratch_cap, buf,
				   KF_CODEC_PROBE_LEN);
		worth = !ZSTD_isError(r) && kf__worth(r, KF_CODEC_PROBE_LEN);
	}
	kf__give_back(pool, c);
	if (!worth) {
		*out_len = n;
		return KF_CODEC_NONE;
	}
	return kf_codec_compress(pool, buf, n, out_len);
}

int kf_codec_decompress(kf_codec_pool_t *pool, int codec, const void *src,
			size_t src_len, void *dst, size_t raw_len, char *errstr,
			size_t errstr_size)
{
	struct kf__cctx *c;
	unsigned long long fcs;
	size_t r;

	if (codec == KF_CODEC_NONE) {
		if (src_len != raw_len)
			return kf_seterr(
				errstr, errstr_size, KF_EPROTO,
				"raw chunk carries %zu bytes, expected "
				"%zu",
				src_len, raw_len);
		memcpy(dst, src, raw_len);
		return 0;
	}
	if (codec != KF_CODEC_ZSTD)
		return kf_seterr(errstr, errstr_size, KF_EPROTO,
				 "unknown codec %d", codec);
	/* Exactly one frame, announcing the right size, before decoding. */
	fcs = ZSTD_getFrameContentSize(src, src_len);
	if (fcs == ZSTD_CONTENTSIZE_ERROR ||
	    ZSTD_findFrameCompressedSize(src, src_len) != src_len)
		return kf_seterr(errstr, errstr_size, KF_EPROTO,
				 "payload is not exactly one zstd frame");
	if (fcs != ZSTD_CONTENTSIZE_UNKNOWN && fcs != raw_len)
		return kf_seterr(errstr, errstr_size, KF_EPROTO,
				 "zstd frame announces %llu bytes, chunk says "
				 "%zu",
				 fcs, raw_len);
	c = kf__borrow(pool);
	if (!c)
		return KF_ENOMEM;
	r = ZSTD_decompressDCtx(c->dctx, dst, raw_len, src, src_len);
	kf__give_back(pool, c);
	if (ZSTD_isError(r))
		return kf_seterr(errstr, errstr_size, KF_EPROTO, "zstd: %s",
				 ZSTD_getErrorName(r));
	if (r != raw_len)
		return kf_seterr(errstr, errstr_size, KF_EPROTO,
				 "zstd frame holds %zu bytes, expected %zu", r,
				 raw_len);
	return 0;
}

void kf_hash128(const void *buf, size_t len, uint8_t out[16])
{
	XXH128_canonical_t canon;

	XXH128_canonicalFromHash(&canon, XXH3_128bits(buf, len));
	memcpy(out, canon.digest, 16);
}

struct kf_hasher_s {
	XXH3_state_t *st;
};

kf_hasher_t *kf_hasher_new(void)
{
	kf_hasher_t *h = malloc(sizeof(*h));

	if (!h)
		return NULL;
	h->st = XXH3_createState();
	if (!h->st) {
		free(h);
		return NULL;
	}
	XXH3_128bits_reset(h->st);
	return h;
}

void kf_hasher_update(kf_hasher_t *h, const void *buf, size_t len)
{
	XXH3_128bits_update(h->st, buf, len);
}

void kf_hasher_final(const kf_hasher_t *h, uint8_t out[16])
{
	XXH128_canonical_t canon;

	XXH128_canonicalFromHash(&canon, XXH3_128bits_digest(h->st));
	memcpy(out, canon.digest, 16);
}

void kf_hasher_destroy(kf_hasher_t *h)
{
	if (!h)
		return;
	XXH3_freeState(h->st);
	free(h);
}
