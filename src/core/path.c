/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Relative paths from the wire, and safe access below a destination root.
 *
 * A path from the wire names a file below the destination root and nothing
 * else: kf_path_validate() rejects every spelling that could climb out of
 * it, and kf_path_open_parent() walks the tree one component at a time with
 * O_NOFOLLOW, so a symbolic link planted in the tree cannot redirect us.
 */
#include "core/path.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/err.h"

#define KF__PRIVATE_DIR ".kferry"
/* How much of a path an error message quotes (kf_path_printable form). */
#define KF__QUOTE_MAX 128
#define KF__DIR_FLAGS (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)

/* Formats "path '<printable path>' <why>" into errstr; returns KF_EPATH. */
static int kf__path_err(const uint8_t *path, size_t len, char *errstr,
			size_t errstr_size, const char *fmt, ...)
	KF_PRINTF(5, 6);

static int kf__path_err(const uint8_t *path, size_t len, char *errstr,
			size_t errstr_size, const char *fmt, ...)
{
	char quoted[KF__QUOTE_MAX];
	char why[128];
	va_list ap;

	if (!errstr || !errstr_size)
		return KF_EPATH;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	kf_path_printable(path, len, quoted, sizeof(quoted));
	return kf_seterr(errstr, errstr_size, KF_EPATH, "path '%s' %s", quoted,
			 why);
}

static int kf__component_check(const uint8_t *path, size_t len, size_t start,
			       size_t clen, size_t depth, char *errstr,
			       size_t errstr_size)
{
	const uint8_t *c = path + start;

	if (clen == 0)
		return kf__path_err(path, len, errstr, errstr_size,
				    "has an empty component at offset %zu "
				    "('//' or a trailing '/')",
				    start);
	if ((clen == 1 && c[0] == '.') ||
	    (clen == 2 && c[0] == '.' && c[1] == '.'))
		return kf__path_err(path, len, errstr, errstr_size,
				    "has a '%.*s' component at offset %zu",
				    (int)clen, (const char *)c, start);
	if (depth == 0 && clen == sizeof(KF__PRIVATE_DIR) - 1 &&
	    memcmp(c, KF__PRIVATE_DIR, clen) == 0)
		return kf__path_err(path, len, errstr, errstr_size,
				    "starts with '%s', the receiver's private "
				    "directory",
				    KF__PRIVATE_DIR);
	if (clen > KF_PATH_COMPONENT_MAX)
		return kf__path_err(path, len, errstr, errstr_size,
				    "has a %zu-byte component at offset %zu; "
				    "the limit is %d",
				    clen, start, KF_PATH_COMPONENT_MAX);
	if (depth >= KF_PATH_DEPTH_MAX)
		return kf__path_err(path, len, errstr, errstr_size,
				    "has more than %d components",
				    KF_PATH_DEPTH_MAX);
	return 0;
}

int kf_path_validate(const uint8_t *path, size_t len, char *errstr,
		     size_t errstr_size)
{
	const uint8_t *nul, *slash;
	size_t start, clen, depth;
	int err;

	if (len == 0)
		return kf_seterr(errstr, errstr_size, KF_EPATH,
				 "path is empty");
	if (len > KF_PATH_MAX)
		return kf__path_err(path, len, errstr, errstr_size,
				    "is %zu bytes; the limit is %d", len,
				    KF_PATH_MAX);
	nul = memchr(path, '\0', len);
	if (nul)
		return kf__path_err(path, len, errstr, errstr_size,
				    "contains a NUL byte at offset %zu",
				    (size_t)(nul - path));
	if (path[0] == '/')
		return kf__path_err(path, len, errstr, errstr_size,
				    "is absolute; only paths relative to the "
				    "destination are allowed");

	for (start = 0, depth = 0; start <= len; start += clen + 1, depth++) {
		slash = memchr(path + start, '/', len - start);
		clen = slash ? (size_t)(slash - path) - start : len - start;
		err = kf__component_check(path, len, start, clen, depth, errstr,
					  errstr_size);
		if (err)
			return err;
	}
	return 0;
}

