/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for src/proto/wire.c and the sealed-frame parsers of
 * src/proto/seal.c.
 *
 * Feeds the same hostile bytes to every decoder. Whatever decodes must
 * re-encode to exactly the input (a decoder that accepts two spellings of
 * one frame, or an encoder that drifts from the decoder, aborts here), and
 * every refusal must say why.
 *
 * Sealed frames are opened with fixed keys (the sealed_* seeds were made
 * for them: X25519 and Ed25519 private keys of bytes 1..32 and 33..64), so
 * that the seeds reach past the key unwrap; whatever opens must decode as
 * a plain frame or be refused with a reason.
 *
 * A FILE with flags (section 10.10) is split into its inner frames, which
 * must lie inside it, and each is opened as above.
 *
 * Seeds: tests/fuzz/corpus/wire/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/path.h"
#include "proto/seal.h"
#include "proto/wire.h"

#define FUZZ_MAX_FILE_SIZE (1ull << 40) /* receive.max_file_size default */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t out[KF_WIRE_MANIFEST_MAX + KF_WIRE_REASON_MAX];
static char err[512];

/* A decoder's verdict: 1 decoded, 0 refused with a reason. */
static int decoded(int rc)
{
	if (rc == 0)
		return 1;
	if (rc > 0 || err[0] == '\0')
		abort();
	return 0;
}

static void same_bytes(long len, const uint8_t *data, size_t size)
{
	if (len < 0 || (size_t)len != size || memcmp(out, data, size) != 0)
		abort();
}

static void fuzz_manifest(const uint8_t *data, size_t size)
{
	kf_wire_manifest_t m;

	err[0] = '\0';
	if (!decoded(kf_wire_decode_manifest(data, size, FUZZ_MAX_FILE_SIZE, &m,
					     err, sizeof(err))))
		return;
	same_bytes(kf_wire_encode_manifest(out, sizeof(out), &m), data, size);
}

static void fuzz_chunk(const uint8_t *data, size_t size)
{
	kf_wire_chunk_t c;

	err[0] = '\0';
	if (!decoded(kf_wire_decode_chunk(data, size, &c, err, sizeof(err))))
		return;
	if (c.payload != data + KF_WIRE_CHUNK_HDR ||
	    c.payload_len != size - KF_WIRE_CHUNK_HDR)
		abort();
	same_bytes(kf_wire_encode_chunk_hdr(out, sizeof(out), &c), data,
		   KF_WIRE_CHUNK_HDR);
}

static void fuzz_commit(const uint8_t *data, size_t size)
{
	kf_wire_commit_t c;

	err[0] = '\0';
	if (!decoded(kf_wire_decode_commit(data, size, &c, err, sizeof(err))))
		return;
	same_bytes(kf_wire_encode_commit(out, sizeof(out), &c), data, size);
}

static void fuzz_abort(const uint8_t *data, size_t size)
{
	kf_wire_abort_t a;

	err[0] = '\0';
	if (!decoded(kf_wire_decode_abort(data, size, &a, err, sizeof(err))))
		return;
	same_bytes(kf_wire_encode_abort(out, sizeof(out), &a), data, size);
}

static void fuzz_resume(const uint8_t *data, size_t size)
{
	kf_wire_resume_t r;

	err[0] = '\0';
	if (!decoded(kf_wire_decode_resume(data, size, FUZZ_MAX_FILE_SIZE, &r,
					   err, sizeof(err))))
		return;
	if (r.next_index > r.m.chunk_count)
		abort();
	same_bytes(kf_wire_encode_resume(out, sizeof(out), &r), data, size);
}

static void fuzz_file(const uint8_t *data, size_t size)
{
	kf_wire_manifest_t m;
	kf_wire_chunk_t c;
	kf_wire_commit_t cm;
	kf_wire_file_t f;
	size_t hdr;

	err[0] = '\0';
	if (!decoded(kf_wire_decode_file(data, size, FUZZ_MAX_FILE_SIZE, &f,
					 err, sizeof(err))))
		return;
	hdr = size - f.payload_len;
	if (f.payload != data + hdr || hdr > KF_WIRE_FILE_HDR_MAX)
		abort();
	same_bytes(kf_wire_encode_file_hdr(out, sizeof(out), &f), data, hdr);
	/* what it stands for is a transfer the version 1 rules accept */
	if (kf_wire_file_split(&f, &m, &c, &cm) &&
	    kf_wire_chunk_fits(&m, &c, 0, err, sizeof(err)))
		abort();
	if (cm.chunk_count != m.chunk_count || cm.file_size != m.file_size)
		abort();
}

static kf_seal_keys_t fuzz_keys;
static kf_seal_t *fuzz_seal; /* a transfer state with both flags */

static void fuzz_init(void)
{
	static kf_key_t *dec[1], *trusted[1];
	static const kf_xid_t xid = {{0}};
	uint8_t raw[32];
	kf_key_t *signer;
	size_t i;

	for (i = 0; i < 32; i++)
		raw[i] = (uint8_t)(i + 1);
	if (kf_key_from_raw(KF_KEY_X25519, raw, 1, &dec[0]))
		abort();
	for (i = 0; i < 32; i++)
		raw[i] = (uint8_t)(i + 33);
	if (kf_key_from_raw(KF_KEY_ED25519, raw, 1, &signer) ||
	    kf_key_from_raw(KF_KEY_ED25519, signer->pub, 0, &trusted[0]))
		abort();
	fuzz_keys.decrypt = dec;
	fuzz_keys.ndecrypt = 1;
	fuzz_keys.trusted = trusted;
	fuzz_keys.ntrusted = 1;
	fuzz_keys.signer = signer;
	if (kf_seal_new(&fuzz_keys, &xid, &fuzz_seal))
		abort();
	fuzz_seal->flags = KF_WIRE_FLAG_SEALED | KF_WIRE_FLAG_SIGNED;
}

