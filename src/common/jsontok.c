/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The JSON tokenizer (jsontok.h): one pass over the text with an explicit
 * stack of open containers (KF_JSON_MAX_DEPTH deep), writing tokens into
 * the caller's array. Every byte is checked where it is read: UTF-8 in
 * strings, escapes (a surrogate must be a proper pair, so that every
 * string decodes to valid UTF-8), the number grammar, literals.
 */
#include <stdio.h>
#include <string.h>

#include "common/jsontok.h"

/* Where the tokenizer is: what the next non-blank byte may be. */
enum kf__want {
	W_VALUE,	/* a value */
	W_VALUE_OR_END, /* after '[': a value or ']' */
	W_KEY,		/* after ',' in an object: a member name */
	W_KEY_OR_END,	/* after '{': a member name or '}' */
	W_AFTER,	/* after a value: ',' or the container's end */
};

struct kf__jp {
	const char *js;
	size_t len, pos;
	kf_jtok_t *toks;
	size_t cap, n;
	uint32_t open[KF_JSON_MAX_DEPTH]; /* token index of each container */
	int depth;
	char *errstr;
	size_t errstr_size;
};

/* A byte a string may hold as it is: ASCII but controls, the quote and
 * the backslash. Everything else stops the fast scan. */
static int kf__plain(unsigned char c)
{
	return c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
}

static int kf__fail(struct kf__jp *p, const char *what)
{
	snprintf(p->errstr, p->errstr_size, "json: %s at byte %zu", what,
		 p->pos);
	return -1;
}

static int kf__hex4(const char *s, uint32_t *v)
{
	int i, d;

	*v = 0;
	for (i = 0; i < 4; i++) {
		if (s[i] >= '0' && s[i] <= '9')
			d = s[i] - '0';
		else if ((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'f')
			d = (s[i] | 0x20) - 'a' + 10;
		else
			return -1;
		*v = *v << 4 | (uint32_t)d;
	}
	return 0;
}

/* The escape at s[*i] (the byte after the backslash), s[0..n): its code
 * point, *i moved past it; a high surrogate takes its low half with it.
 * -1 for an unknown escape, bad hex or a surrogate that is not a pair
 * (*i not moved). */
static int kf__escape(const char *s, size_t n, size_t *i, uint32_t *cp)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	size_t k = *i;
	const char *e;
	uint32_t lo;

	if (k >= n)
		return -1;
	if (s[k] != 'u') {
		e = s[k] ? strchr(from, s[k]) : NULL;
		if (!e)
			return -1;
		*cp = (unsigned char)to[e - from];
		*i = k + 1;
		return 0;
	}
	if (n - k < 5 || kf__hex4(s + k + 1, cp) ||
	    (*cp >= 0xdc00 && *cp <= 0xdfff))
		return -1;
	k += 5;
	if (*cp >= 0xd800 && *cp <= 0xdbff) {
		if (n - k < 6 || s[k] != '\\' || s[k + 1] != 'u' ||
		    kf__hex4(s + k + 2, &lo) || lo < 0xdc00 || lo > 0xdfff)
			return -1;
		k += 6;
		*cp = 0x10000 + ((*cp - 0xd800) << 10) + (lo - 0xdc00);
	}
	*i = k;
	return 0;
}

/* The length of the well-formed UTF-8 sequence at s[0..n) whose first
 * byte is not ASCII (RFC 3629: no overlongs, no surrogates, at most
 * U+10FFFF), or 0. */
