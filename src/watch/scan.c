/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Directory scans of a route (worker threads).
 */
#include "watch/scan.h"

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
#include "common/log.h"

struct kf__scan {
	const kf_route_t *r;
	struct kf_scan_result *res;
	char *skip_error, *skip_move; /* relative, or NULL */
};

/* The part of dir below root ("" for root itself), or NULL if outside. */
static char *kf__below(const char *root, const char *dir)
{
	size_t n = strlen(root);

	if (!dir || strncmp(dir, root, n) || (dir[n] && dir[n] != '/'))
		return NULL;
	return strdup(dir[n] ? dir + n + 1 : "");
}

/* The move template's directory part before its first strftime field. */
static char *kf__move_base(const kf_route_t *r)
{
	char *base, *pct, *slash;

	if (r->after != KF_AFTER_MOVE || !(base = strdup(r->move_tmpl)))
		return NULL;
	pct = strchr(base, '%');
	if (pct) {
		*pct = '\0';
		slash = strrchr(base, '/');
		if (slash)
			*slash = '\0';
	}
	return base;
}

static int kf__add_dir(struct kf_scan_result *res, const char *rel)
{
	char **v;

	if (res->ndirs == KF_SCAN_MAX_DIRS) {
		res->truncated = 1;
		return 0;
	}
	if (res->ndirs == res->dcap) {
		size_t cap = res->dcap ? 2 * res->dcap : 16;

		if (!(v = realloc(res->dirs, cap * sizeof(*v))))
			return KF_ENOMEM;
		res->dirs = v;
		res->dcap = cap;
	}
	if (!(res->dirs[res->ndirs] = strdup(rel)))
		return KF_ENOMEM;
	res->ndirs++;
	return 0;
}

static int kf__add_file(struct kf_scan_result *res, const char *rel,
			const struct stat *st)
{
	struct kf_scan_file *f;

	if (res->nfiles == KF_SCAN_MAX_FILES) {
		res->truncated = 1;
		return 0;
	}
	if (res->nfiles == res->cap) {
		size_t cap = res->cap ? 2 * res->cap : 64;

		if (!(f = realloc(res->files, cap * sizeof(*f))))
			return KF_ENOMEM;
		res->files = f;
		res->cap = cap;
	}
	f = &res->files[res->nfiles];
	memset(f, 0, sizeof(*f));
	if (!(f->rel = strdup(rel)))
		return KF_ENOMEM;
	f->size = (uint64_t)st->st_size;
	f->dev = (uint64_t)st->st_dev;
	f->ino = (uint64_t)st->st_ino;
	f->mtime_ns =
		(int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
	f->ctime_ns =
		(int64_t)st->st_ctim.tv_sec * 1000000000 + st->st_ctim.tv_nsec;
	res->nfiles++;
	return 0;
}

static int kf__skipped_dir(const struct kf__scan *sc, const char *rel)
{
	return !strcmp(rel, ".kferry") ||
	       (sc->skip_error && !strcmp(rel, sc->skip_error)) ||
	       (sc->skip_move && !strcmp(rel, sc->skip_move));
}

/* Walks the directory open on fd (relative path rel, "" for the root)
 * depth first; takes fd. */
static void kf__walk(struct kf__scan *sc, int fd, const char *rel)
{
	char child[4096];
	struct dirent *de;
	DIR *d;

	if (!(d = fdopendir(fd))) {
		close(fd);
		return;
	}
	if (kf__add_dir(sc->res, rel))
		goto out_close;
	while ((de = readdir(d))) {
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (snprintf(child, sizeof(child), "%s%s%s", rel,
			     *rel ? "/" : "", de->d_name) >= (int)sizeof(child))
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW))
			continue; /* gone meanwhile */
		if (S_ISDIR(st.st_mode)) {
			int sub;

			if (!sc->r->recursive || kf__skipped_dir(sc, child))
				continue;
			sub = openat(dirfd(d), de->d_name,
				     O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
					     O_CLOEXEC);
			if (sub >= 0)
				kf__walk(sc, sub, child);
		} else if (S_ISREG(st.st_mode)) {
			if (kf__add_file(sc->res, child, &st))
				break;
		}
	}
out_close:
	closedir(d);
}

static int kf__cmp_file(const void *a, const void *b)
{
	return strcmp(((const struct kf_scan_file *)a)->rel,
		      ((const struct kf_scan_file *)b)->rel);
}

static int kf__cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int kf__exists(const struct kf_scan_result *res, const char *rel)
{
	struct kf_scan_file key = {.rel = (char *)rel};

	return bsearch(&key, res->files, res->nfiles, sizeof(key),
		       kf__cmp_file) != NULL;
}

/* Sets has_marker, then keeps only the files the route wants. */
static void kf__filter(const kf_route_t *r, struct kf_scan_result *res)
{
	char name[4200];
	size_t i, j, k = 0;

	for (i = 0; i < res->nfiles; i++) {
		struct kf_scan_file *f = &res->files[i];

		for (j = 0; r->finished == KF_FINISHED_MARKER &&
			    j < r->markers.n && !f->has_marker;
		     j++) {
			snprintf(name, sizeof(name), "%s%s", f->rel,
				 r->markers.v[j]);
			f->has_marker = kf__exists(res, name);
		}
	}
	for (i = 0; i < res->nfiles; i++) {
		if (kf_route_wants(r, res->files[i].rel))
			res->files[k++] = res->files[i];
		else
			free(res->files[i].rel);
	}
	res->nfiles = k;
}

void kf_scan_run(const kf_route_t *r, struct kf_scan_result *out)
{
	struct kf__scan sc = {.r = r, .res = out};
	int fd;

	memset(out, 0, sizeof(*out));
	sc.skip_error = kf__below(r->dir, r->error_dir);
	if (sc.skip_error && !*sc.skip_error) {
		free(sc.skip_error);
		sc.skip_error = NULL;
	}
	if ((sc.skip_move = kf__move_base(r))) {
		char *below = kf__below(r->dir, sc.skip_move);

		free(sc.skip_move);
		sc.skip_move = below;
	}
	fd = open(r->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		out->err = kf_err_from_errno(errno);
		snprintf(out->errmsg, sizeof(out->errmsg), "%.200s: %s", r->dir,
			 strerror(errno));
	} else {
		kf__walk(&sc, fd, "");
	}
	if (out->nfiles)
		qsort(out->files, out->nfiles, sizeof(*out->files),
		      kf__cmp_file);
	if (out->ndirs)
		qsort(out->dirs, out->ndirs, sizeof(*out->dirs), kf__cmp_str);
	kf__filter(r, out);
	free(sc.skip_error);
	free(sc.skip_move);
}

void kf_scan_result_free(struct kf_scan_result *res)
{
	size_t i;

	for (i = 0; i < res->nfiles; i++)
		free(res->files[i].rel);
	free(res->files);
	for (i = 0; i < res->ndirs; i++)
		free(res->dirs[i]);
	free(res->dirs);
	memset(res, 0, sizeof(*res));
}
