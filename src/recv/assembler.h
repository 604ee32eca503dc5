/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The receiver's file system side: the destination root, staging files,
 * verified placement by atomic rename, and quarantine.
 *
 * Layout (docs/protocol.md section 8):
 *   DEST/.kferry/tmp/<instance>/      this process's staging files
 *   DEST/.kferry/tmp/<instance>.lock  flock'ed while the process lives
 *   DEST/.kferry/quarantine/<xid>/    rejected data and reason.txt
 *
 * Nothing is visible under DEST's own tree until it is complete, verified
 * and fsync'ed. Every function but kf_dest_open/close blocks on the disk.
 *
 * @locality worker threads; one assembly is used by one job at a time.
 */
#ifndef KF_RECV_ASSEMBLER_H
#define KF_RECV_ASSEMBLER_H

#include <stdint.h>

#include "core/codec.h"
#include "proto/wire.h"

typedef struct kf_dest_s kf_dest_t;

/* What to do when a file is already at a transfer's path
 * (receive.on_conflict). */
enum kf_conflict_policy {
	KF_CONFLICT_FAIL = 0,  /* quarantine the incoming file, keep the old */
	KF_CONFLICT_OVERWRITE, /* replace the existing file atomically */
	KF_CONFLICT_RENAME     /* keep both: the new one gets a suffix */
};

/* How the destination is kept. */
typedef struct kf_dest_opts_s {
	int on_conflict;	  /* enum kf_conflict_policy */
	int fsync;		  /* 1: fsync files and directories */
	int quarantine_max;	  /* transfers kept in quarantine; 0: all */
	int quarantine_max_age_s; /* 0: kept for ever */
	const char *umask; /* octal digits only (checked by the caller) */
} kf_dest_opts_t;

/* Creates DEST (and its parents) if missing, the private area, this
 * instance's staging directory, and removes the staging left by dead
 * instances. Caller owns *out (kf_dest_close). */
int kf_dest_open(const char *path, const kf_dest_opts_t *o, kf_dest_t **out,
		 char *errstr, size_t errstr_size);
/* Removes this instance's staging directory and closes everything. */
void kf_dest_close(kf_dest_t *d);
/* 1 when d places files by hard link first (its file system is one where
 * that costs less than a rename between directories), 0 when by rename. */
int kf_dest_links(const kf_dest_t *d);

enum kf_place_outcome {
	KF_PLACED = 1, /* new file at its path */
	KF_REPLACED,   /* replaced an existing file (policy overwrite) */
	KF_RENAMED,    /* placed under a suffix (policy rename) */
	KF_SKIPPED,    /* an identical file was already there */
	KF_KEPT_NEWER  /* policy overwrite, signed transfer: the file there is
			    newer, and stays (docs/protocol.md 10.8, rule 6) */
};

/* The last directory sync of a batch, and its outcome: the placement's
 * relpath (NULL before the first). */
typedef struct kf_dirsync_done_s {
	const char *relpath;
	int err;
	char errmsg[256];
} kf_dirsync_done_t;

/* Directories a batch of placements syncs once each
 * (kf_assembly_sync_pending): the last parent synced for a placement,
 * and the last chain (every directory from DEST down) synced for a file
 * found already in place. */
typedef struct kf_dirsync_s {
	kf_dirsync_done_t parent, chain;
	/* The parent directory of the batch's last placement, kept open for
	 * the next placement into the same directory (the batch is sorted by
	 * directory): no walk from DEST again for each file. */
	const char *open_relpath; /* of that placement; NULL: none */
	int open_fd;
} kf_dirsync_t;

/* What a batch's placement left to sync (kf_assembly_t.dir_pending). */
enum kf_sync_pending {
	KF_SYNC_NONE,
	KF_SYNC_PARENT, /* the directory it was placed in */
	KF_SYNC_CHAIN	/* found in place: every directory from DEST down */
};

/* Closes the directory a batch kept open. */
void kf_dirsync_release(kf_dirsync_t *ds);

/* One transfer's file: created by kf_assembly_begin, ended by exactly one
 * of finish / quarantine / discard. */
