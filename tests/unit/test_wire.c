/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of src/proto/wire.c against docs/protocol.md.
 *
 * Frames that break a rule are built here byte by byte from the tables of
 * docs/protocol.md (raw_* below), independently of the encoder, which
 * refuses to write them; the golden tests check that the encoder writes
 * exactly what those tables say.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kferry/kferry.h"
#include "proto/wire.h"

#include "kf_test.h"

#define MIB (1u << 20)
#define TIB (1ull << 40)
#define LIMIT TIB /* receive.max_file_size default */

static const uint8_t XID[16] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
				0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};

static uint8_t frame[2 * KF_WIRE_MANIFEST_MAX];
static char errbuf[512];
static kf_wire_hdr_t dh;
static kf_wire_manifest_t dm;
static kf_wire_chunk_t dc;
static kf_wire_commit_t dcm;
static kf_wire_abort_t da;

static void put_be(uint8_t *p, unsigned n, uint64_t v)
{
	while (n--) {
		p[n] = (uint8_t)v;
		v >>= 8;
	}
}

static void raw_hdr(uint8_t *p, unsigned type)
{
	memcpy(p, "KFRY", 4);
	p[4] = 1;
	p[5] = (uint8_t)type;
	p[6] = 0;
	p[7] = 0;
	memcpy(p + 8, XID, 16);
}

static size_t raw_manifest(uint8_t *p, const kf_wire_manifest_t *m)
{
	raw_hdr(p, KF_WIRE_MANIFEST);
	put_be(p + 24, 8, m->file_size);
	put_be(p + 32, 8, m->chunk_count);
	put_be(p + 40, 4, m->chunk_size);
	put_be(p + 44, 4, m->mode);
	put_be(p + 48, 8, (uint64_t)m->mtime_sec);
	put_be(p + 56, 4, m->mtime_nsec);
	p[60] = m->codec;
	p[61] = m->hash_alg;
	put_be(p + 62, 2, m->path_len);
	p[64] = m->origin_len;
	memset(p + 65, 0, 3);
	if (m->path_len)
		memcpy(p + 68, m->path, m->path_len);
	if (m->origin_len)
		memcpy(p + 68 + m->path_len, m->origin, m->origin_len);
	return 68u + m->path_len + m->origin_len;
}

/* The payload is payload_len bytes of 'p'. */
static size_t raw_chunk(uint8_t *p, const kf_wire_chunk_t *c,
			size_t payload_len)
{
	raw_hdr(p, KF_WIRE_CHUNK);
	put_be(p + 24, 8, c->index);
	put_be(p + 32, 8, c->offset);
	put_be(p + 40, 4, c->raw_len);
	p[44] = c->codec;
	memset(p + 45, 0, 3);
	memcpy(p + 48, c->raw_hash, 16);
	memset(p + 64, 'p', payload_len);
	return 64 + payload_len;
}

static size_t raw_commit(uint8_t *p, uint64_t count, uint64_t size)
{
	raw_hdr(p, KF_WIRE_COMMIT);
	put_be(p + 24, 8, count);
	put_be(p + 32, 8, size);
	memset(p + 40, 0x5a, 16);
	return 56;
}

static size_t raw_abort(uint8_t *p, uint16_t reason_len)
{
	raw_hdr(p, KF_WIRE_ABORT);
	put_be(p + 24, 2, reason_len);
	memset(p + 26, 'r', reason_len);
	return 26u + reason_len;
}

/* A valid manifest: 1 MiB + 1 bytes in 1 MiB chunks (2 chunks). */
static kf_wire_manifest_t good_manifest(const char *path)
{
	kf_wire_manifest_t m = {0};

	memcpy(m.hdr.xid.b, XID, 16);
	m.file_size = MIB + 1;
	m.chunk_count = 2;
	m.chunk_size = MIB;
	m.mode = 0644;
	m.mtime_sec = 1700000000;
	m.mtime_nsec = 123456789;
	m.codec = KF_WIRE_CODEC_ZSTD;
	m.hash_alg = KF_WIRE_HASH_XXH3_128;
	m.path = (const uint8_t *)path;
	m.path_len = (uint16_t)strlen(path);
	m.origin = (const uint8_t *)"host-a";
	m.origin_len = 6;
	return m;
}

static kf_wire_chunk_t good_chunk(uint32_t raw_len, uint8_t codec)
{
	kf_wire_chunk_t c = {0};

	memcpy(c.hdr.xid.b, XID, 16);
	c.index = 0;
	c.offset = 0;
	c.raw_len = raw_len;
	c.codec = codec;
	memset(c.raw_hash, 0xc3, 16);
	return c;
}

static int dec_hdr(const uint8_t *p, size_t len)
{
	return kf_wire_decode_hdr(p, len, &dh, errbuf, sizeof(errbuf));
}

static int dec_manifest(const uint8_t *p, size_t len)
{
	return kf_wire_decode_manifest(p, len, LIMIT, &dm, errbuf,
				       sizeof(errbuf));
}

static int dec_chunk(const uint8_t *p, size_t len)
{
	return kf_wire_decode_chunk(p, len, &dc, errbuf, sizeof(errbuf));
}

static int dec_commit(const uint8_t *p, size_t len)
{
	return kf_wire_decode_commit(p, len, &dcm, errbuf, sizeof(errbuf));
}

static int dec_abort(const uint8_t *p, size_t len)
{
	return kf_wire_decode_abort(p, len, &da, errbuf, sizeof(errbuf));
}

typedef int(dec_fn)(const uint8_t *p, size_t len);

static dec_fn *const all_decoders[] = {dec_hdr, dec_manifest, dec_chunk,
				       dec_commit, dec_abort};

/* One valid frame of each type in frame[]; returns its length. */
static size_t one_frame(unsigned type)
{
	kf_wire_manifest_t m = good_manifest("a/b.txt");
	kf_wire_chunk_t c = good_chunk(10, KF_WIRE_CODEC_NONE);

	switch (type) {
	case KF_WIRE_MANIFEST:
		return raw_manifest(frame, &m);
	case KF_WIRE_CHUNK:
		return raw_chunk(frame, &c, 10);
	case KF_WIRE_COMMIT:
		return raw_commit(frame, 2, MIB + 1);
	default:
		return raw_abort(frame, 5);
	}
}

/* ------------------------------------------------------------------ */
/* Round trips and golden bytes */

