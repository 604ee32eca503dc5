/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Relative paths from the wire, and safe access below a destination root.
 *
 * Paths are raw bytes (any byte but '/' and NUL). Nothing here ever follows
 * a symbolic link or leaves the destination root: every component is opened
 * with openat(O_NOFOLLOW | O_DIRECTORY) from the root's descriptor.
 *
 * @locality any thread (uses only the descriptors it is given).
 */
#ifndef KF_CORE_PATH_H
#define KF_CORE_PATH_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The path limits of docs/protocol.md section 3.2; proto/wire.h decodes
 * against the same numbers (KF_WIRE_PATH_MAX and its kin). */
#define KF_PATH_MAX 4096	  /* bytes of a whole relative path */
#define KF_PATH_COMPONENT_MAX 255 /* bytes of one component */
#define KF_PATH_DEPTH_MAX 256	  /* components */

/* Checks the path rules of docs/protocol.md section 3.2: non-empty, at most
 * KF_PATH_MAX bytes, no NUL, not absolute, no empty, "." or ".."
 * component, first component not ".kferry", components <= 255 bytes, depth
 * <= 256. Returns 0 or KF_EPATH with the reason in errstr. */
int kf_path_validate(const uint8_t *path, size_t len, char *errstr,
		     size_t errstr_size);

/* Opens (and with create=1, creates with mode dir_mode) every directory
 * component of relpath below rootfd, refusing symlinks and non-directories.
 * On success *parentfd is an O_DIRECTORY descriptor the caller closes, and
 * *base points at the last component inside relpath. relpath must be
 * NUL-terminated and valid (kf_path_validate). Unless made_depth is NULL,
 * *made_depth is set, on success and on failure, to the depth of the
 * shallowest directory that was missing (1: relpath's first component),
 * or INT_MAX: its entry, and those below it, are not known to be durable
 * (kf_path_sync_dirs from *made_depth - 1). Returns 0, KF_EPATH (a
 * component is a symlink or not a directory), or KF_EIO/KF_ENOSPC. */
int kf_path_open_parent(int rootfd, const char *relpath, int create,
			mode_t dir_mode, int *parentfd, const char **base,
			int *made_depth, char *errstr, size_t errstr_size);

/* fsyncs the directories on the way to relpath's parent from depth `from`
 * (0: rootfd itself, 1: relpath's first component) down, and the parent
 * always, so that the entries they hold survive a power cut. Each is
 * opened afresh (never a descriptor whose fsync failed before). Returns 0,
 * KF_EPATH, or the error of the failed open or fsync (KF_EIO, KF_ENOSPC)
 * with the directory named in errstr. */
int kf_path_sync_dirs(int rootfd, const char *relpath, int from, char *errstr,
		      size_t errstr_size);

/* Opens path (with flags, O_NOFOLLOW added below the root) one component
 * at a time below its root, path[0, root_len): a directory the operator
 * named, opened as given; no link after it is followed, so a file or
 * directory swapped for a link by whoever can write below the root is
 * refused (ELOOP, ENOTDIR). root_len >= strlen(path): the whole path is
 * the operator's. The descriptor, or -1 with errno. */
int kf_path_open_below(const char *path, size_t root_len, int flags);

/* The directory of the last kf_path_open_below_at, kept open for the next
 * file of the same directory: a batch of files walks to it once. Zeroed
 * (KF_PATH_DIR_INIT) before the first use, kf_path_dir_close after the
 * last. */
typedef struct kf_path_dir_s {
	char *path; /* path[0, len) up to the file's name; NULL: none open */
	size_t len;
	size_t root_len; /* of the walk that opened it */
	int fd;
} kf_path_dir_t;
#define KF_PATH_DIR_INIT                                                       \
	{                                                                      \
		NULL, 0, 0, -1                                                 \
	}

/* kf_path_open_below through d (NULL: none kept): a path whose directory
 * is d's is opened
 * from d's descriptor (the file itself still with O_NOFOLLOW), any other
 * walks from its root and leaves its directory in d. A link swapped in
 * for a directory after d was opened is not seen: d holds the directory
 * the walk found, never one reached through a link. */
int kf_path_open_below_at(kf_path_dir_t *d, const char *path, size_t root_len,
			  int flags);
void kf_path_dir_close(kf_path_dir_t *d);

/* mkdir -p for a path the operator gave (a destination, a state or move
 * directory: links in it are the operator's and are followed). With
 * parents_only, the last component is left alone. Returns 0 or a KF_E*
 * code (errno kept). */
int kf_path_mkdir_p(const char *path, mode_t mode, int parents_only);

/* Renders path bytes for a log line: printable ASCII and valid UTF-8 as is,
 * other bytes as \xNN, newlines as \n; truncated with "..." to fit out
 * (always NUL-terminated). */
void kf_path_printable(const uint8_t *path, size_t len, char *out,
		       size_t out_size);

#endif /* KF_CORE_PATH_H */
