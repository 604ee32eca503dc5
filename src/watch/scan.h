/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One scan of a route's directory: the files the route may send (with
 * size, mtime, inode and whether a marker stands beside them) and, for
 * recursive routes, the directories below, for the file system watches.
 *
 * Symbolic links and special files are skipped, and so are DIR/.kferry,
 * the route's error directory and its move directory when they lie inside
 * DIR. At most KF_SCAN_MAX_FILES files are listed per scan (the rest are
 * found by later scans once these are gone), so memory stays bounded.
 *
 * @locality worker (kf_scan_run blocks on the file system); the result is
 * handed to the loop thread, which frees it.
 */
#ifndef KF_WATCH_SCAN_H
#define KF_WATCH_SCAN_H

#include <stddef.h>
#include <stdint.h>

#include "watch/route.h"

#define KF_SCAN_MAX_FILES 100000
#define KF_SCAN_MAX_DIRS 8192

struct kf_scan_file {
	char *rel; /* owned */
	uint64_t size, dev, ino;
	int64_t mtime_ns, ctime_ns;
	int has_marker;
};

struct kf_scan_result {
	struct kf_scan_file *files; /* sorted by rel */
	size_t nfiles, cap;
	char **dirs; /* relative, sorted; "" is DIR itself */
	size_t ndirs, dcap;
	int truncated; /* a cap was reached */
	int err;       /* DIR itself could not be read */
	char errmsg[256];
};

/* Scans r's directory into out (which it zeroes first). DIR is opened as
 * given (the operator's path); every directory below it is opened from
 * its parent's descriptor with O_NOFOLLOW, so a link swapped in after
 * its lstat never leads the scan out of DIR. */
void kf_scan_run(const kf_route_t *r, struct kf_scan_result *out);
void kf_scan_result_free(struct kf_scan_result *res);

#endif /* KF_WATCH_SCAN_H */
