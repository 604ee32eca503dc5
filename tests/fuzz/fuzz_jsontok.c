/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for src/common/jsontok.c, the JSON tokenizer.
 *
 * The input is the JSON text. The tokenizer must not crash or read past
 * the text; when it accepts, the token tree must hold together (spans
 * inside the text and nested in their parent, subtree ends in order,
 * member counts), every string must unescape to as many bytes as its
 * escaped span allows or be refused for a U+0000, every member must be
 * found by its own unescaped name (at it or at an earlier duplicate), and
 * a token array one token too small must be refused.
 *
 * Seeds: tests/fuzz/corpus/jsontok/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/jsontok.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NTOK 512

/* Checks the subtree at token i inside the span [lo, hi); the index of
 * the token after it. */
static uint32_t check(const char *js, const kf_jtok_t *t, size_t n, uint32_t i,
		      uint32_t lo, uint32_t hi)
{
	uint32_t k, c = i + 1;
	char buf[4096];
	long len;
	int v;

	if (i >= n || t[i].start < lo || t[i].end > hi ||
	    t[i].start >= t[i].end || t[i].next <= i || t[i].next > n)
		abort();
	if (t[i].type == KF_J_STRING) {
		len = kf_json_string(js, &t[i], buf, sizeof(buf));
		if (len > (long)(t[i].end - t[i].start - 2) ||
		    (len < 0 && !t[i].escaped &&
		     t[i].end - t[i].start - 2 < sizeof(buf)))
			abort();
	}
	if (t[i].type != KF_J_OBJECT && t[i].type != KF_J_ARRAY) {
		if (t[i].next != i + 1)
			abort();
		return i + 1;
	}
	for (k = 0; k < t[i].size; k++) {
		if (t[i].type == KF_J_OBJECT) {
			if (t[c].type != KF_J_STRING)
				abort();
			len = kf_json_string(js, &t[c], buf, sizeof(buf));
			v = len < 0 ? c + 1
				    : kf_json_member(js, t, (int)i, buf,
						     (size_t)len);
			if (v < 0 || (uint32_t)v > c + 1 ||
			    (v != (int)c + 1 && t[v - 1].type != KF_J_STRING))
				abort();
			c = check(js, t, n, c, t[i].start + 1, t[i].end - 1);
		}
		c = check(js, t, n, c, t[i].start + 1, t[i].end - 1);
	}
	if (c != t[i].next)
		abort();
	return c;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static kf_jtok_t toks[NTOK];
	const char *js;
	char err[128];
	int64_t v;
	size_t n, m, i;
	char *copy;

	if (size > 65536)
		return 0;
	/* an exact-size copy: reading past the text is an ASan report */
	copy = malloc(size ? size : 1);
	if (!copy)
		abort();
	memcpy(copy, data, size);
	js = copy;
	if (!kf_json_tokenize(js, size, toks, NTOK, &n, err, sizeof(err))) {
		if (!n || check(js, toks, n, 0, 0, (uint32_t)size) != n)
			abort();
		for (i = 0; i < n; i++)
			if (toks[i].type == KF_J_NUMBER)
				kf_json_int64(js, &toks[i], &v);
		if (!kf_json_tokenize(js, size, toks, n - 1, &m, err,
				      sizeof(err)) ||
		    strncmp(err, "json: too many tokens", 21))
			abort();
	} else if (strncmp(err, "json: ", 6) || n) {
		abort();
	}
	free(copy);
	return 0;
}