static void test_manifest_roundtrip(void **state)
{
	kf_wire_manifest_t m = good_manifest("docs/report 2024.pdf");
	uint8_t golden[KF_WIRE_MANIFEST_MAX];
	size_t glen = raw_manifest(golden, &m);
	long len;

	(void)state;
	len = kf_wire_encode_manifest(frame, sizeof(frame), &m);
	assert_int_equal(len, 68 + 20 + 6);
	assert_int_equal(len, glen);
	assert_memory_equal(frame, golden, glen);

	EXPECT_OK(dec_manifest(frame, (size_t)len));
	assert_int_equal(dm.hdr.version, 1);
	assert_int_equal(dm.hdr.type, KF_WIRE_MANIFEST);
	assert_int_equal(dm.hdr.flags, 0);
	assert_memory_equal(dm.hdr.xid.b, XID, 16);
	assert_int_equal(dm.file_size, m.file_size);
	assert_int_equal(dm.chunk_count, m.chunk_count);
	assert_int_equal(dm.chunk_size, m.chunk_size);
	assert_int_equal(dm.mode, m.mode);
	assert_int_equal(dm.mtime_sec, m.mtime_sec);
	assert_int_equal(dm.mtime_nsec, m.mtime_nsec);
	assert_int_equal(dm.codec, m.codec);
	assert_int_equal(dm.hash_alg, m.hash_alg);
	assert_int_equal(dm.path_len, m.path_len);
	assert_ptr_equal(dm.path, frame + 68); /* points into the buffer */
	assert_memory_equal(dm.path, m.path, m.path_len);
	assert_int_equal(dm.origin_len, 6);
	assert_memory_equal(dm.origin, "host-a", 6);
}

static void test_manifest_golden_bytes(void **state)
{
	static const uint8_t want[] = {
		'K',  'F',  'R',  'Y',	1,    1,    0,	  0,	/* hdr */
		0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, /* xid */
		0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,
		0,    0,    0,	  0,	0,    0x10, 0,	  1, /* size */
		0,    0,    0,	  0,	0,    0,    0,	  2, /* count */
		0,    0x10, 0,	  0,	/* chunk_size 1 MiB */
		0,    0,    0x01, 0xa4, /* mode 0644 */
		0,    0,    0,	  0,	0x65, 0x53, 0xf1, 0x00, /* mtime */
		0x07, 0x5b, 0xcd, 0x15,				/* nsec */
		1,    1,    0,	  1, /* codec, hash_alg, path_len */
		0,    0,    0,	  0, /* origin_len, reserved */
		'x',
	};
	kf_wire_manifest_t m = good_manifest("x");

	(void)state;
	m.origin_len = 0;
	m.origin = NULL;
	assert_int_equal(kf_wire_encode_manifest(frame, sizeof(frame), &m),
			 sizeof(want));
	assert_memory_equal(frame, want, sizeof(want));
}

static void test_manifest_mtime_signed(void **state)
{
	static const int64_t cases[] = {-1, INT64_MIN, INT64_MAX, 0};
	kf_wire_manifest_t m = good_manifest("f");
	size_t i;
	long len;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		m.mtime_sec = cases[i];
		len = kf_wire_encode_manifest(frame, sizeof(frame), &m);
		assert_true(len > 0);
		EXPECT_OK(dec_manifest(frame, (size_t)len));
		assert_true(dm.mtime_sec == cases[i]);
	}
}

static void test_manifest_empty_file(void **state)
{
	kf_wire_manifest_t m = good_manifest("empty");
	long len;

	(void)state;
	m.file_size = 0;
	m.chunk_count = 0;
	len = kf_wire_encode_manifest(frame, sizeof(frame), &m);
	assert_true(len > 0);
	EXPECT_OK(dec_manifest(frame, (size_t)len));
	assert_int_equal(dm.file_size, 0);
	assert_int_equal(dm.chunk_count, 0);

	m.chunk_count = 1;
	len = (long)raw_manifest(frame, &m);
	EXPECT_ERR(dec_manifest(frame, (size_t)len), KF_EPROTO,
		   "chunk_count 1 does not match file_size 0");
}

static void test_chunk_roundtrip(void **state)
{
	static const uint8_t codecs[] = {KF_WIRE_CODEC_NONE,
					 KF_WIRE_CODEC_ZSTD};
	kf_wire_chunk_t c;
	uint8_t golden[128];
	size_t i, glen;
	long len;

	(void)state;
	for (i = 0; i < 2; i++) {
		c = good_chunk(4096, codecs[i]);
		c.index = 7;
		c.offset = 7 * 4096;
		glen = raw_chunk(golden, &c, 0);
		len = kf_wire_encode_chunk_hdr(frame, sizeof(frame), &c);
		assert_int_equal(len, KF_WIRE_CHUNK_HDR);
		assert_memory_equal(frame, golden, glen);

		/* codec none carries raw_len bytes; zstd anything non-empty */
		glen = codecs[i] == KF_WIRE_CODEC_NONE ? 4096 : 33;
		memset(frame + len, 'p', glen);
		EXPECT_OK(dec_chunk(frame, (size_t)len + glen));
		assert_int_equal(dc.hdr.type, KF_WIRE_CHUNK);
		assert_memory_equal(dc.hdr.xid.b, XID, 16);
		assert_int_equal(dc.index, 7);
		assert_int_equal(dc.offset, 7 * 4096);
		assert_int_equal(dc.raw_len, 4096);
		assert_int_equal(dc.codec, codecs[i]);
		assert_memory_equal(dc.raw_hash, c.raw_hash, 16);
		assert_ptr_equal(dc.payload, frame + KF_WIRE_CHUNK_HDR);
		assert_int_equal(dc.payload_len, glen);
	}
}

static void test_commit_roundtrip(void **state)
{
	kf_wire_commit_t c = {0};
	uint8_t golden[KF_WIRE_COMMIT_SIZE];
	long len;

	(void)state;
	memcpy(c.hdr.xid.b, XID, 16);
	c.chunk_count = 2;
	c.file_size = MIB + 1;
	memset(c.file_hash, 0x5a, 16);
	raw_commit(golden, 2, MIB + 1);
	len = kf_wire_encode_commit(frame, sizeof(frame), &c);
	assert_int_equal(len, KF_WIRE_COMMIT_SIZE);
	assert_memory_equal(frame, golden, sizeof(golden));
	EXPECT_OK(dec_commit(frame, (size_t)len));
	assert_int_equal(dcm.hdr.type, KF_WIRE_COMMIT);
	assert_memory_equal(dcm.hdr.xid.b, XID, 16);
	assert_int_equal(dcm.chunk_count, 2);
	assert_int_equal(dcm.file_size, MIB + 1);
	assert_memory_equal(dcm.file_hash, c.file_hash, 16);
}

static void test_abort_roundtrip(void **state)
{
	static const uint16_t lens[] = {0, 5, KF_WIRE_REASON_MAX};
	kf_wire_abort_t a = {0};
	uint8_t reason[KF_WIRE_REASON_MAX],
		golden[KF_WIRE_ABORT_FIXED + KF_WIRE_REASON_MAX];
	size_t i, glen;
	long len;

	(void)state;
	memset(reason, 'r', sizeof(reason));
	memcpy(a.hdr.xid.b, XID, 16);
	for (i = 0; i < 3; i++) {
		a.reason = lens[i] ? reason : NULL;
		a.reason_len = lens[i];
		glen = raw_abort(golden, lens[i]);
		len = kf_wire_encode_abort(frame, sizeof(frame), &a);
		assert_int_equal(len, glen);
		assert_memory_equal(frame, golden, glen);
		EXPECT_OK(dec_abort(frame, (size_t)len));
		assert_int_equal(da.hdr.type, KF_WIRE_ABORT);
		assert_int_equal(da.reason_len, lens[i]);
		assert_memory_equal(da.reason, reason, lens[i]);
	}
}

