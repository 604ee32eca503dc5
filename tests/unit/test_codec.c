/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of src/core/codec.c: per-chunk zstd with the raw fallback,
 * the decoder's refusal of payloads that break docs/protocol.md section
 * 3.3, the XXH3-128 hashes of section 4 (checked against xxhash.h itself
 * and against fixed vectors), and the context pool under concurrent use.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>
#include <zstd.h>

#include "config/conf.h"
#include "core/codec.h"
#include "kferry/kferry.h"

#include "kf_test.h"

#define KIB 1024u
#define MAX_CHUNK (1u << 20)
#define LEVEL 3

static char errbuf[512];

static const uint8_t ZSTD_MAGIC[4] = {0x28, 0xb5, 0x2f, 0xfd};

static int setup(void **state)
{
	kf_codec_pool_t *pool = kf_codec_pool_new(MAX_CHUNK, LEVEL);

	if (!pool)
		return -1;
	*state = pool;
	return 0;
}

static int teardown(void **state)
{
	kf_codec_pool_destroy(*state);
	return 0;
}

static int decompress(kf_codec_pool_t *pool, int codec, const void *src,
		      size_t src_len, void *dst, size_t raw_len)
{
	errbuf[0] = '\0';
	return kf_codec_decompress(pool, codec, src, src_len, dst, raw_len,
				   errbuf, sizeof(errbuf));
}

/* xxhash.h's own XXH3-128, canonical form: the reference. */
static void ref_hash(const void *buf, size_t len, uint8_t out[16])
{
	XXH128_canonical_t c;

	XXH128_canonicalFromHash(&c, XXH3_128bits(buf, len));
	memcpy(out, c.digest, 16);
}

static void hex_to_bytes(const char *hex, uint8_t out[16])
{
	unsigned i, v;

	for (i = 0; i < 16; i++) {
		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
}

/* A zstd frame of src made by libzstd directly; content_size=0 leaves the
 * frame's content size out, as a streaming compressor may. Returns the
 * malloc'ed frame with *len its size. */
static uint8_t *ref_frame(const void *src, size_t n, int content_size,
			  size_t *len)
{
	ZSTD_CCtx *cctx = ZSTD_createCCtx();
	size_t cap = ZSTD_compressBound(n), r;
	uint8_t *out = malloc(cap);

	assert_non_null(cctx);
	assert_non_null(out);
	assert_false(ZSTD_isError(
		ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, LEVEL)));
	assert_false(ZSTD_isError(ZSTD_CCtx_setParameter(
		cctx, ZSTD_c_contentSizeFlag, content_size)));
	if (content_size) {
		r = ZSTD_compress2(cctx, out, cap, src, n);
	} else {
		/* streaming without a pledged size: the header has no size */
		ZSTD_inBuffer in = {src, n, 0};
		ZSTD_outBuffer o = {out, cap, 0};

		r = ZSTD_compressStream2(cctx, &o, &in, ZSTD_e_end);
		assert_int_equal(r, 0);
		r = o.pos;
	}
	assert_false(ZSTD_isError(r));
	ZSTD_freeCCtx(cctx);
	*len = r;
	return out;
}

/* ------------------------------------------------------------------ */
/* compression */

static void test_compress_roundtrip(void **state)
{
	static const size_t sizes[] = {4 * KIB, 64 * KIB + 1, 300 * KIB,
				       MAX_CHUNK};
	kf_codec_pool_t *pool = *state;
	uint8_t *orig = malloc(MAX_CHUNK), *buf = malloc(MAX_CHUNK);
	uint8_t *dst;
	uint32_t seed = 1;
	size_t i, n, out_len;

	assert_non_null(orig);
	assert_non_null(buf);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		n = sizes[i];
		kf_test_text(orig, n, &seed);
		memcpy(buf, orig, n);
		out_len = 0;
		assert_int_equal(kf_codec_compress(pool, buf, n, &out_len),
				 KF_CODEC_ZSTD);
		/* smaller by at least the 1/32 the codec asks for */
		assert_true(out_len > 0);
		assert_true(out_len < n - n / 32);
		/* one zstd frame that announces its content size */
		assert_memory_equal(buf, ZSTD_MAGIC, 4);
		assert_int_equal(ZSTD_findFrameCompressedSize(buf, out_len),
				 out_len);
		assert_int_equal(ZSTD_getFrameContentSize(buf, out_len), n);

		/* exactly raw_len bytes of destination: ASan sees overruns */
		dst = malloc(n);
		assert_non_null(dst);
		assert_int_equal(
			decompress(pool, KF_CODEC_ZSTD, buf, out_len, dst, n),
			0);
		assert_memory_equal(dst, orig, n);
		free(dst);
	}
	free(orig);
	free(buf);
}

