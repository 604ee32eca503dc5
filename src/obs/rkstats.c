/* SPDX-License-Identifier: Apache-2.0 */
#include "obs/rkstats.h"

#include <stdlib.h>
#include <string.h>

#include "common/err.h"

/* librdkafka's documents nest five deep; anything past this is hostile. */
#define KF__MAX_DEPTH 32

struct kf__cur {
	const char *p, *end, *start;
	int depth;
	int bad;
};

static void kf__ws(struct kf__cur *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' ||
				 *c->p == '\n' || *c->p == '\r'))
		c->p++;
}

static int kf__expect(struct kf__cur *c, char ch)
{
	kf__ws(c);
	if (c->p < c->end && *c->p == ch) {
		c->p++;
		return 0;
	}
	c->bad = 1;
	return -1;
}

static int kf__peek(struct kf__cur *c)
{
	kf__ws(c);
	return c->p < c->end ? (unsigned char)*c->p : -1;
}

/* A string into out (truncated to cap - 1 bytes, NUL-terminated; out may
 * be NULL to skip it). \uXXXX outside ASCII becomes '?': names here are
 * host names and topics. */
static int kf__string(struct kf__cur *c, char *out, size_t cap)
{
	size_t o = 0;

	if (kf__expect(c, '"'))
		return -1;
	while (c->p < c->end && *c->p != '"') {
		char ch = *c->p++;

		if (ch == '\\') {
			if (c->p >= c->end)
				break;
			ch = *c->p++;
			switch (ch) {
			case 'n':
				ch = '\n';
				break;
			case 't':
				ch = '\t';
				break;
			case 'r':
				ch = '\r';
				break;
			case 'b':
				ch = '\b';
				break;
			case 'f':
				ch = '\f';
				break;
			case 'u': {
				char hex[5] = {0};
				unsigned long v;

				if (c->end - c->p < 4)
					goto out_bad;
				memcpy(hex, c->p, 4);
				if (strspn(hex, "0123456789abcdefABCDEF") != 4)
					goto out_bad;
				v = strtoul(hex, NULL, 16);
				c->p += 4;
				ch = v < 0x80 && v ? (char)v : '?';
				break;
			}
			case '"':
			case '\\':
			case '/':
				break;
			default:
				goto out_bad;
			}
		}
		if (out && o + 1 < cap)
			out[o++] = ch;
	}
	if (out && cap)
		out[o] = '\0';
	if (c->p >= c->end)
		goto out_bad;
	c->p++;
	return 0;

out_bad:
	c->bad = 1;
	return -1;
}

static int kf__number(struct kf__cur *c, double *v)
{
	char buf[64];
	size_t n = 0;
	char *end;

	kf__ws(c);
	while (c->p + n < c->end && n < sizeof(buf) - 1 &&
	       strchr("+-0123456789.eE", c->p[n]) && c->p[n])
		n++;
	memcpy(buf, c->p, n);
	buf[n] = '\0';
	*v = strtod(buf, &end);
	if (!n || end != buf + n) {
		c->bad = 1;
		return -1;
	}
	c->p += n;
	return 0;
}

static int kf__skip(struct kf__cur *c);

/* Iterates an object: call with *first = 1 right after its '{'. Returns 1
 * with the key read and the cursor at the value, 0 at the closing '}',
 * -1 when malformed. */
static int kf__member(struct kf__cur *c, int *first, char *key, size_t cap)
{
	int ch = kf__peek(c);

	if (ch == '}') {
		c->p++;
		c->depth--;
		return 0;
	}
	if (!*first && kf__expect(c, ','))
		return -1;
	*first = 0;
	if (kf__string(c, key, cap) || kf__expect(c, ':'))
		return -1;
	return 1;
}

static int kf__open(struct kf__cur *c, char ch)
{
	if (++c->depth > KF__MAX_DEPTH) {
		c->bad = 1;
		return -1;
	}
	return kf__expect(c, ch);
}

