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

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "kf_test.h"
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
		for (i = 0; i < 3000 &&
			    atomic_load(&g_scans_applied) == before; i++)
			nap();
	}
	return __real_kf_action_claim(r, f, msg, msg_size);
}

struct run {
	kf_conf_t *conf;
	int rc;
	char err[512];
};

static void *watch_thread(void *arg)
{
	struct run *run = arg;

	run->rc = kf_watch(run->conf, NULL, NULL, run->err, sizeof(run->err));
	return NULL;
}

static void set(kf_conf_t *conf, const char *k, const char *v)
{
	char err[256];

	if (kf_conf_set(conf, k, v, err, sizeof(err)))
		fail_msg("%s=%s: %s", k, v, err);
}

static void test_changed_at_claim_is_looked_at_again(void **state)
{
	char dir[PATH_MAX], st_dir[PATH_MAX + 8], p[PATH_MAX + 64];
	char err[256];
	rd_kafka_conf_t *rc = rd_kafka_conf_new();
	rd_kafka_mock_cluster_t *mc;
	rd_kafka_t *rk;
	struct run run = {0};
	pthread_t th;
	int i;

	(void)state;
	rk = rd_kafka_new(RD_KAFKA_PRODUCER, rc, err, sizeof(err));
	assert_non_null(rk);
	mc = rd_kafka_mock_cluster_new(rk, 1);
	assert_non_null(mc);
	assert_int_equal(rd_kafka_mock_topic_create(mc, "files", 1, 1), 0);
	assert_int_equal(kf_test_mkdtemp(dir, "test_watch_rescan"), 0);
	kf_test_fmt(g_in, sizeof(g_in), "%s/in", dir);
	kf_test_fmt(st_dir, sizeof(st_dir), "%s/state", dir);
	assert_int_equal(kf_test_mkdir_p(g_in, 0755), 0);
	kf_test_fmt(p, sizeof(p), "%s/late.txt", g_in);
	assert_int_equal(kf_test_write_file(p, "late\n", 5, 0644), 0);

	run.conf = kf_conf_new();
	set(run.conf, "bootstrap", rd_kafka_mock_cluster_bootstraps(mc));
	set(run.conf, "topic", "files");
	set(run.conf, "log_level", "error");
	set(run.conf, "workers", "4");
	/* a rescan would come far too late: only the stable poll helps */
	set(run.conf, "watch.rescan_seconds", "86400");
	set(run.conf, "watch.state_dir", st_dir);
	set(run.conf, "route.t.dir", g_in);
	set(run.conf, "route.t.stable_seconds", "1");
	set(run.conf, "route.t.after", "delete");
	assert_int_equal(kf_log_init(run.conf, 0, err, sizeof(err)), 0);
	assert_int_equal(pthread_create(&th, NULL, watch_thread, &run), 0);
	/* sent (and deleted) once it was stable again */
	for (i = 0; i < 6000 && !access(p, F_OK); i++)
		nap();
	kf_stop_request();
	assert_int_equal(pthread_join(th, NULL), 0);
	if (run.rc)
		fail_msg("kf_watch: %s", run.err);
	assert_true(g_touched);
	assert_int_equal(access(p, F_OK), -1);

	kf_conf_destroy(run.conf);
	rd_kafka_mock_cluster_destroy(mc);
	rd_kafka_destroy(rk);
	assert_int_equal(kf_test_rmtree(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_changed_at_claim_is_looked_at_again),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
