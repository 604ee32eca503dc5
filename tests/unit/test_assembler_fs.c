/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of src/recv/assembler.c against the file system: what is made
 * durable before a placement or a quarantine is reported (every directory
 * whose entry was created, up to DEST; the whole chain for a file found
 * already in place; quarantine/<xid> and quarantine/), what happens when
 * an fsync fails (the staging file is copied afresh, never fsync'ed
 * again), what reason.txt says about a hostile sender, and how long
 * quarantined transfers are kept (receive.quarantine_max, _max_age).
 *
 * fsync is wrapped at link time (-Wl,--wrap=fsync, CMakeLists.txt): every
 * call is recorded with the path and inode of its descriptor, and a call
 * can be made to fail. linkat is wrapped too: counted, and made to fail as
 * on a file system without hard links; and unlinkat, to fail the removal
 * of a staging name after its link, as a crash between the two would
 * leave it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/err.h"
#include "common/log.h"
#include "api/recvopts.h"
#include "config/conf.h"
#include "core/codec.h"
#include "proto/wire.h"
#include "recv/assembler.h"

#include "kf_test.h"

/* The destination options the file sink gets from conf. */
static const kf_dest_opts_t *keep_of(const kf_conf_t *conf)
{
	static kf_recv_opts_t o;

	kf_api_recv_opts(conf, &o);
	return &o.keep;
}

static char errbuf[512];

/* ------------------------------------------------------- fsync wrapper */

#define MAX_CALLS 512

struct call {
	char path[PATH_MAX];
	dev_t dev;
	ino_t ino;
	int is_dir;
	int failed; /* the errno it returned, or 0 */
	int pin;    /* after a failure: an O_PATH descriptor that keeps the
		       inode, so that its number is not reused */
};

static struct call calls[MAX_CALLS];
static int ncalls;

/* The next `times` fsyncs of a matching descriptor fail with err: a
 * regular file in the staging area (tmp_file), or the directory `path`.
 * With lose, the file's first bytes are overwritten first, as when the
 * kernel drops pages it could not write and reads the disk again. */
static struct {
	int tmp_file;
	char path[PATH_MAX];
	int err, times, lose;
} inject;

int __real_fsync(int fd);
int __wrap_fsync(int fd);

int __wrap_fsync(int fd)
{
	struct call *c = &calls[ncalls < MAX_CALLS ? ncalls++ : MAX_CALLS - 1];
	char link[64];
	struct stat st;
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, c->path, sizeof(c->path) - 1);
	c->path[n > 0 ? n : 0] = '\0';
	memset(&st, 0, sizeof(st));
	fstat(fd, &st);
	c->dev = st.st_dev;
	c->ino = st.st_ino;
	c->is_dir = S_ISDIR(st.st_mode);
	c->failed = 0;
	if (inject.times > 0 &&
	    ((inject.tmp_file && S_ISREG(st.st_mode) &&
	      strstr(c->path, "/.kferry/tmp/")) ||
	     (inject.path[0] && !strcmp(c->path, inject.path)))) {
		inject.times--;
		c->pin = open(link, O_PATH | O_CLOEXEC);
		if (inject.lose && pwrite(fd, "LOST", 4, 0) != 4)
			fail_msg("pwrite: %s", strerror(errno));
		c->failed = inject.err;
		errno = inject.err;
		return -1;
	}
	return __real_fsync(fd);
}

/* linkat: calls counted; with no_links set, every call fails with EPERM,
 * as on a file system without hard links (vfat, some FUSE mounts). With
 * keep_staging set, the unlinkat that follows a successful link fails
 * with EIO (once). */
static struct {
	int calls, no_links, keep_staging, unlink_next_fails;
} links;

int __real_linkat(int olddirfd, const char *oldpath, int newdirfd,
		  const char *newpath, int flags);
int __wrap_linkat(int olddirfd, const char *oldpath, int newdirfd,
		  const char *newpath, int flags);

int __wrap_linkat(int olddirfd, const char *oldpath, int newdirfd,
		  const char *newpath, int flags)
{
	links.calls++;
	if (links.no_links) {
		errno = EPERM;
		return -1;
	}
	if (__real_linkat(olddirfd, oldpath, newdirfd, newpath, flags) < 0)
		return -1;
	links.unlink_next_fails = links.keep_staging;
	return 0;
}

int __real_unlinkat(int dirfd, const char *path, int flags);
int __wrap_unlinkat(int dirfd, const char *path, int flags);