static void test_compress_incompressible(void **state)
{
	static const size_t sizes[] = {1, 31, 4 * KIB, 64 * KIB, MAX_CHUNK};
	kf_codec_pool_t *pool = *state;
	uint8_t *orig = malloc(MAX_CHUNK), *buf = malloc(MAX_CHUNK), *dst;
	uint32_t seed = 7;
	size_t i, n, out_len;

	assert_non_null(orig);
	assert_non_null(buf);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		n = sizes[i];
		kf_test_noise(orig, n, &seed);
		memcpy(buf, orig, n);
		out_len = 12345;
		assert_int_equal(kf_codec_compress(pool, buf, n, &out_len),
				 KF_CODEC_NONE);
		assert_int_equal(out_len, n);
		assert_memory_equal(buf, orig, n);

		/* and it travels as codec none */
		dst = malloc(n);
		assert_non_null(dst);
		assert_int_equal(
			decompress(pool, KF_CODEC_NONE, buf, n, dst, n), 0);
		assert_memory_equal(dst, orig, n);
		free(dst);
	}
	free(orig);
	free(buf);
}

/* A documented price of the probe: orig[0, n) is left raw (buf holds it
 * unchanged) although zstd shrinks it. Returns zstd's size. */
static size_t probe_price(kf_codec_pool_t *pool, uint8_t *buf,
			  const uint8_t *orig, size_t n)
{
	size_t out_len;

	memcpy(buf, orig, n);
	assert_int_equal(kf_codec_compress_probed(pool, buf, n, &out_len),
			 KF_CODEC_NONE);
	assert_memory_equal(buf, orig, n);
	assert_int_equal(kf_codec_compress(pool, buf, n, &out_len),
			 KF_CODEC_ZSTD);
	return out_len;
}

/* The probed form: random data of probe size or more is left raw (the
 * probe said so), text is compressed exactly as unprobed, and data whose
 * first KF_CODEC_PROBE_LEN bytes are random is left raw whatever follows
 * (the documented price); below KF_CODEC_PROBE_MIN nothing is probed. */
static void test_compress_probed(void **state)
{
	static const size_t sizes[] = {KF_CODEC_PROBE_MIN - 1,
				       KF_CODEC_PROBE_MIN, 64 * KIB};
	kf_codec_pool_t *pool = *state;
	uint8_t *orig = malloc(64 * KIB), *buf = malloc(64 * KIB);
	uint8_t *ref = malloc(64 * KIB);
	size_t i, n, out_len, ref_len;
	uint32_t seed = 3;

	assert_non_null(orig);
	assert_non_null(buf);
	assert_non_null(ref);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		n = sizes[i];
		kf_test_noise(orig, n, &seed);
		memcpy(buf, orig, n);
		assert_int_equal(
			kf_codec_compress_probed(pool, buf, n, &out_len),
			KF_CODEC_NONE);
		assert_int_equal(out_len, n);
		assert_memory_equal(buf, orig, n);

		kf_test_text(orig, n, &seed);
		memcpy(buf, orig, n);
		memcpy(ref, orig, n);
		assert_int_equal(
			kf_codec_compress_probed(pool, buf, n, &out_len),
			KF_CODEC_ZSTD);
		assert_int_equal(kf_codec_compress(pool, ref, n, &ref_len),
				 KF_CODEC_ZSTD);
		assert_int_equal(out_len, ref_len);
		assert_memory_equal(buf, ref, out_len);
	}
	/* random head, zeros after: unprobed it compresses, probed not */
	n = 64 * KIB;
	kf_test_noise(orig, KF_CODEC_PROBE_LEN, &seed);
	memset(orig + KF_CODEC_PROBE_LEN, 0, n - KF_CODEC_PROBE_LEN);
	probe_price(pool, buf, orig, n);
	free(orig);
	free(buf);
	free(ref);
}