static void test_hdr_every_type(void **state)
{
	unsigned type;

	(void)state;
	for (type = KF_WIRE_MANIFEST; type <= KF_WIRE_ABORT; type++) {
		EXPECT_OK(dec_hdr(frame, one_frame(type)));
		assert_int_equal(dh.version, KF_WIRE_VERSION);
		assert_int_equal(dh.type, type);
		assert_int_equal(dh.flags, 0);
		assert_memory_equal(dh.xid.b, XID, 16);
	}
}

/* The encoder writes version 1, the frame's own type and zero flags
 * whatever the caller's header says. */
static void test_encoder_owns_hdr_fields(void **state)
{
	kf_wire_commit_t c = {0};

	(void)state;
	c.hdr.version = 9;
	c.hdr.type = KF_WIRE_ABORT;
	c.hdr.flags = 0xffff;
	assert_int_equal(kf_wire_encode_commit(frame, sizeof(frame), &c),
			 KF_WIRE_COMMIT_SIZE);
	EXPECT_OK(dec_commit(frame, KF_WIRE_COMMIT_SIZE));
}

static void test_xid_format(void **state)
{
	kf_xid_t x;
	char out[33];

	(void)state;
	memcpy(x.b, XID, 16);
	memset(out, '#', sizeof(out));
	kf_xid_format(&x, out);
	assert_string_equal(out, "00112233445566778899aabbccddeeff");
	memset(x.b, 0xff, 16);
	kf_xid_format(&x, out);
	assert_string_equal(out, "ffffffffffffffffffffffffffffffff");
}

/* ------------------------------------------------------------------ */
/* Header rules, for every decoder */

static void test_bad_magic(void **state)
{
	size_t i, len;

	(void)state;
	for (i = 0; i < 5; i++) {
		len = one_frame(i ? (unsigned)i : KF_WIRE_MANIFEST);
		frame[3] = 'X';
		EXPECT_ERR(all_decoders[i](frame, len), KF_EPROTO,
			   "not a kferry frame");
	}
}

static void test_version(void **state)
{
	size_t i, len;

	(void)state;
	for (i = 0; i < 5; i++) {
		len = one_frame(i ? (unsigned)i : KF_WIRE_CHUNK);
		frame[4] = 3;
		EXPECT_ERR(all_decoders[i](frame, len), KF_EVERSION,
			   "unsupported protocol version 3");
		/* version 2 only added the FILE frame (section 3.7) */
		frame[4] = 2;
		EXPECT_ERR(all_decoders[i](frame, len), KF_EVERSION,
			   "has protocol version 2; it exists in version 1");
		frame[4] = 0;
		EXPECT_ERR(all_decoders[i](frame, len), KF_EVERSION,
			   "unsupported protocol version 0");
	}
}

static void test_unknown_type(void **state)
{
	static const uint8_t types[] = {0, 7, 255};
	size_t i, t, len;

	(void)state;
	for (i = 0; i < 5; i++) {
		for (t = 0; t < sizeof(types); t++) {
			len = one_frame(KF_WIRE_COMMIT);
			frame[5] = types[t];
			EXPECT_ERR(all_decoders[i](frame, len), KF_EPROTO,
				   "unknown frame type");
		}
	}
}

/* RESUME (section 9): the MANIFEST layout with type 5, then next_index. */
static size_t raw_resume(uint8_t *p, const kf_wire_manifest_t *m,
			 uint64_t next_index)
{
	size_t n = raw_manifest(p, m);

	p[5] = KF_WIRE_RESUME;
	put_be(p + n, 8, next_index);
	return n + 8;
}

static void test_resume_roundtrip(void **state)
{
	kf_wire_manifest_t m = good_manifest("big/archive.tar");
	kf_wire_resume_t r = {0}, d;
	uint8_t golden[KF_WIRE_RESUME_MAX];
	size_t glen, cut;
	long len;

	(void)state;
	r.m = m;
	r.next_index = 1;
	glen = raw_resume(golden, &m, 1);
	len = kf_wire_encode_resume(frame, sizeof(frame), &r);
	assert_int_equal(len, 68 + 15 + 6 + 8);
	assert_int_equal(len, glen);
	assert_memory_equal(frame, golden, glen);

	EXPECT_OK(kf_wire_decode_resume(frame, (size_t)len, LIMIT, &d, errbuf,
					sizeof(errbuf)));
	assert_int_equal(d.m.hdr.type, KF_WIRE_RESUME);
	assert_memory_equal(d.m.hdr.xid.b, XID, 16);
	assert_int_equal(d.next_index, 1);
	assert_int_equal(d.m.file_size, m.file_size);
	assert_int_equal(d.m.chunk_count, m.chunk_count);
	assert_memory_equal(d.m.path, m.path, m.path_len);
	/* A RESUME is not a MANIFEST, nor the other way round. */
	EXPECT_ERR(dec_manifest(frame, (size_t)len), KF_EPROTO,
		   "expected a manifest frame, got a resume frame");
	glen = raw_manifest(golden, &m);
	EXPECT_ERR(kf_wire_decode_resume(golden, glen, LIMIT, &d, errbuf,
					 sizeof(errbuf)),
		   KF_EPROTO, "expected a resume frame");
	/* Every truncation, and a trailing byte, is refused. */
	for (cut = 0; cut < (size_t)len; cut++)
		assert_int_not_equal(kf_wire_decode_resume(frame, cut, LIMIT,
							   &d, errbuf,
							   sizeof(errbuf)),
				     0);
	frame[len] = 0;
	EXPECT_ERR(kf_wire_decode_resume(frame, (size_t)len + 1, LIMIT, &d,
					 errbuf, sizeof(errbuf)),
		   KF_EPROTO, "trailing bytes");
}

static void test_resume_next_index(void **state)
{
	kf_wire_manifest_t m = good_manifest("x");
	kf_wire_resume_t r = {0}, d;
	size_t len;

	(void)state;
	/* 0 (nothing acknowledged) and chunk_count (only COMMIT left) are
	 * both valid; past chunk_count is not. */
	len = raw_resume(frame, &m, 0);
	EXPECT_OK(kf_wire_decode_resume(frame, len, LIMIT, &d, errbuf,
					sizeof(errbuf)));
	len = raw_resume(frame, &m, 2);
	EXPECT_OK(kf_wire_decode_resume(frame, len, LIMIT, &d, errbuf,
					sizeof(errbuf)));
	assert_int_equal(d.next_index, 2);
	len = raw_resume(frame, &m, 3);
	EXPECT_ERR(kf_wire_decode_resume(frame, len, LIMIT, &d, errbuf,
					 sizeof(errbuf)),
		   KF_EPROTO, "next_index 3 is past chunk_count 2");
	r.m = m;
	r.next_index = 3;
	assert_int_equal(kf_wire_encode_resume(frame, sizeof(frame), &r),
			 KF_EINVAL);
	/* The restated manifest obeys the MANIFEST rules and limits. */
	m.file_size = LIMIT + 1;
	m.chunk_count = (LIMIT + 1 + MIB - 1) / MIB;
	len = raw_resume(frame, &m, 0);
	EXPECT_ERR(kf_wire_decode_resume(frame, len, LIMIT, &d, errbuf,
					 sizeof(errbuf)),
		   KF_ELIMIT, "resume: file_size");
}