/* Explains why `name` (a component of relpath) could not be opened or
 * created below dirfd, from the errno e of the failed call. */
static int kf__component_err(int dirfd, const char *name, int e,
			     const char *relpath, char *errstr,
			     size_t errstr_size)
{
	char qname[KF__QUOTE_MAX], qpath[KF__QUOTE_MAX];
	struct stat st;

	kf_path_printable((const uint8_t *)name, strlen(name), qname,
			  sizeof(qname));
	kf_path_printable((const uint8_t *)relpath, strlen(relpath), qpath,
			  sizeof(qpath));
	if (e == ELOOP || e == ENOTDIR) {
		/* Linux reports a symlink opened with O_NOFOLLOW|O_DIRECTORY
		 * as ENOTDIR, other systems as ELOOP: ask lstat which it is. */
		if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISLNK(st.st_mode))
			return kf_seterr(errstr, errstr_size, KF_EPATH,
					 "path component '%s' in '%s' is a "
					 "symbolic link; refusing to follow it",
					 qname, qpath);
		return kf_seterr(errstr, errstr_size, KF_EPATH,
				 "path component '%s' in '%s' is not a "
				 "directory",
				 qname, qpath);
	}
	return kf_seterr(errstr, errstr_size, kf_err_from_errno(e),
			 "cannot open or create directory '%s' in '%s': %s",
			 qname, qpath, strerror(e));
}

/* Opens directory `name` below dirfd, creating it first if asked to;
 * *made is set when it was missing (created here, or by someone else
 * between our openat and our mkdirat). */
static int kf__open_dir(int dirfd, const char *name, int create,
			mode_t dir_mode, int *fd, int *made,
			const char *relpath, char *errstr, size_t errstr_size)
{
	*made = 0;
	*fd = openat(dirfd, name, KF__DIR_FLAGS);
	if (*fd < 0 && errno == ENOENT && create) {
		/* EEXIST: someone else created it first; open what is there
		 * now, still without following a link. Its entry may not be
		 * durable yet either, so it counts as made. */
		if (mkdirat(dirfd, name, dir_mode) < 0 && errno != EEXIST)
			return kf__component_err(dirfd, name, errno, relpath,
						 errstr, errstr_size);
		*made = 1;
		*fd = openat(dirfd, name, KF__DIR_FLAGS);
	}
	if (*fd < 0)
		return kf__component_err(dirfd, name, errno, relpath, errstr,
					 errstr_size);
	return 0;
}

/* fsync(fd), fd being the directory that relpath's first prefix_len bytes
 * name below the root (0: the root itself). */
static int kf__sync_dir(int fd, const char *relpath, size_t prefix_len,
			char *errstr, size_t errstr_size)
{
	char shown[KF__QUOTE_MAX];
	int e;

	if (fsync(fd) == 0)
		return 0;
	e = errno;
	if (prefix_len)
		kf_path_printable((const uint8_t *)relpath, prefix_len, shown,
				  sizeof(shown));
	else
		snprintf(shown, sizeof(shown), ".");
	return kf_seterr(errstr, errstr_size, kf_err_from_errno(e),
			 "fsync of directory '%s' below the destination: %s",
			 shown, strerror(e));
}

/* Walks to relpath's parent (see kf_path_open_parent), fsync'ing on the
 * way every directory at depth sync_from or deeper but the parent. */
