/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Memory handed out in pieces from chunks of 64 KiB (a larger piece gets
 * a chunk of its own) and freed all at once: for what lives exactly as
 * long as one batch or one plan. bytes counts the chunks, what a budget
 * charges for it.
 *
 * @locality any thread; one arena is used by one thread at a time.
 */
#ifndef KF_COMMON_ARENA_H
#define KF_COMMON_ARENA_H

#include <stddef.h>
#include <stdint.h>

typedef struct kf_arena_s {
	struct kf__arena_chunk *head;
	uint64_t bytes; /* of its chunks */
} kf_arena_t;

/* n bytes aligned to align (1, 2, 4, 8 or 16), or NULL when out of
 * memory. They stay valid until kf_arena_free. */
void *kf_arena_alloc(kf_arena_t *a, size_t n, size_t align);
/* Frees every piece and empties a (a itself is the caller's; NULL: no-op). */
void kf_arena_free(kf_arena_t *a);

#endif /* KF_COMMON_ARENA_H */
