/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Base64 of RFC 4648 section 4 (the standard alphabet, `=` padding, no
 * line breaks): what Jackson writes for Kafka Connect's bytes and
 * decimals, and what a strict decoder of hostile input must accept and
 * no more.
 *
 * @locality any thread.
 */
#ifndef KF_COMMON_BASE64_H
#define KF_COMMON_BASE64_H

#include <stddef.h>

/* Bytes kf_base64_encode writes for len input bytes (no NUL). */
#define KF_BASE64_LEN(len) ((((len) + 2) / 3) * 4)

/* Writes KF_BASE64_LEN(len) bytes to out (no NUL); returns that count. */
size_t kf_base64_encode(const void *in, size_t len, char *out);

/* Decodes len bytes of canonical padded base64 into out (at least
 * len / 4 * 3 bytes): the decoded length, or -1 when the text is not
 * base64 (a byte outside the alphabet, a length not a multiple of 4,
 * padding anywhere but at the end, or pad bits that are not zero, so
 * that every byte string has exactly one accepted form). */
long kf_base64_decode(const char *in, size_t len, void *out);

#endif /* KF_COMMON_BASE64_H */