/* Below KF_CODEC_PROBE_MIN the probe is the bytes' entropy, then a fast
 * zstd level: random data is left raw; data that compresses by repeats only
 * (random bytes, then the same again) or by skewed bytes only (random
 * symbols of a 16-letter alphabet) is compressed, and comes back whole. */
static void test_compress_probed_small(void **state)
{
	static const size_t sizes[] = {256, 1000, 1024, 4096,
				       KF_CODEC_PROBE_MIN - 1};
	kf_codec_pool_t *pool = *state;
	uint8_t orig[KF_CODEC_PROBE_MIN], buf[KF_CODEC_PROBE_MIN];
	uint8_t back[KF_CODEC_PROBE_MIN];
	size_t i, k, n, out_len;
	uint32_t seed = 11;
	int kind;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		n = sizes[i];
		for (kind = 0; kind < 3; kind++) {
			kf_test_noise(orig, n, &seed);
			if (kind == 1) /* random, then the same again */
				for (k = n / 2; k < n; k++)
					orig[k] = orig[k - n / 2];
			if (kind == 2) /* 4 random bits a byte */
				for (k = 0; k < n; k++)
					orig[k] =
						(uint8_t)('a' + (orig[k] & 15));
			memcpy(buf, orig, n);
			assert_int_equal(kf_codec_compress_probed(pool, buf, n,
								  &out_len),
					 kind ? KF_CODEC_ZSTD : KF_CODEC_NONE);
			if (!kind) {
				assert_memory_equal(buf, orig, n);
				continue;
			}
			assert_true(out_len < n);
			EXPECT_OK(kf_codec_decompress(pool, KF_CODEC_ZSTD, buf,
						      out_len, back, n, errbuf,
						      sizeof(errbuf)));
			assert_memory_equal(back, orig, n);
		}
	}
	/* The price of skipping zstd on what the entropy calls noise:
	 * 2 KiB of noise, then the same one byte later, so that the sample
	 * (every fourth byte of 4 KiB) holds no byte twice. zstd would
	 * halve it; the probe leaves it raw. */
	n = 4096;
	kf_test_noise(orig, 2049, &seed);
	for (k = 2049; k < n; k++)
		orig[k] = orig[k - 2047];
	assert_true(probe_price(pool, buf, orig, n) < n * 3 / 5);
}

/* docs/architecture.md: data zstd cannot shrink by 1/32 is sent raw. The
 * buffers are noise with a run of zeros in front, so that the saving
 * grows with the run and crosses the threshold; libzstd's own size at the
 * same level decides what the codec must answer. */
static void test_compress_threshold(void **state)
{
	static const size_t runs[] = {0,       512,	      1 * KIB, 1536,
				      2 * KIB, 2 * KIB + 256, 2560,    3 * KIB,
				      4 * KIB, 8 * KIB,	      32 * KIB};
	const size_t n = 64 * KIB;
	kf_codec_pool_t *pool = *state;
	uint8_t *orig = malloc(n), *buf = malloc(n), *ref;
	int seen_raw = 0, seen_zstd = 0, want, got;
	size_t i, out_len, ref_len;
	uint32_t seed = 99;

	assert_non_null(orig);
	assert_non_null(buf);
	for (i = 0; i < sizeof(runs) / sizeof(runs[0]); i++) {
		memset(orig, 0, runs[i]);
		kf_test_noise(orig + runs[i], n - runs[i], &seed);
		ref = ref_frame(orig, n, 1, &ref_len);
		want = ref_len < n - n / 32 ? KF_CODEC_ZSTD : KF_CODEC_NONE;
		memcpy(buf, orig, n);
		got = kf_codec_compress(pool, buf, n, &out_len);
		if (got != want)
			fail_msg("run of %zu zeros: zstd makes %zu of %zu bytes"
				 ", codec said %d, expected %d",
				 runs[i], ref_len, n, got, want);
		if (want == KF_CODEC_ZSTD) {
			seen_zstd = 1;
			assert_int_equal(out_len, ref_len);
		} else {
			seen_raw = 1;
			assert_int_equal(out_len, n);
			assert_memory_equal(buf, orig, n);
		}
		free(ref);
	}
	/* the runs straddle the threshold */
	assert_true(seen_raw);
	assert_true(seen_zstd);
	free(orig);
	free(buf);
}

