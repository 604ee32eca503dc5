/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Claims, after-send actions and the error directory of the watch daemon
 * (worker threads). Paths the operator configured (DIR, a move or error
 * directory outside DIR) are opened as given; everything below them is
 * reached from a descriptor without following links.
 */
#include "watch/action.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/err.h"
#include "core/path.h"

#define KF__DIR_FLAGS (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)

/* An open parent directory and the last component of a path in it. */
struct kf__at {
	int fd;
	const char *base;
};

static void kf__at_close(struct kf__at *at)
{
	if (at->fd >= 0)
		close(at->fd);
	at->fd = -1;
}

static int64_t kf__ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec;
}

/* 1 if st is still the file f describes. */
static int kf__same(const struct stat *st, const struct kf_action_file *f)
{
	return S_ISREG(st->st_mode) && (uint64_t)st->st_size == f->size &&
	       (uint64_t)st->st_ino == f->ino &&
	       (!f->dev || (uint64_t)st->st_dev == f->dev) &&
	       kf__ns(&st->st_mtim) == f->mtime_ns &&
	       (!f->ctime_ns || kf__ns(&st->st_ctim) == f->ctime_ns);
}

static void kf__take(struct kf_action_file *f, const struct stat *st)
{
	f->size = (uint64_t)st->st_size;
	f->dev = (uint64_t)st->st_dev;
	f->ino = (uint64_t)st->st_ino;
	f->mtime_ns = kf__ns(&st->st_mtim);
	f->ctime_ns = kf__ns(&st->st_ctim);
}

/* A directory of the daemon's own must belong to its user and be
 * writable by no one else. */
static int kf__private_ok(int fd, const char *path, char *msg, size_t msg_size)
{
	struct stat st;

	if (fstat(fd, &st))
		return kf_seterr(msg, msg_size, KF_EIO, "%s: %s", path,
				 strerror(errno));
	if (st.st_uid != geteuid() || (st.st_mode & 022))
		return kf_seterr(msg, msg_size, KF_EINVAL,
				 "%s belongs to uid %u with mode %03o; it must "
				 "belong to kferry's user (uid %u) and be "
				 "writable by no one else (remove it, or chown "
				 "it and chmod 700)",
				 path, (unsigned)st.st_uid,
				 (unsigned)(st.st_mode & 0777),
				 (unsigned)geteuid());
	return 0;
}

/* Opens the directory sub below dirfd, one component at a time without
 * following links (with create, making missing ones with mode), and
 * checks each of them with kf__private_ok when private is set. shown is
 * dirfd's path, for messages. Returns the descriptor in *out, or a KF_E*
 * code with msg naming the component at fault. */
static int kf__open_below(int dirfd, const char *sub, int create, mode_t mode,
			  int private, const char *shown, int *out, char *msg,
			  size_t msg_size)
{
	char name[256], at[4400];
	const char *p = sub, *slash;
	int fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0), next, err;

	snprintf(at, sizeof(at), "%s", shown);
	while (fd >= 0 && *p) {
		size_t n;

		slash = strchr(p, '/');
		n = slash ? (size_t)(slash - p) : strlen(p);
		if (n >= sizeof(name)) {
			close(fd);
			return kf_seterr(msg, msg_size, KF_EPATH,
					 "%s/%s: a component is too long",
					 shown, sub);
		}
		memcpy(name, p, n);
		name[n] = '\0';
		p += n + (slash ? 1 : 0);
		if (!n)
			continue;
		snprintf(at, sizeof(at), "%s/%.*s", shown,
			 (int)(p - sub - (slash ? 1 : 0)), sub);
		next = openat(fd, name, KF__DIR_FLAGS);
		if (next < 0 && errno == ENOENT && create &&
		    (!mkdirat(fd, name, mode) || errno == EEXIST))
			next = openat(fd, name, KF__DIR_FLAGS);
		close(fd);
		fd = next;
		if (fd >= 0 && private &&
		    (err = kf__private_ok(fd, at, msg, msg_size))) {
			close(fd);
			return err;
		}
	}
	if (fd < 0)
		return kf_seterr(msg, msg_size, kf_err_from_errno(errno),
				 "%s: %s%s", at, strerror(errno),
				 errno == ELOOP || errno == ENOTDIR
					 ? " (a link or a file where a "
					   "directory should be)"
					 : "");
	*out = fd;
	return 0;
}

