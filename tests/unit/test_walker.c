/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of src/send/walker.c: which files `kferry send` finds under
 * its arguments and the relative path each one gets on the wire
 * (src/send/walker.h: a file argument under its own name, a directory as
 * a tree rooted at its own name; links and special files inside trees
 * skipped; a bad argument reported and the walk going on).
 *
 * Every test gets a fresh scratch directory under $KF_TEST_TMP:
 *
 *   tree/a.txt  tree/sub/b.bin  tree/sub/deep/c.txt
 *   tree/sub/deep/deeper/d (empty)  tree/<Korean> name.txt
 *   tree/empty/  tree/link -> a.txt  tree/dirlink -> sub
 *   tree/dangling -> nowhere  tree/fifo
 *   single.txt  alias.txt -> single.txt  fifo-arg
 *
 * Tests that chdir get their working directory back in teardown.
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
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/conf.h"
#include "kferry/kferry.h"
#include "send/walker.h"

#include "kf_test.h"

#define KOREAN "\xed\x95\x9c\xea\xb8\x80 name.txt" /* UTF-8 */
#define MAXEV 64

struct fx {
	char dir[PATH_MAX];
	int cwd; /* descriptor of the working directory at setup */
};

/* What one walk produced, in order. */
struct event {
	int r; /* 1 file, or the error code */
	char *src, *rel;
	struct stat st;
	char err[512];
};

struct walk {
	struct event ev[MAXEV];
	int n, nfiles, nerrs;
};

static const char *const TREE[] = {
	"tree/a.txt",	       "tree/sub/b.bin",
	"tree/sub/deep/c.txt", "tree/sub/deep/deeper/d",
	"tree/" KOREAN,
};
#define NTREE (sizeof(TREE) / sizeof(TREE[0]))

/* Content of each file: its own name, so that sizes differ (d: empty). */
static size_t file_size(const char *rel)
{
	const char *base = strrchr(rel, '/');

	base = base ? base + 1 : rel;
	return strcmp(base, "d") ? strlen(base) : 0;
}

static const char *in(const struct fx *f, const char *rel)
{
	static char buf[4][PATH_MAX];
	static int k;

	k = (k + 1) % 4;
	kf_test_fmt(buf[k], PATH_MAX, "%s/%s", f->dir, rel);
	return buf[k];
}

static int make_file(const struct fx *f, const char *rel)
{
	const char *base = strrchr(rel, '/');

	base = base ? base + 1 : rel;
	return kf_test_write_file(in(f, rel), base, file_size(rel), 0644);
}