int __wrap_unlinkat(int dirfd, const char *path, int flags)
{
	if (links.unlink_next_fails) {
		links.unlink_next_fails = links.keep_staging = 0;
		errno = EIO;
		return -1;
	}
	return __real_unlinkat(dirfd, path, flags);
}

static void calls_reset(void)
{
	int i;

	for (i = 0; i < ncalls; i++)
		if (calls[i].failed)
			close(calls[i].pin);
	ncalls = 0;
	memset(&inject, 0, sizeof(inject));
	memset(&links, 0, sizeof(links));
}

/* Was `path` fsync'ed successfully (as a directory when dir)? */
static int synced(const char *path, int dir)
{
	int i;

	for (i = 0; i < ncalls; i++)
		if (!calls[i].failed && calls[i].is_dir == dir &&
		    !strcmp(calls[i].path, path))
			return 1;
	return 0;
}

/* How many times the directory at path was fsync'ed successfully. */
static int dir_syncs(const char *path)
{
	int i, n = 0;

	for (i = 0; i < ncalls; i++)
		n += !calls[i].failed && calls[i].is_dir &&
		     !strcmp(calls[i].path, path);
	return n;
}

static void expect_dir_synced(const char *path)
{
	int i;

	if (synced(path, 1))
		return;
	for (i = 0; i < ncalls; i++)
		print_message("fsync #%d: %s%s\n", i, calls[i].path,
			      calls[i].failed ? " (failed)" : "");
	fail_msg("directory %s was never fsync'ed", path);
}

/* No file whose fsync failed is ever fsync'ed again: after a failure the
 * kernel may have dropped its dirty pages and a second fsync proves
 * nothing. */
static void expect_no_fsync_after_failure(void)
{
	int i, j;

	for (i = 0; i < ncalls; i++)
		for (j = i + 1; calls[i].failed && j < ncalls; j++)
			if (calls[j].dev == calls[i].dev &&
			    calls[j].ino == calls[i].ino)
				fail_msg("%s (inode %llu) fsync'ed again after "
					 "its fsync failed",
					 calls[j].path,
					 (unsigned long long)calls[j].ino);
}

/* Was the file now at path (its inode) fsync'ed successfully? */
static int inode_synced(const char *path)
{
	struct stat st;
	int i;

	assert_int_equal(stat(path, &st), 0);
	for (i = 0; i < ncalls; i++)
		if (!calls[i].failed && calls[i].dev == st.st_dev &&
		    calls[i].ino == st.st_ino)
			return 1;
	return 0;
}

/* ------------------------------------------------------------ fixture */

struct fx {
	char dir[PATH_MAX];
	char dest[PATH_MAX];
	kf_conf_t *conf;
	kf_codec_pool_t *pool;
	kf_dest_t *d;
	uint8_t next_xid;
};

struct xfer {
	kf_wire_manifest_t m;
	kf_assembly_t a;
	const uint8_t *data;
	size_t size;
	uint8_t hash[16];
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char err[256];

	if (!f || kf_test_mkdtemp(f->dir, "test_assembler_fs") < 0)
		return -1;
	kf_test_fmt(f->dest, sizeof(f->dest), "%s/dest", f->dir);
	f->conf = kf_conf_new();
	f->pool = kf_codec_pool_new(64 * 1024, 1);
	if (!f->conf || !f->pool ||
	    kf_conf_set(f->conf, "receive.fsync", "true", err, sizeof(err)) ||
	    kf_conf_set(f->conf, "log_level", "error", err, sizeof(err)) ||
	    kf_log_init(f->conf, 0, err, sizeof(err)))
		return -1;
	if (kf_dest_open(f->dest, keep_of(f->conf), &f->d, err, sizeof(err)))
		return -1;
	f->next_xid = 1;
	calls_reset();
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	int rc;

	calls_reset();
	kf_dest_close(f->d);
	rc = kf_test_rmtree(f->dir);
	kf_codec_pool_destroy(f->pool);
	kf_conf_destroy(f->conf);
	free(f);
	return rc;
}

/* A path below DEST; four results live at once. */
static const char *in_dest(struct fx *f, const char *rel)
{
	static char buf[4][PATH_MAX];
	static int k;

	k = (k + 1) % 4;
	if (!*rel)
		kf_test_fmt(buf[k], PATH_MAX, "%s", f->dest);
	else
		kf_test_fmt(buf[k], PATH_MAX, "%s/%s", f->dest, rel);
	return buf[k];
}

