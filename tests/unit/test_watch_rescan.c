/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kf_watch against librdkafka's mock cluster: a file found changed when
 * the daemon claims it (after=delete) must be looked at again within the
 * stable poll, not after watch.rescan_seconds. The change here comes
 * before a scan that skipped the file because it was busy, so no later
 * file system event asks for a scan.
 *
 * Linked with -Wl,--wrap=kf_action_claim -Wl,--wrap=kf_scan_result_free
 * (CMakeLists.txt): the claim touches the file, then waits until the
 * scan its event caused has been applied.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "kf_test.h"
#include "kf_test_mock.h"
#include "kferry/kferry.h"
#include "watch/action.h"
#include "watch/scan.h"

static char g_in[PATH_MAX + 8];
static atomic_int g_scans_applied;
static int g_touched;

static void nap(void)
{
	struct timespec ts = {0, 10 * 1000 * 1000};

	nanosleep(&ts, NULL);
}

void __real_kf_scan_result_free(struct kf_scan_result *res);
void __wrap_kf_scan_result_free(struct kf_scan_result *res);

/* @locality loop thread, right after a scan's result was applied */
void __wrap_kf_scan_result_free(struct kf_scan_result *res)
{
	__real_kf_scan_result_free(res);
	atomic_fetch_add(&g_scans_applied, 1);
}

int __real_kf_action_claim(const kf_route_t *r, struct kf_action_file *f,
			   char *msg, size_t msg_size);
int __wrap_kf_action_claim(const kf_route_t *r, struct kf_action_file *f,
			   char *msg, size_t msg_size);

/* @locality worker: the first claim of late.txt finds it touched, and
 * only after the scan that the touch caused skipped it. */
int __wrap_kf_action_claim(const kf_route_t *r, struct kf_action_file *f,
			   char *msg, size_t msg_size)
{
	if (!g_touched && !strcmp(f->rel, "late.txt")) {
		char p[PATH_MAX + 32];
		int before = atomic_load(&g_scans_applied), i;

		g_touched = 1;
		snprintf(p, sizeof(p), "%s/late.txt", g_in);
		if (kf_test_write_file(p, "late, longer\n", 13, 0644))
			return KF_EIO; /* fails the test: never sent */
		for (i = 0; i < 3000 && atomic_load(&g_scans_applied) == before;
		     i++)
			nap();
	}
	return __real_kf_action_claim(r, f, msg, msg_size);
}

static void test_changed_at_claim_is_looked_at_again(void **state)
{
	char dir[PATH_MAX], st_dir[PATH_MAX + 8], p[PATH_MAX + 64];
	struct kf_test_mock mock;
	struct kf_test_watch watch;
	int i;

	(void)state;
	kf_test_mock_open(&mock, 1);
	assert_int_equal(kf_test_mkdtemp(dir, "test_watch_rescan"), 0);
	kf_test_fmt(g_in, sizeof(g_in), "%s/in", dir);
	kf_test_fmt(st_dir, sizeof(st_dir), "%s/state", dir);
	assert_int_equal(kf_test_mkdir_p(g_in, 0755), 0);
	kf_test_fmt(p, sizeof(p), "%s/late.txt", g_in);
	assert_int_equal(kf_test_write_file(p, "late\n", 5, 0644), 0);

	kf_test_set(mock.conf, "workers", "4");
	/* a rescan would come far too late: only the stable poll helps */
	kf_test_set(mock.conf, "watch.rescan_seconds", "86400");
	kf_test_set(mock.conf, "watch.state_dir", st_dir);
	kf_test_set(mock.conf, "route.t.dir", g_in);
	kf_test_set(mock.conf, "route.t.stable_seconds", "1");
	kf_test_set(mock.conf, "route.t.after", "delete");
	kf_test_watch_start(&watch, mock.conf);
	/* sent (and deleted) once it was stable again */
	for (i = 0; i < 6000 && !access(p, F_OK); i++)
		nap();
	kf_test_watch_stop(&watch);
	assert_true(g_touched);
	assert_int_equal(access(p, F_OK), -1);

	kf_test_mock_close(&mock);
	assert_int_equal(kf_test_rmtree(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_changed_at_claim_is_looked_at_again),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
