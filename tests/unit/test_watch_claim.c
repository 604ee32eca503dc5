/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The watch daemon's source side against a local user or program that
 * changes the watched directory at the worst moment (docs/watch.md):
 *
 * - a newer version renamed in under the same name while the ledger
 *   record of the sent one is synced must survive `after=delete` and
 *   `after=move` (only the claimed, sent file is deleted or moved);
 * - a directory swapped for a link after the scan's lstat must not lead
 *   the scan out of DIR;
 * - files claimed when the daemon stopped are never lost: sent ones get
 *   their after action, unsent ones are sent, and an unsent one whose
 *   name a newer file took goes to the error directory.
 *
 * Linked with -Wl,--wrap=fdatasync -Wl,--wrap=fstatat64 (CMakeLists.txt).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <time.h>

#include "kf_test.h"
#include "kf_test_mock.h"
#include "kf_test_route.h"
#include "kferry/kferry.h"
#include "common/stop.h"
#include "config/conf.h"
#include "watch/action.h"
#include "watch/ledger.h"
#include "watch/route.h"
#include "watch/scan.h"

/* fdatasync: the writer's "write tmp, rename in" of version 2 */
static char g_dir[PATH_MAX + 8];
static int g_renamed;
/* fstatat64: the directory named g_swap_name becomes a link to g_swap_to */
static char g_swap_name[64], g_swap_dir[PATH_MAX + 8], g_swap_to[PATH_MAX + 8];
static int g_swapped;

int __real_fdatasync(int fd);
int __wrap_fdatasync(int fd);

/* @locality worker (the ledger append) */
int __wrap_fdatasync(int fd)
{
	if (*g_dir && !g_renamed) {
		char tmp[PATH_MAX + 32], dst[PATH_MAX + 32];

		snprintf(tmp, sizeof(tmp), "%s/report.csv.tmp", g_dir);
		snprintf(dst, sizeof(dst), "%s/report.csv", g_dir);
		g_renamed = !kf_test_write_file(tmp, "version 2\n", 10, 0644) &&
			    !rename(tmp, dst);
	}
	return __real_fdatasync(fd);
}

int __real_fstatat64(int dirfd, const char *name, struct stat *st, int flags);
int __wrap_fstatat64(int dirfd, const char *name, struct stat *st, int flags);

/* @locality worker (the scan): once the scan saw the directory, a link
 * takes its place. */
int __wrap_fstatat64(int dirfd, const char *name, struct stat *st, int flags)
{
	int r = __real_fstatat64(dirfd, name, st, flags);

	if (!r && *g_swap_name && !g_swapped && !strcmp(name, g_swap_name)) {
		char moved[PATH_MAX + 16];

		snprintf(moved, sizeof(moved), "%s.orig", g_swap_dir);
		g_swapped = !rename(g_swap_dir, moved) &&
			    !symlink(g_swap_to, g_swap_dir);
	}
	return r;
}

/* 1 if the file at path holds exactly text. */
static int file_is(const char *path, const char *text)
{
	size_t n = 0;
	uint8_t *b = kf_test_read_file(path, &n);
	int ok = b && n == strlen(text) && !memcmp(b, text, n);

	free(b);
	return ok;
}

/* The after action of version 1 while version 2 is renamed in during the
 * ledger's fdatasync (the review's E4, deterministic). */