/* Begins a one-chunk transfer of data to path and writes its chunk. */
static void stage(struct fx *f, struct xfer *x, const char *path,
		  const char *origin, const void *data, size_t size)
{
	kf_wire_chunk_t c = {0};

	memset(x, 0, sizeof(*x));
	x->data = data;
	x->size = size;
	kf_hash128(data, size, x->hash);
	memset(x->m.hdr.xid.b, 0x5a, 16);
	x->m.hdr.xid.b[15] = f->next_xid++;
	x->m.file_size = size;
	x->m.chunk_size = 64 * 1024;
	x->m.chunk_count = 1;
	x->m.mode = 0644;
	x->m.mtime_sec = 1600000000;
	x->m.path = (const uint8_t *)path;
	x->m.path_len = (uint16_t)strlen(path);
	x->m.origin = (const uint8_t *)origin;
	x->m.origin_len = (uint8_t)strlen(origin);
	assert_int_equal(kf_assembly_init(&x->a, f->d, &x->m, f->next_xid), 0);
	EXPECT_OK(kf_assembly_begin(&x->a, errbuf, sizeof(errbuf)));
	c.hdr.xid = x->m.hdr.xid;
	c.raw_len = (uint32_t)size;
	c.codec = KF_CODEC_NONE;
	c.payload = data;
	c.payload_len = size;
	memcpy(c.raw_hash, x->hash, 16);
	EXPECT_OK(
		kf_assembly_write(&x->a, f->pool, &c, errbuf, sizeof(errbuf)));
}

static kf_wire_commit_t commit_of(const struct xfer *x)
{
	kf_wire_commit_t c = {0};

	c.hdr.xid = x->m.hdr.xid;
	c.chunk_count = 1;
	c.file_size = x->size;
	memcpy(c.file_hash, x->hash, 16);
	return c;
}

static int finish(struct xfer *x, int *outcome)
{
	kf_wire_commit_t c = commit_of(x);

	errbuf[0] = '\0';
	*outcome = 0;
	return kf_assembly_finish(&x->a, &c, outcome, errbuf, sizeof(errbuf));
}

static void expect_content(const char *path, const void *data, size_t size)
{
	size_t n = 0;
	uint8_t *got = kf_test_read_file(path, &n);

	if (!got)
		fail_msg("%s: %s", path, strerror(errno));
	assert_int_equal(n, size);
	assert_memory_equal(got, data, size);
	free(got);
}

static const char content[] = "the content of the file, 42 bytes long..\n";

/* ------------------------------------------------------------- tests */

/* a/b/c/f.txt into an empty DEST: the entries a (in DEST), b, c and f.txt
 * are all made durable before the placement is reported. */
static void test_created_dirs_synced(void **state)
{
	struct fx *f = *state;
	struct xfer x;
	int outcome;

	stage(f, &x, "a/b/c/f.txt", "host", content, sizeof(content));
	EXPECT_OK(finish(&x, &outcome));
	assert_int_equal(outcome, KF_PLACED);
	expect_content(in_dest(f, "a/b/c/f.txt"), content, sizeof(content));
	assert_true(inode_synced(in_dest(f, "a/b/c/f.txt")));
	expect_dir_synced(in_dest(f, ""));
	expect_dir_synced(in_dest(f, "a"));
	expect_dir_synced(in_dest(f, "a/b"));
	expect_dir_synced(in_dest(f, "a/b/c"));
	kf_assembly_free(&x.a);
}

/* Stages content at each of n paths, as one batch placing through ds;
 * the fsync record starts afresh. */
static void stage_batch(struct fx *f, struct xfer *x, const char *const *paths,
			int n, kf_dirsync_t *ds)
{
	int i;

	for (i = 0; i < n; i++) {
		stage(f, &x[i], paths[i], "host", content, sizeof(content));
		x[i].a.dirsync = ds;
	}
	calls_reset();
}

/* A batch places through one kf_dirsync_t: files of one directory share
 * the descriptor the first of them opened, a new directory is walked to
 * (and created, its chain synced), an identical file already there is
 * skipped through the kept descriptor, every parent is synced, and
 * nothing stays open after kf_dirsync_release. */