static void test_compress_empty(void **state)
{
	kf_codec_pool_t *pool = *state;
	uint8_t buf[1] = {0x5a};
	size_t out_len = 99;

	assert_int_equal(kf_codec_compress(pool, buf, 0, &out_len),
			 KF_CODEC_NONE);
	assert_int_equal(out_len, 0);
	assert_int_equal(buf[0], 0x5a);
}

/* ------------------------------------------------------------------ */
/* decompression refuses */

static void test_decompress_wrong_raw_len(void **state)
{
	const size_t n = 100 * KIB;
	kf_codec_pool_t *pool = *state;
	uint8_t *buf = malloc(n), *dst;
	uint32_t seed = 3;
	size_t out_len;

	assert_non_null(buf);
	kf_test_text(buf, n, &seed);
	assert_int_equal(kf_codec_compress(pool, buf, n, &out_len),
			 KF_CODEC_ZSTD);

	dst = malloc(n - 1);
	assert_non_null(dst);
	EXPECT_ERR(decompress(pool, KF_CODEC_ZSTD, buf, out_len, dst, n - 1),
		   KF_EPROTO, "announces 102400 bytes");
	free(dst);
	dst = malloc(n + 1);
	assert_non_null(dst);
	EXPECT_ERR(decompress(pool, KF_CODEC_ZSTD, buf, out_len, dst, n + 1),
		   KF_EPROTO, "chunk says 102401");
	free(dst);
	dst = malloc(1);
	assert_non_null(dst);
	EXPECT_ERR(decompress(pool, KF_CODEC_ZSTD, buf, out_len, dst, 1),
		   KF_EPROTO, "announces");
	free(dst);
	free(buf);
}

/* A frame without a content size is decoded, and must still produce
 * exactly raw_len bytes: no more (never past dst), no fewer. */
static void test_decompress_frame_without_size(void **state)
{
	const size_t n = 50 * KIB;
	kf_codec_pool_t *pool = *state;
	uint8_t *orig = malloc(n), *frame, *dst;
	uint32_t seed = 4;
	size_t len;

	assert_non_null(orig);
	kf_test_text(orig, n, &seed);
	frame = ref_frame(orig, n, 0, &len);
	assert_int_equal(ZSTD_getFrameContentSize(frame, len),
			 ZSTD_CONTENTSIZE_UNKNOWN);

	dst = malloc(n);
	assert_non_null(dst);
	EXPECT_OK(decompress(pool, KF_CODEC_ZSTD, frame, len, dst, n));
	assert_memory_equal(dst, orig, n);
	free(dst);

	dst = malloc(n - 1);
	assert_non_null(dst);
	assert_int_equal(
		decompress(pool, KF_CODEC_ZSTD, frame, len, dst, n - 1),
		KF_EPROTO);
	assert_true(errbuf[0] != '\0');
	free(dst);

	dst = malloc(n + 100);
	assert_non_null(dst);
	EXPECT_ERR(decompress(pool, KF_CODEC_ZSTD, frame, len, dst, n + 100),
		   KF_EPROTO, "holds 51200 bytes, expected 51300");
	free(dst);
	free(frame);
	free(orig);
}

static void test_decompress_truncated(void **state)
{
	const size_t n = 64 * KIB;
	kf_codec_pool_t *pool = *state;
	uint8_t *buf = malloc(n), *dst = malloc(n), *cut;
	uint32_t seed = 5;
	size_t out_len, cuts[6], i;

	assert_non_null(buf);
	assert_non_null(dst);
	kf_test_text(buf, n, &seed);
	assert_int_equal(kf_codec_compress(pool, buf, n, &out_len),
			 KF_CODEC_ZSTD);
	cuts[0] = 0;
	cuts[1] = 3; /* inside the magic */
	cuts[2] = 6; /* inside the frame header */
	cuts[3] = out_len / 2;
	cuts[4] = out_len - 3;
	cuts[5] = out_len - 1;
	for (i = 0; i < 6; i++) {
		/* a copy of exactly the cut length: no reading past it */
		cut = malloc(cuts[i] ? cuts[i] : 1);
		assert_non_null(cut);
		memcpy(cut, buf, cuts[i]);
		errbuf[0] = '\0';
		if (decompress(pool, KF_CODEC_ZSTD, cut, cuts[i], dst, n) !=
		    KF_EPROTO)
			fail_msg("frame of %zu bytes cut to %zu accepted",
				 out_len, cuts[i]);
		assert_true(errbuf[0] != '\0');
		free(cut);
	}
	free(buf);
	free(dst);
}