static void after_with_rename_in(const char *after, const char *moved_rel)
{
	char dir[PATH_MAX], in[PATH_MAX + 8], state[PATH_MAX + 8];
	char p[PATH_MAX + 64], msg[512], err[256], after_kv[PATH_MAX + 32];
	const char *kv[] = {"dir", in, "after", after_kv, NULL};
	struct kf_action_file af = {0};
	struct stat st;
	kf_ledger_t *l;
	kf_route_t *r;
	int rc;

	assert_int_equal(kf_test_mkdtemp(dir, "test_watch_claim"), 0);
	kf_test_fmt(in, sizeof(in), "%s/in", dir);
	kf_test_fmt(state, sizeof(state), "%s/state", dir);
	assert_int_equal(kf_test_mkdir_p(in, 0755), 0);
	kf_test_fmt(after_kv, sizeof(after_kv), after, dir);
	r = kf_test_route(kv);
	kf_test_fmt(p, sizeof(p), "%s/report.csv", in);
	assert_int_equal(kf_test_write_file(p, "version 1\n", 10, 0644), 0);
	assert_int_equal(lstat(p, &st), 0);
	/* what the scan saw and the sender sent */
	af.rel = "report.csv";
	af.size = (uint64_t)st.st_size;
	af.ino = (uint64_t)st.st_ino;
	af.mtime_ns =
		(int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
	l = kf_ledger_open(state, NULL, NULL, NULL, err, sizeof(err));
	assert_non_null(l);

	snprintf(g_dir, sizeof(g_dir), "%s", in);
	g_renamed = 0;
	rc = kf_action_sent(r, l, &af, msg, sizeof(msg));
	*g_dir = '\0';
	if (rc)
		fail_msg("kf_action_sent: %d %s", rc, msg);
	assert_true(g_renamed);
	/* version 2, never sent, is still there to be sent */
	assert_true(file_is(p, "version 2\n"));
	/* version 1 was deleted or moved */
	if (moved_rel) {
		kf_test_fmt(p, sizeof(p), "%s/%s", dir, moved_rel);
		assert_true(file_is(p, "version 1\n"));
	}
	kf_test_fmt(p, sizeof(p), "%s/.kferry/sending/report.csv", in);
	assert_int_equal(access(p, F_OK), -1);

	kf_ledger_close(l);
	kf_route_unref(r);
	assert_int_equal(kf_test_rmtree(dir), 0);
}

static void test_delete_spares_a_newer_version(void **state)
{
	(void)state;
	after_with_rename_in("delete", NULL);
}

static void test_move_spares_a_newer_version(void **state)
{
	(void)state;
	after_with_rename_in("move:%s/sent", "sent/report.csv");
}

static void test_scan_never_follows_a_swapped_link(void **state)
{
	char dir[PATH_MAX], in[PATH_MAX + 8], out[PATH_MAX + 8];
	char p[PATH_MAX + 64];
	const char *kv[] = {"dir", in, "recursive", "true", NULL};
	struct kf_scan_result res;
	kf_route_t *r;
	size_t i;

	(void)state;
	assert_int_equal(kf_test_mkdtemp(dir, "test_watch_claim"), 0);
	kf_test_fmt(in, sizeof(in), "%s/in", dir);
	kf_test_fmt(out, sizeof(out), "%s/private", dir);
	kf_test_fmt(p, sizeof(p), "%s/sub/a.txt", in);
	assert_int_equal(kf_test_mkdir_p(p, 0755), 0);
	assert_int_equal(rmdir(p), 0);
	assert_int_equal(kf_test_write_file(p, "a\n", 2, 0644), 0);
	kf_test_fmt(p, sizeof(p), "%s/secret.key", out);
	assert_int_equal(kf_test_mkdir_p(out, 0700), 0);
	assert_int_equal(kf_test_write_file(p, "TOP-SECRET\n", 11, 0600), 0);
	r = kf_test_route(kv);

	snprintf(g_swap_name, sizeof(g_swap_name), "sub");
	kf_test_fmt(g_swap_dir, sizeof(g_swap_dir), "%s/sub", in);
	kf_test_fmt(g_swap_to, sizeof(g_swap_to), "%s", out);
	g_swapped = 0;
	kf_scan_run(r, &res);
	*g_swap_name = '\0';
	assert_true(g_swapped);
	assert_int_equal(res.err, 0);
	for (i = 0; i < res.nfiles; i++)
		if (strstr(res.files[i].rel, "secret"))
			fail_msg("the scan followed the link: %s",
				 res.files[i].rel);
	kf_scan_result_free(&res);
	kf_route_unref(r);
	assert_int_equal(kf_test_rmtree(dir), 0);
}

static void test_prepare_refuses_foreign_private_dirs(void **state)
{
	char dir[PATH_MAX], in[PATH_MAX + 8], p[PATH_MAX + 64];
	char other[PATH_MAX + 16], errs[PATH_MAX + 16], err[512];
	const char *del[] = {"dir", in, "after", "delete", NULL};
	const char *keep[] = {"dir", in, "after", "keep", NULL};
	const char *outside[] = {"dir", in, "error_dir", errs, NULL};
	kf_route_t *r;
	struct stat st;

	(void)state;
	assert_int_equal(kf_test_mkdtemp(dir, "test_watch_claim"), 0);
	kf_test_fmt(in, sizeof(in), "%s/in", dir);
	kf_test_fmt(other, sizeof(other), "%s/other", dir);
	kf_test_fmt(errs, sizeof(errs), "%s/errors", dir);
	assert_int_equal(kf_test_mkdir_p(in, 0755), 0);
	assert_int_equal(kf_test_mkdir_p(other, 0755), 0);

	/* keep creates nothing (its DIR may be read-only) */
	r = kf_test_route(keep);
	assert_int_equal(kf_action_prepare(r, err, sizeof(err)), 0);
	kf_route_unref(r);
	kf_test_fmt(p, sizeof(p), "%s/.kferry", in);
	assert_int_equal(access(p, F_OK), -1);

	/* delete: .kferry and .kferry/sending made 0700 */
	r = kf_test_route(del);
	assert_int_equal(kf_action_prepare(r, err, sizeof(err)), 0);
	kf_test_fmt(p, sizeof(p), "%s/.kferry/sending", in);
	assert_int_equal(lstat(p, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0700);

	/* others may write it: refused, saying what to do */
	kf_test_fmt(p, sizeof(p), "%s/.kferry", in);
	assert_int_equal(chmod(p, 0777), 0);
	assert_int_equal(kf_action_prepare(r, err, sizeof(err)), KF_EINVAL);
	assert_non_null(strstr(err, "writable by no one else"));

	/* a link planted in its place: refused */
	assert_int_equal(kf_test_rmtree(p), 0);
	assert_int_equal(symlink(other, p), 0);
	assert_int_equal(kf_action_prepare(r, err, sizeof(err)), KF_EINVAL);
	assert_non_null(strstr(err, "link"));
	kf_test_fmt(p, sizeof(p), "%s/sending", other);
	assert_int_equal(access(p, F_OK), -1);
	kf_route_unref(r);

	/* an error directory others may write: refused */
	kf_test_fmt(p, sizeof(p), "%s/.kferry", in);
	assert_int_equal(unlink(p), 0);
	assert_int_equal(kf_test_mkdir_p(errs, 0755), 0);
	assert_int_equal(chmod(errs, 0777), 0);
	r = kf_test_route(outside);
	assert_int_equal(kf_action_prepare(r, err, sizeof(err)), KF_EINVAL);
	assert_non_null(strstr(err, "writable by no one else"));
	kf_route_unref(r);
	assert_int_equal(kf_test_rmtree(dir), 0);
}

/* ------------------------------------------- claimed files after a stop */

static int gone(const char *dir, const char *name)
{
	char p[PATH_MAX + 64];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return access(p, F_OK) == -1 && errno == ENOENT;
}

static void test_claimed_files_after_a_stop(void **state)
{
	char dir[PATH_MAX], in[PATH_MAX + 8], st_dir[PATH_MAX + 8];
	char sending[PATH_MAX + 32], dest[PATH_MAX + 8], p[PATH_MAX + 64];
	char err[256];
	struct kf_ledger_rec rec = {0};
	struct kf_test_mock mock;
	struct kf_test_watch watch;
	kf_recv_stats_t rst;
	kf_ledger_t *l;
	struct stat st;
	int i;

	(void)state;
	kf_test_mock_open(&mock, 1);
	assert_int_equal(kf_test_mkdtemp(dir, "test_watch_claim"), 0);
	kf_test_fmt(in, sizeof(in), "%s/in", dir);
	kf_test_fmt(st_dir, sizeof(st_dir), "%s/state", dir);
	kf_test_fmt(dest, sizeof(dest), "%s/dest", dir);
	kf_test_fmt(sending, sizeof(sending), "%s/.kferry/sending", in);
	assert_int_equal(kf_test_mkdir_p(sending, 0700), 0);
	kf_test_fmt(p, sizeof(p), "%s/.kferry", in);
	assert_int_equal(chmod(p, 0700), 0);

	/* a.txt was sent (its S record is durable), then the daemon died
	 * before deleting it */
	kf_test_fmt(p, sizeof(p), "%s/a.txt", sending);
	assert_int_equal(kf_test_write_file(p, "a: sent\n", 8, 0644), 0);
	assert_int_equal(lstat(p, &st), 0);
	rec.kind = KF_LEDGER_SENT;
	rec.route = "t";
	rec.rel = "a.txt";
	rec.size = (uint64_t)st.st_size;
	rec.ino = (uint64_t)st.st_ino;
	rec.mtime_ns =
		(int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
	rec.sent_s = (int64_t)time(NULL);
	l = kf_ledger_open(st_dir, NULL, NULL, NULL, err, sizeof(err));
	assert_non_null(l);
	assert_int_equal(kf_ledger_append(l, &rec, err, sizeof(err)), 0);
	kf_ledger_close(l);
	/* b.txt was claimed, not sent */
	kf_test_fmt(p, sizeof(p), "%s/b.txt", sending);
	assert_int_equal(kf_test_write_file(p, "b: unsent\n", 10, 0644), 0);
	/* c.txt was claimed, not sent, and a newer c.txt came meanwhile */
	kf_test_fmt(p, sizeof(p), "%s/c.txt", sending);
	assert_int_equal(kf_test_write_file(p, "c: old\n", 7, 0644), 0);
	kf_test_fmt(p, sizeof(p), "%s/c.txt", in);
	assert_int_equal(kf_test_write_file(p, "c: new\n", 7, 0644), 0);

	kf_test_set(mock.conf, "watch.state_dir", st_dir);
	kf_test_set(mock.conf, "route.t.dir", in);
	kf_test_set(mock.conf, "route.t.finished", "rename");
	kf_test_set(mock.conf, "route.t.after", "delete");
	kf_test_watch_start(&watch, mock.conf);
	for (i = 0;
	     i < 6000 && !(gone(in, "b.txt") && gone(in, "c.txt") &&
			   gone(sending, "b.txt") && gone(sending, "c.txt"));
	     i++) {
		struct timespec ts = {0, 10 * 1000 * 1000};

		nanosleep(&ts, NULL);
	}
	kf_test_watch_stop(&watch);

	/* nothing is left claimed or in the outbox */
	assert_true(gone(sending, "a.txt"));
	assert_true(gone(sending, "b.txt"));
	assert_true(gone(sending, "c.txt"));
	assert_true(gone(in, "b.txt"));
	assert_true(gone(in, "c.txt"));
	/* the old c.txt is kept, with the reason */
	kf_test_fmt(p, sizeof(p), "%s/.kferry/error/c.txt", in);
	assert_true(file_is(p, "c: old\n"));
	kf_test_fmt(p, sizeof(p), "%s/.kferry/error/c.txt.error", in);
	assert_int_equal(access(p, F_OK), 0);

	/* the receiver gets b.txt and the new c.txt, and never a.txt again */
	kf__stop_flag = 0;
	kf_test_set(mock.conf, "receive.dest", dest);
	kf_test_set(mock.conf, "receive.idle_exit", "3");
	kf_test_set(mock.conf, "receive.group", "g1");
	assert_int_equal(kf_receive(mock.conf, &rst, err, sizeof(err)), 0);
	assert_int_equal(rst.files_ok, 2);
	kf_test_fmt(p, sizeof(p), "%s/b.txt", dest);
	assert_true(file_is(p, "b: unsent\n"));
	kf_test_fmt(p, sizeof(p), "%s/c.txt", dest);
	assert_true(file_is(p, "c: new\n"));
	assert_true(gone(dest, "a.txt"));

	kf_test_mock_close(&mock);
	assert_int_equal(kf_test_rmtree(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_delete_spares_a_newer_version),
		cmocka_unit_test(test_move_spares_a_newer_version),
		cmocka_unit_test(test_scan_never_follows_a_swapped_link),
		cmocka_unit_test(test_prepare_refuses_foreign_private_dirs),
		cmocka_unit_test(test_claimed_files_after_a_stop),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