static void test_batch_keeps_parent_open(void **state)
{
	static const char *const paths[] = {"n/a/f1", "n/a/f2", "n/a/f3",
					    "n/b/f4", "top.txt"};
	enum {
		N = sizeof(paths) / sizeof(paths[0])
	};
	struct fx *f = *state;
	struct xfer x[N];
	kf_dirsync_t ds = {0};
	int i, outcome, free_fd = kf_test_next_fd();

	assert_int_equal(kf_test_mkdir_p(in_dest(f, "n/a"), 0755), 0);
	assert_int_equal(kf_test_write_file(in_dest(f, "n/a/f3"), content,
					    sizeof(content), 0644),
			 0);
	stage_batch(f, x, paths, N, &ds);
	for (i = 0; i < N; i++) {
		EXPECT_OK(finish(&x[i], &outcome));
		assert_int_equal(outcome, i == 2 ? KF_SKIPPED : KF_PLACED);
		expect_content(in_dest(f, paths[i]), content, sizeof(content));
	}
	kf_dirsync_release(&ds);
	for (i = 0; i < N; i++)
		if (x[i].a.dir_pending)
			EXPECT_OK(kf_assembly_sync_pending(&x[i].a, errbuf,
							   sizeof(errbuf)));
	expect_dir_synced(in_dest(f, ""));
	expect_dir_synced(in_dest(f, "n"));
	expect_dir_synced(in_dest(f, "n/a"));
	expect_dir_synced(in_dest(f, "n/b"));
	for (i = 0; i < N; i++)
		kf_assembly_free(&x[i].a);
	assert_int_equal(kf_test_next_fd(), free_fd);
}

/* Regular files left in the staging area: every instance's directory
 * below DEST/.kferry/tmp (the instances' .lock files are not counted). */
static int staged_files(struct fx *f)
{
	DIR *tmp = opendir(in_dest(f, ".kferry/tmp")), *inst;
	struct dirent *de, *e;
	char sub[PATH_MAX];
	int n = 0;

	assert_non_null(tmp);
	while ((de = readdir(tmp))) {
		if (de->d_name[0] == '.' || strstr(de->d_name, ".lock"))
			continue;
		kf_test_fmt(sub, sizeof(sub), "%s/%s",
			    in_dest(f, ".kferry/tmp"), de->d_name);
		inst = opendir(sub);
		assert_non_null(inst);
		while ((e = readdir(inst)))
			n += e->d_name[0] != '.';
		closedir(inst);
	}
	closedir(tmp);
	return n;
}

/* Places x at its path: KF_PLACED, x's content under one name (nlink 1)
 * and nothing left staged. */
static void expect_placed_once(struct fx *f, struct xfer *x, const char *path)
{
	struct stat st;
	int outcome;

	EXPECT_OK(finish(x, &outcome));
	assert_int_equal(outcome, KF_PLACED);
	expect_content(in_dest(f, path), x->data, x->size);
	assert_int_equal(stat(in_dest(f, path), &st), 0);
	assert_int_equal(st.st_nlink, 1);
	assert_int_equal(staged_files(f), 0);
}

/* Places content at path: one name, nothing staged, linkat asked where
 * the destination places by link (ext4; TMPDIR elsewhere tests the rename
 * only); then a different file for the same name is refused
 * (receive.on_conflict=fail) and the first one kept. */
static void place_then_refuse(struct fx *f, const char *path)
{
	static const char other[] = "other content";
	struct xfer x, y;
	int outcome;

	if (!kf_dest_links(f->d))
		print_message("%s places by rename: no link tested\n", f->dest);
	stage(f, &x, path, "host", content, sizeof(content));
	expect_placed_once(f, &x, path);
	assert_int_equal(links.calls > 0, kf_dest_links(f->d));
	stage(f, &y, path, "host", other, sizeof(other));
	assert_int_equal(finish(&y, &outcome), KF_EEXIST);
	expect_content(in_dest(f, path), content, sizeof(content));
	kf_assembly_free(&x.a);
	kf_assembly_free(&y.a);
}

/* A file is linked into place and its staging name removed; a link never
 * replaces, so a different file at the name is kept. */
static void test_linked_into_place(void **state)
{
	place_then_refuse(*state, "l/f.txt");
}

/* Without hard links (linkat fails with EPERM) the staging file is renamed
 * (RENAME_NOREPLACE) instead, with the same outcome. */
static void test_no_hard_links_renames(void **state)
{
	links.no_links = 1;
	place_then_refuse(*state, "r/f.txt");
}

/* The staging name's removal fails after the link (as a crash between the
 * two leaves it): the file is placed once, its data under its name and
 * the staging one in the instance's own directory, which goes when the
 * destination closes; then the file has one name, its content intact. */
