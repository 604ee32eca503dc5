/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kf_watch against librdkafka's mock cluster: a transfer that fails after
 * a checkpoint reached the ledger gets its X (void) record, durable,
 * before its ABORT frame is produced. With the ABORT first, a crash (or
 * the end of the drain's grace) in between left a P as the newest record,
 * and the next start resumed a transfer that receivers had dropped.
 *
 * Linked with -Wl,--wrap=pread64 -Wl,--wrap=kf_wire_encode_abort
 * (CMakeLists.txt): the read of chunk 8 fails once the ledger holds a
 * checkpoint, and every ABORT encoded looks at the ledger first.
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
#include "kferry/kferry.h"
#include "proto/wire.h"

#define CHUNK (64 * 1024)
#define FAIL_AT_CHUNK 8

static char g_ledger[PATH_MAX + 32];
static ino_t g_victim_ino;
static int g_aborts, g_aborts_after_void, g_read_failed;

/* The ledger's text, NUL-terminated (caller frees), or NULL. */
static char *ledger_text(void)
{
	size_t n = 0;
	char *t = (char *)kf_test_read_file(g_ledger, &n);

	if (t)
		t[n] = '\0';
	return t;
}

/* 1 if the ledger's newest record of the file is of kind k. */
static int newest_is(const char *text, char k)
{
	const char *p, *last = NULL;

	for (p = text; (p = strstr(p, "\tbig.bin\t")); p++)
		last = p;
	if (!last)
		return 0;
	while (last > text && last[-1] != '\n')
		last--;
	return *last == k;
}

static int has_checkpoint(void)
{
	char *t = ledger_text();
	int ok = t && strstr(t, "\nP\t") != NULL;

	free(t);
	return ok;
}

ssize_t __real_pread64(int fd, void *buf, size_t n, off_t off);
ssize_t __wrap_pread64(int fd, void *buf, size_t n, off_t off);

/* @locality worker: the read of chunk FAIL_AT_CHUNK of the file fails,
 * once a checkpoint of the transfer is on the ledger. */
ssize_t __wrap_pread64(int fd, void *buf, size_t n, off_t off)
{
	struct stat st;
	struct timespec ts = {0, 10 * 1000 * 1000};
	int i;

	if (off != (off_t)FAIL_AT_CHUNK * CHUNK || fstat(fd, &st) ||
	    st.st_ino != g_victim_ino || g_read_failed)
		return __real_pread64(fd, buf, n, off);
	for (i = 0; i < 3000 && !has_checkpoint(); i++)
		nanosleep(&ts, NULL);
	g_read_failed = 1;
	errno = EIO;
	return -1;
}

long __real_kf_wire_encode_abort(uint8_t *buf, size_t cap,
				 const kf_wire_abort_t *a);
long __wrap_kf_wire_encode_abort(uint8_t *buf, size_t cap,
				 const kf_wire_abort_t *a);

/* @locality loop thread: what the ledger says when an ABORT is built. */
long __wrap_kf_wire_encode_abort(uint8_t *buf, size_t cap,
				 const kf_wire_abort_t *a)
{
	char *t = ledger_text();

	g_aborts++;
	if (t && newest_is(t, 'X'))
		g_aborts_after_void++;
	free(t);
	return __real_kf_wire_encode_abort(buf, cap, a);
}

static void test_void_before_abort(void **state)
{
	char dir[PATH_MAX], in[PATH_MAX + 8], st_dir[PATH_MAX + 8];
	char path[PATH_MAX + 64], *text;
	uint8_t *data = malloc(16 * CHUNK);
	uint32_t seed = 7;
	struct kf_test_mock mock;
	struct kf_test_watch watch;
	struct stat st;
	int i;

	(void)state;
	assert_non_null(data);
	kf_test_mock_open(&mock, 1);

	assert_int_equal(kf_test_mkdtemp(dir, "test_watch_void"), 0);
	kf_test_fmt(in, sizeof(in), "%s/in", dir);
	kf_test_fmt(st_dir, sizeof(st_dir), "%s/state", dir);
	kf_test_fmt(g_ledger, sizeof(g_ledger), "%s/ledger.log", st_dir);
	assert_int_equal(kf_test_mkdir_p(in, 0755), 0);
	kf_test_fmt(path, sizeof(path), "%s/big.bin", in);
	kf_test_noise(data, 16 * CHUNK, &seed);
	assert_int_equal(kf_test_write_file(path, data, 16 * CHUNK, 0644), 0);
	free(data);
	assert_int_equal(stat(path, &st), 0);
	g_victim_ino = st.st_ino;

	kf_test_set(mock.conf, "chunk_size", "64KiB");
	kf_test_set(mock.conf, "workers", "4");
	kf_test_set(mock.conf, "watch.state_dir", st_dir);
	kf_test_set(mock.conf, "route.t.dir", in);
	kf_test_set(mock.conf, "route.t.finished", "rename");
	kf_test_set(mock.conf, "route.t.retries", "0");

	kf_test_watch_start(&watch, mock.conf);
	/* the failed file ends in the error directory */
	kf_test_fmt(path, sizeof(path), "%s/.kferry/error/big.bin", in);
	for (i = 0; i < 6000 && access(path, F_OK); i++) {
		struct timespec ts = {0, 10 * 1000 * 1000};

		nanosleep(&ts, NULL);
	}
	kf_test_watch_stop(&watch);
	assert_int_equal(access(path, F_OK), 0);

	assert_true(g_read_failed);
	text = ledger_text();
	assert_non_null(text);
	/* a checkpoint, then its void */
	assert_non_null(strstr(text, "\nP\t"));
	assert_true(newest_is(text, 'X'));
	free(text);
	/* every ABORT of the transfer was built after its X was durable */
	assert_true(g_aborts >= 1);
	assert_int_equal(g_aborts_after_void, g_aborts);

	kf_test_mock_close(&mock);
	assert_int_equal(kf_test_rmtree(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_void_before_abort),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