/* The part of path below dir, or NULL if path is not inside dir. */
static const char *kf__inside(const char *dir, const char *path)
{
	size_t n = strlen(dir);

	if (strncmp(path, dir, n) || (path[n] && path[n] != '/'))
		return NULL;
	return path + n + (path[n] ? 1 : 0);
}

static int kf__open_root(const kf_route_t *r, int *fd, char *msg,
			 size_t msg_size)
{
	*fd = open(r->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (*fd < 0)
		return kf_seterr(msg, msg_size, kf_err_from_errno(errno),
				 "%s: %s", r->dir, strerror(errno));
	return 0;
}

/* Opens a directory the operator configured (the move or the error
 * directory), making it with mode if missing: below DIR it is reached
 * from DIR without following links (anyone who can write DIR could have
 * put one there), elsewhere the path is the operator's and taken as
 * given. */
static int kf__open_conf_dir(const kf_route_t *r, const char *path, mode_t mode,
			     int private, int *fd, char *msg, size_t msg_size)
{
	const char *below = kf__inside(r->dir, path);
	int rfd, err;

	if (!below) {
		if (kf_path_mkdir_p(path, mode, 0))
			return kf_seterr(msg, msg_size, KF_EIO,
					 "cannot create %s: %s", path,
					 strerror(errno));
		*fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (*fd < 0)
			return kf_seterr(msg, msg_size,
					 kf_err_from_errno(errno), "%s: %s",
					 path, strerror(errno));
		return 0;
	}
	if ((err = kf__open_root(r, &rfd, msg, msg_size)))
		return err;
	err = kf__open_below(rfd, below, 1, mode, private, r->dir, fd, msg,
			     msg_size);
	close(rfd);
	return err;
}

/* Opens the parent of rel in DIR (claimed: in DIR/.kferry/sending,
 * created with create). */
static int kf__at_open(const kf_route_t *r, const char *rel, int claimed,
		       int create, struct kf__at *at, char *msg,
		       size_t msg_size)
{
	int rfd, sfd, err;

	at->fd = -1;
	if ((err = kf__open_root(r, &rfd, msg, msg_size)))
		return err;
	if (claimed) {
		err = kf__open_below(rfd, KF_ACTION_SENDING, create, 0700, 1,
				     r->dir, &sfd, msg, msg_size);
		close(rfd);
		if (err)
			return err;
		rfd = sfd;
	}
	err = kf_path_open_parent(rfd, rel, create, claimed ? 0700 : 0755,
				  &at->fd, &at->base, NULL, msg, msg_size);
	close(rfd);
	return err;
}

static void kf__fsync_fd(int fd)
{
	if (fd >= 0)
		fsync(fd);
}

/* Renames from (in sfd) to base in dfd, or to base.1, base.2, ... if base
 * is taken (with next); never replaces a file. The name used is left in
 * target. */
static int kf__rename_free(int sfd, const char *from, int dfd, const char *base,
			   int next, char *target, size_t target_size)
{
	int i;

	snprintf(target, target_size, "%s", base);
	for (i = 1; i < 1000; i++) {
		if (!renameat2(sfd, from, dfd, target, RENAME_NOREPLACE))
			return 0;
		if (errno == EINVAL && !linkat(sfd, from, dfd, target, 0)) {
			/* no RENAME_NOREPLACE here: link never replaces */
			unlinkat(sfd, from, 0);
			return 0;
		}
		if (errno != EEXIST || !next)
			return -1;
		snprintf(target, target_size, "%s.%d", base, i);
	}
	return -1;
}

int kf_action_prepare(const kf_route_t *r, char *errstr, size_t errstr_size)
{
	/* keep claims nothing: its DIR may even be read-only */
	int claims = r->after != KF_AFTER_KEEP;
	const char *own = claims ? KF_ACTION_SENDING : KF_ACTION_PRIVATE;
	struct stat st;
	int rfd, fd, err;

	rfd = open(r->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rfd < 0)
		return 0; /* not there yet: every claim checks again */
	err = kf__open_below(rfd, own, claims, 0700, 1, r->dir, &fd, errstr,
			     errstr_size);
	close(rfd);
	if (err == KF_EINVAL || (err && claims)) {
		char why[512];

		snprintf(why, sizeof(why), "%s", errstr);
		return kf_seterr(errstr, errstr_size, KF_EINVAL, "route %s: %s",
				 r->name, why);
	}
	if (!err)
		close(fd);
	if (lstat(r->error_dir, &st))
		return 0; /* made 0700 when first needed */
	fd = open(r->error_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return kf_seterr(errstr, errstr_size, KF_EINVAL,
				 "route %s: error directory %s: %s", r->name,
				 r->error_dir, strerror(errno));
	err = kf__private_ok(fd, r->error_dir, errstr, errstr_size);
	close(fd);
	return err ? KF_EINVAL : 0;
}

int kf_action_claim(const kf_route_t *r, struct kf_action_file *f, char *msg,
		    size_t msg_size)
{
	struct kf__at src = {-1, NULL}, dst = {-1, NULL};
	struct stat st;
	int err;

	if (r->after == KF_AFTER_KEEP || f->claimed)
		return 0;
	/* not there as listed (gone, or a link in its path): look again */
	if (kf__at_open(r, f->rel, 0, 0, &src, msg, msg_size))
		return KF_ACTION_CHANGED;
	if (fstatat(src.fd, src.base, &st, AT_SYMLINK_NOFOLLOW) ||
	    !kf__same(&st, f)) {
		kf__at_close(&src);
		return KF_ACTION_CHANGED;
	}
	err = kf__at_open(r, f->rel, 1, 1, &dst, msg, msg_size);
	if (!err &&
	    renameat2(src.fd, src.base, dst.fd, dst.base, RENAME_NOREPLACE) &&
	    (errno != EINVAL || linkat(src.fd, src.base, dst.fd, dst.base, 0) ||
	     unlinkat(src.fd, src.base, 0)))
		err = kf_seterr(msg, msg_size, kf_err_from_errno(errno),
				"cannot claim it (rename into %s/%s): %s",
				r->dir, KF_ACTION_SENDING, strerror(errno));
	/* What was renamed is what gets sent: a newer file that took the
	 * name since the fstatat is the one claimed, and described. */
	if (!err) {
		f->claimed = 1;
		if (!fstatat(dst.fd, dst.base, &st, AT_SYMLINK_NOFOLLOW))
			kf__take(f, &st);
	}
	kf__at_close(&src);
	kf__at_close(&dst);
	return err;
}

int kf_action_unclaim(const kf_route_t *r, struct kf_action_file *f, char *msg,
		      size_t msg_size)
{
	struct kf__at src = {-1, NULL}, dst = {-1, NULL};
	int err;

	if (!f->claimed)
		return 0;
	err = kf__at_open(r, f->rel, 1, 0, &src, msg, msg_size);
	if (!err)
		err = kf__at_open(r, f->rel, 0, 1, &dst, msg, msg_size);
	if (!err &&
	    renameat2(src.fd, src.base, dst.fd, dst.base, RENAME_NOREPLACE)) {
		if (errno == EEXIST) {
			kf__at_close(&src);
			kf__at_close(&dst);
			err = kf_action_quarantine(
				r, f,
				"a newer file took its name before this one "
				"was sent",
				0, msg, msg_size);
			return err ? err : KF_ACTION_SUPERSEDED;
		}
		err = kf_seterr(msg, msg_size, kf_err_from_errno(errno),
				"cannot put %s/%s/%s back: %s", r->dir,
				KF_ACTION_SENDING, f->rel, strerror(errno));
	}
	if (!err)
		f->claimed = 0;
	kf__at_close(&src);
	kf__at_close(&dst);
	return err;
}

/* Moves the file at `at` to DIR/REL below the route's move template. */
static int kf__move(const kf_route_t *r, const struct kf__at *at,
		    const char *rel, char *msg, size_t msg_size)
{
	char dir[4096], target[300];
	struct kf__at dst = {-1, NULL};
	struct tm tm;
	time_t now = time(NULL);
	int mfd, err;

	localtime_r(&now, &tm);
	if (!strftime(dir, sizeof(dir), r->move_tmpl, &tm))
		return kf_seterr(msg, msg_size, KF_ELIMIT,
				 "move:%s: expands to nothing", r->move_tmpl);
	if ((err = kf__open_conf_dir(r, dir, 0755, 0, &mfd, msg, msg_size)))
		return err;
	err = kf_path_open_parent(mfd, rel, 1, 0755, &dst.fd, &dst.base, NULL,
				  msg, msg_size);
	close(mfd);
	if (err)
		return err;
	if (kf__rename_free(at->fd, at->base, dst.fd, dst.base, 1, target,
			    sizeof(target)))
		err = kf_seterr(msg, msg_size, kf_err_from_errno(errno),
				"cannot move %s to %s/%s: %s", rel, dir, rel,
				strerror(errno));
	else
		kf__fsync_fd(dst.fd);
	kf__at_close(&dst);
	return err;
}

static void kf__unlink_markers(const kf_route_t *r, const char *rel)
{
	struct kf__at at = {-1, NULL};
	char name[300], msg[64];
	size_t i;

	if (r->finished != KF_FINISHED_MARKER ||
	    kf__at_open(r, rel, 0, 0, &at, msg, sizeof(msg)))
		return;
	for (i = 0; i < r->markers.n; i++) {
		snprintf(name, sizeof(name), "%s%s", at.base, r->markers.v[i]);
		unlinkat(at.fd, name, 0);
	}
	kf__at_close(&at);
}

/* The after action on the claimed file at `at`. */
static int kf__after(const kf_route_t *r, const struct kf__at *at,
		     const char *rel, char *msg, size_t msg_size)
{
	if (r->after == KF_AFTER_DELETE) {
		if (unlinkat(at->fd, at->base, 0) && errno != ENOENT)
			return kf_seterr(msg, msg_size, KF_EIO,
					 "cannot delete %s: %s", rel,
					 strerror(errno));
		return 0;
	}
	return kf__move(r, at, rel, msg, msg_size);
}

int kf_action_sent(const kf_route_t *r, kf_ledger_t *l,
		   struct kf_action_file *f, char *msg, size_t msg_size)
{
	struct kf_ledger_rec rec = {0};
	struct kf__at at = {-1, NULL};
	struct stat st;
	int err;

	if ((err = kf_action_claim(r, f, msg, msg_size)))
		return err;
	if (kf__at_open(r, f->rel, f->claimed, 0, &at, msg, msg_size))
		return KF_ACTION_CHANGED;
	if (fstatat(at.fd, at.base, &st, AT_SYMLINK_NOFOLLOW) ||
	    !kf__same(&st, f)) {
		kf__at_close(&at);
		/* written to after it was claimed: sent again */
		err = kf_action_unclaim(r, f, msg, msg_size);
		return err ? err : KF_ACTION_CHANGED;
	}
	if (l) {
		rec.route = r->name;
		rec.rel = f->rel;
		rec.size = f->size;
		rec.mtime_ns = f->mtime_ns;
		rec.ino = f->ino;
		rec.sent_s = (int64_t)time(NULL);
		err = kf_ledger_append(l, &rec, msg, msg_size);
		if (err)
			goto out_unclaim;
	}
	if (r->after == KF_AFTER_KEEP) {
		kf__at_close(&at);
		return 0;
	}
	err = kf__after(r, &at, f->rel, msg, msg_size);
	if (err)
		goto out_unclaim;
	kf__fsync_fd(at.fd);
	f->claimed = 0;
	kf__at_close(&at);
	kf__unlink_markers(r, f->rel);
	return 0;

out_unclaim:
	kf__at_close(&at);
	{
		char why[256];

		/* its name back: a failed move is retried from there */
		kf_action_unclaim(r, f, why, sizeof(why));
	}
	return err;
}

/* Writes NAME.error beside the file moved to the error directory; never
 * through a link (O_NOFOLLOW), never over a file kept there. */
static int kf__write_reason(int dfd, const char *name, const char *rel,
			    const char *route, const char *reason, int attempts)
{
	char when[64];
	time_t now = time(NULL);
	struct tm tm;
	FILE *f;
	int fd;

	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	fd = openat(dfd, name,
		    O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
		    0600);
	if (fd < 0)
		return kf_err_from_errno(errno);
	if (!(f = fdopen(fd, "w"))) {
		close(fd);
		return kf_err_from_errno(errno);
	}
	fprintf(f,
		"file: %s\nroute: %s\nfailed: %s\nattempts: %d\n"
		"reason: %s\n",
		rel, route, when, attempts, reason);
	fflush(f);
	fsync(fileno(f));
	return fclose(f) ? kf_err_from_errno(errno) : 0;
}

int kf_action_quarantine(const kf_route_t *r, const struct kf_action_file *f,
			 const char *reason, int attempts, char *msg,
			 size_t msg_size)
{
	struct kf__at src = {-1, NULL}, dst = {-1, NULL};
	char target[300], txt[320];
	int efd, err;

	if ((err = kf__at_open(r, f->rel, f->claimed, 0, &src, msg, msg_size)))
		return err;
	err = kf__open_conf_dir(r, r->error_dir, 0755, 1, &efd, msg, msg_size);
	if (!err) {
		err = kf_path_open_parent(efd, f->rel, 1, 0755, &dst.fd,
					  &dst.base, NULL, msg, msg_size);
		close(efd);
	}
	/* a name failed before keeps its file: this one becomes NAME.1 and
	 * its text NAME.1.error */
	if (!err && kf__rename_free(src.fd, src.base, dst.fd, dst.base, 1,
				    target, sizeof(target)))
		err = kf_seterr(msg, msg_size, kf_err_from_errno(errno),
				"cannot move %s to %s: %s", f->rel,
				r->error_dir, strerror(errno));
	if (!err) {
		kf__fsync_fd(src.fd);
		snprintf(txt, sizeof(txt), "%s.error", target);
		err = kf__write_reason(dst.fd, txt, f->rel, r->name, reason,
				       attempts);
		if (err)
			kf_seterr(msg, msg_size, err, "%s/%s.error: %s",
				  r->error_dir, f->rel, strerror(errno));
		kf__fsync_fd(dst.fd);
	}
	kf__at_close(&src);
	kf__at_close(&dst);
	return err;
}

/* Depth-first over the claimed files below fd (relative path rel). */
static void kf__claimed_walk(const kf_route_t *r, int fd, char *rel, size_t cap,
			     void (*fn)(void *, struct kf_action_file *),
			     void *opaque)
{
	size_t n = strlen(rel);
	struct dirent *de;
	DIR *d = fdopendir(fd);

	if (!d) {
		close(fd);
		return;
	}
	while ((de = readdir(d))) {
		struct kf_action_file f = {0};
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    snprintf(rel + n, cap - n, "%s%s", n ? "/" : "",
			     de->d_name) >= (int)(cap - n) ||
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW))
			continue;
		if (S_ISDIR(st.st_mode)) {
			int sub = openat(dirfd(d), de->d_name, KF__DIR_FLAGS);

			if (sub >= 0)
				kf__claimed_walk(r, sub, rel, cap, fn, opaque);
		} else if (S_ISREG(st.st_mode)) {
			f.rel = rel;
			kf__take(&f, &st);
			f.claimed = 1;
			fn(opaque, &f);
		}
		rel[n] = '\0';
	}
	closedir(d);
}

int kf_action_claimed_each(const kf_route_t *r,
			   void (*fn)(void *opaque, struct kf_action_file *f),
			   void *opaque, char *msg, size_t msg_size)
{
	char rel[4200] = "";
	int rfd, sfd, err;

	if ((rfd = open(r->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return 0; /* no DIR: nothing claimed in it */
	err = kf__open_below(rfd, KF_ACTION_SENDING, 0, 0700, 1, r->dir, &sfd,
			     msg, msg_size);
	close(rfd);
	if (err)
		return err == KF_EINVAL ? err : 0; /* none yet */
	kf__claimed_walk(r, sfd, rel, sizeof(rel), fn, opaque);
	return 0;
}