static void test_staging_name_left_after_link(void **state)
{
	struct fx *f = *state;
	struct xfer x;
	struct stat st;
	int outcome;

	if (!kf_dest_links(f->d))
		skip(); /* renames: no staging name can stay */
	links.keep_staging = 1;
	stage(f, &x, "k/f.txt", "host", content, sizeof(content));
	EXPECT_OK(finish(&x, &outcome));
	assert_int_equal(outcome, KF_PLACED);
	assert_int_equal(links.keep_staging, 0); /* the failure happened */
	expect_content(in_dest(f, "k/f.txt"), content, sizeof(content));
	assert_int_equal(stat(in_dest(f, "k/f.txt"), &st), 0);
	assert_int_equal(st.st_nlink, 2);
	assert_int_equal(staged_files(f), 1);
	kf_assembly_free(&x.a);
	kf_dest_close(f->d);
	EXPECT_OK(kf_dest_open(f->dest, keep_of(f->conf), &f->d, errbuf,
			       sizeof(errbuf)));
	assert_int_equal(staged_files(f), 0);
	assert_int_equal(stat(in_dest(f, "k/f.txt"), &st), 0);
	assert_int_equal(st.st_nlink, 1);
	expect_content(in_dest(f, "k/f.txt"), content, sizeof(content));
}

/* A batch of files all found already in place (a topic read again into
 * the same DEST): each is reported KF_SKIPPED, and the chains of
 * directories above them are synced after the batch's placements, each
 * directory once (p/a's and p/b's share DEST and p; q's shares DEST), not
 * once for each file. */
static void test_batch_present_chain_once(void **state)
{
	static const char *const paths[] = {"p/a/f1", "p/a/f2", "p/a/f3",
					    "p/b/f4", "q/f5"};
	enum {
		N = sizeof(paths) / sizeof(paths[0])
	};
	struct fx *f = *state;
	struct xfer x[N];
	kf_dirsync_t ds = {0};
	int i, outcome;

	for (i = 0; i < N; i++) {
		stage(f, &x[i], paths[i], "host", content, sizeof(content));
		expect_placed_once(f, &x[i], paths[i]);
		kf_assembly_free(&x[i].a);
	}
	stage_batch(f, x, paths, N, &ds);
	for (i = 0; i < N; i++) {
		EXPECT_OK(finish(&x[i], &outcome));
		assert_int_equal(outcome, KF_SKIPPED);
		assert_int_equal(x[i].a.dir_pending, KF_SYNC_CHAIN);
	}
	kf_dirsync_release(&ds);
	assert_int_equal(dir_syncs(in_dest(f, "p/a")), 0); /* not yet */
	for (i = 0; i < N; i++)
		EXPECT_OK(kf_assembly_sync_pending(&x[i].a, errbuf,
						   sizeof(errbuf)));
	assert_int_equal(dir_syncs(in_dest(f, "p/a")), 1);
	assert_int_equal(dir_syncs(in_dest(f, "p/b")), 1);
	assert_int_equal(dir_syncs(in_dest(f, "q")), 1);
	assert_int_equal(dir_syncs(in_dest(f, "p")), 1);
	assert_int_equal(dir_syncs(in_dest(f, "")), 1);
	assert_int_equal(staged_files(f), 0);
	for (i = 0; i < N; i++) {
		expect_content(in_dest(f, paths[i]), content, sizeof(content));
		kf_assembly_free(&x[i].a);
	}
}

/* Only the directories whose entries are new are synced (and the parent,
 * which gets the file): an existing tree costs one directory fsync. */
static void test_existing_dirs_not_synced(void **state)
{
	struct fx *f = *state;
	struct xfer x;
	int outcome;

	assert_int_equal(kf_test_mkdir_p(in_dest(f, "old/tree"), 0755), 0);
	stage(f, &x, "old/tree/f.txt", "host", content, sizeof(content));
	calls_reset();
	EXPECT_OK(finish(&x, &outcome));
	assert_int_equal(outcome, KF_PLACED);
	expect_dir_synced(in_dest(f, "old/tree"));
	assert_false(synced(in_dest(f, "old"), 1));
	assert_false(synced(in_dest(f, ""), 1));
	kf_assembly_free(&x.a);
}

/* A receiver renamed the file into place and died before its directory
 * fsyncs: the file is found in place (SKIPPED), and its whole directory
 * chain is synced before that outcome counts. */
