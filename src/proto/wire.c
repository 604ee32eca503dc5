/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Wire frames, protocol versions 1 and 2 (docs/protocol.md).
 *
 * Every field goes through one pair of big-endian helpers. Decoders check
 * the frame length against the fixed part before reading any field, and
 * against the variable lengths before handing out pointers, so no read
 * ever leaves the caller's buffer. The field rules live in one checker per
 * frame type, shared by decoder and encoder, so that we never encode what
 * we would refuse to decode.
 */
#include "proto/wire.h"

#include <inttypes.h>
#include <string.h>

#include "common/err.h"
#include "core/path.h"

/* Field offsets from the start of the frame (docs/protocol.md section 3). */
enum {
	KF__HDR_MAGIC = 0,
	KF__HDR_VERSION = 4,
	KF__HDR_TYPE = 5,
	KF__HDR_FLAGS = 6,
	KF__HDR_XID = 8,

	KF__MF_FILE_SIZE = 24,
	KF__MF_CHUNK_COUNT = 32,
	KF__MF_CHUNK_SIZE = 40,
	KF__MF_MODE = 44,
	KF__MF_MTIME_SEC = 48,
	KF__MF_MTIME_NSEC = 56,
	KF__MF_CODEC = 60,
	KF__MF_HASH_ALG = 61,
	KF__MF_PATH_LEN = 62,
	KF__MF_ORIGIN_LEN = 64,
	KF__MF_RESERVED = 65,

	KF__CK_INDEX = 24,
	KF__CK_OFFSET = 32,
	KF__CK_RAW_LEN = 40,
	KF__CK_CODEC = 44,
	KF__CK_RESERVED = 45,
	KF__CK_RAW_HASH = 48,

	KF__CM_CHUNK_COUNT = 24,
	KF__CM_FILE_SIZE = 32,
	KF__CM_FILE_HASH = 40,

	KF__AB_REASON_LEN = 24
};

#define KF__RESERVED_LEN 3
#define KF__MODE_MASK 07777u
#define KF__NSEC_PER_SEC 1000000000u

