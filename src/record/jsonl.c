/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The JSON-lines reader (jsonl.h): lines from record/lines.h (a line
 * that spans chunks is kept up to max_line bytes of content, plus a BOM
 * and a CR), each tokenized into an array that grows with the largest
 * line seen.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record/jsonl.h"
#include "record/lines.h"

#define KF__MAX_LINE_DEFAULT ((size_t)16 << 20)
#define KF__TOKS_MIN 64
/* the bytes a line may hold beyond max_line: a BOM and a CR */
#define KF__SLACK 4

static const char kf__bom[3] = {'\xef', '\xbb', '\xbf'};

struct kf_jsonl {
	size_t max_line;
	kf_jsonl_line_cb on_line;
	kf_jsonl_error_cb on_error;
	void *opaque;

	int rc; /* a callback's nonzero return: stopped */
	uint64_t num;
	uint64_t line; /* the physical line of the current one */
	kf_lines_t lines;
	kf_jtok_t *toks;
	size_t tcap;
	char msg[256];
};

kf_jsonl_t *kf_jsonl_new(size_t max_line, kf_jsonl_line_cb on_line,
			 kf_jsonl_error_cb on_error, void *opaque)
{
	kf_jsonl_t *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->max_line = max_line ? max_line : KF__MAX_LINE_DEFAULT;
	p->on_line = on_line;
	p->on_error = on_error;
	p->opaque = opaque;
	kf_lines_init(&p->lines, p->max_line < SIZE_MAX - KF__SLACK
					 ? p->max_line + KF__SLACK
					 : SIZE_MAX);
	p->tcap = KF__TOKS_MIN;
	p->toks = malloc(p->tcap * sizeof(*p->toks));
	if (!p->toks) {
		free(p);
		return NULL;
	}
	return p;
}

void kf_jsonl_destroy(kf_jsonl_t *p)
{
	if (!p)
		return;
	kf_lines_free(&p->lines);
	free(p->toks);
	free(p);
}

static int kf__error(kf_jsonl_t *p, const char *code, uint64_t off,
		     const char *raw, size_t len, const char *what)
{
	kf_jsonl_error_t e;

	snprintf(p->msg, sizeof(p->msg),
		 "record %llu (line %llu, byte %llu): %s",
		 (unsigned long long)p->num, (unsigned long long)p->line,
		 (unsigned long long)off, what);
	e.code = code;
	e.msg = p->msg;
	e.num = p->num;
	e.line = p->line;
	e.offset = off;
	e.raw = raw;
	e.raw_len = len < p->max_line ? len : p->max_line;
	e.raw_total = len;
	return p->on_error ? p->on_error(&e, p->opaque) : 0;
}

/* Tokenizes the line, growing the token array while it is too small: a
 * text of n bytes holds at most (n + 1) / 2 tokens (every token but the
 * first follows a separator or an opening bracket). */
static int kf__tokenize(kf_jsonl_t *p, const char *s, size_t n, size_t *ntok,
			char *err, size_t err_size)
{
	size_t most = (n + 1) / 2, cap;
	kf_jtok_t *t;

	for (;;) {
		if (!kf_json_tokenize(s, n, p->toks, p->tcap, ntok, err,
				      err_size))
			return 0;
		if (p->tcap >= most ||
		    strncmp(err, "json: too many tokens", 21))
			return -1;
		cap = p->tcap * 2 < most ? p->tcap * 2 : most;
		t = realloc(p->toks, cap * sizeof(*t));
		if (!t)
			return -ENOMEM;
		p->toks = t;
		p->tcap = cap;
	}
}

/* One line (kf_lines_cb): s holds its first bytes (max_line at least, or
 * all of it), total is its length. */
static int kf__line(void *opaque, const char *s, size_t stored, uint64_t total,
		    uint64_t off, uint64_t line)
{
	kf_jsonl_t *p = opaque;
	kf_jsonl_line_t l;
	char err[160], what[192];
	size_t ntok;
	int rc;

	(void)stored;
	p->line = line;
	if (!off && total >= 3 && !memcmp(s, kf__bom, 3)) {
		s += 3;
		total -= 3;
		off = 3;
	}
	if (!total)
		return 0;
	p->num++;
	if (total > p->max_line) {
		snprintf(what, sizeof(what),
			 "line of %llu bytes, over the %zu allowed",
			 (unsigned long long)total, p->max_line);
		return kf__error(p, "too_long", off, s, (size_t)total, what);
	}
	rc = kf__tokenize(p, s, (size_t)total, &ntok, err, sizeof(err));
	if (rc == -ENOMEM)
		return rc;
	if (!rc && p->toks[0].type != KF_J_OBJECT)
		snprintf(err, sizeof(err), "json: not an object at byte %u",
			 p->toks[0].start);
	if (rc || p->toks[0].type != KF_J_OBJECT) {
		snprintf(what, sizeof(what), "%s of the line", err);
		return kf__error(p, "json", off, s, (size_t)total, what);
	}
	l.num = p->num;
	l.line = p->line;
	l.offset = off;
	l.raw = s;
	l.raw_len = (size_t)total;
	l.toks = p->toks;
	l.ntok = ntok;
	return p->on_line ? p->on_line(&l, p->opaque) : 0;
}

int kf_jsonl_feed(kf_jsonl_t *p, const void *buf, size_t len)
{
	if (!p->rc)
		p->rc = kf_lines_feed(&p->lines, buf, len, kf__line, p);
	return p->rc;
}

int kf_jsonl_finish(kf_jsonl_t *p)
{
	if (!p->rc)
		p->rc = kf_lines_finish(&p->lines, kf__line, p);
	return p->rc;
}

int kf_jsonl_path(const char *js, const kf_jtok_t *toks, int obj,
		  const char *path)
{
	char name[512];
	const char *s = path;
	size_t n;
	int t = obj;

	do {
		for (n = 0; *s && *s != '.'; s++) {
			if (*s == '\\' && s[1] == '.')
				s++;
			if (n == sizeof(name))
				return -1;
			name[n++] = *s;
		}
		t = kf_json_member(js, toks, t, name, n);
		if (t < 0)
			return -1;
	} while (*s++);
	return t;
}
