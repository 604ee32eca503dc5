/* SPDX-License-Identifier: Apache-2.0 */
#include "common/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kferry/kferry.h"

/* Length of the well-formed UTF-8 sequence at s (1..4), or 0 if the bytes
 * there are not one (overlongs, surrogates and values past U+10FFFF are
 * not). */
static size_t kf__utf8_len(const unsigned char *s)
{
	unsigned c = s[0];
	size_t n, i;
	unsigned cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, cp = c & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return n;
}

size_t kf_json_escape(char *out, size_t cap, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0, n;

	if (!cap)
		return 0;
	while (*p) {
		n = kf__utf8_len(p);
		if (n == 2 && p[0] == 0xc2 && p[1] < 0xa0) {
			/* C1 controls (U+0080..U+009F): valid JSON raw, but a
			 * terminal showing the line may obey them */
			if (o + 7 > cap)
				break;
			o += (size_t)snprintf(out + o, cap - o, "\\u%04x",
					      p[1]);
			p += 2;
			continue;
		}
		if (n > 1 || (n == 1 && *p >= 0x20 && *p != 0x7f && *p != '"' &&
			      *p != '\\')) {
			if (o + n >= cap)
				break;
			memcpy(out + o, p, n);
			o += n;
			p += n;
			continue;
		}
		if (o + 7 > cap)
			break;
		if (*p == '"' || *p == '\\') {
			out[o++] = '\\';
			out[o++] = (char)*p;
		} else {
			o += (size_t)snprintf(out + o, cap - o, "\\u%04x", *p);
		}
		p++;
	}
	out[o] = '\0';
	return o;
}

void kf_json_write_string(FILE *out, const char *s)
{
	char buf[4096 * 6 + 8];

	kf_json_escape(buf, sizeof(buf), s);
	fprintf(out, "\"%s\"", buf);
}

void kf_json_str(kf_strbuf_t *b, const char *s)
{
	size_t cap = strlen(s) * 6 + 1;
	char *esc = malloc(cap);

	if (!esc) {
		b->failed = 1;
		return;
	}
	kf_json_escape(esc, cap, s);
	kf_strbuf_printf(b, "\"%s\"", esc);
	free(esc);
}

void kf_json_member_str(kf_strbuf_t *b, const char *name, const char *s)
{
	kf_strbuf_printf(b, ",\"%s\":", name);
	kf_json_str(b, s);
}