static size_t kf__utf8_len(const unsigned char *s, size_t n)
{
	size_t k, i;
	unsigned char lo = 0x80, hi = 0xbf;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		k = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		k = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		k = 4;
	else
		return 0;
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (n < k || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < k; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return k;
}

static size_t kf__utf8_put(uint32_t cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | cp >> 18);
	out[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	out[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

static int kf__is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static kf_jtok_t *kf__tok(struct kf__jp *p, enum kf_jtype type)
{
	kf_jtok_t *t;

	if (p->n == p->cap) {
		snprintf(p->errstr, p->errstr_size,
			 "json: too many tokens (more than %zu) at byte %zu",
			 p->cap, p->pos);
		return NULL;
	}
	t = &p->toks[p->n++];
	memset(t, 0, sizeof(*t));
	t->type = (uint8_t)type;
	t->start = (uint32_t)p->pos;
	t->next = (uint32_t)p->n;
	return t;
}

/* A string from its opening quote at p->pos. */
static int kf__string(struct kf__jp *p)
{
	const unsigned char *s = (const unsigned char *)p->js;
	kf_jtok_t *t = kf__tok(p, KF_J_STRING);
	uint32_t cp;
	size_t k;

	if (!t)
		return -1;
	p->pos++;
	for (;;) {
		while (p->pos < p->len && kf__plain(s[p->pos]))
			p->pos++;
		if (p->pos == p->len)
			return kf__fail(p, "unterminated string");
		if (s[p->pos] == '"')
			break;
		if (s[p->pos] == '\\') {
			p->pos++;
			t->escaped = 1;
			if (kf__escape(p->js, p->len, &p->pos, &cp))
				return kf__fail(p, "bad escape");
		} else if (s[p->pos] < 0x20) {
			return kf__fail(p, "control byte in a string");
		} else {
			k = kf__utf8_len(s + p->pos, p->len - p->pos);
			if (!k)
				return kf__fail(p, "invalid UTF-8");
			p->pos += k;
		}
	}
	t->end = (uint32_t)++p->pos;
	return 0;
}

static size_t kf__digits(struct kf__jp *p)
{
	size_t from = p->pos;

	while (p->pos < p->len && p->js[p->pos] >= '0' && p->js[p->pos] <= '9')
		p->pos++;
	return p->pos - from;
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static int kf__number(struct kf__jp *p)
{
	kf_jtok_t *t = kf__tok(p, KF_J_NUMBER);
	const char *s = p->js;

	if (!t)
		return -1;
	if (s[p->pos] == '-')
		p->pos++;
	if (p->pos < p->len && s[p->pos] == '0')
		p->pos++;
	else if (!kf__digits(p))
		return kf__fail(p, "bad number");
	if (p->pos < p->len && s[p->pos] == '.') {
		p->pos++;
		if (!kf__digits(p))
			return kf__fail(p, "bad number fraction");
	}
	if (p->pos < p->len && (s[p->pos] | 0x20) == 'e') {
		p->pos++;
		if (p->pos < p->len && (s[p->pos] == '+' || s[p->pos] == '-'))
			p->pos++;
		if (!kf__digits(p))
			return kf__fail(p, "bad number exponent");
	}
	if (p->pos < p->len &&
	    (s[p->pos] == '.' || (s[p->pos] >= '0' && s[p->pos] <= '9')))
		return kf__fail(p, "bad number");
	t->end = (uint32_t)p->pos;
	return 0;
}

static int kf__literal(struct kf__jp *p)
{
	static const char *const word[] = {"true", "false", "null"};
	static const enum kf_jtype type[] = {KF_J_TRUE, KF_J_FALSE, KF_J_NULL};
	size_t i, n;
	kf_jtok_t *t;

	for (i = 0; i < 3; i++) {
		n = strlen(word[i]);
		if (p->len - p->pos >= n && !memcmp(p->js + p->pos, word[i], n))
			break;
	}
	if (i == 3)
		return kf__fail(p, "unexpected byte");
	t = kf__tok(p, type[i]);
	if (!t)
		return -1;
	p->pos += n;
	t->end = (uint32_t)p->pos;
	return 0;
}

/* A value from p->pos: a container is opened (its end comes later), a
 * scalar read whole. */
static int kf__value(struct kf__jp *p, enum kf__want *want)
{
	char c = p->js[p->pos];
	kf_jtok_t *t;

	if (p->depth && p->toks[p->open[p->depth - 1]].type == KF_J_ARRAY)
		p->toks[p->open[p->depth - 1]].size++;
	*want = W_AFTER;
	if (c == '{' || c == '[') {
		if (p->depth == KF_JSON_MAX_DEPTH)
			return kf__fail(p, "nested too deep");
		t = kf__tok(p, c == '{' ? KF_J_OBJECT : KF_J_ARRAY);
		if (!t)
			return -1;
		p->open[p->depth++] = (uint32_t)(p->n - 1);
		p->pos++;
		*want = c == '{' ? W_KEY_OR_END : W_VALUE_OR_END;
		return 0;
	}
	if (c == '"')
		return kf__string(p);
	if (c == '-' || (c >= '0' && c <= '9'))
		return kf__number(p);
	return kf__literal(p);
}

/* A member name and its colon. */
static int kf__key(struct kf__jp *p)
{
	if (p->js[p->pos] != '"')
		return kf__fail(p, "expected a member name");
	p->toks[p->open[p->depth - 1]].size++;
	if (kf__string(p))
		return -1;
	while (p->pos < p->len && kf__is_blank(p->js[p->pos]))
		p->pos++;
	if (p->pos == p->len || p->js[p->pos] != ':')
		return kf__fail(p, "expected ':'");
	p->pos++;
	return 0;
}

/* The byte at p->pos closes the innermost container. */
static void kf__close(struct kf__jp *p)
{
	kf_jtok_t *t = &p->toks[p->open[--p->depth]];

	t->end = (uint32_t)++p->pos;
	t->next = (uint32_t)p->n;
}

/* After a value: a comma, or the end of the container it is in. */
static int kf__after(struct kf__jp *p, enum kf__want *want)
{
	char c = p->js[p->pos];
	int obj;

	if (!p->depth)
		return kf__fail(p, "trailing bytes");
	obj = p->toks[p->open[p->depth - 1]].type == KF_J_OBJECT;
	if (c == ',') {
		p->pos++;
		*want = obj ? W_KEY : W_VALUE;
	} else if (c == (obj ? '}' : ']')) {
		kf__close(p);
	} else {
		return kf__fail(p, obj ? "expected ',' or '}'"
				       : "expected ',' or ']'");
	}
	return 0;
}

static int kf__step(struct kf__jp *p, enum kf__want *want)
{
	char c = p->js[p->pos];

	switch (*want) {
	case W_KEY_OR_END:
		if (c == '}') {
			kf__close(p);
			*want = W_AFTER;
			return 0;
		}
		/* fall through */
	case W_KEY:
		*want = W_VALUE;
		return kf__key(p);
	case W_VALUE_OR_END:
		if (c == ']') {
			kf__close(p);
			*want = W_AFTER;
			return 0;
		}
		/* fall through */
	case W_VALUE:
		return kf__value(p, want);
	case W_AFTER:
		return kf__after(p, want);
	}
	return -1;
}

int kf_json_tokenize(const char *js, size_t len, kf_jtok_t *toks, size_t cap,
		     size_t *ntok, char *errstr, size_t errstr_size)
{
	struct kf__jp p = {.js = js,
			   .len = len,
			   .toks = toks,
			   .cap = cap,
			   .errstr = errstr,
			   .errstr_size = errstr_size};
	enum kf__want want = W_VALUE;

	*ntok = 0;
	if (len >= UINT32_MAX)
		return kf__fail(&p, "text over 4 GiB");
	for (;;) {
		while (p.pos < len && kf__is_blank(js[p.pos]))
			p.pos++;
		if (p.pos == len)
			break;
		if (kf__step(&p, &want))
			return -1;
	}
	if (want != W_AFTER || p.depth)
		return kf__fail(&p, p.n ? "unexpected end" : "no value");
	*ntok = p.n;
	return 0;
}

/* Compares string token t, unescaped, with s[0..n). */
static int kf__str_eq(const char *js, const kf_jtok_t *t, const char *s,
		      size_t n)
{
	size_t i = t->start + 1, end = t->end - 1, k, m = 0;
	uint32_t cp;
	char u[4];

	if (!t->escaped)
		return end - i == n && !memcmp(js + i, s, n);
	while (i < end) {
		if (js[i] != '\\') {
			if (m == n || js[i++] != s[m++])
				return 0;
			continue;
		}
		i++;
		if (kf__escape(js, end, &i, &cp))
			return 0;
		k = kf__utf8_put(cp, u);
		if (n - m < k || memcmp(u, s + m, k))
			return 0;
		m += k;
	}
	return m == n;
}

int kf_json_member(const char *js, const kf_jtok_t *toks, int obj,
		   const char *key, size_t keylen)
{
	uint32_t m, i = (uint32_t)obj + 1;

	if (obj < 0 || toks[obj].type != KF_J_OBJECT)
		return -1;
	for (m = 0; m < toks[obj].size; m++) {
		if (kf__str_eq(js, &toks[i], key, keylen))
			return (int)i + 1;
		i = toks[i + 1].next;
	}
	return -1;
}

long kf_json_string(const char *js, const kf_jtok_t *t, char *out, size_t cap)
{
	size_t i = t->start + 1, end = t->end - 1, n = 0, run;
	uint32_t cp;
	char u[4];

	if (t->type != KF_J_STRING)
		return -1;
	while (i < end) {
		run = i;
		while (run < end && js[run] != '\\')
			run++;
		if (run - i >= cap - n)
			return -1;
		memcpy(out + n, js + i, run - i);
		n += run - i;
		if (run == end)
			break;
		i = run + 1;
		if (kf__escape(js, end, &i, &cp) || !cp)
			return -1;
		run = kf__utf8_put(cp, u);
		if (run >= cap - n)
			return -1;
		memcpy(out + n, u, run);
		n += run;
	}
	if (!cap)
		return -1;
	out[n] = '\0';
	return (long)n;
}

int kf_json_int64(const char *js, const kf_jtok_t *t, int64_t *out)
{
	size_t i = t->start;
	int neg = js[i] == '-';
	uint64_t v = 0, lim;
	unsigned d;

	if (t->type != KF_J_NUMBER)
		return -1;
	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (i += neg; i < t->end; i++) {
		if (js[i] < '0' || js[i] > '9')
			return -1; /* a fraction or an exponent */
		d = (unsigned)(js[i] - '0');
		if (v > (lim - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	/* -2^63 has no positive int64 to negate */
	*out = !neg ? (int64_t)v : v > INT64_MAX ? INT64_MIN : -(int64_t)v;
	return 0;
}

int kf_json_member_u64(const char *js, const kf_jtok_t *toks, int obj,
		       const char *name, uint64_t *out)
{
	int t = kf_json_member(js, toks, obj, name, strlen(name));
	int64_t v;

	if (t < 0 || kf_json_int64(js, &toks[t], &v) || v < 0)
		return -1;
	*out = (uint64_t)v;
	return 0;
}
