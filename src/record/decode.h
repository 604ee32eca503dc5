/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Decoding of record fields to UTF-8 (docs/records.md 2.6): iconv from
 * the schema's encoding (CP949 for every Korean name), or a UTF-8
 * validation when the file is UTF-8 already. Never a replacement
 * character: a byte sequence that does not decode, or U+0000, is an
 * `encoding` reject. Also the UTF-8 helpers the checks and masks need.
 *
 * A decoder holds an iconv descriptor: one per thread (one per file).
 */
#ifndef KF_RECORD_DECODE_H
#define KF_RECORD_DECODE_H

#include <stddef.h>

typedef struct kf_decoder_s kf_decoder_t;

/* from: an iconv name (kf_schema_iconv_name), NULL for UTF-8. NULL with
 * errstr when iconv does not know it. */
kf_decoder_t *kf_decoder_new(const char *from, char *errstr,
			     size_t errstr_size);
void kf_decoder_free(kf_decoder_t *d);

/* The most bytes kf_decode may write for len input bytes. */
size_t kf_decode_bound(size_t len);

/* Decodes in into out (at least kf_decode_bound(len) bytes): 0 with
 * *outlen, or -1 when the input does not decode (a split or invalid
 * character, U+0000); *bad is then the offset of the offending byte. */
int kf_decode(kf_decoder_t *d, const char *in, size_t len, char *out,
	      size_t *outlen, size_t *bad);

/* 1 when p is valid UTF-8 without U+0000 (no overlongs, no surrogates). */
int kf_utf8_valid(const char *p, size_t len);
/* Code points in valid UTF-8. */
size_t kf_utf8_count(const char *p, size_t len);

#endif /* KF_RECORD_DECODE_H */