/* FILE (section 3.7): the MANIFEST layout with version 2 and type 6,
 * file_hash, then the payload (payload_len bytes of 'f'). */
static size_t raw_file(uint8_t *p, const kf_wire_manifest_t *m,
		       size_t payload_len)
{
	size_t n = raw_manifest(p, m);

	p[4] = 2;
	p[5] = KF_WIRE_FILE;
	memset(p + n, 0xab, 16);
	memset(p + n + 16, 'f', payload_len);
	return n + 16 + payload_len;
}

static kf_wire_manifest_t small_manifest(const char *path, uint64_t size)
{
	kf_wire_manifest_t m = good_manifest(path);

	m.file_size = size;
	m.chunk_count = size != 0;
	m.codec = KF_WIRE_CODEC_NONE;
	return m;
}

static int dec_file(const uint8_t *p, size_t len)
{
	kf_wire_file_t f;

	return kf_wire_decode_file(p, len, LIMIT, &f, errbuf, sizeof(errbuf));
}

static void test_file_roundtrip(void **state)
{
	kf_wire_manifest_t m = small_manifest("edi/order 1.txt", 100), dm2;
	kf_wire_file_t f = {0}, d;
	kf_wire_chunk_t c;
	kf_wire_commit_t cm;
	uint8_t golden[KF_WIRE_FILE_HDR_MAX + 100];
	size_t glen, cut;
	long len;

	(void)state;
	f.m = m;
	memset(f.file_hash, 0xab, 16);
	glen = raw_file(golden, &m, 100);
	len = kf_wire_encode_file_hdr(frame, sizeof(frame), &f);
	assert_int_equal(len, 68 + 15 + 6 + 16);
	memset(frame + len, 'f', 100);
	len += 100;
	assert_int_equal(len, glen);
	assert_memory_equal(frame, golden, glen);

	EXPECT_OK(kf_wire_decode_file(frame, (size_t)len, LIMIT, &d, errbuf,
				      sizeof(errbuf)));
	assert_int_equal(d.m.hdr.version, 2);
	assert_int_equal(d.m.hdr.type, KF_WIRE_FILE);
	assert_int_equal(d.m.file_size, 100);
	assert_int_equal(d.payload_len, 100);
	assert_ptr_equal(d.payload, frame + len - 100);
	assert_memory_equal(d.file_hash, f.file_hash, 16);
	/* It stands for MANIFEST CHUNK(0) COMMIT of version 1. */
	assert_int_equal(kf_wire_file_split(&d, &dm2, &c, &cm), 1);
	assert_int_equal(dm2.hdr.type, KF_WIRE_MANIFEST);
	assert_int_equal(dm2.hdr.version, 1);
	assert_memory_equal(dm2.path, m.path, m.path_len);
	assert_int_equal(c.hdr.type, KF_WIRE_CHUNK);
	assert_int_equal(c.index, 0);
	assert_int_equal(c.raw_len, 100);
	assert_memory_equal(c.raw_hash, f.file_hash, 16);
	EXPECT_OK(kf_wire_chunk_fits(&dm2, &c, 0, errbuf, sizeof(errbuf)));
	assert_int_equal(cm.hdr.type, KF_WIRE_COMMIT);
	assert_int_equal(cm.chunk_count, 1);
	assert_int_equal(cm.file_size, 100);
	assert_memory_equal(cm.file_hash, f.file_hash, 16);
	/* Not a MANIFEST, and no other decoder takes it. */
	EXPECT_ERR(dec_manifest(frame, (size_t)len), KF_EPROTO,
		   "expected a manifest frame, got a file frame");
	/* Every truncation, and a trailing byte, is refused. */
	for (cut = 0; cut < (size_t)len; cut++)
		assert_int_not_equal(dec_file(frame, cut), 0);
	frame[len] = 'f';
	EXPECT_ERR(dec_file(frame, (size_t)len + 1), KF_EPROTO,
		   "uncompressed payload is 101 bytes but raw_len is 100");
}

static void test_file_rules(void **state)
{
	kf_wire_manifest_t m = small_manifest("a", 0);
	kf_wire_file_t f = {0}, d;
	kf_wire_chunk_t c;
	kf_wire_commit_t cm;
	size_t len;

	(void)state;
	/* An empty file: no payload, codec 0, no chunk. */
	len = raw_file(frame, &m, 0);
	EXPECT_OK(kf_wire_decode_file(frame, len, LIMIT, &d, errbuf,
				      sizeof(errbuf)));
	assert_int_equal(kf_wire_file_split(&d, &dm, &c, &cm), 0);
	len = raw_file(frame, &m, 1);
	EXPECT_ERR(dec_file(frame, len), KF_EPROTO,
		   "an empty file has codec 0");
	m.codec = KF_WIRE_CODEC_ZSTD;
	len = raw_file(frame, &m, 0);
	EXPECT_ERR(dec_file(frame, len), KF_EPROTO,
		   "an empty file has codec 0");
	/* A zstd payload is not empty (its content is checked on write). */
	m = small_manifest("a", 10);
	m.codec = KF_WIRE_CODEC_ZSTD;
	len = raw_file(frame, &m, 0);
	EXPECT_ERR(dec_file(frame, len), KF_EPROTO, "zstd payload is empty");
	/* One chunk at most: the manifest's count rule, then the FILE's. */
	m = small_manifest("a", MIB + 1);
	len = raw_file(frame, &m, 0);
	EXPECT_ERR(dec_file(frame, len), KF_EPROTO,
		   "chunk_count 1 does not match");
	m.chunk_count = 2;
	len = raw_file(frame, &m, 0);
	EXPECT_ERR(dec_file(frame, len), KF_EPROTO,
		   "a FILE frame holds one chunk at most");
	f.m = m;
	assert_int_equal(kf_wire_encode_file_hdr(frame, sizeof(frame), &f),
			 KF_EINVAL);
	/* Version 2 and no flags, and the manifest's rules and limits. */
	m = small_manifest("a", 10);
	len = raw_file(frame, &m, 10);
	frame[4] = 1;
	EXPECT_ERR(dec_file(frame, len), KF_EVERSION,
		   "file frame has protocol version 1; it exists in version 2");
	frame[4] = 2;
	frame[7] = 1;
	EXPECT_ERR(dec_file(frame, len), KF_EPROTO, "file frame has flags");
	frame[7] = 0;
	EXPECT_ERR(
		kf_wire_decode_file(frame, len, 9, &d, errbuf, sizeof(errbuf)),
		KF_ELIMIT, "file: file_size 10 exceeds the limit");
	m = small_manifest("../x", 10);
	len = raw_file(frame, &m, 10);
	EXPECT_ERR(dec_file(frame, len), KF_EPATH, "'..' component");
}

static void test_wrong_type(void **state)
{
	static dec_fn *const full[] = {dec_manifest, dec_chunk, dec_commit,
				       dec_abort};
	unsigned type, want;
	size_t len;

	(void)state;
	for (type = KF_WIRE_MANIFEST; type <= KF_WIRE_ABORT; type++) {
		for (want = KF_WIRE_MANIFEST; want <= KF_WIRE_ABORT; want++) {
			if (want == type)
				continue;
			len = one_frame(type);
			EXPECT_ERR(full[want - 1](frame, len), KF_EPROTO,
				   "expected a");
		}
	}
}

