/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A bounded set of transfer ids: the receiver's tombstones of transfers
 * whose MANIFEST it rejected, so that their other frames are dropped
 * quietly rather than each logged. Whoever writes the topic chooses the
 * ids and how many there are, so the ids are hashed with SipHash-2-4
 * under a random key, and the set holds at most cap ids: the oldest goes
 * first (its later frames are then reported as of an unknown transfer).
 *
 * @locality loop thread.
 */
#ifndef KF_RECV_IDSET_H
#define KF_RECV_IDSET_H

#include <stddef.h>

#include "proto/wire.h"

typedef struct kf_idset_s kf_idset_t;

/* A set of at most cap (>= 1) ids; memory is taken at the first add.
 * Caller owns it (kf_idset_destroy); NULL when out of memory or without
 * randomness for the key. */
kf_idset_t *kf_idset_new(size_t cap);
void kf_idset_destroy(kf_idset_t *s);

/* Adds xid (no-op if present), dropping the oldest id when full. 0 or
 * KF_ENOMEM. */
int kf_idset_add(kf_idset_t *s, const kf_xid_t *xid);
int kf_idset_has(const kf_idset_t *s, const kf_xid_t *xid);
void kf_idset_remove(kf_idset_t *s, const kf_xid_t *xid);
size_t kf_idset_count(const kf_idset_t *s);
/* The longest chain of one bucket (for tests of the hash). */
size_t kf_idset_longest_chain(const kf_idset_t *s);

#endif /* KF_RECV_IDSET_H */