static int kf__walk(int rootfd, const char *relpath, int create,
		    mode_t dir_mode, int sync_from, int *parentfd,
		    const char **base, int *made_depth, char *errstr,
		    size_t errstr_size)
{
	char name[KF_PATH_COMPONENT_MAX + 1];
	const char *comp, *slash;
	int dirfd, fd, err, made, depth = 0;

	if (made_depth)
		*made_depth = INT_MAX;
	/* Callers validate already, but this is the last step before the
	 * file system: ".." or a leading '/' must never reach openat(). */
	err = kf_path_validate((const uint8_t *)relpath, strlen(relpath),
			       errstr, errstr_size);
	if (err)
		return err;

	/* A fresh descriptor even for a top-level file, so that the caller
	 * always owns and closes *parentfd. */
	dirfd = fcntl(rootfd, F_DUPFD_CLOEXEC, 0);
	if (dirfd < 0)
		return kf_seterr(errstr, errstr_size, kf_err_from_errno(errno),
				 "cannot duplicate the destination root "
				 "descriptor %d: %s",
				 rootfd, strerror(errno));

	for (comp = relpath; (slash = strchr(comp, '/')) != NULL;
	     comp = slash + 1) {
		if (depth >= sync_from &&
		    (err = kf__sync_dir(
			     dirfd, relpath,
			     comp == relpath ? 0 : (size_t)(comp - relpath) - 1,
			     errstr, errstr_size)) != 0) {
			close(dirfd);
			return err;
		}
		memcpy(name, comp, (size_t)(slash - comp));
		name[slash - comp] = '\0';
		err = kf__open_dir(dirfd, name, create, dir_mode, &fd, &made,
				   relpath, errstr, errstr_size);
		close(dirfd);
		depth++;
		if (made && made_depth && depth < *made_depth)
			*made_depth = depth;
		if (err)
			return err;
		dirfd = fd;
	}
	*parentfd = dirfd;
	*base = comp;
	return 0;
}

int kf_path_open_parent(int rootfd, const char *relpath, int create,
			mode_t dir_mode, int *parentfd, const char **base,
			int *made_depth, char *errstr, size_t errstr_size)
{
	return kf__walk(rootfd, relpath, create, dir_mode, INT_MAX, parentfd,
			base, made_depth, errstr, errstr_size);
}

int kf_path_sync_dirs(int rootfd, const char *relpath, int from, char *errstr,
		      size_t errstr_size)
{
	const char *base;
	int pfd, err;

	err = kf__walk(rootfd, relpath, 0, 0, from, &pfd, &base, NULL, errstr,
		       errstr_size);
	if (err)
		return err;
	err = kf__sync_dir(pfd, relpath,
			   base == relpath ? 0 : (size_t)(base - relpath) - 1,
			   errstr, errstr_size);
	close(pfd);
	return err;
}

/* Length of the printable UTF-8 sequence at p (at most n bytes), or 0 if
 * it is invalid (overlong, surrogate, past U+10FFFF, truncated) or a C1
 * control, which some terminals obey as escape sequences. */
