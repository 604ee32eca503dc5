/*
 * libFuzzer target for src/proto/wire.c.
 *
 * Feeds the same hostile bytes to every decoder. Whatever decodes must
 * re-encode to exactly the input (a decoder that accepts two spellings of
 * one frame, or an encoder that drifts from the decoder, aborts here), and
 * every refusal must say why.
 *
 * Seeds: tests/fuzz/corpus/wire/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/path.h"
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
	kf_wire_hdr_t hdr;

	err[0] = '\0';
	if (decoded(kf_wire_decode_hdr(data, size, &hdr, err, sizeof(err))) &&
	    (hdr.version != KF_WIRE_VERSION || hdr.flags != 0 ||
	     hdr.type < KF_WIRE_MANIFEST || hdr.type > KF_WIRE_RESUME))
		abort();
	fuzz_manifest(data, size);
	fuzz_chunk(data, size);
	fuzz_commit(data, size);
	fuzz_abort(data, size);
	fuzz_resume(data, size);
	fuzz_path(data, size);
	return 0;
}