static void test_decompress_garbage(void **state)
{
	const size_t n = 16 * KIB;
	kf_codec_pool_t *pool = *state;
	uint8_t *junk = malloc(n), *dst = malloc(n);
	uint32_t seed = 6;
	int i;

	assert_non_null(junk);
	assert_non_null(dst);
	for (i = 0; i < 50; i++) {
		kf_test_noise(junk, n, &seed);
		/* half of them look like a zstd frame for a moment */
		if (i % 2)
			memcpy(junk, ZSTD_MAGIC, 4);
		errbuf[0] = '\0';
		assert_int_equal(
			decompress(pool, KF_CODEC_ZSTD, junk, n, dst, n),
			KF_EPROTO);
		assert_true(errbuf[0] != '\0');
	}
	free(junk);
	free(dst);
}

/* docs/protocol.md 3.3: a zstd payload is ONE frame. Two frames that add
 * up to raw_len, or a frame followed by a skippable frame, are not. */
static void test_decompress_rejects_more_than_one_frame(void **state)
{
	const size_t half = 8 * KIB, n = 2 * half;
	static const uint8_t skippable[12] = {0x50, 0x2a, 0x4d, 0x18, 4,   0,
					      0,    0,	  'j',	'u',  'n', 'k'};
	kf_codec_pool_t *pool = *state;
	uint8_t *orig = malloc(n), *f1, *f2, *one, *two, *dst = malloc(n);
	uint32_t seed = 8;
	size_t l1, l2, l;
	int r_two, r_skip;

	assert_non_null(orig);
	assert_non_null(dst);
	kf_test_text(orig, n, &seed);
	/* no content size in the first: the size check cannot catch it */
	f1 = ref_frame(orig, half, 0, &l1);
	f2 = ref_frame(orig + half, half, 0, &l2);
	two = malloc(l1 + l2);
	assert_non_null(two);
	memcpy(two, f1, l1);
	memcpy(two + l1, f2, l2);
	r_two = decompress(pool, KF_CODEC_ZSTD, two, l1 + l2, dst, n);

	one = ref_frame(orig, n, 1, &l);
	one = realloc(one, l + sizeof(skippable));
	assert_non_null(one);
	memcpy(one + l, skippable, sizeof(skippable));
	r_skip = decompress(pool, KF_CODEC_ZSTD, one, l + sizeof(skippable),
			    dst, n);
	/* the frame alone is fine */
	EXPECT_OK(decompress(pool, KF_CODEC_ZSTD, one, l, dst, n));
	assert_memory_equal(dst, orig, n);

	free(f1);
	free(f2);
	free(two);
	free(one);
	free(orig);
	free(dst);
	if (r_two != KF_EPROTO || r_skip != KF_EPROTO)
		fail_msg("payloads of more than one frame: two zstd frames -> "
			 "%d, a frame and a skippable frame -> %d; expected "
			 "KF_EPROTO (%d) for both",
			 r_two, r_skip, KF_EPROTO);
}

static void test_decompress_none_wrong_length(void **state)
{
	kf_codec_pool_t *pool = *state;
	uint8_t src[100], dst[101];

	memset(src, 'r', sizeof(src));
	memset(dst, 0xee, sizeof(dst));
	EXPECT_ERR(decompress(pool, KF_CODEC_NONE, src, 100, dst, 101),
		   KF_EPROTO, "raw chunk carries 100 bytes, expected 101");
	EXPECT_ERR(decompress(pool, KF_CODEC_NONE, src, 100, dst, 99),
		   KF_EPROTO, "expected 99");
	/* nothing copied on refusal */
	assert_int_equal(dst[0], 0xee);
	assert_int_equal(dst[100], 0xee);
	EXPECT_OK(decompress(pool, KF_CODEC_NONE, src, 100, dst, 100));
	assert_memory_equal(dst, src, 100);
	assert_int_equal(dst[100], 0xee);
}

static void test_decompress_unknown_codec(void **state)
{
	static const int codecs[] = {2, 3, 255, -1};
	kf_codec_pool_t *pool = *state;
	uint8_t src[64], dst[64];
	size_t i;

	memset(src, 1, sizeof(src));
	for (i = 0; i < sizeof(codecs) / sizeof(codecs[0]); i++)
		EXPECT_ERR(decompress(pool, codecs[i], src, 64, dst, 64),
			   KF_EPROTO, "unknown codec");
}

