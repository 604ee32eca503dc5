/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Decoding of record fields to UTF-8 (docs/records.md 2.6): glibc's iconv
 * for the file's encoding, a strict validator when it is UTF-8 already.
 * Nothing is ever replaced: the first byte that does not decode is
 * reported, and the caller rejects the row.
 *
 * @locality any thread; one decoder per thread (iconv descriptors have
 * state).
 */
#include "record/decode.h"

#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"

struct kf_decoder_s {
	iconv_t cd; /* (iconv_t)-1: the input is UTF-8 */
};

kf_decoder_t *kf_decoder_new(const char *from, char *errstr, size_t errstr_size)
{
	kf_decoder_t *d = calloc(1, sizeof(*d));

	if (!d) {
		kf_seterr(errstr, errstr_size, KF_ENOMEM,
			  "decoder: out of memory");
		return NULL;
	}
	d->cd = (iconv_t)-1;
	if (!from)
		return d;
	if ((d->cd = iconv_open("UTF-8", from)) == (iconv_t)-1) {
		int e = errno;

		kf_seterr(errstr, errstr_size, KF_EINVAL,
			  "encoding %s: iconv cannot decode it (%s; `iconv "
			  "-l` lists the names this system knows)",
			  from, strerror(e));
		free(d);
		return NULL;
	}
	return d;
}

void kf_decoder_free(kf_decoder_t *d)
{
	if (!d)
		return;
	if (d->cd != (iconv_t)-1)
		iconv_close(d->cd);
	free(d);
}

/* Every accepted encoding (ASCII-transparent: single bytes, CP949's and
 * EUC's two and three bytes) writes at most three UTF-8 bytes per input
 * byte: no input byte reaches beyond the BMP on its own. */
size_t kf_decode_bound(size_t len)
{
	return len > SIZE_MAX / 3 ? SIZE_MAX : len * 3;
}

/* The length of the valid UTF-8 sequence at p (n bytes left), 0 if it is
 * not one: overlong forms, surrogates, code points past U+10FFFF, U+0000
 * and truncated sequences are not. */
static size_t kf__utf8_seq(const unsigned char *p, size_t n)
{
	unsigned char c = p[0];
	size_t len, i;
	uint32_t cp;

	if (c >= 0x01 && c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07;
	} else {
		return 0; /* NUL, a continuation byte, 0xc0 0xc1, 0xf5.. */
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

/* The offset of the first byte that is not valid UTF-8, or len. */
static size_t kf__utf8_scan(const char *p, size_t len)
{
	const unsigned char *u = (const unsigned char *)p;
	size_t i = 0, n;

	while (i < len && (n = kf__utf8_seq(u + i, len - i)))
		i += n;
	return i;
}

int kf_utf8_valid(const char *p, size_t len)
{
	return kf__utf8_scan(p, len) == len;
}

size_t kf_utf8_count(const char *p, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++)
		n += ((unsigned char)p[i] & 0xc0) != 0x80;
	return n;
}

int kf_decode(kf_decoder_t *d, const char *in, size_t len, char *out,
	      size_t *outlen, size_t *bad)
{
	const char *nul = memchr(in, '\0', len);
	char *inp = (char *)in, *outp = out;
	size_t inleft = len, outleft = kf_decode_bound(len);

	if (d->cd == (iconv_t)-1) {
		*bad = kf__utf8_scan(in, len);
		if (*bad < len)
			return -1;
		memcpy(out, in, len);
		*outlen = len;
		return 0;
	}
	/* ASCII-transparent: U+0000 is a 00 byte, which PostgreSQL cannot
	 * store; iconv would pass it */
	if (nul) {
		*bad = (size_t)(nul - in);
		return -1;
	}
	iconv(d->cd, NULL, NULL, NULL, NULL); /* a new field: initial state */
	/* EILSEQ: an invalid sequence; EINVAL: a character cut at the end
	 * (a field boundary inside a double-byte character). inp points at
	 * its first byte either way. */
	if (iconv(d->cd, &inp, &inleft, &outp, &outleft) == (size_t)-1 ||
	    iconv(d->cd, NULL, NULL, &outp, &outleft) == (size_t)-1) {
		*bad = (size_t)(inp - in);
		return -1;
	}
	*outlen = (size_t)(outp - out);
	return 0;
}
