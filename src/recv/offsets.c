/* SPDX-License-Identifier: Apache-2.0 */
#include "recv/offsets.h"

#include <stdlib.h>
#include <string.h>

#include "common/err.h"

struct kf__part {
	int64_t consumed;  /* last consumed offset, -1 if none */
	int64_t committed; /* last position committed, -1 if none */
	int64_t *held;	   /* sorted ascending (offsets arrive in order) */
	size_t nheld, cap;
	int64_t defer;	     /* first deferred offset of this pass, or -1 */
	int64_t from, until; /* re-read range [from, until); until -1: none */
	int seeking;	     /* rewound: nothing read since; holds from */
	int64_t start;	     /* kf_offsets_started; -1 unknown */
};

struct kf_offsets_s {
	struct kf__part *parts;
	int32_t nparts;
};

kf_offsets_t *kf_offsets_new(void)
{
	return calloc(1, sizeof(kf_offsets_t));
}

void kf_offsets_destroy(kf_offsets_t *o)
{
	int32_t i;

	if (!o)
		return;
	for (i = 0; i < o->nparts; i++)
		free(o->parts[i].held);
	free(o->parts);
	free(o);
}

static struct kf__part *kf__part(kf_offsets_t *o, int32_t p)
{
	struct kf__part *np;
	int32_t i;

	if (p < 0 || p > 1 << 20)
		return NULL;
	if (p >= o->nparts) {
		np = realloc(o->parts, sizeof(*np) * (size_t)(p + 1));
		if (!np)
			return NULL;
		for (i = o->nparts; i <= p; i++) {
			memset(&np[i], 0, sizeof(np[i]));
			np[i].consumed = np[i].committed = -1;
			np[i].defer = np[i].until = np[i].start = -1;
		}
		o->parts = np;
		o->nparts = p + 1;
	}
	return &o->parts[p];
}

int kf_offsets_consumed(kf_offsets_t *o, int32_t p, int64_t offset)
{
	struct kf__part *pt = kf__part(o, p);

	if (!pt)
		return KF_ENOMEM;
	if (offset > pt->consumed)
		pt->consumed = offset;
	return 0;
}

int kf_offsets_hold(kf_offsets_t *o, int32_t p, int64_t offset)
{
	struct kf__part *pt = kf__part(o, p);
	size_t i;

	if (!pt)
		return KF_ENOMEM;
	if (pt->nheld == pt->cap) {
		size_t cap = pt->cap ? pt->cap * 2 : 16;
		int64_t *h = realloc(pt->held, cap * sizeof(*h));

		if (!h)
			return KF_ENOMEM;
		pt->held = h;
		pt->cap = cap;
	}
	/* Usually appends: transfers open in offset order. */
	for (i = pt->nheld; i > 0 && pt->held[i - 1] > offset; i--)
		pt->held[i] = pt->held[i - 1];
	pt->held[i] = offset;
	pt->nheld++;
	return 0;
}

void kf_offsets_release(kf_offsets_t *o, int32_t p, int64_t offset)
{
	struct kf__part *pt;
	size_t i;

	if (p < 0 || p >= o->nparts)
		return;
	pt = &o->parts[p];
	for (i = 0; i < pt->nheld; i++) {
		if (pt->held[i] == offset) {
			memmove(&pt->held[i], &pt->held[i + 1],
				(pt->nheld - i - 1) * sizeof(*pt->held));
			pt->nheld--;
			return;
		}
	}
}

void kf_offsets_forget(kf_offsets_t *o, int32_t p)
{
	struct kf__part *pt;

	if (p < 0 || p >= o->nparts)
		return;
	pt = &o->parts[p];
	pt->nheld = 0;
	pt->consumed = pt->committed = -1;
	pt->defer = pt->until = pt->start = -1;
	pt->seeking = 0;
}

