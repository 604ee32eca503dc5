/* SPDX-License-Identifier: Apache-2.0 */
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

/*
 * Deferral (docs/protocol.md section 7): a frame that would open a
 * transfer while receive.max_open_transfers are open is left unread for
 * now. Its partition is read on (the open transfers' frames lie behind
 * it), and is rewound to the first deferred frame once there is room
 * again; that frame's offset is held meanwhile, so the commit never
 * passes it. The re-read range, up to what had been read, then delivers
 * only the frames of transfers opened in it.
 */

/* A message at offset was read from p (it also counts as consumed).
 * Returns 1 when it must be dropped unseen: fetched before a rewind took
 * effect. Otherwise 0, with *reread_from the start of the re-read range
 * it lies in (frames there of transfers opened before that offset were
 * handled by an earlier pass), or -1 when it is read for the first time.
 */
int kf_offsets_read(kf_offsets_t *o, int32_t p, int64_t offset,
		    int64_t *reread_from);
/* The frame at offset on p is deferred, and so is everything after it
 * that would open a transfer; holds offset (once per pass). */
int kf_offsets_defer(kf_offsets_t *o, int32_t p, int64_t offset);
/* 1 when p defers frames in the current pass. */
int kf_offsets_deferring(const kf_offsets_t *o, int32_t p);
/* Rewinds the next partition at or after *iter that deferred frames and
 * is not re-reading already: returns it, with *offset where to seek; -1
 * at the end. */
int32_t kf_offsets_next_rewind(kf_offsets_t *o, int32_t *iter, int64_t *offset);
/* 1 while any partition has deferred frames or is re-reading. */
int kf_offsets_pending(const kf_offsets_t *o);
/* Reading p starts at offset: its committed position when the group
 * assigned it, or KF_OFFSETS_EARLIEST when it had none (the consumer then
 * starts at the log start). Forgotten with p. */
#define KF_OFFSETS_EARLIEST (-2)
int kf_offsets_started(kf_offsets_t *o, int32_t p, int64_t offset);
/* One past the last offset read from p; before any is read, where reading
 * starts (kf_offsets_started, KF_OFFSETS_EARLIEST included); -1 when
 * neither is known. */
int64_t kf_offsets_read_end(const kf_offsets_t *o, int32_t p);

#endif /* KF_RECV_OFFSETS_H */