static void test_flags_nonzero(void **state)
{
	static const uint16_t flags[] = {0x0001, 0x0100, 0x8000};
	size_t i, f, len;

	(void)state;
	for (i = 0; i < 5; i++) {
		for (f = 0; f < 3; f++) {
			len = one_frame(i ? (unsigned)i : KF_WIRE_ABORT);
			put_be(frame + 6, 2, flags[f]);
			EXPECT_ERR(all_decoders[i](frame, len), KF_EPROTO,
				   "flags 0x");
		}
	}
}

/* ------------------------------------------------------------------ */
/* Lengths: truncation at every length, trailing bytes */

/* Each prefix is copied to a buffer of exactly its size, so that ASan
 * reports any read past it. */
static void expect_every_prefix_fails(dec_fn *dec, const uint8_t *full,
				      size_t len)
{
	uint8_t *copy;
	size_t n;

	for (n = 0; n < len; n++) {
		copy = malloc(n ? n : 1);
		assert_non_null(copy);
		memcpy(copy, full, n);
		errbuf[0] = '\0';
		if (dec(copy, n) >= 0)
			fail_msg("prefix of %zu/%zu bytes decoded", n, len);
		assert_true(errbuf[0] != '\0');
		free(copy);
	}
}

static void test_truncated_every_length(void **state)
{
	static dec_fn *const full[] = {dec_manifest, dec_chunk, dec_commit,
				       dec_abort};
	kf_wire_chunk_t zc = good_chunk(100, KF_WIRE_CODEC_ZSTD);
	unsigned type;
	size_t len;

	(void)state;
	for (type = KF_WIRE_MANIFEST; type <= KF_WIRE_ABORT; type++) {
		len = one_frame(type);
		expect_every_prefix_fails(full[type - 1], frame, len);
		expect_every_prefix_fails(dec_hdr, frame, KF_WIRE_HDR_SIZE);
	}
	/* A zstd payload has no length of its own: any non-empty prefix of
	 * it decodes (zstd then fails on it); the header must not. */
	len = raw_chunk(frame, &zc, 30);
	expect_every_prefix_fails(dec_chunk, frame, KF_WIRE_CHUNK_HDR + 1);
	EXPECT_OK(dec_chunk(frame, len));
}

static void test_trailing_bytes(void **state)
{
	static dec_fn *const exact[] = {dec_manifest, dec_commit, dec_abort};
	static const unsigned types[] = {KF_WIRE_MANIFEST, KF_WIRE_COMMIT,
					 KF_WIRE_ABORT};
	size_t i, len;

	(void)state;
	for (i = 0; i < 3; i++) {
		len = one_frame(types[i]);
		EXPECT_OK(exact[i](frame, len));
		frame[len] = 0;
		EXPECT_ERR(exact[i](frame, len + 1), KF_EPROTO,
			   "trailing bytes");
	}
}

/* path_len and origin_len claim more than the frame holds */
static void test_manifest_lengths_past_end(void **state)
{
	kf_wire_manifest_t m = good_manifest("a/b");
	size_t len = raw_manifest(frame, &m);

	(void)state;
	put_be(frame + 62, 2, 0xffff);
	EXPECT_ERR(dec_manifest(frame, len), KF_EPROTO, "truncated");
	len = raw_manifest(frame, &m);
	frame[64] = 255;
	EXPECT_ERR(dec_manifest(frame, len), KF_EPROTO, "truncated");
}

/* ------------------------------------------------------------------ */
/* MANIFEST field rules */

static void test_manifest_reserved(void **state)
{
	kf_wire_manifest_t m = good_manifest("a");
	size_t i, len;

	(void)state;
	for (i = 0; i < 3; i++) {
		len = raw_manifest(frame, &m);
		frame[65 + i] = 0x01;
		EXPECT_ERR(dec_manifest(frame, len), KF_EPROTO, "reserved");
	}
}

static void test_chunk_count_mismatch(void **state)
{
	kf_wire_manifest_t m = good_manifest("a");
	size_t len;

	(void)state;
	m.chunk_count = 7;
	len = raw_manifest(frame, &m);
	errbuf[0] = '\0';
	assert_int_equal(dec_manifest(frame, len), KF_EPROTO);
	assert_string_equal(errbuf, "manifest: chunk_count 7 does not match "
				    "file_size 1048577 / chunk_size 1048576 "
				    "(expected 2)");
	m.chunk_count = 1; /* floor instead of ceil */
	len = raw_manifest(frame, &m);
	EXPECT_ERR(dec_manifest(frame, len), KF_EPROTO, "(expected 2)");
}

static void test_chunk_count_exact_multiple(void **state)
{
	kf_wire_manifest_t m = good_manifest("a");
	size_t len;

	(void)state;
	m.file_size = 3ull * MIB;
	m.chunk_count = 3;
	len = raw_manifest(frame, &m);
	EXPECT_OK(dec_manifest(frame, len));
	m.chunk_count = 4;
	len = raw_manifest(frame, &m);
	EXPECT_ERR(dec_manifest(frame, len), KF_EPROTO, "(expected 3)");
}

static void test_chunk_size_bounds(void **state)
{
	static const struct {
		uint32_t size;
		int ok;
	} cases[] = {
		{0, 0},
		{KF_WIRE_CHUNK_MIN - 1, 0},
		{KF_WIRE_CHUNK_MIN, 1},
		{KF_WIRE_CHUNK_MAX, 1},
		{KF_WIRE_CHUNK_MAX + 1, 0},
		{UINT32_MAX, 0},
	};
	kf_wire_manifest_t m = good_manifest("a");
	size_t i, len;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		m.chunk_size = cases[i].size;
		m.file_size = 1;
		m.chunk_count = 1;
		len = raw_manifest(frame, &m);
		if (cases[i].ok)
			EXPECT_OK(dec_manifest(frame, len));
		else
			EXPECT_ERR(dec_manifest(frame, len), KF_EPROTO,
				   "chunk_size");
	}
}

static void test_mode_bits(void **state)
{
	static const uint32_t bad[] = {010000, 0100644, 040755, 0x80000000};
	kf_wire_manifest_t m = good_manifest("a");
	size_t i, len;

	(void)state;
	m.mode = 07777;
	len = raw_manifest(frame, &m);
	EXPECT_OK(dec_manifest(frame, len));
	assert_int_equal(dm.mode, 07777);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		m.mode = bad[i];
		len = raw_manifest(frame, &m);
		EXPECT_ERR(dec_manifest(frame, len), KF_EPROTO,
			   "permission mask");
	}
}