static int kf__skip(struct kf__cur *c)
{
	int ch = kf__peek(c), first = 1, r;
	double v;

	switch (ch) {
	case '{':
		if (kf__open(c, '{'))
			return -1;
		while ((r = kf__member(c, &first, NULL, 0)) == 1)
			if (kf__skip(c))
				return -1;
		return r;
	case '[':
		if (kf__open(c, '['))
			return -1;
		for (;;) {
			if (kf__peek(c) == ']') {
				c->p++;
				c->depth--;
				return 0;
			}
			if (!first && kf__expect(c, ','))
				return -1;
			first = 0;
			if (kf__skip(c))
				return -1;
		}
	case '"':
		return kf__string(c, NULL, 0);
	case 't':
	case 'f':
	case 'n': {
		static const char *const words[] = {"true", "false", "null"};
		size_t i;

		for (i = 0; i < 3; i++) {
			size_t n = strlen(words[i]);

			if ((size_t)(c->end - c->p) >= n &&
			    !memcmp(c->p, words[i], n)) {
				c->p += n;
				return 0;
			}
		}
		c->bad = 1;
		return -1;
	}
	default:
		return kf__number(c, &v);
	}
}

/* A string into out, or anything else skipped (out left alone). */
static int kf__str_or_skip(struct kf__cur *c, char *out, size_t cap)
{
	return kf__peek(c) == '"' ? kf__string(c, out, cap) : kf__skip(c);
}

/* A number, or anything else skipped (v left alone). */
static int kf__num_or_skip(struct kf__cur *c, double *v)
{
	int ch = kf__peek(c);

	if (ch == '-' || (ch >= '0' && ch <= '9'))
		return kf__number(c, v);
	return kf__skip(c);
}

static int kf__rtt(struct kf__cur *c, struct kf_rkstats_broker *b)
{
	char key[32];
	int first = 1, r;
	double us = 0;

	if (kf__peek(c) != '{')
		return kf__skip(c);
	if (kf__open(c, '{'))
		return -1;
	while ((r = kf__member(c, &first, key, sizeof(key))) == 1) {
		if (!strcmp(key, "avg")) {
			if (kf__num_or_skip(c, &us))
				return -1;
		} else if (kf__skip(c)) {
			return -1;
		}
	}
	b->rtt_s = us / 1e6; /* librdkafka counts microseconds */
	return r;
}

static int kf__broker(struct kf__cur *c, kf_rkstats_t *out)
{
	struct kf_rkstats_broker b = {0};
	char key[32], state[32] = "", source[32] = "";
	int first = 1, r;
	double nodeid = -1;

	if (kf__peek(c) != '{')
		return kf__skip(c);
	if (kf__open(c, '{'))
		return -1;
	while ((r = kf__member(c, &first, key, sizeof(key))) == 1) {
		if (!strcmp(key, "name"))
			r = kf__str_or_skip(c, b.name, sizeof(b.name));
		else if (!strcmp(key, "state"))
			r = kf__str_or_skip(c, state, sizeof(state));
		else if (!strcmp(key, "source"))
			r = kf__str_or_skip(c, source, sizeof(source));
		else if (!strcmp(key, "nodeid"))
			r = kf__num_or_skip(c, &nodeid);
		else if (!strcmp(key, "rtt"))
			r = kf__rtt(c, &b);
		else
			r = kf__skip(c);
		if (r)
			return -1;
	}
	if (r)
		return -1;
	/* Real brokers only: bootstrap entries have no node id, and the
	 * logical (group coordinator) and internal ones are aliases. */
	if (nodeid >= 0 && strcmp(source, "logical") &&
	    strcmp(source, "internal") &&
	    out->nbrokers < KF_RKSTATS_MAX_BROKERS) {
		b.up = !strcmp(state, "UP");
		out->brokers[out->nbrokers++] = b;
	}
	return 0;
}