static void test_skipped_syncs_chain(void **state)
{
	struct fx *f = *state;
	struct xfer x;
	int outcome;

	assert_int_equal(kf_test_mkdir_p(in_dest(f, "p/q"), 0755), 0);
	assert_int_equal(kf_test_write_file(in_dest(f, "p/q/f.txt"), content,
					    sizeof(content), 0644),
			 0);
	stage(f, &x, "p/q/f.txt", "host", content, sizeof(content));
	calls_reset();
	EXPECT_OK(finish(&x, &outcome));
	assert_int_equal(outcome, KF_SKIPPED);
	expect_dir_synced(in_dest(f, ""));
	expect_dir_synced(in_dest(f, "p"));
	expect_dir_synced(in_dest(f, "p/q"));
	kf_assembly_free(&x.a);
}

/* The same for a transfer resumed without its beginning
 * (kf_assembly_present). */
static void test_present_syncs_chain(void **state)
{
	struct fx *f = *state;
	kf_wire_commit_t c;
	struct xfer x;
	int outcome = 0;

	assert_int_equal(kf_test_mkdir_p(in_dest(f, "r/s"), 0755), 0);
	assert_int_equal(kf_test_write_file(in_dest(f, "r/s/f.txt"), content,
					    sizeof(content), 0644),
			 0);
	stage(f, &x, "r/s/f.txt", "host", content, sizeof(content));
	/* as placed from this manifest: only then is it hashed at all */
	{
		struct timespec ts[2] = {{.tv_sec = x.m.mtime_sec},
					 {.tv_sec = x.m.mtime_sec}};

		assert_int_equal(
			utimensat(AT_FDCWD, in_dest(f, "r/s/f.txt"), ts, 0), 0);
	}
	c = commit_of(&x);
	calls_reset();
	EXPECT_OK(kf_assembly_present(&x.a, &c, &outcome, errbuf,
				      sizeof(errbuf)));
	assert_int_equal(outcome, KF_SKIPPED);
	expect_dir_synced(in_dest(f, ""));
	expect_dir_synced(in_dest(f, "r"));
	expect_dir_synced(in_dest(f, "r/s"));
	kf_assembly_discard(&x.a);
	kf_assembly_free(&x.a);
}

/* The staging file's fsync fails once: its copy is staged afresh and
 * that copy, never the failed file again, is synced and placed. */
static void test_staging_fsync_eio_restages(void **state)
{
	struct fx *f = *state;
	struct xfer x;
	int outcome;

	stage(f, &x, "eio.txt", "host", content, sizeof(content));
	inject.tmp_file = 1;
	inject.err = EIO;
	inject.times = 1;
	EXPECT_OK(finish(&x, &outcome));
	assert_int_equal(outcome, KF_PLACED);
	assert_int_equal(calls[0].failed, EIO);
	expect_no_fsync_after_failure();
	expect_content(in_dest(f, "eio.txt"), content, sizeof(content));
	assert_true(inode_synced(in_dest(f, "eio.txt")));
	kf_assembly_free(&x.a);
}

/* Both the staging file and its fresh copy fail with ENOSPC: finish is
 * retryable, and the retry stages again rather than trusting a second
 * fsync of a file whose fsync failed. */
static void test_staging_fsync_enospc_retry(void **state)
{
	struct fx *f = *state;
	struct xfer x;
	int outcome;

	stage(f, &x, "full.txt", "host", content, sizeof(content));
	inject.tmp_file = 1;
	inject.err = ENOSPC;
	inject.times = 2;
	assert_int_equal(finish(&x, &outcome), KF_ENOSPC);
	assert_int_equal(access(in_dest(f, "full.txt"), F_OK), -1);
	EXPECT_OK(finish(&x, &outcome));
	assert_int_equal(outcome, KF_PLACED);
	expect_no_fsync_after_failure();
	expect_content(in_dest(f, "full.txt"), content, sizeof(content));
	assert_true(inode_synced(in_dest(f, "full.txt")));
	kf_assembly_free(&x.a);
}

/* The failed writeback lost the data: the copy does not match the
 * whole-file hash and nothing is placed (the caller quarantines). */
static void test_staging_fsync_lost_data(void **state)
{
	struct fx *f = *state;
	struct xfer x;
	int outcome;

	stage(f, &x, "lost.txt", "host", content, sizeof(content));
	inject.tmp_file = 1;
	inject.err = EIO;
	inject.times = 1;
	inject.lose = 1;
	assert_int_equal(finish(&x, &outcome), KF_EIO);
	if (!strstr(errbuf, "lost"))
		fail_msg("error \"%s\" does not say the data was lost", errbuf);
	assert_int_equal(access(in_dest(f, "lost.txt"), F_OK), -1);
	expect_no_fsync_after_failure();
	kf_assembly_free(&x.a);
}

