/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Wire frames, protocol version 1: encode and decode (docs/protocol.md).
 *
 * Decoders treat their input as hostile: every length is checked before
 * use and every rule of docs/protocol.md is enforced. Decoded structures
 * point into the caller's buffer (no copies, nothing to free); they are
 * valid as long as that buffer is.
 *
 * @locality any thread; no shared state.
 */
#ifndef KF_PROTO_WIRE_H
#define KF_PROTO_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "core/path.h"

#define KF_WIRE_MAGIC "KFRY"
#define KF_WIRE_VERSION 1
/* The version of FILE frames (docs/protocol.md section 3.7); every other
 * type keeps KF_WIRE_VERSION. */
#define KF_WIRE_VERSION_FILE 2
#define KF_WIRE_HDR_SIZE 24
#define KF_WIRE_MANIFEST_FIXED 68 /* header + fixed part of MANIFEST */
#define KF_WIRE_CHUNK_HDR 64	  /* header + fixed part of CHUNK */
#define KF_WIRE_COMMIT_SIZE 56
#define KF_WIRE_ABORT_FIXED 26
#define KF_WIRE_RESUME_TRAILER 8 /* RESUME = MANIFEST layout + next_index */
#define KF_WIRE_FILE_TRAILER 16	 /* FILE = MANIFEST layout + file_hash + data */

/* path limits: core/path owns the path rules */
#define KF_WIRE_PATH_MAX KF_PATH_MAX
#define KF_WIRE_COMPONENT_MAX KF_PATH_COMPONENT_MAX
#define KF_WIRE_DEPTH_MAX KF_PATH_DEPTH_MAX
#define KF_WIRE_ORIGIN_MAX 255
#define KF_WIRE_REASON_MAX 1024
#define KF_WIRE_CHUNK_MIN (4u << 10)
#define KF_WIRE_CHUNK_MAX (64u << 20)
/* The largest encoded MANIFEST, and RESUME. */
#define KF_WIRE_MANIFEST_MAX                                                   \
	(KF_WIRE_MANIFEST_FIXED + KF_WIRE_PATH_MAX + KF_WIRE_ORIGIN_MAX)
#define KF_WIRE_RESUME_MAX (KF_WIRE_MANIFEST_MAX + KF_WIRE_RESUME_TRAILER)
/* The largest FILE before its payload. */
#define KF_WIRE_FILE_HDR_MAX (KF_WIRE_MANIFEST_MAX + KF_WIRE_FILE_TRAILER)

enum kf_wire_type {
	KF_WIRE_MANIFEST = 1,
	KF_WIRE_CHUNK = 2,
	KF_WIRE_COMMIT = 3,
	KF_WIRE_ABORT = 4,
	KF_WIRE_RESUME = 5,
	KF_WIRE_FILE = 6 /* version 2 */
};

/* Header flags (docs/protocol.md section 10). A plain v1 frame has none;
 * the decoders below accept only plain frames: proto/seal opens the others
 * into plain ones first. */
#define KF_WIRE_FLAG_SEALED                                                    \
	0x0001u /* body encrypted: MANIFEST, CHUNK, COMMIT */
#define KF_WIRE_FLAG_SIGNED 0x0002u /* signature: MANIFEST, COMMIT, ABORT */

enum kf_wire_codec {
	KF_WIRE_CODEC_NONE = 0,
	KF_WIRE_CODEC_ZSTD = 1
};

enum kf_wire_hash_alg {
	KF_WIRE_HASH_XXH3_128 = 1
};

typedef struct kf_xid_s {
	uint8_t b[16];
} kf_xid_t;

typedef struct kf_wire_hdr_s {
	uint8_t version;
	uint8_t type; /* enum kf_wire_type */
	uint16_t flags;
	kf_xid_t xid;
} kf_wire_hdr_t;

typedef struct kf_wire_manifest_s {
	kf_wire_hdr_t hdr;
	uint64_t file_size;
	uint64_t chunk_count;
	uint32_t chunk_size;
	uint32_t mode; /* permission bits only */
	int64_t mtime_sec;
	uint32_t mtime_nsec;
	uint8_t codec;
	uint8_t hash_alg;
	const uint8_t *path; /* not NUL-terminated */
	uint16_t path_len;
	const uint8_t *origin; /* not NUL-terminated; may be NULL if len 0 */
	uint8_t origin_len;
} kf_wire_manifest_t;

typedef struct kf_wire_chunk_s {
	kf_wire_hdr_t hdr;
	uint64_t index;
	uint64_t offset;
	uint32_t raw_len;
	uint8_t codec;
	uint8_t raw_hash[16];
	const uint8_t *payload;
	size_t payload_len;
} kf_wire_chunk_t;

typedef struct kf_wire_commit_s {
	kf_wire_hdr_t hdr;
	uint64_t chunk_count;
	uint64_t file_size;
	uint8_t file_hash[16];
} kf_wire_commit_t;

