/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kf_send against librdkafka's mock cluster, with the source changed at
 * one chosen moment (docs/security.md, docs/watch.md):
 *
 * - a file of a tree is swapped for a link to a 0600 secret between the
 *   walk and the open: the secret must never be sent;
 * - a file is rewritten in place with its mtime restored while it is
 *   read (rsync --inplace -t, touch -r): the transfer must not commit.
 *
 * Linked with -Wl,--wrap=kf_walker_next -Wl,--wrap=pread64
 * (CMakeLists.txt): the swap happens as the walker hands the file over,
 * the rewrite as chunk 4 is read.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <sys/stat.h>

#include "kf_test.h"
#include "kf_test_mock.h"
#include "kferry/kferry.h"
#include "send/walker.h"

#define CHUNK (64 * 1024)
static const char SECRET[] = "TOP-SECRET signing key of the service\n";

struct mock {
	struct kf_test_mock k;
	char dir[PATH_MAX];
};

/* What the wraps do, set by each test. */
static char g_swap_src[PATH_MAX + 64], g_swap_link_to[PATH_MAX + 64];
static char g_rewrite[PATH_MAX + 64];
static int g_swapped, g_rewritten;

int __real_kf_walker_next(kf_walker_t *w, char **src, char **rel,
			  struct stat *st, char *errstr, size_t errstr_size);
int __wrap_kf_walker_next(kf_walker_t *w, char **src, char **rel,
			  struct stat *st, char *errstr, size_t errstr_size);

/* @locality worker: a local user swaps the file just listed for a link. */
int __wrap_kf_walker_next(kf_walker_t *w, char **src, char **rel,
			  struct stat *st, char *errstr, size_t errstr_size)
{
	int r = __real_kf_walker_next(w, src, rel, st, errstr, errstr_size);

	if (r == 1 && *g_swap_src && !strcmp(*src, g_swap_src)) {
		g_swapped = !unlink(*src) && !symlink(g_swap_link_to, *src);
	}
	return r;
}

ssize_t __real_pread64(int fd, void *buf, size_t n, off_t off);
ssize_t __wrap_pread64(int fd, void *buf, size_t n, off_t off);

/* @locality worker: as chunk 4 is read, another program rewrites chunk 0
 * in place and puts the mtime back; only the ctime tells. */
ssize_t __wrap_pread64(int fd, void *buf, size_t n, off_t off)
{
	if (*g_rewrite && !g_rewritten && off == 4 * CHUNK) {
		struct stat st;
		struct timespec times[2];
		char junk[4096];
		int wfd = open(g_rewrite, O_WRONLY);

		memset(junk, 'B', sizeof(junk));
		if (wfd >= 0 && !fstat(wfd, &st)) {
			times[0] = st.st_atim;
			times[1] = st.st_mtim;
			g_rewritten = pwrite(wfd, junk, sizeof(junk), 0) ==
					      (ssize_t)sizeof(junk) &&
				      !futimens(wfd, times);
		}
		if (wfd >= 0)
			close(wfd);
	}
	return __real_pread64(fd, buf, n, off);
}

static int setup(void **state)
{
	struct mock *m = calloc(1, sizeof(*m));
	char err[256];

	assert_non_null(m);
	kf_test_mock_open(&m->k, 1);
	assert_int_equal(kf_test_mkdtemp(m->dir, "test_send_race"), 0);
	kf_test_set(m->k.conf, "chunk_size", "64KiB");
	assert_int_equal(kf_log_init(m->k.conf, 0, err, sizeof(err)), 0);
	*g_swap_src = *g_rewrite = '\0';
	g_swapped = g_rewritten = 0;
	*state = m;
	return 0;
}

static int teardown(void **state)
{
	struct mock *m = *state;

	kf_test_mock_close(&m->k);
	assert_int_equal(kf_test_rmtree(m->dir), 0);
	free(m);
	return 0;
}

/* Receives everything on the topic into DIR/dest; returns the files
 * placed. */
static uint64_t receive_all(struct mock *m)
{
	kf_recv_stats_t st;
	char dest[PATH_MAX + 8], err[512];

	kf_test_fmt(dest, sizeof(dest), "%s/dest", m->dir);
	kf_test_set(m->k.conf, "receive.dest", dest);
	kf_test_set(m->k.conf, "receive.idle_exit", "3");
	kf_test_set(m->k.conf, "receive.group", "g1");
	assert_int_equal(kf_receive(m->k.conf, &st, err, sizeof(err)), 0);
	return st.files_ok;
}

static void test_link_swapped_in_after_the_walk(void **state)
{
	struct mock *m = *state;
	char tree[PATH_MAX + 8], secret[PATH_MAX + 16], p[PATH_MAX + 64];
	const char *arg = tree;
	kf_send_stats_t st;
	char err[512];
	uint8_t *got;
	size_t n;

	kf_test_fmt(tree, sizeof(tree), "%s/tree", m->dir);
	kf_test_fmt(secret, sizeof(secret), "%s/secret.key", m->dir);
	assert_int_equal(kf_test_mkdir_p(tree, 0755), 0);
	assert_int_equal(
		kf_test_write_file(secret, SECRET, strlen(SECRET), 0600), 0);
	kf_test_fmt(p, sizeof(p), "%s/report.txt", tree);
	assert_int_equal(kf_test_write_file(p, "quarterly report\n", 17, 0644),
			 0);
	snprintf(g_swap_src, sizeof(g_swap_src), "%s", p);
	snprintf(g_swap_link_to, sizeof(g_swap_link_to), "%s", secret);

	assert_int_not_equal(kf_send(m->k.conf, &arg, 1, NULL, NULL, NULL, &st,
				     err, sizeof(err)),
			     0);
	assert_true(g_swapped);
	assert_int_equal(st.files_ok, 0);
	assert_int_equal(st.files_failed, 1);
	assert_int_equal(st.bytes_sent, 0);
	/* nothing of it reached the topic, let alone the secret */
	assert_int_equal(st.messages, 0);
	assert_int_equal(receive_all(m), 0);
	kf_test_fmt(p, sizeof(p), "%s/dest/tree/report.txt", m->dir);
	got = kf_test_read_file(p, &n);
	assert_null(got);
}

static void test_rewrite_in_place_mtime_restored(void **state)
{
	struct mock *m = *state;
	char p[PATH_MAX + 64], err[512];
	const char *arg = p;
	uint8_t *data = malloc(8 * CHUNK);
	uint32_t seed = 11;
	kf_send_stats_t st;

	assert_non_null(data);
	kf_test_noise(data, 8 * CHUNK, &seed);
	kf_test_fmt(p, sizeof(p), "%s/ledger.db", m->dir);
	assert_int_equal(kf_test_write_file(p, data, 8 * CHUNK, 0644), 0);
	free(data);
	snprintf(g_rewrite, sizeof(g_rewrite), "%s", p);

	assert_int_not_equal(kf_send(m->k.conf, &arg, 1, NULL, NULL, NULL, &st,
				     err, sizeof(err)),
			     0);
	assert_true(g_rewritten);
	assert_int_equal(st.files_ok, 0);
	assert_int_equal(st.files_failed, 1);
	/* aborted: receivers place nothing torn */
	assert_int_equal(receive_all(m), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_link_swapped_in_after_the_walk, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_rewrite_in_place_mtime_restored, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