/* The fsync of DEST fails after the rename of n1/n2/f.txt: the retry
 * finds the file in place and still makes DEST's new entry durable (the
 * retry's mkdirs find the directories, so only the transfer remembers). */
static void test_dir_fsync_failure_retried(void **state)
{
	struct fx *f = *state;
	struct xfer x;
	int outcome;

	stage(f, &x, "n1/n2/f.txt", "host", content, sizeof(content));
	kf_test_fmt(inject.path, sizeof(inject.path), "%s", f->dest);
	inject.err = ENOSPC;
	inject.times = 1;
	assert_int_equal(finish(&x, &outcome), KF_ENOSPC);
	assert_false(synced(in_dest(f, ""), 1));
	EXPECT_OK(finish(&x, &outcome));
	assert_int_equal(outcome, KF_SKIPPED);
	expect_dir_synced(in_dest(f, ""));
	expect_dir_synced(in_dest(f, "n1"));
	expect_dir_synced(in_dest(f, "n1/n2"));
	kf_assembly_free(&x.a);
}

/* A quarantine is durable once reported: reason.txt, the entries in
 * quarantine/<xid>, and <xid>'s entry in quarantine/. */
static void test_quarantine_synced(void **state)
{
	struct fx *f = *state;
	char xid[33], q[PATH_MAX], qx[PATH_MAX], reason[PATH_MAX * 2];
	struct xfer x;

	stage(f, &x, "bad.txt", "host", content, sizeof(content));
	kf_xid_format(&x.m.hdr.xid, xid);
	kf_test_fmt(q, sizeof(q), "%s/.kferry/quarantine", f->dest);
	kf_test_fmt(qx, sizeof(qx), "%s/%s", q, xid);
	kf_test_fmt(reason, sizeof(reason), "%s/reason.txt", qx);
	calls_reset();
	assert_int_equal(kf_assembly_quarantine(&x.a, "test reason"), 0);
	assert_true(synced(reason, 0));
	expect_dir_synced(qx);
	expect_dir_synced(q);
	kf_assembly_free(&x.a);
}

/* A failed fsync of quarantine/<xid> is reported, so that the caller
 * keeps the offset and tries again. */
static void test_quarantine_fsync_failure_reported(void **state)
{
	struct fx *f = *state;
	char xid[33], data[PATH_MAX];
	struct xfer x;

	stage(f, &x, "bad2.txt", "host", content, sizeof(content));
	kf_xid_format(&x.m.hdr.xid, xid);
	kf_test_fmt(inject.path, sizeof(inject.path),
		    "%s/.kferry/quarantine/%s", f->dest, xid);
	inject.err = EIO;
	inject.times = 1;
	assert_int_equal(kf_assembly_quarantine(&x.a, "why"), KF_EIO);
	assert_int_equal(kf_assembly_quarantine(&x.a, "why"), 0);
	kf_test_fmt(data, sizeof(data), "%s/data", inject.path);
	expect_content(data, content, sizeof(content));
	kf_assembly_free(&x.a);
}

/* reason.txt quotes the sender's host name, path and the reason: one
 * field per line, no control character, whatever they contain. */
static void test_reason_txt_escaped(void **state)
{
	static const char origin[] = "evil\n<0>emerg \x1b[2J\x1b[31mFORGED";
	static const char path[] = "dir/\x1b]0;title\x07.txt";
	struct fx *f = *state;
	char xid[33], file[PATH_MAX];
	const unsigned char *p;
	struct xfer x;
	uint8_t *text;
	size_t n = 0, lines = 0;

	stage(f, &x, path, origin, content, sizeof(content));
	kf_xid_format(&x.m.hdr.xid, xid);
	assert_int_equal(kf_assembly_quarantine(&x.a, "the sender said:\n"
						      "<0>reason: fine\x1b[0m"),
			 0);
	kf_test_fmt(file, sizeof(file), "%s/.kferry/quarantine/%s/reason.txt",
		    f->dest, xid);
	text = kf_test_read_file(file, &n);
	assert_non_null(text);
	text = realloc(text, n + 1);
	assert_non_null(text);
	text[n] = '\0';
	for (p = text; *p; p++) {
		if (*p == '\n')
			lines++;
		else if (*p < 0x20 || *p == 0x7f)
			fail_msg("control byte 0x%02x in reason.txt:\n%s", *p,
				 text);
	}
	assert_int_equal(lines, 6); /* transfer path size origin quarantined
				       reason */
	if (!strstr((char *)text, "\norigin: evil\\n<0>emerg \\x1b[2J"
				  "\\x1b[31mFORGED\n") ||
	    !strstr((char *)text, "\npath: dir/\\x1b]0;title\\x07.txt\n") ||
	    !strstr((char *)text, "\nreason: the sender said:\\n<0>reason: "
				  "fine\\x1b[0m\n"))
		fail_msg("reason.txt does not quote the fields escaped:\n%s",
			 text);
	free(text);
	kf_assembly_free(&x.a);
}