static void test_mtime_nsec(void **state)
{
	kf_wire_manifest_t m = good_manifest("a");
	size_t len;

	(void)state;
	m.mtime_nsec = 999999999;
	len = raw_manifest(frame, &m);
	EXPECT_OK(dec_manifest(frame, len));
	m.mtime_nsec = 1000000000;
	len = raw_manifest(frame, &m);
	EXPECT_ERR(dec_manifest(frame, len), KF_EPROTO,
		   "mtime_nsec 1000000000");
	m.mtime_nsec = UINT32_MAX;
	len = raw_manifest(frame, &m);
	EXPECT_ERR(dec_manifest(frame, len), KF_EPROTO, "mtime_nsec");
}

static void test_codec_and_hash_alg(void **state)
{
	kf_wire_manifest_t m = good_manifest("a");
	size_t len;

	(void)state;
	m.codec = KF_WIRE_CODEC_NONE;
	len = raw_manifest(frame, &m);
	EXPECT_OK(dec_manifest(frame, len));
	m.codec = 2;
	len = raw_manifest(frame, &m);
	EXPECT_ERR(dec_manifest(frame, len), KF_EPROTO, "unknown codec 2");
	m.codec = KF_WIRE_CODEC_ZSTD;
	m.hash_alg = 0;
	len = raw_manifest(frame, &m);
	EXPECT_ERR(dec_manifest(frame, len), KF_EPROTO, "hash_alg 0");
	m.hash_alg = 2;
	len = raw_manifest(frame, &m);
	EXPECT_ERR(dec_manifest(frame, len), KF_EPROTO, "hash_alg 2");
}

static void test_file_size_limit(void **state)
{
	kf_wire_manifest_t m = good_manifest("big");
	size_t len;

	(void)state;
	m.chunk_size = KF_WIRE_CHUNK_MAX;
	m.file_size = LIMIT;
	m.chunk_count = LIMIT / KF_WIRE_CHUNK_MAX;
	len = raw_manifest(frame, &m);
	EXPECT_OK(dec_manifest(frame, len));

	m.file_size = LIMIT + 1;
	m.chunk_count++;
	len = raw_manifest(frame, &m);
	EXPECT_ERR(dec_manifest(frame, len), KF_ELIMIT,
		   "file_size 1099511627777 exceeds the limit of "
		   "1099511627776");

	/* 0: no limit beyond the format */
	m.file_size = UINT64_MAX;
	m.chunk_count = UINT64_MAX / KF_WIRE_CHUNK_MAX + 1;
	len = raw_manifest(frame, &m);
	EXPECT_OK(kf_wire_decode_manifest(frame, len, 0, &dm, errbuf,
					  sizeof(errbuf)));
	EXPECT_ERR(dec_manifest(frame, len), KF_ELIMIT, "max_file_size");
}

/* ------------------------------------------------------------------ */
/* MANIFEST path rules (docs/protocol.md section 3.2) */

static int decode_path(const void *path, size_t path_len)
{
	kf_wire_manifest_t m = good_manifest("");
	size_t len;

	m.path = path;
	m.path_len = (uint16_t)path_len;
	len = raw_manifest(frame, &m);
	errbuf[0] = '\0';
	return dec_manifest(frame, len);
}

static void expect_path_ok(const void *path, size_t path_len)
{
	EXPECT_OK(decode_path(path, path_len));
	assert_int_equal(dm.path_len, path_len);
	assert_memory_equal(dm.path, path, path_len);
}

#define EXPECT_PATH_ERR(path, len, needle)                                     \
	EXPECT_ERR(decode_path((path), (len)), KF_EPATH, (needle))

/* n bytes of "xxx…/xxx…" with a '/' every 100 bytes (never last). */
static char *long_path(size_t n)
{
	char *p = malloc(n + 1);
	size_t i;

	assert_non_null(p);
	for (i = 0; i < n; i++)
		p[i] = i % 100 == 99 ? '/' : 'x';
	p[n] = '\0';
	return p;
}

/* depth components "a/a/…/a" */
static char *deep_path(size_t depth)
{
	char *p = malloc(2 * depth);
	size_t i;

	assert_non_null(p);
	for (i = 0; i < depth; i++) {
		p[2 * i] = 'a';
		p[2 * i + 1] = '/';
	}
	p[2 * depth - 1] = '\0';
	return p;
}

static void test_path_dotdot(void **state)
{
	(void)state;
	EXPECT_PATH_ERR("a/../b", 6, "'..' component");
	EXPECT_PATH_ERR("..", 2, "'..' component");
	EXPECT_PATH_ERR("a/..", 4, "'..' component");
	EXPECT_PATH_ERR("./a", 3, "'.' component");
	expect_path_ok("a/..b/...", 9);
}

static void test_path_absolute(void **state)
{
	(void)state;
	EXPECT_PATH_ERR("/etc/passwd", 11, "absolute");
	EXPECT_PATH_ERR("/", 1, "absolute");
}

static void test_path_empty_component(void **state)
{
	(void)state;
	EXPECT_PATH_ERR("a//b", 4, "empty component");
	EXPECT_PATH_ERR("a/b/", 4, "empty component");
	EXPECT_PATH_ERR("", 0, "path is empty");
}

static void test_path_nul(void **state)
{
	(void)state;
	EXPECT_PATH_ERR("a\0b", 3, "NUL byte at offset 1");
	EXPECT_PATH_ERR("ab\0", 3, "NUL byte at offset 2");
}

static void test_path_private_dir(void **state)
{
	(void)state;
	EXPECT_PATH_ERR(".kferry/tmp/x.part", 18, ".kferry");
	EXPECT_PATH_ERR(".kferry", 7, ".kferry");
	expect_path_ok("a/.kferry/x", 11);
	expect_path_ok(".kferry2/x", 10);
	expect_path_ok(".kferr", 6);
}

static void test_path_component_length(void **state)
{
	char comp[300];

	(void)state;
	memset(comp, 'c', sizeof(comp));
	expect_path_ok(comp, 255);
	EXPECT_PATH_ERR(comp, 256, "256-byte component");
	comp[0] = 'd';
	comp[1] = '/';
	expect_path_ok(comp, 2 + 255);
	EXPECT_PATH_ERR(comp, 2 + 256, "256-byte component at offset 2");
}

static void test_path_depth(void **state)
{
	char *p256 = deep_path(256), *p257 = deep_path(257);

	(void)state;
	expect_path_ok(p256, strlen(p256));
	EXPECT_PATH_ERR(p257, strlen(p257), "more than 256 components");
	free(p256);
	free(p257);
}

static void test_path_total_length(void **state)
{
	char *p4096 = long_path(4096), *p4097 = long_path(4097);

	(void)state;
	expect_path_ok(p4096, 4096);
	EXPECT_PATH_ERR(p4097, 4097, "4097 bytes; the limit is 4096");
	free(p4096);
	free(p4097);
}

