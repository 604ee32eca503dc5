/* SPDX-License-Identifier: Apache-2.0 */
#include "send/walker.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/err.h"
#include "common/log.h"

struct kf__frame {
	DIR *dir;
	char *src; /* directory path as given, malloc'ed */
	char *rel; /* its relative path on the wire, malloc'ed */
	struct kf__frame *up;
};

struct kf_walker_s {
	char **paths;
	size_t npaths, next_path;
	struct kf__frame *top;
};

kf_walker_t *kf_walker_new(const char *const *paths, size_t npaths)
{
	kf_walker_t *w = calloc(1, sizeof(*w));
	size_t i;

	if (!w)
		return NULL;
	w->paths = calloc(npaths ? npaths : 1, sizeof(char *));
	if (!w->paths)
		goto out_free;
	w->npaths = npaths;
	for (i = 0; i < npaths; i++)
		if (!(w->paths[i] = strdup(paths[i])))
			goto out_free;
	return w;

out_free:
	kf_walker_destroy(w);
	return NULL;
}

static void kf__pop(kf_walker_t *w)
{
	struct kf__frame *f = w->top;

	w->top = f->up;
	closedir(f->dir);
	free(f->src);
	free(f->rel);
	free(f);
}

void kf_walker_destroy(kf_walker_t *w)
{
	size_t i;

	if (!w)
		return;
	while (w->top)
		kf__pop(w);
	for (i = 0; w->paths && i < w->npaths; i++)
		free(w->paths[i]);
	free(w->paths);
	free(w);
}

static char *kf__join(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *s = malloc(la + lb + 2);

	if (!s)
		return NULL;
	memcpy(s, a, la);
	s[la] = '/';
	memcpy(s + la + 1, b, lb + 1);
	return s;
}

/* Enters directory src: a command-line argument (opened as given) or,
 * inside a tree, the entry name of the directory on top, opened from its
 * descriptor without following a link (one swapped in since the lstat
 * must not lead the walk out of the tree). */
static int kf__push(kf_walker_t *w, const char *src, const char *name,
		    const char *rel, char *errstr, size_t errstr_size)
{
	struct kf__frame *f = calloc(1, sizeof(*f));
	int fd;

	if (!f)
		return KF_ENOMEM;
	fd = w->top ? openat(dirfd(w->top->dir), name,
			     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
		    : open(src, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	f->dir = fd < 0 ? NULL : fdopendir(fd);
	if (!f->dir) {
		int e = errno;

		if (fd >= 0)
			close(fd);
		free(f);
		return kf_seterr(errstr, errstr_size, kf_err_from_errno(e),
				 "%s: cannot open directory: %s", src,
				 strerror(e));
	}
	f->src = strdup(src);
	f->rel = strdup(rel);
	if (!f->src || !f->rel) {
		closedir(f->dir);
		free(f->src);
		free(f->rel);
		free(f);
		return KF_ENOMEM;
	}
	f->up = w->top;
	w->top = f;
	return 0;
}

/* The wire name of a command-line argument: its own last component
 * (a link keeps its name); "." and ".." are resolved to the directory's
 * real name. */
static char *kf__arg_name(const char *path)
{
	char real[PATH_MAX], *base;
	size_t n = strlen(path), end;

	while (n > 1 && path[n - 1] == '/')
		n--;
	end = n;
	while (n > 0 && path[n - 1] != '/')
		n--;
	if (end > n && !(end - n == 1 && path[n] == '.') &&
	    !(end - n == 2 && path[n] == '.' && path[n + 1] == '.'))
		return strndup(path + n, end - n);
	if (!realpath(path, real))
		return NULL;
	base = basename(real);
	if (!*base || !strcmp(base, "/"))
		return NULL;
	return strdup(base);
}

/* kf__next_arg's "no more arguments": distinct from every KF_E* code. */
#define KF__ARGS_END 2

/* Starts the next command-line argument: returns 1 with a file, 0 when a
 * directory was pushed, KF__ARGS_END at the end, or an error. */
static int kf__next_arg(kf_walker_t *w, char **src, char **rel, struct stat *st,
			char *errstr, size_t errstr_size)
{
	const char *p;
	char *name;
	int r;

	if (w->next_path == w->npaths)
		return KF__ARGS_END;
	p = w->paths[w->next_path++];
	if (stat(p, st) < 0)
		return kf_seterr(errstr, errstr_size, kf_err_from_errno(errno),
				 "%s: %s", p, strerror(errno));
	name = kf__arg_name(p);
	if (!name)
		return kf_seterr(errstr, errstr_size, KF_EPATH,
				 "%s: cannot name it on the wire (give a "
				 "directory below /)",
				 p);
	if (S_ISREG(st->st_mode)) {
		*src = strdup(p);
		*rel = name;
		return *src ? 1 : KF_ENOMEM;
	}
	if (!S_ISDIR(st->st_mode)) {
		free(name);
		return kf_seterr(errstr, errstr_size, KF_EINVAL,
				 "%s: not a regular file or directory", p);
	}
	r = kf__push(w, p, NULL, name, errstr, errstr_size);
	free(name);
	return r;
}

int kf_walker_next(kf_walker_t *w, char **src, char **rel, struct stat *st,
		   char *errstr, size_t errstr_size)
{
	struct dirent *de;
	int r;

	for (;;) {
		if (!w->top) {
			r = kf__next_arg(w, src, rel, st, errstr, errstr_size);
			if (r == KF__ARGS_END)
				return 0;
			if (r != 0)
				return r;
			continue;
		}
		errno = 0;
		de = readdir(w->top->dir);
		if (!de) {
			if (errno)
				kf_warn("send", "%s: reading directory: %s",
					w->top->src, strerror(errno));
			kf__pop(w);
			continue;
		}
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		*src = kf__join(w->top->src, de->d_name);
		*rel = kf__join(w->top->rel, de->d_name);
		if (!*src || !*rel)
			goto out_nomem;
		if (fstatat(dirfd(w->top->dir), de->d_name, st,
			    AT_SYMLINK_NOFOLLOW) < 0) {
			r = kf_seterr(errstr, errstr_size,
				      kf_err_from_errno(errno), "%s: %s", *src,
				      strerror(errno));
			goto out_free;
		}
		if (S_ISREG(st->st_mode))
			return 1;
		if (S_ISDIR(st->st_mode)) {
			r = kf__push(w, *src, de->d_name, *rel, errstr,
				     errstr_size);
			free(*src);
			free(*rel);
			*src = *rel = NULL;
			if (r)
				return r;
			continue;
		}
		kf_warn("send", "%s: skipped (not a regular file or directory)",
			*src);
		free(*src);
		free(*rel);
		*src = *rel = NULL;
	}

out_nomem:
	r = KF_ENOMEM;
out_free:
	free(*src);
	free(*rel);
	*src = *rel = NULL;
	return r;
}