/* Reopens DEST with key=value. */
static void reopen_with(struct fx *f, const char *key, const char *value)
{
	char err[256];

	kf_dest_close(f->d);
	f->d = NULL;
	if (kf_conf_set(f->conf, key, value, err, sizeof(err)))
		fail_msg("%s=%s: %s", key, value, err);
	EXPECT_OK(kf_dest_open(f->dest, keep_of(f->conf), &f->d, errbuf,
			       sizeof(errbuf)));
}

/* Quarantines a transfer of its own; returns its directory's path. */
static const char *quarantine_one(struct fx *f, char xid[33])
{
	static char dir[PATH_MAX];
	struct xfer x;

	stage(f, &x, "q.txt", "host", content, sizeof(content));
	kf_xid_format(&x.m.hdr.xid, xid);
	assert_int_equal(kf_assembly_quarantine(&x.a, "rejected"), 0);
	kf_assembly_free(&x.a);
	kf_test_fmt(dir, sizeof(dir), "%s/.kferry/quarantine/%s", f->dest, xid);
	return dir;
}

/* Sets a quarantine directory's mtime to `ago` seconds in the past. */
static void age(const char *dir, time_t ago)
{
	struct timespec ts[2] = {{time(NULL) - ago, 0}, {time(NULL) - ago, 0}};

	assert_int_equal(utimensat(AT_FDCWD, dir, ts, 0), 0);
}

static int exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/* Never more than receive.quarantine_max: the oldest go first; an
 * operator's own files in quarantine/ stay. */
static void test_quarantine_max(void **state)
{
	struct fx *f = *state;
	char xid[5][33], dirs[5][PATH_MAX], note[PATH_MAX];
	int i;

	reopen_with(f, "receive.quarantine_max", "3");
	kf_test_fmt(note, sizeof(note), "%s/.kferry/quarantine/NOTES", f->dest);
	assert_int_equal(kf_test_write_file(note, "mine\n", 5, 0600), 0);
	for (i = 0; i < 5; i++) {
		kf_test_fmt(dirs[i], PATH_MAX, "%s", quarantine_one(f, xid[i]));
		/* each older than the next: #0 the oldest */
		age(dirs[i], 1000 - i);
	}
	assert_false(exists(dirs[0]));
	assert_false(exists(dirs[1]));
	for (i = 2; i < 5; i++)
		if (!exists(dirs[i]))
			fail_msg("quarantine %d of 5 (%s) was removed", i,
				 xid[i]);
	assert_true(exists(note));
}

/* receive.quarantine_max_age: what is older goes at start. */
static void test_quarantine_max_age(void **state)
{
	struct fx *f = *state;
	char old_xid[33], new_xid[33], old_dir[PATH_MAX], new_dir[PATH_MAX];

	reopen_with(f, "receive.quarantine_max_age", "3600");
	kf_test_fmt(old_dir, sizeof(old_dir), "%s", quarantine_one(f, old_xid));
	kf_test_fmt(new_dir, sizeof(new_dir), "%s", quarantine_one(f, new_xid));
	age(old_dir, 7200);
	age(new_dir, 60);
	reopen_with(f, "receive.quarantine_max_age", "3600");
	assert_false(exists(old_dir));
	assert_true(exists(new_dir));
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_created_dirs_synced),
		T(test_linked_into_place),
		T(test_no_hard_links_renames),
		T(test_staging_name_left_after_link),
		T(test_existing_dirs_not_synced),
		T(test_batch_keeps_parent_open),
		T(test_batch_present_chain_once),
		T(test_skipped_syncs_chain),
		T(test_present_syncs_chain),
		T(test_staging_fsync_eio_restages),
		T(test_staging_fsync_enospc_retry),
		T(test_staging_fsync_lost_data),
		T(test_dir_fsync_failure_retried),
		T(test_quarantine_synced),
		T(test_quarantine_fsync_failure_reported),
		T(test_reason_txt_escaped),
		T(test_quarantine_max),
		T(test_quarantine_max_age),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