int64_t kf_offsets_position(const kf_offsets_t *o, int32_t p)
{
	const struct kf__part *pt;

	if (p < 0 || p >= o->nparts)
		return -1;
	pt = &o->parts[p];
	if (pt->nheld)
		return pt->held[0];
	return pt->consumed < 0 ? -1 : pt->consumed + 1;
}

int32_t kf_offsets_next_dirty(const kf_offsets_t *o, int32_t *iter,
			      int64_t *position)
{
	int32_t p;

	for (p = *iter; p < o->nparts; p++) {
		int64_t pos = kf_offsets_position(o, p);

		if (pos >= 0 && pos != o->parts[p].committed) {
			*iter = p + 1;
			*position = pos;
			return p;
		}
	}
	*iter = o->nparts;
	return -1;
}

void kf_offsets_mark_committed(kf_offsets_t *o, int32_t p, int64_t position)
{
	if (p >= 0 && p < o->nparts)
		o->parts[p].committed = position;
}

/* ----------------------------------------------------------- deferral */

int kf_offsets_read(kf_offsets_t *o, int32_t p, int64_t offset,
		    int64_t *reread_from)
{
	struct kf__part *pt = kf__part(o, p);

	*reread_from = -1;
	if (!pt)
		return 0;
	if (pt->seeking) {
		/* The seek is asynchronous: what the fetcher had read ahead
		 * of the old position may still come; the re-read starts
		 * at or after from, always below until. */
		if (offset < pt->from || offset >= pt->until)
			return 1;
		pt->seeking = 0;
		kf_offsets_release(o, p, pt->from);
	}
	if (offset > pt->consumed)
		pt->consumed = offset;
	if (pt->until >= 0 && offset < pt->until) {
		*reread_from = pt->from;
		if (offset + 1 >= pt->until)
			pt->until = -1; /* the last one already read */
	} else {
		pt->until = -1;
	}
	return 0;
}

int kf_offsets_defer(kf_offsets_t *o, int32_t p, int64_t offset)
{
	struct kf__part *pt = kf__part(o, p);
	int rc;

	if (!pt)
		return KF_ENOMEM;
	if (pt->defer >= 0)
		return 0;
	rc = kf_offsets_hold(o, p, offset);
	if (!rc)
		o->parts[p].defer = offset; /* kf_offsets_hold may move parts */
	return rc;
}

int kf_offsets_deferring(const kf_offsets_t *o, int32_t p)
{
	return p >= 0 && p < o->nparts && o->parts[p].defer >= 0;
}

int32_t kf_offsets_next_rewind(kf_offsets_t *o, int32_t *iter, int64_t *offset)
{
	int32_t p;

	for (p = *iter; p < o->nparts; p++) {
		struct kf__part *pt = &o->parts[p];

		if (pt->defer < 0 || pt->until >= 0 || pt->seeking)
			continue;
		/* the hold on defer stays until the re-read reaches it */
		pt->from = pt->defer;
		pt->until = pt->consumed + 1;
		pt->defer = -1;
		pt->seeking = 1;
		*iter = p + 1;
		*offset = pt->from;
		return p;
	}
	*iter = o->nparts;
	return -1;
}

int kf_offsets_pending(const kf_offsets_t *o)
{
	int32_t p;

	for (p = 0; p < o->nparts; p++)
		if (o->parts[p].defer >= 0 || o->parts[p].until >= 0 ||
		    o->parts[p].seeking)
			return 1;
	return 0;
}

int kf_offsets_started(kf_offsets_t *o, int32_t p, int64_t offset)
{
	struct kf__part *pt = kf__part(o, p);

	if (!pt)
		return KF_ENOMEM;
	pt->start = offset < 0 ? KF_OFFSETS_EARLIEST : offset;
	return 0;
}

int64_t kf_offsets_read_end(const kf_offsets_t *o, int32_t p)
{
	if (p < 0 || p >= o->nparts)
		return -1;
	if (o->parts[p].consumed < 0)
		return o->parts[p].start;
	return o->parts[p].consumed + 1;
}
