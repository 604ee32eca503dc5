/* SPDX-License-Identifier: Apache-2.0 */
#include "sink/stash.h"

#include <stdlib.h>
#include <string.h>

#include "kferry/kferry.h"

/* Values shorter than this are kept whole without a look for a prefix; a
 * prefix shorter than half of it is not worth an entry's reference. */
#define KF__SHARE_MIN 128

/* Bytes kept as a prefix of bytes kept whole (ref) and a tail of their
 * own; ref NULL: all in tail. */
struct kf__span {
	const unsigned char *ref, *tail;
	uint32_t ref_len, tail_len;
};

/* One message. */
struct kf__stash_ent {
	const char *topic;
	int64_t offset, timestamp;
	struct kf__span key, value;
	const unsigned char *load_id;
	int32_t partition;
	uint8_t load_id_len;
	uint8_t has_key, has_value;
};

static const unsigned char *kf__copy(kf_sink_stash_t *s, const void *p,
				     size_t n)
{
	unsigned char *out = kf_arena_alloc(&s->chunks, n ? n : 1, 1);

	if (out && n)
		memcpy(out, p, n);
	s->bytes = s->cap * sizeof(*s->ents) + s->chunks.bytes;
	return out;
}

/* How many leading bytes a and b share. */
static size_t kf__common(const unsigned char *a, size_t alen,
			 const unsigned char *b, size_t blen)
{
	size_t n = alen < blen ? alen : blen, i = 0;
	uint64_t x, y;

	for (; i + 8 <= n; i += 8) {
		memcpy(&x, a + i, 8);
		memcpy(&y, b + i, 8);
		if (x != y)
			break;
	}
	while (i < n && a[i] == b[i])
		i++;
	return i;
}

/* v into sp: a prefix of one of refs and its tail, or kept whole (then a
 * reference for the next ones). */
static int kf__span(kf_sink_stash_t *s, struct kf_sink_stash_refs *refs,
		    struct kf__span *sp, const unsigned char *v, size_t len)
{
	unsigned i, r;
	size_t common;

	if (len >= KF__SHARE_MIN)
		for (i = 0; i < KF_SINK_STASH_REFS; i++) {
			r = (refs->last + i) % KF_SINK_STASH_REFS;
			if (!refs->p[r])
				continue;
			common = kf__common(refs->p[r], refs->len[r], v, len);
			if (common < KF__SHARE_MIN / 2)
				continue;
			sp->tail = kf__copy(s, v + common, len - common);
			if (!sp->tail)
				return KF_ENOMEM;
			refs->last = r;
			sp->ref = refs->p[r];
			sp->ref_len = (uint32_t)common;
			sp->tail_len = (uint32_t)(len - common);
			return 0;
		}
	sp->tail = kf__copy(s, v, len);
	if (!sp->tail)
		return KF_ENOMEM;
	sp->tail_len = (uint32_t)len;
	if (len >= KF__SHARE_MIN) {
		r = refs->next;
		refs->next = (r + 1) % KF_SINK_STASH_REFS;
		refs->p[r] = sp->tail;
		refs->len[r] = len;
		refs->last = r;
	}
	return 0;
}

/* sp's bytes in one piece: where they lie, or put together in sc. */
static const void *kf__whole(const struct kf__span *sp,
			     struct kf_sink_scratch_buf *sc, size_t *len)
{
	*len = (size_t)sp->ref_len + sp->tail_len;
	if (!sp->ref || !sp->tail_len)
		return sp->ref ? sp->ref : sp->tail;
	if (sc->cap < *len) {
		unsigned char *p = realloc(sc->p, *len);

		if (!p)
			return NULL;
		sc->p = p;
		sc->cap = *len;
	}
	memcpy(sc->p, sp->ref, sp->ref_len);
	memcpy(sc->p + sp->ref_len, sp->tail, sp->tail_len);
	return sc->p;
}

int kf_sink_stash_add(kf_sink_stash_t *s, const kf_sink_msg_t *m)
{
	struct kf__stash_ent *e;
	int rc;

	if (m->key_len > UINT32_MAX || m->len > UINT32_MAX ||
	    m->load_id_len > UINT8_MAX)
		return KF_EINVAL;
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 1024;

		e = realloc(s->ents, cap * sizeof(*e));
		if (!e)
			return KF_ENOMEM;
		s->ents = e;
		s->cap = cap;
		s->bytes = cap * sizeof(*e) + s->chunks.bytes;
	}
	e = &s->ents[s->n];
	*e = (struct kf__stash_ent){
		.topic = m->topic,
		.offset = m->offset,
		.timestamp = m->timestamp,
		.partition = m->partition,
		.has_key = m->key != NULL,
		.has_value = m->value != NULL,
		.load_id_len = (uint8_t)m->load_id_len,
	};
	if (m->key && (rc = kf__span(s, &s->keys, &e->key, m->key, m->key_len)))
		return rc;
	if (m->value &&
	    (rc = kf__span(s, &s->values, &e->value, m->value, m->len)))
		return rc;
	if (m->load_id &&
	    !(e->load_id = kf__copy(s, m->load_id, m->load_id_len)))
		return KF_ENOMEM;
	s->n++;
	return 0;
}

int kf_sink_stash_get(const kf_sink_stash_t *s, size_t i, kf_sink_msg_t *m,
		      kf_sink_scratch_t *sc)
{
	const struct kf__stash_ent *e = &s->ents[i];

	*m = (kf_sink_msg_t){
		.topic = e->topic,
		.partition = e->partition,
		.offset = e->offset,
		.timestamp = e->timestamp,
		.load_id = e->load_id,
		.load_id_len = e->load_id_len,
	};
	if (e->has_key && !(m->key = kf__whole(&e->key, &sc->key, &m->key_len)))
		return KF_ENOMEM;
	if (e->has_value &&
	    !(m->value = kf__whole(&e->value, &sc->value, &m->len)))
		return KF_ENOMEM;
	return 0;
}

void kf_sink_stash_keep(kf_sink_stash_t *s,
			int (*keep)(void *opaque, const char *topic,
				    int32_t partition, int64_t offset),
			void *opaque)
{
	size_t i, k = 0;

	for (i = 0; i < s->n; i++)
		if (keep(opaque, s->ents[i].topic, s->ents[i].partition,
			 s->ents[i].offset))
			s->ents[k++] = s->ents[i];
	s->n = k;
}

void kf_sink_stash_free(kf_sink_stash_t *s)
{
	if (!s)
		return;
	kf_arena_free(&s->chunks);
	free(s->ents);
	memset(s, 0, sizeof(*s));
}

void kf_sink_scratch_free(kf_sink_scratch_t *sc)
{
	if (!sc)
		return;
	free(sc->key.p);
	free(sc->value.p);
	memset(sc, 0, sizeof(*sc));
}