static void fuzz_sealed(const uint8_t *data, size_t size)
{
	uint8_t plain[KF_WIRE_COMMIT_SIZE], *owned;
	uint8_t aplain[KF_SEAL_ABORT_PLAIN_MAX];
	kf_wire_abort_t a;
	const uint8_t *p;
	kf_wire_manifest_t m;
	kf_wire_commit_t c;
	kf_seal_t *s = NULL;
	uint64_t index;
	size_t len;

	err[0] = '\0';
	if (decoded(kf_seal_open_manifest(&fuzz_keys, data, size, &s, err,
					  sizeof(err)))) {
		err[0] = '\0';
		decoded(kf_wire_decode_manifest(s->frame, s->frame_len,
						FUZZ_MAX_FILE_SIZE, &m, err,
						sizeof(err)));
		err[0] = '\0';
		decoded(kf_seal_check_trust(&fuzz_keys, s, err, sizeof(err)));
		kf_seal_free(s);
	}
	err[0] = '\0';
	if (decoded(kf_seal_peek_chunk(fuzz_seal->flags, data, size, &index,
				       err, sizeof(err))) &&
	    decoded(kf_seal_open_chunk(fuzz_seal, data, size, &p, &owned, &len,
				       err, sizeof(err)))) {
		/* only a forger holding the data key gets here */
		if (!owned || len + KF_CRYPTO_TAG_LEN != size)
			abort();
		free(owned);
	}
	err[0] = '\0';
	if (decoded(kf_seal_open_commit(fuzz_seal, data, size, plain, err,
					sizeof(err))) &&
	    kf_wire_decode_commit(plain, sizeof(plain), &c, err, sizeof(err)))
		abort();
	/* a signed ABORT opens (only for the signer) into a plain one */
	err[0] = '\0';
	if (decoded(kf_seal_open_abort(fuzz_seal, data, size, aplain, &len, err,
				       sizeof(err))) &&
	    (len > sizeof(aplain) ||
	     kf_wire_decode_abort(aplain, len, &a, err, sizeof(err))))
		abort();
}

/* A FILE with flags: its parts lie inside it, back to back, and open
 * (or are refused) as frames of their own. */
static void fuzz_sealed_file(const uint8_t *data, size_t size)
{
	kf_seal_file_parts_t p;

	err[0] = '\0';
	if (!decoded(kf_seal_file_split(data, size, &p, err, sizeof(err))))
		return;
	if (!p.flags || p.manifest != data + KF_SEAL_FILE_FIXED - 4 ||
	    p.manifest_len > KF_SEAL_FILE_MANIFEST_MAX ||
	    (p.chunk &&
	     (p.chunk != p.manifest + p.manifest_len + 4 || !p.chunk_len)) ||
	    (!p.chunk && p.chunk_len) ||
	    p.commit != p.manifest + p.manifest_len + 4 + p.chunk_len ||
	    p.commit + p.commit_len != data + size)
		abort();
	fuzz_sealed(p.manifest, p.manifest_len);
	if (p.chunk)
		fuzz_sealed(p.chunk, p.chunk_len);
	fuzz_sealed(p.commit, p.commit_len);
}

/* The rendering must end inside the buffer whatever its size. */
static void fuzz_path(const uint8_t *data, size_t size)
{
	static const size_t sizes[] = {1, 2, 4, 17, sizeof(err)};
	size_t i;

	err[0] = '\0';
	decoded(kf_path_validate(data, size, err, sizeof(err)));
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		memset(err, 'z', sizeof(err));
		kf_path_printable(data, size, err, sizes[i]);
		if (strnlen(err, sizes[i]) >= sizes[i])
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned allowed[] = {
		[KF_WIRE_MANIFEST] = KF_WIRE_FLAG_SEALED | KF_WIRE_FLAG_SIGNED,
		[KF_WIRE_CHUNK] = KF_WIRE_FLAG_SEALED,
		[KF_WIRE_COMMIT] = KF_WIRE_FLAG_SEALED | KF_WIRE_FLAG_SIGNED,
		[KF_WIRE_ABORT] = KF_WIRE_FLAG_SIGNED,
		[KF_WIRE_RESUME] = 0,
		[KF_WIRE_FILE] = KF_WIRE_FLAG_SEALED | KF_WIRE_FLAG_SIGNED};
	kf_wire_hdr_t hdr;

	if (!fuzz_seal)
		fuzz_init();
	err[0] = '\0';
	if (decoded(kf_wire_decode_hdr(data, size, &hdr, err, sizeof(err))) &&
	    (hdr.version != (hdr.type == KF_WIRE_FILE ? KF_WIRE_VERSION_FILE
						      : KF_WIRE_VERSION) ||
	     hdr.type < KF_WIRE_MANIFEST || hdr.type > KF_WIRE_FILE ||
	     (hdr.flags & ~allowed[hdr.type])))
		abort();
	fuzz_manifest(data, size);
	fuzz_chunk(data, size);
	fuzz_commit(data, size);
	fuzz_abort(data, size);
	fuzz_resume(data, size);
	fuzz_file(data, size);
	fuzz_sealed(data, size);
	fuzz_sealed_file(data, size);
	fuzz_path(data, size);
	return 0;
}