static void test_path_any_bytes_accepted(void **state)
{
	static const char *const ok[] = {
		/* 한국어/파일.txt */
		"\xed\x95\x9c\xea\xb5\xad\xec\x96\xb4/"
		"\xed\x8c\x8c\xec\x9d\xbc.txt",
		"line\nbreak",
		"with space/and  more ",
		" ",
		"\xff\xfe latin-1 \xe9",
		"tab\there\\back",
		"...",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		expect_path_ok(ok[i], strlen(ok[i]));
}

/* The message quotes the path in printable form, not raw bytes. */
static void test_path_error_is_printable(void **state)
{
	(void)state;
	EXPECT_PATH_ERR("a\n/../b", 7, "path 'a\\n/../b'");
}

/* ------------------------------------------------------------------ */
/* CHUNK rules */

static void test_chunk_reserved(void **state)
{
	kf_wire_chunk_t c = good_chunk(10, KF_WIRE_CODEC_NONE);
	size_t i, len;

	(void)state;
	for (i = 0; i < 3; i++) {
		len = raw_chunk(frame, &c, 10);
		frame[45 + i] = 0x80;
		EXPECT_ERR(dec_chunk(frame, len), KF_EPROTO, "reserved");
	}
}

static void test_chunk_codec(void **state)
{
	kf_wire_chunk_t c = good_chunk(10, 2);
	size_t len = raw_chunk(frame, &c, 10);

	(void)state;
	EXPECT_ERR(dec_chunk(frame, len), KF_EPROTO, "unknown codec 2");
}

static void test_chunk_raw_len(void **state)
{
	kf_wire_chunk_t c = good_chunk(0, KF_WIRE_CODEC_NONE);
	size_t len = raw_chunk(frame, &c, 0);

	(void)state;
	EXPECT_ERR(dec_chunk(frame, len), KF_EPROTO, "raw_len is 0");
	c = good_chunk(0, KF_WIRE_CODEC_ZSTD);
	len = raw_chunk(frame, &c, 5);
	EXPECT_ERR(dec_chunk(frame, len), KF_EPROTO, "raw_len is 0");
	c = good_chunk(KF_WIRE_CHUNK_MAX + 1, KF_WIRE_CODEC_ZSTD);
	len = raw_chunk(frame, &c, 5);
	EXPECT_ERR(dec_chunk(frame, len), KF_EPROTO, "raw_len 67108865");
	c = good_chunk(KF_WIRE_CHUNK_MAX, KF_WIRE_CODEC_ZSTD);
	len = raw_chunk(frame, &c, 5);
	EXPECT_OK(dec_chunk(frame, len));
}

static void test_chunk_payload_none(void **state)
{
	kf_wire_chunk_t c = good_chunk(10, KF_WIRE_CODEC_NONE);
	size_t len;

	(void)state;
	len = raw_chunk(frame, &c, 11);
	EXPECT_ERR(dec_chunk(frame, len), KF_EPROTO,
		   "payload is 11 bytes but raw_len is 10");
	len = raw_chunk(frame, &c, 9);
	EXPECT_ERR(dec_chunk(frame, len), KF_EPROTO,
		   "payload is 9 bytes but raw_len is 10");
	len = raw_chunk(frame, &c, 10);
	EXPECT_OK(dec_chunk(frame, len));
}

static void test_chunk_payload_zstd(void **state)
{
	kf_wire_chunk_t c = good_chunk(10, KF_WIRE_CODEC_ZSTD);
	size_t len = raw_chunk(frame, &c, 0);
	uint8_t *huge;

	(void)state;
	EXPECT_ERR(dec_chunk(frame, len), KF_EPROTO, "zstd payload is empty");

	/* section 5: a frame is at most 64 MiB + 64 bytes */
	huge = calloc(1, KF_WIRE_CHUNK_HDR + KF_WIRE_CHUNK_MAX + 1);
	assert_non_null(huge);
	raw_chunk(huge, &c, 0);
	EXPECT_OK(dec_chunk(huge, KF_WIRE_CHUNK_HDR + KF_WIRE_CHUNK_MAX));
	EXPECT_ERR(dec_chunk(huge, KF_WIRE_CHUNK_HDR + KF_WIRE_CHUNK_MAX + 1),
		   KF_ELIMIT, "frame limit");
	free(huge);
}

/* ------------------------------------------------------------------ */
/* COMMIT and ABORT rules */

static void test_abort_reason_len(void **state)
{
	size_t len;

	(void)state;
	len = raw_abort(frame, KF_WIRE_REASON_MAX + 1);
	EXPECT_ERR(dec_abort(frame, len), KF_EPROTO, "reason_len 1025");
}

/* ------------------------------------------------------------------ */
/* kf_wire_chunk_fits */

static kf_wire_manifest_t layout(uint64_t size, uint32_t chunk_size)
{
	kf_wire_manifest_t m = good_manifest("f");

	m.file_size = size;
	m.chunk_size = chunk_size;
	m.chunk_count = size / chunk_size + (size % chunk_size != 0);
	return m;
}

static kf_wire_chunk_t chunk_at(uint64_t index, uint32_t chunk_size,
				uint32_t raw_len)
{
	kf_wire_chunk_t c = good_chunk(raw_len, KF_WIRE_CODEC_NONE);

	c.index = index;
	c.offset = index * chunk_size;
	return c;
}

static int fits(const kf_wire_manifest_t *m, const kf_wire_chunk_t *c,
		uint64_t expect)
{
	return kf_wire_chunk_fits(m, c, expect, errbuf, sizeof(errbuf));
}

static void test_fits_exact_multiple(void **state)
{
	const uint32_t cs = 4096;
	kf_wire_manifest_t m = layout(3 * cs, cs);
	kf_wire_chunk_t c;
	uint64_t i;

	(void)state;
	assert_int_equal(m.chunk_count, 3);
	for (i = 0; i < 3; i++) {
		c = chunk_at(i, cs, cs);
		EXPECT_OK(fits(&m, &c, i));
	}
	c = chunk_at(2, cs, cs - 1);
	EXPECT_ERR(fits(&m, &c, 2), KF_EPROTO, "raw_len 4095");
	c = chunk_at(3, cs, 1);
	EXPECT_ERR(fits(&m, &c, 3), KF_EPROTO, "past the manifest's");
}

static void test_fits_one_byte_past(void **state)
{
	const uint32_t cs = 4096;
	kf_wire_manifest_t m = layout(3 * cs + 1, cs);
	kf_wire_chunk_t c;

	(void)state;
	assert_int_equal(m.chunk_count, 4);
	c = chunk_at(2, cs, cs);
	EXPECT_OK(fits(&m, &c, 2));
	c = chunk_at(3, cs, 1);
	EXPECT_OK(fits(&m, &c, 3));
	c = chunk_at(3, cs, cs);
	EXPECT_ERR(fits(&m, &c, 3), KF_EPROTO,
		   "chunk 3: raw_len 4096 does not match file_size 12289 / "
		   "chunk_size 4096 (expected 1)");
	c = chunk_at(4, cs, 1);
	EXPECT_ERR(fits(&m, &c, 4), KF_EPROTO, "chunk_count 4");
}

static void test_fits_empty_file(void **state)
{
	kf_wire_manifest_t m = layout(0, 4096);
	kf_wire_chunk_t c = chunk_at(0, 4096, 1);

	(void)state;
	assert_int_equal(m.chunk_count, 0);
	EXPECT_ERR(fits(&m, &c, 0), KF_EPROTO, "chunk_count 0");
}

static void test_fits_wrong_index_or_offset(void **state)
{
	kf_wire_manifest_t m = layout(10 * 4096, 4096);
	kf_wire_chunk_t c = chunk_at(5, 4096, 4096);

	(void)state;
	EXPECT_ERR(fits(&m, &c, 4), KF_EPROTO,
		   "chunk 5 arrived where chunk 4 was expected");
	c.offset += 1;
	EXPECT_ERR(fits(&m, &c, 5), KF_EPROTO,
		   "offset 20481 does not match index * chunk_size 4096 "
		   "(expected 20480)");
}

/* The largest file a manifest can describe: the offset of its last chunk
 * is close to UINT64_MAX and must not wrap. */
static void test_fits_huge_file(void **state)
{
	kf_wire_manifest_t m = layout(UINT64_MAX, KF_WIRE_CHUNK_MAX);
	kf_wire_chunk_t c;
	uint64_t last = m.chunk_count - 1;

	(void)state;
	c = chunk_at(last, KF_WIRE_CHUNK_MAX,
		     (uint32_t)(UINT64_MAX - last * KF_WIRE_CHUNK_MAX));
	EXPECT_OK(fits(&m, &c, last));
}

/* ------------------------------------------------------------------ */
/* Encoders refuse what decoders would refuse */

static void test_encode_manifest_refuses(void **state)
{
	kf_wire_manifest_t good = good_manifest("a/b"), bad[8];
	long len = kf_wire_encode_manifest(frame, sizeof(frame), &good);
	size_t i;

	(void)state;
	assert_int_equal(len, 68 + 3 + 6);
	assert_int_equal(kf_wire_encode_manifest(frame, (size_t)len, &good),
			 len);
	assert_int_equal(kf_wire_encode_manifest(frame, (size_t)len - 1, &good),
			 KF_EINVAL);
	assert_int_equal(kf_wire_encode_manifest(frame, 0, &good), KF_EINVAL);

	for (i = 0; i < 8; i++)
		bad[i] = good;
	bad[0].chunk_size = 0;
	bad[1].chunk_count = 3;
	bad[2].mode = 0100644;
	bad[3].mtime_nsec = 1000000000;
	bad[4].codec = 2;
	bad[5].hash_alg = 0;
	bad[6].origin = NULL;
	bad[7].path = NULL;
	for (i = 0; i < 8; i++)
		assert_int_equal(
			kf_wire_encode_manifest(frame, sizeof(frame), &bad[i]),
			KF_EINVAL);

	bad[0] = good;
	bad[0].path = (const uint8_t *)"../x";
	bad[0].path_len = 4;
	assert_int_equal(kf_wire_encode_manifest(frame, sizeof(frame), &bad[0]),
			 KF_EPATH);
	bad[0].path_len = 0;
	assert_int_equal(kf_wire_encode_manifest(frame, sizeof(frame), &bad[0]),
			 KF_EPATH);
}

static void test_encode_small_frames_refuse(void **state)
{
	kf_wire_chunk_t c = good_chunk(10, KF_WIRE_CODEC_NONE);
	kf_wire_commit_t cm = {0};
	kf_wire_abort_t a = {0};

	(void)state;
	assert_int_equal(kf_wire_encode_chunk_hdr(frame, 63, &c), KF_EINVAL);
	c.raw_len = 0;
	assert_int_equal(kf_wire_encode_chunk_hdr(frame, 64, &c), KF_EINVAL);
	c.raw_len = KF_WIRE_CHUNK_MAX + 1;
	assert_int_equal(kf_wire_encode_chunk_hdr(frame, 64, &c), KF_EINVAL);
	c.raw_len = 10;
	c.codec = 2;
	assert_int_equal(kf_wire_encode_chunk_hdr(frame, 64, &c), KF_EINVAL);

	assert_int_equal(kf_wire_encode_commit(frame, 55, &cm), KF_EINVAL);

	a.reason = (const uint8_t *)"gone";
	a.reason_len = 4;
	assert_int_equal(kf_wire_encode_abort(frame, 29, &a), KF_EINVAL);
	assert_int_equal(kf_wire_encode_abort(frame, 30, &a), 30);
	a.reason = NULL;
	assert_int_equal(kf_wire_encode_abort(frame, 30, &a), KF_EINVAL);
	a.reason = frame;
	a.reason_len = KF_WIRE_REASON_MAX + 1;
	assert_int_equal(kf_wire_encode_abort(frame, sizeof(frame), &a),
			 KF_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_manifest_roundtrip),
		cmocka_unit_test(test_manifest_golden_bytes),
		cmocka_unit_test(test_manifest_mtime_signed),
		cmocka_unit_test(test_manifest_empty_file),
		cmocka_unit_test(test_chunk_roundtrip),
		cmocka_unit_test(test_commit_roundtrip),
		cmocka_unit_test(test_abort_roundtrip),
		cmocka_unit_test(test_hdr_every_type),
		cmocka_unit_test(test_encoder_owns_hdr_fields),
		cmocka_unit_test(test_xid_format),
		cmocka_unit_test(test_bad_magic),
		cmocka_unit_test(test_version),
		cmocka_unit_test(test_unknown_type),
		cmocka_unit_test(test_wrong_type),
		cmocka_unit_test(test_flags_nonzero),
		cmocka_unit_test(test_truncated_every_length),
		cmocka_unit_test(test_trailing_bytes),
		cmocka_unit_test(test_manifest_lengths_past_end),
		cmocka_unit_test(test_manifest_reserved),
		cmocka_unit_test(test_chunk_count_mismatch),
		cmocka_unit_test(test_chunk_count_exact_multiple),
		cmocka_unit_test(test_chunk_size_bounds),
		cmocka_unit_test(test_mode_bits),
		cmocka_unit_test(test_mtime_nsec),
		cmocka_unit_test(test_codec_and_hash_alg),
		cmocka_unit_test(test_file_size_limit),
		cmocka_unit_test(test_path_dotdot),
		cmocka_unit_test(test_path_absolute),
		cmocka_unit_test(test_path_empty_component),
		cmocka_unit_test(test_path_nul),
		cmocka_unit_test(test_path_private_dir),
		cmocka_unit_test(test_path_component_length),
		cmocka_unit_test(test_path_depth),
		cmocka_unit_test(test_path_total_length),
		cmocka_unit_test(test_path_any_bytes_accepted),
		cmocka_unit_test(test_path_error_is_printable),
		cmocka_unit_test(test_chunk_reserved),
		cmocka_unit_test(test_chunk_codec),
		cmocka_unit_test(test_chunk_raw_len),
		cmocka_unit_test(test_chunk_payload_none),
		cmocka_unit_test(test_chunk_payload_zstd),
		cmocka_unit_test(test_abort_reason_len),
		cmocka_unit_test(test_fits_exact_multiple),
		cmocka_unit_test(test_fits_one_byte_past),
		cmocka_unit_test(test_fits_empty_file),
		cmocka_unit_test(test_fits_wrong_index_or_offset),
		cmocka_unit_test(test_fits_huge_file),
		cmocka_unit_test(test_encode_manifest_refuses),
		cmocka_unit_test(test_encode_small_frames_refuse),
		cmocka_unit_test(test_resume_roundtrip),
		cmocka_unit_test(test_resume_next_index),
		cmocka_unit_test(test_file_roundtrip),
		cmocka_unit_test(test_file_rules),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
