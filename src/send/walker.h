/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Enumerates the regular files under the paths given to `kferry send`,
 * one at a time (never the whole tree in memory), with the relative path
 * each one gets on the wire.
 *
 * A file argument is sent under its own name; a directory argument as a
 * tree rooted at the directory's own name (like `cp -r DIR DEST`). Inside
 * trees, symbolic links and special files are skipped with a warning.
 *
 * @locality a worker thread (it blocks on the file system); one walker is
 * used by one thread at a time.
 */
#ifndef KF_SEND_WALKER_H
#define KF_SEND_WALKER_H

#include <stddef.h>
#include <sys/stat.h>

typedef struct kf_walker_s kf_walker_t;

/* Copies the path list. Caller owns the walker. */
kf_walker_t *kf_walker_new(const char *const *paths, size_t npaths);
void kf_walker_destroy(kf_walker_t *w);

/* Returns 1 with the next file (*src and *rel malloc'ed, caller frees; st
 * filled), 0 at the end, or a negative KF_E* code with errstr set for a
 * path that cannot be read (the walk can go on with the next call). */
int kf_walker_next(kf_walker_t *w, char **src, char **rel, struct stat *st,
		   char *errstr, size_t errstr_size);

#endif /* KF_SEND_WALKER_H */
