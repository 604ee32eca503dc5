/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The disk's own speed at placing small files durably: a reference of
 * bench_small.sh's end to end figure. One thread copies every regular
 * file below SRC to DEST doing the least that a receiver keeping kferry's
 * guarantees must (docs/protocol.md section 8): create a staging file,
 * write it, set its mode and mtime; every BATCH files (default 256, the
 * receiver's batch) one syncfs, then each file linked into place (a link
 * never replaces) and its staging name removed, as the receiver places
 * them on ext4 (elsewhere it renames), then one fsync of each directory
 * that received a file. No hashing, no Kafka, no threads. bench_small.sh
 * passes the number of files as BATCH: everything written, one syncfs.
 * Prints files/s; asserts nothing. bench_small.sh compiles and runs it:
 *
 *   cc -O2 -o place_floor bench/place_floor.c
 *   ./place_floor SRC DEST [BATCH]     (DEST must not exist)
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define PRIVATE ".kferry"
#define STAGING ".kferry/tmp"
#define DEFAULT_BATCH 256
#define MAX_FILE (16u << 20)

struct floor {
	int dest;     /* DEST, open */
	int staging;  /* DEST/.staging, open */
	size_t batch; /* files per syncfs */
	char **rel;   /* the batch's paths below DEST */
	size_t n;     /* files in the batch */
	unsigned long files;
	char *buf;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static _Noreturn void die(const char *what, const char *path)
{
	fprintf(stderr, "place_floor: %s %s: %s\n", what, path,
		strerror(errno));
	exit(1);
}

/* Creates the directories of rel below DEST (mkdir -p of its parent). */
static void make_parents(struct floor *f, const char *rel)
{
	char p[4096];
	char *s;

	snprintf(p, sizeof(p), "%s", rel);
	for (s = strchr(p, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		if (mkdirat(f->dest, p, 0755) < 0 && errno != EEXIST)
			die("mkdir", p);
		*s = '/';
	}
}

static void sync_dir_of(struct floor *f, const char *rel)
{
	const char *slash = strrchr(rel, '/');
	char p[4096];
	int fd;

	snprintf(p, sizeof(p), "%.*s", slash ? (int)(slash - rel) : 1,
		 slash ? rel : ".");
	fd = openat(f->dest, p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) < 0)
		die("fsync", p);
	close(fd);
}

/* Same parent directory as the previous path of the batch? */
static int same_dir(const char *a, const char *b)
{
	const char *sa = strrchr(a, '/'), *sb = strrchr(b, '/');
	size_t la = sa ? (size_t)(sa - a) : 0, lb = sb ? (size_t)(sb - b) : 0;

	return la == lb && !memcmp(a, b, la);
}

/* The batch's data made durable, linked into place, each directory
 * synced once (the files of a directory come one after another). */
static void place_batch(struct floor *f)
{
	char tmp[32];
	size_t i;

	if (syncfs(f->dest) < 0)
		die("syncfs", ".");
	for (i = 0; i < f->n; i++) {
		snprintf(tmp, sizeof(tmp), "%zu.part", i);
		make_parents(f, f->rel[i]);
		if (linkat(f->staging, tmp, f->dest, f->rel[i], 0) < 0)
			die("link to", f->rel[i]);
		if (unlinkat(f->staging, tmp, 0) < 0)
			die("unlink", tmp);
	}
	for (i = 0; i < f->n; i++)
		if (i + 1 == f->n || !same_dir(f->rel[i], f->rel[i + 1]))
			sync_dir_of(f, f->rel[i]);
	for (i = 0; i < f->n; i++)
		free(f->rel[i]);
	f->n = 0;
}

static void stage(struct floor *f, int dir, const char *name, const char *rel)
{
	struct timespec times[2];
	struct stat st;
	char tmp[32];
	ssize_t len;
	int in, out;

	in = openat(dir, name, O_RDONLY | O_CLOEXEC);
	if (in < 0 || fstat(in, &st) < 0)
		die("open", rel);
	len = read(in, f->buf, MAX_FILE);
	if (len < 0)
		die("read", rel);
	close(in);
	snprintf(tmp, sizeof(tmp), "%zu.part", f->n);
	out = openat(f->staging, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		     0600);
	if (out < 0 || write(out, f->buf, (size_t)len) != len ||
	    fchmod(out, st.st_mode & 0777) < 0)
		die("write", tmp);
	times[0] = st.st_atim;
	times[1] = st.st_mtim;
	if (futimens(out, times) < 0)
		die("futimens", tmp);
	close(out);
	f->rel[f->n] = strdup(rel);
	if (!f->rel[f->n])
		die("strdup", rel);
	f->files++;
	if (++f->n == f->batch)
		place_batch(f);
}

static void walk(struct floor *f, int dir, const char *rel)
{
	DIR *d = fdopendir(dir);
	struct dirent *de;
	char sub[4096];

	if (!d)
		die("opendir", rel);
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(sub, sizeof(sub), "%s%s%s", rel, *rel ? "/" : "",
			 de->d_name);
		if (de->d_type == DT_DIR) {
			int fd = openat(dirfd(d), de->d_name,
					O_RDONLY | O_DIRECTORY | O_CLOEXEC);

			if (fd < 0)
				die("open", sub);
			walk(f, fd, sub);
		} else if (de->d_type == DT_REG) {
			stage(f, dirfd(d), de->d_name, sub);
		}
	}
	closedir(d);
}

int main(int argc, char **argv)
{
	struct floor f = {0};
	unsigned int flags = 0;
	double t0, t;
	int src;

	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: place_floor SRC DEST [BATCH]\n");
		return 2;
	}
	f.batch = argc == 4 ? strtoul(argv[3], NULL, 10) : DEFAULT_BATCH;
	f.rel = calloc(f.batch ? f.batch : 1, sizeof(*f.rel));
	f.buf = malloc(MAX_FILE);
	if (!f.batch || !f.rel || !f.buf)
		return 2;
	t0 = now();
	src = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (src < 0)
		die("open", argv[1]);
	if (mkdir(argv[2], 0755) < 0)
		die("mkdir", argv[2]);
	f.dest = open(argv[2], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (f.dest < 0 || mkdirat(f.dest, PRIVATE, 0700) < 0)
		die("mkdir", PRIVATE);
	/* as the receiver's: the staging directory placed as a top-level
	 * one (a hint to ext4) */
	f.staging = openat(f.dest, PRIVATE, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (f.staging >= 0 && ioctl(f.staging, FS_IOC_GETFLAGS, &flags) == 0) {
		flags |= FS_TOPDIR_FL;
		(void)ioctl(f.staging, FS_IOC_SETFLAGS, &flags);
	}
	if (f.staging >= 0)
		close(f.staging);
	if (mkdirat(f.dest, STAGING, 0700) < 0)
		die("mkdir", STAGING);
	f.staging = openat(f.dest, STAGING, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (f.staging < 0)
		die("open", STAGING);
	walk(&f, src, "");
	if (f.n)
		place_batch(&f);
	t = now() - t0;
	printf("%lu files in %.3f s: %.0f files/s\n", f.files, t,
	       (double)f.files / t);
	return 0;
}