static uint64_t kf__get_be(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;
	unsigned i;

	for (i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

static void kf__put_be(uint8_t *p, unsigned n, uint64_t v)
{
	while (n--) {
		p[n] = (uint8_t)v;
		v >>= 8;
	}
}

/* Converting an out-of-range value to a signed type is
 * implementation-defined in C11; this spells out two's complement. */
static int64_t kf__u64_to_i64(uint64_t v)
{
	if (v <= INT64_MAX)
		return (int64_t)v;
	return -(int64_t)(UINT64_MAX - v) - 1;
}

static int kf__is_zero(const uint8_t *p, size_t n)
{
	while (n--)
		if (*p++)
			return 0;
	return 1;
}

static const char *kf__type_name(unsigned type)
{
	switch (type) {
	case KF_WIRE_MANIFEST:
		return "manifest";
	case KF_WIRE_CHUNK:
		return "chunk";
	case KF_WIRE_COMMIT:
		return "commit";
	case KF_WIRE_ABORT:
		return "abort";
	case KF_WIRE_RESUME:
		return "resume";
	case KF_WIRE_FILE:
		return "file";
	default:
		return "unknown";
	}
}

/* Section 10: which flags each frame type may carry. */
static unsigned kf__flags_allowed(unsigned type)
{
	switch (type) {
	case KF_WIRE_MANIFEST:
	case KF_WIRE_COMMIT:
	case KF_WIRE_FILE: /* bundling a transfer's frames (section 10.10) */
		return KF_WIRE_FLAG_SEALED | KF_WIRE_FLAG_SIGNED;
	case KF_WIRE_CHUNK:
		return KF_WIRE_FLAG_SEALED;
	case KF_WIRE_ABORT: /* of a signed transfer (section 10.7.1) */
		return KF_WIRE_FLAG_SIGNED;
	default:
		return 0;
	}
}

/* Version 2 added the FILE frame and changed nothing else. */
static unsigned kf__version_of(unsigned type)
{
	return type == KF_WIRE_FILE ? KF_WIRE_VERSION_FILE : KF_WIRE_VERSION;
}

int kf_wire_decode_hdr(const void *buf, size_t len, kf_wire_hdr_t *hdr,
		       char *errstr, size_t errstr_size)
{
	const uint8_t *p = buf;
	unsigned type, flags, version;

	if (len < KF_WIRE_HDR_SIZE)
		return kf_seterr(errstr, errstr_size, KF_EPROTO,
				 "frame is %zu bytes, shorter than the %d-byte "
				 "header",
				 len, KF_WIRE_HDR_SIZE);
	if (memcmp(p + KF__HDR_MAGIC, KF_WIRE_MAGIC, 4) != 0)
		return kf_seterr(errstr, errstr_size, KF_EPROTO,
				 "not a kferry frame: magic is "
				 "%02x %02x %02x %02x, expected \"%s\"",
				 p[0], p[1], p[2], p[3], KF_WIRE_MAGIC);
	version = p[KF__HDR_VERSION];
	if (version != KF_WIRE_VERSION && version != KF_WIRE_VERSION_FILE)
		return kf_seterr(errstr, errstr_size, KF_EVERSION,
				 "unsupported protocol version %u (this "
				 "receiver understands versions %d and %d)",
				 version, KF_WIRE_VERSION,
				 KF_WIRE_VERSION_FILE);
	type = p[KF__HDR_TYPE];
	if (type < KF_WIRE_MANIFEST || type > KF_WIRE_FILE)
		return kf_seterr(errstr, errstr_size, KF_EPROTO,
				 "unknown frame type %u (expected %d..%d)",
				 type, KF_WIRE_MANIFEST, KF_WIRE_FILE);
	if (version != kf__version_of(type))
		return kf_seterr(errstr, errstr_size, KF_EVERSION,
				 "%s frame has protocol version %u; it "
				 "exists in version %u only",
				 kf__type_name(type), version,
				 kf__version_of(type));
	flags = (unsigned)kf__get_be(p + KF__HDR_FLAGS, 2);
	if (flags & ~kf__flags_allowed(type))
		return kf_seterr(errstr, errstr_size, KF_EPROTO,
				 "%s frame has flags 0x%04x; it may carry "
				 "0x%04x at most",
				 kf__type_name(type), flags,
				 kf__flags_allowed(type));

	hdr->version = (uint8_t)version;
	hdr->type = (uint8_t)type;
	hdr->flags = (uint16_t)flags;
	memcpy(hdr->xid.b, p + KF__HDR_XID, sizeof(hdr->xid.b));
	return 0;
}

/* Decodes the header of a frame that must be of `type` and at least
 * `fixed` bytes long, so the caller may read its whole fixed part. */
static int kf__decode_frame(const uint8_t *p, size_t len, unsigned type,
			    size_t fixed, kf_wire_hdr_t *hdr, char *errstr,
			    size_t errstr_size)
{
	int err;

	err = kf_wire_decode_hdr(p, len, hdr, errstr, errstr_size);
	if (err)
		return err;
	if (hdr->type != type)
		return kf_seterr(errstr, errstr_size, KF_EPROTO,
				 "expected a %s frame, got a %s frame",
				 kf__type_name(type), kf__type_name(hdr->type));
	if (hdr->flags)
		return kf_seterr(errstr, errstr_size, KF_EPROTO,
				 "%s frame has flags 0x%04x: it is sealed or "
				 "signed (docs/protocol.md section 10) and "
				 "must be opened first",
				 kf__type_name(type), hdr->flags);
	if (len < fixed)
		return kf_seterr(errstr, errstr_size, KF_EPROTO,
				 "%s: frame is truncated: %zu bytes, the fixed "
				 "part needs %zu",
				 kf__type_name(type), len, fixed);
	return 0;
}

/* MANIFEST, COMMIT and ABORT end exactly where their body does. */
static int kf__check_exact_len(unsigned type, size_t len, size_t want,
			       char *errstr, size_t errstr_size)
{
	if (len < want)
		return kf_seterr(errstr, errstr_size, KF_EPROTO,
				 "%s: frame is truncated: %zu bytes, the body "
				 "needs %zu",
				 kf__type_name(type), len, want);
	if (len > want)
		return kf_seterr(errstr, errstr_size, KF_EPROTO,
				 "%s: trailing bytes: frame is %zu bytes, the "
				 "body ends at %zu",
				 kf__type_name(type), len, want);
	return 0;
}

/* Encoders take only the transfer id from the caller's header: version,
 * type and flags are fixed by the frame being written. */
static void kf__put_hdr(uint8_t *p, unsigned type, const kf_xid_t *xid)
{
	memcpy(p + KF__HDR_MAGIC, KF_WIRE_MAGIC, 4);
	p[KF__HDR_VERSION] = (uint8_t)kf__version_of(type);
	p[KF__HDR_TYPE] = (uint8_t)type;
	kf__put_be(p + KF__HDR_FLAGS, 2, 0);
	memcpy(p + KF__HDR_XID, xid->b, sizeof(xid->b));
}

/* The MANIFEST field rules except max_file_size (a receiver setting).
 * Returns 0, KF_EPROTO or KF_EPATH. */
static int kf__manifest_check(const kf_wire_manifest_t *m, char *errstr,
			      size_t errstr_size)
{
	char why[256];
	uint64_t count;

	if (m->codec > KF_WIRE_CODEC_ZSTD)
		return kf_seterr(errstr, errstr_size, KF_EPROTO,
				 "manifest: unknown codec %u (0 none, 1 zstd)",
				 m->codec);
	if (m->hash_alg != KF_WIRE_HASH_XXH3_128)
		return kf_seterr(errstr, errstr_size, KF_EPROTO,
				 "manifest: unknown hash_alg %u (1 XXH3-128)",
				 m->hash_alg);
	if (m->chunk_size < KF_WIRE_CHUNK_MIN ||
	    m->chunk_size > KF_WIRE_CHUNK_MAX)
		return kf_seterr(
			errstr, errstr_size, KF_EPROTO,
			"manifest: chunk_size %" PRIu32 " is outside %u..%u",
			m->chunk_size, KF_WIRE_CHUNK_MIN, KF_WIRE_CHUNK_MAX);
	/* ceil() without the overflow of (file_size + chunk_size - 1) */
	count = m->file_size / m->chunk_size +
		(m->file_size % m->chunk_size != 0);
	if (m->chunk_count != count)
		return kf_seterr(
			errstr, errstr_size, KF_EPROTO,
			"manifest: chunk_count %" PRIu64
			" does not match file_size %" PRIu64
			" / chunk_size %" PRIu32 " (expected %" PRIu64 ")",
			m->chunk_count, m->file_size, m->chunk_size, count);
	if (m->mode & ~KF__MODE_MASK)
		return kf_seterr(errstr, errstr_size, KF_EPROTO,
				 "manifest: mode 0%" PRIo32
				 " has bits outside the permission mask 07777",
				 m->mode);
	if (m->mtime_nsec >= KF__NSEC_PER_SEC)
		return kf_seterr(errstr, errstr_size, KF_EPROTO,
				 "manifest: mtime_nsec %" PRIu32
				 " is not below 1000000000",
				 m->mtime_nsec);
	if (kf_path_validate(m->path, m->path_len, why, sizeof(why)))
		return kf_seterr(errstr, errstr_size, KF_EPATH, "manifest: %s",
				 why);
	return 0;
}

/* MANIFEST, RESUME and FILE share one layout; a RESUME adds `trailer`
 * bytes (its next_index) after the origin, a FILE `trailer` bytes (its
 * file_hash) and then its payload (`open`: the frame may go on). */
static int kf__decode_manifest_as(const uint8_t *p, size_t len, unsigned type,
				  size_t trailer, int open,
				  uint64_t max_file_size, kf_wire_manifest_t *m,
				  char *errstr, size_t errstr_size)
{
	const char *what = kf__type_name(type);
	size_t body;
	int err;

	err = kf__decode_frame(p, len, type, KF_WIRE_MANIFEST_FIXED + trailer,
			       &m->hdr, errstr, errstr_size);
	if (err)
		return err;
	if (!kf__is_zero(p + KF__MF_RESERVED, KF__RESERVED_LEN))
		return kf_seterr(errstr, errstr_size, KF_EPROTO,
				 "%s: reserved bytes are not zero", what);

	m->file_size = kf__get_be(p + KF__MF_FILE_SIZE, 8);
	m->chunk_count = kf__get_be(p + KF__MF_CHUNK_COUNT, 8);
	m->chunk_size = (uint32_t)kf__get_be(p + KF__MF_CHUNK_SIZE, 4);
	m->mode = (uint32_t)kf__get_be(p + KF__MF_MODE, 4);
	m->mtime_sec = kf__u64_to_i64(kf__get_be(p + KF__MF_MTIME_SEC, 8));
	m->mtime_nsec = (uint32_t)kf__get_be(p + KF__MF_MTIME_NSEC, 4);
	m->codec = p[KF__MF_CODEC];
	m->hash_alg = p[KF__MF_HASH_ALG];
	m->path_len = (uint16_t)kf__get_be(p + KF__MF_PATH_LEN, 2);
	m->origin_len = p[KF__MF_ORIGIN_LEN];

	body = KF_WIRE_MANIFEST_FIXED + (size_t)m->path_len + m->origin_len +
	       trailer;
	err = open && len >= body ? 0
				  : kf__check_exact_len(type, len, body, errstr,
							errstr_size);
	if (err)
		return err;
	m->path = p + KF_WIRE_MANIFEST_FIXED;
	m->origin = m->path + m->path_len;

	err = kf__manifest_check(m, errstr, errstr_size);
	if (err)
		return err;
	if (max_file_size && m->file_size > max_file_size)
		return kf_seterr(errstr, errstr_size, KF_ELIMIT,
				 "%s: file_size %" PRIu64
				 " exceeds the limit of %" PRIu64
				 " bytes (receive.max_file_size)",
				 what, m->file_size, max_file_size);
	return 0;
}

int kf_wire_decode_manifest(const void *buf, size_t len, uint64_t max_file_size,
			    kf_wire_manifest_t *m, char *errstr,
			    size_t errstr_size)
{
	return kf__decode_manifest_as(buf, len, KF_WIRE_MANIFEST, 0, 0,
				      max_file_size, m, errstr, errstr_size);
}

int kf_wire_decode_resume(const void *buf, size_t len, uint64_t max_file_size,
			  kf_wire_resume_t *r, char *errstr, size_t errstr_size)
{
	int err;

	err = kf__decode_manifest_as(buf, len, KF_WIRE_RESUME,
				     KF_WIRE_RESUME_TRAILER, 0, max_file_size,
				     &r->m, errstr, errstr_size);
	if (err)
		return err;
	r->next_index = kf__get_be(
		(const uint8_t *)buf + len - KF_WIRE_RESUME_TRAILER, 8);
	if (r->next_index > r->m.chunk_count)
		return kf_seterr(errstr, errstr_size, KF_EPROTO,
				 "resume: next_index %" PRIu64
				 " is past chunk_count %" PRIu64,
				 r->next_index, r->m.chunk_count);
	return 0;
}

static long kf__encode_manifest_as(uint8_t *p, size_t cap, unsigned type,
				   size_t trailer, const kf_wire_manifest_t *m)
{
	size_t len;
	int err;

	if ((m->path_len && !m->path) || (m->origin_len && !m->origin))
		return KF_EINVAL;
	err = kf__manifest_check(m, NULL, 0);
	if (err)
		return err == KF_EPATH ? KF_EPATH : KF_EINVAL;
	len = KF_WIRE_MANIFEST_FIXED + (size_t)m->path_len + m->origin_len +
	      trailer;
	if (cap < len)
		return KF_EINVAL;

	kf__put_hdr(p, type, &m->hdr.xid);
	kf__put_be(p + KF__MF_FILE_SIZE, 8, m->file_size);
	kf__put_be(p + KF__MF_CHUNK_COUNT, 8, m->chunk_count);
	kf__put_be(p + KF__MF_CHUNK_SIZE, 4, m->chunk_size);
	kf__put_be(p + KF__MF_MODE, 4, m->mode);
	kf__put_be(p + KF__MF_MTIME_SEC, 8, (uint64_t)m->mtime_sec);
	kf__put_be(p + KF__MF_MTIME_NSEC, 4, m->mtime_nsec);
	p[KF__MF_CODEC] = m->codec;
	p[KF__MF_HASH_ALG] = m->hash_alg;
	kf__put_be(p + KF__MF_PATH_LEN, 2, m->path_len);
	p[KF__MF_ORIGIN_LEN] = m->origin_len;
	memset(p + KF__MF_RESERVED, 0, KF__RESERVED_LEN);
	memcpy(p + KF_WIRE_MANIFEST_FIXED, m->path, m->path_len);
	if (m->origin_len)
		memcpy(p + KF_WIRE_MANIFEST_FIXED + m->path_len, m->origin,
		       m->origin_len);
	return (long)len;
}

long kf_wire_encode_manifest(void *buf, size_t cap, const kf_wire_manifest_t *m)
{
	return kf__encode_manifest_as(buf, cap, KF_WIRE_MANIFEST, 0, m);
}

long kf_wire_encode_resume(void *buf, size_t cap, const kf_wire_resume_t *r)
{
	long n;

	if (r->next_index > r->m.chunk_count)
		return KF_EINVAL;
	n = kf__encode_manifest_as(buf, cap, KF_WIRE_RESUME,
				   KF_WIRE_RESUME_TRAILER, &r->m);
	if (n > 0)
		kf__put_be((uint8_t *)buf + n - KF_WIRE_RESUME_TRAILER, 8,
			   r->next_index);
	return n;
}

/* The CHUNK rules that need neither the payload nor the manifest. */
static int kf__chunk_check(const kf_wire_chunk_t *c, char *errstr,
			   size_t errstr_size)
{
	if (c->codec > KF_WIRE_CODEC_ZSTD)
		return kf_seterr(errstr, errstr_size, KF_EPROTO,
				 "chunk %" PRIu64
				 ": unknown codec %u (0 none, 1 zstd)",
				 c->index, c->codec);
	if (c->raw_len == 0)
		return kf_seterr(errstr, errstr_size, KF_EPROTO,
				 "chunk %" PRIu64 ": raw_len is 0", c->index);
	if (c->raw_len > KF_WIRE_CHUNK_MAX)
		return kf_seterr(errstr, errstr_size, KF_EPROTO,
				 "chunk %" PRIu64 ": raw_len %" PRIu32
				 " exceeds the largest chunk_size %u",
				 c->index, c->raw_len, KF_WIRE_CHUNK_MAX);
	return 0;
}

static int kf__chunk_check_payload(const kf_wire_chunk_t *c, char *errstr,
				   size_t errstr_size)
{
	if (c->codec == KF_WIRE_CODEC_NONE) {
		if (c->payload_len != c->raw_len)
			return kf_seterr(errstr, errstr_size, KF_EPROTO,
					 "chunk %" PRIu64
					 ": uncompressed payload is %zu bytes "
					 "but raw_len is %" PRIu32,
					 c->index, c->payload_len, c->raw_len);
		return 0;
	}
	if (c->payload_len == 0)
		return kf_seterr(errstr, errstr_size, KF_EPROTO,
				 "chunk %" PRIu64 ": zstd payload is empty",
				 c->index);
	/* protocol.md section 5: a frame is at most 64 MiB + 64 bytes */
	if (c->payload_len > KF_WIRE_CHUNK_MAX)
		return kf_seterr(errstr, errstr_size, KF_ELIMIT,
				 "chunk %" PRIu64
				 ": zstd payload is %zu bytes, "
				 "more than the frame limit of %u",
				 c->index, c->payload_len, KF_WIRE_CHUNK_MAX);
	return 0;
}

int kf_wire_decode_chunk(const void *buf, size_t len, kf_wire_chunk_t *c,
			 char *errstr, size_t errstr_size)
{
	const uint8_t *p = buf;
	int err;

	err = kf__decode_frame(p, len, KF_WIRE_CHUNK, KF_WIRE_CHUNK_HDR,
			       &c->hdr, errstr, errstr_size);
	if (err)
		return err;
	c->index = kf__get_be(p + KF__CK_INDEX, 8);
	if (!kf__is_zero(p + KF__CK_RESERVED, KF__RESERVED_LEN))
		return kf_seterr(errstr, errstr_size, KF_EPROTO,
				 "chunk %" PRIu64
				 ": reserved bytes are not zero",
				 c->index);
	c->offset = kf__get_be(p + KF__CK_OFFSET, 8);
	c->raw_len = (uint32_t)kf__get_be(p + KF__CK_RAW_LEN, 4);
	c->codec = p[KF__CK_CODEC];
	memcpy(c->raw_hash, p + KF__CK_RAW_HASH, sizeof(c->raw_hash));
	c->payload = p + KF_WIRE_CHUNK_HDR;
	c->payload_len = len - KF_WIRE_CHUNK_HDR;

	err = kf__chunk_check(c, errstr, errstr_size);
	if (err)
		return err;
	return kf__chunk_check_payload(c, errstr, errstr_size);
}

long kf_wire_encode_chunk_hdr(void *buf, size_t cap, const kf_wire_chunk_t *c)
{
	uint8_t *p = buf;

	if (kf__chunk_check(c, NULL, 0))
		return KF_EINVAL;
	if (cap < KF_WIRE_CHUNK_HDR)
		return KF_EINVAL;

	kf__put_hdr(p, KF_WIRE_CHUNK, &c->hdr.xid);
	kf__put_be(p + KF__CK_INDEX, 8, c->index);
	kf__put_be(p + KF__CK_OFFSET, 8, c->offset);
	kf__put_be(p + KF__CK_RAW_LEN, 4, c->raw_len);
	p[KF__CK_CODEC] = c->codec;
	memset(p + KF__CK_RESERVED, 0, KF__RESERVED_LEN);
	memcpy(p + KF__CK_RAW_HASH, c->raw_hash, sizeof(c->raw_hash));
	return KF_WIRE_CHUNK_HDR;
}

int kf_wire_chunk_fits(const kf_wire_manifest_t *m, const kf_wire_chunk_t *c,
		       uint64_t expect_index, char *errstr, size_t errstr_size)
{
	uint64_t offset, raw_len;

	if (c->index != expect_index)
		return kf_seterr(errstr, errstr_size, KF_EPROTO,
				 "chunk %" PRIu64
				 " arrived where chunk %" PRIu64
				 " was expected",
				 c->index, expect_index);
	if (c->index >= m->chunk_count)
		return kf_seterr(errstr, errstr_size, KF_EPROTO,
				 "chunk %" PRIu64
				 " is past the manifest's chunk_count %" PRIu64,
				 c->index, m->chunk_count);
	/* index < chunk_count = ceil(file_size / chunk_size), so this product
	 * is below file_size and cannot wrap. */
	offset = c->index * m->chunk_size;
	if (c->offset != offset)
		return kf_seterr(errstr, errstr_size, KF_EPROTO,
				 "chunk %" PRIu64 ": offset %" PRIu64
				 " does not match index * chunk_size %" PRIu32
				 " (expected %" PRIu64 ")",
				 c->index, c->offset, m->chunk_size, offset);
	raw_len = m->file_size - offset;
	if (raw_len > m->chunk_size)
		raw_len = m->chunk_size;
	if (c->raw_len != raw_len)
		return kf_seterr(errstr, errstr_size, KF_EPROTO,
				 "chunk %" PRIu64 ": raw_len %" PRIu32
				 " does not match file_size %" PRIu64
				 " / chunk_size %" PRIu32 " (expected %" PRIu64
				 ")",
				 c->index, c->raw_len, m->file_size,
				 m->chunk_size, raw_len);
	return 0;
}

int kf_wire_decode_commit(const void *buf, size_t len, kf_wire_commit_t *c,
			  char *errstr, size_t errstr_size)
{
	const uint8_t *p = buf;
	int err;

	err = kf__decode_frame(p, len, KF_WIRE_COMMIT, KF_WIRE_COMMIT_SIZE,
			       &c->hdr, errstr, errstr_size);
	if (err)
		return err;
	err = kf__check_exact_len(KF_WIRE_COMMIT, len, KF_WIRE_COMMIT_SIZE,
				  errstr, errstr_size);
	if (err)
		return err;
	c->chunk_count = kf__get_be(p + KF__CM_CHUNK_COUNT, 8);
	c->file_size = kf__get_be(p + KF__CM_FILE_SIZE, 8);
	memcpy(c->file_hash, p + KF__CM_FILE_HASH, sizeof(c->file_hash));
	return 0;
}

long kf_wire_encode_commit(void *buf, size_t cap, const kf_wire_commit_t *c)
{
	uint8_t *p = buf;

	if (cap < KF_WIRE_COMMIT_SIZE)
		return KF_EINVAL;
	kf__put_hdr(p, KF_WIRE_COMMIT, &c->hdr.xid);
	kf__put_be(p + KF__CM_CHUNK_COUNT, 8, c->chunk_count);
	kf__put_be(p + KF__CM_FILE_SIZE, 8, c->file_size);
	memcpy(p + KF__CM_FILE_HASH, c->file_hash, sizeof(c->file_hash));
	return KF_WIRE_COMMIT_SIZE;
}

int kf_wire_decode_abort(const void *buf, size_t len, kf_wire_abort_t *a,
			 char *errstr, size_t errstr_size)
{
	const uint8_t *p = buf;
	int err;

	err = kf__decode_frame(p, len, KF_WIRE_ABORT, KF_WIRE_ABORT_FIXED,
			       &a->hdr, errstr, errstr_size);
	if (err)
		return err;
	a->reason_len = (uint16_t)kf__get_be(p + KF__AB_REASON_LEN, 2);
	if (a->reason_len > KF_WIRE_REASON_MAX)
		return kf_seterr(errstr, errstr_size, KF_EPROTO,
				 "abort: reason_len %u exceeds %d",
				 a->reason_len, KF_WIRE_REASON_MAX);
	err = kf__check_exact_len(KF_WIRE_ABORT, len,
				  KF_WIRE_ABORT_FIXED + (size_t)a->reason_len,
				  errstr, errstr_size);
	if (err)
		return err;
	a->reason = p + KF_WIRE_ABORT_FIXED;
	return 0;
}

long kf_wire_encode_abort(void *buf, size_t cap, const kf_wire_abort_t *a)
{
	uint8_t *p = buf;
	size_t len = KF_WIRE_ABORT_FIXED + (size_t)a->reason_len;

	if (a->reason_len > KF_WIRE_REASON_MAX || (a->reason_len && !a->reason))
		return KF_EINVAL;
	if (cap < len)
		return KF_EINVAL;
	kf__put_hdr(p, KF_WIRE_ABORT, &a->hdr.xid);
	kf__put_be(p + KF__AB_REASON_LEN, 2, a->reason_len);
	if (a->reason_len)
		memcpy(p + KF_WIRE_ABORT_FIXED, a->reason, a->reason_len);
	return (long)len;
}

int kf_wire_decode_file(const void *buf, size_t len, uint64_t max_file_size,
			kf_wire_file_t *f, char *errstr, size_t errstr_size)
{
	const uint8_t *p = buf;
	kf_wire_manifest_t m;
	kf_wire_chunk_t c;
	kf_wire_commit_t cm;
	size_t at;
	int err;

	err = kf__decode_manifest_as(p, len, KF_WIRE_FILE, KF_WIRE_FILE_TRAILER,
				     1, max_file_size, &f->m, errstr,
				     errstr_size);
	if (err)
		return err;
	if (f->m.chunk_count > 1)
		return kf_seterr(errstr, errstr_size, KF_EPROTO,
				 "file: file_size %" PRIu64
				 " exceeds chunk_size %" PRIu32
				 ": a FILE frame holds one chunk at most",
				 f->m.file_size, f->m.chunk_size);
	at = KF_WIRE_MANIFEST_FIXED + (size_t)f->m.path_len + f->m.origin_len;
	memcpy(f->file_hash, p + at, sizeof(f->file_hash));
	f->payload = p + at + KF_WIRE_FILE_TRAILER;
	f->payload_len = len - at - KF_WIRE_FILE_TRAILER;
	if (f->m.chunk_count == 0) {
		if (f->m.codec != KF_WIRE_CODEC_NONE || f->payload_len)
			return kf_seterr(errstr, errstr_size, KF_EPROTO,
					 "file: an empty file has codec 0 and "
					 "no payload (codec %u, %zu bytes)",
					 f->m.codec, f->payload_len);
		return 0;
	}
	kf_wire_file_split(f, &m, &c, &cm);
	return kf__chunk_check_payload(&c, errstr, errstr_size);
}

uint64_t kf_wire_file_split(const kf_wire_file_t *f, kf_wire_manifest_t *m,
			    kf_wire_chunk_t *c, kf_wire_commit_t *cm)
{
	*m = f->m;
	m->hdr.version = KF_WIRE_VERSION;
	m->hdr.type = KF_WIRE_MANIFEST;
	memset(c, 0, sizeof(*c));
	c->hdr = m->hdr;
	c->hdr.type = KF_WIRE_CHUNK;
	c->raw_len = (uint32_t)f->m.file_size; /* <= chunk_size: checked */
	c->codec = f->m.codec;
	memcpy(c->raw_hash, f->file_hash, sizeof(c->raw_hash));
	c->payload = f->payload;
	c->payload_len = f->payload_len;
	memset(cm, 0, sizeof(*cm));
	cm->hdr = m->hdr;
	cm->hdr.type = KF_WIRE_COMMIT;
	cm->chunk_count = f->m.chunk_count;
	cm->file_size = f->m.file_size;
	memcpy(cm->file_hash, f->file_hash, sizeof(cm->file_hash));
	return f->m.chunk_count;
}

long kf_wire_encode_file_hdr(void *buf, size_t cap, const kf_wire_file_t *f)
{
	long n;

	if (f->m.chunk_count > 1)
		return KF_EINVAL;
	n = kf__encode_manifest_as(buf, cap, KF_WIRE_FILE, KF_WIRE_FILE_TRAILER,
				   &f->m);
	if (n > 0)
		memcpy((uint8_t *)buf + n - KF_WIRE_FILE_TRAILER, f->file_hash,
		       KF_WIRE_FILE_TRAILER);
	return n;
}

void kf_xid_format(const kf_xid_t *xid, char out[33])
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < sizeof(xid->b); i++) {
		out[2 * i] = hex[xid->b[i] >> 4];
		out[2 * i + 1] = hex[xid->b[i] & 0xf];
	}
	out[2 * sizeof(xid->b)] = '\0';
}