/* RESUME (docs/protocol.md section 9): the sender restarted and carries on
 * an unfinished transfer (same id) from chunk next_index; m restates the
 * MANIFEST, whose fields must not differ. */
typedef struct kf_wire_resume_s {
	kf_wire_manifest_t m; /* m.hdr.type is KF_WIRE_RESUME */
	uint64_t next_index;  /* <= m.chunk_count */
} kf_wire_resume_t;

/* FILE (docs/protocol.md section 3.7): a whole file of at most chunk_size
 * bytes in one frame. m.codec is the payload's codec; m.hdr.type is
 * KF_WIRE_FILE. */
typedef struct kf_wire_file_s {
	kf_wire_manifest_t m;
	uint8_t file_hash[16];
	const uint8_t *payload;
	size_t payload_len;
} kf_wire_file_t;

typedef struct kf_wire_abort_s {
	kf_wire_hdr_t hdr;
	const uint8_t *reason;
	uint16_t reason_len;
} kf_wire_abort_t;

/* Decodes only the common header. Returns 0, KF_EPROTO (too short, bad
 * magic, unknown type, flags the type cannot carry) or KF_EVERSION. */
int kf_wire_decode_hdr(const void *buf, size_t len, kf_wire_hdr_t *hdr,
		       char *errstr, size_t errstr_size);

/* Full decoders: header + body, every rule of docs/protocol.md section 3
 * checked (path rules included, via kf_path_validate). max_file_size bounds
 * file_size (0 = no limit beyond the format). */
int kf_wire_decode_manifest(const void *buf, size_t len, uint64_t max_file_size,
			    kf_wire_manifest_t *m, char *errstr,
			    size_t errstr_size);
int kf_wire_decode_resume(const void *buf, size_t len, uint64_t max_file_size,
			  kf_wire_resume_t *r, char *errstr,
			  size_t errstr_size);
/* Checks the chunk's own fields only (codec, reserved bytes, payload length
 * for codec none); the receiver checks index/offset/raw_len against its
 * manifest with kf_wire_chunk_fits(). */
int kf_wire_decode_chunk(const void *buf, size_t len, kf_wire_chunk_t *c,
			 char *errstr, size_t errstr_size);
int kf_wire_decode_commit(const void *buf, size_t len, kf_wire_commit_t *c,
			  char *errstr, size_t errstr_size);
int kf_wire_decode_abort(const void *buf, size_t len, kf_wire_abort_t *a,
			 char *errstr, size_t errstr_size);
int kf_wire_decode_file(const void *buf, size_t len, uint64_t max_file_size,
			kf_wire_file_t *f, char *errstr, size_t errstr_size);

/* The transfer a FILE stands for (section 3.7): its manifest (type
 * MANIFEST), its chunk 0 when it is not empty (c->payload points into the
 * FILE's buffer) and its commit. Returns the number of chunks, 0 or 1. */
uint64_t kf_wire_file_split(const kf_wire_file_t *f, kf_wire_manifest_t *m,
			    kf_wire_chunk_t *c, kf_wire_commit_t *cm);

/* Checks that chunk c is the chunk `expect_index` of manifest m: index,
 * offset and raw_len agree. */
int kf_wire_chunk_fits(const kf_wire_manifest_t *m, const kf_wire_chunk_t *c,
		       uint64_t expect_index, char *errstr, size_t errstr_size);

/* Encoders write into buf (capacity cap) and return the encoded length, or
 * a negative KF_E* code if cap is too small or a field is out of range. */
long kf_wire_encode_manifest(void *buf, size_t cap,
			     const kf_wire_manifest_t *m);
long kf_wire_encode_resume(void *buf, size_t cap, const kf_wire_resume_t *r);
/* Writes the 64-byte CHUNK header; the payload follows it in the caller's
 * buffer (payload/payload_len of c are ignored). */
long kf_wire_encode_chunk_hdr(void *buf, size_t cap, const kf_wire_chunk_t *c);
long kf_wire_encode_commit(void *buf, size_t cap, const kf_wire_commit_t *c);
long kf_wire_encode_abort(void *buf, size_t cap, const kf_wire_abort_t *a);
/* Writes the FILE up to its payload (manifest part and file_hash, at most
 * KF_WIRE_FILE_HDR_MAX bytes); the payload follows it in the caller's
 * buffer (payload/payload_len of f are ignored). f->m.chunk_count must be 0
 * or 1. */
long kf_wire_encode_file_hdr(void *buf, size_t cap, const kf_wire_file_t *f);

/* Formats a transfer id as 32 lowercase hex digits plus NUL (33 bytes). */
void kf_xid_format(const kf_xid_t *xid, char out[33]);

#endif /* KF_PROTO_WIRE_H */
