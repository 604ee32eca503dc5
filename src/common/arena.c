/* SPDX-License-Identifier: Apache-2.0 */
#include "common/arena.h"

#include <stdlib.h>

#define KF__CHUNK (64 * 1024)

struct kf__arena_chunk {
	struct kf__arena_chunk *next;
	size_t used, cap;
	_Alignas(16) unsigned char data[];
};

void *kf_arena_alloc(kf_arena_t *a, size_t n, size_t align)
{
	struct kf__arena_chunk *c = a->head;
	size_t at = c ? (c->used + align - 1) & ~(align - 1) : 0;

	if (n > SIZE_MAX - 16 - sizeof(*c))
		return NULL;
	if (!c || at > c->cap || c->cap - at < n) {
		size_t cap = n > KF__CHUNK ? n : KF__CHUNK;

		c = malloc(sizeof(*c) + cap);
		if (!c)
			return NULL;
		c->next = a->head;
		c->used = 0;
		c->cap = cap;
		a->head = c;
		a->bytes += sizeof(*c) + cap;
		at = 0;
	}
	c->used = at + n;
	return c->data + at;
}

void kf_arena_free(kf_arena_t *a)
{
	struct kf__arena_chunk *c, *next;

	if (!a)
		return;
	for (c = a->head; c; c = next) {
		next = c->next;
		free(c);
	}
	a->head = NULL;
	a->bytes = 0;
}
