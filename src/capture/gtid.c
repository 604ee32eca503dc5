/* SPDX-License-Identifier: Apache-2.0 */
#include "capture/gtid.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "common/err.h"

/* An unsigned decimal of at most max at s[*i], without a sign or a
 * leading zero before another digit; -1 when there is none. */
static int kf__num(const char *s, size_t len, size_t *i, uint64_t max,
		   uint64_t *out)
{
	size_t start = *i;
	uint64_t v = 0;

	while (*i < len && s[*i] >= '0' && s[*i] <= '9') {
		unsigned d = (unsigned)(s[*i] - '0');

		if (v > (max - d) / 10)
			return -1;
		v = v * 10 + d;
		(*i)++;
	}
	if (*i == start || (s[start] == '0' && *i - start > 1))
		return -1;
	*out = v;
	return 0;
}

/* The index of domain in p, or where it goes (its negation minus 1). */
static int kf__find(const kf_gtid_pos_t *p, uint32_t domain)
{
	int i;

	for (i = 0; i < p->n; i++) {
		if (p->g[i].domain == domain)
			return i;
		if (p->g[i].domain > domain)
			break;
	}
	return -i - 1;
}

static int kf__insert(kf_gtid_pos_t *p, int at, const kf_gtid_t *g)
{
	if (p->n == KF_GTID_MAX_DOMAINS)
		return KF_ELIMIT;
	memmove(&p->g[at + 1], &p->g[at], (size_t)(p->n - at) * sizeof(*g));
	p->g[at] = *g;
	p->n++;
	return 0;
}

int kf_gtid_pos_parse(const char *s, size_t len, kf_gtid_pos_t *p, char *errstr,
		      size_t errstr_size)
{
	size_t i = 0;

	memset(p, 0, sizeof(*p));
	while (len) {
		uint64_t dom, srv, seq;
		kf_gtid_t g;
		int at;

		if (kf__num(s, len, &i, UINT32_MAX, &dom) || i >= len ||
		    s[i++] != '-' || kf__num(s, len, &i, UINT32_MAX, &srv) ||
		    i >= len || s[i++] != '-' ||
		    kf__num(s, len, &i, UINT64_MAX, &seq) ||
		    (i < len && (s[i] != ',' || i + 1 == len)))
			return kf_seterr(errstr, errstr_size, KF_EINVAL,
					 "'%.*s' is not a GTID position "
					 "(domain-server-sequence,...): at "
					 "byte %zu",
					 (int)(len > 200 ? 200 : len), s, i);
		g = (kf_gtid_t){(uint32_t)dom, (uint32_t)srv, seq};
		if ((at = kf__find(p, g.domain)) >= 0)
			return kf_seterr(
				errstr, errstr_size, KF_EINVAL,
				"the GTID position '%.*s' names domain "
				"%" PRIu32 " twice",
				(int)(len > 200 ? 200 : len), s, g.domain);
		if (kf__insert(p, -at - 1, &g))
			return kf_seterr(errstr, errstr_size, KF_ELIMIT,
					 "the GTID position '%.40s...' has "
					 "more than %d domains",
					 s, KF_GTID_MAX_DOMAINS);
		if (i == len)
			break;
		i++; /* the comma */
	}
	return 0;
}

void kf_gtid_pos_format(const kf_gtid_pos_t *p, char *out)
{
	size_t at = 0;
	int i;

	out[0] = 0;
	for (i = 0; i < p->n; i++)
		at += (size_t)snprintf(out + at, KF_GTID_POS_TEXT_MAX - at,
				       "%s%" PRIu32 "-%" PRIu32 "-%" PRIu64,
				       i ? "," : "", p->g[i].domain,
				       p->g[i].server, p->g[i].seq);
}

int kf_gtid_pos_advance(kf_gtid_pos_t *p, const kf_gtid_t *g)
{
	int at = kf__find(p, g->domain);

	if (at < 0)
		return kf__insert(p, -at - 1, g);
	if (g->seq <= p->g[at].seq)
		return KF_EPROTO;
	p->g[at] = *g;
	return 0;
}

int kf_gtid_pos_covers(const kf_gtid_pos_t *p, const kf_gtid_t *g)
{
	int at = kf__find(p, g->domain);

	return at >= 0 && g->seq <= p->g[at].seq;
}
