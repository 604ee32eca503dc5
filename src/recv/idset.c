/* SPDX-License-Identifier: Apache-2.0 */
#include "recv/idset.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "common/err.h"
#include "core/siphash.h"

#define KF__NIL UINT32_MAX

struct kf__slot {
	kf_xid_t xid;
	uint32_t hnext; /* next slot of its bucket, or KF__NIL */
	uint8_t used;
};

/* The slots form a ring in insertion order: the next id goes to slot
 * `next`, evicting what is there (the oldest, or a hole left by a
 * removal). */
struct kf_idset_s {
	uint8_t key[KF_SIPHASH_KEY_SIZE];
	struct kf__slot *slots;
	uint32_t *buckets; /* nbuckets heads, KF__NIL when empty */
	size_t cap, nbuckets, next, count;
};

kf_idset_t *kf_idset_new(size_t cap)
{
	kf_idset_t *s;

	if (!cap || cap >= KF__NIL)
		return NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	if (getrandom(s->key, sizeof(s->key), 0) != sizeof(s->key)) {
		free(s);
		return NULL;
	}
	s->cap = cap;
	for (s->nbuckets = 16; s->nbuckets < cap; s->nbuckets *= 2)
		;
	return s;
}

void kf_idset_destroy(kf_idset_t *s)
{
	if (!s)
		return;
	free(s->slots);
	free(s->buckets);
	free(s);
}

static size_t kf__bucket(const kf_idset_t *s, const kf_xid_t *xid)
{
	return (size_t)kf_siphash24(s->key, xid->b, sizeof(xid->b)) &
	       (s->nbuckets - 1);
}

/* The link that points at xid's slot, or NULL. */
static uint32_t *kf__link(const kf_idset_t *s, const kf_xid_t *xid)
{
	uint32_t *l;

	if (!s->buckets)
		return NULL;
	for (l = &s->buckets[kf__bucket(s, xid)]; *l != KF__NIL;
	     l = &s->slots[*l].hnext)
		if (!memcmp(&s->slots[*l].xid, xid, sizeof(*xid)))
			return l;
	return NULL;
}

static void kf__unlink(kf_idset_t *s, uint32_t *l)
{
	struct kf__slot *sl = &s->slots[*l];

	*l = sl->hnext;
	sl->used = 0;
	s->count--;
}

int kf_idset_add(kf_idset_t *s, const kf_xid_t *xid)
{
	struct kf__slot *sl;
	uint32_t *b;
	size_t i;

	if (!s->slots) {
		s->slots = calloc(s->cap, sizeof(*s->slots));
		s->buckets = malloc(s->nbuckets * sizeof(*s->buckets));
		if (!s->slots || !s->buckets) {
			free(s->slots);
			free(s->buckets);
			s->slots = NULL;
			s->buckets = NULL;
			return KF_ENOMEM;
		}
		for (i = 0; i < s->nbuckets; i++)
			s->buckets[i] = KF__NIL;
	}
	if (kf__link(s, xid))
		return 0;
	sl = &s->slots[s->next];
	if (sl->used)
		kf__unlink(s, kf__link(s, &sl->xid));
	sl->xid = *xid;
	sl->used = 1;
	b = &s->buckets[kf__bucket(s, xid)];
	sl->hnext = *b;
	*b = (uint32_t)s->next;
	s->count++;
	s->next = (s->next + 1) % s->cap;
	return 0;
}

int kf_idset_has(const kf_idset_t *s, const kf_xid_t *xid)
{
	return kf__link(s, xid) != NULL;
}

void kf_idset_remove(kf_idset_t *s, const kf_xid_t *xid)
{
	uint32_t *l = kf__link(s, xid);

	if (l)
		kf__unlink(s, l);
}

size_t kf_idset_count(const kf_idset_t *s)
{
	return s->count;
}

size_t kf_idset_longest_chain(const kf_idset_t *s)
{
	size_t i, n, longest = 0;
	uint32_t k;

	for (i = 0; s->buckets && i < s->nbuckets; i++) {
		for (n = 0, k = s->buckets[i]; k != KF__NIL;
		     k = s->slots[k].hnext)
			n++;
		if (n > longest)
			longest = n;
	}
	return longest;
}
