/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Base64 (base64.h): table-driven, four characters per three bytes.
 */
#include <stdint.h>

#include "common/base64.h"

static const char kf__alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t kf_base64_encode(const void *in, size_t len, char *out)
{
	const uint8_t *p = in;
	size_t i, o = 0;

	for (i = 0; i + 2 < len; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 |
			     p[i + 2];

		out[o++] = kf__alphabet[v >> 18];
		out[o++] = kf__alphabet[(v >> 12) & 63];
		out[o++] = kf__alphabet[(v >> 6) & 63];
		out[o++] = kf__alphabet[v & 63];
	}
	if (i < len) {
		uint32_t v = (uint32_t)p[i] << 16;

		if (i + 1 < len)
			v |= (uint32_t)p[i + 1] << 8;
		out[o++] = kf__alphabet[v >> 18];
		out[o++] = kf__alphabet[(v >> 12) & 63];
		out[o++] = i + 1 < len ? kf__alphabet[(v >> 6) & 63] : '=';
		out[o++] = '=';
	}
	return o;
}

/* The value of a base64 character, or -1. */
static int kf__sextet(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

long kf_base64_decode(const char *in, size_t len, void *out)
{
	uint8_t *o = out;
	size_t i, n = 0;

	if (len % 4)
		return -1;
	for (i = 0; i < len; i += 4) {
		int last = i + 4 == len;
		int pad = last ? (in[i + 3] == '=') + (in[i + 2] == '=') : 0;
		int a = kf__sextet(in[i]), b = kf__sextet(in[i + 1]);
		int c = pad == 2 ? 0 : kf__sextet(in[i + 2]);
		int d = pad ? 0 : kf__sextet(in[i + 3]);
		uint32_t v;

		if (a < 0 || b < 0 || c < 0 || d < 0 ||
		    (pad == 1 && in[i + 2] == '='))
			return -1;
		v = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6 |
		    (uint32_t)d;
		if ((pad == 2 && (v & 0xffff)) || (pad == 1 && (v & 0xff)))
			return -1; /* pad bits set: not the canonical form */
		o[n++] = (uint8_t)(v >> 16);
		if (pad < 2)
			o[n++] = (uint8_t)(v >> 8);
		if (pad < 1)
			o[n++] = (uint8_t)v;
	}
	return (long)n;
}
