/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of src/core/path.c: the path rules of docs/protocol.md
 * section 3.2, the walk below a destination root, and log rendering.
 *
 * Every test gets a fresh scratch directory under $KF_TEST_TMP holding
 * root/ (the destination) and outside/ (which must stay empty whatever a
 * path tries).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/path.h"
#include "kferry/kferry.h"

#include "kf_test.h"

struct fixture {
	char dir[PATH_MAX];	/* the scratch directory */
	char outside[PATH_MAX]; /* absolute path of outside/ */
	int rootfd;
};

static char errbuf[512];

static int join(char out[PATH_MAX], const char *dir, const char *name)
{
	int n = snprintf(out, PATH_MAX, "%s/%s", dir, name);

	return n < 0 || n >= PATH_MAX ? -1 : 0;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char root[PATH_MAX];

	if (!f)
		return -1;
	if (kf_test_mkdtemp(f->dir, "test_path") < 0)
		return -1;
	if (join(root, f->dir, "root") < 0 ||
	    join(f->outside, f->dir, "outside") < 0)
		return -1;
	if (mkdir(root, 0755) < 0 || mkdir(f->outside, 0755) < 0)
		return -1;
	f->rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (f->rootfd < 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	int rc;

	close(f->rootfd);
	rc = kf_test_rmtree(f->dir);
	free(f);
	return rc;
}

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

/* The lowest free descriptor: equal before and after a call that must not
 * leak one. */
static int next_fd(void)
{
	int fd = kf_test_next_fd();

	assert_true(fd >= 0);
	return fd;
}

static int is_dir_at(int dirfd, const char *rel)
{
	struct stat st;

	return fstatat(dirfd, rel, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	       S_ISDIR(st.st_mode);
}

static int open_parent(struct fixture *f, const char *rel, int create, int *fd,
		       const char **base)
{
	errbuf[0] = '\0';
	return kf_path_open_parent(f->rootfd, rel, create, 0755, fd, base, NULL,
				   errbuf, sizeof(errbuf));
}

/* ------------------------------------------------------------------ */
/* kf_path_validate */

static int validate(const char *p, size_t len)
{
	errbuf[0] = '\0';
	return kf_path_validate((const uint8_t *)p, len, errbuf,
				sizeof(errbuf));
}

static int validate_str(const char *p)
{
	return validate(p, strlen(p));
}

static char *repeat_path(const char *comp, size_t times)
{
	size_t clen = strlen(comp), i;
	char *p = malloc(times * (clen + 1));

	assert_non_null(p);
	for (i = 0; i < times; i++) {
		memcpy(p + i * (clen + 1), comp, clen);
		p[i * (clen + 1) + clen] = '/';
	}
	p[times * (clen + 1) - 1] = '\0';
	return p;
}

static void test_validate_accepts(void **state)
{
	static const char *const ok[] = {
		"a",
		"a/b/c.txt",
		"\xed\x95\x9c\xea\xb8\x80/\xeb\xac\xb8\xec\x84\x9c.hwp",
		"my documents/report final.pdf",
		"new\nline/file",
		".hidden/.kferryx",
		"a/.kferry/b",
		"...",
		"..a/b..",
		"\x01\xff\x80",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		EXPECT_OK(validate_str(ok[i]));
}

static void test_validate_rejects(void **state)
{
	static const struct {
		const char *path;
		const char *needle;
	} bad[] = {
		{"/etc/passwd", "path '/etc/passwd' is absolute"},
		{"a//b", "empty component at offset 2"},
		{"a/b/", "empty component at offset 4"},
		{"/", "absolute"},
		{".", "'.' component at offset 0"},
		{"a/./b", "'.' component at offset 2"},
		{"..", "'..' component at offset 0"},
		{"a/b/../../../etc", "'..' component at offset 4"},
		{".kferry", "starts with '.kferry'"},
		{".kferry/tmp/1.part", "starts with '.kferry'"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		EXPECT_ERR(validate_str(bad[i].path), KF_EPATH, bad[i].needle);
	EXPECT_ERR(validate("", 0), KF_EPATH, "path is empty");
	EXPECT_ERR(validate("a\0/b", 4), KF_EPATH,
		   "path 'a\\x00/b' contains a NUL byte at offset 1");
}

static void test_validate_limits(void **state)
{
	char comp[257], *p;

	(void)state;
	memset(comp, 'c', sizeof(comp) - 1);
	comp[256] = '\0';
	EXPECT_ERR(validate(comp, 256), KF_EPATH,
		   "256-byte component at offset 0; the limit is 255");
	EXPECT_OK(validate(comp, 255));

	p = repeat_path("d", 256);
	EXPECT_OK(validate_str(p));
	free(p);
	p = repeat_path("d", 257);
	EXPECT_ERR(validate_str(p), KF_EPATH, "more than 256 components");
	free(p);

	/* 16 components of 255 bytes and 15 slashes make 4095 bytes */
	p = repeat_path(comp + 1, 16);
	assert_int_equal(strlen(p), 4095);
	EXPECT_OK(validate_str(p));
	free(p);
	p = repeat_path(comp + 157, 41); /* 41 * 100 - 1 = 4099 bytes */
	EXPECT_OK(validate(p, 4096));	 /* ends in a component */
	EXPECT_ERR(validate(p, 4097), KF_EPATH, "is 4097 bytes");
	free(p);
}

static void test_validate_without_errstr(void **state)
{
	(void)state;
	assert_int_equal(kf_path_validate((const uint8_t *)"../x", 4, NULL, 0),
			 KF_EPATH);
	assert_int_equal(kf_path_validate((const uint8_t *)"x", 1, NULL, 0), 0);
}

/* ------------------------------------------------------------------ */
/* kf_path_open_parent */

static void test_open_parent_creates_deep_tree(void **state)
{
	static const char rel[] = "a/b c/\xed\x95\x9c/d/e/f/g/file.txt";
	struct fixture *f = *state;
	struct stat st1, st2;
	const char *base;
	int fd, fd2, file;

	EXPECT_OK(open_parent(f, rel, 1, &fd, &base));
	assert_ptr_equal(base, rel + strlen(rel) - strlen("file.txt"));
	assert_true(is_dir_at(f->rootfd, "a/b c/\xed\x95\x9c/d/e/f/g"));

	/* *parentfd is the directory the file goes into */
	file = openat(fd, base, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	assert_true(file >= 0);
	close(file);
	assert_int_equal(fstatat(f->rootfd, rel, &st1, 0), 0);

	/* existing directories are reused, with or without create */
	EXPECT_OK(open_parent(f, rel, 0, &fd2, &base));
	assert_int_equal(fstat(fd, &st1), 0);
	assert_int_equal(fstat(fd2, &st2), 0);
	assert_int_equal(st1.st_ino, st2.st_ino);
	close(fd2);
	EXPECT_OK(open_parent(f, rel, 1, &fd2, &base));
	close(fd2);
	close(fd);
	assert_int_equal(count_entries(f->outside), 0);
}

static void test_open_parent_max_depth(void **state)
{
	struct fixture *f = *state;
	char *rel = repeat_path("d", 256);
	const char *base;
	int fd;

	EXPECT_OK(open_parent(f, rel, 1, &fd, &base));
	assert_string_equal(base, "d");
	close(fd);
	free(rel);
}

static void test_open_parent_top_level(void **state)
{
	struct fixture *f = *state;
	struct stat root, got;
	const char *base;
	int fd;

	EXPECT_OK(open_parent(f, "file", 0, &fd, &base));
	assert_true(fd != f->rootfd); /* the caller owns and closes it */
	assert_string_equal(base, "file");
	assert_int_equal(fstat(f->rootfd, &root), 0);
	assert_int_equal(fstat(fd, &got), 0);
	assert_int_equal(root.st_ino, got.st_ino);
	close(fd);
}

static void test_open_parent_missing_without_create(void **state)
{
	struct fixture *f = *state;
	int fd_before = next_fd(), fd = -1;
	const char *base;

	EXPECT_ERR(open_parent(f, "a/missing/x", 0, &fd, &base), KF_EIO,
		   "'a' in 'a/missing/x'");
	assert_int_equal(fd, -1);
	assert_false(is_dir_at(f->rootfd, "a"));
	assert_int_equal(next_fd(), fd_before);
}

/* Refused with the message naming the component, with and without create,
 * leaving no descriptor open and nothing created anywhere. */
static void expect_refused(struct fixture *f, const char *rel, const char *comp,
			   const char *what)
{
	int fd_before = next_fd(), fd = -1, create;
	const char *base = NULL;
	char want[512];

	snprintf(want, sizeof(want), "path component '%s' in '%s' is %s", comp,
		 rel, what);
	for (create = 0; create <= 1; create++) {
		errbuf[0] = '\0';
		assert_int_equal(open_parent(f, rel, create, &fd, &base),
				 KF_EPATH);
		assert_string_equal(errbuf, want);
		assert_int_equal(fd, -1);
		assert_null(base);
	}
	assert_int_equal(next_fd(), fd_before);
	assert_int_equal(count_entries(f->outside), 0);
}

#define SYMLINK_MSG "a symbolic link; refusing to follow it"

static void test_open_parent_refuses_symlink(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(symlinkat(f->outside, f->rootfd, "link"), 0);
	assert_int_equal(mkdirat(f->rootfd, "real", 0755), 0);
	assert_int_equal(symlinkat("../../outside", f->rootfd, "real/up"), 0);
	assert_int_equal(symlinkat("real", f->rootfd, "inner"), 0);

	expect_refused(f, "link/file", "link", SYMLINK_MSG);
	expect_refused(f, "link/sub/deeper/file", "link", SYMLINK_MSG);
	expect_refused(f, "real/up/sub/file", "up", SYMLINK_MSG);
	/* even a link that stays inside the root is not followed */
	expect_refused(f, "inner/file", "inner", SYMLINK_MSG);
	assert_int_equal(count_entries(f->outside), 0);
}

static void test_open_parent_refuses_symlink_to_tmp(void **state)
{
	struct fixture *f = *state;
	char name[48], rel[96], probe[96];
	struct stat st;

	/* followed, the walk would create /tmp/<name> */
	snprintf(name, sizeof(name), "kferry-test-path-%ld", (long)getpid());
	snprintf(rel, sizeof(rel), "tmp/%s/file", name);
	snprintf(probe, sizeof(probe), "/tmp/%s", name);
	assert_int_equal(symlinkat("/tmp", f->rootfd, "tmp"), 0);
	expect_refused(f, rel, "tmp", SYMLINK_MSG);
	assert_int_equal(lstat(probe, &st), -1);
	assert_int_equal(errno, ENOENT);
}

static void test_open_parent_refuses_dangling_symlink(void **state)
{
	struct fixture *f = *state;
	char target[PATH_MAX + 16];

	/* mkdir through the link would create outside/made */
	snprintf(target, sizeof(target), "%s/made", f->outside);
	assert_int_equal(symlinkat(target, f->rootfd, "dangling"), 0);
	expect_refused(f, "dangling/file", "dangling", SYMLINK_MSG);
	expect_refused(f, "dangling/sub/file", "dangling", SYMLINK_MSG);
}

static void test_open_parent_refuses_regular_file(void **state)
{
	struct fixture *f = *state;
	int fd;

	fd = openat(f->rootfd, "plain", O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(mkdirat(f->rootfd, "dir", 0755), 0);
	fd = openat(f->rootfd, "dir/plain", O_WRONLY | O_CREAT | O_CLOEXEC,
		    0600);
	assert_true(fd >= 0);
	close(fd);

	expect_refused(f, "plain/x", "plain", "not a directory");
	expect_refused(f, "dir/plain/sub/x", "plain", "not a directory");
}

static void test_open_parent_refuses_invalid_path(void **state)
{
	static const char *const bad[] = {"../outside/x", "a/../../outside/x",
					  "/tmp/x", ".kferry/tmp/x", "a//b"};
	struct fixture *f = *state;
	int fd_before = next_fd(), fd = -1;
	const char *base;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		EXPECT_ERR(open_parent(f, bad[i], 1, &fd, &base), KF_EPATH,
			   "path '");
	assert_int_equal(fd, -1);
	assert_int_equal(count_entries(f->outside), 0);
	assert_false(is_dir_at(f->rootfd, "a"));
	assert_false(is_dir_at(f->rootfd, ".kferry"));
	assert_int_equal(next_fd(), fd_before);
}

/* Threads creating the same tree at once: whoever loses the mkdirat race
 * must open the winner's directory instead of failing with EEXIST. */
#define RACE_THREADS 4
#define RACE_ROUNDS 200

struct race {
	struct fixture *f;
	pthread_barrier_t *barrier;
	int failures;
	char err[256];
};

static void *race_thread(void *arg)
{
	struct race *r = arg;
	const char *base;
	char rel[64];
	int round, fd;

	for (round = 0; round < RACE_ROUNDS; round++) {
		snprintf(rel, sizeof(rel), "race/%d/a/b/c/file", round);
		pthread_barrier_wait(r->barrier);
		if (kf_path_open_parent(r->f->rootfd, rel, 1, 0755, &fd, &base,
					NULL, r->err, sizeof(r->err)) != 0) {
			r->failures++;
			continue;
		}
		close(fd);
	}
	return NULL;
}

static void test_open_parent_concurrent_create(void **state)
{
	struct fixture *f = *state;
	struct race races[RACE_THREADS];
	pthread_t tids[RACE_THREADS];
	pthread_barrier_t barrier;
	int i;

	assert_int_equal(pthread_barrier_init(&barrier, NULL, RACE_THREADS), 0);
	for (i = 0; i < RACE_THREADS; i++) {
		races[i] = (struct race){.f = f, .barrier = &barrier};
		assert_int_equal(
			pthread_create(&tids[i], NULL, race_thread, &races[i]),
			0);
	}
	for (i = 0; i < RACE_THREADS; i++)
		assert_int_equal(pthread_join(tids[i], NULL), 0);
	pthread_barrier_destroy(&barrier);
	for (i = 0; i < RACE_THREADS; i++)
		if (races[i].failures)
			fail_msg("thread %d: %d failures, last: %s", i,
				 races[i].failures, races[i].err);
	assert_true(is_dir_at(f->rootfd, "race/199/a/b/c"));
}

/* ------------------------------------------------------------------ */
/* kf_path_printable */

static const char *printable(const char *in, size_t len, size_t out_size)
{
	static char out[256];

	assert_true(out_size <= sizeof(out));
	memset(out, '#', sizeof(out));
	kf_path_printable((const uint8_t *)in, len, out, out_size);
	assert_true(strlen(out) < out_size);
	return out;
}

static void expect_printable(const char *in, const char *want)
{
	assert_string_equal(printable(in, strlen(in), 256), want);
}

/* Writes "name" holding its own name below the fixture's root. */
static void put_file(struct fixture *f, const char *rel)
{
	int fd = openat(f->rootfd, rel, O_WRONLY | O_CREAT | O_EXCL, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, rel, strlen(rel)), (ssize_t)strlen(rel));
	close(fd);
}

/* Opens rel below the fixture's root through d and checks the content. */
static void expect_open_at(struct fixture *f, kf_path_dir_t *d, const char *rel)
{
	char path[PATH_MAX], got[PATH_MAX];
	int fd;
	ssize_t n;

	assert_int_equal(join(path, f->dir, "root/"), 0);
	strncat(path, rel, sizeof(path) - strlen(path) - 1);
	fd = kf_path_open_below_at(d, path, strlen(f->dir) + 6, O_RDONLY);
	if (fd < 0)
		fail_msg("%s: %s", rel, strerror(errno));
	n = read(fd, got, sizeof(got));
	close(fd);
	assert_int_equal(n, (ssize_t)strlen(rel));
	assert_memory_equal(got, rel, strlen(rel));
}

/* Files of one directory are opened from the directory kept open; a
 * file of another directory walks again, and nothing stays open after
 * kf_path_dir_close. */
static void test_open_below_at_keeps_dir(void **state)
{
	struct fixture *f = *state;
	kf_path_dir_t d = KF_PATH_DIR_INIT;
	int free_fd = next_fd(), kept;

	assert_int_equal(mkdirat(f->rootfd, "a", 0755), 0);
	assert_int_equal(mkdirat(f->rootfd, "a/b", 0755), 0);
	assert_int_equal(mkdirat(f->rootfd, "c", 0755), 0);
	put_file(f, "a/b/f1");
	put_file(f, "a/b/f2");
	put_file(f, "c/f3");
	put_file(f, "top");

	expect_open_at(f, &d, "a/b/f1");
	assert_non_null(d.path);
	kept = d.fd;
	/* a/b renamed away: f2 is still found through the descriptor */
	assert_int_equal(renameat(f->rootfd, "a/b", f->rootfd, "a/moved"), 0);
	expect_open_at(f, &d, "a/b/f2");
	assert_int_equal(d.fd, kept);
	expect_open_at(f, &d, "c/f3");
	expect_open_at(f, &d, "top");
	assert_int_equal(d.len, strlen(f->dir) + 6);
	kf_path_dir_close(&d);
	assert_null(d.path);
	assert_int_equal(next_fd(), free_fd);
}

/* Kept or not, no link below the root is followed: a directory swapped
 * for a link is refused when walked to, and so is a file that is a link
 * in the directory kept open. */
static void test_open_below_at_refuses_links(void **state)
{
	struct fixture *f = *state;
	kf_path_dir_t d = KF_PATH_DIR_INIT;
	char path[PATH_MAX];
	int fd, free_fd = next_fd();

	assert_int_equal(mkdirat(f->rootfd, "d", 0755), 0);
	put_file(f, "d/f");
	assert_int_equal(symlinkat(f->outside, f->rootfd, "link"), 0);
	assert_int_equal(symlinkat("f", f->rootfd, "d/flink"), 0);
	assert_int_equal(join(path, f->outside, "x"), 0);
	fd = open(path, O_WRONLY | O_CREAT, 0644);
	assert_true(fd >= 0);
	close(fd);

	expect_open_at(f, &d, "d/f");
	assert_int_equal(join(path, f->dir, "root/d/flink"), 0);
	errno = 0;
	assert_int_equal(
		kf_path_open_below_at(&d, path, strlen(f->dir) + 6, O_RDONLY),
		-1);
	assert_int_equal(errno, ELOOP);
	assert_int_equal(join(path, f->dir, "root/link/x"), 0);
	assert_int_equal(
		kf_path_open_below_at(&d, path, strlen(f->dir) + 6, O_RDONLY),
		-1);
	assert_true(errno == ELOOP || errno == ENOTDIR);
	assert_null(d.path);
	/* the same directory under a root that covers it is the
	 * operator's: followed, and not taken from the other walk */
	assert_int_equal(join(path, f->dir, "root/link/x"), 0);
	fd = kf_path_open_below_at(&d, path, strlen(path) - 1, O_RDONLY);
	assert_true(fd >= 0);
	close(fd);
	kf_path_dir_close(&d);
	assert_int_equal(next_fd(), free_fd);
}

static void test_printable_passes_text(void **state)
{
	(void)state;
	expect_printable("", "");
	expect_printable("plain/ascii name.txt", "plain/ascii name.txt");
	expect_printable("back\\slash 'quote\"", "back\\slash 'quote\"");
	/* Korean, NBSP, an emoji: valid UTF-8 stays as it is */
	expect_printable("\xed\x95\x9c\xea\xb8\x80/\xc2\xa0/\xf0\x9f\x98\x80",
			 "\xed\x95\x9c\xea\xb8\x80/\xc2\xa0/\xf0\x9f\x98\x80");
	expect_printable("\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf"); /* U+10FFFF */
}

static void test_printable_escapes(void **state)
{
	(void)state;
	expect_printable("new\nline", "new\\nline");
	expect_printable("\x1b[31mred\t\r", "\\x1b[31mred\\x09\\x0d");
	expect_printable("\x7f", "\\x7f");
	assert_string_equal(printable("a\0b", 3, 256), "a\\x00b");
	/* invalid UTF-8: each offending byte on its own */
	expect_printable("\xff\xfe", "\\xff\\xfe");
	expect_printable("\x80x", "\\x80x");	    /* lone continuation */
	expect_printable("\xc0\xaf", "\\xc0\\xaf"); /* overlong '/' */
	expect_printable("\xe0\x80\xaf", "\\xe0\\x80\\xaf"); /* overlong */
	expect_printable("\xed\xa0\x80", "\\xed\\xa0\\x80"); /* surrogate */
	expect_printable("\xf4\x90\x80\x80",
			 "\\xf4\\x90\\x80\\x80");     /* > U+10FFFF */
	expect_printable("\xe4\xb8", "\\xe4\\xb8");   /* cut short */
	expect_printable("\xe4\xb8x", "\\xe4\\xb8x"); /* cut short */
	/* C1 controls are valid UTF-8 but terminals may obey them */
	expect_printable("\xc2\x9b"
			 "31m",
			 "\\xc2\\x9b31m");
}

static void test_printable_truncates(void **state)
{
	(void)state;
	/* exactly fits: no ellipsis */
	assert_string_equal(printable("abcdefghi", 9, 10), "abcdefghi");
	assert_string_equal(printable("abcdefghij", 10, 10), "abcdef...");
	assert_string_equal(printable("abcdefghijklmnop", 16, 10), "abcdef...");
	/* never inside an escape or a UTF-8 sequence */
	assert_string_equal(printable("\x01\x02\x03", 3, 11), "\\x01...");
	assert_string_equal(printable("\x01\x02\x03", 3, 12), "\\x01\\x02...");
	assert_string_equal(printable("\x01\x02\x03", 3, 13),
			    "\\x01\\x02\\x03");
	assert_string_equal(
		printable("\xed\x95\x9c\xea\xb5\xad\xec\x96\xb4", 9, 8),
		"\xed\x95\x9c...");
	assert_string_equal(printable("a\nb\nc", 5, 7), "a\\n...");
	/* tiny buffers */
	assert_string_equal(printable("abc", 3, 1), "");
	assert_string_equal(printable("abc", 3, 2), ".");
	assert_string_equal(printable("abc", 3, 4), "abc");
	assert_string_equal(printable("abcd", 4, 4), "...");
}

static void test_printable_zero_size(void **state)
{
	char out[4] = "xyz";

	(void)state;
	kf_path_printable((const uint8_t *)"abc", 3, out, 0);
	assert_string_equal(out, "xyz");
}

#define FIXTURE_TEST(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_validate_accepts),
		cmocka_unit_test(test_validate_rejects),
		cmocka_unit_test(test_validate_limits),
		cmocka_unit_test(test_validate_without_errstr),
		FIXTURE_TEST(test_open_parent_creates_deep_tree),
		FIXTURE_TEST(test_open_parent_max_depth),
		FIXTURE_TEST(test_open_parent_top_level),
		FIXTURE_TEST(test_open_parent_missing_without_create),
		FIXTURE_TEST(test_open_parent_refuses_symlink),
		FIXTURE_TEST(test_open_parent_refuses_symlink_to_tmp),
		FIXTURE_TEST(test_open_parent_refuses_dangling_symlink),
		FIXTURE_TEST(test_open_parent_refuses_regular_file),
		FIXTURE_TEST(test_open_parent_refuses_invalid_path),
		FIXTURE_TEST(test_open_parent_concurrent_create),
		FIXTURE_TEST(test_open_below_at_keeps_dir),
		FIXTURE_TEST(test_open_below_at_refuses_links),
		cmocka_unit_test(test_printable_passes_text),
		cmocka_unit_test(test_printable_escapes),
		cmocka_unit_test(test_printable_truncates),
		cmocka_unit_test(test_printable_zero_size),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