typedef struct kf_assembly_s {
	kf_dest_t *dest;
	char staging[80]; /* name inside the instance directory */
	int fd;		  /* staging file, -1 when closed */
	kf_hasher_t *hasher;
	uint64_t written; /* bytes written in order */
	uint64_t synced;  /* bytes handed to writeback */
	/* Finalizing the staging file failed, so its fd was closed: what it
	 * holds is copied to a fresh file before it may be placed. */
	int restage;
	/* Depth of the shallowest directory on the way to relpath whose
	 * entry this transfer created (kf_path_open_parent), kept across
	 * retries until synced; INT_MAX if none. */
	int made_depth;
	char *relpath; /* NUL-terminated copy of the wire path */
	char *shown;   /* relpath made safe for logs (kf_path_printable) */
	char placed_as[300];  /* final name when renamed with a suffix */
	kf_wire_manifest_t m; /* path/origin point at relpath / origin */
	char origin[KF_WIRE_ORIGIN_MAX + 1];
	/* Sees every verified byte once, in file order, or NULL: signed
	 * transfers digest them (docs/protocol.md section 10). */
	void (*tap)(void *opaque, const void *buf, size_t len);
	void *tap_opaque;
	/* Signed transfers, once their COMMIT verified: the SHA-256 content
	 * digest the sender signed (KF_CRYPTO_SHA256_LEN bytes, not owned),
	 * else NULL. A file already at the path then counts as the same only
	 * with this digest, and an older signed version never replaces a
	 * newer file (docs/protocol.md section 10.8, rules 4 and 6). */
	const uint8_t *signed_digest;
	/* Set while a batch finishes it (kf_assembly_settle): a placement
	 * into an existing directory leaves that directory's fsync, and a
	 * file found already in place its chain of directories, to
	 * kf_assembly_sync_pending (dir_pending), called once every file of
	 * the batch is in place, so that one fsync of each directory covers
	 * them all. NULL: kf_assembly_finish syncs them. */
	kf_dirsync_t *dirsync;
	enum kf_sync_pending dir_pending;
} kf_assembly_t;

/* Prepares a (zeroed) assembly from a decoded manifest; copies what it
 * keeps. Does not touch the disk. */
int kf_assembly_init(kf_assembly_t *a, kf_dest_t *d,
		     const kf_wire_manifest_t *m, uint64_t seq);
/* Creates the staging file and reserves the file's size on disk, so that a
 * full disk shows up now rather than mid-file. KF_ENOSPC (retryable: the
 * file fits the file system but not its free space; nothing is reserved
 * while waiting) or KF_ELIMIT (larger than the whole file system). */
int kf_assembly_begin(kf_assembly_t *a, char *errstr, size_t errstr_size);
/* Decodes, verifies (KF_EHASH, KF_EPROTO) and writes one chunk, which must
 * be the next in order. KF_ENOSPC is retryable: nothing was recorded. */
int kf_assembly_write(kf_assembly_t *a, kf_codec_pool_t *codecs,
		      const kf_wire_chunk_t *c, char *errstr,
		      size_t errstr_size);
/* Verifies totals and the whole-file hash, makes the file durable and
 * places it by the conflict policy (KF_KEPT_NEWER: the staged file was
 * deleted instead). Returns 0 with *outcome set, KF_EHASH
 * or KF_EPROTO (corrupt: quarantine it), KF_EEXIST (policy fail), KF_EPATH
 * (a symlink or non-directory in the way), or KF_ENOSPC (retryable). */
int kf_assembly_finish(kf_assembly_t *a, const kf_wire_commit_t *c,
		       int *outcome, char *errstr, size_t errstr_size);
/* Group commit (docs/protocol.md section 8): makes the staged data of n
 * assemblies durable together before kf_assembly_finish places each of
 * them: mode and mtime set, then one syncfs(2) of DEST's file system for
 * all instead of an fsync each. If syncfs fails, each file is fsync'ed on
 * its own, and one whose fsync fails is staged again from a copy by its
 * kf_assembly_finish, as after a failed fsync there. Closes the staging
 * files either way. */
void kf_assembly_settle(kf_assembly_t *const *as, size_t n);
/* For an assembly placed with dir_pending set: fsyncs its parent
 * directory (KF_SYNC_PARENT) or every directory from DEST down to it
 * (KF_SYNC_CHAIN), unless the last call of the same kind on the same
 * kf_dirsync_t did it for the same directory (callers go through a batch
 * sorted by directory, after all its placements); a chain leaves out the
 * directories the last chain synced. Returns 0 or the KF_E* code of that
 * fsync. */
int kf_assembly_sync_pending(kf_assembly_t *a, char *errstr,
			     size_t errstr_size);
/* For a transfer whose beginning this receiver never saw (a RESUME with
 * no open transfer, docs/protocol.md section 9): succeeds with *outcome
 * KF_SKIPPED if DEST already holds the committed file (same size, the
 * manifest's mtime, and then the same whole-file hash) at its path; else
 * KF_EPROTO (quarantine: nothing was staged, only the reason is kept). */
int kf_assembly_present(kf_assembly_t *a, const kf_wire_commit_t *c,
			int *outcome, char *errstr, size_t errstr_size);
/* Moves whatever was staged into quarantine with a reason.txt. Returns 0,
 * or a KF_E* code when the quarantine could not be made; the staged data
 * is then left where it was, so that the caller can try again. */
int kf_assembly_quarantine(kf_assembly_t *a, const char *reason);
/* Deletes the staged data. */
void kf_assembly_discard(kf_assembly_t *a);
/* Frees memory only (after one of the three above). */
void kf_assembly_free(kf_assembly_t *a);
/* Moves src, initialised, into dst (free or zeroed); src is left zeroed. */
void kf_assembly_move(kf_assembly_t *dst, kf_assembly_t *src);

#endif /* KF_RECV_ASSEMBLER_H */