static int kf__partition(struct kf__cur *c, kf_rkstats_t *out, size_t topic)
{
	char key[32];
	int first = 1, r;
	double part = -1, lag = -1;

	if (kf__peek(c) != '{')
		return kf__skip(c);
	if (kf__open(c, '{'))
		return -1;
	while ((r = kf__member(c, &first, key, sizeof(key))) == 1) {
		if (!strcmp(key, "partition"))
			r = kf__num_or_skip(c, &part);
		else if (!strcmp(key, "consumer_lag"))
			r = kf__num_or_skip(c, &lag);
		else
			r = kf__skip(c);
		if (r)
			return -1;
	}
	if (r)
		return -1;
	/* partition -1 is librdkafka's "unassigned" queue; lag -1 unknown */
	if (part >= 0 && part <= INT32_MAX && lag >= 0 &&
	    out->nlags < KF_RKSTATS_MAX_LAGS) {
		out->lags[out->nlags].topic = topic;
		out->lags[out->nlags].partition = (int32_t)part;
		out->lags[out->nlags].lag = (int64_t)lag;
		out->nlags++;
	}
	return 0;
}

static int kf__topic(struct kf__cur *c, kf_rkstats_t *out, const char *name)
{
	char key[32], pkey[32];
	int first = 1, pfirst, r;
	size_t idx = out->ntopics;

	if (kf__peek(c) != '{')
		return kf__skip(c);
	if (idx == KF_RKSTATS_MAX_TOPICS)
		return kf__skip(c);
	/* the object's key is the topic name; its "topic" field says the
	 * same */
	snprintf(out->topics[idx], sizeof(out->topics[idx]), "%s", name);
	out->ntopics++;
	if (kf__open(c, '{'))
		return -1;
	while ((r = kf__member(c, &first, key, sizeof(key))) == 1) {
		if (strcmp(key, "partitions") || kf__peek(c) != '{') {
			if (kf__skip(c))
				return -1;
			continue;
		}
		if (kf__open(c, '{'))
			return -1;
		pfirst = 1;
		while ((r = kf__member(c, &pfirst, pkey, sizeof(pkey))) == 1)
			if (kf__partition(c, out, idx))
				return -1;
		if (r)
			return -1;
	}
	return r;
}

/* An object of objects: key -> each(value). */
static int kf__each(struct kf__cur *c, kf_rkstats_t *out,
		    int (*each)(struct kf__cur *, kf_rkstats_t *, const char *))
{
	char key[KF_RKSTATS_NAME_MAX];
	int first = 1, r;

	if (kf__peek(c) != '{')
		return kf__skip(c);
	if (kf__open(c, '{'))
		return -1;
	while ((r = kf__member(c, &first, key, sizeof(key))) == 1)
		if (each(c, out, key))
			return -1;
	return r;
}

static int kf__broker_each(struct kf__cur *c, kf_rkstats_t *out,
			   const char *key)
{
	(void)key;
	return kf__broker(c, out);
}

int kf_rkstats_parse(const char *json, size_t len, kf_rkstats_t *out,
		     char *errstr, size_t errstr_size)
{
	struct kf__cur c = {json, json + len, json, 0, 0};
	char key[32];
	int first = 1, r;

	memset(out, 0, sizeof(*out));
	if (kf__open(&c, '{'))
		goto out_bad;
	while ((r = kf__member(&c, &first, key, sizeof(key))) == 1) {
		if (!strcmp(key, "name"))
			r = kf__str_or_skip(&c, out->name, sizeof(out->name));
		else if (!strcmp(key, "type"))
			r = kf__str_or_skip(&c, out->type, sizeof(out->type));
		else if (!strcmp(key, "tx_bytes"))
			r = kf__num_or_skip(&c, &out->tx_bytes);
		else if (!strcmp(key, "rx_bytes"))
			r = kf__num_or_skip(&c, &out->rx_bytes);
		else if (!strcmp(key, "msg_cnt"))
			r = kf__num_or_skip(&c, &out->msg_cnt);
		else if (!strcmp(key, "brokers"))
			r = kf__each(&c, out, kf__broker_each);
		else if (!strcmp(key, "topics"))
			r = kf__each(&c, out, kf__topic);
		else
			r = kf__skip(&c);
		if (r)
			goto out_bad;
	}
	if (r || c.bad)
		goto out_bad;
	return 0;

out_bad:
	return kf_seterr(errstr, errstr_size, KF_EPROTO,
			 "librdkafka statistics: malformed JSON near byte %zu",
			 (size_t)(c.p - c.start));
}