static int group_setup(void **state)
{
	kf_conf_t *conf = kf_conf_new();
	char err[256];
	int r;

	(void)state;
	if (!conf)
		return -1;
	/* the walker warns about every skipped entry; keep the output
	 * readable */
	r = kf_conf_set(conf, "log_level", "error", err, sizeof(err)) ||
	    kf_log_init(conf, 0, err, sizeof(err));
	kf_conf_destroy(conf);
	return r ? -1 : 0;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	size_t i;

	if (!f || kf_test_mkdtemp(f->dir, "test_walker") < 0)
		return -1;
	f->cwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (f->cwd < 0)
		return -1;
	if (kf_test_mkdir_p(in(f, "tree/sub/deep/deeper"), 0755) < 0 ||
	    mkdir(in(f, "tree/empty"), 0755) < 0)
		return -1;
	for (i = 0; i < NTREE; i++)
		if (make_file(f, TREE[i]) < 0)
			return -1;
	if (symlink("a.txt", in(f, "tree/link")) < 0 ||
	    symlink("sub", in(f, "tree/dirlink")) < 0 ||
	    symlink("nowhere", in(f, "tree/dangling")) < 0 ||
	    mkfifo(in(f, "tree/fifo"), 0644) < 0 ||
	    make_file(f, "single.txt") < 0 ||
	    symlink("single.txt", in(f, "alias.txt")) < 0 ||
	    mkfifo(in(f, "fifo-arg"), 0644) < 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	int rc;

	rc = fchdir(f->cwd);
	close(f->cwd);
	if (kf_test_rmtree(f->dir) < 0)
		rc = -1;
	free(f);
	return rc;
}

static void walk_free(struct walk *w)
{
	int i;

	for (i = 0; i < w->n; i++) {
		free(w->ev[i].src);
		free(w->ev[i].rel);
	}
	memset(w, 0, sizeof(*w));
}

/* One call; records the event. Returns its result. */
static int step(kf_walker_t *wk, struct walk *w)
{
	struct event *e = &w->ev[w->n];
	char *src = NULL, *rel = NULL;
	int r;

	assert_true(w->n < MAXEV);
	memset(e, 0, sizeof(*e));
	r = kf_walker_next(wk, &src, &rel, &e->st, e->err, sizeof(e->err));
	if (r == 0) {
		assert_null(src);
		assert_null(rel);
		return 0;
	}
	if (r < 0) {
		/* the caller frees what it is handed (src/send/send.c
		 * does, on errors too): nothing may be left there */
		if (src || rel)
			fail_msg("kf_walker_next returned %d (%s) and left "
				 "*src=%p *rel=%p set",
				 r, e->err, (void *)src, (void *)rel);
		assert_true(e->err[0] != '\0');
		w->nerrs++;
	} else {
		assert_int_equal(r, 1);
		assert_non_null(src);
		assert_non_null(rel);
		w->nfiles++;
	}
	e->r = r;
	e->src = src;
	e->rel = rel;
	w->n++;
	return r;
}

/* Walks paths to the end (and checks the end stays the end). */
static void walk_all(const char *const *paths, size_t n, struct walk *w)
{
	kf_walker_t *wk = kf_walker_new(paths, n);
	struct walk tail = {0};

	assert_non_null(wk);
	memset(w, 0, sizeof(*w));
	while (step(wk, w) != 0)
		;
	assert_int_equal(step(wk, &tail), 0);
	kf_walker_destroy(wk);
}

static int by_string(const void *a, const void *b)
{
	return strcmp(a, b);
}

static int by_rel(const void *a, const void *b)
{
	const struct event *x = a, *y = b;

	return strcmp(x->rel, y->rel);
}

/* Checks that events [from, to) are exactly the files of TREE below
 * tree_prefix (e.g. "tree/" or "tree/sub/"), renamed to start with
 * wire_prefix, whatever their order; and that each src names that file. */
static void expect_subtree(const struct fx *f, struct walk *w, int from, int to,
			   const char *tree_prefix, const char *wire_prefix)
{
	char want[NTREE][PATH_MAX];
	struct stat st;
	size_t nwant = 0, i, tl = strlen(tree_prefix);
	int k;

	for (i = 0; i < NTREE; i++)
		if (!strncmp(TREE[i], tree_prefix, tl))
			kf_test_fmt(want[nwant++], PATH_MAX, "%s%s",
				    wire_prefix, TREE[i] + tl);
	qsort(want, nwant, PATH_MAX, by_string);
	for (k = from; k < to; k++)
		assert_int_equal(w->ev[k].r, 1);
	qsort(&w->ev[from], (size_t)(to - from), sizeof(w->ev[0]), by_rel);
	if ((size_t)(to - from) != nwant)
		fail_msg("%d files found under %s, expected %zu", to - from,
			 tree_prefix, nwant);
	for (i = 0; i < nwant; i++) {
		struct event *e = &w->ev[from + (int)i];
		const char *orig = e->rel + strlen(wire_prefix);
		char tree_rel[PATH_MAX];

		assert_string_equal(e->rel, want[i]);
		kf_test_fmt(tree_rel, sizeof(tree_rel), "%s%s", tree_prefix,
			    orig);
		/* st is the file's, and src opens that very file */
		assert_true(S_ISREG(e->st.st_mode));
		assert_int_equal(e->st.st_size, file_size(tree_rel));
		assert_int_equal(lstat(in(f, tree_rel), &st), 0);
		assert_int_equal(e->st.st_ino, st.st_ino);
		if (stat(e->src, &st) < 0)
			fail_msg("src \"%s\": %s", e->src, strerror(errno));
		assert_int_equal(e->st.st_ino, st.st_ino);
		assert_int_equal(e->st.st_dev, st.st_dev);
	}
}

/* ------------------------------------------------------------------ */

static void test_tree(void **state)
{
	struct fx *f = *state;
	const char *p = in(f, "tree");
	char want[PATH_MAX];
	struct walk w;
	int i;

	walk_all(&p, 1, &w);
	/* links (to files, to directories, dangling) and the fifo skipped,
	 * without an error; the empty directory yields nothing */
	assert_int_equal(w.nerrs, 0);
	expect_subtree(f, &w, 0, w.n, "tree/", "tree/");
	/* src is the argument joined with the path inside the tree */
	for (i = 0; i < w.n; i++) {
		kf_test_fmt(want, sizeof(want), "%s/%s", f->dir, w.ev[i].rel);
		assert_string_equal(w.ev[i].src, want);
	}
	walk_free(&w);
}

static void test_file_argument(void **state)
{
	struct fx *f = *state;
	const char *p = in(f, "single.txt");
	struct walk w;

	walk_all(&p, 1, &w);
	assert_int_equal(w.n, 1);
	assert_int_equal(w.ev[0].r, 1);
	assert_string_equal(w.ev[0].rel, "single.txt");
	assert_string_equal(w.ev[0].src, p);
	assert_true(S_ISREG(w.ev[0].st.st_mode));
	assert_int_equal(w.ev[0].st.st_size, strlen("single.txt"));
	walk_free(&w);

	/* a file deep inside a directory is still sent under its name */
	p = in(f, "tree/sub/deep/c.txt");
	walk_all(&p, 1, &w);
	assert_int_equal(w.n, 1);
	assert_string_equal(w.ev[0].rel, "c.txt");
	walk_free(&w);
}

static void test_trailing_slashes(void **state)
{
	struct fx *f = *state;
	const char *args[3];
	struct walk w;

	args[0] = in(f, "tree/");
	args[1] = in(f, "tree//");
	args[2] = in(f, "tree/sub/");
	walk_all(args, 3, &w);
	assert_int_equal(w.nerrs, 0);
	/* one argument after the other */
	expect_subtree(f, &w, 0, (int)NTREE, "tree/", "tree/");
	expect_subtree(f, &w, (int)NTREE, 2 * (int)NTREE, "tree/", "tree/");
	expect_subtree(f, &w, 2 * (int)NTREE, w.n, "tree/sub/", "sub/");
	walk_free(&w);
}

/* "." and ".." are named after the directory they stand for. */
static void test_dot_arguments(void **state)
{
	struct fx *f = *state;
	const char *dot[] = {"."}, *dotslash[] = {"./"}, *up[] = {".."};
	const char *mixed[] = {"../sub/.", "deep/.."};
	struct walk w;

	assert_int_equal(chdir(in(f, "tree")), 0);
	walk_all(dot, 1, &w);
	assert_int_equal(w.nerrs, 0);
	expect_subtree(f, &w, 0, w.n, "tree/", "tree/");
	walk_free(&w);

	walk_all(dotslash, 1, &w);
	expect_subtree(f, &w, 0, w.n, "tree/", "tree/");
	walk_free(&w);

	assert_int_equal(chdir("sub"), 0);
	walk_all(up, 1, &w);
	expect_subtree(f, &w, 0, w.n, "tree/", "tree/");
	walk_free(&w);

	/* both stand for tree/sub */
	walk_all(mixed, 2, &w);
	assert_int_equal(w.nerrs, 0);
	assert_int_equal(w.n, 6);
	expect_subtree(f, &w, 0, 3, "tree/sub/", "sub/");
	expect_subtree(f, &w, 3, 6, "tree/sub/", "sub/");
	walk_free(&w);
}

/* Relative arguments: the wire path starts at the argument's own name;
 * src stays relative to the working directory. */
static void test_relative_arguments(void **state)
{
	struct fx *f = *state;
	const char *args[] = {"tree/sub", "single.txt", "tree/sub/deep/c.txt"};
	struct walk w;
	int i;

	assert_int_equal(chdir(f->dir), 0);
	walk_all(args, 3, &w);
	assert_int_equal(w.nerrs, 0);
	assert_int_equal(w.n, 5);
	expect_subtree(f, &w, 0, 3, "tree/sub/", "sub/");
	for (i = 0; i < 3; i++) {
		char want[PATH_MAX];

		kf_test_fmt(want, sizeof(want), "tree/%s", w.ev[i].rel);
		assert_string_equal(w.ev[i].src, want);
	}
	assert_string_equal(w.ev[3].rel, "single.txt");
	assert_string_equal(w.ev[3].src, "single.txt");
	assert_string_equal(w.ev[4].rel, "c.txt");
	assert_string_equal(w.ev[4].src, "tree/sub/deep/c.txt");
	walk_free(&w);
}

static void test_missing_argument_continues(void **state)
{
	struct fx *f = *state;
	const char *args[4];
	struct walk w;

	args[0] = in(f, "missing");
	args[1] = in(f, "single.txt");
	args[2] = in(f, "nope/x");
	args[3] = in(f, "tree/sub/deep");
	walk_all(args, 4, &w);
	assert_int_equal(w.nerrs, 2);
	assert_int_equal(w.nfiles, 3);
	assert_int_equal(w.n, 5);
	assert_true(w.ev[0].r < 0);
	if (!strstr(w.ev[0].err, "missing") ||
	    !strstr(w.ev[0].err, strerror(ENOENT)))
		fail_msg("error \"%s\" names neither the path nor the cause",
			 w.ev[0].err);
	assert_int_equal(w.ev[1].r, 1);
	assert_string_equal(w.ev[1].rel, "single.txt");
	assert_true(w.ev[2].r < 0);
	assert_non_null(strstr(w.ev[2].err, "nope/x"));
	expect_subtree(f, &w, 3, 5, "tree/sub/deep/", "deep/");
	walk_free(&w);
}

/* Arguments that cannot be sent: "/" has no name to send it under; a
 * fifo is neither file nor directory. Each is an error, and the walk goes
 * on to the next argument. */
static void test_unsendable_arguments(void **state)
{
	struct fx *f = *state;
	const char *args[3];
	struct walk w = {0};
	kf_walker_t *wk;
	int r;

	args[0] = "/";
	args[1] = in(f, "fifo-arg");
	args[2] = in(f, "single.txt");
	wk = kf_walker_new(args, 3);
	assert_non_null(wk);
	assert_int_equal(step(wk, &w), KF_EPATH);
	assert_non_null(strstr(w.ev[0].err, "cannot name it"));
	r = step(wk, &w);
	if (r == 0) {
		kf_walker_destroy(wk);
		walk_free(&w);
		fail_msg("the fifo argument ended the walk (returned 0, the "
			 "end): the arguments after it are never sent");
	}
	assert_int_equal(r, KF_EINVAL);
	assert_non_null(strstr(w.ev[1].err, "not a regular file or directory"));
	assert_int_equal(step(wk, &w), 1);
	assert_string_equal(w.ev[2].rel, "single.txt");
	assert_int_equal(step(wk, &w), 0);
	kf_walker_destroy(wk);
	walk_free(&w);
}

static void test_empty(void **state)
{
	struct fx *f = *state;
	const char *p = in(f, "tree/empty"), *none[1] = {NULL};
	struct walk w;

	walk_all(&p, 1, &w);
	assert_int_equal(w.n, 0);
	walk_all(none, 0, &w);
	assert_int_equal(w.n, 0);
}

/* A file argument is sent under its own name (walker.h): a link given on
 * the command line keeps the name it was given, like cp and tar do, not
 * the name of what it points at. */
static void test_symlink_argument_keeps_its_name(void **state)
{
	struct fx *f = *state;
	const char *p = in(f, "alias.txt");
	struct walk w;

	char rel[PATH_MAX];
	off_t size;

	walk_all(&p, 1, &w);
	assert_int_equal(w.n, 1);
	assert_int_equal(w.ev[0].r, 1);
	kf_test_fmt(rel, sizeof(rel), "%s", w.ev[0].rel);
	size = w.ev[0].st.st_size;
	walk_free(&w);
	assert_string_equal(rel, "alias.txt");
	assert_int_equal(size, strlen("single.txt"));
}

static void test_copies_paths(void **state)
{
	struct fx *f = *state;
	char buf[PATH_MAX];
	const char *p = buf;
	kf_walker_t *wk;
	struct walk w = {0};

	kf_test_fmt(buf, sizeof(buf), "%s", in(f, "single.txt"));
	wk = kf_walker_new(&p, 1);
	assert_non_null(wk);
	memset(buf, 0, sizeof(buf));
	assert_int_equal(step(wk, &w), 1);
	assert_string_equal(w.ev[0].rel, "single.txt");
	assert_int_equal(step(wk, &w), 0);
	kf_walker_destroy(wk);
	walk_free(&w);
}

/* Stopped half way, deep in the tree: nothing leaks (LSan). */
static void test_destroy_mid_walk(void **state)
{
	struct fx *f = *state;
	const char *p = in(f, "tree");
	kf_walker_t *wk = kf_walker_new(&p, 1);
	struct walk w = {0};
	int fd0 = kf_test_next_fd();

	assert_non_null(wk);
	while (step(wk, &w) == 1 && !strstr(w.ev[w.n - 1].rel, "deeper"))
		;
	assert_non_null(strstr(w.ev[w.n - 1].rel, "deeper"));
	kf_walker_destroy(wk);
	kf_walker_destroy(NULL);
	walk_free(&w);
	/* every directory handle closed */
	assert_int_equal(kf_test_next_fd(), fd0);
}

/* A subdirectory that cannot be opened (here: out of descriptors, which
 * works as root too) is an error for that entry; the walk goes on, and
 * the caller is not handed pointers the walker already freed. */
static void test_unopenable_subdirectory(void **state)
{
	struct fx *f = *state;
	const char *p = in(f, "tree/sub/deep");
	struct rlimit old, low;
	struct walk w = {0};
	kf_walker_t *wk;
	char *src = NULL, *rel = NULL;
	struct stat st;
	char err[512] = "";
	int r;

	/* tree/sub/deep holds c.txt and deeper/: take c.txt out so that
	 * the subdirectory is the first entry */
	assert_int_equal(unlink(in(f, "tree/sub/deep/c.txt")), 0);
	wk = kf_walker_new(&p, 1);
	assert_non_null(wk);
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
	low = old;
	/* room for the argument's directory, not for the one below */
	low.rlim_cur = (rlim_t)kf_test_next_fd() + 1;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	r = kf_walker_next(wk, &src, &rel, &st, err, sizeof(err));
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);

	assert_true(r < 0);
	assert_non_null(strstr(err, "deeper"));
	if (src || rel) {
		kf_walker_destroy(wk);
		fail_msg("kf_walker_next returned %d (%s) and left *src=%p "
			 "*rel=%p pointing at memory it freed",
			 r, err, (void *)src, (void *)rel);
	}
	/* the rest of the walk: nothing else is there */
	assert_int_equal(step(wk, &w), 0);
	kf_walker_destroy(wk);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_tree),
		T(test_file_argument),
		T(test_trailing_slashes),
		T(test_dot_arguments),
		T(test_relative_arguments),
		T(test_missing_argument_continues),
		T(test_unsendable_arguments),
		T(test_empty),
		T(test_symlink_argument_keeps_its_name),
		T(test_copies_paths),
		T(test_destroy_mid_walk),
		T(test_unopenable_subdirectory),
	};
#undef T

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