/* ------------------------------------------------------------------ */
/* hashes */

/* Vectors printed by the xxhsum tool (xxhsum -H2), independent of this
 * library. */
static void test_hash_fixed_vectors(void **state)
{
	uint8_t want[16], got[16];

	(void)state;
	hex_to_bytes("99aa06d3014798d86001c324468d497f", want);
	kf_hash128("", 0, got);
	assert_memory_equal(got, want, 16);

	hex_to_bytes("06b05ab6733a618578af5f94892f3950", want);
	kf_hash128("abc", 3, got);
	assert_memory_equal(got, want, 16);
}

/* Every length class of XXH3 (0, 1-3, 4-8, 9-16, 17-128, 129-240, long,
 * several stripes and blocks) against xxhash.h, canonical form. */
static void test_hash_matches_xxhash(void **state)
{
	static const size_t lens[] = {0,    1,	  3,	4,    8,     9,
				      16,   17,	  128,	129,  240,   241,
				      1023, 1024, 1025, 4096, 65536, 1048583};
	uint8_t *buf = malloc(1048583), want[16], got[16];
	uint32_t seed = 11;
	size_t i;

	(void)state;
	assert_non_null(buf);
	kf_test_noise(buf, 1048583, &seed);
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		ref_hash(buf, lens[i], want);
		kf_hash128(buf, lens[i], got);
		if (memcmp(got, want, 16))
			fail_msg("kf_hash128 of %zu bytes differs from "
				 "XXH3_128bits",
				 lens[i]);
	}
	/* canonical means big-endian high64 first */
	{
		XXH128_hash_t h = XXH3_128bits(buf, 1000);
		unsigned k;

		kf_hash128(buf, 1000, got);
		for (k = 0; k < 8; k++) {
			assert_int_equal(got[k],
					 (uint8_t)(h.high64 >> (56 - 8 * k)));
			assert_int_equal(got[8 + k],
					 (uint8_t)(h.low64 >> (56 - 8 * k)));
		}
	}
	free(buf);
}

static void test_hasher_equals_one_shot(void **state)
{
	const size_t n = 3 * 1048576 + 17;
	uint8_t *buf = malloc(n), want[16], got[16];
	uint32_t seed = 12, r;
	kf_hasher_t *h;
	size_t off, step;
	int round;

	(void)state;
	assert_non_null(buf);
	kf_test_noise(buf, n, &seed);
	kf_hash128(buf, n, want);
	for (round = 0; round < 40; round++) {
		h = kf_hasher_new();
		assert_non_null(h);
		for (off = 0; off < n; off += step) {
			kf_test_noise(&r, sizeof(r), &seed);
			/* tiny, empty, odd and large pieces */
			switch (r % 4) {
			case 0:
				step = r % 7;
				break;
			case 1:
				step = r % 300;
				break;
			case 2:
				step = r % 70000;
				break;
			default:
				step = r % 1100000;
				break;
			}
			if (step > n - off)
				step = n - off;
			kf_hasher_update(h, buf + off, step);
		}
		kf_hasher_final(h, got);
		if (memcmp(got, want, 16))
			fail_msg("round %d: streaming hash differs", round);
		kf_hasher_destroy(h);
	}
	free(buf);
}

/* final() is a look, not an end: the hash goes on after it. */
static void test_hasher_final_is_not_destructive(void **state)
{
	uint8_t buf[5000], want[16], got[16];
	uint32_t seed = 13;
	kf_hasher_t *h = kf_hasher_new();

	(void)state;
	assert_non_null(h);
	kf_test_noise(buf, sizeof(buf), &seed);

	kf_hasher_final(h, got);
	kf_hash128("", 0, want);
	assert_memory_equal(got, want, 16);

	kf_hasher_update(h, buf, 2000);
	kf_hasher_final(h, got);
	kf_hash128(buf, 2000, want);
	assert_memory_equal(got, want, 16);
	kf_hasher_final(h, got);
	assert_memory_equal(got, want, 16);

	kf_hasher_update(h, buf + 2000, 3000);
	kf_hasher_final(h, got);
	kf_hash128(buf, 5000, want);
	assert_memory_equal(got, want, 16);
	kf_hasher_destroy(h);
}

