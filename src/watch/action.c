/*
 * After-send actions of the watch daemon (worker threads).
 */
#include "watch/action.h"

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

static int kf__fsync_parent(const char *path)
{
	char buf[8192];
	char *slash;
	int fd;

	/* a cut path would name another directory: skip the fsync */
	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return 0;
	slash = strrchr(buf, '/');
	if (!slash)
		return 0;
	*slash = '\0';
	fd = open(*buf ? buf : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	fsync(fd);
	close(fd);
	return 0;
}

/* Renames src to dst, or to dst.1, dst.2, ... if dst exists. */
static int kf__move(const char *src, const char *dst, char *msg,
		    size_t msg_size)
{
	char target[8300];
	int i;

	if (kf_path_mkdir_p(dst, 0755, 1))
		return kf_seterr(msg, msg_size, KF_EIO,
				 "cannot create the directories of %s: %s",
				 dst, strerror(errno));
	snprintf(target, sizeof(target), "%s", dst);
	for (i = 1; i < 1000; i++) {
		/* renameat2(RENAME_NOREPLACE) would race less; link+unlink
		 * keeps both names for a moment only */
		if (!link(src, target)) {
			unlink(src);
			kf__fsync_parent(target);
			kf__fsync_parent(src);
			return 0;
		}
		if (errno != EEXIST)
			break;
		snprintf(target, sizeof(target), "%s.%d", dst, i);
	}
	return kf_seterr(msg, msg_size, kf_err_from_errno(errno),
			 "cannot move %s to %s: %s", src, target,
			 strerror(errno));
}

static void kf__unlink_markers(const kf_route_t *r, const char *src)
{
	char path[8300];
	size_t i;

	if (r->finished != KF_FINISHED_MARKER)
		return;
	for (i = 0; i < r->markers.n; i++) {
		snprintf(path, sizeof(path), "%s%s", src, r->markers.v[i]);
		unlink(path);
	}
}

static int kf__after(const kf_route_t *r, const char *src, const char *rel,
		     char *msg, size_t msg_size)
{
	char dir[4096], dst[8300];
	struct tm tm;
	time_t now = time(NULL);
	int err = 0;

	switch (r->after) {
	case KF_AFTER_KEEP:
		return 0;
	case KF_AFTER_DELETE:
		if (unlink(src) && errno != ENOENT)
			return kf_seterr(msg, msg_size, KF_EIO,
					 "cannot delete %s: %s", src,
					 strerror(errno));
		kf__fsync_parent(src);
		break;
	default:
		localtime_r(&now, &tm);
		if (!strftime(dir, sizeof(dir), r->move_tmpl, &tm))
			return kf_seterr(msg, msg_size, KF_ELIMIT,
					 "move:%s: expands to nothing",
					 r->move_tmpl);
		snprintf(dst, sizeof(dst), "%s/%s", dir, rel);
		err = kf__move(src, dst, msg, msg_size);
		break;
	}
	if (!err)
		kf__unlink_markers(r, src);
	return err;
}

int kf_action_sent(const kf_route_t *r, kf_ledger_t *l,
		   const struct kf_action_file *f, char *msg, size_t msg_size)
{
	struct kf_ledger_rec rec = {0};
	char src[8300];
	struct stat st;
	int err;

	snprintf(src, sizeof(src), "%s/%s", r->dir, f->rel);
	if (lstat(src, &st))
		return errno == ENOENT ? KF_ACTION_CHANGED
				       : kf_seterr(msg, msg_size, KF_EIO,
						   "%s: %s", src,
						   strerror(errno));
	if ((uint64_t)st.st_size != f->size || (uint64_t)st.st_ino != f->ino ||
	    (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec !=
		    f->mtime_ns)
		return KF_ACTION_CHANGED;
	if (l) {
		rec.route = r->name;
		rec.rel = f->rel;
		rec.size = f->size;
		rec.mtime_ns = f->mtime_ns;
		rec.ino = f->ino;
		rec.sent_s = (int64_t)time(NULL);
		err = kf_ledger_append(l, &rec, msg, msg_size);
		if (err)
			return err;
	}
	return kf__after(r, src, f->rel, msg, msg_size);
}

static int kf__write_reason(const char *path, const char *rel,
			    const char *route, const char *reason,
			    int attempts)
{
	char when[64];
	time_t now = time(NULL);
	struct tm tm;
	FILE *f;

	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (!(f = fopen(path, "we")))
		return kf_err_from_errno(errno);
	fprintf(f, "file: %s\nroute: %s\nfailed: %s\nattempts: %d\n"
		   "reason: %s\n",
		rel, route, when, attempts, reason);
	fflush(f);
	fsync(fileno(f));
	return fclose(f) ? kf_err_from_errno(errno) : 0;
}

int kf_action_quarantine(const kf_route_t *r, const char *rel,
			 const char *reason, int attempts, char *msg,
			 size_t msg_size)
{
	char src[8300], dst[8300], txt[8400];
	int err;

	snprintf(src, sizeof(src), "%s/%s", r->dir, rel);
	snprintf(dst, sizeof(dst), "%s/%s", r->error_dir, rel);
	err = kf__move(src, dst, msg, msg_size);
	if (err)
		return err;
	snprintf(txt, sizeof(txt), "%s.error", dst);
	err = kf__write_reason(txt, rel, r->name, reason, attempts);
	if (err)
		return kf_seterr(msg, msg_size, err, "%s: %s", txt,
				 strerror(errno));
	return 0;
}
