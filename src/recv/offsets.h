/*
 * Which offset a receiver may commit, per partition (docs/protocol.md
 * section 7): never past the first message of a transfer still open.
 *
 * Each open transfer "holds" the offset of its MANIFEST until its outcome is
 * durable; a partition's commit position is its lowest held offset, or one
 * past the last message consumed when nothing is held.
 *
 * @locality loop thread.
 */
#ifndef KF_RECV_OFFSETS_H
#define KF_RECV_OFFSETS_H

#include <stddef.h>
#include <stdint.h>

typedef struct kf_offsets_s kf_offsets_t;

kf_offsets_t *kf_offsets_new(void);
void kf_offsets_destroy(kf_offsets_t *o);

/* A message at offset was consumed from partition p. */
int kf_offsets_consumed(kf_offsets_t *o, int32_t p, int64_t offset);
/* A transfer starting at offset opens / closes on partition p. */
int kf_offsets_hold(kf_offsets_t *o, int32_t p, int64_t offset);
void kf_offsets_release(kf_offsets_t *o, int32_t p, int64_t offset);
/* Forgets partition p (revoked): its holds and positions. */
void kf_offsets_forget(kf_offsets_t *o, int32_t p);

/* The position that may be committed for p, or -1 if nothing was consumed.
 */
int64_t kf_offsets_position(const kf_offsets_t *o, int32_t p);

/* Iterates the partitions whose position moved since the last call to
 * kf_offsets_mark_committed for them: returns the next such partition at
 * or after *iter, or -1 at the end. */
int32_t kf_offsets_next_dirty(const kf_offsets_t *o, int32_t *iter,
			      int64_t *position);
void kf_offsets_mark_committed(kf_offsets_t *o, int32_t p, int64_t position);

#endif /* KF_RECV_OFFSETS_H */