static void test_destroy_null(void **state)
{
	(void)state;
	kf_hasher_destroy(NULL);
	kf_codec_pool_destroy(NULL);
}

/* ------------------------------------------------------------------ */
/* the pool from several threads */

#define NTHREADS 4
#define ROUNDS 150

struct worker {
	kf_codec_pool_t *pool;
	pthread_barrier_t *start;
	uint32_t seed;
	int zstd, raw; /* outcomes seen */
	char failure[512];
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	uint8_t *orig = malloc(256 * KIB), *buf = malloc(256 * KIB);
	uint8_t *dst = malloc(256 * KIB), h1[16], h2[16];
	char err[256];
	size_t n, out_len;
	uint32_t r;
	int i, codec;

	if (!orig || !buf || !dst) {
		snprintf(w->failure, sizeof(w->failure), "out of memory");
		goto out;
	}
	pthread_barrier_wait(w->start);
	for (i = 0; i < ROUNDS; i++) {
		kf_test_noise(&r, sizeof(r), &w->seed);
		n = 4 * KIB + r % (252 * KIB);
		if (i % 2)
			kf_test_text(orig, n, &w->seed);
		else
			kf_test_noise(orig, n, &w->seed);
		kf_hash128(orig, n, h1);
		memcpy(buf, orig, n);
		codec = kf_codec_compress(w->pool, buf, n, &out_len);
		if (codec == KF_CODEC_ZSTD) {
			w->zstd++;
		} else if (codec == KF_CODEC_NONE && out_len == n &&
			   !memcmp(buf, orig, n)) {
			w->raw++;
		} else {
			snprintf(w->failure, sizeof(w->failure),
				 "round %d: compress of %zu bytes returned %d, "
				 "out_len %zu",
				 i, n, codec, out_len);
			goto out;
		}
		if (kf_codec_decompress(w->pool, codec, buf, out_len, dst, n,
					err, sizeof(err))) {
			snprintf(w->failure, sizeof(w->failure),
				 "round %d: decompress: %s", i, err);
			goto out;
		}
		kf_hash128(dst, n, h2);
		if (memcmp(dst, orig, n) || memcmp(h1, h2, 16)) {
			snprintf(w->failure, sizeof(w->failure),
				 "round %d: %zu bytes came back different", i,
				 n);
			goto out;
		}
	}
out:
	free(orig);
	free(buf);
	free(dst);
	return NULL;
}

static void test_pool_threads(void **state)
{
	kf_codec_pool_t *pool = *state;
	struct worker w[NTHREADS];
	pthread_t t[NTHREADS];
	pthread_barrier_t start;
	int i;

	assert_int_equal(pthread_barrier_init(&start, NULL, NTHREADS), 0);
	for (i = 0; i < NTHREADS; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].pool = pool;
		w[i].start = &start;
		w[i].seed = 1000u + (uint32_t)i * 7919u;
		assert_int_equal(
			pthread_create(&t[i], NULL, worker_main, &w[i]), 0);
	}
	for (i = 0; i < NTHREADS; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	pthread_barrier_destroy(&start);
	for (i = 0; i < NTHREADS; i++) {
		if (w[i].failure[0])
			fail_msg("thread %d: %s", i, w[i].failure);
		assert_int_equal(w[i].zstd + w[i].raw, ROUNDS);
		/* text compresses, noise does not */
		assert_int_equal(w[i].zstd, ROUNDS / 2);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_compress_roundtrip, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_compress_probed, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_compress_probed_small,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_compress_incompressible,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_compress_threshold, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_compress_empty, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_decompress_wrong_raw_len,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_decompress_frame_without_size, setup, teardown),
		cmocka_unit_test_setup_teardown(test_decompress_truncated,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_decompress_garbage, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_decompress_rejects_more_than_one_frame, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_decompress_none_wrong_length, setup, teardown),
		cmocka_unit_test_setup_teardown(test_decompress_unknown_codec,
						setup, teardown),
		cmocka_unit_test(test_hash_fixed_vectors),
		cmocka_unit_test(test_hash_matches_xxhash),
		cmocka_unit_test(test_hasher_equals_one_shot),
		cmocka_unit_test(test_hasher_final_is_not_destructive),
		cmocka_unit_test(test_destroy_null),
		cmocka_unit_test_setup_teardown(test_pool_threads, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