static size_t kf__utf8_len(const uint8_t *p, size_t n)
{
	uint8_t lo = 0x80, hi = 0xbf;
	size_t need, i;

	if (p[0] < 0xc2 || p[0] > 0xf4)
		return 0;
	need = p[0] < 0xe0 ? 2 : p[0] < 0xf0 ? 3 : 4;
	/* 0xc2: skip U+0080..U+009F (C1); 0xe0: overlong below U+0800 */
	if (p[0] == 0xc2 || p[0] == 0xe0)
		lo = 0xa0;
	else if (p[0] == 0xed)
		hi = 0x9f;
	else if (p[0] == 0xf0)
		lo = 0x90;
	else if (p[0] == 0xf4)
		hi = 0x8f;
	if (n < need || p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < need; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return need;
}

/* Renders the unit starting at p into unit (up to 4 chars); returns how
 * many input bytes it consumed and sets *ulen to the rendered length. */
static size_t kf__render_unit(const uint8_t *p, size_t n, char unit[4],
			      size_t *ulen)
{
	static const char hex[] = "0123456789abcdef";
	size_t u8;

	if (p[0] == '\n') {
		memcpy(unit, "\\n", 2);
		*ulen = 2;
		return 1;
	}
	if (p[0] >= 0x20 && p[0] < 0x7f) {
		unit[0] = (char)p[0];
		*ulen = 1;
		return 1;
	}
	u8 = kf__utf8_len(p, n);
	if (u8) {
		memcpy(unit, p, u8);
		*ulen = u8;
		return u8;
	}
	unit[0] = '\\';
	unit[1] = 'x';
	unit[2] = hex[p[0] >> 4];
	unit[3] = hex[p[0] & 0xf];
	*ulen = 4;
	return 1;
}

void kf_path_printable(const uint8_t *path, size_t len, char *out,
		       size_t out_size)
{
	static const char ellipsis[] = "...";
	size_t i, n, ulen, pos = 0, keep = 0;
	char unit[4];

	if (!out_size)
		return;
	for (i = 0; i < len; i += n) {
		n = kf__render_unit(path + i, len - i, unit, &ulen);
		if (pos + ulen >= out_size) {
			/* Cut after the last whole unit that leaves room for
			 * the ellipsis, never inside an escape or a UTF-8
			 * sequence. */
			pos = keep;
			n = out_size - 1 - keep;
			if (n > sizeof(ellipsis) - 1)
				n = sizeof(ellipsis) - 1;
			memcpy(out + pos, ellipsis, n);
			pos += n;
			break;
		}
		memcpy(out + pos, unit, ulen);
		pos += ulen;
		if (pos + sizeof(ellipsis) - 1 < out_size)
			keep = pos;
	}
	out[pos] = '\0';
}

int kf_path_mkdir_p(const char *path, mode_t mode, int parents_only)
{
	char buf[4096];
	char *p;

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return KF_ELIMIT;
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return kf_err_from_errno(errno);
		*p = '/';
	}
	if (!parents_only && mkdir(buf, mode) < 0 && errno != EEXIST)
		return kf_err_from_errno(errno);
	return 0;
}

/* Opens the directory holding path's last component, walking from its
 * root (path[0, root_len), the operator's) without following a link
 * below it; *base is that component. The descriptor, or -1 with errno. */
static int kf__open_dir_below(const char *path, size_t root_len,
			      const char **base)
{
	char *root, *rest, *comp, *slash;
	int dfd, fd, e;

	root = root_len ? strndup(path, root_len) : strdup(".");
	if (!root || !(rest = strdup(path + root_len))) {
		free(root);
		errno = ENOMEM;
		return -1;
	}
	dfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	for (comp = rest; dfd >= 0; comp = slash + 1) {
		while (*comp == '/')
			comp++;
		if (!(slash = strchr(comp, '/'))) {
			*base = path + root_len + (size_t)(comp - rest);
			break;
		}
		*slash = '\0';
		fd = openat(dfd, comp,
			    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(dfd);
		dfd = fd;
	}
	e = errno;
	free(root);
	free(rest);
	errno = e;
	return dfd;
}

int kf_path_open_below(const char *path, size_t root_len, int flags)
{
	return kf_path_open_below_at(NULL, path, root_len, flags);
}

int kf_path_open_below_at(kf_path_dir_t *d, const char *path, size_t root_len,
			  int flags)
{
	const char *slash = strrchr(path, '/'), *base;
	size_t len = slash ? (size_t)(slash - path) + 1 : 0;
	int dfd, fd, e;

	if (root_len >= strlen(path))
		return open(path, flags);
	if (d && d->path && d->len == len && d->root_len == root_len &&
	    !memcmp(d->path, path, len))
		return openat(d->fd, path + len, flags | O_NOFOLLOW);
	if (d)
		kf_path_dir_close(d);
	dfd = kf__open_dir_below(path, root_len, &base);
	if (dfd < 0)
		return -1;
	fd = openat(dfd, base, flags | O_NOFOLLOW);
	e = errno;
	/* kept when the name is all that follows the last '/' (a path
	 * ending in '/' is not) */
	if (d && base == path + len && (d->path = strndup(path, len))) {
		d->len = len;
		d->root_len = root_len;
		d->fd = dfd;
	} else {
		close(dfd);
	}
	errno = e;
	return fd;
}

void kf_path_dir_close(kf_path_dir_t *d)
{
	if (d->path)
		close(d->fd);
	free(d->path);
	d->path = NULL;
	d->fd = -1;
}
