/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What happens to a route's file around its transfer (docs/watch.md):
 *
 * - before it is sent, a file of a `delete` or `move` route is *claimed*:
 *   renamed into DIR/.kferry/sending/REL (the daemon's own directory, on
 *   the same file system), so that the after action can only ever delete
 *   or move the version that was sent, never a newer one renamed in
 *   meanwhile under the same name;
 * - after every byte was acknowledged: record it in the ledger, then
 *   delete, move or keep it;
 * - after a failed attempt the claimed file goes back to its name (or, if
 *   a newer file took that name meanwhile, to the error directory); after
 *   the last attempt it moves to the error directory with a NAME.error
 *   text beside it.
 *
 * Every path below DIR, DIR/.kferry/sending, the move and the error
 * directory is walked one component at a time from a descriptor with
 * O_NOFOLLOW (kf_path_open_parent): a local user who can write DIR cannot
 * redirect a rename, an unlink or a .error text with a link.
 *
 * @locality worker: these block on the file system (fsync, rename), except
 * kf_action_prepare (the thread that starts the daemon, before its loop
 * runs).
 */
#ifndef KF_WATCH_ACTION_H
#define KF_WATCH_ACTION_H

#include <stddef.h>
#include <stdint.h>

#include "watch/ledger.h"
#include "watch/route.h"

/* The daemon's directory in DIR, and where claimed files wait. */
#define KF_ACTION_PRIVATE ".kferry"
#define KF_ACTION_SENDING ".kferry/sending"

/* A file as it was when it was handed to the sender. */
struct kf_action_file {
	const char *rel;
	uint64_t size, dev, ino;
	int64_t mtime_ns;
	int64_t ctime_ns; /* 0: not known (a ledger record has none) */
	int claimed;	  /* it is at DIR/.kferry/sending/REL */
};

#define KF_ACTION_CHANGED 1    /* not what was sent: nothing done */
#define KF_ACTION_SUPERSEDED 2 /* a newer file took its name: error dir */

/* Checks the directories the route's actions write to, creating
 * DIR/.kferry and DIR/.kferry/sending 0700 when missing for delete and
 * move (keep creates nothing: its DIR may be read-only): each must be a
 * directory (not a link) owned by the daemon's user that no one else may
 * write, and so must the error directory if it exists; else a local user
 * could point .error texts or claimed files elsewhere. A DIR that does
 * not exist yet passes (every claim checks again). Returns 0 or KF_EINVAL
 * with what to do in errstr. */
int kf_action_prepare(const kf_route_t *r, char *errstr, size_t errstr_size);

/* Claims f for a delete or move route (keep: nothing to do, 0): if
 * DIR/REL is still the file described (size, dev, inode, mtime, ctime),
 * renames it to DIR/.kferry/sending/REL, then sets f->claimed and takes
 * the claimed file's ctime (a rename moves it). Returns 0,
 * KF_ACTION_CHANGED (it changed or is gone: look again), or a negative
 * KF_E* code with msg. */
int kf_action_claim(const kf_route_t *r, struct kf_action_file *f, char *msg,
		    size_t msg_size);

/* Gives a claimed file its name DIR/REL back and clears f->claimed; if a
 * newer file holds that name, moves the claimed one to the error
 * directory instead (KF_ACTION_SUPERSEDED). Returns 0,
 * KF_ACTION_SUPERSEDED, or a negative KF_E* code with msg (the file stays
 * claimed; the next start puts it back). */
int kf_action_unclaim(const kf_route_t *r, struct kf_action_file *f, char *msg,
		      size_t msg_size);

/* The file was sent: if it still is what was sent, append its ledger
 * record (when l is not NULL) and run the route's after action (an
 * unclaimed file of a delete or move route is claimed first). Returns 0,
 * KF_ACTION_CHANGED (it changed meanwhile: nothing recorded, it is back
 * under its name to be sent again), KF_ACTION_SUPERSEDED (it changed and
 * a newer file took its name: error directory), or a negative KF_E* code
 * with msg (the after action failed; the ledger record stands, so it is
 * not sent again, and the file is back under its name). */
int kf_action_sent(const kf_route_t *r, kf_ledger_t *l,
		   struct kf_action_file *f, char *msg, size_t msg_size);

/* Moves the file (from DIR/.kferry/sending when claimed) to the route's
 * error directory under REL and writes REL.error beside it with reason,
 * the attempts and the time. Returns 0 or a KF_E* code with msg. */
int kf_action_quarantine(const kf_route_t *r, const struct kf_action_file *f,
			 const char *reason, int attempts, char *msg,
			 size_t msg_size);

/* Calls fn for every file claimed in the route's DIR/.kferry/sending (what
 * a stop or a crash left there; the file's size, dev, inode, mtime and
 * ctime filled in). Returns 0 or a KF_E* code with msg. */
int kf_action_claimed_each(const kf_route_t *r,
			   void (*fn)(void *opaque, struct kf_action_file *f),
			   void *opaque, char *msg, size_t msg_size);

#endif /* KF_WATCH_ACTION_H */
