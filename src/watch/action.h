/*
 * What happens to a route's file once its transfer ended: after every
 * byte was acknowledged, record it in the ledger and then delete, move or
 * keep it; after its last failed attempt, move it to the error directory
 * with a NAME.error text beside it.
 *
 * @locality worker: these block on the file system (fsync, rename).
 */
#ifndef KF_WATCH_ACTION_H
#define KF_WATCH_ACTION_H

#include <stddef.h>
#include <stdint.h>

#include "watch/ledger.h"
#include "watch/route.h"

/* A file as it was when it was handed to the sender. */
struct kf_action_file {
	const char *rel;
	uint64_t size, ino;
	int64_t mtime_ns;
};

#define KF_ACTION_CHANGED 1

/* The file was sent: if it still is what was sent, append its ledger
 * record (when l is not NULL) and run the route's after action. Returns 0,
 * KF_ACTION_CHANGED (it changed meanwhile: nothing done, send it again),
 * or a negative KF_E* code with msg (the after action failed; the ledger
 * record stands, so it is not sent again). */
int kf_action_sent(const kf_route_t *r, kf_ledger_t *l,
		   const struct kf_action_file *f, char *msg, size_t msg_size);

/* Moves rel to the route's error directory and writes rel.error beside it
 * with reason, the attempts and the time. Returns 0 or a KF_E* code with
 * msg. */
int kf_action_quarantine(const kf_route_t *r, const char *rel,
			 const char *reason, int attempts, char *msg,
			 size_t msg_size);

#endif /* KF_WATCH_ACTION_H */
